// Scenario files (multi-document YAML of Kubernetes manifests) and generated benchmark pods.
#pragma once

#include "simjson.h"

#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace pilothouse::sim {

class Cluster;

Json yamlToJson(const YAML::Node &node);

// Reads every document of a scenario file; throws std::runtime_error naming the file and line.
std::vector<Json> loadScenarioFile(const std::string &path);

// Creates the scenario's objects in order (namespaces first), returning how many were created.
size_t applyScenario(Cluster &cluster, const std::vector<Json> &objects, std::string &warnings);

// Adds `count` realistic running pods (8-12 KB of JSON each, managedFields included) spread over
// many namespaces and nodes, owned by generated Deployments and ReplicaSets.
void addBenchmarkPods(Cluster &cluster, size_t count);

}  // namespace pilothouse::sim
