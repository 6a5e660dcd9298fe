// Jenkins answers as values, on fixtures shaped as Jenkins, the Stage View plugin (wfapi) and the
// Pipeline Graph View (stages/tree) send them.
#include "fixture.h"
#include "jenkins/jenkinsinfo.h"

#include <QFile>
#include <QTest>

using namespace pilothouse::backends::jenkins;

namespace {

QByteArray fixture(const char *name) { return pilothouse::testsupport::readFixture(QStringLiteral(PILOTHOUSE_TEST_DATA "/jenkins/") + QLatin1String(name)); }

const JobNode *find(const QList<JobNode> &jobs, const QStringList &path)
{
    const QList<JobNode> *level = &jobs;
    const JobNode *found = nullptr;
    for (const QString &name : path) {
        found = nullptr;
        for (const JobNode &j : *level)
            if (j.name == name)
                found = &j;
        if (!found)
            return nullptr;
        level = &found->children;
    }
    return found;
}

}  // namespace

class TestJenkinsInfo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void jobTreeWithFoldersAndBranches()
    {
        const auto parsed = parseJobTree(fixture("jobs.json"));
        QVERIFY2(parsed.ok(), qPrintable(parsed.error().message));
        const QList<JobNode> &jobs = parsed.value();
        QCOMPARE(jobs.size(), 3);

        const JobNode *shop = find(jobs, {QStringLiteral("shop")});
        QVERIFY(shop);
        QCOMPARE(shop->kind, JobKind::Folder);
        QVERIFY(shop->isContainer());
        QCOMPARE(shop->status, JobStatus::None);  // folders have no colour
        QCOMPARE(shop->children.size(), 3);

        const JobNode *storefront = find(jobs, {QStringLiteral("shop"), QStringLiteral("storefront")});
        QVERIFY(storefront);
        QCOMPARE(storefront->kind, JobKind::Pipeline);
        QCOMPARE(storefront->status, JobStatus::Success);  // the last completed build's colour...
        QVERIFY(storefront->building);                     // ...animated while the next one runs
        QCOMPARE(storefront->healthScore, 80);
        QVERIFY(storefront->lastBuild);
        QCOMPARE(storefront->lastBuild->number, 171);
        QCOMPARE(storefront->lastBuild->result, BuildResult::Running);
        QCOMPARE(storefront->path, (QStringList{QStringLiteral("shop"), QStringLiteral("storefront")}));

        const JobNode *checkout = find(jobs, {QStringLiteral("shop"), QStringLiteral("checkout")});
        QVERIFY(checkout);
        QCOMPARE(checkout->status, JobStatus::Failure);
        QVERIFY(!checkout->building);
        QVERIFY(checkout->inQueue);
        QCOMPARE(checkout->lastBuild->result, BuildResult::Failure);
        QCOMPARE(checkout->lastBuild->durationMs, 184000);

        // A multibranch project: its branch jobs are named by the encoded branch.
        const JobNode *frontend = find(jobs, {QStringLiteral("shop"), QStringLiteral("frontend")});
        QVERIFY(frontend);
        QCOMPARE(frontend->kind, JobKind::Multibranch);
        const JobNode *feature = find(jobs, {QStringLiteral("shop"), QStringLiteral("frontend"), QStringLiteral("feature%2Fcheckout-v2")});
        QVERIFY(feature);
        QCOMPARE(feature->displayName, QStringLiteral("feature/checkout-v2"));
        QCOMPARE(feature->status, JobStatus::Unstable);
        QCOMPARE(feature->fullName, QStringLiteral("shop/frontend/feature%2Fcheckout-v2"));
        // Its URL path as Jenkins writes it: the name encoded once more.
        QCOMPARE(jobPath(feature->path), QStringLiteral("job/shop/job/frontend/job/feature%252Fcheckout-v2/"));
        QVERIFY(feature->url.endsWith(jobPath(feature->path)));

        const JobNode *deploy = find(jobs, {QStringLiteral("deploy-orders")});
        QVERIFY(deploy);
        QCOMPARE(deploy->status, JobStatus::NotBuilt);
        QVERIFY(!deploy->lastBuild);  // null: never built

        const JobNode *cleanup = find(jobs, {QStringLiteral("nightly cleanup")});
        QVERIFY(cleanup);
        QCOMPARE(cleanup->kind, JobKind::Freestyle);
        QCOMPARE(cleanup->status, JobStatus::Disabled);
        QVERIFY(!cleanup->buildable);
        QCOMPARE(jobPath(cleanup->path), QStringLiteral("job/nightly%20cleanup/"));
    }

    void jobTreeQueryNestsFolders()
    {
        const QString q = jobTreeQuery(3);
        QCOMPARE(q.count(QStringLiteral("jobs[")), 3);
        QVERIFY(q.startsWith(QStringLiteral("jobs[_class,name,")));
        QVERIFY(q.contains(QStringLiteral("lastBuild[number,url,result,building,timestamp,duration]")));
        QCOMPARE(q.count(QLatin1Char('[')), q.count(QLatin1Char(']')));
    }

    void malformedAnswersSayWhatIsWrong_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not JSON") << QByteArray("<html>Jenkins is starting</html>") << QStringLiteral("the job list is not valid JSON");
        QTest::newRow("an array") << QByteArray("[]") << QStringLiteral("the job list is not a JSON object");
        QTest::newRow("a job without a name") << QByteArray("{\"jobs\":[{\"_class\":\"hudson.model.FreeStyleProject\"}]}")
                                               << QStringLiteral("a job without a name");
        QTest::newRow("a job that is a number") << QByteArray("{\"jobs\":[3]}") << QStringLiteral("not an object");
    }
    void malformedAnswersSayWhatIsWrong()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const auto parsed = parseJobTree(json);
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().message.contains(expected), qPrintable(parsed.error().message));
    }

    void runWaitingForInput()
    {
        const auto parsed = parseRunDescribe(fixture("describe-input.json"));
        QVERIFY2(parsed.ok(), qPrintable(parsed.error().message));
        const RunInfo &run = parsed.value();
        QCOMPARE(run.number, 7);
        QCOMPARE(run.status, StageStatus::PausedPendingInput);
        QCOMPARE(run.stages.size(), 4);
        QCOMPARE(run.currentStage(), 2);
        QCOMPARE(run.stages[2].name, QStringLiteral("Approve"));
        QVERIFY(run.waitingForInput());
        QCOMPARE(run.stages[2].pauseMs, 30000);
        QCOMPARE(run.stages[3].status, StageStatus::NotExecuted);
        QVERIFY(!run.failedStage());
        QCOMPARE(stageStatusName(run.stages[2].status), QStringLiteral("Waiting for input"));
    }

    void failedRunNamesItsStageAndError()
    {
        const auto parsed = parseRunDescribe(fixture("describe-failed.json"));
        QVERIFY(parsed.ok());
        RunInfo run = parsed.value();
        QCOMPARE(run.status, StageStatus::Failed);
        QCOMPARE(run.currentStage(), -1);
        QVERIFY(!run.waitingForInput());
        const StageInfo *failed = run.failedStage();
        QVERIFY(failed);
        QCOMPARE(failed->name, QStringLiteral("Tests"));
        QCOMPARE(failed->error, QStringLiteral("script returned exit code 1"));
        QCOMPARE(failed->errorType, QStringLiteral("hudson.AbortException"));
        QVERIFY(isFinished(run.status));

        // The graph view's tree adds the parallel branches under their stage; the failed one is
        // then the branch itself.
        const auto tree = parseStageTree(fixture("stages-tree.json"));
        QVERIFY(tree.ok());
        QCOMPARE(tree.value().size(), 4);
        QCOMPARE(tree.value()[2].children.size(), 2);
        QCOMPARE(tree.value()[3].status, StageStatus::NotExecuted);  // "not_built"
        run.stages[2].status = StageStatus::Success;  // as if wfapi had not marked the stage
        mergeStageTree(run, tree.value());
        QCOMPARE(run.stages[2].children.size(), 2);
        QVERIFY(run.stages[2].children[0].parallel);
        QCOMPARE(run.stages[2].children[1].durationMs, 119000);
        failed = run.failedStage();
        QVERIFY(failed);
        QCOMPARE(failed->name, QStringLiteral("Integration tests"));
        QVERIFY(run.stages[0].children.isEmpty());
    }

    void runsNewestFirst()
    {
        const auto parsed = parseRuns(fixture("runs.json"));
        QVERIFY(parsed.ok());
        QCOMPARE(parsed.value().size(), 2);
        QCOMPARE(parsed.value()[0].number, 171);
        QCOMPARE(parsed.value()[0].currentStage(), 1);
        QCOMPARE(parsed.value()[1].status, StageStatus::Success);
        QVERIFY(!parseRuns("{}").ok());
        QVERIFY(!parseRuns("[{\"name\":\"#1\"}]").ok());
    }

    void buildWithCausesParametersAndChanges()
    {
        const auto parsed = parseBuild(fixture("build.json"));
        QVERIFY2(parsed.ok(), qPrintable(parsed.error().message));
        const BuildInfo &b = parsed.value();
        QCOMPARE(b.number, 170);
        QCOMPARE(b.result, BuildResult::Success);
        QCOMPARE(b.estimatedDurationMs, 236500);
        QCOMPARE(b.causes, QStringList{QStringLiteral("Started by user Ada Operator")});
        QCOMPARE(b.parameters.size(), 3);
        QCOMPARE(b.parameters[0].value, QStringLiteral("171"));
        QCOMPARE(b.parameters[1].value, QStringLiteral("false"));
        QVERIFY(b.parameters[2].secret);
        QVERIFY(b.parameters[2].value.isEmpty());
        QCOMPARE(b.changes, (QStringList{QStringLiteral("storefront: cache the product list"), QStringLiteral("storefront: bump the base image")}));
        QVERIFY(!parseBuild("{\"result\":\"SUCCESS\"}").ok());
    }

    void queueItemBecomesABuild()
    {
        const auto waiting = parseQueueItem(fixture("queue-item-waiting.json"));
        QVERIFY(waiting.ok());
        QCOMPARE(waiting.value().id, 42);
        QCOMPARE(waiting.value().buildNumber, 0);
        QVERIFY(waiting.value().why.startsWith(QStringLiteral("In the quiet period")));
        QCOMPARE(waiting.value().parameters.first().value, QStringLiteral("172"));
        const auto left = parseQueueItem(fixture("queue-item-left.json"));
        QVERIFY(left.ok());
        QCOMPARE(left.value().buildNumber, 172);
        QVERIFY(left.value().buildUrl.endsWith(QStringLiteral("/storefront/172/")));
        QVERIFY(!left.value().cancelled);

        QCOMPARE(queueItemFromLocation(QStringLiteral("https://ci.example.test/queue/item/42/")), 42);
        QCOMPARE(queueItemFromLocation(QStringLiteral("http://127.0.0.1:8080/queue/item/7")), 7);
        QCOMPARE(queueItemFromLocation(QStringLiteral("https://ci.example.test/job/x/")), 0);
        QCOMPARE(queueItemFromLocation(QString()), 0);
    }

    void aBuildCarriesTheParametersSent()
    {
        const BuildParameter tag{QStringLiteral("IMAGE_TAG"), QStringLiteral("171"), false};
        const BuildParameter token{QStringLiteral("TOKEN"), QStringLiteral("s3cr3t"), true};
        const BuildParameter tokenAsRead{QStringLiteral("TOKEN"), QString(), true};  // Jenkins never sends it back
        const BuildParameter defaulted{QStringLiteral("SKIP_SONAR"), QStringLiteral("false"), false};  // not sent: its default
        QVERIFY(carriesParameters({tokenAsRead, tag, defaulted}, {tag, token}));
        QVERIFY(!carriesParameters({tag}, {tag, token}));
        QVERIFY(!carriesParameters({BuildParameter{QStringLiteral("IMAGE_TAG"), QStringLiteral("172"), false}}, {tag}));
        QVERIFY(!carriesParameters({BuildParameter{QStringLiteral("TAG"), QStringLiteral("171"), false}}, {tag}));
        QVERIFY(carriesParameters({defaulted}, {}));
    }

    void pendingInputWithParameters()
    {
        const auto parsed = parsePendingInputs(fixture("pending-inputs.json"));
        QVERIFY2(parsed.ok(), qPrintable(parsed.error().message));
        QCOMPARE(parsed.value().size(), 1);
        const PendingInput &in = parsed.value().first();
        QCOMPARE(in.id, QStringLiteral("Approve"));
        QCOMPARE(in.message, QStringLiteral("Deploy orders to production?"));
        QCOMPARE(in.proceedText, QStringLiteral("Deploy"));
        QCOMPARE(in.inputs.size(), 2);
        QCOMPARE(in.inputs[0].choices, (QStringList{QStringLiteral("eu-west"), QStringLiteral("us-east")}));
        QCOMPARE(in.inputs[0].defaultValue, QStringLiteral("eu-west"));
        QCOMPARE(in.inputs[1].defaultValue, QStringLiteral("true"));
        QVERIFY(parsePendingInputs("[]").ok());
        QVERIFY(!parsePendingInputs("[{\"message\":\"no id\"}]").ok());
    }

    void parameterDefinitionsForTheForm()
    {
        const auto parsed = parseParameterDefinitions(fixture("job-parameters.json"));
        QVERIFY2(parsed.ok(), qPrintable(parsed.error().message));
        const auto &p = parsed.value();
        QCOMPARE(p.size(), 5);
        QCOMPARE(p[0].type, ParameterDefinition::Type::String);
        QCOMPARE(p[0].defaultValue, QStringLiteral("latest"));
        QCOMPARE(p[1].type, ParameterDefinition::Type::Choice);
        QCOMPARE(p[1].choices, (QStringList{QStringLiteral("staging"), QStringLiteral("production")}));
        QCOMPARE(p[2].type, ParameterDefinition::Type::Boolean);
        QCOMPARE(p[2].defaultValue, QStringLiteral("false"));
        QCOMPARE(p[3].type, ParameterDefinition::Type::Text);
        QCOMPARE(p[3].defaultValue, QStringLiteral("line one\nline two"));
        // A password's default (an encrypted secret) is not kept.
        QCOMPARE(p[4].type, ParameterDefinition::Type::Password);
        QVERIFY(p[4].defaultValue.isEmpty());
        // A job without parameters has none.
        const auto none = parseParameterDefinitions("{\"_class\":\"org.jenkinsci.plugins.workflow.job.WorkflowJob\",\"property\":[]}");
        QVERIFY(none.ok());
        QVERIFY(none.value().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestJenkinsInfo)
#include "tst_jenkinsinfo.moc"
