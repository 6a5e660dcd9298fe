// The console view: toolbar (Follow, search), the painted line list, the status line.
#include "pipelines/consoleview.h"

#include "common/lineviewparts.h"
#include "common/tailfollower.h"
#include "pipelines/consolelinedelegate.h"

#include <QApplication>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
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
    m_find = addFindBar(bar, this, QStringLiteral("console"), tr("Find in the console (Ctrl+F)"));
    layout->addLayout(bar);

    m_list = newLineList(this, QStringLiteral("consoleList"));
    m_list->setModel(m_model);
    m_delegate = new ConsoleLineDelegate(m_model, m_list);
    m_list->setItemDelegate(m_delegate);
    m_tail = new TailFollower(m_list, m_followButton);
    layout->addWidget(m_list, 1);

    m_statusLabel = newStatusLine(this, QStringLiteral("consoleStatus"));
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

    // The bound drops lines above the ones being read (and the notice row appears once).
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, [this](const QModelIndex &, int first, int last) {
        if (first <= 1)
            m_tail->shiftRows(-(last - first + 1));
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &, int first) {
        if (first == 0 && m_model->hasNotice() && m_model->rowCount() > 1)
            m_tail->shiftRows(1);
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
    connectFindBar(this, m_find, &m_searchTimer, [this] { findNext(); }, [this] { findPrevious(); }, [this] { copySelection(); });
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

bool ConsoleView::isFollowing() const { return m_tail->isFollowing(); }

void ConsoleView::setFollow(bool follow) { m_tail->setFollow(follow); }

void ConsoleView::applySearch()
{
    m_searchTimer.stop();
    m_model->setSearchText(m_find.edit->text());
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
    const QModelIndex current = m_list->currentIndex();
    m_find.count->setText(matchCountText(!m_model->searchText().isEmpty(), current.isValid() ? m_model->matchOrdinal(current.row()) : 0,
                                         m_model->matchCount()));
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

void ConsoleView::copySelection() { copyLines(m_list, ConsoleModel::TextRole); }

}  // namespace pilothouse::widgets
