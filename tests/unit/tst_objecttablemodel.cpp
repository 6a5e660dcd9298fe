// Unit tests of the incremental resource table models, under QAbstractItemModelTester.
#include "objectfilterproxymodel.h"
#include "objecttablemodel.h"
#include "statustone.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

#include <functional>
#include <numeric>
#include <random>

using namespace pilothouse::backends::kube;
using pilothouse::models::ObjectFilterProxyModel;
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

// A pod with every field the filter reads set.
KubeObjectPtr podOn(const QString &ns, const QString &name, const QString &status, int restarts, const QString &node, const QString &ip,
                    qint64 createdAt = 1000)
{
    auto o = std::const_pointer_cast<KubeObject>(pod(ns, name, status, restarts));
    auto &s = std::get<PodSummary>(o->summary);
    s.node = node;
    s.podIp = ip;
    o->createdAt = createdAt;
    return o;
}

// Counts the filter's calls, to see which rows a filter change tests.
class CountingPodModel : public PodTableModel {
public:
    using PodTableModel::PodTableModel;
    mutable int matchCalls = 0;
    bool matches(int row, QStringView needle) const override
    {
        ++matchCalls;
        return PodTableModel::matches(row, needle);
    }
};

QStringList shownKeys(const QAbstractItemModel &proxy)
{
    QStringList keys;
    for (int r = 0; r < proxy.rowCount(); ++r)
        keys << proxy.data(proxy.index(r, 0), ObjectTableModel::KeyRole).toString();
    return keys;
}

// The filter box's promise, the slow way: name, namespace, status, node or IP contains the text.
bool podMatches(const KubeObject &o, const QString &text)
{
    if (text.isEmpty())
        return true;
    const PodSummary *p = o.pod();
    for (const QString &field : {o.name, o.ns, p ? p->status : QString(), p ? p->node : QString(), p ? p->podIp : QString()})
        if (field.contains(text, Qt::CaseInsensitive))
            return true;
    return false;
}

// The rows a proxy should show, in order, computed the slow way from SortRole values (ties by
// name, then namespace; descending is the exact reverse), with a filter predicate.
QStringList expectedKeys(const ObjectTableModel &model, int column, Qt::SortOrder order,
                         const std::function<bool(const KubeObject &)> &keep = [](const KubeObject &) { return true; })
{
    std::vector<int> rows;
    for (int r = 0; r < model.rowCount(); ++r)
        if (keep(*model.objectAt(r)))
            rows.push_back(r);
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
}

// Each key once in the model, and rowOf() agreeing with the rows.
bool keysConsistent(const ObjectTableModel &model)
{
    QSet<QString> seen;
    for (int r = 0; r < model.rowCount(); ++r) {
        const QString key = model.objectAt(r)->key();
        if (seen.contains(key) || model.rowOf(key) != r)
            return false;
        seen.insert(key);
    }
    return true;
}

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

    void proxyTieBreaksAndDirections()
    {
        PodTableModel model;
        model.resetObjects({pod("b", "web", "Running", 3), pod("a", "web", "Running", 3), pod("a", "api", "Running", 3),
                            pod("a", "db", "Pending", 1), pod("c", "zeta", "Running", 7)});
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        QCOMPARE(proxy.sortColumn(), -1);
        proxy.sort(PodTableModel::RestartsColumn, Qt::AscendingOrder);
        // Equal restarts: by name, then namespace.
        QCOMPARE(shownKeys(proxy), (QStringList{"a/db", "a/api", "a/web", "b/web", "c/zeta"}));
        proxy.sort(PodTableModel::RestartsColumn, Qt::DescendingOrder);
        QCOMPARE(shownKeys(proxy), (QStringList{"c/zeta", "b/web", "a/web", "a/api", "a/db"}));
        proxy.sort(PodTableModel::StatusColumn, Qt::AscendingOrder);
        QCOMPARE(shownKeys(proxy), (QStringList{"a/db", "a/api", "a/web", "b/web", "c/zeta"}));
        proxy.sort(PodTableModel::NameColumn, Qt::DescendingOrder);
        QCOMPARE(shownKeys(proxy), (QStringList{"c/zeta", "b/web", "a/web", "a/db", "a/api"}));
        // The header shows the source's titles, also when no row is shown.
        proxy.setFilterText(QStringLiteral("nothing-matches"));
        QCOMPARE(proxy.rowCount(), 0);
        QCOMPARE(proxy.headerData(PodTableModel::StatusColumn, Qt::Horizontal).toString(), QStringLiteral("Status"));
    }

    void sortKeepsTheSelection()
    {
        PodTableModel model;
        model.resetObjects({pod("a", "p1", "Running", 5), pod("a", "p2", "Running", 1), pod("a", "p3", "Running", 9)});
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(PodTableModel::NameColumn);
        const QPersistentModelIndex selected = proxy.index(0, PodTableModel::StatusColumn);  // a/p1
        proxy.sort(PodTableModel::RestartsColumn, Qt::DescendingOrder);
        QCOMPARE(selected.row(), 1);
        QCOMPARE(selected.column(), int(PodTableModel::StatusColumn));
        QCOMPARE(selected.data(ObjectTableModel::KeyRole).toString(), QStringLiteral("a/p1"));
        // Filtered out: the index goes; the others stay on their rows.
        const QPersistentModelIndex other = proxy.index(0, 0);  // a/p3
        proxy.setFilterText(QStringLiteral("P3"));
        QVERIFY(!selected.isValid());
        QCOMPARE(other.row(), 0);
        QCOMPARE(other.data(ObjectTableModel::KeyRole).toString(), QStringLiteral("a/p3"));
    }

    void filterMatchesTheFieldsShown()
    {
        PodTableModel model;
        model.setNow(1000 + 3 * 86400);
        model.resetObjects({podOn("shop", "cart-1", "Running", 0, "node-a", "10.0.0.7"), podOn("cafe", "kiosk", "CrashLoopBackOff", 2, "node-b", "10.0.1.9"),
                            podOn("ops", "probe", "Pending", 0, "", "")});
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(PodTableModel::NameColumn);
        auto shownFor = [&](const QString &text) {
            proxy.setFilterText(text);
            return shownKeys(proxy);
        };
        QCOMPARE(shownFor(QStringLiteral("CART")), QStringList{"shop/cart-1"});        // name, any case
        QCOMPARE(shownFor(QStringLiteral("Caf")), QStringList{"cafe/kiosk"});           // namespace
        QCOMPARE(shownFor(QStringLiteral("crashloop")), QStringList{"cafe/kiosk"});     // status
        QCOMPARE(shownFor(QStringLiteral("node-A")), QStringList{"shop/cart-1"});       // node
        QCOMPARE(shownFor(QStringLiteral("10.0.1.")), QStringList{"cafe/kiosk"});       // IP
        // Not the computed cells: Ready ("1/1"), Restarts, Age ("3d").
        QCOMPARE(shownFor(QStringLiteral("1/1")), QStringList{});
        QCOMPARE(shownFor(QStringLiteral("3d")), QStringList{});
        QCOMPARE(shownFor(QString()), (QStringList{"shop/cart-1", "cafe/kiosk", "ops/probe"}));
        QCOMPARE(proxy.filterText(), QString());
    }

    void filterNarrowsAndWidens()
    {
        CountingPodModel model;
        ObjectList pods;
        for (int i = 0; i < 300; ++i)
            pods.push_back(podOn(QStringLiteral("ns-%1").arg(i % 7), QStringLiteral("svc-%1-%2").arg(i % 30, 2, 10, QLatin1Char('0')).arg(i),
                                 i % 11 == 0 ? QStringLiteral("Pending") : QStringLiteral("Running"), i % 5, QStringLiteral("node-%1").arg(i % 4),
                                 QStringLiteral("10.1.%1.%2").arg(i / 100).arg(i % 100)));
        model.resetObjects(pods);
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(PodTableModel::RestartsColumn, Qt::DescendingOrder);
        auto expect = [&](const QString &text) {
            return expectedKeys(model, PodTableModel::RestartsColumn, Qt::DescendingOrder, [&](const KubeObject &o) { return podMatches(o, text); });
        };
        // Typing: each key tests only the rows the last text let through.
        int shownBefore = proxy.rowCount();
        for (const QString &text : {QStringLiteral("s"), QStringLiteral("sv"), QStringLiteral("svc-1"), QStringLiteral("svc-12"), QStringLiteral("svc-12-1")}) {
            model.matchCalls = 0;
            proxy.setFilterText(text);
            QCOMPARE(model.matchCalls, shownBefore);
            QCOMPARE(shownKeys(proxy), expect(text));
            shownBefore = proxy.rowCount();
        }
        QVERIFY(proxy.rowCount() > 0 && proxy.rowCount() < 20);
        // Erasing widens: every row is tested again.
        model.matchCalls = 0;
        proxy.setFilterText(QStringLiteral("svc-12"));
        QCOMPARE(model.matchCalls, model.rowCount());
        QCOMPARE(shownKeys(proxy), expect(QStringLiteral("svc-12")));
        // Another text that is not a longer one: all rows too, and the right ones.
        model.matchCalls = 0;
        proxy.setFilterText(QStringLiteral("PENDING"));
        QCOMPARE(model.matchCalls, model.rowCount());
        QCOMPARE(shownKeys(proxy), expect(QStringLiteral("pending")));
        // Case alone changes nothing (case-insensitive): no test at all.
        model.matchCalls = 0;
        proxy.setFilterText(QStringLiteral("pending"));
        QCOMPARE(model.matchCalls, 0);
        QCOMPARE(shownKeys(proxy), expect(QStringLiteral("pending")));
        // Cleared: everything, still sorted, without testing anything.
        model.matchCalls = 0;
        proxy.setFilterText(QString());
        QCOMPARE(model.matchCalls, 0);
        QCOMPARE(shownKeys(proxy), expect(QString()));
    }

    void namespaceSet()
    {
        PodTableModel model;
        auto node = std::make_shared<KubeObject>();  // cluster-scoped: no namespace
        node->name = QStringLiteral("node-1");
        model.resetObjects({pod("a", "web"), pod("b", "web"), pod("c", "api"), pod("b", "db"), node});
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(PodTableModel::NameColumn);
        proxy.setNamespaces({QStringLiteral("a"), QStringLiteral("b")});
        QCOMPARE(shownKeys(proxy), (QStringList{"b/db", "node-1", "a/web", "b/web"}));
        proxy.setFilterText(QStringLiteral("we"));
        QCOMPARE(shownKeys(proxy), (QStringList{"a/web", "b/web"}));
        // A change of the set with the text kept.
        proxy.setNamespaces({QStringLiteral("c"), QStringLiteral("b")});
        QCOMPARE(shownKeys(proxy), (QStringList{"b/web"}));
        // A new pod in a namespace not chosen stays out; one in a chosen namespace comes in.
        model.applyChanges({change(ObjectChange::Type::Added, pod("a", "web2")), change(ObjectChange::Type::Added, pod("c", "web3"))});
        QCOMPARE(shownKeys(proxy), (QStringList{"b/web", "c/web3"}));
        proxy.setFilterText(QString());
        proxy.setNamespaces({});
        QCOMPARE(shownKeys(proxy), (QStringList{"c/api", "b/db", "node-1", "a/web", "b/web", "a/web2", "c/web3"}));
    }

    void changesWhileSortedAndFiltered()
    {
        PodTableModel model;
        QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ObjectList pods;
        for (int i = 0; i < 40; ++i)
            pods.push_back(pod(QStringLiteral("ns"), QStringLiteral("%1-%2").arg(i % 2 ? "web" : "api").arg(i, 2, 10, QLatin1Char('0')),
                               QStringLiteral("Running"), i % 6));
        model.resetObjects(pods);
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(PodTableModel::RestartsColumn, Qt::DescendingOrder);
        proxy.setFilterText(QStringLiteral("web"));
        auto expected = [&] {
            return expectedKeys(model, PodTableModel::RestartsColumn, Qt::DescendingOrder, [](const KubeObject &o) { return podMatches(o, QStringLiteral("web")); });
        };
        QCOMPARE(shownKeys(proxy), expected());
        QCOMPARE(proxy.rowCount(), 20);
        QSignalSpy moved(&proxy, &QAbstractItemModel::rowsMoved);
        QSignalSpy inserted(&proxy, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&proxy, &QAbstractItemModel::rowsRemoved);
        QSignalSpy layouts(&proxy, &QAbstractItemModel::layoutChanged);

        // A row that moves: it keeps its persistent index (the selection follows it).
        const int bottom = proxy.rowCount() - 1;
        const QString movingKey = proxy.index(bottom, 0).data(ObjectTableModel::KeyRole).toString();
        const QPersistentModelIndex moving = proxy.index(bottom, PodTableModel::RestartsColumn);
        auto bumped = std::const_pointer_cast<KubeObject>(model.objectAt(model.rowOf(movingKey)));
        model.applyChanges({change(ObjectChange::Type::Modified, pod(bumped->ns, bumped->name, QStringLiteral("Running"), 99, QStringLiteral("2")))});
        QCOMPARE(shownKeys(proxy), expected());
        QCOMPARE(moving.row(), 0);
        QCOMPARE(moving.data().toInt(), 99);
        QCOMPARE(moved.count(), 1);
        // A change that keeps a row's place: no move, the row repainted.
        QSignalSpy changed(&proxy, &QAbstractItemModel::dataChanged);
        model.applyChanges({change(ObjectChange::Type::Modified, pod(QStringLiteral("ns"), movingKey.section('/', 1), QStringLiteral("Terminating"), 99, QStringLiteral("3")))});
        QCOMPARE(moved.count(), 1);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 0);
        QCOMPARE(proxy.index(0, PodTableModel::StatusColumn).data().toString(), QStringLiteral("Terminating"));
        // New rows: one that matches lands in its place; one that does not stays out.
        model.applyChanges({change(ObjectChange::Type::Added, pod(QStringLiteral("ns"), QStringLiteral("web-new"), QStringLiteral("Running"), 3)),
                            change(ObjectChange::Type::Added, pod(QStringLiteral("ns"), QStringLiteral("api-new"), QStringLiteral("Running"), 3))});
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(shownKeys(proxy), expected());
        QVERIFY(shownKeys(proxy).contains(QStringLiteral("ns/web-new")));
        // A shown row deleted.
        const QString goneKey = proxy.index(3, 0).data(ObjectTableModel::KeyRole).toString();
        model.applyChanges({change(ObjectChange::Type::Deleted, model.objectAt(model.rowOf(goneKey)))});
        QCOMPARE(removed.count(), 1);
        QVERIFY(!shownKeys(proxy).contains(goneKey));
        QCOMPARE(shownKeys(proxy), expected());
        // Filtered in and out by a change of a field the filter reads (the status).
        proxy.setFilterText(QStringLiteral("pending"));
        QCOMPARE(proxy.rowCount(), 0);
        model.applyChanges({change(ObjectChange::Type::Modified, pod(QStringLiteral("ns"), QStringLiteral("api-00"), QStringLiteral("Pending"), 0, QStringLiteral("2")))});
        QCOMPARE(shownKeys(proxy), QStringList{"ns/api-00"});
        model.applyChanges({change(ObjectChange::Type::Modified, pod(QStringLiteral("ns"), QStringLiteral("api-00"), QStringLiteral("Running"), 0, QStringLiteral("3")))});
        QCOMPARE(proxy.rowCount(), 0);
        // None of the changes needed a layout change: only the new filter text did.
        QCOMPARE(layouts.count(), 1);
    }

    void manyChangesAtOnce()
    {
        // More rows than are signalled one by one: one layout change, the same result.
        PodTableModel model;
        QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ObjectList pods;
        for (int i = 0; i < 200; ++i)
            pods.push_back(pod(QStringLiteral("ns"), QStringLiteral("p%1").arg(i, 3, 10, QLatin1Char('0')), QStringLiteral("Running"), i % 9));
        model.resetObjects(pods);
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(PodTableModel::RestartsColumn, Qt::AscendingOrder);
        proxy.setFilterText(QStringLiteral("p1"));
        auto expected = [&] {
            return expectedKeys(model, PodTableModel::RestartsColumn, Qt::AscendingOrder, [](const KubeObject &o) { return podMatches(o, QStringLiteral("p1")); });
        };
        const QPersistentModelIndex kept = proxy.index(proxy.rowCount() / 2, 0);
        const QString keptKey = kept.data(ObjectTableModel::KeyRole).toString();
        // Most rows modified: the model signals one range.
        ChangeBatch batch;
        for (int i = 0; i < 150; ++i)
            batch.push_back(change(ObjectChange::Type::Modified, pod(QStringLiteral("ns"), QStringLiteral("p%1").arg(i, 3, 10, QLatin1Char('0')),
                                                                     QStringLiteral("Running"), (i * 7) % 13, QStringLiteral("2"))));
        model.applyChanges(batch);
        QCOMPARE(shownKeys(proxy), expected());
        QCOMPARE(kept.data(ObjectTableModel::KeyRole).toString(), keptKey);
        // Many rows deleted in one run, and many added in one range.
        batch.clear();
        for (int i = 100; i < 160; ++i)
            batch.push_back(change(ObjectChange::Type::Deleted, pod(QStringLiteral("ns"), QStringLiteral("p%1").arg(i, 3, 10, QLatin1Char('0')))));
        for (int i = 0; i < 80; ++i)
            batch.push_back(change(ObjectChange::Type::Added, pod(QStringLiteral("ns"), QStringLiteral("q%1").arg(i), QStringLiteral("Running"), i % 4)));
        model.applyChanges(batch);
        QCOMPARE(shownKeys(proxy), expected());
        proxy.setFilterText(QStringLiteral("q"));
        QCOMPARE(proxy.rowCount(), 80);
    }

    void tableRowsMatchTheirShownCells()
    {
        pilothouse::models::TableRowModel model;
        model.setColumns({{QStringLiteral("Name"), QStringLiteral("string"), 0}, {QStringLiteral("Status"), QStringLiteral("string"), 0},
                          {QStringLiteral("Nominated Node"), QStringLiteral("string"), 1}, {QStringLiteral("Age"), QStringLiteral("date"), 0}},
                         true);
        auto row = [](const QString &ns, const QString &name, const QStringList &cells) {
            auto o = std::make_shared<KubeObject>();
            o->ns = ns;
            o->name = name;
            o->summary = TableSummary{cells};
            return KubeObjectPtr(o);
        };
        model.resetObjects({row("alpha", "job-1", {"job-1", "Complete", "hidden-node", "5d"}), row("beta", "job-2", {"job-2", "Failed", "", "7d"})});
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(0);
        proxy.setFilterText(QStringLiteral("fail"));
        QCOMPARE(shownKeys(proxy), QStringList{"beta/job-2"});
        proxy.setFilterText(QStringLiteral("BET"));  // the namespace column
        QCOMPARE(shownKeys(proxy), QStringList{"beta/job-2"});
        proxy.setFilterText(QStringLiteral("hidden"));  // a priority-1 cell is not shown
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setFilterText(QStringLiteral("5d"));  // nor an age
        QCOMPARE(proxy.rowCount(), 0);
    }

    void chunkedLoadWithChangesMidLoad()
    {
        PodTableModel model;
        QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(PodTableModel::StatusColumn, Qt::DescendingOrder);
        model.setChunkedLoading(true, 10);
        QSignalSpy progress(&model, &ObjectTableModel::loadProgress);
        ObjectList pods;
        for (int i = 0; i < 55; ++i)
            pods.push_back(pod(QStringLiteral("ns%1").arg(i % 3), QStringLiteral("p%1").arg(i, 2, 10, QLatin1Char('0')),
                               i % 4 ? QStringLiteral("Running") : QStringLiteral("Pending")));
        model.resetObjects(pods);
        // The reset brings the first chunk; the rest is still to come.
        QCOMPARE(model.rowCount(), 10);
        QVERIFY(model.isLoading());
        QCOMPARE(progress.count(), 1);
        QCOMPARE(progress.at(0), (QVariantList{10, 55}));
        QCOMPARE(model.loadTotal(), 55);
        // Changes arrive before the listed objects do: a newer version of one not inserted yet,
        // the deletion of another, a new object, and a change to a row already there.
        const KubeObjectPtr newer = pod(QStringLiteral("ns1"), QStringLiteral("p40"), QStringLiteral("Evicted"), 0, QStringLiteral("2"));
        model.applyChanges({change(ObjectChange::Type::Modified, newer), change(ObjectChange::Type::Deleted, pods[50]),
                            change(ObjectChange::Type::Added, pod(QStringLiteral("ns9"), QStringLiteral("late"))),
                            change(ObjectChange::Type::Modified, pod(pods[3]->ns, pods[3]->name, QStringLiteral("Terminating"), 0, QStringLiteral("2")))});
        QCOMPARE(model.rowCount(), 12);
        QTRY_VERIFY(!model.isLoading());
        QCOMPARE(progress.last(), (QVariantList{55, 55}));
        for (int i = 1; i < progress.count(); ++i)
            QVERIFY(progress.at(i).at(0).toInt() > progress.at(i - 1).at(0).toInt());
        // Nothing lost, nothing doubled, the changes kept over the list's older versions.
        QCOMPARE(model.rowCount(), 55);
        QVERIFY(keysConsistent(model));
        QCOMPARE(model.rowOf(pods[50]->key()), -1);
        QVERIFY(model.rowOf(QStringLiteral("ns9/late")) >= 0);
        QCOMPARE(model.objectAt(model.rowOf(newer->key())), newer);
        QCOMPARE(model.objectAt(model.rowOf(pods[3]->key()))->pod()->status, QStringLiteral("Terminating"));
        // The proxy placed every chunk.
        QCOMPARE(shownKeys(proxy), expectedKeys(model, PodTableModel::StatusColumn, Qt::DescendingOrder));
    }

    void chunkedLoadReplacedOrClearedMidLoad()
    {
        PodTableModel model;
        QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.sort(PodTableModel::NameColumn);
        proxy.setFilterText(QStringLiteral("new"));
        model.setChunkedLoading(true, 8);
        ObjectList first, second;
        for (int i = 0; i < 40; ++i)
            first.push_back(pod(QStringLiteral("old"), QStringLiteral("p%1").arg(i)));
        for (int i = 0; i < 30; ++i)
            second.push_back(pod(QStringLiteral("new"), QStringLiteral("q%1").arg(i)));
        model.resetObjects(first);
        QVERIFY(model.isLoading());
        // Another list (a relist) while the first is loading: only the second one's rows, once each.
        QSignalSpy progress(&model, &ObjectTableModel::loadProgress);
        model.resetObjects(second);
        QTRY_VERIFY(!model.isLoading());
        QCOMPARE(progress.last(), (QVariantList{30, 30}));
        QCOMPARE(model.rowCount(), 30);
        QVERIFY(keysConsistent(model));
        for (int r = 0; r < model.rowCount(); ++r)
            QCOMPARE(model.objectAt(r)->ns, QStringLiteral("new"));
        QCOMPARE(shownKeys(proxy), expectedKeys(model, PodTableModel::NameColumn, Qt::AscendingOrder));
        // Cleared (another context) while loading: empty, and no chunk comes afterwards.
        model.resetObjects(first);
        QVERIFY(model.isLoading());
        model.clear();
        QVERIFY(!model.isLoading());
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        for (int i = 0; i < 5; ++i)
            QCoreApplication::processEvents();
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(proxy.rowCount(), 0);
    }

    void chunkedLoadMatchesAOneShotLoad_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<int>("chunk");
        QTest::newRow("no filter, chunks of 97") << QString() << 97;   // every chunk merged as one layout change
        QTest::newRow("filter, chunks of 97") << QStringLiteral("pending") << 97;  // few rows shown per chunk: row by row
        QTest::newRow("filter, chunks of 400") << QStringLiteral("svc-1") << 400;
    }

    void chunkedLoadMatchesAOneShotLoad()
    {
        QFETCH(QString, filter);
        QFETCH(int, chunk);
        std::mt19937 rng(11);
        ObjectList pods;
        for (int i = 0; i < 2000; ++i)
            pods.push_back(podOn(QStringLiteral("ns-%1").arg(rng() % 9), QStringLiteral("svc-%1-%2").arg(rng() % 40).arg(i),
                                 rng() % 10 ? QStringLiteral("Running") : QStringLiteral("Pending"), int(rng() % 6), QStringLiteral("node"),
                                 QString(), 1000 + qint64(rng() % 500)));
        PodTableModel chunked;
        chunked.setChunkedLoading(true, chunk);
        ObjectFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&chunked);
        proxy.sort(PodTableModel::AgeColumn, Qt::DescendingOrder);
        proxy.setFilterText(filter);
        chunked.resetObjects(pods);
        QTRY_VERIFY(!chunked.isLoading());
        PodTableModel whole;  // chunked loading off (the default): whole when resetObjects returns
        whole.resetObjects(pods);
        QCOMPARE(whole.rowCount(), int(pods.size()));
        QVERIFY(!whole.isLoading());
        ObjectFilterProxyModel reference;
        reference.setSourceModel(&whole);
        reference.sort(PodTableModel::AgeColumn, Qt::DescendingOrder);
        reference.setFilterText(filter);
        QCOMPARE(shownKeys(proxy), shownKeys(reference));
        QCOMPARE(shownKeys(proxy), expectedKeys(whole, PodTableModel::AgeColumn, Qt::DescendingOrder,
                                                [&](const KubeObject &o) { return podMatches(o, filter); }));
        // mapFromSource and mapToSource agree with each other on every row.
        for (int r = 0; r < proxy.rowCount(); ++r)
            QCOMPARE(proxy.mapFromSource(proxy.mapToSource(proxy.index(r, 2))), proxy.index(r, 2));
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
