// The Argo Rollouts controller of the simulated cluster: blue-green and canary Rollouts over
// ReplicaSets and Services, and the AnalysisRuns that measure a new revision's success rate.
#pragma once

#include "kube/controllermanager.h"

#include <chrono>
#include <string>

namespace pilothouse::sim {

class LoadModel;

// Labels and annotations the real controller writes (argo-rollouts pkg/apis/rollouts/v1alpha1).
inline constexpr const char *kRolloutHashLabel = "rollouts-pod-template-hash";
inline constexpr const char *kRolloutRevisionAnnotation = "rollout.argoproj.io/revision";
inline constexpr const char *kRolloutRevisionHistoryAnnotation = "rollout.argoproj.io/revision-history";
inline constexpr const char *kRolloutDesiredReplicasAnnotation = "rollout.argoproj.io/desired-replicas";
inline constexpr const char *kScaleDownDeadlineAnnotation = "scale-down-deadline";
inline constexpr const char *kManagedByRolloutsAnnotation = "argo-rollouts.argoproj.io/managed-by-rollouts";

// Evaluates an AnalysisTemplate condition such as "result[0] >= 0.95" against one measured value
// (comparisons joined by && or ||, left to right). Empty `error` on success.
bool evaluateAnalysisCondition(const std::string &condition, double value, std::string &error);

class RolloutController : public Controller {
public:
    // AnalysisRuns measure the error rate the load model simulates for a revision's images.
    RolloutController(Cluster &cluster, const LoadModel &load);
    const char *name() const override { return "argo-rollouts"; }

    // One pass over every Rollout and every running AnalysisRun, each tick. Rollouts are few, so
    // each pass looks at all of them.
    void reconcile() override;

private:
    void syncRollout(const std::string &ns, const std::string &name);
    void syncAnalysisRun(const std::string &ns, const std::string &name);

    Cluster &m_cluster;
    const LoadModel &m_load;
};

}  // namespace pilothouse::sim
