// The service graph layout: deterministic, stable across a refresh, on the worker thread; and a
// first measurement of building and laying out a 200-service / 600-edge mesh.
#include "servicegraph/appenders.h"
#include "servicegraph/graphlayout.h"

#include <QElapsedTimer>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

using namespace pilothouse::backends::servicegraph;

namespace {

QString serviceName(int i) { return QStringLiteral("svc%1").arg(i, 3, 10, QLatin1Char('0')); }
QString namespaceOf(int i, int namespaces) { return QStringLiteral("ns%1").arg(i % namespaces); }

// Deterministic pseudo-random pairs a < b: a call graph without cycles, like a real mesh's.
QList<QPair<int, int>> callPairs(int services, int edges)
{
    QList<QPair<int, int>> pairs;
    QSet<QPair<int, int>> seen;
    quint32 state = 12345;
    auto next = [&] { state = state * 1103515245u + 12345u; return (state >> 8) & 0xffffff; };
    while (pairs.size() < edges) {
        int a = int(next() % quint32(services));
        int b = int(next() % quint32(services));
        if (a == b)
            continue;
        if (a > b)
            std::swap(a, b);
        // Calls mostly go a few tiers down, as in a mesh, not from everything to everything.
        if (b - a > services / 4)
            continue;
        if (!seen.contains({a, b})) {
            seen.insert({a, b});
            pairs.append({a, b});
        }
    }
    return pairs;
}

Sample requestSample(int from, int to, int namespaces, const QString &reporter, const QString &code, double rps)
{
    Sample s;
    auto side = [&](const QString &prefix, int i) {
        const QString ns = namespaceOf(i, namespaces);
        s.labels.insert(prefix + QLatin1String("_workload"), serviceName(i));
        s.labels.insert(prefix + QLatin1String("_workload_namespace"), ns);
        s.labels.insert(prefix + QLatin1String("_canonical_service"), serviceName(i));
        s.labels.insert(prefix + QLatin1String("_canonical_revision"), QStringLiteral("v1"));
    };
    if (from < 0) {
        for (const char *l : {"source_workload", "source_workload_namespace", "source_canonical_service",
                              "source_canonical_revision"})
            s.labels.insert(QLatin1String(l), QStringLiteral("unknown"));
    } else {
        side(QStringLiteral("source"), from);
    }
    side(QStringLiteral("destination"), to);
    s.labels.insert(QStringLiteral("destination_service_name"), serviceName(to));
    s.labels.insert(QStringLiteral("destination_service_namespace"), namespaceOf(to, namespaces));
    s.labels.insert(QStringLiteral("request_protocol"), QStringLiteral("http"));
    s.labels.insert(QStringLiteral("response_code"), code);
    s.labels.insert(QStringLiteral("response_flags"), QStringLiteral("-"));
    s.labels.insert(QStringLiteral("reporter"), reporter);
    s.value = rps;
    return s;
}

// The answers a mesh of `services` workloads and `edges` calls over `namespaces` would give,
// both reporters, some 5xx, a p95 per edge; the first three services called from outside.
AppenderInputs generatedMesh(int services, int edges, int namespaces)
{
    AppenderInputs in;
    Vector &src = in.results[QStringLiteral("traffic.requests.source")];
    Vector &dst = in.results[QStringLiteral("traffic.requests.destination")];
    Vector &rt = in.results[QStringLiteral("responseTime.source")];
    int n = 0;
    for (const auto &[a, b] : callPairs(services, edges)) {
        const double rps = 1.0 + (n % 17);
        src << requestSample(a, b, namespaces, QStringLiteral("source"), QStringLiteral("200"), rps);
        dst << requestSample(a, b, namespaces, QStringLiteral("destination"), QStringLiteral("200"), rps);
        if (n % 23 == 0)
            src << requestSample(a, b, namespaces, QStringLiteral("source"), QStringLiteral("503"), rps / 10);
        Sample t = src.last();
        t.labels.remove(QStringLiteral("response_code"));
        t.labels.remove(QStringLiteral("response_flags"));
        t.value = 5.0 + n % 40;
        rt << t;
        ++n;
    }
    for (int i = 0; i < 3; ++i)
        dst << requestSample(-1, i, namespaces, QStringLiteral("destination"), QStringLiteral("200"), 10);
    for (int i = 0; i < services; ++i)
        in.inventory.workloads.append({namespaceOf(i, namespaces), serviceName(i), serviceName(i), QStringLiteral("v1"), 1});
    return in;
}

GraphOptions meshOptions(int namespaces)
{
    GraphOptions o;
    o.type = GraphType::Workload;
    for (int i = 0; i < namespaces; ++i)
        o.namespaces << QStringLiteral("ns%1").arg(i);
    return o;
}

Graph smallGraph()
{
    return buildGraph(meshOptions(3), generatedMesh(24, 40, 3));
}

Edge extraEdge(const Graph &g, QString *fromOut = nullptr, QString *toOut = nullptr)
{
    // The first pair of existing nodes without an edge: one more call in the next refresh.
    const QStringList ids = g.nodes.keys();
    for (const QString &from : ids) {
        for (const QString &to : ids) {
            Edge e;
            e.source = from;
            e.target = to;
            if (from != to && from.startsWith(QLatin1String("workload")) && !g.edges.contains(e.key())) {
                bool reverse = false;
                for (const Edge &x : g.edges)
                    reverse = reverse || (x.source == to && x.target == from);
                if (reverse)
                    continue;
                e.rps = 1;
                if (fromOut)
                    *fromOut = from;
                if (toOut)
                    *toOut = to;
                return e;
            }
        }
    }
    return {};
}

double meanDisplacement(const GraphLayout &a, const GraphLayout &b)
{
    double sum = 0;
    int n = 0;
    for (auto it = a.nodes.cbegin(); it != a.nodes.cend(); ++it) {
        if (!b.nodes.contains(it.key()))
            continue;
        const QPointF d = b.nodes.value(it.key()).center() - it.value().center();
        sum += std::hypot(d.x(), d.y());
        ++n;
    }
    return n ? sum / n : 0;
}

} // namespace

class TestGraphLayout : public QObject
{
    Q_OBJECT

private slots:
    void deterministicLeftToRight()
    {
        const Graph g = smallGraph();
        QVERIFY(g.nodes.size() > 20);
        const GraphLayout first = layoutGraph(g);
        const GraphLayout second = layoutGraph(g);
        QVERIFY2(first.error.isEmpty(), qPrintable(first.error));
        QCOMPARE(first.method, GraphLayout::Method::Dot);
        QCOMPARE(first.nodes.size(), g.nodes.size());
        QCOMPARE(first.edges.size(), g.edges.size());
        QCOMPARE(second.nodes, first.nodes);
        for (auto it = first.edges.cbegin(); it != first.edges.cend(); ++it)
            QCOMPARE(second.edges.value(it.key()).path, it.value().path);

        // Left to right: callers left of whom they call, boxes apart, inside the bounds.
        for (const Edge &e : g.edges)
            QVERIFY2(first.nodes.value(e.source).center().x() < first.nodes.value(e.target).center().x(), qPrintable(e.key()));
        const QList<QRectF> rects = first.nodes.values();
        for (int i = 0; i < rects.size(); ++i) {
            QVERIFY(first.bounds.contains(rects.at(i)));
            for (int j = i + 1; j < rects.size(); ++j)
                QVERIFY(!rects.at(i).intersects(rects.at(j)));
        }
        // Sizes are the model's, so the view can draw into them.
        for (const Node &n : g.nodes)
            QCOMPARE(first.nodes.value(n.id).size().toSize(), nodeSize(n).toSize());
    }

    void refreshWithOneMoreEdgeKeepsPositions()
    {
        const Graph g = smallGraph();
        const GraphLayout before = layoutGraph(g);
        Graph next = g;
        QString from, to;
        const Edge added = extraEdge(g, &from, &to);
        QVERIFY(!added.source.isEmpty());
        next.edges.insert(added.key(), added);

        const GraphLayout after = layoutGraph(next, &before);
        QCOMPARE(after.method, GraphLayout::Method::KeptPositions);
        QCOMPARE(meanDisplacement(before, after), 0.0);
        for (auto it = before.nodes.cbegin(); it != before.nodes.cend(); ++it)
            QVERIFY(qAbs(after.nodes.value(it.key()).center().x() - it.value().center().x()) < 0.01);
        // The new edge is routed between its nodes.
        const EdgeGeometry geo = after.edges.value(added.key());
        QVERIFY(geo.path.size() >= 4);
        auto near = [](const QRectF &r, QPointF p) { return r.adjusted(-12, -12, 12, 12).contains(p); };
        QVERIFY(near(after.nodes.value(from), geo.path.first()));
        QVERIFY(near(after.nodes.value(to), geo.hasArrow ? geo.arrowTip : geo.path.last()));
        QCOMPARE(after.edges.size(), next.edges.size());

        // What dot alone would have done with the same change, for the record.
        qInfo("one added edge: kept positions move nodes 0 pt; a dot relayout moves them %.1f pt on average",
              meanDisplacement(before, layoutGraph(next)));
    }

    void refreshWithNewNodeLaysOutAgain()
    {
        const Graph g = smallGraph();
        const GraphLayout before = layoutGraph(g);
        Graph next = g;
        Node extra;
        extra.id = nodeId(NodeKind::Workload, QStringLiteral("ns0"), QStringLiteral("newcomer"), {}, {});
        extra.name = QStringLiteral("newcomer");
        extra.namespaceName = QStringLiteral("ns0");
        next.nodes.insert(extra.id, extra);
        Edge e;
        e.source = g.nodes.keys().at(g.nodes.size() / 2); // called from the middle of the graph
        e.target = extra.id;
        e.rps = 1;
        next.edges.insert(e.key(), e);
        const GraphLayout after = layoutGraph(next, &before);
        QCOMPARE(after.method, GraphLayout::Method::Dot);
        QVERIFY(after.nodes.contains(extra.id));
        // dot sees the old nodes in the same order with the newcomer among them: the ranks and
        // their order stay, the existing nodes move less than a node's height on average.
        const double moved = meanDisplacement(before, after);
        qInfo("one added node and edge: dot relayout moves existing nodes %.1f pt on average", moved);
        QVERIFY(moved < nodeSize(extra).height());
    }

    void workerLaysOutOffTheGuiThread()
    {
        const Graph g = smallGraph();
        GraphLayoutWorker worker;
        QSignalSpy spy(&worker, &GraphLayoutWorker::layoutFinished);
        const quint64 id = worker.requestLayout(g);
        QVERIFY(spy.wait(20000));
        QCOMPARE(spy.first().at(0).toULongLong(), id);
        const GraphLayout first = spy.first().at(1).value<GraphLayout>();
        QVERIFY(first.thread);
        QVERIFY(first.thread != QThread::currentThread());
        QCOMPARE(first.thread, worker.layoutThread());
        QCOMPARE(first.nodes, layoutGraph(g).nodes);

        // The worker keeps the last layout as the next refresh's positions.
        worker.requestLayout(g);
        QVERIFY(spy.wait(20000));
        const GraphLayout second = spy.last().at(1).value<GraphLayout>();
        QCOMPARE(second.method, GraphLayout::Method::KeptPositions);
        QCOMPARE(second.nodes, first.nodes);

        worker.resetPositions();
        worker.requestLayout(g);
        QVERIFY(spy.wait(20000));
        QCOMPARE(spy.last().at(1).value<GraphLayout>().method, GraphLayout::Method::Dot);
    }

    void overtakenRequestsAreSkipped()
    {
        GraphLayoutWorker worker;
        QSignalSpy spy(&worker, &GraphLayoutWorker::layoutFinished);
        // A large graph keeps the worker busy while four more requests are queued behind it:
        // the three in between are overtaken before the worker gets to them.
        const Graph large = buildGraph(meshOptions(10), generatedMesh(200, 600, 10));
        const Graph small = smallGraph();
        const quint64 first = worker.requestLayout(large);
        quint64 last = 0;
        for (int i = 0; i < 4; ++i)
            last = worker.requestLayout(small);
        QTRY_VERIFY_WITH_TIMEOUT(!spy.isEmpty() && spy.last().at(0).toULongLong() == last, 20000);
        QTest::qWait(50);
        QVERIFY(spy.size() <= 2);
        QCOMPARE(spy.last().at(0).toULongLong(), last);
        QCOMPARE(spy.last().at(1).value<GraphLayout>().nodes.size(), small.nodes.size());
        if (spy.size() == 2)
            QCOMPARE(spy.first().at(0).toULongLong(), first);
    }

    // Not a benchmark yet (that one comes with the real Prometheus): a number in the log.
    void buildAndLayout200Services600Edges()
    {
        const AppenderInputs in = generatedMesh(200, 600, 10);
        const GraphOptions o = meshOptions(10);
        QElapsedTimer timer;
        timer.start();
        const Graph g = buildGraph(o, in);
        const qint64 buildMs = timer.restart();
        const GraphLayout layout = layoutGraph(g);
        const qint64 layoutMs = timer.restart();
        Graph refreshed = g;
        const Edge added = extraEdge(g);
        refreshed.edges.insert(added.key(), added);
        const GraphLayout kept = layoutGraph(refreshed, &layout);
        const qint64 keptMs = timer.elapsed();
        QCOMPARE(g.nodes.size(), 201); // 200 workloads and "unknown"
        QCOMPARE(g.edges.size(), 603);
        QVERIFY(layout.error.isEmpty());
        QCOMPARE(layout.nodes.size(), 201);
        QCOMPARE(kept.method, GraphLayout::Method::KeptPositions);
        qInfo("200 services / 600 edges over 10 namespaces: build %lld ms, dot layout %lld ms, "
              "refresh with kept positions %lld ms",
              buildMs, layoutMs, keptMs);
    }
};

QTEST_GUILESS_MAIN(TestGraphLayout)
#include "tst_graphlayout.moc"
