// Benchmark: how fast and how lean the pod informer syncs ~10,000 pods from pilothouse-sim, how
// that compares with kubectl on the same server, and which JSON parser the ObjectParser should use.
// It prints figures; it asserts nothing (docs/benchmarks.md records a run and the aims).
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
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>

#include <curl/curl.h>
#include <zlib.h>
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
// (the HTTP engine's above all), and of the simulator: where the wall time of a sync goes.
struct CpuSample {
    qint64 mainNs = 0, workerNs = 0, otherNs = 0, simNs = 0;
};

qint64 simPid()
{
    const QString self = QString::number(getpid());
    const QDir proc(QStringLiteral("/proc"));
    for (const QString &pid : proc.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        if (!pid.front().isDigit())
            continue;
        const QString stat = firstLine(QStringLiteral("/proc/%1/stat").arg(pid));
        // pid (comm) state ppid ...
        const qsizetype close = stat.lastIndexOf(QLatin1Char(')'));
        if (close < 0 || !stat.mid(stat.indexOf(QLatin1Char('(')) + 1).startsWith(QLatin1String("pilothouse-sim")))
            continue;
        if (stat.mid(close + 2).split(QLatin1Char(' ')).value(1) == self)
            return pid.toLongLong();
    }
    return 0;
}

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
        for (const QString &tid : simTasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            c.simNs += schedstatNs(QStringLiteral("/proc/%1/task/%2/schedstat").arg(sim).arg(tid));
    }
    return c;
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

// ---- 1-3: list to synced informer, to populated model, memory ------------------------------

struct SyncRun {
    bool ok = false;
    QString error;
    double syncedMs = 0;     // Informer::start() -> Informer::synced emitted (worker thread)
    double modelMs = 0;      // Informer::start() -> PodTableModel::resetObjects() returned (main thread)
    double resetMs = 0;      // resetObjects() alone
    int count = 0;
    qint64 rssAtSyncKb = 0;
    qint64 peakAtSyncKb = 0;
    qint64 rssAtModelKb = 0;
    size_t footprint = 0;    // sum of KubeObject::memoryFootprint()
    CpuSample cpu;           // CPU used from start to populated model, per thread group
    qint64 jsonSize = 0;     // sum of compressedJson.size()
    qint64 jsonCapacity = 0; // sum of compressedJson.capacity(): what the heap really holds
};

// One list as KubeSession does it: client and informer on a worker thread, synced queued to the
// main thread, where the model is reset. A fresh client and informer each time; the engine is shared.
SyncRun runSync(http::HttpEngine *engine, const ResolvedContext &ctx, const std::shared_ptr<CredentialProvider> &creds,
                QThread *worker, qint64 sim)
{
    SyncRun r;
    auto *root = new QObject;
    root->moveToThread(worker);
    PodTableModel model;
    QObject receiver;  // main-thread context of the queued connections
    QEventLoop loop;
    Clock::time_point t0;
    const CpuSample cpu0 = sampleCpu(sim);

    QMetaObject::invokeMethod(root, [&, root] {
        auto *client = new KubeClient(engine, ctx, creds, root);
        auto *inf = new Informer(client, ResourceRef::pods(), QString(), root);
        QObject::connect(inf, &Informer::synced, inf, [&](const ObjectList &) {
            r.syncedMs = msSince(t0);
            r.rssAtSyncKb = currentRssKb();
            // ru_maxrss can lag the live counter by a little; the peak is at least what is resident now.
            r.peakAtSyncKb = std::max(peakRssKb(), r.rssAtSyncKb);
        }, Qt::DirectConnection);
        QObject::connect(inf, &Informer::synced, &receiver, [&](const ObjectList &objects) {
            const Clock::time_point tr = Clock::now();
            model.resetObjects(objects);
            r.modelMs = msSince(t0);
            r.resetMs = msSince(tr);
            r.rssAtModelKb = currentRssKb();
            r.count = static_cast<int>(objects.size());
            for (const auto &o : objects) {
                r.footprint += o->memoryFootprint();
                r.jsonSize += o->compressedJson.size();
                r.jsonCapacity += o->compressedJson.capacity();
            }
            r.ok = model.rowCount() == r.count;
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
    QTimer::singleShot(180000, &loop, [&] {
        r.error = QStringLiteral("no sync within 180 s");
        loop.exit(2);
    });
    loop.exec();
    const CpuSample cpu1 = sampleCpu(sim);
    r.cpu = {cpu1.mainNs - cpu0.mainNs, cpu1.workerNs - cpu0.workerNs, cpu1.otherNs - cpu0.otherNs, cpu1.simNs - cpu0.simNs};
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

CurlSplit curlSplit(const ts::SimProcess &sim, int pageSize)
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

ParseResult parseObjectParser(const std::vector<QByteArray> &pages)
{
    ParseResult r;
    ObjectParser parser(SummaryKind::Pod);
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

// ---- 4: kubectl ----------------------------------------------------------------------------

struct KubectlRun {
    double ms = 0;
    bool ok = false;
    QString error;
};

// As ts::runKubectl (same kubeconfig, private discovery cache, HOME), but with the output sent to
// /dev/null, so that the time is kubectl's and not this process's reading 100 MB into a QString.
KubectlRun timeKubectl(const ts::SimProcess &sim, const QStringList &args)
{
    KubectlRun k;
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), sim.workDir());
    p.setProcessEnvironment(env);
    p.setStandardOutputFile(QProcess::nullDevice());
    QStringList all{QStringLiteral("--kubeconfig"), sim.kubeconfigPath(), QStringLiteral("--cache-dir"),
                    sim.workDir() + QStringLiteral("/kubectl-cache")};
    all << args;
    const Clock::time_point t0 = Clock::now();
    p.start(ts::kubectlPath(), all);
    if (!p.waitForStarted(10000) || !p.waitForFinished(300000)) {
        k.error = p.errorString();
        p.kill();
        p.waitForFinished(3000);
        return k;
    }
    k.ms = msSince(t0);
    k.ok = p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (!k.ok)
        k.error = QString::fromUtf8(p.readAllStandardError()).trimmed();
    return k;
}

bool waitForSim(const ts::SimProcess &sim, int timeoutMs)
{
    const Clock::time_point t0 = Clock::now();
    while (msSince(t0) < timeoutMs) {
        if (sim.get("/api/v1/namespaces?limit=1").status == 200)
            return true;
        QThread::msleep(100);
    }
    return false;
}

QString joinMs(const std::vector<double> &v)
{
    QStringList parts;
    for (double x : v)
        parts << QString::number(x, 'f', 0);
    return parts.join(QLatin1String(" / ")) + QStringLiteral(" ms");
}

}  // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    int pods = 10000;
    int runs = 3;
    bool syncOnly = false;  // for profiling: skip kubectl and the parser comparison
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--pods") && i + 1 < args.size())
            pods = args[++i].toInt();
        else if (args[i] == QLatin1String("--runs") && i + 1 < args.size())
            runs = std::max(1, args[++i].toInt());
        else if (args[i] == QLatin1String("--sync-only"))
            syncOnly = true;
        else {
            out(QStringLiteral("usage: bench_informer [--pods N] [--runs N] [--sync-only]"));
            return 2;
        }
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        out(QStringLiteral("bench_informer: curl_global_init failed"));
        return 1;
    }
    const int pageSize = 500;  // the informer's default page size, and kubectl's --chunk-size

    const Machine m = machine();
    out(QStringLiteral("== bench_informer: pod informer vs kubectl, JSON parsers =="));
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

    ts::SimProcess sim({QStringLiteral("--pods"), QString::number(pods), QStringLiteral("--pod-start-ms"), QStringLiteral("200"),
                        QStringLiteral("--pod-ready-ms"), QStringLiteral("200")});
    QString err;
    const Clock::time_point simT0 = Clock::now();
    if (!sim.start(&err) || !waitForSim(sim, 60000)) {
        out(QStringLiteral("bench_informer: the simulator did not start: %1").arg(err));
        return 1;
    }
    // Let the scenario's own pods (started by the sim's controllers) settle, so every run lists the same set.
    QThread::msleep(1500);
    out(QStringLiteral("sim     : %1 with --pods %2 (up in %3)").arg(sim.url()).arg(pods).arg(ms(msSince(simT0))));

    auto config = Kubeconfig::load({sim.kubeconfigPath()});
    if (!config.ok()) {
        out(QStringLiteral("bench_informer: %1").arg(config.error().message));
        return 1;
    }
    auto resolved = config.value().resolve(QStringLiteral("sim-admin"));
    if (!resolved.ok()) {
        out(QStringLiteral("bench_informer: %1").arg(resolved.error().message));
        return 1;
    }
    const ResolvedContext ctx = resolved.value();
    auto approvals = std::make_shared<ExecApprovalStore>(sim.workDir() + QStringLiteral("/approvals.json"));
    auto creds = std::make_shared<CredentialProvider>(ctx, approvals);

    int rc = 0;
    {
        http::HttpEngine engine;
        QThread worker;
        worker.setObjectName(QStringLiteral("kube-session"));
        worker.start();

        // ---- 1-3
        const qint64 simProcess = simPid();
        const QString loadBefore = loadAverage();
        const qint64 rssBeforeKb = currentRssKb();
        const qint64 peakBeforeKb = peakRssKb();
        std::vector<SyncRun> syncRuns;
        for (int i = 0; i < runs; ++i) {
            SyncRun r = runSync(&engine, ctx, creds, &worker, simProcess);
            if (!r.ok) {
                out(QStringLiteral("bench_informer: run %1 failed: %2").arg(i + 1).arg(r.error));
                worker.quit();
                worker.wait();
                return 1;
            }
            syncRuns.push_back(r);
        }
        std::vector<double> synced, modeled, resets, cpuMain, cpuWorker, cpuOther, cpuSim;
        for (const auto &r : syncRuns) {
            synced.push_back(r.syncedMs);
            modeled.push_back(r.modelMs);
            resets.push_back(r.resetMs);
            cpuMain.push_back(r.cpu.mainNs / 1e6);
            cpuWorker.push_back(r.cpu.workerNs / 1e6);
            cpuOther.push_back(r.cpu.otherNs / 1e6);
            cpuSim.push_back(r.cpu.simNs / 1e6);
        }
        const SyncRun &first = syncRuns.front();
        const double syncMed = median(synced), modelMed = median(modeled), resetMed = median(resets);
        const int count = first.count;
        const double footprintPerPod = double(first.footprint) / count;
        const double rssDeltaPerPod = double(first.rssAtSyncKb - rssBeforeKb) * 1024 / count;

        out({});
        out(QStringLiteral("-- list -> synced informer (all namespaces, limit=%1, fresh informer per run, one engine)").arg(pageSize));
        out(QStringLiteral("   objects              %1 pods").arg(count));
        out(QStringLiteral("   synced               median %1   (runs: %2)").arg(ms(syncMed), joinMs(synced)));
        out(QStringLiteral("   model populated      median %1   (runs: %2; resetObjects alone %3)").arg(ms(modelMed), joinMs(modeled), ms(resetMed)));
        out(QStringLiteral("   CPU, start -> model  session thread %1, engine and other threads %2, main thread %3, sim %4 (medians)")
                .arg(ms(median(cpuWorker)), ms(median(cpuOther)), ms(median(cpuMain)), ms(median(cpuSim))));
        out(QStringLiteral("   load average         %1 before, %2 after (%3 CPUs; other work on the machine makes figures noisy)")
                .arg(loadBefore, loadAverage()).arg(m.cpus));
        out(QStringLiteral("-- memory (first run)"));
        out(QStringLiteral("   RSS before list      %1 (peak so far %2)").arg(mib(rssBeforeKb), mib(peakBeforeKb)));
        out(QStringLiteral("   RSS at sync          %1; peak RSS (ru_maxrss) %2; with model %3")
                .arg(mib(first.rssAtSyncKb), mib(first.peakAtSyncKb), mib(first.rssAtModelKb)));
        out(QStringLiteral("   per pod              footprint estimate %1 B; RSS delta %2 B")
                .arg(QString::number(footprintPerPod, 'f', 0), QString::number(rssDeltaPerPod, 'f', 0)));
        out(QStringLiteral("   compressed JSON      %1 B per pod, in buffers of %2 B capacity (%3 held beyond the data)")
                .arg(QString::number(double(first.jsonSize) / count, 'f', 0), QString::number(double(first.jsonCapacity) / count, 'f', 0),
                     mib((first.jsonCapacity - first.jsonSize) / 1024)));

        // ---- 4
        bool haveKubectl = false;
        double kubectlMed = 0;
        std::vector<double> kubectlTimes;
        if (syncOnly) {
            out(QStringLiteral("-- kubectl: skipped (--sync-only)"));
        } else if (ts::kubectlPath().isEmpty()) {
            out(QStringLiteral("-- kubectl: not installed, comparison skipped"));
        } else {
            // One untimed call fills kubectl's discovery cache, as an operator's kubectl has it.
            ts::ProcessResult warm = ts::runKubectl(sim, {QStringLiteral("get"), QStringLiteral("ns")});
            bool ok = warm.exitCode == 0;
            for (int i = 0; ok && i < runs; ++i) {
                KubectlRun k = timeKubectl(sim, {QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-A"), QStringLiteral("-o"),
                                                 QStringLiteral("json")});
                ok = k.ok;
                if (!ok)
                    out(QStringLiteral("-- kubectl failed: %1").arg(k.error));
                kubectlTimes.push_back(k.ms);
            }
            if (warm.exitCode != 0)
                out(QStringLiteral("-- kubectl failed: %1").arg(warm.err.trimmed()));
            if (ok) {
                haveKubectl = true;
                kubectlMed = median(kubectlTimes);
                out(QStringLiteral("-- kubectl get pods -A -o json (output to /dev/null, warm discovery cache)"));
                out(QStringLiteral("   time                 median %1   (runs: %2)").arg(ms(kubectlMed), joinMs(kubectlTimes)));
                out(QStringLiteral("   kubectl / informer   %1 (to populated model: %2)").arg(ratio(kubectlMed / syncMed), ratio(kubectlMed / modelMed)));
            }
        }

        // ---- 5 and the breakdown
        RawPages pages;
        CurlSplit split;
        Timed full, sjFields, sjStaged, nl, qj;
        if (!syncOnly) {
            KubeClient client(&engine, ctx, creds);
            pages = fetchPages(client, pageSize);
            if (!pages.error.isEmpty()) {
                out(QStringLiteral("bench_informer: fetching the pages failed: %1").arg(pages.error));
                rc = 1;
            } else {
                split = curlSplit(sim, pageSize);
                const int reps = 5;
                full = timeParser(reps, [&] { return parseObjectParser(pages.bodies); });
                sjFields = timeParser(reps, [&] { return parseSimdjson(pages.bodies, SimdjsonDepth::Fields); });
                sjStaged = timeParser(reps, [&] { return parseSimdjson(pages.bodies, SimdjsonDepth::FieldsCompactCompress); });
                nl = timeParser(reps, [&] { return parseNlohmann(pages.bodies); });
                qj = timeParser(reps, [&] { return parseQJson(pages.bodies); });
                const bool same = sjFields.result.checksum == nl.result.checksum && nl.result.checksum == qj.result.checksum &&
                                  sjFields.result.items == nl.result.items && nl.result.items == qj.result.items;
                const double mb = pages.bytes / 1048576.0;
                auto rate = [mb](double t) { return QString::number(mb / (t / 1000), 'f', 0) + QStringLiteral(" MiB/s"); };

                out(QStringLiteral("-- JSON parsers over the same %1 pages (%2 MiB, %3 pods; median of %4; six fields: name, namespace, uid, resourceVersion, creationTimestamp, phase)")
                        .arg(pages.bodies.size()).arg(mb, 0, 'f', 1).arg(sjFields.result.items).arg(reps));
                out(QStringLiteral("   simdjson DOM, fields        %1  (%2)").arg(ms(sjFields.medianMs), rate(sjFields.medianMs)));
                out(QStringLiteral("   nlohmann::json, fields      %1  (%2)  %3 slower than simdjson")
                        .arg(ms(nl.medianMs), rate(nl.medianMs), ratio(nl.medianMs / sjFields.medianMs)));
                out(QStringLiteral("   QJsonDocument, fields       %1  (%2)  %3 slower than simdjson")
                        .arg(ms(qj.medianMs), rate(qj.medianMs), ratio(qj.medianMs / sjFields.medianMs)));
                out(QStringLiteral("   same fields from all three  %1").arg(same ? QStringLiteral("yes") : QStringLiteral("NO (checksums differ)")));
                const double fastest = std::min({sjFields.medianMs, nl.medianMs, qj.medianMs});
                if (fastest != sjFields.medianMs)
                    out(QStringLiteral("   NOTE: simdjson is NOT the fastest parser on this data"));
                out(QStringLiteral("   ObjectParser::parseList     %1  (what the informer runs: + pod summary, compact JSON, LZ4)")
                        .arg(ms(full.medianMs)));
                const ParseResult &st = sjStaged.result;
                out(QStringLiteral("   its stages (simdjson, same fields, compact, LZ4: %1, timed per stage in one pass)")
                        .arg(ms(sjStaged.medianMs)));
                out(QStringLiteral("     simdjson parse %1, fields %2, compact JSON %3, LZ4 %4; parseList's own extra (pod summary, objects) ~%5")
                        .arg(ms(st.parseMs), ms(st.fieldsMs), ms(st.compactMs), ms(st.compressMs), ms(full.medianMs - sjStaged.medianMs)));
                const double sessionCpu = median(cpuWorker);
                out(QStringLiteral("-- where the sync time goes (medians; the informer asks for the next page only after parsing the current one)"));
                out(QStringLiteral("   list -> synced (wall)        %1").arg(ms(syncMed)));
                out(QStringLiteral("   session thread on a CPU      %1  (parseList alone: %2, of which LZ4 %3, compact JSON %4, simdjson parse %5)")
                        .arg(ms(sessionCpu), ms(full.medianMs), ms(st.compressMs), ms(st.compactMs), ms(st.parseMs)));
                out(QStringLiteral("   waiting for pages            %1  (wall - session CPU; sim CPU %2, engine CPU %3)")
                        .arg(ms(syncMed - sessionCpu), ms(median(cpuSim)), ms(median(cpuOther))));
                out(QStringLiteral("   fetching alone, no parsing   %1 through the engine; %2 with plain libcurl = server to first byte %3 + transfer %4")
                        .arg(ms(pages.fetchMs), ms(split.totalMs), ms(split.ttfbMs), ms(split.transferMs)));
                out(QStringLiteral("   model reset (main thread)    %1  (after synced, on the GUI thread)").arg(ms(resetMed)));

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
                out(QStringLiteral("   LZ4, exact buffers (the informer now)   %1, %2 per pod in %3 buffers").arg(ms(lz.ms), perPod(lz.bytes), perPod(lz.capacity)));
                out(QStringLiteral("   qCompress level 1 (the first version)   %1, %2 per pod in %3 buffers").arg(ms(zq.ms), perPod(zq.bytes), perPod(zq.capacity)));
                out(QStringLiteral("   qCompress + squeeze()                   %1, %2 per pod in %3 buffers").arg(ms(zqs.ms), perPod(zqs.bytes), perPod(zqs.capacity)));
                out(QStringLiteral("   one reused deflate stream               %1, %2 per pod in %3 buffers").arg(ms(zs.ms), perPod(zs.bytes), perPod(zs.capacity)));
                out(QStringLiteral("   zlib level 1 runs at %1 MiB/s here; %2")
                        .arg(QString::number(compactBytes / 1048576.0 / (zs.ms / 1000), 'f', 0),
                             zs.ms > 0.8 * zq.ms ? QStringLiteral("the cost is deflate itself, not the per-object set-up")
                                                 : QStringLiteral("a reused stream saves %1").arg(ms(zq.ms - zs.ms))));
            }
        }

        // ---- Markdown
        const bool syncAim = syncMed <= 1000;
        const bool kubectlAim = haveKubectl && kubectlMed / syncMed >= 5;
        // The aims are read strictly: MB and KB as 10^6 and 10^3 bytes.
        const bool rssAim = first.peakAtSyncKb * 1024 <= 150'000'000;
        const bool perPodAim = footprintPerPod <= 5000 && rssDeltaPerPod <= 5000;
        auto met = [](bool b) { return b ? QStringLiteral("met") : QStringLiteral("**not met**"); };
        out({});
        out(QStringLiteral("| figure | value | aim | |"));
        out(QStringLiteral("|---|---|---|---|"));
        out(QStringLiteral("| machine | %1 × %2, %3 MiB RAM | | |").arg(m.cpus).arg(m.model).arg(m.ramMb));
        out(QStringLiteral("| pods listed | %1 (pages of %2) | | |").arg(count).arg(pageSize));
        out(QStringLiteral("| list → informer synced (median of %1) | %2 | ≤ 1000 ms | %3 |").arg(runs).arg(ms(syncMed), met(syncAim)));
        out(QStringLiteral("| list → PodTableModel populated (median) | %1 (reset %2) | | |").arg(ms(modelMed), ms(resetMed)));
        if (haveKubectl)
            out(QStringLiteral("| kubectl get pods -A -o json (median) | %1; ratio %2 | ≥ 5× | %3 |")
                    .arg(ms(kubectlMed), ratio(kubectlMed / syncMed), met(kubectlAim)));
        else
            out(QStringLiteral("| kubectl get pods -A -o json | skipped | ≥ 5× | n/a |"));
        out(QStringLiteral("| CPU from start to model (session / engine+other / main / sim) | %1 / %2 / %3 / %4 | | |")
                .arg(ms(median(cpuWorker)), ms(median(cpuOther)), ms(median(cpuMain)), ms(median(cpuSim))));
        out(QStringLiteral("| peak RSS after sync (ru_maxrss) | %1 (%2 MB) | ≤ 150 MB | %3 |")
                .arg(mib(first.peakAtSyncKb), QString::number(first.peakAtSyncKb * 1024 / 1e6, 'f', 1), met(rssAim)));
        out(QStringLiteral("| memory per pod: footprint estimate / RSS delta | %1 B / %2 B | ≤ 5 KB | %3 |")
                .arg(QString::number(footprintPerPod, 'f', 0), QString::number(rssDeltaPerPod, 'f', 0), met(perPodAim)));
        if (!pages.bodies.empty()) {
            out(QStringLiteral("| parse %1 MiB: simdjson DOM / nlohmann / QJsonDocument | %2 / %3 / %4 | | |")
                    .arg(pages.bytes / 1048576.0, 0, 'f', 1)
                    .arg(ms(sjFields.medianMs), ms(nl.medianMs), ms(qj.medianMs)));
            out(QStringLiteral("| ObjectParser::parseList (full informer parse) | %1 | | |").arg(ms(full.medianMs)));
            out(QStringLiteral("| fetch all pages, no parsing | %1 | | |").arg(ms(pages.fetchMs)));
        }

        worker.quit();
        worker.wait();
    }
    sim.terminate();
    curl_global_cleanup();
    return rc;
}
