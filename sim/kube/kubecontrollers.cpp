// The built-in control loops, in pass order.
#include "kube/kubecontrollers.h"

#include "kube/daemonsetcontroller.h"
#include "kube/deploymentcontroller.h"
#include "kube/endpointscontroller.h"
#include "kube/garbagecollector.h"
#include "kube/hpacontroller.h"
#include "kube/jobcontroller.h"
#include "kube/namespacecontroller.h"
#include "kube/nodelifecyclecontroller.h"
#include "kube/podcontroller.h"
#include "kube/policycontroller.h"
#include "kube/statefulsetcontroller.h"
#include "kube/storagecontroller.h"

namespace pilothouse::sim {

KubeControllers addKubeControllers(ControllerManager &manager, Cluster &cluster, const ControllerOptions &options,
                                   const PodMetricsSource *metrics)
{
    manager.emplace<StorageController>(cluster);
    manager.emplace<PodController>(cluster, options);
    manager.emplace<DeploymentController>(cluster);
    manager.emplace<EndpointsController>(cluster);
    auto &gc = manager.emplace<GarbageCollector>(cluster);
    manager.emplace<NamespaceController>(cluster);
    manager.emplace<HpaController>(cluster, options, metrics);
    manager.emplace<NodeLifecycleController>(cluster);
    manager.emplace<StatefulSetController>(cluster);
    manager.emplace<DaemonSetController>(cluster);
    manager.emplace<JobController>(cluster);
    manager.emplace<PolicyController>(cluster);
    return {gc};
}

}  // namespace pilothouse::sim
