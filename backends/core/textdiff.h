// Line diff (Myers' O(ND) algorithm) for showing an edit against the live object before it is sent.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace pilothouse::backends {

struct DiffLine {
    enum class Kind { Context, Removed, Added, HunkHeader };
    Kind kind;
    QString text;
    int oldLine = 0;  // 1-based; 0 when the line is not on that side
    int newLine = 0;
};

// The lines of `before` and `after` as unified-diff hunks with `context` lines around each change.
// Empty when the two are equal.
QList<DiffLine> diffLines(const QStringList &before, const QStringList &after, int context = 3);
// "--- live\n+++ edited\n@@ -3,7 +3,7 @@\n ..." for logs and tests.
QString unifiedDiff(const QString &before, const QString &after, const QString &beforeName = QStringLiteral("live"),
                    const QString &afterName = QStringLiteral("edited"), int context = 3);

}  // namespace pilothouse::backends
