// Paints the pod tiles in a flow that wraps to the widget's width (height for width).
#include "resources/podtileswidget.h"

#include "style/statuspalette.h"
#include "style/theme.h"

#include <QDateTime>
#include <QEvent>
#include <QHelpEvent>
#include <QPainter>
#include <QPainterPath>
#include <QTimer>
#include <QToolTip>

#include <algorithm>

namespace pilothouse::widgets {

using backends::workloads::PodTile;
using backends::workloads::PodTilePhase;

namespace {

constexpr int kSpacing = 6;
constexpr int kPadding = 7;
constexpr int kFreshMsecs = 1500;  // how long a new tile stays outlined

QFont detailFont(const QFont &base)
{
    QFont f = base;
    f.setPointSizeF(base.pointSizeF() * 0.85);
    return f;
}

QFont nameFont(const QFont &base)
{
    QFont f = base;
    f.setBold(true);
    return f;
}

QString age(qint64 createdMsecs)
{
    if (createdMsecs <= 0)
        return {};
    const qint64 s = std::max<qint64>(0, (QDateTime::currentMSecsSinceEpoch() - createdMsecs) / 1000);
    if (s < 120)
        return QStringLiteral("%1s").arg(s);
    if (s < 7200)
        return QStringLiteral("%1m").arg(s / 60);
    return QStringLiteral("%1h").arg(s / 3600);
}

}  // namespace

PodTilesWidget::PodTilesWidget(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("podTiles"));
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
}

namespace {

// The tiles speak the status palette: ready is good, up-but-not-ready is good on its way,
// pending is progress, terminating neutral, failed bad.
StatusTone toneOf(PodTilePhase phase)
{
    switch (phase) {
    case PodTilePhase::Pending: return StatusTone::Progress;
    case PodTilePhase::Running:
    case PodTilePhase::Ready: return StatusTone::Good;
    case PodTilePhase::Terminating: return StatusTone::Neutral;
    case PodTilePhase::Failed: return StatusTone::Bad;
    }
    return StatusTone::Unknown;
}

// Ready and failed are solid: the two states an operator looks for first.
bool solid(PodTilePhase phase) { return phase == PodTilePhase::Ready || phase == PodTilePhase::Failed; }

}  // namespace

QColor PodTilesWidget::fillColor(PodTilePhase phase)
{
    return solid(phase) ? StatusPalette::fill(toneOf(phase)) : StatusPalette::soft(toneOf(phase));
}

QColor PodTilesWidget::borderColor(PodTilePhase phase)
{
    return solid(phase) ? StatusPalette::fill(toneOf(phase)) : StatusPalette::color(toneOf(phase));
}

QColor PodTilesWidget::textColor(PodTilePhase phase)
{
    if (solid(phase))
        return StatusPalette::onFill(toneOf(phase));
    return Theme::color(phase == PodTilePhase::Terminating ? Theme::Role::TextSecondary : Theme::Role::TextPrimary);
}

QString PodTilesWidget::shortName(const QString &pod, const QString &deployment)
{
    const QString prefix = deployment + QLatin1Char('-');
    return !deployment.isEmpty() && pod.startsWith(prefix) && pod.size() > prefix.size() ? pod.mid(prefix.size()) : pod;
}

void PodTilesWidget::setPods(const QList<PodTile> &pods, const QString &deployment)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // The first list is what was there already: only later arrivals are "new".
    const bool initial = m_pods.isEmpty() && m_firstSeen.isEmpty();
    QHash<QString, qint64> seen;
    for (const auto &p : pods)
        seen.insert(p.uid, m_firstSeen.value(p.uid, initial ? 0 : now));
    m_firstSeen = std::move(seen);
    const QSize oldTile = tileSize();
    const bool grew = pods.size() != m_pods.size();
    m_pods = pods;
    m_deployment = deployment;
    if (grew || tileSize() != oldTile)
        updateGeometry();
    update();
    QTimer::singleShot(kFreshMsecs + 50, this, qOverload<>(&QWidget::update));
}

int PodTilesWidget::tileCount(PodTilePhase phase) const
{
    return static_cast<int>(std::count_if(m_pods.begin(), m_pods.end(), [phase](const PodTile &p) { return p.phase == phase; }));
}

QSize PodTilesWidget::tileSize() const
{
    const QFontMetrics name(nameFont(font()));
    const QFontMetrics detail(detailFont(font()));
    // All tiles as wide as the longest short name, at least a ReplicaSet hash and a pod suffix,
    // at most twice that (longer names are elided in the middle).
    const int typical = name.horizontalAdvance(QStringLiteral("6d4cf56db6-x2x4z"));
    int w = std::max(typical, detail.horizontalAdvance(QStringLiteral("ContainerCreating · 59s")));
    for (const auto &p : m_pods)
        w = std::max(w, std::min(2 * typical, name.horizontalAdvance(shortName(p.name, m_deployment)) + 2));
    return {w + 2 * kPadding, name.height() + detail.height() + 2 * kPadding};
}

int PodTilesWidget::columnsFor(int width) const
{
    // n tiles take n * w + (n - 1) * spacing, plus a pixel either side for the border.
    return std::max(1, (width - 2 + kSpacing) / (tileSize().width() + kSpacing));
}

int PodTilesWidget::heightForWidth(int width) const
{
    const int cols = columnsFor(width);
    const int rows = std::max(1, (tileCount() + cols - 1) / cols);
    return rows * tileSize().height() + (rows - 1) * kSpacing + 2;
}

QSize PodTilesWidget::sizeHint() const
{
    const QSize t = tileSize();
    const int w = 2 * t.width() + kSpacing + 2;
    return {w, heightForWidth(w)};
}

QSize PodTilesWidget::minimumSizeHint() const
{
    // Not tileSize(): the pane must not change its minimum with the pods' names.
    const QFontMetrics name(nameFont(font()));
    const QSize t(name.horizontalAdvance(QStringLiteral("6d4cf56db6-x2x4z")) + 2 * kPadding, tileSize().height());
    return {t.width() + 2, t.height() + 2};
}

QRect PodTilesWidget::tileRect(int index) const
{
    const QSize t = tileSize();
    const int cols = columnsFor(width());
    const int r = index / cols;
    const int c = index % cols;
    return {1 + c * (t.width() + kSpacing), 1 + r * (t.height() + kSpacing), t.width(), t.height()};
}

int PodTilesWidget::tileAt(const QPoint &pos) const
{
    for (int i = 0; i < tileCount(); ++i)
        if (tileRect(i).contains(pos))
            return i;
    return -1;
}

void PodTilesWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QFont nf = nameFont(font());
    const QFont df = detailFont(font());
    const QFontMetrics nfm(nf);
    const QFontMetrics dfm(df);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_pods.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(4, 0, 0, 0), Qt::AlignLeft | Qt::AlignTop, tr("No pods"));
        return;
    }
    for (int i = 0; i < tileCount(); ++i) {
        const PodTile &pod = m_pods[i];
        const QRectF r = QRectF(tileRect(i)).adjusted(0.5, 0.5, -0.5, -0.5);
        const bool fresh = m_firstSeen.value(pod.uid) > 0 && now - m_firstSeen.value(pod.uid) < kFreshMsecs;
        QPen border(fresh ? Theme::color(Theme::Role::Accent) : borderColor(pod.phase), fresh ? 2.5 : 1.0);
        if (pod.phase == PodTilePhase::Terminating)
            border.setStyle(Qt::DashLine);
        p.setPen(border);
        p.setBrush(fillColor(pod.phase));
        p.drawRoundedRect(r, 6, 6);

        const QRect inner = tileRect(i).adjusted(kPadding, kPadding - 1, -kPadding, -kPadding + 1);
        p.setPen(textColor(pod.phase));
        p.setFont(nf);
        p.drawText(QRect(inner.left(), inner.top(), inner.width(), nfm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   nfm.elidedText(shortName(pod.name, m_deployment), Qt::ElideMiddle, inner.width()));
        p.setFont(df);
        QString detail = pod.phase == PodTilePhase::Ready ? tr("Ready") : pod.phase == PodTilePhase::Running ? tr("Not ready") : pod.detail;
        if (pod.restarts > 0)
            detail += tr(" · %n restart(s)", nullptr, pod.restarts);
        else if (const QString a = age(pod.createdMsecs); !a.isEmpty())
            detail += QStringLiteral(" · ") + a;
        p.drawText(QRect(inner.left(), inner.bottom() - dfm.height() + 1, inner.width(), dfm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   dfm.elidedText(detail, Qt::ElideRight, inner.width()));
    }
}

bool PodTilesWidget::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int i = tileAt(help->pos());
        if (i < 0) {
            QToolTip::hideText();
            event->ignore();
            return true;
        }
        const PodTile &pod = m_pods[i];
        QStringList lines{pod.name, backends::workloads::podTilePhaseName(pod.phase) + QStringLiteral(" (") + pod.detail + QLatin1Char(')')};
        if (!pod.node.isEmpty())
            lines << tr("Node %1").arg(pod.node);
        lines << tr("Age %1, %n restart(s)", nullptr, pod.restarts).arg(age(pod.createdMsecs));
        QToolTip::showText(help->globalPos(), lines.join(QLatin1Char('\n')), this, tileRect(i));
        return true;
    }
    return QWidget::event(event);
}

}  // namespace pilothouse::widgets
