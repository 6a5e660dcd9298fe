// The console's top-level window; for now a welcome panel and the connection indicator.
#pragma once

#include "kube/kubeconfig.h"
#include "kube/kubesession.h"

#include <QMainWindow>

class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace pilothouse::models {
class PodTableModel;
class DeploymentTableModel;
}

namespace pilothouse::widgets {

class ConnectionStatusLabel;

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
    QComboBox *namespacePicker() const { return m_namespacePicker; }
    QString kubeconfigPath() const { return m_kubeconfigPath; }

private:
    QWidget *createWelcomePanel();
    QWidget *createClusterPage();
    QTableView *createTable(QSortFilterProxyModel *proxy, const QString &objectName);
    void onConnectionState(backends::kube::KubeSession::ConnectionState state, const QString &detail);
    void onNamespaces(const backends::kube::ObjectList &all);
    void onExecApproval(const QString &command, const QString &context);
    void updateCounts();

    QString m_kubeconfigPath;
    QString m_context;
    ConnectionStatusLabel *m_connectionStatus = nullptr;
    backends::kube::KubeSession *m_session = nullptr;
    backends::kube::Kubeconfig m_config;
    QStackedWidget *m_pages = nullptr;
    QLabel *m_loadError = nullptr;
    QComboBox *m_contextPicker = nullptr;
    QComboBox *m_namespacePicker = nullptr;
    QLineEdit *m_filter = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableView *m_podView = nullptr;
    QTableView *m_deploymentView = nullptr;
    QLabel *m_counts = nullptr;
    models::PodTableModel *m_podModel = nullptr;
    models::DeploymentTableModel *m_deploymentModel = nullptr;
    QSortFilterProxyModel *m_podProxy = nullptr;
    QSortFilterProxyModel *m_deploymentProxy = nullptr;
    QStringList m_namespaces;
};

} // namespace pilothouse::widgets
