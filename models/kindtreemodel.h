// The resource browser's sidebar: kinds grouped as Lens and Headlamp users expect (Workloads,
// Network, Config, Storage, Autoscaling, Access, Cluster, then custom resources by API group),
// with a live count per kind. Rebuilt only when the kinds change (connect, discovery); counts
// change one row at a time.
#pragma once

#include "kube/kinds/kindregistry.h"

#include <QAbstractItemModel>
#include <QHash>

#include <memory>
#include <vector>

namespace pilothouse::models {

class KindTreeModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Column { TitleColumn, CountColumn, ColumnCount };
    enum Role {
        RefRole = Qt::UserRole,   // the kind's ResourceRef (invalid for a category)
        IconNameRole,             // the kind's icon name (widgets/style maps it)
        IsCategoryRole,
        GroupResourceRole,        // "statefulsets.apps"
    };

    explicit KindTreeModel(QObject *parent = nullptr);
    ~KindTreeModel() override;

    void setRegistry(const backends::kube::KindRegistry &registry);
    // -1 clears the count (not watched).
    void setCount(const QString &groupResource, int count);
    QModelIndex indexOf(const QString &groupResource) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    struct Node {
        QString title;
        QString icon;
        QString tooltip;
        backends::kube::ResourceRef ref;
        bool category = false;
        int count = -1;
        Node *parent = nullptr;
        std::vector<std::unique_ptr<Node>> children;
        int row = 0;
    };
    Node *nodeOf(const QModelIndex &index) const;
    QModelIndex indexOfNode(const Node *node, int column) const;

    Node m_root;
    QHash<QString, Node *> m_byGroupResource;
};

}  // namespace pilothouse::models
