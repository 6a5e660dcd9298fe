// Credentials for one resolved context: static token, token file, basic auth, client
// certificate, or an exec plugin (run as program + argv, never through a shell, and only once
// the operator approved that exact command). A plugin run or a token file read happens on a
// worker thread of the provider, so the thread that sends requests (the GUI thread among them)
// never waits for one.
#pragma once

#include "core/result.h"
#include "kube/auth/kubeconfig.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonArray>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QWaitCondition>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

namespace pilothouse::backends::kube {

struct AuthMaterial {
    QByteArray authorization;   // value of the Authorization header, or empty
    QByteArray clientCertPem;   // from a client certificate or an exec plugin, or empty
    QByteArray clientKeyPem;

    friend bool operator==(const AuthMaterial &, const AuthMaterial &) = default;
};

// Remembers which exec commands the operator approved. The fingerprint covers the program,
// its arguments and its environment, so a changed command asks again.
class ExecApprovalStore {
public:
    explicit ExecApprovalStore(QString filePath);  // a JSON file in the user's config folder
    // What the fingerprint hashes, in order: a format tag, apiVersion, program, [arguments],
    // [[name, value] of each env entry]. An approval prompt shows exactly these fields.
    static QJsonArray fingerprintFields(const ExecConfig &exec);
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
    using Done = std::function<void(const Result<AuthMaterial> &)>;

    CredentialProvider(ResolvedContext context, std::shared_ptr<ExecApprovalStore> approvals);
    // Stops a plugin that is still running (it is killed) and waits for its worker.
    ~CredentialProvider();
    CredentialProvider(const CredentialProvider &) = delete;
    CredentialProvider &operator=(const CredentialProvider &) = delete;

    // Without waiting: the material (or the error) when nothing has to run or be read — a static
    // token, basic auth, a client certificate, an unexpired exec credential, a token file that
    // has not changed since it was read. nullopt when a refresh is needed.
    std::optional<Result<AuthMaterial>> immediate();
    // Calls `done` on `context`'s thread (queued; not at all once `context` is gone) with what
    // immediate() would give, or after a refresh on the provider's worker. One refresh runs at a
    // time: callers that come while one runs are answered with its result.
    void obtain(QObject *context, Done done);

    // immediate(), else waits for a refresh. Blocks for as long as a plugin runs: never call it
    // on the GUI thread.
    Result<AuthMaterial> credentials();

    // After a 401: drop the cached exec credential (the next call runs the plugin once more).
    void invalidate();
    // The same, unless the cache already holds another credential than `rejected` (a refresh
    // after an earlier 401 replaced it): many requests refused together cause one run, not many.
    void invalidate(const AuthMaterial &rejected);
    bool needsApproval() const;
    std::optional<ExecConfig> execConfig() const;

    int execRuns() const;  // how often the plugin ran (for tests and diagnostics)

    // How long a plugin may run before it is killed (default 30 s); tests shorten it.
    void setExecTimeoutMs(int ms);

private:
    struct Refresh;
    std::optional<Result<AuthMaterial>> immediateLocked();
    bool tokenFileUnchangedLocked() const;
    void startRefreshLocked();
    // On the worker, without the mutex: reads the token file or runs the plugin.
    Result<AuthMaterial> produce();
    Result<AuthMaterial> runExec(int timeoutMs);
    Result<QByteArray> readTokenFile();

    const ResolvedContext m_context;
    const std::shared_ptr<ExecApprovalStore> m_approvals;
    mutable QMutex m_mutex;  // never held while a plugin runs or a file is read
    QWaitCondition m_refreshed;
    std::shared_ptr<Refresh> m_inflight;
    std::thread m_worker;
    std::atomic<bool> m_closing{false};
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
