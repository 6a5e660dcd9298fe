// The kind registry: the built-in table, its merge with discovery (tests/data/kube/discovery, a
// cluster with Argo and a CRD with a scale subresource but without storage.k8s.io), lookups.
#include "kube/kinds/kindregistry.h"

#include <QDir>
#include <QFile>
#include <QTest>

using namespace pilothouse::backends::kube;
using C = KindCapability;

namespace {

DiscoveryResult fixtureDiscovery(const QStringList &skip = {})
{
    DiscoveryResult d;
    const QDir dir(QStringLiteral(PILOTHOUSE_TEST_DATA "/kube/discovery"));
    for (const QString &file : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        if (skip.contains(file))
            continue;
        QFile f(dir.filePath(file));
        if (!f.open(QIODevice::ReadOnly))
            qFatal("cannot open %s", qPrintable(f.fileName()));
        auto parsed = parseResourceList(f.readAll());
        if (!parsed.ok())
            qFatal("%s: %s", qPrintable(file), qPrintable(parsed.error().message));
        for (auto &r : parsed.value())
            d.resources.push_back(r);
    }
    return d;
}

QStringList ids(const QList<KindInfo> &kinds)
{
    QStringList out;
    for (const KindInfo &k : kinds)
        out << k.id();
    return out;
}

}  // namespace

class TestKindRegistry : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void builtinTableCoversTheCommonKindsInCategoryOrder()
    {
        const KindRegistry r = KindRegistry::builtin();
        QCOMPARE(KindRegistry::categories(), (QStringList{QStringLiteral("Workloads"), QStringLiteral("Network"), QStringLiteral("Config"),
                                                          QStringLiteral("Storage"), QStringLiteral("Autoscaling"), QStringLiteral("Access"),
                                                          QStringLiteral("Cluster"), QStringLiteral("Custom resources")}));
        QCOMPARE(ids(r.kinds()),
                 (QStringList{QStringLiteral("pods"), QStringLiteral("deployments.apps"), QStringLiteral("statefulsets.apps"),
                              QStringLiteral("daemonsets.apps"), QStringLiteral("replicasets.apps"), QStringLiteral("jobs.batch"),
                              QStringLiteral("cronjobs.batch"),
                              QStringLiteral("services"), QStringLiteral("endpoints"), QStringLiteral("ingresses.networking.k8s.io"),
                              QStringLiteral("networkpolicies.networking.k8s.io"),
                              QStringLiteral("configmaps"), QStringLiteral("secrets"), QStringLiteral("resourcequotas"), QStringLiteral("limitranges"),
                              QStringLiteral("persistentvolumeclaims"), QStringLiteral("persistentvolumes"), QStringLiteral("storageclasses.storage.k8s.io"),
                              QStringLiteral("horizontalpodautoscalers.autoscaling"),
                              QStringLiteral("serviceaccounts"), QStringLiteral("roles.rbac.authorization.k8s.io"),
                              QStringLiteral("rolebindings.rbac.authorization.k8s.io"), QStringLiteral("clusterroles.rbac.authorization.k8s.io"),
                              QStringLiteral("clusterrolebindings.rbac.authorization.k8s.io"),
                              QStringLiteral("nodes"), QStringLiteral("namespaces"), QStringLiteral("events"),
                              QStringLiteral("analysisruns.argoproj.io"), QStringLiteral("applications.argoproj.io"), QStringLiteral("rollouts.argoproj.io")}));
        QVERIFY(!r.discovered());
        for (const KindInfo &k : r.kinds()) {
            QVERIFY2(!k.served, qPrintable(k.id()));
            QVERIFY2(k.listable(), qPrintable(k.id()));
            QVERIFY2(!k.title.isEmpty() && !k.singular.isEmpty() && k.icon.startsWith(QLatin1String("kind-")), qPrintable(k.id()));
            QVERIFY2(KindRegistry::categories().contains(k.category), qPrintable(k.id()));
        }
        const KindInfo *sts = r.find(QStringLiteral("apps"), QStringLiteral("statefulsets"));
        QVERIFY(sts);
        QCOMPARE(sts->title, QStringLiteral("StatefulSets"));
        QCOMPARE(sts->singular, QStringLiteral("StatefulSet"));
        QCOMPARE(sts->shortNames, QStringList{QStringLiteral("sts")});
        QCOMPARE(sts->icon, QStringLiteral("kind-statefulset"));
        QVERIFY(sts->apiGroupLabel.isEmpty());
        const KindInfo *pv = r.find(QString(), QStringLiteral("persistentvolumes"));
        QVERIFY(pv && !pv->ref.namespaced);
        QCOMPARE(pv->category, QStringLiteral("Storage"));
        const KindInfo *rollouts = r.find(QStringLiteral("argoproj.io"), QStringLiteral("rollouts"));
        QVERIFY(rollouts);
        QCOMPARE(rollouts->category, QStringLiteral("Custom resources"));
        QCOMPARE(rollouts->apiGroupLabel, QStringLiteral("argoproj.io"));
        QCOMPARE(r.findKind(QStringLiteral("batch"), QStringLiteral("CronJob")), r.find(QStringLiteral("batch"), QStringLiteral("cronjobs")));
        QCOMPARE(r.findKind(QString(), QStringLiteral("Pod"))->title, QStringLiteral("Pods"));
        QVERIFY(!r.findKind(QStringLiteral("apps"), QStringLiteral("Pod")));
    }

    void builtinCapabilitiesPerKind_data()
    {
        QTest::addColumn<QString>("group");
        QTest::addColumn<QString>("plural");
        QTest::addColumn<int>("expected");
        const KindCapabilities common = C::Delete | C::Edit | C::Create;
        auto row = [&](const char *group, const char *plural, KindCapabilities extra) {
            QTest::newRow(plural) << QString::fromLatin1(group) << QString::fromLatin1(plural) << int((common | extra).toInt());
        };
        row("", "pods", C::PodLogs);
        row("apps", "deployments", C::Scale | C::Restart | C::WorkloadLogs | C::ScalingView | C::RolloutHistory);
        row("apps", "statefulsets", C::Scale | C::Restart | C::WorkloadLogs);
        row("apps", "daemonsets", C::Restart | C::WorkloadLogs);
        row("apps", "replicasets", C::Scale | C::WorkloadLogs);
        row("batch", "jobs", C::WorkloadLogs);
        row("batch", "cronjobs", C::Trigger | C::Suspend);
        row("", "nodes", C::Cordon);
        row("", "services", {});
        row("", "persistentvolumeclaims", {});
        row("autoscaling", "horizontalpodautoscalers", {});
        row("argoproj.io", "rollouts", C::RolloutActions | C::Restart | C::WorkloadLogs | C::RolloutHistory | C::Scale);
        row("argoproj.io", "analysisruns", {});
    }

    void builtinCapabilitiesPerKind()
    {
        QFETCH(QString, group);
        QFETCH(QString, plural);
        QFETCH(int, expected);
        const KindRegistry r = KindRegistry::builtin();
        const KindInfo *k = r.find(group, plural);
        QVERIFY(k);
        QCOMPARE(int(k->capabilities.toInt()), expected);
        // The same after discovery (the fixtures serve these kinds with the usual verbs).
        KindRegistry d = KindRegistry::builtin();
        d.applyDiscovery(fixtureDiscovery());
        QVERIFY(d.find(group, plural));
        QCOMPARE(int(d.find(group, plural)->capabilities.toInt()), expected);
    }

    void discoveryFillsVerbsAndAddsEveryListableResource()
    {
        KindRegistry r = KindRegistry::builtin();
        r.applyDiscovery(fixtureDiscovery());
        QVERIFY(r.discovered());
        const KindInfo *pods = r.find(QString(), QStringLiteral("pods"));
        QVERIFY(pods && pods->served);
        QVERIFY(pods->subresources.contains(QStringLiteral("log")));
        QVERIFY(pods->subresources.contains(QStringLiteral("eviction")));
        const KindInfo *ns = r.find(QString(), QStringLiteral("namespaces"));
        QVERIFY(!ns->can(QStringLiteral("deletecollection")));
        QVERIFY(ns->has(C::Delete));

        // Kinds the table titles but does not show until served.
        const KindInfo *pdb = r.find(QStringLiteral("policy"), QStringLiteral("poddisruptionbudgets"));
        QVERIFY(pdb && pdb->served);
        QCOMPARE(pdb->title, QStringLiteral("PodDisruptionBudgets"));
        QCOMPARE(pdb->category, QStringLiteral("Config"));
        QVERIFY(!KindRegistry::builtin().find(QStringLiteral("policy"), QStringLiteral("poddisruptionbudgets")));
        const KindInfo *rc = r.find(QString(), QStringLiteral("replicationcontrollers"));
        QVERIFY(rc && rc->has(C::Scale));
        QCOMPARE(rc->category, QStringLiteral("Workloads"));

        // Not listable: reviews, bindings, component statuses (no watch).
        QVERIFY(!r.find(QStringLiteral("authorization.k8s.io"), QStringLiteral("selfsubjectaccessreviews")));
        QVERIFY(!r.find(QString(), QStringLiteral("bindings")));
        QVERIFY(!r.find(QString(), QStringLiteral("componentstatuses")));
        // events.k8s.io serves the core Events again: listed once.
        QVERIFY(!r.find(QStringLiteral("events.k8s.io"), QStringLiteral("events")));

        // Custom resources: every CRD, titled from its Kind, under its group.
        const KindInfo *exp = r.find(QStringLiteral("argoproj.io"), QStringLiteral("experiments"));
        QVERIFY(exp);
        QCOMPARE(exp->title, QStringLiteral("Experiments"));
        QCOMPARE(exp->category, QStringLiteral("Custom resources"));
        QCOMPARE(exp->apiGroupLabel, QStringLiteral("argoproj.io"));
        QCOMPARE(exp->icon, QStringLiteral("kind-custom"));
        QCOMPARE(exp->shortNames, QStringList{QStringLiteral("exp")});
        const KindInfo *policies = r.find(QStringLiteral("shop.example.com"), QStringLiteral("shippingpolicies"));
        QVERIFY(policies);
        QCOMPARE(policies->title, QStringLiteral("ShippingPolicies"));
        QCOMPARE(policies->singular, QStringLiteral("ShippingPolicy"));
        QCOMPARE(policies->capabilities, C::Delete | C::Edit | C::Create);
        const KindInfo *cat = r.find(QStringLiteral("argoproj.io"), QStringLiteral("clusteranalysistemplates"));
        QVERIFY(cat && !cat->ref.namespaced);
    }

    void discoveredCrdWithScaleSubresourceCanScale()
    {
        KindRegistry r = KindRegistry::builtin();
        r.applyDiscovery(fixtureDiscovery());
        const KindInfo *pools = r.find(QStringLiteral("shop.example.com"), QStringLiteral("workerpools"));
        QVERIFY(pools);
        QVERIFY(pools->served);
        QCOMPARE(pools->subresources, (QStringList{QStringLiteral("scale"), QStringLiteral("status")}));
        QVERIFY(pools->has(C::Scale));
        QVERIFY(!pools->has(C::Restart));  // no trait from the table: nothing guessed from the name
        QCOMPARE(r.findKind(QStringLiteral("shop.example.com"), QStringLiteral("WorkerPool")), pools);

        // Rollouts: Scale only while the server serves rollouts/scale.
        QVERIFY(r.find(QStringLiteral("argoproj.io"), QStringLiteral("rollouts"))->has(C::Scale));
        DiscoveryResult d = fixtureDiscovery();
        for (auto &res : d.resources)
            if (res.ref.plural == QLatin1String("rollouts"))
                res.subresources.removeAll(QStringLiteral("scale"));
        KindRegistry noScale = KindRegistry::builtin();
        noScale.applyDiscovery(d);
        const KindInfo *rollouts = noScale.find(QStringLiteral("argoproj.io"), QStringLiteral("rollouts"));
        QVERIFY(!rollouts->has(C::Scale));
        QVERIFY(rollouts->has(C::RolloutActions));
    }

    void verbsTheServerLacksTurnCapabilitiesOff()
    {
        DiscoveryResult d = fixtureDiscovery();
        for (auto &res : d.resources)
            if (res.ref.plural == QLatin1String("deployments"))
                res.verbs = QStringList{QStringLiteral("get"), QStringLiteral("list"), QStringLiteral("watch")};
        KindRegistry r = KindRegistry::builtin();
        r.applyDiscovery(d);
        const KindInfo *dep = r.find(QStringLiteral("apps"), QStringLiteral("deployments"));
        QCOMPARE(dep->capabilities, C::WorkloadLogs | C::ScalingView | C::RolloutHistory);
    }

    void builtinNotServedIsDroppedOnlyWhenItsGroupWasRead()
    {
        // The fixtures have no storage.k8s.io: StorageClasses go.
        KindRegistry r = KindRegistry::builtin();
        QVERIFY(r.find(QStringLiteral("storage.k8s.io"), QStringLiteral("storageclasses")));
        r.applyDiscovery(fixtureDiscovery());
        QVERIFY(!r.find(QStringLiteral("storage.k8s.io"), QStringLiteral("storageclasses")));
        QVERIFY(!r.lookup(QStringLiteral("sc")));

        // The group's list failed: the kind stays, unconfirmed, with the table's defaults.
        DiscoveryResult partial = fixtureDiscovery({QStringLiteral("batch-v1.json")});
        partial.failedGroups << QStringLiteral("batch/v1") << QStringLiteral("storage.k8s.io/v1");
        KindRegistry p = KindRegistry::builtin();
        p.applyDiscovery(partial);
        const KindInfo *cronjobs = p.find(QStringLiteral("batch"), QStringLiteral("cronjobs"));
        QVERIFY(cronjobs);
        QVERIFY(!cronjobs->served);
        QVERIFY(cronjobs->has(C::Trigger));
        QVERIFY(p.find(QStringLiteral("storage.k8s.io"), QStringLiteral("storageclasses")));
        // /apis failed: no group but the core one is known to be complete.
        DiscoveryResult coreOnly = fixtureDiscovery();
        std::erase_if(coreOnly.resources, [](const DiscoveredResource &res) { return !res.ref.group.isEmpty(); });
        coreOnly.failedGroups << QStringLiteral("/apis");
        KindRegistry c = KindRegistry::builtin();
        c.applyDiscovery(coreOnly);
        QVERIFY(c.find(QStringLiteral("apps"), QStringLiteral("deployments")));
        QVERIFY(c.find(QStringLiteral("argoproj.io"), QStringLiteral("rollouts")));

        // A cluster without Argo: the known custom resources go too.
        KindRegistry noArgo = KindRegistry::builtin();
        noArgo.applyDiscovery(fixtureDiscovery({QStringLiteral("argoproj.io-v1alpha1.json")}));
        QVERIFY(!noArgo.find(QStringLiteral("argoproj.io"), QStringLiteral("rollouts")));
        QVERIFY(!noArgo.lookup(QStringLiteral("ro")));
    }

    void discoveryTakesTheServedVersion()
    {
        DiscoveryResult d = fixtureDiscovery();
        for (auto &res : d.resources)
            if (res.ref.plural == QLatin1String("horizontalpodautoscalers"))
                res.ref.version = QStringLiteral("v1");
        KindRegistry r = KindRegistry::builtin();
        r.applyDiscovery(d);
        const KindInfo *hpa = r.find(QStringLiteral("autoscaling"), QStringLiteral("horizontalpodautoscalers"));
        QCOMPARE(hpa->ref.version, QStringLiteral("v1"));
        QCOMPARE(hpa->ref.collectionPath(QStringLiteral("shop")), QStringLiteral("/apis/autoscaling/v1/namespaces/shop/horizontalpodautoscalers"));
    }

    void kindsAreInCategoryOrderAfterDiscovery()
    {
        KindRegistry r = KindRegistry::builtin();
        r.applyDiscovery(fixtureDiscovery());
        const QStringList order = KindRegistry::categories();
        const QList<KindInfo> kinds = r.kinds();
        for (qsizetype i = 1; i < kinds.size(); ++i) {
            const KindInfo &a = kinds[i - 1], &b = kinds[i];
            QVERIFY2(order.indexOf(a.category) <= order.indexOf(b.category), qPrintable(a.id() + QStringLiteral(" before ") + b.id()));
            if (a.category == b.category)
                QVERIFY2(a.order <= b.order, qPrintable(a.id() + QStringLiteral(" before ") + b.id()));
        }
        // Workloads: the table's order, the kinds only discovery brought after the usual ones.
        QStringList workloads;
        for (const KindInfo &k : kinds)
            if (k.category == QLatin1String("Workloads"))
                workloads << k.title;
        QCOMPARE(workloads, (QStringList{QStringLiteral("Pods"), QStringLiteral("Deployments"), QStringLiteral("StatefulSets"),
                                         QStringLiteral("DaemonSets"), QStringLiteral("ReplicaSets"), QStringLiteral("Jobs"),
                                         QStringLiteral("CronJobs"), QStringLiteral("ReplicationControllers"), QStringLiteral("PodTemplates"),
                                         QStringLiteral("ControllerRevisions")}));
        // Custom resources by group, then title.
        QStringList custom;
        for (const KindInfo &k : kinds)
            if (k.category == KindRegistry::customCategory())
                custom << k.id();
        QCOMPARE(custom, (QStringList{QStringLiteral("analysisruns.argoproj.io"), QStringLiteral("analysistemplates.argoproj.io"),
                                      QStringLiteral("applications.argoproj.io"), QStringLiteral("appprojects.argoproj.io"),
                                      QStringLiteral("clusteranalysistemplates.argoproj.io"), QStringLiteral("experiments.argoproj.io"),
                                      QStringLiteral("rollouts.argoproj.io"), QStringLiteral("shippingpolicies.shop.example.com"),
                                      QStringLiteral("workerpools.shop.example.com")}));
    }

    void lookupByEveryName()
    {
        KindRegistry r = KindRegistry::builtin();
        r.applyDiscovery(fixtureDiscovery());
        auto id = [&r](const char *text) {
            const KindInfo *k = r.lookup(QString::fromUtf8(text));
            return k ? k->id() : QStringLiteral("(none)");
        };
        QCOMPARE(id("sts"), QStringLiteral("statefulsets.apps"));
        QCOMPARE(id("StatefulSet"), QStringLiteral("statefulsets.apps"));
        QCOMPARE(id("statefulsets"), QStringLiteral("statefulsets.apps"));
        QCOMPARE(id("deploy"), QStringLiteral("deployments.apps"));
        QCOMPARE(id("  PVC "), QStringLiteral("persistentvolumeclaims"));
        QCOMPARE(id(":cj"), QStringLiteral("cronjobs.batch"));
        QCOMPARE(id("hpa"), QStringLiteral("horizontalpodautoscalers.autoscaling"));
        QCOMPARE(id("HPAs"), QStringLiteral("horizontalpodautoscalers.autoscaling"));
        QCOMPARE(id("ro"), QStringLiteral("rollouts.argoproj.io"));
        QCOMPARE(id("wp"), QStringLiteral("workerpools.shop.example.com"));
        QCOMPARE(id("workerpools.shop.example.com"), QStringLiteral("workerpools.shop.example.com"));
        QCOMPARE(id("deployment.apps"), QStringLiteral("deployments.apps"));
        QCOMPARE(id("deployments.v1.apps"), QStringLiteral("deployments.apps"));
        // Exact before prefix: "ev" is the Events short name, not a prefix of "Experiments".
        QCOMPARE(id("ev"), QStringLiteral("events"));
        // "events" is served by two groups; the built-in one answers.
        QCOMPARE(id("events"), QStringLiteral("events"));
        // A unique prefix of a title or plural.
        QCOMPARE(id("statef"), QStringLiteral("statefulsets.apps"));
        QCOMPARE(id("netw"), QStringLiteral("networkpolicies.networking.k8s.io"));
        QCOMPARE(id("shipping"), QStringLiteral("shippingpolicies.shop.example.com"));
        // Ambiguous prefixes and unknown names find nothing.
        QCOMPARE(id("persistentv"), QStringLiteral("(none)"));  // PVs and PVCs
        QCOMPARE(id("PersistentVolume"), QStringLiteral("persistentvolumes"));  // the kind itself is exact
        QCOMPARE(id("r"), QStringLiteral("(none)"));
        QCOMPARE(id("nosuchkind"), QStringLiteral("(none)"));
        QCOMPARE(id(""), QStringLiteral("(none)"));
    }

    void registryIsAValueForSignals()
    {
        KindRegistry r = KindRegistry::builtin();
        const QVariant v = QVariant::fromValue(r);
        r.applyDiscovery(fixtureDiscovery());  // the copy in the variant is not touched
        const KindRegistry copy = v.value<KindRegistry>();
        QVERIFY(!copy.discovered());
        QVERIFY(copy.find(QStringLiteral("storage.k8s.io"), QStringLiteral("storageclasses")));
        QCOMPARE(copy.find(QStringLiteral("apps"), QStringLiteral("deployments"))->title, QStringLiteral("Deployments"));
    }
};

QTEST_GUILESS_MAIN(TestKindRegistry)
#include "tst_kindregistry.moc"
