// The Pipelines page's jobs: folders, multibranch projects and their jobs as a tree kept by name,
// so that a refresh (a build starting, a colour changing) is a per-row change and the operator's
// expansion, selection and scroll position stay.
#pragma once

#include "common/keyedlistmodel.h"
#include "jenkins/jenkinsinfo.h"
#include "statustone.h"

#include <QDateTime>

namespace pilothouse::models {

class JobTreeModel : public KeyedTreeModel<backends::jenkins::JobNode> {
    Q_OBJECT

public:
    enum Column { NameColumn, StatusColumn, LastBuildColumn, DurationColumn, HealthColumn, ColumnCount };
    enum Role {
        PathRole = Qt::UserRole,  // QStringList: the names from the top (JobNode::path)
        KindRole,                 // int(JobKind)
        BuildingRole,             // bool
    };

    using KeyedTreeModel::KeyedTreeModel;

    // The tree as parseJobTree() gives it. `now` dates the last builds ("3 min ago").
    void setJobs(const QList<backends::jenkins::JobNode> &jobs, const QDateTime &now = QDateTime::currentDateTimeUtc());
    // The pre-order rows setJobs() applies (children without their own children: the tree is the rows).
    static QList<Row> rowsOf(const QList<backends::jenkins::JobNode> &jobs);
    // The status word of a job ("Success", "Failed", "Unstable", "Aborted", "Not built", "Disabled";
    // empty for a folder) and its tone; a building job is Progress whatever its last result.
    static QString statusText(const backends::jenkins::JobNode &job);
    static StatusTone statusTone(const backends::jenkins::JobNode &job);
    // The index of the row at `path`; invalid when absent.
    QModelIndex indexOfJob(const QStringList &path) const { return indexOfPath(path); }

    int columnCount(const QModelIndex & = {}) const override { return ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

protected:
    QString keyOf(const backends::jenkins::JobNode &job) const override { return job.name; }

private:
    QDateTime m_now;
};

}  // namespace pilothouse::models
