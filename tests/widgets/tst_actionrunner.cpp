// The main window's action runner against a scripted API server: after a lost answer the
// status line and the run's outcome say what reading the object again found (applied or not),
// and a delete that leaves the object with finalizers reads "terminating", not "done".
#include "actions/sessionactions.h"
#include "connectedwindow.h"
#include "shell/actionrunner.h"

#include <httplib.h>

#include <QFile>
#include <QLabel>
#include <QTest>

#include <curl/curl.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace pilothouse;
using namespace pilothouse::backends;
using namespace pilothouse::backends::actions;
using namespace pilothouse::testsupport;

namespace {

using Handler = std::function<void(const httplib::Request &, httplib::Response &)>;

const char *kDeployment = "/apis/apps/v1/namespaces/demo/deployments/web";

std::string deployment(const std::string &rv, const std::string &metaExtra = {})
{
    return R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"demo","resourceVersion":")" + rv + "\"" +
           metaExtra + R"(},"spec":{"replicas":3}})";
}

}  // namespace

class TestActionRunner : public QObject {
    Q_OBJECT

    httplib::Server m_server;
    std::thread m_thread;
    std::mutex m_mutex;
    Handler m_change;  // PATCH or DELETE of the deployment
    std::string m_object;
    std::atomic<int> m_changes{0};
    QTemporaryDir m_dir;
    ShellParts m_shell;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<kube::KubeSession> m_session;
    std::unique_ptr<widgets::MainWindow> m_window;

    void script(Handler change, std::string object)
    {
        std::lock_guard lock(m_mutex);
        m_change = std::move(change);
        m_object = std::move(object);
    }

    widgets::shell::ActionRunner::RunOutcome run(const QString &label, const Action &action)
    {
        widgets::shell::ActionRunner::RunOutcome outcome;
        bool done = false;
        m_window->actionRunner()->run(label, action, [&](const widgets::shell::ActionRunner::RunOutcome &o) {
            outcome = o;
            done = true;
        });
        if (!QTest::qWaitFor([&] { return done; }, 20000))
            qFatal("no outcome");
        return outcome;
    }

    QString statusLine() const { return m_window->findChild<QLabel *>(QStringLiteral("statusMessage"))->text(); }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        // The session's informers and the pages keep requests open: enough threads for them all.
        m_server.new_task_queue = [] { return new httplib::ThreadPool(32); };
        m_server.Post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", [](const httplib::Request &, httplib::Response &res) {
            res.status = 201;
            res.set_content(R"({"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","status":{"allowed":true}})", "application/json");
        });
        const auto change = [this](const httplib::Request &req, httplib::Response &res) {
            Handler h;
            {
                std::lock_guard lock(m_mutex);
                h = m_change;
            }
            ++m_changes;
            h(req, res);
        };
        m_server.Patch(std::string(kDeployment) + "(/scale)?", change);
        m_server.Delete(kDeployment, change);
        m_server.Get(".*", [this](const httplib::Request &req, httplib::Response &res) {
            if (req.path == kDeployment) {
                std::lock_guard lock(m_mutex);
                res.set_content(m_object, "application/json");
            } else if (req.has_param("watch")) {
                // A quiet watch that the server ends after a while.
                res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink &sink) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(500));
                    sink.done();
                    return true;
                });
            } else {
                // Every list is empty; discovery gets nothing it can use and is skipped.
                res.set_content(R"({"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]})", "application/json");
            }
        });
        const int port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });

        const QString kubeconfig = m_dir.filePath(QStringLiteral("kubeconfig"));
        QFile f(kubeconfig);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QStringLiteral("apiVersion: v1\nkind: Config\n"
                               "clusters:\n- name: scripted\n  cluster:\n    server: http://127.0.0.1:%1\n"
                               "users:\n- name: tester\n  user:\n    token: scripted-token\n"
                               "contexts:\n- name: scripted\n  context:\n    cluster: scripted\n    user: tester\n    namespace: demo\n"
                               "current-context: scripted\n")
                    .arg(port)
                    .toUtf8());
        f.close();
        auto config = kube::Kubeconfig::load({kubeconfig});
        QVERIFY2(config.ok(), qPrintable(config.error().message));

        m_engine = std::make_unique<http::HttpEngine>();
        m_session = std::make_unique<kube::KubeSession>(m_engine.get(),
                                                        std::make_shared<kube::ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json"))));
        SessionActions::of(m_session.get())->setAuditLog(std::make_shared<AuditLog>(m_dir.filePath(QStringLiteral("audit.jsonl"))));
        m_window = m_shell.makeWindow(kubeconfig);
        m_window->attachSession(m_session.get());
        m_session->connectTo(config.value(), {});
        QVERIFY(facadeFor(m_session.get()));
        m_window->actionRunner()->setConfirmHandler([](const QString &) { return true; });
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_session.reset();
        m_engine.reset();
        m_server.stop();
        m_thread.join();
    }

    // A view that connected to clientChanged before the session's SessionActions existed runs
    // first; it must still get the facade of the new client, not the one being replaced.
    void aClientChangedHandlerSeesTheNewClientsFacade()
    {
        kube::KubeSession session(m_engine.get(), std::make_shared<kube::ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals2.json"))));
        int checked = 0;
        bool allFresh = true;
        connect(&session, &kube::KubeSession::clientChanged, this, [&](kube::KubeClient *client) {
            ActionFacade *facade = facadeFor(&session);
            allFresh = allFresh && (client ? facade && facade->client() == client : facade == nullptr);
            ++checked;
        });
        SessionActions::of(&session)->setAuditLog(std::make_shared<AuditLog>(m_dir.filePath(QStringLiteral("audit2.jsonl"))));
        auto config = kube::Kubeconfig::load({m_dir.filePath(QStringLiteral("kubeconfig"))});
        QVERIFY(config.ok());
        session.connectTo(config.value(), {});
        session.connectTo(config.value(), {});  // a reconnect replaces the client
        session.disconnectFromCluster();
        QVERIFY(checked >= 3);
        QVERIFY(allFresh);
    }

    // An audit log that was in use stays valid after another replaces it (views keep the pointer).
    void aReplacedAuditLogStaysValid()
    {
        kube::KubeSession session(m_engine.get(), std::make_shared<kube::ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals3.json"))));
        SessionActions *actions = SessionActions::of(&session);
        auto firstLog = std::make_shared<AuditLog>(m_dir.filePath(QStringLiteral("first.jsonl")));
        const std::weak_ptr<AuditLog> first = firstLog;
        actions->setAuditLog(std::move(firstLog));
        QCOMPARE(auditLogFor(&session), first.lock().get());
        actions->setAuditLog(std::make_shared<AuditLog>(m_dir.filePath(QStringLiteral("second.jsonl"))));
        QVERIFY(!first.expired());  // kept alive with the session
        QVERIFY(auditLogFor(&session)->path().endsWith(QLatin1String("second.jsonl")));
    }

    void lostAnswerShowsWhatTheReReadFound_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<QString>("rvNow");
        QTest::addColumn<QString>("found");
        QTest::newRow("cut after headers, applied") << "cut" << "42" << "the object changed (resourceVersion 41 → 42)";
        QTest::newRow("cut after headers, not applied") << "cut" << "41" << "not applied yet: the object is still at resourceVersion 41; a retry is safe";
        QTest::newRow("502 from the gateway, applied") << "502" << "42" << "the object changed (resourceVersion 41 → 42)";
        QTest::newRow("504 from the gateway, not applied") << "504" << "41" << "not applied yet: the object is still at resourceVersion 41; a retry is safe";
    }

    // The answer to the scale is lost: the operator reads, in the status line and in the run's
    // outcome, that it may have been applied and what the object looks like now.
    void lostAnswerShowsWhatTheReReadFound()
    {
        QFETCH(QString, fault);
        QFETCH(QString, rvNow);
        QFETCH(QString, found);
        const std::string f = fault.toStdString();
        script(
            [f](auto &, httplib::Response &res) {
                if (f == "cut") {
                    res.set_content_provider(500, "application/json", [](size_t, size_t, httplib::DataSink &sink) {
                        sink.write("{\"kind\":\"Sca", 12);
                        return false;
                    });
                    return;
                }
                res.status = std::stoi(f);
                res.set_content("<html><body>" + f + "</body></html>", "text/html");
            },
            deployment(rvNow.toStdString()));
        const int before = m_changes;
        const auto outcome = run(QStringLiteral("Scale"), Action::scale(kube::ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"), 2, 3,
                                                                        QStringLiteral("41")));
        QCOMPARE(m_changes - before, 1);
        QVERIFY(outcome.sent);
        QCOMPARE(outcome.result.outcome, Outcome::Unknown);
        QCOMPARE(outcome.result.reread.left(found.size()), found);
        QVERIFY2(outcome.message.contains(QStringLiteral("may or may not have been applied")), qPrintable(outcome.message));
        QVERIFY2(outcome.message.contains(found), qPrintable(outcome.message));
        QCOMPARE(statusLine(), outcome.message);
    }

    void deleteWithFinalizersIsTerminatingNotDone()
    {
        const std::string terminating = deployment("43", R"(,"deletionTimestamp":"2024-09-02T08:00:00Z","finalizers":["example.com/backup"])");
        script([terminating](auto &, httplib::Response &res) { res.set_content(terminating, "application/json"); }, terminating);
        const auto outcome = run(QStringLiteral("Delete"), Action::remove(kube::ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"),
                                                                          QStringLiteral("42"), QStringLiteral("uid-1")));
        QCOMPARE(outcome.result.outcome, Outcome::Succeeded);
        QCOMPARE(outcome.message, QStringLiteral("Delete deployments.apps demo/web: terminating (waiting for finalizers: example.com/backup)"));
        QCOMPARE(statusLine(), outcome.message);
    }
};

QTEST_MAIN(TestActionRunner)
#include "tst_actionrunner.moc"
