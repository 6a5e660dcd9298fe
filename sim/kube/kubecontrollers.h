// The loops of kube-controller-manager, the scheduler and the kubelet, registered with a
// controller manager in the order a pass runs them.
#pragma once

#include "kube/controllermanager.h"
#include "kube/controlleroptions.h"
#include "kube/metricssource.h"

namespace pilothouse::sim {

class GarbageCollector;

struct KubeControllers {
    GarbageCollector &garbageCollector;  // custom resources that own objects register their kind here
};

// Volumes first (a claim made in one pass is bound before its pod is scheduled), then pods,
// ReplicaSets and Deployments, Endpoints, garbage collection, namespaces, HPAs (reading
// `metrics`, which may be null), node taints, StatefulSets, DaemonSets, Jobs and CronJobs,
// quotas and disruption budgets.
KubeControllers addKubeControllers(ControllerManager &manager, Cluster &cluster, const ControllerOptions &options,
                                   const PodMetricsSource *metrics);

}  // namespace pilothouse::sim
