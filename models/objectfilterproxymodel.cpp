// Sorted, filtered rows of an ObjectTableModel, kept as vectors of source rows.
#include "objectfilterproxymodel.h"

#include <algorithm>
#include <numeric>

namespace pilothouse::models {

namespace {

// Up to this many rows inserted, removed or changed at once are signalled row by row (views keep
// their place, selection follows); more become one layout change (one pass over the vectors
// instead of a memmove and a signal per row).
constexpr size_t SmallChange = 32;

// Moves vec[from] to just before the element at `to` (an index of the vector as it was).
void moveWithin(std::vector<int> &vec, size_t from, size_t to)
{
    if (to > from + 1)
        std::rotate(vec.begin() + static_cast<std::ptrdiff_t>(from), vec.begin() + static_cast<std::ptrdiff_t>(from + 1),
                    vec.begin() + static_cast<std::ptrdiff_t>(to));
    else if (to < from)
        std::rotate(vec.begin() + static_cast<std::ptrdiff_t>(to), vec.begin() + static_cast<std::ptrdiff_t>(from),
                    vec.begin() + static_cast<std::ptrdiff_t>(from + 1));
}

}  // namespace

ObjectFilterProxyModel::ObjectFilterProxyModel(QObject *parent) : QAbstractProxyModel(parent) {}

void ObjectFilterProxyModel::setSourceModel(QAbstractItemModel *model)
{
    beginResetModel();
    for (const auto &c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_objects = qobject_cast<ObjectTableModel *>(model);
    QAbstractProxyModel::setSourceModel(model);
    if (m_objects) {
        auto on = [this](auto signal, auto slot) { m_connections << connect(m_objects, signal, this, slot); };
        on(&QAbstractItemModel::rowsInserted, [this](const QModelIndex &parent, int first, int last) {
            if (!parent.isValid())
                onRowsInserted(first, last);
        });
        on(&QAbstractItemModel::rowsAboutToBeRemoved, [this](const QModelIndex &parent, int first, int last) {
            if (!parent.isValid())
                onRowsAboutToBeRemoved(first, last);
        });
        on(&QAbstractItemModel::rowsRemoved, [this](const QModelIndex &parent, int first, int last) {
            if (!parent.isValid())
                onRowsRemoved(first, last);
        });
        on(&QAbstractItemModel::dataChanged, [this](const QModelIndex &tl, const QModelIndex &br, const QList<int> &roles) {
            onDataChanged(tl, br, roles);
        });
        on(&QAbstractItemModel::headerDataChanged, [this](Qt::Orientation orientation, int first, int last) {
            if (orientation == Qt::Horizontal)
                Q_EMIT headerDataChanged(orientation, first, last);
        });
        // The source's tables change shape only through resets; anything else of that kind is
        // taken as one too.
        on(&QAbstractItemModel::modelAboutToBeReset, [this] { beginSourceReset(); });
        on(&QAbstractItemModel::modelReset, [this] { endSourceReset(); });
        on(&QAbstractItemModel::layoutAboutToBeChanged, [this] { beginSourceReset(); });
        on(&QAbstractItemModel::layoutChanged, [this] { endSourceReset(); });
        on(&QAbstractItemModel::rowsAboutToBeMoved, [this] { beginSourceReset(); });
        on(&QAbstractItemModel::rowsMoved, [this] { endSourceReset(); });
        on(&QAbstractItemModel::columnsAboutToBeInserted, [this] { beginSourceReset(); });
        on(&QAbstractItemModel::columnsInserted, [this] { endSourceReset(); });
        on(&QAbstractItemModel::columnsAboutToBeRemoved, [this] { beginSourceReset(); });
        on(&QAbstractItemModel::columnsRemoved, [this] { endSourceReset(); });
        on(&QAbstractItemModel::columnsAboutToBeMoved, [this] { beginSourceReset(); });
        on(&QAbstractItemModel::columnsMoved, [this] { endSourceReset(); });
    }
    rebuild();
    endResetModel();
}

void ObjectFilterProxyModel::beginSourceReset()
{
    if (m_resetting)
        return;
    m_resetting = true;
    beginResetModel();
}

void ObjectFilterProxyModel::endSourceReset()
{
    if (!m_resetting)
        return;
    rebuild();
    m_resetting = false;
    endResetModel();
}

// ---- order and acceptance -------------------------------------------------------------------------

int ObjectFilterProxyModel::compare(const SortKey &keyA, int a, const SortKey &keyB, int b) const
{
    int c = 0;
    if (m_sortColumn < 0)
        return a < b ? -1 : (a > b ? 1 : 0);
    if (keyA.number != keyB.number)
        c = keyA.number < keyB.number ? -1 : 1;
    else if (int t = keyA.text.compare(keyB.text))
        c = t < 0 ? -1 : 1;
    else
        c = a < b ? -1 : (a > b ? 1 : 0);  // the same key twice (a list with duplicates): row order
    return m_sortOrder == Qt::AscendingOrder ? c : -c;
}

size_t ObjectFilterProxyModel::lowerBound(const std::vector<int> &rows, const SortKey &key, int row) const
{
    // The row itself may be in `rows` under its old key: it compares by that key like any other.
    const auto it = std::lower_bound(rows.begin(), rows.end(), row, [&](int element, int probe) {
        return compare(m_keys[static_cast<size_t>(element)], element, key, probe) < 0;
    });
    return static_cast<size_t>(it - rows.begin());
}

ObjectFilterProxyModel::SortKey ObjectFilterProxyModel::keyOf(int row) const
{
    return m_sortColumn >= 0 ? m_objects->sortKey(row, m_sortColumn) : SortKey{};
}

bool ObjectFilterProxyModel::accepts(int row) const
{
    if (!m_namespaces.isEmpty()) {
        const QString &ns = m_objects->rowObject(row).ns;
        if (!ns.isEmpty() && !m_namespaces.contains(ns))
            return false;
    }
    return m_needle.isEmpty() || m_objects->matches(row, m_needle);
}

void ObjectFilterProxyModel::rebuild()
{
    const int n = m_objects ? m_objects->rowCount() : 0;
    m_keys.clear();
    m_keys.resize(static_cast<size_t>(n));
    m_accepted.assign(static_cast<size_t>(n), 0);
    for (int r = 0; r < n; ++r) {
        if (m_sortColumn >= 0)
            m_keys[static_cast<size_t>(r)] = keyOf(r);
        m_accepted[static_cast<size_t>(r)] = accepts(r);
    }
    sortAll();
    rebuildShown();
}

void ObjectFilterProxyModel::sortAll()
{
    m_sorted.resize(m_keys.size());
    std::iota(m_sorted.begin(), m_sorted.end(), 0);
    if (m_sortColumn >= 0)
        std::sort(m_sorted.begin(), m_sorted.end(), [this](int a, int b) { return before(a, b); });
}

void ObjectFilterProxyModel::rebuildShown()
{
    m_shown.clear();
    m_shown.reserve(m_sorted.size());
    for (int r : m_sorted)
        if (m_accepted[static_cast<size_t>(r)])
            m_shown.push_back(r);
}

template<class Change>
void ObjectFilterProxyModel::relayout(Change change, QAbstractItemModel::LayoutChangeHint hint)
{
    Q_EMIT layoutAboutToBeChanged({}, hint);
    const QModelIndexList from = persistentIndexList();
    std::vector<int> sources;
    sources.reserve(static_cast<size_t>(from.size()));
    for (const QModelIndex &p : from)
        sources.push_back(sourceRow(p.row()));
    change();
    QModelIndexList to;
    to.reserve(from.size());
    for (qsizetype i = 0; i < from.size(); ++i) {
        const int row = sources[static_cast<size_t>(i)] >= 0 ? proxyRow(sources[static_cast<size_t>(i)]) : -1;
        to << (row >= 0 ? index(row, from.at(i).column()) : QModelIndex());
    }
    changePersistentIndexList(from, to);
    Q_EMIT layoutChanged({}, hint);
}

// ---- sort and filter ------------------------------------------------------------------------------

void ObjectFilterProxyModel::sort(int column, Qt::SortOrder order)
{
    if (column == m_sortColumn && (order == m_sortOrder || column < 0))
        return;
    relayout([&] {
        if (column == m_sortColumn) {
            // The other direction on the same keys: the exact reverse (keys never tie).
            m_sortOrder = order;
            std::reverse(m_sorted.begin(), m_sorted.end());
            std::reverse(m_shown.begin(), m_shown.end());
            return;
        }
        m_sortColumn = column;
        m_sortOrder = order;
        for (size_t r = 0; r < m_keys.size(); ++r)
            m_keys[r] = keyOf(static_cast<int>(r));
        sortAll();
        rebuildShown();
    }, QAbstractItemModel::VerticalSortHint);
}

void ObjectFilterProxyModel::setFilterText(const QString &text)
{
    if (text == m_filter)
        return;
    m_filter = text;
    QString needle = text.toCaseFolded();
    if (needle == m_needle)
        return;
    // Longer text that contains the last: only the rows that passed it can pass.
    const bool narrowing = needle.contains(m_needle);
    m_needle = std::move(needle);
    // Rows are tested in source order, the order their objects were parsed (allocated) in: memory
    // read front to back rather than in display order, 24 → 7 ms a pass at 100,000 rows.
    std::vector<char> accepted(m_accepted.size(), 0);
    const size_t n = accepted.size();
    if (narrowing) {
        for (size_t r = 0; r < n; ++r)
            accepted[r] = m_accepted[r] && m_objects->matches(static_cast<int>(r), m_needle);
    } else {
        for (size_t r = 0; r < n; ++r)
            accepted[r] = accepts(static_cast<int>(r));
    }
    std::vector<int> shown;
    shown.reserve(narrowing ? m_shown.size() : m_sorted.size());
    for (int r : narrowing ? m_shown : m_sorted)
        if (accepted[static_cast<size_t>(r)])
            shown.push_back(r);
    auto apply = [&] {
        m_accepted.swap(accepted);
        m_shown.swap(shown);
    };
    if (shown == m_shown)
        apply();  // the same rows: nothing to tell the views
    else
        relayout(apply, QAbstractItemModel::NoLayoutChangeHint);
}

void ObjectFilterProxyModel::setNamespaces(const QSet<QString> &namespaces)
{
    if (namespaces == m_namespaces)
        return;
    m_namespaces = namespaces;
    std::vector<char> accepted(m_accepted.size(), 0);
    for (size_t r = 0; r < accepted.size(); ++r)
        accepted[r] = accepts(static_cast<int>(r));
    std::vector<int> shown;
    shown.reserve(m_sorted.size());
    for (int r : m_sorted)
        if (accepted[static_cast<size_t>(r)])
            shown.push_back(r);
    relayout([&] {
        m_accepted.swap(accepted);
        m_shown.swap(shown);
    }, QAbstractItemModel::NoLayoutChangeHint);
}

// ---- source changes -------------------------------------------------------------------------------

void ObjectFilterProxyModel::onRowsInserted(int first, int last)
{
    if (m_resetting)
        return;
    const int count = last - first + 1;
    // Rows after `first` moved down in the source. Proxy rows stay where they are: no signal.
    if (static_cast<size_t>(first) < m_keys.size()) {
        for (std::vector<int> *v : {&m_sorted, &m_shown})
            for (int &r : *v)
                if (r >= first)
                    r += count;
        m_keys.insert(m_keys.begin() + first, static_cast<size_t>(count), SortKey{});
        m_accepted.insert(m_accepted.begin() + first, static_cast<size_t>(count), 0);
    } else {
        m_keys.resize(m_keys.size() + static_cast<size_t>(count));
        m_accepted.resize(m_accepted.size() + static_cast<size_t>(count), 0);
    }
    std::vector<int> fresh(static_cast<size_t>(count));
    std::iota(fresh.begin(), fresh.end(), first);
    for (int r : fresh) {
        if (m_sortColumn >= 0)
            m_keys[static_cast<size_t>(r)] = keyOf(r);
        m_accepted[static_cast<size_t>(r)] = accepts(r);
    }
    std::sort(fresh.begin(), fresh.end(), [this](int a, int b) { return before(a, b); });
    // Merged in: each new row's place by a galloping search from the last one's (a chunk of a
    // load spreads its rows evenly: a few comparisons each), the runs between copied as they are.
    auto merge = [this](std::vector<int> &into, const std::vector<int> &sortedRows) {
        std::vector<int> out;
        out.reserve(into.size() + sortedRows.size());
        auto from = into.begin();
        const auto end = into.end();
        auto less = [this](int element, int probe) { return before(element, probe); };
        for (int r : sortedRows) {
            std::ptrdiff_t step = 1;
            while (step < end - from && before(*(from + step - 1), r))
                step *= 2;
            const auto at = std::lower_bound(from + step / 2, from + std::min(step, end - from), r, less);
            out.insert(out.end(), from, at);
            out.push_back(r);
            from = at;
        }
        out.insert(out.end(), from, end);
        into.swap(out);
    };
    const bool allShown = m_shown.size() == m_sorted.size();
    merge(m_sorted, fresh);
    std::vector<int> shown;
    for (int r : fresh)
        if (m_accepted[static_cast<size_t>(r)])
            shown.push_back(r);
    if (allShown && shown.size() == fresh.size() && shown.size() > SmallChange) {
        // No filter in the way (a load without one typed): the rows shown are all the rows.
        relayout([&] { m_shown = m_sorted; }, QAbstractItemModel::NoLayoutChangeHint);
    } else if (shown.size() <= SmallChange) {
        for (int r : shown) {
            const size_t at = positionOf(m_shown, r);
            beginInsertRows({}, static_cast<int>(at), static_cast<int>(at));
            m_shown.insert(m_shown.begin() + static_cast<std::ptrdiff_t>(at), r);
            endInsertRows();
        }
    } else {
        relayout([&] { merge(m_shown, shown); }, QAbstractItemModel::NoLayoutChangeHint);
    }
}

void ObjectFilterProxyModel::onRowsAboutToBeRemoved(int first, int last)
{
    if (m_resetting)
        return;
    auto inRange = [first, last](int r) { return r >= first && r <= last; };
    std::vector<size_t> gone;
    for (int r = first; r <= last && gone.size() <= SmallChange; ++r)
        if (m_accepted[static_cast<size_t>(r)])
            gone.push_back(positionOf(m_shown, r));
    if (gone.size() <= SmallChange) {
        // Highest first, neighbours as one range.
        std::sort(gone.begin(), gone.end(), std::greater<>());
        for (size_t i = 0; i < gone.size();) {
            size_t j = i;
            while (j + 1 < gone.size() && gone[j + 1] == gone[j] - 1)
                ++j;
            const size_t low = gone[j], high = gone[i];
            beginRemoveRows({}, static_cast<int>(low), static_cast<int>(high));
            m_shown.erase(m_shown.begin() + static_cast<std::ptrdiff_t>(low), m_shown.begin() + static_cast<std::ptrdiff_t>(high + 1));
            endRemoveRows();
            i = j + 1;
        }
    } else {
        relayout([&] {
            std::erase_if(m_shown, inRange);
            std::fill(m_accepted.begin() + first, m_accepted.begin() + last + 1, 0);
        }, QAbstractItemModel::NoLayoutChangeHint);
    }
    std::erase_if(m_sorted, inRange);
    std::fill(m_accepted.begin() + first, m_accepted.begin() + last + 1, 0);
}

void ObjectFilterProxyModel::onRowsRemoved(int first, int last)
{
    if (m_resetting)
        return;
    const int count = last - first + 1;
    m_keys.erase(m_keys.begin() + first, m_keys.begin() + last + 1);
    m_accepted.erase(m_accepted.begin() + first, m_accepted.begin() + last + 1);
    for (std::vector<int> *v : {&m_sorted, &m_shown})
        for (int &r : *v)
            if (r > last)
                r -= count;
}

void ObjectFilterProxyModel::onDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles)
{
    if (m_resetting || !topLeft.isValid() || !bottomRight.isValid())
        return;
    const int top = topLeft.row(), bottom = bottomRight.row();
    const int left = topLeft.column(), right = bottomRight.column();
    if (static_cast<size_t>(bottom - top + 1) <= 2 * SmallChange) {
        for (int r = top; r <= bottom; ++r)
            placeChangedRow(r, left, right, roles);
        return;
    }
    // Most of the table at once: new keys and acceptance, one re-sort if anything moved.
    bool moved = false;
    std::vector<SortKey> keys = m_keys;
    std::vector<char> accepted = m_accepted;
    for (int r = top; r <= bottom; ++r) {
        SortKey key = keyOf(r);
        const char ok = accepts(r);
        if (!(key == keys[static_cast<size_t>(r)]) || ok != accepted[static_cast<size_t>(r)])
            moved = true;
        keys[static_cast<size_t>(r)] = std::move(key);
        accepted[static_cast<size_t>(r)] = ok;
    }
    if (moved) {
        relayout([&] {
            m_keys.swap(keys);
            m_accepted.swap(accepted);
            sortAll();
            rebuildShown();
        }, QAbstractItemModel::NoLayoutChangeHint);
    }
    if (!m_shown.empty())
        Q_EMIT dataChanged(index(0, left), index(rowCount() - 1, right), roles);
}

void ObjectFilterProxyModel::placeChangedRow(int row, int left, int right, const QList<int> &roles)
{
    const size_t r = static_cast<size_t>(row);
    SortKey key = keyOf(row);
    const bool ok = accepts(row);
    const bool was = m_accepted[r];
    const bool keyChanged = m_sortColumn >= 0 && !(key == m_keys[r]);
    if (!keyChanged && ok == was) {
        if (ok) {
            const int at = static_cast<int>(positionOf(m_shown, row));
            Q_EMIT dataChanged(index(at, left), index(at, right), roles);
        }
        return;
    }
    // Positions are found with the old key, destinations with the new one (as indexes of the
    // vectors before the move), then the key changes.
    if (keyChanged)
        moveWithin(m_sorted, positionOf(m_sorted, row), lowerBound(m_sorted, key, row));
    if (was && ok) {
        const size_t from = positionOf(m_shown, row);
        const size_t to = keyChanged ? lowerBound(m_shown, key, row) : from;
        size_t now = from;
        if (to > from + 1 || to < from) {
            beginMoveRows({}, static_cast<int>(from), static_cast<int>(from), {}, static_cast<int>(to));
            moveWithin(m_shown, from, to);
            m_keys[r] = std::move(key);
            endMoveRows();
            now = to > from ? to - 1 : to;
        } else {
            m_keys[r] = std::move(key);
        }
        Q_EMIT dataChanged(index(static_cast<int>(now), left), index(static_cast<int>(now), right), roles);
    } else if (was) {
        const size_t from = positionOf(m_shown, row);
        beginRemoveRows({}, static_cast<int>(from), static_cast<int>(from));
        m_shown.erase(m_shown.begin() + static_cast<std::ptrdiff_t>(from));
        m_accepted[r] = 0;
        m_keys[r] = std::move(key);
        endRemoveRows();
    } else if (ok) {
        const size_t to = lowerBound(m_shown, key, row);
        beginInsertRows({}, static_cast<int>(to), static_cast<int>(to));
        m_shown.insert(m_shown.begin() + static_cast<std::ptrdiff_t>(to), row);
        m_accepted[r] = 1;
        m_keys[r] = std::move(key);
        endInsertRows();
    } else {
        m_keys[r] = std::move(key);
    }
    m_accepted[r] = ok;
}

// ---- the item model -------------------------------------------------------------------------------

int ObjectFilterProxyModel::sourceRow(int proxyRow) const
{
    return proxyRow >= 0 && static_cast<size_t>(proxyRow) < m_shown.size() ? m_shown[static_cast<size_t>(proxyRow)] : -1;
}

int ObjectFilterProxyModel::proxyRow(int sourceRow) const
{
    if (sourceRow < 0 || static_cast<size_t>(sourceRow) >= m_accepted.size() || !m_accepted[static_cast<size_t>(sourceRow)])
        return -1;
    const size_t at = positionOf(m_shown, sourceRow);
    return at < m_shown.size() && m_shown[at] == sourceRow ? static_cast<int>(at) : -1;
}

QModelIndex ObjectFilterProxyModel::index(int row, int column, const QModelIndex &parent) const
{
    if (parent.isValid() || row < 0 || column < 0 || static_cast<size_t>(row) >= m_shown.size() || column >= columnCount())
        return {};
    return createIndex(row, column);
}

QModelIndex ObjectFilterProxyModel::parent(const QModelIndex &) const { return {}; }

QModelIndex ObjectFilterProxyModel::sibling(int row, int column, const QModelIndex &) const { return index(row, column); }

int ObjectFilterProxyModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : static_cast<int>(m_shown.size()); }

int ObjectFilterProxyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_objects ? 0 : m_objects->columnCount();
}

bool ObjectFilterProxyModel::hasChildren(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_shown.empty() && columnCount() > 0;
}

QVariant ObjectFilterProxyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (!m_objects)
        return {};
    if (orientation == Qt::Horizontal)
        return m_objects->headerData(section, orientation, role);
    const int source = sourceRow(section);
    return source >= 0 ? m_objects->headerData(source, orientation, role) : QVariant();
}

QModelIndex ObjectFilterProxyModel::mapToSource(const QModelIndex &proxyIndex) const
{
    if (!m_objects || !proxyIndex.isValid() || proxyIndex.model() != this)
        return {};
    return m_objects->index(sourceRow(proxyIndex.row()), proxyIndex.column());
}

QModelIndex ObjectFilterProxyModel::mapFromSource(const QModelIndex &sourceIndex) const
{
    if (!m_objects || !sourceIndex.isValid() || sourceIndex.model() != m_objects)
        return {};
    const int row = proxyRow(sourceIndex.row());
    return row >= 0 ? index(row, sourceIndex.column()) : QModelIndex();
}

}  // namespace pilothouse::models
