// Live Rollouts, Deployments and the focus namespace's ReplicaSets, Pods and AnalysisRuns.
#include "rollouts/rolloutwatch.h"

#include "kube/session/kubesession.h"
#include "rollouts/rolloutactions.h"

#include <QJsonDocument>

#include <algorithm>

namespace pilothouse::backends::rollouts {

using namespace kube;
using workloads::PodTile;
using workloads::parsePodTile;

namespace {
ResourceRef refFor(int which)
{
    switch (which) {
    case 0: return rolloutsResource();
    case 1: return ResourceRef::deployments();
    case 2: return replicaSetsResource();
    case 3: return ResourceRef::pods();
    default: return analysisRunsResource();
    }
}
QString whatFor(int which)
{
    static const char *names[] = {"rollouts", "deployments", "replica sets", "pods", "analysis runs"};
    return QLatin1String(names[std::clamp(which, 0, 4)]);
}
QJsonObject parsed(const KubeObjectPtr &o) { return QJsonDocument::fromJson(o->json()).object(); }
}  // namespace

RolloutWatch::RolloutWatch(QObject *parent) : QObject(parent)
{
    m_coalesce.setSingleShot(true);
    m_coalesce.setInterval(100);
    connect(&m_coalesce, &QTimer::timeout, this, &RolloutWatch::changed);
}

RolloutWatch::~RolloutWatch()
{
    for (int i = 0; i < WhichCount; ++i)
        stopInformer(i);
}

void RolloutWatch::setClient(KubeClient *client)
{
    if (client == m_client && (client == nullptr || m_informers[Rollouts]))
        return;
    disconnect(m_clientGone);
    for (int i = 0; i < WhichCount; ++i)
        stopInformer(i);
    m_client = client;
    m_rolloutsAvailable = true;
    if (!client) {
        setProblem(QStringLiteral("Not connected"));
        m_coalesce.start();
        return;
    }
    // KubeSession deletes its client on every reconnect: the informers must not outlive it.
    m_clientGone = connect(client, &KubeClient::aboutToBeDestroyed, this, [this] {
        for (int i = 0; i < WhichCount; ++i)
            stopInformer(i);
        m_client = nullptr;
        setProblem(QStringLiteral("Disconnected"));
        m_coalesce.start();
    });
    for (int i = 0; i < WhichCount; ++i)
        startInformer(i);
}

void RolloutWatch::setFocusNamespace(const QString &ns)
{
    if (ns == m_focus)
        return;
    m_focus = ns;
    for (int i : {ReplicaSets, Pods, AnalysisRuns}) {
        stopInformer(i);
        startInformer(i);
    }
}

void RolloutWatch::startInformer(int which)
{
    if (!m_client)
        return;
    const bool focused = which >= ReplicaSets;
    if (focused && m_focus.isEmpty()) {
        m_synced[which] = true;  // nothing to watch until something is selected
        return;
    }
    auto *inf = new Informer(m_client, refFor(which), focused ? m_focus : QString(), this);
    m_informers[which] = inf;
    const quint64 generation = ++m_generation[which];
    connect(inf, &Informer::synced, this, [this, which, generation](const ObjectList &all) {
        if (generation != m_generation[which])
            return;
        m_objects[which].clear();
        for (const KubeObjectPtr &o : all)
            m_objects[which].insert(o->key(), o);
        m_synced[which] = true;
        m_coalesce.start();
    });
    connect(inf, &Informer::changed, this, [this, which, generation](const ChangeBatch &batch) {
        if (generation != m_generation[which])
            return;
        for (const ObjectChange &c : batch) {
            if (c.type == ObjectChange::Type::Deleted)
                m_objects[which].remove(c.object->key());
            else
                m_objects[which].insert(c.object->key(), c.object);
        }
        m_coalesce.start();
    });
    connect(inf, &Informer::stateChanged, this, [this, which, generation](Informer::State s, const ApiError &e) {
        if (generation == m_generation[which])
            onState(which, s, e);
    });
    inf->start();
}

void RolloutWatch::stopInformer(int which)
{
    ++m_generation[which];
    m_synced[which] = false;
    m_objects[which].clear();
    if (Informer *inf = m_informers[which]) {
        m_informers[which] = nullptr;
        inf->stop();
        inf->deleteLater();
    }
}

void RolloutWatch::onState(int which, Informer::State state, const ApiError &error)
{
    if (which == Rollouts && state == Informer::State::Failed && error.kind == ErrorKind::NotFound) {
        // No Argo Rollouts in this cluster: Deployments still get their history.
        m_rolloutsAvailable = false;
        m_synced[Rollouts] = true;
        setProblem(QStringLiteral("Argo Rollouts is not installed in this cluster (no rollouts.argoproj.io); showing Deployments only"));
        m_coalesce.start();
        return;
    }
    if (which == AnalysisRuns && state == Informer::State::Failed) {
        m_synced[AnalysisRuns] = true;  // a cluster may hold Rollouts without analysis
        return;
    }
    if (state == Informer::State::Failed || state == Informer::State::Backoff) {
        setProblem(QStringLiteral("Watching %1: %2").arg(whatFor(which), describeError(error)));
    } else if (state == Informer::State::Watching) {
        const bool anyBad = std::any_of(m_informers.begin(), m_informers.end(), [](Informer *inf) {
            return inf && (inf->state() == Informer::State::Backoff || inf->state() == Informer::State::Failed);
        });
        if (!anyBad && m_rolloutsAvailable)
            setProblem(QString());
    }
}

void RolloutWatch::setProblem(const QString &message)
{
    if (message == m_problem)
        return;
    m_problem = message;
    Q_EMIT problemChanged(message);
}

bool RolloutWatch::isSynced() const
{
    return m_client && std::all_of(m_synced.begin(), m_synced.end(), [](bool s) { return s; });
}

QStringList RolloutWatch::rolloutKeys() const
{
    QStringList keys = m_objects[Rollouts].keys();
    std::sort(keys.begin(), keys.end());
    return keys;
}

QStringList RolloutWatch::deploymentKeys() const
{
    QStringList keys = m_objects[Deployments].keys();
    std::sort(keys.begin(), keys.end());
    return keys;
}

QList<QJsonObject> RolloutWatch::objectsIn(int which, const QString &ns) const
{
    QList<QJsonObject> out;
    if (ns != m_focus)
        return out;
    for (const KubeObjectPtr &o : m_objects[which])
        out << parsed(o);
    return out;
}

QByteArray RolloutWatch::rolloutJson(const QString &ns, const QString &name) const
{
    const KubeObjectPtr o = m_objects[Rollouts].value(ns + QLatin1Char('/') + name);
    return o ? o->json() : QByteArray();
}

RolloutInfo RolloutWatch::infoFor(const QJsonObject &rollout) const
{
    const QString ns = rollout.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("namespace")).toString();
    return rolloutInfo(rollout, objectsIn(ReplicaSets, ns), objectsIn(Pods, ns), objectsIn(AnalysisRuns, ns));
}

RolloutInfo RolloutWatch::rollout(const QString &ns, const QString &name) const
{
    const KubeObjectPtr o = m_objects[Rollouts].value(ns + QLatin1Char('/') + name);
    if (!o) {
        RolloutInfo missing;
        missing.ns = ns;
        missing.name = name;
        missing.error = QStringLiteral("Rollout %1/%2 not found").arg(ns, name);
        return missing;
    }
    return infoFor(parsed(o));
}

DeploymentHistory RolloutWatch::deployment(const QString &ns, const QString &name) const
{
    const KubeObjectPtr o = m_objects[Deployments].value(ns + QLatin1Char('/') + name);
    if (!o) {
        DeploymentHistory missing;
        missing.ns = ns;
        missing.name = name;
        missing.error = QStringLiteral("Deployment %1/%2 not found").arg(ns, name);
        return missing;
    }
    return deploymentHistory(parsed(o), objectsIn(ReplicaSets, ns), objectsIn(Pods, ns));
}

QList<PodTile> RolloutWatch::podTiles(const RevisionInfo &revision) const
{
    QList<PodTile> out;
    for (const PodInfo &p : revision.pods) {
        // Pods of the focus namespace only; RevisionInfo pods come from there.
        const KubeObjectPtr o = m_objects[Pods].value(m_focus + QLatin1Char('/') + p.name);
        if (!o)
            continue;
        if (auto tile = parsePodTile(o->json()))
            out << *tile;
    }
    std::sort(out.begin(), out.end(), [](const PodTile &a, const PodTile &b) {
        return a.createdMsecs != b.createdMsecs ? a.createdMsecs < b.createdMsecs : a.name < b.name;
    });
    return out;
}

}  // namespace pilothouse::backends::rollouts
