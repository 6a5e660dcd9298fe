// The control loops of the simulated cluster: scheduler and kubelet (pod lifecycle), ReplicaSet,
// Deployment (rolling updates), Argo Rollouts (rollouts.h), StatefulSet, DaemonSet, Job and CronJob
// (workloadcontrollers.h), Endpoints, HorizontalPodAutoscaler, garbage collection and namespace deletion,
// persistent volumes (storagecontroller.h), quota and disruption budget status (policycontroller.h).
#pragma once

#include "cluster.h"
#include "policycontroller.h"
#include "rollouts.h"
#include "storagecontroller.h"
#include "workloadcontrollers.h"

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <vector>

namespace pilothouse::sim {

struct ControllerOptions {
    std::chrono::milliseconds podStartDelay{800};   // scheduled -> containers running
    std::chrono::milliseconds podReadyDelay{700};   // running -> ready
    std::chrono::milliseconds podStopDelay{600};    // graceful deletion, capped (grace periods are seconds)
    std::chrono::milliseconds tick{100};
    // How long the containers of a pod that runs to completion (a Job's) run when the pod has no
    // pilothouse.dev/run-seconds annotation.
    double jobRunSeconds = 3.0;
    // The HPA controller's sync period (15 s), stabilization windows and policy periods, and the
    // run time of Jobs' pods, run this many times faster.
    double timeScale = 1.0;
};

// Annotations on a pod (or on its Job, which copies them to its pods) that set how the simulated
// containers of a run-to-completion pod behave: seconds they run, and their exit code.
inline constexpr const char *kRunSecondsAnnotation = "pilothouse.dev/run-seconds";
inline constexpr const char *kExitCodeAnnotation = "pilothouse.dev/exit-code";

// The pod-template-hash of a template, as the Deployment controller names its ReplicaSets.
std::string podTemplateHash(const Json &podTemplate, long long collisionCount = 0);

class Controllers {
public:
    Controllers(Cluster &cluster, ControllerOptions options);
    ~Controllers();

    void start();
    void stop();
    // One reconciliation pass; the loop calls it every tick. Exposed for tests.
    void reconcile();

private:
    using Clock = std::chrono::steady_clock;
    struct Key {
        int type;
        std::string ns, name;
        bool operator<(const Key &o) const { return std::tie(type, ns, name) < std::tie(o.type, o.ns, o.name); }
    };

    void loop();
    void collectChanges();
    void markAll();
    void syncPod(const std::string &ns, const std::string &name);
    void syncReplicaSet(const std::string &ns, const std::string &name);
    void syncDeployment(const std::string &ns, const std::string &name);
    void syncEndpoints(const std::string &ns);
    void syncHpas();
    void syncHpa(const StoredObject &hpa, Clock::time_point now);
    Clock::duration scaledSeconds(double seconds) const;
    void collectGarbage();
    void sweepOrphans();
    void syncNamespace(const std::string &name);
    // Among the nodes that fit the pod (and, when its claims' volumes are tied to nodes, those too),
    // the one with the fewest pods; empty when none fits.
    std::string pickNode(const Json &pod, const Json &volumeTerms = Json::array());
    // The scheduler's VolumeBinding filter: why the pod cannot be placed because of its claims
    // (empty when it can), and the node selector terms of the volumes it is bound to.
    std::string volumeBlocker(const Json &pod, Json &volumeTerms, std::vector<std::string> &delayedClaims);
    static bool runsToCompletion(const Json &pod);
    double runSeconds(const Json &pod) const;

    Cluster &m_cluster;
    ControllerOptions m_options;
    RolloutController m_rollouts;
    WorkloadController m_workloads;
    StorageController m_storage;
    PolicyController m_policy;
    std::atomic<bool> m_running{false};
    std::thread m_thread;

    std::uint64_t m_cursor = 0;
    Clock::time_point m_lastResync{};
    std::set<Key> m_dirtyPods, m_dirtyReplicaSets, m_dirtyDeployments;
    std::set<std::string> m_dirtyEndpointNamespaces, m_dirtyNamespaces;
    std::set<std::string> m_deletedUids;
    std::map<std::string, Clock::time_point> m_podDue;  // by uid: when the next lifecycle step is due
    std::map<std::string, int> m_podsPerNode;
    std::set<std::string> m_stopping;  // pods whose containers were told to stop
    std::set<Key> m_waitingForClaims;  // unscheduled pods to retry when a claim changes
    unsigned m_nextPodIp = 1;

    // The HPA controller's memory, per "ns/name", as the real one keeps it in process.
    struct ScaleEvent {
        long long change;
        Clock::time_point at;
    };
    struct HpaMemory {
        std::vector<std::pair<Clock::time_point, long long>> recommendations;
        std::vector<ScaleEvent> scaleUp, scaleDown;
    };
    std::map<std::string, HpaMemory> m_hpaMemory;
    Clock::time_point m_lastHpaSync{};
};

}  // namespace pilothouse::sim
