// The selected Rollout's analysis runs as a tree: runs (newest revision first) → metrics →
// measurements, kept by run name, metric name and measurement start so that a new measurement is
// one inserted row and the operator's expansion and selection survive every update.
#pragma once

#include "common/keyedlistmodel.h"
#include "rollouts/rolloutinfo.h"
#include "statustone.h"

namespace pilothouse::models {

// One row of the tree, as shown.
struct AnalysisRunRow {
    enum class Level { Run, Metric, Measurement };
    Level level = Level::Run;
    QString key;       // unique among its siblings
    QString title;     // "name (revision 4)", "success-rate (prometheus)", "14:02:31"
    QString phase;     // Pending, Running, Successful, Failed, Error, Inconclusive
    QString detail;    // the run's message; the metric's condition and counts; the measured value
    QString toolTip;   // for the title: what the row is in full
    friend bool operator==(const AnalysisRunRow &, const AnalysisRunRow &) = default;
};

class AnalysisRunModel : public KeyedTreeModel<AnalysisRunRow> {
    Q_OBJECT

public:
    enum Column { NameColumn, PhaseColumn, DetailColumn, ColumnCount };
    enum Role {
        LevelRole = Qt::UserRole,  // int(AnalysisRunRow::Level)
        KeyRole,
    };

    using KeyedTreeModel::KeyedTreeModel;

    // RolloutInfo::analysisRuns, in their order.
    void setRuns(const QList<backends::rollouts::AnalysisRunInfo> &runs);
    // The pre-order rows setRuns() applies (depth 0 runs, 1 metrics, 2 measurements).
    static QList<Row> rowsOf(const QList<backends::rollouts::AnalysisRunInfo> &runs);
    // A run, metric or measurement that is Running is still measuring, not "running fine".
    static StatusTone phaseTone(const QString &phase);

    int columnCount(const QModelIndex & = {}) const override { return ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

protected:
    QString keyOf(const AnalysisRunRow &row) const override { return row.key; }
};

}  // namespace pilothouse::models
