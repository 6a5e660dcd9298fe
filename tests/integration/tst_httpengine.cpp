// Integration tests of the HTTP engine against pilothouse-sim: TLS from memory, auth, streams,
// cancellation, timeouts, fault injection, concurrency and delivery to the caller's thread; and
// against a raw socket server for what the sim does not do: an answer cut after its headers, a
// connection closed without an answer, a server that accepts and never answers.
#include "http/httpengine.h"
#include "kube/api/status.h"
#include "rawhttps.h"
#include "simprocess.h"

#include <curl/curl.h>

#include <QDebug>
#include <QElapsedTimer>
#include <QFile>
#include <QPointer>
#include <QTest>
#include <QThread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <poll.h>

#include <cctype>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace pilothouse::testsupport;
using namespace pilothouse::backends;
using namespace pilothouse::backends::http;

namespace {

const char *kCm = "/api/v1/namespaces/demo/configmaps";

QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return f.readAll();
}

std::string configMap(const std::string &name)
{
    return Json({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"k", "1"}}}}).dump();
}


// A plain-HTTP server on loopback that misbehaves on purpose, one way for every connection.
class RawServer {
public:
    // BigBody: a 200 with kBigBody bytes of one letter, 'a' for the first connection, 'b' for the next...
    // KeepAliveThenClose: answers a connection's first request and keeps it open, then closes it
    // without answering its second (a reused connection that dies after the request went out).
    enum class Mode { CutAfterHeaders, CloseWithoutAnswer, NeverAnswer, BigBody, KeepAliveThenClose };
    static constexpr qsizetype kBigBody = 1536 * 1024;

    explicit RawServer(Mode mode) : m_mode(mode)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        socklen_t len = sizeof addr;
        ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&addr), &len);
        m_port = ntohs(addr.sin_port);
        ::listen(m_fd, 16);
        m_thread = std::thread([this] { run(); });
    }
    ~RawServer()
    {
        m_stop = true;
        m_thread.join();
        ::close(m_fd);
    }
    QString url(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path); }
    int connections() const { return m_connections; }
    int requests() const { return m_requests; }  // complete requests (headers and body) received

private:
    void run()
    {
        std::vector<int> held;
        while (!m_stop) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0)
                continue;
            const int c = ::accept(m_fd, nullptr, nullptr);
            if (c < 0)
                continue;
            ++m_connections;
            if (readRequest(c))
                ++m_requests;
            if (m_mode == Mode::KeepAliveThenClose && m_requests == 1) {
                const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
                (void)!::write(c, answer, sizeof answer - 1);
                if (readRequest(c))
                    ++m_requests;
            }
            if (m_mode == Mode::CutAfterHeaders) {
                const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"kind\":\"Dep";
                (void)!::write(c, answer, sizeof answer - 1);
            }
            if (m_mode == Mode::BigBody) {
                std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                                     std::to_string(kBigBody) + "\r\nConnection: close\r\n\r\n";
                answer.append(static_cast<size_t>(kBigBody), static_cast<char>('a' + (m_connections - 1) % 26));
                for (size_t done = 0; done < answer.size();) {
                    const ssize_t n = ::write(c, answer.data() + done, answer.size() - done);
                    if (n <= 0)
                        break;
                    done += static_cast<size_t>(n);
                }
            }
            if (m_mode == Mode::NeverAnswer)
                held.push_back(c);  // the socket stays open, silent, until the server goes
            else
                ::close(c);
        }
        for (int c : held)
            ::close(c);
    }
    // Up to the end of the headers and the Content-Length body that follows, so that the client
    // has sent everything before the answer goes wrong.
    static bool readRequest(int c)
    {
        std::string in;
        char buf[4096];
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        size_t need = std::string::npos;
        while (std::chrono::steady_clock::now() < until) {
            pollfd p{c, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            const ssize_t n = ::read(c, buf, sizeof buf);
            if (n <= 0)
                return false;
            in.append(buf, static_cast<size_t>(n));
            const size_t end = in.find("\r\n\r\n");
            if (end == std::string::npos)
                continue;
            if (need == std::string::npos) {
                size_t length = 0;
                std::string lower = in.substr(0, end);
                std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
                if (const size_t at = lower.find("content-length:"); at != std::string::npos)
                    length = std::stoul(lower.substr(at + 15));
                need = end + 4 + length;
            }
            if (in.size() >= need)
                return true;
        }
        return false;
    }

    Mode m_mode;
    int m_fd = -1;
    int m_port = 0;
    std::atomic<int> m_requests{0};
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_connections{0};
    std::thread m_thread;
};

struct Outcome {
    bool done = false;
    int calls = 0;
    Response response;
    QThread *thread = nullptr;
};

// Everything a stream reported, and whether it came in the promised order.
struct StreamLog {
    int headerCalls = 0;
    int status = 0;
    Headers headers;
    QList<QByteArray> lines;
    bool linesBeforeHeaders = false;
    bool afterFinished = false;
    int finishedCalls = 0;
    Response final;
    QThread *thread = nullptr;

    bool finished() const { return finishedCalls > 0; }
};

HttpEngine::StreamHandlers recordInto(std::shared_ptr<StreamLog> log)
{
    HttpEngine::StreamHandlers h;
    h.headersReceived = [log](int status, const Headers &headers) {
        log->afterFinished = log->afterFinished || log->finished();
        ++log->headerCalls;
        log->status = status;
        log->headers = headers;
        log->thread = QThread::currentThread();
    };
    h.line = [log](const QByteArray &line) {
        log->afterFinished = log->afterFinished || log->finished();
        log->linesBeforeHeaders = log->linesBeforeHeaders || log->headerCalls == 0;
        log->lines.append(line);
    };
    h.finished = [log](const Response &r) {
        ++log->finishedCalls;
        log->final = r;
    };
    return h;
}

}  // namespace

class TestHttpEngine : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<SimProcess> m_other;  // only for a CA that does not sign m_sim's certificate
    QByteArray m_ca, m_otherCa, m_cert, m_key;
    std::unique_ptr<HttpEngine> m_engine;

    Request request(const QString &path) const
    {
        Request r;
        r.url = m_sim->url() + path;
        r.tls.caPem = m_ca;
        return r;
    }
    Request adminRequest(const QString &path) const
    {
        Request r = request(path);
        r.tls.clientCertPem = m_cert;
        r.tls.clientKeyPem = m_key;
        return r;
    }
    Request viewerRequest(const QString &path) const
    {
        Request r = request(path);
        r.headers.append({"Authorization", "Bearer " + m_sim->viewerToken().toUtf8()});
        return r;
    }

    std::optional<Response> send(Request r, int waitMs = 15000)
    {
        auto out = std::make_shared<Outcome>();
        QObject context;
        m_engine->send(std::move(r), &context, [out](const Response &resp) {
            out->done = true;
            out->response = resp;
            out->thread = QThread::currentThread();
        });
        if (!QTest::qWaitFor([&] { return out->done; }, waitMs))
            return std::nullopt;
        return out->response;
    }

    // The resourceVersion of the configmap list, to watch from "now".
    QString listRv()
    {
        auto r = send(adminRequest(QString::fromLatin1(kCm)));
        if (!r || r->status != 200)
            return {};
        return QString::fromStdString(Json::parse(r->body.toStdString())["metadata"]["resourceVersion"].get<std::string>());
    }

    Request watchRequest()
    {
        Request r = adminRequest(QString::fromLatin1(kCm) + QStringLiteral("?watch=true&resourceVersion=") + listRv());
        r.timeoutMs = 0;
        return r;
    }

    static QString name(const QByteArray &line)
    {
        Json e = Json::parse(line.toStdString(), nullptr, false);
        if (e.is_discarded())
            return QStringLiteral("<not json>");
        return QString::fromStdString(e.value("type", "")) + QLatin1Char(' ')
            + QString::fromStdString(e["object"]["metadata"].value("name", ""));
    }

    QString hostPort() const { return m_sim->url().section(QStringLiteral("://"), 1); }

private Q_SLOTS:
    void initTestCase()
    {
        // The application does this in main(); it is not thread-safe, so the engine never does.
        QCOMPARE(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
        m_sim = std::make_unique<SimProcess>();
        m_other = std::make_unique<SimProcess>();
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        QVERIFY2(m_other->start(&error), qPrintable(error));
        m_ca = readFile(m_sim->caFile());
        m_otherCa = readFile(m_other->caFile());
        m_cert = readFile(m_sim->certFile());
        m_key = readFile(m_sim->keyFile());
        QVERIFY(m_ca != m_otherCa);
        m_engine = std::make_unique<HttpEngine>();
    }

    void cleanupTestCase()
    {
        m_engine.reset();
        m_other.reset();
        m_sim.reset();
        curl_global_cleanup();
    }

    void cleanup()
    {
        // No test may leave a request behind for the next one.
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->activeRequests(), 0, 10000);
    }

    void versionWithCaFromMemory()
    {
        auto r = send(request(QStringLiteral("/version")));
        QVERIFY(r);
        QCOMPARE(r->error.kind, ErrorKind::None);
        QCOMPARE(r->status, 200);
        Json v = Json::parse(r->body.toStdString());
        JCOMPARE(v["major"], "1");
        QVERIFY(r->header("content-type").startsWith("application/json"));
        for (const auto &h : r->headers)
            QCOMPARE(h.first, h.first.toLower());
    }

    void clientCertificateFromMemory()
    {
        auto r = send(adminRequest(QStringLiteral("/api/v1/namespaces/demo/pods")));
        QVERIFY(r);
        QCOMPARE(r->error.kind, ErrorKind::None);
        QCOMPARE(r->status, 200);
        JCOMPARE(Json::parse(r->body.toStdString())["kind"], "PodList");

        // The same request without the certificate is anonymous: the certificate above did the work.
        auto anonymous = send(request(QStringLiteral("/api/v1/namespaces/demo/pods")));
        QVERIFY(anonymous);
        QCOMPARE(anonymous->status, 401);
        QCOMPARE(anonymous->error.kind, ErrorKind::None);
    }

    // A body whose length the server announced comes in one buffer of that length and
    // kBodyPadding (not grown chunk by chunk, copied at each growth): the informer's parser reads
    // list pages in place instead of copying each one first.
    void announcedBodyHasRoomForParsers()
    {
        auto r = send(adminRequest(QStringLiteral("/api/v1/pods")));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        const qint64 length = r->header("content-length").toLongLong();
        QVERIFY(length > 0);
        QCOMPARE(r->body.size(), length);
        const QString sizes = QStringLiteral("%1 bytes in a buffer of %2").arg(r->body.size()).arg(r->body.capacity());
        QVERIFY2(r->body.capacity() - r->body.size() >= kBodyPadding, qPrintable(sizes));
        QVERIFY2(r->body.capacity() - r->body.size() < 2 * kBodyPadding, qPrintable(sizes));
    }

    // A big body comes in a buffer the engine maps and reuses: one a receiver still holds is
    // never written over, one it let go takes the next big answer, and releaseBodyBuffers()
    // unmaps what no answer holds (an informer at the end of its list).
    void bigBodiesReuseTheBuffersLetGo()
    {
        RawServer server(RawServer::Mode::BigBody);
        Request r;
        r.url = server.url(QStringLiteral("/big"));
        m_engine->releaseBodyBuffers();
        QCOMPARE(m_engine->bodyBufferBytes(), 0);

        auto first = send(r);
        QVERIFY(first);
        QCOMPARE(first->status, 200);
        QCOMPARE(first->body.size(), RawServer::kBigBody);
        QVERIFY(first->body.capacity() - first->body.size() >= kBodyPadding);
        QCOMPARE(first->body.constData()[first->body.size()], '\0');
        QVERIFY(m_engine->bodyBufferBytes() >= RawServer::kBigBody);
        QByteArray held = first->body;  // kept by its receiver
        first.reset();

        auto second = send(r);
        QVERIFY(second);
        QCOMPARE(second->body, QByteArray(RawServer::kBigBody, 'b'));
        QVERIFY(second->body.constData() != held.constData());
        QCOMPARE(held, QByteArray(RawServer::kBigBody, 'a'));
        const char *secondBuffer = second->body.constData();
        const qint64 twoBuffers = m_engine->bodyBufferBytes();
        second.reset();  // let go: the next big answer comes in its buffer

        auto third = send(r);
        QVERIFY(third);
        QCOMPARE(third->body, QByteArray(RawServer::kBigBody, 'c'));
        QCOMPARE(third->body.constData(), secondBuffer);
        QCOMPARE(m_engine->bodyBufferBytes(), twoBuffers);

        // A receiver changing its copy changes only its copy.
        QByteArray changed = third->body;
        changed[0] = 'x';
        QCOMPARE(third->body.at(0), 'c');
        third.reset();
        changed.clear();

        // Only the buffer nobody holds goes; the held one stays readable.
        m_engine->releaseBodyBuffers();
        QVERIFY(m_engine->bodyBufferBytes() > 0);
        QVERIFY(m_engine->bodyBufferBytes() < twoBuffers);
        QCOMPARE(held, QByteArray(RawServer::kBigBody, 'a'));
        QByteArray last = held;
        QVERIFY(!last.isDetached());
        last.append('!');  // detaches into a copy of its own
        QCOMPARE(held.size(), RawServer::kBigBody);
        QCOMPARE(last.size(), RawServer::kBigBody + 1);
        held.clear();
        m_engine->releaseBodyBuffers();
        QCOMPARE(m_engine->bodyBufferBytes(), 0);
    }

    void bearerToken()
    {
        auto r = send(viewerRequest(QStringLiteral("/api/v1/namespaces/demo/pods")));
        QVERIFY(r);
        QCOMPARE(r->status, 200);

        Request post = viewerRequest(QString::fromLatin1(kCm));
        post.method = "POST";
        post.headers.append({QByteArray("Content-Type"), QByteArray("application/json")});
        post.body = QByteArray::fromStdString(configMap("viewer-may-not"));
        auto denied = send(post);
        QVERIFY(denied);
        QCOMPARE(denied->error.kind, ErrorKind::None);  // an answer, not a transport failure
        QCOMPARE(denied->status, 403);
        ApiError status = kube::parseStatus(denied->status, denied->body);
        QCOMPARE(status.kind, ErrorKind::Forbidden);
        QCOMPARE(status.reason, QStringLiteral("Forbidden"));
    }

    void writeMethodsCarryTheirBodies()
    {
        Request post = adminRequest(QString::fromLatin1(kCm));
        post.method = "POST";
        post.headers.append({QByteArray("Content-Type"), QByteArray("application/json")});
        post.body = QByteArray::fromStdString(configMap("methods"));
        auto created = send(post);
        QVERIFY(created);
        QCOMPARE(created->status, 201);

        Request patch = adminRequest(QString::fromLatin1(kCm) + QStringLiteral("/methods"));
        patch.method = "patch";  // any case
        patch.headers.append({QByteArray("Content-Type"), QByteArray("application/merge-patch+json")});
        patch.body = R"({"data":{"k":"2"}})";
        auto patched = send(patch);
        QVERIFY(patched);
        QCOMPARE(patched->status, 200);
        JCOMPARE(Json::parse(patched->body.toStdString())["data"]["k"], "2");

        Request del = adminRequest(QString::fromLatin1(kCm) + QStringLiteral("/methods"));
        del.method = "DELETE";
        auto deleted = send(del);
        QVERIFY(deleted);
        QCOMPARE(deleted->status, 200);
        QCOMPARE(m_sim->get(std::string(kCm) + "/methods").status, 404);
    }

    void wrongCaFailsWithTls()
    {
        // A good request first, so a pooled connection exists that must not be reused below.
        auto good = send(viewerRequest(QStringLiteral("/version")));
        QVERIFY(good);
        QCOMPARE(good->status, 200);

        Request wrong = viewerRequest(QStringLiteral("/version"));
        wrong.tls.caPem = m_otherCa;
        auto r = send(wrong);
        QVERIFY(r);
        qInfo().noquote() << r->error.message;
        QCOMPARE(r->error.kind, ErrorKind::Tls);
        QCOMPARE(r->status, 0);
        QVERIFY2(r->error.message.contains(QStringLiteral("certificate")), qPrintable(r->error.message));
        QVERIFY2(r->error.message.contains(hostPort()), qPrintable(r->error.message));
        QVERIFY2(!r->error.message.contains(m_sim->viewerToken()), "the token leaked into an error message");

        Request insecure = wrong;
        insecure.tls.insecureSkipVerify = true;
        auto skipped = send(insecure);
        QVERIFY(skipped);
        QCOMPARE(skipped->error.kind, ErrorKind::None);
        QCOMPARE(skipped->status, 200);

        // ...and the unverified connection is not handed to a request that verifies.
        auto again = send(wrong);
        QVERIFY(again);
        QCOMPARE(again->error.kind, ErrorKind::Tls);
    }

    void tlsServerName()
    {
        Request local = adminRequest(QStringLiteral("/api/v1/namespaces/demo/pods"));
        local.tls.serverName = QStringLiteral("localhost");
        auto ok = send(local);
        QVERIFY(ok);
        QCOMPARE(ok->error.kind, ErrorKind::None);
        QCOMPARE(ok->status, 200);

        Request wrong = local;
        wrong.tls.serverName = QStringLiteral("wrong.example");
        auto r = send(wrong);
        QVERIFY(r);
        qInfo().noquote() << r->error.message;
        QCOMPARE(r->error.kind, ErrorKind::Tls);
        QVERIFY2(r->error.message.contains(QStringLiteral("wrong.example")), qPrintable(r->error.message));
    }

    void watchDeliversLinePerEvent()
    {
        auto log = std::make_shared<StreamLog>();
        QObject context;
        RequestId id = m_engine->stream(watchRequest(), &context, recordInto(log));
        QTRY_COMPARE_WITH_TIMEOUT(log->headerCalls, 1, 10000);
        QCOMPARE(log->status, 200);
        QVERIFY(log->lines.isEmpty());
        for (const char *n : {"watch-a", "watch-b", "watch-c"})
            QCOMPARE(m_sim->request("POST", kCm, configMap(n)).status, 201);
        QTRY_COMPARE_WITH_TIMEOUT(log->lines.size(), 3, 10000);
        QCOMPARE(name(log->lines[0]), QStringLiteral("ADDED watch-a"));
        QCOMPARE(name(log->lines[1]), QStringLiteral("ADDED watch-b"));
        QCOMPARE(name(log->lines[2]), QStringLiteral("ADDED watch-c"));
        QVERIFY(!log->finished());
        m_engine->cancel(id);
        QTRY_VERIFY_WITH_TIMEOUT(log->finished(), 5000);
        QCOMPARE(log->final.error.kind, ErrorKind::Cancelled);
        QCOMPARE(log->finishedCalls, 1);
        QVERIFY(!log->linesBeforeHeaders);
        QVERIFY(!log->afterFinished);
    }

    void burstOfEventsArrivesInOrder()
    {
        auto log = std::make_shared<StreamLog>();
        QObject context;
        RequestId id = m_engine->stream(watchRequest(), &context, recordInto(log));
        QTRY_COMPARE_WITH_TIMEOUT(log->headerCalls, 1, 10000);
        const int count = 300;
        std::thread writer([this] {
            for (int i = 0; i < count; ++i)
                m_sim->request("POST", kCm, configMap("burst-" + std::to_string(1000 + i)));
        });
        const bool all = QTest::qWaitFor([&] { return log->lines.size() >= count; }, 60000);
        writer.join();
        QVERIFY2(all, qPrintable(QString::number(log->lines.size())));
        for (int i = 0; i < count; ++i)
            QCOMPARE(name(log->lines[i]), QStringLiteral("ADDED burst-%1").arg(1000 + i));
        m_engine->cancel(id);
        QTRY_VERIFY_WITH_TIMEOUT(log->finished(), 5000);
    }

    void lastLineWithoutNewlineIsDelivered()
    {
        // /version answers with JSON that has no trailing newline.
        auto log = std::make_shared<StreamLog>();
        QObject context;
        m_engine->stream(request(QStringLiteral("/version")), &context, recordInto(log));
        QTRY_VERIFY_WITH_TIMEOUT(log->finished(), 10000);
        QCOMPARE(log->final.error.kind, ErrorKind::None);
        QCOMPARE(log->final.status, 200);
        QVERIFY(log->final.body.isEmpty());
        QCOMPARE(log->headerCalls, 1);
        QCOMPARE(log->lines.size(), 1);
        JCOMPARE(Json::parse(log->lines[0].toStdString())["major"], "1");
        QVERIFY(!log->linesBeforeHeaders);
        QVERIFY(!log->afterFinished);
    }

    void cancelEndsStreamPromptly()
    {
        auto log = std::make_shared<StreamLog>();
        QObject context;
        RequestId id = m_engine->stream(watchRequest(), &context, recordInto(log));
        QTRY_COMPARE_WITH_TIMEOUT(log->headerCalls, 1, 10000);
        QCOMPARE(m_engine->activeRequests(), 1);
        QElapsedTimer t;
        t.start();
        std::thread([this, id] { m_engine->cancel(id); }).join();  // from another thread
        QTRY_VERIFY_WITH_TIMEOUT(log->finished(), 5000);
        QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(log->final.error.kind, ErrorKind::Cancelled);
        QCOMPARE(log->final.status, 200);
        QCOMPARE(m_engine->activeRequests(), 0);
        m_engine->cancel(id);  // a second cancel of a finished request is harmless
        QTest::qWait(100);
        QCOMPARE(log->finishedCalls, 1);
    }

    void cancelSendInFlight()
    {
        QVERIFY(m_sim->control("delay", "ms=2000&count=1"));
        auto out = std::make_shared<Outcome>();
        QObject context;
        RequestId id = m_engine->send(request(QStringLiteral("/version")), &context, [out](const Response &r) {
            ++out->calls;
            out->done = true;
            out->response = r;
        });
        QTest::qWait(200);
        QElapsedTimer t;
        t.start();
        m_engine->cancel(id);
        QTRY_VERIFY_WITH_TIMEOUT(out->done, 5000);
        QVERIFY(t.elapsed() < 1000);
        QCOMPARE(out->response.error.kind, ErrorKind::Cancelled);
        QTest::qWait(200);
        QCOMPARE(out->calls, 1);
        QVERIFY(m_sim->control("delay", "ms=0"));
    }

    void droppedWatchIsNetworkError()
    {
        // A server that drops the stream sent its 200 and headers already; the transfer then ends
        // without the terminating chunk. The engine reports that as status 200 with a Network
        // error (curl's "partial file"), never as a clean end.
        auto log = std::make_shared<StreamLog>();
        QObject context;
        m_engine->stream(watchRequest(), &context, recordInto(log));
        QTRY_COMPARE_WITH_TIMEOUT(log->headerCalls, 1, 10000);
        QVERIFY(m_sim->control("drop-watches"));
        QTRY_VERIFY_WITH_TIMEOUT(log->finished(), 10000);
        qInfo().noquote() << log->final.error.message;
        QCOMPARE(log->final.status, 200);
        QCOMPARE(log->final.error.kind, ErrorKind::Network);
        QVERIFY2(log->final.error.message.contains(hostPort()), qPrintable(log->final.error.message));
        QVERIFY2(log->final.error.message.contains(QStringLiteral("closed before")), qPrintable(log->final.error.message));
    }

    void closedPortIsNetworkPromptly()
    {
        const int port = pilothouse::testsupport::unusedLoopbackPort();
        Request r;
        r.url = QStringLiteral("https://127.0.0.1:%1/version").arg(port);
        r.tls.caPem = m_ca;
        r.headers.append({QByteArray("Authorization"), QByteArray("Bearer secret-token-value")});
        QElapsedTimer t;
        t.start();
        auto resp = send(r);
        QVERIFY(resp);
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
        qInfo().noquote() << resp->error.message;
        QCOMPARE(resp->error.kind, ErrorKind::Network);
        QCOMPARE(resp->status, 0);
        QVERIFY2(resp->error.message.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(resp->error.message));
        QVERIFY2(resp->error.message.contains(QStringLiteral("refused"), Qt::CaseInsensitive), qPrintable(resp->error.message));
        QVERIFY(!resp->error.message.contains(QStringLiteral("secret-token-value")));
    }

    void proxyOnlyFromConfiguration()
    {
        // Environment proxies are ignored: one that cannot be reached would break this request.
        const QString dead = QStringLiteral("http://127.0.0.1:%1").arg(pilothouse::testsupport::unusedLoopbackPort());
        const QList<QByteArray> names{"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"};
        QList<QPair<QByteArray, std::optional<QByteArray>>> saved;
        for (const QByteArray &n : names) {
            saved.append({n, qEnvironmentVariableIsSet(n.constData()) ? std::optional(qgetenv(n.constData())) : std::nullopt});
            if (n.endsWith("proxy") && !n.startsWith("no") && !n.startsWith("NO"))
                qputenv(n.constData(), dead.toUtf8());
            else
                qunsetenv(n.constData());
        }
        auto viaEnvironment = send(request(QStringLiteral("/version")));
        // The configured proxy is used: the same dead proxy, named in the request, fails it.
        Request viaConfig = request(QStringLiteral("/version"));
        viaConfig.tls.proxyUrl = dead;
        auto proxied = send(viaConfig);
        for (const auto &[n, v] : saved) {
            if (v)
                qputenv(n.constData(), *v);
            else
                qunsetenv(n.constData());
        }
        QVERIFY(viaEnvironment);
        QCOMPARE(viaEnvironment->error.kind, ErrorKind::None);
        QCOMPARE(viaEnvironment->status, 200);
        QVERIFY(proxied);
        qInfo().noquote() << proxied->error.message;
        QCOMPARE(proxied->error.kind, ErrorKind::Network);
        QVERIFY2(proxied->error.message.contains(QStringLiteral("proxy")), qPrintable(proxied->error.message));
    }

    void invalidUrlIsConfig()
    {
        Request r;
        r.url = QStringLiteral("not a url");
        auto resp = send(r);
        QVERIFY(resp);
        QCOMPARE(resp->error.kind, ErrorKind::Config);
    }

    void refusedThenRecovers()
    {
        // A fresh engine, so no idle pooled connection exists: the sim's stop() waits for its idle
        // keep-alive connections (up to their 30 s timeout) and keeps serving requests on them
        // while refusing new connections.
        m_engine = std::make_unique<HttpEngine>();
        QVERIFY(m_sim->control("refuse", "seconds=2"));
        QTest::qWait(300);
        auto during = send(request(QStringLiteral("/version")));
        QVERIFY(during);
        qInfo().noquote() << during->error.message;
        QCOMPARE(during->error.kind, ErrorKind::Network);
        // Back up: the failed attempt must not poison the next requests.
        QVERIFY(QTest::qWaitFor([&] {
            auto r = send(request(QStringLiteral("/version")), 5000);
            return r && r->status == 200;
        }, 20000));
        auto after = send(request(QStringLiteral("/version")));
        QVERIFY(after);
        QCOMPARE(after->error.kind, ErrorKind::None);
        QCOMPARE(after->status, 200);
    }

    void slowAnswerIsTimeout()
    {
        QVERIFY(m_sim->control("delay", "ms=3000&count=1"));
        Request r = request(QStringLiteral("/version"));
        r.timeoutMs = 500;
        QElapsedTimer t;
        t.start();
        auto resp = send(r);
        QVERIFY(resp);
        qInfo().noquote() << resp->error.message;
        QCOMPARE(resp->error.kind, ErrorKind::Timeout);
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
        QVERIFY2(resp->error.message.contains(hostPort()), qPrintable(resp->error.message));
        QVERIFY(m_sim->control("delay", "ms=0"));
    }

    void idleWatchIsTimeout()
    {
        auto log = std::make_shared<StreamLog>();
        QObject context;
        Request r = watchRequest();
        r.idleTimeoutMs = 700;
        QElapsedTimer t;
        t.start();
        m_engine->stream(r, &context, recordInto(log));
        QTRY_VERIFY_WITH_TIMEOUT(log->finished(), 10000);
        qInfo().noquote() << log->final.error.message;
        QCOMPARE(log->final.error.kind, ErrorKind::Timeout);
        QCOMPARE(log->final.status, 200);
        QVERIFY(log->final.headersReceived);  // answered, then silent
        QVERIFY(t.elapsed() >= 600);
        QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
    }

    // A mutating request whose answer broke off after the status line: the server got it and
    // decided; the caller must be able to tell this from a request that never got an answer.
    void answerCutAfterHeadersSaysHeadersArrived()
    {
        RawServer server(RawServer::Mode::CutAfterHeaders);
        Request r;
        r.method = "PATCH";
        r.url = server.url(QStringLiteral("/apis/apps/v1/namespaces/demo/deployments/web"));
        r.body = R"({"spec":{"replicas":3}})";
        auto resp = send(r);
        QVERIFY(resp);
        qInfo().noquote() << resp->error.message;
        QCOMPARE(resp->error.kind, ErrorKind::Network);
        QCOMPARE(resp->status, 200);
        QVERIFY(resp->headersReceived);
        QCOMPARE(server.connections(), 1);  // a PATCH is never sent twice
    }

    // curl resends a request by itself when a reused connection dies before any byte of the answer;
    // a POST the server may have acted on must not go twice (a second build for one click).
    void aMutationOnADyingReusedConnectionIsNotSentTwice()
    {
        RawServer server(RawServer::Mode::KeepAliveThenClose);
        Request get;
        get.url = server.url(QStringLiteral("/api/json"));
        auto first = send(get);
        QVERIFY(first);
        QCOMPARE(first->status, 200);
        Request post;
        post.method = "POST";
        post.url = server.url(QStringLiteral("/job/orders/buildWithParameters"));
        post.body = "IMAGE_TAG=172";
        auto resp = send(post);
        QVERIFY(resp);
        QCOMPARE(resp->status, 0);
        QVERIFY(!resp->headersReceived);
        QCOMPARE(resp->error.kind, ErrorKind::Network);
        QVERIFY2(resp->error.message.contains(QStringLiteral("not sent again")), qPrintable(resp->error.message));
        // The GET and the POST, once: whatever curl does after the connection died, no second
        // complete request arrives.
        QCOMPARE(server.requests(), 2);
    }

    void noAnswerSaysNoHeaders()
    {
        RawServer server(RawServer::Mode::CloseWithoutAnswer);
        Request r;
        r.method = "PATCH";
        r.url = server.url(QStringLiteral("/apis/apps/v1/namespaces/demo/deployments/web"));
        r.body = R"({"spec":{"replicas":3}})";
        auto resp = send(r);
        QVERIFY(resp);
        qInfo().noquote() << resp->error.message;
        QCOMPARE(resp->error.kind, ErrorKind::Network);
        QCOMPARE(resp->status, 0);
        QVERIFY(!resp->headersReceived);
        // A refused connection did not get there at all; a complete answer did.
        Request refused;
        refused.url = QStringLiteral("http://127.0.0.1:%1/version").arg(pilothouse::testsupport::unusedLoopbackPort());
        auto none = send(refused);
        QVERIFY(none);
        QVERIFY(!none->headersReceived);
        auto ok = send(request(QStringLiteral("/version")));
        QVERIFY(ok);
        QCOMPARE(ok->status, 200);
        QVERIFY(ok->headersReceived);
    }

    // The idle limit also covers the wait for the answer: a server that accepted the connection
    // and hangs does not hold a stream (or a request) forever.
    void silenceBeforeTheAnswerIsIdleTimeout()
    {
        RawServer server(RawServer::Mode::NeverAnswer);
        auto log = std::make_shared<StreamLog>();
        QObject context;
        Request r;
        r.url = server.url(QStringLiteral("/api/v1/pods?watch=1"));
        r.timeoutMs = 0;
        r.idleTimeoutMs = 500;
        QElapsedTimer t;
        t.start();
        m_engine->stream(r, &context, recordInto(log));
        QTRY_VERIFY_WITH_TIMEOUT(log->finished(), 5000);
        qInfo().noquote() << log->final.error.message;
        QCOMPARE(log->final.error.kind, ErrorKind::Timeout);
        QCOMPARE(log->final.status, 0);
        QVERIFY(!log->final.headersReceived);
        QCOMPARE(log->headerCalls, 0);
        QVERIFY(t.elapsed() >= 450);
    }

    void busyWatchDoesNotIdleOut()
    {
        // The idle timeout counts silence, not the stream's age.
        auto log = std::make_shared<StreamLog>();
        QObject context;
        Request r = watchRequest();
        r.idleTimeoutMs = 1500;
        RequestId id = m_engine->stream(r, &context, recordInto(log));
        QTRY_COMPARE_WITH_TIMEOUT(log->headerCalls, 1, 10000);
        for (int i = 0; i < 8; ++i) {
            QCOMPARE(m_sim->request("POST", kCm, configMap("busy-" + std::to_string(i))).status, 201);
            QTest::qWait(400);
        }
        QVERIFY2(!log->finished(), qPrintable(log->final.error.message));
        QCOMPARE(log->lines.size(), 8);
        m_engine->cancel(id);
        QTRY_VERIFY_WITH_TIMEOUT(log->finished(), 5000);
        QCOMPARE(log->final.error.kind, ErrorKind::Cancelled);
    }

    void fiftyConcurrentGets()
    {
        const int count = 50;
        auto outcomes = std::make_shared<std::vector<Outcome>>(count);
        QObject context;
        for (int i = 0; i < count; ++i) {
            m_engine->send(adminRequest(QStringLiteral("/api/v1/namespaces/demo/pods")), &context, [outcomes, i](const Response &r) {
                (*outcomes)[i].done = true;
                ++(*outcomes)[i].calls;
                (*outcomes)[i].response = r;
            });
        }
        QVERIFY(m_engine->activeRequests() > 0);
        auto allDone = [&] {
            return std::all_of(outcomes->begin(), outcomes->end(), [](const Outcome &o) { return o.done; });
        };
        QVERIFY(QTest::qWaitFor(allDone, 60000));
        for (const Outcome &o : *outcomes) {
            QCOMPARE(o.calls, 1);
            QCOMPARE(o.response.error.kind, ErrorKind::None);
            QCOMPARE(o.response.status, 200);
        }
    }

    void deletedContextGetsNoCallback()
    {
        const Request watch = watchRequest();
        QVERIFY(m_sim->control("delay", "ms=1000&count=2"));
        auto calls = std::make_shared<int>(0);
        auto *context = new QObject;
        m_engine->send(request(QStringLiteral("/version")), context, [calls](const Response &) { ++*calls; });
        auto log = std::make_shared<StreamLog>();
        m_engine->stream(watch, context, recordInto(log));
        QCOMPARE(m_engine->activeRequests(), 2);
        delete context;
        // Its requests are cancelled, silently.
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->activeRequests(), 0, 5000);
        QTest::qWait(1500);
        QCOMPARE(*calls, 0);
        QCOMPARE(log->headerCalls + log->lines.size() + log->finishedCalls, 0);
        QVERIFY(m_sim->control("delay", "ms=0"));

        // A result already queued for a context that goes before the event loop runs is dropped too.
        auto *late = new QObject;
        m_engine->send(request(QStringLiteral("/version")), late, [calls](const Response &) { ++*calls; });
        QElapsedTimer t;
        t.start();
        while (m_engine->activeRequests() > 0 && t.elapsed() < 10000)
            QThread::msleep(10);  // deliberately not spinning the event loop
        QCOMPARE(m_engine->activeRequests(), 0);
        delete late;
        QTest::qWait(200);
        QCOMPARE(*calls, 0);
    }

    void resultsArriveOnContextThread()
    {
        QThread worker;
        worker.start();
        auto *context = new QObject;
        context->moveToThread(&worker);

        auto out = std::make_shared<Outcome>();
        auto log = std::make_shared<StreamLog>();
        std::atomic<int> done{0};
        // The callbacks run on the worker; the test thread only reads after `done` says so.
        m_engine->send(request(QStringLiteral("/version")), context, [out, &done](const Response &r) {
            out->response = r;
            out->thread = QThread::currentThread();
            ++done;
        });
        auto handlers = recordInto(log);
        auto finished = handlers.finished;
        handlers.finished = [finished, &done](const Response &r) {
            finished(r);
            ++done;
        };
        m_engine->stream(request(QStringLiteral("/version")), context, handlers);
        QTRY_COMPARE_WITH_TIMEOUT(done.load(), 2, 10000);
        QCOMPARE(out->thread, &worker);
        QCOMPARE(out->response.status, 200);
        QCOMPARE(log->thread, &worker);
        QCOMPARE(log->lines.size(), 1);

        // The main thread gets its own results.
        auto here = send(request(QStringLiteral("/version")));
        QVERIFY(here);
        QCOMPARE(here->status, 200);
        auto mine = std::make_shared<Outcome>();
        QObject local;
        m_engine->send(request(QStringLiteral("/version")), &local, [mine](const Response &) {
            mine->done = true;
            mine->thread = QThread::currentThread();
        });
        QTRY_VERIFY_WITH_TIMEOUT(mine->done, 10000);
        QCOMPARE(mine->thread, QThread::currentThread());

        QMetaObject::invokeMethod(context, [context] { delete context; }, Qt::BlockingQueuedConnection);
        worker.quit();
        worker.wait();
    }

    void destructorCancelsWithoutCallbacks()
    {
        auto engine = std::make_unique<HttpEngine>();
        auto log = std::make_shared<StreamLog>();
        auto calls = std::make_shared<int>(0);
        QObject context;
        Request watch = watchRequest();
        engine->stream(watch, &context, recordInto(log));
        QTRY_COMPARE_WITH_TIMEOUT(log->headerCalls, 1, 10000);
        QVERIFY(m_sim->control("delay", "ms=2000&count=1"));
        engine->send(request(QStringLiteral("/version")), &context, [calls](const Response &) { ++*calls; });
        QTest::qWait(100);
        QElapsedTimer t;
        t.start();
        engine.reset();
        QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
        QTest::qWait(500);
        QCOMPARE(log->finishedCalls, 0);
        QCOMPARE(*calls, 0);
        QVERIFY(m_sim->control("delay", "ms=0"));
    }
};

QTEST_GUILESS_MAIN(TestHttpEngine)
#include "tst_httpengine.moc"
