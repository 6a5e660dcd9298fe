// The Argo CD REST client over the shared HTTP engine: session login (the token in memory only),
// applications, history metadata, resource tree, sync / rollback / terminate, and live updates
// from the application stream with polling when the stream fails. A 401 on any call but login
// forgets the token and says so once (sessionExpired). Answers and stream events are parsed on
// the client's own parser thread and delivered as values: the caller's thread never parses JSON.
#pragma once

#include "argocd/argocdinfo.h"
#include "core/result.h"
#include "http/httpengine.h"

#include <QObject>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include <functional>

namespace pilothouse::backends::argocd {

// Where the Argo CD server is and how its certificate is checked.
struct ArgoCdServer {
    QString url;                // https://argocd.example.com (no trailing /api)
    QString caFile;             // PEM file of the CA that signed the server's certificate; empty: system store
    QByteArray caPem;           // or the PEM itself (wins over caFile)
    bool insecureSkipVerify = false;  // only when the operator asked for it
};

struct SyncOptions {
    QString revision;           // empty: the application's target revision
    bool prune = false;
    bool dryRun = false;
};

class ArgoCdClient : public QObject {
    Q_OBJECT

public:
    // Runs on the client's thread (answers are parsed on the parser thread first), and not at
    // all once its receiver is gone.
    template <class T>
    using Done = std::function<void(const Result<T> &)>;

    static const QString sessionExpiredMessage;  // "session expired, log in again"

    explicit ArgoCdClient(http::HttpEngine *engine, QObject *parent = nullptr);
    ~ArgoCdClient() override;

    // Validates the URL and reads the CA file; forgets any session of another server.
    Result<void> setServer(const ArgoCdServer &server);
    QString serverUrl() const { return m_server.url; }
    QString userName() const { return m_user; }
    bool hasSession() const { return !m_token.isEmpty(); }
    // A token kept from an earlier login (the keychain). It is checked on first use.
    void setSession(const QString &user, const QByteArray &token);
    QByteArray sessionToken() const { return m_token; }  // for the keychain only; never log it
    // Forgets the token here and revokes it on the server (DELETE /api/v1/session).
    void logout();

    // POST /api/v1/session. A refused login reports the server's own message.
    void login(const QString &user, const QString &password, QObject *receiver, Done<void> done);

    void listApplications(QObject *receiver, Done<QList<ApplicationInfo>> done);
    void getApplication(const QString &name, QObject *receiver, Done<ApplicationInfo> done);
    void revisionMetadata(const QString &app, const QString &revision, QObject *receiver, Done<RevisionMetadata> done);
    void resourceTree(const QString &app, QObject *receiver, Done<ResourceTree> done);

    // Mutations. The caller confirms and audits (ArgoCdActions does both).
    void sync(const QString &app, const SyncOptions &options, QObject *receiver, Done<void> done);
    void rollback(const QString &app, qint64 historyId, bool dryRun, bool prune, QObject *receiver, Done<void> done);
    void terminateOperation(const QString &app, QObject *receiver, Done<void> done);

    // Live updates: one list (applicationsListed), then the stream (applicationChanged /
    // applicationDeleted). When the stream cannot start or breaks, a list every pollIntervalMs
    // instead, and the stream is tried again now and then.
    void startWatching(int pollIntervalMs = 3000);
    void stopWatching();
    bool isWatching() const { return m_watching; }
    bool isStreaming() const { return m_streaming; }

    // The thread answers are parsed on, and a hook called there before each parse with what is
    // parsed ("applications", "stream event", …): tests check that no parse runs on the caller's
    // thread. Set it before the requests it should see; it must be thread-safe.
    const QThread *parserThread() const { return &m_parserThread; }
    void setParseObserver(std::function<void(const char *what)> observer) { m_parseObserver = std::move(observer); }

Q_SIGNALS:
    void loggedIn(const QString &user);
    void sessionExpired(const QString &message);
    void applicationsListed(const QList<pilothouse::backends::argocd::ApplicationInfo> &applications);
    void applicationChanged(const pilothouse::backends::argocd::ApplicationInfo &application);
    void applicationDeleted(const QString &name);
    // streaming true: live from the stream; false: polling, with the reason the stream is not used.
    void watchModeChanged(bool streaming, const QString &reason);
    void watchFailed(const QString &message);

private:
    struct Reply {
        int status = 0;
        QByteArray body;
        ApiError error;
    };
    // `parse` runs on the parser thread with the body of a 2xx answer; `done` on this client's
    // thread afterwards, when `receiver` still exists.
    void call(const QByteArray &method, const QString &path, const QByteArray &body, QObject *receiver,
              std::function<void(const QByteArray &)> parse, std::function<void(const Reply &)> done, bool authenticated = true);
    // A GET whose answer `parse` turns into a T on the parser thread.
    template <class T>
    void getParsed(const QString &path, const char *what, Result<T> (*parse)(const QByteArray &), QObject *receiver, Done<T> done);
    ApiError explain(ApiError e) const;
    void expire(const ApiError &cause);
    void openStream();
    void onStreamHeaders(int status, quint64 generation);
    void onStreamEvent(const Result<WatchEvent> &event, quint64 generation);
    void onStreamFinished(const ApiError &error, bool transport, quint64 generation);
    void streamEnded(const QString &reason);
    void poll();
    static QString encode(const QString &segment);

    http::HttpEngine *m_engine;
    ArgoCdServer m_server;
    http::TlsConfig m_tls;
    QString m_user;
    QByteArray m_token;
    bool m_watching = false;
    bool m_streaming = false;
    http::RequestId m_streamId = 0;
    quint64 m_streamGeneration = 0;
    QTimer m_pollTimer;
    int m_pollsSinceStreamTry = 0;
    // The engine delivers answers to m_parser, which lives on m_parserThread; results come back
    // here queued. The thread is stopped in the destructor before anything else goes.
    QThread m_parserThread;
    QObject *m_parser = nullptr;
    std::function<void(const char *)> m_parseObserver;
};

}  // namespace pilothouse::backends::argocd
