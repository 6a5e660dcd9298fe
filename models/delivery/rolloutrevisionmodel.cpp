// Revision history rows: number, roles, short images, ready pods, ReplicaSet, scale-down countdown.
#include "delivery/rolloutrevisionmodel.h"

#include "delivery/rolloutlistmodel.h"

namespace pilothouse::models {

using backends::rollouts::RevisionInfo;

RolloutRevisionRow RolloutRevisionRow::from(const RevisionInfo &r)
{
    RolloutRevisionRow row;
    row.revision = r.revision;
    row.replicaSet = r.name;
    row.roles = r.roles();
    row.images = r.images;
    row.readyPods = r.readyPods();
    row.pods = r.pods.isEmpty() ? r.replicas : static_cast<int>(r.pods.size());
    row.health = r.health;
    row.scaleDownDeadline = r.scaleDownDeadline;
    return row;
}

void RolloutRevisionModel::setRevisions(const QList<RevisionInfo> &revisions)
{
    QList<RolloutRevisionRow> rows;
    rows.reserve(revisions.size());
    for (const RevisionInfo &r : revisions)
        rows << RolloutRevisionRow::from(r);
    setItems(std::move(rows));
}

bool RolloutRevisionModel::hasPendingScaleDown(const QDateTime &now) const
{
    for (const RolloutRevisionRow &r : items())
        if (r.scaleDownDeadline.isValid() && r.scaleDownDeadline > now)
            return true;
    return false;
}

int RolloutRevisionModel::rowOfRevision(int revision) const
{
    for (int row = 0; row < rowCount(); ++row)
        if (itemAt(row).revision == revision)
            return row;
    return -1;
}

QString RolloutRevisionModel::scaleDownText(const QDateTime &deadline, const QDateTime &now)
{
    if (!deadline.isValid())
        return QString();
    const qint64 secs = now.secsTo(deadline);
    return secs > 0 ? tr("in %1 s").arg(secs) : tr("deadline passed");
}

QVariant RolloutRevisionModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const RolloutRevisionRow &r = itemAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case RevisionColumn: return QString::number(r.revision);
        case RoleColumn: return r.roles.join(QStringLiteral(", "));
        case ImagesColumn: return RolloutListModel::shortImages(r.images);
        case PodsColumn: return QStringLiteral("%1/%2").arg(r.readyPods).arg(r.pods);
        case ReplicaSetColumn: return r.replicaSet;
        case ScaleDownColumn: return scaleDownText(r.scaleDownDeadline, now());
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case ImagesColumn: return r.images.isEmpty() ? QVariant() : QVariant(r.images.join(QLatin1Char('\n')));
        case PodsColumn: return tr("%1 of %2 pods ready").arg(r.readyPods).arg(r.pods);
        case ReplicaSetColumn: return r.health.isEmpty() ? QVariant() : QVariant(r.health);
        case ScaleDownColumn:
            return r.scaleDownDeadline.isValid() ? QVariant(r.scaleDownDeadline.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))) : QVariant();
        }
        break;
    case RevisionRole: return r.revision;
    case ReplicaSetRole: return r.replicaSet;
    case ScaleDownDeadlineRole: return r.scaleDownDeadline;
    }
    return {};
}

QVariant RolloutRevisionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Revision", "Role", "Images", "Pods", "ReplicaSet", "Scale-down"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QHash<int, QByteArray> RolloutRevisionModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedListModel::roleNames();
    roles[RevisionRole] = "revision";
    roles[ReplicaSetRole] = "replicaSet";
    roles[ScaleDownDeadlineRole] = "scaleDownDeadline";
    return roles;
}

}  // namespace pilothouse::models
