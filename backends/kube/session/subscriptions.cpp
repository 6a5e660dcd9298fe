// Feeds and projections over the session's shared informers.
#include "kube/session/subscriptions.h"

#include <algorithm>
#include <utility>

#include "kube/session/kubesession.h"

#include <QElapsedTimer>
#include <QThread>

namespace pilothouse::backends::kube {

namespace {

// A projection's worker half: recomputes the value after its inputs change, coalesced.
class ProjectionNode : public SubscriptionNode {
public:
    ProjectionNode(SharedInformerFactory *factory, QList<WatchSpec> specs, quint64 generation, Projection::Compute compute,
                   int coalesceMs)
        : SubscriptionNode(factory, std::move(specs), generation), m_compute(std::move(compute))
    {
        m_timer.setSingleShot(true);
        m_timer.setTimerType(Qt::PreciseTimer);
        m_intervalMs = coalesceMs;
        connect(&m_timer, &QTimer::timeout, this, &ProjectionNode::computeNow);
    }

    void computeNow()
    {
        m_sinceCompute.start();
        ProjectionInputs inputs;
        inputs.reserve(m_specs.size());
        for (int i = 0; i < m_specs.size(); ++i) {
            Informer *inf = m_informers.value(i);
            if (!inf)
                return;
            // A value from inputs still listing would show an empty world for a moment (the
            // list of rollouts emptied on a focus change): wait for their lists, or their errors.
            if (!inf->hasSynced() && inf->state() != Informer::State::Backoff && inf->state() != Informer::State::Failed)
                return;
            ProjectionInput in;
            in.spec = m_specs[i];
            in.objects = &inf->store();
            in.synced = inf->hasSynced();
            in.state = inf->state();
            in.error = m_errors.value(i);
            inputs << in;
        }
        Q_EMIT valueReady(m_generation, m_compute(inputs));
    }

    void setInterval(int ms) { m_intervalMs = ms; }

    // A throttle, not a debounce: a change after a quiet stretch is computed at once (in the next
    // turn of the worker's loop, which gathers what arrived with it); under a stream of changes
    // values are computed at most once per interval.
    void schedule()
    {
        if (m_timer.isActive())
            return;
        const qint64 since = m_sinceCompute.isValid() ? m_sinceCompute.elapsed() : m_intervalMs;
        m_timer.start(static_cast<int>(std::clamp<qint64>(m_intervalMs - since, 0, m_intervalMs)));
    }

protected:
    void onInformerStarted(int index) override
    {
        // The store, not the batch: a value follows a change without the informer's batching delay.
        connect(m_informers[index], &Informer::storeChanged, this, &ProjectionNode::schedule);
        schedule();
    }
    void onSynced(int, Informer *) override { schedule(); }
    void onState(int index, Informer::State state, const ApiError &error) override
    {
        SubscriptionNode::onState(index, state, error);
        schedule();
    }

private:
    Projection::Compute m_compute;
    QTimer m_timer{this};
    QElapsedTimer m_sinceCompute;  // since the last computation (started or not)
    int m_intervalMs = 100;
};

}  // namespace

// --- Subscription (GUI thread) ---

Subscription::Subscription(KubeSession *session, QObject *parent) : QObject(parent), m_session(session) {}

Subscription::~Subscription()
{
    detach();
    if (m_session)
        m_session->forgetSubscription(this);
}

void Subscription::attach(SharedInformerFactory *factory, QObject *workerRoot)
{
    // The old node (if any) goes after the new one has taken its informers, so an input that
    // stays keeps its informer instead of being stopped and listed again.
    QPointer<SubscriptionNode> old = (m_node && m_session && m_session->isWorkerRoot(m_workerRoot) && m_workerRoot == workerRoot)
                                         ? m_node
                                         : QPointer<SubscriptionNode>();
    if (old)
        m_node = nullptr;  // detach() must not queue its delete before the new node starts
    detach();
    m_factory = factory;
    m_workerRoot = workerRoot;
    SubscriptionNode *node = makeNode(factory, ++m_generation);
    node->moveToThread(workerRoot->thread());
    m_node = node;
    QMetaObject::invokeMethod(workerRoot, [node, workerRoot, old] {
        node->setParent(workerRoot);
        node->start();
        if (old)
            delete old.data();
    }, Qt::QueuedConnection);
}

void Subscription::detach()
{
    ++m_generation;  // whatever the old node had queued is stale now
    if (m_node && m_workerRoot && m_session && m_session->isWorkerRoot(m_workerRoot)) {
        // Released and deleted on the worker, where its informers live.
        QMetaObject::invokeMethod(m_workerRoot, [node = m_node] {
            if (node)
                delete node.data();
        }, Qt::QueuedConnection);
    }
    const bool was = m_node != nullptr;
    m_node = nullptr;
    m_workerRoot = nullptr;
    m_factory = nullptr;
    if (was)
        onDetached();
}

void Subscription::reattach()
{
    if (m_session)
        m_session->attachSubscription(this);
}

// --- InformerFeed ---

InformerFeed::InformerFeed(KubeSession *session, WatchSpec spec, QObject *parent) : Subscription(session, parent), m_spec(std::move(spec)) {}

SubscriptionNode *InformerFeed::makeNode(SharedInformerFactory *factory, quint64 gen)
{
    auto *node = new SubscriptionNode(factory, {m_spec}, gen);
    connect(node, &SubscriptionNode::synced, this, [this](quint64 g, const ObjectList &all) {
        if (g != generation())
            return;
        m_synced = true;
        Q_EMIT synced(all);
    });
    connect(node, &SubscriptionNode::changed, this, [this](quint64 g, const ChangeBatch &batch) {
        if (g == generation())
            Q_EMIT changed(batch);
    });
    connect(node, &SubscriptionNode::columnsChanged, this, [this](quint64 g, const QList<TableColumn> &columns) {
        if (g == generation())
            Q_EMIT columnsChanged(columns);
    });
    connect(node, &SubscriptionNode::listProgress, this, [this](quint64 g, int received, int total) {
        if (g == generation())
            Q_EMIT listProgress(received, total);
    });
    connect(node, &SubscriptionNode::stateChanged, this, [this](quint64 g, Informer::State s, const ApiError &e) {
        if (g != generation())
            return;
        m_state = s;
        m_error = e;
        Q_EMIT stateChanged(s, e);
    });
    return node;
}

void InformerFeed::onDetached()
{
    m_synced = false;
    m_state = Informer::State::Idle;
    m_error = {};
    Q_EMIT stateChanged(m_state, m_error);
}

// --- Projection ---

Projection::Projection(KubeSession *session, QList<WatchSpec> inputs, Compute compute, QObject *parent)
    : Subscription(session, parent), m_inputs(std::move(inputs)), m_compute(std::move(compute))
{
}

void Projection::setInputs(const QList<WatchSpec> &inputs)
{
    if (inputs == m_inputs)
        return;
    m_inputs = inputs;
    reattach();
}

void Projection::setCoalesceInterval(int ms)
{
    m_coalesceMs = ms;
    if (SubscriptionNode *node = this->node())
        QMetaObject::invokeMethod(node, [node, ms] { static_cast<ProjectionNode *>(node)->setInterval(ms); }, Qt::QueuedConnection);
}

void Projection::recompute()
{
    if (!isAttached())
        return;
    SubscriptionNode *node = this->node();
    QMetaObject::invokeMethod(node, [node] { static_cast<ProjectionNode *>(node)->schedule(); }, Qt::QueuedConnection);
}

SubscriptionNode *Projection::makeNode(SharedInformerFactory *factory, quint64 gen)
{
    auto *node = new ProjectionNode(factory, m_inputs, gen, m_compute, m_coalesceMs);
    // Only the newest value is delivered: when the receiver is slower than the worker, values
    // queued behind one another replace each other instead of being applied one by one (a busy
    // namespace piled up Rollouts snapshots for minutes, bench/bench_busy).
    auto pending = std::make_shared<std::shared_ptr<const void>>();
    connect(node, &SubscriptionNode::valueReady, this, [this, pending](quint64 g, const std::shared_ptr<const void> &value) {
        if (g != generation())
            return;
        const bool scheduled = *pending != nullptr;
        *pending = value;
        if (scheduled)
            return;
        QMetaObject::invokeMethod(this, [this, pending, g] {
            const std::shared_ptr<const void> newest = std::exchange(*pending, nullptr);
            if (newest && g == generation())
                Q_EMIT valueReady(newest);
        }, Qt::QueuedConnection);
    });
    return node;
}

// --- SubscriptionNode (worker thread) ---

SubscriptionNode::SubscriptionNode(SharedInformerFactory *factory, QList<WatchSpec> specs, quint64 generation)
    : m_factory(factory), m_specs(std::move(specs)), m_generation(generation)
{
}

SubscriptionNode::~SubscriptionNode()
{
    for (int i = 0; i < m_informers.size(); ++i) {
        disconnect(m_informers[i], nullptr, this, nullptr);
        m_factory->release(m_specs[i]);
    }
}

void SubscriptionNode::start()
{
    for (int i = 0; i < m_specs.size(); ++i) {
        Informer *inf = m_factory->acquire(m_specs[i]);
        // Joining a running informer: what it batched so far goes to those already watching, and
        // this node starts from its store, as it would from a fresh list.
        if (inf->hasSynced())
            inf->flush();
        m_informers << inf;
        m_errors << ApiError{};
        connect(inf, &Informer::synced, this, [this, i, inf](const ObjectList &all) {
            Q_EMIT synced(m_generation, all);
            onSynced(i, inf);
        });
        connect(inf, &Informer::changed, this, [this, i](const ChangeBatch &batch) {
            Q_EMIT changed(m_generation, batch);
            onChanged(i, batch);
        });
        connect(inf, &Informer::columnsChanged, this, [this](const QList<TableColumn> &columns) {
            Q_EMIT columnsChanged(m_generation, columns);
        });
        connect(inf, &Informer::stateChanged, this, [this, i](Informer::State s, const ApiError &e) { onState(i, s, e); });
        connect(inf, &Informer::listProgress, this, [this](int received, int total) { Q_EMIT listProgress(m_generation, received, total); });
        // A late joiner learns why a running informer is backing off or failed, as the first did.
        if (inf->lastError().isError() && i < m_errors.size())
            m_errors[i] = inf->lastError();
        Q_EMIT stateChanged(m_generation, inf->state(), inf->lastError());
        if (inf->hasSynced()) {
            if (m_specs[i].table)
                Q_EMIT columnsChanged(m_generation, inf->columns());
            Q_EMIT synced(m_generation, inf->snapshot());
        }
        onInformerStarted(i);
    }
}

void SubscriptionNode::onSynced(int, Informer *) {}
void SubscriptionNode::onChanged(int, const ChangeBatch &) {}

void SubscriptionNode::onState(int index, Informer::State state, const ApiError &error)
{
    if (index < m_errors.size())
        m_errors[index] = error;
    Q_EMIT stateChanged(m_generation, state, error);
}

}  // namespace pilothouse::backends::kube
