// A secret (a session token, an API token, a password) in the OS keychain through QtKeychain
// (Secret Service, KWallet, macOS Keychain, Windows Credential Store), never in plain settings.
// Without a keychain service (CI, no D-Bus session) every call fails with a message saying the
// secret stays in memory only. One instance per kind of secret: Argo CD sessions, Jenkins tokens.
#pragma once

#include "core/result.h"

#include <QObject>

#include <functional>

namespace pilothouse::backends {

class Keychain : public QObject {
    Q_OBJECT

public:
    // `service` names the entries ("Pilothouse Argo CD"); `secret` the kind of secret in messages
    // ("Argo CD session token").
    Keychain(const QString &service, const QString &secret, QObject *parent = nullptr);

    QString serviceName() const { return m_service; }
    static QString keyFor(const QString &server, const QString &user);  // "admin@https://argocd.example"

    // `done` runs on `receiver`'s thread, not at all once it is gone. A missing entry is ErrorKind::NotFound.
    void store(const QString &server, const QString &user, const QByteArray &secret, QObject *receiver,
               std::function<void(const Result<void> &)> done);
    void load(const QString &server, const QString &user, QObject *receiver, std::function<void(const Result<QByteArray> &)> done);
    void remove(const QString &server, const QString &user, QObject *receiver, std::function<void(const Result<void> &)> done);

private:
    QString m_service;
    QString m_secret;
};

}  // namespace pilothouse::backends
