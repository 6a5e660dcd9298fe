// The Pipelines page's models over Jenkins values, each under QAbstractItemModelTester.
#include "pipelines/jobtreemodel.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

using namespace pilothouse::models;
using namespace pilothouse::backends::jenkins;

namespace {

QList<JobNode> fixtureJobs()
{
    QFile f(QStringLiteral(PILOTHOUSE_TEST_DATA "/jenkins/jobs.json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("no jobs.json fixture");
    auto jobs = parseJobTree(f.readAll());
    if (!jobs)
        qFatal("the jobs fixture does not parse");
    return jobs.value();
}

JobNode *findJob(QList<JobNode> &jobs, const QStringList &path)
{
    QList<JobNode> *level = &jobs;
    JobNode *found = nullptr;
    for (const QString &name : path) {
        found = nullptr;
        for (JobNode &j : *level)
            if (j.name == name)
                found = &j;
        if (!found)
            return nullptr;
        level = &found->children;
    }
    return found;
}

}  // namespace

class TestPipelineModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void jobTreeShowsFoldersBranchesAndStatus()
    {
        JobTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(1765012000000 + 3 * 60 * 1000, Qt::UTC);
        model.setJobs(fixtureJobs(), now);
        QCOMPARE(model.rowCount(), 3);  // shop, deploy-orders, nightly cleanup
        const QModelIndex shop = model.indexOfJob({QStringLiteral("shop")});
        QVERIFY(shop.isValid());
        QCOMPARE(model.rowCount(shop), 3);
        QVERIFY(!model.index(shop.row(), JobTreeModel::StatusColumn).data(StatusToneRole).isValid());  // a folder has no status

        const QModelIndex storefront = model.indexOfJob({QStringLiteral("shop"), QStringLiteral("storefront")});
        QVERIFY(storefront.isValid());
        const auto cell = [&](const QModelIndex &row, int column, int role = Qt::DisplayRole) {
            return model.index(row.row(), column, row.parent()).data(role);
        };
        QCOMPARE(cell(storefront, JobTreeModel::StatusColumn).toString(), QStringLiteral("Building"));
        QCOMPARE(cell(storefront, JobTreeModel::StatusColumn, Qt::ToolTipRole).toString(), QStringLiteral("Building; the last build: Success"));
        QCOMPARE(cell(storefront, JobTreeModel::StatusColumn, StatusToneRole).toInt(), int(StatusTone::Progress));
        QCOMPARE(cell(storefront, JobTreeModel::LastBuildColumn).toString(), QStringLiteral("#171, 3m ago"));
        QVERIFY(cell(storefront, JobTreeModel::DurationColumn).toString().isEmpty());  // still building
        QCOMPARE(cell(storefront, JobTreeModel::HealthColumn).toString(), QStringLiteral("80 %"));
        QVERIFY(cell(storefront, JobTreeModel::NameColumn, JobTreeModel::BuildingRole).toBool());

        const QModelIndex checkout = model.indexOfJob({QStringLiteral("shop"), QStringLiteral("checkout")});
        QCOMPARE(cell(checkout, JobTreeModel::StatusColumn).toString(), QStringLiteral("Failed"));
        QCOMPARE(cell(checkout, JobTreeModel::StatusColumn, StatusToneRole).toInt(), int(StatusTone::Bad));
        QCOMPARE(cell(checkout, JobTreeModel::DurationColumn).toString(), QStringLiteral("3m4s"));

        // A branch shows its branch name; its key stays Jenkins' encoded name.
        const QModelIndex branch = model.indexOfJob({QStringLiteral("shop"), QStringLiteral("frontend"), QStringLiteral("feature%2Fcheckout-v2")});
        QVERIFY(branch.isValid());
        QCOMPARE(branch.data().toString(), QStringLiteral("feature/checkout-v2"));
        QCOMPARE(branch.data(JobTreeModel::PathRole).toStringList().last(), QStringLiteral("feature%2Fcheckout-v2"));
        QCOMPARE(cell(branch, JobTreeModel::StatusColumn, StatusToneRole).toInt(), int(StatusTone::Warning));

        const QModelIndex never = model.indexOfJob({QStringLiteral("deploy-orders")});
        QCOMPARE(cell(never, JobTreeModel::LastBuildColumn).toString(), QStringLiteral("never"));
        QCOMPARE(cell(never, JobTreeModel::StatusColumn, StatusToneRole).toInt(), int(StatusTone::Neutral));
    }

    void aRefreshChangesRowsInPlace()
    {
        JobTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(1765012000000 + 60000, Qt::UTC);
        QList<JobNode> jobs = fixtureJobs();
        model.setJobs(jobs, now);
        const QPersistentModelIndex checkout = model.indexOfJob({QStringLiteral("shop"), QStringLiteral("checkout")});
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        // checkout starts building; a branch goes away.
        JobNode *c = findJob(jobs, {QStringLiteral("shop"), QStringLiteral("checkout")});
        c->color = QStringLiteral("red_anime");
        c->building = true;
        JobNode *frontend = findJob(jobs, {QStringLiteral("shop"), QStringLiteral("frontend")});
        frontend->children.removeLast();
        model.setJobs(jobs, now);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(removed.count(), 1);
        QVERIFY(checkout.isValid());  // the same row, changed in place
        QCOMPARE(model.index(checkout.row(), JobTreeModel::StatusColumn, checkout.parent()).data().toString(), QStringLiteral("Building"));
        QCOMPARE(model.index(checkout.row(), JobTreeModel::StatusColumn, checkout.parent()).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("Building; the last build: Failed"));
        QVERIFY(changed.count() >= 1);
        QVERIFY(!model.indexOfJob({QStringLiteral("shop"), QStringLiteral("frontend"), QStringLiteral("feature%2Fcheckout-v2")}).isValid());

        // The same jobs a minute later: only the "ago" column moves.
        changed.clear();
        model.setJobs(jobs, now.addSecs(60));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).value<QModelIndex>().column(), int(JobTreeModel::LastBuildColumn));
    }

    void aRunWaitingForInputIsShownAsWaitingForApproval()
    {
        JobTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<JobNode> jobs = fixtureJobs();
        model.setJobs(jobs);
        const QPersistentModelIndex checkout = model.indexOfJob({QStringLiteral("shop"), QStringLiteral("checkout")});
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        JobNode *c = findJob(jobs, {QStringLiteral("shop"), QStringLiteral("checkout")});
        c->building = true;
        c->waitingInput = QStringLiteral("Deploy checkout to production?");
        c->waitingBuild = 42;
        model.setJobs(jobs);
        QVERIFY(changed.count() >= 1);
        const QModelIndex status = model.index(checkout.row(), JobTreeModel::StatusColumn, checkout.parent());
        QCOMPARE(status.data().toString(), QStringLiteral("Waiting for approval"));
        QCOMPARE(status.data(StatusToneRole).toInt(), int(StatusTone::Paused));
        QCOMPARE(status.data(Qt::ToolTipRole).toString(), QStringLiteral("#42 waits: Deploy checkout to production?"));
        // Answered: building again.
        c->waitingInput.clear();
        c->waitingBuild = 0;
        model.setJobs(jobs);
        QCOMPARE(status.data().toString(), QStringLiteral("Building"));
        QCOMPARE(status.data(StatusToneRole).toInt(), int(StatusTone::Progress));
    }
};

QTEST_GUILESS_MAIN(TestPipelineModels)
#include "tst_pipelinemodels.moc"
