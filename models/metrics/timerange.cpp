// Time ranges of the Metrics page.
#include "metrics/timerange.h"

#include "dashboards/grafanadashboard.h"

#include <QCoreApplication>
#include <QDateTime>

namespace pilothouse::models {

namespace {

QString tr(const char *s) { return QCoreApplication::translate("TimeRange", s); }

// "1h" → "1 hour", "7d" → "7 days", "15m" → "15 minutes".
QString spoken(const QString &duration)
{
    const QString n = duration.chopped(1);
    const QChar unit = duration.back();
    const bool one = n == QLatin1String("1");
    switch (unit.toLatin1()) {
    case 's': return one ? tr("1 second") : tr("%1 seconds").arg(n);
    case 'm': return one ? tr("1 minute") : tr("%1 minutes").arg(n);
    case 'h': return one ? tr("1 hour") : tr("%1 hours").arg(n);
    case 'd': return one ? tr("1 day") : tr("%1 days").arg(n);
    case 'w': return one ? tr("1 week") : tr("%1 weeks").arg(n);
    default: break;
    }
    return duration;
}

}  // namespace

TimeRange TimeRange::last(const QString &duration)
{
    TimeRange r;
    r.from = QStringLiteral("now-") + duration;
    r.to = QStringLiteral("now");
    return r;
}

TimeRange TimeRange::between(qint64 fromMs, qint64 toMs)
{
    TimeRange r;
    r.absolute = true;
    r.fromMs = std::min(fromMs, toMs);
    r.toMs = std::max(fromMs, toMs);
    r.from.clear();
    r.to.clear();
    return r;
}

TimeRange TimeRange::fromGrafana(const QString &from, const QString &to)
{
    if (backends::dashboards::relativeMs(from) && backends::dashboards::relativeMs(to)) {
        TimeRange r;
        r.from = from;
        r.to = to;
        return r;
    }
    const QDateTime a = QDateTime::fromString(from, Qt::ISODateWithMs);
    const QDateTime b = QDateTime::fromString(to, Qt::ISODateWithMs);
    if (a.isValid() && b.isValid())
        return between(a.toMSecsSinceEpoch(), b.toMSecsSinceEpoch());
    return {};
}

std::pair<qint64, qint64> TimeRange::resolve(qint64 nowMs) const
{
    if (absolute)
        return {fromMs, toMs};
    const auto f = backends::dashboards::relativeMs(from);
    const auto t = backends::dashboards::relativeMs(to);
    if (!f || !t)
        return {nowMs - 3'600'000, nowMs};
    return {nowMs + *f, nowMs + *t};
}

qint64 TimeRange::lengthMs(qint64 nowMs) const
{
    const auto [a, b] = resolve(nowMs);
    return b - a;
}

QString TimeRange::label() const
{
    if (absolute) {
        const QDateTime a = QDateTime::fromMSecsSinceEpoch(fromMs);
        const QDateTime b = QDateTime::fromMSecsSinceEpoch(toMs);
        const QString end = a.date() == b.date() ? b.toString(QStringLiteral("HH:mm:ss")) : b.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        return tr("%1 to %2").arg(a.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), end);
    }
    if (to == QLatin1String("now") && from.startsWith(QLatin1String("now-")))
        return tr("Last %1").arg(spoken(from.mid(4)));
    return tr("%1 to %2").arg(from, to);
}

QList<TimeRange> timeRangePresets()
{
    QList<TimeRange> out;
    for (const char *d : {"5m", "15m", "1h", "6h", "24h", "7d"})
        out << TimeRange::last(QLatin1String(d));
    return out;
}

void TimeRangeHistory::set(const TimeRange &range)
{
    if (range == m_current)
        return;
    m_back << m_current;
    m_current = range;
}

bool TimeRangeHistory::zoom(qint64 fromMs, qint64 toMs)
{
    if (std::llabs(toMs - fromMs) < 1000)
        return false;
    set(TimeRange::between(fromMs, toMs));
    return true;
}

bool TimeRangeHistory::back()
{
    if (m_back.isEmpty())
        return false;
    m_current = m_back.takeLast();
    return true;
}

}  // namespace pilothouse::models
