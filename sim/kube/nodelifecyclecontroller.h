// The node lifecycle controller's cordon taint: a node with spec.unschedulable gets the
// node.kubernetes.io/unschedulable:NoSchedule taint, and loses it when uncordoned.
#pragma once

#include "kube/controllermanager.h"

namespace pilothouse::sim {

class NodeLifecycleController : public Controller {
public:
    explicit NodeLifecycleController(Cluster &cluster);
    const char *name() const override { return "node lifecycle"; }
    void reconcile() override;

private:
    Cluster &m_cluster;
};

}  // namespace pilothouse::sim
