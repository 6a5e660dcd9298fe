// The resource table the simulator serves: core, apps, autoscaling, batch, networking, policy, storage, RBAC,
// metrics and argoproj.io.
#include "kube/resourcetypes.h"

#include <algorithm>
#include <stdexcept>

namespace pilothouse::sim {

namespace {
const std::vector<std::string> kAllVerbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
}

bool ResourceType::hasSubresource(const std::string &name) const
{
    return std::find(subresources.begin(), subresources.end(), name) != subresources.end();
}

const ResourceRegistry &ResourceRegistry::instance()
{
    static const ResourceRegistry registry;
    return registry;
}

ResourceRegistry::ResourceRegistry()
{
    auto add = [this](ResourceType t) {
        if (t.verbs.empty())
            t.verbs = kAllVerbs;
        t.index = static_cast<int>(m_types.size());
        m_types.push_back(std::move(t));
    };
    // clang-format off
    add({-1, "", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, {}, {"create", "delete", "get", "list", "patch", "update", "watch"}, {"status"}, false, false});
    add({-1, "", "v1", "nodes", "node", "Node", false, {"no"}, {}, {}, {"status"}, false, false});
    add({-1, "", "v1", "pods", "pod", "Pod", true, {"po"}, {"all"}, {}, {"status", "log"}, false, false});
    add({-1, "", "v1", "services", "service", "Service", true, {"svc"}, {"all"}, {"create", "delete", "get", "list", "patch", "update", "watch"}, {"status"}, false, false});
    add({-1, "", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"}, {}, {}, {}, false, false});
    add({-1, "", "v1", "events", "event", "Event", true, {"ev"}, {}, {}, {}, false, false});
    add({-1, "", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"}, {}, {}, {}, false, false});
    add({-1, "", "v1", "secrets", "secret", "Secret", true, {}, {}, {}, {}, false, false});
    add({-1, "", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}, {}, {}, {}, false, false});
    add({-1, "", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, {"pvc"}, {}, {}, {"status"}, false, false});
    add({-1, "", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, {"pv"}, {}, {}, {"status"}, false, false});
    add({-1, "", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true, {"quota"}, {}, {}, {"status"}, false, false});
    add({-1, "", "v1", "limitranges", "limitrange", "LimitRange", true, {"limits"}, {}, {}, {}, false, false});
    add({-1, "apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"}, {"all"}, {}, {"status", "scale"}, false, true});
    add({-1, "apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, {"rs"}, {"all"}, {}, {"status", "scale"}, false, true});
    add({-1, "apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, {"sts"}, {"all"}, {}, {"status", "scale"}, false, true});
    add({-1, "apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, {"ds"}, {"all"}, {}, {"status"}, false, true});
    add({-1, "apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true, {}, {}, {}, {}, false, false});
    add({-1, "autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, {"hpa"}, {"all"}, {}, {"status"}, false, false});
    add({-1, "batch", "v1", "jobs", "job", "Job", true, {}, {"all"}, {}, {"status"}, false, true});
    add({-1, "batch", "v1", "cronjobs", "cronjob", "CronJob", true, {"cj"}, {"all"}, {}, {"status"}, false, true});
    add({-1, "networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, {"ing"}, {}, {}, {"status"}, false, true});
    add({-1, "networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true, {"netpol"}, {}, {}, {}, false, true});
    add({-1, "policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, {"pdb"}, {}, {}, {"status"}, false, true});
    add({-1, "storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, {"sc"}, {}, {}, {}, false, false});
    // RBAC objects are stored and served, but the simulator's authorizer does not read them: it
    // knows two identities (sim-admin, in system:masters, and sim-viewer, with the built-in
    // "view" role; see ApiServer::allowed), which the system ClusterRoles and bindings describe.
    add({-1, "rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, {}, {}, {}, {}, false, false});
    add({-1, "rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, {}, {}, {}, {}, false, false});
    add({-1, "rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, {}, {}, {}, {}, false, false});
    add({-1, "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, {}, {}, {}, {}, false, false});
    add({-1, "argoproj.io", "v1alpha1", "rollouts", "rollout", "Rollout", true, {"ro"}, {"all"}, {}, {"status", "scale"}, true, true});
    add({-1, "argoproj.io", "v1alpha1", "analysistemplates", "analysistemplate", "AnalysisTemplate", true, {"at"}, {}, {}, {}, true, true});
    add({-1, "argoproj.io", "v1alpha1", "analysisruns", "analysisrun", "AnalysisRun", true, {"ar"}, {}, {}, {}, true, true});
    // Argo CD (argo/argocd*.cpp): Applications are written by the API and the application controller;
    // like the real CRD they have no status subresource.
    add({-1, "argoproj.io", "v1alpha1", "applications", "application", "Application", true, {"app", "apps"}, {}, {}, {}, true, true});
    add({-1, "argoproj.io", "v1alpha1", "appprojects", "appproject", "AppProject", true, {"appproj", "appprojs"}, {}, {}, {}, true, true});
    // Read-only, served from the load model by the API server rather than from the store.
    add({-1, "metrics.k8s.io", "v1beta1", "pods", "", "PodMetrics", true, {}, {}, {"get", "list"}, {}, false, false});
    add({-1, "metrics.k8s.io", "v1beta1", "nodes", "", "NodeMetrics", false, {}, {}, {"get", "list"}, {}, false, false});
    add({-1, "authorization.k8s.io", "v1", "selfsubjectaccessreviews", "", "SelfSubjectAccessReview", false, {}, {}, {"create"}, {}, false, false});
    add({-1, "authentication.k8s.io", "v1", "selfsubjectreviews", "", "SelfSubjectReview", false, {}, {}, {"create"}, {}, false, false});
    // clang-format on
}

const ResourceType *ResourceRegistry::find(const std::string &group, const std::string &version, const std::string &plural) const
{
    for (const auto &t : m_types)
        if (t.group == group && t.version == version && t.plural == plural)
            return &t;
    return nullptr;
}

const ResourceType *ResourceRegistry::byKind(const std::string &apiVersion, const std::string &kind) const
{
    for (const auto &t : m_types)
        if (t.groupVersion() == apiVersion && t.kind == kind)
            return &t;
    return nullptr;
}

const ResourceType &ResourceRegistry::require(const std::string &group, const std::string &plural) const
{
    for (const auto &t : m_types)
        if (t.group == group && t.plural == plural)
            return t;
    throw std::logic_error("unknown resource " + plural + "." + group);
}

std::vector<std::string> ResourceRegistry::groups() const
{
    std::vector<std::string> out;
    for (const auto &t : m_types)
        if (std::find(out.begin(), out.end(), t.group) == out.end())
            out.push_back(t.group);
    return out;
}

}  // namespace pilothouse::sim
