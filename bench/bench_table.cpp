// Benchmark: the live pod table of the main window (issue 4's aims): event -> repainted row latency
// at 500 events/s over 10,000 pods from pilothouse-sim, the console's CPU while idle, and sort, filter
// and reset times at 10,000 and 100,000 rows. It prints figures; it asserts nothing
// (docs/benchmarks.md records a run and the aims).
#include "benchmachine.h"
#include "actions/auditlog.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/cache/kubeobject.h"
#include "kube/session/kubesession.h"
#include "registerpages.h"
#include "resources/resourcespage.h"
#include "shell/mainwindow.h"
#include "shell/kindcatalog.h"
#include "shell/shellsettings.h"
#include "objecttablemodel.h"
#include "simprocess.h"
#include "actions/sessionactions.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QHeaderView>
#include <QLineEdit>
#include <QPainter>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>
#include <QSysInfo>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <curl/curl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string_view>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

using namespace pilothouse;
using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;
using pilothouse::models::ObjectTableModel;
using pilothouse::models::PodTableModel;
namespace ts = pilothouse::testsupport;

namespace {

using Clock = std::chrono::steady_clock;

qint64 nowNs() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }
double msBetween(qint64 a, qint64 b) { return double(b - a) / 1e6; }

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Nearest-rank percentile of a sorted vector.
double pct(const std::vector<double> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * double(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

QString firstLine(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readLine().trimmed()) : QString();
}

qint64 schedstatNs(const QString &path) { return firstLine(path).section(QLatin1Char(' '), 0, 0).toLongLong(); }

void out(const QString &line)
{
    std::fputs(line.toLocal8Bit().constData(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

QString ms(double v) { return QString::number(v, 'f', v < 10 ? 1 : 0) + QStringLiteral(" ms"); }
QString pc(double v) { return QString::number(v, 'f', v < 10 ? 2 : 1) + QStringLiteral(" %"); }
QString met(bool b) { return b ? QStringLiteral("met") : QStringLiteral("**not met**"); }

// ---- machine and CPU accounting (as bench_informer) ----------------------------------------

using pilothouse::bench::Machine;
using pilothouse::bench::machine;

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

// CPU time so far per thread group of this process (the GUI thread, the session's worker, the
// benchmark's own patch driver, everything else: HTTP engine, Qt's helpers), and of the simulator.
struct CpuSample {
    qint64 wallNs = 0;
    qint64 mainNs = 0, sessionNs = 0, driverNs = 0, otherNs = 0, simNs = 0;
    qint64 consoleNs() const { return mainNs + sessionNs + otherNs; }
};

CpuSample sampleCpu(qint64 sim)
{
    CpuSample c;
    c.wallNs = nowNs();
    const QString self = QString::number(getpid());
    for (const QString &tid : QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const qint64 ns = schedstatNs(QStringLiteral("/proc/self/task/%1/schedstat").arg(tid));
        const QString comm = firstLine(QStringLiteral("/proc/self/task/%1/comm").arg(tid));
        if (tid == self)
            c.mainNs += ns;
        else if (comm == QLatin1String("kube-session"))
            c.sessionNs += ns;
        else if (comm.startsWith(QLatin1String("bench-")))  // the patch driver and the event watcher
            c.driverNs += ns;
        else
            c.otherNs += ns;
    }
    if (sim)
        for (const QString &tid : QDir(QStringLiteral("/proc/%1/task").arg(sim)).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            c.simNs += schedstatNs(QStringLiteral("/proc/%1/task/%2/schedstat").arg(sim).arg(tid));
    return c;
}

// Percent of one core per group between two samples.
struct CpuShare {
    double seconds = 0, console = 0, main = 0, session = 0, other = 0, driver = 0, sim = 0;
};

CpuShare share(const CpuSample &a, const CpuSample &b)
{
    CpuShare s;
    const double wall = double(b.wallNs - a.wallNs);
    s.seconds = wall / 1e9;
    auto p = [wall](qint64 x, qint64 y) { return wall > 0 ? 100.0 * double(y - x) / wall : 0.0; };
    s.console = p(a.consoleNs(), b.consoleNs());
    s.main = p(a.mainNs, b.mainNs);
    s.session = p(a.sessionNs, b.sessionNs);
    s.other = p(a.otherNs, b.otherNs);
    s.driver = p(a.driverNs, b.driverNs);
    s.sim = p(a.simNs, b.simNs);
    return s;
}

QString describe(const CpuShare &s)
{
    return QStringLiteral("console %1 of one core (GUI thread %2, kube-session %3, engine and other threads %4); sim %5")
        .arg(pc(s.console), pc(s.main), pc(s.session), pc(s.other), pc(s.sim));
}

// Runs the event loop for `msec` without any polling of ours (idle figures must not include it).
void spin(int msec)
{
    QEventLoop loop;
    QTimer::singleShot(msec, &loop, &QEventLoop::quit);
    loop.exec();
}

bool spinUntil(const std::function<bool()> &condition, int timeoutMs)
{
    const qint64 deadline = nowNs() + qint64(timeoutMs) * 1000000;
    while (!condition()) {
        if (nowNs() > deadline)
            return false;
        spin(20);
    }
    return true;
}

// ---- the probe: when was a row painted, showing which value ---------------------------------

// The Restarts column's delegate: paints exactly as the default delegate (QStyledItemDelegate), then
// notes the first time each pod's row was painted showing a new restart count. The patches below
// set the restart count to a sequence number, so a painted value says which change is on screen.
class PaintProbe : public QStyledItemDelegate {
public:
    struct Seen {
        int pod;
        int value;
        qint64 ns;
    };
    using QStyledItemDelegate::QStyledItemDelegate;

    void setPods(const QHash<QString, int> &index, size_t count)
    {
        m_index = index;
        m_last.assign(count, -1);
    }
    void setRecording(bool on) { m_recording = on; }
    std::vector<Seen> take()
    {
        std::vector<Seen> s;
        s.swap(m_seen);
        return s;
    }

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::paint(painter, option, index);
        if (!m_recording)
            return;
        const qint64 t = nowNs();
        const int pod = m_index.value(index.data(ObjectTableModel::KeyRole).toString(), -1);
        if (pod < 0)
            return;
        const int value = index.data(Qt::DisplayRole).toInt();
        if (m_last[static_cast<size_t>(pod)] == value)
            return;
        m_last[static_cast<size_t>(pod)] = value;
        m_seen.push_back({pod, value, t});
    }

private:
    QHash<QString, int> m_index;
    mutable std::vector<int> m_last;
    mutable std::vector<Seen> m_seen;
    bool m_recording = false;
};

// Counts paint events of a widget (the table's viewport).
class PaintCounter : public QObject {
public:
    int paints = 0;
    bool eventFilter(QObject *, QEvent *e) override
    {
        if (e->type() == QEvent::Paint)
            ++paints;
        return false;
    }
};

// ---- the patch driver: ~500 status patches per second against the sim ----------------------

struct Patch {
    int pod = -1;
    int seq = 0;
    qint64 sentNs = 0;
    qint64 doneNs = 0;
    long status = 0;
};

struct DriveResult {
    std::vector<Patch> patches;
    double seconds = 0;
    int late = 0;         // sends more than 10 ms behind the schedule (every connection was busy)
    int skippedBusy = 0;  // picks of a pod with a patch in flight (another pod was picked)
    double cpuMs = 0;     // the driver thread's own CPU time
};

size_t discard(char *, size_t size, size_t n, void *) { return size * n; }

// Sends JSON patches that set the first container's restartCount of a pod to a fresh sequence
// number, at `rate` per second for `seconds`, from its own thread, through one libcurl multi handle
// with up to `connections` kept-alive HTTPS connections. A pod with a patch in flight is not patched
// again until it answers, so the sim applies each pod's values in order.
class PatchDriver {
public:
    PatchDriver(const ts::SimProcess &sim, const std::vector<std::pair<QString, QString>> &pods)
        : m_url(sim.url().toStdString()), m_ca(sim.caFile().toStdString()), m_cert(sim.certFile().toStdString()),
          m_key(sim.keyFile().toStdString())
    {
        for (const auto &[ns, name] : pods)
            m_paths.push_back("/api/v1/namespaces/" + ns.toStdString() + "/pods/" + name.toStdString() + "/status");
    }

    void start(double rate, double seconds, int firstSeq, std::function<int(std::mt19937 &)> pick)
    {
        m_done = false;
        m_thread = std::thread([=, this] {
            pthread_setname_np(pthread_self(), "bench-driver");
            m_result = drive(rate, seconds, firstSeq, pick);
            m_done = true;
        });
    }
    bool done() const { return m_done; }
    DriveResult finish()
    {
        if (m_thread.joinable())
            m_thread.join();
        return std::move(m_result);
    }

private:
    DriveResult drive(double rate, double seconds, int firstSeq, const std::function<int(std::mt19937 &)> &pick)
    {
        DriveResult r;
        // The sim answers a PATCH in ~50 ms under this load: 64 connections allow ~1,200/s.
        const int connections = 64;
        CURLM *multi = curl_multi_init();
        curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, long(connections));
        // Keep them all (the default cache follows the number of handles added at the moment).
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, long(connections));
        curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json-patch+json");
        headers = curl_slist_append(headers, "Accept: application/json");
        // First in, first out: every connection is used every ~0.1 s, so none sits idle past the sim's
        // 2 s keep-alive timeout and gets closed under a request.
        std::deque<CURL *> idle;
        std::unordered_map<CURL *, size_t> inFlight;  // handle -> index into r.patches
        for (int i = 0; i < connections; ++i) {
            CURL *h = curl_easy_init();
            curl_easy_setopt(h, CURLOPT_CAINFO, m_ca.c_str());
            curl_easy_setopt(h, CURLOPT_SSLCERT, m_cert.c_str());
            curl_easy_setopt(h, CURLOPT_SSLKEY, m_key.c_str());
            curl_easy_setopt(h, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_1_1));
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PATCH");
            curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
            curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
            idle.push_back(h);
        }
        std::vector<char> busy(m_paths.size(), 0);
        std::mt19937 rng(1234u + static_cast<unsigned>(firstSeq));
        const qint64 interval = static_cast<qint64>(1e9 / rate);
        const qint64 t0 = nowNs();
        const qint64 end = t0 + static_cast<qint64>(seconds * 1e9);
        qint64 next = t0;
        int seq = firstSeq;
        for (;;) {
            qint64 now = nowNs();
            if (now >= end && inFlight.empty())
                break;
            while (now < end && next <= now && !idle.empty()) {
                int pod = pick(rng);
                for (int tries = 0; busy[static_cast<size_t>(pod)] && tries < 20; ++tries) {
                    ++r.skippedBusy;
                    pod = pick(rng);
                }
                if (busy[static_cast<size_t>(pod)])
                    break;
                CURL *h = idle.front();
                idle.pop_front();
                const std::string url = m_url + m_paths[static_cast<size_t>(pod)];
                const std::string body = "[{\"op\":\"replace\",\"path\":\"/status/containerStatuses/0/restartCount\",\"value\":" +
                                         std::to_string(seq) + "}]";
                curl_easy_setopt(h, CURLOPT_URL, url.c_str());
                curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body.c_str());
                busy[static_cast<size_t>(pod)] = 1;
                Patch p;
                p.pod = pod;
                p.seq = seq++;
                p.sentNs = nowNs();
                // Late: every connection was busy when this one was due.
                if (p.sentNs - next > 10'000'000)
                    ++r.late;
                r.patches.push_back(p);
                inFlight[h] = r.patches.size() - 1;
                curl_multi_add_handle(multi, h);
                next += interval;
                // A backlog must not turn into a burst: the schedule restarts from now.
                if (p.sentNs - next > 100'000'000)
                    next = p.sentNs;
                now = nowNs();
            }
            int running = 0;
            curl_multi_perform(multi, &running);
            int left = 0;
            while (CURLMsg *msg = curl_multi_info_read(multi, &left)) {
                if (msg->msg != CURLMSG_DONE)
                    continue;
                CURL *h = msg->easy_handle;
                Patch &p = r.patches[inFlight[h]];
                p.doneNs = nowNs();
                if (msg->data.result == CURLE_OK)
                    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &p.status);
                else
                    p.status = -long(msg->data.result);  // no answer: the libcurl error, negated
                busy[static_cast<size_t>(p.pod)] = 0;
                inFlight.erase(h);
                curl_multi_remove_handle(multi, h);
                idle.push_back(h);
            }
            now = nowNs();
            // Wake for the next send, or (all connections busy, or done sending) for an answer.
            const qint64 wait = now < end && !idle.empty() ? std::max<qint64>(0, next - now) : 5'000'000;
            curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::min<qint64>(wait / 1'000'000, 5)), nullptr);
        }
        r.seconds = double(nowNs() - t0) / 1e9;
        timespec cpu{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
        r.cpuMs = double(cpu.tv_sec) * 1e3 + double(cpu.tv_nsec) / 1e6;
        for (CURL *h : idle)
            curl_easy_cleanup(h);
        curl_multi_cleanup(multi);
        curl_slist_free_all(headers);
        return r;
    }

    std::string m_url, m_ca, m_cert, m_key;
    std::vector<std::string> m_paths;
    std::thread m_thread;
    std::atomic<bool> m_done{true};
    DriveResult m_result;
};

// ---- the server's event time: a second, minimal watch of the pods --------------------------

// Watches pods on its own thread with plain libcurl and notes when each sequence number's MODIFIED
// event arrived (the largest "restartCount" in the line: the patched container's; the others are 0).
// That is the server's event time as seen on this machine, independent of the console's informer:
// event -> painted row is measured from it, and send -> event is the sim's share.
class EventWatcher {
public:
    explicit EventWatcher(const ts::SimProcess &sim)
        : m_url(sim.url().toStdString()), m_ca(sim.caFile().toStdString()), m_cert(sim.certFile().toStdString()),
          m_key(sim.keyFile().toStdString())
    {
        const ts::Json list = sim.get("/api/v1/pods?limit=1").json();
        if (list.is_object() && list.contains("metadata"))
            m_rv = list["metadata"].value("resourceVersion", std::string());
    }
    ~EventWatcher() { stop(); }

    bool start()
    {
        if (m_rv.empty())
            return false;
        m_thread = std::thread([this] {
            pthread_setname_np(pthread_self(), "bench-watch");
            CURL *h = curl_easy_init();
            const std::string url = m_url + "/api/v1/pods?watch=1&resourceVersion=" + m_rv;
            curl_easy_setopt(h, CURLOPT_URL, url.c_str());
            curl_easy_setopt(h, CURLOPT_CAINFO, m_ca.c_str());
            curl_easy_setopt(h, CURLOPT_SSLCERT, m_cert.c_str());
            curl_easy_setopt(h, CURLOPT_SSLKEY, m_key.c_str());
            curl_easy_setopt(h, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_1_1));
            curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &EventWatcher::onData);
            curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
            curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &EventWatcher::onProgress);
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
    // seq -> arrival (ns), first arrival only.
    std::unordered_map<int, qint64> take()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        std::unordered_map<int, qint64> out;
        out.swap(m_seen);
        return out;
    }

private:
    static int onProgress(void *self, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
    {
        return static_cast<EventWatcher *>(self)->m_stop ? 1 : 0;
    }
    static size_t onData(char *data, size_t size, size_t n, void *user)
    {
        auto *self = static_cast<EventWatcher *>(user);
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
        static constexpr std::string_view key = "\"restartCount\":";
        long best = 0;
        for (size_t at = l.find(key); at != std::string_view::npos; at = l.find(key, at + key.size()))
            best = std::max(best, std::strtol(l.data() + at + key.size(), nullptr, 10));
        if (best <= 0)
            return;
        std::lock_guard<std::mutex> lock(m_mutex);
        m_seen.emplace(static_cast<int>(best), t);
    }

    std::string m_url, m_ca, m_cert, m_key, m_rv;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::string m_partial;
    std::mutex m_mutex;
    std::unordered_map<int, qint64> m_seen;
};

// ---- the live part ---------------------------------------------------------------------------

struct IdleFigures {
    CpuShare cpu;
    int batches = 0;  // change batches that arrived anyway (pods and deployments)
    int paints = 0;   // paint events of the pod table
};

struct LoadFigures {
    QString name;
    double targetRate = 0;
    DriveResult drive;
    int okPatches = 0;
    double achievedRate = 0;
    double sentRate = 0;
    std::map<long, int> failed;  // answers other than 200, by HTTP status (negative: libcurl error, no answer)
    int measured = 0;         // patches whose row was on screen (the ones timed to the paint)
    int superseded = 0;       // measured, but the pod's next patch came before a paint showed it
    int unresolved = 0;       // measured patches never seen painted
    int rowsOnScreen = 0;
    std::vector<double> toPaint, toModel;  // sorted, ms from send
    std::vector<double> eventToPaint;      // sorted, ms from the server's event (the watcher's arrival)
    std::vector<double> sendToAnswer, sendToEvent, eventToGui, guiToApplied, appliedToPaint;  // stages, ms
    int batches = 0;
    double eventsPerBatch = 0;
    int paints = 0;
    CpuShare cpu;
};

struct LiveFigures {
    bool ok = false;
    QString error;
    int pods = 0;
    double syncMs = 0;
    int visibleRows = 0;
    QString simUrl;
    double simUpMs = 0;
    IdleFigures idle, idleFiltered;
    QString idleFilter;
    int idleFilterRows = 0;
    LoadFigures byName, byRestarts;
};

struct GuiStamp {
    int seq;
    int pod;
    qint64 ns;
};

// GUI-side timestamps of change batches: before the window's model applies one, and after.
struct BatchProbe {
    QHash<QString, int> index;
    std::vector<GuiStamp> arrived, applied;
    int batches = 0;
    qint64 events = 0;
    bool recording = false;
    void note(std::vector<GuiStamp> &into, const ChangeBatch &batch, bool count)
    {
        if (!recording)
            return;
        const qint64 t = nowNs();
        if (count) {
            ++batches;
            events += static_cast<qint64>(batch.size());
        }
        for (const auto &c : batch) {
            const PodSummary *p = c.object->pod();
            if (!p || p->restarts <= 0)
                continue;
            const int pod = index.value(c.object->key(), -1);
            if (pod >= 0)
                into.push_back({p->restarts, pod, t});
        }
    }
};

void analyse(LoadFigures &f, const std::vector<PaintProbe::Seen> &seen, const BatchProbe &probe, const std::vector<char> &measuredPod,
             size_t podCount, const std::unordered_map<int, qint64> &events)
{
    // The first time each pod's row showed a value, per pod in time order.
    std::vector<std::vector<PaintProbe::Seen>> byPod(podCount);
    for (const auto &s : seen)
        byPod[static_cast<size_t>(s.pod)].push_back(s);
    std::unordered_map<int, qint64> arrived, applied;
    for (const auto &g : probe.arrived)
        arrived.emplace(g.seq, g.ns);
    for (const auto &g : probe.applied)
        applied.emplace(g.seq, g.ns);
    // When each pod was patched next (a newer value replaces the row's before it may be painted).
    std::vector<qint64> nextSent(f.drive.patches.size(), 0);
    {
        std::vector<size_t> last(podCount, SIZE_MAX);
        for (size_t i = 0; i < f.drive.patches.size(); ++i) {
            const size_t pod = static_cast<size_t>(f.drive.patches[i].pod);
            if (last[pod] != SIZE_MAX)
                nextSent[last[pod]] = f.drive.patches[i].sentNs;
            last[pod] = i;
        }
    }
    for (size_t i = 0; i < f.drive.patches.size(); ++i) {
        const Patch &p = f.drive.patches[i];
        if (p.status != 200)
            continue;
        ++f.okPatches;
        f.sendToAnswer.push_back(msBetween(p.sentNs, p.doneNs));
        auto ap = applied.find(p.seq);
        if (ap != applied.end())
            f.toModel.push_back(msBetween(p.sentNs, ap->second));
        if (!measuredPod[static_cast<size_t>(p.pod)])
            continue;
        ++f.measured;
        // Painted: the first paint of the row showing exactly this value.
        qint64 painted = 0;
        for (const auto &s : byPod[static_cast<size_t>(p.pod)])
            if (s.value == p.seq) {
                painted = s.ns;
                break;
            }
        if (!painted) {
            // Replaced by the pod's next patch before a paint showed it: no sample (the row showed
            // the newer value, which has a sample of its own). Otherwise a miss.
            if (nextSent[i])
                ++f.superseded;
            else
                ++f.unresolved;
            continue;
        }
        f.toPaint.push_back(msBetween(p.sentNs, painted));
        auto ev = events.find(p.seq);
        auto ar = arrived.find(p.seq);
        if (ev != events.end())
            f.eventToPaint.push_back(msBetween(ev->second, painted));
        if (ev != events.end() && ar != arrived.end() && ap != applied.end()) {
            f.sendToEvent.push_back(msBetween(p.sentNs, ev->second));
            f.eventToGui.push_back(msBetween(ev->second, ar->second));
            f.guiToApplied.push_back(msBetween(ar->second, ap->second));
            f.appliedToPaint.push_back(msBetween(ap->second, painted));
        }
    }
    std::sort(f.toPaint.begin(), f.toPaint.end());
    std::sort(f.eventToPaint.begin(), f.eventToPaint.end());
    std::sort(f.toModel.begin(), f.toModel.end());
    const auto &ps = f.drive.patches;
    f.sentRate = ps.size() > 1 ? double(ps.size() - 1) / (double(ps.back().sentNs - ps.front().sentNs) / 1e9) : 0;
    const double window = ps.size() > 1 ? double(ps.back().sentNs - ps.front().sentNs) / 1e9 : 0;
    f.achievedRate = window > 0 ? f.okPatches / window : 0;
    for (const Patch &p : ps)
        if (p.status != 200)
            ++f.failed[p.status];
    f.batches = probe.batches;
    f.eventsPerBatch = probe.batches ? double(probe.events) / probe.batches : 0;
}

IdleFigures measureIdle(int msec, qint64 sim, BatchProbe &probe, PaintCounter &paints)
{
    IdleFigures f;
    const int batches0 = probe.batches, paints0 = paints.paints;
    probe.recording = true;
    const CpuSample a = sampleCpu(sim);
    spin(msec);
    const CpuSample b = sampleCpu(sim);
    probe.recording = false;
    f.cpu = share(a, b);
    f.batches = probe.batches - batches0;
    f.paints = paints.paints - paints0;
    return f;
}

LiveFigures runLive(int podCount, double rate, int loadSeconds, int idleSeconds, double visibleShare)
{
    LiveFigures L;
    ts::SimProcess sim({QStringLiteral("--pods"), QString::number(podCount), QStringLiteral("--pod-start-ms"), QStringLiteral("200"),
                        QStringLiteral("--pod-ready-ms"), QStringLiteral("200")});
    const qint64 simT0 = nowNs();
    if (!sim.start(&L.error) || !spinUntil([&] { return sim.get("/api/v1/namespaces?limit=1").status == 200; }, 60000)) {
        L.error = QStringLiteral("the simulator did not start: ") + L.error;
        return L;
    }
    spin(1500);  // the scenario's own pods settle
    L.simUpMs = msBetween(simT0, nowNs());
    L.simUrl = sim.url();
    const qint64 simProcess = childPid(QStringLiteral("pilothouse-sim"));

    auto config = Kubeconfig::load({sim.kubeconfigPath()});
    if (!config.ok()) {
        L.error = config.error().message;
        return L;
    }
    QTemporaryDir dir;
    http::HttpEngine engine;
    auto approvals = std::make_shared<ExecApprovalStore>(dir.filePath(QStringLiteral("approvals.json")));
    KubeSession session(&engine, approvals);
    backends::actions::SessionActions::of(&session)->setAuditLog(std::make_shared<actions::AuditLog>(dir.filePath(QStringLiteral("audit.jsonl"))));
    QTemporaryDir settingsDir;
    widgets::shell::ShellSettings settings(settingsDir.filePath(QStringLiteral("settings.ini")));
    widgets::shell::PageRegistry pages;
    app::registerPages(pages);
    widgets::MainWindow window(&pages, &settings, sim.kubeconfigPath());

    // One probe slot before the window's model applies a batch, one after (same thread: direct calls, in connection order).
    BatchProbe probe;
    QObject probeContext;
    QObject::connect(&session, &KubeSession::podsChanged, &probeContext, [&](const ChangeBatch &b) { probe.note(probe.arrived, b, true); });
    QObject::connect(&session, &KubeSession::deploymentsChanged, &probeContext, [&](const ChangeBatch &) {
        if (probe.recording)
            ++probe.batches;
    });
    window.attachSession(&session);

    window.show();
    if (!QTest::qWaitForWindowExposed(&window)) {
        L.error = QStringLiteral("the window was not exposed");
        return L;
    }
    const qint64 t0 = nowNs();
    window.showKubeconfig(config.value(), {});
    // The resource page (and its model's connection) exists from here: the second probe goes after it.
    QObject::connect(&session, &KubeSession::podsChanged, &probeContext, [&](const ChangeBatch &b) { probe.note(probe.applied, b, false); });
    PodTableModel *model = window.resourcesPage()->podModel();
    QTableView *view = window.resourcesPage()->podView();
    if (!spinUntil([&] { return model->rowCount() >= podCount && session.state() == KubeSession::ConnectionState::Live; }, 120000)) {
        L.error = QStringLiteral("no synced, live pod table within 120 s (%1 rows)").arg(model->rowCount());
        return L;
    }
    L.syncMs = msBetween(t0, nowNs());
    L.pods = model->rowCount();
    if (!view->isVisible()) {
        L.error = QStringLiteral("the pod table is not visible");
        return L;
    }

    // The benchmark's pods (the sim's bench-NN namespaces), by key.
    std::vector<std::pair<QString, QString>> pods;
    QHash<QString, int> index;
    for (int r = 0; r < model->rowCount(); ++r) {
        const KubeObjectPtr o = model->objectAt(r);
        if (!o->ns.startsWith(QLatin1String("bench-")))
            continue;
        index.insert(o->key(), static_cast<int>(pods.size()));
        pods.emplace_back(o->ns, o->name);
    }
    probe.index = index;
    PaintProbe delegate;
    delegate.setPods(index, pods.size());
    view->setItemDelegateForColumn(PodTableModel::RestartsColumn, &delegate);
    PaintCounter paints;
    view->viewport()->installEventFilter(&paints);

    spin(3000);  // after the sync: discovery, malloc_trim, the first age refreshes
    L.idle = measureIdle(idleSeconds * 1000, simProcess, probe, paints);

    // The same with a filter typed (every age refresh then re-filters all rows).
    L.idleFilter = QStringLiteral("bench-07");
    window.resourcesPage()->filterEdit()->setText(L.idleFilter);
    L.idleFilterRows = window.resourcesPage()->podProxy()->rowCount();
    spin(1000);
    L.idleFiltered = measureIdle(idleSeconds * 500, simProcess, probe, paints);
    window.resourcesPage()->filterEdit()->clear();
    spin(1000);

    PatchDriver driver(sim, pods);
    EventWatcher watcher(sim);
    if (!watcher.start()) {
        L.error = QStringLiteral("cannot read the pods' resourceVersion for the event watcher");
        return L;
    }
    int nextSeq = 1;
    auto runLoad = [&](LoadFigures &f, const std::vector<char> &measuredPod, std::function<int(std::mt19937 &)> pick, int seconds) {
        f.targetRate = rate;
        probe.arrived.clear();
        probe.applied.clear();
        probe.batches = 0;
        probe.events = 0;
        delegate.take();
        const int paints0 = paints.paints;
        probe.recording = true;
        delegate.setRecording(true);
        const CpuSample a = sampleCpu(simProcess);
        driver.start(rate, seconds, nextSeq, std::move(pick));
        spinUntil([&] { return driver.done(); }, (seconds + 30) * 1000);
        const CpuSample b = sampleCpu(simProcess);
        spin(1500);  // the last changes arrive and paint
        delegate.setRecording(false);
        probe.recording = false;
        f.drive = driver.finish();
        f.cpu = share(a, b);
        f.paints = paints.paints - paints0;
        if (!f.drive.patches.empty())
            nextSeq = f.drive.patches.back().seq + 1;
        analyse(f, delegate.take(), probe, measuredPod, pods.size(), watcher.take());
    };

    // 1. Sorted by name (the default): the rows on screen stay put. Most events go to pods anywhere
    // in the 10,000, a share to the pods on screen, whose paints are timed.
    {
        const int rowH = view->verticalHeader()->defaultSectionSize();
        const int shown = view->viewport()->height() / std::max(1, rowH);  // whole rows only
        std::vector<int> visible;
        std::vector<char> measuredPod(pods.size(), 0);
        auto *proxy = window.resourcesPage()->podProxy();
        for (int r = 0; r < shown && r < proxy->rowCount(); ++r) {
            const int pod = index.value(proxy->index(r, 0).data(ObjectTableModel::KeyRole).toString(), -1);
            if (pod >= 0) {
                visible.push_back(pod);
                measuredPod[static_cast<size_t>(pod)] = 1;
            }
        }
        L.visibleRows = shown;
        L.byName.rowsOnScreen = shown;
        L.byName.name = QStringLiteral("sorted by name");
        const int all = static_cast<int>(pods.size());
        runLoad(L.byName, measuredPod, [visible, all, visibleShare](std::mt19937 &rng) {
            if (!visible.empty() && std::uniform_real_distribution<double>(0, 1)(rng) < visibleShare)
                return visible[std::uniform_int_distribution<size_t>(0, visible.size() - 1)(rng)];
            return std::uniform_int_distribution<int>(0, all - 1)(rng);
        }, loadSeconds);
    }
    // 2. Sorted by restarts, descending: every patched pod jumps to the top of the table, so every
    // event is on screen and timed; each one also moves a row in the proxy (dynamic sort).
    {
        // At 500/s a batch brings ~15-20 changes, more than the 1280x800 window shows: a taller
        // window keeps each batch on screen until it has been painted (it asks for 80 rows; the
        // offscreen platform gave 48 here, which the output reports).
        const int rowH = view->verticalHeader()->defaultSectionSize();
        const QSize before = window.size();
        window.resize(before.width(), before.height() + rowH * 80 - view->viewport()->height());
        view->sortByColumn(PodTableModel::RestartsColumn, Qt::DescendingOrder);
        spin(1500);
        L.byRestarts.rowsOnScreen = view->viewport()->height() / std::max(1, rowH);
        std::vector<char> measuredPod(pods.size(), 1);
        L.byRestarts.name = QStringLiteral("sorted by restarts (descending)");
        const int all = static_cast<int>(pods.size());
        runLoad(L.byRestarts, measuredPod, [all](std::mt19937 &rng) { return std::uniform_int_distribution<int>(0, all - 1)(rng); },
                std::max(5, loadSeconds * 3 / 4));
        view->sortByColumn(PodTableModel::NameColumn, Qt::AscendingOrder);
        window.resize(before);
    }
    watcher.stop();
    view->viewport()->removeEventFilter(&paints);
    view->setItemDelegateForColumn(PodTableModel::RestartsColumn, nullptr);
    window.hide();
    session.disconnectFromCluster();
    sim.terminate();
    L.ok = true;
    return L;
}

// ---- sort, filter and reset on synthetic pods -------------------------------------------------

// Pods shaped like the sim's benchmark pods (and a busy cluster's): 25 per service, 50 namespaces,
// 100 per node, mostly Running, ages up to 30 days.
ObjectList syntheticPods(int count, unsigned seed)
{
    std::mt19937 rng(seed);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    auto suffix = [&](int n) {
        QString s;
        for (int i = 0; i < n; ++i)
            s += QLatin1Char(alphabet[std::uniform_int_distribution<int>(0, 26)(rng)]);
        return s;
    };
    const int nodes = std::max(3, count / 100);
    ObjectList out;
    out.reserve(static_cast<size_t>(count));
    QString rs;
    for (int i = 0; i < count; ++i) {
        const int svc = i / 25;
        if (i % 25 == 0)
            rs = QStringLiteral("svc-%1-%2").arg(svc + 1, 4, 10, QLatin1Char('0')).arg(suffix(10));
        auto o = std::make_shared<KubeObject>();
        o->ns = QStringLiteral("bench-%1").arg(svc % 50 + 1, 2, 10, QLatin1Char('0'));
        o->name = rs + QLatin1Char('-') + suffix(5);
        o->uid = QStringLiteral("uid-%1").arg(i);
        o->resourceVersion = QString::number(1000 + i);
        o->createdAt = now - std::uniform_int_distribution<qint64>(0, 30 * 86400)(rng);
        PodSummary p;
        const int roll = std::uniform_int_distribution<int>(0, 999)(rng);
        p.status = roll < 940 ? QStringLiteral("Running") : roll < 960 ? QStringLiteral("Pending") : roll < 975 ? QStringLiteral("CrashLoopBackOff")
                   : roll < 985 ? QStringLiteral("ContainerCreating") : roll < 995 ? QStringLiteral("Completed") : QStringLiteral("Error");
        p.totalContainers = 2;
        p.readyContainers = p.status == QLatin1String("Running") ? 2 : 0;
        p.restarts = roll < 900 ? 0 : std::uniform_int_distribution<int>(1, 40)(rng);
        p.node = QStringLiteral("bench-node-%1").arg(i % nodes + 1, 3, 10, QLatin1Char('0'));
        p.podIp = QStringLiteral("10.244.%1.%2").arg(i / 250 % 250).arg(i % 250 + 1);
        o->summary = p;
        out.push_back(std::move(o));
    }
    return out;
}

// A time in ms, wall clock and the GUI thread's CPU (the CPU figure is what a quiet machine's wall
// clock would show: on a busy one the wall clock includes waiting for a CPU).
struct Took {
    double wall = 0, cpu = 0;
};

Took medianOf(const std::vector<Took> &v)
{
    std::vector<double> w, c;
    for (const Took &t : v) {
        w.push_back(t.wall);
        c.push_back(t.cpu);
    }
    return {median(w), median(c)};
}

QString fmt(const Took &t) { return QStringLiteral("%1 (CPU %2)").arg(ms(t.wall), ms(t.cpu)); }

// The largest wall and the largest CPU time (not necessarily of the same run).
Took maxOf(const std::vector<Took> &v)
{
    Took m;
    for (const Took &t : v) {
        m.wall = std::max(m.wall, t.wall);
        m.cpu = std::max(m.cpu, t.cpu);
    }
    return m;
}

qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The GUI thread's slices: every event the application dispatches (outermost only: an event
// handled inside another one's processing belongs to that one's slice), wall and thread CPU time.
// What a user feels as a frozen window is the longest of them.
struct SliceRecorder {
    bool recording = false;
    int depth = 0;
    std::vector<Took> slices;
};
SliceRecorder slices;

class BenchApplication : public QApplication {
public:
    using QApplication::QApplication;
    bool notify(QObject *receiver, QEvent *event) override
    {
        if (!slices.recording || slices.depth > 0 || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        ++slices.depth;
        const qint64 c0 = threadCpuNs();
        const qint64 t0 = nowNs();
        const bool done = QApplication::notify(receiver, event);
        slices.slices.push_back({msBetween(t0, nowNs()), msBetween(c0, threadCpuNs())});
        --slices.depth;
        return done;
    }
};

struct SortFilterFigures {
    int rows = 0;
    Took resetBare;             // PodTableModel: a whole list loaded, without a proxy or view (all chunks)
    Took resetWhole;            // ... in one reset (chunked loading off)
    Took reset;                 // the window's model: the reset itself (first chunk, proxy sort, view)
    double resetPaintMs = 0;    // ... until the table has painted
    // Loading the whole list into the window, as the session delivers it (a queued signal), until
    // every row is in: wall time, GUI thread CPU, chunks, and the longest GUI-thread slice.
    Took load;
    int loadChunks = 0;
    Took longestSlice;          // the longest event handled during the load (wall; its CPU)
    double longestSliceCpu = 0; // the largest CPU time of any one slice
    double loadPaintMs = 0;     // first paint after the reset
    std::vector<Took> topSlices;  // the five longest (wall)
    size_t sliceCount = 0;
    double oldModelSort = 0;    // the old resetObjects' std::sort by namespace/name on this list (CPU)
    Took sortName, sortStatus, sortAge;        // sortByColumn (a header click), medians
    double sortNamePaint = 0, sortStatusPaint = 0, sortAgePaint = 0;
    double refName = 0, refStatus = 0, refAge = 0;  // the same orders by std::stable_sort on the objects' fields (CPU)
    double foldKeys = 0, foldSort = 0;              // case-folded name keys: building them, sorting on them (CPU)
    Took filterTypical, filterNoMatch, filterClear;  // the filter box's setText, medians
    int typicalRows = 0;
    QString typical, noMatch;
    std::vector<std::pair<QString, double>> keystrokes;  // typing the typical filter, one key at a time (wall ms)
    double keystrokesTotal = 0;
    // Typing a pod's whole name key by key, then erasing it with backspace: each key's filter (the
    // filter box's textChanged: all three proxies).
    QString typedName;
    std::vector<Took> typingName, erasingName;
    // A batch of live changes (18 modified pods, what 500 events/s bring per 36 ms) applied to the
    // window's model: median and max over 20 batches, sorted by name and by restarts (each changed
    // row then moves to the top).
    Took batchByName, batchByRestarts;
    double batchByNameMax = 0, batchByRestartsMax = 0, batchByNamePaint = 0, batchByRestartsPaint = 0;  // paint: median ms
    IdleFigures idle, idleFiltered;
    bool haveIdle = false;
};

// Runs `action`, then the event loop until the table has painted.
struct Timed {
    Took took;
    double toPaintedMs = -1;
};

Timed timed(const std::function<void()> &action, PaintCounter &paints, bool waitForPaint = true)
{
    Timed t;
    const qint64 c0 = threadCpuNs();
    const qint64 t0 = nowNs();
    action();
    const qint64 t1 = nowNs();
    t.took = {msBetween(t0, t1), msBetween(c0, threadCpuNs())};
    const int before = paints.paints;
    const qint64 deadline = t1 + (waitForPaint ? 10'000'000'000 : 0);
    while (paints.paints == before && nowNs() < deadline)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    // The paint ran inside the last processEvents() call: "now" is when it had finished.
    if (paints.paints != before)
        t.toPaintedMs = msBetween(t0, nowNs());
    return t;
}

// The floor for a sort: row numbers ordered by std::stable_sort reading the objects' fields
// directly (no QVariant, no data() call), with the proxy's comparison (case-insensitive text).
// GUI thread CPU ms.
double referenceSort(const ObjectList &objects, int column)
{
    std::vector<int> rows(objects.size());
    for (size_t i = 0; i < rows.size(); ++i)
        rows[i] = static_cast<int>(i);
    const qint64 c0 = threadCpuNs();
    auto obj = [&](int r) { return objects[static_cast<size_t>(r)].get(); };
    if (column == PodTableModel::NameColumn)
        std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) { return obj(a)->name.compare(obj(b)->name, Qt::CaseInsensitive) < 0; });
    else if (column == PodTableModel::StatusColumn)
        std::stable_sort(rows.begin(), rows.end(),
                         [&](int a, int b) { return obj(a)->pod()->status.compare(obj(b)->pod()->status, Qt::CaseInsensitive) < 0; });
    else
        std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) { return -obj(a)->createdAt < -obj(b)->createdAt; });
    return msBetween(c0, threadCpuNs());
}

// Names case-folded once into a flat array, then compared case-sensitively (what a model that keeps
// sort keys could do): {building the keys, sorting} in GUI thread CPU ms.
std::pair<double, double> foldedKeySort(const ObjectList &objects)
{
    const qint64 c0 = threadCpuNs();
    std::vector<QString> keys;
    keys.reserve(objects.size());
    for (const auto &o : objects)
        keys.push_back(o->name.toCaseFolded());
    const qint64 c1 = threadCpuNs();
    std::vector<int> rows(objects.size());
    for (size_t i = 0; i < rows.size(); ++i)
        rows[i] = static_cast<int>(i);
    std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) { return keys[static_cast<size_t>(a)] < keys[static_cast<size_t>(b)]; });
    return {msBetween(c0, c1), msBetween(c1, threadCpuNs())};
}

SortFilterFigures runSortFilter(int rows, int runs, const Kubeconfig &config, const QString &kubeconfigPath, bool idle, int idleMs)
{
    SortFilterFigures f;
    f.rows = rows;
    const ObjectList objects = syntheticPods(rows, 42u + static_cast<unsigned>(rows));
    {
        // The model alone: the whole list in one reset, and in chunks with the event loop running
        // between them as in the window.
        std::vector<Took> bare, whole;
        for (int i = 0; i < 3; ++i) {
            PodTableModel m;
            m.setChunkedLoading(true);
            const qint64 c0 = threadCpuNs();
            const qint64 t0 = nowNs();
            m.resetObjects(objects);
            while (m.isLoading())
                QCoreApplication::processEvents(QEventLoop::AllEvents);
            bare.push_back({msBetween(t0, nowNs()), msBetween(c0, threadCpuNs())});
            PodTableModel once;
            const qint64 c1 = threadCpuNs();
            const qint64 t1 = nowNs();
            once.resetObjects(objects);
            whole.push_back({msBetween(t1, nowNs()), msBetween(c1, threadCpuNs())});
        }
        f.resetBare = medianOf(bare);
        f.resetWhole = medianOf(whole);
        // What the model's reset did before it kept the list's order: sort it by namespace/name.
        ObjectList copy = objects;
        const qint64 c0 = threadCpuNs();
        std::sort(copy.begin(), copy.end(), [](const KubeObjectPtr &a, const KubeObjectPtr &b) {
            int ns = a->ns.compare(b->ns);
            return ns != 0 ? ns < 0 : a->name < b->name;
        });
        f.oldModelSort = msBetween(c0, threadCpuNs());
    }
    // The resource page alone, with no session: the table is fed synthetic pods.
    Q_UNUSED(config)
    Q_UNUSED(kubeconfigPath)
    widgets::shell::KindCatalog kinds;
    widgets::shell::PageContext context;
    context.kinds = &kinds;
    widgets::ResourcesPage window(context);
    window.resize(1280, 800);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window))
        out(QStringLiteral("bench_table: the window of the synthetic table was not exposed; paint times will be missing"));
    spin(300);
    PaintCounter paints;
    QTableView *view = window.podView();
    view->viewport()->installEventFilter(&paints);
    {
        // As the session delivers a list: a queued call on the GUI thread, then chunks until every
        // row is in. Every event of the GUI thread in that time is a slice.
        PodTableModel *model = window.podModel();
        int chunks = 0;
        const QMetaObject::Connection progress =
            QObject::connect(model, &ObjectTableModel::loadProgress, model, [&chunks](int, int) { ++chunks; });
        const int paints0 = paints.paints;
        qint64 firstPaint = 0;
        slices.slices.clear();
        slices.recording = true;
        const qint64 c0 = threadCpuNs();
        const qint64 t0 = nowNs();
        QMetaObject::invokeMethod(model, [&] {
            const qint64 r0 = nowNs(), rc0 = threadCpuNs();
            model->resetObjects(objects);
            f.reset = {msBetween(r0, nowNs()), msBetween(rc0, threadCpuNs())};
        }, Qt::QueuedConnection);
        while (model->rowCount() < rows || model->isLoading()) {
            QCoreApplication::processEvents(QEventLoop::AllEvents);
            if (!firstPaint && paints.paints != paints0)
                firstPaint = nowNs();
            if (nowNs() - t0 > 120'000'000'000)
                break;
        }
        f.load = {msBetween(t0, nowNs()), msBetween(c0, threadCpuNs())};
        slices.recording = false;
        // A list loaded in the reset alone has not been painted yet.
        while (!firstPaint && nowNs() - t0 < 10'000'000'000) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
            if (paints.paints != paints0)
                firstPaint = nowNs();
        }
        f.loadChunks = chunks;
        f.resetPaintMs = f.loadPaintMs = firstPaint ? msBetween(t0, firstPaint) : -1;
        for (const Took &t : slices.slices) {
            if (t.wall > f.longestSlice.wall)
                f.longestSlice = t;
            f.longestSliceCpu = std::max(f.longestSliceCpu, t.cpu);
        }
        f.sliceCount = slices.slices.size();
        f.topSlices = slices.slices;
        std::sort(f.topSlices.begin(), f.topSlices.end(), [](const Took &a, const Took &b) { return a.wall > b.wall; });
        f.topSlices.resize(std::min<size_t>(5, f.topSlices.size()));
        QObject::disconnect(progress);
    }
    spin(200);

    std::vector<Took> sName, sStatus, sAge;
    std::vector<double> pName, pStatus, pAge, rName, rStatus, rAge, kBuild, kSort;
    for (int i = 0; i < runs; ++i) {
        // Each sort starts from another column's order, as a user clicking headers does.
        Timed t = timed([&] { view->sortByColumn(PodTableModel::StatusColumn, Qt::AscendingOrder); }, paints);
        sStatus.push_back(t.took);
        pStatus.push_back(t.toPaintedMs);
        t = timed([&] { view->sortByColumn(PodTableModel::AgeColumn, Qt::AscendingOrder); }, paints);
        sAge.push_back(t.took);
        pAge.push_back(t.toPaintedMs);
        t = timed([&] { view->sortByColumn(PodTableModel::NameColumn, Qt::AscendingOrder); }, paints);
        sName.push_back(t.took);
        pName.push_back(t.toPaintedMs);
        rName.push_back(referenceSort(objects, PodTableModel::NameColumn));
        rStatus.push_back(referenceSort(objects, PodTableModel::StatusColumn));
        rAge.push_back(referenceSort(objects, PodTableModel::AgeColumn));
        const auto [build, sorted] = foldedKeySort(objects);
        kBuild.push_back(build);
        kSort.push_back(sorted);
    }
    f.foldKeys = median(kBuild);
    f.foldSort = median(kSort);
    f.sortName = medianOf(sName);
    f.sortStatus = medianOf(sStatus);
    f.sortAge = medianOf(sAge);
    f.sortNamePaint = median(pName);
    f.sortStatusPaint = median(pStatus);
    f.sortAgePaint = median(pAge);
    f.refName = median(rName);
    f.refStatus = median(rStatus);
    f.refAge = median(rAge);

    // Live changes: batches of modified pods through PodTableModel::applyChanges, as the session delivers them.
    {
        std::mt19937 rng(7);
        int restarts = 1000;
        auto batches = [&](Took &took, double &maxMs, double &paintMs, bool onScreen) {
            std::vector<Took> t;
            std::vector<double> p;
            for (int b = 0; b < 20; ++b) {
                ChangeBatch batch;
                for (int i = 0; i < 18; ++i) {
                    const KubeObjectPtr old = window.podModel()->objectAt(std::uniform_int_distribution<int>(0, rows - 1)(rng));
                    auto changed = std::make_shared<KubeObject>(*old);
                    PodSummary pod = *old->pod();
                    pod.restarts = ++restarts;
                    changed->summary = pod;
                    batch.push_back({ObjectChange::Type::Modified, std::move(changed)});
                }
                const Timed one = timed([&] { window.podModel()->applyChanges(batch); }, paints, onScreen);
                t.push_back(one.took);
                p.push_back(one.toPaintedMs);
                maxMs = std::max(maxMs, one.took.wall);
            }
            took = medianOf(t);
            paintMs = median(p);
        };
        batches(f.batchByName, f.batchByNameMax, f.batchByNamePaint, false);
        view->sortByColumn(PodTableModel::RestartsColumn, Qt::DescendingOrder);
        spin(100);
        batches(f.batchByRestarts, f.batchByRestartsMax, f.batchByRestartsPaint, true);
        view->sortByColumn(PodTableModel::NameColumn, Qt::AscendingOrder);
        spin(100);
    }

    // Filters go through the filter box, as typing does (its textChanged sets all three proxies).
    QLineEdit *edit = window.filterEdit();
    f.typical = QStringLiteral("svc-0042");
    f.noMatch = QStringLiteral("no-such-pod");
    std::vector<Took> fTyp, fNo, fClear;
    for (int i = 0; i < runs; ++i) {
        fTyp.push_back(timed([&] { edit->setText(f.typical); }, paints).took);
        f.typicalRows = window.podProxy()->rowCount();
        fClear.push_back(timed([&] { edit->clear(); }, paints).took);
        fNo.push_back(timed([&] { edit->setText(f.noMatch); }, paints).took);
        fClear.push_back(timed([&] { edit->clear(); }, paints).took);
    }
    f.filterTypical = medianOf(fTyp);
    f.filterNoMatch = medianOf(fNo);
    f.filterClear = medianOf(fClear);
    edit->setFocus();
    for (QChar c : f.typical) {
        const double t = timed([&] { QTest::keyClick(edit, c.toLatin1()); }, paints).took.wall;
        f.keystrokes.emplace_back(QString(c), t);
        f.keystrokesTotal += t;
    }
    edit->clear();
    spin(300);
    // A pod's whole name, typed and then erased key by key; the table paints between keys, as it
    // would for someone typing.
    f.typedName = objects[objects.size() / 2]->name;
    for (QChar c : f.typedName) {
        f.typingName.push_back(timed([&] { QTest::keyClick(edit, c.toLatin1()); }, paints, false).took);
        spin(15);
    }
    for (qsizetype i = 0; i < f.typedName.size(); ++i) {
        f.erasingName.push_back(timed([&] { QTest::keyClick(edit, Qt::Key_Backspace); }, paints, false).took);
        spin(15);
    }
    edit->clear();
    spin(300);
    if (idle) {
        BatchProbe none;
        f.idle = measureIdle(idleMs, 0, none, paints);
        edit->setText(QStringLiteral("bench-07"));
        spin(1000);
        f.idleFiltered = measureIdle(idleMs, 0, none, paints);
        edit->clear();
        f.haveIdle = true;
    }
    view->viewport()->removeEventFilter(&paints);
    window.hide();
    return f;
}

QString stageLine(const char *name, std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return QStringLiteral("     %1 p50 %2, p99 %3").arg(QLatin1String(name), -24).arg(ms(pct(v, 50)), ms(pct(v, 99)));
}

void printLoad(const LoadFigures &f)
{
    out(QStringLiteral("   %1: target %2 events/s for %3 s").arg(f.name).arg(f.targetRate, 0, 'f', 0).arg(f.drive.seconds, 0, 'f', 1));
    QStringList failed;
    for (const auto &[status, n] : f.failed)
        failed << (status < 0 ? QStringLiteral("%1 × no answer (%2)").arg(n).arg(QString::fromLatin1(curl_easy_strerror(CURLcode(-status))))
                              : QStringLiteral("%1 × HTTP %2").arg(n).arg(status));
    out(QStringLiteral("     patches               %1 sent (%2/s), %3 answered 200 (%4/s); %5 sent more than 10 ms late (all connections busy)%6")
            .arg(f.drive.patches.size())
            .arg(f.sentRate, 0, 'f', 0)
            .arg(f.okPatches)
            .arg(f.achievedRate, 0, 'f', 0)
            .arg(f.drive.late)
            .arg(failed.isEmpty() ? QString() : QStringLiteral("; not applied: ") + failed.join(QStringLiteral(", "))));
    out(QStringLiteral("     change batches        %1 (%2 events per batch on average); table paints %3")
            .arg(f.batches).arg(f.eventsPerBatch, 0, 'f', 1).arg(f.paints));
    out(QStringLiteral("     send -> model row     p50 %1, p99 %2 (all %3 events: PATCH sent -> PodTableModel::applyChanges returned)")
            .arg(ms(pct(f.toModel, 50)), ms(pct(f.toModel, 99))).arg(f.toModel.size()));
    auto dist = [](const std::vector<double> &v) {
        return QStringLiteral("p50 %1, p90 %2, p99 %3, max %4").arg(ms(pct(v, 50)), ms(pct(v, 90)), ms(pct(v, 99)), ms(v.empty() ? 0 : v.back()));
    };
    out(QStringLiteral("     event -> painted row  %1  (from the server's event: a second watch's arrival)").arg(dist(f.eventToPaint)));
    out(QStringLiteral("     send -> painted row   %1  (from the PATCH request: + the sim's share)").arg(dist(f.toPaint)));
    out(QStringLiteral("                           %1 samples (%2 with the event time): %3 events on screen (%4 rows), "
                       "%5 replaced by the pod's next patch before a paint, %6 never painted")
            .arg(f.toPaint.size())
            .arg(f.eventToPaint.size())
            .arg(f.measured)
            .arg(f.rowsOnScreen)
            .arg(f.superseded)
            .arg(f.unresolved));
    out(QStringLiteral("     stages of the timed events:"));
    out(stageLine("send -> event", f.sendToEvent) + QStringLiteral("  (the sim applies the patch and streams the event)"));
    out(stageLine("event -> batch on GUI", f.eventToGui) + QStringLiteral("  (engine, informer parse, 30 ms batch timer, queued signal)"));
    out(stageLine("batch -> model applied", f.guiToApplied) + QStringLiteral("  (applyChanges: model, proxy, view signals)"));
    out(stageLine("applied -> painted", f.appliedToPaint));
    out(stageLine("(send -> sim answered)", f.sendToAnswer) + QStringLiteral("  (the PATCH answer comes after the event)"));
    out(QStringLiteral("     CPU                   %1; patch driver %2")
            .arg(describe(f.cpu), pc(f.drive.seconds > 0 ? f.drive.cpuMs / 10 / f.drive.seconds : 0)));
}

}  // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    BenchApplication app(argc, argv);
    int pods = 10000;
    double rate = 500;
    int loadSeconds = 20;
    int idleSeconds = 20;
    int runs = 5;
    bool live = true, sortFilter = true;
    QList<int> sizes{10000, 100000};
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        const bool hasValue = i + 1 < args.size();
        if (a == QLatin1String("--pods") && hasValue)
            pods = args[++i].toInt();
        else if (a == QLatin1String("--rate") && hasValue)
            rate = std::max(1.0, args[++i].toDouble());
        else if (a == QLatin1String("--seconds") && hasValue)
            loadSeconds = std::max(2, args[++i].toInt());
        else if (a == QLatin1String("--idle-seconds") && hasValue)
            idleSeconds = std::max(2, args[++i].toInt());
        else if (a == QLatin1String("--runs") && hasValue)
            runs = std::max(1, args[++i].toInt());
        else if (a == QLatin1String("--live-only"))
            sortFilter = false;
        else if (a == QLatin1String("--sort-only"))
            live = false;
        else if (a == QLatin1String("--sizes") && hasValue) {
            sizes.clear();
            for (const QString &s : args[++i].split(QLatin1Char(',')))
                sizes << s.toInt();
        } else {
            out(QStringLiteral("usage: bench_table [--pods N] [--rate EVENTS_PER_S] [--seconds N] [--idle-seconds N] [--runs N]\n"
                               "                   [--sizes N,M] [--live-only | --sort-only]"));
            return 2;
        }
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        out(QStringLiteral("bench_table: curl_global_init failed"));
        return 1;
    }

    const Machine m = machine();
    out(QStringLiteral("== bench_table: the live pod table (event -> repaint, idle CPU, sort, filter) =="));
    out(QStringLiteral("machine : %1 CPU(s), %2, %3 MiB RAM; %4").arg(m.cpus).arg(m.model).arg(m.ramMb).arg(m.os));
    out(QStringLiteral("software: Qt %1 (platform %2), libcurl %3, %4 build")
            .arg(QString::fromLatin1(qVersion()), QGuiApplication::platformName(),
                 QString::fromLatin1(curl_version_info(CURLVERSION_NOW)->version),
#ifdef NDEBUG
                 QStringLiteral("optimised")
#else
                 QStringLiteral("DEBUG (figures not representative)")
#endif
                 ));
    out(QStringLiteral("load    : %1 (1, 5, 15 min) on %2 CPUs at the start; the sim, the console and the patch driver share them")
            .arg(loadAverage())
            .arg(m.cpus));

    // A kubeconfig for the windows of the synthetic tables (they are not connected to anything).
    QTemporaryDir tmp;
    const QString kubeconfigPath = tmp.filePath(QStringLiteral("kubeconfig"));
    {
        QFile f(kubeconfigPath);
        if (f.open(QIODevice::WriteOnly))
            f.write("apiVersion: v1\nkind: Config\ncurrent-context: bench\n"
                    "clusters: [{name: bench, cluster: {server: 'https://127.0.0.1:9'}}]\n"
                    "users: [{name: bench, user: {token: none}}]\n"
                    "contexts: [{name: bench, context: {cluster: bench, user: bench}}]\n");
    }
    auto config = Kubeconfig::load({kubeconfigPath});
    if (!config.ok()) {
        out(QStringLiteral("bench_table: %1").arg(config.error().message));
        return 1;
    }

    LiveFigures L;
    if (live) {
        out({});
        out(QStringLiteral("-- live: MainWindow + KubeSession against pilothouse-sim --pods %1, window shown").arg(pods));
        L = runLive(pods, rate, loadSeconds, idleSeconds, 0.1);
        if (!L.ok) {
            out(QStringLiteral("bench_table: %1").arg(L.error));
            return 1;
        }
        out(QStringLiteral("   sim                   %1, up in %2").arg(L.simUrl, ms(L.simUpMs)));
        out(QStringLiteral("   pods listed           %1, table live %2 after connecting; %3 whole rows on screen")
                .arg(L.pods).arg(ms(L.syncMs)).arg(L.visibleRows));
        out(QStringLiteral("   idle, %1 s            %2").arg(L.idle.cpu.seconds, 0, 'f', 0).arg(describe(L.idle.cpu)));
        out(QStringLiteral("                         %1 change batches arrived, %2 table paints (the 1 s age refresh)")
                .arg(L.idle.batches).arg(L.idle.paints));
        out(QStringLiteral("   idle, filter \"%1\" (%2 rows shown), %3 s: %4")
                .arg(L.idleFilter).arg(L.idleFilterRows).arg(L.idleFiltered.cpu.seconds, 0, 'f', 0).arg(describe(L.idleFiltered.cpu)));
        out(QStringLiteral("-- event -> repainted row (JSON patches of a container's restartCount to a sequence number)"));
        printLoad(L.byName);
        printLoad(L.byRestarts);
    }

    std::vector<SortFilterFigures> sf;
    if (sortFilter) {
        out({});
        out(QStringLiteral("-- load, sort, filter: synthetic pods in a ResourcesPage's pod table (the window's model, proxy and view), median of %1").arg(runs));
        for (int i = 0; i < sizes.size(); ++i) {
            SortFilterFigures f = runSortFilter(sizes[i], runs, config.value(), kubeconfigPath, i == sizes.size() - 1, idleSeconds * 250);
            out(QStringLiteral("   %1 rows (wall time, and the GUI thread's CPU time)").arg(f.rows));
            out(QStringLiteral("     load into window    all rows in %1 in %2 chunks; longest GUI-thread slice %3 (CPU %4; the longest in CPU %5); "
                               "the reset itself %6; first paint %7")
                    .arg(fmt(f.load)).arg(f.loadChunks).arg(ms(f.longestSlice.wall), ms(f.longestSlice.cpu), ms(f.longestSliceCpu), fmt(f.reset),
                                                           ms(f.loadPaintMs)));
            QStringList top;
            for (const Took &t : f.topSlices)
                top << QStringLiteral("%1 (CPU %2)").arg(QString::number(t.wall, 'f', 1), QString::number(t.cpu, 'f', 1));
            out(QStringLiteral("                         %1 GUI-thread events during the load; the longest (ms): %2").arg(f.sliceCount).arg(top.join(QStringLiteral(", "))));
            out(QStringLiteral("     model alone         all rows in %1 in chunks, %2 in one reset (no proxy or view); the old reset's sort by "
                               "namespace/name on this list: %3 (CPU)")
                    .arg(fmt(f.resetBare), fmt(f.resetWhole), ms(f.oldModelSort)));
            out(QStringLiteral("     sort by name        %1; to painted %2").arg(fmt(f.sortName), ms(f.sortNamePaint)));
            out(QStringLiteral("     sort by status      %1; to painted %2").arg(fmt(f.sortStatus), ms(f.sortStatusPaint)));
            out(QStringLiteral("     sort by age         %1; to painted %2").arg(fmt(f.sortAge), ms(f.sortAgePaint)));
            out(QStringLiteral("     floor: std::stable_sort of row numbers on the objects' fields (CPU): name %1 (case-insensitive compare), "
                               "status %2, age %3; name on case-folded keys %4 (+ %5 to build the keys)")
                    .arg(ms(f.refName), ms(f.refStatus), ms(f.refAge), ms(f.foldSort), ms(f.foldKeys)));
            // (Sorted by name the changed rows are mostly off screen and the view does not repaint.)
            out(QStringLiteral("     18 changed pods     applyChanges sorted by name: %1, max %2; sorted by restarts (rows move to the top): %3, max %4, to painted %5")
                    .arg(fmt(f.batchByName), ms(f.batchByNameMax), fmt(f.batchByRestarts), ms(f.batchByRestartsMax), ms(f.batchByRestartsPaint)));
            out(QStringLiteral("     filter \"%1\"   %2 (%3 rows match)").arg(f.typical, fmt(f.filterTypical)).arg(f.typicalRows));
            out(QStringLiteral("     filter \"%1\" %2 (no match)").arg(f.noMatch, fmt(f.filterNoMatch)));
            out(QStringLiteral("     clear the filter    %1").arg(fmt(f.filterClear)));
            QStringList keys;
            for (const auto &[k, t] : f.keystrokes)
                keys << QStringLiteral("%1 %2").arg(k, QString::number(t, 'f', 0));
            out(QStringLiteral("     typing \"%1\"   %2 in all; per key (ms): %3").arg(f.typical, ms(f.keystrokesTotal), keys.join(QStringLiteral(", "))));
            auto perKey = [](const std::vector<Took> &v) {
                QStringList w;
                for (const Took &t : v)
                    w << QString::number(t.wall, 'f', 0);
                return w.join(QLatin1Char(' '));
            };
            out(QStringLiteral("     typing \"%1\" (a pod's name): per key max %2 (CPU max %3), median %4; wall per key (ms): %5")
                    .arg(f.typedName, ms(maxOf(f.typingName).wall), ms(maxOf(f.typingName).cpu), ms(medianOf(f.typingName).wall), perKey(f.typingName)));
            out(QStringLiteral("     erasing it (backspace): per key max %1 (CPU max %2), median %3; wall per key (ms): %4")
                    .arg(ms(maxOf(f.erasingName).wall), ms(maxOf(f.erasingName).cpu), ms(medianOf(f.erasingName).wall), perKey(f.erasingName)));
            if (f.haveIdle) {
                out(QStringLiteral("     idle, %1 s          %2 of one core (GUI thread %3); %4 paints")
                        .arg(f.idle.cpu.seconds, 0, 'f', 0)
                        .arg(pc(f.idle.cpu.console), pc(f.idle.cpu.main))
                        .arg(f.idle.paints));
                out(QStringLiteral("     idle, filter \"bench-07\" typed, %1 s: %2 of one core (GUI thread %3)")
                        .arg(f.idle.cpu.seconds, 0, 'f', 0)
                        .arg(pc(f.idleFiltered.cpu.console), pc(f.idleFiltered.cpu.main)));
            }
            sf.push_back(f);
        }
    }

    // ---- Markdown
    out({});
    out(QStringLiteral("| figure | value | aim | |"));
    out(QStringLiteral("|---|---|---|---|"));
    out(QStringLiteral("| machine | %1 × %2, %3 MiB RAM | | |").arg(m.cpus).arg(m.model).arg(m.ramMb));
    if (live) {
        for (const LoadFigures *f : {&L.byName, &L.byRestarts}) {
            out(QStringLiteral("| event → painted row, %1: p50 / p90 / p99 / max | %2 / %3 / %4 / %5 (%6) | p99 ≤ 100 ms | %7 |")
                    .arg(f->name, ms(pct(f->eventToPaint, 50)), ms(pct(f->eventToPaint, 90)), ms(pct(f->eventToPaint, 99)),
                         ms(f->eventToPaint.empty() ? 0 : f->eventToPaint.back()))
                    .arg(QStringLiteral("%1 samples, %2 never painted").arg(f->eventToPaint.size()).arg(f->unresolved))
                    .arg(met(!f->eventToPaint.empty() && pct(f->eventToPaint, 99) <= 100)));
            out(QStringLiteral("| PATCH sent → painted row, %1: p50 / p99 | %2 / %3 | | |")
                    .arg(f->name, ms(pct(f->toPaint, 50)), ms(pct(f->toPaint, 99))));
            out(QStringLiteral("| events applied, %1 | %2 events/s (%3 patches in %4 s) | 500/s | %5 |")
                    .arg(f->name)
                    .arg(f->achievedRate, 0, 'f', 0)
                    .arg(f->okPatches)
                    .arg(f->okPatches / std::max(1.0, f->achievedRate), 0, 'f', 1)
                    .arg(f->achievedRate >= 0.95 * rate ? QStringLiteral("rate reached") : QStringLiteral("**rate not reached**")));
        }
        out(QStringLiteral("| console CPU, idle (%1 pods, window shown, %2 s) | %3 | ≤ 1 % | %4 |")
                .arg(L.pods)
                .arg(L.idle.cpu.seconds, 0, 'f', 0)
                .arg(pc(L.idle.cpu.console), met(L.idle.cpu.console <= 1.0)));
        out(QStringLiteral("| console CPU, idle, filter typed | %1 | | |").arg(pc(L.idleFiltered.cpu.console)));
    }
    for (const auto &f : sf) {
        const double worst = std::max({f.sortName.wall, f.sortStatus.wall, f.sortAge.wall});
        const bool big = f.rows >= 100000;
        out(QStringLiteral("| sort %1 rows: name / status / age (GUI thread CPU) | %2 / %3 / %4 (%5 / %6 / %7) | %8 | %9 |")
                .arg(f.rows)
                .arg(ms(f.sortName.wall), ms(f.sortStatus.wall), ms(f.sortAge.wall), ms(f.sortName.cpu), ms(f.sortStatus.cpu), ms(f.sortAge.cpu))
                .arg(big ? QStringLiteral("≤ 100 ms") : QString(), big ? met(worst <= 100) : QString()));
        out(QStringLiteral("| filter %1 rows: typical / no match / clear (GUI thread CPU) | %2 / %3 / %4 (%5 / %6 / %7) | | |")
                .arg(f.rows)
                .arg(ms(f.filterTypical.wall), ms(f.filterNoMatch.wall), ms(f.filterClear.wall), ms(f.filterTypical.cpu), ms(f.filterNoMatch.cpu),
                     ms(f.filterClear.cpu)));
        const Took typing = maxOf(f.typingName), erasing = maxOf(f.erasingName);
        out(QStringLiteral("| filter %1 rows, per key, typing a pod's name / erasing it: max (GUI thread CPU max) | %2 / %3 (%4 / %5) | %6 | %7 |")
                .arg(f.rows)
                .arg(ms(typing.wall), ms(erasing.wall), ms(typing.cpu), ms(erasing.cpu))
                .arg(big ? QStringLiteral("≤ 50 ms") : QString(), big ? met(std::max(typing.wall, erasing.wall) <= 50) : QString()));
        out(QStringLiteral("| load %1 rows into the window: longest GUI-thread slice (its CPU) / all rows in (CPU) / chunks | %2 (%3) / %4 (%5) / %6 | %7 | %8 |")
                .arg(f.rows)
                .arg(ms(f.longestSlice.wall), ms(f.longestSlice.cpu), ms(f.load.wall), ms(f.load.cpu))
                .arg(f.loadChunks)
                .arg(big ? QStringLiteral("slice ≤ 50 ms") : QString(), big ? met(f.longestSlice.wall <= 50) : QString()));
        out(QStringLiteral("| model alone, %1 rows: in chunks / in one reset (CPU) | %2 / %3 (%4 / %5) | | |")
                .arg(f.rows)
                .arg(ms(f.resetBare.wall), ms(f.resetWhole.wall), ms(f.resetBare.cpu), ms(f.resetWhole.cpu)));
        out(QStringLiteral("| batch of 18 changes, %1 rows: sorted by name / by restarts (median) | %2 / %3 | | |")
                .arg(f.rows)
                .arg(ms(f.batchByName.wall), ms(f.batchByRestarts.wall)));
        if (f.haveIdle)
            out(QStringLiteral("| console CPU, idle, %1 rows: no filter / filter typed | %2 / %3 | | |")
                    .arg(f.rows)
                    .arg(pc(f.idle.cpu.console), pc(f.idleFiltered.cpu.console)));
    }
    curl_global_cleanup();
    return 0;
}
