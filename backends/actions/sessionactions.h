// The action facade and audit log of one cluster session. The session knows nothing of actions
// (dependencies point down); this attaches them to it: a facade for the session's current client,
// rebuilt when the session reconnects, read-only following the session.
#pragma once

#include "actions/actionfacade.h"
#include "actions/auditlog.h"

#include <QObject>
#include <QPointer>

#include <memory>
#include <vector>

namespace pilothouse::backends::kube {
class KubeSession;
}

namespace pilothouse::backends::actions {

class SessionActions : public QObject {
    Q_OBJECT

public:
    // The one instance attached to `session` (created on first use, a child of the session).
    static SessionActions *of(kube::KubeSession *session);

    // Mutating actions for the connected context; null when not connected. Always the facade of
    // the session's current client, also to a clientChanged handler that runs before this
    // object's own (views that connected before it was created).
    ActionFacade *facade();
    // Where audit lines go (default: the user's data folder); set before connecting. A log that
    // was in use stays alive with the session (views may hold it).
    void setAuditLog(std::shared_ptr<AuditLog> log);
    // The audit log every action of this session goes to, Argo CD and GitOps ones included.
    AuditLog *auditLog();

private:
    explicit SessionActions(kube::KubeSession *session);
    void rebuild();

    kube::KubeSession *m_session;
    std::shared_ptr<AuditLog> m_audit;
    std::vector<std::shared_ptr<AuditLog>> m_retiredAudits;
    QPointer<ActionFacade> m_facade;
};

// Shorthands for the call sites.
inline ActionFacade *facadeFor(kube::KubeSession *session) { return session ? SessionActions::of(session)->facade() : nullptr; }
inline AuditLog *auditLogFor(kube::KubeSession *session) { return session ? SessionActions::of(session)->auditLog() : nullptr; }

}  // namespace pilothouse::backends::actions
