// The scheduler's filter plugins the simulator models: NodeAffinity, TaintToleration, NodeUnschedulable.
#include "kube/scheduling.h"

#include <algorithm>

namespace pilothouse::sim {

namespace {

bool matchesRequirement(const Json &req, const Json *values, bool present, const std::string &value)
{
    const std::string op = req.value("operator", "");
    bool inValues = false;
    if (values && values->is_array())
        inValues = std::any_of(values->begin(), values->end(), [&](const Json &v) { return v.is_string() && v.get<std::string>() == value; });
    if (op == "In")
        return present && inValues;
    if (op == "NotIn")
        return !present || !inValues;
    if (op == "Exists")
        return present;
    if (op == "DoesNotExist")
        return !present;
    return false;  // Gt and Lt are not modelled
}

bool termMatches(const Json &term, const Json &node)
{
    const Json *labels = findPath(node, "metadata.labels");
    bool any = false;
    if (const Json *exprs = findPath(term, "matchExpressions"); exprs && exprs->is_array())
        for (const auto &e : *exprs) {
            any = true;
            const std::string key = e.value("key", "");
            const bool present = labels && labels->is_object() && labels->contains(key);
            const std::string value = present && (*labels)[key].is_string() ? (*labels)[key].get<std::string>() : std::string();
            if (!matchesRequirement(e, findPath(e, "values"), present, value))
                return false;
        }
    if (const Json *fields = findPath(term, "matchFields"); fields && fields->is_array())
        for (const auto &f : *fields) {
            any = true;
            if (f.value("key", "") != "metadata.name" || !matchesRequirement(f, findPath(f, "values"), true, stringAt(node, "metadata.name")))
                return false;
        }
    return any;  // an empty term matches nothing
}

}  // namespace

bool toleratesTaint(const Json &tolerations, const Json &taint)
{
    if (!tolerations.is_array())
        return false;
    for (const auto &t : tolerations) {
        const std::string effect = t.value("effect", "");
        if (!effect.empty() && effect != taint.value("effect", ""))
            continue;
        const std::string key = t.value("key", "");
        const std::string op = t.value("operator", "Equal");
        if (key.empty() && op != "Exists")
            continue;
        if (!key.empty() && key != taint.value("key", ""))
            continue;
        if (op == "Exists" || t.value("value", "") == taint.value("value", ""))
            return true;
    }
    return false;
}

bool nodeMatchesPod(const Json &pod, const Json &node)
{
    if (const Json *selector = findPath(pod, "spec.nodeSelector"); selector && selector->is_object()) {
        const Json *labels = findPath(node, "metadata.labels");
        for (const auto &[k, v] : selector->items())
            if (!labels || !labels->is_object() || !labels->contains(k) || (*labels)[k] != v)
                return false;
    }
    const Json *terms = findPath(pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
    if (terms && terms->is_array() && !terms->empty())
        return std::any_of(terms->begin(), terms->end(), [&](const Json &term) { return termMatches(term, node); });
    return true;
}

bool podFitsNode(const Json &pod, const Json &node)
{
    if (!nodeMatchesPod(pod, node))
        return false;
    const Json empty = Json::array();
    const Json *tolerations = findPath(pod, "spec.tolerations");
    const Json &tols = tolerations ? *tolerations : empty;
    if (boolAt(node, "spec.unschedulable") && !toleratesTaint(tols, {{"key", kUnschedulableTaint}, {"effect", "NoSchedule"}}))
        return false;
    if (const Json *taints = findPath(node, "spec.taints"); taints && taints->is_array())
        for (const auto &taint : *taints) {
            const std::string effect = taint.value("effect", "");
            if ((effect == "NoSchedule" || effect == "NoExecute") && !toleratesTaint(tols, taint))
                return false;
        }
    return true;
}

}  // namespace pilothouse::sim
