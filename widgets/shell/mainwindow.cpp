// The shell window: rail, header, page tabs, palette and status bar around the registered pages.
#include "shell/mainwindow.h"

#include "resources/resourcespage.h"
#include "shell/actionrunner.h"
#include "shell/commandpalette.h"
#include "shell/connectionstatuslabel.h"
#include "shell/execapprovaldialog.h"
#include "shell/kindcatalog.h"
#include "shell/kubeconfigimportdialog.h"
#include "shell/namespacepicker.h"
#include "shell/navigationrail.h"
#include "shell/navigator.h"
#include "shell/page.h"
#include "shell/palettecommands.h"
#include "shell/shellsettings.h"
#include "shell/welcomepage.h"
#include "style/icons.h"
#include "style/theme.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QShortcut>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using backends::kube::KubeSession;

MainWindow::MainWindow(const shell::PageRegistry *pages, shell::ShellSettings *settings, const QString &kubeconfigPath,
                       const QString &context, QWidget *parent)
    : QMainWindow(parent), m_registry(pages), m_settings(settings), m_kubeconfigPath(kubeconfigPath), m_context(context)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Pilothouse"));
    setWindowIcon(Icons::get(QStringLiteral("app")));
    setMinimumSize(1100, 700);
    resize(1280, 800);
    if (!m_settings->windowGeometry().isEmpty())
        restoreGeometry(m_settings->windowGeometry());

    m_welcome = new shell::WelcomePage(kubeconfigPath, context, this);
    m_welcome->setRecentFiles(m_settings->recentKubeconfigs());
    m_welcome->setDemoAvailable(false);
    connect(m_welcome, &shell::WelcomePage::recentFileRequested, this, &MainWindow::kubeconfigChosen);
    connect(m_welcome, &shell::WelcomePage::demoRequested, this, &MainWindow::demoRequested);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("pageTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_rail = new shell::NavigationRail(this);
    m_rail->setPages(*m_registry);
    m_navigator = new shell::Navigator(m_registry, m_tabs, this);
    m_runner = new shell::ActionRunner(this, this);
    m_kinds = new shell::KindCatalog(this);
    m_palette = new shell::CommandPalette(this);

    m_workspace = new QWidget(this);
    auto *workspaceLayout = new QHBoxLayout(m_workspace);
    workspaceLayout->setContentsMargins(0, 0, 0, 0);
    workspaceLayout->setSpacing(0);
    workspaceLayout->addWidget(m_rail);
    workspaceLayout->addWidget(m_tabs, 1);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_welcome);
    m_stack->addWidget(m_workspace);
    setCentralWidget(m_stack);
    addToolBar(Qt::TopToolBarArea, static_cast<QToolBar *>(createHeader()));

    m_connectionStatus = new ConnectionStatusLabel(this);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("statusMessage"));
    m_message->setTextFormat(Qt::PlainText);
    m_messageTimer = new QTimer(this);
    m_messageTimer->setSingleShot(true);
    connect(m_messageTimer, &QTimer::timeout, m_message, &QLabel::clear);
    statusBar()->setObjectName(QStringLiteral("mainStatusBar"));
    statusBar()->addWidget(m_message, 1);
    // "Listing pods… 35,000 of 100,000" while a big list comes in page by page.
    m_listProgress = new QLabel(this);
    m_listProgress->setObjectName(QStringLiteral("listProgress"));
    m_listProgress->setTextFormat(Qt::PlainText);
    m_listProgress->hide();
    statusBar()->addPermanentWidget(m_listProgress);
    statusBar()->addPermanentWidget(m_connectionStatus);
    m_connectionStatus->setState(ConnectionStatusLabel::State::Disconnected);

    connect(m_rail, &shell::NavigationRail::pageActivated, this, [this](const QString &id) { openPage(id); });
    connect(m_navigator, &shell::Navigator::currentPageChanged, this, [this](shell::Page *page) {
        m_rail->setCurrentPage(page ? page->pageTypeId() : QString());
        if (page && m_session && m_restored)
            m_settings->setLastPage(m_session->contextName(), page->pageKey());
    });
    connect(m_navigator, &shell::Navigator::statusMessage, this, [this](const QString &text, shell::Page *from) {
        // A page whose problem is over takes back its own message, not someone else's.
        if (text.isEmpty()) {
            if (from && m_messageFrom == from)
                m_message->clear();
            return;
        }
        showMessage(text);
        m_messageFrom = from;
    });
    connect(m_navigator, &shell::Navigator::actionOutcome, this, [this](const QString &text, bool ok) { showMessage(text, ok); });
    connect(m_navigator, &shell::Navigator::openFailed, this, [this](const QString &, const QString &text) { showMessage(text, false); });
    connect(m_navigator, &shell::Navigator::badgeChanged, m_rail, &shell::NavigationRail::setBadge);
    connect(m_navigator, &shell::Navigator::pageOpened, this, &MainWindow::rememberPages);
    connect(m_navigator, &shell::Navigator::pageClosed, this, &MainWindow::rememberPages);
    connect(m_runner, &shell::ActionRunner::finished, this, [this](const QString &text, bool ok) { showMessage(text, ok); });
    connect(m_palette, &shell::CommandPalette::recentChanged, this, [this](const QStringList &ids) {
        m_settings->raw().setValue(QStringLiteral("palette/recent"), ids);
    });
    m_palette->setRecent(m_settings->raw().value(QStringLiteral("palette/recent")).toStringList());
    connect(m_palette, &shell::CommandPalette::filterRequested, this, [this](const QString &text) {
        if (auto *resources = qobject_cast<ResourcesPage *>(openPage(QStringLiteral("resources"))))
            resources->filterEdit()->setText(text);
    });

    // The keyboard: the palette, and each page's own shortcut.
    for (const QKeySequence &keys : {QKeySequence(Qt::CTRL | Qt::Key_K), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P)}) {
        auto *shortcut = new QShortcut(keys, this);
        connect(shortcut, &QShortcut::activated, this, [this] { openPalette(); });
    }
    for (const shell::PageType &type : m_registry->types()) {
        if (type.shortcut.isEmpty())
            continue;
        auto *shortcut = new QShortcut(type.shortcut, this);
        connect(shortcut, &QShortcut::activated, this, [this, id = type.id] { openPage(id); });
    }
    auto *closeTab = new QShortcut(QKeySequence::Close, this);
    connect(closeTab, &QShortcut::activated, this, [this] {
        if (auto *page = m_navigator->currentPage())
            m_navigator->close(page);
    });
}

MainWindow::~MainWindow() = default;

QWidget *MainWindow::createHeader()
{
    auto *bar = new QToolBar(tr("Cluster"), this);
    bar->setObjectName(QStringLiteral("clusterToolBar"));
    bar->setMovable(false);
    bar->setFloatable(false);
    bar->setIconSize(QSize(18, 18));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    auto *contextIcon = new QLabel(bar);
    Theme::follow(contextIcon, [contextIcon] { contextIcon->setPixmap(Icons::get(QStringLiteral("context")).pixmap(18, 18)); });
    contextIcon->setContentsMargins(8, 0, 4, 0);
    bar->addWidget(contextIcon);
    m_contextPicker = new QComboBox(bar);
    m_contextPicker->setObjectName(QStringLiteral("contextPicker"));
    m_contextPicker->setMinimumWidth(200);
    m_contextPicker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_contextPicker->setToolTip(tr("The kubeconfig context: cluster and user"));
    bar->addWidget(m_contextPicker);
    m_namespaces = new shell::NamespacePicker(bar);
    bar->addWidget(m_namespaces);
    connect(m_namespaces, &shell::NamespacePicker::selectionChanged, this, &MainWindow::selectNamespaces);

    auto *spacer = new QWidget(bar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);

    QAction *palette = bar->addAction(Icons::get(QStringLiteral("palette")), tr("Search or run…"));
    palette->setObjectName(QStringLiteral("paletteAction"));
    palette->setToolTip(tr("Pages, kinds, objects and actions (Ctrl+K)"));
    connect(palette, &QAction::triggered, this, [this] { openPalette(); });
    m_readOnlyAction = bar->addAction(Icons::get(QStringLiteral("lock")), tr("Read-only"));
    m_readOnlyAction->setObjectName(QStringLiteral("readOnlyAction"));
    m_readOnlyAction->setCheckable(true);
    m_readOnlyAction->setToolTip(tr("Send no change to this context: every action is disabled (remembered per context)"));
    connect(m_readOnlyAction, &QAction::toggled, this, [this](bool on) {
        if (!m_session)
            return;
        const QString ctx = m_session->contextName();
        QStringList contexts = m_settings->readOnlyContexts();
        if (on == contexts.contains(ctx))
            return;
        if (on)
            contexts.append(ctx);
        else
            contexts.removeAll(ctx);
        m_settings->setReadOnlyContexts(contexts);
        showMessage(on ? tr("Context %1 is read-only: Pilothouse sends it no change").arg(ctx)
                       : tr("Context %1 accepts changes again (each one still asks first)").arg(ctx));
    });
    connect(m_settings, &shell::ShellSettings::readOnlyContextsChanged, this, &MainWindow::applyReadOnly);
    QAction *preferences = bar->addAction(Icons::get(QStringLiteral("preferences")), tr("Preferences"));
    preferences->setObjectName(QStringLiteral("preferencesAction"));
    preferences->setShortcut(QKeySequence::Preferences);
    connect(preferences, &QAction::triggered, this, &MainWindow::preferencesRequested);
    bar->setVisible(false);
    return bar;
}

void MainWindow::attachSession(KubeSession *session)
{
    m_session = session;
    m_runner->setSession(session);
    shell::PageContext context;
    context.session = session;
    context.engine = session->engine();
    context.navigator = m_navigator;
    context.actions = m_runner;
    context.settings = m_settings;
    context.kinds = m_kinds;
    m_navigator->setContext(context);
    connect(session, &KubeSession::connectionStateChanged, this, &MainWindow::onConnectionState);
    connect(session, &KubeSession::execApprovalRequired, this, &MainWindow::onExecApproval);
    connect(session, &KubeSession::listProgress, this, &MainWindow::onListProgress);
    connect(session, &KubeSession::kindsDiscovered, m_kinds, &shell::KindCatalog::setRegistry);
    connect(session, &KubeSession::namespacesSynced, this, [this](const backends::kube::ObjectList &all) {
        m_clusterNamespaces.clear();
        for (const auto &o : all)
            m_clusterNamespaces << o->name;
        m_namespaces->setNamespaces(m_clusterNamespaces);
    });
    connect(session, &KubeSession::namespacesChanged, this, [this](const backends::kube::ChangeBatch &batch) {
        for (const auto &c : batch) {
            if (c.type == backends::kube::ObjectChange::Type::Deleted)
                m_clusterNamespaces.removeAll(c.object->name);
            else if (!m_clusterNamespaces.contains(c.object->name))
                m_clusterNamespaces.append(c.object->name);
        }
        m_namespaces->setNamespaces(m_clusterNamespaces);
    });
    connect(m_contextPicker, &QComboBox::activated, this, [this](int index) {
        const QString ctx = m_contextPicker->itemText(index);
        if (!m_session || ctx == m_session->contextName())
            return;
        rememberPages();
        m_kinds->reset();
        m_clusterNamespaces.clear();
        m_namespaces->setNamespaces({});
        m_session->connectTo(m_config, ctx);
        selectNamespaces(m_settings->namespaces(ctx));
        applyReadOnly();
        restorePages(ctx);
    });
}

void MainWindow::showKubeconfig(const backends::kube::Kubeconfig &config, const QString &context)
{
    m_config = config;
    const QString chosen = context.isEmpty() ? config.currentContext() : context;
    {
        const QSignalBlocker block(m_contextPicker);
        m_contextPicker->clear();
        m_contextPicker->addItems(config.contextNames());
        m_contextPicker->setCurrentText(chosen);
    }
    m_stack->setCurrentWidget(m_workspace);
    for (QToolBar *bar : findChildren<QToolBar *>())
        bar->setVisible(true);
    setWindowTitle(QStringLiteral("%1 — Pilothouse").arg(chosen));
    if (m_session)
        m_session->connectTo(config, chosen);
    selectNamespaces(m_settings->namespaces(chosen));
    applyReadOnly();
    restorePages(chosen);
}

void MainWindow::restorePages(const QString &context)
{
    m_restored = false;
    // The browser is always there; the pages open last time in this context come back.
    openPage(QStringLiteral("resources"));
    for (const shell::PageRecord &record : m_settings->openPages(context))
        if (m_registry->find(record.id) && !m_navigator->page(m_registry->keyFor(record.id, record.args)))
            m_navigator->open(record.id, record.args);
    const QString last = m_settings->lastPage(context);
    if (!m_startPage.isEmpty())
        openPage(std::exchange(m_startPage, QString()), std::exchange(m_startArgs, QVariantMap()));
    else if (shell::Page *page = last.isEmpty() ? nullptr : m_navigator->page(last))
        m_tabs->setCurrentWidget(page);
    else
        openPage(QStringLiteral("resources"));
    m_restored = true;
}

void MainWindow::rememberPages()
{
    if (!m_session || !m_restored)
        return;
    QList<shell::PageRecord> records;
    for (shell::Page *page : m_navigator->pages()) {
        const shell::PageType *type = m_registry->find(page->pageTypeId());
        // One-per-object pages hold live objects: only the one-instance pages come back.
        if (type && type->singleton)
            records.append({type->id, {}});
    }
    m_settings->setOpenPages(m_session->contextName(), records);
}

shell::Page *MainWindow::openPage(const QString &id, const QVariantMap &args)
{
    if (!m_session) {
        showMessage(tr("Connect to a cluster first"), false);
        return nullptr;
    }
    return m_navigator->open(id, args);
}

ResourcesPage *MainWindow::resourcesPage() const
{
    return qobject_cast<ResourcesPage *>(m_navigator->pageOfType(QStringLiteral("resources")));
}

void MainWindow::setDemoAvailable(bool available) { m_welcome->setDemoAvailable(available); }

void MainWindow::showLoadError(const QString &message)
{
    m_stack->setCurrentWidget(m_welcome);
    m_welcome->setError(message);
    m_connectionStatus->setState(ConnectionStatusLabel::State::Error, message);
}

void MainWindow::selectNamespaces(const QStringList &namespaces)
{
    m_namespaces->select(namespaces);
    const QStringList chosen = m_namespaces->selected();
    if (m_session && !m_session->contextName().isEmpty())
        m_settings->setNamespaces(m_session->contextName(), chosen);
    // One namespace: the session's watches are scoped on the server; several are filtered by pages.
    if (m_session)
        m_session->setNamespace(chosen.size() == 1 ? chosen.first() : QString());
    m_navigator->setNamespaces(chosen);
}

QStringList MainWindow::selectedNamespaces() const { return m_namespaces->selected(); }

QString MainWindow::readOnlyReason() const
{
    if (!m_session || !m_settings->isReadOnly(m_session->contextName()))
        return {};
    return tr("Context %1 is read-only: Pilothouse sends no change (toolbar: Read-only)").arg(m_session->contextName());
}

void MainWindow::applyReadOnly()
{
    const QString reason = readOnlyReason();
    if (m_session)
        m_session->setReadOnly(!reason.isEmpty());
    {
        const QSignalBlocker block(m_readOnlyAction);
        m_readOnlyAction->setChecked(!reason.isEmpty());
    }
    m_navigator->setReadOnlyReason(reason);
}

void MainWindow::showMessage(const QString &text, bool ok)
{
    m_messageFrom = nullptr;
    m_lastMessage = text;
    m_message->setText(text);
    m_message->setToolTip(text);
    // A message is news: it goes after a while (a failure stays longer), the tooltip and the
    // audit log keep the record.
    m_messageTimer->start(ok ? 10000 : 30000);
    if (ok)
        Theme::clearTextRole(m_message);
    else
        Theme::setTextRole(m_message, Theme::Role::Danger);
}

void MainWindow::openPalette(const QString &initialText)
{
    if (!m_session)
        return;
    m_palette->open(shell::paletteCommands(this), initialText);
}

void MainWindow::onConnectionState(KubeSession::ConnectionState state, const QString &detail)
{
    using S = KubeSession::ConnectionState;
    using L = ConnectionStatusLabel::State;
    const L mapped = state == S::Live ? L::Live : state == S::Connecting ? L::Connecting : state == S::Reconnecting ? L::Reconnecting
                     : state == S::Error ? L::Error : L::Disconnected;
    m_connectionStatus->setState(mapped, detail);
    if (state == S::Disconnected || state == S::Error) {
        // Lists of an earlier connection will not finish; the new one reports its own.
        m_listing.clear();
        m_listProgress->hide();
    }
    if (m_session)
        setWindowTitle(QStringLiteral("%1 — Pilothouse").arg(m_session->contextName()));
}

void MainWindow::onListProgress(const QString &plural, int received, int total)
{
    if (total >= 0 && received >= total) {
        m_listing.remove(plural);
    } else {
        const QLocale locale;
        m_listing.insert(plural, total > 0 ? tr("%1 %2 of %3").arg(plural, locale.toString(received), locale.toString(total))
                                           : tr("%1 %2").arg(plural, locale.toString(received)));
    }
    m_listProgress->setVisible(!m_listing.isEmpty());
    m_listProgress->setText(m_listing.isEmpty() ? QString() : tr("Listing %1…").arg(QStringList(m_listing.values()).join(QStringLiteral(", "))));
}

void MainWindow::onExecApproval(const QString &, const QString &context)
{
    // The exec stanza as the session has it: the session resolved this context from m_config.
    const auto pendingExec = [this, context]() -> std::optional<backends::kube::ExecConfig> {
        const auto ctx = m_config.context(context);
        if (!ctx || !m_config.users().contains(ctx->user))
            return std::nullopt;
        return m_config.users().value(ctx->user).exec;
    };
    const std::optional<backends::kube::ExecConfig> exec = pendingExec();
    if (!exec || !m_session)
        return;
    shell::ExecApprovalDialog dialog(context, *exec, this);
    const bool allowed = m_execApprovalHandler ? m_execApprovalHandler(&dialog) : dialog.exec() == QDialog::Accepted;
    if (!allowed || !m_session)
        return;
    // Approve only what was shown: another kubeconfig or context may have come while it was open.
    const std::optional<backends::kube::ExecConfig> now = pendingExec();
    if (m_session->contextName() != context || !now
        || backends::kube::ExecApprovalStore::fingerprint(*now) != backends::kube::ExecApprovalStore::fingerprint(*exec)) {
        showMessage(tr("The credential plugin of context %1 changed while you were asked; nothing was approved").arg(context), false);
        return;
    }
    m_session->approveExec();
}

void MainWindow::openImportedKubeconfig(const QString &path)
{
    auto config = backends::kube::Kubeconfig::load({path}, backends::kube::Kubeconfig::MissingFile::Fail);
    if (!config.ok()) {
        showLoadError(config.error().message);
        return;
    }
    if (config.value().contextNames().isEmpty()) {
        showLoadError(tr("The kubeconfig has no contexts."));
        return;
    }
    const QList<backends::kube::FileReference> outside = config.value().referencesOutsideFolder();
    if (!outside.isEmpty()) {
        shell::KubeconfigImportDialog dialog(path, outside, this);
        const bool accepted = m_importHandler ? m_importHandler(&dialog) : dialog.exec() == QDialog::Accepted;
        if (!accepted) {
            showLoadError(tr("Not connected: %1 refers to files outside its folder, and you chose not to use them.").arg(path));
            return;
        }
    }
    showKubeconfig(config.value(), QString());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_settings->setWindowGeometry(saveGeometry());
    rememberPages();
    QMainWindow::closeEvent(event);
}

}  // namespace pilothouse::widgets
