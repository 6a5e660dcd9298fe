// The workload merger: a namespace-scoped pod informer filtered by labels here, one LogStream
// per started container.
#include "workloads/logs/workloadlogs.h"

#include "kube/api/resourceref.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pilothouse::backends::workloads {

using kube::ChangeBatch;
using kube::Informer;
using kube::KubeClient;
using kube::KubeObjectPtr;
using kube::ObjectChange;
using kube::ObjectList;
using kube::ResourceRef;

WorkloadLogs::WorkloadLogs(KubeClient *client, QString ns, Labels matchLabels, QObject *parent)
    : QObject(parent), m_client(client), m_ns(std::move(ns)), m_selector(std::move(matchLabels))
{
    qRegisterMetaType<LogLines>();
    qRegisterMetaType<ObjectList>();
    qRegisterMetaType<ChangeBatch>();
    if (client) {
        connect(client, &KubeClient::aboutToBeDestroyed, this, [this] {
            // The informer's callbacks capture the client: it must go with it.
            dropInformer();
            m_podWatchState = Informer::State::Failed;
            m_podWatchDetail = QStringLiteral("disconnected: the cluster connection was closed or switched");
            Q_EMIT streamsChanged();
        });
    }
}

WorkloadLogs::~WorkloadLogs()
{
    // Streams first (they are children and would go anyway), then the informer while the
    // client, if it is still there, can cancel its watch.
    for (LogStream *s : std::as_const(m_streams))
        s->disconnect(this);
    qDeleteAll(m_streams);
    m_streams.clear();
    dropInformer();
}

bool WorkloadLogs::selectorMatches(const Labels &selector, const Labels &labels)
{
    if (selector.isEmpty())
        return false;
    for (auto it = selector.cbegin(); it != selector.cend(); ++it) {
        auto found = labels.constFind(it.key());
        if (found == labels.cend() || found.value() != it.value())
            return false;
    }
    return true;
}

WorkloadLogs::Labels WorkloadLogs::matchLabelsOf(const QByteArray &workloadJson)
{
    Labels out;
    const QJsonObject labels = QJsonDocument::fromJson(workloadJson)
                                   .object()
                                   .value(QLatin1String("spec"))
                                   .toObject()
                                   .value(QLatin1String("selector"))
                                   .toObject()
                                   .value(QLatin1String("matchLabels"))
                                   .toObject();
    for (auto it = labels.begin(); it != labels.end(); ++it)
        out.insert(it.key(), it.value().toString());
    return out;
}

QStringList WorkloadLogs::containersOf(const QByteArray &podJson)
{
    QStringList out;
    const QJsonArray containers =
        QJsonDocument::fromJson(podJson).object().value(QLatin1String("spec")).toObject().value(QLatin1String("containers")).toArray();
    for (const QJsonValue &c : containers)
        out << c.toObject().value(QLatin1String("name")).toString();
    return out;
}

void WorkloadLogs::setBackoff(int initialMs, int maxMs)
{
    m_backoffInitialMs = initialMs;
    m_backoffMaxMs = maxMs;
    if (m_informer)
        m_informer->setBackoff(initialMs, maxMs);
    for (LogStream *s : std::as_const(m_streams))
        s->setBackoff(initialMs, maxMs);
}

void WorkloadLogs::dropInformer()
{
    if (!m_informer)
        return;
    m_informer->disconnect(this);
    m_informer.reset();
}

void WorkloadLogs::start()
{
    if (m_running)
        return;
    m_running = true;
    if (!m_client) {
        m_podWatchState = Informer::State::Failed;
        m_podWatchDetail = QStringLiteral("disconnected: no cluster connection");
        Q_EMIT streamsChanged();
        return;
    }
    m_informer = std::make_unique<Informer>(m_client.data(), ResourceRef::pods(), m_ns);
    m_informer->setBackoff(m_backoffInitialMs, m_backoffMaxMs);
    connect(m_informer.get(), &Informer::synced, this, &WorkloadLogs::onSynced);
    connect(m_informer.get(), &Informer::changed, this, &WorkloadLogs::onChanged);
    connect(m_informer.get(), &Informer::stateChanged, this, [this](Informer::State s, const ApiError &e) {
        m_podWatchState = s;
        m_podWatchDetail = e.isError() ? e.message : QString();
        Q_EMIT streamsChanged();
    });
    m_informer->start();
}

void WorkloadLogs::stop()
{
    if (!m_running)
        return;
    m_running = false;
    dropInformer();
    const QStringList keys = m_streams.keys();
    for (const QString &key : keys)
        removeStream(key);
    m_pods.clear();
    m_synced = false;
    m_podWatchState = Informer::State::Idle;
    m_podWatchDetail.clear();
    emitPodsIfChanged();
    Q_EMIT streamsChanged();
}

QStringList WorkloadLogs::pods() const { return m_pods.keys(); }

QList<WorkloadLogs::StreamInfo> WorkloadLogs::streams() const
{
    QList<StreamInfo> out;
    for (const LogStream *s : m_streams)
        out.append({s->pod(), s->container(), s->state(), s->detail(), s->retryAtMsecs()});
    return out;
}

void WorkloadLogs::onSynced(const ObjectList &objects)
{
    QSet<QString> seen;
    for (const KubeObjectPtr &o : objects) {
        seen.insert(o->name);
        upsertPod(o);
    }
    // After a relist, pods we knew that are not in it went away while the watch was down.
    const QStringList known = m_pods.keys();
    for (const QString &pod : known)
        if (!seen.contains(pod))
            podGone(pod);
    m_synced = true;
    emitPodsIfChanged();
    Q_EMIT streamsChanged();
}

void WorkloadLogs::onChanged(const ChangeBatch &batch)
{
    for (const ObjectChange &c : batch) {
        if (c.type == ObjectChange::Type::Deleted)
            podGone(c.object->name);
        else
            upsertPod(c.object);
    }
    emitPodsIfChanged();
}

void WorkloadLogs::upsertPod(const KubeObjectPtr &obj)
{
    // The informer's compact form has no labels: read them from the object's JSON.
    const QJsonObject pod = QJsonDocument::fromJson(obj->json()).object();
    const QJsonObject meta = pod.value(QLatin1String("metadata")).toObject();
    Labels labels;
    const QJsonObject l = meta.value(QLatin1String("labels")).toObject();
    for (auto it = l.begin(); it != l.end(); ++it)
        labels.insert(it.key(), it.value().toString());
    if (!selectorMatches(m_selector, labels)) {
        // Also a pod whose labels were edited away from the workload (kubectl label --overwrite).
        if (m_pods.contains(obj->name))
            podGone(obj->name);
        return;
    }
    PodState state;
    state.deleting = obj->deleting;
    QHash<QString, bool> started;
    const QJsonArray statuses = pod.value(QLatin1String("status")).toObject().value(QLatin1String("containerStatuses")).toArray();
    for (const QJsonValue &v : statuses) {
        const QJsonObject cs = v.toObject();
        const QJsonObject st = cs.value(QLatin1String("state")).toObject();
        started.insert(cs.value(QLatin1String("name")).toString(),
                       st.contains(QLatin1String("running")) || st.contains(QLatin1String("terminated")));
    }
    // Spec order, so a pod's streams start (and list) in the order its author wrote them.
    const QJsonArray containers = pod.value(QLatin1String("spec")).toObject().value(QLatin1String("containers")).toArray();
    for (const QJsonValue &v : containers) {
        const QString name = v.toObject().value(QLatin1String("name")).toString();
        if (started.value(name))
            state.startedContainers.append(name);
    }
    m_pods.insert(obj->name, state);
    // A terminating pod keeps the streams it has (its last words matter) but gets no new ones.
    if (!state.deleting)
        for (const QString &c : std::as_const(state.startedContainers))
            ensureStream(obj->name, c);
}

void WorkloadLogs::podGone(const QString &pod)
{
    m_pods.remove(pod);
    const QString prefix = pod + QLatin1Char('/');
    const QStringList keys = m_streams.keys();
    for (const QString &key : keys) {
        if (!key.startsWith(prefix))
            continue;
        // An open stream still delivers the container's last lines; it ends (404) on its own
        // and goes then. One that waits for a retry has nothing left to read.
        const LogStream::State s = m_streams.value(key)->state();
        if (s != LogStream::State::Streaming && s != LogStream::State::Connecting)
            removeStream(key);
    }
    Q_EMIT streamsChanged();
}

void WorkloadLogs::ensureStream(const QString &pod, const QString &container)
{
    const QString key = pod + QLatin1Char('/') + container;
    if (m_streams.contains(key) || !m_client)
        return;
    auto *s = new LogStream(m_client.data(), m_ns, pod, container, this);
    s->setTailLines(m_tailLines);
    s->setBackoff(m_backoffInitialMs, m_backoffMaxMs);
    connect(s, &LogStream::linesReceived, this, &WorkloadLogs::linesReceived);
    connect(s, &LogStream::stateChanged, this, [this, key] { onStreamState(key); });
    m_streams.insert(key, s);
    s->start();
    Q_EMIT streamsChanged();
}

void WorkloadLogs::removeStream(const QString &key)
{
    LogStream *s = m_streams.take(key);
    if (!s)
        return;
    // Taken out of the map first: stop() flushes its last lines (still forwarded) and reports
    // Idle, which onStreamState ignores for a stream it no longer knows.
    s->stop();
    s->disconnect(this);
    s->deleteLater();
}

void WorkloadLogs::onStreamState(const QString &key)
{
    LogStream *s = m_streams.value(key);
    if (!s)
        return;
    const LogStream::State st = s->state();
    const bool podKnown = m_pods.contains(s->pod());
    if (!podKnown && st != LogStream::State::Streaming && st != LogStream::State::Connecting)
        removeStream(key);
    Q_EMIT streamsChanged();
}

void WorkloadLogs::emitPodsIfChanged()
{
    const QStringList now = m_pods.keys();
    if (now == m_lastPods)
        return;
    m_lastPods = now;
    Q_EMIT podsChanged(now);
}

}  // namespace pilothouse::backends::workloads
