// The command palette: input, ranked list, footer, and a delegate that shows why a row matched.
#include "shell/commandpalette.h"

#include "style/icons.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCloseEvent>
#include <QHash>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <algorithm>
#include <vector>

namespace pilothouse::widgets::shell {

using models::PaletteCommand;
using models::PaletteModel;

namespace {

constexpr int kMaxVisibleRows = 10;
constexpr int kPreferredWidth = 640;
constexpr double kWidthShare = 0.55;
constexpr int kMinimumWidth = 420;

QIcon paletteIcon(const QString &name)
{
    return name.isEmpty() ? QIcon() : Icons::get(name);
}

// One line per command: icon, title (matched characters bold), subtitle dimmed, then a category
// chip and the shortcut at the right edge. Colours come from the palette only, so both themes
// and the selection read right.
class PaletteItemDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        Q_UNUSED(index)
        const int line = std::max(option.fontMetrics.height(), iconSize(option));
        return {option.rect.width(), line + 2 * kVerticalPadding};
    }

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        const QWidget *widget = opt.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        // The style draws the row's background and selection; everything else is ours.
        opt.text.clear();
        opt.icon = QIcon();
        style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);

        const bool selected = opt.state & QStyle::State_Selected;
        const bool disabled = !index.data(PaletteModel::DisabledReasonRole).toString().isEmpty();
        const QPalette &pal = opt.palette;
        const QColor textColor = selected ? pal.color(QPalette::HighlightedText)
                                          : pal.color(disabled ? QPalette::PlaceholderText : QPalette::Text);
        const QColor dimColor = selected ? pal.color(QPalette::HighlightedText) : pal.color(QPalette::PlaceholderText);

        painter->save();
        painter->setClipRect(opt.rect);
        QRect r = opt.rect.adjusted(kHorizontalPadding, 0, -kHorizontalPadding, 0);

        const int icon = iconSize(opt);
        const QIcon glyph = iconFor(index.data(PaletteModel::IconNameRole).toString());
        if (!glyph.isNull()) {
            const QRect iconRect(r.left(), r.center().y() - icon / 2, icon, icon);
            glyph.paint(painter, iconRect, Qt::AlignCenter,
                        disabled ? QIcon::Disabled : (selected ? QIcon::Selected : QIcon::Normal));
        }
        r.setLeft(r.left() + icon + kSpacing);  // reserved even without an icon: titles line up

        const QFont font = opt.font;
        const QFontMetrics fm(font);

        const QString shortcut = QKeySequence::fromString(index.data(PaletteModel::ShortcutRole).toString(),
                                                          QKeySequence::PortableText)
                                     .toString(QKeySequence::NativeText);
        if (!shortcut.isEmpty()) {
            painter->setFont(font);
            painter->setPen(dimColor);
            painter->drawText(r, Qt::AlignRight | Qt::AlignVCenter, shortcut);
            r.setRight(r.right() - fm.horizontalAdvance(shortcut) - 2 * kSpacing);
        }

        const QString category = index.data(PaletteModel::CategoryRole).toString();
        if (!category.isEmpty()) {
            QFont chipFont = font;
            if (font.pointSizeF() > 0)
                chipFont.setPointSizeF(font.pointSizeF() * 0.85);
            const QFontMetrics cfm(chipFont);
            const int chipWidth = cfm.horizontalAdvance(category) + 2 * kChipPadding;
            const int chipHeight = cfm.height() + 2;
            const QRect chip(r.right() - chipWidth + 1, r.center().y() - chipHeight / 2, chipWidth, chipHeight);
            QColor outline = dimColor;
            outline.setAlphaF(0.6f);
            painter->setRenderHint(QPainter::Antialiasing, true);
            painter->setPen(outline);
            painter->setBrush(Qt::NoBrush);
            painter->drawRoundedRect(QRectF(chip).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
            painter->setFont(chipFont);
            painter->setPen(dimColor);
            painter->drawText(chip, Qt::AlignCenter, category);
            r.setRight(chip.left() - 2 * kSpacing);
        }

        const int right = r.right();
        int x = r.left();
        const int baseline = r.top() + (r.height() - fm.height()) / 2 + fm.ascent();
        const QString title = index.data(Qt::DisplayRole).toString();
        const QList<int> positions = index.data(PaletteModel::MatchPositionsRole).value<QList<int>>();
        x = drawTitle(painter, title, positions, font, textColor, x, baseline, right);

        const QString subtitle = index.data(PaletteModel::SubtitleRole).toString();
        const int subtitleLeft = x + 2 * kSpacing;
        if (!subtitle.isEmpty() && right - subtitleLeft > fm.horizontalAdvance(QStringLiteral("……"))) {
            painter->setFont(font);
            painter->setPen(dimColor);
            painter->drawText(QPoint(subtitleLeft, baseline),
                              fm.elidedText(subtitle, Qt::ElideRight, right - subtitleLeft));
        }
        painter->restore();
    }

private:
    static constexpr int kVerticalPadding = 5;
    static constexpr int kHorizontalPadding = 8;
    static constexpr int kSpacing = 6;
    static constexpr int kChipPadding = 5;

    static int iconSize(const QStyleOptionViewItem &option)
    {
        const QStyle *style = option.widget ? option.widget->style() : QApplication::style();
        return style->pixelMetric(QStyle::PM_SmallIconSize, &option, option.widget);
    }

    QIcon iconFor(const QString &name) const
    {
        auto it = m_icons.find(name);
        if (it == m_icons.end())
            it = m_icons.insert(name, paletteIcon(name));
        return *it;
    }

    // Runs of matched and unmatched characters, the matched ones bold, elided at `right`.
    // Returns where the title ended.
    static int drawTitle(QPainter *painter, const QString &title, const QList<int> &positions, const QFont &font,
                         const QColor &color, int x, int baseline, int right)
    {
        QFont bold = font;
        bold.setBold(true);
        const QFontMetrics normalMetrics(font);
        const QFontMetrics boldMetrics(bold);
        std::vector<bool> matched(static_cast<size_t>(title.size()), false);
        for (int p : positions) {
            if (p >= 0 && p < title.size())
                matched[static_cast<size_t>(p)] = true;
        }
        painter->setPen(color);
        qsizetype start = 0;
        while (start < title.size()) {
            const bool isMatch = matched[static_cast<size_t>(start)];
            qsizetype end = start + 1;
            while (end < title.size() && matched[static_cast<size_t>(end)] == isMatch)
                ++end;
            const QFontMetrics &metrics = isMatch ? boldMetrics : normalMetrics;
            QString run = title.mid(start, end - start);
            // The rest of the title must fit too, or this run is where it gets cut.
            const int restWidth = end < title.size() ? normalMetrics.horizontalAdvance(title.mid(end)) : 0;
            const int width = metrics.horizontalAdvance(run);
            painter->setFont(isMatch ? bold : font);
            if (x + width + restWidth > right) {
                run = metrics.elidedText(title.mid(start), Qt::ElideRight, right - x);
                painter->drawText(QPoint(x, baseline), run);
                return right;
            }
            painter->drawText(QPoint(x, baseline), run);
            x += width;
            start = end;
        }
        return x;
    }

    mutable QHash<QString, QIcon> m_icons;
};

bool plainKey(const QKeyEvent *event)
{
    return (event->modifiers() & ~Qt::KeypadModifier) == Qt::NoModifier;
}

bool isNavigationKey(const QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Up:
    case Qt::Key_Down:
    case Qt::Key_PageUp:
    case Qt::Key_PageDown:
    case Qt::Key_Home:
    case Qt::Key_End:
        return plainKey(event);
    default:
        return false;
    }
}

bool isPaletteKey(const QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Escape:
        return plainKey(event);
    default:
        return isNavigationKey(event);
    }
}

}  // namespace

CommandPalette::CommandPalette(QWidget *window) : QFrame(window), m_window(window)
{
    setObjectName(QStringLiteral("commandPalette"));
    setFrameShape(QFrame::StyledPanel);
    setFrameShadow(QFrame::Raised);
    setAutoFillBackground(true);
    hide();

    m_model = new PaletteModel(this);

    m_input = new QLineEdit(this);
    m_input->setObjectName(QStringLiteral("paletteInput"));
    m_input->setPlaceholderText(tr("Search pages, kinds, objects and actions — : kinds, > actions, @ objects"));
    m_input->installEventFilter(this);

    m_list = new QListView(this);
    m_list->setObjectName(QStringLiteral("paletteList"));
    m_list->setModel(m_model);
    m_list->setItemDelegate(new PaletteItemDelegate(m_list));
    // The focus stays in the input; the list follows the keys the input forwards.
    m_list->setFocusPolicy(Qt::NoFocus);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setUniformItemSizes(true);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setFrameShape(QFrame::NoFrame);
    m_list->setMouseTracking(true);

    m_footer = new QLabel(this);
    m_footer->setObjectName(QStringLiteral("paletteFooter"));
    // A disabled reason can carry a server's words: never rendered as rich text.
    m_footer->setTextFormat(Qt::PlainText);
    m_footer->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(4);
    layout->addWidget(m_input);
    layout->addWidget(m_list);
    layout->addWidget(m_footer);

    connect(m_input, &QLineEdit::textChanged, this, &CommandPalette::applyFilter);
    connect(m_list, &QListView::clicked, this, [this](const QModelIndex &index) {
        selectRow(index.row());
        runCurrent();
    });
    connect(m_list->selectionModel(), &QItemSelectionModel::currentChanged, this, &CommandPalette::updateFooter);
    connect(m_model, &PaletteModel::recentChanged, this, &CommandPalette::recentChanged);
    connect(qApp, &QApplication::focusChanged, this,
            [this](QWidget *, QWidget *now) { closeIfFocusLeft(now); });
    if (window)
        window->installEventFilter(this);
}

CommandPalette::~CommandPalette()
{
    if (m_watchingApp)
        qApp->removeEventFilter(this);
}

QList<QKeySequence> CommandPalette::defaultShortcuts()
{
    return {QKeySequence(Qt::CTRL | Qt::Key_K), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P)};
}

void CommandPalette::open(const QList<PaletteCommand> &commands, const QString &initialText)
{
    QWidget *focus = QApplication::focusWidget();
    if (!m_open && focus && focus != this && !isAncestorOf(focus))
        m_previousFocus = focus;
    m_open = true;
    m_model->setCommands(commands);
    {
        // applyFilter below runs once even when the text is the same as last time.
        const QSignalBlocker blocker(m_input);
        m_input->setText(initialText);
    }
    m_input->end(false);
    applyFilter(initialText);
    if (!m_watchingApp) {
        // Clicks elsewhere in the application close the palette, like a popup, without eating them.
        qApp->installEventFilter(this);
        m_watchingApp = true;
    }
    show();
    raise();
    // Not ShortcutFocusReason: QLineEdit would select the text, and typing after ">" would replace it.
    m_input->setFocus(Qt::OtherFocusReason);
}

void CommandPalette::setRecent(const QStringList &ids)
{
    m_model->setRecent(ids);
}

QStringList CommandPalette::recent() const
{
    return m_model->recent();
}

bool CommandPalette::runCurrent()
{
    if (m_model->scope() == PaletteModel::Scope::PageFilter) {
        const QString text = m_model->query();
        close();
        emit filterRequested(text);
        return true;
    }
    const QModelIndex current = m_list->currentIndex();
    const PaletteCommand *command = current.isValid() ? m_model->commandAt(current.row()) : nullptr;
    if (!command)
        return false;
    if (!command->disabledReason.isEmpty()) {
        m_footer->setForegroundRole(QPalette::WindowText);
        m_footer->setText(command->disabledReason);
        return false;
    }
    if (!command->run) {
        m_footer->setForegroundRole(QPalette::WindowText);
        m_footer->setText(tr("“%1” cannot run from here.").arg(command->title));
        return false;
    }
    // Copies: closing may lead the shell to hand over new commands, and the command may delete
    // the palette (a reconnect rebuilds the window), so nothing of ours is touched after run().
    const std::function<void()> run = command->run;
    m_model->noteUsed(command->id);
    close();
    run();
    return true;
}

bool CommandPalette::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_input) {
        if (event->type() == QEvent::ShortcutOverride) {
            // Ours even when the window binds the same keys (Escape, Home…) to something else.
            if (isPaletteKey(static_cast<QKeyEvent *>(event))) {
                event->accept();
                return true;
            }
        } else if (event->type() == QEvent::KeyPress) {
            auto *key = static_cast<QKeyEvent *>(event);
            if (isNavigationKey(key)) {
                moveSelection(key->key());
                return true;
            }
            if (isPaletteKey(key)) {
                if (key->key() == Qt::Key_Escape)
                    close();
                else
                    runCurrent();
                return true;
            }
        }
    } else if (watched == m_window && event->type() == QEvent::Resize) {
        if (m_open)
            updateGeometryInWindow();
    } else if (m_open && event->type() == QEvent::MouseButtonPress && watched->isWidgetType()) {
        auto *target = static_cast<QWidget *>(watched);
        if (target != this && !isAncestorOf(target))
            close();
    }
    return QFrame::eventFilter(watched, event);
}

void CommandPalette::closeEvent(QCloseEvent *event)
{
    event->accept();
    if (!m_open)
        return;
    m_open = false;
    if (m_watchingApp) {
        qApp->removeEventFilter(this);
        m_watchingApp = false;
    }
    // Back where the operator was, before hiding moves the focus to the next widget in the chain.
    QWidget *focus = QApplication::focusWidget();
    if (m_previousFocus && (!focus || focus == this || isAncestorOf(focus)))
        m_previousFocus->setFocus(Qt::OtherFocusReason);
    m_previousFocus.clear();
    emit closed();
}

void CommandPalette::closeIfFocusLeft(QWidget *now)
{
    if (m_open && now && now != this && !isAncestorOf(now))
        close();
}

void CommandPalette::applyFilter(const QString &text)
{
    m_model->setFilter(text);
    selectRow(m_model->rowCount() > 0 ? 0 : -1);
    updateFooter();
    if (m_open)
        updateGeometryInWindow();
}

void CommandPalette::selectRow(int row)
{
    if (row < 0 || row >= m_model->rowCount()) {
        m_list->setCurrentIndex(QModelIndex());
        return;
    }
    const QModelIndex index = m_model->index(row);
    m_list->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    m_list->scrollTo(index);
}

void CommandPalette::moveSelection(int key)
{
    const int rows = m_model->rowCount();
    if (rows == 0)
        return;
    const int current = m_list->currentIndex().isValid() ? m_list->currentIndex().row() : -1;
    const int page = std::max(1, std::min(rows, kMaxVisibleRows) - 1);
    int row = current;
    switch (key) {
    case Qt::Key_Up:
        row = current <= 0 ? rows - 1 : current - 1;  // wraps, as VS Code's list does
        break;
    case Qt::Key_Down:
        row = current >= rows - 1 ? 0 : current + 1;
        break;
    case Qt::Key_PageUp:
        row = std::max(0, current - page);
        break;
    case Qt::Key_PageDown:
        row = std::min(rows - 1, current + page);
        break;
    case Qt::Key_Home:
        row = 0;
        break;
    case Qt::Key_End:
        row = rows - 1;
        break;
    default:
        return;
    }
    selectRow(row);
}

void CommandPalette::updateFooter()
{
    m_footer->setForegroundRole(QPalette::PlaceholderText);
    const int rows = m_model->rowCount();
    if (m_model->scope() == PaletteModel::Scope::PageFilter) {
        const QString query = m_model->query();
        m_footer->setText(query.isEmpty() ? tr("Enter clears the current page's filter")
                                          : tr("Enter filters the current page for “%1”").arg(query));
    } else if (rows == 0) {
        m_footer->setText(m_model->query().isEmpty() ? tr("Nothing to show here") : tr("No matching commands"));
    } else {
        const QString count = m_model->matchCount() > rows
                                  ? tr("Best %1 of %2").arg(rows).arg(m_model->matchCount())
                                  : (rows == 1 ? tr("1 result") : tr("%1 results").arg(rows));
        m_footer->setText(tr("%1 · ↑↓ to move · Enter to run · Esc to close").arg(count));
    }
}

void CommandPalette::updateGeometryInWindow()
{
    if (!m_window)
        return;
    const QRect area = m_window->rect();
    const int available = std::max(0, area.width() - 16);
    const int wanted = std::clamp(static_cast<int>(area.width() * kWidthShare), kMinimumWidth, kPreferredWidth);
    const int width = std::min(wanted, available);

    const int rows = std::min(m_model->rowCount(), kMaxVisibleRows);
    m_list->setVisible(rows > 0);
    if (rows > 0)
        m_list->setFixedHeight(rows * m_list->sizeHintForRow(0) + 2 * m_list->frameWidth());

    const int height = layout()->hasHeightForWidth() ? layout()->totalHeightForWidth(width)
                                                     : layout()->totalSizeHint().height();
    // Near the top, where the eye is after pressing the shortcut, and the list grows downwards
    // without the input moving.
    const int top = area.top() + area.height() / 8;
    setGeometry(area.left() + (area.width() - width) / 2, top, width,
                std::min(height, std::max(0, area.bottom() - top - 8)));
}

}  // namespace pilothouse::widgets::shell
