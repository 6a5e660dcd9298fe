// The deployment repository's recent commits, newest first, kept by SHA: a fetch that brings one
// new commit inserts one row, and the selection stays on its commit.
#pragma once

#include "common/keyedlistmodel.h"
#include "gitops/gitopsrepository.h"

namespace pilothouse::models {

class GitOpsCommitModel : public KeyedListModel<backends::gitops::CommitInfo> {
    Q_OBJECT

public:
    enum Column { ShaColumn, AuthorColumn, AgeColumn, MessageColumn, ColumnCount };
    enum Role {
        ShaRole = Qt::UserRole,  // the full SHA
        TimeRole,                // QDateTime, author time in UTC
    };

    using KeyedListModel::KeyedListModel;

    // Ages change with time alone: repainted, the commits unchanged.
    void refreshAges() { refreshColumn(AgeColumn, {Qt::DisplayRole, Qt::ToolTipRole}); }
    // "now" for the Age column; tests pin it. Invalid: the clock.
    void setNow(const QDateTime &now) { m_now = now; }

    int columnCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

protected:
    QString keyOf(const backends::gitops::CommitInfo &commit) const override { return commit.sha; }
    // A commit never changes under its SHA.
    bool sameItem(const backends::gitops::CommitInfo &a, const backends::gitops::CommitInfo &b) const override { return a.sha == b.sha; }

private:
    QDateTime m_now;
};

}  // namespace pilothouse::models
