// Container logs of the simulated pods, generated on demand instead of stored: every second of a
// container's life has its lines from a seed (pod uid, container, instance, second) and the request
// rate its Deployment gave the pod in that second, so any past stretch can be produced again.
#pragma once

#include "telemetry/loadmodel.h"
#include "common/simjson.h"

#include <string>
#include <vector>

namespace pilothouse::sim {

struct LogLine {
    long long at = 0;  // nanoseconds since the epoch
    std::string text;  // without the newline
};

// What one container instance's log is generated from. Times are nanoseconds since the epoch.
struct ContainerLogSpec {
    static constexpr long long kNever = -1;

    std::string seed;  // pod uid / container / instance
    std::string app, version, image;
    long long port = 8080;
    struct Probe {
        std::string path;
        long long periodSeconds = 10;
        long long initialDelaySeconds = 0;
    };
    std::vector<Probe> probes;  // none: a health check every 5 s anyway (a load balancer's)
    std::vector<std::string> dependencies;  // host:port from *_ADDR variables, for startup and error lines
    long long startedAt = 0;
    long long readyAt = kNever;     // serves traffic from here (the Ready condition)
    long long stoppingAt = kNever;  // SIGTERM: shutdown lines, then nothing more
    long long finishedAt = kNever;  // a terminated instance: nothing after it
    std::string exitReason;         // of a terminated instance: Error, OOMKilled, Completed
    LoadModel::RateHistory rates;   // requests per second for this pod
    double cpuRequestMillis = 0;    // with the cost per request: how loaded the pod is (latency, 503s)
    double cpuPerRequestMillis = 2;
};

class ContainerLog {
public:
    // At most this many lines are kept, as a container runtime's rotated log keeps a few files.
    static constexpr size_t kRetainedLines = 1000;
    static constexpr long long kShutdownNanos = 150'000'000;  // SIGTERM to the last line

    explicit ContainerLog(ContainerLogSpec spec);
    const ContainerLogSpec &spec() const { return m_spec; }
    void setRates(LoadModel::RateHistory rates) { m_spec.rates = std::move(rates); }
    void setStoppingAt(long long at) { m_spec.stoppingAt = at; }

    // Lines with from < at <= to, oldest first.
    std::vector<LogLine> between(long long from, long long to) const;
    // The newest `limit` lines with notBefore <= at <= to, oldest first; never more than kRetainedLines.
    std::vector<LogLine> tail(long long to, size_t limit, long long notBefore = 0) const;
    // The time of the last line this instance can ever write (kNever while it runs on).
    long long lastPossibleLine() const;

    // The lines of one epoch second, oldest first (exposed for tests).
    void second(long long s, std::vector<LogLine> &out) const;

private:
    ContainerLogSpec m_spec;
    std::uint64_t m_seed = 0;
};

// Where a container's log comes from, or why there is none: the kubelet's BadRequest message.
struct LogSource {
    bool ok = false;
    std::string error;
    ContainerLogSpec spec;
};
// The current instance of `container`, or with `previous` the last terminated one, as the kubelet
// finds them in the pod's status. Rates and CPU cost are left for the caller to fill in.
LogSource containerLogSource(const Json &pod, const std::string &container, bool previous);

// RFC 3339 with nanoseconds and trailing zeros dropped, as Go's time.RFC3339Nano prints.
std::string rfc3339Nano(long long nanos);

}  // namespace pilothouse::sim
