// The DaemonSet controller (kube-controller-manager's pkg/controller/daemon).
#include "kube/daemonsetcontroller.h"

#include "kube/objectutil.h"
#include "kube/scheduling.h"
#include "kube/workloadutil.h"

#include <algorithm>
#include <map>

namespace pilothouse::sim {

namespace {

// The DaemonSet controller rounds a percentage of maxUnavailable up to at least one.
long long atLeastOneOrPercent(const Json *v, long long total, long long fallback)
{
    if (!v)
        return fallback;
    if (v->is_number_integer())
        return v->get<long long>();
    if (v->is_string()) {
        const std::string s = v->get<std::string>();
        if (!s.empty() && s.back() == '%')
            return std::max<long long>(1, std::atoll(s.c_str()) * total / 100);  // the controller rounds up to at least one
        return std::atoll(s.c_str());
    }
    return fallback;
}

// The tolerations the DaemonSet controller adds to its pods (util.AddOrUpdateDaemonPodTolerations):
// they stay on nodes that are not ready, under pressure or cordoned.
Json daemonPodTolerations(const Json &existing)
{
    Json out = existing.is_array() ? existing : Json::array();
    const std::pair<const char *, const char *> standard[] = {{"node.kubernetes.io/not-ready", "NoExecute"},
                                                              {"node.kubernetes.io/unreachable", "NoExecute"},
                                                              {"node.kubernetes.io/disk-pressure", "NoSchedule"},
                                                              {"node.kubernetes.io/memory-pressure", "NoSchedule"},
                                                              {"node.kubernetes.io/pid-pressure", "NoSchedule"},
                                                              {kUnschedulableTaint, "NoSchedule"}};
    for (const auto &[key, effect] : standard) {
        bool present = std::any_of(out.begin(), out.end(), [&](const Json &t) { return t.value("key", "") == key && t.value("effect", "") == effect; });
        if (!present)
            out.push_back({{"key", key}, {"operator", "Exists"}, {"effect", effect}});
    }
    return out;
}

// The node a DaemonSet pod belongs to: where it runs, or the node its affinity names while it waits.
std::string daemonPodNode(const Json &pod)
{
    if (std::string node = stringAt(pod, "spec.nodeName"); !node.empty())
        return node;
    const Json *terms = findPath(pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
    if (terms && terms->is_array())
        for (const auto &term : *terms)
            for (const auto &f : term.value("matchFields", Json::array()))
                if (f.value("key", "") == "metadata.name" && f.contains("values") && f["values"].is_array() && !f["values"].empty())
                    return f["values"][0].get<std::string>();
    return {};
}

}  // namespace

DaemonSetController::DaemonSetController(Cluster &cluster) : m_cluster(cluster) {}

void DaemonSetController::reconcile()
{
    auto &store = m_cluster.store();
    const auto daemonSets = store.list(rtype("apps", "daemonsets")).items;
    if (daemonSets.empty())
        return;  // no need to list a thousand nodes every pass
    const auto nodes = store.list(rtype("", "nodes")).items;
    for (const auto &o : daemonSets)
        guarded([&] { syncDaemonSet(o, nodes); });
}

void DaemonSetController::syncDaemonSet(const ObjPtr &ds, const std::vector<ObjPtr> &nodes)
{
    if (isTerminating(ds->obj))
        return;
    const auto &dsType = rtype("apps", "daemonsets");
    const auto &podType = rtype("", "pods");
    const Json &d = ds->obj;
    const std::string &ns = ds->ns;
    const std::string &name = ds->name;
    const Json podTemplate = d["spec"].value("template", Json::object());
    const long long collisionCount = intAt(d, "status.collisionCount", 0);
    const std::string hash = podTemplateHash(podTemplate, collisionCount);
    ensureRevision(m_cluster, dsType, ds, podTemplate, name + "-" + hash, hash);
    const long long generation = intAt(d, "metadata.generation", 1);

    // Which nodes should run a daemon pod: selector and affinity match, every NoSchedule and
    // NoExecute taint tolerated once the daemon tolerations are added.
    Json probe = podFromTemplate(podTemplate);
    probe["spec"]["tolerations"] = daemonPodTolerations(probe["spec"].value("tolerations", Json()));
    std::map<std::string, bool> shouldRun;
    for (const auto &n : nodes) {
        bool fits = nodeMatchesPod(probe, n->obj);
        if (const Json *taints = findPath(n->obj, "spec.taints"); fits && taints && taints->is_array())
            for (const auto &t : *taints)
                if ((t.value("effect", "") == "NoSchedule" || t.value("effect", "") == "NoExecute") && !toleratesTaint(probe["spec"]["tolerations"], t))
                    fits = false;
        shouldRun[n->name] = fits;
    }

    std::map<std::string, std::vector<ObjPtr>> podsByNode;
    std::map<std::string, bool> removing;  // a node whose daemon pod is still terminating
    for (const auto &p : ownedBy(m_cluster.store(), *ds, podType)) {
        const std::string node = daemonPodNode(p->obj);
        if (isTerminating(p->obj))
            removing[node] = true;
        else
            podsByNode[node].push_back(p);
    }
    auto deletePod = [&](const ObjPtr &p) {
        m_cluster.remove(podType, ns, p->name);
        m_cluster.recordEvent(d, "Normal", "SuccessfulDelete", "Deleted pod: " + p->name, "daemonset-controller");
    };
    auto createPod = [&](const std::string &node) {
        Json pod = podFromTemplate(podTemplate);
        Json &meta = pod["metadata"];
        meta["generateName"] = name + "-";
        meta["namespace"] = ns;
        meta["labels"]["controller-revision-hash"] = hash;
        meta["labels"]["pod-template-generation"] = std::to_string(generation);
        meta["ownerReferences"] = Json::array({controllerOwnerRef(dsType, *ds)});
        // The scheduler binds it to its node through affinity, as the controller asks since v1.12.
        pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
            {"nodeSelectorTerms", Json::array({{{"matchFields", Json::array({{{"key", "metadata.name"}, {"operator", "In"}, {"values", Json::array({node})}}})}}})}};
        pod["spec"]["tolerations"] = daemonPodTolerations(pod["spec"].value("tolerations", Json()));
        ObjPtr created = m_cluster.create(podType, ns, pod, {"", "kube-controller-manager", false});
        m_cluster.recordEvent(d, "Normal", "SuccessfulCreate", "Created pod: " + created->name, "daemonset-controller");
    };

    long long desired = 0, scheduled = 0, misscheduled = 0, ready = 0, updated = 0, unavailable = 0;
    std::vector<ObjPtr> oldReady;
    for (const auto &n : nodes) {
        auto &pods = podsByNode[n->name];
        for (auto it = pods.begin(); it != pods.end();) {
            if (podFinished((*it)->obj)) {
                deletePod(*it);  // a failed daemon pod is replaced
                it = pods.erase(it);
            } else {
                ++it;
            }
        }
        if (!shouldRun[n->name]) {
            misscheduled += static_cast<long long>(pods.size());
            for (const auto &p : pods)
                deletePod(p);
            continue;
        }
        ++desired;
        if (pods.empty()) {
            if (!removing[n->name])
                createPod(n->name);
            ++unavailable;
            continue;
        }
        // One pod per node: the updated one stays, else the oldest.
        std::sort(pods.begin(), pods.end(), [&](const ObjPtr &a, const ObjPtr &b) {
            bool au = labelOf(a->obj, "controller-revision-hash") == hash, bu = labelOf(b->obj, "controller-revision-hash") == hash;
            if (au != bu)
                return au;
            return stringAt(a->obj, "metadata.creationTimestamp") < stringAt(b->obj, "metadata.creationTimestamp");
        });
        for (size_t i = 1; i < pods.size(); ++i)
            deletePod(pods[i]);
        const ObjPtr &p = pods.front();
        ++scheduled;
        const bool isUpdated = labelOf(p->obj, "controller-revision-hash") == hash;
        if (isUpdated)
            ++updated;
        if (isPodReadyNotTerminating(p->obj)) {
            ++ready;
            if (!isUpdated)
                oldReady.push_back(p);
        } else {
            ++unavailable;
            if (!isUpdated)
                deletePod(p);  // an old pod that is not available anyway goes first
        }
    }
    for (const auto &[node, pods] : podsByNode)
        if (!shouldRun.count(node))
            for (const auto &p : pods) {
                ++misscheduled;
                deletePod(p);  // its node is gone
            }
    // RollingUpdate: replace ready old pods while at most maxUnavailable nodes lack an available pod.
    if (stringAt(d, "spec.updateStrategy.type", "RollingUpdate") == "RollingUpdate") {
        long long maxUnavailable = atLeastOneOrPercent(findPath(d, "spec.updateStrategy.rollingUpdate.maxUnavailable"), desired, 1);
        for (const auto &p : oldReady) {
            if (unavailable >= maxUnavailable)
                break;
            deletePod(p);
            ++unavailable;
        }
    }
    pruneRevisions(m_cluster, ds, {name + "-" + hash});
    Json status = {{"currentNumberScheduled", scheduled},
                   {"desiredNumberScheduled", desired},
                   {"numberMisscheduled", misscheduled},
                   {"numberReady", ready},
                   {"numberAvailable", ready},
                   {"numberUnavailable", std::max<long long>(0, desired - ready)},
                   {"updatedNumberScheduled", updated},
                   {"observedGeneration", generation}};
    if (collisionCount > 0)
        status["collisionCount"] = collisionCount;
    eraseZero(status, {"numberAvailable", "numberUnavailable", "updatedNumberScheduled"});
    writeStatus(m_cluster, dsType, *ds, status);
}

}  // namespace pilothouse::sim
