// Follows the log of one container (GET .../pods/POD/log, always with timestamps) and keeps
// following through dropped connections: it reconnects with sinceTime=<last timestamp> and a
// jittered backoff, drops what it already delivered, and ends with a reason an operator can
// read when the pod is gone, the container has finished or the server refuses.
// Under faults: Streaming once the server answered (its response headers), not before; a stream
// silent for the idle limit (default 120 s; a half-open connection, a proxy that stopped
// forwarding) is dropped and resumed as after any drop; a 429 or 503 waits at least its
// Retry-After (header or Status details.retryAfterSeconds) before asking again.
#pragma once

#include "core/result.h"
#include "http/httpengine.h"
#include "kube/api/kubeclient.h"
#include "workloads/logs/logline.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <random>

namespace pilothouse::backends::workloads {

using kube::KubeClient;
using kube::KubeReply;

class LogStream : public QObject {
    Q_OBJECT

public:
    enum class State {
        Idle,          // not started, or stopped
        Connecting,    // a request is open, nothing arrived yet
        Streaming,     // the server answered: lines are arriving, or the follow stream is open and quiet
        Waiting,       // the container has not started yet; asks again after a backoff
        Reconnecting,  // the stream dropped; reconnects after a backoff
        Ended,         // for good: see detail() and lastError()
    };
    Q_ENUM(State)

    struct Stats {
        int connects = 0;           // requests opened, first one included
        int reconnects = 0;         // requests opened with sinceTime after a drop
        int linesDelivered = 0;
        int duplicatesDropped = 0;  // repeats after a reconnect that were not delivered
        int idleTimeouts = 0;       // connections dropped for silence
    };

    // `client` is a GUI-thread client (KubeSession::client()); the stream lives on its thread.
    // When the client is destroyed the stream ends ("disconnected") without touching it.
    LogStream(KubeClient *client, QString ns, QString pod, QString container, QObject *parent = nullptr);
    ~LogStream() override;

    // Options; set before start().
    void setFollow(bool follow) { m_follow = follow; }
    // The previous (crashed or restarted) instance of the container: read once, no follow.
    void setPrevious(bool previous) { m_previous = previous; }
    // How many of the newest lines the first request asks for; -1 for the whole log.
    void setTailLines(int lines) { m_tailLines = lines; }
    // Tests shorten these; production: 0.8 s doubling to 30 s, plus up to 100 % jitter.
    void setBackoff(int initialMs, int maxMs) { m_backoffInitialMs = initialMs; m_backoffMaxMs = maxMs; }
    // Silence after which the connection is dropped and resumed (0: never). A quiet container
    // costs one reconnect per period; a half-open connection no longer hides as Streaming.
    void setIdleTimeout(int ms) { m_idleTimeoutMs = ms; }

    void start();
    // Cancels the request and any pending reconnect; state Idle. No signal runs afterwards.
    void stop();

    QString ns() const { return m_ns; }
    QString pod() const { return m_pod; }
    QString container() const { return m_container; }
    bool previous() const { return m_previous; }
    State state() const { return m_state; }
    // Why the stream is in its state: the error being retried, or why it ended.
    QString detail() const { return m_detail; }
    ApiError lastError() const { return m_lastError; }
    // When the next attempt runs (ms since the epoch), while Waiting or Reconnecting.
    qint64 retryAtMsecs() const { return m_retryAt; }
    Stats stats() const;
    // The path of the last request, for tests and the operations log.
    QString lastRequestPath() const { return m_lastPath; }

Q_SIGNALS:
    // New lines in order, batched per turn of the event loop; never a repeat.
    void linesReceived(const pilothouse::backends::workloads::LogLines &lines);
    void stateChanged(pilothouse::backends::workloads::LogStream::State state, const QString &detail);

private:
    void connectNow();
    void onAnswered(quint64 gen);
    void onLine(quint64 gen, const QByteArray &raw);
    void onFailedToStart(quint64 gen, const KubeReply &reply);
    void onFinished(quint64 gen, const http::Response &response);
    void checkPodAfterCleanEnd();
    void scheduleRetry(State state, const QString &why, const ApiError &error);
    void endWith(const QString &why, const ApiError &error = {});
    void setState(State s, const QString &detail);
    void dropConnection();
    void flushLines();
    QString who() const;

    QPointer<KubeClient> m_client;
    QString m_ns;
    QString m_pod;
    QString m_container;
    bool m_follow = true;
    bool m_previous = false;
    int m_tailLines = 1000;
    LogLineDecoder m_decoder;
    LogLines m_pending;
    QTimer m_flushTimer;
    QTimer m_retryTimer;
    QObject *m_conn = nullptr;  // receiver of the current request: deleting it cancels silently
    http::RequestId m_requestId = 0;
    quint64 m_generation = 0;   // callbacks of an abandoned request are ignored
    int m_callbackDepth = 0;
    bool m_stopped = true;
    bool m_linesThisConnection = false;
    State m_state = State::Idle;
    QString m_detail;
    ApiError m_lastError;
    qint64 m_retryAt = 0;
    QString m_lastPath;
    Stats m_stats;
    int m_backoffMs = 0;
    int m_backoffInitialMs = 800;
    int m_backoffMaxMs = 30000;
    int m_idleTimeoutMs = 120000;
    std::mt19937 m_rng{std::random_device{}()};
};

// "ns/pod (container)" phrases and the mapping of log endpoint errors to operator messages,
// shared with the workload merger.
QString describeLogError(const ApiError &error, const QString &ns, const QString &pod, const QString &container);

}  // namespace pilothouse::backends::workloads
