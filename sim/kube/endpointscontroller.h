// The Endpoints controller: each Service with a selector gets the addresses of its pods, ready
// and not ready, with their ports resolved by name.
#pragma once

#include "kube/controllermanager.h"

#include <map>
#include <set>
#include <string>
#include <utility>

namespace pilothouse::sim {

class EndpointsController : public Controller {
public:
    explicit EndpointsController(Cluster &cluster);
    const char *name() const override { return "endpoints"; }
    void resync() override;
    // The pod and Service indexes follow the events: every namespace is synced again from them,
    // without walking every pod.
    void periodicResync() override;
    void observe(const WatchEvent &e) override;
    void reconcile() override;

private:
    using Key = std::pair<std::string, std::string>;  // namespace, name
    // Every Service of the namespace, and the Endpoints left from Services that are gone.
    void syncNamespace(const std::string &ns);
    void syncService(const std::string &ns, const std::string &name);
    void indexPod(const StoredObject &pod, int delta);
    void indexService(const StoredObject &svc, int delta);
    // The Services whose selector matches the pod's labels are dirty.
    void markServicesOf(const StoredObject &pod);

    Cluster &m_cluster;
    // Only what changed is synced: a namespace of a thousand Services and ten thousand pods would
    // otherwise cost Services × pods selector matches for every pod event.
    std::set<std::string> m_dirtyNamespaces;  // after a resync: every Service
    std::set<Key> m_dirtyServices;
    // Namespace -> "key=value" -> names: pods by each label, Services by the first pair of their selector.
    std::map<std::string, std::map<std::string, std::set<std::string>>> m_podsByLabel, m_servicesByLabel;
};

}  // namespace pilothouse::sim
