// The console follower: read, parse on the worker, hand over, wait or read again.
#include "pipelines/consolefollower.h"

#include <QDateTime>

#include <algorithm>

namespace pilothouse::models {

using backends::ErrorKind;
using backends::Result;
using backends::jenkins::ConsoleChunk;
using backends::jenkins::JenkinsClient;

ConsoleFollower::ConsoleFollower(JenkinsClient *client, QObject *parent) : QObject(parent), m_client(client)
{
    m_thread.setObjectName(QStringLiteral("jenkins-console"));
    m_worker = new QObject;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
    m_next.setSingleShot(true);
    connect(&m_next, &QTimer::timeout, this, &ConsoleFollower::read);
}

ConsoleFollower::~ConsoleFollower()
{
    // The worker posts to this object: it stops first.
    m_thread.quit();
    m_thread.wait();
}

void ConsoleFollower::follow(const QStringList &job, int build)
{
    ++m_generation;
    m_next.stop();
    m_job = job;
    m_build = build;
    m_offset = 0;
    m_failures = 0;
    m_retryAt = 0;
    m_error.clear();
    m_parser = std::make_shared<ConsoleParser>();
    setState(State::Streaming);
    read();
}

void ConsoleFollower::stop()
{
    ++m_generation;  // an answer on its way is ignored
    m_next.stop();
    m_parser.reset();
    if (m_state == State::Streaming || m_state == State::Retrying)
        setState(State::Idle);
}

void ConsoleFollower::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void ConsoleFollower::read()
{
    if (!m_client) {
        m_error = tr("no Jenkins connection");
        setState(State::Failed);
        return;
    }
    const quint64 generation = m_generation;
    m_client->console(m_job, m_build, m_offset, this,
                      [this, generation](const Result<ConsoleChunk> &chunk) { onChunk(generation, chunk); });
}

void ConsoleFollower::onChunk(quint64 generation, const Result<ConsoleChunk> &chunk)
{
    if (generation != m_generation)
        return;
    if (!chunk.ok()) {
        const ErrorKind kind = chunk.error().kind;
        m_error = chunk.error().message;
        if (kind == ErrorKind::Unauthorized || kind == ErrorKind::Forbidden || kind == ErrorKind::NotFound || kind == ErrorKind::Config
            || kind == ErrorKind::Tls) {
            setState(State::Failed);
            return;
        }
        const int pause = std::min(30000, m_retryMs << std::min(m_failures++, 5));
        m_retryAt = QDateTime::currentMSecsSinceEpoch() + pause;
        if (m_state == State::Retrying)
            Q_EMIT stateChanged(m_state);  // the message changed, the state did not
        else
            setState(State::Retrying);
        m_next.start(pause);
        return;
    }
    m_failures = 0;
    m_retryAt = 0;
    const ConsoleChunk c = chunk.value();
    // The bytes go to the worker; this thread only gets the lines back.
    QMetaObject::invokeMethod(m_worker, [this, generation, parser = m_parser, c, keep = m_keepLines] {
        ConsoleLines lines;
        qint64 skipped = 0;
        // In slices, so that a huge answer never becomes more lines at once than are kept.
        constexpr qsizetype kSlice = 1 << 20;
        for (qsizetype at = 0; at < c.text.size(); at += kSlice) {
            lines += parser->feed(QByteArray::fromRawData(c.text.constData() + at, std::min(kSlice, c.text.size() - at)));
            if (keep > 0 && lines.size() > keep) {
                skipped += lines.size() - keep;
                lines.remove(0, lines.size() - keep);
            }
        }
        if (!c.more)
            lines += parser->finish();
        if (keep > 0 && lines.size() > keep) {
            skipped += lines.size() - keep;
            lines.remove(0, lines.size() - keep);
        }
        QMetaObject::invokeMethod(this, [this, generation, lines = std::move(lines), skipped, c] {
            deliver(generation, lines, skipped, c.nextOffset, c.more, c.text.size());
        }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
}

void ConsoleFollower::deliver(quint64 generation, const ConsoleLines &lines, qint64 skipped, qint64 nextOffset, bool more, qint64 bytes)
{
    if (generation != m_generation)
        return;
    m_offset = nextOffset;
    if (m_state == State::Retrying) {
        m_error.clear();
        setState(State::Streaming);
    }
    if (!lines.isEmpty() || skipped > 0)
        Q_EMIT linesReceived(lines, skipped);
    if (generation != m_generation)
        return;  // a receiver stopped or restarted the follower
    if (!more) {
        m_parser.reset();
        setState(State::Complete);
        Q_EMIT finished();
        return;
    }
    m_next.start(bytes >= m_fullChunk ? 0 : m_pollMs);
}

}  // namespace pilothouse::models
