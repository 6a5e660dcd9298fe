// Helpers of the workload controllers.
#include "kube/workloadutil.h"

#include "kube/objectutil.h"

#include <algorithm>
#include <vector>

namespace pilothouse::sim {

bool isPodReadyNotTerminating(const Json &pod) { return !isTerminating(pod) && isPodReady(pod); }

std::string phaseOf(const Json &pod) { return stringAt(pod, "status.phase", "Pending"); }

bool podFinished(const Json &pod)
{
    const std::string phase = phaseOf(pod);
    return phase == "Succeeded" || phase == "Failed";
}

Json podFromTemplate(const Json &podTemplate)
{
    Json meta = podTemplate.value("metadata", Json::object());
    if (!meta.is_object())
        meta = Json::object();
    return {{"metadata", meta}, {"spec", podTemplate.value("spec", Json::object())}};
}

void writeStatus(Cluster &cluster, const ResourceType &t, const StoredObject &o, const Json &status)
{
    cluster.store().modify(t, o.ns, o.name, [&](Json &obj) {
        if (obj.value("status", Json()) == status)
            return false;
        obj["status"] = status;
        return true;
    });
}

void eraseZero(Json &status, std::initializer_list<const char *> fields)
{
    for (const char *f : fields)
        if (status.contains(f) && status[f] == 0)
            status.erase(f);
}

void ensureRevision(Cluster &cluster, const ResourceType &ownerType, const ObjPtr &owner, const Json &podTemplate,
                    const std::string &name, const std::string &hash)
{
    const auto &crType = rtype("apps", "controllerrevisions");
    auto revisions = ownedBy(cluster.store(), *owner, crType);
    long long maxRevision = 0;
    ObjPtr existing;
    for (const auto &r : revisions) {
        maxRevision = std::max(maxRevision, intAt(r->obj, "revision", 0));
        if (r->name == name)
            existing = r;
    }
    if (existing) {
        if (intAt(existing->obj, "revision", 0) < maxRevision)
            cluster.store().modify(crType, owner->ns, name, [&](Json &o) {
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
                                   {"ownerReferences", Json::array({controllerOwnerRef(ownerType, *owner)})}}},
                     {"data", {{"spec", {{"template", tmpl}}}}},
                     {"revision", maxRevision + 1}};
    try {
        cluster.create(crType, owner->ns, revision, {"", "kube-controller-manager", false});
    } catch (const ApiException &e) {
        if (e.reason() != "AlreadyExists")
            throw;
    }
}
void pruneRevisions(Cluster &cluster, const ObjPtr &owner, const std::set<std::string> &inUse)
{
    const auto &crType = rtype("apps", "controllerrevisions");
    auto revisions = ownedBy(cluster.store(), *owner, crType);
    const long long limit = intAt(owner->obj, "spec.revisionHistoryLimit", 10);
    std::vector<ObjPtr> unused;
    for (const auto &r : revisions)
        if (!inUse.count(r->name))
            unused.push_back(r);
    std::sort(unused.begin(), unused.end(), [](const ObjPtr &a, const ObjPtr &b) { return intAt(a->obj, "revision", 0) < intAt(b->obj, "revision", 0); });
    for (size_t i = 0; static_cast<long long>(unused.size() - i) > limit; ++i)
        cluster.remove(crType, owner->ns, unused[i]->name);
}

}  // namespace pilothouse::sim
