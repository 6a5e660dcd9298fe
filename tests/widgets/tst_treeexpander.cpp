// Widget test (offscreen): rows of a keyed tree open as they arrive, a row that had no children
// shows its first child, and a row the operator closed stays closed through updates.
#include "common/treeexpander.h"
#include "resources/relatedobjectmodel.h"

#include <QAbstractItemModelTester>
#include <QTest>
#include <QTreeView>

using namespace pilothouse;
using models::RelatedObjectModel;
using models::RelatedRow;
using Row = RelatedObjectModel::Row;

class TestTreeExpander : public QObject {
    Q_OBJECT

    static Row group(const char *key) { return Row{0, RelatedRow::group(QString::fromLatin1(key), QString::fromLatin1(key))}; }
    static Row object(int depth, const char *name)
    {
        return Row{depth, RelatedRow::object(backends::kube::ResourceRef::pods(), QStringLiteral("demo"), QString::fromLatin1(name))};
    }

private Q_SLOTS:
    void rowsOpenAsTheyArriveUnlessClosed()
    {
        RelatedObjectModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTreeView view;
        view.setModel(&model);
        new widgets::TreeExpander(&view);
        view.show();

        // A subtree arriving whole is open all the way down.
        model.setRows({group("owners"), object(1, "a"), object(2, "b"), group("pods")});
        const QModelIndex owners = model.index(0, 0);
        QVERIFY(view.isExpanded(owners));
        QVERIFY(view.isExpanded(model.index(0, 0, owners)));

        // "pods" had no children: its first child opens it.
        model.setRows({group("owners"), object(1, "a"), object(2, "b"), group("pods"), object(1, "p1")});
        QVERIFY(view.isExpanded(model.index(1, 0)));

        // Closed by the operator: new children do not open it again, nor their own children.
        view.collapse(owners);
        model.setRows({group("owners"), object(1, "a"), object(2, "b"), object(1, "c"), object(2, "d"), group("pods"), object(1, "p1")});
        QVERIFY(!view.isExpanded(owners));
        QVERIFY(!view.isExpanded(model.index(1, 0, owners)));
        // Opened again: it follows the arrivals again.
        view.expand(owners);
        model.setRows({group("owners"), object(1, "a"), object(2, "b"), object(1, "c"), object(2, "d"), object(1, "e"), object(2, "f"),
                       group("pods"), object(1, "p1")});
        QVERIFY(view.isExpanded(model.index(2, 0, owners)));
    }
};

QTEST_MAIN(TestTreeExpander)
#include "tst_treeexpander.moc"
