// Unit tests of the rollout display info on YAML fixtures modelled on argo-rollouts' info/testdata.
#include "rollouts/rolloutinfo.h"
#include "rolloutfixture.h"

#include <QJsonArray>
#include <QTest>

using namespace pilothouse::backends::rollouts;

namespace {
RolloutInfo infoOf(const QString &fixture)
{
    const RolloutFixture f = loadRolloutFixture(fixture);
    if (!f.error.isEmpty())
        qFatal("%s", qPrintable(f.error));
    return rolloutInfo(f.rollout, f.replicaSets, f.pods, f.analysisRuns);
}
QJsonObject withStatus(QJsonObject rollout, const std::function<void(QJsonObject &)> &edit)
{
    QJsonObject status = rollout.value(QStringLiteral("status")).toObject();
    edit(status);
    rollout.insert(QStringLiteral("status"), status);
    return rollout;
}
}  // namespace

class TestRolloutInfo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void blueGreenPausedForPromotion()
    {
        const RolloutInfo info = infoOf(QStringLiteral("bluegreen-paused.yaml"));
        QVERIFY2(info.error.isEmpty(), qPrintable(info.error));
        QCOMPARE(info.status, RolloutStatus::Paused);
        QCOMPARE(info.phase, QStringLiteral("Paused"));
        QCOMPARE(info.message, QStringLiteral("BlueGreenPause"));
        QCOMPARE(info.strategy, Strategy::BlueGreen);
        QCOMPARE(info.strategyName, QStringLiteral("BlueGreen"));
        QVERIFY(info.step.isEmpty());
        QCOMPARE(info.setWeight, -1);
        QCOMPARE(info.pauseReasons, QStringList{QStringLiteral("BlueGreenPause")});
        QCOMPARE(info.activeService, QStringLiteral("storefront"));
        QCOMPARE(info.previewService, QStringLiteral("storefront-preview"));
        QVERIFY(!info.autoPromotionEnabled);
        QCOMPARE(info.scaleDownDelaySeconds, 30);
        QCOMPARE(info.gitopsApp, QStringLiteral("storefront"));
        QCOMPARE(info.resourceVersion, QStringLiteral("48213"));
        QCOMPARE(info.desired, 3);
        QCOMPARE(info.images(), QStringList{QStringLiteral("registry.pilothouse.dev/shop/storefront:170")});

        // Only the ReplicaSets this Rollout owns (checkout's is left out), newest first.
        QCOMPARE(info.revisions.size(), 3);
        const RevisionInfo &green = info.revisions[0];
        QCOMPARE(green.revision, 4);
        QCOMPARE(green.podTemplateHash, QStringLiteral("6f8b7d9c54"));
        QVERIFY(green.preview && !green.active && !green.stable && !green.canary);
        QCOMPARE(green.roles(), QStringList{QStringLiteral("preview")});
        QCOMPARE(green.images, QStringList{QStringLiteral("registry.pilothouse.dev/shop/storefront:170")});
        QCOMPARE(green.label(), QStringLiteral("revision 4 (storefront:170)"));
        QCOMPARE(green.pods.size(), 3);
        QCOMPARE(green.readyPods(), 3);
        QCOMPARE(green.health, QStringLiteral("Healthy"));
        const RevisionInfo &blue = info.revisions[1];
        QCOMPARE(blue.revision, 3);
        QCOMPARE(blue.roles(), (QStringList{QStringLiteral("stable"), QStringLiteral("active")}));
        QCOMPARE(blue.pods.size(), 3);
        QCOMPARE(blue.pods[0].name, QStringLiteral("storefront-5d7c9b8f46-m4q9z"));
        QCOMPARE(blue.pods[0].status, QStringLiteral("Running"));
        QVERIFY(!blue.scaleDownDeadline.isValid());
        const RevisionInfo &old = info.revisions[2];
        QCOMPARE(old.revision, 2);
        QCOMPARE(old.health, QStringLiteral("ScaledDown"));
        QVERIFY(old.roles().isEmpty());
        QVERIFY(old.pods.isEmpty());

        QCOMPARE(info.activeRevision()->revision, 3);
        QCOMPARE(info.previewRevision()->revision, 4);
        QCOMPARE(info.stableRevision()->revision, 3);
        QCOMPARE(info.currentRevision()->revision, 4);
    }

    void blueGreenPromotedScalingDownOldRevision()
    {
        const RolloutInfo info = infoOf(QStringLiteral("bluegreen-promoted.yaml"));
        QCOMPARE(info.status, RolloutStatus::Healthy);
        QCOMPARE(info.phase, QStringLiteral("Healthy"));
        QVERIFY(info.message.isEmpty());
        QCOMPARE(info.activeRevision()->revision, 4);
        QCOMPARE(info.stableRevision()->revision, 4);
        // Preview and active select the same pods: no separate preview revision.
        QCOMPARE(info.previewRevision(), nullptr);
        const RevisionInfo *old = info.revisionByNumber(3);
        QVERIFY(old);
        QVERIFY(old->roles().isEmpty());
        QCOMPARE(old->pods.size(), 3);
        QCOMPARE(old->scaleDownDeadline, QDateTime(QDate(2026, 12, 1), QTime(10, 2, 41), Qt::UTC));
        QCOMPARE(info.revisionByNumber(4)->roles(), (QStringList{QStringLiteral("stable"), QStringLiteral("active")}));
    }

    void blueGreenAborted()
    {
        const RolloutInfo info = infoOf(QStringLiteral("bluegreen-aborted.yaml"));
        QCOMPARE(info.status, RolloutStatus::Aborted);
        QCOMPARE(rolloutStatusName(info.status), QStringLiteral("Aborted"));
        QCOMPARE(info.phase, QStringLiteral("Degraded"));
        QCOMPARE(info.message, QStringLiteral("RolloutAborted: Rollout aborted update to revision 4"));
        QVERIFY(info.aborted);
        QCOMPARE(info.activeRevision()->revision, 3);
        const RevisionInfo *preview = info.previewRevision();
        QVERIFY(preview);
        QCOMPARE(preview->revision, 4);
        QCOMPARE(preview->scaleDownDeadline, QDateTime(QDate(2026, 12, 1), QTime(10, 1, 35), Qt::UTC));
        // The template still names the aborted version.
        QCOMPARE(info.currentRevision()->revision, 4);
    }

    void canaryMidSteps()
    {
        const RolloutInfo info = infoOf(QStringLiteral("canary-midsteps.yaml"));
        QCOMPARE(info.status, RolloutStatus::Paused);
        QCOMPARE(info.message, QStringLiteral("CanaryPauseStep"));
        QCOMPARE(info.strategy, Strategy::Canary);
        QCOMPARE(info.step, QStringLiteral("1/6"));
        QCOMPARE(info.currentStepIndex, 1);
        QCOMPARE(info.setWeight, 25);
        // One of four available pods is the canary's.
        QCOMPARE(info.actualWeight, 25);
        QCOMPARE(info.steps.size(), 6);
        QStringList texts;
        for (const CanaryStep &s : info.steps)
            texts << s.text;
        QCOMPARE(texts, (QStringList{QStringLiteral("setWeight: 25"), QStringLiteral("pause"), QStringLiteral("setWeight: 50"),
                                     QStringLiteral("pause: 20s"), QStringLiteral("setWeight: 75"), QStringLiteral("pause: 20s")}));
        QVERIFY(info.steps[1].pause && info.steps[1].pauseDuration.isEmpty());
        QCOMPARE(info.revisions.size(), 2);
        QCOMPARE(info.revisions[0].revision, 2);
        QCOMPARE(info.revisions[0].roles(), QStringList{QStringLiteral("canary")});
        QCOMPARE(info.revisions[0].pods.size(), 1);
        QCOMPARE(info.revisions[1].roles(), QStringList{QStringLiteral("stable")});
        QCOMPARE(info.revisions[1].label(), QStringLiteral("revision 1 (menu:42)"));

        QCOMPARE(info.analysisRuns.size(), 1);
        const AnalysisRunInfo &run = info.analysisRuns[0];
        QCOMPARE(run.name, QStringLiteral("menu-59c8f7d6b4-2-1"));
        QCOMPARE(run.revision, 2);
        QCOMPARE(run.phase, QStringLiteral("Running"));
        QCOMPARE(run.successful, 2);
        QCOMPARE(run.metrics.size(), 1);
        const MetricResult &m = run.metrics[0];
        QCOMPARE(m.name, QStringLiteral("success-rate"));
        QCOMPARE(m.successCondition, QStringLiteral("result[0] >= 0.95"));
        QCOMPARE(m.count, 3);
        QCOMPARE(m.provider, QStringLiteral("prometheus"));
        QCOMPARE(m.measurements.size(), 2);
        QCOMPARE(m.measurements[0].value, QStringLiteral("[0.991]"));
        QCOMPARE(m.measurements[0].phase, QStringLiteral("Successful"));
        QCOMPARE(m.measurements[1].value, QStringLiteral("[0.987]"));
    }

    void canaryWeightsAtOtherSteps()
    {
        const RolloutFixture f = loadRolloutFixture(QStringLiteral("canary-midsteps.yaml"));
        auto at = [&](int index) {
            return rolloutInfo(withStatus(f.rollout, [index](QJsonObject &s) { s.insert(QStringLiteral("currentStepIndex"), index); }),
                               f.replicaSets, f.pods, f.analysisRuns);
        };
        QCOMPARE(at(3).setWeight, 50);   // a pause step inherits the weight set before it
        QCOMPARE(at(3).step, QStringLiteral("3/6"));
        QCOMPARE(at(6).setWeight, 100);  // past the last step
        QCOMPARE(at(6).actualWeight, 100);
        const RolloutInfo aborted = rolloutInfo(withStatus(f.rollout, [](QJsonObject &s) { s.insert(QStringLiteral("abort"), true); }),
                                                f.replicaSets, f.pods, f.analysisRuns);
        QCOMPARE(aborted.setWeight, 0);
        QCOMPARE(aborted.status, RolloutStatus::Aborted);
    }

    void canaryDegradedComputedClientSide()
    {
        const RolloutInfo info = infoOf(QStringLiteral("canary-degraded.yaml"));
        QCOMPARE(info.status, RolloutStatus::Degraded);
        QCOMPARE(info.phase, QStringLiteral("Degraded"));
        QCOMPARE(info.message, QStringLiteral("ProgressDeadlineExceeded: ReplicaSet \"menu-59c8f7d6b4\" has timed out progressing."));
        QVERIFY(!info.aborted);
        QCOMPARE(info.step, QStringLiteral("0/6"));
        QCOMPARE(info.setWeight, 25);
        QCOMPARE(info.actualWeight, 0);  // the canary has no available pod
        const RevisionInfo *canary = info.revisionByNumber(2);
        QCOMPARE(canary->health, QStringLiteral("ReplicaFailure"));
        QCOMPARE(canary->pods.size(), 1);
        QCOMPARE(canary->pods[0].status, QStringLiteral("CrashLoopBackOff"));
        QCOMPARE(canary->pods[0].restarts, 5);
        QVERIFY(!canary->pods[0].isReady());
        QCOMPARE(canary->readyPods(), 0);
        QCOMPARE(info.analysisRuns[0].phase, QStringLiteral("Failed"));
        QVERIFY(info.analysisRuns[0].message.contains(QStringLiteral("failureLimit")));
        QCOMPARE(info.analysisRuns[0].metrics[0].measurements[1].phase, QStringLiteral("Failed"));
        QCOMPARE(info.analysisRuns[0].failed, 2);
    }

    void invalidSpec()
    {
        const RolloutInfo info = infoOf(QStringLiteral("invalid-spec.yaml"));
        QVERIFY(info.error.isEmpty());
        QVERIFY(info.invalidSpec);
        QCOMPARE(info.status, RolloutStatus::Degraded);
        QVERIFY2(info.message.startsWith(QStringLiteral("InvalidSpec: The Rollout \"basket\" is invalid")), qPrintable(info.message));
        QCOMPARE(info.errorConditions.size(), 1);
        QVERIFY(info.errorConditions[0].contains(QStringLiteral("service \"basket-active\" not found")));
        QVERIFY(info.revisions.isEmpty());
        QCOMPARE(info.activeRevision(), nullptr);
        // Without the controller's phase the client computes the same verdict.
        const RolloutFixture f = loadRolloutFixture(QStringLiteral("invalid-spec.yaml"));
        const auto [phase, message] = rolloutPhase(withStatus(f.rollout, [](QJsonObject &s) { s.remove(QStringLiteral("phase")); }));
        QCOMPARE(phase, QStringLiteral("Degraded"));
        QVERIFY(message.startsWith(QStringLiteral("InvalidSpec: The Rollout")));
    }

    // GetRolloutPhase's rules before and without the controller's phase.
    void phaseRules_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QString>("edit");
        QTest::addColumn<QString>("phase");
        QTest::addColumn<QString>("message");
        QTest::newRow("paused, computed") << "bluegreen-paused.yaml" << "nophase" << "Paused" << "BlueGreenPause";
        QTest::newRow("healthy, computed") << "bluegreen-promoted.yaml" << "nophase" << "Healthy" << "";
        QTest::newRow("generation not observed") << "bluegreen-promoted.yaml" << "oldgen" << "Progressing"
                                                 << "waiting for rollout spec update to be observed";
        QTest::newRow("unpausing") << "bluegreen-paused.yaml" << "unpausing" << "Progressing" << "waiting for rollout to unpause";
        QTest::newRow("cutover pending") << "bluegreen-paused.yaml" << "nopause" << "Progressing" << "active service cutover pending";
        QTest::newRow("canary steps pending") << "canary-midsteps.yaml" << "canarydone" << "Progressing" << "waiting for all steps to complete";
        QTest::newRow("manually paused") << "canary-midsteps.yaml" << "specpaused" << "Paused" << "manually paused";
    }
    void phaseRules()
    {
        QFETCH(QString, fixture);
        QFETCH(QString, edit);
        QFETCH(QString, phase);
        QFETCH(QString, message);
        QJsonObject ro = loadRolloutFixture(fixture).rollout;
        ro = withStatus(ro, [&](QJsonObject &s) {
            s.remove(QStringLiteral("phase"));
            s.remove(QStringLiteral("message"));
            if (edit == QLatin1String("oldgen"))
                s.insert(QStringLiteral("observedGeneration"), QStringLiteral("4"));
            if (edit == QLatin1String("unpausing") || edit == QLatin1String("nopause") || edit == QLatin1String("canarydone") ||
                edit == QLatin1String("specpaused"))
                s.remove(QStringLiteral("pauseConditions"));
            if (edit != QLatin1String("unpausing"))
                s.insert(QStringLiteral("controllerPause"), false);
            if (edit == QLatin1String("canarydone")) {
                s.insert(QStringLiteral("updatedReplicas"), 4);
                s.insert(QStringLiteral("availableReplicas"), 4);
            }
        });
        if (edit == QLatin1String("specpaused")) {
            QJsonObject spec = ro.value(QStringLiteral("spec")).toObject();
            spec.insert(QStringLiteral("paused"), true);
            ro.insert(QStringLiteral("spec"), spec);
        }
        const auto [p, m] = rolloutPhase(ro);
        QCOMPARE(p, phase);
        QCOMPARE(m, message);
    }

    void malformedInputNamesTheProblem()
    {
        QVERIFY(rolloutInfo(QJsonObject(), {}, {}, {}).error.contains(QStringLiteral("not a Rollout")));
        const RolloutFixture f = loadRolloutFixture(QStringLiteral("bluegreen-paused.yaml"));
        const RolloutInfo fromRs = rolloutInfo(f.replicaSets[0], {}, {}, {});
        QVERIFY(fromRs.error.contains(QStringLiteral("kind \"ReplicaSet\"")));
        QVERIFY(fromRs.revisions.isEmpty());
        // Wrong types inside a Rollout degrade to defaults, never crash.
        QJsonObject odd = f.rollout;
        odd.insert(QStringLiteral("status"), QStringLiteral("nonsense"));
        const RolloutInfo oddInfo = rolloutInfo(odd, f.replicaSets, f.pods, {});
        QVERIFY(oddInfo.error.isEmpty());
        QCOMPARE(oddInfo.revisions.size(), 3);
    }

    void deploymentHistoryFromReplicaSets()
    {
        const RolloutFixture f = loadRolloutFixture(QStringLiteral("deployment-history.yaml"));
        const DeploymentHistory h = deploymentHistory(f.deployment, f.replicaSets, f.pods);
        QVERIFY(h.error.isEmpty());
        QCOMPARE(h.currentRevision, 3);
        QCOMPARE(h.revisions.size(), 3);
        QCOMPARE(h.revisions[0].revision, 3);
        QVERIFY(h.revisions[0].active);
        QCOMPARE(h.revisions[0].pods.size(), 2);
        QCOMPARE(h.revisions[0].podTemplateHash, QStringLiteral("58f7c9d6b"));
        QCOMPARE(h.revisions[2].label(), QStringLiteral("revision 1 (nginx:1.23)"));
        QVERIFY(!h.revisions[2].active);
        QVERIFY(deploymentHistory(f.replicaSets[0], {}, {}).error.contains(QStringLiteral("not a Deployment")));
    }
};

QTEST_GUILESS_MAIN(TestRolloutInfo)
#include "tst_rolloutinfo.moc"
