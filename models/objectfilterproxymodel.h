// The tables' sort and filter proxy over an ObjectTableModel: a sorted vector of source rows, a
// case-insensitive text filter on the model's own fields, and a set of namespaces, so several
// namespaces show at once while the informers watch all of them (one watch instead of one per
// namespace, as k9s and Lens do).
#pragma once

#include "objecttablemodel.h"

#include <QAbstractProxyModel>
#include <QSet>

#include <vector>

namespace pilothouse::models {

// Keeps every source row in display order (sorted on ObjectTableModel::sortKey, built once per row)
// and the filtered ones as the proxy's rows. A changed row is placed by binary search on the keys;
// a filter that only narrows (the text typed grows) tests only the rows shown. QSortFilterProxyModel
// did the same work through two QModelIndexes and a virtual lessThan per comparison, and a QVariant
// and a regular expression per cell it filtered: 100,000 rows took 100-150 ms to sort and 250 ms a
// key to filter (bench/bench_table, docs/benchmarks.md).
class ObjectFilterProxyModel : public QAbstractProxyModel {
    Q_OBJECT

public:
    explicit ObjectFilterProxyModel(QObject *parent = nullptr);

    // The source must be an ObjectTableModel; any other model shows no rows.
    void setSourceModel(QAbstractItemModel *model) override;
    ObjectTableModel *objectModel() const { return m_objects; }

    // Empty: every namespace. Cluster-scoped objects (no namespace) always pass.
    void setNamespaces(const QSet<QString> &namespaces);
    QSet<QString> namespaces() const { return m_namespaces; }
    // Rows whose fields (ObjectTableModel::matches) contain `text`, case-insensitively, as a fixed
    // string. Empty: every row.
    void setFilterText(const QString &text);
    QString filterText() const { return m_filter; }

    // -1: the source's order. Ties never happen (keys end with name and namespace); descending is
    // the exact reverse of ascending.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    // The source row shown at `proxyRow`, and back (-1 when none, or filtered out).
    int sourceRow(int proxyRow) const;
    int proxyRow(int sourceRow) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    QModelIndex sibling(int row, int column, const QModelIndex &idx) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QModelIndex mapToSource(const QModelIndex &proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex &sourceIndex) const override;

private:
    using SortKey = ObjectTableModel::SortKey;

    // Display order of two source rows with the keys given (a row about to move has two): <0, 0, >0.
    int compare(const SortKey &keyA, int a, const SortKey &keyB, int b) const;
    bool before(int a, int b) const { return compare(m_keys[static_cast<size_t>(a)], a, m_keys[static_cast<size_t>(b)], b) < 0; }
    // Where `row` (with `key`) sits, or would sit, in a vector in display order.
    size_t lowerBound(const std::vector<int> &rows, const SortKey &key, int row) const;
    size_t positionOf(const std::vector<int> &rows, int row) const { return lowerBound(rows, m_keys[static_cast<size_t>(row)], row); }
    bool accepts(int row) const;
    SortKey keyOf(int row) const;

    // Everything from the source again: keys, acceptance, order, rows shown (no signals).
    void rebuild();
    void sortAll();
    void rebuildShown();
    // A change of the rows shown as one layout change: persistent indexes (selection, current
    // row) follow their source rows, or become invalid when their row is no longer shown.
    template<class Change>
    void relayout(Change change, QAbstractItemModel::LayoutChangeHint hint);

    // Source signals.
    void onRowsInserted(int first, int last);
    void onRowsAboutToBeRemoved(int first, int last);
    void onRowsRemoved(int first, int last);
    void onDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles);
    // One changed source row: moved, filtered in or out, or repainted where it is.
    void placeChangedRow(int row, int left, int right, const QList<int> &roles);
    void beginSourceReset();
    void endSourceReset();

    ObjectTableModel *m_objects = nullptr;
    QList<QMetaObject::Connection> m_connections;
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    QSet<QString> m_namespaces;
    QString m_filter;   // as typed
    QString m_needle;   // case-folded
    std::vector<SortKey> m_keys;    // per source row, for m_sortColumn (empty keys when unsorted)
    std::vector<char> m_accepted;   // per source row: passes the namespaces and the text
    std::vector<int> m_sorted;      // every source row, in display order
    std::vector<int> m_shown;       // proxy row -> source row: the accepted ones of m_sorted
    bool m_resetting = false;
};

}  // namespace pilothouse::models
