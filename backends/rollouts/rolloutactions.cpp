// The rollout plugin's actions with their preconditions, confirmation texts and applicability.
#include "rollouts/rolloutactions.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace pilothouse::backends::rollouts {

using actions::Action;

namespace {

QByteArray compact(const QJsonValue &v)
{
    return v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact) : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
}

// A resourceVersion in a merge patch is a precondition: the server answers 409 when the object changed.
QByteArray mergeWithVersion(QJsonObject patch, const QString &rv)
{
    if (!rv.isEmpty())
        patch.insert(QStringLiteral("metadata"), QJsonObject{{QStringLiteral("resourceVersion"), rv}});
    return compact(patch);
}

QJsonObject testTemplate(const QJsonObject &templ)
{
    return QJsonObject{{QStringLiteral("op"), QStringLiteral("test")}, {QStringLiteral("path"), QStringLiteral("/spec/template")},
                       {QStringLiteral("value"), templ}};
}

Action base(const RolloutInfo &info, const QString &name)
{
    Action a;
    a.name = name;
    a.resource = rolloutsResource();
    a.ns = info.ns;
    a.objectName = info.name;
    a.verb = QStringLiteral("patch");
    a.expectedResourceVersion = info.resourceVersion;
    return a;
}

// Status fields go to /status first, and to the main resource when the server keeps no status
// subresource for rollouts (NotFound), as the plugin does.
void statusPatch(Action &a, const QJsonObject &status, const QJsonObject &unified, const QString &rv)
{
    a.subresource = QStringLiteral("status");
    a.body = mergeWithVersion(QJsonObject{{QStringLiteral("status"), status}}, rv);
    a.fallbackBody = mergeWithVersion(unified, rv);
}

QString label(const RevisionInfo *r) { return r ? r->label() : QStringLiteral("(no revision)"); }

int podCount(const RevisionInfo *r) { return r ? (r->pods.isEmpty() ? r->replicas : static_cast<int>(r->pods.size())) : 0; }

QString pods(int n) { return n == 1 ? QStringLiteral("1 pod") : QStringLiteral("%1 pods").arg(n); }

// "3 pods of revision 3 scale down after 30 s"
QString scaleDownText(const RevisionInfo *old, int delaySeconds)
{
    if (!old)
        return QString();
    const QString when = delaySeconds > 0 ? QStringLiteral("after %1 s").arg(delaySeconds) : QStringLiteral("at once");
    return QStringLiteral("%1 of revision %2 scale down %3").arg(pods(podCount(old))).arg(old->revision).arg(when);
}

QString shortImages(const QStringList &images)
{
    QStringList out;
    for (const QString &i : images)
        out << shortImage(i);
    return out.join(QStringLiteral(", "));
}

QStringList templateImages(const QJsonObject &templ)
{
    QStringList out;
    for (const QJsonValue &c : templ.value(QStringLiteral("spec")).toObject().value(QStringLiteral("containers")).toArray())
        out << c.toObject().value(QStringLiteral("image")).toString();
    return out;
}

bool derivative(const QJsonValue &a, const QJsonValue &b)
{
    if (a.isNull() || a.isUndefined())
        return true;  // unset in the first: any value in the second
    if (a.isObject()) {
        if (!b.isObject())
            return false;
        const QJsonObject ao = a.toObject(), bo = b.toObject();
        for (auto it = ao.begin(); it != ao.end(); ++it)
            if (!derivative(it.value(), bo.value(it.key())))
                return false;
        return true;
    }
    if (a.isArray()) {
        const QJsonArray aa = a.toArray(), ba = b.toArray();
        if (!b.isArray() || aa.size() != ba.size())
            return false;
        for (qsizetype i = 0; i < aa.size(); ++i)
            if (!derivative(aa.at(i), ba.at(i)))
                return false;
        return true;
    }
    return a == b;
}

QJsonObject withoutHashLabel(QJsonObject templ, const QString &hashLabel)
{
    QJsonObject meta = templ.value(QStringLiteral("metadata")).toObject();
    QJsonObject labels = meta.value(QStringLiteral("labels")).toObject();
    labels.remove(hashLabel);
    meta.insert(QStringLiteral("labels"), labels);
    templ.insert(QStringLiteral("metadata"), meta);
    return templ;
}

QString notPromotable(const RolloutInfo &info)
{
    if (!info.error.isEmpty())
        return info.error;
    if (info.invalidSpec)
        return QStringLiteral("The rollout's spec is invalid: %1").arg(info.errorConditions.value(0));
    if (info.aborted)
        return QStringLiteral("The update was aborted: retry it, or undo to a revision");
    return QString();
}

}  // namespace

kube::ResourceRef rolloutsResource()
{
    return {QStringLiteral("argoproj.io"), QStringLiteral("v1alpha1"), QStringLiteral("rollouts"), QStringLiteral("Rollout"), true};
}
kube::ResourceRef analysisRunsResource()
{
    return {QStringLiteral("argoproj.io"), QStringLiteral("v1alpha1"), QStringLiteral("analysisruns"), QStringLiteral("AnalysisRun"), true};
}
kube::ResourceRef replicaSetsResource()
{
    return {QStringLiteral("apps"), QStringLiteral("v1"), QStringLiteral("replicasets"), QStringLiteral("ReplicaSet"), true};
}

RolloutAction RolloutActions::promote(const RolloutInfo &info)
{
    RolloutAction r{base(info, QStringLiteral("promote")), notPromotable(info)};
    if (!r.applies())
        return r;
    Action &a = r.action;
    const QString rv = info.resourceVersion;
    const QJsonObject unpause{{QStringLiteral("paused"), false}};
    QStringList what;

    if (!info.pauseReasons.isEmpty()) {
        // Paused by the controller (a step, the blue-green pause, an inconclusive analysis).
        statusPatch(a, QJsonObject{{QStringLiteral("pauseConditions"), QJsonValue::Null}},
                    QJsonObject{{QStringLiteral("spec"), unpause}, {QStringLiteral("status"), QJsonObject{{QStringLiteral("pauseConditions"), QJsonValue::Null}}}},
                    rv);
        // Both kinds of pause at once: the spec half goes after the status half. The status patch
        // carried the precondition; this one only clears a flag and is safe on any version.
        if (info.specPaused) {
            a.followUpBody = compact(QJsonObject{{QStringLiteral("spec"), unpause}});
            a.partialState = QStringLiteral("pause conditions cleared, spec.paused still true");
        }
    } else if (info.specPaused && info.strategy == Strategy::Canary && !info.steps.isEmpty() && info.currentStepIndex < info.steps.size()) {
        // Paused by hand in the middle of a canary step: the plugin's getPatches sends the step
        // skip to /status as well as spec.paused=false (the controller would otherwise resume into
        // the same step).
        const int next = std::max(info.currentStepIndex, 0) + 1;
        const QJsonObject status{{QStringLiteral("pauseConditions"), QJsonValue::Null}, {QStringLiteral("currentStepIndex"), next}};
        statusPatch(a, status, QJsonObject{{QStringLiteral("spec"), unpause}, {QStringLiteral("status"), status}}, rv);
        a.followUpBody = compact(QJsonObject{{QStringLiteral("spec"), unpause}});
        a.partialState = QStringLiteral("pause conditions cleared and step %1 skipped, spec.paused still true").arg(next - 1);
    } else if (info.specPaused) {
        a.body = mergeWithVersion(QJsonObject{{QStringLiteral("spec"), unpause}}, rv);
    } else if (info.strategy == Strategy::Canary && info.currentPodHash != info.stableRS && !info.steps.isEmpty() &&
               info.currentStepIndex < info.steps.size()) {
        // A canary running a step (analysis, a weight not yet reached): promote skips that step.
        const int index = std::max(info.currentStepIndex, 0);
        const int next = index + 1;
        statusPatch(a, QJsonObject{{QStringLiteral("pauseConditions"), QJsonValue::Null}, {QStringLiteral("currentStepIndex"), next}},
                    QJsonObject{{QStringLiteral("spec"), unpause},
                                {QStringLiteral("status"), QJsonObject{{QStringLiteral("pauseConditions"), QJsonValue::Null}, {QStringLiteral("currentStepIndex"), next}}}},
                    rv);
        a.change = QStringLiteral("skip step %1/%2 (%3) of canary %4").arg(index).arg(info.steps.size()).arg(info.steps[index].text, label(info.currentRevision()));
        return r;
    } else {
        if (info.strategy == Strategy::Canary && info.currentPodHash == info.stableRS)
            r.notApplicable = QStringLiteral("Nothing to promote: %1 is already stable").arg(label(info.stableRevision()));
        else
            r.notApplicable = QStringLiteral("Not paused: nothing waits for promotion (%1)").arg(info.message.isEmpty() ? rolloutStatusName(info.status) : info.message);
        return r;
    }

    if (info.strategy == Strategy::BlueGreen) {
        const RevisionInfo *active = info.activeRevision();
        const RevisionInfo *next = info.previewRevision() ? info.previewRevision() : info.currentRevision();
        if (next && active && next != active) {
            what << QStringLiteral("active service %1: %2 → %3").arg(info.activeService, label(active), label(next));
            what << scaleDownText(active, info.scaleDownDelaySeconds);
        } else {
            what << QStringLiteral("resume %1").arg(label(info.currentRevision()));
        }
    } else if (info.strategy == Strategy::Canary) {
        const int index = std::max(info.currentStepIndex, 0);
        const QString canary = label(info.currentRevision());
        if (index + 1 < info.steps.size())
            what << QStringLiteral("canary %1 continues after step %2/%3 (%4) at %5 %; next: %6")
                        .arg(canary)
                        .arg(index)
                        .arg(info.steps.size())
                        .arg(info.steps.value(index).text)
                        .arg(info.setWeight)
                        .arg(info.steps[index + 1].text);
        else
            what << QStringLiteral("canary %1 passes the last step and becomes stable; %2 scales down").arg(canary, label(info.stableRevision()));
    } else {
        what << QStringLiteral("resume the rollout");
    }
    if (info.specPaused)
        what << QStringLiteral("spec.paused = false");
    what.removeAll(QString());
    a.change = what.join(QStringLiteral("; "));
    return r;
}

RolloutAction RolloutActions::promoteFull(const RolloutInfo &info)
{
    RolloutAction r{base(info, QStringLiteral("promote --full")), notPromotable(info)};
    if (!r.applies())
        return r;
    // The plugin sends it only while the desired revision is not the stable one.
    if (info.currentPodHash == info.stableRS) {
        r.notApplicable = QStringLiteral("Already fully promoted: %1 is stable").arg(label(info.stableRevision()));
        return r;
    }
    Action &a = r.action;
    a.subresource = QStringLiteral("status");
    a.body = mergeWithVersion(QJsonObject{{QStringLiteral("status"), QJsonObject{{QStringLiteral("promoteFull"), true}}}}, info.resourceVersion);
    a.fallbackBody = a.body;
    const RevisionInfo *next = info.currentRevision();
    if (info.strategy == Strategy::BlueGreen) {
        const RevisionInfo *active = info.activeRevision();
        QStringList what{QStringLiteral("skip pauses and analysis: active service %1: %2 → %3").arg(info.activeService, label(active), label(next))};
        if (active && active != next)
            what << scaleDownText(active, info.scaleDownDelaySeconds);
        a.change = what.join(QStringLiteral("; "));
    } else {
        a.change = QStringLiteral("skip the remaining steps and analysis: canary %1 takes 100 % now; stable %2 scales down")
                       .arg(label(next), label(info.stableRevision()));
    }
    return r;
}

RolloutAction RolloutActions::abort(const RolloutInfo &info)
{
    RolloutAction r{base(info, QStringLiteral("abort")), info.error};
    if (!r.applies())
        return r;
    if (info.aborted) {
        r.notApplicable = QStringLiteral("Already aborted");
        return r;
    }
    if (info.currentPodHash == info.stableRS) {
        r.notApplicable = QStringLiteral("No update in progress: %1 is stable").arg(label(info.stableRevision()));
        return r;
    }
    Action &a = r.action;
    statusPatch(a, QJsonObject{{QStringLiteral("abort"), true}}, QJsonObject{{QStringLiteral("status"), QJsonObject{{QStringLiteral("abort"), true}}}},
                info.resourceVersion);
    const RevisionInfo *next = info.currentRevision();
    const QString tail = QStringLiteral(" (the template still names %1; retry starts the update again)").arg(shortImages(info.images()));
    if (info.strategy == Strategy::BlueGreen)
        a.change = QStringLiteral("abort the update to %1: active service %2 stays on %3; the %4 of revision %5 scale down%6")
                       .arg(label(next), info.activeService, label(info.activeRevision()), pods(podCount(next)))
                       .arg(next ? next->revision : 0)
                       .arg(tail);
    else
        a.change = QStringLiteral("abort the update to %1: all traffic back to stable %2; the canary's %3 scale down%4")
                       .arg(label(next), label(info.stableRevision()), pods(podCount(next)), tail);
    return r;
}

RolloutAction RolloutActions::retry(const RolloutInfo &info)
{
    RolloutAction r{base(info, QStringLiteral("retry")), info.error};
    if (!r.applies())
        return r;
    if (!info.aborted) {
        r.notApplicable = QStringLiteral("Not aborted: retry resumes an aborted update");
        return r;
    }
    statusPatch(r.action, QJsonObject{{QStringLiteral("abort"), false}}, QJsonObject{{QStringLiteral("status"), QJsonObject{{QStringLiteral("abort"), false}}}},
                info.resourceVersion);
    r.action.change = QStringLiteral("retry the update to %1 (status.abort = false)").arg(label(info.currentRevision()));
    return r;
}

const RevisionInfo *RolloutActions::undoTarget(const QList<RevisionInfo> &revisions, int toRevision)
{
    if (toRevision > 0) {
        for (const RevisionInfo &r : revisions)
            if (r.revision == toRevision)
                return &r;
        return nullptr;
    }
    // The plugin's rolloutRevision: the second-highest revision number.
    const RevisionInfo *latest = nullptr;
    const RevisionInfo *previous = nullptr;
    for (const RevisionInfo &r : revisions) {
        if (!latest || r.revision > latest->revision) {
            previous = latest;
            latest = &r;
        } else if (!previous || r.revision > previous->revision) {
            previous = &r;
        }
    }
    return previous;
}

bool RolloutActions::templateMatches(const QJsonObject &templ, const QJsonObject &other, const QString &hashLabel)
{
    return derivative(withoutHashLabel(templ, hashLabel), withoutHashLabel(other, hashLabel));
}

RolloutAction RolloutActions::undo(const RolloutInfo &info, int toRevision)
{
    RolloutAction r{base(info, QStringLiteral("undo")), info.error};
    if (!r.applies())
        return r;
    const RevisionInfo *target = undoTarget(info.revisions, toRevision);
    if (!target) {
        r.notApplicable = toRevision > 0 ? QStringLiteral("Revision %1 is not in the rollout's history").arg(toRevision)
                                         : QStringLiteral("No other revision to go back to");
        return r;
    }
    if (templateMatches(info.podTemplate, target->podTemplate, QLatin1String(kPodTemplateHashLabel))) {
        r.notApplicable = QStringLiteral("The template already matches %1").arg(target->label());
        return r;
    }
    Action &a = r.action;
    a.patchKind = kube::PatchKind::Json;
    const QJsonObject templ = withoutHashLabel(target->podTemplate, QLatin1String(kPodTemplateHashLabel));
    // The precondition is the template the operator saw, not the resourceVersion: the controller
    // writes status all the time, and only a changed template makes this undo another one.
    QJsonArray ops{testTemplate(info.podTemplate),
                   QJsonObject{{QStringLiteral("op"), QStringLiteral("replace")}, {QStringLiteral("path"), QStringLiteral("/spec/template")}, {QStringLiteral("value"), templ}}};
    a.body = compact(ops);
    QStringList what{QStringLiteral("spec.template ← %1: image %2 → %3").arg(target->label(), shortImages(info.images()), shortImages(target->images))};
    if (info.strategy == Strategy::BlueGreen) {
        if (target->active)
            what << QStringLiteral("the active service already selects it: the update in progress stops");
        else if (info.autoPromotionEnabled)
            what << QStringLiteral("active service %1 switches to it once it is ready").arg(info.activeService);
        else
            what << QStringLiteral("it comes up behind preview service %1 and waits for promotion").arg(info.previewService);
    } else if (info.strategy == Strategy::Canary) {
        what << (target->stable ? QStringLiteral("it is the stable revision: the canary scales down")
                                : QStringLiteral("it goes through the canary steps again"));
    }
    a.change = what.join(QStringLiteral("; "));
    return r;
}

RolloutAction RolloutActions::restart(const RolloutInfo &info, const QDateTime &at)
{
    RolloutAction r{base(info, QStringLiteral("restart")), info.error};
    if (!r.applies())
        return r;
    const QString stamp = at.toUTC().toString(Qt::ISODate);
    r.action.body = mergeWithVersion(QJsonObject{{QStringLiteral("spec"), QJsonObject{{QStringLiteral("restartAt"), stamp}}}}, info.resourceVersion);
    const RevisionInfo *running = info.strategy == Strategy::BlueGreen ? info.activeRevision() : info.stableRevision();
    r.action.change = QStringLiteral("spec.restartAt = %1: the %2 of %3 restart one at a time").arg(stamp, pods(podCount(running)), label(running));
    return r;
}

RolloutAction RolloutActions::setImage(const RolloutInfo &info, const QString &container, const QString &image)
{
    RolloutAction r{base(info, QStringLiteral("set image")), info.error};
    if (!r.applies())
        return r;
    const QJsonObject podSpec = info.podTemplate.value(QStringLiteral("spec")).toObject();
    QJsonArray ops;
    QStringList changes;
    bool found = false;
    for (const char *list : {"initContainers", "containers", "ephemeralContainers"}) {
        const QJsonArray containers = podSpec.value(QLatin1String(list)).toArray();
        for (qsizetype i = 0; i < containers.size(); ++i) {
            const QJsonObject c = containers.at(i).toObject();
            const QString name = c.value(QStringLiteral("name")).toString();
            if (name != container && container != QLatin1String("*"))
                continue;
            found = true;
            const QString old = c.value(QStringLiteral("image")).toString();
            if (old == image)
                continue;
            const QString path = QStringLiteral("/spec/template/spec/%1/%2").arg(QLatin1String(list)).arg(i);
            // The container at that index must still be the one the operator picked, with the image
            // the operator saw (status writes by the controller do not matter here).
            ops << QJsonObject{{QStringLiteral("op"), QStringLiteral("test")}, {QStringLiteral("path"), path + QStringLiteral("/name")}, {QStringLiteral("value"), name}};
            ops << QJsonObject{{QStringLiteral("op"), QStringLiteral("test")}, {QStringLiteral("path"), path + QStringLiteral("/image")}, {QStringLiteral("value"), old}};
            ops << QJsonObject{{QStringLiteral("op"), QStringLiteral("replace")}, {QStringLiteral("path"), path + QStringLiteral("/image")}, {QStringLiteral("value"), image}};
            changes << QStringLiteral("container %1: %2 → %3").arg(name, old, image);
        }
    }
    if (!found) {
        r.notApplicable = QStringLiteral("No container named \"%1\"").arg(container);
        return r;
    }
    if (changes.isEmpty()) {
        r.notApplicable = QStringLiteral("Already runs %1").arg(image);
        return r;
    }
    r.action.patchKind = kube::PatchKind::Json;
    r.action.body = compact(ops);
    r.action.change = changes.join(QStringLiteral("; ")) +
                      (info.strategy == Strategy::BlueGreen ? QStringLiteral(" (a new revision; it comes up behind the preview service)")
                                                            : QStringLiteral(" (a new revision; it goes through the canary steps)"));
    return r;
}

RolloutAction RolloutActions::undoDeployment(const DeploymentHistory &history, int toRevision)
{
    RolloutAction r;
    Action &a = r.action;
    a.name = QStringLiteral("undo");
    a.resource = kube::ResourceRef::deployments();
    a.ns = history.ns;
    a.objectName = history.name;
    a.verb = QStringLiteral("patch");
    a.expectedResourceVersion = history.resourceVersion;
    if (!history.error.isEmpty()) {
        r.notApplicable = history.error;
        return r;
    }
    if (history.paused) {
        r.notApplicable = QStringLiteral("The deployment is paused: resume it before rolling back");
        return r;
    }
    const RevisionInfo *target = undoTarget(history.revisions, toRevision);
    if (!target) {
        r.notApplicable = toRevision > 0 ? QStringLiteral("Revision %1 is not in the deployment's history").arg(toRevision)
                                         : QStringLiteral("No other revision to go back to");
        return r;
    }
    if (templateMatches(history.podTemplate, target->podTemplate, QLatin1String(kDeploymentHashLabel))) {
        r.notApplicable = QStringLiteral("The template already matches %1").arg(target->label());
        return r;
    }
    // kubectl's DeploymentRollbacker: the revision's template without the hash label, and the
    // Deployment's annotations: its own bookkeeping ones kept, the rest taken from the ReplicaSet.
    static const QStringList skipped{QStringLiteral("kubectl.kubernetes.io/last-applied-configuration"),
                                     QStringLiteral("deployment.kubernetes.io/revision"),
                                     QStringLiteral("deployment.kubernetes.io/revision-history"),
                                     QStringLiteral("deployment.kubernetes.io/desired-replicas"),
                                     QStringLiteral("deployment.kubernetes.io/max-replicas"),
                                     QStringLiteral("deprecated.deployment.rollback.to")};
    QJsonObject annotations;
    for (const QString &k : skipped)
        if (history.annotations.contains(k))
            annotations.insert(k, history.annotations.value(k));
    const QJsonObject rsAnnotations = target->annotations;
    for (auto it = rsAnnotations.begin(); it != rsAnnotations.end(); ++it)
        if (!skipped.contains(it.key()))
            annotations.insert(it.key(), it.value());
    // As for a Rollout: the template the operator saw is the precondition (status churns).
    QJsonArray ops{testTemplate(history.podTemplate)};
    ops << QJsonObject{{QStringLiteral("op"), QStringLiteral("replace")}, {QStringLiteral("path"), QStringLiteral("/spec/template")},
                       {QStringLiteral("value"), withoutHashLabel(target->podTemplate, QLatin1String(kDeploymentHashLabel))}};
    ops << QJsonObject{{QStringLiteral("op"), QStringLiteral("replace")}, {QStringLiteral("path"), QStringLiteral("/metadata/annotations")},
                       {QStringLiteral("value"), annotations}};
    a.patchKind = kube::PatchKind::Json;
    a.body = compact(ops);
    a.change = QStringLiteral("spec.template ← %1: image %2 → %3 (a rolling update back to it)")
                   .arg(target->label(), shortImages(templateImages(history.podTemplate)), shortImages(target->images));
    return r;
}

RolloutAction RolloutActions::restartDeployment(const DeploymentHistory &history, const QDateTime &at)
{
    RolloutAction r{Action::restart(kube::ResourceRef::deployments(), history.ns, history.name, history.resourceVersion, at), history.error};
    return r;
}

}  // namespace pilothouse::backends::rollouts
