// Server-side printing: the meta.k8s.io/v1 Table form that `kubectl get` asks for.
#pragma once

#include "kube/objectstore.h"
#include "kube/resourcetypes.h"
#include "common/simjson.h"

namespace pilothouse::sim {

enum class IncludeObject { None, Metadata, Object };
IncludeObject includeObjectFromQuery(const std::string &value);

Json tableColumns(const ResourceType &t);
// The cells of one object's row (a list assembles its rows around them).
Json tableCells(const ResourceType &t, const Json &obj);
Json tableRow(const ResourceType &t, const Json &obj, IncludeObject include);
// The same row written from the object's stored bytes ({"cells":[...],"object":...}): only the
// cells are encoded.
void appendTableRow(std::string &out, const ResourceType &t, const StoredObject &o, IncludeObject include);

}  // namespace pilothouse::sim
