// The horizontal-pod-autoscaler controller: every sync period (15 s, divided by the time scale)
// each HPA's CPU utilization target is compared with its pods' usage, and the target is scaled
// within the behavior's stabilization windows and policies, as the upstream controller does.
#pragma once

#include "kube/controllermanager.h"
#include "kube/controlleroptions.h"
#include "kube/metricssource.h"

#include <map>
#include <string>
#include <vector>

namespace pilothouse::sim {

class HpaController : public Controller {
public:
    // Without a metrics source every CPU target fails to get its metrics, as without metrics-server.
    HpaController(Cluster &cluster, ControllerOptions options, const PodMetricsSource *metrics);
    const char *name() const override { return "horizontal-pod-autoscaler"; }
    void reconcile() override;

private:
    using Clock = std::chrono::steady_clock;
    void syncHpa(const StoredObject &hpa, Clock::time_point now);

    Cluster &m_cluster;
    ControllerOptions m_options;
    const PodMetricsSource *m_metrics;
    // The controller's memory, per "ns/name", as the real one keeps it in process.
    struct ScaleEvent {
        long long change;
        Clock::time_point at;
    };
    struct HpaMemory {
        std::vector<std::pair<Clock::time_point, long long>> recommendations;
        std::vector<ScaleEvent> scaleUp, scaleDown;
    };
    std::map<std::string, HpaMemory> m_hpaMemory;
    Clock::time_point m_lastSync{};
};

}  // namespace pilothouse::sim
