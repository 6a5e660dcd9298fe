// Opens or raises pages by id and arguments. The key is computed before anything is built, so a
// page that is already open is raised (and told the new arguments) instead of built twice.
#pragma once

#include "shell/pageregistry.h"

#include <QObject>
#include <QPointer>

class QTabWidget;

namespace pilothouse::widgets::shell {

class Page;

class Navigator : public QObject {
    Q_OBJECT

public:
    Navigator(const PageRegistry *registry, QTabWidget *tabs, QObject *parent = nullptr);

    // Also starts the badge watchers of the registered pages that have one.
    void setContext(const PageContext &context);
    const PageContext &context() const { return m_context; }
    const PageRegistry *registry() const { return m_registry; }

    // Raises the page `id` with `args` when one with the same key is open, else builds it.
    // Returns nullptr (and emits openFailed) when it cannot open.
    Page *open(const QString &id, const QVariantMap &args = {});
    // The open page with this key, or nullptr.
    Page *page(const QString &key) const;
    // The first open page of a type.
    Page *pageOfType(const QString &id) const;
    QList<Page *> pages() const;
    Page *currentPage() const;
    void close(Page *page);
    // How many pages the navigator has built (tests: raising must not build).
    int pagesBuilt() const { return m_built; }

    // Every open page and every page opened later gets this reason ("" allows changes).
    void setReadOnlyReason(const QString &reason);
    QString readOnlyReason() const { return m_readOnlyReason; }
    void setNamespaces(const QStringList &namespaces);

Q_SIGNALS:
    void pageOpened(pilothouse::widgets::shell::Page *page);
    void currentPageChanged(pilothouse::widgets::shell::Page *page);
    void pageClosed(const QString &key);
    void openFailed(const QString &id, const QString &message);
    // Relayed from the pages, for the status bar and the rail's badges.
    // A page's message; empty when what it reported is over (its problem cleared).
    void statusMessage(const QString &text, pilothouse::widgets::shell::Page *from);
    void actionOutcome(const QString &message, bool ok);
    void badgeChanged(const QString &typeId, int count);

private:
    const PageRegistry *m_registry;
    QTabWidget *m_tabs;
    PageContext m_context;
    QList<QObject *> m_badgeWatchers;
    QString m_readOnlyReason;
    QStringList m_namespaces;
    int m_built = 0;
};

}  // namespace pilothouse::widgets::shell
