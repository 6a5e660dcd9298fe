// Starting and stopping the demo: the manifests repository, git daemon and the simulator.
#include "demolauncher.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace pilothouse::app {

namespace {

constexpr const char *kRepoName = "deploy.git";

// A loopback port the kernel says is free now; git daemon binds it a moment later (retried if taken).
int freePort()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0) {
        socklen_t len = sizeof addr;
        if (::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0)
            port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

bool accepts(int port)
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

QString randomPassword()
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    QString out;
    for (int i = 0; i < 20; ++i)
        out += QLatin1Char(alphabet[QRandomGenerator::system()->bounded(static_cast<int>(sizeof alphabet - 1))]);
    return out;
}

// git-daemon itself rather than `git daemon`, so that stopping the process stops the daemon.
QStringList gitDaemonCommand()
{
    QProcess p;
    p.start(QStringLiteral("git"), {QStringLiteral("--exec-path")});
    if (p.waitForFinished(10000) && p.exitCode() == 0) {
        const QString daemon = QString::fromUtf8(p.readAllStandardOutput()).trimmed() + QStringLiteral("/git-daemon");
        if (QFileInfo(daemon).isExecutable())
            return {daemon};
    }
    return {QStringLiteral("git"), QStringLiteral("daemon")};
}

// The demo's processes die with the console even when it cannot stop them (a SIGKILL, a crash):
// the kernel sends them SIGTERM when the thread that started them — the GUI thread, which lives
// as long as the process — ends. Runs in the child between fork and exec: async-signal-safe only.
void dieWithParent(QProcess &process)
{
    const pid_t parent = ::getpid();
    process.setChildProcessModifier([parent] {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        // The console died before the line above: nobody will send the signal any more.
        if (::getppid() != parent)
            ::_exit(1);
    });
}

void warn(const QString &message)
{
    std::fputs(qPrintable(QStringLiteral("pilothouse: demo: ") + message + QLatin1Char('\n')), stderr);
}

}  // namespace

DemoLauncher::DemoLauncher(QObject *parent) : QObject(parent)
{
    // The simulator's stdout is read (for the Argo CD API's address) and passed on; stderr goes straight through.
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_writer.setProcessChannelMode(QProcess::ForwardedChannels);
    m_daemon.setStandardOutputFile(QProcess::nullDevice());
    dieWithParent(m_process);
    dieWithParent(m_writer);
    dieWithParent(m_daemon);
    dieWithParent(m_prometheus);
    m_prometheus.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_prometheus.setStandardOutputFile(QProcess::nullDevice());
    m_poll.setInterval(50);
    connect(&m_poll, &QTimer::timeout, this, [this] {
        m_waitedMs += m_poll.interval();
        if (QFileInfo::exists(kubeconfigPath())) {
            m_poll.stop();
            m_kubeconfigReady = true;
            announceJenkins();  // before ready(): pages built on connecting find the demo's Jenkins
            startPrometheus();  // and its Prometheus
            Q_EMIT ready(kubeconfigPath());
            maybeArgoCdReady();
        } else if (m_process.state() == QProcess::NotRunning || m_waitedMs > 30000) {
            m_poll.stop();
            Q_EMIT failed(tr("pilothouse-sim did not start (%1).").arg(m_process.errorString()));
        }
    });
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &DemoLauncher::readSimulatorOutput);
    connect(&m_writer, &QProcess::finished, this, [this](int exitCode, QProcess::ExitStatus status) {
        repositoryWritten(status == QProcess::NormalExit ? exitCode : -1);
    });
    connect(&m_writer, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            repositoryWritten(-1);
    });
    m_daemonPoll.setInterval(50);
    connect(&m_daemonPoll, &QTimer::timeout, this, [this] {
        m_daemonWaitedMs += m_daemonPoll.interval();
        if (m_daemon.state() == QProcess::Running && accepts(m_daemonPort)) {
            m_daemonPoll.stop();
            m_argo.gitRepoUrl = QStringLiteral("git://127.0.0.1:%1/%2").arg(m_daemonPort).arg(QLatin1String(kRepoName));
            startSimulator();
        } else if (m_daemon.state() == QProcess::NotRunning || m_daemonWaitedMs > 10000) {
            m_daemonPoll.stop();
            stopProcess(m_daemon);
            startGitDaemon();  // the port was taken in between: another one
        }
    });
}

DemoLauncher::~DemoLauncher()
{
    stopProcess(m_writer);
    stopProcess(m_prometheus);
    stopProcess(m_process);
    stopProcess(m_daemon);  // after the simulator, which fetches from it
}

void DemoLauncher::stopProcess(QProcess &p)
{
    if (p.state() == QProcess::NotRunning)
        return;
    p.terminate();
    if (!p.waitForFinished(5000)) {
        p.kill();
        p.waitForFinished(2000);
    }
}

QString DemoLauncher::kubeconfigPath() const { return m_dir.filePath(QStringLiteral("kubeconfig")); }

QString DemoLauncher::findSimulator()
{
    const QString here = QCoreApplication::applicationDirPath();
    for (const QString &candidate : {here + QStringLiteral("/pilothouse-sim"), here + QStringLiteral("/../sim/pilothouse-sim")})
        if (QFileInfo(candidate).isExecutable())
            return QDir::cleanPath(candidate);
    return {};
}

QString DemoLauncher::findScenario()
{
    const QString here = QCoreApplication::applicationDirPath();
    const QStringList candidates{
        QStringLiteral(PILOTHOUSE_SOURCE_DIR "/resources/scenarios/default.yaml"),
        here + QStringLiteral("/../share/pilothouse/scenarios/default.yaml"),
    };
    for (const QString &c : candidates)
        if (QFileInfo::exists(c))
            return QDir::cleanPath(c);
    return {};
}

void DemoLauncher::start()
{
    m_sim = m_simOverride.isEmpty() ? findSimulator() : m_simOverride;
    m_scenario = findScenario();
    if (m_sim.isEmpty() || m_scenario.isEmpty()) {
        Q_EMIT failed(m_sim.isEmpty() ? tr("pilothouse-sim was not found next to pilothouse.") : tr("The default scenario was not found."));
        return;
    }
    if (!m_dir.isValid()) {
        Q_EMIT failed(tr("Cannot create a temporary folder for the demo."));
        return;
    }
    m_argo.username = QStringLiteral("admin");
    m_argo.password = randomPassword();
    // The manifests repository of the demo: the scenario's GitOps apps with a short history, and a
    // release of storefront waiting to be promoted.
    const QString repos = m_dir.filePath(QStringLiteral("repos"));
    QDir().mkpath(repos);
    m_writer.start(m_sim, {QStringLiteral("--scenario"), m_scenario, QStringLiteral("--write-gitops-repo"),
                           repos + QLatin1Char('/') + QLatin1String(kRepoName), QStringLiteral("--demo-pending-release")});
}

void DemoLauncher::repositoryWritten(int exitCode)
{
    if (exitCode != 0) {
        warn(QStringLiteral("the GitOps repository could not be written; Argo CD runs without applications"));
        startSimulator();
        return;
    }
    startGitDaemon();
}

void DemoLauncher::startGitDaemon()
{
    if (++m_daemonAttempts > 5 || (m_daemonPort = freePort()) == 0) {
        warn(QStringLiteral("git daemon did not start (its log: %1); Argo CD runs without applications").arg(m_dir.filePath(QStringLiteral("git-daemon.log"))));
        startSimulator();
        return;
    }
    const QString repos = m_dir.filePath(QStringLiteral("repos"));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("GIT_CONFIG_NOSYSTEM"), QStringLiteral("1"));
    m_daemon.setProcessEnvironment(env);
    // Its stderr goes to a log beside the repositories: the readiness probe connects and hangs up,
    // which git daemon reports as "fatal: the remote end hung up unexpectedly".
    m_daemon.setStandardErrorFile(m_dir.filePath(QStringLiteral("git-daemon.log")), QIODevice::Append);
    // Push is enabled: the console's GitOps view pushes image bumps to this repository.
    QStringList command = gitDaemonCommand();
    const QString program = command.takeFirst();
    m_daemon.start(program, command + QStringList{QStringLiteral("--reuseaddr"), QStringLiteral("--export-all"), QStringLiteral("--enable=receive-pack"),
                                                  QStringLiteral("--base-path=") + repos, QStringLiteral("--listen=127.0.0.1"),
                                                  QStringLiteral("--port=") + QString::number(m_daemonPort), repos});
    m_daemonWaitedMs = 0;
    m_daemonPoll.start();
}

void DemoLauncher::startSimulator()
{
    QStringList args{QStringLiteral("--scenario"), m_scenario, QStringLiteral("--port"), QStringLiteral("0"),
                     QStringLiteral("--kubeconfig-out"), kubeconfigPath(),
                     // A load wave like a siege/k6 run, so a scale-up and a scale-down happen
                     // within the first minutes of the demo.
                     QStringLiteral("--demo-load-wave"),
                     QStringLiteral("--argocd-port"), QStringLiteral("0"),
                     // Jenkins beside it; its URL, user and token come in jenkins.json next to the kubeconfig.
                     QStringLiteral("--jenkins-port"), QStringLiteral("0")};
    if (!m_argo.gitRepoUrl.isEmpty())  // with the history of the releases before, for Argo CD's history and rollback
        args << QStringLiteral("--gitops-repo") << m_argo.gitRepoUrl << QStringLiteral("--gitops-seed-history");
    // The password goes through the environment: a command line is readable by every local user.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PILOTHOUSE_ARGOCD_PASSWORD"), m_argo.password);
    m_process.setProcessEnvironment(env);
    m_process.start(m_sim, args);
    m_waitedMs = 0;
    m_poll.start();
}

void DemoLauncher::readSimulatorOutput()
{
    const QByteArray chunk = m_process.readAllStandardOutput();
    std::fwrite(chunk.constData(), 1, static_cast<size_t>(chunk.size()), stdout);
    std::fflush(stdout);
    if (!m_argo.url.isEmpty())
        return;
    m_simOutput += chunk;
    static const QRegularExpression line(QStringLiteral("serving the Argo CD API at (https://\\S+)"));
    const QRegularExpressionMatch m = line.match(QString::fromUtf8(m_simOutput));
    if (!m.hasMatch())
        return;
    m_argo.url = m.captured(1);
    m_simOutput.clear();
    maybeArgoCdReady();
}

void DemoLauncher::announceJenkins()
{
    // The simulator writes jenkins.json before the kubeconfig.
    const QString path = QFileInfo(kubeconfigPath()).dir().filePath(QStringLiteral("jenkins.json"));
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        warn(QStringLiteral("no %1 from the simulator; the Pipelines page is not connected").arg(path));
        return;
    }
    const QJsonObject j = QJsonDocument::fromJson(f.readAll()).object();
    m_jenkins.url = j.value(QStringLiteral("url")).toString();
    m_jenkins.user = j.value(QStringLiteral("user")).toString();
    m_jenkins.apiToken = j.value(QStringLiteral("apiToken")).toString().toUtf8();
    m_jenkins.caPem = QByteArray::fromBase64(j.value(QStringLiteral("certificateAuthorityData")).toString().toLatin1());
    if (m_jenkins.url.isEmpty() || m_jenkins.user.isEmpty() || m_jenkins.apiToken.isEmpty()) {
        warn(QStringLiteral("%1 names no Jenkins URL, user and API token; the Pipelines page is not connected").arg(path));
        return;
    }
    Q_EMIT jenkinsReady(m_jenkins);
}

void DemoLauncher::startPrometheus()
{
    const QString binary = QStandardPaths::findExecutable(QStringLiteral("prometheus"));
    if (binary.isEmpty()) {
        warn(QStringLiteral("prometheus is not installed; the Metrics page has no Prometheus (apt install prometheus)"));
        return;
    }
    // The simulator's API address and CA, and the read-only viewer's token (least privilege:
    // /metrics is read by any signed-in client), from the kubeconfig it wrote.
    QFile kc(kubeconfigPath());
    if (!kc.open(QIODevice::ReadOnly))
        return;
    const QString text = QString::fromUtf8(kc.readAll());
    static const QRegularExpression serverLine(QStringLiteral("server:\\s*https://127\\.0\\.0\\.1:(\\d+)"));
    static const QRegularExpression caLine(QStringLiteral("certificate-authority-data:\\s*(\\S+)"));
    static const QRegularExpression tokenLine(QStringLiteral("\\btoken:\\s*(\\S+)"));
    const auto server = serverLine.match(text), ca = caLine.match(text), token = tokenLine.match(text);
    if (!server.hasMatch() || !ca.hasMatch() || !token.hasMatch()) {
        warn(QStringLiteral("cannot read the simulator's address, CA or viewer token from %1; no Prometheus").arg(kubeconfigPath()));
        return;
    }
    const QString dir = m_dir.filePath(QStringLiteral("prometheus"));
    QDir().mkpath(dir);
    const auto write = [](const QString &path, const QByteArray &bytes) {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return false;
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);  // the token is a secret
        return f.write(bytes) == bytes.size();
    };
    const QString caFile = dir + QStringLiteral("/ca.pem"), tokenFile = dir + QStringLiteral("/token"), config = dir + QStringLiteral("/prometheus.yml");
    const int port = freePort();
    const QString yaml = QStringLiteral(
                             "global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\n  evaluation_interval: 5s\n"
                             "scrape_configs:\n  - job_name: pilothouse-sim\n    scheme: https\n    honor_labels: true\n"
                             "    authorization:\n      type: Bearer\n      credentials_file: '%1'\n"
                             "    tls_config:\n      ca_file: '%2'\n"
                             "    static_configs:\n      - targets: ['127.0.0.1:%3']\n")
                             .arg(tokenFile, caFile, server.captured(1));
    if (port == 0 || !write(caFile, QByteArray::fromBase64(ca.captured(1).toLatin1())) || !write(tokenFile, token.captured(1).toUtf8()) ||
        !write(config, yaml.toUtf8())) {
        warn(QStringLiteral("cannot write the Prometheus configuration in %1; no Prometheus").arg(dir));
        return;
    }
    m_prometheus.setWorkingDirectory(dir);
    m_prometheus.start(binary, {QStringLiteral("--config.file=") + config, QStringLiteral("--storage.tsdb.path=") + dir + QStringLiteral("/data"),
                                QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port), QStringLiteral("--log.level=warn")});
    if (!m_prometheus.waitForStarted(5000)) {
        warn(QStringLiteral("prometheus did not start (%1)").arg(m_prometheus.errorString()));
        return;
    }
    m_prometheusUrl = QStringLiteral("http://127.0.0.1:%1").arg(port);
    Q_EMIT prometheusReady(m_prometheusUrl);
}

void DemoLauncher::maybeArgoCdReady()
{
    if (m_argoAnnounced || !m_kubeconfigReady || m_argo.url.isEmpty())
        return;
    // The Argo CD API's certificate is signed by the simulator's CA, which the kubeconfig carries.
    QFile kc(kubeconfigPath());
    QByteArray ca;
    if (kc.open(QIODevice::ReadOnly)) {
        static const QRegularExpression caLine(QStringLiteral("certificate-authority-data:\\s*(\\S+)"));
        const QRegularExpressionMatch m = caLine.match(QString::fromUtf8(kc.readAll()));
        if (m.hasMatch())
            ca = QByteArray::fromBase64(m.captured(1).toLatin1());
    }
    m_argo.caFile = m_dir.filePath(QStringLiteral("argocd-ca.pem"));
    QFile out(m_argo.caFile);
    if (ca.isEmpty() || !out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(ca) != ca.size()) {
        warn(QStringLiteral("cannot read the simulator's CA from %1; the Argo CD sign-in is not offered").arg(kubeconfigPath()));
        return;
    }
    out.close();
    m_argoAnnounced = true;
    Q_EMIT argoCdReady(m_argo);
}

}  // namespace pilothouse::app
