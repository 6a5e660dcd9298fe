// GitOpsClient drives everything; this file turns its results into the list, the diff, the
// confirmations and the message line. The GUI thread never waits on git.
#include "delivery/gitopsview.h"

#include "shell/actionrunner.h"

#include "common/diffdialog.h"
#include "delivery/gitopscommitmodel.h"

#include <QDateTime>
#include <QPointer>
#include <QScopedValueRollback>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTreeView>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using namespace backends;
using namespace backends::gitops;

using models::GitOpsCommitModel;

GitOpsView::GitOpsView(const GitOpsSettings &settings, actions::AuditLog *audit, QWidget *parent)
    : shell::Page(parent), m_client(new GitOpsClient(settings, {}, this)), m_runner(new shell::ActionRunner(this, this))
{
    setObjectName(QStringLiteral("gitOpsView"));
    m_client->setAuditLog(audit);
    buildUi();
    m_url->setText(settings.url);
    m_branch->setText(settings.branch);
    m_localPath->setText(settings.localPath);
    m_authorName->setText(settings.authorName);
    m_authorEmail->setText(settings.authorEmail);

    connect(m_client, &GitOpsClient::synced, this, &GitOpsView::onSynced);
    connect(m_client, &GitOpsClient::commitDiffLoaded, this, &GitOpsView::onCommitDiff);
    connect(m_client, &GitOpsClient::changePrepared, this, &GitOpsView::onChangePrepared);
    connect(m_client, &GitOpsClient::pushFinished, this, &GitOpsView::onPushFinished);
    connect(m_client, &GitOpsClient::auditFailed, this, [this](const QString &error) {
        m_message->setText(m_message->text() + tr(" (the audit log could not be written: %1)").arg(error));
    });
    m_ageTimer.setInterval(30000);
    connect(&m_ageTimer, &QTimer::timeout, this, &GitOpsView::updateAges);
    m_ageTimer.start();
    updateButtons();
    if (!settings.url.isEmpty())
        refresh();
    else
        m_status->setText(tr("Set the deployment repository's URL and fetch."));
}

GitOpsView::~GitOpsView() = default;

void GitOpsView::buildUi()
{
    auto line = [this](const QString &name, const QString &placeholder) {
        auto *e = new QLineEdit(this);
        e->setObjectName(name);
        e->setPlaceholderText(placeholder);
        return e;
    };
    m_url = line(QStringLiteral("gitopsUrl"), tr("git://host/deploy.git, https://… or ssh://…"));
    m_branch = line(QStringLiteral("gitopsBranch"), QStringLiteral("main"));
    m_localPath = line(QStringLiteral("gitopsLocalPath"), tr("default: in the application's data folder"));
    m_authorName = line(QStringLiteral("gitopsAuthorName"), tr("name for commits"));
    m_authorEmail = line(QStringLiteral("gitopsAuthorEmail"), tr("email for commits"));
    m_fetch = new QPushButton(tr("Fetch"), this);
    m_fetch->setObjectName(QStringLiteral("gitopsFetch"));
    m_fetch->setToolTip(tr("Clones the repository the first time, then fetches the branch"));

    auto *form = new QFormLayout;
    auto *repoRow = new QHBoxLayout;
    repoRow->addWidget(m_url, 3);
    repoRow->addWidget(new QLabel(tr("Branch"), this));
    repoRow->addWidget(m_branch, 1);
    repoRow->addWidget(m_fetch);
    form->addRow(tr("Repository"), repoRow);
    form->addRow(tr("Local copy"), m_localPath);
    auto *authorRow = new QHBoxLayout;
    authorRow->addWidget(m_authorName);
    authorRow->addWidget(m_authorEmail);
    form->addRow(tr("Commit as"), authorRow);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("gitopsStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);

    m_commitModel = new GitOpsCommitModel(this);
    m_commits = new QTreeView(this);
    m_commits->setObjectName(QStringLiteral("gitopsCommits"));
    m_commits->setModel(m_commitModel);
    m_commits->setRootIsDecorated(false);
    m_commits->setUniformRowHeights(true);
    m_commits->setAllColumnsShowFocus(true);
    m_commits->setSelectionMode(QAbstractItemView::SingleSelection);
    for (int c = 0; c < GitOpsCommitModel::MessageColumn; ++c)
        m_commits->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_commits->header()->setStretchLastSection(true);
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    m_details = new QLabel(this);
    m_details->setObjectName(QStringLiteral("gitopsCommitDetails"));
    m_details->setTextFormat(Qt::PlainText);
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_diff = new QPlainTextEdit(this);
    m_diff->setObjectName(QStringLiteral("gitopsDiff"));
    m_diff->setReadOnly(true);
    m_diff->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_diff->setFont(mono);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_details);
    rightLayout->addWidget(m_diff, 1);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_commits);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);

    m_bump = new QPushButton(tr("Bump image…"), this);
    m_bump->setObjectName(QStringLiteral("gitopsBump"));
    m_revert = new QPushButton(tr("Revert commit…"), this);
    m_revert->setObjectName(QStringLiteral("gitopsRevert"));
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("gitopsMessage"));
    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    auto *actionsRow = new QHBoxLayout;
    actionsRow->addWidget(m_bump);
    actionsRow->addWidget(m_revert);
    actionsRow->addWidget(m_message, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(splitter, 1);
    layout->addLayout(actionsRow);

    connect(m_fetch, &QPushButton::clicked, this, &GitOpsView::refresh);
    connect(m_url, &QLineEdit::returnPressed, this, &GitOpsView::refresh);
    connect(m_branch, &QLineEdit::returnPressed, this, &GitOpsView::refresh);
    connect(m_commits->selectionModel(), &QItemSelectionModel::selectionChanged, this, &GitOpsView::onSelectionChanged);
    connect(m_bump, &QPushButton::clicked, this, &GitOpsView::startBump);
    connect(m_revert, &QPushButton::clicked, this, &GitOpsView::startRevert);
}

GitOpsSettings GitOpsView::settings() const
{
    GitOpsSettings s;
    s.url = m_url->text().trimmed();
    s.branch = m_branch->text().trimmed().isEmpty() ? QStringLiteral("main") : m_branch->text().trimmed();
    s.localPath = m_localPath->text().trimmed();
    s.authorName = m_authorName->text().trimmed();
    s.authorEmail = m_authorEmail->text().trimmed();
    return s;
}

void GitOpsView::refresh()
{
    if (!m_action.isEmpty())
        return;  // after the change: refreshing now would cancel its push
    const GitOpsSettings s = settings();
    const GitOpsSettings current = m_client->settings();
    if (s.url != current.url || s.branch != current.branch || s.localPath != current.localPath || s.authorName != current.authorName
        || s.authorEmail != current.authorEmail) {
        m_client->setSettings(s);
        if (s.url != current.url || s.branch != current.branch || s.localPath != current.localPath)
            m_synced = false;
        emit settingsChanged(s);
    }
    m_status->setText(tr("Fetching %1 (%2)…").arg(redactUrl(s.url), s.branch));
    m_fetching = true;
    updateButtons();
    m_client->sync();
}

QString GitOpsView::statusText() const { return m_status->text(); }
QString GitOpsView::messageText() const { return m_message->text(); }

QString GitOpsView::selectedCommit() const
{
    const QModelIndexList rows = m_commits->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(GitOpsCommitModel::ShaRole).toString();
}

bool GitOpsView::selectCommit(const QString &sha)
{
    if (sha.isEmpty())
        return false;
    const QList<CommitInfo> &commits = m_commitModel->items();
    for (int row = 0; row < commits.size(); ++row) {
        if (commits[row].sha.startsWith(sha)) {
            m_commits->selectionModel()->setCurrentIndex(m_commitModel->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            return true;
        }
    }
    return false;
}

void GitOpsView::onSynced(const Result<RepositoryState> &state)
{
    m_fetching = false;
    if (!state.ok()) {
        if (state.error().kind != ErrorKind::Cancelled)
            m_status->setText(tr("Fetch failed: %1").arg(state.error().message));
        updateButtons();
        emit refreshed(false);
        return;
    }
    const QString selected = selectedCommit();
    m_state = state.value();
    m_synced = true;
    // New commits come in as rows on top; the selection stays on its commit (a selected commit
    // that fell out of the list leaves no selection, and the newest is selected below).
    {
        const QScopedValueRollback applying(m_applyingFetch, true);
        m_commitModel->setItems(m_state.commits);
        if (selectedCommit().isEmpty() && m_commitModel->rowCount() > 0)
            selectCommit(m_commitModel->itemAt(0).sha);
    }
    m_status->setText(tr("%1 at %2 · %n commit(s) shown · fetched %3", nullptr, static_cast<int>(m_state.commits.size()))
                          .arg(m_client->settings().branch, m_state.head.left(7), QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    // A commit never changes: the same one still selected keeps its diff.
    if (selectedCommit() != selected || m_diff->toPlainText().isEmpty())
        onSelectionChanged();
    updateButtons();
    emit refreshed(true);
}

void GitOpsView::updateAges()
{
    m_commitModel->refreshAges();
}

void GitOpsView::onSelectionChanged()
{
    if (m_applyingFetch)
        return;  // onSynced looks at the selection once the list is applied
    const QString sha = selectedCommit();
    updateButtons();
    if (sha.isEmpty()) {
        m_details->clear();
        m_diff->clear();
        return;
    }
    for (const CommitInfo &c : m_state.commits) {
        if (c.sha != sha)
            continue;
        m_details->setText(tr("%1 by %2 <%3>, %4\n%5\nFiles: %6")
                               .arg(c.shortSha(), c.authorName, c.authorEmail, c.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                                    c.message.trimmed(), c.files.join(QStringLiteral(", "))));
    }
    m_diff->setPlainText(tr("Loading the diff…"));
    m_client->loadCommitDiff(sha);
}

void GitOpsView::onCommitDiff(const QString &sha, const Result<QString> &diff)
{
    if (sha != selectedCommit())
        return;
    if (!diff.ok()) {
        m_diff->setPlainText(diff.error().message);
        return;
    }
    renderDiff(m_diff, diff.value());
}

void GitOpsView::updateButtons()
{
    // Diff loads may run meanwhile: the client runs calls in order, so only a change in flight or
    // a fetch (which replaces the list the change is chosen from) holds the actions back.
    const bool idle = !m_fetching && m_action.isEmpty();
    const GitOpsSettings s = m_client->settings();
    const bool haveAuthor = !s.authorName.isEmpty() && !s.authorEmail.isEmpty();
    const QString noAuthor = tr("Set the name and email to commit as, then fetch");
    // While a change is prepared, confirmed or pushed, neither a fetch nor new settings may start:
    // either would cancel the push in flight (setSettings cancels the running operation).
    const bool changing = !m_action.isEmpty();
    m_fetch->setEnabled(!m_fetching && !changing);
    m_fetch->setToolTip(changing ? tr("Wait until the change is pushed or cancelled") : tr("Clones the repository the first time, then fetches the branch"));
    for (QLineEdit *field : {m_url, m_branch, m_localPath, m_authorName, m_authorEmail})
        field->setEnabled(!changing);
    m_bump->setEnabled(idle && m_synced && haveAuthor);
    m_bump->setToolTip(!m_synced ? tr("Fetch the repository first") : !haveAuthor ? noAuthor : tr("Changes an image tag in a manifest, commits and pushes it"));
    const QString sha = selectedCommit();
    bool root = false;
    for (const CommitInfo &c : m_state.commits)
        if (c.sha == sha)
            root = c.parentCount == 0;
    m_revert->setEnabled(idle && m_synced && haveAuthor && !sha.isEmpty() && !root);
    m_revert->setToolTip(!m_synced ? tr("Fetch the repository first")
                         : !haveAuthor ? noAuthor
                         : sha.isEmpty() ? tr("Select a commit to revert")
                         : root ? tr("The first commit cannot be reverted")
                                : tr("Commits the reverse of the selected commit and pushes it (the GitOps rollback)"));
    // Argo CD deploys what is pushed here: the context's read-only toggle holds pushes back too.
    if (!readOnlyReason().isEmpty())
        for (QPushButton *change : {m_bump, m_revert}) {
            change->setEnabled(false);
            change->setToolTip(readOnlyReason());
        }
}

void GitOpsView::startBump()
{
    std::optional<BumpRequest> request;
    if (m_bumpRequest) {
        request = m_bumpRequest(m_state.manifests);
    } else {
        ImageBumpDialog dialog(m_client, m_state.manifests, this);
        if (dialog.exec() == QDialog::Accepted)
            request = dialog.request();
    }
    if (request)
        bumpImage(*request);
}

void GitOpsView::bumpImage(const BumpRequest &request)
{
    m_action = QStringLiteral("bump");
    if (!readOnlyReason().isEmpty()) {
        finish(false, tr("Not pushed: %1").arg(readOnlyReason()));
        return;
    }
    updateButtons();
    m_message->setText(tr("Preparing the change to %1…").arg(request.path));
    m_client->prepareBump(request.path, request.selector, request.tag);
}

void GitOpsView::startRevert()
{
    const QString sha = selectedCommit();
    if (!sha.isEmpty())
        revertCommit(sha);
}

void GitOpsView::revertCommit(const QString &sha)
{
    m_action = QStringLiteral("revert");
    if (!readOnlyReason().isEmpty()) {
        finish(false, tr("Not pushed: %1").arg(readOnlyReason()));
        return;
    }
    updateButtons();
    m_message->setText(tr("Preparing the revert of %1…").arg(sha.left(7)));
    m_client->prepareRevert(sha);
}

void GitOpsView::onChangePrepared(const Result<PendingChange> &change)
{
    if (!change.ok()) {
        finish(false, tr("Not pushed: %1").arg(change.error().message));
        return;
    }
    confirmAndPush(change.value());
}

void GitOpsView::confirmAndPush(const PendingChange &change)
{
    const GitOpsSettings s = m_client->settings();
    QString summary;
    if (change.rebased)
        summary += tr("The branch moved since the change was shown: someone pushed %1. The change was applied again on top of it; "
                      "check the new diff.\n\n")
                       .arg(change.base.left(7));
    summary += tr("Push to %1 (%2): %3\nCommit \"%4\" as %5 <%6>, on %7.")
                   .arg(redactUrl(s.url), s.branch, change.summary, change.message.section(QLatin1Char('\n'), 0, 0), s.authorName, s.authorEmail,
                        change.base.left(7));
    // The first push was answered "the branch moved": that run ends here, a new one is confirmed.
    if (m_pushReply)
        std::exchange(m_pushReply, {})(false, tr("The branch moved; the change was prepared again"));
    // The shell's runner keeps the sequence; the confirmation is this page's diff dialog, the
    // request a git push.
    QPointer<GitOpsView> self(this);
    auto confirmChange = [self, summary, change] {
        if (!self)
            return false;
        if (self->m_confirm)
            return self->m_confirm(summary, change.diff);
        DiffDialog dialog(summary, change.diff, self);
        dialog.setWindowTitle(change.rebased ? tr("The branch moved: push the new change?") : tr("Commit and push this change?"));
        return dialog.exec() == QDialog::Accepted;
    };
    auto push = [self, change, branch = s.branch](std::function<void(bool, const QString &)> reply) {
        if (!self)
            return;
        self->m_pushReply = std::move(reply);  // answered by finish()
        self->m_message->setText(tr("Pushing to %1…").arg(branch));
        self->m_client->push(change);
    };
    m_runner->runChange({tr("Push of %1").arg(change.summary), confirmChange, push}, [self](const shell::ActionRunner::RunOutcome &outcome) {
        if (self && !outcome.sent)
            self->finish(false, tr("Not pushed: cancelled"));
    });
}

void GitOpsView::onPushFinished(const Result<PushOutcome> &outcome)
{
    if (!outcome.ok()) {
        finish(false, tr("Not pushed: %1").arg(outcome.error().message));
        refresh();
        return;
    }
    if (outcome.value().retry) {
        // Asked again from the event loop, not from inside the delivery of this result.
        const PendingChange retry = *outcome.value().retry;
        m_message->setText(tr("The branch moved; confirm the change again."));
        QTimer::singleShot(0, this, [this, retry] { confirmAndPush(retry); });
        return;
    }
    finish(true, tr("Pushed %1 to %2").arg(outcome.value().commit.left(7), m_client->settings().branch));
    refresh();
}

void GitOpsView::finish(bool ok, const QString &message)
{
    const QString action = m_action;
    m_action.clear();
    m_message->setText(message);
    updateButtons();
    emit actionFinished(action, ok, message);
    if (m_pushReply)
        std::exchange(m_pushReply, {})(ok, message);
}

}  // namespace pilothouse::widgets
