// Dashboard panels.
#include "metrics/panelwidget.h"

#include "metrics/valueformat.h"
#include "style/statuspalette.h"

#include <QChart>
#include <QCategoryAxis>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGraphicsLineItem>
#include <QGraphicsOpacityEffect>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace pilothouse::widgets {

using backends::dashboards::Panel;
// QFrame has a Panel too (a frame shape): inside the panel classes the dashboard's is spelled out.
using DashPanel = backends::dashboards::Panel;
using models::PanelData;

namespace {

// A threshold's colour name as Grafana writes it ("green", "semi-dark-red", "#EAB839", "rgba(…)").
QColor thresholdColor(const QString &name)
{
    // Grafana's named colours are read as the status palette's tones, so thresholds follow the
    // light and dark themes like every other status colour.
    static const QHash<QString, models::StatusTone> named{{QStringLiteral("green"), models::StatusTone::Good},
                                                          {QStringLiteral("red"), models::StatusTone::Bad},
                                                          {QStringLiteral("orange"), models::StatusTone::Warning},
                                                          {QStringLiteral("yellow"), models::StatusTone::Warning},
                                                          {QStringLiteral("blue"), models::StatusTone::Progress},
                                                          {QStringLiteral("purple"), models::StatusTone::Paused}};
    QString key = name;
    key.remove(QStringLiteral("semi-dark-")).remove(QStringLiteral("dark-")).remove(QStringLiteral("light-")).remove(QStringLiteral("super-"));
    if (named.contains(key))
        return StatusPalette::color(named.value(key));
    static const QRegularExpression rgba(QStringLiteral("rgba?\\((\\d+),\\s*(\\d+),\\s*(\\d+)"));
    if (const auto m = rgba.match(name); m.hasMatch())
        return QColor(m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt());
    const QColor c(name);
    return c.isValid() ? c : StatusPalette::color(models::StatusTone::Good);
}

// The value a stat or gauge shows: the panel's reducer over the first series.
double reduced(const models::PanelSeries &s, const QString &reduce)
{
    double sum = 0, mn = INFINITY, mx = -INFINITY, first = NAN;
    int n = 0;
    for (const QPointF &p : s.points) {
        if (std::isnan(p.y()))
            continue;
        if (n == 0)
            first = p.y();
        sum += p.y();
        mn = std::min(mn, p.y());
        mx = std::max(mx, p.y());
        ++n;
    }
    if (n == 0)
        return NAN;
    if (reduce == QLatin1String("mean"))
        return sum / n;
    if (reduce == QLatin1String("max"))
        return mx;
    if (reduce == QLatin1String("min"))
        return mn;
    if (reduce == QLatin1String("sum"))
        return sum;
    if (reduce == QLatin1String("firstNotNull") || reduce == QLatin1String("first"))
        return first;
    if (reduce == QLatin1String("range"))
        return mx - mn;
    return s.last;  // lastNotNull, last
}

QColor colorFor(const Panel &panel, double v)
{
    const auto *step = panel.thresholds.stepFor(panel.thresholds.percentage && panel.max ? v / *panel.max * 100 : v);
    return step ? thresholdColor(step->color) : QColor();
}

// ---- time series ---------------------------------------------------------------------------

class ChartView : public QChartView {
public:
    ChartView(QChart *chart, PanelWidget *owner) : QChartView(chart), m_owner(owner)
    {
        setRenderHint(QPainter::Antialiasing);
        setMouseTracking(true);
        setFrameShape(QFrame::NoFrame);
        m_line = new QGraphicsLineItem(chart);
        m_line->setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
        m_line->setZValue(100);
        m_line->hide();
    }
    void showCrosshair(qint64 ms)
    {
        auto *axis = chart()->axes(Qt::Horizontal).value(0);
        if (!ms || !axis || chart()->series().isEmpty()) {
            m_line->hide();
            return;
        }
        const QPointF top = chart()->mapToPosition(QPointF(static_cast<qreal>(ms), 0), chart()->series().first());
        const QRectF area = chart()->plotArea();
        if (top.x() < area.left() || top.x() > area.right()) {
            m_line->hide();
            return;
        }
        m_line->setLine(top.x(), area.top(), top.x(), area.bottom());
        m_line->show();
    }

protected:
    qint64 timeAt(const QPoint &pos) const
    {
        if (chart()->series().isEmpty())
            return 0;
        return static_cast<qint64>(chart()->mapToValue(pos, chart()->series().first()).x());
    }
    void mouseMoveEvent(QMouseEvent *e) override
    {
        if (chart()->plotArea().contains(e->position()))
            Q_EMIT m_owner->crosshairMoved(timeAt(e->pos()));
        if (m_dragFrom)
            viewport()->update();
        QChartView::mouseMoveEvent(e);
    }
    void leaveEvent(QEvent *e) override
    {
        Q_EMIT m_owner->crosshairMoved(0);
        QChartView::leaveEvent(e);
    }
    void mousePressEvent(QMouseEvent *e) override
    {
        if (e->button() == Qt::LeftButton && chart()->plotArea().contains(e->position()))
            m_dragFrom = timeAt(e->pos());
        QChartView::mousePressEvent(e);
    }
    void mouseReleaseEvent(QMouseEvent *e) override
    {
        if (e->button() == Qt::LeftButton && m_dragFrom) {
            const qint64 to = timeAt(e->pos());
            const qint64 from = m_dragFrom;
            m_dragFrom = 0;
            if (std::llabs(to - from) >= 1000)
                Q_EMIT m_owner->zoomRequested(from, to);
        }
        QChartView::mouseReleaseEvent(e);
    }

private:
    PanelWidget *m_owner;
    QGraphicsLineItem *m_line;
    qint64 m_dragFrom = 0;
};

class TimeSeriesPanel : public PanelWidget {
public:
    TimeSeriesPanel(const DashPanel &panel, QWidget *parent) : PanelWidget(panel, parent)
    {
        m_chart = new QChart;
        m_chart->setBackgroundVisible(false);
        m_chart->setMargins(QMargins(2, 2, 2, 2));
        m_chart->legend()->setAlignment(Qt::AlignBottom);
        m_chart->legend()->setLabelColor(palette().color(QPalette::WindowText));
        m_x = new QDateTimeAxis;
        m_x->setFormat(QStringLiteral("HH:mm"));
        m_x->setLabelsColor(palette().color(QPalette::WindowText));
        // Category axis: its labels are the panel's unit ("250 ms", "1.2 MiB"), at nice values.
        m_y = new QCategoryAxis;
        m_y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
        m_y->setLabelsColor(palette().color(QPalette::WindowText));
        m_y->setTitleText(models::unitName(panel.unit));
        m_chart->addAxis(m_x, Qt::AlignBottom);
        m_chart->addAxis(m_y, Qt::AlignLeft);
        m_view = new ChartView(m_chart, this);
        applyColors();
        auto *l = new QVBoxLayout(body());
        l->setContentsMargins(0, 0, 0, 0);
        l->addWidget(m_view);
    }
    void setCrosshair(qint64 ms) override { m_view->showCrosshair(ms); }
    QChart *chart() const { return m_chart; }

protected:
    // Axes, grid and legend in the theme's colours, again when the theme changes.
    void changeEvent(QEvent *event) override
    {
        PanelWidget::changeEvent(event);
        if (event->type() == QEvent::PaletteChange)
            applyColors();
    }
    void applyColors()
    {
        const QColor text = palette().color(QPalette::WindowText);
        QColor grid = palette().color(QPalette::Mid);
        grid.setAlpha(90);
        for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(m_x), static_cast<QAbstractAxis *>(m_y)}) {
            axis->setLabelsColor(text);
            axis->setTitleBrush(text);
            axis->setGridLineColor(grid);
            axis->setLinePenColor(palette().color(QPalette::Mid));
        }
        m_chart->legend()->setLabelColor(text);
    }

    void showData(const PanelData &data) override
    {
        // A series per legend, kept across refreshes and replaced whole (never point by point).
        QHash<QString, QLineSeries *> existing;
        for (QAbstractSeries *s : m_chart->series())
            existing.insert(s->property("key").toString(), static_cast<QLineSeries *>(s));
        double lo = INFINITY, hi = -INFINITY;
        QSet<QString> seen;
        bool added = false;
        for (const models::PanelSeries &s : data.series) {
            const QString key = s.legend;
            seen.insert(key);
            QLineSeries *line = existing.value(key);
            if (!line) {
                line = new QLineSeries;
                line->setProperty("key", key);
                m_chart->addSeries(line);
                line->attachAxis(m_x);
                line->attachAxis(m_y);
                added = true;
            }
            QList<QPointF> points;
            points.reserve(s.points.size());
            for (const QPointF &p : s.points)
                if (!std::isnan(p.y()) && !std::isinf(p.y())) {
                    points << p;
                    lo = std::min(lo, p.y());
                    hi = std::max(hi, p.y());
                }
            line->replace(points);
            line->setName(QStringLiteral("%1  %2").arg(key, models::formatValue(s.last, m_panel.unit, m_panel.decimals)));
        }
        for (auto it = existing.cbegin(); it != existing.cend(); ++it)
            if (!seen.contains(it.key())) {
                m_chart->removeSeries(it.value());
                delete it.value();
            }
        m_x->setRange(QDateTime::fromMSecsSinceEpoch(data.startMs), QDateTime::fromMSecsSinceEpoch(data.endMs));
        const qint64 span = data.endMs - data.startMs;
        m_x->setFormat(span > 2 * 86'400'000 ? QStringLiteral("MM-dd HH:mm") : span > 600'000 ? QStringLiteral("HH:mm") : QStringLiteral("HH:mm:ss"));
        if (lo <= hi) {
            const double min = m_panel.min.value_or(std::min(0.0, lo));
            double max = m_panel.max.value_or(hi);
            if (max <= min)
                max = min + 1;
            max += m_panel.max ? 0 : (max - min) * 0.05;
            m_y->setRange(min, max);
            // Five nice steps (1, 2, 2.5, 5 × 10^n) labelled in the unit.
            for (const QString &label : m_y->categoriesLabels())
                m_y->remove(label);
            const double raw = (max - min) / 5;
            const double mag = std::pow(10, std::floor(std::log10(raw)));
            double step = mag;
            for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
                if (f * mag >= raw) {
                    step = f * mag;
                    break;
                }
            int n = 0;
            for (double v = std::ceil(min / step) * step; v <= max + step * 1e-9 && n < 12; v += step, ++n)
                m_y->append(models::formatValue(v, m_panel.unit, m_panel.decimals), v);
        }
        m_chart->legend()->setVisible(m_chart->series().size() > 0 && m_chart->series().size() <= 12);
        if (added) {
            // Qt Charts (6.4) leaves a date-time axis hidden when the chart was laid out before it had
            // a series: shown again once one is attached.
            m_x->setVisible(false);
            m_x->setVisible(true);
        }
    }

private:
    QChart *m_chart;
    QDateTimeAxis *m_x;
    QCategoryAxis *m_y;
    ChartView *m_view;
};

// ---- stat and gauge ----------------------------------------------------------------------------

class StatPanel : public PanelWidget {
public:
    StatPanel(const DashPanel &panel, QWidget *parent) : PanelWidget(panel, parent)
    {
        auto *l = new QVBoxLayout(body());
        m_value = new QLabel(QStringLiteral("–"), body());
        m_value->setAlignment(Qt::AlignCenter);
        QFont f = m_value->font();
        f.setPointSizeF(f.pointSizeF() * 2.2);
        f.setBold(true);
        m_value->setFont(f);
        l->addWidget(m_value, 1);
    }
    QString valueText() const { return m_value->text(); }

protected:
    // The threshold's colour again in the new theme.
    void changeEvent(QEvent *event) override
    {
        PanelWidget::changeEvent(event);
        if (event->type() == QEvent::PaletteChange && !m_data.series.isEmpty())
            showData(m_data);
    }
    void showData(const PanelData &data) override
    {
        if (data.series.isEmpty()) {
            m_value->setText(tr("No data"));
            m_value->setStyleSheet(QString());
            return;
        }
        const double v = reduced(data.series.first(), m_panel.reduce);
        m_value->setText(models::formatValue(v, m_panel.unit, m_panel.decimals));
        const QColor c = colorFor(m_panel, v);
        m_value->setStyleSheet(c.isValid() ? QStringLiteral("color: %1;").arg(c.name()) : QString());
    }

private:
    QLabel *m_value;
};

class GaugeFace : public QWidget {
public:
    explicit GaugeFace(const DashPanel &panel, QWidget *parent) : QWidget(parent), m_panel(panel) { setMinimumHeight(60); }
    void setValue(double v, const QString &text)
    {
        m_value = v;
        m_text = text;
        update();
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const double min = m_panel.min.value_or(0), max = m_panel.max.value_or(m_panel.unit == QLatin1String("percentunit") ? 1 : 100);
        const int side = std::min(width(), height() * 2) - 12;
        const QRectF arc((width() - side) / 2.0, 6, side, side);
        const double pen = std::max(6.0, side / 12.0);
        // The track in the thresholds' colours, then the value over it.
        p.setPen(QPen(palette().color(QPalette::Midlight), pen, Qt::SolidLine, Qt::FlatCap));
        p.drawArc(arc.adjusted(pen, pen, -pen, -pen), 0, 180 * 16);
        const double frac = std::isnan(m_value) ? 0 : std::clamp((m_value - min) / std::max(1e-12, max - min), 0.0, 1.0);
        const QColor c = colorFor(m_panel, m_value);
        p.setPen(QPen(c.isValid() ? c : palette().color(QPalette::Highlight), pen, Qt::SolidLine, Qt::FlatCap));
        p.drawArc(arc.adjusted(pen, pen, -pen, -pen), 180 * 16, static_cast<int>(-180 * 16 * frac));
        QFont f = font();
        f.setBold(true);
        f.setPointSizeF(std::max(9.0, side / 9.0));
        p.setFont(f);
        p.setPen(palette().color(QPalette::WindowText));
        p.drawText(QRectF(arc.left(), arc.center().y() - side / 4.0, arc.width(), side / 4.0), Qt::AlignCenter, m_text);
    }

private:
    DashPanel m_panel;
    double m_value = NAN;
    QString m_text;
};

class GaugePanel : public PanelWidget {
public:
    GaugePanel(const DashPanel &panel, QWidget *parent) : PanelWidget(panel, parent)
    {
        auto *l = new QVBoxLayout(body());
        m_face = new GaugeFace(panel, body());
        l->addWidget(m_face);
    }

protected:
    void showData(const PanelData &data) override
    {
        const double v = data.series.isEmpty() ? NAN : reduced(data.series.first(), m_panel.reduce);
        m_face->setValue(v, data.series.isEmpty() ? tr("No data") : models::formatValue(v, m_panel.unit, m_panel.decimals));
    }

private:
    GaugeFace *m_face;
};

// ---- table, text, unsupported ---------------------------------------------------------------

class TablePanel : public PanelWidget {
public:
    TablePanel(const DashPanel &panel, QWidget *parent) : PanelWidget(panel, parent)
    {
        auto *l = new QVBoxLayout(body());
        l->setContentsMargins(0, 0, 0, 0);
        m_table = new QTableWidget(body());
        m_table->verticalHeader()->hide();
        m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
        m_table->setAlternatingRowColors(true);
        l->addWidget(m_table);
    }

protected:
    void showData(const PanelData &data) override
    {
        QStringList columns;
        for (const auto &s : data.series)
            for (auto it = s.labels.cbegin(); it != s.labels.cend(); ++it)
                if (it.key() != QLatin1String("__name__") && !columns.contains(it.key()))
                    columns << it.key();
        columns.sort();
        m_table->clear();
        m_table->setColumnCount(static_cast<int>(columns.size()) + 1);
        m_table->setHorizontalHeaderLabels(columns + QStringList{tr("Value")});
        m_table->setRowCount(static_cast<int>(data.series.size()));
        for (int r = 0; r < data.series.size(); ++r) {
            const auto &s = data.series[r];
            for (int c = 0; c < columns.size(); ++c)
                m_table->setItem(r, c, new QTableWidgetItem(s.labels.value(columns[c])));
            auto *value = new QTableWidgetItem(models::formatValue(s.last, m_panel.unit, m_panel.decimals));
            value->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            const QColor col = colorFor(m_panel, s.last);
            if (col.isValid() && !m_panel.thresholds.steps.isEmpty())
                value->setForeground(col);
            m_table->setItem(r, static_cast<int>(columns.size()), value);
        }
        m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
        m_table->horizontalHeader()->setStretchLastSection(true);
    }

private:
    QTableWidget *m_table;
};

class MessagePanel : public PanelWidget {
public:
    MessagePanel(const DashPanel &panel, const QString &text, Qt::TextFormat format, QWidget *parent) : PanelWidget(panel, parent)
    {
        auto *l = new QVBoxLayout(body());
        auto *label = new QLabel(body());
        label->setTextFormat(format);
        label->setWordWrap(true);
        label->setAlignment(Qt::AlignCenter);
        label->setText(text);
        label->setObjectName(QStringLiteral("panelMessage"));
        l->addWidget(label);
    }

protected:
    void showData(const PanelData &) override {}
};

}  // namespace

PanelWidget::PanelWidget(const DashPanel &panel, QWidget *parent) : QFrame(parent), m_panel(panel)
{
    setObjectName(QStringLiteral("dashboardPanel"));
    setFrameShape(QFrame::StyledPanel);
    auto *l = new QVBoxLayout(this);
    l->setContentsMargins(6, 4, 6, 4);
    l->setSpacing(2);
    auto *bar = new QHBoxLayout;
    m_title = new QLabel(panel.title, this);
    m_title->setTextFormat(Qt::PlainText);
    m_title->setToolTip(panel.description);
    QFont f = m_title->font();
    f.setBold(true);
    m_title->setFont(f);
    m_status = new QLabel(this);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setObjectName(QStringLiteral("panelStatus"));
    bar->addWidget(m_title, 1);
    bar->addWidget(m_status);
    l->addLayout(bar);
    m_body = new QWidget(this);
    l->addWidget(m_body, 1);
}

PanelWidget *PanelWidget::create(const DashPanel &panel, QWidget *parent)
{
    switch (panel.kind) {
    case Panel::Kind::TimeSeries: return new TimeSeriesPanel(panel, parent);
    case Panel::Kind::Stat: return new StatPanel(panel, parent);
    case Panel::Kind::Gauge: return new GaugePanel(panel, parent);
    case Panel::Kind::Table: return new TablePanel(panel, parent);
    case Panel::Kind::Text: return new MessagePanel(panel, panel.text, Qt::MarkdownText, parent);
    case Panel::Kind::Row:
    case Panel::Kind::Unsupported: break;
    }
    return new MessagePanel(panel, panel.unsupported.isEmpty() ? tr("This panel is not drawn") : panel.unsupported, Qt::PlainText, parent);
}

void PanelWidget::setData(const PanelData &data)
{
    m_data = data;
    QString status;
    QColor color;
    switch (data.state) {
    case PanelData::State::Loading: status = tr("loading…"); break;
    case PanelData::State::Ok: break;
    case PanelData::State::NoData: status = tr("no data"); color = StatusPalette::color(models::StatusTone::Neutral); break;
    case PanelData::State::Partial:
        status = tr("partial data");
        color = StatusPalette::color(models::StatusTone::Warning);
        break;
    case PanelData::State::Failed:
        status = data.stale ? tr("stale: %1").arg(data.error) : data.error;
        color = StatusPalette::color(models::StatusTone::Bad);
        break;
    }
    m_status->setText(status.size() > 80 ? status.left(77) + QStringLiteral("…") : status);
    m_status->setToolTip(data.error.isEmpty() ? data.warnings.join(QLatin1Char('\n')) : data.error);
    QPalette p = m_status->palette();
    p.setColor(QPalette::WindowText, color.isValid() ? color : palette().color(QPalette::WindowText));
    m_status->setPalette(p);
    // Failed: the last values stay, dimmed.
    m_dimmed = data.state == PanelData::State::Failed;
    if (m_dimmed) {
        auto *fade = new QGraphicsOpacityEffect(m_body);
        fade->setOpacity(0.35);
        m_body->setGraphicsEffect(fade);
    } else {
        m_body->setGraphicsEffect(nullptr);
    }
    if (data.state != PanelData::State::Failed)
        showData(data);
}

QString PanelWidget::statusText() const
{
    return m_status->toolTip().isEmpty() ? m_status->text() : m_status->text() + QStringLiteral(" — ") + m_status->toolTip();
}

}  // namespace pilothouse::widgets
