// Unit tests of the delivery models (Argo CD applications, history and resource tree; GitOps
// commits) on fixture answers, each under QAbstractItemModelTester: what the columns show, the
// tones, and that an update touches only the rows it changes.
#include "delivery/argocdappmodel.h"
#include "delivery/argocdhistorymodel.h"
#include "delivery/argocdresourcemodel.h"
#include "delivery/gitopscommitmodel.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace pilothouse::backends::argocd;
using pilothouse::backends::gitops::CommitInfo;
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
};

QTEST_MAIN(TestDeliveryModels)
#include "tst_deliverymodels.moc"
