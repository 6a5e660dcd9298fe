// The console's top-level window; for now a welcome panel and the connection indicator.
#pragma once

#include "kube/kubeconfig.h"
#include "delivery/argocdview.h"
#include "gitops/gitopsrepository.h"
#include "kube/kubesession.h"
#include "objectfilterproxymodel.h"

#include <QMainWindow>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QPlainTextEdit;
class QListWidget;
class QListWidgetItem;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QToolButton;

namespace pilothouse::models {
class ObjectTableModel;
class ObjectFilterProxyModel;
class PodTableModel;
class DeploymentTableModel;
class TableRowModel;
}

namespace pilothouse::widgets {

class ConnectionStatusLabel;
class DetailPane;
class GitOpsView;
class LogView;
class RolloutsView;
class ScalingView;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    // kubeconfigPath is the file a login would read; context is the --context override,
    // empty when the kubeconfig's current-context applies.
    explicit MainWindow(const QString &kubeconfigPath, const QString &context = {},
                        QWidget *parent = nullptr);

    ConnectionStatusLabel *connectionStatus() const { return m_connectionStatus; }

    // Live cluster view: the session does the I/O, the window shows its snapshots.
    void attachSession(backends::kube::KubeSession *session);
    // A loaded kubeconfig: fills the context picker and connects to `context` (or the current one).
    void showKubeconfig(const backends::kube::Kubeconfig &config, const QString &context);
    // The kubeconfig could not be used: the welcome panel shows why.
    void showLoadError(const QString &message);

    models::PodTableModel *podModel() const { return m_podModel; }
    models::DeploymentTableModel *deploymentModel() const { return m_deploymentModel; }
    QSortFilterProxyModel *podProxy() const { return m_podProxy; }
    QTableView *podView() const { return m_podView; }
    QLineEdit *filterEdit() const { return m_filter; }
    QComboBox *contextPicker() const { return m_contextPicker; }
    // The namespaces shown: none ticked means all. One namespace scopes the watches on the server;
    // several are watched together and filtered here.
    QListWidget *namespaceList() const { return m_namespaceList; }
    void selectNamespaces(const QStringList &namespaces);
    QStringList selectedNamespaces() const { return m_selectedNamespaces; }
    QListWidget *kindList() const { return m_kindList; }
    models::TableRowModel *kindModel() const { return m_kindModel; }
    QTableView *kindView() const { return m_kindView; }
    // ":" in the window: select a kind by name, plural or short name ("svc", "hpa").
    bool jumpToKind(const QString &text);

    // Actions on the row under the cursor (pods: delete; deployments: scale, restart, delete),
    // each enabled only when the cluster allows it (the reason is the tooltip). `ready` gets
    // the menu once every permission answer is in.
    void buildActionMenu(const backends::kube::KubeObjectPtr &object, bool isDeployment, std::function<void(QMenu *)> ready);
    // Dialog hooks (tests replace them): the confirmation text must be accepted to send.
    void setConfirmHandler(std::function<bool(const QString &)> confirm) { m_confirm = std::move(confirm); }
    void setReplicasHandler(std::function<int(int current)> ask) { m_askReplicas = std::move(ask); }
    QString lastActionMessage() const { return m_lastActionMessage; }
    QPlainTextEdit *yamlView() const;
    // Work tabs beside the resource browser; an already open view for the same target is raised
    // instead of opened twice.
    LogView *openLogs(const backends::kube::KubeObjectPtr &object, bool workload);
    ScalingView *openScalingView(const QString &ns, const QString &deployment);
    // The rollouts view (one per window), optionally with a Rollout or Deployment selected.
    RolloutsView *openRolloutsView(const QString &kind = {}, const QString &ns = {}, const QString &name = {});
    // Argo CD and the GitOps repository, as work tabs (one each per window). The preset and the
    // repository settings come from the application (demo launcher, settings); the views keep
    // what the operator changes there.
    void setArgoCdPreset(const ArgoCdViewPreset &preset) { m_argoCdPreset = preset; }
    ArgoCdView *openArgoCdView();
    void setGitOpsSettings(const backends::gitops::GitOpsSettings &settings) { m_gitOpsSettings = settings; }
    GitOpsView *openGitOpsView();
    QTabWidget *workTabs() const { return m_workTabs; }
    // Contexts in which Pilothouse sends no change (the toolbar's Read-only toggle). The window
    // only holds the list; the application stores it (readOnlyContextsChanged).
    void setReadOnlyContexts(const QStringList &contexts);
    QStringList readOnlyContexts() const { return m_readOnlyContexts; }
    QAction *readOnlyAction() const { return m_readOnlyAction; }

Q_SIGNALS:
    void readOnlyContextsChanged(const QStringList &contexts);
    void gitOpsSettingsChanged(const pilothouse::backends::gitops::GitOpsSettings &settings);
    void argoCdLoggedIn(const QString &url, const QString &user);

public:
    DetailPane *detailPane() const { return m_detail; }
    QString kubeconfigPath() const { return m_kubeconfigPath; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QWidget *createWelcomePanel();
    QWidget *createClusterPage();
    QTableView *createTable(QSortFilterProxyModel *proxy, const QString &objectName);
    void onConnectionState(backends::kube::KubeSession::ConnectionState state, const QString &detail);
    void onNamespaces(const backends::kube::ObjectList &all);
    void applyNamespaceSelection();
    void onExecApproval(const QString &command, const QString &context);
    void updateCounts();
    void showKind(QListWidgetItem *item);
    void onResourcesDiscovered(const QList<backends::kube::ResourceRef> &resources);
    void openActionMenu(QTableView *view, QSortFilterProxyModel *proxy, models::ObjectTableModel *model, bool isDeployment, const QPoint &pos);
    void runAction(const backends::actions::Action &action);
    int showWorkTab(QWidget *view, const QString &title, const QString &key);
    void showDetails(const backends::kube::ResourceRef &resource, const backends::kube::KubeObjectPtr &object);

    QString m_kubeconfigPath;
    QString m_context;
    ConnectionStatusLabel *m_connectionStatus = nullptr;
    backends::kube::KubeSession *m_session = nullptr;
    backends::kube::Kubeconfig m_config;
    QStackedWidget *m_pages = nullptr;
    QLabel *m_loadError = nullptr;
    QComboBox *m_contextPicker = nullptr;
    QToolButton *m_namespaceButton = nullptr;
    QListWidget *m_namespaceList = nullptr;
    QStringList m_selectedNamespaces;
    bool m_updatingNamespaces = false;
    QLineEdit *m_filter = nullptr;
    QTabWidget *m_tabs = nullptr;
    QStackedWidget *m_views = nullptr;
    QListWidget *m_kindList = nullptr;
    QLineEdit *m_jump = nullptr;
    QTableView *m_kindView = nullptr;
    models::TableRowModel *m_kindModel = nullptr;
    models::ObjectFilterProxyModel *m_kindProxy = nullptr;
    QStringList m_builtinPlurals;
    std::function<bool(const QString &)> m_confirm;
    std::function<int(int)> m_askReplicas;
    QString m_lastActionMessage;
    DetailPane *m_detail = nullptr;
    QTabWidget *m_workTabs = nullptr;
    QAction *m_readOnlyAction = nullptr;
    QStringList m_readOnlyContexts;
    void applyReadOnly(const QString &context);
    QString readOnlyReason() const;
    template<class View>
    View *findWorkTab() const;
    ArgoCdViewPreset m_argoCdPreset;
    backends::gitops::GitOpsSettings m_gitOpsSettings;
    QTableView *m_podView = nullptr;
    QTableView *m_deploymentView = nullptr;
    QLabel *m_counts = nullptr;
    models::PodTableModel *m_podModel = nullptr;
    models::DeploymentTableModel *m_deploymentModel = nullptr;
    models::ObjectFilterProxyModel *m_podProxy = nullptr;
    models::ObjectFilterProxyModel *m_deploymentProxy = nullptr;
    QStringList m_namespaces;
};

} // namespace pilothouse::widgets
