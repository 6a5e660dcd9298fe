// Credentials for one resolved context: static token, token file, basic auth, client
// certificate, or an exec plugin (run as program + argv, never through a shell, and only once
// the operator approved that exact command). Thread-safe; may block while a plugin runs, so it
// is called on a worker thread, never on the GUI thread.
#pragma once

#include "core/result.h"
#include "kube/auth/kubeconfig.h"

#include <QByteArray>
#include <QDateTime>
#include <QMutex>
#include <QString>

#include <memory>

namespace pilothouse::backends::kube {

struct AuthMaterial {
    QByteArray authorization;   // value of the Authorization header, or empty
    QByteArray clientCertPem;   // from a client certificate or an exec plugin, or empty
    QByteArray clientKeyPem;
};

// Remembers which exec commands the operator approved. The fingerprint covers the program,
// its arguments and its environment, so a changed command asks again.
class ExecApprovalStore {
public:
    explicit ExecApprovalStore(QString filePath);  // a JSON file in the user's config folder
    static QByteArray fingerprint(const ExecConfig &exec);
    bool isApproved(const ExecConfig &exec) const;
    // Both return false when the store file could not be written.
    bool approve(const ExecConfig &exec);
    bool revoke(const ExecConfig &exec);

private:
    QString m_path;
    mutable QMutex m_mutex;
};

class CredentialProvider {
public:
    CredentialProvider(ResolvedContext context, std::shared_ptr<ExecApprovalStore> approvals);

    // The material for the next request. An exec plugin's credential is cached until its
    // expirationTimestamp. An unapproved plugin gives ErrorKind::Config with
    // needsApproval() true; a failing one gives its stderr and installHint.
    Result<AuthMaterial> credentials();
    // After a 401: drop the cached exec credential (the next call runs the plugin once more).
    void invalidate();
    bool needsApproval() const;
    std::optional<ExecConfig> execConfig() const;

    int execRuns() const;  // how often the plugin ran (for tests and diagnostics)

    // How long a plugin may run before it is killed (default 30 s); tests shorten it.
    void setExecTimeoutMs(int ms);

private:
    Result<AuthMaterial> runExec();
    Result<QByteArray> tokenFromFile();

    ResolvedContext m_context;
    std::shared_ptr<ExecApprovalStore> m_approvals;
    mutable QMutex m_mutex;
    std::optional<AuthMaterial> m_cached;
    QDateTime m_expiry;
    int m_runs = 0;
    int m_execTimeoutMs = 30000;
    // The token file is re-read when its modification time or size changes, like client-go's
    // cached file token source picks up a rotated token.
    QByteArray m_fileToken;
    QDateTime m_fileTokenModified;
    qint64 m_fileTokenSize = -1;
    QDateTime m_fileTokenReadAt;  // and at least once a minute, for edits that keep both
};

}  // namespace pilothouse::backends::kube
