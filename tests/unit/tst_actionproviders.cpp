// The action providers: for every built-in kind exactly the offers its capabilities say, and the
// exact requests behind them (kubectl's Job from a CronJob, suspend/resume, cordon/uncordon, scale,
// restart, the rollout plugin's promote on a status-only Rollout).
#include "actions/actionprovider.h"
#include "rolloutfixture.h"

#include <QFile>
#include <QJsonArray>
#include <QTest>

using namespace pilothouse::backends;
using namespace pilothouse::backends::actions;
using namespace pilothouse::backends::kube;

namespace {

QJsonObject parse(const char *json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(json), &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("fixture: %s", qPrintable(error.errorString()));
    return doc.object();
}

QJsonObject body(const Action &a) { return QJsonDocument::fromJson(a.body).object(); }

QStringList ids(const QList<ActionOffer> &offers)
{
    QStringList out;
    for (const ActionOffer &o : offers)
        out << o.id;
    return out;
}

// A copy: the offers are often a temporary list.
std::optional<ActionOffer> offerWithId(const QList<ActionOffer> &offers, const QString &id)
{
    for (const ActionOffer &o : offers)
        if (o.id == id)
            return o;
    return std::nullopt;
}

// An object of any kind with what the providers look at: name, namespace, uid, resourceVersion, a
// pod selector and replicas.
QJsonObject genericObject(const KindInfo &kind)
{
    QJsonObject meta{{QStringLiteral("name"), QStringLiteral("thing")},
                     {QStringLiteral("uid"), QStringLiteral("0b7c9a52-4f0e-4d7e-9a51-2b1d1f6c7e01")},
                     {QStringLiteral("resourceVersion"), QStringLiteral("812")}};
    if (kind.ref.namespaced)
        meta.insert(QStringLiteral("namespace"), QStringLiteral("shop"));
    QJsonObject spec{{QStringLiteral("replicas"), 2},
                     {QStringLiteral("selector"), QJsonObject{{QStringLiteral("matchLabels"), QJsonObject{{QStringLiteral("app"), QStringLiteral("thing")}}}}}};
    return QJsonObject{{QStringLiteral("apiVersion"), kind.ref.group.isEmpty() ? kind.ref.version : kind.ref.group + QLatin1Char('/') + kind.ref.version},
                       {QStringLiteral("kind"), kind.ref.kind},
                       {QStringLiteral("metadata"), meta},
                       {QStringLiteral("spec"), spec}};
}

const KindInfo &kindOf(const char *group, const char *plural)
{
    static const KindRegistry registry = KindRegistry::builtin();
    const KindInfo *k = registry.find(QString::fromLatin1(group), QString::fromLatin1(plural));
    if (!k)
        qFatal("no kind %s.%s", plural, group);
    return *k;
}

const char *const kCronJob = R"({
  "apiVersion": "batch/v1", "kind": "CronJob",
  "metadata": {"name": "nightly-report", "namespace": "shop", "uid": "5f0c2b7e-8d1a-4e3b-9c6f-7a2d4e1b3c90", "resourceVersion": "4711",
               "labels": {"app": "report"}, "annotations": {"owner": "data-team"}},
  "spec": {
    "schedule": "0 3 * * *", "suspend": false, "concurrencyPolicy": "Forbid",
    "jobTemplate": {
      "metadata": {"labels": {"app": "report", "tier": "batch"}, "annotations": {"team": "data"}},
      "spec": {"backoffLimit": 2, "template": {
        "metadata": {"labels": {"app": "report"}},
        "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "report", "image": "registry.pilothouse.dev/shop/report:12",
                                                              "args": ["--since", "24h"]}]}}}}
  }
})";

const char *const kNode = R"({
  "apiVersion": "v1", "kind": "Node",
  "metadata": {"name": "node-2", "uid": "c1f7d3a8-1111-4c2e-8a7b-5e9f0d2c4b61", "resourceVersion": "9001", "labels": {"kubernetes.io/hostname": "node-2"}},
  "spec": {"podCIDR": "10.244.2.0/24"}
})";

}  // namespace

class TestActionProviders : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        ActionProviders::setClockForTesting([] { return QDateTime(QDate(2026, 12, 1), QTime(10, 30, 0), Qt::UTC); });
    }
    void cleanup() { ActionProviders::setClockForTesting({}); }

    void offerIdsPerBuiltinKind_data()
    {
        QTest::addColumn<bool>("discovered");
        QTest::newRow("built-in table") << false;
        QTest::newRow("after discovery") << true;
    }

    void offerIdsPerBuiltinKind()
    {
        QFETCH(bool, discovered);
        KindRegistry registry = KindRegistry::builtin();
        if (discovered) {
            DiscoveryResult d;
            for (const char *file : {"api-v1.json", "apps-v1.json", "batch-v1.json", "networking.k8s.io-v1.json", "autoscaling-v2.json",
                                     "rbac.authorization.k8s.io-v1.json", "argoproj.io-v1alpha1.json"}) {
                QFile f(QStringLiteral(PILOTHOUSE_TEST_DATA "/kube/discovery/") + QLatin1String(file));
                QVERIFY(f.open(QIODevice::ReadOnly));
                auto parsed = parseResourceList(f.readAll());
                QVERIFY(parsed.ok());
                d.resources.insert(d.resources.end(), parsed.value().begin(), parsed.value().end());
            }
            d.failedGroups << QStringLiteral("storage.k8s.io/v1");  // keeps StorageClasses, unconfirmed
            registry.applyDiscovery(d);
        }
        const QStringList generic{QStringLiteral("edit"), QStringLiteral("delete")};
        const QHash<QString, QStringList> expected{
            {QStringLiteral("pods"), {QStringLiteral("logs"), QStringLiteral("edit"), QStringLiteral("delete")}},
            {QStringLiteral("deployments.apps"),
             {QStringLiteral("logs"), QStringLiteral("scaling"), QStringLiteral("history"), QStringLiteral("scale"), QStringLiteral("restart"),
              QStringLiteral("edit"), QStringLiteral("delete")}},
            {QStringLiteral("statefulsets.apps"),
             {QStringLiteral("logs"), QStringLiteral("scale"), QStringLiteral("restart"), QStringLiteral("edit"), QStringLiteral("delete")}},
            {QStringLiteral("daemonsets.apps"), {QStringLiteral("logs"), QStringLiteral("restart"), QStringLiteral("edit"), QStringLiteral("delete")}},
            {QStringLiteral("replicasets.apps"), {QStringLiteral("logs"), QStringLiteral("scale"), QStringLiteral("edit"), QStringLiteral("delete")}},
            {QStringLiteral("jobs.batch"), {QStringLiteral("logs"), QStringLiteral("edit"), QStringLiteral("delete")}},
            {QStringLiteral("cronjobs.batch"),
             {QStringLiteral("trigger"), QStringLiteral("suspend"), QStringLiteral("resume"), QStringLiteral("edit"), QStringLiteral("delete")}},
            {QStringLiteral("nodes"), {QStringLiteral("cordon"), QStringLiteral("uncordon"), QStringLiteral("edit"), QStringLiteral("delete")}},
            {QStringLiteral("rollouts.argoproj.io"),
             {QStringLiteral("logs"), QStringLiteral("history"), QStringLiteral("promote"), QStringLiteral("promote-full"), QStringLiteral("abort"),
              QStringLiteral("retry"), QStringLiteral("scale"), QStringLiteral("restart"), QStringLiteral("edit"), QStringLiteral("delete")}},
        };
        const QStringList genericKinds{
            QStringLiteral("services"), QStringLiteral("endpoints"), QStringLiteral("ingresses.networking.k8s.io"),
            QStringLiteral("networkpolicies.networking.k8s.io"), QStringLiteral("configmaps"), QStringLiteral("secrets"),
            QStringLiteral("resourcequotas"), QStringLiteral("limitranges"), QStringLiteral("persistentvolumeclaims"),
            QStringLiteral("persistentvolumes"), QStringLiteral("storageclasses.storage.k8s.io"), QStringLiteral("horizontalpodautoscalers.autoscaling"),
            QStringLiteral("serviceaccounts"), QStringLiteral("roles.rbac.authorization.k8s.io"), QStringLiteral("rolebindings.rbac.authorization.k8s.io"),
            QStringLiteral("clusterroles.rbac.authorization.k8s.io"), QStringLiteral("clusterrolebindings.rbac.authorization.k8s.io"),
            QStringLiteral("namespaces"), QStringLiteral("events"), QStringLiteral("analysisruns.argoproj.io"), QStringLiteral("applications.argoproj.io")};
        // Every kind of the built-in table is named here: a new kind needs its offers written down.
        const KindRegistry builtin = KindRegistry::builtin();
        for (const KindInfo &k : builtin.kinds())
            QVERIFY2(expected.contains(k.id()) || genericKinds.contains(k.id()), qPrintable(k.id() + QStringLiteral(" has no expected offers")));
        for (const KindInfo &k : builtin.kinds()) {
            const KindInfo *kind = registry.find(k.ref);
            QVERIFY2(kind, qPrintable(k.id()));
            const QList<ActionOffer> offers = ActionProviders::standard().offersFor(*kind, genericObject(*kind));
            QCOMPARE(ids(offers), expected.value(k.id(), generic));
            // Sections in order, Delete alone in the last one.
            for (qsizetype i = 1; i < offers.size(); ++i)
                QVERIFY(offers[i - 1].section <= offers[i].section);
            QCOMPARE(offers.last().section, 2);
            for (const ActionOffer &o : offers) {
                QVERIFY2(!o.title.isEmpty() && !o.icon.isEmpty(), qPrintable(o.id));
                QVERIFY2(o.mutates() != o.link.has_value(), qPrintable(o.id));  // a change or a link, never both
            }
        }
    }

    void aDiscoveredCrdWithScaleOffersScale()
    {
        QFile f(QStringLiteral(PILOTHOUSE_TEST_DATA "/kube/discovery/shop.example.com-v1.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        DiscoveryResult d;
        d.resources = parseResourceList(f.readAll()).value();
        KindRegistry registry;
        registry.applyDiscovery(d);
        const KindInfo *pools = registry.find(QStringLiteral("shop.example.com"), QStringLiteral("workerpools"));
        QVERIFY(pools);
        QJsonObject pool = genericObject(*pools);
        const QList<ActionOffer> offers = ActionProviders::standard().offersFor(*pools, pool);
        QCOMPARE(ids(offers), (QStringList{QStringLiteral("scale"), QStringLiteral("edit"), QStringLiteral("delete")}));
        const Action a = offers.first().actionForNumber(4);
        QCOMPARE(a.resource.objectPath(a.ns, a.objectName), QStringLiteral("/apis/shop.example.com/v1/namespaces/shop/workerpools/thing"));
        QCOMPARE(a.subresource, QStringLiteral("scale"));
        // A CRD without a scale subresource: only the generic offers.
        const KindInfo *policies = registry.find(QStringLiteral("shop.example.com"), QStringLiteral("shippingpolicies"));
        QCOMPARE(ids(ActionProviders::standard().offersFor(*policies, genericObject(*policies))),
                 (QStringList{QStringLiteral("edit"), QStringLiteral("delete")}));
    }

    void workloadLogsNeedAPodSelector()
    {
        const KindInfo &deployments = kindOf("apps", "deployments");
        QJsonObject o = genericObject(deployments);
        QJsonObject spec = o.value(QStringLiteral("spec")).toObject();
        spec.remove(QStringLiteral("selector"));
        o.insert(QStringLiteral("spec"), spec);
        QVERIFY(!ids(ActionProviders::standard().offersFor(deployments, o)).contains(QStringLiteral("logs")));
        const QList<ActionOffer> withSelector = ActionProviders::standard().offersFor(deployments, genericObject(deployments));
        std::optional<ActionOffer> logs = offerWithId(withSelector, QStringLiteral("logs"));
        QVERIFY(logs && logs->link);
        QCOMPARE(logs->title, QStringLiteral("Logs of all pods"));
        QCOMPARE(logs->link->pageId, QStringLiteral("logs"));
        QCOMPARE(logs->link->args.value(QStringLiteral("workload")).toBool(), true);
        QCOMPARE(logs->link->args.value(QStringLiteral("namespace")).toString(), QStringLiteral("shop"));
        QCOMPARE(logs->link->args.value(QStringLiteral("name")).toString(), QStringLiteral("thing"));
        QCOMPARE(logs->link->args.value(QStringLiteral("plural")).toString(), QStringLiteral("deployments"));
        QVERIFY(!logs->permissionProbe());  // reading needs no confirmation: enabled at once

        std::optional<ActionOffer> podLogs = offerWithId(ActionProviders::standard().offersFor(kindOf("", "pods"), genericObject(kindOf("", "pods"))),
                                                 QStringLiteral("logs"));
        QCOMPARE(podLogs->title, QStringLiteral("Logs"));
        QCOMPARE(podLogs->link->args.value(QStringLiteral("workload")).toBool(), false);
    }

    void navigationLinks()
    {
        const KindInfo &deployments = kindOf("apps", "deployments");
        const QList<ActionOffer> offers = ActionProviders::standard().offersFor(deployments, genericObject(deployments));
        std::optional<ActionOffer> scaling = offerWithId(offers, QStringLiteral("scaling"));
        QCOMPARE(scaling->link->pageId, QStringLiteral("scaling"));
        QCOMPARE(scaling->link->args.value(QStringLiteral("name")).toString(), QStringLiteral("thing"));
        std::optional<ActionOffer> history = offerWithId(offers, QStringLiteral("history"));
        QCOMPARE(history->link->pageId, QStringLiteral("rollouts"));
        QCOMPARE(history->link->args, (QVariantMap{{QStringLiteral("kind"), QStringLiteral("Deployment")},
                                                   {QStringLiteral("namespace"), QStringLiteral("shop")},
                                                   {QStringLiteral("name"), QStringLiteral("thing")}}));
        std::optional<ActionOffer> edit = offerWithId(offers, QStringLiteral("edit"));
        QCOMPARE(edit->title, QStringLiteral("Edit YAML"));
        QCOMPARE(edit->link->pageId, QStringLiteral("resources"));
        QCOMPARE(edit->link->args.value(QStringLiteral("edit")).toBool(), true);
        QCOMPARE(edit->link->args.value(QStringLiteral("group")).toString(), QStringLiteral("apps"));
        QVERIFY(!edit->mutates());
        // Enabled by the update permission.
        QVERIFY(edit->permissionProbe());
        QCOMPARE(edit->permissionProbe()->verb, QStringLiteral("update"));
        QCOMPARE(edit->permissionProbe()->objectName, QStringLiteral("thing"));
    }

    void cronJobTriggerSendsWhatKubectlSends()
    {
        const KindInfo &cronJobs = kindOf("batch", "cronjobs");
        const QList<ActionOffer> offers = ActionProviders::standard().offersFor(cronJobs, parse(kCronJob));
        std::optional<ActionOffer> trigger = offerWithId(offers, QStringLiteral("trigger"));
        QVERIFY(trigger && trigger->action);
        QCOMPARE(trigger->title, QStringLiteral("Trigger now"));
        QVERIFY(trigger->applies());
        const Action &a = *trigger->action;
        // 2026-12-01T10:30:00Z in base 36, the last four digits.
        const QString name = QStringLiteral("nightly-report-manual-") +
                             QString::number(QDateTime(QDate(2026, 12, 1), QTime(10, 30), Qt::UTC).toSecsSinceEpoch(), 36).right(4);
        QCOMPARE(a.objectName, name);
        QVERIFY(a.isCreate);
        QCOMPARE(a.verb, QStringLiteral("create"));
        QCOMPARE(a.resource.collectionPath(a.ns), QStringLiteral("/apis/batch/v1/namespaces/shop/jobs"));
        QCOMPARE(ActionFacade::permissionTargets(a), QStringList{QString()});
        // `kubectl create job NAME --from=cronjob/nightly-report -o json --dry-run=client`, as createJobFromCronJob builds it.
        const QJsonObject expected = parse(R"({
          "apiVersion": "batch/v1", "kind": "Job",
          "metadata": {"name": "NAME", "namespace": "shop",
                       "annotations": {"cronjob.kubernetes.io/instantiate": "manual", "team": "data"},
                       "labels": {"app": "report", "tier": "batch"},
                       "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly-report",
                                            "uid": "5f0c2b7e-8d1a-4e3b-9c6f-7a2d4e1b3c90", "controller": true}]},
          "spec": {"backoffLimit": 2, "template": {
            "metadata": {"labels": {"app": "report"}},
            "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "report", "image": "registry.pilothouse.dev/shop/report:12",
                                                                  "args": ["--since", "24h"]}]}}}
        })");
        QJsonObject sent = body(a);
        QJsonObject meta = sent.value(QStringLiteral("metadata")).toObject();
        QCOMPARE(meta.value(QStringLiteral("name")).toString(), name);
        meta.insert(QStringLiteral("name"), QStringLiteral("NAME"));
        sent.insert(QStringLiteral("metadata"), meta);
        QCOMPARE(sent, expected);
        // The confirmation names the CronJob and the Job it creates.
        ActionFacade facade(nullptr, nullptr, QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        QCOMPARE(facade.confirmationText(a), QStringLiteral("Trigger cronjobs.batch shop/nightly-report in context sim-admin: create job shop/%1 from its template").arg(name));
    }

    void manualJobNamesFitTheLabelLimit()
    {
        const QDateTime at(QDate(2026, 12, 1), QTime(10, 30), Qt::UTC);
        const QString longName = QStringLiteral("a-very-long-cron-job-name-that-fills-almost-all-of-the-63-chars");
        const QString name = manualJobName(longName, at);
        QVERIFY2(name.size() <= 63, qPrintable(name));
        QVERIFY(name.contains(QStringLiteral("-manual-")));
        QVERIFY(!name.contains(QStringLiteral("--")));
        QCOMPARE(manualJobName(QStringLiteral("x"), at).size(), 1 + 8 + 4);
        QVERIFY(manualJobName(QStringLiteral("x"), at) != manualJobName(QStringLiteral("x"), at.addSecs(1)));
    }

    void suspendAndResume()
    {
        const KindInfo &cronJobs = kindOf("batch", "cronjobs");
        QJsonObject cron = parse(kCronJob);
        QList<ActionOffer> offers = ActionProviders::standard().offersFor(cronJobs, cron);
        std::optional<ActionOffer> suspend = offerWithId(offers, QStringLiteral("suspend"));
        std::optional<ActionOffer> resume = offerWithId(offers, QStringLiteral("resume"));
        QVERIFY(suspend->applies());
        QCOMPARE(resume->notApplicable, QStringLiteral("Not suspended"));
        QCOMPARE(suspend->action->verb, QStringLiteral("patch"));
        QVERIFY(suspend->action->subresource.isEmpty());
        // The precondition is what the operator saw: this object (uid) with this value of the field;
        // a controller's status write in between does not refuse it, a changed field does.
        QCOMPARE(patchContentType(suspend->action->patchKind), QByteArray("application/json-patch+json"));
        QCOMPARE(suspend->action->body,
                 QByteArray(R"([{"op":"test","path":"/metadata/uid","value":"5f0c2b7e-8d1a-4e3b-9c6f-7a2d4e1b3c90"},)"
                            R"({"op":"test","path":"/spec/suspend","value":false},{"op":"add","path":"/spec/suspend","value":true}])"));
        QCOMPARE(suspend->action->expectedResourceVersion, QStringLiteral("4711"));
        QCOMPARE(suspend->action->objectLabel(), QStringLiteral("cronjobs.batch shop/nightly-report"));

        QJsonObject spec = cron.value(QStringLiteral("spec")).toObject();
        spec.insert(QStringLiteral("suspend"), true);
        cron.insert(QStringLiteral("spec"), spec);
        offers = ActionProviders::standard().offersFor(cronJobs, cron);
        suspend = offerWithId(offers, QStringLiteral("suspend"));
        resume = offerWithId(offers, QStringLiteral("resume"));
        QCOMPARE(suspend->notApplicable, QStringLiteral("Already suspended"));
        QVERIFY(resume->applies());
        QCOMPARE(resume->action->body,
                 QByteArray(R"([{"op":"test","path":"/metadata/uid","value":"5f0c2b7e-8d1a-4e3b-9c6f-7a2d4e1b3c90"},)"
                            R"({"op":"test","path":"/spec/suspend","value":true},{"op":"add","path":"/spec/suspend","value":false}])"));
        QCOMPARE(resume->action->name, QStringLiteral("resume"));
    }

    void cordonAndUncordon()
    {
        const KindInfo &nodes = kindOf("", "nodes");
        QJsonObject node = parse(kNode);
        QList<ActionOffer> offers = ActionProviders::standard().offersFor(nodes, node);
        std::optional<ActionOffer> cordon = offerWithId(offers, QStringLiteral("cordon"));
        QVERIFY(cordon->applies());
        QCOMPARE(offerWithId(offers, QStringLiteral("uncordon"))->notApplicable, QStringLiteral("Not cordoned"));
        // Not set on the node: only its identity is tested before the field is added.
        QCOMPARE(cordon->action->body,
                 QByteArray(R"([{"op":"test","path":"/metadata/uid","value":"c1f7d3a8-1111-4c2e-8a7b-5e9f0d2c4b61"},)"
                            R"({"op":"add","path":"/spec/unschedulable","value":true}])"));
        QCOMPARE(cordon->action->expectedResourceVersion, QStringLiteral("9001"));
        QCOMPARE(cordon->action->resource.objectPath(cordon->action->ns, cordon->action->objectName), QStringLiteral("/api/v1/nodes/node-2"));
        QCOMPARE(cordon->action->objectLabel(), QStringLiteral("nodes node-2"));

        QJsonObject spec = node.value(QStringLiteral("spec")).toObject();
        spec.insert(QStringLiteral("unschedulable"), true);
        node.insert(QStringLiteral("spec"), spec);
        offers = ActionProviders::standard().offersFor(nodes, node);
        QCOMPARE(offerWithId(offers, QStringLiteral("cordon"))->notApplicable, QStringLiteral("Already cordoned"));
        std::optional<ActionOffer> uncordon = offerWithId(offers, QStringLiteral("uncordon"));
        QVERIFY(uncordon->applies());
        // As kubectl uncordon: the field goes, if it is still what the operator saw.
        QCOMPARE(uncordon->action->body,
                 QByteArray(R"([{"op":"test","path":"/metadata/uid","value":"c1f7d3a8-1111-4c2e-8a7b-5e9f0d2c4b61"},)"
                            R"({"op":"test","path":"/spec/unschedulable","value":true},{"op":"remove","path":"/spec/unschedulable"}])"));
    }

    void scaleAsksForTheNumber()
    {
        const KindInfo &sts = kindOf("apps", "statefulsets");
        QJsonObject o = genericObject(sts);
        std::optional<ActionOffer> scale = offerWithId(ActionProviders::standard().offersFor(sts, o), QStringLiteral("scale"));
        QVERIFY(scale && scale->actionForNumber && !scale->action);
        QVERIFY(scale->mutates());
        QCOMPARE(scale->title, QStringLiteral("Scale…"));
        QCOMPARE(scale->numberNow, 2);
        QCOMPARE(scale->numberLabel, QStringLiteral("Replicas for shop/thing"));
        const Action a = scale->actionForNumber(5);
        QCOMPARE(a.subresource, QStringLiteral("scale"));
        QCOMPARE(a.change, QStringLiteral("replicas 2 → 5"));
        QCOMPARE(body(a), parse(R"({"metadata":{"resourceVersion":"812"},"spec":{"replicas":5}})"));
        QCOMPARE(a.resource.objectPath(a.ns, a.objectName), QStringLiteral("/apis/apps/v1/namespaces/shop/statefulsets/thing"));
        // The permission is checked on the action as it would be sent.
        QCOMPARE(scale->permissionProbe()->subresource, QStringLiteral("scale"));
        // No spec.replicas: the API's default of 1.
        QJsonObject spec = o.value(QStringLiteral("spec")).toObject();
        spec.remove(QStringLiteral("replicas"));
        o.insert(QStringLiteral("spec"), spec);
        QCOMPARE(offerWithId(ActionProviders::standard().offersFor(sts, o), QStringLiteral("scale"))->numberNow, 1);
    }

    void restartThroughTheTemplateOrRestartAt()
    {
        const KindInfo &ds = kindOf("apps", "daemonsets");
        std::optional<ActionOffer> restart = offerWithId(ActionProviders::standard().offersFor(ds, genericObject(ds)), QStringLiteral("restart"));
        QCOMPARE(body(*restart->action),
                 parse(R"({"metadata":{"resourceVersion":"812"},"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-12-01T10:30:00Z"}}}}})"));

        RolloutFixture f = loadRolloutFixture(QStringLiteral("bluegreen-paused.yaml"));
        QVERIFY2(f.error.isEmpty(), qPrintable(f.error));
        const KindInfo &rollouts = kindOf("argoproj.io", "rollouts");
        std::optional<ActionOffer> rolloutRestart = offerWithId(ActionProviders::standard().offersFor(rollouts, f.rollout), QStringLiteral("restart"));
        QCOMPARE(body(*rolloutRestart->action), parse(R"({"metadata":{"resourceVersion":"48213"},"spec":{"restartAt":"2026-12-01T10:30:00Z"}})"));
        QVERIFY(rolloutRestart->action->subresource.isEmpty());
    }

    void rolloutActionsOnAStatusOnlyRollout()
    {
        const KindInfo &rollouts = kindOf("argoproj.io", "rollouts");
        RolloutFixture f = loadRolloutFixture(QStringLiteral("bluegreen-paused.yaml"));
        QVERIFY2(f.error.isEmpty(), qPrintable(f.error));
        // Only the Rollout, no ReplicaSets: what a menu over the resource table has.
        QList<ActionOffer> offers = ActionProviders::standard().offersFor(rollouts, f.rollout);
        std::optional<ActionOffer> promote = offerWithId(offers, QStringLiteral("promote"));
        QVERIFY(promote && promote->action);
        QVERIFY2(promote->applies(), qPrintable(promote->notApplicable));
        QCOMPARE(promote->section, 1);
        QCOMPARE(promote->action->subresource, QStringLiteral("status"));
        QCOMPARE(promote->action->body, QByteArray(R"({"metadata":{"resourceVersion":"48213"},"status":{"pauseConditions":null}})"));
        // The revision the template names is known from the rollout itself.
        QCOMPARE(promote->action->change, QStringLiteral("active service storefront: the running revision (pod hash 5d7c9b8f46) → revision 4 (storefront:170); "
                                                         "the pods of pod hash 5d7c9b8f46 scale down after 30 s"));
        ActionFacade facade(nullptr, nullptr, QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        QVERIFY(facade.confirmationText(*promote->action).startsWith(QStringLiteral("Promote rollouts.argoproj.io shop/storefront in context sim-admin: ")));
        QVERIFY(offerWithId(offers, QStringLiteral("promote-full"))->applies());
        const auto abort = offerWithId(offers, QStringLiteral("abort"));
        QVERIFY(abort->applies());
        QVERIFY2(abort->action->change.contains(QStringLiteral("stays on the running revision (pod hash 5d7c9b8f46)")), qPrintable(abort->action->change));
        QCOMPARE(offerWithId(offers, QStringLiteral("retry"))->notApplicable, QStringLiteral("Not aborted: retry resumes an aborted update"));

        RolloutFixture aborted = loadRolloutFixture(QStringLiteral("bluegreen-aborted.yaml"));
        offers = ActionProviders::standard().offersFor(rollouts, aborted.rollout);
        QVERIFY(offerWithId(offers, QStringLiteral("retry"))->applies());
        QCOMPARE(offerWithId(offers, QStringLiteral("abort"))->notApplicable, QStringLiteral("Already aborted"));
        QVERIFY(!offerWithId(offers, QStringLiteral("promote"))->applies());
        QCOMPARE(offerWithId(offers, QStringLiteral("retry"))->action->body,
                 QByteArray(R"({"metadata":{"resourceVersion":"48301"},"status":{"abort":false}})"));
    }

    void deleteIsLastWithItsPreconditions()
    {
        const KindInfo &cms = kindOf("", "configmaps");
        const QList<ActionOffer> offers = ActionProviders::standard().offersFor(cms, genericObject(cms));
        const ActionOffer &del = offers.last();
        QCOMPARE(del.id, QStringLiteral("delete"));
        QCOMPARE(del.section, 2);
        QVERIFY(del.action->isDelete);
        QCOMPARE(body(*del.action).value(QStringLiteral("preconditions")).toObject(),
                 parse(R"({"resourceVersion":"812","uid":"0b7c9a52-4f0e-4d7e-9a51-2b1d1f6c7e01"})"));
    }

    void providersCanBeAddedAndSectionsStayStable()
    {
        struct Approve : ActionProvider {
            void offers(const KindInfo &, const QJsonObject &, QList<ActionOffer> &out) const override
            {
                ActionOffer destructive;
                destructive.id = QStringLiteral("purge");
                destructive.section = 2;
                ActionOffer open;
                open.id = QStringLiteral("open");
                open.section = 0;
                ActionOffer change;
                change.id = QStringLiteral("approve");
                change.section = 1;
                out << destructive << open << change;
            }
        };
        struct Second : ActionProvider {
            void offers(const KindInfo &, const QJsonObject &, QList<ActionOffer> &out) const override
            {
                ActionOffer o;
                o.id = QStringLiteral("open-2");
                out << o;
            }
        };
        ActionProviders p;
        p.add(std::make_unique<Approve>());
        p.add(std::make_unique<Second>());
        QCOMPARE(ids(p.offersFor(kindOf("", "pods"), QJsonObject())),
                 (QStringList{QStringLiteral("open"), QStringLiteral("open-2"), QStringLiteral("approve"), QStringLiteral("purge")}));
    }
};

QTEST_GUILESS_MAIN(TestActionProviders)
#include "tst_actionproviders.moc"
