// New rows opened with their subtree, unless they arrive under a row the operator closed.
#include "common/treeexpander.h"

#include <QTreeView>

namespace pilothouse::widgets {

TreeExpander::TreeExpander(QTreeView *view) : QObject(view), m_view(view)
{
    QAbstractItemModel *model = view->model();
    connect(model, &QAbstractItemModel::rowsInserted, this, &TreeExpander::onRowsInserted);
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        m_closed.clear();
        m_view->expandAll();
    });
    connect(view, &QTreeView::collapsed, this, [this](const QModelIndex &index) { m_closed.insert(index); });
    connect(view, &QTreeView::expanded, this, [this](const QModelIndex &index) { m_closed.remove(index); });
}

void TreeExpander::onRowsInserted(const QModelIndex &parent, int first, int last)
{
    for (QModelIndex at = parent; at.isValid(); at = at.parent())
        if (m_closed.contains(at))
            return;
    for (int row = first; row <= last; ++row)
        m_view->expandRecursively(m_view->model()->index(row, 0, parent));
}

}  // namespace pilothouse::widgets
