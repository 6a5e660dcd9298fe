// The status writers of the namespace policy kinds: ResourceQuota (status.hard and status.used)
// and PodDisruptionBudget (healthy pods and allowed disruptions). Neither one refuses anything:
// the simulator has no quota admission and no eviction API, so quotas and budgets are reported,
// not enforced.
#pragma once

#include "kube/controllermanager.h"

#include <chrono>

namespace pilothouse::sim {

class PolicyController : public Controller {
public:
    explicit PolicyController(Cluster &cluster);

    // Recomputes every quota's and budget's status at most twice a second (they count pods, which
    // change all the time); writes only what changed.
    const char *name() const override { return "policy"; }
    void reconcile() override;

private:
    void syncQuota(const ObjPtr &quota);
    void syncBudget(const ObjPtr &budget);

    Cluster &m_cluster;
    std::chrono::steady_clock::time_point m_last{};
};

}  // namespace pilothouse::sim
