// One line of a container's log as a value snapshot, the RFC3339Nano timestamp parser, and the
// decoder that turns raw `timestamps=true` lines into LogLines and drops repeats after a reconnect.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace pilothouse::backends::workloads {

struct LogLine {
    qint64 msecs = 0;   // the kubelet's timestamp, ms since the epoch (0: the line carried none)
    QString pod;
    QString container;
    QString text;

    friend bool operator==(const LogLine &, const LogLine &) = default;
};
using LogLines = QList<LogLine>;

// RFC3339 with an optional fraction of 1..9 digits and Z or a numeric offset, as the kubelet
// writes it with timestamps=true ("2024-09-02T08:00:00.123456789Z"). Nanoseconds since the
// epoch, or nullopt when `text` is not such a timestamp.
std::optional<qint64> parseRfc3339Nano(QByteArrayView text);

// Decodes the lines of one container's log stream. After a reconnect with sinceTime=<last
// timestamp> the server repeats every line at that timestamp (it keeps lines at or after it,
// and may ignore the fraction); beginResume() makes the decoder drop lines older than the last
// one it delivered and, at the same timestamp, the texts it already delivered: no gap, no
// duplicate, whatever precision the server honours.
class LogLineDecoder {
public:
    LogLineDecoder(QString pod, QString container);

    // nullopt: a repeat of a line delivered before the reconnect.
    std::optional<LogLine> decode(QByteArrayView raw);
    // The next lines come from a new connection opened with sinceTime().
    void beginResume();
    bool resuming() const { return m_resuming; }
    // Forget everything (a fresh stream, e.g. of the previous instance).
    void reset();

    bool hasTimestamp() const { return !m_lastStamp.isEmpty(); }
    // The last delivered line's timestamp exactly as the server wrote it.
    QString sinceTime() const { return QString::fromLatin1(m_lastStamp); }
    int duplicatesDropped() const { return m_duplicates; }
    int delivered() const { return m_delivered; }

    // Longer lines are cut (a runaway JSON dump must not defeat the ring buffer's bound).
    static constexpr int kMaxLineBytes = 64 * 1024;

private:
    QString m_pod;
    QString m_container;
    qint64 m_lastNanos = 0;
    QByteArray m_lastStamp;
    QList<QString> m_atLast;        // texts delivered at m_lastNanos, in order (bounded)
    QList<QString> m_resumeAtLast;  // what a resumed stream may still repeat at m_lastNanos
    bool m_resuming = false;
    int m_duplicates = 0;
    int m_delivered = 0;
};

}  // namespace pilothouse::backends::workloads

Q_DECLARE_METATYPE(pilothouse::backends::workloads::LogLine)
Q_DECLARE_METATYPE(pilothouse::backends::workloads::LogLines)
