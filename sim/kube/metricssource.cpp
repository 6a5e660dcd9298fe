// Sums of a pod's container usage.
#include "kube/metricssource.h"

namespace pilothouse::sim {

long long PodUsage::cpuMillis() const
{
    long long sum = 0;
    for (const auto &c : containers)
        sum += c.cpuMillis;
    return sum;
}

long long PodUsage::memoryBytes() const
{
    long long sum = 0;
    for (const auto &c : containers)
        sum += c.memoryBytes;
    return sum;
}

}  // namespace pilothouse::sim
