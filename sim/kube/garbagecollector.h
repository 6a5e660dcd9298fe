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
    // Sweeps only the dependents added since the last sweep: one that arrived after its owner
    // went is the orphan no deletion event will bring (the others went with their owner's event).
    void periodicResync() override { m_sweepAdded = true; }
    void observe(const WatchEvent &e) override;
    void reconcile() override;

private:
    void collectGarbage();
    void sweepOrphans();
    void sweepAdded();
    bool ownerExists(const StoredObject &dependent, const Json &ref) const;

    Cluster &m_cluster;
    std::set<int> m_ownerTypes;  // ResourceType::index
    std::set<std::string> m_deletedUids;
    bool m_started = false;
    bool m_sweep = false;
    bool m_sweepAdded = false;
    struct Added {
        int type;
        std::string ns, name;
        auto operator<=>(const Added &) const = default;
    };
    std::set<Added> m_added;  // dependents added since the last sweep
};

}  // namespace pilothouse::sim
