// Live Rollouts and Deployments, derived on the session's worker from shared informers.
#include "rollouts/rolloutwatch.h"

#include "rollouts/rolloutactions.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace pilothouse::backends::rollouts {

using namespace kube;
using workloads::PodTile;
using workloads::parsePodTile;

namespace {

enum Input { Rollouts, Deployments, ReplicaSets, Pods, AnalysisRuns };

QString whatFor(int input)
{
    static const char *names[] = {"rollouts", "deployments", "replica sets", "pods", "analysis runs"};
    return QLatin1String(names[std::clamp(input, 0, 4)]);
}

// Children by owner, as rolloutinfo's ownedBy matches them: by uid when the reference has one,
// else by kind and name.
struct Children {
    QHash<QString, QList<QJsonObject>> byUid;
    QHash<QString, QList<QJsonObject>> byKindName;
    QList<QJsonObject> of(const QString &uid, const QString &kind, const QString &name) const
    {
        QList<QJsonObject> out = byUid.value(uid);
        out += byKindName.value(kind + QLatin1Char('/') + name);
        return out;
    }
};

QString uidOf(const QJsonObject &o) { return o.value(QLatin1String("metadata")).toObject().value(QLatin1String("uid")).toString(); }
QString nameOf(const QJsonObject &o) { return o.value(QLatin1String("metadata")).toObject().value(QLatin1String("name")).toString(); }

// The object's resourceVersion, "+" and its children's uid=resourceVersion sorted when its detail
// was derived with the focus namespace's objects, "-" when without.
QString versionOf(const KubeObjectPtr &o, bool inFocus, std::initializer_list<const QList<QJsonObject> *> children)
{
    QString out = o->resourceVersion + (inFocus ? QLatin1Char('+') : QLatin1Char('-'));
    if (!inFocus)
        return out;
    QStringList parts;
    for (const QList<QJsonObject> *list : children)
        for (const QJsonObject &c : *list) {
            const QJsonObject meta = c.value(QLatin1String("metadata")).toObject();
            parts << meta.value(QLatin1String("uid")).toString() + QLatin1Char('=') + meta.value(QLatin1String("resourceVersion")).toString();
        }
    parts.sort();
    return out + parts.join(QLatin1Char(','));
}

RolloutSummary summaryOf(const RolloutInfo &info)
{
    RolloutSummary s;
    s.kind = QStringLiteral("Rollout");
    s.ns = info.ns;
    s.name = info.name;
    s.strategy = info.strategyName;
    s.status = rolloutStatusName(info.status);
    s.step = info.step;
    if (info.strategy == Strategy::Canary) {
        s.setWeight = info.setWeight;
        s.actualWeight = info.actualWeight;
    }
    s.ready = info.ready;
    s.desired = info.desired;
    s.images = info.images();
    s.message = info.message;
    s.waiting = info.status == RolloutStatus::Paused || info.status == RolloutStatus::Degraded || info.status == RolloutStatus::Aborted;
    return s;
}

RolloutSummary summaryOf(const DeploymentHistory &h)
{
    RolloutSummary s;
    s.kind = QStringLiteral("Deployment");
    s.ns = h.ns;
    s.name = h.name;
    s.strategy = QStringLiteral("RollingUpdate");
    s.status = h.status;
    s.ready = h.ready;
    s.desired = h.desired;
    for (const QJsonValue &c : h.podTemplate.value(QLatin1String("spec")).toObject().value(QLatin1String("containers")).toArray())
        s.images << c.toObject().value(QLatin1String("image")).toString();
    s.revision = h.currentRevision;
    return s;
}

}  // namespace

// --- Deriver (worker thread) ---

QString RolloutWatch::Deriver::selectorOf(const QJsonObject &object)
{
    const QJsonValue value = object.value(QLatin1String("spec")).toObject().value(QLatin1String("selector"));
    if (!value.isObject())
        return {};
    const QJsonObject selector = value.toObject();
    workloads::LabelSelector s;
    s.valid = true;
    const QJsonObject labels = selector.value(QLatin1String("matchLabels")).toObject();
    for (auto it = labels.begin(); it != labels.end(); ++it)
        s.matchLabels.insert(it.key(), it.value().toString());
    for (const QJsonValue &e : selector.value(QLatin1String("matchExpressions")).toArray()) {
        const QJsonObject expression = e.toObject();
        workloads::LabelSelector::Requirement r;
        r.key = expression.value(QLatin1String("key")).toString();
        r.op = expression.value(QLatin1String("operator")).toString();
        for (const QJsonValue &v : expression.value(QLatin1String("values")).toArray())
            r.values << v.toString();
        s.expressions << r;
    }
    return s.toQuery();
}

const RolloutWatch::Deriver::Parsed &RolloutWatch::Deriver::parsed(int input, const KubeObjectPtr &object)
{
    QHash<QString, Parsed> &cache = m_children[input - ReplicaSets];
    const QString key = object->key();
    auto it = cache.find(key);
    if (it != cache.end() && it->resourceVersion == object->resourceVersion)
        return *it;
    Parsed p;
    p.resourceVersion = object->resourceVersion;
    p.object = QJsonDocument::fromJson(object->json()).object();
    const QJsonArray refs = p.object.value(QLatin1String("metadata")).toObject().value(QLatin1String("ownerReferences")).toArray();
    if (!refs.isEmpty()) {
        const QJsonObject ref = refs.first().toObject();
        p.ownerUid = ref.value(QLatin1String("uid")).toString();
        p.ownerKindName = ref.value(QLatin1String("kind")).toString() + QLatin1Char('/') + ref.value(QLatin1String("name")).toString();
    }
    return *cache.insert(key, std::move(p));
}

template <class Info>
bool RolloutWatch::Deriver::prune(QHash<QString, Info> &cache, const QHash<QString, KubeObjectPtr> &objects)
{
    if (cache.size() <= objects.size())
        return false;
    for (auto it = cache.begin(); it != cache.end();)
        it = objects.contains(it.key()) ? std::next(it) : cache.erase(it);
    return true;
}

RolloutsSnapshot RolloutWatch::Deriver::derive(const ProjectionInputs &inputs)
{
    RolloutsSnapshot s;
    s.synced = true;
    QStringList problems;
    for (int i = 0; i < inputs.size(); ++i) {
        const ProjectionInput &in = inputs[i];
        const bool failed = in.state == Informer::State::Failed
                            || (in.state == Informer::State::Backoff && in.error.kind == ErrorKind::NotFound);  // no such CRD
        if (i == Rollouts && failed && in.error.kind == ErrorKind::NotFound) {
            // No Argo Rollouts in this cluster: Deployments still get their history.
            s.rolloutsAvailable = false;
            problems << QStringLiteral("Argo Rollouts is not installed in this cluster (no rollouts.argoproj.io); showing Deployments only");
            continue;
        }
        if (i == AnalysisRuns && failed)
            continue;  // a cluster may hold Rollouts without analysis
        if (!in.synced)
            s.synced = false;
        if (failed || in.state == Informer::State::Backoff)
            problems << QStringLiteral("Watching %1: %2").arg(whatFor(i), describeError(in.error));
    }
    s.problem = problems.join(QStringLiteral("; "));
    if (inputs.size() > ReplicaSets) {
        s.hasFocus = true;
        s.focusNamespace = inputs[ReplicaSets].spec.ns;
        s.focusSelector = inputs[ReplicaSets].spec.labelSelector;
    }

    // The focus's children, grouped by owner once rather than scanned per object.
    Children replicaSets, pods, runs;
    auto group = [this, &inputs](int input, Children &into, QList<QJsonObject> &all) {
        QHash<QString, Parsed> &cache = m_children[input - ReplicaSets];
        if (input >= inputs.size()) {
            cache.clear();
            return;
        }
        const auto &objects = *inputs[input].objects;
        prune(cache, objects);
        all.reserve(objects.size());
        for (const KubeObjectPtr &o : objects) {
            const Parsed &p = parsed(input, o);
            all << p.object;
            if (!p.ownerUid.isEmpty())
                into.byUid[p.ownerUid] << p.object;
            else if (!p.ownerKindName.isEmpty())
                into.byKindName[p.ownerKindName] << p.object;
        }
    };
    group(ReplicaSets, replicaSets, s.focusReplicaSets);
    group(Pods, pods, s.focusPods);
    group(AnalysisRuns, runs, s.focusAnalysisRuns);
    auto podsOf = [&pods](const QList<QJsonObject> &sets) {
        QList<QJsonObject> out;
        for (const QJsonObject &rs : sets)
            out += pods.of(uidOf(rs), QStringLiteral("ReplicaSet"), nameOf(rs));
        return out;
    };

    if (Pods < inputs.size()) {
        QHash<QString, std::pair<QString, PodTile>> tiles;
        for (const KubeObjectPtr &o : *inputs[Pods].objects) {
            auto cached = m_tiles.constFind(o->key());
            if (cached != m_tiles.constEnd() && cached->first == o->resourceVersion) {
                tiles.insert(o->key(), *cached);
            } else if (auto tile = parsePodTile(o->json())) {
                tiles.insert(o->key(), {o->resourceVersion, *tile});
            }
        }
        m_tiles.swap(tiles);
        for (const auto &t : std::as_const(m_tiles))
            s.focusPodTiles.insert(t.second.name, t.second);
    } else {
        m_tiles.clear();
    }

    // One object: its plain info again only when its resourceVersion changed; when focused, its
    // info with children again only when they changed too. Keys come from the informer's store
    // (no string built per object per derivation).
    bool keysChanged = false;
    auto derivedOf = [&s, &keysChanged](auto &cache, const QString &key, const KubeObjectPtr &o, const QString &kind, auto plainOf,
                                        auto summaryFor) -> auto & {
        auto it = cache.find(key);
        if (it == cache.end()) {
            it = cache.insert(key, {});
            it->versionKey = kind + QLatin1Char(':') + key;
            keysChanged = true;
        }
        auto &d = *it;
        if (d.resourceVersion != o->resourceVersion || d.resourceVersion.isEmpty()) {
            d.resourceVersion = o->resourceVersion;
            d.object = QJsonDocument::fromJson(o->json()).object();
            d.selector = selectorOf(d.object);
            d.plain = plainOf(d.object);
            d.summary = summaryFor(d.plain);
            d.summary.selector = d.selector;
            d.summary.rowKey = d.versionKey;
            d.plainVersion = o->resourceVersion + QLatin1Char('-');
            d.focusVersion.clear();
            ++s.derivations;
        }
        return d;
    };
    auto isFocused = [&s](const KubeObjectPtr &o, const QString &selector) {
        return s.hasFocus && o->ns == s.focusNamespace && selector == s.focusSelector;
    };
    auto forgetFocus = [](auto &d, auto empty) {
        // Unfocused objects keep no JSON: their info does not change until they do.
        if (!d.focusVersion.isEmpty() || !d.object.isEmpty()) {
            d.object = QJsonObject();
            d.focusVersion.clear();
            d.focused = empty;
        }
    };

    const auto &rollouts = *inputs[Rollouts].objects;
    keysChanged |= prune(m_rollouts, rollouts);
    s.rollouts.reserve(rollouts.size());
    s.versions.reserve(rollouts.size() + inputs[Deployments].objects->size());
    for (auto it = rollouts.cbegin(); it != rollouts.cend(); ++it) {
        const KubeObjectPtr &o = it.value();
        auto &d = derivedOf(m_rollouts, it.key(), o, QStringLiteral("Rollout"), [](const QJsonObject &r) { return rolloutInfo(r, {}, {}, {}); },
                            [](const RolloutInfo &info) { return summaryOf(info); });
        const RolloutInfo *info = &d.plain;
        const QString *version = &d.plainVersion;
        if (isFocused(o, d.selector)) {
            if (d.object.isEmpty())
                d.object = QJsonDocument::fromJson(o->json()).object();
            const QString uid = uidOf(d.object);
            const QList<QJsonObject> sets = replicaSets.of(uid, QStringLiteral("Rollout"), o->name);
            const QList<QJsonObject> setPods = podsOf(sets);
            const QList<QJsonObject> setRuns = runs.of(uid, QStringLiteral("Rollout"), o->name);
            const QString now = versionOf(o, true, {&sets, &setPods, &setRuns});
            if (now != d.focusVersion) {
                d.focused = rolloutInfo(d.object, sets, setPods, setRuns);
                d.focusVersion = now;
                ++s.derivations;
            }
            info = &d.focused;
            version = &d.focusVersion;
        } else {
            forgetFocus(d, RolloutInfo());
        }
        s.versions.insert(d.versionKey, *version);
        s.rollouts.insert(it.key(), *info);
        s.rolloutObjects.insert(it.key(), o);
    }
    const auto &deployments = *inputs[Deployments].objects;
    keysChanged |= prune(m_deployments, deployments);
    s.deployments.reserve(deployments.size());
    for (auto it = deployments.cbegin(); it != deployments.cend(); ++it) {
        const KubeObjectPtr &o = it.value();
        auto &d = derivedOf(m_deployments, it.key(), o, QStringLiteral("Deployment"),
                            [](const QJsonObject &dep) { return deploymentHistory(dep, {}, {}); },
                            [](const DeploymentHistory &h) { return summaryOf(h); });
        const DeploymentHistory *h = &d.plain;
        const QString *version = &d.plainVersion;
        if (isFocused(o, d.selector)) {
            if (d.object.isEmpty())
                d.object = QJsonDocument::fromJson(o->json()).object();
            const QList<QJsonObject> sets = replicaSets.of(uidOf(d.object), QStringLiteral("Deployment"), o->name);
            const QList<QJsonObject> setPods = podsOf(sets);
            const QString now = versionOf(o, true, {&sets, &setPods});
            if (now != d.focusVersion) {
                d.focused = deploymentHistory(d.object, sets, setPods);
                d.focusVersion = now;
                ++s.derivations;
            }
            h = &d.focused;
            version = &d.focusVersion;
        } else {
            forgetFocus(d, DeploymentHistory());
        }
        s.versions.insert(d.versionKey, *version);
        s.deployments.insert(it.key(), *h);
    }
    // The sorted keys only when an object came or went.
    if (keysChanged || m_rolloutKeys.size() != m_rollouts.size() || m_deploymentKeys.size() != m_deployments.size()) {
        m_rolloutKeys = m_rollouts.keys();
        m_deploymentKeys = m_deployments.keys();
        std::sort(m_rolloutKeys.begin(), m_rolloutKeys.end());
        std::sort(m_deploymentKeys.begin(), m_deploymentKeys.end());
    }
    s.rolloutKeys = m_rolloutKeys;
    s.deploymentKeys = m_deploymentKeys;
    s.summaries.reserve(s.rolloutKeys.size() + s.deploymentKeys.size());
    for (const QString &key : std::as_const(s.rolloutKeys))
        s.summaries << m_rollouts.constFind(key)->summary;
    for (const QString &key : std::as_const(s.deploymentKeys))
        s.summaries << m_deployments.constFind(key)->summary;
    return s;
}

// --- RolloutWatch (GUI thread) ---

RolloutWatch::RolloutWatch(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<RolloutsSnapshot>();
}

RolloutWatch::~RolloutWatch() = default;

QList<WatchSpec> RolloutWatch::inputs() const
{
    QList<WatchSpec> specs{{rolloutsResource(), {}, {}, false}, {ResourceRef::deployments(), {}, {}, false}};
    if (m_focusWatched)
        specs << WatchSpec{replicaSetsResource(), m_focusNs, m_focusSelector, false}
              << WatchSpec{ResourceRef::pods(), m_focusNs, m_focusSelector, false}
              << WatchSpec{analysisRunsResource(), m_focusNs, {}, false};
    return specs;
}

void RolloutWatch::setSession(KubeSession *session)
{
    if (session == m_session && (session == nullptr || m_projection))
        return;
    delete m_projection.data();
    m_session = session;
    m_snapshot = RolloutsSnapshot{};
    if (!session) {
        setProblem(QStringLiteral("Not connected"));
        Q_EMIT changed();
        return;
    }
    auto deriver = std::make_shared<Deriver>();
    m_projection = session->project<RolloutsSnapshot>(
        inputs(),
        [deriver](const ProjectionInputs &in) { return deriver->derive(in); },
        this, [this](const RolloutsSnapshot &s) { onSnapshot(s); });
    m_projection->setCoalesceInterval(m_coalesceMs);
    connect(m_projection, &Projection::detached, this, [this] {
        m_snapshot.synced = false;
        Q_EMIT changed();
    });
}

void RolloutWatch::setFocus(const QString &kind, const QString &ns, const QString &name)
{
    const QString key = name.isEmpty() ? QString() : kind + QLatin1Char(':') + ns + QLatin1Char('/') + name;
    if (key == m_focusKey)
        return;
    m_focusKey = key;
    updateFocusInputs();
}

void RolloutWatch::updateFocusInputs()
{
    if (m_focusKey.isEmpty()) {
        m_wantedFocus.reset();
        return;  // the last focus's children stay watched: reselecting it is instant
    }
    const auto it = std::find_if(m_snapshot.summaries.cbegin(), m_snapshot.summaries.cend(),
                                 [this](const RolloutSummary &s) { return s.key() == m_focusKey; });
    if (it == m_snapshot.summaries.cend()) {
        m_wantedFocus.reset();  // its selector is not known yet: the next snapshot may carry it
        return;
    }
    m_wantedFocus = it->ns + QLatin1Char('|') + it->selector;
    if (m_focusWatched && m_focusNs == it->ns && m_focusSelector == it->selector)
        return;
    m_focusWatched = true;
    m_focusNs = it->ns;
    m_focusSelector = it->selector;
    if (m_projection)
        m_projection->setInputs(inputs());
}

void RolloutWatch::setCoalesceInterval(int ms)
{
    m_coalesceMs = ms;
    if (m_projection)
        m_projection->setCoalesceInterval(ms);
}

void RolloutWatch::onSnapshot(const RolloutsSnapshot &snapshot)
{
    m_snapshot = snapshot;
    updateFocusInputs();  // the focus's selector may have arrived (or changed) with it
    setProblem(snapshot.problem);
    Q_EMIT changed();
}

void RolloutWatch::setProblem(const QString &message)
{
    if (message == m_problem)
        return;
    m_problem = message;
    Q_EMIT problemChanged(message);
}

QByteArray RolloutWatch::rolloutJson(const QString &ns, const QString &name) const
{
    const KubeObjectPtr o = m_snapshot.rolloutObjects.value(ns + QLatin1Char('/') + name);
    return o ? o->json() : QByteArray();
}

RolloutInfo RolloutWatch::infoFor(const QJsonObject &rollout) const
{
    const QString ns = rollout.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("namespace")).toString();
    if (!m_snapshot.hasFocus || ns != m_snapshot.focusNamespace || Deriver::selectorOf(rollout) != m_snapshot.focusSelector)
        return rolloutInfo(rollout, {}, {}, {});
    return rolloutInfo(rollout, m_snapshot.focusReplicaSets, m_snapshot.focusPods, m_snapshot.focusAnalysisRuns);
}

RolloutInfo RolloutWatch::rollout(const QString &ns, const QString &name) const
{
    auto it = m_snapshot.rollouts.constFind(ns + QLatin1Char('/') + name);
    if (it != m_snapshot.rollouts.constEnd())
        return *it;
    RolloutInfo missing;
    missing.ns = ns;
    missing.name = name;
    missing.error = QStringLiteral("Rollout %1/%2 not found").arg(ns, name);
    return missing;
}

DeploymentHistory RolloutWatch::deployment(const QString &ns, const QString &name) const
{
    auto it = m_snapshot.deployments.constFind(ns + QLatin1Char('/') + name);
    if (it != m_snapshot.deployments.constEnd())
        return *it;
    DeploymentHistory missing;
    missing.ns = ns;
    missing.name = name;
    missing.error = QStringLiteral("Deployment %1/%2 not found").arg(ns, name);
    return missing;
}

QList<PodTile> RolloutWatch::podTiles(const RevisionInfo &revision) const
{
    QList<PodTile> out;
    if (!focusCurrent())
        return out;
    for (const PodInfo &p : revision.pods) {
        auto it = m_snapshot.focusPodTiles.constFind(p.name);
        if (it != m_snapshot.focusPodTiles.constEnd())
            out << *it;
    }
    std::sort(out.begin(), out.end(), [](const PodTile &a, const PodTile &b) {
        return a.createdMsecs != b.createdMsecs ? a.createdMsecs < b.createdMsecs : a.name < b.name;
    });
    return out;
}

}  // namespace pilothouse::backends::rollouts
