// The node lifecycle controller (kube-controller-manager's pkg/controller/nodelifecycle), its taint part.
#include "kube/nodelifecyclecontroller.h"

#include "kube/objectutil.h"
#include "kube/scheduling.h"

#include <algorithm>

namespace pilothouse::sim {

NodeLifecycleController::NodeLifecycleController(Cluster &cluster) : m_cluster(cluster) {}

void NodeLifecycleController::reconcile()
{
    // spec.unschedulable is mirrored as a NoSchedule taint.
    for (const auto &n : m_cluster.store().list(rtype("", "nodes")).items) {
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

}  // namespace pilothouse::sim
