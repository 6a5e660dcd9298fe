// Namespace set + text filter over an ObjectTableModel.
#include "objectfilterproxymodel.h"

#include "objecttablemodel.h"

namespace pilothouse::models {

ObjectFilterProxyModel::ObjectFilterProxyModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(ObjectTableModel::SortRole);
    setFilterKeyColumn(-1);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
}

void ObjectFilterProxyModel::setNamespaces(const QSet<QString> &namespaces)
{
    if (namespaces == m_namespaces)
        return;
    m_namespaces = namespaces;
    invalidateRowsFilter();
}

bool ObjectFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!m_namespaces.isEmpty()) {
        if (const auto *model = qobject_cast<const ObjectTableModel *>(sourceModel())) {
            const auto object = model->objectAt(sourceRow);
            if (object && !object->ns.isEmpty() && !m_namespaces.contains(object->ns))
                return false;
        }
    }
    return QSortFilterProxyModel::filterAcceptsRow(sourceRow, sourceParent);
}

}  // namespace pilothouse::models
