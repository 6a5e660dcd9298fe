// The action facade against pilothouse-sim: permission per context, the confirmation text, the
// resourceVersion precondition, read-only mode, "unknown" after a lost answer, and the audit log.
#include "actions/actionfacade.h"
#include "actions/actionprovider.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/api/discovery.h"
#include "kube/kinds/kindregistry.h"
#include "kube/auth/kubeconfig.h"
#include "simprocess.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

using namespace pilothouse::backends;
using namespace pilothouse::backends::actions;
using namespace pilothouse::backends::kube;
using namespace pilothouse::testsupport;

class TestActionFacade : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<http::HttpEngine> m_engine;
    QTemporaryDir m_dir;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<KubeClient> m_admin, m_viewer;

    std::unique_ptr<KubeClient> client(const QString &context)
    {
        auto config = Kubeconfig::load({m_sim->kubeconfigPath()});
        auto ctx = config.value().resolve(context);
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json")));
        return std::make_unique<KubeClient>(m_engine.get(), ctx.value(), std::make_shared<CredentialProvider>(ctx.value(), approvals));
    }

    std::string rvOf(const std::string &path) { return m_sim->get(path).json()["metadata"]["resourceVersion"]; }

    QList<QJsonObject> auditLines()
    {
        QList<QJsonObject> out;
        QFile f(m_audit->path());
        if (!f.open(QIODevice::ReadOnly))
            return out;
        for (const QByteArray &line : f.readAll().split('\n'))
            if (!line.isEmpty())
                out << QJsonDocument::fromJson(line).object();
        return out;
    }

    ActionResult run(ActionFacade &facade, const Action &a, int timeoutMs = 30000)
    {
        ActionResult result;
        bool done = false;
        facade.execute(a, this, [&](const ActionResult &r) { result = r; done = true; }, timeoutMs);
        if (!QTest::qWaitFor([&] { return done; }, 15000))
            qFatal("no outcome");
        return result;
    }

    Permission permission(ActionFacade &facade, const Action &a)
    {
        Permission p;
        bool done = false;
        facade.checkPermission(a, this, [&](const Permission &r) { p = r; done = true; });
        if (!QTest::qWaitFor([&] { return done; }, 15000))
            qFatal("no permission answer");
        return p;
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--pod-start-ms"), QStringLiteral("100"), QStringLiteral("--pod-ready-ms"), QStringLiteral("100")});
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        m_engine = std::make_unique<http::HttpEngine>();
        m_audit = std::make_unique<AuditLog>(m_dir.filePath(QStringLiteral("data/audit.jsonl")));
        m_admin = client(QStringLiteral("sim-admin"));
        m_viewer = client(QStringLiteral("sim-viewer"));
    }

    void cleanupTestCase()
    {
        m_admin.reset();
        m_viewer.reset();
        m_engine.reset();
        m_sim.reset();
    }

    void confirmationNamesContextObjectAndChange()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        Action a = Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"), 2, 3, QStringLiteral("42"));
        QCOMPARE(facade.confirmationText(a), QStringLiteral("Scale deployments.apps demo/web in context sim-admin: replicas 2 → 3"));
    }

    void forbiddenForTheViewerWithAReason()
    {
        ActionFacade viewer(m_viewer.get(), m_audit.get(), QStringLiteral("sim-viewer"), QStringLiteral("sim-viewer"));
        Action a = Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"), 2, 3, {});
        Permission p = permission(viewer, a);
        QVERIFY(!p.allowed);
        QVERIFY2(p.reason.contains(QStringLiteral("may not patch deployments/scale in namespace demo")), qPrintable(p.reason));
        ActionFacade admin(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        QVERIFY(permission(admin, a).allowed);
    }

    void scaleWithPreconditionAndAudit()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        const std::string rv = rvOf("/apis/apps/v1/namespaces/demo/deployments/api");
        const int before = auditLines().size();
        ActionResult r = run(facade, Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("api"), 1, 2, QString::fromStdString(rv)));
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        JCOMPARE(m_sim->get("/apis/apps/v1/namespaces/demo/deployments/api").json()["spec"]["replicas"], 2);
        const auto lines = auditLines();
        QCOMPARE(lines.size(), before + 1);
        const QJsonObject last = lines.last();
        QCOMPARE(last.value(QStringLiteral("context")).toString(), QStringLiteral("sim-admin"));
        QCOMPARE(last.value(QStringLiteral("user")).toString(), QStringLiteral("sim-admin"));
        QCOMPARE(last.value(QStringLiteral("action")).toString(), QStringLiteral("scale"));
        QCOMPARE(last.value(QStringLiteral("object")).toString(), QStringLiteral("deployments.apps demo/api"));
        QCOMPARE(last.value(QStringLiteral("change")).toString(), QStringLiteral("replicas 1 → 2"));
        QCOMPARE(last.value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
        QVERIFY(QDateTime::fromString(last.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs).isValid());
    }

    // Argo Rollouts before v0.10 had no status subresource: the plugin's fallback. A ConfigMap has
    // none either, so the server answers NotFound for it just the same.
    void subresourceNotFoundFallsBackToTheMainResource()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        const QString rv = QString::fromStdString(rvOf("/api/v1/namespaces/demo/configmaps/web-config"));
        Action a;
        a.name = QStringLiteral("promote");
        a.resource = ResourceRef::configMaps();
        a.ns = QStringLiteral("demo");
        a.objectName = QStringLiteral("web-config");
        a.verb = QStringLiteral("patch");
        a.subresource = QStringLiteral("status");
        a.body = R"({"data":{"via":"status"}})";
        a.fallbackBody = QStringLiteral(R"({"data":{"via":"main"},"metadata":{"resourceVersion":"%1"}})").arg(rv).toUtf8();
        ActionResult r = run(facade, a);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        JCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/web-config").json()["data"]["via"], "main");
        // The fallback carries the precondition too: the same version again is a conflict.
        r = run(facade, a);
        QCOMPARE(r.outcome, Outcome::Conflict);
        // Without a fallback the NotFound is the outcome.
        a.fallbackBody.clear();
        a.followUpBody = R"({"data":{"via":"followup"}})";
        r = run(facade, a);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.kind, ErrorKind::NotFound);
        JCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/web-config").json()["data"]["via"], "main");
    }

    // A spec half sent after the status half succeeded (promote of a rollout paused both ways).
    void followUpGoesToTheMainResourceAfterTheFirstPatch()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        const QString rv = QString::fromStdString(rvOf("/apis/apps/v1/namespaces/demo/deployments/api"));
        Action a = Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("api"), 2, 2, rv);
        a.followUpBody = R"({"metadata":{"labels":{"promoted":"yes"}}})";
        const int before = auditLines().size();
        ActionResult r = run(facade, a);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        const Json d = m_sim->get("/apis/apps/v1/namespaces/demo/deployments/api").json();
        JCOMPARE(d["spec"]["replicas"], 2);
        JCOMPARE(d["metadata"]["labels"]["promoted"], "yes");
        QVERIFY(d["metadata"]["resourceVersion"].get<std::string>() != rv.toStdString());
        QCOMPARE(auditLines().size(), before + 1);  // one action, one audit line
    }

    // The first patch applied, the follow-up refused: the outcome and the audit line say it was
    // partly applied and in which state it left the object, not just "failed".
    void failedFollowUpIsReportedAsPartlyApplied()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        // No precondition on the first half: the deployment controller may still be writing
        // status from the previous test, and a rightful 409 is not what this test is about.
        Action a = Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("api"), 2, 2, {});
        a.followUpBody = R"({"spec":{"replicas":-1}})";  // refused by validation (422)
        a.partialState = QStringLiteral("replicas set, the follow-up not applied");
        const int before = auditLines().size();
        ActionResult r = run(facade, a);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.kind, ErrorKind::Invalid);
        QCOMPARE(r.partlyApplied, QStringLiteral("replicas set, the follow-up not applied"));
        JCOMPARE(m_sim->get("/apis/apps/v1/namespaces/demo/deployments/api").json()["spec"]["replicas"], 2);
        const auto lines = auditLines();
        QCOMPARE(lines.size(), before + 1);
        QCOMPARE(lines.last().value(QStringLiteral("result")).toString(), QStringLiteral("partly applied"));
        const QString detail = lines.last().value(QStringLiteral("detail")).toString();
        QVERIFY2(detail.startsWith(QStringLiteral("replicas set, the follow-up not applied; the follow-up failed: ")), qPrintable(detail));
        // A follow-up that succeeds leaves nothing partial.
        a.followUpBody = R"({"metadata":{"labels":{"partial":"no"}}})";
        a.expectedResourceVersion.clear();
        a.body = R"({"spec":{"replicas":2}})";
        r = run(facade, a);
        QCOMPARE(r.outcome, Outcome::Succeeded);
        QVERIFY(r.partlyApplied.isEmpty());
    }

    // The session deletes its facade on every reconnect; an answer arriving after that must not
    // touch the deleted facade, and the follow-up is not sent on a connection nobody confirmed.
    void facadeDeletedWhileTheActionIsInFlight()
    {
        auto *facade = new ActionFacade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        Action a = Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("api"), 2, 2, {});
        a.followUpBody = R"({"metadata":{"labels":{"after-delete":"sent"}}})";
        a.partialState = QStringLiteral("scaled, not labelled");
        ActionResult result;
        bool done = false;
        facade->execute(a, this, [&](const ActionResult &r) { result = r; done = true; });
        delete facade;
        QVERIFY(QTest::qWaitFor([&] { return done; }, 15000));
        QCOMPARE(result.outcome, Outcome::Failed);
        QCOMPARE(result.partlyApplied, QStringLiteral("scaled, not labelled"));
        QVERIFY2(result.error.message.contains(QStringLiteral("connection was replaced")), qPrintable(result.error.message));
        QVERIFY(!m_sim->get("/apis/apps/v1/namespaces/demo/deployments/api").json()["metadata"]["labels"].contains("after-delete"));
    }

    void staleResourceVersionIsAConflict()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        const std::string rv = rvOf("/apis/apps/v1/namespaces/demo/deployments/web");
        // Another client changes the object between the operator's read and the action.
        QCOMPARE(m_sim->request("PATCH", "/apis/apps/v1/namespaces/demo/deployments/web", R"({"metadata":{"annotations":{"other":"client"}}})",
                                "application/merge-patch+json").status, 200);
        ActionResult r = run(facade, Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"), 2, 5, QString::fromStdString(rv)));
        QCOMPARE(r.outcome, Outcome::Conflict);
        JCOMPARE(m_sim->get("/apis/apps/v1/namespaces/demo/deployments/web").json()["spec"]["replicas"], 2);
        QCOMPARE(auditLines().last().value(QStringLiteral("result")).toString(), QStringLiteral("conflict"));
        // Restart and delete carry the same precondition.
        ActionResult restart = run(facade, Action::restart(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"),
                                                           QString::fromStdString(rv), QDateTime::currentDateTimeUtc()));
        QCOMPARE(restart.outcome, Outcome::Conflict);
        ActionResult del = run(facade, Action::remove(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config"), QStringLiteral("1"), {}));
        QCOMPARE(del.outcome, Outcome::Conflict);
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/web-config").status, 200);
    }

    void restartWithTheCurrentVersionRollsThePods()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        const std::string rv = rvOf("/apis/apps/v1/namespaces/demo/deployments/web");
        ActionResult r = run(facade, Action::restart(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"),
                                                     QString::fromStdString(rv), QDateTime::currentDateTimeUtc()));
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        QVERIFY(m_sim->get("/apis/apps/v1/namespaces/demo/deployments/web").json()["spec"]["template"]["metadata"]["annotations"].contains(
            "kubectl.kubernetes.io/restartedAt"));
    }

    void readOnlyContextSendsNothing()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        facade.setReadOnly(true);
        Action a = Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("api"), 2, 4, {});
        Permission p = permission(facade, a);
        QVERIFY(!p.allowed);
        QVERIFY(p.reason.contains(QStringLiteral("read-only")));
        ActionResult r = run(facade, a);
        QCOMPARE(r.outcome, Outcome::Refused);
        JCOMPARE(m_sim->get("/apis/apps/v1/namespaces/demo/deployments/api").json()["spec"]["replicas"], 2);
        QCOMPARE(auditLines().last().value(QStringLiteral("result")).toString(), QStringLiteral("refused"));
    }

    void lostAnswerIsUnknown()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        // The server is slow to answer; the client gives up after sending: the change may or may not be applied.
        QVERIFY(m_sim->control("delay", "ms=2500&count=1"));
        ActionResult r = run(facade, Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("api"), 2, 3, {}), 800);
        QCOMPARE(r.outcome, Outcome::Unknown);
        QCOMPARE(auditLines().last().value(QStringLiteral("result")).toString(), QStringLiteral("unknown"));
        // Before a retry is offered the object is read again, and what that read found is reported.
        QVERIFY2(!r.reread.isEmpty(), "no re-read after an unknown outcome");
        QVERIFY2(r.reread.contains(QStringLiteral("resourceVersion")), qPrintable(r.reread));
    }

    void lostAnswerWithPreconditionTellsWhetherItWasApplied()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        const auto before = m_sim->get("/apis/apps/v1/namespaces/demo/deployments/api").json();
        const QString rv = QString::fromStdString(before["metadata"]["resourceVersion"].get<std::string>());
        const int replicas = before["spec"]["replicas"].get<int>();
        QVERIFY(m_sim->control("delay", "ms=2500&count=1"));
        ActionResult r = run(facade, Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("api"), replicas, replicas + 1, rv), 800);
        QCOMPARE(r.outcome, Outcome::Unknown);
        // The re-read names the version it found against the one the action was based on.
        QVERIFY2(r.reread.startsWith(QStringLiteral("not applied yet")) || r.reread.contains(QStringLiteral("changed")), qPrintable(r.reread));
        QVERIFY2(r.reread.contains(rv), qPrintable(r.reread));
    }

    void replaceSendsTheWholeObjectWithItsVersion()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "edited"}, {"namespace", "demo"}}}, {"data", {{"a", "1"}}}};
        HttpReply created = m_sim->request("POST", "/api/v1/namespaces/demo/configmaps", cm.dump());
        QCOMPARE(created.status, 201);
        const QString rv = QString::fromStdString(created.json()["metadata"]["resourceVersion"].get<std::string>());
        cm["data"]["a"] = "2";
        const ResourceRef cms = ResourceRef::configMaps();
        ActionResult ok = run(facade, Action::replace(cms, QStringLiteral("demo"), QStringLiteral("edited"), QByteArray::fromStdString(cm.dump()), rv,
                                                      QStringLiteral("data.a: \"1\" → \"2\"")));
        QCOMPARE(ok.outcome, Outcome::Succeeded);
        JCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/edited").json()["data"]["a"], "2");
        QCOMPARE(auditLines().last().value(QStringLiteral("action")).toString(), QStringLiteral("edit"));
        // The same edit based on the old version is a conflict, and nothing changes.
        cm["data"]["a"] = "3";
        ActionResult stale = run(facade, Action::replace(cms, QStringLiteral("demo"), QStringLiteral("edited"), QByteArray::fromStdString(cm.dump()), rv, QString()));
        QCOMPARE(stale.outcome, Outcome::Conflict);
        JCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/edited").json()["data"]["a"], "2");
    }

    // Answers are kept per verb, resource, subresource and namespace for the facade's life; checks
    // of the same thing in flight share one review.
    void permissionAnswersAreKeptPerVerbResourceAndNamespace()
    {
        ActionFacade facade(m_viewer.get(), m_audit.get(), QStringLiteral("sim-viewer"), QStringLiteral("sim-viewer"));
        const Action web = Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"), 2, 3, {});
        const Action api = Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("api"), 1, 2, {});
        QVERIFY(!facade.cachedPermission(web));
        int answers = 0;
        Permission first, second;
        facade.checkPermission(web, this, [&](const Permission &p) { first = p; ++answers; });
        facade.checkPermission(api, this, [&](const Permission &p) { second = p; ++answers; });
        QCOMPARE(facade.permissionRequestsSent(), 1);
        QVERIFY(QTest::qWaitFor([&] { return answers == 2; }, 15000));
        QVERIFY(!first.allowed);
        QCOMPARE(second.reason, first.reason);
        QVERIFY2(first.reason.contains(QStringLiteral("may not patch deployments/scale in namespace demo")), qPrintable(first.reason));

        // Known now: a menu can enable (here: disable) the item at once.
        const std::optional<Permission> cached = facade.cachedPermission(api);
        QVERIFY(cached);
        QVERIFY(!cached->allowed);
        QCOMPARE(cached->reason, first.reason);

        // Asked again: answered without a request. The sim holds its next request back for 4 s,
        // so an answer within a second cannot have come from the server.
        QVERIFY(m_sim->control("delay", "ms=4000&count=1"));
        bool answered = false;
        facade.checkPermission(web, this, [&](const Permission &p) { answered = true; QVERIFY(!p.allowed); });
        QVERIFY(!answered);  // still queued, as every answer is
        QVERIFY(QTest::qWaitFor([&] { return answered; }, 1000));
        QVERIFY(m_sim->control("delay", "ms=0"));
        QCOMPARE(facade.permissionRequestsSent(), 1);

        // Another namespace, verb or subresource is another question.
        QVERIFY(!permission(facade, Action::scale(ResourceRef::deployments(), QStringLiteral("shop"), QStringLiteral("web"), 2, 3, {})).allowed);
        QCOMPARE(facade.permissionRequestsSent(), 2);
        QVERIFY(!permission(facade, Action::remove(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"), {}, {})).allowed);
        QCOMPARE(facade.permissionRequestsSent(), 3);
        QVERIFY(!permission(facade, Action::restart(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"), {}, QDateTime::currentDateTimeUtc())).allowed);
        QCOMPARE(facade.permissionRequestsSent(), 4);
        QVERIFY(facade.cachedPermission(Action::restart(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("api"), {}, QDateTime::currentDateTimeUtc())));

        // The admin's facade is another session: its own answers.
        ActionFacade admin(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        QVERIFY(!admin.cachedPermission(web));
        QVERIFY(permission(admin, web).allowed);
        QVERIFY(admin.cachedPermission(api)->allowed);
        // Read-only mode answers before the cache.
        admin.setReadOnly(true);
        QVERIFY(!admin.cachedPermission(api)->allowed);
        QVERIFY(admin.cachedPermission(api)->reason.contains(QStringLiteral("read-only")));
        QVERIFY(!permission(admin, api).allowed);
        QCOMPARE(admin.permissionRequestsSent(), 1);
    }

    void facadeDeletedWhilePermissionChecksWait()
    {
        auto facade = std::make_unique<ActionFacade>(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        QVERIFY(m_sim->control("delay", "ms=1500&count=1"));
        Permission p{true, {}};
        bool answered = false;
        facade->checkPermission(Action::scale(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"), 2, 3, {}), this,
                                [&](const Permission &r) { p = r; answered = true; });
        facade.reset();
        QVERIFY(QTest::qWaitFor([&] { return answered; }, 5000));
        QVERIFY(!p.allowed);
        QVERIFY2(p.reason.contains(QStringLiteral("closed")), qPrintable(p.reason));
        QTest::qWait(1600);  // let the held-back review finish before the next test
    }

    void createPostsToTheCollectionAndIsAudited()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "created"}, {"namespace", "demo"}}}, {"data", {{"a", "1"}}}};
        const Action a = Action::create(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("created"), QByteArray::fromStdString(cm.dump()),
                                        QStringLiteral("create configmap demo/created"));
        QCOMPARE(facade.confirmationText(a), QStringLiteral("Create configmaps demo/created in context sim-admin: create configmap demo/created"));
        QVERIFY(permission(facade, a).allowed);
        ActionFacade viewer(m_viewer.get(), m_audit.get(), QStringLiteral("sim-viewer"), QStringLiteral("sim-viewer"));
        const Permission refused = permission(viewer, a);
        QVERIFY(!refused.allowed);
        QVERIFY2(refused.reason.contains(QStringLiteral("may not create configmaps in namespace demo")), qPrintable(refused.reason));

        const int before = auditLines().size();
        const ActionResult r = run(facade, a);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        QCOMPARE(QJsonDocument::fromJson(r.body).object().value(QStringLiteral("metadata")).toObject().value(QStringLiteral("name")).toString(),
                 QStringLiteral("created"));
        JCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/created").json()["data"]["a"], "1");
        const auto lines = auditLines();
        QCOMPARE(lines.size(), before + 1);
        QCOMPARE(lines.last().value(QStringLiteral("action")).toString(), QStringLiteral("create"));
        QCOMPARE(lines.last().value(QStringLiteral("object")).toString(), QStringLiteral("configmaps demo/created"));
        QCOMPARE(lines.last().value(QStringLiteral("change")).toString(), QStringLiteral("create configmap demo/created"));
        QCOMPARE(lines.last().value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));

        // The same create again: refused by the server (AlreadyExists), nothing changes.
        cm["data"]["a"] = "2";
        Action again = a;
        again.body = QByteArray::fromStdString(cm.dump());
        const ActionResult twice = run(facade, again);
        QVERIFY(twice.outcome != Outcome::Succeeded);
        QVERIFY2(twice.error.message.contains(QStringLiteral("already exists")), qPrintable(twice.error.message));
        JCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/created").json()["data"]["a"], "1");
    }

    void lostAnswerToACreateIsReadAgainByName()
    {
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "created-slowly"}, {"namespace", "demo"}}}};
        QVERIFY(m_sim->control("delay", "ms=2500&count=1"));
        const ActionResult r = run(facade, Action::create(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("created-slowly"),
                                                          QByteArray::fromStdString(cm.dump()), QStringLiteral("create configmap demo/created-slowly")),
                                   800);
        QCOMPARE(r.outcome, Outcome::Unknown);
        QVERIFY2(r.reread.contains(QStringLiteral("configmaps demo/created-slowly")), qPrintable(r.reread));
        QVERIFY2(r.reread.startsWith(QStringLiteral("not created yet")) || r.reread.contains(QStringLiteral("exists now")), qPrintable(r.reread));
        QTest::qWait(2000);  // the held-back create lands before the next test
    }

    KindRegistry discoveredKinds()
    {
        std::optional<DiscoveryResult> found;
        discover(m_admin.get(), this, [&](const Result<DiscoveryResult> &r) {
            if (r.ok())
                found = r.value();
        });
        if (!QTest::qWaitFor([&] { return found.has_value(); }, 15000))
            qFatal("no discovery");
        KindRegistry kinds = KindRegistry::builtin();
        kinds.applyDiscovery(*found);
        return kinds;
    }

    static QJsonObject toQt(const Json &j) { return QJsonDocument::fromJson(QByteArray::fromStdString(j.dump())).object(); }

    static std::optional<ActionOffer> offerWithId(const QList<ActionOffer> &offers, const QString &id)
    {
        for (const ActionOffer &o : offers)
            if (o.id == id)
                return o;
        return std::nullopt;
    }

    // The offers of a kind the sim serves, sent through the facade: kubectl's Job from a CronJob,
    // then suspend with its precondition.
    void cronJobOffersThroughTheFacade()
    {
        const KindRegistry kinds = discoveredKinds();
        const KindInfo *cronJobs = kinds.find(QStringLiteral("batch"), QStringLiteral("cronjobs"));
        QVERIFY(cronJobs && cronJobs->served);
        QVERIFY(cronJobs->has(KindCapability::Trigger) && cronJobs->has(KindCapability::Suspend));
        Json cj = {{"apiVersion", "batch/v1"},
                   {"kind", "CronJob"},
                   {"metadata", {{"name", "facade-report"}, {"namespace", "demo"}}},
                   {"spec",
                    {{"schedule", "0 3 * * *"},
                     {"suspend", false},
                     {"jobTemplate",
                      {{"metadata", {{"labels", {{"app", "facade-report"}}}}},
                       {"spec", {{"template", {{"spec", {{"restartPolicy", "Never"},
                                                         {"containers", Json::array({{{"name", "report"}, {"image", "busybox:1.36"}}})}}}}}}}}}}}};
        HttpReply created = m_sim->request("POST", "/apis/batch/v1/namespaces/demo/cronjobs", cj.dump());
        QCOMPARE(created.status, 201);
        const QJsonObject object = toQt(created.json());
        const QString uid = object.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("uid")).toString();

        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        QList<ActionOffer> offers = ActionProviders::standard().offersFor(*cronJobs, object);
        const auto trigger = offerWithId(offers, QStringLiteral("trigger"));
        QVERIFY(trigger && trigger->action);
        QVERIFY(permission(facade, *trigger->permissionProbe()).allowed);
        ActionResult r = run(facade, *trigger->action);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        const std::string jobPath = "/apis/batch/v1/namespaces/demo/jobs/" + trigger->action->objectName.toStdString();
        const Json job = m_sim->get(jobPath).json();
        JCOMPARE(job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"], "manual");
        JCOMPARE(job["metadata"]["labels"]["app"], "facade-report");
        JCOMPARE(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
        JCOMPARE(job["metadata"]["ownerReferences"][0]["uid"], uid.toStdString());
        JCOMPARE(job["metadata"]["ownerReferences"][0]["controller"], true);
        QJsonObject line = auditLines().last();
        QCOMPARE(line.value(QStringLiteral("action")).toString(), QStringLiteral("trigger"));
        QCOMPARE(line.value(QStringLiteral("object")).toString(), QStringLiteral("cronjobs.batch demo/facade-report"));
        QCOMPARE(line.value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));

        // An unrelated change since the menu was built (a label, a controller's status write) does
        // not refuse it; someone else setting the field the operator saw does.
        const std::string cjPath = "/apis/batch/v1/namespaces/demo/cronjobs/facade-report";
        const auto staleSuspend = offerWithId(offers, QStringLiteral("suspend"));
        QVERIFY(staleSuspend && staleSuspend->applies());
        QCOMPARE(m_sim->request("PATCH", cjPath, R"({"spec":{"suspend":true}})", "application/merge-patch+json").status, 200);
        QCOMPARE(m_sim->request("PATCH", cjPath, R"({"spec":{"suspend":false}})", "application/merge-patch+json").status, 200);
        QCOMPARE(m_sim->request("PATCH", cjPath, R"({"metadata":{"labels":{"touched":"yes"}}})", "application/merge-patch+json").status, 200);
        r = run(facade, *staleSuspend->action);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        JCOMPARE(m_sim->get(cjPath).json()["spec"]["suspend"], true);
        const auto staleResume = offerWithId(ActionProviders::standard().offersFor(*cronJobs, toQt(m_sim->get(cjPath).json())), QStringLiteral("resume"));
        QVERIFY(staleResume && staleResume->applies());
        QCOMPARE(m_sim->request("PATCH", cjPath, R"({"spec":{"suspend":false}})", "application/merge-patch+json").status, 200);
        r = run(facade, *staleResume->action);
        QCOMPARE(r.outcome, Outcome::Conflict);
        JCOMPARE(m_sim->get(cjPath).json()["spec"]["suspend"], false);
        auto runFresh = [&](const char *id) {
            const auto o = offerWithId(ActionProviders::standard().offersFor(*cronJobs, toQt(m_sim->get(cjPath).json())), QLatin1String(id));
            return o && o->applies() ? run(facade, *o->action) : ActionResult{};
        };
        r = runFresh("suspend");
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        JCOMPARE(m_sim->get(cjPath).json()["spec"]["suspend"], true);
        QCOMPARE(offerWithId(ActionProviders::standard().offersFor(*cronJobs, toQt(m_sim->get(cjPath).json())), QStringLiteral("suspend"))->notApplicable,
                 QStringLiteral("Already suspended"));
        r = runFresh("resume");
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        JCOMPARE(m_sim->get(cjPath).json()["spec"]["suspend"], false);
    }

    void cordonAndUncordonANode()
    {
        const Json nodes = m_sim->get("/api/v1/nodes").json();
        // The small scenario has two nodes: none would be a broken world, not a reason to skip.
        QVERIFY2(!nodes["items"].empty(), "the sim lists no nodes");
        const KindRegistry kinds = discoveredKinds();
        const KindInfo *nodeKind = kinds.find(QString(), QStringLiteral("nodes"));
        QVERIFY(nodeKind && nodeKind->has(KindCapability::Cordon));
        const std::string name = nodes["items"][0]["metadata"]["name"];
        const std::string path = "/api/v1/nodes/" + name;
        ActionFacade facade(m_admin.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));
        const auto cordon = offerWithId(ActionProviders::standard().offersFor(*nodeKind, toQt(m_sim->get(path).json())), QStringLiteral("cordon"));
        QVERIFY(cordon && cordon->applies());
        ActionResult r = run(facade, *cordon->action);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        JCOMPARE(m_sim->get(path).json()["spec"]["unschedulable"], true);
        const auto uncordon = offerWithId(ActionProviders::standard().offersFor(*nodeKind, toQt(m_sim->get(path).json())), QStringLiteral("uncordon"));
        QVERIFY(uncordon && uncordon->applies());
        r = run(facade, *uncordon->action);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        QVERIFY(!m_sim->get(path).json()["spec"].contains("unschedulable"));
    }
};

QTEST_GUILESS_MAIN(TestActionFacade)
#include "tst_actionfacade.moc"
