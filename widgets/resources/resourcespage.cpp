// The resource browser: sidebar of kinds, tables, detail pane and object menus.
#include "resources/resourcespage.h"

#include "kindtreemodel.h"
#include "kube/session/kubesession.h"
#include "objectfilterproxymodel.h"
#include "objecttablemodel.h"
#include "resources/detailpane.h"
#include "shell/kindcatalog.h"
#include "shell/objectactions.h"
#include "style/icons.h"
#include "style/statuspalette.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using backends::kube::KubeSession;
using backends::kube::ResourceRef;

namespace {

// The sidebar's kinds carry their icon; categories are plain headings.
class KindTreeDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.column() != models::KindTreeModel::TitleColumn)
            return;
        if (index.data(models::KindTreeModel::IsCategoryRole).toBool()) {
            option->font.setBold(true);
        } else {
            option->icon = Icons::get(index.data(models::KindTreeModel::IconNameRole).toString());
            option->features |= QStyleOptionViewItem::HasDecoration;
        }
    }
};

}  // namespace

ResourcesPage::ResourcesPage(const shell::PageContext &context, QWidget *parent) : shell::Page(parent), m_context(context)
{
    setObjectName(QStringLiteral("resourcesPage"));

    m_podModel = new models::PodTableModel(this);
    m_deploymentModel = new models::DeploymentTableModel(this);
    m_kindModel = new models::TableRowModel(this);
    auto makeProxy = [this](QAbstractItemModel *source) {
        auto *proxy = new models::ObjectFilterProxyModel(this);
        proxy->setSourceModel(source);
        return proxy;
    };
    m_podProxy = makeProxy(m_podModel);
    m_deploymentProxy = makeProxy(m_deploymentModel);
    m_kindProxy = makeProxy(m_kindModel);

    m_podView = createTable(m_podProxy, QStringLiteral("podView"));
    m_deploymentView = createTable(m_deploymentProxy, QStringLiteral("deploymentView"));
    m_kindView = createTable(m_kindProxy, QStringLiteral("kindView"));
    m_statusDelegate = new StatusDelegate(m_kindView);
    m_podView->setColumnWidth(models::PodTableModel::NameColumn, 380);
    m_podView->setColumnWidth(models::PodTableModel::NamespaceColumn, 120);
    m_podView->setColumnWidth(models::PodTableModel::StatusColumn, 150);
    m_deploymentView->setColumnWidth(models::DeploymentTableModel::NameColumn, 300);
    m_deploymentView->setColumnWidth(models::DeploymentTableModel::NamespaceColumn, 120);
    // Status words in the status palette's colours and icons (light and dark alike).
    m_podView->setItemDelegateForColumn(models::PodTableModel::StatusColumn, new StatusDelegate(m_podView));
    m_deploymentView->setItemDelegateForColumn(models::DeploymentTableModel::ReadyColumn, new StatusDelegate(m_deploymentView));

    m_views = new QStackedWidget(this);
    m_views->setObjectName(QStringLiteral("resourceViews"));
    m_views->addWidget(m_podView);
    m_views->addWidget(m_deploymentView);
    m_views->addWidget(m_kindView);
    m_typedViews.insert(ResourceRef::pods().groupResource(), m_podView);
    m_typedViews.insert(ResourceRef::deployments().groupResource(), m_deploymentView);

    // The sidebar: categories fold; custom resources sit under their API group.
    m_kindTreeModel = new models::KindTreeModel(this);
    m_kindTree = new QTreeView(this);
    m_kindTree->setObjectName(QStringLiteral("kindTree"));
    m_kindTree->setModel(m_kindTreeModel);
    m_kindTree->setItemDelegate(new KindTreeDelegate(m_kindTree));
    m_kindTree->setHeaderHidden(true);
    m_kindTree->setFrameShape(QFrame::NoFrame);
    m_kindTree->setUniformRowHeights(true);
    m_kindTree->setAnimated(false);
    m_kindTree->setIndentation(14);
    m_kindTree->setMinimumWidth(210);
    m_kindTree->setMaximumWidth(300);
    m_kindTree->header()->setStretchLastSection(false);
    m_kindTree->header()->setSectionResizeMode(models::KindTreeModel::TitleColumn, QHeaderView::Stretch);
    m_kindTree->header()->setSectionResizeMode(models::KindTreeModel::CountColumn, QHeaderView::ResizeToContents);
    connect(m_kindTree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        const QVariant ref = current.siblingAtColumn(0).data(models::KindTreeModel::RefRole);
        if (ref.isValid())
            showKind(ref.value<ResourceRef>());
    });

    m_detail = new DetailPane(this);
    m_detail->setSession(m_context.session);
    connect(m_detail, &DetailPane::messageReported, this, &shell::Page::statusMessage);
    connect(m_detail, &DetailPane::openRequested, this, [this](const ResourceRef &ref, const QString &ns, const QString &name) {
        m_detail->showObject(ref, ns, name);
    });

    // The header: the kind's title, the filter, the jump field, the counts.
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("pageTitle"));
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("filterEdit"));
    m_filter->setPlaceholderText(tr("Filter by name, namespace, status or node   ( / )"));
    m_filter->setClearButtonEnabled(true);
    m_filter->addAction(Icons::get(QStringLiteral("filter")), QLineEdit::LeadingPosition);
    m_jump = new QLineEdit(this);
    m_jump->setObjectName(QStringLiteral("kindJump"));
    m_jump->setPlaceholderText(tr("Go to kind   ( : )"));
    m_jump->setMaximumWidth(200);
    m_counts = new QLabel(this);
    m_counts->setObjectName(QStringLiteral("objectCounts"));
    m_counts->setForegroundRole(QPalette::PlaceholderText);

    auto *header = new QHBoxLayout;
    header->setContentsMargins(12, 8, 12, 8);
    header->setSpacing(10);
    header->addWidget(m_title);
    header->addSpacing(12);
    header->addWidget(m_filter, 1);
    header->addWidget(m_jump);
    header->addWidget(m_counts);

    auto *tables = new QWidget(this);
    auto *tablesLayout = new QVBoxLayout(tables);
    tablesLayout->setContentsMargins(0, 0, 0, 0);
    tablesLayout->setSpacing(0);
    tablesLayout->addLayout(header);
    tablesLayout->addWidget(m_views, 1);

    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(tables);
    right->addWidget(m_detail);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    auto *splitter = new QSplitter(this);
    splitter->setObjectName(QStringLiteral("resourcesSplitter"));
    splitter->addWidget(m_kindTree);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({230, 1000});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    for (QTableView *view : {m_podView, m_deploymentView, m_kindView}) {
        view->setContextMenuPolicy(Qt::CustomContextMenu);
        connect(view, &QWidget::customContextMenuRequested, this, [this, view](const QPoint &pos) { openMenuAt(view, pos); });
        connect(view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this, view](const QModelIndex &current) {
            if (!current.isValid() || view != currentView())
                return;
            if (const auto object = currentModel()->objectAt(currentProxy()->mapToSource(current).row()))
                m_detail->showObject(m_current, object->ns, object->name);
        });
    }

    auto *ageTimer = new QTimer(this);
    ageTimer->setInterval(1000);
    connect(ageTimer, &QTimer::timeout, this, &ResourcesPage::refreshAges);
    ageTimer->start();
    // The sidebar's counts of kinds not watched: asked every 30 s while the page shows (and once
    // when it is Live or first shown), one small list each, counted on the session's worker.
    m_countTimer = new QTimer(this);
    m_countTimer->setInterval(30000);
    connect(m_countTimer, &QTimer::timeout, this, &ResourcesPage::refreshUnwatchedCounts);
    m_countTimer->start();

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        for (auto *proxy : {m_podProxy, m_deploymentProxy, m_kindProxy})
            proxy->setFilterText(text);
        updateCounts();
    });
    // Tables take typed characters for their keyboard search, so ":" never reaches a shortcut
    // (and shifted keys do not match a QShortcut reliably): caught before the table sees it.
    qApp->installEventFilter(this);
    m_podView->viewport()->installEventFilter(this);
    connect(m_jump, &QLineEdit::returnPressed, this, [this] {
        if (jumpToKind(m_jump->text()))
            m_jump->clear();
    });
    auto *slash = new QShortcut(QKeySequence(Qt::Key_Slash), this);
    slash->setContext(Qt::WidgetWithChildrenShortcut);
    connect(slash, &QShortcut::activated, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    auto *escape = new QShortcut(QKeySequence(Qt::Key_Escape), m_filter);
    escape->setContext(Qt::WidgetShortcut);
    connect(escape, &QShortcut::activated, m_filter, &QLineEdit::clear);
    for (QAbstractItemModel *m : {static_cast<QAbstractItemModel *>(m_podModel), static_cast<QAbstractItemModel *>(m_deploymentModel),
                                  static_cast<QAbstractItemModel *>(m_kindModel)}) {
        connect(m, &QAbstractItemModel::rowsInserted, this, &ResourcesPage::updateCounts);
        connect(m, &QAbstractItemModel::rowsRemoved, this, &ResourcesPage::updateCounts);
        connect(m, &QAbstractItemModel::modelReset, this, &ResourcesPage::updateCounts);
        connect(m, &QAbstractItemModel::rowsInserted, this, &ResourcesPage::selectPending);
        connect(m, &QAbstractItemModel::modelReset, this, &ResourcesPage::selectPending);
    }
    // A long list arrives in chunks: the counts say how far it got.
    for (models::ObjectTableModel *m : {static_cast<models::ObjectTableModel *>(m_podModel), static_cast<models::ObjectTableModel *>(m_deploymentModel),
                                        static_cast<models::ObjectTableModel *>(m_kindModel)}) {
        m->setChunkedLoading(true);
        connect(m, &models::ObjectTableModel::loadProgress, this, &ResourcesPage::updateCounts);
    }

    if (m_context.kinds)
        connect(m_context.kinds, &shell::KindCatalog::changed, this, &ResourcesPage::onKindsChanged);
    onKindsChanged();
    attachSession();
    selectKind(ResourceRef::pods());
}

QTableView *ResourcesPage::createTable(QAbstractItemModel *proxy, const QString &objectName)
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
    view->setFrameShape(QFrame::NoFrame);
    view->verticalHeader()->setVisible(false);
    // Fixed row height: the view never measures 10,000 rows.
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 10);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    view->horizontalHeader()->setStretchLastSection(true);
    view->sortByColumn(0, Qt::AscendingOrder);
    return view;
}

void ResourcesPage::attachSession()
{
    KubeSession *session = m_context.session;
    if (!session)
        return;
    connect(session, &KubeSession::podsSynced, m_podModel, &models::ObjectTableModel::resetObjects);
    connect(session, &KubeSession::podsChanged, m_podModel, &models::ObjectTableModel::applyChanges);
    connect(session, &KubeSession::deploymentsSynced, m_deploymentModel, &models::ObjectTableModel::resetObjects);
    connect(session, &KubeSession::deploymentsChanged, m_deploymentModel, &models::ObjectTableModel::applyChanges);
    connect(session, &KubeSession::kindColumnsChanged, this, [this](const QList<backends::kube::TableColumn> &cols, bool namespaced) {
        m_kindModel->setColumns(cols, namespaced);
        m_kindView->setColumnWidth(0, 300);
        // The server's STATUS column (pods of a Table, nodes, jobs…) in the status palette.
        const QStringList names = m_kindModel->columnNames();
        for (int c = 0; c < names.size(); ++c)
            m_kindView->setItemDelegateForColumn(c, names.at(c) == QLatin1String("Status") ? m_statusDelegate : nullptr);
    });
    connect(session, &KubeSession::kindSynced, m_kindModel, &models::ObjectTableModel::resetObjects);
    connect(session, &KubeSession::kindChanged, m_kindModel, &models::ObjectTableModel::applyChanges);
    connect(session, &KubeSession::connectionStateChanged, this, [this](KubeSession::ConnectionState state) {
        if (state == KubeSession::ConnectionState::Live && !m_countedOnce)
            refreshUnwatchedCounts();
        // Another context: nothing of the last one stays on screen.
        if (state == KubeSession::ConnectionState::Connecting) {
            m_countedOnce = false;
            m_podModel->clear();
            m_deploymentModel->clear();
            m_kindModel->clear();
            m_detail->clear();
            if (m_context.session && !m_current.plural.isEmpty() && m_views->currentWidget() == m_kindView)
                m_context.session->watchKind(m_current);
        }
    });
}

void ResourcesPage::onKindsChanged()
{
    if (!m_context.kinds)
        return;
    m_kindTreeModel->setRegistry(m_context.kinds->registry());
    m_kindTree->expandAll();
    const QModelIndex current = m_kindTreeModel->indexOf(m_current.groupResource());
    if (current.isValid()) {
        const QSignalBlocker block(m_kindTree->selectionModel());
        m_kindTree->setCurrentIndex(current);
    }
    updateCounts();
}

bool ResourcesPage::selectKind(const ResourceRef &ref)
{
    const QModelIndex index = m_kindTreeModel->indexOf(ref.groupResource());
    if (!index.isValid())
        return false;
    m_kindTree->setCurrentIndex(index);
    if (m_current.groupResource() != ref.groupResource())
        showKind(ref);
    return true;
}

void ResourcesPage::showKind(const ResourceRef &ref)
{
    m_current = ref;
    const backends::kube::KindInfo *kind = m_context.kinds ? m_context.kinds->find(ref) : nullptr;
    m_title->setText(kind ? kind->title : ref.kind);
    // Pods and deployments have the session's own informers and typed tables; every other kind
    // is watched in the server's Table form, one at a time.
    if (QTableView *typed = m_typedViews.value(ref.groupResource())) {
        m_views->setCurrentWidget(typed);
    } else {
        m_kindModel->clear();
        m_kindModel->setColumns({}, ref.namespaced);
        m_views->setCurrentWidget(m_kindView);
        if (m_context.session)
            m_context.session->watchKind(ref);
    }
    updateCounts();
}

bool ResourcesPage::jumpToKind(const QString &text)
{
    const QString wanted = text.trimmed();
    if (wanted.isEmpty())
        return false;
    const backends::kube::KindInfo *kind = m_context.kinds ? m_context.kinds->registry().lookup(wanted) : nullptr;
    if (kind && selectKind(kind->ref)) {
        currentView()->setFocus();
        return true;
    }
    Q_EMIT statusMessage(tr("No kind called \"%1\"").arg(wanted));
    return false;
}

models::ObjectTableModel *ResourcesPage::currentModel() const
{
    QWidget *w = m_views->currentWidget();
    if (w == m_podView)
        return m_podModel;
    if (w == m_deploymentView)
        return m_deploymentModel;
    return m_kindModel;
}

QAbstractProxyModel *ResourcesPage::currentProxy() const { return currentObjectProxy(); }
QAbstractProxyModel *ResourcesPage::podProxy() const { return m_podProxy; }

models::ObjectFilterProxyModel *ResourcesPage::currentObjectProxy() const
{
    QWidget *w = m_views->currentWidget();
    return w == m_podView ? m_podProxy : w == m_deploymentView ? m_deploymentProxy : m_kindProxy;
}
QTableView *ResourcesPage::currentView() const { return static_cast<QTableView *>(m_views->currentWidget()); }
QPlainTextEdit *ResourcesPage::yamlView() const { return m_detail->yamlEdit(); }

QMenu *ResourcesPage::menuForRow(int proxyRow)
{
    const auto object = currentModel()->objectAt(currentProxy()->mapToSource(currentProxy()->index(proxyRow, 0)).row());
    const backends::kube::KindInfo *kind = m_context.kinds ? m_context.kinds->find(m_current) : nullptr;
    if (!object || !kind)
        return nullptr;
    return shell::objectMenu(m_context, *kind, object, this);
}

void ResourcesPage::openMenuAt(QTableView *view, const QPoint &pos)
{
    const QModelIndex index = view->indexAt(pos);
    if (!index.isValid())
        return;
    if (QMenu *menu = menuForRow(index.row()))
        menu->popup(view->viewport()->mapToGlobal(pos));
}

void ResourcesPage::onNamespacesChanged(const QStringList &namespaces)
{
    // One namespace: the session's watches are scoped on the server. Several: all are watched
    // and filtered here.
    const QSet<QString> filter = namespaces.size() > 1 ? QSet<QString>(namespaces.begin(), namespaces.end()) : QSet<QString>();
    for (auto *proxy : {m_podProxy, m_deploymentProxy, m_kindProxy})
        proxy->setNamespaces(filter);
    updateCounts();
}

void ResourcesPage::updateCounts()
{
    auto part = [](int shown, int total) { return shown == total ? QString::number(total) : tr("%1 of %2").arg(shown).arg(total); };
    const models::ObjectTableModel *model = currentModel();
    const QString shown = tr("%1 shown").arg(part(currentProxy()->rowCount(), model->rowCount()));
    m_counts->setText(model->isLoading() ? tr("%1, loading %2 of %3").arg(shown).arg(model->loadedCount()).arg(model->loadTotal()) : shown);
    for (auto it = m_typedViews.cbegin(); it != m_typedViews.cend(); ++it)
        m_kindTreeModel->setCount(it.key(), it.value()->model()->rowCount());
    if (currentModel() == m_kindModel)
        m_kindTreeModel->setCount(m_current.groupResource(), m_kindProxy->rowCount());
}

void ResourcesPage::refreshUnwatchedCounts()
{
    KubeSession *session = m_context.session;
    if (!session || !m_context.kinds || !isVisible() || session->state() != KubeSession::ConnectionState::Live)
        return;
    QList<ResourceRef> unwatched;
    for (const backends::kube::KindInfo &kind : m_context.kinds->registry().kinds()) {
        const QString id = kind.ref.groupResource();
        if (!kind.listable() || m_typedViews.contains(id) || (id == m_current.groupResource() && currentModel() == m_kindModel))
            continue;
        unwatched << kind.ref;
    }
    m_countedOnce = true;
    session->countObjects(unwatched, session->namespaceScope(), this, [this](const ResourceRef &kind, int count) {
        const QString id = kind.groupResource();
        // A kind shown meanwhile has its live count from its table.
        if (m_typedViews.contains(id) || (id == m_current.groupResource() && currentModel() == m_kindModel))
            return;
        m_kindTreeModel->setCount(id, count);
    });
}

void ResourcesPage::showEvent(QShowEvent *event)
{
    Page::showEvent(event);
    // Counted when the connection went Live only if the page showed then.
    if (!m_countedOnce)
        refreshUnwatchedCounts();
}

void ResourcesPage::refreshAges()
{
    if (!isVisible())
        return;
    // Only the rows on screen: ages elsewhere are computed when they scroll into view.
    QTableView *view = currentView();
    models::ObjectFilterProxyModel *proxy = currentObjectProxy();
    models::ObjectTableModel *model = currentModel();
    const int column = model == m_podModel ? int(models::PodTableModel::AgeColumn)
                       : model == m_deploymentModel ? int(models::DeploymentTableModel::AgeColumn)
                                                    : m_kindModel->ageColumn();
    if (column < 0 || proxy->rowCount() == 0)
        return;
    const int top = view->rowAt(0);
    int bottom = view->rowAt(view->viewport()->height() - 1);
    if (top < 0)
        return;
    if (bottom < 0)
        bottom = proxy->rowCount() - 1;
    QList<int> rows;
    rows.reserve(bottom - top + 1);
    for (int r = top; r <= bottom; ++r)
        rows << proxy->sourceRow(r);
    model->refreshCells(column, rows);
}

void ResourcesPage::reopen(const QVariantMap &args)
{
    const QString plural = args.value(QStringLiteral("plural")).toString();
    if (!plural.isEmpty() && m_context.kinds) {
        if (const auto *kind = m_context.kinds->registry().find(args.value(QStringLiteral("group")).toString(), plural))
            selectKind(kind->ref);
    }
    const QString name = args.value(QStringLiteral("name")).toString();
    if (name.isEmpty())
        return;
    m_pendingNs = args.value(QStringLiteral("namespace")).toString();
    m_pendingName = name;
    m_pendingEdit = args.value(QStringLiteral("edit")).toBool();
    selectPending();
}

void ResourcesPage::selectPending()
{
    if (m_pendingName.isEmpty())
        return;
    if (!selectObject(m_pendingNs, m_pendingName))
        return;
    if (m_pendingEdit) {
        m_detail->showObject(m_current, m_pendingNs, m_pendingName);
        m_detail->startEditWhenLoaded();
    }
    m_pendingName.clear();
    m_pendingEdit = false;
}

bool ResourcesPage::selectObject(const QString &ns, const QString &name)
{
    const int row = currentModel()->rowOf(ns.isEmpty() ? name : ns + QLatin1Char('/') + name);
    if (row < 0)
        return false;
    const QModelIndex index = currentProxy()->mapFromSource(currentModel()->index(row, 0));
    if (!index.isValid())
        return false;
    currentView()->setCurrentIndex(index);
    currentView()->scrollTo(index);
    return true;
}

QVariantMap ResourcesPage::selection() const
{
    const QModelIndex current = currentView()->currentIndex();
    if (!current.isValid())
        return {};
    const auto object = currentModel()->objectAt(currentProxy()->mapToSource(current).row());
    if (!object)
        return {};
    return {{QStringLiteral("group"), m_current.group},
            {QStringLiteral("plural"), m_current.plural},
            {QStringLiteral("namespace"), object->ns},
            {QStringLiteral("name"), object->name},
            {QStringLiteral("object"), QVariant::fromValue(object)}};
}

bool ResourcesPage::eventFilter(QObject *watched, QEvent *event)
{
    if (!m_firstRowsPainted && event->type() == QEvent::Paint && watched == m_podView->viewport() && m_podProxy->rowCount() > 0) {
        m_firstRowsPainted = true;
        // Queued: said once this paint has been done.
        QMetaObject::invokeMethod(this, &ResourcesPage::firstRowsPainted, Qt::QueuedConnection);
    }
    if (event->type() == QEvent::KeyPress && isVisible()) {
        auto *key = static_cast<QKeyEvent *>(event);
        QWidget *target = qobject_cast<QWidget *>(watched);
        if (key->text() == QLatin1String(":") && target && isAncestorOf(target) && !qobject_cast<QLineEdit *>(target)) {
            m_jump->setFocus();
            m_jump->selectAll();
            return true;
        }
    }
    return shell::Page::eventFilter(watched, event);
}

}  // namespace pilothouse::widgets
