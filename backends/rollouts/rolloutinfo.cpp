// Rollout and Deployment display info, following the kubectl-argo-rollouts plugin's rules.
#include "rollouts/rolloutinfo.h"

#include <QJsonArray>

#include <algorithm>

namespace pilothouse::backends::rollouts {

namespace {

QJsonObject obj(const QJsonObject &o, const char *key) { return o.value(QLatin1String(key)).toObject(); }
QString str(const QJsonObject &o, const char *key) { return o.value(QLatin1String(key)).toString(); }
int integer(const QJsonObject &o, const char *key, int fallback = 0)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isDouble())
        return v.toInt();
    if (v.isString()) {
        bool ok = false;
        const int n = v.toString().toInt(&ok);
        return ok ? n : fallback;
    }
    return fallback;
}
bool boolean(const QJsonObject &o, const char *key) { return o.value(QLatin1String(key)).toBool(); }
QDateTime timeOf(const QJsonValue &v) { return QDateTime::fromString(v.toString(), Qt::ISODate); }

bool ownedBy(const QJsonObject &child, const QString &ownerUid, const QString &ownerKind, const QString &ownerName)
{
    const QJsonArray refs = obj(child, "metadata").value(QLatin1String("ownerReferences")).toArray();
    for (const QJsonValue &r : refs) {
        const QJsonObject ref = r.toObject();
        if (!ownerUid.isEmpty() && !str(ref, "uid").isEmpty()) {
            if (str(ref, "uid") == ownerUid)
                return true;
        } else if (str(ref, "kind") == ownerKind && str(ref, "name") == ownerName) {
            return true;
        }
    }
    return false;
}

// The plugin's getReplicaSetHealth.
QString replicaSetHealth(const QJsonObject &rs)
{
    const QJsonObject meta = obj(rs, "metadata");
    const QJsonObject spec = obj(rs, "spec");
    const QJsonObject status = obj(rs, "status");
    const bool hasReplicas = spec.contains(QLatin1String("replicas"));
    const int replicas = integer(spec, "replicas");
    if (integer(meta, "generation") > integer(status, "observedGeneration"))
        return QStringLiteral("Progressing");
    for (const QJsonValue &c : status.value(QLatin1String("conditions")).toArray()) {
        const QJsonObject cond = c.toObject();
        if (str(cond, "type") == QLatin1String("ReplicaFailure") && str(cond, "status") == QLatin1String("True"))
            return QStringLiteral("ReplicaFailure");
    }
    if (hasReplicas && integer(status, "availableReplicas") < replicas)
        return QStringLiteral("Progressing");
    if (hasReplicas && replicas == 0)
        return QStringLiteral("ScaledDown");
    return QStringLiteral("Healthy");
}

RevisionInfo revisionFrom(const QJsonObject &rs, const char *revisionAnnotation, const char *hashLabel)
{
    const QJsonObject meta = obj(rs, "metadata");
    const QJsonObject spec = obj(rs, "spec");
    const QJsonObject status = obj(rs, "status");
    RevisionInfo r;
    r.name = str(meta, "name");
    r.uid = str(meta, "uid");
    r.podTemplateHash = obj(meta, "labels").value(QLatin1String(hashLabel)).toString();
    r.revision = obj(meta, "annotations").value(QLatin1String(revisionAnnotation)).toString().toInt();
    r.scaleDownDeadline = timeOf(obj(meta, "annotations").value(QLatin1String(kScaleDownDeadlineAnnotation)));
    r.created = timeOf(meta.value(QLatin1String("creationTimestamp")));
    r.desired = integer(spec, "replicas");
    r.replicas = integer(status, "replicas");
    r.ready = integer(status, "readyReplicas");
    r.available = integer(status, "availableReplicas");
    r.health = replicaSetHealth(rs);
    r.podTemplate = obj(spec, "template");
    r.annotations = obj(meta, "annotations");
    const QJsonObject podSpec = obj(r.podTemplate, "spec");
    for (const QJsonValue &c : podSpec.value(QLatin1String("containers")).toArray())
        r.images << str(c.toObject(), "image");
    for (const QJsonValue &c : podSpec.value(QLatin1String("initContainers")).toArray())
        r.initImages << str(c.toObject(), "image");
    return r;
}

void sortRevisions(QList<RevisionInfo> &revisions)
{
    std::stable_sort(revisions.begin(), revisions.end(), [](const RevisionInfo &a, const RevisionInfo &b) {
        if (a.revision != b.revision)
            return a.revision > b.revision;
        return a.name < b.name;
    });
}

void attachPods(QList<RevisionInfo> &revisions, const QList<QJsonObject> &pods)
{
    for (RevisionInfo &r : revisions) {
        for (const QJsonObject &p : pods)
            if (ownedBy(p, r.uid, QStringLiteral("ReplicaSet"), r.name))
                r.pods << podInfo(p);
        std::sort(r.pods.begin(), r.pods.end(), [](const PodInfo &a, const PodInfo &b) { return a.name < b.name; });
    }
}

AnalysisRunInfo analysisRunFrom(const QJsonObject &run)
{
    const QJsonObject meta = obj(run, "metadata");
    const QJsonObject status = obj(run, "status");
    AnalysisRunInfo a;
    a.name = str(meta, "name");
    a.revision = obj(meta, "annotations").value(QLatin1String(kRevisionAnnotation)).toString().toInt();
    a.created = timeOf(meta.value(QLatin1String("creationTimestamp")));
    a.phase = str(status, "phase");
    a.message = str(status, "message");
    // The spec says what each metric wants (condition, count); the status what it measured.
    const QJsonArray specMetrics = obj(run, "spec").value(QLatin1String("metrics")).toArray();
    auto specOf = [&](const QString &name) {
        for (const QJsonValue &m : specMetrics)
            if (str(m.toObject(), "name") == name)
                return m.toObject();
        return QJsonObject();
    };
    QStringList seen;
    for (const QJsonValue &v : status.value(QLatin1String("metricResults")).toArray()) {
        const QJsonObject mr = v.toObject();
        MetricResult m;
        m.name = str(mr, "name");
        m.phase = str(mr, "phase");
        m.message = str(mr, "message");
        m.successful = integer(mr, "successful");
        m.failed = integer(mr, "failed");
        m.inconclusive = integer(mr, "inconclusive");
        m.error = integer(mr, "error");
        for (const QJsonValue &mv : mr.value(QLatin1String("measurements")).toArray()) {
            const QJsonObject ms = mv.toObject();
            m.measurements << Measurement{str(ms, "value"), str(ms, "phase"), str(ms, "message"), timeOf(ms.value(QLatin1String("startedAt"))),
                                          timeOf(ms.value(QLatin1String("finishedAt")))};
        }
        a.metrics << m;
        seen << m.name;
    }
    // Metrics not measured yet still show what they will check.
    for (const QJsonValue &v : specMetrics) {
        const QString name = str(v.toObject(), "name");
        if (!seen.contains(name)) {
            MetricResult m;
            m.name = name;
            m.phase = QStringLiteral("Pending");
            a.metrics << m;
        }
    }
    for (MetricResult &m : a.metrics) {
        const QJsonObject s = specOf(m.name);
        m.successCondition = str(s, "successCondition");
        m.failureCondition = str(s, "failureCondition");
        m.count = integer(s, "count");
        const QJsonObject provider = obj(s, "provider");
        if (!provider.isEmpty())
            m.provider = provider.keys().constFirst();
        a.successful += m.successful;
        a.failed += m.failed;
        a.inconclusive += m.inconclusive;
        a.error += m.error;
    }
    return a;
}

bool generationObserved(const QJsonObject &rollout)
{
    const QJsonValue observed = obj(rollout, "status").value(QLatin1String("observedGeneration"));
    bool ok = false;
    qint64 gen = 0;
    if (observed.isDouble()) {
        gen = observed.toInteger();
        ok = true;
    } else {
        gen = observed.toString().toLongLong(&ok);  // v0.9 wrote a hash here: then it counts as observed
    }
    if (!ok)
        return true;
    return gen >= obj(rollout, "metadata").value(QLatin1String("generation")).toInteger();
}

// GetCurrentCanaryStep: the index, or -1 when there is no current step (no steps, or past the last).
int currentCanaryStep(const QJsonArray &steps, const QJsonObject &status)
{
    if (steps.isEmpty())
        return -1;
    const int index = status.contains(QLatin1String("currentStepIndex")) ? integer(status, "currentStepIndex") : 0;
    return index < steps.size() ? index : -1;
}

}  // namespace

QString rolloutStatusName(RolloutStatus s)
{
    switch (s) {
    case RolloutStatus::Healthy: return QStringLiteral("Healthy");
    case RolloutStatus::Progressing: return QStringLiteral("Progressing");
    case RolloutStatus::Paused: return QStringLiteral("Paused");
    case RolloutStatus::Degraded: return QStringLiteral("Degraded");
    case RolloutStatus::Aborted: return QStringLiteral("Aborted");
    case RolloutStatus::Unknown: break;
    }
    return QStringLiteral("Unknown");
}

QString shortImage(const QString &image)
{
    const int slash = image.lastIndexOf(QLatin1Char('/'));
    return slash < 0 ? image : image.mid(slash + 1);
}

int RevisionInfo::readyPods() const
{
    if (pods.isEmpty())
        return ready;
    return static_cast<int>(std::count_if(pods.begin(), pods.end(), [](const PodInfo &p) { return p.isReady(); }));
}

QStringList RevisionInfo::roles() const
{
    QStringList out;
    if (stable)
        out << QStringLiteral("stable");
    if (active)
        out << QStringLiteral("active");
    if (preview)
        out << QStringLiteral("preview");
    if (canary)
        out << QStringLiteral("canary");
    return out;
}

QString RevisionInfo::label() const
{
    QStringList shortImages;
    for (const QString &i : images)
        shortImages << shortImage(i);
    return shortImages.isEmpty() ? QStringLiteral("revision %1").arg(revision)
                                 : QStringLiteral("revision %1 (%2)").arg(revision).arg(shortImages.join(QStringLiteral(", ")));
}

const RevisionInfo *RolloutInfo::revisionByHash(const QString &hash) const
{
    if (hash.isEmpty())
        return nullptr;
    for (const RevisionInfo &r : revisions)
        if (r.podTemplateHash == hash)
            return &r;
    return nullptr;
}

const RevisionInfo *RolloutInfo::revisionByNumber(int revision) const
{
    for (const RevisionInfo &r : revisions)
        if (r.revision == revision)
            return &r;
    return nullptr;
}

const RevisionInfo *RolloutInfo::activeRevision() const { return revisionByHash(activeSelector); }
const RevisionInfo *RolloutInfo::previewRevision() const
{
    return previewSelector == activeSelector ? nullptr : revisionByHash(previewSelector);
}
const RevisionInfo *RolloutInfo::stableRevision() const { return revisionByHash(stableRS); }
const RevisionInfo *RolloutInfo::currentRevision() const { return revisionByHash(currentPodHash); }

QStringList RolloutInfo::images() const
{
    QStringList out;
    for (const QJsonValue &c : obj(podTemplate, "spec").value(QLatin1String("containers")).toArray())
        out << str(c.toObject(), "image");
    return out;
}

std::pair<QString, QString> rolloutPhase(const QJsonObject &rollout)
{
    const QJsonObject spec = obj(rollout, "spec");
    const QJsonObject status = obj(rollout, "status");
    const QJsonArray pauseConditions = status.value(QLatin1String("pauseConditions")).toArray();
    if (!generationObserved(rollout))
        return {QStringLiteral("Progressing"), QStringLiteral("waiting for rollout spec update to be observed")};
    if (boolean(status, "controllerPause") && pauseConditions.isEmpty())
        return {QStringLiteral("Progressing"), QStringLiteral("waiting for rollout to unpause")};
    // Rollouts 1.0 and later compute phase and message in the controller.
    if (!str(status, "phase").isEmpty())
        return {str(status, "phase"), str(status, "message")};

    for (const QJsonValue &c : status.value(QLatin1String("conditions")).toArray()) {
        const QJsonObject cond = c.toObject();
        if (str(cond, "type") == QLatin1String("InvalidSpec"))
            return {QStringLiteral("Degraded"), QStringLiteral("InvalidSpec: ") + str(cond, "message")};
        const QString reason = str(cond, "reason");
        if (reason == QLatin1String("RolloutAborted") || reason == QLatin1String("ProgressDeadlineExceeded"))
            return {QStringLiteral("Degraded"), reason + QStringLiteral(": ") + str(cond, "message")};
    }
    if (boolean(spec, "paused"))
        return {QStringLiteral("Paused"), QStringLiteral("manually paused")};
    if (!pauseConditions.isEmpty())
        return {QStringLiteral("Paused"), str(pauseConditions.first().toObject(), "reason")};
    if (spec.contains(QLatin1String("restartAt")) && str(spec, "restartAt") != str(status, "restartedAt"))
        return {QStringLiteral("Progressing"), QStringLiteral("rollout is restarting")};
    const int desired = spec.contains(QLatin1String("replicas")) ? integer(spec, "replicas") : 1;
    const int updated = integer(status, "updatedReplicas");
    if (updated < desired)
        return {QStringLiteral("Progressing"), QStringLiteral("more replicas need to be updated")};
    if (integer(status, "availableReplicas") < updated)
        return {QStringLiteral("Progressing"), QStringLiteral("updated replicas are still becoming available")};
    const QString currentHash = str(status, "currentPodHash");
    const QString stable = str(status, "stableRS");
    const QJsonObject strategy = obj(spec, "strategy");
    if (strategy.contains(QLatin1String("blueGreen"))) {
        const QString activeSel = str(obj(status, "blueGreen"), "activeSelector");
        if (activeSel.isEmpty() || activeSel != currentHash)
            return {QStringLiteral("Progressing"), QStringLiteral("active service cutover pending")};
        if (stable.isEmpty() || stable != currentHash) {
            const bool postAnalysis = obj(strategy, "blueGreen").contains(QLatin1String("postPromotionAnalysis"));
            const QString postPhase = str(obj(obj(status, "blueGreen"), "postPromotionAnalysisRunStatus"), "status");
            const bool completed = postPhase == QLatin1String("Successful") || postPhase == QLatin1String("Failed") ||
                                   postPhase == QLatin1String("Error") || postPhase == QLatin1String("Inconclusive");
            if (postAnalysis && !completed)
                return {QStringLiteral("Progressing"), QStringLiteral("waiting for analysis to complete")};
            return {QStringLiteral("Progressing"), QStringLiteral("waiting for post-promotion verification to complete")};
        }
    } else if (strategy.contains(QLatin1String("canary"))) {
        if (!obj(strategy, "canary").contains(QLatin1String("trafficRouting")) && integer(status, "replicas") > updated)
            return {QStringLiteral("Progressing"), QStringLiteral("old replicas are pending termination")};
        if (stable.isEmpty() || stable != currentHash)
            return {QStringLiteral("Progressing"), QStringLiteral("waiting for all steps to complete")};
    }
    return {QStringLiteral("Healthy"), QString()};
}

RolloutInfo rolloutInfo(const QJsonObject &rollout, const QList<QJsonObject> &replicaSets, const QList<QJsonObject> &pods,
                        const QList<QJsonObject> &analysisRuns)
{
    RolloutInfo info;
    const QJsonObject meta = obj(rollout, "metadata");
    const QJsonObject spec = obj(rollout, "spec");
    const QJsonObject status = obj(rollout, "status");
    info.name = str(meta, "name");
    info.ns = str(meta, "namespace");
    if (str(rollout, "kind") != QLatin1String("Rollout") || info.name.isEmpty() || !rollout.value(QLatin1String("spec")).isObject()) {
        info.error = QStringLiteral("not a Rollout: expected kind Rollout with metadata.name and spec (got kind \"%1\", name \"%2\")")
                         .arg(str(rollout, "kind"), info.name);
        return info;
    }
    info.uid = str(meta, "uid");
    info.resourceVersion = str(meta, "resourceVersion");
    info.created = timeOf(meta.value(QLatin1String("creationTimestamp")));
    info.gitopsApp = obj(meta, "annotations").value(QLatin1String("pilothouse.dev/gitops-app")).toString();
    info.podTemplate = obj(spec, "template");

    info.specPaused = boolean(spec, "paused");
    info.controllerPause = boolean(status, "controllerPause");
    info.aborted = boolean(status, "abort");
    info.promoteFull = boolean(status, "promoteFull");
    for (const QJsonValue &p : status.value(QLatin1String("pauseConditions")).toArray())
        info.pauseReasons << str(p.toObject(), "reason");
    info.currentPodHash = str(status, "currentPodHash");
    info.stableRS = str(status, "stableRS");
    // Before v0.9 the canary's stable hash lived in status.canary.stableRS.
    if (const QString legacy = str(obj(status, "canary"), "stableRS"); !legacy.isEmpty())
        info.stableRS = legacy;
    info.activeSelector = str(obj(status, "blueGreen"), "activeSelector");
    info.previewSelector = str(obj(status, "blueGreen"), "previewSelector");
    info.desired = spec.contains(QLatin1String("replicas")) ? integer(spec, "replicas") : 1;
    info.current = integer(status, "replicas");
    info.updated = integer(status, "updatedReplicas");
    info.ready = integer(status, "readyReplicas");
    info.available = integer(status, "availableReplicas");

    const QJsonObject strategy = obj(spec, "strategy");
    const QJsonObject canary = obj(strategy, "canary");
    const QJsonObject blueGreen = obj(strategy, "blueGreen");
    if (strategy.contains(QLatin1String("canary"))) {
        info.strategy = Strategy::Canary;
        info.strategyName = QStringLiteral("Canary");
    } else if (strategy.contains(QLatin1String("blueGreen"))) {
        info.strategy = Strategy::BlueGreen;
        info.strategyName = QStringLiteral("BlueGreen");
        info.activeService = str(blueGreen, "activeService");
        info.previewService = str(blueGreen, "previewService");
        info.autoPromotionEnabled = !blueGreen.contains(QLatin1String("autoPromotionEnabled")) || boolean(blueGreen, "autoPromotionEnabled");
        info.autoPromotionSeconds = integer(blueGreen, "autoPromotionSeconds");
        info.scaleDownDelaySeconds = integer(blueGreen, "scaleDownDelaySeconds", 30);
    }

    // Revisions: the ReplicaSets this Rollout controls, with their roles.
    for (const QJsonObject &rs : replicaSets) {
        if (!ownedBy(rs, info.uid, QStringLiteral("Rollout"), info.name))
            continue;
        RevisionInfo r = revisionFrom(rs, kRevisionAnnotation, kPodTemplateHashLabel);
        const QString hash = r.podTemplateHash;
        if (info.strategy == Strategy::Canary) {
            if (!hash.isEmpty() && hash == info.stableRS)
                r.stable = true;
            else if (!hash.isEmpty() && hash == info.currentPodHash)
                r.canary = true;
        } else if (info.strategy == Strategy::BlueGreen) {
            r.stable = !hash.isEmpty() && hash == info.stableRS;
            if (!hash.isEmpty() && hash == info.activeSelector)
                r.active = true;
            else if (!hash.isEmpty() && hash == info.previewSelector)
                r.preview = true;
        }
        info.revisions << r;
    }
    sortRevisions(info.revisions);
    attachPods(info.revisions, pods);

    for (const QJsonObject &run : analysisRuns)
        if (ownedBy(run, info.uid, QStringLiteral("Rollout"), info.name))
            info.analysisRuns << analysisRunFrom(run);
    std::stable_sort(info.analysisRuns.begin(), info.analysisRuns.end(), [](const AnalysisRunInfo &a, const AnalysisRunInfo &b) {
        if (a.revision != b.revision)
            return a.revision > b.revision;
        if (a.created != b.created)
            return a.created < b.created;
        return a.name > b.name;
    });

    if (info.strategy == Strategy::Canary) {
        const QJsonArray steps = canary.value(QLatin1String("steps")).toArray();
        for (const QJsonValue &v : steps) {
            const QJsonObject s = v.toObject();
            CanaryStep step;
            if (s.contains(QLatin1String("setWeight"))) {
                step.setWeight = integer(s, "setWeight");
                step.text = QStringLiteral("setWeight: %1").arg(*step.setWeight);
            } else if (s.contains(QLatin1String("pause"))) {
                step.pause = true;
                const QJsonValue d = obj(s, "pause").value(QLatin1String("duration"));
                step.pauseDuration = d.isDouble() ? QString::number(d.toInt()) + QLatin1Char('s') : d.toString();
                step.text = step.pauseDuration.isEmpty() ? QStringLiteral("pause") : QStringLiteral("pause: ") + step.pauseDuration;
            } else if (s.contains(QLatin1String("analysis"))) {
                step.text = QStringLiteral("analysis");
            } else if (s.contains(QLatin1String("experiment"))) {
                step.text = QStringLiteral("experiment");
            } else if (s.contains(QLatin1String("setCanaryScale"))) {
                step.text = QStringLiteral("setCanaryScale");
            } else {
                step.text = QStringLiteral("invalid");
            }
            info.steps << step;
        }
        if (status.contains(QLatin1String("currentStepIndex")) && !steps.isEmpty()) {
            info.currentStepIndex = integer(status, "currentStepIndex");
            info.step = QStringLiteral("%1/%2").arg(info.currentStepIndex).arg(steps.size());
        }
        // GetCurrentSetWeight: the desired weight, not what the pods carry.
        const int current = currentCanaryStep(steps, status);
        if (info.aborted) {
            info.setWeight = 0;
        } else if (current < 0) {
            info.setWeight = 100;
        } else {
            info.setWeight = 0;
            for (int i = current; i >= 0; --i)
                if (steps.at(i).toObject().contains(QLatin1String("setWeight"))) {
                    info.setWeight = integer(steps.at(i).toObject(), "setWeight");
                    break;
                }
        }
        info.actualWeight = 0;
        if (current < 0) {
            info.actualWeight = 100;
        } else if (info.available > 0) {
            if (!canary.contains(QLatin1String("trafficRouting"))) {
                for (const RevisionInfo &r : info.revisions)
                    if (r.canary)
                        info.actualWeight = r.available * 100 / info.available;
            } else {
                info.actualWeight = info.setWeight;
            }
        }
    }

    // Status and message.
    const auto [phase, message] = rolloutPhase(rollout);
    info.phase = phase;
    info.message = message;
    for (const QJsonValue &c : status.value(QLatin1String("conditions")).toArray()) {
        const QJsonObject cond = c.toObject();
        if (str(cond, "type") == QLatin1String("InvalidSpec")) {
            info.invalidSpec = true;
            info.errorConditions << str(cond, "message");
        }
    }
    if (info.aborted) {
        const QJsonObject runs[] = {obj(obj(status, "canary"), "currentStepAnalysisRunStatus"),
                                    obj(obj(status, "canary"), "currentBackgroundAnalysisRunStatus"),
                                    obj(obj(status, "blueGreen"), "prePromotionAnalysisRunStatus"),
                                    obj(obj(status, "blueGreen"), "postPromotionAnalysisRunStatus")};
        for (const QJsonObject &r : runs) {
            const QString s = str(r, "status");
            const bool failedRun = s == QLatin1String("Failed") || s == QLatin1String("Error") || s == QLatin1String("Inconclusive");
            if (failedRun && !str(r, "message").isEmpty())
                info.errorConditions << str(r, "message");
        }
    }
    if (phase == QLatin1String("Healthy"))
        info.status = RolloutStatus::Healthy;
    else if (phase == QLatin1String("Progressing"))
        info.status = RolloutStatus::Progressing;
    else if (phase == QLatin1String("Paused"))
        info.status = RolloutStatus::Paused;
    else if (phase == QLatin1String("Degraded"))
        info.status = RolloutStatus::Degraded;
    if (info.aborted && !info.invalidSpec) {
        info.status = RolloutStatus::Aborted;
        if (info.message.isEmpty())
            info.message = QStringLiteral("aborted");
    }
    return info;
}

PodInfo podInfo(const QJsonObject &pod)
{
    const QJsonObject meta = obj(pod, "metadata");
    const QJsonObject status = obj(pod, "status");
    PodInfo p;
    p.name = str(meta, "name");
    p.status = str(status, "reason").isEmpty() ? str(status, "phase") : str(status, "reason");
    const QJsonArray containers = obj(pod, "spec").value(QLatin1String("containers")).toArray();
    p.total = containers.size();
    for (const QJsonValue &v : status.value(QLatin1String("containerStatuses")).toArray()) {
        const QJsonObject cs = v.toObject();
        if (boolean(cs, "ready"))
            ++p.ready;
        p.restarts += integer(cs, "restartCount");
        const QJsonObject state = obj(cs, "state");
        const QString waiting = str(obj(state, "waiting"), "reason");
        const QString terminated = str(obj(state, "terminated"), "reason");
        if (!waiting.isEmpty())
            p.status = waiting;
        else if (!terminated.isEmpty())
            p.status = terminated;
    }
    if (meta.contains(QLatin1String("deletionTimestamp")))
        p.status = QStringLiteral("Terminating");
    if (p.status.isEmpty())
        p.status = QStringLiteral("Pending");
    return p;
}

const RevisionInfo *DeploymentHistory::revisionByNumber(int revision) const
{
    for (const RevisionInfo &r : revisions)
        if (r.revision == revision)
            return &r;
    return nullptr;
}

DeploymentHistory deploymentHistory(const QJsonObject &deployment, const QList<QJsonObject> &replicaSets, const QList<QJsonObject> &pods)
{
    DeploymentHistory h;
    const QJsonObject meta = obj(deployment, "metadata");
    h.name = str(meta, "name");
    h.ns = str(meta, "namespace");
    if (str(deployment, "kind") != QLatin1String("Deployment") || h.name.isEmpty()) {
        h.error = QStringLiteral("not a Deployment: expected kind Deployment with metadata.name (got kind \"%1\")").arg(str(deployment, "kind"));
        return h;
    }
    h.resourceVersion = str(meta, "resourceVersion");
    h.paused = boolean(obj(deployment, "spec"), "paused");
    h.podTemplate = obj(obj(deployment, "spec"), "template");
    const QJsonObject dspec = obj(deployment, "spec");
    const QJsonObject dstatus = obj(deployment, "status");
    h.desired = dspec.contains(QLatin1String("replicas")) ? integer(dspec, "replicas") : 1;
    h.updated = integer(dstatus, "updatedReplicas");
    h.ready = integer(dstatus, "readyReplicas");
    h.available = integer(dstatus, "availableReplicas");
    h.status = h.paused ? QStringLiteral("Paused")
               : (h.updated >= h.desired && h.available >= h.desired && integer(dstatus, "replicas") <= h.desired) ? QStringLiteral("Healthy")
                                                                                                                   : QStringLiteral("Progressing");
    h.annotations = obj(meta, "annotations");
    h.currentRevision = h.annotations.value(QLatin1String(kDeploymentRevisionAnnotation)).toString().toInt();
    const QString uid = str(meta, "uid");
    for (const QJsonObject &rs : replicaSets)
        if (ownedBy(rs, uid, QStringLiteral("Deployment"), h.name))
            h.revisions << revisionFrom(rs, kDeploymentRevisionAnnotation, kDeploymentHashLabel);
    sortRevisions(h.revisions);
    if (h.currentRevision == 0 && !h.revisions.isEmpty())
        h.currentRevision = h.revisions.first().revision;
    // The Deployment's current revision is what its pods run now: shown as the stable, active one.
    for (RevisionInfo &r : h.revisions)
        if (r.revision == h.currentRevision)
            r.stable = r.active = true;
    attachPods(h.revisions, pods);
    return h;
}

}  // namespace pilothouse::backends::rollouts
