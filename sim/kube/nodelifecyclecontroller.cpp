// The node lifecycle controller (kube-controller-manager's pkg/controller/nodelifecycle), its taint part.
#include "kube/nodelifecyclecontroller.h"

#include "kube/objectutil.h"
#include "kube/scheduling.h"

#include <algorithm>

namespace pilothouse::sim {

NodeLifecycleController::NodeLifecycleController(Cluster &cluster) : m_cluster(cluster) {}

void NodeLifecycleController::observe(const WatchEvent &e)
{
    static const int nodeIdx = rtype("", "nodes").index;
    if (e.type == nodeIdx && e.kind != EventKind::Deleted)
        m_dirty.insert(e.obj->name);
}

void NodeLifecycleController::reconcile()
{
    // Only the nodes that changed: at rest, a thousand nodes cost nothing per pass.
    const auto &nodeType = rtype("", "nodes");
    if (m_all) {
        m_all = false;
        m_dirty.clear();
        for (const auto &n : m_cluster.store().list(nodeType).items)
            guarded([&] { syncNode(n); });
        return;
    }
    auto dirty = std::move(m_dirty);
    m_dirty.clear();
    for (const auto &name : dirty)
        if (ObjPtr n = m_cluster.store().get(nodeType, "", name))
            guarded([&] { syncNode(n); });
}

void NodeLifecycleController::syncNode(const ObjPtr &n)
{
    // spec.unschedulable is mirrored as a NoSchedule taint.
    const bool cordoned = boolAt(n->obj, "spec.unschedulable");
    const Json *taints = findPath(n->obj, "spec.taints");
    const bool tainted = taints && taints->is_array() &&
                         std::any_of(taints->begin(), taints->end(), [](const Json &t) { return t.value("key", "") == kUnschedulableTaint; });
    if (cordoned == tainted)
        return;
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

}  // namespace pilothouse::sim
