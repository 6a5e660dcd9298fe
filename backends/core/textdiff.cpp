// Myers' diff over lines, then grouped into hunks with context (as `diff -u` prints them).
#include "core/textdiff.h"

#include <vector>

namespace pilothouse::backends {

namespace {

enum class Op { Equal, Delete, Insert };

// The shortest edit script from a to b (E. Myers, "An O(ND) Difference Algorithm", 1986):
// forward search keeping each round's furthest-reaching paths, then a walk back through them.
std::vector<Op> editScript(const QStringList &a, const QStringList &b)
{
    const int n = static_cast<int>(a.size());
    const int m = static_cast<int>(b.size());
    const int max = n + m;
    const int offset = max + 1;
    std::vector<int> v(2 * max + 3, 0);
    std::vector<std::vector<int>> trace;
    int found = -1;
    for (int d = 0; d <= max && found < 0; ++d) {
        trace.push_back(v);
        for (int k = -d; k <= d; k += 2) {
            int x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1;
            int y = x - k;
            while (x < n && y < m && a[x] == b[y]) {
                ++x;
                ++y;
            }
            v[offset + k] = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
    }
    std::vector<Op> ops;
    int x = n;
    int y = m;
    for (int d = found; d > 0; --d) {
        const std::vector<int> &pv = trace[static_cast<size_t>(d)];
        const int k = x - y;
        const bool down = (k == -d || (k != d && pv[offset + k - 1] < pv[offset + k + 1]));
        const int prevK = down ? k + 1 : k - 1;
        const int prevX = pv[offset + prevK];
        const int prevY = prevX - prevK;
        while (x > prevX && y > prevY) {
            ops.push_back(Op::Equal);
            --x;
            --y;
        }
        ops.push_back(down ? Op::Insert : Op::Delete);
        x = prevX;
        y = prevY;
    }
    while (x > 0 && y > 0) {
        ops.push_back(Op::Equal);
        --x;
        --y;
    }
    return {ops.rbegin(), ops.rend()};
}

}  // namespace

QList<DiffLine> diffLines(const QStringList &before, const QStringList &after, int context)
{
    const std::vector<Op> ops = editScript(before, after);
    struct Row { Op op; int ai; int bi; };
    std::vector<Row> rows;
    rows.reserve(ops.size());
    int ai = 0;
    int bi = 0;
    for (Op op : ops) {
        rows.push_back({op, ai, bi});
        if (op != Op::Insert) ++ai;
        if (op != Op::Delete) ++bi;
    }
    QList<DiffLine> out;
    const int count = static_cast<int>(rows.size());
    int i = 0;
    while (i < count) {
        if (rows[static_cast<size_t>(i)].op == Op::Equal) {
            ++i;
            continue;
        }
        // A hunk: from `context` lines before this change to `context` lines after the last change
        // that lies within 2*context equal lines of the previous one.
        int start = std::max(0, i - context);
        int end = i;
        int j = i;
        while (j < count) {
            if (rows[static_cast<size_t>(j)].op != Op::Equal) {
                end = j;
                ++j;
                continue;
            }
            int run = j;
            while (run < count && rows[static_cast<size_t>(run)].op == Op::Equal) ++run;
            if (run < count && run - j <= 2 * context) {
                j = run;
                continue;
            }
            break;
        }
        int stop = std::min(count, end + 1 + context);
        int oldStart = rows[static_cast<size_t>(start)].ai + 1;
        int newStart = rows[static_cast<size_t>(start)].bi + 1;
        int oldCount = 0;
        int newCount = 0;
        for (int r = start; r < stop; ++r) {
            if (rows[static_cast<size_t>(r)].op != Op::Insert) ++oldCount;
            if (rows[static_cast<size_t>(r)].op != Op::Delete) ++newCount;
        }
        out.append({DiffLine::Kind::HunkHeader,
                    QStringLiteral("@@ -%1,%2 +%3,%4 @@").arg(oldCount ? oldStart : oldStart - 1).arg(oldCount).arg(newCount ? newStart : newStart - 1).arg(newCount), 0, 0});
        for (int r = start; r < stop; ++r) {
            const Row &row = rows[static_cast<size_t>(r)];
            switch (row.op) {
            case Op::Equal: out.append({DiffLine::Kind::Context, before[row.ai], row.ai + 1, row.bi + 1}); break;
            case Op::Delete: out.append({DiffLine::Kind::Removed, before[row.ai], row.ai + 1, 0}); break;
            case Op::Insert: out.append({DiffLine::Kind::Added, after[row.bi], 0, row.bi + 1}); break;
            }
        }
        i = stop;
    }
    return out;
}

QString unifiedDiff(const QString &before, const QString &after, const QString &beforeName, const QString &afterName, int context)
{
    auto split = [](const QString &s) {
        QStringList lines = s.split(QLatin1Char('\n'));
        if (!lines.isEmpty() && lines.last().isEmpty())
            lines.removeLast();
        return lines;
    };
    const QList<DiffLine> lines = diffLines(split(before), split(after), context);
    if (lines.isEmpty())
        return {};
    QString out = QStringLiteral("--- %1\n+++ %2\n").arg(beforeName, afterName);
    for (const DiffLine &l : lines) {
        switch (l.kind) {
        case DiffLine::Kind::HunkHeader: out += l.text; break;
        case DiffLine::Kind::Context: out += QLatin1Char(' ') + l.text; break;
        case DiffLine::Kind::Removed: out += QLatin1Char('-') + l.text; break;
        case DiffLine::Kind::Added: out += QLatin1Char('+') + l.text; break;
        }
        out += QLatin1Char('\n');
    }
    return out;
}

}  // namespace pilothouse::backends
