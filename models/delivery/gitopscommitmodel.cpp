// GitOps commit rows: short SHA, author (email as tooltip), age, subject (message and files as tooltip).
#include "delivery/gitopscommitmodel.h"

#include "humanduration.h"

namespace pilothouse::models {

using backends::gitops::CommitInfo;

QVariant GitOpsCommitModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const CommitInfo &c = itemAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ShaColumn: return c.shortSha();
        case AuthorColumn: return c.authorName;
        case AgeColumn: {
            const QDateTime now = m_now.isValid() ? m_now : QDateTime::currentDateTimeUtc();
            return humanDuration(qMax<qint64>(0, c.time.secsTo(now)));
        }
        case MessageColumn: return c.summary;
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case ShaColumn: return c.sha;
        case AuthorColumn: return c.authorEmail;
        case AgeColumn: return c.time.toLocalTime().toString(Qt::ISODate);
        case MessageColumn: return c.message.trimmed() + QStringLiteral("\n\n") + c.files.join(QLatin1Char('\n'));
        }
        break;
    case ShaRole: return c.sha;
    case TimeRole: return c.time;
    }
    return {};
}

QVariant GitOpsCommitModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Commit", "Author", "Age", "Message"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QHash<int, QByteArray> GitOpsCommitModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedListModel::roleNames();
    roles[ShaRole] = "sha";
    roles[TimeRole] = "time";
    return roles;
}

}  // namespace pilothouse::models
