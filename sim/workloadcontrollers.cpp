// StatefulSet, DaemonSet, Job and CronJob controllers, after kube-controller-manager's
// (pkg/controller/statefulset, daemon, job, cronjob): the same pod names, labels, status fields,
// conditions and events, so that kubectl's rollout status, describe and get read them as they would
// on a cluster.
#include "workloadcontrollers.h"

#include "controllers.h"
#include "cronschedule.h"
#include "scheduling.h"

#include <algorithm>
#include <iostream>
#include <map>

namespace pilothouse::sim {

namespace {

using SysClock = std::chrono::system_clock;

const ResourceType &rtype(const char *group, const char *plural) { return ResourceRegistry::instance().require(group, plural); }

bool terminating(const Json &o)
{
    const Json *d = findPath(o, "metadata.deletionTimestamp");
    return d && !d->is_null();
}

bool conditionIs(const Json &o, const char *condType, const char *value = "True")
{
    if (const Json *conds = findPath(o, "status.conditions"); conds && conds->is_array())
        for (const auto &c : *conds)
            if (c.value("type", "") == condType)
                return c.value("status", "") == value;
    return false;
}

bool podReady(const Json &pod) { return !terminating(pod) && conditionIs(pod, "Ready"); }

std::string phaseOf(const Json &pod) { return stringAt(pod, "status.phase", "Pending"); }

bool podFinished(const Json &pod)
{
    const std::string phase = phaseOf(pod);
    return phase == "Succeeded" || phase == "Failed";
}

std::string mapValue(const Json &o, const char *mapPath, const char *key)
{
    if (const Json *m = findPath(o, mapPath); m && m->is_object())
        if (auto it = m->find(key); it != m->end() && it->is_string())
            return it->get<std::string>();
    return {};
}

std::string labelOf(const Json &o, const char *key) { return mapValue(o, "metadata.labels", key); }

Json ownerRef(const ResourceType &t, const StoredObject &owner)
{
    return {{"apiVersion", t.groupVersion()}, {"kind", t.kind}, {"name", owner.name}, {"uid", owner.uid},
            {"controller", true}, {"blockOwnerDeletion", true}};
}

// The objects of one type whose controller reference is `owner`.
std::vector<ObjPtr> ownedBy(const ObjectStore &store, const StoredObject &owner, const ResourceType &t)
{
    std::vector<ObjPtr> out;
    for (const auto &d : store.dependentsOf(owner.uid)) {
        if (d->type != t.index)
            continue;
        if (const Json *refs = findPath(d->obj, "metadata.ownerReferences"); refs && refs->is_array())
            for (const auto &r : *refs)
                if (r.value("controller", false) && r.value("uid", "") == owner.uid)
                    out.push_back(d);
    }
    return out;
}

// A pod from a template's metadata and spec.
Json podFromTemplate(const Json &podTemplate)
{
    Json meta = podTemplate.value("metadata", Json::object());
    if (!meta.is_object())
        meta = Json::object();
    return {{"metadata", meta}, {"spec", podTemplate.value("spec", Json::object())}};
}

// Writes `status` when it differs from the stored one.
void writeStatus(Cluster &cluster, const ResourceType &t, const StoredObject &o, const Json &status)
{
    cluster.store().modify(t, o.ns, o.name, [&](Json &obj) {
        if (obj.value("status", Json()) == status)
            return false;
        obj["status"] = status;
        return true;
    });
}

// Status fields the API omits when zero (omitempty).
void eraseZero(Json &status, std::initializer_list<const char *> fields)
{
    for (const char *f : fields)
        if (status.contains(f) && status[f] == 0)
            status.erase(f);
}

// A Job-style condition (lastProbeTime and lastTransitionTime); true when something changed.
bool setJobCondition(Json &status, const std::string &condType, const std::string &value, const std::string &reason,
                     const std::string &message)
{
    Json &conds = status["conditions"];
    if (!conds.is_array())
        conds = Json::array();
    const std::string now = rfc3339Now();
    for (auto &c : conds) {
        if (c.value("type", "") != condType)
            continue;
        if (c.value("status", "") == value && c.value("reason", "") == reason && c.value("message", "") == message)
            return false;
        if (c.value("status", "") != value)
            c["lastTransitionTime"] = now;
        c["status"] = value;
        c["lastProbeTime"] = now;
        c["reason"] = reason;
        c["message"] = message;
        if (reason.empty())
            c.erase("reason");
        if (message.empty())
            c.erase("message");
        return true;
    }
    Json c = {{"type", condType}, {"status", value}, {"lastProbeTime", now}, {"lastTransitionTime", now}};
    if (!reason.empty())
        c["reason"] = reason;
    if (!message.empty())
        c["message"] = message;
    conds.push_back(c);
    return true;
}

long long intOrPercent(const Json *v, long long total, long long fallback)
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

long long statefulOrdinal(const std::string &setName, const std::string &podName)
{
    if (podName.size() <= setName.size() + 1 || podName.compare(0, setName.size() + 1, setName + "-") != 0)
        return -1;
    const std::string digits = podName.substr(setName.size() + 1);
    if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
        return -1;
    return std::stoll(digits);
}

std::string jobFinishedCondition(const Json &job)
{
    if (conditionIs(job, "Complete"))
        return "Complete";
    if (conditionIs(job, "Failed"))
        return "Failed";
    return {};
}

}  // namespace

WorkloadController::WorkloadController(Cluster &cluster) : m_cluster(cluster) {}

void WorkloadController::reconcile()
{
    auto &store = m_cluster.store();
    auto guarded = [this](auto &&fn) {
        try {
            fn();
        } catch (const ApiException &) {
            // A conflict or a vanished object: the next pass sees the new state and tries again.
        } catch (const Json::exception &e) {
            // An object of a shape the controllers did not expect: said once, and the others go on.
            if (m_reported.insert(std::string("json/") + e.what()).second)
                std::cerr << "pilothouse-sim: workload controllers: " << e.what() << std::endl;
        }
    };
    const auto nodes = store.list(rtype("", "nodes")).items;
    guarded([&] { syncNodeTaints(nodes); });
    for (const auto &o : store.list(rtype("apps", "statefulsets")).items)
        guarded([&] { syncStatefulSet(o); });
    for (const auto &o : store.list(rtype("apps", "daemonsets")).items)
        guarded([&] { syncDaemonSet(o, nodes); });
    const auto now = SysClock::now();
    for (const auto &o : store.list(rtype("batch", "cronjobs")).items)
        guarded([&] { syncCronJob(o, now); });
    for (const auto &o : store.list(rtype("batch", "jobs")).items)
        guarded([&] { syncJob(o); });
}

void WorkloadController::syncNodeTaints(const std::vector<ObjPtr> &nodes)
{
    // The node lifecycle controller mirrors spec.unschedulable as a NoSchedule taint.
    for (const auto &n : nodes) {
        const bool cordoned = boolAt(n->obj, "spec.unschedulable");
        const Json *taints = findPath(n->obj, "spec.taints");
        const bool tainted = taints && taints->is_array() &&
                             std::any_of(taints->begin(), taints->end(), [](const Json &t) { return t.value("key", "") == kUnschedulableTaint; });
        if (cordoned == tainted)
            continue;
        m_cluster.store().modify(rtype("", "nodes"), "", n->name, [&](Json &o) {
            Json kept = Json::array();
            if (const Json *ts = findPath(o, "spec.taints"); ts && ts->is_array())
                for (const auto &t : *ts)
                    if (t.value("key", "") != kUnschedulableTaint)
                        kept.push_back(t);
            if (cordoned)
                kept.push_back({{"key", kUnschedulableTaint}, {"effect", "NoSchedule"}, {"timeAdded", rfc3339Now()}});
            if (kept.empty())
                o["spec"].erase("taints");
            else
                o["spec"]["taints"] = kept;
            return true;
        });
    }
}

void WorkloadController::ensureRevision(const ResourceType &ownerType, const ObjPtr &owner, const Json &podTemplate,
                                        const std::string &name, const std::string &hash)
{
    const auto &crType = rtype("apps", "controllerrevisions");
    auto revisions = ownedBy(m_cluster.store(), *owner, crType);
    long long maxRevision = 0;
    ObjPtr existing;
    for (const auto &r : revisions) {
        maxRevision = std::max(maxRevision, intAt(r->obj, "revision", 0));
        if (r->name == name)
            existing = r;
    }
    if (existing) {
        if (intAt(existing->obj, "revision", 0) < maxRevision)
            m_cluster.store().modify(crType, owner->ns, name, [&](Json &o) {
                o["revision"] = maxRevision + 1;
                return true;
            });
        return;
    }
    Json labels = podTemplate.contains("metadata") ? podTemplate["metadata"].value("labels", Json::object()) : Json::object();
    labels["controller-revision-hash"] = hash;
    // The revision holds a patch that replaces the template, as the controllers' history does.
    Json tmpl = podTemplate;
    tmpl["$patch"] = "replace";
    Json revision = {{"metadata", {{"name", name}, {"namespace", owner->ns}, {"labels", labels},
                                   {"ownerReferences", Json::array({ownerRef(ownerType, *owner)})}}},
                     {"data", {{"spec", {{"template", tmpl}}}}},
                     {"revision", maxRevision + 1}};
    try {
        m_cluster.create(crType, owner->ns, revision, {"", "kube-controller-manager", false});
    } catch (const ApiException &e) {
        if (e.reason() != "AlreadyExists")
            throw;
    }
}

void WorkloadController::pruneRevisions(const ObjPtr &owner, const std::set<std::string> &inUse)
{
    const auto &crType = rtype("apps", "controllerrevisions");
    auto revisions = ownedBy(m_cluster.store(), *owner, crType);
    const long long limit = intAt(owner->obj, "spec.revisionHistoryLimit", 10);
    std::vector<ObjPtr> unused;
    for (const auto &r : revisions)
        if (!inUse.count(r->name))
            unused.push_back(r);
    std::sort(unused.begin(), unused.end(), [](const ObjPtr &a, const ObjPtr &b) { return intAt(a->obj, "revision", 0) < intAt(b->obj, "revision", 0); });
    for (size_t i = 0; static_cast<long long>(unused.size() - i) > limit; ++i)
        m_cluster.remove(crType, owner->ns, unused[i]->name);
}

void WorkloadController::syncStatefulSet(const ObjPtr &sts)
{
    if (terminating(sts->obj))
        return;
    const auto &stsType = rtype("apps", "statefulsets");
    const auto &podType = rtype("", "pods");
    const Json &s = sts->obj;
    const std::string &ns = sts->ns;
    const std::string &name = sts->name;
    const long long replicas = intAt(s, "spec.replicas", 1);
    const Json podTemplate = s["spec"].value("template", Json::object());
    const long long collisionCount = intAt(s, "status.collisionCount", 0);
    const std::string updateRevision = name + "-" + podTemplateHash(podTemplate, collisionCount);
    ensureRevision(stsType, sts, podTemplate, updateRevision, updateRevision);
    std::string currentRevision = stringAt(s, "status.currentRevision");
    if (currentRevision.empty())
        currentRevision = updateRevision;
    const bool monotonic = stringAt(s, "spec.podManagementPolicy", "OrderedReady") != "Parallel";
    const bool rollingUpdate = stringAt(s, "spec.updateStrategy.type", "RollingUpdate") == "RollingUpdate";
    const long long partition = intAt(s, "spec.updateStrategy.rollingUpdate.partition", 0);
    const std::string serviceName = stringAt(s, "spec.serviceName");

    std::map<long long, ObjPtr> byOrdinal;
    for (const auto &p : ownedBy(m_cluster.store(), *sts, podType))
        if (long long ord = statefulOrdinal(name, p->name); ord >= 0)
            byOrdinal[ord] = p;
    auto revisionOf = [](const ObjPtr &p) { return labelOf(p->obj, "controller-revision-hash"); };
    auto healthy = [](const ObjPtr &p) { return phaseOf(p->obj) == "Running" && podReady(p->obj); };
    const Json claimTemplates = s["spec"].value("volumeClaimTemplates", Json::array());
    const bool claimsGoWithSet = stringAt(s, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "Retain") == "Delete";
    const bool claimsGoOnScaleDown = stringAt(s, "spec.persistentVolumeClaimRetentionPolicy.whenScaled", "Retain") == "Delete";
    // Each volumeClaimTemplate gives ordinal N the claim <template>-<set>-<N>, made before its pod
    // and kept when the pod goes (unless the retention policy says Delete).
    auto ensureClaims = [&](const std::string &podName) {
        const auto &pvcType = rtype("", "persistentvolumeclaims");
        for (const auto &tmpl : claimTemplates) {
            const std::string claimName = stringAt(tmpl, "metadata.name") + "-" + podName;
            if (m_cluster.store().get(pvcType, ns, claimName))
                continue;
            Json labels = findPath(tmpl, "metadata.labels") ? *findPath(tmpl, "metadata.labels") : Json::object();
            if (const Json *ml = findPath(s, "spec.selector.matchLabels"); ml && ml->is_object())
                labels.update(*ml);
            Json claim = {{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"},
                          {"metadata", {{"name", claimName}, {"namespace", ns}, {"labels", labels}}},
                          {"spec", tmpl.value("spec", Json::object())}};
            if (const Json *ann = findPath(tmpl, "metadata.annotations"); ann && ann->is_object())
                claim["metadata"]["annotations"] = *ann;
            if (claimsGoWithSet)
                claim["metadata"]["ownerReferences"] = Json::array({ownerRef(stsType, *sts)});
            try {
                m_cluster.create(pvcType, ns, claim, {"", "kube-controller-manager", false});
            } catch (const ApiException &e) {
                if (e.reason() != "AlreadyExists")
                    throw;
                continue;
            }
            m_cluster.recordEvent(s, "Normal", "SuccessfulCreate",
                                  "create Claim " + claimName + " Pod " + podName + " in StatefulSet " + name + " success", "statefulset-controller");
        }
    };
    auto createPod = [&](long long ord) {
        const std::string podName = name + "-" + std::to_string(ord);
        ensureClaims(podName);
        Json pod = podFromTemplate(podTemplate);
        if (!claimTemplates.empty()) {
            Json volumes = Json::array();
            for (const auto &v : pod["spec"].value("volumes", Json::array()))
                if (std::none_of(claimTemplates.begin(), claimTemplates.end(), [&](const Json &t) { return stringAt(t, "metadata.name") == v.value("name", ""); }))
                    volumes.push_back(v);
            for (const auto &t : claimTemplates)
                volumes.push_back({{"name", stringAt(t, "metadata.name")},
                                   {"persistentVolumeClaim", {{"claimName", stringAt(t, "metadata.name") + "-" + podName}}}});
            pod["spec"]["volumes"] = volumes;
        }
        Json &meta = pod["metadata"];
        meta["name"] = podName;
        meta["namespace"] = ns;
        meta["labels"]["controller-revision-hash"] = updateRevision;
        meta["labels"]["statefulset.kubernetes.io/pod-name"] = podName;
        meta["labels"]["apps.kubernetes.io/pod-index"] = std::to_string(ord);
        meta["ownerReferences"] = Json::array({ownerRef(stsType, *sts)});
        pod["spec"]["hostname"] = podName;
        if (!serviceName.empty())
            pod["spec"]["subdomain"] = serviceName;
        try {
            m_cluster.create(podType, ns, pod, {"", "kube-controller-manager", false});
        } catch (const ApiException &e) {
            if (e.reason() != "AlreadyExists")
                throw;
            return;  // the previous pod of that name is still being removed
        }
        m_cluster.recordEvent(s, "Normal", "SuccessfulCreate", "create Pod " + podName + " in StatefulSet " + name + " successful",
                              "statefulset-controller");
    };
    auto deletePod = [&](const ObjPtr &p) {
        m_cluster.remove(podType, ns, p->name);
        m_cluster.recordEvent(s, "Normal", "SuccessfulDelete", "delete Pod " + p->name + " in StatefulSet " + name + " successful",
                              "statefulset-controller");
    };

    // OrderedReady: one step at a time, in ordinal order, each waiting for the one before to be
    // Running and Ready; Parallel: everything at once.
    bool waiting = false;
    for (long long ord = 0; ord < replicas && !waiting; ++ord) {
        auto it = byOrdinal.find(ord);
        if (it == byOrdinal.end()) {
            createPod(ord);
            waiting = monotonic;
            continue;
        }
        const ObjPtr &p = it->second;
        if (podFinished(p->obj) && !terminating(p->obj)) {
            deletePod(p);  // a failed pod is replaced under the same name
            waiting = monotonic;
            continue;
        }
        if (monotonic && !healthy(p))
            waiting = true;
    }
    // Scale down: highest ordinal first, each one gone before the next.
    if (!waiting)
        for (auto it = byOrdinal.rbegin(); it != byOrdinal.rend() && it->first >= replicas; ++it) {
            if (terminating(it->second->obj)) {
                if (monotonic)
                    break;
                continue;
            }
            deletePod(it->second);
            if (claimsGoOnScaleDown)
                for (const auto &t : claimTemplates)
                    try {
                        m_cluster.remove(rtype("", "persistentvolumeclaims"), ns, stringAt(t, "metadata.name") + "-" + it->second->name);
                    } catch (const ApiException &) {
                        // already gone
                    }
            if (monotonic)
                break;
        }
    // Rolling update: highest ordinal first, down to the partition, one pod at a time; the
    // replacement is created by the pass above once the old pod is gone.
    if (!waiting && rollingUpdate)
        for (long long ord = replicas - 1; ord >= partition; --ord) {
            auto it = byOrdinal.find(ord);
            if (it == byOrdinal.end())
                break;
            if (revisionOf(it->second) != updateRevision && !terminating(it->second->obj)) {
                deletePod(it->second);
                break;
            }
            if (!healthy(it->second))
                break;
        }

    long long count = 0, ready = 0, current = 0, updated = 0;
    for (const auto &[ord, p] : byOrdinal) {
        if (terminating(p->obj))
            continue;
        ++count;
        if (podReady(p->obj))
            ++ready;
        if (revisionOf(p) == currentRevision)
            ++current;
        if (revisionOf(p) == updateRevision)
            ++updated;
    }
    // completeRollingUpdate: every pod is at the update revision and ready.
    if (rollingUpdate && updated == count && ready == count && count == replicas) {
        currentRevision = updateRevision;
        current = updated;
    }
    pruneRevisions(sts, {currentRevision, updateRevision});
    Json status = {{"observedGeneration", intAt(s, "metadata.generation", 1)},
                   {"replicas", count},
                   {"readyReplicas", ready},
                   {"currentReplicas", current},
                   {"updatedReplicas", updated},
                   {"availableReplicas", ready},
                   {"currentRevision", currentRevision},
                   {"updateRevision", updateRevision},
                   {"collisionCount", collisionCount}};
    eraseZero(status, {"readyReplicas", "currentReplicas", "updatedReplicas"});
    writeStatus(m_cluster, stsType, *sts, status);
}

void WorkloadController::syncDaemonSet(const ObjPtr &ds, const std::vector<ObjPtr> &nodes)
{
    if (terminating(ds->obj))
        return;
    const auto &dsType = rtype("apps", "daemonsets");
    const auto &podType = rtype("", "pods");
    const Json &d = ds->obj;
    const std::string &ns = ds->ns;
    const std::string &name = ds->name;
    const Json podTemplate = d["spec"].value("template", Json::object());
    const long long collisionCount = intAt(d, "status.collisionCount", 0);
    const std::string hash = podTemplateHash(podTemplate, collisionCount);
    ensureRevision(dsType, ds, podTemplate, name + "-" + hash, hash);
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
        if (terminating(p->obj))
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
        meta["ownerReferences"] = Json::array({ownerRef(dsType, *ds)});
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
        if (podReady(p->obj)) {
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
        long long maxUnavailable = intOrPercent(findPath(d, "spec.updateStrategy.rollingUpdate.maxUnavailable"), desired, 1);
        for (const auto &p : oldReady) {
            if (unavailable >= maxUnavailable)
                break;
            deletePod(p);
            ++unavailable;
        }
    }
    pruneRevisions(ds, {name + "-" + hash});
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

void WorkloadController::syncJob(const ObjPtr &job)
{
    if (terminating(job->obj))
        return;
    const auto &jobType = rtype("batch", "jobs");
    const auto &podType = rtype("", "pods");
    const Json &j = job->obj;
    const std::string &ns = job->ns;
    const std::string &name = job->name;
    Json status = j.value("status", Json::object());
    if (!status.is_object())
        status = Json::object();
    struct Event {
        std::string type, reason, message;
    };
    std::vector<Event> events;

    std::vector<ObjPtr> active;
    long long succeeded = 0, failed = 0, readyPods = 0, restarts = 0;
    for (const auto &p : ownedBy(m_cluster.store(), *job, podType)) {
        const std::string phase = phaseOf(p->obj);
        // With restartPolicy OnFailure the kubelet restarts failed containers in place; those
        // restarts count against backoffLimit like failed pods.
        if (const Json *statuses = findPath(p->obj, "status.containerStatuses"); statuses && statuses->is_array())
            for (const auto &cs : *statuses)
                restarts += intAt(cs, "restartCount", 0);
        if (phase == "Succeeded")
            ++succeeded;
        else if (phase == "Failed")
            ++failed;
        else if (!terminating(p->obj)) {
            active.push_back(p);
            if (podReady(p->obj))
                ++readyPods;
        }
    }
    auto deletePod = [&](const ObjPtr &p) {
        m_cluster.remove(podType, ns, p->name);
        events.push_back({"Normal", "SuccessfulDelete", "Deleted pod: " + p->name});
    };
    auto deleteActive = [&] {
        for (const auto &p : active)
            deletePod(p);
        active.clear();
        readyPods = 0;
    };

    const bool finished = !jobFinishedCondition(j).empty();
    const bool suspended = boolAt(j, "spec.suspend");
    const Json *completionsField = findPath(j, "spec.completions");
    const bool workQueue = !completionsField || completionsField->is_null();
    const long long completions = workQueue ? 1 : completionsField->get<long long>();
    const long long parallelism = intAt(j, "spec.parallelism", 1);
    const long long backoffLimit = intAt(j, "spec.backoffLimit", 6);

    if (finished) {
        deleteActive();
    } else if (suspended) {
        deleteActive();
        if (setJobCondition(status, "Suspended", "True", "JobSuspended", "Job suspended"))
            events.push_back({"Normal", "Suspended", "Job suspended"});
    } else {
        if (conditionIs(j, "Suspended")) {
            setJobCondition(status, "Suspended", "False", "JobResumed", "Job resumed");
            events.push_back({"Normal", "Resumed", "Job resumed"});
            status["startTime"] = rfc3339Now();  // a resumed Job starts its clock again
        }
        if (!status.contains("startTime"))
            status["startTime"] = rfc3339Now();
        const bool complete = workQueue ? succeeded > 0 && active.empty() : succeeded >= completions;
        if (complete) {
            deleteActive();
            status["completionTime"] = rfc3339Now();
            setJobCondition(status, "Complete", "True", "", "");
            events.push_back({"Normal", "Completed", "Job completed"});
        } else if (const Json *deadline = findPath(j, "spec.activeDeadlineSeconds");
                   deadline && deadline->is_number_integer() &&
                   SysClock::now() - parseRfc3339(status.value("startTime", "")) > std::chrono::seconds(deadline->get<long long>())) {
            deleteActive();
            setJobCondition(status, "Failed", "True", "DeadlineExceeded", "Job was active longer than specified deadline");
            events.push_back({"Warning", "DeadlineExceeded", "Job was active longer than specified deadline"});
        } else if (failed + restarts > backoffLimit) {
            deleteActive();
            setJobCondition(status, "Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
            events.push_back({"Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit"});
        } else {
            const long long wanted = workQueue ? (succeeded > 0 ? 0 : parallelism) : std::min(parallelism, completions - succeeded);
            const Json podTemplate = j["spec"].value("template", Json::object());
            for (auto n = static_cast<long long>(active.size()); n < wanted; ++n) {
                Json pod = podFromTemplate(podTemplate);
                Json &meta = pod["metadata"];
                meta["generateName"] = name + "-";
                meta["namespace"] = ns;
                meta["ownerReferences"] = Json::array({ownerRef(jobType, *job)});
                // The simulated run time and exit code may be set on the Job for all its pods.
                for (const char *key : {kRunSecondsAnnotation, kExitCodeAnnotation})
                    if (std::string v = mapValue(j, "metadata.annotations", key); !v.empty() && mapValue(pod, "metadata.annotations", key).empty())
                        meta["annotations"][key] = v;
                ObjPtr created = m_cluster.create(podType, ns, pod, {"", "kube-controller-manager", false});
                active.push_back(created);
                events.push_back({"Normal", "SuccessfulCreate", "Created pod: " + created->name});
            }
            while (static_cast<long long>(active.size()) > wanted) {
                deletePod(active.back());
                active.pop_back();
            }
        }
    }
    status["active"] = static_cast<long long>(active.size());
    status["succeeded"] = succeeded;
    status["failed"] = failed;
    status["ready"] = readyPods;
    if (!status.contains("uncountedTerminatedPods"))
        status["uncountedTerminatedPods"] = Json::object();
    eraseZero(status, {"active", "succeeded", "failed"});
    writeStatus(m_cluster, jobType, *job, status);
    for (const auto &e : events)
        m_cluster.recordEvent(j, e.type, e.reason, e.message, "job-controller");
}

void WorkloadController::syncCronJob(const ObjPtr &cronJob, SysClock::time_point now)
{
    if (terminating(cronJob->obj))
        return;
    const auto &cjType = rtype("batch", "cronjobs");
    const auto &jobType = rtype("batch", "jobs");
    const Json &cj = cronJob->obj;
    const std::string &ns = cronJob->ns;
    const std::string &name = cronJob->name;
    Json status = cj.value("status", Json::object());
    if (!status.is_object())
        status = Json::object();
    auto record = [&](const char *type, const char *reason, const std::string &message) {
        m_cluster.recordEvent(cj, type, reason, message, "cronjob-controller");
    };

    // The active list keeps the Jobs that still run; finished ones update lastSuccessfulTime.
    const auto jobs = ownedBy(m_cluster.store(), *cronJob, jobType);
    std::map<std::string, ObjPtr> byUid;
    for (const auto &jb : jobs)
        byUid[jb->uid] = jb;
    Json active = Json::array();
    std::set<std::string> activeUids;
    if (const Json *list = findPath(status, "active"); list && list->is_array())
        for (const auto &ref : *list) {
            auto it = byUid.find(ref.value("uid", ""));
            if (it == byUid.end())
                continue;  // deleted meanwhile
            if (std::string cond = jobFinishedCondition(it->second->obj); !cond.empty()) {
                record("Normal", "SawCompletedJob", "Saw completed job: " + it->second->name + ", condition: " + cond);
                continue;
            }
            active.push_back(ref);
            activeUids.insert(ref.value("uid", ""));
        }
    std::vector<ObjPtr> succeededJobs, failedJobs;
    for (const auto &jb : jobs) {
        const std::string cond = jobFinishedCondition(jb->obj);
        if (cond.empty() && !activeUids.count(jb->uid) && !terminating(jb->obj) && m_reported.insert("unexpected/" + jb->uid).second)
            record("Warning", "UnexpectedJob", "Saw a job that the controller did not create or forgot: " + jb->name);
        if (cond == "Complete") {
            const std::string done = stringAt(jb->obj, "status.completionTime");
            if (!done.empty() && done > stringAt(status, "lastSuccessfulTime"))
                status["lastSuccessfulTime"] = done;
            succeededJobs.push_back(jb);
        } else if (cond == "Failed") {
            failedJobs.push_back(jb);
        }
    }
    // History limits: the oldest finished Jobs beyond them are deleted with their pods.
    auto prune = [&](std::vector<ObjPtr> &list, long long limit) {
        std::sort(list.begin(), list.end(), [](const ObjPtr &a, const ObjPtr &b) {
            return stringAt(a->obj, "status.startTime", stringAt(a->obj, "metadata.creationTimestamp")) <
                   stringAt(b->obj, "status.startTime", stringAt(b->obj, "metadata.creationTimestamp"));
        });
        for (size_t i = 0; static_cast<long long>(list.size() - i) > limit; ++i) {
            if (terminating(list[i]->obj))
                continue;
            m_cluster.remove(jobType, ns, list[i]->name, {{"propagationPolicy", "Background"}});
            record("Normal", "SuccessfulDelete", "Deleted job " + list[i]->name);
        }
    };
    prune(succeededJobs, intAt(cj, "spec.successfulJobsHistoryLimit", 3));
    prune(failedJobs, intAt(cj, "spec.failedJobsHistoryLimit", 1));

    std::string error;
    const auto schedule = CronSchedule::parse(stringAt(cj, "spec.schedule"), error);
    if (!schedule) {
        record("Warning", "InvalidSchedule", "invalid schedule: " + stringAt(cj, "spec.schedule") + " : " + error);
    } else if (!boolAt(cj, "spec.suspend")) {
        // The most recent scheduled time since the last run (or since creation) is due now; older
        // missed ones are not made up for. spec.timeZone is read as UTC (the controller's own zone).
        std::string since = stringAt(status, "lastScheduleTime");
        if (since.empty())
            since = stringAt(cj, "metadata.creationTimestamp");
        auto earliest = parseRfc3339(since);
        if (const Json *deadline = findPath(cj, "spec.startingDeadlineSeconds"); deadline && deadline->is_number_integer())
            earliest = std::max(earliest, now - std::chrono::seconds(deadline->get<long long>()));
        const auto due = schedule->previous(now);
        const std::string policy = stringAt(cj, "spec.concurrencyPolicy", "Allow");
        if (due && *due > earliest) {
            if (policy == "Forbid" && !active.empty()) {
                const std::string key = "forbid/" + cronJob->uid + "/" + rfc3339(*due);
                if (m_reported.insert(key).second)
                    record("Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
            } else {
                if (policy == "Replace")
                    for (const auto &ref : active) {
                        try {
                            m_cluster.remove(jobType, ns, ref.value("name", ""), {{"propagationPolicy", "Background"}});
                            record("Normal", "SuccessfulDelete", "Deleted job " + ref.value("name", ""));
                        } catch (const ApiException &) {
                        }
                    }
                if (policy == "Replace")
                    active = Json::array();
                const long long minutes = std::chrono::duration_cast<std::chrono::minutes>(due->time_since_epoch()).count();
                const std::string jobName = name + "-" + std::to_string(minutes);
                const Json jobTemplate = cj["spec"].value("jobTemplate", Json::object());
                Json meta = jobTemplate.value("metadata", Json::object());
                if (!meta.is_object())
                    meta = Json::object();
                meta["name"] = jobName;
                meta["namespace"] = ns;
                meta["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] = rfc3339(*due);
                meta["ownerReferences"] = Json::array({ownerRef(cjType, *cronJob)});
                Json job = {{"metadata", meta}, {"spec", jobTemplate.value("spec", Json::object())}};
                ObjPtr created;
                try {
                    created = m_cluster.create(jobType, ns, job, {"", "kube-controller-manager", false});
                    record("Normal", "SuccessfulCreate", "Created job " + jobName);
                } catch (const ApiException &e) {
                    if (e.reason() != "AlreadyExists")
                        throw;
                    created = m_cluster.store().get(jobType, ns, jobName);  // made by an earlier pass
                }
                if (created && !activeUids.count(created->uid) && jobFinishedCondition(created->obj).empty())
                    active.push_back({{"kind", "Job"}, {"namespace", ns}, {"name", created->name}, {"uid", created->uid},
                                      {"apiVersion", "batch/v1"}, {"resourceVersion", std::to_string(created->rv)}});
                status["lastScheduleTime"] = rfc3339(*due);
            }
        }
    }
    if (active.empty())
        status.erase("active");
    else
        status["active"] = active;
    writeStatus(m_cluster, cjType, *cronJob, status);
}

}  // namespace pilothouse::sim
