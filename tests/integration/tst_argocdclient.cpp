// Tests ArgoCdClient over the real HTTP engine: against a small local Argo CD stand-in for the
// cases the simulator cannot produce on demand (a stream that fails, a session revoked while
// watching), and against the simulator's Argo CD API when it offers one.
#include "actions/auditlog.h"
#include "argocd/argocdactions.h"
#include "argocd/argocdclient.h"
#include "http/httpengine.h"
#include "argocdworld.h"
#include "simprocess.h"

#include <curl/curl.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <mutex>
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
        m_server.Get(R"(/api/v1/applications/([^/]+))", [authorized](const httplib::Request &req, httplib::Response &res) {
            if (!authorized(req, res))
                return;
            res.set_content(fixture(QStringLiteral("application-storefront.json")).toStdString(), "application/json");
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

    // Against the simulator's Argo CD API (one world for these, in this order).
    void simLoginRefusedWithServerMessage();
    void simListHistoryAndCommitMetadata();
    void simResourceTree();
    void simSyncDryRunThenSync();
    void simRollbackRefusedUnderAutomatedSync();
    void simRollbackToHistoryId();
    void simTerminateRunningOperation();
    void simRevokedSessionAsksToLogInAgain();

private:
    bool world();
    std::unique_ptr<ArgoCdClient> loggedInClient();
    std::optional<ApplicationInfo> app(ArgoCdClient &client, const QString &name);

    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<pilothouse::testsupport::ArgoCdWorld> m_world;
};

bool TestArgoCdClient::world()
{
    if (m_world)
        return true;
    m_world = std::make_unique<pilothouse::testsupport::ArgoCdWorld>();
    QString error;
    if (!m_world->start(&error)) {
        qWarning("%s", qPrintable(error));
        m_world.reset();
        return false;
    }
    return true;
}

std::unique_ptr<ArgoCdClient> TestArgoCdClient::loggedInClient()
{
    auto client = std::make_unique<ArgoCdClient>(m_engine.get());
    if (!client->setServer(ArgoCdServer{m_world->argocdUrl(), m_world->sim->caFile(), {}, false}).ok())
        return nullptr;
    Waiter<Result<void>> w;
    client->login(QStringLiteral("admin"), pilothouse::testsupport::ArgoCdWorld::password(), this, w.callback());
    if (!w.wait() || !w.value->ok()) {
        qWarning("login failed: %s", w.value ? qPrintable(w.value->error().message) : "no answer");
        return nullptr;
    }
    return client;
}

std::optional<ApplicationInfo> TestArgoCdClient::app(ArgoCdClient &client, const QString &name)
{
    Waiter<Result<ApplicationInfo>> w;
    client.getApplication(name, this, w.callback());
    if (!w.wait() || !w.value->ok())
        return std::nullopt;
    return w.value->value();
}

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

    // Plain http to another machine would send the password and token in clear: refused, saying why.
    Result<void> plain = client.setServer(ArgoCdServer{QStringLiteral("http://argocd.example.com"), {}, {}, false});
    QVERIFY(!plain.ok());
    QCOMPARE(plain.error().kind, ErrorKind::Config);
    QVERIFY2(plain.error().message.contains(QStringLiteral("plain http")) && plain.error().message.contains(QStringLiteral("unencrypted"))
                 && plain.error().message.contains(QStringLiteral("https://")),
             qPrintable(plain.error().message));
    QVERIFY(!client.setServer(ArgoCdServer{QStringLiteral("http://10.0.0.5:8080"), {}, {}, false}).ok());
    // ... but allowed on this machine (a port-forward).
    for (const QString &local : {QStringLiteral("http://127.0.0.1:8080"), QStringLiteral("http://localhost:8080"), QStringLiteral("http://[::1]:8080")})
        QVERIFY2(client.setServer(ArgoCdServer{local, {}, {}, false}).ok(), qPrintable(local));

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

    // Every parse is recorded with the thread it ran on: none may run on this (the GUI) thread.
    std::mutex parsesMutex;
    QList<QPair<QString, const QThread *>> parses;
    client.setParseObserver([&](const char *what) {
        std::lock_guard lock(parsesMutex);
        parses.append({QString::fromLatin1(what), QThread::currentThread()});
    });
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
    {
        std::lock_guard lock(parsesMutex);
        QStringList what;
        for (const auto &[name, thread] : parses) {
            what << name;
            QVERIFY2(thread != QThread::currentThread(), qPrintable(name + QStringLiteral(" was parsed on the GUI thread")));
            QCOMPARE(thread, client.parserThread());
        }
        QVERIFY2(what.contains(QStringLiteral("applications")) && what.contains(QStringLiteral("stream event")), qPrintable(what.join(u',')));
    }
    // Single answers too, and the value arrives on the caller's thread.
    Waiter<Result<ApplicationInfo>> one;
    const QThread *deliveredOn = nullptr;
    client.getApplication(QStringLiteral("menu"), this, [&](const Result<ApplicationInfo> &r) {
        deliveredOn = QThread::currentThread();
        one.value = r;
    });
    QVERIFY(one.wait());
    QCOMPARE(deliveredOn, QThread::currentThread());
    {
        std::lock_guard lock(parsesMutex);
        QCOMPARE(parses.last().first, QStringLiteral("application"));
        QCOMPARE(parses.last().second, client.parserThread());
    }
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

void TestArgoCdClient::simLoginRefusedWithServerMessage()
{
    QVERIFY(world());
    ArgoCdClient client(m_engine.get());
    QVERIFY(client.setServer(ArgoCdServer{m_world->argocdUrl(), m_world->sim->caFile(), {}, false}).ok());
    Waiter<Result<void>> w;
    client.login(QStringLiteral("admin"), QStringLiteral("not-the-password"), this, w.callback());
    QVERIFY(w.wait());
    QVERIFY(!w.value->ok());
    QCOMPARE(w.value->error().kind, ErrorKind::Unauthorized);
    QCOMPARE(w.value->error().message, QStringLiteral("Invalid username or password"));
    QVERIFY(!client.hasSession());

    // TLS is verified: without the simulator's CA the system store does not trust it.
    ArgoCdClient untrusting(m_engine.get());
    QVERIFY(untrusting.setServer(ArgoCdServer{m_world->argocdUrl(), {}, {}, false}).ok());
    Waiter<Result<void>> tls;
    untrusting.login(QStringLiteral("admin"), pilothouse::testsupport::ArgoCdWorld::password(), this, tls.callback());
    QVERIFY(tls.wait());
    QCOMPARE(tls.value->error().kind, ErrorKind::Tls);
    QVERIFY2(tls.value->error().message.contains(QStringLiteral("the system's trusted CAs")), qPrintable(tls.value->error().message));
}

void TestArgoCdClient::simListHistoryAndCommitMetadata()
{
    QVERIFY(world());
    auto client = loggedInClient();
    QVERIFY(client);
    QList<ApplicationInfo> apps;
    QVERIFY(eventually([&] {
        Waiter<Result<QList<ApplicationInfo>>> w;
        client->listApplications(this, w.callback());
        if (!w.wait() || !w.value->ok())
            return false;
        apps = w.value->value();
        int synced = 0;
        for (const ApplicationInfo &a : apps)
            synced += a.syncStatus == QLatin1String("Synced") && !a.history.isEmpty() ? 1 : 0;
        return apps.size() == 2 && synced == 2;
    }, 60000));
    QCOMPARE(apps[0].name, QStringLiteral("api"));
    QCOMPARE(apps[1].name, QStringLiteral("web"));
    const ApplicationInfo &web = apps[1];
    QVERIFY(web.automated);
    QCOMPARE(web.repoUrl, m_world->repoUrl());
    QCOMPARE(web.path, QStringLiteral("apps/web"));
    QCOMPARE(web.operation.phase, QStringLiteral("Succeeded"));
    QVERIFY(web.images.contains(QStringLiteral("registry.pilothouse.dev/demo/web:7")));

    // The deployed revision is the repository's HEAD, and its metadata is the commit's.
    auto head = pilothouse::testsupport::runGit(m_world->repoPath(), {QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%H%n%an <%ae>%n%s")});
    QVERIFY(head.ok());
    QStringList fields = head.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(web.history.last().revision, fields[0]);
    Waiter<Result<RevisionMetadata>> md;
    client->revisionMetadata(QStringLiteral("web"), web.history.last().revision, this, md.callback());
    QVERIFY(md.wait());
    QVERIFY2(md.value->ok(), qPrintable(md.value->error().message));
    QCOMPARE(md.value->value().author, fields[1]);
    QVERIFY(md.value->value().message.startsWith(fields[2]));
    QVERIFY(md.value->value().date.isValid());

    Waiter<Result<RevisionMetadata>> missing;
    client->revisionMetadata(QStringLiteral("web"), QStringLiteral("0000000000000000000000000000000000000000"), this, missing.callback());
    QVERIFY(missing.wait());
    QVERIFY(!missing.value->ok());
    QVERIFY(!missing.value->error().message.isEmpty());
}

void TestArgoCdClient::simResourceTree()
{
    QVERIFY(world());
    auto client = loggedInClient();
    QVERIFY(client);
    QList<TreeRow> rows;
    QVERIFY(eventually([&] {
        auto web = app(*client, QStringLiteral("web"));
        Waiter<Result<ResourceTree>> w;
        client->resourceTree(QStringLiteral("web"), this, w.callback());
        if (!web || !w.wait() || !w.value->ok())
            return false;
        rows = treeRows(*web, w.value->value());
        int pods = 0;
        for (const TreeRow &r : rows)
            pods += r.node.kind == QLatin1String("Pod") && r.node.health == QLatin1String("Healthy") ? 1 : 0;
        return pods == 2;
    }, 60000));
    QCOMPARE(rows[0].node.kind, QStringLiteral("Application"));
    // Deployment (1) → ReplicaSet (2) → Pod (3), each under its owner.
    int deployment = -1;
    for (int i = 0; i < rows.size(); ++i)
        if (rows[i].node.kind == QLatin1String("Deployment") && rows[i].node.name == QLatin1String("web"))
            deployment = i;
    QVERIFY(deployment > 0);
    QCOMPARE(rows[deployment].depth, 1);
    QCOMPARE(rows[deployment + 1].node.kind, QStringLiteral("ReplicaSet"));
    QCOMPARE(rows[deployment + 1].depth, 2);
    QCOMPARE(rows[deployment + 2].node.kind, QStringLiteral("Pod"));
    QCOMPARE(rows[deployment + 2].depth, 3);
    QCOMPARE(rows[deployment + 2].node.images, QStringList{QStringLiteral("registry.pilothouse.dev/demo/web:7")});
}

void TestArgoCdClient::simSyncDryRunThenSync()
{
    QVERIFY(world());
    auto client = loggedInClient();
    QVERIFY(client);
    QVERIFY(m_world->disableAutomatedSync(QStringLiteral("web")));
    QVERIFY(eventually([&] { auto a = app(*client, QStringLiteral("web")); return a && !a->automated; }));
    QString error;
    QVERIFY2(m_world->bumpImage(QStringLiteral("web"), QStringLiteral("demo/web:7"), QStringLiteral("demo/web:8"), &error), qPrintable(error));
    QVERIFY(eventually([&] { auto a = app(*client, QStringLiteral("web")); return a && a->syncStatus == QLatin1String("OutOfSync"); }, 30000));
    ApplicationInfo before = *app(*client, QStringLiteral("web"));
    const int historyBefore = before.history.size();

    QTemporaryDir dir;
    actions::AuditLog audit(dir.filePath(QStringLiteral("audit.jsonl")));
    ArgoCdActions actions(client.get(), &audit);
    Waiter<Result<void>> dry;
    actions.execute(ArgoCdAction::sync(client->serverUrl(), client->userName(), before, SyncOptions{{}, false, true}), this, dry.callback());
    QVERIFY(dry.wait());
    QVERIFY2(dry.value->ok(), qPrintable(dry.value->error().message));
    std::optional<ApplicationInfo> after;
    QVERIFY(eventually([&] {
        after = app(*client, QStringLiteral("web"));
        return after && after->operation.dryRun && after->operation.phase == QLatin1String("Succeeded");
    }, 30000));
    // A dry run changes nothing: no history entry, the old image still runs.
    QCOMPARE(after->history.size(), historyBefore);
    QCOMPARE(after->syncStatus, QStringLiteral("OutOfSync"));
    QCOMPARE(m_world->deploymentImage("gitops-demo", "web"), std::string("registry.pilothouse.dev/demo/web:7"));

    Waiter<Result<void>> real;
    actions.execute(ArgoCdAction::sync(client->serverUrl(), client->userName(), *after, SyncOptions{}), this, real.callback());
    QVERIFY(real.wait());
    QVERIFY2(real.value->ok(), qPrintable(real.value->error().message));
    QVERIFY(eventually([&] {
        after = app(*client, QStringLiteral("web"));
        return after && after->history.size() == historyBefore + 1 && after->syncStatus == QLatin1String("Synced");
    }, 30000));
    QCOMPARE(after->history.last().initiatedBy, QStringLiteral("admin"));
    QCOMPARE(m_world->deploymentImage("gitops-demo", "web"), std::string("registry.pilothouse.dev/demo/web:8"));

    QFile f(audit.path());
    QVERIFY(f.open(QIODevice::ReadOnly));
    QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QVERIFY(lines[0].contains("dry run (nothing is changed)"));
    QVERIFY(lines[1].contains("not a dry run"));
    for (const QByteArray &l : lines)
        QCOMPARE(QJsonDocument::fromJson(l).object().value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
}

void TestArgoCdClient::simRollbackRefusedUnderAutomatedSync()
{
    QVERIFY(world());
    auto client = loggedInClient();
    QVERIFY(client);
    auto api = app(*client, QStringLiteral("api"));
    QVERIFY(api && api->automated && !api->history.isEmpty());
    QVERIFY(!rollbackRefusal(*api).isEmpty());
    QTemporaryDir dir;
    actions::AuditLog audit(dir.filePath(QStringLiteral("audit.jsonl")));
    ArgoCdActions actions(client.get(), &audit);
    Waiter<Result<void>> w;
    actions.execute(ArgoCdAction::rollback(client->serverUrl(), client->userName(), *api, api->history.first(), false, false), this, w.callback());
    QVERIFY(w.wait());
    QVERIFY(!w.value->ok());
    QCOMPARE(w.value->error().message, QStringLiteral("rollback cannot be initiated when auto-sync is enabled"));
    QFile f(audit.path());
    QVERIFY(f.open(QIODevice::ReadOnly));
    QJsonObject line = QJsonDocument::fromJson(f.readAll().trimmed()).object();
    QCOMPARE(line.value(QStringLiteral("result")).toString(), QStringLiteral("refused"));
    QCOMPARE(line.value(QStringLiteral("detail")).toString(), QStringLiteral("rollback cannot be initiated when auto-sync is enabled"));
}

void TestArgoCdClient::simRollbackToHistoryId()
{
    QVERIFY(world());
    auto client = loggedInClient();
    QVERIFY(client);
    auto web = app(*client, QStringLiteral("web"));
    QVERIFY(web && !web->automated);
    QVERIFY2(web->history.size() >= 2, "simSyncDryRunThenSync leaves two deployments");
    QCOMPARE(rollbackRefusal(*web), QString());
    const HistoryEntry first = web->history.first();
    const int historyBefore = web->history.size();
    Waiter<Result<void>> w;
    client->rollback(QStringLiteral("web"), first.id, false, false, this, w.callback());
    QVERIFY(w.wait());
    QVERIFY2(w.value->ok(), qPrintable(w.value->error().message));
    QVERIFY(eventually([&] {
        web = app(*client, QStringLiteral("web"));
        return web && web->history.size() == historyBefore + 1 && !web->operationRunning();
    }, 30000));
    QCOMPARE(web->history.last().revision, first.revision);
    QCOMPARE(m_world->deploymentImage("gitops-demo", "web"), std::string("registry.pilothouse.dev/demo/web:7"));
    // Rolled back to an older commit than git's HEAD: Argo CD reports it out of sync.
    QCOMPARE(web->syncStatus, QStringLiteral("OutOfSync"));

    Waiter<Result<void>> bad;
    client->rollback(QStringLiteral("web"), 999, false, false, this, bad.callback());
    QVERIFY(bad.wait());
    QVERIFY(!bad.value->ok());
    QVERIFY2(bad.value->error().message.contains(QStringLiteral("does not have deployment with id 999")), qPrintable(bad.value->error().message));
}

void TestArgoCdClient::simTerminateRunningOperation()
{
    QVERIFY(world());
    auto client = loggedInClient();
    QVERIFY(client);
    Waiter<Result<void>> none;
    client->terminateOperation(QStringLiteral("web"), this, none.callback());
    QVERIFY(none.wait());
    QVERIFY(!none.value->ok());
    QVERIFY2(none.value->error().message.contains(QStringLiteral("No operation is in progress")), qPrintable(none.value->error().message));

    // The world's operations stay Running for 1.5 s: terminate one while it runs.
    Waiter<Result<void>> sync;
    client->sync(QStringLiteral("web"), SyncOptions{}, this, sync.callback());
    QVERIFY(sync.wait());
    QVERIFY2(sync.value->ok(), qPrintable(sync.value->error().message));
    std::optional<ApplicationInfo> web;
    QVERIFY(eventually([&] {
        web = app(*client, QStringLiteral("web"));
        return web && web->operation.phase == QLatin1String("Running");
    }, 10000));
    QVERIFY(web->operationRunning());
    Waiter<Result<void>> term;
    client->terminateOperation(QStringLiteral("web"), this, term.callback());
    QVERIFY(term.wait());
    QVERIFY2(term.value->ok(), qPrintable(term.value->error().message));
    QVERIFY(eventually([&] {
        web = app(*client, QStringLiteral("web"));
        return web && !web->operationRunning();
    }, 30000));
    QCOMPARE(web->operation.phase, QStringLiteral("Failed"));
    QCOMPARE(web->operation.message, QStringLiteral("Operation terminated"));
}

void TestArgoCdClient::simRevokedSessionAsksToLogInAgain()
{
    QVERIFY(world());
    auto client = loggedInClient();
    QVERIFY(client);
    QSignalSpy expired(client.get(), &ArgoCdClient::sessionExpired);
    QSignalSpy listed(client.get(), &ArgoCdClient::applicationsListed);
    client->startWatching(500);
    QVERIFY(eventually([&] { return listed.count() >= 1 && client->isStreaming(); }));
    // Another client logs the same session out: every later request is a 401.
    {
        ArgoCdClient other(m_engine.get());
        QVERIFY(other.setServer(ArgoCdServer{m_world->argocdUrl(), m_world->sim->caFile(), {}, false}).ok());
        other.setSession(QStringLiteral("admin"), client->sessionToken());
        other.logout();
        QTest::qWait(500);
    }
    Waiter<Result<QList<ApplicationInfo>>> w;
    client->listApplications(this, w.callback());
    QVERIFY(w.wait());
    QCOMPARE(w.value->error().kind, ErrorKind::Unauthorized);
    QVERIFY2(w.value->error().message.startsWith(QStringLiteral("session expired, log in again")), qPrintable(w.value->error().message));
    QVERIFY2(w.value->error().message.contains(QStringLiteral("revoked")), qPrintable(w.value->error().message));
    QCOMPARE(expired.count(), 1);
    QVERIFY(!client->hasSession());
    QVERIFY(!client->isWatching());
}

QTEST_GUILESS_MAIN(TestArgoCdClient)
#include "tst_argocdclient.moc"
