// Names → Lucide glyphs, and an icon engine that recolours the SVG's currentColor when it draws.
#include "style/icons.h"

#include "style/statuspalette.h"
#include "style/theme.h"

#include <QApplication>
#include <QFile>
#include <QHash>
#include <QIconEngine>
#include <QPainter>
#include <QPalette>
#include <QPixmapCache>
#include <QSvgRenderer>

// The resource lives in an object library of pilothouse_widgets (qt_add_resources); naming its
// initialiser here keeps a static link from dropping it, for the app and the tests alike.
static void initIconResources() { Q_INIT_RESOURCE(pilothouse_icons); }

namespace pilothouse::widgets {

namespace {

constexpr auto kFallback = "square-dashed";

// The application's names for icons → Lucide file names. Several names may share a glyph; the
// names stay stable when a glyph is swapped.
const QHash<QString, QString> &glyphs()
{
    static const QHash<QString, QString> table = [] {
        QHash<QString, QString> t;
        const std::pair<const char *, const char *> rows[] = {
            // The application and its pages.
            {"app", "ship-wheel"},
            {"page-resources", "boxes"},
            {"page-rollouts", "rocket"},
            {"page-argocd", "refresh-ccw-dot"},
            {"page-gitops", "git-branch"},
            {"page-logs", "scroll-text"},
            {"page-scaling", "chart-line"},
            {"page-pipelines", "workflow"},
            {"page-metrics", "gauge"},
            {"page-graph", "waypoints"},
            {"page-inbox", "inbox"},
            {"page-timeline", "milestone"},
            {"page-audit", "clipboard-list"},
            {"preferences", "settings"},
            {"palette", "search"},
            {"command", "command"},
            {"search", "search"},
            // Kinds.
            {"kind-pod", "box"},
            {"kind-deployment", "layers"},
            {"kind-statefulset", "database"},
            {"kind-daemonset", "layout-grid"},
            {"kind-replicaset", "copy"},
            {"kind-job", "list-checks"},
            {"kind-cronjob", "calendar-clock"},
            {"kind-service", "network"},
            {"kind-endpoints", "cable"},
            {"kind-ingress", "globe"},
            {"kind-networkpolicy", "shield"},
            {"kind-configmap", "file-cog"},
            {"kind-secret", "key-round"},
            {"kind-resourcequota", "chart-pie"},
            {"kind-limitrange", "ruler"},
            {"kind-pvc", "hard-drive-download"},
            {"kind-pv", "hard-drive"},
            {"kind-storageclass", "warehouse"},
            {"kind-hpa", "move-vertical"},
            {"kind-serviceaccount", "user-cog"},
            {"kind-role", "id-card"},
            {"kind-rolebinding", "link"},
            {"kind-clusterrole", "shield-check"},
            {"kind-clusterrolebinding", "link-2"},
            {"kind-node", "server"},
            {"kind-namespace", "folder"},
            {"kind-event", "bell"},
            {"kind-rollout", "rocket"},
            {"kind-analysisrun", "flask-conical"},
            {"kind-application", "app-window"},
            {"kind-custom", "puzzle"},
            // The kind registry's names ("kind-" + the kind in lower case) where they differ.
            {"kind-horizontalpodautoscaler", "move-vertical"},
            {"kind-persistentvolume", "hard-drive"},
            {"kind-persistentvolumeclaim", "hard-drive-download"},
            {"kind-endpointslice", "cable"},
            {"kind-ingressclass", "globe"},
            {"kind-customresourcedefinition", "puzzle"},
            {"kind-replicationcontroller", "copy"},
            {"kind-controllerrevision", "history"},
            {"kind-poddisruptionbudget", "shield"},
            {"kind-podtemplate", "box"},
            // Statuses (drawn in their tone's colour).
            {"status-ok", "circle-check"},
            {"status-healthy", "circle-check"},
            {"status-progressing", "loader-circle"},
            {"status-paused", "circle-pause"},
            {"status-warning", "triangle-alert"},
            {"status-degraded", "circle-x"},
            {"status-failed", "circle-x"},
            {"status-error", "circle-x"},
            {"status-unknown", "circle-help"},
            {"status-waiting", "hourglass"},
            {"status-suspended", "circle-minus"},
            {"status-outofsync", "circle-arrow-up"},
            {"status-neutral", "circle-dot"},
            // Actions.
            {"scale", "chevrons-up-down"},
            {"restart", "rotate-ccw"},
            {"play", "play"},
            {"trigger", "play"},
            {"pause", "pause"},
            {"suspend", "pause"},
            {"resume", "step-forward"},
            {"cordon", "ban"},
            {"uncordon", "circle-check-big"},
            {"logs", "scroll-text"},
            {"chart", "chart-line"},
            {"history", "history"},
            {"promote", "arrow-up-from-line"},
            {"rollback", "undo-2"},
            {"abort", "octagon-x"},
            {"retry", "rotate-cw"},
            {"delete", "trash-2"},
            {"edit", "pencil"},
            {"open", "external-link"},
            {"copy", "copy"},
            {"refresh", "refresh-cw"},
            {"sync", "refresh-ccw-dot"},
            {"terminate", "square-x"},
            {"approve", "check"},
            {"reject", "x"},
            {"close", "x"},
            {"add", "plus"},
            {"fetch", "download"},
            {"diff", "git-compare"},
            {"commit", "git-commit-horizontal"},
            {"view", "eye"},
            {"read-only", "lock"},
            {"lock", "lock"},
            {"context", "cloud"},
            {"cluster", "cloud"},
            {"namespace", "folder"},
            {"filter", "funnel"},
            {"kubeconfig", "file-key"},
            {"file", "file-key"},
            {"demo", "sparkles"},
            {"login", "log-in"},
            {"logout", "log-out"},
            {"theme", "sun-moon"},
            {"info", "info"},
            {"unknown", kFallback},
        };
        for (const auto &[name, file] : rows)
            t.insert(QString::fromLatin1(name), QString::fromLatin1(file));
        return t;
    }();
    return table;
}

const QHash<QString, models::StatusTone> &statusNameTones()
{
    using T = models::StatusTone;
    static const QHash<QString, T> table = {
        {QStringLiteral("status-ok"), T::Good},         {QStringLiteral("status-healthy"), T::Good},
        {QStringLiteral("status-progressing"), T::Progress}, {QStringLiteral("status-paused"), T::Paused},
        {QStringLiteral("status-warning"), T::Warning}, {QStringLiteral("status-degraded"), T::Bad},
        {QStringLiteral("status-failed"), T::Bad},      {QStringLiteral("status-error"), T::Bad},
        {QStringLiteral("status-unknown"), T::Unknown}, {QStringLiteral("status-waiting"), T::Paused},
        {QStringLiteral("status-suspended"), T::Paused}, {QStringLiteral("status-outofsync"), T::Warning},
        {QStringLiteral("status-neutral"), T::Neutral},
    };
    return table;
}

QByteArray svgBytes(const QString &path)
{
    static QHash<QString, QByteArray> cache;
    if (auto it = cache.constFind(path); it != cache.cend())
        return it.value();
    initIconResources();
    QFile f(path);
    QByteArray bytes = f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    cache.insert(path, bytes);
    return bytes;
}

// Draws one Lucide SVG in a colour decided at draw time: the theme's icon colour, or a status
// tone's. QIcon asks for size × devicePixelRatio, and the renderer draws the vectors at exactly
// that size, so nothing is scaled from a bitmap.
class TintedSvgEngine : public QIconEngine {
public:
    TintedSvgEngine(QString path, bool status, models::StatusTone tone) : m_path(std::move(path)), m_status(status), m_tone(tone) {}

    QIconEngine *clone() const override { return new TintedSvgEngine(*this); }
    QString key() const override { return QStringLiteral("pilothouse-tinted-svg"); }
    bool isNull() override { return svgBytes(m_path).isEmpty(); }
    QSize actualSize(const QSize &size, QIcon::Mode, QIcon::State) override { return size; }
    QList<QSize> availableSizes(QIcon::Mode, QIcon::State) override { return {}; }

    void paint(QPainter *painter, const QRect &rect, QIcon::Mode mode, QIcon::State state) override
    {
        const qreal dpr = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
        QPixmap pm = render(rect.size() * dpr, mode, state);
        pm.setDevicePixelRatio(dpr);
        painter->drawPixmap(rect, pm);
    }

    QPixmap pixmap(const QSize &size, QIcon::Mode mode, QIcon::State state) override { return render(size, mode, state); }

    // QIcon::pixmap(size, dpr) passes the size in device pixels already (and sets the ratio itself).
    QPixmap scaledPixmap(const QSize &size, QIcon::Mode mode, QIcon::State state, qreal scale) override
    {
        QPixmap pm = render(size, mode, state);
        pm.setDevicePixelRatio(scale);
        return pm;
    }

private:
    QColor colourFor(QIcon::Mode mode) const
    {
        if (mode == QIcon::Disabled)
            return QApplication::palette().color(QPalette::Disabled, QPalette::Text);
        if (m_status)
            return StatusPalette::color(m_tone);
        if (mode == QIcon::Selected)
            return QApplication::palette().color(QPalette::HighlightedText);
        return Theme::color(Theme::Role::Icon);
    }

    QPixmap render(const QSize &size, QIcon::Mode mode, QIcon::State) const
    {
        if (size.isEmpty())
            return {};
        const QColor colour = colourFor(mode);
        const QString cacheKey = QStringLiteral("ph-icon:%1:%2:%3x%4").arg(m_path, colour.name(QColor::HexArgb)).arg(size.width()).arg(size.height());
        QPixmap pm;
        if (QPixmapCache::find(cacheKey, &pm))
            return pm;
        QByteArray svg = svgBytes(m_path);
        svg.replace("currentColor", colour.name(QColor::HexRgb).toLatin1());
        QSvgRenderer renderer(svg);
        pm = QPixmap(size);
        pm.fill(Qt::transparent);
        if (renderer.isValid()) {
            QPainter p(&pm);
            p.setRenderHint(QPainter::Antialiasing);
            if (colour.alpha() < 255)
                p.setOpacity(colour.alphaF());
            // Square glyphs in a non-square rect stay square and centred.
            const int side = std::min(size.width(), size.height());
            renderer.render(&p, QRectF((size.width() - side) / 2.0, (size.height() - side) / 2.0, side, side));
        }
        QPixmapCache::insert(cacheKey, pm);
        return pm;
    }

    QString m_path;
    bool m_status = false;
    models::StatusTone m_tone = models::StatusTone::Unknown;
};

QString pathForGlyph(const QString &glyph) { return QStringLiteral(":/icons/lucide/%1.svg").arg(glyph); }

}  // namespace

QIcon Icons::get(const QString &name)
{
    static QHash<QString, QIcon> cache;
    if (auto it = cache.constFind(name); it != cache.cend())
        return it.value();
    const auto tone = statusNameTones().constFind(name);
    const bool status = tone != statusNameTones().cend();
    QIcon icon(new TintedSvgEngine(resourcePath(name), status, status ? tone.value() : models::StatusTone::Unknown));
    cache.insert(name, icon);
    return icon;
}

QIcon Icons::forStatus(models::StatusTone tone)
{
    using T = models::StatusTone;
    switch (tone) {
    case T::Good: return get(QStringLiteral("status-ok"));
    case T::Progress: return get(QStringLiteral("status-progressing"));
    case T::Paused: return get(QStringLiteral("status-paused"));
    case T::Warning: return get(QStringLiteral("status-warning"));
    case T::Bad: return get(QStringLiteral("status-failed"));
    case T::Neutral: return get(QStringLiteral("status-neutral"));
    case T::Unknown: break;
    }
    return get(QStringLiteral("status-unknown"));
}

bool Icons::has(const QString &name) { return glyphs().contains(name); }

QStringList Icons::names()
{
    QStringList out = glyphs().keys();
    out.sort();
    return out;
}

QString Icons::resourcePath(const QString &name)
{
    if (auto it = glyphs().constFind(name); it != glyphs().cend())
        return pathForGlyph(it.value());
    // A kind the table does not name (a CRD, a rare built-in) looks like any custom kind.
    if (name.startsWith(QLatin1String("kind-")))
        return pathForGlyph(glyphs().value(QStringLiteral("kind-custom")));
    return pathForGlyph(QString::fromLatin1(kFallback));
}

}  // namespace pilothouse::widgets
