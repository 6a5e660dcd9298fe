// Widget test (offscreen): the Service graph page against a scripted Prometheus answering the
// graph's queries from tests/data/servicegraph/mesh.json. Nodes and edges are drawn with their
// health colours and labels; a graph type change re-queries and redraws (the versioned app graph
// shows productcatalog's two revisions); find highlights; hide removes nodes and the others keep
// their places; a click asks for the workload; Prometheus stopped → the reason shown over the
// last graph, dimmed; back → recovers.
#include "http/httpengine.h"
#include "metrics/valueformat.h"
#include "prometheus/prometheusclient.h"
#include "servicegraph/servicegraphview.h"
#include "simprocess.h"
#include "style/statuspalette.h"

#include <httplib.h>

#include <QComboBox>
#include <QFile>
#include <QGraphicsPathItem>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QMutex>
#include <QSignalSpy>
#include <QTest>

#include <thread>

using namespace pilothouse;
using namespace pilothouse::testsupport;
using namespace pilothouse::backends::servicegraph;
using widgets::ServiceGraphView;
using widgets::StatusPalette;
using models::StatusTone;

namespace {

QString wl(const QString &ns, const QString &name) { return nodeId(NodeKind::Workload, ns, name, {}, {}); }
QString vapp(const QString &ns, const QString &app, const QString &v) { return nodeId(NodeKind::VersionedApp, ns, {}, app, v); }
QString svc(const QString &ns, const QString &name) { return nodeId(NodeKind::Service, ns, name, {}, {}); }
QString edgeKey(const QString &from, const QString &to, Protocol protocol = Protocol::Http)
{
    Edge e;
    e.source = from;
    e.target = to;
    e.protocol = protocol;
    return e.key();
}

QJsonObject loadFixture()
{
    QFile file(QStringLiteral(PILOTHOUSE_SOURCE "/tests/data/servicegraph/mesh.json"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("mesh.json missing");
    return QJsonDocument::fromJson(file.readAll()).object();
}

ClusterInventory inventoryOf(const QJsonObject &root)
{
    ClusterInventory inv;
    const QJsonObject o = root.value(QLatin1String("inventory")).toObject();
    for (const QJsonValue &w : o.value(QLatin1String("workloads")).toArray()) {
        const QJsonObject x = w.toObject();
        inv.workloads.append({x.value(QLatin1String("namespace")).toString(), x.value(QLatin1String("name")).toString(),
                              x.value(QLatin1String("app")).toString(), x.value(QLatin1String("version")).toString(),
                              x.value(QLatin1String("pods")).toInt()});
    }
    for (const QJsonValue &s : o.value(QLatin1String("services")).toArray()) {
        const QJsonObject x = s.toObject();
        inv.services.append({x.value(QLatin1String("namespace")).toString(), x.value(QLatin1String("name")).toString()});
    }
    return inv;
}

// The fixture's answer key a query stands for: metric family and reporter.
QString keyOf(const QString &promql)
{
    const QString reporter = promql.contains(QLatin1String("reporter=\"source\"")) ? QStringLiteral("source") : QStringLiteral("destination");
    if (promql.contains(QLatin1String("istio_tcp_sent_bytes_total")))
        return QStringLiteral("traffic.tcp.") + reporter;
    if (promql.contains(QLatin1String("istio_request_duration_milliseconds")))
        return QStringLiteral("responseTime.") + reporter;
    return QStringLiteral("traffic.requests.") + reporter;
}

}  // namespace

class TestServiceGraphView : public QObject {
    Q_OBJECT

    std::unique_ptr<httplib::Server> m_server;
    std::thread m_thread;
    int m_port = 0;
    QMutex m_mutex;
    QStringList m_queries;
    QHash<QString, std::string> m_answers;  // by fixture key, whole envelopes
    QJsonObject m_fixture;
    std::unique_ptr<backends::http::HttpEngine> m_engine;
    std::unique_ptr<backends::prometheus::PrometheusClient> m_client;
    std::unique_ptr<ServiceGraphView> m_view;

    void startServer(int port = 0)
    {
        m_server = std::make_unique<httplib::Server>();
        const auto answer = [this](const httplib::Request &req, httplib::Response &res) {
            if (req.path.find("/label/") != std::string::npos) {
                res.set_content("{\"status\":\"success\",\"data\":[\"billing\",\"cafe\",\"shop\"]}", "application/json");
                return;
            }
            const QString promql = QString::fromStdString(req.get_param_value("query"));
            QMutexLocker lock(&m_mutex);
            m_queries << promql;
            res.set_content(m_answers.value(keyOf(promql)), "application/json");
        };
        m_server->Get(".*", answer);
        m_server->Post(".*", answer);
        m_port = port ? (m_server->bind_to_port("127.0.0.1", port) ? port : 0) : m_server->bind_to_any_port("127.0.0.1");
        QVERIFY(m_port > 0);
        m_thread = std::thread([this] { m_server->listen_after_bind(); });
    }
    void stopServer()
    {
        m_server->stop();
        if (m_thread.joinable())
            m_thread.join();
    }
    int queriesWith(const QString &needle)
    {
        QMutexLocker lock(&m_mutex);
        int n = 0;
        for (const QString &q : std::as_const(m_queries))
            n += q.contains(needle) ? 1 : 0;
        return n;
    }
    QColor penOf(QGraphicsPathItem *item) const { return item ? item->pen().color() : QColor(); }
    void pick(QComboBox *combo, int index)
    {
        combo->setCurrentIndex(index);
        Q_EMIT combo->activated(index);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_fixture = loadFixture();
        const QJsonObject results = m_fixture.value(QLatin1String("results")).toObject();
        for (auto it = results.begin(); it != results.end(); ++it) {
            QJsonObject data{{QStringLiteral("resultType"), QStringLiteral("vector")}, {QStringLiteral("result"), it.value()}};
            QJsonObject envelope{{QStringLiteral("status"), QStringLiteral("success")}, {QStringLiteral("data"), data}};
            m_answers.insert(it.key(), QJsonDocument(envelope).toJson(QJsonDocument::Compact).toStdString());
        }
        startServer();
        m_engine = std::make_unique<backends::http::HttpEngine>();
        m_client = std::make_unique<backends::prometheus::PrometheusClient>(m_engine.get());
        backends::prometheus::PrometheusServer server;
        server.url = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
        QVERIFY(m_client->setServer(server).ok());
        m_view = std::make_unique<ServiceGraphView>(m_client.get());
        m_view->setInventory(inventoryOf(m_fixture));
        m_view->resize(1400, 900);
        m_view->show();
    }

    void cleanupTestCase()
    {
        m_view.reset();
        m_client.reset();
        m_engine.reset();
        stopServer();
    }

    void drawsTheWorkloadGraphWithHealthColours()
    {
        QCOMPARE(m_view->selectedNamespaces(), (QStringList{QStringLiteral("cafe"), QStringLiteral("shop")}));
        QVERIFY(eventually([&] { return m_view->drawCount() > 0; }));
        QCOMPARE(m_view->graph().type, GraphType::Workload);
        // Every query of the pipeline was sent, for both namespaces.
        QCOMPARE(queriesWith(QStringLiteral("istio_requests_total")), 2);
        QVERIFY(queriesWith(QStringLiteral("source_workload_namespace=~\"cafe|shop\"")) > 0);
        QVERIFY(queriesWith(QStringLiteral("histogram_quantile(0.95")) > 0);
        // The namespaces Prometheus knows are offered beside the cluster's.
        QVERIFY(eventually([&] { return m_view->offeredNamespaces().contains(QStringLiteral("billing")); }));

        for (const QString &id : {wl("shop", "frontend"), wl("shop", "cart"), wl("shop", "payment"), wl("shop", "email"), wl("cafe", "kiosk")})
            QVERIFY2(m_view->nodeItem(id), qPrintable(id));
        // Edges: 5 % 5xx degraded, 100 % 503 failing, clean healthy.
        const QString cart = edgeKey(wl("shop", "frontend"), wl("shop", "cart"));
        const QString ads = edgeKey(wl("shop", "frontend"), svc("shop", "ads"));
        const QString checkout = edgeKey(wl("shop", "frontend"), wl("shop", "checkout"));
        QVERIFY(m_view->edgeItem(cart) && m_view->edgeItem(ads) && m_view->edgeItem(checkout));
        QCOMPARE(penOf(m_view->edgeItem(cart)), StatusPalette::color(StatusTone::Warning));
        QCOMPARE(penOf(m_view->edgeItem(ads)), StatusPalette::color(StatusTone::Bad));
        QCOMPARE(penOf(m_view->edgeItem(checkout)), StatusPalette::color(StatusTone::Good));
        // Arrowheads hang from the edge.
        QVERIFY(!m_view->edgeItem(cart)->childItems().isEmpty());
        // rps, error % and p95 on the label.
        const QString label = m_view->edgeLabel(cart);
        QVERIFY2(label.contains(models::formatValue(10, QStringLiteral("reqps"))), qPrintable(label));
        QVERIFY2(label.contains(models::formatValue(0.05, QStringLiteral("percentunit"))), qPrintable(label));
        QVERIFY2(label.contains(models::formatValue(12.5, QStringLiteral("ms"))), qPrintable(label));
        // Nodes: a called workload without pods is failing and dead (dashed); an idle one is neutral.
        QGraphicsPathItem *payment = m_view->nodeItem(wl("shop", "payment"));
        QCOMPARE(penOf(payment), StatusPalette::color(StatusTone::Bad));
        QCOMPARE(payment->pen().style(), Qt::DashLine);
        QGraphicsPathItem *email = m_view->nodeItem(wl("shop", "email"));
        QCOMPARE(penOf(email), StatusPalette::color(StatusTone::Neutral));
        QCOMPARE(penOf(m_view->nodeItem(wl("cafe", "kiosk"))), StatusPalette::color(StatusTone::Good));
        QVERIFY(m_view->graph().node(wl("cafe", "kiosk"))->isRoot);
        // Every node of the graph is on the canvas, inside its layout box.
        QCOMPARE(m_view->layout().nodes.size(), m_view->graph().nodes.size());
        for (const Node &n : m_view->graph().nodes)
            QVERIFY2(m_view->nodeItem(n.id), qPrintable(n.id));
        QVERIFY(!m_view->isDimmed());
        QVERIFY(m_view->problemText().isEmpty());
    }

    void typeChangeRequeriesAndRedraws()
    {
        const int before = queriesWith(QStringLiteral("istio_requests_total"));
        const int draws = m_view->drawCount();
        pick(m_view->graphTypePicker(), m_view->graphTypePicker()->findData(int(GraphType::VersionedApp)));
        QVERIFY(eventually([&] { return m_view->drawCount() > draws && m_view->graph().type == GraphType::VersionedApp; }));
        QCOMPARE(queriesWith(QStringLiteral("istio_requests_total")), before + 2);
        const QString v1 = vapp("shop", "productcatalog", "v1");
        const QString v2 = vapp("shop", "productcatalog", "v2");
        QVERIFY(m_view->nodeItem(v1));
        QVERIFY(m_view->nodeItem(v2));
        QVERIFY(!m_view->nodeItem(wl("shop", "productcatalog-v1")));
        // The two revisions' edges keep their own response times.
        const QString front = vapp("shop", "frontend", "v1");
        QVERIFY2(m_view->edgeItem(edgeKey(front, v1, Protocol::Grpc)), qPrintable(m_view->graph().edges.keys().join(QLatin1Char('\n'))));
        QVERIFY2(m_view->edgeLabel(edgeKey(front, v1, Protocol::Grpc)).contains(models::formatValue(30, QStringLiteral("ms"))), qPrintable(m_view->edgeLabel(edgeKey(front, v1, Protocol::Grpc))));
        QVERIFY(m_view->edgeLabel(edgeKey(front, v2, Protocol::Grpc)).contains(models::formatValue(45, QStringLiteral("ms"))));
        // Another response time statistic is another query.
        pick(m_view->responseTimePicker(), m_view->responseTimePicker()->findData(int(ResponseTimeStat::P99)));
        QVERIFY(eventually([&] { return queriesWith(QStringLiteral("histogram_quantile(0.99")) == 2; }));
    }

    void findHighlights()
    {
        m_view->findField()->setText(QStringLiteral("catalog"));
        const QColor highlight = m_view->palette().color(QPalette::Highlight);
        for (const QString &id : {vapp("shop", "productcatalog", "v1"), vapp("shop", "productcatalog", "v2")}) {
            QVERIFY(m_view->nodeItem(id)->data(ServiceGraphView::HighlightData).toBool());
            QCOMPARE(penOf(m_view->nodeItem(id)), highlight);
        }
        QVERIFY(!m_view->nodeItem(vapp("shop", "cart", "v1"))->data(ServiceGraphView::HighlightData).toBool());
        m_view->findField()->clear();
        QVERIFY(!m_view->nodeItem(vapp("shop", "productcatalog", "v1"))->data(ServiceGraphView::HighlightData).toBool());
    }

    void hideRemovesNodesAndOthersStay()
    {
        const QString front = vapp("shop", "frontend", "v1");
        const QPointF where = m_view->nodeItem(front)->pos();
        const int draws = m_view->drawCount();
        m_view->hideField()->setText(QStringLiteral("currency"));
        Q_EMIT m_view->hideField()->editingFinished();
        QVERIFY(eventually([&] { return m_view->drawCount() > draws; }));
        QVERIFY(!m_view->nodeItem(vapp("shop", "currency", "v1")));
        QVERIFY(!m_view->graph().node(vapp("shop", "currency", "v1")));
        QCOMPARE(m_view->nodeItem(front)->pos(), where);
        m_view->hideField()->clear();
        Q_EMIT m_view->hideField()->editingFinished();
        QVERIFY(eventually([&] { return m_view->nodeItem(vapp("shop", "currency", "v1")) != nullptr; }));
    }

    void clickAsksForTheWorkload()
    {
        pick(m_view->graphTypePicker(), m_view->graphTypePicker()->findData(int(GraphType::Workload)));
        QVERIFY(eventually([&] { return m_view->graph().type == GraphType::Workload && m_view->nodeItem(wl("shop", "cart")); }));
        QSignalSpy asked(m_view.get(), &ServiceGraphView::workloadActivated);
        QGraphicsPathItem *cart = m_view->nodeItem(wl("shop", "cart"));
        m_view->canvas()->centerOn(cart);
        const QPoint at = m_view->canvas()->mapFromScene(cart->sceneBoundingRect().center());
        QTest::mouseClick(m_view->canvas()->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.first().at(0).toString(), QStringLiteral("shop"));
        QCOMPARE(asked.first().at(1).toString(), QStringLiteral("cart"));
    }

    void prometheusStoppedDimsAndRecovers()
    {
        const int nodes = int(m_view->graph().nodes.size());
        stopServer();
        m_view->refresh();
        QVERIFY(eventually([&] { return !m_view->problemText().isEmpty(); }, 20000));
        QVERIFY2(m_view->problemText().startsWith(QStringLiteral("Prometheus: ")), qPrintable(m_view->problemText()));
        QVERIFY(m_view->isDimmed());
        QCOMPARE(int(m_view->graph().nodes.size()), nodes);  // the last graph stays
        QVERIFY(m_view->nodeItem(wl("shop", "cart")));

        startServer(m_port);
        const int draws = m_view->drawCount();
        m_view->refresh();
        QVERIFY(eventually([&] { return m_view->drawCount() > draws && m_view->problemText().isEmpty(); }, 20000));
        QVERIFY(!m_view->isDimmed());
        QCOMPARE(penOf(m_view->edgeItem(edgeKey(wl("shop", "frontend"), wl("shop", "cart")))), StatusPalette::color(StatusTone::Warning));
    }

    void inventoryFromTheClusterLists()
    {
        const QJsonObject labels{{QStringLiteral("app"), QStringLiteral("cartservice")}, {QStringLiteral("version"), QStringLiteral("v2")}};
        const QJsonObject deployment{
            {QStringLiteral("metadata"), QJsonObject{{QStringLiteral("namespace"), QStringLiteral("shop")}, {QStringLiteral("name"), QStringLiteral("cart")}}},
            {QStringLiteral("spec"), QJsonObject{{QStringLiteral("template"), QJsonObject{{QStringLiteral("metadata"), QJsonObject{{QStringLiteral("labels"), labels}}}}}}},
            {QStringLiteral("status"), QJsonObject{{QStringLiteral("readyReplicas"), 2}}}};
        const QJsonObject service{{QStringLiteral("metadata"), QJsonObject{{QStringLiteral("namespace"), QStringLiteral("shop")}, {QStringLiteral("name"), QStringLiteral("cart")}}}};
        const auto list = [](const QJsonObject &item) {
            return QJsonDocument(QJsonObject{{QStringLiteral("items"), QJsonArray{item}}}).toJson(QJsonDocument::Compact);
        };
        const ClusterInventory inv = ServiceGraphView::inventoryFromLists(list(deployment), list(service));
        QCOMPARE(inv.workloads.size(), 1);
        QCOMPARE(inv.workloads.first().name, QStringLiteral("cart"));
        QCOMPARE(inv.workloads.first().app, QStringLiteral("cartservice"));
        QCOMPARE(inv.workloads.first().version, QStringLiteral("v2"));
        QCOMPARE(inv.workloads.first().pods, 2);
        QCOMPARE(inv.services.size(), 1);
        QCOMPARE(inv.services.first().namespaceName, QStringLiteral("shop"));
        // A list that did not come (forbidden) is no inventory, not an error.
        QVERIFY(ServiceGraphView::inventoryFromLists({}, {}).workloads.isEmpty());
    }

    void shellNamespacesAreTheGraphs()
    {
        const int before = queriesWith(QStringLiteral("source_workload_namespace=\"cafe\""));
        m_view->applyNamespaces({QStringLiteral("cafe")});
        QCOMPARE(m_view->selectedNamespaces(), QStringList{QStringLiteral("cafe")});
        QVERIFY(eventually([&] { return queriesWith(QStringLiteral("source_workload_namespace=\"cafe\"")) > before; }));
        m_view->applyNamespaces({});  // all: the page keeps its own choice
        QCOMPARE(m_view->selectedNamespaces(), QStringList{QStringLiteral("cafe")});
        m_view->setSelectedNamespaces({QStringLiteral("cafe"), QStringLiteral("shop")});
        m_view->refresh();
        QVERIFY(eventually([&] { return m_view->graph().namespaces.size() == 2 && m_view->nodeItem(wl("shop", "email")) != nullptr; }));
        QTest::qWait(300);  // nothing else on its way
    }

    void inventoryAfterTheAnswersAddsIdleNodes()
    {
        m_view->setInventory({});
        QVERIFY(eventually([&] { return !m_view->nodeItem(wl("shop", "email")); }));
        m_view->setInventory(inventoryOf(m_fixture));
        QVERIFY(eventually([&] { return m_view->nodeItem(wl("shop", "email")) != nullptr; }));
    }

    void paletteChangeRecolours()
    {
        const int draws = m_view->drawCount();
        QPalette dark = m_view->palette();
        dark.setColor(QPalette::Base, QColor(30, 30, 30));
        dark.setColor(QPalette::Text, QColor(230, 230, 230));
        m_view->setPalette(dark);
        QVERIFY(m_view->drawCount() > draws);
        QCOMPARE(m_view->canvas()->scene()->backgroundBrush().color(), QColor(30, 30, 30));
    }
};

QTEST_MAIN(TestServiceGraphView)
#include "tst_servicegraphview.moc"
