// --demo: writes the demo manifests repository, serves it with `git daemon`, starts pilothouse-sim
// (default scenario, Argo CD syncing from that repository) and hands the kubeconfig and the Argo CD
// sign-in to the window.
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QTimer>

namespace pilothouse::app {

// How the window signs in to the demo's Argo CD, and where the manifests repository is.
struct DemoArgoCd {
    QString url;        // https://127.0.0.1:PORT
    QString caFile;     // the simulator's CA (PEM), which also signs the Argo CD API's certificate
    QString username;   // admin
    QString password;   // generated per demo run; never printed
    QString gitRepoUrl; // git://127.0.0.1:PORT/deploy.git, empty when git was not available
};

// How the window connects to the demo's Jenkins (the sim's jenkins.json).
struct DemoJenkins {
    QString url;          // https://127.0.0.1:PORT
    QString user;         // admin
    QByteArray apiToken;  // generated per demo run; never printed
    QByteArray caPem;     // the simulator's CA, which signs the Jenkins API's certificate
};

class DemoLauncher : public QObject {
    Q_OBJECT

public:
    explicit DemoLauncher(QObject *parent = nullptr);
    ~DemoLauncher() override;

    // Finds the simulator next to this executable (build tree or installed) and starts the demo.
    void start();
    QString kubeconfigPath() const;
    const DemoArgoCd &argoCd() const { return m_argo; }
    const DemoJenkins &jenkins() const { return m_jenkins; }
    QString prometheusUrl() const { return m_prometheusUrl; }
    static QString findSimulator();
    static QString findScenario();
    // Instead of the ones found next to the executable (tests).
    void setSimulator(const QString &path) { m_simOverride = path; }

Q_SIGNALS:
    void ready(const QString &kubeconfigPath);
    // After ready(): the Argo CD API is up (its applications appear as the first sync runs).
    void argoCdReady(const pilothouse::app::DemoArgoCd &argoCd);
    // Just before ready(): the Jenkins API is up.
    void jenkinsReady(const pilothouse::app::DemoJenkins &jenkins);
    // Just before ready(): Debian's prometheus runs, scraping the simulator (its URL); not
    // emitted when prometheus is not installed (the Metrics page says no Prometheus is set).
    void prometheusReady(const QString &url);
    void failed(const QString &message);

private:
    void repositoryWritten(int exitCode);
    void startGitDaemon();
    void startSimulator();
    void readSimulatorOutput();
    void maybeArgoCdReady();
    void announceJenkins();
    void startPrometheus();
    void stopProcess(QProcess &p);

    QString m_sim;
    QString m_simOverride;
    QString m_scenario;
    QProcess m_writer;
    QProcess m_daemon;
    QProcess m_prometheus;
    QProcess m_process;  // the simulator
    QTemporaryDir m_dir;
    QTimer m_poll;
    QTimer m_daemonPoll;
    int m_waitedMs = 0;
    int m_daemonWaitedMs = 0;
    int m_daemonPort = 0;
    int m_daemonAttempts = 0;
    QByteArray m_simOutput;
    bool m_kubeconfigReady = false;
    bool m_argoAnnounced = false;
    DemoArgoCd m_argo;
    DemoJenkins m_jenkins;
    QString m_prometheusUrl;
};

}  // namespace pilothouse::app
