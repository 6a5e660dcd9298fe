// The Jenkins REST client over the shared HTTP engine. Reads (the job tree, builds, runs and their
// stages, pending inputs, parameter definitions, queue items, the progressive console) are parsed
// on the client's own parser thread and delivered as values. Credentials: a user with an API token
// (Basic, no crumb: Jenkins exempts token requests) or with a password, for which POSTs carry the
// crumb and the session cookie it belongs to; a "No valid crumb" refusal fetches a new crumb and
// sends once more (Jenkins refused the request before acting on it). The secret is held in memory
// only and never put in a message.
#pragma once

#include "core/result.h"
#include "http/httpengine.h"
#include "jenkins/jenkinsinfo.h"

#include <QObject>
#include <QThread>

#include <functional>

namespace pilothouse::backends::jenkins {

struct JenkinsServer {
    QString url;                 // https://ci.example.com (a Jenkins under a path: https://host/jenkins)
    QString user;
    QByteArray apiToken;         // preferred; no crumb needed
    QByteArray password;         // used when there is no token: crumb and session cookie
    QString caFile;              // PEM of the CA that signed the server's certificate; empty: system store
    QByteArray caPem;            // or the PEM itself (wins over caFile)
    bool insecureSkipVerify = false;
};

// A piece of a build's console from logText/progressiveText.
struct ConsoleChunk {
    QByteArray text;
    qint64 nextOffset = 0;       // X-Text-Size: where the next read starts
    bool more = false;           // X-More-Data: the build is still writing
};

// What a POST came back with (trigger, stop, input): the status and the Location it pointed to.
struct PostReply {
    int status = 0;
    QString location;
    bool answered = false;       // the server's answer arrived (a lost answer leaves the outcome unknown)
    ApiError error;
};

class JenkinsClient : public QObject {
    Q_OBJECT

public:
    // Runs on the client's thread after the answer was parsed on the parser thread, and not at all
    // once `receiver` is gone.
    template <class T>
    using Done = std::function<void(const Result<T> &)>;

    explicit JenkinsClient(http::HttpEngine *engine, QObject *parent = nullptr);
    ~JenkinsClient() override;

    // Validates the URL (plain http only on loopback: the secret would cross the network in
    // clear) and reads the CA file; forgets the crumb of another server.
    Result<void> setServer(const JenkinsServer &server);
    QString serverUrl() const { return m_server.url; }
    QString userName() const { return m_server.user; }

    // Who the credentials are (GET /me/api/json): the check a connection starts with.
    void whoAmI(QObject *receiver, Done<QString> done);
    // The jobs below `folder` (empty: the top), `depth` levels of folders deep.
    void jobs(const QStringList &folder, int depth, QObject *receiver, Done<QList<JobNode>> done);
    void build(const QStringList &job, int number, QObject *receiver, Done<BuildInfo> done);
    void runs(const QStringList &job, QObject *receiver, Done<QList<RunInfo>> done);
    void describeRun(const QStringList &job, int number, QObject *receiver, Done<RunInfo> done);
    void stageTree(const QStringList &job, int number, QObject *receiver, Done<QList<StageInfo>> done);
    void pendingInputs(const QStringList &job, int number, QObject *receiver, Done<QList<PendingInput>> done);
    void parameterDefinitions(const QStringList &job, QObject *receiver, Done<QList<ParameterDefinition>> done);
    void queueItem(qint64 id, QObject *receiver, Done<QueueItem> done);
    // What waits in the queue now (every job's).
    void queue(QObject *receiver, Done<QList<QueueItem>> done);
    // A job's newest `count` builds with their parameters and causes, newest first.
    void recentBuilds(const QStringList &job, int count, QObject *receiver, Done<QList<BuildInfo>> done);
    // A page of a job's builds, newest first: allBuilds{from,from+count} with number, result,
    // times and parameters only (builds{} stops at 100; a range makes Jenkins load only what it reaches).
    void buildPage(const QStringList &job, int from, int count, QObject *receiver, Done<QList<BuildInfo>> done);
    // The console from byte `start` on.
    void console(const QStringList &job, int number, qint64 start, QObject *receiver, Done<ConsoleChunk> done);

    // A form POST to a path below the server ("job/x/build"), with the crumb when the credentials
    // need one. Redirects are not followed: a 201/302/303 and its Location are the answer.
    void post(const QString &path, const QByteArray &form, QObject *receiver, std::function<void(const PostReply &)> done);

    // For tests: the parser thread, and a hook called there before each parse with what is parsed.
    const QThread *parserThread() const { return &m_parserThread; }
    void setParseObserver(std::function<void(const char *what)> observer) { m_parseObserver = std::move(observer); }
    int crumbFetches() const { return m_crumbFetches; }

private:
    struct Reply {
        int status = 0;
        QByteArray body;
        http::Headers headers;
        bool answered = false;
        ApiError error;
    };
    void send(const QByteArray &method, const QString &path, const QByteArray &body, QObject *receiver,
              std::function<void(const QByteArray &)> parse, std::function<void(const Reply &)> done);
    template <class T>
    void getParsed(const QString &path, const char *what, Result<T> (*parse)(const QByteArray &), QObject *receiver, Done<T> done);
    void withCrumb(QObject *receiver, std::function<void(const ApiError &)> then);
    void postOnce(const QString &path, const QByteArray &form, QObject *receiver, bool mayRetry, std::function<void(const PostReply &)> done);
    ApiError explain(int status, const QByteArray &body, ApiError transport) const;
    QString jobUrlPath(const QStringList &job) const;

    http::HttpEngine *m_engine;
    JenkinsServer m_server;
    http::TlsConfig m_tls;
    QByteArray m_crumbField, m_crumb, m_cookie;  // password sessions only
    int m_crumbFetches = 0;
    QThread m_parserThread;
    QObject *m_parser = nullptr;
    std::function<void(const char *)> m_parseObserver;
};

}  // namespace pilothouse::backends::jenkins
