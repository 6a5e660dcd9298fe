// The DaemonSet controller: a pod on each node that fits the template (with the tolerations the
// controller adds), rolling updates by ControllerRevision, and the status kubectl reads.
#pragma once

#include "kube/controllermanager.h"

#include <vector>

namespace pilothouse::sim {

class DaemonSetController : public Controller {
public:
    explicit DaemonSetController(Cluster &cluster);
    const char *name() const override { return "daemonset"; }
    void reconcile() override;

private:
    void syncDaemonSet(const ObjPtr &ds, const std::vector<ObjPtr> &nodes);
    Cluster &m_cluster;
};

}  // namespace pilothouse::sim
