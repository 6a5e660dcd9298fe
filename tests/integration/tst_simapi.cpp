// Integration tests of pilothouse-sim's Kubernetes API semantics: discovery, auth, Status errors,
// paging, watches, bookmarks, 410 Gone, patches, deletion propagation and fault injection.
#include "simprocess.h"

#include <QElapsedTimer>
#include <QTest>

#include <set>
#include <thread>

using namespace pilothouse::testsupport;

namespace {

std::string configMap(const std::string &name, const std::string &value = "1")
{
    return Json({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"k", value}}}}).dump();
}

const char *kCm = "/api/v1/namespaces/demo/configmaps";

}  // namespace

class TestSimApi : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;

    static std::unique_ptr<SimProcess> startSim(QStringList args = {})
    {
        args << podTimings();
        auto sim = std::make_unique<SimProcess>(args);
        QString error;
        if (!sim->start(&error))
            qFatal("%s", qPrintable(error));
        return sim;
    }

private Q_SLOTS:
    void initTestCase() { m_sim = startSim({QStringLiteral("--bookmark-interval"), QStringLiteral("1")}); }
    void cleanupTestCase() { m_sim.reset(); }

    void versionAndDiscovery()
    {
        HttpReply v = m_sim->get("/version", Identity::Anonymous);
        QCOMPARE(v.status, 200);
        JCOMPARE(v.json()["major"], "1");

        Json api = m_sim->get("/api").json();
        JCOMPARE(api["kind"], "APIVersions");
        JCOMPARE(api["versions"][0], "v1");

        Json groups = m_sim->get("/apis").json();
        JCOMPARE(groups["kind"], "APIGroupList");
        std::set<std::string> names;
        for (const auto &g : groups["groups"])
            names.insert(g["name"].get<std::string>());
        QVERIFY(names.count("apps") && names.count("autoscaling") && names.count("argoproj.io") && names.count("authorization.k8s.io"));

        Json core = m_sim->get("/api/v1").json();
        JCOMPARE(core["kind"], "APIResourceList");
        std::map<std::string, Json> byName;
        for (const auto &r : core["resources"])
            byName[r["name"].get<std::string>()] = r;
        QVERIFY(byName.count("pods") && byName.count("pods/log") && byName.count("pods/status"));
        JCOMPARE(byName["pods"]["shortNames"][0], "po");
        JCOMPARE(byName["namespaces"]["namespaced"], false);

        Json apps = m_sim->get("/apis/apps/v1").json();
        bool scale = false;
        for (const auto &r : apps["resources"])
            if (r["name"] == "deployments/scale")
                scale = r["kind"] == "Scale" && r["group"] == "autoscaling";
        QVERIFY(scale);

        // The aggregated form, as kubectl >= 1.30 asks for it.
        HttpReply agg = m_sim->request("GET", "/apis", {}, {}, Identity::Admin,
                                       {{"Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"}});
        QCOMPARE(agg.status, 200);
        QVERIFY(agg.header("Content-Type").find("as=APIGroupDiscoveryList") != std::string::npos);
        Json aggJson = agg.json();
        JCOMPARE(aggJson["kind"], "APIGroupDiscoveryList");
        bool rollouts = false;
        for (const auto &g : aggJson["items"])
            for (const auto &v : g["versions"])
                for (const auto &r : v["resources"])
                    if (r["resource"] == "rollouts")
                        rollouts = g["metadata"]["name"] == "argoproj.io" && r["scope"] == "Namespaced";
        QVERIFY(rollouts);
    }

    void authenticationAndAuthorization()
    {
        HttpReply anon = m_sim->get("/api/v1/pods", Identity::Anonymous);
        QCOMPARE(anon.status, 401);
        JCOMPARE(anon.json()["kind"], "Status");
        JCOMPARE(anon.json()["reason"], "Unauthorized");

        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/pods", Identity::Viewer).status, 200);

        HttpReply write = m_sim->request("POST", kCm, configMap("viewer-was-here"), "application/json", Identity::Viewer);
        QCOMPARE(write.status, 403);
        Json st = write.json();
        JCOMPARE(st["kind"], "Status");
        JCOMPARE(st["reason"], "Forbidden");
        JCOMPARE(st["code"], 403);
        QVERIFY2(st["message"].get<std::string>().find("User \"sim-viewer\" cannot create resource \"configmaps\"") != std::string::npos,
                 st["message"].get<std::string>().c_str());
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/viewer-was-here").status, 404);

        // The view role does not include Secrets.
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/secrets", Identity::Viewer).status, 403);
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/secrets").status, 200);
    }

    void selfSubjectAccessReviewAnswersPerIdentity()
    {
        auto review = [&](Identity who, const std::string &verb, const std::string &resource) {
            Json body = {{"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SelfSubjectAccessReview"},
                         {"spec", {{"resourceAttributes", {{"namespace", "demo"}, {"verb", verb}, {"group", "apps"}, {"resource", resource}}}}}};
            HttpReply r = m_sim->request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body.dump(), "application/json", who);
            return r.status == 201 && r.json()["status"]["allowed"] == true;
        };
        QVERIFY(review(Identity::Admin, "patch", "deployments"));
        QVERIFY(review(Identity::Viewer, "list", "deployments"));
        QVERIFY(!review(Identity::Viewer, "patch", "deployments"));
        QVERIFY(!review(Identity::Viewer, "delete", "deployments"));
    }

    void errorsAreStatusObjects()
    {
        HttpReply missing = m_sim->get("/api/v1/namespaces/demo/configmaps/nope");
        QCOMPARE(missing.status, 404);
        JCOMPARE(missing.json()["reason"], "NotFound");
        JCOMPARE(missing.json()["details"]["name"], "nope");

        QCOMPARE(m_sim->request("POST", kCm, configMap("dup")).status, 201);
        HttpReply dup = m_sim->request("POST", kCm, configMap("dup"));
        QCOMPARE(dup.status, 409);
        JCOMPARE(dup.json()["reason"], "AlreadyExists");

        // A stale resourceVersion on update is a Conflict.
        Json cm = m_sim->get(std::string(kCm) + "/dup").json();
        std::string staleRv = cm["metadata"]["resourceVersion"];
        cm["data"]["k"] = "2";
        QCOMPARE(m_sim->request("PUT", std::string(kCm) + "/dup", cm.dump()).status, 200);
        cm["data"]["k"] = "3";
        cm["metadata"]["resourceVersion"] = staleRv;
        HttpReply conflict = m_sim->request("PUT", std::string(kCm) + "/dup", cm.dump());
        QCOMPARE(conflict.status, 409);
        JCOMPARE(conflict.json()["reason"], "Conflict");
        JCOMPARE(m_sim->get(std::string(kCm) + "/dup").json()["data"]["k"], "2");

        // Invalid objects: 422 with causes naming the field.
        Json bad = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", "bad"}}},
                    {"spec", {{"selector", {{"matchLabels", {{"app", "bad"}}}}}, {"template", {{"metadata", {{"labels", {{"app", "bad"}}}}}, {"spec", {{"containers", {{{"name", "c"}}}}}}}}}}};
        HttpReply invalid = m_sim->request("POST", "/apis/apps/v1/namespaces/demo/deployments", bad.dump());
        QCOMPARE(invalid.status, 422);
        JCOMPARE(invalid.json()["reason"], "Invalid");
        JCOMPARE(invalid.json()["details"]["causes"][0]["field"], "spec.template.spec.containers[0].image");

        // Unknown paths and namespaces.
        QCOMPARE(m_sim->get("/apis/nosuch.group/v1/things").status, 404);
        QCOMPARE(m_sim->request("POST", "/api/v1/namespaces/no-such-ns/configmaps", configMap("x")).status, 404);
    }

    void listPagesWithContinueTokens()
    {
        for (int i = 0; i < 25; ++i)
            QCOMPARE(m_sim->request("POST", "/api/v1/namespaces/demo/configmaps", configMap("page-" + std::to_string(100 + i))).status, 201);
        std::set<std::string> seen;
        std::string cont, rv;
        int pages = 0;
        do {
            std::string path = "/api/v1/namespaces/demo/configmaps?labelSelector=&limit=10" + (cont.empty() ? "" : "&continue=" + cont);
            Json page = m_sim->get(path).json();
            JCOMPARE(page["kind"], "ConfigMapList");
            if (rv.empty())
                rv = page["metadata"]["resourceVersion"];
            else
                QCOMPARE(page["metadata"]["resourceVersion"].get<std::string>(), rv);  // one snapshot across pages
            for (const auto &item : page["items"])
                QVERIFY2(seen.insert(item["metadata"]["name"].get<std::string>()).second, "an item came twice");
            cont = page["metadata"].value("continue", "");
            if (!cont.empty())
                QVERIFY(page["metadata"]["remainingItemCount"].get<int>() > 0);
            ++pages;
            // Writes between pages do not leak into the paged list.
            m_sim->request("POST", kCm, configMap("between-pages-" + std::to_string(pages)));
        } while (!cont.empty() && pages < 20);
        QVERIFY(pages >= 3);
        for (int i = 0; i < 25; ++i)
            QVERIFY(seen.count("page-" + std::to_string(100 + i)));
        QVERIFY(!seen.count("between-pages-1"));
    }

    void expiredContinueTokenAnswers410()
    {
        Json first = m_sim->get("/api/v1/namespaces/demo/configmaps?limit=2").json();
        std::string cont = first["metadata"]["continue"];
        QVERIFY(!cont.empty());
        QVERIFY(m_sim->control("expire-continue"));
        HttpReply gone = m_sim->get("/api/v1/namespaces/demo/configmaps?limit=2&continue=" + cont);
        QCOMPARE(gone.status, 410);
        JCOMPARE(gone.json()["reason"], "Expired");
    }

    void watchDeliversEventsInOrder()
    {
        std::string rv = m_sim->get(kCm).json()["metadata"]["resourceVersion"];
        WatchStream w(*m_sim, std::string(kCm) + "?watch=true&resourceVersion=" + rv);
        QCOMPARE(m_sim->request("POST", kCm, configMap("order")).status, 201);
        QCOMPARE(m_sim->request("PATCH", std::string(kCm) + "/order", R"({"data":{"k":"2"}})", "application/merge-patch+json").status, 200);
        QCOMPARE(m_sim->request("DELETE", std::string(kCm) + "/order").status, 200);
        std::vector<std::string> types;
        std::vector<std::string> rvs;
        while (types.size() < 3) {
            auto e = w.next(5000);
            QVERIFY2(e.has_value(), "watch event missing");
            if ((*e)["object"]["metadata"]["name"] != "order")
                continue;
            types.push_back((*e)["type"]);
            rvs.push_back((*e)["object"]["metadata"]["resourceVersion"]);
        }
        QCOMPARE(types, (std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"}));
        QCOMPARE(std::set<std::string>(rvs.begin(), rvs.end()).size(), size_t(3));
        QCOMPARE(w.status(), 200);
    }

    void watchWithoutResourceVersionStartsWithCurrentState()
    {
        WatchStream w(*m_sim, "/api/v1/namespaces/demo/services?watch=1");
        auto e = w.waitFor("ADDED", "web", 5000);
        QVERIFY(e.has_value());
        JCOMPARE((*e)["object"]["kind"], "Service");
    }

    void watchHonoursSelectorTransitions()
    {
        QCOMPARE(m_sim->request("POST", kCm, Json({{"metadata", {{"name", "sel"}, {"labels", {{"tier", "a"}}}}}, {"data", Json::object()}}).dump()).status, 201);
        std::string rv = m_sim->get(kCm).json()["metadata"]["resourceVersion"];
        WatchStream w(*m_sim, std::string(kCm) + "?watch=true&labelSelector=tier%3Da&resourceVersion=" + rv);
        // Leaving the selector is a DELETED for this watcher; coming back is an ADDED.
        QCOMPARE(m_sim->request("PATCH", std::string(kCm) + "/sel", R"({"metadata":{"labels":{"tier":"b"}}})", "application/merge-patch+json").status, 200);
        QVERIFY(w.waitFor("DELETED", "sel", 5000).has_value());
        QCOMPARE(m_sim->request("PATCH", std::string(kCm) + "/sel", R"({"metadata":{"labels":{"tier":"a"}}})", "application/merge-patch+json").status, 200);
        QVERIFY(w.waitFor("ADDED", "sel", 5000).has_value());
    }

    void streamingListSendsInitialEventsThenABookmark()
    {
        // KEP-3157: sendInitialEvents=true&resourceVersionMatch=NotOlderThan is a list as a watch.
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_sim->request("POST", kCm, configMap("streamed-" + std::to_string(i))).status, 201);
        Json list = m_sim->get(kCm).json();
        std::set<std::string> existing;
        for (const auto &item : list["items"])
            existing.insert(item["metadata"]["name"]);
        const std::string query = "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true";
        for (const std::string &rv : {std::string(), std::string("0"), list["metadata"]["resourceVersion"].get<std::string>()}) {
            WatchStream w(*m_sim, kCm + query + (rv.empty() ? "" : "&resourceVersion=" + rv));
            std::set<std::string> added;
            std::optional<Json> e;
            while ((e = w.next(5000)) && (*e)["type"] == "ADDED")
                QVERIFY2(added.insert((*e)["object"]["metadata"]["name"]).second, "an object came twice");
            QVERIFY2(e.has_value(), "the initial events did not end with a bookmark");
            JCOMPARE((*e)["type"], "BOOKMARK");
            JCOMPARE((*e)["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
            QVERIFY(!(*e)["object"]["metadata"]["resourceVersion"].get<std::string>().empty());
            QVERIFY(!(*e)["object"]["metadata"].contains("name"));
            // Everything that existed, nothing else (the namespace's other writes are ConfigMaps too).
            for (const auto &name : existing)
                QVERIFY2(added.count(name), name.c_str());
            // Then changes, as any watch.
            const std::string later = "after-bookmark-" + std::to_string(existing.size()) + (rv.empty() ? "x" : rv);
            QCOMPARE(m_sim->request("POST", kCm, configMap(later)).status, 201);
            QVERIFY(w.waitFor("ADDED", later, 5000).has_value());
        }
        // Without allowWatchBookmarks the initial events come, and no bookmark after them.
        {
            WatchStream w(*m_sim, std::string(kCm) + "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan");
            QVERIFY(w.waitFor("ADDED", "streamed-2", 5000).has_value());
            QVERIFY(!w.waitFor("BOOKMARK", "", 1500).has_value());
        }
        // sendInitialEvents=false: from now on, without the current state.
        {
            WatchStream w(*m_sim, std::string(kCm) + "?watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
            // The first event is a periodic bookmark (every second here): the watch is open and
            // sent nothing of the current state.
            auto first = w.next(5000);
            QVERIFY(first.has_value());
            JCOMPARE((*first)["type"], "BOOKMARK");
            QVERIFY(!(*first)["object"]["metadata"].contains("annotations"));
            QCOMPARE(m_sim->request("POST", kCm, configMap("after-no-initial-events")).status, 201);
            auto next = w.next(5000);
            for (int i = 0; next && (*next)["type"] == "BOOKMARK" && i < 5; ++i)
                next = w.next(5000);
            QVERIFY(next.has_value());
            JCOMPARE((*next)["type"], "ADDED");
            JCOMPARE((*next)["object"]["metadata"]["name"], "after-no-initial-events");
        }
        // A resourceVersion the server has not reached yet: 504 Too large resource version.
        {
            const std::string ahead = std::to_string(std::stoull(m_sim->get(kCm).json()["metadata"]["resourceVersion"].get<std::string>()) + 1000000);
            WatchStream w(*m_sim, kCm + query + "&resourceVersion=" + ahead);
            auto e = w.next(5000);
            QVERIFY(e.has_value());
            JCOMPARE((*e)["type"], "ERROR");
            JCOMPARE((*e)["object"]["code"], 504);
            JCOMPARE((*e)["object"]["details"]["causes"][0]["reason"], "ResourceVersionTooLarge");
        }
    }

    void streamingListOptionsAreValidated()
    {
        auto invalid = [&](const std::string &query, const std::string &message) {
            HttpReply r = m_sim->get(kCm + query);
            Json status = r.json();
            return r.status == 422 && status.value("reason", "") == "Invalid" && status["details"].value("kind", "") == "ListOptions" &&
                   status.value("message", "") == "ListOptions.meta.k8s.io \"\" is invalid: " + message;
        };
        QVERIFY(invalid("?watch=true&sendInitialEvents=true",
                        "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
        QVERIFY(invalid("?watch=true&resourceVersionMatch=NotOlderThan",
                        "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
        QVERIFY(invalid("?watch=true&sendInitialEvents=true&resourceVersionMatch=Exact",
                        "[resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, "
                        "resourceVersionMatch: Unsupported value: \"Exact\": supported values: \"NotOlderThan\"]"));
        QVERIFY(invalid("?sendInitialEvents=true", "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"));
    }

    void bookmarksCarryOnlyAResourceVersion()
    {
        std::string rv = m_sim->get("/api/v1/pods").json()["metadata"]["resourceVersion"];
        WatchStream w(*m_sim, "/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=" + rv);
        auto bm = w.waitFor("BOOKMARK", "", 5000);
        QVERIFY2(bm.has_value(), "no bookmark within 5 s (interval is 1 s)");
        JCOMPARE((*bm)["object"]["kind"], "Pod");
        QVERIFY(!(*bm)["object"]["metadata"]["resourceVersion"].get<std::string>().empty());
        QVERIFY(!(*bm)["object"]["metadata"].contains("name"));
        // Without allowWatchBookmarks there are none.
        WatchStream plain(*m_sim, "/api/v1/pods?watch=true&resourceVersion=" + rv);
        QVERIFY(!plain.waitFor("BOOKMARK", "", 2500).has_value());
    }

    void goneNextWatchAnswers410Once()
    {
        std::string rv = m_sim->get(kCm).json()["metadata"]["resourceVersion"];
        QVERIFY(m_sim->control("gone-next-watch"));
        WatchStream w(*m_sim, std::string(kCm) + "?watch=true&resourceVersion=" + rv);
        auto e = w.next(5000);
        QVERIFY(e.has_value());
        JCOMPARE((*e)["type"], "ERROR");
        JCOMPARE((*e)["object"]["code"], 410);
        JCOMPARE((*e)["object"]["reason"], "Expired");
        QVERIFY(w.waitEnded(5000));
        // The next watch is served normally.
        WatchStream again(*m_sim, std::string(kCm) + "?watch=true&resourceVersion=" + rv);
        QCOMPARE(m_sim->request("POST", kCm, configMap("after-gone")).status, 201);
        QVERIFY(again.waitFor("ADDED", "after-gone", 5000).has_value());
    }

    void dropWatchesClosesOpenStreams()
    {
        WatchStream a(*m_sim, "/api/v1/pods?watch=true");
        WatchStream b(*m_sim, std::string(kCm) + "?watch=true");
        QVERIFY(a.next(3000).has_value());  // initial state arrived: the stream is open
        QVERIFY(!a.ended() && !b.ended());
        QVERIFY(m_sim->control("drop-watches"));
        QVERIFY(a.waitEnded(3000));
        QVERIFY(b.waitEnded(3000));
    }

    void delayHoldsAnswers()
    {
        QVERIFY(m_sim->control("delay", "ms=700&count=1"));
        QElapsedTimer t;
        t.start();
        QCOMPARE(m_sim->get("/api/v1/namespaces").status, 200);
        QVERIFY2(t.elapsed() >= 650, qPrintable(QString::number(t.elapsed())));
        t.restart();
        QCOMPARE(m_sim->get("/api/v1/namespaces").status, 200);
        QVERIFY(t.elapsed() < 650);
    }

    void patchTypes()
    {
        const std::string dep = "/apis/apps/v1/namespaces/demo/deployments/web";
        HttpReply strategic = m_sim->request("PATCH", dep, R"({"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"MODE","value":"x"}]}]}}}})",
                                             "application/strategic-merge-patch+json");
        QCOMPARE(strategic.status, 200);
        Json c = strategic.json()["spec"]["template"]["spec"]["containers"][0];
        JCOMPARE(c["image"], "registry.pilothouse.local/demo/web:1.0");  // merged by name, not replaced
        bool hasMode = false;
        for (const auto &e : c["env"])
            hasMode = hasMode || e["name"] == "MODE";
        QVERIFY(hasMode);

        HttpReply merge = m_sim->request("PATCH", dep, R"({"metadata":{"annotations":{"team":"shop"}}})", "application/merge-patch+json");
        JCOMPARE(merge.json()["metadata"]["annotations"]["team"], "shop");

        // A JSON patch `test` on the resourceVersion is a precondition. The deployment controller
        // is still writing status after the template change above, and each write rightly fails
        // the precondition (422): read the version again and retry, as a client would.
        std::string rv = merge.json()["metadata"]["resourceVersion"];
        HttpReply jsonOk;
        for (int attempt = 0; attempt < 20; ++attempt) {
            jsonOk = m_sim->request("PATCH", dep,
                                    Json::array({{{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", rv}},
                                                 {{"op", "replace"}, {"path", "/spec/replicas"}, {"value", 3}}}).dump(),
                                    "application/json-patch+json");
            if (jsonOk.status != 422)
                break;
            QTest::qWait(100);
            rv = m_sim->get(dep).json()["metadata"]["resourceVersion"];
        }
        QCOMPARE(jsonOk.status, 200);
        JCOMPARE(jsonOk.json()["spec"]["replicas"], 3);
        HttpReply jsonStale = m_sim->request("PATCH", dep,
                                             Json::array({{{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", rv}},
                                                          {{"op", "replace"}, {"path", "/spec/replicas"}, {"value", 1}}}).dump(),
                                             "application/json-patch+json");
        QCOMPARE(jsonStale.status, 422);
        JCOMPARE(m_sim->get(dep).json()["spec"]["replicas"], 3);

        // Custom resources take no strategic merge patch.
        Json ro = {{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Rollout"}, {"metadata", {{"name", "shop"}}},
                   {"spec", {{"replicas", 2}, {"strategy", {{"blueGreen", {{"activeService", "web"}}}}}}}};
        QCOMPARE(m_sim->request("POST", "/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts", ro.dump()).status, 201);
        QCOMPARE(m_sim->request("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/shop", R"({"spec":{"paused":true}})",
                                "application/strategic-merge-patch+json").status, 415);
        HttpReply status = m_sim->request("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/shop/status",
                                          R"({"status":{"abort":true}})", "application/merge-patch+json");
        QCOMPARE(status.status, 200);
        JCOMPARE(status.json()["status"]["abort"], true);
        // The main resource ignores status changes; the status subresource ignores spec changes.
        HttpReply mainStatus = m_sim->request("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/shop",
                                              R"({"status":{"abort":false},"spec":{"paused":true}})", "application/merge-patch+json");
        JCOMPARE(mainStatus.json()["status"]["abort"], true);
        JCOMPARE(mainStatus.json()["spec"]["paused"], true);
        JCOMPARE(mainStatus.json()["metadata"]["generation"], 2);
    }

    void scaleSubresource()
    {
        const std::string scale = "/apis/apps/v1/namespaces/demo/deployments/api/scale";
        Json s = m_sim->get(scale).json();
        JCOMPARE(s["kind"], "Scale");
        JCOMPARE(s["apiVersion"], "autoscaling/v1");
        JCOMPARE(s["status"]["selector"], "app=api");
        HttpReply r = m_sim->request("PATCH", scale, R"({"spec":{"replicas":2}})", "application/merge-patch+json");
        QCOMPARE(r.status, 200);
        JCOMPARE(r.json()["spec"]["replicas"], 2);
        QVERIFY(eventually([&] { return m_sim->get("/apis/apps/v1/namespaces/demo/deployments/api").json()["status"].value("readyReplicas", 0) == 2; }));
        // A stale resourceVersion in a Scale update is a conflict.
        s["spec"]["replicas"] = 1;
        QCOMPARE(m_sim->request("PUT", scale, s.dump()).status, 409);
    }

    void tableForm()
    {
        HttpReply t = m_sim->request("GET", "/api/v1/namespaces/demo/pods", {}, {}, Identity::Admin,
                                     {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}});
        Json table = t.json();
        JCOMPARE(table["kind"], "Table");
        std::vector<std::string> cols;
        for (const auto &c : table["columnDefinitions"])
            if (c["priority"] == 0)
                cols.push_back(c["name"]);
        QCOMPARE(cols, (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age"}));
        QVERIFY(!table["rows"].empty());
        JCOMPARE(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    }

    void deletionPropagation()
    {
        auto deploy = [](const std::string &name) {
            return Json({{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", name}}},
                         {"spec", {{"replicas", 2}, {"selector", {{"matchLabels", {{"app", name}}}}},
                                   {"template", {{"metadata", {{"labels", {{"app", name}}}}}, {"spec", {{"containers", {{{"name", "c"}, {"image", "img:1"}}}}}}}}}}}).dump();
        };
        auto podsOf = [&](const std::string &app) {
            return m_sim->get("/api/v1/namespaces/demo/pods?labelSelector=app%3D" + app).json()["items"].size();
        };
        auto rsOf = [&](const std::string &app) {
            return m_sim->get("/apis/apps/v1/namespaces/demo/replicasets?labelSelector=app%3D" + app).json()["items"];
        };
        for (const char *name : {"fg", "orphan", "bg"}) {
            QCOMPARE(m_sim->request("POST", "/apis/apps/v1/namespaces/demo/deployments", deploy(name)).status, 201);
            QVERIFY(eventually([&] { return podsOf(name) == 2; }));
        }
        // Foreground: dependents go first, then the owner.
        HttpReply fg = m_sim->request("DELETE", "/apis/apps/v1/namespaces/demo/deployments/fg", R"({"propagationPolicy":"Foreground"})");
        QCOMPARE(fg.status, 200);
        QVERIFY(fg.json()["metadata"].contains("deletionTimestamp"));
        QVERIFY(eventually([&] { return m_sim->get("/apis/apps/v1/namespaces/demo/deployments/fg").status == 404; }));
        QCOMPARE(podsOf("fg"), size_t(0));
        QCOMPARE(rsOf("fg").size(), size_t(0));
        // Orphan: the ReplicaSet stays, without its owner reference.
        QCOMPARE(m_sim->request("DELETE", "/apis/apps/v1/namespaces/demo/deployments/orphan", R"({"propagationPolicy":"Orphan"})").status, 200);
        QVERIFY(eventually([&] { return m_sim->get("/apis/apps/v1/namespaces/demo/deployments/orphan").status == 404; }));
        Json rs = rsOf("orphan");
        QCOMPARE(rs.size(), size_t(1));
        QVERIFY(!rs[0]["metadata"].contains("ownerReferences"));
        QCOMPARE(podsOf("orphan"), size_t(2));
        // Background: the owner goes at once, the garbage collector removes the rest.
        QCOMPARE(m_sim->request("DELETE", "/apis/apps/v1/namespaces/demo/deployments/bg").status, 200);
        QCOMPARE(m_sim->get("/apis/apps/v1/namespaces/demo/deployments/bg").status, 404);
        QVERIFY(eventually([&] { return podsOf("bg") == 0 && rsOf("bg").empty(); }));
        // A uid precondition that does not match refuses the delete.
        HttpReply pre = m_sim->request("DELETE", "/api/v1/namespaces/demo/configmaps/web-config", R"({"preconditions":{"uid":"not-the-uid"}})");
        QCOMPARE(pre.status, 409);
    }

    void largePagesAreWholeInEveryForm()
    {
        // Over 200 items a page is sent from the objects' stored bytes (no gzip): every form must
        // still carry exactly the objects of the plain list, page after page.
        auto sim = startSim({QStringLiteral("--pods"), QStringLiteral("1100")});
        const std::string tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
        const std::string partialAccept = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json";
        auto getAs = [&](const std::string &path, const std::string &accept) {
            HttpReply r = sim->request("GET", path, {}, {}, Identity::Admin, {{"Accept", accept}});
            if (r.status != 200)
                qFatal("GET %s: %d %s", path.c_str(), r.status, r.body.substr(0, 200).c_str());
            return r.json();
        };
        // The generated pods do not change; the scenario's may, between two lists.
        auto generated = [](const Json &list, const char *field, auto nameOf) {
            Json out = Json::array();
            for (const auto &e : list)
                if (nameOf(e).rfind("bench-", 0) == 0)
                    out.push_back(e);
            (void)field;
            return out;
        };
        Json whole = sim->get("/api/v1/pods").json();
        const size_t total = whole["items"].size();
        const Json items = generated(whole["items"], "items", [](const Json &p) { return p["metadata"].value("namespace", ""); });
        QCOMPARE(items.size(), size_t(1100));
        std::string problem;  // what went wrong inside pagesOf (QCOMPARE cannot return from it)
        auto pagesOf = [&](const std::string &query, const std::string &accept, const char *field) {
            Json all = Json::array();
            std::string cont, rv;
            size_t pages = 0, listTotal = 0;
            do {
                Json page = getAs("/api/v1/pods?limit=500" + query + (cont.empty() ? "" : "&continue=" + cont), accept);
                if (rv.empty())
                    rv = page["metadata"]["resourceVersion"];
                else if (page["metadata"]["resourceVersion"] != rv)
                    problem += "a page of another resourceVersion; ";
                for (const auto &e : page[field])
                    all.push_back(e);
                cont = page["metadata"].value("continue", "");
                if (!cont.empty()) {
                    if (!listTotal)
                        listTotal = all.size() + page["metadata"]["remainingItemCount"].get<size_t>();
                    if (page["metadata"]["remainingItemCount"].get<size_t>() != listTotal - all.size())
                        problem += "remainingItemCount is off; ";
                    // A token may be used again: it names a place in the list's snapshot.
                    const std::string again = "/api/v1/pods?limit=500" + query + "&continue=" + cont;
                    if (getAs(again, accept)["metadata"]["continue"] != getAs(again, accept)["metadata"]["continue"])
                        problem += "a token used twice gave two answers; ";
                }
                ++pages;
            } while (!cont.empty() && pages < 10);
            if (all.size() != listTotal || pages != (listTotal + 499) / 500)
                problem += "pages: " + std::to_string(pages) + "; ";
            const bool row = std::string(field) == "rows";
            return generated(all, field, [row](const Json &e) {
                return (row ? e["object"]["metadata"] : e["metadata"]).value("namespace", "");
            });
        };
        JCOMPARE(pagesOf("", "application/json", "items"), items);
        Json rows = pagesOf("&includeObject=Object", tableAccept, "rows");
        QCOMPARE(rows.size(), items.size());
        for (size_t i = 0; i < items.size(); ++i) {
            JCOMPARE(rows[i]["object"], items[i]);
            JCOMPARE(rows[i]["cells"][0], items[i]["metadata"]["name"]);
        }
        rows = pagesOf("", tableAccept, "rows");
        for (size_t i = 0; i < items.size(); ++i) {
            JCOMPARE(rows[i]["object"]["kind"], "PartialObjectMetadata");
            JCOMPARE(rows[i]["object"]["metadata"], items[i]["metadata"]);
        }
        Json bare = Json::array();
        std::string cont;
        do {
            Json page = getAs("/api/v1/pods?limit=500&includeObject=None" + (cont.empty() ? "" : "&continue=" + cont), tableAccept);
            for (const auto &r : page["rows"])
                bare.push_back(r);
            cont = page["metadata"].value("continue", "");
        } while (!cont.empty());
        QVERIFY(bare.size() >= total);
        for (const auto &r : bare)
            QVERIFY(!r.contains("object") && r["cells"].size() == 9);
        Json partial = pagesOf("", partialAccept, "items");
        for (size_t i = 0; i < items.size(); ++i) {
            JCOMPARE(partial[i]["kind"], "PartialObjectMetadata");
            JCOMPARE(partial[i]["metadata"], items[i]["metadata"]);
        }
        JCOMPARE(generated(getAs("/api/v1/pods", partialAccept)["items"], "items", [](const Json &p) { return p["metadata"].value("namespace", ""); }),
                 partial);
        // A streaming list of them: every pod once (in batches of initial events), then the bookmark.
        WatchStream w(*sim, "/api/v1/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
        std::set<std::string> streamed;
        std::optional<Json> e;
        while ((e = w.next(10000)) && (*e)["type"] == "ADDED")
            streamed.insert((*e)["object"]["metadata"]["namespace"].get<std::string>() + "/" + (*e)["object"]["metadata"]["name"].get<std::string>());
        QVERIFY(e.has_value());
        JCOMPARE((*e)["type"], "BOOKMARK");
        for (const auto &p : items)
            QVERIFY(streamed.count(p["metadata"]["namespace"].get<std::string>() + "/" + p["metadata"]["name"].get<std::string>()));
        QVERIFY2(problem.empty(), problem.c_str());
    }

    void benchmarkPodsAreRealistic()
    {
        auto sim = startSim({QStringLiteral("--pods"), QStringLiteral("300")});
        Json list = sim->get("/api/v1/pods?labelSelector=pilothouse.dev%2Fbench%21%3Dx").json();
        size_t bench = 0;
        std::set<std::string> namespaces, nodes;
        for (const auto &p : list["items"]) {
            if (p["metadata"]["namespace"].get<std::string>().rfind("bench-", 0) != 0)
                continue;
            ++bench;
            namespaces.insert(p["metadata"]["namespace"]);
            nodes.insert(p["spec"]["nodeName"]);
            size_t size = p.dump().size();
            QVERIFY2(size >= 8000 && size <= 12500, qPrintable(QString::number(size)));
            QVERIFY(p["metadata"].contains("managedFields"));
            JCOMPARE(p["status"]["phase"], "Running");
        }
        QCOMPARE(bench, size_t(300));
        QVERIFY(nodes.size() >= 3);
        QVERIFY(!namespaces.empty());
    }

    void compactionMakesOldResourceVersionsGone()
    {
        auto sim = startSim();
        std::string oldRv = sim->get(kCm).json()["metadata"]["resourceVersion"];
        QCOMPARE(sim->request("POST", kCm, configMap("c1")).status, 201);
        QVERIFY(sim->control("compact"));
        WatchStream w(*sim, std::string(kCm) + "?watch=true&resourceVersion=" + oldRv);
        auto e = w.next(5000);
        QVERIFY(e.has_value());
        JCOMPARE((*e)["type"], "ERROR");
        JCOMPARE((*e)["object"]["code"], 410);
        // A watch from the current resourceVersion still works.
        std::string rv = sim->get(kCm).json()["metadata"]["resourceVersion"];
        WatchStream ok(*sim, std::string(kCm) + "?watch=true&resourceVersion=" + rv);
        QCOMPARE(sim->request("POST", kCm, configMap("c2")).status, 201);
        QVERIFY(ok.waitFor("ADDED", "c2", 5000).has_value());
    }

    void refuseConnectionsThenServeAgainWithState()
    {
        auto sim = startSim();
        QCOMPARE(sim->request("POST", kCm, configMap("survivor")).status, 201);
        std::string rv = sim->get(kCm).json()["metadata"]["resourceVersion"];
        WatchStream w(*sim, std::string(kCm) + "?watch=true&resourceVersion=" + rv);
        QVERIFY(sim->control("refuse", "seconds=2"));
        QVERIFY(w.waitEnded(3000));
        QTest::qWait(300);
        QCOMPARE(sim->get("/version").status, 0);  // refused
        QVERIFY(eventually([&] { return sim->get("/version").status == 200; }, 6000));
        QCOMPARE(sim->get(std::string(kCm) + "/survivor").status, 200);
        // resourceVersions continue: a watch from before the outage resumes without a 410.
        WatchStream resumed(*sim, std::string(kCm) + "?watch=true&resourceVersion=" + rv);
        QCOMPARE(sim->request("POST", kCm, configMap("after-outage")).status, 201);
        QVERIFY(resumed.waitFor("ADDED", "after-outage", 5000).has_value());
    }

    void restartKeepsState()
    {
        auto sim = startSim();
        QCOMPARE(sim->request("POST", kCm, configMap("kept")).status, 201);
        WatchStream w(*sim, std::string(kCm) + "?watch=true");
        QVERIFY(w.next(3000).has_value());
        QVERIFY(sim->control("restart"));
        QVERIFY(w.waitEnded(3000));
        QVERIFY(eventually([&] { return sim->get(std::string(kCm) + "/kept").status == 200; }, 5000));
    }
};

QTEST_GUILESS_MAIN(TestSimApi)
#include "tst_simapi.moc"
