// Argo CD application rows: what each column shows and which tone it has.
#include "delivery/argocdappmodel.h"

#include <QRegularExpression>

namespace pilothouse::models {

using backends::argocd::ApplicationInfo;

QString ArgoCdAppModel::shortRevision(const QString &revision)
{
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{40}$"));
    return sha.match(revision).hasMatch() ? revision.left(7) : revision;
}

QString ArgoCdAppModel::operationText(const ApplicationInfo &a)
{
    if (a.operation.phase.isEmpty())
        return a.operationRequested ? QStringLiteral("Requested") : QString();
    if (a.operation.message.isEmpty())
        return a.operation.phase;
    return QStringLiteral("%1: %2").arg(a.operation.phase, a.operation.message);
}

StatusTone ArgoCdAppModel::operationTone(const ApplicationInfo &a)
{
    if (a.operation.phase.isEmpty())
        return a.operationRequested ? StatusTone::Progress : StatusTone::Unknown;
    if (a.operation.phase == QLatin1String("Running"))
        return StatusTone::Progress;
    return statusTone(a.operation.phase);
}

QVariant ArgoCdAppModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const ApplicationInfo &a = itemAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn: return a.name;
        case ProjectColumn: return a.project;
        case SyncColumn: return a.syncStatus;
        case HealthColumn: return a.health;
        case OperationColumn: return operationText(a);
        case RevisionColumn: return shortRevision(a.currentRevision());
        case ImagesColumn: return a.images.join(QStringLiteral(", "));
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case HealthColumn: return a.healthMessage.isEmpty() ? QVariant() : QVariant(a.healthMessage);
        case OperationColumn: return operationText(a);
        case RevisionColumn: return a.currentRevision();
        case ImagesColumn: return a.images.join(QLatin1Char('\n'));
        }
        break;
    case StatusToneRole:
        // The operation cell reads "phase: message": its tone is the phase's, not the sentence's.
        if (index.column() == OperationColumn)
            return int(operationTone(a));
        break;
    case NameRole: return a.name;
    case FullRevisionRole: return a.currentRevision();
    }
    return {};
}

QVariant ArgoCdAppModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Name", "Project", "Sync", "Health", "Operation", "Revision", "Images"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QHash<int, QByteArray> ArgoCdAppModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedListModel::roleNames();
    roles[NameRole] = "name";
    roles[FullRevisionRole] = "fullRevision";
    roles[StatusToneRole] = "statusTone";
    return roles;
}

}  // namespace pilothouse::models
