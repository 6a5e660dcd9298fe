// The Endpoints controller: each Service with a selector gets the addresses of its pods, ready
// and not ready, with their ports resolved by name.
#pragma once

#include "kube/controllermanager.h"

#include <set>
#include <string>

namespace pilothouse::sim {

class EndpointsController : public Controller {
public:
    explicit EndpointsController(Cluster &cluster);
    const char *name() const override { return "endpoints"; }
    void resync() override;
    void observe(const WatchEvent &e) override;
    void reconcile() override;

private:
    void syncEndpoints(const std::string &ns);

    Cluster &m_cluster;
    std::set<std::string> m_dirtyNamespaces;
};

}  // namespace pilothouse::sim
