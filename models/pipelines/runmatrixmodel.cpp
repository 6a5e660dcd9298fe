// A Jenkins job's runs × stages.
#include "pipelines/runmatrixmodel.h"

#include "humanduration.h"

#include <QDateTime>

namespace pilothouse::models {

using backends::jenkins::BuildInfo;
using backends::jenkins::BuildParameter;
using backends::jenkins::BuildResult;
using backends::jenkins::RunInfo;
using backends::jenkins::StageInfo;
using backends::jenkins::StageStatus;

RunMatrixModel::RunMatrixModel(QObject *parent) : KeyedListModel(parent) {}

void RunMatrixModel::setBuilds(const QList<BuildInfo> &builds)
{
    QList<RunMatrixRow> rows;
    rows.reserve(builds.size());
    for (const BuildInfo &b : builds) {
        RunMatrixRow row{b, std::nullopt};
        if (const auto it = m_runs.constFind(b.number); it != m_runs.cend())
            row.run = *it;
        rows << row;
    }
    setItems(rows);
}

void RunMatrixModel::setRun(const RunInfo &run)
{
    if (const auto old = m_runs.constFind(run.number); old != m_runs.cend()) {
        if (*old == run)
            return;
        count(*old, -1);
    }
    QHash<QString, qint64> before;
    for (const StageInfo &s : run.stages)
        before.insert(s.name, averageStageDurationMs(s.name));
    m_runs.insert(run.number, run);
    count(run, +1);
    addStages(run);
    if (const RunMatrixRow *row = find(QString::number(run.number))) {
        RunMatrixRow next = *row;
        next.run = run;
        updateItem(next);
    }
    // The averages in the header: only the sections whose average moved.
    int first = -1, last = -1;
    for (auto it = before.cbegin(); it != before.cend(); ++it)
        if (averageStageDurationMs(it.key()) != it.value()) {
            const int column = columnOfStage(it.key());
            first = first < 0 ? column : std::min(first, column);
            last = std::max(last, column);
        }
    if (first >= 0)
        Q_EMIT headerDataChanged(Qt::Horizontal, first, last);
}

void RunMatrixModel::clearAll()
{
    clear();
    m_runs.clear();
    m_sums.clear();
    if (m_stages.isEmpty())
        return;
    beginResetModel();
    m_stages.clear();
    m_stageIndex.clear();
    endResetModel();
}

void RunMatrixModel::addStages(const RunInfo &run)
{
    // Order of first appearance, as Stage View: a name not seen yet goes right after the stage
    // before it in this run (an older run's extra stage between two known ones stays between them).
    // Consecutive new names go in as one range: the first run described brings every column at once.
    int after = -1;  // index into m_stages of the previous stage of this run
    for (qsizetype i = 0; i < run.stages.size();) {
        if (const auto it = m_stageIndex.constFind(run.stages.at(i).name); it != m_stageIndex.cend()) {
            after = *it;
            ++i;
            continue;
        }
        QStringList block;
        for (; i < run.stages.size() && !m_stageIndex.contains(run.stages.at(i).name); ++i)
            if (!block.contains(run.stages.at(i).name))
                block << run.stages.at(i).name;
        const int at = after + 1;
        const int count = static_cast<int>(block.size());
        beginInsertColumns({}, ColumnCount + at, ColumnCount + at + count - 1);
        for (int k = 0; k < count; ++k)
            m_stages.insert(at + k, block.at(k));
        for (int k = at; k < m_stages.size(); ++k)
            m_stageIndex.insert(m_stages.at(k), k);
        endInsertColumns();
        after = at + count - 1;
    }
}

void RunMatrixModel::count(const RunInfo &run, int sign)
{
    for (const StageInfo &s : run.stages)
        if ((s.status == StageStatus::Success || s.status == StageStatus::Unstable) && s.durationMs > 0) {
            Sum &sum = m_sums[s.name];
            sum.ms += sign * s.durationMs;
            sum.count += sign;
        }
}

int RunMatrixModel::columnOfStage(const QString &name) const
{
    const auto it = m_stageIndex.constFind(name);
    return it == m_stageIndex.cend() ? -1 : ColumnCount + *it;
}

QString RunMatrixModel::stageOfColumn(int column) const
{
    const int i = column - ColumnCount;
    return i >= 0 && i < m_stages.size() ? m_stages.at(i) : QString();
}

qint64 RunMatrixModel::averageStageDurationMs(const QString &name) const
{
    const Sum sum = m_sums.value(name);
    return sum.count > 0 ? sum.ms / sum.count : -1;
}

StageStatus RunMatrixModel::runStatus(const RunMatrixRow &row)
{
    if (row.run && row.run->status != StageStatus::Unknown)
        return row.run->status;
    if (row.build.building)
        return StageStatus::InProgress;
    switch (row.build.result) {
    case BuildResult::Success: return StageStatus::Success;
    case BuildResult::Failure: return StageStatus::Failed;
    case BuildResult::Unstable: return StageStatus::Unstable;
    case BuildResult::Aborted: return StageStatus::Aborted;
    case BuildResult::NotBuilt: return StageStatus::NotExecuted;
    case BuildResult::Running: return StageStatus::InProgress;
    case BuildResult::Unknown: break;
    }
    return StageStatus::Unknown;
}

QString RunMatrixModel::parametersSummary(const QList<BuildParameter> &parameters)
{
    QStringList parts;
    for (const BuildParameter &p : parameters)
        if (!p.secret)  // a password parameter is not shown at all, not even its name with a mask
            parts << p.name + QLatin1Char('=') + (p.value.size() > 40 ? p.value.left(39) + QChar(0x2026) : p.value);
    return parts.join(QStringLiteral(", "));
}

QString RunMatrixModel::durationText(qint64 ms)
{
    if (ms < 0)
        return {};
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    return humanDuration(ms / 1000);
}

StatusTone RunMatrixModel::toneOf(StageStatus status)
{
    switch (status) {
    case StageStatus::Success: return StatusTone::Good;
    case StageStatus::InProgress:
    case StageStatus::Queued: return StatusTone::Progress;
    case StageStatus::PausedPendingInput: return StatusTone::Paused;
    case StageStatus::Unstable: return StatusTone::Warning;
    case StageStatus::Failed: return StatusTone::Bad;
    case StageStatus::Aborted:
    case StageStatus::NotExecuted:
    case StageStatus::Skipped: return StatusTone::Neutral;
    case StageStatus::Unknown: break;
    }
    return StatusTone::Unknown;
}

const StageInfo *RunMatrixModel::stageAt(const RunMatrixRow &row, int column) const
{
    if (!row.run)
        return nullptr;
    const QString name = stageOfColumn(column);
    for (const StageInfo &s : row.run->stages)
        if (s.name == name)
            return &s;
    return nullptr;
}

QVariant RunMatrixModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const RunMatrixRow &row = itemAt(index.row());
    switch (role) {
    case NumberRole: return row.build.number;
    case DescribedRole: return row.run.has_value();
    case ParametersRole: return parametersSummary(row.build.parameters);
    default: break;
    }
    if (index.column() == RunColumn) {
        const StageStatus status = runStatus(row);
        const qint64 duration = row.run ? row.run->durationMs : row.build.durationMs;
        const qint64 start = row.run && row.run->startMs > 0 ? row.run->startMs : row.build.timestampMs;
        switch (role) {
        case Qt::DisplayRole: return QStringLiteral("#%1").arg(row.build.number);
        case Qt::ToolTipRole: {
            QStringList lines{tr("#%1 %2").arg(row.build.number).arg(backends::jenkins::stageStatusName(status))};
            if (start > 0)
                lines << tr("Started %1").arg(QDateTime::fromMSecsSinceEpoch(start).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
            if (duration > 0)
                lines << tr("Took %1").arg(durationText(duration));
            if (const QString p = parametersSummary(row.build.parameters); !p.isEmpty())
                lines << p;
            if (row.run)
                if (const StageInfo *failed = row.run->failedStage(); failed && !failed->error.isEmpty())
                    lines << tr("%1: %2").arg(failed->name, failed->error);
            return lines.join(QLatin1Char('\n'));
        }
        case StageStatusRole: return int(status);
        case StatusToneRole: return int(toneOf(status));
        case DurationMsRole: return duration;
        case StartMsRole: return start;
        case RunningRole: return status == StageStatus::InProgress || status == StageStatus::Queued;
        case WaitingForInputRole: return row.run ? row.run->waitingForInput() : false;
        case ErrorRole:
            if (row.run)
                if (const StageInfo *failed = row.run->failedStage())
                    return failed->error;
            return {};
        default: return {};
        }
    }
    const QString name = stageOfColumn(index.column());
    if (name.isEmpty())
        return {};
    if (role == StageNameRole)
        return name;
    const StageInfo *s = stageAt(row, index.column());
    if (!s)
        return {};  // not described yet (DescribedRole tells), or this run had no such stage
    switch (role) {
    case Qt::DisplayRole:
        if (s->status == StageStatus::PausedPendingInput)
            return tr("waiting for approval");
        if (s->status == StageStatus::NotExecuted || s->status == StageStatus::Skipped)
            return QString();
        return durationText(s->durationMs);
    case Qt::ToolTipRole: {
        QString tip = tr("%1: %2").arg(s->name, backends::jenkins::stageStatusName(s->status));
        if (s->durationMs > 0)
            tip += tr(", %1").arg(durationText(s->durationMs));
        if (!s->error.isEmpty())
            tip += QLatin1Char('\n') + s->error;
        return tip;
    }
    case StageStatusRole: return int(s->status);
    case StatusToneRole: return int(toneOf(s->status));
    case DurationMsRole: return s->durationMs;
    case StartMsRole: return s->startMs;
    case ErrorRole: return s->error;
    case RunningRole: return s->status == StageStatus::InProgress;
    case WaitingForInputRole: return s->status == StageStatus::PausedPendingInput;
    default: return {};
    }
}

QVariant RunMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= columnCount())
        return {};
    if (section == RunColumn)
        return role == Qt::DisplayRole ? QVariant(tr("Run")) : QVariant();
    const QString name = stageOfColumn(section);
    switch (role) {
    case Qt::DisplayRole: return name;
    case StageNameRole: return name;
    case AverageDurationRole: return averageStageDurationMs(name);
    case Qt::ToolTipRole: {
        const qint64 avg = averageStageDurationMs(name);
        return avg < 0 ? name : tr("%1: %2 on average over %3 runs").arg(name, durationText(avg)).arg(m_sums.value(name).count);
    }
    default: return {};
    }
}

QHash<int, QByteArray> RunMatrixModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedListModel::roleNames();
    roles[NumberRole] = "number";
    roles[DescribedRole] = "described";
    roles[StageStatusRole] = "stageStatus";
    roles[DurationMsRole] = "durationMs";
    roles[StartMsRole] = "startMs";
    roles[StageNameRole] = "stageName";
    roles[ErrorRole] = "error";
    roles[RunningRole] = "running";
    roles[WaitingForInputRole] = "waitingForInput";
    roles[ParametersRole] = "parameters";
    roles[StatusToneRole] = "statusTone";
    return roles;
}

}  // namespace pilothouse::models
