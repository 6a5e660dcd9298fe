// The four PATCH content types the API server accepts, applied to a JSON object.
#pragma once

#include "common/simjson.h"

#include <string>

namespace pilothouse::sim {

enum class PatchType { Merge, Json, Strategic, Apply, Unsupported };

PatchType patchTypeFromContentType(const std::string &contentType);

// RFC 7386 JSON merge patch.
Json applyMergePatch(const Json &original, const Json &patch);
// RFC 6902 JSON patch; throws ApiException(422) when an operation (a failed `test` included) fails.
Json applyJsonPatch(const Json &original, const Json &patch);
// Strategic merge patch for built-in kinds: lists with a merge key (containers by name, ports by
// containerPort, ...) merge element-wise; $patch, $retainKeys, $setElementOrder and
// $deleteFromPrimitiveList directives are honoured.
Json applyStrategicMergePatch(const Json &original, const Json &patch);

}  // namespace pilothouse::sim
