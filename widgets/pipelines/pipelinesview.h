// The Pipelines page: the context's Jenkins server (URL, user, API token; the token from the
// keychain when remembered), its jobs as a live tree with status, last build, duration and
// health, filtered as you type; the runs that wait for a person as approval cards above the tree;
// and for the selected job its runs × stages matrix and Build (with parameters).
#pragma once

#include "pipelines/jenkinsconnection.h"
#include "shell/page.h"

#include <QHash>
#include <QSet>
#include <QTimer>

#include <functional>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTreeView;
class QVBoxLayout;
class QWidget;

namespace pilothouse::models {
class JobTreeModel;
}

namespace pilothouse::widgets::shell {
class ActionRunner;
}

namespace pilothouse::widgets {

class ApprovalCard;
class RunMatrixView;

class PipelinesView : public shell::Page {
    Q_OBJECT

public:
    PipelinesView(JenkinsConnection *connection, const JenkinsPreset &preset = {}, QWidget *parent = nullptr);
    ~PipelinesView() override;

    JenkinsConnection *connection() const { return m_connection; }
    shell::ActionRunner *actionRunner() const { return m_runner; }

    // Connects with what the form holds.
    void connectToServer();

    // For tests and the shell.
    QString statusText() const;
    QString messageText() const;
    models::JobTreeModel *jobModel() const { return m_model; }
    QTreeView *jobTree() const { return m_tree; }
    QLineEdit *filterField() const { return m_filter; }
    RunMatrixView *runMatrix() const { return m_matrix; }
    QPushButton *buildButton() const { return m_build; }
    QList<ApprovalCard *> approvalCards() const;
    bool selectJob(const QStringList &path);
    QStringList selectedJob() const { return m_selectedJob; }
    // Reads the jobs (and what waits for input) now instead of at the next tick.
    void refresh();

    // Test hooks: the Build with parameters dialog (gets the definitions, returns the values or
    // nullopt for cancel).
    using ParametersHandler = std::function<std::optional<QList<backends::jenkins::BuildParameter>>(
        const QList<backends::jenkins::ParameterDefinition> &definitions)>;
    void setParametersHandler(ParametersHandler handler) { m_askParameters = std::move(handler); }

    // Builds the selected job: its parameter form first when it has parameters, then the
    // confirmation, the trigger, and the build number it became.
    void buildSelectedJob();

Q_SIGNALS:
    // Open a run's page (the shell opens "pipeline-run" with job and build).
    void openRunRequested(const QStringList &job, int build);
    void actionFinished(const QString &action, bool ok, const QString &message);

protected:
    void onReadOnlyChanged(const QString &reason) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    struct Waiting {
        int build = 0;
        backends::jenkins::PendingInput input;
    };
    void buildUi();
    void applyPreset(const JenkinsPreset &preset);
    void onStateChanged(JenkinsConnection::State state, const QString &status);
    void onJobs(const QList<backends::jenkins::JobNode> &jobs);
    void readPendingInputs(const QList<backends::jenkins::JobNode> &jobs);
    void applyJobs();
    void updateApprovalCards();
    void onSelectionChanged();
    void updateButtons();
    void setMessage(const QString &text, bool ok = true);
    void trigger(const QStringList &job, bool parameterized, const QList<backends::jenkins::BuildParameter> &parameters);
    void answerInput(ApprovalCard *card, bool proceed);
    std::optional<QList<backends::jenkins::BuildParameter>> askParameters(const QList<backends::jenkins::ParameterDefinition> &definitions);

    JenkinsConnection *m_connection;
    shell::ActionRunner *m_runner;
    models::JobTreeModel *m_model;
    QSortFilterProxyModel *m_proxy;

    QWidget *m_serverForm = nullptr;
    QLineEdit *m_url = nullptr;
    QLineEdit *m_user = nullptr;
    QLineEdit *m_token = nullptr;
    QLineEdit *m_caFile = nullptr;
    QCheckBox *m_insecure = nullptr;
    QCheckBox *m_remember = nullptr;
    QPushButton *m_connect = nullptr;
    QPushButton *m_disconnect = nullptr;
    QPushButton *m_editServer = nullptr;
    QLabel *m_status = nullptr;
    QLineEdit *m_filter = nullptr;
    QTreeView *m_tree = nullptr;
    QWidget *m_cardsBox = nullptr;
    QVBoxLayout *m_cards = nullptr;
    QLabel *m_jobTitle = nullptr;
    QLabel *m_jobFacts = nullptr;
    QPushButton *m_build = nullptr;
    QPushButton *m_openLast = nullptr;
    RunMatrixView *m_matrix = nullptr;
    QLabel *m_message = nullptr;

    QTimer m_poll;
    QTimer m_animation;
    bool m_reading = false;
    QList<backends::jenkins::JobNode> m_jobs;
    QHash<QString, Waiting> m_waiting;   // job full name → the input its running build waits for
    QSet<QString> m_answering;           // jobs whose input an answer is being sent for
    QStringList m_selectedJob;
    QString m_readOnlyReason;
    QSet<QString> m_triggering;          // jobs whose trigger is on its way to a build number
    int m_pendingReads = 0;
    ParametersHandler m_askParameters;
};

}  // namespace pilothouse::widgets
