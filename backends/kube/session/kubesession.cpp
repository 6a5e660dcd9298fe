// The session's worker thread and the connection state derived from its informers.
#include "kube/session/kubesession.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>

namespace pilothouse::backends::kube {

struct KubeSession::Worker {
    QObject *root = nullptr;                    // lives on the worker thread; parent of what runs there
    KubeClient *client = nullptr;               // the worker's REST client
    SharedInformerFactory *factory = nullptr;   // every informer of the session
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
    if (m_worker) {
        startBrowserFeeds();
        if (m_kind.namespaced)
            startKindInformer();
    }
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
    if (readOnly == m_readOnly)
        return;
    m_readOnly = readOnly;
    Q_EMIT readOnlyChanged(readOnly);
}

bool KubeSession::isWorkerRoot(QObject *root) const
{
    return m_worker && m_worker->root == root;
}

InformerFeed *KubeSession::feed(const WatchSpec &spec, QObject *parent)
{
    auto *f = new InformerFeed(this, spec, parent);
    attachSubscription(f);
    return f;
}

void KubeSession::attachSubscription(Subscription *subscription)
{
    if (!m_subscriptions.contains(subscription))
        m_subscriptions.append(subscription);
    if (m_worker)
        subscription->attach(m_worker->factory, m_worker->root);
    else
        subscription->detach();
}

void KubeSession::forgetSubscription(Subscription *subscription)
{
    m_subscriptions.removeAll(subscription);
    m_subscriptions.removeAll(nullptr);
}

void KubeSession::countObjects(const QList<ResourceRef> &kinds, const QString &ns, QObject *receiver,
                               std::function<void(const ResourceRef &, int)> done)
{
    if (!m_worker || kinds.isEmpty())
        return;
    QPointer<QObject> guard(receiver);
    const quint64 epoch = m_epoch;
    QObject *root = m_worker->root;
    KubeClient *client = m_worker->client;
    QMetaObject::invokeMethod(root, [this, root, client, kinds, ns, guard, done, epoch] {
        for (const ResourceRef &kind : kinds) {
            client->list(kind, kind.namespaced ? ns : QString(), QStringLiteral("limit=1"), root,
                         [this, kind, guard, done, epoch](const KubeReply &reply) {
                int count = -1;
                if (reply.ok()) {
                    // One object at most: parsed here, on the worker.
                    const QJsonObject list = QJsonDocument::fromJson(reply.body).object();
                    const QJsonObject meta = list.value(QLatin1String("metadata")).toObject();
                    const int items = static_cast<int>(list.value(QLatin1String("items")).toArray().size());
                    if (meta.contains(QLatin1String("remainingItemCount")))
                        count = items + meta.value(QLatin1String("remainingItemCount")).toInt();
                    else if (meta.value(QLatin1String("continue")).toString().isEmpty())
                        count = items;
                }
                QMetaObject::invokeMethod(this, [this, kind, count, guard, done, epoch] {
                    if (guard && epoch == m_epoch)
                        done(kind, count);
                }, Qt::QueuedConnection);
            });
        }
    }, Qt::QueuedConnection);
}

void KubeSession::countInformers(QObject *receiver, std::function<void(int, QList<WatchSpec>)> done)
{
    QPointer<QObject> guard(receiver);
    auto answer = [guard, done](int count, const QList<WatchSpec> &specs) {
        if (guard)  // checked on the GUI thread, where the receiver lives
            done(count, specs);
    };
    if (!m_worker) {
        QMetaObject::invokeMethod(this, [answer] { answer(0, {}); }, Qt::QueuedConnection);
        return;
    }
    SharedInformerFactory *factory = m_worker->factory;
    // Answered through the session, which outlives the worker's queue (stopWorker drains it).
    QMetaObject::invokeMethod(m_worker->root, [this, factory, answer] {
        const int count = factory->informerCount();
        const QList<WatchSpec> specs = factory->active();
        QMetaObject::invokeMethod(this, [answer, count, specs] { answer(count, specs); }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
}

void KubeSession::stopWorker()
{
    ++m_epoch;
    m_kinds = KindRegistry::builtin();  // another context serves other kinds
    // Taken first: whatever runs below (signal handlers) sees no worker to attach to.
    std::unique_ptr<Worker> worker = std::move(m_worker);
    // Subscriptions let go of the old worker's informers; they attach again to the next one.
    const auto subscriptions = m_subscriptions;
    for (const QPointer<Subscription> &s : subscriptions)
        if (s)
            s->detach();
    if (KubeClient *old = std::exchange(m_actionClient, nullptr)) {
        Q_EMIT clientChanged(nullptr);
        delete old;
    }
    if (!worker)
        return;
    QObject *root = worker->root;
    // Informers and the client live on the worker thread: stop and delete them there, the
    // subscriptions' nodes before the factory whose informers they release.
    QMetaObject::invokeMethod(root, [root] {
        qDeleteAll(root->findChildren<SubscriptionNode *>(QString(), Qt::FindDirectChildrenOnly));
        delete root;
    }, Qt::BlockingQueuedConnection);
}

void KubeSession::startInformers()
{
    stopWorker();
    setState(m_everLive ? ConnectionState::Reconnecting : ConnectionState::Connecting, m_resolved.server);
    for (auto &s : m_informerStates)
        s = Informer::State::Listing;
    m_actionClient = new KubeClient(m_engine, m_resolved, m_credentials, this);
    m_worker = std::make_unique<Worker>();
    // Made here, then handed to the worker: the GUI thread never waits for it.
    auto *root = new QObject;
    auto *client = new KubeClient(m_engine, m_resolved, m_credentials);
    auto *factory = new SharedInformerFactory(client);
    for (QObject *o : {root, static_cast<QObject *>(client), static_cast<QObject *>(factory)})
        o->moveToThread(&m_thread);
    QMetaObject::invokeMethod(root, [root, client, factory] {
        // Children are deleted in this order: the factory's informers before the client they use.
        factory->setParent(root);
        client->setParent(root);
    }, Qt::QueuedConnection);
    m_worker->root = root;
    m_worker->client = client;
    m_worker->factory = factory;
    Q_EMIT clientChanged(m_actionClient);

    const quint64 epoch = m_epoch;
    const auto subscriptions = m_subscriptions;
    for (const QPointer<Subscription> &s : subscriptions)
        if (s && !isBrowserFeed(s))
            s->attach(factory, root);
    startBrowserFeeds();
    // Which kinds exist (core, groups, CRDs) decides what the sidebar offers.
    QMetaObject::invokeMethod(root, [this, root, client, epoch] {
        discover(client, root, [this, epoch](const Result<DiscoveryResult> &result) {
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

bool KubeSession::isBrowserFeed(const Subscription *s) const
{
    return s == m_kindFeed || s == m_feeds[0] || s == m_feeds[1] || s == m_feeds[2];
}

void KubeSession::startBrowserFeeds()
{
    const WatchSpec specs[3] = {{ResourceRef::namespaces(), {}, {}, false},
                                // Summaries only: at 100,000 pods the JSON would be most of the
                                // memory; the detail pane and menus read the object they need.
                                {ResourceRef::pods(), m_ns, {}, false, true},
                                {ResourceRef::deployments(), m_ns, {}, false}};
    for (int i = 0; i < 3; ++i) {
        if (m_feeds[i] && m_feeds[i]->spec() == specs[i] && m_feeds[i]->isAttached())
            continue;
        delete m_feeds[i];
        m_informerStates[i] = Informer::State::Listing;
        auto *f = new InformerFeed(this, specs[i], this);
        m_feeds[i] = f;
        connect(f, &InformerFeed::stateChanged, this, [this, i](Informer::State s, const ApiError &e) {
            if (m_worker && s != Informer::State::Idle)
                onInformerState(i, s, e);
        });
        connect(f, &InformerFeed::listProgress, this, [this, i](int received, int total) {
            Q_EMIT listProgress(m_feeds[i]->spec().resource.plural, received, total);
        });
        connect(f, &InformerFeed::synced, this, [this, i](const ObjectList &all) {
            Q_EMIT listProgress(m_feeds[i]->spec().resource.plural, static_cast<int>(all.size()), static_cast<int>(all.size()));
            if (i == 0) Q_EMIT namespacesSynced(all);
            else if (i == 1) Q_EMIT podsSynced(all);
            else Q_EMIT deploymentsSynced(all);
        });
        connect(f, &InformerFeed::changed, this, [this, i](const ChangeBatch &b) {
            if (i == 0) Q_EMIT namespacesChanged(b);
            else if (i == 1) Q_EMIT podsChanged(b);
            else Q_EMIT deploymentsChanged(b);
        });
        attachSubscription(f);
    }
}

void KubeSession::watchKind(const ResourceRef &resource)
{
    m_kind = resource;
    if (m_worker)
        startKindInformer();
}

void KubeSession::startKindInformer()
{
    delete m_kindFeed;
    m_kindFeed = nullptr;
    if (m_kind.plural.isEmpty())
        return;
    const bool namespaced = m_kind.namespaced;
    auto *f = new InformerFeed(this, WatchSpec{m_kind, namespaced ? m_ns : QString(), {}, true}, this);
    m_kindFeed = f;
    connect(f, &InformerFeed::columnsChanged, this, [this, namespaced](const QList<TableColumn> &cols) {
        Q_EMIT kindColumnsChanged(cols, namespaced);
    });
    connect(f, &InformerFeed::listProgress, this, [this, f](int received, int total) {
        Q_EMIT listProgress(f->spec().resource.plural, received, total);
    });
    connect(f, &InformerFeed::synced, this, [this, f](const ObjectList &all) {
        Q_EMIT listProgress(f->spec().resource.plural, static_cast<int>(all.size()), static_cast<int>(all.size()));
        Q_EMIT kindSynced(all);
    });
    connect(f, &InformerFeed::changed, this, &KubeSession::kindChanged);
    attachSubscription(f);
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
    else if (s == Informer::State::Listing && !m_everLive)
        setState(ConnectionState::Connecting, m_resolved.server);
}


}  // namespace pilothouse::backends::kube
