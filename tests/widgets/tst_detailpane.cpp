// Widget test (offscreen): the detail pane against pilothouse-sim — overview, events and related
// objects of a deployment; a YAML edit shown as a diff, applied with its resourceVersion and
// audited; a 422 shown against the edit with the edit kept; a 409 after review keeps the edit;
// a Secret reveal asks first and is audited; the viewer may not edit and is told why.
#include "actions/sessionactions.h"
#include "actions/auditlog.h"
#include "resources/detailpane.h"
#include "resources/eventmodel.h"
#include "resources/relatedobjectmodel.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "shell/mainwindow.h"
#include "connectedwindow.h"
#include "simprocess.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTreeView>

#include <curl/curl.h>

using namespace pilothouse;
using namespace pilothouse::testsupport;
using backends::kube::ResourceRef;

class TestDetailPane : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    ConnectedWindow m_console;
    widgets::MainWindow *m_window = nullptr;
    backends::kube::KubeSession *m_session = nullptr;

    widgets::DetailPane *pane() const { return m_window->resourcesPage()->detailPane(); }

    QByteArray auditText() const
    {
        QFile f(m_console.auditPath());
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    static QStringList childTexts(const QModelIndex &index)
    {
        QStringList out;
        const QAbstractItemModel *m = index.model();
        for (int i = 0; m && i < m->rowCount(index); ++i)
            out << m->index(i, 0, index).data().toString();
        return out;
    }

    static QModelIndex topItemStartingWith(QTreeView *tree, const QString &prefix)
    {
        const QAbstractItemModel *m = tree->model();
        for (int i = 0; i < m->rowCount(); ++i)
            if (m->index(i, 0).data().toString().startsWith(prefix))
                return m->index(i, 0);
        return {};
    }

    // Opens an object in the pane and waits for its YAML; true when it is shown.
    bool open(const ResourceRef &ref, const QString &ns, const QString &name)
    {
        pane()->showObject(ref, ns, name);
        return QTest::qWaitFor([&] { return pane()->yamlEdit()->toPlainText().contains(QStringLiteral("name: ") + name) &&
                                            pane()->findChild<QPushButton *>(QStringLiteral("editButton"))->property("allowed").isValid(); },
                               5000);
    }

    void replaceInEditor(const QString &from, const QString &to)
    {
        QString text = pane()->yamlEdit()->toPlainText();
        QVERIFY2(text.contains(from), qPrintable(text));
        text.replace(from, to);
        pane()->yamlEdit()->setPlainText(text);
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--pod-start-ms"), QStringLiteral("100"), QStringLiteral("--pod-ready-ms"), QStringLiteral("100")});
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        QVERIFY2(m_console.open(m_sim->kubeconfigPath(), &error), qPrintable(error));
        m_window = m_console.window.get();
        m_session = m_console.session.get();
        QTRY_VERIFY_WITH_TIMEOUT(backends::actions::facadeFor(m_session) != nullptr, 5000);
        // The pane's lists under the tester for every object the tests open.
        new QAbstractItemModelTester(pane()->eventModel(), QAbstractItemModelTester::FailureReportingMode::QtTest, pane()->eventModel());
        new QAbstractItemModelTester(pane()->relatedModel(), QAbstractItemModelTester::FailureReportingMode::QtTest, pane()->relatedModel());
        // Both pods of web running, so its events and related objects exist.
        QVERIFY(eventually([&] { return m_sim->get("/apis/apps/v1/namespaces/demo/deployments/web").json()["status"].value("readyReplicas", 0) == 2; }, 15000));
    }

    void cleanupTestCase()
    {
        m_console.close();
        m_sim.reset();
    }

    void overviewEventsAndRelatedOfADeployment()
    {
        QVERIFY(open(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web")));
        QTRY_VERIFY_WITH_TIMEOUT(pane()->overview()->toPlainText().contains(QStringLiteral("Replicas")), 5000);
        const QString overview = pane()->overview()->toPlainText();
        QVERIFY2(overview.contains(QStringLiteral("2 desired")), qPrintable(overview));
        QVERIFY2(overview.contains(QStringLiteral("Available")), qPrintable(overview));  // a condition

        // The deployment controller's event for its ReplicaSet.
        QTRY_VERIFY_WITH_TIMEOUT(pane()->eventsTree()->model()->rowCount() > 0, 5000);
        const QAbstractItemModel *events = pane()->eventsTree()->model();
        bool scaling = false;
        for (int i = 0; i < events->rowCount(); ++i)
            scaling = scaling || events->index(i, models::EventModel::ReasonColumn).data().toString() == QLatin1String("ScalingReplicaSet");
        QVERIFY(scaling);
        QCOMPARE(pane()->tabs()->tabText(1), QStringLiteral("Events (%1)").arg(events->rowCount()));

        // Related: its ReplicaSet and both pods, each of which opens in the pane.
        QTRY_VERIFY_WITH_TIMEOUT(topItemStartingWith(pane()->relatedTree(), QStringLiteral("Pods (2)")).isValid(), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(topItemStartingWith(pane()->relatedTree(), QStringLiteral("ReplicaSets (1)")).isValid(), 5000);
        const QModelIndex pods = topItemStartingWith(pane()->relatedTree(), QStringLiteral("Pods"));
        QVERIFY(pane()->relatedTree()->isExpanded(pods));
        const QString firstPod = childTexts(pods).value(0);
        QVERIFY2(firstPod.startsWith(QStringLiteral("Pod/web-")), qPrintable(firstPod));
        // A running, ready pod has a good tone (the status delegate colours it).
        const QModelIndex podStatus = pane()->relatedTree()->model()->index(0, models::RelatedObjectModel::StatusColumn, pods);
        QVERIFY2(podStatus.data().toString().startsWith(QStringLiteral("Running")), qPrintable(podStatus.data().toString()));
        QCOMPARE(podStatus.data(models::StatusToneRole).toInt(), int(models::StatusTone::Good));
        Q_EMIT pane()->relatedTree()->activated(pane()->relatedTree()->model()->index(0, 0, pods));
        QTRY_VERIFY_WITH_TIMEOUT(pane()->yamlEdit()->toPlainText().contains(QStringLiteral("kind: Pod")), 5000);

        // A pod's owner chain: ReplicaSet, then the Deployment.
        QTRY_VERIFY_WITH_TIMEOUT(topItemStartingWith(pane()->relatedTree(), QStringLiteral("Owned by")).isValid(), 5000);
        const QModelIndex owners = topItemStartingWith(pane()->relatedTree(), QStringLiteral("Owned by"));
        QVERIFY(childTexts(owners).value(0).startsWith(QStringLiteral("ReplicaSet/web-")));
        const auto ownedBy = [this] { return topItemStartingWith(pane()->relatedTree(), QStringLiteral("Owned by")); };
        QTRY_COMPARE_WITH_TIMEOUT(childTexts(pane()->relatedTree()->model()->index(0, 0, ownedBy())).value(0), QStringLiteral("Deployment/web"), 5000);
        // A group heading opens nothing.
        QVERIFY(!ownedBy().data(models::RelatedObjectModel::OpenableRole).toBool());
    }

    void editShowsTheDiffAppliesAndAudits()
    {
        QVERIFY(open(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config")));
        QString summary, diff;
        pane()->setApplyConfirmHandler([&](const QString &s, const QString &d) { summary = s; diff = d; return true; });
        pane()->startEdit();
        QVERIFY(!pane()->yamlEdit()->isReadOnly());
        replaceInEditor(QStringLiteral("  labels:\n    app: web\n"), QStringLiteral("  labels:\n    app: web\n    edited-by: pilothouse\n"));
        pane()->reviewAndApply();
        QTRY_VERIFY_WITH_TIMEOUT(!summary.isEmpty(), 5000);
        QVERIFY2(summary.startsWith(QStringLiteral("Edit configmaps demo/web-config in context sim-admin: metadata.labels")), qPrintable(summary));
        QVERIFY2(diff.contains(QStringLiteral("     app: web\n+    edited-by: pilothouse\n")), qPrintable(diff));
        QVERIFY2(!diff.contains(QStringLiteral("\n-")), qPrintable(diff));  // nothing removed
        QTRY_VERIFY_WITH_TIMEOUT(m_sim->get("/api/v1/namespaces/demo/configmaps/web-config").json()["metadata"]["labels"].value("edited-by", "") == "pilothouse", 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!pane()->hasUnsavedEdit(), 5000);
        QVERIFY(pane()->yamlEdit()->isReadOnly());
        const QByteArray audit = auditText();
        QVERIFY2(audit.contains("\"action\":\"edit\"") && audit.contains("configmaps demo/web-config"), audit.constData());
    }

    void declinedDiffSendsNothing()
    {
        QVERIFY(open(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config")));
        const std::string before = m_sim->get("/api/v1/namespaces/demo/configmaps/web-config").json()["metadata"]["resourceVersion"];
        bool asked = false;
        pane()->setApplyConfirmHandler([&](const QString &, const QString &) { asked = true; return false; });
        pane()->startEdit();
        replaceInEditor(QStringLiteral("edited-by: pilothouse"), QStringLiteral("edited-by: nobody"));
        pane()->reviewAndApply();
        QTRY_VERIFY_WITH_TIMEOUT(asked, 5000);
        QTest::qWait(300);
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/web-config").json()["metadata"]["resourceVersion"].get<std::string>(), before);
        QVERIFY(pane()->hasUnsavedEdit());  // still there to change or discard
        pane()->cancelEdit();
        QVERIFY(!pane()->yamlEdit()->toPlainText().contains(QStringLiteral("nobody")));
    }

    void invalidFieldShowsTheServersErrorAndKeepsTheEdit()
    {
        QVERIFY(open(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("api")));
        pane()->setApplyConfirmHandler([](const QString &, const QString &) { return true; });
        pane()->startEdit();
        const int replicas = m_sim->get("/apis/apps/v1/namespaces/demo/deployments/api").json()["spec"]["replicas"];
        replaceInEditor(QStringLiteral("  replicas: %1\n").arg(replicas), QStringLiteral("  replicas: -4\n"));
        const QString edited = pane()->yamlEdit()->toPlainText();
        pane()->reviewAndApply();
        QTRY_VERIFY_WITH_TIMEOUT(pane()->editError()->isVisible(), 5000);
        const QString error = pane()->editError()->text();
        QVERIFY2(error.contains(QStringLiteral("spec.replicas")) && error.contains(QStringLiteral("must be greater than or equal to 0")), qPrintable(error));
        QCOMPARE(pane()->yamlEdit()->toPlainText(), edited);  // nothing lost
        QVERIFY(pane()->hasUnsavedEdit());
        QVERIFY(!pane()->yamlEdit()->extraSelections().isEmpty());  // the replicas line is marked
        JCOMPARE(m_sim->get("/apis/apps/v1/namespaces/demo/deployments/api").json()["spec"]["replicas"], replicas);
        QVERIFY(auditText().contains("\"action\":\"edit\",\"change\":\"spec.replicas"));
        pane()->cancelEdit();
    }

    void unreadableYamlSaysWhereAndSendsNothing()
    {
        QVERIFY(open(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config")));
        bool asked = false;
        pane()->setApplyConfirmHandler([&](const QString &, const QString &) { asked = true; return true; });
        pane()->startEdit();
        pane()->yamlEdit()->setPlainText(pane()->yamlEdit()->toPlainText() + QStringLiteral("extra: [unclosed\n"));
        pane()->reviewAndApply();
        QVERIFY(pane()->editError()->isVisible());
        QVERIFY2(pane()->editError()->text().contains(QStringLiteral("line ")), qPrintable(pane()->editError()->text()));
        QVERIFY(!asked);
        pane()->cancelEdit();
    }

    void conflictAfterReviewKeepsTheEdit()
    {
        QVERIFY(open(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config")));
        // Another client changes the object while the operator looks at the diff.
        pane()->setApplyConfirmHandler([&](const QString &, const QString &) {
            HttpReply r = m_sim->request("PATCH", "/api/v1/namespaces/demo/configmaps/web-config", R"({"metadata":{"annotations":{"other":"client"}}})",
                                         "application/merge-patch+json");
            return r.status == 200;
        });
        pane()->startEdit();
        replaceInEditor(QStringLiteral("edited-by: pilothouse"), QStringLiteral("edited-by: second-edit"));
        const QString edited = pane()->yamlEdit()->toPlainText();
        pane()->reviewAndApply();
        QTRY_VERIFY_WITH_TIMEOUT(pane()->editError()->isVisible(), 5000);
        QVERIFY2(pane()->editError()->text().contains(QStringLiteral("changed after your review")), qPrintable(pane()->editError()->text()));
        QCOMPARE(pane()->yamlEdit()->toPlainText(), edited);
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/web-config").json()["metadata"]["labels"]["edited-by"].get<std::string>(), std::string("pilothouse"));
        // Reviewing again diffs against the new version (which has the other client's annotation)
        // and applies.
        QString diff;
        pane()->setApplyConfirmHandler([&](const QString &, const QString &d) { diff = d; return true; });
        pane()->reviewAndApply();
        QTRY_VERIFY_WITH_TIMEOUT(!pane()->hasUnsavedEdit(), 5000);
        QVERIFY2(diff.contains(QStringLiteral("-    other: client")), qPrintable(diff));
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/web-config").json()["metadata"]["labels"]["edited-by"].get<std::string>(), std::string("second-edit"));
    }

    void secretStaysMaskedUntilARevealThatIsAudited()
    {
        const ResourceRef secrets{QString(), QStringLiteral("v1"), QStringLiteral("secrets"), QStringLiteral("Secret"), true};
        QVERIFY(open(secrets, QStringLiteral("demo"), QStringLiteral("api-token")));
        QVERIFY(pane()->yamlEdit()->toPlainText().contains(QStringLiteral("********")));
        QVERIFY(!pane()->yamlEdit()->toPlainText().contains(QStringLiteral("bm90LWEtcmVhbC10b2tlbg")));
        QVERIFY(!pane()->overview()->toPlainText().contains(QStringLiteral("bm90LWEtcmVhbC10b2tlbg")));
        // Declined: still masked, nothing audited.
        pane()->setRevealConfirmHandler([](const QString &) { return false; });
        pane()->revealSecret();
        QVERIFY(pane()->yamlEdit()->toPlainText().contains(QStringLiteral("********")));
        QVERIFY(!auditText().contains("reveal-secret"));
        QString asked;
        pane()->setRevealConfirmHandler([&](const QString &object) { asked = object; return true; });
        pane()->revealSecret();
        QCOMPARE(asked, QStringLiteral("secrets demo/api-token"));
        QVERIFY(pane()->yamlEdit()->toPlainText().contains(QStringLiteral("bm90LWEtcmVhbC10b2tlbg")));
        const QByteArray audit = auditText();
        QVERIFY2(audit.contains("\"action\":\"reveal-secret\"") && audit.contains("secrets demo/api-token"), audit.constData());
        QVERIFY(!audit.contains("bm90LWEtcmVhbC10b2tlbg"));
        // Another object, and back: masked again.
        QVERIFY(open(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config")));
        QVERIFY(open(secrets, QStringLiteral("demo"), QStringLiteral("api-token")));
        QVERIFY(pane()->yamlEdit()->toPlainText().contains(QStringLiteral("********")));
    }

    void editingASecretKeepsMaskedValues()
    {
        const ResourceRef secrets{QString(), QStringLiteral("v1"), QStringLiteral("secrets"), QStringLiteral("Secret"), true};
        QVERIFY(open(secrets, QStringLiteral("demo"), QStringLiteral("api-token")));
        const auto before = m_sim->get("/api/v1/namespaces/demo/secrets/api-token").json()["data"];
        QString summary, diff;
        pane()->setApplyConfirmHandler([&](const QString &s, const QString &d) { summary = s; diff = d; return true; });
        pane()->startEdit();
        replaceInEditor(QStringLiteral("  labels:\n    app: api\n"), QStringLiteral("  labels:\n    app: api\n    rotated: \"no\"\n"));
        pane()->reviewAndApply();
        QTRY_VERIFY_WITH_TIMEOUT(!pane()->hasUnsavedEdit(), 5000);
        const auto after = m_sim->get("/api/v1/namespaces/demo/secrets/api-token").json();
        QCOMPARE(after["data"].dump(), before.dump());  // the masked values went back as they were
        QCOMPARE(after["metadata"]["labels"]["rotated"].get<std::string>(), std::string("no"));
        QVERIFY(!diff.contains(QStringLiteral("bm90LWEtcmVhbC10b2tlbg")) && !summary.contains(QStringLiteral("bm90LWEtcmVhbC10b2tlbg")));
    }

    void viewerMayNotEditAndIsToldWhy()
    {
        auto config = backends::kube::Kubeconfig::load({m_sim->kubeconfigPath()});
        m_window->showKubeconfig(config.value(), QStringLiteral("sim-viewer"));
        QTRY_COMPARE_WITH_TIMEOUT(m_session->contextName(), QStringLiteral("sim-viewer"), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(backends::actions::facadeFor(m_session) != nullptr, 5000);
        QVERIFY(open(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web")));
        auto *edit = pane()->findChild<QPushButton *>(QStringLiteral("editButton"));
        QVERIFY(!edit->isEnabled());
        QVERIFY2(edit->toolTip().contains(QStringLiteral("sim-viewer may not update deployments")), qPrintable(edit->toolTip()));
    }
};

QTEST_MAIN(TestDetailPane)
#include "tst_detailpane.moc"
