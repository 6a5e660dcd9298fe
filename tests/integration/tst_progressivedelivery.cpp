// Integration: the whole release path with a real git daemon and pilothouse-sim, driven through
// the console's backends. The gitops backend bumps storefront's image in the manifests repository,
// the sim's Argo CD syncs it, the blue-green rollout waits with the new version as preview; promote
// through the action facade switches the active Service and the old revision scales down only after
// its delay; undo brings the previous version back; abort keeps the stable version active; a change
// by another client between the operator's read and the promote is refused as a conflict.
#include "actions/actionfacade.h"
#include "gitdaemon.h"
#include "gitops/gitopsrepository.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "rollouts/rolloutactions.h"
#include "rollouts/rolloutinfo.h"
#include "simprocess.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

using namespace pilothouse::backends;
using namespace pilothouse::backends::actions;
using namespace pilothouse::backends::kube;
using namespace pilothouse::backends::rollouts;
using namespace pilothouse::testsupport;

namespace {

const std::string kRollout = "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/storefront";
const std::string kApplication = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/storefront";
const QString kRepository = QStringLiteral("registry.pilothouse.dev/shop/storefront");

QJsonObject toQt(const Json &j) { return QJsonDocument::fromJson(QByteArray::fromStdString(j.dump())).object(); }

QList<QJsonObject> items(const Json &list)
{
    QList<QJsonObject> out;
    if (list.is_object() && list.contains("items"))
        for (const auto &item : list["items"])
            out << toQt(item);
    return out;
}

}  // namespace

class TestProgressiveDelivery : public QObject {
    Q_OBJECT

    gitops::LibGit2Scope m_libgit2;
    QTemporaryDir m_dir;
    std::unique_ptr<GitDaemon> m_daemon;
    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<KubeClient> m_client;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<ActionFacade> m_facade;
    std::unique_ptr<gitops::GitOpsRepository> m_repo;
    QString m_manifest;  // the storefront Rollout's file in the repository

    Json rollout() const { return m_sim->get(kRollout).json(); }
    std::string phase() const { return rollout()["status"].value("phase", ""); }
    std::string serviceHash(const std::string &service) const
    {
        Json s = m_sim->get("/api/v1/namespaces/shop/services/" + service).json();
        return s["spec"]["selector"].value("rollouts-pod-template-hash", "");
    }
    int replicasOf(const std::string &hash) const
    {
        Json rs = m_sim->get("/apis/apps/v1/namespaces/shop/replicasets/storefront-" + hash).json();
        return rs["spec"].value("replicas", -1);
    }
    std::string templateImage() const { return rollout()["spec"]["template"]["spec"]["containers"][0].value("image", ""); }

    // What the rollouts view derives, from the same objects it watches.
    RolloutInfo info() const
    {
        const Json r = rollout();
        const std::string uid = r["metadata"].value("uid", "");
        QList<QJsonObject> owned;
        for (const QJsonObject &rs : items(m_sim->get("/apis/apps/v1/namespaces/shop/replicasets").json()))
            for (const auto &ref : rs.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("ownerReferences")).toArray())
                if (ref.toObject().value(QStringLiteral("uid")).toString() == QString::fromStdString(uid))
                    owned << rs;
        return rolloutInfo(toQt(r), owned, items(m_sim->get("/api/v1/namespaces/shop/pods?labelSelector=app%3Dstorefront").json()),
                           items(m_sim->get("/apis/argoproj.io/v1alpha1/namespaces/shop/analysisruns").json()));
    }

    ActionResult run(const Action &a)
    {
        ActionResult result;
        bool done = false;
        m_facade->execute(a, this, [&](const ActionResult &r) { result = r; done = true; });
        if (!QTest::qWaitFor([&] { return done; }, 20000))
            qFatal("no outcome for %s", qPrintable(a.name));
        return result;
    }

    QStringList auditActions() const
    {
        QStringList out;
        QFile f(m_audit->path());
        if (!f.open(QIODevice::ReadOnly))
            return out;
        for (const QByteArray &line : f.readAll().split('\n'))
            if (!line.isEmpty()) {
                const QJsonObject o = QJsonDocument::fromJson(line).object();
                out << o.value(QStringLiteral("action")).toString() + QLatin1Char(' ') + o.value(QStringLiteral("result")).toString();
            }
        return out;
    }

    // The operator's GitOps change: the new tag committed and pushed by the console's backend.
    QString bump(const QString &tag)
    {
        auto state = m_repo->sync();
        if (!state.ok())
            qFatal("sync: %s", qPrintable(state.error().message));
        auto change = m_repo->prepareBump(m_manifest, gitops::ImageSelector{{}, kRepository}, tag);
        if (!change.ok())
            qFatal("bump: %s", qPrintable(change.error().message));
        auto pushed = m_repo->push(change.value());
        if (!pushed.ok() || !pushed.value().pushed)
            qFatal("push: %s", pushed.ok() ? "the remote moved" : qPrintable(pushed.error().message));
        return pushed.value().commit;
    }

    // Argo CD synced `commit` and the rollout waits with `tag` as its preview.
    bool waitsAsPreview(const QString &commit, const std::string &tag)
    {
        return eventually([&] {
            Json app = m_sim->get(kApplication).json();
            return app["status"]["sync"].value("revision", "") == commit.toStdString() && templateImage() == "registry.pilothouse.dev/shop/storefront:" + tag &&
                   phase() == "Paused" && info().previewRevision() && info().previewRevision()->ready == 2;
        }, 40000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        QString error;
        m_daemon = std::make_unique<GitDaemon>();
        QVERIFY2(m_daemon->start(&error), qPrintable(error));
        const QString scenario = sourceDir() + QStringLiteral("/tests/data/scenarios/rollouts.yaml");
        ProcessResult written = runProcess(simBinary(), {QStringLiteral("--scenario"), scenario, QStringLiteral("--write-gitops-repo"),
                                                         m_daemon->repoPath(QStringLiteral("deploy.git"))}, 30000);
        QVERIFY2(written.exitCode == 0, qPrintable(written.out + written.err));
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--gitops-repo"), m_daemon->url(QStringLiteral("deploy.git")),
                                                         QStringLiteral("--gitops-poll-seconds"), QStringLiteral("1"),
                                                         QStringLiteral("--pod-start-ms"), QStringLiteral("200"),
                                                         QStringLiteral("--pod-ready-ms"), QStringLiteral("200")},
                                             scenario);
        QVERIFY2(m_sim->start(&error), qPrintable(error));

        m_engine = std::make_unique<http::HttpEngine>();
        auto config = Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY2(config.ok(), qPrintable(config.error().message));
        auto context = config.value().resolve(QStringLiteral("sim-admin"));
        QVERIFY(context.ok());
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json")));
        m_client = std::make_unique<KubeClient>(m_engine.get(), context.value(), std::make_shared<CredentialProvider>(context.value(), approvals));
        m_audit = std::make_unique<AuditLog>(m_dir.filePath(QStringLiteral("audit.jsonl")));
        m_facade = std::make_unique<ActionFacade>(m_client.get(), m_audit.get(), QStringLiteral("sim-admin"), QStringLiteral("sim-admin"));

        gitops::GitOpsSettings settings;
        settings.url = m_daemon->url(QStringLiteral("deploy.git"));
        settings.localPath = m_dir.filePath(QStringLiteral("cache"));
        settings.authorName = QStringLiteral("Ops Person");
        settings.authorEmail = QStringLiteral("ops@example.test");
        m_repo = std::make_unique<gitops::GitOpsRepository>(settings);
        auto state = m_repo->sync();
        QVERIFY2(state.ok(), state.ok() ? "" : qPrintable(state.error().message));
        for (const QString &path : state.value().manifests)
            if (path.startsWith(QLatin1String("apps/storefront/")) && m_repo->readFile(path).value().contains(QLatin1String("kind: Rollout")))
                m_manifest = path;
        QVERIFY2(!m_manifest.isEmpty(), qPrintable(state.value().manifests.join(QLatin1Char(' '))));

        // The starting point: Argo CD has the app in sync and healthy, 169 is active.
        QVERIFY2(eventually([&] {
            Json app = m_sim->get(kApplication).json();
            return app["status"]["sync"].value("status", "") == "Synced" && app["status"]["health"].value("status", "") == "Healthy";
        }, 40000), m_sim->get(kApplication).json()["status"].dump(1).c_str());
        QVERIFY(eventually([&] { return phase() == "Healthy"; }, 20000));
        QCOMPARE(info().activeRevision()->images, QStringList{kRepository + QStringLiteral(":169")});
    }

    void cleanupTestCase()
    {
        m_facade.reset();
        m_client.reset();
        m_engine.reset();
        m_sim.reset();
        m_daemon.reset();
    }

    void bumpSyncsAndPromoteSwitchesTheActiveService()
    {
        const std::string blue = serviceHash("storefront");
        QVERIFY(!blue.empty());
        const QString commit = bump(QStringLiteral("170"));
        QVERIFY2(waitsAsPreview(commit, "170"), rollout()["status"].dump(1).c_str());

        RolloutInfo before = info();
        QCOMPARE(before.status, RolloutStatus::Paused);
        const std::string green = before.previewRevision()->podTemplateHash.toStdString();
        QVERIFY(green != blue);
        QCOMPARE(serviceHash("storefront-preview"), green);
        QCOMPARE(serviceHash("storefront"), blue);  // nothing switched before the operator says so

        RolloutAction promote = RolloutActions::promote(before);
        QVERIFY2(promote.applies(), qPrintable(promote.notApplicable));
        // The confirmation says which version the active service goes to.
        const QString confirmation = m_facade->confirmationText(promote.action);
        QVERIFY2(confirmation.contains(QStringLiteral("storefront:169")) && confirmation.contains(QStringLiteral("storefront:170")), qPrintable(confirmation));
        QElapsedTimer sinceSwitch;
        ActionResult r = run(promote.action);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));

        QVERIFY(eventually([&] { return serviceHash("storefront") == green; }, 20000));
        sinceSwitch.start();
        // The old revision keeps its pods through the scale-down delay (5 s in this scenario) ...
        QCOMPARE(replicasOf(blue), 2);
        QVERIFY(eventually([&] { return phase() == "Healthy"; }, 20000));
        QCOMPARE(rollout()["status"].value("stableRS", ""), green);
        // ... and scales down after it.
        QVERIFY(eventually([&] { return replicasOf(blue) == 0; }, 20000));
        QVERIFY2(sinceSwitch.elapsed() > 3500, qPrintable(QString::number(sinceSwitch.elapsed())));
        QVERIFY(auditActions().contains(QStringLiteral("promote succeeded")));
    }

    void undoBringsThePreviousVersionBack()
    {
        const std::string now170 = serviceHash("storefront");
        RolloutInfo current = info();
        const RevisionInfo *target = RolloutActions::undoTarget(current.revisions, 0);
        QVERIFY(target);
        QCOMPARE(target->images, QStringList{kRepository + QStringLiteral(":169")});
        const std::string old169 = target->podTemplateHash.toStdString();

        RolloutAction undo = RolloutActions::undo(current);
        QVERIFY2(undo.applies(), qPrintable(undo.notApplicable));
        ActionResult r = run(undo.action);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        // The old ReplicaSet comes back as preview and waits, as any blue-green update does.
        QVERIFY2(eventually([&] { return phase() == "Paused" && serviceHash("storefront-preview") == old169 && info().previewRevision() &&
                                          info().previewRevision()->ready == 2; }, 30000),
                 rollout()["status"].dump(1).c_str());
        QCOMPARE(templateImage(), std::string("registry.pilothouse.dev/shop/storefront:169"));
        QCOMPARE(serviceHash("storefront"), now170);

        RolloutAction promote = RolloutActions::promote(info());
        QVERIFY2(promote.applies(), qPrintable(promote.notApplicable));
        r = run(promote.action);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        QVERIFY(eventually([&] { return serviceHash("storefront") == old169 && phase() == "Healthy"; }, 20000));
        QCOMPARE(info().activeRevision()->images, QStringList{kRepository + QStringLiteral(":169")});
        QVERIFY(auditActions().contains(QStringLiteral("undo succeeded")));
    }

    void abortKeepsTheStableVersionActive()
    {
        const std::string stable = serviceHash("storefront");
        const QString commit = bump(QStringLiteral("171"));
        QVERIFY2(waitsAsPreview(commit, "171"), rollout()["status"].dump(1).c_str());
        RolloutInfo paused = info();
        QVERIFY2(!RolloutActions::retry(paused).applies(), "retry applies only to an aborted rollout");

        RolloutAction abort = RolloutActions::abort(paused);
        QVERIFY2(abort.applies(), qPrintable(abort.notApplicable));
        ActionResult r = run(abort.action);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        QVERIFY(eventually([&] { return info().status == RolloutStatus::Aborted; }, 20000));
        QCOMPARE(serviceHash("storefront"), stable);
        // The template still names 171; the stable version serves and the preview goes away.
        QCOMPARE(templateImage(), std::string("registry.pilothouse.dev/shop/storefront:171"));
        QVERIFY(eventually([&] { return replicasOf(paused.previewRevision()->podTemplateHash.toStdString()) == 0; }, 20000));
        QVERIFY2(RolloutActions::retry(info()).applies(), qPrintable(RolloutActions::retry(info()).notApplicable));
        QVERIFY(auditActions().contains(QStringLiteral("abort succeeded")));
    }

    void aChangeBetweenReadAndPromoteIsAConflict()
    {
        // Retry brings 171 up as preview again.
        RolloutAction retry = RolloutActions::retry(info());
        QVERIFY2(retry.applies(), qPrintable(retry.notApplicable));
        ActionResult r = run(retry.action);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        QVERIFY2(eventually([&] { return phase() == "Paused" && info().previewRevision() && info().previewRevision()->ready == 2; }, 30000),
                 rollout()["status"].dump(1).c_str());

        const std::string stable = serviceHash("storefront");
        RolloutInfo seen = info();
        // Another client changes the rollout after the operator looked at it.
        HttpReply other = m_sim->request("PATCH", kRollout, R"({"metadata":{"annotations":{"team":"payments"}}})", "application/merge-patch+json");
        QCOMPARE(other.status, 200);
        ActionResult stale = run(RolloutActions::promote(seen).action);
        QCOMPARE(outcomeName(stale.outcome), outcomeName(Outcome::Conflict));
        QTest::qWait(1000);
        QCOMPARE(serviceHash("storefront"), stable);  // nothing was promoted
        QCOMPARE(phase(), std::string("Paused"));
        QVERIFY(auditActions().contains(QStringLiteral("promote conflict")));

        // Read again, decide again: now it goes through.
        r = run(RolloutActions::promote(info()).action);
        QVERIFY2(r.outcome == Outcome::Succeeded, qPrintable(r.error.message));
        QVERIFY(eventually([&] { return serviceHash("storefront") != stable && phase() == "Healthy"; }, 20000));
        QCOMPARE(info().activeRevision()->images, QStringList{kRepository + QStringLiteral(":171")});
    }
};

QTEST_GUILESS_MAIN(TestProgressiveDelivery)
#include "tst_progressivedelivery.moc"
