// The API resources the simulator serves, described once: discovery, routing and tables read this.
#pragma once

#include <string>
#include <vector>

namespace pilothouse::sim {

struct ResourceType {
    int index = -1;
    std::string group;     // "" for the core group
    std::string version;   // "v1"
    std::string plural;    // "deployments"
    std::string singular;  // "deployment"
    std::string kind;      // "Deployment"
    bool namespaced = true;
    std::vector<std::string> shortNames;
    std::vector<std::string> categories;
    std::vector<std::string> verbs;
    std::vector<std::string> subresources;  // "status", "scale", "log"
    bool customResource = false;           // CRD-backed: no strategic merge patch
    bool hasSpecGeneration = false;        // metadata.generation follows spec changes

    std::string groupVersion() const { return group.empty() ? version : group + "/" + version; }
    std::string listKind() const { return kind + "List"; }
    std::string qualifiedName() const { return group.empty() ? plural : plural + "." + group; }
    bool hasSubresource(const std::string &name) const;
};

class ResourceRegistry {
public:
    static const ResourceRegistry &instance();

    const std::vector<ResourceType> &all() const { return m_types; }
    const ResourceType *find(const std::string &group, const std::string &version, const std::string &plural) const;
    const ResourceType *byKind(const std::string &apiVersion, const std::string &kind) const;
    const ResourceType &require(const std::string &group, const std::string &plural) const;

    // Group versions in the order discovery lists them (core first, then by group).
    std::vector<std::string> groups() const;

private:
    ResourceRegistry();
    std::vector<ResourceType> m_types;
};

}  // namespace pilothouse::sim
