// Unit tests of the detail pane's overview: per-kind facts, conditions, owners, selectors.
#include "workloads/inspect/objectdetails.h"

#include <QTest>

using namespace pilothouse::backends::kube;
using namespace pilothouse::backends::workloads;

namespace {
QString fact(const ObjectDetails &d, const QString &name)
{
    for (const auto &[k, v] : d.facts)
        if (k == name)
            return v;
    return QStringLiteral("<missing>");
}
}  // namespace

class TestObjectDetails : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void podFactsConditionsAndOwner()
    {
        const QByteArray pod = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"shop","uid":"u1","creationTimestamp":"2026-12-01T10:00:00Z",
            "labels":{"app":"web"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"rs1","controller":true}]},
            "spec":{"nodeName":"node-a","containers":[{"name":"web","image":"nginx:1.25"}]},
            "status":{"phase":"Running","podIP":"10.0.0.5","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-12-01T10:00:05Z"}],
            "containerStatuses":[{"name":"web","image":"nginx:1.25","ready":true,"restartCount":2,"state":{"running":{}}}]}})";
        const ObjectDetails d = objectDetails(pod);
        QVERIFY(d.error.isEmpty());
        QCOMPARE(d.kind, QStringLiteral("Pod"));
        QCOMPARE(d.ns, QStringLiteral("shop"));
        QCOMPARE(fact(d, QStringLiteral("Node")), QStringLiteral("node-a"));
        QCOMPARE(fact(d, QStringLiteral("Container web")), QStringLiteral("nginx:1.25 · running · ready · 2 restarts"));
        QCOMPARE(d.conditions.size(), 1);
        QCOMPARE(d.conditions[0].type, QStringLiteral("Ready"));
        QCOMPARE(d.owners.size(), 1);
        QCOMPARE(d.owners[0].kind, QStringLiteral("ReplicaSet"));
        QVERIFY(d.owners[0].controller);
        const ResourceRef owner = resourceForKind(d.owners[0].apiVersion, d.owners[0].kind);
        QCOMPARE(owner.groupResource(), QStringLiteral("replicasets.apps"));
        QCOMPARE(owner.version, QStringLiteral("v1"));
    }

    void deploymentReplicasStrategyAndSelector()
    {
        const QByteArray dep = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},
            "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web","tier":"front"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}},
            "template":{"spec":{"containers":[{"name":"web","image":"nginx:1.25"},{"name":"proxy","image":"envoy:1.30"}]}}},
            "status":{"replicas":3,"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}})";
        const ObjectDetails d = objectDetails(dep);
        QCOMPARE(fact(d, QStringLiteral("Replicas")), QStringLiteral("3 desired · 3 current · 2 ready · 3 updated · 2 available"));
        QCOMPARE(fact(d, QStringLiteral("Strategy")), QStringLiteral("RollingUpdate (max surge 1, max unavailable 0)"));
        QCOMPARE(fact(d, QStringLiteral("Images")), QStringLiteral("nginx:1.25, envoy:1.30"));
        QCOMPARE(selectorString(d.podSelector), QStringLiteral("app=web,tier=front"));
    }

    void hpaShowsCurrentAgainstTarget()
    {
        const QByteArray hpa = R"({"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
            "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":5,
              "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}}]},
            "status":{"currentReplicas":2,"desiredReplicas":3,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":88}}}]}})";
        const ObjectDetails d = objectDetails(hpa);
        QCOMPARE(fact(d, QStringLiteral("Scales")), QStringLiteral("Deployment/web"));
        QCOMPARE(fact(d, QStringLiteral("Replicas")), QStringLiteral("min 1 · max 5 · current 2 · desired 3"));
        QCOMPARE(fact(d, QStringLiteral("Target cpu")), QStringLiteral("88% now, target 60%"));
    }

    void secretShowsKeysNeverValues()
    {
        const ObjectDetails d = objectDetails(R"({"kind":"Secret","type":"Opaque","metadata":{"name":"s","annotations":{"note":"multi\nline"}},"data":{"password":"aHVudGVyMg=="}})");
        QCOMPARE(fact(d, QStringLiteral("Keys")), QStringLiteral("password"));
        for (const auto &[k, v] : d.facts)
            QVERIFY(!v.contains(QStringLiteral("aHVudGVyMg==")));
        QCOMPARE(d.annotations.value(0).second, QStringLiteral("multi"));
    }

    void serviceSelectorAndPorts()
    {
        const ObjectDetails d = objectDetails(R"({"kind":"Service","metadata":{"name":"web"},"spec":{"clusterIP":"10.96.0.10","selector":{"app":"web"},
            "ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"}]}})");
        QCOMPARE(fact(d, QStringLiteral("Type")), QStringLiteral("ClusterIP"));
        QCOMPARE(fact(d, QStringLiteral("Ports")), QStringLiteral("http 80→8080/TCP"));
        QCOMPARE(selectorString(d.podSelector), QStringLiteral("app=web"));
    }

    void malformedJsonIsAnError()
    {
        QVERIFY(!objectDetails("{not json").error.isEmpty());
        QVERIFY(resourceForKind(QStringLiteral("example.com/v1"), QStringLiteral("Widget")).plural.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestObjectDetails)
#include "tst_objectdetails.moc"
