// GitOpsRepository on a worker thread: each call returns at once, and its result comes back as a
// signal on the caller's thread. Calls run one at a time, in order.
#pragma once

#include "actions/auditlog.h"
#include "gitops/gitopsrepository.h"

#include <QObject>

#include <functional>
#include <memory>

class QThread;

namespace pilothouse::backends::gitops {

class GitOpsClient : public QObject {
    Q_OBJECT

public:
    explicit GitOpsClient(GitOpsSettings settings, CredentialProvider credentials = {}, QObject *parent = nullptr);
    // Cancels the running operation and waits for the worker thread to stop.
    ~GitOpsClient() override;

    GitOpsSettings settings() const { return m_settings; }
    // Later calls work on the new repository; an operation already running is cancelled.
    void setSettings(const GitOpsSettings &settings);
    bool isBusy() const { return m_pending > 0; }
    // Every push's outcome is written here (when set): the change, the commit or the error.
    void setAuditLog(actions::AuditLog *audit) { m_audit = audit; }

    void sync(int maxCommits = 50);
    void loadCommitDiff(const QString &sha);
    void loadImages(const QString &path);
    void prepareBump(const QString &path, const ImageSelector &selector, const QString &newTag);
    void prepareRevert(const QString &sha);
    void push(const PendingChange &change);

signals:
    void synced(const pilothouse::backends::Result<pilothouse::backends::gitops::RepositoryState> &result);
    void commitDiffLoaded(const QString &sha, const pilothouse::backends::Result<QString> &diff);
    void imagesLoaded(const QString &path, const pilothouse::backends::Result<QList<pilothouse::backends::gitops::ContainerImage>> &images);
    void changePrepared(const pilothouse::backends::Result<pilothouse::backends::gitops::PendingChange> &change);
    void pushFinished(const pilothouse::backends::Result<pilothouse::backends::gitops::PushOutcome> &outcome);
    void busyChanged(bool busy);
    void auditFailed(const QString &error);

private:
    // Runs `work` on the worker thread with the current repository, then `deliver` here.
    void audit(const GitOpsSettings &settings, const PendingChange &change, const Result<PushOutcome> &outcome);
    template<class T>
    void run(std::function<T(GitOpsRepository &)> work, std::function<void(const T &)> deliver);

    GitOpsSettings m_settings;
    CredentialProvider m_credentials;
    std::shared_ptr<GitOpsRepository> m_repo;
    QThread *m_thread = nullptr;
    QObject *m_worker = nullptr;  // lives on m_thread; tasks are posted to it
    int m_pending = 0;
    actions::AuditLog *m_audit = nullptr;
};

}  // namespace pilothouse::backends::gitops
