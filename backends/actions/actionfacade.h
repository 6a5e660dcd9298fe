// The one way mutating actions reach a cluster: permission checked with a
// SelfSubjectAccessReview (a forbidden action says why), a confirmation text that names context,
// namespace, object and the exact change, a resourceVersion precondition where the API allows,
// an outcome that treats a lost answer as "unknown" (a dropped connection after sending, before
// or after the response headers, and a gateway's 502/503/504: the change may have been applied)
// and reads the object again to say what it found, a delete that leaves the object terminating
// (finalizers, graceful shutdown, 202 Accepted) said so rather than "done", read-only mode per
// context, and one audit line per action.
#pragma once

#include "actions/auditlog.h"
#include "core/result.h"
#include "kube/api/kubeclient.h"
#include "kube/api/resourceref.h"

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

namespace pilothouse::backends::actions {

struct Action {
    QString name;                 // "scale", "restart", "delete"
    kube::ResourceRef resource;
    QString ns;
    QString objectName;
    QString change;               // human words for the confirmation and the audit log
    QString verb;                 // for the permission check: "patch", "delete", ...
    QString subresource;          // "scale", "status" or empty
    // What is sent: a patch, or a delete when deleteOptions is used.
    kube::PatchKind patchKind = kube::PatchKind::Merge;
    QByteArray body;
    bool isDelete = false;
    bool isReplace = false;       // PUT of the whole object (YAML edit); its metadata.resourceVersion is the precondition
    bool isCreate = false;        // POST of `body` to the collection; objectName is what a re-read after "unknown" looks for
    QString expectedResourceVersion;  // precondition; empty: none
    // With a subresource: when the server answers NotFound for it (Argo Rollouts before v0.10 kept
    // status in the main resource), this body goes to the main resource instead.
    QByteArray fallbackBody;
    // A merge patch of the main resource sent after the first one succeeded (a rollout paused both
    // by spec.paused and by a pause condition: the plugin sends the status and the spec half apart).
    QByteArray followUpBody;
    // In words, the state the object is left in when the first patch was applied and the follow-up
    // was not ("pause conditions cleared, spec.paused still true"), for the message and the audit line.
    QString partialState;

    // The object the operator acts on when it is not the one the request goes to (a CronJob
    // triggered by creating a Job): what the confirmation and the audit line name.
    QString subjectLabel;

    QString objectLabel() const;      // "deployments.apps demo/web" (or subjectLabel)

    // Builders for the workload actions; `rv` is the resourceVersion the operator saw.
    static Action scale(const kube::ResourceRef &r, const QString &ns, const QString &name, int from, int to, const QString &rv);
    static Action restart(const kube::ResourceRef &r, const QString &ns, const QString &name, const QString &rv, const QDateTime &at);
    // The edited object as a whole; `change` names the changed fields (see workloads::describeChanges).
    static Action replace(const kube::ResourceRef &r, const QString &ns, const QString &name, const QByteArray &json, const QString &rv,
                          const QString &change);
    static Action remove(const kube::ResourceRef &r, const QString &ns, const QString &name, const QString &rv, const QString &uid);
    // A new object (`json`, named `name`) POSTed to the collection: "trigger" builds one from a CronJob.
    static Action create(const kube::ResourceRef &r, const QString &ns, const QString &name, const QByteArray &json, const QString &change);
    // A merge patch of the main resource with a metadata.resourceVersion precondition (when `rv` is set).
    // One field of spec set (or, with `to` null, removed) by a JSON patch whose precondition is
    // what the operator saw: the object's uid and the field's value (`seen` undefined: it was not
    // set). Status writes by controllers do not make it fail, as a resourceVersion would; a
    // changed field does (422, reported as a conflict). `rv` is kept to tell after a lost answer.
    static Action setSpecField(const QString &actionName, const kube::ResourceRef &r, const QString &ns, const QString &name,
                               const QString &uid, const QString &rv, const QString &field, const QJsonValue &seen,
                               const QJsonValue &to, const QString &change);
    static Action mergePatch(const QString &actionName, const kube::ResourceRef &r, const QString &ns, const QString &name, QJsonObject patch,
                             const QString &rv, const QString &change);
};

struct Permission {
    bool allowed = false;
    QString reason;               // why not (or the reviewer's reason), for a disabled button's tooltip
};

enum class Outcome { Succeeded, Refused, Conflict, Forbidden, Failed, Unknown };
QString outcomeName(Outcome o);

struct ActionResult {
    Outcome outcome = Outcome::Failed;
    ApiError error;
    QByteArray body;              // the server's answer on success
    // After an Unknown outcome the object is read again before a retry is offered: what that
    // read found, in words ("not applied: resourceVersion is still 41, retrying is safe", ...).
    QString reread;
    // Non-empty when the first patch was applied and the follow-up was not: the state it left.
    QString partlyApplied;
    // A delete the server accepted while the object stays for now, in words: "waiting for
    // finalizers: kubernetes.io/pvc-protection", "graceful shutdown, up to 30 s", ...
    QString terminating;
};

// Why an object that is being deleted is still there ("waiting for finalizers: a, b"), from the
// object's JSON; empty when it is not being deleted.
QString terminatingReason(const QJsonObject &object);

class ActionFacade : public QObject {
    Q_OBJECT

public:
    ActionFacade(kube::KubeClient *client, AuditLog *audit, QString contextName, QString userName, QObject *parent = nullptr);
    ~ActionFacade() override;

    void setReadOnly(bool readOnly) { m_readOnly = readOnly; }
    bool isReadOnly() const { return m_readOnly; }
    kube::KubeClient *client() const { return m_client; }

    // "Scale deployments.apps demo/web in context sim-admin: replicas 2 → 3"
    QString confirmationText(const Action &a) const;

    // Every request the action may send is checked: with a follow-up to the main resource, both
    // the subresource and the main resource. Answers are kept for the facade's life (one connection
    // of one context) per verb, group, resource, subresource and namespace: the review asks about
    // any object of that resource, not the named one, so that the answer fits every object it is
    // reused for. Identical checks in flight share one request. `done` always runs queued.
    void checkPermission(const Action &a, QObject *receiver, std::function<void(const Permission &)> done);
    // The answer checkPermission would give, when it is already known (read-only mode included),
    // so a menu can enable an item at once.
    std::optional<Permission> cachedPermission(const Action &a) const;
    // SelfSubjectAccessReviews this facade has sent (each shared or cached answer saves one).
    int permissionRequestsSent() const { return m_permissionRequests; }
    // The subresources checkPermission asks about, in order ("" for the main resource).
    static QStringList permissionTargets(const Action &a);
    // Sends the action (after the operator confirmed it) and audits the outcome.
    void execute(const Action &a, QObject *receiver, std::function<void(const ActionResult &)> done, int timeoutMs = 30000);

    // Reads that expose what is otherwise masked (revealing a Secret's values) are audited too.
    // A failure (the line could not be written) means the read must not happen.
    Result<void> auditAccess(const QString &action, const QString &objectLabel, const QString &detail);

private:
    void checkOne(const Action &a, const QString &subresource, QObject *receiver, std::function<void(const Permission &)> done);
    void rereadAfterUnknown(const Action &a, ActionResult r, QObject *receiver, std::function<void(const ActionResult &)> done);
    void audit(const Action &a, const ActionResult &r);
    bool appendAudit(const QString &action, const QString &object, const QString &change, const QString &result, const QString &detail,
                     QString *error = nullptr);

    static QString permissionKey(const Action &a, const QString &subresource);

    struct Waiter {
        QPointer<QObject> receiver;
        std::function<void(const Permission &)> done;
    };

    kube::KubeClient *m_client;
    AuditLog *m_audit;
    QHash<QString, Permission> m_permissions;          // definitive answers, by permissionKey
    QHash<QString, QList<Waiter>> m_pendingPermissions;  // checks in flight, by permissionKey
    int m_permissionRequests = 0;
    QString m_context;
    QString m_user;
    bool m_readOnly = false;
};

}  // namespace pilothouse::backends::actions
