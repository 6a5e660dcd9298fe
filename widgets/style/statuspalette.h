// Every status word of every view → tone → colour, icon and display text, for the current theme.
#pragma once

#include "statustone.h"

#include <QColor>
#include <QIcon>
#include <QString>
#include <QStyledItemDelegate>

class QLabel;

namespace pilothouse::widgets {

using models::StatusTone;

class StatusPalette {
public:
    static StatusTone tone(const QString &word) { return models::statusTone(word); }
    // Text colour of a tone, readable on the theme's Base and Window (contrast ≥ 4.5:1).
    static QColor color(StatusTone tone);
    static QColor color(const QString &word) { return color(tone(word)); }
    // A solid fill for a tile or a dot, with the text colour to put on it.
    static QColor fill(StatusTone tone);
    static QColor onFill(StatusTone tone);
    // A soft background for a row or a chip that holds text in color(tone).
    static QColor soft(StatusTone tone);
    // The icon of a word: its tone's glyph, or a more specific one (waiting for promotion is an
    // hourglass, out of sync an arrow, suspended a minus), in the tone's colour.
    static QIcon icon(const QString &word);
    static QIcon icon(StatusTone tone);
    // What to show for a word: Kubernetes and Argo words as they are (operators search for them),
    // Jenkins' upper-case statuses and colour names in words ("IN_PROGRESS" → "In progress",
    // "blue_anime" → "Building").
    static QString text(const QString &word);
    // Styles a QLabel as a status chip (object name "statusChip", tone property, re-polished) and
    // sets its text to text(word).
    static void styleChip(QLabel *label, const QString &word);
};

// Paints a status column: the tone's icon before the word, the word in the tone's colour. The
// tone is the model's StatusToneRole when it answers one (a Running pod that is not ready is
// still progressing), else the display text's.
class StatusDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    explicit StatusDelegate(QObject *parent = nullptr);

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;
};

}  // namespace pilothouse::widgets
