// Widget test (offscreen): the scaling view against pilothouse-sim with a fast HPA clock follows
// web from 1 to 3 replicas under load (series, tiles, event markers) and back down without it.
#include "actions/sessionactions.h"
#include "actions/auditlog.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "resources/podtileswidget.h"
#include "resources/scalingview.h"
#include "simprocess.h"

#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QLabel>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

using namespace pilothouse;
using namespace pilothouse::testsupport;
using backends::workloads::PodTilePhase;

namespace {

const char *kHpa = "/apis/autoscaling/v2/namespaces/demo/horizontalpodautoscalers/web";
const char *kWeb = "/apis/apps/v1/namespaces/demo/deployments/web";

}  // namespace

class TestScalingView : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<backends::http::HttpEngine> m_engine;
    std::unique_ptr<backends::kube::KubeSession> m_session;
    std::unique_ptr<widgets::ScalingView> m_view;
    QTemporaryDir m_dir;

    long long webNumber(const char *a, const char *b) const
    {
        Json j = m_sim->get(kWeb).json();
        return j.is_object() && j.contains(a) && j[a].contains(b) && j[a][b].is_number_integer() ? j[a][b].get<long long>() : 0;
    }
    // Pods the API server lists for web (terminating ones included: they still have a tile).
    int simWebPods() const
    {
        Json pods = m_sim->get("/api/v1/namespaces/demo/pods?labelSelector=app%3Dweb").json();
        return pods.is_object() ? static_cast<int>(pods.value("items", Json::array()).size()) : -1;
    }
    bool setLoad(int rps) const { return m_sim->control("load", "namespace=demo&deployment=web&rps=" + std::to_string(rps)); }
    int maxDesired() const
    {
        int m = 0;
        for (const auto &s : m_view->series().samples())
            m = std::max(m, s.desired);
        return m;
    }
    int lastDesired() const { return m_view->series().last() ? m_view->series().last()->desired : -1; }
    static QLineSeries *seriesOf(const widgets::ScalingView &view, const char *name)
    {
        for (QAbstractSeries *s : view.chartView()->chart()->series())
            if (s->objectName() == QLatin1String(name))
                return qobject_cast<QLineSeries *>(s);
        qFatal("no series %s", name);
    }
    QLineSeries *chartSeries(const char *name) const { return seriesOf(*m_view, name); }
    static double maxY(QLineSeries *s)
    {
        double m = -1;
        for (int i = 0; i < s->count(); ++i)
            m = std::max(m, s->at(i).y());
        return m;
    }
    QString state() const
    {
        auto s = m_view->series().last();
        return QStringLiteral("samples %1, last desired %2 current %3 ready %4 cpu %5; tiles %6 (sim pods %7); markers %8; problem '%9'")
            .arg(m_view->series().samples().size())
            .arg(s ? s->desired : -1)
            .arg(s ? s->current : -1)
            .arg(s ? s->ready : -1)
            .arg(s && s->cpuPercent ? *s->cpuPercent : -1)
            .arg(m_view->tileCount())
            .arg(simWebPods())
            .arg(m_view->eventMarkerLabels().join(QLatin1Char(',')))
            .arg(m_view->problem());
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        // The HPA clock 20 times faster (sync every 0.75 s); pods take a visible while to start, get ready and stop.
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--time-scale"), QStringLiteral("20"),
                                                         QStringLiteral("--pod-start-ms"), QStringLiteral("1000"),
                                                         QStringLiteral("--pod-ready-ms"), QStringLiteral("3000"),
                                                         QStringLiteral("--pod-stop-ms"), QStringLiteral("1200")});
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        // A short scale-down window (60 s, 3 s at this clock) so the way back fits the test.
        const Json patch = {{"spec", {{"behavior", {{"scaleDown", {{"stabilizationWindowSeconds", 60}}}}}}}};
        QCOMPARE(m_sim->request("PATCH", kHpa, patch.dump(), "application/merge-patch+json").status, 200);
        // Idle, web settles at the HPA's minimum of 1.
        QVERIFY2(eventually([&] { return webNumber("spec", "replicas") == 1 && webNumber("status", "readyReplicas") == 1 && simWebPods() == 1; }, 60000),
                 m_sim->get(kWeb).body.c_str());

        m_engine = std::make_unique<backends::http::HttpEngine>();
        auto approvals = std::make_shared<backends::kube::ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json")));
        m_session = std::make_unique<backends::kube::KubeSession>(m_engine.get(), approvals);
        backends::actions::SessionActions::of(m_session.get())->setAuditLog(std::make_shared<backends::actions::AuditLog>(m_dir.filePath(QStringLiteral("audit.jsonl"))));
        auto config = backends::kube::Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY(config.ok());
        m_session->connectTo(config.value(), {});
        QTRY_COMPARE_WITH_TIMEOUT(m_session->state(), backends::kube::KubeSession::ConnectionState::Live, 10000);

        m_view = std::make_unique<widgets::ScalingView>(m_session.get(), QStringLiteral("demo"), QStringLiteral("web"));
        m_view->setTimeWindowSeconds(120);
        m_view->resize(1280, 640);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    }

    void cleanupTestCase()
    {
        m_view.reset();
        m_session.reset();
        m_engine.reset();
        m_sim.reset();
    }

    void showsTheIdleDeployment()
    {
        QVERIFY(m_view->findChild<QChartView *>(QStringLiteral("scalingChart")));
        QVERIFY(m_view->findChild<widgets::PodTilesWidget *>(QStringLiteral("podTiles")));
        QCOMPARE(m_view->windowPicker()->currentData().toInt(), 120);
        QTRY_VERIFY_WITH_TIMEOUT(m_view->watch()->isSynced(), 10000);
        QTRY_VERIFY2_WITH_TIMEOUT(lastDesired() == 1 && m_view->tileCount() == 1 && m_view->tileCount(PodTilePhase::Ready) == 1, qPrintable(state()), 10000);
        QTRY_VERIFY2_WITH_TIMEOUT(m_view->headerText().contains(QStringLiteral("HPA: min 1 / max 4, target 60 % CPU, current ")), qPrintable(m_view->headerText()), 10000);
        QVERIFY(m_view->headerText().contains(QStringLiteral("<b>web</b>")));
        // The idle load is well under the target; both are on the chart.
        QTRY_VERIFY2_WITH_TIMEOUT(m_view->series().last()->cpuPercent.has_value(), qPrintable(state()), 10000);
        QCOMPARE(m_view->series().last()->targetPercent, std::optional<int>(60));
        QVERIFY(*m_view->series().last()->cpuPercent < 60);
        QTRY_VERIFY_WITH_TIMEOUT(chartSeries("cpuTarget")->count() > 0 && maxY(chartSeries("cpuTarget")) == 60, 5000);
        // The time axis moves without changes: it ends within a second or two of now.
        QTest::qWait(1500);
        auto *axis = qobject_cast<QDateTimeAxis *>(chartSeries("desired")->attachedAxes().value(0));
        QVERIFY(axis);
        QVERIFY(qAbs(axis->max().msecsTo(QDateTime::currentDateTime())) < 1500);
        QCOMPARE(axis->min().msecsTo(axis->max()), 120 * 1000LL);
    }

    void scalesUpUnderLoad()
    {
        // 60 rps at 2m per request on a 100m request: ~140 % at one replica, ceil(1 x 140/60) = 3,
        // and ~60 % at three, so it stays there.
        QVERIFY(setLoad(60));
        QVERIFY2(eventually([&] { return maxDesired() >= 3; }, 30000), qPrintable(state()));
        // The new pods start: the view shows them before they are ready.
        QVERIFY2(eventually([&] { return m_view->tileCount() >= 3; }, 5000), qPrintable(state()));
        // Running but not ready yet: desired and current are at 3, ready lags.
        QVERIFY2(eventually([&] { return m_view->tileCount(PodTilePhase::Running) > 0; }, 5000), qPrintable(state()));
        QTest::qWait(1500);
        QVERIFY2(eventually([&] { return m_view->tileCount(PodTilePhase::Ready) == 3; }, 20000), qPrintable(state()));
        QVERIFY2(eventually([&] { return lastDesired() == 3 && m_view->series().last()->ready == 3; }, 10000), qPrintable(state()));
        // One tile per pod of the deployment.
        QVERIFY2(eventually([&] { return m_view->tileCount() == simWebPods() && m_view->tileCount() == 3; }, 10000), qPrintable(state()));
        // The chart plots it.
        QCOMPARE(maxY(chartSeries("desired")), 3.0);
        QTRY_COMPARE_WITH_TIMEOUT(maxY(chartSeries("ready")), 3.0, 3000);
        QVERIFY2(maxY(chartSeries("cpu")) > 60, qPrintable(state()));
        // The HPA's decision is marked, with its message.
        bool rescale = false;
        for (const auto &e : m_view->series().events())
            rescale = rescale || (e.reason == QLatin1String("SuccessfulRescale") && e.message.startsWith(QStringLiteral("New size: 3")));
        QVERIFY2(rescale, qPrintable(state()));
        QVERIFY2(eventually([&] { return m_view->eventMarkerLabels().contains(QStringLiteral("HPA → 3")); }, 5000), qPrintable(state()));
    }

    void scalesBackDownWithoutLoad()
    {
        QVERIFY(setLoad(0));
        QVERIFY2(eventually([&] { return lastDesired() == 1; }, 40000), qPrintable(state()));
        // Terminating pods stay as grey tiles until they are gone.
        QVERIFY2(eventually([&] { return m_view->tileCount() == 1 && simWebPods() == 1; }, 20000), qPrintable(state()));
        QCOMPARE(m_view->tileCount(PodTilePhase::Ready), 1);
        QVERIFY2(eventually([&] { return m_view->eventMarkerLabels().contains(QStringLiteral("HPA → 1")); }, 5000), qPrintable(state()));
        // 1 -> 3 -> 1 in the recorded order.
        const auto &samples = m_view->series().samples();
        auto up = std::find_if(samples.begin(), samples.end(), [](const auto &s) { return s.desired == 3; });
        QVERIFY(up != samples.end());
        QVERIFY(std::find_if(samples.begin(), up, [](const auto &s) { return s.desired == 1; }) != up);
        QVERIFY(std::find_if(up, samples.end(), [](const auto &s) { return s.desired == 1; }) != samples.end());
    }

    void windowChangesOnlyWhatIsShown()
    {
        const size_t recorded = m_view->series().samples().size();
        const int plotted = chartSeries("desired")->count();
        m_view->windowPicker()->setCurrentIndex(m_view->windowPicker()->findData(3600));
        QCOMPARE(m_view->timeWindowSeconds(), 3600);
        auto *axis = qobject_cast<QDateTimeAxis *>(chartSeries("desired")->attachedAxes().value(0));
        QCOMPARE(axis->min().msecsTo(axis->max()), 3600 * 1000LL);
        QVERIFY(m_view->series().samples().size() >= recorded);
        QVERIFY(chartSeries("desired")->count() >= plotted);
        QCOMPARE(maxY(chartSeries("desired")), 3.0);
        m_view->setTimeWindowSeconds(300);
        QCOMPARE(m_view->windowPicker()->currentData().toInt(), 300);
        QVERIFY(m_view->series().samples().size() >= recorded);
    }

    void deploymentWithoutHpa()
    {
        widgets::ScalingView api(m_session.get(), QStringLiteral("demo"), QStringLiteral("api"));
        api.resize(900, 500);
        api.show();
        QTRY_VERIFY_WITH_TIMEOUT(api.watch()->isSynced() && api.tileCount() == 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(api.series().last().has_value(), 5000);
        QVERIFY2(api.headerText().contains(QStringLiteral("no HPA")), qPrintable(api.headerText()));
        QVERIFY(!api.series().last()->cpuPercent);
        QCOMPARE(seriesOf(api, "cpu")->count(), 0);
        QCOMPARE(api.series().last()->desired, 1);
        // Nothing changes, yet the tick carries the line along to the present.
        QTRY_VERIFY_WITH_TIMEOUT(seriesOf(api, "desired")->count() >= 2, 4000);
        QVERIFY(seriesOf(api, "desired")->at(seriesOf(api, "desired")->count() - 1).x() > QDateTime::currentMSecsSinceEpoch() - 2500);
    }

    void missingDeploymentIsSaid()
    {
        widgets::ScalingView nope(m_session.get(), QStringLiteral("demo"), QStringLiteral("nope"));
        QTRY_VERIFY_WITH_TIMEOUT(nope.watch()->isSynced(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(nope.problem(), QStringLiteral("Deployment demo/nope not found"), 5000);
        QVERIFY(nope.findChild<QLabel *>(QStringLiteral("scalingStatus"))->text().contains(QStringLiteral("not found")));
        QCOMPARE(nope.tileCount(), 0);
        QVERIFY(nope.series().samples().empty());
    }

    void survivesAReconnect()
    {
        // A reconnect replaces the session's client and its informers: the view re-attaches
        // and keeps its history.
        QTRY_VERIFY_WITH_TIMEOUT(m_view->watch()->isSynced(), 10000);
        const size_t before = m_view->series().samples().size();
        QSignalSpy synced(m_view->watch(), &backends::workloads::ScalingWatch::syncedChanged);
        auto config = backends::kube::Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY(config.ok());
        m_session->connectTo(config.value(), QStringLiteral("sim-admin"));
        m_session->setNamespace(QStringLiteral("demo"));
        // Out (the old connection is gone), then in again on the new one.
        QTRY_VERIFY_WITH_TIMEOUT(synced.size() >= 2 && synced.last().at(0).toBool(), 20000);
        QVERIFY2(!synced.first().at(0).toBool(), "the view did not say it was out while the session reconnected");
        QVERIFY(m_view->watch()->session()->client());
        QVERIFY(m_view->watch()->isSynced());
        QVERIFY(m_view->series().samples().size() >= before);
        QTRY_COMPARE_WITH_TIMEOUT(m_view->tileCount(), 1, 5000);
    }
};

QTEST_MAIN(TestScalingView)
#include "tst_scalingview.moc"
