// A run's stage graph.
#include "pipelines/stagegraphview.h"

#include "pipelines/runmatrixmodel.h"
#include "style/statuspalette.h"

#include <QEvent>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollArea>
#include <QScrollBar>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using backends::jenkins::RunInfo;
using backends::jenkins::StageInfo;
using backends::jenkins::StageStatus;
using models::RunMatrixModel;

namespace {

// Geometry in multiples of the font's line height, so that it scales with the font.
struct Metrics {
    int line, nodeW, nodeH, gap, vGap, margin, caption, fork;
    explicit Metrics(const QFontMetrics &fm)
        : line(fm.height()), nodeW(10 * line), nodeH(2 * line + 14), gap(2 * line), vGap(line / 2 + 4), margin(line),
          caption(line + 6), fork(line)
    {
    }
};

}  // namespace

class StageGraphCanvas : public QWidget {
public:
    explicit StageGraphCanvas(StageGraphView *view) : QWidget(view), m_view(view)
    {
        setObjectName(QStringLiteral("stageGraphCanvas"));
        setMouseTracking(true);
    }

protected:
    bool event(QEvent *e) override
    {
        if (e->type() == QEvent::ToolTip) {
            auto *help = static_cast<QHelpEvent *>(e);
            const int i = m_view->nodeAt(help->pos());
            if (i >= 0)
                QToolTip::showText(help->globalPos(), m_view->toolTipOf(m_view->m_nodes.at(i)), this, m_view->m_nodes.at(i).rect);
            else
                QToolTip::hideText();
            return true;
        }
        return QWidget::event(e);
    }
    void mouseReleaseEvent(QMouseEvent *e) override
    {
        const int i = m_view->nodeAt(e->position().toPoint());
        if (e->button() == Qt::LeftButton && i >= 0)
            Q_EMIT m_view->stageActivated(m_view->m_nodes.at(i).name);
    }
    void mouseMoveEvent(QMouseEvent *e) override
    {
        setCursor(m_view->nodeAt(e->position().toPoint()) >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
    }
    void paintEvent(QPaintEvent *e) override;

private:
    void paintConnectors(QPainter &p, const Metrics &m);
    void paintNode(QPainter &p, const StageGraphView::Node &n, const Metrics &m);
    StageGraphView *m_view;
};

StageGraphView::StageGraphView(QWidget *parent)
    : QWidget(parent), m_scroll(new QScrollArea(this)), m_canvas(new StageGraphCanvas(this)), m_animation(new QTimer(this))
{
    setObjectName(QStringLiteral("stageGraphView"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_scroll->setObjectName(QStringLiteral("stageGraphScroll"));
    m_scroll->setWidget(m_canvas);
    m_scroll->setWidgetResizable(false);
    m_scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_scroll->setFrameShape(QFrame::NoFrame);
    layout->addWidget(m_scroll);
    m_animation->setInterval(80);
    connect(m_animation, &QTimer::timeout, this, &StageGraphView::animate);
    m_canvas->resize(0, 0);
}

StageGraphView::~StageGraphView() = default;

QWidget *StageGraphView::canvas() const { return m_canvas; }
bool StageGraphView::animating() const { return m_animation->isActive(); }

const StageGraphView::Node *StageGraphView::node(const QString &name) const
{
    for (const Node &n : m_nodes)
        if (n.name == name)
            return &n;
    return nullptr;
}

QList<StageInfo> StageGraphView::topLevel(const RunInfo &run)
{
    QSet<QString> branchIds, branchNames;
    for (const StageInfo &s : run.stages)
        for (const StageInfo &c : s.children) {
            if (!c.id.isEmpty())
                branchIds.insert(c.id);
            branchNames.insert(c.name);
        }
    QList<StageInfo> out;
    for (const StageInfo &s : run.stages)
        if (s.children.isEmpty() && ((!s.id.isEmpty() && branchIds.contains(s.id)) || branchNames.contains(s.name)))
            continue;  // wfapi lists a branch again at the top level: it is drawn in its stage
        else
            out << s;
    return out;
}

void StageGraphView::setRun(const RunInfo &run)
{
    if (run == m_run && !m_nodes.isEmpty() == !run.stages.isEmpty())
        return;
    m_run = run;
    const QList<StageInfo> stages = topLevel(run);
    QStringList shape;
    for (const StageInfo &s : stages) {
        shape << s.name;
        for (const StageInfo &c : s.children)
            shape << QStringLiteral("  ") + c.name;
    }
    bool running = false;
    if (shape != m_shape) {
        m_shape = shape;
        relayout(stages);
    } else {
        // Same stages: new statuses and durations, repainted node by node.
        int i = 0;
        for (const StageInfo &s : stages) {
            auto take = [this, &i](const StageInfo &info) {
                Node &n = m_nodes[i++];
                if (n.status != info.status || n.durationMs != info.durationMs || n.error != info.error) {
                    n.status = info.status;
                    n.durationMs = info.durationMs;
                    n.error = info.error;
                    m_canvas->update(n.rect.adjusted(-2, -2, 2, 2));
                }
            };
            take(s);
            for (const StageInfo &c : s.children)
                take(c);
        }
    }
    for (const Node &n : std::as_const(m_nodes))
        running = running || n.status == StageStatus::InProgress;
    if (running && !m_animation->isActive())
        m_animation->start();
    else if (!running)
        m_animation->stop();
}

void StageGraphView::relayout(const QList<StageInfo> &stages)
{
    ++m_layouts;
    const Metrics m(fontMetrics());
    m_nodes.clear();
    int x = m.margin;
    int maxBottom = m.margin + m.caption + m.nodeH;
    const int top = m.margin + m.caption;
    int column = 0;
    for (const StageInfo &s : stages) {
        Node n{s.name, s.status, s.durationMs, s.error, {}, column, 0, false, !s.children.isEmpty()};
        if (s.children.isEmpty()) {
            n.rect = QRect(x, top, m.nodeW, m.nodeH);
            m_nodes << n;
            x += m.nodeW + m.gap;
        } else {
            // The branches between a fork (left) and a join (right), inside the stage's frame
            // whose caption is the stage's name.
            const int lanes = static_cast<int>(s.children.size());
            const int height = lanes * m.nodeH + (lanes - 1) * m.vGap;
            const int width = m.nodeW + 2 * m.fork;
            n.rect = QRect(x, top - m.caption, width, height + m.caption + 6);
            m_nodes << n;
            int lane = 0;
            for (const StageInfo &c : s.children) {
                Node b{c.name, c.status, c.durationMs, c.error, QRect(x + m.fork, top + lane * (m.nodeH + m.vGap), m.nodeW, m.nodeH), column, lane, true, false};
                m_nodes << b;
                ++lane;
            }
            maxBottom = std::max(maxBottom, top + height + 6);
            x += width + m.gap;
        }
        ++column;
    }
    m_canvasSize = stages.isEmpty() ? QSize(0, 0) : QSize(x - m.gap + m.margin, maxBottom + m.margin);
    m_canvas->setFixedSize(m_canvasSize);
    m_canvas->update();
    updateGeometry();
}

QSize StageGraphView::sizeHint() const
{
    // The whole graph, plus room for the scroll bar when it does not fit across.
    const Metrics m(fontMetrics());
    const QSize content = m_canvasSize.isEmpty() ? QSize(m.nodeW + 2 * m.margin, m.nodeH + m.caption + 2 * m.margin) : m_canvasSize;
    return content + QSize(0, m_scroll->horizontalScrollBar()->sizeHint().height());
}

QSize StageGraphView::minimumSizeHint() const
{
    const Metrics m(fontMetrics());
    return {m.nodeW + 2 * m.margin, std::min(sizeHint().height(), m.nodeH + m.caption + 2 * m.margin + m_scroll->horizontalScrollBar()->sizeHint().height())};
}

int StageGraphView::nodeAt(const QPoint &pos) const
{
    // Branches before their frame: the frame encloses them.
    for (int i = static_cast<int>(m_nodes.size()) - 1; i >= 0; --i)
        if (!m_nodes.at(i).group && m_nodes.at(i).rect.contains(pos))
            return i;
    for (int i = 0; i < m_nodes.size(); ++i)
        if (m_nodes.at(i).group && m_nodes.at(i).rect.contains(pos))
            return i;
    return -1;
}

QString StageGraphView::toolTipOf(const Node &n) const
{
    QString tip = tr("%1: %2").arg(n.name, backends::jenkins::stageStatusName(n.status));
    if (n.durationMs > 0)
        tip += tr(", %1").arg(RunMatrixModel::durationText(n.durationMs));
    if (!n.error.isEmpty())
        tip += QLatin1Char('\n') + n.error;
    return tip;
}

void StageGraphView::animate()
{
    ++m_frame;
    bool running = false;
    for (const Node &n : std::as_const(m_nodes))
        if (n.status == StageStatus::InProgress) {
            running = true;
            m_canvas->update(n.rect.adjusted(-3, -3, 3, 3));
        }
    if (!running)
        m_animation->stop();
}

void StageGraphCanvas::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const Metrics m(fontMetrics());
    paintConnectors(p, m);
    for (const StageGraphView::Node &n : std::as_const(m_view->m_nodes))
        paintNode(p, n, m);
}

void StageGraphCanvas::paintConnectors(QPainter &p, const Metrics &m)
{
    QColor c = palette().color(QPalette::WindowText);
    c.setAlphaF(0.45f);
    p.setPen(QPen(c, 2));
    p.setBrush(Qt::NoBrush);
    const auto &nodes = m_view->m_nodes;
    const int mainY = m.margin + m.caption + m.nodeH / 2;
    // Between columns along the main line; into and out of each branch from the fork and the join.
    QList<QPair<int, int>> columns;  // left, right of each column
    for (const auto &n : nodes)
        if (!n.branch) {
            columns << qMakePair(n.rect.left(), n.rect.right());
        }
    for (int i = 1; i < columns.size(); ++i)
        p.drawLine(columns.at(i - 1).second + 1, mainY, columns.at(i).first, mainY);
    for (const auto &n : nodes) {
        if (!n.branch)
            continue;
        const int forkX = n.rect.left() - m.fork / 2, joinX = n.rect.right() + m.fork / 2 + 1;
        const int y = n.rect.center().y();
        QPainterPath in, out;
        in.moveTo(n.rect.left() - m.fork, mainY);
        in.lineTo(forkX, mainY);
        in.lineTo(forkX, y);
        in.lineTo(n.rect.left(), y);
        out.moveTo(n.rect.right() + 1, y);
        out.lineTo(joinX, y);
        out.lineTo(joinX, mainY);
        out.lineTo(n.rect.right() + m.fork + 1, mainY);
        p.drawPath(in);
        p.drawPath(out);
        if (n.lane == 0) {
            p.setBrush(c);
            p.drawEllipse(QPointF(forkX, mainY), 3, 3);
            p.drawEllipse(QPointF(joinX, mainY), 3, 3);
            p.setBrush(Qt::NoBrush);
        }
    }
}

void StageGraphCanvas::paintNode(QPainter &p, const StageGraphView::Node &n, const Metrics &m)
{
    const StatusTone tone = RunMatrixModel::toneOf(n.status);
    const QPalette &pal = palette();
    if (n.group) {
        // A parallel stage: a frame around its branches, its name and status as the caption.
        QColor frame = StatusPalette::fill(tone);
        frame.setAlphaF(0.6f);
        p.setPen(QPen(frame, 1, Qt::DashLine));
        p.setBrush(Qt::NoBrush);
        p.drawRoundedRect(QRectF(n.rect).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6);
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.setPen(StatusPalette::color(tone));
        QString caption = n.name;
        if (n.durationMs > 0)
            caption += QStringLiteral(" · ") + RunMatrixModel::durationText(n.durationMs);
        p.drawText(QRect(n.rect.left() + 8, n.rect.top(), n.rect.width() - 16, m.caption), Qt::AlignLeft | Qt::AlignVCenter,
                   QFontMetrics(bold).elidedText(caption, Qt::ElideRight, n.rect.width() - 16));
        p.setFont(font());
        return;
    }
    const QRectF r = QRectF(n.rect).adjusted(0.5, 0.5, -0.5, -0.5);
    const bool notRun = n.status == StageStatus::NotExecuted || n.status == StageStatus::Skipped;
    QColor soft = StatusPalette::soft(tone);
    if (notRun)
        soft.setAlphaF(soft.alphaF() * 0.5f);
    qreal border = 1.5;
    QColor edge = StatusPalette::fill(tone);
    if (n.status == StageStatus::InProgress) {
        // Running: the border breathes with the animation's frame.
        const qreal phase = (m_view->m_frame % 16) / 16.0;
        border = 1.5 + 1.5 * (phase < 0.5 ? phase * 2 : (1 - phase) * 2);
    }
    p.setPen(QPen(edge, border, notRun ? Qt::DashLine : Qt::SolidLine));
    p.setBrush(soft);
    p.drawRoundedRect(r, 6, 6);
    const QRect inner = n.rect.adjusted(10, 5, -8, -5);
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRect(inner.left(), inner.top(), inner.width(), m.line), Qt::AlignLeft | Qt::AlignVCenter,
               QFontMetrics(bold).elidedText(n.name, Qt::ElideRight, inner.width()));
    p.setFont(font());
    const QRect second(inner.left(), inner.top() + m.line + 2, inner.width(), m.line);
    if (n.status == StageStatus::PausedPendingInput) {
        const QIcon icon = StatusPalette::icon(QStringLiteral("PAUSED_PENDING_INPUT"));
        icon.paint(&p, QRect(second.left(), second.top(), m.line, m.line));
        p.setPen(StatusPalette::color(tone));
        p.drawText(second.adjusted(m.line + 4, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter,
                   fontMetrics().elidedText(StageGraphView::tr("waiting for approval"), Qt::ElideRight, second.width() - m.line - 4));
        return;
    }
    QString text = backends::jenkins::stageStatusName(n.status);
    if (n.durationMs > 0 && !notRun)
        text = RunMatrixModel::durationText(n.durationMs) + QStringLiteral(" · ") + text;
    p.setPen(n.status == StageStatus::Failed ? StatusPalette::color(tone) : pal.color(QPalette::Text));
    p.drawText(second, Qt::AlignLeft | Qt::AlignVCenter, fontMetrics().elidedText(text, Qt::ElideRight, second.width()));
}

}  // namespace pilothouse::widgets
