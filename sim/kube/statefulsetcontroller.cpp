// The StatefulSet controller (kube-controller-manager's pkg/controller/statefulset).
#include "kube/statefulsetcontroller.h"

#include "kube/objectutil.h"
#include "kube/workloadutil.h"

#include <algorithm>
#include <map>

namespace pilothouse::sim {

namespace {

long long statefulOrdinal(const std::string &setName, const std::string &podName)
{
    if (podName.size() <= setName.size() + 1 || podName.compare(0, setName.size() + 1, setName + "-") != 0)
        return -1;
    const std::string digits = podName.substr(setName.size() + 1);
    if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
        return -1;
    return std::stoll(digits);
}

}  // namespace

StatefulSetController::StatefulSetController(Cluster &cluster) : m_cluster(cluster) {}

void StatefulSetController::reconcile()
{
    for (const auto &o : m_cluster.store().list(rtype("apps", "statefulsets")).items)
        guarded([&] { syncStatefulSet(o); });
}

void StatefulSetController::syncStatefulSet(const ObjPtr &sts)
{
    if (isTerminating(sts->obj))
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
    ensureRevision(m_cluster, stsType, sts, podTemplate, updateRevision, updateRevision);
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
    auto healthy = [](const ObjPtr &p) { return phaseOf(p->obj) == "Running" && isPodReadyNotTerminating(p->obj); };
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
                claim["metadata"]["ownerReferences"] = Json::array({controllerOwnerRef(stsType, *sts)});
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
        meta["ownerReferences"] = Json::array({controllerOwnerRef(stsType, *sts)});
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
        if (podFinished(p->obj) && !isTerminating(p->obj)) {
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
            if (isTerminating(it->second->obj)) {
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
            if (revisionOf(it->second) != updateRevision && !isTerminating(it->second->obj)) {
                deletePod(it->second);
                break;
            }
            if (!healthy(it->second))
                break;
        }

    long long count = 0, ready = 0, current = 0, updated = 0;
    for (const auto &[ord, p] : byOrdinal) {
        if (isTerminating(p->obj))
            continue;
        ++count;
        if (isPodReadyNotTerminating(p->obj))
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
    pruneRevisions(m_cluster, sts, {currentRevision, updateRevision});
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

}  // namespace pilothouse::sim
