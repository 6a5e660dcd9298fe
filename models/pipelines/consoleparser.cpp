// The console parser: one pass over a line's bytes, visible runs decoded as UTF-8 between escapes.
#include "pipelines/consoleparser.h"

#include <algorithm>
#include <cstring>

namespace pilothouse::models {

namespace {

constexpr char kEsc = '\x1b';

// "1;38;5;208" and friends, applied left to right.
void applySgr(const char *p, qsizetype n, ConsoleParser::Style &s)
{
    int params[32];
    int count = 0;
    int value = 0;
    for (qsizetype i = 0; i <= n && count < 32; ++i) {
        if (i == n || p[i] == ';' || p[i] == ':') {
            params[count++] = value;
            value = 0;
        } else if (p[i] >= '0' && p[i] <= '9') {
            value = std::min(value * 10 + (p[i] - '0'), 100000);
        }
    }
    for (int i = 0; i < count; ++i) {
        const int c = params[i];
        if (c == 0) {
            s = ConsoleParser::Style{};
        } else if (c == 1) {
            s.bold = true;
        } else if (c == 22) {
            s.bold = false;
        } else if (c >= 30 && c <= 37) {
            s.foreground = qint16(c - 30);
        } else if (c >= 90 && c <= 97) {
            s.foreground = qint16(c - 90 + 8);
        } else if (c == 39) {
            s.foreground = -1;
        } else if (c >= 40 && c <= 47) {
            s.background = qint16(c - 40);
        } else if (c >= 100 && c <= 107) {
            s.background = qint16(c - 100 + 8);
        } else if (c == 49) {
            s.background = -1;
        } else if (c == 38 || c == 48) {
            qint16 &target = c == 38 ? s.foreground : s.background;
            if (i + 2 < count && params[i + 1] == 5) {
                target = qint16(std::clamp(params[i + 2], 0, 255));
                i += 2;
            } else if (i + 4 < count && params[i + 1] == 2) {
                i += 4;  // true colour: no palette index for it; the colour stays as it was
            }
        }
        // Italic, underline, blink, inverse, conceal…: not drawn.
    }
}

// Jenkins' ConsoleNote: ESC[8m "ha:////" base64 ESC[0m, hidden text that only its own UI decodes.
bool isNoteStart(const char *p, qsizetype n, qsizetype at)
{
    return at + 7 <= n && std::memcmp(p + at, "\x1b[8mha:", 7) == 0;
}

}  // namespace

ConsoleLine ConsoleParser::parseLine(const char *p, qsizetype n, Style &style)
{
    while (n > 0 && p[n - 1] == '\r')
        --n;  // CRLF
    ConsoleLine out;
    // Most lines have neither escapes nor carriage returns nor tabs.
    bool special = false;
    for (qsizetype i = 0; i < n; ++i)
        if (static_cast<unsigned char>(p[i]) < 0x20) {
            special = true;
            break;
        }
    if (!special) {
        out.text = QString::fromUtf8(p, n);
        if (!style.isPlain() && !out.text.isEmpty())
            out.spans.append({0, int(out.text.size()), style.foreground, style.background, style.bold});
        return out;
    }

    QByteArray run;  // visible bytes in the current style
    auto flush = [&] {
        if (run.isEmpty())
            return;
        const QString s = QString::fromUtf8(run);
        run.clear();
        const int start = int(out.text.size());
        out.text += s;
        if (style.isPlain())
            return;
        if (!out.spans.isEmpty()) {
            ConsoleSpan &last = out.spans.last();
            if (last.start + last.length == start && last.foreground == style.foreground && last.background == style.background
                && last.bold == style.bold) {
                last.length += int(s.size());
                return;
            }
        }
        out.spans.append({start, int(s.size()), style.foreground, style.background, style.bold});
    };

    qsizetype i = 0;
    while (i < n) {
        const char c = p[i];
        if (static_cast<unsigned char>(c) >= 0x20) {
            qsizetype j = i + 1;
            while (j < n && static_cast<unsigned char>(p[j]) >= 0x20)
                ++j;
            run.append(p + i, j - i);
            i = j;
            continue;
        }
        if (c == '\r') {
            // A progress line rewritten in place: what the terminal finally shows is the last segment.
            run.clear();
            out.text.clear();
            out.spans.clear();
            ++i;
            continue;
        }
        if (c == '\t') {
            // Tab stops every 8 columns (counted in bytes of the line so far: close enough for
            // the ASCII that build tools indent with).
            const qsizetype column = out.text.size() + run.size();
            run.append(QByteArray(8 - column % 8, ' '));
            ++i;
            continue;
        }
        if (c != kEsc) {
            ++i;  // BEL, BS and other controls are not drawn
            continue;
        }
        if (isNoteStart(p, n, i)) {
            const char *end = static_cast<const char *>(memmem(p + i + 7, size_t(n - i - 7), "\x1b[0m", 4));
            i = end ? (end - p) + 4 : n;
            continue;
        }
        if (i + 1 >= n) {
            ++i;
            continue;
        }
        const char kind = p[i + 1];
        if (kind == '[') {
            // CSI: parameter bytes, intermediate bytes, one final byte.
            qsizetype j = i + 2;
            while (j < n && p[j] >= 0x30 && p[j] <= 0x3f)
                ++j;
            while (j < n && p[j] >= 0x20 && p[j] <= 0x2f)
                ++j;
            if (j >= n) {
                i = n;  // cut off: nothing of it is text
                break;
            }
            if (p[j] == 'm') {
                flush();
                applySgr(p + i + 2, j - i - 2, style);
            }
            i = j + 1;
        } else if (kind == ']' || kind == 'P' || kind == '_' || kind == '^') {
            // OSC (titles, hyperlinks) and other strings: up to BEL or ESC backslash.
            qsizetype j = i + 2;
            while (j < n && p[j] != '\x07' && !(p[j] == kEsc && j + 1 < n && p[j + 1] == '\\'))
                ++j;
            i = j >= n ? n : p[j] == '\x07' ? j + 1 : j + 2;
        } else {
            // ESC ( B and the like: intermediates, then one final byte.
            qsizetype j = i + 1;
            while (j < n && p[j] >= 0x20 && p[j] <= 0x2f)
                ++j;
            i = std::min(n, j + 1);
        }
    }
    flush();
    return out;
}

void ConsoleParser::take(const char *data, qsizetype size, ConsoleLines &out)
{
    qsizetype from = 0;
    while (from < size) {
        const char *nl = static_cast<const char *>(std::memchr(data + from, '\n', size_t(size - from)));
        if (!nl) {
            m_partial.append(data + from, size - from);
            if (m_partial.size() >= kMaxLineBytes) {
                out.append(parseLine(m_partial.constData(), m_partial.size(), m_style));
                m_partial.clear();
            }
            return;
        }
        const qsizetype end = nl - data;
        if (!m_partial.isEmpty()) {
            m_partial.append(data + from, end - from);
            out.append(parseLine(m_partial.constData(), m_partial.size(), m_style));
            m_partial.clear();
        } else {
            out.append(parseLine(data + from, end - from, m_style));
        }
        from = end + 1;
    }
}

ConsoleLines ConsoleParser::feed(const QByteArray &bytes)
{
    ConsoleLines out;
    take(bytes.constData(), bytes.size(), out);
    return out;
}

ConsoleLines ConsoleParser::finish()
{
    ConsoleLines out;
    if (!m_partial.isEmpty()) {
        out.append(parseLine(m_partial.constData(), m_partial.size(), m_style));
        m_partial.clear();
    }
    return out;
}

}  // namespace pilothouse::models
