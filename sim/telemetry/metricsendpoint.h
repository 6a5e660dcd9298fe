// GET /metrics on the API server's port: the Prometheus text exposition of the simulated world's
// Istio standard metrics (the call graph driven by the load model), cAdvisor, kube-state-metrics and
// the Argo Rollouts controller's series.
#pragma once

#include "kube/apiserver.h"
#include "kube/cluster.h"
#include "telemetry/loadmodel.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pilothouse::sim {

// A generated mesh for benchmarks, served beside the scenario's (no Kubernetes objects behind it).
struct SyntheticMeshOptions {
    int services = 0;
    int edges = 0;
    int namespaces = 10;
};

// One edge of the call graph with its current rates (the control endpoint GET /sim/v1/mesh shows them).
struct MeshEdgeRate {
    std::string sourceNamespace, source;  // source "unknown": the traffic generator
    std::string destinationNamespace, destination;
    std::string protocol;  // http, grpc, tcp
    double rps = 0;
    double errorPercent = 0;  // over the destination's pods, weighted by their share
    double latencyMs = 0;     // median, over the destination's pods
};

class MetricsEndpoint {
public:
    // The scenario's call graph lives in the workloads' annotations (Deployments and Rollouts):
    static constexpr const char *kCallsAnnotation = "pilothouse.dev/mesh-calls";        // "cart=1.5,ns/name=0.2": calls per request
    static constexpr const char *kProtocolAnnotation = "pilothouse.dev/mesh-protocol";  // how callers reach it: http (default), grpc, tcp
    static constexpr const char *kLatencyAnnotation = "pilothouse.dev/mesh-latency-ms";  // median at rest
    // A blue-green preview takes this much synthetic traffic (smoke tests) from the traffic generator.
    static constexpr double kPreviewRps = 1.0;

    MetricsEndpoint(Cluster &cluster, const LoadModel &load, SyntheticMeshOptions synthetic = {});
    ~MetricsEndpoint();

    // The whole exposition; advances every counter by its rate since the previous call.
    std::string render();
    // The call graph's edges with their rates now (no counter advances).
    std::vector<MeshEdgeRate> edgeRates() const;

private:
    struct State;
    Cluster &m_cluster;
    const LoadModel &m_load;
    std::unique_ptr<State> m_state;
    mutable std::mutex m_mutex;
};

// Serves GET /metrics to any authenticated client and GET /sim/v1/mesh (the edges' rates) to sim-admin.
void installMetricsEndpoint(ApiServer &server, MetricsEndpoint &endpoint);

}  // namespace pilothouse::sim
