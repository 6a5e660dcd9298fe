// A Jenkins build's console as a list model with a bound on lines and bytes: the oldest lines leave
// as one row range and a first row says how many are gone ("… N earlier lines not kept"), so a
// 100 MB log costs no more than the bound. Appends come as parsed batches (one insert each);
// search counts and walks matching lines; a stage's "[Pipeline] { (name)" line is found by name.
#pragma once

#include "pipelines/consoleparser.h"

#include <QAbstractListModel>
#include <QHash>

#include <deque>

namespace pilothouse::models {

class ConsoleModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Column { LineColumn, ColumnCount };
    enum Role {
        TextRole = Qt::UserRole,  // the line without escapes
        LineNumberRole,           // qint64, 1-based in the whole console; 0 for the "not kept" row
        SpansRole,                // QList<ConsoleSpan>
        MatchRole,                // bool: the line contains the search text
        NoticeRole,               // bool: the "earlier lines not kept" row
        StageRole,                // QString: the stage this line opens ("[Pipeline] { (name)"), else empty
    };

    static constexpr int kDefaultMaxLines = 200000;
    static constexpr qint64 kDefaultMaxBytes = 64LL << 20;

    explicit ConsoleModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Shrinking drops the oldest lines at once.
    void setLimits(int maxLines, qint64 maxBytes);
    int maxLines() const { return m_maxLines; }
    qint64 maxBytes() const { return m_maxBytes; }

    // One removal (when the bound needs room) and one insertion per batch. `skippedBefore`: lines
    // that came before `lines` and were dropped before they got here (they count as not kept).
    void appendLines(const ConsoleLines &lines, qint64 skippedBefore = 0);
    void clear();

    int keptLines() const { return int(m_lines.size()); }
    qint64 droppedLines() const { return m_dropped; }
    qint64 totalLines() const { return m_dropped + qint64(m_lines.size()); }
    qint64 keptBytes() const { return m_bytes; }
    int longestLineChars() const { return m_longest; }
    // The row of the "not kept" notice is 0 while lines were dropped; lines start after it.
    bool hasNotice() const { return m_dropped > 0; }
    int firstLineRow() const { return hasNotice() ? 1 : 0; }
    const ConsoleLine *lineAt(int row) const;  // null for the notice row and out of range
    qint64 lineNumber(int row) const;           // 0 for the notice row
    QString noticeText() const;
    // "[Pipeline] { (Build)" → "Build"; parallel branches "Branch: x" → "x". Empty for other lines.
    static QString stageOpenedBy(const QString &text);

    // The row of the line that opens `stage` (its first run), -1 when it has not come yet or
    // was dropped.
    int rowOfStage(const QString &stage) const;

    // Case-insensitive substring.
    void setSearchText(const QString &text);
    QString searchText() const { return m_search; }
    bool matches(int row) const;
    int matchCount() const { return m_matchCount; }
    // The next / previous matching row after / before `fromRow` (-1: from the start / end),
    // wrapping when `wrap`; -1 when nothing matches.
    int findNext(int fromRow, bool wrap = true) const;
    int findPrevious(int fromRow, bool wrap = true) const;
    // 1-based position of `row` among the matches (0 when it does not match).
    int matchOrdinal(int row) const;

Q_SIGNALS:
    void searchChanged(const QString &text);
    void matchCountChanged(int count);

private:
    struct Entry {
        ConsoleLine line;
        bool match = false;
    };
    static qint64 costOf(const ConsoleLine &line);
    bool lineMatches(const ConsoleLine &line) const;
    void dropOldest(qsizetype count);
    void noteDropped(qint64 count);
    void setMatchCount(int count);
    int rowOfIndex(qsizetype i) const { return int(i) + firstLineRow(); }

    std::deque<Entry> m_lines;
    qint64 m_dropped = 0;
    qint64 m_bytes = 0;
    int m_maxLines = kDefaultMaxLines;
    qint64 m_maxBytes = kDefaultMaxBytes;
    int m_longest = 0;
    QString m_search;
    int m_matchCount = 0;
    QHash<QString, qint64> m_stageLine;  // stage → 1-based number of its first opening line; leaves with that line
};

}  // namespace pilothouse::models
