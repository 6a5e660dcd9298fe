// Widget test (offscreen): the window connected to pilothouse-sim lists the scenario's pods,
// shows a pod the sim creates within a second, filters as you type, and shows the live state.
#include "actions/auditlog.h"
#include "shell/connectionstatuslabel.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "resources/logview.h"
#include "delivery/gitopsview.h"
#include "shell/actionrunner.h"
#include "shell/mainwindow.h"
#include "shell/namespacepicker.h"
#include "shell/navigator.h"
#include "resources/scalingview.h"
#include "objecttablemodel.h"
#include "connectedwindow.h"
#include "simprocess.h"

#include <QComboBox>
#include <QFile>
#include <QMenu>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QListView>
#include <QStandardItemModel>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QAbstractProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

using namespace pilothouse;
using namespace pilothouse::testsupport;

class TestClusterWindow : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    ConnectedWindow m_console;
    widgets::MainWindow *m_window = nullptr;
    widgets::ResourcesPage *m_page = nullptr;
    backends::kube::KubeSession *m_session = nullptr;

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
        m_page = m_window->resourcesPage();
        QVERIFY(m_page);
    }

    void cleanupTestCase()
    {
        m_console.close();
        m_sim.reset();
    }

    void listsTheScenariosPodsAndShowsLive()
    {
        auto *model = m_page->podModel();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 3, 10000);
        QStringList names;
        for (int r = 0; r < model->rowCount(); ++r)
            names << model->objectAt(r)->name;
        QCOMPARE(names.filter(QStringLiteral("web-")).size(), 2);
        QCOMPARE(names.filter(QStringLiteral("api-")).size(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->connectionStatus()->state(), widgets::ConnectionStatusLabel::State::Live, 10000);
        QCOMPARE(m_window->contextPicker()->currentText(), QStringLiteral("sim-admin"));
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->namespacePicker()->model()->findItems(QStringLiteral("demo"), Qt::MatchExactly).isEmpty(), 5000);
        QVERIFY(m_page->podView()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(m_page->deploymentModel()->rowCount() == 2, 5000);
    }

    void showsANewPodWithinASecond()
    {
        auto *model = m_page->podModel();
        Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "fresh"}}},
                    {"spec", {{"containers", {{{"name", "c"}, {"image", "registry.pilothouse.local/demo/tool:1"}}}}}}};
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(m_sim->request("POST", "/api/v1/namespaces/demo/pods", pod.dump()).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(QStringLiteral("demo/fresh")) >= 0, 1000);
        qInfo("pod visible in the model %lld ms after the create was sent", timer.elapsed());
        // And its status follows the sim's lifecycle.
        QTRY_COMPARE_WITH_TIMEOUT(model->data(model->index(model->rowOf(QStringLiteral("demo/fresh")), models::PodTableModel::StatusColumn)).toString(),
                                  QStringLiteral("Running"), 5000);
    }

    void severalNamespacesAtOnce()
    {
        // A pod in another namespace, so that a selection has something to leave out.
        HttpReply created = m_sim->request("POST", "/api/v1/namespaces/default/pods",
                                           R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"elsewhere"},"spec":{"containers":[{"name":"c","image":"busybox"}]}})");
        QCOMPARE(created.status, 201);
        auto *model = m_page->podModel();
        auto *proxy = m_page->podProxy();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(QStringLiteral("default/elsewhere")) >= 0, 5000);
        auto namespacesShown = [proxy] {
            QSet<QString> out;
            for (int r = 0; r < proxy->rowCount(); ++r)
                out.insert(proxy->data(proxy->index(r, models::PodTableModel::NamespaceColumn)).toString());
            return out;
        };
        // One namespace: the watches are scoped on the server.
        m_window->selectNamespaces({QStringLiteral("demo")});
        QCOMPARE(m_session->namespaceScope(), QStringLiteral("demo"));
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0 && model->rowOf(QStringLiteral("default/elsewhere")) < 0, 10000);
        QCOMPARE(namespacesShown(), QSet<QString>{QStringLiteral("demo")});
        // Two: everything is watched, the view shows just those two.
        m_window->selectNamespaces({QStringLiteral("demo"), QStringLiteral("default")});
        QCOMPARE(m_session->namespaceScope(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(QStringLiteral("default/elsewhere")) >= 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(namespacesShown(), (QSet<QString>{QStringLiteral("demo"), QStringLiteral("default")}), 5000);
        // The ticks in the list follow, and "All namespaces" is off.
        QStandardItemModel *ticks = m_window->namespacePicker()->model();
        QCOMPARE(ticks->item(0)->checkState(), Qt::Unchecked);
        QCOMPARE(ticks->findItems(QStringLiteral("default"), Qt::MatchExactly).value(0)->checkState(), Qt::Checked);
        // Ticking "All namespaces" clears the selection.
        ticks->item(0)->setCheckState(Qt::Checked);
        QVERIFY(m_window->selectedNamespaces().isEmpty());
        QCOMPARE(proxy->rowCount(), model->rowCount());
        QCOMPARE(m_sim->request("DELETE", "/api/v1/namespaces/default/pods/elsewhere").status, 200);
    }

    void filterAsYouType()
    {
        QTest::keyClicks(m_page->filterEdit(), QStringLiteral("API-"));
        QTRY_COMPARE(m_page->podProxy()->rowCount(), 1);
        QVERIFY(m_page->podProxy()->data(m_page->podProxy()->index(0, 0)).toString().startsWith(QStringLiteral("api-")));
        m_page->filterEdit()->clear();
        QTRY_COMPARE(m_page->podProxy()->rowCount(), m_page->podModel()->rowCount());
    }

    void deletedPodLeavesTheTable()
    {
        auto *model = m_page->podModel();
        QCOMPARE(m_sim->request("DELETE", "/api/v1/namespaces/demo/pods/fresh", R"({"gracePeriodSeconds":0})").status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(QStringLiteral("demo/fresh")) < 0, 3000);
    }

    void browsesAnyKindInTableForm()
    {
        QVERIFY(m_page->jumpToKind(QStringLiteral("svc")));
        auto *model = m_page->kindModel();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() >= 2, 10000);  // demo/web and default/kubernetes
        const QStringList cols = model->columnNames();
        QCOMPARE(cols.mid(0, 4), (QStringList{QStringLiteral("Name"), QStringLiteral("Namespace"), QStringLiteral("Type"), QStringLiteral("Cluster-IP")}));
        const int row = model->rowOf(QStringLiteral("demo/web"));
        QVERIFY(row >= 0);
        QCOMPARE(model->data(model->index(row, 2)).toString(), QStringLiteral("ClusterIP"));
        QCOMPARE(model->data(model->index(row, cols.indexOf(QStringLiteral("Port(s)")))).toString(), QStringLiteral("80/TCP"));
        // Live: a new Service appears without a reset.
        Json svc = {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "extra"}}},
                    {"spec", {{"selector", {{"app", "web"}}}, {"ports", {{{"port", 81}}}}}}};
        QCOMPARE(m_sim->request("POST", "/api/v1/namespaces/demo/services", svc.dump()).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(QStringLiteral("demo/extra")) >= 0, 3000);
        // Custom resources come from discovery.
        QTRY_VERIFY_WITH_TIMEOUT(m_page->jumpToKind(QStringLiteral("rollouts")), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(model->columnNames().contains(QStringLiteral("Up-to-date")), 5000);
        QVERIFY(!m_page->jumpToKind(QStringLiteral("no-such-kind")));
        QVERIFY(m_page->jumpToKind(QStringLiteral("po")));
        QCOMPARE(m_page->podView()->isVisible(), true);
    }

    // The menu of a deployment, once every permission answer is in (it shows at once, with
    // "checking…" on the changes until then).
    QMenu *actionMenuFor(const QString &key)
    {
        if (!m_page->jumpToKind(QStringLiteral("deploy")))
            return nullptr;
        auto *model = m_page->deploymentModel();
        const int row = model->rowOf(key);
        if (row < 0)
            return nullptr;
        const QModelIndex index = m_page->currentProxy()->mapFromSource(model->index(row, 0));
        QMenu *menu = m_page->menuForRow(index.row());
        if (!menu)
            return nullptr;
        const bool answered = QTest::qWaitFor([menu] {
            for (QAction *a : menu->actions())
                if (a->text().contains(QStringLiteral("checking")))
                    return false;
            return true;
        }, 10000);
        return answered ? menu : nullptr;
    }

    void scaleFromTheWindowWithConfirmationAndAudit()
    {
        QString confirmation;
        m_window->actionRunner()->setConfirmHandler([&](const QString &text) { confirmation = text; return true; });
        m_window->actionRunner()->setNumberHandler([](const QString &, int) { return 3; });
        QTRY_VERIFY_WITH_TIMEOUT(m_page->deploymentModel()->rowOf(QStringLiteral("demo/web")) >= 0, 5000);
        QMenu *menu = actionMenuFor(QStringLiteral("demo/web"));
        QVERIFY(menu);
        QAction *scale = menu->findChild<QAction *>(QStringLiteral("scale"));
        QVERIFY(scale && scale->isEnabled());
        QSignalSpy done(m_window->actionRunner(), &widgets::shell::ActionRunner::finished);
        scale->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 10000);
        QVERIFY2(done.at(0).at(1).toBool(), qPrintable(done.at(0).at(0).toString()));
        QCOMPARE(confirmation, QStringLiteral("Scale deployments.apps demo/web in context sim-admin: replicas 2 → 3"));
        QTRY_VERIFY_WITH_TIMEOUT(m_sim->get("/apis/apps/v1/namespaces/demo/deployments/web").json()["spec"]["replicas"] == 3, 5000);
        // The table follows the sim.
        auto *model = m_page->deploymentModel();
        QTRY_COMPARE_WITH_TIMEOUT(model->data(model->index(model->rowOf(QStringLiteral("demo/web")), models::DeploymentTableModel::ReadyColumn)).toString(),
                                  QStringLiteral("3/3"), 10000);
        QFile audit(m_console.auditPath());
        QVERIFY(audit.open(QIODevice::ReadOnly));
        const QByteArray lines = audit.readAll();
        QVERIFY2(lines.contains("\"action\":\"scale\"") && lines.contains("\"result\":\"succeeded\"") &&
                     lines.contains("deployments.apps demo/web"), lines.constData());
        delete menu;
        // Declining the confirmation sends nothing.
        m_window->actionRunner()->setConfirmHandler([](const QString &) { return false; });
        m_window->actionRunner()->setNumberHandler([](const QString &, int) { return 1; });
        QTRY_COMPARE_WITH_TIMEOUT(model->objectAt(model->rowOf(QStringLiteral("demo/web")))->deployment()->desired, 3, 5000);
        menu = actionMenuFor(QStringLiteral("demo/web"));
        QSignalSpy finished(m_window->actionRunner(), &widgets::shell::ActionRunner::finished);
        menu->findChild<QAction *>(QStringLiteral("scale"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        QVERIFY2(finished.at(0).at(0).toString().contains(QStringLiteral("cancelled")), qPrintable(finished.at(0).at(0).toString()));
        JCOMPARE(m_sim->get("/apis/apps/v1/namespaces/demo/deployments/web").json()["spec"]["replicas"], 3);
        delete menu;
    }

    void selectedObjectShowsItsYamlWithSecretsMasked()
    {
        QVERIFY(m_page->jumpToKind(QStringLiteral("deploy")));
        auto *view = m_page->findChild<QTableView *>(QStringLiteral("deploymentView"));
        QVERIFY(view);
        auto *proxy = qobject_cast<QAbstractProxyModel *>(view->model());
        int row = -1;
        for (int r = 0; r < proxy->rowCount(); ++r)
            if (proxy->data(proxy->index(r, 0)).toString() == QLatin1String("api"))
                row = r;
        QVERIFY(row >= 0);
        view->setCurrentIndex(proxy->index(row, 0));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->yamlView()->toPlainText().contains(QStringLiteral("kind: Deployment")), 5000);
        QVERIFY(m_page->yamlView()->toPlainText().contains(QStringLiteral("name: api")));
        QVERIFY(!m_page->yamlView()->toPlainText().contains(QStringLiteral("managedFields")));

        QVERIFY(m_page->jumpToKind(QStringLiteral("secrets")));
        auto *kinds = m_page->kindModel();
        QTRY_VERIFY_WITH_TIMEOUT(kinds->rowOf(QStringLiteral("demo/api-token")) >= 0, 5000);
        auto *kindProxy = qobject_cast<QAbstractProxyModel *>(m_page->kindView()->model());
        const QModelIndex src = kinds->index(kinds->rowOf(QStringLiteral("demo/api-token")), 0);
        m_page->kindView()->setCurrentIndex(kindProxy->mapFromSource(src));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->yamlView()->toPlainText().contains(QStringLiteral("kind: Secret")), 5000);
        const QString yaml = m_page->yamlView()->toPlainText();
        QVERIFY2(yaml.contains(QStringLiteral("********")), qPrintable(yaml));
        QVERIFY2(!yaml.contains(QStringLiteral("bm90LWEtcmVhbC10b2tlbg")), qPrintable(yaml));  // base64 of the value
        QVERIFY(m_page->jumpToKind(QStringLiteral("po")));
    }

    void logsAndScalingViewOpenAsTabsFromTheMenu()
    {
        QTRY_VERIFY_WITH_TIMEOUT(m_page->deploymentModel()->rowOf(QStringLiteral("demo/web")) >= 0, 5000);
        QMenu *menu = actionMenuFor(QStringLiteral("demo/web"));
        QVERIFY(menu);
        QAction *logs = menu->findChild<QAction *>(QStringLiteral("logs"));
        QAction *scaling = menu->findChild<QAction *>(QStringLiteral("scaling"));
        QVERIFY(logs && scaling);
        const int tabsBefore = m_window->pageTabs()->count();
        logs->trigger();
        QCOMPARE(m_window->pageTabs()->count(), tabsBefore + 1);
        auto *logView = qobject_cast<widgets::LogView *>(m_window->pageTabs()->currentWidget());
        QVERIFY(logView);
        QCOMPARE(logView->mode(), widgets::LogView::Mode::Workload);
        // Lines of web's pods arrive, prefixed with the pod name.
        QTRY_VERIFY_WITH_TIMEOUT(logView->model()->rowCount() > 0, 10000);
        QVERIFY(logView->model()->index(0, 0).data().toString().startsWith(QStringLiteral("web-")));
        scaling->trigger();
        auto *scalingView = qobject_cast<widgets::ScalingView *>(m_window->pageTabs()->currentWidget());
        QVERIFY(scalingView);
        QCOMPARE(scalingView->deploymentName(), QStringLiteral("web"));
        QTRY_VERIFY_WITH_TIMEOUT(scalingView->tileCount() >= 2, 10000);
        // The same view again raises the open tab instead of a second one.
        logs->trigger();
        QCOMPARE(m_window->pageTabs()->count(), tabsBefore + 2);
        QCOMPARE(m_window->pageTabs()->currentWidget(), logView);
        // Closing the tabs deletes the views (and their streams).
        QPointer<widgets::LogView> gone(logView);
        m_window->navigator()->close(scalingView);
        m_window->navigator()->close(logView);
        QTRY_VERIFY(gone.isNull());
        delete menu;
    }

    void readOnlyContextSendsNothing()
    {
        QSignalSpy changed(m_console.shell.settings.get(), &widgets::shell::ShellSettings::readOnlyContextsChanged);
        m_window->readOnlyAction()->setChecked(true);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(m_console.shell.settings->readOnlyContexts(), QStringList{QStringLiteral("sim-admin")});
        QVERIFY(m_session->isReadOnly());
        QMenu *menu = actionMenuFor(QStringLiteral("demo/web"));
        QVERIFY(menu);
        for (const char *name : {"scale", "restart", "delete"}) {
            QAction *a = menu->findChild<QAction *>(QString::fromLatin1(name));
            QVERIFY(a && !a->isEnabled());
            QVERIFY2(a->toolTip().contains(QStringLiteral("read-only")), qPrintable(a->toolTip()));
        }
        delete menu;
        m_window->readOnlyAction()->setChecked(false);
        QVERIFY(m_console.shell.settings->readOnlyContexts().isEmpty());
        QVERIFY(!m_session->isReadOnly());
        menu = actionMenuFor(QStringLiteral("demo/web"));
        QVERIFY(menu->findChild<QAction *>(QStringLiteral("scale"))->isEnabled());
        delete menu;
    }

    void argoCdAndGitOpsOpenAsWorkTabs()
    {
        widgets::ArgoCdViewPreset preset;
        preset.url = QStringLiteral("https://argocd.example.test");
        m_console.shell.settings->setArgoCdPreset(preset, false);
        backends::gitops::GitOpsSettings gitops;
        gitops.branch = QStringLiteral("release");
        m_console.shell.settings->setGitOps(gitops, false);
        const int before = m_window->pageTabs()->count();

        auto argocdAction = [this] { m_window->openPage(QStringLiteral("argocd")); };
        argocdAction();
        auto *argocd = qobject_cast<widgets::ArgoCdView *>(m_window->pageTabs()->currentWidget());
        QVERIFY(argocd);
        QCOMPARE(argocd->findChild<QLineEdit *>(QStringLiteral("argocdUrl"))->text(), preset.url);
        argocdAction();  // raised, not opened twice
        QCOMPARE(m_window->pageTabs()->count(), before + 1);

        // The window's read-only toggle holds Argo CD's actions too, with the reason.
        auto *sync = argocd->findChild<QPushButton *>(QStringLiteral("argocdSync"));
        QVERIFY(sync);
        m_window->readOnlyAction()->setChecked(true);
        QVERIFY(!sync->isEnabled());
        QVERIFY2(sync->toolTip().contains(QStringLiteral("read-only")), qPrintable(sync->toolTip()));
        m_window->readOnlyAction()->setChecked(false);
        QVERIFY2(!sync->toolTip().contains(QStringLiteral("read-only")), qPrintable(sync->toolTip()));

        auto gitopsAction = [this] { m_window->openPage(QStringLiteral("gitops")); };
        gitopsAction();
        QVERIFY(qobject_cast<widgets::GitOpsView *>(m_window->pageTabs()->currentWidget()));
        QCOMPARE(m_window->pageTabs()->count(), before + 2);
        gitopsAction();
        QCOMPARE(m_window->pageTabs()->count(), before + 2);
        m_window->openPage(QStringLiteral("resources"));
    }

    void viewerContextWorksReadOnly()
    {
        // Switching context resets the tables and reconnects with the viewer's token.
        int idx = m_window->contextPicker()->findText(QStringLiteral("sim-viewer"));
        QVERIFY(idx >= 0);
        m_window->contextPicker()->setCurrentIndex(idx);
        Q_EMIT m_window->contextPicker()->activated(idx);
        QTRY_COMPARE_WITH_TIMEOUT(m_session->contextName(), QStringLiteral("sim-viewer"), 5000);
        // Same pods as the sim has (the scale test left web at 3 replicas).
        QTRY_VERIFY_WITH_TIMEOUT(m_page->podModel()->rowCount() >= 4, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->connectionStatus()->state(), widgets::ConnectionStatusLabel::State::Live, 10000);
        // The viewer may not change anything: the actions are disabled and say why.
        QTRY_VERIFY_WITH_TIMEOUT(m_page->deploymentModel()->rowOf(QStringLiteral("demo/web")) >= 0, 5000);
        QMenu *menu = actionMenuFor(QStringLiteral("demo/web"));
        QVERIFY(menu);
        for (const char *name : {"scale", "restart", "delete"}) {
            QAction *a = menu->findChild<QAction *>(QString::fromLatin1(name));
            QVERIFY(a);
            QVERIFY(!a->isEnabled());
            QVERIFY2(a->toolTip().contains(QStringLiteral("sim-viewer may not")), qPrintable(a->toolTip()));
        }
        QVERIFY(menu->findChild<QAction *>(QStringLiteral("scale"))->toolTip().contains(QStringLiteral("patch deployments/scale")));
        delete menu;
    }
};

QTEST_MAIN(TestClusterWindow)
#include "tst_clusterwindow.moc"
