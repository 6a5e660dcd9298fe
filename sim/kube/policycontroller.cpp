// ResourceQuota usage after pkg/quota/v1/evaluator/core (pods, compute requests and limits,
// claims, storage, object counts) and PodDisruptionBudget status after pkg/controller/disruption.
#include "kube/policycontroller.h"

#include "kube/objectutil.h"
#include "kube/quantity.h"
#include "common/selectors.h"

#include <algorithm>
#include <cmath>

namespace pilothouse::sim {

namespace {

// Pods that hold quota: not finished, not being deleted.
bool podCounts(const Json &pod)
{
    const std::string phase = stringAt(pod, "status.phase", "Pending");
    return phase != "Succeeded" && phase != "Failed" && !isTerminating(pod);
}

bool isCpu(const std::string &resource) { return resource == "cpu" || resource == "requests.cpu" || resource == "limits.cpu"; }

bool isBytes(const std::string &resource)
{
    for (const char *r : {"memory", "requests.memory", "limits.memory", "requests.storage", "ephemeral-storage",
                          "requests.ephemeral-storage", "limits.ephemeral-storage"})
        if (resource == r)
            return true;
    return false;
}

// Quantity.String() for the sums: whole cores or millicores; bytes in the largest binary unit
// that divides them.
std::string formatQuantity(const std::string &resource, long long value)
{
    if (isCpu(resource))
        return value % 1000 == 0 ? std::to_string(value / 1000) : std::to_string(value) + "m";
    if (isBytes(resource) && value != 0) {
        for (const auto &[suffix, unit] : std::vector<std::pair<const char *, long long>>{
                 {"Ti", 1LL << 40}, {"Gi", 1LL << 30}, {"Mi", 1LL << 20}, {"Ki", 1LL << 10}})
            if (value % unit == 0)
                return std::to_string(value / unit) + suffix;
    }
    return std::to_string(value);
}

long long quantityOf(const std::string &resource, const Json &q)
{
    if (q.is_number())
        return isCpu(resource) ? std::llround(q.get<double>() * 1000) : q.get<long long>();
    if (!q.is_string())
        return 0;
    return isCpu(resource) ? parseCpuMillis(q.get<std::string>()) : parseMemoryBytes(q.get<std::string>());
}

// A container's request for a resource: its request, else its limit (the API server defaults
// requests to limits).
long long containerAmount(const Json &c, const std::string &what, bool limits)
{
    const std::string key = limits ? "limits" : "requests";
    const Json *res = findPath(c, "resources");
    if (!res || !res->is_object())
        return 0;
    auto read = [&](const std::string &section) -> const Json * {
        if (auto s = res->find(section); s != res->end() && s->is_object())
            if (auto v = s->find(what); v != s->end())
                return &*v;
        return nullptr;
    };
    const Json *v = read(key);
    if (!v && !limits)
        v = read("limits");
    return v ? quantityOf(what == "cpu" ? "cpu" : "memory", *v) : 0;
}

// The pod's effective amount: the sum over its containers, or the largest init container if more.
long long podAmount(const Json &pod, const std::string &what, bool limits)
{
    long long sum = 0, init = 0;
    if (const Json *cs = findPath(pod, "spec.containers"); cs && cs->is_array())
        for (const auto &c : *cs)
            sum += containerAmount(c, what, limits);
    if (const Json *cs = findPath(pod, "spec.initContainers"); cs && cs->is_array())
        for (const auto &c : *cs)
            init = std::max(init, containerAmount(c, what, limits));
    return std::max(sum, init);
}

}  // namespace

PolicyController::PolicyController(Cluster &cluster) : m_cluster(cluster) {}

void PolicyController::reconcile()
{
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last < std::chrono::milliseconds(500))
        return;
    m_last = now;
    auto guarded = [](auto &&fn) {
        try {
            fn();
        } catch (const ApiException &) {
        }
    };
    for (const auto &q : m_cluster.store().list(rtype("", "resourcequotas")).items)
        guarded([&] { syncQuota(q); });
    for (const auto &b : m_cluster.store().list(rtype("policy", "poddisruptionbudgets")).items)
        guarded([&] { syncBudget(b); });
}

void PolicyController::syncQuota(const ObjPtr &quota)
{
    if (isTerminating(quota->obj))
        return;
    const Json hard = findPath(quota->obj, "spec.hard") ? *findPath(quota->obj, "spec.hard") : Json::object();
    if (!hard.is_object())
        return;
    auto &store = m_cluster.store();
    const std::string &ns = quota->ns;
    std::vector<ObjPtr> pods;
    for (const auto &p : store.list(rtype("", "pods"), ns).items)
        if (podCounts(p->obj))
            pods.push_back(p);
    auto countOf = [&](const char *group, const char *plural) -> long long {
        return static_cast<long long>(store.list(rtype(group, plural), ns).items.size());
    };
    Json used = Json::object();
    for (const auto &[resource, limit] : hard.items()) {
        long long value = 0;
        bool known = true;
        if (resource == "pods" || resource == "count/pods") {
            value = static_cast<long long>(pods.size());
        } else if (isCpu(resource) || resource == "memory" || resource == "requests.memory" || resource == "limits.memory") {
            const bool limits = resource.rfind("limits.", 0) == 0;
            const std::string what = isCpu(resource) ? "cpu" : "memory";
            for (const auto &p : pods)
                value += podAmount(p->obj, what, limits);
        } else if (resource == "persistentvolumeclaims" || resource == "requests.storage") {
            for (const auto &c : store.list(rtype("", "persistentvolumeclaims"), ns).items) {
                if (resource == "persistentvolumeclaims")
                    ++value;
                else if (const Json *q = findPath(c->obj, "spec.resources.requests.storage"))
                    value += quantityOf(resource, *q);
            }
        } else if (resource == "services" || resource == "services.loadbalancers" || resource == "services.nodeports") {
            for (const auto &s : store.list(rtype("", "services"), ns).items) {
                const std::string type = stringAt(s->obj, "spec.type", "ClusterIP");
                if (resource == "services" || (resource == "services.loadbalancers" && type == "LoadBalancer"))
                    ++value;
                else if (resource == "services.nodeports" && (type == "NodePort" || type == "LoadBalancer"))
                    if (const Json *ports = findPath(s->obj, "spec.ports"); ports && ports->is_array())
                        value += static_cast<long long>(ports->size());
            }
        } else if (resource == "configmaps" || resource == "secrets" || resource == "resourcequotas") {
            value = countOf("", resource.c_str());
        } else if (resource.rfind("count/", 0) == 0) {
            // count/<resource>[.<group>]
            const std::string rest = resource.substr(6);
            const auto dot = rest.find('.');
            const std::string plural = rest.substr(0, dot), group = dot == std::string::npos ? "" : rest.substr(dot + 1);
            known = false;
            for (const auto &t : ResourceRegistry::instance().all())
                if (t.plural == plural && t.group == group && t.namespaced) {
                    value = static_cast<long long>(store.list(t, ns).items.size());
                    known = true;
                    break;
                }
        } else {
            known = false;  // extended resources and the like: not counted
        }
        if (known)
            used[resource] = formatQuantity(resource, value);
    }
    store.modify(rtype("", "resourcequotas"), ns, quota->name, [&](Json &o) {
        Json status = {{"hard", hard}, {"used", used}};
        if (o.value("status", Json()) == status)
            return false;
        o["status"] = status;
        return true;
    });
}

void PolicyController::syncBudget(const ObjPtr &budget)
{
    if (isTerminating(budget->obj))
        return;
    const Json &b = budget->obj;
    const Json *sel = findPath(b, "spec.selector");
    const LabelSelector selector = sel ? LabelSelector::fromObject(*sel) : LabelSelector();
    long long expected = 0, healthy = 0;
    for (const auto &p : m_cluster.store().list(rtype("", "pods"), budget->ns).items) {
        if (!sel || !podCounts(p->obj) || !selector.matches(findPath(p->obj, "metadata.labels")))
            continue;
        ++expected;
        if (const Json *conds = findPath(p->obj, "status.conditions"); conds && conds->is_array())
            for (const auto &c : *conds)
                if (c.value("type", "") == "Ready" && c.value("status", "") == "True")
                    ++healthy;
    }
    long long desired = 0;
    if (const Json *min = findPath(b, "spec.minAvailable"))
        desired = intOrPercent(min, expected, true, 0);
    else if (const Json *max = findPath(b, "spec.maxUnavailable"))
        desired = std::max(0LL, expected - intOrPercent(max, expected, true, 0));
    const long long allowed = std::max(0LL, healthy - desired);
    m_cluster.store().modify(rtype("policy", "poddisruptionbudgets"), budget->ns, budget->name, [&](Json &o) {
        Json before = o.value("status", Json::object());
        Json status = before;
        status["observedGeneration"] = intAt(o, "metadata.generation", 1);
        status["expectedPods"] = expected;
        status["currentHealthy"] = healthy;
        status["desiredHealthy"] = desired;
        status["disruptionsAllowed"] = allowed;
        const std::string condStatus = allowed > 0 ? "True" : "False";
        const std::string reason = allowed > 0 ? "SufficientPods" : "InsufficientPods";
        Json cond = {{"type", "DisruptionAllowed"}, {"status", condStatus}, {"reason", reason}, {"message", ""},
                     {"observedGeneration", status["observedGeneration"]}, {"lastTransitionTime", rfc3339Now()}};
        Json conds = Json::array();
        bool found = false;
        if (before.contains("conditions") && before["conditions"].is_array())
            for (auto c : before["conditions"]) {
                if (c.value("type", "") == "DisruptionAllowed") {
                    found = true;
                    if (c.value("status", "") == condStatus && c.value("reason", "") == reason)
                        cond["lastTransitionTime"] = c.value("lastTransitionTime", "");
                    c = cond;
                }
                conds.push_back(c);
            }
        if (!found)
            conds.push_back(cond);
        status["conditions"] = conds;
        if (status == before)
            return false;
        o["status"] = status;
        return true;
    });
}

}  // namespace pilothouse::sim
