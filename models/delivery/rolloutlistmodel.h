// The Rollouts page's list: every Argo Rollout and Deployment of the session with status, step,
// weights and readiness, kept by "Kind:ns/name" so that a new snapshot moves, inserts, removes and
// repaints rows instead of rebuilding them (selection and scroll stay).
#pragma once

#include "common/keyedlistmodel.h"
#include "rollouts/rolloutwatch.h"
#include "statustone.h"

namespace pilothouse::models {

class RolloutListModel : public KeyedListModel<backends::rollouts::RolloutSummary> {
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        NamespaceColumn,
        KindColumn,
        StrategyColumn,
        StatusColumn,
        StepColumn,
        WeightColumn,
        ReadyColumn,
        ImagesColumn,
        MessageColumn,
        ColumnCount
    };
    enum Role {
        KindRole = Qt::UserRole,  // "Rollout" or "Deployment"
        KeyRole,                  // "Kind:ns/name", the row's key (Qt::UserRole + 1, as the list's items carried it)
        NamespaceRole,
        NameRole,
        WaitingRole,              // bool: paused for promotion, degraded or aborted
    };

    using KeyedListModel::KeyedListModel;

    // The rows of a snapshot in the list's order (Rollouts first, then Deployments, each by
    // namespace and name), whatever order they come in: a new object lands in its place and the
    // others keep theirs.
    void setSummaries(QList<backends::rollouts::RolloutSummary> summaries);
    static bool lessThan(const backends::rollouts::RolloutSummary &a, const backends::rollouts::RolloutSummary &b);
    // Rollouts that wait for the operator (the rail's badge).
    int waitingCount() const;

    int columnCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // "storefront:170, sidecar:1.2" from whole image references.
    static QString shortImages(const QStringList &images);

protected:
    QString keyOf(const backends::rollouts::RolloutSummary &s) const override { return s.key(); }
};

}  // namespace pilothouse::models
