// Integration tests of pilothouse-sim's load model, metrics.k8s.io and HorizontalPodAutoscaler
// controller, with the HPA's clock running 20 times faster (sync every 0.75 s, the default
// 300 s scale-down stabilization window becomes 15 s).
#include "simprocess.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTest>

using namespace pilothouse::testsupport;

namespace {

const char *kWeb = "/apis/apps/v1/namespaces/demo/deployments/web";
const char *kHpa = "/apis/autoscaling/v2/namespaces/demo/horizontalpodautoscalers/web";

}  // namespace

class TestSimHpa : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;

    Json object(const char *path) const
    {
        HttpReply r = m_sim->get(path);
        Json j = r.json();
        if (r.status != 200 || !j.is_object())
            qWarning("GET %s: %d %s", path, r.status, r.body.c_str());
        return j.is_object() ? j : Json::object();
    }
    Json web() const { return object(kWeb); }
    Json hpa() const { return object(kHpa); }
    // o[a][b] as a number, or the fallback when either level is missing.
    static long long number(const Json &o, const char *a, const char *b, long long fallback)
    {
        if (!o.contains(a) || !o[a].is_object() || !o[a].contains(b) || !o[a][b].is_number_integer())
            return fallback;
        return o[a][b].get<long long>();
    }
    long long specReplicas() const { return number(web(), "spec", "replicas", -1); }
    long long readyReplicas() const { return number(web(), "status", "readyReplicas", 0); }
    long long desiredReplicas() const { return number(hpa(), "status", "desiredReplicas", -1); }
    long long utilization() const
    {
        Json h = hpa();
        const Json metrics = h.contains("status") && h["status"].is_object() ? h["status"].value("currentMetrics", Json::array()) : Json::array();
        for (const auto &m : metrics)
            if (m.value("type", "") == "Resource")
                return m["resource"]["current"].value("averageUtilization", -1LL);
        return -1;
    }
    bool setLoad(int rps) const { return m_sim->control("load", "namespace=demo&deployment=web&rps=" + std::to_string(rps)); }
    std::vector<std::string> rescaleMessages() const
    {
        std::vector<std::string> out;
        Json events = m_sim->get("/api/v1/namespaces/demo/events?fieldSelector=involvedObject.kind%3DHorizontalPodAutoscaler").json();
        for (const auto &e : events.value("items", Json::array()))
            if (e.value("reason", "") == "SuccessfulRescale")
                out.push_back(e.value("message", ""));
        return out;
    }
    bool hasRescale(const std::string &fragment) const
    {
        for (const auto &m : rescaleMessages())
            if (m.find(fragment) != std::string::npos)
                return true;
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--time-scale"), QStringLiteral("20")} + podTimings());
        QString error;
        if (!m_sim->start(&error))
            qFatal("%s", qPrintable(error));
        // Idle, web settles at the HPA's minimum: 20m of a 100m request is well below 60 %.
        QVERIFY2(eventually([&] { return specReplicas() == 1 && readyReplicas() == 1; }, 60000), web().dump().c_str());
    }
    void cleanupTestCase() { m_sim.reset(); }

    void loadEndpointValidation()
    {
        QCOMPARE(m_sim->request("POST", "/sim/v1/load?namespace=demo&deployment=nope&rps=5", "{}").status, 404);
        QCOMPARE(m_sim->request("POST", "/sim/v1/load?namespace=demo&deployment=web&rps=-3", "{}").status, 400);
        QCOMPARE(m_sim->request("POST", "/sim/v1/load?namespace=demo&deployment=web&rps=5", "{}", "application/json", Identity::Viewer).status, 403);
    }

    void metricsApi()
    {
        Json discovery = m_sim->get("/apis/metrics.k8s.io/v1beta1").json();
        std::set<std::string> names;
        for (const auto &r : discovery.value("resources", Json::array())) {
            names.insert(r.value("name", ""));
            JCOMPARE(r["verbs"], Json({"get", "list"}));
        }
        QVERIFY(names.count("pods") && names.count("nodes"));

        Json pods = m_sim->get("/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods").json();
        QCOMPARE(pods.value("kind", ""), std::string("PodMetricsList"));
        QVERIFY(!pods["items"].empty());
        for (const auto &pm : pods["items"]) {
            QCOMPARE(pm.value("window", ""), std::string("15s"));
            QCOMPARE(pm["metadata"].value("namespace", ""), std::string("demo"));
            QVERIFY(!pm["containers"].empty());
            std::string cpu = pm["containers"][0]["usage"].value("cpu", "");
            QVERIFY2(QRegularExpression(QStringLiteral("^\\d+m$")).match(QString::fromStdString(cpu)).hasMatch(), cpu.c_str());
        }
        std::string one = pods["items"][0]["metadata"].value("name", "");
        Json single = m_sim->get("/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/" + one).json();
        QCOMPARE(single.value("kind", ""), std::string("PodMetrics"));
        QCOMPARE(m_sim->get("/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/nope").status, 404);
        Json nodes = m_sim->get("/apis/metrics.k8s.io/v1beta1/nodes").json();
        QCOMPARE(nodes.value("kind", ""), std::string("NodeMetricsList"));
        QVERIFY(!nodes["items"].empty());
        QVERIFY(nodes["items"][0]["usage"].contains("cpu"));
        QCOMPARE(m_sim->request("DELETE", "/apis/metrics.k8s.io/v1beta1/nodes/node-1").status, 405);
    }

    void scaleUpUnderLoad()
    {
        // 400 rps at 2m per request: 820m per pod at one replica, 220m even at four.
        QVERIFY(setLoad(400));
        QVERIFY2(eventually([&] { return specReplicas() > 1; }, 20000), hpa().dump().c_str());
        QVERIFY2(eventually([&] { return specReplicas() == 4; }, 30000), hpa().dump().c_str());
        QVERIFY2(eventually([&] { return readyReplicas() == 4; }, 30000), web().dump().c_str());
        QVERIFY2(eventually([&] { return utilization() > 60; }, 10000), hpa().dump().c_str());
        Json status = hpa().value("status", Json::object());
        QCOMPARE(desiredReplicas(), 4LL);
        QVERIFY(status.contains("lastScaleTime"));
        bool active = false;
        for (const auto &c : status.value("conditions", Json::array()))
            if (c.value("type", "") == "ScalingActive")
                active = c.value("status", "") == "True" && c.value("reason", "") == "ValidMetricFound";
        QVERIFY2(active, status.dump().c_str());
        QVERIFY2(hasRescale("; reason: cpu resource utilization (percentage of request) above target"), hpa().dump().c_str());
        // Never above maxReplicas.
        QTest::qWait(2000);
        QCOMPARE(specReplicas(), 4LL);
    }

    void kubectlTopAndGetHpa()
    {
        if (kubectlPath().isEmpty())
            QSKIP("kubectl is not installed: kubectl top and get hpa are not checked");
        const QRegularExpression milli(QStringLiteral("\\s\\d+m\\s"));
        ProcessResult pods = runKubectl(*m_sim, {QStringLiteral("top"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("demo")});
        QVERIFY2(pods.exitCode == 0, qPrintable(pods.err));
        QVERIFY2(pods.out.contains(QStringLiteral("CPU(cores)")) && pods.out.contains(QStringLiteral("web-")), qPrintable(pods.out));
        QVERIFY2(milli.match(pods.out).hasMatch(), qPrintable(pods.out));
        ProcessResult all = runKubectl(*m_sim, {QStringLiteral("top"), QStringLiteral("pods"), QStringLiteral("-A")});
        QVERIFY2(all.exitCode == 0 && all.out.contains(QStringLiteral("NAMESPACE")), qPrintable(all.out + all.err));
        ProcessResult nodes = runKubectl(*m_sim, {QStringLiteral("top"), QStringLiteral("nodes")});
        QVERIFY2(nodes.exitCode == 0, qPrintable(nodes.err));
        QVERIFY2(nodes.out.contains(QStringLiteral("CPU(cores)")) && nodes.out.contains(QStringLiteral("node-1")), qPrintable(nodes.out));
        QVERIFY2(milli.match(nodes.out).hasMatch(), qPrintable(nodes.out));
        ProcessResult hpas = runKubectl(*m_sim, {QStringLiteral("get"), QStringLiteral("hpa"), QStringLiteral("-n"), QStringLiteral("demo")});
        QVERIFY2(hpas.exitCode == 0, qPrintable(hpas.err));
        QVERIFY2(QRegularExpression(QStringLiteral("cpu: \\d+%/60%")).match(hpas.out).hasMatch(), qPrintable(hpas.out));
    }

    void scaleDownAfterStabilizationWindow()
    {
        QCOMPARE(specReplicas(), 4LL);
        QVERIFY(setLoad(0));
        QElapsedTimer t;
        t.start();
        QVERIFY2(eventually([&] { return specReplicas() < 4; }, 40000), hpa().dump().c_str());
        // The scale-down window (300 s / 20 = 15 s) holds the highest recent recommendation.
        QVERIFY2(t.elapsed() > 11000, qPrintable(QStringLiteral("scaled down after %1 ms").arg(t.elapsed())));
        QVERIFY2(eventually([&] { return specReplicas() == 1; }, 60000), hpa().dump().c_str());
        QVERIFY2(eventually([&] { return readyReplicas() == 1 && number(web(), "status", "replicas", 0) == 1; }, 30000), web().dump().c_str());
        QVERIFY2(hasRescale("; reason: All metrics below target"), hpa().dump().c_str());
        QCOMPARE(desiredReplicas(), 1LL);
    }

    void toleranceHoldsNearTarget()
    {
        QCOMPARE(specReplicas(), 1LL);
        // 21 rps x 2m + 20m base = ~62m of a 100m request: ~62 % against 60 %, inside the 10 % tolerance.
        QVERIFY(setLoad(21));
        QVERIFY2(eventually([&] { long long u = utilization(); return u >= 60 && u <= 65; }, 10000), hpa().dump().c_str());
        QTest::qWait(5000);  // more than six sync periods
        QCOMPARE(specReplicas(), 1LL);
        QCOMPARE(desiredReplicas(), 1LL);
        // Outside the tolerance (30 rps: ~80 %) the same HPA does scale up: ceil(1 x 80/60) = 2.
        QVERIFY(setLoad(30));
        QVERIFY2(eventually([&] { return specReplicas() == 2; }, 15000), hpa().dump().c_str());
        QTest::qWait(3000);  // at two replicas ~50 %: ceil(2 x 50/60) = 2, so it stays
        QCOMPARE(specReplicas(), 2LL);
    }
};

QTEST_GUILESS_MAIN(TestSimHpa)
#include "tst_simhpa.moc"
