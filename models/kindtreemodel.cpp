// Categories → (API group →) kinds, with counts.
#include "kindtreemodel.h"

namespace pilothouse::models {

using backends::kube::KindInfo;

KindTreeModel::KindTreeModel(QObject *parent) : QAbstractItemModel(parent) { m_root.category = true; }

KindTreeModel::~KindTreeModel() = default;

void KindTreeModel::setRegistry(const backends::kube::KindRegistry &registry)
{
    // Counts survive a rebuild (discovery answers after the first counts arrive).
    QHash<QString, int> counts;
    for (auto it = m_byGroupResource.cbegin(); it != m_byGroupResource.cend(); ++it)
        counts.insert(it.key(), it.value()->count);
    beginResetModel();
    m_root.children.clear();
    m_byGroupResource.clear();
    auto addChild = [](Node *parent, std::unique_ptr<Node> child) {
        child->parent = parent;
        child->row = static_cast<int>(parent->children.size());
        parent->children.push_back(std::move(child));
        return parent->children.back().get();
    };
    QHash<QString, Node *> categories;
    QHash<QString, Node *> apiGroups;
    for (const KindInfo &kind : registry.kinds()) {
        if (!kind.listable())
            continue;
        Node *category = categories.value(kind.category);
        if (!category) {
            auto node = std::make_unique<Node>();
            node->title = kind.category;
            node->category = true;
            category = addChild(&m_root, std::move(node));
            categories.insert(kind.category, category);
        }
        Node *under = category;
        if (!kind.apiGroupLabel.isEmpty()) {
            under = apiGroups.value(kind.apiGroupLabel);
            if (!under) {
                auto node = std::make_unique<Node>();
                node->title = kind.apiGroupLabel;
                node->category = true;
                under = addChild(category, std::move(node));
                apiGroups.insert(kind.apiGroupLabel, under);
            }
        }
        auto node = std::make_unique<Node>();
        node->title = kind.title;
        node->icon = kind.icon;
        node->ref = kind.ref;
        node->tooltip = kind.ref.groupResource() +
                        (kind.shortNames.isEmpty() ? QString() : QStringLiteral("  (:%1)").arg(kind.shortNames.join(QStringLiteral(", :"))));
        node->count = counts.value(kind.ref.groupResource(), -1);
        m_byGroupResource.insert(kind.ref.groupResource(), addChild(under, std::move(node)));
    }
    endResetModel();
}

void KindTreeModel::setCount(const QString &groupResource, int count)
{
    Node *node = m_byGroupResource.value(groupResource);
    if (!node || node->count == count)
        return;
    node->count = count;
    const QModelIndex i = indexOfNode(node, CountColumn);
    Q_EMIT dataChanged(i, i, {Qt::DisplayRole});
}

QModelIndex KindTreeModel::indexOf(const QString &groupResource) const
{
    const Node *node = m_byGroupResource.value(groupResource);
    return node ? indexOfNode(node, TitleColumn) : QModelIndex();
}

KindTreeModel::Node *KindTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : const_cast<Node *>(&m_root);
}

QModelIndex KindTreeModel::indexOfNode(const Node *node, int column) const
{
    if (!node || node == &m_root)
        return {};
    return createIndex(node->row, column, const_cast<Node *>(node));
}

QModelIndex KindTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    const Node *p = nodeOf(parent);
    if (row < 0 || column < 0 || column >= ColumnCount || row >= static_cast<int>(p->children.size()))
        return {};
    return createIndex(row, column, p->children[static_cast<size_t>(row)].get());
}

QModelIndex KindTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    return indexOfNode(nodeOf(child)->parent, 0);
}

int KindTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return static_cast<int>(nodeOf(parent)->children.size());
}

int KindTreeModel::columnCount(const QModelIndex &) const { return ColumnCount; }

Qt::ItemFlags KindTreeModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    // Categories fold and unfold; only kinds are selected.
    return nodeOf(index)->category ? Qt::ItemIsEnabled : Qt::ItemIsEnabled | Qt::ItemIsSelectable;
}

QVariant KindTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const Node *node = nodeOf(index);
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == CountColumn)
            return node->category || node->count < 0 ? QVariant() : QVariant(node->count);
        return node->title;
    case Qt::ToolTipRole:
        return node->tooltip;
    case Qt::TextAlignmentRole:
        return index.column() == CountColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case RefRole:
        return node->category ? QVariant() : QVariant::fromValue(node->ref);
    case IconNameRole:
        return node->icon;
    case IsCategoryRole:
        return node->category;
    case GroupResourceRole:
        return node->category ? QString() : node->ref.groupResource();
    default:
        return {};
    }
}

}  // namespace pilothouse::models
