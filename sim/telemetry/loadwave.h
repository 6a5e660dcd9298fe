// The demo's traffic: a load-test run (siege, k6) against one Deployment, repeated, so that its
// HorizontalPodAutoscaler visibly scales up under the wave and back down after it.
#pragma once

#include "telemetry/loadmodel.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace pilothouse::sim {

struct LoadWaveOptions {
    std::string ns = "shop";
    std::string deployment = "frontend";
    // Quiet traffic between waves and the plateau. With the default scenario's frontend (100m
    // request, 2m per request, 20m idle, HPA target 60 %) the plateau needs 4 replicas.
    double quietRps = 1;
    double peakRps = 80;
    // One cycle; its phases keep their proportions when it is shortened (for tests):
    // quiet 1/15, ramp up 1/15, plateau 3/10, ramp down 1/30, then quiet for the rest.
    std::chrono::milliseconds period{std::chrono::seconds(300)};
};

class LoadWave {
public:
    // The HPA time scale --demo-load-wave implies without --time-scale: the 15 s sync period
    // becomes 3 s and the 300 s scale-down window 60 s, so the first scale-down comes about a
    // minute after the wave and the HPA is back at one replica about two minutes after it.
    static constexpr double kDefaultTimeScale = 5;

    LoadWave(LoadModel &load, LoadWaveOptions options);
    ~LoadWave();
    LoadWave(const LoadWave &) = delete;
    LoadWave &operator=(const LoadWave &) = delete;

    // The load `elapsed` into the run: a pure function of the options.
    double rpsAt(std::chrono::milliseconds elapsed) const;
    const LoadWaveOptions &options() const { return m_options; }

    void start();
    void stop();

private:
    void run();

    LoadModel &m_load;
    LoadWaveOptions m_options;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
};

}  // namespace pilothouse::sim
