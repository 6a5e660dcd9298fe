// PersistentVolume binding and dynamic provisioning, after kube-controller-manager's
// pkg/controller/volume/persistentvolume and an external provisioner (sig-storage-lib-external-
// provisioner): the same phases, claimRef, annotations and events, so that `kubectl get pvc,pv` and
// `describe` read as they do on a cluster with a hostpath provisioner. No data is stored anywhere.
#include "kube/storagecontroller.h"

#include "kube/objectutil.h"
#include "kube/quantity.h"
#include "common/selectors.h"

#include <algorithm>
#include <limits>

namespace pilothouse::sim {

namespace {

long long storageBytes(const Json &o, const char *path)
{
    const Json *q = findPath(o, path);
    if (!q)
        return 0;
    return q->is_string() ? parseMemoryBytes(q->get<std::string>()) : q->is_number() ? q->get<long long>() : 0;
}

std::string className(const Json &o) { return stringAt(o, "spec.storageClassName"); }

// Whether a volume may serve a claim: class, mode, access modes, size, the claim's selector.
bool volumeFits(const Json &volume, const Json &claim)
{
    if (className(volume) != className(claim))
        return false;
    if (stringAt(volume, "spec.volumeMode", "Filesystem") != stringAt(claim, "spec.volumeMode", "Filesystem"))
        return false;
    const Json *have = findPath(volume, "spec.accessModes");
    if (const Json *want = findPath(claim, "spec.accessModes"); want && want->is_array())
        for (const auto &m : *want)
            if (!have || !have->is_array() || std::find(have->begin(), have->end(), m) == have->end())
                return false;
    if (storageBytes(volume, "spec.capacity.storage") < storageBytes(claim, "spec.resources.requests.storage"))
        return false;
    if (const Json *sel = findPath(claim, "spec.selector"); sel && sel->is_object() && !sel->empty())
        return LabelSelector::fromObject(*sel).matches(findPath(volume, "metadata.labels"));
    return true;
}

// A volume's claimRef points at this claim (by uid when it has one: a claim of the same name made
// again is another claim).
bool refersTo(const Json &volume, const StoredObject &claim)
{
    const Json *ref = findPath(volume, "spec.claimRef");
    if (!ref || !ref->is_object())
        return false;
    if (ref->value("namespace", "") != claim.ns || ref->value("name", "") != claim.name)
        return false;
    const std::string uid = ref->value("uid", "");
    return uid.empty() || uid == claim.uid;
}

}  // namespace

StorageController::StorageController(Cluster &cluster) : m_cluster(cluster) {}

void StorageController::recordOnce(const Json &involved, const std::string &type, const std::string &reason,
                                   const std::string &message, const std::string &component)
{
    if (m_reported.insert(stringAt(involved, "metadata.uid") + "/" + reason).second)
        m_cluster.recordEvent(involved, type, reason, message, component);
}

void StorageController::reconcile()
{
    auto &store = m_cluster.store();
    const auto claims = store.list(rtype("", "persistentvolumeclaims")).items;
    auto volumes = store.list(rtype("", "persistentvolumes")).items;
    if (claims.empty() && volumes.empty())
        return;
    auto guarded = [](auto &&fn) {
        try {
            fn();
        } catch (const ApiException &) {
            // A conflict or a vanished object: the next pass sees the new state.
        }
    };
    for (const auto &v : volumes)
        guarded([&] { syncVolume(v); });
    volumes = store.list(rtype("", "persistentvolumes")).items;
    for (const auto &c : claims)
        guarded([&] { syncClaim(c, volumes); });
}

void StorageController::syncVolume(const ObjPtr &volume)
{
    const auto &pvType = rtype("", "persistentvolumes");
    if (isTerminating(volume->obj))
        return;
    const Json &v = volume->obj;
    const std::string phase = stringAt(v, "status.phase", "Pending");
    const Json *ref = findPath(v, "spec.claimRef");
    auto setPhase = [&](const std::string &to, const std::string &message = {}) {
        m_cluster.store().modify(pvType, "", volume->name, [&](Json &o) {
            if (stringAt(o, "status.phase") == to)
                return false;
            o["status"] = {{"phase", to}, {"lastPhaseTransitionTime", rfc3339Now()}};
            if (!message.empty())
                o["status"]["message"] = message;
            return true;
        });
    };
    if (!ref || !ref->is_object()) {
        if (phase == "Pending")
            setPhase("Available");
        return;
    }
    // A claimRef without its claim: pre-bound and waiting (Available), or bound and released.
    ObjPtr claim = m_cluster.store().get(rtype("", "persistentvolumeclaims"), ref->value("namespace", ""), ref->value("name", ""));
    const bool claimGone = !claim || (!ref->value("uid", "").empty() && claim->uid != ref->value("uid", ""));
    if (!claimGone) {
        if (phase == "Pending")
            setPhase("Available");
        return;
    }
    if (phase == "Pending" || (phase == "Available" && ref->value("uid", "").empty()))
        return setPhase("Available");
    if (phase == "Bound")
        setPhase("Released");
    if (stringAt(v, "spec.persistentVolumeReclaimPolicy") == "Delete") {
        // The provisioner that made it deletes it; a volume made by hand under Delete is deleted too
        // (the in-tree deleter would), which is what an operator watching `kubectl get pv` expects.
        m_cluster.remove(pvType, "", volume->name);
    }
}

void StorageController::syncClaim(const ObjPtr &claim, const std::vector<ObjPtr> &volumes)
{
    const auto &pvcType = rtype("", "persistentvolumeclaims");
    const Json &c = claim->obj;
    if (isTerminating(c))
        return;
    const std::string phase = stringAt(c, "status.phase", "Pending");
    const std::string volumeName = stringAt(c, "spec.volumeName");
    if (phase == "Bound") {
        ObjPtr volume = m_cluster.store().get(rtype("", "persistentvolumes"), "", volumeName);
        if (volume && refersTo(volume->obj, *claim))
            return;
        m_cluster.store().modify(pvcType, claim->ns, claim->name, [&](Json &o) {
            o["status"]["phase"] = "Lost";
            return true;
        });
        m_cluster.recordEvent(c, "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
                              "persistentvolume-controller");
        return;
    }
    if (phase != "Pending")
        return;

    // A claim that names its volume binds to that one only.
    if (!volumeName.empty()) {
        for (const auto &v : volumes)
            if (v->name == volumeName && !isTerminating(v->obj)) {
                const Json *ref = findPath(v->obj, "spec.claimRef");
                if ((!ref || refersTo(v->obj, *claim)) && volumeFits(v->obj, c))
                    bind(claim, v->name, false);
                return;
            }
        return;
    }
    // A volume made or reserved for this claim, else the smallest free one that fits.
    ObjPtr best;
    for (const auto &v : volumes) {
        if (isTerminating(v->obj))
            continue;
        if (refersTo(v->obj, *claim)) {
            best = v;
            break;
        }
        if (findPath(v->obj, "spec.claimRef") || stringAt(v->obj, "status.phase") != "Available" || !volumeFits(v->obj, c))
            continue;
        if (!best || storageBytes(v->obj, "spec.capacity.storage") < storageBytes(best->obj, "spec.capacity.storage"))
            best = v;
    }
    if (best) {
        bind(claim, best->name, true);
        return;
    }

    const std::string cls = className(c);
    if (cls.empty()) {
        recordOnce(c, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set",
                   "persistentvolume-controller");
        return;
    }
    ObjPtr sc = m_cluster.store().get(rtype("storage.k8s.io", "storageclasses"), "", cls);
    if (!sc) {
        recordOnce(c, "Warning", "ProvisioningFailed", "storageclass.storage.k8s.io \"" + cls + "\" not found", "persistentvolume-controller");
        return;
    }
    const std::string provisioner = stringAt(sc->obj, "provisioner");
    if (stringAt(sc->obj, "volumeBindingMode", "Immediate") == "WaitForFirstConsumer" && annotationOf(c, kSelectedNodeAnnotation).empty()) {
        recordOnce(c, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding", "persistentvolume-controller");
        return;
    }
    if (provisioner != kSimProvisioner) {
        recordOnce(c, "Normal", "ExternalProvisioning",
                   "Waiting for a volume to be created either by the external provisioner '" + provisioner +
                       "' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
                   "persistentvolume-controller");
        return;
    }
    if (ObjPtr made = provision(claim, sc->obj))
        bind(claim, made->name, true);
}

ObjPtr StorageController::provision(const ObjPtr &claim, const Json &storageClass)
{
    const Json &c = claim->obj;
    const std::string component = std::string(kSimProvisioner) + "_pilothouse-sim";
    m_cluster.recordEvent(c, "Normal", "Provisioning", "External provisioner is provisioning volume for claim \"" + claim->ns + "/" + claim->name + "\"",
                          component);
    const std::string name = "pvc-" + claim->uid;
    Json spec = {{"accessModes", c["spec"].value("accessModes", Json::array())},
                 {"capacity", {{"storage", findPath(c, "spec.resources.requests.storage") ? *findPath(c, "spec.resources.requests.storage") : Json("0")}}},
                 {"claimRef", {{"kind", "PersistentVolumeClaim"}, {"apiVersion", "v1"}, {"namespace", claim->ns}, {"name", claim->name},
                               {"uid", claim->uid}, {"resourceVersion", stringAt(c, "metadata.resourceVersion")}}},
                 {"persistentVolumeReclaimPolicy", storageClass.value("reclaimPolicy", "Delete")},
                 {"storageClassName", stringAt(storageClass, "metadata.name")},
                 {"volumeMode", stringAt(c, "spec.volumeMode", "Filesystem")},
                 {"hostPath", {{"path", "/var/lib/pilothouse-sim/volumes/" + name}, {"type", "DirectoryOrCreate"}}}};
    if (storageClass.contains("mountOptions"))
        spec["mountOptions"] = storageClass["mountOptions"];
    // A volume made for a node's pod lives on that node, and pods of the claim follow it there.
    if (std::string node = annotationOf(c, kSelectedNodeAnnotation); !node.empty())
        spec["nodeAffinity"] = {{"required", {{"nodeSelectorTerms", Json::array({{{"matchFields", Json::array({{{"key", "metadata.name"}, {"operator", "In"},
                                                                                                               {"values", Json::array({node})}}})}}})}}}};
    Json volume = {{"apiVersion", "v1"}, {"kind", "PersistentVolume"},
                   {"metadata", {{"name", name}, {"annotations", {{"pv.kubernetes.io/provisioned-by", kSimProvisioner}}}}},
                   {"spec", spec}};
    ObjPtr made;
    try {
        made = m_cluster.create(rtype("", "persistentvolumes"), "", volume, {"", kSimProvisioner, false});
    } catch (const ApiException &e) {
        if (e.reason() != "AlreadyExists")
            throw;
        return m_cluster.store().get(rtype("", "persistentvolumes"), "", name);
    }
    m_cluster.recordEvent(c, "Normal", "ProvisioningSucceeded", "Successfully provisioned volume " + name, component);
    return made;
}

void StorageController::bind(const ObjPtr &claim, const std::string &volumeName, bool byController)
{
    auto &store = m_cluster.store();
    Json claimRef = {{"kind", "PersistentVolumeClaim"}, {"apiVersion", "v1"}, {"namespace", claim->ns}, {"name", claim->name},
                     {"uid", claim->uid}, {"resourceVersion", stringAt(claim->obj, "metadata.resourceVersion")}};
    ObjPtr volume = store.modify(rtype("", "persistentvolumes"), "", volumeName, [&](Json &o) {
        o["spec"]["claimRef"] = claimRef;
        if (byController)
            o["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] = "yes";
        o["status"] = {{"phase", "Bound"}, {"lastPhaseTransitionTime", rfc3339Now()}};
        return true;
    });
    store.modify(rtype("", "persistentvolumeclaims"), claim->ns, claim->name, [&](Json &o) {
        Json &ann = o["metadata"]["annotations"];
        ann["pv.kubernetes.io/bind-completed"] = "yes";
        if (byController)
            ann["pv.kubernetes.io/bound-by-controller"] = "yes";
        if (std::string by = annotationOf(volume->obj, "pv.kubernetes.io/provisioned-by"); !by.empty()) {
            ann["volume.beta.kubernetes.io/storage-provisioner"] = by;
            ann["volume.kubernetes.io/storage-provisioner"] = by;
        }
        o["spec"]["volumeName"] = volumeName;
        o["status"] = {{"phase", "Bound"}, {"accessModes", volume->obj["spec"].value("accessModes", Json::array())},
                       {"capacity", volume->obj["spec"].value("capacity", Json::object())}};
        return true;
    });
}

}  // namespace pilothouse::sim
