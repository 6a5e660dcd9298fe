// QtKeychain jobs for one kind of secret; the insecure plain-file fallback stays off.
#include "core/keychain.h"

#include <qt6keychain/keychain.h>

#include <QPointer>

namespace pilothouse::backends {

namespace {

ApiError keychainError(const QKeychain::Job *job, const QString &secret, const QString &doing)
{
    ApiError e;
    switch (job->error()) {
    case QKeychain::EntryNotFound:
        e.kind = ErrorKind::NotFound;
        e.message = QStringLiteral("no %1 is stored in the keychain").arg(secret);
        return e;
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        e.kind = ErrorKind::Forbidden;
        e.message = QStringLiteral("the keychain refused to %1 the %2 (%3); it is kept in memory only").arg(doing, secret, job->errorString());
        return e;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    default:
        e.kind = ErrorKind::Config;
        e.message = QStringLiteral("no keychain service is available (%1); the %2 is kept in memory only").arg(job->errorString(), secret);
        return e;
    }
}

template <class Job>
Job *makeJob(QObject *parent, const QString &service, const QString &key)
{
    auto *job = new Job(service, parent);
    job->setAutoDelete(true);
    // Never the plain QSettings fallback: a secret on disk in clear is what the keychain avoids.
    job->setInsecureFallback(false);
    job->setKey(key);
    return job;
}

}  // namespace

Keychain::Keychain(const QString &service, const QString &secret, QObject *parent) : QObject(parent), m_service(service), m_secret(secret) {}

QString Keychain::keyFor(const QString &server, const QString &user)
{
    return user + QLatin1Char('@') + server;
}

void Keychain::store(const QString &server, const QString &user, const QByteArray &secret, QObject *receiver,
                     std::function<void(const Result<void> &)> done)
{
    auto *job = makeJob<QKeychain::WritePasswordJob>(this, m_service, keyFor(server, user));
    job->setBinaryData(secret);
    QPointer<QObject> target(receiver);
    const QString noun = m_secret;
    connect(job, &QKeychain::Job::finished, this, [target, done, noun](QKeychain::Job *j) {
        if (!target)
            return;
        done(j->error() == QKeychain::NoError ? Result<void>::success()
                                               : Result<void>::failure(keychainError(j, noun, QStringLiteral("store"))));
    });
    job->start();
}

void Keychain::load(const QString &server, const QString &user, QObject *receiver, std::function<void(const Result<QByteArray> &)> done)
{
    auto *job = makeJob<QKeychain::ReadPasswordJob>(this, m_service, keyFor(server, user));
    QPointer<QObject> target(receiver);
    const QString noun = m_secret;
    connect(job, &QKeychain::Job::finished, this, [target, done, noun](QKeychain::Job *j) {
        if (!target)
            return;
        if (j->error() != QKeychain::NoError)
            return done(Result<QByteArray>::failure(keychainError(j, noun, QStringLiteral("read"))));
        done(static_cast<QKeychain::ReadPasswordJob *>(j)->binaryData());
    });
    job->start();
}

void Keychain::remove(const QString &server, const QString &user, QObject *receiver, std::function<void(const Result<void> &)> done)
{
    auto *job = makeJob<QKeychain::DeletePasswordJob>(this, m_service, keyFor(server, user));
    QPointer<QObject> target(receiver);
    const QString noun = m_secret;
    connect(job, &QKeychain::Job::finished, this, [target, done, noun](QKeychain::Job *j) {
        if (!target)
            return;
        const bool gone = j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound;
        done(gone ? Result<void>::success() : Result<void>::failure(keychainError(j, noun, QStringLiteral("remove"))));
    });
    job->start();
}

}  // namespace pilothouse::backends
