// Event rows as `kubectl describe` lists them: type, reason, age (xN), from, message.
#include "resources/eventmodel.h"

#include "humanduration.h"

namespace pilothouse::models {

using backends::workloads::ObjectEvent;

StatusTone EventModel::typeTone(const QString &type)
{
    // Kubernetes has two event types; a Normal event needs no attention.
    if (type == QLatin1String("Warning"))
        return StatusTone::Warning;
    if (type == QLatin1String("Normal"))
        return StatusTone::Neutral;
    return statusTone(type);
}

QVariant EventModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const ObjectEvent &e = itemAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TypeColumn: return e.type;
        case ReasonColumn: return e.reason;
        case AgeColumn: {
            if (!e.lastSeen.isValid())
                return QStringLiteral("—");
            const QDateTime now = m_now.isValid() ? m_now : QDateTime::currentDateTimeUtc();
            QString age = humanDuration(qMax<qint64>(0, e.lastSeen.secsTo(now)));
            if (e.count > 1)
                age += QStringLiteral(" (x%1)").arg(e.count);
            return age;
        }
        case SourceColumn: return e.source;
        case MessageColumn: return e.message;
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == MessageColumn)
            return e.message;
        if (index.column() == AgeColumn && e.lastSeen.isValid())
            return e.lastSeen.toLocalTime().toString(Qt::ISODate);
        break;
    case StatusToneRole:
        // The type cell always; a warning's whole row, so that it stands out in a long list.
        if (index.column() == TypeColumn || e.type == QLatin1String("Warning"))
            return int(typeTone(e.type));
        break;
    case KeyRole: return e.key;
    case LastSeenRole: return e.lastSeen;
    case CountRole: return e.count;
    }
    return {};
}

QVariant EventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Type", "Reason", "Age", "From", "Message"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QHash<int, QByteArray> EventModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedListModel::roleNames();
    roles[KeyRole] = "key";
    roles[LastSeenRole] = "lastSeen";
    roles[CountRole] = "count";
    roles[StatusToneRole] = "statusTone";
    return roles;
}

}  // namespace pilothouse::models
