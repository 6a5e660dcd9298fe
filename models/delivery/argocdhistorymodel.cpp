// Argo CD history rows: id (marked current), short revision, when, and the commit's author and subject.
#include "delivery/argocdhistorymodel.h"

#include "delivery/argocdappmodel.h"

namespace pilothouse::models {

QVariant ArgoCdHistoryModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const ArgoCdHistoryRow &r = itemAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn: return r.current ? tr("%1 (current)").arg(r.entry.id) : QString::number(r.entry.id);
        case RevisionColumn: return ArgoCdAppModel::shortRevision(r.entry.revision);
        case DeployedColumn: return r.entry.deployedAt.isValid() ? r.entry.deployedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) : QString();
        case AuthorColumn: return r.commit ? r.commit->author : QString();
        case MessageColumn: return r.commit ? r.commit->message.section(QLatin1Char('\n'), 0, 0) : r.note;
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case RevisionColumn: return r.entry.revision;
        case DeployedColumn:
            return r.entry.initiatedBy.isEmpty() ? QVariant() : QVariant(tr("initiated by %1").arg(r.entry.initiatedBy));
        case MessageColumn: return r.commit ? r.commit->message.trimmed() : r.note;
        }
        break;
    case HistoryIdRole: return r.entry.id;
    case FullRevisionRole: return r.entry.revision;
    case CurrentRole: return r.current;
    }
    return {};
}

QVariant ArgoCdHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"ID", "Revision", "Deployed at", "Author", "Message"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QHash<int, QByteArray> ArgoCdHistoryModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedListModel::roleNames();
    roles[HistoryIdRole] = "historyId";
    roles[FullRevisionRole] = "fullRevision";
    roles[CurrentRole] = "current";
    return roles;
}

}  // namespace pilothouse::models
