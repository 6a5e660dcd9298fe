// What the GUI benchmarks measure alike: a monotonic clock, nearest-rank percentiles, a process's
// VmRSS/VmHWM, and the GUI thread's stalls (how late a 10 ms timer fires).
#pragma once

#include <QObject>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace pilothouse::bench {

inline qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
inline double msBetween(qint64 a, qint64 b) { return double(b - a) / 1e6; }

// Nearest-rank percentile of a sorted vector.
inline double pct(const std::vector<double> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * double(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

inline std::string readSmall(const std::string &path)
{
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f)
        return {};
    char buf[4096];
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    return std::string(buf, n);
}

// VmRSS / VmHWM of a process ("self" or a pid), KiB.
inline long long statusKb(const std::string &pid, const char *field)
{
    const std::string s = readSmall("/proc/" + pid + "/status");
    const size_t at = s.find(field);
    return at == std::string::npos ? 0 : std::atoll(s.c_str() + at + std::strlen(field) + 1);
}

// A 10 ms timer on the GUI thread: how late each tick came is how long the thread could not react.
class StallProbe : public QObject {
public:
    StallProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(10);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 t = nowNs();
            if (m_last)
                m_late.push_back(std::max(0.0, msBetween(m_last, t) - 10.0));
            m_last = t;
        });
    }
    void start()
    {
        m_late.clear();
        m_last = 0;
        m_timer.start();
    }
    // The lateness of every tick, sorted, ms.
    std::vector<double> stop()
    {
        m_timer.stop();
        std::sort(m_late.begin(), m_late.end());
        return m_late;
    }

private:
    QTimer m_timer;
    qint64 m_last = 0;
    std::vector<double> m_late;
};

}  // namespace pilothouse::bench
