// How the action facade names an outcome when the answer is lost or the object stays, against a
// scripted API server: an answer cut after its headers and a gateway's 502/503/504 are "unknown"
// (the change may have been applied) and the object is read again; a delete that leaves the
// object with finalizers, a grace period or a 202 is "terminating", not "done"; definitive
// answers keep their outcome.
#include "actions/actionfacade.h"
#include "actions/auditlog.h"
#include "http/httpengine.h"
#include "kube/api/kubeclient.h"
#include "kube/auth/credentials.h"

#include <httplib.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

#include <mutex>
#include <thread>

using namespace pilothouse::backends;
using namespace pilothouse::backends::actions;
using namespace pilothouse::backends::kube;

namespace {

using Handler = std::function<void(const httplib::Request &, httplib::Response &)>;

const char *kPath = "/apis/apps/v1/namespaces/demo/deployments/web";

std::string deployment(const std::string &rv, const std::string &metaExtra = {})
{
    return R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"demo","resourceVersion":")" + rv + "\"" +
           metaExtra + R"(},"spec":{"replicas":3}})";
}

// Sends the status line and headers of a 200 with a body of 500 bytes, then a few of them, then
// closes: the client sees the answer begin and break off.
void cutAfterHeaders(httplib::Response &res)
{
    res.set_content_provider(500, "application/json", [](size_t, size_t, httplib::DataSink &sink) {
        sink.write("{\"kind\":\"Dep", 12);
        return false;
    });
}

}  // namespace

class TestActionOutcomes : public QObject {
    Q_OBJECT

    httplib::Server m_server;
    std::thread m_thread;
    std::mutex m_mutex;
    Handler m_patch, m_delete, m_get;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<KubeClient> m_client;
    QTemporaryDir m_dir;
    std::unique_ptr<AuditLog> m_audit;

    Handler handler(Handler TestActionOutcomes::*which)
    {
        std::lock_guard lock(m_mutex);
        return this->*which;
    }
    void script(Handler patch, Handler del, Handler get)
    {
        std::lock_guard lock(m_mutex);
        m_patch = std::move(patch);
        m_delete = std::move(del);
        m_get = std::move(get);
    }

    ActionResult run(ActionFacade &facade, const Action &a)
    {
        ActionResult result;
        bool done = false;
        facade.execute(a, this, [&](const ActionResult &r) { result = r; done = true; }, 5000);
        if (!QTest::qWaitFor([&] { return done; }, 15000))
            qFatal("no outcome");
        return result;
    }

    QJsonObject lastAuditLine() const
    {
        QFile f(m_audit->path());
        if (!f.open(QIODevice::ReadOnly))
            return {};
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        return QJsonDocument::fromJson(lines.last()).object();
    }

    Action scale() const { return Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"), 2, 3, QStringLiteral("41")); }
    Action remove() const { return Action::remove(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"), QStringLiteral("41"), QStringLiteral("uid-1")); }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        // A scale goes to the subresource.
        m_server.Patch(std::string(kPath) + "(/scale)?", [this](const httplib::Request &req, httplib::Response &res) {
            if (Handler h = handler(&TestActionOutcomes::m_patch))
                h(req, res);
        });
        m_server.Delete(kPath, [this](const httplib::Request &req, httplib::Response &res) {
            if (Handler h = handler(&TestActionOutcomes::m_delete))
                h(req, res);
        });
        m_server.Get(kPath, [this](const httplib::Request &req, httplib::Response &res) {
            if (Handler h = handler(&TestActionOutcomes::m_get))
                h(req, res);
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
        m_audit = std::make_unique<AuditLog>(m_dir.filePath(QStringLiteral("audit.jsonl")));
    }

    void cleanupTestCase()
    {
        m_client.reset();
        m_engine.reset();
        m_server.stop();
        m_thread.join();
    }

    void lostAnswerIsUnknownAndReadAgain_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<bool>("applied");  // what the re-read finds
        for (bool applied : {true, false}) {
            const char *what = applied ? "applied" : "not applied";
            QTest::addRow("cut after headers, %s", what) << "cut" << applied;
            QTest::addRow("502 Bad Gateway, %s", what) << "502" << applied;
            QTest::addRow("503 Service Unavailable, %s", what) << "503" << applied;
            QTest::addRow("504 Gateway Timeout, %s", what) << "504" << applied;
        }
    }

    void lostAnswerIsUnknownAndReadAgain()
    {
        QFETCH(QString, fault);
        QFETCH(bool, applied);
        const std::string f = fault.toStdString();
        script(
            [f](auto &, httplib::Response &res) {
                if (f == "cut") {
                    cutAfterHeaders(res);
                    return;
                }
                // What a load balancer in front of the API server sends: HTML, no Status.
                res.status = std::stoi(f);
                res.set_content("<html><body><h1>" + f + " from the gateway</h1></body></html>", "text/html");
            },
            {}, [applied](auto &, auto &res) { res.set_content(deployment(applied ? "42" : "41"), "application/json"); });
        ActionFacade facade(m_client.get(), m_audit.get(), QStringLiteral("scripted"), QStringLiteral("tester"));
        const ActionResult r = run(facade, scale());
        QVERIFY2(outcomeName(r.outcome) == QStringLiteral("unknown"), qPrintable(outcomeName(r.outcome) + QStringLiteral(": ") + r.error.message));
        if (applied)
            QVERIFY2(r.reread.contains(QStringLiteral("the object changed (resourceVersion 41 → 42)")), qPrintable(r.reread));
        else
            QVERIFY2(r.reread.startsWith(QStringLiteral("not applied yet: the object is still at resourceVersion 41")), qPrintable(r.reread));
        if (f == "cut")
            QVERIFY2(r.error.message.contains(QStringLiteral("had answered HTTP 200")), qPrintable(r.error.message));
        QCOMPARE(lastAuditLine().value(QStringLiteral("result")).toString(), QStringLiteral("unknown"));
    }

    void definitiveAnswersKeepTheirOutcome_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("outcome");
        QTest::newRow("500 InternalError") << 500 << "InternalError" << "failed";
        QTest::newRow("422 Invalid") << 422 << "Invalid" << "failed";
        QTest::newRow("409 Conflict") << 409 << "Conflict" << "conflict";
        QTest::newRow("403 Forbidden") << 403 << "Forbidden" << "forbidden";
    }

    // The API server itself answered: no re-read, the outcome is what it said.
    void definitiveAnswersKeepTheirOutcome()
    {
        QFETCH(int, status);
        QFETCH(QString, reason);
        QFETCH(QString, outcome);
        script(
            [status, reason](auto &, httplib::Response &res) {
                res.status = status;
                res.set_content(R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"no","reason":")" + reason.toStdString() +
                                    R"(","code":)" + std::to_string(status) + "}",
                                "application/json");
            },
            {}, [](auto &, auto &res) { res.set_content(deployment("42"), "application/json"); });
        ActionFacade facade(m_client.get(), m_audit.get(), QStringLiteral("scripted"), QStringLiteral("tester"));
        const ActionResult r = run(facade, scale());
        QVERIFY2(outcomeName(r.outcome) == outcome, qPrintable(outcomeName(r.outcome) + QStringLiteral(": ") + r.error.message));
        QVERIFY(r.reread.isEmpty());
    }

    void deleteThatLeavesTheObjectIsTerminating_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("terminating");  // empty: done
        const QString finalizers = QString::fromStdString(
            deployment("43", R"(,"deletionTimestamp":"2024-09-02T08:00:00Z","finalizers":["kubernetes.io/pvc-protection","example.com/backup"])"));
        QTest::newRow("200 with finalizers") << 200 << finalizers << "waiting for finalizers: kubernetes.io/pvc-protection, example.com/backup";
        QTest::newRow("202 foreground") << 202
                                        << QString::fromStdString(deployment("43", R"(,"deletionTimestamp":"2024-09-02T08:00:00Z","finalizers":["foregroundDeletion"])"))
                                        << "waiting for finalizers: foregroundDeletion";
        QTest::newRow("202 with a Status") << 202 << R"({"kind":"Status","apiVersion":"v1","status":"Success","details":{"name":"web"}})"
                                           << "the deletion continues in the background";
        QTest::newRow("200 graceful pod") << 200
                                          << R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","namespace":"demo","deletionTimestamp":"2024-09-02T08:00:30Z","deletionGracePeriodSeconds":30}})"
                                          << "graceful shutdown, up to 30 s";
        QTest::newRow("200 namespace") << 200
                                       << R"({"kind":"Namespace","apiVersion":"v1","metadata":{"name":"demo","deletionTimestamp":"2024-09-02T08:00:00Z"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Terminating"}})"
                                       << "waiting for finalizers: kubernetes";
        QTest::newRow("200 deleted at once") << 200 << R"({"kind":"Status","apiVersion":"v1","status":"Success","details":{"name":"web"}})" << "";
    }

    void deleteThatLeavesTheObjectIsTerminating()
    {
        QFETCH(int, status);
        QFETCH(QString, body);
        QFETCH(QString, terminating);
        script({},
               [status, body](auto &, httplib::Response &res) {
                   res.status = status;
                   res.set_content(body.toStdString(), "application/json");
               },
               {});
        ActionFacade facade(m_client.get(), m_audit.get(), QStringLiteral("scripted"), QStringLiteral("tester"));
        const ActionResult r = run(facade, remove());
        QCOMPARE(r.outcome, Outcome::Succeeded);
        QCOMPARE(r.terminating, terminating);
        const QJsonObject audit = lastAuditLine();
        QCOMPARE(audit.value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
        if (!terminating.isEmpty())
            QCOMPARE(audit.value(QStringLiteral("detail")).toString(), QStringLiteral("terminating (%1)").arg(terminating));
    }

    // The delete's answer is lost and the object is still there, terminating: the delete was
    // applied, and the re-read says what it waits for.
    void lostDeleteAnswerFindsTheObjectTerminating()
    {
        script({}, [](auto &, httplib::Response &res) { cutAfterHeaders(res); },
               [](auto &, auto &res) {
                   res.set_content(deployment("43", R"(,"deletionTimestamp":"2024-09-02T08:00:00Z","finalizers":["example.com/backup"])"),
                                   "application/json");
               });
        ActionFacade facade(m_client.get(), m_audit.get(), QStringLiteral("scripted"), QStringLiteral("tester"));
        const ActionResult r = run(facade, remove());
        QCOMPARE(r.outcome, Outcome::Unknown);
        QCOMPARE(r.reread, QStringLiteral("the delete was applied: the object is terminating (waiting for finalizers: example.com/backup)"));
        QCOMPARE(r.terminating, QStringLiteral("waiting for finalizers: example.com/backup"));
    }
};

QTEST_GUILESS_MAIN(TestActionOutcomes)
#include "tst_actionoutcomes.moc"
