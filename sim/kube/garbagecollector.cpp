// The garbage collector (kube-controller-manager's pkg/controller/garbagecollector), simplified:
// owners are found among the kinds that own others, not through a graph of every object.
#include "kube/garbagecollector.h"

#include "kube/objectutil.h"

#include <algorithm>

namespace pilothouse::sim {

GarbageCollector::GarbageCollector(Cluster &cluster) : m_cluster(cluster)
{
    for (const char *plural : {"deployments", "replicasets", "statefulsets", "daemonsets"})
        addOwnerType(rtype("apps", plural));
    addOwnerType(rtype("batch", "jobs"));
    addOwnerType(rtype("batch", "cronjobs"));
}

void GarbageCollector::addOwnerType(const ResourceType &t) { m_ownerTypes.insert(t.index); }

void GarbageCollector::resync()
{
    // Every resync but the first also sweeps orphans: deletions the events did not show.
    m_sweep = m_started;
    m_started = true;
    m_added.clear();  // the whole sweep looks at them
}

void GarbageCollector::observe(const WatchEvent &e)
{
    static const std::set<int> ownedTypes = {rtype("apps", "replicasets").index, rtype("", "pods").index, rtype("batch", "jobs").index,
                                             rtype("apps", "controllerrevisions").index};
    if (e.kind == EventKind::Added && ownedTypes.count(e.type) && findPath(e.obj->obj, "metadata.ownerReferences"))
        m_added.insert({e.type, e.obj->ns, e.obj->name});
    if (e.kind == EventKind::Deleted)
        m_deletedUids.insert(e.obj->uid);
    else if (isTerminating(e.obj->obj) && findPath(e.obj->obj, "metadata.finalizers"))
        m_deletedUids.insert(e.obj->uid);  // foreground/orphan finalizers to process
}

void GarbageCollector::reconcile()
{
    collectGarbage();
    if (m_sweep) {
        m_sweep = false;
        m_sweepAdded = false;
        sweepOrphans();
    } else if (m_sweepAdded) {
        m_sweepAdded = false;
        sweepAdded();
    }
}

void GarbageCollector::collectGarbage()
{
    auto &store = m_cluster.store();
    const auto &registry = ResourceRegistry::instance();
    auto uids = std::move(m_deletedUids);
    m_deletedUids.clear();
    for (const auto &uid : uids) {
        // Is the owner still there, waiting on a foreground or orphan finalizer?
        ObjPtr owner;
        for (const auto &t : registry.all()) {
            if (!m_ownerTypes.count(t.index) && t.plural != "services")
                continue;
            for (const auto &o : store.list(t).items)
                if (o->uid == uid)
                    owner = o;
            if (owner)
                break;
        }
        auto dependents = store.dependentsOf(uid);
        if (owner) {
            const Json *fin = findPath(owner->obj, "metadata.finalizers");
            bool foreground = fin && std::find(fin->begin(), fin->end(), "foregroundDeletion") != fin->end();
            bool orphan = fin && std::find(fin->begin(), fin->end(), "orphan") != fin->end();
            const ResourceType &ot = registry.all()[owner->type];
            if (orphan) {
                for (const auto &dep : dependents)
                    store.modify(registry.all()[dep->type], dep->ns, dep->name, [&](Json &o) {
                        Json kept = Json::array();
                        for (const auto &r : o["metadata"]["ownerReferences"])
                            if (r.value("uid", "") != uid)
                                kept.push_back(r);
                        if (kept.empty())
                            o["metadata"].erase("ownerReferences");
                        else
                            o["metadata"]["ownerReferences"] = kept;
                        return true;
                    });
                dependents.clear();
            }
            if (foreground && !dependents.empty()) {
                for (const auto &dep : dependents)
                    if (!isTerminating(dep->obj))
                        m_cluster.remove(registry.all()[dep->type], dep->ns, dep->name, {{"propagationPolicy", "Foreground"}});
                m_deletedUids.insert(uid);  // look again until the dependents are gone
                continue;
            }
            if (foreground || orphan) {
                store.modify(ot, owner->ns, owner->name, [&](Json &o) {
                    Json kept = Json::array();
                    for (const auto &f : o["metadata"]["finalizers"])
                        if (f != "foregroundDeletion" && f != "orphan")
                            kept.push_back(f);
                    if (kept.empty())
                        o["metadata"].erase("finalizers");
                    else
                        o["metadata"]["finalizers"] = kept;
                    return true;
                });
                m_cluster.finalizeIfReady(ot, owner->ns, owner->name);
            }
            continue;
        }
        // Owner gone: dependents whose every owner is gone are deleted in the background.
        for (const auto &dep : dependents) {
            bool ownerLeft = false;
            for (const auto &r : dep->obj["metadata"]["ownerReferences"])
                if (r.value("uid", "") != uid && !store.dependentsOf(r.value("uid", "")).empty())
                    ownerLeft = true;
            if (!ownerLeft && !isTerminating(dep->obj))
                m_cluster.remove(registry.all()[dep->type], dep->ns, dep->name, {{"propagationPolicy", "Background"}});
        }
    }
}

void GarbageCollector::sweepOrphans()
{
    auto &store = m_cluster.store();
    const auto &registry = ResourceRegistry::instance();
    std::set<std::string> uids;
    for (const auto &t : registry.all())
        if (m_ownerTypes.count(t.index))
            for (const auto &o : store.list(t).items)
                uids.insert(o->uid);
    for (const ResourceType *owned : {&rtype("apps", "replicasets"), &rtype("", "pods"), &rtype("batch", "jobs"), &rtype("apps", "controllerrevisions")}) {
        const auto &t = *owned;
        for (const auto &o : store.list(t).items) {
            const Json *refs = findPath(o->obj, "metadata.ownerReferences");
            if (!refs || !refs->is_array() || refs->empty() || isTerminating(o->obj))
                continue;
            bool anyOwner = std::any_of(refs->begin(), refs->end(), [&](const Json &r) { return uids.count(r.value("uid", "")) > 0; });
            if (!anyOwner)
                m_cluster.remove(t, o->ns, o->name, {{"propagationPolicy", "Background"}});
        }
    }
}

bool GarbageCollector::ownerExists(const StoredObject &dependent, const Json &ref) const
{
    const auto &registry = ResourceRegistry::instance();
    const std::string uid = ref.value("uid", "");
    const std::string kind = ref.value("kind", "");
    for (const auto &t : registry.all()) {
        if (!m_ownerTypes.count(t.index) || t.kind != kind)
            continue;
        ObjPtr owner = m_cluster.store().get(t, t.namespaced ? dependent.ns : std::string(), ref.value("name", ""));
        if (owner && owner->uid == uid)
            return true;
    }
    return false;
}

void GarbageCollector::sweepAdded()
{
    const auto &registry = ResourceRegistry::instance();
    auto added = std::move(m_added);
    m_added.clear();
    for (const auto &a : added) {
        const ResourceType &t = registry.all()[a.type];
        ObjPtr o = m_cluster.store().get(t, a.ns, a.name);
        if (!o || isTerminating(o->obj))
            continue;
        const Json *refs = findPath(o->obj, "metadata.ownerReferences");
        if (!refs || !refs->is_array() || refs->empty())
            continue;
        if (std::none_of(refs->begin(), refs->end(), [&](const Json &r) { return ownerExists(*o, r); }))
            guarded([&] { m_cluster.remove(t, o->ns, o->name, {{"propagationPolicy", "Background"}}); });
    }
}

}  // namespace pilothouse::sim
