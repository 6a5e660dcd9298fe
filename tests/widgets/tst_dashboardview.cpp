// Widget test (offscreen): the Metrics page against a scripted Prometheus. The project's golden
// signals dashboard draws its panels; its variables come from label_values; the queries follow the
// time range (a pick, a zoom by dragging, Back), the refresh picker and a variable's value;
// Prometheus stopped mid-session → the reason above the panels, the last values kept and dimmed;
// back → the panels recover.
#include "http/httpengine.h"
#include "metrics/dashboardview.h"
#include "metrics/panelwidget.h"
#include "prometheus/prometheusclient.h"
#include "simprocess.h"

#include <httplib.h>

#include <QComboBox>
#include <QLabel>
#include <QMutex>
#include <QTest>
#include <QUrlQuery>

#include <atomic>
#include <thread>

using namespace pilothouse;
using namespace pilothouse::testsupport;
using widgets::DashboardView;
using widgets::PanelWidget;

namespace {

// One matrix series (value 5) or label values, as Prometheus answers.
std::string matrixAnswer(double startS, double endS, double stepS)
{
    std::string values;
    for (double t = startS; t <= endS + 1e-9; t += stepS)
        values += (values.empty() ? "" : ",") + std::string("[") + std::to_string(t) + ",\"5\"]";
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"response_code\":\"200\"},\"values\":[" +
           values + "]}]}}";
}

}  // namespace

class TestDashboardView : public QObject {
    Q_OBJECT

    std::unique_ptr<httplib::Server> m_server;
    std::thread m_thread;
    int m_port = 0;
    QMutex m_mutex;
    QList<QUrlQuery> m_queries;  // what the range and instant queries asked
    std::unique_ptr<backends::http::HttpEngine> m_engine;
    std::unique_ptr<backends::prometheus::PrometheusClient> m_client;
    std::unique_ptr<DashboardView> m_view;

    void startServer(int port = 0)
    {
        m_server = std::make_unique<httplib::Server>();
        const auto answer = [this](const httplib::Request &req, httplib::Response &res) {
            QUrlQuery q;
            for (const auto &[k, v] : req.params)
                q.addQueryItem(QString::fromStdString(k), QString::fromStdString(v));
            {
                QMutexLocker lock(&m_mutex);
                m_queries << q;
            }
            if (req.path.find("/label/") != std::string::npos) {
                const bool ns = req.path.find("destination_workload_namespace") != std::string::npos;
                res.set_content(ns ? "{\"status\":\"success\",\"data\":[\"cafe\",\"shop\"]}" : "{\"status\":\"success\",\"data\":[\"cartservice\",\"frontend\"]}",
                                "application/json");
                return;
            }
            if (req.path == "/api/v1/query_range") {
                const double start = std::stod(req.get_param_value("start"));
                const double end = std::stod(req.get_param_value("end"));
                const double step = std::stod(req.get_param_value("step"));
                res.set_content(matrixAnswer(start, end, step), "application/json");
                return;
            }
            res.set_content("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"source_workload\":\"frontend\"},\"value\":[1,\"7\"]}]}}",
                            "application/json");
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
        for (const QUrlQuery &q : m_queries)
            n += q.queryItemValue(QStringLiteral("query"), QUrl::FullyDecoded).contains(needle) ? 1 : 0;
        return n;
    }
    QList<QUrlQuery> rangeQueries()
    {
        QMutexLocker lock(&m_mutex);
        QList<QUrlQuery> out;
        for (const QUrlQuery &q : m_queries)
            if (q.hasQueryItem(QStringLiteral("step")))
                out << q;
        return out;
    }
    PanelWidget *panel(int id) const { return m_view->panel(id); }

private Q_SLOTS:
    void initTestCase()
    {
        startServer();
        m_engine = std::make_unique<backends::http::HttpEngine>();
        m_client = std::make_unique<backends::prometheus::PrometheusClient>(m_engine.get());
        backends::prometheus::PrometheusServer server;
        server.url = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
        QVERIFY(m_client->setServer(server).ok());
        m_view = std::make_unique<DashboardView>(m_client.get());
        m_view->resize(1400, 900);
        m_view->show();
        QVERIFY(m_view->openFile(QStringLiteral(PILOTHOUSE_SOURCE "/resources/dashboards/workload-golden-signals.json")));
    }

    void cleanupTestCase()
    {
        m_view.reset();
        m_client.reset();
        m_engine.reset();
        stopServer();
    }

    void panelsDrawTheirAnswers()
    {
        // Row "Resources" is open, "Inbound" collapsed: its table is not asked for.
        QVERIFY(eventually([&] { return panel(5) && panel(5)->data().state == models::PanelData::State::Ok; }));
        QCOMPARE(panel(5)->data().series.size(), 1);
        QCOMPARE(panel(5)->data().series.first().legend, QStringLiteral("200"));
        QVERIFY(eventually([&] { return panel(1)->data().state == models::PanelData::State::Ok; }));
        QVERIFY(panel(9)->isHidden());
        QCOMPARE(queriesWith(QStringLiteral("source_workload, source_workload_namespace")), 0);
        // The variables came from label_values and are substituted.
        QComboBox *ns = m_view->variablePicker(QStringLiteral("namespace"));
        QVERIFY(ns);
        QCOMPARE(ns->count(), 2);
        QCOMPARE(ns->currentText(), QStringLiteral("shop"));
        QVERIFY(queriesWith(QStringLiteral("destination_workload_namespace=\"shop\",destination_workload=\"frontend\"")) > 0);
        QVERIFY(queriesWith(QStringLiteral("$")) == 0);  // nothing left unsubstituted
    }

    void aVariableChangeAsksAgain()
    {
        QComboBox *workload = m_view->variablePicker(QStringLiteral("workload"));
        const int before = queriesWith(QStringLiteral("destination_workload=\"cartservice\""));
        QCOMPARE(before, 0);
        workload->setCurrentIndex(workload->findText(QStringLiteral("cartservice")));
        Q_EMIT workload->activated(workload->currentIndex());
        QVERIFY(eventually([&] { return queriesWith(QStringLiteral("destination_workload=\"cartservice\"")) >= 6; }));
    }

    void theTimeRangeMovesTheQueries()
    {
        QComboBox *range = m_view->timeRangePicker();
        const int sixHours = 3;  // last 5m, 15m, 1h, 6h …
        QCOMPARE(range->itemText(sixHours), QStringLiteral("Last 6 hours"));
        const qsizetype before = rangeQueries().size();
        range->setCurrentIndex(sixHours);
        Q_EMIT range->activated(sixHours);
        QVERIFY(eventually([&] { return rangeQueries().size() > before; }));
        QVERIFY(eventually([&] {
            const auto q = rangeQueries().last();
            const double span = q.queryItemValue(QStringLiteral("end")).toDouble() - q.queryItemValue(QStringLiteral("start")).toDouble();
            return span > 5.9 * 3600 && span < 6.1 * 3600;
        }));
        // A zoom (a drag on a chart) asks for the dragged range; Back returns to six hours.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qsizetype beforeZoom = rangeQueries().size();
        Q_EMIT panel(5)->zoomRequested(now - 1'800'000, now - 600'000);
        QVERIFY(eventually([&] { return rangeQueries().size() > beforeZoom; }));
        QVERIFY(eventually([&] {
            const auto q = rangeQueries().last();
            const double span = q.queryItemValue(QStringLiteral("end")).toDouble() - q.queryItemValue(QStringLiteral("start")).toDouble();
            return span > 1100 && span < 1300;
        }));
        QVERIFY(range->currentText().contains(QLatin1String(" to ")));
        QVERIFY(m_view->runner()->back());
        QCOMPARE(range->currentText(), QStringLiteral("Last 6 hours"));
    }

    void theRefreshPickerRepeatsTheQueries()
    {
        QComboBox *refresh = m_view->refreshPicker();
        const int five = refresh->findData(QStringLiteral("5s"));
        refresh->setCurrentIndex(five);
        Q_EMIT refresh->activated(five);
        const int sent = m_view->runner()->queriesSent();
        QVERIFY(eventually([&] { return m_view->runner()->queriesSent() > sent; }, 8000));
        const int off = refresh->findData(QStringLiteral("off"));
        refresh->setCurrentIndex(off);
        Q_EMIT refresh->activated(off);
        QCOMPARE(m_view->runner()->refreshInterval(), QString());
    }

    void prometheusStoppedAndBack()
    {
        QVERIFY(eventually([&] { return panel(5)->data().state == models::PanelData::State::Ok; }));
        stopServer();
        m_view->runner()->refresh();
        QVERIFY2(eventually([&] { return !m_view->problemText().isEmpty(); }), qPrintable(panel(5)->statusText()));
        QVERIFY(m_view->problemText().startsWith(QLatin1String("Prometheus: ")));
        QVERIFY(panel(5)->isDimmed());
        QVERIFY(panel(5)->data().stale);
        QCOMPARE(panel(5)->data().series.size(), 1);  // the last values stay
        // Back at the same address: the panels recover.
        startServer(m_port);
        m_view->runner()->refresh();
        QVERIFY(eventually([&] { return panel(5)->data().state == models::PanelData::State::Ok && !panel(5)->isDimmed(); }));
        QVERIFY(eventually([&] { return m_view->problemText().isEmpty(); }));
    }

    // `pilothouse --dashboard FILE` reopens the page with the file: an imported Grafana dashboard,
    // its panel that cannot be drawn saying so.
    void reopenedWithAFileShowsThatDashboard()
    {
        m_view->reopen({{QStringLiteral("file"), QStringLiteral(PILOTHOUSE_SOURCE "/tests/data/grafana/modern-mesh.json")}});
        QCOMPARE(m_view->windowTitle(), QStringLiteral("Mesh (modern panels)"));
        QVERIFY(m_view->panel(3));
        QVERIFY(m_view->panel(6));
        QVERIFY(m_view->panel(6)->findChild<QLabel *>(QStringLiteral("panelMessage")));
        QCOMPARE(m_view->panel(6)->findChild<QLabel *>(QStringLiteral("panelMessage"))->text(), QStringLiteral("panel type \"piechart\" is not supported"));
        QVERIFY(eventually([&] { return m_view->panel(3)->data().state == models::PanelData::State::Ok; }));
        // Not a dashboard: said, and the one shown stays.
        QString error;
        QVERIFY(!m_view->openFile(QStringLiteral(PILOTHOUSE_SOURCE "/README.md"), &error));
        QVERIFY2(error.contains(QLatin1String("not a dashboard file")), qPrintable(error));
        QCOMPARE(m_view->windowTitle(), QStringLiteral("Mesh (modern panels)"));
    }
};

QTEST_MAIN(TestDashboardView)
#include "tst_dashboardview.moc"
