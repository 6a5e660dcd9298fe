// The Argo CD applications table: one row per application, kept by name, with sync, health and
// operation tones for the status delegate.
#pragma once

#include "argocd/argocdinfo.h"
#include "common/keyedlistmodel.h"
#include "statustone.h"

namespace pilothouse::models {

class ArgoCdAppModel : public KeyedListModel<backends::argocd::ApplicationInfo> {
    Q_OBJECT

public:
    enum Column { NameColumn, ProjectColumn, SyncColumn, HealthColumn, OperationColumn, RevisionColumn, ImagesColumn, ColumnCount };
    enum Role {
        NameRole = Qt::UserRole,  // the application's name (the row's key)
        FullRevisionRole,         // the revision deployed now, unshortened
    };

    using KeyedListModel::KeyedListModel;

    int columnCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // "phase: message", "Requested" while a sync is queued, empty before any operation.
    static QString operationText(const backends::argocd::ApplicationInfo &app);
    // The operation's tone is its phase's (Running is still syncing, Progress).
    static StatusTone operationTone(const backends::argocd::ApplicationInfo &app);
    // A 40-hex commit as its first seven characters; a tag or branch as it is.
    static QString shortRevision(const QString &revision);

protected:
    QString keyOf(const backends::argocd::ApplicationInfo &app) const override { return app.name; }
};

}  // namespace pilothouse::models
