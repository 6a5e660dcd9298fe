// The namespace controller (kube-controller-manager's pkg/controller/namespace).
#include "kube/namespacecontroller.h"

#include "kube/objectutil.h"

namespace pilothouse::sim {

NamespaceController::NamespaceController(Cluster &cluster) : m_cluster(cluster) {}

void NamespaceController::resync()
{
    for (const auto &o : m_cluster.store().list(rtype("", "namespaces")).items)
        if (isTerminating(o->obj))
            m_dirty.insert(o->name);
}

void NamespaceController::observe(const WatchEvent &e)
{
    static const int nsIdx = rtype("", "namespaces").index;
    if (e.type == nsIdx && isTerminating(e.obj->obj))
        m_dirty.insert(e.obj->name);
}

void NamespaceController::reconcile()
{
    auto terminating = std::move(m_dirty);
    m_dirty.clear();
    for (const auto &ns : terminating)
        guarded([&] { syncNamespace(ns); });
}

void NamespaceController::syncNamespace(const std::string &name)
{
    auto &store = m_cluster.store();
    const auto &registry = ResourceRegistry::instance();
    const auto &nsType = rtype("", "namespaces");
    ObjPtr ns = store.get(nsType, "", name);
    if (!ns || !isTerminating(ns->obj))
        return;
    bool remaining = false;
    for (const auto &t : registry.all()) {
        if (!t.namespaced || t.verbs.size() == 1)
            continue;
        for (const auto &o : store.list(t, name).items) {
            remaining = true;
            if (!isTerminating(o->obj))
                m_cluster.remove(t, name, o->name, {{"propagationPolicy", "Background"}});
        }
    }
    if (remaining) {
        m_dirty.insert(name);
        return;
    }
    store.erase(nsType, "", name);
}
}  // namespace pilothouse::sim
