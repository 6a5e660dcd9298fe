// Kubernetes resource quantities.
#include "kube/quantity.h"

#include <cmath>
#include <cstdlib>
#include <utility>

namespace pilothouse::sim {

long long parseCpuMillis(const std::string &q)
{
    if (q.empty())
        return 0;
    char *end = nullptr;
    double v = std::strtod(q.c_str(), &end);
    std::string suffix = end ? std::string(end) : std::string();
    if (suffix == "m")
        return std::llround(v);
    if (suffix == "n")
        return std::llround(v / 1e6);
    if (suffix == "u")
        return std::llround(v / 1e3);
    return std::llround(v * 1000);
}

long long parseMemoryBytes(const std::string &q)
{
    if (q.empty())
        return 0;
    char *end = nullptr;
    double v = std::strtod(q.c_str(), &end);
    std::string suffix = end ? std::string(end) : std::string();
    static const std::pair<const char *, double> units[] = {
        {"Ki", 1024.0}, {"Mi", 1024.0 * 1024}, {"Gi", 1024.0 * 1024 * 1024}, {"Ti", 1024.0 * 1024 * 1024 * 1024},
        {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"m", 1e-3}};
    for (const auto &[u, f] : units)
        if (suffix == u)
            return std::llround(v * f);
    return std::llround(v);
}

}  // namespace pilothouse::sim
