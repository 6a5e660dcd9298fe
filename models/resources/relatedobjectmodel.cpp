// Related rows: object label and status, the reference an activation opens.
#include "resources/relatedobjectmodel.h"

namespace pilothouse::models {

using backends::kube::ResourceRef;

RelatedRow RelatedRow::group(const QString &key, const QString &label, const QString &status)
{
    RelatedRow r;
    r.key = key;
    r.label = label;
    r.status = status;
    return r;
}

RelatedRow RelatedRow::object(const ResourceRef &ref, const QString &ns, const QString &name, const QString &status, std::optional<StatusTone> tone)
{
    RelatedRow r;
    r.key = ref.kind + QLatin1Char('/') + ns + QLatin1Char('/') + name;
    r.label = ref.kind + QLatin1Char('/') + name;
    r.status = status;
    r.ref = ref;
    r.ns = ns;
    r.name = name;
    r.tone = tone;
    return r;
}

bool operator==(const RelatedRow &a, const RelatedRow &b)
{
    return a.key == b.key && a.label == b.label && a.status == b.status && a.ref.group == b.ref.group && a.ref.version == b.ref.version
           && a.ref.plural == b.ref.plural && a.ref.kind == b.ref.kind && a.ref.namespaced == b.ref.namespaced && a.ns == b.ns && a.name == b.name
           && a.tone == b.tone;
}

QVariant RelatedObjectModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const RelatedRow &r = itemAt(index);
    switch (role) {
    case Qt::DisplayRole: return index.column() == ObjectColumn ? r.label : r.status;
    case Qt::ToolTipRole:
        if (index.column() == ObjectColumn && r.openable())
            return tr("Double-click to show it here");
        if (index.column() == StatusColumn && !r.status.isEmpty())
            return r.status;
        break;
    case StatusToneRole:
        if (index.column() == StatusColumn && r.tone)
            return int(*r.tone);
        break;
    case RefRole: return QVariant::fromValue(r.ref);
    case NamespaceRole: return r.ns;
    case NameRole: return r.name;
    case OpenableRole: return r.openable();
    }
    return {};
}

QVariant RelatedObjectModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Object", "Status"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QHash<int, QByteArray> RelatedObjectModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedTreeModel::roleNames();
    roles[RefRole] = "ref";
    roles[NamespaceRole] = "namespace";
    roles[NameRole] = "name";
    roles[OpenableRole] = "openable";
    roles[StatusToneRole] = "statusTone";
    return roles;
}

}  // namespace pilothouse::models
