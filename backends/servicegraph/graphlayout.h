// Service graph layout by graphviz (dot, left to right) as a pure function, and the one worker
// thread every graphviz call of the application goes through (cgraph is not thread safe).
#pragma once

#include "servicegraph/servicegraph.h"

#include <QHash>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QPointF>
#include <QRectF>
#include <QSizeF>

#include <atomic>

class QThread;

namespace pilothouse::backends::servicegraph {

struct EdgeGeometry
{
    // Cubic Bézier control points as graphviz gives them: start, then (c1, c2, end) per segment.
    QList<QPointF> path;
    bool hasArrow = false;
    QPointF arrowTip; // where the arrow head points, when hasArrow
};

// Positions in points (1/72 inch), origin top left, y down: what a QGraphicsScene expects.
struct GraphLayout
{
    enum class Method { None, Dot, KeptPositions };

    QHash<QString, QRectF> nodes;       // by node id
    QHash<QString, EdgeGeometry> edges; // by edge key
    QRectF bounds;
    Method method = Method::None;
    QString error;                      // graphviz refused; empty on success
    qint64 elapsedMs = 0;
    QThread *thread = nullptr;          // where graphviz ran, for diagnostics and tests

    bool isEmpty() const { return nodes.isEmpty(); }
};

// The size a node is given (its label in a box); the view draws into this rect.
QSizeF nodeSize(const Node &node);

// Lays the graph out. Deterministic: nodes and edges enter dot sorted by id, so the same graph
// gives the same positions, and a graph that changed a little mostly keeps its rank order.
// With a previous layout that already places every node (a refresh where only edges or
// numbers changed, the common case), nothing moves: edges seen before keep their routes and a
// new edge gets a plain curve, without graphviz. Otherwise dot lays out the whole graph.
// graphviz calls are serialised by a process-wide lock; in the application only
// GraphLayoutWorker calls this.
GraphLayout layoutGraph(const Graph &graph, const GraphLayout *previous = nullptr);

// Owns the layout thread. requestLayout() returns at once; layoutFinished arrives on the
// requester's thread. Requests overtaken by a newer one are skipped, not laid out. The last
// layout is kept on the worker thread as the next refresh's hint.
class GraphLayoutWorker : public QObject
{
    Q_OBJECT
public:
    explicit GraphLayoutWorker(QObject *parent = nullptr);
    ~GraphLayoutWorker() override;

    quint64 requestLayout(const Graph &graph);
    // Forget the kept layout: the next request is laid out from scratch (graph type changed).
    void resetPositions();
    QThread *layoutThread() const;

signals:
    void layoutFinished(quint64 requestId, const pilothouse::backends::servicegraph::GraphLayout &layout);

private:
    QThread *m_thread = nullptr;
    QObject *m_context = nullptr; // lives on m_thread; queued calls run there
    std::atomic<quint64> m_latest{0};
    GraphLayout m_previous; // touched only on m_thread
};

} // namespace pilothouse::backends::servicegraph

Q_DECLARE_METATYPE(pilothouse::backends::servicegraph::GraphLayout)
