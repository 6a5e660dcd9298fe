// Integration tests of pilothouse-sim's storage, quota, policy and RBAC kinds through the API:
// discovery, claim binding and dynamic provisioning (Immediate and WaitForFirstConsumer), volumes
// released by deleted claims, StatefulSet volumeClaimTemplates, the scheduler waiting for claims,
// quota and disruption budget status, and the Table columns kubectl prints.
#include "simprocess.h"

#include <QTest>

#include <set>

using namespace pilothouse::testsupport;

namespace {

const std::string kCore = "/api/v1";
const std::string kClaims = "/api/v1/namespaces/demo/persistentvolumeclaims";
const std::string kVolumes = "/api/v1/persistentvolumes";
const std::string kClasses = "/apis/storage.k8s.io/v1/storageclasses";
const std::string kPods = "/api/v1/namespaces/demo/pods";
const std::map<std::string, std::string> kTableAccept = {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}};

std::string at(const Json &o, std::initializer_list<const char *> path)
{
    const Json *cur = &o;
    for (const char *key : path) {
        if (!cur->is_object() || !cur->contains(key))
            return {};
        cur = &(*cur)[key];
    }
    return cur->is_string() ? cur->get<std::string>() : cur->is_null() ? std::string() : cur->dump();
}

Json claim(const std::string &name, const std::string &size, const Json &storageClass = nullptr)
{
    Json c = {{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}, {"metadata", {{"name", name}}},
              {"spec", {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", size}}}}}}}};
    if (!storageClass.is_null())
        c["spec"]["storageClassName"] = storageClass;
    return c;
}

Json storageClass(const std::string &name, const std::string &bindingMode, const std::string &reclaim, bool isDefault = false)
{
    Json sc = {{"apiVersion", "storage.k8s.io/v1"}, {"kind", "StorageClass"}, {"metadata", {{"name", name}}},
               {"provisioner", "sim.pilothouse.dev/hostpath"}, {"volumeBindingMode", bindingMode}, {"reclaimPolicy", reclaim}};
    if (isDefault)
        sc["metadata"]["annotations"] = {{"storageclass.kubernetes.io/is-default-class", "true"}};
    return sc;
}

Json podWithClaim(const std::string &name, const std::string &claimName, const Json &requests = nullptr)
{
    Json container = {{"name", "app"}, {"image", "registry.pilothouse.local/demo/app:1.0"}};
    if (!requests.is_null())
        container["resources"] = {{"requests", requests}};
    Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
                {"spec", {{"containers", Json::array({container})}}}};
    if (!claimName.empty())
        pod["spec"]["volumes"] = Json::array({{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", claimName}}}}});
    return pod;
}

}  // namespace

class TestSimStorage : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;

    Json get(const std::string &path) const { return m_sim->get(path).json(); }
    int status(const std::string &path) const { return m_sim->get(path).status; }
    bool create(const std::string &path, const Json &obj, std::string *body = nullptr) const
    {
        HttpReply r = m_sim->request("POST", path, obj.dump());
        if (body)
            *body = r.body;
        return r.status == 201;
    }
    int remove(const std::string &path) const { return m_sim->request("DELETE", path).status; }
    Json table(const std::string &path) const { return m_sim->request("GET", path, {}, {}, Identity::Admin, kTableAccept).json(); }
    static std::vector<std::string> columns(const Json &table, bool all = false)
    {
        std::vector<std::string> out;
        for (const auto &c : table.value("columnDefinitions", Json::array()))
            if (all || c.value("priority", 0) == 0)
                out.push_back(c.value("name", ""));
        return out;
    }
    // The cells of the row whose first cell is `name`.
    static Json row(const Json &table, const std::string &name)
    {
        for (const auto &r : table.value("rows", Json::array()))
            if (!r["cells"].empty() && r["cells"][0] == name)
                return r["cells"];
        return Json::array();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_sim = std::make_unique<SimProcess>(podTimings());
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
    }

    void cleanupTestCase() { m_sim.reset(); }

    void discoveryListsTheKinds()
    {
        auto find = [&](const std::string &gv, const std::string &name) {
            for (const auto &r : get(gv).value("resources", Json::array()))
                if (r.value("name", "") == name)
                    return r;
            return Json();
        };
        const Json all = Json::array({"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"});
        struct Expected {
            std::string gv, plural, shortName, kind;
            bool namespaced;
        };
        for (const auto &e : std::vector<Expected>{{kCore, "persistentvolumeclaims", "pvc", "PersistentVolumeClaim", true},
                                                   {kCore, "persistentvolumes", "pv", "PersistentVolume", false},
                                                   {kCore, "resourcequotas", "quota", "ResourceQuota", true},
                                                   {kCore, "limitranges", "limits", "LimitRange", true},
                                                   {"/apis/storage.k8s.io/v1", "storageclasses", "sc", "StorageClass", false},
                                                   {"/apis/networking.k8s.io/v1", "networkpolicies", "netpol", "NetworkPolicy", true},
                                                   {"/apis/policy/v1", "poddisruptionbudgets", "pdb", "PodDisruptionBudget", true},
                                                   {"/apis/rbac.authorization.k8s.io/v1", "roles", "", "Role", true},
                                                   {"/apis/rbac.authorization.k8s.io/v1", "rolebindings", "", "RoleBinding", true},
                                                   {"/apis/rbac.authorization.k8s.io/v1", "clusterroles", "", "ClusterRole", false},
                                                   {"/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", "", "ClusterRoleBinding", false}}) {
            const Json r = find(e.gv, e.plural);
            QVERIFY2(r.is_object(), e.plural.c_str());
            JCOMPARE(r["kind"], e.kind);
            JCOMPARE(r["namespaced"], e.namespaced);
            JCOMPARE(r["verbs"], all);
            if (!e.shortName.empty())
                JCOMPARE(r["shortNames"], Json::array({e.shortName}));
            else
                QVERIFY2(!r.contains("shortNames"), e.plural.c_str());
        }
        QVERIFY(find(kCore, "persistentvolumeclaims/status").is_object());
        QVERIFY(find(kCore, "persistentvolumes/status").is_object());

        // The aggregated form kubectl asks for: the scope of the cluster-wide kinds.
        HttpReply agg = m_sim->request("GET", "/apis", {}, {}, Identity::Admin,
                                       {{"Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"}});
        std::map<std::string, std::string> scopes;
        const Json groups = agg.json();
        for (const auto &g : groups["items"])
            for (const auto &v : g["versions"])
                for (const auto &r : v["resources"])
                    scopes[g["metadata"].value("name", "") + "/" + r.value("resource", "")] = r.value("scope", "");
        QCOMPARE(scopes["storage.k8s.io/storageclasses"], std::string("Cluster"));
        QCOMPARE(scopes["rbac.authorization.k8s.io/clusterroles"], std::string("Cluster"));
        QCOMPARE(scopes["networking.k8s.io/networkpolicies"], std::string("Namespaced"));
        QCOMPARE(scopes["policy/poddisruptionbudgets"], std::string("Namespaced"));
    }

    void claimGetsTheDefaultClassAndAProvisionedVolume()
    {
        std::string body;
        QVERIFY2(create(kClasses, storageClass("fast", "Immediate", "Delete", true), &body), body.c_str());
        QVERIFY2(create(kClaims, claim("cache", "3Gi"), &body), body.c_str());
        // The DefaultStorageClass admission names the class at once; the claim starts Pending.
        const Json made = Json::parse(body);
        JCOMPARE(made["spec"]["storageClassName"], "fast");
        JCOMPARE(made["spec"]["volumeMode"], "Filesystem");
        JCOMPARE(made["status"]["phase"], "Pending");

        Json c;
        QVERIFY2(eventually([&] { return at(c = get(kClaims + "/cache"), {"status", "phase"}) == "Bound"; }, 10000), c.dump().c_str());
        const std::string volumeName = at(c, {"spec", "volumeName"});
        QCOMPARE(volumeName, "pvc-" + at(c, {"metadata", "uid"}));
        JCOMPARE(c["status"]["capacity"]["storage"], "3Gi");
        JCOMPARE(c["status"]["accessModes"], Json::array({"ReadWriteOnce"}));
        JCOMPARE(c["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"], "yes");
        JCOMPARE(c["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"], "sim.pilothouse.dev/hostpath");

        const Json pv = get(kVolumes + "/" + volumeName);
        JCOMPARE(pv["status"]["phase"], "Bound");
        JCOMPARE(pv["spec"]["claimRef"]["uid"], c["metadata"]["uid"]);
        JCOMPARE(pv["spec"]["claimRef"]["namespace"], "demo");
        JCOMPARE(pv["spec"]["claimRef"]["name"], "cache");
        JCOMPARE(pv["spec"]["capacity"]["storage"], "3Gi");
        JCOMPARE(pv["spec"]["storageClassName"], "fast");
        JCOMPARE(pv["spec"]["persistentVolumeReclaimPolicy"], "Delete");
        JCOMPARE(pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"], "sim.pilothouse.dev/hostpath");

        // The claim's events, as kubectl describe shows them.
        std::set<std::string> reasons;
        for (const auto &e : get("/api/v1/namespaces/demo/events?fieldSelector=involvedObject.name%3Dcache").value("items", Json::array()))
            reasons.insert(e.value("reason", ""));
        QVERIFY(reasons.count("Provisioning") && reasons.count("ProvisioningSucceeded"));

        // Under the Delete policy the volume goes with its claim.
        QCOMPARE(remove(kClaims + "/cache"), 200);
        QVERIFY(eventually([&] { return status(kVolumes + "/" + volumeName) == 404; }, 10000));
    }

    void staticVolumeBindsAndIsReleased()
    {
        // Two hand-made volumes without a class: the claim takes the smallest that fits.
        for (const auto &[name, size] : std::vector<std::pair<std::string, std::string>>{{"manual-10", "10Gi"}, {"manual-5", "5Gi"}}) {
            Json pv = {{"apiVersion", "v1"}, {"kind", "PersistentVolume"}, {"metadata", {{"name", name}}},
                       {"spec", {{"capacity", {{"storage", size}}}, {"accessModes", {"ReadWriteOnce"}}, {"storageClassName", ""},
                                 {"hostPath", {{"path", "/srv/" + name}}}}}};
            std::string body;
            QVERIFY2(create(kVolumes, pv, &body), body.c_str());
            JCOMPARE(Json::parse(body)["spec"]["persistentVolumeReclaimPolicy"], "Retain");
        }
        QVERIFY(eventually([&] { return at(get(kVolumes + "/manual-5"), {"status", "phase"}) == "Available"; }, 10000));
        QVERIFY(create(kClaims, claim("archive", "4Gi", "")));
        Json c;
        QVERIFY2(eventually([&] { return at(c = get(kClaims + "/archive"), {"status", "phase"}) == "Bound"; }, 10000), c.dump().c_str());
        JCOMPARE(c["spec"]["volumeName"], "manual-5");
        JCOMPARE(c["status"]["capacity"]["storage"], "5Gi");
        JCOMPARE(c["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"], "yes");
        JCOMPARE(get(kVolumes + "/manual-10")["status"]["phase"], "Available");

        // Retain: the volume outlives the claim, Released and still holding its claimRef.
        QCOMPARE(remove(kClaims + "/archive"), 200);
        Json pv;
        QVERIFY2(eventually([&] { return at(pv = get(kVolumes + "/manual-5"), {"status", "phase"}) == "Released"; }, 10000), pv.dump().c_str());
        JCOMPARE(pv["spec"]["claimRef"]["name"], "archive");
        QCOMPARE(remove(kVolumes + "/manual-5"), 200);
        QCOMPARE(remove(kVolumes + "/manual-10"), 200);
    }

    void claimSpecIsImmutableAndValidated()
    {
        HttpReply bad = m_sim->request("POST", kClaims, Json({{"metadata", {{"name", "no-modes"}}}, {"spec", {{"resources", {{"requests", {{"storage", "1Gi"}}}}}}}}).dump());
        QCOMPARE(bad.status, 422);
        QVERIFY2(bad.body.find("at least 1 access mode is required") != std::string::npos, bad.body.c_str());

        QVERIFY(create(kClaims, claim("fixed", "1Gi")));
        HttpReply change = m_sim->request("PATCH", kClaims + "/fixed", Json({{"spec", {{"accessModes", {"ReadWriteMany"}}}}}).dump(),
                                          "application/merge-patch+json");
        QCOMPARE(change.status, 422);
        QVERIFY2(change.body.find("spec is immutable after creation") != std::string::npos, change.body.c_str());
        // Growing the request is allowed (the class allows expansion).
        HttpReply grow = m_sim->request("PATCH", kClaims + "/fixed", Json({{"spec", {{"resources", {{"requests", {{"storage", "2Gi"}}}}}}}}).dump(),
                                        "application/merge-patch+json");
        QCOMPARE(grow.status, 200);
        QCOMPARE(remove(kClaims + "/fixed"), 200);
    }

    void waitForFirstConsumerProvisionsOnThePodsNode()
    {
        QVERIFY(create(kClasses, storageClass("local", "WaitForFirstConsumer", "Delete")));
        QVERIFY(create(kClaims, claim("scratch", "1Gi", "local")));
        // No pod yet: the claim waits, and says so once.
        QVERIFY(eventually([&] {
            for (const auto &e : get("/api/v1/namespaces/demo/events?fieldSelector=involvedObject.name%3Dscratch").value("items", Json::array()))
                if (e.value("reason", "") == "WaitForFirstConsumer")
                    return true;
            return false;
        }, 10000));
        JCOMPARE(get(kClaims + "/scratch")["status"]["phase"], "Pending");

        QVERIFY(create(kPods, podWithClaim("scratch-user", "scratch")));
        Json pod;
        QVERIFY2(eventually([&] { return at(pod = get(kPods + "/scratch-user"), {"status", "phase"}) == "Running"; }, 15000), pod.dump().c_str());
        const std::string node = at(pod, {"spec", "nodeName"});
        const Json c = get(kClaims + "/scratch");
        JCOMPARE(c["status"]["phase"], "Bound");
        JCOMPARE(c["metadata"]["annotations"]["volume.kubernetes.io/selected-node"], node);
        const Json pv = get(kVolumes + "/" + at(c, {"spec", "volumeName"}));
        JCOMPARE(pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchFields"][0]["values"], Json::array({node}));
    }

    void podWaitsForItsClaim()
    {
        QVERIFY(create(kPods, podWithClaim("needs-claim", "later")));
        Json pod;
        QVERIFY2(eventually([&] {
                     pod = get(kPods + "/needs-claim");
                     for (const auto &c : pod.value("status", Json::object()).value("conditions", Json::array()))
                         if (c.value("type", "") == "PodScheduled" && c.value("status", "") == "False")
                             return c.value("message", "").find("persistentvolumeclaim \"later\" not found") != std::string::npos;
                     return false;
                 }, 10000),
                 pod.dump().c_str());
        QVERIFY(at(pod, {"spec", "nodeName"}).empty());
        // The claim's arrival (and binding) brings the pod back to the scheduler at once, not at the
        // next resync.
        QVERIFY(create(kClaims, claim("later", "1Gi")));
        QVERIFY2(eventually([&] { return at(pod = get(kPods + "/needs-claim"), {"status", "phase"}) == "Running"; }, 4000), pod.dump().c_str());
    }

    void statefulSetMakesAClaimPerOrdinalAndKeepsThem()
    {
        Json tmpl = {{"metadata", {{"labels", {{"app", "db"}}}}},
                     {"spec", {{"containers", {{{"name", "db"}, {"image", "registry.pilothouse.local/demo/db:1.0"},
                                                {"volumeMounts", {{{"name", "data"}, {"mountPath", "/var/lib/db"}}}}}}}}}};
        Json sts = {{"apiVersion", "apps/v1"}, {"kind", "StatefulSet"}, {"metadata", {{"name", "db"}}},
                    {"spec", {{"replicas", 2}, {"serviceName", "db"}, {"selector", {{"matchLabels", {{"app", "db"}}}}}, {"template", tmpl},
                              {"volumeClaimTemplates", {{{"metadata", {{"name", "data"}}},
                                                         {"spec", {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}}}}}}};
        std::string body;
        QVERIFY2(create("/apis/apps/v1/namespaces/demo/statefulsets", sts, &body), body.c_str());
        QVERIFY(eventually([&] { return get("/apis/apps/v1/namespaces/demo/statefulsets/db").value("status", Json::object()).value("readyReplicas", 0) == 2; }, 15000));
        for (const char *ord : {"0", "1"}) {
            const Json c = get(kClaims + "/data-db-" + ord);
            JCOMPARE(c["status"]["phase"], "Bound");
            JCOMPARE(c["spec"]["storageClassName"], "fast");
            JCOMPARE(c["metadata"]["labels"]["app"], "db");
            QVERIFY2(!c["metadata"].contains("ownerReferences"), c.dump().c_str());
            const Json pod = get(kPods + "/db-" + std::string(ord));
            JCOMPARE(pod["spec"]["volumes"], Json::array({{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", "data-db-" + std::string(ord)}}}}}));
        }
        // Scale down: the pod goes, its claim stays for when the ordinal comes back.
        QCOMPARE(m_sim->request("PATCH", "/apis/apps/v1/namespaces/demo/statefulsets/db/scale", Json({{"spec", {{"replicas", 1}}}}).dump(),
                                "application/merge-patch+json")
                     .status,
                 200);
        QVERIFY(eventually([&] { return status(kPods + "/db-1") == 404; }, 10000));
        JCOMPARE(get(kClaims + "/data-db-1")["status"]["phase"], "Bound");
        QCOMPARE(remove("/apis/apps/v1/namespaces/demo/statefulsets/db"), 200);
    }

    void quotaAndBudgetStatus()
    {
        QVERIFY(create(kCore + "/namespaces", {{"metadata", {{"name", "quota-test"}}}}));
        const std::string ns = kCore + "/namespaces/quota-test";
        Json quota = {{"metadata", {{"name", "compute"}}},
                      {"spec", {{"hard", {{"pods", "10"}, {"requests.cpu", "1"}, {"requests.memory", "1Gi"}, {"limits.cpu", "2"}, {"count/deployments.apps", "5"}}}}}};
        QVERIFY(create(ns + "/resourcequotas", quota));
        for (const char *name : {"a", "b"}) {
            Json pod = podWithClaim(name, "", {{"cpu", "250m"}, {"memory", "64Mi"}});
            pod["metadata"]["labels"] = {{"app", "pair"}};
            QVERIFY(create(ns + "/pods", pod));
        }
        Json q;
        QVERIFY2(eventually([&] { return at(q = get(ns + "/resourcequotas/compute"), {"status", "used", "pods"}) == "2"; }, 10000), q.dump().c_str());
        JCOMPARE(q["status"]["hard"], quota["spec"]["hard"]);
        JCOMPARE(q["status"]["used"]["requests.cpu"], "500m");
        JCOMPARE(q["status"]["used"]["requests.memory"], "128Mi");
        JCOMPARE(q["status"]["used"]["limits.cpu"], "0");
        JCOMPARE(q["status"]["used"]["count/deployments.apps"], "0");
        const Json t = table(ns + "/resourcequotas");
        QCOMPARE(columns(t), (std::vector<std::string>{"Name", "Age", "Request", "Limit"}));
        JCOMPARE(row(t, "compute")[2], "count/deployments.apps: 0/5, pods: 2/10, requests.cpu: 500m/1, requests.memory: 128Mi/1Gi");
        JCOMPARE(row(t, "compute")[3], "limits.cpu: 0/2");

        Json pdb = {{"apiVersion", "policy/v1"}, {"kind", "PodDisruptionBudget"}, {"metadata", {{"name", "pair"}}},
                    {"spec", {{"minAvailable", 1}, {"selector", {{"matchLabels", {{"app", "pair"}}}}}}}};
        QVERIFY(create("/apis/policy/v1/namespaces/quota-test/poddisruptionbudgets", pdb));
        Json b;
        QVERIFY2(eventually([&] {
                     b = get("/apis/policy/v1/namespaces/quota-test/poddisruptionbudgets/pair");
                     return b.value("status", Json::object()).value("currentHealthy", 0) == 2;
                 }, 10000),
                 b.dump().c_str());
        JCOMPARE(b["status"]["expectedPods"], 2);
        JCOMPARE(b["status"]["desiredHealthy"], 1);
        JCOMPARE(b["status"]["disruptionsAllowed"], 1);
        const Json budgets = table("/apis/policy/v1/namespaces/quota-test/poddisruptionbudgets");
        QCOMPARE(columns(budgets), (std::vector<std::string>{"Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"}));
        const Json pair = row(budgets, "pair");
        JCOMPARE(Json::array({pair[0], pair[1], pair[2], pair[3]}), Json::array({"pair", "1", "N/A", 1}));
        QCOMPARE(remove(kCore + "/namespaces/quota-test"), 200);
    }

    void tablesFollowThePrinters()
    {
        const Json claims = table(kClaims);
        QCOMPARE(columns(claims), (std::vector<std::string>{"Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass",
                                                            "VolumeAttributesClass", "Age"}));
        QCOMPARE(columns(claims, true).back(), std::string("VolumeMode"));
        const Json scratch = row(claims, "scratch");
        QCOMPARE(scratch.size(), size_t(9));
        JCOMPARE(scratch[1], "Bound");
        JCOMPARE(scratch[3], "1Gi");
        JCOMPARE(scratch[4], "RWO");
        JCOMPARE(scratch[5], "local");
        JCOMPARE(scratch[6], "<unset>");
        JCOMPARE(scratch[8], "Filesystem");

        const Json volumes = table(kVolumes);
        QCOMPARE(columns(volumes), (std::vector<std::string>{"Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim",
                                                             "StorageClass", "VolumeAttributesClass", "Reason", "Age"}));
        const Json pv = row(volumes, at(get(kClaims + "/scratch"), {"spec", "volumeName"}));
        JCOMPARE(pv[4], "Bound");
        JCOMPARE(pv[5], "demo/scratch");

        const Json classes = table(kClasses);
        QCOMPARE(columns(classes), (std::vector<std::string>{"Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"}));
        JCOMPARE(row(classes, "fast (default)")[1], "sim.pilothouse.dev/hostpath");
        JCOMPARE(row(classes, "local")[3], "WaitForFirstConsumer");
        JCOMPARE(row(classes, "local")[4], false);

        Json netpol = {{"apiVersion", "networking.k8s.io/v1"}, {"kind", "NetworkPolicy"}, {"metadata", {{"name", "deny-all"}}},
                       {"spec", {{"podSelector", Json::object()}, {"policyTypes", {"Ingress"}}}}};
        QVERIFY(create("/apis/networking.k8s.io/v1/namespaces/demo/networkpolicies", netpol));
        netpol["metadata"]["name"] = "web-only";
        netpol["spec"]["podSelector"] = {{"matchLabels", {{"app", "web"}, {"tier", "front"}}}};
        QVERIFY(create("/apis/networking.k8s.io/v1/namespaces/demo/networkpolicies", netpol));
        const Json policies = table("/apis/networking.k8s.io/v1/namespaces/demo/networkpolicies");
        QCOMPARE(columns(policies), (std::vector<std::string>{"Name", "Pod-Selector", "Age"}));
        JCOMPARE(row(policies, "deny-all")[1], "<none>");
        JCOMPARE(row(policies, "web-only")[1], "app=web,tier=front");

        Json limits = {{"apiVersion", "v1"}, {"kind", "LimitRange"}, {"metadata", {{"name", "defaults"}}},
                       {"spec", {{"limits", {{{"type", "Container"}, {"default", {{"cpu", "250m"}}}}}}}}};
        QVERIFY(create(kCore + "/namespaces/demo/limitranges", limits));
        const Json ranges = table(kCore + "/namespaces/demo/limitranges");
        QCOMPARE(columns(ranges), (std::vector<std::string>{"Name", "Created At"}));
        JCOMPARE(ranges["columnDefinitions"][1]["type"], "date");
        JCOMPARE(row(ranges, "defaults")[1], get(kCore + "/namespaces/demo/limitranges/defaults")["metadata"]["creationTimestamp"]);
    }

    void rbacObjectsAreStoredAndDescribeTheIdentities()
    {
        const std::string rbac = "/apis/rbac.authorization.k8s.io/v1";
        std::set<std::string> roles;
        for (const auto &r : get(rbac + "/clusterroles").value("items", Json::array()))
            roles.insert(r["metadata"].value("name", ""));
        QVERIFY(roles.count("cluster-admin") && roles.count("view"));
        const Json masters = get(rbac + "/clusterrolebindings/cluster-admin");
        JCOMPARE(masters["subjects"][0]["name"], "system:masters");
        JCOMPARE(get(rbac + "/clusterrolebindings/pilothouse:viewers")["roleRef"]["name"], "view");

        Json role = {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "Role"}, {"metadata", {{"name", "reader"}}},
                     {"rules", {{{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"get", "list"}}}}}};
        QVERIFY(create(rbac + "/namespaces/demo/roles", role));
        Json binding = {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "RoleBinding"}, {"metadata", {{"name", "reader:ci"}}},
                        {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "reader"}}},
                        {"subjects", {{{"kind", "ServiceAccount"}, {"name", "ci"}, {"namespace", "demo"}},
                                      {{"kind", "User"}, {"name", "jane"}, {"apiGroup", "rbac.authorization.k8s.io"}}}}};
        std::string body;
        QVERIFY2(create(rbac + "/namespaces/demo/rolebindings", binding, &body), body.c_str());
        const Json bindings = table(rbac + "/namespaces/demo/rolebindings");
        QCOMPARE(columns(bindings, true), (std::vector<std::string>{"Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"}));
        const Json cells = row(bindings, "reader:ci");
        JCOMPARE(cells[1], "Role/reader");
        JCOMPARE(cells[3], "jane");
        JCOMPARE(cells[5], "demo/ci");
        // roleRef is fixed once made.
        HttpReply change = m_sim->request("PATCH", rbac + "/namespaces/demo/rolebindings/reader:ci",
                                          Json({{"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "view"}}}}).dump(),
                                          "application/merge-patch+json");
        QCOMPARE(change.status, 422);
        // The objects do not change the authorizer: the viewer still reads, and still cannot write.
        QCOMPARE(m_sim->get(rbac + "/clusterroles", Identity::Viewer).status, 200);
        QCOMPARE(m_sim->request("POST", rbac + "/namespaces/demo/roles", role.dump(), "application/json", Identity::Viewer).status, 403);
    }
};

QTEST_GUILESS_MAIN(TestSimStorage)
#include "tst_simstorage.moc"
