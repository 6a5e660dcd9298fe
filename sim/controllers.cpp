// Control loops of the simulated cluster. They follow the upstream controllers' rules closely
// enough that `kubectl rollout status`, `describe` and the events look as they do on a cluster.
#include "controllers.h"

#include "scheduling.h"
#include "selectors.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace pilothouse::sim {

namespace {

const ResourceType &type(const char *group, const char *plural) { return ResourceRegistry::instance().require(group, plural); }

bool isTerminating(const Json &o)
{
    const Json *d = findPath(o, "metadata.deletionTimestamp");
    return d && !d->is_null();
}

bool conditionTrue(const Json &o, const char *condType)
{
    if (const Json *conds = findPath(o, "status.conditions"); conds && conds->is_array())
        for (const auto &c : *conds)
            if (c.value("type", "") == condType)
                return c.value("status", "") == "True";
    return false;
}

bool isPodReady(const Json &pod) { return conditionTrue(pod, "Ready"); }

// Annotation keys have dots, which findPath would split.
std::string annotationOf(const Json &o, const char *key)
{
    if (const Json *ann = findPath(o, "metadata.annotations"); ann && ann->is_object())
        if (auto it = ann->find(key); it != ann->end() && it->is_string())
            return it->get<std::string>();
    return {};
}

const Json *controllerRef(const Json &o)
{
    if (const Json *refs = findPath(o, "metadata.ownerReferences"); refs && refs->is_array())
        for (const auto &r : *refs)
            if (r.value("controller", false))
                return &r;
    return nullptr;
}

long long revisionOf(const Json &rs)
{
    std::string r;
    if (const Json *ann = findPath(rs, "metadata.annotations"); ann && ann->is_object())
        r = ann->value("deployment.kubernetes.io/revision", "");
    try {
        return r.empty() ? 0 : std::stoll(r);
    } catch (...) {
        return 0;
    }
}

long long resolveIntOrPercent(const Json *v, long long total, bool roundUp, long long fallback)
{
    if (!v)
        return fallback;
    if (v->is_number_integer())
        return v->get<long long>();
    if (v->is_string()) {
        std::string s = v->get<std::string>();
        if (!s.empty() && s.back() == '%') {
            double pct = std::atof(s.c_str());
            double value = pct * static_cast<double>(total) / 100.0;
            return static_cast<long long>(roundUp ? std::ceil(value) : std::floor(value));
        }
        return std::atoll(s.c_str());
    }
    return fallback;
}

Json makeOwnerRef(const ResourceType &t, const StoredObject &owner)
{
    return {{"apiVersion", t.groupVersion()}, {"kind", t.kind}, {"name", owner.name}, {"uid", owner.uid},
            {"controller", true}, {"blockOwnerDeletion", true}};
}

// Conditions without a reason carry neither reason nor message, as the kubelet writes them.
void dropEmptyReasons(Json &status)
{
    if (!status.contains("conditions") || !status["conditions"].is_array())
        return;
    for (auto &c : status["conditions"]) {
        auto reason = c.find("reason");
        if (reason == c.end() || reason->is_null() || *reason == "")
            c.erase("reason"), c.erase("message");
        else if (auto message = c.find("message"); message != c.end() && (message->is_null() || *message == ""))
            c.erase(message);
    }
}

// Sets a status condition, keeping transition times when nothing changed.
void setCondition(Json &status, const std::string &condType, const std::string &value, const std::string &reason,
                  const std::string &message, bool withUpdateTime)
{
    Json &conds = status["conditions"];
    if (!conds.is_array())
        conds = Json::array();
    std::string now = rfc3339Now();
    for (auto &c : conds) {
        if (c.value("type", "") != condType)
            continue;
        if (c.value("status", "") != value)
            c["lastTransitionTime"] = now;
        if (c.value("reason", "") != reason || c.value("message", "") != message) {
            if (withUpdateTime)
                c["lastUpdateTime"] = now;
        }
        c["status"] = value;
        c["reason"] = reason;
        c["message"] = message;
        return;
    }
    Json c = {{"type", condType}, {"status", value}, {"lastTransitionTime", now}, {"reason", reason}, {"message", message}};
    if (withUpdateTime)
        c["lastUpdateTime"] = now;
    conds.push_back(c);
}

}  // namespace

std::string podTemplateHash(const Json &podTemplate, long long collisionCount)
{
    Json t = podTemplate;
    if (t.contains("metadata") && t["metadata"].contains("labels"))
        t["metadata"]["labels"].erase("pod-template-hash");
    std::string text = t.dump();
    std::uint32_t h = 2166136261u;  // FNV-1a, as hashutil.DeepHashObject feeds fnv32a
    for (unsigned char c : text) {
        h ^= c;
        h *= 16777619u;
    }
    if (collisionCount > 0)
        for (int i = 0; i < 4; ++i) {
            h ^= static_cast<unsigned char>((collisionCount >> (8 * i)) & 0xff);
            h *= 16777619u;
        }
    // rand.SafeEncodeString: the decimal digits mapped onto an alphabet without vowels.
    static constexpr char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    std::string digits = std::to_string(h), out;
    for (char d : digits)
        out.push_back(alphabet[static_cast<unsigned char>(d) % (sizeof(alphabet) - 1)]);
    return out;
}

Controllers::Controllers(Cluster &cluster, ControllerOptions options) : m_cluster(cluster), m_options(options), m_rollouts(cluster), m_workloads(cluster), m_storage(cluster), m_policy(cluster) {}

Controllers::~Controllers() { stop(); }

void Controllers::start()
{
    if (m_running.exchange(true))
        return;
    m_thread = std::thread([this] { loop(); });
}

void Controllers::stop()
{
    if (!m_running.exchange(false))
        return;
    m_cluster.store().wakeAll();
    if (m_thread.joinable())
        m_thread.join();
}

void Controllers::loop()
{
    auto lastRateSample = Clock::time_point{};
    while (m_running) {
        reconcile();
        // The kubelet's side of the access logs: each pod's share of its Deployment's load.
        if (Clock::now() - lastRateSample >= std::chrono::milliseconds(500)) {
            lastRateSample = Clock::now();
            m_cluster.load().recordPodRates(m_cluster.store(), std::chrono::system_clock::now());
        }
        m_cluster.store().waitForChange(m_cursor, m_options.tick);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // batch bursts of changes
    }
}

void Controllers::markAll()
{
    const auto &store = m_cluster.store();
    for (const char *plural : {"deployments", "replicasets"}) {
        const auto &t = type("apps", plural);
        for (const auto &o : store.list(t).items) {
            if (t.plural == "deployments")
                m_dirtyDeployments.insert({t.index, o->ns, o->name});
            else
                m_dirtyReplicaSets.insert({t.index, o->ns, o->name});
        }
    }
    for (const auto &o : store.list(type("", "namespaces")).items) {
        m_dirtyEndpointNamespaces.insert(o->name);
        if (isTerminating(o->obj))
            m_dirtyNamespaces.insert(o->name);
    }
    const auto &pods = type("", "pods");
    m_podsPerNode.clear();
    for (const auto &o : store.list(pods).items) {
        std::string node = stringAt(o->obj, "spec.nodeName");
        if (!node.empty())
            ++m_podsPerNode[node];
        bool settled = !node.empty() && isPodReady(o->obj) && !isTerminating(o->obj);
        if (!settled)
            m_dirtyPods.insert({pods.index, o->ns, o->name});
    }
}

void Controllers::collectChanges()
{
    auto &store = m_cluster.store();
    const int podIdx = type("", "pods").index;
    const int rsIdx = type("apps", "replicasets").index;
    const int depIdx = type("apps", "deployments").index;
    const int svcIdx = type("", "services").index;
    const int nsIdx = type("", "namespaces").index;
    const int pvcIdx = type("", "persistentvolumeclaims").index;
    std::vector<WatchEvent> events;
    if (!store.eventsSince(m_cursor, events, 100000)) {
        m_cursor = store.currentRv();
        markAll();
        return;
    }
    for (const auto &e : events) {
        m_cursor = e.rv;
        const Json &o = e.obj->obj;
        if (e.kind == EventKind::Deleted)
            m_deletedUids.insert(e.obj->uid);
        else if (isTerminating(o) && findPath(o, "metadata.finalizers"))
            m_deletedUids.insert(e.obj->uid);  // foreground/orphan finalizers to process
        const Json *owner = controllerRef(o);
        if (e.type == podIdx) {
            if (e.kind != EventKind::Deleted)
                m_dirtyPods.insert({podIdx, e.obj->ns, e.obj->name});
            else if (std::string node = stringAt(o, "spec.nodeName"); !node.empty())
                --m_podsPerNode[node];
            if (e.kind == EventKind::Added)
                if (std::string node = stringAt(o, "spec.nodeName"); !node.empty())
                    ++m_podsPerNode[node];
            if (owner && owner->value("kind", "") == "ReplicaSet")
                m_dirtyReplicaSets.insert({rsIdx, e.obj->ns, owner->value("name", "")});
            m_dirtyEndpointNamespaces.insert(e.obj->ns);
        } else if (e.type == rsIdx) {
            m_dirtyReplicaSets.insert({rsIdx, e.obj->ns, e.obj->name});
            if (owner && owner->value("kind", "") == "Deployment")
                m_dirtyDeployments.insert({depIdx, e.obj->ns, owner->value("name", "")});
        } else if (e.type == depIdx) {
            m_dirtyDeployments.insert({depIdx, e.obj->ns, e.obj->name});
        } else if (e.type == svcIdx) {
            m_dirtyEndpointNamespaces.insert(e.obj->ns);
        } else if (e.type == nsIdx && isTerminating(o)) {
            m_dirtyNamespaces.insert(e.obj->name);
        } else if (e.type == pvcIdx) {
            for (auto it = m_waitingForClaims.begin(); it != m_waitingForClaims.end();)
                if (it->ns == e.obj->ns) {
                    m_dirtyPods.insert(*it);
                    it = m_waitingForClaims.erase(it);
                } else {
                    ++it;
                }
        }
    }
}

void Controllers::reconcile()
{
    auto now = Clock::now();
    bool sweep = false;
    if (m_lastResync == Clock::time_point{}) {
        m_cursor = m_cluster.store().currentRv();
        markAll();
        m_lastResync = now;
    } else if (now - m_lastResync > std::chrono::seconds(5)) {
        // A periodic resync on top of the event stream, never instead of it: skipping events
        // here once lost deletions, and with them the garbage collection of their dependents.
        markAll();
        sweep = true;
        m_lastResync = now;
    }
    collectChanges();
    // Pods whose next lifecycle step is due.
    for (auto it = m_podDue.begin(); it != m_podDue.end();) {
        if (it->second <= now) {
            // The key of a due entry is "ns/name".
            auto slash = it->first.find('/');
            m_dirtyPods.insert({type("", "pods").index, it->first.substr(0, slash), it->first.substr(slash + 1)});
            it = m_podDue.erase(it);
        } else {
            ++it;
        }
    }
    auto guarded = [](auto &&fn) {
        try {
            fn();
        } catch (const ApiException &) {
            // A conflict or a vanished object: the next pass sees the new state and tries again.
        }
    };
    // Volumes first: a claim a controller made in the last pass is bound before its pod is scheduled.
    guarded([&] { m_storage.reconcile(); });
    auto pods = std::move(m_dirtyPods);
    m_dirtyPods.clear();
    for (const auto &k : pods)
        guarded([&] { syncPod(k.ns, k.name); });
    auto rss = std::move(m_dirtyReplicaSets);
    m_dirtyReplicaSets.clear();
    for (const auto &k : rss)
        guarded([&] { syncReplicaSet(k.ns, k.name); });
    auto deps = std::move(m_dirtyDeployments);
    m_dirtyDeployments.clear();
    for (const auto &k : deps)
        guarded([&] { syncDeployment(k.ns, k.name); });
    auto namespaces = std::move(m_dirtyEndpointNamespaces);
    m_dirtyEndpointNamespaces.clear();
    for (const auto &ns : namespaces)
        guarded([&] { syncEndpoints(ns); });
    guarded([&] { collectGarbage(); });
    if (sweep)
        guarded([&] { sweepOrphans(); });
    auto terminating = std::move(m_dirtyNamespaces);
    m_dirtyNamespaces.clear();
    for (const auto &ns : terminating)
        guarded([&] { syncNamespace(ns); });
    guarded([&] { syncHpas(); });
    guarded([&] { m_rollouts.reconcile(); });
    guarded([&] { m_workloads.reconcile(); });
    guarded([&] { m_policy.reconcile(); });
}

std::string Controllers::volumeBlocker(const Json &pod, Json &volumeTerms, std::vector<std::string> &delayedClaims)
{
    const Json *volumes = findPath(pod, "spec.volumes");
    if (!volumes || !volumes->is_array())
        return {};
    const std::string ns = stringAt(pod, "metadata.namespace");
    bool unboundImmediate = false;
    for (const auto &v : *volumes) {
        const std::string claimName = stringAt(v, "persistentVolumeClaim.claimName");
        if (claimName.empty())
            continue;
        ObjPtr claim = m_cluster.store().get(type("", "persistentvolumeclaims"), ns, claimName);
        if (!claim)
            return "persistentvolumeclaim \"" + claimName + "\" not found";
        if (isTerminating(claim->obj))
            return "persistentvolumeclaim \"" + claimName + "\" is being deleted";
        if (stringAt(claim->obj, "status.phase") == "Bound") {
            ObjPtr pv = m_cluster.store().get(type("", "persistentvolumes"), "", stringAt(claim->obj, "spec.volumeName"));
            if (const Json *terms = pv ? findPath(pv->obj, "spec.nodeAffinity.required.nodeSelectorTerms") : nullptr; terms && terms->is_array())
                volumeTerms.push_back(*terms);
            continue;
        }
        ObjPtr sc = m_cluster.store().get(type("storage.k8s.io", "storageclasses"), "", stringAt(claim->obj, "spec.storageClassName"));
        if (sc && stringAt(sc->obj, "volumeBindingMode") == "WaitForFirstConsumer")
            delayedClaims.push_back(claimName);
        else
            unboundImmediate = true;
    }
    return unboundImmediate ? "pod has unbound immediate PersistentVolumeClaims" : std::string();
}

std::string Controllers::pickNode(const Json &pod, const Json &volumeTerms)
{
    std::string best;
    int bestCount = 0;
    for (const auto &n : m_cluster.store().list(type("", "nodes")).items) {
        // A cordoned node takes only pods that tolerate node.kubernetes.io/unschedulable (DaemonSets' do).
        if (!conditionTrue(n->obj, "Ready") || !podFitsNode(pod, n->obj))
            continue;
        // Each bound volume's node affinity, as if it were the pod's own.
        if (!std::all_of(volumeTerms.begin(), volumeTerms.end(), [&](const Json &terms) {
                Json asPod = {{"spec", {{"affinity", {{"nodeAffinity", {{"requiredDuringSchedulingIgnoredDuringExecution", {{"nodeSelectorTerms", terms}}}}}}}}}};
                return nodeMatchesPod(asPod, n->obj);
            }))
            continue;
        int count = m_podsPerNode[n->name];
        if (best.empty() || count < bestCount) {
            best = n->name;
            bestCount = count;
        }
    }
    return best;
}

void Controllers::syncPod(const std::string &ns, const std::string &name)
{
    const auto &podType = type("", "pods");
    ObjPtr pod = m_cluster.store().get(podType, ns, name);
    if (!pod)
        return;
    const Json &p = pod->obj;
    const std::string key = ns + "/" + name;
    const auto now = Clock::now();
    const std::string node = stringAt(p, "spec.nodeName");

    if (isTerminating(p)) {
        auto due = m_podDue.find(key);
        if (node.empty()) {
            if (!findPath(p, "metadata.finalizers") || findPath(p, "metadata.finalizers")->empty())
                m_cluster.store().erase(podType, ns, name);
            return;
        }
        if (!m_stopping.count(key)) {
            m_stopping.insert(key);
            for (const auto &c : p["spec"]["containers"]) {
                Json involved = p;
                involved["fieldPath"] = "spec.containers{" + c.value("name", "") + "}";
                m_cluster.recordEvent(involved, "Normal", "Killing", "Stopping container " + c.value("name", ""), "kubelet", node);
            }
            long long grace = intAt(p, "metadata.deletionGracePeriodSeconds", 30);
            auto delay = std::min<std::chrono::milliseconds>(m_options.podStopDelay, std::chrono::seconds(grace));
            m_podDue[key] = now + delay;
            // Containers stop: the pod is no longer ready while it terminates.
            m_cluster.store().modify(podType, ns, name, [&](Json &o) {
                if (!o["status"].contains("conditions"))
                    return false;
                for (auto &c : o["status"]["conditions"])
                    if (c.value("type", "") == "Ready" || c.value("type", "") == "ContainersReady")
                        c["status"] = "False";
                if (o["status"].contains("containerStatuses"))
                    for (auto &cs : o["status"]["containerStatuses"])
                        cs["ready"] = false;
                return true;
            });
            return;
        }
        if (due != m_podDue.end())
            return;  // still waiting for the grace period
        const Json *fin = findPath(p, "metadata.finalizers");
        if (!fin || !fin->is_array() || fin->empty()) {
            m_stopping.erase(key);
            m_cluster.store().erase(podType, ns, name);
        }
        return;
    }

    if (node.empty()) {
        Json volumeTerms = Json::array();
        std::vector<std::string> delayedClaims;
        if (std::string blocker = volumeBlocker(p, volumeTerms, delayedClaims); !blocker.empty()) {
            const size_t total = m_cluster.store().list(type("", "nodes")).items.size();
            const std::string message = "0/" + std::to_string(total) + " nodes are available: " + blocker +
                                        ". preemption: 0/" + std::to_string(total) + " nodes are available: " + std::to_string(total) +
                                        " Preemption is not helpful for scheduling.";
            m_cluster.store().modify(podType, ns, name, [&](Json &o) {
                Json before = o;
                setCondition(o["status"], "PodScheduled", "False", "Unschedulable", message, false);
                return o != before;
            });
            m_cluster.recordEvent(p, "Warning", "FailedScheduling", message, "default-scheduler");
            m_waitingForClaims.insert({podType.index, ns, name});
            return;
        }
        std::string chosen = pickNode(p, volumeTerms);
        if (!chosen.empty() && !delayedClaims.empty()) {
            // WaitForFirstConsumer: the node is chosen, the claims learn it and get their volumes
            // there; the pod is bound once they are (the claims' changes bring it back here).
            for (const auto &claimName : delayedClaims)
                m_cluster.store().modify(type("", "persistentvolumeclaims"), ns, claimName, [&](Json &o) {
                    Json &ann = o["metadata"]["annotations"];
                    if (ann.is_object() && ann.value(kSelectedNodeAnnotation, "") == chosen)
                        return false;
                    ann[kSelectedNodeAnnotation] = chosen;
                    return true;
                });
            m_waitingForClaims.insert({podType.index, ns, name});
            return;
        }
        if (chosen.empty()) {
            // The scheduler's message: how many nodes there are and why each one was filtered out.
            int total = 0, notReady = 0, cordoned = 0, other = 0;
            for (const auto &n : m_cluster.store().list(type("", "nodes")).items) {
                ++total;
                if (!conditionTrue(n->obj, "Ready"))
                    ++notReady;
                else if (boolAt(n->obj, "spec.unschedulable") && nodeMatchesPod(p, n->obj))
                    ++cordoned;
                else
                    ++other;
            }
            std::string why;
            auto add = [&](int count, const char *text) {
                if (count > 0)
                    why += (why.empty() ? "" : ", ") + std::to_string(count) + " " + text;
            };
            add(cordoned, "node(s) were unschedulable");
            add(notReady, "node(s) had untolerated taint {node.kubernetes.io/not-ready: }");
            add(other, "node(s) didn't match Pod's node affinity/selector or had untolerated taints");
            std::string message = "0/" + std::to_string(total) + " nodes are available: " + (why.empty() ? "no nodes available to schedule pods" : why) + ".";
            m_cluster.store().modify(podType, ns, name, [&](Json &o) {
                Json before = o;
                setCondition(o["status"], "PodScheduled", "False", "Unschedulable", message, false);
                return o != before;
            });
            m_cluster.recordEvent(p, "Warning", "FailedScheduling", message, "default-scheduler");
            return;
        }
        ++m_podsPerNode[chosen];
        ObjPtr bound = m_cluster.store().modify(podType, ns, name, [&](Json &o) {
            o["spec"]["nodeName"] = chosen;
            setCondition(o["status"], "PodScheduled", "True", "", "", false);
            for (auto &c : o["status"]["conditions"])
                if (c.value("type", "") == "PodScheduled")
                    c.erase("reason"), c.erase("message");
            return true;
        });
        m_cluster.recordEvent(bound->obj, "Normal", "Scheduled", "Successfully assigned " + ns + "/" + name + " to " + chosen, "default-scheduler");
        return;
    }

    std::string phase = stringAt(p, "status.phase", "Pending");
    bool hasStatuses = findPath(p, "status.containerStatuses") != nullptr;
    if (phase == "Pending" && !hasStatuses) {
        // Containers are being created: waiting state, so `kubectl get` shows ContainerCreating.
        std::string hostIp;
        if (ObjPtr n = m_cluster.store().get(type("", "nodes"), "", node))
            if (const Json *addrs = findPath(n->obj, "status.addresses"); addrs && addrs->is_array())
                for (const auto &a : *addrs)
                    if (a.value("type", "") == "InternalIP")
                        hostIp = a.value("address", "");
        m_cluster.store().modify(podType, ns, name, [&](Json &o) {
            Json statuses = Json::array();
            for (const auto &c : o["spec"]["containers"])
                statuses.push_back({{"name", c["name"]}, {"image", c["image"]}, {"imageID", ""}, {"ready", false},
                                    {"started", false}, {"restartCount", 0}, {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}},
                                    {"lastState", Json::object()}});
            o["status"]["containerStatuses"] = statuses;
            o["status"]["hostIP"] = hostIp;
            o["status"]["startTime"] = rfc3339Now();
            setCondition(o["status"], "Initialized", "True", "", "", false);
            setCondition(o["status"], "Ready", "False", "ContainersNotReady", "containers with unready status: [" + o["spec"]["containers"][0].value("name", "") + "]", false);
            setCondition(o["status"], "ContainersReady", "False", "ContainersNotReady", "containers with unready status: [" + o["spec"]["containers"][0].value("name", "") + "]", false);
            return true;
        });
        for (const auto &c : p["spec"]["containers"]) {
            Json involved = p;
            involved["fieldPath"] = "spec.containers{" + c.value("name", "") + "}";
            std::string image = c.value("image", "");
            m_cluster.recordEvent(involved, "Normal", "Pulling", "Pulling image \"" + image + "\"", "kubelet", node);
        }
        if (m_podDue.find(key) == m_podDue.end())
            m_podDue[key] = now + m_options.podStartDelay;
        return;
    }
    if (phase == "Pending") {
        if (m_podDue.count(key))
            return;
        unsigned ipIndex = m_nextPodIp++;
        m_cluster.store().modify(podType, ns, name, [&](Json &o) {
            std::string started = rfc3339Now();
            for (auto &cs : o["status"]["containerStatuses"]) {
                cs["state"] = {{"running", {{"startedAt", started}}}};
                cs["started"] = true;
                cs["imageID"] = cs.value("image", "") + "@sha256:" + std::string(64, '0');
                cs["containerID"] = "containerd://" + newUid() + newUid().substr(0, 28);
            }
            std::string ip = "10.244." + std::to_string(ipIndex / 250 % 250) + "." + std::to_string(ipIndex % 250 + 2);
            o["status"]["phase"] = "Running";
            o["status"]["podIP"] = ip;
            o["status"]["podIPs"] = Json::array({{{"ip", ip}}});
            setCondition(o["status"], "PodReadyToStartContainers", "True", "", "", false);
            dropEmptyReasons(o["status"]);
            return true;
        });
        for (const auto &c : p["spec"]["containers"]) {
            Json involved = p;
            std::string cname = c.value("name", "");
            involved["fieldPath"] = "spec.containers{" + cname + "}";
            m_cluster.recordEvent(involved, "Normal", "Pulled", "Successfully pulled image \"" + c.value("image", "") + "\" in 412ms (412ms including waiting). Image size: 48213551 bytes.", "kubelet", node);
            m_cluster.recordEvent(involved, "Normal", "Created", "Created container: " + cname, "kubelet", node);
            m_cluster.recordEvent(involved, "Normal", "Started", "Started container " + cname, "kubelet", node);
        }
        m_podDue[key] = now + m_options.podReadyDelay;
        return;
    }
    if (phase == "Running" && !isPodReady(p)) {
        if (m_podDue.count(key))
            return;
        m_cluster.store().modify(podType, ns, name, [&](Json &o) {
            for (auto &cs : o["status"]["containerStatuses"])
                cs["ready"] = true;
            setCondition(o["status"], "ContainersReady", "True", "", "", false);
            setCondition(o["status"], "Ready", "True", "", "", false);
            dropEmptyReasons(o["status"]);
            return true;
        });
        if (runsToCompletion(p))
            m_podDue[key] = now + scaledSeconds(runSeconds(p));
        return;
    }
    if (phase == "Running" && runsToCompletion(p)) {
        if (m_podDue.count(key))
            return;
        // The containers of a Job's pod exit after their run time: Succeeded, or Failed when the
        // pod says pilothouse.dev/exit-code is not 0 ...
        const long long exitCode = std::atoll(annotationOf(p, kExitCodeAnnotation).c_str());
        if (exitCode != 0 && stringAt(p, "spec.restartPolicy") == "OnFailure") {
            // ... unless the kubelet restarts them in place, which the Job controller counts
            // against its backoffLimit.
            m_cluster.store().modify(podType, ns, name, [&](Json &o) {
                const std::string now = rfc3339Now();
                for (auto &cs : o["status"]["containerStatuses"]) {
                    cs["lastState"] = {{"terminated", {{"exitCode", exitCode}, {"reason", "Error"}, {"startedAt", stringAt(cs, "state.running.startedAt", now)},
                                                       {"finishedAt", now}, {"containerID", cs.value("containerID", "")}}}};
                    cs["state"] = {{"running", {{"startedAt", now}}}};
                    cs["restartCount"] = intAt(cs, "restartCount", 0) + 1;
                }
                return true;
            });
            for (const auto &c : p["spec"]["containers"]) {
                Json involved = p;
                involved["fieldPath"] = "spec.containers{" + c.value("name", "") + "}";
                m_cluster.recordEvent(involved, "Warning", "BackOff", "Back-off restarting failed container " + c.value("name", "") + " in pod " +
                                                                         name + "_" + ns + "(" + pod->uid + ")", "kubelet", node);
            }
            m_podDue[key] = now + scaledSeconds(runSeconds(p));
            return;
        }
        m_cluster.store().modify(podType, ns, name, [&](Json &o) {
            const std::string finished = rfc3339Now();
            const char *reason = exitCode == 0 ? "PodCompleted" : "PodFailed";
            for (auto &cs : o["status"]["containerStatuses"]) {
                Json terminated = {{"exitCode", exitCode}, {"reason", exitCode == 0 ? "Completed" : "Error"},
                                   {"startedAt", stringAt(cs, "state.running.startedAt", finished)}, {"finishedAt", finished}};
                if (cs.contains("containerID"))
                    terminated["containerID"] = cs["containerID"];
                cs["state"] = {{"terminated", terminated}};
                cs["ready"] = false;
                cs["started"] = false;
            }
            o["status"]["phase"] = exitCode == 0 ? "Succeeded" : "Failed";
            setCondition(o["status"], "PodReadyToStartContainers", "False", "", "", false);
            setCondition(o["status"], "ContainersReady", "False", reason, "", false);
            setCondition(o["status"], "Ready", "False", reason, "", false);
            dropEmptyReasons(o["status"]);
            return true;
        });
    }
}

bool Controllers::runsToCompletion(const Json &pod)
{
    const std::string policy = stringAt(pod, "spec.restartPolicy", "Always");
    return policy == "Never" || policy == "OnFailure";
}

double Controllers::runSeconds(const Json &pod) const
{
    const std::string text = annotationOf(pod, kRunSecondsAnnotation);
    char *end = nullptr;
    double seconds = std::strtod(text.c_str(), &end);
    if (text.empty() || !end || *end || seconds < 0)
        return m_options.jobRunSeconds;
    return seconds;
}

void Controllers::syncReplicaSet(const std::string &ns, const std::string &name)
{
    const auto &rsType = type("apps", "replicasets");
    const auto &podType = type("", "pods");
    ObjPtr rs = m_cluster.store().get(rsType, ns, name);
    if (!rs || isTerminating(rs->obj))
        return;
    std::vector<ObjPtr> active;
    for (const auto &d : m_cluster.store().dependentsOf(rs->uid)) {
        if (d->type != podType.index)
            continue;
        const Json *ref = controllerRef(d->obj);
        if (!ref || ref->value("uid", "") != rs->uid || isTerminating(d->obj))
            continue;
        std::string phase = stringAt(d->obj, "status.phase");
        if (phase == "Succeeded" || phase == "Failed")
            continue;
        active.push_back(d);
    }
    long long desired = intAt(rs->obj, "spec.replicas", 1);
    long long diff = desired - static_cast<long long>(active.size());
    if (diff > 0) {
        Json tmpl = rs->obj["spec"]["template"];
        for (long long i = 0; i < std::min<long long>(diff, 500); ++i) {
            Json pod = {{"metadata", tmpl.value("metadata", Json::object())}, {"spec", tmpl.value("spec", Json::object())}};
            pod["metadata"]["generateName"] = name + "-";
            pod["metadata"]["namespace"] = ns;
            pod["metadata"]["ownerReferences"] = Json::array({makeOwnerRef(rsType, *rs)});
            ObjPtr created = m_cluster.create(podType, ns, pod, {"", "kube-controller-manager", false});
            m_cluster.recordEvent(rs->obj, "Normal", "SuccessfulCreate", "Created pod: " + created->name, "replicaset-controller");
        }
    } else if (diff < 0) {
        // Deletion order of the ReplicaSet controller: unscheduled, then pending, then not ready, then newest.
        auto rank = [](const ObjPtr &p) {
            int scheduled = stringAt(p->obj, "spec.nodeName").empty() ? 0 : 1;
            int running = stringAt(p->obj, "status.phase") == "Running" ? 1 : 0;
            int ready = isPodReady(p->obj) ? 1 : 0;
            return std::make_tuple(scheduled, running, ready);
        };
        std::sort(active.begin(), active.end(), [&](const ObjPtr &a, const ObjPtr &b) {
            auto ra = rank(a), rb = rank(b);
            if (ra != rb)
                return ra < rb;
            return stringAt(a->obj, "metadata.creationTimestamp") > stringAt(b->obj, "metadata.creationTimestamp");
        });
        for (long long i = 0; i < -diff && i < static_cast<long long>(active.size()); ++i) {
            m_cluster.remove(podType, ns, active[i]->name);
            m_cluster.recordEvent(rs->obj, "Normal", "SuccessfulDelete", "Deleted pod: " + active[i]->name, "replicaset-controller");
        }
    }
    long long ready = 0;
    for (const auto &p : active)
        if (isPodReady(p->obj))
            ++ready;
    long long replicas = static_cast<long long>(active.size());
    long long generation = intAt(rs->obj, "metadata.generation", 1);
    m_cluster.store().modify(rsType, ns, name, [&](Json &o) {
        Json status = {{"replicas", replicas}, {"fullyLabeledReplicas", replicas}, {"readyReplicas", ready},
                       {"availableReplicas", ready}, {"observedGeneration", generation}};
        if (ready == 0)
            status.erase("readyReplicas"), status.erase("availableReplicas");
        if (replicas == 0)
            status.erase("fullyLabeledReplicas");
        if (o.value("status", Json()) == status)
            return false;
        o["status"] = status;
        return true;
    });
}

void Controllers::syncDeployment(const std::string &ns, const std::string &name)
{
    const auto &depType = type("apps", "deployments");
    const auto &rsType = type("apps", "replicasets");
    ObjPtr dep = m_cluster.store().get(depType, ns, name);
    if (!dep || isTerminating(dep->obj))
        return;
    const Json &d = dep->obj;
    const long long desired = intAt(d, "spec.replicas", 1);
    const bool paused = boolAt(d, "spec.paused");
    long long collision = intAt(d, "status.collisionCount", 0);
    const Json tmpl = d["spec"]["template"];
    const std::string hash = podTemplateHash(tmpl, collision);

    std::vector<ObjPtr> all;
    for (const auto &o : m_cluster.store().dependentsOf(dep->uid))
        if (o->type == rsType.index && !isTerminating(o->obj))
            if (const Json *ref = controllerRef(o->obj); ref && ref->value("uid", "") == dep->uid)
                all.push_back(o);
    long long maxRevision = 0;
    ObjPtr newRs;
    for (const auto &rs : all) {
        maxRevision = std::max(maxRevision, revisionOf(rs->obj));
        if (stringAt(rs->obj, "metadata.labels.pod-template-hash") == hash)
            newRs = rs;
    }
    std::string newRsMessageReason;
    if (!newRs && !paused) {
        Json rsTmpl = tmpl;
        rsTmpl["metadata"]["labels"]["pod-template-hash"] = hash;
        Json selector = d["spec"]["selector"];
        selector["matchLabels"]["pod-template-hash"] = hash;
        long long maxSurge = resolveIntOrPercent(findPath(d, "spec.strategy.rollingUpdate.maxSurge"), desired, true, 0);
        Json rs = {{"metadata", {{"name", name + "-" + hash}, {"namespace", ns}, {"labels", rsTmpl["metadata"]["labels"]},
                                 {"annotations", {{"deployment.kubernetes.io/revision", std::to_string(maxRevision + 1)},
                                                  {"deployment.kubernetes.io/desired-replicas", std::to_string(desired)},
                                                  {"deployment.kubernetes.io/max-replicas", std::to_string(desired + maxSurge)}}},
                                 {"ownerReferences", Json::array({makeOwnerRef(depType, *dep)})}}},
                   {"spec", {{"replicas", 0}, {"minReadySeconds", intAt(d, "spec.minReadySeconds", 0)}, {"selector", selector}, {"template", rsTmpl}}}};
        try {
            newRs = m_cluster.create(rsType, ns, rs, {"", "kube-controller-manager", false});
            all.push_back(newRs);
            newRsMessageReason = "NewReplicaSetCreated";
        } catch (const ApiException &e) {
            if (e.reason() != "AlreadyExists")
                throw;
            m_cluster.store().modify(depType, ns, name, [&](Json &o) {
                o["status"]["collisionCount"] = collision + 1;
                return true;
            });
            return;
        }
        maxRevision += 1;
    } else if (newRs && !paused && revisionOf(newRs->obj) < maxRevision) {
        // A rollback to an older template: that ReplicaSet becomes the newest revision again.
        long long oldRevision = revisionOf(newRs->obj);
        newRs = m_cluster.store().modify(rsType, ns, newRs->name, [&](Json &o) {
            Json &ann = o["metadata"]["annotations"];
            std::string history = ann.value("deployment.kubernetes.io/revision-history", "");
            ann["deployment.kubernetes.io/revision-history"] = history.empty() ? std::to_string(oldRevision) : history + "," + std::to_string(oldRevision);
            ann["deployment.kubernetes.io/revision"] = std::to_string(maxRevision + 1);
            return true;
        });
        maxRevision += 1;
        for (auto &rs : all)
            if (rs->name == newRs->name)
                rs = newRs;
    }

    // The new ReplicaSet carries the Deployment's annotations (change-cause among them), as
    // the controller's SetNewReplicaSetAnnotations does.
    if (newRs && !paused) {
        Json wanted = Json::object();
        if (const Json *ann = findPath(d, "metadata.annotations"); ann && ann->is_object())
            for (const auto &[k, v] : ann->items())
                if (k != "kubectl.kubernetes.io/last-applied-configuration" && k.rfind("deployment.kubernetes.io/", 0) != 0)
                    wanted[k] = v;
        bool differs = false;
        const Json *have = findPath(newRs->obj, "metadata.annotations");
        for (const auto &[k, v] : wanted.items())
            if (!have || !have->contains(k) || (*have)[k] != v)
                differs = true;
        if (differs) {
            newRs = m_cluster.store().modify(rsType, ns, newRs->name, [&](Json &o) {
                for (const auto &[k, v] : wanted.items())
                    o["metadata"]["annotations"][k] = v;
                return true;
            });
            for (auto &rs : all)
                if (rs->name == newRs->name)
                    rs = newRs;
        }
    }

    std::vector<ObjPtr> olds;
    for (const auto &rs : all)
        if (!newRs || rs->name != newRs->name)
            olds.push_back(rs);
    std::sort(olds.begin(), olds.end(), [](const ObjPtr &a, const ObjPtr &b) { return revisionOf(a->obj) < revisionOf(b->obj); });

    auto specReplicas = [](const ObjPtr &rs) { return intAt(rs->obj, "spec.replicas", 0); };
    auto scale = [&](const ObjPtr &rs, long long to) {
        long long from = specReplicas(rs);
        if (from == to)
            return rs;
        ObjPtr scaled = m_cluster.store().modify(rsType, ns, rs->name, [&](Json &o) {
            o["spec"]["replicas"] = to;
            o["metadata"]["generation"] = intAt(o, "metadata.generation", 1) + 1;
            o["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = std::to_string(desired);
            return true;
        });
        m_cluster.recordEvent(dep->obj, "Normal", "ScalingReplicaSet",
                              std::string("Scaled ") + (to > from ? "up" : "down") + " replica set " + rs->name + " to " +
                                  std::to_string(to) + " from " + std::to_string(from),
                              "deployment-controller");
        return scaled;
    };

    const std::string strategy = stringAt(d, "spec.strategy.type", "RollingUpdate");
    long long maxSurge = resolveIntOrPercent(findPath(d, "spec.strategy.rollingUpdate.maxSurge"), desired, true, 0);
    long long maxUnavailable = resolveIntOrPercent(findPath(d, "spec.strategy.rollingUpdate.maxUnavailable"), desired, false, 0);
    if (maxSurge == 0 && maxUnavailable == 0)
        maxUnavailable = 1;

    if (newRs && !paused) {
        bool oldsActive = std::any_of(olds.begin(), olds.end(), [&](const ObjPtr &rs) { return specReplicas(rs) > 0; });
        if (strategy == "Recreate") {
            if (oldsActive) {
                for (auto &rs : olds)
                    if (specReplicas(rs) > 0)
                        rs = scale(rs, 0);
            } else {
                bool oldPodsGone = std::all_of(olds.begin(), olds.end(), [](const ObjPtr &rs) { return intAt(rs->obj, "status.replicas", 0) == 0; });
                if (oldPodsGone)
                    newRs = scale(newRs, desired);
            }
        } else if (!oldsActive) {
            newRs = scale(newRs, desired);  // a plain scaling event
        } else {
            long long total = 0;
            for (const auto &rs : all)
                total += specReplicas(rs);
            long long newReplicas = specReplicas(newRs);
            if (newReplicas < desired && total < desired + maxSurge) {
                newRs = scale(newRs, newReplicas + std::min(desired + maxSurge - total, desired - newReplicas));
            } else if (newReplicas > desired) {
                newRs = scale(newRs, desired);
            } else {
                long long minAvailable = desired - maxUnavailable;
                long long allPods = 0, available = 0;
                for (const auto &rs : olds) {
                    allPods += specReplicas(rs);
                    available += intAt(rs->obj, "status.availableReplicas", 0);
                }
                allPods += specReplicas(newRs);
                long long newAvailable = intAt(newRs->obj, "status.availableReplicas", 0);
                available += newAvailable;
                long long newUnavailable = specReplicas(newRs) - newAvailable;
                long long maxScaledDown = allPods - minAvailable - newUnavailable;
                // First the old pods that are not available anyway, then healthy ones down to minAvailable.
                for (auto &rs : olds) {
                    if (maxScaledDown <= 0)
                        break;
                    long long unhealthy = specReplicas(rs) - intAt(rs->obj, "status.availableReplicas", 0);
                    long long cut = std::min(unhealthy, maxScaledDown);
                    if (cut > 0) {
                        rs = scale(rs, specReplicas(rs) - cut);
                        maxScaledDown -= cut;
                    }
                }
                long long canRemove = available - minAvailable;
                for (auto &rs : olds) {
                    if (canRemove <= 0)
                        break;
                    long long cut = std::min(specReplicas(rs), canRemove);
                    if (cut > 0) {
                        rs = scale(rs, specReplicas(rs) - cut);
                        canRemove -= cut;
                    }
                }
            }
        }
        // Old revisions beyond the history limit go away once empty.
        long long limit = intAt(d, "spec.revisionHistoryLimit", 10);
        std::vector<ObjPtr> empty;
        for (const auto &rs : olds)
            if (specReplicas(rs) == 0 && intAt(rs->obj, "status.replicas", 0) == 0)
                empty.push_back(rs);
        for (size_t i = 0; static_cast<long long>(empty.size() - i) > limit; ++i)
            m_cluster.remove(rsType, ns, empty[i]->name, {{"propagationPolicy", "Background"}});
    }

    long long replicas = 0, ready = 0, available = 0, specTotal = 0;
    for (const auto &rs : all) {
        ObjPtr cur = m_cluster.store().get(rsType, ns, rs->name);
        if (!cur)
            continue;
        replicas += intAt(cur->obj, "status.replicas", 0);
        ready += intAt(cur->obj, "status.readyReplicas", 0);
        available += intAt(cur->obj, "status.availableReplicas", 0);
        specTotal += intAt(cur->obj, "spec.replicas", 0);
    }
    long long updated = 0;
    std::string newRsName = newRs ? newRs->name : std::string();
    if (newRs)
        if (ObjPtr cur = m_cluster.store().get(rsType, ns, newRs->name))
            updated = intAt(cur->obj, "status.replicas", 0);
    long long generation = intAt(d, "metadata.generation", 1);
    long long revision = newRs ? revisionOf(newRs->obj) : maxRevision;
    m_cluster.store().modify(depType, ns, name, [&](Json &o) {
        Json before = o;
        if (revision > 0)
            o["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = std::to_string(revision);
        Json &s = o["status"];
        s["observedGeneration"] = generation;
        s["replicas"] = replicas;
        s["updatedReplicas"] = updated;
        s["readyReplicas"] = ready;
        s["availableReplicas"] = available;
        long long unavailable = std::max<long long>(0, specTotal - available);
        if (unavailable > 0)
            s["unavailableReplicas"] = unavailable;
        else
            s.erase("unavailableReplicas");
        for (const char *zeroField : {"replicas", "updatedReplicas", "readyReplicas", "availableReplicas"})
            if (s[zeroField] == 0)
                s.erase(zeroField);
        bool minAvailable = available >= desired - maxUnavailable;
        setCondition(s, "Available", minAvailable ? "True" : "False",
                     minAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                     minAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", true);
        bool complete = updated == desired && replicas == desired && available >= desired;
        if (paused) {
            setCondition(s, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", true);
        } else if (!newRsName.empty()) {
            std::string reason = complete ? "NewReplicaSetAvailable" : !newRsMessageReason.empty() ? newRsMessageReason : "ReplicaSetUpdated";
            std::string msg = complete ? "ReplicaSet \"" + newRsName + "\" has successfully progressed."
                              : reason == "NewReplicaSetCreated" ? "Created new replica set \"" + newRsName + "\""
                                                                 : "ReplicaSet \"" + newRsName + "\" is progressing.";
            setCondition(s, "Progressing", "True", reason, msg, true);
        }
        // Available first, Progressing second, as the controller writes them.
        if (s["conditions"].is_array())
            std::stable_sort(s["conditions"].begin(), s["conditions"].end(), [](const Json &a, const Json &b) {
                return a.value("type", "") == "Available" && b.value("type", "") != "Available";
            });
        return o != before;
    });
}

void Controllers::syncEndpoints(const std::string &ns)
{
    const auto &svcType = type("", "services");
    const auto &epType = type("", "endpoints");
    const auto &podType = type("", "pods");
    auto &store = m_cluster.store();
    auto services = store.list(svcType, ns).items;
    auto pods = store.list(podType, ns).items;
    for (const auto &svc : services) {
        const Json *sel = findPath(svc->obj, "spec.selector");
        if (!sel || !sel->is_object() || sel->empty())
            continue;
        Json addresses = Json::array(), notReady = Json::array();
        const Json *firstPod = nullptr;
        for (const auto &p : pods) {
            const Json *labels = findPath(p->obj, "metadata.labels");
            bool match = labels && labels->is_object();
            for (const auto &[k, v] : sel->items())
                if (!match || !labels->contains(k) || (*labels)[k] != v) {
                    match = false;
                    break;
                }
            if (!match || isTerminating(p->obj) || stringAt(p->obj, "status.podIP").empty())
                continue;
            Json addr = {{"ip", stringAt(p->obj, "status.podIP")}, {"nodeName", stringAt(p->obj, "spec.nodeName")},
                         {"targetRef", {{"kind", "Pod"}, {"namespace", ns}, {"name", p->name}, {"uid", p->uid}}}};
            // A StatefulSet's pods are addressable by name through their governing Service.
            if (std::string host = stringAt(p->obj, "spec.hostname"); !host.empty() && stringAt(p->obj, "spec.subdomain") == svc->name)
                addr["hostname"] = host;
            (isPodReady(p->obj) ? addresses : notReady).push_back(addr);
            if (!firstPod)
                firstPod = &p->obj;
        }
        Json ports = Json::array();
        if (const Json *sp = findPath(svc->obj, "spec.ports"); sp && sp->is_array())
            for (const auto &port : *sp) {
                Json target = port.value("targetPort", port.value("port", Json(0)));
                long long number = target.is_number_integer() ? target.get<long long>() : 0;
                if (target.is_string() && firstPod)
                    for (const auto &c : (*firstPod)["spec"]["containers"])
                        for (const auto &cp : c.value("ports", Json::array()))
                            if (cp.value("name", "") == target.get<std::string>())
                                number = cp.value("containerPort", 0);
                Json ep = {{"port", number}, {"protocol", port.value("protocol", "TCP")}};
                if (port.contains("name"))
                    ep["name"] = port["name"];
                ports.push_back(ep);
            }
        Json subsets = Json::array();
        if (!addresses.empty() || !notReady.empty()) {
            Json subset = {{"ports", ports}};
            if (!addresses.empty())
                subset["addresses"] = addresses;
            if (!notReady.empty())
                subset["notReadyAddresses"] = notReady;
            subsets.push_back(subset);
        }
        ObjPtr existing = store.get(epType, ns, svc->name);
        auto fill = [&](Json &o) {
            Json before = o.value("subsets", Json::array());
            if (before == subsets && o.contains("metadata") && o["metadata"].contains("annotations"))
                return false;
            if (subsets.empty())
                o.erase("subsets");
            else
                o["subsets"] = subsets;
            o["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] = rfc3339Now();
            if (const Json *l = findPath(svc->obj, "metadata.labels"))
                o["metadata"]["labels"] = *l;
            return true;
        };
        if (!existing) {
            Json ep = {{"metadata", {{"name", svc->name}, {"namespace", ns}}}};
            fill(ep);
            m_cluster.create(epType, ns, ep, {"", "kube-controller-manager", false});
        } else {
            store.modify(epType, ns, svc->name, fill);
        }
    }
    // Endpoints the controller made for a Service that no longer exists.
    for (const auto &ep : store.list(epType, ns).items) {
        if (!findPath(ep->obj, "metadata.annotations"))
            continue;
        bool hasService = std::any_of(services.begin(), services.end(), [&](const ObjPtr &s) { return s->name == ep->name; });
        if (!hasService && findPath(ep->obj, "metadata.annotations")->contains("endpoints.kubernetes.io/last-change-trigger-time"))
            store.erase(epType, ns, ep->name);
    }
}

Controllers::Clock::duration Controllers::scaledSeconds(double seconds) const
{
    double scale = m_options.timeScale > 0 ? m_options.timeScale : 1.0;
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds / scale));
}

void Controllers::syncHpas()
{
    // The horizontal-pod-autoscaler controller resyncs every HPA once per sync period (15 s).
    const auto now = Clock::now();
    if (m_lastHpaSync == Clock::time_point{}) {
        m_lastHpaSync = now;  // the first pass comes one period after start, once pods exist
        return;
    }
    if (now - m_lastHpaSync < scaledSeconds(15))
        return;
    m_lastHpaSync = now;
    const auto &hpaType = type("autoscaling", "horizontalpodautoscalers");
    std::set<std::string> seen;
    for (const auto &hpa : m_cluster.store().list(hpaType).items) {
        if (isTerminating(hpa->obj))
            continue;
        seen.insert(hpa->ns + "/" + hpa->name);
        try {
            syncHpa(*hpa, now);
        } catch (const ApiException &) {
            // Conflicts and vanished objects: the next period tries again.
        }
    }
    for (auto it = m_hpaMemory.begin(); it != m_hpaMemory.end();)
        it = seen.count(it->first) ? std::next(it) : m_hpaMemory.erase(it);
}

namespace {

struct HpaRules {
    long long stabilizationSeconds = 0;
    std::string selectPolicy = "Max";
    struct Policy {
        std::string type;
        long long value;
        long long periodSeconds;
    };
    std::vector<Policy> policies;
};

// SetDefaults_HorizontalPodAutoscalerBehavior: scale up by 4 pods or 100 % per 15 s at once;
// scale down by 100 % per 15 s after a 300 s stabilization window.
HpaRules hpaRules(const Json &hpa, bool up)
{
    HpaRules r;
    r.stabilizationSeconds = up ? 0 : 300;
    if (up)
        r.policies = {{"Pods", 4, 15}, {"Percent", 100, 15}};
    else
        r.policies = {{"Percent", 100, 15}};
    const Json *b = findPath(hpa, up ? "spec.behavior.scaleUp" : "spec.behavior.scaleDown");
    if (!b || !b->is_object())
        return r;
    if (b->contains("stabilizationWindowSeconds") && (*b)["stabilizationWindowSeconds"].is_number_integer())
        r.stabilizationSeconds = (*b)["stabilizationWindowSeconds"].get<long long>();
    if (b->contains("selectPolicy") && (*b)["selectPolicy"].is_string())
        r.selectPolicy = (*b)["selectPolicy"].get<std::string>();
    if (b->contains("policies") && (*b)["policies"].is_array()) {
        r.policies.clear();
        for (const auto &p : (*b)["policies"])
            r.policies.push_back({p.value("type", ""), p.value("value", 0LL), p.value("periodSeconds", 15LL)});
    }
    return r;
}

struct CpuResult {
    bool ok = false;
    long long replicas = 0;
    long long utilization = 0;
    long long rawAverageMillis = 0;
    std::string error;
};

}  // namespace

void Controllers::syncHpa(const StoredObject &hpa, Clock::time_point now)
{
    auto &store = m_cluster.store();
    const auto &hpaType = type("autoscaling", "horizontalpodautoscalers");
    const Json &h = hpa.obj;
    const std::string key = hpa.ns + "/" + hpa.name;
    const std::string kind = stringAt(h, "spec.scaleTargetRef.kind");
    const std::string targetName = stringAt(h, "spec.scaleTargetRef.name");
    const ResourceType *t = kind == "Deployment" ? &type("apps", "deployments") : kind == "ReplicaSet" ? &type("apps", "replicasets")
                            : kind == "Rollout" ? &type("argoproj.io", "rollouts") : kind == "StatefulSet" ? &type("apps", "statefulsets") : nullptr;
    ObjPtr scaled = t ? store.get(*t, hpa.ns, targetName) : nullptr;
    const long long minReplicas = intAt(h, "spec.minReplicas", 1);
    const long long maxReplicas = intAt(h, "spec.maxReplicas", 1);

    Json status = h.value("status", Json::object());
    if (!status.is_object())
        status = Json::object();
    struct PendingEvent {
        std::string type, reason, message;
    };
    std::vector<PendingEvent> events;
    auto writeStatus = [&] {
        store.modify(hpaType, hpa.ns, hpa.name, [&](Json &o) {
            Json before = o;
            o["status"] = status;
            if (const Json *g = findPath(o, "metadata.generation"))
                o["status"]["observedGeneration"] = *g;
            return o != before;
        });
        for (const auto &e : events)
            m_cluster.recordEvent(h, e.type, e.reason, e.message, "horizontal-pod-autoscaler");
    };

    if (!scaled) {
        std::string why = t ? t->qualifiedName() + " \"" + targetName + "\" not found"
                            : "no matches for kind \"" + kind + "\" in group \"" + stringAt(h, "spec.scaleTargetRef.apiVersion") + "\"";
        std::string msg = "the HPA controller was unable to get the target's current scale: " + why;
        setCondition(status, "AbleToScale", "False", "FailedGetScale", msg, false);
        events.push_back({"Warning", "FailedGetScale", why});
        writeStatus();
        return;
    }
    setCondition(status, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale", false);
    const long long currentReplicas = intAt(scaled->obj, "spec.replicas", 1);
    HpaMemory &memory = m_hpaMemory[key];
    // recordInitialRecommendation: the current size starts the history.
    if (memory.recommendations.empty())
        memory.recommendations.push_back({now, currentReplicas});

    const std::string cpuMetricName = "cpu resource utilization (percentage of request)";
    long long desiredReplicas = 0;
    std::string rescaleReason;
    Json metricStatuses = Json::array();
    bool computeFailed = false;

    if (currentReplicas == 0 && minReplicas != 0) {
        desiredReplicas = 0;
        setCondition(status, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", false);
    } else if (currentReplicas > maxReplicas) {
        rescaleReason = "Current number of replicas above Spec.MaxReplicas";
        desiredReplicas = maxReplicas;
    } else if (currentReplicas < minReplicas) {
        rescaleReason = "Current number of replicas below Spec.MinReplicas";
        desiredReplicas = minReplicas;
    } else {
        // computeReplicasForMetrics, with the replica calculator for CPU utilization targets.
        const Json *specs = findPath(h, "spec.metrics");
        long long metricDesired = -1;
        std::string metricName;
        int invalid = 0;
        std::string invalidReason, invalidMessage;
        const size_t specCount = specs && specs->is_array() ? specs->size() : 0;
        for (size_t i = 0; i < specCount; ++i) {
            const Json &m = (*specs)[i];
            const std::string mtype = m.value("type", "");
            const bool cpuUtilization = mtype == "Resource" && stringAt(m, "resource.name") == "cpu" &&
                                        stringAt(m, "resource.target.type") == "Utilization" && findPath(m, "resource.target.averageUtilization");
            if (!cpuUtilization) {
                ++invalid;
                std::string what = mtype == "Resource" ? "resource " + stringAt(m, "resource.name") + " " + stringAt(m, "resource.target.type")
                                                       : "\"" + mtype + "\"";
                invalidReason = mtype == "Resource" ? "FailedGetResourceMetric" : mtype == "ContainerResource" ? "FailedGetContainerResourceMetric"
                                : mtype == "Pods" ? "FailedGetPodsMetric" : mtype == "Object" ? "FailedGetObjectMetric"
                                : mtype == "External" ? "FailedGetExternalMetric" : "InvalidMetricSourceType";
                invalidMessage = "the HPA was unable to compute the replica count: " + what +
                                 " metrics are not supported by pilothouse-sim (only cpu Utilization targets are)";
                metricStatuses.push_back({{"type", ""}});
                continue;
            }
            const long long target = intAt(m, "resource.target.averageUtilization");
            CpuResult r;
            [&] {
                LabelSelector selector = LabelSelector::fromObject(scaled->obj.value("spec", Json::object()).value("selector", Json::object()));
                std::vector<ObjPtr> pods;
                for (const auto &p : store.list(type("", "pods"), hpa.ns).items)
                    if (selector.matches(findPath(p->obj, "metadata.labels")))
                        pods.push_back(p);
                if (pods.empty()) {
                    r.error = "unable to get metrics for resource cpu: no pods returned by selector while calculating replica count";
                    return;
                }
                std::map<std::string, long long> usage;  // pod name -> millicores
                for (const auto &u : m_cluster.load().podUsage(store, hpa.ns))
                    usage[u.pod->name] = u.cpuMillis();
                std::map<std::string, long long> metrics, requests;
                std::set<std::string> unready, missing;
                long long readyCount = 0;
                for (const auto &p : pods) {
                    // calculatePodRequests: every container needs a cpu request.
                    long long req = 0;
                    for (const auto &c : p->obj["spec"].value("containers", Json::array())) {
                        const Json *q = findPath(c, "resources.requests.cpu");
                        if (!q) {
                            r.error = "missing request for cpu in container " + c.value("name", "") + " of Pod " + p->name;
                            return;
                        }
                        req += parseCpuMillis(q->is_string() ? q->get<std::string>() : q->dump());
                    }
                    requests[p->name] = req;
                    // groupPods
                    std::string phase = stringAt(p->obj, "status.phase");
                    if (isTerminating(p->obj) || phase == "Failed")
                        continue;
                    if (phase == "Pending") {
                        unready.insert(p->name);
                        continue;
                    }
                    auto u = usage.find(p->name);
                    if (u == usage.end()) {
                        missing.insert(p->name);
                        continue;
                    }
                    if (!isPodReady(p->obj)) {
                        unready.insert(p->name);
                        continue;
                    }
                    metrics[p->name] = u->second;
                    ++readyCount;
                }
                if (metrics.empty()) {
                    r.error = "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: "
                              "failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)";
                    return;
                }
                // metricsclient.GetResourceUtilizationRatio
                auto ratioOf = [&](const std::map<std::string, long long> &ms, long long &utilization, long long &raw) {
                    long long usageTotal = 0, requestTotal = 0, entries = 0;
                    for (const auto &[pod, value] : ms) {
                        auto rq = requests.find(pod);
                        if (rq == requests.end())
                            continue;
                        usageTotal += value;
                        requestTotal += rq->second;
                        ++entries;
                    }
                    utilization = requestTotal > 0 ? usageTotal * 100 / requestTotal : 0;
                    raw = entries > 0 ? usageTotal / entries : 0;
                    return static_cast<double>(utilization) / static_cast<double>(target);
                };
                constexpr double tolerance = 0.1;
                double usageRatio = ratioOf(metrics, r.utilization, r.rawAverageMillis);
                r.ok = true;
                const bool scaleUpWithUnready = !unready.empty() && usageRatio > 1.0;
                if (!scaleUpWithUnready && missing.empty()) {
                    r.replicas = std::abs(1.0 - usageRatio) <= tolerance ? currentReplicas
                                                                         : static_cast<long long>(std::ceil(usageRatio * static_cast<double>(readyCount)));
                    return;
                }
                for (const auto &pod : missing)
                    metrics[pod] = usageRatio < 1.0 ? requests[pod] : 0;  // assume 100 % of request when scaling down
                if (scaleUpWithUnready)
                    for (const auto &pod : unready)
                        metrics[pod] = 0;
                long long ignoredUtilization = 0, ignoredRaw = 0;
                double newRatio = ratioOf(metrics, ignoredUtilization, ignoredRaw);
                if (std::abs(1.0 - newRatio) <= tolerance || (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0)) {
                    r.replicas = currentReplicas;
                    return;
                }
                long long newReplicas = static_cast<long long>(std::ceil(newRatio * static_cast<double>(metrics.size())));
                if ((newRatio < 1.0 && newReplicas > currentReplicas) || (newRatio > 1.0 && newReplicas < currentReplicas))
                    newReplicas = currentReplicas;
                r.replicas = newReplicas;
            }();
            if (!r.ok) {
                ++invalid;
                invalidReason = "FailedGetResourceMetric";
                invalidMessage = "the HPA was unable to compute the replica count: " + r.error;
                metricStatuses.push_back({{"type", ""}});
                continue;
            }
            metricStatuses.push_back({{"type", "Resource"},
                                      {"resource", {{"name", "cpu"}, {"current", {{"averageUtilization", r.utilization},
                                                                                  {"averageValue", std::to_string(r.rawAverageMillis) + "m"}}}}}});
            if (metricDesired < 0 || r.replicas > metricDesired) {
                metricDesired = r.replicas;
                metricName = cpuMetricName;
            }
        }
        // All metrics invalid, or some invalid and the valid ones would scale down: no decision.
        if (invalid > 0 && (static_cast<size_t>(invalid) >= specCount || metricDesired < currentReplicas)) {
            computeFailed = true;
            setCondition(status, "ScalingActive", "False", invalidReason, invalidMessage, false);
            events.push_back({"Warning", invalidReason, invalidMessage.substr(invalidMessage.find(": ") + 2)});
            events.push_back({"Warning", "FailedComputeMetricsReplicas", "invalid metrics (" + std::to_string(invalid) + " invalid out of " +
                                                                             std::to_string(specCount) + "), first error is: " +
                                                                             invalidMessage.substr(invalidMessage.find(": ") + 2)});
        } else if (specCount == 0) {
            computeFailed = true;
            setCondition(status, "ScalingActive", "False", "InvalidMetricSourceType", "the HPA was unable to compute the replica count: no metrics configured", false);
        } else {
            setCondition(status, "ScalingActive", "True", "ValidMetricFound",
                         "the HPA was able to successfully calculate a replica count from " + metricName, false);
            rescaleReason = metricDesired > currentReplicas ? metricName + " above target" : "All metrics below target";

            // normalizeDesiredReplicasWithBehaviors
            const HpaRules up = hpaRules(h, true), down = hpaRules(h, false);
            // stabilizeRecommendationWithBehaviors: the lowest recommendation of the scale-up window
            // when scaling up, the highest of the scale-down window when scaling down.
            const bool upward = metricDesired >= currentReplicas;
            const long long delaySeconds = upward ? up.stabilizationSeconds : down.stabilizationSeconds;
            const auto cutoff = now - scaledSeconds(static_cast<double>(delaySeconds));
            const auto obsoleteCutoff = now - scaledSeconds(static_cast<double>(std::max(up.stabilizationSeconds, down.stabilizationSeconds)));
            long long stabilized = metricDesired;
            bool foundOld = false;
            size_t oldIndex = 0;
            for (size_t i = 0; i < memory.recommendations.size(); ++i) {
                const auto &[at, rec] = memory.recommendations[i];
                if (at > cutoff)
                    stabilized = upward ? std::min(rec, stabilized) : std::max(rec, stabilized);
                if (at < obsoleteCutoff) {
                    foundOld = true;
                    oldIndex = i;
                }
            }
            if (foundOld)
                memory.recommendations[oldIndex] = {now, metricDesired};
            else
                memory.recommendations.push_back({now, metricDesired});
            if (stabilized != metricDesired) {
                if (upward)
                    setCondition(status, "AbleToScale", "True", "ScaleUpStabilized",
                                 "recent recommendations were lower than current one, applying the lowest recent recommendation", false);
                else
                    setCondition(status, "AbleToScale", "True", "ScaleDownStabilized",
                                 "recent recommendations were higher than current one, applying the highest recent recommendation", false);
            } else {
                setCondition(status, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size", false);
            }
            // convertDesiredReplicasWithBehaviorRate
            auto changeInPeriod = [&](const std::vector<ScaleEvent> &events, long long periodSeconds) {
                long long sum = 0;
                const auto cutoff = now - scaledSeconds(static_cast<double>(periodSeconds));
                for (const auto &e : events)
                    if (e.at > cutoff)
                        sum += e.change;
                return sum;
            };
            long long result = stabilized;
            std::string limitReason = "DesiredWithinRange", limitMessage = "the desired count is within the acceptable range";
            if (stabilized > currentReplicas) {
                long long limit = currentReplicas;
                if (up.selectPolicy != "Disabled") {
                    const bool pickMin = up.selectPolicy == "Min";
                    limit = pickMin ? std::numeric_limits<long long>::max() : std::numeric_limits<long long>::min();
                    for (const auto &p : up.policies) {
                        long long start = currentReplicas - changeInPeriod(memory.scaleUp, p.periodSeconds);
                        long long proposed = p.type == "Pods" ? start + p.value
                                                              : static_cast<long long>(std::ceil(static_cast<double>(start) * (1.0 + static_cast<double>(p.value) / 100.0)));
                        limit = pickMin ? std::min(limit, proposed) : std::max(limit, proposed);
                    }
                }
                limit = std::max(limit, currentReplicas);
                long long maximumAllowed = maxReplicas;
                if (maximumAllowed > limit) {
                    maximumAllowed = limit;
                    limitReason = "ScaleUpLimit";
                    limitMessage = "the desired replica count is increasing faster than the maximum scale rate";
                } else {
                    limitReason = "TooManyReplicas";
                    limitMessage = "the desired replica count is more than the maximum replica count";
                }
                if (stabilized > maximumAllowed)
                    result = maximumAllowed;
                else
                    std::tie(limitReason, limitMessage) = std::pair<std::string, std::string>("DesiredWithinRange", "the desired count is within the acceptable range");
            } else if (stabilized < currentReplicas) {
                long long limit = currentReplicas;
                if (down.selectPolicy != "Disabled") {
                    const bool pickMin = down.selectPolicy == "Min";
                    limit = pickMin ? std::numeric_limits<long long>::min() : std::numeric_limits<long long>::max();
                    for (const auto &p : down.policies) {
                        long long start = currentReplicas + changeInPeriod(memory.scaleDown, p.periodSeconds);
                        long long proposed = p.type == "Pods" ? start - p.value
                                                              : static_cast<long long>(static_cast<double>(start) * (1.0 - static_cast<double>(p.value) / 100.0));
                        limit = pickMin ? std::max(limit, proposed) : std::min(limit, proposed);
                    }
                }
                limit = std::min(limit, currentReplicas);
                long long minimumAllowed = minReplicas;
                if (minimumAllowed < limit) {
                    minimumAllowed = limit;
                    limitReason = "ScaleDownLimit";
                    limitMessage = "the desired replica count is decreasing faster than the maximum scale rate";
                } else {
                    limitReason = "TooFewReplicas";
                    limitMessage = "the desired replica count is less than the minimum replica count";
                }
                if (stabilized < minimumAllowed)
                    result = minimumAllowed;
                else
                    std::tie(limitReason, limitMessage) = std::pair<std::string, std::string>("DesiredWithinRange", "the desired count is within the acceptable range");
            }
            setCondition(status, "ScalingLimited", result == stabilized ? "False" : "True", limitReason, limitMessage, false);
            desiredReplicas = result;
        }
    }

    if (computeFailed) {
        // setCurrentReplicasAndMetricsInStatus: the decision waits for usable metrics.
        status["currentReplicas"] = currentReplicas;
        writeStatus();
        return;
    }
    const bool rescale = desiredReplicas != currentReplicas && !(currentReplicas == 0 && minReplicas != 0);
    if (rescale) {
        try {
            m_cluster.patch(*t, hpa.ns, targetName, PatchType::Merge, Json({{"spec", {{"replicas", desiredReplicas}}}}).dump(),
                            WriteOptions{"", "kube-controller-manager", false});
        } catch (const ApiException &e) {
            setCondition(status, "AbleToScale", "False", "FailedUpdateScale",
                         std::string("the HPA controller was unable to update the target scale: ") + e.what(), false);
            events.push_back({"Warning", "FailedRescale", "New size: " + std::to_string(desiredReplicas) + "; reason: " + rescaleReason +
                                                              "; error: " + e.what()});
            writeStatus();
            return;
        }
        setCondition(status, "AbleToScale", "True", "SucceededRescale",
                     "the HPA controller was able to update the target scale to " + std::to_string(desiredReplicas), false);
        events.push_back({"Normal", "SuccessfulRescale", "New size: " + std::to_string(desiredReplicas) + "; reason: " + rescaleReason});
        // storeScaleEvent: drop events older than the longest policy period, then record this one.
        auto &list = desiredReplicas > currentReplicas ? memory.scaleUp : memory.scaleDown;
        long long longest = 0;
        for (const auto &p : hpaRules(h, desiredReplicas > currentReplicas).policies)
            longest = std::max(longest, p.periodSeconds);
        const auto cutoff = now - scaledSeconds(static_cast<double>(longest));
        list.erase(std::remove_if(list.begin(), list.end(), [&](const ScaleEvent &e) { return e.at <= cutoff; }), list.end());
        list.push_back({std::llabs(desiredReplicas - currentReplicas), now});
        status["lastScaleTime"] = rfc3339Now();
    } else if (!(currentReplicas == 0 && minReplicas != 0)) {
        desiredReplicas = currentReplicas;
    }
    status["currentReplicas"] = currentReplicas;
    status["desiredReplicas"] = desiredReplicas;
    if (metricStatuses.empty())
        status.erase("currentMetrics");
    else
        status["currentMetrics"] = metricStatuses;
    writeStatus();
}

void Controllers::collectGarbage()
{
    auto &store = m_cluster.store();
    const auto &registry = ResourceRegistry::instance();
    auto uids = std::move(m_deletedUids);
    m_deletedUids.clear();
    for (const auto &uid : uids) {
        // Is the owner still there, waiting on a foreground or orphan finalizer?
        ObjPtr owner;
        for (const auto &t : registry.all()) {
            if (t.plural != "deployments" && t.plural != "replicasets" && t.plural != "rollouts" && t.plural != "statefulsets" &&
                t.plural != "daemonsets" && t.plural != "jobs" && t.plural != "cronjobs" && t.plural != "services")
                continue;
            for (const auto &o : store.list(t).items)
                if (o->uid == uid)
                    owner = o;
            if (owner)
                break;
        }
        auto dependents = store.dependentsOf(uid);
        if (owner) {
            const Json *fin = findPath(owner->obj, "metadata.finalizers");
            bool foreground = fin && std::find(fin->begin(), fin->end(), "foregroundDeletion") != fin->end();
            bool orphan = fin && std::find(fin->begin(), fin->end(), "orphan") != fin->end();
            const ResourceType &ot = registry.all()[owner->type];
            if (orphan) {
                for (const auto &dep : dependents)
                    store.modify(registry.all()[dep->type], dep->ns, dep->name, [&](Json &o) {
                        Json kept = Json::array();
                        for (const auto &r : o["metadata"]["ownerReferences"])
                            if (r.value("uid", "") != uid)
                                kept.push_back(r);
                        if (kept.empty())
                            o["metadata"].erase("ownerReferences");
                        else
                            o["metadata"]["ownerReferences"] = kept;
                        return true;
                    });
                dependents.clear();
            }
            if (foreground && !dependents.empty()) {
                for (const auto &dep : dependents)
                    if (!isTerminating(dep->obj))
                        m_cluster.remove(registry.all()[dep->type], dep->ns, dep->name, {{"propagationPolicy", "Foreground"}});
                m_deletedUids.insert(uid);  // look again until the dependents are gone
                continue;
            }
            if (foreground || orphan) {
                store.modify(ot, owner->ns, owner->name, [&](Json &o) {
                    Json kept = Json::array();
                    for (const auto &f : o["metadata"]["finalizers"])
                        if (f != "foregroundDeletion" && f != "orphan")
                            kept.push_back(f);
                    if (kept.empty())
                        o["metadata"].erase("finalizers");
                    else
                        o["metadata"]["finalizers"] = kept;
                    return true;
                });
                m_cluster.finalizeIfReady(ot, owner->ns, owner->name);
            }
            continue;
        }
        // Owner gone: dependents whose every owner is gone are deleted in the background.
        for (const auto &dep : dependents) {
            bool ownerLeft = false;
            for (const auto &r : dep->obj["metadata"]["ownerReferences"])
                if (r.value("uid", "") != uid && !store.dependentsOf(r.value("uid", "")).empty())
                    ownerLeft = true;
            if (!ownerLeft && !isTerminating(dep->obj))
                m_cluster.remove(registry.all()[dep->type], dep->ns, dep->name, {{"propagationPolicy", "Background"}});
        }
    }
}

void Controllers::sweepOrphans()
{
    auto &store = m_cluster.store();
    const auto &registry = ResourceRegistry::instance();
    std::set<std::string> uids;
    for (const auto &t : registry.all())
        if (t.plural == "deployments" || t.plural == "replicasets" || t.plural == "rollouts" || t.plural == "statefulsets" ||
            t.plural == "daemonsets" || t.plural == "jobs" || t.plural == "cronjobs")
            for (const auto &o : store.list(t).items)
                uids.insert(o->uid);
    for (const ResourceType *owned : {&type("apps", "replicasets"), &type("", "pods"), &type("batch", "jobs"), &type("apps", "controllerrevisions")}) {
        const auto &t = *owned;
        for (const auto &o : store.list(t).items) {
            const Json *refs = findPath(o->obj, "metadata.ownerReferences");
            if (!refs || !refs->is_array() || refs->empty() || isTerminating(o->obj))
                continue;
            bool anyOwner = std::any_of(refs->begin(), refs->end(), [&](const Json &r) { return uids.count(r.value("uid", "")) > 0; });
            if (!anyOwner)
                m_cluster.remove(t, o->ns, o->name, {{"propagationPolicy", "Background"}});
        }
    }
}

void Controllers::syncNamespace(const std::string &name)
{
    auto &store = m_cluster.store();
    const auto &registry = ResourceRegistry::instance();
    const auto &nsType = type("", "namespaces");
    ObjPtr ns = store.get(nsType, "", name);
    if (!ns || !isTerminating(ns->obj))
        return;
    bool remaining = false;
    for (const auto &t : registry.all()) {
        if (!t.namespaced || t.verbs.size() == 1)
            continue;
        for (const auto &o : store.list(t, name).items) {
            remaining = true;
            if (!isTerminating(o->obj))
                m_cluster.remove(t, name, o->name, {{"propagationPolicy", "Background"}});
        }
    }
    if (remaining) {
        m_dirtyNamespaces.insert(name);
        return;
    }
    store.erase(nsType, "", name);
}

}  // namespace pilothouse::sim
