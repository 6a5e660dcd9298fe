// Unit tests of the keyed list and tree models under QAbstractItemModelTester: which signals a new
// list causes (insert in the middle, removal, reorder, change, the same list twice), and that
// selection and persistent indexes follow their rows.
#include "common/keyedlistmodel.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QRandomGenerator>
#include <QTest>

using pilothouse::models::KeyedListModel;
using pilothouse::models::KeyedTreeModel;

namespace {

struct Item {
    QString key;
    int value = 0;
    friend bool operator==(const Item &, const Item &) = default;
};

class ItemModel : public KeyedListModel<Item> {
public:
    enum Column { KeyColumn, ValueColumn, ColumnCount };
    using KeyedListModel::KeyedListModel;
    int columnCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override
    {
        if (!index.isValid() || role != Qt::DisplayRole)
            return {};
        const Item &i = itemAt(index.row());
        return index.column() == KeyColumn ? QVariant(i.key) : QVariant(i.value);
    }

protected:
    QString keyOf(const Item &item) const override { return item.key; }
};

class ItemTreeModel : public KeyedTreeModel<Item> {
public:
    using KeyedTreeModel::KeyedTreeModel;
    int columnCount(const QModelIndex & = {}) const override { return 2; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override
    {
        if (!index.isValid() || role != Qt::DisplayRole)
            return {};
        const Item &i = itemAt(index);
        return index.column() == 0 ? QVariant(i.key) : QVariant(i.value);
    }

protected:
    QString keyOf(const Item &item) const override { return item.key; }
};

// Items with the given keys, each valued 0 unless given in `values`.
QList<Item> items(const QString &keys, const QHash<QChar, int> &values = {})
{
    QList<Item> out;
    for (QChar c : keys)
        out.append({QString(c), values.value(c, 0)});
    return out;
}

QString keysOf(const QAbstractItemModel &m, const QModelIndex &parent = {})
{
    QString s;
    for (int r = 0; r < m.rowCount(parent); ++r)
        s += m.index(r, 0, parent).data().toString();
    return s;
}

// Every structural or data signal, as a line: "insert 1-1", "remove 0-2", "move 3->0",
// "change 2-2", "reset", "layout".
struct Recorder {
    QStringList lines;
    explicit Recorder(QAbstractItemModel *m)
    {
        auto where = [m](const QModelIndex &parent) {
            return parent.isValid() ? parent.data().toString() + QLatin1Char(':') : QString();
        };
        QObject::connect(m, &QAbstractItemModel::rowsInserted, m, [this, where](const QModelIndex &p, int a, int b) {
            lines << QStringLiteral("insert %1%2-%3").arg(where(p)).arg(a).arg(b);
        });
        QObject::connect(m, &QAbstractItemModel::rowsRemoved, m, [this, where](const QModelIndex &p, int a, int b) {
            lines << QStringLiteral("remove %1%2-%3").arg(where(p)).arg(a).arg(b);
        });
        QObject::connect(m, &QAbstractItemModel::rowsMoved, m, [this, where](const QModelIndex &p, int a, int, const QModelIndex &, int to) {
            lines << QStringLiteral("move %1%2->%3").arg(where(p)).arg(a).arg(to);
        });
        QObject::connect(m, &QAbstractItemModel::dataChanged, m, [this, where](const QModelIndex &tl, const QModelIndex &br) {
            lines << QStringLiteral("change %1%2-%3").arg(where(tl.parent())).arg(tl.row()).arg(br.row());
        });
        QObject::connect(m, &QAbstractItemModel::modelReset, m, [this] { lines << QStringLiteral("reset"); });
        QObject::connect(m, &QAbstractItemModel::layoutChanged, m, [this] { lines << QStringLiteral("layout"); });
    }
    QStringList take() { return std::exchange(lines, {}); }
};

}  // namespace

class TestKeyedListModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fromEmptyIsOneInsertion()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        Recorder rec(&model);
        model.setItems(items(QStringLiteral("abc")));
        QCOMPARE(rec.take(), QStringList{QStringLiteral("insert 0-2")});
        QCOMPARE(keysOf(model), QStringLiteral("abc"));
        QCOMPARE(model.rowOfKey(QStringLiteral("c")), 2);
        QCOMPARE(model.find(QStringLiteral("b"))->key, QStringLiteral("b"));
        QVERIFY(!model.find(QStringLiteral("x")));
    }

    void insertInTheMiddle()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setItems(items(QStringLiteral("ade")));
        Recorder rec(&model);
        model.setItems(items(QStringLiteral("abcde")));
        QCOMPARE(rec.take(), QStringList{QStringLiteral("insert 1-2")});
        QCOMPARE(keysOf(model), QStringLiteral("abcde"));
        QCOMPARE(model.rowOfKey(QStringLiteral("d")), 3);
        // Two separate runs are two insertions.
        model.setItems(items(QStringLiteral("xabcdye")));
        QCOMPARE(rec.take(), (QStringList{QStringLiteral("insert 0-0"), QStringLiteral("insert 5-5")}));
        QCOMPARE(keysOf(model), QStringLiteral("xabcdye"));
    }

    void removeRuns()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setItems(items(QStringLiteral("abcdef")));
        Recorder rec(&model);
        model.setItems(items(QStringLiteral("adf")));
        // Bottom up, a contiguous run at once.
        QCOMPARE(rec.take(), (QStringList{QStringLiteral("remove 4-4"), QStringLiteral("remove 1-2")}));
        QCOMPARE(keysOf(model), QStringLiteral("adf"));
        QCOMPARE(model.rowOfKey(QStringLiteral("f")), 2);
        QCOMPARE(model.rowOfKey(QStringLiteral("b")), -1);
    }

    void reorderMovesFewestRows()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setItems(items(QStringLiteral("abcd")));
        const QPersistentModelIndex a = model.index(0, 1);
        Recorder rec(&model);
        // The first row went last: one move, not three.
        model.setItems(items(QStringLiteral("bcda")));
        QCOMPARE(rec.take(), QStringList{QStringLiteral("move 0->4")});
        QCOMPARE(keysOf(model), QStringLiteral("bcda"));
        QCOMPARE(a.row(), 3);
        QCOMPARE(a.column(), 1);
        // Back again: the last row first.
        model.setItems(items(QStringLiteral("abcd")));
        QCOMPARE(rec.take(), QStringList{QStringLiteral("move 3->0")});
        QCOMPARE(a.row(), 0);
        // Reversed: every row but one moves.
        model.setItems(items(QStringLiteral("dcba")));
        QCOMPARE(rec.take().size(), 3);
        QCOMPARE(keysOf(model), QStringLiteral("dcba"));
        QCOMPARE(a.row(), 3);
        QCOMPARE(model.rowOfKey(QStringLiteral("d")), 0);
    }

    void changedRowsSignalled()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setItems(items(QStringLiteral("abcdef")));
        Recorder rec(&model);
        model.setItems(items(QStringLiteral("abcdef"), {{QLatin1Char('b'), 1}, {QLatin1Char('e'), 2}}));
        QCOMPARE(rec.take(), (QStringList{QStringLiteral("change 1-1"), QStringLiteral("change 4-4")}));
        QCOMPARE(model.index(4, ItemModel::ValueColumn).data().toInt(), 2);
        // Most rows changed: one range over them.
        model.setItems(items(QStringLiteral("abcdef"), {{QLatin1Char('b'), 3}, {QLatin1Char('c'), 3}, {QLatin1Char('d'), 3}, {QLatin1Char('f'), 3}}));
        QCOMPARE(rec.take(), QStringList{QStringLiteral("change 1-5")});
        // A change together with a move: the moved row is changed in its new place.
        model.setItems(items(QStringLiteral("bcdefa"), {{QLatin1Char('a'), 9}, {QLatin1Char('b'), 3}, {QLatin1Char('c'), 3}, {QLatin1Char('d'), 3}, {QLatin1Char('f'), 3}}));
        QCOMPARE(rec.take(), (QStringList{QStringLiteral("move 0->6"), QStringLiteral("change 5-5")}));
        QCOMPARE(model.index(5, ItemModel::ValueColumn).data().toInt(), 9);
    }

    void sameListTwiceIsSilent()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QList<Item> list = items(QStringLiteral("abc"), {{QLatin1Char('b'), 5}});
        model.setItems(list);
        Recorder rec(&model);
        model.setItems(list);
        QCOMPARE(rec.take(), QStringList());
        QVERIFY(model.updateItem({QStringLiteral("b"), 5}));
        QCOMPARE(rec.take(), QStringList());
        model.clear();
        model.clear();
        QCOMPARE(rec.take(), QStringList{QStringLiteral("reset")});
    }

    void resetOnlyWhenNothingIsKept()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setItems(items(QStringLiteral("abc")));
        Recorder rec(&model);
        model.setItems(items(QStringLiteral("xyz")));
        QCOMPARE(rec.take(), QStringList{QStringLiteral("reset")});
        QCOMPARE(keysOf(model), QStringLiteral("xyz"));
        // One key kept: no reset.
        model.setItems(items(QStringLiteral("pyq")));
        QVERIFY(!rec.take().contains(QStringLiteral("reset")));
        QCOMPARE(keysOf(model), QStringLiteral("pyq"));
        model.setItems({});
        QCOMPARE(rec.take(), QStringList{QStringLiteral("reset")});
        QCOMPARE(model.rowCount(), 0);
    }

    void duplicateKeysKeepTheFirst()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setItems({{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}, {QStringLiteral("a"), 3}});
        QCOMPARE(keysOf(model), QStringLiteral("ab"));
        QCOMPARE(model.find(QStringLiteral("a"))->value, 1);
    }

    void updateItemInPlace()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setItems(items(QStringLiteral("abc")));
        Recorder rec(&model);
        QVERIFY(model.updateItem({QStringLiteral("c"), 7}));
        QCOMPARE(rec.take(), QStringList{QStringLiteral("change 2-2")});
        QCOMPARE(model.find(QStringLiteral("c"))->value, 7);
        QVERIFY(!model.updateItem({QStringLiteral("z"), 7}));
        QCOMPARE(rec.take(), QStringList());
        QCOMPARE(model.rowCount(), 3);
    }

    void selectionAndCurrentFollowTheirRow()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setItems(items(QStringLiteral("abcd")));
        QItemSelectionModel selection(&model);
        selection.setCurrentIndex(model.index(2, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        model.setItems(items(QStringLiteral("xcbd"), {{QLatin1Char('c'), 4}}));
        QCOMPARE(selection.currentIndex().row(), 1);
        QCOMPARE(selection.currentIndex().data().toString(), QStringLiteral("c"));
        QVERIFY(selection.isRowSelected(1, {}));
        QCOMPARE(selection.selectedRows().size(), 1);
        // The selected row removed: nothing selected, nothing else picked.
        model.setItems(items(QStringLiteral("xbd")));
        QVERIFY(selection.selectedRows().isEmpty());
    }

    // Random lists one after another: the rows always end up as given, under the tester.
    void randomSequences()
    {
        ItemModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QRandomGenerator rng(20240611);
        const QString alphabet = QStringLiteral("abcdefghijklmnop");
        for (int round = 0; round < 300; ++round) {
            QString keys;
            for (QChar c : alphabet)
                if (rng.bounded(3) != 0)
                    keys += c;
            // Shuffle a part of it.
            for (int i = 0; i < keys.size(); ++i)
                if (rng.bounded(4) == 0)
                    std::swap(keys[i], keys[rng.bounded(static_cast<int>(keys.size()))]);
            QHash<QChar, int> values;
            for (QChar c : keys)
                values.insert(c, rng.bounded(2));
            model.setItems(items(keys, values));
            QCOMPARE(keysOf(model), keys);
            for (int r = 0; r < keys.size(); ++r) {
                QCOMPARE(model.rowOfKey(QString(keys[r])), r);
                QCOMPARE(model.index(r, ItemModel::ValueColumn).data().toInt(), values.value(keys[r]));
            }
        }
    }

    void treeLevelsUpdateByKey()
    {
        using Row = ItemTreeModel::Row;
        ItemTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto row = [](int depth, const char *key, int value = 0) { return Row{depth, Item{QString::fromLatin1(key), value}}; };
        model.setRows({row(0, "a"), row(1, "b"), row(2, "c"), row(2, "d"), row(1, "e"), row(0, "f")});
        QCOMPARE(keysOf(model), QStringLiteral("af"));
        const QModelIndex a = model.index(0, 0);
        QCOMPARE(keysOf(model, a), QStringLiteral("be"));
        QCOMPARE(keysOf(model, model.index(0, 0, a)), QStringLiteral("cd"));
        QCOMPARE(model.parent(model.index(1, 0, model.index(0, 0, a))), model.index(0, 0, a));
        QCOMPARE(model.indexOfPath({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("d")}).data().toString(), QStringLiteral("d"));
        QVERIFY(!model.indexOfPath({QStringLiteral("a"), QStringLiteral("x")}).isValid());
        const QPersistentModelIndex d = model.indexOfPath({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("d")});

        Recorder rec(&model);
        // The same rows: nothing.
        model.setRows({row(0, "a"), row(1, "b"), row(2, "c"), row(2, "d"), row(1, "e"), row(0, "f")});
        QCOMPARE(rec.take(), QStringList());
        // A grandchild inserted before d, a child changed, a subtree removed, a top-level row moved.
        model.setRows({row(0, "f"), row(0, "a"), row(1, "b", 1), row(2, "x"), row(2, "c"), row(2, "d")});
        QCOMPARE(rec.take(), (QStringList{QStringLiteral("move 1->0"), QStringLiteral("remove a:1-1"), QStringLiteral("change a:0-0"),
                                          QStringLiteral("insert b:0-0")}));
        QCOMPARE(keysOf(model), QStringLiteral("fa"));
        QCOMPARE(keysOf(model, model.index(0, 0, model.index(1, 0))), QStringLiteral("xcd"));
        QCOMPARE(model.index(0, 1, model.index(1, 0)).data().toInt(), 1);
        // The persistent index of the grandchild followed it.
        QVERIFY(d.isValid());
        QCOMPARE(d.row(), 2);
        QCOMPARE(d.parent().data().toString(), QStringLiteral("b"));
        // A new subtree comes in whole, with one insertion.
        model.setRows({row(0, "f"), row(1, "g"), row(2, "h"), row(0, "a"), row(1, "b", 1), row(2, "x"), row(2, "c"), row(2, "d")});
        QCOMPARE(rec.take(), QStringList{QStringLiteral("insert f:0-0")});
        QCOMPARE(keysOf(model, model.indexOfPath({QStringLiteral("f"), QStringLiteral("g")})), QStringLiteral("h"));
        // Nothing kept at the top: a reset.
        model.setRows({row(0, "z")});
        QCOMPARE(rec.take(), QStringList{QStringLiteral("reset")});
        model.clear();
        QCOMPARE(rec.take(), QStringList{QStringLiteral("reset")});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(TestKeyedListModel)
#include "tst_keyedlistmodel.moc"
