// Console line painting: runs of one style drawn left to right, only as far as the row is visible.
#include "pipelines/consolelinedelegate.h"

#include "style/ansipalette.h"
#include "style/theme.h"

#include <QPainter>

#include <algorithm>

namespace pilothouse::widgets {

using models::ConsoleLine;
using models::ConsoleModel;
using models::ConsoleSpan;

ConsoleLineDelegate::ConsoleLineDelegate(ConsoleModel *model, QObject *parent) : QStyledItemDelegate(parent), m_model(model) {}

int ConsoleLineDelegate::gutterChars() const
{
    const qint64 lines = m_model ? m_model->totalLines() : 0;
    return std::max(5, int(QString::number(lines).size()));
}

QSize ConsoleLineDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    const QFontMetrics fm(option.font);
    const int chars = (m_model ? std::max(80, m_model->longestLineChars()) : 80) + gutterChars() + 2;
    // Capped so that a pathological line cannot overflow the scroll range.
    const qint64 width = std::min<qint64>(qint64(fm.horizontalAdvance(QLatin1Char('M'))) * chars + 2 * kMargin, 4000000);
    return {int(width), fm.height() + 2};
}

void ConsoleLineDelegate::paint(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    if (!m_model)
        return;
    p->save();
    p->setClipRect(option.rect);
    const QPalette &pal = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    const int row = index.row();
    const bool match = m_model->matches(row);
    if (selected)
        p->fillRect(option.rect, pal.color(QPalette::Highlight));
    else if (match)
        p->fillRect(option.rect, Theme::color(Theme::Role::MatchBackground));

    const QFontMetrics fm(option.font);
    const int advance = fm.horizontalAdvance(QLatin1Char('M'));
    const int baseline = option.rect.top() + (option.rect.height() - fm.height()) / 2 + fm.ascent();
    const QColor textColour = selected ? pal.color(QPalette::HighlightedText) : Theme::color(Theme::Role::TextPrimary);
    const QColor secondary = selected ? textColour : Theme::color(Theme::Role::TextSecondary);
    const int gutter = gutterChars() * advance;
    int x = option.rect.left() + kMargin;
    const int right = option.rect.right();

    const ConsoleLine *line = m_model->lineAt(row);
    if (!line) {
        QFont italic = option.font;
        italic.setItalic(true);
        p->setFont(italic);
        p->setPen(secondary);
        p->drawText(x + gutter + advance, baseline, m_model->noticeText());
        p->restore();
        return;
    }
    p->setFont(option.font);
    p->setPen(secondary);
    const QString number = QString::number(m_model->lineNumber(row));
    p->drawText(x + gutter - fm.horizontalAdvance(number), baseline, number);
    x += gutter + 2 * advance;
    const int textLeft = x;

    // Only what fits is drawn: a line of a megabyte costs what a screen's width costs.
    const int visibleChars = std::max(0, (right - x) / std::max(1, advance) + 2);
    const QString &text = line->text;
    const int shown = int(std::min<qsizetype>(text.size(), visibleChars));
    QFont bold = option.font;
    bold.setBold(true);
    auto draw = [&](int from, int to, const ConsoleSpan *span) {
        if (to <= from)
            return;
        const QString run = text.mid(from, to - from);
        const int w = fm.horizontalAdvance(run);
        if (span && span->background >= 0 && !selected)
            p->fillRect(QRect(x, option.rect.top(), w, option.rect.height()), AnsiPalette::background(span->background));
        p->setFont(span && span->bold ? bold : option.font);
        p->setPen(selected || !span ? textColour : AnsiPalette::foreground(span->foreground));
        p->drawText(x, baseline, run);
        x += w;
    };
    int at = 0;
    for (const ConsoleSpan &span : line->spans) {
        if (at >= shown)
            break;
        draw(at, std::min(span.start, shown), nullptr);
        draw(std::max(at, span.start), std::min(span.start + span.length, shown), &span);
        at = std::max(at, span.start + span.length);
    }
    draw(at, shown, nullptr);

    // Matches over the text, marked so that they read on any colour.
    const QString search = m_model->searchText();
    if (match && !search.isEmpty()) {
        p->setFont(option.font);
        for (qsizetype from = text.indexOf(search, 0, Qt::CaseInsensitive); from >= 0 && from < shown;
             from = text.indexOf(search, from + search.size(), Qt::CaseInsensitive)) {
            const QString found = text.mid(from, search.size());
            const int left = textLeft + fm.horizontalAdvance(text.left(from));
            p->fillRect(QRect(left, option.rect.top() + 1, fm.horizontalAdvance(found), option.rect.height() - 2), Theme::color(Theme::Role::MatchRun));
            p->setPen(Theme::color(Theme::Role::MatchRunText));
            p->drawText(left, baseline, found);
        }
    }
    p->restore();
}

}  // namespace pilothouse::widgets
