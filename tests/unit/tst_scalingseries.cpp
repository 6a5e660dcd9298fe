// Unit tests of the scaling view's data: HPA v2 / Deployment / Pod / Event readers, the sample
// history (run extension, burst merging, memory bound) and event de-duplication.
#include "workloads/scaling/scalingseries.h"

#include <QDateTime>
#include <QTest>

using namespace pilothouse::backends::workloads;

namespace {

// The small scenario's HPA as the controller writes it back: a memory metric first, so the
// reader has to pick the cpu entry, not the first one.
const QByteArray kHpaV2 = R"({
  "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
  "metadata": {"name": "web-hpa", "namespace": "demo", "uid": "h1", "resourceVersion": "7"},
  "spec": {
    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
    "minReplicas": 1, "maxReplicas": 5,
    "metrics": [
      {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}},
      {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}
    ]
  },
  "status": {
    "currentReplicas": 2, "desiredReplicas": 3,
    "currentMetrics": [
      {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "40Mi", "averageUtilization": 31}}},
      {"type": "Resource", "resource": {"name": "cpu", "current": {"averageValue": "72m", "averageUtilization": 72}}}
    ]
  }
})";

ScalingSample sample(qint64 msecs, int desired, int current, int ready, std::optional<int> cpu = std::nullopt)
{
    ScalingSample s;
    s.msecs = msecs;
    s.desired = desired;
    s.current = current;
    s.ready = ready;
    s.cpuPercent = cpu;
    s.targetPercent = cpu ? std::optional<int>(60) : std::nullopt;
    return s;
}

QByteArray pod(const char *extraMetadata, const char *status)
{
    return QByteArray(R"({"kind":"Pod","metadata":{"name":"web-6d4cf56db6-x2x4z","uid":"p1","labels":{"app":"web"},)"
                      R"("creationTimestamp":"2024-09-02T08:00:00Z")") +
           extraMetadata + R"(},"spec":{"nodeName":"node-1"},"status":)" + status + "}";
}

}  // namespace

class TestScalingSeries : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesHpaV2TargetAndCurrent()
    {
        const HpaInfo h = parseHpa(kHpaV2);
        QVERIFY(h.present);
        QCOMPARE(h.name, QStringLiteral("web-hpa"));
        QVERIFY(h.targets(QStringLiteral("Deployment"), QStringLiteral("web")));
        QVERIFY(!h.targets(QStringLiteral("Deployment"), QStringLiteral("api")));
        QCOMPARE(h.minReplicas, 1);
        QCOMPARE(h.maxReplicas, 5);
        QCOMPARE(h.targetPercent, std::optional<int>(60));
        QCOMPARE(h.currentPercent, std::optional<int>(72));
        QCOMPARE(h.desiredReplicas, std::optional<int>(3));
    }

    void hpaWithoutCurrentMetricsHasNoCurrent()
    {
        // A fresh HPA, before its first sync: no status.currentMetrics at all, then an empty list.
        QByteArray fresh = kHpaV2;
        fresh.replace(fresh.indexOf("\"status\""), fresh.size(), "\"status\": {\"currentReplicas\": 0, \"desiredReplicas\": 0}}");
        HpaInfo h = parseHpa(fresh);
        QVERIFY2(h.present, fresh.constData());
        QCOMPARE(h.targetPercent, std::optional<int>(60));
        QCOMPARE(h.currentPercent, std::nullopt);
        fresh.replace("\"desiredReplicas\": 0}", "\"desiredReplicas\": 0, \"currentMetrics\": null}");
        QCOMPARE(parseHpa(fresh).currentPercent, std::nullopt);
        // No spec.minReplicas: the API default is 1.
        QByteArray noMin = kHpaV2;
        noMin.replace("\"minReplicas\": 1, ", "");
        QCOMPARE(parseHpa(noMin).minReplicas, 1);
    }

    void hpaTargetsOtherThanCpuUtilizationAreIgnored()
    {
        QByteArray value = kHpaV2;
        value.replace(R"({"type": "Utilization", "averageUtilization": 60})", R"({"type": "AverageValue", "averageValue": "50m"})");
        QCOMPARE(parseHpa(value).targetPercent, std::nullopt);
        // ContainerResource metrics name a container but are cpu utilization all the same.
        const QByteArray container = R"({"metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3,
            "metrics":[{"type":"ContainerResource","containerResource":{"name":"cpu","container":"web","target":{"type":"Utilization","averageUtilization":50}}}]},
            "status":{"currentMetrics":[{"type":"ContainerResource","containerResource":{"name":"cpu","container":"web","current":{"averageUtilization":55}}}]}})";
        QCOMPARE(parseHpa(container).targetPercent, std::optional<int>(50));
        QCOMPARE(parseHpa(container).currentPercent, std::optional<int>(55));
    }

    void hpaV1FieldsAndGarbage()
    {
        const QByteArray v1 = R"({"metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":4,
            "targetCPUUtilizationPercentage":70},"status":{"currentCPUUtilizationPercentage":35}})";
        QCOMPARE(parseHpa(v1).targetPercent, std::optional<int>(70));
        QCOMPARE(parseHpa(v1).currentPercent, std::optional<int>(35));
        QVERIFY(!parseHpa("not json").present);
        QVERIFY(!parseHpa("[1,2]").present);
        QVERIFY(!parseHpa("{}").present);
    }

    void parsesDeploymentCountsAndSelector()
    {
        const DeploymentInfo d = parseDeployment(R"({"metadata":{"name":"web","namespace":"demo","uid":"d1"},
            "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"track","operator":"NotIn","values":["canary"]}]}},
            "status":{"replicas":4,"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}})");
        QVERIFY(d.found);
        QCOMPARE(d.desired, 3);
        QCOMPARE(d.current, 4);
        QCOMPARE(d.ready, 2);
        QVERIFY(d.selector.matches({{QStringLiteral("app"), QStringLiteral("web")}, {QStringLiteral("version"), QStringLiteral("v1")}}));
        QVERIFY(!d.selector.matches({{QStringLiteral("app"), QStringLiteral("api")}}));
        QVERIFY(!d.selector.matches({}));
        QVERIFY(!d.selector.matches({{QStringLiteral("app"), QStringLiteral("web")}, {QStringLiteral("track"), QStringLiteral("canary")}}));
        // A new deployment without status, without spec.replicas (defaults to 1), without a selector (matches nothing).
        const DeploymentInfo bare = parseDeployment(R"({"metadata":{"name":"x"},"spec":{}})");
        QVERIFY(bare.found);
        QCOMPARE(bare.desired, 1);
        QCOMPARE(bare.current, 0);
        QCOMPARE(bare.ready, 0);
        QVERIFY(!bare.selector.matches({{QStringLiteral("app"), QStringLiteral("web")}}));
        QVERIFY(!parseDeployment("nope").found);
    }

    void podTilePhases_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<int>("phase");
        QTest::addColumn<QString>("detail");
        QTest::newRow("scheduled") << pod("", R"({"phase":"Pending"})") << int(PodTilePhase::Pending) << QStringLiteral("Pending");
        QTest::newRow("creating") << pod("", R"({"phase":"Pending","containerStatuses":[{"name":"web","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]})")
                                  << int(PodTilePhase::Pending) << QStringLiteral("ContainerCreating");
        QTest::newRow("running, not ready") << pod("", R"({"phase":"Running","conditions":[{"type":"Ready","status":"False"}],"containerStatuses":[{"name":"web","restartCount":0,"state":{"running":{}}}]})")
                                            << int(PodTilePhase::Running) << QStringLiteral("Running");
        QTest::newRow("ready") << pod("", R"({"phase":"Running","conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]})")
                               << int(PodTilePhase::Ready) << QStringLiteral("Running");
        QTest::newRow("terminating") << pod(R"(,"deletionTimestamp":"2024-09-02T08:01:00Z")", R"({"phase":"Running","conditions":[{"type":"Ready","status":"True"}]})")
                                     << int(PodTilePhase::Terminating) << QStringLiteral("Terminating");
        QTest::newRow("failed") << pod("", R"({"phase":"Failed","reason":"Evicted"})") << int(PodTilePhase::Failed) << QStringLiteral("Failed");
        QTest::newRow("crash loop") << pod("", R"({"phase":"Running","conditions":[{"type":"Ready","status":"False"}],"containerStatuses":[{"name":"web","restartCount":5,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]})")
                                    << int(PodTilePhase::Failed) << QStringLiteral("CrashLoopBackOff");
        QTest::newRow("completed") << pod("", R"({"phase":"Succeeded","containerStatuses":[{"name":"web","restartCount":0,"state":{"terminated":{"reason":"Completed"}}}]})")
                                   << int(PodTilePhase::Terminating) << QStringLiteral("Completed");
    }

    void podTilePhases()
    {
        QFETCH(QByteArray, json);
        QFETCH(int, phase);
        QFETCH(QString, detail);
        auto tile = parsePodTile(json);
        QVERIFY2(tile, json.constData());
        QCOMPARE(int(tile->phase), phase);
        QCOMPARE(tile->detail, detail);
        QCOMPARE(tile->name, QStringLiteral("web-6d4cf56db6-x2x4z"));
        QCOMPARE(tile->labels.value(QStringLiteral("app")), QStringLiteral("web"));
        QCOMPARE(tile->node, QStringLiteral("node-1"));
        QCOMPARE(tile->createdMsecs, QDateTime(QDate(2024, 9, 2), QTime(8, 0), Qt::UTC).toMSecsSinceEpoch());
    }

    void parsesScalingEvents()
    {
        auto e = parseScalingEvent(R"({"metadata":{"name":"web.17f","uid":"e1"},"involvedObject":{"kind":"HorizontalPodAutoscaler","name":"web-hpa"},
            "reason":"SuccessfulRescale","message":"New size: 3; reason: cpu resource utilization (percentage of request) above target",
            "firstTimestamp":"2024-09-02T08:00:00Z","lastTimestamp":"2024-09-02T08:05:00Z","count":2,"eventTime":null})");
        QVERIFY(e);
        QCOMPARE(e->reason, QStringLiteral("SuccessfulRescale"));
        QVERIFY(e->message.startsWith(QStringLiteral("New size: 3")));
        QCOMPARE(e->uid, QStringLiteral("e1"));
        QCOMPARE(e->count, 2);
        QCOMPARE(e->objectKind, QStringLiteral("HorizontalPodAutoscaler"));
        QCOMPARE(e->objectName, QStringLiteral("web-hpa"));
        // The latest occurrence counts, not the first.
        QCOMPARE(e->msecs, parseKubeTime(QStringLiteral("2024-09-02T08:05:00Z")));
        QVERIFY(isScalingReason(e->reason));
        QVERIFY(isScalingReason(QStringLiteral("ScalingReplicaSet")));
        QVERIFY(!isScalingReason(QStringLiteral("Pulled")));
        // events.k8s.io writers: eventTime (MicroTime) only.
        auto micro = parseScalingEvent(R"({"metadata":{"uid":"e2"},"reason":"ScalingReplicaSet","message":"m","eventTime":"2024-09-02T08:00:01.250000Z"})");
        QVERIFY(micro);
        QCOMPARE(micro->msecs, parseKubeTime(QStringLiteral("2024-09-02T08:00:00Z")) + 1250);
        QVERIFY(!parseScalingEvent(R"({"reason":"SuccessfulRescale","message":"no time at all"})"));
        QCOMPARE(parseKubeTime(QStringLiteral("yesterday")), 0);
    }

    void recordAppendsChanges()
    {
        ScalingSeries s;
        QCOMPARE(s.record(sample(1000, 1, 1, 1)), ScalingSeries::Change::Appended);
        QCOMPARE(s.record(sample(5000, 3, 1, 1)), ScalingSeries::Change::Appended);
        QCOMPARE(s.record(sample(7000, 3, 3, 1)), ScalingSeries::Change::Appended);
        QCOMPARE(s.samples().size(), size_t(3));
        QCOMPARE(s.samples()[1].desired, 3);
        QCOMPARE(s.samples()[2].current, 3);
        QCOMPARE(s.at(6000)->current, 1);
        QCOMPARE(s.at(7000)->current, 3);
        QVERIFY(!s.at(999));
    }

    void recordExtendsAnUnchangedRun()
    {
        ScalingSeries s;
        s.record(sample(1000, 1, 1, 1, 10));
        // Within a second of a step nothing is added; after it the next equal sample ends the
        // run, and later ones move that end.
        QCOMPARE(s.record(sample(1500, 1, 1, 1, 10)), ScalingSeries::Change::Unchanged);
        QCOMPARE(s.record(sample(2000, 1, 1, 1, 10)), ScalingSeries::Change::Appended);
        for (qint64 t = 3000; t <= 3600 * 1000; t += 1000)
            QCOMPARE(s.record(sample(t, 1, 1, 1, 10)), ScalingSeries::Change::ReplacedLast);
        QCOMPARE(s.samples().size(), size_t(2));
        QCOMPARE(s.samples().front().msecs, 1000);
        QCOMPARE(s.samples().back().msecs, 3600 * 1000);
        // A different CPU figure is a change like any other.
        QCOMPARE(s.record(sample(3601 * 1000, 1, 1, 1, 11)), ScalingSeries::Change::Appended);
        QCOMPARE(s.samples().size(), size_t(3));
    }

    void recordMergesABurstIntoOneStep()
    {
        ScalingSeries s;
        s.record(sample(1000, 1, 1, 1));
        s.record(sample(2000, 1, 1, 1));
        // Desired, then current, then ready within a second: one step at its start.
        QCOMPARE(s.record(sample(2100, 3, 1, 1)), ScalingSeries::Change::Appended);
        QCOMPARE(s.record(sample(2400, 3, 3, 1)), ScalingSeries::Change::ReplacedLast);
        QCOMPARE(s.record(sample(2900, 3, 3, 2)), ScalingSeries::Change::ReplacedLast);
        QCOMPARE(s.samples().size(), size_t(3));
        QCOMPARE(s.samples().back().msecs, 2100);
        QCOMPARE(s.samples().back().current, 3);
        QCOMPARE(s.samples().back().ready, 2);
        // A second later the next change is a step of its own.
        QCOMPARE(s.record(sample(3200, 3, 3, 3)), ScalingSeries::Change::Appended);
        QCOMPARE(s.samples().size(), size_t(4));
    }

    void recordClampsAClockThatStepsBack()
    {
        ScalingSeries s;
        s.record(sample(10000, 1, 1, 1));
        s.record(sample(20000, 2, 1, 1));
        s.record(sample(15000, 2, 2, 1));
        QVERIFY(std::is_sorted(s.samples().begin(), s.samples().end(), [](const auto &a, const auto &b) { return a.msecs < b.msecs; }));
        QCOMPARE(s.samples().back().current, 2);
        QCOMPARE(s.samples().back().msecs, 20000);
    }

    void memoryIsBounded()
    {
        // Ten hours of one-second ticks with the load changing every five seconds.
        ScalingSeries s(2000);
        int appended = 0;
        for (qint64 t = 0; t < 10 * 3600; ++t) {
            const int cpu = 40 + int((t / 5) % 40);
            if (s.record(sample(t * 1000, 2, 2, 2, cpu)) == ScalingSeries::Change::Appended)
                ++appended;
        }
        QCOMPARE(int(s.samples().size()), 2000);
        QVERIFY(appended > 2000);
        // The newest points are kept.
        QCOMPARE(s.samples().back().msecs, (10 * 3600 - 1) * 1000LL);
        // Changes faster than once a second never make more than one step per second.
        ScalingSeries fast;
        for (qint64 t = 0; t < 60000; t += 100)
            fast.record(sample(t, int(t / 100) % 5, 1, 1));
        QVERIFY2(fast.samples().size() <= 61, qPrintable(QString::number(fast.samples().size())));
        // Steps held for a second each: a step and the end of its run, two points a second at most.
        ScalingSeries held;
        for (qint64 t = 0; t < 60000; t += 1000) {
            held.record(sample(t, int(t / 1000) % 3, 1, 1));
            held.record(sample(t + 999, int(t / 1000) % 3, 1, 1));
        }
        QVERIFY2(held.samples().size() <= 121, qPrintable(QString::number(held.samples().size())));
    }

    void eventsAreDeduplicatedByUidAndCount()
    {
        ScalingSeries s(100, 3);
        ScalingEvent e{5000, QStringLiteral("SuccessfulRescale"), QStringLiteral("New size: 3"), QStringLiteral("u1"), 1, {}, {}};
        QVERIFY(s.addEvent(e));
        QVERIFY(!s.addEvent(e));  // the same object again (a relist)
        ScalingEvent repeat = e;
        repeat.count = 2;
        repeat.msecs = 9000;
        QVERIFY(s.addEvent(repeat));  // the broadcaster's aggregation: a new occurrence
        ScalingEvent earlier{2000, QStringLiteral("ScalingReplicaSet"), QStringLiteral("Scaled up"), QStringLiteral("u2"), 1, {}, {}};
        QVERIFY(s.addEvent(earlier));
        QCOMPARE(s.events().size(), size_t(3));
        // Ordered by time whatever the arrival order.
        QCOMPARE(s.events().front().uid, QStringLiteral("u2"));
        QCOMPARE(s.events().back().count, 2);
        // Bounded: the oldest goes, and an event older than all that are kept is not taken.
        ScalingEvent later{12000, QStringLiteral("ScalingReplicaSet"), QStringLiteral("Scaled down"), QStringLiteral("u3"), 1, {}, {}};
        QVERIFY(s.addEvent(later));
        QCOMPARE(s.events().size(), size_t(3));
        QCOMPARE(s.events().front().msecs, 5000);
        ScalingEvent ancient{100, QStringLiteral("ScalingReplicaSet"), QStringLiteral("old"), QStringLiteral("u0"), 1, {}, {}};
        QVERIFY(!s.addEvent(ancient));
        // Synthesized events (no uid) are told apart by time, reason and message.
        ScalingEvent synth{13000, QStringLiteral("ReplicasChanged"), QStringLiteral("Desired replicas 1 → 3"), {}, 1, {}, {}};
        QVERIFY(s.addEvent(synth));
        QVERIFY(!s.addEvent(synth));
    }
};

QTEST_GUILESS_MAIN(TestScalingSeries)
#include "tst_scalingseries.moc"
