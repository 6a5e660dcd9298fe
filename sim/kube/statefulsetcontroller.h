// The StatefulSet controller: ordinal pods with stable names, created and replaced in order,
// ordered rolling updates by ControllerRevision, and the status kubectl rollout status reads.
#pragma once

#include "kube/controllermanager.h"

namespace pilothouse::sim {

class StatefulSetController : public Controller {
public:
    explicit StatefulSetController(Cluster &cluster);
    const char *name() const override { return "statefulset"; }
    void reconcile() override;

private:
    void syncStatefulSet(const ObjPtr &sts);
    Cluster &m_cluster;
};

}  // namespace pilothouse::sim
