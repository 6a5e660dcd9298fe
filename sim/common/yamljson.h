// YAML documents as JSON values, resolved as Kubernetes resolves them (sigs.k8s.io/yaml).
#pragma once

#include "common/simjson.h"

namespace YAML {
class Node;
}

namespace pilothouse::sim {

Json yamlToJson(const YAML::Node &node);

}  // namespace pilothouse::sim
