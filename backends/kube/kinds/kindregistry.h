// The one place that knows about resource kinds: what the server serves (discovery: verbs,
// subresources, short names, scope) joined with a built-in table of titles, categories, icons and
// the traits discovery cannot tell (a Deployment restarts through its pod template, a CronJob can
// be triggered). Views and action providers ask it instead of comparing kind names.
#pragma once

#include "kube/api/discovery.h"
#include "kube/api/resourceref.h"

#include <QFlags>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QStringList>

namespace pilothouse::backends::kube {

enum class KindCapability : quint32 {
    None = 0,
    Delete = 1 << 0,
    Edit = 1 << 1,
    Scale = 1 << 2,
    Restart = 1 << 3,
    Trigger = 1 << 4,
    Suspend = 1 << 5,
    Cordon = 1 << 6,
    PodLogs = 1 << 7,
    WorkloadLogs = 1 << 8,
    ScalingView = 1 << 9,
    RolloutHistory = 1 << 10,
    RolloutActions = 1 << 11,
    Create = 1 << 12,
};
Q_DECLARE_FLAGS(KindCapabilities, KindCapability)
Q_DECLARE_OPERATORS_FOR_FLAGS(KindCapabilities)

struct KindInfo {
    ResourceRef ref;
    QString title;             // plural for the sidebar: "StatefulSets", "PersistentVolumeClaims", "Rollouts"
    QString singular;          // "StatefulSet"
    QString category;          // one of KindRegistry::categories()
    QString apiGroupLabel;     // custom resources: their API group ("argoproj.io"); empty for built-ins
    QString icon;              // "kind-pod", "kind-deployment", ..., "kind-custom"
    QStringList shortNames;    // "sts"
    QStringList verbs;         // from discovery (the built-in defaults until discovery answers)
    QStringList subresources;  // "scale", "status", "log"
    // Computed from `traits`, `verbs` and `subresources` (see KindRegistry::capabilitiesOf).
    KindCapabilities capabilities;
    int order = 0;             // order within its category
    bool served = false;       // confirmed by discovery

    // What the built-in table knows and discovery cannot tell (Restart, Trigger, Suspend, Cordon,
    // PodLogs, WorkloadLogs, ScalingView, RolloutHistory, RolloutActions). A capability is only
    // offered when the verbs it needs are served too.
    KindCapabilities traits;

    bool can(const QString &verb) const { return verbs.contains(verb); }
    bool has(KindCapability c) const { return capabilities.testFlag(c); }
    bool listable() const { return can(QStringLiteral("list")) && can(QStringLiteral("watch")); }
    bool isCustom() const { return !apiGroupLabel.isEmpty(); }
    // "deployments.apps", "pods": the registry's key for this kind.
    QString id() const { return ref.groupResource(); }
};

class KindRegistry {
public:
    // The built-in table, before discovery answers (so the sidebar shows at once).
    static KindRegistry builtin();
    // Fills verbs, subresources, short names, version and scope from the server; adds every
    // discovered listable resource the table does not list (custom resources go to "Custom
    // resources" with their API group as label); drops built-ins the server does not serve when
    // discovery of their group was complete.
    void applyDiscovery(const DiscoveryResult &d);

    QList<KindInfo> kinds() const { return m_kinds; }  // category order, then order, then title
    static QStringList categories();                  // the category order
    static QString customCategory();                  // "Custom resources"

    const KindInfo *find(const QString &group, const QString &plural) const;
    const KindInfo *find(const ResourceRef &ref) const { return find(ref.group, ref.plural); }
    const KindInfo *findKind(const QString &group, const QString &kind) const;
    // For the ':' jump and the palette: plural, singular, kind (case-insensitive), short name,
    // title, "plural.group"; exact matches first, then a unique prefix of a title or plural.
    const KindInfo *lookup(const QString &text) const;

    bool isEmpty() const { return m_kinds.isEmpty(); }
    qsizetype size() const { return m_kinds.size(); }
    // True once applyDiscovery has run.
    bool discovered() const { return m_discovered; }

    // Capabilities from traits, verbs and subresources: Delete (verb delete), Edit (get and
    // update), Create (create), Scale (a served scale subresource and patch), the traits that
    // patch (Restart, Suspend, Cordon, RolloutActions) only with patch, PodLogs only with the log
    // subresource, Trigger only with get (the template is read from the object).
    static KindCapabilities capabilitiesOf(const KindInfo &k);

private:
    void rebuild();  // sorts and re-indexes

    QList<KindInfo> m_kinds;
    QHash<QString, qsizetype> m_byResource;  // "plural.group" -> index
    QHash<QString, qsizetype> m_byKind;      // "Kind.group" -> index
    bool m_discovered = false;
};

}  // namespace pilothouse::backends::kube

Q_DECLARE_METATYPE(pilothouse::backends::kube::KindRegistry)
