// Jenkins console bytes to display lines: ANSI SGR colours kept as spans, every other escape
// sequence and Jenkins' hidden console notes removed, CRLF and "\r" progress rewrites resolved. A
// line split across progressiveText chunks waits for its end. Pure and single-threaded: the
// console follower runs it on its worker, never on the GUI thread.
#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

namespace pilothouse::models {

// A styled run of a line. Colours are ANSI indexes (0-7 normal, 8-15 bright, 16-255 the xterm
// cube and greys); the view maps them to its theme. -1: the view's own colour.
struct ConsoleSpan {
    int start = 0;  // in QChars of ConsoleLine::text
    int length = 0;
    qint16 foreground = -1;
    qint16 background = -1;
    bool bold = false;

    friend bool operator==(const ConsoleSpan &, const ConsoleSpan &) = default;
};

struct ConsoleLine {
    QString text;
    QList<ConsoleSpan> spans;  // styled runs only, in order, not overlapping; empty: plain text
};
using ConsoleLines = QList<ConsoleLine>;

class ConsoleParser {
public:
    // A line longer than this (no newline in sight) is cut, so that memory stays bounded.
    static constexpr qsizetype kMaxLineBytes = 1 << 20;

    // The complete lines in what has come so far; the bytes after the last newline wait.
    ConsoleLines feed(const QByteArray &bytes);
    // The console ended: the waiting bytes as a last line (none when nothing waits).
    ConsoleLines finish();
    qsizetype pendingBytes() const { return m_partial.size(); }

    // One line's bytes (without its "\n"), with the SGR state it starts in and leaves.
    struct Style {
        qint16 foreground = -1;
        qint16 background = -1;
        bool bold = false;
        bool isPlain() const { return foreground < 0 && background < 0 && !bold; }
    };
    static ConsoleLine parseLine(const char *data, qsizetype size, Style &style);

private:
    void take(const char *data, qsizetype size, ConsoleLines &out);

    QByteArray m_partial;
    Style m_style;  // colours carry over a newline, as in a terminal
};

}  // namespace pilothouse::models

Q_DECLARE_METATYPE(pilothouse::models::ConsoleLines)
