// The deployment repository through libgit2: a bare cache clone fetched on demand, its history,
// and changes (image bump, revert) prepared on the remote head, then committed and pushed without
// force. Synchronous; GitOpsClient runs it on a worker thread.
#pragma once

#include "core/result.h"
#include "gitops/imagebump.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QSettings;

namespace pilothouse::backends::gitops {

// libgit2's global state: one per process, created in main() (and a test's initTestCase) before
// any worker thread exists, destroyed after they have all stopped.
class LibGit2Scope {
public:
    LibGit2Scope();
    ~LibGit2Scope();
    LibGit2Scope(const LibGit2Scope &) = delete;
    LibGit2Scope &operator=(const LibGit2Scope &) = delete;
    bool ok() const { return m_ok; }

private:
    bool m_ok = false;
};

struct GitOpsSettings {
    QString url;                              // git://, https://, ssh:// or a local path
    QString branch = QStringLiteral("main");
    QString localPath;                        // the cache clone; empty: defaultCachePath(url)
    QString authorName;
    QString authorEmail;

    QString cachePath() const { return localPath.isEmpty() ? defaultCachePath(url) : localPath; }
    // <AppDataLocation>/gitops/<host-and-path>-<hash of the URL>
    static QString defaultCachePath(const QString &url);
    // The "gitops/" group of the application settings.
    static GitOpsSettings load(QSettings &settings);
    void save(QSettings &settings) const;
};

// `url` without a user name or password, for messages, logs and the audit log.
QString redactUrl(const QString &url);

// Basic credentials for an https remote, asked for when the server wants them (never stored here).
struct GitCredentials {
    QString username;
    QString password;
};
// Called on the thread running the repository's operation: with GitOpsClient, its "gitops" worker
// thread, never the GUI thread. It must not create or touch widgets there; a provider that asks
// the user builds its dialog on the GUI thread (QMetaObject::invokeMethod on a GUI object with
// Qt::BlockingQueuedConnection) and returns the answer. It blocks the operation while it runs.
using CredentialProvider = std::function<std::optional<GitCredentials>(const QString &url)>;

struct CommitInfo {
    QString sha;
    QString authorName;
    QString authorEmail;
    QDateTime time;       // author time, UTC
    QString summary;      // the message's first line
    QString message;
    QStringList files;    // paths changed against the first parent (all files for a root commit)
    int parentCount = 0;
    QString shortSha() const { return sha.left(7); }
};

struct RepositoryState {
    QString head;                 // the remote branch's commit
    QList<CommitInfo> commits;    // newest first
    QStringList manifests;        // *.yaml / *.yml files at the head, sorted
};

// A change ready to commit: its recipe (re-applied when the remote moved) and what it does on `base`.
struct PendingChange {
    enum class Kind { ImageBump, Revert };
    Kind kind = Kind::ImageBump;
    // The recipe.
    QString path;
    ImageSelector selector;
    QString newTag;
    QString revertSha;
    // The result on `base`.
    QString base;               // the remote head it applies to
    QString tree;               // the tree the commit will have
    QString message;            // the commit message
    QString summary;            // one line for the confirmation and the audit log
    QString diff;               // unified diff against `base`
    QList<ImageChange> changes; // for a bump
    bool rebased = false;       // re-applied after the remote moved: confirm again
};

struct PushOutcome {
    bool pushed = false;
    QString commit;                       // the pushed commit when pushed
    std::optional<PendingChange> retry;   // the remote had moved: the change re-applied on its new head
};

class GitOpsRepository {
public:
    explicit GitOpsRepository(GitOpsSettings settings, CredentialProvider credentials = {});
    ~GitOpsRepository();
    GitOpsRepository(const GitOpsRepository &) = delete;
    GitOpsRepository &operator=(const GitOpsRepository &) = delete;

    const GitOpsSettings &settings() const;

    // Clones (first time) or fetches the branch, then lists up to `maxCommits` commits of it.
    Result<RepositoryState> sync(int maxCommits = 50);
    // The patch a commit made against its first parent (`git show` without the header).
    Result<QString> commitDiff(const QString &sha);
    // A file at the remote head as last fetched.
    Result<QString> readFile(const QString &path);
    Result<QList<ContainerImage>> images(const QString &path);

    // Prepared on the remote head as last fetched (call sync() first); nothing is committed yet.
    Result<PendingChange> prepareBump(const QString &path, const ImageSelector &selector, const QString &newTag);
    Result<PendingChange> prepareRevert(const QString &sha);

    // Commits the change on its base with the author from the settings and pushes it without
    // force. When the remote moved in between, nothing is pushed: the outcome carries the change
    // re-applied on the fetched head, with its new diff, for a second confirmation.
    Result<PushOutcome> push(const PendingChange &change);

    // From any thread: the running network operation stops at its next progress callback.
    void cancel();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace pilothouse::backends::gitops
