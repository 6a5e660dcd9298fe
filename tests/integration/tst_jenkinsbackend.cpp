// The console's Jenkins client and actions (backends/jenkins) against pilothouse-sim's Jenkins:
// the job tree, a trigger with parameters to its build number, stages to the end, the console
// followed to the last byte, a crumb session, a lost trigger answer that gives exactly one build,
// an approval answered and aborted, a stop; a running build's console followed through the
// console follower into the bounded line model to the last byte.
#include "actions/auditlog.h"
#include "http/httpengine.h"
#include "jenkins/jenkinsactions.h"
#include "jenkins/jenkinsclient.h"
#include "pipelines/consolefollower.h"
#include "pipelines/consolemodel.h"
#include "simprocess.h"

#include <QFile>
#include <QSignalSpy>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace pilothouse::backends;
using namespace pilothouse::backends::jenkins;
using namespace pilothouse::testsupport;
namespace models = pilothouse::models;

namespace {

const QStringList kCi{QStringLiteral("shop"), QStringLiteral("frontend-ci")};
const QStringList kDeploy{QStringLiteral("cafe"), QStringLiteral("releases"), QStringLiteral("deploy-orders")};

}  // namespace

class TestJenkinsBackend : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<http::HttpEngine> m_engine;
    JenkinsServer m_server;
    std::unique_ptr<JenkinsClient> m_client;
    QTemporaryDir m_dir;
    std::unique_ptr<actions::AuditLog> m_audit;
    std::unique_ptr<JenkinsActions> m_actions;

    template <class T>
    Result<T> wait(std::function<void(QObject *, JenkinsClient::Done<T>)> call)
    {
        std::optional<Result<T>> out;
        call(this, [&](const Result<T> &r) { out.emplace(r); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
            qFatal("no answer from the Jenkins client");
        return *out;
    }
    TriggerOutcome trigger(const QStringList &job, const QList<BuildParameter> &parameters)
    {
        std::optional<TriggerOutcome> out;
        m_actions->trigger(JenkinsAction::trigger(m_server.url, m_server.user, job, true, parameters), this, [&](const TriggerOutcome &o) { out = o; });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 60000))
            qFatal("the trigger did not end");
        return *out;
    }
    Result<void> execute(const JenkinsAction &a)
    {
        std::optional<Result<void>> out;
        m_actions->execute(a, this, [&](const Result<void> &r) { out = r; });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
            qFatal("the action did not end");
        return *out;
    }
    RunInfo describe(const QStringList &job, int number)
    {
        const auto run = wait<RunInfo>([&](QObject *r, JenkinsClient::Done<RunInfo> d) { m_client->describeRun(job, number, r, d); });
        return run.ok() ? run.value() : RunInfo();
    }
    BuildInfo build(const QStringList &job, int number)
    {
        const auto b = wait<BuildInfo>([&](QObject *r, JenkinsClient::Done<BuildInfo> d) { m_client->build(job, number, r, d); });
        return b.ok() ? b.value() : BuildInfo();
    }
    int buildsWithRef(const QString &ref)
    {
        const auto builds = wait<QList<BuildInfo>>([&](QObject *r, JenkinsClient::Done<QList<BuildInfo>> d) { m_client->recentBuilds(kCi, 50, r, d); });
        int n = 0;
        if (builds.ok())
            for (const BuildInfo &b : builds.value())
                for (const BuildParameter &p : b.parameters)
                    n += p.name == QLatin1String("GIT_REF") && p.value == ref ? 1 : 0;
        return n;
    }
    void connectWith(bool token)
    {
        JenkinsServer s = m_server;
        if (!token)
            s.apiToken.clear();
        m_actions.reset();
        m_client = std::make_unique<JenkinsClient>(m_engine.get());
        const auto set = m_client->setServer(s);
        QVERIFY2(set.ok(), qPrintable(set.error().message));
        m_actions = std::make_unique<JenkinsActions>(m_client.get(), m_audit.get());
        m_actions->setQueueFollow(30000, 100);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--time-scale"), QStringLiteral("10")});
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        QFile f(m_sim->workDir() + QStringLiteral("/jenkins.json"));
        QVERIFY2(f.open(QIODevice::ReadOnly), "no jenkins.json beside the kubeconfig");
        const QJsonObject j = QJsonDocument::fromJson(f.readAll()).object();
        m_server.url = j.value(QStringLiteral("url")).toString();
        m_server.user = j.value(QStringLiteral("user")).toString();
        m_server.apiToken = j.value(QStringLiteral("apiToken")).toString().toUtf8();
        m_server.password = j.value(QStringLiteral("password")).toString().toUtf8();
        m_server.caPem = QByteArray::fromBase64(j.value(QStringLiteral("certificateAuthorityData")).toString().toLatin1());
        QVERIFY(!m_server.url.isEmpty() && !m_server.apiToken.isEmpty() && !m_server.caPem.isEmpty());
        QVERIFY(m_dir.isValid());
        m_audit = std::make_unique<actions::AuditLog>(m_dir.filePath(QStringLiteral("audit.jsonl")));
        m_engine = std::make_unique<http::HttpEngine>();
        connectWith(true);
    }

    void cleanupTestCase()
    {
        m_actions.reset();
        m_client.reset();
        m_engine.reset();
        m_sim.reset();
    }

    void theJobTreeWithFoldersAndBranches()
    {
        const auto jobs = wait<QList<JobNode>>([&](QObject *r, JenkinsClient::Done<QList<JobNode>> d) { m_client->jobs({}, 4, r, d); });
        QVERIFY2(jobs.ok(), qPrintable(jobs.error().message));
        QStringList seen;
        std::function<void(const QList<JobNode> &)> walk = [&](const QList<JobNode> &level) {
            for (const JobNode &j : level) {
                seen << j.path.join(QLatin1Char('/'));
                walk(j.children);
            }
        };
        walk(jobs.value());
        QVERIFY2(seen.contains(QStringLiteral("shop/frontend-ci")), qPrintable(seen.join(QLatin1Char(' '))));
        QVERIFY(seen.contains(QStringLiteral("cafe/releases/deploy-orders")));
        QVERIFY(seen.contains(QStringLiteral("shop/storefront/feature%2Fcheckout")));
        // A branch job is addressed as Jenkins encodes it.
        const auto branch = wait<QList<RunInfo>>([&](QObject *r, JenkinsClient::Done<QList<RunInfo>> d) {
            m_client->runs({QStringLiteral("shop"), QStringLiteral("storefront"), QStringLiteral("feature%2Fcheckout")}, r, d);
        });
        QVERIFY2(branch.ok(), qPrintable(branch.error().message));
    }

    void aTriggerRunsToTheEndWithItsWholeConsole()
    {
        const auto params = wait<QList<ParameterDefinition>>([&](QObject *r, JenkinsClient::Done<QList<ParameterDefinition>> d) {
            m_client->parameterDefinitions(kCi, r, d);
        });
        QVERIFY2(params.ok() && !params.value().isEmpty(), qPrintable(params.error().message));
        QCOMPARE(params.value().first().name, QStringLiteral("GIT_REF"));

        const TriggerOutcome o = trigger(kCi, {BuildParameter{QStringLiteral("GIT_REF"), QStringLiteral("backend-run"), false}});
        QVERIFY2(o.state == TriggerOutcome::State::Started, qPrintable(triggerStateName(o.state) + QStringLiteral(": ") + o.message));
        QVERIFY(o.queueItem > 0);
        const int n = o.buildNumber;
        // The console, followed to its last byte while the stages go on.
        QByteArray console;
        qint64 offset = 0;
        bool more = true;
        int stagesSeenRunning = 0;
        QVERIFY(QTest::qWaitFor([&] {
            const auto chunk = wait<ConsoleChunk>([&](QObject *r, JenkinsClient::Done<ConsoleChunk> d) { m_client->console(kCi, n, offset, r, d); });
            if (!chunk.ok())
                return false;
            console += chunk.value().text;
            offset = chunk.value().nextOffset;
            more = chunk.value().more;
            if (describe(kCi, n).currentStage() >= 0)
                ++stagesSeenRunning;
            return !more;
        }, 60000));
        QVERIFY(stagesSeenRunning > 0);
        const RunInfo run = describe(kCi, n);
        QCOMPARE(run.status, StageStatus::Success);
        QVERIFY(run.stages.size() >= 5);
        for (const StageInfo &s : run.stages)
            QVERIFY2(isFinished(s.status), qPrintable(s.name));
        const BuildInfo b = build(kCi, n);
        QCOMPARE(b.result, BuildResult::Success);
        QVERIFY(!b.building);
        QCOMPARE(console.size(), offset);
        // The pieces make the whole: the console read again from the start is what was followed.
        const auto whole = wait<ConsoleChunk>([&](QObject *r, JenkinsClient::Done<ConsoleChunk> d) { m_client->console(kCi, n, 0, r, d); });
        QVERIFY(whole.ok());
        QVERIFY(!whole.value().more);
        QCOMPARE(whole.value().text, console);
        QVERIFY(console.contains("Finished: SUCCESS"));
    }

    void aRunningBuildsConsoleFollowedIntoLines()
    {
        // The follower and the model, as the console view drives them, while the build writes.
        const TriggerOutcome o = trigger(kCi, {BuildParameter{QStringLiteral("GIT_REF"), QStringLiteral("console-lines"), false}});
        QVERIFY2(o.state == TriggerOutcome::State::Started, qPrintable(triggerStateName(o.state) + QStringLiteral(": ") + o.message));
        models::ConsoleModel model;
        models::ConsoleFollower follower(m_client.get());
        follower.setPollInterval(200);
        QObject::connect(&follower, &models::ConsoleFollower::linesReceived, &model, &models::ConsoleModel::appendLines);
        int batches = 0;
        int batchesWhileRunning = 0;
        QObject::connect(&follower, &models::ConsoleFollower::linesReceived, this, [&] {
            ++batches;
            if (describe(kCi, o.buildNumber).currentStage() >= 0)
                ++batchesWhileRunning;
        });
        QSignalSpy finished(&follower, &models::ConsoleFollower::finished);
        follower.follow(kCi, o.buildNumber);
        QVERIFY(QTest::qWaitFor([&] { return !finished.isEmpty() || follower.state() == models::ConsoleFollower::State::Failed; }, 90000));
        QVERIFY2(follower.state() == models::ConsoleFollower::State::Complete, qPrintable(follower.errorText()));
        QVERIFY2(batchesWhileRunning > 1, qPrintable(QString::number(batchesWhileRunning)));

        // To the last byte: the whole console read at once parses to the same lines.
        const auto whole = wait<ConsoleChunk>([&](QObject *r, JenkinsClient::Done<ConsoleChunk> d) { m_client->console(kCi, o.buildNumber, 0, r, d); });
        QVERIFY(whole.ok() && !whole.value().more);
        QCOMPARE(follower.offset(), whole.value().nextOffset);
        models::ConsoleParser parser;
        const models::ConsoleLines expected = parser.feed(whole.value().text) + parser.finish();
        QCOMPARE(model.totalLines(), qint64(expected.size()));
        QCOMPARE(model.droppedLines(), 0);
        bool coloured = false;
        for (int row = 0; row < model.rowCount(); ++row) {
            const models::ConsoleLine *line = model.lineAt(row);
            QCOMPARE(line->text, expected[row].text);
            QCOMPARE(line->spans, expected[row].spans);
            QVERIFY2(!line->text.contains(QChar(0x1b)), qPrintable(line->text));
            coloured = coloured || !line->spans.isEmpty();
        }
        QVERIFY(coloured);  // Gradle's colours came through as spans
        QCOMPARE(model.lineAt(model.rowCount() - 1)->text, QStringLiteral("Finished: SUCCESS"));
        // Every stage Jenkins reports has its line.
        const RunInfo run = describe(kCi, o.buildNumber);
        QVERIFY(run.stages.size() >= 5);
        for (const StageInfo &s : run.stages) {
            const int row = model.rowOfStage(s.name);
            QVERIFY2(row >= 0, qPrintable(s.name));
            QCOMPARE(models::ConsoleModel::stageOpenedBy(model.lineAt(row)->text), s.name);
        }
    }

    void aPasswordSessionTriggersThroughItsCrumb()
    {
        connectWith(false);
        const TriggerOutcome o = trigger(kCi, {BuildParameter{QStringLiteral("GIT_REF"), QStringLiteral("backend-crumb"), false}});
        QVERIFY2(o.state == TriggerOutcome::State::Started, qPrintable(triggerStateName(o.state) + QStringLiteral(": ") + o.message));
        QCOMPARE(m_client->crumbFetches(), 1);
        QCOMPARE(buildsWithRef(QStringLiteral("backend-crumb")), 1);
        connectWith(true);
    }

    void aLostTriggerAnswerGivesExactlyOneBuild()
    {
        QVERIFY(m_sim->control("jenkins-drop-trigger"));
        const TriggerOutcome o = trigger(kCi, {BuildParameter{QStringLiteral("GIT_REF"), QStringLiteral("backend-lost"), false}});
        QVERIFY2(o.state == TriggerOutcome::State::Started, qPrintable(triggerStateName(o.state) + QStringLiteral(": ") + o.message));
        QVERIFY(o.answerLost);
        QCOMPARE(buildsWithRef(QStringLiteral("backend-lost")), 1);
    }

    void anApprovalProceedsWithItsParameterOrAborts()
    {
        for (const bool approve : {true, false}) {
            const TriggerOutcome o = trigger(kDeploy, {});
            QVERIFY2(o.state == TriggerOutcome::State::Started, qPrintable(o.message));
            const int n = o.buildNumber;
            QList<PendingInput> inputs;
            QVERIFY(QTest::qWaitFor([&] {
                const auto p = wait<QList<PendingInput>>([&](QObject *r, JenkinsClient::Done<QList<PendingInput>> d) { m_client->pendingInputs(kDeploy, n, r, d); });
                inputs = p.ok() ? p.value() : QList<PendingInput>();
                return !inputs.isEmpty();
            }, 30000));
            QCOMPARE(inputs.first().message, QStringLiteral("Deploy orders to production?"));
            QVERIFY(describe(kDeploy, n).waitingForInput());
            const JenkinsAction a = approve ? JenkinsAction::proceed(m_server.url, m_server.user, kDeploy, n, inputs.first(),
                                                                       {BuildParameter{QStringLiteral("CHANGE_TICKET"), QStringLiteral("CHG-4242"), false}})
                                            : JenkinsAction::abort(m_server.url, m_server.user, kDeploy, n, inputs.first());
            const auto r = execute(a);
            QVERIFY2(r.ok(), qPrintable(r.error().message));
            QVERIFY(QTest::qWaitFor([&] { return !build(kDeploy, n).building; }, 30000));
            QCOMPARE(build(kDeploy, n).result, approve ? BuildResult::Success : BuildResult::Aborted);
        }
    }

    void stopEndsARunningBuildAsAborted()
    {
        const TriggerOutcome o = trigger(kCi, {BuildParameter{QStringLiteral("GIT_REF"), QStringLiteral("backend-stop"), false}});
        QVERIFY2(o.state == TriggerOutcome::State::Started, qPrintable(o.message));
        const auto r = execute(JenkinsAction::stop(m_server.url, m_server.user, kCi, o.buildNumber));
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QVERIFY(QTest::qWaitFor([&] { return !build(kCi, o.buildNumber).building; }, 30000));
        QCOMPARE(build(kCi, o.buildNumber).result, BuildResult::Aborted);

        // Every action of this test case left its line in the audit log, the secret of none.
        QFile f(m_audit->path());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray log = f.readAll();
        QVERIFY(log.count('\n') >= 7);
        QVERIFY(log.contains("jenkins-trigger") && log.contains("jenkins-input-proceed") && log.contains("jenkins-input-abort") && log.contains("jenkins-stop"));
        QVERIFY(!log.contains(m_server.apiToken));
        QVERIFY(!log.contains(m_server.password));
    }
};

QTEST_MAIN(TestJenkinsBackend)
#include "tst_jenkinsbackend.moc"
