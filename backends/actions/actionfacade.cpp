// Permission checks, preconditions, outcomes and audit of mutating actions.
#include "actions/actionfacade.h"
#include "core/errors.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>

namespace pilothouse::backends::actions {

namespace {

// What every action names: itself, its object, the change in words and the verb checked.
// The answer to a sent request was lost: the server may have acted on it. The transport broke
// (before or after the response headers), or a gateway answered for a server it could not hear
// from (502, 503, 504; an API server's own 504 is a timeout with the change possibly still made).
bool answerLost(const kube::KubeReply &reply)
{
    const ApiError &e = reply.error;
    if (e.httpStatus == 0 && (e.kind == ErrorKind::Network || e.kind == ErrorKind::Timeout))
        return true;
    return reply.status == 502 || reply.status == 503 || reply.status == 504;
}

Action subject(const QString &actionName, const kube::ResourceRef &r, const QString &ns, const QString &name, const QString &change,
               const QString &verb)
{
    Action a;
    a.name = actionName;
    a.resource = r;
    a.ns = ns;
    a.objectName = name;
    a.change = change;
    a.verb = verb;
    return a;
}

}  // namespace

QString Action::objectLabel() const
{
    if (!subjectLabel.isEmpty())
        return subjectLabel;
    return resource.groupResource() + QLatin1Char(' ') + (ns.isEmpty() ? objectName : ns + QLatin1Char('/') + objectName);
}

Action Action::scale(const kube::ResourceRef &r, const QString &ns, const QString &name, int from, int to, const QString &rv)
{
    Action a = subject(QStringLiteral("scale"), r, ns, name, QStringLiteral("replicas %1 → %2").arg(from).arg(to), QStringLiteral("patch"));
    a.subresource = QStringLiteral("scale");
    a.expectedResourceVersion = rv;
    QJsonObject patch{{QStringLiteral("spec"), QJsonObject{{QStringLiteral("replicas"), to}}}};
    // A resourceVersion in a merge patch is a precondition: a changed object answers 409.
    if (!rv.isEmpty())
        patch.insert(QStringLiteral("metadata"), QJsonObject{{QStringLiteral("resourceVersion"), rv}});
    a.body = QJsonDocument(patch).toJson(QJsonDocument::Compact);
    return a;
}

Action Action::restart(const kube::ResourceRef &r, const QString &ns, const QString &name, const QString &rv, const QDateTime &at)
{
    const QString stamp = at.toUTC().toString(Qt::ISODate);
    Action a = subject(QStringLiteral("restart"), r, ns, name, QStringLiteral("kubectl.kubernetes.io/restartedAt = %1 (a rolling restart of every pod)").arg(stamp), QStringLiteral("patch"));
    a.expectedResourceVersion = rv;
    QJsonObject annotations{{QStringLiteral("kubectl.kubernetes.io/restartedAt"), stamp}};
    QJsonObject patch{{QStringLiteral("spec"),
                       QJsonObject{{QStringLiteral("template"), QJsonObject{{QStringLiteral("metadata"), QJsonObject{{QStringLiteral("annotations"), annotations}}}}}}}};
    if (!rv.isEmpty())
        patch.insert(QStringLiteral("metadata"), QJsonObject{{QStringLiteral("resourceVersion"), rv}});
    a.body = QJsonDocument(patch).toJson(QJsonDocument::Compact);
    return a;
}

Action Action::replace(const kube::ResourceRef &r, const QString &ns, const QString &name, const QByteArray &json, const QString &rv,
                       const QString &change)
{
    Action a = subject(QStringLiteral("edit"), r, ns, name, change, QStringLiteral("update"));
    a.isReplace = true;
    a.expectedResourceVersion = rv;
    QJsonObject object = QJsonDocument::fromJson(json).object();
    QJsonObject meta = object.value(QStringLiteral("metadata")).toObject();
    // An update always carries the version it was based on: a changed object answers 409.
    if (!rv.isEmpty())
        meta.insert(QStringLiteral("resourceVersion"), rv);
    meta.remove(QStringLiteral("managedFields"));
    object.insert(QStringLiteral("metadata"), meta);
    a.body = QJsonDocument(object).toJson(QJsonDocument::Compact);
    return a;
}

Action Action::remove(const kube::ResourceRef &r, const QString &ns, const QString &name, const QString &rv, const QString &uid)
{
    Action a = subject(QStringLiteral("delete"), r, ns, name, QStringLiteral("delete (dependents removed in the background)"), QStringLiteral("delete"));
    a.isDelete = true;
    a.expectedResourceVersion = rv;
    QJsonObject pre;
    if (!rv.isEmpty())
        pre.insert(QStringLiteral("resourceVersion"), rv);
    if (!uid.isEmpty())
        pre.insert(QStringLiteral("uid"), uid);
    QJsonObject options{{QStringLiteral("kind"), QStringLiteral("DeleteOptions")}, {QStringLiteral("apiVersion"), QStringLiteral("v1")},
                        {QStringLiteral("propagationPolicy"), QStringLiteral("Background")}};
    if (!pre.isEmpty())
        options.insert(QStringLiteral("preconditions"), pre);
    a.body = QJsonDocument(options).toJson(QJsonDocument::Compact);
    return a;
}

Action Action::create(const kube::ResourceRef &r, const QString &ns, const QString &name, const QByteArray &json, const QString &change)
{
    Action a = subject(QStringLiteral("create"), r, ns, name, change, QStringLiteral("create"));
    a.isCreate = true;
    // No precondition: a second create of the same name answers AlreadyExists.
    a.body = json;
    return a;
}

Action Action::mergePatch(const QString &actionName, const kube::ResourceRef &r, const QString &ns, const QString &name, QJsonObject patch,
                          const QString &rv, const QString &change)
{
    Action a = subject(actionName, r, ns, name, change, QStringLiteral("patch"));
    a.patchKind = kube::PatchKind::Merge;
    a.expectedResourceVersion = rv;
    // A resourceVersion in a merge patch is a precondition: a changed object answers 409.
    if (!rv.isEmpty()) {
        QJsonObject meta = patch.value(QStringLiteral("metadata")).toObject();
        meta.insert(QStringLiteral("resourceVersion"), rv);
        patch.insert(QStringLiteral("metadata"), meta);
    }
    a.body = QJsonDocument(patch).toJson(QJsonDocument::Compact);
    return a;
}

Action Action::setSpecField(const QString &actionName, const kube::ResourceRef &r, const QString &ns, const QString &name,
                            const QString &uid, const QString &rv, const QString &field, const QJsonValue &seen, const QJsonValue &to,
                            const QString &change)
{
    Action a = subject(actionName, r, ns, name, change, QStringLiteral("patch"));
    a.patchKind = kube::PatchKind::Json;
    a.expectedResourceVersion = rv;
    const QString path = QStringLiteral("/spec/") + field;
    QJsonArray ops;
    if (!uid.isEmpty())
        ops.append(QJsonObject{{QStringLiteral("op"), QStringLiteral("test")}, {QStringLiteral("path"), QStringLiteral("/metadata/uid")},
                               {QStringLiteral("value"), uid}});
    if (!seen.isUndefined())
        ops.append(QJsonObject{{QStringLiteral("op"), QStringLiteral("test")}, {QStringLiteral("path"), path}, {QStringLiteral("value"), seen}});
    if (to.isNull()) {
        if (!seen.isUndefined())
            ops.append(QJsonObject{{QStringLiteral("op"), QStringLiteral("remove")}, {QStringLiteral("path"), path}});
    } else {
        // "add" sets a member whether or not it exists.
        ops.append(QJsonObject{{QStringLiteral("op"), QStringLiteral("add")}, {QStringLiteral("path"), path}, {QStringLiteral("value"), to}});
    }
    a.body = QJsonDocument(ops).toJson(QJsonDocument::Compact);
    return a;
}

QString terminatingReason(const QJsonObject &object)
{
    const QJsonObject meta = object.value(QStringLiteral("metadata")).toObject();
    QStringList finalizers;
    for (const QJsonValue &f : meta.value(QStringLiteral("finalizers")).toArray())
        finalizers << f.toString();
    // A namespace keeps its own in spec.finalizers ("kubernetes") until its content is gone.
    for (const QJsonValue &f : object.value(QStringLiteral("spec")).toObject().value(QStringLiteral("finalizers")).toArray())
        if (!finalizers.contains(f.toString()))
            finalizers << f.toString();
    finalizers.removeAll(QString());
    if (!finalizers.isEmpty())
        return QStringLiteral("waiting for finalizers: %1").arg(finalizers.join(QStringLiteral(", ")));
    if (!meta.contains(QStringLiteral("deletionTimestamp")))
        return {};
    const QJsonValue grace = meta.value(QStringLiteral("deletionGracePeriodSeconds"));
    return grace.isDouble() ? QStringLiteral("graceful shutdown, up to %1 s").arg(grace.toInteger())
                            : QStringLiteral("deletion in progress");
}

QString outcomeName(Outcome o)
{
    switch (o) {
    case Outcome::Succeeded: return QStringLiteral("succeeded");
    case Outcome::Refused: return QStringLiteral("refused");
    case Outcome::Conflict: return QStringLiteral("conflict");
    case Outcome::Forbidden: return QStringLiteral("forbidden");
    case Outcome::Failed: return QStringLiteral("failed");
    case Outcome::Unknown: return QStringLiteral("unknown");
    }
    return QStringLiteral("failed");
}

ActionFacade::ActionFacade(kube::KubeClient *client, AuditLog *audit, QString contextName, QString userName, QObject *parent)
    : QObject(parent), m_client(client), m_audit(audit), m_context(std::move(contextName)), m_user(std::move(userName))
{
}

ActionFacade::~ActionFacade()
{
    // Checks still in flight get an answer: their requests' answers would come to a deleted facade.
    const Permission closed{false, QStringLiteral("The connection was closed before the permission check ended")};
    for (const QList<Waiter> &waiters : std::as_const(m_pendingPermissions))
        for (const Waiter &w : waiters)
            if (w.receiver) {
                auto done = w.done;
                QMetaObject::invokeMethod(w.receiver, [done, closed] { done(closed); }, Qt::QueuedConnection);
            }
}

QString ActionFacade::confirmationText(const Action &a) const
{
    QString verb = a.name.left(1).toUpper() + a.name.mid(1);
    return QStringLiteral("%1 %2 in context %3: %4").arg(verb, a.objectLabel(), m_context, a.change);
}

QStringList ActionFacade::permissionTargets(const Action &a)
{
    QStringList out{a.subresource};
    // The follow-up goes to the main resource: a patch of rollouts/status alone does not cover it.
    if (!a.subresource.isEmpty() && !a.followUpBody.isEmpty())
        out << QString();
    return out;
}

void ActionFacade::checkPermission(const Action &a, QObject *receiver, std::function<void(const Permission &)> done)
{
    if (m_readOnly) {
        Permission p{false, QStringLiteral("Context %1 is read-only in Pilothouse").arg(m_context)};
        QMetaObject::invokeMethod(receiver, [done, p] { done(p); }, Qt::QueuedConnection);
        return;
    }
    const QStringList targets = permissionTargets(a);
    if (targets.size() == 1) {
        checkOne(a, targets.first(), receiver, std::move(done));
        return;
    }
    // Asked one after the other: the first refusal is the answer.
    QPointer<ActionFacade> self(this);
    auto next = std::make_shared<std::function<void(int)>>();
    *next = [self, a, targets, receiver, done, next](int i) {
        if (!self) {
            done(Permission{false, QStringLiteral("The connection was closed before the permission check ended")});
            *next = nullptr;  // breaks the cycle
            return;
        }
        self->checkOne(a, targets.at(i), receiver, [self, i, targets, done, next](const Permission &p) {
            if (!p.allowed || i + 1 == targets.size()) {
                done(p);
                *next = nullptr;
                return;
            }
            (*next)(i + 1);
        });
    };
    (*next)(0);
}

QString ActionFacade::permissionKey(const Action &a, const QString &subresource)
{
    return QStringList{a.verb, a.resource.group, a.resource.plural, subresource, a.ns}.join(QLatin1Char('|'));
}

std::optional<Permission> ActionFacade::cachedPermission(const Action &a) const
{
    if (m_readOnly)
        return Permission{false, QStringLiteral("Context %1 is read-only in Pilothouse").arg(m_context)};
    // As checkPermission asks: the first refusal is the answer.
    std::optional<Permission> answer;
    for (const QString &target : permissionTargets(a)) {
        auto it = m_permissions.constFind(permissionKey(a, target));
        if (it == m_permissions.constEnd())
            return std::nullopt;
        answer = *it;
        if (!answer->allowed)
            break;
    }
    return answer;
}

void ActionFacade::checkOne(const Action &a, const QString &subresource, QObject *receiver, std::function<void(const Permission &)> done)
{
    const QString key = permissionKey(a, subresource);
    if (auto known = m_permissions.constFind(key); known != m_permissions.constEnd()) {
        const Permission p = *known;
        QMetaObject::invokeMethod(receiver, [done, p] { done(p); }, Qt::QueuedConnection);
        return;
    }
    if (auto pending = m_pendingPermissions.find(key); pending != m_pendingPermissions.end()) {
        pending->append(Waiter{receiver, std::move(done)});
        return;
    }
    m_pendingPermissions.insert(key, {Waiter{receiver, std::move(done)}});
    ++m_permissionRequests;
    // No name: the answer is kept for every object of the resource in the namespace, so the
    // question must be about all of them.
    QJsonObject attrs{{QStringLiteral("namespace"), a.ns}, {QStringLiteral("verb"), a.verb},
                      {QStringLiteral("group"), a.resource.group}, {QStringLiteral("resource"), a.resource.plural}};
    if (!subresource.isEmpty())
        attrs.insert(QStringLiteral("subresource"), subresource);
    QJsonObject review{{QStringLiteral("apiVersion"), QStringLiteral("authorization.k8s.io/v1")},
                       {QStringLiteral("kind"), QStringLiteral("SelfSubjectAccessReview")},
                       {QStringLiteral("spec"), QJsonObject{{QStringLiteral("resourceAttributes"), attrs}}}};
    const QString what = a.verb + QLatin1Char(' ') + a.resource.plural + (subresource.isEmpty() ? QString() : QLatin1Char('/') + subresource);
    const QString where = a.ns.isEmpty() ? QStringLiteral("cluster-wide") : QStringLiteral("in namespace %1").arg(a.ns);
    // The facade receives the answer (the first caller may be gone by then) and hands it on.
    m_client->request("POST", QStringLiteral("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
                      QJsonDocument(review).toJson(QJsonDocument::Compact), "application/json", this,
                      [this, key, what, where](const kube::KubeReply &reply) {
                          Permission p;
                          if (!reply.ok()) {
                              p.reason = QStringLiteral("Could not check permission: %1").arg(reply.error.message);
                          } else {
                              QJsonObject status = QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("status")).toObject();
                              p.allowed = status.value(QStringLiteral("allowed")).toBool();
                              QString serverReason = status.value(QStringLiteral("reason")).toString();
                              p.reason = p.allowed ? serverReason
                                                   : QStringLiteral("%1 may not %2 %3%4")
                                                         .arg(m_user, what, where, serverReason.isEmpty() ? QString() : QStringLiteral(": ") + serverReason);
                              // Only a reviewer's answer is kept; a failed check is asked again next time.
                              m_permissions.insert(key, p);
                          }
                          const QList<Waiter> waiters = m_pendingPermissions.take(key);
                          for (const Waiter &w : waiters) {
                              if (!w.receiver)
                                  continue;
                              auto done = w.done;
                              QMetaObject::invokeMethod(w.receiver, [done, p] { done(p); }, Qt::QueuedConnection);
                          }
                      });
}

void ActionFacade::execute(const Action &a, QObject *receiver, std::function<void(const ActionResult &)> done, int timeoutMs)
{
    if (m_readOnly) {
        ActionResult r;
        r.outcome = Outcome::Refused;
        r.error.kind = ErrorKind::Forbidden;
        r.error.message = QStringLiteral("Context %1 is read-only in Pilothouse; nothing was sent").arg(m_context);
        audit(a, r);
        QMetaObject::invokeMethod(receiver, [done, r] { done(r); }, Qt::QueuedConnection);
        return;
    }
    // The session deletes its facade (and client) on every reconnect: the answer may come after.
    QPointer<ActionFacade> self(this);
    // `firstApplied`: the answer is the follow-up's, after the first patch succeeded.
    auto finish = [self, a, done, receiver](const kube::KubeReply &reply, bool firstApplied) {
        ActionResult r;
        r.error = reply.error;
        r.body = reply.body;
        if (reply.ok()) {
            r.outcome = Outcome::Succeeded;
            if (a.isDelete) {
                // 200 with the object (not a Status) or 202: accepted, and the object is still there.
                const QJsonObject answer = QJsonDocument::fromJson(reply.body).object();
                if (answer.value(QStringLiteral("kind")).toString() != QLatin1String("Status"))
                    r.terminating = terminatingReason(answer);
                if (r.terminating.isEmpty() && reply.status == 202)
                    r.terminating = QStringLiteral("the deletion continues in the background");
            }
        } else if (answerLost(reply)) {
            r.outcome = Outcome::Unknown;  // it may have been applied: re-read before offering a retry
            if (reply.headersReceived && reply.error.httpStatus == 0 && reply.status > 0)
                r.error.message += QStringLiteral(" (the server had answered HTTP %1 when the connection broke)").arg(reply.status);
        } else if (reply.error.kind == ErrorKind::Conflict)
            r.outcome = Outcome::Conflict;
        else if (reply.error.kind == ErrorKind::Invalid && a.patchKind == kube::PatchKind::Json &&
                 reply.error.message.contains(QLatin1String("test"), Qt::CaseInsensitive))
            r.outcome = Outcome::Conflict;  // a JSON-patch precondition (a "test" op) found another value
        else if (reply.error.kind == ErrorKind::Forbidden)
            r.outcome = Outcome::Forbidden;
        else
            r.outcome = Outcome::Failed;
        if (firstApplied && !reply.ok())
            r.partlyApplied = a.partialState.isEmpty() ? QStringLiteral("the first patch was applied, the follow-up was not") : a.partialState;
        if (!self) {
            if (r.outcome == Outcome::Unknown)
                r.reread = QStringLiteral("the connection was replaced before the object could be read again; look at it before retrying");
            done(r);
            return;
        }
        self->audit(a, r);
        if (r.outcome == Outcome::Forbidden)  // the kept answer was wrong or is stale: ask again next time
            for (const QString &target : permissionTargets(a))
                self->m_permissions.remove(permissionKey(a, target));
        if (r.outcome == Outcome::Unknown && receiver && r.partlyApplied.isEmpty())
            self->rereadAfterUnknown(a, r, receiver, done);
        else
            done(r);
    };
    const QString mainPath = a.resource.objectPath(a.ns, a.objectName);
    const QString path = mainPath + (a.subresource.isEmpty() ? QString() : QLatin1Char('/') + a.subresource);
    auto single = [finish](const kube::KubeReply &reply) { finish(reply, false); };
    if (a.isCreate) {
        m_client->request("POST", a.resource.collectionPath(a.ns), a.body, "application/json", receiver, single, timeoutMs);
    } else if (a.isDelete) {
        m_client->request("DELETE", path, a.body, "application/json", receiver, single, timeoutMs);
    } else if (a.isReplace) {
        m_client->request("PUT", path, a.body, "application/json", receiver, single, timeoutMs);
    } else if (a.fallbackBody.isEmpty() && a.followUpBody.isEmpty()) {
        m_client->request("PATCH", path, a.body, kube::patchContentType(a.patchKind), receiver, single, timeoutMs);
    } else {
        QPointer<kube::KubeClient> client = m_client;
        auto afterFirst = [self, a, client, mainPath, receiver, finish, single, timeoutMs](const kube::KubeReply &reply) {
            if (self && client && !a.subresource.isEmpty() && !a.fallbackBody.isEmpty() && reply.error.kind == ErrorKind::NotFound) {
                client->request("PATCH", mainPath, a.fallbackBody, kube::patchContentType(a.patchKind), receiver, single, timeoutMs);
                return;
            }
            if (reply.ok() && !a.followUpBody.isEmpty()) {
                if (!self || !client) {
                    kube::KubeReply gone;
                    gone.error.kind = ErrorKind::Cancelled;
                    gone.error.message = QStringLiteral("the connection was replaced before the follow-up patch could be sent");
                    finish(gone, true);
                    return;
                }
                client->request("PATCH", mainPath, a.followUpBody, kube::patchContentType(kube::PatchKind::Merge), receiver,
                                [finish](const kube::KubeReply &second) { finish(second, true); }, timeoutMs);
                return;
            }
            finish(reply, false);
        };
        m_client->request("PATCH", path, a.body, kube::patchContentType(a.patchKind), receiver, afterFirst, timeoutMs);
    }
}

void ActionFacade::rereadAfterUnknown(const Action &a, ActionResult r, QObject *receiver, std::function<void(const ActionResult &)> done)
{
    m_client->get(a.resource, a.ns, a.objectName, receiver, [a, r, done](const kube::KubeReply &reply) mutable {
        const QString created = a.resource.groupResource() + QLatin1Char(' ') + (a.ns.isEmpty() ? a.objectName : a.ns + QLatin1Char('/') + a.objectName);
        if (a.isCreate && reply.error.kind == ErrorKind::NotFound) {
            r.reread = QStringLiteral("not created yet: %1 does not exist; a retry is safe (the same name cannot be created twice)").arg(created);
        } else if (a.isCreate && reply.ok()) {
            r.reread = QStringLiteral("%1 exists now: the create was applied; look at it before creating another").arg(created);
        } else if (reply.error.kind == ErrorKind::NotFound) {
            r.reread = a.isDelete ? QStringLiteral("the object is gone: the delete was applied") : QStringLiteral("the object no longer exists");
        } else if (!reply.ok()) {
            r.reread = QStringLiteral("could not read the object again (%1); check it before retrying").arg(reply.error.message);
        } else {
            const QJsonObject object = QJsonDocument::fromJson(reply.body).object();
            const QString rv = object.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("resourceVersion")).toString();
            const QString terminating = a.isDelete ? terminatingReason(object) : QString();
            if (!terminating.isEmpty()) {
                r.reread = QStringLiteral("the delete was applied: the object is terminating (%1)").arg(terminating);
                r.terminating = terminating;
            } else if (a.expectedResourceVersion.isEmpty())
                r.reread = QStringLiteral("the object is at resourceVersion %1 now; look at it before retrying").arg(rv);
            else if (rv == a.expectedResourceVersion)
                r.reread = QStringLiteral("not applied yet: the object is still at resourceVersion %1; a retry is safe").arg(rv);
            else
                r.reread = QStringLiteral("the object changed (resourceVersion %1 → %2), probably by this action; look at it before retrying")
                               .arg(a.expectedResourceVersion, rv);
        }
        done(r);
    });
}

Result<void> ActionFacade::auditAccess(const QString &action, const QString &objectLabel, const QString &detail)
{
    QString error;
    if (!m_audit)
        return Result<void>::failure(configError(QStringLiteral("no audit log is set")));
    if (!appendAudit(action, objectLabel, QString(), QStringLiteral("succeeded"), detail, &error))
        return Result<void>::failure(configError(error));
    return Result<void>::success();
}

void ActionFacade::audit(const Action &a, const ActionResult &r)
{
    if (!r.partlyApplied.isEmpty()) {
        // Not "failed": part of the change is in effect, and the line must say which part.
        appendAudit(a.name, a.objectLabel(), a.change, QStringLiteral("partly applied"),
                    QStringLiteral("%1; the follow-up %2: %3").arg(r.partlyApplied, outcomeName(r.outcome), r.error.messageToRecord()));
        return;
    }
    // Not the shown message: that may carry a credential plugin's stderr, which is never kept.
    appendAudit(a.name, a.objectLabel(), a.change, outcomeName(r.outcome),
                r.terminating.isEmpty() ? r.error.messageToRecord() : QStringLiteral("terminating (%1)").arg(r.terminating));
}

bool ActionFacade::appendAudit(const QString &action, const QString &object, const QString &change, const QString &result,
                               const QString &detail, QString *error)
{
    if (!m_audit)
        return false;
    AuditEntry e;
    e.time = QDateTime::currentDateTimeUtc();
    e.context = m_context;
    e.user = m_user;
    e.action = action;
    e.object = object;
    e.change = change;
    e.result = result;
    e.detail = detail;
    return m_audit->append(e, error);
}

}  // namespace pilothouse::backends::actions
