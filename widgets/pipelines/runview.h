// A run of a Jenkins job as a page: its state, causes and parameters; the stage graph with
// parallel branches, the current stage live; the console streamed with colours and search; the
// approval card when it waits for input; Stop and Rebuild; and, when its GitOps stage committed an
// image, links to that commit and to the rollout running the image.
#pragma once

#include "pipelines/jenkinsconnection.h"
#include "shell/page.h"

#include <QTimer>

#include <functional>
#include <optional>

class QLabel;
class QPushButton;
class QSplitter;
class QVBoxLayout;

namespace pilothouse::backends::kube {
class KubeSession;
}

namespace pilothouse::widgets::shell {
class ActionRunner;
}

namespace pilothouse::widgets {

class ApprovalCard;
class ConsoleView;
class StageGraphView;

// Where a run's image went, read from its description ("Image registry/shop/storefront:1.4.3 ·
// GitOps commit 3f2a…", what a pipeline sets as currentBuild.description).
struct RunDelivery {
    QString image;       // repository:tag
    QString tag;
    QString commit;      // the GitOps commit's id
    static RunDelivery fromDescription(const QString &description);
    bool isEmpty() const { return image.isEmpty() && commit.isEmpty(); }
};

class RunView : public shell::Page {
    Q_OBJECT

public:
    // `session` (may be null) finds the rollout that runs the run's image.
    RunView(JenkinsConnection *connection, const QStringList &job, int build, backends::kube::KubeSession *session = nullptr,
            QWidget *parent = nullptr);
    ~RunView() override;

    QStringList job() const { return m_job; }
    int buildNumber() const { return m_build; }
    shell::ActionRunner *actionRunner() const { return m_runner; }

    // For tests.
    std::optional<backends::jenkins::RunInfo> run() const { return m_run; }
    std::optional<backends::jenkins::BuildInfo> buildInfo() const { return m_info; }
    ApprovalCard *approvalCard() const { return m_card; }
    StageGraphView *stageGraph() const { return m_graph; }
    ConsoleView *console() const { return m_console; }
    QPushButton *stopButton() const { return m_stop; }
    QPushButton *rebuildButton() const { return m_rebuild; }
    QString messageText() const;
    QString deliveryText() const;
    void refresh();

    using ParametersHandler = std::function<std::optional<QList<backends::jenkins::BuildParameter>>(
        const QList<backends::jenkins::ParameterDefinition> &definitions, const QList<backends::jenkins::BuildParameter> &previous)>;
    void setParametersHandler(ParametersHandler handler) { m_askParameters = std::move(handler); }

    void stopRun();
    void rebuild();

Q_SIGNALS:
    void actionFinished(const QString &action, bool ok, const QString &message);
    // Open another page: a run (a rebuild), the GitOps page, a rollout.
    void openRunRequested(const QStringList &job, int build);
    void openPageRequested(const QString &pageId, const QVariantMap &args);

protected:
    void onReadOnlyChanged(const QString &reason) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void buildUi();
    void onDescribed(const backends::jenkins::RunInfo &run);
    void showHeader();
    void showApproval(const std::optional<backends::jenkins::PendingInput> &input);
    void showDelivery();
    void findRollout();
    void updateButtons();
    void setMessage(const QString &text, bool ok = true);
    void answerInput(bool proceed);

    JenkinsConnection *m_connection;
    QStringList m_job;
    int m_build;
    backends::kube::KubeSession *m_session;
    shell::ActionRunner *m_runner;

    QLabel *m_title = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_facts = nullptr;
    QLabel *m_parameters = nullptr;
    QLabel *m_delivery = nullptr;
    QPushButton *m_stop = nullptr;
    QPushButton *m_rebuild = nullptr;
    QVBoxLayout *m_cardSlot = nullptr;
    ApprovalCard *m_card = nullptr;
    QSplitter *m_split = nullptr;
    bool m_splitMoved = false;  // the operator sized the graph: it keeps that size
    StageGraphView *m_graph = nullptr;
    ConsoleView *m_console = nullptr;
    QLabel *m_message = nullptr;

    QTimer m_poll;
    bool m_reading = false;
    bool m_finishedRead = false;   // the last read after the run ended was made
    std::optional<backends::jenkins::RunInfo> m_run;
    std::optional<backends::jenkins::BuildInfo> m_info;
    QList<backends::jenkins::StageInfo> m_tree;   // stages/tree: parallel branches
    RunDelivery m_deliveryInfo;
    QString m_rolloutNamespace, m_rolloutName, m_rolloutState, m_rolloutError;
    QObject *m_rolloutWatch = nullptr;
    QString m_readOnlyReason;
    bool m_busy = false;
    bool m_answering = false;  // a proceed or abort is on its way
    ParametersHandler m_askParameters;
};

}  // namespace pilothouse::widgets
