// The garbage collector: dependents of a deleted owner go (in the background), foreground and
// orphan deletions are carried out, and a periodic sweep removes objects whose owners are gone.
#pragma once

#include "kube/controllermanager.h"

#include <set>
#include <string>
#include <vector>

namespace pilothouse::sim {

class GarbageCollector : public Controller {
public:
    explicit GarbageCollector(Cluster &cluster);
    const char *name() const override { return "garbage collector"; }
    // Objects of this type own others (a custom resource's controller registers its kind).
    void addOwnerType(const ResourceType &t);
    void resync() override;
    void observe(const WatchEvent &e) override;
    void reconcile() override;

private:
    void collectGarbage();
    void sweepOrphans();

    Cluster &m_cluster;
    std::set<int> m_ownerTypes;  // ResourceType::index
    std::set<std::string> m_deletedUids;
    bool m_started = false;
    bool m_sweep = false;
};

}  // namespace pilothouse::sim
