// QtKeychain jobs for the Argo CD session token; the insecure plain-file fallback stays off.
#include "argocd/argocdkeychain.h"

#include <qt6keychain/keychain.h>

#include <QPointer>

namespace pilothouse::backends::argocd {

const QString ArgoCdKeychain::serviceName = QStringLiteral("Pilothouse Argo CD");

namespace {

ApiError keychainError(const QKeychain::Job *job, const QString &doing)
{
    ApiError e;
    switch (job->error()) {
    case QKeychain::EntryNotFound:
        e.kind = ErrorKind::NotFound;
        e.message = QStringLiteral("no Argo CD session is stored in the keychain");
        return e;
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        e.kind = ErrorKind::Forbidden;
        e.message = QStringLiteral("the keychain refused to %1 the Argo CD session (%2); the token is kept in memory only")
                        .arg(doing, job->errorString());
        return e;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    default:
        e.kind = ErrorKind::Config;
        e.message = QStringLiteral("no keychain service is available (%1); the session token is kept in memory only")
                        .arg(job->errorString());
        return e;
    }
}

template <class Job>
Job *makeJob(QObject *parent, const QString &key)
{
    auto *job = new Job(ArgoCdKeychain::serviceName, parent);
    job->setAutoDelete(true);
    // Never the plain QSettings fallback: a token on disk in clear is what the keychain avoids.
    job->setInsecureFallback(false);
    job->setKey(key);
    return job;
}

}  // namespace

ArgoCdKeychain::ArgoCdKeychain(QObject *parent) : QObject(parent) {}

QString ArgoCdKeychain::keyFor(const QString &server, const QString &user)
{
    return user + QLatin1Char('@') + server;
}

void ArgoCdKeychain::store(const QString &server, const QString &user, const QByteArray &token, QObject *receiver,
                           std::function<void(const Result<void> &)> done)
{
    auto *job = makeJob<QKeychain::WritePasswordJob>(this, keyFor(server, user));
    job->setBinaryData(token);
    QPointer<QObject> target(receiver);
    connect(job, &QKeychain::Job::finished, this, [target, done](QKeychain::Job *j) {
        if (!target)
            return;
        done(j->error() == QKeychain::NoError ? Result<void>::success() : Result<void>::failure(keychainError(j, QStringLiteral("store"))));
    });
    job->start();
}

void ArgoCdKeychain::load(const QString &server, const QString &user, QObject *receiver,
                          std::function<void(const Result<QByteArray> &)> done)
{
    auto *job = makeJob<QKeychain::ReadPasswordJob>(this, keyFor(server, user));
    QPointer<QObject> target(receiver);
    connect(job, &QKeychain::Job::finished, this, [target, done](QKeychain::Job *j) {
        if (!target)
            return;
        if (j->error() != QKeychain::NoError)
            return done(Result<QByteArray>::failure(keychainError(j, QStringLiteral("read"))));
        done(static_cast<QKeychain::ReadPasswordJob *>(j)->binaryData());
    });
    job->start();
}

void ArgoCdKeychain::remove(const QString &server, const QString &user, QObject *receiver, std::function<void(const Result<void> &)> done)
{
    auto *job = makeJob<QKeychain::DeletePasswordJob>(this, keyFor(server, user));
    QPointer<QObject> target(receiver);
    connect(job, &QKeychain::Job::finished, this, [target, done](QKeychain::Job *j) {
        if (!target)
            return;
        bool gone = j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound;
        done(gone ? Result<void>::success() : Result<void>::failure(keychainError(j, QStringLiteral("remove"))));
    });
    job->start();
}

}  // namespace pilothouse::backends::argocd
