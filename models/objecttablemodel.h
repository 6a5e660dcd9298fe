// Base of the resource tables: rows of KubeObject snapshots kept by key, updated incrementally
// (insert/remove row ranges, per-row dataChanged) and reset only on a relist or context switch.
#pragma once

#include "kube/cache/informer.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QStringList>

#include <vector>

namespace pilothouse::models {

using backends::kube::ChangeBatch;
using backends::kube::KubeObjectPtr;
using backends::kube::ObjectList;

class ObjectTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Role {
        KeyRole = Qt::UserRole,  // "namespace/name"
        SortRole,                // a value that sorts right (numbers, timestamps)
        ObjectRole,              // the KubeObjectPtr, for detail views
    };

    explicit ObjectTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    // QAbstractTableModel::index checks through two virtual calls; a sort asks for two indexes per
    // comparison, so the check is done here on the row vector directly.
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Replaces everything (after a relist or a context switch): one model reset.
    void resetObjects(const ObjectList &objects);
    // Applies a batch of changes without a reset.
    void applyChanges(const ChangeBatch &batch);
    void clear() { resetObjects({}); }
    // Age columns change with time alone: one dataChanged over the column (views repaint only
    // the visible rows).
    void refreshColumn(int column);
    // The same for some rows only (the ones on screen): a filtering proxy re-tests every row a
    // dataChanged covers, so a whole-column refresh each second costs a full re-filter.
    void refreshCells(int column, QList<int> rows);

    int rowOf(const QString &key) const { return m_rowOf.value(key, -1); }
    KubeObjectPtr objectAt(int row) const { return row >= 0 && row < static_cast<int>(m_rows.size()) ? m_rows[row] : nullptr; }
    // Orders two rows by a column without building QVariants: <0, 0 or >0. The proxies sort with
    // it (100,000 rows take about 1.7 million comparisons, bench/bench_table). The default
    // compares SortRole values.
    virtual int compareRows(int rowA, int rowB, int column) const;
    // The same order as compareRows, as a key built once per row for a whole-table sort:
    // `number` first, then `text` compared code unit by code unit (tie-breaks included).
    struct SortKey {
        double number = 0;
        QString text;
    };
    virtual SortKey sortKey(int row, int column) const;
    // "now" for age columns; tests pin it.
    void setNow(qint64 secondsSinceEpoch) { m_now = secondsSinceEpoch; }
    qint64 now() const;

protected:
    QVariant commonData(const KubeObjectPtr &obj, int role) const;
    // The row's object without copying its shared pointer (an atomic increment per call).
    const backends::kube::KubeObject &rowObject(int row) const { return *m_rows[static_cast<size_t>(row)]; }
    // Name, then namespace: the tie-break of every column, so equal values keep a stable order.
    static int compareIdentity(const backends::kube::KubeObject &a, const backends::kube::KubeObject &b);
    // "name\x01namespace", and "text\x01name\x01namespace": keys whose plain order is the rows' order.
    static QString identityKey(const backends::kube::KubeObject &o, const QString &first = {});

private:
    void rebuildIndex(int fromRow);

    std::vector<KubeObjectPtr> m_rows;
    QHash<QString, int> m_rowOf;
    qint64 m_now = 0;
};

// Pods: NAME, NAMESPACE, STATUS, READY, RESTARTS, AGE, NODE. The STATUS cell answers
// StatusToneRole (statustone.h): a Running pod with containers not ready yet is Progress.
class PodTableModel : public ObjectTableModel {
    Q_OBJECT

public:
    enum Column { NameColumn, NamespaceColumn, StatusColumn, ReadyColumn, RestartsColumn, AgeColumn, NodeColumn, ColumnCount };
    using ObjectTableModel::ObjectTableModel;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    int compareRows(int rowA, int rowB, int column) const override;
    SortKey sortKey(int row, int column) const override;
};

// Deployments: NAME, NAMESPACE, READY, UP-TO-DATE, AVAILABLE, AGE. READY answers StatusToneRole
// (Good when all replicas are ready, else Progress).
class DeploymentTableModel : public ObjectTableModel {
    Q_OBJECT

public:
    enum Column { NameColumn, NamespaceColumn, ReadyColumn, UpToDateColumn, AvailableColumn, AgeColumn, ColumnCount };
    using ObjectTableModel::ObjectTableModel;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    int compareRows(int rowA, int rowB, int column) const override;
    SortKey sortKey(int row, int column) const override;
};

// Any kind, with the columns the server's Table form gives (as `kubectl get` prints them),
// plus a Namespace column for namespaced kinds. Ages are recomputed from creationTimestamp.
class TableRowModel : public ObjectTableModel {
    Q_OBJECT

public:
    using ObjectTableModel::ObjectTableModel;
    // Keeps the priority-0 columns; resets the model.
    void setColumns(const QList<backends::kube::TableColumn> &columns, bool namespaced);
    QStringList columnNames() const;
    int ageColumn() const { return m_ageColumn; }

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Shown {
        QString title;
        int cell = -1;      // index into the row's cells; -1: the namespace
        bool numeric = false;
        bool age = false;
    };
    QList<Shown> m_columns;
    int m_ageColumn = -1;
};

}  // namespace pilothouse::models
