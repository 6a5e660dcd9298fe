// The console model: a deque of parsed lines under a line and byte bound, a notice row for what
// the bound dropped, match flags kept per line so that painting and counting never search again.
#include "pipelines/consolemodel.h"

#include <QLocale>

#include <algorithm>

namespace pilothouse::models {

namespace {
const QString kStageOpen = QStringLiteral("[Pipeline] { (");
const QString kBranch = QStringLiteral("Branch: ");
}  // namespace

ConsoleModel::ConsoleModel(QObject *parent) : QAbstractListModel(parent) {}

int ConsoleModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_lines.size()) + firstLineRow(); }

QHash<int, QByteArray> ConsoleModel::roleNames() const
{
    QHash<int, QByteArray> roles = QAbstractListModel::roleNames();
    roles[TextRole] = "text";
    roles[LineNumberRole] = "lineNumber";
    roles[SpansRole] = "spans";
    roles[MatchRole] = "match";
    roles[NoticeRole] = "notice";
    roles[StageRole] = "stage";
    return roles;
}

// What a line holds in memory, roughly: UTF-16 text, its spans, the entry and allocation headers.
qint64 ConsoleModel::costOf(const ConsoleLine &line)
{
    return qint64(line.text.size()) * 2 + qint64(line.spans.size()) * qint64(sizeof(ConsoleSpan)) + qint64(sizeof(Entry)) + 48;
}

const ConsoleLine *ConsoleModel::lineAt(int row) const
{
    const qsizetype i = row - firstLineRow();
    return i >= 0 && i < qsizetype(m_lines.size()) ? &m_lines[size_t(i)].line : nullptr;
}

qint64 ConsoleModel::lineNumber(int row) const
{
    const qsizetype i = row - firstLineRow();
    return i >= 0 && i < qsizetype(m_lines.size()) ? m_dropped + i + 1 : 0;
}

QString ConsoleModel::noticeText() const
{
    return m_dropped == 1 ? tr("… 1 earlier line not kept") : tr("… %1 earlier lines not kept").arg(QLocale().toString(m_dropped));
}

QString ConsoleModel::stageOpenedBy(const QString &text)
{
    if (!text.startsWith(kStageOpen) || !text.endsWith(QLatin1Char(')')))
        return {};
    QString name = text.mid(kStageOpen.size(), text.size() - kStageOpen.size() - 1);
    if (name.startsWith(kBranch))
        name.remove(0, kBranch.size());
    return name;
}

QVariant ConsoleModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.parent().isValid() || index.column() != 0 || index.row() < 0 || index.row() >= rowCount())
        return {};
    const ConsoleLine *line = lineAt(index.row());
    if (!line) {
        switch (role) {
        case Qt::DisplayRole:
        case TextRole: return noticeText();
        case NoticeRole: return true;
        case LineNumberRole: return qint64(0);
        case MatchRole: return false;
        default: return {};
        }
    }
    switch (role) {
    case Qt::DisplayRole:
    case TextRole: return line->text;
    case LineNumberRole: return lineNumber(index.row());
    case SpansRole: return QVariant::fromValue(line->spans);
    case MatchRole: return matches(index.row());
    case NoticeRole: return false;
    case StageRole: return stageOpenedBy(line->text);
    default: return {};
    }
}

void ConsoleModel::setLimits(int maxLines, qint64 maxBytes)
{
    m_maxLines = std::max(1, maxLines);
    m_maxBytes = std::max<qint64>(1, maxBytes);
    qsizetype evict = 0;
    qint64 bytes = m_bytes;
    while (evict < qsizetype(m_lines.size()) && (qsizetype(m_lines.size()) - evict > m_maxLines || bytes > m_maxBytes))
        bytes -= costOf(m_lines[size_t(evict++)].line);
    dropOldest(evict);
}

// The notice row appears with the first dropped line and then only changes its text.
void ConsoleModel::noteDropped(qint64 count)
{
    if (count <= 0)
        return;
    if (hasNotice()) {
        m_dropped += count;
        Q_EMIT dataChanged(index(0), index(0));
    } else {
        beginInsertRows({}, 0, 0);
        m_dropped += count;
        endInsertRows();
    }
}

// Rows first go, then the count of dropped lines grows: rowCount() stays what the signals say.
void ConsoleModel::dropOldest(qsizetype count)
{
    if (count <= 0)
        return;
    const int first = firstLineRow();
    beginRemoveRows({}, first, first + int(count) - 1);
    int gone = 0;
    for (qsizetype i = 0; i < count; ++i) {
        const Entry &e = m_lines.front();
        gone += e.match;
        m_bytes -= costOf(e.line);
        // The stage index forgets the stages whose line goes, so that it is bounded too.
        if (e.line.text.startsWith(kStageOpen)) {
            const auto it = m_stageLine.constFind(stageOpenedBy(e.line.text));
            if (it != m_stageLine.cend() && it.value() == m_dropped + i + 1)
                m_stageLine.erase(it);
        }
        m_lines.pop_front();
    }
    endRemoveRows();
    noteDropped(count);
    if (gone)
        setMatchCount(m_matchCount - gone);
}

void ConsoleModel::appendLines(const ConsoleLines &lines, qint64 skippedBefore)
{
    if (skippedBefore > 0) {
        // Lines that were dropped upstream: everything kept so far is older than them.
        dropOldest(qsizetype(m_lines.size()));
        noteDropped(skippedBefore);
    }
    if (lines.isEmpty())
        return;
    // A batch bigger than the bound: only its newest lines can stay (at least one).
    qsizetype first = lines.size();
    qint64 incomingBytes = 0;
    while (first > 0) {
        const qint64 cost = costOf(lines[first - 1]);
        const qsizetype taken = lines.size() - first;
        if (taken > 0 && (taken + 1 > m_maxLines || incomingBytes + cost > m_maxBytes))
            break;
        incomingBytes += cost;
        --first;
    }
    const qsizetype incoming = lines.size() - first;
    qsizetype evict = 0;
    qint64 evictBytes = 0;
    const qsizetype kept = qsizetype(m_lines.size());
    while (evict < kept && (kept - evict + incoming > m_maxLines || m_bytes - evictBytes + incomingBytes > m_maxBytes))
        evictBytes += costOf(m_lines[size_t(evict++)].line);
    dropOldest(evict);
    // Lines that never became rows are dropped all the same.
    noteDropped(first);
    const int row = rowCount();
    beginInsertRows({}, row, row + int(incoming) - 1);
    int matched = 0;
    for (qsizetype i = first; i < lines.size(); ++i) {
        const ConsoleLine &l = lines[i];
        m_longest = std::max(m_longest, int(l.text.size()));
        m_bytes += costOf(l);
        if (l.text.startsWith(kStageOpen)) {
            const QString stage = stageOpenedBy(l.text);
            if (!stage.isEmpty() && !m_stageLine.contains(stage))
                m_stageLine.insert(stage, m_dropped + qint64(m_lines.size()) + 1);
        }
        const bool match = lineMatches(l);
        matched += match;
        m_lines.push_back(Entry{l, match});
    }
    endInsertRows();
    if (matched)
        setMatchCount(m_matchCount + matched);
}

void ConsoleModel::clear()
{
    beginResetModel();
    std::deque<Entry>().swap(m_lines);
    m_dropped = 0;
    m_bytes = 0;
    m_longest = 0;
    m_stageLine.clear();
    endResetModel();
    setMatchCount(0);
}

int ConsoleModel::rowOfStage(const QString &stage) const
{
    const auto it = m_stageLine.constFind(stage);
    if (it == m_stageLine.cend())
        return -1;
    const qint64 i = it.value() - 1 - m_dropped;
    return i >= 0 ? rowOfIndex(qsizetype(i)) : -1;
}

bool ConsoleModel::lineMatches(const ConsoleLine &line) const
{
    return !m_search.isEmpty() && line.text.contains(m_search, Qt::CaseInsensitive);
}

bool ConsoleModel::matches(int row) const
{
    const qsizetype i = row - firstLineRow();
    return i >= 0 && i < qsizetype(m_lines.size()) && m_lines[size_t(i)].match;
}

void ConsoleModel::setSearchText(const QString &text)
{
    if (text == m_search)
        return;
    m_search = text;
    int n = 0;
    for (Entry &e : m_lines) {
        e.match = lineMatches(e.line);
        n += e.match;
    }
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {MatchRole});
    setMatchCount(n);
    Q_EMIT searchChanged(m_search);
}

void ConsoleModel::setMatchCount(int count)
{
    if (count == m_matchCount)
        return;
    m_matchCount = count;
    Q_EMIT matchCountChanged(count);
}

int ConsoleModel::findNext(int fromRow, bool wrap) const
{
    if (m_matchCount == 0)
        return -1;
    const qsizetype n = qsizetype(m_lines.size());
    const qsizetype start = std::clamp<qsizetype>(qsizetype(fromRow) - firstLineRow() + 1, 0, n);
    for (qsizetype i = start; i < n; ++i)
        if (m_lines[size_t(i)].match)
            return rowOfIndex(i);
    for (qsizetype i = 0; wrap && i < start; ++i)
        if (m_lines[size_t(i)].match)
            return rowOfIndex(i);
    return -1;
}

int ConsoleModel::findPrevious(int fromRow, bool wrap) const
{
    if (m_matchCount == 0)
        return -1;
    const qsizetype n = qsizetype(m_lines.size());
    const qsizetype end = fromRow < 0 || fromRow >= rowCount() ? n : std::max<qsizetype>(qsizetype(fromRow) - firstLineRow(), 0);
    for (qsizetype i = end - 1; i >= 0; --i)
        if (m_lines[size_t(i)].match)
            return rowOfIndex(i);
    for (qsizetype i = n - 1; wrap && i >= end; --i)
        if (m_lines[size_t(i)].match)
            return rowOfIndex(i);
    return -1;
}

int ConsoleModel::matchOrdinal(int row) const
{
    if (!matches(row))
        return 0;
    const qsizetype last = row - firstLineRow();
    int n = 0;
    for (qsizetype i = 0; i <= last; ++i)
        n += m_lines[size_t(i)].match;
    return n;
}

}  // namespace pilothouse::models
