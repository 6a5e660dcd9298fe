// Base of the resource tables: rows of KubeObject snapshots kept by key, updated incrementally
// (insert/remove row ranges, per-row dataChanged) and reset only on a relist or context switch.
#pragma once

#include "kube/informer.h"

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
    QHash<int, QByteArray> roleNames() const override;

    // Replaces everything (after a relist or a context switch): one model reset.
    void resetObjects(const ObjectList &objects);
    // Applies a batch of changes without a reset.
    void applyChanges(const ChangeBatch &batch);
    void clear() { resetObjects({}); }
    // Age columns change with time alone: one dataChanged over the column (views repaint only
    // the visible rows).
    void refreshColumn(int column);

    int rowOf(const QString &key) const { return m_rowOf.value(key, -1); }
    KubeObjectPtr objectAt(int row) const { return row >= 0 && row < static_cast<int>(m_rows.size()) ? m_rows[row] : nullptr; }
    // "now" for age columns; tests pin it.
    void setNow(qint64 secondsSinceEpoch) { m_now = secondsSinceEpoch; }
    qint64 now() const;

protected:
    QVariant commonData(const KubeObjectPtr &obj, int role) const;

private:
    void rebuildIndex(int fromRow);

    std::vector<KubeObjectPtr> m_rows;
    QHash<QString, int> m_rowOf;
    qint64 m_now = 0;
};

// Pods: NAME, NAMESPACE, STATUS, READY, RESTARTS, AGE, NODE.
class PodTableModel : public ObjectTableModel {
    Q_OBJECT

public:
    enum Column { NameColumn, NamespaceColumn, StatusColumn, ReadyColumn, RestartsColumn, AgeColumn, NodeColumn, ColumnCount };
    using ObjectTableModel::ObjectTableModel;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
};

// Deployments: NAME, NAMESPACE, READY, UP-TO-DATE, AVAILABLE, AGE.
class DeploymentTableModel : public ObjectTableModel {
    Q_OBJECT

public:
    enum Column { NameColumn, NamespaceColumn, ReadyColumn, UpToDateColumn, AvailableColumn, AgeColumn, ColumnCount };
    using ObjectTableModel::ObjectTableModel;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
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
