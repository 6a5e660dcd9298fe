// --demo: starts pilothouse-sim with the default scenario and hands its kubeconfig to the window.
#pragma once

#include <QObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

namespace pilothouse::app {

class DemoLauncher : public QObject {
    Q_OBJECT

public:
    explicit DemoLauncher(QObject *parent = nullptr);
    ~DemoLauncher() override;

    // Finds the simulator next to this executable (build tree or installed) and starts it.
    void start();
    QString kubeconfigPath() const;
    static QString findSimulator();
    static QString findScenario();

Q_SIGNALS:
    void ready(const QString &kubeconfigPath);
    void failed(const QString &message);

private:
    QProcess m_process;
    QTemporaryDir m_dir;
    QTimer m_poll;
    int m_waitedMs = 0;
};

}  // namespace pilothouse::app
