// Lays out the scaling view and keeps its chart live: points are appended (or the last step is
// replaced) as samples arrive, old ones trimmed to the window, and the time axis slides each second.
#include "resources/scalingview.h"

#include "resources/podtileswidget.h"
#include "style/statuspalette.h"
#include "style/theme.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGraphicsItem>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSplitter>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace pilothouse::widgets {

using backends::workloads::PodTilePhase;
using backends::workloads::ScalingEvent;
using backends::workloads::ScalingSample;

namespace {

// Series colours from the theme, read when drawn or restyled: desired blue, current purple, ready
// in the status palette's good, CPU orange, the CPU target in danger, events in secondary text.
QColor desiredColour() { return Theme::seriesColor(0); }
QColor currentColour() { return Theme::seriesColor(4); }
QColor readyColour() { return StatusPalette::color(StatusTone::Good); }
QColor cpuColour() { return Theme::seriesColor(1); }
QColor targetColour() { return Theme::color(Theme::Role::Danger); }
QColor eventColour() { return Theme::color(Theme::Role::TextSecondary); }
constexpr int kMarkerMergePx = 14;  // events closer than this on screen share one marker

// "New size: 3; reason: ..." -> "HPA → 3"; "Scaled up replica set web-x to 3 from 1" -> "RS ↑ 3".
QString shortEventLabel(const ScalingEvent &e)
{
    static const QRegularExpression newSize(QStringLiteral("New size: (\\d+)"));
    static const QRegularExpression scaled(QStringLiteral("Scaled (up|down) replica set \\S+ to (\\d+)"));
    static const QRegularExpression desired(QStringLiteral("→ (\\d+)"));
    if (auto m = newSize.match(e.message); m.hasMatch())
        return QStringLiteral("HPA → %1").arg(m.captured(1));
    if (auto m = scaled.match(e.message); m.hasMatch())
        return QStringLiteral("RS %1 %2").arg(m.captured(1) == QLatin1String("up") ? QStringLiteral("↑") : QStringLiteral("↓"), m.captured(2));
    if (auto m = desired.match(e.message); m.hasMatch())
        return QStringLiteral("→ %1").arg(m.captured(1));
    return e.reason;
}

QPixmap swatch(const QColor &fill, const QColor &border, qreal dpr)
{
    const int side = 14;
    QPixmap pm(qRound(side * dpr), qRound(side * dpr));
    pm.setDevicePixelRatio(dpr);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(border, 1));
    p.setBrush(fill);
    p.drawRoundedRect(QRectF(0.5, 0.5, side - 1.0, side - 1.0), 3, 3);
    return pm;
}

}  // namespace

// A scaling event on the time axis: a dashed vertical line through the plot area with a short
// label along it; the full messages are its tooltip.
class EventMarkerItem : public QGraphicsItem {
public:
    explicit EventMarkerItem(QGraphicsItem *parent) : QGraphicsItem(parent) { setZValue(20); }

    void set(qreal top, qreal bottom, const QString &label, const QString &tooltip, const QFont &font)
    {
        prepareGeometryChange();
        m_top = top;
        m_bottom = bottom;
        m_label = label;
        m_font = font;
        setToolTip(tooltip);
        update();
    }
    QString label() const { return m_label; }

    QRectF boundingRect() const override
    {
        const QFontMetricsF fm(m_font);
        return QRectF(-5, m_top, 5 + 4 + fm.height() + 4, m_bottom - m_top);
    }

    void paint(QPainter *p, const QStyleOptionGraphicsItem *, QWidget *) override
    {
        p->setRenderHint(QPainter::Antialiasing);
        const QColor event = eventColour();
        QPen pen(event, 1.2, Qt::DashLine);
        p->setPen(pen);
        p->drawLine(QPointF(0, m_top), QPointF(0, m_bottom));
        p->setBrush(event);
        p->setPen(Qt::NoPen);
        p->drawPolygon(QPolygonF{QPointF(-4.5, m_top), QPointF(4.5, m_top), QPointF(0, m_top + 6)});
        // The label runs up along the line, on a light backing so series lines do not cross it.
        const QFontMetricsF fm(m_font);
        const qreal w = fm.horizontalAdvance(m_label);
        if (w + 14 > m_bottom - m_top)
            return;
        p->save();
        p->translate(3, m_top + 10 + w);
        p->rotate(-90);
        const QRectF box(-2, 0, w + 4, fm.height() + 1);
        p->setBrush(Theme::color(Theme::Role::ChartOverlay));
        p->drawRoundedRect(box, 2, 2);
        p->setFont(m_font);
        p->setPen(event);
        p->drawText(box, Qt::AlignCenter, m_label);
        p->restore();
    }

private:
    qreal m_top = 0;
    qreal m_bottom = 0;
    QString m_label;
    QFont m_font;
};

ScalingView::ScalingView(backends::kube::KubeSession *session, const QString &ns, const QString &deployment, QWidget *parent)
    : shell::Page(parent), m_session(session), m_ns(ns), m_deployment(deployment), m_context(session ? session->contextName() : QString())
{
    setObjectName(QStringLiteral("scalingView"));
    setWindowTitle(tr("Scaling · %1/%2").arg(ns, deployment));
    m_watch = new backends::workloads::ScalingWatch(ns, deployment, this);

    m_header = new QLabel(this);
    m_header->setObjectName(QStringLiteral("scalingHeader"));
    m_header->setTextFormat(Qt::RichText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setWordWrap(true);
    m_header->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);

    m_windowPicker = new QComboBox(this);
    m_windowPicker->setObjectName(QStringLiteral("scalingWindow"));
    m_windowPicker->setToolTip(tr("How much of the recorded history the chart shows"));
    for (auto [label, seconds] : {std::pair{tr("2 min"), 120}, {tr("5 min"), 300}, {tr("15 min"), 900}, {tr("1 h"), 3600}})
        m_windowPicker->addItem(label, seconds);
    m_windowPicker->setCurrentIndex(m_windowPicker->findData(m_windowSeconds));
    connect(m_windowPicker, &QComboBox::currentIndexChanged, this,
            [this](int) { setTimeWindowSeconds(m_windowPicker->currentData().toInt()); });
    auto *windowLabel = new QLabel(tr("&Window"), this);
    windowLabel->setBuddy(m_windowPicker);

    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("scalingStatus"));
    m_problem->setTextFormat(Qt::PlainText);
    m_problem->setWordWrap(true);
    Theme::setTextRole(m_problem, Theme::Role::Warning);
    m_problem->hide();

    buildChart();

    auto *top = new QHBoxLayout;
    top->addWidget(m_header, 1);
    top->addSpacing(12);
    top->addWidget(windowLabel);
    top->addWidget(m_windowPicker);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("scalingSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(m_chartView);
    splitter->addWidget(buildPodPane());
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 0);
    // The chart gets the room; the pods get two columns of tiles.
    splitter->setSizes({900, 2 * m_tiles->minimumSizeHint().width() + 40});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addLayout(top);
    layout->addWidget(m_problem);
    layout->addWidget(splitter, 1);

    connect(m_watch, &backends::workloads::ScalingWatch::sampleRecorded, this, &ScalingView::onSample);
    connect(m_watch, &backends::workloads::ScalingWatch::eventsAdded, this, [this] { refreshMarkers(); });
    connect(m_watch, &backends::workloads::ScalingWatch::deploymentChanged, this, [this] { refreshHeader(); });
    connect(m_watch, &backends::workloads::ScalingWatch::hpaChanged, this, [this] { refreshHeader(); });
    connect(m_watch, &backends::workloads::ScalingWatch::podsChanged, this, [this] { refreshPods(); });
    connect(m_watch, &backends::workloads::ScalingWatch::problemChanged, this, &ScalingView::setProblemText);
    if (m_session)
        connect(m_session, &backends::kube::KubeSession::connectionStateChanged, this, [this] { attachClient(); });

    // The time axis slides even when nothing changes.
    m_axisTick.setInterval(1000);
    connect(&m_axisTick, &QTimer::timeout, this, [this] {
        refreshAxes();
        m_tiles->update();  // ages
    });
    m_axisTick.start();

    Theme::follow(this, [this] { applyTheme(); });

    refreshHeader();
    refreshPods();
    refreshAxes();
    attachClient();
}

void ScalingView::applyTheme()
{
    // QtCharts keeps its own colours: the chart, its axes and series take the theme's here.
    const QColor text = Theme::color(Theme::Role::TextPrimary);
    const QColor secondary = Theme::color(Theme::Role::TextSecondary);
    const QColor grid = Theme::color(Theme::Role::Border);
    m_chart->setBackgroundBrush(Theme::color(Theme::Role::Surface));
    m_chart->setBackgroundPen(Qt::NoPen);
    m_chart->setPlotAreaBackgroundVisible(false);
    m_chart->legend()->setLabelColor(text);
    for (QAbstractAxis *a : {static_cast<QAbstractAxis *>(m_axisX), static_cast<QAbstractAxis *>(m_axisReplicas), static_cast<QAbstractAxis *>(m_axisCpu)}) {
        a->setLabelsColor(secondary);
        a->setTitleBrush(text);
        a->setLinePenColor(grid);
        a->setGridLineColor(grid);
    }
    m_axisCpu->setLabelsColor(cpuColour());
    m_axisCpu->setTitleBrush(cpuColour());
    QColor band = desiredColour();
    band.setAlpha(90);
    const QColor colours[] = {band, currentColour(), readyColour(), cpuColour(), targetColour()};
    for (size_t i = 0; i < m_tracks.size() && i < std::size(colours); ++i) {
        QPen pen = m_tracks[i].series->pen();
        pen.setColor(colours[i]);
        m_tracks[i].series->setPen(pen);
    }
    QPen eventPen = m_eventLegend->pen();
    eventPen.setColor(eventColour());
    m_eventLegend->setPen(eventPen);
    for (const auto &[label, phase] : m_swatches)
        label->setPixmap(swatch(PodTilesWidget::fillColor(phase), PodTilesWidget::borderColor(phase), devicePixelRatioF()));
    for (EventMarkerItem *m : m_markerItems)
        m->update();
    refreshHeader();
}

ScalingView::~ScalingView()
{
    // The watch stops its informers when it goes; it must not call back into a half-destroyed view.
    m_watch->disconnect(this);
    delete m_watch;
}

void ScalingView::buildChart()
{
    m_chart = new QChart;
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setMargins(QMargins(6, 6, 6, 6));
    m_chart->setBackgroundRoundness(0);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries);
    m_chart->legend()->setFont(font());

    m_axisX = new QDateTimeAxis(m_chart);
    m_axisX->setTitleText(tr("Time"));
    m_axisX->setFormat(QStringLiteral("HH:mm:ss"));
    m_axisX->setTickCount(7);
    m_axisReplicas = new QValueAxis(m_chart);
    m_axisReplicas->setTitleText(tr("Replicas"));
    m_axisReplicas->setLabelFormat(QStringLiteral("%d"));
    m_axisReplicas->setTickType(QValueAxis::TicksDynamic);
    m_axisReplicas->setTickAnchor(0);
    m_axisReplicas->setTickInterval(1);
    m_axisReplicas->setMinorTickCount(0);
    m_axisReplicas->setRange(0, 5);
    m_axisCpu = new QValueAxis(m_chart);
    m_axisCpu->setTitleText(tr("CPU utilization (%)"));
    m_axisCpu->setLabelFormat(QStringLiteral("%d"));
    m_axisCpu->setTickType(QValueAxis::TicksDynamic);
    m_axisCpu->setTickAnchor(0);
    m_axisCpu->setTickInterval(25);
    m_axisCpu->setRange(0, 100);
    m_axisCpu->setGridLineVisible(false);
    for (QAbstractAxis *a : {static_cast<QAbstractAxis *>(m_axisX), static_cast<QAbstractAxis *>(m_axisReplicas),
                             static_cast<QAbstractAxis *>(m_axisCpu)}) {
        a->setLabelsFont(font());
        QFont title = font();
        title.setBold(true);
        a->setTitleFont(title);
    }
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisReplicas, Qt::AlignLeft);
    m_chart->addAxis(m_axisCpu, Qt::AlignRight);

    // Replica lines are often equal: drawn as a broad band, a medium line and a thin line on top,
    // all three stay visible where they coincide.
    auto add = [this](const QString &name, const QString &objectName, QPen pen, QValueAxis *y,
                      std::function<std::optional<double>(const ScalingSample &)> value) {
        auto *s = new QLineSeries(m_chart);
        s->setName(name);
        s->setObjectName(objectName);
        pen.setCapStyle(Qt::FlatCap);
        pen.setJoinStyle(Qt::MiterJoin);
        s->setPen(pen);
        m_chart->addSeries(s);
        s->attachAxis(m_axisX);
        s->attachAxis(y);
        m_tracks.push_back(Track{s, std::move(value), {}, {}, 0});
    };
    // Colours are set by applyTheme(); the widths and dashes say which line is which.
    add(tr("Desired"), QStringLiteral("desired"), QPen(QBrush(), 7), m_axisReplicas, [](const ScalingSample &s) { return double(s.desired); });
    add(tr("Current"), QStringLiteral("current"), QPen(QBrush(), 3), m_axisReplicas, [](const ScalingSample &s) { return double(s.current); });
    add(tr("Ready"), QStringLiteral("ready"), QPen(QBrush(), 1.5), m_axisReplicas, [](const ScalingSample &s) { return double(s.ready); });
    add(tr("CPU %"), QStringLiteral("cpu"), QPen(QBrush(), 2), m_axisCpu, [](const ScalingSample &s) {
        return s.cpuPercent ? std::optional<double>(*s.cpuPercent) : std::nullopt;
    });
    add(tr("CPU target"), QStringLiteral("cpuTarget"), QPen(QBrush(), 1.5, Qt::DashLine), m_axisCpu, [](const ScalingSample &s) {
        return s.targetPercent ? std::optional<double>(*s.targetPercent) : std::nullopt;
    });
    // No points: it only puts the markers' line style into the legend.
    m_eventLegend = new QLineSeries(m_chart);
    m_eventLegend->setName(tr("Scaling event"));
    m_eventLegend->setObjectName(QStringLiteral("scalingEvents"));
    m_eventLegend->setPen(QPen(QBrush(), 1.2, Qt::DashLine));
    m_chart->addSeries(m_eventLegend);
    m_eventLegend->attachAxis(m_axisX);
    m_eventLegend->attachAxis(m_axisReplicas);

    m_chartView = new QChartView(m_chart, this);
    m_chartView->setObjectName(QStringLiteral("scalingChart"));
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumSize(420, 280);
    connect(m_chart, &QChart::plotAreaChanged, this, [this] {
        refreshTimeTicks();
        refreshMarkers();
    });
}

QWidget *ScalingView::buildPodPane()
{
    auto *pane = new QWidget(this);
    pane->setObjectName(QStringLiteral("podPane"));
    m_podTitle = new QLabel(pane);
    m_podTitle->setObjectName(QStringLiteral("podTitle"));
    QFont bold = font();
    bold.setBold(true);
    m_podTitle->setFont(bold);

    m_tiles = new PodTilesWidget;
    auto *scroll = new QScrollArea(pane);
    scroll->setObjectName(QStringLiteral("podScroll"));
    scroll->setWidget(m_tiles);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(m_tiles->minimumSizeHint().width() + 20);

    auto *legend = new QWidget(pane);
    legend->setObjectName(QStringLiteral("podLegend"));
    auto *grid = new QGridLayout(legend);
    grid->setContentsMargins(0, 4, 0, 0);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(3);
    // Two columns of "swatch  name  count", in the order a pod goes through them.
    const PodTilePhase order[] = {PodTilePhase::Pending, PodTilePhase::Running, PodTilePhase::Ready, PodTilePhase::Terminating, PodTilePhase::Failed};
    m_legendCounts.resize(backends::workloads::PodTilePhaseCount);
    for (int k = 0; k < backends::workloads::PodTilePhaseCount; ++k) {
        const PodTilePhase phase = order[k];
        const int i = static_cast<int>(phase);
        const int row = k % 3;
        const int col = (k / 3) * 4;
        auto *sw = new QLabel(legend);
        m_swatches.append({sw, phase});
        auto *name = new QLabel(backends::workloads::podTilePhaseName(phase), legend);
        auto *count = new QLabel(legend);
        count->setObjectName(QStringLiteral("podLegendCount%1").arg(i));
        count->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        count->setMinimumWidth(count->fontMetrics().horizontalAdvance(QStringLiteral("000")));
        grid->addWidget(sw, row, col);
        grid->addWidget(name, row, col + 1);
        grid->addWidget(count, row, col + 2);
        m_legendCounts[i] = count;
    }
    grid->setColumnMinimumWidth(3, 14);
    grid->setColumnStretch(7, 1);

    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(8, 0, 0, 0);
    layout->addWidget(m_podTitle);
    layout->addWidget(legend);
    layout->addSpacing(6);
    layout->addWidget(scroll, 1);
    return pane;
}

void ScalingView::attachClient()
{
    if (!m_session) {
        m_watch->setSession(nullptr);
        return;
    }
    if (m_session->contextName() != m_context) {
        // The same names in another cluster are another deployment: keep the recorded history, stop.
        m_watch->setSession(nullptr);
        setProblemText(tr("The session switched to context %1: this view of %2 no longer updates").arg(m_session->contextName(), m_context));
        return;
    }
    m_watch->setSession(m_session);
}

void ScalingView::setTimeWindowSeconds(int seconds)
{
    seconds = std::max(10, seconds);
    if (seconds == m_windowSeconds)
        return;
    const bool grew = seconds > m_windowSeconds;
    m_windowSeconds = seconds;
    const int index = m_windowPicker->findData(seconds);
    if (index >= 0 && index != m_windowPicker->currentIndex())
        m_windowPicker->setCurrentIndex(index);
    m_axisX->setFormat(seconds > 900 ? QStringLiteral("HH:mm") : QStringLiteral("HH:mm:ss"));
    refreshTimeTicks();
    // A wider window needs points that were trimmed; a narrower one only trims.
    if (grew)
        rebuildSeries();
    refreshAxes();
}

int ScalingView::tileCount() const { return m_tiles->tileCount(); }

int ScalingView::tileCount(PodTilePhase phase) const { return m_tiles->tileCount(phase); }

int ScalingView::eventMarkerCount() const
{
    return static_cast<int>(std::count_if(m_markerItems.begin(), m_markerItems.end(), [](EventMarkerItem *m) { return m->isVisible(); }));
}

QStringList ScalingView::eventMarkerLabels() const
{
    QStringList out;
    for (auto *m : m_markerItems)
        if (m->isVisible())
            out << m->label();
    return out;
}

QString ScalingView::headerText() const { return m_header->text(); }

void ScalingView::feed(Track &t, const ScalingSample &sample, bool replacedLast)
{
    QLineSeries *s = t.series;
    if (replacedLast) {
        const int n = std::min(t.lastPoints, static_cast<int>(s->count()));
        if (n > 0)
            s->removePoints(s->count() - n, n);
        t.lastValue = t.beforeLast;
    } else {
        t.beforeLast = t.lastValue;
    }
    const std::optional<double> v = t.value(sample);
    const qreal x = static_cast<qreal>(sample.msecs);
    t.lastPoints = 0;
    if (v) {
        // A step: the old value up to this instant, then the new one.
        if (t.lastValue && *t.lastValue != *v) {
            s->append(x, *t.lastValue);
            ++t.lastPoints;
        }
        s->append(x, *v);
        ++t.lastPoints;
    }
    t.lastValue = v;
}

void ScalingView::onSample(const ScalingSample &sample, bool replacedLast)
{
    for (auto &t : m_tracks)
        feed(t, sample, replacedLast);
    refreshAxes();
}

void ScalingView::rebuildSeries()
{
    const auto &samples = m_watch->series().samples();
    const qint64 start = QDateTime::currentMSecsSinceEpoch() - qint64(m_windowSeconds) * 1000;
    auto first = std::upper_bound(samples.begin(), samples.end(), start, [](qint64 t, const ScalingSample &s) { return t < s.msecs; });
    if (first != samples.begin())
        --first;  // the sample in force at the window's start
    for (auto &t : m_tracks) {
        QList<QPointF> points;
        t.lastValue.reset();
        t.beforeLast.reset();
        t.lastPoints = 0;
        for (auto it = first; it != samples.end(); ++it) {
            const std::optional<double> v = t.value(*it);
            t.beforeLast = t.lastValue;
            t.lastPoints = 0;
            if (v) {
                if (t.lastValue && *t.lastValue != *v) {
                    points.append(QPointF(it->msecs, *t.lastValue));
                    ++t.lastPoints;
                }
                points.append(QPointF(it->msecs, *v));
                ++t.lastPoints;
            }
            t.lastValue = v;
        }
        t.series->replace(points);  // one repaint instead of one per point
    }
}

void ScalingView::refreshTimeTicks()
{
    // QDateTimeAxis spaces its labels evenly over the range: pick a count that makes the spacing
    // a round interval, as many labels as fit without eliding them.
    const int fit = std::max(2, int(m_chart->plotArea().width() / 105));
    int ticks = 2;
    for (int interval : {5, 10, 15, 20, 30, 60, 75, 100, 150, 300, 450, 600, 900, 1200, 1800}) {
        if (m_windowSeconds % interval == 0 && m_windowSeconds / interval <= fit) {
            ticks = m_windowSeconds / interval + 1;
            break;
        }
    }
    if (m_axisX->tickCount() != ticks)
        m_axisX->setTickCount(ticks);
}

void ScalingView::refreshAxes()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 start = now - qint64(m_windowSeconds) * 1000;
    m_axisX->setRange(QDateTime::fromMSecsSinceEpoch(start), QDateTime::fromMSecsSinceEpoch(now));

    // Trim what left the window, keeping the last point before it so lines reach the left edge.
    for (auto &t : m_tracks) {
        int drop = 0;
        const int n = t.series->count();
        while (drop + 1 < n && t.series->at(drop + 1).x() < start)
            ++drop;
        if (drop > 0)
            t.series->removePoints(0, drop);
    }

    int maxReplicas = 1;
    int maxCpu = 0;
    const auto &samples = m_watch->series().samples();
    for (auto it = samples.rbegin(); it != samples.rend(); ++it) {
        maxReplicas = std::max({maxReplicas, it->desired, it->current, it->ready});
        maxCpu = std::max({maxCpu, it->cpuPercent.value_or(0), it->targetPercent.value_or(0)});
        if (it->msecs < start)
            break;
    }
    const auto &hpa = m_watch->hpa();
    if (hpa.present)
        maxReplicas = std::max(maxReplicas, hpa.maxReplicas);
    const int replicaTop = maxReplicas + 1;
    const int replicaStep = replicaTop <= 12 ? 1 : replicaTop <= 24 ? 2 : int(std::ceil(replicaTop / 10.0));
    const int replicaMax = int(std::ceil(double(replicaTop) / replicaStep)) * replicaStep;
    if (m_axisReplicas->max() != replicaMax) {
        m_axisReplicas->setTickInterval(replicaStep);
        m_axisReplicas->setRange(0, replicaMax);
    }
    // Without an HPA (and no CPU history in view) the CPU axis and its legend entries would be noise.
    bool cpuShown = hpa.present;
    for (const auto &t : m_tracks)
        if (t.series->attachedAxes().contains(m_axisCpu))
            cpuShown = cpuShown || t.series->count() > 0;
    if (m_axisCpu->isVisible() != cpuShown) {
        m_axisCpu->setVisible(cpuShown);
        for (const auto &t : m_tracks)
            if (t.series->attachedAxes().contains(m_axisCpu))
                for (QLegendMarker *marker : m_chart->legend()->markers(t.series))
                    marker->setVisible(cpuShown);
        // Qt Charts 6.4 does not lay the legend out again when a hidden marker comes back (it
        // is drawn as a stray line over the first entry): hiding and showing the legend does.
        m_chart->legend()->hide();
        m_chart->legend()->show();
    }
    const int cpuStep = maxCpu <= 140 ? 25 : maxCpu <= 280 ? 50 : 100;
    const int cpuMax = std::max(100, int(std::ceil((maxCpu + 10) / double(cpuStep))) * cpuStep);
    if (m_axisCpu->max() != cpuMax) {
        m_axisCpu->setTickInterval(cpuStep);
        m_axisCpu->setRange(0, cpuMax);
    }
    refreshMarkers();
}

void ScalingView::refreshMarkers()
{
    if (!m_chart || m_tracks.empty())
        return;
    const qint64 end = QDateTime::currentMSecsSinceEpoch();
    const qint64 start = end - qint64(m_windowSeconds) * 1000;
    const QRectF plot = m_chart->plotArea();
    QLineSeries *ref = m_tracks.front().series;
    auto xOf = [&](qint64 t) { return m_chart->mapToPosition(QPointF(qreal(t), 0), ref).x(); };

    struct Group {
        qreal x = 0;
        QList<ScalingEvent> events;
    };
    QList<Group> groups;
    for (const auto &e : m_watch->series().events()) {
        if (e.msecs < start || e.msecs > end)
            continue;
        const qreal x = xOf(e.msecs);
        if (!groups.isEmpty() && x - groups.last().x < kMarkerMergePx)
            groups.last().events << e;
        else
            groups << Group{x, {e}};
    }
    QFont labelFont = font();
    labelFont.setPointSizeF(font().pointSizeF() * 0.85);
    while (m_markerItems.size() < groups.size())
        m_markerItems << new EventMarkerItem(m_chart);
    for (int i = 0; i < m_markerItems.size(); ++i) {
        EventMarkerItem *item = m_markerItems[i];
        if (i >= groups.size()) {
            item->hide();
            continue;
        }
        const Group &g = groups[i];
        // The HPA's decision names the new size; the ReplicaSet events that carry it out follow.
        QString label;
        for (const auto &e : g.events)
            if (e.reason == QLatin1String("SuccessfulRescale") && label.isEmpty())
                label = shortEventLabel(e);
        if (label.isEmpty())
            label = shortEventLabel(g.events.first());
        QStringList tip;
        for (const auto &e : g.events)
            tip << QStringLiteral("%1  %2: %3").arg(QDateTime::fromMSecsSinceEpoch(e.msecs).toString(QStringLiteral("HH:mm:ss")), e.reason, e.message);
        item->set(plot.top(), plot.bottom(), label, tip.join(QLatin1Char('\n')), labelFont);
        item->setPos(g.x, 0);
        item->show();
    }
}

void ScalingView::refreshHeader()
{
    const auto &d = m_watch->deployment();
    const auto &h = m_watch->hpa();
    QString text = QStringLiteral("<span style=\"font-size:%1pt\"><b>%2</b></span>&nbsp; <span style=\"color:%3\">namespace</span> %4")
                       .arg(QString::number(font().pointSizeF() * 1.3, 'f', 1), m_deployment.toHtmlEscaped(),
                            Theme::css(Theme::Role::TextSecondary), m_ns.toHtmlEscaped());
    if (d.found)
        text += tr(" &nbsp;·&nbsp; %1 desired, %2 current, %3 ready").arg(d.desired).arg(d.current).arg(d.ready);
    text += QStringLiteral(" &nbsp;·&nbsp; ");
    if (h.present) {
        QString hpa = tr("HPA: min %1 / max %2").arg(h.minReplicas).arg(h.maxReplicas);
        if (h.targetPercent)
            hpa += tr(", target %1 % CPU").arg(*h.targetPercent);
        hpa += h.currentPercent ? tr(", current %1 %").arg(*h.currentPercent) : tr(", current unknown");
        text += hpa.toHtmlEscaped();
    } else {
        text += tr("no HPA");
    }
    m_header->setText(text);
    m_header->setToolTip(h.present ? tr("HorizontalPodAutoscaler %1/%2").arg(m_ns, h.name) : QString());
}

void ScalingView::refreshPods()
{
    m_tiles->setPods(m_watch->pods(), m_deployment);
    m_podTitle->setText(tr("Pods: %1 (%2 ready)").arg(m_tiles->tileCount()).arg(m_tiles->tileCount(PodTilePhase::Ready)));
    for (int i = 0; i < m_legendCounts.size(); ++i)
        m_legendCounts[i]->setText(QString::number(m_tiles->tileCount(static_cast<PodTilePhase>(i))));
}

void ScalingView::setProblemText(const QString &message)
{
    m_problem->setText(message);
    m_problem->setVisible(!message.isEmpty());
    Q_EMIT problemChanged(message);
}

}  // namespace pilothouse::widgets
