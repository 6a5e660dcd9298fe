// The simulated workload behind metrics.k8s.io and the HPA controller.
#include "telemetry/loadmodel.h"

#include "kube/objectutil.h"
#include "kube/quantity.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace pilothouse::sim {

namespace {

std::uint32_t fnv(const std::string &s)
{
    std::uint32_t h = 2166136261u;
    for (unsigned char c : s) {
        h ^= c;
        h *= 16777619u;
    }
    return h;
}

bool podRunningAndReady(const Json &pod)
{
    return stringAt(pod, "status.phase") == "Running" && !isTerminating(pod) && isPodReady(pod);
}

std::string controllerName(const Json &o, const char *kind)
{
    if (const Json *refs = findPath(o, "metadata.ownerReferences"); refs && refs->is_array())
        for (const auto &r : *refs)
            if (r.value("controller", false) && r.value("kind", "") == kind)
                return r.value("name", "");
    return {};
}

double annotationNumber(const Json &o, const char *key, double fallback)
{
    if (const Json *ann = findPath(o, "metadata.annotations"); ann && ann->is_object() && ann->contains(key)) {
        const Json &v = (*ann)[key];
        if (v.is_number())
            return v.get<double>();
        if (v.is_string()) {
            const std::string s = v.get<std::string>();
            char *end = nullptr;
            double d = std::strtod(s.c_str(), &end);
            if (end && end != s.c_str())
                return d;
        }
    }
    return fallback;
}

}  // namespace

void LoadModel::setRps(const std::string &ns, const std::string &deployment, double rps)
{
    std::lock_guard lock(m_mutex);
    m_rps[ns + "/" + deployment] = rps;
    m_rpsChanged.insert(ns + "/" + deployment);
}

void LoadModel::setErrorPercent(const std::string &ns, const std::string &image, double percent)
{
    std::lock_guard lock(m_mutex);
    if (percent <= 0)
        m_errorPercent.erase(ns + "/" + image);
    else
        m_errorPercent[ns + "/" + image] = std::min(percent, 100.0);
}

double LoadModel::errorPercent(const std::string &ns, const std::string &image) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_errorPercent.find(ns + "/" + image);
    return it == m_errorPercent.end() ? 0.0 : it->second;
}

double LoadModel::rps(const Json &deployment) const
{
    {
        std::lock_guard lock(m_mutex);
        auto it = m_rps.find(stringAt(deployment, "metadata.namespace") + "/" + stringAt(deployment, "metadata.name"));
        if (it != m_rps.end())
            return it->second;
    }
    return std::max(0.0, annotationNumber(deployment, kRpsAnnotation, 0.0));
}

double LoadModel::cpuPerRequestMillis(const Json &deployment) const
{
    return std::max(0.0, annotationNumber(deployment, kCostAnnotation, 2.0));
}

void LoadModel::recordPodRates(const ObjectStore &store, std::chrono::system_clock::time_point now)
{
    {
        std::lock_guard lock(m_mutex);
        m_rpsChanged.clear();  // every Deployment is sampled below
    }
    record(store, std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 1, nullptr);
}

void LoadModel::recordPodRates(const ObjectStore &store, std::chrono::system_clock::time_point now, const std::set<std::string> &changed)
{
    std::set<std::string> keys = changed;
    {
        std::lock_guard lock(m_mutex);
        keys.merge(m_rpsChanged);
        m_rpsChanged.clear();
    }
    if (!keys.empty())
        record(store, std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 1, &keys);
}

void LoadModel::record(const ObjectStore &store, long long applies, const std::set<std::string> *only)
{
    // Bounded: a Deployment whose rate changes every second keeps a bit more than an hour.
    constexpr size_t kMaxPoints = 4096;
    const auto &depType = ResourceRegistry::instance().require("apps", "deployments");
    auto rateOf = [&](const ObjPtr &d) {
        const double ready = static_cast<double>(std::max(1LL, intAt(d->obj, "status.readyReplicas", 0)));
        return rps(d->obj) / ready;
    };
    std::map<std::string, double> rates;
    std::set<std::string> gone;
    if (only) {
        for (const auto &key : *only) {
            const auto slash = key.find('/');
            if (ObjPtr d = slash == std::string::npos ? nullptr : store.get(depType, key.substr(0, slash), key.substr(slash + 1)))
                rates[key] = rateOf(d);
            else
                gone.insert(key);
        }
    } else {
        for (const auto &d : store.list(depType).items)
            rates[d->ns + "/" + d->name] = rateOf(d);
    }
    std::lock_guard lock(m_historyMutex);
    if (only) {
        for (const auto &key : gone)
            m_podRates.erase(key);
    } else {
        for (auto it = m_podRates.begin(); it != m_podRates.end();)
            it = rates.count(it->first) ? std::next(it) : m_podRates.erase(it);
    }
    for (const auto &[key, rate] : rates) {
        auto &points = m_podRates[key];
        if (!points.empty() && std::abs(points.back().second - rate) < 1e-9)
            continue;
        if (!points.empty() && points.back().first >= applies)
            points.back().second = rate;  // sampled twice within a second: the later value wins
        else
            points.emplace_back(applies, rate);
        while (points.size() > kMaxPoints)
            points.pop_front();
    }
}

LoadModel::RateHistory LoadModel::podRateHistory(const std::string &ns, const std::string &deployment) const
{
    std::lock_guard lock(m_historyMutex);
    auto it = m_podRates.find(ns + "/" + deployment);
    if (it == m_podRates.end())
        return {};
    return RateHistory(it->second.begin(), it->second.end());
}

double LoadModel::rateAt(const RateHistory &history, long long second)
{
    auto it = std::upper_bound(history.begin(), history.end(), second,
                               [](long long s, const std::pair<long long, double> &p) { return s < p.first; });
    return it == history.begin() ? 0.0 : std::prev(it)->second;
}

std::vector<PodUsage> LoadModel::podUsage(const ObjectStore &store, const std::string &ns) const
{
    const auto &reg = ResourceRegistry::instance();
    const auto &podType = reg.require("", "pods");
    const auto &rsType = reg.require("apps", "replicasets");
    const auto &depType = reg.require("apps", "deployments");
    auto pods = store.list(podType, ns).items;

    // Each pod's Deployment (through its ReplicaSet), and the ready pods per Deployment.
    std::map<std::string, std::string> rsToDeployment;  // "ns/rs" -> deployment name
    std::vector<std::string> deploymentOf(pods.size());
    std::map<std::string, long long> readyPods;  // "ns/deployment"
    for (size_t i = 0; i < pods.size(); ++i) {
        const auto &p = pods[i];
        std::string rs = controllerName(p->obj, "ReplicaSet");
        if (rs.empty())
            continue;
        std::string key = p->ns + "/" + rs;
        auto it = rsToDeployment.find(key);
        if (it == rsToDeployment.end()) {
            ObjPtr rsObj = store.get(rsType, p->ns, rs);
            it = rsToDeployment.emplace(key, rsObj ? controllerName(rsObj->obj, "Deployment") : std::string()).first;
        }
        deploymentOf[i] = it->second;
        if (!it->second.empty() && podRunningAndReady(p->obj))
            ++readyPods[p->ns + "/" + it->second];
    }
    std::map<std::string, std::pair<double, double>> load;  // "ns/deployment" -> rps, cost per request
    for (const auto &[key, count] : readyPods) {
        auto slash = key.find('/');
        ObjPtr d = store.get(depType, key.substr(0, slash), key.substr(slash + 1));
        if (d)
            load[key] = {rps(d->obj), std::max(0.0, annotationNumber(d->obj, kCostAnnotation, 2.0))};
    }

    std::vector<PodUsage> out;
    for (size_t i = 0; i < pods.size(); ++i) {
        const auto &p = pods[i];
        if (stringAt(p->obj, "status.phase") != "Running")
            continue;
        const Json *containers = findPath(p->obj, "spec.containers");
        if (!containers || !containers->is_array() || containers->empty())
            continue;
        PodUsage u;
        u.pod = p;
        const std::uint32_t h = fnv(p->ns + "/" + p->name);
        long long cpu = 0;
        double perPodRps = 0;
        if (podRunningAndReady(p->obj)) {
            std::string key = p->ns + "/" + deploymentOf[i];
            auto l = load.find(key);
            if (l != load.end() && readyPods[key] > 0) {
                perPodRps = l->second.first / static_cast<double>(readyPods[key]);
                cpu = std::llround(perPodRps * l->second.second);
            }
            cpu += kBaseCpuMillis + static_cast<long long>(h % 5) - 2;  // a little deterministic noise
        }
        const long long n = static_cast<long long>(containers->size());
        for (long long c = 0; c < n; ++c) {
            ContainerUsage cu;
            cu.name = (*containers)[static_cast<size_t>(c)].value("name", "");
            cu.cpuMillis = cpu / n + (c == 0 ? cpu % n : 0);
            cu.memoryBytes = (24LL + static_cast<long long>((h >> 8) % 16) + std::llround(perPodRps * 0.05)) * 1024 * 1024;
            u.containers.push_back(cu);
        }
        out.push_back(std::move(u));
    }
    return out;
}

}  // namespace pilothouse::sim
