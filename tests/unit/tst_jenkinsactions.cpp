// JenkinsActions against a scripted Jenkins on loopback: a trigger followed from its queue item to
// its build number; never two builds for one click (a lost answer is resolved by reading the queue
// and the job's builds, never by sending again); 303 to an item already queued; refusals; stop and
// input answers; one audit line each, secrets masked.
#include "actions/auditlog.h"
#include "http/httpengine.h"
#include "jenkins/jenkinsactions.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <mutex>
#include <thread>

using namespace pilothouse::backends;
using namespace pilothouse::backends::jenkins;
using Json = nlohmann::json;

namespace {

const char *kUser = "ada";
const char *kToken = "11aa22bb33cc44dd55ee66ff77889900";

}  // namespace

class TestJenkinsActions : public QObject {
    Q_OBJECT

    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<JenkinsClient> m_client;
    QTemporaryDir m_dir;
    std::unique_ptr<actions::AuditLog> m_audit;
    std::unique_ptr<JenkinsActions> m_actions;

    // The scripted Jenkins' state.
    enum class Mode { Normal, GatewayAfterQueueing, GatewayAfterStarting, GatewayBeforeQueueing, AlreadyQueued, NoSuchJob };
    struct Item {
        Json params;       // [{"name","value"}]
        int reads = 0;     // the item starts a build on its second read
        int build = 0;
    };
    std::mutex m_mutex;
    Mode m_mode = Mode::Normal;
    int m_triggers = 0;  // POSTs that reached the trigger endpoint
    int m_nextItem = 100;
    int m_nextBuild = 172;
    std::map<int, Item> m_items;
    std::vector<std::pair<int, Json>> m_builds;  // newest last: (number, params)
    std::vector<std::string> m_posts;            // path + body of other POSTs

    std::string base() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    static Json paramsOf(const httplib::Request &req)
    {
        Json out = Json::array();
        for (const auto &[k, v] : req.params)
            out.push_back({{"name", k}, {"value", v}});
        return out;
    }
    Json parametersAction(const Json &params) const
    {
        Json p = Json::array();
        for (const auto &x : params) {
            // As Jenkins shows them: a password parameter without its value.
            if (x["name"] == "REGISTRY_TOKEN")
                p.push_back({{"_class", "hudson.model.PasswordParameterValue"}, {"name", x["name"]}});
            else
                p.push_back({{"_class", "hudson.model.StringParameterValue"}, {"name", x["name"]}, {"value", x["value"]}});
        }
        return Json{{"_class", "hudson.model.ParametersAction"}, {"parameters", p}};
    }
    int startBuild(const Json &params)
    {
        m_builds.push_back({m_nextBuild, params});
        return m_nextBuild++;
    }
    Json itemJson(int id, const Item &item) const
    {
        Json j = {{"_class", item.build ? "hudson.model.Queue$LeftItem" : "hudson.model.Queue$WaitingItem"},
                  {"id", id},
                  {"blocked", false},
                  {"buildable", false},
                  {"why", item.build ? Json(nullptr) : Json("In the quiet period. Expires in 4.9 sec")},
                  {"task", {{"_class", "org.jenkinsci.plugins.workflow.job.WorkflowJob"}, {"name", "storefront"}, {"url", base() + "/job/shop/job/storefront/"}}},
                  {"actions", Json::array({parametersAction(item.params)})}};
        if (item.build)
            j["executable"] = {{"number", item.build}, {"url", base() + "/job/shop/job/storefront/" + std::to_string(item.build) + "/"}};
        return j;
    }

    void connectAs(const QByteArray &token)
    {
        JenkinsServer s;
        s.url = QString::fromStdString(base());
        s.user = QString::fromLatin1(kUser);
        s.apiToken = token;
        m_actions.reset();
        m_client = std::make_unique<JenkinsClient>(m_engine.get());
        QVERIFY(m_client->setServer(s).ok());
        m_actions = std::make_unique<JenkinsActions>(m_client.get(), m_audit.get());
        m_actions->setQueueFollow(10000, 20);
    }

    JenkinsAction storefrontTrigger() const
    {
        return JenkinsAction::trigger(QString::fromStdString(base()), QString::fromLatin1(kUser), {QStringLiteral("shop"), QStringLiteral("storefront")}, true,
                                      {BuildParameter{QStringLiteral("IMAGE_TAG"), QStringLiteral("172"), false},
                                       BuildParameter{QStringLiteral("REGISTRY_TOKEN"), QStringLiteral("s3cr3t-value"), true}});
    }
    TriggerOutcome trigger(const JenkinsAction &a)
    {
        std::optional<TriggerOutcome> out;
        m_actions->trigger(a, this, [&](const TriggerOutcome &o) { out = o; });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 15000))
            qFatal("the trigger did not end");
        return *out;
    }
    QList<QJsonObject> auditLines() const
    {
        QList<QJsonObject> out;
        QFile f(m_audit->path());
        if (f.open(QIODevice::ReadOnly))
            for (const QByteArray &line : f.readAll().split('\n'))
                if (!line.trimmed().isEmpty())
                    out << QJsonDocument::fromJson(line).object();
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_audit = std::make_unique<actions::AuditLog>(m_dir.filePath(QStringLiteral("audit.jsonl")));
        auto authorized = [](const httplib::Request &req, httplib::Response &res) {
            const std::string ok = std::string("Basic ") + QByteArray(QByteArray(kUser) + ':' + kToken).toBase64().toStdString();
            if (req.get_header_value("Authorization") == ok)
                return true;
            res.status = 401;
            res.set_header("WWW-Authenticate", "Basic realm=\"Jenkins\"");
            return false;
        };
        m_server.Post("/job/shop/job/storefront/buildWithParameters", [this, authorized](const httplib::Request &req, httplib::Response &res) {
            if (!authorized(req, res))
                return;
            std::lock_guard lock(m_mutex);
            ++m_triggers;
            const Json params = paramsOf(req);
            switch (m_mode) {
            case Mode::AlreadyQueued:
                m_items[m_nextItem] = Item{params};
                res.status = 303;
                res.set_header("Location", base() + "/queue/item/" + std::to_string(m_nextItem++) + "/");
                return;
            case Mode::GatewayBeforeQueueing:
                res.status = 502;
                return;
            case Mode::GatewayAfterStarting:
                startBuild(params);  // queued, started and left the queue before the answer got lost
                res.status = 504;
                return;
            default:
                break;
            }
            m_items[m_nextItem] = Item{params};
            if (m_mode == Mode::GatewayAfterQueueing) {
                ++m_nextItem;
                res.status = 502;
                return;
            }
            res.status = 201;
            res.set_header("Location", base() + "/queue/item/" + std::to_string(m_nextItem++) + "/");
        });
        m_server.Post("/job/nowhere/build", [authorized](const httplib::Request &req, httplib::Response &res) {
            if (authorized(req, res))
                res.status = 404;
        });
        m_server.Get("/queue/item/(\\d+)/api/json", [this, authorized](const httplib::Request &req, httplib::Response &res) {
            if (!authorized(req, res))
                return;
            std::lock_guard lock(m_mutex);
            auto it = m_items.find(std::stoi(req.matches[1]));
            if (it == m_items.end()) {
                res.status = 404;
                return;
            }
            if (++it->second.reads >= 2 && !it->second.build)
                it->second.build = startBuild(it->second.params);
            res.set_content(itemJson(it->first, it->second).dump(), "application/json");
        });
        m_server.Get("/queue/api/json", [this, authorized](const httplib::Request &req, httplib::Response &res) {
            if (!authorized(req, res))
                return;
            std::lock_guard lock(m_mutex);
            Json items = Json::array();
            for (const auto &[id, item] : m_items)
                if (!item.build)
                    items.push_back(itemJson(id, item));
            res.set_content(Json{{"_class", "hudson.model.Queue"}, {"items", items}}.dump(), "application/json");
        });
        m_server.Get("/job/shop/job/storefront/api/json", [this, authorized](const httplib::Request &req, httplib::Response &res) {
            if (!authorized(req, res))
                return;
            std::lock_guard lock(m_mutex);
            Json builds = Json::array();
            for (auto it = m_builds.rbegin(); it != m_builds.rend(); ++it)
                builds.push_back({{"_class", "org.jenkinsci.plugins.workflow.job.WorkflowRun"},
                                  {"number", it->first},
                                  {"url", base() + "/job/shop/job/storefront/" + std::to_string(it->first) + "/"},
                                  {"building", true},
                                  {"result", nullptr},
                                  {"timestamp", QDateTime::currentMSecsSinceEpoch()},
                                  {"actions", Json::array({parametersAction(it->second)})}});
            res.set_content(Json{{"_class", "org.jenkinsci.plugins.workflow.job.WorkflowJob"}, {"builds", builds}}.dump(), "application/json");
        });
        m_server.Post("/job/shop/job/storefront/(\\d+)/(stop|input/.*)", [this, authorized](const httplib::Request &req, httplib::Response &res) {
            if (!authorized(req, res))
                return;
            std::lock_guard lock(m_mutex);
            m_posts.push_back(req.path + " " + req.body);
            res.status = 302;
            res.set_header("Location", base() + "/job/shop/job/storefront/" + std::string(req.matches[1]) + "/");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        m_engine = std::make_unique<http::HttpEngine>();
    }

    void cleanupTestCase()
    {
        m_actions.reset();
        m_client.reset();
        m_engine.reset();
        m_server.stop();
        m_thread.join();
    }

    void init()
    {
        std::lock_guard lock(m_mutex);
        m_mode = Mode::Normal;
        m_triggers = 0;
        m_items.clear();
        m_posts.clear();
        QFile::remove(m_audit->path());
    }

    void confirmationNamesServerJobAndParametersWithSecretsMasked()
    {
        const JenkinsAction a = storefrontTrigger();
        const QString text = a.confirmationText();
        QVERIFY2(text.startsWith(QStringLiteral("Jenkins job shop/storefront on Jenkins http://127.0.0.1:")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("as ada: build with IMAGE_TAG=172, REGISTRY_TOKEN=••••••")));
        QVERIFY(!text.contains(QStringLiteral("s3cr3t-value")));
        QCOMPARE(a.path(), QStringLiteral("job/shop/job/storefront/buildWithParameters"));
        QVERIFY(a.form().contains("REGISTRY_TOKEN=s3cr3t-value"));  // sent, never shown
    }

    void aTriggerIsFollowedToItsBuildNumber()
    {
        connectAs(kToken);
        const TriggerOutcome o = trigger(storefrontTrigger());
        QVERIFY2(o.state == TriggerOutcome::State::Started, qPrintable(triggerStateName(o.state) + QStringLiteral(": ") + o.message));
        QCOMPARE(o.queueItem, 100);
        QVERIFY(o.buildNumber >= 172);
        QVERIFY(!o.answerLost);
        QCOMPARE(m_triggers, 1);
        const auto lines = auditLines();
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines[0].value(QStringLiteral("action")).toString(), QStringLiteral("jenkins-trigger"));
        QCOMPARE(lines[0].value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
        const QString detail = lines[0].value(QStringLiteral("detail")).toString();
        QVERIFY2(detail.contains(QStringLiteral("queue item 100")) && detail.contains(QStringLiteral("build #%1").arg(o.buildNumber)), qPrintable(detail));
        QFile f(m_audit->path());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().contains("s3cr3t-value"));
    }

    void aLostAnswerIsFoundInTheQueueNotSentAgain()
    {
        connectAs(kToken);
        m_mode = Mode::GatewayAfterQueueing;
        const TriggerOutcome o = trigger(storefrontTrigger());
        QVERIFY2(o.state == TriggerOutcome::State::Started, qPrintable(triggerStateName(o.state) + QStringLiteral(": ") + o.message));
        QVERIFY(o.answerLost);
        QCOMPARE(o.queueItem, m_nextItem - 1);
        QCOMPARE(m_triggers, 1);  // one click, one POST, one build
        QVERIFY(auditLines().last().value(QStringLiteral("detail")).toString().contains(QStringLiteral("found by reading after the answer was lost")));
    }

    void aLostAnswerIsFoundAmongTheNewestBuilds()
    {
        connectAs(kToken);
        m_mode = Mode::GatewayAfterStarting;
        const int expected = m_nextBuild;
        const TriggerOutcome o = trigger(storefrontTrigger());
        QVERIFY2(o.state == TriggerOutcome::State::Started, qPrintable(triggerStateName(o.state) + QStringLiteral(": ") + o.message));
        QCOMPARE(o.buildNumber, expected);
        QVERIFY(o.answerLost);
        QCOMPARE(m_triggers, 1);
    }

    void aLostAnswerWithNothingFoundStaysUnknown()
    {
        connectAs(kToken);
        m_mode = Mode::GatewayBeforeQueueing;
        const TriggerOutcome o = trigger(storefrontTrigger());
        QCOMPARE(o.state, TriggerOutcome::State::Unknown);
        QVERIFY2(o.message.contains(QStringLiteral("nothing was sent again")), qPrintable(o.message));
        QCOMPARE(m_triggers, 1);
        QCOMPARE(auditLines().last().value(QStringLiteral("result")).toString(), QStringLiteral("unknown"));
    }

    void anIdenticalQueuedItemIsFollowedNotDuplicated()
    {
        connectAs(kToken);
        m_mode = Mode::AlreadyQueued;
        const TriggerOutcome o = trigger(storefrontTrigger());
        QCOMPARE(o.state, TriggerOutcome::State::Started);
        QVERIFY(o.alreadyQueued);
        QVERIFY(auditLines().last().value(QStringLiteral("detail")).toString().contains(QStringLiteral("already queued")));
    }

    void aRefusedTriggerSaysSo()
    {
        connectAs(kToken);
        const TriggerOutcome o = trigger(JenkinsAction::trigger(QString::fromStdString(base()), QString::fromLatin1(kUser), {QStringLiteral("nowhere")}, false, {}));
        QCOMPARE(o.state, TriggerOutcome::State::Refused);
        QVERIFY2(o.message.contains(QStringLiteral("404")), qPrintable(o.message));
        QCOMPARE(auditLines().last().value(QStringLiteral("result")).toString(), QStringLiteral("refused"));
        // Wrong credentials: refused too, before anything was queued.
        connectAs("wrong");
        const TriggerOutcome denied = trigger(storefrontTrigger());
        QCOMPARE(denied.state, TriggerOutcome::State::Refused);
        QCOMPARE(m_triggers, 0);
    }

    void stopAndInputAnswersAreSentOnceAndAudited()
    {
        connectAs(kToken);
        const QString server = QString::fromStdString(base());
        const QStringList job{QStringLiteral("shop"), QStringLiteral("storefront")};
        PendingInput input;
        input.id = QStringLiteral("Approve");
        input.message = QStringLiteral("Deploy orders to production?");
        const QList<JenkinsAction> all{
            JenkinsAction::stop(server, QString::fromLatin1(kUser), job, 172),
            JenkinsAction::proceed(server, QString::fromLatin1(kUser), job, 172, input, {BuildParameter{QStringLiteral("REGION"), QStringLiteral("eu-west"), false}}),
            JenkinsAction::proceed(server, QString::fromLatin1(kUser), job, 172, input, {}),
            JenkinsAction::abort(server, QString::fromLatin1(kUser), job, 172, input)};
        for (const JenkinsAction &a : all) {
            std::optional<Result<void>> out;
            m_actions->execute(a, this, [&](const Result<void> &r) { out = r; });
            QVERIFY(QTest::qWaitFor([&] { return out.has_value(); }, 10000));
            QVERIFY2(out->ok(), qPrintable(out->error().message));
        }
        std::lock_guard lock(m_mutex);
        QCOMPARE(m_posts.size(), size_t(4));
        QCOMPARE(m_posts[0], std::string("/job/shop/job/storefront/172/stop "));
        QVERIFY2(m_posts[1].rfind("/job/shop/job/storefront/172/input/Approve/proceed json=", 0) == 0, m_posts[1].c_str());
        QVERIFY(m_posts[1].find("eu-west") != std::string::npos);
        QCOMPARE(m_posts[2], std::string("/job/shop/job/storefront/172/input/Approve/proceedEmpty "));
        QCOMPARE(m_posts[3], std::string("/job/shop/job/storefront/172/input/Approve/abort "));
        const auto lines = auditLines();
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines[0].value(QStringLiteral("action")).toString(), QStringLiteral("jenkins-stop"));
        QCOMPARE(lines[0].value(QStringLiteral("object")).toString(), QStringLiteral("Jenkins job shop/storefront #172"));
        QCOMPARE(lines[1].value(QStringLiteral("action")).toString(), QStringLiteral("jenkins-input-proceed"));
        QVERIFY(lines[1].value(QStringLiteral("change")).toString().contains(QStringLiteral("Deploy orders to production?")));
        QCOMPARE(lines[3].value(QStringLiteral("action")).toString(), QStringLiteral("jenkins-input-abort"));
        for (const auto &l : lines)
            QCOMPARE(l.value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
    }
};

QTEST_GUILESS_MAIN(TestJenkinsActions)
#include "tst_jenkinsactions.moc"
