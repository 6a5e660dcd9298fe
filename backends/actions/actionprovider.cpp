// The standard providers, one per capability; each asks the kind's capabilities, never its name.
#include "actions/actionprovider.h"

#include "rollouts/rolloutactions.h"
#include "rollouts/rolloutinfo.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace pilothouse::backends::actions {

using kube::KindCapability;
using kube::KindInfo;

namespace {

std::function<QDateTime()> &clock()
{
    static std::function<QDateTime()> c;
    return c;
}

QJsonObject objectAt(const QJsonObject &o, const char *key) { return o.value(QLatin1String(key)).toObject(); }

struct Subject {
    QString ns;
    QString name;
    QString uid;
    QString rv;
    QString label;  // "shop/redis" or "node-1"
};

Subject subjectOf(const KindInfo &kind, const QJsonObject &object)
{
    const QJsonObject meta = objectAt(object, "metadata");
    Subject s;
    s.ns = kind.ref.namespaced ? meta.value(QStringLiteral("namespace")).toString() : QString();
    s.name = meta.value(QStringLiteral("name")).toString();
    s.uid = meta.value(QStringLiteral("uid")).toString();
    s.rv = meta.value(QStringLiteral("resourceVersion")).toString();
    s.label = s.ns.isEmpty() ? s.name : s.ns + QLatin1Char('/') + s.name;
    return s;
}

QVariantMap linkArgs(const KindInfo &kind, const Subject &s)
{
    return {{QStringLiteral("group"), kind.ref.group},   {QStringLiteral("plural"), kind.ref.plural}, {QStringLiteral("kind"), kind.ref.kind},
            {QStringLiteral("namespace"), s.ns},         {QStringLiteral("name"), s.name}};
}

ActionOffer offer(const char *id, const QString &title, const char *icon, int section)
{
    ActionOffer o;
    o.id = QLatin1String(id);
    o.title = title;
    o.icon = QLatin1String(icon);
    o.section = section;
    return o;
}

// --- navigation -------------------------------------------------------------------------------

class LogsProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        const Subject s = subjectOf(kind, object);
        if (kind.has(KindCapability::PodLogs)) {
            ActionOffer o = offer("logs", QStringLiteral("Logs"), "logs", 0);
            QVariantMap args = linkArgs(kind, s);
            args.insert(QStringLiteral("workload"), false);
            o.link = PageLink{QStringLiteral("logs"), args};
            out << o;
        } else if (kind.has(KindCapability::WorkloadLogs)) {
            // The pods are found through the selector; without one there is nothing to follow.
            const QJsonObject matchLabels = objectAt(objectAt(objectAt(object, "spec"), "selector"), "matchLabels");
            if (matchLabels.isEmpty())
                return;
            ActionOffer o = offer("logs", QStringLiteral("Logs of all pods"), "logs", 0);
            QVariantMap args = linkArgs(kind, s);
            args.insert(QStringLiteral("workload"), true);
            o.link = PageLink{QStringLiteral("logs"), args};
            out << o;
        }
    }
};

class ScalingViewProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        if (!kind.has(KindCapability::ScalingView))
            return;
        ActionOffer o = offer("scaling", QStringLiteral("Scaling view"), "chart", 0);
        o.link = PageLink{QStringLiteral("scaling"), linkArgs(kind, subjectOf(kind, object))};
        out << o;
    }
};

class RolloutHistoryProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        if (!kind.has(KindCapability::RolloutHistory))
            return;
        const Subject s = subjectOf(kind, object);
        ActionOffer o = offer("history", QStringLiteral("Rollout history"), "history", 0);
        o.link = PageLink{QStringLiteral("rollouts"),
                          {{QStringLiteral("kind"), kind.ref.kind}, {QStringLiteral("namespace"), s.ns}, {QStringLiteral("name"), s.name}}};
        out << o;
    }
};

// --- changes ----------------------------------------------------------------------------------

// The status-only RolloutInfo a menu has (no ReplicaSets at hand): the revision the template names
// is known from the rollout itself, so the confirmation can still name it.
rollouts::RolloutInfo statusOnlyRolloutInfo(const QJsonObject &object)
{
    rollouts::RolloutInfo info = rollouts::rolloutInfo(object, {}, {}, {});
    if (info.revisions.isEmpty() && !info.currentPodHash.isEmpty()) {
        rollouts::RevisionInfo current;
        current.podTemplateHash = info.currentPodHash;
        current.revision = objectAt(objectAt(object, "metadata"), "annotations").value(QLatin1String(rollouts::kRevisionAnnotation)).toString().toInt();
        current.images = info.images();
        current.desired = info.desired;
        current.replicas = info.desired;
        current.podTemplate = info.podTemplate;
        info.revisions << current;
    }
    return info;
}

// Without ReplicaSets the running (stable, or blue-green active) revision is only a pod hash:
// the confirmation names it by that instead of "(no revision)".
void nameTheRunningRevision(const rollouts::RolloutInfo &info, const QString &id, actions::Action &a)
{
    const bool blueGreen = info.strategy == rollouts::Strategy::BlueGreen;
    const QString runningHash = blueGreen ? info.activeSelector : info.stableRS;
    if (runningHash.isEmpty() || (blueGreen ? info.activeRevision() : info.stableRevision()))
        return;
    const QString running = QStringLiteral("the running revision (pod hash %1)").arg(runningHash);
    const rollouts::RevisionInfo *next = info.currentRevision();
    if (id == QLatin1String("promote") && blueGreen && next && runningHash != info.currentPodHash && !info.activeService.isEmpty()) {
        QStringList what{QStringLiteral("active service %1: %2 → %3").arg(info.activeService, running, next->label())};
        what << QStringLiteral("the pods of pod hash %1 scale down after %2 s").arg(runningHash).arg(info.scaleDownDelaySeconds);
        if (info.specPaused)
            what << QStringLiteral("spec.paused = false");
        a.change = what.join(QStringLiteral("; "));
        return;
    }
    a.change.replace(QStringLiteral("(no revision)"), running);
}

class RolloutActionsProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        if (!kind.has(KindCapability::RolloutActions))
            return;
        const rollouts::RolloutInfo info = statusOnlyRolloutInfo(object);
        auto add = [&](const char *id, const QString &title, const char *icon, rollouts::RolloutAction r) {
            ActionOffer o = offer(id, title, icon, 1);
            r.action.resource = kind.ref;  // the served version
            if (r.applies())
                nameTheRunningRevision(info, o.id, r.action);
            o.action = r.action;
            o.notApplicable = r.notApplicable;
            out << o;
        };
        add("promote", QStringLiteral("Promote"), "promote", rollouts::RolloutActions::promote(info));
        add("promote-full", QStringLiteral("Promote full"), "promote", rollouts::RolloutActions::promoteFull(info));
        add("abort", QStringLiteral("Abort"), "abort", rollouts::RolloutActions::abort(info));
        add("retry", QStringLiteral("Retry"), "retry", rollouts::RolloutActions::retry(info));
    }
};

class TriggerProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        if (!kind.has(KindCapability::Trigger))
            return;
        const Subject s = subjectOf(kind, object);
        ActionOffer o = offer("trigger", QStringLiteral("Trigger now"), "play", 1);
        const QString jobName = manualJobName(s.name, ActionProviders::now());
        const QJsonObject job = jobFromCronJob(object, jobName);
        const kube::ResourceRef jobs{QStringLiteral("batch"), QStringLiteral("v1"), QStringLiteral("jobs"), QStringLiteral("Job"), true};
        Action a = Action::create(jobs, s.ns, jobName, QJsonDocument(job).toJson(QJsonDocument::Compact),
                                  QStringLiteral("create job %1/%2 from its template").arg(s.ns, jobName));
        a.name = QStringLiteral("trigger");
        a.subjectLabel = kind.ref.groupResource() + QLatin1Char(' ') + s.label;
        o.action = a;
        if (objectAt(object, "spec").value(QStringLiteral("jobTemplate")).toObject().isEmpty())
            o.notApplicable = QStringLiteral("The cron job has no job template");
        out << o;
    }
};

class SuspendProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        if (!kind.has(KindCapability::Suspend))
            return;
        const Subject s = subjectOf(kind, object);
        const QJsonValue seen = objectAt(object, "spec").value(QStringLiteral("suspend"));
        const bool suspended = seen.toBool();
        ActionOffer suspend = offer("suspend", QStringLiteral("Suspend"), "pause", 1);
        suspend.action = Action::setSpecField(QStringLiteral("suspend"), kind.ref, s.ns, s.name, s.uid, s.rv, QStringLiteral("suspend"), seen, true,
                                              QStringLiteral("spec.suspend = true (no new runs are started; running ones go on)"));
        if (suspended)
            suspend.notApplicable = QStringLiteral("Already suspended");
        ActionOffer resume = offer("resume", QStringLiteral("Resume"), "play", 1);
        resume.action = Action::setSpecField(QStringLiteral("resume"), kind.ref, s.ns, s.name, s.uid, s.rv, QStringLiteral("suspend"), seen, false,
                                             QStringLiteral("spec.suspend = false (runs start again on schedule)"));
        if (!suspended)
            resume.notApplicable = QStringLiteral("Not suspended");
        out << suspend << resume;
    }
};

class CordonProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        if (!kind.has(KindCapability::Cordon))
            return;
        const Subject s = subjectOf(kind, object);
        const QJsonValue seen = objectAt(object, "spec").value(QStringLiteral("unschedulable"));
        const bool cordoned = seen.toBool();
        ActionOffer cordon = offer("cordon", QStringLiteral("Cordon"), "cordon", 1);
        cordon.action = Action::setSpecField(QStringLiteral("cordon"), kind.ref, s.ns, s.name, s.uid, s.rv, QStringLiteral("unschedulable"), seen,
                                             true, QStringLiteral("spec.unschedulable = true (no new pods are scheduled here; running pods stay)"));
        if (cordoned)
            cordon.notApplicable = QStringLiteral("Already cordoned");
        // As kubectl uncordon: the field goes (false is its default and is omitted).
        ActionOffer uncordon = offer("uncordon", QStringLiteral("Uncordon"), "cordon", 1);
        uncordon.action = Action::setSpecField(QStringLiteral("uncordon"), kind.ref, s.ns, s.name, s.uid, s.rv, QStringLiteral("unschedulable"),
                                               seen, QJsonValue::Null, QStringLiteral("spec.unschedulable removed (pods are scheduled here again)"));
        if (!cordoned)
            uncordon.notApplicable = QStringLiteral("Not cordoned");
        out << cordon << uncordon;
    }
};

class ScaleProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        if (!kind.has(KindCapability::Scale))
            return;
        const Subject s = subjectOf(kind, object);
        ActionOffer o = offer("scale", QStringLiteral("Scale…"), "scale", 1);
        const QJsonValue replicas = objectAt(object, "spec").value(QStringLiteral("replicas"));
        o.numberNow = replicas.isDouble() ? replicas.toInt() : 1;  // the API's default
        o.numberLabel = QStringLiteral("Replicas for %1").arg(s.label);
        o.actionForNumber = [ref = kind.ref, s, from = o.numberNow](int to) { return Action::scale(ref, s.ns, s.name, from, to, s.rv); };
        out << o;
    }
};

class RestartProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        if (!kind.has(KindCapability::Restart))
            return;
        const Subject s = subjectOf(kind, object);
        ActionOffer o = offer("restart", QStringLiteral("Restart"), "restart", 1);
        if (kind.has(KindCapability::RolloutActions)) {
            // A Rollout restarts through spec.restartAt, as the plugin does.
            rollouts::RolloutAction r = rollouts::RolloutActions::restart(statusOnlyRolloutInfo(object), ActionProviders::now());
            r.action.resource = kind.ref;
            o.action = r.action;
            o.notApplicable = r.notApplicable;
        } else {
            o.action = Action::restart(kind.ref, s.ns, s.name, s.rv, ActionProviders::now());
        }
        out << o;
    }
};

class EditProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        if (!kind.has(KindCapability::Edit))
            return;
        const Subject s = subjectOf(kind, object);
        ActionOffer o = offer("edit", QStringLiteral("Edit YAML"), "edit", 1);
        QVariantMap args = linkArgs(kind, s);
        args.insert(QStringLiteral("edit"), true);
        o.link = PageLink{QStringLiteral("resources"), args};
        // Enabled when the operator may update it; the editor builds the real change on save.
        Action probe;
        probe.name = QStringLiteral("edit");
        probe.resource = kind.ref;
        probe.ns = s.ns;
        probe.objectName = s.name;
        probe.verb = QStringLiteral("update");
        probe.isReplace = true;
        probe.expectedResourceVersion = s.rv;
        o.probe = probe;
        out << o;
    }
};

class DeleteProvider : public ActionProvider {
public:
    void offers(const KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const override
    {
        if (!kind.has(KindCapability::Delete))
            return;
        const Subject s = subjectOf(kind, object);
        ActionOffer o = offer("delete", QStringLiteral("Delete"), "delete", 2);
        o.action = Action::remove(kind.ref, s.ns, s.name, s.rv, s.uid);
        if (!objectAt(object, "metadata").value(QStringLiteral("deletionTimestamp")).toString().isEmpty())
            o.notApplicable = QStringLiteral("Already being deleted");
        out << o;
    }
};

}  // namespace

std::optional<Action> ActionOffer::permissionProbe() const
{
    if (action)
        return action;
    if (actionForNumber)
        return actionForNumber(numberNow);
    return probe;
}

const ActionProviders &ActionProviders::standard()
{
    static const ActionProviders providers = [] {
        ActionProviders p;
        // Menu order: navigation, the kind's own actions, the generic ones, delete.
        p.add(std::make_unique<LogsProvider>());
        p.add(std::make_unique<ScalingViewProvider>());
        p.add(std::make_unique<RolloutHistoryProvider>());
        p.add(std::make_unique<RolloutActionsProvider>());
        p.add(std::make_unique<TriggerProvider>());
        p.add(std::make_unique<SuspendProvider>());
        p.add(std::make_unique<CordonProvider>());
        p.add(std::make_unique<ScaleProvider>());
        p.add(std::make_unique<RestartProvider>());
        p.add(std::make_unique<EditProvider>());
        p.add(std::make_unique<DeleteProvider>());
        return p;
    }();
    return providers;
}

void ActionProviders::add(std::unique_ptr<ActionProvider> provider) { m_providers.push_back(std::move(provider)); }

QList<ActionOffer> ActionProviders::offersFor(const KindInfo &kind, const QJsonObject &object) const
{
    QList<ActionOffer> out;
    for (const auto &p : m_providers)
        p->offers(kind, object, out);
    std::stable_sort(out.begin(), out.end(), [](const ActionOffer &a, const ActionOffer &b) { return a.section < b.section; });
    return out;
}

void ActionProviders::setClockForTesting(std::function<QDateTime()> c) { clock() = std::move(c); }

QDateTime ActionProviders::now() { return clock() ? clock()() : QDateTime::currentDateTimeUtc(); }

QString manualJobName(const QString &cronJobName, const QDateTime &at)
{
    // Four base-36 digits of the second: two triggers in the same second get the same name and
    // the second one is refused as AlreadyExists instead of running the job twice.
    const QString digits = QString::number(at.toSecsSinceEpoch(), 36).right(4).rightJustified(4, QLatin1Char('0'));
    const QString suffix = QStringLiteral("-manual-") + digits;
    QString base = cronJobName.left(63 - suffix.size());
    while (base.endsWith(QLatin1Char('-')) || base.endsWith(QLatin1Char('.')))
        base.chop(1);
    return base + suffix;
}

QJsonObject jobFromCronJob(const QJsonObject &cronJob, const QString &jobName)
{
    const QJsonObject meta = objectAt(cronJob, "metadata");
    const QJsonObject jobTemplate = objectAt(objectAt(cronJob, "spec"), "jobTemplate");
    const QJsonObject templateMeta = objectAt(jobTemplate, "metadata");
    // kubectl's createJobFromCronJob: its annotation first, the template's on top.
    QJsonObject annotations{{QStringLiteral("cronjob.kubernetes.io/instantiate"), QStringLiteral("manual")}};
    const QJsonObject templateAnnotations = objectAt(templateMeta, "annotations");
    for (auto it = templateAnnotations.begin(); it != templateAnnotations.end(); ++it)
        annotations.insert(it.key(), it.value());
    // Not a controller reference with blockOwnerDeletion: that would need cronjobs/finalizers.
    const QJsonObject owner{{QStringLiteral("apiVersion"), QStringLiteral("batch/v1")},
                            {QStringLiteral("kind"), QStringLiteral("CronJob")},
                            {QStringLiteral("name"), meta.value(QStringLiteral("name"))},
                            {QStringLiteral("uid"), meta.value(QStringLiteral("uid"))},
                            {QStringLiteral("controller"), true}};
    QJsonObject jobMeta{{QStringLiteral("name"), jobName},
                        {QStringLiteral("annotations"), annotations},
                        {QStringLiteral("ownerReferences"), QJsonArray{owner}}};
    if (meta.contains(QStringLiteral("namespace")))
        jobMeta.insert(QStringLiteral("namespace"), meta.value(QStringLiteral("namespace")));
    const QJsonObject labels = objectAt(templateMeta, "labels");
    if (!labels.isEmpty())
        jobMeta.insert(QStringLiteral("labels"), labels);
    return QJsonObject{{QStringLiteral("apiVersion"), QStringLiteral("batch/v1")},
                       {QStringLiteral("kind"), QStringLiteral("Job")},
                       {QStringLiteral("metadata"), jobMeta},
                       {QStringLiteral("spec"), objectAt(jobTemplate, "spec")}};
}

}  // namespace pilothouse::backends::actions
