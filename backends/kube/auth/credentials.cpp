// Credentials for a resolved context: static token, token file, basic auth, client certificate,
// and exec credential plugins behind an approval gate (client-go plugin/pkg/client/auth/exec).
#include "kube/auth/credentials.h"
#include "core/errors.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSaveFile>

#include <utility>

namespace pilothouse::backends::kube {

namespace {

// Room enough for a plugin's explanation, short enough for a status line.
constexpr int StderrLines = 3;
constexpr int StderrChars = 400;
// client-go's cached file token source re-reads at least this often.
constexpr qint64 TokenFileRereadSeconds = 60;

Result<AuthMaterial> failure(const QString &message)
{
    return Result<AuthMaterial>::failure(configError(message));
}

QString quoted(const QString &text)
{
    return QLatin1Char('"') + text + QLatin1Char('"');
}

QString withHint(const QString &message, const QString &installHint)
{
    const QString hint = installHint.simplified();
    return hint.isEmpty() ? message : message + QStringLiteral(" — ") + hint;
}

// The first lines of a plugin's stderr on one line. Plugins explain failures there (expired
// SSO session, missing login); stdout may hold a credential and is never shown.
QString stderrSummary(const QByteArray &stderrBytes)
{
    QStringList lines;
    for (const QString &line : QString::fromUtf8(stderrBytes).split(QLatin1Char('\n'))) {
        const QString trimmed = line.trimmed();
        if (trimmed.isEmpty())
            continue;
        lines << trimmed;
        if (lines.size() == StderrLines)
            break;
    }
    QString summary = lines.join(QStringLiteral(" | "));
    if (summary.size() > StderrChars)
        summary = summary.left(StderrChars) + QStringLiteral("…");
    return summary;
}

// What client-go puts into KUBERNETES_EXEC_INFO: an ExecCredential with only a spec. A GUI has
// no terminal to lend the plugin, so interactive is always false.
QByteArray execInfo(const ExecConfig &exec, const ResolvedContext &context)
{
    QJsonObject spec{{QStringLiteral("interactive"), false}};
    if (exec.provideClusterInfo) {
        // Field names and omitempty behaviour of client.authentication.k8s.io Cluster.
        QJsonObject cluster{{QStringLiteral("server"), context.server}};
        if (!context.tls.caPem.isEmpty())
            cluster.insert(QStringLiteral("certificate-authority-data"), QString::fromLatin1(context.tls.caPem.toBase64()));
        if (context.tls.insecureSkipVerify)
            cluster.insert(QStringLiteral("insecure-skip-tls-verify"), true);
        if (!context.tls.serverName.isEmpty())
            cluster.insert(QStringLiteral("tls-server-name"), context.tls.serverName);
        if (!context.tls.proxyUrl.isEmpty())
            cluster.insert(QStringLiteral("proxy-url"), context.tls.proxyUrl);
        spec.insert(QStringLiteral("cluster"), cluster);
    }
    const QJsonObject credential{
        {QStringLiteral("apiVersion"), exec.apiVersion},
        {QStringLiteral("kind"), QStringLiteral("ExecCredential")},
        {QStringLiteral("spec"), spec},
    };
    return QJsonDocument(credential).toJson(QJsonDocument::Compact);
}

QJsonObject readApprovals(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    // A damaged store approves nothing; the next approval rewrites it.
    return QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("approved")).toObject();
}

bool writeApprovals(const QString &path, const QJsonObject &approved)
{
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return false;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    // Approvals decide which programs may run; keep other users from editing them.
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    const QJsonObject root{{QStringLiteral("version"), 1}, {QStringLiteral("approved"), approved}};
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    return file.commit();
}

} // namespace

ExecApprovalStore::ExecApprovalStore(QString filePath)
    : m_path(std::move(filePath))
{
}

QByteArray ExecApprovalStore::fingerprint(const ExecConfig &exec)
{
    // A JSON array in compact form is an unambiguous encoding: every string is quoted and
    // escaped, so no choice of arguments can collide with another split of the same text.
    QJsonArray args;
    for (const QString &arg : exec.args)
        args.append(arg);
    QJsonArray env;
    for (const auto &[name, value] : exec.env)
        env.append(QJsonArray{name, value});
    const QJsonArray canonical{QStringLiteral("pilothouse-exec-approval/1"), exec.apiVersion, exec.command, args, env};
    const QByteArray encoded = QJsonDocument(canonical).toJson(QJsonDocument::Compact);
    return QCryptographicHash::hash(encoded, QCryptographicHash::Sha256).toHex();
}

bool ExecApprovalStore::isApproved(const ExecConfig &exec) const
{
    const QString key = QString::fromLatin1(fingerprint(exec));
    QMutexLocker lock(&m_mutex);
    return readApprovals(m_path).contains(key);
}

bool ExecApprovalStore::approve(const ExecConfig &exec)
{
    const QString key = QString::fromLatin1(fingerprint(exec));
    QMutexLocker lock(&m_mutex);
    QJsonObject approved = readApprovals(m_path);
    // Only the program is stored in the clear: arguments and environment may carry secrets,
    // and the fingerprint already pins them.
    approved.insert(key, QJsonObject{
                             {QStringLiteral("command"), exec.command},
                             {QStringLiteral("approvedAt"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
                         });
    return writeApprovals(m_path, approved);
}

bool ExecApprovalStore::revoke(const ExecConfig &exec)
{
    const QString key = QString::fromLatin1(fingerprint(exec));
    QMutexLocker lock(&m_mutex);
    QJsonObject approved = readApprovals(m_path);
    if (!approved.contains(key))
        return true;
    approved.remove(key);
    return writeApprovals(m_path, approved);
}

CredentialProvider::CredentialProvider(ResolvedContext context, std::shared_ptr<ExecApprovalStore> approvals)
    : m_context(std::move(context))
    , m_approvals(std::move(approvals))
{
}

Result<AuthMaterial> CredentialProvider::credentials()
{
    QMutexLocker lock(&m_mutex);
    const KubeUser &user = m_context.user;

    AuthMaterial material;
    // resolve() loaded the files into tls; a hand-built context may carry only the data.
    material.clientCertPem = m_context.tls.clientCertPem.isEmpty() ? user.clientCertData : m_context.tls.clientCertPem;
    material.clientKeyPem = m_context.tls.clientKeyPem.isEmpty() ? user.clientKeyData : m_context.tls.clientKeyPem;

    if (!user.token.isEmpty()) {
        material.authorization = "Bearer " + user.token.toUtf8();
    } else if (!user.tokenFile.isEmpty()) {
        auto token = tokenFromFile();
        if (!token)
            return Result<AuthMaterial>::failure(token.error());
        material.authorization = "Bearer " + token.value();
    } else if (!user.username.isEmpty() || !user.password.isEmpty()) {
        material.authorization = "Basic " + (user.username + QLatin1Char(':') + user.password).toUtf8().toBase64();
    } else if (user.exec) {
        if (m_cached && (!m_expiry.isValid() || QDateTime::currentDateTimeUtc() < m_expiry))
            return *m_cached;
        m_cached.reset();
        return runExec();
    } else if (user.hasAuthProvider) {
        return failure(QStringLiteral("user %1 uses the legacy auth-provider %2, which Pilothouse does not support")
                           .arg(quoted(user.name), quoted(user.authProviderName)));
    }
    return material;
}

Result<QByteArray> CredentialProvider::tokenFromFile()
{
    const QString &path = m_context.user.tokenFile;
    const QFileInfo info(path);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const bool changed = !info.exists() || info.lastModified() != m_fileTokenModified || info.size() != m_fileTokenSize
        || !m_fileTokenReadAt.isValid() || m_fileTokenReadAt.secsTo(now) >= TokenFileRereadSeconds;
    if (!changed && !m_fileToken.isEmpty())
        return m_fileToken;

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Result<QByteArray>::failure(configError(QStringLiteral("cannot read tokenFile %1 of user %2: %3")
                                                           .arg(path, quoted(m_context.user.name), file.errorString())));
    const QByteArray token = file.readAll().trimmed();
    if (token.isEmpty())
        return Result<QByteArray>::failure(configError(
            QStringLiteral("tokenFile %1 of user %2 is empty").arg(path, quoted(m_context.user.name))));
    m_fileToken = token;
    m_fileTokenModified = info.lastModified();
    m_fileTokenSize = info.size();
    m_fileTokenReadAt = now;
    return m_fileToken;
}

Result<AuthMaterial> CredentialProvider::runExec()
{
    const ExecConfig &exec = *m_context.user.exec;
    const QString program = quoted(exec.command);

    if (auto valid = validateExecConfig(exec, m_context.user.name); !valid)
        return Result<AuthMaterial>::failure(valid.error());
    if (exec.interactiveMode == QLatin1String("Always"))
        return failure(withHint(QStringLiteral("the exec credential plugin %1 needs a terminal (interactiveMode: Always), "
                                               "which Pilothouse cannot provide; log in from a terminal first or set "
                                               "interactiveMode to Never or IfAvailable")
                                    .arg(program),
                                exec.installHint));
    if (!m_approvals || !m_approvals->isApproved(exec))
        return failure(QStringLiteral("the exec credential plugin %1 has not been approved").arg(execCommandLine(exec)));

    QProcess process;
    process.setProgram(exec.command);
    process.setArguments(exec.args);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &[name, value] : exec.env)
        environment.insert(name, value);
    environment.insert(QStringLiteral("KUBERNETES_EXEC_INFO"), QString::fromUtf8(execInfo(exec, m_context)));
    process.setProcessEnvironment(environment);
    // Not interactive: a plugin that prompts reads end-of-file instead of hanging.
    process.setStandardInputFile(QProcess::nullDevice());

    ++m_runs;
    process.start(QIODevice::ReadOnly);
    if (!process.waitForStarted(m_execTimeoutMs))
        return failure(withHint(QStringLiteral("cannot start the exec credential plugin %1: %2")
                                    .arg(program, process.errorString()),
                                exec.installHint));
    if (!process.waitForFinished(m_execTimeoutMs) && process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished(2000);
        return failure(QStringLiteral("the exec credential plugin %1 did not finish within %2 s and was stopped")
                           .arg(program)
                           .arg(m_execTimeoutMs / 1000.0));
    }

    const QByteArray stdoutBytes = process.readAllStandardOutput();
    const QByteArray stderrBytes = process.readAllStandardError();
    if (process.exitStatus() != QProcess::NormalExit)
        return failure(withHint(QStringLiteral("the exec credential plugin %1 crashed%2")
                                    .arg(program, stderrBytes.trimmed().isEmpty()
                                                      ? QString()
                                                      : QStringLiteral(": ") + stderrSummary(stderrBytes)),
                                exec.installHint));
    if (process.exitCode() != 0) {
        const QString summary = stderrSummary(stderrBytes);
        return failure(withHint(QStringLiteral("the exec credential plugin %1 failed with exit code %2%3")
                                    .arg(program)
                                    .arg(process.exitCode())
                                    .arg(summary.isEmpty() ? QString() : QStringLiteral(": ") + summary),
                                exec.installHint));
    }

    // Messages below never quote stdout: it is where the credential would be.
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(stdoutBytes, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return failure(QStringLiteral("the exec credential plugin %1 did not print an ExecCredential JSON object").arg(program));
    const QJsonObject credential = document.object();
    const QString kind = credential.value(QStringLiteral("kind")).toString();
    if (!kind.isEmpty() && kind != QLatin1String("ExecCredential"))
        return failure(QStringLiteral("the exec credential plugin %1 printed a %2, not an ExecCredential").arg(program, quoted(kind)));
    const QString apiVersion = credential.value(QStringLiteral("apiVersion")).toString();
    if (apiVersion != exec.apiVersion)
        return failure(QStringLiteral("the exec credential plugin %1 answered with apiVersion %2, but the kubeconfig asks for %3")
                           .arg(program, quoted(apiVersion), quoted(exec.apiVersion)));
    if (!credential.value(QStringLiteral("status")).isObject())
        return failure(QStringLiteral("the exec credential plugin %1 returned no status").arg(program));
    const QJsonObject status = credential.value(QStringLiteral("status")).toObject();

    AuthMaterial material;
    const QString token = status.value(QStringLiteral("token")).toString();
    const QString cert = status.value(QStringLiteral("clientCertificateData")).toString();
    const QString key = status.value(QStringLiteral("clientKeyData")).toString();
    if (cert.isEmpty() != key.isEmpty())
        return failure(QStringLiteral("the exec credential plugin %1 returned a client certificate without its key, or a key "
                                      "without its certificate")
                           .arg(program));
    if (token.isEmpty() && cert.isEmpty())
        return failure(QStringLiteral("the exec credential plugin %1 returned neither a token nor a client certificate").arg(program));
    if (!token.isEmpty())
        material.authorization = "Bearer " + token.toUtf8();
    material.clientCertPem = cert.toUtf8();
    material.clientKeyPem = key.toUtf8();

    QDateTime expiry;
    const QJsonValue expiration = status.value(QStringLiteral("expirationTimestamp"));
    if (!expiration.isUndefined() && !expiration.isNull()) {
        expiry = QDateTime::fromString(expiration.toString(), Qt::ISODateWithMs);
        if (!expiry.isValid())
            return failure(QStringLiteral("the exec credential plugin %1 returned an expirationTimestamp that is not RFC 3339")
                               .arg(program));
    }
    // Without an expiry the credential lasts until a 401 invalidates it, as in client-go.
    m_cached = material;
    m_expiry = expiry;
    return material;
}

void CredentialProvider::invalidate()
{
    QMutexLocker lock(&m_mutex);
    m_cached.reset();
    m_expiry = {};
    // A 401 may also mean the token file was rotated in place; read it again next time.
    m_fileTokenReadAt = {};
}

bool CredentialProvider::needsApproval() const
{
    // A plugin that could not run anyway (bad stanza, Always mode) is not offered for approval.
    const auto &exec = m_context.user.exec;
    if (!exec || !validateExecConfig(*exec, m_context.user.name) || exec->interactiveMode == QLatin1String("Always"))
        return false;
    return !m_approvals || !m_approvals->isApproved(*exec);
}

std::optional<ExecConfig> CredentialProvider::execConfig() const
{
    return m_context.user.exec;
}

int CredentialProvider::execRuns() const
{
    QMutexLocker lock(&m_mutex);
    return m_runs;
}

void CredentialProvider::setExecTimeoutMs(int ms)
{
    QMutexLocker lock(&m_mutex);
    m_execTimeoutMs = ms;
}

} // namespace pilothouse::backends::kube
