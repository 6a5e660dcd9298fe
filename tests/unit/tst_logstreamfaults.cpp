// A container's log stream against a scripted API server, under faults: Streaming only once the
// server answered, a silent (half-open) stream dropped after the idle limit and resumed with
// sinceTime without a gap or a repeat, and Retry-After on 429 waited out.
#include "http/httpengine.h"
#include "kube/api/kubeclient.h"
#include "kube/auth/credentials.h"
#include "workloads/logs/logstream.h"

#include <httplib.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;
using namespace pilothouse::backends::workloads;

namespace {

using Handler = std::function<void(const httplib::Request &, httplib::Response &)>;
using SteadyClock = std::chrono::steady_clock;

struct Script {
    std::mutex mutex;
    std::deque<Handler> logs;
    std::vector<std::string> sinceTimes;
    std::vector<SteadyClock::time_point> times;
    std::atomic<int> count{0};
};

// Holds a request until `release` is set or `limit` has passed.
void holdUntil(const std::shared_ptr<std::atomic<bool>> &release, std::chrono::milliseconds limit)
{
    const auto until = SteadyClock::now() + limit;
    while (!release->load() && SteadyClock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// Answers with `lines` at once, then keeps the stream open and silent (a quiet container, or a
// connection that died without a word) until released.
void linesThenSilence(httplib::Response &res, std::string lines, std::shared_ptr<std::atomic<bool>> release)
{
    auto pending = std::make_shared<std::string>(std::move(lines));
    res.set_chunked_content_provider("text/plain", [pending, release](size_t, httplib::DataSink &sink) {
        if (!pending->empty()) {
            sink.write(pending->data(), pending->size());
            pending->clear();
            return true;
        }
        holdUntil(release, std::chrono::seconds(4));
        sink.done();
        return true;
    });
}

QStringList texts(const LogLines &lines)
{
    QStringList out;
    for (const LogLine &l : lines)
        out << l.text;
    return out;
}

}  // namespace

class TestLogStreamFaults : public QObject {
    Q_OBJECT

    httplib::Server m_server;
    std::thread m_thread;
    Script m_script;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<KubeClient> m_client;
    QTemporaryDir m_dir;
    std::shared_ptr<std::atomic<bool>> m_release;

    std::unique_ptr<LogStream> makeStream()
    {
        auto s = std::make_unique<LogStream>(m_client.get(), QStringLiteral("demo"), QStringLiteral("web-1"), QStringLiteral("web"));
        s->setBackoff(50, 200);
        return s;
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_server.Get("/api/v1/namespaces/demo/pods/web-1/log", [this](const httplib::Request &req, httplib::Response &res) {
            Handler handler;
            {
                std::lock_guard lock(m_script.mutex);
                m_script.sinceTimes.push_back(req.get_param_value("sinceTime"));
                m_script.times.push_back(SteadyClock::now());
                ++m_script.count;
                if (!m_script.logs.empty()) {
                    handler = m_script.logs.front();
                    m_script.logs.pop_front();
                }
            }
            if (handler)
                handler(req, res);
            else
                linesThenSilence(res, {}, m_release);
        });
        // After a clean end the stream asks whether the pod is still running.
        m_server.Get("/api/v1/namespaces/demo/pods/web-1", [](const httplib::Request &, httplib::Response &res) {
            res.set_content(R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-1","namespace":"demo"},"status":{"phase":"Running"}})",
                            "application/json");
        });
        const int port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        m_engine = std::make_unique<http::HttpEngine>();
        ResolvedContext ctx;
        ctx.contextName = QStringLiteral("scripted");
        ctx.server = QStringLiteral("http://127.0.0.1:%1").arg(port);
        ctx.user.name = QStringLiteral("tester");
        ctx.user.token = QStringLiteral("scripted-token");
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json")));
        m_client = std::make_unique<KubeClient>(m_engine.get(), ctx, std::make_shared<CredentialProvider>(ctx, approvals));
    }

    void cleanupTestCase()
    {
        m_client.reset();
        m_engine.reset();
        m_server.stop();
        m_thread.join();
    }

    void init()
    {
        m_release = std::make_shared<std::atomic<bool>>(false);
        std::lock_guard lock(m_script.mutex);
        m_script.logs.clear();
        m_script.sinceTimes.clear();
        m_script.times.clear();
        m_script.count = 0;
    }

    void cleanup() { m_release->store(true); }  // frees the server's held requests

    // Streaming is what the log view shows as "following": it must mean the server answered.
    void streamingOnlyOnceAnswered()
    {
        auto answer = std::make_shared<std::atomic<bool>>(false);
        {
            std::lock_guard lock(m_script.mutex);
            m_script.logs.push_back([answer, release = m_release](auto &, auto &res) {
                holdUntil(answer, std::chrono::seconds(5));  // no status line, no headers meanwhile
                linesThenSilence(res, {}, release);          // then a quiet container
            });
        }
        auto stream = makeStream();
        stream->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_script.count >= 1, 5000);
        // Longer than anything that could mark a silent request as streaming on a timer (the
        // stream used to guess after 1 s): the state may change only with the answer.
        QTest::qWait(1500);
        QCOMPARE(stream->state(), LogStream::State::Connecting);
        answer->store(true);
        QTRY_COMPARE_WITH_TIMEOUT(stream->state(), LogStream::State::Streaming, 5000);
        stream->stop();
    }

    // Answered, two lines, then silence while the server holds the socket: after the idle limit
    // the stream reconnects with sinceTime of the last line, drops the repeat, delivers the rest.
    void silentStreamIsDroppedAndResumed()
    {
        {
            std::lock_guard lock(m_script.mutex);
            m_script.logs.push_back([release = m_release](auto &, auto &res) {
                linesThenSilence(res, "2024-09-02T08:00:01.000000000Z one\n2024-09-02T08:00:02.000000000Z two\n", release);
            });
            m_script.logs.push_back([release = m_release](auto &, auto &res) {
                linesThenSilence(res, "2024-09-02T08:00:02.000000000Z two\n2024-09-02T08:00:03.000000000Z three\n", release);
            });
        }
        auto stream = makeStream();
        stream->setIdleTimeout(400);
        LogLines got;
        QList<LogStream::State> states;
        connect(stream.get(), &LogStream::linesReceived, this, [&](const LogLines &l) { got += l; });
        connect(stream.get(), &LogStream::stateChanged, this, [&](LogStream::State s, const QString &) { states << s; });
        stream->start();
        QTRY_COMPARE_WITH_TIMEOUT(texts(got), (QStringList{"one", "two"}), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(texts(got), (QStringList{"one", "two", "three"}), 3000);
        QCOMPARE(m_script.sinceTimes.at(1), std::string("2024-09-02T08:00:02.000000000Z"));
        QVERIFY(states.contains(LogStream::State::Reconnecting));
        QCOMPARE(stream->state(), LogStream::State::Streaming);
        QVERIFY(stream->stats().idleTimeouts >= 1);
        QCOMPARE(stream->stats().duplicatesDropped, 1);
        stream->stop();
    }

    void retryAfterIsHonoured_data()
    {
        QTest::addColumn<bool>("header");
        QTest::newRow("429 with a Retry-After header") << true;
        QTest::newRow("429 with Status details.retryAfterSeconds") << false;
    }

    // The server says "come back in 1 s"; the stream's own backoff here is 50-100 ms.
    void retryAfterIsHonoured()
    {
        QFETCH(bool, header);
        {
            std::lock_guard lock(m_script.mutex);
            m_script.logs.push_back([header](auto &, httplib::Response &res) {
                res.status = 429;
                if (header)
                    res.set_header("Retry-After", "1");
                res.set_content(std::string(R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","code":429,)")
                                    + R"("message":"too many requests")" + (header ? "" : R"(,"details":{"retryAfterSeconds":1})") + "}",
                                "application/json");
            });
            m_script.logs.push_back([release = m_release](auto &, auto &res) {
                linesThenSilence(res, "2024-09-02T08:00:01.000000000Z after the wait\n", release);
            });
        }
        auto stream = makeStream();
        LogLines got;
        connect(stream.get(), &LogStream::linesReceived, this, [&](const LogLines &l) { got += l; });
        stream->start();
        QTRY_COMPARE_WITH_TIMEOUT(texts(got), QStringList{"after the wait"}, 10000);
        std::lock_guard lock(m_script.mutex);
        QVERIFY(m_script.times.size() >= 2);
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(m_script.times[1] - m_script.times[0]).count();
        QVERIFY2(waited >= 1000, qPrintable(QStringLiteral("asked again after %1 ms").arg(waited)));
        stream->stop();
    }
};

QTEST_GUILESS_MAIN(TestLogStreamFaults)
#include "tst_logstreamfaults.moc"
