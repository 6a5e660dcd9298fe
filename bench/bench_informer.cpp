// Benchmark: how fast and how lean the pod informer syncs 10,000 or 100,000 pods from pilothouse-sim
// as the browser runs it (summary-only), how that compares with kubectl and the Python client on the
// same server, and which JSON parser the ObjectParser should use.
// It prints figures; it asserts nothing (docs/benchmarks.md records runs and the aims).
#include "benchmachine.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/cache/informer.h"
#include "kube/api/kubeclient.h"
#include "kube/auth/kubeconfig.h"
#include "kube/cache/kubeobject.h"
#include "objecttablemodel.h"
#include "simprocess.h"

#include <nlohmann/json.hpp>
#include <lz4.h>
#include <simdjson.h>

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>

#include <curl/curl.h>
#include <zlib.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

using namespace pilothouse;
using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;
using pilothouse::models::PodTableModel;
namespace ts = pilothouse::testsupport;
namespace dom = simdjson::dom;

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Resident set size now (VmRSS), in KiB.
qint64 currentRssKb()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> parts = f.readAll().split(' ');
    return parts.size() > 1 ? parts[1].toLongLong() * sysconf(_SC_PAGESIZE) / 1024 : 0;
}

// The process's peak resident set size so far, in KiB (Linux reports ru_maxrss in KiB).
qint64 peakRssKb()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

// Time a thread has spent on a CPU, in ns (first field of schedstat).
qint64 schedstatNs(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    return f.readAll().split(' ').value(0).toLongLong();
}

QString firstLine(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readLine().trimmed()) : QString();
}

// CPU time so far of this process's main thread, its "kube-session" worker, its other threads
// (the HTTP engine's above all), and of the simulator: where the wall time of a sync goes. The
// sim's threads are split into those that serve HTTP and its background threads (controllers,
// Argo CD), which run whether or not anyone lists (at rest they should cost next to nothing).
struct CpuSample {
    qint64 mainNs = 0, workerNs = 0, otherNs = 0, simApiNs = 0, simBackgroundNs = 0;
    CpuSample operator-(const CpuSample &o) const
    {
        return {mainNs - o.mainNs, workerNs - o.workerNs, otherNs - o.otherNs, simApiNs - o.simApiNs, simBackgroundNs - o.simBackgroundNs};
    }
};

CpuSample sampleCpu(qint64 sim)
{
    CpuSample c;
    const QString self = QString::number(getpid());
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const qint64 ns = schedstatNs(QStringLiteral("/proc/self/task/%1/schedstat").arg(tid));
        if (tid == self)
            c.mainNs += ns;
        else if (firstLine(QStringLiteral("/proc/self/task/%1/comm").arg(tid)) == QLatin1String("kube-session"))
            c.workerNs += ns;
        else
            c.otherNs += ns;
    }
    if (sim) {
        const QDir simTasks(QStringLiteral("/proc/%1/task").arg(sim));
        for (const QString &tid : simTasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            const qint64 ns = schedstatNs(QStringLiteral("/proc/%1/task/%2/schedstat").arg(sim).arg(tid));
            // The sim names its background threads (sim-controllers, sim-argocd); the HTTP workers keep the process name.
            if (firstLine(QStringLiteral("/proc/%1/task/%2/comm").arg(sim).arg(tid)).startsWith(QLatin1String("sim-")))
                c.simBackgroundNs += ns;
            else
                c.simApiNs += ns;
        }
    }
    return c;
}

// Bytes the heap hands out now, all arenas (the informer allocates on its worker thread's arena).
qint64 heapInUse()
{
    const struct mallinfo2 mi = mallinfo2();
    return static_cast<qint64>(mi.uordblks + mi.hblkhd);
}

// A /proc/PID/status field in KiB (VmRSS, VmHWM), or from /proc/meminfo (MemAvailable); 0 when unknown.
qint64 procKb(const QString &file, const char *field)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(field))
            return line.mid(static_cast<qsizetype>(qstrlen(field))).trimmed().split(' ').value(0).toLongLong();
    return 0;
}

QString loadAverage() { return firstLine(QStringLiteral("/proc/loadavg")).section(QLatin1Char(' '), 0, 2); }

QString mib(qint64 kb) { return QString::number(kb / 1024.0, 'f', 1) + QStringLiteral(" MiB"); }
QString ms(double v) { return QString::number(v, 'f', v < 10 ? 2 : 0) + QStringLiteral(" ms"); }
QString ratio(double v) { return QString::number(v, 'f', v < 10 ? 2 : 1) + QStringLiteral("x"); }

void out(const QString &line)
{
    std::fputs(line.toLocal8Bit().constData(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

using pilothouse::bench::Machine;
using pilothouse::bench::machine;

// pilothouse-sim as a child process, with the files kubectl, libcurl and the Python client need.
// Not ts::SimProcess: that gives the sim 60 s to write its kubeconfig, and with --pods 100000 the
// sim spends about a minute building its objects first.
class BenchSim {
public:
    explicit BenchSim(QStringList args) : m_args(std::move(args)) {}
    ~BenchSim() { terminate(); }
    BenchSim(const BenchSim &) = delete;
    BenchSim &operator=(const BenchSim &) = delete;

    bool start(int timeoutMs, QString *error)
    {
        if (!m_dir.isValid()) {
            *error = QStringLiteral("cannot create a temporary folder");
            return false;
        }
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(ts::simBinary(), QStringList{QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--kubeconfig-out"),
                                                     kubeconfigPath(), QStringLiteral("--scenario"), ts::smallScenario()}
                                             + m_args);
        if (!m_process.waitForStarted(10000)) {
            *error = QStringLiteral("cannot start %1: %2").arg(ts::simBinary(), m_process.errorString());
            return false;
        }
        // The sim writes its kubeconfig, then prints this line: both mean it is serving.
        const Clock::time_point t0 = Clock::now();
        while (!m_output.contains("Press Ctrl+C")) {
            if (m_process.state() == QProcess::NotRunning || msSince(t0) > timeoutMs) {
                *error = QStringLiteral("pilothouse-sim did not come up: ") + QString::fromUtf8(m_output + m_process.readAll());
                return false;
            }
            m_process.waitForReadyRead(100);
            m_output += m_process.readAll();
        }
        auto config = Kubeconfig::load({kubeconfigPath()});
        if (!config.ok()) {
            *error = config.error().message;
            return false;
        }
        auto resolved = config.value().resolve(QStringLiteral("sim-admin"));
        if (!resolved.ok()) {
            *error = resolved.error().message;
            return false;
        }
        m_ctx = resolved.value();
        m_url = m_ctx.server;
        const std::pair<QString, QByteArray> files[] = {
            {caFile(), m_ctx.tls.caPem}, {certFile(), m_ctx.tls.clientCertPem}, {keyFile(), m_ctx.tls.clientKeyPem}};
        for (const auto &[path, pem] : files) {
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly) || f.write(pem) != pem.size()) {
                *error = QStringLiteral("cannot write %1").arg(path);
                return false;
            }
        }
        while (!answers()) {
            if (m_process.state() == QProcess::NotRunning || msSince(t0) > timeoutMs) {
                *error = QStringLiteral("pilothouse-sim does not answer at %1").arg(m_url);
                return false;
            }
            QThread::msleep(100);
        }
        return true;
    }

    void terminate()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(30000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    QString kubeconfigPath() const { return m_dir.filePath(QStringLiteral("kubeconfig")); }
    QString workDir() const { return m_dir.path(); }
    QString url() const { return m_url; }
    QString caFile() const { return m_dir.filePath(QStringLiteral("ca.pem")); }
    QString certFile() const { return m_dir.filePath(QStringLiteral("admin.pem")); }
    QString keyFile() const { return m_dir.filePath(QStringLiteral("admin-key.pem")); }
    qint64 pid() const { return m_process.processId(); }
    const ResolvedContext &context() const { return m_ctx; }

private:
    // GET /api/v1/namespaces?limit=1 answers 200.
    bool answers() const
    {
        CURL *h = curl_easy_init();
        if (!h)
            return false;
        const std::string url = (m_url + QStringLiteral("/api/v1/namespaces?limit=1")).toStdString();
        const std::string ca = caFile().toStdString(), cert = certFile().toStdString(), key = keyFile().toStdString();
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_CAINFO, ca.c_str());
        curl_easy_setopt(h, CURLOPT_SSLCERT, cert.c_str());
        curl_easy_setopt(h, CURLOPT_SSLKEY, key.c_str());
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, +[](char *, size_t size, size_t n, void *) { return size * n; });
        long status = 0;
        if (curl_easy_perform(h) == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(h);
        return status == 200;
    }

    QStringList m_args;
    QTemporaryDir m_dir;
    QProcess m_process;
    QByteArray m_output;
    QString m_url;
    ResolvedContext m_ctx;
};

// ---- 1-3: list to synced informer, to populated model, memory ------------------------------

struct SyncRun {
    bool ok = false;
    QString error;
    bool keepJson = false;   // the old form: each pod's JSON kept LZ4-compressed
    double syncedMs = 0;     // Informer::start() -> Informer::synced emitted (worker thread)
    double modelMs = 0;      // Informer::start() -> PodTableModel::resetObjects() returned (main thread)
    double resetMs = 0;      // resetObjects() alone
    int count = 0;
    int progressSignals = 0; // Informer::listProgress, once per page but the last
    int progressTotal = -1;  // the total it announced last
    // Memory, sampled in this run: resident set (KiB), peak resident set (KiB), heap in use (B).
    qint64 rssBeforeKb = 0, peakBeforeKb = 0, heapBefore = 0;
    qint64 rssAtSyncKb = 0, peakAtSyncKb = 0, heapAtSync = 0;
    qint64 rssAtModelKb = 0, peakAtModelKb = 0, heapAtModel = 0;
    size_t footprint = 0;    // sum of KubeObject::memoryFootprint()
    CpuSample cpu;           // CPU used from start to populated model, per thread group
    qint64 jsonSize = 0;     // sum of compressedJson.size()
    qint64 jsonCapacity = 0; // sum of compressedJson.capacity(): what the heap really holds

    double rssPerPod() const { return count ? double(rssAtModelKb - rssBeforeKb) * 1024 / count : 0; }
    double heapPerPod() const { return count ? double(heapAtModel - heapBefore) / count : 0; }
    double footprintPerPod() const { return count ? double(footprint) / count : 0; }
};

// One list as KubeSession does it: client and informer on a worker thread, synced queued to the
// main thread, where the model is reset. A fresh client and informer each time; the engine is shared.
// keepJson false is the browser's pod informer (WatchSpec::summaryOnly).
SyncRun runSync(http::HttpEngine *engine, const ResolvedContext &ctx, const std::shared_ptr<CredentialProvider> &creds,
                QThread *worker, qint64 sim, bool keepJson)
{
    SyncRun r;
    r.keepJson = keepJson;
    // What an earlier run freed goes back to the system first, so that the deltas are this run's.
    malloc_trim(0);
    r.rssBeforeKb = currentRssKb();
    r.peakBeforeKb = peakRssKb();
    r.heapBefore = heapInUse();
    auto *root = new QObject;
    root->moveToThread(worker);
    auto model = std::make_unique<PodTableModel>();
    QObject receiver;  // main-thread context of the queued connections
    QEventLoop loop;
    Clock::time_point t0;
    const CpuSample cpu0 = sampleCpu(sim);

    QMetaObject::invokeMethod(root, [&, root] {
        auto *client = new KubeClient(engine, ctx, creds, root);
        auto *inf = new Informer(client, ResourceRef::pods(), QString(), root);
        inf->setKeepJson(keepJson);
        QObject::connect(inf, &Informer::listProgress, inf, [&](int, int total) {
            ++r.progressSignals;
            r.progressTotal = total;
        }, Qt::DirectConnection);
        QObject::connect(inf, &Informer::synced, inf, [&](const ObjectList &) {
            r.syncedMs = msSince(t0);
            r.rssAtSyncKb = currentRssKb();
            // ru_maxrss can lag the live counter by a little; the peak is at least what is resident now.
            r.peakAtSyncKb = std::max(peakRssKb(), r.rssAtSyncKb);
            r.heapAtSync = heapInUse();
        }, Qt::DirectConnection);
        QObject::connect(inf, &Informer::synced, &receiver, [&](const ObjectList &objects) {
            const Clock::time_point tr = Clock::now();
            model->resetObjects(objects);
            r.modelMs = msSince(t0);
            r.resetMs = msSince(tr);
            r.rssAtModelKb = currentRssKb();
            r.peakAtModelKb = std::max(peakRssKb(), r.rssAtModelKb);
            r.heapAtModel = heapInUse();
            if (const QByteArray dump = qgetenv("BENCH_MALLOC_INFO"); !dump.isEmpty()) {
                if (FILE *f = std::fopen(dump.constData(), "w")) {
                    malloc_info(0, f);
                    std::fclose(f);
                }
                QFile in(QStringLiteral("/proc/self/smaps")), copy(QString::fromLocal8Bit(dump) + QStringLiteral(".smaps"));
                if (in.open(QIODevice::ReadOnly) && copy.open(QIODevice::WriteOnly))
                    copy.write(in.readAll());
            }
            r.count = static_cast<int>(objects.size());
            for (const auto &o : objects) {
                r.footprint += o->memoryFootprint();
                r.jsonSize += o->compressedJson.size();
                r.jsonCapacity += o->compressedJson.capacity();
            }
            r.ok = model->rowCount() == r.count;
            loop.quit();
        }, Qt::QueuedConnection);
        QObject::connect(inf, &Informer::stateChanged, &receiver, [&](Informer::State s, const ApiError &e) {
            if (s == Informer::State::Failed || s == Informer::State::Backoff) {
                r.error = QStringLiteral("informer state %1: %2").arg(int(s)).arg(e.message);
                loop.exit(1);
            }
        }, Qt::QueuedConnection);
        t0 = Clock::now();
        inf->start();
    }, Qt::QueuedConnection);
    QTimer::singleShot(300000, &loop, [&] {
        r.error = QStringLiteral("no sync within 300 s");
        loop.exit(2);
    });
    loop.exec();
    r.cpu = sampleCpu(sim) - cpu0;
    QMetaObject::invokeMethod(root, [root] {
        for (QObject *child : root->children())
            if (auto *inf = qobject_cast<Informer *>(child))
                inf->stop();
        delete root;
    }, Qt::BlockingQueuedConnection);
    return r;
}

// ---- 5: the raw list pages, and the parsers over them ------------------------------------

struct RawPages {
    std::vector<QByteArray> bodies;
    double fetchMs = 0;  // sum of the page requests (request sent -> whole body delivered)
    qint64 bytes = 0;
    QString error;
};

// The pages the informer fetches (limit=500, continue tokens), one after another through the
// same engine, without parsing in between (the token is read outside the timed part).
RawPages fetchPages(KubeClient &client, int pageSize)
{
    RawPages p;
    dom::parser tokenParser;
    QString token;
    do {
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("limit"), QString::number(pageSize));
        if (!token.isEmpty())
            q.addQueryItem(QStringLiteral("continue"), QString::fromLatin1(QUrl::toPercentEncoding(token)));
        KubeReply reply;
        QEventLoop loop;
        const Clock::time_point t0 = Clock::now();
        client.request("GET", ResourceRef::pods().collectionPath() + QLatin1Char('?') + q.toString(QUrl::FullyEncoded), {}, {}, &loop,
                       [&](const KubeReply &rep) {
                           reply = rep;
                           loop.quit();
                       });
        loop.exec();
        p.fetchMs += msSince(t0);
        if (!reply.ok()) {
            p.error = reply.error.message;
            return p;
        }
        p.bytes += reply.body.size();
        p.bodies.push_back(reply.body);
        std::string_view cont;
        dom::element doc;
        token.clear();
        if (!tokenParser.parse(reply.body.constData(), static_cast<size_t>(reply.body.size())).get(doc) &&
            !doc.at_pointer("/metadata/continue").get_string().get(cont))
            token = QString::fromUtf8(cont.data(), static_cast<qsizetype>(cont.size()));
    } while (!token.isEmpty());
    return p;
}

// Where the fetch time goes: the same pages with plain libcurl (HTTP/1.1 like the engine gets
// from the sim), split into server time to first byte and body transfer.
struct CurlSplit {
    double ttfbMs = 0;      // request sent -> first body byte, summed over pages
    double transferMs = 0;  // first byte -> last byte
    double totalMs = 0;
    bool ok = false;
};

size_t appendBody(char *data, size_t size, size_t n, void *user)
{
    static_cast<std::string *>(user)->append(data, size * n);
    return size * n;
}

CurlSplit curlSplit(const BenchSim &sim, int pageSize)
{
    CurlSplit s;
    CURL *h = curl_easy_init();
    if (!h)
        return s;
    const std::string ca = sim.caFile().toStdString(), cert = sim.certFile().toStdString(), key = sim.keyFile().toStdString();
    curl_easy_setopt(h, CURLOPT_CAINFO, ca.c_str());
    curl_easy_setopt(h, CURLOPT_SSLCERT, cert.c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEY, key.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &appendBody);
    dom::parser parser;
    std::string token;
    bool first = true;
    do {
        std::string url = sim.url().toStdString() + "/api/v1/pods?limit=" + std::to_string(pageSize);
        if (!token.empty())
            url += "&continue=" + QUrl::toPercentEncoding(QString::fromStdString(token)).toStdString();
        std::string body;
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
        if (curl_easy_perform(h) != CURLE_OK) {
            curl_easy_cleanup(h);
            return s;
        }
        curl_off_t pre = 0, start = 0, total = 0;
        curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pre);
        curl_easy_getinfo(h, CURLINFO_STARTTRANSFER_TIME_T, &start);
        curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total);
        // The first page pays for the TLS handshake; count only the exchange itself.
        s.ttfbMs += (start - pre) / 1000.0;
        s.transferMs += (total - start) / 1000.0;
        s.totalMs += (total - (first ? pre : 0)) / 1000.0;
        first = false;
        std::string_view cont;
        dom::element doc;
        token.clear();
        if (!parser.parse(body).get(doc) && !doc.at_pointer("/metadata/continue").get_string().get(cont))
            token = std::string(cont);
    } while (!token.empty());
    curl_easy_cleanup(h);
    s.ok = true;
    return s;
}

// The six fields every parser extracts, so that the comparison is like for like.
struct Fields {
    QString name, ns, uid, resourceVersion, creationTimestamp, phase;
    qsizetype weight() const
    {
        return name.size() + ns.size() + uid.size() + resourceVersion.size() + creationTimestamp.size() + phase.size();
    }
};

// What the informer keeps since the zlib figures below were taken: an exactly sized LZ4 block.
QByteArray lz4Exact(const std::string &d)
{
    const int bound = LZ4_compressBound(static_cast<int>(d.size()));
    QByteArray buffer(bound, Qt::Uninitialized);
    const int n = LZ4_compress_default(d.data(), buffer.data(), static_cast<int>(d.size()), bound);
    return QByteArray(buffer.constData(), n > 0 ? n : 0);
}

struct ParseResult {
    qint64 items = 0;
    qint64 checksum = 0;  // sum of extracted characters (and compact/compressed bytes): keeps the work observable
    bool ok = true;
    // The full simdjson pass, timed per stage in the same pass: parse, six fields, compact JSON, LZ4.
    double parseMs = 0, fieldsMs = 0, compactMs = 0, compressMs = 0;
};

QString sjString(dom::object o, const char *key)
{
    std::string_view v;
    return o.at_key(key).get_string().get(v) ? QString() : QString::fromUtf8(v.data(), static_cast<qsizetype>(v.size()));
}

// As kubeobject.cpp's compactJson: the object re-serialized without metadata.managedFields.
std::string compactJson(dom::object obj)
{
    std::string out;
    out.reserve(4096);
    out.push_back('{');
    bool first = true;
    for (dom::key_value_pair kv : obj) {
        if (!first)
            out.push_back(',');
        first = false;
        out.push_back('"');
        out.append(kv.key);
        out.append("\":");
        dom::object metaObj;
        if (kv.key == "metadata" && !kv.value.get_object().get(metaObj)) {
            out.push_back('{');
            bool firstMeta = true;
            for (dom::key_value_pair m : metaObj) {
                if (m.key == "managedFields")
                    continue;
                if (!firstMeta)
                    out.push_back(',');
                firstMeta = false;
                out.push_back('"');
                out.append(m.key);
                out.append("\":");
                out.append(simdjson::minify(m.value));
            }
            out.push_back('}');
        } else {
            out.append(simdjson::minify(kv.value));
        }
    }
    out.push_back('}');
    return out;
}

// Fields: the like-for-like comparison; FieldsCompactCompress: what the ObjectParser does besides the
// pod summary, timed per stage.
enum class SimdjsonDepth { Fields, FieldsCompactCompress };

ParseResult parseSimdjson(const std::vector<QByteArray> &pages, SimdjsonDepth depth)
{
    ParseResult r;
    dom::parser parser;
    const bool staged = depth == SimdjsonDepth::FieldsCompactCompress;
    auto lap = [](Clock::time_point &t, double &sum) {
        const Clock::time_point now = Clock::now();
        sum += std::chrono::duration<double, std::milli>(now - t).count();
        t = now;
    };
    for (const QByteArray &page : pages) {
        Clock::time_point t = Clock::now();
        dom::element doc;
        dom::array items;
        if (parser.parse(page.constData(), static_cast<size_t>(page.size())).get(doc) || doc.at_key("items").get_array().get(items)) {
            r.ok = false;
            continue;
        }
        if (staged)
            lap(t, r.parseMs);
        std::vector<Fields> fields;
        fields.reserve(items.size());
        for (dom::element item : items) {
            dom::object obj, meta, status;
            if (item.get_object().get(obj) || obj.at_key("metadata").get_object().get(meta))
                continue;
            Fields f{sjString(meta, "name"), sjString(meta, "namespace"), sjString(meta, "uid"), sjString(meta, "resourceVersion"),
                     sjString(meta, "creationTimestamp"), {}};
            if (!obj.at_key("status").get_object().get(status))
                f.phase = sjString(status, "phase");
            r.checksum += f.weight();
            fields.push_back(std::move(f));
            if (depth == SimdjsonDepth::Fields)
                continue;
            lap(t, r.fieldsMs);
            std::string compact = compactJson(obj);
            r.checksum += static_cast<qint64>(compact.size());
            lap(t, r.compactMs);
            r.checksum += lz4Exact(compact).size();
            lap(t, r.compressMs);
        }
        r.items += static_cast<qint64>(fields.size());
    }
    return r;
}

// What keeping each pod's JSON compressed costs: qCompress hands back its worst-case buffer
// (input size + 1 %), so the heap holds about the uncompressed size; and whether setting up a
// fresh deflate stream per object (as qCompress does) is what makes it slow.
struct CompressTrial {
    double ms = 0;
    qint64 bytes = 0;     // compressed data
    qint64 capacity = 0;  // heap the results occupy as QByteArrays
};

std::vector<std::string> compactDocuments(const std::vector<QByteArray> &pages)
{
    std::vector<std::string> docs;
    dom::parser parser;
    for (const QByteArray &page : pages) {
        dom::element doc;
        dom::array items;
        if (parser.parse(page.constData(), static_cast<size_t>(page.size())).get(doc) || doc.at_key("items").get_array().get(items))
            continue;
        for (dom::element item : items)
            if (dom::object obj; !item.get_object().get(obj))
                docs.push_back(compactJson(obj));
    }
    return docs;
}

CompressTrial compressWithLz4(const std::vector<std::string> &docs)
{
    CompressTrial t;
    std::vector<QByteArray> kept;
    kept.reserve(docs.size());
    const Clock::time_point t0 = Clock::now();
    for (const std::string &d : docs)
        kept.push_back(lz4Exact(d));
    t.ms = msSince(t0);
    for (const QByteArray &k : kept) {
        t.bytes += k.size();
        t.capacity += k.capacity();
    }
    return t;
}

CompressTrial compressWithQt(const std::vector<std::string> &docs, bool squeeze)
{
    CompressTrial t;
    std::vector<QByteArray> kept;
    kept.reserve(docs.size());
    const Clock::time_point t0 = Clock::now();
    for (const std::string &d : docs) {
        kept.push_back(qCompress(reinterpret_cast<const uchar *>(d.data()), static_cast<qsizetype>(d.size()), 1));
        if (squeeze)
            kept.back().squeeze();
    }
    t.ms = msSince(t0);
    for (const QByteArray &k : kept) {
        t.bytes += k.size();
        t.capacity += k.capacity();
    }
    return t;
}

CompressTrial compressWithStream(const std::vector<std::string> &docs)
{
    CompressTrial t;
    std::vector<QByteArray> kept;
    kept.reserve(docs.size());
    const Clock::time_point t0 = Clock::now();
    z_stream z{};
    if (deflateInit2(&z, 1, Z_DEFLATED, MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return t;
    std::vector<Bytef> buf;
    for (const std::string &d : docs) {
        deflateReset(&z);
        buf.resize(deflateBound(&z, static_cast<uLong>(d.size())));
        z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(d.data()));
        z.avail_in = static_cast<uInt>(d.size());
        z.next_out = buf.data();
        z.avail_out = static_cast<uInt>(buf.size());
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
            continue;
        kept.emplace_back(reinterpret_cast<const char *>(buf.data()), static_cast<qsizetype>(z.total_out));
    }
    deflateEnd(&z);
    t.ms = msSince(t0);
    for (const QByteArray &k : kept) {
        t.bytes += k.size();
        t.capacity += k.capacity();
    }
    return t;
}

ParseResult parseObjectParser(const std::vector<QByteArray> &pages, bool keepJson)
{
    ParseResult r;
    ObjectParser parser(SummaryKind::Pod);
    parser.setKeepJson(keepJson);
    for (const QByteArray &page : pages) {
        Result<ParsedList> list = parser.parseList(page);
        if (!list.ok()) {
            r.ok = false;
            continue;
        }
        r.items += static_cast<qint64>(list.value().items.size());
        for (const auto &o : list.value().items)
            r.checksum += o->name.size() + o->ns.size() + o->uid.size() + o->resourceVersion.size() + (o->pod() ? o->pod()->status.size() : 0);
    }
    return r;
}

ParseResult parseNlohmann(const std::vector<QByteArray> &pages)
{
    using nlohmann::json;
    auto str = [](const json &o, const char *key) {
        auto it = o.find(key);
        if (it == o.end() || !it->is_string())
            return QString();
        const std::string &s = it->get_ref<const std::string &>();
        return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
    };
    ParseResult r;
    for (const QByteArray &page : pages) {
        json doc = json::parse(page.constBegin(), page.constEnd(), nullptr, false);
        if (doc.is_discarded() || !doc.contains("items") || !doc["items"].is_array()) {
            r.ok = false;
            continue;
        }
        const json &items = doc["items"];
        std::vector<Fields> fields;
        fields.reserve(items.size());
        for (const json &item : items) {
            auto meta = item.find("metadata");
            if (meta == item.end() || !meta->is_object())
                continue;
            Fields f{str(*meta, "name"), str(*meta, "namespace"), str(*meta, "uid"), str(*meta, "resourceVersion"),
                     str(*meta, "creationTimestamp"), {}};
            if (auto status = item.find("status"); status != item.end() && status->is_object())
                f.phase = str(*status, "phase");
            r.checksum += f.weight();
            fields.push_back(std::move(f));
        }
        r.items += static_cast<qint64>(fields.size());
    }
    return r;
}

ParseResult parseQJson(const std::vector<QByteArray> &pages)
{
    ParseResult r;
    for (const QByteArray &page : pages) {
        QJsonParseError err{};
        const QJsonDocument doc = QJsonDocument::fromJson(page, &err);
        if (err.error != QJsonParseError::NoError || !doc.isObject()) {
            r.ok = false;
            continue;
        }
        const QJsonArray items = doc.object().value(QLatin1String("items")).toArray();
        std::vector<Fields> fields;
        fields.reserve(static_cast<size_t>(items.size()));
        for (const QJsonValue &item : items) {
            const QJsonObject obj = item.toObject();
            const QJsonObject meta = obj.value(QLatin1String("metadata")).toObject();
            if (meta.isEmpty())
                continue;
            Fields f{meta.value(QLatin1String("name")).toString(), meta.value(QLatin1String("namespace")).toString(),
                     meta.value(QLatin1String("uid")).toString(), meta.value(QLatin1String("resourceVersion")).toString(),
                     meta.value(QLatin1String("creationTimestamp")).toString(),
                     obj.value(QLatin1String("status")).toObject().value(QLatin1String("phase")).toString()};
            r.checksum += f.weight();
            fields.push_back(std::move(f));
        }
        r.items += static_cast<qint64>(fields.size());
    }
    return r;
}

struct Timed {
    double medianMs = 0;
    ParseResult result;
};

Timed timeParser(int reps, const std::function<ParseResult()> &parse)
{
    std::vector<std::pair<double, ParseResult>> runs;
    for (int i = 0; i < reps; ++i) {
        const Clock::time_point t0 = Clock::now();
        ParseResult r = parse();
        runs.emplace_back(msSince(t0), r);
    }
    std::sort(runs.begin(), runs.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<double> times;
    for (const auto &r : runs)
        times.push_back(r.first);
    Timed t;
    t.medianMs = median(times);
    t.result = runs[runs.size() / 2].second;  // the stage times of the (upper) median run
    return t;
}

// ---- 4: the peers, kubectl and the Python client --------------------------------------------

struct PeerRun {
    double ms = 0;           // process start -> exit
    bool ok = false;
    QString error;
    qint64 peakRssKb = 0;    // the child's VmHWM, read every 100 ms while it ran
    QByteArray output;       // standard output, when kept
};

// Runs a peer to its end, with the output sent to /dev/null unless `keepOutput` (so that the time is
// the peer's, not this process's reading 100 MB into a QString). A peer that leaves the machine
// with less than 1.5 GB is stopped rather than let the kernel choose what to kill (kubectl holds
// about 190 KB per pod, the Python client 120 KB, the sim at 100,000 pods 8 GB), and it is the
// first candidate of the OOM killer all the same.
PeerRun runPeer(const QString &program, const QStringList &args, const BenchSim &sim, int timeoutMs, bool keepOutput)
{
    PeerRun k;
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), sim.workDir());
    p.setProcessEnvironment(env);
    if (!keepOutput)
        p.setStandardOutputFile(QProcess::nullDevice());
    const Clock::time_point t0 = Clock::now();
    p.start(program, args);
    if (!p.waitForStarted(10000)) {
        k.error = p.errorString();
        return k;
    }
    const QString pid = QString::number(p.processId());
    {
        QFile adj(QStringLiteral("/proc/%1/oom_score_adj").arg(pid));
        if (adj.open(QIODevice::WriteOnly))
            adj.write("1000");
    }
    const QString status = QStringLiteral("/proc/%1/status").arg(pid);
    while (!p.waitForFinished(100)) {
        k.peakRssKb = std::max(k.peakRssKb, procKb(status, "VmHWM:"));
        if (keepOutput)
            k.output += p.readAllStandardOutput();
        const qint64 availableKb = procKb(QStringLiteral("/proc/meminfo"), "MemAvailable:");
        const bool lowMemory = availableKb > 0 && availableKb < 1'500'000;
        if (lowMemory || msSince(t0) > timeoutMs) {
            k.ms = msSince(t0);
            k.error = lowMemory ? QStringLiteral("stopped by the benchmark after %1 s: the machine had %2 left (%3 resident in it)")
                                      .arg(k.ms / 1000, 0, 'f', 0)
                                      .arg(mib(availableKb), mib(k.peakRssKb))
                                : QStringLiteral("no answer within %1 s (%2 resident)").arg(timeoutMs / 1000).arg(mib(k.peakRssKb));
            p.kill();
            p.waitForFinished(5000);
            return k;
        }
    }
    k.ms = msSince(t0);
    k.output += p.readAllStandardOutput();
    k.ok = p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (!k.ok) {
        // The first line says what failed (an HTTP status and reason, a traceback's last line is at the end).
        const QStringList lines = QString::fromUtf8(p.readAllStandardError()).trimmed().split(QLatin1Char('\n'));
        k.error = QStringLiteral("exit %1 after %2 s (%3 resident): %4")
                      .arg(p.exitCode())
                      .arg(k.ms / 1000, 0, 'f', 0)
                      .arg(mib(k.peakRssKb), (lines.size() > 1 ? lines.front().left(200) + QStringLiteral(" ... ") : QString()) + lines.back().left(300));
    }
    return k;
}

// kubectl with the sim's kubeconfig and a private discovery cache (as ts::runKubectl).
QStringList kubectlArgs(const BenchSim &sim, const QStringList &args)
{
    return QStringList{QStringLiteral("--kubeconfig"), sim.kubeconfigPath(), QStringLiteral("--cache-dir"),
                       sim.workDir() + QStringLiteral("/kubectl-cache")}
        + args;
}

// A python3 that can import the kubernetes package (python3-kubernetes installs it for
// /usr/bin/python3; a python3 earlier on PATH, pyenv's for one, may not see it). Empty when none.
QString pythonWithKubernetes(QString *version)
{
    QStringList candidates;
    if (const QString env = qEnvironmentVariable("PILOTHOUSE_PYTHON"); !env.isEmpty())
        candidates << env;
    candidates << QStringLiteral("/usr/bin/python3") << QStringLiteral("python3");
    for (const QString &py : candidates) {
        QProcess p;
        p.start(py, {QStringLiteral("-c"), QStringLiteral("import kubernetes, sys; print(kubernetes.__version__, sys.version.split()[0])")});
        if (p.waitForFinished(30000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0) {
            *version = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
            return py;
        }
    }
    return {};
}

// What bench/list_pods.py prints: "pods N list_ms T import_ms I setup_ms S maxrss_kb R".
struct PythonFigures {
    int pods = -1;
    double listMs = 0, importMs = 0;
    qint64 maxRssKb = 0;
};

PythonFigures parsePythonOutput(const QByteArray &out)
{
    PythonFigures f;
    const QList<QByteArray> words = out.trimmed().split(' ');
    for (qsizetype i = 0; i + 1 < words.size(); i += 2) {
        if (words[i] == "pods")
            f.pods = words[i + 1].toInt();
        else if (words[i] == "list_ms")
            f.listMs = words[i + 1].toDouble();
        else if (words[i] == "import_ms")
            f.importMs = words[i + 1].toDouble();
        else if (words[i] == "maxrss_kb")
            f.maxRssKb = words[i + 1].toLongLong();
    }
    return f;
}

QString joinMs(const std::vector<double> &v)
{
    QStringList parts;
    for (double x : v)
        parts << QString::number(x, 'f', 0);
    return parts.join(QLatin1String(" / ")) + QStringLiteral(" ms");
}

QString bytes(double v) { return QString::number(v, 'f', 0) + QStringLiteral(" B"); }
QString mb(qint64 kb) { return QString::number(kb * 1024 / 1e6, 'f', 1) + QStringLiteral(" MB"); }

// The aims of issue 11 for the pod count measured, read strictly (MB = 10^6 B, KB = 10^3 B). Below
// 100,000 pods the 10,000-pod aims apply, with issue 3's 150 MB RSS.
struct Aims {
    QString label;
    double syncedMs;
    double kubectlRatio;
    double rssBytes;
    QString rssSource;
    double perPodBytes;
};

Aims aimsFor(int pods)
{
    if (pods >= 100000)
        return {QStringLiteral("100,000 pods (issue 11)"), 3000, 20, 250e6, QStringLiteral("issue 11"), 2000};
    return {QStringLiteral("10,000 pods (issue 3, per pod from issue 11)"), 1000, 5, 150e6, QStringLiteral("issue 3"), 2000};
}

// The median of one field over the runs.
template <class F>
double medianOf(const std::vector<SyncRun> &runs, F field)
{
    std::vector<double> v;
    for (const auto &r : runs)
        v.push_back(field(r));
    return median(v);
}

std::vector<double> each(const std::vector<SyncRun> &runs, double (*field)(const SyncRun &))
{
    std::vector<double> v;
    for (const auto &r : runs)
        v.push_back(field(r));
    return v;
}

QString formName(bool keepJson)
{
    return keepJson ? QStringLiteral("with JSON (the old form: each pod's JSON kept, LZ4)")
                    : QStringLiteral("summary-only (the browser's pods: summary and identity, strings interned)");
}

}  // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    int pods = 10000;
    int runs = 3;
    bool syncOnly = false;  // for profiling: skip the peers and the parser comparison
    bool withJson = false;  // measure the old form (JSON kept) in the timed runs; the comparison run is then summary-only
    int peerTimeoutS = 0;   // 0: 300 s, or 20 ms per pod when more
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--pods") && i + 1 < args.size())
            pods = args[++i].toInt();
        else if (args[i] == QLatin1String("--runs") && i + 1 < args.size())
            runs = std::max(1, args[++i].toInt());
        else if (args[i] == QLatin1String("--sync-only"))
            syncOnly = true;
        else if (args[i] == QLatin1String("--with-json"))
            withJson = true;
        else if (args[i] == QLatin1String("--peer-timeout") && i + 1 < args.size())
            peerTimeoutS = std::max(1, args[++i].toInt());
        else {
            out(QStringLiteral("usage: bench_informer [--pods N] [--runs N] [--with-json] [--sync-only] [--peer-timeout SECONDS]"));
            return 2;
        }
    }
    if (peerTimeoutS == 0)
        peerTimeoutS = std::max(300, pods / 50);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        out(QStringLiteral("bench_informer: curl_global_init failed"));
        return 1;
    }
    const int pageSize = 500;  // the informer's default page size, and kubectl's --chunk-size
    const Aims aims = aimsFor(pods);

    const Machine m = machine();
    out(QStringLiteral("== bench_informer: pod informer vs kubectl and the Python client, JSON parsers =="));
    out(QStringLiteral("machine : %1 CPU(s), %2, %3 MiB RAM; %4").arg(m.cpus).arg(m.model).arg(m.ramMb).arg(m.os));
    const QString simdjsonVersion = QStringLiteral("%1.%2.%3")
                                        .arg(int(simdjson::SIMDJSON_VERSION_MAJOR))
                                        .arg(int(simdjson::SIMDJSON_VERSION_MINOR))
                                        .arg(int(simdjson::SIMDJSON_VERSION_REVISION));
    out(QStringLiteral("software: Qt %1, simdjson %2 (%3 kernel), libcurl %4, %5 build")
            .arg(QString::fromLatin1(qVersion()), simdjsonVersion,
                 QString::fromStdString(simdjson::get_active_implementation()->name()),
                 QString::fromLatin1(curl_version_info(CURLVERSION_NOW)->version),
#ifdef NDEBUG
                 QStringLiteral("optimised")
#else
                 QStringLiteral("DEBUG (figures not representative)")
#endif
                 ));
    out(QStringLiteral("measured: %1; aims for %2").arg(formName(withJson), aims.label));

    BenchSim sim({QStringLiteral("--pods"), QString::number(pods), QStringLiteral("--pod-start-ms"), QStringLiteral("200"),
                  QStringLiteral("--pod-ready-ms"), QStringLiteral("200")});
    QString err;
    const Clock::time_point simT0 = Clock::now();
    // About 0.6 ms per pod to build them (a minute at 100,000), and some slack for a busy machine.
    if (!sim.start(60000 + pods * 2, &err)) {
        out(QStringLiteral("bench_informer: the simulator did not start: %1").arg(err));
        return 1;
    }
    const double simUpMs = msSince(simT0);
    // Let the sim settle before the runs: the scenario's own pods start, and its controllers'
    // first pass over every object (seconds of CPU at 100,000 pods) ends, so that every run lists
    // the same set from a cluster at rest. Settled: a second in which its background threads used
    // under 5 % of a CPU; then, what the sim costs when nobody lists.
    const Clock::time_point settleT0 = Clock::now();
    bool settled = false;
    while (!settled && msSince(settleT0) < 120000) {
        const CpuSample before = sampleCpu(sim.pid());
        QThread::msleep(1000);
        settled = (sampleCpu(sim.pid()) - before).simBackgroundNs < 50'000'000;
    }
    const double settleMs = msSince(settleT0);
    const CpuSample idle0 = sampleCpu(sim.pid());
    const Clock::time_point idleT0 = Clock::now();
    QThread::msleep(2000);
    const CpuSample idle = sampleCpu(sim.pid()) - idle0;
    const double idleMs = msSince(idleT0);
    const QString simStatus = QStringLiteral("/proc/%1/status").arg(sim.pid());
    out(QStringLiteral("sim     : %1 with --pods %2 (up in %3, %4 %5; RSS %6; idle, its background threads use %7 % of a CPU, its API threads %8 %)")
            .arg(sim.url())
            .arg(pods)
            .arg(ms(simUpMs), settled ? QStringLiteral("at rest") : QStringLiteral("still busy"), ms(settleMs) + QStringLiteral(" later"),
                 mib(procKb(simStatus, "VmRSS:")))
            .arg(100.0 * idle.simBackgroundNs / 1e6 / idleMs, 0, 'f', 0)
            .arg(100.0 * idle.simApiNs / 1e6 / idleMs, 0, 'f', 0));

    const ResolvedContext ctx = sim.context();
    auto approvals = std::make_shared<ExecApprovalStore>(sim.workDir() + QStringLiteral("/approvals.json"));
    auto creds = std::make_shared<CredentialProvider>(ctx, approvals);

    int rc = 0;
    {
        http::HttpEngine engine;
        QThread worker;
        worker.setObjectName(QStringLiteral("kube-session"));
        worker.start();

        // ---- 1-3: the timed runs in the measured form, then one run in the other form
        const qint64 simProcess = sim.pid();
        const QString loadBefore = loadAverage();
        std::vector<SyncRun> syncRuns;
        for (int i = 0; i < runs; ++i) {
            SyncRun r = runSync(&engine, ctx, creds, &worker, simProcess, withJson);
            if (!r.ok) {
                out(QStringLiteral("bench_informer: run %1 failed: %2").arg(i + 1).arg(r.error));
                worker.quit();
                worker.wait();
                return 1;
            }
            syncRuns.push_back(r);
        }
        const QString loadAfter = loadAverage();
        const SyncRun other = runSync(&engine, ctx, creds, &worker, simProcess, !withJson);
        if (!other.ok)
            out(QStringLiteral("bench_informer: the comparison run failed: %1").arg(other.error));

        const std::vector<double> synced = each(syncRuns, [](const SyncRun &r) { return r.syncedMs; });
        const std::vector<double> modeled = each(syncRuns, [](const SyncRun &r) { return r.modelMs; });
        const double syncMed = median(synced), modelMed = median(modeled);
        const double resetMed = medianOf(syncRuns, [](const SyncRun &r) { return r.resetMs; });
        const double cpuWorker = medianOf(syncRuns, [](const SyncRun &r) { return r.cpu.workerNs / 1e6; });
        const double cpuOther = medianOf(syncRuns, [](const SyncRun &r) { return r.cpu.otherNs / 1e6; });
        const double cpuMain = medianOf(syncRuns, [](const SyncRun &r) { return r.cpu.mainNs / 1e6; });
        const double cpuSimApi = medianOf(syncRuns, [](const SyncRun &r) { return r.cpu.simApiNs / 1e6; });
        const double cpuSimBg = medianOf(syncRuns, [](const SyncRun &r) { return r.cpu.simBackgroundNs / 1e6; });
        const SyncRun &first = syncRuns.front();
        const int count = first.count;
        const SyncRun &lean = withJson ? other : first;   // summary-only
        const SyncRun &heavy = withJson ? first : other;  // with JSON

        out({});
        out(QStringLiteral("-- list -> synced informer, %1 (all namespaces, limit=%2, fresh informer per run, one engine)")
                .arg(formName(withJson))
                .arg(pageSize));
        out(QStringLiteral("   objects              %1 pods; listProgress %2 times (last total %3)")
                .arg(count)
                .arg(first.progressSignals)
                .arg(first.progressTotal));
        out(QStringLiteral("   synced               median %1   (runs: %2)").arg(ms(syncMed), joinMs(synced)));
        out(QStringLiteral("   model populated      median %1   (runs: %2; resetObjects alone %3)").arg(ms(modelMed), joinMs(modeled), ms(resetMed)));
        out(QStringLiteral("   CPU, start -> model  console: session thread %1, engine and other threads %2, main thread %3 (medians)")
                .arg(ms(cpuWorker), ms(cpuOther), ms(cpuMain)));
        out(QStringLiteral("                        sim: API threads %1 (serving the list), background threads %2 (controllers, whether or not anyone lists)")
                .arg(ms(cpuSimApi), ms(cpuSimBg)));
        // Per run, so that a run slower than the others says which thread made it so.
        out(QStringLiteral("   CPU per run          session %1; engine and other %2; sim API %3; sim background %4")
                .arg(joinMs(each(syncRuns, [](const SyncRun &r) { return r.cpu.workerNs / 1e6; })),
                     joinMs(each(syncRuns, [](const SyncRun &r) { return r.cpu.otherNs / 1e6; })),
                     joinMs(each(syncRuns, [](const SyncRun &r) { return r.cpu.simApiNs / 1e6; })),
                     joinMs(each(syncRuns, [](const SyncRun &r) { return r.cpu.simBackgroundNs / 1e6; }))));
        out(QStringLiteral("   serve vs parse       the sim serves the list with %1 of CPU, the console parses it with %2 (session thread); %3")
                .arg(ms(cpuSimApi), ms(cpuWorker), cpuSimApi < cpuWorker ? QStringLiteral("the sim needs less") : QStringLiteral("the sim needs more")));
        out(QStringLiteral("   load average         %1 before, %2 after (%3 CPUs; other work on the machine makes figures noisy)")
                .arg(loadBefore, loadAfter)
                .arg(m.cpus));
        out(QStringLiteral("-- memory (first run, %1)").arg(withJson ? QStringLiteral("with JSON") : QStringLiteral("summary-only")));
        out(QStringLiteral("   RSS                  before %1, at sync %2, with model %3; peak (ru_maxrss) %4 (%5; %6 before the list)")
                .arg(mib(first.rssBeforeKb), mib(first.rssAtSyncKb), mib(first.rssAtModelKb), mib(first.peakAtModelKb), mb(first.peakAtModelKb),
                     mib(first.peakBeforeKb)));
        out(QStringLiteral("   per pod              RSS delta (with model - before) %1; heap in use %2 (informer %3, model %4); footprint estimate %5")
                .arg(bytes(first.rssPerPod()), bytes(first.heapPerPod()),
                     bytes(double(first.heapAtSync - first.heapBefore) / count), bytes(double(first.heapAtModel - first.heapAtSync) / count),
                     bytes(first.footprintPerPod())));
        out(QStringLiteral("   allocator            RSS delta - heap delta = %1 per pod (free chunks, page slack, malloc's per-thread arenas)")
                .arg(bytes(first.rssPerPod() - first.heapPerPod())));
        if (other.ok) {
            out(QStringLiteral("-- the other form, one run: %1").arg(formName(!withJson)));
            out(QStringLiteral("   synced               %1 (model populated %2; the timed runs' median %3)").arg(ms(other.syncedMs), ms(other.modelMs), ms(syncMed)));
            out(QStringLiteral("   CPU                  session thread %1, sim API threads %2").arg(ms(other.cpu.workerNs / 1e6), ms(other.cpu.simApiNs / 1e6)));
            out(QStringLiteral("   RSS                  before %1, with model %2 (measured after the timed runs: compare heap in use rather than RSS)")
                    .arg(mib(other.rssBeforeKb), mib(other.rssAtModelKb)));
            out(QStringLiteral("   per pod              RSS delta %1; heap in use %2; footprint estimate %3")
                    .arg(bytes(other.rssPerPod()), bytes(other.heapPerPod()), bytes(other.footprintPerPod())));
            out(QStringLiteral("   summary-only saves   %1 per pod of heap (%2 vs %3), %4 of sync time")
                    .arg(bytes(heavy.heapPerPod() - lean.heapPerPod()), bytes(lean.heapPerPod()), bytes(heavy.heapPerPod()),
                         ms((withJson ? syncMed : other.syncedMs) - (withJson ? other.syncedMs : syncMed))));
            out(QStringLiteral("   compressed JSON      %1 per pod, in buffers of %2 capacity (%3 held beyond the data)")
                    .arg(bytes(double(heavy.jsonSize) / count), bytes(double(heavy.jsonCapacity) / count),
                         mib((heavy.jsonCapacity - heavy.jsonSize) / 1024)));
        }

        // ---- 4: the peers
        bool haveKubectl = false, havePython = false;
        double kubectlMed = 0, pythonMed = 0, pythonListMed = 0, pythonImportMed = 0;
        qint64 kubectlPeakKb = 0, pythonPeakKb = 0;
        QString kubectlNote, pythonNote;
        const int peerTimeoutMs = peerTimeoutS * 1000;
        if (syncOnly) {
            out(QStringLiteral("-- kubectl, Python client: skipped (--sync-only)"));
        } else {
            if (ts::kubectlPath().isEmpty()) {
                kubectlNote = QStringLiteral("kubectl is not installed");
                out(QStringLiteral("-- kubectl: not installed, comparison skipped"));
            } else {
                // One untimed call fills kubectl's discovery cache, as an operator's kubectl has it.
                PeerRun warm = runPeer(ts::kubectlPath(), kubectlArgs(sim, {QStringLiteral("get"), QStringLiteral("ns")}), sim, 60000, false);
                bool ok = warm.ok;
                if (!ok)
                    kubectlNote = QStringLiteral("kubectl get ns failed: ") + warm.error;
                std::vector<double> times;
                for (int i = 0; ok && i < runs; ++i) {
                    PeerRun k = runPeer(ts::kubectlPath(),
                                        kubectlArgs(sim, {QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-A"), QStringLiteral("-o"),
                                                          QStringLiteral("json")}),
                                        sim, peerTimeoutMs, false);
                    ok = k.ok;
                    if (!ok)
                        kubectlNote = k.error;
                    times.push_back(k.ms);
                    kubectlPeakKb = std::max(kubectlPeakKb, k.peakRssKb);
                }
                out(QStringLiteral("-- kubectl get pods -A -o json (output to /dev/null, warm discovery cache, timeout %1 s)").arg(peerTimeoutS));
                if (ok) {
                    haveKubectl = true;
                    kubectlMed = median(times);
                    out(QStringLiteral("   time                 median %1   (runs: %2); peak RSS %3 (%4 per pod)")
                            .arg(ms(kubectlMed), joinMs(times), mib(kubectlPeakKb), bytes(double(kubectlPeakKb) * 1024 / count)));
                    out(QStringLiteral("   kubectl / informer   %1 (to populated model: %2)").arg(ratio(kubectlMed / syncMed), ratio(kubectlMed / modelMed)));
                } else {
                    out(QStringLiteral("   failed               %1").arg(kubectlNote));
                }
            }

            QString pyVersion;
            const QString python = pythonWithKubernetes(&pyVersion);
            const QString script = ts::sourceDir() + QStringLiteral("/bench/list_pods.py");
            if (python.isEmpty()) {
                pythonNote = QStringLiteral("no python3 with the kubernetes package (apt install python3-kubernetes)");
                out(QStringLiteral("-- Python client: %1, comparison skipped").arg(pythonNote));
            } else if (!QFile::exists(script)) {
                pythonNote = QStringLiteral("%1 not found (set PILOTHOUSE_SOURCE_DIR)").arg(script);
                out(QStringLiteral("-- Python client: %1, comparison skipped").arg(pythonNote));
            } else {
                out(QStringLiteral("-- Python client: %1 bench/list_pods.py (kubernetes %2), list_pod_for_all_namespaces(limit=%3) to the last page, V1Pod models kept; timeout %4 s")
                        .arg(python, pyVersion.section(QLatin1Char(' '), 0, 0) + QStringLiteral(", Python ") + pyVersion.section(QLatin1Char(' '), 1))
                        .arg(pageSize)
                        .arg(peerTimeoutS));
                std::vector<double> times, lists, imports;
                bool ok = true;
                for (int i = 0; ok && i < runs; ++i) {
                    PeerRun p = runPeer(python,
                                        {script, QStringLiteral("--kubeconfig"), sim.kubeconfigPath(), QStringLiteral("--context"),
                                         QStringLiteral("sim-admin"), QStringLiteral("--limit"), QString::number(pageSize)},
                                        sim, peerTimeoutMs, true);
                    const PythonFigures f = parsePythonOutput(p.output);
                    ok = p.ok && f.pods == count;
                    if (!ok)
                        pythonNote = p.ok ? QStringLiteral("it listed %1 pods, not %2").arg(f.pods).arg(count) : p.error;
                    times.push_back(p.ms);
                    lists.push_back(f.listMs);
                    imports.push_back(f.importMs);
                    pythonPeakKb = std::max({pythonPeakKb, p.peakRssKb, f.maxRssKb});
                }
                if (ok) {
                    havePython = true;
                    pythonMed = median(times);
                    pythonListMed = median(lists);
                    pythonImportMed = median(imports);
                    out(QStringLiteral("   whole process        median %1   (runs: %2); peak RSS %3 (%4 per pod)")
                            .arg(ms(pythonMed), joinMs(times), mib(pythonPeakKb), bytes(double(pythonPeakKb) * 1024 / count)));
                    out(QStringLiteral("   the list alone       median %1   (runs: %2); importing kubernetes %3")
                            .arg(ms(pythonListMed), joinMs(lists), ms(pythonImportMed)));
                    out(QStringLiteral("   Python / informer    %1 (whole process), %2 (the list alone)")
                            .arg(ratio(pythonMed / syncMed), ratio(pythonListMed / syncMed)));
                } else {
                    out(QStringLiteral("   failed               %1").arg(pythonNote));
                }
            }
        }

        // ---- 5 and the breakdown. At 100,000 pods the pages are 830 MB: one repetition each.
        RawPages pages;
        CurlSplit split;
        Timed full, fullJson, sjFields, sjStaged, nl, qj;
        const int reps = pods > 20000 ? 1 : 5;
        if (!syncOnly) {
            KubeClient client(&engine, ctx, creds);
            pages = fetchPages(client, pageSize);
            if (!pages.error.isEmpty()) {
                out(QStringLiteral("bench_informer: fetching the pages failed: %1").arg(pages.error));
                rc = 1;
            } else {
                split = curlSplit(sim, pageSize);
                full = timeParser(reps, [&] { return parseObjectParser(pages.bodies, false); });
                fullJson = timeParser(reps, [&] { return parseObjectParser(pages.bodies, true); });
                sjFields = timeParser(reps, [&] { return parseSimdjson(pages.bodies, SimdjsonDepth::Fields); });
                sjStaged = timeParser(reps, [&] { return parseSimdjson(pages.bodies, SimdjsonDepth::FieldsCompactCompress); });
                nl = timeParser(reps, [&] { return parseNlohmann(pages.bodies); });
                qj = timeParser(reps, [&] { return parseQJson(pages.bodies); });
                const bool same = sjFields.result.checksum == nl.result.checksum && nl.result.checksum == qj.result.checksum &&
                                  sjFields.result.items == nl.result.items && nl.result.items == qj.result.items;
                const double mbs = pages.bytes / 1048576.0;
                auto rate = [mbs](double t) { return QString::number(mbs / (t / 1000), 'f', 0) + QStringLiteral(" MiB/s"); };

                out(QStringLiteral("-- JSON parsers over the same %1 pages (%2 MiB, %3 pods; median of %4; six fields: name, namespace, uid, resourceVersion, creationTimestamp, phase)")
                        .arg(pages.bodies.size()).arg(mbs, 0, 'f', 1).arg(sjFields.result.items).arg(reps));
                out(QStringLiteral("   simdjson DOM, fields        %1  (%2)").arg(ms(sjFields.medianMs), rate(sjFields.medianMs)));
                out(QStringLiteral("   nlohmann::json, fields      %1  (%2)  %3 slower than simdjson")
                        .arg(ms(nl.medianMs), rate(nl.medianMs), ratio(nl.medianMs / sjFields.medianMs)));
                out(QStringLiteral("   QJsonDocument, fields       %1  (%2)  %3 slower than simdjson")
                        .arg(ms(qj.medianMs), rate(qj.medianMs), ratio(qj.medianMs / sjFields.medianMs)));
                out(QStringLiteral("   same fields from all three  %1").arg(same ? QStringLiteral("yes") : QStringLiteral("NO (checksums differ)")));
                const double fastest = std::min({sjFields.medianMs, nl.medianMs, qj.medianMs});
                if (fastest != sjFields.medianMs)
                    out(QStringLiteral("   NOTE: simdjson is NOT the fastest parser on this data"));
                out(QStringLiteral("   ObjectParser::parseList     %1 summary-only (the browser's pods: pod summary, interned strings)").arg(ms(full.medianMs)));
                out(QStringLiteral("                               %1 with JSON (+ compact JSON, LZ4: the old form)").arg(ms(fullJson.medianMs)));
                const ParseResult &st = sjStaged.result;
                out(QStringLiteral("   the JSON form's stages (simdjson, same fields, compact, LZ4: %1, timed per stage in one pass)")
                        .arg(ms(sjStaged.medianMs)));
                out(QStringLiteral("     simdjson parse %1, fields %2, compact JSON %3, LZ4 %4")
                        .arg(ms(st.parseMs), ms(st.fieldsMs), ms(st.compactMs), ms(st.compressMs)));
                out(QStringLiteral("-- where the sync time goes (medians; the informer asks for the next page before it parses the current one)"));
                out(QStringLiteral("   list -> synced (wall)        %1").arg(ms(syncMed)));
                out(QStringLiteral("   session thread on a CPU      %1  (parseList alone: %2)").arg(ms(cpuWorker), ms(withJson ? fullJson.medianMs : full.medianMs)));
                out(QStringLiteral("   waiting for pages            %1  (wall - session CPU; sim API CPU %2, engine CPU %3)")
                        .arg(ms(syncMed - cpuWorker), ms(cpuSimApi), ms(cpuOther)));
                out(QStringLiteral("   fetching alone, no parsing   %1 through the engine; %2 with plain libcurl = server to first byte %3 + transfer %4")
                        .arg(ms(pages.fetchMs), ms(split.totalMs), ms(split.ttfbMs), ms(split.transferMs)));
                out(QStringLiteral("   model reset (main thread)    %1  (after synced, on the GUI thread)").arg(ms(resetMed)));

                // The compression trials hold every pod's JSON several times over; at 100,000 pods
                // that is gigabytes for a question settled at 10,000.
                if (pods <= 20000) {
                    const std::vector<std::string> docs = compactDocuments(pages.bodies);
                    qint64 compactBytes = 0;
                    for (const auto &d : docs)
                        compactBytes += static_cast<qint64>(d.size());
                    const CompressTrial zq = compressWithQt(docs, false);
                    const CompressTrial zqs = compressWithQt(docs, true);
                    const CompressTrial zs = compressWithStream(docs);
                    const CompressTrial lz = compressWithLz4(docs);
                    const auto perPod = [&docs](qint64 v) { return QString::number(double(v) / double(docs.size()), 'f', 0) + QStringLiteral(" B"); };
                    out(QStringLiteral("-- keeping each pod's JSON (compact: %1 per pod), zlib level 1 over all %2 pods").arg(perPod(compactBytes)).arg(docs.size()));
                    out(QStringLiteral("   LZ4, exact buffers (the JSON form)      %1, %2 per pod in %3 buffers").arg(ms(lz.ms), perPod(lz.bytes), perPod(lz.capacity)));
                    out(QStringLiteral("   qCompress level 1 (the first version)   %1, %2 per pod in %3 buffers").arg(ms(zq.ms), perPod(zq.bytes), perPod(zq.capacity)));
                    out(QStringLiteral("   qCompress + squeeze()                   %1, %2 per pod in %3 buffers").arg(ms(zqs.ms), perPod(zqs.bytes), perPod(zqs.capacity)));
                    out(QStringLiteral("   one reused deflate stream               %1, %2 per pod in %3 buffers").arg(ms(zs.ms), perPod(zs.bytes), perPod(zs.capacity)));
                    out(QStringLiteral("   zlib level 1 runs at %1 MiB/s here; %2")
                            .arg(QString::number(compactBytes / 1048576.0 / (zs.ms / 1000), 'f', 0),
                                 zs.ms > 0.8 * zq.ms ? QStringLiteral("the cost is deflate itself, not the per-object set-up")
                                                     : QStringLiteral("a reused stream saves %1").arg(ms(zq.ms - zs.ms))));
                }
            }
        }

        // ---- Markdown
        const double peakBytes = first.peakAtModelKb * 1024.0;
        const bool syncAim = syncMed <= aims.syncedMs;
        const bool kubectlAim = haveKubectl && kubectlMed / syncMed >= aims.kubectlRatio;
        const bool rssAim = peakBytes <= aims.rssBytes;
        const bool perPodAim = first.rssPerPod() <= aims.perPodBytes;
        auto met = [](bool b) { return b ? QStringLiteral("met") : QStringLiteral("**not met**"); };
        const QString syncAimText = QStringLiteral("≤ %1 ms").arg(aims.syncedMs, 0, 'f', 0);
        const QString kubectlAimText = QStringLiteral("≥ %1×").arg(aims.kubectlRatio, 0, 'f', 0);
        const QString rssAimText = QStringLiteral("≤ %1 MB").arg(aims.rssBytes / 1e6, 0, 'f', 0);
        const QString perPodAimText = QStringLiteral("≤ %1 KB").arg(aims.perPodBytes / 1e3, 0, 'f', 0);
        out({});
        out(QStringLiteral("| figure (%1 pods, %2) | value | aim | |").arg(count).arg(withJson ? QStringLiteral("with JSON") : QStringLiteral("summary-only")));
        out(QStringLiteral("|---|---|---|---|"));
        out(QStringLiteral("| machine | %1 × %2, %3 MiB RAM; load %4 | | |").arg(m.cpus).arg(m.model).arg(m.ramMb).arg(loadBefore));
        out(QStringLiteral("| pods listed | %1 (pages of %2) | | |").arg(count).arg(pageSize));
        out(QStringLiteral("| list → informer synced (median of %1) | %2 | %3 | %4 |").arg(runs).arg(ms(syncMed), syncAimText, met(syncAim)));
        out(QStringLiteral("| list → PodTableModel populated (median) | %1 (reset %2) | | |").arg(ms(modelMed), ms(resetMed)));
        if (haveKubectl)
            out(QStringLiteral("| kubectl get pods -A -o json (median) | %1; ratio %2; peak RSS %3 | %4 | %5 |")
                    .arg(ms(kubectlMed), ratio(kubectlMed / syncMed), mib(kubectlPeakKb), kubectlAimText, met(kubectlAim)));
        else
            out(QStringLiteral("| kubectl get pods -A -o json | %1 | %2 | **not measured** |").arg(kubectlNote.isEmpty() ? QStringLiteral("skipped") : kubectlNote, kubectlAimText));
        if (havePython)
            out(QStringLiteral("| Python client, whole process / list alone (median) | %1 / %2; ratio %3 / %4; peak RSS %5 | | |")
                    .arg(ms(pythonMed), ms(pythonListMed), ratio(pythonMed / syncMed), ratio(pythonListMed / syncMed), mib(pythonPeakKb)));
        else
            out(QStringLiteral("| Python client | %1 | | |").arg(pythonNote.isEmpty() ? QStringLiteral("skipped") : pythonNote));
        out(QStringLiteral("| CPU, sim serving (API threads) vs console parsing (session thread) | %1 vs %2 (engine %3, main %4; sim background %5) | | |")
                .arg(ms(cpuSimApi), ms(cpuWorker), ms(cpuOther), ms(cpuMain), ms(cpuSimBg)));
        out(QStringLiteral("| RSS before / at sync / with model | %1 / %2 / %3 | | |").arg(mib(first.rssBeforeKb), mib(first.rssAtSyncKb), mib(first.rssAtModelKb)));
        out(QStringLiteral("| peak RSS (ru_maxrss) | %1 (%2) | %3 (%4) | %5 |").arg(mib(first.peakAtModelKb), mb(first.peakAtModelKb), rssAimText, aims.rssSource, met(rssAim)));
        out(QStringLiteral("| per pod: RSS delta with model / heap in use / footprint estimate | %1 / %2 / %3 | %4 (RSS) | %5 |")
                .arg(bytes(first.rssPerPod()), bytes(first.heapPerPod()), bytes(first.footprintPerPod()), perPodAimText, met(perPodAim)));
        if (other.ok)
            out(QStringLiteral("| the other form (%1), one run: synced / per pod RSS / heap | %2 / %3 / %4 | | |")
                    .arg(withJson ? QStringLiteral("summary-only") : QStringLiteral("with JSON"), ms(other.syncedMs), bytes(other.rssPerPod()),
                         bytes(other.heapPerPod())));
        if (!pages.bodies.empty()) {
            out(QStringLiteral("| parse %1 MiB: simdjson DOM / nlohmann / QJsonDocument | %2 / %3 / %4 | | |")
                    .arg(pages.bytes / 1048576.0, 0, 'f', 1)
                    .arg(ms(sjFields.medianMs), ms(nl.medianMs), ms(qj.medianMs)));
            out(QStringLiteral("| ObjectParser::parseList summary-only / with JSON | %1 / %2 | | |").arg(ms(full.medianMs), ms(fullJson.medianMs)));
            out(QStringLiteral("| fetch all pages, no parsing | %1 | | |").arg(ms(pages.fetchMs)));
        }
        out({});
        out(QStringLiteral("| aim (%1) | result |").arg(aims.label));
        out(QStringLiteral("|---|---|"));
        out(QStringLiteral("| synced %1 | %2: %3 median |").arg(syncAimText, met(syncAim), ms(syncMed)));
        out(QStringLiteral("| %1 faster than kubectl | %2 |")
                .arg(kubectlAimText, haveKubectl ? QStringLiteral("%1: %2 (kubectl %3)").arg(met(kubectlAim), ratio(kubectlMed / syncMed), ms(kubectlMed))
                                                 : QStringLiteral("**not measured**: %1").arg(kubectlNote)));
        out(QStringLiteral("| RSS %1 (%2) | %3: peak %4 |").arg(rssAimText, aims.rssSource, met(rssAim), mb(first.peakAtModelKb)));
        out(QStringLiteral("| %1 per pod (RSS with the model populated, less RSS before) | %2: %3 |").arg(perPodAimText, met(perPodAim), bytes(first.rssPerPod())));

        worker.quit();
        worker.wait();
    }
    sim.terminate();
    curl_global_cleanup();
    return rc;
}
