// Field readers and writers shared by the controllers.
#include "kube/objectutil.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace pilothouse::sim {

const ResourceType &rtype(const char *group, const char *plural) { return ResourceRegistry::instance().require(group, plural); }

bool isTerminating(const Json &o)
{
    const Json *d = findPath(o, "metadata.deletionTimestamp");
    return d && !d->is_null();
}

bool conditionIs(const Json &o, const char *condType, const char *value)
{
    if (const Json *conds = findPath(o, "status.conditions"); conds && conds->is_array())
        for (const auto &c : *conds)
            if (c.value("type", "") == condType)
                return c.value("status", "") == value;
    return false;
}

bool isPodReady(const Json &pod) { return conditionIs(pod, "Ready"); }

namespace {

std::string mapValue(const Json &o, const char *mapPath, const char *key)
{
    if (const Json *m = findPath(o, mapPath); m && m->is_object())
        if (auto it = m->find(key); it != m->end() && it->is_string())
            return it->get<std::string>();
    return {};
}

}  // namespace

std::string annotationOf(const Json &o, const char *key) { return mapValue(o, "metadata.annotations", key); }
std::string labelOf(const Json &o, const char *key) { return mapValue(o, "metadata.labels", key); }

const Json *controllerRef(const Json &o)
{
    if (const Json *refs = findPath(o, "metadata.ownerReferences"); refs && refs->is_array())
        for (const auto &r : *refs)
            if (r.value("controller", false))
                return &r;
    return nullptr;
}

Json controllerOwnerRef(const ResourceType &t, const StoredObject &owner)
{
    return {{"apiVersion", t.groupVersion()}, {"kind", t.kind}, {"name", owner.name}, {"uid", owner.uid},
            {"controller", true}, {"blockOwnerDeletion", true}};
}

std::vector<ObjPtr> ownedBy(const ObjectStore &store, const StoredObject &owner, const ResourceType &t)
{
    std::vector<ObjPtr> out;
    for (const auto &d : store.dependentsOf(owner.uid)) {
        if (d->type != t.index)
            continue;
        if (const Json *refs = findPath(d->obj, "metadata.ownerReferences"); refs && refs->is_array())
            for (const auto &r : *refs)
                if (r.value("controller", false) && r.value("uid", "") == owner.uid)
                    out.push_back(d);
    }
    return out;
}

long long intOrPercent(const Json *v, long long total, bool roundUp, long long fallback)
{
    if (!v || v->is_null())
        return fallback;
    if (v->is_number_integer())
        return v->get<long long>();
    if (v->is_string()) {
        const std::string s = v->get<std::string>();
        if (!s.empty() && s.back() == '%') {
            const double value = std::atof(s.c_str()) * static_cast<double>(total) / 100.0;
            return static_cast<long long>(roundUp ? std::ceil(value) : std::floor(value));
        }
        return std::atoll(s.c_str());
    }
    return fallback;
}

void setStatusCondition(Json &status, const std::string &condType, const std::string &value, const std::string &reason,
                        const std::string &message, bool withUpdateTime)
{
    Json &conds = status["conditions"];
    if (!conds.is_array())
        conds = Json::array();
    std::string now = rfc3339Now();
    for (auto &c : conds) {
        if (c.value("type", "") != condType)
            continue;
        if (c.value("status", "") != value)
            c["lastTransitionTime"] = now;
        if (c.value("reason", "") != reason || c.value("message", "") != message) {
            if (withUpdateTime)
                c["lastUpdateTime"] = now;
        }
        c["status"] = value;
        c["reason"] = reason;
        c["message"] = message;
        return;
    }
    Json c = {{"type", condType}, {"status", value}, {"lastTransitionTime", now}, {"reason", reason}, {"message", message}};
    if (withUpdateTime)
        c["lastUpdateTime"] = now;
    conds.push_back(c);
}

void dropEmptyReasons(Json &status)
{
    if (!status.contains("conditions") || !status["conditions"].is_array())
        return;
    for (auto &c : status["conditions"]) {
        auto reason = c.find("reason");
        if (reason == c.end() || reason->is_null() || *reason == "")
            c.erase("reason"), c.erase("message");
        else if (auto message = c.find("message"); message != c.end() && (message->is_null() || *message == ""))
            c.erase(message);
    }
}

std::string podTemplateHash(const Json &podTemplate, long long collisionCount)
{
    Json t = podTemplate;
    if (t.contains("metadata") && t["metadata"].contains("labels"))
        t["metadata"]["labels"].erase("pod-template-hash");
    std::string text = t.dump();
    std::uint32_t h = 2166136261u;  // FNV-1a, as hashutil.DeepHashObject feeds fnv32a
    for (unsigned char c : text) {
        h ^= c;
        h *= 16777619u;
    }
    if (collisionCount > 0)
        for (int i = 0; i < 4; ++i) {
            h ^= static_cast<unsigned char>((collisionCount >> (8 * i)) & 0xff);
            h *= 16777619u;
        }
    // rand.SafeEncodeString: the decimal digits mapped onto an alphabet without vowels.
    static constexpr char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    std::string digits = std::to_string(h), out;
    for (char d : digits)
        out.push_back(alphabet[static_cast<unsigned char>(d) % (sizeof(alphabet) - 1)]);
    return out;
}

}  // namespace pilothouse::sim
