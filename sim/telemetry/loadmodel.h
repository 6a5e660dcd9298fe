// The simulated workload: requests per second per Deployment, and the CPU and memory its pods use
// under that load. metrics.k8s.io and the HPA controller both read their numbers from here.
#pragma once

#include "kube/metricssource.h"

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace pilothouse::sim {

class LoadModel : public PodMetricsSource {
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

    // The simulated HTTP error percentage of pods running `image` in a namespace (0 unless set):
    // the AnalysisRuns of the Argo Rollouts controller measure the success rate from it.
    void setErrorPercent(const std::string &ns, const std::string &image, double percent);
    double errorPercent(const std::string &ns, const std::string &image) const;

    // The CPU one request costs a Deployment's pods: its annotation, else 2 millicores.
    double cpuPerRequestMillis(const Json &deployment) const;

    // The requests per second each ready pod of a Deployment serves (its load over its ready
    // replicas), as (first second it applies, rate) change points: the pods' access logs are
    // written from it for any past second, so it must not change behind them.
    using RateHistory = std::vector<std::pair<long long, double>>;
    // Samples every Deployment, and drops the histories of those that are gone. A change seen at
    // wall time t applies from the second after t, so a second is never rewritten once it began.
    void recordPodRates(const ObjectStore &store, std::chrono::system_clock::time_point now);
    // Samples only the Deployments named ("ns/name": those whose object changed) and those whose
    // load setRps changed since the last sample; a named one that is gone loses its history. The pod
    // rate sampler (telemetryapi.cpp) calls it at most twice a second, and only when something
    // changed: a cluster at rest with thousands of Deployments costs nothing here.
    void recordPodRates(const ObjectStore &store, std::chrono::system_clock::time_point now, const std::set<std::string> &changed);
    RateHistory podRateHistory(const std::string &ns, const std::string &deployment) const;
    // The rate of a history in a second (epoch seconds): 0 before its first point.
    static double rateAt(const RateHistory &history, long long second);

    // Usage of the running pods of a namespace ("" for all). Pods that are not running have no
    // metrics, as metrics-server has none for them; running pods that are not ready use no CPU.
    std::vector<PodUsage> podUsage(const ObjectStore &store, const std::string &ns) const override;

private:
    mutable std::mutex m_mutex;
    std::map<std::string, double> m_rps;  // "ns/name"
    std::set<std::string> m_rpsChanged;  // "ns/name" given to setRps since the last sample
    std::map<std::string, double> m_errorPercent;  // "ns/image"
    void record(const ObjectStore &store, long long applies, const std::set<std::string> *only);
    mutable std::mutex m_historyMutex;
    std::map<std::string, std::deque<std::pair<long long, double>>> m_podRates;  // "ns/name"
};

}  // namespace pilothouse::sim
