// Unit tests of the incremental resource table models, under QAbstractItemModelTester.
#include "objectfilterproxymodel.h"
#include "objecttablemodel.h"
#include "statustone.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

#include <numeric>

using namespace pilothouse::backends::kube;
using pilothouse::models::ObjectTableModel;
using pilothouse::models::PodTableModel;

namespace {

KubeObjectPtr pod(const QString &ns, const QString &name, const QString &status = QStringLiteral("Running"), int restarts = 0,
                  const QString &rv = QStringLiteral("1"))
{
    auto o = std::make_shared<KubeObject>();
    o->ns = ns;
    o->name = name;
    o->resourceVersion = rv;
    o->createdAt = 1000;
    PodSummary s;
    s.status = status;
    s.readyContainers = status == QLatin1String("Running") ? 1 : 0;
    s.totalContainers = 1;
    s.restarts = restarts;
    s.node = QStringLiteral("node-1");
    o->summary = s;
    return o;
}

ObjectChange change(ObjectChange::Type t, KubeObjectPtr o) { return {t, std::move(o)}; }

}  // namespace

class TestObjectTableModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void resetAndDisplay()
    {
        PodTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setNow(1000 + 125);
        model.resetObjects({pod("b", "p2"), pod("a", "p1", "CrashLoopBackOff", 4)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), int(PodTableModel::ColumnCount));
        const int row = model.rowOf(QStringLiteral("a/p1"));
        QVERIFY(row >= 0);
        QCOMPARE(model.data(model.index(row, PodTableModel::NameColumn)).toString(), QStringLiteral("p1"));
        QCOMPARE(model.data(model.index(row, PodTableModel::StatusColumn)).toString(), QStringLiteral("CrashLoopBackOff"));
        QCOMPARE(model.data(model.index(row, PodTableModel::ReadyColumn)).toString(), QStringLiteral("0/1"));
        QCOMPARE(model.data(model.index(row, PodTableModel::RestartsColumn)).toInt(), 4);
        QCOMPARE(model.data(model.index(row, PodTableModel::AgeColumn)).toString(), QStringLiteral("2m5s"));
        QCOMPARE(model.headerData(PodTableModel::NodeColumn, Qt::Horizontal).toString(), QStringLiteral("Node"));
    }

    void statusTones()
    {
        // The model says what a status means; the colour is the view's (widgets/style).
        using pilothouse::models::StatusTone;
        using pilothouse::models::StatusToneRole;
        PodTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto notReady = std::make_shared<KubeObject>(*pod("a", "starting"));
        PodSummary summary = *notReady->pod();
        summary.readyContainers = 0;
        notReady->summary = summary;
        model.resetObjects({pod("a", "ok"), pod("a", "crash", "CrashLoopBackOff"), notReady, pod("a", "gone", "Terminating")});
        auto tone = [&model](const char *name) {
            return StatusTone(model.data(model.index(model.rowOf(QStringLiteral("a/") + QLatin1String(name)), PodTableModel::StatusColumn), StatusToneRole).toInt());
        };
        QCOMPARE(tone("ok"), StatusTone::Good);
        QCOMPARE(tone("crash"), StatusTone::Bad);
        QCOMPARE(tone("starting"), StatusTone::Progress);  // Running, but not all containers ready
        QCOMPARE(tone("gone"), StatusTone::Neutral);
        // Only the status cell has a tone; no colour comes from the model.
        QVERIFY(!model.data(model.index(0, PodTableModel::NameColumn), StatusToneRole).isValid());
        QVERIFY(!model.data(model.index(0, PodTableModel::StatusColumn), Qt::ForegroundRole).isValid());
    }

    void changesAreIncremental()
    {
        PodTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.resetObjects({pod("a", "p1"), pod("a", "p2"), pod("a", "p3")});
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        model.applyChanges({change(ObjectChange::Type::Added, pod("a", "p4")),
                            change(ObjectChange::Type::Modified, pod("a", "p2", "Terminating", 0, "2")),
                            change(ObjectChange::Type::Deleted, pod("a", "p1"))});
        QCOMPARE(resets.count(), 0);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.rowOf(QStringLiteral("a/p1")), -1);
        // The key -> row index stays right after removals shift rows.
        for (const char *k : {"a/p2", "a/p3", "a/p4"}) {
            int row = model.rowOf(QString::fromLatin1(k));
            QVERIFY(row >= 0);
            QCOMPARE(model.data(model.index(row, 0), ObjectTableModel::KeyRole).toString(), QString::fromLatin1(k));
        }
        QCOMPARE(model.data(model.index(model.rowOf(QStringLiteral("a/p2")), PodTableModel::StatusColumn)).toString(), QStringLiteral("Terminating"));
        // The changed row only: dataChanged covers exactly that row.
        const QModelIndex tl = changed.at(0).at(0).value<QModelIndex>();
        const QModelIndex br = changed.at(0).at(1).value<QModelIndex>();
        QCOMPARE(tl.row(), model.rowOf(QStringLiteral("a/p2")));
        QCOMPARE(br.row(), tl.row());
    }

    void netEffectOfABurst()
    {
        PodTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.resetObjects({pod("a", "keep")});
        // Added then deleted within one batch leaves no row; a re-add after delete is one row.
        model.applyChanges({change(ObjectChange::Type::Added, pod("a", "flash")), change(ObjectChange::Type::Deleted, pod("a", "flash")),
                            change(ObjectChange::Type::Deleted, pod("a", "keep")), change(ObjectChange::Type::Added, pod("a", "keep", "Pending"))});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.rowOf(QStringLiteral("a/flash")), -1);
        QCOMPARE(model.data(model.index(0, PodTableModel::StatusColumn)).toString(), QStringLiteral("Pending"));
    }

    void manyRemovalsInRuns()
    {
        PodTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ObjectList all;
        for (int i = 0; i < 200; ++i)
            all.push_back(pod(QStringLiteral("ns"), QStringLiteral("p%1").arg(i, 3, 10, QLatin1Char('0'))));
        model.resetObjects(all);
        ChangeBatch batch;
        for (int i = 0; i < 200; i += 3)
            batch.push_back(change(ObjectChange::Type::Deleted, all[i]));
        for (int i = 50; i < 60; ++i)
            batch.push_back(change(ObjectChange::Type::Deleted, all[i]));
        model.applyChanges(batch);
        int expected = 0;
        for (int i = 0; i < 200; ++i)
            if (i % 3 != 0 && !(i >= 50 && i < 60))
                ++expected;
        QCOMPARE(model.rowCount(), expected);
        for (int row = 0; row < model.rowCount(); ++row)
            QCOMPARE(model.rowOf(model.objectAt(row)->key()), row);
    }

    void fastSortAgreesWithTheValueOrder_data()
    {
        QTest::addColumn<int>("column");
        for (int c = 0; c < PodTableModel::ColumnCount; ++c)
            QTest::addRow("%s", qPrintable(PodTableModel().headerData(c, Qt::Horizontal).toString())) << c;
    }

    // The proxy's whole-table sort (keys built once) and its per-change comparison must give the
    // order of the SortRole values, ties broken by name then namespace, in both directions.
    void fastSortAgreesWithTheValueOrder()
    {
        QFETCH(int, column);
        PodTableModel model;
        model.setNow(5000);
        std::vector<KubeObjectPtr> pods;
        const char *statuses[] = {"Running", "Pending", "CrashLoopBackOff", "Running", "Completed"};
        for (int i = 0; i < 40; ++i) {
            auto p = std::const_pointer_cast<KubeObject>(pod(QStringLiteral("ns%1").arg(i % 3), QStringLiteral("p%1").arg((i * 7) % 13),
                                                             QString::fromLatin1(statuses[i % 5]), (i * 5) % 4));
            p->createdAt = 1000 + (i % 6) * 10;
            std::get<PodSummary>(p->summary).node = QStringLiteral("node-%1").arg(i % 4);
            std::get<PodSummary>(p->summary).totalContainers = 1 + i % 2;
            pods.push_back(p);
        }
        // Duplicate keys would be one object: keep the first of each.
        ObjectList unique;
        QSet<QString> seen;
        for (const auto &p : pods)
            if (!seen.contains(p->key())) {
                seen.insert(p->key());
                unique.push_back(p);
            }
        model.resetObjects(unique);
        pilothouse::models::ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);

        auto expected = [&](Qt::SortOrder order) {
            std::vector<int> rows(static_cast<size_t>(model.rowCount()));
            std::iota(rows.begin(), rows.end(), 0);
            std::sort(rows.begin(), rows.end(), [&](int a, int b) {
                const QVariant va = model.data(model.index(a, column), ObjectTableModel::SortRole);
                const QVariant vb = model.data(model.index(b, column), ObjectTableModel::SortRole);
                int c = 0;
                if (va.typeId() == QMetaType::QString)
                    c = va.toString().compare(vb.toString());
                else
                    c = va.toDouble() < vb.toDouble() ? -1 : vb.toDouble() < va.toDouble() ? 1 : 0;
                if (c == 0) {
                    const auto oa = model.objectAt(a), ob = model.objectAt(b);
                    c = oa->name != ob->name ? oa->name.compare(ob->name) : oa->ns.compare(ob->ns);
                }
                return order == Qt::AscendingOrder ? c < 0 : c > 0;
            });
            QStringList keys;
            for (int r : rows)
                keys << model.objectAt(r)->key();
            return keys;
        };
        auto shown = [&] {
            QStringList keys;
            for (int r = 0; r < proxy.rowCount(); ++r)
                keys << proxy.data(proxy.index(r, 0), ObjectTableModel::KeyRole).toString();
            return keys;
        };
        for (Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
            proxy.sort(column, order);
            QCOMPARE(shown(), expected(order));
        }
        // A change placed by the per-row comparison lands where a full sort would put it.
        proxy.sort(column, Qt::AscendingOrder);
        auto moved = std::const_pointer_cast<KubeObject>(pod(QStringLiteral("ns1"), QStringLiteral("p5"), QStringLiteral("Evicted"), 9));
        moved->createdAt = 999;
        model.applyChanges({change(ObjectChange::Type::Added, moved)});
        QCOMPARE(shown(), expected(Qt::AscendingOrder));
    }

    void refreshCellsCoversOnlyTheGivenRows()
    {
        PodTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ObjectList pods;
        for (int i = 0; i < 10; ++i)
            pods.push_back(pod(QStringLiteral("a"), QStringLiteral("p%1").arg(i)));
        model.resetObjects(pods);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.refreshCells(PodTableModel::AgeColumn, {7, 2, 3, 4, 9, 42});
        // Runs of neighbours become one range; rows that do not exist are left out.
        QCOMPARE(changed.count(), 3);
        auto range = [&](int i) {
            return qMakePair(changed.at(i).at(0).toModelIndex().row(), changed.at(i).at(1).toModelIndex().row());
        };
        QCOMPARE(range(0), qMakePair(2, 4));
        QCOMPARE(range(1), qMakePair(7, 7));
        QCOMPARE(range(2), qMakePair(9, 9));
        QCOMPARE(changed.at(0).at(0).toModelIndex().column(), int(PodTableModel::AgeColumn));
    }

    void proxySortsByValueNotText()
    {
        PodTableModel model;
        model.resetObjects({pod("a", "few", "Running", 2), pod("a", "many", "Running", 10), pod("a", "none", "Running", 0)});
        QSortFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.setSortRole(ObjectTableModel::SortRole);
        proxy.sort(PodTableModel::RestartsColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.data(proxy.index(0, PodTableModel::NameColumn)).toString(), QStringLiteral("many"));
        QCOMPARE(proxy.data(proxy.index(2, PodTableModel::NameColumn)).toString(), QStringLiteral("none"));
        proxy.setFilterKeyColumn(-1);
        proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
        proxy.setFilterFixedString(QStringLiteral("MAN"));
        QCOMPARE(proxy.rowCount(), 1);
        // A change to a filtered row keeps the proxy consistent.
        model.applyChanges({change(ObjectChange::Type::Modified, pod("a", "many", "Terminating", 10, "2"))});
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.data(proxy.index(0, PodTableModel::StatusColumn)).toString(), QStringLiteral("Terminating"));
    }
};

QTEST_GUILESS_MAIN(TestObjectTableModel)
#include "tst_objecttablemodel.moc"
