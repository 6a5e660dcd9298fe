// The console as the application builds it, for widget tests and the screenshot driver: one
// HTTP engine, a session with its audit log and exec approvals in a temporary folder, and the
// main window signed in to a running pilothouse-sim with its kubeconfig's current context.
#pragma once

#include "actions/auditlog.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "registerpages.h"
#include "shell/mainwindow.h"
#include "resources/resourcespage.h"
#include "shell/shellsettings.h"
#include "actions/sessionactions.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace pilothouse::testsupport {

// The shell's registry and settings as the application makes them, the settings in a temporary
// INI file (a test never reads or writes the user's).
struct ShellParts {
    QTemporaryDir settingsDir;
    widgets::shell::PageRegistry pages;
    std::unique_ptr<widgets::shell::ShellSettings> settings;
    ShellParts()
    {
        app::registerPages(pages);
        settings = std::make_unique<widgets::shell::ShellSettings>(settingsDir.filePath(QStringLiteral("settings.ini")));
    }
    std::unique_ptr<widgets::MainWindow> makeWindow(const QString &kubeconfigPath, const QString &context = {})
    {
        return std::make_unique<widgets::MainWindow>(&pages, settings.get(), kubeconfigPath, context);
    }
};

struct ConnectedWindow {
    QTemporaryDir dir;
    ShellParts shell;
    std::unique_ptr<backends::http::HttpEngine> engine;
    std::unique_ptr<backends::kube::KubeSession> session;
    std::unique_ptr<widgets::MainWindow> window;

    QString auditPath() const { return dir.filePath(QStringLiteral("audit.jsonl")); }
    widgets::ResourcesPage *resources() const { return window->resourcesPage(); }

    // Shows the window and connects it; false with `error` set when the kubeconfig cannot be read.
    bool open(const QString &kubeconfigPath, QString *error)
    {
        engine = std::make_unique<backends::http::HttpEngine>();
        auto approvals = std::make_shared<backends::kube::ExecApprovalStore>(dir.filePath(QStringLiteral("approvals.json")));
        session = std::make_unique<backends::kube::KubeSession>(engine.get(), approvals);
        backends::actions::SessionActions::of(session.get())->setAuditLog(std::make_shared<backends::actions::AuditLog>(auditPath()));
        window = shell.makeWindow(kubeconfigPath);
        window->attachSession(session.get());
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get())) {
            *error = QStringLiteral("the window was not exposed");
            return false;
        }
        auto config = backends::kube::Kubeconfig::load({kubeconfigPath});
        if (!config.ok()) {
            *error = config.error().message;
            return false;
        }
        window->showKubeconfig(config.value(), {});
        return true;
    }

    // The window goes before the session it shows, the session before the engine.
    void close()
    {
        window.reset();
        session.reset();
        engine.reset();
    }
    ~ConnectedWindow() { close(); }
};

}  // namespace pilothouse::testsupport
