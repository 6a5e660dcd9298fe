// The Argo CD session token in the OS keychain (core/keychain.h), under "Pilothouse Argo CD".
#pragma once

#include "core/keychain.h"

namespace pilothouse::backends::argocd {

class ArgoCdKeychain : public Keychain {
    Q_OBJECT

public:
    explicit ArgoCdKeychain(QObject *parent = nullptr) : Keychain(serviceName, QStringLiteral("Argo CD session token"), parent) {}

    static inline const QString serviceName = QStringLiteral("Pilothouse Argo CD");
};

}  // namespace pilothouse::backends::argocd
