// A Jenkins build's live console: streams logText/progressiveText into a bounded line model (the
// follower parses off the GUI thread), paints ANSI colours in the theme's palette with line
// numbers, follows the end like a terminal (scrolling up pauses, End resumes), finds as you type
// ("3 of 41"), jumps to a stage's log and copies the selected lines. The status line says
// "streaming… 12,345 lines", "complete" or the error.
#pragma once

#include "common/lineviewparts.h"
#include "pipelines/consolefollower.h"
#include "pipelines/consolemodel.h"

#include <QTimer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListView;
class QToolButton;

namespace pilothouse::backends::jenkins {
class JenkinsClient;
}

namespace pilothouse::widgets {

class ConsoleLineDelegate;
class TailFollower;

class ConsoleView : public QWidget {
    Q_OBJECT

public:
    explicit ConsoleView(backends::jenkins::JenkinsClient *client, QWidget *parent = nullptr);
    ~ConsoleView() override;

    // Clears and streams build `build` of `job` from its first byte.
    void follow(const QStringList &job, int build);
    void stopFollowing();
    // Shows the line that opens the stage ("[Pipeline] { (name)") at the top and selects it;
    // false when that line has not come yet or the bound dropped it.
    bool jumpToStage(const QString &stageName);

    bool isFollowing() const;
    bool isComplete() const { return m_follower->state() == models::ConsoleFollower::State::Complete; }
    QString statusText() const;

    models::ConsoleModel *model() const { return m_model; }
    models::ConsoleFollower *follower() const { return m_follower; }
    QListView *listView() const { return m_list; }
    QLineEdit *searchEdit() const { return m_find.edit; }
    QToolButton *followButton() const { return m_followButton; }
    QToolButton *searchNextButton() const { return m_find.next; }
    QToolButton *searchPreviousButton() const { return m_find.previous; }
    QLabel *matchLabel() const { return m_find.count; }
    QLabel *statusLabel() const { return m_statusLabel; }

public Q_SLOTS:
    // Keep the newest line in view as lines arrive.
    void setFollow(bool follow);
    void findNext();
    void findPrevious();
    // The selected lines (or the current one) as plain text on the clipboard.
    void copySelection();

Q_SIGNALS:
    // The whole console has been read.
    void finished();
    void statusChanged(const QString &text);

private:
    void applySearch();
    void jumpTo(int row);
    void updateMatchLabel();
    void updateStatus();

    models::ConsoleModel *m_model = nullptr;
    models::ConsoleFollower *m_follower = nullptr;
    QListView *m_list = nullptr;
    ConsoleLineDelegate *m_delegate = nullptr;
    TailFollower *m_tail = nullptr;
    QToolButton *m_followButton = nullptr;
    FindBar m_find;
    QLabel *m_statusLabel = nullptr;
    QTimer m_refreshSoon;  // counts after a batch, a few times a second at most
    QTimer m_searchTimer;  // debounces typing
    QTimer m_clock;        // the retry countdown
    QString m_lastStatus;
};

}  // namespace pilothouse::widgets
