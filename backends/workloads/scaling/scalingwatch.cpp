// The scaling view's informers, their client-side filter to one Deployment, and its sampling tick.
#include "workloads/scaling/scalingwatch.h"

#include "kube/session/kubesession.h"

#include <QDateTime>

#include <algorithm>

namespace pilothouse::backends::workloads {

using kube::ChangeBatch;
using kube::Informer;
using kube::KubeClient;
using kube::KubeObjectPtr;
using kube::ObjectChange;
using kube::ObjectList;
using kube::ResourceRef;
using kube::describeError;

namespace {

constexpr int kMaxPendingHpaEvents = 200;

qint64 nowMsecs() { return QDateTime::currentMSecsSinceEpoch(); }

}  // namespace

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

ScalingWatch::~ScalingWatch() { stopInformers(); }

ResourceRef ScalingWatch::horizontalPodAutoscalers()
{
    return {QStringLiteral("autoscaling"), QStringLiteral("v2"), QStringLiteral("horizontalpodautoscalers"),
            QStringLiteral("HorizontalPodAutoscaler"), true};
}

ResourceRef ScalingWatch::events()
{
    return {QString(), QStringLiteral("v1"), QStringLiteral("events"), QStringLiteral("Event"), true};
}

void ScalingWatch::stopInformers()
{
    ++m_generation;
    m_tick.stop();
    for (auto &inf : m_informers) {
        delete inf;  // stops it: cancels its watch on the client
        inf = nullptr;
    }
    m_synced.fill(false);
}

void ScalingWatch::setClient(KubeClient *client)
{
    if (client == m_client && (client == nullptr || m_informers[0]))
        return;
    disconnect(m_clientGone);
    stopInformers();
    m_client = client;
    m_eventsReadable = true;
    Q_EMIT syncedChanged(false);
    if (!client) {
        setProblem(QStringLiteral("Not connected"));
        return;
    }
    // KubeSession deletes its client on every reconnect: the informers must not outlive it.
    m_clientGone = connect(client, &KubeClient::aboutToBeDestroyed, this, [this] {
        stopInformers();
        m_client = nullptr;
        Q_EMIT syncedChanged(false);
        setProblem(QStringLiteral("Disconnected"));
    });
    const ResourceRef refs[WhichCount] = {ResourceRef::deployments(), horizontalPodAutoscalers(), ResourceRef::pods(), events()};
    const quint64 generation = m_generation;
    for (int i = 0; i < WhichCount; ++i) {
        auto *inf = new Informer(client, refs[i], m_ns, this);
        m_informers[i] = inf;
        connect(inf, &Informer::synced, this, [this, i, generation](const ObjectList &all) {
            if (generation == m_generation)
                onSynced(i, all);
        });
        connect(inf, &Informer::changed, this, [this, i, generation](const ChangeBatch &batch) {
            if (generation == m_generation)
                onChanged(i, batch);
        });
        connect(inf, &Informer::stateChanged, this, [this, i, generation](Informer::State s, const ApiError &e) {
            if (generation == m_generation)
                onState(i, s, e);
        });
    }
    for (auto *inf : m_informers)
        inf->start();
    m_tick.start();
}

bool ScalingWatch::isSynced() const
{
    return m_client && std::all_of(m_synced.begin(), m_synced.end(), [](bool s) { return s; });
}

QList<PodTile> ScalingWatch::pods() const
{
    QList<PodTile> out = m_pods.values();
    std::sort(out.begin(), out.end(), [](const PodTile &a, const PodTile &b) {
        return a.createdMsecs != b.createdMsecs ? a.createdMsecs < b.createdMsecs : a.name < b.name;
    });
    return out;
}

void ScalingWatch::onSynced(int which, const ObjectList &objects)
{
    const bool wasSynced = isSynced();
    m_synced[which] = true;
    switch (which) {
    case Deployments: {
        KubeObjectPtr mine;
        for (const auto &o : objects)
            if (o->name == m_deployment)
                mine = o;
        applyDeployment(mine, !mine);
        break;
    }
    case Hpas:
        m_allHpas.clear();
        m_hpaVersions.clear();
        for (const auto &o : objects)
            applyHpa(o, false);
        selectHpa();
        break;
    case Pods:
        m_allPods.clear();
        for (const auto &o : objects)
            applyPod(o, false);
        rematchPods();
        break;
    case Events: {
        QList<ScalingEvent> added;
        for (const auto &o : objects)
            applyEvent(o, false, added);
        if (!added.isEmpty())
            Q_EMIT eventsAdded(added);
        break;
    }
    }
    if (!wasSynced && isSynced())
        Q_EMIT syncedChanged(true);
}

void ScalingWatch::onChanged(int which, const ChangeBatch &batch)
{
    QList<ScalingEvent> added;
    for (const auto &c : batch) {
        const bool deleted = c.type == ObjectChange::Type::Deleted;
        switch (which) {
        case Deployments:
            if (c.object->name == m_deployment)
                applyDeployment(c.object, deleted);
            break;
        case Hpas:
            applyHpa(c.object, deleted);
            break;
        case Pods:
            applyPod(c.object, deleted);
            break;
        case Events:
            if (!deleted)  // an expired Event still happened
                applyEvent(c.object, true, added);
            break;
        }
    }
    if (which == Hpas)
        selectHpa();
    else if (which == Pods)
        rematchPods();
    else if (!added.isEmpty())
        Q_EMIT eventsAdded(added);
}

void ScalingWatch::onState(int which, Informer::State state, const ApiError &error)
{
    if (which == Events && state == Informer::State::Failed) {
        // Without Events the decisions still show as changes of desired replicas.
        m_eventsReadable = false;
        m_synced[Events] = true;
        if (isSynced())
            Q_EMIT syncedChanged(true);
    }
    if (state == Informer::State::Failed || state == Informer::State::Backoff) {
        const QString what = which == Deployments ? QStringLiteral("deployments")
                             : which == Hpas      ? QStringLiteral("horizontal pod autoscalers")
                             : which == Pods      ? QStringLiteral("pods")
                                                  : QStringLiteral("events");
        setProblem(QStringLiteral("Watching %1 in %2: %3").arg(what, m_ns, describeError(error)));
    } else if (state == Informer::State::Watching) {
        const bool anyBad = std::any_of(m_informers.begin(), m_informers.end(), [](Informer *inf) {
            return inf && (inf->state() == Informer::State::Backoff || inf->state() == Informer::State::Failed);
        });
        if (!anyBad)
            setProblem(m_deploymentInfo.found || !m_synced[Deployments]
                           ? QString()
                           : QStringLiteral("Deployment %1/%2 not found").arg(m_ns, m_deployment));
    }
}

void ScalingWatch::applyDeployment(const KubeObjectPtr &object, bool deleted)
{
    const LabelSelector oldSelector = m_deploymentInfo.selector;
    const bool wasFound = m_deploymentInfo.found;
    if (deleted || !object) {
        m_deploymentInfo = DeploymentInfo();
        m_deploymentInfo.ns = m_ns;
        m_deploymentInfo.name = m_deployment;
        setProblem(QStringLiteral("Deployment %1/%2 not found").arg(m_ns, m_deployment));
    } else {
        m_deploymentInfo = parseDeployment(object->json());
        if (!wasFound)
            setProblem({});
    }
    Q_EMIT deploymentChanged(m_deploymentInfo);
    if (!(oldSelector == m_deploymentInfo.selector) || wasFound != m_deploymentInfo.found)
        rematchPods();
    selectHpa();
    recordSample();
}

void ScalingWatch::applyHpa(const KubeObjectPtr &object, bool deleted)
{
    if (deleted) {
        m_allHpas.remove(object->name);
        m_hpaVersions.remove(object->name);
        return;
    }
    if (m_hpaVersions.value(object->name) == object->resourceVersion && m_allHpas.contains(object->name))
        return;
    m_allHpas.insert(object->name, parseHpa(object->json()));
    m_hpaVersions.insert(object->name, object->resourceVersion);
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

void ScalingWatch::applyPod(const KubeObjectPtr &object, bool deleted)
{
    if (deleted) {
        m_allPods.remove(object->name);
        return;
    }
    if (auto tile = parsePodTile(object->json()))
        m_allPods.insert(object->name, *tile);
}

void ScalingWatch::rematchPods()
{
    QHash<QString, PodTile> mine;
    if (m_deploymentInfo.found)
        for (auto it = m_allPods.cbegin(); it != m_allPods.cend(); ++it)
            if (m_deploymentInfo.selector.matches(it->labels))
                mine.insert(it.key(), *it);
    bool same = mine.size() == m_pods.size();
    for (auto it = mine.cbegin(); same && it != mine.cend(); ++it) {
        auto old = m_pods.constFind(it.key());
        same = old != m_pods.cend() && old->uid == it->uid && old->phase == it->phase && old->detail == it->detail &&
               old->restarts == it->restarts && old->node == it->node;
    }
    if (same)
        return;
    m_pods = std::move(mine);
    Q_EMIT podsChanged(pods());
}

void ScalingWatch::applyEvent(const KubeObjectPtr &object, bool live, QList<ScalingEvent> &added)
{
    auto e = parseScalingEvent(object->json());
    if (!e || !isScalingReason(e->reason))
        return;
    // Live events are placed at the local time they arrived, like the samples: a marker then sits
    // on the step it caused, whatever the cluster's clock skew and its whole-second timestamps.
    const qint64 now = nowMsecs();
    e->msecs = live ? now : std::min(e->msecs, now);
    if (e->objectKind == QLatin1String("HorizontalPodAutoscaler")) {
        m_hpaEvents << *e;
        while (m_hpaEvents.size() > kMaxPendingHpaEvents)
            m_hpaEvents.removeFirst();
        if (!m_hpa.present || e->objectName != m_hpa.name)
            return;
    } else if (e->objectKind != QLatin1String("Deployment") || e->objectName != m_deployment) {
        return;
    }
    if (m_series.addEvent(*e))
        added << *e;
}

void ScalingWatch::recordSample()
{
    if (!m_client || !m_synced[Deployments] || !m_deploymentInfo.found)
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
