// The demo's repeating traffic wave, written into the load model a few times a second.
#include "telemetry/loadwave.h"

#include <pthread.h>

#include <algorithm>
#include <cmath>

namespace pilothouse::sim {

LoadWave::LoadWave(LoadModel &load, LoadWaveOptions options) : m_load(load), m_options(std::move(options)) {}

LoadWave::~LoadWave() { stop(); }

double LoadWave::rpsAt(std::chrono::milliseconds elapsed) const
{
    const double period = static_cast<double>(std::max<long long>(1, m_options.period.count()));
    const double x = std::fmod(static_cast<double>(std::max<long long>(0, elapsed.count())), period) / period;
    const double quiet = m_options.quietRps, peak = m_options.peakRps;
    constexpr double rampUpStart = 1.0 / 15, plateauStart = 2.0 / 15, rampDownStart = 13.0 / 30, quietAgain = 14.0 / 30;
    double rps;
    if (x < rampUpStart || x >= quietAgain)
        return quiet;
    if (x < plateauStart)
        rps = quiet + (peak - quiet) * (x - rampUpStart) / (plateauStart - rampUpStart);
    else if (x < rampDownStart)
        rps = peak;
    else
        rps = peak - (peak - quiet) * (x - rampDownStart) / (quietAgain - rampDownStart);
    // Real traffic is never flat: +-6 %, changing every few seconds of the cycle.
    const auto bucket = static_cast<std::uint64_t>(x * period / 3000.0);
    std::uint64_t h = (bucket + 1) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    const double noise = (static_cast<double>(h % 1000) / 999.0 - 0.5) * 0.12;
    return std::max(quiet, rps * (1.0 + noise));
}

void LoadWave::start()
{
    std::lock_guard lock(m_mutex);
    if (m_thread.joinable())
        return;
    m_stop = false;
    m_thread = std::thread([this] {
        pthread_setname_np(pthread_self(), "sim-loadwave");
        run();
    });
}

void LoadWave::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void LoadWave::run()
{
    const auto begin = std::chrono::steady_clock::now();
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin);
        m_load.setRps(m_options.ns, m_options.deployment, rpsAt(elapsed));
        m_wake.wait_for(lock, std::chrono::milliseconds(250), [this] { return m_stop; });
    }
}

}  // namespace pilothouse::sim
