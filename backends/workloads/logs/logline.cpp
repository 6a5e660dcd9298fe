// Log line decoding: a hand-written RFC3339Nano parser (QDateTime stops at milliseconds, and
// dedup after a reconnect needs the full precision) and the resume filter.
#include "workloads/logs/logline.h"

namespace pilothouse::backends::workloads {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
qint64 daysFromCivil(int y, int m, int d)
{
    y -= m <= 2;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = static_cast<int>(y - era * 400);
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool digits(QByteArrayView s, qsizetype at, int count, int *out)
{
    if (at + count > s.size())
        return false;
    int v = 0;
    for (int i = 0; i < count; ++i) {
        const char c = s[at + i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

}  // namespace

std::optional<qint64> parseRfc3339Nano(QByteArrayView s)
{
    int year, month, day, hour, minute, second;
    if (!digits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, &month) || s[7] != '-'
        || !digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, &hour) || s[13] != ':'
        || !digits(s, 14, 2, &minute) || s[16] != ':' || !digits(s, 17, 2, &second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    qsizetype at = 19;
    qint64 nanos = 0;
    if (at < s.size() && s[at] == '.') {
        ++at;
        int n = 0;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
            if (n < 9) {
                nanos = nanos * 10 + (s[at] - '0');
                ++n;
            }
            ++at;
        }
        if (n == 0)
            return std::nullopt;
        for (; n < 9; ++n)
            nanos *= 10;
    }
    if (at >= s.size())
        return std::nullopt;
    qint64 offsetSeconds = 0;
    if (s[at] == 'Z' || s[at] == 'z') {
        ++at;
    } else if (s[at] == '+' || s[at] == '-') {
        int oh, om;
        if (!digits(s, at + 1, 2, &oh) || at + 3 >= s.size() || s[at + 3] != ':' || !digits(s, at + 4, 2, &om))
            return std::nullopt;
        offsetSeconds = (oh * 60 + om) * 60 * (s[at] == '-' ? -1 : 1);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != s.size())
        return std::nullopt;
    const qint64 secs = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
    return secs * 1000000000LL + nanos;
}

LogLineDecoder::LogLineDecoder(QString pod, QString container) : m_pod(std::move(pod)), m_container(std::move(container)) {}

void LogLineDecoder::reset()
{
    m_lastNanos = 0;
    m_lastStamp.clear();
    m_atLast.clear();
    m_resumeAtLast.clear();
    m_resuming = false;
}

void LogLineDecoder::beginResume()
{
    if (m_lastStamp.isEmpty())
        return;  // nothing delivered yet: nothing can repeat
    m_resuming = true;
    m_resumeAtLast = m_atLast;
}

std::optional<LogLine> LogLineDecoder::decode(QByteArrayView raw)
{
    if (raw.endsWith('\r'))
        raw.chop(1);
    std::optional<qint64> nanos;
    QByteArrayView stamp;
    QByteArrayView body = raw;
    if (const qsizetype space = raw.indexOf(' '); space > 0) {
        nanos = parseRfc3339Nano(raw.first(space));
        if (nanos) {
            stamp = raw.first(space);
            body = raw.sliced(space + 1);
        }
    } else if (!raw.isEmpty()) {
        // An empty log line comes as the timestamp alone.
        nanos = parseRfc3339Nano(raw);
        if (nanos) {
            stamp = raw;
            body = {};
        }
    }
    QString text;
    if (body.size() > kMaxLineBytes)
        text = QString::fromUtf8(body.first(kMaxLineBytes)) + QStringLiteral(" … [%1 more bytes]").arg(body.size() - kMaxLineBytes);
    else
        text = QString::fromUtf8(body);

    if (m_resuming) {
        if (!nanos) {
            m_resuming = false;  // the server stopped sending timestamps: nothing left to compare
        } else if (*nanos < m_lastNanos) {
            ++m_duplicates;
            return std::nullopt;
        } else if (*nanos == m_lastNanos) {
            if (const qsizetype i = m_resumeAtLast.indexOf(text); i >= 0) {
                m_resumeAtLast.removeAt(i);
                ++m_duplicates;
                return std::nullopt;
            }
        } else {
            m_resuming = false;
            m_resumeAtLast.clear();
        }
    }
    if (nanos) {
        if (*nanos != m_lastNanos || m_lastStamp.isEmpty()) {
            m_lastNanos = *nanos;
            m_atLast.clear();
        }
        m_lastStamp = stamp.toByteArray();
        // Bounded: a server with second precision may put thousands of lines on one timestamp;
        // beyond this many the oldest are forgotten (and might repeat after a reconnect).
        if (m_atLast.size() >= 4096)
            m_atLast.removeFirst();
        m_atLast.append(text);
    }
    ++m_delivered;
    LogLine line;
    line.msecs = nanos ? *nanos / 1000000 : 0;
    line.pod = m_pod;
    line.container = m_container;
    line.text = std::move(text);
    return line;
}

}  // namespace pilothouse::backends::workloads
