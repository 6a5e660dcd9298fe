// The log ring buffer model: evictions and appends as row ranges, search counted incrementally.
#include "logmodel.h"

#include <QDateTime>

#include <algorithm>

namespace pilothouse::models {

LogModel::LogModel(QObject *parent) : QAbstractListModel(parent)
{
    m_batchTimer.setInterval(50);
    m_batchTimer.setSingleShot(true);
    connect(&m_batchTimer, &QTimer::timeout, this, &LogModel::flush);
}

int LogModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : m_count; }

QHash<int, QByteArray> LogModel::roleNames() const
{
    QHash<int, QByteArray> roles = QAbstractListModel::roleNames();
    roles[TimestampRole] = "timestamp";
    roles[PodRole] = "pod";
    roles[ContainerRole] = "container";
    roles[TextRole] = "text";
    roles[PrefixRole] = "prefix";
    roles[TimestampTextRole] = "timestampText";
    roles[PodColorIndexRole] = "podColorIndex";
    roles[MatchRole] = "match";
    return roles;
}

QString LogModel::formatTimestamp(qint64 msecs)
{
    if (msecs == 0)
        return {};
    // UTC as the cluster writes it, so that lines compare with other tools' output.
    return QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC).toString(Qt::ISODateWithMs);
}

QString LogModel::prefixOf(const LogLine &line) const
{
    if (!m_merged)
        return {};
    return line.container.isEmpty() ? line.pod : line.pod + QLatin1Char('/') + line.container;
}

// Indexes in order of first appearance, so the first pods of a workload never share a colour; a
// pod not seen yet gets a stable index from its name.
int LogModel::podColorIndex(const QString &pod) const
{
    return m_podColor.value(pod, static_cast<int>(qHash(pod) & 0x7fffffff));
}

int LogModel::colorIndexFor(const QString &pod)
{
    auto it = m_podColor.constFind(pod);
    if (it != m_podColor.cend())
        return it.value();
    const int i = static_cast<int>(m_podColor.size());
    m_podColor.insert(pod, i);
    return i;
}

QString LogModel::displayText(int row) const
{
    const LogLine &l = lineAt(row);
    QString out;
    if (m_showTimestamps) {
        const QString ts = formatTimestamp(l.msecs);
        // Lines without a timestamp keep the columns aligned.
        out += ts.isEmpty() ? QString(24, QLatin1Char(' ')) : ts;
        out += QLatin1Char(' ');
    }
    if (m_merged)
        out += prefixOf(l) + QStringLiteral(" | ");
    out += l.text;
    return out;
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.parent().isValid() || index.column() != 0 || index.row() < 0 || index.row() >= m_count)
        return {};
    const LogLine &l = lineAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return displayText(index.row());
    case TimestampRole: return l.msecs;
    case PodRole: return l.pod;
    case ContainerRole: return l.container;
    case TextRole: return l.text;
    case PrefixRole: return prefixOf(l);
    case TimestampTextRole: return m_showTimestamps ? formatTimestamp(l.msecs) : QString();
    case PodColorIndexRole: return podColorIndex(l.pod);
    case MatchRole: return matches(index.row());
    default: return {};
    }
}

void LogModel::setCapacity(int lines)
{
    lines = std::max(1, lines);
    if (lines == m_capacity)
        return;
    if (m_count > lines)
        evictOldest(m_count - lines);
    // Row order in a fresh buffer of the new size: no row moves, so no signal.
    std::vector<LogLine> ring;
    ring.reserve(static_cast<size_t>(std::min(lines, std::max(m_count, 1))));
    for (int r = 0; r < m_count; ++r)
        ring.push_back(std::move(m_ring[physical(r)]));
    m_ring = std::move(ring);
    m_head = 0;
    m_capacity = lines;
    if (m_pending.size() > m_capacity) {
        m_dropped += m_pending.size() - m_capacity;
        m_pending.remove(0, m_pending.size() - m_capacity);
    }
}

void LogModel::setMerged(bool merged)
{
    if (merged == m_merged)
        return;
    m_merged = merged;
    if (m_count > 0)
        Q_EMIT dataChanged(index(0), index(m_count - 1), {Qt::DisplayRole, Qt::ToolTipRole, PrefixRole});
    if (!m_search.isEmpty()) {
        // The pod name takes part in matching only when merged.
        int n = 0;
        for (int r = 0; r < m_count; ++r)
            n += lineMatches(lineAt(r));
        setMatchCount(n);
        Q_EMIT searchChanged(m_search);
    }
}

void LogModel::setShowTimestamps(bool show)
{
    if (show == m_showTimestamps)
        return;
    m_showTimestamps = show;
    if (m_count > 0)
        Q_EMIT dataChanged(index(0), index(m_count - 1), {Qt::DisplayRole, Qt::ToolTipRole, TimestampTextRole});
}

void LogModel::appendLines(const LogLines &lines)
{
    if (lines.isEmpty())
        return;
    m_pending.append(lines);
    // More than fits would be evicted on arrival anyway: never hold more than the bound.
    if (m_pending.size() > m_capacity) {
        m_dropped += m_pending.size() - m_capacity;
        m_pending.remove(0, m_pending.size() - m_capacity);
    }
    if (!m_batchTimer.isActive())
        m_batchTimer.start();
}

void LogModel::evictOldest(int count)
{
    count = std::min(count, m_count);
    if (count <= 0)
        return;
    beginRemoveRows({}, 0, count - 1);
    int gone = 0;
    for (int r = 0; r < count; ++r) {
        LogLine &l = m_ring[physical(r)];
        if (!m_search.isEmpty() && lineMatches(l))
            ++gone;
        l = LogLine();  // free the text now, not when the slot is reused
    }
    m_head = (m_head + count) % static_cast<qsizetype>(m_ring.size());
    m_count -= count;
    m_dropped += count;
    endRemoveRows();
    if (gone)
        setMatchCount(m_matchCount - gone);
}

void LogModel::flush()
{
    m_batchTimer.stop();
    if (m_pending.isEmpty())
        return;
    LogLines batch;
    batch.swap(m_pending);
    const int n = static_cast<int>(batch.size());  // <= m_capacity (appendLines trims)
    if (m_count + n > m_capacity)
        evictOldest(m_count + n - m_capacity);
    if (m_count == 0)
        m_head = 0;
    beginInsertRows({}, m_count, m_count + n - 1);
    int matched = 0;
    const int prefixExtra = 3;  // " | "
    for (LogLine &l : batch) {
        colorIndexFor(l.pod);
        const int len = static_cast<int>(l.text.size()) + static_cast<int>(l.pod.size() + l.container.size()) + prefixExtra + 1;
        m_longest = std::max(m_longest, len);
        if (!m_search.isEmpty() && lineMatches(l))
            ++matched;
        const qsizetype at = m_ring.empty() ? 0 : (m_head + m_count) % static_cast<qsizetype>(m_capacity);
        if (at >= static_cast<qsizetype>(m_ring.size()))
            m_ring.push_back(std::move(l));
        else
            m_ring[static_cast<size_t>(at)] = std::move(l);
        ++m_count;
    }
    endInsertRows();
    if (matched)
        setMatchCount(m_matchCount + matched);
}

void LogModel::clear()
{
    m_batchTimer.stop();
    beginResetModel();
    m_pending.clear();
    std::vector<LogLine>().swap(m_ring);
    m_head = 0;
    m_count = 0;
    m_dropped = 0;
    m_longest = 0;
    endResetModel();
    setMatchCount(0);
}

bool LogModel::lineMatches(const LogLine &line) const
{
    return line.text.contains(m_search, Qt::CaseInsensitive) || (m_merged && line.pod.contains(m_search, Qt::CaseInsensitive));
}

void LogModel::setSearchText(const QString &text)
{
    if (text == m_search)
        return;
    m_search = text;
    int n = 0;
    if (!m_search.isEmpty())
        for (int r = 0; r < m_count; ++r)
            n += lineMatches(lineAt(r));
    if (m_count > 0)
        Q_EMIT dataChanged(index(0), index(m_count - 1), {MatchRole});
    setMatchCount(n);
    Q_EMIT searchChanged(m_search);
}

void LogModel::setMatchCount(int count)
{
    if (count == m_matchCount)
        return;
    m_matchCount = count;
    Q_EMIT matchCountChanged(count);
}

int LogModel::findNext(int fromRow, bool wrap) const
{
    if (m_search.isEmpty() || m_matchCount == 0)
        return -1;
    for (int r = std::max(fromRow + 1, 0); r < m_count; ++r)
        if (lineMatches(lineAt(r)))
            return r;
    if (wrap)
        for (int r = 0; r <= std::min(fromRow, m_count - 1); ++r)
            if (lineMatches(lineAt(r)))
                return r;
    return -1;
}

int LogModel::findPrevious(int fromRow, bool wrap) const
{
    if (m_search.isEmpty() || m_matchCount == 0)
        return -1;
    if (fromRow < 0 || fromRow > m_count)
        fromRow = m_count;
    for (int r = fromRow - 1; r >= 0; --r)
        if (lineMatches(lineAt(r)))
            return r;
    if (wrap)
        for (int r = m_count - 1; r >= fromRow && r >= 0; --r)
            if (lineMatches(lineAt(r)))
                return r;
    return -1;
}

int LogModel::matchOrdinal(int row) const
{
    if (row < 0 || row >= m_count || !matches(row))
        return 0;
    int n = 0;
    for (int r = 0; r <= row; ++r)
        n += lineMatches(lineAt(r));
    return n;
}

}  // namespace pilothouse::models
