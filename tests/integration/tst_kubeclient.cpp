// The REST client against pilothouse-sim: discovery (CRDs included), every verb and patch type,
// subresources, and Status answers turned into typed errors.
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/api/discovery.h"
#include "kube/api/kubeclient.h"
#include "kube/auth/kubeconfig.h"
#include "simprocess.h"

#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;
using namespace pilothouse::testsupport;

class TestKubeClient : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<KubeClient> m_client;
    QTemporaryDir m_dir;
    const ResourceRef m_deployments = ResourceRef::deployments();
    const ResourceRef m_rollouts{QStringLiteral("argoproj.io"), QStringLiteral("v1alpha1"), QStringLiteral("rollouts"), QStringLiteral("Rollout"), true};

    KubeReply call(const std::function<void(KubeClient::Done)> &start)
    {
        KubeReply reply;
        bool done = false;
        start([&](const KubeReply &r) { reply = r; done = true; });
        if (!QTest::qWaitFor([&] { return done; }, 10000))
            qFatal("no answer within 10 s");
        return reply;
    }

    static Json body(const KubeReply &r) { return Json::parse(r.body.toStdString(), nullptr, false); }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_sim = std::make_unique<SimProcess>();
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        m_engine = std::make_unique<http::HttpEngine>();
        auto config = Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY(config.ok());
        auto ctx = config.value().resolve(QStringLiteral("sim-admin"));
        QVERIFY(ctx.ok());
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("a.json")));
        m_client = std::make_unique<KubeClient>(m_engine.get(), ctx.value(), std::make_shared<CredentialProvider>(ctx.value(), approvals));
    }

    void cleanupTestCase()
    {
        m_client.reset();
        m_engine.reset();
        m_sim.reset();
    }

    void discoveryFindsCoreGroupsAndCrds()
    {
        ApiError notYet;
        notYet.kind = ErrorKind::Malformed;
        Result<DiscoveryResult> result = Result<DiscoveryResult>::failure(notYet);
        bool done = false;
        discover(m_client.get(), this, [&](const Result<DiscoveryResult> &r) { result = r; done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QVERIFY2(result.ok(), qPrintable(result.error().message));
        const DiscoveryResult &d = result.value();
        auto pods = d.find(QString(), QStringLiteral("pods"));
        QVERIFY(pods);
        QVERIFY(pods->ref.namespaced);
        QVERIFY(pods->subresources.contains(QStringLiteral("log")));
        QVERIFY(pods->verbs.contains(QStringLiteral("watch")));
        auto deploy = d.find(QStringLiteral("apps"), QStringLiteral("deployments"));
        QVERIFY(deploy);
        QCOMPARE(deploy->ref.kind, QStringLiteral("Deployment"));
        QVERIFY(deploy->subresources.contains(QStringLiteral("scale")));
        QVERIFY(d.hasGroup(QStringLiteral("argoproj.io")));
        auto rollouts = d.find(QStringLiteral("argoproj.io"), QStringLiteral("rollouts"));
        QVERIFY(rollouts);
        QCOMPARE(rollouts->ref.version, QStringLiteral("v1alpha1"));
        QVERIFY(!d.find(QString(), QStringLiteral("namespaces"))->ref.namespaced);
        QVERIFY(d.failedGroups.isEmpty());
    }

    void getAndList()
    {
        KubeReply one = call([&](auto done) { m_client->get(m_deployments, QStringLiteral("demo"), QStringLiteral("web"), this, done); });
        QVERIFY(one.ok());
        JCOMPARE(body(one)["metadata"]["name"], "web");
        KubeReply list = call([&](auto done) { m_client->list(ResourceRef::pods(), QStringLiteral("demo"), QStringLiteral("labelSelector=app%3Dweb"), this, done); });
        QVERIFY(list.ok());
        QCOMPARE(body(list)["items"].size(), size_t(2));
        KubeReply missing = call([&](auto done) { m_client->get(m_deployments, QStringLiteral("demo"), QStringLiteral("nope"), this, done); });
        QCOMPARE(missing.error.kind, ErrorKind::NotFound);
        QCOMPARE(missing.status, 404);
    }

    void answerArrivesAfterTheClientIsGone()
    {
        // A session replaces its client while an action's request is in flight: the receiver
        // still gets the answer, and nothing touches the deleted client (ASan would say so).
        auto config = Kubeconfig::load({m_sim->kubeconfigPath()});
        auto ctx = config.value().resolve(QStringLiteral("sim-admin"));
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("b.json")));
        auto client = std::make_unique<KubeClient>(m_engine.get(), ctx.value(), std::make_shared<CredentialProvider>(ctx.value(), approvals));
        QVERIFY(m_sim->control("delay", "ms=1500&count=1"));
        KubeReply reply;
        bool done = false;
        client->get(m_deployments, QStringLiteral("demo"), QStringLiteral("web"), this, [&](const KubeReply &r) { reply = r; done = true; });
        client.reset();
        QVERIFY(QTest::qWaitFor([&] { return done; }, 10000));
        QVERIFY2(reply.ok(), qPrintable(reply.error.message));
        JCOMPARE(body(reply)["metadata"]["name"], "web");
    }

    void createAndStatusErrors()
    {
        QByteArray cm = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"from-client"},"data":{"a":"1"}})";
        KubeReply created = call([&](auto done) { m_client->create(ResourceRef::configMaps(), QStringLiteral("demo"), cm, this, done); });
        QCOMPARE(created.status, 201);
        KubeReply dup = call([&](auto done) { m_client->create(ResourceRef::configMaps(), QStringLiteral("demo"), cm, this, done); });
        QCOMPARE(dup.error.kind, ErrorKind::AlreadyExists);
        QByteArray bad = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bad"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c"}]}}}})";
        KubeReply invalid = call([&](auto done) { m_client->create(m_deployments, QStringLiteral("demo"), bad, this, done); });
        QCOMPARE(invalid.error.kind, ErrorKind::Invalid);
        QCOMPARE(invalid.error.causes.size(), 1);
        QCOMPARE(invalid.error.causes.at(0).field, QStringLiteral("spec.template.spec.containers[0].image"));
    }

    void everyPatchType()
    {
        const QString ns = QStringLiteral("demo");
        KubeReply strategic = call([&](auto done) {
            m_client->patch(m_deployments, ns, QStringLiteral("api"), PatchKind::Strategic,
                            R"({"spec":{"template":{"spec":{"containers":[{"name":"api","image":"registry.pilothouse.local/demo/api:2.4"}]}}}})", this, done);
        });
        QVERIFY2(strategic.ok(), qPrintable(strategic.error.message));
        JCOMPARE(body(strategic)["spec"]["template"]["spec"]["containers"][0]["image"], "registry.pilothouse.local/demo/api:2.4");
        KubeReply merge = call([&](auto done) {
            m_client->patch(m_deployments, ns, QStringLiteral("api"), PatchKind::Merge, R"({"metadata":{"labels":{"tier":"backend"}}})", this, done);
        });
        JCOMPARE(body(merge)["metadata"]["labels"]["tier"], "backend");
        // JSON patch with a `test` on the resourceVersion, on an object no controller touches.
        KubeReply current = call([&](auto done) { m_client->get(ResourceRef::configMaps(), ns, QStringLiteral("web-config"), this, done); });
        const std::string rv = body(current)["metadata"]["resourceVersion"];
        QByteArray jsonPatch = QByteArray::fromStdString(Json::array({{{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", rv}},
                                                                      {{"op", "add"}, {"path", "/data/patched"}, {"value", "yes"}}}).dump());
        KubeReply json = call([&](auto done) { m_client->patch(ResourceRef::configMaps(), ns, QStringLiteral("web-config"), PatchKind::Json, jsonPatch, this, done); });
        QVERIFY2(json.ok(), qPrintable(json.error.message));
        JCOMPARE(body(json)["data"]["patched"], "yes");
        // The same precondition again is now stale: the change is refused.
        KubeReply stale = call([&](auto done) { m_client->patch(ResourceRef::configMaps(), ns, QStringLiteral("web-config"), PatchKind::Json, jsonPatch, this, done); });
        QCOMPARE(stale.error.kind, ErrorKind::Invalid);
        KubeReply apply = call([&](auto done) {
            m_client->patch(ResourceRef::configMaps(), ns, QStringLiteral("applied"), PatchKind::Apply,
                            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  owner: pilothouse\n", this, done, {},
                            QStringLiteral("pilothouse"));
        });
        QVERIFY2(apply.ok(), qPrintable(apply.error.message));
        JCOMPARE(body(apply)["data"]["owner"], "pilothouse");
        JCOMPARE(body(apply)["metadata"]["managedFields"][0]["manager"], "pilothouse");
        JCOMPARE(body(apply)["metadata"]["managedFields"][0]["operation"], "Apply");
    }

    void subresources()
    {
        const QString ns = QStringLiteral("demo");
        KubeReply scale = call([&](auto done) { m_client->get(m_deployments, ns, QStringLiteral("web"), this, done, QStringLiteral("scale")); });
        JCOMPARE(body(scale)["kind"], "Scale");
        KubeReply scaled = call([&](auto done) {
            m_client->patch(m_deployments, ns, QStringLiteral("web"), PatchKind::Merge, R"({"spec":{"replicas":3}})", this, done, QStringLiteral("scale"));
        });
        JCOMPARE(body(scaled)["spec"]["replicas"], 3);
        QByteArray ro = R"({"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"shop"},"spec":{"replicas":1}})";
        QCOMPARE(call([&](auto done) { m_client->create(m_rollouts, ns, ro, this, done); }).status, 201);
        KubeReply status = call([&](auto done) {
            m_client->patch(m_rollouts, ns, QStringLiteral("shop"), PatchKind::Merge, R"({"status":{"abort":true}})", this, done, QStringLiteral("status"));
        });
        JCOMPARE(body(status)["status"]["abort"], true);
        KubeReply pods = call([&](auto done) { m_client->list(ResourceRef::pods(), ns, QStringLiteral("labelSelector=app%3Dapi"), this, done); });
        const QString pod = QString::fromStdString(body(pods)["items"][0]["metadata"]["name"].get<std::string>());
        KubeReply log = call([&](auto done) { m_client->get(ResourceRef::pods(), ns, pod, this, done, QStringLiteral("log"), QStringLiteral("tailLines=1")); });
        QVERIFY(log.ok());
        QVERIFY(log.body.contains("listening on :9090"));
    }

    void requestsAfterTheServerClosedAnIdleConnection()
    {
        // The sim closes kept-alive connections after 2 s idle, as load balancers do; the next
        // POST goes out on a fresh connection instead of failing with a broken pipe.
        for (int i = 0; i < 3; ++i) {
            QTest::qWait(2600);
            QByteArray cm = QByteArray::fromStdString(Json({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "after-idle-" + std::to_string(i)}}}}).dump());
            KubeReply r = call([&](auto done) { m_client->create(ResourceRef::configMaps(), QStringLiteral("demo"), cm, this, done); });
            QVERIFY2(r.ok(), qPrintable(r.error.message));
        }
    }

    void deleteWithPreconditionAndPropagation()
    {
        const QString ns = QStringLiteral("demo");
        KubeReply wrong = call([&](auto done) {
            m_client->remove(ResourceRef::configMaps(), ns, QStringLiteral("from-client"), R"({"preconditions":{"resourceVersion":"1"}})", this, done);
        });
        QCOMPARE(wrong.error.kind, ErrorKind::Conflict);
        KubeReply gone = call([&](auto done) {
            m_client->remove(ResourceRef::configMaps(), ns, QStringLiteral("from-client"), R"({"propagationPolicy":"Background"})", this, done);
        });
        QVERIFY(gone.ok());
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/from-client").status, 404);
    }
};

QTEST_GUILESS_MAIN(TestKubeClient)
#include "tst_kubeclient.moc"
