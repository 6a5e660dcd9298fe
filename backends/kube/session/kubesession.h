// A live session with one cluster context: owns the worker thread on which the REST client and
// the informers (namespaces, pods, deployments) run, and reports one connection state.
// Lives on the GUI thread; everything it emits is a value snapshot.
#pragma once

#include "actions/actionfacade.h"
#include "actions/auditlog.h"
#include "core/result.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/api/discovery.h"
#include "kube/cache/informer.h"
#include "kube/auth/kubeconfig.h"
#include "kube/kinds/kindregistry.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <memory>

namespace pilothouse::backends::kube {

class KubeSession : public QObject {
    Q_OBJECT

public:
    enum class ConnectionState { Disconnected, Connecting, Live, Reconnecting, Error };
    Q_ENUM(ConnectionState)

    KubeSession(http::HttpEngine *engine, std::shared_ptr<ExecApprovalStore> approvals, QObject *parent = nullptr);
    ~KubeSession() override;

    // Resolves the context and starts the informers. A resolve error or an exec plugin that
    // needs the operator's approval is reported through the signals, never thrown.
    void connectTo(const Kubeconfig &config, const QString &contextName);
    // After the operator approved the exec command shown by execApprovalRequired.
    void approveExec();
    void disconnectFromCluster();
    // "" watches all namespaces.
    void setNamespace(const QString &ns);
    // Watches one more kind in the server's Table form (any kind, CRDs included); replaces the
    // previous one. An empty plural stops it.
    void watchKind(const ResourceRef &resource);
    ResourceRef watchedKind() const { return m_kind; }

    // Mutating actions for the connected context (null when not connected). They are sent from
    // the GUI thread with the session's credentials; the answers come back queued.
    actions::ActionFacade *actions() const { return m_actions; }
    // Where audit lines go (default: the user's data folder); set before connecting.
    void setAuditLog(std::shared_ptr<actions::AuditLog> log) { m_audit = std::move(log); }
    // The audit log every action of this window goes to, Argo CD and GitOps ones included
    // (created at its default place on first use).
    actions::AuditLog *auditLog();
    // The HTTP engine the session's clients share; other backends (Argo CD) use it too.
    http::HttpEngine *engine() const { return m_engine; }
    void setReadOnly(bool readOnly);
    // Reads one object now (for the detail pane); `done` runs on `receiver`'s thread.
    void fetchObject(const ResourceRef &resource, const QString &ns, const QString &name, QObject *receiver,
                     std::function<void(const KubeReply &)> done);
    bool isReadOnly() const { return m_readOnly; }
    // The GUI-thread REST client of the connected context (null when not connected), for views
    // that read or stream on their own (logs, the scaling view). Replaced on every connectTo():
    // hold it only as long as the view shows this context.
    KubeClient *client() const { return m_actionClient; }

    QString contextName() const { return m_contextName; }
    QString namespaceScope() const { return m_ns; }
    ConnectionState state() const { return m_state; }
    QString stateDetail() const { return m_stateDetail; }
    QString server() const { return m_resolved.server; }
    // The kinds of the connected context: the built-in table until discovery answers, then the
    // server's (kindsDiscovered says when).
    const KindRegistry &kinds() const { return m_kinds; }

Q_SIGNALS:
    void connectionStateChanged(pilothouse::backends::kube::KubeSession::ConnectionState state, const QString &detail);
    void execApprovalRequired(const QString &command, const QString &context);
    void namespacesSynced(const pilothouse::backends::kube::ObjectList &objects);
    void namespacesChanged(const pilothouse::backends::kube::ChangeBatch &batch);
    void podsSynced(const pilothouse::backends::kube::ObjectList &objects);
    void podsChanged(const pilothouse::backends::kube::ChangeBatch &batch);
    void deploymentsSynced(const pilothouse::backends::kube::ObjectList &objects);
    void deploymentsChanged(const pilothouse::backends::kube::ChangeBatch &batch);
    void resourcesDiscovered(const QList<pilothouse::backends::kube::ResourceRef> &resources);
    // The full discovery joined with the built-in table (after resourcesDiscovered, same epoch).
    void kindsDiscovered(const pilothouse::backends::kube::KindRegistry &kinds);
    void kindColumnsChanged(const QList<pilothouse::backends::kube::TableColumn> &columns, bool namespaced);
    void kindSynced(const pilothouse::backends::kube::ObjectList &objects);
    void kindChanged(const pilothouse::backends::kube::ChangeBatch &batch);

private:
    struct Worker;
    void startInformers();
    void startKindInformer();
    void stopWorker();
    void onInformerState(int which, Informer::State s, const ApiError &error);
    void setState(ConnectionState s, const QString &detail);

    http::HttpEngine *m_engine;
    std::shared_ptr<ExecApprovalStore> m_approvals;
    QThread m_thread;
    std::unique_ptr<Worker> m_worker;
    ResolvedContext m_resolved;
    std::shared_ptr<CredentialProvider> m_credentials;
    QString m_contextName;
    QString m_ns;
    ResourceRef m_kind;
    KindRegistry m_kinds = KindRegistry::builtin();
    std::shared_ptr<actions::AuditLog> m_audit;
    KubeClient *m_actionClient = nullptr;
    actions::ActionFacade *m_actions = nullptr;
    bool m_readOnly = false;
    quint64 m_kindEpoch = 0;
    ConnectionState m_state = ConnectionState::Disconnected;
    QString m_stateDetail;
    bool m_everLive = false;
    Informer::State m_informerStates[3] = {Informer::State::Idle, Informer::State::Idle, Informer::State::Idle};
    quint64 m_epoch = 0;
};

// One line naming what the operator can do about an error (for the status line).
QString describeError(const ApiError &error);

}  // namespace pilothouse::backends::kube

Q_DECLARE_METATYPE(pilothouse::backends::kube::ResourceRef)
Q_DECLARE_METATYPE(QList<pilothouse::backends::kube::ResourceRef>)

namespace pilothouse::backends::kube {

}  // namespace pilothouse::backends::kube
