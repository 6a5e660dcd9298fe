// The shell: a navigation rail of the registered pages, the context and namespace pickers, the
// read-only toggle, page tabs, the command palette and the status bar with the connection
// state. It holds no domain logic: pages come from the page registry and reach each other
// through the navigator.
#pragma once

#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "shell/pageregistry.h"

#include <QMainWindow>
#include <QMap>
#include <QPointer>

#include <functional>

class QComboBox;
class QLabel;
class QStackedWidget;
class QTabWidget;
class QTimer;

namespace pilothouse::widgets::shell {
class ActionRunner;
class ExecApprovalDialog;
class KubeconfigImportDialog;
class CommandPalette;
class KindCatalog;
class NamespacePicker;
class NavigationRail;
class Navigator;
class Page;
class ShellSettings;
class WelcomePage;
}

namespace pilothouse::widgets {

class ConnectionStatusLabel;
class ResourcesPage;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // kubeconfigPath is the file a login reads (shown on the welcome page); context is the
    // --context override, empty when the kubeconfig's current-context applies.
    MainWindow(const shell::PageRegistry *pages, shell::ShellSettings *settings, const QString &kubeconfigPath,
               const QString &context = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    void attachSession(backends::kube::KubeSession *session);
    // A loaded kubeconfig: fills the context picker and connects to `context` (or the current one).
    void showKubeconfig(const backends::kube::Kubeconfig &config, const QString &context);
    // The kubeconfig could not be used: the welcome page says why.
    void showLoadError(const QString &message);
    // A kubeconfig the operator opened (not the default one): loaded, and shown once the operator
    // accepted the files it refers to outside its folder, if any.
    void openImportedKubeconfig(const QString &path);
    // Instead of the modal dialogs (tests): the answer to an exec approval or to an opened
    // kubeconfig's outside references, given the dialog as built.
    void setExecApprovalHandler(std::function<bool(shell::ExecApprovalDialog *)> handler) { m_execApprovalHandler = std::move(handler); }
    void setImportConfirmHandler(std::function<bool(shell::KubeconfigImportDialog *)> handler) { m_importHandler = std::move(handler); }
    // The page to show once connected (--page); "" restores the context's last page.
    void setStartPage(const QString &id, const QVariantMap &args = {})
    {
        m_startPage = id;
        m_startArgs = args;
    }
    // Whether the welcome page offers "Start the demo world" (the application can start it).
    void setDemoAvailable(bool available);

    shell::Page *openPage(const QString &id, const QVariantMap &args = {});
    shell::Navigator *navigator() const { return m_navigator; }
    shell::ActionRunner *actionRunner() const { return m_runner; }
    shell::KindCatalog *kinds() const { return m_kinds; }
    shell::NavigationRail *rail() const { return m_rail; }
    shell::CommandPalette *palette() const { return m_palette; }
    shell::NamespacePicker *namespacePicker() const { return m_namespaces; }
    shell::WelcomePage *welcomePage() const { return m_welcome; }
    ResourcesPage *resourcesPage() const;
    QTabWidget *pageTabs() const { return m_tabs; }
    ConnectionStatusLabel *connectionStatus() const { return m_connectionStatus; }
    QComboBox *contextPicker() const { return m_contextPicker; }
    QAction *readOnlyAction() const { return m_readOnlyAction; }
    void selectNamespaces(const QStringList &namespaces);
    QStringList selectedNamespaces() const;
    QString readOnlyReason() const;
    QString lastMessage() const { return m_lastMessage; }
    // The palette over the current page's commands (Ctrl+K, Ctrl+Shift+P).
    void openPalette(const QString &initialText = {});

Q_SIGNALS:
    void kubeconfigChosen(const QString &path);   // welcome page: open or recent
    void demoRequested();
    void preferencesRequested();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    QWidget *createHeader();
    void onConnectionState(backends::kube::KubeSession::ConnectionState state, const QString &detail);
    void onListProgress(const QString &plural, int received, int total);
    void onExecApproval(const QString &command, const QString &context);
    void applyReadOnly();
    void showMessage(const QString &text, bool ok = true);
    void restorePages(const QString &context);
    void rememberPages();

    const shell::PageRegistry *m_registry;
    shell::ShellSettings *m_settings;
    QString m_kubeconfigPath;
    QString m_context;
    QString m_startPage;
    QVariantMap m_startArgs;
    backends::kube::KubeSession *m_session = nullptr;
    backends::kube::Kubeconfig m_config;
    QStringList m_clusterNamespaces;
    bool m_restored = false;
    QString m_lastMessage;

    QStackedWidget *m_stack = nullptr;
    shell::WelcomePage *m_welcome = nullptr;
    QWidget *m_workspace = nullptr;
    QTabWidget *m_tabs = nullptr;
    shell::NavigationRail *m_rail = nullptr;
    shell::Navigator *m_navigator = nullptr;
    shell::ActionRunner *m_runner = nullptr;
    shell::KindCatalog *m_kinds = nullptr;
    shell::CommandPalette *m_palette = nullptr;
    shell::NamespacePicker *m_namespaces = nullptr;
    QComboBox *m_contextPicker = nullptr;
    QAction *m_readOnlyAction = nullptr;
    ConnectionStatusLabel *m_connectionStatus = nullptr;
    QLabel *m_listProgress = nullptr;
    QMap<QString, QString> m_listing;  // plural -> "pods 35,000 of 100,000" while it lists
    QLabel *m_message = nullptr;
    QTimer *m_messageTimer = nullptr;
    QPointer<shell::Page> m_messageFrom;  // the page whose message is shown, if any
    std::function<bool(shell::ExecApprovalDialog *)> m_execApprovalHandler;
    std::function<bool(shell::KubeconfigImportDialog *)> m_importHandler;
};

}  // namespace pilothouse::widgets
