// Merge, JSON and strategic merge patches.
#include "common/patch.h"

#include "kube/objectstore.h"

#include <algorithm>

namespace pilothouse::sim {

PatchType patchTypeFromContentType(const std::string &contentType)
{
    std::string ct = contentType.substr(0, contentType.find(';'));
    if (ct == "application/merge-patch+json")
        return PatchType::Merge;
    if (ct == "application/json-patch+json")
        return PatchType::Json;
    if (ct == "application/strategic-merge-patch+json")
        return PatchType::Strategic;
    if (ct == "application/apply-patch+yaml" || ct == "application/apply-patch+json")
        return PatchType::Apply;
    return PatchType::Unsupported;
}

Json applyMergePatch(const Json &original, const Json &patch)
{
    Json result = original;
    result.merge_patch(patch);
    return result;
}

Json applyJsonPatch(const Json &original, const Json &patch)
{
    if (!patch.is_array())
        throw ApiException(400, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    try {
        return original.patch(patch);
    } catch (const Json::exception &e) {
        std::string what = e.what();
        // nlohmann prefixes its messages with "[json.exception.x.y] "; the API server does not.
        if (auto p = what.find("] "); p != std::string::npos)
            what = what.substr(p + 2);
        throw ApiException(422, "Invalid", "the server rejected our request due to an error in our request: " + what);
    }
}

namespace {

// Merge keys of the built-in types' lists (patchMergeKey in the Go structs), chosen by field name
// and, for "ports", by whether the list sits in a container or a Service.
std::string mergeKeyFor(const std::string &field, const std::string &parentPath)
{
    if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" || field == "env" ||
        field == "volumes" || field == "imagePullSecrets" || field == "resourceClaims")
        return "name";
    if (field == "volumeMounts")
        return "mountPath";
    if (field == "volumeDevices")
        return "devicePath";
    if (field == "hostAliases")
        return "ip";
    if (field == "conditions")
        return "type";
    if (field == "ownerReferences")
        return "uid";
    if (field == "topologySpreadConstraints")
        return "topologyKey";
    if (field == "ports")
        return parentPath.find("containers") != std::string::npos ? "containerPort" : "port";
    return {};
}

bool mergesPrimitives(const std::string &field) { return field == "finalizers"; }

Json mergeValue(const Json &orig, const Json &patch, const std::string &path);

Json mergeList(const Json &orig, const Json &patch, const std::string &key, const std::string &path)
{
    // {"$patch":"replace"} inside the list replaces the whole list with the other elements.
    bool replace = std::any_of(patch.begin(), patch.end(), [](const Json &e) {
        return e.is_object() && e.value("$patch", "") == "replace";
    });
    Json result = replace ? Json::array() : (orig.is_array() ? orig : Json::array());
    for (const auto &elem : patch) {
        if (!elem.is_object()) {
            result.push_back(elem);
            continue;
        }
        std::string directive = elem.value("$patch", "");
        if (directive == "replace")
            continue;
        auto keyIt = elem.find(key);
        auto match = result.end();
        if (keyIt != elem.end())
            match = std::find_if(result.begin(), result.end(), [&](const Json &o) {
                return o.is_object() && o.contains(key) && o[key] == *keyIt;
            });
        if (directive == "delete") {
            if (match != result.end())
                result.erase(match);
            continue;
        }
        if (match != result.end())
            *match = mergeValue(*match, elem, path);
        else
            result.push_back(mergeValue(Json::object(), elem, path));
    }
    return result;
}

Json mergeValue(const Json &orig, const Json &patch, const std::string &path)
{
    if (!patch.is_object())
        return patch;
    if (patch.value("$patch", "") == "replace") {
        Json copy = patch;
        copy.erase("$patch");
        return copy;
    }
    Json result = orig.is_object() ? orig : Json::object();
    const Json *retainKeys = nullptr;
    for (const auto &[k, v] : patch.items()) {
        if (k == "$patch")
            continue;
        if (k == "$retainKeys") {
            retainKeys = &v;
            continue;
        }
        if (k.rfind("$setElementOrder/", 0) == 0)
            continue;
        if (k.rfind("$deleteFromPrimitiveList/", 0) == 0) {
            std::string field = k.substr(std::string("$deleteFromPrimitiveList/").size());
            if (result.contains(field) && result[field].is_array() && v.is_array()) {
                Json kept = Json::array();
                for (const auto &e : result[field])
                    if (std::find(v.begin(), v.end(), e) == v.end())
                        kept.push_back(e);
                result[field] = kept;
            }
            continue;
        }
        if (v.is_null()) {
            result.erase(k);
            continue;
        }
        std::string childPath = path + "." + k;
        if (v.is_object() && v.value("$patch", "") == "delete") {
            result.erase(k);
        } else if (v.is_object()) {
            result[k] = mergeValue(result.contains(k) ? result[k] : Json::object(), v, childPath);
        } else if (v.is_array()) {
            std::string key = mergeKeyFor(k, path);
            if (!key.empty()) {
                result[k] = mergeList(result.contains(k) ? result[k] : Json::array(), v, key, childPath);
            } else if (mergesPrimitives(k) && result.contains(k) && result[k].is_array()) {
                Json merged = result[k];
                for (const auto &e : v)
                    if (std::find(merged.begin(), merged.end(), e) == merged.end())
                        merged.push_back(e);
                result[k] = merged;
            } else {
                result[k] = v;
            }
        } else {
            result[k] = v;
        }
    }
    if (retainKeys && retainKeys->is_array()) {
        Json kept = Json::object();
        for (const auto &name : *retainKeys)
            if (name.is_string() && result.contains(name.get<std::string>()))
                kept[name.get<std::string>()] = result[name.get<std::string>()];
        result = kept;
    }
    return result;
}

}  // namespace

Json applyStrategicMergePatch(const Json &original, const Json &patch)
{
    if (!patch.is_object())
        throw ApiException::badRequest("strategic merge patch must be a JSON object");
    return mergeValue(original, patch, "");
}

}  // namespace pilothouse::sim
