// The simulated world: scenario files (multi-document YAML of Kubernetes manifests), the objects
// every cluster has, and generated benchmark pods.
#pragma once

#include "common/simjson.h"

#include <string>
#include <vector>

namespace pilothouse::sim {

class Cluster;

// Reads every document of a scenario file; throws std::runtime_error naming the file and line.
std::vector<Json> loadScenarioFile(const std::string &path);

// Creates the scenario's objects in order (namespaces first), returning how many were created.
size_t applyScenario(Cluster &cluster, const std::vector<Json> &objects, std::string &warnings);

// Adds `count` realistic running pods (8-12 KB of JSON each, managedFields included) spread over
// many namespaces and nodes, owned by generated Deployments and ReplicaSets.
void addBenchmarkPods(Cluster &cluster, size_t count);

// What a new cluster has before any scenario: the four namespaces, the kubernetes Service and
// Endpoints (pointing at `apiPort`), and the RBAC objects of the two identities the simulator knows.
void createSystemObjects(Cluster &cluster, int apiPort);
// After the scenario: a default ServiceAccount in every namespace, and three nodes unless the
// scenario brought its own.
void ensureDefaultObjects(Cluster &cluster);

}  // namespace pilothouse::sim
