// Rollouts list rows: what each column shows, the status tone, and the list's order.
#include "delivery/rolloutlistmodel.h"

#include <algorithm>

namespace pilothouse::models {

using backends::rollouts::RolloutSummary;

QString RolloutListModel::shortImages(const QStringList &images)
{
    QStringList out;
    out.reserve(images.size());
    for (const QString &i : images)
        out << backends::rollouts::shortImage(i);
    return out.join(QStringLiteral(", "));
}

bool RolloutListModel::lessThan(const RolloutSummary &a, const RolloutSummary &b)
{
    const bool ar = a.kind == QLatin1String("Rollout"), br = b.kind == QLatin1String("Rollout");
    if (ar != br)
        return ar;
    if (a.kind != b.kind)
        return a.kind < b.kind;
    if (a.ns != b.ns)
        return a.ns < b.ns;
    return a.name < b.name;
}

void RolloutListModel::setSummaries(QList<RolloutSummary> summaries)
{
    // The worker sends them in this order already: the check is a pass, the sort a fallback.
    if (!std::is_sorted(summaries.cbegin(), summaries.cend(), lessThan))
        std::stable_sort(summaries.begin(), summaries.end(), lessThan);
    setItems(std::move(summaries));
}

int RolloutListModel::waitingCount() const
{
    return static_cast<int>(std::count_if(items().cbegin(), items().cend(), [](const RolloutSummary &s) { return s.waiting; }));
}

QVariant RolloutListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const RolloutSummary &s = itemAt(index.row());
    const bool canary = s.strategy == QLatin1String("Canary");
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn: return s.name;
        case NamespaceColumn: return s.ns;
        case KindColumn: return s.kind;
        case StrategyColumn: return s.strategy;
        case StatusColumn: return s.status;
        case StepColumn: return s.step;
        case WeightColumn: return canary ? QStringLiteral("%1 / %2 %").arg(s.setWeight).arg(s.actualWeight) : QString();
        case ReadyColumn: return QStringLiteral("%1/%2").arg(s.ready).arg(s.desired);
        case ImagesColumn: return shortImages(s.images);
        case MessageColumn:
            if (s.kind == QLatin1String("Deployment"))
                return s.revision > 0 ? tr("revision %1").arg(s.revision) : QString();
            return s.message;
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case WeightColumn: return canary ? tr("set weight %1 %, actual weight %2 %").arg(s.setWeight).arg(s.actualWeight) : QVariant();
        case ImagesColumn: return s.images.isEmpty() ? QVariant() : QVariant(s.images.join(QLatin1Char('\n')));
        case MessageColumn: return s.message.isEmpty() ? QVariant() : QVariant(s.message);
        }
        break;
    case StatusToneRole:
        if (index.column() == StatusColumn)
            return int(statusTone(s.status));
        break;
    case KindRole: return s.kind;
    case KeyRole: return s.key();
    case NamespaceRole: return s.ns;
    case NameRole: return s.name;
    case WaitingRole: return s.waiting;
    }
    return {};
}

QVariant RolloutListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Name", "Namespace", "Kind", "Strategy", "Status", "Step", "Weight", "Ready", "Images", "Message"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QHash<int, QByteArray> RolloutListModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedListModel::roleNames();
    roles[KindRole] = "kind";
    roles[KeyRole] = "key";
    roles[NamespaceRole] = "namespace";
    roles[NameRole] = "name";
    roles[WaitingRole] = "waiting";
    roles[StatusToneRole] = "statusTone";
    return roles;
}

}  // namespace pilothouse::models
