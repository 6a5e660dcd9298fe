// The workload merger: the workload's pods from a shared informer (selected by the server, parsed
// on the session's worker), one LogStream per started container.
#include "workloads/logs/workloadlogs.h"

#include "kube/api/resourceref.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pilothouse::backends::workloads {

using kube::Informer;
using kube::KubeClient;
using kube::KubeObjectPtr;
using kube::ResourceRef;

WorkloadLogs::WorkloadLogs(kube::KubeSession *session, QString ns, Labels matchLabels, QObject *parent)
    : QObject(parent), m_session(session), m_client(session ? session->client() : nullptr), m_ns(std::move(ns)),
      m_selector(std::move(matchLabels))
{
    qRegisterMetaType<LogLines>();
    if (m_client) {
        connect(m_client.data(), &KubeClient::aboutToBeDestroyed, this, [this] {
            // The streams use this client: they end with it (a new connection is a new view).
            dropProjection();
            m_podWatchState = Informer::State::Failed;
            m_podWatchDetail = QStringLiteral("disconnected: the cluster connection was closed or switched");
            Q_EMIT streamsChanged();
        });
    }
}

WorkloadLogs::~WorkloadLogs()
{
    for (LogStream *s : std::as_const(m_streams))
        s->disconnect(this);
    qDeleteAll(m_streams);
    m_streams.clear();
    dropProjection();
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
    for (LogStream *s : std::as_const(m_streams))
        s->setBackoff(initialMs, maxMs);
}

void WorkloadLogs::dropProjection()
{
    delete m_projection.data();
}

namespace {

QString selectorQuery(const WorkloadLogs::Labels &labels)
{
    QStringList parts;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it)
        parts << it.key() + QLatin1Char('=') + it.value();
    return parts.join(QLatin1Char(','));
}

// On the worker: which containers of a pod have started, in spec order.
WorkloadLogs::PodState podStateOf(const kube::KubeObject &obj)
{
    const QJsonObject pod = QJsonDocument::fromJson(obj.json()).object();
    WorkloadLogs::PodState state;
    state.deleting = obj.deleting;
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
    return state;
}

WorkloadLogs::Labels labelsOf(const kube::KubeObject &obj)
{
    const QJsonObject l = QJsonDocument::fromJson(obj.json()).object().value(QLatin1String("metadata")).toObject().value(QLatin1String("labels")).toObject();
    WorkloadLogs::Labels labels;
    for (auto it = l.begin(); it != l.end(); ++it)
        labels.insert(it.key(), it.value().toString());
    return labels;
}

}  // namespace

void WorkloadLogs::start()
{
    if (m_running)
        return;
    m_running = true;
    if (!m_session || !m_client || m_selector.isEmpty()) {
        m_podWatchState = Informer::State::Failed;
        m_podWatchDetail = m_selector.isEmpty() ? QStringLiteral("the workload has no label selector: no pods to follow")
                                                : QStringLiteral("disconnected: no cluster connection");
        Q_EMIT streamsChanged();
        return;
    }
    // Parsed once per pod version, on the worker.
    auto cache = std::make_shared<QHash<QString, std::pair<QString, std::optional<PodState>>>>();
    const Labels selector = m_selector;
    m_projection = m_session->project<PodsSnapshot>(
        {kube::WatchSpec{ResourceRef::pods(), m_ns, selectorQuery(m_selector), false}},
        [cache, selector](const kube::ProjectionInputs &in) {
            PodsSnapshot s;
            s.synced = in.first().synced;
            s.state = in.first().state;
            s.error = in.first().error.isError() ? in.first().error.message : QString();
            QHash<QString, std::pair<QString, std::optional<PodState>>> next;
            for (const KubeObjectPtr &o : *in.first().objects) {
                auto it = cache->constFind(o->name);
                std::optional<PodState> state;
                if (it != cache->constEnd() && it->first == o->resourceVersion)
                    state = it->second;
                // The server selected by labels; checked again for a pod relabelled away meanwhile.
                else if (selectorMatches(selector, labelsOf(*o)))
                    state = podStateOf(*o);
                next.insert(o->name, {o->resourceVersion, state});
                if (state)
                    s.pods.insert(o->name, *state);
            }
            cache->swap(next);
            return s;
        },
        this, [this](const PodsSnapshot &s) { onPods(s); });
    m_projection->setCoalesceInterval(50);
}

void WorkloadLogs::stop()
{
    if (!m_running)
        return;
    m_running = false;
    dropProjection();
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

void WorkloadLogs::onPods(const PodsSnapshot &snapshot)
{
    const bool stateChanged = snapshot.state != m_podWatchState || snapshot.error != m_podWatchDetail;
    m_podWatchState = snapshot.state;
    m_podWatchDetail = snapshot.error;
    if (snapshot.synced) {
        // Pods we knew that are gone (deleted, relabelled, or missed while the watch was down).
        const QStringList known = m_pods.keys();
        for (const QString &pod : known)
            if (!snapshot.pods.contains(pod))
                podGone(pod);
        for (auto it = snapshot.pods.cbegin(); it != snapshot.pods.cend(); ++it)
            if (m_pods.value(it.key()) != *it || !m_pods.contains(it.key()))
                upsertPod(it.key(), *it);
        const bool first = !m_synced;
        m_synced = true;
        emitPodsIfChanged();
        if (first) {
            Q_EMIT streamsChanged();
            return;
        }
    }
    if (stateChanged)
        Q_EMIT streamsChanged();
}

void WorkloadLogs::upsertPod(const QString &name, const PodState &state)
{
    m_pods.insert(name, state);
    // A terminating pod keeps the streams it has (its last words matter) but gets no new ones.
    if (!state.deleting)
        for (const QString &c : std::as_const(state.startedContainers))
            ensureStream(name, c);
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
