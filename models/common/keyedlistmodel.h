// Item models over lists of values kept by key: a new list is applied as the difference to the
// rows on screen (removals, moves, insertions, per-row dataChanged), so views keep selection,
// current row, expansion and scroll position. The key→row index of ObjectTableModel, for any value.
#pragma once

#include <QAbstractItemModel>
#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <concepts>
#include <memory>
#include <vector>

namespace pilothouse::models {

// The structural steps of a keyed update of one parent's rows, performed by the model with its
// begin/end calls around each.
class KeyedRowOps {
public:
    virtual ~KeyedRowOps() = default;
    // Rows first..last (current numbering) go.
    virtual void removeRows(int first, int last) = 0;
    // One row moves; `to` is the row it is put before, counted before the move (beginMoveRows).
    virtual void moveRow(int from, int to) = 0;
    // next[nextFirst .. nextFirst+count) come in at `row`.
    virtual void insertRows(int row, int nextFirst, int count) = 0;
};

// Turns rows keyed `current` into rows keyed `next` (duplicates removed beforehand) with few
// steps: removals as descending contiguous ranges, then moves of only the rows outside the
// longest run already in order, then insertions as ascending contiguous ranges. After it, the
// rows' keys are `next`, in its order.
void applyKeyedOrder(const QStringList &current, const QStringList &next, KeyedRowOps &ops);

// Rows to signal as changed: one range from the first to the last when more than half of
// `rowCount` changed, else one range per row. `rows` ascending.
QList<std::pair<int, int>> changedRanges(const QList<int> &rows, int rowCount);

// A flat table of values of T. A subclass gives the key of a value (unique in a list), the
// columns and data(); T's operator== (or sameItem) tells a changed row from an unchanged one.
template <class T>
class KeyedListModel : public QAbstractTableModel {
public:
    using QAbstractTableModel::QAbstractTableModel;

    // Makes the rows `items`, in that order (a later duplicate of a key is dropped). A reset only
    // when the list becomes empty or no row is kept; the same list again emits nothing.
    void setItems(QList<T> items);
    // Replaces the row with the same key in place: one dataChanged when it differs. False when no
    // row has that key (nothing changes).
    bool updateItem(const T &item);
    void clear() { setItems({}); }

    int rowCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : static_cast<int>(m_items.size()); }
    const QList<T> &items() const { return m_items; }
    const T &itemAt(int row) const { return m_items.at(row); }
    int rowOfKey(const QString &key) const { return m_rowOf.value(key, -1); }
    // The value with that key, or null. Valid until the next change of the model.
    const T *find(const QString &key) const
    {
        const int row = rowOfKey(key);
        return row < 0 ? nullptr : &m_items.at(row);
    }

protected:
    virtual QString keyOf(const T &item) const = 0;
    // Whether a row needs repainting; for a type without operator== every update counts.
    virtual bool sameItem(const T &a, const T &b) const
    {
        if constexpr (std::equality_comparable<T>)
            return a == b;
        else
            return false;
    }
    // A change of what every row shows without a change of the values (the time for an age
    // column): one dataChanged over `column` for all rows.
    void refreshColumn(int column, const QList<int> &roles = {Qt::DisplayRole})
    {
        if (!m_items.isEmpty())
            Q_EMIT dataChanged(index(0, column), index(rowCount() - 1, column), roles);
    }

private:
    class Ops;
    void reindex(int fromRow);

    QList<T> m_items;
    QHash<QString, int> m_rowOf;
};

template <class T>
class KeyedListModel<T>::Ops : public KeyedRowOps {
public:
    Ops(KeyedListModel &model, const QList<T> &next) : m(model), next(next) {}
    void removeRows(int first, int last) override
    {
        m.beginRemoveRows({}, first, last);
        m.m_items.remove(first, last - first + 1);
        m.endRemoveRows();
    }
    void moveRow(int from, int to) override
    {
        m.beginMoveRows({}, from, from, {}, to);
        m.m_items.move(from, to > from ? to - 1 : to);
        m.endMoveRows();
    }
    void insertRows(int row, int nextFirst, int count) override
    {
        m.beginInsertRows({}, row, row + count - 1);
        for (int i = 0; i < count; ++i)
            m.m_items.insert(row + i, next.at(nextFirst + i));
        m.endInsertRows();
    }

private:
    KeyedListModel &m;
    const QList<T> &next;
};

template <class T>
void KeyedListModel<T>::reindex(int fromRow)
{
    for (int i = fromRow; i < m_items.size(); ++i)
        m_rowOf.insert(keyOf(m_items.at(i)), i);
}

template <class T>
void KeyedListModel<T>::setItems(QList<T> items)
{
    QStringList nextKeys;
    nextKeys.reserve(items.size());
    {
        QSet<QString> seen;
        for (qsizetype i = 0; i < items.size();) {
            QString key = keyOf(items.at(i));
            if (seen.contains(key)) {
                items.removeAt(i);
                continue;
            }
            seen.insert(key);
            nextKeys.append(std::move(key));
            ++i;
        }
    }
    bool kept = false;
    for (const QString &key : nextKeys)
        if (m_rowOf.contains(key)) {
            kept = true;
            break;
        }
    if (items.isEmpty() || (!kept && !m_items.isEmpty())) {
        if (m_items.isEmpty() && items.isEmpty())
            return;
        beginResetModel();
        m_items = std::move(items);
        m_rowOf.clear();
        reindex(0);
        endResetModel();
        return;
    }
    QStringList currentKeys;
    currentKeys.reserve(m_items.size());
    for (const T &item : std::as_const(m_items))
        currentKeys.append(keyOf(item));
    if (currentKeys != nextKeys) {
        Ops ops(*this, items);
        applyKeyedOrder(currentKeys, nextKeys, ops);
        m_rowOf.clear();
        reindex(0);
    }
    // The kept rows still hold their old values: compare, take the new ones, signal the changed.
    QList<int> changed;
    for (int row = 0; row < m_items.size(); ++row) {
        if (sameItem(m_items.at(row), items.at(row)))
            continue;
        m_items[row] = items.at(row);
        changed.append(row);
    }
    for (const auto &[first, last] : changedRanges(changed, rowCount()))
        Q_EMIT dataChanged(index(first, 0), index(last, columnCount() - 1));
}

template <class T>
bool KeyedListModel<T>::updateItem(const T &item)
{
    const int row = rowOfKey(keyOf(item));
    if (row < 0)
        return false;
    if (!sameItem(m_items.at(row), item)) {
        m_items[row] = item;
        Q_EMIT dataChanged(index(row, 0), index(row, columnCount() - 1));
    }
    return true;
}

// A tree of values of T, given in pre-order with a depth per row (0: top level, a row of depth
// d+1 is a child of the last row of depth d before it). Keys are unique among siblings; each
// level is updated like KeyedListModel's rows, and a subtree that comes in arrives whole.
template <class T>
class KeyedTreeModel : public QAbstractItemModel {
public:
    struct Row {
        int depth = 0;
        T value;
    };

    using QAbstractItemModel::QAbstractItemModel;

    // A reset only when the tree becomes empty or no top-level row is kept.
    void setRows(const QList<Row> &rows);
    void clear() { setRows({}); }

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override
    {
        const Node *p = nodeOrRoot(parent);
        if (!p || row < 0 || column < 0 || row >= static_cast<int>(p->children.size()) || column >= columnCount(parent))
            return {};
        return createIndex(row, column, const_cast<Node *>(p));
    }
    QModelIndex parent(const QModelIndex &child) const override
    {
        if (!child.isValid())
            return {};
        const Node *p = static_cast<const Node *>(child.internalPointer());
        if (p == &m_root)
            return {};
        return createIndex(p->row, 0, p->parent);
    }
    int rowCount(const QModelIndex &parent = {}) const override
    {
        if (parent.isValid() && parent.column() != 0)
            return 0;
        const Node *p = nodeOrRoot(parent);
        return p ? static_cast<int>(p->children.size()) : 0;
    }
    bool hasChildren(const QModelIndex &parent = {}) const override { return rowCount(parent) > 0; }

    // The value of a valid index's row.
    const T &itemAt(const QModelIndex &index) const { return nodeOf(index)->value; }
    // The index (column 0) of the row reached by following keys from the top; invalid when absent.
    QModelIndex indexOfPath(const QStringList &keys) const
    {
        QModelIndex at;
        const Node *n = &m_root;
        for (const QString &key : keys) {
            const Node *found = nullptr;
            for (const auto &c : n->children)
                if (c->key == key) {
                    found = c.get();
                    break;
                }
            if (!found)
                return {};
            at = index(found->row, 0, at);
            n = found;
        }
        return at;
    }

protected:
    virtual QString keyOf(const T &item) const = 0;
    virtual bool sameItem(const T &a, const T &b) const
    {
        if constexpr (std::equality_comparable<T>)
            return a == b;
        else
            return false;
    }

private:
    struct Node {
        T value;
        QString key;
        Node *parent = nullptr;
        int row = 0;
        std::vector<std::unique_ptr<Node>> children;
    };
    struct Wanted {
        T value;
        QString key;
        std::vector<Wanted> children;
    };
    class Ops;

    const Node *nodeOrRoot(const QModelIndex &index) const { return index.isValid() ? nodeOf(index) : &m_root; }
    const Node *nodeOf(const QModelIndex &index) const
    {
        return static_cast<const Node *>(index.internalPointer())->children[static_cast<size_t>(index.row())].get();
    }
    Node *nodeOf(const QModelIndex &index) { return const_cast<Node *>(std::as_const(*this).nodeOf(index)); }
    static void renumber(Node *parent)
    {
        for (size_t i = 0; i < parent->children.size(); ++i)
            parent->children[i]->row = static_cast<int>(i);
    }
    std::unique_ptr<Node> build(const Wanted &w, Node *parent) const
    {
        auto n = std::make_unique<Node>();
        n->value = w.value;
        n->key = w.key;
        n->parent = parent;
        for (const Wanted &c : w.children)
            n->children.push_back(build(c, n.get()));
        renumber(n.get());
        return n;
    }
    std::vector<Wanted> nest(const QList<Row> &rows) const;
    void applyLevel(const QModelIndex &parentIndex, Node *parent, const std::vector<Wanted> &wanted);

    Node m_root;
};

template <class T>
class KeyedTreeModel<T>::Ops : public KeyedRowOps {
public:
    Ops(KeyedTreeModel &model, const QModelIndex &parentIndex, Node *parent, const std::vector<Wanted> &wanted)
        : m(model), parentIndex(parentIndex), parent(parent), wanted(wanted)
    {
    }
    void removeRows(int first, int last) override
    {
        m.beginRemoveRows(parentIndex, first, last);
        parent->children.erase(parent->children.begin() + first, parent->children.begin() + last + 1);
        renumber(parent);
        m.endRemoveRows();
    }
    void moveRow(int from, int to) override
    {
        m.beginMoveRows(parentIndex, from, from, parentIndex, to);
        auto node = std::move(parent->children[static_cast<size_t>(from)]);
        parent->children.erase(parent->children.begin() + from);
        parent->children.insert(parent->children.begin() + (to > from ? to - 1 : to), std::move(node));
        renumber(parent);
        m.endMoveRows();
    }
    void insertRows(int row, int nextFirst, int count) override
    {
        m.beginInsertRows(parentIndex, row, row + count - 1);
        for (int i = 0; i < count; ++i)
            parent->children.insert(parent->children.begin() + row + i, m.build(wanted.at(static_cast<size_t>(nextFirst + i)), parent));
        renumber(parent);
        m.endInsertRows();
    }

private:
    KeyedTreeModel &m;
    QModelIndex parentIndex;
    Node *parent;
    const std::vector<Wanted> &wanted;
};

template <class T>
std::vector<typename KeyedTreeModel<T>::Wanted> KeyedTreeModel<T>::nest(const QList<Row> &rows) const
{
    // A row deeper than one below the last row hangs under that row: the depth is clamped. The
    // pointer kept for a row's children is dropped before a sibling is appended (which may move it).
    std::vector<Wanted> top;
    std::vector<std::vector<Wanted> *> levels{&top};
    for (const Row &r : rows) {
        const int depth = std::clamp(r.depth, 0, static_cast<int>(levels.size()) - 1);
        levels.resize(static_cast<size_t>(depth) + 1);
        std::vector<Wanted> *siblings = levels.back();
        const QString key = keyOf(r.value);
        bool duplicate = false;
        for (const Wanted &w : *siblings)
            duplicate = duplicate || w.key == key;
        if (duplicate)
            continue;
        siblings->push_back(Wanted{r.value, key, {}});
        levels.push_back(&siblings->back().children);
    }
    return top;
}

template <class T>
void KeyedTreeModel<T>::applyLevel(const QModelIndex &parentIndex, Node *parent, const std::vector<Wanted> &wanted)
{
    QStringList currentKeys, nextKeys;
    for (const auto &c : parent->children)
        currentKeys.append(c->key);
    for (const Wanted &w : wanted)
        nextKeys.append(w.key);
    if (currentKeys != nextKeys) {
        Ops ops(*this, parentIndex, parent, wanted);
        applyKeyedOrder(currentKeys, nextKeys, ops);
    }
    QList<int> changed;
    for (int row = 0; row < static_cast<int>(parent->children.size()); ++row) {
        Node *n = parent->children[static_cast<size_t>(row)].get();
        const Wanted &w = wanted.at(static_cast<size_t>(row));
        if (!sameItem(n->value, w.value)) {
            n->value = w.value;
            changed.append(row);
        }
    }
    for (const auto &[first, last] : changedRanges(changed, static_cast<int>(parent->children.size())))
        Q_EMIT dataChanged(index(first, 0, parentIndex), index(last, columnCount(parentIndex) - 1, parentIndex));
    for (int row = 0; row < static_cast<int>(parent->children.size()); ++row)
        applyLevel(index(row, 0, parentIndex), parent->children[static_cast<size_t>(row)].get(), wanted.at(static_cast<size_t>(row)).children);
}

template <class T>
void KeyedTreeModel<T>::setRows(const QList<Row> &rows)
{
    const std::vector<Wanted> wanted = nest(rows);
    bool kept = false;
    for (const Wanted &w : wanted)
        for (const auto &c : m_root.children)
            kept = kept || c->key == w.key;
    if (wanted.empty() || (!kept && !m_root.children.empty())) {
        if (wanted.empty() && m_root.children.empty())
            return;
        beginResetModel();
        m_root.children.clear();
        for (const Wanted &w : wanted)
            m_root.children.push_back(build(w, &m_root));
        renumber(&m_root);
        endResetModel();
        return;
    }
    applyLevel({}, &m_root, wanted);
}

}  // namespace pilothouse::models
