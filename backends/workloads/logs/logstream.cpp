// One container's log stream: request, resume after a drop, and the end reasons.
#include "workloads/logs/logstream.h"

#include "kube/api/resourceref.h"
#include "kube/api/status.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>
#include <QUrlQuery>

#include <utility>

namespace pilothouse::backends::workloads {

using kube::KubeClient;
using kube::KubeReply;
using kube::isRetriable;
using kube::ResourceRef;

namespace {

// The API server's words for a container that cannot serve logs yet (kubelet's
// validateContainerLogStatus): "container "web" in pod "web-1" is waiting to start: ContainerCreating".
bool isWaitingToStart(const ApiError &e)
{
    return e.httpStatus == 400 && (e.message.contains(QLatin1String("waiting to start")) || e.message.contains(QLatin1String("is not started"))
                                   || e.message.contains(QLatin1String("PodInitializing")) || e.message.contains(QLatin1String("ContainerCreating")));
}

bool isNoPreviousInstance(const ApiError &e)
{
    return e.httpStatus == 400 && e.message.contains(QLatin1String("previous terminated container"));
}

}  // namespace

QString describeLogError(const ApiError &error, const QString &ns, const QString &pod, const QString &container)
{
    const QString where = QStringLiteral("container %1 of pod %2/%3").arg(container, ns, pod);
    const QString msg = error.message;
    switch (error.kind) {
    case ErrorKind::NotFound:
        return QStringLiteral("pod %1/%2 not found (404)").arg(ns, pod);
    case ErrorKind::Forbidden:
        return QStringLiteral("Forbidden (403): not allowed to read the logs of %1: %2").arg(where, msg);
    case ErrorKind::Unauthorized:
        return QStringLiteral("Unauthorized (401): the cluster did not accept the credentials for the logs of %1").arg(where);
    case ErrorKind::Invalid:
        if (isWaitingToStart(error)) {
            const int at = msg.indexOf(QLatin1String("waiting to start: "));
            const QString reason = at >= 0 ? msg.mid(at + 18).trimmed() : QString();
            return reason.isEmpty() ? QStringLiteral("%1 is waiting to start").arg(where)
                                    : QStringLiteral("%1 is waiting to start (%2)").arg(where, reason);
        }
        if (isNoPreviousInstance(error))
            return QStringLiteral("%1 has no previous instance: it has not restarted").arg(where);
        return QStringLiteral("the server refused the log request for %1 (%2): %3").arg(where).arg(error.httpStatus).arg(msg);
    case ErrorKind::Network:
        return QStringLiteral("connection lost while reading %1: %2").arg(where, msg);
    case ErrorKind::Timeout:
        return QStringLiteral("no answer while reading %1: %2").arg(where, msg);
    case ErrorKind::Tls:
        return QStringLiteral("TLS: %1").arg(msg);
    default:
        return QStringLiteral("%1: %2").arg(where, msg.isEmpty() ? errorKindName(error.kind) : msg);
    }
}

LogStream::LogStream(KubeClient *client, QString ns, QString pod, QString container, QObject *parent)
    : QObject(parent), m_client(client), m_ns(std::move(ns)), m_pod(std::move(pod)), m_container(std::move(container)),
      m_decoder(m_pod, m_container)
{
    qRegisterMetaType<LogLines>();
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(0);
    connect(&m_flushTimer, &QTimer::timeout, this, &LogStream::flushLines);
    m_retryTimer.setSingleShot(true);
    // A coarse timer may fire 5 % early: a Retry-After is a lower bound.
    m_retryTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] {
        dropConnection();
        if (m_decoder.hasTimestamp())
            m_decoder.beginResume();
        connectNow();
    });
    if (client) {
        // Deleting the receiver drops the client's callbacks, which capture the client itself.
        connect(client, &KubeClient::aboutToBeDestroyed, this, [this] {
            const bool running = !m_stopped && m_state != State::Ended;
            dropConnection();
            m_retryTimer.stop();
            if (running)
                endWith(QStringLiteral("disconnected: the cluster connection was closed or switched"));
        });
    }
}

LogStream::~LogStream()
{
    m_stopped = true;
    dropConnection();
}

LogStream::Stats LogStream::stats() const
{
    Stats s = m_stats;
    s.linesDelivered = m_decoder.delivered();
    s.duplicatesDropped = m_decoder.duplicatesDropped();
    return s;
}

QString LogStream::who() const { return QStringLiteral("%1/%2 (%3)").arg(m_ns, m_pod, m_container); }

void LogStream::start()
{
    if (!m_stopped)
        return;
    m_stopped = false;
    m_decoder.reset();
    m_backoffMs = 0;
    m_lastError = {};
    connectNow();
}

void LogStream::stop()
{
    m_stopped = true;
    m_retryTimer.stop();
    dropConnection();
    flushLines();
    m_retryAt = 0;
    setState(State::Idle, {});
}

void LogStream::dropConnection()
{
    ++m_generation;
    m_requestId = 0;
    if (QObject *c = std::exchange(m_conn, nullptr)) {
        // Inside one of its own callbacks the engine is still using the handler: later.
        if (m_callbackDepth > 0)
            c->deleteLater();
        else
            delete c;
    }
}

void LogStream::connectNow()
{
    if (m_stopped)
        return;
    if (!m_client) {
        endWith(QStringLiteral("disconnected: no cluster connection"));
        return;
    }
    dropConnection();
    const bool resume = m_decoder.hasTimestamp() && !m_previous;
    QUrlQuery q;
    if (!m_container.isEmpty())
        q.addQueryItem(QStringLiteral("container"), m_container);
    // Always with timestamps: they are what a reconnect resumes from.
    q.addQueryItem(QStringLiteral("timestamps"), QStringLiteral("true"));
    if (m_previous)
        q.addQueryItem(QStringLiteral("previous"), QStringLiteral("true"));
    else if (m_follow)
        q.addQueryItem(QStringLiteral("follow"), QStringLiteral("true"));
    if (resume)
        q.addQueryItem(QStringLiteral("sinceTime"), QString::fromLatin1(QUrl::toPercentEncoding(m_decoder.sinceTime())));
    else if (m_tailLines >= 0)
        q.addQueryItem(QStringLiteral("tailLines"), QString::number(m_tailLines));
    m_lastPath = ResourceRef::pods().objectPath(m_ns, m_pod) + QStringLiteral("/log?") + q.toString(QUrl::FullyEncoded);

    ++m_stats.connects;
    if (resume)
        ++m_stats.reconnects;
    m_linesThisConnection = false;
    m_retryAt = 0;
    setState(State::Connecting, resume ? QStringLiteral("resuming after %1").arg(m_decoder.sinceTime()) : QString());
    m_conn = new QObject(this);
    const quint64 gen = m_generation;
    KubeClient::WatchHandlers h;
    h.answered = [this, gen] { onAnswered(gen); };
    h.line = [this, gen](const QByteArray &l) { onLine(gen, l); };
    h.failedToStart = [this, gen](const KubeReply &r) { onFailedToStart(gen, r); };
    h.finished = [this, gen](const http::Response &r) { onFinished(gen, r); };
    m_requestId = m_client->stream(m_lastPath, m_conn, std::move(h), m_idleTimeoutMs);
}

void LogStream::onAnswered(quint64 gen)
{
    if (gen != m_generation || m_stopped || m_state == State::Streaming)
        return;
    setState(State::Streaming, m_follow && !m_previous ? QStringLiteral("following") : QStringLiteral("reading"));
}

void LogStream::onLine(quint64 gen, const QByteArray &raw)
{
    if (gen != m_generation || m_stopped)
        return;
    ++m_callbackDepth;
    if (std::optional<LogLine> line = m_decoder.decode(raw)) {
        m_pending.append(std::move(*line));
        if (!m_linesThisConnection) {
            m_linesThisConnection = true;
            // New lines mean the connection works: the next drop starts the backoff afresh.
            m_backoffMs = 0;
        }
        if (!m_flushTimer.isActive())
            m_flushTimer.start();
    }
    if (m_state != State::Streaming)
        setState(State::Streaming, m_follow && !m_previous ? QStringLiteral("following") : QStringLiteral("reading"));
    --m_callbackDepth;
}

void LogStream::flushLines()
{
    if (m_pending.isEmpty())
        return;
    LogLines out;
    out.swap(m_pending);
    Q_EMIT linesReceived(out);
}

void LogStream::onFailedToStart(quint64 gen, const KubeReply &reply)
{
    if (gen != m_generation || m_stopped)
        return;
    ++m_callbackDepth;
    const ApiError &e = reply.error;
    if (e.kind == ErrorKind::NotFound) {
        // Before anything streamed the pod never existed (a typo, a stale row); afterwards it was deleted.
        endWith(m_stats.connects > 1 || m_decoder.delivered() > 0
                    ? QStringLiteral("pod %1/%2 was deleted").arg(m_ns, m_pod)
                    : describeLogError(e, m_ns, m_pod, m_container),
                e);
    } else if (isWaitingToStart(e) && !m_previous) {
        scheduleRetry(State::Waiting, describeLogError(e, m_ns, m_pod, m_container), e);
    } else if (isRetriable(e) && !m_previous) {
        scheduleRetry(State::Reconnecting, describeLogError(e, m_ns, m_pod, m_container), e);
    } else {
        endWith(describeLogError(e, m_ns, m_pod, m_container), e);
    }
    --m_callbackDepth;
}

void LogStream::onFinished(quint64 gen, const http::Response &response)
{
    if (gen != m_generation || m_stopped)
        return;
    ++m_callbackDepth;
    m_requestId = 0;
    flushLines();
    if (response.error.kind == ErrorKind::Cancelled) {
        --m_callbackDepth;
        return;
    }
    if (m_previous || !m_follow) {
        if (response.error.isError())
            endWith(describeLogError(response.error, m_ns, m_pod, m_container), response.error);
        else
            endWith(m_previous ? QStringLiteral("end of the previous instance's log") : QStringLiteral("end of log"));
    } else if (response.error.kind == ErrorKind::Timeout && response.headersReceived) {
        // Answered, then silent: a quiet container or a connection that died without a word.
        // Either way a fresh connection tells; the server did answer, so no escalating backoff.
        ++m_stats.idleTimeouts;
        m_backoffMs = 0;
        scheduleRetry(State::Reconnecting, QStringLiteral("no data from the log of %1 for %2 s; reconnecting").arg(who()).arg(m_idleTimeoutMs / 1000.0),
                      response.error);
    } else if (response.error.isError()) {
        if (response.error.kind == ErrorKind::Timeout)
            ++m_stats.idleTimeouts;
        scheduleRetry(State::Reconnecting, describeLogError(response.error, m_ns, m_pod, m_container), response.error);
    } else {
        // A follow stream the server closed: the container stopped, the pod is going, or a
        // proxy cut it. Ask the pod which before reconnecting.
        checkPodAfterCleanEnd();
    }
    --m_callbackDepth;
}

void LogStream::checkPodAfterCleanEnd()
{
    if (!m_client) {
        endWith(QStringLiteral("disconnected: no cluster connection"));
        return;
    }
    setState(State::Reconnecting, QStringLiteral("the log stream closed; checking pod %1").arg(m_pod));
    dropConnection();
    m_conn = new QObject(this);
    const quint64 gen = m_generation;
    m_client->get(ResourceRef::pods(), m_ns, m_pod, m_conn, [this, gen](const KubeReply &reply) {
        if (gen != m_generation || m_stopped)
            return;
        ++m_callbackDepth;
        if (reply.error.kind == ErrorKind::NotFound) {
            endWith(QStringLiteral("pod %1/%2 was deleted").arg(m_ns, m_pod), reply.error);
        } else if (!reply.ok()) {
            scheduleRetry(State::Reconnecting, QStringLiteral("the log stream closed; %1").arg(describeLogError(reply.error, m_ns, m_pod, m_container)),
                          reply.error);
        } else {
            const QJsonObject pod = QJsonDocument::fromJson(reply.body).object();
            const QString phase = pod.value(QLatin1String("status")).toObject().value(QLatin1String("phase")).toString();
            if (phase == QLatin1String("Succeeded") || phase == QLatin1String("Failed")) {
                // No container of a finished pod starts again: nothing more will be written.
                endWith(QStringLiteral("pod %1 has finished (%2)").arg(m_pod, phase));
            } else {
                scheduleRetry(State::Reconnecting, QStringLiteral("the log stream closed"), {});
            }
        }
        --m_callbackDepth;
    });
}

void LogStream::scheduleRetry(State state, const QString &why, const ApiError &error)
{
    if (m_stopped)
        return;
    m_lastError = error;
    m_backoffMs = m_backoffMs == 0 ? m_backoffInitialMs : std::min(m_backoffMs * 2, m_backoffMaxMs);
    // Jitter up to +100 %, as client-go's backoff manager with jitter 1.0 (and the informers).
    int delay = m_backoffMs + std::uniform_int_distribution<int>(0, m_backoffMs)(m_rng);
    delay = std::min(delay, m_backoffMaxMs);
    // The server said when to come back (429, 503): never sooner, within reason.
    if (error.retryAfterSeconds && *error.retryAfterSeconds > 0)
        delay = std::max(delay, std::min(*error.retryAfterSeconds, 600) * 1000);
    m_retryAt = QDateTime::currentMSecsSinceEpoch() + delay;
    setState(state, why);
    m_retryTimer.start(delay);
}

void LogStream::endWith(const QString &why, const ApiError &error)
{
    m_retryTimer.stop();
    flushLines();
    m_lastError = error;
    m_retryAt = 0;
    setState(State::Ended, why);
}

void LogStream::setState(State s, const QString &detail)
{
    if (s == m_state && detail == m_detail)
        return;
    m_state = s;
    m_detail = detail;
    Q_EMIT stateChanged(s, detail);
}

}  // namespace pilothouse::backends::workloads
