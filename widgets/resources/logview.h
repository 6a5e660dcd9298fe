// The log viewer: one pod's container (with its previous instance) or a workload's pods merged
// with coloured pod prefixes; follows the end like a terminal, searches, and shows the stream's
// state (streaming / reconnecting in N s / ended: reason) in a status line.
#pragma once

#include "shell/page.h"
#include "workloads/logs/logstream.h"
#include "workloads/logs/workloadlogs.h"
#include "logfilterproxymodel.h"
#include "logmodel.h"

#include <QMap>
#include <QPointer>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QToolButton;

namespace pilothouse::backends::kube {
class KubeSession;
class KubeClient;
}

namespace pilothouse::widgets {

class LogLineDelegate;
class TailFollower;

class LogView : public shell::Page {
    Q_OBJECT

public:
    enum class Mode { Pod, Workload };
    using Labels = QMap<QString, QString>;

    // Views over the session's current client (KubeSession::client()). They stop by themselves,
    // with "disconnected" in the status line, before the session replaces that client (context
    // or namespace switch) or disconnects. Null when the session is not connected.
    // `containers` in spec order; the first is shown first.
    static LogView *forPod(backends::kube::KubeSession *session, const QString &ns, const QString &pod, const QStringList &containers,
                           QWidget *parent = nullptr);
    // Every pod of `workload` (a Deployment's name, for the title) that `matchLabels` selects
    // (its spec.selector.matchLabels), merged.
    static LogView *forWorkload(backends::kube::KubeSession *session, const QString &ns, const QString &workload,
                                const Labels &matchLabels, QWidget *parent = nullptr);
    // From informer snapshots (rows of the pod / deployment tables): containers and selector are
    // read from the object's JSON.
    static LogView *forPodObject(backends::kube::KubeSession *session, const backends::kube::KubeObjectPtr &pod, QWidget *parent = nullptr);
    static LogView *forWorkloadObject(backends::kube::KubeSession *session, const backends::kube::KubeObjectPtr &workload,
                                      QWidget *parent = nullptr);

    ~LogView() override;

    Mode mode() const { return m_mode; }
    QString ns() const { return m_ns; }
    QString target() const { return m_target; }  // the pod or the workload's name

    // Lines kept (the ring buffer's bound); default models::LogModel::kDefaultCapacity.
    void setCapacity(int lines);
    int capacity() const;
    // Lines each new stream asks for first (default 1000 for a pod, 200 per container merged).
    // Takes effect on the next (re)start.
    void setTailLines(int lines) { m_tailLines = lines; }
    // Tests shorten the reconnect backoff; takes effect on the next (re)start.
    void setBackoff(int initialMs, int maxMs);

    // Cancels every stream; the status line says `reason` ("stopped" when empty).
    void stop(const QString &reason = {});
    // Restarts the streams (after stop(), or to read again from the tail).
    void restart();

    bool isFollowing() const;
    QString statusText() const;

    // Parts, for tests and for the window that hosts the view.
    models::LogModel *model() const { return m_model; }
    models::LogFilterProxyModel *proxy() const { return m_proxy; }
    QListView *listView() const { return m_list; }
    QComboBox *containerPicker() const { return m_containerPicker; }
    QToolButton *followButton() const { return m_followButton; }
    QToolButton *timestampsButton() const { return m_timestampsButton; }
    QToolButton *previousButton() const { return m_previousButton; }
    QLineEdit *searchEdit() const { return m_searchEdit; }
    QToolButton *searchNextButton() const { return m_nextButton; }
    QToolButton *searchPreviousButton() const { return m_prevButton; }
    QToolButton *onlyMatchingButton() const { return m_onlyMatchingButton; }
    QLabel *matchLabel() const { return m_matchLabel; }
    QToolButton *clearButton() const { return m_clearButton; }
    QLabel *statusLabel() const { return m_statusLabel; }
    backends::workloads::LogStream *logStream() const { return m_stream; }
    backends::workloads::WorkloadLogs *workloadLogs() const { return m_workload; }

public Q_SLOTS:
    // Auto-scroll to the end as lines arrive; scrolling up turns it off, back to the end on.
    void setFollow(bool follow);
    // Select and show the next / previous line matching the search field (wraps).
    void findNext();
    void findPrevious();

Q_SIGNALS:
    // The status line's text changed (stream state, line count, countdown).
    void statusChanged(const QString &text);

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    LogView(Mode mode, backends::kube::KubeClient *client, const QString &ns, const QString &target, QWidget *parent);
    void buildUi();
    void followSession(backends::kube::KubeSession *session);
    void startStreams();
    void stopStreams();
    void jumpTo(int sourceRow);
    void updateMatchLabel();
    void updateStatus();
    void copySelection();
    QString podStatus() const;
    QString workloadStatus() const;

    Mode m_mode;
    QPointer<backends::kube::KubeClient> m_client;
    QPointer<backends::kube::KubeSession> m_session;  // where a workload's pods are watched
    QString m_ns;
    QString m_target;
    QStringList m_containers;  // Pod mode
    Labels m_selector;         // Workload mode
    int m_tailLines = 1000;
    int m_backoffInitialMs = 800;
    int m_backoffMaxMs = 30000;
    QString m_stoppedReason;

    models::LogModel *m_model = nullptr;
    models::LogFilterProxyModel *m_proxy = nullptr;
    backends::workloads::LogStream *m_stream = nullptr;
    backends::workloads::WorkloadLogs *m_workload = nullptr;

    QListView *m_list = nullptr;
    LogLineDelegate *m_delegate = nullptr;
    TailFollower *m_tail = nullptr;
    QComboBox *m_containerPicker = nullptr;
    QToolButton *m_followButton = nullptr;
    QToolButton *m_timestampsButton = nullptr;
    QToolButton *m_previousButton = nullptr;
    QLineEdit *m_searchEdit = nullptr;
    QToolButton *m_nextButton = nullptr;
    QToolButton *m_prevButton = nullptr;
    QToolButton *m_onlyMatchingButton = nullptr;
    QLabel *m_matchLabel = nullptr;
    QToolButton *m_clearButton = nullptr;
    QLabel *m_statusLabel = nullptr;
    QTimer m_statusTimer;   // countdowns, once a second
    QTimer m_refreshSoon;   // line and match counts after the model changed
    QTimer m_searchTimer;   // debounces typing in the search field
    int m_currentMatch = -1;  // source row of the match last jumped to
    QString m_lastStatus;
};

}  // namespace pilothouse::widgets
