// A live session with one cluster context: owns the worker thread on which the REST client, the
// shared informers and every derivation from them run, and reports one connection state. Views
// watch through feeds and projections (kube/session/subscriptions.h), which share one informer per
// resource, namespace and selector. Lives on the GUI thread; everything it emits is a value snapshot.
#pragma once

#include "core/result.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/api/discovery.h"
#include "kube/cache/informer.h"
#include "kube/auth/kubeconfig.h"
#include "kube/kinds/kindregistry.h"
#include "kube/session/subscriptions.h"

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

    // One shared informer's content and changes, on the GUI thread; owned by `parent`, attached to
    // every connection the session makes from now on.
    InformerFeed *feed(const WatchSpec &spec, QObject *parent);
    // A value computed on the worker from shared informers after they change, delivered to
    // `receiver` (on its thread) until the returned projection (a child of `receiver`) is deleted.
    template <class T>
    Projection *project(const QList<WatchSpec> &inputs, std::function<T(const ProjectionInputs &)> compute,
                        QObject *receiver, std::function<void(const T &)> deliver);
    // How many objects of each kind the scope holds, without watching them (the sidebar's counts of
    // kinds not shown): a list with limit=1 per kind, counted on the worker from its items and
    // metadata.remainingItemCount. `done` runs on the GUI thread once per kind; -1 when the
    // server did not say (no remainingItemCount) or the list failed.
    void countObjects(const QList<ResourceRef> &kinds, const QString &ns, QObject *receiver,
                      std::function<void(const ResourceRef &kind, int count)> done);
    // The number of informers running now (diagnostics and tests); answered on the GUI thread.
    void countInformers(QObject *receiver, std::function<void(int count, QList<WatchSpec> specs)> done);
    // The HTTP engine the session's clients share; other backends (Argo CD) use it too.
    http::HttpEngine *engine() const { return m_engine; }
    void setReadOnly(bool readOnly);
    // Reads one object now (for the detail pane); `done` runs on `receiver`'s thread.
    void fetchObject(const ResourceRef &resource, const QString &ns, const QString &name, QObject *receiver,
                     std::function<void(const KubeReply &)> done);
    bool isReadOnly() const { return m_readOnly; }
    // The GUI-thread REST client of the connected context (null when not connected), for actions
    // and single reads or streams (logs). Replaced on every connectTo() (clientChanged says so):
    // hold it only as long as the view shows this context.
    KubeClient *client() const { return m_actionClient; }
    QString userName() const { return m_resolved.user.name; }

    QString contextName() const { return m_contextName; }
    QString namespaceScope() const { return m_ns; }
    ConnectionState state() const { return m_state; }
    QString stateDetail() const { return m_stateDetail; }
    QString server() const { return m_resolved.server; }
    // The kinds of the connected context: the built-in table until discovery answers, then the
    // server's (kindsDiscovered says when).
    const KindRegistry &kinds() const { return m_kinds; }

Q_SIGNALS:
    // The GUI-thread client was replaced (null: disconnected); emitted before the old one is deleted.
    void clientChanged(pilothouse::backends::kube::KubeClient *client);
    void readOnlyChanged(bool readOnly);
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
    // A browser list (pods, deployments, namespaces, the kind shown) read page by page: objects
    // received so far and the total the server announced (-1: unknown); received == total when
    // it is done (just before its ...Synced signal).
    void listProgress(const QString &plural, int received, int total);
    void kindChanged(const pilothouse::backends::kube::ChangeBatch &batch);

private:
    friend class Subscription;
    struct Worker;
    void startInformers();
    void startBrowserFeeds();
    bool isBrowserFeed(const Subscription *s) const;
    void startKindInformer();
    void stopWorker();
    void onInformerState(int which, Informer::State s, const ApiError &error);
    void setState(ConnectionState s, const QString &detail);
    void attachSubscription(Subscription *subscription);
    void forgetSubscription(Subscription *subscription);
    bool isWorkerRoot(QObject *root) const;

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
    KubeClient *m_actionClient = nullptr;
    QList<QPointer<Subscription>> m_subscriptions;
    // The browser's feeds: namespaces, pods and deployments of the namespace scope, the kind shown.
    InformerFeed *m_feeds[3] = {nullptr, nullptr, nullptr};
    InformerFeed *m_kindFeed = nullptr;
    bool m_readOnly = false;
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

template <class T>
Projection *KubeSession::project(const QList<WatchSpec> &inputs, std::function<T(const ProjectionInputs &)> compute,
                                 QObject *receiver, std::function<void(const T &)> deliver)
{
    auto *p = new Projection(this, inputs, [compute = std::move(compute)](const ProjectionInputs &in) -> std::shared_ptr<const void> {
        return std::make_shared<const T>(compute(in));
    }, receiver);
    QObject::connect(p, &Projection::valueReady, receiver, [deliver = std::move(deliver)](const std::shared_ptr<const void> &value) {
        deliver(*static_cast<const T *>(value.get()));
    });
    attachSubscription(p);
    return p;
}

}  // namespace pilothouse::backends::kube
