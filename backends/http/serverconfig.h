// What the REST clients of other servers (Argo CD, Jenkins) check alike before they talk to one:
// plain http only to this machine, and the CA that signs the server's certificate.
#pragma once

#include "core/errors.h"
#include "core/result.h"

#include <QByteArray>
#include <QFile>
#include <QString>

namespace pilothouse::backends::http {

// Loopback names and addresses: the only hosts a secret may be sent to over plain http.
inline bool isLoopbackHost(const QString &host)
{
    const QString h = host.toLower();
    return h == QLatin1String("localhost") || h == QLatin1String("127.0.0.1") || h == QLatin1String("::1") || h == QLatin1String("[::1]");
}

// The CA to verify the server with: `pem` when given, else the PEM file `file`; empty for the
// system's store. A file that cannot be read or holds no certificate is a configuration error.
inline Result<QByteArray> caPemFrom(const QByteArray &pem, const QString &file)
{
    if (!pem.isEmpty() || file.isEmpty())
        return pem;
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return Result<QByteArray>::failure(configError(QStringLiteral("cannot read the CA file %1: %2").arg(file, f.errorString())));
    QByteArray out = f.readAll();
    if (!out.contains("-----BEGIN CERTIFICATE-----"))
        return Result<QByteArray>::failure(configError(QStringLiteral("the CA file %1 holds no PEM certificate").arg(file)));
    return out;
}

}  // namespace pilothouse::backends::http
