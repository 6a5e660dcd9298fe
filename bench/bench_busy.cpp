// Benchmark: a busy namespace (issue 11): 1,000 Deployments and 1,000 Argo Rollouts of 5 pods each in
// pilothouse-sim, the real MainWindow with the Rollouts, Scaling and Logs pages open, and 500 changes
// per second for 30 s: the GUI thread's CPU time per second, every thread's CPU, the longest GUI
// stall, RSS, and event -> painted row latency on the visible Rollouts list. It prints figures and
// asserts nothing (docs/benchmarks.md records a run and the aims).
#include "benchmachine.h"
#include "benchprobes.h"
#include "actions/auditlog.h"
#include "actions/sessionactions.h"
#include "delivery/rolloutsview.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/cache/kubeobject.h"
#include "kube/session/kubesession.h"
#include "logmodel.h"
#include "objecttablemodel.h"
#include "registerpages.h"
#include "resources/logview.h"
#include "resources/resourcespage.h"
#include "resources/scalingview.h"
#include "rollouts/rolloutwatch.h"
#include "shell/mainwindow.h"
#include "shell/navigator.h"
#include "shell/namespacepicker.h"
#include "shell/shellsettings.h"
#include "simprocess.h"

#include <QApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QHeaderView>
#include <QPainter>
#include <QProcess>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QTreeView>

#include <curl/curl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

using namespace pilothouse;
using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;
namespace ts = pilothouse::testsupport;
using namespace pilothouse::bench;

namespace {

using Clock = std::chrono::steady_clock;
using Json = ts::Json;

const char *const kNs = "busy";

QString firstLine(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readLine().trimmed()) : QString();
}

// schedstat: time spent on a CPU and time spent waiting for one (runnable, in the run queue), ns.
std::pair<qint64, qint64> schedstat(const std::string &path)
{
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f)
        return {0, 0};
    long long run = 0, wait = 0;
    if (std::fscanf(f, "%lld %lld", &run, &wait) != 2)
        run = wait = 0;
    std::fclose(f);
    return {run, wait};
}
qint64 schedstatNs(const std::string &path) { return schedstat(path).first; }

void out(const QString &line)
{
    std::fputs(line.toLocal8Bit().constData(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

QString ms(double v) { return QString::number(v, 'f', v < 10 ? 1 : 0) + QStringLiteral(" ms"); }
QString pc(double v) { return QString::number(v, 'f', v < 10 ? 2 : 1) + QStringLiteral(" %"); }
QString mib(long long kb) { return QString::number(double(kb) / 1024.0, 'f', 1) + QStringLiteral(" MiB"); }
QString met(bool b) { return b ? QStringLiteral("met") : QStringLiteral("**not met**"); }
QString loadAverage() { return firstLine(QStringLiteral("/proc/loadavg")).section(QLatin1Char(' '), 0, 2); }

qint64 childPid(const QString &commPrefix)
{
    const QString self = QString::number(getpid());
    for (const QString &pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        if (!pid.front().isDigit())
            continue;
        const QString stat = firstLine(QStringLiteral("/proc/%1/stat").arg(pid));
        const qsizetype close = stat.lastIndexOf(QLatin1Char(')'));
        if (close < 0 || !stat.mid(stat.indexOf(QLatin1Char('(')) + 1).startsWith(commPrefix))
            continue;
        if (stat.mid(close + 2).split(QLatin1Char(' ')).value(1) == self)
            return pid.toLongLong();
    }
    return 0;
}

std::vector<std::string> taskIds(const std::string &pid)
{
    std::vector<std::string> out;
    for (const QString &tid : QDir(QString::fromStdString("/proc/" + pid + "/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        out.push_back(tid.toStdString());
    return out;
}

// Runs the event loop for `msec` without any polling of ours.
void spin(int msec)
{
    QEventLoop loop;
    QTimer::singleShot(msec, &loop, &QEventLoop::quit);
    loop.exec();
}

bool spinUntil(const std::function<bool()> &condition, int timeoutMs, int stepMs = 50)
{
    const qint64 deadline = nowNs() + qint64(timeoutMs) * 1000000;
    while (!condition()) {
        if (nowNs() > deadline)
            return false;
        spin(stepMs);
    }
    return true;
}

qint64 threadCpuNs()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return qint64(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// ---- CPU of every thread, once a second, from a thread of its own ------------------------------

// Groups: the GUI thread (its CLOCK_THREAD_CPUTIME_ID, read through pthread_getcpuclockid, and its
// schedstat), the session's worker ("kube-session"), the HTTP engine's loop thread (the thread that
// appeared when the engine was built), this benchmark's own threads ("bench-*": the change driver,
// the event watch, this sampler), everything else (Qt's helpers, libcurl's resolver); and the sim.
struct CpuSample {
    qint64 wallNs = 0;
    qint64 guiClockNs = 0;
    qint64 guiWaitNs = 0;  // the GUI thread runnable but not on a CPU (the machine's other work)
    qint64 gui = 0, session = 0, engine = 0, bench = 0, other = 0, sim = 0;
    long long rssKb = 0, simRssKb = 0;
};

class CpuSampler {
public:
    CpuSampler(pthread_t gui, std::set<std::string> engineTids) : m_gui(gui), m_engine(std::move(engineTids))
    {
        pthread_getcpuclockid(m_gui, &m_guiClock);
    }
    ~CpuSampler() { stop(); }
    void setSim(qint64 pid) { m_sim = pid ? std::to_string(pid) : std::string(); }
    void start()
    {
        m_thread = std::thread([this] {
            pthread_setname_np(pthread_self(), "bench-sampler");
            while (!m_stop) {
                CpuSample s = sample();
                {
                    std::lock_guard<std::mutex> lock(m_mutex);
                    m_samples.push_back(s);
                }
                for (int i = 0; i < 20 && !m_stop; ++i)
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        });
    }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    CpuSample sample() const
    {
        CpuSample c;
        c.wallNs = nowNs();
        timespec t{};
        clock_gettime(m_guiClock, &t);
        c.guiClockNs = qint64(t.tv_sec) * 1000000000 + t.tv_nsec;
        const std::string self = std::to_string(getpid());
        std::lock_guard<std::mutex> lock(m_threadsMutex);
        std::set<std::string> alive;
        for (const std::string &tid : taskIds(self)) {
            const std::string base = "/proc/self/task/" + tid;
            const auto [ns, wait] = schedstat(base + "/schedstat");
            std::string comm = readSmall(base + "/comm");
            while (!comm.empty() && (comm.back() == '\n'))
                comm.pop_back();
            int group = 4;  // other
            if (tid == self) {
                group = 0;
                c.guiWaitNs = wait;
            } else if (comm == "kube-session") {
                group = 1;
            } else if (m_engine.count(tid)) {
                group = 2;
            } else if (comm.rfind("bench-", 0) == 0) {
                group = 3;
            }
            if (ns > 0)
                m_lastSeen[tid] = {group, ns};
            alive.insert(tid);
        }
        // A thread that ended keeps its time in its group.
        for (auto it = m_lastSeen.begin(); it != m_lastSeen.end();) {
            if (!alive.count(it->first)) {
                m_retired[it->second.first] += it->second.second;
                it = m_lastSeen.erase(it);
            } else {
                ++it;
            }
        }
        qint64 groups[5] = {m_retired[0], m_retired[1], m_retired[2], m_retired[3], m_retired[4]};
        for (const auto &[tid, seen] : m_lastSeen)
            groups[seen.first] += seen.second;
        c.gui = groups[0];
        c.session = groups[1];
        c.engine = groups[2];
        c.bench = groups[3];
        // Everything else from the process's total (utime + stime), which keeps the threads that ended.
        {
            const std::string stat = readSmall("/proc/self/stat");
            const size_t close = stat.rfind(')');
            long long utime = 0, stime = 0;
            if (close != std::string::npos)
                std::sscanf(stat.c_str() + close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &utime, &stime);
            const qint64 total = (utime + stime) * (1000000000LL / sysconf(_SC_CLK_TCK));
            c.other = std::max<qint64>(0, total - c.gui - c.session - c.engine - c.bench);
        }
        if (!m_sim.empty()) {
            for (const std::string &tid : taskIds(m_sim))
                c.sim += schedstatNs("/proc/" + m_sim + "/task/" + tid + "/schedstat");
            c.simRssKb = statusKb(m_sim, "VmRSS:");
        }
        c.rssKb = statusKb(self, "VmRSS:");
        return c;
    }
    // The samples taken in [from, to], with one taken now at each end.
    std::vector<CpuSample> between(qint64 from, qint64 to) const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        std::vector<CpuSample> v;
        for (const CpuSample &s : m_samples)
            if (s.wallNs >= from && s.wallNs <= to)
                v.push_back(s);
        return v;
    }

private:
    pthread_t m_gui;
    clockid_t m_guiClock{};
    std::set<std::string> m_engine;
    std::string m_sim;
    mutable std::mutex m_threadsMutex;
    mutable std::map<std::string, std::pair<int, qint64>> m_lastSeen;  // tid -> (group, CPU ns)
    mutable qint64 m_retired[5] = {0, 0, 0, 0, 0};
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex;
    std::vector<CpuSample> m_samples;
};

// Percent of one core per group between two samples, and the GUI thread's ms per second, per second.
struct CpuShare {
    double seconds = 0, console = 0, gui = 0, session = 0, engine = 0, other = 0, bench = 0, sim = 0;
    double guiWait = 0;                  // % of the wall time the GUI thread waited for a CPU
    std::vector<double> guiMsPerSecond;  // sorted, one per sampler interval
    double guiMean = 0;                  // ms per s from the GUI thread's clock over the whole phase
    long long rssMaxKb = 0, simRssMaxKb = 0;
};

CpuShare share(const CpuSample &a, const CpuSample &b, const std::vector<CpuSample> &series)
{
    CpuShare s;
    const double wall = double(b.wallNs - a.wallNs);
    s.seconds = wall / 1e9;
    auto p = [wall](qint64 x, qint64 y) { return wall > 0 ? 100.0 * double(y - x) / wall : 0.0; };
    s.gui = p(a.gui, b.gui);
    s.session = p(a.session, b.session);
    s.engine = p(a.engine, b.engine);
    s.other = std::max(0.0, p(a.other, b.other));  // whole clock ticks against nanoseconds: a few ms either way
    s.console = s.gui + s.session + s.engine + s.other;
    s.bench = p(a.bench, b.bench);
    s.sim = p(a.sim, b.sim);
    s.guiWait = p(a.guiWaitNs, b.guiWaitNs);
    s.guiMean = wall > 0 ? double(b.guiClockNs - a.guiClockNs) / 1e6 / (wall / 1e9) : 0;
    std::vector<CpuSample> all;
    all.push_back(a);
    all.insert(all.end(), series.begin(), series.end());
    all.push_back(b);
    for (size_t i = 1; i < all.size(); ++i) {
        const double w = double(all[i].wallNs - all[i - 1].wallNs) / 1e9;
        if (w > 0.5)
            s.guiMsPerSecond.push_back(double(all[i].guiClockNs - all[i - 1].guiClockNs) / 1e6 / w);
        s.rssMaxKb = std::max(s.rssMaxKb, all[i].rssKb);
        s.simRssMaxKb = std::max(s.simRssMaxKb, all[i].simRssKb);
    }
    std::sort(s.guiMsPerSecond.begin(), s.guiMsPerSecond.end());
    return s;
}

QString describe(const CpuShare &s)
{
    return QStringLiteral("console %1 of one core (GUI thread %2, kube-session %3, HTTP engine %4, other %5); sim %6; benchmark's own threads %7")
        .arg(pc(s.console), pc(s.gui), pc(s.session), pc(s.engine), pc(s.other), pc(s.sim), pc(s.bench));
}

QString guiPerSecond(const CpuShare &s)
{
    const auto &v = s.guiMsPerSecond;
    return QStringLiteral("mean %1 per s; per 1 s interval: median %2, p90 %3, max %4 (%5 intervals); waiting for a CPU %6 of the time")
        .arg(ms(s.guiMean), ms(pct(v, 50)), ms(pct(v, 90)), ms(v.empty() ? 0 : v.back()))
        .arg(v.size())
        .arg(pc(s.guiWait));
}

// ---- the GUI thread's slices: what it spends its time on, and its longest stall ----------------

// Every event the application dispatches on the GUI thread (outermost only: an event handled inside
// another one's processing belongs to that one's slice), by receiver class (and its parent's class:
// a Projection's parent is the watch it feeds) and event type.
struct SliceStats {
    int count = 0;
    double cpuMs = 0, wallMs = 0, maxWallMs = 0;
};

struct SliceRecorder {
    bool recording = false;
    int depth = 0;
    std::map<std::tuple<const char *, const char *, int>, SliceStats> byKind;
    double longestWall = 0, longestCpu = 0;
    QString longestWhat;
    void reset()
    {
        byKind.clear();
        longestWall = longestCpu = 0;
        longestWhat.clear();
    }
};
SliceRecorder slices;

QString eventName(int type)
{
    switch (type) {
    case QEvent::MetaCall: return QStringLiteral("queued call");
    case QEvent::Timer: return QStringLiteral("timer");
    case QEvent::UpdateRequest: return QStringLiteral("paint (backing store)");
    case QEvent::Paint: return QStringLiteral("paint");
    case QEvent::LayoutRequest: return QStringLiteral("layout");
    case QEvent::DeferredDelete: return QStringLiteral("deferred delete");
    case QEvent::SockAct: return QStringLiteral("socket");
    default: return QStringLiteral("event %1").arg(type);
    }
}

QString shortClass(const char *name)
{
    QString s = QString::fromLatin1(name ? name : "-");
    return s.mid(s.lastIndexOf(QLatin1Char(':')) + 1);
}

class BenchApplication : public QApplication {
public:
    using QApplication::QApplication;
    bool notify(QObject *receiver, QEvent *event) override
    {
        if (!slices.recording || slices.depth > 0 || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        ++slices.depth;
        const char *cls = receiver->metaObject()->className();
        const char *parent = receiver->parent() ? receiver->parent()->metaObject()->className() : nullptr;
        const int type = event->type();
        const qint64 c0 = threadCpuNs();
        const qint64 t0 = nowNs();
        const bool done = QApplication::notify(receiver, event);
        const double wall = msBetween(t0, nowNs());
        const double cpu = msBetween(c0, threadCpuNs());
        SliceStats &s = slices.byKind[{cls, parent, type}];
        ++s.count;
        s.cpuMs += cpu;
        s.wallMs += wall;
        s.maxWallMs = std::max(s.maxWallMs, wall);
        if (wall > slices.longestWall) {
            slices.longestWall = wall;
            slices.longestCpu = cpu;
            slices.longestWhat = QStringLiteral("%1 (in %2), %3").arg(shortClass(cls), shortClass(parent), eventName(type));
        }
        --slices.depth;
        return done;
    }
};

// ---- HTTP: requests through one libcurl multi handle, several kept-alive connections -----------

size_t discard(char *, size_t size, size_t n, void *) { return size * n; }
size_t collect(char *data, size_t size, size_t n, void *user)
{
    static_cast<std::string *>(user)->append(data, size * n);
    return size * n;
}

struct CurlIdentity {
    std::string url, ca, cert, key;
    explicit CurlIdentity(const ts::SimProcess &sim)
        : url(sim.url().toStdString()), ca(sim.caFile().toStdString()), cert(sim.certFile().toStdString()), key(sim.keyFile().toStdString())
    {
    }
    CURL *handle() const
    {
        CURL *h = curl_easy_init();
        curl_easy_setopt(h, CURLOPT_CAINFO, ca.c_str());
        curl_easy_setopt(h, CURLOPT_SSLCERT, cert.c_str());
        curl_easy_setopt(h, CURLOPT_SSLKEY, key.c_str());
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_1_1));
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
        return h;
    }
};

struct Request {
    std::string method, path, body, contentType = "application/json";
    long status = 0;  // negative: the libcurl error, no answer
};

// Sends every request as fast as the server takes them through `connections` connections.
double runRequests(const CurlIdentity &id, std::vector<Request> &requests, int connections)
{
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, long(connections));
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, long(connections));
    std::deque<CURL *> idle;
    std::unordered_map<CURL *, std::pair<size_t, curl_slist *>> inFlight;
    for (int i = 0; i < connections; ++i) {
        CURL *h = id.handle();
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
        idle.push_back(h);
    }
    const qint64 t0 = nowNs();
    size_t next = 0;
    while (next < requests.size() || !inFlight.empty()) {
        while (next < requests.size() && !idle.empty()) {
            CURL *h = idle.front();
            idle.pop_front();
            Request &r = requests[next];
            const std::string url = id.url + r.path;
            curl_easy_setopt(h, CURLOPT_URL, url.c_str());
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
            curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, r.body.c_str());
            curl_slist *headers = curl_slist_append(nullptr, ("Content-Type: " + r.contentType).c_str());
            headers = curl_slist_append(headers, "Accept: application/json");
            curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
            inFlight[h] = {next++, headers};
            curl_multi_add_handle(multi, h);
        }
        int running = 0;
        curl_multi_perform(multi, &running);
        int left = 0;
        while (CURLMsg *msg = curl_multi_info_read(multi, &left)) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *h = msg->easy_handle;
            auto [index, headers] = inFlight[h];
            Request &r = requests[index];
            if (msg->data.result == CURLE_OK)
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
            else
                r.status = -long(msg->data.result);
            curl_slist_free_all(headers);
            inFlight.erase(h);
            curl_multi_remove_handle(multi, h);
            idle.push_back(h);
        }
        curl_multi_poll(multi, nullptr, 0, 5, nullptr);
    }
    const double seconds = double(nowNs() - t0) / 1e9;
    for (CURL *h : idle)
        curl_easy_cleanup(h);
    curl_multi_cleanup(multi);
    return seconds;
}

QString statusSummary(const std::vector<Request> &requests, long expected)
{
    std::map<long, int> by;
    for (const Request &r : requests)
        ++by[r.status];
    QStringList parts;
    for (const auto &[status, n] : by)
        parts << (status == expected ? QStringLiteral("%1 × %2").arg(n).arg(status)
                  : status < 0       ? QStringLiteral("%1 × no answer (%2)").arg(n).arg(QString::fromLatin1(curl_easy_strerror(CURLcode(-status))))
                                     : QStringLiteral("%1 × HTTP %2").arg(n).arg(status));
    return parts.join(QStringLiteral(", "));
}

// ---- the busy namespace's objects ---------------------------------------------------------------

QString objName(const char *prefix, int i) { return QStringLiteral("%1-%2").arg(QLatin1String(prefix)).arg(i + 1, 4, 10, QLatin1Char('0')); }

// What a real service's pod template carries: a port, requests and limits, a probe, a few env vars.
Json podTemplate(const std::string &app)
{
    return {{"metadata", {{"labels", {{"app", app}, {"tier", "busy"}}}, {"annotations", {{"prometheus.io/scrape", "true"}}}}},
            {"spec",
             {{"containers",
               {{{"name", "app"},
                 {"image", "registry.pilothouse.local/busy/" + app + ":1.0.0"},
                 {"ports", {{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}}}},
                 {"env", {{{"name", "APP"}, {"value", app}}, {{"name", "LOG_LEVEL"}, {"value", "info"}}}},
                 {"resources", {{"requests", {{"cpu", "50m"}, {"memory", "64Mi"}}}, {"limits", {{"memory", "128Mi"}}}}},
                 {"readinessProbe", {{"httpGet", {{"path", "/healthz"}, {"port", 8080}}}, {"periodSeconds", 5}}}}}},
              {"terminationGracePeriodSeconds", 5}}}};
}

// Blue-green (odd numbers: active and preview Services) and canary (even numbers: four steps,
// no traffic routing) Rollouts; Deployments with RollingUpdate.
bool isBlueGreen(int i) { return i % 2 == 0; }  // ro-0001, ro-0003, ...

std::vector<Request> busyObjects(int deployments, int rollouts, int replicas)
{
    const std::string ns = kNs;
    std::vector<Request> out;
    for (int i = 0; i < rollouts; ++i) {
        if (!isBlueGreen(i))
            continue;
        const std::string name = objName("ro", i).toStdString();
        for (const char *role : {"active", "preview"}) {
            Json svc = {{"apiVersion", "v1"},
                        {"kind", "Service"},
                        {"metadata", {{"name", name + "-" + role}, {"namespace", ns}, {"labels", {{"app", name}}}}},
                        {"spec", {{"selector", {{"app", name}}}, {"ports", {{{"name", "http"}, {"port", 80}, {"targetPort", 8080}}}}}}};
            out.push_back({"POST", "/api/v1/namespaces/" + ns + "/services", svc.dump()});
        }
    }
    for (int i = 0; i < std::max(deployments, rollouts); ++i) {
        if (i < deployments) {
            const std::string name = objName("dep", i).toStdString();
            Json d = {{"apiVersion", "apps/v1"},
                      {"kind", "Deployment"},
                      {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", name}, {"tier", "busy"}}}}},
                      {"spec", {{"replicas", replicas}, {"revisionHistoryLimit", 3}, {"selector", {{"matchLabels", {{"app", name}}}}}, {"template", podTemplate(name)}}}};
            out.push_back({"POST", "/apis/apps/v1/namespaces/" + ns + "/deployments", d.dump()});
        }
        if (i < rollouts) {
            const std::string name = objName("ro", i).toStdString();
            Json strategy = isBlueGreen(i)
                                ? Json{{"blueGreen", {{"activeService", name + "-active"}, {"previewService", name + "-preview"}, {"autoPromotionEnabled", true}}}}
                                : Json{{"canary",
                                        {{"steps",
                                          {{{"setWeight", 20}}, {{"pause", {{"duration", "10s"}}}}, {{"setWeight", 50}}, {{"pause", {{"duration", "10s"}}}}}}}}};
            Json r = {{"apiVersion", "argoproj.io/v1alpha1"},
                      {"kind", "Rollout"},
                      {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", name}, {"tier", "busy"}}}}},
                      {"spec",
                       {{"replicas", replicas},
                        {"revisionHistoryLimit", 3},
                        {"selector", {{"matchLabels", {{"app", name}}}}},
                        {"template", podTemplate(name)},
                        {"strategy", strategy}}}};
            out.push_back({"POST", "/apis/argoproj.io/v1alpha1/namespaces/" + ns + "/rollouts", r.dump()});
        }
    }
    return out;
}

struct Readiness {
    bool ok = false;
    long long desired = 0, ready = 0;  // summed over the Deployments' and Rollouts' status
    int deployments = 0, rollouts = 0;
    int workloadsReady = 0;            // with readyReplicas == spec.replicas
};

Readiness readiness(const ts::SimProcess &sim)
{
    Readiness r;
    r.ok = true;
    for (const char *path : {"/apis/apps/v1/namespaces/busy/deployments", "/apis/argoproj.io/v1alpha1/namespaces/busy/rollouts"}) {
        const ts::HttpReply reply = sim.get(path);
        if (reply.status != 200) {
            r.ok = false;
            continue;
        }
        const Json list = Json::parse(reply.body, nullptr, false);
        if (!list.is_object() || !list.contains("items"))
            continue;
        for (const Json &o : list["items"]) {
            const long long want = o.value("spec", Json::object()).value("replicas", 1LL);
            const long long ready = o.value("status", Json::object()).value("readyReplicas", 0LL);
            r.desired += want;
            r.ready += ready;
            if (ready == want)
                ++r.workloadsReady;
            (std::string(path).find("rollouts") != std::string::npos ? r.rollouts : r.deployments)++;
        }
    }
    return r;
}

struct PodCensus {
    int total = 0, running = 0, ready = 0;
    std::map<std::string, int> phases;
    std::vector<std::string> names;  // the Running and ready ones
    std::map<std::string, std::vector<int>> byApp;  // app label -> indexes into names
    double seconds = 0;
};

// Every pod of the namespace, listed in pages as a client would: phase and Ready condition as the sim reports them.
PodCensus podCensus(const ts::SimProcess &sim)
{
    PodCensus c;
    const qint64 t0 = nowNs();
    std::string cont;
    do {
        std::string path = "/api/v1/namespaces/busy/pods?limit=2000";
        if (!cont.empty())
            path += "&continue=" + cont;
        const ts::HttpReply reply = sim.get(path);
        if (reply.status != 200)
            break;
        const Json list = Json::parse(reply.body, nullptr, false);
        if (!list.is_object())
            break;
        for (const Json &p : list.value("items", Json::array())) {
            ++c.total;
            const Json status = p.value("status", Json::object());
            const Json meta = p.value("metadata", Json::object());
            const std::string phase = status.value("phase", "Pending");
            ++c.phases[phase];
            bool ready = false;
            for (const Json &cond : status.value("conditions", Json::array()))
                if (cond.value("type", "") == "Ready" && cond.value("status", "") == "True")
                    ready = true;
            if (phase == "Running")
                ++c.running;
            if (ready)
                ++c.ready;
            if (phase == "Running" && ready && !meta.contains("deletionTimestamp")) {
                c.byApp[meta.value("labels", Json::object()).value("app", "")].push_back(static_cast<int>(c.names.size()));
                c.names.push_back(meta.value("name", ""));
            }
        }
        cont = list.contains("metadata") ? list["metadata"].value("continue", "") : std::string();
    } while (!cont.empty());
    c.seconds = double(nowNs() - t0) / 1e9;
    return c;
}

// ---- the change driver: ~500 changes per second, a mix, paced -------------------------------------

enum Kind { PodRestart, PodReadyFlip, RolloutScale, RolloutAnnotate, DeploymentScale, KindCount };
const char *kindName(int k)
{
    static const char *names[] = {"pod restartCount", "pod ready flip", "Rollout replicas +-1", "Rollout annotation", "Deployment replicas +-1"};
    return names[k];
}

struct Sent {
    Kind kind = PodRestart;
    int target = -1;
    int value = 0;  // replicas set (scales), sequence number (restartCount, annotation)
    qint64 sentNs = 0, doneNs = 0;
    long status = 0;
    long long generation = 0;  // metadata.generation in the answer (scales)
};

struct DriverPlan {
    double rate = 500;
    double seconds = 30;
    int connections = 64;
    // Shares of the changes (the rest are pod patches).
    double rolloutScale = 0.04, deploymentScale = 0.04, rolloutAnnotate = 0.12;
    double readyFlipOfPods = 0.05;   // of the pod patches: ready flips; the others bump restartCount
    double scalingPodsOfPods = 0.01; // of the pod patches: to the Scaling page's Deployment's pods
    std::vector<int> timedRollouts;  // the rows on screen: their scales are timed to the paint
    int timedIntervalMs = 1000;      // a timed Rollout is scaled again at most this often
    int scalingDeployment = 0;       // the Scaling page's Deployment
    int scalingIntervalMs = 3000;
    std::vector<int> scalingPods;    // its pods (indexes into the pod list)
    int replicas = 5;
};

struct DriveResult {
    std::vector<Sent> sent;
    double seconds = 0;
    int late = 0;  // sends more than 10 ms behind the schedule (every connection was busy)
    double cpuMs = 0;
    qint64 endNs = 0;  // the last answer
};

class ChangeDriver {
public:
    ChangeDriver(const CurlIdentity &id, std::vector<std::string> pods, int deployments, int rollouts)
        : m_id(id), m_pods(std::move(pods)), m_deployments(deployments), m_rollouts(rollouts)
    {
    }
    void start(DriverPlan plan)
    {
        m_done = false;
        m_thread = std::thread([this, plan] {
            pthread_setname_np(pthread_self(), "bench-driver");
            m_result = drive(plan);
            m_done = true;
            // Stays until finish(): a thread that ended leaves the per-thread accounting.
            while (!m_release)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        });
    }
    bool done() const { return m_done; }
    DriveResult finish()
    {
        m_release = true;
        if (m_thread.joinable())
            m_thread.join();
        return std::move(m_result);
    }

private:
    struct Slot {
        size_t sent = 0;
        std::string body;
        curl_slist *headers = nullptr;
    };

    DriveResult drive(const DriverPlan &plan)
    {
        DriveResult r;
        const std::string ns = kNs;
        CURLM *multi = curl_multi_init();
        curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, long(plan.connections));
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, long(plan.connections));
        // First in, first out: every connection is used every ~0.1 s, none idles past the sim's 2 s keep-alive.
        std::deque<CURL *> idle;
        std::unordered_map<CURL *, Slot> inFlight;
        for (int i = 0; i < plan.connections; ++i) {
            CURL *h = m_id.handle();
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PATCH");
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
            idle.push_back(h);
        }
        std::vector<char> podBusy(m_pods.size(), 0), rolloutBusy(size_t(m_rollouts), 0), deploymentBusy(size_t(m_deployments), 0);
        std::vector<int> rolloutReplicas(size_t(m_rollouts), plan.replicas), deploymentReplicas(size_t(m_deployments), plan.replicas);
        std::vector<qint64> rolloutLast(size_t(m_rollouts), 0);
        qint64 scalingLast = 0;
        std::vector<char> timed(size_t(m_rollouts), 0);
        for (int t : plan.timedRollouts)
            timed[size_t(t)] = 1;
        size_t timedNext = 0;
        std::mt19937 rng(2026u);
        auto uniform = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
        auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
        int seq = 1;

        const qint64 interval = static_cast<qint64>(1e9 / plan.rate);
        const qint64 t0 = nowNs();
        const qint64 end = t0 + static_cast<qint64>(plan.seconds * 1e9);
        qint64 next = t0;
        for (;;) {
            qint64 now = nowNs();
            if (now >= end && inFlight.empty())
                break;
            while (now < end && next <= now && !idle.empty()) {
                Sent s;
                std::string path, body, contentType;
                const double roll = std::uniform_real_distribution<double>(0, 1)(rng);
                if (roll < plan.rolloutScale) {
                    s.kind = RolloutScale;
                    // A timed Rollout whose turn it is, round robin; else any other one.
                    for (size_t k = 0; k < plan.timedRollouts.size() && s.target < 0; ++k) {
                        const int cand = plan.timedRollouts[(timedNext + k) % plan.timedRollouts.size()];
                        if (!rolloutBusy[size_t(cand)] && now - rolloutLast[size_t(cand)] >= qint64(plan.timedIntervalMs) * 1000000) {
                            s.target = cand;
                            timedNext = (timedNext + k + 1) % plan.timedRollouts.size();
                        }
                    }
                    for (int tries = 0; s.target < 0 && tries < 50; ++tries) {
                        const int cand = uniform(m_rollouts);
                        if (!rolloutBusy[size_t(cand)] && !timed[size_t(cand)])
                            s.target = cand;
                    }
                    if (s.target >= 0) {
                        int &rep = rolloutReplicas[size_t(s.target)];
                        rep = rep == plan.replicas ? plan.replicas + 1 : plan.replicas;
                        s.value = rep;
                        path = "/apis/argoproj.io/v1alpha1/namespaces/" + ns + "/rollouts/" + objName("ro", s.target).toStdString();
                        body = "{\"spec\":{\"replicas\":" + std::to_string(rep) + "}}";
                        contentType = "application/merge-patch+json";
                        rolloutBusy[size_t(s.target)] = 1;
                        rolloutLast[size_t(s.target)] = now;
                    }
                } else if (roll < plan.rolloutScale + plan.deploymentScale) {
                    s.kind = DeploymentScale;
                    if (!deploymentBusy[size_t(plan.scalingDeployment)] && now - scalingLast >= qint64(plan.scalingIntervalMs) * 1000000) {
                        s.target = plan.scalingDeployment;
                        scalingLast = now;
                    }
                    for (int tries = 0; s.target < 0 && tries < 50; ++tries) {
                        const int cand = uniform(m_deployments);
                        if (!deploymentBusy[size_t(cand)] && cand != plan.scalingDeployment)
                            s.target = cand;
                    }
                    if (s.target >= 0) {
                        int &rep = deploymentReplicas[size_t(s.target)];
                        rep = rep == plan.replicas ? plan.replicas + 1 : plan.replicas;
                        s.value = rep;
                        path = "/apis/apps/v1/namespaces/" + ns + "/deployments/" + objName("dep", s.target).toStdString();
                        body = "{\"spec\":{\"replicas\":" + std::to_string(rep) + "}}";
                        contentType = "application/merge-patch+json";
                        deploymentBusy[size_t(s.target)] = 1;
                    }
                } else if (roll < plan.rolloutScale + plan.deploymentScale + plan.rolloutAnnotate) {
                    s.kind = RolloutAnnotate;
                    for (int tries = 0; s.target < 0 && tries < 50; ++tries) {
                        const int cand = uniform(m_rollouts);
                        if (!rolloutBusy[size_t(cand)])
                            s.target = cand;
                    }
                    if (s.target >= 0) {
                        s.value = seq++;
                        path = "/apis/argoproj.io/v1alpha1/namespaces/" + ns + "/rollouts/" + objName("ro", s.target).toStdString();
                        body = "{\"metadata\":{\"annotations\":{\"bench.pilothouse.dev/change\":\"" + std::to_string(s.value) + "\"}}}";
                        contentType = "application/merge-patch+json";
                        rolloutBusy[size_t(s.target)] = 1;
                    }
                } else {
                    s.kind = chance(plan.readyFlipOfPods) ? PodReadyFlip : PodRestart;
                    const bool scalingPod = !plan.scalingPods.empty() && chance(plan.scalingPodsOfPods);
                    for (int tries = 0; s.target < 0 && tries < 50; ++tries) {
                        const int cand = scalingPod ? plan.scalingPods[size_t(uniform(int(plan.scalingPods.size())))] : uniform(int(m_pods.size()));
                        if (!podBusy[size_t(cand)])
                            s.target = cand;
                    }
                    if (s.target >= 0) {
                        s.value = seq++;
                        path = "/api/v1/namespaces/" + ns + "/pods/" + m_pods[size_t(s.target)] + "/status";
                        if (s.kind == PodRestart) {
                            body = "[{\"op\":\"replace\",\"path\":\"/status/containerStatuses/0/restartCount\",\"value\":" + std::to_string(s.value) + "}]";
                            contentType = "application/json-patch+json";
                        } else {
                            // A readiness probe failed once: the sim's kubelet marks the pod ready again on its next pass.
                            body = "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"ReadinessProbeFailed\"},"
                                   "{\"type\":\"ContainersReady\",\"status\":\"False\",\"reason\":\"ReadinessProbeFailed\"}]}}";
                            contentType = "application/strategic-merge-patch+json";
                        }
                        podBusy[size_t(s.target)] = 1;
                    }
                }
                if (s.target < 0)
                    break;  // everything picked was busy: try at the next wake-up
                CURL *h = idle.front();
                idle.pop_front();
                Slot slot;
                slot.body.clear();
                slot.headers = curl_slist_append(nullptr, ("Content-Type: " + contentType).c_str());
                slot.headers = curl_slist_append(slot.headers, "Accept: application/json");
                const std::string url = m_id.url + path;
                curl_easy_setopt(h, CURLOPT_URL, url.c_str());
                curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body.c_str());
                curl_easy_setopt(h, CURLOPT_HTTPHEADER, slot.headers);
                s.sentNs = nowNs();
                if (s.sentNs - next > 10'000'000)
                    ++r.late;
                r.sent.push_back(s);
                slot.sent = r.sent.size() - 1;
                auto &placed = inFlight[h] = std::move(slot);
                // Scales keep the answer: its metadata.generation names the change in the watch.
                if (s.kind == RolloutScale || s.kind == DeploymentScale) {
                    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &collect);
                    curl_easy_setopt(h, CURLOPT_WRITEDATA, &placed.body);
                } else {
                    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
                }
                curl_multi_add_handle(multi, h);
                next += interval;
                if (s.sentNs - next > 100'000'000)
                    next = s.sentNs;  // a backlog must not turn into a burst
                now = nowNs();
            }
            int running = 0;
            curl_multi_perform(multi, &running);
            int left = 0;
            while (CURLMsg *msg = curl_multi_info_read(multi, &left)) {
                if (msg->msg != CURLMSG_DONE)
                    continue;
                CURL *h = msg->easy_handle;
                Slot &slot = inFlight[h];
                Sent &s = r.sent[slot.sent];
                s.doneNs = nowNs();
                if (msg->data.result == CURLE_OK)
                    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &s.status);
                else
                    s.status = -long(msg->data.result);
                if (s.status == 200 && (s.kind == RolloutScale || s.kind == DeploymentScale)) {
                    static constexpr std::string_view key = "\"generation\":";
                    const size_t at = slot.body.find(key);
                    if (at != std::string::npos)
                        s.generation = std::atoll(slot.body.c_str() + at + key.size());
                }
                if (s.status != 200 && (s.kind == RolloutScale || s.kind == DeploymentScale)) {
                    // Not applied: the object keeps its previous replicas.
                    int &rep = s.kind == RolloutScale ? rolloutReplicas[size_t(s.target)] : deploymentReplicas[size_t(s.target)];
                    rep = rep == plan.replicas ? plan.replicas + 1 : plan.replicas;
                }
                switch (s.kind) {
                case PodRestart:
                case PodReadyFlip: podBusy[size_t(s.target)] = 0; break;
                case RolloutScale:
                case RolloutAnnotate: rolloutBusy[size_t(s.target)] = 0; break;
                case DeploymentScale: deploymentBusy[size_t(s.target)] = 0; break;
                default: break;
                }
                curl_slist_free_all(slot.headers);
                inFlight.erase(h);
                curl_multi_remove_handle(multi, h);
                idle.push_back(h);
            }
            now = nowNs();
            const qint64 wait = now < end && !idle.empty() ? std::max<qint64>(0, next - now) : 5'000'000;
            curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::min<qint64>(wait / 1'000'000, 5)), nullptr);
        }
        r.endNs = nowNs();
        r.seconds = double(r.endNs - t0) / 1e9;
        r.cpuMs = double(threadCpuNs()) / 1e6;
        for (CURL *h : idle)
            curl_easy_cleanup(h);
        curl_multi_cleanup(multi);
        return r;
    }

    CurlIdentity m_id;
    std::vector<std::string> m_pods;
    int m_deployments, m_rollouts;
    std::thread m_thread;
    std::atomic<bool> m_done{true};
    std::atomic<bool> m_release{false};
    DriveResult m_result;
};

// ---- the server's event time: a second, plain watch of the namespace's Rollouts --------------------

// Watches Rollouts on its own thread with plain libcurl and notes when each (Rollout, generation)
// first arrived: the server's event time, independent of the console's informer. Counts events.
class RolloutEventWatch {
public:
    explicit RolloutEventWatch(const ts::SimProcess &sim) : m_id(sim)
    {
        const Json list = sim.get("/apis/argoproj.io/v1alpha1/namespaces/busy/rollouts?limit=1").json();
        if (list.is_object() && list.contains("metadata"))
            m_rv = list["metadata"].value("resourceVersion", std::string());
    }
    ~RolloutEventWatch() { stop(); }

    bool start()
    {
        if (m_rv.empty())
            return false;
        m_thread = std::thread([this] {
            pthread_setname_np(pthread_self(), "bench-watch");
            CURL *h = m_id.handle();
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 0L);
            const std::string url = m_id.url + "/apis/argoproj.io/v1alpha1/namespaces/busy/rollouts?watch=1&resourceVersion=" + m_rv;
            curl_easy_setopt(h, CURLOPT_URL, url.c_str());
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &RolloutEventWatch::onData);
            curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
            curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &RolloutEventWatch::onProgress);
            curl_easy_setopt(h, CURLOPT_XFERINFODATA, this);
            curl_easy_perform(h);
            curl_easy_cleanup(h);
        });
        return true;
    }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    // "name#generation" -> first arrival (ns).
    std::unordered_map<std::string, qint64> take()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_seen;
    }
    long long events() const { return m_events; }

private:
    static int onProgress(void *self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) { return static_cast<RolloutEventWatch *>(self)->m_stop ? 1 : 0; }
    static size_t onData(char *data, size_t size, size_t n, void *user)
    {
        auto *self = static_cast<RolloutEventWatch *>(user);
        const qint64 t = nowNs();
        self->m_partial.append(data, size * n);
        size_t start = 0;
        for (size_t nl; (nl = self->m_partial.find('\n', start)) != std::string::npos; start = nl + 1)
            self->line(std::string_view(self->m_partial).substr(start, nl - start), t);
        self->m_partial.erase(0, start);
        return size * n;
    }
    void line(std::string_view l, qint64 t)
    {
        ++m_events;
        const Json e = Json::parse(l.begin(), l.end(), nullptr, false);
        if (!e.is_object() || !e.contains("object") || !e["object"].contains("metadata"))
            return;
        const Json &meta = e["object"]["metadata"];
        const std::string key = meta.value("name", "") + "#" + std::to_string(meta.value("generation", 0LL));
        std::lock_guard<std::mutex> lock(m_mutex);
        m_seen.emplace(key, t);
    }

    CurlIdentity m_id;
    std::string m_rv;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<long long> m_events{0};
    std::string m_partial;
    std::mutex m_mutex;
    std::unordered_map<std::string, qint64> m_seen;
};

// ---- the probe: when was a Rollout's row first painted showing which desired replicas -----------

// The Rollouts list's Ready column ("ready/desired"): paints as the default delegate, then notes the
// first paint of each timed Rollout's row showing a new desired count.
class ReadyPaintProbe : public QStyledItemDelegate {
public:
    struct Seen {
        int rollout;
        int value;
        qint64 ns;
    };
    using QStyledItemDelegate::QStyledItemDelegate;

    void setTimed(const QHash<QString, int> &keyToRollout, int rollouts)
    {
        m_index = keyToRollout;
        m_last.assign(size_t(rollouts), -1);
    }
    void setRecording(bool on) { m_recording = on; }
    std::vector<Seen> take()
    {
        std::vector<Seen> s;
        s.swap(m_seen);
        return s;
    }
    long long paints() const { return m_paints; }
    int lastPainted(int rollout) const { return m_last[size_t(rollout)]; }

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::paint(painter, option, index);
        ++m_paints;
        if (!m_recording)
            return;
        const qint64 t = nowNs();
        const int rollout = m_index.value(index.siblingAtColumn(0).data(Qt::UserRole + 1).toString(), -1);
        if (rollout < 0)
            return;
        const int desired = index.data(Qt::DisplayRole).toString().section(QLatin1Char('/'), 1, 1).toInt();
        if (m_last[size_t(rollout)] == desired)
            return;
        m_last[size_t(rollout)] = desired;
        m_seen.push_back({rollout, desired, t});
    }

private:
    QHash<QString, int> m_index;
    mutable std::vector<int> m_last;
    mutable std::vector<Seen> m_seen;
    mutable long long m_paints = 0;
    bool m_recording = false;
};

// ---- figures -----------------------------------------------------------------------------------

struct Setup {
    bool ok = false;
    QString error;
    double simUpMs = 0;
    int objects = 0;
    double createSeconds = 0;
    QString createStatus;
    double readySeconds = 0;     // from the first create to every workload ready (or the timeout)
    bool allReady = false;
    Readiness readiness;
    PodCensus census;
    long long simRssKb = 0;
    double simCpuSeconds = 0;   // the sim's CPU during setup
    QStringList progress;       // one line per ~10 s while waiting
};

struct Phase {
    CpuShare cpu;
    std::vector<double> stalls;  // sorted lateness of the 10 ms probe, ms
    double longestSliceWall = 0, longestSliceCpu = 0;
    QString longestSliceWhat;
    std::vector<std::pair<QString, SliceStats>> topSlices;
    double slicesCpuMs = 0;
    long long podsChanged = 0, deploymentsChanged = 0, rolloutEvents = 0;
    long long listPaints = 0, snapshots = 0;
};

struct Stats {
    std::vector<double> v;
    void add(double x) { v.push_back(x); }
    void sort() { std::sort(v.begin(), v.end()); }
    QString dist() const
    {
        return QStringLiteral("p50 %1, p90 %2, p99 %3, max %4 (%5)")
            .arg(ms(pct(v, 50)), ms(pct(v, 90)), ms(pct(v, 99)), ms(v.empty() ? 0 : v.back()))
            .arg(v.size());
    }
};

struct LoadResult {
    DriveResult drive;
    Phase phase;
    std::map<int, std::map<long, int>> byKind;  // kind -> status -> count
    std::map<int, Stats> answer;                // kind -> send -> answer ms
    Stats eventToPaint, sendToPaint, sendToEvent, eventToListed, listedToPaint;
    int timedSent = 0, timedOk = 0, superseded = 0, unresolved = 0, noEvent = 0;
    Stats scalingSeen;      // the Scaling page: send -> ScalingWatch::deploymentChanged with the new desired
    int scalingSent = 0, scalingMissed = 0;
    int logRowsBefore = 0, logRowsAfter = 0;
    qint64 logLinesBefore = 0, logLinesAfter = 0;
    QString logStatus;
    int scalingTilesAfter = 0;
    int scalingSamples = 0;
    double drainMs = 0, paintedAllMs = -1;  // after the last change was sent: GUI caught up, timed rows final
    bool drained = false;
    CpuShare drainCpu;
};

Phase finishPhase(const CpuSample &a, const CpuSample &b, const CpuSampler &sampler, const std::vector<double> &stalls)
{
    Phase p;
    p.cpu = share(a, b, sampler.between(a.wallNs, b.wallNs));
    p.stalls = stalls;
    p.longestSliceWall = slices.longestWall;
    p.longestSliceCpu = slices.longestCpu;
    p.longestSliceWhat = slices.longestWhat;
    for (const auto &[key, s] : slices.byKind) {
        const auto &[cls, parent, type] = key;
        p.topSlices.push_back({QStringLiteral("%1%2, %3").arg(shortClass(cls), parent ? QStringLiteral(" (in %1)").arg(shortClass(parent)) : QString(), eventName(type)), s});
        p.slicesCpuMs += s.cpuMs;
    }
    std::sort(p.topSlices.begin(), p.topSlices.end(), [](const auto &x, const auto &y) { return x.second.cpuMs > y.second.cpuMs; });
    if (p.topSlices.size() > 10)
        p.topSlices.resize(10);
    return p;
}

void printPhase(const QString &name, const Phase &p)
{
    out(QStringLiteral("   %1, %2 s").arg(name).arg(p.cpu.seconds, 0, 'f', 1));
    out(QStringLiteral("     GUI thread CPU        %1").arg(guiPerSecond(p.cpu)));
    out(QStringLiteral("     CPU by thread         %1").arg(describe(p.cpu)));
    const auto &st = p.stalls;
    const int over50 = int(std::count_if(st.begin(), st.end(), [](double x) { return x > 50; }));
    const int over100 = int(std::count_if(st.begin(), st.end(), [](double x) { return x > 100; }));
    out(QStringLiteral("     GUI stalls            longest %1 (10 ms timer's lateness; p99 %2, %3 ticks over 50 ms, %4 over 100 ms, of %5); "
                       "longest event handled %6 (CPU %7): %8")
            .arg(ms(st.empty() ? 0 : st.back()), ms(pct(st, 99)))
            .arg(over50)
            .arg(over100)
            .arg(st.size())
            .arg(ms(p.longestSliceWall), ms(p.longestSliceCpu), p.longestSliceWhat));
    out(QStringLiteral("     RSS                   console max %1, sim max %2").arg(mib(p.cpu.rssMaxKb), mib(p.cpu.simRssMaxKb)));
    out(QStringLiteral("     changes arriving      pods %1/s, deployments %2/s (as delivered to the GUI thread by the session's typed informers), Rollout events %3/s (the plain watch)")
            .arg(double(p.podsChanged) / std::max(0.1, p.cpu.seconds), 0, 'f', 0)
            .arg(double(p.deploymentsChanged) / std::max(0.1, p.cpu.seconds), 0, 'f', 0)
            .arg(double(p.rolloutEvents) / std::max(0.1, p.cpu.seconds), 0, 'f', 0));
    out(QStringLiteral("     Rollouts page         %1 snapshots applied (%2/s), %3 cells of the Ready column painted")
            .arg(p.snapshots)
            .arg(double(p.snapshots) / std::max(0.1, p.cpu.seconds), 0, 'f', 1)
            .arg(p.listPaints));
    out(QStringLiteral("     where the GUI thread's time went (outermost events by receiver; %1 of CPU in all, %2 per s):")
            .arg(ms(p.slicesCpuMs), ms(p.slicesCpuMs / std::max(0.1, p.cpu.seconds))));
    for (const auto &[what, s] : p.topSlices)
        out(QStringLiteral("       %1  CPU %2 (%3 per s), %4 events, longest %5")
                .arg(what.leftJustified(58), ms(s.cpuMs), ms(s.cpuMs / std::max(0.1, p.cpu.seconds)))
                .arg(s.count)
                .arg(ms(s.maxWallMs)));
}

}  // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    BenchApplication app(argc, argv);
    int deployments = 1000, rollouts = 1000, replicas = 5;
    DriverPlan plan;
    int idleSeconds = 10;
    int setupTimeoutS = 1200;
    int drainCapS = 600;
    bool setupOnly = false, select = true, fixedColumns = false;
    QString perfOut;
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        const bool hasValue = i + 1 < args.size();
        if (a == QLatin1String("--deployments") && hasValue)
            deployments = std::max(2, args[++i].toInt());
        else if (a == QLatin1String("--rollouts") && hasValue)
            rollouts = std::max(2, args[++i].toInt());
        else if (a == QLatin1String("--replicas") && hasValue)
            replicas = std::max(1, args[++i].toInt());
        else if (a == QLatin1String("--rate") && hasValue)
            plan.rate = std::max(1.0, args[++i].toDouble());
        else if (a == QLatin1String("--seconds") && hasValue)
            plan.seconds = std::max(2, args[++i].toInt());
        else if (a == QLatin1String("--idle-seconds") && hasValue)
            idleSeconds = std::max(2, args[++i].toInt());
        else if (a == QLatin1String("--setup-timeout") && hasValue)
            setupTimeoutS = std::max(10, args[++i].toInt());
        else if (a == QLatin1String("--setup-only"))
            setupOnly = true;
        else if (a == QLatin1String("--no-selection"))
            select = false;
        else if (a == QLatin1String("--fixed-columns"))
            fixedColumns = true;
        else if (a == QLatin1String("--drain-cap") && hasValue)
            drainCapS = std::max(5, args[++i].toInt());
        else if (a == QLatin1String("--perf") && hasValue)
            perfOut = args[++i];
        else {
            out(QStringLiteral("usage: bench_busy [--deployments N] [--rollouts N] [--replicas N] [--rate CHANGES_PER_S] [--seconds N]\n"
                               "                  [--idle-seconds N] [--setup-timeout S] [--drain-cap S] [--setup-only] [--no-selection]\n"
                               "                  [--fixed-columns] [--perf FILE]"));
            return 2;
        }
    }
    plan.replicas = replicas;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        out(QStringLiteral("bench_busy: curl_global_init failed"));
        return 1;
    }

    const auto m = pilothouse::bench::machine();
    out(QStringLiteral("== bench_busy: a busy namespace with the Rollouts, Scaling and Logs pages open =="));
    out(QStringLiteral("machine : %1 CPU(s), %2, %3 MiB RAM; %4").arg(m.cpus).arg(m.model).arg(m.ramMb).arg(m.os));
    out(QStringLiteral("software: Qt %1 (platform %2), libcurl %3, %4 build")
            .arg(QString::fromLatin1(qVersion()), QGuiApplication::platformName(), QString::fromLatin1(curl_version_info(CURLVERSION_NOW)->version),
#ifdef NDEBUG
                 QStringLiteral("optimised")
#else
                 QStringLiteral("DEBUG (figures not representative)")
#endif
                     ));
    const QString loadAtStart = loadAverage();
    out(QStringLiteral("load    : %1 (1, 5, 15 min) on %2 CPUs at the start; the sim, the console and the change driver share them").arg(loadAtStart).arg(m.cpus));
    {
        // Which product this measured: the commit, and the files changed in the tree beside it.
        auto git = [](const QStringList &a) {
            QProcess p;
            p.setWorkingDirectory(ts::sourceDir());
            p.start(QStringLiteral("git"), a);
            p.waitForFinished(10000);
            return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
        };
        const QString head = git({QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%h %cs")});
        const QStringList dirty = git({QStringLiteral("status"), QStringLiteral("--short"), QStringLiteral("--"), QStringLiteral("widgets"), QStringLiteral("models"),
                                       QStringLiteral("backends"), QStringLiteral("sim")})
                                      .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        out(QStringLiteral("tree    : %1%2").arg(head.isEmpty() ? QStringLiteral("(no git)") : QStringLiteral("commit ") + head,
                                                dirty.isEmpty() ? QStringLiteral(", clean") : QStringLiteral("; uncommitted in widgets/ models/ backends/ sim/: ") + dirty.join(QStringLiteral(", "))));
    }

    // ---- 1. the sim and the busy namespace ----
    out({});
    out(QStringLiteral("-- setup: namespace \"busy\": %1 Deployments and %2 Rollouts of %3 replicas (%4 pods)")
            .arg(deployments).arg(rollouts).arg(replicas).arg((deployments + rollouts) * replicas));
    Setup S;
    ts::SimProcess sim(ts::podTimings(200, 200, 100));
    {
        const qint64 t0 = nowNs();
        if (!sim.start(&S.error) || !spinUntil([&] { return sim.get("/api/v1/namespaces?limit=1").status == 200; }, 60000)) {
            out(QStringLiteral("bench_busy: the simulator did not start: %1").arg(S.error));
            return 1;
        }
        S.simUpMs = msBetween(t0, nowNs());
    }
    const qint64 simPid = childPid(QStringLiteral("pilothouse-sim"));
    const std::string simPidS = std::to_string(simPid);
    auto simCpuNs = [&] {
        qint64 total = 0;
        for (const std::string &tid : taskIds(simPidS))
            total += schedstatNs("/proc/" + simPidS + "/task/" + tid + "/schedstat");
        return total;
    };
    out(QStringLiteral("   sim                   %1 (pid %2), up in %3").arg(sim.url()).arg(simPid).arg(ms(S.simUpMs)));
    const CurlIdentity id(sim);
    {
        const qint64 cpu0 = simCpuNs();
        const qint64 t0 = nowNs();
        std::vector<Request> ns{{"POST", "/api/v1/namespaces", Json({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNs}}}}).dump()}};
        runRequests(id, ns, 1);
        std::vector<Request> objects = busyObjects(deployments, rollouts, replicas);
        S.objects = int(objects.size());
        S.createSeconds = runRequests(id, objects, 16);
        S.createStatus = statusSummary(objects, 201);
        out(QStringLiteral("   created               %1 objects (Services, Deployments, Rollouts) in %2 s through 16 connections: %3")
                .arg(S.objects).arg(S.createSeconds, 0, 'f', 1).arg(S.createStatus));
        // Until every workload reports all its replicas ready (a condition, polled every 2 s).
        qint64 lastReport = nowNs();
        for (;;) {
            S.readiness = readiness(sim);
            const double elapsed = double(nowNs() - t0) / 1e9;
            if (S.readiness.ok && S.readiness.desired > 0 && S.readiness.ready >= S.readiness.desired && S.readiness.workloadsReady == deployments + rollouts) {
                S.allReady = true;
                S.readySeconds = elapsed;
                break;
            }
            if (nowNs() - lastReport > 10'000'000'000LL) {
                lastReport = nowNs();
                const QString line = QStringLiteral("   ... %1 s: %2 of %3 replicas ready, %4 of %5 workloads complete; sim RSS %6, sim CPU %7 s so far")
                                         .arg(elapsed, 0, 'f', 0)
                                         .arg(S.readiness.ready)
                                         .arg(S.readiness.desired)
                                         .arg(S.readiness.workloadsReady)
                                         .arg(deployments + rollouts)
                                         .arg(mib(statusKb(simPidS, "VmRSS:")))
                                         .arg(double(simCpuNs() - cpu0) / 1e9, 0, 'f', 0);
                S.progress << line;
                out(line);
            }
            if (elapsed > setupTimeoutS) {
                S.readySeconds = elapsed;
                break;
            }
            spin(2000);
        }
        S.census = podCensus(sim);
        S.simCpuSeconds = double(simCpuNs() - cpu0) / 1e9;
        S.simRssKb = statusKb(simPidS, "VmRSS:");
        QStringList phases;
        for (const auto &[phase, n] : S.census.phases)
            phases << QStringLiteral("%1 %2").arg(n).arg(QString::fromStdString(phase));
        out(QStringLiteral("   %1      %2 s from the first create: %3 of %4 replicas ready (%5 of %6 workloads complete)")
                .arg(S.allReady ? QStringLiteral("all ready") : QStringLiteral("NOT READY"))
                .arg(S.readySeconds, 0, 'f', 1)
                .arg(S.readiness.ready)
                .arg(S.readiness.desired)
                .arg(S.readiness.workloadsReady)
                .arg(deployments + rollouts));
        out(QStringLiteral("   pods as the sim lists them  %1 (%2), %3 Running and ready; listed in %4 s")
                .arg(S.census.total).arg(phases.join(QStringLiteral(", "))).arg(S.census.names.size()).arg(S.census.seconds, 0, 'f', 1));
        out(QStringLiteral("   sim                   RSS %1 after setup; %2 s of CPU during it (%3 of one core)")
                .arg(mib(S.simRssKb))
                .arg(S.simCpuSeconds, 0, 'f', 0)
                .arg(pc(100.0 * S.simCpuSeconds / std::max(0.1, S.readySeconds))));
    }
    if (setupOnly || S.census.names.empty())
        return S.census.names.empty() ? 1 : 0;

    // ---- 2. the console: the real window, namespace busy, three pages ----
    out({});
    out(QStringLiteral("-- console: MainWindow + KubeSession, namespace \"busy\", Rollouts, Scaling and Logs pages open"));
    auto config = Kubeconfig::load({sim.kubeconfigPath()});
    if (!config.ok()) {
        out(QStringLiteral("bench_busy: %1").arg(config.error().message));
        return 1;
    }
    const std::string self = std::to_string(getpid());
    malloc_trim(0);  // the setup's JSON lists are freed: the baseline is the bench's own process
    const long long rssBefore = statusKb(self, "VmRSS:");
    QTemporaryDir dir;
    std::vector<std::string> tidsBefore = taskIds(self);
    http::HttpEngine engine;
    std::set<std::string> engineTids;
    {
        std::vector<std::string> after = taskIds(self);
        for (const std::string &t : after)
            if (std::find(tidsBefore.begin(), tidsBefore.end(), t) == tidsBefore.end())
                engineTids.insert(t);
    }
    auto approvals = std::make_shared<ExecApprovalStore>(dir.filePath(QStringLiteral("approvals.json")));
    KubeSession session(&engine, approvals);
    backends::actions::SessionActions::of(&session)->setAuditLog(std::make_shared<actions::AuditLog>(dir.filePath(QStringLiteral("audit.jsonl"))));
    QTemporaryDir settingsDir;
    widgets::shell::ShellSettings settings(settingsDir.filePath(QStringLiteral("settings.ini")));
    // As after a previous session in this namespace: the window restores it on connecting.
    settings.setNamespaces(QStringLiteral("sim-admin"), {QString::fromLatin1(kNs)});
    widgets::shell::PageRegistry pages;
    app::registerPages(pages);
    widgets::MainWindow window(&pages, &settings, sim.kubeconfigPath());

    long long podsChanged = 0, deploymentsChanged = 0;
    QObject counters;
    QObject::connect(&session, &KubeSession::podsChanged, &counters, [&](const ChangeBatch &b) { podsChanged += qint64(b.size()); });
    QObject::connect(&session, &KubeSession::deploymentsChanged, &counters, [&](const ChangeBatch &b) { deploymentsChanged += qint64(b.size()); });
    window.attachSession(&session);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window)) {
        out(QStringLiteral("bench_busy: the window was not exposed"));
        return 1;
    }
    CpuSampler sampler(pthread_self(), engineTids);
    sampler.setSim(simPid);
    sampler.start();

    const qint64 c0 = nowNs();
    window.showKubeconfig(config.value(), {});
    auto *podModel = window.resourcesPage()->podModel();
    const int expectPods = int(S.census.names.size());
    if (!spinUntil([&] { return session.namespaceScope() == QLatin1String(kNs) && podModel->rowCount() >= expectPods && session.state() == KubeSession::ConnectionState::Live; },
                   180000)) {
        out(QStringLiteral("bench_busy: no live pod table of namespace busy within 180 s (scope \"%1\", %2 rows)").arg(session.namespaceScope()).arg(podModel->rowCount()));
        return 1;
    }
    const double podsMs = msBetween(c0, nowNs());
    auto *deploymentModel = window.resourcesPage()->deploymentModel();
    spinUntil([&] { return deploymentModel->rowOf(QStringLiteral("busy/dep-0002")) >= 0; }, 60000);
    const long long rssPods = statusKb(self, "VmRSS:");
    out(QStringLiteral("   pods                  %1 rows in the Resources page's pod table %2 after connecting (namespace scope \"%3\")")
            .arg(podModel->rowCount()).arg(ms(podsMs)).arg(session.namespaceScope()));

    // The pages, through the navigator as the object menus and the rail open them.
    auto *nav = window.navigator();
    const QString scalingName = objName("dep", 0), logsName = objName("dep", 1);
    const qint64 p0 = nowNs();
    auto *scaling = qobject_cast<widgets::ScalingView *>(nav->open(QStringLiteral("scaling"), {{QStringLiteral("group"), QStringLiteral("apps")},
                                                                                               {QStringLiteral("plural"), QStringLiteral("deployments")},
                                                                                               {QStringLiteral("kind"), QStringLiteral("Deployment")},
                                                                                               {QStringLiteral("namespace"), QString::fromLatin1(kNs)},
                                                                                               {QStringLiteral("name"), scalingName}}));
    const KubeObjectPtr logsObject = deploymentModel->objectAt(deploymentModel->rowOf(QStringLiteral("busy/") + logsName));
    auto *logs = qobject_cast<widgets::LogView *>(nav->open(QStringLiteral("logs"), {{QStringLiteral("group"), QStringLiteral("apps")},
                                                                                     {QStringLiteral("plural"), QStringLiteral("deployments")},
                                                                                     {QStringLiteral("kind"), QStringLiteral("Deployment")},
                                                                                     {QStringLiteral("namespace"), QString::fromLatin1(kNs)},
                                                                                     {QStringLiteral("name"), logsName},
                                                                                     {QStringLiteral("workload"), true},
                                                                                     {QStringLiteral("object"), QVariant::fromValue(logsObject)}}));
    auto *rolloutsView = qobject_cast<widgets::RolloutsView *>(nav->open(QStringLiteral("rollouts")));
    if (!scaling || !logs || !rolloutsView) {
        out(QStringLiteral("bench_busy: a page did not open (scaling %1, logs %2, rollouts %3)").arg(bool(scaling)).arg(bool(logs)).arg(bool(rolloutsView)));
        return 1;
    }
    // A QTreeView over the list (a QTreeWidget before the list became a keyed model; both carry the row's
    // key "Kind:ns/name" in Qt::UserRole + 1 of column 0).
    QTreeView *list = rolloutsView->list();
    const int keyRole = Qt::UserRole + 1;
    int readyColumn = -1;
    for (int c = 0; c < list->model()->columnCount(); ++c)
        if (list->model()->headerData(c, Qt::Horizontal).toString() == QLatin1String("Ready"))
            readyColumn = c;
    const int expectRows = deployments + rollouts;
    const bool listed = spinUntil([&] { return list->model()->rowCount() >= expectRows && rolloutsView->watch()->snapshot().synced; }, 180000);
    const double listMs = msBetween(p0, nowNs());
    QString selected = QStringLiteral("none");
    double focusMs = 0;
    if (select) {
        const qint64 f0 = nowNs();
        rolloutsView->select(QStringLiteral("Rollout"), QString::fromLatin1(kNs), objName("ro", 0));
        spinUntil([&] { return rolloutsView->watch()->isSynced(); }, 180000);
        focusMs = msBetween(f0, nowNs());
        selected = QStringLiteral("busy/%1 (the detail pane shows its revisions and pods: the view then also watches its ReplicaSets and pods by its selector, and the namespace's AnalysisRuns)")
                       .arg(objName("ro", 0));
    }
    spinUntil([&] { return scaling->watch()->isSynced() && logs->model()->rowCount() > 0; }, 60000);
    nav->open(QStringLiteral("rollouts"));  // raises it: the visible tab
    if (fixedColumns) {
        // An experiment, not the product: the list's columns keep the widths they have now instead of
        // following their contents (QHeaderView::ResizeToContents measures every row of a column
        // whenever one of its cells changes).
        list->header()->setSectionResizeMode(QHeaderView::Interactive);
        out(QStringLiteral("   EXPERIMENT            --fixed-columns: the Rollouts list's header set to QHeaderView::Interactive (the product uses ResizeToContents)"));
    }
    spin(1500);
    const long long rssPages = statusKb(self, "VmRSS:");
    QStringList tabs;
    for (int i = 0; i < window.pageTabs()->count(); ++i)
        tabs << window.pageTabs()->tabText(i) + (window.pageTabs()->currentIndex() == i ? QStringLiteral(" (visible)") : QStringLiteral(" (hidden tab)"));
    out(QStringLiteral("   Rollouts page         %1 rows (%2 Rollouts, %3 Deployments of every namespace) %4 after opening the three pages%5; selected: %6%7")
            .arg(list->model()->rowCount())
            .arg(rolloutsView->watch()->rolloutKeys().size())
            .arg(rolloutsView->watch()->deploymentKeys().size())
            .arg(ms(listMs))
            .arg(listed ? QString() : QStringLiteral(" (NOT COMPLETE)"))
            .arg(selected)
            .arg(select ? QStringLiteral(", focus synced %1 later").arg(ms(focusMs)) : QString()));
    out(QStringLiteral("   Scaling page          %1 %2, %3 pod tiles; Logs page: %4 (all pods), %5 lines, \"%6\"")
            .arg(scaling->namespaceName() + QLatin1Char('/') + scaling->deploymentName(), scaling->watch()->isSynced() ? QStringLiteral("synced") : QStringLiteral("NOT synced"))
            .arg(scaling->tileCount())
            .arg(logsName)
            .arg(logs->model()->rowCount())
            .arg(logs->statusText()));
    out(QStringLiteral("   tabs                  %1; window %2 × %3").arg(tabs.join(QStringLiteral(", "))).arg(window.width()).arg(window.height()));
    out(QStringLiteral("   RSS                   %1 before connecting, %2 with the pod table, %3 with the three pages")
            .arg(mib(rssBefore), mib(rssPods), mib(rssPages)));

    // The rows on screen: their Rollouts' scales are the timed changes.
    QHash<QString, int> timedKeys;
    {
        const QRect vp = list->viewport()->rect();
        for (int i = 0; i < list->model()->rowCount(); ++i) {
            const QModelIndex index = list->model()->index(i, 0);
            const QRect r = list->visualRect(index);
            if (!r.isValid() || !vp.contains(r.topLeft()) || !vp.contains(QPoint(vp.left() + 1, r.bottom())))
                continue;
            const QString key = index.data(keyRole).toString();  // "Rollout:busy/ro-0001"
            if (!key.startsWith(QLatin1String("Rollout:busy/ro-")))
                continue;
            const int n = key.mid(key.lastIndexOf(QLatin1Char('-')) + 1).toInt() - 1;
            if (n >= 0 && n < rollouts) {
                timedKeys.insert(key, n);
                plan.timedRollouts.push_back(n);
            }
        }
    }
    out(QStringLiteral("   rows on screen        %1 whole rows of the Rollouts list (%2 px high of the window's %3): their replicas are the timed changes")
            .arg(plan.timedRollouts.size()).arg(list->viewport()->height()).arg(window.height()));
    if (plan.timedRollouts.empty() || readyColumn < 0) {
        out(QStringLiteral("bench_busy: no Rollout row on screen, or no Ready column"));
        return 1;
    }
    ReadyPaintProbe probe;
    probe.setTimed(timedKeys, rollouts);
    list->setItemDelegateForColumn(readyColumn, &probe);  // Ready: "ready/desired"

    // When the view's snapshot first carried a timed Rollout's new desired count (after the list refreshed).
    struct Listed {
        int rollout, value;
        qint64 ns;
    };
    std::vector<Listed> listedSeen;
    std::vector<int> listedLast(size_t(rollouts), -1);
    long long snapshots = 0;
    bool recording = false;
    QObject::connect(rolloutsView->watch(), &rollouts::RolloutWatch::changed, &counters, [&] {
        if (!recording)
            return;
        ++snapshots;
        const qint64 t = nowNs();
        for (int r : plan.timedRollouts) {
            const int desired = rolloutsView->watch()->rollout(QString::fromLatin1(kNs), objName("ro", r)).desired;
            if (desired != listedLast[size_t(r)]) {
                listedLast[size_t(r)] = desired;
                listedSeen.push_back({r, desired, t});
            }
        }
    });
    // The Scaling page's Deployment: when its watch saw each desired count.
    std::vector<std::pair<int, qint64>> scalingSeen;
    QObject::connect(scaling->watch(), &workloads::ScalingWatch::deploymentChanged, &counters, [&](const workloads::DeploymentInfo &d) {
        if (recording && (scalingSeen.empty() || scalingSeen.back().first != d.desired))
            scalingSeen.push_back({d.desired, nowNs()});
    });

    plan.scalingDeployment = 0;
    const std::string scalingApp = scalingName.toStdString();
    if (S.census.byApp.count(scalingApp))
        plan.scalingPods = S.census.byApp[scalingApp];

    StallProbe stallProbe;
    auto beginPhase = [&] {
        slices.reset();
        slices.recording = true;
        probe.setRecording(true);
        recording = true;
        podsChanged = deploymentsChanged = 0;
        snapshots = 0;
        stallProbe.start();
        return sampler.sample();
    };
    auto endPhase = [&](const CpuSample &a, long long rolloutEvents0, long long rolloutEvents1, long long paints0) {
        const CpuSample b = sampler.sample();
        std::vector<double> stalls = stallProbe.stop();
        slices.recording = false;
        Phase p = finishPhase(a, b, sampler, stalls);
        p.podsChanged = podsChanged;
        p.deploymentsChanged = deploymentsChanged;
        p.rolloutEvents = rolloutEvents1 - rolloutEvents0;
        p.listPaints = probe.paints() - paints0;
        p.snapshots = snapshots;
        return p;
    };

    RolloutEventWatch watcher(sim);
    if (!watcher.start()) {
        out(QStringLiteral("bench_busy: cannot read the Rollouts' resourceVersion for the event watch"));
        return 1;
    }

    // ---- 3. idle, then the load ----
    spin(5000);
    out({});
    out(QStringLiteral("-- idle: the window shown, the Rollouts page visible, no changes sent (the sim's own controllers and log lines go on)"));
    // First without any probe of ours on the GUI thread (the 10 ms stall timer wakes it 100 times a second).
    CpuShare quiet;
    {
        const CpuSample a = sampler.sample();
        spin(5000);
        const CpuSample b = sampler.sample();
        quiet = share(a, b, sampler.between(a.wallNs, b.wallNs));
        out(QStringLiteral("   no probes, %1 s: GUI thread %2; %3").arg(quiet.seconds, 0, 'f', 1).arg(guiPerSecond(quiet), describe(quiet)));
    }
    Phase idle;
    {
        const long long e0 = watcher.events(), paints0 = probe.paints();
        const CpuSample a = beginPhase();
        spin(idleSeconds * 1000);
        idle = endPhase(a, e0, watcher.events(), paints0);
        probe.setRecording(false);
        recording = false;
        probe.take();
        listedSeen.clear();
        scalingSeen.clear();
    }
    printPhase(QStringLiteral("with the probes (stall timer, event recorder)"), idle);

    out({});
    out(QStringLiteral("-- load: %1 changes/s for %2 s through %3 kept-alive connections").arg(plan.rate, 0, 'f', 0).arg(plan.seconds, 0, 'f', 0).arg(plan.connections));
    out(QStringLiteral("   mix: %1 % Rollout replicas ±1 (the %2 on screen each at most once per %3 ms, the rest elsewhere), %4 % Deployment replicas ±1 "
                       "(%5 every %6 ms), %7 % Rollout annotation bumps, the rest pod status patches (%8 % of them ready flips, %9 % to %5's pods)")
            .arg(plan.rolloutScale * 100, 0, 'f', 0)
            .arg(plan.timedRollouts.size())
            .arg(plan.timedIntervalMs)
            .arg(plan.deploymentScale * 100, 0, 'f', 0)
            .arg(scalingName)
            .arg(plan.scalingIntervalMs)
            .arg(plan.rolloutAnnotate * 100, 0, 'f', 0)
            .arg(plan.readyFlipOfPods * 100, 0, 'f', 0)
            .arg(plan.scalingPodsOfPods * 100, 0, 'f', 0));
    LoadResult L;
    L.logRowsBefore = logs->model()->rowCount();
    L.logLinesBefore = logs->model()->rowCount() + logs->model()->droppedLines();
    ChangeDriver driver(id, S.census.names, deployments, rollouts);
    QProcess perf;
    {
        const long long e0 = watcher.events(), paints0 = probe.paints();
        const CpuSample a = beginPhase();
        if (!perfOut.isEmpty()) {
            // The GUI thread and the session's worker, with call graphs, for the load phase only.
            QStringList tids{QString::fromStdString(self)};
            for (const QString &tid : QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
                if (firstLine(QStringLiteral("/proc/self/task/%1/comm").arg(tid)) == QLatin1String("kube-session"))
                    tids << tid;
            perf.start(QStringLiteral("perf"), {QStringLiteral("record"), QStringLiteral("--call-graph"), QStringLiteral("dwarf,16384"), QStringLiteral("-F"),
                                                QStringLiteral("99"), QStringLiteral("-o"), perfOut, QStringLiteral("-t"), tids.join(QLatin1Char(','))});
            perf.waitForStarted(5000);
        }
        driver.start(plan);
        spinUntil([&] { return driver.done(); }, int(plan.seconds + 60) * 1000, 20);
        const qint64 loadEnd = nowNs();
        const CpuSample noticed = sampler.sample();
        L.drive = driver.finish();
        // The load's CPU figures end at the sampler's last sample before the driver ended (the GUI
        // thread may notice the end much later); the drain starts there.
        CpuSample loadEndSample = noticed;
        std::vector<CpuSample> during = sampler.between(a.wallNs, L.drive.endNs);
        if (!during.empty()) {
            loadEndSample = during.back();
            during.pop_back();
        }
        if (perf.state() != QProcess::NotRunning) {
            ::kill(pid_t(perf.processId()), SIGINT);
            perf.waitForFinished(30000);
        }
        // The drain: until every timed Rollout's row shows its last value and the GUI thread answers a
        // 10 ms timer within 50 ms for a whole second (or the cap). The stall probe and the recorder go on.
        std::vector<int> finalValue(size_t(rollouts), -1);
        for (const Sent &x : L.drive.sent)
            if (x.kind == RolloutScale && x.status == 200)
                finalValue[size_t(x.target)] = x.value;
        auto caughtUp = [&] {
            for (int r : plan.timedRollouts)
                if (finalValue[size_t(r)] >= 0 && probe.lastPainted(r) != finalValue[size_t(r)])
                    return false;
            return true;
        };
        qint64 paintedAll = 0, responsiveSince = 0;
        QTimer responsive;
        qint64 lastTick = nowNs();
        responsive.setInterval(10);
        QObject::connect(&responsive, &QTimer::timeout, &counters, [&] {
            const qint64 t = nowNs();
            if (msBetween(lastTick, t) > 60)
                responsiveSince = 0;
            else if (!responsiveSince)
                responsiveSince = t;
            lastTick = t;
        });
        responsive.start();
        spinUntil([&] {
            if (!paintedAll && caughtUp())
                paintedAll = nowNs();
            return paintedAll && responsiveSince && nowNs() - responsiveSince > 1'000'000'000;
        }, drainCapS * 1000, 20);
        responsive.stop();
        L.drainMs = msBetween(loadEnd, nowNs());
        L.paintedAllMs = paintedAll ? msBetween(loadEnd, paintedAll) : -1;
        L.drained = paintedAll && responsiveSince;
        const CpuSample drainEnd = sampler.sample();
        L.drainCpu = share(loadEndSample, drainEnd, sampler.between(loadEndSample.wallNs + 1, drainEnd.wallNs - 1));
        L.phase = endPhase(a, e0, watcher.events(), paints0);
        L.phase.cpu = share(a, loadEndSample, during);
        probe.setRecording(false);
        recording = false;
    }
    L.logRowsAfter = logs->model()->rowCount();
    L.logLinesAfter = logs->model()->rowCount() + logs->model()->droppedLines();
    L.logStatus = logs->statusText();
    L.scalingTilesAfter = scaling->tileCount();
    L.scalingSamples = int(scaling->series().samples().size());

    // ---- 4. analysis ----
    const auto events = watcher.take();
    const std::vector<ReadyPaintProbe::Seen> painted = probe.take();
    std::vector<std::vector<ReadyPaintProbe::Seen>> paintedBy(static_cast<size_t>(rollouts));
    for (const auto &p : painted)
        paintedBy[size_t(p.rollout)].push_back(p);
    std::vector<std::vector<Listed>> listedBy(static_cast<size_t>(rollouts));
    for (const auto &l : listedSeen)
        listedBy[size_t(l.rollout)].push_back(l);
    std::vector<char> isTimed(size_t(rollouts), 0);
    for (int t : plan.timedRollouts)
        isTimed[size_t(t)] = 1;
    std::vector<qint64> nextSent(L.drive.sent.size(), 0);
    {
        std::map<std::pair<int, int>, size_t> last;
        for (size_t i = 0; i < L.drive.sent.size(); ++i) {
            const Sent &s = L.drive.sent[i];
            auto key = std::make_pair(int(s.kind), s.target);
            if (auto it = last.find(key); it != last.end())
                nextSent[it->second] = s.sentNs;
            last[key] = i;
        }
    }
    for (size_t i = 0; i < L.drive.sent.size(); ++i) {
        const Sent &s = L.drive.sent[i];
        ++L.byKind[s.kind][s.status];
        if (s.doneNs)
            L.answer[s.kind].add(msBetween(s.sentNs, s.doneNs));
        if (s.kind == DeploymentScale && s.target == plan.scalingDeployment) {
            ++L.scalingSent;
            if (s.status == 200) {
                qint64 seen = 0;
                for (const auto &[v, t] : scalingSeen)
                    if (v == s.value && t >= s.sentNs) {
                        seen = t;
                        break;
                    }
                if (seen)
                    L.scalingSeen.add(msBetween(s.sentNs, seen));
                else
                    ++L.scalingMissed;
            }
        }
        if (s.kind != RolloutScale || !isTimed[size_t(s.target)])
            continue;
        ++L.timedSent;
        if (s.status != 200)
            continue;
        ++L.timedOk;
        qint64 paint = 0, listedAt = 0;
        for (const auto &p : paintedBy[size_t(s.target)])
            if (p.value == s.value && p.ns >= s.sentNs) {
                paint = p.ns;
                break;
            }
        for (const auto &l : listedBy[size_t(s.target)])
            if (l.value == s.value && l.ns >= s.sentNs) {
                listedAt = l.ns;
                break;
            }
        if (!paint || (nextSent[i] && paint > nextSent[i] + 0)) {
            // A later change of the same Rollout came first (the row showed that one), or never painted.
            if (!paint && nextSent[i])
                ++L.superseded;
            else if (!paint)
                ++L.unresolved;
            if (!paint)
                continue;
        }
        L.sendToPaint.add(msBetween(s.sentNs, paint));
        auto ev = events.find(objName("ro", s.target).toStdString() + "#" + std::to_string(s.generation));
        if (ev == events.end() || s.generation == 0) {
            ++L.noEvent;
            continue;
        }
        L.eventToPaint.add(msBetween(ev->second, paint));
        L.sendToEvent.add(msBetween(s.sentNs, ev->second));
        if (listedAt) {
            L.eventToListed.add(msBetween(ev->second, listedAt));
            L.listedToPaint.add(msBetween(listedAt, paint));
        }
    }
    for (Stats *st : {&L.eventToPaint, &L.sendToPaint, &L.sendToEvent, &L.eventToListed, &L.listedToPaint, &L.scalingSeen})
        st->sort();
    for (auto &[k, st] : L.answer)
        st.sort();

    const auto &sent = L.drive.sent;
    const double window_s = sent.size() > 1 ? double(sent.back().sentNs - sent.front().sentNs) / 1e9 : 0;
    int ok = 0;
    for (const Sent &s : sent)
        ok += s.status == 200 ? 1 : 0;
    out(QStringLiteral("   changes               %1 sent (%2/s), %3 answered 200 (%4/s); %5 sent more than 10 ms late (all connections busy)")
            .arg(sent.size())
            .arg(window_s > 0 ? double(sent.size() - 1) / window_s : 0, 0, 'f', 0)
            .arg(ok)
            .arg(window_s > 0 ? ok / window_s : 0, 0, 'f', 0)
            .arg(L.drive.late));
    for (int k = 0; k < KindCount; ++k) {
        int n = 0;
        QStringList other;
        for (const auto &[status, c] : L.byKind[k]) {
            n += c;
            if (status != 200)
                other << (status < 0 ? QStringLiteral("%1 × no answer (%2)").arg(c).arg(QString::fromLatin1(curl_easy_strerror(CURLcode(-status))))
                                     : QStringLiteral("%1 × HTTP %2").arg(c).arg(status));
        }
        out(QStringLiteral("     %1 %2 (%3/s), answered p50 %4, p99 %5%6")
                .arg(QString::fromLatin1(kindName(k)).leftJustified(24))
                .arg(n)
                .arg(window_s > 0 ? n / window_s : 0, 0, 'f', 0)
                .arg(ms(pct(L.answer[k].v, 50)), ms(pct(L.answer[k].v, 99)))
                .arg(other.isEmpty() ? QString() : QStringLiteral("; not applied: ") + other.join(QStringLiteral(", "))));
    }
    out(QStringLiteral("   event -> painted row  %1  (a timed Rollout's new desired replicas in the Ready column; from the plain watch's arrival)").arg(L.eventToPaint.dist()));
    out(QStringLiteral("   send -> painted row   %1  (from the PATCH request)").arg(L.sendToPaint.dist()));
    out(QStringLiteral("                         %1 timed changes sent, %2 applied; %3 replaced by the Rollout's next change before a paint, %4 never painted, %5 without an event time")
            .arg(L.timedSent).arg(L.timedOk).arg(L.superseded).arg(L.unresolved).arg(L.noEvent));
    out(QStringLiteral("   stages                send -> event %1").arg(L.sendToEvent.dist()));
    out(QStringLiteral("                         event -> list refreshed %1  (informer batch, projection throttle, derive on the worker, RolloutsView::refresh)")
            .arg(L.eventToListed.dist()));
    out(QStringLiteral("                         list refreshed -> painted %1").arg(L.listedToPaint.dist()));
    out(QStringLiteral("   Scaling page (hidden) %1 scales of %2 sent; its watch saw the new desired count %3 after the send (%4 applied changes never seen); "
                       "%5 pod tiles, %6 samples recorded")
            .arg(L.scalingSent)
            .arg(scalingName)
            .arg(L.scalingSeen.dist())
            .arg(L.scalingMissed)
            .arg(L.scalingTilesAfter)
            .arg(L.scalingSamples));
    out(QStringLiteral("   Logs page (hidden)    %1 lines received during the load (%2 rows before, %3 after); status \"%4\"")
            .arg(L.logLinesAfter - L.logLinesBefore)
            .arg(L.logRowsBefore)
            .arg(L.logRowsAfter)
            .arg(L.logStatus));
    out(QStringLiteral("   change driver         %1 of CPU in %2 s").arg(ms(L.drive.cpuMs)).arg(L.drive.seconds, 0, 'f', 1));
    out(QStringLiteral("   after the last change %1 until the GUI thread caught up (timed rows final %2; answers a 10 ms timer within 50 ms for 1 s)%3")
            .arg(ms(L.drainMs), L.paintedAllMs < 0 ? QStringLiteral("never") : ms(L.paintedAllMs))
            .arg(L.drained ? QString() : QStringLiteral(" -- NOT caught up within the cap of %1 s").arg(drainCapS)));
    out(QStringLiteral("     drain CPU           GUI thread %1; %2").arg(guiPerSecond(L.drainCpu), describe(L.drainCpu)));
    printPhase(QStringLiteral("load (CPU: the %1 s of changes; stalls, events handled and paints: load and drain)").arg(plan.seconds, 0, 'f', 0), L.phase);
    if (!perfOut.isEmpty())
        out(QStringLiteral("   perf                  %1 (perf report -i %1 --no-children --sort sym)").arg(perfOut));
    const long long rssAfter = statusKb(self, "VmRSS:"), hwm = statusKb(self, "VmHWM:");

    // ---- 5. summary ----
    const double p99 = pct(L.eventToPaint.v, 99);
    out({});
    out(QStringLiteral("| figure | value | aim | |"));
    out(QStringLiteral("|---|---|---|---|"));
    out(QStringLiteral("| machine | %1 × %2, %3 MiB RAM; load %4 at the start, %5 at the end | | |").arg(m.cpus).arg(m.model).arg(m.ramMb).arg(loadAtStart, loadAverage()));
    out(QStringLiteral("| setup: %1 objects created / all %2 replicas ready | %3 s / %4 s%5 | | |")
            .arg(S.objects)
            .arg(S.readiness.desired)
            .arg(S.createSeconds, 0, 'f', 1)
            .arg(S.readySeconds, 0, 'f', 0)
            .arg(S.allReady ? QString() : QStringLiteral(" (NOT all ready: %1)").arg(S.readiness.ready)));
    out(QStringLiteral("| sim after setup: RSS / CPU | %1 / %2 s | | |").arg(mib(S.simRssKb)).arg(S.simCpuSeconds, 0, 'f', 0));
    out(QStringLiteral("| changes applied during the load | %1/s (%2 in %3 s) | 500/s | %4 |")
            .arg(window_s > 0 ? ok / window_s : 0, 0, 'f', 0)
            .arg(ok)
            .arg(window_s, 0, 'f', 1)
            .arg(window_s > 0 && ok / window_s >= 0.97 * plan.rate ? QStringLiteral("rate reached") : QStringLiteral("**rate not reached**")));
    out(QStringLiteral("| GUI thread CPU, idle: no probes / with the probes | %1 / %2 per s | | |").arg(ms(quiet.guiMean), ms(idle.cpu.guiMean)));
    out(QStringLiteral("| GUI thread CPU, load: mean / median / max per 1 s | %1 / %2 / %3 per s | | |")
            .arg(ms(L.phase.cpu.guiMean), ms(pct(L.phase.cpu.guiMsPerSecond, 50)), ms(L.phase.cpu.guiMsPerSecond.empty() ? 0 : L.phase.cpu.guiMsPerSecond.back())));
    out(QStringLiteral("| event → painted row (Rollouts list, visible): p50 / p90 / p99 / max | %1 / %2 / %3 / %4 (%5 samples) | p99 ≤ 100 ms | %6 |")
            .arg(ms(pct(L.eventToPaint.v, 50)), ms(pct(L.eventToPaint.v, 90)), ms(p99), ms(L.eventToPaint.v.empty() ? 0 : L.eventToPaint.v.back()))
            .arg(L.eventToPaint.v.size())
            .arg(L.eventToPaint.v.empty() ? QStringLiteral("**no samples**") : met(p99 <= 100)));
    out(QStringLiteral("| longest GUI stall, load and drain (10 ms timer) / longest event handled | %1 / %2 | | |")
            .arg(ms(L.phase.stalls.empty() ? 0 : L.phase.stalls.back()), ms(L.phase.longestSliceWall)));
    out(QStringLiteral("| after the last change: GUI caught up / timed rows final | %1 / %2 | | |")
            .arg(L.drained ? ms(L.drainMs) : QStringLiteral("not within %1 s").arg(drainCapS), L.paintedAllMs < 0 ? QStringLiteral("never") : ms(L.paintedAllMs)));
    out(QStringLiteral("| CPU during the load: GUI / session / engine / other / sim | %1 / %2 / %3 / %4 / %5 | | |")
            .arg(pc(L.phase.cpu.gui), pc(L.phase.cpu.session), pc(L.phase.cpu.engine), pc(L.phase.cpu.other), pc(L.phase.cpu.sim)));
    out(QStringLiteral("| console RSS: before connecting / pages open / after the load (peak) | %1 / %2 / %3 (%4) | | |")
            .arg(mib(rssBefore), mib(rssPages), mib(rssAfter), mib(hwm)));

    watcher.stop();
    sampler.stop();
    list->setItemDelegateForColumn(readyColumn, nullptr);
    window.hide();
    session.disconnectFromCluster();
    sim.terminate();
    return 0;
}
