// JenkinsClient against a scripted server on loopback: credentials as Jenkins checks them, reads
// parsed off the caller's thread, the progressive console, and POSTs with the crumb of a password
// session (fetched once, with its session cookie; a "No valid crumb" refusal fetches a new one and
// sends once more, never twice).
#include "http/httpengine.h"
#include "jenkins/jenkinsclient.h"

#include <httplib.h>

#include <QFile>
#include <QTest>
#include <QThread>

#include <atomic>
#include <mutex>
#include <thread>

using namespace pilothouse::backends;
using namespace pilothouse::backends::jenkins;

namespace {

std::string fixture(const char *name)
{
    QFile f(QStringLiteral(PILOTHOUSE_TEST_DATA "/jenkins/") + QLatin1String(name));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open fixture %s", name);
    return f.readAll().toStdString();
}

const char *kUser = "ada";
const char *kToken = "11aa22bb33cc44dd55ee66ff77889900";
const char *kPassword = "correct horse";

}  // namespace

class TestJenkinsClient : public QObject {
    Q_OBJECT

    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<JenkinsClient> m_client;

    // What the server saw and how it behaves.
    std::mutex m_mutex;
    std::vector<std::string> m_paths;
    std::vector<std::string> m_postCrumbs, m_postCookies;
    int m_crumbIssued = 0;
    int m_refuseCrumbs = 0;  // POSTs to refuse for their crumb, whatever they carry
    std::atomic<int> m_posts{0};

    // Basic auth as Jenkins checks it: a token or the password of the user; nothing: anonymous.
    enum class Auth { None, Token, Password, Wrong };
    static Auth authOf(const httplib::Request &req)
    {
        const std::string h = req.get_header_value("Authorization");
        if (h.empty())
            return Auth::None;
        const std::string token = std::string("Basic ") + QByteArray(QByteArray(kUser) + ':' + kToken).toBase64().toStdString();
        const std::string password = std::string("Basic ") + QByteArray(QByteArray(kUser) + ':' + kPassword).toBase64().toStdString();
        return h == token ? Auth::Token : h == password ? Auth::Password : Auth::Wrong;
    }
    // False when the request was answered (refused) here.
    static bool checkAuth(const httplib::Request &req, httplib::Response &res)
    {
        res.set_header("X-Jenkins", "2.426.3");
        switch (authOf(req)) {
        case Auth::Wrong:
            res.status = 401;
            res.set_header("WWW-Authenticate", "Basic realm=\"Jenkins\"");
            res.set_content("<html><body><h2>HTTP ERROR 401 Unauthorized</h2></body></html>", "text/html");
            return false;
        case Auth::None:
            res.status = 403;
            res.set_content("<html><body><h2>Authentication required</h2></body></html>", "text/html");
            return false;
        default:
            return true;
        }
    }

    void useServer(bool token)
    {
        JenkinsServer s;
        s.url = QStringLiteral("http://127.0.0.1:%1/").arg(m_port);
        s.user = QString::fromLatin1(kUser);
        (token ? s.apiToken : s.password) = token ? QByteArray(kToken) : QByteArray(kPassword);
        m_client = std::make_unique<JenkinsClient>(m_engine.get());
        const auto set = m_client->setServer(s);
        QVERIFY2(set.ok(), qPrintable(set.error().message));
    }

    template <class T>
    Result<T> wait(std::function<void(QObject *, JenkinsClient::Done<T>)> call)
    {
        std::optional<Result<T>> out;
        call(this, [&](const Result<T> &r) { out.emplace(r); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 10000))
            qFatal("no answer from the client");
        return *out;
    }
    PostReply post(const QString &path, const QByteArray &form)
    {
        std::optional<PostReply> out;
        m_client->post(path, form, this, [&](const PostReply &r) { out = r; });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 10000))
            qFatal("no answer to the POST");
        return *out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_server.Get("/api/json", [this](const httplib::Request &req, httplib::Response &res) {
            if (!checkAuth(req, res))
                return;
            std::lock_guard lock(m_mutex);
            m_paths.push_back(req.path + "?tree=" + req.get_param_value("tree"));
            res.set_content(fixture("jobs.json"), "application/json");
        });
        // httplib matches the decoded path: the client's "feature%252F" arrives as "feature%2F" (a
        // singly encoded name would arrive as "feature/checkout-v2" and match nothing).
        m_server.Get("/job/shop/job/frontend/job/feature%2Fcheckout-v2/3/wfapi/describe", [](const httplib::Request &req, httplib::Response &res) {
            if (checkAuth(req, res))
                res.set_content(fixture("describe-failed.json"), "application/json");
        });
        m_server.Get("/job/deploy-orders/7/logText/progressiveText", [](const httplib::Request &req, httplib::Response &res) {
            if (!checkAuth(req, res))
                return;
            const std::string log = "Started by user Ada Operator\n[Pipeline] stage\nDeploying to staging\n";
            const size_t start = std::min<size_t>(std::stoul(req.get_param_value("start")), log.size());
            res.set_content(log.substr(start), "text/plain");
            res.set_header("X-Text-Size", std::to_string(log.size()));
            if (start == 0)
                res.set_header("X-More-Data", "true");  // the second read finds the build done
        });
        m_server.Get("/crumbIssuer/api/json", [this](const httplib::Request &req, httplib::Response &res) {
            if (!checkAuth(req, res))
                return;
            std::lock_guard lock(m_mutex);
            ++m_crumbIssued;
            const std::string crumb = "crumb-" + std::to_string(m_crumbIssued);
            res.set_header("Set-Cookie", "JSESSIONID.1a2b3c4d=session-" + std::to_string(m_crumbIssued) + "; Path=/; HttpOnly");
            res.set_content("{\"_class\":\"hudson.security.csrf.DefaultCrumbIssuer\",\"crumb\":\"" + crumb + "\",\"crumbRequestField\":\"Jenkins-Crumb\"}",
                            "application/json");
        });
        m_server.Post("/job/deploy-orders/buildWithParameters", [this](const httplib::Request &req, httplib::Response &res) {
            if (!checkAuth(req, res))
                return;
            std::lock_guard lock(m_mutex);
            m_postCrumbs.push_back(req.get_header_value("Jenkins-Crumb"));
            m_postCookies.push_back(req.get_header_value("Cookie"));
            // A crumb must come with the session it was issued to (Jenkins 2.176.2 and later).
            const std::string crumb = req.get_header_value("Jenkins-Crumb");
            const bool crumbValid = !crumb.empty() && req.get_header_value("Cookie").find("session-" + crumb.substr(6)) != std::string::npos;
            if (authOf(req) == Auth::Password && (!crumbValid || m_refuseCrumbs > 0)) {
                if (m_refuseCrumbs > 0)
                    --m_refuseCrumbs;
                res.status = 403;
                res.set_content("<html><head><title>Error 403 No valid crumb was included in the request</title></head><body><h2>HTTP ERROR 403 No valid crumb was included in the request</h2></body></html>",
                                "text/html");
                return;
            }
            ++m_posts;
            res.status = 201;
            res.set_header("Location", "http://127.0.0.1:" + std::to_string(m_port) + "/queue/item/42/");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        m_engine = std::make_unique<http::HttpEngine>();
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
        std::lock_guard lock(m_mutex);
        m_paths.clear();
        m_postCrumbs.clear();
        m_postCookies.clear();
        m_crumbIssued = 0;
        m_refuseCrumbs = 0;
        m_posts = 0;
    }

    void setServerRefusesWhatCannotWork()
    {
        JenkinsClient client(m_engine.get());
        JenkinsServer s;
        s.user = QStringLiteral("ada");
        s.url = QStringLiteral("ci.example.test");
        QVERIFY(client.setServer(s).error().message.contains(QStringLiteral("is not a Jenkins URL")));
        s.url = QStringLiteral("http://ci.example.test");
        QVERIFY(client.setServer(s).error().message.contains(QStringLiteral("plain http")));
        s.url = QStringLiteral("https://ci.example.test/jenkins/");
        s.user.clear();
        QVERIFY(client.setServer(s).error().message.contains(QStringLiteral("no Jenkins user")));
        s.user = QStringLiteral("ada");
        QVERIFY(client.setServer(s).ok());
        QCOMPARE(client.serverUrl(), QStringLiteral("https://ci.example.test/jenkins"));
    }

    void jobsAreParsedOffTheCallersThread()
    {
        useServer(true);
        std::atomic<bool> onCaller{false};
        QThread *caller = QThread::currentThread();
        m_client->setParseObserver([&](const char *) {
            if (QThread::currentThread() == caller)
                onCaller = true;
        });
        const auto jobs = wait<QList<JobNode>>([this](QObject *r, JenkinsClient::Done<QList<JobNode>> d) { m_client->jobs({}, 3, r, d); });
        QVERIFY2(jobs.ok(), qPrintable(jobs.error().message));
        QCOMPARE(jobs.value().size(), 3);
        QVERIFY(!onCaller);
        std::lock_guard lock(m_mutex);
        QCOMPARE(m_paths.size(), size_t(1));
        // The tree= query nests three levels of jobs.
        QVERIFY2(QString::fromStdString(m_paths[0]).count(QStringLiteral("jobs[")) == 3, m_paths[0].c_str());
    }

    void aBranchJobIsAddressedAsJenkinsEncodesIt()
    {
        useServer(true);
        const auto run = wait<RunInfo>([this](QObject *r, JenkinsClient::Done<RunInfo> d) {
            m_client->describeRun({QStringLiteral("shop"), QStringLiteral("frontend"), QStringLiteral("feature%2Fcheckout-v2")}, 3, r, d);
        });
        QVERIFY2(run.ok(), qPrintable(run.error().message));
        QVERIFY(run.value().failedStage());
    }

    void wrongCredentialsAreNamedWithoutTheSecret()
    {
        JenkinsServer s;
        s.url = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
        s.user = QString::fromLatin1(kUser);
        s.apiToken = "not-the-token";
        m_client = std::make_unique<JenkinsClient>(m_engine.get());
        QVERIFY(m_client->setServer(s).ok());
        const auto jobs = wait<QList<JobNode>>([this](QObject *r, JenkinsClient::Done<QList<JobNode>> d) { m_client->jobs({}, 1, r, d); });
        QVERIFY(!jobs.ok());
        QCOMPARE(jobs.error().kind, ErrorKind::Unauthorized);
        QVERIFY2(jobs.error().message.contains(QStringLiteral("refused the credentials of ada")), qPrintable(jobs.error().message));
        // The secret is never part of a message.
        QVERIFY(!jobs.error().message.contains(QStringLiteral("not-the-token")));
    }

    void consoleIsReadProgressively()
    {
        useServer(true);
        const QStringList job{QStringLiteral("deploy-orders")};
        const auto first = wait<ConsoleChunk>([&](QObject *r, JenkinsClient::Done<ConsoleChunk> d) { m_client->console(job, 7, 0, r, d); });
        QVERIFY2(first.ok(), qPrintable(first.error().message));
        QVERIFY(first.value().text.startsWith("Started by user"));
        QVERIFY(first.value().more);
        QCOMPARE(first.value().nextOffset, qint64(first.value().text.size()));
        const auto second = wait<ConsoleChunk>([&](QObject *r, JenkinsClient::Done<ConsoleChunk> d) {
            m_client->console(job, 7, first.value().nextOffset, r, d);
        });
        QVERIFY(second.ok());
        QVERIFY(second.value().text.isEmpty());
        QVERIFY(!second.value().more);
        QCOMPARE(second.value().nextOffset, first.value().nextOffset);
    }

    void aTokenPostsWithoutACrumb()
    {
        useServer(true);
        const PostReply r = post(QStringLiteral("job/deploy-orders/buildWithParameters"), "REGION=eu-west");
        QVERIFY2(!r.error.isError(), qPrintable(r.error.message));
        QCOMPARE(r.status, 201);
        QVERIFY(r.location.endsWith(QStringLiteral("/queue/item/42/")));
        QCOMPARE(queueItemFromLocation(r.location), 42);
        QCOMPARE(m_client->crumbFetches(), 0);
        std::lock_guard lock(m_mutex);
        QCOMPARE(m_postCrumbs, std::vector<std::string>{""});
    }

    void aPasswordSessionSendsTheCrumbWithItsCookie()
    {
        useServer(false);
        for (int i = 0; i < 2; ++i) {
            const PostReply r = post(QStringLiteral("/job/deploy-orders/buildWithParameters"), "REGION=eu-west");
            QVERIFY2(r.status == 201, qPrintable(r.error.message));
        }
        QCOMPARE(m_client->crumbFetches(), 1);  // fetched once, kept for the session
        std::lock_guard lock(m_mutex);
        QCOMPARE(m_postCrumbs, (std::vector<std::string>{"crumb-1", "crumb-1"}));
        QVERIFY(m_postCookies[0].find("JSESSIONID.1a2b3c4d=session-1") != std::string::npos);
    }

    void aRefusedCrumbIsFetchedAgainOnceNeverTwice()
    {
        useServer(false);
        {
            std::lock_guard lock(m_mutex);
            m_refuseCrumbs = 1;
        }
        const PostReply once = post(QStringLiteral("job/deploy-orders/buildWithParameters"), "REGION=eu-west");
        QVERIFY2(once.status == 201, qPrintable(once.error.message));
        QCOMPARE(m_client->crumbFetches(), 2);
        QCOMPARE(m_posts.load(), 1);

        // Refused again after the new crumb: reported, not sent a third time.
        {
            std::lock_guard lock(m_mutex);
            m_refuseCrumbs = 2;
            m_postCrumbs.clear();
        }
        const PostReply refused = post(QStringLiteral("job/deploy-orders/buildWithParameters"), "REGION=eu-west");
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.error.kind, ErrorKind::Forbidden);
        QVERIFY2(refused.error.message.contains(QStringLiteral("No valid crumb")), qPrintable(refused.error.message));
        QVERIFY(!refused.error.message.contains(QLatin1String("<")));  // no markup from the error page
        std::lock_guard lock(m_mutex);
        QCOMPARE(m_postCrumbs.size(), size_t(2));
        QCOMPARE(m_posts.load(), 1);
    }
};

QTEST_GUILESS_MAIN(TestJenkinsClient)
#include "tst_jenkinsclient.moc"
