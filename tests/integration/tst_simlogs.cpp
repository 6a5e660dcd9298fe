// Integration tests of pilothouse-sim's pod logs (generated lines, PodLogOptions, follow) and of
// the demo load wave that drives them and the HPA: the generator on its own, then the API, then
// the default scenario's frontend scaled up and back down by --demo-load-wave.
#include "simprocess.h"

#include "telemetry/loadwave.h"
#include "telemetry/podlogs.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTest>

using namespace pilothouse::testsupport;
namespace sim = pilothouse::sim;

namespace {

constexpr long long kSecond = 1'000'000'000LL;

std::vector<std::string> splitLines(const std::string &body)
{
    std::vector<std::string> out;
    size_t start = 0;
    while (start < body.size()) {
        size_t end = body.find('\n', start);
        if (end == std::string::npos)
            end = body.size();
        if (end > start)
            out.push_back(body.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

size_t countContaining(const std::vector<std::string> &lines, const std::string &part)
{
    return static_cast<size_t>(std::count_if(lines.begin(), lines.end(), [&](const std::string &l) { return l.find(part) != std::string::npos; }));
}

// The time at the start of a timestamps=true line, in milliseconds since the epoch; -1 without one.
qint64 lineMillis(const std::string &line)
{
    static const QRegularExpression re(QStringLiteral("^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d)(?:\\.(\\d{1,9}))?Z "));
    const QRegularExpressionMatch m = re.match(QString::fromStdString(line));
    if (!m.hasMatch())
        return -1;
    return QDateTime::fromString(m.captured(1) + QLatin1Char('Z'), Qt::ISODate).toMSecsSinceEpoch() +
           m.captured(2).leftJustified(3, QLatin1Char('0')).left(3).toInt();
}

// A follow=true log request read on its own thread, as a client that accepts gzip.
class LogFollow {
public:
    LogFollow(const SimProcess &sim, const std::string &path) : m_client(sim.client(Identity::Admin))
    {
        m_thread = std::thread([this, path] {
            httplib::Headers headers{{"Accept-Encoding", "gzip, deflate"}};
            m_client->Get(
                path, headers,
                [this](const httplib::Response &res) {
                    std::lock_guard lock(m_mutex);
                    m_status = res.status;
                    m_contentType = res.get_header_value("Content-Type");
                    return true;
                },
                [this](const char *data, size_t size) {
                    std::lock_guard lock(m_mutex);
                    m_body.append(data, size);
                    return !m_stop.load();
                });
            m_ended = true;
        });
    }
    ~LogFollow()
    {
        m_stop = true;
        m_client->stop();
        if (m_thread.joinable())
            m_thread.join();
    }
    std::string body() const
    {
        std::lock_guard lock(m_mutex);
        return m_body;
    }
    std::vector<std::string> lines() const
    {
        std::string b = body();
        return splitLines(b.substr(0, b.rfind('\n') == std::string::npos ? 0 : b.rfind('\n') + 1));
    }
    int status() const
    {
        std::lock_guard lock(m_mutex);
        return m_status;
    }
    std::string contentType() const
    {
        std::lock_guard lock(m_mutex);
        return m_contentType;
    }
    bool ended() const { return m_ended; }

private:
    std::unique_ptr<httplib::SSLClient> m_client;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::string m_body, m_contentType;
    int m_status = 0;
    std::atomic<bool> m_stop{false}, m_ended{false};
};

const char *kApiPods = "/api/v1/namespaces/demo/pods?labelSelector=app%3Dapi";

}  // namespace

class TestSimLogs : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;

    std::string apiPod() const
    {
        Json pods = m_sim->get(kApiPods).json();
        return pods.value("items", Json::array()).empty() ? std::string() : pods["items"][0]["metadata"].value("name", "");
    }
    HttpReply log(const std::string &pod, const std::string &query = {}) const
    {
        return m_sim->get("/api/v1/namespaces/demo/pods/" + pod + "/log" + (query.empty() ? "" : "?" + query));
    }
    bool setApiLoad(int rps) const { return m_sim->control("load", "namespace=demo&deployment=api&rps=" + std::to_string(rps)); }
    // Creates a bare pod in demo; true when the API accepted it.
    bool createPod(const std::string &name) const
    {
        Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
                    {"spec", {{"containers", {{{"name", "app"}, {"image", "registry.pilothouse.local/demo/worker:0.4"}}}}}}};
        return m_sim->request("POST", "/api/v1/namespaces/demo/pods", pod.dump()).status == 201;
    }
    bool podRunning(const std::string &name) const
    {
        return m_sim->get("/api/v1/namespaces/demo/pods/" + name).json().value("status", Json::object()).value("phase", "") == "Running";
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_sim = std::make_unique<SimProcess>(podTimings(1000, 200, 200));
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        QVERIFY2(eventually([&] { return !apiPod().empty() && podRunning(apiPod()); }, 30000), m_sim->get(kApiPods).body.c_str());
    }
    void cleanupTestCase() { m_sim.reset(); }

    // --- the generator, without a server ---

    void rfc3339NanoDropsTrailingZeros()
    {
        QCOMPARE(sim::rfc3339Nano(0), std::string("1970-01-01T00:00:00Z"));
        QCOMPARE(sim::rfc3339Nano(1'500'000'000LL), std::string("1970-01-01T00:00:01.5Z"));
        QCOMPARE(sim::rfc3339Nano(1'123'456'789LL), std::string("1970-01-01T00:00:01.123456789Z"));
        QCOMPARE(sim::rfc3339Nano(1'120'000'000LL), std::string("1970-01-01T00:00:01.12Z"));
    }

    void generatedHistoryIsStable()
    {
        const long long t0 = 1'760'000'000LL * kSecond;
        sim::ContainerLogSpec spec;
        spec.seed = "uid-1/web/0";
        spec.app = "web";
        spec.version = "1.0";
        spec.image = "registry.pilothouse.local/demo/web:1.0";
        spec.startedAt = t0;
        spec.readyAt = t0 + kSecond;
        spec.rates = {{t0 / kSecond, 5.0}, {t0 / kSecond + 30, 40.0}};
        spec.cpuRequestMillis = 100;
        const sim::ContainerLog log(spec);
        const auto all = log.between(t0 - 1, t0 + 60 * kSecond);
        QVERIFY(!all.empty());
        QCOMPARE(all.front().text, std::string("INFO  starting web 1.0 (registry.pilothouse.local/demo/web:1.0)"));
        // Any split of the same stretch reads the same, and so does another instance of the generator.
        auto first = log.between(t0 - 1, t0 + 20 * kSecond + kSecond / 2);
        const auto rest = sim::ContainerLog(spec).between(t0 + 20 * kSecond + kSecond / 2, t0 + 60 * kSecond);
        first.insert(first.end(), rest.begin(), rest.end());
        QCOMPARE(first.size(), all.size());
        for (size_t i = 0; i < all.size(); ++i) {
            QCOMPARE(first[i].at, all[i].at);
            QCOMPARE(first[i].text, all[i].text);
            if (i)
                QVERIFY(all[i - 1].at <= all[i].at);
        }
        // tail() is the end of the same lines.
        const auto last50 = log.tail(t0 + 60 * kSecond, 50);
        QCOMPARE(last50.size(), size_t(50));
        for (size_t i = 0; i < 50; ++i)
            QCOMPARE(last50[i].text, all[all.size() - 50 + i].text);
        // The access lines follow the rate: about 5 a second, then about 40.
        auto accessIn = [&](long long from, long long to) {
            size_t n = 0;
            for (const auto &l : log.between(t0 + from * kSecond, t0 + to * kSecond))
                n += l.text.find(" 200 ") != std::string::npos && l.text.find("/_healthz") == std::string::npos &&
                     l.text.find("health-check") == std::string::npos;
            return n;
        };
        const size_t slow = accessIn(5, 25), fast = accessIn(35, 55);
        QVERIFY2(slow >= 60 && slow <= 140, qPrintable(QString::number(slow)));
        QVERIFY2(fast >= 560 && fast <= 1000, qPrintable(QString::number(fast)));
        // Learning that the container is being stopped changes nothing before it.
        sim::ContainerLog stopping(spec);
        stopping.setStoppingAt(t0 + 45 * kSecond + kSecond / 3);
        const auto cut = stopping.between(t0 - 1, t0 + 60 * kSecond);
        size_t before = 0;
        while (before < all.size() && all[before].at < t0 + 45 * kSecond + kSecond / 3)
            ++before;
        QCOMPARE(cut.size(), before + 2);
        for (size_t i = 0; i < before; ++i)
            QCOMPARE(cut[i].text, all[i].text);
        QCOMPARE(cut[before].text, std::string("INFO  received SIGTERM, draining connections"));
        QCOMPARE(cut[before + 1].text, std::string("INFO  server stopped"));
        QCOMPARE(stopping.lastPossibleLine(), cut.back().at);
    }

    void loadWaveShape()
    {
        using std::chrono::milliseconds;
        using std::chrono::seconds;
        sim::LoadModel load;
        sim::LoadWave wave(load, {});
        const double peak = wave.options().peakRps, quiet = wave.options().quietRps;
        QCOMPARE(wave.options().period, milliseconds(seconds(300)));
        QCOMPARE(wave.rpsAt(seconds(0)), quiet);
        QCOMPARE(wave.rpsAt(seconds(19)), quiet);
        const double ramp = wave.rpsAt(seconds(30));
        QVERIFY2(ramp > quiet + 10 && ramp < peak, qPrintable(QString::number(ramp)));
        for (int s = 41; s < 130; s += 7) {
            const double rps = wave.rpsAt(seconds(s));
            QVERIFY2(rps >= peak * 0.93 && rps <= peak * 1.07, qPrintable(QStringLiteral("%1 rps at %2 s").arg(rps).arg(s)));
        }
        QCOMPARE(wave.rpsAt(seconds(141)), quiet);
        QCOMPARE(wave.rpsAt(seconds(299)), quiet);
        QCOMPARE(wave.rpsAt(seconds(360)), wave.rpsAt(seconds(60)));  // it repeats
        // A shorter period keeps the proportions.
        sim::LoadWave shortWave(load, {"shop", "frontend", 1, 80, seconds(60)});
        QCOMPARE(shortWave.rpsAt(seconds(3)), quiet);
        QVERIFY(shortWave.rpsAt(seconds(12)) >= peak * 0.93);
        QCOMPARE(shortWave.rpsAt(seconds(30)), quiet);
    }

    // --- the API ---

    void waitingContainerHasNoLogYet()
    {
        QVERIFY(createPod("slow-start"));
        auto cleanup = qScopeGuard([&] { m_sim->request("DELETE", "/api/v1/namespaces/demo/pods/slow-start?gracePeriodSeconds=0"); });
        // The simulated kubelet takes a second (--pod-start-ms) to start the container.
        HttpReply early = log("slow-start");
        QCOMPARE(early.status, 400);
        Json status = early.json();
        QCOMPARE(status.value("reason", ""), std::string("BadRequest"));
        QCOMPARE(status.value("message", ""), std::string("container \"app\" in pod \"slow-start\" is waiting to start: ContainerCreating"));
        QVERIFY2(eventually([&] { return log("slow-start").status == 200; }, 10000), log("slow-start").body.c_str());
        QCOMPARE(splitLines(log("slow-start").body).front(), std::string("INFO  starting slow-start 0.4 (registry.pilothouse.local/demo/worker:0.4)"));
    }

    void previousInstanceAfterARestart()
    {
        QVERIFY(createPod("restarted"));
        auto cleanup = qScopeGuard([&] { m_sim->request("DELETE", "/api/v1/namespaces/demo/pods/restarted?gracePeriodSeconds=0"); });
        QVERIFY(eventually([&] { return podRunning("restarted"); }, 10000));
        HttpReply none = log("restarted", "previous=true");
        QCOMPARE(none.status, 400);
        QCOMPARE(none.json().value("message", ""), std::string("previous terminated container \"app\" in pod \"restarted\" not found"));

        // Record a crash the way the kubelet does: restartCount and the last terminated state.
        Json pod = m_sim->get("/api/v1/namespaces/demo/pods/restarted").json();
        Json &cs = pod["status"]["containerStatuses"][0];
        const std::string startedAt = cs["state"]["running"].value("startedAt", "");
        const QDateTime current = QDateTime::fromString(QString::fromStdString(startedAt), Qt::ISODate);
        const std::string previousStart = current.addSecs(-120).toString(Qt::ISODate).toStdString();
        cs["restartCount"] = 1;
        cs["lastState"] = {{"terminated", {{"exitCode", 1}, {"reason", "Error"}, {"startedAt", previousStart}, {"finishedAt", startedAt},
                                           {"containerID", "containerd://" + std::string(64, 'e')}}}};
        HttpReply put = m_sim->request("PUT", "/api/v1/namespaces/demo/pods/restarted/status", pod.dump());
        QVERIFY2(put.status == 200, put.body.c_str());

        HttpReply previous = log("restarted", "previous=true&timestamps=true");
        QVERIFY2(previous.status == 200, previous.body.c_str());
        const auto lines = splitLines(previous.body);
        QVERIFY2(lines.size() >= 5, previous.body.c_str());
        QVERIFY2(lines.front().find(" INFO  starting restarted 0.4") != std::string::npos, previous.body.c_str());
        QVERIFY2(lines.back().find(" ERROR fatal: lost connection to database:5432: connection refused; exiting") != std::string::npos,
                 previous.body.c_str());
        const qint64 from = current.addSecs(-120).toMSecsSinceEpoch(), to = current.toMSecsSinceEpoch();
        for (const auto &l : lines)
            QVERIFY2(lineMillis(l) >= from && lineMillis(l) <= to, l.c_str());
        // The current instance is another one: its own startup at its own start.
        const auto now = splitLines(log("restarted", "timestamps=true").body);
        QVERIFY(!now.empty());
        QVERIFY2(lineMillis(now.front()) >= to && now.front().find("starting restarted") != std::string::npos, now.front().c_str());

        if (!kubectlPath().isEmpty()) {
            ProcessResult k = runKubectl(*m_sim, {QStringLiteral("logs"), QStringLiteral("restarted"), QStringLiteral("-n"), QStringLiteral("demo"),
                                                  QStringLiteral("--previous")});
            QVERIFY2(k.exitCode == 0, qPrintable(k.err));
            QVERIFY2(k.out.trimmed().endsWith(QStringLiteral("exiting")), qPrintable(k.out));
        }
    }

    void optionsValidation()
    {
        const std::string pod = apiPod();
        QVERIFY(!pod.empty());
        struct Case {
            const char *query;
            int status;
            const char *message;
        };
        const Case cases[] = {
            {"tailLines=-1", 422, "tailLines: Invalid value: -1: must be greater than or equal to 0"},
            {"sinceSeconds=0", 422, "sinceSeconds: Invalid value: 0: must be greater than 0"},
            {"limitBytes=0", 422, "limitBytes: Invalid value: 0: must be greater than 0"},
            {"sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z", 422, "at most one of `sinceTime` or `sinceSeconds` may be specified"},
            {"tailLines=ten", 400, "strconv.ParseInt: parsing \"ten\": invalid syntax"},
            {"container=sidecar", 400, "container sidecar is not valid for pod "},
        };
        for (const Case &c : cases) {
            HttpReply r = log(pod, c.query);
            QVERIFY2(r.status == c.status, (std::string(c.query) + ": " + r.body).c_str());
            QVERIFY2(r.json().value("message", "").find(c.message) != std::string::npos, (std::string(c.query) + ": " + r.body).c_str());
        }
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/pods/nope/log").status, 404);
        QCOMPARE(m_sim->request("POST", "/api/v1/namespaces/demo/pods/" + pod + "/log", "{}").status, 405);
        // The view role may read logs.
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/pods/" + pod + "/log", Identity::Viewer).status, 200);
    }

    void limitBytesCutsTheLog()
    {
        const std::string pod = apiPod();
        HttpReply all = log(pod);
        HttpReply cut = log(pod, "limitBytes=25");
        QCOMPARE(cut.status, 200);
        QCOMPARE(cut.body.size(), size_t(25));
        QCOMPARE(cut.body, all.body.substr(0, 25));
    }

    void accessLinesFollowTheLoad()
    {
        const std::string pod = apiPod();
        auto idle = qScopeGuard([&] { setApiLoad(0); });
        QVERIFY(setApiLoad(0));
        QTest::qWait(3500);
        auto requests = [&](const char *since) { return countContaining(splitLines(log(pod, std::string("sinceSeconds=") + since).body), " /api/items"); };
        QCOMPARE(requests("2"), size_t(0));
        // 30 requests a second on one replica: about 60 access lines in two seconds.
        QVERIFY(setApiLoad(30));
        QTest::qWait(4000);
        const size_t busy = requests("2");
        QVERIFY2(busy >= 35 && busy <= 90, qPrintable(QString::number(busy)));
    }

    void historyIsBoundedLikeARotatedLog()
    {
        const std::string pod = apiPod();
        auto idle = qScopeGuard([&] { setApiLoad(0); });
        QVERIFY(setApiLoad(600));
        QTest::qWait(3500);
        const auto all = splitLines(log(pod, "timestamps=true").body);
        QCOMPARE(all.size(), sim::ContainerLog::kRetainedLines);
        QCOMPARE(splitLines(log(pod, "tailLines=5000").body).size(), sim::ContainerLog::kRetainedLines);
        QCOMPARE(splitLines(log(pod, "tailLines=7").body).size(), size_t(7));
        for (size_t i = 1; i < all.size(); ++i)
            QVERIFY2(lineMillis(all[i - 1]) <= lineMillis(all[i]) && lineMillis(all[i]) > 0, all[i].c_str());
        // Far past its CPU request, the pod answers slowly and sheds load.
        QVERIFY2(countContaining(all, " 503 ") > 0, all.back().c_str());
    }

    void followStreamsLiveWithoutCompressionDelay()
    {
        const std::string pod = apiPod();
        auto idle = qScopeGuard([&] { setApiLoad(0); });
        QVERIFY(setApiLoad(5));
        const qint64 started = QDateTime::currentMSecsSinceEpoch();
        LogFollow follow(*m_sim, "/api/v1/namespaces/demo/pods/" + pod + "/log?follow=true&tailLines=0&timestamps=true");
        // Lines written after the request arrive while it is open, not when it ends.
        QVERIFY2(eventually([&] { return countContaining(follow.lines(), " /api/items") >= 3; }, 8000), follow.body().c_str());
        QVERIFY(!follow.ended());
        QCOMPARE(follow.status(), 200);
        QCOMPARE(follow.contentType(), std::string("text/plain"));
        for (const auto &l : follow.lines())
            QVERIFY2(lineMillis(l) >= started, l.c_str());
    }

    void followEndsWhenThePodGoes()
    {
        QVERIFY(createPod("short-lived"));
        QVERIFY(eventually([&] { return podRunning("short-lived"); }, 10000));
        LogFollow follow(*m_sim, "/api/v1/namespaces/demo/pods/short-lived/log?follow=true");
        QVERIFY(eventually([&] { return follow.lines().size() >= 3; }, 5000));
        QTest::qWait(300);
        QVERIFY(!follow.ended());
        QCOMPARE(m_sim->request("DELETE", "/api/v1/namespaces/demo/pods/short-lived").status, 200);
        QVERIFY2(eventually([&] { return follow.ended(); }, 10000), follow.body().c_str());
        const auto lines = follow.lines();
        QVERIFY2(lines.size() >= 5 && lines.back() == "INFO  server stopped" && lines[lines.size() - 2] == "INFO  received SIGTERM, draining connections",
                 follow.body().c_str());
    }

    void followHonoursLimitBytes()
    {
        const std::string pod = apiPod();
        auto idle = qScopeGuard([&] { setApiLoad(0); });
        QVERIFY(setApiLoad(20));
        LogFollow follow(*m_sim, "/api/v1/namespaces/demo/pods/" + pod + "/log?follow=true&tailLines=0&limitBytes=300");
        QVERIFY2(eventually([&] { return follow.ended(); }, 10000), follow.body().c_str());
        QCOMPARE(follow.body().size(), size_t(300));
    }

    // --- the demo load wave ---

    void badWaveTargetIsRefused()
    {
        ProcessResult r = runProcess(simBinary(), {QStringLiteral("--demo-load-wave-target"), QStringLiteral("frontend")}, 10000);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("\"frontend\" is not NAMESPACE/DEPLOYMENT")), qPrintable(r.err));
    }

    void demoLoadWaveScalesFrontendUpAndDown()
    {
        // The default scenario, with the wave's cycle at 60 s instead of 300 and the HPA 30 times
        // faster (15 s sync -> 0.5 s; 300 s scale-down window -> 10 s).
        SimProcess demo({QStringLiteral("--demo-load-wave"), QStringLiteral("--demo-load-wave-period"), QStringLiteral("60"), QStringLiteral("--time-scale"),
                         QStringLiteral("30"), QStringLiteral("--pod-start-ms"), QStringLiteral("100"), QStringLiteral("--pod-ready-ms"), QStringLiteral("100"),
                         QStringLiteral("--pod-stop-ms"), QStringLiteral("100")},
                        sourceDir() + QStringLiteral("/resources/scenarios/default.yaml"));
        QString error;
        QVERIFY2(demo.start(&error), qPrintable(error));
        const std::string deployment = "/apis/apps/v1/namespaces/shop/deployments/frontend";
        auto number = [&](const char *section, const char *key) {
            Json d = demo.get(deployment).json();
            if (!d.is_object() || !d.contains(section) || !d[section].is_object() || !d[section].contains(key) || !d[section][key].is_number_integer())
                return 0LL;
            return d[section][key].get<long long>();
        };
        auto specReplicas = [&] { return number("spec", "replicas"); };
        auto readyReplicas = [&] { return number("status", "readyReplicas"); };
        // The scenario starts frontend with two; the operator's starting point here is one, set
        // before the wave's first ramp (at 4 s).
        HttpReply scaled = demo.request("PATCH", deployment + "/scale", R"({"spec":{"replicas":1}})", "application/merge-patch+json");
        QVERIFY2(scaled.status == 200, scaled.body.c_str());
        QVERIFY2(eventually([&] { return specReplicas() == 1 && readyReplicas() == 1; }, 10000), demo.get(deployment).body.c_str());

        QElapsedTimer clock;
        clock.start();
        QVERIFY2(eventually([&] { return specReplicas() >= 3; }, 30000), demo.get("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/frontend").body.c_str());
        const qint64 up = clock.elapsed();
        QVERIFY2(specReplicas() <= 5, demo.get(deployment).body.c_str());
        // On the plateau each of the pods serves ~20 requests a second, and logs them.
        Json pods = demo.get("/api/v1/namespaces/shop/pods?labelSelector=app%3Dfrontend").json();
        QVERIFY(!pods["items"].empty());
        const std::string pod = pods["items"][0]["metadata"].value("name", "");
        QVERIFY2(eventually([&] {
                     return countContaining(splitLines(demo.get("/api/v1/namespaces/shop/pods/" + pod + "/log?sinceSeconds=2").body), " 200 ") >= 15;
                 }, 15000),
                 demo.get("/api/v1/namespaces/shop/pods/" + pod + "/log?tailLines=20").body.c_str());

        // The load drops at 28 s; after the scale-down window the HPA comes back to one.
        QVERIFY2(eventually([&] { return specReplicas() == 1; }, 60000), demo.get("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/frontend").body.c_str());
        qInfo("frontend reached >= 3 replicas %lld ms after the wave began, and 1 again %lld ms after that", static_cast<long long>(up),
              static_cast<long long>(clock.elapsed() - up));

        // The scaling is on record as events, as kubectl shows them.
        Json events = demo.get("/api/v1/namespaces/shop/events").json();
        std::vector<std::string> seen;
        for (const auto &e : events.value("items", Json::array()))
            if (e["involvedObject"].value("name", "") == "frontend")
                seen.push_back(e.value("reason", "") + " | " + e["source"].value("component", "") + " | " + e.value("message", ""));
        std::string all;
        for (const auto &s : seen)
            all += s + "\n";
        auto has = [&](const std::string &pattern) {
            const QRegularExpression re(QString::fromStdString(pattern));
            return std::any_of(seen.begin(), seen.end(), [&](const std::string &s) { return re.match(QString::fromStdString(s)).hasMatch(); });
        };
        QVERIFY2(has(R"(^SuccessfulRescale \| horizontal-pod-autoscaler \| New size: [345]; reason: cpu resource utilization \(percentage of request\) above target$)"),
                 all.c_str());
        QVERIFY2(has(R"(^SuccessfulRescale \| horizontal-pod-autoscaler \| New size: 1; reason: All metrics below target$)"), all.c_str());
        QVERIFY2(has(R"(^ScalingReplicaSet \| deployment-controller \| Scaled up replica set frontend-\w+ to [345] from \d$)"), all.c_str());
        QVERIFY2(has(R"(^ScalingReplicaSet \| deployment-controller \| Scaled down replica set frontend-\w+ to 1 from \d$)"), all.c_str());
        if (!kubectlPath().isEmpty()) {
            ProcessResult k = runKubectl(demo, {QStringLiteral("get"), QStringLiteral("events"), QStringLiteral("-n"), QStringLiteral("shop")});
            QVERIFY2(k.exitCode == 0, qPrintable(k.err));
            for (const char *row : {R"(\sNormal\s+SuccessfulRescale\s+horizontalpodautoscaler/frontend\s+New size: 1; reason: All metrics below target\n)",
                                    R"(\sNormal\s+ScalingReplicaSet\s+deployment/frontend\s+Scaled up replica set frontend-)"})
                QVERIFY2(QRegularExpression(QLatin1String(row)).match(k.out).hasMatch(), qPrintable(k.out));
        }
    }
};

QTEST_GUILESS_MAIN(TestSimLogs)
#include "tst_simlogs.moc"
