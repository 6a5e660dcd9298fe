// The session's "Live" against a scripted API server whose watches are accepted but not answered
// (a proxy holding them, a server that hangs): the lists are done, yet the session is not Live
// until the watches' response headers arrive.
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"

#include <httplib.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;

class TestSessionLive : public QObject {
    Q_OBJECT

    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    std::atomic<bool> m_answerWatches{false};
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_watches{0}, m_lists{0};
    QTemporaryDir m_dir;

    // Until `flag` is set, the server is stopping, or a bound passes (a failed test must not keep
    // the server's threads).
    void holdUntil(const std::atomic<bool> &flag) const
    {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!flag && !m_stopping && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_server.new_task_queue = [] { return new httplib::ThreadPool(16); };
        m_server.Get(".*", [this](const httplib::Request &req, httplib::Response &res) {
            if (!req.has_param("watch")) {
                ++m_lists;
                res.set_content(R"({"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]})", "application/json");
                return;
            }
            ++m_watches;
            holdUntil(m_answerWatches);  // no status line, no headers meanwhile
            // Answered: an open, quiet watch.
            res.set_chunked_content_provider("application/json", [this](size_t, httplib::DataSink &sink) {
                holdUntil(m_stopping);
                sink.done();
                return true;
            });
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
    }

    void cleanupTestCase()
    {
        m_stopping = true;
        m_server.stop();
        m_thread.join();
    }

    void liveOnlyOnceTheWatchesAreAnswered()
    {
        const QString path = m_dir.filePath(QStringLiteral("kubeconfig"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QStringLiteral("apiVersion: v1\nkind: Config\n"
                               "clusters:\n- name: scripted\n  cluster:\n    server: http://127.0.0.1:%1\n"
                               "users:\n- name: tester\n  user:\n    token: scripted-token\n"
                               "contexts:\n- name: scripted\n  context:\n    cluster: scripted\n    user: tester\n"
                               "current-context: scripted\n")
                    .arg(m_port)
                    .toUtf8());
        f.close();
        auto config = Kubeconfig::load({path});
        QVERIFY2(config.ok(), qPrintable(config.error().message));

        http::HttpEngine engine;
        KubeSession session(&engine, std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json"))));
        QList<KubeSession::ConnectionState> states;
        connect(&session, &KubeSession::connectionStateChanged, this, [&](KubeSession::ConnectionState s, const QString &) { states << s; });
        session.connectTo(config.value(), {});
        // Namespaces, pods and deployments: listed, and their watches sent and held.
        QTRY_VERIFY_WITH_TIMEOUT(m_watches >= 3, 10000);
        // The informers run on the session's worker: give their state changes time to arrive.
        QTest::qWait(200);
        QVERIFY2(!states.contains(KubeSession::ConnectionState::Live), "Live before any watch was answered");
        QCOMPARE(session.state(), KubeSession::ConnectionState::Connecting);
        m_answerWatches = true;
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), KubeSession::ConnectionState::Live, 10000);
        m_stopping = true;  // lets the held watches end before the session goes
    }
};

QTEST_GUILESS_MAIN(TestSessionLive)
#include "tst_sessionlive.moc"
