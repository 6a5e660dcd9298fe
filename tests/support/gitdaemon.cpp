// Test support: the real `git daemon` on a free port, and bare repositories built with the git CLI.
#include "gitdaemon.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QThread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pilothouse::testsupport {

namespace {

// A port the kernel says is free right now; the daemon binds it a moment later (a retry covers the race).
int freePort()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
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

// git without the user's or the system's configuration, with a fixed identity.
QProcessEnvironment gitEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("GIT_CONFIG_NOSYSTEM"), QStringLiteral("1"));
    env.insert(QStringLiteral("GIT_CONFIG_GLOBAL"), QStringLiteral("/dev/null"));
    env.insert(QStringLiteral("GIT_TERMINAL_PROMPT"), QStringLiteral("0"));
    env.insert(QStringLiteral("GIT_AUTHOR_NAME"), QStringLiteral("Test Fixture"));
    env.insert(QStringLiteral("GIT_AUTHOR_EMAIL"), QStringLiteral("fixture@pilothouse.test"));
    env.insert(QStringLiteral("GIT_COMMITTER_NAME"), QStringLiteral("Test Fixture"));
    env.insert(QStringLiteral("GIT_COMMITTER_EMAIL"), QStringLiteral("fixture@pilothouse.test"));
    return env;
}

// Runs git-daemon itself rather than the `git` wrapper, so that stopping the process stops the server.
QString daemonProgram(QStringList *argsPrefix)
{
    QProcess p;
    p.start(QStringLiteral("git"), {QStringLiteral("--exec-path")});
    if (p.waitForFinished(10000) && p.exitCode() == 0) {
        const QString dir = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
        const QString daemon = dir + QStringLiteral("/git-daemon");
        if (QFileInfo(daemon).isExecutable())
            return daemon;
    }
    *argsPrefix = {QStringLiteral("daemon")};
    return QStringLiteral("git");
}

bool writeFiles(const QString &dir, const QMap<QString, QByteArray> &files, QString *error)
{
    for (auto it = files.begin(); it != files.end(); ++it) {
        const QString path = dir + QLatin1Char('/') + it.key();
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(it.value()) != it.value().size()) {
            *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
            return false;
        }
    }
    return true;
}

bool git(const QString &dir, const QStringList &args, QString *error)
{
    const GitResult r = runGit(dir, args);
    if (!r.ok())
        *error = QStringLiteral("git %1 failed (%2): %3").arg(args.join(QLatin1Char(' '))).arg(r.exitCode).arg(r.err.trimmed());
    return r.ok();
}

}  // namespace

GitResult runGit(const QString &dir, const QStringList &args, int timeoutMs)
{
    GitResult result;
    QProcess p;
    p.setProcessEnvironment(gitEnvironment());
    QStringList all;
    if (!dir.isEmpty())
        all << QStringLiteral("-C") << dir;
    all << args;
    p.start(QStringLiteral("git"), all);
    if (!p.waitForStarted(10000)) {
        result.err = p.errorString();
        return result;
    }
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(3000);
        result.err = QStringLiteral("timed out");
        return result;
    }
    result.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    result.out = QString::fromUtf8(p.readAllStandardOutput());
    result.err = QString::fromUtf8(p.readAllStandardError());
    return result;
}

bool createBareRepository(const QString &bareDir, const QMap<QString, QByteArray> &files, QString *error,
                          const QString &branch, const QString &message)
{
    QTemporaryDir work;
    if (!work.isValid()) {
        *error = QStringLiteral("cannot create a temporary directory");
        return false;
    }
    if (!git({}, {QStringLiteral("init"), QStringLiteral("--bare"), QStringLiteral("-q"), QStringLiteral("-b"), branch, bareDir}, error))
        return false;
    if (!git({}, {QStringLiteral("init"), QStringLiteral("-q"), QStringLiteral("-b"), branch, work.path()}, error))
        return false;
    if (!writeFiles(work.path(), files, error))
        return false;
    return git(work.path(), {QStringLiteral("add"), QStringLiteral("-A")}, error)
           && git(work.path(), {QStringLiteral("commit"), QStringLiteral("-q"), QStringLiteral("--allow-empty"), QStringLiteral("-m"), message}, error)
           && git(work.path(), {QStringLiteral("push"), QStringLiteral("-q"), bareDir, QStringLiteral("HEAD:refs/heads/") + branch}, error);
}

bool commitAndPush(const QString &url, const QString &dir, const QMap<QString, QByteArray> &files,
                   const QString &message, QString *error, const QString &branch)
{
    if (!QFileInfo::exists(dir + QStringLiteral("/.git"))) {
        if (!git({}, {QStringLiteral("clone"), QStringLiteral("-q"), QStringLiteral("-b"), branch, url, dir}, error))
            return false;
    } else if (!git(dir, {QStringLiteral("pull"), QStringLiteral("-q"), QStringLiteral("--ff-only"), QStringLiteral("origin"), branch}, error)) {
        return false;
    }
    if (!writeFiles(dir, files, error))
        return false;
    return git(dir, {QStringLiteral("add"), QStringLiteral("-A")}, error)
           && git(dir, {QStringLiteral("commit"), QStringLiteral("-q"), QStringLiteral("-m"), message}, error)
           && git(dir, {QStringLiteral("push"), QStringLiteral("-q"), QStringLiteral("origin"), QStringLiteral("HEAD:refs/heads/") + branch}, error);
}

GitDaemon::GitDaemon(QString baseDir)
    : m_baseDir(std::move(baseDir))
{
    if (m_baseDir.isEmpty()) {
        m_baseDir = m_tempDir.filePath(QStringLiteral("repos"));
        QDir().mkpath(m_baseDir);
    }
}

GitDaemon::~GitDaemon() { stop(); }

bool GitDaemon::start(QString *error)
{
    QStringList prefix;
    const QString program = daemonProgram(&prefix);
    const QString logFile = m_tempDir.filePath(QStringLiteral("git-daemon.log"));
    for (int attempt = 0; attempt < 5; ++attempt) {
        m_port = freePort();
        if (m_port == 0) {
            *error = QStringLiteral("no free port for git daemon");
            return false;
        }
        QStringList args = prefix;
        args << QStringLiteral("--reuseaddr") << QStringLiteral("--export-all") << QStringLiteral("--enable=receive-pack")
             << QStringLiteral("--verbose") << QStringLiteral("--informative-errors")
             << QStringLiteral("--base-path=") + m_baseDir << QStringLiteral("--listen=127.0.0.1")
             << QStringLiteral("--port=") + QString::number(m_port) << m_baseDir;
        m_process.setProcessEnvironment(gitEnvironment());
        m_process.setStandardOutputFile(QProcess::nullDevice());
        m_process.setStandardErrorFile(logFile, QIODevice::Append);
        m_process.start(program, args);
        if (!m_process.waitForStarted(10000)) {
            *error = QStringLiteral("cannot start git daemon: %1").arg(m_process.errorString());
            return false;
        }
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 10000 && m_process.state() == QProcess::Running) {
            if (accepts(m_port))
                return true;
            QThread::msleep(20);
        }
        stop();  // the port was taken in between, or the daemon is slow: try another port
    }
    *error = QStringLiteral("git daemon did not accept connections: %1").arg(output());
    return false;
}

void GitDaemon::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(3000);
    }
}

QString GitDaemon::url(const QString &repoName) const
{
    return QStringLiteral("git://127.0.0.1:%1/%2").arg(m_port).arg(repoName);
}

QString GitDaemon::repoPath(const QString &repoName) const { return m_baseDir + QLatin1Char('/') + repoName; }

QString GitDaemon::output()
{
    QFile f(m_tempDir.filePath(QStringLiteral("git-daemon.log")));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

bool GitDaemon::createRepository(const QString &repoName, const QMap<QString, QByteArray> &files, QString *error,
                                 const QString &branch, const QString &message)
{
    return createBareRepository(repoPath(repoName), files, error, branch, message);
}

}  // namespace pilothouse::testsupport
