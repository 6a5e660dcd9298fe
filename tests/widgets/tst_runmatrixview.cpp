// RunMatrixView against pilothouse-sim's Jenkins (a job of 60 past builds with parallel test
// stages) and StageGraphView on fixture runs, offscreen: stage cells with their status, the
// placeholders, activation and selection signals, more rows on scrolling; graph nodes with their
// status, parallel branches stacked between a fork and a join, no relayout for the same stages,
// the running node animated, a click activating a stage, the horizontal scroll when narrow.
#include "http/httpengine.h"
#include "jenkins/jenkinsclient.h"
#include "jenkins/jobrunsloader.h"
#include "pipelines/runmatrixmodel.h"
#include "pipelines/runmatrixview.h"
#include "pipelines/stagegraphview.h"
#include "jenkinssim.h"

#include <QFile>
#include <QHeaderView>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <optional>

using namespace pilothouse;
using namespace pilothouse::backends;
using namespace pilothouse::backends::jenkins;
using namespace pilothouse::testsupport;
using models::RunMatrixModel;
using widgets::RunMatrixView;
using widgets::StageGraphView;

namespace {

const QStringList kJob{QStringLiteral("shop"), QStringLiteral("checkoutservice-ci")};

QByteArray fixture(const char *name)
{
    QFile f(sourceDir() + QStringLiteral("/tests/data/jenkins/") + QLatin1String(name));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("no fixture %s", name);
    return f.readAll();
}

RunInfo failedRunWithBranches()
{
    RunInfo run = parseRunDescribe(fixture("describe-failed.json")).value();
    mergeStageTree(run, parseStageTree(fixture("stages-tree.json")).value());
    return run;
}

}  // namespace

class TestRunMatrixView : public QObject {
    Q_OBJECT

    JenkinsSimClient m_jenkins;

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_jenkins.start(QStringList{QStringLiteral("--jenkins-history"), QStringLiteral("60")});
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void matrixShowsRunsAndStages()
    {
        RunMatrixView view(m_jenkins.client.get());
        view.resize(1100, 420);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy activated(&view, &RunMatrixView::runActivated);
        QSignalSpy selected(&view, &RunMatrixView::runSelected);
        view.setJob(kJob);
        RunMatrixModel *model = view.model();
        // Rows first, with placeholders; then the rows on screen filled.
        QVERIFY(QTest::qWaitFor([&] { return model->rowCount() > 0; }, 30000));
        QCOMPARE(model->data(model->index(0, 0)).toString(), QStringLiteral("#60"));
        QVERIFY(QTest::qWaitFor([&] {
            const auto [first, last] = view.visibleRows();
            if (first < 0)
                return false;
            for (int row = first; row <= last; ++row)
                if (!model->data(model->index(row, 0), RunMatrixModel::DescribedRole).toBool())
                    return false;
            return true;
        }, 30000));
        const auto [first, last] = view.visibleRows();
        QCOMPARE(first, 0);
        QVERIFY2(last >= 5 && last < model->rowCount() - 1, qPrintable(QString::number(last)));
        // One column per stage, the parallel branches as Stage View shows them.
        for (const char *stage : {"Checkout", "SonarQube analysis", "Tests", "Unit tests + JaCoCo", "Integration tests", "Contract tests", "Notify"})
            QVERIFY2(model->columnOfStage(QLatin1String(stage)) > 0, stage);
        const int it = model->columnOfStage(QStringLiteral("Integration tests"));
        QCOMPARE(model->data(model->index(0, it), RunMatrixModel::StageStatusRole).toInt(), int(StageStatus::Success));
        QVERIFY(model->data(model->index(0, it), RunMatrixModel::DurationMsRole).toLongLong() > 0);
        QVERIFY(!model->data(model->index(0, it)).toString().isEmpty());
        // The header's second line: the average stage time.
        QVERIFY(view.table()->model()->headerData(it, Qt::Horizontal).toString().contains(QStringLiteral("avg ")));
        QVERIFY(!view.grab().isNull());

        // Selection and activation (Enter, double-click) name the job and the run.
        QTableView *table = view.table();
        table->setFocus();
        table->setCurrentIndex(table->model()->index(2, 0));
        QVERIFY(!selected.isEmpty());
        QCOMPARE(selected.last().at(0).toStringList(), kJob);
        QCOMPARE(selected.last().at(1).toInt(), 58);
        QTest::keyClick(table, Qt::Key_Return);
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.last().at(1).toInt(), 58);
        const QPoint cell = table->visualRect(table->model()->index(4, 1)).center();
        QTest::mousePress(table->viewport(), Qt::LeftButton, {}, cell);  // a double-click's first press and release
        QTest::mouseRelease(table->viewport(), Qt::LeftButton, {}, cell);
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell);
        QCOMPARE(activated.count(), 2);
        QCOMPARE(activated.last().at(1).toInt(), 56);

        // Scrolled to the end of the first page: the next page comes, the last rows get described.
        QCOMPARE(model->rowCount(), 50);
        table->verticalScrollBar()->setValue(table->verticalScrollBar()->maximum());
        QVERIFY(QTest::qWaitFor([&] { return model->rowCount() == 60; }, 30000));
        table->verticalScrollBar()->setValue(table->verticalScrollBar()->maximum());
        QVERIFY(QTest::qWaitFor([&] { return model->data(model->index(59, 0), RunMatrixModel::DescribedRole).toBool(); }, 30000));
        QCOMPARE(model->data(model->index(59, 0)).toString(), QStringLiteral("#1"));
        // Nothing was described twice.
        QVERIFY(QTest::qWaitFor([&] { return view.loader()->inFlight() == 0; }, 30000));
        QCOMPARE(view.loader()->describeRequests(), 60);
        QVERIFY(!view.animating());
    }

    void runningRunIsMarkedAndReadAgain()
    {
        RunMatrixView view(m_jenkins.client.get());
        view.resize(1100, 420);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setJob(kJob);
        RunMatrixModel *model = view.model();
        QVERIFY(QTest::qWaitFor([&] { return model->rowCount() > 0 && view.loader()->inFlight() == 0; }, 30000));
        std::optional<PostReply> posted;
        m_jenkins.client->post(jobPath(kJob) + QStringLiteral("buildWithParameters"), QByteArray(), this, [&](const PostReply &r) { posted = r; });
        QVERIFY(QTest::qWaitFor([&] { return posted.has_value(); }, 30000));
        QCOMPARE(posted->status, 201);
        // refresh() brings the new run on top, described while it runs: a running cell, animated.
        QVERIFY(QTest::qWaitFor([&] {
            if (model->data(model->index(0, 0)).toString() == QStringLiteral("#61") &&
                model->data(model->index(0, 0), RunMatrixModel::DescribedRole).toBool())
                return true;
            view.refresh();
            QTest::qWait(200);
            return false;
        }, 60000));
        QCOMPARE(model->rowOfBuild(60), 1);
        QVERIFY(model->data(model->index(0, 0), RunMatrixModel::RunningRole).toBool());
        const int checkout = model->columnOfStage(QStringLiteral("Checkout"));
        const int running = model->data(model->index(0, checkout), RunMatrixModel::StageStatusRole).toInt();
        QVERIFY2(running == int(StageStatus::InProgress) || running == int(StageStatus::Success), qPrintable(QString::number(running)));
        QVERIFY(view.animating());
        const int before = view.loader()->describeRequestsOf(61);
        view.refresh();
        QVERIFY(QTest::qWaitFor([&] { return view.loader()->describeRequestsOf(61) > before; }, 30000));
        QVERIFY(!view.grab().isNull());
    }

    void graphLaysOutParallelBranches()
    {
        StageGraphView view;
        view.resize(1400, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setRun(failedRunWithBranches());
        QCOMPARE(view.layoutCount(), 1);
        const auto *checkout = view.node(QStringLiteral("Checkout"));
        const auto *tests = view.node(QStringLiteral("Tests"));
        const auto *unit = view.node(QStringLiteral("Unit tests"));
        const auto *integration = view.node(QStringLiteral("Integration tests"));
        const auto *gradle = view.node(QStringLiteral("Gradle build"));
        QVERIFY(checkout && tests && unit && integration && gradle);
        QVERIFY(tests->group && unit->branch && integration->branch);
        // Left to right; the branches stacked in one column inside their stage's frame.
        QVERIFY(checkout->rect.right() < tests->rect.left());
        QVERIFY(tests->rect.right() < gradle->rect.left());
        QCOMPARE(unit->rect.left(), integration->rect.left());
        QVERIFY(unit->rect.bottom() < integration->rect.top());
        QVERIFY(tests->rect.contains(unit->rect) && tests->rect.contains(integration->rect));
        QCOMPARE(integration->status, StageStatus::Failed);
        QCOMPARE(gradle->status, StageStatus::NotExecuted);
        QCOMPARE(tests->error, QStringLiteral("script returned exit code 1"));
        QCOMPARE(view.nodes().size(), 6);

        // Every second while live: the same stages are not laid out again; a new status only repaints.
        view.setRun(failedRunWithBranches());
        QCOMPARE(view.layoutCount(), 1);
        RunInfo later = failedRunWithBranches();
        later.stages[0].durationMs = 2500;
        view.setRun(later);
        QCOMPARE(view.layoutCount(), 1);
        QCOMPARE(view.node(QStringLiteral("Checkout"))->durationMs, qint64(2500));
        QVERIFY(!view.grab().isNull());

        // A click on a node activates its stage.
        QSignalSpy activated(&view, &StageGraphView::stageActivated);
        QTest::mouseClick(view.canvas(), Qt::LeftButton, {}, view.node(QStringLiteral("Integration tests"))->rect.center());
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.at(0).at(0).toString(), QStringLiteral("Integration tests"));

        // Narrower than the graph: it scrolls across, and its size hint says how wide it is.
        QVERIFY(view.sizeHint().width() >= view.canvas()->width());
        view.resize(view.canvas()->width() / 2, view.sizeHint().height());
        QTRY_VERIFY(view.findChild<QScrollArea *>()->horizontalScrollBar()->isVisible());
    }

    void graphBranchesListedTwiceAreDrawnOnce()
    {
        // wfapi (the sim's, some Jenkins versions') lists a parallel stage's branches at the top
        // level as well: drawn only inside their stage.
        RunInfo run = failedRunWithBranches();
        StageInfo flat = run.stages[2].children[0];
        flat.parallel = false;
        run.stages.insert(3, flat);
        StageGraphView view;
        view.setRun(run);
        QCOMPARE(view.nodes().size(), 6);
        QVERIFY(view.node(QStringLiteral("Unit tests"))->branch);
    }

    void graphMarksRunningAndWaiting()
    {
        StageGraphView view;
        view.show();
        view.setRun(parseRuns(fixture("runs.json")).value().at(0));
        QCOMPARE(view.node(QStringLiteral("SonarQube analysis"))->status, StageStatus::InProgress);
        QVERIFY(view.animating());
        view.setRun(parseRunDescribe(fixture("describe-input.json")).value());
        QCOMPARE(view.layoutCount(), 2);
        QCOMPARE(view.node(QStringLiteral("Approve"))->status, StageStatus::PausedPendingInput);
        QVERIFY(!view.animating());
        QVERIFY(!view.grab().isNull());
    }
};

QTEST_MAIN(TestRunMatrixView)
#include "tst_runmatrixview.moc"
