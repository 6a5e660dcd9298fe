// The built-in kind table and its merge with discovery.
#include "kube/kinds/kindregistry.h"

#include <algorithm>

namespace pilothouse::backends::kube {

namespace {

using C = KindCapability;

struct TableEntry {
    const char *category;
    int order;
    const char *title;
    const char *group;
    const char *version;
    const char *plural;
    const char *kind;
    bool namespaced;
    const char *shortNames;    // space separated
    const char *subresources;  // space separated
    KindCapabilities traits;
    // Shown before discovery answers; the others are only titled and placed by the table once the
    // server serves them (a cluster without PodDisruptionBudgets should not flash an empty entry).
    bool builtin;
    const char *verbs = nullptr;  // null: the usual eight
};

const char *const kAllVerbs = "create delete deletecollection get list patch update watch";
const char *const kCustom = "Custom resources";

// Titles follow Lens's sidebar; the order within a category is the order operators look in.
const TableEntry kTable[] = {
    // Workloads
    {"Workloads", 10, "Pods", "", "v1", "pods", "Pod", true, "po", "status log exec eviction binding ephemeralcontainers", C::PodLogs, true},
    {"Workloads", 20, "Deployments", "apps", "v1", "deployments", "Deployment", true, "deploy", "status scale",
     C::Restart | C::WorkloadLogs | C::ScalingView | C::RolloutHistory, true},
    {"Workloads", 30, "StatefulSets", "apps", "v1", "statefulsets", "StatefulSet", true, "sts", "status scale", C::Restart | C::WorkloadLogs, true},
    {"Workloads", 40, "DaemonSets", "apps", "v1", "daemonsets", "DaemonSet", true, "ds", "status", C::Restart | C::WorkloadLogs, true},
    {"Workloads", 50, "ReplicaSets", "apps", "v1", "replicasets", "ReplicaSet", true, "rs", "status scale", C::WorkloadLogs, true},
    {"Workloads", 60, "Jobs", "batch", "v1", "jobs", "Job", true, "", "status", C::WorkloadLogs, true},
    {"Workloads", 70, "CronJobs", "batch", "v1", "cronjobs", "CronJob", true, "cj", "status", C::Trigger | C::Suspend, true},
    {"Workloads", 80, "ReplicationControllers", "", "v1", "replicationcontrollers", "ReplicationController", true, "rc", "status scale",
     C::WorkloadLogs, false},
    {"Workloads", 90, "PodTemplates", "", "v1", "podtemplates", "PodTemplate", true, "", "", {}, false},
    {"Workloads", 95, "ControllerRevisions", "apps", "v1", "controllerrevisions", "ControllerRevision", true, "", "", {}, false},
    // Network
    {"Network", 10, "Services", "", "v1", "services", "Service", true, "svc", "status proxy", {}, true},
    {"Network", 20, "Endpoints", "", "v1", "endpoints", "Endpoints", true, "ep", "", {}, true},
    {"Network", 25, "EndpointSlices", "discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, "", "", {}, false},
    {"Network", 30, "Ingresses", "networking.k8s.io", "v1", "ingresses", "Ingress", true, "ing", "status", {}, true},
    {"Network", 35, "IngressClasses", "networking.k8s.io", "v1", "ingressclasses", "IngressClass", false, "", "", {}, false},
    {"Network", 40, "NetworkPolicies", "networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, "netpol", "", {}, true},
    // Config
    {"Config", 10, "ConfigMaps", "", "v1", "configmaps", "ConfigMap", true, "cm", "", {}, true},
    {"Config", 20, "Secrets", "", "v1", "secrets", "Secret", true, "", "", {}, true},
    {"Config", 30, "ResourceQuotas", "", "v1", "resourcequotas", "ResourceQuota", true, "quota", "status", {}, true},
    {"Config", 40, "LimitRanges", "", "v1", "limitranges", "LimitRange", true, "limits", "", {}, true},
    {"Config", 50, "PodDisruptionBudgets", "policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, "pdb", "status", {}, false},
    {"Config", 60, "PriorityClasses", "scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, "pc", "", {}, false},
    {"Config", 70, "RuntimeClasses", "node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", false, "", "", {}, false},
    {"Config", 80, "Leases", "coordination.k8s.io", "v1", "leases", "Lease", true, "", "", {}, false},
    {"Config", 90, "MutatingWebhookConfigurations", "admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
     "MutatingWebhookConfiguration", false, "", "", {}, false},
    {"Config", 95, "ValidatingWebhookConfigurations", "admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
     "ValidatingWebhookConfiguration", false, "", "", {}, false},
    // Storage
    {"Storage", 10, "PersistentVolumeClaims", "", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, "pvc", "status", {}, true},
    {"Storage", 20, "PersistentVolumes", "", "v1", "persistentvolumes", "PersistentVolume", false, "pv", "status", {}, true},
    {"Storage", 30, "StorageClasses", "storage.k8s.io", "v1", "storageclasses", "StorageClass", false, "sc", "", {}, true},
    {"Storage", 40, "VolumeAttachments", "storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", false, "", "status", {}, false},
    {"Storage", 50, "CSIDrivers", "storage.k8s.io", "v1", "csidrivers", "CSIDriver", false, "", "", {}, false},
    {"Storage", 60, "CSINodes", "storage.k8s.io", "v1", "csinodes", "CSINode", false, "", "", {}, false},
    {"Storage", 70, "CSIStorageCapacities", "storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", true, "", "", {}, false},
    // Autoscaling
    {"Autoscaling", 10, "HPAs", "autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, "hpa", "status", {}, true},
    // Access
    {"Access", 10, "ServiceAccounts", "", "v1", "serviceaccounts", "ServiceAccount", true, "sa", "token", {}, true},
    {"Access", 20, "Roles", "rbac.authorization.k8s.io", "v1", "roles", "Role", true, "", "", {}, true},
    {"Access", 30, "RoleBindings", "rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, "", "", {}, true},
    {"Access", 40, "ClusterRoles", "rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, "", "", {}, true},
    {"Access", 50, "ClusterRoleBindings", "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, "", "", {}, true},
    {"Access", 60, "CertificateSigningRequests", "certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", false,
     "csr", "status approval", {}, false},
    // Cluster
    {"Cluster", 10, "Nodes", "", "v1", "nodes", "Node", false, "no", "status proxy", C::Cordon, true},
    {"Cluster", 20, "Namespaces", "", "v1", "namespaces", "Namespace", false, "ns", "status finalize", {}, true,
     "create delete get list patch update watch"},
    {"Cluster", 30, "Events", "", "v1", "events", "Event", true, "ev", "", {}, true},
    {"Cluster", 40, "CustomResourceDefinitions", "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false,
     "crd crds", "status", {}, false},
    {"Cluster", 50, "APIServices", "apiregistration.k8s.io", "v1", "apiservices", "APIService", false, "", "status", {}, false},
    {"Cluster", 60, "FlowSchemas", "flowcontrol.apiserver.k8s.io", "v1", "flowschemas", "FlowSchema", false, "", "status", {}, false},
    {"Cluster", 70, "PriorityLevelConfigurations", "flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations",
     "PriorityLevelConfiguration", false, "", "status", {}, false},
    // Known custom resources: Argo Rollouts and Argo CD.
    {kCustom, 0, "Rollouts", "argoproj.io", "v1alpha1", "rollouts", "Rollout", true, "ro", "status scale",
     C::RolloutActions | C::Restart | C::WorkloadLogs | C::RolloutHistory, true},
    {kCustom, 0, "AnalysisRuns", "argoproj.io", "v1alpha1", "analysisruns", "AnalysisRun", true, "ar", "status", {}, true},
    {kCustom, 0, "Applications", "argoproj.io", "v1alpha1", "applications", "Application", true, "app apps", "", {}, true},
};

QStringList words(const char *text)
{
    return QString::fromLatin1(text ? text : "").split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

// A group Kubernetes itself defines (core, "apps", "batch", "policy", "*.k8s.io"): its kinds are not custom resources.
bool builtinGroup(const QString &group)
{
    return group.isEmpty() || !group.contains(QLatin1Char('.')) || group.endsWith(QLatin1String(".k8s.io"));
}

KindInfo fromTable(const TableEntry &e)
{
    KindInfo k;
    k.ref = {QString::fromLatin1(e.group), QString::fromLatin1(e.version), QString::fromLatin1(e.plural), QString::fromLatin1(e.kind), e.namespaced};
    k.title = QString::fromLatin1(e.title);
    k.singular = k.ref.kind;
    k.category = QString::fromLatin1(e.category);
    if (k.category == QLatin1String(kCustom))
        k.apiGroupLabel = k.ref.group;
    k.icon = QStringLiteral("kind-") + k.ref.kind.toLower();
    k.shortNames = words(e.shortNames);
    k.verbs = words(e.verbs ? e.verbs : kAllVerbs);
    k.subresources = words(e.subresources);
    k.traits = e.traits;
    k.order = e.order;
    return k;
}

const TableEntry *tableEntry(const QString &group, const QString &plural)
{
    for (const TableEntry &e : kTable)
        if (group == QLatin1String(e.group) && plural == QLatin1String(e.plural))
            return &e;
    return nullptr;
}

// "NetworkPolicy" + "networkpolicies" -> "NetworkPolicies": the Kind's capitals, the plural's ending.
QString titleFor(const QString &kind, const QString &plural)
{
    if (kind.isEmpty())
        return plural;
    const QString lower = kind.toLower();
    qsizetype common = 0;
    while (common < lower.size() && common < plural.size() && lower.at(common) == plural.at(common))
        ++common;
    if (common == 0)
        return plural;
    return kind.left(common) + plural.mid(common);
}

// Whether discovery read every resource list of `group` (failedGroups holds "group/version",
// "v1" for the core group, "/apis" when the group list itself failed).
bool groupComplete(const DiscoveryResult &d, const QString &group)
{
    for (const QString &failed : d.failedGroups) {
        if (group.isEmpty()) {
            if (failed == QLatin1String("v1"))
                return false;
            continue;
        }
        if (failed == QLatin1String("/apis") || failed.section(QLatin1Char('/'), 0, 0) == group)
            return false;
    }
    return true;
}

QString kindKey(const QString &group, const QString &kind) { return group.isEmpty() ? kind : kind + QLatin1Char('.') + group; }

}  // namespace

QStringList KindRegistry::categories()
{
    return {QStringLiteral("Workloads"), QStringLiteral("Network"), QStringLiteral("Config"), QStringLiteral("Storage"),
            QStringLiteral("Autoscaling"), QStringLiteral("Access"), QStringLiteral("Cluster"), customCategory()};
}

QString KindRegistry::customCategory() { return QString::fromLatin1(kCustom); }

KindCapabilities KindRegistry::capabilitiesOf(const KindInfo &k)
{
    KindCapabilities c;
    const bool patch = k.can(QStringLiteral("patch"));
    if (k.can(QStringLiteral("delete")))
        c |= C::Delete;
    if (k.can(QStringLiteral("get")) && k.can(QStringLiteral("update")))
        c |= C::Edit;
    if (k.can(QStringLiteral("create")))
        c |= C::Create;
    if (patch && k.subresources.contains(QStringLiteral("scale")))
        c |= C::Scale;
    for (C t : {C::Restart, C::Suspend, C::Cordon, C::RolloutActions})
        if (patch && k.traits.testFlag(t))
            c |= t;
    if (k.traits.testFlag(C::PodLogs) && k.subresources.contains(QStringLiteral("log")))
        c |= C::PodLogs;
    if (k.traits.testFlag(C::Trigger) && k.can(QStringLiteral("get")))
        c |= C::Trigger;
    // Views that only read.
    for (C t : {C::WorkloadLogs, C::ScalingView, C::RolloutHistory})
        if (k.traits.testFlag(t))
            c |= t;
    return c;
}

KindRegistry KindRegistry::builtin()
{
    KindRegistry r;
    for (const TableEntry &e : kTable) {
        if (!e.builtin)
            continue;
        KindInfo k = fromTable(e);
        k.capabilities = capabilitiesOf(k);
        r.m_kinds << k;
    }
    r.rebuild();
    return r;
}

void KindRegistry::applyDiscovery(const DiscoveryResult &d)
{
    // What an earlier discovery said no longer counts; kinds of groups that failed this time keep it.
    for (KindInfo &k : m_kinds)
        k.served = false;
    for (const DiscoveredResource &r : d.resources) {
        if (r.ref.plural.isEmpty())
            continue;
        auto it = m_byResource.constFind(r.ref.groupResource());
        KindInfo *k = it != m_byResource.constEnd() ? &m_kinds[*it] : nullptr;
        if (!k) {
            const bool listable = r.verbs.contains(QStringLiteral("list")) && r.verbs.contains(QStringLiteral("watch"));
            if (!listable)
                continue;  // reviews, bindings, metrics: nothing to browse
            if (const TableEntry *e = tableEntry(r.ref.group, r.ref.plural)) {
                m_kinds << fromTable(*e);
            } else {
                // The same kind under another built-in group (events.k8s.io Events, extensions
                // Ingresses on old servers) is already listed once.
                if (builtinGroup(r.ref.group)) {
                    const bool duplicate = std::any_of(m_kinds.cbegin(), m_kinds.cend(), [&](const KindInfo &o) {
                        return o.ref.kind == r.ref.kind && o.ref.plural == r.ref.plural && o.ref.group != r.ref.group;
                    });
                    if (duplicate)
                        continue;
                }
                KindInfo added;
                added.ref = r.ref;
                added.title = titleFor(r.ref.kind, r.ref.plural);
                added.singular = r.ref.kind.isEmpty() ? r.ref.plural : r.ref.kind;
                added.category = customCategory();
                added.apiGroupLabel = r.ref.group.isEmpty() ? QStringLiteral("core") : r.ref.group;
                added.icon = QStringLiteral("kind-custom");
                m_kinds << added;
            }
            m_byResource.insert(r.ref.groupResource(), m_kinds.size() - 1);
            k = &m_kinds.last();
        }
        // The server's word on version, scope, verbs and subresources wins over the table's.
        k->ref.version = r.ref.version;
        if (!r.ref.kind.isEmpty())
            k->ref.kind = r.ref.kind;
        k->ref.namespaced = r.ref.namespaced;
        k->verbs = r.verbs;
        k->subresources = r.subresources;
        if (!r.shortNames.isEmpty() || k->isCustom())
            k->shortNames = r.shortNames;
        k->served = true;
    }
    m_kinds.erase(std::remove_if(m_kinds.begin(), m_kinds.end(), [&](const KindInfo &k) { return !k.served && groupComplete(d, k.ref.group); }),
                  m_kinds.end());
    for (KindInfo &k : m_kinds)
        k.capabilities = capabilitiesOf(k);
    m_discovered = true;
    rebuild();
}

void KindRegistry::rebuild()
{
    const QStringList order = categories();
    auto rank = [&order](const QString &category) {
        const qsizetype i = order.indexOf(category);
        return i < 0 ? order.size() - 1 : i;
    };
    std::stable_sort(m_kinds.begin(), m_kinds.end(), [&](const KindInfo &a, const KindInfo &b) {
        const qsizetype ra = rank(a.category), rb = rank(b.category);
        if (ra != rb)
            return ra < rb;
        if (a.order != b.order)
            return a.order < b.order;
        if (const int c = a.apiGroupLabel.compare(b.apiGroupLabel); c != 0)
            return c < 0;
        return a.title.compare(b.title, Qt::CaseInsensitive) < 0;
    });
    m_byResource.clear();
    m_byKind.clear();
    for (qsizetype i = 0; i < m_kinds.size(); ++i) {
        m_byResource.insert(m_kinds[i].id(), i);
        m_byKind.insert(kindKey(m_kinds[i].ref.group, m_kinds[i].ref.kind), i);
    }
}

const KindInfo *KindRegistry::find(const QString &group, const QString &plural) const
{
    const QString key = group.isEmpty() ? plural : plural + QLatin1Char('.') + group;
    auto it = m_byResource.constFind(key);
    return it == m_byResource.constEnd() ? nullptr : &m_kinds[*it];
}

const KindInfo *KindRegistry::findKind(const QString &group, const QString &kind) const
{
    auto it = m_byKind.constFind(kindKey(group, kind));
    return it == m_byKind.constEnd() ? nullptr : &m_kinds[*it];
}

const KindInfo *KindRegistry::lookup(const QString &text) const
{
    QString t = text.trimmed().toLower();
    if (t.startsWith(QLatin1Char(':')))
        t = t.mid(1).trimmed();
    if (t.isEmpty())
        return nullptr;
    auto exact = [&t](const KindInfo &k) {
        const QString kind = k.ref.kind.toLower();
        if (t == k.ref.plural || t == kind || t == k.singular.toLower() || t == k.title.toLower() || t == k.id())
            return true;
        for (const QString &s : k.shortNames)
            if (t == s.toLower())
                return true;
        // kubectl's fully qualified forms: "deployment.apps", "deployments.v1.apps".
        if (!k.ref.group.isEmpty()) {
            const QString group = QLatin1Char('.') + k.ref.group;
            if (t == kind + group || t == k.ref.plural + QLatin1Char('.') + k.ref.version + group)
                return true;
        }
        return false;
    };
    // In kinds() order: a built-in wins over a custom resource of the same name.
    for (const KindInfo &k : m_kinds)
        if (exact(k))
            return &k;
    const KindInfo *found = nullptr;
    for (const KindInfo &k : m_kinds) {
        if (k.title.toLower().startsWith(t) || k.ref.plural.startsWith(t)) {
            if (found)
                return nullptr;  // ambiguous
            found = &k;
        }
    }
    return found;
}

}  // namespace pilothouse::backends::kube
