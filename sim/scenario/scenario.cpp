// Scenario loading (YAML to JSON with Kubernetes' scalar rules) and benchmark pod generation.
#include "scenario/scenario.h"

#include "common/yamljson.h"
#include "kube/cluster.h"
#include "kube/objectutil.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace pilothouse::sim {

std::vector<Json> loadScenarioFile(const std::string &path)
{
    std::vector<Json> out;
    std::vector<YAML::Node> docs;
    try {
        docs = YAML::LoadAllFromFile(path);
    } catch (const YAML::BadFile &) {
        throw std::runtime_error("cannot read scenario file " + path);
    } catch (const YAML::Exception &e) {
        throw std::runtime_error(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                                 ": " + e.msg);
    }
    for (const auto &doc : docs) {
        if (doc.IsNull())
            continue;
        Json obj = yamlToJson(doc);
        if (!obj.is_object() || !obj.contains("kind") || !obj.contains("apiVersion"))
            throw std::runtime_error(path + ":" + std::to_string(doc.Mark().line + 1) +
                                     ": a scenario document needs apiVersion and kind");
        if (obj["kind"] == "List" && obj.contains("items")) {
            for (auto &item : obj["items"])
                out.push_back(item);
        } else {
            out.push_back(std::move(obj));
        }
    }
    return out;
}

size_t applyScenario(Cluster &cluster, const std::vector<Json> &objects, std::string &warnings)
{
    const auto &registry = ResourceRegistry::instance();
    std::vector<const Json *> ordered;
    for (const auto &o : objects)
        ordered.push_back(&o);
    // Namespaces and nodes first, so that namespaced objects and scheduling find them.
    std::stable_sort(ordered.begin(), ordered.end(), [](const Json *a, const Json *b) {
        auto rank = [](const Json *o) { return (*o)["kind"] == "Namespace" ? 0 : (*o)["kind"] == "Node" ? 1 : 2; };
        return rank(a) < rank(b);
    });
    size_t created = 0;
    for (const Json *o : ordered) {
        const ResourceType *t = registry.byKind(o->value("apiVersion", ""), o->value("kind", ""));
        std::string name = stringAt(*o, "metadata.name");
        if (!t) {
            warnings += "skipped " + o->value("kind", "") + " " + name + ": " + o->value("apiVersion", "") + " is not served\n";
            continue;
        }
        try {
            Json obj = *o;
            Json status = obj.contains("status") ? obj["status"] : Json();
            ObjPtr stored = cluster.create(*t, stringAt(obj, "metadata.namespace", t->namespaced ? "default" : ""), obj);
            // Nodes describe the machines: their status is part of the scenario.
            if (t->kind == "Node" && status.is_object())
                cluster.store().modify(*t, "", stored->name, [&](Json &n) {
                    n["status"] = status;
                    return true;
                });
            ++created;
        } catch (const ApiException &e) {
            warnings += "skipped " + t->kind + " " + name + ": " + e.what() + "\n";
        }
    }
    return created;
}

namespace {

Json benchPodTemplate(const std::string &app, const std::string &team, int index)
{
    Json env = Json::array();
    const char *keys[] = {"LOG_LEVEL", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "HTTP_PORT", "GRPC_PORT",
                          "DB_HOST", "DB_POOL_SIZE", "CACHE_TTL_SECONDS", "FEATURE_FLAGS", "REGION", "TRACE_SAMPLING",
                          "MAX_CONNECTIONS", "REQUEST_TIMEOUT_MS", "RETRY_BUDGET", "UPSTREAM_URL"};
    for (const char *k : keys)
        env.push_back({{"name", k}, {"value", std::string(k) == "OTEL_SERVICE_NAME" ? app : "value-for-" + std::string(k) + "-" + std::to_string(index % 7)}});
    env.push_back({{"name", "POD_NAME"}, {"valueFrom", {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "metadata.name"}}}}}});
    env.push_back({{"name", "POD_IP"}, {"valueFrom", {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "status.podIP"}}}}}});
    Json app_c = {{"name", app},
                  {"image", "registry.pilothouse.local/" + team + "/" + app + ":" + std::to_string(100 + index % 90)},
                  {"ports", {{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}}, {{"name", "grpc"}, {"containerPort", 9090}, {"protocol", "TCP"}}}},
                  {"env", env},
                  {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}, {"limits", {{"cpu", "500m"}, {"memory", "512Mi"}}}}},
                  {"readinessProbe", {{"httpGet", {{"path", "/healthz/ready"}, {"port", "http"}, {"scheme", "HTTP"}}}, {"initialDelaySeconds", 5}, {"periodSeconds", 10}}},
                  {"livenessProbe", {{"httpGet", {{"path", "/healthz/live"}, {"port", "http"}, {"scheme", "HTTP"}}}, {"initialDelaySeconds", 15}, {"periodSeconds", 20}}},
                  {"volumeMounts", {{{"name", "config"}, {"mountPath", "/etc/" + app}, {"readOnly", true}},
                                    {{"name", "kube-api-access"}, {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"}, {"readOnly", true}}}}};
    Json sidecar = {{"name", "istio-proxy"},
                    {"image", "registry.pilothouse.local/istio/proxyv2:1.22.3"},
                    {"args", {"proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local", "--proxyLogLevel=warning", "--log_output_level=default:info"}},
                    {"ports", {{{"name", "http-envoy-prom"}, {"containerPort", 15090}, {"protocol", "TCP"}}}},
                    {"env", {{{"name", "PILOT_CERT_PROVIDER"}, {"value", "istiod"}}, {{"name", "CA_ADDR"}, {"value", "istiod.istio-system.svc:15012"}},
                             {{"name", "POD_NAMESPACE"}, {"valueFrom", {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "metadata.namespace"}}}}}}}},
                    {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "40Mi"}}}, {"limits", {{"cpu", "2"}, {"memory", "1Gi"}}}}},
                    {"readinessProbe", {{"httpGet", {{"path", "/healthz/ready"}, {"port", 15021}, {"scheme", "HTTP"}}}, {"periodSeconds", 15}}}};
    Json configVolume = {{"name", "config"}, {"configMap", {{"name", app + "-config"}, {"defaultMode", 420}}}};
    Json tokenSource = {{"serviceAccountToken", {{"expirationSeconds", 3607}, {"path", "token"}}}};
    Json caSource = {{"configMap", {{"name", "kube-root-ca.crt"}, {"items", Json::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}}}};
    Json apiVolume = {{"name", "kube-api-access"}, {"projected", {{"defaultMode", 420}, {"sources", Json::array({tokenSource, caSource})}}}};
    Json init = {{"name", "istio-init"},
                 {"image", "registry.pilothouse.local/istio/proxyv2:1.22.3"},
                 {"args", {"istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020", "--log_output_level=default:info"}},
                 {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "40Mi"}}}, {"limits", {{"cpu", "2"}, {"memory", "1Gi"}}}}},
                 {"securityContext", {{"allowPrivilegeEscalation", false}, {"capabilities", {{"add", {"NET_ADMIN", "NET_RAW"}}, {"drop", {"ALL"}}}},
                                      {"privileged", false}, {"readOnlyRootFilesystem", false}, {"runAsGroup", 0}, {"runAsNonRoot", false}, {"runAsUser", 0}}}};
    Json podSpec = {{"initContainers", Json::array({init})}, {"containers", Json::array({app_c, sidecar})},
                    {"volumes", Json::array({configVolume, apiVolume})}};
    return {{"metadata", {{"labels", {{"app", app}, {"app.kubernetes.io/name", app}, {"app.kubernetes.io/part-of", team},
                                     {"security.istio.io/tlsMode", "istio"}, {"service.istio.io/canonical-name", app},
                                     {"service.istio.io/canonical-revision", "v1"}}},
                          {"annotations", {{"prometheus.io/scrape", "true"}, {"prometheus.io/port", "15020"},
                                           {"sidecar.istio.io/status", "{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"],\"volumes\":[\"istio-envoy\",\"istio-data\"]}"}}}}},
            {"spec", podSpec}};
}

}  // namespace

void addBenchmarkPods(Cluster &cluster, size_t count)
{
    if (count == 0)
        return;
    const auto &reg = ResourceRegistry::instance();
    const auto &nsType = reg.require("", "namespaces");
    const auto &nodeType = reg.require("", "nodes");
    const auto &deployType = reg.require("apps", "deployments");
    const auto &rsType = reg.require("apps", "replicasets");
    const auto &podType = reg.require("", "pods");
    const size_t nodes = std::max<size_t>(3, count / 100);
    const size_t namespaces = std::max<size_t>(1, std::min<size_t>(50, count / 200));
    const size_t podsPerDeployment = 25;
    const std::string now = rfc3339Now();

    for (size_t n = 0; n < nodes; ++n) {
        char name[32];
        std::snprintf(name, sizeof name, "bench-node-%03zu", n + 1);
        Json node = {{"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}, {"kubernetes.io/os", "linux"},
                                                                {"node-role.kubernetes.io/worker", ""}, {"pilothouse.dev/bench", "true"}}}}},
                     {"spec", Json::object()}};
        ObjPtr stored = cluster.create(nodeType, "", node);
        cluster.store().modify(nodeType, "", stored->name, [&](Json &o) {
            o["status"] = {{"capacity", {{"cpu", "32"}, {"memory", "128Gi"}, {"pods", "250"}}},
                           {"allocatable", {{"cpu", "31"}, {"memory", "120Gi"}, {"pods", "250"}}},
                           {"addresses", {{{"type", "InternalIP"}, {"address", "10.1." + std::to_string(n / 250) + "." + std::to_string(n % 250 + 1)}}, {{"type", "Hostname"}, {"address", name}}}},
                           {"nodeInfo", {{"kubeletVersion", "v1.30.4"}, {"osImage", "Debian GNU/Linux 12 (bookworm)"}, {"kernelVersion", "6.1.0-26-amd64"},
                                         {"containerRuntimeVersion", "containerd://1.7.20"}, {"architecture", "amd64"}, {"operatingSystem", "linux"}}},
                           {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}, {"message", "kubelet is posting ready status"},
                                            {"lastHeartbeatTime", now}, {"lastTransitionTime", now}}}}};
            return true;
        });
    }
    for (size_t i = 0; i < namespaces; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "bench-%02zu", i + 1);
        cluster.create(nsType, "", {{"metadata", {{"name", name}, {"labels", {{"pilothouse.dev/bench", "true"}}}}}});
    }
    size_t made = 0;
    for (size_t d = 0; made < count; ++d) {
        char appName[32];
        std::snprintf(appName, sizeof appName, "svc-%04zu", d + 1);
        std::string app = appName;
        std::string team = "team-" + std::to_string(d % 12);
        char nsName[32];
        std::snprintf(nsName, sizeof nsName, "bench-%02zu", d % namespaces + 1);
        size_t replicas = std::min(podsPerDeployment, count - made);
        Json tmpl = benchPodTemplate(app, team, static_cast<int>(d));
        Json deploy = {{"metadata", {{"name", app}, {"namespace", nsName}, {"labels", {{"app", app}, {"pilothouse.dev/bench", "true"}}}}},
                       {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", app}}}}}, {"template", tmpl}}}};
        ObjPtr dep = cluster.create(deployType, nsName, deploy, {"", "kubectl-client-side-apply", false});
        Json defaultedTemplate = dep->obj["spec"]["template"];
        std::string hash = podTemplateHash(defaultedTemplate);
        Json rsTemplate = defaultedTemplate;
        rsTemplate["metadata"]["labels"]["pod-template-hash"] = hash;
        std::string rsName = app + "-" + hash;
        Json rs = {{"metadata", {{"name", rsName}, {"namespace", nsName}, {"labels", rsTemplate["metadata"]["labels"]},
                                 {"annotations", {{"deployment.kubernetes.io/revision", "1"}, {"deployment.kubernetes.io/desired-replicas", std::to_string(replicas)},
                                                  {"deployment.kubernetes.io/max-replicas", std::to_string(replicas + (replicas + 3) / 4)}}},
                                 {"ownerReferences", {{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", app}, {"uid", dep->uid},
                                                       {"controller", true}, {"blockOwnerDeletion", true}}}}}},
                   {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", app}, {"pod-template-hash", hash}}}}}, {"template", rsTemplate}}}};
        ObjPtr rsObj = cluster.create(rsType, nsName, rs, {"", "kube-controller-manager", false});
        // Random suffixes, as the ReplicaSet controller's, but never twice in one ReplicaSet: 25 of
        // 27^5 collide in one of 4,000 ReplicaSets about once in twelve starts at 100,000 pods,
        // and the create of the second then stopped the sim.
        std::set<std::string> suffixes;
        for (size_t r = 0; r < replicas; ++r, ++made) {
            std::string node;
            {
                char nn[32];
                std::snprintf(nn, sizeof nn, "bench-node-%03zu", made % nodes + 1);
                node = nn;
            }
            std::string podIp = "10.244." + std::to_string(made / 250 % 250) + "." + std::to_string(made % 250 + 1);
            Json pod = rsTemplate;
            std::string suffix = randomSuffix(5);
            while (!suffixes.insert(suffix).second)
                suffix = randomSuffix(5);
            pod["metadata"]["name"] = rsName + "-" + suffix;
            pod["metadata"]["namespace"] = nsName;
            pod["metadata"]["generateName"] = rsName + "-";
            pod["metadata"]["ownerReferences"] = {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", rsName}, {"uid", rsObj->uid},
                                                   {"controller", true}, {"blockOwnerDeletion", true}}};
            pod["spec"]["nodeName"] = node;
            ObjPtr p = cluster.create(podType, nsName, pod, {"", "kube-controller-manager", false});
            cluster.store().modify(podType, nsName, p->name, [&](Json &o) {
                Json statuses = Json::array();
                for (const auto &c : o["spec"]["containers"])
                    statuses.push_back({{"name", c["name"]}, {"image", c["image"]}, {"imageID", c["image"].get<std::string>() + "@sha256:" + std::string(64, 'a')},
                                        {"containerID", "containerd://" + std::string(64, 'c')}, {"ready", true}, {"started", true},
                                        {"restartCount", 0}, {"state", {{"running", {{"startedAt", now}}}}}, {"lastState", Json::object()}});
                Json initStatuses = Json::array({{{"name", "istio-init"}, {"image", "registry.pilothouse.local/istio/proxyv2:1.22.3"},
                                                   {"imageID", "registry.pilothouse.local/istio/proxyv2@sha256:" + std::string(64, 'b')},
                                                   {"containerID", "containerd://" + std::string(64, 'd')}, {"ready", true}, {"restartCount", 0},
                                                   {"state", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}, {"startedAt", now}, {"finishedAt", now},
                                                                               {"containerID", "containerd://" + std::string(64, 'd')}}}}},
                                                   {"lastState", Json::object()}}});
                o["status"] = {{"initContainerStatuses", initStatuses}, {"phase", "Running"}, {"hostIP", "10.1.0." + std::to_string(made % nodes % 250 + 1)}, {"podIP", podIp},
                               {"podIPs", {{{"ip", podIp}}}}, {"startTime", now}, {"qosClass", "Burstable"}, {"containerStatuses", statuses},
                               {"conditions", {{{"type", "PodReadyToStartContainers"}, {"status", "True"}, {"lastTransitionTime", now}},
                                               {{"type", "Initialized"}, {"status", "True"}, {"lastTransitionTime", now}},
                                               {{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}},
                                               {{"type", "ContainersReady"}, {"status", "True"}, {"lastTransitionTime", now}},
                                               {{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", now}}}}};
                Json &mf = o["metadata"]["managedFields"];
                mf.push_back({{"manager", "kubelet"}, {"operation", "Update"}, {"apiVersion", "v1"}, {"time", now}, {"fieldsType", "FieldsV1"},
                              {"subresource", "status"},
                              {"fieldsV1", {{"f:status", {{"f:conditions", {{"k:{\"type\":\"ContainersReady\"}", {{".", Json::object()}, {"f:lastTransitionTime", Json::object()}, {"f:status", Json::object()}, {"f:type", Json::object()}}},
                                                                            {"k:{\"type\":\"Ready\"}", {{".", Json::object()}, {"f:lastTransitionTime", Json::object()}, {"f:status", Json::object()}, {"f:type", Json::object()}}}}},
                                                           {"f:containerStatuses", Json::object()}, {"f:hostIP", Json::object()}, {"f:phase", Json::object()},
                                                           {"f:podIP", Json::object()}, {"f:podIPs", Json::object()}, {"f:startTime", Json::object()}}}}}});
                return true;
            });
        }
    }
}

void createSystemObjects(Cluster &cluster, int port)
{
    const auto &reg = ResourceRegistry::instance();
    for (const char *ns : {"default", "kube-system", "kube-public", "kube-node-lease"})
        cluster.create(reg.require("", "namespaces"), "", {{"metadata", {{"name", ns}}}});
    cluster.create(reg.require("", "services"), "default",
                   {{"metadata", {{"name", "kubernetes"}, {"labels", {{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
                    {"spec", {{"clusterIP", "10.96.0.1"}, {"ports", {{{"name", "https"}, {"port", 443}, {"targetPort", port}, {"protocol", "TCP"}}}}}}});
    cluster.create(reg.require("", "endpoints"), "default",
                   {{"metadata", {{"name", "kubernetes"}, {"labels", {{"endpointslice.kubernetes.io/skip-mirror", "true"}}}}},
                    {"subsets", {{{"addresses", {{{"ip", "127.0.0.1"}}}}, {"ports", {{{"name", "https"}, {"port", port}, {"protocol", "TCP"}}}}}}}});
    // The two identities the built-in authorizer knows (ApiServer::allowed), written down as the RBAC
    // objects a cluster would have for them. The authorizer does not read these: editing them
    // changes what `kubectl get clusterroles` shows, not who may do what.
    const Json bootstrap = {{"labels", {{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
                            {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}};
    Json adminRole = {{"metadata", bootstrap}, {"rules", Json::array({{{"apiGroups", {"*"}}, {"resources", {"*"}}, {"verbs", {"*"}}},
                                                                     {{"nonResourceURLs", {"*"}}, {"verbs", {"*"}}}})}};
    adminRole["metadata"]["name"] = "cluster-admin";
    Json viewRules = Json::array();
    for (const auto &group : reg.groups()) {
        Json resources = Json::array();
        for (const auto &t : reg.all())
            if (t.group == group && t.plural != "secrets" && std::find(t.verbs.begin(), t.verbs.end(), "get") != t.verbs.end()) {
                resources.push_back(t.plural);
                if (t.hasSubresource("log"))
                    resources.push_back(t.plural + "/log");
            }
        if (!resources.empty())
            viewRules.push_back({{"apiGroups", {group}}, {"resources", resources}, {"verbs", {"get", "list", "watch"}}});
    }
    Json viewRole = {{"metadata", bootstrap}, {"rules", viewRules}};
    viewRole["metadata"]["name"] = "view";
    const auto &clusterRoles = reg.require("rbac.authorization.k8s.io", "clusterroles");
    const auto &clusterBindings = reg.require("rbac.authorization.k8s.io", "clusterrolebindings");
    cluster.create(clusterRoles, "", adminRole);
    cluster.create(clusterRoles, "", viewRole);
    auto bind = [&](const char *name, const char *role, const char *group) {
        Json b = {{"metadata", bootstrap}, {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", role}}},
                  {"subjects", Json::array({{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", group}}})}};
        b["metadata"]["name"] = name;
        cluster.create(clusterBindings, "", b);
    };
    bind("cluster-admin", "cluster-admin", "system:masters");
    bind("pilothouse:viewers", "view", "pilothouse:viewers");
}

void ensureDefaultObjects(Cluster &cluster)
{
    const auto &reg = ResourceRegistry::instance();
    for (const auto &ns : cluster.store().list(reg.require("", "namespaces")).items)
        if (!cluster.store().get(reg.require("", "serviceaccounts"), ns->name, "default"))
            cluster.create(reg.require("", "serviceaccounts"), ns->name, {{"metadata", {{"name", "default"}}}});
    if (cluster.store().list(reg.require("", "nodes")).items.empty()) {
        for (int i = 1; i <= 3; ++i) {
            std::string name = "node-" + std::to_string(i);
            ObjPtr n = cluster.create(reg.require("", "nodes"), "", {{"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}, {"kubernetes.io/os", "linux"}}}}}});
            cluster.store().modify(reg.require("", "nodes"), "", n->name, [&](Json &o) {
                std::string now = rfc3339Now();
                o["status"] = {{"capacity", {{"cpu", "4"}, {"memory", "16Gi"}, {"pods", "110"}}},
                               {"allocatable", {{"cpu", "4"}, {"memory", "16Gi"}, {"pods", "110"}}},
                               {"addresses", {{{"type", "InternalIP"}, {"address", "10.0.0." + std::to_string(10 + i)}}, {{"type", "Hostname"}, {"address", name}}}},
                               {"nodeInfo", {{"kubeletVersion", "v1.30.4"}, {"osImage", "Debian GNU/Linux 12 (bookworm)"}, {"kernelVersion", "6.1.0-26-amd64"},
                                             {"containerRuntimeVersion", "containerd://1.7.20"}, {"architecture", "amd64"}, {"operatingSystem", "linux"}}},
                               {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}, {"message", "kubelet is posting ready status"}, {"lastHeartbeatTime", now}, {"lastTransitionTime", now}}}}};
                return true;
            });
        }
    }
}

}  // namespace pilothouse::sim
