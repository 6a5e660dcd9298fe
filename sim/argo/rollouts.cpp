// The Argo Rollouts controller: each pass recomputes a Rollout's ReplicaSets, Services, pause
// conditions and status from what is stored, in the order and with the reasons, messages and
// annotations of argo-rollouts' rollout/{bluegreen,canary,sync,pause,replicaset,service}.go, so
// that the console and `kubectl argo rollouts` read the simulator as they read a real cluster.
#include "argo/rollouts.h"

#include "kube/objectutil.h"
#include "telemetry/loadmodel.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>

namespace pilothouse::sim {

namespace {

using SysClock = std::chrono::system_clock;

long long revisionOf(const Json &o)
{
    const std::string r = annotationOf(o, kRolloutRevisionAnnotation);
    char *end = nullptr;
    long long n = std::strtoll(r.c_str(), &end, 10);
    return r.empty() || !end || *end ? 0 : n;
}

std::string hashOf(const ObjPtr &rs) { return rs ? labelOf(rs->obj, kRolloutHashLabel) : std::string(); }
long long specReplicas(const ObjPtr &rs) { return rs ? intAt(rs->obj, "spec.replicas", 1) : 0; }
long long availableOf(const ObjPtr &rs) { return rs ? intAt(rs->obj, "status.availableReplicas", 0) : 0; }
long long readyOf(const ObjPtr &rs) { return rs ? intAt(rs->obj, "status.readyReplicas", 0) : 0; }
long long actualOf(const ObjPtr &rs) { return rs ? intAt(rs->obj, "status.replicas", 0) : 0; }

// A Rollout duration: an integer is seconds; a string is a Go duration ("20s", "1m30s", "500ms").
std::optional<double> durationSeconds(const Json *v)
{
    if (!v || v->is_null())
        return std::nullopt;
    if (v->is_number())
        return v->get<double>();
    if (!v->is_string())
        return std::nullopt;
    const std::string s = v->get<std::string>();
    if (s.empty())
        return std::nullopt;
    double total = 0;
    size_t i = 0;
    bool any = false;
    while (i < s.size()) {
        char *end = nullptr;
        const double n = std::strtod(s.c_str() + i, &end);
        if (end == s.c_str() + i)
            return std::nullopt;
        i = static_cast<size_t>(end - s.c_str());
        std::string unit;
        while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])))
            unit.push_back(s[i++]);
        if (unit.empty() && i == s.size() && !any)
            return n;  // a bare number of seconds
        if (unit == "ms") total += n / 1000.0;
        else if (unit == "s") total += n;
        else if (unit == "m") total += n * 60;
        else if (unit == "h") total += n * 3600;
        else return std::nullopt;
        any = true;
    }
    return total;
}

double secondsSince(const std::string &rfc, SysClock::time_point now)
{
    const auto t = parseRfc3339(rfc);
    return std::chrono::duration<double>(now - t).count();
}

// metav1.FormatLabelSelector for matchLabels: requirements sorted by key.
std::string formatSelector(const Json *selector)
{
    std::string out;
    if (const Json *ml = selector ? findPath(*selector, "matchLabels") : nullptr; ml && ml->is_object())
        for (const auto &[k, v] : ml->items())  // nlohmann keeps object keys sorted
            out += (out.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    return out;
}

const Json *getCondition(const Json &status, const std::string &condType)
{
    if (const Json *conds = findPath(status, "conditions"); conds && conds->is_array())
        for (const auto &c : *conds)
            if (c.value("type", "") == condType)
                return &c;
    return nullptr;
}

void removeCondition(Json &status, const std::string &condType)
{
    if (!status.contains("conditions") || !status["conditions"].is_array())
        return;
    Json kept = Json::array();
    for (const auto &c : status["conditions"])
        if (c.value("type", "") != condType)
            kept.push_back(c);
    status["conditions"] = kept;
}

Json newCondition(const std::string &condType, const std::string &value, const std::string &reason, const std::string &message)
{
    const std::string now = rfc3339Now();
    return {{"type", condType}, {"status", value}, {"lastUpdateTime", now}, {"lastTransitionTime", now},
            {"reason", reason}, {"message", message}};
}

// SetRolloutCondition: unchanged status and reason leave the condition alone (message too); the
// transition time survives a change that keeps the status. True when something changed.
bool setCondition(Json &status, Json cond)
{
    const Json *current = getCondition(status, cond["type"]);
    if (current && current->value("status", "") == cond["status"] && current->value("reason", "") == cond["reason"])
        return false;
    if (current && current->value("status", "") == cond["status"])
        cond["lastTransitionTime"] = (*current)["lastTransitionTime"];
    removeCondition(status, cond["type"]);
    if (!status["conditions"].is_array())
        status["conditions"] = Json::array();
    status["conditions"].push_back(std::move(cond));
    return true;
}

// Drops the fields Go's omitempty would leave out of a RolloutStatus.
void pruneEmpty(Json &obj, const std::set<std::string> &keep)
{
    for (auto it = obj.begin(); it != obj.end();) {
        const Json &v = it.value();
        const bool empty = v.is_null() || (v.is_boolean() && !v.get<bool>()) || (v.is_number_integer() && v.get<long long>() == 0) ||
                           (v.is_string() && v.get<std::string>().empty()) || (v.is_array() && v.empty());
        if (empty && !keep.count(it.key()))
            it = obj.erase(it);
        else
            ++it;
    }
}

// The pause bookkeeping of one reconciliation (rollout/pause.go's pauseContext).
struct PauseContext {
    explicit PauseContext(const Json &previous) : prev(previous) {}
    const Json &prev;  // the status read at the start of the pass
    std::vector<std::string> add, remove;
    bool clear = false, addAbort = false, removeAbort = false;
    std::string abortMessage;

    bool isAborted() const { return !removeAbort && (addAbort || boolAt(prev, "abort")); }
    void abort(const std::string &message)
    {
        addAbort = true;
        abortMessage = message;
    }
    const Json *condition(const std::string &reason) const
    {
        if (const Json *pcs = findPath(prev, "pauseConditions"); pcs && pcs->is_array())
            for (const auto &c : *pcs)
                if (c.value("reason", "") == reason)
                    return &c;
        return nullptr;
    }
    void apply(Json &status) const
    {
        const std::string now = rfc3339Now();
        const std::string abortedAt = stringAt(prev, "abortedAt", now);
        status.erase("pauseConditions");
        status.erase("controllerPause");
        if (addAbort || (!removeAbort && boolAt(prev, "abort"))) {
            status["abort"] = true;
            status["abortedAt"] = abortedAt;
            return;
        }
        status.erase("abort");
        status.erase("abortedAt");
        if (clear)
            return;
        bool controllerPause = boolAt(prev, "controllerPause");
        Json conditions = Json::array();
        std::set<std::string> present;
        if (const Json *pcs = findPath(prev, "pauseConditions"); pcs && pcs->is_array())
            for (const auto &c : *pcs) {
                const std::string reason = c.value("reason", "");
                present.insert(reason);
                if (std::find(remove.begin(), remove.end(), reason) == remove.end())
                    conditions.push_back(c);
            }
        for (const auto &reason : add)
            if (!present.count(reason)) {
                conditions.push_back({{"reason", reason}, {"startTime", now}});
                controllerPause = true;
            }
        if (conditions.empty())
            return;
        status["pauseConditions"] = conditions;
        status["controllerPause"] = controllerPause;
    }
};

// CalculateRolloutPhase (utils/rollout/rolloututil.go).
std::pair<std::string, std::string> rolloutPhase(const Json &spec, const Json &status)
{
    if (const Json *conds = findPath(status, "conditions"); conds && conds->is_array())
        for (const auto &c : *conds) {
            if (c.value("type", "") == "InvalidSpec")
                return {"Degraded", "InvalidSpec: " + c.value("message", "")};
            const std::string reason = c.value("reason", "");
            if (reason == "RolloutAborted" || reason == "ProgressDeadlineExceeded")
                return {"Degraded", reason + ": " + c.value("message", "")};
        }
    if (boolAt(spec, "paused"))
        return {"Paused", "manually paused"};
    if (const Json *pcs = findPath(status, "pauseConditions"); pcs && pcs->is_array() && !pcs->empty())
        return {"Paused", (*pcs)[0].value("reason", "")};
    const std::string restartAt = stringAt(spec, "restartAt");
    if (!restartAt.empty() && restartAt != stringAt(status, "restartedAt"))
        return {"Progressing", "rollout is restarting"};
    const long long replicas = intAt(spec, "replicas", 1);
    if (intAt(status, "updatedReplicas") < replicas)
        return {"Progressing", "more replicas need to be updated"};
    if (intAt(status, "availableReplicas") < intAt(status, "updatedReplicas"))
        return {"Progressing", "updated replicas are still becoming available"};
    const std::string stable = stringAt(status, "stableRS"), current = stringAt(status, "currentPodHash");
    if (findPath(spec, "strategy.blueGreen")) {
        const std::string active = stringAt(status, "blueGreen.activeSelector");
        if (active.empty() || active != current)
            return {"Progressing", "active service cutover pending"};
        if (stable.empty() || stable != current) {
            if (findPath(spec, "strategy.blueGreen.postPromotionAnalysis"))
                return {"Progressing", "waiting for analysis to complete"};
            return {"Progressing", "waiting for post-promotion verification to complete"};
        }
    } else if (findPath(spec, "strategy.canary")) {
        if (!findPath(spec, "strategy.canary.trafficRouting") && intAt(status, "replicas") > intAt(status, "updatedReplicas"))
            return {"Progressing", "old replicas are pending termination"};
        if (stable.empty() || stable != current)
            return {"Progressing", "waiting for all steps to complete"};
    }
    return {"Healthy", ""};
}

std::string stepString(const Json &step)
{
    if (step.contains("setWeight"))
        return "setWeight: " + step["setWeight"].dump();
    if (step.contains("pause")) {
        const Json *d = findPath(step, "pause.duration");
        if (!d)
            return "pause";
        auto s = durationSeconds(d);
        return "pause: " + (s ? std::to_string(static_cast<long long>(*s)) + "s" : d->dump());
    }
    if (step.contains("analysis"))
        return "analysis";
    if (step.contains("experiment"))
        return "experiment";
    return "invalid";
}

// ComputeStepHash: a hash of the canary steps, safe-encoded like the pod template hash.
std::string stepsHash(const Json &spec)
{
    const Json *steps = findPath(spec, "strategy.canary.steps");
    Json tmpl = {{"steps", steps ? *steps : Json::array()}};
    return podTemplateHash(tmpl);
}

}  // namespace

bool evaluateAnalysisCondition(const std::string &condition, double value, std::string &error)
{
    // Tokens: result[0] / result / asNumber(result[0]) / numbers, comparisons, && || and/or.
    std::vector<std::string> tokens;
    size_t i = 0;
    const std::string &s = condition;
    while (i < s.size()) {
        if (std::isspace(static_cast<unsigned char>(s[i]))) {
            ++i;
            continue;
        }
        if (s.compare(i, 2, "&&") == 0 || s.compare(i, 2, "||") == 0 || s.compare(i, 2, ">=") == 0 || s.compare(i, 2, "<=") == 0 ||
            s.compare(i, 2, "==") == 0 || s.compare(i, 2, "!=") == 0) {
            tokens.push_back(s.substr(i, 2));
            i += 2;
        } else if (s[i] == '<' || s[i] == '>') {
            tokens.push_back(std::string(1, s[i++]));
        } else {
            size_t j = i;
            while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && std::string("<>=!&|").find(s[j]) == std::string::npos)
                ++j;
            tokens.push_back(s.substr(i, j - i));
            i = j;
        }
    }
    auto operand = [&](const std::string &t, double &out) {
        if (t == "result" || t == "result[0]" || t == "asNumber(result)" || t == "asNumber(result[0])" || t == "float(result[0])") {
            out = value;
            return true;
        }
        char *end = nullptr;
        out = std::strtod(t.c_str(), &end);
        return end && *end == '\0' && !t.empty();
    };
    bool result = false;
    std::string joiner;
    size_t k = 0;
    if (tokens.empty()) {
        error = "empty condition";
        return false;
    }
    while (k < tokens.size()) {
        if (k + 2 >= tokens.size()) {
            error = "unsupported condition \"" + condition + "\"";
            return false;
        }
        double a = 0, b = 0;
        if (!operand(tokens[k], a) || !operand(tokens[k + 2], b)) {
            error = "unsupported condition \"" + condition + "\"";
            return false;
        }
        const std::string &op = tokens[k + 1];
        bool r = false;
        if (op == ">=") r = a >= b;
        else if (op == "<=") r = a <= b;
        else if (op == ">") r = a > b;
        else if (op == "<") r = a < b;
        else if (op == "==") r = a == b;
        else if (op == "!=") r = a != b;
        else {
            error = "unsupported operator \"" + op + "\" in \"" + condition + "\"";
            return false;
        }
        result = joiner.empty() ? r : joiner == "&&" ? (result && r) : (result || r);
        k += 3;
        if (k < tokens.size()) {
            joiner = tokens[k] == "and" ? "&&" : tokens[k] == "or" ? "||" : tokens[k];
            if (joiner != "&&" && joiner != "||") {
                error = "unsupported condition \"" + condition + "\"";
                return false;
            }
            ++k;
        }
    }
    error.clear();
    return result;
}

namespace {

// One reconciliation of one Rollout.
class RolloutSync {
public:
    RolloutSync(Cluster &cluster, ObjPtr ro)
        : m_cluster(cluster), m_ro(std::move(ro)), m_spec(objectAt(m_ro->obj, "spec")), m_prev(objectAt(m_ro->obj, "status")), m_pause(m_prev)
    {
        m_replicas = std::max(0LL, intAt(m_spec, "replicas", 1));
    }
    static Json objectAt(const Json &o, const char *key)
    {
        const Json *v = findPath(o, key);
        return v && v->is_object() ? *v : Json::object();
    }

    void run();

private:
    const ResourceType &rsType() const { return rtype("apps", "replicasets"); }
    Json involved() const
    {
        Json o = m_ro->obj;
        o["kind"] = "Rollout";
        o["apiVersion"] = "argoproj.io/v1alpha1";
        return o;
    }
    void event(const std::string &type, const std::string &reason, const std::string &message)
    {
        m_cluster.recordEvent(involved(), type, reason, message, "rollouts-controller");
    }

    bool blueGreen() const { return findPath(m_spec, "strategy.blueGreen") != nullptr; }
    bool canary() const { return findPath(m_spec, "strategy.canary") != nullptr; }
    bool halted() const { return boolAt(m_spec, "paused"); }

    void loadReplicaSets();
    ObjPtr findNewReplicaSet() const;
    ObjPtr byHash(const std::string &hash) const;
    ObjPtr createReplicaSet();
    void syncRevision();
    void replace(const ObjPtr &rs);
    ObjPtr scale(ObjPtr rs, long long to);
    ObjPtr setDeadline(ObjPtr rs, std::optional<double> delaySeconds);
    bool hasDeadline(const ObjPtr &rs) const { return rs && !annotationOf(rs->obj, kScaleDownDeadlineAnnotation).empty(); }
    bool referenced(const ObjPtr &rs) const;
    ObjPtr getService(const std::string &svcName) const;
    void switchSelector(const ObjPtr &svc, const std::string &hash);
    void reconcileRevisionHistory();
    void restartPods();
    bool shouldDelayScaleDownOnAbort() const;
    void removeScaleDownDeadlines();
    long long newReplicaCount() const;
    void reconcileNewReplicaSet();
    Json baseStatus();
    void finish(Json status);
    void conditionsFor(Json &status);

    // blue-green
    void runBlueGreen();
    bool fastTracked(const ObjPtr &active) const;
    bool needsControllerPause() const;
    bool completedBlueGreenPause() const;
    bool readyForPause() const;
    bool saturated(const ObjPtr &rs) const;
    bool completedPrePromotionAnalysis() const;

    // canary
    void runCanary();
    long long currentStepIndex() const;
    long long setWeight() const;
    std::pair<long long, long long> canaryTargets() const;
    void reconcileCanaryReplicaSets();
    bool atDesiredCanaryCounts() const;

    // analysis
    std::string runNameFor(const std::string &suffix) const;
    ObjPtr existingRun(const std::string &suffix) const;
    ObjPtr ensureAnalysisRun(const Json &analysis, const std::string &suffix, const std::string &runType, long long stepIndex);
    void terminateRun(const ObjPtr &run);
    Json runStatusOf(const ObjPtr &run) const;
    std::optional<std::string> failedRun(const ObjPtr &run) const;

    Cluster &m_cluster;
    ObjPtr m_ro;
    Json m_spec, m_prev;
    PauseContext m_pause;
    long long m_replicas = 1;
    std::vector<ObjPtr> m_all;
    ObjPtr m_new, m_stable;
    std::vector<ObjPtr> m_others;
    std::string m_restartedAt;
    bool m_rolloutGone = false;
    bool m_newHadDeadline = false;  // a rollback to a revision still inside its scale-down delay
    ObjPtr m_prePromotionRun, m_backgroundRun, m_stepRun;
    ObjPtr m_observedStepRun;  // the step's run as seen, even when its step completed in this pass
};

void RolloutSync::loadReplicaSets()
{
    m_all.clear();
    for (const auto &o : m_cluster.store().dependentsOf(m_ro->uid))
        if (o->type == rsType().index && !isTerminating(o->obj))
            if (const Json *ref = controllerRef(o->obj); ref && ref->value("uid", "") == m_ro->uid)
                m_all.push_back(o);
    std::sort(m_all.begin(), m_all.end(), [](const ObjPtr &a, const ObjPtr &b) { return revisionOf(a->obj) < revisionOf(b->obj); });
}

ObjPtr RolloutSync::byHash(const std::string &hash) const
{
    if (hash.empty())
        return nullptr;
    for (const auto &rs : m_all)
        if (hashOf(rs) == hash)
            return rs;
    return nullptr;
}

// FindNewReplicaSet: by the template's hash, else the ReplicaSet whose template equals the
// Rollout's once defaulted and without the hash label (what `undo` leaves in the Rollout).
ObjPtr RolloutSync::findNewReplicaSet() const
{
    const Json tmpl = m_spec.value("template", Json::object());
    if (ObjPtr rs = byHash(podTemplateHash(tmpl, intAt(m_prev, "collisionCount", 0))))
        return rs;
    Json wanted = tmpl;
    defaultPodTemplate(wanted);
    if (wanted.contains("metadata") && wanted["metadata"].contains("labels"))
        wanted["metadata"]["labels"].erase(kRolloutHashLabel);
    for (const auto &rs : m_all) {
        Json have = rs->obj["spec"].value("template", Json::object());
        if (have.contains("metadata") && have["metadata"].contains("labels"))
            have["metadata"]["labels"].erase(kRolloutHashLabel);
        if (have.contains("metadata") && have["metadata"].contains("labels") && have["metadata"]["labels"].empty())
            have["metadata"].erase("labels");
        if (wanted.contains("metadata") && wanted["metadata"].contains("labels") && wanted["metadata"]["labels"].empty())
            wanted["metadata"].erase("labels");
        if (have == wanted)
            return rs;
    }
    return nullptr;
}

void RolloutSync::replace(const ObjPtr &rs)
{
    for (auto *slot : {&m_new, &m_stable})
        if (*slot && (*slot)->name == rs->name)
            *slot = rs;
    for (auto &o : m_all)
        if (o->name == rs->name)
            o = rs;
    for (auto &o : m_others)
        if (o->name == rs->name)
            o = rs;
}

// Copies the Rollout's annotations onto its new ReplicaSet (SetNewReplicaSetAnnotations).
Json copiedAnnotations(const Json &ro)
{
    Json out = Json::object();
    if (const Json *ann = findPath(ro, "metadata.annotations"); ann && ann->is_object())
        for (const auto &[k, v] : ann->items())
            if (k != "kubectl.kubernetes.io/last-applied-configuration" && k.rfind("rollout.argoproj.io/", 0) != 0)
                out[k] = v;
    return out;
}

ObjPtr RolloutSync::createReplicaSet()
{
    const Json tmpl = m_spec.value("template", Json::object());
    const long long collision = intAt(m_prev, "collisionCount", 0);
    const std::string hash = podTemplateHash(tmpl, collision);
    long long maxRevision = 0;
    for (const auto &rs : m_all)
        maxRevision = std::max(maxRevision, revisionOf(rs->obj));
    const std::string revision = std::to_string(maxRevision + 1);
    Json rsTmpl = tmpl;
    rsTmpl["metadata"]["labels"][kRolloutHashLabel] = hash;
    Json selector = m_spec.value("selector", Json::object());
    selector["matchLabels"][kRolloutHashLabel] = hash;
    Json annotations = copiedAnnotations(m_ro->obj);
    annotations[kRolloutRevisionAnnotation] = revision;
    annotations[kRolloutDesiredReplicasAnnotation] = std::to_string(m_replicas);
    Json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata", {{"name", m_ro->name + "-" + hash}, {"namespace", m_ro->ns}, {"labels", rsTmpl["metadata"]["labels"]},
                             {"annotations", annotations},
                             {"ownerReferences", Json::array({{{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Rollout"}, {"name", m_ro->name},
                                                               {"uid", m_ro->uid}, {"controller", true}, {"blockOwnerDeletion", true}}})}}},
               {"spec", {{"replicas", 0}, {"minReadySeconds", intAt(m_spec, "minReadySeconds", 0)}, {"selector", selector}, {"template", rsTmpl}}}};
    ObjPtr created;
    try {
        created = m_cluster.create(rsType(), m_ro->ns, rs, {"", "rollouts-controller", false});
    } catch (const ApiException &e) {
        if (e.reason() != "AlreadyExists") {
            // An invalid template: said on the Rollout, as the real controller does.
            const std::string message = "Failed to create new replica set \"" + stringAt(rs, "metadata.name") + "\": " + e.what();
            const std::string rv = stringAt(m_ro->obj, "metadata.resourceVersion");
            bool changed = false;
            m_cluster.store().modify(rtype("argoproj.io", "rollouts"), m_ro->ns, m_ro->name, [&](Json &o) {
                if (stringAt(o, "metadata.resourceVersion") != rv || (!o["status"].is_object() && !o["status"].is_null()))
                    return false;
                const Json *cur = getCondition(o["status"], "Progressing");
                if (cur && cur->value("reason", "") == "ReplicaSetCreateError" && cur->value("message", "") == message)
                    return false;
                removeCondition(o["status"], "Progressing");
                setCondition(o["status"], newCondition("Progressing", "False", "ReplicaSetCreateError", message));
                o["status"]["observedGeneration"] = std::to_string(intAt(o, "metadata.generation", 1));
                changed = true;
                return true;
            });
            if (changed)
                event("Warning", "ReplicaSetCreateError", message);
            m_rolloutGone = true;
            return nullptr;
        }
        // A ReplicaSet of that name with another template: bump collisionCount and try next pass.
        m_cluster.store().modify(rtype("argoproj.io", "rollouts"), m_ro->ns, m_ro->name, [&](Json &o) {
            o["status"]["collisionCount"] = collision + 1;
            return true;
        });
        m_rolloutGone = true;
        return nullptr;
    }
    m_all.push_back(created);
    event("Normal", "NewReplicaSetCreated", "Created ReplicaSet " + created->name + " (revision " + revision + ")");
    // setRolloutRevision: the Rollout carries its newest revision too.
    m_ro = m_cluster.store().modify(rtype("argoproj.io", "rollouts"), m_ro->ns, m_ro->name, [&](Json &o) {
        o["metadata"]["annotations"][kRolloutRevisionAnnotation] = revision;
        setCondition(o["status"], newCondition("Progressing", "True", "NewReplicaSetCreated", "Created new replica set \"" + created->name + "\""));
        return true;
    });
    event("Normal", "RolloutUpdated", "Rollout updated to revision " + revision);
    m_prev = m_ro->obj.value("status", Json::object());
    return created;
}

// syncReplicaSetRevision: a ReplicaSet that becomes new again (undo) takes the next revision and
// remembers its old one, and the Rollout's revision annotation follows the new ReplicaSet.
void RolloutSync::syncRevision()
{
    long long maxOld = 0;
    for (const auto &rs : m_all)
        if (rs->name != m_new->name)
            maxOld = std::max(maxOld, revisionOf(rs->obj));
    const long long have = revisionOf(m_new->obj);
    Json wanted = copiedAnnotations(m_ro->obj);
    bool differs = have < maxOld + 1;
    for (const auto &[k, v] : wanted.items())
        if (annotationOf(m_new->obj, k.c_str()) != (v.is_string() ? v.get<std::string>() : v.dump()))
            differs = true;
    if (differs) {
        ObjPtr updated = m_cluster.store().modify(rsType(), m_ro->ns, m_new->name, [&](Json &o) {
            Json &ann = o["metadata"]["annotations"];
            for (const auto &[k, v] : wanted.items())
                ann[k] = v;
            if (have < maxOld + 1) {
                if (have > 0) {
                    const std::string history = ann.value(kRolloutRevisionHistoryAnnotation, "");
                    ann[kRolloutRevisionHistoryAnnotation] = history.empty() ? std::to_string(have) : history + "," + std::to_string(have);
                }
                ann[kRolloutRevisionAnnotation] = std::to_string(maxOld + 1);
            }
            return true;
        });
        replace(updated);
    }
    const std::string revision = annotationOf(m_new->obj, kRolloutRevisionAnnotation);
    if (!revision.empty() && annotationOf(m_ro->obj, kRolloutRevisionAnnotation) != revision) {
        const std::string rv = stringAt(m_ro->obj, "metadata.resourceVersion");
        bool written = false;
        ObjPtr updated = m_cluster.store().modify(rtype("argoproj.io", "rollouts"), m_ro->ns, m_ro->name, [&](Json &o) {
            if (stringAt(o, "metadata.resourceVersion") != rv)
                return false;
            o["metadata"]["annotations"][kRolloutRevisionAnnotation] = revision;
            written = true;
            return true;
        });
        if (!written) {
            m_rolloutGone = true;  // someone else wrote first; the next pass reads again
            return;
        }
        m_ro = updated;
        event("Normal", "RolloutUpdated", "Rollout updated to revision " + revision);
    }
}

ObjPtr RolloutSync::scale(ObjPtr rs, long long to)
{
    if (!rs)
        return rs;
    const long long from = specReplicas(rs);
    const bool annotationStale = annotationOf(rs->obj, kRolloutDesiredReplicasAnnotation) != std::to_string(m_replicas);
    if (from == to && !annotationStale)
        return rs;
    const bool dropDeadline = to == 0 && !shouldDelayScaleDownOnAbort();
    ObjPtr scaled = m_cluster.store().modify(rsType(), m_ro->ns, rs->name, [&](Json &o) {
        if (intAt(o, "spec.replicas", 1) != to) {
            o["spec"]["replicas"] = to;
            o["metadata"]["generation"] = intAt(o, "metadata.generation", 1) + 1;
        }
        o["metadata"]["annotations"][kRolloutDesiredReplicasAnnotation] = std::to_string(m_replicas);
        if (dropDeadline)
            o["metadata"]["annotations"].erase(kScaleDownDeadlineAnnotation);
        return true;
    });
    if (from != to)
        event("Normal", "ScalingReplicaSet",
              std::string("Scaled ") + (to > from ? "up" : "down") + " ReplicaSet " + rs->name + " (revision " +
                  std::to_string(revisionOf(scaled->obj)) + ") from " + std::to_string(from) + " to " + std::to_string(to));
    replace(scaled);
    return scaled;
}

// addScaleDownDelay / removeScaleDownDelay: the scale-down-deadline annotation (RFC 3339).
ObjPtr RolloutSync::setDeadline(ObjPtr rs, std::optional<double> delaySeconds)
{
    if (!rs)
        return rs;
    if (!delaySeconds && !hasDeadline(rs))
        return rs;
    ObjPtr updated = m_cluster.store().modify(rsType(), m_ro->ns, rs->name, [&](Json &o) {
        if (delaySeconds)
            o["metadata"]["annotations"][kScaleDownDeadlineAnnotation] =
                rfc3339(SysClock::now() + std::chrono::milliseconds(static_cast<long long>(*delaySeconds * 1000)));
        else
            o["metadata"]["annotations"].erase(kScaleDownDeadlineAnnotation);
        return true;
    });
    replace(updated);
    return updated;
}

ObjPtr RolloutSync::getService(const std::string &svcName) const
{
    return svcName.empty() ? nullptr : m_cluster.store().get(rtype("", "services"), m_ro->ns, svcName);
}

void RolloutSync::switchSelector(const ObjPtr &svc, const std::string &hash)
{
    if (!svc || hash.empty())
        return;
    const std::string old = stringAt(svc->obj, std::string("spec.selector.") + kRolloutHashLabel);
    const bool managed = !annotationOf(svc->obj, kManagedByRolloutsAnnotation).empty();
    if (old == hash && managed)
        return;
    Json patch = {{"spec", {{"selector", {{kRolloutHashLabel, hash}}}}}};
    if (!managed)
        patch["metadata"]["annotations"][kManagedByRolloutsAnnotation] = m_ro->name;
    m_cluster.patch(rtype("", "services"), m_ro->ns, svc->name, PatchType::Merge, patch.dump(), {"", "rollouts-controller", false});
    event("Normal", "SwitchService", "Switched selector for service '" + svc->name + "' from '" + old + "' to '" + hash + "'");
}

// isReplicaSetReferenced: what the status or a Service still points at is not scaled down.
bool RolloutSync::referenced(const ObjPtr &rs) const
{
    const std::string h = hashOf(rs);
    if (h.empty())
        return false;
    for (const char *path : {"stableRS", "currentPodHash", "blueGreen.activeSelector", "blueGreen.previewSelector",
                             "canary.weights.canary.podTemplateHash", "canary.weights.stable.podTemplateHash"})
        if (stringAt(m_prev, path) == h)
            return true;
    std::vector<std::string> services;
    if (blueGreen())
        services = {stringAt(m_spec, "strategy.blueGreen.activeService"), stringAt(m_spec, "strategy.blueGreen.previewService")};
    else
        services = {stringAt(m_spec, "strategy.canary.canaryService"), stringAt(m_spec, "strategy.canary.stableService")};
    for (const auto &s : services)
        if (ObjPtr svc = getService(s); svc && stringAt(svc->obj, std::string("spec.selector.") + kRolloutHashLabel) == h)
            return true;
    return false;
}

bool RolloutSync::shouldDelayScaleDownOnAbort() const
{
    if (!m_pause.isAborted() || !m_stable)
        return false;
    if (canary() && !findPath(m_spec, "strategy.canary.trafficRouting"))
        return false;
    const char *path = blueGreen() ? "strategy.blueGreen.abortScaleDownDelaySeconds" : "strategy.canary.abortScaleDownDelaySeconds";
    const Json *v = findPath(m_spec, path);
    return !(v && v->is_number() && v->get<double>() == 0);  // 0: leave the preview up
}

void RolloutSync::removeScaleDownDeadlines()
{
    if (m_new && !shouldDelayScaleDownOnAbort())
        setDeadline(m_new, std::nullopt);
    if (m_stable && (!m_new || m_stable->name != m_new->name || shouldDelayScaleDownOnAbort()))
        setDeadline(m_stable, std::nullopt);
}

// Revision history: old, empty ReplicaSets beyond revisionHistoryLimit (default 10) go.
void RolloutSync::reconcileRevisionHistory()
{
    const long long limit = intAt(m_spec, "revisionHistoryLimit", 10);
    std::vector<ObjPtr> olds = m_others;
    if (static_cast<long long>(olds.size()) <= limit)
        return;
    std::sort(olds.begin(), olds.end(), [](const ObjPtr &a, const ObjPtr &b) {
        return stringAt(a->obj, "metadata.creationTimestamp") < stringAt(b->obj, "metadata.creationTimestamp");
    });
    long long excess = static_cast<long long>(olds.size()) - limit;
    for (const auto &rs : olds) {
        if (excess <= 0)
            break;
        if (specReplicas(rs) != 0 || actualOf(rs) != 0)
            continue;
        m_cluster.remove(rsType(), m_ro->ns, rs->name, {{"propagationPolicy", "Background"}});
        --excess;
    }
}

// spec.restartAt: pods older than it are deleted one at a time, each once every ReplicaSet is
// fully available again; then status.restartedAt records it (rollout/restart.go).
void RolloutSync::restartPods()
{
    const std::string restartAt = stringAt(m_spec, "restartAt");
    m_restartedAt = stringAt(m_prev, "restartedAt");
    if (restartAt.empty() || restartAt == m_restartedAt)
        return;
    const auto at = parseRfc3339(restartAt);
    if (at > SysClock::now())
        return;
    const auto &podType = rtype("", "pods");
    ObjPtr oldest;
    for (const auto &rs : m_all) {
        if (specReplicas(rs) == 0)
            continue;
        for (const auto &p : m_cluster.store().dependentsOf(rs->uid)) {
            if (p->type != podType.index)
                continue;
            if (isTerminating(p->obj))
                return;  // one at a time
            if (parseRfc3339(stringAt(p->obj, "metadata.creationTimestamp")) < at &&
                (!oldest || stringAt(p->obj, "metadata.creationTimestamp") < stringAt(oldest->obj, "metadata.creationTimestamp")))
                oldest = p;
        }
    }
    if (!oldest) {
        m_restartedAt = restartAt;
        return;
    }
    for (const auto &rs : m_all)
        if (specReplicas(rs) > 0 && availableOf(rs) < specReplicas(rs))
            return;
    m_cluster.remove(podType, oldest->ns, oldest->name);
    event("Normal", "RestartingPod", "Restarting pod " + oldest->name + " (restartAt: " + restartAt + ")");
}

// NewRSNewReplicas.
long long RolloutSync::newReplicaCount() const
{
    if (!m_new)
        return 0;
    if (blueGreen()) {
        const Json *preview = findPath(m_spec, "strategy.blueGreen.previewReplicaCount");
        if (!preview || !preview->is_number_integer())
            return m_replicas;
        ObjPtr active = byHash(stringAt(m_prev, "blueGreen.activeSelector"));
        if (!active || active->name == m_new->name)
            return m_replicas;
        if (boolAt(m_prev, "blueGreen.scaleUpPreviewCheckPoint"))
            return m_replicas;
        return preview->get<long long>();
    }
    return canaryTargets().first;
}

void RolloutSync::reconcileNewReplicaSet()
{
    if (!m_new)
        return;
    long long count = newReplicaCount();
    if (shouldDelayScaleDownOnAbort()) {
        const std::string deadline = annotationOf(m_new->obj, kScaleDownDeadlineAnnotation);
        if (!deadline.empty()) {
            if (parseRfc3339(deadline) > SysClock::now())
                return;
            count = 0;
        } else {
            const char *path = blueGreen() ? "strategy.blueGreen.abortScaleDownDelaySeconds" : "strategy.canary.abortScaleDownDelaySeconds";
            const double delay = durationSeconds(findPath(m_spec, path)).value_or(30);
            if (m_stable && availableOf(m_stable) >= m_replicas)
                setDeadline(m_new, delay);
            return;  // the preview stays up until it is annotated
        }
    }
    scale(m_new, count);
}

bool RolloutSync::saturated(const ObjPtr &rs) const
{
    return rs && specReplicas(rs) == m_replicas && annotationOf(rs->obj, kRolloutDesiredReplicasAnnotation) == std::to_string(m_replicas) &&
           availableOf(rs) >= m_replicas;
}

bool RolloutSync::readyForPause() const
{
    const long long n = newReplicaCount();
    return m_new && specReplicas(m_new) == n && availableOf(m_new) >= n;
}

bool RolloutSync::fastTracked(const ObjPtr &active) const
{
    if (m_newHadDeadline || boolAt(m_prev, "promoteFull"))
        return true;
    const std::string activeHash = active ? stringAt(active->obj, std::string("spec.selector.") + kRolloutHashLabel) : std::string();
    return activeHash.empty() || activeHash == hashOf(m_new);
}

bool RolloutSync::needsControllerPause() const
{
    const Json *enabled = findPath(m_spec, "strategy.blueGreen.autoPromotionEnabled");
    if (enabled && enabled->is_boolean() && !enabled->get<bool>())
        return true;
    return intAt(m_spec, "strategy.blueGreen.autoPromotionSeconds", 0) > 0;
}

bool RolloutSync::completedBlueGreenPause() const
{
    if (!m_pause.add.empty())
        return false;
    if (boolAt(m_prev, "blueGreen.scaleUpPreviewCheckPoint") || !needsControllerPause())
        return true;
    const Json *cond = m_pause.condition("BlueGreenPause");
    const Json *enabled = findPath(m_spec, "strategy.blueGreen.autoPromotionEnabled");
    if (!enabled || !enabled->is_boolean() || enabled->get<bool>()) {
        const long long seconds = intAt(m_spec, "strategy.blueGreen.autoPromotionSeconds", 0);
        if (seconds == 0)
            return true;
        return cond && secondsSince(cond->value("startTime", ""), SysClock::now()) > static_cast<double>(seconds);
    }
    return boolAt(m_prev, "controllerPause") && !cond;
}

bool RolloutSync::completedPrePromotionAnalysis() const
{
    if (!findPath(m_spec, "strategy.blueGreen.prePromotionAnalysis"))
        return true;
    return m_prePromotionRun && stringAt(m_prePromotionRun->obj, "status.phase") == "Successful";
}

// The fields every strategy computes alike (calculateBaseStatus).
Json RolloutSync::baseStatus()
{
    Json s = Json::object();
    const std::string current = m_new ? hashOf(m_new) : podTemplateHash(m_spec.value("template", Json::object()), intAt(m_prev, "collisionCount", 0));
    s["currentPodHash"] = current;
    long long replicas = 0, ready = 0;
    for (const auto &rs : m_all) {
        replicas += actualOf(rs);
        ready += readyOf(rs);
    }
    s["replicas"] = replicas;
    s["updatedReplicas"] = actualOf(m_new);
    s["readyReplicas"] = ready;
    if (m_prev.contains("collisionCount"))
        s["collisionCount"] = m_prev["collisionCount"];
    s["conditions"] = m_prev.value("conditions", Json::array());
    removeCondition(s, "InvalidSpec");
    s["restartedAt"] = m_restartedAt;
    s["promoteFull"] = current != stringAt(m_prev, "stableRS") && boolAt(m_prev, "promoteFull");
    s["blueGreen"] = Json::object();
    s["canary"] = Json::object();
    return s;
}

// calculateRolloutConditions plus checkPausedConditions.
void RolloutSync::conditionsFor(Json &s)
{
    const bool paused = (m_prev.contains("pauseConditions") && !m_prev["pauseConditions"].empty()) || halted();
    const bool aborted = m_pause.isAborted();
    const Json *prog = getCondition(m_prev, "Progressing");
    const std::string progReason = prog ? prog->value("reason", "") : std::string();
    const bool abortCond = progReason == "RolloutAborted";
    if (paused != (progReason == "RolloutPaused") && !abortCond && !aborted)
        setCondition(s, newCondition("Progressing", "Unknown", paused ? "RolloutPaused" : "RolloutResumed",
                                     paused ? "Rollout is paused" : "Rollout is resumed"));
    if (!aborted && abortCond)
        setCondition(s, newCondition("Progressing", "Unknown", "RolloutRetry", "Retrying Rollout after abort"));
    const Json *pausedCond = getCondition(m_prev, "Paused");
    if (paused != (pausedCond && pausedCond->value("status", "") == "True") && !abortCond)
        setCondition(s, newCondition("Paused", paused ? "True" : "False", "RolloutPaused", "Rollout is paused"));

    const std::string current = stringAt(s, "currentPodHash"), stable = stringAt(s, "stableRS");
    bool strategyDone = true;
    if (blueGreen()) {
        strategyDone = stringAt(s, "blueGreen.activeSelector") == current &&
                       (stringAt(m_spec, "strategy.blueGreen.previewService").empty() || stringAt(s, "blueGreen.previewSelector") == current);
    } else if (canary()) {
        const Json *steps = findPath(m_spec, "strategy.canary.steps");
        const long long count = steps && steps->is_array() ? static_cast<long long>(steps->size()) : 0;
        const bool allSteps = count == 0 || !s.contains("currentStepIndex") || s["currentStepIndex"] == count;
        strategyDone = allSteps && !stable.empty() && stable == current && intAt(s, "replicas") == m_replicas;
    }
    const bool healthy = intAt(s, "updatedReplicas") == m_replicas && intAt(s, "availableReplicas") == m_replicas &&
                         stringAt(m_prev, "observedGeneration") == std::to_string(intAt(m_ro->obj, "metadata.generation", 1)) && strategyDone;
    bool becameUnhealthy = false;
    if (!paused && healthy)
        setCondition(s, newCondition("Healthy", "True", "RolloutHealthy", "Rollout is healthy"));
    else if (getCondition(m_prev, "Healthy"))
        becameUnhealthy = setCondition(s, newCondition("Healthy", "False", "RolloutHealthy", "Rollout is not healthy"));

    const std::string revision = annotationOf(m_ro->obj, kRolloutRevisionAnnotation);
    if (aborted) {
        std::string message = "Rollout aborted update to revision " + (revision.empty() ? std::string("0") : revision);
        if (!m_pause.abortMessage.empty())
            message += ": " + m_pause.abortMessage;
        if (setCondition(s, newCondition("Progressing", "False", "RolloutAborted", message)))
            event("Warning", "RolloutAborted", message);
    } else {
        const std::string rsName = m_new ? m_new->name : std::string();
        bool progressed = intAt(s, "updatedReplicas") != intAt(m_prev, "updatedReplicas") ||
                          intAt(s, "replicas") - intAt(s, "updatedReplicas") < intAt(m_prev, "replicas") - intAt(m_prev, "updatedReplicas") ||
                          intAt(s, "readyReplicas") > intAt(m_prev, "readyReplicas") ||
                          intAt(s, "availableReplicas") > intAt(m_prev, "availableReplicas");
        if (blueGreen())
            progressed = progressed || stringAt(s, "blueGreen.activeSelector") != stringAt(m_prev, "blueGreen.activeSelector") ||
                         stringAt(s, "blueGreen.previewSelector") != stringAt(m_prev, "blueGreen.previewSelector");
        if (canary())
            progressed = progressed || stringAt(s, "stableRS") != stringAt(m_prev, "stableRS") ||
                         s.value("currentStepIndex", Json()) != m_prev.value("currentStepIndex", Json()) ||
                         stringAt(s, "currentStepHash") != stringAt(m_prev, "currentStepHash");
        if (healthy) {
            setCondition(s, newCondition("Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"" + rsName + "\" has successfully progressed."));
        } else if (progressed || becameUnhealthy) {
            Json cond = (stable == current && becameUnhealthy)
                            ? newCondition("Progressing", "True", "ReplicaSetNotAvailable", "Rollout does not have minimum availability")
                            : newCondition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"" + rsName + "\" is progressing.");
            if (const Json *cur = getCondition(s, "Progressing")) {
                if (cur->value("status", "") == "True")
                    cond["lastTransitionTime"] = (*cur)["lastTransitionTime"];
                removeCondition(s, "Progressing");
            }
            setCondition(s, cond);
        }
    }

    bool available = false;
    if (blueGreen())
        available = saturated(byHash(stringAt(s, "blueGreen.activeSelector")));
    else {
        long long total = 0;
        for (const auto &rs : m_all)
            total += availableOf(rs);
        available = total >= m_replicas;
    }
    setCondition(s, available ? newCondition("Available", "True", "AvailableReason", "Rollout has minimum availability")
                              : newCondition("Available", "False", "AvailableReason", "Rollout does not have minimum availability"));
    if (!stable.empty() && stable == current) {
        setCondition(s, newCondition("Completed", "True", "RolloutCompleted", "RolloutCompleted"));
    } else if (setCondition(s, newCondition("Completed", "False", "RolloutCompleted", "RolloutCompleted"))) {
        event("Normal", "RolloutNotCompleted", "Rollout not completed, started update to revision " + revision + " (" + current + ")");
    }
}

// persistRolloutStatus: pause bookkeeping, observedGeneration, phase; written only when changed
// and only over the version this pass read (a client's patch in between wins; next pass redoes it).
void RolloutSync::finish(Json s)
{
    m_pause.apply(s);
    s["observedGeneration"] = std::to_string(intAt(m_ro->obj, "metadata.generation", 1));
    auto [phase, message] = rolloutPhase(m_spec, s);
    s["phase"] = phase;
    s["message"] = message;
    const bool hasIndex = s.contains("currentStepIndex") && !s["currentStepIndex"].is_null();
    const Json index = hasIndex ? s["currentStepIndex"] : Json();
    pruneEmpty(s, {"blueGreen", "canary"});
    if (hasIndex)
        s["currentStepIndex"] = index;
    pruneEmpty(s["blueGreen"], {});
    pruneEmpty(s["canary"], {});
    if (s == m_prev)
        return;
    const bool wasPaused = m_prev.contains("pauseConditions");
    const bool nowPaused = s.contains("pauseConditions");
    const std::string rv = stringAt(m_ro->obj, "metadata.resourceVersion");
    bool written = false;
    m_cluster.store().modify(rtype("argoproj.io", "rollouts"), m_ro->ns, m_ro->name, [&](Json &o) {
        if (stringAt(o, "metadata.resourceVersion") != rv)
            return false;
        o["status"] = s;
        written = true;
        return true;
    });
    if (!written)
        return;
    // An analysis run that changed phase is told on the Rollout (AnalysisRun<Phase> events).
    for (const auto &[path, run] : std::vector<std::pair<std::string, ObjPtr>>{{"blueGreen.prePromotionAnalysisRunStatus", m_prePromotionRun},
                                                                              {"canary.currentBackgroundAnalysisRunStatus", m_backgroundRun},
                                                                              {"canary.currentStepAnalysisRunStatus", m_observedStepRun}}) {
        if (!run)
            continue;
        const std::string name = run->name, now = stringAt(run->obj, "status.phase", "Pending");
        const std::string before = stringAt(m_prev, std::string(path) + ".name") == name ? stringAt(m_prev, std::string(path) + ".status") : std::string();
        if (now != before && now != "Pending")
            event(now == "Failed" || now == "Error" ? "Warning" : "Normal", "AnalysisRun" + now,
                  "Analysis Run '" + name + "' Status New: '" + now + "' Previous: '" + before + "'");
    }
    if (wasPaused != nowPaused) {
        if (nowPaused)
            event("Normal", "RolloutPaused", "Rollout is paused (" + s["pauseConditions"][0].value("reason", "") + ")");
        else if (!s.contains("abortedAt"))
            event("Normal", "RolloutResumed", "Rollout is resumed");
    }
}

void RolloutSync::run()
{
    loadReplicaSets();
    m_new = findNewReplicaSet();
    m_stable = byHash(stringAt(m_prev, "stableRS"));

    const Json *selector = findPath(m_spec, "selector");
    std::string invalid;
    if (!selector || !selector->is_object() || selector->empty())
        invalid = "The Rollout \"" + m_ro->name + "\" is invalid: spec.selector: Required value: Rollout has missing field '.spec.selector'";
    else if (!blueGreen() && !canary())
        invalid = "The Rollout \"" + m_ro->name + "\" is invalid: spec.strategy.strategy: Required value: Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'";
    else if (blueGreen() && stringAt(m_spec, "strategy.blueGreen.activeService").empty())
        invalid = "The Rollout \"" + m_ro->name + "\" is invalid: spec.strategy.blueGreen.activeService: Required value: Rollout has missing field '.spec.strategy.blueGreen.activeService'";
    else if (blueGreen() && stringAt(m_spec, "strategy.blueGreen.activeService") == stringAt(m_spec, "strategy.blueGreen.previewService"))
        invalid = "The Rollout \"" + m_ro->name + "\" is invalid: spec.strategy.blueGreen.previewService: Invalid value: \"" +
                  stringAt(m_spec, "strategy.blueGreen.previewService") + "\": This rollout uses the same service for the active and preview services, but two different services are required.";
    else if (blueGreen() && !getService(stringAt(m_spec, "strategy.blueGreen.activeService")))
        invalid = "The Rollout \"" + m_ro->name + "\" is invalid: spec.strategy.blueGreen.activeService: Invalid value: \"" +
                  stringAt(m_spec, "strategy.blueGreen.activeService") + "\": service \"" + stringAt(m_spec, "strategy.blueGreen.activeService") + "\" not found";
    else if (blueGreen() && !stringAt(m_spec, "strategy.blueGreen.previewService").empty() && !getService(stringAt(m_spec, "strategy.blueGreen.previewService")))
        invalid = "The Rollout \"" + m_ro->name + "\" is invalid: spec.strategy.blueGreen.previewService: Invalid value: \"" +
                  stringAt(m_spec, "strategy.blueGreen.previewService") + "\": service \"" + stringAt(m_spec, "strategy.blueGreen.previewService") + "\" not found";
    if (!invalid.empty()) {
        Json s = m_prev;
        const Json *prevCond = getCondition(m_prev, "InvalidSpec");
        if (!prevCond || prevCond->value("message", "") != invalid) {
            removeCondition(s, "InvalidSpec");
            setCondition(s, newCondition("InvalidSpec", "True", "InvalidSpec", invalid));
        }
        s["observedGeneration"] = std::to_string(intAt(m_ro->obj, "metadata.generation", 1));
        auto [phase, message] = rolloutPhase(m_spec, s);
        s["phase"] = phase;
        s["message"] = message;
        const std::string rv = stringAt(m_ro->obj, "metadata.resourceVersion");
        if (s != m_prev)
            m_cluster.store().modify(rtype("argoproj.io", "rollouts"), m_ro->ns, m_ro->name, [&](Json &o) {
                if (stringAt(o, "metadata.resourceVersion") != rv)
                    return false;
                o["status"] = s;
                return true;
            });
        return;
    }

    if (!m_new) {
        m_new = createReplicaSet();
        if (!m_new)
            return;
    } else {
        syncRevision();
        if (m_rolloutGone)
            return;
    }
    m_others.clear();
    for (const auto &rs : m_all)
        if (rs->name != m_new->name && (!m_stable || rs->name != m_stable->name))
            m_others.push_back(rs);
    if (blueGreen())
        runBlueGreen();
    else
        runCanary();
}

// ---- blue-green (rollout/bluegreen.go) ----

void RolloutSync::runBlueGreen()
{
    m_newHadDeadline = hasDeadline(m_new);
    ObjPtr active = getService(stringAt(m_spec, "strategy.blueGreen.activeService"));
    ObjPtr preview = getService(stringAt(m_spec, "strategy.blueGreen.previewService"));
    if (preview && !halted()) {
        switchSelector(preview, hashOf(m_new));
        preview = getService(preview->name);
    }
    const bool templateChanged = stringAt(m_prev, "currentPodHash") != hashOf(m_new);
    if (!templateChanged) {
        restartPods();
        // reconcileBlueGreenReplicaSets
        removeScaleDownDeadlines();
        if (ObjPtr activeRs = byHash(stringAt(active->obj, std::string("spec.selector.") + kRolloutHashLabel)))
            scale(activeRs, m_replicas);
        reconcileNewReplicaSet();
        // scaleDownOldReplicaSetsForBlueGreen: newest first, each after its scale-down delay.
        std::vector<ObjPtr> olds = m_others;
        std::sort(olds.begin(), olds.end(), [](const ObjPtr &a, const ObjPtr &b) { return revisionOf(a->obj) > revisionOf(b->obj); });
        const double delay = durationSeconds(findPath(m_spec, "strategy.blueGreen.scaleDownDelaySeconds")).value_or(30);
        for (ObjPtr rs : olds) {
            if (referenced(rs) || specReplicas(rs) == 0)
                continue;
            long long desired = 0;
            if (!hasDeadline(rs)) {
                desired = specReplicas(rs);
                if (delay > 0)
                    rs = setDeadline(rs, delay);
                else
                    desired = 0;
            } else if (parseRfc3339(annotationOf(rs->obj, kScaleDownDeadlineAnnotation)) > SysClock::now()) {
                desired = m_replicas;
            }
            if (desired != specReplicas(rs))
                scale(rs, desired);
        }
        reconcileRevisionHistory();

        // prePromotionAnalysis runs once the preview is up, before the pause.
        if (const Json *pre = findPath(m_spec, "strategy.blueGreen.prePromotionAnalysis");
            pre && !m_pause.isAborted() && hashOf(m_new) != stringAt(m_prev, "stableRS") && !stringAt(m_prev, "stableRS").empty() &&
            readyForPause() && !fastTracked(active)) {
            m_prePromotionRun = ensureAnalysisRun(*pre, "pre", "PrePromotion", -1);
            if (auto failure = failedRun(m_prePromotionRun))
                m_pause.abort(*failure);
        } else if (pre) {
            m_prePromotionRun = existingRun("pre");
        }

        // reconcileBlueGreenPause
        if (!m_pause.isAborted() && readyForPause() && !halted()) {
            if (fastTracked(active) || boolAt(m_prev, "blueGreen.scaleUpPreviewCheckPoint") || !needsControllerPause()) {
                m_pause.remove.push_back("BlueGreenPause");
            } else if (completedPrePromotionAnalysis()) {
                if (m_pause.condition("BlueGreenPause")) {
                    if (completedBlueGreenPause())
                        m_pause.remove.push_back("BlueGreenPause");
                } else if (!boolAt(m_prev, "controllerPause")) {
                    m_pause.add.push_back("BlueGreenPause");
                }
            }
        }

        // reconcileActiveService
        if (!halted() && readyForPause() && saturated(m_new)) {
            std::string target = stringAt(active->obj, std::string("spec.selector.") + kRolloutHashLabel);
            if (fastTracked(active))
                target = hashOf(m_new);
            if (completedBlueGreenPause() && completedPrePromotionAnalysis())
                target = hashOf(m_new);
            if (m_pause.isAborted())
                target = stringAt(m_prev, "stableRS");
            switchSelector(active, target);
        }
        active = getService(active->name);
    }

    // syncRolloutStatusBlueGreen
    Json s = baseStatus();
    s["stableRS"] = stringAt(m_prev, "stableRS");
    if (templateChanged) {
        m_pause.clear = true;
        m_pause.removeAbort = true;
        s["promoteFull"] = false;
        s["restartedAt"] = stringAt(m_spec, "restartAt");
    }
    if (boolAt(m_prev, "promoteFull")) {
        m_pause.clear = true;
        m_pause.removeAbort = true;
    }
    const std::string previewSel = preview ? stringAt(preview->obj, std::string("spec.selector.") + kRolloutHashLabel) : std::string();
    const std::string activeSel = stringAt(active->obj, std::string("spec.selector.") + kRolloutHashLabel);
    s["blueGreen"]["previewSelector"] = previewSel;
    s["blueGreen"]["activeSelector"] = activeSel;
    // shouldFullPromote
    std::string promoteReason;
    const std::string current = hashOf(m_new);
    if (!m_stable || activeSel.empty()) {
        promoteReason = "Initial deploy";
    } else if (activeSel == current) {
        if (boolAt(m_prev, "promoteFull"))
            promoteReason = "Full promotion requested";
        else if (!m_pause.isAborted())
            promoteReason = "Completed blue-green update";
    }
    if (!promoteReason.empty()) {
        m_pause.clear = true;
        m_pause.removeAbort = true;
        s["promoteFull"] = false;
        if (stringAt(s, "stableRS") != current) {
            s["stableRS"] = current;
            event("Normal", "RolloutCompleted",
                  "Rollout completed update to revision " + annotationOf(m_ro->obj, kRolloutRevisionAnnotation) + " (" + current + "): " + promoteReason);
        }
    } else if (findPath(m_spec, "strategy.blueGreen.previewReplicaCount")) {
        const bool checkpoint = boolAt(m_prev, "blueGreen.scaleUpPreviewCheckPoint") ||
                                (completedPrePromotionAnalysis() && completedBlueGreenPause() &&
                                 availableOf(m_new) == intAt(m_spec, "strategy.blueGreen.previewReplicaCount"));
        s["blueGreen"]["scaleUpPreviewCheckPoint"] = checkpoint;
    }
    if (m_prePromotionRun)
        s["blueGreen"]["prePromotionAnalysisRunStatus"] = runStatusOf(m_prePromotionRun);
    if (ObjPtr activeRs = byHash(activeSel)) {
        s["HPAReplicas"] = actualOf(activeRs);
        s["selector"] = formatSelector(findPath(activeRs->obj, "spec.selector"));
        s["availableReplicas"] = availableOf(activeRs);
        s["readyReplicas"] = readyOf(activeRs);
    } else {
        long long actual = 0, available = 0;
        for (const auto &rs : m_all) {
            actual += actualOf(rs);
            available += availableOf(rs);
        }
        s["HPAReplicas"] = actual;
        s["selector"] = formatSelector(findPath(m_spec, "selector"));
        s["availableReplicas"] = available;
    }
    conditionsFor(s);
    finish(std::move(s));
}

// ---- canary (rollout/canary.go, utils/replicaset/canary.go) ----

long long RolloutSync::currentStepIndex() const
{
    const Json *steps = findPath(m_spec, "strategy.canary.steps");
    const long long count = steps && steps->is_array() ? static_cast<long long>(steps->size()) : 0;
    const Json *idx = findPath(m_prev, "currentStepIndex");
    long long i = idx && idx->is_number_integer() ? idx->get<long long>() : 0;
    return std::clamp<long long>(i, 0, count);
}

// The weight of the current step: the last setWeight at or before it; 100 once all steps ran.
long long RolloutSync::setWeight() const
{
    const Json *steps = findPath(m_spec, "strategy.canary.steps");
    const long long count = steps && steps->is_array() ? static_cast<long long>(steps->size()) : 0;
    const long long index = currentStepIndex();
    if (index >= count)
        return 100;
    long long weight = 0;
    for (long long i = 0; i <= index; ++i)
        if (const Json &st = (*steps)[static_cast<size_t>(i)]; st.is_object() && st.contains("setWeight") && st["setWeight"].is_number())
            weight = st["setWeight"].get<long long>();
    return std::clamp<long long>(weight, 0, 100);
}

// The canary and stable replica counts the current weight asks for (basic canary: by replicas).
std::pair<long long, long long> RolloutSync::canaryTargets() const
{
    if (!m_stable || (m_new && m_stable->name == m_new->name))
        return {m_replicas, m_replicas};
    long long weight = m_pause.isAborted() ? 0 : setWeight();
    if (boolAt(m_prev, "promoteFull"))
        weight = 100;
    const long long canary = static_cast<long long>(std::ceil(static_cast<double>(m_replicas) * static_cast<double>(weight) / 100.0));
    const long long stable = static_cast<long long>(std::ceil(static_cast<double>(m_replicas) * (1.0 - static_cast<double>(weight) / 100.0)));
    return {canary, stable};
}

void RolloutSync::reconcileCanaryReplicaSets()
{
    if (halted())
        return;
    removeScaleDownDeadlines();
    if (!m_stable || m_stable->name == m_new->name) {
        scale(m_new, m_replicas);
        for (const auto &rs : m_others)
            if (specReplicas(rs) > 0 && availableOf(m_new) >= m_replicas - intOrPercent(findPath(m_spec, "strategy.canary.maxUnavailable"), m_replicas, false, m_replicas / 4))
                scale(rs, 0);
        return;
    }
    auto [canaryWanted, stableWanted] = canaryTargets();
    const long long maxSurge = intOrPercent(findPath(m_spec, "strategy.canary.maxSurge"), m_replicas, true,
                                            static_cast<long long>(std::ceil(static_cast<double>(m_replicas) * 0.25)));
    const long long maxUnavailable = intOrPercent(findPath(m_spec, "strategy.canary.maxUnavailable"), m_replicas, false, m_replicas / 4);
    const long long minAvailable = m_replicas - (maxSurge == 0 && maxUnavailable == 0 ? 1 : maxUnavailable);
    auto totalSpec = [&] {
        long long t = 0;
        for (const auto &rs : m_all)
            t += specReplicas(rs);
        return t;
    };
    auto totalAvailable = [&] {
        long long t = 0;
        for (const auto &rs : m_all)
            t += std::min(availableOf(rs), specReplicas(rs));
        return t;
    };
    // Scale up within the surge: the stable first when going back (abort), else the canary.
    const long long cap = std::max(m_replicas + maxSurge, canaryWanted + stableWanted);
    std::vector<std::pair<ObjPtr *, long long>> ups = {{&m_new, canaryWanted}, {&m_stable, stableWanted}};
    if (m_pause.isAborted())
        std::swap(ups[0], ups[1]);
    for (auto &[rs, wanted] : ups) {
        const long long have = specReplicas(*rs);
        if (have < wanted) {
            const long long room = cap - totalSpec();
            if (room > 0)
                scale(*rs, std::min(wanted, have + room));
        }
    }
    // Scale down within the availability budget: old revisions, then whichever is above target.
    long long budget = totalAvailable() - minAvailable;
    for (const auto &rs : std::vector<ObjPtr>(m_others)) {
        const long long have = specReplicas(rs);
        if (have == 0)
            continue;
        const long long unavailable = have - std::min(availableOf(rs), have);
        const long long cut = std::min(have, unavailable + std::max(0LL, budget));
        if (cut > 0) {
            scale(rs, have - cut);
            budget -= cut - unavailable;
        }
    }
    std::vector<std::pair<ObjPtr *, long long>> downs = {{&m_stable, stableWanted}, {&m_new, canaryWanted}};
    if (m_pause.isAborted())
        std::swap(downs[0], downs[1]);
    for (auto &[rs, wanted] : downs) {
        const long long have = specReplicas(*rs);
        if (have <= wanted)
            continue;
        const long long unavailable = have - std::min(availableOf(*rs), have);
        // Going back (abort) is not held by the budget beyond what the stable already serves.
        const long long cut = m_pause.isAborted() && (*rs == m_new) ? have - wanted
                                                                    : std::min(have - wanted, unavailable + std::max(0LL, budget));
        if (cut > 0) {
            scale(*rs, have - cut);
            budget -= std::max(0LL, cut - unavailable);
        }
    }
}

bool RolloutSync::atDesiredCanaryCounts() const
{
    auto [canaryWanted, stableWanted] = canaryTargets();
    if (specReplicas(m_new) != canaryWanted || availableOf(m_new) != canaryWanted)
        return false;
    if (m_stable && m_stable != m_new && (specReplicas(m_stable) != stableWanted || availableOf(m_stable) != stableWanted))
        return false;
    for (const auto &rs : m_others)
        if (specReplicas(rs) != 0 || actualOf(rs) != 0)
            return false;
    return true;
}

void RolloutSync::runCanary()
{
    const Json *stepsJson = findPath(m_spec, "strategy.canary.steps");
    const Json steps = stepsJson && stepsJson->is_array() ? *stepsJson : Json::array();
    const long long stepCount = static_cast<long long>(steps.size());
    const std::string current = hashOf(m_new);
    const std::string stepHash = stepsHash(m_spec);
    const bool changed = stringAt(m_prev, "currentPodHash") != current || stringAt(m_prev, "currentStepHash") != stepHash;

    if (!changed) {
        restartPods();
        // Stable and canary Services, when named: the stable one follows the stable ReplicaSet.
        if (ObjPtr svc = getService(stringAt(m_spec, "strategy.canary.stableService")); svc && m_stable && availableOf(m_stable) > 0)
            switchSelector(svc, hashOf(m_stable));
        if (ObjPtr svc = getService(stringAt(m_spec, "strategy.canary.canaryService"))) {
            ObjPtr target = m_pause.isAborted() && m_stable ? m_stable : m_new;
            if (availableOf(target) > 0)
                switchSelector(svc, hashOf(target));
        }
        reconcileCanaryReplicaSets();
        reconcileRevisionHistory();

        // Background analysis from its starting step, and a step's own analysis.
        const bool fullyPromoted = m_stable && m_stable->name == m_new->name;
        const long long index = currentStepIndex();
        if (const Json *bg = findPath(m_spec, "strategy.canary.analysis"); bg && m_stable && !fullyPromoted) {
            if (index >= intAt(*bg, "startingStep", 0) && !m_pause.isAborted()) {
                m_backgroundRun = ensureAnalysisRun(*bg, "", "Background", -1);
                if (auto failure = failedRun(m_backgroundRun))
                    m_pause.abort(*failure);
            } else {
                m_backgroundRun = existingRun("");  // an aborted update keeps showing the run that ended it
            }
        }
        if (index < stepCount && steps[static_cast<size_t>(index)].contains("analysis") && m_stable && !fullyPromoted && !m_pause.isAborted()) {
            m_stepRun = ensureAnalysisRun(steps[static_cast<size_t>(index)]["analysis"], std::to_string(index), "Step", index);
            m_observedStepRun = m_stepRun;
            if (auto failure = failedRun(m_stepRun))
                m_pause.abort(*failure);
        }
        // Runs of an aborted or finished update are told to stop.
        if (m_pause.isAborted() || fullyPromoted)
            for (const auto &run : m_cluster.store().dependentsOf(m_ro->uid))
                if (run->type == rtype("argoproj.io", "analysisruns").index)
                    terminateRun(run);

        // reconcileCanaryPause
        if (!halted() && !m_pause.isAborted() && index < stepCount && steps[static_cast<size_t>(index)].contains("pause") &&
            !m_pause.condition("CanaryPauseStep") && !boolAt(m_prev, "controllerPause"))
            m_pause.add.push_back("CanaryPauseStep");
    }

    // syncRolloutStatusCanary
    Json s = baseStatus();
    long long available = 0, actual = 0;
    for (const auto &rs : m_all) {
        available += availableOf(rs);
        actual += actualOf(rs);
    }
    s["availableReplicas"] = available;
    s["HPAReplicas"] = actual;
    s["selector"] = formatSelector(findPath(m_spec, "selector"));
    s["stableRS"] = stringAt(m_prev, "stableRS");
    s["currentStepHash"] = stepHash;
    long long index = currentStepIndex();
    auto withIndex = [&](Json &st) {
        if (stepCount > 0)
            st["currentStepIndex"] = index;
    };
    auto weights = [&](Json &st) {
        if (stringAt(st, "stableRS").empty())
            return;
        const bool promoted = stringAt(st, "stableRS") == current;
        const long long w = promoted || m_pause.isAborted() ? 0 : setWeight();
        st["canary"]["weights"] = {{"canary", {{"podTemplateHash", current}, {"weight", w}}},
                                   {"stable", {{"podTemplateHash", stringAt(st, "stableRS")}, {"weight", 100 - w}}}};
        if (ObjPtr svc = getService(stringAt(m_spec, "strategy.canary.canaryService")))
            st["canary"]["weights"]["canary"]["serviceName"] = svc->name;
        if (ObjPtr svc = getService(stringAt(m_spec, "strategy.canary.stableService")))
            st["canary"]["weights"]["stable"]["serviceName"] = svc->name;
    };
    auto runStatuses = [&](Json &st) {
        if (m_backgroundRun)
            st["canary"]["currentBackgroundAnalysisRunStatus"] = runStatusOf(m_backgroundRun);
        if (m_stepRun)
            st["canary"]["currentStepAnalysisRunStatus"] = runStatusOf(m_stepRun);
    };
    if (changed) {
        m_pause.clear = true;
        m_pause.removeAbort = true;
        s["promoteFull"] = false;
        s["restartedAt"] = stringAt(m_spec, "restartAt");
        index = 0;
        if (stepCount > 0 && stringAt(m_prev, "stableRS") == current) {
            event("Normal", "SkipSteps", "Rollback to stable ReplicaSets");
            index = stepCount;
        }
        withIndex(s);
        conditionsFor(s);
        finish(std::move(s));
        return;
    }
    if (boolAt(m_prev, "promoteFull")) {
        m_pause.clear = true;
        m_pause.removeAbort = true;
        index = stepCount;
    }
    // shouldFullPromote
    std::string reason;
    if (!m_stable) {
        reason = "Initial deploy";
    } else if (!m_pause.isAborted() && availableOf(m_new) == m_replicas) {
        if (boolAt(m_prev, "promoteFull"))
            reason = "Full promotion requested";
        else if (stepCount == 0 || index == stepCount)
            reason = "Completed all " + std::to_string(stepCount) + " canary steps";
    }
    if (!reason.empty()) {
        m_pause.clear = true;
        m_pause.removeAbort = true;
        s["promoteFull"] = false;
        index = stepCount;
        if (stringAt(s, "stableRS") != current) {
            s["stableRS"] = current;
            event("Normal", "RolloutCompleted",
                  "Rollout completed update to revision " + annotationOf(m_ro->obj, kRolloutRevisionAnnotation) + " (" + current + "): " + reason);
        }
        withIndex(s);
        weights(s);
        conditionsFor(s);
        finish(std::move(s));
        return;
    }
    if (m_pause.isAborted()) {
        index = stringAt(s, "stableRS") == current ? stepCount : 0;
        withIndex(s);
        weights(s);
        runStatuses(s);
        conditionsFor(s);
        finish(std::move(s));
        return;
    }
    // completedCurrentCanaryStep
    if (!halted() && index < stepCount) {
        const Json &step = steps[static_cast<size_t>(index)];
        bool done = false;
        if (step.contains("pause")) {
            const Json *cond = m_pause.condition("CanaryPauseStep");
            if (boolAt(m_prev, "controllerPause") && !cond)
                done = true;
            else if (auto d = durationSeconds(findPath(step, "pause.duration")); d && cond)
                done = secondsSince(cond->value("startTime", ""), SysClock::now()) > *d;
        } else if (step.contains("setWeight")) {
            done = atDesiredCanaryCounts();
        } else if (step.contains("analysis")) {
            done = m_stepRun && stringAt(m_stepRun->obj, "status.phase") == "Successful";
        } else {
            done = true;  // experiments and traffic-routing steps have nothing to wait for here
        }
        if (done) {
            ++index;
            m_stepRun = nullptr;
            event("Normal", "RolloutStepCompleted",
                  "Rollout step " + std::to_string(index) + "/" + std::to_string(stepCount) + " completed (" + stepString(step) + ")");
            m_pause.remove.push_back("CanaryPauseStep");
            m_pause.add.erase(std::remove(m_pause.add.begin(), m_pause.add.end(), "CanaryPauseStep"), m_pause.add.end());
        }
    }
    withIndex(s);
    weights(s);
    runStatuses(s);
    conditionsFor(s);
    finish(std::move(s));
}

// ---- analysis (rollout/analysis.go) ----

// Creates (or finds) the AnalysisRun of `analysis` ({templates, args}) for the new revision:
// named NAME-HASH-REVISION[-SUFFIX], labelled with the hash and run type, owned by the Rollout.
std::string RolloutSync::runNameFor(const std::string &suffix) const
{
    std::string runName = m_ro->name + "-" + hashOf(m_new) + "-" + annotationOf(m_new->obj, kRolloutRevisionAnnotation);
    return suffix.empty() ? runName : runName + "-" + suffix;
}

ObjPtr RolloutSync::existingRun(const std::string &suffix) const
{
    return m_cluster.store().get(rtype("argoproj.io", "analysisruns"), m_ro->ns, runNameFor(suffix));
}

ObjPtr RolloutSync::ensureAnalysisRun(const Json &analysis, const std::string &suffix, const std::string &runType, long long stepIndex)
{
    const auto &runs = rtype("argoproj.io", "analysisruns");
    const std::string revision = annotationOf(m_new->obj, kRolloutRevisionAnnotation);
    const std::string runName = runNameFor(suffix);
    if (ObjPtr existing = m_cluster.store().get(runs, m_ro->ns, runName))
        return existing;
    Json metrics = Json::array(), args = Json::array();
    if (const Json *templates = findPath(analysis, "templates"); templates && templates->is_array())
        for (const auto &t : *templates) {
            ObjPtr at = m_cluster.store().get(rtype("argoproj.io", "analysistemplates"), m_ro->ns, t.value("templateName", ""));
            if (!at)
                continue;
            if (const Json *ms = findPath(at->obj, "spec.metrics"); ms && ms->is_array())
                for (const auto &m : *ms)
                    metrics.push_back(m);
            if (const Json *as = findPath(at->obj, "spec.args"); as && as->is_array())
                for (const auto &a : *as)
                    args.push_back(a);
        }
    if (metrics.empty())
        return nullptr;
    // Argument values from the Rollout: plain values and the pod template hashes.
    if (const Json *given = findPath(analysis, "args"); given && given->is_array())
        for (auto &a : args)
            for (const auto &g : *given)
                if (g.value("name", "") == a.value("name", "")) {
                    if (g.contains("value"))
                        a["value"] = g["value"];
                    else if (const Json *h = findPath(g, "valueFrom.podTemplateHashValue"); h && h->is_string())
                        a["value"] = h->get<std::string>() == "Stable" ? stringAt(m_prev, "stableRS") : hashOf(m_new);
                }
    Json labels = {{kRolloutHashLabel, hashOf(m_new)}, {"rollout-type", runType}};
    if (stepIndex >= 0)
        labels["step-index"] = std::to_string(stepIndex);
    Json run = {{"apiVersion", "argoproj.io/v1alpha1"},
                {"kind", "AnalysisRun"},
                {"metadata", {{"name", runName}, {"namespace", m_ro->ns}, {"labels", labels},
                              {"annotations", {{kRolloutRevisionAnnotation, revision}}},
                              {"ownerReferences", Json::array({{{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Rollout"}, {"name", m_ro->name},
                                                                {"uid", m_ro->uid}, {"controller", true}, {"blockOwnerDeletion", true}}})}}},
                {"spec", {{"metrics", metrics}}}};
    if (!args.empty())
        run["spec"]["args"] = args;
    try {
        return m_cluster.create(runs, m_ro->ns, run, {"", "rollouts-controller", false});
    } catch (const ApiException &) {
        return m_cluster.store().get(runs, m_ro->ns, runName);
    }
}

void RolloutSync::terminateRun(const ObjPtr &run)
{
    const std::string phase = stringAt(run->obj, "status.phase");
    if (boolAt(run->obj, "spec.terminate") || phase == "Successful" || phase == "Failed" || phase == "Error" || phase == "Inconclusive")
        return;
    m_cluster.store().modify(rtype("argoproj.io", "analysisruns"), run->ns, run->name, [&](Json &o) {
        o["spec"]["terminate"] = true;
        o["metadata"]["generation"] = intAt(o, "metadata.generation", 1) + 1;
        return true;
    });
}

Json RolloutSync::runStatusOf(const ObjPtr &run) const
{
    if (!run)
        return nullptr;
    Json st = {{"name", run->name}, {"status", stringAt(run->obj, "status.phase", "Pending")}};
    if (std::string msg = stringAt(run->obj, "status.message"); !msg.empty())
        st["message"] = msg;
    return st;
}

std::optional<std::string> RolloutSync::failedRun(const ObjPtr &run) const
{
    if (!run)
        return std::nullopt;
    const std::string phase = stringAt(run->obj, "status.phase");
    if (phase == "Failed" || phase == "Error")
        return stringAt(run->obj, "status.message", "AnalysisRun '" + run->name + "' " + phase);
    return std::nullopt;
}

}  // namespace

RolloutController::RolloutController(Cluster &cluster, const LoadModel &load) : m_cluster(cluster), m_load(load) {}

void RolloutController::reconcile()
{
    for (const auto &run : m_cluster.store().list(rtype("argoproj.io", "analysisruns")).items)
        try {
            syncAnalysisRun(run->ns, run->name);
        } catch (const std::exception &) {
            // A conflict, a vanished object or a malformed run: the next pass reads again.
        }
    for (const auto &ro : m_cluster.store().list(rtype("argoproj.io", "rollouts")).items)
        try {
            syncRollout(ro->ns, ro->name);
        } catch (const std::exception &) {
            // A conflict, a vanished object or a field of the wrong type: the next pass reads again.
        }
}

void RolloutController::syncRollout(const std::string &ns, const std::string &name)
{
    ObjPtr ro = m_cluster.store().get(rtype("argoproj.io", "rollouts"), ns, name);
    if (!ro || isTerminating(ro->obj))
        return;
    RolloutSync(m_cluster, ro).run();
}

// An AnalysisRun's measurements: every `interval` one value per metric, the success rate of the
// pods of the revision it is labelled with (1 - the error fraction set through /sim/v1/error-rate),
// judged by successCondition/failureCondition, until `count` measurements or failureLimit.
void RolloutController::syncAnalysisRun(const std::string &ns, const std::string &name)
{
    const auto &runs = rtype("argoproj.io", "analysisruns");
    ObjPtr run = m_cluster.store().get(runs, ns, name);
    if (!run || isTerminating(run->obj))
        return;
    const std::string phase = stringAt(run->obj, "status.phase");
    if (phase == "Successful" || phase == "Failed" || phase == "Error" || phase == "Inconclusive")
        return;
    const auto now = SysClock::now();
    // The revision's images, from its ReplicaSet.
    const std::string hash = labelOf(run->obj, kRolloutHashLabel);
    double errorPercent = 0;
    for (const auto &rs : m_cluster.store().list(rtype("apps", "replicasets"), ns).items)
        if (!hash.empty() && labelOf(rs->obj, kRolloutHashLabel) == hash)
            if (const Json *cs = findPath(rs->obj, "spec.template.spec.containers"); cs && cs->is_array())
                for (const auto &c : *cs)
                    errorPercent = std::max(errorPercent, m_load.errorPercent(ns, c.value("image", "")));
    const double successRate = 1.0 - errorPercent / 100.0;

    Json status = run->obj.value("status", Json::object());
    const bool terminate = boolAt(run->obj, "spec.terminate");
    if (!status.contains("startedAt"))
        status["startedAt"] = rfc3339(now);
    Json results = status.value("metricResults", Json::array());
    const Json metrics = run->obj["spec"].value("metrics", Json::array());
    bool anyFailed = false, anyError = false, anyInconclusive = false, allDone = true;
    std::string failMessage;
    long long sumSuccessful = 0, sumFailed = 0, sumInconclusive = 0, sumError = 0;
    for (const auto &m : metrics) {
        const std::string metricName = m.value("name", "");
        auto it = std::find_if(results.begin(), results.end(), [&](const Json &r) { return r.value("name", "") == metricName; });
        if (it == results.end()) {
            results.push_back({{"name", metricName}, {"phase", "Running"}, {"measurements", Json::array()}});
            it = results.end() - 1;
        }
        Json &r = *it;
        const Json *countJson = findPath(m, "count");
        const auto interval = durationSeconds(findPath(m, "interval"));
        const long long count = countJson && countJson->is_number_integer() ? countJson->get<long long>() : (interval ? 0 : 1);
        const long long failureLimit = intAt(m, "failureLimit", 0);
        const long long inconclusiveLimit = intAt(m, "inconclusiveLimit", 0);
        const long long consecutiveErrorLimit = intAt(m, "consecutiveErrorLimit", 4);
        auto metricDone = [&] {
            const std::string p = r.value("phase", "Running");
            return p != "Running" && p != "Pending";
        };
        if (!metricDone() && !terminate) {
            Json &ms = r["measurements"];
            const bool due = ms.empty() || !interval ||
                             secondsSince(ms.back().value("finishedAt", ""), now) >= *interval;
            const bool more = count == 0 || intAt(r, "count") < count;
            if (due && more) {
                char buf[64];
                std::snprintf(buf, sizeof buf, "[%.4g]", successRate);
                Json measurement = {{"startedAt", rfc3339(now)}, {"finishedAt", rfc3339(now)}, {"value", std::string(buf)}};
                std::string error;
                std::string verdict = "Successful";
                const std::string success = m.value("successCondition", ""), failure = m.value("failureCondition", "");
                bool failed = false, succeeded = true;
                if (!failure.empty()) {
                    failed = evaluateAnalysisCondition(failure, successRate, error);
                }
                if (error.empty() && !success.empty())
                    succeeded = evaluateAnalysisCondition(success, successRate, error);
                if (!error.empty()) {
                    verdict = "Error";
                    measurement["message"] = error;
                    measurement.erase("value");
                } else if (failed) {
                    verdict = "Failed";
                } else if (!success.empty() && !succeeded) {
                    verdict = failure.empty() ? "Failed" : "Inconclusive";
                }
                measurement["phase"] = verdict;
                ms.push_back(measurement);
                while (ms.size() > 10)  // measurementRetention's default
                    ms.erase(ms.begin());
                r["count"] = intAt(r, "count") + 1;
                if (verdict == "Successful") {
                    r["successful"] = intAt(r, "successful") + 1;
                    r.erase("consecutiveError");
                } else if (verdict == "Failed") {
                    r["failed"] = intAt(r, "failed") + 1;
                } else if (verdict == "Inconclusive") {
                    r["inconclusive"] = intAt(r, "inconclusive") + 1;
                } else {
                    r["error"] = intAt(r, "error") + 1;
                    r["consecutiveError"] = intAt(r, "consecutiveError") + 1;
                }
            }
            // The metric's verdict (assessMetricStatus).
            if (intAt(r, "failed") > failureLimit) {
                r["phase"] = "Failed";
                r["message"] = "";
            } else if (intAt(r, "consecutiveError") > consecutiveErrorLimit) {
                r["phase"] = "Error";
            } else if (inconclusiveLimit >= 0 && intAt(r, "inconclusive") > inconclusiveLimit) {
                r["phase"] = "Inconclusive";
            } else if (count > 0 && intAt(r, "count") >= count) {
                r["phase"] = "Successful";
            } else {
                r["phase"] = "Running";
            }
            r.erase("message");
        }
        const std::string p = r.value("phase", "Running");
        if (p == "Failed") {
            anyFailed = true;
            if (failMessage.empty())
                failMessage = "metric \"" + metricName + "\" assessed Failed due to failed (" + std::to_string(intAt(r, "failed")) +
                              ") > failureLimit (" + std::to_string(failureLimit) + ")";
        } else if (p == "Error") {
            anyError = true;
            if (failMessage.empty())
                failMessage = "metric \"" + metricName + "\" assessed Error due to consecutiveErrors (" + std::to_string(intAt(r, "consecutiveError")) +
                              ") > consecutiveErrorLimit (" + std::to_string(consecutiveErrorLimit) + ")";
        } else if (p == "Inconclusive") {
            anyInconclusive = true;
        } else if (p != "Successful") {
            allDone = false;
        }
        sumSuccessful += p == "Successful" ? 1 : 0;
        sumFailed += p == "Failed" ? 1 : 0;
        sumInconclusive += p == "Inconclusive" ? 1 : 0;
        sumError += p == "Error" ? 1 : 0;
    }
    status["metricResults"] = results;
    status["runSummary"] = {{"count", static_cast<long long>(metrics.size())}, {"successful", sumSuccessful}, {"failed", sumFailed},
                            {"inconclusive", sumInconclusive}, {"error", sumError}};
    pruneEmpty(status["runSummary"], {"count"});
    if (anyFailed) {
        status["phase"] = "Failed";
        status["message"] = failMessage;
    } else if (anyError) {
        status["phase"] = "Error";
        status["message"] = failMessage;
    } else if (anyInconclusive) {
        status["phase"] = "Inconclusive";
    } else if (terminate) {
        status["phase"] = "Successful";
        status["message"] = "Run Terminated";
    } else if (allDone) {
        status["phase"] = "Successful";
    } else {
        status["phase"] = "Running";
    }
    if (status["phase"] != "Running")
        status["completedAt"] = rfc3339(now);
    if (status == run->obj.value("status", Json::object()))
        return;
    const std::string rv = stringAt(run->obj, "metadata.resourceVersion");
    m_cluster.store().modify(runs, ns, name, [&](Json &o) {
        if (stringAt(o, "metadata.resourceVersion") != rv)
            return false;
        o["status"] = status;
        return true;
    });
}

}  // namespace pilothouse::sim
