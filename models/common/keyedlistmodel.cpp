// The non-template core of the keyed models: which rows go, move and come for a new key order.
#include "common/keyedlistmodel.h"

#include <QSet>

#include <algorithm>
#include <vector>

namespace pilothouse::models {

namespace {

// Indexes (into `values`) of one longest strictly increasing subsequence (patience sorting).
std::vector<int> longestIncreasing(const std::vector<int> &values)
{
    std::vector<int> tails;       // index into values of the smallest tail of each length
    std::vector<int> previous(values.size(), -1);
    for (int i = 0; i < static_cast<int>(values.size()); ++i) {
        auto it = std::lower_bound(tails.begin(), tails.end(), values[static_cast<size_t>(i)],
                                   [&values](int tail, int v) { return values[static_cast<size_t>(tail)] < v; });
        if (it != tails.begin())
            previous[static_cast<size_t>(i)] = *(it - 1);
        if (it == tails.end())
            tails.push_back(i);
        else
            *it = i;
    }
    std::vector<int> out(tails.size());
    int at = tails.empty() ? -1 : tails.back();
    for (int k = static_cast<int>(tails.size()) - 1; k >= 0; --k) {
        out[static_cast<size_t>(k)] = at;
        at = previous[static_cast<size_t>(at)];
    }
    return out;
}

}  // namespace

void applyKeyedOrder(const QStringList &current, const QStringList &next, KeyedRowOps &ops)
{
    const QSet<QString> wanted(next.cbegin(), next.cend());

    // Removals, bottom up so that the rows above keep their numbers; a contiguous run is one range.
    QStringList rows = current;
    for (int last = static_cast<int>(rows.size()) - 1; last >= 0;) {
        if (wanted.contains(rows.at(last))) {
            --last;
            continue;
        }
        int first = last;
        while (first > 0 && !wanted.contains(rows.at(first - 1)))
            --first;
        ops.removeRows(first, last);
        rows.remove(first, last - first + 1);
        last = first - 1;
    }

    // Moves: the kept rows in their new order. The longest run whose present order is already
    // right stays; every other row is put right after the row that precedes it in the new order
    // (that row is in its final place relative to the ones already placed), so each row moves once.
    const QSet<QString> kept(rows.cbegin(), rows.cend());
    QStringList order;
    for (const QString &key : next)
        if (kept.contains(key))
            order.append(key);
    if (order != rows) {
        QHash<QString, int> at;
        for (int i = 0; i < rows.size(); ++i)
            at.insert(rows.at(i), i);
        std::vector<int> positions;
        positions.reserve(static_cast<size_t>(order.size()));
        for (const QString &key : std::as_const(order))
            positions.push_back(at.value(key));
        QSet<QString> stays;
        for (int i : longestIncreasing(positions))
            stays.insert(order.at(i));
        for (int i = 0; i < order.size(); ++i) {
            const QString &key = order.at(i);
            if (stays.contains(key))
                continue;
            const int from = static_cast<int>(rows.indexOf(key));
            const int to = i == 0 ? 0 : static_cast<int>(rows.indexOf(order.at(i - 1))) + 1;
            if (to == from || to == from + 1)
                continue;
            ops.moveRow(from, to);
            rows.move(from, to > from ? to - 1 : to);
        }
    }

    // Insertions, top down: every row above the next new one is already where it belongs.
    for (int i = 0; i < next.size();) {
        if (kept.contains(next.at(i))) {
            ++i;
            continue;
        }
        int end = i;
        while (end < next.size() && !kept.contains(next.at(end)))
            ++end;
        ops.insertRows(i, i, end - i);
        i = end;
    }
}

QList<std::pair<int, int>> changedRanges(const QList<int> &rows, int rowCount)
{
    QList<std::pair<int, int>> out;
    if (rows.isEmpty())
        return out;
    if (rows.size() * 2 > rowCount) {
        out.append({rows.first(), rows.last()});
        return out;
    }
    for (int row : rows)
        out.append({row, row});
    return out;
}

}  // namespace pilothouse::models
