// The simulator's Argo CD against a real git daemon: the demo repository it writes, applications
// synced from git, a pushed commit auto-synced with history and commit metadata, sessions and 401s,
// dry run, rollback, terminate, resource tree and the event stream, all over the Argo CD REST API.
#include "gitdaemon.h"
#include "simprocess.h"

#include <QFile>
#include <QTemporaryDir>
#include <QScopeGuard>
#include <QTest>

#include <atomic>
#include <thread>

using namespace pilothouse::testsupport;

namespace {

QString gitopsScenario() { return sourceDir() + QStringLiteral("/tests/data/scenarios/gitops.yaml"); }

// A minimal Argo CD REST client over cpp-httplib, trusting the simulator's CA.
class ArgoClient {
public:
    explicit ArgoClient(const SimProcess &sim) : m_sim(sim) {}

    std::unique_ptr<httplib::SSLClient> client() const
    {
        auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", m_sim.argocdPort());
        c->set_ca_cert_path(m_sim.caFile().toStdString().c_str());
        c->enable_server_certificate_verification(true);
        c->set_connection_timeout(5);
        c->set_read_timeout(30);
        return c;
    }

    HttpReply call(const std::string &method, const std::string &path, const Json &body = nullptr, const std::string &token = "use-mine") const
    {
        auto c = client();
        httplib::Headers h;
        std::string bearer = token == "use-mine" ? m_token : token;
        if (!bearer.empty())
            h.emplace("Authorization", "Bearer " + bearer);
        std::string text = body.is_null() ? std::string() : body.dump();
        httplib::Result r{nullptr, httplib::Error::Unknown};
        if (method == "GET")
            r = c->Get(path.c_str(), h);
        else if (method == "POST")
            r = c->Post(path.c_str(), h, text, "application/json");
        else if (method == "DELETE")
            r = c->Delete(path.c_str(), h);
        HttpReply reply;
        if (r) {
            reply.status = r->status;
            reply.body = r->body;
        }
        return reply;
    }

    bool login(const std::string &password = "pilothouse")
    {
        HttpReply r = call("POST", "/api/v1/session", {{"username", "admin"}, {"password", password}}, "");
        m_token = r.status == 200 ? r.json().value("token", "") : "";
        return !m_token.empty();
    }
    const std::string &token() const { return m_token; }

    Json app(const std::string &name) const { return call("GET", "/api/v1/applications/" + name).json(); }

private:
    const SimProcess &m_sim;
    std::string m_token;
};

std::string at(const Json &j, const std::string &pointer, std::string fallback = {})
{
    Json::json_pointer p(pointer);
    return j.contains(p) && j[p].is_string() ? j[p].get<std::string>() : fallback;
}

QString headOf(const QString &bareRepo)
{
    return runGit(bareRepo, {QStringLiteral("rev-parse"), QStringLiteral("main")}).out.trimmed();
}

}  // namespace

class TestSimArgoCd : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void writesTheDemoRepository();
    void applicationsFromGitAreSyncedAndHealthy();
    void sessions();
    void pushedCommitIsAutoSynced();
    void revisionMetadataFromTheCommit();
    void resourceTreeAndManagedResources();
    void streamReportsChanges();
    void dryRunChangesNothing();
    void selectiveSyncAppliesOnlyTheNamedResources();
    void pruneDeletesWhatGitNoLongerHas();
    void rollbackReappliesAnOldRevision();
    void terminateStopsARunningOperation();
    void brokenManifestIsReported();
    void passwordFromTheEnvironment();

private:
    Json deployment(const std::string &name) const
    {
        return m_sim->get("/apis/apps/v1/namespaces/gitops-demo/deployments/" + name).json();
    }
    static std::string imageOf(const Json &deploy) { return at(deploy, "/spec/template/spec/containers/0/image"); }

    std::unique_ptr<GitDaemon> m_daemon;
    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<ArgoClient> m_argo;
    QTemporaryDir m_work;
    QString m_repo;    // the bare repository the daemon serves
    QString m_clone;   // another client's work tree
};

void TestSimArgoCd::initTestCase()
{
    QString error;
    m_daemon = std::make_unique<GitDaemon>();
    QVERIFY2(m_daemon->start(&error), qPrintable(error));
    m_repo = m_daemon->repoPath(QStringLiteral("deploy.git"));
    ProcessResult written = runProcess(simBinary(), {QStringLiteral("--scenario"), gitopsScenario(), QStringLiteral("--write-gitops-repo"), m_repo,
                                                     QStringLiteral("--demo-pending-release")}, 30000);
    QVERIFY2(written.exitCode == 0, qPrintable(written.out + written.err));
    m_clone = m_work.filePath(QStringLiteral("clone"));
    m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--gitops-repo"), m_daemon->url(QStringLiteral("deploy.git")),
                                                     QStringLiteral("--gitops-poll-seconds"), QStringLiteral("1"),
                                                     QStringLiteral("--argocd-operation-ms"), QStringLiteral("1500"),
                                                     QStringLiteral("--argocd-password"), QStringLiteral("s3cret-test")},
                                         gitopsScenario());
    QVERIFY2(m_sim->start(&error), qPrintable(error));
    QVERIFY2(m_sim->argocdUrl().startsWith(QStringLiteral("https://127.0.0.1:")), qPrintable(m_sim->output()));
    m_argo = std::make_unique<ArgoClient>(*m_sim);
    QVERIFY(m_argo->login("s3cret-test"));
}

void TestSimArgoCd::cleanupTestCase()
{
    m_argo.reset();
    m_sim.reset();
    m_daemon.reset();
}

void TestSimArgoCd::writesTheDemoRepository()
{
    GitResult log = runGit(m_repo, {QStringLiteral("log"), QStringLiteral("--format=%an|%s"), QStringLiteral("main")});
    QVERIFY2(log.ok(), qPrintable(log.err));
    QStringList lines = log.out.trimmed().split(QLatin1Char('\n'));
    // Newest first: the pending release, one release per app, the first commit.
    QCOMPARE(lines, (QStringList{QStringLiteral("Jenkins|web: release 8"), QStringLiteral("Jenkins|api: release 3"),
                                 QStringLiteral("Jenkins|web: release 7"),
                                 QStringLiteral("Pilothouse Platform|Add deployment manifests for web, api")}));
    GitResult files = runGit(m_repo, {QStringLiteral("ls-tree"), QStringLiteral("-r"), QStringLiteral("--name-only"), QStringLiteral("main")});
    QCOMPARE(files.out.trimmed().split(QLatin1Char('\n')),
             (QStringList{QStringLiteral("README.md"), QStringLiteral("apps/api/deployment-api.yaml"), QStringLiteral("apps/web/configmap-web-config.yaml"),
                          QStringLiteral("apps/web/deployment-web.yaml"), QStringLiteral("apps/web/service-web.yaml")}));
    GitResult web = runGit(m_repo, {QStringLiteral("show"), QStringLiteral("main:apps/web/deployment-web.yaml")});
    QVERIFY(web.out.contains(QStringLiteral("image: registry.pilothouse.dev/demo/web:8")));
    QVERIFY(!web.out.contains(QStringLiteral("status:")));
    GitResult first = runGit(m_repo, {QStringLiteral("show"), QStringLiteral("main~3:apps/web/deployment-web.yaml")});
    QVERIFY(first.out.contains(QStringLiteral("image: registry.pilothouse.dev/demo/web:6")));
    // The ConfigMap's numeric-looking value stays a string.
    GitResult cm = runGit(m_repo, {QStringLiteral("show"), QStringLiteral("main:apps/web/configmap-web-config.yaml")});
    QVERIFY2(cm.out.contains(QStringLiteral("WORKERS: \"4\"")), qPrintable(cm.out));

    // Refused without a scenario, and over an existing repository.
    ProcessResult noScenario = runProcess(simBinary(), {QStringLiteral("--write-gitops-repo"), m_work.filePath(QStringLiteral("x.git"))}, 30000);
    QCOMPARE(noScenario.exitCode, 2);
    ProcessResult again = runProcess(simBinary(), {QStringLiteral("--scenario"), gitopsScenario(), QStringLiteral("--write-gitops-repo"), m_repo}, 30000);
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains(QStringLiteral("already exists")), qPrintable(again.err));
}

void TestSimArgoCd::applicationsFromGitAreSyncedAndHealthy()
{
    const std::string head = headOf(m_repo).toStdString();
    QVERIFY(eventually([&] {
        Json list = m_argo->call("GET", "/api/v1/applications").json();
        if (!list.contains("items") || list["items"].size() != 2)
            return false;
        for (const auto &a : list["items"])
            if (at(a, "/status/sync/status") != "Synced" || at(a, "/status/health/status") != "Healthy" || at(a, "/status/sync/revision") != head)
                return false;
        return true;
    }, 60000));
    Json web = m_argo->app("web");
    JCOMPARE(web["spec"]["source"], Json({{"path", "apps/web"}, {"repoURL", m_daemon->url(QStringLiteral("deploy.git")).toStdString()}, {"targetRevision", "HEAD"}}));
    QVERIFY(web["spec"]["syncPolicy"]["automated"].is_object());
    // The pending release (web 8) was synced automatically, once.
    QCOMPARE(imageOf(deployment("web")), std::string("registry.pilothouse.dev/demo/web:8"));
    QCOMPARE(web["status"]["history"].size(), size_t(1));
    QCOMPARE(at(web, "/status/history/0/revision"), head);
    QVERIFY(web["status"]["history"][0]["initiatedBy"]["automated"].get<bool>());
    QCOMPARE(at(web, "/status/operationState/phase"), std::string("Succeeded"));
    QCOMPARE(at(web, "/status/operationState/syncResult/revision"), head);
    QVERIFY(eventually([&] { return m_argo->app("web")["status"]["summary"]["images"] == Json::array({"registry.pilothouse.dev/demo/web:8"}); }, 15000));
    QCOMPARE(web["status"]["resources"].size(), size_t(3));
    for (const auto &r : web["status"]["resources"])
        QCOMPARE(r.value("status", ""), std::string("Synced"));
    // Synced objects carry the tracking annotation and label.
    Json live = deployment("web");
    QCOMPARE(at(live, "/metadata/annotations/argocd.argoproj.io~1tracking-id"), std::string("web:apps/Deployment:gitops-demo/web"));
    QCOMPARE(at(live, "/metadata/labels/app.kubernetes.io~1instance"), std::string("web"));
    // Unknown application: NotFound in Argo CD's error shape.
    HttpReply missing = m_argo->call("GET", "/api/v1/applications/nope");
    QCOMPARE(missing.status, 404);
    QCOMPARE(missing.json().value("code", 0), 5);
}

void TestSimArgoCd::sessions()
{
    HttpReply wrong = m_argo->call("POST", "/api/v1/session", {{"username", "admin"}, {"password", "pilothouse"}}, "");
    QCOMPARE(wrong.status, 401);
    Json body = wrong.json();
    QCOMPARE(body.value("error", ""), std::string("Invalid username or password"));
    QCOMPARE(body.value("message", ""), std::string("Invalid username or password"));
    QCOMPARE(body.value("code", 0), 16);
    QVERIFY(wrong.body.find("s3cret") == std::string::npos);
    QCOMPARE(m_argo->call("POST", "/api/v1/session", {{"username", "root"}, {"password", "s3cret-test"}}, "").status, 401);

    HttpReply anonymous = m_argo->call("GET", "/api/v1/applications", nullptr, "");
    QCOMPARE(anonymous.status, 401);
    QCOMPARE(anonymous.json().value("code", 0), 16);
    QCOMPARE(m_argo->call("GET", "/api/v1/applications/web", nullptr, "").status, 401);
    QCOMPARE(m_argo->call("POST", "/api/v1/applications/web/sync", Json::object(), "").status, 401);
    QCOMPARE(m_argo->call("GET", "/api/v1/stream/applications", nullptr, "").status, 401);
    // A token with a forged signature is refused.
    std::string forged = m_argo->token();
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    QCOMPARE(m_argo->call("GET", "/api/v1/applications", nullptr, forged).status, 401);

    HttpReply info = m_argo->call("GET", "/api/v1/session/userinfo");
    QCOMPARE(info.status, 200);
    QCOMPARE(info.json().value("username", ""), std::string("admin"));
    // Logging out revokes that token only.
    ArgoClient other(*m_sim);
    QVERIFY(other.login("s3cret-test"));
    QCOMPARE(other.call("DELETE", "/api/v1/session").status, 200);
    QCOMPARE(other.call("GET", "/api/v1/applications").status, 401);
    QCOMPARE(m_argo->call("GET", "/api/v1/applications").status, 200);
}

void TestSimArgoCd::pushedCommitIsAutoSynced()
{
    QString error;
    GitResult current = runGit(m_repo, {QStringLiteral("show"), QStringLiteral("main:apps/web/deployment-web.yaml")});
    QByteArray changed = current.out.toUtf8().replace("demo/web:8", "demo/web:9");
    QVERIFY2(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_clone, {{QStringLiteral("apps/web/deployment-web.yaml"), changed}},
                           QStringLiteral("web: release 9"), &error),
             qPrintable(error));
    const std::string sha = headOf(m_repo).toStdString();
    // Seen out of sync with the new revision while the automated sync runs, then synced to it.
    QVERIFY(eventually([&] {
        Json web = m_argo->app("web");
        return at(web, "/status/sync/revision") == sha && at(web, "/status/sync/status") == "OutOfSync";
    }, 20000));
    QVERIFY(eventually([&] {
        Json web = m_argo->app("web");
        return at(web, "/status/sync/status") == "Synced" && web["status"]["history"].size() == 2;
    }, 20000));
    Json web = m_argo->app("web");
    QCOMPARE(at(web, "/status/history/1/revision"), sha);
    QCOMPARE(web["status"]["history"][1].value("id", -1), 1);
    QCOMPARE(imageOf(deployment("web")), std::string("registry.pilothouse.dev/demo/web:9"));
    QVERIFY(eventually([&] { return at(m_argo->app("web"), "/status/health/status") == "Healthy"; }, 30000));
}

void TestSimArgoCd::revisionMetadataFromTheCommit()
{
    const std::string sha = headOf(m_repo).toStdString();
    HttpReply meta = m_argo->call("GET", "/api/v1/applications/web/revisions/" + sha + "/metadata");
    QCOMPARE(meta.status, 200);
    Json m = meta.json();
    QCOMPARE(m.value("author", ""), std::string("Test Fixture <fixture@pilothouse.test>"));
    QCOMPARE(m.value("message", ""), std::string("web: release 9\n"));
    QVERIFY(!m.value("date", "").empty());
    QVERIFY(m["tags"].is_array());
    // An annotated tag on the commit is listed.
    QVERIFY(runGit(m_clone, {QStringLiteral("tag"), QStringLiteral("-a"), QStringLiteral("v9"), QStringLiteral("-m"), QStringLiteral("v9")}).ok());
    QVERIFY(runGit(m_clone, {QStringLiteral("push"), QStringLiteral("-q"), QStringLiteral("origin"), QStringLiteral("v9")}).ok());
    QVERIFY(eventually([&] {
        Json t = m_argo->call("GET", "/api/v1/applications/web/revisions/" + sha + "/metadata").json();
        return t["tags"] == Json::array({"v9"});
    }, 15000));
    // The Jenkins commit of the demo history.
    std::string first = runGit(m_repo, {QStringLiteral("rev-parse"), QStringLiteral("main~4")}).out.trimmed().toStdString();
    Json older = m_argo->call("GET", "/api/v1/applications/web/revisions/" + first + "/metadata").json();
    QCOMPARE(older.value("author", ""), std::string("Pilothouse Platform <platform@pilothouse.dev>"));
    QCOMPARE(m_argo->call("GET", "/api/v1/applications/web/revisions/0123456789abcdef0123456789abcdef01234567/metadata").status, 404);
}

void TestSimArgoCd::resourceTreeAndManagedResources()
{
    QVERIFY(eventually([&] {
        Json tree = m_argo->call("GET", "/api/v1/applications/web/resource-tree").json();
        int pods = 0, healthy = 0;  // the old revision's pods gone, the new ones ready
        for (const auto &n : tree.value("nodes", Json::array())) {
            pods += n.value("kind", "") == "Pod" ? 1 : 0;
            healthy += n.value("kind", "") == "Pod" && at(n, "/health/status") == "Healthy" ? 1 : 0;
        }
        return pods == 2 && healthy == 2;
    }, 30000));
    Json tree = m_argo->call("GET", "/api/v1/applications/web/resource-tree").json();
    std::map<std::string, Json> byUid;
    for (const auto &n : tree["nodes"])
        byUid[n.value("uid", "")] = n;
    int podsUnderTheDeployment = 0;
    for (const auto &n : tree["nodes"]) {
        if (n.value("kind", "") != "Pod")
            continue;
        JCOMPARE(n["images"], Json::array({"registry.pilothouse.dev/demo/web:9"}));
        const Json &rsRef = n["parentRefs"][0];
        QCOMPARE(rsRef.value("kind", ""), std::string("ReplicaSet"));
        const Json &rs = byUid[rsRef.value("uid", "")];
        QCOMPARE(rs.value("kind", ""), std::string("ReplicaSet"));
        const Json &depRef = rs["parentRefs"][0];
        QCOMPARE(depRef.value("kind", ""), std::string("Deployment"));
        QCOMPARE(depRef.value("name", ""), std::string("web"));
        QCOMPARE(byUid[depRef.value("uid", "")].value("group", ""), std::string("apps"));
        ++podsUnderTheDeployment;
    }
    QCOMPARE(podsUnderTheDeployment, 2);

    Json managed = m_argo->call("GET", "/api/v1/applications/web/managed-resources").json();
    QCOMPARE(managed["items"].size(), size_t(3));
    for (const auto &item : managed["items"]) {
        Json target = Json::parse(item.value("targetState", "null"));
        Json live = Json::parse(item.value("liveState", "null"));
        QCOMPARE(at(target, "/metadata/name"), item.value("name", ""));
        QCOMPARE(at(live, "/metadata/name"), item.value("name", ""));
    }
}

void TestSimArgoCd::streamReportsChanges()
{
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::vector<Json> events;
    std::string buffer;
    auto client = m_argo->client();
    std::thread reader([&] {
        httplib::Headers h{{"Authorization", "Bearer " + m_argo->token()}};
        client->Get("/api/v1/stream/applications?name=api", h, [&](const char *data, size_t len) {
            std::lock_guard lock(mutex);
            buffer.append(data, len);
            size_t end;
            while ((end = buffer.find("\n\n")) != std::string::npos) {
                std::string event = buffer.substr(0, end);
                buffer.erase(0, end + 2);
                if (event.rfind("data: ", 0) == 0)
                    events.push_back(Json::parse(event.substr(6), nullptr, false));
            }
            return !stop.load();
        });
    });
    auto seen = [&](const std::function<bool(const Json &)> &pred) {
        std::lock_guard lock(mutex);
        return std::any_of(events.begin(), events.end(), pred);
    };
    QVERIFY(eventually([&] { return seen([](const Json &e) { return at(e, "/result/type") == "ADDED" && at(e, "/result/application/metadata/name") == "api"; }); }, 10000));
    QCOMPARE(m_argo->call("POST", "/api/v1/applications/api/sync", {{"dryRun", true}}).status, 200);
    QVERIFY(eventually([&] {
        return seen([](const Json &e) { return at(e, "/result/type") == "MODIFIED" && at(e, "/result/application/status/operationState/phase") == "Running"; });
    }, 10000));
    QVERIFY(eventually([&] { return seen([](const Json &e) { return at(e, "/result/application/status/operationState/phase") == "Succeeded" &&
                                                                     at(e, "/result/application/status/operationState/message") == "successfully synced (dry run)"; }); }, 10000));
    {
        std::lock_guard lock(mutex);
        for (const auto &e : events)
            QCOMPARE(at(e, "/result/application/metadata/name"), std::string("api"));
    }
    stop = true;
    client->stop();
    reader.join();
}

void TestSimArgoCd::dryRunChangesNothing()
{
    // Drift: someone changes web's image by hand (no self-heal, so it stays).
    HttpReply patched = m_sim->request("PATCH", "/apis/apps/v1/namespaces/gitops-demo/deployments/web",
                                       R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"registry.pilothouse.dev/demo/web:hotfix"}]}}}})",
                                       "application/strategic-merge-patch+json");
    QCOMPARE(patched.status, 200);
    QVERIFY(eventually([&] { return at(m_argo->app("web"), "/status/sync/status") == "OutOfSync"; }, 10000));
    Json before = m_argo->app("web");
    const long long generation = deployment("web")["metadata"].value("generation", 0LL);
    HttpReply answer = m_argo->call("POST", "/api/v1/applications/web/sync", {{"dryRun", true}, {"prune", true}});
    QCOMPARE(answer.status, 200);
    QCOMPARE(at(answer.json(), "/metadata/name"), std::string("web"));
    QVERIFY(answer.json()["operation"]["sync"]["dryRun"].get<bool>());
    // A second operation while one runs is refused.
    HttpReply busy = m_argo->call("POST", "/api/v1/applications/web/sync", Json::object());
    QCOMPARE(busy.status, 400);
    QCOMPARE(busy.json().value("message", ""), std::string("another operation is already in progress"));
    QVERIFY(eventually([&] { return at(m_argo->app("web"), "/status/operationState/message") == "successfully synced (dry run)"; }, 15000));
    Json after = m_argo->app("web");
    JCOMPARE(after["status"]["history"], before["status"]["history"]);
    QCOMPARE(deployment("web")["metadata"].value("generation", 0LL), generation);  // no spec write
    QCOMPARE(imageOf(deployment("web")), std::string("registry.pilothouse.dev/demo/web:hotfix"));
    QCOMPARE(at(after, "/status/sync/status"), std::string("OutOfSync"));

    // The real sync puts git's image back and records history.
    QCOMPARE(m_argo->call("POST", "/api/v1/applications/web/sync", Json::object()).status, 200);
    QVERIFY(eventually([&] { return m_argo->app("web")["status"]["history"].size() == 3; }, 15000));
    QCOMPARE(imageOf(deployment("web")), std::string("registry.pilothouse.dev/demo/web:9"));
    QVERIFY(eventually([&] { return at(m_argo->app("web"), "/status/sync/status") == "Synced"; }, 10000));
}

void TestSimArgoCd::selectiveSyncAppliesOnlyTheNamedResources()
{
    QCOMPARE(m_sim->request("PATCH", "/apis/apps/v1/namespaces/gitops-demo/deployments/web",
                            R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"registry.pilothouse.dev/demo/web:hotfix2"}]}}}})",
                            "application/strategic-merge-patch+json").status, 200);
    QCOMPARE(m_sim->request("PATCH", "/api/v1/namespaces/gitops-demo/configmaps/web-config", R"({"data":{"GREETING":"changed by hand"}})",
                            "application/merge-patch+json").status, 200);
    QVERIFY2(eventually([&] {
        int outOfSync = 0;
        const Json web = m_argo->app("web");
        for (const auto &r : web["status"]["resources"])
            outOfSync += r.value("status", "") == "OutOfSync" ? 1 : 0;
        return outOfSync == 2;
    }, 10000), m_argo->app("web")["status"]["resources"].dump().c_str());
    size_t historyBefore = m_argo->app("web")["status"]["history"].size();
    Json request = {{"resources", {{{"group", ""}, {"kind", "ConfigMap"}, {"name", "web-config"}, {"namespace", "gitops-demo"}}}}};
    QCOMPARE(m_argo->call("POST", "/api/v1/applications/web/sync", request).status, 200);
    QVERIFY(eventually([&] { return m_argo->app("web")["status"]["history"].size() == historyBefore + 1; }, 15000));
    Json web = m_argo->app("web");
    QCOMPARE(web["status"]["operationState"]["syncResult"]["resources"].size(), size_t(1));
    QCOMPARE(at(web, "/status/operationState/syncResult/resources/0/kind"), std::string("ConfigMap"));
    Json cm = m_sim->get("/api/v1/namespaces/gitops-demo/configmaps/web-config").json();
    QCOMPARE(at(cm, "/data/GREETING"), std::string("hello"));
    QCOMPARE(imageOf(deployment("web")), std::string("registry.pilothouse.dev/demo/web:hotfix2"));
    QVERIFY(eventually([&] { return at(m_argo->app("web"), "/status/sync/status") == "OutOfSync"; }, 10000));
}

void TestSimArgoCd::pruneDeletesWhatGitNoLongerHas()
{
    // Another client deletes the ConfigMap's manifest; web's automated sync prunes.
    QVERIFY(runGit(m_clone, {QStringLiteral("pull"), QStringLiteral("-q"), QStringLiteral("--ff-only"), QStringLiteral("origin"), QStringLiteral("main")}).ok());
    QVERIFY(runGit(m_clone, {QStringLiteral("rm"), QStringLiteral("-q"), QStringLiteral("apps/web/configmap-web-config.yaml")}).ok());
    QVERIFY(runGit(m_clone, {QStringLiteral("commit"), QStringLiteral("-q"), QStringLiteral("-m"), QStringLiteral("web: drop its config map")}).ok());
    GitResult pushed = runGit(m_clone, {QStringLiteral("push"), QStringLiteral("-q"), QStringLiteral("origin"), QStringLiteral("HEAD:refs/heads/main")});
    QVERIFY2(pushed.ok(), qPrintable(pushed.err));
    const std::string sha = headOf(m_repo).toStdString();
    QVERIFY2(eventually([&] { return m_sim->get("/api/v1/namespaces/gitops-demo/configmaps/web-config").status == 404; }, 20000),
             m_argo->app("web")["status"]["operationState"].dump().c_str());
    QVERIFY(eventually([&] { return at(m_argo->app("web"), "/status/history/" + std::to_string(m_argo->app("web")["status"]["history"].size() - 1) + "/revision") == sha; }, 10000));
    Json web = m_argo->app("web");
    bool pruned = false;
    for (const auto &r : web["status"]["operationState"]["syncResult"]["resources"])
        pruned = pruned || (r.value("kind", "") == "ConfigMap" && r.value("status", "") == "Pruned");
    QVERIFY2(pruned, web["status"]["operationState"].dump().c_str());
    // The sync to the new revision also put git's image back.
    QCOMPARE(imageOf(deployment("web")), std::string("registry.pilothouse.dev/demo/web:9"));
    QVERIFY(eventually([&] {
        Json a = m_argo->app("web");
        return at(a, "/status/sync/status") == "Synced" && a["status"]["resources"].size() == 2;
    }, 10000));
}

void TestSimArgoCd::rollbackReappliesAnOldRevision()
{
    // Refused while automated sync is on, as Argo CD does.
    HttpReply refused = m_argo->call("POST", "/api/v1/applications/web/rollback", {{"id", 0}});
    QCOMPARE(refused.status, 400);
    QCOMPARE(refused.json().value("message", ""), std::string("rollback cannot be initiated when auto-sync is enabled"));
    QCOMPARE(refused.json().value("code", 0), 9);

    // api without automated sync (argocd app set api --sync-policy none).
    QCOMPARE(m_sim->request("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/api", R"({"spec":{"syncPolicy":null}})",
                            "application/merge-patch+json").status, 200);
    QVERIFY(eventually([&] { return at(m_argo->app("api"), "/status/sync/status") == "Synced"; }, 10000));
    const std::string oldSha = at(m_argo->app("api")["status"]["history"].back(), "/revision");  // the revision api:3 was deployed from
    QString error;
    GitResult current = runGit(m_repo, {QStringLiteral("show"), QStringLiteral("main:apps/api/deployment-api.yaml")});
    QVERIFY2(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_clone,
                           {{QStringLiteral("apps/api/deployment-api.yaml"), current.out.toUtf8().replace("demo/api:3", "demo/api:4")}},
                           QStringLiteral("api: release 4"), &error),
             qPrintable(error));
    const std::string newSha = headOf(m_repo).toStdString();
    // Not automated: out of sync, and it stays so.
    QVERIFY(eventually([&] { Json a = m_argo->app("api"); return at(a, "/status/sync/revision") == newSha && at(a, "/status/sync/status") == "OutOfSync"; }, 15000));
    QTest::qWait(2500);
    QCOMPARE(imageOf(deployment("api")), std::string("registry.pilothouse.dev/demo/api:3"));
    size_t historyBefore = m_argo->app("api")["status"]["history"].size();

    QCOMPARE(m_argo->call("POST", "/api/v1/applications/api/sync", {{"revision", "HEAD"}}).status, 200);
    QVERIFY(eventually([&] { return m_argo->app("api")["status"]["history"].size() == historyBefore + 1; }, 15000));
    QCOMPARE(imageOf(deployment("api")), std::string("registry.pilothouse.dev/demo/api:4"));
    Json api = m_argo->app("api");
    QCOMPARE(at(api["status"]["history"].back(), "/revision"), newSha);
    QCOMPARE(at(api["status"]["history"].back(), "/initiatedBy/username"), std::string("admin"));
    long long oldId = -1;
    for (const auto &h : api["status"]["history"])
        if (h.value("revision", "") == oldSha)
            oldId = h.value("id", -1LL);
    QVERIFY(oldId >= 0);

    HttpReply noSuchId = m_argo->call("POST", "/api/v1/applications/api/rollback", {{"id", 42}});
    QCOMPARE(noSuchId.status, 400);
    QCOMPARE(noSuchId.json().value("message", ""), std::string("application api does not have deployment with id 42"));

    HttpReply rolled = m_argo->call("POST", "/api/v1/applications/api/rollback", {{"id", std::to_string(oldId)}, {"prune", false}});
    QCOMPARE(rolled.status, 200);
    QCOMPARE(at(rolled.json(), "/operation/sync/revision"), oldSha);
    QVERIFY(eventually([&] { return m_argo->app("api")["status"]["history"].size() == historyBefore + 2; }, 15000));
    QCOMPARE(imageOf(deployment("api")), std::string("registry.pilothouse.dev/demo/api:3"));
    api = m_argo->app("api");
    QCOMPARE(at(api["status"]["history"].back(), "/revision"), oldSha);
    QCOMPARE(at(api, "/status/operationState/syncResult/revision"), oldSha);
    // Git still says api:4: the rolled-back application is out of sync with its target.
    QVERIFY(eventually([&] { return at(m_argo->app("api"), "/status/sync/status") == "OutOfSync"; }, 10000));
}

void TestSimArgoCd::terminateStopsARunningOperation()
{
    HttpReply nothing = m_argo->call("DELETE", "/api/v1/applications/api/operation");
    QCOMPARE(nothing.status, 400);
    QCOMPARE(nothing.json().value("message", ""), std::string("Unable to terminate operation. No operation is in progress"));

    size_t historyBefore = m_argo->app("api")["status"]["history"].size();
    QCOMPARE(m_argo->call("POST", "/api/v1/applications/api/sync", Json::object()).status, 200);
    QVERIFY(eventually([&] { return at(m_argo->app("api"), "/status/operationState/phase") == "Running"; }, 5000));
    HttpReply terminated = m_argo->call("DELETE", "/api/v1/applications/api/operation");
    QCOMPARE(terminated.status, 200);
    JCOMPARE(terminated.json(), Json::object());
    QVERIFY(eventually([&] { return at(m_argo->app("api"), "/status/operationState/phase") == "Failed"; }, 10000));
    Json api = m_argo->app("api");
    QCOMPARE(at(api, "/status/operationState/message"), std::string("Operation terminated"));
    QVERIFY(!at(api, "/status/operationState/finishedAt").empty());
    QVERIFY(!api.contains("operation"));
    QTest::qWait(2000);  // longer than the operation would have run
    QCOMPARE(m_argo->app("api")["status"]["history"].size(), historyBefore);
    QCOMPARE(imageOf(deployment("api")), std::string("registry.pilothouse.dev/demo/api:3"));
}

void TestSimArgoCd::brokenManifestIsReported()
{
    QString error;
    QVERIFY2(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_clone,
                           {{QStringLiteral("apps/api/broken.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n"}},
                           QStringLiteral("api: a broken manifest"), &error),
             qPrintable(error));
    QVERIFY2(eventually([&] { return at(m_argo->app("api"), "/status/sync/status") == "Unknown"; }, 15000),
             m_argo->app("api")["status"].dump().c_str());
    Json api = m_argo->app("api");
    QCOMPARE(at(api, "/status/conditions/0/type"), std::string("ComparisonError"));
    const std::string message = at(api, "/status/conditions/0/message");
    QVERIFY2(message.find("apps/api/broken.yaml:") != std::string::npos, message.c_str());
    // A sync of it fails with the same reason and changes nothing.
    size_t historyBefore = api["status"]["history"].size();
    QCOMPARE(m_argo->call("POST", "/api/v1/applications/api/sync", Json::object()).status, 200);
    QVERIFY2(eventually([&] {
        Json a = m_argo->app("api");
        return at(a, "/status/operationState/phase") == "Failed" && at(a, "/status/operationState/message").find("apps/api/broken.yaml:") != std::string::npos;
    }, 15000), m_argo->app("api")["status"]["operationState"].dump().c_str());
    api = m_argo->app("api");
    QCOMPARE(api["status"]["history"].size(), historyBefore);
    // Malformed requests are refused with a message.
    auto c = m_argo->client();
    auto bad = c->Post("/api/v1/applications/api/sync", {{"Authorization", "Bearer " + m_argo->token()}}, "{not json", "application/json");
    QVERIFY(bad);
    QCOMPARE(bad->status, 400);
    QCOMPARE(Json::parse(bad->body).value("message", ""), std::string("the request body is not a JSON object"));
}

void TestSimArgoCd::passwordFromTheEnvironment()
{
    // PILOTHOUSE_ARGOCD_PASSWORD keeps the password off the command line; the flag still wins.
    qputenv("PILOTHOUSE_ARGOCD_PASSWORD", "from-the-env");
    const auto unset = qScopeGuard([] { qunsetenv("PILOTHOUSE_ARGOCD_PASSWORD"); });
    SimProcess fromEnv(QStringList{QStringLiteral("--argocd-port"), QStringLiteral("0")}, gitopsScenario());
    SimProcess flagWins(QStringList{QStringLiteral("--argocd-port"), QStringLiteral("0"), QStringLiteral("--argocd-password"), QStringLiteral("from-the-flag")},
                        gitopsScenario());
    QString error;
    QVERIFY2(fromEnv.start(&error), qPrintable(error));
    QVERIFY2(flagWins.start(&error), qPrintable(error));
    ArgoClient env(fromEnv);
    QVERIFY(!env.login("pilothouse"));
    QVERIFY(env.login("from-the-env"));
    ArgoClient flag(flagWins);
    QVERIFY(!flag.login("from-the-env"));
    QVERIFY(flag.login("from-the-flag"));
}

QTEST_GUILESS_MAIN(TestSimArgoCd)
#include "tst_simargocd.moc"
