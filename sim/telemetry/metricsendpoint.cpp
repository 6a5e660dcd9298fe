// /metrics: Istio's standard metrics over the scenario's call graph, cAdvisor, kube-state-metrics and
// Argo Rollouts series, all computed at scrape time from the store and the load model. Counters are
// integrated from the rates between two scrapes, so a sim nobody scrapes does no work here.
#include "telemetry/metricsendpoint.h"

#include "common/httputil.h"
#include "kube/objectutil.h"
#include "kube/quantity.h"

#include <httplib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <set>
#include <sstream>
#include <unordered_map>

namespace pilothouse::sim {

namespace {

// Envoy's default duration buckets (ms), and Istio's byte size buckets (exponential, 1 × 10^i).
constexpr std::array<double, 19> kDurationBuckets = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
                                                     30000, 60000, 300000, 600000, 1800000, 3600000};
constexpr std::array<double, 8> kByteBuckets = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

std::uint32_t fnv(const std::string &s)
{
    std::uint32_t h = 2166136261u;
    for (unsigned char c : s) {
        h ^= c;
        h *= 16777619u;
    }
    return h;
}

std::string num(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// A counter of whole events shown as such: the integrated value floored keeps it monotonic.
std::string count(double v) { return num(std::floor(v + 1e-9)); }

std::string escape(const std::string &v)
{
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

// Labels rendered once: `name="value",...` without braces.
class Labels {
public:
    Labels &add(const char *name, const std::string &value)
    {
        if (!m_text.empty())
            m_text += ',';
        m_text += name;
        m_text += "=\"";
        m_text += escape(value);
        m_text += '"';
        return *this;
    }
    const std::string &text() const { return m_text; }

private:
    std::string m_text;
};

double normalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Adds `n` events of a log-normal distribution with median `median` to per-bucket counts.
template<size_t N>
void spread(std::array<double, N + 1> &perBucket, const std::array<double, N> &bounds, double n, double median, double sigma)
{
    double below = 0;
    for (size_t i = 0; i < N; ++i) {
        const double cdf = normalCdf((std::log(bounds[i]) - std::log(median)) / sigma);
        perBucket[i] += n * (cdf - below);
        below = cdf;
    }
    perBucket[N] += n * (1 - below);
}

struct HttpSeries {
    std::string labels;
    bool tcp = false;
    bool noBytes = false;  // the generated mesh keeps its scrape smaller without the size histograms
    double requests = 0;
    std::array<double, kDurationBuckets.size() + 1> duration{};
    double durationSum = 0;
    std::array<double, kByteBuckets.size() + 1> requestBytes{};
    double requestBytesSum = 0;
    std::array<double, kByteBuckets.size() + 1> responseBytes{};
    double responseBytesSum = 0;
    bool touched = false;
};

struct CpuSeries {
    std::string labels;
    double seconds = 0;
    bool touched = false;
};

// One pod of a workload as the mesh sees it.
struct MeshPod {
    std::string name, node, serviceAccount, version, image;
    double share = 0;         // of the workload's traffic from its callers
    double previewShare = 0;  // of the synthetic preview traffic (a blue-green preview)
    double errorFraction = 0;
    double latencyMs = 10;
};

struct MeshWorkload {
    std::string ns, name, app, protocol = "http";
    double entryRps = 0;  // from the traffic generator (the load model's rps of the workload)
    double baseLatencyMs = 10;
    double requestBytes = 400, responseBytes = 2000;
    std::vector<std::pair<std::string, double>> calls;  // "ns/name", calls per request
    std::vector<MeshPod> pods;
    bool synthetic = false;
};

std::vector<std::pair<std::string, double>> parseCalls(const std::string &text, const std::string &ns)
{
    std::vector<std::pair<std::string, double>> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t\n"));
        item.erase(item.find_last_not_of(" \t\n") + 1);
        if (item.empty())
            continue;
        const auto eq = item.find('=');
        std::string target = item.substr(0, eq);
        double ratio = 1;
        if (eq != std::string::npos)
            ratio = std::strtod(item.c_str() + eq + 1, nullptr);
        if (target.find('/') == std::string::npos)
            target = ns + "/" + target;
        if (ratio > 0)
            out.emplace_back(target, ratio);
    }
    return out;
}

std::string imageTag(const std::string &image)
{
    const auto colon = image.rfind(':');
    const auto slash = image.rfind('/');
    if (colon == std::string::npos || (slash != std::string::npos && colon < slash))
        return "latest";
    return image.substr(colon + 1);
}

std::string controllerOf(const Json &o, const char *kind)
{
    if (const Json *refs = findPath(o, "metadata.ownerReferences"); refs && refs->is_array())
        for (const auto &r : *refs)
            if (r.value("controller", false) && (!kind || r.value("kind", "") == kind))
                return r.value("name", "");
    return {};
}

bool runningAndReady(const Json &pod)
{
    return stringAt(pod, "status.phase") == "Running" && !isTerminating(pod) && isPodReady(pod);
}

long long cpuRequestMillis(const Json &pod)
{
    long long total = 0;
    if (const Json *cs = findPath(pod, "spec.containers"); cs && cs->is_array())
        for (const auto &c : *cs)
            if (const Json *q = findPath(c, "resources.requests.cpu"))
                total += parseCpuMillis(q->is_string() ? q->get<std::string>() : q->dump());
    return total;
}

}  // namespace

struct MetricsEndpoint::State {
    SyntheticMeshOptions synthetic;
    std::vector<MeshWorkload> syntheticWorkloads;
    bool started = false;
    std::chrono::steady_clock::time_point last;
    std::unordered_map<std::string, HttpSeries> http;  // key: labels
    std::unordered_map<std::string, CpuSeries> cpu;    // key: labels
};

namespace {

void buildSynthetic(const SyntheticMeshOptions &o, std::vector<MeshWorkload> &out)
{
    const int n = std::max(0, o.services);
    const int namespaces = std::max(1, o.namespaces);
    auto nsOf = [&](int i) { return "mesh-" + std::to_string(i % namespaces); };
    for (int i = 0; i < n; ++i) {
        MeshWorkload w;
        w.ns = nsOf(i);
        w.name = "svc-" + std::to_string(i);
        w.app = w.name;
        w.synthetic = true;
        w.protocol = i % 3 == 0 ? "http" : "grpc";
        const std::uint32_t h = fnv(w.name);
        w.baseLatencyMs = 3 + h % 40;
        w.entryRps = i < namespaces ? 20 : 0;  // one root per namespace, taking traffic from outside
        MeshPod p;
        p.name = w.name + "-" + std::to_string(10000 + h % 90000) + "-abcde";
        p.node = "node-a";
        p.serviceAccount = w.name;
        p.version = "v1";
        p.image = "registry.pilothouse.local/mesh/" + w.name + ":1.0.0";
        p.share = 1;
        w.pods.push_back(p);
        out.push_back(std::move(w));
    }
    // A spanning tree first (every service reachable from a root), then extra edges to later services.
    std::set<std::pair<int, int>> edges;
    for (int j = namespaces; j < n; ++j)
        edges.emplace(static_cast<int>(fnv("parent" + std::to_string(j)) % static_cast<std::uint32_t>(j)), j);
    std::uint32_t seed = 12345;
    const int want = std::max(o.edges, static_cast<int>(edges.size()));
    for (int tries = 0; static_cast<int>(edges.size()) < want && tries < want * 20 && n > 1; ++tries) {
        seed = seed * 1103515245u + 12345u;
        int a = static_cast<int>((seed >> 8) % static_cast<std::uint32_t>(n));
        seed = seed * 1103515245u + 12345u;
        int b = static_cast<int>((seed >> 8) % static_cast<std::uint32_t>(n));
        if (a == b)
            continue;
        edges.emplace(std::min(a, b), std::max(a, b));
    }
    for (const auto &[a, b] : edges)
        out[static_cast<size_t>(a)].calls.emplace_back(out[static_cast<size_t>(b)].ns + "/" + out[static_cast<size_t>(b)].name,
                                                       0.3 + (fnv(std::to_string(a) + ">" + std::to_string(b)) % 70) / 100.0);
}

// The scenario's workloads (Deployments, Rollouts) with their ready pods and what they cost.
std::vector<MeshWorkload> clusterWorkloads(const Cluster &cluster, const LoadModel &load, const std::vector<PodUsage> &usage)
{
    const ObjectStore &store = cluster.store();
    std::map<std::string, MeshWorkload> byKey;
    std::map<std::string, Json> rolloutStatus;  // "ns/name"
    for (const auto &[group, plural] : {std::pair{"apps", "deployments"}, std::pair{"argoproj.io", "rollouts"}}) {
        const ResourceType *t = &ResourceRegistry::instance().require(group, plural);
        if (!t)
            continue;
        for (const auto &d : store.list(*t).items) {
            MeshWorkload w;
            w.ns = d->ns;
            w.name = d->name;
            w.app = labelOf(d->obj, "app");
            if (w.app.empty())
                w.app = d->name;
            w.entryRps = load.rps(d->obj);
            w.calls = parseCalls(annotationOf(d->obj, MetricsEndpoint::kCallsAnnotation), d->ns);
            if (std::string p = annotationOf(d->obj, MetricsEndpoint::kProtocolAnnotation); !p.empty())
                w.protocol = p;
            const std::uint32_t h = fnv(d->ns + "/" + d->name);
            w.baseLatencyMs = 4 + h % 20;
            if (std::string l = annotationOf(d->obj, MetricsEndpoint::kLatencyAnnotation); !l.empty())
                w.baseLatencyMs = std::max(0.1, std::strtod(l.c_str(), nullptr));
            w.requestBytes = 200 + (h >> 5) % 800;
            w.responseBytes = 800 + (h >> 11) % 8000;
            if (std::string_view(plural) == "rollouts")
                rolloutStatus[d->ns + "/" + d->name] = d->obj.value("status", Json::object());
            byKey.emplace(d->ns + "/" + d->name, std::move(w));
        }
    }
    std::map<std::string, const PodUsage *> usageOf;
    for (const auto &u : usage)
        usageOf[u.pod->ns + "/" + u.pod->name] = &u;
    // Pod → ReplicaSet → workload.
    const auto &rsType = ResourceRegistry::instance().require("apps", "replicasets");
    std::map<std::string, std::string> rsOwner;  // "ns/rs" → "ns/workload"
    for (const auto &rs : store.list(rsType).items)
        if (std::string owner = controllerOf(rs->obj, nullptr); !owner.empty())
            rsOwner[rs->ns + "/" + rs->name] = rs->ns + "/" + owner;
    struct Pending {
        ObjPtr pod;
        std::string hash;
    };
    std::map<std::string, std::vector<Pending>> podsOf;
    for (const auto &p : store.list(ResourceRegistry::instance().require("", "pods")).items) {
        if (!runningAndReady(p->obj))
            continue;
        const std::string rs = controllerOf(p->obj, "ReplicaSet");
        auto it = rs.empty() ? rsOwner.end() : rsOwner.find(p->ns + "/" + rs);
        if (it == rsOwner.end() || !byKey.count(it->second))
            continue;
        podsOf[it->second].push_back({p, labelOf(p->obj, "rollouts-pod-template-hash")});
    }
    std::vector<MeshWorkload> out;
    for (auto &[key, w] : byKey) {
        auto pods = podsOf.find(key);
        if (pods != podsOf.end()) {
            std::string active, preview;
            if (auto st = rolloutStatus.find(key); st != rolloutStatus.end()) {
                active = stringAt(st->second, "blueGreen.activeSelector");
                preview = stringAt(st->second, "blueGreen.previewSelector");
                if (preview == active)
                    preview.clear();
            }
            size_t serving = 0, previewing = 0;
            for (const auto &p : pods->second) {
                if (!preview.empty() && p.hash == preview)
                    ++previewing;
                else if (active.empty() || p.hash == active)
                    ++serving;
            }
            for (const auto &p : pods->second) {
                MeshPod mp;
                mp.name = p.pod->name;
                mp.node = stringAt(p.pod->obj, "spec.nodeName");
                mp.serviceAccount = stringAt(p.pod->obj, "spec.serviceAccountName", "default");
                const Json *cs = findPath(p.pod->obj, "spec.containers");
                mp.image = cs && cs->is_array() && !cs->empty() ? (*cs)[0].value("image", "") : std::string();
                mp.version = labelOf(p.pod->obj, "version");
                if (mp.version.empty())
                    mp.version = imageTag(mp.image);  // the sim's stand-in for app.kubernetes.io/version
                if (!preview.empty() && p.hash == preview)
                    mp.previewShare = 1.0 / static_cast<double>(previewing);
                else if (active.empty() || p.hash == active)
                    mp.share = 1.0 / static_cast<double>(serving);
                double errors = 0;
                if (cs && cs->is_array())
                    for (const auto &c : *cs)
                        errors = std::max(errors, load.errorPercent(w.ns, c.value("image", "")));
                mp.errorFraction = errors / 100.0;
                // Latency grows with the pod's CPU saturation, as a queue's wait does (M/M/1: 1/(1-ρ)).
                double rho = 0;
                if (auto u = usageOf.find(w.ns + "/" + mp.name); u != usageOf.end())
                    if (long long req = cpuRequestMillis(p.pod->obj); req > 0)
                        rho = static_cast<double>(u->second->cpuMillis()) / static_cast<double>(req);
                mp.latencyMs = w.baseLatencyMs / (1 - std::clamp(rho, 0.0, 0.95));
                w.pods.push_back(std::move(mp));
            }
        }
        out.push_back(std::move(w));
    }
    return out;
}

// The inbound rate of each workload: its own entry rate plus what its callers send (a DAG; a cycle
// is cut where it closes).
std::map<std::string, double> inboundRates(const std::vector<MeshWorkload> &workloads)
{
    std::map<std::string, const MeshWorkload *> byKey;
    std::map<std::string, std::vector<std::pair<const MeshWorkload *, double>>> callers;
    for (const auto &w : workloads) {
        byKey[w.ns + "/" + w.name] = &w;
        for (const auto &[target, ratio] : w.calls)
            callers[target].emplace_back(&w, ratio);
    }
    std::map<std::string, double> rate;
    std::set<std::string> visiting;
    std::function<double(const std::string &)> inbound = [&](const std::string &key) -> double {
        if (auto it = rate.find(key); it != rate.end())
            return it->second;
        if (!visiting.insert(key).second)
            return 0;
        double r = 0;
        if (auto w = byKey.find(key); w != byKey.end())
            r += w->second->entryRps;
        for (const auto &[caller, ratio] : callers[key])
            r += inbound(caller->ns + "/" + caller->name) * ratio;
        visiting.erase(key);
        rate[key] = r;
        return r;
    };
    for (const auto &w : workloads)
        inbound(w.ns + "/" + w.name);
    return rate;
}

struct Peer {
    const MeshWorkload *workload = nullptr;  // null: unknown (the traffic generator)
    const MeshPod *pod = nullptr;
};

std::string principal(const std::string &ns, const std::string &sa) { return "spiffe://cluster.local/ns/" + ns + "/sa/" + sa; }

// The Istio label set of one series.
std::string istioLabels(const char *reporter, const Peer &src, const MeshWorkload &dst, const MeshPod &dstPod, const std::string &version,
                        const std::string &protocol, const std::string &code, const std::string &reportingPod,
                        const std::string &reportingNs)
{
    const bool unknown = !src.workload;
    const bool source = std::string_view(reporter) == "source";
    Labels l;
    l.add("connection_security_policy", unknown ? "none" : source ? "unknown" : "mutual_tls");
    l.add("destination_app", dst.app);
    l.add("destination_canonical_revision", version);
    l.add("destination_canonical_service", dst.app);
    l.add("destination_cluster", "Kubernetes");
    l.add("destination_principal", principal(dst.ns, dstPod.serviceAccount));
    l.add("destination_service", dst.app + "." + dst.ns + ".svc.cluster.local");
    l.add("destination_service_name", dst.app);
    l.add("destination_service_namespace", dst.ns);
    l.add("destination_version", version);
    l.add("destination_workload", dst.name);
    l.add("destination_workload_namespace", dst.ns);
    if (protocol != "tcp")
        l.add("grpc_response_status", protocol == "grpc" ? (code == "200" ? "0" : "14") : "");
    l.add("namespace", reportingNs);
    l.add("pod", reportingPod);
    l.add("reporter", reporter);
    l.add("request_protocol", protocol);
    if (protocol != "tcp")
        l.add("response_code", code);
    l.add("response_flags", code == "503" ? "URX" : "-");
    l.add("source_app", unknown ? "unknown" : src.workload->app);
    l.add("source_canonical_revision", unknown ? "unknown" : src.pod->version);
    l.add("source_canonical_service", unknown ? "unknown" : src.workload->app);
    l.add("source_cluster", unknown ? "unknown" : "Kubernetes");
    l.add("source_principal", unknown ? "unknown" : principal(src.workload->ns, src.pod->serviceAccount));
    l.add("source_version", unknown ? "unknown" : src.pod->version);
    l.add("source_workload", unknown ? "unknown" : src.workload->name);
    l.add("source_workload_namespace", unknown ? "unknown" : src.workload->ns);
    return l.text();
}

void family(std::string &out, const char *name, const char *type, const char *help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(std::string &out, const char *name, const std::string &labels, const std::string &value)
{
    out += name;
    out += '{';
    out += labels;
    out += "} ";
    out += value;
    out += '\n';
}

template<size_t N>
void histogram(std::string &out, const std::string &name, const std::string &labels, const std::array<double, N> &bounds,
               const std::array<double, N + 1> &perBucket, double sum)
{
    double cumulative = 0;
    const std::string bucket = name + "_bucket{" + labels + ",le=\"";
    for (size_t i = 0; i <= N; ++i) {
        cumulative += perBucket[i];
        out += bucket;
        out += i < N ? num(bounds[i]) : std::string("+Inf");
        out += "\"} ";
        out += count(cumulative);
        out += '\n';
    }
    out += name + "_sum{" + labels + "} " + num(sum) + "\n";
    out += name + "_count{" + labels + "} " + count(cumulative) + "\n";
}

}  // namespace

MetricsEndpoint::MetricsEndpoint(Cluster &cluster, const LoadModel &load, SyntheticMeshOptions synthetic)
    : m_cluster(cluster), m_load(load), m_state(std::make_unique<State>())
{
    m_state->synthetic = synthetic;
    if (synthetic.services > 0)
        buildSynthetic(synthetic, m_state->syntheticWorkloads);
}

MetricsEndpoint::~MetricsEndpoint() = default;

std::vector<MeshEdgeRate> MetricsEndpoint::edgeRates() const
{
    std::lock_guard lock(m_mutex);
    const auto usage = m_load.podUsage(m_cluster.store(), {});
    std::vector<MeshWorkload> workloads = clusterWorkloads(m_cluster, m_load, usage);
    workloads.insert(workloads.end(), m_state->syntheticWorkloads.begin(), m_state->syntheticWorkloads.end());
    const auto inbound = inboundRates(workloads);
    std::map<std::string, const MeshWorkload *> byKey;
    for (const auto &w : workloads)
        byKey[w.ns + "/" + w.name] = &w;
    std::vector<MeshEdgeRate> out;
    auto add = [&](const MeshWorkload *src, const MeshWorkload &dst, double rps) {
        MeshEdgeRate e;
        e.sourceNamespace = src ? src->ns : "unknown";
        e.source = src ? src->name : "unknown";
        e.destinationNamespace = dst.ns;
        e.destination = dst.name;
        e.protocol = dst.protocol;
        e.rps = rps;
        double shares = 0;
        for (const auto &p : dst.pods) {
            e.errorPercent += p.share * p.errorFraction * 100;
            e.latencyMs += p.share * p.latencyMs;
            shares += p.share;
        }
        if (shares <= 0)
            e.latencyMs = dst.baseLatencyMs;
        out.push_back(e);
    };
    for (const auto &w : workloads) {
        if (w.entryRps > 0)
            add(nullptr, w, w.entryRps);
        for (const auto &[target, ratio] : w.calls)
            if (auto d = byKey.find(target); d != byKey.end())
                add(&w, *d->second, inbound.at(w.ns + "/" + w.name) * ratio);
    }
    return out;
}

std::string MetricsEndpoint::render()
{
    std::lock_guard lock(m_mutex);
    State &st = *m_state;
    const auto now = std::chrono::steady_clock::now();
    const double dt = st.started ? std::chrono::duration<double>(now - st.last).count() : 0.0;
    st.started = true;
    st.last = now;

    const ObjectStore &store = m_cluster.store();
    const auto usage = m_load.podUsage(store, {});
    std::vector<MeshWorkload> workloads = clusterWorkloads(m_cluster, m_load, usage);
    workloads.insert(workloads.end(), st.syntheticWorkloads.begin(), st.syntheticWorkloads.end());
    const auto inbound = inboundRates(workloads);
    std::map<std::string, const MeshWorkload *> byKey;
    for (const auto &w : workloads)
        byKey[w.ns + "/" + w.name] = &w;

    for (auto &[k, s] : st.http)
        s.touched = false;
    // Adds `rps` requests of one flow to a series, created when it first carries traffic.
    auto flow = [&](const std::string &labels, double rps, double latencyMs, const MeshWorkload &dst, bool tcp) {
        auto it = st.http.find(labels);
        if (it == st.http.end()) {
            if (rps <= 0)
                return;
            it = st.http.emplace(labels, HttpSeries{}).first;
            it->second.labels = labels;
            it->second.tcp = tcp;
            it->second.noBytes = dst.synthetic;
        }
        HttpSeries &s = it->second;
        s.touched = true;
        const double n = rps * dt;
        if (n <= 0)
            return;
        s.requests += n;
        s.requestBytesSum += n * dst.requestBytes;
        s.responseBytesSum += n * dst.responseBytes;
        if (tcp)
            return;
        spread<kDurationBuckets.size()>(s.duration, kDurationBuckets, n, latencyMs, 0.5);
        s.durationSum += n * latencyMs * std::exp(0.125);  // the log-normal's mean
        spread<kByteBuckets.size()>(s.requestBytes, kByteBuckets, n, dst.requestBytes, 0.3);
        spread<kByteBuckets.size()>(s.responseBytes, kByteBuckets, n, dst.responseBytes, 0.3);
    };
    // Both reporters of one edge: the destination's proxy per destination pod, the source's per source pod.
    auto edge = [&](const MeshWorkload *src, const MeshWorkload &dst, double rps, bool preview) {
        const bool tcp = dst.protocol == "tcp";
        std::vector<const MeshPod *> srcPods;
        if (src)
            for (const auto &p : src->pods)
                if (p.share > 0)
                    srcPods.push_back(&p);
        for (const auto &dp : dst.pods) {
            const double share = preview ? dp.previewShare : dp.share;
            const double podRps = rps * share;
            const double err = tcp ? 0 : dp.errorFraction;
            const std::string errCode = dst.protocol == "grpc" ? "503" : "500";
            for (const auto &[code, fraction] : {std::pair{std::string("200"), 1 - err}, std::pair{errCode, err}}) {
                if (!src) {
                    flow(istioLabels("destination", Peer{}, dst, dp, dp.version, dst.protocol, code, dp.name, dst.ns), podRps * fraction,
                         dp.latencyMs, dst, tcp);
                    continue;
                }
                for (const MeshPod *sp : srcPods) {
                    const double r = podRps * fraction * sp->share;
                    flow(istioLabels("destination", Peer{src, sp}, dst, dp, dp.version, dst.protocol, code, dp.name, dst.ns), r, dp.latencyMs,
                         dst, tcp);
                    flow(istioLabels("source", Peer{src, sp}, dst, dp, dp.version, dst.protocol, code, sp->name, src->ns), r,
                         dp.latencyMs + 1, dst, tcp);
                }
            }
        }
    };
    for (const auto &w : workloads) {
        edge(nullptr, w, w.entryRps, false);
        bool hasPreview = false;
        for (const auto &p : w.pods)
            hasPreview = hasPreview || p.previewShare > 0;
        if (hasPreview)
            edge(nullptr, w, kPreviewRps, true);
        for (const auto &[target, ratio] : w.calls)
            if (auto d = byKey.find(target); d != byKey.end())
                edge(&w, *d->second, inbound.at(w.ns + "/" + w.name) * ratio, false);
    }
    // A series whose pod or edge is gone goes with it, as an Envoy's stats go with its pod.
    for (auto it = st.http.begin(); it != st.http.end();)
        it = it->second.touched ? std::next(it) : st.http.erase(it);

    std::vector<const HttpSeries *> http, tcp;
    for (const auto &[k, s] : st.http)
        (s.tcp ? tcp : http).push_back(&s);
    auto byLabels = [](const HttpSeries *a, const HttpSeries *b) { return a->labels < b->labels; };
    std::sort(http.begin(), http.end(), byLabels);
    std::sort(tcp.begin(), tcp.end(), byLabels);

    std::string out;
    out.reserve(4096 + http.size() * 12000);
    family(out, "istio_requests_total", "counter", "Total number of requests handled by the Istio proxy.");
    for (const auto *s : http)
        sample(out, "istio_requests_total", s->labels, count(s->requests));
    family(out, "istio_request_duration_milliseconds", "histogram", "Duration of requests, in milliseconds.");
    for (const auto *s : http)
        histogram<kDurationBuckets.size()>(out, "istio_request_duration_milliseconds", s->labels, kDurationBuckets, s->duration, s->durationSum);
    family(out, "istio_request_bytes", "histogram", "Size of HTTP request bodies, in bytes.");
    for (const auto *s : http)
        if (!s->noBytes)
            histogram<kByteBuckets.size()>(out, "istio_request_bytes", s->labels, kByteBuckets, s->requestBytes, s->requestBytesSum);
    family(out, "istio_response_bytes", "histogram", "Size of HTTP response bodies, in bytes.");
    for (const auto *s : http)
        if (!s->noBytes)
            histogram<kByteBuckets.size()>(out, "istio_response_bytes", s->labels, kByteBuckets, s->responseBytes, s->responseBytesSum);
    family(out, "istio_tcp_sent_bytes_total", "counter", "Bytes sent during the response of TCP connections.");
    for (const auto *s : tcp)
        sample(out, "istio_tcp_sent_bytes_total", s->labels, count(s->responseBytesSum));
    family(out, "istio_tcp_received_bytes_total", "counter", "Bytes received during the request of TCP connections.");
    for (const auto *s : tcp)
        sample(out, "istio_tcp_received_bytes_total", s->labels, count(s->requestBytesSum));

    // cAdvisor: the load model's usage, as metrics.k8s.io reports it.
    for (auto &[k, s] : st.cpu)
        s.touched = false;
    std::string memory;
    std::vector<const CpuSeries *> cpu;
    const auto wallNow = std::chrono::system_clock::now();
    for (const auto &u : usage) {
        const Json *cs = findPath(u.pod->obj, "spec.containers");
        for (size_t i = 0; i < u.containers.size(); ++i) {
            const auto &c = u.containers[i];
            std::string image = cs && cs->is_array() && i < cs->size() ? (*cs)[i].value("image", "") : std::string();
            Labels l;
            l.add("container", c.name).add("cpu", "total").add("image", image).add("namespace", u.pod->ns)
                .add("node", stringAt(u.pod->obj, "spec.nodeName")).add("pod", u.pod->name);
            auto it = st.cpu.find(l.text());
            if (it == st.cpu.end()) {
                it = st.cpu.emplace(l.text(), CpuSeries{l.text(), 0, false}).first;
                // A container seen for the first time has run since its pod started.
                auto started = parseRfc3339(stringAt(u.pod->obj, "status.startTime"));
                if (started.time_since_epoch().count() > 0)
                    it->second.seconds = std::max(0.0, std::chrono::duration<double>(wallNow - started).count()) * static_cast<double>(c.cpuMillis) / 1000.0;
            } else {
                it->second.seconds += dt * static_cast<double>(c.cpuMillis) / 1000.0;
            }
            it->second.touched = true;
            Labels m;
            m.add("container", c.name).add("image", image).add("namespace", u.pod->ns).add("node", stringAt(u.pod->obj, "spec.nodeName"))
                .add("pod", u.pod->name);
            sample(memory, "container_memory_working_set_bytes", m.text(), num(static_cast<double>(c.memoryBytes)));
        }
    }
    for (auto it = st.cpu.begin(); it != st.cpu.end();)
        it = it->second.touched ? std::next(it) : st.cpu.erase(it);
    for (const auto &[k, s] : st.cpu)
        cpu.push_back(&s);
    std::sort(cpu.begin(), cpu.end(), [](const CpuSeries *a, const CpuSeries *b) { return a->labels < b->labels; });
    family(out, "container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.");
    for (const auto *s : cpu)
        sample(out, "container_cpu_usage_seconds_total", s->labels, num(s->seconds));
    family(out, "container_memory_working_set_bytes", "gauge", "Current working set in bytes.");
    out += memory;

    // kube-state-metrics.
    const auto &reg = ResourceRegistry::instance();
    auto gauge = [&](const char *name, const char *help, const std::vector<std::pair<std::string, double>> &samples) {
        family(out, name, "gauge", help);
        for (const auto &[labels, v] : samples)
            sample(out, name, labels, num(v));
    };
    {
        std::vector<std::pair<std::string, double>> spec, status, available, updated;
        for (const auto &d : store.list(reg.require("apps", "deployments")).items) {
            const std::string l = Labels().add("deployment", d->name).add("namespace", d->ns).text();
            spec.emplace_back(l, static_cast<double>(intAt(d->obj, "spec.replicas", 1)));
            status.emplace_back(l, static_cast<double>(intAt(d->obj, "status.replicas")));
            available.emplace_back(l, static_cast<double>(intAt(d->obj, "status.availableReplicas")));
            updated.emplace_back(l, static_cast<double>(intAt(d->obj, "status.updatedReplicas")));
        }
        gauge("kube_deployment_spec_replicas", "Number of desired pods for a deployment.", spec);
        gauge("kube_deployment_status_replicas", "The number of replicas per deployment.", status);
        gauge("kube_deployment_status_replicas_available", "The number of available replicas per deployment.", available);
        gauge("kube_deployment_status_replicas_updated", "The number of updated replicas per deployment.", updated);
    }
    {
        std::vector<std::pair<std::string, double>> minR, maxR, current, desired;
        for (const auto &h : store.list(reg.require("autoscaling", "horizontalpodautoscalers")).items) {
            const std::string l = Labels().add("horizontalpodautoscaler", h->name).add("namespace", h->ns).text();
            minR.emplace_back(l, static_cast<double>(intAt(h->obj, "spec.minReplicas", 1)));
            maxR.emplace_back(l, static_cast<double>(intAt(h->obj, "spec.maxReplicas")));
            current.emplace_back(l, static_cast<double>(intAt(h->obj, "status.currentReplicas")));
            desired.emplace_back(l, static_cast<double>(intAt(h->obj, "status.desiredReplicas")));
        }
        gauge("kube_horizontalpodautoscaler_spec_min_replicas", "Lower limit for the number of pods that can be set by the autoscaler.", minR);
        gauge("kube_horizontalpodautoscaler_spec_max_replicas", "Upper limit for the number of pods that can be set by the autoscaler.", maxR);
        gauge("kube_horizontalpodautoscaler_status_current_replicas", "Current number of replicas of pods managed by this autoscaler.", current);
        gauge("kube_horizontalpodautoscaler_status_desired_replicas", "Desired number of replicas of pods managed by this autoscaler.", desired);
    }
    {
        std::vector<std::pair<std::string, double>> owners, requests, phases;
        for (const auto &p : store.list(reg.require("", "pods")).items) {
            const std::string node = stringAt(p->obj, "spec.nodeName");
            const Json *refs = findPath(p->obj, "metadata.ownerReferences");
            if (refs && refs->is_array() && !refs->empty()) {
                for (const auto &r : *refs)
                    owners.emplace_back(Labels().add("namespace", p->ns).add("owner_is_controller", r.value("controller", false) ? "true" : "false")
                                            .add("owner_kind", r.value("kind", "")).add("owner_name", r.value("name", "")).add("pod", p->name)
                                            .add("uid", p->uid).text(), 1);
            } else {
                owners.emplace_back(Labels().add("namespace", p->ns).add("owner_is_controller", "<none>").add("owner_kind", "<none>").add("owner_name", "<none>")
                                        .add("pod", p->name).add("uid", p->uid).text(), 1);
            }
            if (const Json *cs = findPath(p->obj, "spec.containers"); cs && cs->is_array())
                for (const auto &c : *cs) {
                    auto base = [&](const char *resource, const char *unit) {
                        return Labels().add("container", c.value("name", "")).add("namespace", p->ns).add("node", node).add("pod", p->name)
                            .add("resource", resource).add("uid", p->uid).add("unit", unit).text();
                    };
                    if (const Json *q = findPath(c, "resources.requests.cpu"))
                        requests.emplace_back(base("cpu", "core"), static_cast<double>(parseCpuMillis(q->is_string() ? q->get<std::string>() : q->dump())) / 1000.0);
                    if (const Json *q = findPath(c, "resources.requests.memory"))
                        requests.emplace_back(base("memory", "byte"), static_cast<double>(parseMemoryBytes(q->is_string() ? q->get<std::string>() : q->dump())));
                }
            const std::string phase = stringAt(p->obj, "status.phase", "Pending");
            for (const char *ph : {"Pending", "Running", "Succeeded", "Failed", "Unknown"})
                phases.emplace_back(Labels().add("namespace", p->ns).add("phase", ph).add("pod", p->name).add("uid", p->uid).text(), phase == ph ? 1 : 0);
        }
        gauge("kube_pod_owner", "Information about the Pod's owner.", owners);
        gauge("kube_pod_container_resource_requests", "The number of requested request resource by a container.", requests);
        gauge("kube_pod_status_phase", "The pods current phase.", phases);
    }
    if (const ResourceType *ro = &reg.require("argoproj.io", "rollouts")) {
        std::vector<std::pair<std::string, double>> info, available, desired, updated, unavailable;
        for (const auto &r : store.list(*ro).items) {
            const std::string strategy = findPath(r->obj, "spec.strategy.blueGreen") ? "blueGreen" : findPath(r->obj, "spec.strategy.canary") ? "canary" : "none";
            info.emplace_back(Labels().add("name", r->name).add("namespace", r->ns).add("phase", stringAt(r->obj, "status.phase", "Progressing"))
                                  .add("strategy", strategy).add("traffic_router", findPath(r->obj, "spec.strategy.canary.trafficRouting") ? "SMI" : "")
                                  .text(), 1);
            const std::string l = Labels().add("name", r->name).add("namespace", r->ns).text();
            available.emplace_back(l, static_cast<double>(intAt(r->obj, "status.availableReplicas")));
            desired.emplace_back(l, static_cast<double>(intAt(r->obj, "spec.replicas", 1)));
            updated.emplace_back(l, static_cast<double>(intAt(r->obj, "status.updatedReplicas")));
            unavailable.emplace_back(l, static_cast<double>(std::max(0LL, intAt(r->obj, "status.replicas") - intAt(r->obj, "status.availableReplicas"))));
        }
        gauge("rollout_info", "Information about rollout.", info);
        gauge("rollout_info_replicas_available", "The number of available replicas per rollout.", available);
        gauge("rollout_info_replicas_desired", "The number of desired replicas per rollout.", desired);
        gauge("rollout_info_replicas_updated", "The number of updated replicas per rollout.", updated);
        gauge("rollout_info_replicas_unavailable", "The number of unavailable replicas per rollout.", unavailable);
    }
    return out;
}

void installMetricsEndpoint(ApiServer &server, MetricsEndpoint &endpoint)
{
    server.addPathHandler("/metrics", [&endpoint](const httplib::Request &, httplib::Response &res) {
        res.set_content(endpoint.render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    server.addControl("mesh", [&endpoint](const httplib::Request &) {
        Json edges = Json::array();
        for (const auto &e : endpoint.edgeRates())
            edges.push_back({{"source", {{"namespace", e.sourceNamespace}, {"workload", e.source}}},
                             {"destination", {{"namespace", e.destinationNamespace}, {"workload", e.destination}}},
                             {"protocol", e.protocol}, {"rps", e.rps}, {"errorPercent", e.errorPercent}, {"latencyMs", e.latencyMs}});
        return Json{{"edges", edges}};
    }, true);
}

}  // namespace pilothouse::sim
