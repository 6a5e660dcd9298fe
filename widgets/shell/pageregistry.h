// The page registry: every page type the shell can show (id, title, icon, group, shortcut,
// factory, one instance or one per object). Domains register their pages from app/
// (app/registerpages.cpp); the shell builds its navigation rail and the palette from it.
#pragma once

#include <QKeySequence>
#include <QList>
#include <QString>
#include <QVariantMap>

#include <functional>

namespace pilothouse::backends::kube {
class KubeSession;
}
namespace pilothouse::backends::http {
class HttpEngine;
}

namespace pilothouse::widgets::shell {

class ActionRunner;
class KindCatalog;
class Navigator;
class Page;
class ShellSettings;

// What a page may use; the pointers outlive every page.
struct PageContext {
    backends::kube::KubeSession *session = nullptr;
    backends::http::HttpEngine *engine = nullptr;
    Navigator *navigator = nullptr;
    ActionRunner *actions = nullptr;
    ShellSettings *settings = nullptr;
    KindCatalog *kinds = nullptr;
};

struct PageType {
    QString id;             // "rollouts"; the --page argument and the navigator's name
    QString title;          // "Rollouts"
    QString icon;           // an icon name (widgets/style)
    QString group;          // one of PageRegistry::groups()
    QString description;    // one line for the palette and tooltips
    QKeySequence shortcut;  // opens or raises the page
    // One instance (the rail lists it) or one per object (opened from an object: logs, scaling).
    bool singleton = true;
    // The page stays while the window does (its tab has no close button): the browser.
    bool permanent = false;
    // Per-object pages: the key that tells two instances apart, from the arguments; empty when
    // the arguments do not name an object (the page cannot open then).
    std::function<QString(const QVariantMap &args)> key;
    // Builds the page; nullptr with *error set when it cannot open (not connected, bad arguments).
    std::function<Page *(const PageContext &context, const QVariantMap &args, QString *error)> create;
    // Keeps the rail's badge while the page is closed: a watcher (owned by the caller) that calls
    // `setBadge` with the count of what waits for the operator. Null: only an open page sets it.
    std::function<QObject *(const PageContext &context, std::function<void(int count)> setBadge)> badge;
};

class PageRegistry {
public:
    // Cluster, Delivery, Pipelines, Observe, Cockpit: the rail's order.
    static QStringList groups();

    void add(PageType type);
    const PageType *find(const QString &id) const;
    QList<PageType> types() const { return m_types; }
    // The key a page of `id` opened with `args` gets ("" when it cannot open).
    QString keyFor(const QString &id, const QVariantMap &args) const;

private:
    QList<PageType> m_types;
};

}  // namespace pilothouse::widgets::shell
