// The scaling view's shared informers, parsed on the worker, and its sampling tick.
#include "workloads/scaling/scalingwatch.h"

#include <QDateTime>

#include <algorithm>

namespace pilothouse::backends::workloads {

using kube::Informer;
using kube::KubeObjectPtr;
using kube::ProjectionInputs;
using kube::WatchSpec;
using kube::describeError;

namespace {

constexpr int kMaxPendingHpaEvents = 200;

enum Input { Deployments, Hpas, Events, Pods };

qint64 nowMsecs() { return QDateTime::currentMSecsSinceEpoch(); }

QString eventKey(const ScalingEvent &e) { return e.uid + QLatin1Char('#') + QString::number(e.count); }

// Values parsed from objects, each once per resourceVersion (on the worker).
template <class T>
class ParseCache {
public:
    template <class Parse>
    const std::optional<T> &get(const KubeObjectPtr &o, Parse parse)
    {
        auto it = m_entries.find(o->key());
        if (it == m_entries.end() || it->first != o->resourceVersion)
            it = m_entries.insert(o->key(), {o->resourceVersion, parse(o->json())});
        return it->second;
    }
    void prune(const QHash<QString, KubeObjectPtr> &live)
    {
        if (m_entries.size() <= live.size())
            return;
        for (auto it = m_entries.begin(); it != m_entries.end();)
            it = live.contains(it.key()) ? std::next(it) : m_entries.erase(it);
    }

private:
    QHash<QString, std::pair<QString, std::optional<T>>> m_entries;
};

}  // namespace

struct ScalingWatch::Derived {
    bool synced[4] = {false, false, false, false};
    bool hasPodInput = false;
    bool eventsReadable = true;
    QString problem;
    bool deploymentFound = false;
    QString deploymentVersion;
    DeploymentInfo deployment;
    QList<std::pair<HpaInfo, QString>> hpas;  // every HPA of the namespace with its resourceVersion
    QList<PodTile> pods;
    QList<ScalingEvent> events;               // scaling events of the namespace, as the cluster dated them
};

ScalingWatch::ScalingWatch(QString ns, QString deployment, QObject *parent)
    : QObject(parent), m_ns(std::move(ns)), m_deployment(std::move(deployment))
{
    qRegisterMetaType<ScalingSample>();
    qRegisterMetaType<ScalingEvent>();
    qRegisterMetaType<DeploymentInfo>();
    qRegisterMetaType<HpaInfo>();
    qRegisterMetaType<QList<PodTile>>();
    qRegisterMetaType<QList<ScalingEvent>>();
    m_deploymentInfo.ns = m_ns;
    m_deploymentInfo.name = m_deployment;
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &ScalingWatch::recordSample);
}

ScalingWatch::~ScalingWatch() = default;

ResourceRef ScalingWatch::horizontalPodAutoscalers()
{
    return {QStringLiteral("autoscaling"), QStringLiteral("v2"), QStringLiteral("horizontalpodautoscalers"),
            QStringLiteral("HorizontalPodAutoscaler"), true};
}

ResourceRef ScalingWatch::events()
{
    return {QString(), QStringLiteral("v1"), QStringLiteral("events"), QStringLiteral("Event"), true};
}

QList<WatchSpec> ScalingWatch::inputs() const
{
    QList<WatchSpec> specs{{ResourceRef::deployments(), m_ns, {}, false},
                           {horizontalPodAutoscalers(), m_ns, {}, false},
                           {events(), m_ns, {}, false}};
    // Only the Deployment's pods, once its selector is known: the server filters them.
    if (m_deploymentInfo.found && m_deploymentInfo.selector.valid) {
        const QString selector = m_deploymentInfo.selector.toQuery();
        if (!selector.isEmpty())
            specs << WatchSpec{ResourceRef::pods(), m_ns, selector, false};
    }
    return specs;
}

void ScalingWatch::setSession(kube::KubeSession *session)
{
    if (session == m_session && (session == nullptr || m_projection))
        return;
    delete m_projection.data();
    m_session = session;
    m_synced = false;
    m_deploymentsSynced = false;
    m_eventsReadable = true;
    m_eventsPrimed = false;
    m_tick.stop();
    Q_EMIT syncedChanged(false);
    if (!session) {
        setProblem(QStringLiteral("Not connected"));
        return;
    }
    struct Caches {
        ParseCache<DeploymentInfo> deployments;
        ParseCache<HpaInfo> hpas;
        ParseCache<PodTile> pods;
        ParseCache<ScalingEvent> events;
    };
    auto caches = std::make_shared<Caches>();
    const QString name = m_deployment;
    const QString ns = m_ns;
    m_projection = session->project<Derived>(
        inputs(),
        [caches, name, ns](const ProjectionInputs &in) {
            Derived d;
            d.hasPodInput = in.size() > Pods;
            QStringList problems;
            static const char *what[] = {"deployments", "horizontal pod autoscalers", "events", "pods"};
            for (int i = 0; i < in.size(); ++i) {
                d.synced[i] = in[i].synced;
                if (i == Events && in[i].state == Informer::State::Failed) {
                    // Without Events the decisions still show as changes of desired replicas.
                    d.eventsReadable = false;
                    d.synced[i] = true;
                    continue;
                }
                if (in[i].state == Informer::State::Failed || in[i].state == Informer::State::Backoff)
                    problems << QStringLiteral("Watching %1 in %2: %3").arg(QLatin1String(what[i]), ns, describeError(in[i].error));
            }
            d.problem = problems.join(QStringLiteral("; "));
            caches->deployments.prune(*in[Deployments].objects);
            for (const KubeObjectPtr &o : *in[Deployments].objects) {
                if (o->name != name)
                    continue;
                if (const auto &info = caches->deployments.get(o, [](const QByteArray &json) { return std::optional(parseDeployment(json)); })) {
                    d.deployment = *info;
                    d.deploymentFound = info->found;
                    d.deploymentVersion = o->resourceVersion;
                }
            }
            caches->hpas.prune(*in[Hpas].objects);
            for (const KubeObjectPtr &o : *in[Hpas].objects)
                if (const auto &h = caches->hpas.get(o, [](const QByteArray &json) { return std::optional(parseHpa(json)); }))
                    d.hpas << std::pair{*h, o->resourceVersion};
            std::sort(d.hpas.begin(), d.hpas.end(), [](const auto &a, const auto &b) { return a.first.name < b.first.name; });
            caches->events.prune(*in[Events].objects);
            for (const KubeObjectPtr &o : *in[Events].objects)
                if (const auto &e = caches->events.get(o, [](const QByteArray &json) { return parseScalingEvent(json); }))
                    if (isScalingReason(e->reason))
                        d.events << *e;
            if (d.hasPodInput) {
                caches->pods.prune(*in[Pods].objects);
                for (const KubeObjectPtr &o : *in[Pods].objects)
                    if (const auto &tile = caches->pods.get(o, [](const QByteArray &json) { return parsePodTile(json); }))
                        d.pods << *tile;
            }
            return d;
        },
        this, [this](const Derived &d) { onDerived(d); });
    connect(m_projection, &kube::Projection::detached, this, [this] {
        // Out until the new connection has listed again; the recorded history stays. Events of
        // the gap arrive with the relist: dated as the cluster dated them, not as live.
        m_deploymentsSynced = false;
        m_eventsPrimed = false;
        if (m_synced) {
            m_synced = false;
            Q_EMIT syncedChanged(false);
        }
    });
    m_tick.start();
}

void ScalingWatch::onDerived(const Derived &d)
{
    const bool wasSynced = m_synced;
    m_eventsReadable = d.eventsReadable;
    m_watchProblem = d.problem;
    if (d.synced[Deployments]) {
        m_deploymentsSynced = true;
        if (d.deploymentFound != m_deploymentInfo.found || d.deploymentVersion != m_deploymentVersion) {
            m_deploymentVersion = d.deploymentVersion;
            applyDeployment(d.deployment, d.deploymentFound);
        }
    }
    if (d.synced[Hpas]) {
        m_allHpas.clear();
        m_hpaVersions.clear();
        for (const auto &[hpa, version] : d.hpas) {
            m_allHpas.insert(hpa.name, hpa);
            m_hpaVersions.insert(hpa.name, version);
        }
        selectHpa();
    }
    if (d.hasPodInput && d.synced[Pods])
        rematchPods(d.pods);
    else if (!m_deploymentInfo.found)
        rematchPods({});
    if (d.synced[Events]) {
        // The events listed first happened before the view opened; later ones are live.
        const bool live = m_eventsPrimed;
        m_eventsPrimed = true;
        QList<ScalingEvent> added;
        // d.events is everything the server still has: what is not there any more cannot come
        // back under the same uid and count, so only the current keys are remembered.
        QSet<QString> current;
        current.reserve(d.events.size());
        for (const ScalingEvent &e : d.events) {
            const QString key = eventKey(e);
            current.insert(key);
            if (m_seenEvents.contains(key))
                continue;
            if (auto taken = applyEvent(e, live))
                added << *taken;
        }
        m_seenEvents.swap(current);
        if (!added.isEmpty())
            Q_EMIT eventsAdded(added);
    }
    // Synced once every input listed, the pods of the Deployment included (none to watch when it
    // does not exist).
    m_synced = d.synced[Deployments] && d.synced[Hpas] && d.synced[Events]
               && (d.hasPodInput ? d.synced[Pods] : !m_deploymentInfo.found);
    updateProblem();
    if (m_synced != wasSynced)
        Q_EMIT syncedChanged(m_synced);
}

bool ScalingWatch::isSynced() const { return m_session && m_synced; }

QList<PodTile> ScalingWatch::pods() const
{
    QList<PodTile> out = m_pods.values();
    std::sort(out.begin(), out.end(), [](const PodTile &a, const PodTile &b) {
        return a.createdMsecs != b.createdMsecs ? a.createdMsecs < b.createdMsecs : a.name < b.name;
    });
    return out;
}

void ScalingWatch::updateProblem()
{
    if (!m_watchProblem.isEmpty())
        setProblem(m_watchProblem);
    else if (m_deploymentsSynced && !m_deploymentInfo.found)
        setProblem(QStringLiteral("Deployment %1/%2 not found").arg(m_ns, m_deployment));
    else
        setProblem({});
}

void ScalingWatch::applyDeployment(const DeploymentInfo &info, bool present)
{
    const LabelSelector oldSelector = m_deploymentInfo.selector;
    const bool wasFound = m_deploymentInfo.found;
    if (!present) {
        m_deploymentInfo = DeploymentInfo();
        m_deploymentInfo.ns = m_ns;
        m_deploymentInfo.name = m_deployment;
    } else {
        m_deploymentInfo = info;
    }
    Q_EMIT deploymentChanged(m_deploymentInfo);
    if (!(oldSelector == m_deploymentInfo.selector) || wasFound != m_deploymentInfo.found) {
        // Another selector: watch the pods it selects.
        if (m_projection)
            m_projection->setInputs(inputs());
        if (!m_deploymentInfo.found)
            rematchPods({});
    }
    selectHpa();
    recordSample();
}

void ScalingWatch::selectHpa()
{
    // Two HPAs on one target is a misconfiguration the controller refuses (AmbiguousSelector);
    // the first by name stands for both here.
    QStringList names = m_allHpas.keys();
    names.sort();
    HpaInfo chosen;
    QString version;
    for (const auto &n : names) {
        if (m_allHpas[n].targets(QStringLiteral("Deployment"), m_deployment)) {
            chosen = m_allHpas[n];
            version = m_hpaVersions.value(n);
            break;
        }
    }
    const bool renamed = chosen.name != m_hpa.name;
    if (renamed == false && version == m_hpaVersion && chosen.present == m_hpa.present)
        return;
    m_hpa = chosen;
    m_hpaVersion = version;
    Q_EMIT hpaChanged(m_hpa);
    if (renamed && m_hpa.present) {
        QList<ScalingEvent> added;
        for (const auto &e : std::as_const(m_hpaEvents))
            if (e.objectName == m_hpa.name && m_series.addEvent(e))
                added << e;
        if (!added.isEmpty())
            Q_EMIT eventsAdded(added);
    }
    recordSample();
}

void ScalingWatch::rematchPods(const QList<PodTile> &pods)
{
    QHash<QString, PodTile> mine;
    if (m_deploymentInfo.found)
        for (const PodTile &p : pods)
            if (m_deploymentInfo.selector.matches(p.labels))  // the server filtered; a selector change may be in flight
                mine.insert(p.name, p);
    bool same = mine.size() == m_pods.size();
    for (auto it = mine.cbegin(); same && it != mine.cend(); ++it) {
        auto old = m_pods.constFind(it.key());
        same = old != m_pods.cend() && old->uid == it->uid && old->phase == it->phase && old->detail == it->detail &&
               old->restarts == it->restarts && old->node == it->node;
    }
    if (same)
        return;
    m_pods = std::move(mine);
    Q_EMIT podsChanged(this->pods());
}

std::optional<ScalingEvent> ScalingWatch::applyEvent(ScalingEvent e, bool live)
{
    // Live events are placed at the local time they arrived, like the samples: a marker then sits
    // on the step it caused, whatever the cluster's clock skew and its whole-second timestamps.
    const qint64 now = nowMsecs();
    e.msecs = live ? now : std::min(e.msecs, now);
    if (e.objectKind == QLatin1String("HorizontalPodAutoscaler")) {
        m_hpaEvents << e;
        while (m_hpaEvents.size() > kMaxPendingHpaEvents)
            m_hpaEvents.removeFirst();
        if (!m_hpa.present || e.objectName != m_hpa.name)
            return std::nullopt;
    } else if (e.objectKind != QLatin1String("Deployment") || e.objectName != m_deployment) {
        return std::nullopt;
    }
    return m_series.addEvent(e) ? std::optional(e) : std::nullopt;
}

void ScalingWatch::recordSample()
{
    if (!m_session || !m_deploymentsSynced || !m_deploymentInfo.found)
        return;
    ScalingSample s;
    s.msecs = nowMsecs();
    s.desired = m_deploymentInfo.desired;
    s.current = m_deploymentInfo.current;
    s.ready = m_deploymentInfo.ready;
    if (m_hpa.present) {
        s.cpuPercent = m_hpa.currentPercent;
        s.targetPercent = m_hpa.targetPercent;
    }
    const std::optional<ScalingSample> before = m_series.last();
    const ScalingSeries::Change change = m_series.record(s);
    if (change != ScalingSeries::Change::Unchanged)
        Q_EMIT sampleRecorded(*m_series.last(), change == ScalingSeries::Change::ReplacedLast);
    if (!m_eventsReadable && before && before->desired != s.desired) {
        ScalingEvent e;
        e.msecs = s.msecs;
        e.reason = QStringLiteral("ReplicasChanged");
        e.message = QStringLiteral("Desired replicas %1 → %2").arg(before->desired).arg(s.desired);
        e.objectKind = QStringLiteral("Deployment");
        e.objectName = m_deployment;
        if (m_series.addEvent(e))
            Q_EMIT eventsAdded({e});
    }
}

void ScalingWatch::setProblem(const QString &message)
{
    if (message == m_problem)
        return;
    m_problem = message;
    Q_EMIT problemChanged(message);
}

}  // namespace pilothouse::backends::workloads
