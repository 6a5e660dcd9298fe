// A Jenkins job's runs × stages, as the Stage View shows them but for every run loaded: one row per
// run (newest first, kept by build number) and one column per stage name in order of first
// appearance. A row comes with its build before its stages are known (placeholders), and its
// stages fill it in place; a refresh changes rows, never resets them.
#pragma once

#include "common/keyedlistmodel.h"
#include "jenkins/jenkinsinfo.h"
#include "statustone.h"

#include <QHash>

#include <optional>

namespace pilothouse::models {

struct RunMatrixRow {
    backends::jenkins::BuildInfo build;
    std::optional<backends::jenkins::RunInfo> run;  // empty while being described
    friend bool operator==(const RunMatrixRow &, const RunMatrixRow &) = default;
};

class RunMatrixModel : public KeyedListModel<RunMatrixRow> {
    Q_OBJECT

public:
    // The fixed columns; one column per stage name follows from ColumnCount on.
    enum Column { RunColumn, ColumnCount };
    enum Role {
        NumberRole = Qt::UserRole,  // int: the build number
        DescribedRole,              // bool: the row's stages are known (false: show placeholders)
        StageStatusRole,            // int(StageStatus): the cell's stage, or the run's in RunColumn; none when the run has no such stage
        DurationMsRole,             // qint64: the stage's, or the run's
        StartMsRole,                // qint64: when the run (or stage) started, ms since the epoch
        StageNameRole,              // QString: the column's stage
        ErrorRole,                  // QString: a failed stage's error
        RunningRole,                // bool: running now (the cell animates)
        WaitingForInputRole,        // bool: paused for an input (approval)
        ParametersRole,             // QString: "GIT_REF=main, SKIP_TESTS=false" (a password never)
        AverageDurationRole,        // headerData: qint64 average of the stage's finished runs, -1 when none
    };

    explicit RunMatrixModel(QObject *parent = nullptr);

    // The rows (newest first), each with the stages already known for its number.
    void setBuilds(const QList<backends::jenkins::BuildInfo> &builds);
    // A run's stages (wfapi/describe): its row's cells, new stage names as new columns. Kept for
    // a build that has no row yet.
    void setRun(const backends::jenkins::RunInfo &run);
    // No rows, no stage columns.
    void clearAll();

    const QStringList &stageNames() const { return m_stages; }
    int columnOfStage(const QString &name) const;  // -1 when no run has it
    QString stageOfColumn(int column) const;
    // Of the runs that finished the stage (success or unstable), as Stage View's "Average stage times"; -1 when none.
    qint64 averageStageDurationMs(const QString &name) const;
    int rowOfBuild(int number) const { return rowOfKey(QString::number(number)); }
    // The run column's and a stage's status (a run still described: its build's result).
    static backends::jenkins::StageStatus runStatus(const RunMatrixRow &row);
    static QString parametersSummary(const QList<backends::jenkins::BuildParameter> &parameters);
    // "850 ms", "12s", "1m 4s", "2h 5m": a stage's time at the scale it runs.
    static QString durationText(qint64 ms);
    // Tone of a stage's (or run's) status; waiting for input is Paused.
    static StatusTone toneOf(backends::jenkins::StageStatus status);

    int columnCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : ColumnCount + static_cast<int>(m_stages.size()); }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

protected:
    QString keyOf(const RunMatrixRow &row) const override { return QString::number(row.build.number); }

private:
    struct Sum {
        qint64 ms = 0;
        int count = 0;
    };
    void addStages(const backends::jenkins::RunInfo &run);
    void count(const backends::jenkins::RunInfo &run, int sign);
    const backends::jenkins::StageInfo *stageAt(const RunMatrixRow &row, int column) const;

    QStringList m_stages;
    QHash<QString, int> m_stageIndex;
    QHash<QString, Sum> m_sums;
    QHash<int, backends::jenkins::RunInfo> m_runs;
};

}  // namespace pilothouse::models
