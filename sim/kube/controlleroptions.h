// The timings of the simulated kubelet and controllers, set from the command line.
#pragma once

#include <chrono>

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

    // `seconds` of simulated time on the steady clock, after timeScale.
    std::chrono::steady_clock::duration scaled(double seconds) const
    {
        const double scale = timeScale > 0 ? timeScale : 1.0;
        return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds / scale));
    }
};

// Annotations on a pod (or on its Job, which copies them to its pods) that set how the simulated
// containers of a run-to-completion pod behave: seconds they run, and their exit code.
inline constexpr const char *kRunSecondsAnnotation = "pilothouse.dev/run-seconds";
inline constexpr const char *kExitCodeAnnotation = "pilothouse.dev/exit-code";

}  // namespace pilothouse::sim
