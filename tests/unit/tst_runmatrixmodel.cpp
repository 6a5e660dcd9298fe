// RunMatrixModel on fixture runs (tests/data/jenkins): rows before stages, stage columns in order
// of first appearance, cells with status, tone, duration and error, placeholders, no resets.
#include "pipelines/runmatrixmodel.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

using namespace pilothouse::models;
using namespace pilothouse::backends::jenkins;

namespace {

RunInfo fixtureRun(const char *file, int index = 0)
{
    QFile f(QStringLiteral(PILOTHOUSE_TEST_DATA "/jenkins/") + QLatin1String(file));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("no fixture %s", file);
    const QByteArray json = f.readAll();
    if (json.trimmed().startsWith('[')) {
        auto runs = parseRuns(json);
        if (!runs)
            qFatal("%s does not parse", file);
        return runs.value().at(index);
    }
    auto run = parseRunDescribe(json);
    if (!run)
        qFatal("%s does not parse", file);
    return run.value();
}

BuildInfo build(int number, BuildResult result, QList<BuildParameter> parameters = {})
{
    BuildInfo b;
    b.number = number;
    b.result = result;
    b.building = result == BuildResult::Running;
    b.timestampMs = 1765000000000LL + number * 1000;
    b.durationMs = b.building ? 0 : 60000;
    b.parameters = parameters;
    return b;
}

}  // namespace

class TestRunMatrixModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rowsComeBeforeTheirStages()
    {
        RunMatrixModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setBuilds({build(171, BuildResult::Running), build(170, BuildResult::Success), build(58, BuildResult::Failure)});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(RunMatrixModel::ColumnCount));
        QCOMPARE(model.data(model.index(0, RunMatrixModel::RunColumn)).toString(), QStringLiteral("#171"));
        for (int row = 0; row < 3; ++row)
            QVERIFY(!model.data(model.index(row, 0), RunMatrixModel::DescribedRole).toBool());
        // The run column already says what the build list knows.
        QCOMPARE(model.data(model.index(2, 0), RunMatrixModel::StageStatusRole).toInt(), int(StageStatus::Failed));
        QCOMPARE(model.data(model.index(0, 0), RunMatrixModel::RunningRole).toBool(), true);
    }

    void stagesFillRowsInPlace()
    {
        RunMatrixModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setBuilds({build(171, BuildResult::Running), build(170, BuildResult::Success), build(58, BuildResult::Failure)});
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setRun(fixtureRun("runs.json", 1));  // #170: Checkout, SonarQube analysis
        QCOMPARE(model.stageNames(), (QStringList{QStringLiteral("Checkout"), QStringLiteral("SonarQube analysis")}));
        QCOMPARE(model.columnCount(), 3);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 1);
        const int sonar = model.columnOfStage(QStringLiteral("SonarQube analysis"));
        QCOMPARE(sonar, 2);
        QVERIFY(model.data(model.index(1, 0), RunMatrixModel::DescribedRole).toBool());
        QCOMPARE(model.data(model.index(1, sonar)).toString(), QStringLiteral("51s"));
        QCOMPARE(model.data(model.index(1, sonar), StatusToneRole).toInt(), int(StatusTone::Good));
        // The rows still being described hold placeholders: no status, not described.
        QVERIFY(!model.data(model.index(0, sonar), RunMatrixModel::StageStatusRole).isValid());
        QVERIFY(!model.data(model.index(0, 0), RunMatrixModel::DescribedRole).toBool());

        model.setRun(fixtureRun("runs.json", 0));  // #171 running in SonarQube
        QCOMPARE(model.data(model.index(0, sonar), RunMatrixModel::StageStatusRole).toInt(), int(StageStatus::InProgress));
        QVERIFY(model.data(model.index(0, sonar), RunMatrixModel::RunningRole).toBool());
        QCOMPARE(model.data(model.index(0, sonar), StatusToneRole).toInt(), int(StatusTone::Progress));

        model.setRun(fixtureRun("describe-failed.json"));  // #58: Tests failed, Gradle build not run
        QCOMPARE(model.stageNames(), (QStringList{QStringLiteral("Checkout"), QStringLiteral("SonarQube analysis"), QStringLiteral("Tests"),
                                                  QStringLiteral("Gradle build")}));
        const int tests = model.columnOfStage(QStringLiteral("Tests"));
        QCOMPARE(model.data(model.index(2, tests), RunMatrixModel::StageStatusRole).toInt(), int(StageStatus::Failed));
        QCOMPARE(model.data(model.index(2, tests), StatusToneRole).toInt(), int(StatusTone::Bad));
        QVERIFY(model.data(model.index(2, tests), Qt::ToolTipRole).toString().contains(QStringLiteral("script returned exit code 1")));
        QCOMPARE(model.data(model.index(2, tests), RunMatrixModel::ErrorRole).toString(), QStringLiteral("script returned exit code 1"));
        QVERIFY(model.data(model.index(2, 0), Qt::ToolTipRole).toString().contains(QStringLiteral("Tests: script returned exit code 1")));
        // A run without the stage: no status at all (an empty cell, not a placeholder).
        QVERIFY(!model.data(model.index(1, tests), RunMatrixModel::StageStatusRole).isValid());
        QVERIFY(model.data(model.index(1, tests), RunMatrixModel::DescribedRole).toBool());
        // Described again with the same values: nothing changes.
        const int before = changed.count();
        model.setRun(fixtureRun("describe-failed.json"));
        QCOMPARE(changed.count(), before);
        QCOMPARE(resets.count(), 0);
    }

    void newStagesGoWhereTheyRun()
    {
        RunMatrixModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setBuilds({build(58, BuildResult::Failure), build(7, BuildResult::Running)});
        model.setRun(fixtureRun("describe-failed.json"));
        QSignalSpy inserted(&model, &QAbstractItemModel::columnsInserted);
        // #7: Checkout, Deploy to staging, Approve (waiting), Deploy to production.
        model.setRun(fixtureRun("describe-input.json"));
        QCOMPARE(model.stageNames(), (QStringList{QStringLiteral("Checkout"), QStringLiteral("Deploy to staging"), QStringLiteral("Approve"),
                                                  QStringLiteral("Deploy to production"), QStringLiteral("SonarQube analysis"),
                                                  QStringLiteral("Tests"), QStringLiteral("Gradle build")}));
        // The three new stages come in as one range of columns, after Checkout.
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.at(0).at(1).toInt(), 2);
        QCOMPARE(inserted.at(0).at(2).toInt(), 4);
        const int approve = model.columnOfStage(QStringLiteral("Approve"));
        QCOMPARE(model.data(model.index(1, approve)).toString(), QStringLiteral("waiting for approval"));
        QVERIFY(model.data(model.index(1, approve), RunMatrixModel::WaitingForInputRole).toBool());
        QCOMPARE(model.data(model.index(1, approve), StatusToneRole).toInt(), int(StatusTone::Paused));
        QVERIFY(model.data(model.index(1, 0), RunMatrixModel::WaitingForInputRole).toBool());
        // #58's cells moved with their columns.
        QCOMPARE(model.data(model.index(0, model.columnOfStage(QStringLiteral("Tests"))), RunMatrixModel::StageStatusRole).toInt(),
                 int(StageStatus::Failed));
    }

    void averagesOverFinishedStages()
    {
        RunMatrixModel model;
        model.setRun(fixtureRun("runs.json", 1));       // SonarQube 51 s, success
        model.setRun(fixtureRun("describe-failed.json"));  // SonarQube 48 s, success; Tests failed
        model.setRun(fixtureRun("runs.json", 0));       // SonarQube running: not counted
        QCOMPARE(model.averageStageDurationMs(QStringLiteral("SonarQube analysis")), qint64(49500));
        QCOMPARE(model.averageStageDurationMs(QStringLiteral("Tests")), qint64(-1));
        const int sonar = model.columnOfStage(QStringLiteral("SonarQube analysis"));
        QCOMPARE(model.headerData(sonar, Qt::Horizontal, RunMatrixModel::AverageDurationRole).toLongLong(), qint64(49500));
        // A run described again replaces its own contribution.
        RunInfo again = fixtureRun("runs.json", 1);
        again.stages[1].durationMs = 45000;
        model.setRun(again);
        QCOMPARE(model.averageStageDurationMs(QStringLiteral("SonarQube analysis")), qint64(46500));
    }

    void refreshKeepsRowsAndTheirStages()
    {
        RunMatrixModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setBuilds({build(170, BuildResult::Success), build(58, BuildResult::Failure)});
        model.setRun(fixtureRun("runs.json", 1));
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.setBuilds({build(171, BuildResult::Running), build(170, BuildResult::Success), build(58, BuildResult::Failure)});
        QCOMPARE(resets.count(), 0);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.rowOfBuild(170), 1);
        QVERIFY(model.data(model.index(1, 0), RunMatrixModel::DescribedRole).toBool());
        QVERIFY(!model.data(model.index(0, 0), RunMatrixModel::DescribedRole).toBool());
        // A run described before its row exists fills the row when it comes.
        model.setRun(fixtureRun("describe-input.json"));
        model.setBuilds({build(171, BuildResult::Running), build(170, BuildResult::Success), build(58, BuildResult::Failure),
                         build(7, BuildResult::Running)});
        QVERIFY(model.data(model.index(3, 0), RunMatrixModel::DescribedRole).toBool());
        model.clearAll();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), int(RunMatrixModel::ColumnCount));
    }

    void passwordsAreNeverShown()
    {
        BuildParameter ref{QStringLiteral("GIT_REF"), QStringLiteral("main"), false};
        BuildParameter token{QStringLiteral("REGISTRY_TOKEN"), QString(), true};
        BuildParameter dry{QStringLiteral("DRY_RUN"), QStringLiteral("false"), false};
        RunMatrixModel model;
        model.setBuilds({build(12, BuildResult::Success, {ref, token, dry})});
        const QString summary = model.data(model.index(0, 0), RunMatrixModel::ParametersRole).toString();
        QCOMPARE(summary, QStringLiteral("GIT_REF=main, DRY_RUN=false"));
        QVERIFY(!model.data(model.index(0, 0), Qt::ToolTipRole).toString().contains(QStringLiteral("REGISTRY_TOKEN")));
    }

    void durations()
    {
        QCOMPARE(RunMatrixModel::durationText(850), QStringLiteral("850 ms"));
        QCOMPARE(RunMatrixModel::durationText(12400), QStringLiteral("12s"));
        QCOMPARE(RunMatrixModel::durationText(184000), QStringLiteral("3m4s"));
    }
};

QTEST_GUILESS_MAIN(TestRunMatrixModel)
#include "tst_runmatrixmodel.moc"
