// The parts the views of text lines share (the pod log viewer, the Jenkins console): the find bar
// and its shortcuts, the "3 of 41" match text, the list of monospace lines, the status line, and
// the selected lines on the clipboard.
#pragma once

#include <QString>

#include <functional>

class QAbstractItemView;
class QBoxLayout;
class QLabel;
class QLineEdit;
class QListView;
class QTimer;
class QToolButton;
class QWidget;

namespace pilothouse::widgets {

struct FindBar {
    QLineEdit *edit = nullptr;
    QToolButton *previous = nullptr;
    QToolButton *next = nullptr;
    QLabel *count = nullptr;
};
// Adds the field, the previous / next arrows and the match count to `bar`, named `<prefix>Search`,
// `<prefix>SearchPrevious`, `<prefix>SearchNext` and `<prefix>MatchCount`.
FindBar addFindBar(QBoxLayout *bar, QWidget *parent, const QString &prefix, const QString &placeholder);

// "no matches", "3 of 41" (`ordinal` > 0: the current line is a match), "41 matches"; empty without a search.
QString matchCountText(bool searching, int ordinal, int count);

// Typing in the field (re)starts `typingDelay` (whose timeout applies the search); Enter and the
// down arrow go to the next match, Shift+Enter and the up arrow to the previous one; and, while the
// focus is in `host`: Ctrl+F to the field, F3 / Shift+F3 next / previous, Ctrl+C copies.
void connectFindBar(QWidget *host, const FindBar &find, QTimer *typingDelay, const std::function<void()> &next,
                    const std::function<void()> &previous, const std::function<void()> &copy);

// Lines like a terminal's: monospace, one height (uniform item sizes), extended selection, and
// per-item vertical scrolling (the top row is always whole and the scrollbar counts rows).
QListView *newLineList(QWidget *parent, const QString &objectName);

// A selectable status line that a long text never widens (the whole text goes in its tooltip).
QLabel *newStatusLine(QWidget *parent, const QString &objectName);

// The selected rows (else the current one) of `view`, in row order, `role`'s text a line.
void copyLines(const QAbstractItemView *view, int role);

}  // namespace pilothouse::widgets
