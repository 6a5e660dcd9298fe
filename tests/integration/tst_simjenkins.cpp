// The simulator's Jenkins over raw HTTP, as a Jenkins client meets it: Basic authentication (401,
// 403), the crumb and its session cookie, tree= queries over folders and a multibranch project,
// a trigger with parameters through the queue to a build that runs its stages to the end, the
// progressive console followed to the last byte, 303 for an identical queued item, stop, the
// approval input (proceed with a parameter, abort) and a trigger whose answer is lost.
#include "simprocess.h"

#include <QFile>
#include <QTest>

#include <set>

using namespace pilothouse::testsupport;

namespace {

enum class Auth { Token, Password, Anonymous, WrongPassword, Viewer };

struct Reply {
    int status = 0;  // 0: no answer
    std::string body;
    httplib::Headers headers;
    std::string header(const std::string &name) const
    {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    Json json() const
    {
        Json j = Json::parse(body, nullptr, false);
        return j.is_discarded() ? Json() : j;
    }
};

// Jenkins' connection from the jenkins.json the simulator writes beside the kubeconfig.
class JenkinsClient {
public:
    bool load(const QString &dir, QString *error)
    {
        QFile f(dir + QStringLiteral("/jenkins.json"));
        if (!f.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("no jenkins.json beside the kubeconfig");
            return false;
        }
        Json j = Json::parse(f.readAll().toStdString(), nullptr, false);
        if (!j.is_object()) {
            *error = QStringLiteral("jenkins.json is not JSON");
            return false;
        }
        url = j.value("url", "");
        user = j.value("user", "");
        token = j.value("apiToken", "");
        password = j.value("password", "");
        viewerToken = j["viewer"].value("apiToken", "");
        caFile = (dir + QStringLiteral("/jenkins-ca.pem")).toStdString();
        QFile ca(QString::fromStdString(caFile));
        ca.open(QIODevice::WriteOnly);
        ca.write(QByteArray::fromBase64(QByteArray::fromStdString(j.value("certificateAuthorityData", ""))));
        port = std::stoi(url.substr(url.rfind(':') + 1));
        return !url.empty() && !token.empty();
    }

    Reply call(const std::string &method, const std::string &path, Auth auth = Auth::Token, const std::string &form = {},
               const httplib::Headers &extra = {}) const
    {
        httplib::SSLClient c("127.0.0.1", port);
        c.set_ca_cert_path(caFile.c_str());
        c.enable_server_certificate_verification(true);
        c.set_connection_timeout(5);
        c.set_read_timeout(30);
        switch (auth) {
        case Auth::Token: c.set_basic_auth(user.c_str(), token.c_str()); break;
        case Auth::Password: c.set_basic_auth(user.c_str(), password.c_str()); break;
        case Auth::WrongPassword: c.set_basic_auth(user.c_str(), "not-the-password"); break;
        case Auth::Viewer: c.set_basic_auth("viewer", viewerToken.c_str()); break;
        case Auth::Anonymous: break;
        }
        httplib::Result r = method == "GET" ? c.Get(path.c_str(), extra)
                                            : c.Post(path.c_str(), extra, form, "application/x-www-form-urlencoded");
        Reply reply;
        if (r) {
            reply.status = r->status;
            reply.body = r->body;
            reply.headers = r->headers;
        }
        return reply;
    }
    Json get(const std::string &path) const { return call("GET", path).json(); }
    Reply post(const std::string &path, const std::string &form = {}) const { return call("POST", path, Auth::Token, form); }

    std::string url, user, token, password, viewerToken, caFile;
    int port = 0;
};

std::string encode(const std::string &s) { return httplib::detail::encode_query_param(s); }

long long queueIdOf(const Reply &r)
{
    const std::string loc = r.header("Location");
    if (loc.size() < 2 || loc.back() != '/')
        return -1;
    const std::string trimmed = loc.substr(0, loc.size() - 1);
    return std::stoll(trimmed.substr(trimmed.rfind('/') + 1));
}

const std::string kCi = "/job/shop/job/frontend-ci/";
const std::string kDeploy = "/job/cafe/job/releases/job/deploy-orders/";

}  // namespace

class TestSimJenkins : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    JenkinsClient m_jenkins;

    // The build a queue item became (waits for it); -1 when it never started.
    int buildOf(long long queueId)
    {
        int number = -1;
        eventually([&] {
            Json item = m_jenkins.get("/queue/item/" + std::to_string(queueId) + "/api/json");
            if (item.contains("executable") && item["executable"].is_object())
                number = item["executable"]["number"].get<int>();
            return number > 0;
        });
        return number;
    }
    // Triggers with parameters and returns the build number.
    int trigger(const std::string &job, const std::string &query)
    {
        Reply r = m_jenkins.post(job + "buildWithParameters?" + query);
        if (r.status != 201)
            return -1;
        return buildOf(queueIdOf(r));
    }
    Json build(const std::string &job, int n) { return m_jenkins.get(job + std::to_string(n) + "/api/json"); }
    bool finished(const std::string &job, int n, int timeoutMs = 60000)
    {
        return eventually([&] { return build(job, n).value("building", true) == false; }, timeoutMs);
    }
    Json describe(const std::string &job, int n) { return m_jenkins.get(job + std::to_string(n) + "/wfapi/describe"); }
    static Json stage(const Json &describe, const std::string &name)
    {
        for (const auto &s : describe["stages"])
            if (s.value("name", "") == name)
                return s;
        return Json::object();  // not (yet) there
    }
    static std::string param(const Json &build, const std::string &name)
    {
        for (const auto &a : build["actions"])
            if (a.value("_class", "") == "hudson.model.ParametersAction")
                for (const auto &p : a["parameters"])
                    if (p.value("name", "") == name)
                        return p["value"].is_string() ? p["value"].get<std::string>() : p["value"].dump();
        return {};
    }
    // The builds of a job whose GIT_REF is `ref`.
    int buildsWithRef(const std::string &job, const std::string &ref)
    {
        Json j = m_jenkins.get(job + "api/json?tree=builds[number,actions[parameters[name,value]]]");
        int n = 0;
        for (const auto &b : j["builds"])
            if (param(b, "GIT_REF") == ref)
                ++n;
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        // Ten times faster: a CI build takes about ten seconds, the deploy pipeline reaches its
        // approval in about three.
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--time-scale"), QStringLiteral("10")});
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        QVERIFY2(m_jenkins.load(m_sim->workDir(), &error), qPrintable(error));
        QVERIFY2(m_sim->output().contains(QString::fromStdString("serving the Jenkins API at " + m_jenkins.url)), qPrintable(m_sim->output()));
        QVERIFY(m_sim->output().contains(QString::fromStdString("API token " + m_jenkins.token)));
    }
    void cleanupTestCase() { m_sim.reset(); }

    void authentication()
    {
        Reply anonymous = m_jenkins.call("GET", "/api/json", Auth::Anonymous);
        QCOMPARE(anonymous.status, 403);
        QCOMPARE(anonymous.header("X-Jenkins"), std::string("2.426.3"));
        Reply wrong = m_jenkins.call("GET", "/api/json", Auth::WrongPassword);
        QCOMPARE(wrong.status, 401);
        QCOMPARE(wrong.header("WWW-Authenticate"), std::string("Basic realm=\"Jenkins\""));
        Reply root = m_jenkins.call("GET", "/api/json");
        QCOMPARE(root.status, 200);
        QCOMPARE(root.header("X-Jenkins"), std::string("2.426.3"));
        QCOMPARE(root.json().value("_class", ""), std::string("hudson.model.Hudson"));
        Json me = m_jenkins.get("/me/api/json");
        QCOMPARE(me.value("id", ""), std::string("admin"));
        QCOMPARE(me.value("_class", ""), std::string("hudson.model.User"));
        QCOMPARE(m_jenkins.call("GET", "/me/api/json", Auth::Password).status, 200);
        Json computers = m_jenkins.get("/computer/api/json");
        QCOMPARE(computers.value("_class", ""), std::string("hudson.model.ComputerSet"));
        QVERIFY(computers.value("totalExecutors", 0) > 0);
        // The viewer reads but may not build.
        QCOMPARE(m_jenkins.call("GET", kCi + "api/json", Auth::Viewer).status, 200);
        QCOMPARE(m_jenkins.call("POST", kCi + "buildWithParameters?GIT_REF=viewer", Auth::Viewer).status, 403);
    }

    void crumbs()
    {
        const std::string path = kCi + "buildWithParameters?delay=600sec&GIT_REF=crumb-";
        // A password session's POST needs the crumb, and the crumb needs its session cookie.
        Reply none = m_jenkins.call("POST", path + "1", Auth::Password);
        QCOMPARE(none.status, 403);
        QVERIFY2(none.body.find("No valid crumb was included in the request") != std::string::npos, none.body.c_str());
        Reply issued = m_jenkins.call("GET", "/crumbIssuer/api/json", Auth::Password);
        QCOMPARE(issued.status, 200);
        Json crumb = issued.json();
        QCOMPARE(crumb.value("_class", ""), std::string("hudson.security.csrf.DefaultCrumbIssuer"));
        QCOMPARE(crumb.value("crumbRequestField", ""), std::string("Jenkins-Crumb"));
        const std::string cookie = issued.header("Set-Cookie").substr(0, issued.header("Set-Cookie").find(';'));
        QVERIFY2(cookie.rfind("JSESSIONID.", 0) == 0, cookie.c_str());
        httplib::Headers withCrumb{{"Jenkins-Crumb", crumb.value("crumb", "")}};
        QCOMPARE(m_jenkins.call("POST", path + "2", Auth::Password, {}, withCrumb).status, 403);  // no session cookie
        httplib::Headers wrongCrumb{{"Jenkins-Crumb", "0123"}, {"Cookie", cookie}};
        QCOMPARE(m_jenkins.call("POST", path + "3", Auth::Password, {}, wrongCrumb).status, 403);
        httplib::Headers both{{"Jenkins-Crumb", crumb.value("crumb", "")}, {"Cookie", cookie}};
        Reply ok = m_jenkins.call("POST", path + "4", Auth::Password, {}, both);
        QCOMPARE(ok.status, 201);
        // The crumb as a form field works too.
        Reply form = m_jenkins.call("POST", kCi + "buildWithParameters", Auth::Password,
                                    "delay=600sec&GIT_REF=crumb-5&Jenkins-Crumb=" + crumb.value("crumb", ""), {{"Cookie", cookie}});
        QCOMPARE(form.status, 201);
        // An API token is exempt.
        Reply token = m_jenkins.post(path + "6");
        QCOMPARE(token.status, 201);
        for (const Reply *r : {&ok, &form, &token})
            QCOMPARE(m_jenkins.post("/queue/cancelItem?id=" + std::to_string(queueIdOf(*r))).status, 204);
        QCOMPARE(m_jenkins.get("/queue/api/json")["items"].size(), size_t(0));
    }

    void jobTree()
    {
        Json root = m_jenkins.get("/api/json?tree=" + encode("jobs[name,url,color,jobs[name,url,color,jobs[name,color]]]"));
        std::map<std::string, Json> top;
        for (const auto &j : root["jobs"])
            top[j.value("name", "")] = j;
        QCOMPARE(top["shop"].value("_class", ""), std::string("com.cloudbees.hudson.plugins.folder.Folder"));
        QVERIFY(!top["shop"].contains("color"));
        std::map<std::string, Json> shop;
        for (const auto &j : top["shop"]["jobs"])
            shop[j.value("name", "")] = j;
        QCOMPARE(shop["frontend-ci"].value("_class", ""), std::string("org.jenkinsci.plugins.workflow.job.WorkflowJob"));
        QCOMPARE(shop["paymentservice-ci"].value("color", ""), std::string("red"));
        QCOMPARE(shop["recommendationservice-ci"].value("color", ""), std::string("yellow"));
        QCOMPARE(shop["storefront"].value("_class", ""), std::string("org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"));
        std::set<std::string> branches;
        for (const auto &b : shop["storefront"]["jobs"])
            branches.insert(b.value("name", ""));
        QVERIFY(branches.count("main"));
        QVERIFY(branches.count("feature%2Fcheckout"));
        // The nested folder cafe/releases, and the level past the tree: objects with only _class.
        Json cafe;
        for (const auto &j : top["cafe"]["jobs"])
            if (j.value("name", "") == "releases")
                cafe = j;
        QCOMPARE(cafe.value("_class", ""), std::string("com.cloudbees.hudson.plugins.folder.Folder"));
        QCOMPARE(cafe["jobs"][0].value("name", ""), std::string("deploy-orders"));
        Json shallow = m_jenkins.get("/api/json?tree=jobs[name,jobs]");
        QVERIFY(!shallow["jobs"][0]["jobs"][0].contains("name"));
        QVERIFY(shallow["jobs"][0]["jobs"][0].contains("_class"));
        // Ranges.
        Json ranged = m_jenkins.get("/job/shop/api/json?tree=" + encode("jobs[name]{1,3}"));
        QCOMPARE(ranged["jobs"].size(), size_t(2));
        QCOMPARE(ranged["jobs"][0].value("name", ""), top["shop"]["jobs"][1].value("name", ""));
        // A branch job by its encoded name, twice encoded on the wire.
        Reply branch = m_jenkins.call("GET", "/job/shop/job/storefront/job/feature%252Fcheckout/api/json");
        QCOMPARE(branch.status, 200);
        QCOMPARE(branch.json().value("displayName", ""), std::string("feature/checkout"));
        QCOMPARE(branch.json().value("fullName", ""), std::string("shop/storefront/feature%2Fcheckout"));
        QVERIFY(branch.json().value("url", "").find("/job/feature%252Fcheckout/") != std::string::npos);
        // Past builds, and the same console every time it is read.
        Json job = m_jenkins.get(kCi + "api/json");
        QVERIFY(job["builds"].size() >= 5);
        QCOMPARE(job.value("color", ""), std::string("blue"));
        const std::string first = m_jenkins.call("GET", kCi + "1/consoleText").body;
        QVERIFY(first.find("SonarQube") != std::string::npos && first.find("> Task :bootJar") != std::string::npos);
        QVERIFY(first.find("docker build") != std::string::npos);
        QCOMPARE(m_jenkins.call("GET", kCi + "1/consoleText").body, first);
        QCOMPARE(m_jenkins.call("GET", "/job/nothing/api/json").status, 404);
    }

    void triggerRunsToTheEnd()
    {
        Reply r = m_jenkins.post(kCi + "buildWithParameters?GIT_REF=release-7&BUILD_PROFILE=debug");
        QCOMPARE(r.status, 201);
        QVERIFY2(r.header("Location").rfind(m_jenkins.url + "queue/item/", 0) == 0, r.header("Location").c_str());
        const long long queueId = queueIdOf(r);
        QVERIFY(queueId > 0);
        Json item = m_jenkins.get("/queue/item/" + std::to_string(queueId) + "/api/json");
        QVERIFY(item.value("_class", "").rfind("hudson.model.Queue$", 0) == 0);
        const int n = buildOf(queueId);
        QVERIFY(n > 0);
        Json b = build(kCi, n);
        QCOMPARE(param(b, "GIT_REF"), std::string("release-7"));
        QCOMPARE(param(b, "BUILD_PROFILE"), std::string("debug"));
        QCOMPARE(param(b, "SKIP_SONAR"), std::string("false"));
        QCOMPARE(b.value("queueId", 0LL), queueId);
        // Follow the console as a client does, while watching the stages move.
        std::string followed;
        long long offset = 0;
        std::set<std::string> seenRunning;
        bool anime = false;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 60000) {
            Reply chunk = m_jenkins.call("GET", kCi + std::to_string(n) + "/logText/progressiveText?start=" + std::to_string(offset));
            QCOMPARE(chunk.status, 200);
            followed += chunk.body;
            offset = std::stoll(chunk.header("X-Text-Size"));
            QCOMPARE(static_cast<long long>(followed.size()), offset);
            if (chunk.header("X-More-Data") != "true")
                break;
            const Json running = describe(kCi, n);
            for (const auto &s : running["stages"])
                if (s.value("status", "") == "IN_PROGRESS")
                    seenRunning.insert(s.value("name", ""));
            anime = anime || m_jenkins.get(kCi + "api/json?tree=color").value("color", "").find("_anime") != std::string::npos;
            QTest::qWait(100);
        }
        QVERIFY2(seenRunning.size() >= 3, "the stages were not seen progressing");
        QVERIFY(anime);
        QCOMPARE(followed, m_jenkins.call("GET", kCi + std::to_string(n) + "/consoleText").body);
        QVERIFY2(followed.size() > 2000, followed.c_str());
        QVERIFY(followed.rfind("Finished: SUCCESS\n") == followed.size() - 18);
        Reply past = m_jenkins.call("GET", kCi + std::to_string(n) + "/logText/progressiveText?start=" + std::to_string(offset));
        QCOMPARE(past.body, std::string());
        QCOMPARE(past.header("X-More-Data"), std::string());
        b = build(kCi, n);
        QCOMPARE(b.value("result", ""), std::string("SUCCESS"));
        QVERIFY(b.value("duration", 0LL) > 0);
        Json d = describe(kCi, n);
        QCOMPARE(d.value("status", ""), std::string("SUCCESS"));
        std::vector<std::string> names;
        for (const auto &s : d["stages"]) {
            names.push_back(s.value("name", ""));
            QCOMPARE(s.value("status", ""), std::string("SUCCESS"));
        }
        const std::vector<std::string> expected = {"Checkout", "SonarQube analysis", "Quality gate", "Unit tests + JaCoCo", "Gradle build",
                                                   "Docker build", "Push", "Update GitOps tag", "Notify"};
        QCOMPARE(names, expected);
        QCOMPARE(m_jenkins.get(kCi + "api/json?tree=color").value("color", ""), std::string("blue"));
        QCOMPARE(m_jenkins.get(kCi + "wfapi/runs")[0].value("id", ""), std::to_string(n));
    }

    void parallelFailingAndUnstable()
    {
        const std::string checkout = "/job/shop/job/checkoutservice-ci/", payment = "/job/shop/job/paymentservice-ci/",
                          recommendation = "/job/shop/job/recommendationservice-ci/";
        const int c = trigger(checkout, "GIT_REF=main"), p = trigger(payment, "GIT_REF=main"), u = trigger(recommendation, "GIT_REF=main");
        QVERIFY(c > 0 && p > 0 && u > 0);
        QVERIFY(finished(checkout, c, 90000) && finished(payment, p) && finished(recommendation, u));
        // Parallel branches, as Stage View reports nested stages: the parent, then each branch.
        Json dc = describe(checkout, c);
        std::vector<std::string> names;
        for (const auto &s : dc["stages"])
            names.push_back(s.value("name", ""));
        auto at = std::find(names.begin(), names.end(), "Tests");
        QVERIFY(at != names.end() && at + 3 < names.end());
        QCOMPARE(*(at + 1), std::string("Unit tests + JaCoCo"));
        QCOMPARE(*(at + 2), std::string("Integration tests"));
        QCOMPARE(*(at + 3), std::string("Contract tests"));
        QCOMPARE(stage(dc, "Integration tests").value("status", ""), std::string("SUCCESS"));
        QVERIFY(m_jenkins.call("GET", checkout + std::to_string(c) + "/consoleText").body.find("[Integration tests] ") != std::string::npos);
        // The Pipeline Graph View's tree: the branches as children of their parallel stage.
        Json tree = m_jenkins.get(checkout + std::to_string(c) + "/stages/tree");
        QCOMPARE(tree.value("complete", false), true);
        Json tests;
        for (const auto &s : tree["stages"])
            if (s.value("name", "") == "Tests")
                tests = s;
        QCOMPARE(tests.value("type", ""), std::string("STAGE"));
        QCOMPARE(tests["children"].size(), size_t(3));
        for (const auto &b : tests["children"]) {
            QCOMPARE(b.value("type", ""), std::string("PARALLEL"));
            QCOMPARE(b.value("state", ""), std::string("success"));
        }
        for (const auto &s : tree["stages"])
            QVERIFY2(s.value("name", "") != "Integration tests", "a branch is not a top-level stage of the tree");
        // The failing job fails in its test stage; what comes after does not run.
        QCOMPARE(build(payment, p).value("result", ""), std::string("FAILURE"));
        Json dp = describe(payment, p);
        QCOMPARE(dp.value("status", ""), std::string("FAILED"));
        QCOMPARE(stage(dp, "Unit tests + JaCoCo").value("status", ""), std::string("FAILED"));
        QVERIFY(stage(dp, "Unit tests + JaCoCo").contains("error"));
        QCOMPARE(stage(dp, "Gradle build").value("status", ""), std::string("NOT_EXECUTED"));
        for (const auto &s : m_jenkins.get(payment + std::to_string(p) + "/stages/tree")["stages"])
            if (s.value("name", "") == "Unit tests + JaCoCo" || s.value("name", "") == "Gradle build")
                QCOMPARE(s.value("state", ""), std::string(s.value("name", "") == "Gradle build" ? "not_built" : "failure"));
        const std::string failedLog = m_jenkins.call("GET", payment + std::to_string(p) + "/consoleText").body;
        QVERIFY(failedLog.find("There were failing tests") != std::string::npos);
        QVERIFY(failedLog.find("\x1b[1;31mBUILD FAILED\x1b[0m in ") != std::string::npos);  // Gradle's colours, as AnsiColor keeps them
        QVERIFY(failedLog.rfind("Finished: FAILURE\n") == failedLog.size() - 18);
        QCOMPARE(m_jenkins.get(payment + "api/json?tree=color").value("color", ""), std::string("red"));
        QCOMPARE(build(recommendation, u).value("result", ""), std::string("UNSTABLE"));
        QCOMPARE(stage(describe(recommendation, u), "Unit tests + JaCoCo").value("status", ""), std::string("UNSTABLE"));
    }

    void identicalQueuedItemIs303()
    {
        Reply first = m_jenkins.post(kCi + "buildWithParameters?delay=600sec&GIT_REF=twice");
        QCOMPARE(first.status, 201);
        Reply again = m_jenkins.post(kCi + "buildWithParameters?delay=600sec&GIT_REF=twice");
        QCOMPARE(again.status, 303);
        QCOMPARE(again.header("Location"), first.header("Location"));
        Reply other = m_jenkins.post(kCi + "buildWithParameters?delay=600sec&GIT_REF=other");
        QCOMPARE(other.status, 201);
        QVERIFY(queueIdOf(other) != queueIdOf(first));
        QCOMPARE(m_jenkins.get("/queue/api/json")["items"].size(), size_t(2));
        QCOMPARE(m_jenkins.get(kCi + "api/json?tree=inQueue").value("inQueue", false), true);
        // build (not buildWithParameters) takes the parameters as the json form field.
        Reply json = m_jenkins.post(kCi + "build?delay=600sec", "json=" + encode(R"({"parameter":[{"name":"GIT_REF","value":"twice"}]})"));
        QCOMPARE(json.status, 303);
        QCOMPARE(m_jenkins.post(kCi + "build?delay=600sec").status, 400);  // a parameterised job needs them
        for (const Reply *r : {&first, &other})
            QCOMPARE(m_jenkins.post("/queue/cancelItem?id=" + std::to_string(queueIdOf(*r))).status, 204);
        Json cancelled = m_jenkins.get("/queue/item/" + std::to_string(queueIdOf(first)) + "/api/json");
        QCOMPARE(cancelled.value("cancelled", false), true);
        QVERIFY(cancelled["executable"].is_null());
        QCOMPARE(m_jenkins.get("/queue/api/json")["items"].size(), size_t(0));
    }

    void stopAbortsARunningBuild()
    {
        const int n = trigger(kCi, "GIT_REF=to-stop");
        QVERIFY(n > 0);
        QVERIFY(eventually([&] { return stage(describe(kCi, n), "SonarQube analysis").value("status", "") == "IN_PROGRESS"; }));
        Reply stop = m_jenkins.post(kCi + std::to_string(n) + "/stop");
        QCOMPARE(stop.status, 302);
        QCOMPARE(m_jenkins.call("GET", stop.header("Location").substr(m_jenkins.url.size() - 1)).status, 200);
        Json b = build(kCi, n);
        QCOMPARE(b.value("building", true), false);
        QCOMPARE(b.value("result", ""), std::string("ABORTED"));
        Json d = describe(kCi, n);
        QCOMPARE(d.value("status", ""), std::string("ABORTED"));
        QCOMPARE(stage(d, "SonarQube analysis").value("status", ""), std::string("ABORTED"));
        QVERIFY(stage(d, "Docker build").empty());
        const std::string log = m_jenkins.call("GET", kCi + std::to_string(n) + "/consoleText").body;
        QVERIFY(log.find("Aborted by Pilothouse Admin") != std::string::npos);
        QVERIFY(log.rfind("Finished: ABORTED\n") == log.size() - 18);
        QCOMPARE(m_jenkins.get(kCi + "api/json?tree=color").value("color", ""), std::string("aborted"));
    }

    void approvalProceedsWithAParameter()
    {
        const int n = trigger(kDeploy, "VERSION=1.5.0&RELEASE_NOTES=" + encode("Faster checkout"));
        QVERIFY(n > 0);
        Json pending;
        QVERIFY(eventually([&] {
            pending = m_jenkins.get(kDeploy + std::to_string(n) + "/wfapi/pendingInputActions");
            return pending.is_array() && !pending.empty();
        }));
        QCOMPARE(pending[0].value("id", ""), std::string("Approval"));
        QCOMPARE(pending[0].value("message", ""), std::string("Deploy orders to production?"));
        QCOMPARE(pending[0].value("proceedText", ""), std::string("Deploy"));
        QCOMPARE(pending[0]["inputs"][0].value("name", ""), std::string("CHANGE_TICKET"));
        QCOMPARE(pending[0].value("abortUrl", ""), kDeploy + std::to_string(n) + "/input/Approval/abort");
        Json d = describe(kDeploy, n);
        QCOMPARE(d.value("status", ""), std::string("PAUSED_PENDING_INPUT"));
        QCOMPARE(stage(d, "Approval").value("status", ""), std::string("PAUSED_PENDING_INPUT"));
        QVERIFY(stage(d, "Deploy to production").empty());
        QTest::qWait(300);  // still waiting: nothing moves without an answer
        QCOMPARE(describe(kDeploy, n).value("status", ""), std::string("PAUSED_PENDING_INPUT"));
        QCOMPARE(m_jenkins.post(kDeploy + std::to_string(n) + "/input/Nope/proceedEmpty").status, 404);
        Reply submit = m_jenkins.post(kDeploy + std::to_string(n) + "/input/Approval/submit",
                                      "proceed=Deploy&json=" + encode(R"({"parameter":[{"name":"CHANGE_TICKET","value":"CHG-4242"}]})"));
        QCOMPARE(submit.status, 302);
        QVERIFY(m_jenkins.get(kDeploy + std::to_string(n) + "/wfapi/pendingInputActions").empty());
        QVERIFY(finished(kDeploy, n));
        QCOMPARE(build(kDeploy, n).value("result", ""), std::string("SUCCESS"));
        d = describe(kDeploy, n);
        QCOMPARE(stage(d, "Approval").value("status", ""), std::string("SUCCESS"));
        QVERIFY(stage(d, "Approval").value("pauseDurationMillis", 0LL) >= 300);
        QCOMPARE(stage(d, "Deploy to production").value("status", ""), std::string("SUCCESS"));
        const std::string log = m_jenkins.call("GET", kDeploy + std::to_string(n) + "/consoleText").body;
        QVERIFY(log.find("Approved by Pilothouse Admin") != std::string::npos);
        QVERIFY(log.find("CHANGE_TICKET: CHG-4242") != std::string::npos);
        QVERIFY(log.find("registry.pilothouse.local/cafe/order:1.5.0") != std::string::npos);
    }

    void approvalAborted()
    {
        const int n = trigger(kDeploy, "VERSION=1.5.1");
        QVERIFY(n > 0);
        QVERIFY(eventually([&] { return !m_jenkins.get(kDeploy + std::to_string(n) + "/wfapi/pendingInputActions").empty(); }));
        QCOMPARE(m_jenkins.post(kDeploy + std::to_string(n) + "/input/Approval/abort").status, 200);
        Json b = build(kDeploy, n);
        QCOMPARE(b.value("building", true), false);
        QCOMPARE(b.value("result", ""), std::string("ABORTED"));
        Json d = describe(kDeploy, n);
        QCOMPARE(stage(d, "Approval").value("status", ""), std::string("ABORTED"));
        QVERIFY(stage(d, "Deploy to production").empty());
        const std::string log = m_jenkins.call("GET", kDeploy + std::to_string(n) + "/consoleText").body;
        QVERIFY(log.find("Rejected by Pilothouse Admin") != std::string::npos);
        QVERIFY(log.find("set image") != std::string::npos);  // staging was deployed
        QVERIFY(log.rfind("Finished: ABORTED\n") == log.size() - 18);
    }

    void approvalProceedsEmpty()
    {
        const int n = trigger(kDeploy, "VERSION=1.5.2");
        QVERIFY(n > 0);
        QVERIFY(eventually([&] { return !m_jenkins.get(kDeploy + std::to_string(n) + "/wfapi/pendingInputActions").empty(); }));
        QCOMPARE(m_jenkins.post(kDeploy + std::to_string(n) + "/input/Approval/proceedEmpty").status, 200);
        QVERIFY(finished(kDeploy, n));
        QCOMPARE(build(kDeploy, n).value("result", ""), std::string("SUCCESS"));
        const std::string log = m_jenkins.call("GET", kDeploy + std::to_string(n) + "/consoleText").body;
        QVERIFY(log.find("Approved by Pilothouse Admin") != std::string::npos);
        QVERIFY(log.find("deployment \"order\" successfully rolled out") != std::string::npos);
    }

    void droppedTriggerMakesExactlyOneBuild()
    {
        QVERIFY(m_sim->control("jenkins-drop-trigger"));
        Reply lost = m_jenkins.post(kCi + "buildWithParameters?GIT_REF=lost-answer");
        QCOMPARE(lost.status, 0);
        // Queued all the same: it becomes one build, which runs to the end.
        int number = -1;
        QVERIFY(eventually([&] {
            Json j = m_jenkins.get(kCi + "api/json?tree=builds[number,actions[parameters[name,value]]]");
            for (const auto &b : j["builds"])
                if (param(b, "GIT_REF") == "lost-answer")
                    number = b.value("number", -1);
            return number > 0;
        }));
        QVERIFY(finished(kCi, number));
        QCOMPARE(buildsWithRef(kCi, "lost-answer"), 1);
        QCOMPARE(m_jenkins.get("/queue/api/json")["items"].size(), size_t(0));
        // The fault was for one trigger.
        Reply next = m_jenkins.post(kCi + "buildWithParameters?delay=600sec&GIT_REF=after-the-fault");
        QCOMPARE(next.status, 201);
        QCOMPARE(m_jenkins.post("/queue/cancelItem?id=" + std::to_string(queueIdOf(next))).status, 204);
    }
};

QTEST_GUILESS_MAIN(TestSimJenkins)
#include "tst_simjenkins.moc"
