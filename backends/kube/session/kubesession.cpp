// The session's worker thread and the connection state derived from its informers.
#include "kube/session/kubesession.h"

#include <QMetaObject>

namespace pilothouse::backends::kube {

struct KubeSession::Worker {
    QObject *root = nullptr;  // parent of client and informers, lives on the worker thread
    KubeClient *client = nullptr;
    Informer *informers[3] = {nullptr, nullptr, nullptr};  // namespaces, pods, deployments
    Informer *kind = nullptr;                              // the kind shown in the generic table
};

QString describeError(const ApiError &error)
{
    if (!error.isError())
        return {};
    QString msg = error.message;
    switch (error.kind) {
    case ErrorKind::Unauthorized:
        return QStringLiteral("Unauthorized (401): the cluster did not accept the context's credentials. %1").arg(msg).trimmed();
    case ErrorKind::Forbidden:
        return QStringLiteral("Forbidden (403): %1").arg(msg);
    case ErrorKind::Tls:
        return QStringLiteral("TLS: %1").arg(msg);
    case ErrorKind::Network:
        return QStringLiteral("Unreachable: %1").arg(msg);
    default:
        return msg;
    }
}

KubeSession::KubeSession(http::HttpEngine *engine, std::shared_ptr<ExecApprovalStore> approvals, QObject *parent)
    : QObject(parent), m_engine(engine), m_approvals(std::move(approvals))
{
    qRegisterMetaType<ObjectList>();
    qRegisterMetaType<ChangeBatch>();
    qRegisterMetaType<ApiError>();
    qRegisterMetaType<QList<ResourceRef>>();
    qRegisterMetaType<QList<TableColumn>>();
    qRegisterMetaType<KindRegistry>();
    m_thread.setObjectName(QStringLiteral("kube-session"));
    m_thread.start();
}

KubeSession::~KubeSession()
{
    stopWorker();
    m_thread.quit();
    m_thread.wait();
}

void KubeSession::setState(ConnectionState s, const QString &detail)
{
    if (s == m_state && detail == m_stateDetail)
        return;
    m_state = s;
    m_stateDetail = detail;
    if (s == ConnectionState::Live)
        m_everLive = true;
    Q_EMIT connectionStateChanged(s, detail);
}

void KubeSession::connectTo(const Kubeconfig &config, const QString &contextName)
{
    stopWorker();
    m_everLive = false;
    Result<ResolvedContext> resolved = config.resolve(contextName);
    m_contextName = contextName.isEmpty() ? config.currentContext() : contextName;
    if (!resolved.ok()) {
        setState(ConnectionState::Error, resolved.error().message);
        return;
    }
    m_resolved = resolved.value();
    m_ns.clear();
    m_credentials = std::make_shared<CredentialProvider>(m_resolved, m_approvals);
    if (m_credentials->needsApproval()) {
        const ExecConfig exec = *m_credentials->execConfig();
        setState(ConnectionState::Error, QStringLiteral("The exec credential plugin of context %1 waits for your approval").arg(m_contextName));
        QStringList parts{exec.command};
        parts += exec.args;
        Q_EMIT execApprovalRequired(parts.join(QLatin1Char(' ')), m_contextName);
        return;
    }
    startInformers();
}

void KubeSession::approveExec()
{
    if (!m_credentials || !m_credentials->execConfig())
        return;
    m_approvals->approve(*m_credentials->execConfig());
    startInformers();
}

void KubeSession::setNamespace(const QString &ns)
{
    if (ns == m_ns)
        return;
    m_ns = ns;
    if (m_worker)
        startInformers();
}

void KubeSession::disconnectFromCluster()
{
    stopWorker();
    setState(ConnectionState::Disconnected, {});
}

void KubeSession::fetchObject(const ResourceRef &resource, const QString &ns, const QString &name, QObject *receiver,
                              std::function<void(const KubeReply &)> done)
{
    if (!m_actionClient)
        return;
    m_actionClient->get(resource, resource.namespaced ? ns : QString(), name, receiver, std::move(done));
}

void KubeSession::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    if (m_actions)
        m_actions->setReadOnly(readOnly);
}

void KubeSession::stopWorker()
{
    ++m_epoch;
    m_kinds = KindRegistry::builtin();  // another context serves other kinds
    delete m_actions;
    m_actions = nullptr;
    delete m_actionClient;
    m_actionClient = nullptr;
    if (!m_worker)
        return;
    QObject *root = m_worker->root;
    // Informers and the client live on the worker thread: stop and delete them there.
    QMetaObject::invokeMethod(root, [root] {
        for (QObject *child : root->children())
            if (auto *inf = qobject_cast<Informer *>(child))
                inf->stop();
        delete root;
    }, Qt::BlockingQueuedConnection);
    m_worker.reset();
}

void KubeSession::startInformers()
{
    stopWorker();
    setState(m_everLive ? ConnectionState::Reconnecting : ConnectionState::Connecting, m_resolved.server);
    for (auto &s : m_informerStates)
        s = Informer::State::Listing;
    auditLog();
    m_actionClient = new KubeClient(m_engine, m_resolved, m_credentials, this);
    m_actions = new actions::ActionFacade(m_actionClient, m_audit.get(), m_contextName,
                                          m_resolved.user.name.isEmpty() ? m_contextName : m_resolved.user.name, this);
    m_actions->setReadOnly(m_readOnly);
    m_worker = std::make_unique<Worker>();
    auto *root = new QObject;
    root->moveToThread(&m_thread);
    m_worker->root = root;
    const quint64 epoch = m_epoch;
    http::HttpEngine *engine = m_engine;
    ResolvedContext ctx = m_resolved;
    auto creds = m_credentials;
    QString ns = m_ns;
    Worker *w = m_worker.get();
    QMetaObject::invokeMethod(root, [=, this] {
        w->client = new KubeClient(engine, ctx, creds, root);
        const ResourceRef refs[3] = {ResourceRef::namespaces(), ResourceRef::pods(), ResourceRef::deployments()};
        for (int i = 0; i < 3; ++i) {
            auto *inf = new Informer(w->client, refs[i], i == 0 ? QString() : ns, root);
            w->informers[i] = inf;
            connect(inf, &Informer::stateChanged, this, [this, i, epoch](Informer::State s, const ApiError &e) {
                if (epoch == m_epoch)
                    onInformerState(i, s, e);
            }, Qt::QueuedConnection);
            auto forwardSync = [this, i, epoch](const ObjectList &all) {
                if (epoch != m_epoch)
                    return;
                if (i == 0) Q_EMIT namespacesSynced(all);
                else if (i == 1) Q_EMIT podsSynced(all);
                else Q_EMIT deploymentsSynced(all);
            };
            auto forwardChange = [this, i, epoch](const ChangeBatch &b) {
                if (epoch != m_epoch)
                    return;
                if (i == 0) Q_EMIT namespacesChanged(b);
                else if (i == 1) Q_EMIT podsChanged(b);
                else Q_EMIT deploymentsChanged(b);
            };
            connect(inf, &Informer::synced, this, forwardSync, Qt::QueuedConnection);
            connect(inf, &Informer::changed, this, forwardChange, Qt::QueuedConnection);
            inf->start();
        }
        // Which kinds exist (core, groups, CRDs) decides what the sidebar offers.
        discover(w->client, root, [this, epoch](const Result<DiscoveryResult> &result) {
            if (!result.ok())
                return;
            QList<ResourceRef> refs;
            for (const auto &r : result.value().resources)
                if (r.verbs.contains(QStringLiteral("list")) && r.verbs.contains(QStringLiteral("watch")))
                    refs.append(r.ref);
            KindRegistry kinds = KindRegistry::builtin();
            kinds.applyDiscovery(result.value());
            QMetaObject::invokeMethod(this, [this, epoch, refs, kinds] {
                if (epoch != m_epoch)
                    return;
                m_kinds = kinds;
                Q_EMIT resourcesDiscovered(refs);
                Q_EMIT kindsDiscovered(m_kinds);
            }, Qt::QueuedConnection);
        });
    }, Qt::QueuedConnection);
    if (!m_kind.plural.isEmpty())
        startKindInformer();
}

void KubeSession::watchKind(const ResourceRef &resource)
{
    m_kind = resource;
    if (m_worker)
        startKindInformer();
}

void KubeSession::startKindInformer()
{
    const quint64 kindEpoch = ++m_kindEpoch;
    const quint64 epoch = m_epoch;
    Worker *w = m_worker.get();
    QObject *root = w->root;
    const ResourceRef ref = m_kind;
    const QString ns = ref.namespaced ? m_ns : QString();
    QMetaObject::invokeMethod(root, [=, this] {
        if (w->kind) {
            w->kind->stop();
            w->kind->deleteLater();
            w->kind = nullptr;
        }
        if (ref.plural.isEmpty() || !w->client)
            return;
        auto *inf = new Informer(w->client, ref, ns, root);
        inf->setTableMode(true);
        w->kind = inf;
        auto current = [this, epoch, kindEpoch] { return epoch == m_epoch && kindEpoch == m_kindEpoch; };
        connect(inf, &Informer::columnsChanged, this, [this, current, namespaced = ref.namespaced](const QList<TableColumn> &cols) {
            if (current())
                Q_EMIT kindColumnsChanged(cols, namespaced);
        }, Qt::QueuedConnection);
        connect(inf, &Informer::synced, this, [this, current](const ObjectList &all) {
            if (current())
                Q_EMIT kindSynced(all);
        }, Qt::QueuedConnection);
        connect(inf, &Informer::changed, this, [this, current](const ChangeBatch &b) {
            if (current())
                Q_EMIT kindChanged(b);
        }, Qt::QueuedConnection);
        inf->start();
    }, Qt::QueuedConnection);
}

void KubeSession::onInformerState(int which, Informer::State s, const ApiError &error)
{
    m_informerStates[which] = s;
    if (s == Informer::State::Failed) {
        setState(ConnectionState::Error, describeError(error));
        return;
    }
    bool allWatching = true, anyBackoff = false;
    for (auto st : m_informerStates) {
        allWatching = allWatching && st == Informer::State::Watching;
        anyBackoff = anyBackoff || st == Informer::State::Backoff;
    }
    if (allWatching)
        setState(ConnectionState::Live, m_resolved.server);
    else if (anyBackoff && error.isError())
        setState(m_everLive ? ConnectionState::Reconnecting : ConnectionState::Error, describeError(error));
    else if (s == Informer::State::Listing)
        setState(m_everLive ? ConnectionState::Reconnecting : ConnectionState::Connecting, m_resolved.server);
}

actions::AuditLog *KubeSession::auditLog()
{
    if (!m_audit)
        m_audit = std::make_shared<actions::AuditLog>(actions::AuditLog::defaultPath());
    return m_audit.get();
}

}  // namespace pilothouse::backends::kube
