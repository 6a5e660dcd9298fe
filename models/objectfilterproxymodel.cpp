// Namespace set + text filter over an ObjectTableModel.
#include "objectfilterproxymodel.h"

#include "objecttablemodel.h"

#include <algorithm>
#include <numeric>

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

void ObjectFilterProxyModel::setSourceModel(QAbstractItemModel *model)
{
    m_objects = qobject_cast<const ObjectTableModel *>(model);
    QSortFilterProxyModel::setSourceModel(model);
}

void ObjectFilterProxyModel::sort(int column, Qt::SortOrder order)
{
    if (m_objects && column >= 0) {
        const int n = m_objects->rowCount();
        // Keys built once, next to each other in memory: the comparisons then read no object.
        std::vector<ObjectTableModel::SortKey> keys;
        keys.reserve(static_cast<size_t>(n));
        for (int r = 0; r < n; ++r)
            keys.push_back(m_objects->sortKey(r, column));
        std::vector<int> rows(static_cast<size_t>(n));
        std::iota(rows.begin(), rows.end(), 0);
        std::sort(rows.begin(), rows.end(), [&keys](int a, int b) {
            const auto &ka = keys[static_cast<size_t>(a)];
            const auto &kb = keys[static_cast<size_t>(b)];
            if (ka.number != kb.number)
                return ka.number < kb.number;
            const int c = ka.text.compare(kb.text);
            return c != 0 ? c < 0 : a < b;
        });
        m_rank.assign(static_cast<size_t>(n), 0);
        for (int i = 0; i < n; ++i)
            m_rank[static_cast<size_t>(rows[static_cast<size_t>(i)])] = i;
        m_rankColumn = column;
    }
    QSortFilterProxyModel::sort(column, order);
    // Later changes are placed by comparing objects: ranks would go stale with the first one.
    m_rank.clear();
    m_rankColumn = -1;
}

bool ObjectFilterProxyModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    if (m_rankColumn == left.column() && static_cast<size_t>(left.row()) < m_rank.size() && static_cast<size_t>(right.row()) < m_rank.size())
        return m_rank[static_cast<size_t>(left.row())] < m_rank[static_cast<size_t>(right.row())];
    if (m_objects)
        return m_objects->compareRows(left.row(), right.row(), left.column()) < 0;
    return QSortFilterProxyModel::lessThan(left, right);
}

bool ObjectFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!m_namespaces.isEmpty()) {
        if (m_objects) {
            const auto object = m_objects->objectAt(sourceRow);
            if (object && !object->ns.isEmpty() && !m_namespaces.contains(object->ns))
                return false;
        }
    }
    return QSortFilterProxyModel::filterAcceptsRow(sourceRow, sourceParent);
}

}  // namespace pilothouse::models
