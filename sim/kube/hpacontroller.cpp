// The horizontal-pod-autoscaler controller (kube-controller-manager's pkg/controller/podautoscaler):
// the replica calculator for CPU utilization, tolerance, stabilization windows and scaling policies.
#include "kube/hpacontroller.h"

#include "kube/objectutil.h"
#include "kube/quantity.h"
#include "common/selectors.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

namespace pilothouse::sim {

HpaController::HpaController(Cluster &cluster, ControllerOptions options, const PodMetricsSource *metrics)
    : m_cluster(cluster), m_options(options), m_metrics(metrics)
{
}

void HpaController::reconcile()
{
    // The horizontal-pod-autoscaler controller resyncs every HPA once per sync period (15 s).
    const auto now = Clock::now();
    if (m_lastSync == Clock::time_point{}) {
        m_lastSync = now;  // the first pass comes one period after start, once pods exist
        return;
    }
    if (now - m_lastSync < m_options.scaled(15))
        return;
    m_lastSync = now;
    const auto &hpaType = rtype("autoscaling", "horizontalpodautoscalers");
    std::set<std::string> seen;
    for (const auto &hpa : m_cluster.store().list(hpaType).items) {
        if (isTerminating(hpa->obj))
            continue;
        seen.insert(hpa->ns + "/" + hpa->name);
        try {
            syncHpa(*hpa, now);
        } catch (const ApiException &) {
            // Conflicts and vanished objects: the next period tries again.
        }
    }
    for (auto it = m_hpaMemory.begin(); it != m_hpaMemory.end();)
        it = seen.count(it->first) ? std::next(it) : m_hpaMemory.erase(it);
}

namespace {

struct HpaRules {
    long long stabilizationSeconds = 0;
    std::string selectPolicy = "Max";
    struct Policy {
        std::string type;
        long long value;
        long long periodSeconds;
    };
    std::vector<Policy> policies;
};

// SetDefaults_HorizontalPodAutoscalerBehavior: scale up by 4 pods or 100 % per 15 s at once;
// scale down by 100 % per 15 s after a 300 s stabilization window.
HpaRules hpaRules(const Json &hpa, bool up)
{
    HpaRules r;
    r.stabilizationSeconds = up ? 0 : 300;
    if (up)
        r.policies = {{"Pods", 4, 15}, {"Percent", 100, 15}};
    else
        r.policies = {{"Percent", 100, 15}};
    const Json *b = findPath(hpa, up ? "spec.behavior.scaleUp" : "spec.behavior.scaleDown");
    if (!b || !b->is_object())
        return r;
    if (b->contains("stabilizationWindowSeconds") && (*b)["stabilizationWindowSeconds"].is_number_integer())
        r.stabilizationSeconds = (*b)["stabilizationWindowSeconds"].get<long long>();
    if (b->contains("selectPolicy") && (*b)["selectPolicy"].is_string())
        r.selectPolicy = (*b)["selectPolicy"].get<std::string>();
    if (b->contains("policies") && (*b)["policies"].is_array()) {
        r.policies.clear();
        for (const auto &p : (*b)["policies"])
            r.policies.push_back({p.value("type", ""), p.value("value", 0LL), p.value("periodSeconds", 15LL)});
    }
    return r;
}

struct CpuResult {
    bool ok = false;
    long long replicas = 0;
    long long utilization = 0;
    long long rawAverageMillis = 0;
    std::string error;
};

}  // namespace

void HpaController::syncHpa(const StoredObject &hpa, Clock::time_point now)
{
    auto &store = m_cluster.store();
    const auto &hpaType = rtype("autoscaling", "horizontalpodautoscalers");
    const Json &h = hpa.obj;
    const std::string key = hpa.ns + "/" + hpa.name;
    const std::string kind = stringAt(h, "spec.scaleTargetRef.kind");
    const std::string targetName = stringAt(h, "spec.scaleTargetRef.name");
    // Any kind with a scale subresource: Deployments, ReplicaSets, StatefulSets and custom resources such as Rollouts.
    const ResourceType *t = nullptr;
    for (const auto &candidate : ResourceRegistry::instance().all())
        if (candidate.kind == kind && candidate.hasSubresource("scale"))
            t = &candidate;
    ObjPtr scaled = t ? store.get(*t, hpa.ns, targetName) : nullptr;
    const long long minReplicas = intAt(h, "spec.minReplicas", 1);
    const long long maxReplicas = intAt(h, "spec.maxReplicas", 1);

    Json status = h.value("status", Json::object());
    if (!status.is_object())
        status = Json::object();
    struct PendingEvent {
        std::string type, reason, message;
    };
    std::vector<PendingEvent> events;
    auto writeStatus = [&] {
        store.modify(hpaType, hpa.ns, hpa.name, [&](Json &o) {
            Json before = o;
            o["status"] = status;
            if (const Json *g = findPath(o, "metadata.generation"))
                o["status"]["observedGeneration"] = *g;
            return o != before;
        });
        for (const auto &e : events)
            m_cluster.recordEvent(h, e.type, e.reason, e.message, "horizontal-pod-autoscaler");
    };

    if (!scaled) {
        std::string why = t ? t->qualifiedName() + " \"" + targetName + "\" not found"
                            : "no matches for kind \"" + kind + "\" in group \"" + stringAt(h, "spec.scaleTargetRef.apiVersion") + "\"";
        std::string msg = "the HPA controller was unable to get the target's current scale: " + why;
        setStatusCondition(status, "AbleToScale", "False", "FailedGetScale", msg, false);
        events.push_back({"Warning", "FailedGetScale", why});
        writeStatus();
        return;
    }
    setStatusCondition(status, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale", false);
    const long long currentReplicas = intAt(scaled->obj, "spec.replicas", 1);
    HpaMemory &memory = m_hpaMemory[key];
    // recordInitialRecommendation: the current size starts the history.
    if (memory.recommendations.empty())
        memory.recommendations.push_back({now, currentReplicas});

    const std::string cpuMetricName = "cpu resource utilization (percentage of request)";
    long long desiredReplicas = 0;
    std::string rescaleReason;
    Json metricStatuses = Json::array();
    bool computeFailed = false;

    if (currentReplicas == 0 && minReplicas != 0) {
        desiredReplicas = 0;
        setStatusCondition(status, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", false);
    } else if (currentReplicas > maxReplicas) {
        rescaleReason = "Current number of replicas above Spec.MaxReplicas";
        desiredReplicas = maxReplicas;
    } else if (currentReplicas < minReplicas) {
        rescaleReason = "Current number of replicas below Spec.MinReplicas";
        desiredReplicas = minReplicas;
    } else {
        // computeReplicasForMetrics, with the replica calculator for CPU utilization targets.
        const Json *specs = findPath(h, "spec.metrics");
        long long metricDesired = -1;
        std::string metricName;
        int invalid = 0;
        std::string invalidReason, invalidMessage;
        const size_t specCount = specs && specs->is_array() ? specs->size() : 0;
        for (size_t i = 0; i < specCount; ++i) {
            const Json &m = (*specs)[i];
            const std::string mtype = m.value("type", "");
            const bool cpuUtilization = mtype == "Resource" && stringAt(m, "resource.name") == "cpu" &&
                                        stringAt(m, "resource.target.type") == "Utilization" && findPath(m, "resource.target.averageUtilization");
            if (!cpuUtilization) {
                ++invalid;
                std::string what = mtype == "Resource" ? "resource " + stringAt(m, "resource.name") + " " + stringAt(m, "resource.target.type")
                                                       : "\"" + mtype + "\"";
                invalidReason = mtype == "Resource" ? "FailedGetResourceMetric" : mtype == "ContainerResource" ? "FailedGetContainerResourceMetric"
                                : mtype == "Pods" ? "FailedGetPodsMetric" : mtype == "Object" ? "FailedGetObjectMetric"
                                : mtype == "External" ? "FailedGetExternalMetric" : "InvalidMetricSourceType";
                invalidMessage = "the HPA was unable to compute the replica count: " + what +
                                 " metrics are not supported by pilothouse-sim (only cpu Utilization targets are)";
                metricStatuses.push_back({{"type", ""}});
                continue;
            }
            const long long target = intAt(m, "resource.target.averageUtilization");
            CpuResult r;
            [&] {
                LabelSelector selector = LabelSelector::fromObject(scaled->obj.value("spec", Json::object()).value("selector", Json::object()));
                std::vector<ObjPtr> pods;
                for (const auto &p : store.list(rtype("", "pods"), hpa.ns).items)
                    if (selector.matches(findPath(p->obj, "metadata.labels")))
                        pods.push_back(p);
                if (pods.empty()) {
                    r.error = "unable to get metrics for resource cpu: no pods returned by selector while calculating replica count";
                    return;
                }
                std::map<std::string, long long> usage;  // pod name -> millicores
                if (m_metrics)
                    for (const auto &u : m_metrics->podUsage(store, hpa.ns))
                        usage[u.pod->name] = u.cpuMillis();
                std::map<std::string, long long> metrics, requests;
                std::set<std::string> unready, missing;
                long long readyCount = 0;
                for (const auto &p : pods) {
                    // calculatePodRequests: every container needs a cpu request.
                    long long req = 0;
                    for (const auto &c : p->obj["spec"].value("containers", Json::array())) {
                        const Json *q = findPath(c, "resources.requests.cpu");
                        if (!q) {
                            r.error = "missing request for cpu in container " + c.value("name", "") + " of Pod " + p->name;
                            return;
                        }
                        req += parseCpuMillis(q->is_string() ? q->get<std::string>() : q->dump());
                    }
                    requests[p->name] = req;
                    // groupPods
                    std::string phase = stringAt(p->obj, "status.phase");
                    if (isTerminating(p->obj) || phase == "Failed")
                        continue;
                    if (phase == "Pending") {
                        unready.insert(p->name);
                        continue;
                    }
                    auto u = usage.find(p->name);
                    if (u == usage.end()) {
                        missing.insert(p->name);
                        continue;
                    }
                    if (!isPodReady(p->obj)) {
                        unready.insert(p->name);
                        continue;
                    }
                    metrics[p->name] = u->second;
                    ++readyCount;
                }
                if (metrics.empty()) {
                    r.error = "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: "
                              "failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)";
                    return;
                }
                // metricsclient.GetResourceUtilizationRatio
                auto ratioOf = [&](const std::map<std::string, long long> &ms, long long &utilization, long long &raw) {
                    long long usageTotal = 0, requestTotal = 0, entries = 0;
                    for (const auto &[pod, value] : ms) {
                        auto rq = requests.find(pod);
                        if (rq == requests.end())
                            continue;
                        usageTotal += value;
                        requestTotal += rq->second;
                        ++entries;
                    }
                    utilization = requestTotal > 0 ? usageTotal * 100 / requestTotal : 0;
                    raw = entries > 0 ? usageTotal / entries : 0;
                    return static_cast<double>(utilization) / static_cast<double>(target);
                };
                constexpr double tolerance = 0.1;
                double usageRatio = ratioOf(metrics, r.utilization, r.rawAverageMillis);
                r.ok = true;
                const bool scaleUpWithUnready = !unready.empty() && usageRatio > 1.0;
                if (!scaleUpWithUnready && missing.empty()) {
                    r.replicas = std::abs(1.0 - usageRatio) <= tolerance ? currentReplicas
                                                                         : static_cast<long long>(std::ceil(usageRatio * static_cast<double>(readyCount)));
                    return;
                }
                for (const auto &pod : missing)
                    metrics[pod] = usageRatio < 1.0 ? requests[pod] : 0;  // assume 100 % of request when scaling down
                if (scaleUpWithUnready)
                    for (const auto &pod : unready)
                        metrics[pod] = 0;
                long long ignoredUtilization = 0, ignoredRaw = 0;
                double newRatio = ratioOf(metrics, ignoredUtilization, ignoredRaw);
                if (std::abs(1.0 - newRatio) <= tolerance || (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0)) {
                    r.replicas = currentReplicas;
                    return;
                }
                long long newReplicas = static_cast<long long>(std::ceil(newRatio * static_cast<double>(metrics.size())));
                if ((newRatio < 1.0 && newReplicas > currentReplicas) || (newRatio > 1.0 && newReplicas < currentReplicas))
                    newReplicas = currentReplicas;
                r.replicas = newReplicas;
            }();
            if (!r.ok) {
                ++invalid;
                invalidReason = "FailedGetResourceMetric";
                invalidMessage = "the HPA was unable to compute the replica count: " + r.error;
                metricStatuses.push_back({{"type", ""}});
                continue;
            }
            metricStatuses.push_back({{"type", "Resource"},
                                      {"resource", {{"name", "cpu"}, {"current", {{"averageUtilization", r.utilization},
                                                                                  {"averageValue", std::to_string(r.rawAverageMillis) + "m"}}}}}});
            if (metricDesired < 0 || r.replicas > metricDesired) {
                metricDesired = r.replicas;
                metricName = cpuMetricName;
            }
        }
        // All metrics invalid, or some invalid and the valid ones would scale down: no decision.
        if (invalid > 0 && (static_cast<size_t>(invalid) >= specCount || metricDesired < currentReplicas)) {
            computeFailed = true;
            setStatusCondition(status, "ScalingActive", "False", invalidReason, invalidMessage, false);
            events.push_back({"Warning", invalidReason, invalidMessage.substr(invalidMessage.find(": ") + 2)});
            events.push_back({"Warning", "FailedComputeMetricsReplicas", "invalid metrics (" + std::to_string(invalid) + " invalid out of " +
                                                                             std::to_string(specCount) + "), first error is: " +
                                                                             invalidMessage.substr(invalidMessage.find(": ") + 2)});
        } else if (specCount == 0) {
            computeFailed = true;
            setStatusCondition(status, "ScalingActive", "False", "InvalidMetricSourceType", "the HPA was unable to compute the replica count: no metrics configured", false);
        } else {
            setStatusCondition(status, "ScalingActive", "True", "ValidMetricFound",
                         "the HPA was able to successfully calculate a replica count from " + metricName, false);
            rescaleReason = metricDesired > currentReplicas ? metricName + " above target" : "All metrics below target";

            // normalizeDesiredReplicasWithBehaviors
            const HpaRules up = hpaRules(h, true), down = hpaRules(h, false);
            // stabilizeRecommendationWithBehaviors: the lowest recommendation of the scale-up window
            // when scaling up, the highest of the scale-down window when scaling down.
            const bool upward = metricDesired >= currentReplicas;
            const long long delaySeconds = upward ? up.stabilizationSeconds : down.stabilizationSeconds;
            const auto cutoff = now - m_options.scaled(static_cast<double>(delaySeconds));
            const auto obsoleteCutoff = now - m_options.scaled(static_cast<double>(std::max(up.stabilizationSeconds, down.stabilizationSeconds)));
            long long stabilized = metricDesired;
            bool foundOld = false;
            size_t oldIndex = 0;
            for (size_t i = 0; i < memory.recommendations.size(); ++i) {
                const auto &[at, rec] = memory.recommendations[i];
                if (at > cutoff)
                    stabilized = upward ? std::min(rec, stabilized) : std::max(rec, stabilized);
                if (at < obsoleteCutoff) {
                    foundOld = true;
                    oldIndex = i;
                }
            }
            if (foundOld)
                memory.recommendations[oldIndex] = {now, metricDesired};
            else
                memory.recommendations.push_back({now, metricDesired});
            if (stabilized != metricDesired) {
                if (upward)
                    setStatusCondition(status, "AbleToScale", "True", "ScaleUpStabilized",
                                 "recent recommendations were lower than current one, applying the lowest recent recommendation", false);
                else
                    setStatusCondition(status, "AbleToScale", "True", "ScaleDownStabilized",
                                 "recent recommendations were higher than current one, applying the highest recent recommendation", false);
            } else {
                setStatusCondition(status, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size", false);
            }
            // convertDesiredReplicasWithBehaviorRate
            auto changeInPeriod = [&](const std::vector<ScaleEvent> &events, long long periodSeconds) {
                long long sum = 0;
                const auto cutoff = now - m_options.scaled(static_cast<double>(periodSeconds));
                for (const auto &e : events)
                    if (e.at > cutoff)
                        sum += e.change;
                return sum;
            };
            long long result = stabilized;
            std::string limitReason = "DesiredWithinRange", limitMessage = "the desired count is within the acceptable range";
            if (stabilized > currentReplicas) {
                long long limit = currentReplicas;
                if (up.selectPolicy != "Disabled") {
                    const bool pickMin = up.selectPolicy == "Min";
                    limit = pickMin ? std::numeric_limits<long long>::max() : std::numeric_limits<long long>::min();
                    for (const auto &p : up.policies) {
                        long long start = currentReplicas - changeInPeriod(memory.scaleUp, p.periodSeconds);
                        long long proposed = p.type == "Pods" ? start + p.value
                                                              : static_cast<long long>(std::ceil(static_cast<double>(start) * (1.0 + static_cast<double>(p.value) / 100.0)));
                        limit = pickMin ? std::min(limit, proposed) : std::max(limit, proposed);
                    }
                }
                limit = std::max(limit, currentReplicas);
                long long maximumAllowed = maxReplicas;
                if (maximumAllowed > limit) {
                    maximumAllowed = limit;
                    limitReason = "ScaleUpLimit";
                    limitMessage = "the desired replica count is increasing faster than the maximum scale rate";
                } else {
                    limitReason = "TooManyReplicas";
                    limitMessage = "the desired replica count is more than the maximum replica count";
                }
                if (stabilized > maximumAllowed)
                    result = maximumAllowed;
                else
                    std::tie(limitReason, limitMessage) = std::pair<std::string, std::string>("DesiredWithinRange", "the desired count is within the acceptable range");
            } else if (stabilized < currentReplicas) {
                long long limit = currentReplicas;
                if (down.selectPolicy != "Disabled") {
                    const bool pickMin = down.selectPolicy == "Min";
                    limit = pickMin ? std::numeric_limits<long long>::min() : std::numeric_limits<long long>::max();
                    for (const auto &p : down.policies) {
                        long long start = currentReplicas + changeInPeriod(memory.scaleDown, p.periodSeconds);
                        long long proposed = p.type == "Pods" ? start - p.value
                                                              : static_cast<long long>(static_cast<double>(start) * (1.0 - static_cast<double>(p.value) / 100.0));
                        limit = pickMin ? std::max(limit, proposed) : std::min(limit, proposed);
                    }
                }
                limit = std::min(limit, currentReplicas);
                long long minimumAllowed = minReplicas;
                if (minimumAllowed < limit) {
                    minimumAllowed = limit;
                    limitReason = "ScaleDownLimit";
                    limitMessage = "the desired replica count is decreasing faster than the maximum scale rate";
                } else {
                    limitReason = "TooFewReplicas";
                    limitMessage = "the desired replica count is less than the minimum replica count";
                }
                if (stabilized < minimumAllowed)
                    result = minimumAllowed;
                else
                    std::tie(limitReason, limitMessage) = std::pair<std::string, std::string>("DesiredWithinRange", "the desired count is within the acceptable range");
            }
            setStatusCondition(status, "ScalingLimited", result == stabilized ? "False" : "True", limitReason, limitMessage, false);
            desiredReplicas = result;
        }
    }

    if (computeFailed) {
        // setCurrentReplicasAndMetricsInStatus: the decision waits for usable metrics.
        status["currentReplicas"] = currentReplicas;
        writeStatus();
        return;
    }
    const bool rescale = desiredReplicas != currentReplicas && !(currentReplicas == 0 && minReplicas != 0);
    if (rescale) {
        try {
            m_cluster.patch(*t, hpa.ns, targetName, PatchType::Merge, Json({{"spec", {{"replicas", desiredReplicas}}}}).dump(),
                            WriteOptions{"", "kube-controller-manager", false});
        } catch (const ApiException &e) {
            setStatusCondition(status, "AbleToScale", "False", "FailedUpdateScale",
                         std::string("the HPA controller was unable to update the target scale: ") + e.what(), false);
            events.push_back({"Warning", "FailedRescale", "New size: " + std::to_string(desiredReplicas) + "; reason: " + rescaleReason +
                                                              "; error: " + e.what()});
            writeStatus();
            return;
        }
        setStatusCondition(status, "AbleToScale", "True", "SucceededRescale",
                     "the HPA controller was able to update the target scale to " + std::to_string(desiredReplicas), false);
        events.push_back({"Normal", "SuccessfulRescale", "New size: " + std::to_string(desiredReplicas) + "; reason: " + rescaleReason});
        // storeScaleEvent: drop events older than the longest policy period, then record this one.
        auto &list = desiredReplicas > currentReplicas ? memory.scaleUp : memory.scaleDown;
        long long longest = 0;
        for (const auto &p : hpaRules(h, desiredReplicas > currentReplicas).policies)
            longest = std::max(longest, p.periodSeconds);
        const auto cutoff = now - m_options.scaled(static_cast<double>(longest));
        list.erase(std::remove_if(list.begin(), list.end(), [&](const ScaleEvent &e) { return e.at <= cutoff; }), list.end());
        list.push_back({std::llabs(desiredReplicas - currentReplicas), now});
        status["lastScaleTime"] = rfc3339Now();
    } else if (!(currentReplicas == 0 && minReplicas != 0)) {
        desiredReplicas = currentReplicas;
    }
    status["currentReplicas"] = currentReplicas;
    status["desiredReplicas"] = desiredReplicas;
    if (metricStatuses.empty())
        status.erase("currentMetrics");
    else
        status["currentMetrics"] = metricStatuses;
    writeStatus();
}
}  // namespace pilothouse::sim
