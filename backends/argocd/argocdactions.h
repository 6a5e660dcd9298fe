// Argo CD mutations (sync, rollback, terminate) as the operator confirms them: a text naming
// server, application, revision or history id and the prune / dry-run choice, then the call
// and one audit line with the outcome and Argo CD's own message.
#pragma once

#include "actions/auditlog.h"
#include "argocd/argocdclient.h"
#include "argocd/argocdinfo.h"

#include <QObject>

namespace pilothouse::backends::argocd {

struct ArgoCdAction {
    enum class Kind { Sync, Rollback, Terminate };
    Kind kind = Kind::Sync;
    QString server;
    QString user;
    QString application;
    QString revision;           // sync: the revision asked for (empty: the target revision); rollback: the entry's revision
    QString targetRevision;     // the application's spec.source.targetRevision
    QString currentRevision;    // deployed now
    qint64 historyId = -1;      // rollback
    bool prune = false;
    bool dryRun = false;
    QString operationPhase;     // terminate: the phase of the running operation

    QString name() const;               // "argocd-sync", "argocd-rollback", "argocd-terminate"
    QString objectLabel() const;        // "Argo CD application storefront"
    QString change() const;             // "revision HEAD, prune, dry run" / "to history id 1 (revision 8b3f6c1), ..."
    QString confirmationText() const;   // names server, application and change

    static ArgoCdAction sync(const QString &server, const QString &user, const ApplicationInfo &app, const SyncOptions &options);
    static ArgoCdAction rollback(const QString &server, const QString &user, const ApplicationInfo &app, const HistoryEntry &entry,
                                 bool dryRun, bool prune);
    static ArgoCdAction terminate(const QString &server, const QString &user, const ApplicationInfo &app);
};

// The audit result word for an outcome: "succeeded", "refused", "forbidden", "failed", "unknown".
QString auditResult(const Result<void> &result);

class ArgoCdActions : public QObject {
    Q_OBJECT

public:
    ArgoCdActions(ArgoCdClient *client, actions::AuditLog *audit, QObject *parent = nullptr);

    // Sends an action the operator has confirmed and writes its audit line. `done` gets Argo CD's
    // message on refusal.
    void execute(const ArgoCdAction &action, QObject *receiver, std::function<void(const Result<void> &)> done);

Q_SIGNALS:
    // The audit log could not be written (the action itself went through).
    void auditFailed(const QString &message);

private:
    void audit(const ArgoCdAction &action, const Result<void> &result);

    ArgoCdClient *m_client;
    actions::AuditLog *m_audit;
};

}  // namespace pilothouse::backends::argocd
