// Test support: serves bare repositories over git:// with the real `git daemon`, and builds them.
#pragma once

#include <QByteArray>
#include <QMap>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace pilothouse::testsupport {

// Runs `git daemon --export-all --enable=receive-pack` on 127.0.0.1 and a free port, serving the
// bare repositories under baseDir() (push allowed, no authentication). Stopped by the destructor.
class GitDaemon {
public:
    // baseDir empty: a private temporary directory, removed with the daemon.
    explicit GitDaemon(QString baseDir = {});
    ~GitDaemon();
    GitDaemon(const GitDaemon &) = delete;
    GitDaemon &operator=(const GitDaemon &) = delete;

    // Starts the daemon and waits until its port accepts connections. False with `error` set on failure.
    bool start(QString *error);
    void stop();
    bool isRunning() const { return m_process.state() == QProcess::Running; }

    int port() const { return m_port; }
    QString baseDir() const { return m_baseDir; }
    // git://127.0.0.1:PORT/repoName
    QString url(const QString &repoName) const;
    // The path of a repository under baseDir().
    QString repoPath(const QString &repoName) const;
    // What the daemon wrote to stderr so far (its --verbose log).
    QString output();

    // Creates the bare repository baseDir()/repoName with one commit holding `files` (relative
    // path -> content) on `branch`. False with `error` set on failure.
    bool createRepository(const QString &repoName, const QMap<QString, QByteArray> &files, QString *error,
                          const QString &branch = QStringLiteral("main"),
                          const QString &message = QStringLiteral("Initial manifests"));

private:
    QTemporaryDir m_tempDir;
    QString m_baseDir;
    QProcess m_process;
    QByteArray m_log;
    int m_port = 0;
};

// Runs git with a fixed identity and no user or system configuration (tests must not depend on
// ~/.gitconfig). `dir` is passed as -C when not empty. Exit code 0 is success.
struct GitResult {
    int exitCode = -1;
    QString out;
    QString err;
    bool ok() const { return exitCode == 0; }
};
GitResult runGit(const QString &dir, const QStringList &args, int timeoutMs = 60000);

// Creates a bare repository at `bareDir` whose `branch` has one commit holding `files`.
bool createBareRepository(const QString &bareDir, const QMap<QString, QByteArray> &files, QString *error,
                          const QString &branch = QStringLiteral("main"),
                          const QString &message = QStringLiteral("Initial manifests"));

// Clones `url` into `dir` (a work tree), commits `files` (written over the tree) with `message`
// and pushes it to `branch`: "another client" changing the repository behind the console's back.
bool commitAndPush(const QString &url, const QString &dir, const QMap<QString, QByteArray> &files,
                   const QString &message, QString *error, const QString &branch = QStringLiteral("main"));

}  // namespace pilothouse::testsupport
