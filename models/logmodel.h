// Log lines as a list model over a ring buffer: a fixed bound on memory however long a stream
// runs (the oldest lines leave with beginRemoveRows), appends batched on a short timer, a
// "pod/container | " prefix for merged logs, and case-insensitive search.
#pragma once

#include "workloads/logs/logline.h"

#include <QAbstractListModel>
#include <QHash>
#include <QTimer>

#include <vector>

namespace pilothouse::models {

using backends::workloads::LogLine;
using backends::workloads::LogLines;

class LogModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Column { LineColumn, ColumnCount };
    enum Role {
        TimestampRole = Qt::UserRole,  // qint64 ms since the epoch (0: none)
        PodRole,
        ContainerRole,
        TextRole,                      // the line as the container wrote it
        PrefixRole,                    // "pod/container" when merged, else ""
        TimestampTextRole,             // "2024-09-02T08:00:00.123Z", or "" when hidden or absent
        PodColorIndexRole,             // int per pod in order of first appearance, stable while the model lives;
                                       // the view picks the colour (Theme::seriesColor), so it fits the theme
        MatchRole,                     // bool: the line matches the search text
    };

    static constexpr int kDefaultCapacity = 50000;

    explicit LogModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // At least one line. Shrinking drops the oldest rows at once.
    void setCapacity(int lines);
    int capacity() const { return m_capacity; }
    // Merged logs of several pods: the display string carries "pod/container | ".
    void setMerged(bool merged);
    bool merged() const { return m_merged; }
    void setShowTimestamps(bool show);
    bool showTimestamps() const { return m_showTimestamps; }
    // Appends wait this long so that a burst becomes one insert (default 50 ms).
    void setBatchInterval(int ms) { m_batchTimer.setInterval(ms); }

    // Queued; rows appear after the batch interval or flush().
    void appendLines(const LogLines &lines);
    void flush();
    void clear();
    int pendingLines() const { return static_cast<int>(m_pending.size()); }

    const LogLine &lineAt(int row) const { return m_ring[physical(row)]; }
    // Lines the bound pushed out since the last clear().
    qint64 droppedLines() const { return m_dropped; }
    // The longest display string seen (characters), for a view's horizontal extent.
    int longestLineChars() const { return m_longest; }
    QString displayText(int row) const;
    QString prefixOf(const LogLine &line) const;
    int podColorIndex(const QString &pod) const;
    static QString formatTimestamp(qint64 msecs);

    // Search: case-insensitive substring of the text (and, when merged, of the pod name).
    void setSearchText(const QString &text);
    QString searchText() const { return m_search; }
    bool matches(int row) const { return !m_search.isEmpty() && lineMatches(lineAt(row)); }
    int matchCount() const { return m_matchCount; }
    // The next / previous matching row after / before `fromRow` (-1: from the start / end),
    // wrapping around when `wrap`; -1 when nothing matches.
    int findNext(int fromRow, bool wrap = true) const;
    int findPrevious(int fromRow, bool wrap = true) const;
    // 1-based position of `row` among the matching rows (0 when it does not match).
    int matchOrdinal(int row) const;

Q_SIGNALS:
    void searchChanged(const QString &text);
    void matchCountChanged(int count);

private:
    qsizetype physical(int row) const { return (m_head + row) % static_cast<qsizetype>(m_ring.size()); }
    bool lineMatches(const LogLine &line) const;
    void evictOldest(int count);
    void setMatchCount(int count);
    int colorIndexFor(const QString &pod);

    std::vector<LogLine> m_ring;   // grows to m_capacity, then wraps
    qsizetype m_head = 0;          // physical index of row 0
    int m_count = 0;
    int m_capacity = kDefaultCapacity;
    LogLines m_pending;
    QTimer m_batchTimer;
    qint64 m_dropped = 0;
    int m_longest = 0;
    bool m_merged = false;
    bool m_showTimestamps = false;
    QString m_search;
    int m_matchCount = 0;
    QHash<QString, int> m_podColor;  // pod -> palette index, in order of first appearance
};

}  // namespace pilothouse::models
