// Keeps a tree view's rows open as they arrive from a keyed model (a resource tree, the related
// objects), except the rows the operator closed.
#pragma once

#include <QObject>
#include <QPersistentModelIndex>
#include <QSet>

class QTreeView;

namespace pilothouse::widgets {

class TreeExpander : public QObject {
    Q_OBJECT

public:
    // Follows `view`'s model (set before); lives as the view's child.
    explicit TreeExpander(QTreeView *view);

private:
    void onRowsInserted(const QModelIndex &parent, int first, int last);

    QTreeView *m_view;
    QSet<QPersistentModelIndex> m_closed;  // collapsed by the operator
};

}  // namespace pilothouse::widgets
