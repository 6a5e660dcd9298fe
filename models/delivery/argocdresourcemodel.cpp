// Argo CD resource tree rows: "Kind name (namespace)", health with its message, images.
#include "delivery/argocdresourcemodel.h"

namespace pilothouse::models {

using backends::argocd::ResourceNode;

void ArgoCdResourceModel::setTree(const QList<backends::argocd::TreeRow> &rows)
{
    QList<Row> out;
    out.reserve(rows.size());
    for (const auto &r : rows)
        out.append({r.depth, r.node});
    setRows(out);
}

QString ArgoCdResourceModel::keyOf(const ResourceNode &n) const
{
    // The uid changes when an object is deleted and made again: the same row all the same.
    return n.group + QLatin1Char('/') + n.kind + QLatin1Char('/') + n.ns + QLatin1Char('/') + n.name;
}

QVariant ArgoCdResourceModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const ResourceNode &n = itemAt(index);
    const bool top = !index.parent().isValid();
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ResourceColumn:
            // The namespace is the Application's own at the top; below it, where each object lives.
            return !n.ns.isEmpty() && !top ? QStringLiteral("%1 %2  (%3)").arg(n.kind, n.name, n.ns) : n.kind + QLatin1Char(' ') + n.name;
        case HealthColumn: return n.health;
        case ImagesColumn: return n.images.join(QStringLiteral(", "));
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == HealthColumn && !n.healthMessage.isEmpty())
            return n.healthMessage;
        if (index.column() == ImagesColumn && !n.images.isEmpty())
            return n.images.join(QLatin1Char('\n'));
        break;
    case KindRole: return n.kind;
    case NameRole: return n.name;
    case NamespaceRole: return n.ns;
    }
    return {};
}

QVariant ArgoCdResourceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Resource", "Health", "Images"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QHash<int, QByteArray> ArgoCdResourceModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedTreeModel::roleNames();
    roles[KindRole] = "kind";
    roles[NameRole] = "name";
    roles[NamespaceRole] = "namespace";
    return roles;
}

}  // namespace pilothouse::models
