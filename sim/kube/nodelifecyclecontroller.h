// The node lifecycle controller's cordon taint: a node with spec.unschedulable gets the
// node.kubernetes.io/unschedulable:NoSchedule taint, and loses it when uncordoned.
#pragma once

#include "kube/controllermanager.h"

#include <set>
#include <string>

namespace pilothouse::sim {

class NodeLifecycleController : public Controller {
public:
    explicit NodeLifecycleController(Cluster &cluster);
    const char *name() const override { return "node lifecycle"; }
    void resync() override { m_all = true; }
    void periodicResync() override {}  // the taint follows spec.unschedulable: nothing is due without a node event
    void observe(const WatchEvent &e) override;
    void reconcile() override;

private:
    void syncNode(const ObjPtr &node);

    Cluster &m_cluster;
    bool m_all = true;
    std::set<std::string> m_dirty;  // nodes changed since the last pass
};

}  // namespace pilothouse::sim
