// The Pipelines page's jobs tree.
#include "pipelines/jobtreemodel.h"

#include "humanduration.h"

namespace pilothouse::models {

using backends::jenkins::BuildResult;
using backends::jenkins::JobKind;
using backends::jenkins::JobNode;
using backends::jenkins::JobStatus;

namespace {

void appendRows(QList<JobTreeModel::Row> &rows, const QList<JobNode> &jobs, int depth)
{
    for (const JobNode &job : jobs) {
        JobNode flat = job;
        flat.children.clear();  // the rows below are its children
        rows << JobTreeModel::Row{depth, flat};
        appendRows(rows, job.children, depth + 1);
    }
}

QString durationText(qint64 ms)
{
    return ms > 0 ? humanDuration(ms / 1000) : QString();
}

}  // namespace

QList<JobTreeModel::Row> JobTreeModel::rowsOf(const QList<JobNode> &jobs)
{
    QList<Row> rows;
    appendRows(rows, jobs, 0);
    return rows;
}

void JobTreeModel::setJobs(const QList<JobNode> &jobs, const QDateTime &now)
{
    const bool clockMoved = m_now.isValid() && now != m_now;
    m_now = now;
    setRows(rowsOf(jobs));
    // "3 min ago" moves with the clock even when no job changed.
    if (clockMoved && rowCount() > 0)
        Q_EMIT dataChanged(index(0, LastBuildColumn), index(rowCount() - 1, LastBuildColumn), {Qt::DisplayRole});
}

QString JobTreeModel::statusText(const JobNode &job)
{
    switch (job.status) {
    case JobStatus::Success: return tr("Success");
    case JobStatus::Failure: return tr("Failed");
    case JobStatus::Unstable: return tr("Unstable");
    case JobStatus::Aborted: return tr("Aborted");
    case JobStatus::NotBuilt: return tr("Not built");
    case JobStatus::Disabled: return tr("Disabled");
    case JobStatus::None: break;
    }
    return {};
}

StatusTone JobTreeModel::statusTone(const JobNode &job)
{
    if (!job.waitingInput.isEmpty())
        return StatusTone::Paused;
    if (job.building)
        return StatusTone::Progress;
    switch (job.status) {
    case JobStatus::Success: return StatusTone::Good;
    case JobStatus::Failure: return StatusTone::Bad;
    case JobStatus::Unstable: return StatusTone::Warning;
    case JobStatus::Aborted:
    case JobStatus::NotBuilt:
    case JobStatus::Disabled: return StatusTone::Neutral;
    case JobStatus::None: break;
    }
    return StatusTone::Unknown;
}

QVariant JobTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const JobNode &job = itemAt(index);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn: return job.displayName;
        case StatusColumn: {
            const QString status = statusText(job);
            if (!job.waitingInput.isEmpty())
                return tr("Waiting for approval");
            return job.building ? tr("Building") : status;
        }
        case LastBuildColumn:
            if (!job.lastBuild)
                return job.isContainer() ? QVariant() : QVariant(tr("never"));
            if (job.lastBuild->timestampMs > 0 && m_now.isValid())
                return tr("#%1, %2 ago").arg(job.lastBuild->number).arg(humanDuration(std::max<qint64>(0, (m_now.toMSecsSinceEpoch() - job.lastBuild->timestampMs) / 1000)));
            return tr("#%1").arg(job.lastBuild->number);
        case DurationColumn:
            return job.lastBuild && !job.lastBuild->building ? durationText(job.lastBuild->durationMs) : QString();
        case HealthColumn:
            return job.healthScore >= 0 ? QStringLiteral("%1 %").arg(job.healthScore) : QString();
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == HealthColumn && !job.healthDescription.isEmpty())
            return job.healthDescription;
        if (index.column() == StatusColumn && !job.waitingInput.isEmpty())
            return tr("#%1 waits: %2").arg(job.waitingBuild).arg(job.waitingInput);
        if (index.column() == StatusColumn && job.building && !statusText(job).isEmpty())
            return tr("Building; the last build: %1").arg(statusText(job));
        if (index.column() == NameColumn)
            return job.fullName;
        break;
    case StatusToneRole:
        if (index.column() == StatusColumn && (job.building || job.status != JobStatus::None))
            return int(statusTone(job));
        break;
    case PathRole: return job.path;
    case KindRole: return int(job.kind);
    case BuildingRole: return job.building;
    }
    return {};
}

QVariant JobTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Name", "Status", "Last build", "Duration", "Health"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QHash<int, QByteArray> JobTreeModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedTreeModel::roleNames();
    roles[PathRole] = "path";
    roles[KindRole] = "kind";
    roles[BuildingRole] = "building";
    roles[StatusToneRole] = "statusTone";
    return roles;
}

}  // namespace pilothouse::models
