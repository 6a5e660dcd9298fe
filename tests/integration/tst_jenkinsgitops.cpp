// The demo chain in pilothouse-sim with a real git daemon: storefront's pipeline triggered through
// the sim's Jenkins API builds the tag after the deployed one, its "Update GitOps tag" stage commits
// it to the manifests repository as Jenkins, Argo CD syncs that commit and the blue-green Rollout
// waits with the new image as its ready preview; a service without a manifest builds after the
// tag running in the cluster and commits nothing; a push that fails fails the build.
#include "gitdaemon.h"
#include "simprocess.h"

#include <QFile>
#include <QTest>

using namespace pilothouse::testsupport;

namespace {

const std::string kRollout = "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/storefront";
const std::string kApplication = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/storefront";
const std::string kStorefrontMain = "/job/shop/job/storefront/job/main/";
const std::string kFrontendCi = "/job/shop/job/frontend-ci/";
const std::string kImage = "registry.pilothouse.dev/shop/storefront:";

// The string at a JSON pointer ("/status/sync/status"), "" when any step is missing or of another type.
std::string str(const Json &j, const char *pointer)
{
    const Json::json_pointer p(pointer);
    return j.contains(p) && j.at(p).is_string() ? j.at(p).get<std::string>() : std::string();
}

QString defaultScenario() { return sourceDir() + QStringLiteral("/resources/scenarios/default.yaml"); }

// The sim's Jenkins as jenkins.json describes it, with the admin's API token (no crumb needed).
struct Jenkins {
    std::string user, token, caFile;
    int port = 0;

    bool load(const QString &dir)
    {
        QFile f(dir + QStringLiteral("/jenkins.json"));
        if (!f.open(QIODevice::ReadOnly))
            return false;
        const Json j = Json::parse(f.readAll().toStdString(), nullptr, false);
        if (!j.is_object())
            return false;
        const std::string url = j.value("url", "");
        user = j.value("user", "");
        token = j.value("apiToken", "");
        caFile = (dir + QStringLiteral("/jenkins-ca.pem")).toStdString();
        QFile ca(QString::fromStdString(caFile));
        if (!ca.open(QIODevice::WriteOnly))
            return false;
        ca.write(QByteArray::fromBase64(QByteArray::fromStdString(j.value("certificateAuthorityData", ""))));
        std::string hostPort = url.substr(0, url.find('/', 8));
        port = std::stoi(hostPort.substr(hostPort.rfind(':') + 1));
        return port > 0 && !token.empty();
    }

    httplib::Result call(const std::string &method, const std::string &path) const
    {
        httplib::SSLClient c("127.0.0.1", port);
        c.set_ca_cert_path(caFile.c_str());
        c.enable_server_certificate_verification(true);
        c.set_basic_auth(user.c_str(), token.c_str());
        c.set_connection_timeout(5);
        c.set_read_timeout(30);
        return method == "GET" ? c.Get(path.c_str()) : c.Post(path.c_str(), std::string(), "application/x-www-form-urlencoded");
    }
    Json get(const std::string &path) const
    {
        auto r = call("GET", path);
        return r && r->status == 200 ? Json::parse(r->body, nullptr, false) : Json();
    }
    std::string text(const std::string &path) const
    {
        auto r = call("GET", path);
        return r && r->status == 200 ? r->body : std::string();
    }

    // Triggers `job` (build or buildWithParameters) and returns the build its queue item became, -1 when none.
    int trigger(const std::string &job, const std::string &endpoint) const
    {
        auto r = call("POST", job + endpoint);
        if (!r || r->status != 201)
            return -1;
        std::string loc = r->get_header_value("Location");
        loc.pop_back();
        const std::string item = "/queue/item/" + loc.substr(loc.rfind('/') + 1) + "/api/json";
        int number = -1;
        eventually([&] {
            const Json j = get(item);
            if (j.is_object() && j.contains("executable") && j["executable"].is_object())
                number = j["executable"].value("number", -1);
            return number > 0;
        }, 30000);
        return number;
    }
    // The build's result once it finished ("" when it did not within the timeout).
    std::string result(const std::string &job, int n, int timeoutMs = 60000) const
    {
        std::string result;
        eventually([&] {
            const Json b = get(job + std::to_string(n) + "/api/json");
            if (b.is_object() && !b.value("building", true) && b["result"].is_string())
                result = b["result"].get<std::string>();
            return !result.empty();
        }, timeoutMs);
        return result;
    }
};

}  // namespace

class TestJenkinsGitops : public QObject {
    Q_OBJECT

    std::unique_ptr<GitDaemon> m_daemon;
    std::unique_ptr<SimProcess> m_sim;
    Jenkins m_jenkins;
    QString m_repo;  // the bare repository the daemon serves

    QString git(const QStringList &args) const
    {
        const GitResult r = runGit(m_repo, args);
        return r.ok() ? r.out.trimmed() : QStringLiteral("git failed: ") + r.err;
    }
    QString head() const { return git({QStringLiteral("rev-parse"), QStringLiteral("refs/heads/main")}); }
    Json rollout() const { return m_sim->get(kRollout).json(); }
    std::string templateImage() const { return str(rollout(), "/spec/template/spec/containers/0/image"); }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        m_daemon = std::make_unique<GitDaemon>();
        QVERIFY2(m_daemon->start(&error), qPrintable(error));
        m_repo = m_daemon->repoPath(QStringLiteral("deploy.git"));
        const ProcessResult written = runProcess(simBinary(), {QStringLiteral("--scenario"), defaultScenario(), QStringLiteral("--write-gitops-repo"), m_repo}, 30000);
        QVERIFY2(written.exitCode == 0, qPrintable(written.out + written.err));
        // Time scale 20: a CI pipeline's 100 s of stages in about 5 s.
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--gitops-repo"), m_daemon->url(QStringLiteral("deploy.git")),
                                                         QStringLiteral("--gitops-poll-seconds"), QStringLiteral("1"),
                                                         QStringLiteral("--time-scale"), QStringLiteral("20")} + podTimings(200, 200, 200),
                                             defaultScenario());
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        QVERIFY2(m_jenkins.load(m_sim->workDir()), "no usable jenkins.json");
        // The starting point: the app synced and healthy, 169 active.
        QVERIFY2(eventually([&] {
            const Json app = m_sim->get(kApplication).json();
            return str(app, "/status/sync/status") == "Synced" && str(app, "/status/health/status") == "Healthy" &&
                   str(rollout(), "/status/phase") == "Healthy";
        }, 40000), m_sim->get(kApplication).body.c_str());
        QCOMPARE(templateImage(), kImage + "169");
    }

    void cleanupTestCase()
    {
        m_sim.reset();
        m_daemon.reset();
    }

    // Trigger → SUCCESS → the commit by Jenkins → Argo CD syncs it → the preview waits, ready.
    void demoChain()
    {
        const QString before = head();
        const int n = m_jenkins.trigger(kStorefrontMain, "build");
        QVERIFY2(n > 0, "the trigger did not become a build");
        QCOMPARE(m_jenkins.result(kStorefrontMain, n), std::string("SUCCESS"));

        // The tag after the deployed one, built and committed.
        const std::string console = m_jenkins.text(kStorefrontMain + std::to_string(n) + "/consoleText");
        QVERIFY2(console.find("docker push " + kImage + "170") != std::string::npos, console.c_str());
        const QString subject = QStringLiteral("ci: storefront 170 (build #%1)").arg(n);
        QCOMPARE(git({QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%s"), QStringLiteral("main")}), subject);
        QCOMPARE(git({QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%an"), QStringLiteral("main")}), QStringLiteral("Jenkins"));
        QCOMPARE(git({QStringLiteral("rev-parse"), QStringLiteral("main~1")}), before);
        const QString commit = head();
        QVERIFY2(console.find("Committed 170 of shop/storefront as " + commit.left(7).toStdString()) != std::string::npos, console.c_str());
        QVERIFY2(console.find("[main " + commit.left(7).toStdString() + "] " + subject.toStdString()) != std::string::npos, console.c_str());
        // One file changed: the Rollout's image, nothing else in it.
        const QString changed = git({QStringLiteral("diff"), QStringLiteral("--name-only"), before, commit});
        QCOMPARE(changed.split(QLatin1Char('\n')).size(), 1);
        const QString diff = git({QStringLiteral("diff"), QStringLiteral("-U0"), before, commit});
        QStringList removed, added;
        for (const QString &line : diff.split(QLatin1Char('\n'))) {
            if (line.startsWith(QLatin1Char('-')) && !line.startsWith(QLatin1String("---")))
                removed << line;
            else if (line.startsWith(QLatin1Char('+')) && !line.startsWith(QLatin1String("+++")))
                added << line;
        }
        QVERIFY2(removed.size() == 1 && removed[0].endsWith(QLatin1String("image: registry.pilothouse.dev/shop/storefront:169")) &&
                     added.size() == 1 && added[0] == removed[0].mid(1).prepend(QLatin1Char('+')).replace(QLatin1String(":169"), QLatin1String(":170")),
                 qPrintable(diff));

        // Argo CD syncs the commit; the Rollout pauses with 170 as its ready preview.
        QVERIFY2(eventually([&] {
            const Json app = m_sim->get(kApplication).json();
            return str(app, "/status/sync/revision") == commit.toStdString() && str(app, "/status/sync/status") == "Synced";
        }, 30000), m_sim->get(kApplication).body.c_str());
        std::string preview;
        QVERIFY2(eventually([&] {
            const Json r = rollout();
            preview = str(r, "/status/blueGreen/previewSelector");
            if (str(r, "/spec/template/spec/containers/0/image") != kImage + "170" || str(r, "/status/phase") != "Paused" || preview.empty() ||
                preview == str(r, "/status/blueGreen/activeSelector"))
                return false;
            const Json rs = m_sim->get("/apis/apps/v1/namespaces/shop/replicasets/storefront-" + preview).json();
            if (str(rs, "/spec/template/spec/containers/0/image") != kImage + "170")
                return false;
            const Json pods = m_sim->get("/api/v1/namespaces/shop/pods?labelSelector=rollouts-pod-template-hash%3D" + preview).json();
            int ready = 0;
            if (pods.contains("items"))
                for (const auto &pod : pods["items"])
                    if (pod.contains(Json::json_pointer("/status/conditions")))
                        for (const auto &c : pod["status"]["conditions"])
                            ready += c.value("type", "") == "Ready" && c.value("status", "") == "True";
            return r.contains(Json::json_pointer("/spec/replicas")) && ready == r["spec"]["replicas"].get<int>();
        }, 40000), rollout().dump(1).c_str());
        // 169 still serves: the active Service selects the old ReplicaSet until Promote.
        const Json active = m_sim->get("/api/v1/namespaces/shop/services/storefront").json();
        QVERIFY(str(active, "/spec/selector/rollouts-pod-template-hash") != preview);
    }

    // The next build reads the repository again: 171, after the 170 it committed.
    void nextBuildFollowsTheRepository()
    {
        const int n = m_jenkins.trigger(kStorefrontMain, "build");
        QVERIFY(n > 0);
        QCOMPARE(m_jenkins.result(kStorefrontMain, n), std::string("SUCCESS"));
        QCOMPARE(git({QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%s"), QStringLiteral("main")}),
                 QStringLiteral("ci: storefront 171 (build #%1)").arg(n));
        QVERIFY(git({QStringLiteral("show"), QStringLiteral("main:apps/storefront/rollout-storefront.yaml")}).contains(QString::fromStdString(kImage + "171")));
    }

    // frontend has no manifest in the repository: its tag follows the cluster's 1.8.0, the stage
    // says so and succeeds, and nothing is committed.
    void serviceWithoutManifest()
    {
        const QString before = head();
        const int n = m_jenkins.trigger(kFrontendCi, "buildWithParameters");
        QVERIFY(n > 0);
        QCOMPARE(m_jenkins.result(kFrontendCi, n), std::string("SUCCESS"));
        const std::string console = m_jenkins.text(kFrontendCi + std::to_string(n) + "/consoleText");
        QVERIFY2(console.find("docker push registry.pilothouse.local/shop/frontend:1.8.1") != std::string::npos, console.c_str());
        QVERIFY2(console.find("No manifest of shop/frontend in " + m_daemon->url(QStringLiteral("deploy.git")).toStdString()) != std::string::npos,
                 console.c_str());
        QCOMPARE(head(), before);
    }

    // Last, as it stops the git server: a push that cannot be made fails the stage and the build.
    void aFailedPushFailsTheBuild()
    {
        m_daemon->stop();
        const int n = m_jenkins.trigger(kStorefrontMain, "build");
        QVERIFY(n > 0);
        QCOMPARE(m_jenkins.result(kStorefrontMain, n), std::string("FAILURE"));
        const std::string console = m_jenkins.text(kStorefrontMain + std::to_string(n) + "/consoleText");
        QVERIFY2(console.find("ERROR: cannot update the image of shop/storefront in " + m_daemon->url(QStringLiteral("deploy.git")).toStdString()) !=
                     std::string::npos,
                 console.c_str());
        const Json describe = m_jenkins.get(kStorefrontMain + std::to_string(n) + "/wfapi/describe");
        std::string status;
        for (const auto &stage : describe.value("stages", Json::array()))
            if (stage.value("name", "") == "Update GitOps tag")
                status = stage.value("status", "");
        QCOMPARE(status, std::string("FAILED"));
    }
};

QTEST_GUILESS_MAIN(TestJenkinsGitops)
#include "tst_jenkinsgitops.moc"
