// The telemetry's parts of the API: the simulated kubelet's container logs (pods/log), metrics-server
// (metrics.k8s.io), the load controls, and the loop that samples each pod's share of the load.
#include "telemetry/telemetryapi.h"

#include "common/httputil.h"
#include "common/selectors.h"
#include "kube/objectutil.h"
#include "telemetry/podlogs.h"

#include <httplib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

namespace pilothouse::sim {

namespace {


std::string milliString(long long millis) { return std::to_string(std::max(0LL, millis)) + "m"; }
std::string kibiString(long long bytes) { return std::to_string(std::max(0LL, bytes) / 1024) + "Ki"; }


void serveMetrics(const Cluster &cluster, const LoadModel &load, const httplib::Request &req, httplib::Response &res, const ResourceType &t,
                  const std::string &ns, const std::string &name)
{
    // metrics.k8s.io/v1beta1 as metrics-server answers it, computed from the load model.
    if (req.method != "GET" || flag(req, "watch"))
        throw ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    const auto &reg = ResourceRegistry::instance();
    const std::string now = rfc3339Now();
    LabelSelector selector = LabelSelector::parse(param(req, "labelSelector"));
    FieldSelector fields = FieldSelector::parse(param(req, "fieldSelector"));
    auto usage = load.podUsage(cluster.store(), t.kind == "PodMetrics" ? ns : std::string());
    Json items = Json::array();
    auto metadataOf = [&](const StoredObject &o) {
        Json meta = {{"name", o.name}, {"creationTimestamp", now}};
        if (!o.ns.empty())
            meta["namespace"] = o.ns;
        if (const Json *labels = findPath(o.obj, "metadata.labels"))
            meta["labels"] = *labels;
        return meta;
    };
    if (t.kind == "PodMetrics") {
        for (const auto &u : usage) {
            if (!name.empty() && u.pod->name != name)
                continue;
            if (!selector.matches(findPath(u.pod->obj, "metadata.labels")) || !fields.matches(u.pod->obj))
                continue;
            Json containers = Json::array();
            for (const auto &c : u.containers)
                containers.push_back({{"name", c.name}, {"usage", {{"cpu", milliString(c.cpuMillis)}, {"memory", kibiString(c.memoryBytes)}}}});
            items.push_back({{"kind", "PodMetrics"}, {"apiVersion", "metrics.k8s.io/v1beta1"}, {"metadata", metadataOf(*u.pod)},
                             {"timestamp", now}, {"window", "15s"}, {"containers", containers}});
        }
    } else {
        std::map<std::string, std::pair<long long, long long>> perNode;
        for (const auto &u : usage)
            if (std::string node = stringAt(u.pod->obj, "spec.nodeName"); !node.empty()) {
                perNode[node].first += u.cpuMillis();
                perNode[node].second += u.memoryBytes();
            }
        for (const auto &n : cluster.store().list(reg.require("", "nodes")).items) {
            if (!name.empty() && n->name != name)
                continue;
            if (!selector.matches(findPath(n->obj, "metadata.labels")) || !fields.matches(n->obj))
                continue;
            const auto &sum = perNode[n->name];
            items.push_back({{"kind", "NodeMetrics"}, {"apiVersion", "metrics.k8s.io/v1beta1"}, {"metadata", metadataOf(*n)},
                             {"timestamp", now}, {"window", "15s"},
                             {"usage", {{"cpu", milliString(LoadModel::kNodeBaseCpuMillis + sum.first)},
                                        {"memory", kibiString(LoadModel::kNodeBaseMemoryBytes + sum.second)}}}});
        }
    }
    if (!name.empty()) {
        if (items.empty())
            throw ApiException(404, "NotFound", t.plural + ".metrics.k8s.io \"" + name + "\" not found",
                               {{"name", name}, {"group", "metrics.k8s.io"}, {"kind", t.plural}});
        sendJson(res, 200, items[0].dump());
        return;
    }
    sendJson(res, 200, Json({{"kind", t.kind + "List"}, {"apiVersion", "metrics.k8s.io/v1beta1"}, {"metadata", Json::object()},
                             {"items", items}}).dump());
}


long long nowNanos()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The Deployment that owns a pod through its ReplicaSet, or null.
ObjPtr owningDeployment(const ObjectStore &store, const Json &pod)
{
    auto controllerOf = [](const Json &o, const char *kind) {
        if (const Json *refs = findPath(o, "metadata.ownerReferences"); refs && refs->is_array())
            for (const auto &r : *refs)
                if (r.value("controller", false) && r.value("kind", "") == kind)
                    return r.value("name", "");
        return std::string();
    };
    const auto &reg = ResourceRegistry::instance();
    const std::string ns = stringAt(pod, "metadata.namespace");
    std::string rs = controllerOf(pod, "ReplicaSet");
    ObjPtr rsObj = rs.empty() ? nullptr : store.get(reg.require("apps", "replicasets"), ns, rs);
    std::string dep = rsObj ? controllerOf(rsObj->obj, "Deployment") : std::string();
    return dep.empty() ? nullptr : store.get(reg.require("apps", "deployments"), ns, dep);
}

// One log line as the kubelet sends it: with timestamps, RFC 3339 with nanoseconds and a space first.
void appendLine(std::string &out, const LogLine &l, bool timestamps)
{
    if (timestamps) {
        out += rfc3339Nano(l.at);
        out += ' ';
    }
    out += l.text;
    out += '\n';
}


void servePodLog(const ApiServer &server, const Cluster &cluster, const LoadModel &load, const httplib::Request &req, httplib::Response &res,
                 const ResourceType &t, const std::string &ns, const std::string &name)
{
    // GET /api/v1/namespaces/NS/pods/NAME/log: PodLogOptions in the query, answered by the simulated
    // kubelet from generated lines (podlogs.h), with follow streamed like a watch.
    if (req.method != "GET")
        throw ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    ObjPtr pod = cluster.store().get(t, ns, name);
    if (!pod)
        throw notFoundError(t, name);
    std::string container = param(req, "container");
    const Json &containers = pod->obj["spec"]["containers"];
    const Json *chosen = nullptr;
    for (const auto &c : containers)
        if (container.empty() || c.value("name", "") == container)
            chosen = chosen ? chosen : &c;
    if (!chosen)
        throw ApiException::badRequest("container " + container + " is not valid for pod " + name);
    if (container.empty() && containers.size() > 1)
        throw ApiException::badRequest("a container name must be specified for pod " + name + ", choose one of: " + [&] {
            std::string names = "[";
            for (const auto &c : containers)
                names += (names.size() > 1 ? " " : "") + c.value("name", "");
            return names + "]";
        }());
    container = chosen->value("name", "");

    // PodLogOptions: query decoding errors are BadRequest, validation errors Invalid, as upstream.
    auto integer = [&](const char *key, long long &value) {
        std::string v = param(req, key);
        if (v.empty())
            return false;
        char *end = nullptr;
        errno = 0;
        long long n = std::strtoll(v.c_str(), &end, 10);
        if (!end || *end || errno)
            throw ApiException::badRequest("strconv.ParseInt: parsing \"" + v + "\": invalid syntax");
        value = n;
        return true;
    };
    long long tailLines = 0, sinceSeconds = 0, limitBytes = 0;
    const bool hasTail = integer("tailLines", tailLines);
    const bool hasSince = integer("sinceSeconds", sinceSeconds);
    const bool hasLimit = integer("limitBytes", limitBytes);
    const std::string sinceTime = param(req, "sinceTime");
    auto invalid = [&](const std::string &field, const std::string &detail, const std::string &reason) {
        return ApiException(422, "Invalid", "PodLogOptions \"" + name + "\" is invalid: " + field + ": " + detail,
                            {{"name", name}, {"kind", "PodLogOptions"},
                             {"causes", {{{"reason", reason}, {"message", detail}, {"field", field}}}}});
    };
    if (hasTail && tailLines < 0)
        throw invalid("tailLines", "Invalid value: " + std::to_string(tailLines) + ": must be greater than or equal to 0", "FieldValueInvalid");
    if (hasSince && sinceSeconds < 1)
        throw invalid("sinceSeconds", "Invalid value: " + std::to_string(sinceSeconds) + ": must be greater than 0", "FieldValueInvalid");
    if (hasLimit && limitBytes < 1)
        throw invalid("limitBytes", "Invalid value: " + std::to_string(limitBytes) + ": must be greater than 0", "FieldValueInvalid");
    if (hasSince && !sinceTime.empty())
        throw invalid("sinceSeconds", "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified", "FieldValueForbidden");
    long long notBefore = 0;
    const long long now = nowNanos();
    if (hasSince)
        notBefore = now - sinceSeconds * 1'000'000'000LL;
    if (!sinceTime.empty()) {
        auto tp = parseRfc3339(sinceTime);
        if (tp.time_since_epoch().count() == 0)
            throw ApiException::badRequest("parsing time \"" + sinceTime + "\" as \"2006-01-02T15:04:05Z07:00\": cannot parse");
        notBefore = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count();
    }
    const bool timestamps = flag(req, "timestamps");
    const bool previous = flag(req, "previous");
    const bool follow = flag(req, "follow");

    LogSource source = containerLogSource(pod->obj, container, previous);
    if (!source.ok)
        throw ApiException::badRequest(source.error);
    std::string deployment;
    if (ObjPtr dep = owningDeployment(cluster.store(), pod->obj)) {
        deployment = dep->name;
        source.spec.rates = load.podRateHistory(ns, deployment);
        source.spec.cpuPerRequestMillis = load.cpuPerRequestMillis(dep->obj);
    }
    ContainerLog log(std::move(source.spec));

    std::string body;
    for (const auto &l : log.tail(now, hasTail ? static_cast<size_t>(tailLines) : ContainerLog::kRetainedLines, notBefore))
        appendLine(body, l, timestamps);
    if (hasLimit && body.size() > static_cast<size_t>(limitBytes))
        body.resize(static_cast<size_t>(limitBytes));
    const long long last = log.lastPossibleLine();
    if (!follow || previous || (hasLimit && body.size() >= static_cast<size_t>(limitBytes)) ||
        (last != ContainerLogSpec::kNever && last <= now)) {
        res.set_content(body, "text/plain");
        return;
    }

    // follow=true: the history, then new lines as they are written, until the pod is gone or the
    // container stops. Each stream holds one worker of the pool, like a watch.
    struct FollowState {
        explicit FollowState(ContainerLog l) : log(std::move(l)) {}
        ContainerLog log;
        std::string pending;
        long long emitted = 0;
        long long bytesLeft = -1;  // -1: no limit
        long long restarts = 0;
        std::string uid, container, deployment;
        std::chrono::steady_clock::time_point ratesRead;
    };
    auto st = std::make_shared<FollowState>(std::move(log));
    st->pending = std::move(body);
    st->emitted = now;
    st->bytesLeft = hasLimit ? limitBytes - static_cast<long long>(st->pending.size()) : -1;
    st->uid = pod->uid;
    st->container = container;
    st->deployment = deployment;
    st->ratesRead = std::chrono::steady_clock::now();
    if (const Json *statuses = findPath(pod->obj, "status.containerStatuses"); statuses && statuses->is_array())
        for (const auto &cs : *statuses)
            if (cs.value("name", "") == container)
                st->restarts = cs.value("restartCount", 0LL);
    const ResourceType *podType = &t;
    res.set_header("Cache-Control", "no-cache, private");
    // A content type that the HTTP layer does not gzip: it would hold the lines back until its
    // buffer fills. Leading whitespace in a header value is not part of it for the client.
    res.set_chunked_content_provider(" text/plain", [&server, &cluster, &load, st, podType, ns, name, timestamps](size_t, httplib::DataSink &sink) {
        if (server.stopping())
            return false;
        if (!st->pending.empty()) {
            std::string chunk = std::move(st->pending);
            st->pending.clear();
            return sink.write(chunk.data(), chunk.size());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (server.stopping())
            return false;
        bool end = false;
        long long until = 0;
        ObjPtr current = cluster.store().get(*podType, ns, name);
        if (!current || current->uid != st->uid) {
            // The pod is gone, so its container stopped: its last lines, even if the deletion came
            // and went between two looks.
            end = true;
            if (st->log.spec().stoppingAt == ContainerLogSpec::kNever)
                st->log.setStoppingAt(std::max(st->log.spec().startedAt, st->emitted));
            until = st->log.lastPossibleLine();
        } else {
            if (const Json *d = findPath(current->obj, "metadata.deletionTimestamp");
                d && d->is_string() && st->log.spec().stoppingAt == ContainerLogSpec::kNever) {
                auto tp = parseRfc3339(d->get<std::string>());
                long long at = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count() -
                               intAt(current->obj, "metadata.deletionGracePeriodSeconds", 30) * 1'000'000'000LL;
                // deletionTimestamp has whole seconds: never before what this stream already sent.
                st->log.setStoppingAt(std::max({st->log.spec().startedAt, at, st->emitted}));
            }
            if (const Json *statuses = findPath(current->obj, "status.containerStatuses"); statuses && statuses->is_array())
                for (const auto &cs : *statuses)
                    if (cs.value("name", "") == st->container &&
                        (cs.value("restartCount", 0LL) != st->restarts || !findPath(cs, "state.running")))
                        end = true;  // this instance exited
        }
        if (!st->deployment.empty() && std::chrono::steady_clock::now() - st->ratesRead >= std::chrono::milliseconds(900)) {
            st->log.setRates(load.podRateHistory(ns, st->deployment));
            st->ratesRead = std::chrono::steady_clock::now();
        }
        until = std::max(until, nowNanos());
        std::string chunk;
        for (const auto &l : st->log.between(st->emitted, until))
            appendLine(chunk, l, timestamps);
        st->emitted = until;
        const long long last = st->log.lastPossibleLine();
        if (last != ContainerLogSpec::kNever && last <= until)
            end = true;
        if (st->bytesLeft >= 0 && static_cast<long long>(chunk.size()) >= st->bytesLeft) {
            chunk.resize(static_cast<size_t>(st->bytesLeft));
            end = true;
        }
        if (st->bytesLeft >= 0)
            st->bytesLeft -= static_cast<long long>(chunk.size());
        if (!chunk.empty() && !sink.write(chunk.data(), chunk.size()))
            return false;
        if (end) {
            sink.done();
            return true;
        }
        return sink.is_writable();
    });
}

// The kubelet's side of the access logs: each pod's share of its Deployment's load, sampled
// at most twice a second, for the Deployments that changed (their object or their load) since the
// last sample; every Deployment after a resync.
class PodRateSampler : public Controller {
public:
    PodRateSampler(Cluster &cluster, LoadModel &load) : m_cluster(cluster), m_load(load) {}
    const char *name() const override { return "pod rate sampler"; }
    void resync() override { m_all = true; }
    void periodicResync() override {}  // a rate changes only with its Deployment or setRps
    void observe(const WatchEvent &e) override
    {
        static const int depIdx = rtype("apps", "deployments").index;
        if (e.type == depIdx)
            m_changed.insert(e.obj->ns + "/" + e.obj->name);
    }
    void reconcile() override
    {
        const auto now = std::chrono::steady_clock::now();
        if (now - m_last < std::chrono::milliseconds(500))
            return;
        m_last = now;
        if (m_all)
            m_load.recordPodRates(m_cluster.store(), std::chrono::system_clock::now());
        else
            m_load.recordPodRates(m_cluster.store(), std::chrono::system_clock::now(), m_changed);
        m_all = false;
        m_changed.clear();
    }

private:
    Cluster &m_cluster;
    LoadModel &m_load;
    std::chrono::steady_clock::time_point m_last{};
    bool m_all = true;
    std::set<std::string> m_changed;  // "ns/name" of Deployments
};

}  // namespace

void installTelemetry(ApiServer &server, ControllerManager &manager, Cluster &cluster, LoadModel &load)
{
    const auto &reg = ResourceRegistry::instance();
    server.addSubresourceHandler(reg.require("", "pods"), "log",
                                 [&server, &cluster, &load](const httplib::Request &req, httplib::Response &res, const ResourceType &t,
                                                            const std::string &ns, const std::string &name) {
                                     servePodLog(server, cluster, load, req, res, t, ns, name);
                                 });
    server.addGroupHandler("metrics.k8s.io", [&cluster, &load](const httplib::Request &req, httplib::Response &res, const ResourceType &t,
                                                               const std::string &ns, const std::string &name) {
        serveMetrics(cluster, load, req, res, t, ns, name);
    });
    server.addControl("load", [&cluster, &load](const httplib::Request &req) {
        const auto &depType = ResourceRegistry::instance().require("apps", "deployments");
        std::string ns = param(req, "namespace").empty() ? "default" : param(req, "namespace");
        std::string deployment = param(req, "deployment");
        std::string rpsText = param(req, "rps");
        char *end = nullptr;
        double rps = std::strtod(rpsText.c_str(), &end);
        if (deployment.empty() || rpsText.empty() || !end || *end || !(rps >= 0))
            throw ApiException::badRequest("load needs ?namespace=NS&deployment=NAME&rps=N with N >= 0");
        if (!cluster.store().get(depType, ns, deployment))
            throw notFoundError(depType, deployment);
        load.setRps(ns, deployment, rps);
        return Json{{"namespace", ns}, {"deployment", deployment}, {"rps", rps}};
    });
    server.addControl("error-rate", [&load](const httplib::Request &req) {
        // The simulated HTTP error percentage of pods running an image; AnalysisRuns measure it.
        std::string ns = param(req, "namespace").empty() ? "default" : param(req, "namespace");
        std::string image = param(req, "image");
        std::string percentText = param(req, "percent");
        char *end = nullptr;
        double percent = std::strtod(percentText.c_str(), &end);
        if (image.empty() || percentText.empty() || !end || *end || !(percent >= 0 && percent <= 100))
            throw ApiException::badRequest("error-rate needs ?namespace=NS&image=IMAGE&percent=P with 0 <= P <= 100");
        load.setErrorPercent(ns, image, percent);
        return Json{{"namespace", ns}, {"image", image}, {"percent", percent}};
    });
    manager.emplace<PodRateSampler>(cluster, load);
}

}  // namespace pilothouse::sim
