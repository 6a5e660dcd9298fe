// What the resource metrics pipeline knows of pods: their CPU and memory use. The HPA controller
// reads it; the load model (telemetry/loadmodel.h) provides it.
#pragma once

#include "kube/objectstore.h"

#include <string>
#include <vector>

namespace pilothouse::sim {

struct ContainerUsage {
    std::string name;
    long long cpuMillis = 0;
    long long memoryBytes = 0;
};

struct PodUsage {
    ObjPtr pod;
    std::vector<ContainerUsage> containers;
    long long cpuMillis() const;
    long long memoryBytes() const;
};

class PodMetricsSource {
public:
    virtual ~PodMetricsSource() = default;
    // Usage of the running pods of a namespace ("" for all).
    virtual std::vector<PodUsage> podUsage(const ObjectStore &store, const std::string &ns) const = 0;
};

}  // namespace pilothouse::sim
