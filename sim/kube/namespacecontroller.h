// The namespace controller: a Namespace being deleted empties itself, then goes.
#pragma once

#include "kube/controllermanager.h"

#include <set>
#include <string>

namespace pilothouse::sim {

class NamespaceController : public Controller {
public:
    explicit NamespaceController(Cluster &cluster);
    const char *name() const override { return "namespace"; }
    void resync() override;
    void observe(const WatchEvent &e) override;
    void reconcile() override;

private:
    void syncNamespace(const std::string &name);

    Cluster &m_cluster;
    std::set<std::string> m_dirty;
};

}  // namespace pilothouse::sim
