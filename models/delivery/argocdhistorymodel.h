// An Argo CD application's history, newest first, kept by history id: what each sync or rollback
// deployed, with the commit's author and message once Argo CD has told them.
#pragma once

#include "argocd/argocdinfo.h"
#include "common/keyedlistmodel.h"

#include <optional>

namespace pilothouse::models {

struct ArgoCdHistoryRow {
    backends::argocd::HistoryEntry entry;
    bool current = false;                                      // what is deployed now
    std::optional<backends::argocd::RevisionMetadata> commit;  // GET …/revisions/{rev}/metadata
    QString note;                                              // instead of the message: "loading…" or why there is none
    friend bool operator==(const ArgoCdHistoryRow &, const ArgoCdHistoryRow &) = default;
};

class ArgoCdHistoryModel : public KeyedListModel<ArgoCdHistoryRow> {
    Q_OBJECT

public:
    enum Column { IdColumn, RevisionColumn, DeployedColumn, AuthorColumn, MessageColumn, ColumnCount };
    enum Role {
        HistoryIdRole = Qt::UserRole,  // qint64
        FullRevisionRole,
        CurrentRole,                   // bool: the entry deployed now
    };

    using KeyedListModel::KeyedListModel;

    int columnCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    int rowOfId(qint64 id) const { return rowOfKey(QString::number(id)); }

protected:
    QString keyOf(const ArgoCdHistoryRow &row) const override { return QString::number(row.entry.id); }
};

}  // namespace pilothouse::models
