// The persistent volume controller and the simulator's own dynamic provisioner: claims bind to
// matching volumes, a claim of a StorageClass whose provisioner is kSimProvisioner gets a volume
// made for it (at once, or once a pod is scheduled for WaitForFirstConsumer classes), volumes of
// deleted claims are released and, under the Delete policy, removed.
#pragma once

#include "kube/controllermanager.h"

#include <set>
#include <string>

namespace pilothouse::sim {

inline constexpr const char *kSimProvisioner = "sim.pilothouse.dev/hostpath";
// The scheduler's note on a claim of a WaitForFirstConsumer class: the node its first pod goes to.
inline constexpr const char *kSelectedNodeAnnotation = "volume.kubernetes.io/selected-node";

class StorageController : public Controller {
public:
    explicit StorageController(Cluster &cluster);

    // One pass over every PersistentVolume and PersistentVolumeClaim (they are few); the
    // controller manager runs it each tick, before the scheduler, so that a claim made in one pass
    // is bound when its pod is scheduled in the next.
    const char *name() const override { return "persistentvolume"; }
    void reconcile() override;

private:
    void syncClaim(const ObjPtr &claim, const std::vector<ObjPtr> &volumes);
    void bind(const ObjPtr &claim, const std::string &volumeName, bool byController);
    ObjPtr provision(const ObjPtr &claim, const Json &storageClass);
    void syncVolume(const ObjPtr &volume);
    // Records an event once per object and reason: the pass runs every tick.
    void recordOnce(const Json &involved, const std::string &type, const std::string &reason, const std::string &message,
                    const std::string &component);

    Cluster &m_cluster;
    std::set<std::string> m_reported;
};

}  // namespace pilothouse::sim
