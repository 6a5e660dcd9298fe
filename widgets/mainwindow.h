// The console's top-level window; for now a welcome panel and the connection indicator.
#pragma once

#include <QMainWindow>

class QLabel;

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
    QString kubeconfigPath() const { return m_kubeconfigPath; }

private:
    QWidget *createWelcomePanel();

    QString m_kubeconfigPath;
    QString m_context;
    ConnectionStatusLabel *m_connectionStatus = nullptr;
};

} // namespace pilothouse::widgets
