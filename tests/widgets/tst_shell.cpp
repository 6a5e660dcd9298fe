// Widget test (offscreen) of the shell against pilothouse-sim: pages open through the navigator
// and are raised, not rebuilt; pages link to each other; the read-only toggle reaches every page;
// object menus offer what each kind's capabilities say, show at once and enable as permission
// answers arrive; a StatefulSet scaled, a DaemonSet restarted, a CronJob triggered and a Node
// cordoned from their menus, each end state read back from the sim and found in the audit log;
// the command palette opens an object and runs Promote from the keyboard.
#include "connectedwindow.h"
#include "delivery/rolloutsview.h"
#include "kindtreemodel.h"
#include "objecttablemodel.h"
#include "resources/logview.h"
#include "resources/scalingview.h"
#include "shell/actionrunner.h"
#include "shell/commandpalette.h"
#include "shell/kindcatalog.h"
#include "shell/navigationrail.h"
#include "shell/navigator.h"
#include "shell/page.h"
#include "simprocess.h"

#include <QFile>
#include <QLabel>
#include <QLocale>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

#include <curl/curl.h>

using namespace pilothouse;
using namespace pilothouse::testsupport;

namespace {

QString scenario()
{
    return qEnvironmentVariable("PILOTHOUSE_SOURCE_DIR") + QStringLiteral("/tests/data/scenarios/shell.yaml");
}

QStringList offerIds(QMenu *menu)
{
    QStringList ids;
    for (QAction *a : menu->actions())
        if (!a->objectName().isEmpty())
            ids << a->objectName();
    ids.sort();
    return ids;
}

bool anyChecking(QMenu *menu)
{
    for (QAction *a : menu->actions())
        if (a->text().contains(QStringLiteral("checking")))
            return true;
    return false;
}

}  // namespace

class TestShell : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    ConnectedWindow m_console;
    widgets::MainWindow *m_window = nullptr;
    widgets::ResourcesPage *m_page = nullptr;
    QStringList m_confirmations;

    QByteArray auditText() const
    {
        QFile f(m_console.auditPath());
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    // Shows `kind` in the browser and waits for the object's row; its menu, or null.
    QMenu *menuOf(const QString &kind, const QString &key, bool waitForAnswers = true)
    {
        if (!m_page->jumpToKind(kind))
            return nullptr;
        if (!QTest::qWaitFor([&] { return m_page->currentModel()->rowOf(key) >= 0; }, 15000))
            return nullptr;
        const QModelIndex index = m_page->currentProxy()->mapFromSource(m_page->currentModel()->index(m_page->currentModel()->rowOf(key), 0));
        QMenu *menu = m_page->menuForRow(index.row());
        if (menu && waitForAnswers && !QTest::qWaitFor([menu] { return !anyChecking(menu); }, 10000))
            return nullptr;
        return menu;
    }

    // Runs the menu item `id` of the object and waits for the runner's outcome.
    QString runFromMenu(const QString &kind, const QString &key, const QString &id)
    {
        QMenu *menu = menuOf(kind, key);
        if (!menu)
            return QStringLiteral("no menu for %1 %2").arg(kind, key);
        QAction *action = menu->findChild<QAction *>(id);
        if (!action || !action->isEnabled()) {
            const QString why = action ? action->toolTip() : QStringLiteral("no such item");
            delete menu;
            return QStringLiteral("%1 not offered: %2").arg(id, why);
        }
        QSignalSpy finished(m_window->actionRunner(), &widgets::shell::ActionRunner::finished);
        action->trigger();
        delete menu;
        if (!QTest::qWaitFor([&] { return finished.count() > 0; }, 15000))
            return QStringLiteral("no outcome");
        return finished.at(0).at(0).toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--pod-start-ms"), QStringLiteral("100"), QStringLiteral("--pod-ready-ms"),
                                                         QStringLiteral("100")},
                                             scenario());
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        QVERIFY2(m_console.open(m_sim->kubeconfigPath(), &error), qPrintable(error));
        m_window = m_console.window.get();
        m_page = m_window->resourcesPage();
        QVERIFY(m_page);
        m_window->actionRunner()->setConfirmHandler([this](const QString &text) {
            m_confirmations << text;
            return true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(m_console.session->state() == backends::kube::KubeSession::ConnectionState::Live, 20000);
        // Discovery has answered: the custom resources are in the sidebar.
        QTRY_VERIFY_WITH_TIMEOUT(m_window->kinds()->registry().find(QStringLiteral("argoproj.io"), QStringLiteral("rollouts")) &&
                                     m_window->kinds()->registry().find(QStringLiteral("argoproj.io"), QStringLiteral("rollouts"))->served,
                                 20000);
    }

    void cleanupTestCase()
    {
        m_console.close();
        m_sim.reset();
    }

    // First, while nothing is cached: the menu is there before any permission answer.
    void menuShowsBeforePermissionAnswers()
    {
        QMenu *menu = menuOf(QStringLiteral("sts"), QStringLiteral("shop/redis"), false);
        QVERIFY(menu);
        QAction *scale = menu->findChild<QAction *>(QStringLiteral("scale"));
        QVERIFY(scale);
        QVERIFY2(scale->text().contains(QStringLiteral("checking")), qPrintable(scale->text()));
        QVERIFY(!scale->isEnabled());
        // Opening a page needs no answer: enabled at once.
        QAction *logs = menu->findChild<QAction *>(QStringLiteral("logs"));
        QVERIFY(logs && logs->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(scale->isEnabled(), 10000);
        QCOMPARE(scale->text(), QStringLiteral("Scale…"));
        // Every check of this menu answered (they answer in any order under load).
        QTRY_VERIFY_WITH_TIMEOUT(!anyChecking(menu), 10000);
        delete menu;
        // Answers are kept for the session: the next menu is complete at once.
        menu = menuOf(QStringLiteral("sts"), QStringLiteral("shop/redis"), false);
        QVERIFY(menu);
        QVERIFY(!anyChecking(menu));
        QVERIFY(menu->findChild<QAction *>(QStringLiteral("scale"))->isEnabled());
        delete menu;
    }

    void menusOfferWhatEachKindCan_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QStringList>("ids");
        QTest::newRow("StatefulSet") << "sts" << "shop/redis"
                                     << QStringList{"delete", "edit", "logs", "restart", "scale"};
        QTest::newRow("DaemonSet") << "ds" << "shop/log-shipper" << QStringList{"delete", "edit", "logs", "restart"};
        QTest::newRow("Deployment") << "deploy" << "shop/frontend"
                                    << QStringList{"delete", "edit", "history", "logs", "restart", "scale", "scaling"};
        QTest::newRow("CronJob") << "cronjobs" << "shop/nightly-report" << QStringList{"delete", "edit", "resume", "suspend", "trigger"};
        QTest::newRow("Node") << "nodes" << "node-2" << QStringList{"cordon", "delete", "edit", "uncordon"};
        QTest::newRow("Service") << "svc" << "shop/redis" << QStringList{"delete", "edit"};
        // A custom resource whose CRD serves the scale subresource offers Scale.
        QTest::newRow("Rollout (CRD with scale)") << "rollouts" << "shop/storefront"
                                                  << QStringList{"abort", "delete", "edit", "history", "logs", "promote", "promote-full",
                                                                 "restart", "retry", "scale"};
    }

    void menusOfferWhatEachKindCan()
    {
        QFETCH(QString, kind);
        QFETCH(QString, key);
        QFETCH(QStringList, ids);
        QMenu *menu = menuOf(kind, key);
        QVERIFY2(menu, qPrintable(kind));
        QCOMPARE(offerIds(menu), ids);
        delete menu;
    }

    void pagesOpenThroughTheNavigatorAndAreRaisedNotRebuilt()
    {
        widgets::shell::Navigator *nav = m_window->navigator();
        for (const widgets::shell::PageType &type : m_console.shell.pages.types()) {
            if (!type.singleton)
                continue;
            widgets::shell::Page *first = m_window->openPage(type.id);
            QVERIFY2(first, qPrintable(type.id));
            QCOMPARE(m_window->pageTabs()->currentWidget(), first);
            const int built = nav->pagesBuilt();
            const int tabs = m_window->pageTabs()->count();
            m_window->openPage(QStringLiteral("resources"));
            QCOMPARE(m_window->openPage(type.id), first);
            QCOMPARE(nav->pagesBuilt(), built);
            QCOMPARE(m_window->pageTabs()->count(), tabs);
            QCOMPARE(m_window->pageTabs()->currentWidget(), first);
        }
        // A per-object page: the key is computed from the arguments before anything is built.
        QVERIFY(m_page->jumpToKind(QStringLiteral("deploy")));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->deploymentModel()->rowOf(QStringLiteral("shop/frontend")) >= 0, 10000);
        const auto frontend = m_page->deploymentModel()->objectAt(m_page->deploymentModel()->rowOf(QStringLiteral("shop/frontend")));
        const QVariantMap args{{QStringLiteral("namespace"), QStringLiteral("shop")}, {QStringLiteral("name"), QStringLiteral("frontend")},
                               {QStringLiteral("workload"), true}, {QStringLiteral("object"), QVariant::fromValue(frontend)}};
        auto *logs = m_window->openPage(QStringLiteral("logs"), args);
        QVERIFY(qobject_cast<widgets::LogView *>(logs));
        QCOMPARE(logs->pageKey(), QStringLiteral("logs:workload:shop/frontend"));
        const int built = nav->pagesBuilt();
        QCOMPARE(m_window->openPage(QStringLiteral("logs"), args), logs);
        QCOMPARE(nav->pagesBuilt(), built);
        // Without an object it cannot open, and says so.
        QSignalSpy failed(nav, &widgets::shell::Navigator::openFailed);
        QVERIFY(!m_window->openPage(QStringLiteral("scaling")));
        QCOMPARE(failed.count(), 1);
        nav->close(logs);
        m_window->openPage(QStringLiteral("resources"));
    }

    void pagesLinkToEachOther()
    {
        // A deployment's menu opens its scaling page and its rollout history.
        QMenu *menu = menuOf(QStringLiteral("deploy"), QStringLiteral("shop/frontend"));
        QVERIFY(menu);
        menu->findChild<QAction *>(QStringLiteral("scaling"))->trigger();
        auto *scaling = qobject_cast<widgets::ScalingView *>(m_window->pageTabs()->currentWidget());
        QVERIFY(scaling);
        QCOMPARE(scaling->deploymentName(), QStringLiteral("frontend"));
        menu->findChild<QAction *>(QStringLiteral("history"))->trigger();
        auto *rollouts = qobject_cast<widgets::RolloutsView *>(m_window->pageTabs()->currentWidget());
        QVERIFY(rollouts);
        QTRY_COMPARE_WITH_TIMEOUT(rollouts->currentDeployment().name, QStringLiteral("frontend"), 15000);
        delete menu;
        // A StatefulSet's menu opens the merged logs of its pods.
        menu = menuOf(QStringLiteral("sts"), QStringLiteral("shop/redis"));
        QVERIFY(menu);
        menu->findChild<QAction *>(QStringLiteral("logs"))->trigger();
        auto *logs = qobject_cast<widgets::LogView *>(m_window->pageTabs()->currentWidget());
        QVERIFY(logs);
        QCOMPARE(logs->mode(), widgets::LogView::Mode::Workload);
        QTRY_VERIFY_WITH_TIMEOUT(logs->model()->rowCount() > 0, 15000);
        QVERIFY(logs->model()->index(0, 0).data().toString().startsWith(QStringLiteral("redis-")));
        delete menu;
        m_window->navigator()->close(logs);
        m_window->navigator()->close(scaling);
        m_window->openPage(QStringLiteral("resources"));
    }

    void readOnlyReachesEveryPage()
    {
        for (const widgets::shell::PageType &type : m_console.shell.pages.types())
            if (type.singleton)
                QVERIFY(m_window->openPage(type.id));
        m_window->readOnlyAction()->setChecked(true);
        for (widgets::shell::Page *page : m_window->navigator()->pages())
            QVERIFY2(page->readOnlyReason().contains(QStringLiteral("read-only")), qPrintable(page->pageKey()));
        // And the menus say why nothing may change.
        QMenu *menu = menuOf(QStringLiteral("sts"), QStringLiteral("shop/redis"));
        QVERIFY(menu);
        QAction *scale = menu->findChild<QAction *>(QStringLiteral("scale"));
        QVERIFY(!scale->isEnabled());
        QVERIFY2(scale->toolTip().contains(QStringLiteral("read-only")), qPrintable(scale->toolTip()));
        delete menu;
        m_window->readOnlyAction()->setChecked(false);
        for (widgets::shell::Page *page : m_window->navigator()->pages())
            QVERIFY(page->readOnlyReason().isEmpty());
        m_window->openPage(QStringLiteral("resources"));
    }

    void scaleAStatefulSet()
    {
        m_window->actionRunner()->setNumberHandler([](const QString &, int current) {
            return current == 2 ? std::optional<int>(3) : std::nullopt;
        });
        const QString outcome = runFromMenu(QStringLiteral("sts"), QStringLiteral("shop/redis"), QStringLiteral("scale"));
        QVERIFY2(outcome.contains(QStringLiteral("done")), qPrintable(outcome));
        QCOMPARE(m_confirmations.last(), QStringLiteral("Scale statefulsets.apps shop/redis in context sim-admin: replicas 2 → 3"));
        QTRY_VERIFY_WITH_TIMEOUT(m_sim->get("/apis/apps/v1/namespaces/shop/statefulsets/redis").json()["status"].value("readyReplicas", 0) == 3, 20000);
        QVERIFY(m_sim->get("/api/v1/namespaces/shop/pods/redis-2").status == 200);
        QVERIFY2(auditText().contains("\"action\":\"scale\"") && auditText().contains("statefulsets.apps shop/redis"), auditText().constData());
    }

    void restartADaemonSet()
    {
        const QString outcome = runFromMenu(QStringLiteral("ds"), QStringLiteral("shop/log-shipper"), QStringLiteral("restart"));
        QVERIFY2(outcome.contains(QStringLiteral("done")), qPrintable(outcome));
        QVERIFY(m_confirmations.last().startsWith(QStringLiteral("Restart daemonsets.apps shop/log-shipper in context sim-admin")));
        const Json ds = m_sim->get("/apis/apps/v1/namespaces/shop/daemonsets/log-shipper").json();
        QVERIFY(ds["spec"]["template"]["metadata"]["annotations"].contains("kubectl.kubernetes.io/restartedAt"));
        // Every pod is replaced by one of the new template, one per node.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const Json s = m_sim->get("/apis/apps/v1/namespaces/shop/daemonsets/log-shipper").json()["status"];
                return s.value("updatedNumberScheduled", 0) == 2 && s.value("numberReady", 0) == 2;
            }(),
            20000);
        QVERIFY(auditText().contains("daemonsets.apps shop/log-shipper"));
    }

    void triggerACronJob()
    {
        const QString outcome = runFromMenu(QStringLiteral("cronjobs"), QStringLiteral("shop/nightly-report"), QStringLiteral("trigger"));
        QVERIFY2(outcome.contains(QStringLiteral("done")), qPrintable(outcome));
        // A Job from the template, owned by the CronJob, runs to completion.
        Json job;
        const bool found = QTest::qWaitFor(
            [&] {
                const Json jobs = m_sim->get("/apis/batch/v1/namespaces/shop/jobs").json();
                for (const Json &j : jobs["items"])
                    if (j["metadata"]["name"].get<std::string>().rfind("nightly-report-manual-", 0) == 0)
                        job = j;
                return !job.is_null();
            },
            10000);
        QVERIFY2(found, m_sim->get("/apis/batch/v1/namespaces/shop/jobs").json().dump().c_str());
        QCOMPARE(QString::fromStdString(job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"].get<std::string>()), QStringLiteral("manual"));
        QCOMPARE(QString::fromStdString(job["metadata"]["ownerReferences"][0]["kind"].get<std::string>()), QStringLiteral("CronJob"));
        const std::string path = "/apis/batch/v1/namespaces/shop/jobs/" + job["metadata"]["name"].get<std::string>();
        QTRY_VERIFY_WITH_TIMEOUT(m_sim->get(path).json()["status"].value("succeeded", 0) == 1, 30000);
        QVERIFY(auditText().contains("cronjobs.batch shop/nightly-report"));
    }

    // The object changed between the menu and the click (here: a label by another client, as a
    // controller's status write would): the 409 is not the end; the object is read again and the
    // operator asked again with what changed, and the second answer is sent.
    void aChangedObjectIsReadAgainAndAskedAgain()
    {
        QMenu *menu = menuOf(QStringLiteral("ds"), QStringLiteral("shop/log-shipper"));
        QVERIFY(menu);
        QAction *restart = menu->findChild<QAction *>(QStringLiteral("restart"));
        QVERIFY(restart && restart->isEnabled());
        QCOMPARE(m_sim->request("PATCH", "/apis/apps/v1/namespaces/shop/daemonsets/log-shipper", R"({"metadata":{"labels":{"touched":"yes"}}})",
                                "application/merge-patch+json")
                     .status,
                 200);
        const int before = m_confirmations.size();
        QSignalSpy finished(m_window->actionRunner(), &widgets::shell::ActionRunner::finished);
        restart->trigger();
        delete menu;
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 15000);
        QVERIFY2(finished.at(0).at(0).toString().contains(QStringLiteral("changed since you looked")), qPrintable(finished.at(0).at(0).toString()));
        QVERIFY2(finished.at(1).at(1).toBool(), qPrintable(finished.at(1).at(0).toString()));
        QCOMPARE(m_confirmations.size(), before + 2);
        QVERIFY2(m_confirmations.last().startsWith(QStringLiteral("shop/log-shipper changed since you looked at it (resourceVersion ")),
                 qPrintable(m_confirmations.last()));
    }

    void cordonANode()
    {
        const QString outcome = runFromMenu(QStringLiteral("nodes"), QStringLiteral("node-2"), QStringLiteral("cordon"));
        QVERIFY2(outcome.contains(QStringLiteral("done")), qPrintable(outcome));
        QCOMPARE(m_sim->get("/api/v1/nodes/node-2").json()["spec"].value("unschedulable", false), true);
        // The scheduler leaves it alone: new pods go to node-1.
        for (int i = 0; i < 3; ++i) {
            Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "after-cordon-" + std::to_string(i)}}},
                        {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
            QCOMPARE(m_sim->request("POST", "/api/v1/namespaces/shop/pods", pod.dump()).status, 201);
        }
        for (int i = 0; i < 3; ++i) {
            const std::string path = "/api/v1/namespaces/shop/pods/after-cordon-" + std::to_string(i);
            QTRY_VERIFY_WITH_TIMEOUT(!m_sim->get(path).json()["spec"].value("nodeName", std::string()).empty(), 10000);
            QCOMPARE(QString::fromStdString(m_sim->get(path).json()["spec"]["nodeName"].get<std::string>()), QStringLiteral("node-1"));
        }
        QVERIFY(auditText().contains("\"action\":\"cordon\""));
        // Once the table has the cordoned node, cordon is no longer offered; uncordon is.
        QVERIFY(m_page->jumpToKind(QStringLiteral("nodes")));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->currentModel()->objectAt(m_page->currentModel()->rowOf(QStringLiteral("node-2")))->json().contains("\"unschedulable\":true"),
                                 10000);
        QMenu *menu = menuOf(QStringLiteral("nodes"), QStringLiteral("node-2"));
        QVERIFY(menu);
        QVERIFY(!menu->findChild<QAction *>(QStringLiteral("cordon"))->isEnabled());
        QVERIFY(menu->findChild<QAction *>(QStringLiteral("uncordon"))->isEnabled());
        delete menu;
        QVERIFY(runFromMenu(QStringLiteral("nodes"), QStringLiteral("node-2"), QStringLiteral("uncordon")).contains(QStringLiteral("done")));
        QCOMPARE(m_sim->get("/api/v1/nodes/node-2").json()["spec"].value("unschedulable", false), false);
    }

    // Kinds the page does not watch still show how many objects they have (a limit=1 list each,
    // counted on the session's worker), as Lens's sidebar does.
    void sidebarCountsKindsThatAreNotWatched()
    {
        const std::string scope = m_console.session->namespaceScope().toStdString();
        const std::string path = scope.empty() ? "/api/v1/services" : "/api/v1/namespaces/" + scope + "/services";
        const auto inSim = [&] { return static_cast<int>(m_sim->get(path).json()["items"].size()); };
        const auto shown = [&] {
            const QModelIndex i = m_page->kindTreeModel()->indexOf(QStringLiteral("services"));
            return i.siblingAtColumn(models::KindTreeModel::CountColumn).data();
        };
        QVERIFY(inSim() > 0);
        QTRY_COMPARE_WITH_TIMEOUT(shown(), QVariant(inSim()), 10000);
    }

    // A big list reports its progress in the status bar until it is done.
    void listProgressShowsInTheStatusBar()
    {
        auto *label = m_window->findChild<QLabel *>(QStringLiteral("listProgress"));
        QVERIFY(label);
        QVERIFY(!label->isVisible());
        Q_EMIT m_console.session->listProgress(QStringLiteral("pods"), 35000, 100000);
        QVERIFY(label->isVisible());
        QCOMPARE(label->text(), QStringLiteral("Listing pods %1 of %2…").arg(QLocale().toString(35000), QLocale().toString(100000)));
        Q_EMIT m_console.session->listProgress(QStringLiteral("secrets"), 500, -1);
        QVERIFY(label->text().contains(QStringLiteral("secrets 500")));
        Q_EMIT m_console.session->listProgress(QStringLiteral("pods"), 100000, 100000);
        Q_EMIT m_console.session->listProgress(QStringLiteral("secrets"), 700, 700);
        QVERIFY(!label->isVisible());
    }

    void paletteFindsAnObjectAndOpensIt()
    {
        m_window->openPage(QStringLiteral("rollouts"));
        m_window->openPalette();
        widgets::shell::CommandPalette *palette = m_window->palette();
        QTRY_VERIFY(palette->isVisible());
        QTest::keyClicks(palette->input(), QStringLiteral("frontend"));
        // The Deployment named exactly so ranks first.
        QCOMPARE(palette->model()->index(0, 0).data().toString(), QStringLiteral("frontend"));
        QTest::keyClick(palette->input(), Qt::Key_Return);
        QVERIFY(!palette->isVisible());
        QCOMPARE(m_window->pageTabs()->currentWidget(), m_page);
        QTRY_COMPARE_WITH_TIMEOUT(m_page->selection().value(QStringLiteral("name")).toString(), QStringLiteral("frontend"), 5000);
        QCOMPARE(m_page->currentKind().plural, QStringLiteral("deployments"));
    }

    void palettePromotesAPausedRolloutFromTheKeyboard()
    {
        const std::string path = "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/storefront";
        QTRY_VERIFY_WITH_TIMEOUT(m_sim->get(path).json()["status"].value("phase", std::string()) == "Healthy", 30000);
        // The rail counts rollouts waiting for the operator with the Rollouts page closed.
        if (widgets::shell::Page *open = m_window->navigator()->pageOfType(QStringLiteral("rollouts")))
            m_window->navigator()->close(open);
        QVERIFY(!m_window->navigator()->pageOfType(QStringLiteral("rollouts")));
        QTRY_COMPARE_WITH_TIMEOUT(m_window->rail()->badge(QStringLiteral("rollouts")), 0, 10000);
        // The next release: blue-green waits with 170 as preview.
        QCOMPARE(m_sim->request("PATCH", path,
                                R"({"spec":{"template":{"spec":{"containers":[{"name":"storefront","image":"registry.pilothouse.dev/shop/storefront:170","ports":[{"name":"http","containerPort":8080}]}]}}}})",
                                "application/merge-patch+json")
                     .status,
                 200);
        QTRY_VERIFY_WITH_TIMEOUT(!m_sim->get(path).json()["status"].value("pauseConditions", Json::array()).empty(), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->rail()->badge(QStringLiteral("rollouts")), 1, 10000);
        // The browser shows the paused rollout, selected.
        QVERIFY(m_page->jumpToKind(QStringLiteral("rollouts")));
        m_window->openPage(QStringLiteral("resources"));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->selectObject(QStringLiteral("shop"), QStringLiteral("storefront")), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto object = m_page->selection().value(QStringLiteral("object")).value<backends::kube::KubeObjectPtr>();
                return object && object->json().contains("pauseConditions");
            }(),
            10000);
        const int before = m_confirmations.size();
        m_window->openPalette(QStringLiteral(">promote storefront"));
        widgets::shell::CommandPalette *palette = m_window->palette();
        QTRY_VERIFY(palette->isVisible());
        QCOMPARE(palette->model()->index(0, 0).data().toString(), QStringLiteral("Promote storefront"));
        QSignalSpy finished(m_window->actionRunner(), &widgets::shell::ActionRunner::finished);
        QTest::keyClick(palette->input(), Qt::Key_Return);
        // The rollout controller writes its status all the time: when that made the object the
        // operator saw stale, the promote was refused (409), read again and asked again, once.
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() && finished.last().at(1).toBool(), 15000);
        QVERIFY(finished.size() <= 2);
        if (finished.size() == 2) {
            QVERIFY2(finished.first().at(0).toString().contains(QStringLiteral("changed since you looked")), qPrintable(finished.first().at(0).toString()));
            QVERIFY(m_confirmations.last().contains(QStringLiteral("changed since you looked at it (resourceVersion")));
        }
        QCOMPARE(m_confirmations.size(), before + finished.size());
        QVERIFY2(m_confirmations.last().contains(QStringLiteral("rollouts.argoproj.io shop/storefront")), qPrintable(m_confirmations.last()));
        // The active Service switches to the new revision.
        QTRY_VERIFY_WITH_TIMEOUT(m_sim->get(path).json()["status"].value("pauseConditions", Json::array()).empty(), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->rail()->badge(QStringLiteral("rollouts")), 0, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_sim->get(path).json()["status"]["blueGreen"].value("activeSelector", std::string()) ==
                                     m_sim->get(path).json()["status"].value("currentPodHash", std::string()),
                                 20000);
        QVERIFY(auditText().contains("\"action\":\"promote\""));
    }

    // Last: a window closed and opened again on the same settings comes back as it was left.
    void windowRemembersPagesNamespacesAndTheLastPagePerContext()
    {
        m_window->openPage(QStringLiteral("gitops"));
        m_window->openPage(QStringLiteral("argocd"));
        m_window->selectNamespaces({QStringLiteral("shop")});
        widgets::shell::Page *rollouts = m_window->openPage(QStringLiteral("rollouts"));
        QVERIFY(rollouts);
        m_window->resize(1333, 777);
        m_window->close();  // saves the geometry and the open pages
        m_console.window.reset();

        auto again = m_console.shell.makeWindow(m_sim->kubeconfigPath());
        again->attachSession(m_console.session.get());
        again->show();
        QVERIFY(QTest::qWaitForWindowExposed(again.get()));
        QCOMPARE(again->size(), QSize(1333, 777));
        auto config = backends::kube::Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY(config.ok());
        again->showKubeconfig(config.value(), {});
        QStringList open;
        for (widgets::shell::Page *page : again->navigator()->pages())
            open << page->pageKey();
        open.sort();
        // graph, metrics and pipelines: opened by the rail test before (every singleton page of the registry).
        QCOMPARE(open, (QStringList{QStringLiteral("argocd"), QStringLiteral("gitops"), QStringLiteral("graph"), QStringLiteral("metrics"), QStringLiteral("pipelines"),
                                    QStringLiteral("resources"), QStringLiteral("rollouts")}));
        QCOMPARE(qobject_cast<widgets::shell::Page *>(again->pageTabs()->currentWidget())->pageKey(), QStringLiteral("rollouts"));
        QCOMPARE(again->selectedNamespaces(), QStringList{QStringLiteral("shop")});
        QCOMPARE(m_console.session->namespaceScope(), QStringLiteral("shop"));
        again.reset();
    }
};

QTEST_MAIN(TestShell)
#include "tst_shell.moc"
