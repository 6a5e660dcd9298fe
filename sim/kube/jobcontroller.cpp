// The Job and CronJob controllers (kube-controller-manager's pkg/controller/job and cronjob).
#include "kube/jobcontroller.h"

#include "kube/controlleroptions.h"
#include "kube/cronschedule.h"
#include "kube/objectutil.h"
#include "kube/workloadutil.h"

#include <algorithm>
#include <map>

namespace pilothouse::sim {

namespace {

using SysClock = std::chrono::system_clock;

// A Job-style condition (lastProbeTime and lastTransitionTime); true when something changed.
bool setJobCondition(Json &status, const std::string &condType, const std::string &value, const std::string &reason,
                     const std::string &message)
{
    Json &conds = status["conditions"];
    if (!conds.is_array())
        conds = Json::array();
    const std::string now = rfc3339Now();
    for (auto &c : conds) {
        if (c.value("type", "") != condType)
            continue;
        if (c.value("status", "") == value && c.value("reason", "") == reason && c.value("message", "") == message)
            return false;
        if (c.value("status", "") != value)
            c["lastTransitionTime"] = now;
        c["status"] = value;
        c["lastProbeTime"] = now;
        c["reason"] = reason;
        c["message"] = message;
        if (reason.empty())
            c.erase("reason");
        if (message.empty())
            c.erase("message");
        return true;
    }
    Json c = {{"type", condType}, {"status", value}, {"lastProbeTime", now}, {"lastTransitionTime", now}};
    if (!reason.empty())
        c["reason"] = reason;
    if (!message.empty())
        c["message"] = message;
    conds.push_back(c);
    return true;
}

std::string jobFinishedCondition(const Json &job)
{
    if (conditionIs(job, "Complete"))
        return "Complete";
    if (conditionIs(job, "Failed"))
        return "Failed";
    return {};
}

}  // namespace

JobController::JobController(Cluster &cluster) : m_cluster(cluster) {}

void JobController::reconcile()
{
    auto &store = m_cluster.store();
    const auto now = SysClock::now();
    for (const auto &o : store.list(rtype("batch", "cronjobs")).items)
        guarded([&] { syncCronJob(o, now); });
    for (const auto &o : store.list(rtype("batch", "jobs")).items)
        guarded([&] { syncJob(o); });
}

void JobController::syncJob(const ObjPtr &job)
{
    if (isTerminating(job->obj))
        return;
    const auto &jobType = rtype("batch", "jobs");
    const auto &podType = rtype("", "pods");
    const Json &j = job->obj;
    const std::string &ns = job->ns;
    const std::string &name = job->name;
    Json status = j.value("status", Json::object());
    if (!status.is_object())
        status = Json::object();
    struct Event {
        std::string type, reason, message;
    };
    std::vector<Event> events;

    std::vector<ObjPtr> active;
    long long succeeded = 0, failed = 0, readyPods = 0, restarts = 0;
    for (const auto &p : ownedBy(m_cluster.store(), *job, podType)) {
        const std::string phase = phaseOf(p->obj);
        // With restartPolicy OnFailure the kubelet restarts failed containers in place; those
        // restarts count against backoffLimit like failed pods.
        if (const Json *statuses = findPath(p->obj, "status.containerStatuses"); statuses && statuses->is_array())
            for (const auto &cs : *statuses)
                restarts += intAt(cs, "restartCount", 0);
        if (phase == "Succeeded")
            ++succeeded;
        else if (phase == "Failed")
            ++failed;
        else if (!isTerminating(p->obj)) {
            active.push_back(p);
            if (isPodReadyNotTerminating(p->obj))
                ++readyPods;
        }
    }
    auto deletePod = [&](const ObjPtr &p) {
        m_cluster.remove(podType, ns, p->name);
        events.push_back({"Normal", "SuccessfulDelete", "Deleted pod: " + p->name});
    };
    auto deleteActive = [&] {
        for (const auto &p : active)
            deletePod(p);
        active.clear();
        readyPods = 0;
    };

    const bool finished = !jobFinishedCondition(j).empty();
    const bool suspended = boolAt(j, "spec.suspend");
    const Json *completionsField = findPath(j, "spec.completions");
    const bool workQueue = !completionsField || completionsField->is_null();
    const long long completions = workQueue ? 1 : completionsField->get<long long>();
    const long long parallelism = intAt(j, "spec.parallelism", 1);
    const long long backoffLimit = intAt(j, "spec.backoffLimit", 6);

    if (finished) {
        deleteActive();
    } else if (suspended) {
        deleteActive();
        if (setJobCondition(status, "Suspended", "True", "JobSuspended", "Job suspended"))
            events.push_back({"Normal", "Suspended", "Job suspended"});
    } else {
        if (conditionIs(j, "Suspended")) {
            setJobCondition(status, "Suspended", "False", "JobResumed", "Job resumed");
            events.push_back({"Normal", "Resumed", "Job resumed"});
            status["startTime"] = rfc3339Now();  // a resumed Job starts its clock again
        }
        if (!status.contains("startTime"))
            status["startTime"] = rfc3339Now();
        const bool complete = workQueue ? succeeded > 0 && active.empty() : succeeded >= completions;
        if (complete) {
            deleteActive();
            status["completionTime"] = rfc3339Now();
            setJobCondition(status, "Complete", "True", "", "");
            events.push_back({"Normal", "Completed", "Job completed"});
        } else if (const Json *deadline = findPath(j, "spec.activeDeadlineSeconds");
                   deadline && deadline->is_number_integer() &&
                   SysClock::now() - parseRfc3339(status.value("startTime", "")) > std::chrono::seconds(deadline->get<long long>())) {
            deleteActive();
            setJobCondition(status, "Failed", "True", "DeadlineExceeded", "Job was active longer than specified deadline");
            events.push_back({"Warning", "DeadlineExceeded", "Job was active longer than specified deadline"});
        } else if (failed + restarts > backoffLimit) {
            deleteActive();
            setJobCondition(status, "Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
            events.push_back({"Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit"});
        } else {
            const long long wanted = workQueue ? (succeeded > 0 ? 0 : parallelism) : std::min(parallelism, completions - succeeded);
            const Json podTemplate = j["spec"].value("template", Json::object());
            for (auto n = static_cast<long long>(active.size()); n < wanted; ++n) {
                Json pod = podFromTemplate(podTemplate);
                Json &meta = pod["metadata"];
                meta["generateName"] = name + "-";
                meta["namespace"] = ns;
                meta["ownerReferences"] = Json::array({controllerOwnerRef(jobType, *job)});
                // The simulated run time and exit code may be set on the Job for all its pods.
                for (const char *key : {kRunSecondsAnnotation, kExitCodeAnnotation})
                    if (std::string v = annotationOf(j, key); !v.empty() && annotationOf(pod, key).empty())
                        meta["annotations"][key] = v;
                ObjPtr created = m_cluster.create(podType, ns, pod, {"", "kube-controller-manager", false});
                active.push_back(created);
                events.push_back({"Normal", "SuccessfulCreate", "Created pod: " + created->name});
            }
            while (static_cast<long long>(active.size()) > wanted) {
                deletePod(active.back());
                active.pop_back();
            }
        }
    }
    status["active"] = static_cast<long long>(active.size());
    status["succeeded"] = succeeded;
    status["failed"] = failed;
    status["ready"] = readyPods;
    if (!status.contains("uncountedTerminatedPods"))
        status["uncountedTerminatedPods"] = Json::object();
    eraseZero(status, {"active", "succeeded", "failed"});
    writeStatus(m_cluster, jobType, *job, status);
    for (const auto &e : events)
        m_cluster.recordEvent(j, e.type, e.reason, e.message, "job-controller");
}

void JobController::syncCronJob(const ObjPtr &cronJob, SysClock::time_point now)
{
    if (isTerminating(cronJob->obj))
        return;
    const auto &cjType = rtype("batch", "cronjobs");
    const auto &jobType = rtype("batch", "jobs");
    const Json &cj = cronJob->obj;
    const std::string &ns = cronJob->ns;
    const std::string &name = cronJob->name;
    Json status = cj.value("status", Json::object());
    if (!status.is_object())
        status = Json::object();
    auto record = [&](const char *type, const char *reason, const std::string &message) {
        m_cluster.recordEvent(cj, type, reason, message, "cronjob-controller");
    };

    // The active list keeps the Jobs that still run; finished ones update lastSuccessfulTime.
    const auto jobs = ownedBy(m_cluster.store(), *cronJob, jobType);
    std::map<std::string, ObjPtr> byUid;
    for (const auto &jb : jobs)
        byUid[jb->uid] = jb;
    Json active = Json::array();
    std::set<std::string> activeUids;
    if (const Json *list = findPath(status, "active"); list && list->is_array())
        for (const auto &ref : *list) {
            auto it = byUid.find(ref.value("uid", ""));
            if (it == byUid.end())
                continue;  // deleted meanwhile
            if (std::string cond = jobFinishedCondition(it->second->obj); !cond.empty()) {
                record("Normal", "SawCompletedJob", "Saw completed job: " + it->second->name + ", condition: " + cond);
                continue;
            }
            active.push_back(ref);
            activeUids.insert(ref.value("uid", ""));
        }
    std::vector<ObjPtr> succeededJobs, failedJobs;
    for (const auto &jb : jobs) {
        const std::string cond = jobFinishedCondition(jb->obj);
        if (cond.empty() && !activeUids.count(jb->uid) && !isTerminating(jb->obj) && m_reported.insert("unexpected/" + jb->uid).second)
            record("Warning", "UnexpectedJob", "Saw a job that the controller did not create or forgot: " + jb->name);
        if (cond == "Complete") {
            const std::string done = stringAt(jb->obj, "status.completionTime");
            if (!done.empty() && done > stringAt(status, "lastSuccessfulTime"))
                status["lastSuccessfulTime"] = done;
            succeededJobs.push_back(jb);
        } else if (cond == "Failed") {
            failedJobs.push_back(jb);
        }
    }
    // History limits: the oldest finished Jobs beyond them are deleted with their pods.
    auto prune = [&](std::vector<ObjPtr> &list, long long limit) {
        std::sort(list.begin(), list.end(), [](const ObjPtr &a, const ObjPtr &b) {
            return stringAt(a->obj, "status.startTime", stringAt(a->obj, "metadata.creationTimestamp")) <
                   stringAt(b->obj, "status.startTime", stringAt(b->obj, "metadata.creationTimestamp"));
        });
        for (size_t i = 0; static_cast<long long>(list.size() - i) > limit; ++i) {
            if (isTerminating(list[i]->obj))
                continue;
            m_cluster.remove(jobType, ns, list[i]->name, {{"propagationPolicy", "Background"}});
            record("Normal", "SuccessfulDelete", "Deleted job " + list[i]->name);
        }
    };
    prune(succeededJobs, intAt(cj, "spec.successfulJobsHistoryLimit", 3));
    prune(failedJobs, intAt(cj, "spec.failedJobsHistoryLimit", 1));

    std::string error;
    const auto schedule = CronSchedule::parse(stringAt(cj, "spec.schedule"), error);
    if (!schedule) {
        record("Warning", "InvalidSchedule", "invalid schedule: " + stringAt(cj, "spec.schedule") + " : " + error);
    } else if (!boolAt(cj, "spec.suspend")) {
        // The most recent scheduled time since the last run (or since creation) is due now; older
        // missed ones are not made up for. spec.timeZone is read as UTC (the controller's own zone).
        std::string since = stringAt(status, "lastScheduleTime");
        if (since.empty())
            since = stringAt(cj, "metadata.creationTimestamp");
        auto earliest = parseRfc3339(since);
        if (const Json *deadline = findPath(cj, "spec.startingDeadlineSeconds"); deadline && deadline->is_number_integer())
            earliest = std::max(earliest, now - std::chrono::seconds(deadline->get<long long>()));
        const auto due = schedule->previous(now);
        const std::string policy = stringAt(cj, "spec.concurrencyPolicy", "Allow");
        if (due && *due > earliest) {
            if (policy == "Forbid" && !active.empty()) {
                const std::string key = "forbid/" + cronJob->uid + "/" + rfc3339(*due);
                if (m_reported.insert(key).second)
                    record("Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
            } else {
                if (policy == "Replace")
                    for (const auto &ref : active) {
                        try {
                            m_cluster.remove(jobType, ns, ref.value("name", ""), {{"propagationPolicy", "Background"}});
                            record("Normal", "SuccessfulDelete", "Deleted job " + ref.value("name", ""));
                        } catch (const ApiException &) {
                        }
                    }
                if (policy == "Replace")
                    active = Json::array();
                const long long minutes = std::chrono::duration_cast<std::chrono::minutes>(due->time_since_epoch()).count();
                const std::string jobName = name + "-" + std::to_string(minutes);
                const Json jobTemplate = cj["spec"].value("jobTemplate", Json::object());
                Json meta = jobTemplate.value("metadata", Json::object());
                if (!meta.is_object())
                    meta = Json::object();
                meta["name"] = jobName;
                meta["namespace"] = ns;
                meta["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] = rfc3339(*due);
                meta["ownerReferences"] = Json::array({controllerOwnerRef(cjType, *cronJob)});
                Json job = {{"metadata", meta}, {"spec", jobTemplate.value("spec", Json::object())}};
                ObjPtr created;
                try {
                    created = m_cluster.create(jobType, ns, job, {"", "kube-controller-manager", false});
                    record("Normal", "SuccessfulCreate", "Created job " + jobName);
                } catch (const ApiException &e) {
                    if (e.reason() != "AlreadyExists")
                        throw;
                    created = m_cluster.store().get(jobType, ns, jobName);  // made by an earlier pass
                }
                if (created && !activeUids.count(created->uid) && jobFinishedCondition(created->obj).empty())
                    active.push_back({{"kind", "Job"}, {"namespace", ns}, {"name", created->name}, {"uid", created->uid},
                                      {"apiVersion", "batch/v1"}, {"resourceVersion", std::to_string(created->rv)}});
                status["lastScheduleTime"] = rfc3339(*due);
            }
        }
    }
    if (active.empty())
        status.erase("active");
    else
        status["active"] = active;
    writeStatus(m_cluster, cjType, *cronJob, status);
}

}  // namespace pilothouse::sim
