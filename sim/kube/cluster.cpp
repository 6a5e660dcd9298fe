// The write path: what the API server's registry strategies do before an object reaches storage.
#include "kube/cluster.h"

#include "common/yamljson.h"
#include "kube/cronschedule.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>

namespace pilothouse::sim {

namespace {

bool isDns1123Subdomain(const std::string &s)
{
    static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    return !s.empty() && s.size() <= 253 && std::regex_match(s, re);
}

bool isDns1123Label(const std::string &s)
{
    static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    return !s.empty() && s.size() <= 63 && std::regex_match(s, re);
}

bool isDns1035Label(const std::string &s)
{
    static const std::regex re("[a-z]([-a-z0-9]*[a-z0-9])?");
    return !s.empty() && s.size() <= 63 && std::regex_match(s, re);
}

Json cause(const std::string &reason, const std::string &field, const std::string &message)
{
    return {{"reason", reason}, {"message", message}, {"field", field}};
}

void defaultProbe(Json &probe)
{
    if (!probe.is_object())
        return;
    if (!probe.contains("timeoutSeconds")) probe["timeoutSeconds"] = 1;
    if (!probe.contains("periodSeconds")) probe["periodSeconds"] = 10;
    if (!probe.contains("successThreshold")) probe["successThreshold"] = 1;
    if (!probe.contains("failureThreshold")) probe["failureThreshold"] = 3;
    if (probe.contains("httpGet") && !probe["httpGet"].contains("scheme"))
        probe["httpGet"]["scheme"] = "HTTP";
}

void defaultContainer(Json &c)
{
    if (!c.is_object())
        return;
    if (!c.contains("terminationMessagePath")) c["terminationMessagePath"] = "/dev/termination-log";
    if (!c.contains("terminationMessagePolicy")) c["terminationMessagePolicy"] = "File";
    if (!c.contains("resources")) c["resources"] = Json::object();
    if (!c.contains("imagePullPolicy")) {
        std::string image = c.value("image", "");
        auto slash = image.rfind('/');
        std::string last = slash == std::string::npos ? image : image.substr(slash + 1);
        bool latest = last.find(':') == std::string::npos || (image.size() >= 7 && image.compare(image.size() - 7, 7, ":latest") == 0);
        c["imagePullPolicy"] = latest ? "Always" : "IfNotPresent";
    }
    if (c.contains("ports") && c["ports"].is_array())
        for (auto &p : c["ports"])
            if (p.is_object() && !p.contains("protocol"))
                p["protocol"] = "TCP";
    for (const char *probe : {"readinessProbe", "livenessProbe", "startupProbe"})
        if (c.contains(probe))
            defaultProbe(c[probe]);
}

void defaultPodSpec(Json &spec)
{
    if (!spec.is_object())
        return;
    if (!spec.contains("restartPolicy")) spec["restartPolicy"] = "Always";
    if (!spec.contains("terminationGracePeriodSeconds")) spec["terminationGracePeriodSeconds"] = 30;
    if (!spec.contains("dnsPolicy")) spec["dnsPolicy"] = "ClusterFirst";
    if (!spec.contains("schedulerName")) spec["schedulerName"] = "default-scheduler";
    if (!spec.contains("securityContext")) spec["securityContext"] = Json::object();
    for (const char *list : {"containers", "initContainers"})
        if (spec.contains(list) && spec[list].is_array())
            for (auto &c : spec[list])
                defaultContainer(c);
}

void defaultTemplate(Json &obj)
{
    if (auto *spec = obj.contains("spec") ? &obj["spec"] : nullptr; spec && spec->contains("template")) {
        Json &tmpl = (*spec)["template"];
        if (!tmpl.contains("metadata")) tmpl["metadata"] = Json::object();
        // Go clients send "creationTimestamp": null in templates; the API server drops it.
        if (tmpl["metadata"].contains("creationTimestamp") && tmpl["metadata"]["creationTimestamp"].is_null())
            tmpl["metadata"].erase("creationTimestamp");
        if (tmpl.contains("spec"))
            defaultPodSpec(tmpl["spec"]);
    }
}

void validateContainers(const Json *containers, const std::string &path, Json &causes)
{
    if (!containers || !containers->is_array() || containers->empty()) {
        causes.push_back(cause("FieldValueRequired", path, "Required value"));
        return;
    }
    for (size_t i = 0; i < containers->size(); ++i) {
        const Json &c = (*containers)[i];
        std::string p = path + "[" + std::to_string(i) + "]";
        if (c.value("name", "").empty())
            causes.push_back(cause("FieldValueRequired", p + ".name", "Required value"));
        else if (!isDns1123Label(c.value("name", "")))
            causes.push_back(cause("FieldValueInvalid", p + ".name",
                                   "Invalid value: \"" + c.value("name", "") + "\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"));
        if (!c.contains("image") || !c["image"].is_string() || c["image"].get<std::string>().empty())
            causes.push_back(cause("FieldValueRequired", p + ".image", "Required value"));
        if (c.contains("ports") && c["ports"].is_array())
            for (size_t j = 0; j < c["ports"].size(); ++j) {
                long long port = intAt(c["ports"][j], "containerPort", 0);
                if (port < 1 || port > 65535)
                    causes.push_back(cause("FieldValueInvalid", p + ".ports[" + std::to_string(j) + "].containerPort",
                                           "Invalid value: " + std::to_string(port) + ": must be between 1 and 65535, inclusive"));
            }
    }
}

// A Job's pods run to completion: the API server refuses the pod default "Always".
void validateRunToCompletion(const Json &obj, const char *path, Json &causes)
{
    const std::string policy = stringAt(obj, path);
    if (policy != "OnFailure" && policy != "Never")
        causes.push_back(cause(policy.empty() ? "FieldValueRequired" : "FieldValueNotSupported", path,
                               policy.empty() ? "Required value: valid values: \"OnFailure\", \"Never\""
                                              : "Unsupported value: \"" + policy + "\": supported values: \"OnFailure\", \"Never\""));
}

// Type errors are decode failures (400), not validation failures, as in the real API server.
void checkInteger(const Json &obj, const char *path, const char *goField)
{
    const Json *v = findPath(obj, path);
    if (v && !v->is_null() && !v->is_number_integer())
        throw ApiException::badRequest(std::string("json: cannot unmarshal ") + (v->is_string() ? "string" : v->type_name()) +
                                       " into Go struct field " + goField + " of type int32");
}

// The API server omits empty maps: removing the last label leaves no "labels" key.
void dropEmptyMetadataMaps(Json &obj)
{
    if (!obj.contains("metadata") || !obj["metadata"].is_object())
        return;
    for (const char *key : {"labels", "annotations"})
        if (obj["metadata"].contains(key) && (obj["metadata"][key].is_null() || (obj["metadata"][key].is_object() && obj["metadata"][key].empty())))
            obj["metadata"].erase(key);
}

Json fieldsOf(const Json &v)
{
    Json out = Json::object();
    if (!v.is_object())
        return out;
    for (const auto &[k, child] : v.items()) {
        if (k == "status" || k == "metadata" || k == "apiVersion" || k == "kind")
            continue;
        out["f:" + k] = child.is_object() ? fieldsOf(child) : Json::object();
    }
    return out;
}

}  // namespace

void defaultPodTemplate(Json &podTemplate)
{
    Json holder = {{"spec", {{"template", podTemplate}}}};
    defaultTemplate(holder);
    podTemplate = std::move(holder["spec"]["template"]);
}

Cluster::Cluster(size_t historyLimit) : m_store(historyLimit) {}

std::string Cluster::allocateClusterIp()
{
    std::lock_guard lock(m_allocMutex);
    unsigned n = m_nextClusterIp++;
    return "10.96." + std::to_string(n / 250) + "." + std::to_string(n % 250 + 1);
}

int Cluster::allocateNodePort()
{
    std::lock_guard lock(m_allocMutex);
    return 31000 + (m_nextNodePort++ % 1700);
}

void Cluster::touchManagedFields(Json &obj, const std::string &manager, const std::string &operation,
                                 const std::string &apiVersion) const
{
    if (manager.empty())
        return;
    Json &meta = obj["metadata"];
    Json entries = meta.contains("managedFields") && meta["managedFields"].is_array() ? meta["managedFields"] : Json::array();
    Json fields = fieldsOf(obj);
    if (meta.contains("labels"))
        fields["f:metadata"]["f:labels"] = fieldsOf(meta["labels"]);
    if (meta.contains("annotations"))
        fields["f:metadata"]["f:annotations"] = fieldsOf(meta["annotations"]);
    Json entry = {{"manager", manager}, {"operation", operation}, {"apiVersion", apiVersion}, {"time", rfc3339Now()},
                  {"fieldsType", "FieldsV1"}, {"fieldsV1", fields}};
    auto it = std::find_if(entries.begin(), entries.end(), [&](const Json &e) {
        return e.value("manager", "") == manager && e.value("operation", "") == operation && !e.contains("subresource");
    });
    if (it != entries.end())
        *it = entry;
    else
        entries.push_back(entry);
    meta["managedFields"] = entries;
}

void Cluster::applyDefaults(const ResourceType &t, Json &obj, const Json *old) const
{
    Json &meta = obj["metadata"];
    if (!meta.is_object())
        meta = Json::object();
    const std::string &kind = t.kind;
    if (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" || kind == "Rollout") {
        Json &spec = obj["spec"];
        if (!spec.contains("replicas") || spec["replicas"].is_null())
            spec["replicas"] = 1;
        if (kind == "Deployment") {
            if (!spec.contains("revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
            if (!spec.contains("progressDeadlineSeconds")) spec["progressDeadlineSeconds"] = 600;
            if (!spec.contains("strategy")) spec["strategy"] = Json::object();
            Json &st = spec["strategy"];
            if (!st.contains("type")) st["type"] = "RollingUpdate";
            if (st["type"] == "RollingUpdate") {
                if (!st.contains("rollingUpdate")) st["rollingUpdate"] = Json::object();
                if (!st["rollingUpdate"].contains("maxSurge")) st["rollingUpdate"]["maxSurge"] = "25%";
                if (!st["rollingUpdate"].contains("maxUnavailable")) st["rollingUpdate"]["maxUnavailable"] = "25%";
            }
        }
        if (kind == "StatefulSet") {
            if (!spec.contains("podManagementPolicy")) spec["podManagementPolicy"] = "OrderedReady";
            if (!spec.contains("revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
            if (!spec.contains("updateStrategy")) spec["updateStrategy"] = Json::object();
            Json &st = spec["updateStrategy"];
            if (!st.contains("type")) st["type"] = "RollingUpdate";
            if (st["type"] == "RollingUpdate" && !st.contains("rollingUpdate")) st["rollingUpdate"] = {{"partition", 0}};
            if (!spec.contains("persistentVolumeClaimRetentionPolicy"))
                spec["persistentVolumeClaimRetentionPolicy"] = {{"whenDeleted", "Retain"}, {"whenScaled", "Retain"}};
        }
        if (kind != "Rollout")
            defaultTemplate(obj);
    } else if (kind == "DaemonSet") {
        Json &spec = obj["spec"];
        if (!spec.contains("revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
        if (!spec.contains("updateStrategy")) spec["updateStrategy"] = Json::object();
        Json &st = spec["updateStrategy"];
        if (!st.contains("type")) st["type"] = "RollingUpdate";
        if (st["type"] == "RollingUpdate") {
            if (!st.contains("rollingUpdate")) st["rollingUpdate"] = Json::object();
            if (!st["rollingUpdate"].contains("maxUnavailable")) st["rollingUpdate"]["maxUnavailable"] = 1;
            if (!st["rollingUpdate"].contains("maxSurge")) st["rollingUpdate"]["maxSurge"] = 0;
        }
        defaultTemplate(obj);
    } else if (kind == "Job") {
        Json &spec = obj["spec"];
        if (!spec.is_object()) spec = Json::object();
        const bool noCompletions = !spec.contains("completions") || spec["completions"].is_null();
        const bool noParallelism = !spec.contains("parallelism") || spec["parallelism"].is_null();
        if (noCompletions && noParallelism) spec["completions"] = 1;
        if (noParallelism) spec["parallelism"] = 1;
        if (!spec.contains("backoffLimit")) spec["backoffLimit"] = 6;
        if (!spec.contains("completionMode")) spec["completionMode"] = "NonIndexed";
        if (!spec.contains("suspend")) spec["suspend"] = false;
        if (!spec.contains("podReplacementPolicy")) spec["podReplacementPolicy"] = "TerminatingOrFailed";
        // The job strategy's generated selector: the Job's own uid, given before it is stored.
        if (!old && !boolAt(obj, "spec.manualSelector")) {
            std::string uid = meta.value("uid", "");
            if (uid.empty())
                meta["uid"] = uid = newUid();
            const std::string name = meta.value("name", "");
            spec["selector"] = {{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}};
            Json &labels = spec["template"]["metadata"]["labels"];
            if (!labels.is_object()) labels = Json::object();
            labels["batch.kubernetes.io/controller-uid"] = uid;
            labels["batch.kubernetes.io/job-name"] = name;
            labels["controller-uid"] = uid;
            labels["job-name"] = name;
        }
        defaultTemplate(obj);
    } else if (kind == "CronJob") {
        Json &spec = obj["spec"];
        if (!spec.is_object()) spec = Json::object();
        if (!spec.contains("concurrencyPolicy")) spec["concurrencyPolicy"] = "Allow";
        if (!spec.contains("suspend")) spec["suspend"] = false;
        if (!spec.contains("successfulJobsHistoryLimit")) spec["successfulJobsHistoryLimit"] = 3;
        if (!spec.contains("failedJobsHistoryLimit")) spec["failedJobsHistoryLimit"] = 1;
        if (spec.contains("jobTemplate") && spec["jobTemplate"].is_object()) {
            Json &jt = spec["jobTemplate"];
            if (jt.contains("metadata") && jt["metadata"].is_object() && jt["metadata"].contains("creationTimestamp") && jt["metadata"]["creationTimestamp"].is_null())
                jt["metadata"].erase("creationTimestamp");
            if (jt.contains("spec") && jt["spec"].is_object())
                defaultTemplate(jt);
        }
    } else if (kind == "Pod") {
        Json &spec = obj["spec"];
        defaultPodSpec(spec);
        if (!spec.contains("serviceAccountName")) spec["serviceAccountName"] = "default";
        if (!spec.contains("enableServiceLinks")) spec["enableServiceLinks"] = true;
        if (!spec.contains("priority")) spec["priority"] = 0;
        if (!spec.contains("preemptionPolicy")) spec["preemptionPolicy"] = "PreemptLowerPriority";
        if (!spec.contains("tolerations"))
            spec["tolerations"] = Json::array({{{"key", "node.kubernetes.io/not-ready"}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}},
                                               {{"key", "node.kubernetes.io/unreachable"}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}}});
        if (!obj.contains("status") || !obj["status"].is_object() || old == nullptr) {
            if (!old)
                obj["status"] = {{"phase", "Pending"}, {"qosClass", "Burstable"}};
        }
    } else if (kind == "Service") {
        Json &spec = obj["spec"];
        if (!spec.contains("type")) spec["type"] = "ClusterIP";
        if (!spec.contains("sessionAffinity")) spec["sessionAffinity"] = "None";
        if (spec["type"] != "ExternalName") {
            if (old && findPath(*old, "spec.clusterIP"))
                spec["clusterIP"] = (*old)["spec"]["clusterIP"];
            else if (!spec.contains("clusterIP") || spec["clusterIP"] == "")
                spec["clusterIP"] = const_cast<Cluster *>(this)->allocateClusterIp();
            if (spec["clusterIP"] != "None") spec["clusterIPs"] = Json::array({spec["clusterIP"]});
            if (!spec.contains("ipFamilies")) spec["ipFamilies"] = Json::array({"IPv4"});
            if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
            if (!spec.contains("internalTrafficPolicy")) spec["internalTrafficPolicy"] = "Cluster";
        }
        bool nodePorts = spec["type"] == "NodePort" || spec["type"] == "LoadBalancer";
        if (nodePorts && !spec.contains("externalTrafficPolicy")) spec["externalTrafficPolicy"] = "Cluster";
        if (spec.contains("ports") && spec["ports"].is_array()) {
            for (size_t i = 0; i < spec["ports"].size(); ++i) {
                Json &p = spec["ports"][i];
                if (!p.contains("protocol")) p["protocol"] = "TCP";
                if (!p.contains("targetPort")) p["targetPort"] = p.value("port", 0);
                if (nodePorts && !p.contains("nodePort")) {
                    const Json *oldPort = old ? findPath(*old, "spec.ports") : nullptr;
                    if (oldPort && oldPort->is_array() && i < oldPort->size() && (*oldPort)[i].contains("nodePort"))
                        p["nodePort"] = (*oldPort)[i]["nodePort"];
                    else
                        p["nodePort"] = const_cast<Cluster *>(this)->allocateNodePort();
                }
            }
        }
        if (!obj.contains("status")) obj["status"] = {{"loadBalancer", Json::object()}};
    } else if (kind == "Namespace") {
        meta["labels"]["kubernetes.io/metadata.name"] = meta.value("name", "");
        if (!obj.contains("spec")) obj["spec"] = {{"finalizers", Json::array({"kubernetes"})}};
        if (!old) obj["status"] = {{"phase", "Active"}};
    } else if (kind == "Secret") {
        if (!obj.contains("type")) obj["type"] = "Opaque";
        if (obj.contains("stringData") && obj["stringData"].is_object()) {
            for (const auto &[k, v] : obj["stringData"].items())
                obj["data"][k] = base64Encode(v.is_string() ? v.get<std::string>() : v.dump());
            obj.erase("stringData");
        }
    } else if (kind == "PersistentVolumeClaim") {
        Json &spec = obj["spec"];
        if (!spec.is_object()) spec = Json::object();
        // The DefaultStorageClass admission plugin: a claim that names no class (not even "") gets
        // the default one, the newest when several are marked.
        if (!old && (!spec.contains("storageClassName") || spec["storageClassName"].is_null())) {
            std::string chosen, chosenAt;
            for (const auto &sc : m_store.list(ResourceRegistry::instance().require("storage.k8s.io", "storageclasses")).items) {
                const Json *ann = findPath(sc->obj, "metadata.annotations");
                if (!ann || !ann->is_object() || ann->value("storageclass.kubernetes.io/is-default-class", "") != "true")
                    continue;
                const std::string at = stringAt(sc->obj, "metadata.creationTimestamp");
                if (chosen.empty() || at > chosenAt)
                    chosen = sc->name, chosenAt = at;
            }
            if (!chosen.empty())
                spec["storageClassName"] = chosen;
        }
        if (!spec.contains("volumeMode")) spec["volumeMode"] = "Filesystem";
        if (!old) obj["status"] = {{"phase", "Pending"}};
    } else if (kind == "PersistentVolume") {
        Json &spec = obj["spec"];
        if (!spec.is_object()) spec = Json::object();
        if (!spec.contains("persistentVolumeReclaimPolicy")) spec["persistentVolumeReclaimPolicy"] = "Retain";
        if (!spec.contains("volumeMode")) spec["volumeMode"] = "Filesystem";
        if (!old) obj["status"] = {{"phase", "Pending"}};
    } else if (kind == "StorageClass") {
        if (!obj.contains("reclaimPolicy")) obj["reclaimPolicy"] = "Delete";
        if (!obj.contains("volumeBindingMode")) obj["volumeBindingMode"] = "Immediate";
    } else if (kind == "PodDisruptionBudget") {
        if (!old) obj["status"] = {{"disruptionsAllowed", 0}, {"currentHealthy", 0}, {"desiredHealthy", 0}, {"expectedPods", 0}};
    } else if (kind == "HorizontalPodAutoscaler") {
        Json &spec = obj["spec"];
        if (!spec.contains("minReplicas")) spec["minReplicas"] = 1;
        if (!spec.contains("metrics"))
            spec["metrics"] = Json::array({{{"type", "Resource"}, {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", 80}}}}}}});
    }
}

void Cluster::validate(const ResourceType &t, const Json &obj, const Json *old) const
{
    std::string name = stringAt(obj, "metadata.name");
    Json causes = Json::array();
    if (name.empty()) {
        causes.push_back(cause("FieldValueRequired", "metadata.name", "Required value: name or generateName is required"));
    } else {
        // RBAC names are path segments ("system:masters"), checked as ValidatePathSegmentName does.
        const bool pathSegment = t.group == "rbac.authorization.k8s.io";
        bool ok = pathSegment ? (name != "." && name != ".." && name.find_first_of("/%") == std::string::npos)
                  : (t.kind == "Namespace") ? isDns1123Label(name)
                  : (t.kind == "Service")   ? isDns1035Label(name)
                                            : isDns1123Subdomain(name);
        if (!ok)
            causes.push_back(cause("FieldValueInvalid", "metadata.name",
                                   "Invalid value: \"" + name + "\": a lowercase RFC 1123 " +
                                   (t.kind == "Namespace" ? "label" : "subdomain") +
                                   " must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
    }
    const std::string &kind = t.kind;
    if (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "Job") {
        checkInteger(obj, "spec.replicas", (kind + "Spec.spec.replicas").c_str());
        if (intAt(obj, "spec.replicas", 0) < 0)
            causes.push_back(cause("FieldValueInvalid", "spec.replicas",
                                   "Invalid value: " + std::to_string(intAt(obj, "spec.replicas")) + ": must be greater than or equal to 0"));
        const Json *sel = findPath(obj, "spec.selector");
        if (!sel || !sel->is_object() || sel->empty()) {
            causes.push_back(cause("FieldValueRequired", "spec.selector", "Required value"));
        } else {
            const Json *tl = findPath(obj, "spec.template.metadata.labels");
            if (const Json *ml = findPath(*sel, "matchLabels"); ml && ml->is_object())
                for (const auto &[k, v] : ml->items())
                    if (!tl || !tl->contains(k) || (*tl)[k] != v) {
                        causes.push_back(cause("FieldValueInvalid", "spec.template.metadata.labels",
                                               "Invalid value: " + (tl ? tl->dump() : std::string("null")) +
                                               ": `selector` does not match template `labels`"));
                        break;
                    }
            if (old && findPath(*old, "spec.selector") && *findPath(*old, "spec.selector") != *sel)
                causes.push_back(cause("FieldValueInvalid", "spec.selector",
                                       "Invalid value: " + sel->dump() + ": field is immutable"));
        }
        validateContainers(findPath(obj, "spec.template.spec.containers"), "spec.template.spec.containers", causes);
        if (kind == "Job")
            validateRunToCompletion(obj, "spec.template.spec.restartPolicy", causes);
    } else if (kind == "CronJob") {
        const std::string schedule = stringAt(obj, "spec.schedule");
        std::string error;
        if (schedule.empty())
            causes.push_back(cause("FieldValueRequired", "spec.schedule", "Required value"));
        else if (schedule.find("TZ") != std::string::npos)
            causes.push_back(cause("FieldValueInvalid", "spec.schedule",
                                   "Invalid value: \"" + schedule + "\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
        else if (!CronSchedule::parse(schedule, error))
            causes.push_back(cause("FieldValueInvalid", "spec.schedule", "Invalid value: \"" + schedule + "\": " + error));
        // time.LoadLocation's answer, from the same zone database (the controller itself reads
        // schedules in UTC: see JobController::syncCronJob).
        if (const Json *tz = findPath(obj, "spec.timeZone"); tz && tz->is_string()) {
            const std::string zone = tz->get<std::string>();
            std::error_code ec;
            const bool known = zone == "UTC" || zone == "Local" ||
                               (zone.find("..") == std::string::npos && !zone.empty() && zone[0] != '/' &&
                                (!std::filesystem::is_directory("/usr/share/zoneinfo", ec) ||
                                 std::filesystem::is_regular_file("/usr/share/zoneinfo/" + zone, ec)));
            if (!known)
                causes.push_back(cause("FieldValueInvalid", "spec.timeZone", "Invalid value: \"" + zone + "\": unknown time zone " + zone));
        }
        const std::string policy = stringAt(obj, "spec.concurrencyPolicy", "Allow");
        if (policy != "Allow" && policy != "Forbid" && policy != "Replace")
            causes.push_back(cause("FieldValueNotSupported", "spec.concurrencyPolicy",
                                   "Unsupported value: \"" + policy + "\": supported values: \"Allow\", \"Forbid\", \"Replace\""));
        validateContainers(findPath(obj, "spec.jobTemplate.spec.template.spec.containers"), "spec.jobTemplate.spec.template.spec.containers", causes);
        validateRunToCompletion(obj, "spec.jobTemplate.spec.template.spec.restartPolicy", causes);
    } else if (kind == "Pod") {
        validateContainers(findPath(obj, "spec.containers"), "spec.containers", causes);
    } else if (kind == "Service") {
        if (const Json *ports = findPath(obj, "spec.ports"); ports && ports->is_array())
            for (size_t i = 0; i < ports->size(); ++i) {
                long long port = intAt((*ports)[i], "port", 0);
                if (port < 1 || port > 65535)
                    causes.push_back(cause("FieldValueInvalid", "spec.ports[" + std::to_string(i) + "].port",
                                           "Invalid value: " + std::to_string(port) + ": must be between 1 and 65535, inclusive"));
            }
    } else if (kind == "HorizontalPodAutoscaler") {
        checkInteger(obj, "spec.maxReplicas", "HorizontalPodAutoscalerSpec.spec.maxReplicas");
        long long minR = intAt(obj, "spec.minReplicas", 1), maxR = intAt(obj, "spec.maxReplicas", 0);
        if (maxR < 1)
            causes.push_back(cause("FieldValueInvalid", "spec.maxReplicas", "Invalid value: " + std::to_string(maxR) + ": must be greater than 0"));
        else if (maxR < minR)
            causes.push_back(cause("FieldValueInvalid", "spec.maxReplicas",
                                   "Invalid value: " + std::to_string(maxR) + ": must be greater than or equal to `minReplicas`"));
        if (!findPath(obj, "spec.scaleTargetRef.name"))
            causes.push_back(cause("FieldValueRequired", "spec.scaleTargetRef.name", "Required value"));
    } else if (kind == "PersistentVolumeClaim" || kind == "PersistentVolume") {
        const bool claim = kind == "PersistentVolumeClaim";
        const Json *modes = findPath(obj, "spec.accessModes");
        if (!modes || !modes->is_array() || modes->empty())
            causes.push_back(cause("FieldValueRequired", "spec.accessModes", "Required value: at least 1 access mode is required"));
        const char *sizePath = claim ? "spec.resources.requests.storage" : "spec.capacity.storage";
        if (stringAt(obj, sizePath).empty() && !(findPath(obj, sizePath) && findPath(obj, sizePath)->is_number()))
            causes.push_back(cause("FieldValueRequired", claim ? "spec.resources[storage]" : "spec.capacity", "Required value"));
        // A claim's spec is fixed once made, but for its size (expansion) and the volume it binds to.
        if (claim && old) {
            Json before = (*old)["spec"], after = obj["spec"];
            for (Json *spec : {&before, &after}) {
                if (spec->contains("resources") && (*spec)["resources"].is_object())
                    (*spec)["resources"].erase("requests");
                if (stringAt(*old, "spec.volumeName").empty())
                    spec->erase("volumeName");
            }
            if (before != after)
                causes.push_back(cause("FieldValueForbidden", "spec",
                                       "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
        }
    } else if (kind == "StorageClass") {
        if (stringAt(obj, "provisioner").empty())
            causes.push_back(cause("FieldValueRequired", "provisioner", "Required value"));
        if (old && stringAt(obj, "provisioner") != stringAt(*old, "provisioner"))
            causes.push_back(cause("FieldValueForbidden", "provisioner", "Forbidden: updates to provisioner are forbidden."));
    } else if (kind == "RoleBinding" || kind == "ClusterRoleBinding") {
        if (stringAt(obj, "roleRef.name").empty())
            causes.push_back(cause("FieldValueRequired", "roleRef.name", "Required value"));
        if (old && findPath(*old, "roleRef") && findPath(obj, "roleRef") && *findPath(*old, "roleRef") != *findPath(obj, "roleRef"))
            throw invalidError(t, name, Json::array({cause("FieldValueInvalid", "roleRef",
                                                                    "Invalid value: " + findPath(obj, "roleRef")->dump() + ": cannot change roleRef")}));
    } else if (kind == "ConfigMap" || kind == "Secret") {
        if (const Json *data = findPath(obj, "data"); data && data->is_object())
            for (const auto &[k, v] : data->items())
                if (!v.is_string())
                    throw ApiException::badRequest("json: cannot unmarshal " + std::string(v.type_name()) +
                                                   " into Go struct field " + kind + ".data of type string");
    }
    if (!causes.empty())
        throw invalidError(t, name, causes);
}

ObjPtr Cluster::create(const ResourceType &t, const std::string &ns, Json obj, const WriteOptions &opts)
{
    if (!obj.is_object())
        throw ApiException::badRequest("the body of the request was not a JSON object");
    Json &meta = obj["metadata"];
    if (!meta.is_object())
        meta = Json::object();
    if (t.namespaced) {
        std::string bodyNs = meta.value("namespace", "");
        if (!bodyNs.empty() && !ns.empty() && bodyNs != ns)
            throw ApiException::badRequest("the namespace of the provided object does not match the namespace sent on the request");
        meta["namespace"] = ns.empty() ? bodyNs : ns;
        if (meta["namespace"] == "")
            meta["namespace"] = "default";
        if (t.kind != "Event" && !m_store.get(ResourceRegistry::instance().require("", "namespaces"), "", meta["namespace"]))
            throw ApiException(404, "NotFound", "namespaces \"" + meta["namespace"].get<std::string>() + "\" not found",
                               {{"name", meta["namespace"]}, {"kind", "namespaces"}});
        if (const auto nsObj = m_store.get(ResourceRegistry::instance().require("", "namespaces"), "", meta["namespace"]);
            nsObj && stringAt(nsObj->obj, "status.phase") == "Terminating")
            throw ApiException(403, "Forbidden", t.plural + " \"" + meta.value("name", "") + "\" is forbidden: unable to create new content in namespace " +
                                                     meta["namespace"].get<std::string>() + " because it is being terminated");
    }
    if ((!meta.contains("name") || meta["name"] == "") && meta.contains("generateName"))
        meta["name"] = meta["generateName"].get<std::string>() + randomSuffix(5);
    for (const char *field : {"uid", "resourceVersion", "deletionTimestamp", "selfLink", "creationTimestamp"})
        meta.erase(field);
    applyDefaults(t, obj, nullptr);
    validate(t, obj, nullptr);
    dropEmptyMetadataMaps(obj);
    touchManagedFields(obj, opts.fieldManager, opts.operation, t.groupVersion());
    if (opts.dryRun) {
        meta["uid"] = newUid();
        meta["creationTimestamp"] = rfc3339Now();
        auto s = std::make_shared<StoredObject>();
        s->obj = obj;
        s->json = obj.dump();
        s->name = meta.value("name", "");
        s->ns = meta.value("namespace", "");
        s->type = t.index;
        return s;
    }
    return m_store.insert(t, std::move(obj));
}

ObjPtr Cluster::writeUpdate(const ResourceType &t, const std::string &ns, const std::string &name,
                            const std::function<Json(const Json &current)> &produce, const WriteOptions &opts,
                            const std::string &operation)
{
    Json dryRunResult;
    ObjPtr stored = m_store.modify(t, ns, name, [&](Json &current) {
        Json next = produce(current);
        if (!next.is_object())
            throw ApiException::badRequest("the body of the request was not a JSON object");
        // A resourceVersion in the new object is a precondition (optimistic concurrency).
        std::string wantRv = stringAt(next, "metadata.resourceVersion");
        if (!wantRv.empty() && wantRv != stringAt(current, "metadata.resourceVersion"))
            throw conflictError(t, name, "the object has been modified; please apply your changes to the latest version and try again");
        if (opts.subresource == "status") {
            Json merged = current;
            merged["status"] = next.contains("status") ? next["status"] : Json::object();
            next = std::move(merged);
        } else if (t.hasSubresource("status") && current.contains("status")) {
            next["status"] = current["status"];
        }
        if (opts.subresource != "status") {
            // Fields the server owns survive a client's replace.
            for (const char *f : {"deletionTimestamp", "deletionGracePeriodSeconds", "generation"})
                if (current["metadata"].contains(f))
                    next["metadata"][f] = current["metadata"][f];
                else
                    next["metadata"].erase(f);
            if (!next["metadata"].contains("managedFields") && current["metadata"].contains("managedFields"))
                next["metadata"]["managedFields"] = current["metadata"]["managedFields"];
            applyDefaults(t, next, &current);
            validate(t, next, &current);
            if (t.hasSpecGeneration && next.value("spec", Json()) != current.value("spec", Json()))
                next["metadata"]["generation"] = intAt(current, "metadata.generation", 1) + 1;
            // A pod's spec is immutable but for images and a few fields; keep scheduling decisions.
            if (t.kind == "Pod" && current["spec"].contains("nodeName") && !next["spec"].contains("nodeName"))
                next["spec"]["nodeName"] = current["spec"]["nodeName"];
        }
        next["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
        dropEmptyMetadataMaps(next);
        if (next == current)
            return false;
        touchManagedFields(next, opts.fieldManager, operation, t.groupVersion());
        if (opts.dryRun) {
            dryRunResult = std::move(next);
            return false;
        }
        current = std::move(next);
        return true;
    });
    if (opts.dryRun && !dryRunResult.is_null()) {
        auto s = std::make_shared<StoredObject>(*stored);
        s->obj = dryRunResult;
        s->json = dryRunResult.dump();
        return s;
    }
    // Removing the last finalizer of an object that is being deleted completes the deletion.
    if (findPath(stored->obj, "metadata.deletionTimestamp") && t.kind != "Pod" && t.kind != "Namespace")
        finalizeIfReady(t, ns, name);
    return stored;
}

ObjPtr Cluster::update(const ResourceType &t, const std::string &ns, const std::string &name, Json obj, const WriteOptions &opts)
{
    if (!obj.is_object())
        throw ApiException::badRequest("the body of the request was not a JSON object");
    std::string bodyName = stringAt(obj, "metadata.name");
    if (!bodyName.empty() && bodyName != name)
        throw ApiException::badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
    return writeUpdate(t, ns, name, [&](const Json &) { return obj; }, opts, "Update");
}

ObjPtr Cluster::patch(const ResourceType &t, const std::string &ns, const std::string &name, PatchType type,
                      const std::string &body, const WriteOptions &opts, bool force)
{
    (void)force;  // a single simulated manager never conflicts on server-side apply
    Json patchDoc;
    if (type == PatchType::Apply) {
        try {
            patchDoc = yamlToJson(YAML::Load(body));
        } catch (const std::exception &e) {
            throw ApiException::badRequest(std::string("error decoding YAML: ") + e.what());
        }
        if (opts.fieldManager.empty())
            throw ApiException::badRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        if (!m_store.get(t, ns, name)) {
            WriteOptions createOpts = opts;
            createOpts.operation = "Apply";
            Json obj = patchDoc;
            obj["metadata"]["name"] = name;
            ObjPtr created = create(t, ns, std::move(obj), createOpts);
            return created;
        }
    } else {
        try {
            patchDoc = Json::parse(body);
        } catch (const Json::parse_error &e) {
            throw ApiException::badRequest(std::string("error decoding patch: ") + e.what());
        }
    }
    if (type == PatchType::Strategic && t.customResource)
        throw ApiException(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media types include: "
                           "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
    return writeUpdate(t, ns, name, [&](const Json &current) {
        Json base = current;
        Json next;
        switch (type) {
        case PatchType::Merge: next = applyMergePatch(base, patchDoc); break;
        case PatchType::Json: next = applyJsonPatch(base, patchDoc); break;
        case PatchType::Strategic: next = applyStrategicMergePatch(base, patchDoc); break;
        case PatchType::Apply: next = t.customResource ? applyMergePatch(base, patchDoc) : applyStrategicMergePatch(base, patchDoc); break;
        case PatchType::Unsupported: throw ApiException(415, "UnsupportedMediaType", "unsupported patch type");
        }
        // A patch without a resourceVersion must not fail on the current one it carries.
        const Json *patchRv = type == PatchType::Json ? nullptr : findPath(patchDoc, "metadata.resourceVersion");
        if (!patchRv && type != PatchType::Json)
            next["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
        return next;
    }, opts, type == PatchType::Apply ? "Apply" : "Update");
}

ObjPtr Cluster::mutate(const ResourceType &t, const std::string &ns, const std::string &name,
                       const std::function<bool(Json &)> &fn, const std::string &subresource)
{
    (void)subresource;
    return m_store.modify(t, ns, name, fn);
}

Cluster::DeleteResult Cluster::remove(const ResourceType &t, const std::string &ns, const std::string &name,
                                      const Json &options, bool dryRun)
{
    ObjPtr current = m_store.get(t, ns, name);
    if (!current)
        throw notFoundError(t, name);
    if (const Json *pre = findPath(options, "preconditions"); pre && pre->is_object()) {
        std::string uid = pre->value("uid", "");
        std::string rv = pre->value("resourceVersion", "");
        if (!uid.empty() && uid != current->uid)
            throw conflictError(t, name, "Precondition failed: UID in precondition: " + uid + ", UID in object meta: " + current->uid);
        if (!rv.empty() && rv != stringAt(current->obj, "metadata.resourceVersion"))
            throw conflictError(t, name, "Precondition failed: ResourceVersion in precondition: " + rv +
                                                      ", ResourceVersion in object meta: " + stringAt(current->obj, "metadata.resourceVersion"));
    }
    if (dryRun)
        return {current, false};
    std::string policy = options.value("propagationPolicy", "");
    if (policy.empty() && options.contains("orphanDependents") && options["orphanDependents"].is_boolean())
        policy = options["orphanDependents"].get<bool>() ? "Orphan" : "Background";
    if (policy.empty())
        policy = "Background";
    long long grace = -1;
    if (options.contains("gracePeriodSeconds") && options["gracePeriodSeconds"].is_number_integer())
        grace = options["gracePeriodSeconds"].get<long long>();

    bool hasFinalizers = false;
    if (const Json *f = findPath(current->obj, "metadata.finalizers"); f && f->is_array() && !f->empty())
        hasFinalizers = true;

    if (t.kind == "Pod" && grace != 0) {
        if (grace < 0)
            grace = intAt(current->obj, "spec.terminationGracePeriodSeconds", 30);
        // Unscheduled pods have no kubelet to wait for.
        if (!stringAt(current->obj, "spec.nodeName").empty() || hasFinalizers) {
            ObjPtr marked = m_store.modify(t, ns, name, [&](Json &o) {
                if (o["metadata"].contains("deletionTimestamp"))
                    return false;
                o["metadata"]["deletionTimestamp"] = rfc3339(std::chrono::system_clock::now() + std::chrono::seconds(grace));
                o["metadata"]["deletionGracePeriodSeconds"] = grace;
                return true;
            });
            return {marked, false};
        }
    }
    bool needsWait = hasFinalizers || policy == "Foreground" || policy == "Orphan" || t.kind == "Namespace";
    if (needsWait) {
        ObjPtr marked = m_store.modify(t, ns, name, [&](Json &o) {
            bool changed = false;
            if (!o["metadata"].contains("deletionTimestamp")) {
                o["metadata"]["deletionTimestamp"] = rfc3339Now();
                o["metadata"]["deletionGracePeriodSeconds"] = 0;
                changed = true;
            }
            std::string fin = policy == "Foreground" ? "foregroundDeletion" : policy == "Orphan" ? "orphan" : "";
            if (t.kind == "Namespace") {
                o["status"]["phase"] = "Terminating";
                changed = true;
            } else if (!fin.empty()) {
                Json &list = o["metadata"]["finalizers"];
                if (!list.is_array())
                    list = Json::array();
                if (std::find(list.begin(), list.end(), fin) == list.end()) {
                    list.push_back(fin);
                    changed = true;
                }
            }
            return changed;
        });
        return {marked, false};
    }
    return {m_store.erase(t, ns, name), true};
}

void Cluster::finalizeIfReady(const ResourceType &t, const std::string &ns, const std::string &name)
{
    ObjPtr cur = m_store.get(t, ns, name);
    if (!cur || !findPath(cur->obj, "metadata.deletionTimestamp"))
        return;
    const Json *f = findPath(cur->obj, "metadata.finalizers");
    if (f && f->is_array() && !f->empty())
        return;
    try {
        m_store.erase(t, ns, name);
    } catch (const ApiException &) {
        // Someone else completed it first.
    }
}

void Cluster::recordEvent(const Json &involved, const std::string &type, const std::string &reason,
                          const std::string &message, const std::string &component, const std::string &host)
{
    const auto &events = ResourceRegistry::instance().require("", "events");
    std::string ns = stringAt(involved, "metadata.namespace", "default");
    std::string involvedName = stringAt(involved, "metadata.name");
    std::string uid = stringAt(involved, "metadata.uid");
    std::string now = rfc3339Now();
    // Aggregate repeats the way the event broadcaster does: same object, reason, message and source.
    std::string key = ns;
    for (const std::string *part : std::initializer_list<const std::string *>{&uid, &reason, &message, &component})
        key.append(1, '\x1f').append(*part);
    std::string previous;
    {
        std::lock_guard lock(m_eventMutex);
        if (auto it = m_eventByKey.find(key); it != m_eventByKey.end())
            previous = it->second;
    }
    if (!previous.empty()) {
        try {
            bool counted = false;
            m_store.modify(events, ns, previous, [&](Json &o) {
                // Still the same event (a client may have rewritten it): count the repeat into it.
                if (stringAt(o, "involvedObject.uid") != uid || stringAt(o, "reason") != reason || stringAt(o, "message") != message ||
                    stringAt(o, "source.component") != component)
                    return false;
                o["count"] = intAt(o, "count", 1) + 1;
                o["lastTimestamp"] = now;
                counted = true;
                return true;
            });
            if (counted)
                return;
        } catch (const ApiException &) {
            // Gone (deleted, or its namespace): a new Event below.
        }
    }
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%016llx",
                  static_cast<unsigned long long>(std::chrono::system_clock::now().time_since_epoch().count()));
    Json ev = {{"apiVersion", "v1"},
               {"kind", "Event"},
               {"metadata", {{"name", involvedName + "." + suffix}, {"namespace", ns}}},
               {"involvedObject", {{"kind", involved.value("kind", "")}, {"namespace", ns}, {"name", involvedName},
                                   {"uid", uid}, {"apiVersion", involved.value("apiVersion", "")},
                                   {"resourceVersion", stringAt(involved, "metadata.resourceVersion")}}},
               {"reason", reason},
               {"message", message},
               {"source", {{"component", component}}},
               {"firstTimestamp", now},
               {"lastTimestamp", now},
               {"count", 1},
               {"type", type},
               {"eventTime", nullptr},
               {"reportingComponent", component},
               {"reportingInstance", host.empty() ? component : component + "-" + host}};
    if (!host.empty())
        ev["source"]["host"] = host;
    if (involved.contains("fieldPath"))
        ev["involvedObject"]["fieldPath"] = involved["fieldPath"];
    if (stringAt(involved, "metadata.namespace").empty())
        ev["involvedObject"].erase("namespace");
    try {
        ObjPtr stored = m_store.insert(events, std::move(ev));
        std::lock_guard lock(m_eventMutex);
        m_eventByKey[key] = stored->name;
        m_eventOrder.push_back({ns, stored->name, std::move(key)});
        while (m_eventOrder.size() > m_eventLimit) {
            RecordedEvent old = std::move(m_eventOrder.front());
            m_eventOrder.pop_front();
            if (auto it = m_eventByKey.find(old.key); it != m_eventByKey.end() && it->second == old.name)
                m_eventByKey.erase(it);
            try {
                m_store.erase(events, old.ns, old.name);
            } catch (const ApiException &) {
            }
        }
    } catch (const ApiException &) {
        // A name collision within the same nanosecond: drop the duplicate event.
    }
}

}  // namespace pilothouse::sim
