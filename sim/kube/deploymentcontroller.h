// The ReplicaSet and Deployment controllers: ReplicaSets keep their number of pods, Deployments
// roll their template out through ReplicaSets named by the pod-template-hash (RollingUpdate and
// Recreate), with revisions, progress conditions and the events kubectl describe shows.
#pragma once

#include "kube/controllermanager.h"

#include <set>
#include <string>
#include <utility>

namespace pilothouse::sim {

class DeploymentController : public Controller {
public:
    explicit DeploymentController(Cluster &cluster);
    const char *name() const override { return "deployment"; }
    void resync() override;
    // Only the Deployments and ReplicaSets whose status does not yet say they are done: syncing
    // thousands of settled ones every period found nothing to do.
    void periodicResync() override;
    void observe(const WatchEvent &e) override;
    void reconcile() override;

private:
    using Key = std::pair<std::string, std::string>;  // namespace, name
    void syncReplicaSet(const std::string &ns, const std::string &name);
    void syncDeployment(const std::string &ns, const std::string &name);

    Cluster &m_cluster;
    std::set<Key> m_dirtyReplicaSets, m_dirtyDeployments;
};

}  // namespace pilothouse::sim
