// The rollouts view against pilothouse-sim: one-click promote of a blue-green rollout with its
// confirmation (the active service switches, the old revision scales down after its delay),
// rollback (undo) likewise, a change by another client between read and promote detected as a
// conflict and asked again; a Deployment's history, undo and the same conflict handling.
#include "actions/sessionactions.h"
#include "kube/auth/kubeconfig.h"
#include "connectedwindow.h"
#include "shell/navigationrail.h"
#include "resources/podtileswidget.h"
#include "rollouts/rolloutwatch.h"
#include "delivery/analysisrunmodel.h"
#include "delivery/rolloutlistmodel.h"
#include "delivery/rolloutrevisionmodel.h"
#include "delivery/rolloutsview.h"
#include "simprocess.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>
#include <QToolBar>
#include <QTreeView>

#include <curl/curl.h>

using namespace pilothouse;
using namespace pilothouse::testsupport;
using backends::rollouts::RolloutStatus;

namespace {
const char *kStorefront = "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/storefront";
const char *kWeb = "/apis/apps/v1/namespaces/history/deployments/web";

QString rolloutsScenario() { return sourceDir() + QStringLiteral("/tests/data/scenarios/rollouts.yaml"); }
}  // namespace

class TestRolloutsView : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    ConnectedWindow m_win;
    widgets::RolloutsView *m_view = nullptr;
    QStringList m_confirmations;
    std::function<bool(const QString &)> m_onConfirm;   // per test: what the operator answers

    // Clicks and waits for the action to end (the confirmation hook answers meanwhile).
    QString click(QPushButton *button)
    {
        QSignalSpy spy(m_view, &widgets::RolloutsView::actionFinished);
        button->click();
        if (!spy.wait(30000))
            return QStringLiteral("<no outcome>");
        return spy.last().at(0).toString();
    }
    std::string json(const char *path, const std::vector<std::string> &keys) const
    {
        Json j = m_sim->get(path).json();
        for (const auto &k : keys) {
            if (!j.is_object() || !j.contains(k))
                return {};
            j = j[k];
        }
        return j.is_string() ? j.get<std::string>() : j.dump();
    }
    std::string storefrontImage() const
    {
        Json j = m_sim->get(kStorefront).json();
        return j["spec"]["template"]["spec"]["containers"][0]["image"].get<std::string>();
    }
    int replicaSetReplicas(const std::string &ns, const std::string &name) const
    {
        Json j = m_sim->get("/apis/apps/v1/namespaces/" + ns + "/replicasets/" + name).json();
        return j.is_object() && j.contains("spec") ? j["spec"].value("replicas", -1) : -1;
    }
    // The view shows `tag` waiting in preview with both pods ready, and Promote is enabled (the
    // view redraws on a short timer after the watch's change).
    // ... and the view shows the version the server holds: the controller has written what it
    // writes after the pods came up (a click before that meets a conflict, rightly).
    bool waitPromotable(const QString &tag)
    {
        return eventually([&] {
            const auto i = m_view->currentRollout();
            return i.status == RolloutStatus::Paused && i.previewRevision() && i.previewRevision()->readyPods() == 2 &&
                   i.previewRevision()->label().contains(tag) && m_view->promoteButton()->isEnabled() && m_view->previewTiles()->tileCount() == 2 &&
                   i.resourceVersion.toStdString() == json(kStorefront, {"metadata", "resourceVersion"});
        }, 30000);
    }
    QString state() const
    {
        const auto info = m_view->currentRollout();
        return QStringLiteral("status %1 (%2); active %3; preview %4; status line '%5'; problem '%6'")
            .arg(backends::rollouts::rolloutStatusName(info.status), info.message,
                 info.activeRevision() ? info.activeRevision()->label() : QStringLiteral("-"),
                 info.previewRevision() ? info.previewRevision()->label() : QStringLiteral("-"), m_view->statusText(), m_view->watch()->problem());
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--pod-start-ms"), QStringLiteral("200"), QStringLiteral("--pod-ready-ms"),
                                                         QStringLiteral("300"), QStringLiteral("--pod-stop-ms"), QStringLiteral("200")},
                                             rolloutsScenario());
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        // A Deployment of our own for the history tests, in a namespace nobody else uses.
        QCOMPARE(m_sim->request("POST", "/api/v1/namespaces", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"history"}})").status, 201);
        const Json web = {{"apiVersion", "apps/v1"},
                          {"kind", "Deployment"},
                          {"metadata", {{"name", "web"}, {"namespace", "history"}}},
                          {"spec",
                           {{"replicas", 1},
                            {"selector", {{"matchLabels", {{"app", "web"}}}}},
                            {"template",
                             {{"metadata", {{"labels", {{"app", "web"}}}}},
                              {"spec", {{"containers", Json::array({{{"name", "web"}, {"image", "nginx:1.24"}}})}}}}}}}};
        QCOMPARE(m_sim->request("POST", "/apis/apps/v1/namespaces/history/deployments", web.dump()).status, 201);

        QVERIFY2(m_win.open(m_sim->kubeconfigPath(), &error), qPrintable(error));
        QVERIFY(eventually([&] { return m_win.session->state() == backends::kube::KubeSession::ConnectionState::Live; }, 20000));
        // The rail's Rollouts entry opens the page.
        Q_EMIT m_win.window->rail()->pageActivated(QStringLiteral("rollouts"));
        m_view = m_win.window->findChild<widgets::RolloutsView *>(QStringLiteral("rolloutsView"));
        QVERIFY(m_view);
        QCOMPARE(m_win.window->pageTabs()->currentWidget(), m_view);
        m_view->setConfirmHandler([this](const QString &text) {
            m_confirmations << text;
            return m_onConfirm ? m_onConfirm(text) : true;
        });
        QVERIFY2(eventually([&] { return m_view->watch()->isSynced(); }, 20000), qPrintable(m_view->watch()->problem()));
    }

    void cleanupTestCase()
    {
        m_win.close();
        m_sim.reset();
    }

    void init()
    {
        m_confirmations.clear();
        m_onConfirm = {};
    }

    void deploymentHistoryAndUndo()
    {
        // A second revision by another client.
        QCOMPARE(m_sim->request("PATCH", kWeb, R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.25"}]}}}})",
                                "application/strategic-merge-patch+json")
                     .status,
                 200);
        QVERIFY(eventually([&] { return m_view->select(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web")); }, 20000));
        QVERIFY2(eventually([&] { return m_view->currentDeployment().revisions.size() == 2 && m_view->currentDeployment().currentRevision == 2; }, 20000),
                 qPrintable(m_view->headerText()));
        QVERIFY(!m_view->promoteButton()->isEnabled());
        QCOMPARE(m_view->promoteButton()->toolTip(), QStringLiteral("A Deployment has no promotion: it rolls out by itself"));
        QVERIFY(eventually([&] { return m_view->rollbackButton()->isEnabled(); }));
        QVERIFY2(m_view->rollbackButton()->toolTip().contains(QStringLiteral("revision 1 (nginx:1.24)")), qPrintable(m_view->rollbackButton()->toolTip()));
        QCOMPARE(m_view->historyTree()->model()->rowCount(), 2);
        QCOMPARE(m_view->historyTree()->model()->index(0, models::RolloutRevisionModel::RevisionColumn).data().toString(), QStringLiteral("2"));

        const QString outcome = click(m_view->rollbackButton());
        QVERIFY2(outcome.contains(QStringLiteral("done")), qPrintable(outcome));
        QVERIFY(!m_confirmations.isEmpty());
        QVERIFY2(m_confirmations.last().startsWith(QStringLiteral("Undo deployments.apps history/web in context ")), qPrintable(m_confirmations.last()));
        QVERIFY(m_confirmations.last().contains(QStringLiteral("spec.template ← revision 1 (nginx:1.24): image nginx:1.25 → nginx:1.24")));
        // What kubectl rollout undo leaves: the old template back, a new revision number for it.
        Json d = m_sim->get(kWeb).json();
        QCOMPARE(QString::fromStdString(d["spec"]["template"]["spec"]["containers"][0]["image"].get<std::string>()), QStringLiteral("nginx:1.24"));
        QVERIFY(!d["spec"]["template"]["metadata"]["labels"].contains("pod-template-hash"));
        QVERIFY2(eventually([&] { return m_view->currentDeployment().currentRevision == 3; }, 20000), qPrintable(m_view->headerText()));
        // The audit log has the line.
        QFile audit(m_win.auditPath());
        QVERIFY(audit.open(QIODevice::ReadOnly));
        QVERIFY(audit.readAll().contains("\"action\":\"undo\""));
    }

    // Undo's precondition is the template the operator saw: a new image by another client between
    // read and confirmation fails it, the view re-reads, shows what changed and asks again.
    void deploymentChangedBetweenReadAndUndoAsksAgain()
    {
        QVERIFY(m_view->select(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web")));
        QVERIFY(eventually([&] { return m_view->rollbackButton()->isEnabled(); }));
        const auto setImage = [this](const char *image) {
            const Json patch = {{"spec", {{"template", {{"spec", {{"containers", Json::array({{{"name", "web"}, {"image", image}}})}}}}}}}};
            return m_sim->request("PATCH", kWeb, patch.dump(), "application/strategic-merge-patch+json").status;
        };
        int asked = 0;
        m_onConfirm = [&](const QString &) {
            if (++asked == 1 && setImage("nginx:1.26") != 200)
                qWarning("another client could not change the deployment");
            return true;
        };
        const QString outcome = click(m_view->rollbackButton());
        QVERIFY2(asked == 2, qPrintable(QStringLiteral("asked %1 times; outcome: %2").arg(asked).arg(outcome)));
        QVERIFY2(m_confirmations[1].startsWith(QStringLiteral("Someone else changed deployments.apps history/web since you read it")),
                 qPrintable(m_confirmations[1]));
        QVERIFY2(m_confirmations[1].contains(QStringLiteral("image nginx:1.24 → nginx:1.26")), qPrintable(m_confirmations[1]));
        QVERIFY2(m_confirmations[1].contains(QStringLiteral("image nginx:1.26 → ")), qPrintable(m_confirmations[1]));
        QVERIFY2(outcome.contains(QStringLiteral("done")), qPrintable(outcome));
        QVERIFY(!QString::fromStdString(m_sim->get(kWeb).body).contains(QStringLiteral("nginx:1.26")));

        // Declined the second time: nothing is sent, the other client's change stays.
        asked = 0;
        m_confirmations.clear();
        QVERIFY(eventually([&] { return m_view->rollbackButton()->isEnabled(); }));
        m_onConfirm = [&](const QString &) {
            if (++asked == 1)
                setImage("nginx:1.27");
            return asked == 1;
        };
        const QString declined = click(m_view->rollbackButton());
        QCOMPARE(asked, 2);
        QVERIFY2(declined.contains(QStringLiteral("cancelled")), qPrintable(declined));
        QCOMPARE(QString::fromStdString(m_sim->get(kWeb).json()["spec"]["template"]["spec"]["containers"][0]["image"].get<std::string>()),
                 QStringLiteral("nginx:1.27"));
    }

    // While an action waits for the confirmation the list is locked; a selection changed anyway
    // (programmatically) does not move the action: the re-read after the conflict, the second
    // question and the patch are all about the object the operator first confirmed.
    void selectionChangeDuringAnActionKeepsItsTarget()
    {
        QVERIFY(m_view->select(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web")));
        QVERIFY(eventually([&] { return m_view->rollbackButton()->isEnabled(); }));
        const std::string storefrontBefore = m_sim->get(kStorefront).json()["spec"]["template"].dump();
        int asked = 0;
        bool listLocked = false;
        bool reselected = false;
        m_onConfirm = [&](const QString &) {
            if (++asked == 1) {
                listLocked = !m_view->list()->isEnabled();
                const Json patch = {{"spec", {{"template", {{"spec", {{"containers", Json::array({{{"name", "web"}, {"image", "nginx:1.28"}}})}}}}}}}};
                m_sim->request("PATCH", kWeb, patch.dump(), "application/strategic-merge-patch+json");
                reselected = m_view->select(QStringLiteral("Rollout"), QStringLiteral("shop"), QStringLiteral("storefront"));
            }
            return true;
        };
        const QString outcome = click(m_view->rollbackButton());
        QVERIFY(listLocked);
        QVERIFY(reselected);
        QCOMPARE(m_view->selectedKind(), QStringLiteral("Rollout"));
        QVERIFY2(asked == 2, qPrintable(outcome));
        QVERIFY2(m_confirmations[1].startsWith(QStringLiteral("Someone else changed deployments.apps history/web since you read it")),
                 qPrintable(m_confirmations[1]));
        QVERIFY2(m_confirmations[1].contains(QStringLiteral("Undo deployments.apps history/web in context")), qPrintable(m_confirmations[1]));
        QVERIFY2(outcome.contains(QStringLiteral("done")) && outcome.contains(QStringLiteral("history/web")), qPrintable(outcome));
        QVERIFY(!QString::fromStdString(m_sim->get(kWeb).body).contains(QStringLiteral("nginx:1.28")));
        QCOMPARE(m_sim->get(kStorefront).json()["spec"]["template"].dump(), storefrontBefore);
        QVERIFY(m_view->list()->isEnabled());
    }

    // A 422 on an undo whose template test passed is the server refusing the new template, not a
    // conflict (the resourceVersion differs anyway: here another client touched an annotation):
    // it is reported with the server's message, not asked again.
    void refusedUndoIsReportedNotAskedAgain()
    {
        QVERIFY(m_view->select(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web")));
        const Json web = m_sim->get(kWeb).json();
        // A revision whose template does not match the Deployment's selector: the server refuses it.
        // The ReplicaSet itself carries the Deployment's labels, as its controller finds its own.
        const Json rs = {{"apiVersion", "apps/v1"},
                         {"kind", "ReplicaSet"},
                         {"metadata",
                          {{"name", "web-odd"},
                           {"namespace", "history"},
                           {"labels", {{"app", "web"}}},
                           {"annotations", {{"deployment.kubernetes.io/revision", "99"}}},
                           {"ownerReferences",
                            Json::array({{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}, {"uid", web["metadata"]["uid"]}, {"controller", true}}})}}},
                         {"spec",
                          {{"replicas", 0},
                           {"selector", {{"matchLabels", {{"app", "web-odd"}}}}},
                           {"template",
                            {{"metadata", {{"labels", {{"app", "web-odd"}}}}},
                             {"spec", {{"containers", Json::array({{{"name", "web"}, {"image", "nginx:1.20"}}})}}}}}}}};
        QCOMPARE(m_sim->request("POST", "/apis/apps/v1/namespaces/history/replicasets", rs.dump()).status, 201);
        QVERIFY2(eventually([&] { return m_view->currentDeployment().revisionByNumber(99) != nullptr; }, 20000), qPrintable(m_view->headerText()));
        const std::string templateBefore = m_sim->get(kWeb).json()["spec"]["template"].dump();
        int asked = 0;
        m_onConfirm = [&](const QString &) {
            if (++asked == 1)  // the resourceVersion moves on, the template does not
                m_sim->request("PATCH", kWeb, R"({"metadata":{"annotations":{"touched-by":"someone-else"}}})", "application/merge-patch+json");
            return true;
        };
        QSignalSpy spy(m_view, &widgets::RolloutsView::actionFinished);
        m_view->undoTo(99);
        QVERIFY(spy.wait(30000));
        const QString outcome = spy.last().at(0).toString();
        QVERIFY2(asked == 1, qPrintable(outcome));
        QVERIFY2(outcome.startsWith(QStringLiteral("Undo deployments.apps history/web refused: ")), qPrintable(outcome));
        QVERIFY2(outcome.contains(QStringLiteral("does not match template")), qPrintable(outcome));
        // Server-supplied text (here with backquotes and braces; it could hold markup) is shown as plain text.
        for (const char *name : {"rolloutStatusLine", "rolloutMessage", "rolloutHeader", "rolloutsProblem"}) {
            auto *label = m_view->findChild<QLabel *>(QLatin1String(name));
            QVERIFY2(label && label->textFormat() == Qt::PlainText, name);
        }
        QCOMPARE(m_view->statusText(), outcome);
        QCOMPARE(m_sim->get(kWeb).json()["spec"]["template"].dump(), templateBefore);
        QCOMPARE(m_sim->request("DELETE", "/apis/apps/v1/namespaces/history/replicasets/web-odd").status, 200);
        QVERIFY(eventually([&] { return m_view->currentDeployment().revisionByNumber(99) == nullptr; }, 20000));
    }

    // The list is a keyed model: live updates keep the selection; the keyboard moves it. The
    // selected object's detail (panes, revision and analysis models, the actions) is derived once
    // per change of that object's inputs: a snapshot that brings other objects' changes leaves it
    // as it is, and permission answers only enable or disable what was derived.
    void detailDerivedOncePerChangeOfItsObject()
    {
        using models::RolloutListModel;
        const QString web = QStringLiteral("Deployment:history/web");
        QVERIFY(eventually([&] { return m_view->select(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web")); }, 20000));
        // Shown with its ReplicaSets (the focus namespace's snapshot arrived), and done rolling out
        // (earlier tests leave it moving): its inputs stand still unless this test changes them.
        QVERIFY2(eventually([&] {
                     const auto d = m_view->currentDeployment();
                     if (d.revisions.isEmpty() || d.ready != d.desired || d.available != d.desired || d.updated != d.desired)
                         return false;
                     for (const auto &r : d.revisions)
                         if (r.revision != d.currentRevision && !r.pods.isEmpty())
                             return false;
                     return m_view->historyModel()->rowCount() == d.revisions.size();
                 }, 30000),
                 qPrintable(m_view->headerText()));
        struct Seen {
            QString version;
            int derivations;
        };
        QList<Seen> seen;
        // Connected after the view's own handler: each entry is what the view made of that snapshot.
        // The context object ends the connection with the test, whatever way it returns.
        QObject context;
        connect(m_view->watch(), &backends::rollouts::RolloutWatch::changed, &context,
                [&] { seen << Seen{m_view->watch()->snapshot().versions.value(web), m_view->detailDerivations()}; });
        auto patchAnnotation = [this](const char *path, const char *value) {
            const Json patch = {{"metadata", {{"annotations", {{"touched-by", value}}}}}};
            const HttpReply reply = m_sim->request("PATCH", path, patch.dump(), "application/merge-patch+json");
            return reply.status == 200 ? QString::fromStdString(reply.json()["metadata"]["resourceVersion"].get<std::string>()) : QString();
        };
        // Another object changes, twice: snapshots arrive, the list row of web stays selected.
        for (const char *value : {"unrelated-1", "unrelated-2"}) {
            const QString rv = patchAnnotation(kStorefront, value);
            QVERIFY(!rv.isEmpty());
            QVERIFY(eventually([&] { return m_view->watch()->snapshot().rollouts.value(QStringLiteral("shop/storefront")).resourceVersion == rv; }, 20000));
        }
        QCOMPARE(m_view->list()->currentIndex().data(RolloutListModel::KeyRole).toString(), web);
        QVERIFY(m_view->list()->selectionModel()->isRowSelected(m_view->list()->currentIndex().row(), {}));
        // web itself changes: its detail is derived again.
        const QString before = m_view->watch()->snapshot().versions.value(web);
        QVERIFY(!patchAnnotation(kWeb, "itself").isEmpty());
        QVERIFY(eventually([&] { return m_view->watch()->snapshot().versions.value(web) != before; }, 20000));
        QObject::disconnect(m_view->watch(), nullptr, &context, nullptr);
        bool unchangedSeen = false, changedSeen = false;
        for (int i = 1; i < seen.size(); ++i) {
            if (seen[i].version == seen[i - 1].version) {
                QCOMPARE(seen[i].derivations, seen[i - 1].derivations);
                unchangedSeen = true;
            } else {
                QVERIFY(seen[i].derivations > seen[i - 1].derivations);
                changedSeen = true;
            }
        }
        QStringList trace;
        for (const Seen &x : seen)
            trace << QStringLiteral("%1 derivations at %2").arg(x.derivations).arg(x.version.left(60));
        QVERIFY2(unchangedSeen && changedSeen, qPrintable(trace.join(QStringLiteral("; "))));

        // The keyboard: Home selects the first row (a Rollout: they come first) and shows it.
        QTest::keyClick(m_view->list(), Qt::Key_Home);
        QCOMPARE(m_view->selectedKind(), QStringLiteral("Rollout"));
        QCOMPARE(m_view->list()->currentIndex().row(), 0);
        QVERIFY2(m_view->headerText().startsWith(m_view->list()->currentIndex().data(RolloutListModel::NamespaceRole).toString() + QLatin1Char('/')),
                 qPrintable(m_view->headerText()));
        QVERIFY(m_view->select(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web")));
        QCOMPARE(m_view->selectedKey(), QStringLiteral("history/web"));
    }

    // The selected object's ReplicaSets and pods are watched by its selector, not every one of its
    // namespace; selecting another object moves the watch.
    void theFocusIsWatchedByItsSelector()
    {
        using backends::kube::WatchSpec;
        auto informers = [this] {
            QList<WatchSpec> specs;
            bool done = false;
            m_win.session->countInformers(this, [&](int, const QList<WatchSpec> &active) {
                specs = active;
                done = true;
            });
            if (!QTest::qWaitFor([&] { return done; }, 5000))
                qFatal("the session did not answer countInformers");
            return specs;
        };
        // The view's pods and ReplicaSets informers (not the browser's summary-only ones).
        auto focusWatches = [&] {
            QStringList out;
            for (const WatchSpec &s : informers())
                if (!s.summaryOnly && (s.resource.plural == QLatin1String("pods") || s.resource.plural == QLatin1String("replicasets")))
                    out << s.resource.plural + QLatin1Char(' ') + s.ns + QLatin1Char(' ') + s.labelSelector;
            out.sort();
            return out;
        };
        QVERIFY(eventually([&] { return m_view->select(QStringLiteral("Rollout"), QStringLiteral("shop"), QStringLiteral("storefront")); }, 20000));
        QVERIFY(eventually([&] { return m_view->watch()->isSynced() && m_view->watch()->focusCurrent(); }, 20000));
        QStringList watched;
        QVERIFY2(eventually([&] {
                     watched = focusWatches();
                     return watched == QStringList{QStringLiteral("pods shop app=storefront"), QStringLiteral("replicasets shop app=storefront")};
                 }, 10000),
                 qPrintable(watched.join(QStringLiteral("; "))));
        QVERIFY(!m_view->currentRollout().revisions.isEmpty());

        QVERIFY(m_view->select(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web")));
        QVERIFY2(eventually([&] {
                     watched = focusWatches();
                     return watched == QStringList{QStringLiteral("pods history app=web"), QStringLiteral("replicasets history app=web")};
                 }, 10000),
                 qPrintable(watched.join(QStringLiteral("; "))));
        QVERIFY(eventually([&] { return m_view->watch()->focusCurrent() && !m_view->currentDeployment().revisions.isEmpty(); }, 20000));
        // The storefront Rollout, no longer in focus, keeps its row but not its children.
        QVERIFY(m_view->watch()->snapshot().rollouts.value(QStringLiteral("shop/storefront")).revisions.isEmpty());
    }

    // Analysis rows open as they arrive, and are drawn open (the row below a metric is its first
    // measurement): a run created without a status, its metric, its measurements; a whole run at
    // once; a row the operator closed stays closed.
    void analysisRowsOpenAsTheyArrive()
    {
        using backends::rollouts::AnalysisRunInfo;
        widgets::RolloutsView view(nullptr);
        view.resize(1000, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTreeView *tree = view.analysisTree();
        tree->parentWidget()->show();  // the Analysis runs box, as for a selected canary
        QApplication::processEvents();
        AnalysisRunInfo run;
        run.name = QStringLiteral("menu-5fcbfcc8c8-2-1");
        run.revision = 2;
        run.phase = QStringLiteral("Running");
        backends::rollouts::Measurement m;
        m.startedAt = QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC);
        m.phase = QStringLiteral("Successful");
        m.value = QStringLiteral("[0.99]");
        auto setRuns = [&](const QList<AnalysisRunInfo> &runs) {
            view.analysisModel()->setRuns(runs);
            QApplication::processEvents();  // laid out between snapshots, as on screen
        };
        auto shownBelow = [&](const QModelIndex &index) { return tree->indexBelow(index).siblingAtColumn(0); };

        setRuns({run});
        run.metrics.resize(1);
        run.metrics[0].name = QStringLiteral("success-rate");
        run.metrics[0].phase = QStringLiteral("Running");
        setRuns({run});
        const QPersistentModelIndex runIndex = tree->model()->index(0, 0);
        const QPersistentModelIndex metric = tree->model()->index(0, 0, runIndex);
        QCOMPARE(shownBelow(runIndex), QModelIndex(metric));
        run.metrics[0].measurements << m;
        setRuns({run});
        QCOMPARE(tree->model()->rowCount(metric), 1);
        QCOMPARE(shownBelow(metric), tree->model()->index(0, 0, metric));

        // A newer run with its metric and measurements in one snapshot: all of it shown.
        AnalysisRunInfo newer = run;
        newer.name = QStringLiteral("menu-7a1b2c3d4e-3-1");
        newer.revision = 3;
        setRuns({newer, run});
        const QModelIndex newerMetric = tree->model()->index(0, 0, tree->model()->index(0, 0));
        QCOMPARE(shownBelow(tree->model()->index(0, 0)), newerMetric);
        QCOMPARE(shownBelow(newerMetric), tree->model()->index(0, 0, newerMetric));

        // Closed by the operator: a second measurement does not open it again.
        tree->collapse(metric);
        m.startedAt = m.startedAt.addSecs(30);
        run.metrics[0].measurements << m;
        setRuns({newer, run});
        QCOMPARE(tree->model()->rowCount(metric), 2);
        QVERIFY(!tree->isExpanded(metric));
    }

    // The toolbar's Read-only toggle disables every action of the view with the reason.
    void readOnlyContextDisablesEverything()
    {
        QVERIFY(m_view->select(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web")));
        QVERIFY(eventually([&] { return m_view->rollbackButton()->isEnabled(); }));
        m_win.window->readOnlyAction()->setChecked(true);
        QVERIFY(!m_view->rollbackButton()->isEnabled());
        QVERIFY2(m_view->rollbackButton()->toolTip().contains(QStringLiteral("is read-only")), qPrintable(m_view->rollbackButton()->toolTip()));
        auto *restart = m_view->moreMenu()->findChild<QAction *>(QStringLiteral("restartAction"));
        QVERIFY(restart && !restart->isEnabled());
        m_win.window->readOnlyAction()->setChecked(false);
        QVERIFY(m_view->rollbackButton()->isEnabled());
        QVERIFY(restart->isEnabled());
    }

    void promoteBlueGreenWithOneClick()
    {
        QVERIFY(eventually([&] { return m_view->select(QStringLiteral("Rollout"), QStringLiteral("shop"), QStringLiteral("storefront")); }, 20000));
        QVERIFY2(eventually([&] { return m_view->currentRollout().status == RolloutStatus::Healthy && m_view->currentRollout().activeRevision(); }, 30000),
                 qPrintable(state()));
        QVERIFY(!m_view->promoteButton()->isEnabled());
        QVERIFY2(m_view->promoteButton()->toolTip().startsWith(QStringLiteral("Not paused")), qPrintable(m_view->promoteButton()->toolTip()));

        // A new version arrives (as the GitOps sync would apply it): it waits as preview.
        QCOMPARE(m_sim->request("PATCH", kStorefront,
                                R"({"spec":{"template":{"spec":{"containers":[{"name":"storefront","image":"registry.pilothouse.dev/shop/storefront:170","ports":[{"name":"http","containerPort":8080}]}]}}}})",
                                "application/merge-patch+json")
                     .status,
                 200);
        QVERIFY2(eventually([&] {
                     const auto info = m_view->currentRollout();
                     return info.status == RolloutStatus::Paused && info.previewRevision() && info.previewRevision()->readyPods() == 2;
                 }, 30000),
                 qPrintable(state()));
        const auto info = m_view->currentRollout();
        const QString oldHash = info.activeSelector;
        const QString newHash = info.previewSelector;
        const std::string oldRs = "storefront-" + oldHash.toStdString();
        // The view redraws on a short timer after the watch's change; the controller settles.
        QVERIFY2(waitPromotable(QStringLiteral("storefront:170")), qPrintable(m_view->promoteButton()->toolTip()));
        QVERIFY(m_view->activeText().contains(QStringLiteral("storefront:169")));
        QVERIFY(m_view->previewText().contains(QStringLiteral("storefront:170")));

        const QString outcome = click(m_view->promoteButton());
        QVERIFY2(outcome.contains(QStringLiteral("done")), qPrintable(outcome));
        QVERIFY2(m_confirmations.size() == 1, qPrintable(m_confirmations.join(QStringLiteral(" | "))));
        const QString expected = QStringLiteral("Promote rollouts.argoproj.io shop/storefront in context %1: active service storefront: revision %2 (storefront:169) → "
                                                "revision %3 (storefront:170); 2 pods of revision %2 scale down after 5 s")
                                     .arg(m_win.session->contextName())
                                     .arg(info.activeRevision()->revision)
                                     .arg(info.previewRevision()->revision);
        QCOMPARE(m_confirmations[0], expected);

        // End state in the sim: the active service selects the new pods; the old ones go after 5 s.
        QVERIFY(eventually([&] { return json("/api/v1/namespaces/shop/services/storefront", {"spec", "selector", "rollouts-pod-template-hash"}) == newHash.toStdString(); }, 20000));
        QCOMPARE(replicaSetReplicas("shop", oldRs), 2);  // still up during the scale-down delay
        // The history shows the old revision's countdown while it lasts.
        QVERIFY2(eventually([&] {
                     const models::RolloutRevisionModel *history = m_view->historyModel();
                     const int row = history->rowOfKey(QString::fromStdString(oldRs));
                     return row >= 0 && history->index(row, models::RolloutRevisionModel::ScaleDownColumn).data().toString().startsWith(QStringLiteral("in "));
                 }, 5000),
                 qPrintable(state()));
        QVERIFY2(eventually([&] { return replicaSetReplicas("shop", oldRs) == 0; }, 20000), qPrintable(state()));
        QVERIFY2(eventually([&] { return m_view->currentRollout().status == RolloutStatus::Healthy; }, 20000), qPrintable(state()));
        QVERIFY(!m_view->promoteButton()->isEnabled());
    }

    void rollbackBringsThePreviousVersionBack()
    {
        QVERIFY(m_view->select(QStringLiteral("Rollout"), QStringLiteral("shop"), QStringLiteral("storefront")));
        QVERIFY(eventually([&] { return m_view->rollbackButton()->isEnabled(); }, 20000));
        QVERIFY2(m_view->rollbackButton()->toolTip().contains(QStringLiteral("storefront:169")), qPrintable(m_view->rollbackButton()->toolTip()));
        const QString outcome = click(m_view->rollbackButton());
        QVERIFY2(outcome.contains(QStringLiteral("done")), qPrintable(outcome));
        QVERIFY2(m_confirmations.last().contains(QStringLiteral("image storefront:170 → storefront:169")), qPrintable(m_confirmations.last()));
        QCOMPARE(QString::fromStdString(storefrontImage()), QStringLiteral("registry.pilothouse.dev/shop/storefront:169"));
        // Without auto-promotion the old version comes up as preview and waits; promote brings it in.
        QVERIFY2(waitPromotable(QStringLiteral("storefront:169")), qPrintable(state()));
        const QString promoted = click(m_view->promoteButton());
        QVERIFY2(promoted.contains(QStringLiteral("done")), qPrintable(promoted));
        const QString hash = m_view->currentRollout().currentPodHash;
        QVERIFY(eventually([&] { return json("/api/v1/namespaces/shop/services/storefront", {"spec", "selector", "rollouts-pod-template-hash"}) == hash.toStdString(); }, 20000));
        QVERIFY2(eventually([&] { return m_view->activeText().contains(QStringLiteral("storefront:169")); }, 20000), qPrintable(state()));
    }

    // Abort and retry from the menu: abort keeps the stable revision active and leaves the
    // template naming the new version; retry takes the update up again.
    void abortKeepsStableActiveAndRetryResumes()
    {
        QVERIFY(m_view->select(QStringLiteral("Rollout"), QStringLiteral("shop"), QStringLiteral("storefront")));
        QVERIFY2(eventually([&] { return m_view->currentRollout().status == RolloutStatus::Healthy; }, 30000), qPrintable(state()));
        const QString stableHash = m_view->currentRollout().stableRS;
        QCOMPARE(m_sim->request("PATCH", kStorefront,
                                R"({"spec":{"template":{"spec":{"containers":[{"name":"storefront","image":"registry.pilothouse.dev/shop/storefront:172","ports":[{"name":"http","containerPort":8080}]}]}}}})",
                                "application/merge-patch+json")
                     .status,
                 200);
        QVERIFY2(waitPromotable(QStringLiteral("storefront:172")), qPrintable(state()));
        auto *abort = m_view->moreMenu()->findChild<QAction *>(QStringLiteral("abortAction"));
        auto *retry = m_view->moreMenu()->findChild<QAction *>(QStringLiteral("retryAction"));
        QVERIFY(abort && retry);
        QVERIFY(abort->isEnabled());
        QVERIFY(!retry->isEnabled());
        QCOMPARE(retry->toolTip(), QStringLiteral("Not aborted: retry resumes an aborted update"));

        QSignalSpy spy(m_view, &widgets::RolloutsView::actionFinished);
        abort->trigger();
        QVERIFY(spy.wait(20000));
        QVERIFY2(spy.last().at(0).toString().contains(QStringLiteral("done")), qPrintable(spy.last().at(0).toString()));
        QVERIFY2(m_confirmations.last().contains(QStringLiteral("active service storefront stays on")), qPrintable(m_confirmations.last()));
        QCOMPARE(json(kStorefront, {"status", "abort"}), std::string("true"));
        QVERIFY2(eventually([&] { return m_view->currentRollout().status == RolloutStatus::Aborted && retry->isEnabled(); }, 20000), qPrintable(state()));
        QCOMPARE(json("/api/v1/namespaces/shop/services/storefront", {"spec", "selector", "rollouts-pod-template-hash"}), stableHash.toStdString());
        QVERIFY(!m_view->promoteButton()->isEnabled());
        QCOMPARE(m_view->promoteButton()->toolTip(), QStringLiteral("The update was aborted: retry it, or undo to a revision"));

        retry->trigger();
        QVERIFY(spy.wait(20000));
        QVERIFY2(spy.last().at(0).toString().contains(QStringLiteral("done")), qPrintable(spy.last().at(0).toString()));
        // false, or dropped as the controller's omitempty status writes it
        QVERIFY(json(kStorefront, {"status", "abort"}) != "true");
        // The update goes on (whether it pauses for promotion again is the controller's call).
        QVERIFY2(eventually([&] {
                     const auto i = m_view->currentRollout();
                     const auto *next = i.previewRevision() ? i.previewRevision() : i.activeRevision();
                     return i.status != RolloutStatus::Aborted && next && next->label().contains(QStringLiteral("storefront:172"));
                 }, 30000),
                 qPrintable(state()));
    }

    // Signed in as the viewer, the view asks the cluster first: the actions it may not send are
    // disabled with the reviewer's reason before anyone clicks.
    void viewerSeesWhyItMayNotAct()
    {
        auto approvals = std::make_shared<backends::kube::ExecApprovalStore>(m_win.dir.filePath(QStringLiteral("viewer-approvals.json")));
        backends::kube::KubeSession viewer(m_win.engine.get(), approvals);
        auto config = backends::kube::Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY(config.ok());
        viewer.connectTo(config.value(), QStringLiteral("sim-viewer"));
        QVERIFY(eventually([&] { return viewer.state() == backends::kube::KubeSession::ConnectionState::Live; }, 20000));
        widgets::RolloutsView view(&viewer);
        QVERIFY(eventually([&] { return view.select(QStringLiteral("Rollout"), QStringLiteral("shop"), QStringLiteral("storefront")); }, 20000));
        QVERIFY2(eventually([&] { return view.rollbackButton()->toolTip().contains(QStringLiteral("may not patch rollouts in namespace shop")); }, 20000),
                 qPrintable(view.rollbackButton()->toolTip()));
        QVERIFY(!view.rollbackButton()->isEnabled());
        auto *restart = view.moreMenu()->findChild<QAction *>(QStringLiteral("restartAction"));
        QVERIFY(restart && !restart->isEnabled());
    }

    // A canary mid-steps: the current step and its weights, the analysis run with the measured
    // values behind its result, and promote moving it past the indefinite pause.
    void canaryStepsWeightsAndAnalysis()
    {
        const char *kMenu = "/apis/argoproj.io/v1alpha1/namespaces/cafe/rollouts/menu";
        QVERIFY(eventually([&] { return m_view->select(QStringLiteral("Rollout"), QStringLiteral("cafe"), QStringLiteral("menu")); }, 20000));
        QVERIFY2(eventually([&] { return m_view->currentRollout().status == RolloutStatus::Healthy; }, 30000), qPrintable(state()));
        QCOMPARE(m_sim->request("PATCH", kMenu,
                                R"({"spec":{"template":{"spec":{"containers":[{"name":"menu","image":"registry.pilothouse.dev/cafe/menu:43","ports":[{"name":"http","containerPort":8080}]}]}}}})",
                                "application/merge-patch+json")
                     .status,
                 200);
        // Paused at the indefinite pause after setWeight 25: one of two pods is the canary's.
        QVERIFY2(eventually([&] {
                     const auto i = m_view->currentRollout();
                     return i.status == RolloutStatus::Paused && i.currentStepIndex == 1 && m_view->promoteButton()->isEnabled() &&
                            m_view->stepList()->count() == 6 && m_view->stepList()->item(1)->font().bold();
                 }, 30000),
                 qPrintable(state()));
        const auto info = m_view->currentRollout();
        QCOMPARE(info.step, QStringLiteral("1/6"));
        QCOMPARE(info.setWeight, 25);
        QVERIFY(m_view->stepList()->item(1)->font().bold());
        QCOMPARE(m_view->stepList()->item(1)->text(), QStringLiteral("1. pause"));
        QVERIFY(!m_view->stepList()->item(2)->font().bold());
        QVERIFY2(m_view->findChild<QLabel *>(QStringLiteral("canaryWeights"))->text().contains(QStringLiteral("set weight 25 %")),
                 qPrintable(m_view->findChild<QLabel *>(QStringLiteral("canaryWeights"))->text()));
        QVERIFY(m_view->promoteButton()->toolTip().contains(QStringLiteral("next: setWeight: 50")));
        // The analysis run and the values behind its result.
        using models::AnalysisRunModel;
        const QAbstractItemModel *runs = m_view->analysisTree()->model();
        QVERIFY2(eventually([&] {
                     const QModelIndex run = runs->index(0, 0);
                     return run.isValid() && runs->rowCount(run) > 0 && runs->rowCount(runs->index(0, 0, run)) > 0;
                 }, 20000),
                 qPrintable(state()));
        const QModelIndex run = runs->index(0, 0);
        const QModelIndex metric = runs->index(0, AnalysisRunModel::NameColumn, run);
        const QString metricName = metric.data().toString();
        const QString metricDetail = metric.siblingAtColumn(AnalysisRunModel::DetailColumn).data().toString();
        QVERIFY2(metricName.startsWith(QStringLiteral("success-rate")), qPrintable(metricName));
        QVERIFY2(metricDetail.contains(QStringLiteral("success when result[0] >= 0.95")), qPrintable(metricDetail));
        QVERIFY(!runs->index(0, AnalysisRunModel::DetailColumn, metric).data().toString().isEmpty());  // a measured value
        // The run, its metric and the measurement are shown open (the tree expands rows as they arrive).
        QCOMPARE(m_view->analysisTree()->indexBelow(run).siblingAtColumn(0), runs->index(0, 0, run));
        QCOMPARE(m_view->analysisTree()->indexBelow(metric).siblingAtColumn(0), runs->index(0, 0, metric));

        const QString outcome = click(m_view->promoteButton());
        QVERIFY2(outcome.contains(QStringLiteral("done")), qPrintable(outcome));
        QVERIFY2(m_confirmations.last().contains(QStringLiteral("continues after step 1/6 (pause) at 25 %; next: setWeight: 50")), qPrintable(m_confirmations.last()));
        QVERIFY2(eventually([&] {
                     Json j = m_sim->get(kMenu).json();
                     return j["status"].value("currentStepIndex", 0) >= 2;
                 }, 20000),
                 m_sim->get(kMenu).body.c_str());
    }

    void changeBetweenReadAndPromoteIsAConflictAskedAgain()
    {
        QVERIFY(m_view->select(QStringLiteral("Rollout"), QStringLiteral("shop"), QStringLiteral("storefront")));
        QCOMPARE(m_sim->request("PATCH", kStorefront,
                                R"({"spec":{"template":{"spec":{"containers":[{"name":"storefront","image":"registry.pilothouse.dev/shop/storefront:171","ports":[{"name":"http","containerPort":8080}]}]}}}})",
                                "application/merge-patch+json")
                     .status,
                 200);
        QVERIFY2(waitPromotable(QStringLiteral("storefront:171")), qPrintable(state()));
        int asked = 0;
        m_onConfirm = [&](const QString &) {
            if (++asked == 1)  // another client writes the rollout while the operator reads
                m_sim->request("PATCH", kStorefront, R"({"metadata":{"annotations":{"touched-by":"someone-else"}}})", "application/merge-patch+json");
            return true;
        };
        const QString outcome = click(m_view->promoteButton());
        QVERIFY2(asked == 2, qPrintable(outcome));
        QVERIFY2(m_confirmations[1].startsWith(QStringLiteral("Someone else changed rollouts.argoproj.io shop/storefront since you read it")),
                 qPrintable(m_confirmations[1]));
        QVERIFY2(outcome.contains(QStringLiteral("done")), qPrintable(outcome));
        const QString hash = m_view->currentRollout().currentPodHash;
        QVERIFY(eventually([&] { return json("/api/v1/namespaces/shop/services/storefront", {"spec", "selector", "rollouts-pod-template-hash"}) == hash.toStdString(); }, 20000));
    }

    // The session deletes its action facade whenever it reconnects (a namespace change too): a
    // reconnect while the operator confirms sends nothing, and says so.
    void reconnectWhileConfirmingSendsNothing()
    {
        QVERIFY(m_view->select(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web")));
        auto *restart = m_view->moreMenu()->findChild<QAction *>(QStringLiteral("restartAction"));
        QVERIFY(restart);
        QVERIFY(eventually([&] { return restart->isEnabled(); }, 20000));
        const std::string templateBefore = m_sim->get(kWeb).json()["spec"]["template"].dump();
        const QString scope = m_win.session->namespaceScope();
        m_onConfirm = [&](const QString &) {
            // A reconnect (another context, a re-login) replaces the client the action would use.
            auto config = backends::kube::Kubeconfig::load({m_sim->kubeconfigPath()});
            m_win.session->connectTo(config.value(), m_win.session->contextName());
            m_win.session->setNamespace(scope);
            return true;
        };
        QSignalSpy spy(m_view, &widgets::RolloutsView::actionFinished);
        restart->trigger();
        QVERIFY(spy.wait(20000));
        const QString outcome = spy.last().at(0).toString();
        QCOMPARE(outcome, QStringLiteral("Restart: the connection changed while you were confirming; nothing was sent"));
        QCOMPARE(m_confirmations.size(), 1);
        QCOMPARE(m_sim->get(kWeb).json()["spec"]["template"].dump(), templateBefore);
        m_win.session->setNamespace(scope);
        QVERIFY(eventually([&] { return m_win.session->state() == backends::kube::KubeSession::ConnectionState::Live; }, 20000));
        QVERIFY2(eventually([&] { return m_view->watch()->isSynced(); }, 20000), qPrintable(m_view->watch()->problem()));
        QVERIFY(eventually([&] { return m_view->select(QStringLiteral("Deployment"), QStringLiteral("history"), QStringLiteral("web")); }, 20000));
        QVERIFY(eventually([&] { return restart->isEnabled(); }, 20000));
    }
};

QTEST_MAIN(TestRolloutsView)
#include "tst_rolloutsview.moc"
