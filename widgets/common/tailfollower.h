// Following a list's end like a terminal, for the views of text lines (the pod log viewer, the
// Jenkins console): scrolling away pauses it, back at the end or End resumes it, and rows dropped
// above the reader move the view with them.
#pragma once

#include <QObject>
#include <QPointer>

class QAbstractButton;
class QAbstractItemView;

namespace pilothouse::widgets {

class TailFollower : public QObject {
    Q_OBJECT

public:
    // Follows `list`'s end (it is the parent); `toggle`, checkable and optional, shows the state
    // and sets it when clicked.
    TailFollower(QAbstractItemView *list, QAbstractButton *toggle);

    bool isFollowing() const { return m_follow; }
    void setFollow(bool follow);
    // `rows` rows above the reader went (negative) or came (positive): unless following, the view
    // moves with them so that the text being read stays put (per-item scrolling: a row a step).
    void shiftRows(int rows);

Q_SIGNALS:
    void followChanged(bool following);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void scrollToEnd();
    void onScrolled(int value);

    QPointer<QAbstractItemView> m_list;
    QPointer<QAbstractButton> m_toggle;
    bool m_follow = true;
    bool m_scrolling = false;  // our own scrollbar moves, not the reader's
};

}  // namespace pilothouse::widgets
