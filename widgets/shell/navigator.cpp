// Page lifetimes: one per key, raised when asked for again, closed from its tab.
#include "shell/navigator.h"

#include "shell/page.h"
#include "style/icons.h"

#include <QTabBar>
#include <QTabWidget>

namespace pilothouse::widgets::shell {

Navigator::Navigator(const PageRegistry *registry, QTabWidget *tabs, QObject *parent)
    : QObject(parent), m_registry(registry), m_tabs(tabs)
{
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] { Q_EMIT currentPageChanged(currentPage()); });
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, [this](int index) {
        if (auto *p = qobject_cast<Page *>(m_tabs->widget(index)))
            close(p);
    });
}

void Navigator::setContext(const PageContext &context)
{
    m_context = context;
    qDeleteAll(m_badgeWatchers);
    m_badgeWatchers.clear();
    if (!context.session)
        return;
    for (const PageType &type : m_registry->types()) {
        if (!type.badge)
            continue;
        const QString id = type.id;
        if (QObject *watcher = type.badge(context, [this, id](int count) { Q_EMIT badgeChanged(id, count); })) {
            watcher->setParent(this);
            m_badgeWatchers << watcher;
        }
    }
}

Page *Navigator::open(const QString &id, const QVariantMap &args)
{
    const PageType *type = m_registry->find(id);
    if (!type) {
        Q_EMIT openFailed(id, tr("There is no page called \"%1\"").arg(id));
        return nullptr;
    }
    const QString key = m_registry->keyFor(id, args);
    if (key.isEmpty()) {
        Q_EMIT openFailed(id, tr("%1 opens from an object: choose one first").arg(type->title));
        return nullptr;
    }
    if (Page *existing = page(key)) {
        m_tabs->setCurrentWidget(existing);
        existing->reopen(args);
        return existing;
    }
    QString error;
    Page *created = type->create ? type->create(m_context, args, &error) : nullptr;
    if (!created) {
        Q_EMIT openFailed(id, error.isEmpty() ? tr("%1 could not be opened").arg(type->title) : error);
        return nullptr;
    }
    ++m_built;
    created->setPageIdentity(id, key);
    created->applyReadOnlyReason(m_readOnlyReason);
    created->applyNamespaces(m_namespaces);
    connect(created, &Page::statusMessage, this, [this, created](const QString &text) { Q_EMIT statusMessage(text, created); });
    connect(created, &Page::actionOutcome, this, &Navigator::actionOutcome);
    connect(created, &Page::badgeChanged, this, [this, id](int count) { Q_EMIT badgeChanged(id, count); });
    connect(created, &Page::titleChanged, this, [this, created](const QString &title) {
        const int index = m_tabs->indexOf(created);
        if (index >= 0)
            m_tabs->setTabText(index, title);
    });
    const QString title = created->windowTitle().isEmpty() ? type->title : created->windowTitle();
    const int index = m_tabs->addTab(created, Icons::get(type->icon), title);
    m_tabs->setTabToolTip(index, type->singleton ? type->description : key);
    if (type->permanent) {
        m_tabs->tabBar()->setTabButton(index, QTabBar::RightSide, nullptr);
        m_tabs->tabBar()->setTabButton(index, QTabBar::LeftSide, nullptr);
    }
    m_tabs->setCurrentIndex(index);
    Q_EMIT pageOpened(created);
    if (!args.isEmpty())
        created->reopen(args);
    return created;
}

Page *Navigator::page(const QString &key) const
{
    for (int i = 0; i < m_tabs->count(); ++i)
        if (auto *p = qobject_cast<Page *>(m_tabs->widget(i)); p && p->pageKey() == key)
            return p;
    return nullptr;
}

Page *Navigator::pageOfType(const QString &id) const
{
    for (int i = 0; i < m_tabs->count(); ++i)
        if (auto *p = qobject_cast<Page *>(m_tabs->widget(i)); p && p->pageTypeId() == id)
            return p;
    return nullptr;
}

QList<Page *> Navigator::pages() const
{
    QList<Page *> out;
    for (int i = 0; i < m_tabs->count(); ++i)
        if (auto *p = qobject_cast<Page *>(m_tabs->widget(i)))
            out << p;
    return out;
}

Page *Navigator::currentPage() const { return qobject_cast<Page *>(m_tabs->currentWidget()); }

void Navigator::close(Page *page)
{
    const int index = m_tabs->indexOf(page);
    const PageType *type = m_registry->find(page->pageTypeId());
    if (index < 0 || (type && type->permanent))
        return;
    const QString key = page->pageKey();
    m_tabs->removeTab(index);
    page->deleteLater();
    Q_EMIT pageClosed(key);
}

void Navigator::setReadOnlyReason(const QString &reason)
{
    m_readOnlyReason = reason;
    for (Page *p : pages())
        p->applyReadOnlyReason(reason);
}

}  // namespace pilothouse::widgets::shell

namespace pilothouse::widgets::shell {

void Navigator::setNamespaces(const QStringList &namespaces)
{
    m_namespaces = namespaces;
    for (Page *p : pages())
        p->applyNamespaces(namespaces);
}

}  // namespace pilothouse::widgets::shell
