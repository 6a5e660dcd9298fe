// The selected Rollout's or Deployment's revisions, newest first, kept by ReplicaSet: what each
// one is (stable, active, preview, canary), its images and pods, and the countdown to its
// scale-down, which ticks without the revisions changing.
#pragma once

#include "common/keyedlistmodel.h"
#include "rollouts/rolloutinfo.h"

#include <QDateTime>

namespace pilothouse::models {

// What the history shows of one revision (not the template it carries).
struct RolloutRevisionRow {
    int revision = 0;
    QString replicaSet;
    QStringList roles;             // "stable", "active", "preview", "canary"
    QStringList images;            // whole references
    int readyPods = 0;
    int pods = 0;                  // pods listed, or status.replicas before they are
    QString health;                // the ReplicaSet's: Healthy, Progressing, ScaledDown, ReplicaFailure
    QDateTime scaleDownDeadline;   // invalid when none

    static RolloutRevisionRow from(const backends::rollouts::RevisionInfo &revision);
    friend bool operator==(const RolloutRevisionRow &, const RolloutRevisionRow &) = default;
};

class RolloutRevisionModel : public KeyedListModel<RolloutRevisionRow> {
    Q_OBJECT

public:
    enum Column { RevisionColumn, RoleColumn, ImagesColumn, PodsColumn, ReplicaSetColumn, ScaleDownColumn, ColumnCount };
    enum Role {
        RevisionRole = Qt::UserRole,  // int
        ReplicaSetRole,
        ScaleDownDeadlineRole,        // QDateTime (UTC), invalid when none
    };

    using KeyedListModel::KeyedListModel;

    // RolloutInfo::revisions or DeploymentHistory::revisions, in their order (newest first).
    void setRevisions(const QList<backends::rollouts::RevisionInfo> &revisions);
    // "now" for the scale-down column; tests pin it. Invalid: the clock.
    void setNow(const QDateTime &now) { m_now = now; }
    // The countdowns change with time alone: that column is repainted, the rows unchanged.
    void refreshCountdowns() { refreshColumn(ScaleDownColumn); }
    // A revision scales down later than `now`: its countdown needs ticking.
    bool hasPendingScaleDown(const QDateTime &now) const;
    int rowOfRevision(int revision) const;

    int columnCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // "in 12 s", "deadline passed", or empty without a deadline.
    static QString scaleDownText(const QDateTime &deadline, const QDateTime &now);

protected:
    // A ReplicaSet keeps its name when an undo gives it a new revision number.
    QString keyOf(const RolloutRevisionRow &row) const override
    {
        return row.replicaSet.isEmpty() ? QStringLiteral("#%1").arg(row.revision) : row.replicaSet;
    }

private:
    QDateTime now() const { return m_now.isValid() ? m_now : QDateTime::currentDateTimeUtc(); }

    QDateTime m_now;
};

}  // namespace pilothouse::models
