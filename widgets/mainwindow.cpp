// Lays out the main window: the welcome panel shown until a cluster is connected.
#include "mainwindow.h"

#include "connectionstatuslabel.h"
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
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>

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
        auto *proxy = new QSortFilterProxyModel(this);
        proxy->setSourceModel(source);
        proxy->setSortRole(models::ObjectTableModel::SortRole);
        proxy->setFilterKeyColumn(-1);
        proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
        proxy->setSortCaseSensitivity(Qt::CaseInsensitive);
        proxy->setDynamicSortFilter(true);
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
    m_namespacePicker = new QComboBox(bar);
    m_namespacePicker->setObjectName(QStringLiteral("namespacePicker"));
    m_namespacePicker->setMinimumWidth(180);
    m_namespacePicker->addItem(tr("All namespaces"), QString());
    bar->addWidget(m_namespacePicker);
    bar->addSeparator();
    m_filter = new QLineEdit(bar);
    m_filter->setObjectName(QStringLiteral("filterEdit"));
    m_filter->setPlaceholderText(tr("Filter by name, namespace, status or node   ( / )"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMinimumWidth(360);
    bar->addWidget(m_filter);
    addToolBar(Qt::TopToolBarArea, bar);
    bar->setVisible(false);

    m_podView = createTable(m_podProxy, QStringLiteral("podView"));
    m_deploymentView = createTable(m_deploymentProxy, QStringLiteral("deploymentView"));
    m_podView->setColumnWidth(models::PodTableModel::NameColumn, 380);
    m_podView->setColumnWidth(models::PodTableModel::NamespaceColumn, 120);
    m_podView->setColumnWidth(models::PodTableModel::StatusColumn, 150);
    m_deploymentView->setColumnWidth(models::DeploymentTableModel::NameColumn, 300);
    m_deploymentView->setColumnWidth(models::DeploymentTableModel::NamespaceColumn, 120);

    m_tabs = new QTabWidget(page);
    m_tabs->setObjectName(QStringLiteral("resourceTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_podView, tr("Pods"));
    m_tabs->addTab(m_deploymentView, tr("Deployments"));

    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);

    m_counts = new QLabel(this);
    m_counts->setObjectName(QStringLiteral("objectCounts"));
    statusBar()->addWidget(m_counts);

    auto *ageTimer = new QTimer(this);
    ageTimer->setInterval(1000);
    connect(ageTimer, &QTimer::timeout, this, [this] {
        if (!isVisible())
            return;
        m_podModel->refreshColumn(models::PodTableModel::AgeColumn);
        m_deploymentModel->refreshColumn(models::DeploymentTableModel::AgeColumn);
    });
    ageTimer->start();

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_podProxy->setFilterFixedString(text);
        m_deploymentProxy->setFilterFixedString(text);
        updateCounts();
    });
    auto *slash = new QShortcut(QKeySequence(Qt::Key_Slash), this);
    connect(slash, &QShortcut::activated, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    auto *escape = new QShortcut(QKeySequence(Qt::Key_Escape), m_filter);
    escape->setContext(Qt::WidgetShortcut);
    connect(escape, &QShortcut::activated, m_filter, &QLineEdit::clear);
    for (QAbstractItemModel *m : {static_cast<QAbstractItemModel *>(m_podModel), static_cast<QAbstractItemModel *>(m_deploymentModel)}) {
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
    m_counts->setText(part(m_podProxy->rowCount(), m_podModel->rowCount(), tr("pods")) + QStringLiteral("  ·  ") +
                      part(m_deploymentProxy->rowCount(), m_deploymentModel->rowCount(), tr("deployments")));
}

void MainWindow::attachSession(backends::kube::KubeSession *session)
{
    using backends::kube::KubeSession;
    m_session = session;
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
    connect(m_contextPicker, &QComboBox::activated, this, [this](int index) {
        const QString ctx = m_contextPicker->itemText(index);
        if (ctx == m_session->contextName())
            return;
        m_podModel->clear();
        m_deploymentModel->clear();
        m_namespaces.clear();
        onNamespaces({});
        m_session->connectTo(m_config, ctx);
    });
    connect(m_namespacePicker, &QComboBox::activated, this, [this](int index) {
        m_session->setNamespace(m_namespacePicker->itemData(index).toString());
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
    if (m_session)
        m_session->connectTo(config, chosen);
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
    const QString current = m_namespacePicker->currentData().toString();
    m_namespacePicker->clear();
    m_namespacePicker->addItem(tr("All namespaces"), QString());
    for (const QString &ns : std::as_const(m_namespaces))
        m_namespacePicker->addItem(ns, ns);
    int idx = m_namespacePicker->findData(current);
    m_namespacePicker->setCurrentIndex(idx < 0 ? 0 : idx);
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

} // namespace pilothouse::widgets
