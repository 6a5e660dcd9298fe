// The Metrics page's time range: Grafana's relative forms ("now-1h" to "now") or absolute times,
// the presets of the picker, what a range is called, and the history a zoom or a pick adds to
// (Back returns to the range before).
#pragma once

#include <QList>
#include <QString>

#include <utility>

namespace pilothouse::models {

struct TimeRange {
    // Relative: `from`/`to` as Grafana writes them ("now-6h", "now"); absolute: ms since the epoch.
    QString from = QStringLiteral("now-1h");
    QString to = QStringLiteral("now");
    qint64 fromMs = 0, toMs = 0;
    bool absolute = false;

    static TimeRange last(const QString &duration);          // "5m" → now-5m .. now
    static TimeRange between(qint64 fromMs, qint64 toMs);     // absolute
    // From a dashboard's time (its from/to strings; an absolute ISO time is read as such).
    static TimeRange fromGrafana(const QString &from, const QString &to);

    // [start, end] in ms since the epoch at `nowMs`; a range that cannot be read is the last hour.
    std::pair<qint64, qint64> resolve(qint64 nowMs) const;
    qint64 lengthMs(qint64 nowMs) const;
    // "Last 1 hour", "Last 7 days", "2026-12-07 10:00:00 to 11:30:00".
    QString label() const;
    friend bool operator==(const TimeRange &, const TimeRange &) = default;
};

// The picker's quick ranges: last 5m, 15m, 1h, 6h, 24h, 7d.
QList<TimeRange> timeRangePresets();

class TimeRangeHistory {
public:
    explicit TimeRangeHistory(TimeRange initial = {}) : m_current(std::move(initial)) {}
    const TimeRange &current() const { return m_current; }
    // A new range (picked or zoomed to); the one before is kept for back().
    void set(const TimeRange &range);
    // Zoom to [fromMs, toMs] (a drag on a chart); ignored when shorter than a second.
    bool zoom(qint64 fromMs, qint64 toMs);
    bool canGoBack() const { return !m_back.isEmpty(); }
    bool back();

private:
    TimeRange m_current;
    QList<TimeRange> m_back;
};

}  // namespace pilothouse::models
