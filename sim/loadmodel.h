// The simulated workload: requests per second per Deployment, and the CPU and memory its pods use
// under that load. metrics.k8s.io and the HPA controller both read their numbers from here.
#pragma once

#include "objectstore.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace pilothouse::sim {

// Kubernetes quantities: "250m" / "0.5" / "2" cores as millicores, "64Mi" / "1G" as bytes.
long long parseCpuMillis(const std::string &q);
long long parseMemoryBytes(const std::string &q);

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

class LoadModel {
public:
    static constexpr const char *kRpsAnnotation = "pilothouse.dev/load-rps";
    static constexpr const char *kCostAnnotation = "pilothouse.dev/cpu-per-request-millicores";
    static constexpr long long kBaseCpuMillis = 20;
    static constexpr long long kNodeBaseCpuMillis = 150;
    static constexpr long long kNodeBaseMemoryBytes = 600LL * 1024 * 1024;

    // Sets the load of a Deployment at run time; it wins over the scenario's annotation.
    void setRps(const std::string &ns, const std::string &deployment, double rps);
    // The load of a Deployment: the run-time value, else its annotation, else 0.
    double rps(const Json &deployment) const;

    // Usage of the running pods of a namespace ("" for all). Pods that are not running have no
    // metrics, as metrics-server has none for them; running pods that are not ready use no CPU.
    std::vector<PodUsage> podUsage(const ObjectStore &store, const std::string &ns) const;

private:
    mutable std::mutex m_mutex;
    std::map<std::string, double> m_rps;  // "ns/name"
};

}  // namespace pilothouse::sim
