// The Argo CD session token in the OS keychain (QtKeychain: Secret Service, KWallet, macOS
// Keychain, Windows Credential Store), never in plain settings. Without a keychain service (CI,
// no D-Bus session) every call fails with a message saying the token stays in memory only.
#pragma once

#include "core/result.h"

#include <QObject>

#include <functional>

namespace pilothouse::backends::argocd {

class ArgoCdKeychain : public QObject {
    Q_OBJECT

public:
    explicit ArgoCdKeychain(QObject *parent = nullptr);

    static const QString serviceName;   // "Pilothouse Argo CD"
    static QString keyFor(const QString &server, const QString &user);  // "admin@https://argocd.example"

    // `done` runs on `receiver`'s thread. A missing entry is ErrorKind::NotFound.
    void store(const QString &server, const QString &user, const QByteArray &token, QObject *receiver,
               std::function<void(const Result<void> &)> done);
    void load(const QString &server, const QString &user, QObject *receiver, std::function<void(const Result<QByteArray> &)> done);
    void remove(const QString &server, const QString &user, QObject *receiver, std::function<void(const Result<void> &)> done);
};

}  // namespace pilothouse::backends::argocd
