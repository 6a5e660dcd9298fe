// The console view: toolbar (Follow, search), the painted line list, the status line.
#include "pipelines/consoleview.h"

#include "pipelines/consolelinedelegate.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QScrollBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace pilothouse::widgets {

using models::ConsoleFollower;
using models::ConsoleModel;

ConsoleView::ConsoleView(backends::jenkins::JenkinsClient *client, QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("consoleView"));
    m_model = new ConsoleModel(this);
    m_follower = new ConsoleFollower(client, this);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    auto *bar = new QHBoxLayout;
    bar->setSpacing(2);
    m_followButton = new QToolButton(this);
    m_followButton->setObjectName(QStringLiteral("consoleFollow"));
    m_followButton->setText(tr("Follow"));
    m_followButton->setToolTip(tr("Keep the newest line in view (scrolling up pauses it; End resumes)"));
    m_followButton->setCheckable(true);
    m_followButton->setChecked(true);
    m_followButton->setAutoRaise(true);
    bar->addWidget(m_followButton);
    bar->addStretch(1);
    m_searchEdit = new QLineEdit(this);
    m_searchEdit->setObjectName(QStringLiteral("consoleSearch"));
    m_searchEdit->setPlaceholderText(tr("Find in the console (Ctrl+F)"));
    m_searchEdit->setClearButtonEnabled(true);
    m_searchEdit->setMinimumWidth(220);
    m_prevButton = new QToolButton(this);
    m_prevButton->setObjectName(QStringLiteral("consoleSearchPrevious"));
    m_prevButton->setArrowType(Qt::UpArrow);
    m_prevButton->setToolTip(tr("Previous match (Shift+Enter, Shift+F3)"));
    m_prevButton->setAutoRaise(true);
    m_nextButton = new QToolButton(this);
    m_nextButton->setObjectName(QStringLiteral("consoleSearchNext"));
    m_nextButton->setArrowType(Qt::DownArrow);
    m_nextButton->setToolTip(tr("Next match (Enter, F3)"));
    m_nextButton->setAutoRaise(true);
    m_matchLabel = new QLabel(this);
    m_matchLabel->setObjectName(QStringLiteral("consoleMatchCount"));
    m_matchLabel->setMinimumWidth(m_matchLabel->fontMetrics().horizontalAdvance(QStringLiteral("00,000 of 00,000")));
    bar->addWidget(m_searchEdit);
    bar->addWidget(m_prevButton);
    bar->addWidget(m_nextButton);
    bar->addWidget(m_matchLabel);
    layout->addLayout(bar);

    m_list = new QListView(this);
    m_list->setObjectName(QStringLiteral("consoleList"));
    m_list->setUniformItemSizes(true);
    m_list->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // Per item: the scrollbar counts rows, and the top row is always whole, as in a terminal.
    m_list->setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    m_list->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_list->setModel(m_model);
    m_delegate = new ConsoleLineDelegate(m_model, m_list);
    m_list->setItemDelegate(m_delegate);
    m_list->installEventFilter(this);
    layout->addWidget(m_list, 1);

    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("consoleStatus"));
    m_statusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A long error must not widen the window: the whole text is in the tooltip.
    m_statusLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(m_statusLabel);

    connect(m_follower, &ConsoleFollower::linesReceived, m_model, &ConsoleModel::appendLines);
    connect(m_follower, &ConsoleFollower::stateChanged, this, [this](ConsoleFollower::State state) {
        updateStatus();
        if (state == ConsoleFollower::State::Retrying)
            m_clock.start();
        else
            m_clock.stop();
    });
    connect(m_follower, &ConsoleFollower::finished, this, [this] {
        updateStatus();
        Q_EMIT finished();
    });

    QScrollBar *vsb = m_list->verticalScrollBar();
    connect(vsb, &QScrollBar::rangeChanged, this, [this] {
        if (m_follow)
            scrollToEnd();
    });
    connect(vsb, &QScrollBar::valueChanged, this, &ConsoleView::onScrolled);
    // The bound drops lines above the ones being read: the view moves up with them (and down
    // for the notice row that appears once), so the text under the reader's eyes stays put.
    auto shift = [this](int rows) {
        if (m_follow)
            return;
        QScrollBar *sb = m_list->verticalScrollBar();
        const QSignalBlocker block(sb);
        sb->setValue(std::max(0, sb->value() + rows));
    };
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, [shift](const QModelIndex &, int first, int last) {
        if (first <= 1)
            shift(-(last - first + 1));
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this, shift](const QModelIndex &, int first) {
        if (first == 0 && m_model->hasNotice() && m_model->rowCount() > 1)
            shift(1);
    });
    m_refreshSoon.setSingleShot(true);
    m_refreshSoon.setInterval(250);
    connect(&m_refreshSoon, &QTimer::timeout, this, [this] {
        updateStatus();
        updateMatchLabel();
    });
    auto soon = [this] {
        if (!m_refreshSoon.isActive())
            m_refreshSoon.start();
    };
    connect(m_model, &QAbstractItemModel::rowsInserted, this, soon);
    connect(m_model, &QAbstractItemModel::modelReset, this, soon);
    connect(m_model, &ConsoleModel::matchCountChanged, this, soon);
    m_clock.setInterval(1000);
    connect(&m_clock, &QTimer::timeout, this, &ConsoleView::updateStatus);

    m_searchTimer.setSingleShot(true);
    m_searchTimer.setInterval(150);
    connect(&m_searchTimer, &QTimer::timeout, this, [this] {
        applySearch();
        // Find as you type: the first match from the line in view on.
        const QModelIndex top = m_list->indexAt(QPoint(0, 0));
        const int from = m_list->currentIndex().isValid() ? m_list->currentIndex().row() - 1 : top.isValid() ? top.row() - 1 : -1;
        if (!m_model->searchText().isEmpty())
            jumpTo(m_model->findNext(from));
        updateMatchLabel();
    });
    connect(m_searchEdit, &QLineEdit::textChanged, this, [this] { m_searchTimer.start(); });
    connect(m_searchEdit, &QLineEdit::returnPressed, this, [this] {
        if (QApplication::keyboardModifiers() & Qt::ShiftModifier)
            findPrevious();
        else
            findNext();
    });
    connect(m_nextButton, &QToolButton::clicked, this, &ConsoleView::findNext);
    connect(m_prevButton, &QToolButton::clicked, this, &ConsoleView::findPrevious);
    connect(m_followButton, &QToolButton::toggled, this, &ConsoleView::setFollow);

    auto shortcut = [this](const QKeySequence &keys, auto slot) {
        auto *a = new QAction(this);
        a->setShortcut(keys);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(a, &QAction::triggered, this, slot);
        addAction(a);
    };
    shortcut(QKeySequence::Find, [this] {
        m_searchEdit->setFocus();
        m_searchEdit->selectAll();
    });
    shortcut(QKeySequence::FindNext, [this] { findNext(); });
    shortcut(QKeySequence::FindPrevious, [this] { findPrevious(); });
    shortcut(QKeySequence::Copy, [this] { copySelection(); });
    updateStatus();
}

ConsoleView::~ConsoleView()
{
    // No batch may reach the model while it goes.
    m_follower->stop();
    m_follower->disconnect(this);
    m_follower->disconnect(m_model);
}

void ConsoleView::follow(const QStringList &job, int build)
{
    m_follower->stop();
    m_model->clear();
    setFollow(true);
    m_follower->setKeepLines(m_model->maxLines());
    m_follower->follow(job, build);
    updateStatus();
}

void ConsoleView::stopFollowing()
{
    m_follower->stop();
    updateStatus();
}

bool ConsoleView::jumpToStage(const QString &stageName)
{
    const int row = m_model->rowOfStage(stageName);
    if (row < 0)
        return false;
    setFollow(false);
    const QModelIndex idx = m_model->index(row);
    m_list->setCurrentIndex(idx);
    m_list->scrollTo(idx, QAbstractItemView::PositionAtTop);
    return true;
}

void ConsoleView::setFollow(bool follow)
{
    m_follow = follow;
    if (m_followButton->isChecked() != follow) {
        const QSignalBlocker block(m_followButton);
        m_followButton->setChecked(follow);
    }
    if (follow)
        scrollToEnd();
}

void ConsoleView::scrollToEnd()
{
    m_scrolling = true;
    m_list->verticalScrollBar()->setValue(m_list->verticalScrollBar()->maximum());
    m_scrolling = false;
}

void ConsoleView::onScrolled(int value)
{
    if (m_scrolling)
        return;
    // Like a terminal: away from the end pauses following, back at the end resumes it.
    const bool atEnd = value >= m_list->verticalScrollBar()->maximum();
    if (atEnd != m_follow)
        setFollow(atEnd);
}

bool ConsoleView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_list && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_End) {
            setFollow(true);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ConsoleView::applySearch()
{
    m_searchTimer.stop();
    m_model->setSearchText(m_searchEdit->text());
}

void ConsoleView::findNext()
{
    applySearch();
    jumpTo(m_model->findNext(m_list->currentIndex().isValid() ? m_list->currentIndex().row() : -1));
}

void ConsoleView::findPrevious()
{
    applySearch();
    jumpTo(m_model->findPrevious(m_list->currentIndex().isValid() ? m_list->currentIndex().row() : -1));
}

void ConsoleView::jumpTo(int row)
{
    if (row >= 0) {
        // Reading a match: new lines must not pull the view away.
        setFollow(false);
        const QModelIndex idx = m_model->index(row);
        m_list->setCurrentIndex(idx);
        m_list->scrollTo(idx, QAbstractItemView::PositionAtCenter);
    }
    updateMatchLabel();
}

void ConsoleView::updateMatchLabel()
{
    QString text;
    if (!m_model->searchText().isEmpty()) {
        const QLocale locale;
        const int n = m_model->matchCount();
        const int ordinal = m_list->currentIndex().isValid() ? m_model->matchOrdinal(m_list->currentIndex().row()) : 0;
        if (n == 0)
            text = tr("no matches");
        else if (ordinal > 0)
            text = tr("%1 of %2").arg(locale.toString(ordinal), locale.toString(n));
        else
            text = n == 1 ? tr("1 match") : tr("%1 matches").arg(locale.toString(n));
    }
    m_matchLabel->setText(text);
}

QString ConsoleView::statusText() const
{
    const QLocale locale;
    const qint64 total = m_model->totalLines();
    const QString lines = total == 1 ? tr("1 line") : tr("%1 lines").arg(locale.toString(total));
    QString text;
    switch (m_follower->state()) {
    case ConsoleFollower::State::Idle:
        text = m_follower->build() > 0 ? tr("stopped · %1").arg(lines) : tr("no build");
        break;
    case ConsoleFollower::State::Streaming:
        text = tr("streaming… %1").arg(lines);
        break;
    case ConsoleFollower::State::Retrying: {
        const qint64 left = std::max<qint64>(0, m_follower->retryAtMsecs() - QDateTime::currentMSecsSinceEpoch());
        text = tr("retrying in %1 s: %2 · %3").arg((left + 999) / 1000).arg(m_follower->errorText(), lines);
        break;
    }
    case ConsoleFollower::State::Complete:
        text = tr("complete · %1").arg(lines);
        break;
    case ConsoleFollower::State::Failed:
        text = tr("error: %1 · %2").arg(m_follower->errorText(), lines);
        break;
    }
    if (m_model->droppedLines() > 0)
        text += tr(" (the first %1 not kept)").arg(locale.toString(m_model->droppedLines()));
    return text;
}

void ConsoleView::updateStatus()
{
    const QString text = statusText();
    if (text == m_lastStatus)
        return;
    m_lastStatus = text;
    m_statusLabel->setText(text);
    m_statusLabel->setToolTip(text);
    Q_EMIT statusChanged(text);
}

void ConsoleView::copySelection()
{
    QModelIndexList rows = m_list->selectionModel()->selectedRows();
    if (rows.isEmpty() && m_list->currentIndex().isValid())
        rows << m_list->currentIndex();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QStringList lines;
    for (const QModelIndex &i : rows)
        lines << i.data(ConsoleModel::TextRole).toString();
    if (!lines.isEmpty())
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
}

}  // namespace pilothouse::widgets
