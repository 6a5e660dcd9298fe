// Integration tests of pilothouse-sim's StatefulSet, DaemonSet, Job and CronJob controllers and of
// cordoned nodes, through the API as a client sees them: pods watched as they come and go, status
// fields as kubectl's rollout status reads them.
#include "simprocess.h"

#include <QTest>

#include <chrono>
#include <set>

using namespace pilothouse::testsupport;

namespace {

const std::string kApps = "/apis/apps/v1/namespaces/demo";
const std::string kBatch = "/apis/batch/v1/namespaces/demo";
const std::string kPods = "/api/v1/namespaces/demo/pods";
constexpr const char *kMerge = "application/merge-patch+json";
constexpr const char *kStrategic = "application/strategic-merge-patch+json";

Json podTemplate(const std::string &app, const std::string &restartPolicy = {})
{
    Json spec = {{"containers", {{{"name", app}, {"image", "registry.pilothouse.local/demo/" + app + ":1.0"}}}}};
    if (!restartPolicy.empty())
        spec["restartPolicy"] = restartPolicy;
    return {{"metadata", {{"labels", {{"app", app}}}}}, {"spec", spec}};
}

long long num(const Json &o, const char *section, const char *key, long long fallback = 0)
{
    if (!o.is_object() || !o.contains(section) || !o[section].is_object() || !o[section].contains(key) || !o[section][key].is_number_integer())
        return fallback;
    return o[section][key].get<long long>();
}

std::string str(const Json &o, const char *section, const char *key)
{
    if (!o.is_object() || !o.contains(section) || !o[section].is_object() || !o[section].contains(key) || !o[section][key].is_string())
        return {};
    return o[section][key].get<std::string>();
}

bool ready(const Json &pod)
{
    if (pod.contains("metadata") && pod["metadata"].contains("deletionTimestamp"))
        return false;
    for (const auto &c : pod.value("status", Json::object()).value("conditions", Json::array()))
        if (c.value("type", "") == "Ready")
            return c.value("status", "") == "True";
    return false;
}

bool hasCondition(const Json &o, const char *type)
{
    for (const auto &c : o.value("status", Json::object()).value("conditions", Json::array()))
        if (c.value("type", "") == type && c.value("status", "") == "True")
            return true;
    return false;
}

std::string isoAgo(std::chrono::seconds ago)
{
    const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - ago);
    char buf[32];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// What a pod watch showed, in order: "ADDED db-0", "READY db-0", "DELETING db-2", "DELETED db-2".
class PodLog {
public:
    PodLog(const SimProcess &sim, const std::string &selector)
    {
        const std::string rv = sim.get(kPods + "?labelSelector=" + selector).json()["metadata"].value("resourceVersion", "");
        m_watch = std::make_unique<WatchStream>(sim, kPods + "?watch=true&labelSelector=" + selector + "&resourceVersion=" + rv);
    }
    // Reads what arrived; true once `entry` is among it.
    bool saw(const std::string &entry)
    {
        while (auto e = m_watch->next(0))
            add(*e);
        return std::find(m_entries.begin(), m_entries.end(), entry) != m_entries.end();
    }
    bool waitFor(const std::string &entry, int timeoutMs = 30000)
    {
        return eventually([&] { return saw(entry); }, timeoutMs);
    }
    int indexOf(const std::string &entry) const
    {
        auto it = std::find(m_entries.begin(), m_entries.end(), entry);
        return it == m_entries.end() ? -1 : static_cast<int>(it - m_entries.begin());
    }
    std::string text() const
    {
        std::string out;
        for (const auto &e : m_entries)
            out += e + "\n";
        return out;
    }

private:
    void add(const Json &e)
    {
        const std::string type = e.value("type", "");
        const Json &pod = e["object"];
        const std::string name = pod["metadata"].value("name", "");
        if (type == "ADDED")
            m_entries.push_back("ADDED " + name);
        if (type == "DELETED") {
            m_entries.push_back("DELETED " + name);
            m_ready.erase(name);
            return;
        }
        if (ready(pod) && m_ready.insert(name).second)
            m_entries.push_back("READY " + name);
        if (pod["metadata"].contains("deletionTimestamp") && m_deleting.insert(name + pod["metadata"].value("uid", "")).second) {
            m_entries.push_back("DELETING " + name);
            m_ready.erase(name);
        }
    }

    std::unique_ptr<WatchStream> m_watch;
    std::vector<std::string> m_entries;
    std::set<std::string> m_ready, m_deleting;
};

}  // namespace

class TestSimWorkloads : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;

    Json get(const std::string &path) const
    {
        Json j = m_sim->get(path).json();
        return j.is_object() ? j : Json::object();
    }
    std::vector<Json> items(const std::string &path) const
    {
        std::vector<Json> out;
        for (const auto &i : get(path).value("items", Json::array()))
            out.push_back(i);
        return out;
    }
    std::vector<Json> podsOf(const std::string &app) const { return items(kPods + "?labelSelector=app%3D" + app); }
    bool create(const std::string &collection, const Json &obj, std::string *body = nullptr) const
    {
        HttpReply r = m_sim->request("POST", collection, obj.dump());
        if (body)
            *body = r.body;
        return r.status == 201;
    }
    bool patch(const std::string &path, const Json &doc, const char *type = kMerge) const
    {
        return m_sim->request("PATCH", path, doc.dump(), type).status == 200;
    }
    // The StatefulSet status kubectl rollout status waits for (RollingUpdate with a partition of 0).
    bool statefulSetRolledOut(const Json &s) const
    {
        const long long replicas = num(s, "spec", "replicas", 1);
        return num(s, "metadata", "generation", 1) <= num(s, "status", "observedGeneration") && num(s, "status", "readyReplicas") >= replicas &&
               num(s, "status", "updatedReplicas") >= replicas && str(s, "status", "currentRevision") == str(s, "status", "updateRevision");
    }
    bool daemonSetRolledOut(const Json &d) const
    {
        const long long desired = num(d, "status", "desiredNumberScheduled", -1);
        return num(d, "metadata", "generation", 1) <= num(d, "status", "observedGeneration") && desired > 0 &&
               num(d, "status", "updatedNumberScheduled") >= desired && num(d, "status", "numberAvailable") >= desired;
    }
    std::set<std::string> nodesOf(const std::vector<Json> &pods) const
    {
        std::set<std::string> nodes;
        for (const auto &p : pods)
            nodes.insert(p["spec"].value("nodeName", ""));
        return nodes;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_sim = std::make_unique<SimProcess>(podTimings());
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
    }

    void cleanupTestCase() { m_sim.reset(); }

    void discoveryListsTheWorkloadKinds()
    {
        auto find = [](const Json &list, const std::string &name) {
            for (const auto &r : list.value("resources", Json::array()))
                if (r.value("name", "") == name)
                    return r;
            return Json();
        };
        const Json apps = get("/apis/apps/v1"), batch = get("/apis/batch/v1");
        JCOMPARE(find(apps, "statefulsets")["shortNames"], Json::array({"sts"}));
        JCOMPARE(find(apps, "daemonsets")["shortNames"], Json::array({"ds"}));
        JCOMPARE(find(batch, "cronjobs")["shortNames"], Json::array({"cj"}));
        JCOMPARE(find(batch, "cronjobs")["kind"], "CronJob");
        for (const char *sub : {"statefulsets/scale", "statefulsets/status", "daemonsets/status", "controllerrevisions"})
            QVERIFY2(find(apps, sub).is_object(), sub);
        for (const char *sub : {"jobs/status", "cronjobs/status"})
            QVERIFY2(find(batch, sub).is_object(), sub);
        JCOMPARE(find(apps, "statefulsets/scale")["kind"], "Scale");
        JCOMPARE(find(batch, "cronjobs")["verbs"], Json::array({"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}));
    }

    void statefulSetCreatesOrdinalsInOrder()
    {
        PodLog log(*m_sim, "app%3Ddb");
        Json sts = {{"apiVersion", "apps/v1"}, {"kind", "StatefulSet"}, {"metadata", {{"name", "db"}}},
                    {"spec", {{"replicas", 3}, {"serviceName", "db"}, {"selector", {{"matchLabels", {{"app", "db"}}}}}, {"template", podTemplate("db")}}}};
        std::string body;
        QVERIFY2(create(kApps + "/statefulsets", sts, &body), body.c_str());
        JCOMPARE(Json::parse(body)["spec"]["podManagementPolicy"], "OrderedReady");
        JCOMPARE(Json::parse(body)["spec"]["updateStrategy"], Json({{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 0}}}}));
        QVERIFY2(log.waitFor("READY db-2"), log.text().c_str());
        // OrderedReady: each ordinal is created only once the one before it is Ready.
        QVERIFY2(log.indexOf("ADDED db-0") < log.indexOf("READY db-0"), log.text().c_str());
        QVERIFY2(log.indexOf("READY db-0") < log.indexOf("ADDED db-1"), log.text().c_str());
        QVERIFY2(log.indexOf("READY db-1") < log.indexOf("ADDED db-2"), log.text().c_str());

        Json s;
        QVERIFY2(eventually([&] { return statefulSetRolledOut(s = get(kApps + "/statefulsets/db")); }, 10000), s.dump().c_str());
        QCOMPARE(num(s, "status", "replicas"), 3LL);
        QCOMPARE(num(s, "status", "currentReplicas"), 3LL);
        QCOMPARE(num(s, "status", "availableReplicas"), 3LL);
        QCOMPARE(num(s, "status", "collisionCount", -1), 0LL);
        const std::string revision = str(s, "status", "updateRevision");
        QVERIFY2(revision.rfind("db-", 0) == 0, revision.c_str());
        const Json pod = get(kPods + "/db-1");
        JCOMPARE(pod["metadata"]["labels"]["controller-revision-hash"], revision);
        JCOMPARE(pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"], "db-1");
        JCOMPARE(pod["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
        JCOMPARE(pod["metadata"]["ownerReferences"][0]["uid"], s["metadata"]["uid"]);
        JCOMPARE(pod["spec"]["hostname"], "db-1");
        JCOMPARE(pod["spec"]["subdomain"], "db");
        // The template's history, as kubectl rollout history reads it.
        const auto revisions = items(kApps + "/controllerrevisions");
        QVERIFY(std::any_of(revisions.begin(), revisions.end(), [&](const Json &r) { return r["metadata"].value("name", "") == revision && r.value("revision", 0) == 1; }));
    }

    void statefulSetScalesDownHighestOrdinalFirst()
    {
        PodLog log(*m_sim, "app%3Ddb");
        QVERIFY(patch(kApps + "/statefulsets/db/scale", {{"spec", {{"replicas", 1}}}}));
        JCOMPARE(get(kApps + "/statefulsets/db/scale")["spec"]["replicas"], 1);
        QVERIFY2(log.waitFor("DELETED db-1"), log.text().c_str());
        // One at a time: db-1 goes only once db-2 is gone.
        QVERIFY2(log.indexOf("DELETING db-2") >= 0 && log.indexOf("DELETED db-2") < log.indexOf("DELETING db-1"), log.text().c_str());
        QVERIFY2(log.indexOf("DELETING db-0") < 0, log.text().c_str());
        QVERIFY(eventually([&] { return num(get(kApps + "/statefulsets/db"), "status", "replicas") == 1; }, 10000));
        QCOMPARE(podsOf("db").size(), size_t(1));

        QVERIFY(patch(kApps + "/statefulsets/db/scale", {{"spec", {{"replicas", 3}}}}));
        QVERIFY2(log.waitFor("READY db-2"), log.text().c_str());
        QVERIFY2(log.indexOf("READY db-1") < log.indexOf("ADDED db-2"), log.text().c_str());
    }

    void statefulSetRollingRestartReplacesFromTheTop()
    {
        Json before = get(kApps + "/statefulsets/db");
        QVERIFY(statefulSetRolledOut(before));
        const std::string oldRevision = str(before, "status", "updateRevision");
        PodLog log(*m_sim, "app%3Ddb");
        // What `kubectl rollout restart` sends.
        QVERIFY(patch(kApps + "/statefulsets/db",
                      {{"spec", {{"template", {{"metadata", {{"annotations", {{"kubectl.kubernetes.io/restartedAt", "2024-09-02T08:00:00Z"}}}}}}}}}},
                      kStrategic));
        Json s;
        QVERIFY2(eventually([&] { return str(s = get(kApps + "/statefulsets/db"), "status", "updateRevision") != oldRevision; }, 5000), s.dump().c_str());
        QVERIFY2(!statefulSetRolledOut(s), s.dump().c_str());
        QVERIFY2(eventually([&] { return statefulSetRolledOut(s = get(kApps + "/statefulsets/db")); }, 30000), s.dump().c_str());
        QVERIFY2(log.saw("READY db-0"), log.text().c_str());
        // Highest ordinal first, each replacement Ready before the next pod is deleted.
        QVERIFY2(log.indexOf("DELETING db-2") < log.indexOf("READY db-2"), log.text().c_str());
        QVERIFY2(log.indexOf("READY db-2") < log.indexOf("DELETING db-1"), log.text().c_str());
        QVERIFY2(log.indexOf("READY db-1") < log.indexOf("DELETING db-0"), log.text().c_str());
        const std::string newRevision = str(s, "status", "updateRevision");
        for (const auto &p : podsOf("db"))
            JCOMPARE(p["metadata"]["labels"]["controller-revision-hash"], newRevision);
        QCOMPARE(num(s, "status", "currentReplicas"), 3LL);
        QCOMPARE(items(kApps + "/controllerrevisions?labelSelector=app%3Ddb").size(), size_t(2));
    }

    void daemonSetRunsOnePodPerNode()
    {
        Json ds = {{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"metadata", {{"name", "agent"}}},
                   {"spec", {{"selector", {{"matchLabels", {{"app", "agent"}}}}}, {"template", podTemplate("agent")}}}};
        std::string body;
        QVERIFY2(create(kApps + "/daemonsets", ds, &body), body.c_str());
        Json d;
        QVERIFY2(eventually([&] { return daemonSetRolledOut(d = get(kApps + "/daemonsets/agent")); }, 15000), d.dump().c_str());
        QCOMPARE(num(d, "status", "desiredNumberScheduled"), 2LL);
        QCOMPARE(num(d, "status", "numberReady"), 2LL);
        QCOMPARE(num(d, "status", "currentNumberScheduled"), 2LL);
        QCOMPARE(num(d, "status", "numberMisscheduled", -1), 0LL);
        QCOMPARE(nodesOf(podsOf("agent")), (std::set<std::string>{"node-1", "node-2"}));

        // A node that joins gets its daemon pod.
        QCOMPARE(m_sim->request("POST", "/api/v1/nodes", Json({{"metadata", {{"name", "node-3"}, {"labels", {{"kubernetes.io/hostname", "node-3"}}}}}}).dump()).status, 201);
        QVERIFY(patch("/api/v1/nodes/node-3/status", {{"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}}}}}}}));
        QVERIFY2(eventually([&] { return daemonSetRolledOut(d = get(kApps + "/daemonsets/agent")) && num(d, "status", "desiredNumberScheduled") == 3; }, 15000),
                 d.dump().c_str());
        QCOMPARE(nodesOf(podsOf("agent")), (std::set<std::string>{"node-1", "node-2", "node-3"}));
        const Json pod = podsOf("agent").front();
        JCOMPARE(pod["metadata"]["ownerReferences"][0]["kind"], "DaemonSet");
        QVERIFY(pod["metadata"]["labels"].contains("controller-revision-hash"));
    }

    void cordonedNodeTakesNoNewPodsButDaemonPods()
    {
        // kubectl cordon: a strategic merge patch of spec.unschedulable.
        QVERIFY(patch("/api/v1/nodes/node-2", {{"spec", {{"unschedulable", true}}}}, kStrategic));
        QVERIFY(eventually([&] {
            for (const auto &t : get("/api/v1/nodes/node-2")["spec"].value("taints", Json::array()))
                if (t.value("key", "") == "node.kubernetes.io/unschedulable" && t.value("effect", "") == "NoSchedule")
                    return true;
            return false;
        }, 5000));
        Json dep = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", "spread"}}},
                    {"spec", {{"replicas", 6}, {"selector", {{"matchLabels", {{"app", "spread"}}}}}, {"template", podTemplate("spread")}}}};
        QVERIFY(create(kApps + "/deployments", dep));
        QVERIFY(eventually([&] { return num(get(kApps + "/deployments/spread"), "status", "readyReplicas") == 6; }, 20000));
        QCOMPARE(nodesOf(podsOf("spread")), (std::set<std::string>{"node-1", "node-3"}));

        // Daemon pods tolerate the cordon: a restarted DaemonSet puts its pod back on node-2.
        QVERIFY(patch(kApps + "/daemonsets/agent",
                      {{"spec", {{"template", {{"metadata", {{"annotations", {{"kubectl.kubernetes.io/restartedAt", "2024-09-02T08:00:00Z"}}}}}}}}}}, kStrategic));
        Json d;
        QVERIFY2(eventually([&] {
                     d = get(kApps + "/daemonsets/agent");
                     return num(d, "status", "observedGeneration") == num(d, "metadata", "generation") && daemonSetRolledOut(d);
                 }, 30000),
                 d.dump().c_str());
        const auto agents = podsOf("agent");
        QCOMPARE(nodesOf(agents), (std::set<std::string>{"node-1", "node-2", "node-3"}));
        for (const auto &p : agents)
            QVERIFY(p["metadata"]["annotations"].contains("kubectl.kubernetes.io/restartedAt"));

        // A pod that may only run on node-2 waits, and the scheduler says why.
        Json pinned = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "pinned"}, {"labels", {{"app", "pinned"}}}}},
                       {"spec", {{"nodeSelector", {{"kubernetes.io/hostname", "node-2"}}}, {"containers", {{{"name", "c"}, {"image", "busybox:1.36"}}}}}}};
        QVERIFY(create(kPods, pinned));
        Json pod;
        QVERIFY2(eventually([&] {
                     pod = get(kPods + "/pinned");
                     for (const auto &c : pod["status"].value("conditions", Json::array()))
                         if (c.value("type", "") == "PodScheduled" && c.value("reason", "") == "Unschedulable")
                             return c.value("message", "").find("1 node(s) were unschedulable") != std::string::npos;
                     return false;
                 }, 10000),
                 pod.dump().c_str());
        QVERIFY(!pod["spec"].contains("nodeName"));

        // kubectl uncordon: unschedulable removed (a strategic merge patch to null); the pod goes there.
        QVERIFY(patch("/api/v1/nodes/node-2", {{"spec", {{"unschedulable", nullptr}}}}, kStrategic));
        QVERIFY(eventually([&] { return !get("/api/v1/nodes/node-2")["spec"].contains("taints"); }, 5000));
        QVERIFY2(eventually([&] { return ready(pod = get(kPods + "/pinned")); }, 10000), pod.dump().c_str());
        JCOMPARE(pod["spec"]["nodeName"], "node-2");
    }

    void jobRunsItsPodsToCompletion()
    {
        Json tmpl = podTemplate("report", "Never");
        Json job = {{"apiVersion", "batch/v1"}, {"kind", "Job"},
                    {"metadata", {{"name", "report"}, {"annotations", {{"pilothouse.dev/run-seconds", "0.3"}}}}},
                    {"spec", {{"completions", 2}, {"template", tmpl}}}};
        std::string body;
        QVERIFY2(create(kBatch + "/jobs", job, &body), body.c_str());
        const Json created = Json::parse(body);
        const std::string uid = created["metadata"].value("uid", "");
        JCOMPARE(created["spec"]["selector"], Json({{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}}));
        JCOMPARE(created["spec"]["parallelism"], 1);
        JCOMPARE(created["spec"]["backoffLimit"], 6);
        Json j;
        QVERIFY2(eventually([&] { return hasCondition(j = get(kBatch + "/jobs/report"), "Complete"); }, 20000), j.dump().c_str());
        QCOMPARE(num(j, "status", "succeeded"), 2LL);
        QCOMPARE(num(j, "status", "active"), 0LL);
        QVERIFY(!str(j, "status", "startTime").empty());
        QVERIFY(!str(j, "status", "completionTime").empty());
        const auto pods = podsOf("report");
        QCOMPARE(pods.size(), size_t(2));
        for (const auto &p : pods) {
            JCOMPARE(p["status"]["phase"], "Succeeded");
            JCOMPARE(p["metadata"]["labels"]["job-name"], "report");
            JCOMPARE(p["metadata"]["labels"]["batch.kubernetes.io/job-name"], "report");
            JCOMPARE(p["metadata"]["labels"]["controller-uid"], uid);
            JCOMPARE(p["metadata"]["ownerReferences"][0]["kind"], "Job");
            JCOMPARE(p["status"]["containerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
        }
        // Pods that would restart forever are not a Job's.
        Json bad = job;
        bad["metadata"]["name"] = "forever";
        bad["spec"]["template"]["spec"].erase("restartPolicy");
        QVERIFY(!create(kBatch + "/jobs", bad, &body));
        QVERIFY2(body.find("spec.template.spec.restartPolicy") != std::string::npos, body.c_str());
    }

    void jobWhosePodsFailStopsAtItsBackoffLimit()
    {
        Json tmpl = podTemplate("flaky", "Never");
        tmpl["metadata"]["annotations"] = {{"pilothouse.dev/run-seconds", "0.1"}, {"pilothouse.dev/exit-code", "1"}};
        Json job = {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", "flaky"}}}, {"spec", {{"backoffLimit", 1}, {"template", tmpl}}}};
        QVERIFY(create(kBatch + "/jobs", job));
        Json j;
        QVERIFY2(eventually([&] { return hasCondition(j = get(kBatch + "/jobs/flaky"), "Failed"); }, 20000), j.dump().c_str());
        QCOMPARE(num(j, "status", "failed"), 2LL);
        JCOMPARE(j["status"]["conditions"][0]["reason"], "BackoffLimitExceeded");

        // With OnFailure the kubelet restarts the container in place; the restarts count.
        tmpl["spec"]["restartPolicy"] = "OnFailure";
        tmpl["metadata"]["labels"]["app"] = "crashy";
        job = {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", "crashy"}}}, {"spec", {{"backoffLimit", 2}, {"template", tmpl}}}};
        QVERIFY(create(kBatch + "/jobs", job));
        long long restarts = 0;
        QVERIFY(eventually([&] {
            for (const auto &p : podsOf("crashy"))
                for (const auto &cs : p["status"].value("containerStatuses", Json::array()))
                    restarts = std::max(restarts, cs.value("restartCount", 0LL));
            return restarts >= 2;
        }, 20000));
        QVERIFY2(eventually([&] { return hasCondition(j = get(kBatch + "/jobs/crashy"), "Failed"); }, 20000), j.dump().c_str());
        QVERIFY(!j["status"].contains("failed"));  // no pod failed; its container did, three times
        QVERIFY(eventually([&] { return podsOf("crashy").empty(); }, 10000));
    }

    void suspendedJobCreatesNoPods()
    {
        Json held = {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", "held"}}},
                     {"spec", {{"suspend", true}, {"template", podTemplate("held", "OnFailure")}}}};
        held["spec"]["template"]["metadata"]["annotations"] = {{"pilothouse.dev/run-seconds", "0.2"}};
        QVERIFY(create(kBatch + "/jobs", held));
        // The controller has seen it once it says so; then it has made no pod.
        Json j;
        QVERIFY2(eventually([&] { return hasCondition(j = get(kBatch + "/jobs/held"), "Suspended"); }, 10000), j.dump().c_str());
        QVERIFY(podsOf("held").empty());
        QVERIFY(str(j, "status", "startTime").empty());

        QVERIFY(patch(kBatch + "/jobs/held", {{"spec", {{"suspend", false}}}}));
        QVERIFY2(eventually([&] { return hasCondition(j = get(kBatch + "/jobs/held"), "Complete"); }, 20000), j.dump().c_str());
        QCOMPARE(podsOf("held").size(), size_t(1));
    }

    void cronJobScheduleCreatesJobs()
    {
        auto cronJob = [](const std::string &name, bool suspend) {
            Json tmpl = podTemplate(name, "OnFailure");
            return Json{{"apiVersion", "batch/v1"}, {"kind", "CronJob"}, {"metadata", {{"name", name}}},
                        {"spec", {{"schedule", "*/5 * * * *"}, {"suspend", suspend}, {"successfulJobsHistoryLimit", 1},
                                  {"jobTemplate", {{"metadata", {{"annotations", {{"pilothouse.dev/run-seconds", "0.2"}}}}},
                                                   {"spec", {{"template", tmpl}}}}}}}};
        };
        std::string body;
        QVERIFY2(create(kBatch + "/cronjobs", cronJob("paused", true), &body), body.c_str());
        QVERIFY2(create(kBatch + "/cronjobs", cronJob("tick", false), &body), body.c_str());
        JCOMPARE(Json::parse(body)["spec"]["concurrencyPolicy"], "Allow");
        JCOMPARE(Json::parse(body)["spec"]["failedJobsHistoryLimit"], 1);
        // Both were last scheduled an hour ago: the most recent */5 time since then is due now
        // (or the next one, should a multiple of five minutes pass meanwhile).
        const long long dueMinutes = std::chrono::duration_cast<std::chrono::minutes>(std::chrono::system_clock::now().time_since_epoch()).count() / 5 * 5;
        const std::string anHourAgo = isoAgo(std::chrono::hours(1));
        for (const char *name : {"paused", "tick"})
            QVERIFY(patch(kBatch + "/cronjobs/" + name + "/status", {{"status", {{"lastScheduleTime", anHourAgo}}}}));
        Json job;
        QVERIFY2(eventually([&] {
                     for (const auto &j : items(kBatch + "/jobs"))
                         if (j["metadata"].value("name", "").rfind("tick-", 0) == 0)
                             return (job = j), true;
                     return false;
                 }, 10000),
                 get(kBatch + "/cronjobs/tick").dump().c_str());
        const std::string jobName = job["metadata"].value("name", "");
        QVERIFY2(jobName == "tick-" + std::to_string(dueMinutes) || jobName == "tick-" + std::to_string(dueMinutes + 5), jobName.c_str());
        JCOMPARE(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
        QVERIFY(job["metadata"]["annotations"].contains("batch.kubernetes.io/cronjob-scheduled-timestamp"));
        // The paused one was looked at in the same pass (the controller goes through all of them) and made nothing.
        for (const auto &j : items(kBatch + "/jobs"))
            QVERIFY2(j["metadata"].value("name", "").rfind("paused-", 0) != 0, j.dump().c_str());

        Json cj = get(kBatch + "/cronjobs/tick");
        QVERIFY2(str(cj, "status", "lastScheduleTime") > anHourAgo, cj.dump().c_str());
        // The Job runs, completes, and leaves the active list for lastSuccessfulTime.
        QVERIFY2(eventually([&] {
                     cj = get(kBatch + "/cronjobs/tick");
                     return !str(cj, "status", "lastSuccessfulTime").empty() && !cj["status"].contains("active");
                 }, 20000),
                 cj.dump().c_str());
        QVERIFY(hasCondition(get(kBatch + "/jobs/" + jobName), "Complete"));

        // Resumed, the paused one runs its most recent time too.
        QVERIFY(patch(kBatch + "/cronjobs/paused", {{"spec", {{"suspend", false}}}}));
        QVERIFY(eventually([&] {
            for (const auto &j : items(kBatch + "/jobs"))
                if (j["metadata"].value("name", "").rfind("paused-", 0) == 0)
                    return true;
            return false;
        }, 10000));
    }

    void cronJobScheduleIsValidated()
    {
        Json cj = {{"apiVersion", "batch/v1"}, {"kind", "CronJob"}, {"metadata", {{"name", "bad"}}},
                   {"spec", {{"schedule", "61 * * * *"}, {"jobTemplate", {{"spec", {{"template", podTemplate("bad", "Never")}}}}}}}};
        std::string body;
        QVERIFY(!create(kBatch + "/cronjobs", cj, &body));
        QVERIFY2(body.find("spec.schedule: Invalid value: \\\"61 * * * *\\\": end of range (61) above maximum (59)") != std::string::npos, body.c_str());
        cj["spec"]["schedule"] = "@daily";
        cj["spec"]["timeZone"] = "Mars/Olympus_Mons";
        QVERIFY(!create(kBatch + "/cronjobs", cj, &body));
        QVERIFY2(body.find("spec.timeZone: Invalid value: \\\"Mars/Olympus_Mons\\\": unknown time zone Mars/Olympus_Mons") != std::string::npos, body.c_str());
        cj["spec"]["timeZone"] = "Etc/UTC";
        QVERIFY2(create(kBatch + "/cronjobs", cj, &body), body.c_str());
    }

    void tablesHaveTheServersColumns()
    {
        auto columns = [&](const std::string &path) {
            std::vector<std::string> names;
            HttpReply r = m_sim->request("GET", path, {}, {}, Identity::Admin, {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}});
            for (const auto &c : r.json().value("columnDefinitions", Json::array()))
                if (c.value("priority", 0) == 0)
                    names.push_back(c.value("name", ""));
            return names;
        };
        QCOMPARE(columns(kApps + "/statefulsets"), (std::vector<std::string>{"Name", "Ready", "Age"}));
        QCOMPARE(columns(kApps + "/daemonsets"),
                 (std::vector<std::string>{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"}));
        QCOMPARE(columns(kBatch + "/jobs"), (std::vector<std::string>{"Name", "Status", "Completions", "Duration", "Age"}));
        QCOMPARE(columns(kBatch + "/cronjobs"), (std::vector<std::string>{"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age"}));
        HttpReply r = m_sim->request("GET", kBatch + "/jobs/report", {}, {}, Identity::Admin, {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}});
        const Json cells = r.json()["rows"][0]["cells"];
        JCOMPARE(cells[1], "Complete");
        JCOMPARE(cells[2], "2/2");
    }
};

QTEST_GUILESS_MAIN(TestSimWorkloads)
#include "tst_simworkloads.moc"
