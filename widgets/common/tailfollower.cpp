// Following a list's end.
#include "common/tailfollower.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QKeyEvent>
#include <QScrollBar>

#include <algorithm>

namespace pilothouse::widgets {

TailFollower::TailFollower(QAbstractItemView *list, QAbstractButton *toggle) : QObject(list), m_list(list), m_toggle(toggle)
{
    QScrollBar *vsb = list->verticalScrollBar();
    connect(vsb, &QScrollBar::rangeChanged, this, [this] {
        if (m_follow)
            scrollToEnd();
    });
    connect(vsb, &QScrollBar::valueChanged, this, &TailFollower::onScrolled);
    if (m_toggle) {
        m_toggle->setChecked(m_follow);
        connect(m_toggle, &QAbstractButton::toggled, this, &TailFollower::setFollow);
    }
    list->installEventFilter(this);
}

void TailFollower::setFollow(bool follow)
{
    const bool changed = follow != m_follow;
    m_follow = follow;
    if (m_toggle && m_toggle->isChecked() != follow) {
        const QSignalBlocker block(m_toggle);
        m_toggle->setChecked(follow);
    }
    if (follow)
        scrollToEnd();
    if (changed)
        Q_EMIT followChanged(follow);
}

void TailFollower::scrollToEnd()
{
    if (!m_list)
        return;
    m_scrolling = true;
    m_list->verticalScrollBar()->setValue(m_list->verticalScrollBar()->maximum());
    m_scrolling = false;
}

void TailFollower::onScrolled(int value)
{
    if (m_scrolling || !m_list)
        return;
    const bool atEnd = value >= m_list->verticalScrollBar()->maximum();
    if (atEnd != m_follow)
        setFollow(atEnd);
}

void TailFollower::shiftRows(int rows)
{
    if (m_follow || !m_list || rows == 0)
        return;
    QScrollBar *vsb = m_list->verticalScrollBar();
    m_scrolling = true;
    vsb->setValue(std::max(0, vsb->value() + rows));
    m_scrolling = false;
}

bool TailFollower::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_list && event->type() == QEvent::KeyPress && static_cast<QKeyEvent *>(event)->key() == Qt::Key_End
        && static_cast<QKeyEvent *>(event)->modifiers() == Qt::NoModifier) {
        setFollow(true);
        return true;
    }
    return QObject::eventFilter(watched, event);
}

}  // namespace pilothouse::widgets
