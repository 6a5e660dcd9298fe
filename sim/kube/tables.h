// Server-side printing: the meta.k8s.io/v1 Table form that `kubectl get` asks for.
#pragma once

#include "kube/resourcetypes.h"
#include "common/simjson.h"

namespace pilothouse::sim {

enum class IncludeObject { None, Metadata, Object };
IncludeObject includeObjectFromQuery(const std::string &value);

Json tableColumns(const ResourceType &t);
Json tableRow(const ResourceType &t, const Json &obj, IncludeObject include);

}  // namespace pilothouse::sim
