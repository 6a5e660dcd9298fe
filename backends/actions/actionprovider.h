// What can be done to an object, per capability: each provider looks at the kind's registry entry
// (its capabilities and verbs, never its name) and the object, and offers navigation (logs, the
// scaling view, rollout history, the YAML editor) or a change that goes through the action facade
// (scale, restart, trigger, suspend, cordon, the rollout plugin's actions, delete). Menus, buttons
// and the palette build themselves from these offers.
#pragma once

#include "actions/actionfacade.h"
#include "kube/kinds/kindregistry.h"

#include <QDateTime>
#include <QJsonObject>
#include <QVariantMap>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace pilothouse::backends::actions {

// A page the shell opens (navigation, not a change).
struct PageLink {
    QString pageId;    // "logs", "scaling", "rollouts", "resources"
    // "logs": group, plural, kind, namespace, name, workload (bool);
    // "scaling": group, plural, kind, namespace, name;
    // "rollouts": kind, namespace, name;
    // "resources": group, plural, kind, namespace, name, edit (bool).
    QVariantMap args;
};

struct ActionOffer {
    // Stable, unique per menu: "delete", "edit", "scale", "restart", "trigger", "suspend", "resume",
    // "cordon", "uncordon", "logs", "scaling", "history", "promote", "promote-full", "abort", "retry".
    QString id;
    QString title;     // menu text: "Scale…", "Restart", "Trigger now", "Logs of all pods", ...
    QString icon;      // "scale", "restart", "play", "pause", "cordon", "logs", "chart", "history", "promote", "abort", "retry", "delete", "edit"
    int section = 0;   // 0 open/navigate, 1 changes, 2 destructive (Delete last): separators between sections
    std::optional<Action> action;  // a change: sent through the facade after confirmation
    // A change that needs a number first (scale): the current value, a label, and how to build the
    // action from the answer.
    std::function<Action(int)> actionForNumber;
    int numberNow = 0;
    QString numberLabel;  // "Replicas for shop/redis"
    std::optional<PageLink> link;  // navigation
    // A link that leads to a change (Edit YAML): the permission that decides whether it is enabled
    // (update), without a change of its own.
    std::optional<Action> probe;
    QString notApplicable;  // non-empty: shown disabled with this reason ("Already suspended", "Not paused")

    bool mutates() const { return action.has_value() || bool(actionForNumber); }
    bool applies() const { return notApplicable.isEmpty(); }
    // The action whose permission is checked: action, actionForNumber(numberNow), or probe; none
    // for plain navigation (enabled at once).
    std::optional<Action> permissionProbe() const;
};

class ActionProvider {
public:
    virtual ~ActionProvider() = default;
    // `object` is the object's JSON (parsed once by the caller); append what this capability offers.
    virtual void offers(const kube::KindInfo &kind, const QJsonObject &object, QList<ActionOffer> &out) const = 0;
};

class ActionProviders {
public:
    ActionProviders() = default;
    ActionProviders(ActionProviders &&) = default;
    ActionProviders &operator=(ActionProviders &&) = default;

    static const ActionProviders &standard();  // every provider below, in menu order
    void add(std::unique_ptr<ActionProvider> provider);
    QList<ActionOffer> offersFor(const kube::KindInfo &kind, const QJsonObject &object) const;  // sorted by section, stable

    // The clock restart and trigger stamp their changes with (tests pin it).
    static void setClockForTesting(std::function<QDateTime()> clock);
    static QDateTime now();

private:
    std::vector<std::unique_ptr<ActionProvider>> m_providers;
};

// `kubectl create job NAME --from=cronjob/CRONJOB`: the Job kubectl sends (template labels and
// annotations, cronjob.kubernetes.io/instantiate: manual, the CronJob as controlling owner).
QJsonObject jobFromCronJob(const QJsonObject &cronJob, const QString &jobName);
// "<cronjob>-manual-<4 characters from the time>", at most 63 characters (the job-name label's limit).
QString manualJobName(const QString &cronJobName, const QDateTime &at);

}  // namespace pilothouse::backends::actions
