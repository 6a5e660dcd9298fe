// Whether a pod may go to a node, as the scheduler's filters decide it: node selector, required
// node affinity (labels and the metadata.name field), taints against tolerations, cordon.
#pragma once

#include "common/simjson.h"

namespace pilothouse::sim {

// The taint a cordoned node carries (the node lifecycle controller writes it from spec.unschedulable).
inline constexpr const char *kUnschedulableTaint = "node.kubernetes.io/unschedulable";

bool toleratesTaint(const Json &tolerations, const Json &taint);
// Node selector and required node affinity only (what a DaemonSet checks to place its pods).
bool nodeMatchesPod(const Json &pod, const Json &node);
// Selector, affinity, and every NoSchedule/NoExecute taint tolerated; a cordoned node counts as
// tainted node.kubernetes.io/unschedulable:NoSchedule even before the taint is written.
bool podFitsNode(const Json &pod, const Json &node);

}  // namespace pilothouse::sim
