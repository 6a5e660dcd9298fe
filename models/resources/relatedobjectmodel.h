// The detail pane's Related tab: groups (the owner chain, owned ReplicaSets, selected pods), each
// with its objects, kept by key at every level so that an answer arriving adds or updates its
// rows without disturbing the others, the expansion or the selection.
#pragma once

#include "common/keyedlistmodel.h"
#include "kube/api/resourceref.h"
#include "statustone.h"

#include <optional>

namespace pilothouse::models {

struct RelatedRow {
    QString key;                            // unique among siblings ("pods", "Pod/demo/web-1")
    QString label;                          // "Pods (2)", "Pod/web-1"
    QString status;                         // the second column: a summary, an error, a selector
    backends::kube::ResourceRef ref;        // empty plural: a group or a kind the console does not know
    QString ns;
    QString name;
    std::optional<StatusTone> tone;         // the status column's tone, when it has one

    // A group heading; `key` names the group.
    static RelatedRow group(const QString &key, const QString &label, const QString &status = {});
    // An object that opens in the pane when activated.
    static RelatedRow object(const backends::kube::ResourceRef &ref, const QString &ns, const QString &name, const QString &status = {},
                             std::optional<StatusTone> tone = {});
    bool openable() const { return !ref.plural.isEmpty(); }
    friend bool operator==(const RelatedRow &a, const RelatedRow &b);
};

class RelatedObjectModel : public KeyedTreeModel<RelatedRow> {
    Q_OBJECT

public:
    enum Column { ObjectColumn, StatusColumn, ColumnCount };
    enum Role {
        RefRole = Qt::UserRole,  // backends::kube::ResourceRef; empty plural for groups
        NamespaceRole,
        NameRole,
        OpenableRole,            // bool
    };

    using KeyedTreeModel::KeyedTreeModel;

    int columnCount(const QModelIndex & = {}) const override { return ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

protected:
    QString keyOf(const RelatedRow &row) const override { return row.key; }
};

}  // namespace pilothouse::models
