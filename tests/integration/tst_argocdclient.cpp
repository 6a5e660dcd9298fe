// Tests ArgoCdClient over the real HTTP engine: against a small local Argo CD stand-in for the
// cases the simulator cannot produce on demand (a stream that fails, a session revoked while
// watching), and against the simulator's Argo CD API when it offers one.
#include "actions/auditlog.h"
#include "argocd/argocdactions.h"
#include "argocd/argocdclient.h"
#include "http/httpengine.h"
#include "simprocess.h"

#include <curl/curl.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

using namespace pilothouse::backends;
using namespace pilothouse::backends::argocd;
using pilothouse::testsupport::eventually;

namespace {

QByteArray fixture(const QString &name)
{
    QFile f(pilothouse::testsupport::sourceDir() + QStringLiteral("/tests/data/argocd/") + name);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", qPrintable(name));
    return f.readAll();
}

// Waits for a callback result while spinning the event loop.
template <class T>
struct Waiter {
    std::optional<T> value;
    std::function<void(const T &)> callback()
    {
        return [this](const T &v) { value = v; };
    }
    bool wait(int ms = 15000)
    {
        return eventually([this] { return value.has_value(); }, ms);
    }
};

// An Argo CD stand-in on plain HTTP: the session service, the application list and a stream
// that can be told to fail.
class FakeArgoCd {
public:
    std::atomic<bool> streamFails{false};
    std::atomic<bool> tokenValid{true};
    std::atomic<int> listRequests{0};
    std::atomic<int> streamRequests{0};
    std::atomic<bool> stopping{false};
    std::string lastSyncBody;
    std::mutex mutex;

    FakeArgoCd()
    {
        m_server.Post("/api/v1/session", [this](const httplib::Request &req, httplib::Response &res) {
            auto body = nlohmann::json::parse(req.body, nullptr, false);
            if (body.is_object() && body.value("username", "") == "admin" && body.value("password", "") == "right") {
                res.set_content(R"({"token":"tok-1"})", "application/json");
                tokenValid = true;
            } else {
                res.status = 401;
                res.set_content(R"({"error":"Invalid username or password","code":16,"message":"Invalid username or password"})", "application/json");
            }
        });
        auto authorized = [this](const httplib::Request &req, httplib::Response &res) {
            if (tokenValid && req.get_header_value("Authorization") == "Bearer tok-1")
                return true;
            res.status = 401;
            res.set_content(R"({"error":"invalid session: token is expired","code":16,"message":"invalid session: token is expired"})", "application/json");
            return false;
        };
        m_server.Get("/api/v1/applications", [this, authorized](const httplib::Request &req, httplib::Response &res) {
            ++listRequests;
            if (!authorized(req, res))
                return;
            res.set_content(fixture(QStringLiteral("applications.json")).toStdString(), "application/json");
        });
        m_server.Post(R"(/api/v1/applications/([^/]+)/sync)", [this, authorized](const httplib::Request &req, httplib::Response &res) {
            if (!authorized(req, res))
                return;
            std::lock_guard lock(mutex);
            lastSyncBody = req.body;
            res.set_content(fixture(QStringLiteral("application-storefront.json")).toStdString(), "application/json");
        });
        m_server.Get("/api/v1/stream/applications", [this, authorized](const httplib::Request &req, httplib::Response &res) {
            ++streamRequests;
            if (!authorized(req, res))
                return;
            if (streamFails) {
                res.status = 503;
                res.set_content("upstream connect error", "text/plain");
                return;
            }
            auto sent = std::make_shared<bool>(false);
            res.set_chunked_content_provider("text/event-stream", [this, sent](size_t, httplib::DataSink &sink) {
                if (!*sent) {
                    *sent = true;
                    std::string ev = R"(data: {"result":{"type":"MODIFIED","application":{"metadata":{"name":"menu","namespace":"argocd"},)"
                                     R"("spec":{"project":"cafe"},"status":{"sync":{"status":"Synced"},"health":{"status":"Healthy"}}}}})"
                                     "\n\n";
                    sink.write(ev.data(), ev.size());
                    return true;
                }
                if (stopping || streamFails || !tokenValid) {
                    sink.done();
                    return false;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                return true;
            });
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
    }
    ~FakeArgoCd()
    {
        stopping = true;
        m_server.stop();
        m_thread.join();
    }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }

private:
    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
};

}  // namespace

class TestArgoCdClient : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_engine = std::make_unique<http::HttpEngine>();
    }
    void cleanupTestCase() { m_engine.reset(); }

    void serverUrlAndCaAreChecked();
    void fakeLoginRefusedWithServerMessage();
    void fakeListAndStream();
    void fakeStreamFailureFallsBackToPolling();
    void fakeRevokedSessionAsksToLogInAgain();
    void fakeSyncSendsOptionsAndAudits();

private:
    std::unique_ptr<http::HttpEngine> m_engine;
};

void TestArgoCdClient::serverUrlAndCaAreChecked()
{
    ArgoCdClient client(m_engine.get());
    Result<void> bad = client.setServer(ArgoCdServer{QStringLiteral("argocd.example.com"), {}, {}, false});
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().kind, ErrorKind::Config);
    QVERIFY(bad.error().message.contains(QStringLiteral("is not an Argo CD server URL")));
    Result<void> noCa = client.setServer(ArgoCdServer{QStringLiteral("https://127.0.0.1:1"), QStringLiteral("/nonexistent/ca.pem"), {}, false});
    QVERIFY(!noCa.ok());
    QVERIFY2(noCa.error().message.contains(QStringLiteral("cannot read the CA file /nonexistent/ca.pem")), qPrintable(noCa.error().message));

    // Not logged in: a call says so instead of sending an empty token.
    QVERIFY(client.setServer(ArgoCdServer{QStringLiteral("https://127.0.0.1:1/"), {}, {}, false}).ok());
    QCOMPARE(client.serverUrl(), QStringLiteral("https://127.0.0.1:1"));
    Waiter<Result<QList<ApplicationInfo>>> w;
    client.listApplications(this, w.callback());
    QVERIFY(w.wait());
    QCOMPARE(w.value->error().kind, ErrorKind::Unauthorized);
    QVERIFY(w.value->error().message.contains(QStringLiteral("not logged in")));
}

void TestArgoCdClient::fakeLoginRefusedWithServerMessage()
{
    FakeArgoCd fake;
    ArgoCdClient client(m_engine.get());
    QVERIFY(client.setServer(ArgoCdServer{fake.url(), {}, {}, false}).ok());
    QSignalSpy expired(&client, &ArgoCdClient::sessionExpired);
    Waiter<Result<void>> w;
    client.login(QStringLiteral("admin"), QStringLiteral("wrong"), this, w.callback());
    QVERIFY(w.wait());
    QVERIFY(!w.value->ok());
    QCOMPARE(w.value->error().kind, ErrorKind::Unauthorized);
    QCOMPARE(w.value->error().message, QStringLiteral("Invalid username or password"));
    QVERIFY(!client.hasSession());
    QCOMPARE(expired.count(), 0);  // a refused login is not an expired session

    Waiter<Result<void>> ok;
    client.login(QStringLiteral("admin"), QStringLiteral("right"), this, ok.callback());
    QVERIFY(ok.wait());
    QVERIFY(ok.value->ok());
    QVERIFY(client.hasSession());
    QCOMPARE(client.userName(), QStringLiteral("admin"));
}

void TestArgoCdClient::fakeListAndStream()
{
    FakeArgoCd fake;
    ArgoCdClient client(m_engine.get());
    QVERIFY(client.setServer(ArgoCdServer{fake.url(), {}, {}, false}).ok());
    Waiter<Result<void>> ok;
    client.login(QStringLiteral("admin"), QStringLiteral("right"), this, ok.callback());
    QVERIFY(ok.wait() && ok.value->ok());

    QSignalSpy listed(&client, &ArgoCdClient::applicationsListed);
    QSignalSpy changed(&client, &ArgoCdClient::applicationChanged);
    QSignalSpy mode(&client, &ArgoCdClient::watchModeChanged);
    client.startWatching(300);
    QVERIFY(eventually([&] { return listed.count() >= 1; }));
    auto apps = listed.first().first().value<QList<ApplicationInfo>>();
    QCOMPARE(apps.size(), 2);
    QVERIFY(eventually([&] { return changed.count() >= 1; }));
    ApplicationInfo menu = changed.first().first().value<ApplicationInfo>();
    QCOMPARE(menu.name, QStringLiteral("menu"));
    QCOMPARE(menu.syncStatus, QStringLiteral("Synced"));
    QVERIFY(client.isStreaming());
    QVERIFY(!mode.isEmpty());
    QCOMPARE(mode.last().first().toBool(), true);
    // While the stream runs, nobody polls.
    int lists = fake.listRequests;
    QTest::qWait(1000);
    QCOMPARE(fake.listRequests.load(), lists);
    client.stopWatching();
}

void TestArgoCdClient::fakeStreamFailureFallsBackToPolling()
{
    FakeArgoCd fake;
    fake.streamFails = true;
    ArgoCdClient client(m_engine.get());
    QVERIFY(client.setServer(ArgoCdServer{fake.url(), {}, {}, false}).ok());
    Waiter<Result<void>> ok;
    client.login(QStringLiteral("admin"), QStringLiteral("right"), this, ok.callback());
    QVERIFY(ok.wait() && ok.value->ok());
    QSignalSpy listed(&client, &ArgoCdClient::applicationsListed);
    QSignalSpy mode(&client, &ArgoCdClient::watchModeChanged);
    client.startWatching(200);
    QVERIFY(eventually([&] { return !mode.isEmpty(); }));
    QCOMPARE(mode.first().at(0).toBool(), false);
    QVERIFY2(mode.first().at(1).toString().contains(QStringLiteral("upstream connect error")), qPrintable(mode.first().at(1).toString()));
    QVERIFY(mode.first().at(1).toString().contains(QStringLiteral("polling every 0.2 s")));
    // Lists keep coming while the stream is down.
    QVERIFY(eventually([&] { return listed.count() >= 5; }, 10000));
    QVERIFY(!client.isStreaming());
    // When the stream works again it is picked up (tried after ten polls).
    fake.streamFails = false;
    QVERIFY(eventually([&] { return client.isStreaming(); }, 15000));
    QCOMPARE(mode.last().at(0).toBool(), true);
    client.stopWatching();
}

void TestArgoCdClient::fakeRevokedSessionAsksToLogInAgain()
{
    FakeArgoCd fake;
    ArgoCdClient client(m_engine.get());
    QVERIFY(client.setServer(ArgoCdServer{fake.url(), {}, {}, false}).ok());
    Waiter<Result<void>> ok;
    client.login(QStringLiteral("admin"), QStringLiteral("right"), this, ok.callback());
    QVERIFY(ok.wait() && ok.value->ok());
    QSignalSpy expired(&client, &ArgoCdClient::sessionExpired);
    client.startWatching(200);
    QVERIFY(eventually([&] { return client.isStreaming(); }));
    fake.tokenValid = false;
    Waiter<Result<QList<ApplicationInfo>>> w;
    client.listApplications(this, w.callback());
    QVERIFY(w.wait());
    QCOMPARE(w.value->error().kind, ErrorKind::Unauthorized);
    QVERIFY2(w.value->error().message.startsWith(QStringLiteral("session expired, log in again")), qPrintable(w.value->error().message));
    QCOMPARE(expired.count(), 1);
    QCOMPARE(expired.first().first().toString(), QStringLiteral("session expired, log in again"));
    QVERIFY(!client.hasSession());
    QVERIFY(!client.isWatching());
    // Later calls do not send a stale token and do not report the expiry again.
    Waiter<Result<QList<ApplicationInfo>>> again;
    client.listApplications(this, again.callback());
    QVERIFY(again.wait());
    QVERIFY(again.value->error().message.contains(QStringLiteral("not logged in")));
    QCOMPARE(expired.count(), 1);
}

void TestArgoCdClient::fakeSyncSendsOptionsAndAudits()
{
    FakeArgoCd fake;
    QTemporaryDir dir;
    actions::AuditLog audit(dir.filePath(QStringLiteral("audit.jsonl")));
    ArgoCdClient client(m_engine.get());
    ArgoCdActions actions(&client, &audit);
    QVERIFY(client.setServer(ArgoCdServer{fake.url(), {}, {}, false}).ok());
    Waiter<Result<void>> ok;
    client.login(QStringLiteral("admin"), QStringLiteral("right"), this, ok.callback());
    QVERIFY(ok.wait() && ok.value->ok());

    ApplicationInfo app = parseApplication(fixture(QStringLiteral("application-storefront.json"))).value();
    ArgoCdAction action = ArgoCdAction::sync(client.serverUrl(), client.userName(), app, SyncOptions{QStringLiteral("main"), true, true});
    QCOMPARE(action.confirmationText(),
             QStringLiteral("Sync application storefront on Argo CD %1 as admin: sync to revision main (deployed now: c4e1a9f); "
                            "prune resources no longer in git, dry run (nothing is changed)")
                 .arg(fake.url()));
    Waiter<Result<void>> done;
    actions.execute(action, this, done.callback());
    QVERIFY(done.wait());
    QVERIFY(done.value->ok());
    {
        std::lock_guard lock(fake.mutex);
        auto body = nlohmann::json::parse(fake.lastSyncBody);
        QCOMPARE(QString::fromStdString(body.value("name", "")), QStringLiteral("storefront"));
        QCOMPARE(QString::fromStdString(body.value("revision", "")), QStringLiteral("main"));
        QCOMPARE(body.value("prune", false), true);
        QCOMPARE(body.value("dryRun", false), true);
    }
    QFile f(audit.path());
    QVERIFY(f.open(QIODevice::ReadOnly));
    QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QJsonObject line = QJsonDocument::fromJson(lines[0]).object();
    QCOMPARE(line.value(QStringLiteral("action")).toString(), QStringLiteral("argocd-sync"));
    QCOMPARE(line.value(QStringLiteral("object")).toString(), QStringLiteral("Argo CD application storefront"));
    QCOMPARE(line.value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
    QCOMPARE(line.value(QStringLiteral("user")).toString(), QStringLiteral("admin"));
    QVERIFY(line.value(QStringLiteral("change")).toString().contains(QStringLiteral("dry run")));
    QVERIFY(!lines[0].contains("tok-1"));  // the session token never reaches the audit log
}

QTEST_GUILESS_MAIN(TestArgoCdClient)
#include "tst_argocdclient.moc"
