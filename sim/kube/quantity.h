// Kubernetes quantities: "250m" / "0.5" / "2" cores as millicores, "64Mi" / "1G" as bytes.
#pragma once

#include <string>

namespace pilothouse::sim {

long long parseCpuMillis(const std::string &q);
long long parseMemoryBytes(const std::string &q);

}  // namespace pilothouse::sim
