// Unit tests of the rollout actions: the exact patch, content type and target each sends, the
// precondition, the confirmation text, and why an action does not apply.
#include "rollouts/rolloutactions.h"
#include "rolloutfixture.h"

#include <QJsonArray>
#include <QTest>

using namespace pilothouse::backends;
using namespace pilothouse::backends::rollouts;

namespace {
struct Loaded {
    RolloutFixture f;
    RolloutInfo info;
};
Loaded load(const QString &fixture, const std::function<void(QJsonObject &)> &editRollout = {})
{
    Loaded l;
    l.f = loadRolloutFixture(fixture);
    if (!l.f.error.isEmpty())
        qFatal("%s", qPrintable(l.f.error));
    if (editRollout)
        editRollout(l.f.rollout);
    l.info = rolloutInfo(l.f.rollout, l.f.replicaSets, l.f.pods, l.f.analysisRuns);
    return l;
}
void editStatus(QJsonObject &ro, const std::function<void(QJsonObject &)> &edit)
{
    QJsonObject s = ro.value(QStringLiteral("status")).toObject();
    edit(s);
    ro.insert(QStringLiteral("status"), s);
}
void setSpecPaused(QJsonObject &ro)
{
    QJsonObject spec = ro.value(QStringLiteral("spec")).toObject();
    spec.insert(QStringLiteral("paused"), true);
    ro.insert(QStringLiteral("spec"), spec);
}
QByteArray json(const QJsonArray &a) { return QJsonDocument(a).toJson(QJsonDocument::Compact); }
QJsonObject templateOf(const QJsonObject &rs, const QString &dropLabel)
{
    QJsonObject t = rs.value(QStringLiteral("spec")).toObject().value(QStringLiteral("template")).toObject();
    QJsonObject meta = t.value(QStringLiteral("metadata")).toObject();
    QJsonObject labels = meta.value(QStringLiteral("labels")).toObject();
    labels.remove(dropLabel);
    meta.insert(QStringLiteral("labels"), labels);
    t.insert(QStringLiteral("metadata"), meta);
    return t;
}
QJsonObject replicaSetNamed(const RolloutFixture &f, const QString &name)
{
    for (const QJsonObject &rs : f.replicaSets)
        if (rs.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("name")).toString() == name)
            return rs;
    qFatal("no ReplicaSet %s", qPrintable(name));
}
}  // namespace

class TestRolloutActions : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void promoteBlueGreenPausedForPromotion()
    {
        const Loaded l = load(QStringLiteral("bluegreen-paused.yaml"));
        const RolloutAction r = RolloutActions::promote(l.info);
        QVERIFY2(r.applies(), qPrintable(r.notApplicable));
        const actions::Action &a = r.action;
        QCOMPARE(a.name, QStringLiteral("promote"));
        QCOMPARE(a.objectLabel(), QStringLiteral("rollouts.argoproj.io shop/storefront"));
        QCOMPARE(a.resource.objectPath(a.ns, a.objectName), QStringLiteral("/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/storefront"));
        QCOMPARE(a.verb, QStringLiteral("patch"));
        QCOMPARE(a.subresource, QStringLiteral("status"));
        QCOMPARE(kube::patchContentType(a.patchKind), QByteArray("application/merge-patch+json"));
        QCOMPARE(a.body, QByteArray(R"({"metadata":{"resourceVersion":"48213"},"status":{"pauseConditions":null}})"));
        QCOMPARE(a.fallbackBody, QByteArray(R"({"metadata":{"resourceVersion":"48213"},"spec":{"paused":false},"status":{"pauseConditions":null}})"));
        QVERIFY(a.followUpBody.isEmpty());
        QCOMPARE(a.expectedResourceVersion, QStringLiteral("48213"));
        QCOMPARE(a.change, QStringLiteral("active service storefront: revision 3 (storefront:169) → revision 4 (storefront:170); "
                                          "3 pods of revision 3 scale down after 30 s"));
    }

    void promoteManuallyPausedPatchesTheSpec()
    {
        const Loaded l = load(QStringLiteral("bluegreen-paused.yaml"), [](QJsonObject &ro) {
            setSpecPaused(ro);
            editStatus(ro, [](QJsonObject &s) { s.remove(QStringLiteral("pauseConditions")); s.remove(QStringLiteral("controllerPause")); });
        });
        const actions::Action a = RolloutActions::promote(l.info).action;
        QVERIFY(a.subresource.isEmpty());
        QCOMPARE(a.body, QByteArray(R"({"metadata":{"resourceVersion":"48213"},"spec":{"paused":false}})"));
        QVERIFY(a.fallbackBody.isEmpty());
        QVERIFY(a.change.endsWith(QStringLiteral("; spec.paused = false")));
    }

    void promotePausedBothWaysSendsStatusThenSpec()
    {
        const Loaded l = load(QStringLiteral("bluegreen-paused.yaml"), setSpecPaused);
        const actions::Action a = RolloutActions::promote(l.info).action;
        QCOMPARE(a.subresource, QStringLiteral("status"));
        QCOMPARE(a.body, QByteArray(R"({"metadata":{"resourceVersion":"48213"},"status":{"pauseConditions":null}})"));
        QCOMPARE(a.followUpBody, QByteArray(R"({"spec":{"paused":false}})"));
        QCOMPARE(a.partialState, QStringLiteral("pause conditions cleared, spec.paused still true"));
        // The spec half goes to the main resource: its permission is asked for as well.
        QCOMPARE(actions::ActionFacade::permissionTargets(a), (QStringList{QStringLiteral("status"), QString()}));
    }

    // The plugin's getPatches for a canary paused by hand mid-step (no pause condition): the
    // status half skips the step, the spec half unpauses.
    void promoteCanaryPausedByHandMidStepSkipsTheStepAndUnpauses()
    {
        const Loaded l = load(QStringLiteral("canary-midsteps.yaml"), [](QJsonObject &ro) {
            setSpecPaused(ro);
            editStatus(ro, [](QJsonObject &s) {
                s.remove(QStringLiteral("pauseConditions"));
                s.insert(QStringLiteral("controllerPause"), false);
                s.insert(QStringLiteral("currentStepIndex"), 2);
            });
        });
        const RolloutAction r = RolloutActions::promote(l.info);
        QVERIFY2(r.applies(), qPrintable(r.notApplicable));
        const actions::Action &a = r.action;
        QCOMPARE(a.subresource, QStringLiteral("status"));
        QCOMPARE(a.body, QByteArray(R"({"metadata":{"resourceVersion":"77120"},"status":{"currentStepIndex":3,"pauseConditions":null}})"));
        QCOMPARE(a.followUpBody, QByteArray(R"({"spec":{"paused":false}})"));
        QCOMPARE(a.fallbackBody,
                 QByteArray(R"({"metadata":{"resourceVersion":"77120"},"spec":{"paused":false},"status":{"currentStepIndex":3,"pauseConditions":null}})"));
        QCOMPARE(a.partialState, QStringLiteral("pause conditions cleared and step 2 skipped, spec.paused still true"));
        QCOMPARE(actions::ActionFacade::permissionTargets(a), (QStringList{QStringLiteral("status"), QString()}));
        QVERIFY2(a.change.endsWith(QStringLiteral("; spec.paused = false")), qPrintable(a.change));
        // Without a current step (all steps done) only the spec half is left, as before.
        const Loaded done = load(QStringLiteral("canary-midsteps.yaml"), [](QJsonObject &ro) {
            setSpecPaused(ro);
            editStatus(ro, [](QJsonObject &s) {
                s.remove(QStringLiteral("pauseConditions"));
                s.insert(QStringLiteral("currentStepIndex"), 6);
            });
        });
        const actions::Action b = RolloutActions::promote(done.info).action;
        QVERIFY(b.subresource.isEmpty());
        QCOMPARE(b.body, QByteArray(R"({"metadata":{"resourceVersion":"77120"},"spec":{"paused":false}})"));
        QVERIFY(b.followUpBody.isEmpty());
        QCOMPARE(actions::ActionFacade::permissionTargets(b), QStringList{QString()});
    }

    void promoteCanaryAtAPauseStep()
    {
        const Loaded l = load(QStringLiteral("canary-midsteps.yaml"));
        const RolloutAction r = RolloutActions::promote(l.info);
        QVERIFY(r.applies());
        QCOMPARE(r.action.body, QByteArray(R"({"metadata":{"resourceVersion":"77120"},"status":{"pauseConditions":null}})"));
        QCOMPARE(r.action.change, QStringLiteral("canary revision 2 (menu:43) continues after step 1/6 (pause) at 25 %; next: setWeight: 50"));
    }

    void promoteCanaryWithoutPauseSkipsTheStep()
    {
        const Loaded l = load(QStringLiteral("canary-midsteps.yaml"), [](QJsonObject &ro) {
            editStatus(ro, [](QJsonObject &s) {
                s.remove(QStringLiteral("pauseConditions"));
                s.insert(QStringLiteral("controllerPause"), false);
                s.insert(QStringLiteral("currentStepIndex"), 2);
                s.insert(QStringLiteral("phase"), QStringLiteral("Progressing"));
            });
        });
        const actions::Action a = RolloutActions::promote(l.info).action;
        QCOMPARE(a.subresource, QStringLiteral("status"));
        QCOMPARE(a.body, QByteArray(R"({"metadata":{"resourceVersion":"77120"},"status":{"currentStepIndex":3,"pauseConditions":null}})"));
        QCOMPARE(a.fallbackBody,
                 QByteArray(R"({"metadata":{"resourceVersion":"77120"},"spec":{"paused":false},"status":{"currentStepIndex":3,"pauseConditions":null}})"));
        QCOMPARE(a.change, QStringLiteral("skip step 2/6 (setWeight: 50) of canary revision 2 (menu:43)"));
    }

    void promoteDoesNotApply_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QString>("reason");
        QTest::newRow("healthy blue-green") << "bluegreen-promoted.yaml" << "Not paused: nothing waits for promotion (Healthy)";
        QTest::newRow("aborted") << "bluegreen-aborted.yaml" << "The update was aborted: retry it, or undo to a revision";
        QTest::newRow("invalid spec") << "invalid-spec.yaml"
                                      << "The rollout's spec is invalid: The Rollout \"basket\" is invalid: spec.strategy.blueGreen.activeService: "
                                         "Invalid value: \"basket-active\": service \"basket-active\" not found";
    }
    void promoteDoesNotApply()
    {
        QFETCH(QString, fixture);
        QFETCH(QString, reason);
        const RolloutAction r = RolloutActions::promote(load(fixture).info);
        QVERIFY(!r.applies());
        QCOMPARE(r.notApplicable, reason);
    }

    void promoteFull()
    {
        const RolloutAction r = RolloutActions::promoteFull(load(QStringLiteral("bluegreen-paused.yaml")).info);
        QVERIFY(r.applies());
        QCOMPARE(r.action.subresource, QStringLiteral("status"));
        QCOMPARE(r.action.body, QByteArray(R"({"metadata":{"resourceVersion":"48213"},"status":{"promoteFull":true}})"));
        QCOMPARE(r.action.fallbackBody, r.action.body);
        QCOMPARE(r.action.change, QStringLiteral("skip pauses and analysis: active service storefront: revision 3 (storefront:169) → "
                                                 "revision 4 (storefront:170); 3 pods of revision 3 scale down after 30 s"));
        const RolloutAction canary = RolloutActions::promoteFull(load(QStringLiteral("canary-midsteps.yaml")).info);
        QCOMPARE(canary.action.change,
                 QStringLiteral("skip the remaining steps and analysis: canary revision 2 (menu:43) takes 100 % now; stable revision 1 (menu:42) scales down"));
        const RolloutAction stable = RolloutActions::promoteFull(load(QStringLiteral("bluegreen-promoted.yaml")).info);
        QVERIFY(!stable.applies());
        QCOMPARE(stable.notApplicable, QStringLiteral("Already fully promoted: revision 4 (storefront:170) is stable"));
    }

    void abortAndRetry()
    {
        const RolloutAction abort = RolloutActions::abort(load(QStringLiteral("bluegreen-paused.yaml")).info);
        QVERIFY(abort.applies());
        QCOMPARE(abort.action.subresource, QStringLiteral("status"));
        QCOMPARE(abort.action.body, QByteArray(R"({"metadata":{"resourceVersion":"48213"},"status":{"abort":true}})"));
        QCOMPARE(abort.action.fallbackBody, abort.action.body);
        QCOMPARE(abort.action.change, QStringLiteral("abort the update to revision 4 (storefront:170): active service storefront stays on "
                                                     "revision 3 (storefront:169); the 3 pods of revision 4 scale down (the template still names "
                                                     "storefront:170; retry starts the update again)"));
        QCOMPARE(RolloutActions::abort(load(QStringLiteral("bluegreen-aborted.yaml")).info).notApplicable, QStringLiteral("Already aborted"));
        QCOMPARE(RolloutActions::abort(load(QStringLiteral("bluegreen-promoted.yaml")).info).notApplicable,
                 QStringLiteral("No update in progress: revision 4 (storefront:170) is stable"));

        const RolloutAction retry = RolloutActions::retry(load(QStringLiteral("bluegreen-aborted.yaml")).info);
        QVERIFY(retry.applies());
        QCOMPARE(retry.action.subresource, QStringLiteral("status"));
        QCOMPARE(retry.action.body, QByteArray(R"({"metadata":{"resourceVersion":"48301"},"status":{"abort":false}})"));
        QCOMPARE(retry.action.change, QStringLiteral("retry the update to revision 4 (storefront:170) (status.abort = false)"));
        QCOMPARE(RolloutActions::retry(load(QStringLiteral("bluegreen-paused.yaml")).info).notApplicable,
                 QStringLiteral("Not aborted: retry resumes an aborted update"));
    }

    void undoToThePreviousRevision()
    {
        const Loaded l = load(QStringLiteral("bluegreen-promoted.yaml"));
        const RolloutAction r = RolloutActions::undo(l.info);
        QVERIFY2(r.applies(), qPrintable(r.notApplicable));
        QVERIFY(r.action.subresource.isEmpty());
        QCOMPARE(kube::patchContentType(r.action.patchKind), QByteArray("application/json-patch+json"));
        const QJsonObject templ = templateOf(replicaSetNamed(l.f, QStringLiteral("storefront-5d7c9b8f46")), QStringLiteral("rollouts-pod-template-hash"));
        QCOMPARE(templ.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("labels")).toObject(),
                 QJsonObject({{QStringLiteral("app"), QStringLiteral("storefront")}}));
        const QJsonObject seen = l.f.rollout.value(QStringLiteral("spec")).toObject().value(QStringLiteral("template")).toObject();
        const QJsonArray expected{
            QJsonObject{{QStringLiteral("op"), QStringLiteral("test")}, {QStringLiteral("path"), QStringLiteral("/spec/template")}, {QStringLiteral("value"), seen}},
            QJsonObject{{QStringLiteral("op"), QStringLiteral("replace")}, {QStringLiteral("path"), QStringLiteral("/spec/template")}, {QStringLiteral("value"), templ}}};
        QCOMPARE(r.action.body, json(expected));
        QVERIFY(!r.action.body.contains("rollouts-pod-template-hash"));
        QVERIFY(r.action.body.contains("storefront:170"));  // in the test op: the template the operator saw
        QCOMPARE(r.action.change, QStringLiteral("spec.template ← revision 3 (storefront:169): image storefront:170 → storefront:169; "
                                                 "it comes up behind preview service storefront-preview and waits for promotion"));

        const RolloutAction two = RolloutActions::undo(l.info, 2);
        QVERIFY(two.applies());
        QVERIFY(two.action.body.contains("storefront:168"));
    }

    void undoDoesNotApply()
    {
        const Loaded l = load(QStringLiteral("bluegreen-promoted.yaml"));
        QCOMPARE(RolloutActions::undo(l.info, 9).notApplicable, QStringLiteral("Revision 9 is not in the rollout's history"));
        QCOMPARE(RolloutActions::undo(l.info, 4).notApplicable, QStringLiteral("The template already matches revision 4 (storefront:170)"));
        const RolloutInfo single = rolloutInfo(l.f.rollout, {replicaSetNamed(l.f, QStringLiteral("storefront-6f8b7d9c54"))}, {}, {});
        QCOMPARE(RolloutActions::undo(single).notApplicable, QStringLiteral("No other revision to go back to"));
        // Paused for promotion, undo goes back to the active revision and stops the update.
        const RolloutAction paused = RolloutActions::undo(load(QStringLiteral("bluegreen-paused.yaml")).info);
        QVERIFY(paused.action.change.endsWith(QStringLiteral("the active service already selects it: the update in progress stops")));
    }

    void templateComparisonIgnoresHashAndServerDefaults()
    {
        const QJsonObject ro{{QStringLiteral("metadata"), QJsonObject{{QStringLiteral("labels"), QJsonObject{{QStringLiteral("app"), QStringLiteral("x")}}}}},
                             {QStringLiteral("spec"), QJsonObject{{QStringLiteral("containers"), QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("x")}, {QStringLiteral("image"), QStringLiteral("x:1")}}}}}}};
        QJsonObject rs = ro;
        rs.insert(QStringLiteral("metadata"), QJsonObject{{QStringLiteral("labels"), QJsonObject{{QStringLiteral("app"), QStringLiteral("x")}, {QStringLiteral("rollouts-pod-template-hash"), QStringLiteral("abc")}}}});
        rs.insert(QStringLiteral("spec"), QJsonObject{{QStringLiteral("containers"), QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("x")}, {QStringLiteral("image"), QStringLiteral("x:1")}, {QStringLiteral("terminationMessagePath"), QStringLiteral("/dev/termination-log")}}}}});
        QVERIFY(RolloutActions::templateMatches(ro, rs, QStringLiteral("rollouts-pod-template-hash")));
        QJsonObject other = rs;
        other.insert(QStringLiteral("spec"), QJsonObject{{QStringLiteral("containers"), QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("x")}, {QStringLiteral("image"), QStringLiteral("x:2")}}}}});
        QVERIFY(!RolloutActions::templateMatches(ro, other, QStringLiteral("rollouts-pod-template-hash")));
    }

    void restartSetsRestartAt()
    {
        const RolloutAction r = RolloutActions::restart(load(QStringLiteral("bluegreen-promoted.yaml")).info, QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC));
        QVERIFY(r.applies());
        QVERIFY(r.action.subresource.isEmpty());
        QCOMPARE(r.action.patchKind, kube::PatchKind::Merge);
        QCOMPARE(r.action.body, QByteArray(R"({"metadata":{"resourceVersion":"48290"},"spec":{"restartAt":"2026-12-01T10:00:00Z"}})"));
        QCOMPARE(r.action.change, QStringLiteral("spec.restartAt = 2026-12-01T10:00:00Z: the 3 pods of revision 4 (storefront:170) restart one at a time"));
    }

    void setImage()
    {
        const RolloutInfo info = load(QStringLiteral("bluegreen-promoted.yaml")).info;
        const RolloutAction r = RolloutActions::setImage(info, QStringLiteral("storefront"), QStringLiteral("registry.pilothouse.dev/shop/storefront:171"));
        QVERIFY(r.applies());
        QCOMPARE(kube::patchContentType(r.action.patchKind), QByteArray("application/json-patch+json"));
        QCOMPARE(r.action.body, QByteArray(R"([{"op":"test","path":"/spec/template/spec/containers/0/name","value":"storefront"},)"
                                           R"({"op":"test","path":"/spec/template/spec/containers/0/image","value":"registry.pilothouse.dev/shop/storefront:170"},)"
                                           R"({"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.pilothouse.dev/shop/storefront:171"}])"));
        QVERIFY(r.action.change.startsWith(QStringLiteral("container storefront: registry.pilothouse.dev/shop/storefront:170 → registry.pilothouse.dev/shop/storefront:171")));
        QCOMPARE(RolloutActions::setImage(info, QStringLiteral("sidecar"), QStringLiteral("x")).notApplicable, QStringLiteral("No container named \"sidecar\""));
        QCOMPARE(RolloutActions::setImage(info, QStringLiteral("*"), QStringLiteral("registry.pilothouse.dev/shop/storefront:170")).notApplicable,
                 QStringLiteral("Already runs registry.pilothouse.dev/shop/storefront:170"));
    }

    void deploymentUndoSendsWhatKubectlSends()
    {
        const RolloutFixture f = loadRolloutFixture(QStringLiteral("deployment-history.yaml"));
        const DeploymentHistory h = deploymentHistory(f.deployment, f.replicaSets, f.pods);
        const RolloutAction r = RolloutActions::undoDeployment(h);
        QVERIFY2(r.applies(), qPrintable(r.notApplicable));
        QCOMPARE(r.action.objectLabel(), QStringLiteral("deployments.apps shop/web"));
        QCOMPARE(kube::patchContentType(r.action.patchKind), QByteArray("application/json-patch+json"));
        const QJsonArray ops = QJsonDocument::fromJson(r.action.body).array();
        QCOMPARE(ops.size(), 3);
        QCOMPARE(ops[0].toObject(), (QJsonObject{{QStringLiteral("op"), QStringLiteral("test")}, {QStringLiteral("path"), QStringLiteral("/spec/template")},
                                                 {QStringLiteral("value"), f.deployment.value(QStringLiteral("spec")).toObject().value(QStringLiteral("template"))}}));
        QCOMPARE(ops[1].toObject().value(QStringLiteral("path")).toString(), QStringLiteral("/spec/template"));
        QCOMPARE(ops[1].toObject().value(QStringLiteral("value")).toObject(), templateOf(f.replicaSets[1], QStringLiteral("pod-template-hash")));
        QCOMPARE(ops[2].toObject().value(QStringLiteral("path")).toString(), QStringLiteral("/metadata/annotations"));
        // The Deployment's own bookkeeping kept, the rest from the ReplicaSet (replica counts skipped).
        QCOMPARE(ops[2].toObject().value(QStringLiteral("value")).toObject(),
                 (QJsonObject{{QStringLiteral("deployment.kubernetes.io/revision"), QStringLiteral("3")},
                              {QStringLiteral("kubectl.kubernetes.io/last-applied-configuration"), QStringLiteral("{\"kind\":\"Deployment\"}")},
                              {QStringLiteral("team"), QStringLiteral("storefront")}}));
        QCOMPARE(r.action.change, QStringLiteral("spec.template ← revision 2 (nginx:1.24): image nginx:1.25 → nginx:1.24 (a rolling update back to it)"));
        QCOMPARE(RolloutActions::undoDeployment(h, 3).notApplicable, QStringLiteral("The template already matches revision 3 (nginx:1.25)"));
        QVERIFY(RolloutActions::undoDeployment(h, 1).action.body.contains("nginx:1.23"));
        DeploymentHistory paused = h;
        paused.paused = true;
        QCOMPARE(RolloutActions::undoDeployment(paused).notApplicable, QStringLiteral("The deployment is paused: resume it before rolling back"));
        const RolloutAction restart = RolloutActions::restartDeployment(h, QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC));
        QVERIFY(restart.action.body.contains("kubectl.kubernetes.io/restartedAt"));
    }
};

QTEST_GUILESS_MAIN(TestRolloutActions)
#include "tst_rolloutactions.moc"
