// Paints one console line like a terminal row: the line number in a gutter, the text in its ANSI
// colours (the theme's AnsiPalette), bold runs, search matches marked, and the "not kept" notice
// in italics. Every row has one height (uniform item sizes) and the longest line's width.
#pragma once

#include "pipelines/consolemodel.h"

#include <QPointer>
#include <QStyledItemDelegate>

namespace pilothouse::widgets {

class ConsoleLineDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    explicit ConsoleLineDelegate(models::ConsoleModel *model, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // The gutter's width in characters for the line numbers shown so far.
    int gutterChars() const;

    static constexpr int kMargin = 4;

private:
    QPointer<models::ConsoleModel> m_model;
};

}  // namespace pilothouse::widgets
