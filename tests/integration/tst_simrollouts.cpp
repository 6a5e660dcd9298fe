// Integration tests of pilothouse-sim's Argo Rollouts controller on the rollouts test scenario:
// blue-green storefront (shop) and canary menu (cafe) at two replicas, with short delays. The
// requests are the ones the kubectl-argo-rollouts plugin sends (status merge patches, JSON patch
// of /spec/template for undo).
#include "simprocess.h"

#include <QDateTime>
#include <QTest>

#include <map>
#include <set>

using namespace pilothouse::testsupport;

namespace {

const std::string kStorefront = "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/storefront";
const std::string kMenu = "/apis/argoproj.io/v1alpha1/namespaces/cafe/rollouts/menu";
const std::string kHashLabel = "rollouts-pod-template-hash";

std::string str(const Json &o, std::initializer_list<const char *> path)
{
    const Json *cur = &o;
    for (const char *k : path) {
        if (!cur->is_object() || !cur->contains(k))
            return {};
        cur = &(*cur)[k];
    }
    return cur->is_string() ? cur->get<std::string>() : cur->is_null() ? std::string() : cur->dump();
}

}  // namespace

class TestSimRollouts : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;

    Json get(const std::string &path) const
    {
        Json j = m_sim->get(path).json();
        return j.is_object() ? j : Json::object();
    }
    Json status(const std::string &rollout) const { return get(rollout).value("status", Json::object()); }
    std::string phase(const std::string &rollout) const { return status(rollout).value("phase", ""); }
    std::string selectorHash(const std::string &ns, const std::string &svc) const
    {
        return str(get("/api/v1/namespaces/" + ns + "/services/" + svc), {"spec", "selector", kHashLabel.c_str()});
    }
    // The ReplicaSets of an app, by their pod template hash.
    std::map<std::string, Json> replicaSets(const std::string &ns, const std::string &app) const
    {
        std::map<std::string, Json> out;
        for (const auto &rs : get("/apis/apps/v1/namespaces/" + ns + "/replicasets?labelSelector=app%3D" + app).value("items", Json::array()))
            out[str(rs, {"metadata", "labels", kHashLabel.c_str()})] = rs;
        return out;
    }
    long long rsReplicas(const std::string &ns, const std::string &app, const std::string &hash, const char *field = "spec") const
    {
        auto all = replicaSets(ns, app);
        auto it = all.find(hash);
        if (it == all.end())
            return -1;
        const Json &part = it->second.value(field, Json::object());
        return part.value(std::string(field) == "spec" ? "replicas" : "readyReplicas", 0LL);
    }
    bool patch(const std::string &path, const std::string &body, const std::string &type = "application/merge-patch+json") const
    {
        HttpReply r = m_sim->request("PATCH", path, body, type);
        if (r.status != 200)
            qWarning("PATCH %s: %d %s", path.c_str(), r.status, r.body.c_str());
        return r.status == 200;
    }
    bool setImage(const std::string &rollout, const std::string &image) const
    {
        return patch(rollout, Json::array({{{"op", "replace"}, {"path", "/spec/template/spec/containers/0/image"}, {"value", image}}}).dump(),
                     "application/json-patch+json");
    }
    // Waits until the rollout's phase (and message, when given) read as expected.
    bool waitPhase(const std::string &rollout, const std::string &wanted, const std::string &message = {}, int timeoutMs = 30000) const
    {
        return eventually([&] {
            Json s = status(rollout);
            return s.value("phase", "") == wanted && (message.empty() || s.value("message", "") == message);
        }, timeoutMs);
    }
    // Healthy storefront at 169 updated to 170 and waiting for promotion; returns {old, new} hashes.
    std::pair<std::string, std::string> storefrontWaitingFor170()
    {
        if (!waitPhase(kStorefront, "Healthy"))
            return {};
        const std::string old = status(kStorefront).value("currentPodHash", "");
        if (!setImage(kStorefront, "registry.pilothouse.dev/shop/storefront:170"))
            return {};
        if (!waitPhase(kStorefront, "Paused", "BlueGreenPause"))
            return {};
        return {old, status(kStorefront).value("currentPodHash", "")};
    }

private Q_SLOTS:
    void init()
    {
        m_sim = std::make_unique<SimProcess>(podTimings(),
                                             sourceDir() + QStringLiteral("/tests/data/scenarios/rollouts.yaml"));
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
    }

    void cleanup() { m_sim.reset(); }

    void blueGreenFirstRevisionIsHealthyBehindTheActiveService()
    {
        QVERIFY2(waitPhase(kStorefront, "Healthy"), get(kStorefront).dump(1).c_str());
        Json s = status(kStorefront);
        const std::string hash = s.value("currentPodHash", "");
        QVERIFY(!hash.empty());
        QCOMPARE(s.value("stableRS", ""), hash);
        QVERIFY(!s.contains("message"));  // empty, so left out as the real controller's omitempty does
        JCOMPARE(s["blueGreen"]["activeSelector"], hash);
        JCOMPARE(s["blueGreen"]["previewSelector"], hash);
        JCOMPARE(s["replicas"], 2);
        JCOMPARE(s["updatedReplicas"], 2);
        JCOMPARE(s["availableReplicas"], 2);
        JCOMPARE(s["readyReplicas"], 2);
        JCOMPARE(s["observedGeneration"], "1");
        JCOMPARE(s["selector"], "app=storefront,rollouts-pod-template-hash=" + hash);
        QCOMPARE(selectorHash("shop", "storefront"), hash);
        QCOMPARE(selectorHash("shop", "storefront-preview"), hash);
        Json svc = get("/api/v1/namespaces/shop/services/storefront");
        JCOMPARE(svc["metadata"]["annotations"]["argo-rollouts.argoproj.io/managed-by-rollouts"], "storefront");
        // The ReplicaSet: NAME-HASH, owned by the Rollout, revision 1, the Rollout's annotations copied.
        Json rs = get("/apis/apps/v1/namespaces/shop/replicasets/storefront-" + hash);
        JCOMPARE(rs["metadata"]["labels"][kHashLabel], hash);
        JCOMPARE(rs["metadata"]["annotations"]["rollout.argoproj.io/revision"], "1");
        JCOMPARE(rs["metadata"]["annotations"]["pilothouse.dev/gitops-app"], "storefront");
        JCOMPARE(rs["metadata"]["ownerReferences"][0]["kind"], "Rollout");
        JCOMPARE(rs["spec"]["selector"]["matchLabels"][kHashLabel], hash);
        JCOMPARE(get(kStorefront)["metadata"]["annotations"]["rollout.argoproj.io/revision"], "1");
        // The active Service's endpoints are the revision's pods.
        QVERIFY(eventually([&] {
            Json ep = get("/api/v1/namespaces/shop/endpoints/storefront");
            return ep.contains("subsets") && ep["subsets"].size() == 1 && ep["subsets"][0].value("addresses", Json::array()).size() == 2;
        }));
        std::set<std::string> conds;
        for (const auto &c : s["conditions"])
            if (c.value("status", "") == "True")
                conds.insert(c.value("type", "") + "/" + c.value("reason", ""));
        QCOMPARE(conds, (std::set<std::string>{"Available/AvailableReason", "Completed/RolloutCompleted", "Healthy/RolloutHealthy",
                                               "Progressing/NewReplicaSetAvailable"}));
    }

    void blueGreenTemplateChangeWaitsAsPreviewThenPromotes()
    {
        auto [old, fresh] = storefrontWaitingFor170();
        QVERIFY2(!old.empty() && !fresh.empty() && old != fresh, get(kStorefront).dump(1).c_str());
        Json s = status(kStorefront);
        JCOMPARE(s["pauseConditions"][0]["reason"], "BlueGreenPause");
        QVERIFY(s["pauseConditions"][0].contains("startTime"));
        JCOMPARE(s["controllerPause"], true);
        QCOMPARE(s.value("stableRS", ""), old);
        JCOMPARE(s["blueGreen"]["activeSelector"], old);
        JCOMPARE(s["blueGreen"]["previewSelector"], fresh);
        JCOMPARE(s["observedGeneration"], "2");
        QCOMPARE(selectorHash("shop", "storefront"), old);
        QCOMPARE(selectorHash("shop", "storefront-preview"), fresh);
        QCOMPARE(rsReplicas("shop", "storefront", fresh, "status"), 2LL);
        QCOMPARE(rsReplicas("shop", "storefront", old, "status"), 2LL);
        JCOMPARE(get("/apis/apps/v1/namespaces/shop/replicasets/storefront-" + fresh)["metadata"]["annotations"]["rollout.argoproj.io/revision"], "2");
        JCOMPARE(get(kStorefront)["metadata"]["annotations"]["rollout.argoproj.io/revision"], "2");
        // The preview stays a preview: no promotion without the operator.
        QTest::qWait(1500);
        QCOMPARE(selectorHash("shop", "storefront"), old);

        // promote, as the plugin sends it for a paused blue-green rollout.
        const QDateTime promotedAt = QDateTime::currentDateTimeUtc();
        QVERIFY(patch(kStorefront + "/status", R"({"status":{"pauseConditions":null}})"));
        QVERIFY2(eventually([&] { return selectorHash("shop", "storefront") == fresh; }, 10000), get(kStorefront).dump(1).c_str());
        QVERIFY2(waitPhase(kStorefront, "Healthy"), get(kStorefront).dump(1).c_str());
        s = status(kStorefront);
        QCOMPARE(s.value("stableRS", ""), fresh);
        QVERIFY(!s.contains("pauseConditions"));
        QVERIFY(!s.contains("controllerPause"));
        // The old revision stays up for scaleDownDelaySeconds (5) with its deadline, then goes to 0.
        std::string deadlineText;
        QVERIFY(eventually([&] {
            return !(deadlineText = str(replicaSets("shop", "storefront")[old], {"metadata", "annotations", "scale-down-deadline"})).empty();
        }, 5000));
        const QDateTime deadline = QDateTime::fromString(QString::fromStdString(deadlineText), Qt::ISODate);
        QVERIFY2(deadline.isValid() && promotedAt.msecsTo(deadline) >= 3900, deadlineText.c_str());  // 5 s, at second precision
        QCOMPARE(rsReplicas("shop", "storefront", old), 2LL);
        QVERIFY2(eventually([&] { return rsReplicas("shop", "storefront", old) == 0; }, 15000), replicaSets("shop", "storefront")[old].dump(1).c_str());
        QVERIFY2(QDateTime::currentDateTimeUtc() >= deadline, deadlineText.c_str());
        QCOMPARE(rsReplicas("shop", "storefront", fresh), 2LL);
    }

    void abortKeepsTheStableRevisionActive()
    {
        auto [old, fresh] = storefrontWaitingFor170();
        QVERIFY(!old.empty());
        QVERIFY(patch(kStorefront + "/status", R"({"status":{"abort":true}})"));
        QVERIFY2(waitPhase(kStorefront, "Degraded", "RolloutAborted: Rollout aborted update to revision 2"), get(kStorefront).dump(1).c_str());
        Json s = status(kStorefront);
        JCOMPARE(s["abort"], true);
        QVERIFY(s.contains("abortedAt"));
        QVERIFY(!s.contains("pauseConditions"));
        QCOMPARE(s.value("stableRS", ""), old);
        QCOMPARE(s.value("currentPodHash", ""), fresh);
        QCOMPARE(selectorHash("shop", "storefront"), old);
        // The preview is scaled down after abortScaleDownDelaySeconds (3); the stable never is.
        QVERIFY2(eventually([&] { return rsReplicas("shop", "storefront", fresh) == 0; }, 15000), replicaSets("shop", "storefront")[fresh].dump(1).c_str());
        QCOMPARE(rsReplicas("shop", "storefront", old), 2LL);
        QCOMPARE(selectorHash("shop", "storefront"), old);
        QCOMPARE(phase(kStorefront), std::string("Degraded"));

        // retry: the preview comes back and waits again.
        QVERIFY(patch(kStorefront + "/status", R"({"status":{"abort":false}})"));
        QVERIFY2(waitPhase(kStorefront, "Paused", "BlueGreenPause"), get(kStorefront).dump(1).c_str());
        QCOMPARE(rsReplicas("shop", "storefront", fresh, "status"), 2LL);
        QCOMPARE(selectorHash("shop", "storefront"), old);
    }

    void promoteFullSkipsThePause()
    {
        auto [old, fresh] = storefrontWaitingFor170();
        QVERIFY(!old.empty());
        QVERIFY(patch(kStorefront + "/status", R"({"status":{"promoteFull":true}})"));
        QVERIFY2(waitPhase(kStorefront, "Healthy"), get(kStorefront).dump(1).c_str());
        Json s = status(kStorefront);
        QCOMPARE(s.value("stableRS", ""), fresh);
        QVERIFY(!s.contains("promoteFull"));
        QCOMPARE(selectorHash("shop", "storefront"), fresh);
    }

    void undoReusesTheOldReplicaSetWithANewRevision()
    {
        auto [old, fresh] = storefrontWaitingFor170();
        QVERIFY(!old.empty());
        QVERIFY(patch(kStorefront + "/status", R"({"status":{"pauseConditions":null}})"));
        QVERIFY(waitPhase(kStorefront, "Healthy"));
        QVERIFY(eventually([&] { return rsReplicas("shop", "storefront", old) == 0; }, 15000));

        // undo: the previous revision's template without the hash label, as a JSON patch.
        Json tmpl = replicaSets("shop", "storefront")[old]["spec"]["template"];
        tmpl["metadata"]["labels"].erase(kHashLabel);
        QVERIFY(patch(kStorefront, Json::array({{{"op", "replace"}, {"path", "/spec/template"}, {"value", tmpl}}}).dump(), "application/json-patch+json"));
        QVERIFY2(waitPhase(kStorefront, "Paused", "BlueGreenPause"), get(kStorefront).dump(1).c_str());
        Json s = status(kStorefront);
        QCOMPARE(s.value("currentPodHash", ""), old);  // the old ReplicaSet, not a new one
        QCOMPARE(replicaSets("shop", "storefront").size(), size_t(2));
        Json rs = replicaSets("shop", "storefront")[old];
        JCOMPARE(rs["metadata"]["annotations"]["rollout.argoproj.io/revision"], "3");
        JCOMPARE(rs["metadata"]["annotations"]["rollout.argoproj.io/revision-history"], "1");
        JCOMPARE(get(kStorefront)["metadata"]["annotations"]["rollout.argoproj.io/revision"], "3");
        QCOMPARE(selectorHash("shop", "storefront-preview"), old);
        QCOMPARE(selectorHash("shop", "storefront"), fresh);
        QVERIFY(patch(kStorefront + "/status", R"({"status":{"pauseConditions":null}})"));
        QVERIFY(waitPhase(kStorefront, "Healthy"));
        QCOMPARE(selectorHash("shop", "storefront"), old);
        QCOMPARE(status(kStorefront).value("stableRS", ""), old);
    }

    void autoPromotionSecondsPromotesByItself()
    {
        QVERIFY(waitPhase(kStorefront, "Healthy"));
        const std::string old = status(kStorefront).value("currentPodHash", "");
        QVERIFY(patch(kStorefront, R"({"spec":{"strategy":{"blueGreen":{"autoPromotionEnabled":true,"autoPromotionSeconds":2}},)"
                                   R"("template":{"spec":{"containers":[{"name":"storefront","image":"registry.pilothouse.dev/shop/storefront:171"}]}}}})"));
        QVERIFY2(waitPhase(kStorefront, "Paused", "BlueGreenPause"), get(kStorefront).dump(1).c_str());
        const QDateTime pausedAt = QDateTime::fromString(QString::fromStdString(str(status(kStorefront)["pauseConditions"][0], {"startTime"})), Qt::ISODate);
        QVERIFY(pausedAt.isValid());
        const std::string fresh = status(kStorefront).value("currentPodHash", "");
        QVERIFY(fresh != old);
        QVERIFY2(eventually([&] { return selectorHash("shop", "storefront") == fresh; }, 10000), get(kStorefront).dump(1).c_str());
        // The pause's start has second precision: the switch comes more than 2 s after it.
        QVERIFY2(pausedAt.msecsTo(QDateTime::currentDateTimeUtc()) > 2000, qPrintable(pausedAt.toString(Qt::ISODate)));
        QVERIFY(waitPhase(kStorefront, "Healthy"));
    }

    void prePromotionAnalysisAndPreviewReplicaCount()
    {
        QVERIFY(waitPhase(kStorefront, "Healthy"));
        const std::string old = status(kStorefront).value("currentPodHash", "");
        Json smoke = {{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "AnalysisTemplate"}, {"metadata", {{"name", "smoke"}}},
                      {"spec", {{"metrics", {{{"name", "success-rate"}, {"interval", "1s"}, {"count", 2}, {"successCondition", "result[0] >= 0.99"},
                                              {"provider", {{"prometheus", {{"address", "http://prometheus:9090"}, {"query", "up"}}}}}}}}}}};
        QCOMPARE(m_sim->request("POST", "/apis/argoproj.io/v1alpha1/namespaces/shop/analysistemplates", smoke.dump()).status, 201);
        QVERIFY(patch(kStorefront, R"({"spec":{"strategy":{"blueGreen":{"previewReplicaCount":1,"prePromotionAnalysis":{"templates":[{"templateName":"smoke"}]}}},)"
                                   R"("template":{"spec":{"containers":[{"name":"storefront","image":"registry.pilothouse.dev/shop/storefront:172"}]}}}})"));
        // The preview runs one pod; the pause comes once the pre-promotion analysis passed.
        QVERIFY2(waitPhase(kStorefront, "Paused", "BlueGreenPause"), get(kStorefront).dump(1).c_str());
        Json s = status(kStorefront);
        const std::string fresh = s.value("currentPodHash", "");
        JCOMPARE(s["blueGreen"]["prePromotionAnalysisRunStatus"]["status"], "Successful");
        JCOMPARE(s["blueGreen"]["prePromotionAnalysisRunStatus"]["name"], "storefront-" + fresh + "-2-pre");
        Json run = get("/apis/argoproj.io/v1alpha1/namespaces/shop/analysisruns/storefront-" + fresh + "-2-pre");
        JCOMPARE(run["metadata"]["labels"]["rollout-type"], "PrePromotion");
        JCOMPARE(run["status"]["metricResults"][0]["count"], 2);
        QCOMPARE(rsReplicas("shop", "storefront", fresh), 1LL);
        QCOMPARE(selectorHash("shop", "storefront"), old);
        // promote: the preview grows to full size before the active Service switches.
        QVERIFY(patch(kStorefront + "/status", R"({"status":{"pauseConditions":null}})"));
        QVERIFY2(waitPhase(kStorefront, "Healthy"), get(kStorefront).dump(1).c_str());
        QCOMPARE(selectorHash("shop", "storefront"), fresh);
        QCOMPARE(rsReplicas("shop", "storefront", fresh, "status"), 2LL);

        // A failing pre-promotion analysis aborts: the active Service never sees the new pods.
        QVERIFY(m_sim->control("error-rate", "namespace=shop&image=registry.pilothouse.dev/shop/storefront:173&percent=5"));
        QVERIFY(setImage(kStorefront, "registry.pilothouse.dev/shop/storefront:173"));
        QVERIFY2(waitPhase(kStorefront, "Degraded", {}, 20000), get(kStorefront).dump(1).c_str());
        s = status(kStorefront);
        QVERIFY2(s.value("message", "").find("metric \"success-rate\" assessed Failed") != std::string::npos, s.value("message", "").c_str());
        JCOMPARE(s["blueGreen"]["prePromotionAnalysisRunStatus"]["status"], "Failed");
        QCOMPARE(selectorHash("shop", "storefront"), fresh);
        QVERIFY(!s.contains("pauseConditions"));
    }

    void specPausedHoldsTheUpdate()
    {
        QVERIFY(waitPhase(kStorefront, "Healthy"));
        const std::string old = status(kStorefront).value("currentPodHash", "");
        QVERIFY(patch(kStorefront, R"({"spec":{"paused":true,"template":{"spec":{"containers":[{"name":"storefront","image":"registry.pilothouse.dev/shop/storefront:174"}]}}}})"));
        QVERIFY2(waitPhase(kStorefront, "Paused", "manually paused"), get(kStorefront).dump(1).c_str());
        QTest::qWait(1500);
        QCOMPARE(selectorHash("shop", "storefront-preview"), old);  // held: no preview switch
        QCOMPARE(selectorHash("shop", "storefront"), old);
        QVERIFY(patch(kStorefront, R"({"spec":{"paused":false}})"));
        QVERIFY2(waitPhase(kStorefront, "Paused", "BlueGreenPause"), get(kStorefront).dump(1).c_str());
        QVERIFY(selectorHash("shop", "storefront-preview") != old);
        QCOMPARE(selectorHash("shop", "storefront"), old);
    }

    void badRolloutsAreReportedNotFatal()
    {
        const std::string base = "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts";
        auto rollout = [](const std::string &name, Json spec) {
            return Json({{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Rollout"}, {"metadata", {{"name", name}}}, {"spec", spec}}).dump();
        };
        const Json tmpl = {{"metadata", {{"labels", {{"app", "x"}}}}}, {"spec", {{"containers", {{{"name", "x"}, {"image", "x:1"}}}}}}};
        // No strategy: InvalidSpec, Degraded.
        QCOMPARE(m_sim->request("POST", base, rollout("nostrategy", {{"selector", {{"matchLabels", {{"app", "x"}}}}}, {"template", tmpl}})).status, 201);
        // A preview Service that does not exist.
        QCOMPARE(m_sim->request("POST", base, rollout("nopreview", {{"selector", {{"matchLabels", {{"app", "x"}}}}}, {"template", tmpl},
                                                                    {"strategy", {{"blueGreen", {{"activeService", "storefront"}, {"previewService", "missing"}}}}}}))
                     .status,
                 201);
        // A template the ReplicaSet cannot take (no image).
        Json noImage = tmpl;
        noImage["spec"]["containers"][0].erase("image");
        QCOMPARE(m_sim->request("POST", base, rollout("noimage", {{"selector", {{"matchLabels", {{"app", "x"}}}}}, {"template", noImage},
                                                                  {"strategy", {{"canary", Json::object()}}}}))
                     .status,
                 201);
        // Fields of the wrong type.
        QCOMPARE(m_sim->request("POST", base, rollout("garbage", {{"selector", {{"matchLabels", {{"app", "x"}}}}}, {"template", tmpl},
                                                                  {"strategy", {{"canary", {{"steps", "oops"}, {"analysis", 3}}}}}}))
                     .status,
                 201);
        QVERIFY2(eventually([&] {
                     Json s = status(base + "/nostrategy");
                     return s.value("phase", "") == "Degraded" && s.value("message", "").find("InvalidSpec: ") == 0;
                 }),
                 get(base + "/nostrategy").dump(1).c_str());
        QVERIFY2(eventually([&] { return status(base + "/nopreview").value("message", "").find("service \"missing\" not found") != std::string::npos; }),
                 get(base + "/nopreview").dump(1).c_str());
        QVERIFY2(eventually([&] {
                     for (const auto &c : status(base + "/noimage").value("conditions", Json::array()))
                         if (c.value("reason", "") == "ReplicaSetCreateError" && c.value("message", "").find("spec.template.spec.containers[0].image") != std::string::npos)
                             return true;
                     return false;
                 }),
                 get(base + "/noimage").dump(1).c_str());
        QVERIFY2(waitPhase(base + "/garbage", "Healthy"), get(base + "/garbage").dump(1).c_str());
        // The controller still works for the others.
        QVERIFY(waitPhase(kStorefront, "Healthy"));
        QVERIFY(setImage(kStorefront, "registry.pilothouse.dev/shop/storefront:175"));
        QVERIFY(waitPhase(kStorefront, "Paused", "BlueGreenPause"));
    }

    void restartAtReplacesEveryPod()
    {
        QVERIFY(waitPhase(kStorefront, "Healthy"));
        auto podNames = [&] {
            std::set<std::string> names;
            for (const auto &p : get("/api/v1/namespaces/shop/pods?labelSelector=app%3Dstorefront").value("items", Json::array()))
                names.insert(str(p, {"metadata", "name"}));
            return names;
        };
        const auto before = podNames();
        QCOMPARE(before.size(), size_t(2));
        QTest::qWait(1100);  // restartAt has second precision: the pods must be older than it
        const std::string at = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
        QVERIFY(patch(kStorefront, Json({{"spec", {{"restartAt", at}}}}).dump()));
        QVERIFY2(eventually([&] { return status(kStorefront).value("restartedAt", "") == at; }, 20000), get(kStorefront).dump(1).c_str());
        QVERIFY(waitPhase(kStorefront, "Healthy"));
        const auto after = podNames();
        for (const auto &n : before)
            QVERIFY2(!after.count(n), n.c_str());
    }

    void canaryStepsAdvanceWithWeightsAndTimedPauses()
    {
        QVERIFY(waitPhase(kMenu, "Healthy"));
        const std::string stable = status(kMenu).value("stableRS", "");
        JCOMPARE(status(kMenu)["currentStepIndex"], 6);
        QVERIFY(setImage(kMenu, "registry.pilothouse.dev/cafe/menu:43"));
        // Step 0: setWeight 25 -> one canary pod beside the two stable ones; step 1: pause {}.
        QVERIFY2(waitPhase(kMenu, "Paused", "CanaryPauseStep"), get(kMenu).dump(1).c_str());
        Json s = status(kMenu);
        const std::string canary = s.value("currentPodHash", "");
        JCOMPARE(s["currentStepIndex"], 1);
        JCOMPARE(s["pauseConditions"][0]["reason"], "CanaryPauseStep");
        JCOMPARE(s["canary"]["weights"]["canary"]["weight"], 25);
        JCOMPARE(s["canary"]["weights"]["canary"]["podTemplateHash"], canary);
        JCOMPARE(s["canary"]["weights"]["stable"]["weight"], 75);
        QVERIFY(!s.value("currentStepHash", "").empty());
        QCOMPARE(rsReplicas("cafe", "menu", canary), 1LL);
        QCOMPARE(rsReplicas("cafe", "menu", stable), 2LL);
        QCOMPARE(selectorHash("cafe", "menu"), stable);
        // The background analysis runs beside the steps and passes at 0 % errors.
        QVERIFY(eventually([&] { return str(status(kMenu), {"canary", "currentBackgroundAnalysisRunStatus", "status"}) == "Successful"; }, 15000));

        // promote: the plugin clears the pause; setWeight 50, then pause 3 s ends by itself.
        QVERIFY(patch(kMenu + "/status", R"({"status":{"pauseConditions":null}})"));
        QVERIFY2(eventually([&] { Json st = status(kMenu); return st.value("currentStepIndex", -1) == 3 && st.contains("pauseConditions"); }, 15000),
                 get(kMenu).dump(1).c_str());
        const QDateTime pausedAt = QDateTime::fromString(QString::fromStdString(str(status(kMenu)["pauseConditions"][0], {"startTime"})), Qt::ISODate);
        QVERIFY(pausedAt.isValid());
        QCOMPARE(rsReplicas("cafe", "menu", canary), 1LL);
        QCOMPARE(rsReplicas("cafe", "menu", stable), 1LL);
        JCOMPARE(status(kMenu)["canary"]["weights"]["canary"]["weight"], 50);
        QVERIFY(eventually([&] { return status(kMenu).value("currentStepIndex", -1) >= 4; }, 10000));
        QVERIFY2(pausedAt.msecsTo(QDateTime::currentDateTimeUtc()) > 3000, qPrintable(pausedAt.toString(Qt::ISODate)));
        // setWeight 75 and the last pause, then the canary is the new stable.
        QVERIFY2(waitPhase(kMenu, "Healthy", {}, 20000), get(kMenu).dump(1).c_str());
        s = status(kMenu);
        QCOMPARE(s.value("stableRS", ""), canary);
        JCOMPARE(s["currentStepIndex"], 6);
        QVERIFY(eventually([&] { return rsReplicas("cafe", "menu", stable) == 0 && rsReplicas("cafe", "menu", canary, "status") == 2; }, 10000));
        QCOMPARE(selectorHash("cafe", "menu"), canary);
    }

    void failingAnalysisAbortsTheCanary()
    {
        QVERIFY(waitPhase(kMenu, "Healthy"));
        const std::string stable = status(kMenu).value("stableRS", "");
        // Refused without the right parameters, and for the read-only identity.
        QCOMPARE(m_sim->request("POST", "/sim/v1/error-rate?namespace=cafe&image=x&percent=150").status, 400);
        QCOMPARE(m_sim->request("POST", "/sim/v1/error-rate?namespace=cafe&percent=5").status, 400);
        QCOMPARE(m_sim->request("POST", "/sim/v1/error-rate?namespace=cafe&image=x&percent=5", {}, "application/json", Identity::Viewer).status, 403);
        QVERIFY(m_sim->control("error-rate", "namespace=cafe&image=registry.pilothouse.dev/cafe/menu:44&percent=20"));
        QVERIFY(setImage(kMenu, "registry.pilothouse.dev/cafe/menu:44"));
        QVERIFY2(waitPhase(kMenu, "Degraded", {}, 20000), get(kMenu).dump(1).c_str());
        Json s = status(kMenu);
        const std::string canary = s.value("currentPodHash", "");
        const std::string message = s.value("message", "");
        QVERIFY2(message.rfind("RolloutAborted: Rollout aborted update to revision 2: metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)", 0) == 0,
                 message.c_str());
        JCOMPARE(s["abort"], true);
        JCOMPARE(s["currentStepIndex"], 0);
        QCOMPARE(s.value("stableRS", ""), stable);
        JCOMPARE(s["canary"]["currentBackgroundAnalysisRunStatus"]["status"], "Failed");
        // The AnalysisRun: named after the revision, owned by the Rollout, with the measured value.
        const std::string runName = "menu-" + canary + "-2";
        Json run = get("/apis/argoproj.io/v1alpha1/namespaces/cafe/analysisruns/" + runName);
        JCOMPARE(run["metadata"]["ownerReferences"][0]["kind"], "Rollout");
        JCOMPARE(run["metadata"]["labels"][kHashLabel], canary);
        JCOMPARE(run["metadata"]["labels"]["rollout-type"], "Background");
        JCOMPARE(run["status"]["phase"], "Failed");
        JCOMPARE(run["status"]["metricResults"][0]["measurements"][0]["value"], "[0.8]");
        JCOMPARE(run["status"]["metricResults"][0]["measurements"][0]["phase"], "Failed");
        // The canary goes away, the stable serves everything.
        QVERIFY(eventually([&] { return rsReplicas("cafe", "menu", canary) == 0 && rsReplicas("cafe", "menu", stable) == 2; }, 10000));
        QCOMPARE(selectorHash("cafe", "menu"), stable);
    }

    void canaryStepAnalysis()
    {
        QVERIFY(waitPhase(kMenu, "Healthy"));
        // New steps with an analysis step; the new steps' hash leaves the stable revision as is.
        QVERIFY(patch(kMenu, R"({"spec":{"strategy":{"canary":{"analysis":null,"steps":[{"setWeight":50},)"
                             R"({"analysis":{"templates":[{"templateName":"success-rate"}],"args":[{"name":"service-name","value":"menu"}]}},)"
                             R"({"pause":{"duration":"1s"}}]}}}})"));
        QVERIFY(eventually([&] { return status(kMenu).value("currentStepIndex", -1) == 3 && phase(kMenu) == "Healthy"; }, 10000));
        const std::string before = status(kMenu).value("stableRS", "");
        QVERIFY(setImage(kMenu, "registry.pilothouse.dev/cafe/menu:46"));
        QVERIFY2(eventually([&] {
                     Json st = status(kMenu);
                     return st.value("phase", "") == "Healthy" && st.value("stableRS", "") != before;
                 }, 30000),
                 get(kMenu).dump(1).c_str());
        const std::string canary = status(kMenu).value("stableRS", "");
        Json run = get("/apis/argoproj.io/v1alpha1/namespaces/cafe/analysisruns/menu-" + canary + "-2-1");
        JCOMPARE(run["metadata"]["labels"]["rollout-type"], "Step");
        JCOMPARE(run["metadata"]["labels"]["step-index"], "1");
        JCOMPARE(run["status"]["phase"], "Successful");
        JCOMPARE(run["status"]["metricResults"][0]["count"], 3);
        bool told = false;
        for (const auto &e : get("/api/v1/namespaces/cafe/events?fieldSelector=involvedObject.name%3Dmenu").value("items", Json::array()))
            told = told || (e.value("reason", "") == "AnalysisRunSuccessful" && e.value("message", "").find("menu-" + canary + "-2-1") != std::string::npos);
        QVERIFY(told);
    }

    void analysisConditions()
    {
        // Through the measured value of a run: a healthy revision passes the same template.
        QVERIFY(waitPhase(kMenu, "Healthy"));
        QVERIFY(m_sim->control("error-rate", "namespace=cafe&image=registry.pilothouse.dev/cafe/menu:45&percent=4"));
        QVERIFY(setImage(kMenu, "registry.pilothouse.dev/cafe/menu:45"));
        QVERIFY2(eventually([&] { return str(status(kMenu), {"canary", "currentBackgroundAnalysisRunStatus", "status"}) == "Successful"; }, 20000),
                 get(kMenu).dump(1).c_str());
        const std::string canary = status(kMenu).value("currentPodHash", "");
        Json run = get("/apis/argoproj.io/v1alpha1/namespaces/cafe/analysisruns/menu-" + canary + "-2");
        JCOMPARE(run["status"]["metricResults"][0]["count"], 3);
        JCOMPARE(run["status"]["metricResults"][0]["successful"], 3);
        JCOMPARE(run["status"]["metricResults"][0]["measurements"][2]["value"], "[0.96]");
        QCOMPARE(phase(kMenu), std::string("Paused"));
    }
};

QTEST_GUILESS_MAIN(TestSimRollouts)
#include "tst_simrollouts.moc"
