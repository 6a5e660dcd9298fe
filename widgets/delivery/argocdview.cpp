// The Argo CD view: login form, live applications table, history, resource tree and actions.
// The lists are keyed models: a stream event or a poll changes only the rows it touches.
#include "delivery/argocdview.h"

#include "common/treeexpander.h"

#include "shell/actionrunner.h"

#include "delivery/argocdappmodel.h"
#include "delivery/argocdhistorymodel.h"
#include "delivery/argocdresourcemodel.h"
#include "style/statuspalette.h"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace pilothouse::widgets {

using namespace backends::argocd;
using backends::ApiError;
using backends::Result;

namespace {

using models::ArgoCdAppModel;
using models::ArgoCdHistoryModel;
using models::ArgoCdResourceModel;

QString shortSha(const QString &revision) { return ArgoCdAppModel::shortRevision(revision); }
QString operationText(const ApplicationInfo &a) { return ArgoCdAppModel::operationText(a); }

QList<ApplicationInfo> sortedByName(QList<ApplicationInfo> apps)
{
    std::sort(apps.begin(), apps.end(), [](const ApplicationInfo &a, const ApplicationInfo &b) { return a.name < b.name; });
    return apps;
}

}  // namespace

ArgoCdView::ArgoCdView(backends::http::HttpEngine *engine, backends::actions::AuditLog *audit, const ArgoCdViewPreset &preset,
                       QWidget *parent)
    : shell::Page(parent),
      m_engine(engine),
      m_audit(audit),
      m_client(new ArgoCdClient(engine, this)),
      m_actions(new ArgoCdActions(m_client, audit, this)),
      m_keychain(new ArgoCdKeychain(this))
{
    setObjectName(QStringLiteral("argocdView"));
    m_runner = new shell::ActionRunner(this, this);
    buildUi();
    m_treeTimer.setSingleShot(true);
    m_treeTimer.setInterval(1500);
    connect(&m_treeTimer, &QTimer::timeout, this, &ArgoCdView::loadTree);

    connect(m_client, &ArgoCdClient::applicationsListed, this, &ArgoCdView::onListed);
    connect(m_client, &ArgoCdClient::applicationChanged, this, &ArgoCdView::onChanged);
    connect(m_client, &ArgoCdClient::applicationDeleted, this, &ArgoCdView::onDeleted);
    connect(m_client, &ArgoCdClient::watchModeChanged, this, [this](bool streaming, const QString &reason) {
        m_liveMode->setText(streaming ? tr("live (stream)") : tr("polling"));
        m_liveMode->setToolTip(reason);
    });
    connect(m_client, &ArgoCdClient::watchFailed, this, [this](const QString &message) { setMessage(tr("Updates: %1").arg(message)); });
    connect(m_client, &ArgoCdClient::sessionExpired, this, [this](const QString &message) {
        setLoggedIn(false);
        setStatus(message);
        m_password->setFocus();
    });
    connect(m_actions, &ArgoCdActions::auditFailed, this, [this](const QString &message) { setMessage(message); });
    applyPreset(preset);
}

ArgoCdView::~ArgoCdView()
{
    m_client->stopWatching();
}

void ArgoCdView::buildUi()
{
    auto *root = new QVBoxLayout(this);

    auto *loginRow = new QHBoxLayout;
    m_url = new QLineEdit(this);
    m_url->setObjectName(QStringLiteral("argocdUrl"));
    m_url->setPlaceholderText(tr("https://argocd.example.com"));
    m_user = new QLineEdit(this);
    m_user->setObjectName(QStringLiteral("argocdUser"));
    m_user->setPlaceholderText(tr("username"));
    m_password = new QLineEdit(this);
    m_password->setObjectName(QStringLiteral("argocdPassword"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("password"));
    m_caFile = new QLineEdit(this);
    m_caFile->setObjectName(QStringLiteral("argocdCaFile"));
    m_caFile->setPlaceholderText(tr("CA file (PEM), empty: system CAs"));
    m_insecure = new QCheckBox(tr("Skip TLS verification (insecure)"), this);
    m_insecure->setObjectName(QStringLiteral("argocdInsecure"));
    m_remember = new QCheckBox(tr("Remember in keychain"), this);
    m_remember->setObjectName(QStringLiteral("argocdRemember"));
    m_loginButton = new QPushButton(tr("Log in"), this);
    m_loginButton->setObjectName(QStringLiteral("argocdLogin"));
    m_logoutButton = new QPushButton(tr("Log out"), this);
    m_logoutButton->setObjectName(QStringLiteral("argocdLogout"));
    loginRow->addWidget(new QLabel(tr("Argo CD"), this));
    loginRow->addWidget(m_url, 3);
    loginRow->addWidget(m_user, 1);
    loginRow->addWidget(m_password, 1);
    loginRow->addWidget(m_loginButton);
    loginRow->addWidget(m_logoutButton);
    root->addLayout(loginRow);
    auto *optionsRow = new QHBoxLayout;
    m_caFile->setMinimumWidth(320);
    optionsRow->addWidget(m_caFile, 3);
    optionsRow->addWidget(m_insecure);
    optionsRow->addWidget(m_remember);
    optionsRow->addStretch(1);
    root->addLayout(optionsRow);
    // The login line has a row of its own: a keychain or TLS message can be long.
    auto *statusRow = new QHBoxLayout;
    m_status = new QLabel(tr("not logged in"), this);
    m_status->setObjectName(QStringLiteral("argocdStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setTextFormat(Qt::PlainText);  // server text: an HTML error page from a proxy stays text
    statusRow->addWidget(m_status, 1);
    m_liveMode = new QLabel(this);
    m_liveMode->setObjectName(QStringLiteral("argocdLiveMode"));
    m_liveMode->setTextFormat(Qt::PlainText);
    statusRow->addWidget(m_liveMode);
    root->addLayout(statusRow);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_appModel = new ArgoCdAppModel(this);
    m_historyModel = new ArgoCdHistoryModel(this);
    m_resourceModel = new ArgoCdResourceModel(this);
    m_apps = new QTableView(split);
    m_apps->setObjectName(QStringLiteral("argocdApplications"));
    m_apps->setModel(m_appModel);
    m_apps->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_apps->setSelectionMode(QAbstractItemView::SingleSelection);
    m_apps->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_apps->verticalHeader()->hide();
    m_apps->setWordWrap(false);
    m_apps->setTextElideMode(Qt::ElideRight);
    QHeaderView *header = m_apps->horizontalHeader();
    for (int c : {ArgoCdAppModel::NameColumn, ArgoCdAppModel::ProjectColumn, ArgoCdAppModel::SyncColumn, ArgoCdAppModel::HealthColumn,
                  ArgoCdAppModel::RevisionColumn})
        header->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(ArgoCdAppModel::OperationColumn, QHeaderView::Interactive);
    header->resizeSection(ArgoCdAppModel::OperationColumn, 320);
    header->setStretchLastSection(true);
    // Rows stay in name order as the model keeps them.
    m_apps->setSortingEnabled(false);
    for (int c : {ArgoCdAppModel::SyncColumn, ArgoCdAppModel::HealthColumn, ArgoCdAppModel::OperationColumn})
        m_apps->setItemDelegateForColumn(c, new StatusDelegate(m_apps));

    auto *details = new QWidget(split);
    auto *detailsLayout = new QVBoxLayout(details);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    m_detail = new QLabel(details);
    m_detail->setObjectName(QStringLiteral("argocdDetail"));
    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setTextFormat(Qt::PlainText);  // server text: an HTML error page from a proxy stays text
    detailsLayout->addWidget(m_detail);
    m_tabs = new QTabWidget(details);
    m_history = new QTreeView(m_tabs);
    m_history->setObjectName(QStringLiteral("argocdHistory"));
    m_history->setModel(m_historyModel);
    m_history->setRootIsDecorated(false);
    m_history->setUniformRowHeights(true);
    m_history->setAllColumnsShowFocus(true);
    m_history->setSelectionMode(QAbstractItemView::SingleSelection);
    for (int c = 0; c < ArgoCdHistoryModel::MessageColumn; ++c)
        m_history->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_history->header()->setStretchLastSection(true);
    m_resources = new QTreeView(m_tabs);
    m_resources->setObjectName(QStringLiteral("argocdResources"));
    m_resources->setModel(m_resourceModel);
    m_resources->setUniformRowHeights(true);
    m_resources->setAllColumnsShowFocus(true);
    m_resources->header()->setSectionResizeMode(ArgoCdResourceModel::ResourceColumn, QHeaderView::ResizeToContents);
    m_resources->header()->setSectionResizeMode(ArgoCdResourceModel::HealthColumn, QHeaderView::ResizeToContents);
    m_resources->header()->setStretchLastSection(true);
    m_resources->setItemDelegateForColumn(ArgoCdResourceModel::HealthColumn, new StatusDelegate(m_resources));
    // New rows open with their subtree shown; rows the operator collapsed stay collapsed.
    new TreeExpander(m_resources);
    m_tabs->addTab(m_history, tr("History"));
    m_tabs->addTab(m_resources, tr("Resources"));
    detailsLayout->addWidget(m_tabs, 1);

    auto *buttons = new QHBoxLayout;
    m_sync = new QPushButton(tr("Sync…"), details);
    m_sync->setObjectName(QStringLiteral("argocdSync"));
    m_rollback = new QPushButton(tr("Rollback…"), details);
    m_rollback->setObjectName(QStringLiteral("argocdRollback"));
    m_terminate = new QPushButton(tr("Terminate"), details);
    m_terminate->setObjectName(QStringLiteral("argocdTerminate"));
    m_hint = new QLabel(details);
    m_hint->setObjectName(QStringLiteral("argocdActionHint"));
    m_hint->setTextFormat(Qt::PlainText);  // may quote a refusal from the server
    m_hint->setWordWrap(true);
    buttons->addWidget(m_sync);
    buttons->addWidget(m_rollback);
    buttons->addWidget(m_terminate);
    buttons->addWidget(m_hint, 1);
    detailsLayout->addLayout(buttons);
    m_message = new QLabel(details);
    m_message->setObjectName(QStringLiteral("argocdMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setTextFormat(Qt::PlainText);  // server text: an HTML error page from a proxy stays text
    detailsLayout->addWidget(m_message);
    split->addWidget(m_apps);
    split->addWidget(details);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    root->addWidget(split, 1);

    connect(m_loginButton, &QPushButton::clicked, this, &ArgoCdView::logIn);
    connect(m_password, &QLineEdit::returnPressed, this, &ArgoCdView::logIn);
    connect(m_logoutButton, &QPushButton::clicked, this, &ArgoCdView::logOut);
    connect(m_apps->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ArgoCdView::onSelectionChanged);
    connect(m_history->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ArgoCdView::updateButtons);
    connect(m_history->selectionModel(), &QItemSelectionModel::currentChanged, this, &ArgoCdView::updateButtons);
    connect(m_sync, &QPushButton::clicked, this, &ArgoCdView::startSync);
    connect(m_rollback, &QPushButton::clicked, this, &ArgoCdView::startRollback);
    connect(m_terminate, &QPushButton::clicked, this, &ArgoCdView::startTerminate);
    setLoggedIn(false);
}

void ArgoCdView::applyPreset(const ArgoCdViewPreset &preset)
{
    m_url->setText(preset.url);
    m_user->setText(preset.username);
    m_password->setText(preset.password);
    m_caFile->setText(preset.caFile);
    m_insecure->setChecked(preset.insecureSkipVerify);
    if (preset.url.isEmpty() || preset.username.isEmpty())
        return;
    if (preset.logInNow && !preset.password.isEmpty()) {
        logIn();
        return;
    }
    if (preset.password.isEmpty()) {
        // A session remembered in the keychain; it is checked on first use (a 401 asks to log in).
        ArgoCdServer server{preset.url, preset.caFile, {}, preset.insecureSkipVerify};
        if (!m_client->setServer(server).ok())
            return;
        QString url = m_client->serverUrl();
        QString user = preset.username;
        m_keychain->load(url, user, this, [this, user](const Result<QByteArray> &token) {
            if (!token.ok() || m_client->hasSession())
                return;
            m_client->setSession(user, token.value());
            m_remember->setChecked(true);
            setLoggedIn(true);
            setStatus(tr("logged in as %1 to %2 (session from the keychain)").arg(user, m_client->serverUrl()));
            m_client->startWatching();
        });
    }
}

void ArgoCdView::logIn()
{
    ArgoCdServer server{m_url->text().trimmed(), m_caFile->text().trimmed(), {}, m_insecure->isChecked()};
    Result<void> set = m_client->setServer(server);
    if (!set.ok()) {
        setStatus(set.error().message);
        return;
    }
    const QString user = m_user->text().trimmed();
    if (user.isEmpty() || m_password->text().isEmpty()) {
        setStatus(tr("enter a username and password"));
        return;
    }
    m_loginButton->setEnabled(false);
    setStatus(tr("logging in to %1…").arg(m_client->serverUrl()));
    m_client->login(user, m_password->text(), this, [this, user](const Result<void> &r) {
        m_loginButton->setEnabled(true);
        if (!r.ok()) {
            setStatus(tr("login refused: %1").arg(r.error().message));
            return;
        }
        m_password->clear();
        setLoggedIn(true);
        const QString url = m_client->serverUrl();
        setStatus(tr("logged in as %1 to %2").arg(user, url));
        if (m_remember->isChecked()) {
            m_keychain->store(url, user, m_client->sessionToken(), this, [this, user, url](const Result<void> &stored) {
                setStatus(stored.ok() ? tr("logged in as %1 to %2 (session kept in the keychain)").arg(user, url)
                                      : tr("logged in as %1 to %2; %3").arg(user, url, stored.error().message));
            });
        }
        m_client->startWatching();
    });
}

void ArgoCdView::logOut()
{
    const QString url = m_client->serverUrl();
    const QString user = m_client->userName();
    m_client->logout();
    if (!url.isEmpty() && !user.isEmpty())
        m_keychain->remove(url, user, this, [](const Result<void> &) {});
    setLoggedIn(false);
    setStatus(tr("logged out"));
}

void ArgoCdView::setLoggedIn(bool loggedIn)
{
    m_logoutButton->setEnabled(loggedIn);
    m_password->setEnabled(true);
    if (!loggedIn)
        m_liveMode->clear();
    updateButtons();
}

void ArgoCdView::setStatus(const QString &text)
{
    m_status->setText(text);
    m_status->setToolTip(text);
}

void ArgoCdView::setMessage(const QString &text)
{
    m_message->setText(text);
}

QString ArgoCdView::statusText() const
{
    return m_status->text();
}

QString ArgoCdView::messageText() const
{
    return m_message->text();
}

std::optional<ApplicationInfo> ArgoCdView::application(const QString &name) const
{
    const ApplicationInfo *app = m_appModel->find(name);
    if (!app)
        return std::nullopt;
    return *app;
}

void ArgoCdView::setApplications(const QList<ApplicationInfo> &apps)
{
    // The model applies the difference: no reset, the selection stays on its application. When
    // the selected one goes, the selection empties (onSelectionChanged) and the detail says why.
    const QString selected = m_selected;
    m_appModel->setItems(apps);
    if (selected.isEmpty())
        return;
    if (m_appModel->find(selected)) {
        showDetails(false);
    } else {
        m_detail->setText(tr("%1 was deleted").arg(selected));
        updateButtons();
    }
}

void ArgoCdView::onListed(const QList<ApplicationInfo> &apps)
{
    setApplications(sortedByName(apps));
}

void ArgoCdView::onChanged(const ApplicationInfo &app)
{
    if (!m_appModel->updateItem(app)) {
        QList<ApplicationInfo> apps = m_appModel->items();
        apps.append(app);
        setApplications(sortedByName(apps));
        return;
    }
    if (app.name == m_selected)
        showDetails(false);
}

void ArgoCdView::onDeleted(const QString &name)
{
    QList<ApplicationInfo> apps = m_appModel->items();
    apps.removeIf([&name](const ApplicationInfo &a) { return a.name == name; });
    setApplications(apps);
}

bool ArgoCdView::selectApplication(const QString &name)
{
    const int row = m_appModel->rowOfKey(name);
    if (row < 0)
        return false;
    m_apps->selectRow(row);
    return m_selected == name;
}

bool ArgoCdView::selectHistoryId(qint64 id)
{
    const int row = m_historyModel->rowOfId(id);
    if (row < 0)
        return false;
    m_history->selectionModel()->setCurrentIndex(m_historyModel->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

qint64 ArgoCdView::selectedHistoryId() const
{
    const QModelIndexList rows = m_history->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.first().data(ArgoCdHistoryModel::HistoryIdRole).toLongLong();
}

void ArgoCdView::onSelectionChanged()
{
    const QModelIndexList rows = m_apps->selectionModel()->selectedRows();
    const QString name = rows.isEmpty() ? QString() : rows.first().data(ArgoCdAppModel::NameRole).toString();
    if (name == m_selected)
        return;
    m_selected = name;
    // History ids repeat between applications: another application's entries start afresh.
    m_historyModel->clear();
    m_resourceModel->clear();
    m_treeTimer.stop();
    showDetails(true);
}

void ArgoCdView::showDetails(bool reloadTree)
{
    const ApplicationInfo *app = m_appModel->find(m_selected);
    if (!app) {
        m_detail->clear();
        updateButtons();
        return;
    }
    const ApplicationInfo a = *app;
    QString detail = tr("%1 · project %2 · %3 %4 @ %5 → %6/%7 · sync %8 (%9) · health %10%11 · automated sync %12")
                         .arg(a.name, a.project, a.repoUrl, a.path, a.targetRevision, a.destServer, a.destNamespace, a.syncStatus,
                              shortSha(a.syncRevision), a.health,
                              a.healthMessage.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(a.healthMessage))
                         .arg(a.automated ? tr("on") : tr("off"));
    if (!a.operation.phase.isEmpty())
        detail += tr(" · operation %1").arg(operationText(a));
    for (const ApplicationCondition &c : a.conditions)
        detail += QStringLiteral(" · %1: %2").arg(c.type, c.message);
    m_detail->setText(detail);
    fillHistory();
    if (reloadTree)
        loadTree();
    else if (!m_treeTimer.isActive())
        m_treeTimer.start();  // the tree follows the application's changes, at most every 1.5 s
    updateButtons();
}

void ArgoCdView::fillHistory()
{
    const ApplicationInfo *app = m_appModel->find(m_selected);
    if (!app)
        return;
    // Newest first, as the operator reads a history.
    QList<models::ArgoCdHistoryRow> rows;
    QStringList missing;
    for (qsizetype i = app->history.size() - 1; i >= 0; --i) {
        models::ArgoCdHistoryRow row;
        row.entry = app->history[i];
        row.current = i == app->history.size() - 1;
        if (auto md = m_metadata.constFind(row.entry.revision); md != m_metadata.constEnd())
            row.commit = *md;
        else if (m_metadataErrors.contains(row.entry.revision))
            row.note = m_metadataErrors.value(row.entry.revision);
        else {
            row.note = tr("loading…");
            missing << row.entry.revision;
        }
        rows << row;
    }
    m_historyModel->setItems(rows);
    for (const QString &revision : std::as_const(missing))
        fetchMetadata(revision);
}

void ArgoCdView::fetchMetadata(const QString &revision)
{
    if (revision.isEmpty() || m_metadataErrors.contains(revision))
        return;
    // Marked so that a redraw while the answer is on its way does not ask again.
    m_metadataErrors.insert(revision, tr("loading…"));
    m_client->revisionMetadata(m_selected, revision, this, [this, revision](const Result<RevisionMetadata> &r) {
        if (r.ok()) {
            m_metadataErrors.remove(revision);
            m_metadata.insert(revision, r.value());
        } else {
            m_metadataErrors.insert(revision, tr("no commit metadata: %1").arg(r.error().message));
        }
        fillHistory();
    });
}

void ArgoCdView::loadTree()
{
    if (m_selected.isEmpty() || !m_client->hasSession())
        return;
    const QString name = m_selected;
    m_client->resourceTree(name, this, [this, name](const Result<ResourceTree> &r) {
        if (name != m_selected)
            return;
        const ApplicationInfo *app = m_appModel->find(name);
        if (!r.ok() || !app) {
            if (!r.ok())
                setMessage(tr("Resource tree of %1: %2").arg(name, r.error().message));
            return;
        }
        // Applied by key at each level: expansion, selection and scroll position stay.
        m_resourceModel->setTree(treeRows(*app, r.value()));
    });
}

void ArgoCdView::updateButtons()
{
    auto disable = [](QPushButton *b, const QString &why) {
        b->setEnabled(false);
        b->setToolTip(why);
    };
    const ApplicationInfo *app = m_appModel->find(m_selected);
    QString hint;
    if (!m_readOnlyReason.isEmpty()) {
        hint = m_readOnlyReason;
    } else if (!m_client->hasSession()) {
        hint = tr("log in to Argo CD first");
    } else if (m_busy) {
        hint = tr("waiting for Argo CD to answer the last action");
    } else if (!app) {
        hint = tr("select an application");
    }
    if (!hint.isEmpty()) {
        disable(m_sync, hint);
        disable(m_rollback, hint);
        disable(m_terminate, hint);
        m_hint->setText(hint);
        return;
    }
    const ApplicationInfo &a = *app;
    QStringList hints;
    if (a.operationRunning()) {
        QString why = tr("an operation is running (%1); terminate it or wait").arg(operationText(a));
        disable(m_sync, why);
        m_terminate->setEnabled(true);
        m_terminate->setToolTip(tr("stop the running operation of %1").arg(a.name));
    } else {
        m_sync->setEnabled(true);
        m_sync->setToolTip(tr("sync %1 from %2").arg(a.name, a.repoUrl));
        disable(m_terminate, tr("no operation is running"));
    }
    QString refusal = rollbackRefusal(a);
    if (refusal.isEmpty()) {
        const qint64 id = selectedHistoryId();
        if (id < 0)
            refusal = tr("select the history entry to roll back to");
        else if (a.history.isEmpty() || id == a.history.last().id)
            refusal = tr("the selected entry is what is deployed now; select an earlier one");
    }
    if (refusal.isEmpty()) {
        m_rollback->setEnabled(true);
        m_rollback->setToolTip(tr("roll %1 back to the selected history entry").arg(a.name));
    } else {
        disable(m_rollback, refusal);
        hints << tr("Rollback: %1").arg(refusal);
    }
    m_hint->setText(hints.join(QStringLiteral(" · ")));
}

void ArgoCdView::setReadOnlyReason(const QString &reason)
{
    m_readOnlyReason = reason;
    updateButtons();
}

bool ArgoCdView::confirm(ArgoCdAction &action)
{
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("argocdConfirm"));
    dialog.setWindowTitle(action.kind == ArgoCdAction::Kind::Sync       ? tr("Sync application?")
                          : action.kind == ArgoCdAction::Kind::Rollback ? tr("Roll back application?")
                                                                        : tr("Terminate operation?"));
    auto *layout = new QVBoxLayout(&dialog);
    auto *text = new QLabel(&dialog);
    text->setObjectName(QStringLiteral("argocdConfirmText"));
    text->setTextFormat(Qt::PlainText);  // application names and revisions come from the server
    text->setWordWrap(true);
    text->setMinimumWidth(480);
    layout->addWidget(text);
    QCheckBox *prune = nullptr;
    QCheckBox *dryRun = nullptr;
    QLineEdit *revision = nullptr;
    if (action.kind != ArgoCdAction::Kind::Terminate) {
        auto *form = new QFormLayout;
        if (action.kind == ArgoCdAction::Kind::Sync) {
            revision = new QLineEdit(action.revision, &dialog);
            revision->setObjectName(QStringLiteral("argocdConfirmRevision"));
            revision->setPlaceholderText(action.targetRevision.isEmpty() ? tr("HEAD") : action.targetRevision);
            form->addRow(tr("Revision"), revision);
        }
        prune = new QCheckBox(tr("Prune resources that are no longer in git"), &dialog);
        prune->setObjectName(QStringLiteral("argocdConfirmPrune"));
        prune->setChecked(action.prune);
        dryRun = new QCheckBox(tr("Dry run (show what would change, change nothing)"), &dialog);
        dryRun->setObjectName(QStringLiteral("argocdConfirmDryRun"));
        dryRun->setChecked(action.dryRun);
        form->addRow(prune);
        form->addRow(dryRun);
        layout->addLayout(form);
    }
    auto *box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    box->button(QDialogButtonBox::Ok)->setText(action.kind == ArgoCdAction::Kind::Sync       ? tr("Sync")
                                               : action.kind == ArgoCdAction::Kind::Rollback ? tr("Roll back")
                                                                                             : tr("Terminate"));
    box->button(QDialogButtonBox::Cancel)->setDefault(true);
    layout->addWidget(box);
    connect(box, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    // The text always names exactly what will be sent.
    auto refresh = [&] {
        if (prune)
            action.prune = prune->isChecked();
        if (dryRun)
            action.dryRun = dryRun->isChecked();
        if (revision)
            action.revision = revision->text().trimmed();
        text->setText(action.confirmationText());
    };
    refresh();
    if (prune)
        connect(prune, &QCheckBox::toggled, &dialog, refresh);
    if (dryRun)
        connect(dryRun, &QCheckBox::toggled, &dialog, refresh);
    if (revision)
        connect(revision, &QLineEdit::textChanged, &dialog, refresh);
    bool ok = m_confirm ? m_confirm(&dialog) : dialog.exec() == QDialog::Accepted;
    refresh();
    return ok;
}

void ArgoCdView::startSync()
{
    const ApplicationInfo *app = m_appModel->find(m_selected);
    if (!app)
        return;
    ArgoCdAction action = ArgoCdAction::sync(m_client->serverUrl(), m_client->userName(), *app, SyncOptions{});
    confirmAndRun(action);
}

void ArgoCdView::startRollback()
{
    const ApplicationInfo *app = m_appModel->find(m_selected);
    if (!app)
        return;
    const HistoryEntry *entry = app->historyEntry(selectedHistoryId());
    if (!entry)
        return;
    ArgoCdAction action = ArgoCdAction::rollback(m_client->serverUrl(), m_client->userName(), *app, *entry, false, false);
    confirmAndRun(action);
}

void ArgoCdView::startTerminate()
{
    const ApplicationInfo *app = m_appModel->find(m_selected);
    if (!app)
        return;
    ArgoCdAction action = ArgoCdAction::terminate(m_client->serverUrl(), m_client->userName(), *app);
    confirmAndRun(action);
}

void ArgoCdView::confirmAndRun(const ArgoCdAction &proposed)
{
    // The shell's runner keeps the sequence; the confirmation is this page's dialog (its options
    // change the action), the request is Argo CD's.
    auto action = std::make_shared<ArgoCdAction>(proposed);
    QPointer<ArgoCdView> self(this);
    m_runner->runChange({action->name(), [self, action] { return self && self->confirm(*action); },
                         [self, action](std::function<void(bool, const QString &)> reply) {
                             if (self)
                                 self->run(*action, std::move(reply));
                         }});
}

void ArgoCdView::run(const ArgoCdAction &action, std::function<void(bool ok, const QString &message)> reply)
{
    m_busy = true;
    updateButtons();
    setMessage(tr("%1…").arg(action.confirmationText()));
    const QString name = action.application;
    m_actions->execute(action, this, [this, action, name, reply](const Result<void> &r) {
        m_busy = false;
        QString what = action.kind == ArgoCdAction::Kind::Sync       ? tr("Sync of %1").arg(name)
                       : action.kind == ArgoCdAction::Kind::Rollback ? tr("Rollback of %1 to history id %2").arg(name).arg(action.historyId)
                                                                     : tr("Terminate of %1's operation").arg(name);
        if (action.dryRun)
            what += tr(" (dry run)");
        QString message = r.ok() ? tr("%1 started").arg(what) : tr("%1 refused by Argo CD: %2").arg(what, r.error().message);
        if (!r.ok() && auditResult(r) != QLatin1String("refused") && auditResult(r) != QLatin1String("forbidden"))
            message = tr("%1 %2: %3").arg(what, auditResult(r), r.error().message);
        setMessage(message);
        updateButtons();
        Q_EMIT actionFinished(action.name(), r.ok(), message);
        if (reply)
            reply(r.ok(), message);
        // The stream brings the new state; a direct read makes it show at once when polling.
        if (r.ok() && m_client->hasSession())
            m_client->getApplication(name, this, [this](const Result<ApplicationInfo> &app) {
                if (app.ok())
                    onChanged(app.value());
            });
    });
}

}  // namespace pilothouse::widgets
