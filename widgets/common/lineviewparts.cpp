// The shared parts of the line views.
#include "common/lineviewparts.h"

#include <QAction>
#include <QApplication>
#include <QBoxLayout>
#include <QClipboard>
#include <QFontDatabase>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QTimer>
#include <QToolButton>

#include <algorithm>

namespace pilothouse::widgets {

FindBar addFindBar(QBoxLayout *bar, QWidget *parent, const QString &prefix, const QString &placeholder)
{
    FindBar f;
    f.edit = new QLineEdit(parent);
    f.edit->setObjectName(prefix + QStringLiteral("Search"));
    f.edit->setPlaceholderText(placeholder);
    f.edit->setClearButtonEnabled(true);
    f.edit->setMinimumWidth(220);
    auto arrow = [&](Qt::ArrowType type, const QString &name, const QString &tip) {
        auto *b = new QToolButton(parent);
        b->setObjectName(prefix + name);
        b->setArrowType(type);
        b->setToolButtonStyle(Qt::ToolButtonIconOnly);  // the arrow is the icon
        b->setToolTip(tip);
        b->setAutoRaise(true);
        return b;
    };
    f.previous = arrow(Qt::UpArrow, QStringLiteral("SearchPrevious"), QObject::tr("Previous match (Shift+Enter, Shift+F3)"));
    f.next = arrow(Qt::DownArrow, QStringLiteral("SearchNext"), QObject::tr("Next match (Enter, F3)"));
    f.count = new QLabel(parent);
    f.count->setObjectName(prefix + QStringLiteral("MatchCount"));
    f.count->setMinimumWidth(f.count->fontMetrics().horizontalAdvance(QStringLiteral("00,000 of 00,000")));
    bar->addWidget(f.edit);
    bar->addWidget(f.previous);
    bar->addWidget(f.next);
    bar->addWidget(f.count);
    return f;
}

QString matchCountText(bool searching, int ordinal, int count)
{
    if (!searching)
        return {};
    const QLocale locale;
    if (count == 0)
        return QObject::tr("no matches");
    if (ordinal > 0)
        return QObject::tr("%1 of %2").arg(locale.toString(ordinal), locale.toString(count));
    return count == 1 ? QObject::tr("1 match") : QObject::tr("%1 matches").arg(locale.toString(count));
}

void connectFindBar(QWidget *host, const FindBar &find, QTimer *typingDelay, const std::function<void()> &next,
                    const std::function<void()> &previous, const std::function<void()> &copy)
{
    QObject::connect(find.edit, &QLineEdit::textChanged, typingDelay, [typingDelay] { typingDelay->start(); });
    QObject::connect(find.edit, &QLineEdit::returnPressed, host, [next, previous] {
        if (QApplication::keyboardModifiers() & Qt::ShiftModifier)
            previous();
        else
            next();
    });
    QObject::connect(find.next, &QToolButton::clicked, host, next);
    QObject::connect(find.previous, &QToolButton::clicked, host, previous);
    auto shortcut = [host](const QKeySequence &keys, const std::function<void()> &slot) {
        auto *a = new QAction(host);
        a->setShortcut(keys);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        QObject::connect(a, &QAction::triggered, host, slot);
        host->addAction(a);
    };
    QLineEdit *search = find.edit;
    shortcut(QKeySequence::Find, [search] {
        search->setFocus();
        search->selectAll();
    });
    shortcut(QKeySequence::FindNext, next);
    shortcut(QKeySequence::FindPrevious, previous);
    shortcut(QKeySequence::Copy, copy);
}

QListView *newLineList(QWidget *parent, const QString &objectName)
{
    auto *list = new QListView(parent);
    list->setObjectName(objectName);
    list->setUniformItemSizes(true);
    list->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    list->setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    list->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    return list;
}

QLabel *newStatusLine(QWidget *parent, const QString &objectName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(false);
    label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    return label;
}

void copyLines(const QAbstractItemView *view, int role)
{
    QModelIndexList rows = view->selectionModel()->selectedRows();
    if (rows.isEmpty() && view->currentIndex().isValid())
        rows << view->currentIndex();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QStringList lines;
    for (const QModelIndex &i : rows)
        lines << i.data(role).toString();
    if (!lines.isEmpty())
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
}

}  // namespace pilothouse::widgets
