// Drives the console against pilothouse-sim (default scenario, its manifests served by a real git
// daemon and synced by the sim's Argo CD) and saves the screenshots in docs/screenshots: the
// welcome page, the shell in light and in dark with the grouped sidebar, the command palette, a
// StatefulSet's menu, Preferences, the resource browser with its detail pane, a YAML edit's diff, the scaling view in the middle of a
// scale-up, merged logs, then the release path: a blue-green rollout paused for promotion, the
// promote confirmation, a canary in the middle of its steps (both also in dark), the Argo CD application with its
// history, and the deployment repository. Run under a display server, e.g.
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/tests/screenshots/make_screenshots docs/screenshots
// (--shell-only makes the shell's screens alone, --size=1280x800 another window size; --delivery-only skips the browser, scaling and
// logs, which take two minutes of load).
// Not a test: it asserts nothing; a person looks at what it saves.
#include "actions/auditlog.h"
#include "resources/detailpane.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "delivery/argocdview.h"
#include "jenkinssim.h"
#include "metrics/dashboardview.h"
#include "metrics/panelwidget.h"
#include "servicegraph/servicegraphview.h"
#include "prometheusprocess.h"
#include "pipelines/approvalcard.h"
#include "pipelines/runmatrixmodel.h"
#include "shell/actionrunner.h"
#include "pipelines/consoleview.h"
#include "pipelines/pipelinesview.h"
#include "pipelines/runmatrixview.h"
#include "pipelines/runview.h"
#include "pipelines/stagegraphview.h"
#include "common/diffdialog.h"
#include "gitdaemon.h"
#include "gitops/gitopsrepository.h"
#include "delivery/gitopsview.h"
#include "resources/logview.h"
#include "resources/podtileswidget.h"
#include "delivery/rolloutsview.h"
#include "rollouts/rolloutinfo.h"
#include "resources/resourcespage.h"
#include "shell/commandpalette.h"
#include "shell/mainwindow.h"
#include "shell/navigator.h"
#include "shell/preferencesdialog.h"
#include "shell/shellsettings.h"
#include "style/theme.h"
#include "objecttablemodel.h"
#include "resources/scalingview.h"
#include "connectedwindow.h"
#include "simprocess.h"

#include <QApplication>
#include <QLabel>
#include <QMenu>
#include <QScreen>
#include <QDir>
#include <QRegularExpression>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QAbstractProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QFile>
#include <QLineEdit>
#include <QJsonObject>
#include <QJsonDocument>

#include <curl/curl.h>
#include <csignal>
#include <cstdio>

using namespace pilothouse;
using namespace pilothouse::testsupport;

namespace {

bool save(QWidget *w, const QString &path)
{
    QApplication::processEvents();
    const bool ok = w->grab().save(path);
    std::printf("%s %s\n", ok ? "saved" : "FAILED to save", qPrintable(path));
    return ok;
}

// What is on the screen over the widget's area: popups (menus) included.
bool saveScreen(QWidget *w, const QString &path)
{
    QApplication::processEvents();
    const QRect r = w->frameGeometry();
    const bool ok = QGuiApplication::primaryScreen()->grabWindow(0, r.x(), r.y(), r.width(), r.height()).save(path);
    std::printf("%s %s\n", ok ? "saved" : "FAILED to save", qPrintable(path));
    return ok;
}

void wait(int ms) { QTest::qWait(ms); }

template<class F>
void waitFor(F predicate, int ms, const char *what)
{
    if (!QTest::qWaitFor(predicate, ms))
        std::fprintf(stderr, "make_screenshots: gave up waiting for %s\n", what);
}

}  // namespace

int main(int argc, char **argv)
{
    std::signal(SIGPIPE, SIG_IGN);
    if (qEnvironmentVariableIsEmpty("PILOTHOUSE_SIM"))
        qputenv("PILOTHOUSE_SIM", PILOTHOUSE_SIM_PATH);
    if (qEnvironmentVariableIsEmpty("PILOTHOUSE_SOURCE_DIR"))
        qputenv("PILOTHOUSE_SOURCE_DIR", PILOTHOUSE_SOURCE);
    QApplication app(argc, argv);
    QApplication::setStyle(QStringLiteral("Fusion"));
    QString out = QStringLiteral("docs/screenshots");
    bool deliveryOnly = false;
    bool shellOnly = false;
    bool pipelinesOnly = false;
    bool metricsOnly = false;
    bool graphOnly = false;
    QSize windowSize(1500, 920);
    for (int i = 1; i < argc; ++i) {
        const QString arg = QString::fromLocal8Bit(argv[i]);
        if (arg == QLatin1String("--delivery-only"))
            deliveryOnly = true;
        else if (arg == QLatin1String("--shell-only"))
            shellOnly = true;
        else if (arg == QLatin1String("--pipelines-only"))
            pipelinesOnly = true;
        else if (arg == QLatin1String("--metrics-only"))
            metricsOnly = true;
        else if (arg == QLatin1String("--graph-only"))
            graphOnly = true;
        else if (arg.startsWith(QLatin1String("--size=")))  // e.g. --size=1280x800, to look for clipped text
            windowSize = QSize(arg.mid(7).section(QLatin1Char('x'), 0, 0).toInt(), arg.mid(7).section(QLatin1Char('x'), 1, 1).toInt());
        else
            out = arg;
    }
    QDir().mkpath(out);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    widgets::Theme::apply(widgets::ThemeMode::Light);

    // 0. The welcome page, before any cluster: next steps and recent files.
    {
        ShellParts parts;
        parts.settings->addRecentKubeconfig(QStringLiteral("/home/dana/.kube/staging-eu.yaml"));
        parts.settings->addRecentKubeconfig(QStringLiteral("/home/dana/.kube/config"));
        auto welcome = parts.makeWindow(QStringLiteral("/home/dana/.kube/config"));
        welcome->setDemoAvailable(true);
        welcome->resize(windowSize.boundedTo(QSize(1280, 800)));
        welcome->show();
        wait(800);
        save(welcome.get(), out + QStringLiteral("/welcome.png"));
    }

    // The demo's deployment repository (storefront 170 waiting as the last commit) behind a real git daemon.
    const QString scenario = sourceDir() + QStringLiteral("/resources/scenarios/default.yaml");
    backends::gitops::LibGit2Scope libgit2;
    GitDaemon daemon;
    QString error;
    if (!daemon.start(&error)) {
        std::fprintf(stderr, "make_screenshots: %s\n", qPrintable(error));
        return 1;
    }
    ProcessResult written = runProcess(simBinary(), {QStringLiteral("--scenario"), scenario, QStringLiteral("--write-gitops-repo"),
                                                     daemon.repoPath(QStringLiteral("deploy.git")), QStringLiteral("--demo-pending-release")}, 30000);
    if (written.exitCode != 0) {
        std::fprintf(stderr, "make_screenshots: %s\n", qPrintable(written.err));
        return 1;
    }
    SimProcess sim({QStringLiteral("--time-scale"), QStringLiteral("10"), QStringLiteral("--gitops-repo"), daemon.url(QStringLiteral("deploy.git")),
                    QStringLiteral("--gitops-poll-seconds"), QStringLiteral("2"), QStringLiteral("--gitops-seed-history")},
                   scenario);
    if (!sim.start(&error)) {
        std::fprintf(stderr, "make_screenshots: %s\n", qPrintable(error));
        return 1;
    }
    ConnectedWindow console;
    if (!console.open(sim.kubeconfigPath(), &error)) {
        std::fprintf(stderr, "make_screenshots: %s\n", qPrintable(error));
        return 1;
    }
    widgets::MainWindow &window = *console.window;
    window.resize(windowSize);
    widgets::ResourcesPage *browser = window.resourcesPage();
    waitFor([&] { return browser->deploymentModel()->rowOf(QStringLiteral("shop/frontend")) >= 0; }, 20000, "the deployments");
    wait(8000);  // the scenario's pods ready

    // 10. Pipelines: the jobs tree with a run waiting for approval and checkoutservice's runs x
    // stages; a run in its parallel test stages; the approval on the run's page; the console searched.
    auto pipelineScreens = [&]() -> int {
        const backends::jenkins::JenkinsServer server = testsupport::jenkinsServerOf(sim);
        if (server.url.isEmpty()) {
            std::fprintf(stderr, "make_screenshots: no jenkins.json from the simulator\n");
            return 1;
        }
        widgets::JenkinsPreset jenkins;
        jenkins.url = server.url;
        jenkins.user = server.user;
        jenkins.apiToken = server.apiToken;
        jenkins.caPem = server.caPem;
        jenkins.connectNow = true;
        console.shell.settings->setJenkinsPreset(jenkins);
        auto *pipelines = qobject_cast<widgets::PipelinesView *>(window.openPage(QStringLiteral("pipelines")));
        pipelines->actionRunner()->setConfirmHandler([](const QString &) { return true; });
        pipelines->setParametersHandler([](const QList<backends::jenkins::ParameterDefinition> &defs) {
            QList<backends::jenkins::BuildParameter> values;
            for (const auto &d : defs)
                if (d.type != backends::jenkins::ParameterDefinition::Type::Password)
                    values << backends::jenkins::BuildParameter{d.name, d.defaultValue, false};
            return std::optional<QList<backends::jenkins::BuildParameter>>(values);
        });
        const QStringList deploy{QStringLiteral("cafe"), QStringLiteral("releases"), QStringLiteral("deploy-orders")};
        const QStringList checkout{QStringLiteral("shop"), QStringLiteral("checkoutservice-ci")};
        const QStringList storefront{QStringLiteral("shop"), QStringLiteral("storefront"), QStringLiteral("main")};
        static const QRegularExpression started(QStringLiteral("#(\\d+) started"));
        QString outcome;
        QObject::connect(pipelines, &widgets::PipelinesView::actionFinished, pipelines,
                         [&outcome](const QString &, bool, const QString &message) { outcome = message; });
        const auto build = [&](const QStringList &job) {
            waitFor([&] { return pipelines->selectJob(job); }, 30000, "the Jenkins jobs");
            outcome.clear();
            pipelines->buildSelectedJob();
            waitFor([&] { return !outcome.isEmpty(); }, 30000, "a build started");
            return started.match(outcome).captured(1).toInt();
        };
        const int deployNumber = build(deploy);
        const int storefrontNumber = build(storefront);
        const int checkoutNumber = build(checkout);

        // The running checkoutservice build in its parallel test stages.
        auto *run = qobject_cast<widgets::RunView *>(
            window.openPage(QStringLiteral("pipeline-run"), {{QStringLiteral("job"), checkout}, {QStringLiteral("build"), checkoutNumber}}));
        waitFor([&] {
            if (!run || !run->run())
                return false;
            const auto now = run->run();
            for (const auto &stage : now->stages)
                if (!stage.children.isEmpty() && stage.status == backends::jenkins::StageStatus::InProgress)
                    return true;
            return false;
        }, 60000, "checkoutservice in its parallel stages");
        wait(300);
        save(&window, out + QStringLiteral("/pipeline-run-parallel.png"));
        widgets::Theme::apply(widgets::ThemeMode::Dark);
        wait(300);
        save(&window, out + QStringLiteral("/pipeline-run-parallel-dark.png"));
        widgets::Theme::apply(widgets::ThemeMode::Light);

        // The jobs with the deploy waiting for approval, checkoutservice's runs x stages.
        window.openPage(QStringLiteral("pipelines"));
        waitFor([&] { return !pipelines->approvalCards().isEmpty(); }, 60000, "deploy-orders waiting for approval");
        pipelines->jobTree()->expandAll();
        waitFor([&] { return pipelines->selectJob(checkout); }, 10000, "checkoutservice-ci");
        waitFor([&] { return pipelines->runMatrix()->model()->rowCount() > 3; }, 20000, "checkoutservice's runs");
        wait(2500);
        save(&window, out + QStringLiteral("/pipelines.png"));
        widgets::Theme::apply(widgets::ThemeMode::Dark);
        wait(800);
        save(&window, out + QStringLiteral("/pipelines-dark.png"));
        widgets::Theme::apply(widgets::ThemeMode::Light);

        // The deploy waiting for approval, on its run's page.
        auto *waiting = qobject_cast<widgets::RunView *>(
            window.openPage(QStringLiteral("pipeline-run"), {{QStringLiteral("job"), deploy}, {QStringLiteral("build"), deployNumber}}));
        waitFor([&] { return waiting && waiting->approvalCard() != nullptr; }, 30000, "the approval card");
        wait(1500);
        save(&window, out + QStringLiteral("/pipeline-approval.png"));
        widgets::Theme::apply(widgets::ThemeMode::Dark);
        wait(800);
        save(&window, out + QStringLiteral("/pipeline-approval-dark.png"));
        widgets::Theme::apply(widgets::ThemeMode::Light);

        // storefront's build: its console searched, and where its image went (the GitOps commit,
        // the rollout waiting with it as preview).
        auto *released = qobject_cast<widgets::RunView *>(
            window.openPage(QStringLiteral("pipeline-run"), {{QStringLiteral("job"), storefront}, {QStringLiteral("build"), storefrontNumber}}));
        waitFor([&] { return released->run() && backends::jenkins::isFinished(released->run()->status); }, 90000, "storefront's build finished");
        waitFor([&] { return released->deliveryText().contains(QStringLiteral("Paused")); }, 60000, "storefront's rollout paused with the new image");
        QTest::keyClicks(released->console()->searchEdit(), QStringLiteral("Task :"));
        wait(1500);
        save(&window, out + QStringLiteral("/pipeline-console.png"));
        widgets::Theme::apply(widgets::ThemeMode::Dark);
        wait(800);
        save(&window, out + QStringLiteral("/pipeline-console-dark.png"));
        widgets::Theme::apply(widgets::ThemeMode::Light);
        return 0;
    };
    if (pipelinesOnly)
        return pipelineScreens();

    // 11. Metrics: the project's golden signals dashboard on Debian's Prometheus scraping the sim
    // every second, the last five minutes of frontend's traffic.
    auto metricsScreens = [&]() -> int {
        PrometheusProcess prometheus(sim, 1);
        QString why;
        if (!prometheus.start(&why)) {
            std::fprintf(stderr, "make_screenshots: %s\n", qPrintable(why));
            return 1;
        }
        const QString context = console.session->contextName();
        auto endpoints = console.shell.settings->endpoints(context);
        endpoints.prometheusUrl = prometheus.url();
        console.shell.settings->setEndpoints(context, endpoints);
        auto *metrics = qobject_cast<widgets::DashboardView *>(window.openPage(QStringLiteral("metrics")));
        metrics->runner()->setTimeRange(models::TimeRange::last(QStringLiteral("5m")));
        wait(90000);  // a minute and a half of scrapes: the lines have a shape
        metrics->runner()->refresh();
        waitFor([&] {
            auto *p = metrics->panel(5);
            return p && p->data().state == models::PanelData::State::Ok;
        }, 30000, "the golden signals");
        wait(2000);
        save(&window, out + QStringLiteral("/metrics.png"));
        widgets::Theme::apply(widgets::ThemeMode::Dark);
        wait(800);
        save(&window, out + QStringLiteral("/metrics-dark.png"));
        widgets::Theme::apply(widgets::ThemeMode::Light);
        return 0;
    };
    if (metricsOnly)
        return metricsScreens();

    // 12. The service graph of the demo's shop and cafe on the same Prometheus, cart answering 7 %
    // errors: its edge degraded, the rest healthy, idle workloads grey.
    auto graphScreens = [&]() -> int {
        PrometheusProcess prometheus(sim, 1);
        QString why;
        if (!prometheus.start(&why)) {
            std::fprintf(stderr, "make_screenshots: %s\n", qPrintable(why));
            return 1;
        }
        const QString context = console.session->contextName();
        auto endpoints = console.shell.settings->endpoints(context);
        endpoints.prometheusUrl = prometheus.url();
        console.shell.settings->setEndpoints(context, endpoints);
        sim.control("error-rate", "namespace=shop&image=registry.pilothouse.local/shop/cartservice:1.8.0&percent=7");
        wait(75000);  // the graph's 60 s rate window full
        auto *graph = qobject_cast<widgets::ServiceGraphView *>(window.openPage(QStringLiteral("graph")));
        auto *summary = graph->findChild<QLabel *>(QStringLiteral("graphSummary"));
        // Drawn with the cluster's lists (idle and dead nodes), which take a moment on the busy sim.
        waitFor([&] { return graph->drawCount() > 0 && !graph->graph().edges.isEmpty() && summary->text().contains(QLatin1String("listed")); },
                30000, "the service graph");
        wait(3000);
        if (summary)
            std::fprintf(stderr, "make_screenshots: graph: %s\n", qPrintable(summary->text()));
        for (const auto &w : graph->inventory().workloads)
            std::fprintf(stderr, "make_screenshots: listed %s/%s app=%s version=%s pods=%d\n", qPrintable(w.namespaceName), qPrintable(w.name),
                         qPrintable(w.app), qPrintable(w.version), w.pods);
        std::fprintf(stderr, "make_screenshots: nodes %s\n", qPrintable(graph->graph().nodes.keys().join(QLatin1Char(' '))));
        save(&window, out + QStringLiteral("/graph.png"));
        widgets::Theme::apply(widgets::ThemeMode::Dark);
        wait(800);
        save(&window, out + QStringLiteral("/graph-dark.png"));
        widgets::Theme::apply(widgets::ThemeMode::Light);
        sim.control("error-rate", "namespace=shop&image=registry.pilothouse.local/shop/cartservice:1.8.0&percent=0");
        return 0;
    };
    if (graphOnly)
        return graphScreens();

    // The shell in light and in dark: the rail, the grouped sidebar with counts, the StatefulSets
    // of the shop, redis selected.
    window.selectNamespaces({QStringLiteral("shop")});
    window.openPage(QStringLiteral("rollouts"));
    window.openPage(QStringLiteral("resources"));
    browser->jumpToKind(QStringLiteral("sts"));
    waitFor([&] { return browser->selectObject(QStringLiteral("shop"), QStringLiteral("redis")); }, 20000, "redis");
    wait(2000);
    save(&window, out + QStringLiteral("/shell-light.png"));
    widgets::Theme::apply(widgets::ThemeMode::Dark);
    wait(800);
    save(&window, out + QStringLiteral("/shell-dark.png"));

    // A StatefulSet's menu, once the permission answers are in.
    {
        const QModelIndex current = browser->currentView()->currentIndex();
        QMenu *menu = browser->menuForRow(current.row());
        if (menu) {
            const QRect cell = browser->currentView()->visualRect(current);
            menu->popup(browser->currentView()->viewport()->mapToGlobal(cell.center()));
            wait(1500);
            saveScreen(&window, out + QStringLiteral("/menu-statefulset.png"));
            menu->close();
        }
    }
    widgets::Theme::apply(widgets::ThemeMode::Light);
    wait(500);
    // The command palette over the browser, looking for frontend.
    window.openPalette(QStringLiteral("front"));
    wait(1200);
    save(&window, out + QStringLiteral("/palette.png"));
    window.palette()->hide();
    // Preferences.
    {
        widgets::shell::PreferencesDialog dialog(console.shell.settings.get(), {QStringLiteral("sim-admin"), QStringLiteral("sim-viewer")},
                                                 QStringLiteral("sim-admin"), &window);
        dialog.show();
        wait(600);
        save(&dialog, out + QStringLiteral("/preferences.png"));
    }
    window.selectNamespaces({});
    if (shellOnly)
        return 0;

    if (!deliveryOnly) {
        // 1. The browser: deployments of two namespaces, frontend selected, its overview.
        window.selectNamespaces({QStringLiteral("shop"), QStringLiteral("cafe")});
        browser->jumpToKind(QStringLiteral("deploy"));
        auto *view = window.findChild<QTableView *>(QStringLiteral("deploymentView"));
        auto *proxy = qobject_cast<QAbstractProxyModel *>(view->model());
        for (int r = 0; r < proxy->rowCount(); ++r)
            if (proxy->data(proxy->index(r, 0)).toString() == QLatin1String("frontend"))
                view->setCurrentIndex(proxy->index(r, 0));
        wait(1500);
        save(&window, out + QStringLiteral("/browser.png"));
        browser->detailPane()->tabs()->setCurrentIndex(2);
        wait(800);
        save(&window, out + QStringLiteral("/browser-related.png"));
        widgets::Theme::apply(widgets::ThemeMode::Dark);
        wait(500);
        save(&window, out + QStringLiteral("/browser-related-dark.png"));
        browser->detailPane()->tabs()->setCurrentIndex(1);
        wait(500);
        save(&window, out + QStringLiteral("/browser-events-dark.png"));
        widgets::Theme::apply(widgets::ThemeMode::Light);
        wait(500);
        save(&window, out + QStringLiteral("/browser-events.png"));

        // 2. A YAML edit of frontend and the diff shown before it is sent (declined here).
        browser->detailPane()->tabs()->setCurrentIndex(3);
        browser->detailPane()->startEdit();
        QString text = browser->detailPane()->yamlEdit()->toPlainText();
        text.replace(QRegularExpression(QStringLiteral("image: (\\S+):[^\\s]+")), QStringLiteral("image: \\1:v1.4.0"));
        text.replace(QRegularExpression(QStringLiteral("\n  replicas: \\d+\n")), QStringLiteral("\n  replicas: 2\n"));
        browser->detailPane()->yamlEdit()->setPlainText(text);
        QString summary, diff;
        browser->detailPane()->setApplyConfirmHandler([&](const QString &s, const QString &d) { summary = s; diff = d; return false; });
        browser->detailPane()->reviewAndApply();
        waitFor([&] { return !diff.isEmpty(); }, 5000, "the diff");
        {
            widgets::DiffDialog dialog(summary, diff, &window);
            dialog.show();
            wait(500);
            save(&dialog, out + QStringLiteral("/yaml-diff.png"));
    }
    browser->detailPane()->cancelEdit();

    // 3. The scaling view of frontend: quiet first, then a load wave; saved while the HPA scales it up.
    auto *scaling = qobject_cast<widgets::ScalingView *>(
        window.openPage(QStringLiteral("scaling"), {{QStringLiteral("namespace"), QStringLiteral("shop")}, {QStringLiteral("name"), QStringLiteral("frontend")}}));
    scaling->setTimeWindowSeconds(120);
    wait(45000);
    sim.control("load", "namespace=shop&deployment=frontend&rps=80");
    waitFor([&] {
        const auto &s = scaling->series().samples();
        return !s.empty() && s.back().desired >= 3 && s.back().ready < s.back().desired;
    }, 90000, "a scale-up in progress");
    wait(1500);
    save(&window, out + QStringLiteral("/scaling.png"));

    // 4. Merged logs of frontend's pods under that load.
    const auto frontend = browser->deploymentModel()->objectAt(browser->deploymentModel()->rowOf(QStringLiteral("shop/frontend")));
    auto *logs = qobject_cast<widgets::LogView *>(window.openPage(
        QStringLiteral("logs"), {{QStringLiteral("namespace"), QStringLiteral("shop")}, {QStringLiteral("name"), QStringLiteral("frontend")},
                                 {QStringLiteral("workload"), true}, {QStringLiteral("object"), QVariant::fromValue(frontend)}}));
    wait(15000);  // each pod's tail arrives as a block; live lines interleave after it
    if (logs)
        save(&window, out + QStringLiteral("/logs.png"));
    }

    // 5. The release path. Argo CD has synced storefront 170 from the repository's last commit: the
    // blue-green rollout waits with it as preview for the operator's promote.
    auto *rollouts = qobject_cast<widgets::RolloutsView *>(window.openPage(
        QStringLiteral("rollouts"),
        {{QStringLiteral("kind"), QStringLiteral("Rollout")}, {QStringLiteral("namespace"), QStringLiteral("shop")}, {QStringLiteral("name"), QStringLiteral("storefront")}}));
    waitFor([&] {
        const auto info = rollouts->currentRollout();
        return info.name == QLatin1String("storefront") && info.status == backends::rollouts::RolloutStatus::Paused && info.previewRevision() &&
               info.previewRevision()->ready == info.previewRevision()->desired && info.previewRevision()->desired > 0;
    }, 60000, "storefront paused with its preview ready");
    wait(1500);
    save(&window, out + QStringLiteral("/rollout-bluegreen.png"));
    widgets::Theme::apply(widgets::ThemeMode::Dark);
    wait(800);
    save(&window, out + QStringLiteral("/rollout-bluegreen-dark.png"));
    widgets::Theme::apply(widgets::ThemeMode::Light);

    // 6. Promote's confirmation, as the operator sees it (declined here).
    bool confirmationSaved = false;
    QTimer poll;
    poll.setInterval(200);
    QObject::connect(&poll, &QTimer::timeout, [&] {
        QWidget *modal = QApplication::activeModalWidget();
        if (!modal || confirmationSaved)
            return;
        confirmationSaved = true;
        QTimer::singleShot(500, modal, [&, modal] {
            save(modal, out + QStringLiteral("/rollout-promote-confirm.png"));
            modal->close();
        });
    });
    poll.start();
    rollouts->promote();
    waitFor([&] { return confirmationSaved && !QApplication::activeModalWidget(); }, 15000, "the promote confirmation");
    poll.stop();

    // 7. A canary in the middle of its steps: the operator's GitOps change bumps menu to 43.
    backends::gitops::GitOpsSettings gitops;
    gitops.url = daemon.url(QStringLiteral("deploy.git"));
    gitops.localPath = console.dir.filePath(QStringLiteral("gitops-cache"));
    gitops.authorName = QStringLiteral("Dana Operator");
    gitops.authorEmail = QStringLiteral("dana@pilothouse.dev");
    {
        backends::gitops::GitOpsRepository repo(gitops);
        auto state = repo.sync();
        QString manifest;
        for (const QString &path : state.ok() ? state.value().manifests : QStringList())
            if (path.startsWith(QLatin1String("apps/menu/")) && repo.readFile(path).value().contains(QLatin1String("kind: Rollout")))
                manifest = path;
        auto change = repo.prepareBump(manifest, backends::gitops::ImageSelector{{}, QStringLiteral("registry.pilothouse.dev/cafe/menu")}, QStringLiteral("43"));
        if (!change.ok() || !repo.push(change.value()).ok())
            std::fprintf(stderr, "make_screenshots: could not bump menu: %s\n", change.ok() ? "push failed" : qPrintable(change.error().message));
    }
    rollouts->select(QStringLiteral("Rollout"), QStringLiteral("cafe"), QStringLiteral("menu"));
    waitFor([&] {
        const auto info = rollouts->currentRollout();
        return info.name == QLatin1String("menu") && info.status == backends::rollouts::RolloutStatus::Paused && info.currentStepIndex >= 1 &&
               !info.analysisRuns.isEmpty() && !info.analysisRuns.first().metrics.isEmpty() &&
               !info.analysisRuns.first().metrics.first().measurements.isEmpty();
    }, 60000, "menu paused mid-steps with a measurement");
    wait(1500);
    save(&window, out + QStringLiteral("/rollout-canary.png"));
    widgets::Theme::apply(widgets::ThemeMode::Dark);
    wait(800);
    save(&window, out + QStringLiteral("/rollout-canary-dark.png"));
    widgets::Theme::apply(widgets::ThemeMode::Light);

    // 8. Argo CD: menu with its history (the first sync and the release just pushed, with their commits).
    widgets::ArgoCdViewPreset preset;
    preset.url = sim.argocdUrl();
    preset.password = QStringLiteral("pilothouse");
    preset.caFile = sim.caFile();
    preset.logInNow = true;
    console.shell.settings->setArgoCdPreset(preset, false);
    auto *argocd = qobject_cast<widgets::ArgoCdView *>(window.openPage(QStringLiteral("argocd")));
    waitFor([&] { return argocd->applicationsTable()->model()->rowCount() >= 2; }, 30000, "the Argo CD applications");
    waitFor([&] { return argocd->selectApplication(QStringLiteral("menu")); }, 10000, "menu in Argo CD");
    waitFor([&] { return argocd->historyView()->model()->rowCount() >= 2; }, 20000, "menu's history");
    wait(2500);
    save(&window, out + QStringLiteral("/argocd.png"));
    argocd->findChild<QTabWidget *>()->setCurrentIndex(1);
    wait(1500);
    widgets::Theme::apply(widgets::ThemeMode::Dark);
    wait(800);
    save(&window, out + QStringLiteral("/argocd-resources-dark.png"));
    widgets::Theme::apply(widgets::ThemeMode::Light);
    argocd->findChild<QTabWidget *>()->setCurrentIndex(0);

    // 9. The deployment repository: its commits and the selected one's diff.
    console.shell.settings->setGitOps(gitops, false);
    auto *repoView = qobject_cast<widgets::GitOpsView *>(window.openPage(QStringLiteral("gitops")));
    auto *commits = repoView->commitsView();
    waitFor([&] { return commits->model()->rowCount() >= 2; }, 30000, "the repository's commits");
    if (commits->model()->rowCount() >= 2)
        repoView->selectCommit(commits->model()->index(1, 0).data(Qt::UserRole).toString());
    wait(2000);
    save(&window, out + QStringLiteral("/gitops.png"));
    widgets::Theme::apply(widgets::ThemeMode::Dark);
    wait(800);
    save(&window, out + QStringLiteral("/gitops-dark.png"));
    widgets::Theme::apply(widgets::ThemeMode::Light);
    return pipelineScreens();
}
