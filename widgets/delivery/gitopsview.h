// The GitOps view: the deployment repository's recent commits with the selected one's diff, and
// the two changes an operator makes there, "Bump image…" and "Revert commit…". Each is shown as
// a diff, confirmed, committed with the configured author, pushed without force and audited; when
// someone pushed in between, the change is re-applied on their commit and confirmed again.
#pragma once

#include "shell/page.h"
#include "actions/auditlog.h"
#include "gitops/gitopsclient.h"
#include "delivery/imagebumpdialog.h"

#include <QTimer>
#include <QWidget>

#include <functional>
#include <optional>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTreeView;

namespace pilothouse::models {
class GitOpsCommitModel;
}

namespace pilothouse::widgets::shell {
class ActionRunner;
}

namespace pilothouse::widgets {

class GitOpsView : public shell::Page {
    Q_OBJECT

public:
    // `audit` may be null (no audit log); every push is written to it otherwise. Fetches at once
    // when the settings name a repository.
    GitOpsView(const backends::gitops::GitOpsSettings &settings, backends::actions::AuditLog *audit, QWidget *parent = nullptr);
    ~GitOpsView() override;

    backends::gitops::GitOpsClient *client() const { return m_client; }
    backends::gitops::GitOpsSettings settings() const;  // as the form holds them

    // Takes the form's settings and fetches the branch.
    void refresh();
    // The "Bump image…" flow without its input dialog, and "Revert commit…" for a given commit.
    void bumpImage(const BumpRequest &request);
    void revertCommit(const QString &sha);

    // For tests and the main window.
    QString statusText() const;   // "main at 1a2b3c4 · 12 commits · fetched 10:02:03", or the fetch error
    QString messageText() const;  // the outcome of the last change
    QTreeView *commitsView() const { return m_commits; }
    models::GitOpsCommitModel *commitModel() const { return m_commitModel; }
    QPlainTextEdit *diffView() const { return m_diff; }
    QString selectedCommit() const;
    bool selectCommit(const QString &sha);
    QStringList manifests() const { return m_state.manifests; }

    // Replace the modal dialogs (tests). The confirmation gets the summary (what is pushed where,
    // by whom; says so when the change was re-applied after the branch moved) and the diff.
    void setConfirmHandler(std::function<bool(const QString &summary, const QString &diff)> handler) { m_confirm = std::move(handler); }
    void setBumpRequestHandler(std::function<std::optional<BumpRequest>(const QStringList &manifests)> handler) { m_bumpRequest = std::move(handler); }

protected:
    void onReadOnlyChanged(const QString &) override { updateButtons(); }

signals:
    // The operator fetched with edited settings (the main window stores them).
    void settingsChanged(const pilothouse::backends::gitops::GitOpsSettings &settings);
    void refreshed(bool ok);
    void actionFinished(const QString &action, bool ok, const QString &message);

private:
    void buildUi();
    void onSynced(const backends::Result<backends::gitops::RepositoryState> &state);
    void onSelectionChanged();
    void onCommitDiff(const QString &sha, const backends::Result<QString> &diff);
    void onChangePrepared(const backends::Result<backends::gitops::PendingChange> &change);
    void onPushFinished(const backends::Result<backends::gitops::PushOutcome> &outcome);
    void confirmAndPush(const backends::gitops::PendingChange &change);
    void startBump();
    void startRevert();
    void finish(bool ok, const QString &message);
    void updateAges();
    void updateButtons();

    backends::gitops::GitOpsClient *m_client = nullptr;

    QLineEdit *m_url = nullptr;
    QLineEdit *m_branch = nullptr;
    QLineEdit *m_localPath = nullptr;
    QLineEdit *m_authorName = nullptr;
    QLineEdit *m_authorEmail = nullptr;
    shell::ActionRunner *m_runner = nullptr;  // the sequence every page's changes follow
    std::function<void(bool, const QString &)> m_pushReply;  // the runner's push in flight
    QPushButton *m_fetch = nullptr;
    QLabel *m_status = nullptr;
    models::GitOpsCommitModel *m_commitModel = nullptr;
    QTreeView *m_commits = nullptr;
    QLabel *m_details = nullptr;
    QPlainTextEdit *m_diff = nullptr;
    QPushButton *m_bump = nullptr;
    QPushButton *m_revert = nullptr;
    QLabel *m_message = nullptr;

    backends::gitops::RepositoryState m_state;
    bool m_synced = false;
    bool m_fetching = false;
    bool m_applyingFetch = false;  // the commit list is being replaced: selection signals wait
    QString m_action;          // "bump" or "revert" while a change is in flight
    QTimer m_ageTimer;
    std::function<bool(const QString &, const QString &)> m_confirm;
    std::function<std::optional<BumpRequest>(const QStringList &)> m_bumpRequest;
};

}  // namespace pilothouse::widgets
