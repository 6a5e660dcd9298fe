// Credentials for a resolved context: static token, token file, basic auth, client certificate,
// and exec credential plugins behind an approval gate (client-go plugin/pkg/client/auth/exec),
// refreshed on a worker thread one run at a time.
#include "kube/auth/credentials.h"
#include "core/errors.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
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

// How often a running plugin is checked for the provider closing (its connection went away).
constexpr int ClosingPollMs = 50;

// `recordable` is the message without what must never be kept (a plugin's stderr, arguments
// that may hold a secret); empty when the message itself may be kept.
Result<AuthMaterial> failure(const QString &message, const QString &recordable = {})
{
    ApiError error = configError(message);
    if (recordable != message)
        error.recordableMessage = recordable;
    return Result<AuthMaterial>::failure(error);
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

QJsonArray ExecApprovalStore::fingerprintFields(const ExecConfig &exec)
{
    QJsonArray args;
    for (const QString &arg : exec.args)
        args.append(arg);
    QJsonArray env;
    for (const auto &[name, value] : exec.env)
        env.append(QJsonArray{name, value});
    return QJsonArray{QStringLiteral("pilothouse-exec-approval/1"), exec.apiVersion, exec.command, args, env};
}

QByteArray ExecApprovalStore::fingerprint(const ExecConfig &exec)
{
    // A JSON array in compact form is an unambiguous encoding: every string is quoted and
    // escaped, so no choice of arguments can collide with another split of the same text.
    const QByteArray encoded = QJsonDocument(fingerprintFields(exec)).toJson(QJsonDocument::Compact);
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

namespace credentials_detail {

// Tells the callers waiting for one refresh that it is done. Emitted from the provider's worker;
// each caller's slot is queued to its own context object, and Qt drops it when that is gone.
class RefreshSignal : public QObject {
    Q_OBJECT
Q_SIGNALS:
    void finished();
};

}  // namespace credentials_detail

struct CredentialProvider::Refresh {
    std::unique_ptr<credentials_detail::RefreshSignal> signal = std::make_unique<credentials_detail::RefreshSignal>();
    std::optional<Result<AuthMaterial>> result;  // set once, under the provider's mutex
};

CredentialProvider::CredentialProvider(ResolvedContext context, std::shared_ptr<ExecApprovalStore> approvals)
    : m_context(std::move(context))
    , m_approvals(std::move(approvals))
{
}

CredentialProvider::~CredentialProvider()
{
    m_closing = true;
    std::thread worker;
    {
        QMutexLocker lock(&m_mutex);
        worker = std::move(m_worker);
    }
    if (!worker.joinable())
        return;
    // The worker's last step may drop the last reference to this provider (a waiter's callback
    // held it); it touches nothing of the provider after that, so it may simply run out.
    if (worker.get_id() == std::this_thread::get_id())
        worker.detach();
    else
        worker.join();
}

std::optional<Result<AuthMaterial>> CredentialProvider::immediate()
{
    QMutexLocker lock(&m_mutex);
    return immediateLocked();
}

std::optional<Result<AuthMaterial>> CredentialProvider::immediateLocked()
{
    const KubeUser &user = m_context.user;
    AuthMaterial material;
    // resolve() loaded the files into tls; a hand-built context may carry only the data.
    material.clientCertPem = m_context.tls.clientCertPem.isEmpty() ? user.clientCertData : m_context.tls.clientCertPem;
    material.clientKeyPem = m_context.tls.clientKeyPem.isEmpty() ? user.clientKeyData : m_context.tls.clientKeyPem;

    if (!user.token.isEmpty()) {
        material.authorization = "Bearer " + user.token.toUtf8();
    } else if (!user.tokenFile.isEmpty()) {
        if (m_fileToken.isEmpty() || !tokenFileUnchangedLocked())
            return std::nullopt;
        material.authorization = "Bearer " + m_fileToken;
    } else if (!user.username.isEmpty() || !user.password.isEmpty()) {
        material.authorization = "Basic " + (user.username + QLatin1Char(':') + user.password).toUtf8().toBase64();
    } else if (user.exec) {
        if (m_cached && (!m_expiry.isValid() || QDateTime::currentDateTimeUtc() < m_expiry))
            return *m_cached;
        return std::nullopt;
    } else if (user.hasAuthProvider) {
        return failure(QStringLiteral("user %1 uses the legacy auth-provider %2, which Pilothouse does not support")
                           .arg(quoted(user.name), quoted(user.authProviderName)));
    }
    return material;
}

bool CredentialProvider::tokenFileUnchangedLocked() const
{
    // A stat, not a read: cheap enough for the thread that sends; the read happens on the worker.
    const QFileInfo info(m_context.user.tokenFile);
    return info.exists() && info.lastModified() == m_fileTokenModified && info.size() == m_fileTokenSize
        && m_fileTokenReadAt.isValid() && m_fileTokenReadAt.secsTo(QDateTime::currentDateTimeUtc()) < TokenFileRereadSeconds;
}

void CredentialProvider::obtain(QObject *context, Done done)
{
    QMutexLocker lock(&m_mutex);
    // A refresh may have finished since the caller looked: its answer is cached now.
    if (std::optional<Result<AuthMaterial>> now = immediateLocked()) {
        QMetaObject::invokeMethod(context, [done = std::move(done), result = *now] { done(result); }, Qt::QueuedConnection);
        return;
    }
    if (!m_inflight)
        startRefreshLocked();
    std::shared_ptr<Refresh> refresh = m_inflight;
    // Connected under the mutex the worker emits under: no caller can miss the signal.
    QObject::connect(
        refresh->signal.get(), &credentials_detail::RefreshSignal::finished, context,
        [refresh, done = std::move(done)] { done(*refresh->result); },
        Qt::ConnectionType(Qt::QueuedConnection | Qt::SingleShotConnection));
}

Result<AuthMaterial> CredentialProvider::credentials()
{
    QMutexLocker lock(&m_mutex);
    if (std::optional<Result<AuthMaterial>> now = immediateLocked())
        return *now;
    if (!m_inflight)
        startRefreshLocked();
    const std::shared_ptr<Refresh> refresh = m_inflight;
    while (!refresh->result)
        m_refreshed.wait(&m_mutex);
    return *refresh->result;
}

void CredentialProvider::startRefreshLocked()
{
    // The thread of the previous refresh has nothing left to do but return (it cleared
    // m_inflight under this mutex, and the mutex is ours now).
    if (m_worker.joinable())
        m_worker.join();
    m_inflight = std::make_shared<Refresh>();
    // Emitted from the worker and deleted by whoever drops it last: it belongs to no thread.
    m_inflight->signal->moveToThread(nullptr);
    m_worker = std::thread([this] {
        const Result<AuthMaterial> result = produce();
        std::shared_ptr<Refresh> finished;
        {
            QMutexLocker lock(&m_mutex);
            finished = std::exchange(m_inflight, nullptr);
            finished->result = result;
            m_refreshed.wakeAll();
            Q_EMIT finished->signal->finished();
        }
        // Last, outside the mutex: a waiter's callback may hold the last reference to this provider.
        finished.reset();
    });
}

Result<AuthMaterial> CredentialProvider::produce()
{
    const KubeUser &user = m_context.user;
    if (!user.tokenFile.isEmpty() && user.token.isEmpty()) {
        auto token = readTokenFile();
        if (!token)
            return Result<AuthMaterial>::failure(token.error());
        AuthMaterial material;
        material.clientCertPem = m_context.tls.clientCertPem;
        material.clientKeyPem = m_context.tls.clientKeyPem;
        material.authorization = "Bearer " + token.value();
        return material;
    }
    if (user.exec) {
        int timeoutMs = 0;
        {
            QMutexLocker lock(&m_mutex);
            timeoutMs = m_execTimeoutMs;
        }
        return runExec(timeoutMs);
    }
    // Nothing needs a refresh; reached only when the caller raced a change of nothing.
    QMutexLocker lock(&m_mutex);
    return immediateLocked().value_or(failure(QStringLiteral("no credentials for user %1").arg(quoted(user.name))));
}

Result<QByteArray> CredentialProvider::readTokenFile()
{
    const QString &path = m_context.user.tokenFile;
    const QFileInfo info(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Result<QByteArray>::failure(configError(QStringLiteral("cannot read tokenFile %1 of user %2: %3")
                                                           .arg(path, quoted(m_context.user.name), file.errorString())));
    const QByteArray token = file.readAll().trimmed();
    if (token.isEmpty())
        return Result<QByteArray>::failure(configError(
            QStringLiteral("tokenFile %1 of user %2 is empty").arg(path, quoted(m_context.user.name))));
    QMutexLocker lock(&m_mutex);
    m_fileToken = token;
    m_fileTokenModified = info.lastModified();
    m_fileTokenSize = info.size();
    m_fileTokenReadAt = QDateTime::currentDateTimeUtc();
    return token;
}

Result<AuthMaterial> CredentialProvider::runExec(int timeoutMs)
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
        return failure(QStringLiteral("the exec credential plugin %1 has not been approved").arg(execCommandLine(exec)),
                       QStringLiteral("the exec credential plugin %1 has not been approved").arg(program));

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

    {
        QMutexLocker lock(&m_mutex);
        ++m_runs;
    }
    QElapsedTimer clock;
    clock.start();
    process.start(QIODevice::ReadOnly);
    if (!process.waitForStarted(timeoutMs))
        return failure(withHint(QStringLiteral("cannot start the exec credential plugin %1: %2")
                                    .arg(program, process.errorString()),
                                exec.installHint));
    // In slices, so that a provider going away (its session closed) stops the plugin at once.
    while (process.state() != QProcess::NotRunning && !process.waitForFinished(ClosingPollMs)) {
        if (process.state() == QProcess::NotRunning)
            break;
        const bool closing = m_closing;
        if (closing || clock.elapsed() >= timeoutMs) {
            process.kill();
            process.waitForFinished(2000);
            if (closing)
                return Result<AuthMaterial>::failure(
                    makeError(ErrorKind::Cancelled, QStringLiteral("the exec credential plugin %1 was stopped: its connection closed").arg(program)));
            return failure(QStringLiteral("the exec credential plugin %1 did not finish within %2 s and was stopped")
                               .arg(program)
                               .arg(timeoutMs / 1000.0));
        }
    }

    const QByteArray stdoutBytes = process.readAllStandardOutput();
    const QByteArray stderrBytes = process.readAllStandardError();
    // The plugin's stderr explains a failure to the operator (an expired SSO session) but may
    // echo anything, a token among it: it is shown, never recorded.
    if (process.exitStatus() != QProcess::NormalExit) {
        const QString summary = stderrSummary(stderrBytes);
        return failure(withHint(QStringLiteral("the exec credential plugin %1 crashed%2")
                                    .arg(program, summary.isEmpty() ? QString() : QStringLiteral(": ") + summary),
                                exec.installHint),
                       withHint(QStringLiteral("the exec credential plugin %1 crashed").arg(program), exec.installHint));
    }
    if (process.exitCode() != 0) {
        const QString summary = stderrSummary(stderrBytes);
        const QString failed = QStringLiteral("the exec credential plugin %1 failed with exit code %2").arg(program).arg(process.exitCode());
        return failure(withHint(summary.isEmpty() ? failed : failed + QStringLiteral(": ") + summary, exec.installHint),
                       withHint(failed, exec.installHint));
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
    QMutexLocker lock(&m_mutex);
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

void CredentialProvider::invalidate(const AuthMaterial &rejected)
{
    QMutexLocker lock(&m_mutex);
    if (!m_cached || *m_cached == rejected) {
        m_cached.reset();
        m_expiry = {};
    }
    if (!m_fileToken.isEmpty() && rejected.authorization == "Bearer " + m_fileToken)
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

#include "credentials.moc"
