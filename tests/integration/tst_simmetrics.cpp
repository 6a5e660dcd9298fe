// Integration tests of pilothouse-sim's /metrics: what promtool says of it, that any client reads it,
// and Debian's real Prometheus scraping it (rates as the load model sets them, 5xx from the error rate).
#include "prometheusprocess.h"
#include "simprocess.h"

#include <QRegularExpression>
#include <QTest>

#include <cmath>
#include <map>

using namespace pilothouse::testsupport;

namespace {

const char *kCartImage = "registry.pilothouse.local/shop/cartservice:1.8.0";

QString defaultScenario() { return sourceDir() + QStringLiteral("/resources/scenarios/default.yaml"); }

// Samples of an exposition by their series (name and labels as written).
std::map<std::string, double> samples(const std::string &text)
{
    std::map<std::string, double> out;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty() || line[0] == '#')
            continue;
        const size_t space = line.rfind(' ');
        out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
    }
    return out;
}

}  // namespace

class TestSimMetrics : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;

    // The destination rate of a workload as the sim's graph sets it now (GET /sim/v1/mesh).
    double meshRate(const std::string &ns, const std::string &workload) const
    {
        double sum = 0;
        for (const auto &e : m_sim->get("/sim/v1/mesh").json().value("edges", Json::array()))
            if (e["destination"].value("namespace", "") == ns && e["destination"].value("workload", "") == workload)
                sum += e.value("rps", 0.0);
        return sum;
    }
    bool cartReady() const
    {
        Json d = m_sim->get("/apis/apps/v1/namespaces/shop/deployments/cartservice").json();
        return d.is_object() && d.contains("status") && d["status"].value("readyReplicas", 0) >= 1;
    }

private slots:
    void initTestCase()
    {
        m_sim = std::make_unique<SimProcess>(podTimings(), defaultScenario());
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        QVERIFY(eventually([&] { return cartReady(); }));
        QVERIFY(m_sim->control("load", "namespace=shop&deployment=frontend&rps=20"));
    }

    void cleanupTestCase() { m_sim.reset(); }

    void anyClientReadsTheExposition()
    {
        HttpReply viewer = m_sim->get("/metrics", Identity::Viewer);
        QCOMPARE(viewer.status, 200);
        QVERIFY(viewer.header("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
        QCOMPARE(m_sim->get("/metrics", Identity::Anonymous).status, 401);
        // Both sides of an edge, the TCP edge to redis, cAdvisor, kube-state-metrics and Rollouts.
        for (const char *needle : {"istio_requests_total{", "reporter=\"source\"", "reporter=\"destination\"",
                                   "source_workload=\"checkoutservice\"", "destination_workload=\"paymentservice\"",
                                   "istio_request_duration_milliseconds_bucket{", "le=\"0.5\"", "le=\"3600000\"",
                                   "istio_tcp_sent_bytes_total{", "destination_workload=\"redis-cart\"",
                                   "container_cpu_usage_seconds_total{", "container_memory_working_set_bytes{",
                                   "kube_deployment_spec_replicas{", "kube_horizontalpodautoscaler_spec_max_replicas{",
                                   "kube_pod_owner{", "kube_pod_container_resource_requests{", "rollout_info{",
                                   "rollout_info_replicas_available{"})
            QVERIFY2(viewer.body.find(needle) != std::string::npos, needle);
        if (!kubectlPath().isEmpty()) {
            ProcessResult r = runKubectl(*m_sim, {QStringLiteral("get"), QStringLiteral("--raw"), QStringLiteral("/metrics")});
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
            QVERIFY(r.out.contains(QStringLiteral("istio_requests_total{")));
        }
    }

    void countersAreMonotonic()
    {
        const auto first = samples(m_sim->get("/metrics").body);
        QTest::qWait(1200);
        const auto second = samples(m_sim->get("/metrics").body);
        int counters = 0, grew = 0;
        for (const auto &[series, value] : first) {
            const bool counter = series.find("_total{") != std::string::npos || series.find("_bucket{") != std::string::npos ||
                                 series.find("_count{") != std::string::npos || series.find("_sum{") != std::string::npos;
            auto it = second.find(series);
            if (!counter || it == second.end())
                continue;
            ++counters;
            QVERIFY2(it->second >= value, series.c_str());
            grew += it->second > value;
        }
        QVERIFY(counters > 100);
        QVERIFY(grew > 20);
    }

    void cadvisorAgreesWithMetricsApi()
    {
        Json pods = m_sim->get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods").json();
        QVERIFY(pods.is_object() && !pods["items"].empty());
        const auto metrics = samples(m_sim->get("/metrics").body);
        int compared = 0;
        for (const auto &item : pods["items"]) {
            const std::string pod = item["metadata"]["name"];
            for (const auto &c : item["containers"]) {
                const std::string mem = c["usage"]["memory"];  // "NKi"
                const double kib = std::strtod(mem.c_str(), nullptr);
                for (const auto &[series, value] : metrics)
                    if (series.rfind("container_memory_working_set_bytes{", 0) == 0 && series.find("pod=\"" + pod + "\"") != std::string::npos &&
                        series.find("container=\"" + c["name"].get<std::string>() + "\"") != std::string::npos) {
                        QCOMPARE(std::floor(value / 1024), kib);
                        ++compared;
                    }
            }
        }
        QVERIFY(compared >= 5);
    }

    void rolloutRevisionsAreSeparate()
    {
        // A canary of menu (cafe) at its first step and a blue-green preview of storefront (shop): each
        // revision's pods report their own destination_canonical_revision, so the two can be compared.
        QVERIFY(m_sim->control("load", "namespace=cafe&deployment=kiosk&rps=10"));
        const std::string patch = "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"NAME\",\"image\":\"IMAGE\"}]}}}}";
        auto bump = [&](const std::string &ns, const std::string &name, const std::string &image) {
            std::string body = patch;
            body.replace(body.find("NAME"), 4, name);
            body.replace(body.find("IMAGE"), 5, image);
            return m_sim->request("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/" + ns + "/rollouts/" + name, body, "application/merge-patch+json").status;
        };
        QCOMPARE(bump("cafe", "menu", "registry.pilothouse.dev/cafe/menu:43"), 200);
        QCOMPARE(bump("shop", "storefront", "registry.pilothouse.dev/shop/storefront:170"), 200);
        auto served = [&](const std::string &workload, const std::string &revision) {
            const std::string body = m_sim->get("/metrics").body;
            size_t at = 0;
            while ((at = body.find("\nistio_requests_total{", at)) != std::string::npos) {
                const size_t end = body.find('\n', at + 1);
                const std::string line = body.substr(at + 1, end - at - 1);
                at = end;
                if (line.find("reporter=\"destination\"") != std::string::npos &&
                    line.find("destination_workload=\"" + workload + "\"") != std::string::npos &&
                    line.find("destination_canonical_revision=\"" + revision + "\"") != std::string::npos &&
                    std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr) > 0)
                    return true;
            }
            return false;
        };
        QVERIFY(eventually([&] { return served("menu", "42") && served("menu", "43"); }));
        QVERIFY(eventually([&] { return served("storefront", "169") && served("storefront", "170"); }));
    }

    void promtoolFindsOnlyTheMillisecondUnit()
    {
        const QString promtool = promtoolPath();
        if (promtool.isEmpty())
            QSKIP("promtool is not installed (Debian's prometheus package brings it)");
        HttpReply r = m_sim->get("/metrics");
        QCOMPARE(r.status, 200);
        ProcessResult check = runProcess(promtool, {QStringLiteral("check"), QStringLiteral("metrics")}, 60000, QByteArray::fromStdString(r.body));
        QVERIFY2(!check.timedOut, "promtool timed out");
        // Exit 3 is promtool's "lint problems"; the only one allowed is Istio's own unit.
        QVERIFY2(check.exitCode == 0 || check.exitCode == 3, qPrintable(check.out + check.err));
        const QStringList lines = (check.out + check.err).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        for (const QString &line : lines)
            QVERIFY2(line.startsWith(QStringLiteral("istio_request_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\"")),
                     qPrintable(line));
    }

    void prometheusSeesTheLoadModelsRate()
    {
        if (prometheusPath().isEmpty())
            QSKIP("prometheus is not installed (Debian's prometheus package)");
        PrometheusProcess prometheus(*m_sim, 1);
        QString error;
        QVERIFY2(prometheus.start(&error), qPrintable(error));
        const double expected = meshRate("shop", "cartservice");
        QVERIFY2(expected > 10, qPrintable(QString::number(expected)));  // frontend's 20 rps along the graph
        const std::string query = "sum(rate(istio_requests_total{reporter=\"destination\",destination_workload=\"cartservice\"}[10s]))";
        const std::string sourceQuery = "sum(rate(istio_requests_total{reporter=\"source\",destination_workload=\"cartservice\"}[10s]))";
        double seen = 0, source = 0;
        // The 10 s window filled with scrapes first (while it fills, the rate climbs towards the value);
        // the source side of the same edges agrees.
        QTest::qWait(12000);
        const bool close = eventually(
            [&] {
                seen = prometheus.scalar(query);
                source = prometheus.scalar(sourceQuery);
                return std::isfinite(seen) && std::abs(seen - expected) <= 0.1 * expected && std::isfinite(source) &&
                       std::abs(source - expected) <= 0.1 * expected;
            },
            15000);
        QVERIFY2(close, qPrintable(QStringLiteral("Prometheus says %1 rps (source side %2), the sim's load model %3").arg(seen).arg(source).arg(expected)));
        qInfo("cartservice: %.2f rps in Prometheus (source side %.2f), %.2f rps set by the sim", seen, source, expected);

        // An image's error rate shows as 5xx within two scrapes.
        const std::string errors = "sum(istio_requests_total{reporter=\"destination\",destination_workload=\"cartservice\",response_code=~\"5..\"})";
        QVERIFY(!(prometheus.scalar(errors) > 0));
        QVERIFY(m_sim->control("error-rate", std::string("namespace=shop&image=") + kCartImage + "&percent=40"));
        QElapsedTimer t;
        t.start();
        QVERIFY2(eventually([&] { return prometheus.scalar(errors) > 0; }, 2500),
                 "no 5xx in istio_requests_total two scrapes after the error rate was raised");
        qInfo("5xx seen in Prometheus %lld ms after the error rate was raised", static_cast<long long>(t.elapsed()));
        QVERIFY(m_sim->control("error-rate", std::string("namespace=shop&image=") + kCartImage + "&percent=0"));
        prometheus.stop();
    }
};

QTEST_MAIN(TestSimMetrics)
#include "tst_simmetrics.moc"
