// Log line painting: segments drawn left to right with one font, matches as marked runs.
#include "resources/loglinedelegate.h"

#include "style/theme.h"

#include <QPainter>

#include <algorithm>

namespace pilothouse::widgets {

using models::LogModel;

LogLineDelegate::LogLineDelegate(LogModel *model, QObject *parent) : QStyledItemDelegate(parent), m_model(model) {}

QSize LogLineDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    const QFontMetrics fm(option.font);
    int chars = m_model ? m_model->longestLineChars() : 80;
    if (m_model && m_model->showTimestamps())
        chars += 25;
    // Monospace: one advance per character. Capped so a pathological line cannot make the
    // scroll range overflow.
    const qint64 width = std::min<qint64>(qint64(fm.horizontalAdvance(QLatin1Char('M'))) * chars + 2 * kMargin, 4000000);
    return {static_cast<int>(width), fm.height() + 2};
}

void LogLineDelegate::paint(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    p->save();
    p->setClipRect(option.rect);
    const QPalette &pal = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    const bool match = index.data(LogModel::MatchRole).toBool();
    // Theme colours are read per paint, so a theme switch needs nothing but a repaint.
    const QColor matchRun = Theme::color(Theme::Role::MatchRun);
    const QColor matchRunText = Theme::color(Theme::Role::MatchRunText);
    if (selected)
        p->fillRect(option.rect, pal.color(QPalette::Highlight));
    else if (match)
        p->fillRect(option.rect, Theme::color(Theme::Role::MatchBackground));

    p->setFont(option.font);
    const QFontMetrics fm(option.font);
    const int top = option.rect.top() + (option.rect.height() - fm.height()) / 2;
    const int baseline = top + fm.ascent();
    const QColor text = selected ? pal.color(QPalette::HighlightedText) : pal.color(QPalette::Text);
    QColor dim = text;
    dim.setAlphaF(0.55f);
    int x = option.rect.left() + kMargin;
    const QString search = m_model ? m_model->searchText() : QString();
    const int right = option.rect.right();

    auto plain = [&](const QString &s, const QColor &c) {
        if (s.isEmpty() || x > right)
            return;
        p->setPen(c);
        p->drawText(x, baseline, s);
        x += fm.horizontalAdvance(s);
    };
    // Matching runs drawn as marked text so they read on any row colour.
    auto marked = [&](const QString &s, const QColor &c) {
        if (search.isEmpty() || !match) {
            plain(s, c);
            return;
        }
        qsizetype from = 0;
        while (from < s.size() && x <= right) {
            const qsizetype at = s.indexOf(search, from, Qt::CaseInsensitive);
            if (at < 0) {
                plain(s.mid(from), c);
                return;
            }
            plain(s.mid(from, at - from), c);
            const QString run = s.mid(at, search.size());
            const int w = fm.horizontalAdvance(run);
            p->fillRect(QRect(x, option.rect.top() + 1, w, option.rect.height() - 2), matchRun);
            plain(run, matchRunText);
            from = at + search.size();
        }
    };

    if (m_model && m_model->showTimestamps()) {
        const QString ts = index.data(LogModel::TimestampTextRole).toString();
        plain(ts.isEmpty() ? QString(24, QLatin1Char(' ')) : ts, dim);
        plain(QStringLiteral(" "), dim);
    }
    const QString prefix = index.data(LogModel::PrefixRole).toString();
    if (!prefix.isEmpty()) {
        QColor podColor = Theme::seriesColor(index.data(LogModel::PodColorIndexRole).toInt());
        if (selected)
            podColor = text;
        QFont bold = option.font;
        bold.setBold(true);
        p->setFont(bold);
        // Bold monospace keeps the advance of the regular face, so columns stay aligned.
        marked(prefix, podColor);
        p->setFont(option.font);
        plain(QStringLiteral(" | "), dim);
    }
    marked(index.data(LogModel::TextRole).toString(), text);
    p->restore();
}

}  // namespace pilothouse::widgets
