// Entry point: global library initialisation, command line, and the main window.
#include "commandline.h"
#include "demolauncher.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "registerpages.h"
#include "unixsignalwatcher.h"
#include "resources/resourcespage.h"
#include "shell/mainwindow.h"
#include "shell/navigator.h"
#include "shell/page.h"
#include "shell/preferencesdialog.h"
#include "shell/shellsettings.h"
#include "shell/welcomepage.h"
#include "style/theme.h"
#include "actions/sessionactions.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QStandardPaths>

#include <curl/curl.h>
#include <git2.h>

#include <csignal>
#include <cstdio>
#include <cstring>

namespace {

// curl_global_init and git_libgit2_init are not thread-safe and must run once before
// any worker thread exists; their cleanups must run after every thread has stopped,
// which is after QApplication is gone, so this guard is declared before it.
class GlobalLibraries
{
public:
    GlobalLibraries()
        : m_curlOk(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
        , m_gitOk(git_libgit2_init() > 0)
    {
    }
    ~GlobalLibraries()
    {
        if (m_gitOk)
            git_libgit2_shutdown();
        if (m_curlOk)
            curl_global_cleanup();
    }
    GlobalLibraries(const GlobalLibraries &) = delete;
    GlobalLibraries &operator=(const GlobalLibraries &) = delete;

    bool ok() const { return m_curlOk && m_gitOk; }

private:
    bool m_curlOk;
    bool m_gitOk;
};

void printTo(std::FILE *stream, const QString &text)
{
    std::fputs(text.toLocal8Bit().constData(), stream);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral("Pilothouse"));
    QCoreApplication::setOrganizationName(QStringLiteral("Pilothouse"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PILOTHOUSE_VERSION));

    // Parsed once before QApplication exists, so --help and --version work without a
    // display. If that parse fails, the arguments may hold Qt's own options (-platform
    // offscreen, -style fusion); QApplication removes those, and a second parse decides.
    QStringList rawArguments;
    rawArguments.reserve(argc);
    for (int i = 0; i < argc; ++i)
        rawArguments << QString::fromLocal8Bit(argv[i]);
    pilothouse::app::CommandLineOptions options = pilothouse::app::parseCommandLine(rawArguments);
    const bool needsQtOptionsRemoved = !options.ok();

    if (options.ok() && options.showHelp) {
        printTo(stdout, options.helpText);
        return 0;
    }
    if (options.ok() && options.showVersion) {
        printTo(stdout, QStringLiteral("pilothouse %1\n").arg(QCoreApplication::applicationVersion()));
        return 0;
    }

    // A peer that closes a TLS connection must give a write error, not kill the console.
    std::signal(SIGPIPE, SIG_IGN);
    const GlobalLibraries libraries;
    if (!libraries.ok()) {
        printTo(stderr, QStringLiteral("pilothouse: could not initialise libcurl or libgit2\n"));
        return 1;
    }

    QApplication application(argc, argv);
    // SIGTERM (a logout, `kill`), SIGINT (Ctrl+C) and SIGHUP (a closed terminal) end the console
    // like closing its window does: settings saved, and the demo's simulator and git daemon
    // stopped by the destructors below instead of being left running without it.
    pilothouse::app::UnixSignalWatcher signalWatcher({SIGTERM, SIGINT, SIGHUP});

    if (needsQtOptionsRemoved) {
        options = pilothouse::app::parseCommandLine(QCoreApplication::arguments());
        if (!options.ok()) {
            printTo(stderr, QStringLiteral("pilothouse: %1\nTry 'pilothouse --help'.\n").arg(options.errorText));
            return 2;
        }
        if (options.showHelp || options.showVersion) {
            printTo(stdout, options.showHelp ? options.helpText
                                             : QStringLiteral("pilothouse %1\n").arg(QCoreApplication::applicationVersion()));
            return 0;
        }
    }

    // What the operator chose last time (theme, read-only contexts, endpoints, pages); never a secret.
    pilothouse::widgets::shell::ShellSettings settings;
    pilothouse::widgets::Theme::apply(pilothouse::widgets::Theme::modeFromName(settings.theme()));
    QObject::connect(&settings, &pilothouse::widgets::shell::ShellSettings::themeChanged, [](const QString &theme) {
        pilothouse::widgets::Theme::apply(pilothouse::widgets::Theme::modeFromName(theme));
    });

    pilothouse::widgets::shell::PageRegistry pages;
    pilothouse::app::registerPages(pages);
    if (!options.page.isEmpty() && !pages.find(options.page)) {
        QStringList ids;
        for (const auto &type : pages.types())
            if (type.singleton)
                ids << type.id;
        printTo(stderr, QStringLiteral("pilothouse: there is no page '%1' (pages: %2)\n").arg(options.page, ids.join(QStringLiteral(", "))));
        return 2;
    }

    // One HTTP engine for every backend; the session does its I/O on its own thread.
    pilothouse::backends::http::HttpEngine engine;
    const QString configDir = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
    auto approvals = std::make_shared<pilothouse::backends::kube::ExecApprovalStore>(configDir + QStringLiteral("/exec-approvals.json"));
    pilothouse::backends::kube::KubeSession session(&engine, approvals);
    if (!settings.auditLogPath().isEmpty())
        pilothouse::backends::actions::SessionActions::of(&session)->setAuditLog(std::make_shared<pilothouse::backends::actions::AuditLog>(settings.auditLogPath()));

    pilothouse::widgets::MainWindow window(&pages, &settings, options.kubeconfigPath, options.context);
    if (!options.dashboard.isEmpty())
        window.setStartPage(QStringLiteral("metrics"), {{QStringLiteral("file"), options.dashboard}});
    else
        window.setStartPage(options.page);
    window.setDemoAvailable(!options.demo);
    window.attachSession(&session);
    // The demo's servers live only as long as the demo: they are not remembered.
    settings.setRemembersServers(!options.demo);

    auto loadAndShow = [&window, &settings](const QStringList &files, const QString &context) {
        auto config = pilothouse::backends::kube::Kubeconfig::load(files);
        if (!config.ok()) {
            window.showLoadError(config.error().message);
            return;
        }
        if (config.value().contextNames().isEmpty()) {
            window.showLoadError(QObject::tr("The kubeconfig has no contexts."));
            return;
        }
        window.showKubeconfig(config.value(), context);
    };
    // A file the operator opened is not the default kubeconfig: what it refers to outside its
    // folder is asked about before it connects.
    QObject::connect(&window, &pilothouse::widgets::MainWindow::kubeconfigChosen, &window, [&](const QString &path) {
        settings.addRecentKubeconfig(path);
        window.openImportedKubeconfig(path);
    });
    QObject::connect(window.welcomePage(), &pilothouse::widgets::shell::WelcomePage::openFileRequested, &window, [&] {
        const QString path = QFileDialog::getOpenFileName(&window, QObject::tr("Open a kubeconfig"), QDir::homePath() + QStringLiteral("/.kube"));
        if (!path.isEmpty())
            Q_EMIT window.kubeconfigChosen(path);
    });
    QObject::connect(&window, &pilothouse::widgets::MainWindow::preferencesRequested, &window, [&] {
        QStringList contexts;
        for (int i = 0; i < window.contextPicker()->count(); ++i)
            contexts << window.contextPicker()->itemText(i);
        pilothouse::widgets::shell::PreferencesDialog dialog(&settings, contexts, window.contextPicker()->currentText(), &window);
        dialog.exec();
    });

    pilothouse::app::DemoLauncher demo;
    QTemporaryDir demoCache;
    QObject::connect(&demo, &pilothouse::app::DemoLauncher::ready, &window, [&](const QString &kubeconfig) {
        printTo(stderr, QStringLiteral("pilothouse: demo cluster ready; kubectl --kubeconfig %1 get pods -A\n").arg(kubeconfig));
        loadAndShow({kubeconfig}, options.context);
    });
    QObject::connect(&demo, &pilothouse::app::DemoLauncher::failed, &window, [&](const QString &message) { window.showLoadError(message); });
    // The demo's Argo CD signs in by itself; its manifests repository opens in the GitOps page
    // (a cache clone in a folder that goes with the demo). Neither is written to the settings.
    QObject::connect(&demo, &pilothouse::app::DemoLauncher::argoCdReady, &window, [&](const pilothouse::app::DemoArgoCd &argo) {
        pilothouse::widgets::ArgoCdViewPreset preset;
        preset.url = argo.url;
        preset.username = argo.username;
        preset.password = argo.password;
        preset.caFile = argo.caFile;
        preset.logInNow = true;
        settings.setArgoCdPreset(preset, false);
        if (!argo.gitRepoUrl.isEmpty() && demoCache.isValid()) {
            pilothouse::backends::gitops::GitOpsSettings gitops = settings.gitOps();
            gitops.url = argo.gitRepoUrl;
            gitops.branch = QStringLiteral("main");
            gitops.localPath = demoCache.filePath(QStringLiteral("deploy"));
            if (gitops.authorName.isEmpty())
                gitops.authorName = QStringLiteral("Pilothouse Demo");
            if (gitops.authorEmail.isEmpty())
                gitops.authorEmail = QStringLiteral("demo@pilothouse.invalid");
            settings.setGitOps(gitops, false);
        }
        // Pages restored from the last run before the demo's servers were known are built again
        // with them (and the page the operator was on stays in front).
        pilothouse::widgets::shell::Navigator *navigator = window.navigator();
        pilothouse::widgets::shell::Page *current = navigator->currentPage();
        const QString currentKey = current ? current->pageKey() : QString();
        for (const QString &id : {QStringLiteral("argocd"), QStringLiteral("gitops")})
            if (pilothouse::widgets::shell::Page *stale = navigator->pageOfType(id)) {
                navigator->close(stale);
                window.openPage(id);
            }
        if (!currentKey.isEmpty())
            if (pilothouse::widgets::shell::Page *again = navigator->page(currentKey))
                window.pageTabs()->setCurrentWidget(again);
    });
    // The demo's Jenkins connects by itself with the run's API token (not written to the settings).
    QObject::connect(&demo, &pilothouse::app::DemoLauncher::jenkinsReady, &window, [&](const pilothouse::app::DemoJenkins &jenkins) {
        pilothouse::widgets::JenkinsPreset preset;
        preset.url = jenkins.url;
        preset.user = jenkins.user;
        preset.apiToken = jenkins.apiToken;
        preset.caPem = jenkins.caPem;
        preset.connectNow = true;
        settings.setJenkinsPreset(preset);
    });
    // The demo's Prometheus (scraping the simulator) serves the Metrics page for the run.
    QObject::connect(&demo, &pilothouse::app::DemoLauncher::prometheusReady, &window,
                     [&](const QString &url) { settings.setRunPrometheusUrl(url); });
    QObject::connect(&window, &pilothouse::widgets::MainWindow::demoRequested, &window, [&] {
        settings.setRemembersServers(false);
        window.setDemoAvailable(false);
        demo.start();
    });
    QObject::connect(&signalWatcher, &pilothouse::app::UnixSignalWatcher::signalReceived, &window, [&window](int signalNumber) {
        printTo(stderr, QStringLiteral("pilothouse: %1, shutting down\n").arg(QString::fromLocal8Bit(::strsignal(signalNumber))));
        window.close();
        QCoreApplication::quit();
    });
    window.show();
    // For bench/bench_startup: when the window is shown (before any I/O has answered) and when
    // the first pod rows are painted, on stderr.
    if (qEnvironmentVariableIsSet("PILOTHOUSE_STARTUP_TRACE")) {
        printTo(stderr, QStringLiteral("pilothouse: window shown\n"));
        QObject::connect(window.navigator(), &pilothouse::widgets::shell::Navigator::pageOpened, &window, [](pilothouse::widgets::shell::Page *page) {
            printTo(stderr, QStringLiteral("pilothouse: page %1 opened\n").arg(page->pageKey()));
            if (auto *resources = qobject_cast<pilothouse::widgets::ResourcesPage *>(page))
                QObject::connect(resources, &pilothouse::widgets::ResourcesPage::firstRowsPainted, resources,
                                 [] { printTo(stderr, QStringLiteral("pilothouse: first rows painted\n")); });
        });
    }

    if (options.demo) {
        demo.start();
    } else {
        const QStringList files = settings.kubeconfigFiles();
        auto config = files.isEmpty() || !options.kubeconfigFlag.isEmpty()
                          ? pilothouse::backends::kube::Kubeconfig::loadDefault(options.kubeconfigFlag, qgetenv("KUBECONFIG"), QDir::homePath())
                          : pilothouse::backends::kube::Kubeconfig::load(files);
        if (!config.ok())
            window.showLoadError(config.error().message);
        else if (config.value().contextNames().isEmpty())
            window.showLoadError(QObject::tr("No kubeconfig with a context was found (%1).").arg(options.kubeconfigPath));
        else
            window.showKubeconfig(config.value(), options.context);
    }
    return application.exec();
}
