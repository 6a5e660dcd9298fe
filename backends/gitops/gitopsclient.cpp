// One worker thread per client: libgit2 objects of a repository are used by one thread at a time.
#include "gitops/gitopsclient.h"

#include <QThread>

namespace pilothouse::backends::gitops {

GitOpsClient::GitOpsClient(GitOpsSettings settings, CredentialProvider credentials, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_credentials(std::move(credentials))
    , m_repo(std::make_shared<GitOpsRepository>(m_settings, m_credentials))
    , m_thread(new QThread)
    , m_worker(new QObject)
{
    m_thread->setObjectName(QStringLiteral("gitops"));
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

GitOpsClient::~GitOpsClient()
{
    m_repo->cancel();
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    // Results posted to this object before it is gone are dropped with it.
}

void GitOpsClient::setSettings(const GitOpsSettings &settings)
{
    m_repo->cancel();
    m_settings = settings;
    m_repo = std::make_shared<GitOpsRepository>(m_settings, m_credentials);
}

template<class T>
void GitOpsClient::run(std::function<T(GitOpsRepository &)> work, std::function<void(const T &)> deliver)
{
    if (m_pending++ == 0)
        emit busyChanged(true);
    std::shared_ptr<GitOpsRepository> repo = m_repo;
    // `this` outlives the task: the destructor waits for the worker thread before returning, and
    // Qt discards the queued delivery if this object is destroyed before it runs.
    QMetaObject::invokeMethod(
        m_worker,
        [this, repo, work = std::move(work), deliver = std::move(deliver)] {
            T result = work(*repo);
            QMetaObject::invokeMethod(
                this,
                [this, deliver, result = std::move(result)] {
                    // Not busy any more while the result is handled, so a receiver may start the next call.
                    --m_pending;
                    deliver(result);
                    if (m_pending == 0)
                        emit busyChanged(false);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void GitOpsClient::sync(int maxCommits)
{
    run<Result<RepositoryState>>([maxCommits](GitOpsRepository &r) { return r.sync(maxCommits); },
                                 [this](const Result<RepositoryState> &s) { emit synced(s); });
}

void GitOpsClient::loadCommitDiff(const QString &sha)
{
    run<Result<QString>>([sha](GitOpsRepository &r) { return r.commitDiff(sha); },
                         [this, sha](const Result<QString> &d) { emit commitDiffLoaded(sha, d); });
}

void GitOpsClient::loadImages(const QString &path)
{
    run<Result<QList<ContainerImage>>>([path](GitOpsRepository &r) { return r.images(path); },
                                       [this, path](const Result<QList<ContainerImage>> &i) { emit imagesLoaded(path, i); });
}

void GitOpsClient::prepareBump(const QString &path, const ImageSelector &selector, const QString &newTag)
{
    run<Result<PendingChange>>([path, selector, newTag](GitOpsRepository &r) { return r.prepareBump(path, selector, newTag); },
                               [this](const Result<PendingChange> &c) { emit changePrepared(c); });
}

void GitOpsClient::prepareRevert(const QString &sha)
{
    run<Result<PendingChange>>([sha](GitOpsRepository &r) { return r.prepareRevert(sha); },
                               [this](const Result<PendingChange> &c) { emit changePrepared(c); });
}

void GitOpsClient::push(const PendingChange &change)
{
    // The settings at the time of the push name the repository in the audit line.
    run<Result<PushOutcome>>([change](GitOpsRepository &r) { return r.push(change); },
                             [this, change, settings = m_settings](const Result<PushOutcome> &o) {
                                 audit(settings, change, o);
                                 emit pushFinished(o);
                             });
}

void GitOpsClient::audit(const GitOpsSettings &settings, const PendingChange &change, const Result<PushOutcome> &outcome)
{
    if (!m_audit)
        return;
    actions::AuditEntry e;
    e.time = QDateTime::currentDateTimeUtc();
    e.context = QStringLiteral("gitops ") + redactUrl(settings.url);
    e.user = QStringLiteral("%1 <%2>").arg(settings.authorName, settings.authorEmail);
    const bool bump = change.kind == PendingChange::Kind::ImageBump;
    e.action = bump ? QStringLiteral("gitops-bump") : QStringLiteral("gitops-revert");
    e.object = QStringLiteral("%1 %2").arg(settings.branch, bump ? change.path : QStringLiteral("commit ") + change.revertSha.left(12));
    e.change = change.summary + (change.rebased ? QStringLiteral(" (re-applied on %1 after the branch moved)").arg(change.base.left(7)) : QString());
    if (outcome.ok() && outcome.value().pushed) {
        e.result = QStringLiteral("succeeded");
        e.detail = QStringLiteral("pushed %1").arg(outcome.value().commit);
    } else if (outcome.ok()) {
        e.result = QStringLiteral("conflict");
        e.detail = QStringLiteral("the branch moved to %1; nothing pushed, the change was re-applied and is asked for again")
                       .arg(outcome.value().retry ? outcome.value().retry->base.left(7) : QString());
    } else {
        switch (outcome.error().kind) {
        case ErrorKind::Conflict: e.result = QStringLiteral("conflict"); break;
        case ErrorKind::Forbidden:
        case ErrorKind::Unauthorized: e.result = QStringLiteral("forbidden"); break;
        // The remote may have taken the push before the connection dropped or it was cancelled.
        case ErrorKind::Network:
        case ErrorKind::Cancelled: e.result = QStringLiteral("unknown"); break;
        default: e.result = QStringLiteral("failed"); break;
        }
        e.detail = outcome.error().message;
    }
    QString error;
    if (!m_audit->append(e, &error))
        emit auditFailed(error);
}

}  // namespace pilothouse::backends::gitops
