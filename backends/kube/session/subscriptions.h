// What views hold to watch the cluster: a feed of one shared informer (its content, then its
// change batches), or a projection — a value derived on the session's worker from one or more
// shared informers, recomputed once per burst of changes and delivered as a snapshot. Both live on
// the GUI thread; the informers, the parsing and the derivation stay on the worker. A subscription
// survives reconnects and context switches: the session attaches it to each new worker.
#pragma once

#include "kube/cache/informer.h"
#include "kube/cache/sharedinformerfactory.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>

namespace pilothouse::backends::kube {

class KubeSession;
class SubscriptionNode;

// One input of a projection as the derivation sees it (on the worker).
struct ProjectionInput {
    WatchSpec spec;
    const QHash<QString, KubeObjectPtr> *objects = nullptr;  // never null during compute
    bool synced = false;                                     // listed at least once
    Informer::State state = Informer::State::Idle;
    ApiError error;                                          // the last error of a Backoff/Failed state
};
using ProjectionInputs = QList<ProjectionInput>;

class Subscription : public QObject {
    Q_OBJECT

public:
    ~Subscription() override;
    // The connection this subscription follows is gone (context switch) or not yet there.
    bool isAttached() const { return m_node != nullptr; }

protected:
    explicit Subscription(KubeSession *session, QObject *parent);
    // Makes the worker-side half (called on the GUI thread; the node is moved to the worker).
    virtual SubscriptionNode *makeNode(SharedInformerFactory *factory, quint64 generation) = 0;
    virtual void onDetached() {}
    // Detaches and attaches again (after the inputs changed).
    void reattach();
    quint64 generation() const { return m_generation; }
    SubscriptionNode *node() const { return m_node; }

private:
    friend class KubeSession;
    void attach(SharedInformerFactory *factory, QObject *workerRoot);
    void detach();

    QPointer<KubeSession> m_session;
    QPointer<SubscriptionNode> m_node;
    QObject *m_workerRoot = nullptr;
    SharedInformerFactory *m_factory = nullptr;
    quint64 m_generation = 0;
};

// One shared informer delivered as synced(all) — at once when it had listed already — then
// changed(batch), the same stream an informer gives, for incremental table models.
class InformerFeed : public Subscription {
    Q_OBJECT

public:
    WatchSpec spec() const { return m_spec; }
    bool isSynced() const { return m_synced; }
    Informer::State state() const { return m_state; }
    ApiError lastError() const { return m_error; }

Q_SIGNALS:
    void synced(const pilothouse::backends::kube::ObjectList &objects);
    void changed(const pilothouse::backends::kube::ChangeBatch &batch);
    void columnsChanged(const QList<pilothouse::backends::kube::TableColumn> &columns);
    void stateChanged(pilothouse::backends::kube::Informer::State state, const pilothouse::backends::ApiError &error);
    // A list in progress: objects received so far, and the total the server announced (-1: unknown).
    void listProgress(int received, int total);

private:
    friend class KubeSession;
    InformerFeed(KubeSession *session, WatchSpec spec, QObject *parent);
    SubscriptionNode *makeNode(SharedInformerFactory *factory, quint64 generation) override;
    void onDetached() override;

    WatchSpec m_spec;
    bool m_synced = false;
    Informer::State m_state = Informer::State::Idle;
    ApiError m_error;
};

// A value derived on the worker. `compute` runs there after the inputs changed: at once after a
// quiet stretch, at most once per coalescing interval while changes keep coming;
// it may keep caches in what it captures (it is only ever called from one thread at a time).
// The receiver gets the value through KubeSession::project's `deliver`.
class Projection : public Subscription {
    Q_OBJECT

public:
    using Compute = std::function<std::shared_ptr<const void>(const ProjectionInputs &)>;

    QList<WatchSpec> inputs() const { return m_inputs; }
    // Watches other inputs (a new focus namespace, another selector); the value is computed
    // again once they have listed.
    void setInputs(const QList<WatchSpec> &inputs);
    // The least time between two computations (default 100 ms): changes that arrive meanwhile
    // are gathered into the next one.
    void setCoalesceInterval(int ms);
    // Runs compute once more now (after something outside the inputs changed, such as a clock).
    void recompute();

Q_SIGNALS:
    void valueReady(const std::shared_ptr<const void> &value);
    // The connection went away (a context switch, a reconnect): the last value is stale until the
    // next one arrives.
    void detached();

private:
    friend class KubeSession;
    Projection(KubeSession *session, QList<WatchSpec> inputs, Compute compute, QObject *parent);
    SubscriptionNode *makeNode(SharedInformerFactory *factory, quint64 generation) override;
    void onDetached() override { Q_EMIT detached(); }

    QList<WatchSpec> m_inputs;
    Compute m_compute;
    int m_coalesceMs = 100;
};

// The worker-side half of a subscription (internal).
class SubscriptionNode : public QObject {
    Q_OBJECT

public:
    SubscriptionNode(SharedInformerFactory *factory, QList<WatchSpec> specs, quint64 generation);
    ~SubscriptionNode() override;
    // On the worker: acquires the informers and starts delivering.
    void start();

Q_SIGNALS:
    void synced(quint64 generation, const pilothouse::backends::kube::ObjectList &objects);
    void changed(quint64 generation, const pilothouse::backends::kube::ChangeBatch &batch);
    void columnsChanged(quint64 generation, const QList<pilothouse::backends::kube::TableColumn> &columns);
    void stateChanged(quint64 generation, pilothouse::backends::kube::Informer::State state, const pilothouse::backends::ApiError &error);
    void listProgress(quint64 generation, int received, int total);
    void valueReady(quint64 generation, const std::shared_ptr<const void> &value);

protected:
    virtual void onInformerStarted(int) {}
    virtual void onSynced(int index, Informer *informer);
    virtual void onChanged(int index, const ChangeBatch &batch);
    virtual void onState(int index, Informer::State state, const ApiError &error);

    SharedInformerFactory *m_factory;
    QList<WatchSpec> m_specs;
    QList<Informer *> m_informers;
    QList<ApiError> m_errors;
    quint64 m_generation;
};

}  // namespace pilothouse::backends::kube

Q_DECLARE_METATYPE(std::shared_ptr<const void>)
