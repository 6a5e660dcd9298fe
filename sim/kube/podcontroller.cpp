// The scheduler and the kubelet of the simulated nodes.
#include "kube/podcontroller.h"

#include "kube/objectutil.h"
#include "kube/scheduling.h"
#include "kube/storagecontroller.h"

#include <algorithm>
#include <cstdlib>

namespace pilothouse::sim {

PodController::PodController(Cluster &cluster, ControllerOptions options) : m_cluster(cluster), m_options(options) {}

namespace {
bool isSettled(const Json &pod) { return !stringAt(pod, "spec.nodeName").empty() && isPodReady(pod) && !isTerminating(pod); }
}  // namespace

void PodController::resync()
{
    m_podsPerNode.clear();
    m_unsettled.clear();
    for (const auto &o : m_cluster.store().list(rtype("", "pods")).items) {
        std::string node = stringAt(o->obj, "spec.nodeName");
        if (!node.empty())
            ++m_podsPerNode[node];
        if (!isSettled(o->obj))
            m_unsettled.insert({o->ns, o->name});
    }
    m_dirty.insert(m_unsettled.begin(), m_unsettled.end());
}

void PodController::periodicResync() { m_dirty.insert(m_unsettled.begin(), m_unsettled.end()); }

void PodController::observe(const WatchEvent &e)
{
    static const int podIdx = rtype("", "pods").index;
    static const int pvcIdx = rtype("", "persistentvolumeclaims").index;
    const Json &o = e.obj->obj;
    if (e.type == podIdx) {
        if (e.kind != EventKind::Deleted && !isSettled(o))
            m_unsettled.insert({e.obj->ns, e.obj->name});
        else
            m_unsettled.erase({e.obj->ns, e.obj->name});
        if (e.kind != EventKind::Deleted)
            m_dirty.insert({e.obj->ns, e.obj->name});
        else if (std::string node = stringAt(o, "spec.nodeName"); !node.empty())
            --m_podsPerNode[node];
        if (e.kind == EventKind::Added)
            if (std::string node = stringAt(o, "spec.nodeName"); !node.empty())
                ++m_podsPerNode[node];
    } else if (e.type == pvcIdx) {
        for (auto it = m_waitingForClaims.begin(); it != m_waitingForClaims.end();)
            if (it->first == e.obj->ns) {
                m_dirty.insert(*it);
                it = m_waitingForClaims.erase(it);
            } else {
                ++it;
            }
    }
}

void PodController::reconcile()
{
    // Pods whose next lifecycle step is due.
    const auto now = Clock::now();
    for (auto it = m_podDue.begin(); it != m_podDue.end();) {
        if (it->second <= now) {
            // The key of a due entry is "ns/name".
            auto slash = it->first.find('/');
            m_dirty.insert({it->first.substr(0, slash), it->first.substr(slash + 1)});
            it = m_podDue.erase(it);
        } else {
            ++it;
        }
    }
    auto pods = std::move(m_dirty);
    m_dirty.clear();
    for (const auto &k : pods)
        guarded([&] { syncPod(k.first, k.second); });
}

std::string PodController::volumeBlocker(const Json &pod, Json &volumeTerms, std::vector<std::string> &delayedClaims)
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
        ObjPtr claim = m_cluster.store().get(rtype("", "persistentvolumeclaims"), ns, claimName);
        if (!claim)
            return "persistentvolumeclaim \"" + claimName + "\" not found";
        if (isTerminating(claim->obj))
            return "persistentvolumeclaim \"" + claimName + "\" is being deleted";
        if (stringAt(claim->obj, "status.phase") == "Bound") {
            ObjPtr pv = m_cluster.store().get(rtype("", "persistentvolumes"), "", stringAt(claim->obj, "spec.volumeName"));
            if (const Json *terms = pv ? findPath(pv->obj, "spec.nodeAffinity.required.nodeSelectorTerms") : nullptr; terms && terms->is_array())
                volumeTerms.push_back(*terms);
            continue;
        }
        ObjPtr sc = m_cluster.store().get(rtype("storage.k8s.io", "storageclasses"), "", stringAt(claim->obj, "spec.storageClassName"));
        if (sc && stringAt(sc->obj, "volumeBindingMode") == "WaitForFirstConsumer")
            delayedClaims.push_back(claimName);
        else
            unboundImmediate = true;
    }
    return unboundImmediate ? "pod has unbound immediate PersistentVolumeClaims" : std::string();
}

std::string PodController::pickNode(const Json &pod, const Json &volumeTerms)
{
    std::string best;
    int bestCount = 0;
    for (const auto &n : m_cluster.store().list(rtype("", "nodes")).items) {
        // A cordoned node takes only pods that tolerate node.kubernetes.io/unschedulable (DaemonSets' do).
        if (!conditionIs(n->obj, "Ready") || !podFitsNode(pod, n->obj))
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

void PodController::syncPod(const std::string &ns, const std::string &name)
{
    const auto &podType = rtype("", "pods");
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
            const size_t total = m_cluster.store().list(rtype("", "nodes")).items.size();
            const std::string message = "0/" + std::to_string(total) + " nodes are available: " + blocker +
                                        ". preemption: 0/" + std::to_string(total) + " nodes are available: " + std::to_string(total) +
                                        " Preemption is not helpful for scheduling.";
            m_cluster.store().modify(podType, ns, name, [&](Json &o) {
                Json before = o;
                setStatusCondition(o["status"], "PodScheduled", "False", "Unschedulable", message, false);
                return o != before;
            });
            m_cluster.recordEvent(p, "Warning", "FailedScheduling", message, "default-scheduler");
            m_waitingForClaims.insert({ns, name});
            return;
        }
        std::string chosen = pickNode(p, volumeTerms);
        if (!chosen.empty() && !delayedClaims.empty()) {
            // WaitForFirstConsumer: the node is chosen, the claims learn it and get their volumes
            // there; the pod is bound once they are (the claims' changes bring it back here).
            for (const auto &claimName : delayedClaims)
                m_cluster.store().modify(rtype("", "persistentvolumeclaims"), ns, claimName, [&](Json &o) {
                    Json &ann = o["metadata"]["annotations"];
                    if (ann.is_object() && ann.value(kSelectedNodeAnnotation, "") == chosen)
                        return false;
                    ann[kSelectedNodeAnnotation] = chosen;
                    return true;
                });
            m_waitingForClaims.insert({ns, name});
            return;
        }
        if (chosen.empty()) {
            // The scheduler's message: how many nodes there are and why each one was filtered out.
            int total = 0, notReady = 0, cordoned = 0, other = 0;
            for (const auto &n : m_cluster.store().list(rtype("", "nodes")).items) {
                ++total;
                if (!conditionIs(n->obj, "Ready"))
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
                setStatusCondition(o["status"], "PodScheduled", "False", "Unschedulable", message, false);
                return o != before;
            });
            m_cluster.recordEvent(p, "Warning", "FailedScheduling", message, "default-scheduler");
            return;
        }
        ++m_podsPerNode[chosen];
        ObjPtr bound = m_cluster.store().modify(podType, ns, name, [&](Json &o) {
            o["spec"]["nodeName"] = chosen;
            setStatusCondition(o["status"], "PodScheduled", "True", "", "", false);
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
        if (ObjPtr n = m_cluster.store().get(rtype("", "nodes"), "", node))
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
            setStatusCondition(o["status"], "Initialized", "True", "", "", false);
            setStatusCondition(o["status"], "Ready", "False", "ContainersNotReady", "containers with unready status: [" + o["spec"]["containers"][0].value("name", "") + "]", false);
            setStatusCondition(o["status"], "ContainersReady", "False", "ContainersNotReady", "containers with unready status: [" + o["spec"]["containers"][0].value("name", "") + "]", false);
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
            setStatusCondition(o["status"], "PodReadyToStartContainers", "True", "", "", false);
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
            setStatusCondition(o["status"], "ContainersReady", "True", "", "", false);
            setStatusCondition(o["status"], "Ready", "True", "", "", false);
            dropEmptyReasons(o["status"]);
            return true;
        });
        if (runsToCompletion(p))
            m_podDue[key] = now + m_options.scaled(runSeconds(p));
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
            m_podDue[key] = now + m_options.scaled(runSeconds(p));
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
            setStatusCondition(o["status"], "PodReadyToStartContainers", "False", "", "", false);
            setStatusCondition(o["status"], "ContainersReady", "False", reason, "", false);
            setStatusCondition(o["status"], "Ready", "False", reason, "", false);
            dropEmptyReasons(o["status"]);
            return true;
        });
    }
}

bool PodController::runsToCompletion(const Json &pod)
{
    const std::string policy = stringAt(pod, "spec.restartPolicy", "Always");
    return policy == "Never" || policy == "OnFailure";
}

double PodController::runSeconds(const Json &pod) const
{
    const std::string text = annotationOf(pod, kRunSecondsAnnotation);
    char *end = nullptr;
    double seconds = std::strtod(text.c_str(), &end);
    if (text.empty() || !end || *end || seconds < 0)
        return m_options.jobRunSeconds;
    return seconds;
}
}  // namespace pilothouse::sim
