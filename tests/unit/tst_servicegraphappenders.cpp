// The service graph appenders, one test each on the mesh fixture (shop and cafe), their order,
// the queries they build and the four graph types.
#include "servicegraph/appenders.h"
#include "servicegraphfixture.h"

#include <QTest>

using namespace pilothouse::backends::servicegraph;

namespace {

QString wl(const QString &ns, const QString &name) { return nodeId(NodeKind::Workload, ns, name, {}, {}); }
QString svc(const QString &ns, const QString &name) { return nodeId(NodeKind::Service, ns, name, {}, {}); }
QString app(const QString &ns, const QString &a) { return nodeId(NodeKind::App, ns, {}, a, {}); }
QString vapp(const QString &ns, const QString &a, const QString &v) { return nodeId(NodeKind::VersionedApp, ns, {}, a, v); }
QString unknown() { return nodeId(NodeKind::Unknown, {}, QStringLiteral("unknown"), {}, {}); }

QString edgeKey(const QString &from, const QString &to, Protocol p = Protocol::Http)
{
    Edge e;
    e.source = from;
    e.target = to;
    e.protocol = p;
    return e.key();
}

GraphOptions options(GraphType type)
{
    GraphOptions o;
    o.type = type;
    o.namespaces = {QStringLiteral("shop"), QStringLiteral("cafe")};
    o.durationSeconds = 60;
    return o;
}

// Runs the pipeline up to and including the appender named `last`.
Graph runUpTo(const QString &last, const GraphOptions &o, const AppenderInputs &in)
{
    Graph g;
    g.type = o.type;
    g.namespaces = o.namespaces;
    for (const auto &a : appenderPipeline()) {
        a->apply(g, o, in);
        g.appendersRun << a->name();
        if (a->name() == last)
            break;
    }
    return g;
}

} // namespace

class TestServiceGraphAppenders : public QObject
{
    Q_OBJECT

private:
    AppenderInputs m_in;

private slots:
    void initTestCase()
    {
        m_in = servicegraphfixture::loadInputs(QStringLiteral("mesh.json"));
        QVERIFY(m_in.results.size() == 6);
    }

    void appenderOrder()
    {
        const QStringList expected = {QStringLiteral("traffic"), QStringLiteral("deadNode"),
                                      QStringLiteral("responseTime"), QStringLiteral("errorRate"),
                                      QStringLiteral("idleNode"), QStringLiteral("health"),
                                      QStringLiteral("trafficGenerator")};
        QStringList names;
        for (const auto &a : appenderPipeline())
            names << a->name();
        QCOMPARE(names, expected);
        QCOMPARE(buildGraph(options(GraphType::Workload), m_in).appendersRun, expected);
    }

    void queries()
    {
        const QList<Query> qs = graphQueries(options(GraphType::Workload));
        QHash<QString, QString> byKey;
        for (const Query &q : qs)
            byKey.insert(q.key, q.promql);
        QCOMPARE(byKey.size(), qs.size());
        QCOMPARE(byKey.value(QStringLiteral("traffic.requests.destination")),
                 QStringLiteral("sum(rate(istio_requests_total{reporter=\"destination\","
                                "destination_workload_namespace=~\"shop|cafe\"}[60s])) by ("
                                "source_workload_namespace,source_workload,source_canonical_service,"
                                "source_canonical_revision,destination_service_namespace,destination_service_name,"
                                "destination_workload_namespace,destination_workload,destination_canonical_service,"
                                "destination_canonical_revision,request_protocol,response_code,grpc_response_status,"
                                "response_flags) > 0"));
        QVERIFY(byKey.value(QStringLiteral("traffic.requests.source"))
                    .startsWith(QStringLiteral("sum(rate(istio_requests_total{reporter=\"source\","
                                               "source_workload_namespace=~\"shop|cafe\"}[60s]))")));
        QVERIFY(byKey.value(QStringLiteral("traffic.tcp.source"))
                    .startsWith(QStringLiteral("sum(rate(istio_tcp_sent_bytes_total{reporter=\"source\"")));
        QVERIFY(byKey.value(QStringLiteral("responseTime.source"))
                    .startsWith(QStringLiteral("histogram_quantile(0.95, sum(rate("
                                               "istio_request_duration_milliseconds_bucket{reporter=\"source\","
                                               "source_workload_namespace=~\"shop|cafe\"}[60s])) by (le,")));

        GraphOptions o = options(GraphType::Workload);
        o.namespaces = {QStringLiteral("shop")};
        o.durationSeconds = 300;
        o.responseTime = ResponseTimeStat::Avg;
        const QString avg = ResponseTimeAppender().queries(o).first().promql;
        QVERIFY(avg.contains(QStringLiteral("istio_request_duration_milliseconds_sum{reporter=\"source\","
                                            "source_workload_namespace=\"shop\"}[300s]")));
        QVERIFY(avg.contains(QStringLiteral(") / sum(rate(istio_request_duration_milliseconds_count{")));
        o.responseTime = ResponseTimeStat::P99;
        QVERIFY(ResponseTimeAppender().queries(o).first().promql.startsWith(QStringLiteral("histogram_quantile(0.99, ")));
        QCOMPARE(namespaceMatcher(QStringLiteral("l"), {QStringLiteral("a.b"), QStringLiteral("c")}),
                 QStringLiteral("l=~\"a\\\\.b|c\""));
    }

    void trafficAppender()
    {
        Graph g;
        TrafficAppender().apply(g, options(GraphType::Workload), m_in);
        // Between two mesh workloads the source reporter counts: 9.5 + 0.5 failed before the
        // destination saw them (the destination reporter says 9.5 and no error).
        const Edge cart = g.edges.value(edgeKey(wl("shop", "frontend"), wl("shop", "cart")));
        QCOMPARE(cart.rps, 10.0);
        QCOMPARE(cart.errorRps, 0.5);
        // From outside the mesh and from a namespace not asked for: the destination reporter.
        QCOMPARE(g.edges.value(edgeKey(unknown(), wl("shop", "frontend"))).rps, 2.0);
        QCOMPARE(g.edges.value(edgeKey(wl("istio-system", "istio-ingressgateway"), wl("shop", "frontend"))).rps, 8.0);
        QVERIFY(g.node(unknown())->isOutsideMesh);
        QVERIFY(g.node(wl("istio-system", "istio-ingressgateway"))->isIngressGateway);
        // gRPC: status 14 with HTTP 200 is an error; 4xx is a client error, not an error.
        const Edge catalog = g.edges.value(edgeKey(wl("shop", "frontend"), wl("shop", "productcatalog-v1"), Protocol::Grpc));
        QCOMPARE(catalog.rps, 6.0);
        QCOMPARE(catalog.errorRps, 0.3);
        const Edge currency = g.edges.value(edgeKey(wl("shop", "frontend"), wl("shop", "currency")));
        QCOMPARE(currency.clientErrorRps, 0.5);
        QCOMPARE(currency.errorRps, 0.0);
        // TCP from istio_tcp_sent_bytes_total, source reporter preferred.
        const Edge redis = g.edges.value(edgeKey(wl("shop", "cart"), wl("shop", "redis"), Protocol::Tcp));
        QCOMPARE(redis.tcpBytesPerSecond, 1200.0);
        QCOMPARE(redis.rps, 0.0);
        // No workload answering: the service is the node.
        QCOMPARE(g.edges.value(edgeKey(wl("shop", "frontend"), svc("shop", "ads"))).errorRps, 0.2);
        QCOMPARE(g.node(svc("shop", "ads"))->kind, NodeKind::Service);
        // Both namespaces at once.
        QVERIFY(g.edges.contains(edgeKey(wl("cafe", "cafe-gateway"), wl("cafe", "order"))));
        // The zero-rate destination is still there: removing it is the dead node appender's job.
        QVERIFY(g.node(wl("shop", "recommendation-old")));
        QCOMPARE(g.edges.size(), 13);
    }

    void deadNodeAppender()
    {
        const GraphOptions o = options(GraphType::Workload);
        Graph g;
        TrafficAppender().apply(g, o, m_in);
        DeadNodeAppender().apply(g, o, m_in);
        QVERIFY(!g.node(wl("shop", "recommendation-old")));
        QVERIFY(!g.edges.contains(edgeKey(wl("shop", "frontend"), wl("shop", "recommendation-old"))));
        QVERIFY(g.node(wl("shop", "payment"))->isDead);   // listed with 0 pods, still called
        QVERIFY(!g.node(wl("shop", "cart"))->isDead);
        QVERIFY(g.node(svc("shop", "ads")));               // has traffic
        QVERIFY(g.node(unknown()));

        // The cluster not listed is not "everything gone".
        Graph h;
        AppenderInputs noInventory = m_in;
        noInventory.inventory = {};
        TrafficAppender().apply(h, o, noInventory);
        DeadNodeAppender().apply(h, o, noInventory);
        QVERIFY(h.node(wl("shop", "recommendation-old")));
    }

    void responseTimeAppender()
    {
        GraphOptions o = options(GraphType::Workload);
        Graph g = runUpTo(QStringLiteral("responseTime"), o, m_in);
        const Edge cart = g.edges.value(edgeKey(wl("shop", "frontend"), wl("shop", "cart")));
        QCOMPARE(cart.responseTime(ResponseTimeStat::P95), 12.5); // source reporter, not the 11 of the destination
        QVERIFY(std::isnan(cart.responseTime(ResponseTimeStat::P50)));
        QCOMPARE(g.edges.value(edgeKey(wl("istio-system", "istio-ingressgateway"), wl("shop", "frontend")))
                     .responseTime(ResponseTimeStat::P95), 8.0);
        // histogram_quantile's NaN (no requests in a bucket window) stays unknown.
        QVERIFY(std::isnan(g.edges.value(edgeKey(wl("shop", "checkout"), wl("shop", "payment")))
                               .responseTime(ResponseTimeStat::P95)));

        // The statistic selected is where the answer goes.
        o.responseTime = ResponseTimeStat::P99;
        g = runUpTo(QStringLiteral("responseTime"), o, m_in);
        QCOMPARE(g.edges.value(edgeKey(wl("shop", "frontend"), wl("shop", "cart"))).responseTime(ResponseTimeStat::P99), 12.5);

        // Folded into one app node, the slower revision speaks for the edge.
        o = options(GraphType::App);
        g = runUpTo(QStringLiteral("responseTime"), o, m_in);
        QCOMPARE(g.edges.value(edgeKey(app("shop", "frontend"), app("shop", "productcatalog"), Protocol::Grpc))
                     .responseTime(ResponseTimeStat::P95), 45.0);
    }

    void errorRateAppender()
    {
        Graph g = runUpTo(QStringLiteral("errorRate"), options(GraphType::Workload), m_in);
        QCOMPARE(g.edges.value(edgeKey(wl("shop", "frontend"), wl("shop", "cart"))).errorPercent, 5.0);
        QCOMPARE(g.edges.value(edgeKey(wl("shop", "frontend"), wl("shop", "productcatalog-v1"), Protocol::Grpc)).errorPercent, 5.0);
        const Edge currency = g.edges.value(edgeKey(wl("shop", "frontend"), wl("shop", "currency")));
        QCOMPARE(currency.errorPercent, 0.0);
        QVERIFY(qAbs(currency.clientErrorPercent - 100.0 / 7.0) < 1e-9);
        const Node *cart = g.node(wl("shop", "cart"));
        QCOMPARE(cart->inboundRps, 10.0);
        QCOMPARE(cart->inboundErrorPercent, 5.0);
        QVERIFY(qAbs(g.node(wl("shop", "frontend"))->outboundRps - 21.7) < 1e-9);
        QCOMPARE(g.node(wl("shop", "frontend"))->inboundRps, 10.0);
    }

    void idleNodeAppender()
    {
        GraphOptions o = options(GraphType::VersionedApp);
        Graph g = runUpTo(QStringLiteral("idleNode"), o, m_in);
        QVERIFY(g.node(vapp("shop", "email", "v1")));
        QVERIFY(g.node(vapp("shop", "email", "v1"))->isIdle);
        QVERIFY(g.node(vapp("cafe", "inventory", "v1"))->isIdle);
        QVERIFY(!g.node(vapp("shop", "cart", "v1"))->isIdle);

        o.idleNodes = false;
        QVERIFY(!runUpTo(QStringLiteral("idleNode"), o, m_in).node(vapp("shop", "email", "v1")));

        // The service graph's idle nodes are the cluster's services.
        o = options(GraphType::Service);
        g = runUpTo(QStringLiteral("idleNode"), o, m_in);
        QVERIFY(g.node(svc("cafe", "inventory"))->isIdle);
        QVERIFY(!g.node(svc("shop", "cart"))->isIdle);
    }

    void healthAppender()
    {
        Graph g = runUpTo(QStringLiteral("health"), options(GraphType::Workload), m_in);
        auto edge = [&](const QString &from, const QString &to, Protocol p = Protocol::Http) {
            return g.edges.value(edgeKey(from, to, p)).health;
        };
        QCOMPARE(edge(wl("shop", "frontend"), wl("shop", "cart")), Health::Degraded);      // 5 % 5xx
        QCOMPARE(edge(wl("shop", "frontend"), wl("shop", "currency")), Health::Degraded);  // 14 % 4xx
        QCOMPARE(edge(wl("shop", "frontend"), svc("shop", "ads")), Health::Failure);       // 100 % 503
        QCOMPARE(edge(wl("cafe", "kiosk"), wl("cafe", "cafe-gateway")), Health::Healthy);
        QCOMPARE(edge(wl("shop", "cart"), wl("shop", "redis"), Protocol::Tcp), Health::Healthy);
        QCOMPARE(g.node(wl("shop", "cart"))->health, Health::Degraded);
        QCOMPARE(g.node(wl("shop", "payment"))->health, Health::Failure);  // no pods, called
        QCOMPARE(g.node(wl("shop", "email"))->health, Health::NoTraffic);  // idle: grey, not green
        QCOMPARE(g.node(wl("cafe", "kiosk"))->health, Health::Healthy);    // a root, by what it sends

        // Kiali's default thresholds at their edges.
        struct Case { double rps, err, client; Health expected; };
        const Case cases[] = {{100, 0, 0, Health::Healthy},    {100, 0.01, 0, Health::Degraded},
                              {100, 9.9, 0, Health::Degraded}, {100, 10, 0, Health::Failure},
                              {100, 0, 9.9, Health::Healthy},  {100, 0, 10, Health::Degraded},
                              {100, 0, 20, Health::Failure},   {0, 0, 0, Health::NoTraffic}};
        for (const Case &c : cases) {
            Graph t;
            Edge e;
            e.source = QStringLiteral("a");
            e.target = QStringLiteral("b");
            e.rps = c.rps;
            e.errorRps = c.err;
            e.clientErrorRps = c.client;
            t.edges.insert(e.key(), e);
            HealthAppender().apply(t, options(GraphType::Workload), m_in);
            QCOMPARE(t.edges.first().health, c.expected);
        }
    }

    void trafficGeneratorAppender()
    {
        Graph g = runUpTo(QStringLiteral("trafficGenerator"), options(GraphType::Workload), m_in);
        QVERIFY(g.node(unknown())->isRoot);
        QVERIFY(g.node(wl("istio-system", "istio-ingressgateway"))->isRoot);
        QVERIFY(g.node(wl("cafe", "kiosk"))->isRoot);
        QVERIFY(!g.node(wl("shop", "frontend"))->isRoot);
        QVERIFY(!g.node(wl("shop", "email"))->isRoot); // idle: sends nothing
        QVERIFY(!g.node(wl("shop", "redis"))->isRoot);
    }

    void graphTypes()
    {
        // Versioned app: a rollout's two revisions are two nodes.
        Graph g = buildGraph(options(GraphType::VersionedApp), m_in);
        QVERIFY(g.node(vapp("shop", "productcatalog", "v1")));
        QVERIFY(g.node(vapp("shop", "productcatalog", "v2")));
        QCOMPARE(g.edges.value(edgeKey(vapp("shop", "frontend", "v1"), vapp("shop", "productcatalog", "v2"), Protocol::Grpc)).rps, 1.0);
        QCOMPARE(g.node(vapp("shop", "productcatalog", "v2"))->kind, NodeKind::VersionedApp);

        // App: one node for both revisions, their traffic added.
        g = buildGraph(options(GraphType::App), m_in);
        QVERIFY(!g.node(vapp("shop", "productcatalog", "v1")));
        QCOMPARE(g.edges.value(edgeKey(app("shop", "frontend"), app("shop", "productcatalog"), Protocol::Grpc)).rps, 7.0);

        // Workload: one node per workload.
        g = buildGraph(options(GraphType::Workload), m_in);
        QVERIFY(g.node(wl("shop", "productcatalog-v1")));
        QVERIFY(g.node(wl("shop", "productcatalog-v2")));
        QVERIFY(!g.node(app("shop", "productcatalog")));

        // Service: callers are the services in front of their workloads; gateways, jobs and
        // "unknown" stay as they are.
        g = buildGraph(options(GraphType::Service), m_in);
        QCOMPARE(g.edges.value(edgeKey(svc("shop", "frontend"), svc("shop", "cart"))).rps, 10.0);
        QCOMPARE(g.edges.value(edgeKey(svc("shop", "frontend"), svc("shop", "productcatalog"), Protocol::Grpc)).rps, 7.0);
        QVERIFY(g.edges.contains(edgeKey(wl("istio-system", "istio-ingressgateway"), svc("shop", "frontend"))));
        QVERIFY(g.edges.contains(edgeKey(wl("cafe", "kiosk"), svc("cafe", "gateway"))));
        QVERIFY(g.edges.contains(edgeKey(svc("cafe", "gateway"), svc("cafe", "order"))));
        QVERIFY(g.node(wl("cafe", "kiosk"))->isRoot);
        for (const Node &n : g.nodes)
            QVERIFY2(n.kind != NodeKind::App && n.kind != NodeKind::VersionedApp, qPrintable(n.id));
    }

    void injectedServiceNodes()
    {
        // Caller -> service -> revisions: the rollout's split shows behind its one service.
        GraphOptions o = options(GraphType::VersionedApp);
        o.injectServiceNodes = true;
        Graph g = buildGraph(o, m_in);
        const QString frontend = vapp("shop", "frontend", "v1");
        const QString catalog = svc("shop", "productcatalog");
        QCOMPARE(g.edges.value(edgeKey(frontend, catalog, Protocol::Grpc)).rps, 7.0);
        QCOMPARE(g.edges.value(edgeKey(catalog, vapp("shop", "productcatalog", "v1"), Protocol::Grpc)).rps, 6.0);
        QCOMPARE(g.edges.value(edgeKey(catalog, vapp("shop", "productcatalog", "v2"), Protocol::Grpc)).rps, 1.0);
        QVERIFY(!g.edges.contains(edgeKey(frontend, vapp("shop", "productcatalog", "v2"), Protocol::Grpc)));
        QCOMPARE(g.edges.value(edgeKey(catalog, vapp("shop", "productcatalog", "v2"), Protocol::Grpc))
                     .responseTime(ResponseTimeStat::P95), 45.0);
        QCOMPARE(g.edges.value(edgeKey(svc("shop", "redis"), vapp("shop", "redis", "latest"), Protocol::Tcp)).tcpBytesPerSecond, 1200.0);
        QCOMPARE(g.node(catalog)->health, Health::Degraded); // 0.3 of 7 rps failed
        QVERIFY(!g.node(catalog)->isRoot);
        // A service without workloads stays the end of its edge.
        QVERIFY(g.edges.contains(edgeKey(frontend, svc("shop", "ads"))));
    }

    void noAnswersNoGraph()
    {
        // Prometheus down: no answers is an empty graph, never a healthy one.
        Graph g = buildGraph(options(GraphType::Workload), AppenderInputs{});
        QVERIFY(g.nodes.isEmpty());
        QVERIFY(g.edges.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestServiceGraphAppenders)
#include "tst_servicegraphappenders.moc"
