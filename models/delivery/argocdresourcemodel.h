// An Argo CD application's resource tree (the Application, what it manages, their ReplicaSets and
// pods), kept by group, kind, namespace and name at each level so that a refresh keeps the
// operator's expansion, selection and scroll position.
#pragma once

#include "argocd/argocdinfo.h"
#include "common/keyedlistmodel.h"

namespace pilothouse::models {

class ArgoCdResourceModel : public KeyedTreeModel<backends::argocd::ResourceNode> {
    Q_OBJECT

public:
    enum Column { ResourceColumn, HealthColumn, ImagesColumn, ColumnCount };
    enum Role {
        KindRole = Qt::UserRole,
        NameRole,
        NamespaceRole,
    };

    using KeyedTreeModel::KeyedTreeModel;

    // The rows of backends::argocd::treeRows(), depth 0 the Application.
    void setTree(const QList<backends::argocd::TreeRow> &rows);

    int columnCount(const QModelIndex & = {}) const override { return ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

protected:
    QString keyOf(const backends::argocd::ResourceNode &node) const override;
};

}  // namespace pilothouse::models
