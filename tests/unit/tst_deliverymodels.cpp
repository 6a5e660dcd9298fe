// Unit tests of the delivery models (Argo CD applications, history and resource tree; GitOps
// commits; the Rollouts list, revision history and analysis runs) on fixture answers, each under
// QAbstractItemModelTester: what the columns show, the tones, and that an update touches only the
// rows it changes.
#include "delivery/analysisrunmodel.h"
#include "delivery/argocdappmodel.h"
#include "delivery/argocdhistorymodel.h"
#include "delivery/argocdresourcemodel.h"
#include "delivery/gitopscommitmodel.h"
#include "delivery/rolloutlistmodel.h"
#include "delivery/rolloutrevisionmodel.h"
#include "rolloutfixture.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace pilothouse::backends::argocd;
using pilothouse::backends::gitops::CommitInfo;
using pilothouse::backends::rollouts::AnalysisRunInfo;
using pilothouse::backends::rollouts::Measurement;
using pilothouse::backends::rollouts::RevisionInfo;
using pilothouse::backends::rollouts::RolloutInfo;
using pilothouse::backends::rollouts::RolloutSummary;
using namespace pilothouse::models;

namespace {

QByteArray fixture(const QString &name)
{
    QFile f(QStringLiteral(PILOTHOUSE_TEST_DATA "/argocd/") + name);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", qPrintable(name));
    return f.readAll();
}

QList<ApplicationInfo> applications()
{
    QList<ApplicationInfo> apps = parseApplicationList(fixture(QStringLiteral("applications.json"))).value();
    std::sort(apps.begin(), apps.end(), [](const ApplicationInfo &a, const ApplicationInfo &b) { return a.name < b.name; });
    return apps;
}

struct Signals {
    QSignalSpy inserted, removed, moved, changed, reset;
    explicit Signals(QAbstractItemModel *m)
        : inserted(m, &QAbstractItemModel::rowsInserted), removed(m, &QAbstractItemModel::rowsRemoved), moved(m, &QAbstractItemModel::rowsMoved),
          changed(m, &QAbstractItemModel::dataChanged), reset(m, &QAbstractItemModel::modelReset)
    {
    }
    int structural() const { return int(inserted.count() + removed.count() + moved.count() + reset.count()); }
    void clear()
    {
        for (QSignalSpy *s : {&inserted, &removed, &moved, &changed, &reset})
            s->clear();
    }
};

QStringList column(const QAbstractItemModel &m, int col, const QModelIndex &parent = {})
{
    QStringList out;
    for (int r = 0; r < m.rowCount(parent); ++r)
        out << m.index(r, col, parent).data().toString();
    return out;
}

CommitInfo commit(const QString &sha, const QString &summary, const QDateTime &time)
{
    CommitInfo c;
    c.sha = sha;
    c.authorName = QStringLiteral("Ops Person");
    c.authorEmail = QStringLiteral("ops@pilothouse.test");
    c.time = time;
    c.summary = summary;
    c.message = summary + QStringLiteral("\n\nbody");
    c.files = {QStringLiteral("apps/web/deployment.yaml")};
    c.parentCount = 1;
    return c;
}

RolloutInfo rolloutOf(const QString &name)
{
    const RolloutFixture f = loadRolloutFixture(name);
    if (!f.error.isEmpty())
        qFatal("%s", qPrintable(f.error));
    return pilothouse::backends::rollouts::rolloutInfo(f.rollout, f.replicaSets, f.pods, f.analysisRuns);
}

RolloutSummary summary(const QString &kind, const QString &ns, const QString &name, const QString &status)
{
    RolloutSummary s;
    s.kind = kind;
    s.ns = ns;
    s.name = name;
    s.status = status;
    s.strategy = kind == QLatin1String("Rollout") ? QStringLiteral("BlueGreen") : QStringLiteral("RollingUpdate");
    s.ready = s.desired = 3;
    s.images = {QStringLiteral("registry.pilothouse.dev/") + ns + QLatin1Char('/') + name + QStringLiteral(":1")};
    return s;
}

QStringList keys(const RolloutListModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << m.index(r, 0).data(RolloutListModel::KeyRole).toString();
    return out;
}

}  // namespace

class TestDeliveryModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void applicationColumnsAndTones()
    {
        ArgoCdAppModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setItems(applications());
        QCOMPARE(model.columnCount(), int(ArgoCdAppModel::ColumnCount));
        QCOMPARE(column(model, ArgoCdAppModel::NameColumn), (QStringList{QStringLiteral("menu"), QStringLiteral("storefront")}));
        const int storefront = model.rowOfKey(QStringLiteral("storefront"));
        auto cell = [&](int col, int role = Qt::DisplayRole) { return model.index(storefront, col).data(role); };
        QCOMPARE(cell(ArgoCdAppModel::SyncColumn).toString(), QStringLiteral("Synced"));
        QCOMPARE(cell(ArgoCdAppModel::HealthColumn).toString(), QStringLiteral("Suspended"));
        QCOMPARE(cell(ArgoCdAppModel::NameColumn, ArgoCdAppModel::NameRole).toString(), QStringLiteral("storefront"));
        const ApplicationInfo *app = model.find(QStringLiteral("storefront"));
        QVERIFY(app);
        // The revision is shortened on screen, whole in its tooltip and role.
        QCOMPARE(cell(ArgoCdAppModel::RevisionColumn).toString(), app->currentRevision().left(7));
        QCOMPARE(cell(ArgoCdAppModel::RevisionColumn, Qt::ToolTipRole).toString(), app->currentRevision());
        QCOMPARE(cell(ArgoCdAppModel::RevisionColumn, ArgoCdAppModel::FullRevisionRole).toString(), app->currentRevision());
        QCOMPARE(model.headerData(ArgoCdAppModel::OperationColumn, Qt::Horizontal).toString(), QStringLiteral("Operation"));

        // The operation cell reads "phase: message"; its tone is the phase's.
        ApplicationInfo running = *app;
        running.operation.phase = QStringLiteral("Running");
        running.operation.message = QStringLiteral("waiting for healthy state of apps/Deployment/web");
        QVERIFY(model.updateItem(running));
        QCOMPARE(cell(ArgoCdAppModel::OperationColumn).toString(), QStringLiteral("Running: waiting for healthy state of apps/Deployment/web"));
        QCOMPARE(cell(ArgoCdAppModel::OperationColumn, StatusToneRole).toInt(), int(StatusTone::Progress));
        running.operation.phase = QStringLiteral("Failed");
        running.operation.message = QStringLiteral("Operation terminated");
        model.updateItem(running);
        QCOMPARE(cell(ArgoCdAppModel::OperationColumn, StatusToneRole).toInt(), int(StatusTone::Bad));
        ApplicationInfo queued = running;
        queued.operation = {};
        queued.operationRequested = true;
        model.updateItem(queued);
        QCOMPARE(cell(ArgoCdAppModel::OperationColumn).toString(), QStringLiteral("Requested"));
        QCOMPARE(cell(ArgoCdAppModel::OperationColumn, StatusToneRole).toInt(), int(StatusTone::Progress));
    }

    void applicationUpdatesTouchOnlyTheirRow()
    {
        ArgoCdAppModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<ApplicationInfo> apps = applications();
        model.setItems(apps);
        QItemSelectionModel selection(&model);
        selection.setCurrentIndex(model.index(model.rowOfKey(QStringLiteral("storefront")), 0),
                                  QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        Signals sig(&model);
        // The same list, as a poll brings it: nothing.
        model.setItems(apps);
        QCOMPARE(sig.structural(), 0);
        QCOMPARE(sig.changed.count(), 0);
        // One application's health changes: one row.
        apps[0].health = QStringLiteral("Healthy");
        model.setItems(apps);
        QCOMPARE(sig.structural(), 0);
        QCOMPARE(sig.changed.count(), 1);
        QCOMPARE(sig.changed.first().at(0).toModelIndex().row(), model.rowOfKey(apps[0].name));
        QCOMPARE(sig.changed.first().at(1).toModelIndex().column(), ArgoCdAppModel::ColumnCount - 1);
        sig.clear();
        // A new application sorted in between: one insertion; the selection stays on storefront.
        ApplicationInfo payments = apps[0];
        payments.name = QStringLiteral("payments");
        apps.insert(1, payments);
        model.setItems(apps);
        QCOMPARE(sig.inserted.count(), 1);
        QCOMPARE(sig.inserted.first().at(1).toInt(), 1);
        QCOMPARE(sig.reset.count(), 0);
        QCOMPARE(selection.currentIndex().data().toString(), QStringLiteral("storefront"));
        QVERIFY(selection.isRowSelected(2, {}));
        // Deleted: one removal.
        apps.removeAt(0);
        model.setItems(apps);
        QCOMPARE(sig.removed.count(), 1);
        QCOMPARE(column(model, ArgoCdAppModel::NameColumn), (QStringList{QStringLiteral("payments"), QStringLiteral("storefront")}));
    }

    void historyNewestFirstWithCommits()
    {
        ArgoCdHistoryModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const ApplicationInfo app = parseApplication(fixture(QStringLiteral("application-storefront.json"))).value();
        QVERIFY(app.history.size() >= 2);
        auto rowsOf = [&](const QHash<QString, RevisionMetadata> &commits) {
            QList<ArgoCdHistoryRow> rows;
            for (int i = static_cast<int>(app.history.size()) - 1; i >= 0; --i) {
                ArgoCdHistoryRow r;
                r.entry = app.history[i];
                r.current = i == app.history.size() - 1;
                if (commits.contains(r.entry.revision))
                    r.commit = commits.value(r.entry.revision);
                else
                    r.note = QStringLiteral("loading…");
                rows << r;
            }
            return rows;
        };
        model.setItems(rowsOf({}));
        const HistoryEntry &newest = app.history.last();
        QCOMPARE(model.index(0, ArgoCdHistoryModel::IdColumn).data().toString(), QStringLiteral("%1 (current)").arg(newest.id));
        QCOMPARE(model.index(1, ArgoCdHistoryModel::IdColumn).data().toString(), QString::number(app.history[app.history.size() - 2].id));
        QCOMPARE(model.index(0, 0).data(ArgoCdHistoryModel::HistoryIdRole).toLongLong(), newest.id);
        QVERIFY(model.index(0, 0).data(ArgoCdHistoryModel::CurrentRole).toBool());
        QCOMPARE(model.rowOfId(app.history.first().id), static_cast<int>(app.history.size()) - 1);
        QCOMPARE(model.index(0, ArgoCdHistoryModel::RevisionColumn).data().toString(), ArgoCdAppModel::shortRevision(newest.revision));
        QCOMPARE(model.index(0, ArgoCdHistoryModel::RevisionColumn).data(Qt::ToolTipRole).toString(), newest.revision);
        QCOMPARE(model.index(0, ArgoCdHistoryModel::MessageColumn).data().toString(), QStringLiteral("loading…"));

        // The newest commit's metadata arrives: that row changes, nothing else.
        Signals sig(&model);
        RevisionMetadata md;
        md.author = QStringLiteral("Ops Person <ops@pilothouse.test>");
        md.message = QStringLiteral("storefront: bump image\n\nlonger text");
        model.setItems(rowsOf({{newest.revision, md}}));
        QCOMPARE(sig.structural(), 0);
        QCOMPARE(sig.changed.count(), 1);
        QCOMPARE(sig.changed.first().at(0).toModelIndex().row(), 0);
        QCOMPARE(model.index(0, ArgoCdHistoryModel::AuthorColumn).data().toString(), md.author);
        QCOMPARE(model.index(0, ArgoCdHistoryModel::MessageColumn).data().toString(), QStringLiteral("storefront: bump image"));
        QCOMPARE(model.index(0, ArgoCdHistoryModel::MessageColumn).data(Qt::ToolTipRole).toString(), md.message);
    }

    void resourceTreeKeepsRowsAcrossRefreshes()
    {
        ArgoCdResourceModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const ApplicationInfo app = parseApplication(fixture(QStringLiteral("application-storefront.json"))).value();
        ResourceTree tree = parseResourceTree(fixture(QStringLiteral("resource-tree.json"))).value();
        model.setTree(treeRows(app, tree));
        QCOMPARE(model.rowCount(), 1);
        const QModelIndex top = model.index(0, 0);
        QCOMPARE(top.data().toString(), QStringLiteral("Application storefront"));
        QCOMPARE(column(model, ArgoCdResourceModel::ResourceColumn, top).size(), 2);
        QVERIFY(column(model, ArgoCdResourceModel::ResourceColumn, top).first().startsWith(QStringLiteral("Rollout storefront  (")));
        const QModelIndex rollout = model.index(0, 0, top);
        QCOMPARE(rollout.data(ArgoCdResourceModel::KindRole).toString(), QStringLiteral("Rollout"));
        QCOMPARE(model.index(0, ArgoCdResourceModel::HealthColumn, rollout).data().toString(), QStringLiteral("Progressing"));
        QCOMPARE(model.index(0, ArgoCdResourceModel::HealthColumn, rollout).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("Waiting for rollout to finish: 1 of 3 updated replicas are available..."));
        const QPersistentModelIndex stableSet = model.index(1, 0, rollout);
        QVERIFY(stableSet.data().toString().startsWith(QStringLiteral("ReplicaSet storefront-7d9c6b5f4")));

        // The same tree again: nothing. The new set's pod replaced by another: one removal and
        // one insertion under that set, the other set untouched.
        Signals sig(&model);
        model.setTree(treeRows(app, tree));
        QCOMPARE(sig.structural() + sig.changed.count(), 0);
        for (ResourceNode &n : tree.nodes)
            if (n.name == QLatin1String("storefront-5f8b7c6d9-qq4lm")) {
                n.name = QStringLiteral("storefront-5f8b7c6d9-zz1ab");
                n.uid += QStringLiteral("-2");
            }
        model.setTree(treeRows(app, tree));
        QCOMPARE(sig.removed.count(), 1);
        QCOMPARE(sig.inserted.count(), 1);
        QCOMPARE(sig.reset.count(), 0);
        QCOMPARE(sig.inserted.first().at(0).toModelIndex().data(ArgoCdResourceModel::NameRole).toString(), QStringLiteral("storefront-5f8b7c6d9"));
        QVERIFY(stableSet.isValid());
        QVERIFY(stableSet.data().toString().startsWith(QStringLiteral("ReplicaSet storefront-7d9c6b5f4")));
        QCOMPARE(column(model, ArgoCdResourceModel::ResourceColumn, model.index(0, 0, rollout)).size(), 1);
        QVERIFY(column(model, ArgoCdResourceModel::ResourceColumn, model.index(0, 0, rollout)).first().startsWith(QStringLiteral("Pod storefront-5f8b7c6d9-zz1ab")));
    }

    void commitsInsertedOnTopWithAges()
    {
        GitOpsCommitModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QDateTime now = QDateTime(QDate(2024, 6, 1), QTime(12, 0), Qt::UTC);
        model.setNow(now);
        const CommitInfo first = commit(QStringLiteral("1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), QStringLiteral("Initial manifests"), now.addDays(-2));
        const CommitInfo second = commit(QStringLiteral("2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), QStringLiteral("Bump menu to 43"), now.addSecs(-90));
        model.setItems({second, first});
        QCOMPARE(column(model, GitOpsCommitModel::ShaColumn), (QStringList{QStringLiteral("2222222"), QStringLiteral("1111111")}));
        QCOMPARE(model.index(0, GitOpsCommitModel::AgeColumn).data().toString(), QStringLiteral("90s"));
        QCOMPARE(model.index(1, GitOpsCommitModel::AgeColumn).data().toString(), QStringLiteral("2d"));
        QCOMPARE(model.index(0, GitOpsCommitModel::AuthorColumn).data(Qt::ToolTipRole).toString(), QStringLiteral("ops@pilothouse.test"));
        QCOMPARE(model.index(0, 0).data(GitOpsCommitModel::ShaRole).toString(), second.sha);
        QVERIFY(model.index(0, GitOpsCommitModel::MessageColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("apps/web/deployment.yaml")));

        QItemSelectionModel selection(&model);
        selection.setCurrentIndex(model.index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        Signals sig(&model);
        // A push: one new commit on top, one insertion; the selection stays on its commit.
        const CommitInfo third = commit(QStringLiteral("3333333ccccccccccccccccccccccccccccccccc"), QStringLiteral("Bump storefront to 170"), now);
        model.setItems({third, second, first});
        QCOMPARE(sig.inserted.count(), 1);
        QCOMPARE(sig.inserted.first().at(1).toInt(), 0);
        QCOMPARE(sig.changed.count(), 0);
        QCOMPARE(selection.currentIndex().data(GitOpsCommitModel::ShaRole).toString(), second.sha);
        // Time passes: the age column alone is repainted.
        model.setNow(now.addSecs(3600));
        model.refreshAges();
        QCOMPARE(sig.changed.count(), 1);
        QCOMPARE(sig.changed.first().at(0).toModelIndex().column(), int(GitOpsCommitModel::AgeColumn));
        QCOMPARE(sig.changed.first().at(1).toModelIndex().row(), 2);
        QCOMPARE(model.index(1, GitOpsCommitModel::AgeColumn).data().toString(), QStringLiteral("61m"));
    }

    void rolloutListOrderColumnsAndTones()
    {
        RolloutListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        RolloutSummary menu = summary(QStringLiteral("Rollout"), QStringLiteral("cafe"), QStringLiteral("menu"), QStringLiteral("Paused"));
        menu.strategy = QStringLiteral("Canary");
        menu.step = QStringLiteral("1/6");
        menu.setWeight = 25;
        menu.actualWeight = 20;
        menu.message = QStringLiteral("CanaryPauseStep");
        menu.waiting = true;
        RolloutSummary storefront = summary(QStringLiteral("Rollout"), QStringLiteral("shop"), QStringLiteral("storefront"), QStringLiteral("Aborted"));
        storefront.waiting = true;
        RolloutSummary web = summary(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web"), QStringLiteral("Healthy"));
        web.revision = 3;
        const RolloutSummary api = summary(QStringLiteral("Deployment"), QStringLiteral("apps"), QStringLiteral("api"), QStringLiteral("Progressing"));
        // Any order in, the list's order out: Rollouts first, then by namespace and name.
        model.setSummaries({web, storefront, api, menu});
        QCOMPARE(keys(model), (QStringList{QStringLiteral("Rollout:cafe/menu"), QStringLiteral("Rollout:shop/storefront"),
                                          QStringLiteral("Deployment:apps/api"), QStringLiteral("Deployment:history/web")}));
        QCOMPARE(model.columnCount(), int(RolloutListModel::ColumnCount));
        QCOMPARE(model.headerData(RolloutListModel::ReadyColumn, Qt::Horizontal).toString(), QStringLiteral("Ready"));
        auto cell = [&](const QString &key, int col, int role = Qt::DisplayRole) { return model.index(model.rowOfKey(key), col).data(role); };
        QCOMPARE(cell(QStringLiteral("Rollout:cafe/menu"), RolloutListModel::WeightColumn).toString(), QStringLiteral("25 / 20 %"));
        QCOMPARE(cell(QStringLiteral("Rollout:cafe/menu"), RolloutListModel::StepColumn).toString(), QStringLiteral("1/6"));
        QCOMPARE(cell(QStringLiteral("Rollout:cafe/menu"), RolloutListModel::MessageColumn).toString(), QStringLiteral("CanaryPauseStep"));
        QCOMPARE(cell(QStringLiteral("Rollout:shop/storefront"), RolloutListModel::WeightColumn).toString(), QString());
        QCOMPARE(cell(QStringLiteral("Rollout:shop/storefront"), RolloutListModel::ImagesColumn).toString(), QStringLiteral("storefront:1"));
        QCOMPARE(cell(QStringLiteral("Rollout:shop/storefront"), RolloutListModel::ImagesColumn, Qt::ToolTipRole).toString(),
                 QStringLiteral("registry.pilothouse.dev/shop/storefront:1"));
        QCOMPARE(cell(QStringLiteral("Deployment:history/web"), RolloutListModel::MessageColumn).toString(), QStringLiteral("revision 3"));
        QCOMPARE(cell(QStringLiteral("Deployment:history/web"), RolloutListModel::ReadyColumn).toString(), QStringLiteral("3/3"));
        QCOMPARE(cell(QStringLiteral("Deployment:history/web"), RolloutListModel::StrategyColumn).toString(), QStringLiteral("RollingUpdate"));
        // The status column's tone; the key in every column (Qt::UserRole + 1, as the list's items had it).
        QCOMPARE(cell(QStringLiteral("Rollout:cafe/menu"), RolloutListModel::StatusColumn, StatusToneRole).toInt(), int(StatusTone::Paused));
        QCOMPARE(cell(QStringLiteral("Rollout:shop/storefront"), RolloutListModel::StatusColumn, StatusToneRole).toInt(), int(StatusTone::Bad));
        QCOMPARE(cell(QStringLiteral("Deployment:apps/api"), RolloutListModel::StatusColumn, StatusToneRole).toInt(), int(StatusTone::Progress));
        QVERIFY(!cell(QStringLiteral("Deployment:apps/api"), RolloutListModel::NameColumn, StatusToneRole).isValid());
        QCOMPARE(cell(QStringLiteral("Deployment:apps/api"), RolloutListModel::ReadyColumn, Qt::UserRole + 1).toString(), QStringLiteral("Deployment:apps/api"));
        QCOMPARE(cell(QStringLiteral("Deployment:apps/api"), RolloutListModel::NameColumn, RolloutListModel::KindRole).toString(), QStringLiteral("Deployment"));
        QCOMPARE(model.waitingCount(), 2);
    }

    void rolloutListUpdatesByKey()
    {
        RolloutListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<RolloutSummary> rows{summary(QStringLiteral("Rollout"), QStringLiteral("cafe"), QStringLiteral("menu"), QStringLiteral("Healthy")),
                                   summary(QStringLiteral("Rollout"), QStringLiteral("shop"), QStringLiteral("storefront"), QStringLiteral("Healthy")),
                                   summary(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web"), QStringLiteral("Healthy"))};
        model.setSummaries(rows);
        QItemSelectionModel selection(&model);
        const QModelIndex storefront = model.index(model.rowOfKey(QStringLiteral("Rollout:shop/storefront")), 0);
        selection.setCurrentIndex(storefront, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        Signals sig(&model);
        // The same rows again, as a snapshot about other objects brings them: nothing.
        model.setSummaries(rows);
        QCOMPARE(sig.structural() + sig.changed.count(), 0);
        // One Rollout's readiness and status change: that row alone, all of its columns.
        rows[1].ready = 2;
        rows[1].status = QStringLiteral("Progressing");
        model.setSummaries(rows);
        QCOMPARE(sig.structural(), 0);
        QCOMPARE(sig.changed.count(), 1);
        QCOMPARE(sig.changed.first().at(0).toModelIndex().row(), 1);
        QCOMPARE(sig.changed.first().at(1).toModelIndex().row(), 1);
        QCOMPARE(sig.changed.first().at(1).toModelIndex().column(), RolloutListModel::ColumnCount - 1);
        QCOMPARE(model.index(1, RolloutListModel::ReadyColumn).data().toString(), QStringLiteral("2/3"));
        QCOMPARE(model.index(1, RolloutListModel::StatusColumn, {}).data(StatusToneRole).toInt(), int(StatusTone::Progress));
        sig.clear();
        // A new Rollout (listed last by the worker of another cluster): inserted in its place, once.
        rows << summary(QStringLiteral("Rollout"), QStringLiteral("cafe"), QStringLiteral("kitchen"), QStringLiteral("Healthy"));
        model.setSummaries(rows);
        QCOMPARE(sig.inserted.count(), 1);
        QCOMPARE(sig.inserted.first().at(1).toInt(), 0);
        QCOMPARE(sig.reset.count(), 0);
        QCOMPARE(sig.changed.count(), 0);
        QCOMPARE(keys(model).first(), QStringLiteral("Rollout:cafe/kitchen"));
        QCOMPARE(selection.currentIndex().data(RolloutListModel::KeyRole).toString(), QStringLiteral("Rollout:shop/storefront"));
        QVERIFY(selection.isRowSelected(2, {}));
        sig.clear();
        // Deleted: one removal; the selection still on its object.
        rows.removeFirst();
        model.setSummaries(rows);
        QCOMPARE(sig.removed.count(), 1);
        QCOMPARE(sig.reset.count(), 0);
        QCOMPARE(keys(model), (QStringList{QStringLiteral("Rollout:cafe/kitchen"), QStringLiteral("Rollout:shop/storefront"), QStringLiteral("Deployment:history/web")}));
        QCOMPARE(selection.currentIndex().data(RolloutListModel::KeyRole).toString(), QStringLiteral("Rollout:shop/storefront"));
        // An empty snapshot (disconnected): empty.
        model.setSummaries({});
        QCOMPARE(model.rowCount(), 0);
    }

    void revisionHistoryKeyedByReplicaSet()
    {
        RolloutRevisionModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        RolloutInfo info = rolloutOf(QStringLiteral("bluegreen-paused.yaml"));
        QCOMPARE(info.revisions.size(), 3);
        model.setRevisions(info.revisions);
        QCOMPARE(column(model, RolloutRevisionModel::RevisionColumn), (QStringList{QStringLiteral("4"), QStringLiteral("3"), QStringLiteral("2")}));
        QCOMPARE(model.index(0, RolloutRevisionModel::RoleColumn).data().toString(), QStringLiteral("preview"));
        QCOMPARE(model.index(1, RolloutRevisionModel::RoleColumn).data().toString(), QStringLiteral("stable, active"));
        QCOMPARE(model.index(0, RolloutRevisionModel::ImagesColumn).data().toString(), QStringLiteral("storefront:170"));
        QCOMPARE(model.index(0, RolloutRevisionModel::PodsColumn).data().toString(), QStringLiteral("3/3"));
        QCOMPARE(model.index(2, RolloutRevisionModel::PodsColumn).data().toString(), QStringLiteral("0/0"));
        QCOMPARE(model.index(0, RolloutRevisionModel::ReplicaSetColumn).data().toString(), info.revisions[0].name);
        QCOMPARE(model.index(0, 0).data(RolloutRevisionModel::RevisionRole).toInt(), 4);
        QCOMPARE(model.index(1, 0).data(Qt::UserRole).toInt(), 3);  // the revision, as the history's items carried it
        QCOMPARE(model.rowOfKey(info.revisions[2].name), 2);
        QCOMPARE(model.rowOfRevision(3), 1);
        QVERIFY(model.index(0, RolloutRevisionModel::ScaleDownColumn).data().toString().isEmpty());

        Signals sig(&model);
        model.setRevisions(info.revisions);
        QCOMPARE(sig.structural() + sig.changed.count(), 0);
        // A preview pod stops being ready: that row changes, the others do not.
        info.revisions[0].pods[1].status = QStringLiteral("CrashLoopBackOff");
        model.setRevisions(info.revisions);
        QCOMPARE(sig.structural(), 0);
        QCOMPARE(sig.changed.count(), 1);
        QCOMPARE(sig.changed.first().at(0).toModelIndex().row(), 0);
        QCOMPARE(sig.changed.first().at(1).toModelIndex().row(), 0);
        QCOMPARE(model.index(0, RolloutRevisionModel::PodsColumn).data().toString(), QStringLiteral("2/3"));
        sig.clear();

        // An undo to the old ReplicaSet gives it a new number and puts it on top: one move, the
        // row (and a selection on it) goes with it.
        const QPersistentModelIndex old = model.index(2, 0);
        QList<RevisionInfo> undone = info.revisions;
        RevisionInfo again = undone.takeLast();
        again.revision = 5;
        undone.prepend(again);
        model.setRevisions(undone);
        QCOMPARE(sig.moved.count(), 1);
        QCOMPARE(sig.inserted.count() + sig.removed.count() + sig.reset.count(), 0);
        QCOMPARE(old.row(), 0);
        QCOMPARE(old.data().toString(), QStringLiteral("5"));
        sig.clear();

        // A revision that scales down later: its countdown ticks without the rows changing.
        undone[2].scaleDownDeadline = QDateTime(QDate(2026, 12, 1), QTime(10, 2, 41), Qt::UTC);
        model.setRevisions(undone);
        QCOMPARE(sig.changed.count(), 1);
        sig.clear();
        const QDateTime before = undone[2].scaleDownDeadline.addSecs(-30);
        model.setNow(before);
        QVERIFY(model.hasPendingScaleDown(before));
        QCOMPARE(model.index(2, RolloutRevisionModel::ScaleDownColumn).data().toString(), QStringLiteral("in 30 s"));
        model.setNow(before.addSecs(31));
        model.refreshCountdowns();
        QCOMPARE(sig.changed.count(), 1);
        QCOMPARE(sig.changed.first().at(0).toModelIndex().column(), int(RolloutRevisionModel::ScaleDownColumn));
        QCOMPARE(sig.changed.first().at(1).toModelIndex().column(), int(RolloutRevisionModel::ScaleDownColumn));
        QCOMPARE(model.index(2, RolloutRevisionModel::ScaleDownColumn).data().toString(), QStringLiteral("deadline passed"));
        QVERIFY(!model.hasPendingScaleDown(before.addSecs(31)));
        QCOMPARE(sig.structural(), 0);
    }

    void analysisRunsAsATree()
    {
        AnalysisRunModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        RolloutInfo info = rolloutOf(QStringLiteral("canary-midsteps.yaml"));
        QCOMPARE(info.analysisRuns.size(), 1);
        model.setRuns(info.analysisRuns);
        QCOMPARE(model.rowCount(), 1);
        const QModelIndex run = model.index(0, 0);
        QCOMPARE(run.data().toString(), QStringLiteral("menu-59c8f7d6b4-2-1 (revision 2)"));
        QCOMPARE(model.index(0, AnalysisRunModel::PhaseColumn).data().toString(), QStringLiteral("Running"));
        // A run that is Running is still measuring.
        QCOMPARE(model.index(0, AnalysisRunModel::PhaseColumn).data(StatusToneRole).toInt(), int(StatusTone::Progress));
        QCOMPARE(run.data(AnalysisRunModel::LevelRole).toInt(), int(AnalysisRunRow::Level::Run));
        QCOMPARE(model.rowCount(run), 1);
        const QModelIndex metric = model.index(0, 0, run);
        QCOMPARE(metric.data().toString(), QStringLiteral("success-rate (prometheus)"));
        QCOMPARE(metric.data(AnalysisRunModel::LevelRole).toInt(), int(AnalysisRunRow::Level::Metric));
        QCOMPARE(metric.parent(), run);
        const QString detail = model.index(0, AnalysisRunModel::DetailColumn, run).data().toString();
        QVERIFY2(detail.startsWith(QStringLiteral("success when result[0] >= 0.95 · 2 successful, 0 failed")), qPrintable(detail));
        QVERIFY2(detail.endsWith(QStringLiteral(" of 3")), qPrintable(detail));
        QCOMPARE(model.rowCount(metric), 2);
        QCOMPARE(column(model, AnalysisRunModel::DetailColumn, metric), (QStringList{QStringLiteral("[0.991]"), QStringLiteral("[0.987]")}));
        QCOMPARE(model.index(0, AnalysisRunModel::PhaseColumn, metric).data(StatusToneRole).toInt(), int(StatusTone::Good));
        QCOMPARE(model.rowCount(model.index(0, 0, metric)), 0);

        const QPersistentModelIndex firstMeasurement = model.index(0, 0, metric);
        Signals sig(&model);
        model.setRuns(info.analysisRuns);
        QCOMPARE(sig.structural() + sig.changed.count(), 0);
        // A third measurement: one row inserted under the metric, the metric's counts repainted;
        // the measurements already there are untouched.
        AnalysisRunInfo &r = info.analysisRuns[0];
        Measurement third = r.metrics[0].measurements.last();
        third.startedAt = third.startedAt.addSecs(30);
        third.finishedAt = third.startedAt.addSecs(1);
        third.value = QStringLiteral("[0.42]");
        third.phase = QStringLiteral("Failed");
        r.metrics[0].measurements << third;
        r.metrics[0].failed = 1;
        model.setRuns(info.analysisRuns);
        QCOMPARE(sig.inserted.count(), 1);
        QCOMPARE(sig.inserted.first().at(0).toModelIndex(), QModelIndex(metric));
        QCOMPARE(sig.inserted.first().at(1).toInt(), 2);
        QCOMPARE(sig.removed.count() + sig.moved.count() + sig.reset.count(), 0);
        QCOMPARE(sig.changed.count(), 1);
        QCOMPARE(sig.changed.first().at(0).toModelIndex().parent(), QModelIndex(run));
        QVERIFY(firstMeasurement.isValid());
        QCOMPARE(firstMeasurement.sibling(firstMeasurement.row(), AnalysisRunModel::DetailColumn).data().toString(), QStringLiteral("[0.991]"));
        QCOMPARE(model.index(2, AnalysisRunModel::PhaseColumn, metric).data(StatusToneRole).toInt(), int(StatusTone::Bad));
        sig.clear();

        // A newer revision's run arrives on top: one insertion at the top level, whole.
        AnalysisRunInfo newer = r;
        newer.name = QStringLiteral("menu-7a1b2c3d4e-3-1");
        newer.revision = 3;
        newer.phase = QStringLiteral("Successful");
        info.analysisRuns.prepend(newer);
        model.setRuns(info.analysisRuns);
        QCOMPARE(sig.inserted.count(), 1);
        QVERIFY(!sig.inserted.first().at(0).toModelIndex().isValid());
        QCOMPARE(sig.inserted.first().at(1).toInt(), 0);
        QCOMPARE(sig.reset.count() + sig.removed.count(), 0);
        QCOMPARE(model.rowCount(model.index(0, 0)), 1);
        QCOMPARE(model.rowCount(model.index(0, 0, model.index(0, 0))), 3);
        QCOMPARE(model.indexOfPath({newer.name, QStringLiteral("success-rate")}).data().toString(), QStringLiteral("success-rate (prometheus)"));
        sig.clear();
        // The older run goes: one removal, the newer one stays as it is.
        info.analysisRuns.removeLast();
        model.setRuns(info.analysisRuns);
        QCOMPARE(sig.removed.count(), 1);
        QCOMPARE(sig.reset.count() + sig.inserted.count() + sig.changed.count(), 0);
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(!firstMeasurement.isValid());
    }
};

QTEST_MAIN(TestDeliveryModels)
#include "tst_deliverymodels.moc"
