// Confirmation texts, execution and audit of Argo CD sync, rollback and terminate.
#include "argocd/argocdactions.h"

#include <QPointer>
#include <QRegularExpression>

namespace pilothouse::backends::argocd {

namespace {

QString shortSha(const QString &revision)
{
    // A 40-hex commit reads better cut to 7; tags and branch names stay whole.
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{40}$"));
    return sha.match(revision).hasMatch() ? revision.left(7) : revision;
}

QString flags(bool prune, bool dryRun)
{
    return QStringLiteral("%1, %2").arg(prune ? QStringLiteral("prune resources no longer in git") : QStringLiteral("no prune"),
                                        dryRun ? QStringLiteral("dry run (nothing is changed)") : QStringLiteral("not a dry run"));
}

}  // namespace

QString ArgoCdAction::name() const
{
    switch (kind) {
    case Kind::Sync: return QStringLiteral("argocd-sync");
    case Kind::Rollback: return QStringLiteral("argocd-rollback");
    case Kind::Terminate: return QStringLiteral("argocd-terminate");
    }
    return {};
}

QString ArgoCdAction::objectLabel() const
{
    return QStringLiteral("Argo CD application %1").arg(application);
}

QString ArgoCdAction::change() const
{
    switch (kind) {
    case Kind::Sync: {
        QString rev = revision.isEmpty() ? QStringLiteral("%1 (the target revision)").arg(targetRevision.isEmpty() ? QStringLiteral("HEAD") : targetRevision)
                                         : revision;
        QString from = currentRevision.isEmpty() ? QString() : QStringLiteral(" (deployed now: %1)").arg(shortSha(currentRevision));
        return QStringLiteral("sync to revision %1%2; %3").arg(rev, from, flags(prune, dryRun));
    }
    case Kind::Rollback:
        return QStringLiteral("roll back to history id %1, revision %2 (deployed now: %3); %4")
            .arg(historyId)
            .arg(shortSha(revision), currentRevision.isEmpty() ? QStringLiteral("unknown") : shortSha(currentRevision), flags(prune, dryRun));
    case Kind::Terminate:
        return QStringLiteral("terminate the running operation (%1)").arg(operationPhase.isEmpty() ? QStringLiteral("requested") : operationPhase);
    }
    return {};
}

QString ArgoCdAction::confirmationText() const
{
    QString verb = kind == Kind::Sync ? QStringLiteral("Sync") : kind == Kind::Rollback ? QStringLiteral("Roll back") : QStringLiteral("Terminate the operation of");
    return QStringLiteral("%1 application %2 on Argo CD %3 as %4: %5").arg(verb, application, server, user, change());
}

ArgoCdAction ArgoCdAction::sync(const QString &server, const QString &user, const ApplicationInfo &app, const SyncOptions &options)
{
    ArgoCdAction a;
    a.kind = Kind::Sync;
    a.server = server;
    a.user = user;
    a.application = app.name;
    a.revision = options.revision;
    a.targetRevision = app.targetRevision;
    a.currentRevision = app.currentRevision();
    a.prune = options.prune;
    a.dryRun = options.dryRun;
    return a;
}

ArgoCdAction ArgoCdAction::rollback(const QString &server, const QString &user, const ApplicationInfo &app, const HistoryEntry &entry,
                                    bool dryRun, bool prune)
{
    ArgoCdAction a;
    a.kind = Kind::Rollback;
    a.server = server;
    a.user = user;
    a.application = app.name;
    a.revision = entry.revision;
    a.targetRevision = app.targetRevision;
    a.currentRevision = app.currentRevision();
    a.historyId = entry.id;
    a.prune = prune;
    a.dryRun = dryRun;
    return a;
}

ArgoCdAction ArgoCdAction::terminate(const QString &server, const QString &user, const ApplicationInfo &app)
{
    ArgoCdAction a;
    a.kind = Kind::Terminate;
    a.server = server;
    a.user = user;
    a.application = app.name;
    a.currentRevision = app.currentRevision();
    a.revision = app.operation.revision;
    a.operationPhase = app.operation.phase;
    return a;
}

QString auditResult(const Result<void> &result)
{
    if (result.ok())
        return QStringLiteral("succeeded");
    switch (result.error().kind) {
    case ErrorKind::Forbidden:
        return QStringLiteral("forbidden");
    case ErrorKind::Network:
    case ErrorKind::Timeout:
        // The request may have reached Argo CD before the connection dropped.
        return QStringLiteral("unknown");
    case ErrorKind::Tls:
    case ErrorKind::Config:
    case ErrorKind::Cancelled:
    case ErrorKind::ServerError:
    case ErrorKind::Malformed:
        return QStringLiteral("failed");
    default:
        return QStringLiteral("refused");
    }
}

ArgoCdActions::ArgoCdActions(ArgoCdClient *client, actions::AuditLog *audit, QObject *parent)
    : QObject(parent), m_client(client), m_audit(audit)
{
}

void ArgoCdActions::execute(const ArgoCdAction &a, QObject *receiver, std::function<void(const Result<void> &)> done)
{
    // The answer comes to this object, not the receiver, so the audit line is written even when
    // the view that asked is gone by then.
    QPointer<QObject> target(receiver);
    auto finish = [this, target, a, done](const Result<void> &r) {
        audit(a, r);
        if (target)
            done(r);
    };
    switch (a.kind) {
    case ArgoCdAction::Kind::Sync:
        m_client->sync(a.application, SyncOptions{a.revision, a.prune, a.dryRun}, this, finish);
        break;
    case ArgoCdAction::Kind::Rollback:
        m_client->rollback(a.application, a.historyId, a.dryRun, a.prune, this, finish);
        break;
    case ArgoCdAction::Kind::Terminate:
        m_client->terminateOperation(a.application, this, finish);
        break;
    }
}

void ArgoCdActions::audit(const ArgoCdAction &a, const Result<void> &r)
{
    if (!m_audit)
        return;
    actions::AuditEntry e;
    e.time = QDateTime::currentDateTimeUtc();
    e.context = QStringLiteral("argocd ") + a.server;
    e.user = a.user;
    e.action = a.name();
    e.object = a.objectLabel();
    e.change = a.change();
    e.result = auditResult(r);
    e.detail = r.error().message;
    QString error;
    if (!m_audit->append(e, &error))
        Q_EMIT auditFailed(error);
}

}  // namespace pilothouse::backends::argocd
