// One action facade per session client, rebuilt on reconnect.
#include "actions/sessionactions.h"

#include "kube/session/kubesession.h"

namespace pilothouse::backends::actions {

SessionActions *SessionActions::of(kube::KubeSession *session)
{
    if (auto *existing = session->findChild<SessionActions *>(QString(), Qt::FindDirectChildrenOnly))
        return existing;
    return new SessionActions(session);
}

SessionActions::SessionActions(kube::KubeSession *session) : QObject(session), m_session(session)
{
    connect(session, &kube::KubeSession::clientChanged, this, &SessionActions::rebuild);
    connect(session, &kube::KubeSession::readOnlyChanged, this, [this](bool readOnly) {
        if (m_facade)
            m_facade->setReadOnly(readOnly);
    });
    rebuild();
}

ActionFacade *SessionActions::facade()
{
    kube::KubeClient *current = m_session->client();
    if ((m_facade ? m_facade->client() : nullptr) != current)
        rebuild();
    return m_facade;
}

void SessionActions::setAuditLog(std::shared_ptr<AuditLog> log)
{
    if (m_audit == log)
        return;
    if (m_audit)
        m_retiredAudits.push_back(std::move(m_audit));
    m_audit = std::move(log);
    rebuild();
}

AuditLog *SessionActions::auditLog()
{
    if (!m_audit)
        m_audit = std::make_shared<AuditLog>(AuditLog::defaultPath());
    return m_audit.get();
}

void SessionActions::rebuild()
{
    // Deleted later: a caller may be inside one of its answers.
    if (m_facade)
        m_facade->deleteLater();
    m_facade = nullptr;
    kube::KubeClient *client = m_session->client();
    if (!client)
        return;
    const QString user = m_session->userName();
    m_facade = new ActionFacade(client, auditLog(), m_session->contextName(), user.isEmpty() ? m_session->contextName() : user, this);
    m_facade->setReadOnly(m_session->isReadOnly());
}

}  // namespace pilothouse::backends::actions
