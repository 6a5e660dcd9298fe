// graphviz (libgvc + libcgraph) behind a value API and one worker thread.
#include "servicegraph/graphlayout.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QMutexLocker>
#include <QThread>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <cmath>

namespace pilothouse::backends::servicegraph {

namespace {

constexpr double kPointsPerInch = 72.0;
constexpr double kArrowLength = 10.0;

// cgraph and the GVC context are process-wide and not thread safe: one lock around all use.
QMutex &graphvizLock()
{
    static QMutex lock;
    return lock;
}

GVC_t *context()
{
    // Created once (it loads the plugin configuration) and kept for the process.
    static GVC_t *gvc = gvContext();
    return gvc;
}

void set(void *object, const char *name, const QByteArray &value)
{
    agsafeset(object, const_cast<char *>(name), const_cast<char *>(value.constData()), const_cast<char *>(""));
}

QByteArray number(double v)
{
    return QByteArray::number(v, 'f', 3);
}

} // namespace

QSizeF nodeSize(const Node &node)
{
    // Label and namespace on two lines, about 7 pt per character; ids are never measured with
    // fonts here so the layout does not depend on the machine's fonts.
    const qsizetype chars = std::max(node.label().size(), node.namespaceName.size());
    return {std::max<double>(72, 24 + 7.0 * double(chars)), 40};
}

GraphLayout layoutGraph(const Graph &graph, const GraphLayout *previous)
{
    QElapsedTimer timer;
    timer.start();
    GraphLayout out;
    out.thread = QThread::currentThread();
    if (graph.nodes.isEmpty())
        return out;

    const bool keep = previous && !previous->nodes.isEmpty()
                      && std::all_of(graph.nodes.keyBegin(), graph.nodes.keyEnd(),
                                     [&](const QString &id) { return previous->nodes.contains(id); });

    if (keep) {
        // Same nodes as last time (only edges or numbers changed): nothing moves. Edges seen
        // before keep their routes; a new edge gets a plain curve from the caller's right side to
        // the callee's left side until the next full layout. graphviz's own router on pinned
        // nodes (neato -n, splines=true) took 18 s at 200 nodes / 600 edges: not an option.
        out.method = GraphLayout::Method::KeptPositions;
        for (const Node &n : graph.nodes) {
            QRectF rect(QPointF(), nodeSize(n));
            rect.moveCenter(previous->nodes.value(n.id).center());
            out.nodes.insert(n.id, rect);
            out.bounds = out.bounds.isNull() ? rect : out.bounds.united(rect);
        }
        for (const Edge &e : graph.edges) {
            const QString key = e.key();
            EdgeGeometry geo = previous->edges.value(key);
            if (geo.path.isEmpty()) {
                const QRectF s = out.nodes.value(e.source);
                const QRectF t = out.nodes.value(e.target);
                const QPointF p0(s.right(), s.center().y());
                const QPointF tip(t.left(), t.center().y());
                const QPointF p3 = tip - QPointF(kArrowLength, 0);
                const double dx = std::max(30.0, std::abs(p3.x() - p0.x()) / 2);
                geo.path = {p0, p0 + QPointF(dx, 0), p3 - QPointF(dx, 0), p3};
                geo.hasArrow = true;
                geo.arrowTip = tip;
            }
            for (const QPointF &p : geo.path)
                out.bounds = out.bounds.united(QRectF(p, QSizeF(0.01, 0.01)));
            out.edges.insert(key, geo);
        }
        out.elapsedMs = timer.elapsed();
        return out;
    }

    QMutexLocker locker(&graphvizLock());
    GVC_t *gvc = context();
    Agraph_t *g = agopen(const_cast<char *>("servicegraph"), Agdirected, nullptr);
    agattr(g, AGRAPH, const_cast<char *>("rankdir"), const_cast<char *>("LR"));
    agattr(g, AGRAPH, const_cast<char *>("nodesep"), const_cast<char *>("0.3"));
    agattr(g, AGRAPH, const_cast<char *>("ranksep"), const_cast<char *>("1.2"));
    agattr(g, AGNODE, const_cast<char *>("shape"), const_cast<char *>("box"));
    agattr(g, AGNODE, const_cast<char *>("fixedsize"), const_cast<char *>("true"));
    agattr(g, AGNODE, const_cast<char *>("label"), const_cast<char *>(""));
    agattr(g, AGNODE, const_cast<char *>("width"), const_cast<char *>("1"));
    agattr(g, AGNODE, const_cast<char *>("height"), const_cast<char *>("0.5"));

    // QMap iterates in key order: the order graphviz sees is the same on every refresh.
    QHash<QString, Agnode_t *> agNodes;
    for (const Node &n : graph.nodes) {
        Agnode_t *an = agnode(g, n.id.toUtf8().data(), 1);
        const QSizeF size = nodeSize(n);
        set(an, "width", number(size.width() / kPointsPerInch));
        set(an, "height", number(size.height() / kPointsPerInch));
        agNodes.insert(n.id, an);
    }
    QHash<QString, Agedge_t *> agEdges;
    for (const Edge &e : graph.edges) {
        Agnode_t *t = agNodes.value(e.source);
        Agnode_t *h = agNodes.value(e.target);
        if (!t || !h)
            continue;
        agEdges.insert(e.key(), agedge(g, t, h, e.key().toUtf8().data(), 1));
    }

    if (gvLayout(gvc, g, "dot") != 0) {
        out.error = QStringLiteral("graphviz could not lay out the graph");
        agclose(g);
        return out;
    }
    out.method = GraphLayout::Method::Dot;
    // graphviz's y grows upwards from the bottom left; ours downwards from the top left.
    const boxf bb = GD_bb(g);
    auto toScene = [&](pointf p) { return QPointF(p.x - bb.LL.x, bb.UR.y - p.y); };

    for (auto it = agNodes.cbegin(); it != agNodes.cend(); ++it) {
        const QPointF c = toScene(ND_coord(it.value()));
        const double w = ND_width(it.value()) * kPointsPerInch;
        const double h = ND_height(it.value()) * kPointsPerInch;
        const QRectF rect(c.x() - w / 2, c.y() - h / 2, w, h);
        out.nodes.insert(it.key(), rect);
        out.bounds = out.bounds.isNull() ? rect : out.bounds.united(rect);
    }
    for (auto it = agEdges.cbegin(); it != agEdges.cend(); ++it) {
        const splines *spl = ED_spl(it.value());
        if (!spl || spl->size < 1)
            continue;
        EdgeGeometry geo;
        const bezier &bz = spl->list[0];
        for (int i = 0; i < bz.size; ++i)
            geo.path.append(toScene(bz.list[i]));
        if (bz.eflag) {
            geo.hasArrow = true;
            geo.arrowTip = toScene(bz.ep);
        }
        for (const QPointF &p : geo.path)
            out.bounds = out.bounds.united(QRectF(p, QSizeF(0.01, 0.01)));
        out.edges.insert(it.key(), geo);
    }
    gvFreeLayout(gvc, g);
    agclose(g);
    out.elapsedMs = timer.elapsed();
    return out;
}

GraphLayoutWorker::GraphLayoutWorker(QObject *parent)
    : QObject(parent)
    , m_thread(new QThread)
    , m_context(new QObject)
{
    qRegisterMetaType<Graph>();
    qRegisterMetaType<GraphLayout>();
    m_thread->setObjectName(QStringLiteral("graph layout"));
    m_context->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread->start();
}

GraphLayoutWorker::~GraphLayoutWorker()
{
    // Pending requests are skipped; one in graphviz is waited for.
    m_latest.store(~quint64(0));
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

quint64 GraphLayoutWorker::requestLayout(const Graph &graph)
{
    const quint64 id = ++m_latest;
    QMetaObject::invokeMethod(m_context, [this, id, graph] {
        if (id != m_latest.load())
            return; // a newer graph is already queued
        GraphLayout layout = layoutGraph(graph, m_previous.isEmpty() ? nullptr : &m_previous);
        if (layout.error.isEmpty())
            m_previous = layout;
        QMetaObject::invokeMethod(this, [this, id, layout] { emit layoutFinished(id, layout); },
                                  Qt::QueuedConnection);
    }, Qt::QueuedConnection);
    return id;
}

void GraphLayoutWorker::resetPositions()
{
    QMetaObject::invokeMethod(m_context, [this] { m_previous = {}; }, Qt::QueuedConnection);
}

QThread *GraphLayoutWorker::layoutThread() const
{
    return m_thread;
}

} // namespace pilothouse::backends::servicegraph
