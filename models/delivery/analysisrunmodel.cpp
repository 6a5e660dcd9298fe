// Analysis run rows: runs, their metrics with condition and counts, each measurement's value.
#include "delivery/analysisrunmodel.h"

#include <QSet>

namespace pilothouse::models {

using backends::rollouts::AnalysisRunInfo;
using backends::rollouts::Measurement;
using backends::rollouts::MetricResult;

StatusTone AnalysisRunModel::phaseTone(const QString &phase)
{
    return phase == QLatin1String("Running") ? StatusTone::Progress : statusTone(phase);
}

QList<AnalysisRunModel::Row> AnalysisRunModel::rowsOf(const QList<AnalysisRunInfo> &runs)
{
    using Level = AnalysisRunRow::Level;
    QList<Row> rows;
    for (const AnalysisRunInfo &run : runs) {
        AnalysisRunRow r;
        r.level = Level::Run;
        r.key = run.name;
        r.title = tr("%1 (revision %2)").arg(run.name).arg(run.revision);
        r.phase = run.phase;
        r.detail = run.message;
        r.toolTip = tr("AnalysisRun %1 of revision %2: %3 successful, %4 failed, %5 inconclusive, %6 errors")
                        .arg(run.name)
                        .arg(run.revision)
                        .arg(run.successful)
                        .arg(run.failed)
                        .arg(run.inconclusive)
                        .arg(run.error);
        rows << Row{0, r};
        for (const MetricResult &m : run.metrics) {
            AnalysisRunRow mr;
            mr.level = Level::Metric;
            mr.key = m.name;
            mr.title = m.provider.isEmpty() ? m.name : QStringLiteral("%1 (%2)").arg(m.name, m.provider);
            mr.phase = m.phase;
            const QString cond = m.successCondition.isEmpty() ? QString() : tr("success when %1").arg(m.successCondition);
            mr.detail = tr("%1 · %2 successful, %3 failed, %4 inconclusive, %5 errors%6")
                            .arg(cond)
                            .arg(m.successful)
                            .arg(m.failed)
                            .arg(m.inconclusive)
                            .arg(m.error)
                            .arg(m.count > 0 ? tr(" of %1").arg(m.count) : QString());
            QStringList tip;
            if (!m.successCondition.isEmpty())
                tip << tr("success when %1").arg(m.successCondition);
            if (!m.failureCondition.isEmpty())
                tip << tr("failure when %1").arg(m.failureCondition);
            if (!m.message.isEmpty())
                tip << m.message;
            mr.toolTip = tip.join(QLatin1Char('\n'));
            rows << Row{1, mr};
            // Keyed by start time (measurements are appended, and the oldest dropped past the
            // retention limit); one without a start, or a second one at the same instant, by position.
            QSet<QString> keys;
            for (int i = 0; i < m.measurements.size(); ++i) {
                const Measurement &ms = m.measurements[i];
                AnalysisRunRow x;
                x.level = Level::Measurement;
                x.key = ms.startedAt.isValid() ? ms.startedAt.toUTC().toString(Qt::ISODateWithMs) : QString();
                if (x.key.isEmpty() || keys.contains(x.key))
                    x.key += QStringLiteral("#%1").arg(i);
                keys.insert(x.key);
                x.title = ms.startedAt.isValid() ? ms.startedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")) : tr("not started");
                x.phase = ms.phase;
                x.detail = ms.message.isEmpty() ? ms.value : ms.value + QStringLiteral(" · ") + ms.message;
                if (ms.startedAt.isValid())
                    x.toolTip = ms.finishedAt.isValid()
                                    ? tr("measured %1 – %2").arg(ms.startedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                                                                 ms.finishedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")))
                                    : tr("started %1").arg(ms.startedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
                rows << Row{2, x};
            }
        }
    }
    return rows;
}

void AnalysisRunModel::setRuns(const QList<AnalysisRunInfo> &runs)
{
    setRows(rowsOf(runs));
}

QVariant AnalysisRunModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const AnalysisRunRow &r = itemAt(index);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn: return r.title;
        case PhaseColumn: return r.phase;
        case DetailColumn: return r.detail;
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case NameColumn: return r.toolTip.isEmpty() ? QVariant() : QVariant(r.toolTip);
        case DetailColumn: return r.detail.isEmpty() ? QVariant() : QVariant(r.detail);
        }
        break;
    case StatusToneRole:
        if (index.column() == PhaseColumn && !r.phase.isEmpty())
            return int(phaseTone(r.phase));
        break;
    case LevelRole: return int(r.level);
    case KeyRole: return r.key;
    }
    return {};
}

QVariant AnalysisRunModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Run / metric / measurement", "Phase", "Value or condition"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QHash<int, QByteArray> AnalysisRunModel::roleNames() const
{
    QHash<int, QByteArray> roles = KeyedTreeModel::roleNames();
    roles[LevelRole] = "level";
    roles[KeyRole] = "key";
    roles[StatusToneRole] = "statusTone";
    return roles;
}

}  // namespace pilothouse::models
