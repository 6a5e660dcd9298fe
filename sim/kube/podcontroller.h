// The scheduler and the kubelet of the simulated nodes: pods are bound to the least loaded node
// that fits them (and their volumes), then go through ContainerCreating, Running and Ready, run to
// completion when their restart policy says so, and stop gracefully when deleted.
#pragma once

#include "kube/controllermanager.h"
#include "kube/controlleroptions.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pilothouse::sim {

class PodController : public Controller {
public:
    PodController(Cluster &cluster, ControllerOptions options);
    const char *name() const override { return "pod"; }
    void resync() override;
    // Only the pods that are not yet bound, ready and running: one waiting for a node that fits
    // may find one without an event about the pod.
    void periodicResync() override;
    void observe(const WatchEvent &e) override;
    void reconcile() override;

private:
    using Clock = std::chrono::steady_clock;
    using Key = std::pair<std::string, std::string>;  // namespace, name

    void syncPod(const std::string &ns, const std::string &name);
    // Among the nodes that fit the pod (and, when its claims' volumes are tied to nodes, those too),
    // the one with the fewest pods; empty when none fits.
    std::string pickNode(const Json &pod, const Json &volumeTerms = Json::array());
    // The scheduler's VolumeBinding filter: why the pod cannot be placed because of its claims
    // (empty when it can), and the node selector terms of the volumes it is bound to.
    std::string volumeBlocker(const Json &pod, Json &volumeTerms, std::vector<std::string> &delayedClaims);
    static bool runsToCompletion(const Json &pod);
    double runSeconds(const Json &pod) const;

    Cluster &m_cluster;
    ControllerOptions m_options;
    std::set<Key> m_dirty;
    std::set<Key> m_unsettled;  // not bound, not ready, or terminating
    std::map<std::string, Clock::time_point> m_podDue;  // by "ns/name": when the next lifecycle step is due
    std::map<std::string, int> m_podsPerNode;
    std::set<std::string> m_stopping;  // pods whose containers were told to stop
    std::set<Key> m_waitingForClaims;  // unscheduled pods to retry when a claim changes
    unsigned m_nextPodIp = 1;
};

}  // namespace pilothouse::sim
