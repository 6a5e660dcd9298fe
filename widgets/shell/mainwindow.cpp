// Lays out the main window: the welcome panel shown until a cluster is connected.
#include "shell/mainwindow.h"

#include "shell/connectionstatuslabel.h"
#include "resources/detailpane.h"
#include "delivery/gitopsview.h"
#include "resources/logview.h"
#include "delivery/rolloutsview.h"
#include "rollouts/rolloutwatch.h"
#include "resources/scalingview.h"
#include "kube/yamlview.h"
#include "objectfilterproxymodel.h"
#include "objecttablemodel.h"

#include <QFileInfo>
#include <QFontDatabase>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QStatusBar>
#include <QVBoxLayout>
#include <QComboBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QApplication>
#include <QKeyEvent>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QPlainTextEdit>
#include <QListWidget>
#include <QMenu>
#include <QPointer>
#include <QSplitter>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QWidgetAction>
#include <QSignalBlocker>

namespace pilothouse::widgets {

namespace {

// Long lines are hard to read; the panel keeps to a comfortable measure and centres.
constexpr int WelcomePanelWidth = 620;

QLabel *makeLabel(const QString &objectName, const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setObjectName(objectName);
    // Paths and context names are user data; "<" or "&" in them must show as typed.
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    return label;
}

} // namespace

MainWindow::MainWindow(const QString &kubeconfigPath, const QString &context, QWidget *parent)
    : QMainWindow(parent)
    , m_kubeconfigPath(kubeconfigPath)
    , m_context(context)
    , m_connectionStatus(new ConnectionStatusLabel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Pilothouse"));
    setMinimumSize(1100, 700);
    resize(1280, 800);

    m_pages = new QStackedWidget(this);
    m_pages->setObjectName(QStringLiteral("pages"));
    m_pages->addWidget(createWelcomePanel());
    m_pages->addWidget(createClusterPage());
    setCentralWidget(m_pages);

    statusBar()->setObjectName(QStringLiteral("mainStatusBar"));
    statusBar()->addPermanentWidget(m_connectionStatus);
    m_connectionStatus->setState(ConnectionStatusLabel::State::Disconnected);
}

QWidget *MainWindow::createWelcomePanel()
{
    auto *page = new QWidget(this);
    page->setObjectName(QStringLiteral("welcomePage"));

    auto *panel = new QFrame(page);
    panel->setObjectName(QStringLiteral("welcomePanel"));
    panel->setFrameShape(QFrame::StyledPanel);
    panel->setFixedWidth(WelcomePanelWidth);

    auto *headline = makeLabel(QStringLiteral("welcomeHeadline"), tr("No cluster connected"), panel);
    QFont headlineFont = headline->font();
    headlineFont.setPointSizeF(headlineFont.pointSizeF() * 1.8);
    headlineFont.setBold(true);
    headline->setFont(headlineFont);

    auto *body = makeLabel(QStringLiteral("welcomeBody"),
                           tr("Pilothouse connects to a Kubernetes cluster through a context in a "
                              "kubeconfig file, the same file kubectl uses. It signs in with that "
                              "context's credentials and then watches the cluster live."),
                           panel);

    auto *pathCaption = makeLabel(QStringLiteral("kubeconfigCaption"), tr("Kubeconfig"), panel);
    QFont captionFont = pathCaption->font();
    captionFont.setBold(true);
    pathCaption->setFont(captionFont);

    auto *path = makeLabel(QStringLiteral("kubeconfigPathLabel"), m_kubeconfigPath, panel);
    path->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    path->setTextInteractionFlags(Qt::TextSelectableByMouse);

    const QFileInfo info(m_kubeconfigPath);
    auto *pathNote = makeLabel(QStringLiteral("kubeconfigPathNote"),
                               info.isFile() ? tr("The file exists.")
                                             : tr("This file does not exist yet. Pass --kubeconfig "
                                                  "or set KUBECONFIG to use another one."),
                               panel);
    pathNote->setForegroundRole(QPalette::PlaceholderText);

    auto *contextCaption = makeLabel(QStringLiteral("contextCaption"), tr("Context"), panel);
    contextCaption->setFont(captionFont);
    auto *contextLabel = makeLabel(QStringLiteral("contextLabel"),
                                   m_context.isEmpty() ? tr("the kubeconfig's current-context")
                                                       : m_context,
                                   panel);

    auto *panelLayout = new QVBoxLayout(panel);
    panelLayout->setContentsMargins(32, 28, 32, 28);
    panelLayout->setSpacing(10);
    panelLayout->addWidget(headline);
    panelLayout->addWidget(body);
    panelLayout->addSpacing(12);
    panelLayout->addWidget(pathCaption);
    panelLayout->addWidget(path);
    panelLayout->addWidget(pathNote);
    panelLayout->addSpacing(8);
    panelLayout->addWidget(contextCaption);
    panelLayout->addWidget(contextLabel);
    m_loadError = makeLabel(QStringLiteral("kubeconfigError"), QString(), panel);
    m_loadError->setStyleSheet(QStringLiteral("color: #b3261e;"));
    m_loadError->setVisible(false);
    panelLayout->addSpacing(8);
    panelLayout->addWidget(m_loadError);

    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(panel);
    row->addStretch(1);

    auto *pageLayout = new QVBoxLayout(page);
    pageLayout->addStretch(1);
    pageLayout->addLayout(row);
    pageLayout->addStretch(2);
    return page;
}

QTableView *MainWindow::createTable(QSortFilterProxyModel *proxy, const QString &objectName)
{
    auto *view = new QTableView(this);
    view->setObjectName(objectName);
    view->setModel(proxy);
    view->setSortingEnabled(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view->setAlternatingRowColors(true);
    view->setShowGrid(false);
    view->setWordWrap(false);
    view->verticalHeader()->setVisible(false);
    // Fixed row height: the view never measures 10,000 rows.
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    view->horizontalHeader()->setStretchLastSection(true);
    view->sortByColumn(0, Qt::AscendingOrder);
    return view;
}

QWidget *MainWindow::createClusterPage()
{
    auto *page = new QWidget(this);
    page->setObjectName(QStringLiteral("clusterPage"));

    m_podModel = new models::PodTableModel(this);
    m_deploymentModel = new models::DeploymentTableModel(this);
    auto makeProxy = [this](QAbstractItemModel *source) {
        auto *proxy = new models::ObjectFilterProxyModel(this);
        proxy->setSourceModel(source);
        return proxy;
    };
    m_podProxy = makeProxy(m_podModel);
    m_deploymentProxy = makeProxy(m_deploymentModel);

    auto *bar = new QToolBar(tr("Cluster"), this);
    bar->setObjectName(QStringLiteral("clusterToolBar"));
    bar->setMovable(false);
    bar->addWidget(new QLabel(tr("Context "), bar));
    m_contextPicker = new QComboBox(bar);
    m_contextPicker->setObjectName(QStringLiteral("contextPicker"));
    m_contextPicker->setMinimumWidth(200);
    m_contextPicker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    bar->addWidget(m_contextPicker);
    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" Namespace "), bar));
    // A list of ticks in a drop-down, as in Lens: it stays open while several are ticked.
    m_namespaceButton = new QToolButton(bar);
    m_namespaceButton->setObjectName(QStringLiteral("namespaceButton"));
    m_namespaceButton->setPopupMode(QToolButton::InstantPopup);
    m_namespaceButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_namespaceButton->setMinimumWidth(180);
    m_namespaceButton->setText(tr("All namespaces"));
    auto *nsMenu = new QMenu(m_namespaceButton);
    m_namespaceList = new QListWidget(nsMenu);
    m_namespaceList->setObjectName(QStringLiteral("namespaceList"));
    m_namespaceList->setMinimumSize(220, 240);
    auto *nsAction = new QWidgetAction(nsMenu);
    nsAction->setDefaultWidget(m_namespaceList);
    nsMenu->addAction(nsAction);
    m_namespaceButton->setMenu(nsMenu);
    connect(m_namespaceList, &QListWidget::itemChanged, this, [this](QListWidgetItem *item) {
        if (m_updatingNamespaces)
            return;
        QStringList chosen;
        if (item->data(Qt::UserRole).toString().isEmpty()) {
            // "All namespaces" ticked clears the others.
            if (item->checkState() == Qt::Checked)
                chosen.clear();
            else
                chosen = m_selectedNamespaces;
        } else {
            for (int i = 1; i < m_namespaceList->count(); ++i)
                if (m_namespaceList->item(i)->checkState() == Qt::Checked)
                    chosen << m_namespaceList->item(i)->data(Qt::UserRole).toString();
        }
        selectNamespaces(chosen);
    });
    bar->addWidget(m_namespaceButton);
    bar->addSeparator();
    m_filter = new QLineEdit(bar);
    m_filter->setObjectName(QStringLiteral("filterEdit"));
    m_filter->setPlaceholderText(tr("Filter by name, namespace, status or node   ( / )"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMinimumWidth(360);
    bar->addWidget(m_filter);
    bar->addSeparator();
    m_jump = new QLineEdit(bar);
    m_jump->setObjectName(QStringLiteral("kindJump"));
    m_jump->setPlaceholderText(tr("Go to kind   ( : )"));
    m_jump->setMaximumWidth(180);
    bar->addWidget(m_jump);
    bar->addSeparator();
    QAction *rollouts = bar->addAction(tr("Rollouts"));
    rollouts->setObjectName(QStringLiteral("rolloutsAction"));
    rollouts->setToolTip(tr("Argo Rollouts and Deployments: blue-green and canary state, promote, rollback"));
    connect(rollouts, &QAction::triggered, this, [this] { openRolloutsView(); });
    QAction *argocd = bar->addAction(tr("Argo CD"));
    argocd->setObjectName(QStringLiteral("argocdAction"));
    argocd->setToolTip(tr("Argo CD applications: sync status, health, history, sync, rollback"));
    connect(argocd, &QAction::triggered, this, [this] { openArgoCdView(); });
    QAction *gitops = bar->addAction(tr("GitOps"));
    gitops->setObjectName(QStringLiteral("gitopsAction"));
    gitops->setToolTip(tr("The deployment repository: recent commits, bump an image tag, revert a commit"));
    connect(gitops, &QAction::triggered, this, [this] { openGitOpsView(); });
    bar->addSeparator();
    m_readOnlyAction = bar->addAction(tr("Read-only"));
    m_readOnlyAction->setObjectName(QStringLiteral("readOnlyAction"));
    m_readOnlyAction->setCheckable(true);
    m_readOnlyAction->setToolTip(tr("Send no change to this context: every action is disabled (remembered per context)"));
    connect(m_readOnlyAction, &QAction::toggled, this, [this](bool on) {
        if (!m_session)
            return;
        const QString ctx = m_session->contextName();
        if (on == m_readOnlyContexts.contains(ctx))
            return;
        if (on)
            m_readOnlyContexts.append(ctx);
        else
            m_readOnlyContexts.removeAll(ctx);
        m_session->setReadOnly(on);
        m_detail->reload();  // its Edit button asks again
        if (auto *argocd = findWorkTab<ArgoCdView>())
            argocd->setReadOnlyReason(readOnlyReason());
        if (auto *rollouts = findWorkTab<RolloutsView>())
            rollouts->setReadOnlyReason(readOnlyReason());
        statusBar()->showMessage(on ? tr("Context %1 is read-only: Pilothouse sends it no change").arg(ctx)
                                    : tr("Context %1 accepts changes again (each one still asks first)").arg(ctx), 8000);
        Q_EMIT readOnlyContextsChanged(m_readOnlyContexts);
    });
    addToolBar(Qt::TopToolBarArea, bar);
    bar->setVisible(false);

    m_podView = createTable(m_podProxy, QStringLiteral("podView"));
    m_deploymentView = createTable(m_deploymentProxy, QStringLiteral("deploymentView"));
    m_podView->setContextMenuPolicy(Qt::CustomContextMenu);
    m_deploymentView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_podView, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        openActionMenu(m_podView, m_podProxy, m_podModel, false, pos);
    });
    connect(m_deploymentView, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        openActionMenu(m_deploymentView, m_deploymentProxy, m_deploymentModel, true, pos);
    });
    m_podView->setColumnWidth(models::PodTableModel::NameColumn, 380);
    m_podView->setColumnWidth(models::PodTableModel::NamespaceColumn, 120);
    m_podView->setColumnWidth(models::PodTableModel::StatusColumn, 150);
    m_deploymentView->setColumnWidth(models::DeploymentTableModel::NameColumn, 300);
    m_deploymentView->setColumnWidth(models::DeploymentTableModel::NamespaceColumn, 120);

    m_kindModel = new models::TableRowModel(this);
    m_kindProxy = makeProxy(m_kindModel);
    m_kindView = createTable(m_kindProxy, QStringLiteral("kindView"));

    m_views = new QStackedWidget(page);
    m_views->setObjectName(QStringLiteral("resourceViews"));
    m_views->addWidget(m_podView);
    m_views->addWidget(m_deploymentView);
    m_views->addWidget(m_kindView);

    // The sidebar of kinds, as in Lens: the common ones first, custom resources from discovery.
    m_kindList = new QListWidget(page);
    m_kindList->setObjectName(QStringLiteral("kindList"));
    m_kindList->setFrameShape(QFrame::NoFrame);
    m_kindList->setMaximumWidth(230);
    m_kindList->setMinimumWidth(170);
    m_kindList->setSpacing(2);
    struct Builtin { const char *title; const char *group; const char *version; const char *plural; const char *kind; bool namespaced; const char *shortName; };
    static const Builtin builtins[] = {
        {"Pods", "", "v1", "pods", "Pod", true, "po"},
        {"Deployments", "apps", "v1", "deployments", "Deployment", true, "deploy"},
        {"ReplicaSets", "apps", "v1", "replicasets", "ReplicaSet", true, "rs"},
        {"StatefulSets", "apps", "v1", "statefulsets", "StatefulSet", true, "sts"},
        {"DaemonSets", "apps", "v1", "daemonsets", "DaemonSet", true, "ds"},
        {"Jobs", "batch", "v1", "jobs", "Job", true, "job"},
        {"Services", "", "v1", "services", "Service", true, "svc"},
        {"Ingresses", "networking.k8s.io", "v1", "ingresses", "Ingress", true, "ing"},
        {"HPAs", "autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, "hpa"},
        {"ConfigMaps", "", "v1", "configmaps", "ConfigMap", true, "cm"},
        {"Secrets", "", "v1", "secrets", "Secret", true, "secret"},
        {"Events", "", "v1", "events", "Event", true, "ev"},
        {"Nodes", "", "v1", "nodes", "Node", false, "no"},
        {"Namespaces", "", "v1", "namespaces", "Namespace", false, "ns"},
    };
    for (const auto &b : builtins) {
        auto *item = new QListWidgetItem(tr(b.title), m_kindList);
        backends::kube::ResourceRef ref{QString::fromLatin1(b.group), QString::fromLatin1(b.version), QString::fromLatin1(b.plural),
                                        QString::fromLatin1(b.kind), b.namespaced};
        item->setData(Qt::UserRole, QVariant::fromValue(ref));
        item->setData(Qt::UserRole + 1, QString::fromLatin1(b.shortName));
        m_builtinPlurals << ref.groupResource();
    }
    m_kindList->setCurrentRow(0);
    connect(m_kindList, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) { showKind(item); });

    // The selected object's overview, events, related objects and YAML, read on demand (the
    // tables keep only what they show).
    m_detail = new DetailPane(page);
    connect(m_detail, &DetailPane::messageReported, this, [this](const QString &message) { statusBar()->showMessage(message, 10000); });
    connect(m_detail, &DetailPane::openRequested, this, [this](const backends::kube::ResourceRef &ref, const QString &ns, const QString &name) {
        m_detail->showObject(ref, ns, name);
    });
    auto *right = new QSplitter(Qt::Vertical, page);
    right->addWidget(m_views);
    right->addWidget(m_detail);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);

    auto *splitter = new QSplitter(page);
    splitter->addWidget(m_kindList);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);

    auto followSelection = [this](QTableView *view, QSortFilterProxyModel *proxy, models::ObjectTableModel *model, std::function<backends::kube::ResourceRef()> ref) {
        connect(view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this, proxy, model, ref](const QModelIndex &current) {
            if (!current.isValid())
                return;
            showDetails(ref(), model->objectAt(proxy->mapToSource(current).row()));
        });
    };
    followSelection(m_podView, m_podProxy, m_podModel, [] { return backends::kube::ResourceRef::pods(); });
    followSelection(m_deploymentView, m_deploymentProxy, m_deploymentModel, [] { return backends::kube::ResourceRef::deployments(); });
    followSelection(m_kindView, m_kindProxy, m_kindModel, [this] {
        return m_kindList->currentItem() ? m_kindList->currentItem()->data(Qt::UserRole).value<backends::kube::ResourceRef>() : backends::kube::ResourceRef{};
    });

    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    // Logs and scaling views open as closable tabs beside the browser, so several can be open
    // and the browser stays one click away.
    m_workTabs = new QTabWidget(page);
    m_workTabs->setObjectName(QStringLiteral("workTabs"));
    m_workTabs->setDocumentMode(true);
    m_workTabs->setTabsClosable(true);
    m_workTabs->setMovable(true);
    m_workTabs->addTab(splitter, tr("Resources"));
    m_workTabs->tabBar()->setTabButton(0, QTabBar::RightSide, nullptr);
    m_workTabs->tabBar()->setTabButton(0, QTabBar::LeftSide, nullptr);
    connect(m_workTabs, &QTabWidget::tabCloseRequested, this, [this](int index) {
        if (index <= 0)
            return;
        QWidget *w = m_workTabs->widget(index);
        m_workTabs->removeTab(index);
        w->deleteLater();
    });
    layout->addWidget(m_workTabs);

    m_counts = new QLabel(this);
    m_counts->setObjectName(QStringLiteral("objectCounts"));
    statusBar()->addWidget(m_counts);

    auto *ageTimer = new QTimer(this);
    ageTimer->setInterval(1000);
    connect(ageTimer, &QTimer::timeout, this, [this] {
        if (!isVisible())
            return;
        // Only the rows on screen: ages elsewhere are computed when they scroll into view.
        auto refreshVisible = [](QTableView *view, QSortFilterProxyModel *proxy, models::ObjectTableModel *model, int column) {
            if (!view->isVisible() || column < 0 || proxy->rowCount() == 0)
                return;
            int top = view->rowAt(0);
            int bottom = view->rowAt(view->viewport()->height() - 1);
            if (top < 0)
                return;
            if (bottom < 0)
                bottom = proxy->rowCount() - 1;
            QList<int> rows;
            rows.reserve(bottom - top + 1);
            for (int r = top; r <= bottom; ++r)
                rows << proxy->mapToSource(proxy->index(r, 0)).row();
            model->refreshCells(column, rows);
        };
        refreshVisible(m_podView, m_podProxy, m_podModel, models::PodTableModel::AgeColumn);
        refreshVisible(m_deploymentView, m_deploymentProxy, m_deploymentModel, models::DeploymentTableModel::AgeColumn);
        refreshVisible(m_kindView, m_kindProxy, m_kindModel, m_kindModel->ageColumn());
    });
    ageTimer->start();

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_podProxy->setFilterFixedString(text);
        m_deploymentProxy->setFilterFixedString(text);
        m_kindProxy->setFilterFixedString(text);
        updateCounts();
    });
    // k9s habits: ":" jumps to a kind by name or short name, "/" filters.
    qApp->installEventFilter(this);  // ":" (see eventFilter)
    connect(m_jump, &QLineEdit::returnPressed, this, [this] {
        if (jumpToKind(m_jump->text()))
            m_jump->clear();
    });
    auto *slash = new QShortcut(QKeySequence(Qt::Key_Slash), this);
    connect(slash, &QShortcut::activated, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    auto *escape = new QShortcut(QKeySequence(Qt::Key_Escape), m_filter);
    escape->setContext(Qt::WidgetShortcut);
    connect(escape, &QShortcut::activated, m_filter, &QLineEdit::clear);
    for (QAbstractItemModel *m : {static_cast<QAbstractItemModel *>(m_podModel), static_cast<QAbstractItemModel *>(m_deploymentModel),
                                  static_cast<QAbstractItemModel *>(m_kindModel)}) {
        connect(m, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateCounts);
        connect(m, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateCounts);
        connect(m, &QAbstractItemModel::modelReset, this, &MainWindow::updateCounts);
    }
    return page;
}

void MainWindow::updateCounts()
{
    if (!m_counts)
        return;
    auto part = [](int shown, int total, const QString &what) {
        return shown == total ? QStringLiteral("%1 %2").arg(total).arg(what) : QStringLiteral("%1 of %2 %3").arg(shown).arg(total).arg(what);
    };
    QString text = part(m_podProxy->rowCount(), m_podModel->rowCount(), tr("pods")) + QStringLiteral("  ·  ") +
                   part(m_deploymentProxy->rowCount(), m_deploymentModel->rowCount(), tr("deployments"));
    if (m_views && m_views->currentWidget() == m_kindView && m_kindList->currentItem())
        text += QStringLiteral("  ·  ") + part(m_kindProxy->rowCount(), m_kindModel->rowCount(), m_kindList->currentItem()->text().toLower());
    m_counts->setText(text);
}

void MainWindow::attachSession(backends::kube::KubeSession *session)
{
    using backends::kube::KubeSession;
    m_session = session;
    m_detail->setSession(session);
    connect(session, &KubeSession::connectionStateChanged, this, &MainWindow::onConnectionState);
    connect(session, &KubeSession::podsSynced, m_podModel, &models::ObjectTableModel::resetObjects);
    connect(session, &KubeSession::podsChanged, m_podModel, &models::ObjectTableModel::applyChanges);
    connect(session, &KubeSession::deploymentsSynced, m_deploymentModel, &models::ObjectTableModel::resetObjects);
    connect(session, &KubeSession::deploymentsChanged, m_deploymentModel, &models::ObjectTableModel::applyChanges);
    connect(session, &KubeSession::namespacesSynced, this, &MainWindow::onNamespaces);
    connect(session, &KubeSession::namespacesChanged, this, [this](const backends::kube::ChangeBatch &batch) {
        QStringList names = m_namespaces;
        for (const auto &c : batch) {
            if (c.type == backends::kube::ObjectChange::Type::Deleted)
                names.removeAll(c.object->name);
            else if (!names.contains(c.object->name))
                names.append(c.object->name);
        }
        backends::kube::ObjectList none;
        m_namespaces = names;
        onNamespaces(none);
    });
    connect(session, &KubeSession::execApprovalRequired, this, &MainWindow::onExecApproval);
    connect(session, &KubeSession::kindColumnsChanged, this, [this](const QList<backends::kube::TableColumn> &cols, bool namespaced) {
        m_kindModel->setColumns(cols, namespaced);
        m_kindView->setColumnWidth(0, 300);
    });
    connect(session, &KubeSession::kindSynced, m_kindModel, &models::ObjectTableModel::resetObjects);
    connect(session, &KubeSession::kindChanged, m_kindModel, &models::ObjectTableModel::applyChanges);
    connect(session, &KubeSession::resourcesDiscovered, this, &MainWindow::onResourcesDiscovered);
    connect(m_contextPicker, &QComboBox::activated, this, [this](int index) {
        const QString ctx = m_contextPicker->itemText(index);
        if (ctx == m_session->contextName())
            return;
        m_podModel->clear();
        m_deploymentModel->clear();
        m_detail->clear();
        m_namespaces.clear();
        m_selectedNamespaces.clear();
        applyNamespaceSelection();
        onNamespaces({});
        applyReadOnly(ctx);
        m_session->connectTo(m_config, ctx);
    });
}

void MainWindow::showKubeconfig(const backends::kube::Kubeconfig &config, const QString &context)
{
    m_config = config;
    const QString chosen = context.isEmpty() ? config.currentContext() : context;
    m_contextPicker->clear();
    m_contextPicker->addItems(config.contextNames());
    m_contextPicker->setCurrentText(chosen);
    m_pages->setCurrentIndex(1);
    for (QToolBar *bar : findChildren<QToolBar *>())
        bar->setVisible(true);
    setWindowTitle(QStringLiteral("%1 — Pilothouse").arg(chosen));
    applyReadOnly(chosen);
    if (m_session)
        m_session->connectTo(config, chosen);
}

void MainWindow::setReadOnlyContexts(const QStringList &contexts)
{
    m_readOnlyContexts = contexts;
    if (m_session && !m_session->contextName().isEmpty())
        applyReadOnly(m_session->contextName());
}

void MainWindow::applyReadOnly(const QString &context)
{
    const bool on = m_readOnlyContexts.contains(context);
    if (m_session)
        m_session->setReadOnly(on);
    const QSignalBlocker block(m_readOnlyAction);
    m_readOnlyAction->setChecked(on);
    if (auto *argocd = findWorkTab<ArgoCdView>())
        argocd->setReadOnlyReason(readOnlyReason());
    if (auto *rollouts = findWorkTab<RolloutsView>())
        rollouts->setReadOnlyReason(readOnlyReason());
}

QString MainWindow::readOnlyReason() const
{
    if (!m_session || !m_readOnlyContexts.contains(m_session->contextName()))
        return {};
    return tr("Context %1 is read-only: Pilothouse sends no change (toolbar: Read-only)").arg(m_session->contextName());
}

template<class View>
View *MainWindow::findWorkTab() const
{
    for (int i = 0; i < m_workTabs->count(); ++i)
        if (auto *view = qobject_cast<View *>(m_workTabs->widget(i)))
            return view;
    return nullptr;
}

ArgoCdView *MainWindow::openArgoCdView()
{
    if (!m_session)
        return nullptr;
    auto *view = findWorkTab<ArgoCdView>();
    if (!view) {
        view = new ArgoCdView(m_session->engine(), m_session->auditLog(), m_argoCdPreset);
        view->setReadOnlyReason(readOnlyReason());
        connect(view, &ArgoCdView::actionFinished, this, [this](const QString &, bool, const QString &message) {
            m_lastActionMessage = message;
            statusBar()->showMessage(message, 10000);
        });
        connect(view->client(), &backends::argocd::ArgoCdClient::loggedIn, this, [this, view](const QString &user) {
            Q_EMIT argoCdLoggedIn(view->client()->serverUrl(), user);
        });
        showWorkTab(view, tr("Argo CD"), QStringLiteral("argocd"));
    }
    m_workTabs->setCurrentWidget(view);
    return view;
}

GitOpsView *MainWindow::openGitOpsView()
{
    if (!m_session)
        return nullptr;
    auto *view = findWorkTab<GitOpsView>();
    if (!view) {
        view = new GitOpsView(m_gitOpsSettings, m_session->auditLog());
        connect(view, &GitOpsView::settingsChanged, this, [this](const backends::gitops::GitOpsSettings &settings) {
            m_gitOpsSettings = settings;
            Q_EMIT gitOpsSettingsChanged(settings);
        });
        connect(view, &GitOpsView::actionFinished, this, [this](const QString &, bool, const QString &message) {
            m_lastActionMessage = message;
            statusBar()->showMessage(message, 10000);
        });
        showWorkTab(view, tr("GitOps"), QStringLiteral("gitops"));
    }
    m_workTabs->setCurrentWidget(view);
    return view;
}

void MainWindow::showLoadError(const QString &message)
{
    m_pages->setCurrentIndex(0);
    m_loadError->setText(message);
    m_loadError->setVisible(!message.isEmpty());
    m_connectionStatus->setState(ConnectionStatusLabel::State::Error, message);
}

void MainWindow::onConnectionState(backends::kube::KubeSession::ConnectionState state, const QString &detail)
{
    using S = backends::kube::KubeSession::ConnectionState;
    using L = ConnectionStatusLabel::State;
    L mapped = state == S::Live ? L::Live : state == S::Connecting ? L::Connecting : state == S::Reconnecting ? L::Reconnecting
               : state == S::Error ? L::Error : L::Disconnected;
    m_connectionStatus->setState(mapped, detail);
    if (m_session)
        setWindowTitle(QStringLiteral("%1 — Pilothouse").arg(m_session->contextName()));
}

void MainWindow::onNamespaces(const backends::kube::ObjectList &all)
{
    if (!all.empty()) {
        m_namespaces.clear();
        for (const auto &o : all)
            m_namespaces.append(o->name);
    }
    m_namespaces.sort();
    // Namespaces that went away leave the selection too.
    QStringList kept;
    for (const QString &ns : std::as_const(m_selectedNamespaces))
        if (m_namespaces.contains(ns))
            kept << ns;
    if (!m_namespaces.isEmpty())
        m_selectedNamespaces = kept;
    m_updatingNamespaces = true;
    m_namespaceList->clear();
    auto *allItem = new QListWidgetItem(tr("All namespaces"), m_namespaceList);
    allItem->setData(Qt::UserRole, QString());
    allItem->setCheckState(m_selectedNamespaces.isEmpty() ? Qt::Checked : Qt::Unchecked);
    for (const QString &ns : std::as_const(m_namespaces)) {
        auto *item = new QListWidgetItem(ns, m_namespaceList);
        item->setData(Qt::UserRole, ns);
        item->setCheckState(m_selectedNamespaces.contains(ns) ? Qt::Checked : Qt::Unchecked);
    }
    m_updatingNamespaces = false;
}

void MainWindow::selectNamespaces(const QStringList &namespaces)
{
    QStringList sorted = namespaces;
    sorted.sort();
    sorted.removeDuplicates();
    m_selectedNamespaces = sorted;
    m_updatingNamespaces = true;
    for (int i = 0; i < m_namespaceList->count(); ++i) {
        QListWidgetItem *item = m_namespaceList->item(i);
        const QString ns = item->data(Qt::UserRole).toString();
        item->setCheckState((ns.isEmpty() ? sorted.isEmpty() : sorted.contains(ns)) ? Qt::Checked : Qt::Unchecked);
    }
    m_updatingNamespaces = false;
    applyNamespaceSelection();
}

void MainWindow::applyNamespaceSelection()
{
    const QStringList &s = m_selectedNamespaces;
    m_namespaceButton->setText(s.isEmpty() ? tr("All namespaces") : s.size() <= 2 ? s.join(QStringLiteral(", ")) : tr("%1 namespaces").arg(s.size()));
    m_namespaceButton->setToolTip(s.isEmpty() ? tr("Every namespace") : s.join(QLatin1Char('\n')));
    // One namespace: the server filters (less to list and watch). Several: watch all, filter here.
    const QSet<QString> filter = s.size() > 1 ? QSet<QString>(s.begin(), s.end()) : QSet<QString>();
    for (auto *proxy : {m_podProxy, m_deploymentProxy, m_kindProxy})
        proxy->setNamespaces(filter);
    if (m_session)
        m_session->setNamespace(s.size() == 1 ? s.first() : QString());
    updateCounts();
}

void MainWindow::onExecApproval(const QString &command, const QString &context)
{
    // Running a program named in a kubeconfig is running arbitrary code: the operator decides.
    QMessageBox box(QMessageBox::Warning, tr("Run credential plugin?"),
                    tr("Context \"%1\" gets its credentials by running this command:").arg(context), QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("execApprovalDialog"));
    box.setInformativeText(command + QStringLiteral("\n\n") +
                           tr("Only allow it if you trust the kubeconfig it comes from. Your answer is remembered for this exact command."));
    QPushButton *allow = box.addButton(tr("Allow and connect"), QMessageBox::AcceptRole);
    box.addButton(tr("Don't run"), QMessageBox::RejectRole);
    box.exec();
    if (box.clickedButton() == allow && m_session)
        m_session->approveExec();
}

void MainWindow::showKind(QListWidgetItem *item)
{
    if (!item)
        return;
    const auto ref = item->data(Qt::UserRole).value<backends::kube::ResourceRef>();
    if (ref.plural == QLatin1String("pods") && ref.group.isEmpty()) {
        m_views->setCurrentWidget(m_podView);
    } else if (ref.plural == QLatin1String("deployments") && ref.group == QLatin1String("apps")) {
        m_views->setCurrentWidget(m_deploymentView);
    } else {
        m_kindModel->clear();
        m_kindModel->setColumns({}, ref.namespaced);
        m_views->setCurrentWidget(m_kindView);
        if (m_session)
            m_session->watchKind(ref);
    }
    updateCounts();
}

bool MainWindow::jumpToKind(const QString &text)
{
    const QString wanted = text.trimmed().toLower();
    if (wanted.isEmpty())
        return false;
    for (int i = 0; i < m_kindList->count(); ++i) {
        QListWidgetItem *item = m_kindList->item(i);
        const auto ref = item->data(Qt::UserRole).value<backends::kube::ResourceRef>();
        const QStringList names{item->text().toLower(), ref.plural, ref.kind.toLower(), item->data(Qt::UserRole + 1).toString()};
        if (names.contains(wanted) || item->text().toLower().startsWith(wanted)) {
            m_kindList->setCurrentItem(item);
            m_views->currentWidget()->setFocus();
            return true;
        }
    }
    statusBar()->showMessage(tr("No kind called \"%1\"").arg(text.trimmed()), 4000);
    return false;
}

void MainWindow::onResourcesDiscovered(const QList<backends::kube::ResourceRef> &resources)
{
    // Custom resources (any group the built-in list does not name) get their own entries.
    for (int i = m_kindList->count() - 1; i >= 0; --i)
        if (m_kindList->item(i)->data(Qt::UserRole + 2).toBool())
            delete m_kindList->takeItem(i);
    for (const auto &ref : resources) {
        static const QStringList builtinGroups{QString(), QStringLiteral("apps"), QStringLiteral("batch"), QStringLiteral("autoscaling"),
                                               QStringLiteral("networking.k8s.io"), QStringLiteral("authorization.k8s.io"),
                                               QStringLiteral("authentication.k8s.io"), QStringLiteral("metrics.k8s.io")};
        if (builtinGroups.contains(ref.group) || m_builtinPlurals.contains(ref.groupResource()))
            continue;
        auto *item = new QListWidgetItem(ref.kind + QStringLiteral("s  (") + ref.group + QLatin1Char(')'), m_kindList);
        item->setData(Qt::UserRole, QVariant::fromValue(ref));
        item->setData(Qt::UserRole + 1, ref.plural);
        item->setData(Qt::UserRole + 2, true);
        item->setToolTip(ref.groupResource());
    }
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    // Tables take typed characters for their keyboard search, so ":" never reaches the window
    // (and shifted keys do not match a QShortcut reliably): catch it before the table does.
    if (event->type() == QEvent::KeyPress && m_jump) {
        auto *key = static_cast<QKeyEvent *>(event);
        QWidget *target = qobject_cast<QWidget *>(watched);
        if (key->text() == QLatin1String(":") && target && isAncestorOf(target) && !qobject_cast<QLineEdit *>(target)) {
            m_jump->setFocus();
            m_jump->selectAll();
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::openActionMenu(QTableView *view, QSortFilterProxyModel *proxy, models::ObjectTableModel *model, bool isDeployment,
                                const QPoint &pos)
{
    const QModelIndex index = view->indexAt(pos);
    if (!index.isValid())
        return;
    backends::kube::KubeObjectPtr object = model->objectAt(proxy->mapToSource(index).row());
    if (!object)
        return;
    const QPoint global = view->viewport()->mapToGlobal(pos);
    buildActionMenu(object, isDeployment, [global](QMenu *menu) { menu->popup(global); });
}

void MainWindow::buildActionMenu(const backends::kube::KubeObjectPtr &object, bool isDeployment, std::function<void(QMenu *)> ready)
{
    using backends::actions::Action;
    if (!m_session || !m_session->actions())
        return;
    const auto ref = isDeployment ? backends::kube::ResourceRef::deployments() : backends::kube::ResourceRef::pods();
    const int replicas = object->deployment() ? object->deployment()->desired : 0;
    struct Entry {
        QString title;
        Action action;
        backends::actions::Permission permission;
    };
    auto entries = std::make_shared<QList<Entry>>();
    if (isDeployment) {
        entries->append({tr("Scale…"), Action::scale(ref, object->ns, object->name, replicas, replicas, object->resourceVersion), {}});
        entries->append({tr("Restart"), Action::restart(ref, object->ns, object->name, object->resourceVersion, QDateTime::currentDateTimeUtc()), {}});
    }
    entries->append({tr("Delete"), Action::remove(ref, object->ns, object->name, object->resourceVersion, object->uid), {}});
    auto pending = std::make_shared<int>(static_cast<int>(entries->size()));
    QPointer<MainWindow> self(this);
    for (int i = 0; i < entries->size(); ++i) {
        m_session->actions()->checkPermission((*entries)[i].action, this, [self, entries, pending, i, object, ready, isDeployment](const backends::actions::Permission &p) {
            (*entries)[i].permission = p;
            if (--*pending > 0 || !self)
                return;
            auto *menu = new QMenu(self);
            menu->setObjectName(QStringLiteral("actionMenu"));
            menu->setAttribute(Qt::WA_DeleteOnClose);
            menu->setToolTipsVisible(true);
            menu->addSection(object->key());
            for (const Entry &e : *entries) {
                QAction *act = menu->addAction(e.title);
                act->setObjectName(e.action.name);
                act->setEnabled(e.permission.allowed);
                act->setToolTip(e.permission.allowed ? QString() : e.permission.reason);
                const Action action = e.action;
                QObject::connect(act, &QAction::triggered, self, [self, action, object] {
                    if (!self)
                        return;
                    Action a = action;
                    if (a.name == QLatin1String("scale")) {
                        const int current = object->deployment() ? object->deployment()->desired : 0;
                        const int to = self->m_askReplicas ? self->m_askReplicas(current) : QInputDialog::getInt(self, tr("Scale"), tr("Replicas for %1:").arg(object->key()), current, 0, 1000);
                        if (to < 0 || to == current)
                            return;
                        a = Action::scale(a.resource, a.ns, a.objectName, current, to, object->resourceVersion);
                    } else if (a.name == QLatin1String("restart")) {
                        a = Action::restart(a.resource, a.ns, a.objectName, object->resourceVersion, QDateTime::currentDateTimeUtc());
                    }
                    self->runAction(a);
                });
            }
            // Views that read only: no permission answer needed before they show.
            menu->addSeparator();
            QAction *logs = menu->addAction(isDeployment ? tr("Logs of all pods") : tr("Logs"));
            logs->setObjectName(QStringLiteral("logs"));
            QObject::connect(logs, &QAction::triggered, self, [self, object, isDeployment] {
                if (self)
                    self->openLogs(object, isDeployment);
            });
            if (isDeployment) {
                QAction *scaling = menu->addAction(tr("Scaling view"));
                scaling->setObjectName(QStringLiteral("scalingView"));
                QObject::connect(scaling, &QAction::triggered, self, [self, object] {
                    if (self)
                        self->openScalingView(object->ns, object->name);
                });
                QAction *history = menu->addAction(tr("Rollout history, undo, restart"));
                history->setObjectName(QStringLiteral("rolloutHistory"));
                QObject::connect(history, &QAction::triggered, self, [self, object] {
                    if (self)
                        self->openRolloutsView(QStringLiteral("Deployment"), object->ns, object->name);
                });
            }
            ready(menu);
        });
    }
}

void MainWindow::runAction(const backends::actions::Action &action)
{
    using backends::actions::Outcome;
    auto *facade = m_session ? m_session->actions() : nullptr;
    if (!facade)
        return;
    const QString text = facade->confirmationText(action);
    bool confirmed = m_confirm ? m_confirm(text)
                               : QMessageBox::question(this, tr("Confirm"), text + QStringLiteral("?"), QMessageBox::Yes | QMessageBox::Cancel,
                                                       QMessageBox::Cancel) == QMessageBox::Yes;
    if (!confirmed)
        return;
    QPointer<MainWindow> self(this);
    facade->execute(action, this, [self, action](const backends::actions::ActionResult &r) {
        if (!self)
            return;
        QString msg;
        switch (r.outcome) {
        case Outcome::Succeeded: msg = tr("%1 %2: done (%3)").arg(action.name, action.objectLabel(), action.change); break;
        case Outcome::Conflict:
            msg = tr("%1 %2: the object changed since you looked at it; nothing was changed. Look again and retry.").arg(action.name, action.objectLabel());
            break;
        case Outcome::Unknown:
            msg = tr("%1 %2: the answer was lost after sending; the live table shows whether it was applied.").arg(action.name, action.objectLabel());
            break;
        default: msg = tr("%1 %2 failed: %3").arg(action.name, action.objectLabel(), r.error.message); break;
        }
        self->m_lastActionMessage = msg;
        self->statusBar()->showMessage(msg, 10000);
    });
}

void MainWindow::showDetails(const backends::kube::ResourceRef &resource, const backends::kube::KubeObjectPtr &object)
{
    if (!object || resource.plural.isEmpty())
        return;
    m_detail->showObject(resource, object->ns, object->name);
}

QPlainTextEdit *MainWindow::yamlView() const { return m_detail->yamlEdit(); }

int MainWindow::showWorkTab(QWidget *view, const QString &title, const QString &key)
{
    for (int i = 1; i < m_workTabs->count(); ++i)
        if (m_workTabs->widget(i)->property("workKey").toString() == key) {
            delete view;
            m_workTabs->setCurrentIndex(i);
            return i;
        }
    view->setProperty("workKey", key);
    const int index = m_workTabs->addTab(view, title);
    m_workTabs->setTabToolTip(index, key);
    m_workTabs->setCurrentIndex(index);
    return index;
}

LogView *MainWindow::openLogs(const backends::kube::KubeObjectPtr &object, bool workload)
{
    if (!m_session || !object)
        return nullptr;
    LogView *view = workload ? LogView::forWorkloadObject(m_session, object) : LogView::forPodObject(m_session, object);
    if (!view) {
        statusBar()->showMessage(tr("Logs of %1 cannot be shown: not connected").arg(object->key()), 8000);
        return nullptr;
    }
    const int index = showWorkTab(view, tr("Logs: %1").arg(object->name), QStringLiteral("logs %1 %2").arg(workload ? QStringLiteral("deployment") : QStringLiteral("pod"), object->key()));
    return qobject_cast<LogView *>(m_workTabs->widget(index));
}

ScalingView *MainWindow::openScalingView(const QString &ns, const QString &deployment)
{
    if (!m_session)
        return nullptr;
    auto *view = new ScalingView(m_session, ns, deployment);
    connect(view, &ScalingView::problemChanged, this, [this](const QString &message) {
        if (!message.isEmpty())
            statusBar()->showMessage(message, 8000);
    });
    const int index = showWorkTab(view, tr("Scaling: %1").arg(deployment), QStringLiteral("scaling %1/%2").arg(ns, deployment));
    return qobject_cast<ScalingView *>(m_workTabs->widget(index));
}

RolloutsView *MainWindow::openRolloutsView(const QString &kind, const QString &ns, const QString &name)
{
    if (!m_session)
        return nullptr;
    RolloutsView *view = nullptr;
    for (int i = 0; i < m_workTabs->count() && !view; ++i)
        if ((view = qobject_cast<RolloutsView *>(m_workTabs->widget(i))))
            m_workTabs->setCurrentIndex(i);
    const bool created = !view;
    if (created) {
        view = new RolloutsView(m_session);
        view->setReadOnlyReason(readOnlyReason());
        if (m_confirm)
            view->setConfirmHandler(m_confirm);
        connect(view, &RolloutsView::problemChanged, this, [this](const QString &message) {
            if (!message.isEmpty())
                statusBar()->showMessage(message, 8000);
        });
        connect(view, &RolloutsView::actionFinished, this, [this](const QString &message) {
            m_lastActionMessage = message;
            statusBar()->showMessage(message, 10000);
        });
    }
    if (!name.isEmpty() && !view->select(kind, ns, name)) {
        // The list fills once the watch has listed: select then.
        QPointer<RolloutsView> guard(view);
        auto selectWhenListed = std::make_shared<QMetaObject::Connection>();
        *selectWhenListed = connect(view->watch(), &backends::rollouts::RolloutWatch::changed, view, [guard, kind, ns, name, selectWhenListed] {
            if (guard && guard->select(kind, ns, name))
                QObject::disconnect(*selectWhenListed);
        });
    }
    if (created)
        showWorkTab(view, tr("Rollouts"), QStringLiteral("rollouts"));
    return view;
}

} // namespace pilothouse::widgets
