// Base of the resource tables: rows of KubeObject snapshots kept by key, updated incrementally
// (insert/remove row ranges, per-row dataChanged) and reset only on a relist or context switch.
// A large list is taken in time-sliced chunks so that the GUI thread never stalls on it.
#pragma once

#include "kube/cache/informer.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <QStringList>
#include <QTimer>

#include <memory>
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
    // QAbstractTableModel::index checks through two virtual calls; views and the proxy ask for many
    // indexes, so the check is done here on the row vector directly.
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Replaces everything (after a relist or a context switch): one model reset. Rows keep the
    // list's order (the proxy sorts). With chunked loading on, a list longer than one chunk resets
    // to its first chunk and the rest follows as row insertions at the end, one chunk per
    // event-loop turn, each sized to take about 10 ms with the proxy and view attached (100,000
    // pods in a window took one 417 ms freeze, bench/bench_table); loadProgress() reports each.
    void resetObjects(const ObjectList &objects);
    // Applies a batch of changes without a reset. During a chunked load a change wins over the
    // listed object with the same key, which is then never inserted: nothing is lost or doubled.
    void applyChanges(const ChangeBatch &batch);
    void clear() { resetObjects({}); }
    // A chunked load in progress: rows of the last list are still to come.
    bool isLoading() const { return m_load != nullptr; }
    // Of the list loading: objects taken so far, and all of them (0 and 0 when none is loading).
    int loadedCount() const { return m_load ? static_cast<int>(m_load->next) : 0; }
    int loadTotal() const { return m_load ? static_cast<int>(m_load->objects.size()) : 0; }
    // Off by default (a list is whole when resetObjects returns); views on a GUI thread turn it on.
    // `fixedChunkRows` > 0: that many objects per chunk, the first included (tests), instead of
    // FirstChunkRows and then a size that follows the time taken.
    void setChunkedLoading(bool on, int fixedChunkRows = 0)
    {
        m_chunked = on;
        m_fixedChunkRows = fixedChunkRows;
    }
    // Lists up to this many objects load in the reset itself (about 10 ms in a window).
    static constexpr int FirstChunkRows = 16384;
    // Age columns change with time alone: one dataChanged over the column (views repaint only
    // the visible rows).
    void refreshColumn(int column);
    // The same for some rows only (the ones on screen): a filtering proxy re-tests every row a
    // dataChanged covers, so a whole-column refresh each second costs a full re-filter.
    void refreshCells(int column, QList<int> rows);

    int rowOf(const QString &key) const { return m_rowOf.value(key, -1); }
    // The row's object without copying its shared pointer (an atomic increment per call); `row`
    // must exist.
    const backends::kube::KubeObject &rowObject(int row) const { return *m_rows[static_cast<size_t>(row)]; }
    KubeObjectPtr objectAt(int row) const { return row >= 0 && row < static_cast<int>(m_rows.size()) ? m_rows[row] : nullptr; }
    // A row's place in a column's order, built once per row: `number` first, then `text` compared
    // code unit by code unit, tie-breaks (name, namespace) included in the text, so two objects
    // never compare equal. ObjectFilterProxyModel sorts and places changed rows with these keys.
    struct SortKey {
        double number = 0;
        QString text;
        bool operator==(const SortKey &o) const { return number == o.number && text == o.text; }
    };
    virtual SortKey sortKey(int row, int column) const;
    // Whether the row's filterable text contains `needle`, which is case-folded
    // (QString::toCaseFolded) and not empty. Read from the object's fields, without QVariant: the
    // filter box tests every row per key typed. The default matches name, namespace and every
    // column's display text.
    virtual bool matches(int row, QStringView needle) const;
    // Case-insensitive substring test against a case-folded needle (ASCII without table lookups).
    static bool containsFolded(QStringView haystack, QStringView needle);
    // "now" for age columns; tests pin it.
    void setNow(qint64 secondsSinceEpoch) { m_now = secondsSinceEpoch; }
    qint64 now() const;

protected:
    QVariant commonData(const KubeObjectPtr &obj, int role) const;
    // "name\x01namespace", and "text\x01name\x01namespace": keys whose plain order is the rows'
    // order, name then namespace breaking ties in every column.
    static QString identityKey(const backends::kube::KubeObject &o, const QString &first = {});

Q_SIGNALS:
    // A chunked load: `loaded` of the list's `total` objects taken so far (after the reset, then
    // after each chunk; loaded == total at the end, when isLoading() is false again).
    void loadProgress(int loaded, int total);

private:
    // The rest of a list being loaded in chunks.
    struct PendingLoad {
        ObjectList objects;
        size_t next = 0;
        QSet<QString> superseded;  // keys a change batch spoke for since the list: skipped
    };

    void rebuildIndex(int fromRow);
    // The next `count` objects of the pending list that no change has spoken for, with their keys.
    void takeFromLoad(size_t count, std::vector<KubeObjectPtr> &rows, QStringList &keys);
    void appendRows(std::vector<KubeObjectPtr> &rows, const QStringList &keys);
    void loadNextChunk();

    std::vector<KubeObjectPtr> m_rows;
    QHash<QString, int> m_rowOf;
    qint64 m_now = 0;
    std::unique_ptr<PendingLoad> m_load;
    QTimer m_loadTimer;
    int m_chunkRows = 4096;     // the next chunk's size, adapted to the time the last one took
    int m_fixedChunkRows = 0;
    bool m_chunked = false;
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
    SortKey sortKey(int row, int column) const override;
    bool matches(int row, QStringView needle) const override;
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
    SortKey sortKey(int row, int column) const override;
    bool matches(int row, QStringView needle) const override;
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
    bool matches(int row, QStringView needle) const override;

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
