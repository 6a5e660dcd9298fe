// Follows a Jenkins build's console through JenkinsClient::console: from byte 0, then from each
// answer's X-Text-Size while X-More-Data says the build still writes; at once after a full chunk,
// else about once a second; done when Jenkins says there is no more. Each chunk is parsed on the
// follower's worker thread, and the GUI thread gets ready line batches. The next read starts only
// after a batch was handed over, so a slow consumer slows the reads instead of piling lines up.
// Errors are values in the status (a refusal or a missing build ends it; a server error or a
// timeout is retried with a growing pause); a server that stalls leaves the GUI thread free.
#pragma once

#include "jenkins/jenkinsclient.h"
#include "pipelines/consoleparser.h"

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QThread>
#include <QTimer>

#include <memory>

namespace pilothouse::models {

class ConsoleFollower : public QObject {
    Q_OBJECT

public:
    enum class State {
        Idle,       // not started, or stopped
        Streaming,  // reading; the build writes
        Retrying,   // the last read failed; the next one comes at retryAtMsecs()
        Complete,   // Jenkins said the console is whole
        Failed,     // refused, or the build does not exist: errorText()
    };
    Q_ENUM(State)

    explicit ConsoleFollower(backends::jenkins::JenkinsClient *client, QObject *parent = nullptr);
    ~ConsoleFollower() override;

    // Starts over from byte 0 (a reply to an earlier follow() is ignored).
    void follow(const QStringList &job, int build);
    void stop();

    // The pause between reads while the build writes and the last chunk was not full (default 1000 ms).
    void setPollInterval(int ms) { m_pollMs = ms; }
    // A chunk at least this big means more is waiting: read again at once (default 64 KiB).
    void setFullChunkBytes(qint64 bytes) { m_fullChunk = bytes; }
    // The first pause after a failed read (doubling up to 30 s; default 1000 ms).
    void setRetryInterval(int ms) { m_retryMs = ms; }
    // At most this many lines per batch, the newest: Jenkins answers everything from the offset
    // on (a finished 100 MB log in one answer), and what a bounded model would drop at once is
    // dropped on the worker instead of being made into lines the GUI thread never keeps.
    // 0: no limit (default).
    void setKeepLines(int lines) { m_keepLines = lines; }

    State state() const { return m_state; }
    QString errorText() const { return m_error; }
    qint64 offset() const { return m_offset; }          // the next byte to read
    qint64 retryAtMsecs() const { return m_retryAt; }
    QStringList job() const { return m_job; }
    int build() const { return m_build; }
    const QThread *workerThread() const { return &m_thread; }

Q_SIGNALS:
    // `skippedBefore` lines came before `lines` and were dropped for setKeepLines().
    void linesReceived(const pilothouse::models::ConsoleLines &lines, qint64 skippedBefore);
    void stateChanged(pilothouse::models::ConsoleFollower::State state);
    // The console is complete (X-More-Data absent).
    void finished();

private:
    void read();
    void onChunk(quint64 generation, const backends::Result<backends::jenkins::ConsoleChunk> &chunk);
    void deliver(quint64 generation, const ConsoleLines &lines, qint64 skipped, qint64 nextOffset, bool more, qint64 bytes);
    void setState(State state);

    QPointer<backends::jenkins::JenkinsClient> m_client;
    QThread m_thread;
    QObject *m_worker = nullptr;
    std::shared_ptr<ConsoleParser> m_parser;  // used on the worker only, one chunk at a time
    QTimer m_next;
    QStringList m_job;
    int m_build = 0;
    quint64 m_generation = 0;
    qint64 m_offset = 0;
    State m_state = State::Idle;
    QString m_error;
    int m_pollMs = 1000;
    qint64 m_fullChunk = 64 * 1024;
    int m_retryMs = 1000;
    int m_keepLines = 0;
    int m_failures = 0;
    qint64 m_retryAt = 0;
};

}  // namespace pilothouse::models
