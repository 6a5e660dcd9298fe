// Columns and cells per kind, following the API server's printers (kubectl's usual columns).
#include "kube/tables.h"

#include "common/selectors.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace pilothouse::sim {

namespace {

struct Col {
    const char *name;
    const char *type;
    int priority;
    const char *format = "";
};

const std::map<std::string, std::vector<Col>> &columnsByKind()
{
    static const std::map<std::string, std::vector<Col>> cols = {
        {"Pod", {{"Name", "string", 0, "name"}, {"Ready", "string", 0}, {"Status", "string", 0}, {"Restarts", "string", 0},
                 {"Age", "string", 0}, {"IP", "string", 1}, {"Node", "string", 1}, {"Nominated Node", "string", 1},
                 {"Readiness Gates", "string", 1}}},
        {"Deployment", {{"Name", "string", 0, "name"}, {"Ready", "string", 0}, {"Up-to-date", "string", 0},
                        {"Available", "string", 0}, {"Age", "string", 0}, {"Containers", "string", 1},
                        {"Images", "string", 1}, {"Selector", "string", 1}}},
        {"ReplicaSet", {{"Name", "string", 0, "name"}, {"Desired", "integer", 0}, {"Current", "integer", 0},
                        {"Ready", "integer", 0}, {"Age", "string", 0}, {"Containers", "string", 1},
                        {"Images", "string", 1}, {"Selector", "string", 1}}},
        {"StatefulSet", {{"Name", "string", 0, "name"}, {"Ready", "string", 0}, {"Age", "string", 0},
                         {"Containers", "string", 1}, {"Images", "string", 1}}},
        {"DaemonSet", {{"Name", "string", 0, "name"}, {"Desired", "integer", 0}, {"Current", "integer", 0},
                       {"Ready", "integer", 0}, {"Up-to-date", "integer", 0}, {"Available", "integer", 0},
                       {"Node Selector", "string", 0}, {"Age", "string", 0}, {"Containers", "string", 1},
                       {"Images", "string", 1}, {"Selector", "string", 1}}},
        {"ControllerRevision", {{"Name", "string", 0, "name"}, {"Controller", "string", 0}, {"Revision", "integer", 0},
                                {"Age", "string", 0}}},
        {"Job", {{"Name", "string", 0, "name"}, {"Status", "string", 0}, {"Completions", "string", 0},
                 {"Duration", "string", 0}, {"Age", "string", 0}, {"Containers", "string", 1},
                 {"Images", "string", 1}, {"Selector", "string", 1}}},
        {"CronJob", {{"Name", "string", 0, "name"}, {"Schedule", "string", 0}, {"Timezone", "string", 0},
                     {"Suspend", "boolean", 0}, {"Active", "integer", 0}, {"Last Schedule", "string", 0},
                     {"Age", "string", 0}, {"Containers", "string", 1}, {"Images", "string", 1},
                     {"Selector", "string", 1}}},
        {"Service", {{"Name", "string", 0, "name"}, {"Type", "string", 0}, {"Cluster-IP", "string", 0},
                     {"External-IP", "string", 0}, {"Port(s)", "string", 0}, {"Age", "string", 0},
                     {"Selector", "string", 1}}},
        {"Endpoints", {{"Name", "string", 0, "name"}, {"Endpoints", "string", 0}, {"Age", "string", 0}}},
        {"HorizontalPodAutoscaler", {{"Name", "string", 0, "name"}, {"Reference", "string", 0}, {"Targets", "string", 0},
                                     {"MinPods", "string", 0}, {"MaxPods", "integer", 0}, {"Replicas", "integer", 0},
                                     {"Age", "string", 0}}},
        {"Namespace", {{"Name", "string", 0, "name"}, {"Status", "string", 0}, {"Age", "string", 0}}},
        {"Node", {{"Name", "string", 0, "name"}, {"Status", "string", 0}, {"Roles", "string", 0}, {"Age", "string", 0},
                  {"Version", "string", 0}, {"Internal-IP", "string", 1}, {"External-IP", "string", 1},
                  {"OS-Image", "string", 1}, {"Kernel-Version", "string", 1}, {"Container-Runtime", "string", 1}}},
        {"Event", {{"Last Seen", "string", 0}, {"Type", "string", 0}, {"Reason", "string", 0}, {"Object", "string", 0},
                   {"Subobject", "string", 1}, {"Source", "string", 1}, {"Message", "string", 0},
                   {"First Seen", "string", 1}, {"Count", "string", 1}, {"Name", "string", 1, "name"}}},
        {"ConfigMap", {{"Name", "string", 0, "name"}, {"Data", "string", 0}, {"Age", "string", 0}}},
        {"Secret", {{"Name", "string", 0, "name"}, {"Type", "string", 0}, {"Data", "string", 0}, {"Age", "string", 0}}},
        {"ServiceAccount", {{"Name", "string", 0, "name"}, {"Secrets", "string", 0}, {"Age", "string", 0}}},
        {"Ingress", {{"Name", "string", 0, "name"}, {"Class", "string", 0}, {"Hosts", "string", 0},
                     {"Address", "string", 0}, {"Ports", "string", 0}, {"Age", "string", 0}}},
        {"Rollout", {{"Name", "string", 0, "name"}, {"Desired", "integer", 0}, {"Current", "integer", 0},
                     {"Up-to-date", "integer", 0}, {"Available", "integer", 0}, {"Age", "date", 0}}},
        // Storage, quota and policy kinds, as printers.go prints them for kubectl 1.30.
        {"PersistentVolumeClaim", {{"Name", "string", 0, "name"}, {"Status", "string", 0}, {"Volume", "string", 0},
                                   {"Capacity", "string", 0}, {"Access Modes", "string", 0}, {"StorageClass", "string", 0},
                                   {"VolumeAttributesClass", "string", 0}, {"Age", "string", 0}, {"VolumeMode", "string", 1}}},
        {"PersistentVolume", {{"Name", "string", 0, "name"}, {"Capacity", "string", 0}, {"Access Modes", "string", 0},
                              {"Reclaim Policy", "string", 0}, {"Status", "string", 0}, {"Claim", "string", 0},
                              {"StorageClass", "string", 0}, {"VolumeAttributesClass", "string", 0}, {"Reason", "string", 0},
                              {"Age", "string", 0}, {"VolumeMode", "string", 1}}},
        {"StorageClass", {{"Name", "string", 0, "name"}, {"Provisioner", "string", 0}, {"ReclaimPolicy", "string", 0},
                          {"VolumeBindingMode", "string", 0}, {"AllowVolumeExpansion", "string", 0}, {"Age", "string", 0}}},
        {"ResourceQuota", {{"Name", "string", 0, "name"}, {"Age", "string", 0}, {"Request", "string", 0}, {"Limit", "string", 0}}},
        {"NetworkPolicy", {{"Name", "string", 0, "name"}, {"Pod-Selector", "string", 0}, {"Age", "string", 0}}},
        {"PodDisruptionBudget", {{"Name", "string", 0, "name"}, {"Min Available", "string", 0}, {"Max Unavailable", "string", 0},
                                 {"Allowed Disruptions", "integer", 0}, {"Age", "string", 0}}},
        {"RoleBinding", {{"Name", "string", 0, "name"}, {"Role", "string", 0}, {"Age", "string", 0}, {"Users", "string", 1},
                         {"Groups", "string", 1}, {"ServiceAccounts", "string", 1}}},
        {"ClusterRoleBinding", {{"Name", "string", 0, "name"}, {"Role", "string", 0}, {"Age", "string", 0}, {"Users", "string", 1},
                                {"Groups", "string", 1}, {"ServiceAccounts", "string", 1}}},
        // Kinds without a printer get the API server's default table convertor: name and creation time.
        {"Role", {{"Name", "string", 0, "name"}, {"Created At", "date", 0}}},
        {"ClusterRole", {{"Name", "string", 0, "name"}, {"Created At", "date", 0}}},
        {"LimitRange", {{"Name", "string", 0, "name"}, {"Created At", "date", 0}}},
        // The argoproj.io CRDs' additionalPrinterColumns.
        {"AnalysisRun", {{"Name", "string", 0, "name"}, {"Status", "string", 0}, {"Age", "date", 0}}},
        {"AnalysisTemplate", {{"Name", "string", 0, "name"}, {"Age", "date", 0}}},
        // Argo CD's CRD printer columns (additionalPrinterColumns of applications.argoproj.io).
        {"Application", {{"Name", "string", 0, "name"}, {"Sync Status", "string", 0}, {"Health Status", "string", 0},
                         {"Revision", "string", 10}, {"Project", "string", 10}}},
    };
    return cols;
}

const std::vector<Col> kDefaultColumns{{"Name", "string", 0, "name"}, {"Age", "string", 0}};

std::string joinStrings(const std::vector<std::string> &parts, const char *sep = ",")
{
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i)
        out += (i ? sep : "") + parts[i];
    return out;
}

std::string orNone(const std::string &s) { return s.empty() ? "<none>" : s; }

std::string labelsToSelector(const Json *labels)
{
    std::vector<std::string> parts;
    if (labels && labels->is_object())
        for (const auto &[k, v] : labels->items())
            parts.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
    return joinStrings(parts);
}

std::string selectorString(const Json &obj)
{
    const Json *sel = findPath(obj, "spec.selector");
    if (!sel || !sel->is_object())
        return "<none>";
    std::vector<std::string> parts;
    if (auto ml = sel->find("matchLabels"); ml != sel->end())
        parts.push_back(labelsToSelector(&*ml));
    if (auto me = sel->find("matchExpressions"); me != sel->end() && me->is_array())
        for (const auto &e : *me) {
            std::vector<std::string> vals;
            for (const auto &v : e.value("values", Json::array()))
                vals.push_back(v.get<std::string>());
            std::string op = e.value("operator", "");
            std::string key = e.value("key", "");
            if (op == "In" || op == "NotIn")
                parts.push_back(key + (op == "In" ? " in (" : " notin (") + joinStrings(vals) + ")");
            else
                parts.push_back(op == "Exists" ? key : "!" + key);
        }
    std::string s = joinStrings(parts);
    return s.empty() ? "<none>" : s;
}

std::pair<std::string, std::string> containersAndImages(const Json &obj, const char *podSpecPath)
{
    std::vector<std::string> names, images;
    if (const Json *cs = findPath(obj, std::string(podSpecPath) + ".containers"); cs && cs->is_array())
        for (const auto &c : *cs) {
            names.push_back(c.value("name", ""));
            images.push_back(c.value("image", ""));
        }
    return {joinStrings(names), joinStrings(images)};
}

std::string podStatusReason(const Json &pod)
{
    std::string reason = stringAt(pod, "status.phase", "Pending");
    if (std::string r = stringAt(pod, "status.reason"); !r.empty())
        reason = r;
    bool initializing = false;
    if (const Json *ics = findPath(pod, "status.initContainerStatuses"); ics && ics->is_array()) {
        int i = 0;
        for (const auto &c : *ics) {
            if (stringAt(c, "state.terminated.reason") == "Completed" || intAt(c, "state.terminated.exitCode", -1) == 0) {
                ++i;
                continue;
            }
            if (std::string w = stringAt(c, "state.waiting.reason"); !w.empty() && w != "PodInitializing")
                reason = "Init:" + w;
            else
                reason = "Init:" + std::to_string(i) + "/" + std::to_string(ics->size());
            initializing = true;
            break;
        }
    }
    if (!initializing) {
        bool hasRunning = false;
        if (const Json *cs = findPath(pod, "status.containerStatuses"); cs && cs->is_array()) {
            for (auto it = cs->rbegin(); it != cs->rend(); ++it) {
                const Json &c = *it;
                if (std::string w = stringAt(c, "state.waiting.reason"); !w.empty())
                    reason = w;
                else if (std::string t = stringAt(c, "state.terminated.reason"); !t.empty())
                    reason = t;
                else if (findPath(c, "state.running") && boolAt(c, "ready"))
                    hasRunning = true;
            }
        }
        if (reason == "Completed" && hasRunning)
            reason = "Running";
    }
    if (findPath(pod, "metadata.deletionTimestamp") && !findPath(pod, "metadata.deletionTimestamp")->is_null())
        reason = stringAt(pod, "status.reason") == "NodeLost" ? "Unknown" : "Terminating";
    return reason;
}

Json podCells(const Json &pod)
{
    int total = 0, ready = 0, restarts = 0;
    std::string lastRestart;
    if (const Json *spec = findPath(pod, "spec.containers"); spec && spec->is_array())
        total = static_cast<int>(spec->size());
    if (const Json *cs = findPath(pod, "status.containerStatuses"); cs && cs->is_array())
        for (const auto &c : *cs) {
            restarts += static_cast<int>(c.value("restartCount", 0));
            if (c.value("ready", false) && findPath(c, "state.running"))
                ++ready;
            if (std::string f = stringAt(c, "lastState.terminated.finishedAt"); !f.empty() && f > lastRestart)
                lastRestart = f;
        }
    std::string restartsCell = std::to_string(restarts);
    if (restarts > 0 && !lastRestart.empty()) {
        auto ago = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - parseRfc3339(lastRestart));
        restartsCell += " (" + humanDuration(ago) + " ago)";
    }
    std::string gates = "<none>";
    if (const Json *rg = findPath(pod, "spec.readinessGates"); rg && rg->is_array() && !rg->empty())
        gates = "0/" + std::to_string(rg->size());
    return {stringAt(pod, "metadata.name"), std::to_string(ready) + "/" + std::to_string(total), podStatusReason(pod),
            restartsCell, ageOf(pod), orNone(stringAt(pod, "status.podIP")), orNone(stringAt(pod, "spec.nodeName")),
            orNone(stringAt(pod, "status.nominatedNodeName")), gates};
}

std::string servicePorts(const Json &svc)
{
    std::vector<std::string> parts;
    if (const Json *ports = findPath(svc, "spec.ports"); ports && ports->is_array())
        for (const auto &p : *ports) {
            std::string s = std::to_string(p.value("port", 0));
            if (p.contains("nodePort"))
                s += ":" + std::to_string(p.value("nodePort", 0));
            parts.push_back(s + "/" + p.value("protocol", "TCP"));
        }
    return parts.empty() ? "<none>" : joinStrings(parts);
}

std::string serviceExternalIp(const Json &svc)
{
    std::string type = stringAt(svc, "spec.type", "ClusterIP");
    std::vector<std::string> ips;
    if (const Json *ext = findPath(svc, "spec.externalIPs"); ext && ext->is_array())
        for (const auto &ip : *ext)
            ips.push_back(ip.get<std::string>());
    if (type == "LoadBalancer") {
        if (const Json *ing = findPath(svc, "status.loadBalancer.ingress"); ing && ing->is_array())
            for (const auto &i : *ing)
                ips.push_back(i.value("ip", i.value("hostname", "")));
        return ips.empty() ? "<pending>" : joinStrings(ips);
    }
    if (type == "ExternalName")
        return stringAt(svc, "spec.externalName");
    return ips.empty() ? "<none>" : joinStrings(ips);
}

std::string endpointsCell(const Json &ep)
{
    std::vector<std::string> list;
    size_t total = 0;
    if (const Json *subsets = findPath(ep, "subsets"); subsets && subsets->is_array())
        for (const auto &ss : *subsets) {
            const Json ports = ss.value("ports", Json::array());
            for (const auto &a : ss.value("addresses", Json::array())) {
                if (ports.empty()) {
                    ++total;
                    if (list.size() < 3)
                        list.push_back(a.value("ip", ""));
                }
                for (const auto &p : ports) {
                    ++total;
                    if (list.size() < 3)
                        list.push_back(a.value("ip", "") + ":" + std::to_string(p.value("port", 0)));
                }
            }
        }
    if (list.empty())
        return "<none>";
    std::string s = joinStrings(list);
    if (total > list.size())
        s += " + " + std::to_string(total - list.size()) + " more...";
    return s;
}

std::string hpaTargets(const Json &hpa)
{
    std::vector<std::string> parts;
    const Json *metrics = findPath(hpa, "spec.metrics");
    const Json *current = findPath(hpa, "status.currentMetrics");
    if (!metrics || !metrics->is_array() || metrics->empty())
        return "<none>";
    for (size_t i = 0; i < metrics->size(); ++i) {
        const Json &m = (*metrics)[i];
        if (m.value("type", "") != "Resource") {
            parts.push_back("<unknown>/<unknown>");
            continue;
        }
        std::string name = stringAt(m, "resource.name");
        std::string target = "<unknown>";
        if (findPath(m, "resource.target.averageUtilization"))
            target = std::to_string(intAt(m, "resource.target.averageUtilization")) + "%";
        else if (auto v = stringAt(m, "resource.target.averageValue"); !v.empty())
            target = v;
        std::string cur = "<unknown>";
        if (current && current->is_array())
            for (const auto &c : *current)
                if (stringAt(c, "resource.name") == name && findPath(c, "resource.current.averageUtilization"))
                    cur = std::to_string(intAt(c, "resource.current.averageUtilization")) + "%";
        parts.push_back(name + ": " + cur + "/" + target);
    }
    std::string s;
    for (size_t i = 0; i < parts.size() && i < 2; ++i)
        s += (i ? ", " : "") + parts[i];
    if (parts.size() > 2)
        s += " + " + std::to_string(parts.size() - 2) + " more...";
    return s;
}

std::string nodeRoles(const Json &node)
{
    std::vector<std::string> roles;
    if (const Json *labels = findPath(node, "metadata.labels"); labels && labels->is_object())
        for (const auto &[k, v] : labels->items()) {
            static const std::string prefix = "node-role.kubernetes.io/";
            if (k.rfind(prefix, 0) == 0 && k.size() > prefix.size())
                roles.push_back(k.substr(prefix.size()));
            else if (k == "kubernetes.io/role" && v.is_string())
                roles.push_back(v.get<std::string>());
        }
    return roles.empty() ? "<none>" : joinStrings(roles);
}

std::string nodeStatus(const Json &node)
{
    std::string status = "Unknown";
    if (const Json *conds = findPath(node, "status.conditions"); conds && conds->is_array())
        for (const auto &c : *conds)
            if (c.value("type", "") == "Ready")
                status = c.value("status", "") == "True" ? "Ready" : "NotReady";
    if (boolAt(node, "spec.unschedulable"))
        status += ",SchedulingDisabled";
    return status;
}

std::string nodeAddress(const Json &node, const char *type)
{
    if (const Json *addrs = findPath(node, "status.addresses"); addrs && addrs->is_array())
        for (const auto &a : *addrs)
            if (a.value("type", "") == type)
                return a.value("address", "");
    return "<none>";
}

std::string sinceTimestamp(const std::string &ts)
{
    if (ts.empty())
        return "<unknown>";
    return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - parseRfc3339(ts)));
}

Json eventCells(const Json &ev)
{
    std::string last = stringAt(ev, "lastTimestamp");
    if (last.empty())
        last = stringAt(ev, "eventTime");
    if (last.empty())
        last = stringAt(ev, "metadata.creationTimestamp");
    std::string first = stringAt(ev, "firstTimestamp", last);
    std::string kind = stringAt(ev, "involvedObject.kind");
    for (auto &c : kind)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string object = kind + "/" + stringAt(ev, "involvedObject.name");
    std::string source = stringAt(ev, "source.component", stringAt(ev, "reportingComponent"));
    if (std::string host = stringAt(ev, "source.host"); !host.empty())
        source += ", " + host;
    return {sinceTimestamp(last), stringAt(ev, "type"), stringAt(ev, "reason"), object,
            stringAt(ev, "involvedObject.fieldPath"), source, stringAt(ev, "message"), sinceTimestamp(first),
            std::to_string(intAt(ev, "count", 1)), stringAt(ev, "metadata.name")};
}

bool hasTrueCondition(const Json &obj, const char *condType)
{
    if (const Json *conds = findPath(obj, "status.conditions"); conds && conds->is_array())
        for (const auto &c : *conds)
            if (c.value("type", "") == condType && c.value("status", "") == "True")
                return true;
    return false;
}

// printJob: the status from the conditions, completions as "succeeded/wanted", and the run time.
Json jobCells(const Json &obj)
{
    std::string status = "Running";
    if (hasTrueCondition(obj, "Complete"))
        status = "Complete";
    else if (hasTrueCondition(obj, "Failed"))
        status = "Failed";
    else if (findPath(obj, "metadata.deletionTimestamp"))
        status = "Terminating";
    else if (hasTrueCondition(obj, "Suspended"))
        status = "Suspended";
    else if (hasTrueCondition(obj, "FailureTarget"))
        status = "FailureTarget";
    const long long succeeded = intAt(obj, "status.succeeded");
    const Json *completions = findPath(obj, "spec.completions");
    const Json *parallelism = findPath(obj, "spec.parallelism");
    std::string done;
    if (completions && completions->is_number_integer())
        done = std::to_string(succeeded) + "/" + std::to_string(completions->get<long long>());
    else if (parallelism && parallelism->is_number_integer() && parallelism->get<long long>() > 1)
        done = std::to_string(succeeded) + "/1 of " + std::to_string(parallelism->get<long long>());
    else
        done = std::to_string(succeeded) + "/1";
    std::string duration;
    if (std::string start = stringAt(obj, "status.startTime"); !start.empty()) {
        std::string end = stringAt(obj, "status.completionTime");
        auto until = end.empty() ? std::chrono::system_clock::now() : parseRfc3339(end);
        duration = humanDuration(std::chrono::duration_cast<std::chrono::seconds>(until - parseRfc3339(start)));
    }
    auto [cs, imgs] = containersAndImages(obj, "spec.template.spec");
    return {stringAt(obj, "metadata.name"), status, done, duration, ageOf(obj), cs, imgs, selectorString(obj)};
}

// helper.GetAccessModesAsString: the short forms, each once, in a fixed order.
std::string accessModes(const Json *modes)
{
    std::vector<std::string> out;
    auto has = [&](const char *m) {
        return modes && modes->is_array() && std::any_of(modes->begin(), modes->end(), [&](const Json &v) { return v == m; });
    };
    for (const auto &[mode, shortName] : std::vector<std::pair<const char *, const char *>>{
             {"ReadWriteOnce", "RWO"}, {"ReadOnlyMany", "ROX"}, {"ReadWriteMany", "RWX"}, {"ReadWriteOncePod", "RWOP"}})
        if (has(mode))
            out.push_back(shortName);
    return joinStrings(out);
}

std::string intOrString(const Json *v)
{
    if (!v || v->is_null())
        return "N/A";
    return v->is_string() ? v->get<std::string>() : v->dump();
}

// rbac.SubjectsStrings: users, groups and namespace/name of service accounts, each joined by ", ".
std::vector<std::string> subjectCells(const Json &binding)
{
    std::vector<std::string> users, groups, sas;
    if (const Json *subjects = findPath(binding, "subjects"); subjects && subjects->is_array())
        for (const auto &s : *subjects) {
            const std::string kind = s.value("kind", "");
            if (kind == "User")
                users.push_back(s.value("name", ""));
            else if (kind == "Group")
                groups.push_back(s.value("name", ""));
            else if (kind == "ServiceAccount")
                sas.push_back(s.value("namespace", "") + "/" + s.value("name", ""));
        }
    return {joinStrings(users, ", "), joinStrings(groups, ", "), joinStrings(sas, ", ")};
}

// printResourceQuota: "resource: used/hard" per resource of status.hard, sorted, limits.* in the
// second column.
std::pair<std::string, std::string> quotaCells(const Json &quota)
{
    std::vector<std::string> requests, limits;
    const Json *hard = findPath(quota, "status.hard");
    const Json *used = findPath(quota, "status.used");
    if (hard && hard->is_object())
        for (const auto &[resource, h] : hard->items()) {
            std::string u = "0";
            if (used && used->is_object() && used->contains(resource) && (*used)[resource].is_string())
                u = (*used)[resource].get<std::string>();
            std::string cell = resource + ": " + u + "/" + (h.is_string() ? h.get<std::string>() : h.dump());
            (resource.rfind("limits.", 0) == 0 ? limits : requests).push_back(cell);
        }
    return {joinStrings(requests, ", "), joinStrings(limits, ", ")};
}

std::string createdAt(const Json &obj) { return stringAt(obj, "metadata.creationTimestamp"); }

size_t mapSize(const Json &obj, const char *path)
{
    const Json *m = findPath(obj, path);
    return m && m->is_object() ? m->size() : 0;
}

Json cellsFor(const ResourceType &t, const Json &obj)
{
    const std::string name = stringAt(obj, "metadata.name");
    if (t.kind == "Pod")
        return podCells(obj);
    if (t.kind == "Deployment") {
        auto [cs, imgs] = containersAndImages(obj, "spec.template.spec");
        return {name, std::to_string(intAt(obj, "status.readyReplicas")) + "/" + std::to_string(intAt(obj, "spec.replicas", 1)),
                std::to_string(intAt(obj, "status.updatedReplicas")), std::to_string(intAt(obj, "status.availableReplicas")),
                ageOf(obj), cs, imgs, selectorString(obj)};
    }
    if (t.kind == "ReplicaSet") {
        auto [cs, imgs] = containersAndImages(obj, "spec.template.spec");
        return {name, intAt(obj, "spec.replicas", 1), intAt(obj, "status.replicas"), intAt(obj, "status.readyReplicas"),
                ageOf(obj), cs, imgs, selectorString(obj)};
    }
    if (t.kind == "StatefulSet") {
        auto [cs, imgs] = containersAndImages(obj, "spec.template.spec");
        return {name, std::to_string(intAt(obj, "status.readyReplicas")) + "/" + std::to_string(intAt(obj, "spec.replicas", 1)),
                ageOf(obj), cs, imgs};
    }
    if (t.kind == "DaemonSet") {
        std::string sel = labelsToSelector(findPath(obj, "spec.template.spec.nodeSelector"));
        auto [cs, imgs] = containersAndImages(obj, "spec.template.spec");
        return {name, intAt(obj, "status.desiredNumberScheduled"), intAt(obj, "status.currentNumberScheduled"),
                intAt(obj, "status.numberReady"), intAt(obj, "status.updatedNumberScheduled"),
                intAt(obj, "status.numberAvailable"), orNone(sel), ageOf(obj), cs, imgs, selectorString(obj)};
    }
    if (t.kind == "ControllerRevision") {
        std::string controller = "<none>";
        if (const Json *refs = findPath(obj, "metadata.ownerReferences"); refs && refs->is_array())
            for (const auto &r : *refs)
                if (r.value("controller", false)) {
                    std::string kind = r.value("kind", "");
                    for (auto &c : kind)
                        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    std::string apiVersion = r.value("apiVersion", "");
                    std::string group = apiVersion.find('/') == std::string::npos ? "" : apiVersion.substr(0, apiVersion.find('/'));
                    controller = kind + (group.empty() ? "" : "." + group) + "/" + r.value("name", "");
                }
        return {name, controller, intAt(obj, "revision"), ageOf(obj)};
    }
    if (t.kind == "Job")
        return jobCells(obj);
    if (t.kind == "CronJob") {
        auto [cs, imgs] = containersAndImages(obj, "spec.jobTemplate.spec.template.spec");
        const Json *suspend = findPath(obj, "spec.suspend");
        std::string last = stringAt(obj, "status.lastScheduleTime");
        const Json *active = findPath(obj, "status.active");
        const Json *jobSelector = findPath(obj, "spec.jobTemplate.spec.selector");
        return {name, stringAt(obj, "spec.schedule"), orNone(stringAt(obj, "spec.timeZone")),
                suspend && suspend->is_boolean() ? (suspend->get<bool>() ? "True" : "False") : "<unset>",
                static_cast<long long>(active && active->is_array() ? active->size() : 0), last.empty() ? "<none>" : sinceTimestamp(last),
                ageOf(obj), cs, imgs, jobSelector ? selectorString({{"spec", {{"selector", *jobSelector}}}}) : "<none>"};
    }
    if (t.kind == "Service") {
        std::string sel = labelsToSelector(findPath(obj, "spec.selector"));
        return {name, stringAt(obj, "spec.type", "ClusterIP"), orNone(stringAt(obj, "spec.clusterIP")),
                serviceExternalIp(obj), servicePorts(obj), ageOf(obj), orNone(sel)};
    }
    if (t.kind == "Endpoints")
        return {name, endpointsCell(obj), ageOf(obj)};
    if (t.kind == "HorizontalPodAutoscaler") {
        std::string ref = stringAt(obj, "spec.scaleTargetRef.kind") + "/" + stringAt(obj, "spec.scaleTargetRef.name");
        return {name, ref, hpaTargets(obj), std::to_string(intAt(obj, "spec.minReplicas", 1)),
                intAt(obj, "spec.maxReplicas"), intAt(obj, "status.currentReplicas"), ageOf(obj)};
    }
    if (t.kind == "Namespace")
        return {name, stringAt(obj, "status.phase", "Active"), ageOf(obj)};
    if (t.kind == "Node") {
        return {name, nodeStatus(obj), nodeRoles(obj), ageOf(obj), stringAt(obj, "status.nodeInfo.kubeletVersion"),
                nodeAddress(obj, "InternalIP"), nodeAddress(obj, "ExternalIP"), stringAt(obj, "status.nodeInfo.osImage"),
                stringAt(obj, "status.nodeInfo.kernelVersion"), stringAt(obj, "status.nodeInfo.containerRuntimeVersion")};
    }
    if (t.kind == "Event")
        return eventCells(obj);
    if (t.kind == "ConfigMap")
        return {name, std::to_string(mapSize(obj, "data") + mapSize(obj, "binaryData")), ageOf(obj)};
    if (t.kind == "Secret")
        return {name, stringAt(obj, "type", "Opaque"), std::to_string(mapSize(obj, "data")), ageOf(obj)};
    if (t.kind == "ServiceAccount") {
        const Json *s = findPath(obj, "secrets");
        return {name, std::to_string(s && s->is_array() ? s->size() : 0), ageOf(obj)};
    }
    if (t.kind == "Ingress") {
        std::vector<std::string> hosts;
        if (const Json *rules = findPath(obj, "spec.rules"); rules && rules->is_array())
            for (const auto &r : *rules)
                hosts.push_back(r.value("host", "*"));
        bool tls = findPath(obj, "spec.tls") != nullptr;
        return {name, orNone(stringAt(obj, "spec.ingressClassName")), hosts.empty() ? "*" : joinStrings(hosts), "",
                tls ? "80, 443" : "80", ageOf(obj)};
    }
    if (t.kind == "PersistentVolumeClaim") {
        std::string phase = stringAt(obj, "status.phase");
        if (findPath(obj, "metadata.deletionTimestamp"))
            phase = "Terminating";
        std::string capacity, modes;
        if (!stringAt(obj, "spec.volumeName").empty()) {
            capacity = stringAt(obj, "status.capacity.storage");
            modes = accessModes(findPath(obj, "status.accessModes"));
        }
        return {name, phase, stringAt(obj, "spec.volumeName"), capacity, modes, stringAt(obj, "spec.storageClassName"),
                stringAt(obj, "spec.volumeAttributesClassName", "<unset>"), ageOf(obj), stringAt(obj, "spec.volumeMode", "<unset>")};
    }
    if (t.kind == "PersistentVolume") {
        std::string claim;
        if (findPath(obj, "spec.claimRef"))
            claim = stringAt(obj, "spec.claimRef.namespace") + "/" + stringAt(obj, "spec.claimRef.name");
        std::string phase = stringAt(obj, "status.phase");
        if (findPath(obj, "metadata.deletionTimestamp"))
            phase = "Terminating";
        return {name, stringAt(obj, "spec.capacity.storage"), accessModes(findPath(obj, "spec.accessModes")),
                stringAt(obj, "spec.persistentVolumeReclaimPolicy"), phase, claim, stringAt(obj, "spec.storageClassName"),
                stringAt(obj, "spec.volumeAttributesClassName", "<unset>"), stringAt(obj, "status.reason"), ageOf(obj),
                stringAt(obj, "spec.volumeMode", "<unset>")};
    }
    if (t.kind == "StorageClass") {
        std::string shown = name;
        if (const Json *ann = findPath(obj, "metadata.annotations"); ann && ann->is_object())
            for (const char *key : {"storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"})
                if (ann->value(key, "") == "true") {
                    shown += " (default)";
                    break;
                }
        const Json *expansion = findPath(obj, "allowVolumeExpansion");
        return {shown, stringAt(obj, "provisioner"), stringAt(obj, "reclaimPolicy", "Delete"), stringAt(obj, "volumeBindingMode", "Immediate"),
                expansion && expansion->is_boolean() && expansion->get<bool>(), ageOf(obj)};
    }
    if (t.kind == "ResourceQuota") {
        auto [requests, limits] = quotaCells(obj);
        return {name, ageOf(obj), requests, limits};
    }
    if (t.kind == "NetworkPolicy") {
        const Json *sel = findPath(obj, "spec.podSelector");
        std::string s = sel ? LabelSelector::fromObject(*sel).toString() : std::string();
        return {name, s.empty() ? "<none>" : s, ageOf(obj)};
    }
    if (t.kind == "PodDisruptionBudget")
        return {name, intOrString(findPath(obj, "spec.minAvailable")), intOrString(findPath(obj, "spec.maxUnavailable")),
                intAt(obj, "status.disruptionsAllowed"), ageOf(obj)};
    if (t.kind == "RoleBinding" || t.kind == "ClusterRoleBinding") {
        auto subjects = subjectCells(obj);
        return {name, stringAt(obj, "roleRef.kind") + "/" + stringAt(obj, "roleRef.name"), ageOf(obj), subjects[0], subjects[1], subjects[2]};
    }
    if (t.kind == "Role" || t.kind == "ClusterRole" || t.kind == "LimitRange")
        return {name, createdAt(obj)};
    if (t.kind == "AnalysisRun")
        return {name, stringAt(obj, "status.phase"), ageOf(obj)};
    if (t.kind == "AnalysisTemplate")
        return {name, ageOf(obj)};
    if (t.kind == "Rollout")
        return {name, intAt(obj, "spec.replicas", 1), intAt(obj, "status.replicas"), intAt(obj, "status.updatedReplicas"),
                intAt(obj, "status.availableReplicas"), ageOf(obj)};
    if (t.kind == "Application")
        return {name, stringAt(obj, "status.sync.status"), stringAt(obj, "status.health.status"),
                stringAt(obj, "status.sync.revision"), stringAt(obj, "spec.project")};
    return {name, ageOf(obj)};
}

}  // namespace

IncludeObject includeObjectFromQuery(const std::string &value)
{
    if (value == "None")
        return IncludeObject::None;
    if (value == "Object")
        return IncludeObject::Object;
    return IncludeObject::Metadata;
}

Json tableCells(const ResourceType &t, const Json &obj) { return cellsFor(t, obj); }

Json tableColumns(const ResourceType &t)
{
    const auto &all = columnsByKind();
    auto it = all.find(t.kind);
    const auto &cols = it == all.end() ? kDefaultColumns : it->second;
    Json out = Json::array();
    for (const auto &c : cols)
        out.push_back({{"name", c.name}, {"type", c.type}, {"format", c.format}, {"description", ""}, {"priority", c.priority}});
    return out;
}

Json tableRow(const ResourceType &t, const Json &obj, IncludeObject include)
{
    Json row = {{"cells", cellsFor(t, obj)}};
    if (include == IncludeObject::Object)
        row["object"] = obj;
    else if (include == IncludeObject::Metadata)
        row["object"] = {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", obj["metadata"]}};
    return row;
}

void appendTableRow(std::string &out, const ResourceType &t, const StoredObject &o, IncludeObject include)
{
    out += R"({"cells":)";
    out += cellsFor(t, o.obj).dump();
    if (include == IncludeObject::Object) {
        out += R"(,"object":)";
        out += o.json;
    } else if (include == IncludeObject::Metadata) {
        out += R"(,"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":)";
        out += o.metadataJson();
        out += "}";
    }
    out += "}";
}

}  // namespace pilothouse::sim
