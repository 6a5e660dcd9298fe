// The Jenkins API token or password in the OS keychain (core/keychain.h), under "Pilothouse Jenkins".
#pragma once

#include "core/keychain.h"

namespace pilothouse::backends::jenkins {

class JenkinsKeychain : public Keychain {
    Q_OBJECT

public:
    explicit JenkinsKeychain(QObject *parent = nullptr) : Keychain(serviceName, QStringLiteral("Jenkins API token"), parent) {}

    static inline const QString serviceName = QStringLiteral("Pilothouse Jenkins");
};

}  // namespace pilothouse::backends::jenkins
