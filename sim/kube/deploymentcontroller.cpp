// The ReplicaSet and Deployment controllers (kube-controller-manager's pkg/controller/replicaset
// and deployment): the same names, revisions, conditions and events as on a cluster.
#include "kube/deploymentcontroller.h"

#include "kube/objectutil.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace pilothouse::sim {

namespace {

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

}  // namespace

DeploymentController::DeploymentController(Cluster &cluster) : m_cluster(cluster) {}

void DeploymentController::resync()
{
    const auto &store = m_cluster.store();
    for (const auto &o : store.list(rtype("apps", "deployments")).items)
        m_dirtyDeployments.insert({o->ns, o->name});
    for (const auto &o : store.list(rtype("apps", "replicasets")).items)
        m_dirtyReplicaSets.insert({o->ns, o->name});
}

void DeploymentController::periodicResync()
{
    const auto &store = m_cluster.store();
    auto settled = [](const Json &o, bool deployment) {
        const long long want = intAt(o, "spec.replicas", 1);
        if (intAt(o, "status.observedGeneration", 0) != intAt(o, "metadata.generation", 1) || intAt(o, "status.replicas", 0) != want ||
            intAt(o, "status.readyReplicas", 0) != want || intAt(o, "status.availableReplicas", 0) != want)
            return false;
        return !deployment || intAt(o, "status.updatedReplicas", 0) == want;
    };
    for (const auto &o : store.list(rtype("apps", "deployments")).items)
        if (!settled(o->obj, true))
            m_dirtyDeployments.insert({o->ns, o->name});
    for (const auto &o : store.list(rtype("apps", "replicasets")).items)
        if (!settled(o->obj, false))
            m_dirtyReplicaSets.insert({o->ns, o->name});
}

void DeploymentController::observe(const WatchEvent &e)
{
    static const int podIdx = rtype("", "pods").index;
    static const int rsIdx = rtype("apps", "replicasets").index;
    static const int depIdx = rtype("apps", "deployments").index;
    const Json *owner = controllerRef(e.obj->obj);
    if (e.type == podIdx) {
        if (owner && owner->value("kind", "") == "ReplicaSet")
            m_dirtyReplicaSets.insert({e.obj->ns, owner->value("name", "")});
    } else if (e.type == rsIdx) {
        m_dirtyReplicaSets.insert({e.obj->ns, e.obj->name});
        if (owner && owner->value("kind", "") == "Deployment")
            m_dirtyDeployments.insert({e.obj->ns, owner->value("name", "")});
    } else if (e.type == depIdx) {
        m_dirtyDeployments.insert({e.obj->ns, e.obj->name});
    }
}

void DeploymentController::reconcile()
{
    auto rss = std::move(m_dirtyReplicaSets);
    m_dirtyReplicaSets.clear();
    for (const auto &k : rss)
        guarded([&] { syncReplicaSet(k.first, k.second); });
    auto deps = std::move(m_dirtyDeployments);
    m_dirtyDeployments.clear();
    for (const auto &k : deps)
        guarded([&] { syncDeployment(k.first, k.second); });
}

void DeploymentController::syncReplicaSet(const std::string &ns, const std::string &name)
{
    const auto &rsType = rtype("apps", "replicasets");
    const auto &podType = rtype("", "pods");
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
            pod["metadata"]["ownerReferences"] = Json::array({controllerOwnerRef(rsType, *rs)});
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

void DeploymentController::syncDeployment(const std::string &ns, const std::string &name)
{
    const auto &depType = rtype("apps", "deployments");
    const auto &rsType = rtype("apps", "replicasets");
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
        long long maxSurge = intOrPercent(findPath(d, "spec.strategy.rollingUpdate.maxSurge"), desired, true, 0);
        Json rs = {{"metadata", {{"name", name + "-" + hash}, {"namespace", ns}, {"labels", rsTmpl["metadata"]["labels"]},
                                 {"annotations", {{"deployment.kubernetes.io/revision", std::to_string(maxRevision + 1)},
                                                  {"deployment.kubernetes.io/desired-replicas", std::to_string(desired)},
                                                  {"deployment.kubernetes.io/max-replicas", std::to_string(desired + maxSurge)}}},
                                 {"ownerReferences", Json::array({controllerOwnerRef(depType, *dep)})}}},
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
    long long maxSurge = intOrPercent(findPath(d, "spec.strategy.rollingUpdate.maxSurge"), desired, true, 0);
    long long maxUnavailable = intOrPercent(findPath(d, "spec.strategy.rollingUpdate.maxUnavailable"), desired, false, 0);
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
        setStatusCondition(s, "Available", minAvailable ? "True" : "False",
                     minAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                     minAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", true);
        bool complete = updated == desired && replicas == desired && available >= desired;
        if (paused) {
            setStatusCondition(s, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", true);
        } else if (!newRsName.empty()) {
            std::string reason = complete ? "NewReplicaSetAvailable" : !newRsMessageReason.empty() ? newRsMessageReason : "ReplicaSetUpdated";
            std::string msg = complete ? "ReplicaSet \"" + newRsName + "\" has successfully progressed."
                              : reason == "NewReplicaSetCreated" ? "Created new replica set \"" + newRsName + "\""
                                                                 : "ReplicaSet \"" + newRsName + "\" is progressing.";
            setStatusCondition(s, "Progressing", "True", reason, msg, true);
        }
        // Available first, Progressing second, as the controller writes them.
        if (s["conditions"].is_array())
            std::stable_sort(s["conditions"].begin(), s["conditions"].end(), [](const Json &a, const Json &b) {
                return a.value("type", "") == "Available" && b.value("type", "") != "Available";
            });
        return o != before;
    });
}

}  // namespace pilothouse::sim
