// The look: light and dark palettes readable, status colours readable on both, every icon name
// loads a visible glyph at 1x and 2x, unknown names fall back, and a theme switch recolours.
#include "style/icons.h"
#include "style/statuspalette.h"
#include "style/theme.h"

#include <QApplication>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QPalette>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QStyle>
#include <QTableView>
#include <QTest>

using namespace pilothouse::widgets;
using pilothouse::models::StatusTone;

Q_DECLARE_METATYPE(pilothouse::widgets::ThemeMode)

namespace {

// The names the shell, the kind registry and the action providers use (see resources/icons/README.md).
const QStringList kNames = {
    // Pages.
    "page-resources", "page-rollouts", "page-argocd", "page-gitops", "page-logs", "page-scaling", "page-pipelines", "page-metrics",
    "app", "page-graph", "page-inbox", "page-timeline", "page-audit", "preferences", "palette",
    // Kinds.
    "kind-pod", "kind-deployment", "kind-statefulset", "kind-daemonset", "kind-replicaset", "kind-job", "kind-cronjob", "kind-service",
    "kind-endpoints", "kind-ingress", "kind-networkpolicy", "kind-configmap", "kind-secret", "kind-resourcequota", "kind-limitrange",
    "kind-pvc", "kind-pv", "kind-storageclass", "kind-hpa", "kind-serviceaccount", "kind-role", "kind-rolebinding", "kind-clusterrole",
    "kind-clusterrolebinding", "kind-node", "kind-namespace", "kind-event", "kind-rollout", "kind-analysisrun", "kind-application",
    "kind-custom", "kind-horizontalpodautoscaler", "kind-persistentvolume", "kind-persistentvolumeclaim", "kind-customresourcedefinition",
    // Statuses.
    "status-ok", "status-healthy", "status-progressing", "status-paused", "status-warning", "status-degraded", "status-failed",
    "status-error", "status-unknown", "status-waiting", "status-suspended", "status-outofsync",
    // Actions (the first row is what the backends' action providers name).
    "scale", "restart", "play", "pause", "cordon", "logs", "chart", "history", "promote", "abort", "retry", "delete", "edit",
    "trigger", "suspend", "resume", "uncordon", "rollback", "open", "copy", "refresh", "read-only", "lock", "context", "cluster",
    "namespace", "filter", "kubeconfig", "file", "demo", "sync", "terminate", "approve",
};

const QList<StatusTone> kTones = {StatusTone::Good, StatusTone::Progress, StatusTone::Paused, StatusTone::Warning,
                                  StatusTone::Bad,  StatusTone::Neutral,  StatusTone::Unknown};

// Opaque pixels and the colour of the most opaque one.
struct Ink {
    int pixels = 0;
    QColor strongest;
};

Ink inkOf(const QPixmap &pm)
{
    Ink ink;
    const QImage img = pm.toImage().convertToFormat(QImage::Format_ARGB32);
    int best = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QColor c = img.pixelColor(x, y);
            if (c.alpha() > 0)
                ++ink.pixels;
            if (c.alpha() > best) {
                best = c.alpha();
                ink.strongest = c;
            }
        }
    return ink;
}

}  // namespace

class TestStyle : public QObject {
    Q_OBJECT

private slots:
    void palettesAreReadable_data();
    void palettesAreReadable();
    void statusColoursReadOnBase_data();
    void statusColoursReadOnBase();
    void everyIconLoads_data();
    void everyIconLoads();
    void iconsAreCrispAtTwiceTheScale();
    void unknownNameFallsBack();
    void themeSwitchRecolours();
    void statusDelegateColoursTheWord();
    void seriesColoursDiffer();
    void modeNamesRoundTrip();
    void styleSheetHasTheShellsNames();
};

void TestStyle::palettesAreReadable_data()
{
    QTest::addColumn<ThemeMode>("mode");
    QTest::newRow("light") << ThemeMode::Light;
    QTest::newRow("dark") << ThemeMode::Dark;
}

void TestStyle::palettesAreReadable()
{
    QFETCH(ThemeMode, mode);
    Theme::apply(mode);
    QCOMPARE(Theme::isDark(), mode == ThemeMode::Dark);
    const QPalette pal = QApplication::palette();
    auto atLeast = [](const QColor &fg, const QColor &bg, double ratio, const char *what) {
        const double c = Theme::contrast(fg, bg);
        if (c < ratio)
            qWarning("%s: %s on %s is %.2f:1", what, qPrintable(fg.name()), qPrintable(bg.name()), c);
        return c >= ratio;
    };
    QVERIFY(atLeast(pal.color(QPalette::Text), pal.color(QPalette::Base), 4.5, "Text/Base"));
    QVERIFY(atLeast(pal.color(QPalette::WindowText), pal.color(QPalette::Window), 4.5, "WindowText/Window"));
    QVERIFY(atLeast(pal.color(QPalette::ButtonText), pal.color(QPalette::Button), 4.5, "ButtonText/Button"));
    QVERIFY(atLeast(pal.color(QPalette::HighlightedText), pal.color(QPalette::Highlight), 4.5, "HighlightedText/Highlight"));
    QVERIFY(atLeast(pal.color(QPalette::ToolTipText), pal.color(QPalette::ToolTipBase), 4.5, "ToolTipText/ToolTipBase"));
    QVERIFY(atLeast(pal.color(QPalette::Link), pal.color(QPalette::Base), 4.5, "Link/Base"));
    QVERIFY(atLeast(pal.color(QPalette::PlaceholderText), pal.color(QPalette::Base), 4.5, "PlaceholderText/Base"));
    QVERIFY(atLeast(Theme::color(Theme::Role::TextSecondary), pal.color(QPalette::Base), 4.5, "TextSecondary/Base"));
    QVERIFY(atLeast(Theme::color(Theme::Role::TextSecondary), pal.color(QPalette::Window), 4.5, "TextSecondary/Window"));
    QVERIFY(atLeast(Theme::color(Theme::Role::DiffAddedText), Theme::color(Theme::Role::DiffAddedBackground), 4.5, "diff added"));
    QVERIFY(atLeast(Theme::color(Theme::Role::DiffRemovedText), Theme::color(Theme::Role::DiffRemovedBackground), 4.5, "diff removed"));
    QVERIFY(atLeast(Theme::color(Theme::Role::DiffHunkText), Theme::color(Theme::Role::DiffHunkBackground), 4.5, "diff hunk"));
    QVERIFY(atLeast(pal.color(QPalette::Text), Theme::color(Theme::Role::MatchBackground), 4.5, "log match"));
    QVERIFY(atLeast(Theme::color(Theme::Role::MatchRunText), Theme::color(Theme::Role::MatchRun), 4.5, "log match run"));
    QVERIFY(atLeast(Theme::color(Theme::Role::Danger), Theme::color(Theme::Role::ErrorBackground), 4.5, "inline error"));
    QVERIFY(atLeast(pal.color(QPalette::Text), Theme::color(Theme::Role::EditingBackground), 4.5, "editing"));
    // Disabled text is told apart from enabled text but still legible (3:1).
    QVERIFY(pal.color(QPalette::Disabled, QPalette::Text) != pal.color(QPalette::Active, QPalette::Text));
    QVERIFY(atLeast(pal.color(QPalette::Disabled, QPalette::Text), pal.color(QPalette::Base), 3.0, "disabled"));
    QVERIFY(Theme::color(Theme::Role::Surface) == pal.color(QPalette::Base));
    // The two themes really are light and dark.
    QCOMPARE(pal.color(QPalette::Base).lightnessF() < 0.5, mode == ThemeMode::Dark);
}

void TestStyle::statusColoursReadOnBase_data() { palettesAreReadable_data(); }

void TestStyle::statusColoursReadOnBase()
{
    QFETCH(ThemeMode, mode);
    Theme::apply(mode);
    const QColor base = QApplication::palette().color(QPalette::Base);
    const QColor window = QApplication::palette().color(QPalette::Window);
    QSet<QRgb> distinct;
    for (StatusTone tone : kTones) {
        const QColor c = StatusPalette::color(tone);
        const QString name = pilothouse::models::statusToneName(tone);
        // Status words are text: 4.5:1 on Base and Window (3:1 is the floor the issue sets).
        QVERIFY2(Theme::contrast(c, base) >= 4.5, qPrintable(QStringLiteral("%1 on Base: %2").arg(name).arg(Theme::contrast(c, base))));
        QVERIFY2(Theme::contrast(c, window) >= 4.5, qPrintable(QStringLiteral("%1 on Window: %2").arg(name).arg(Theme::contrast(c, window))));
        QVERIFY2(Theme::contrast(StatusPalette::onFill(tone), StatusPalette::fill(tone)) >= 4.5, qPrintable(name + QStringLiteral(" on its fill")));
        QVERIFY2(Theme::contrast(c, StatusPalette::soft(tone)) >= 4.0, qPrintable(name + QStringLiteral(" on its soft background")));
        distinct.insert(c.rgb());
    }
    // Good, progress, paused, warning and bad are five different colours.
    QVERIFY(distinct.size() >= 6);
    // Status words go through the palette: one colour per tone, whatever the view.
    QCOMPARE(StatusPalette::color(QStringLiteral("CrashLoopBackOff")), StatusPalette::color(StatusTone::Bad));
    QCOMPARE(StatusPalette::color(QStringLiteral("OutOfSync")), StatusPalette::color(StatusTone::Warning));
}

void TestStyle::everyIconLoads_data()
{
    QTest::addColumn<QString>("name");
    for (const QString &n : kNames)
        QTest::newRow(qPrintable(n)) << n;
}

void TestStyle::everyIconLoads()
{
    QFETCH(QString, name);
    Theme::apply(ThemeMode::Light);
    QVERIFY2(Icons::has(name), qPrintable(name + QStringLiteral(" is not mapped")));
    QVERIFY(QFile::exists(Icons::resourcePath(name)));
    const QIcon icon = Icons::get(name);
    QVERIFY(!icon.isNull());
    for (int size : {16, 32}) {
        const QPixmap pm = icon.pixmap(QSize(size, size), 1.0);
        QCOMPARE(pm.size(), QSize(size, size));
        QVERIFY2(inkOf(pm).pixels > size, qPrintable(QStringLiteral("%1 at %2px is blank").arg(name).arg(size)));
        const QPixmap hi = icon.pixmap(QSize(size, size), 2.0);
        QCOMPARE(hi.devicePixelRatio(), 2.0);
        QCOMPARE(hi.size(), QSize(2 * size, 2 * size));
        QVERIFY(inkOf(hi).pixels > 2 * size);
    }
}

void TestStyle::iconsAreCrispAtTwiceTheScale()
{
    // Drawn from the vectors at 32 device pixels, not a 16 px bitmap blown up: a 2x pixmap has
    // fully opaque stroke pixels and about four times the ink of the 1x one, and is not simply
    // the 1x one scaled.
    Theme::apply(ThemeMode::Light);
    const QIcon icon = Icons::get(QStringLiteral("kind-pod"));
    const QPixmap one = icon.pixmap(QSize(16, 16), 1.0);
    const QPixmap two = icon.pixmap(QSize(16, 16), 2.0);
    const Ink a = inkOf(one);
    const Ink b = inkOf(two);
    QCOMPARE(b.strongest.alpha(), 255);
    QVERIFY(b.pixels > 3 * a.pixels);
    const QImage upscaled = one.toImage().scaled(32, 32).convertToFormat(QImage::Format_ARGB32);
    QVERIFY(upscaled != two.toImage().convertToFormat(QImage::Format_ARGB32));
}

void TestStyle::unknownNameFallsBack()
{
    QVERIFY(!Icons::has(QStringLiteral("no-such-icon")));
    const QIcon icon = Icons::get(QStringLiteral("no-such-icon"));
    QVERIFY(!icon.isNull());
    QVERIFY(inkOf(icon.pixmap(QSize(24, 24), 1.0)).pixels > 24);
    QCOMPARE(Icons::resourcePath(QStringLiteral("no-such-icon")), Icons::resourcePath(QStringLiteral("unknown")));
    QVERIFY(Icons::resourcePath(QStringLiteral("kind-pod")) != Icons::resourcePath(QStringLiteral("no-such-icon")));
    // The kind registry names any kind "kind-<kind>": one it has no glyph for looks like a custom kind.
    QCOMPARE(Icons::resourcePath(QStringLiteral("kind-widgetfrobnicator")), Icons::resourcePath(QStringLiteral("kind-custom")));
    QVERIFY(!Icons::get(QStringLiteral("kind-widgetfrobnicator")).pixmap(QSize(16, 16), 1.0).isNull());
}

void TestStyle::themeSwitchRecolours()
{
    Theme::apply(ThemeMode::Light);
    QSignalSpy spy(Theme::instance(), &Theme::changed);
    const QIcon icon = Icons::get(QStringLiteral("page-resources"));  // fetched once, kept across the switch
    const QColor lightInk = inkOf(icon.pixmap(QSize(24, 24), 1.0)).strongest;
    const QColor lightBase = QApplication::palette().color(QPalette::Base);
    const QColor lightOk = inkOf(Icons::forStatus(StatusTone::Good).pixmap(QSize(24, 24), 1.0)).strongest;
    QCOMPARE(lightOk.rgb(), StatusPalette::color(StatusTone::Good).rgb());

    Theme::apply(ThemeMode::Dark);
    QCOMPARE(spy.count(), 1);
    const QColor darkInk = inkOf(icon.pixmap(QSize(24, 24), 1.0)).strongest;
    QVERIFY(darkInk.rgb() != lightInk.rgb());
    QCOMPARE(darkInk.rgb(), Theme::color(Theme::Role::Icon).rgb());
    QVERIFY(darkInk.lightnessF() > lightInk.lightnessF());
    QVERIFY(QApplication::palette().color(QPalette::Base) != lightBase);
    const QColor darkOk = inkOf(Icons::forStatus(StatusTone::Good).pixmap(QSize(24, 24), 1.0)).strongest;
    QVERIFY(darkOk.rgb() != lightOk.rgb());
    QCOMPARE(darkOk.rgb(), StatusPalette::color(StatusTone::Good).rgb());

    // Applying the same theme again changes nothing and says nothing.
    Theme::apply(ThemeMode::Dark);
    QCOMPARE(spy.count(), 1);
    // A disabled icon is drawn in the disabled colour.
    const QColor disabled = inkOf(icon.pixmap(QSize(24, 24), 1.0, QIcon::Disabled)).strongest;
    QVERIFY(disabled.rgb() != darkInk.rgb());
    Theme::apply(ThemeMode::Light);
    QCOMPARE(spy.count(), 2);
}

void TestStyle::statusDelegateColoursTheWord()
{
    Theme::apply(ThemeMode::Light);
    QStandardItemModel model(2, 1);
    model.setItem(0, 0, new QStandardItem(QStringLiteral("CrashLoopBackOff")));
    auto *running = new QStandardItem(QStringLiteral("Running"));
    running->setData(int(StatusTone::Progress), pilothouse::models::StatusToneRole);  // not all containers ready
    model.setItem(1, 0, running);
    QTableView view;
    view.setModel(&model);
    auto *delegate = new StatusDelegate(&view);
    view.setItemDelegateForColumn(0, delegate);
    view.resize(400, 200);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    // What the delegate hands to the style: the tone's colour and icon.
    struct Probe : StatusDelegate {
        using StatusDelegate::initStyleOption;
    };
    Probe probe;
    QStyleOptionViewItem opt;
    opt.initFrom(&view);
    probe.initStyleOption(&opt, model.index(0, 0));
    QCOMPARE(opt.palette.color(QPalette::Text), StatusPalette::color(StatusTone::Bad));
    QVERIFY(!opt.icon.isNull());
    QVERIFY(opt.features & QStyleOptionViewItem::HasDecoration);
    QStyleOptionViewItem opt2;
    opt2.initFrom(&view);
    probe.initStyleOption(&opt2, model.index(1, 0));
    QCOMPARE(opt2.palette.color(QPalette::Text), StatusPalette::color(StatusTone::Progress));

    // And on screen the cell carries the colour: its strongest ink is nearer the tone's colour
    // than the plain text colour.
    const QImage shot = view.viewport()->grab().toImage();
    const QRect cell = view.visualRect(model.index(0, 0));
    const QColor base = view.palette().color(QPalette::Base);
    auto distance = [](const QColor &a, const QColor &b) {
        return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) + std::abs(a.blue() - b.blue());
    };
    QColor strongest = base;
    for (int y = cell.top(); y <= cell.bottom(); ++y)
        for (int x = cell.left(); x <= cell.right(); ++x) {
            const QColor c = shot.pixelColor(int(x * shot.devicePixelRatio()), int(y * shot.devicePixelRatio()));
            if (distance(c, base) > distance(strongest, base))
                strongest = c;
        }
    const QColor bad = StatusPalette::color(StatusTone::Bad);
    QVERIFY2(distance(strongest, bad) < distance(strongest, view.palette().color(QPalette::Text)), qPrintable(strongest.name()));
}

void TestStyle::seriesColoursDiffer()
{
    for (ThemeMode mode : {ThemeMode::Light, ThemeMode::Dark}) {
        Theme::apply(mode);
        QSet<QRgb> colours;
        for (int i = 0; i < Theme::seriesCount(); ++i) {
            colours.insert(Theme::seriesColor(i).rgb());
            QVERIFY(Theme::contrast(Theme::seriesColor(i), Theme::color(Theme::Role::Surface)) >= 3.0);
        }
        QCOMPARE(colours.size(), Theme::seriesCount());
        QCOMPARE(Theme::seriesColor(Theme::seriesCount()), Theme::seriesColor(0));
        QCOMPARE(Theme::seriesColor(-1), Theme::seriesColor(Theme::seriesCount() - 1));
    }
}

void TestStyle::modeNamesRoundTrip()
{
    for (ThemeMode m : {ThemeMode::System, ThemeMode::Light, ThemeMode::Dark})
        QCOMPARE(Theme::modeFromName(Theme::modeName(m)), m);
    QCOMPARE(Theme::modeFromName(QStringLiteral("purple")), ThemeMode::System);
    QVERIFY(!Theme::modeTitle(ThemeMode::System).isEmpty());
}

void TestStyle::styleSheetHasTheShellsNames()
{
    Theme::apply(ThemeMode::Light);
    const QString qss = Theme::styleSheet();
    for (const char *name : {"navigationRail", "pageTitle", "sectionTitle", "emptyStateTitle", "emptyStateBody", "badge", "statusChip"})
        QVERIFY2(qss.contains(QLatin1String(name)), name);
    QCOMPARE(qApp->styleSheet(), qss);
    // A page title is larger and heavier than body text.
    QLabel title(QStringLiteral("Resources"));
    title.setObjectName(QStringLiteral("pageTitle"));
    QLabel body(QStringLiteral("Resources"));
    title.ensurePolished();
    body.ensurePolished();
    QVERIFY(title.font().pointSizeF() > body.font().pointSizeF() * 1.3);
    QVERIFY(title.font().weight() > body.font().weight());
    // A chip takes its tone from the word.
    QLabel chip;
    StatusPalette::styleChip(&chip, QStringLiteral("IN_PROGRESS"));
    QCOMPARE(chip.text(), QStringLiteral("In progress"));
    QCOMPARE(chip.property("tone").toString(), QStringLiteral("progress"));
    chip.ensurePolished();
    QCOMPARE(chip.palette().color(QPalette::WindowText), StatusPalette::color(StatusTone::Progress));
}

QTEST_MAIN(TestStyle)
#include "tst_style.moc"
