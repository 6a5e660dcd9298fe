// The Endpoints controller (kube-controller-manager's pkg/controller/endpoint).
#include "kube/endpointscontroller.h"

#include "kube/objectutil.h"

#include <algorithm>
#include <vector>

namespace pilothouse::sim {

namespace {

std::string pairKey(const std::string &key, const Json &value)
{
    return key + '=' + (value.is_string() ? value.get<std::string>() : value.dump());
}

const Json *labelsOf(const StoredObject &o)
{
    const Json *labels = findPath(o.obj, "metadata.labels");
    return labels && labels->is_object() ? labels : nullptr;
}

const Json *selectorOf(const StoredObject &svc)
{
    const Json *sel = findPath(svc.obj, "spec.selector");
    return sel && sel->is_object() && !sel->empty() ? sel : nullptr;
}

bool selects(const Json &selector, const Json *labels)
{
    if (!labels)
        return false;
    for (const auto &[k, v] : selector.items())
        if (!labels->contains(k) || (*labels)[k] != v)
            return false;
    return true;
}

}  // namespace

EndpointsController::EndpointsController(Cluster &cluster) : m_cluster(cluster) {}

void EndpointsController::resync()
{
    auto &store = m_cluster.store();
    m_podsByLabel.clear();
    m_servicesByLabel.clear();
    for (const auto &o : store.list(rtype("", "pods")).items)
        indexPod(*o, 1);
    for (const auto &o : store.list(rtype("", "services")).items)
        indexService(*o, 1);
    for (const auto &o : store.list(rtype("", "namespaces")).items)
        m_dirtyNamespaces.insert(o->name);
}

void EndpointsController::periodicResync()
{
    for (const auto &o : m_cluster.store().list(rtype("", "namespaces")).items)
        m_dirtyNamespaces.insert(o->name);
}

void EndpointsController::indexPod(const StoredObject &pod, int delta)
{
    const Json *labels = labelsOf(pod);
    if (!labels)
        return;
    auto &byLabel = m_podsByLabel[pod.ns];
    for (const auto &[k, v] : labels->items()) {
        const std::string key = pairKey(k, v);
        if (delta > 0) {
            byLabel[key].insert(pod.name);
        } else if (auto it = byLabel.find(key); it != byLabel.end()) {
            it->second.erase(pod.name);
            if (it->second.empty())
                byLabel.erase(it);
        }
    }
}

void EndpointsController::indexService(const StoredObject &svc, int delta)
{
    const Json *sel = selectorOf(svc);
    if (!sel)
        return;
    auto &byLabel = m_servicesByLabel[svc.ns];
    const std::string key = pairKey(sel->begin().key(), sel->begin().value());
    if (delta > 0) {
        byLabel[key].insert(svc.name);
    } else if (auto it = byLabel.find(key); it != byLabel.end()) {
        it->second.erase(svc.name);
        if (it->second.empty())
            byLabel.erase(it);
    }
}

void EndpointsController::markServicesOf(const StoredObject &pod)
{
    const Json *labels = labelsOf(pod);
    auto nsIt = m_servicesByLabel.find(pod.ns);
    if (!labels || nsIt == m_servicesByLabel.end())
        return;
    const auto &svcType = rtype("", "services");
    for (const auto &[k, v] : labels->items()) {
        auto it = nsIt->second.find(pairKey(k, v));
        if (it == nsIt->second.end())
            continue;
        for (const std::string &name : it->second) {
            ObjPtr svc = m_cluster.store().get(svcType, pod.ns, name);
            const Json *sel = svc ? selectorOf(*svc) : nullptr;
            if (!svc || (sel && selects(*sel, labels)))
                m_dirtyServices.insert({pod.ns, name});
        }
    }
}

void EndpointsController::observe(const WatchEvent &e)
{
    static const int podIdx = rtype("", "pods").index;
    static const int svcIdx = rtype("", "services").index;
    if (e.type == podIdx) {
        // Before and after: a pod that changed labels leaves one Service and joins another.
        if (e.prev) {
            markServicesOf(*e.prev);
            indexPod(*e.prev, -1);
        }
        markServicesOf(*e.obj);
        indexPod(*e.obj, e.kind == EventKind::Deleted ? -1 : 1);
    } else if (e.type == svcIdx) {
        if (e.prev)
            indexService(*e.prev, -1);
        indexService(*e.obj, e.kind == EventKind::Deleted ? -1 : 1);
        m_dirtyServices.insert({e.obj->ns, e.obj->name});
    }
}

void EndpointsController::reconcile()
{
    auto namespaces = std::move(m_dirtyNamespaces);
    m_dirtyNamespaces.clear();
    auto services = std::move(m_dirtyServices);
    m_dirtyServices.clear();
    for (const auto &ns : namespaces)
        guarded([&] { syncNamespace(ns); });
    for (const auto &[ns, name] : services)
        if (!namespaces.count(ns))
            guarded([&] { syncService(ns, name); });
}

void EndpointsController::syncNamespace(const std::string &ns)
{
    auto &store = m_cluster.store();
    const auto &epType = rtype("", "endpoints");
    std::set<std::string> names;
    for (const auto &svc : store.list(rtype("", "services"), ns).items) {
        names.insert(svc->name);
        syncService(ns, svc->name);
    }
    // Endpoints the controller made for a Service that no longer exists.
    for (const auto &ep : store.list(epType, ns).items) {
        const Json *annotations = findPath(ep->obj, "metadata.annotations");
        if (!names.count(ep->name) && annotations && annotations->contains("endpoints.kubernetes.io/last-change-trigger-time"))
            store.erase(epType, ns, ep->name);
    }
}

void EndpointsController::syncService(const std::string &ns, const std::string &name)
{
    const auto &svcType = rtype("", "services");
    const auto &epType = rtype("", "endpoints");
    const auto &podType = rtype("", "pods");
    auto &store = m_cluster.store();
    ObjPtr svc = store.get(svcType, ns, name);
    if (!svc) {
        // Gone: so are the Endpoints the controller made for it.
        if (ObjPtr ep = store.get(epType, ns, name)) {
            const Json *annotations = findPath(ep->obj, "metadata.annotations");
            if (annotations && annotations->contains("endpoints.kubernetes.io/last-change-trigger-time"))
                store.erase(epType, ns, name);
        }
        return;
    }
    {
        const Json *sel = selectorOf(*svc);
        if (!sel)
            return;
        // The candidates: the pods carrying the selector's rarest pair (sorted by name, as a list is).
        static const std::set<std::string> none;
        const std::set<std::string> *candidates = &none;
        if (auto nsIt = m_podsByLabel.find(ns); nsIt != m_podsByLabel.end()) {
            bool first = true;
            for (const auto &[k, v] : sel->items()) {
                auto it = nsIt->second.find(pairKey(k, v));
                const std::set<std::string> *set = it == nsIt->second.end() ? &none : &it->second;
                if (first || set->size() < candidates->size())
                    candidates = set;
                first = false;
            }
        }
        std::vector<ObjPtr> pods;
        for (const std::string &podName : *candidates)
            if (ObjPtr p = store.get(podType, ns, podName))
                pods.push_back(std::move(p));
        Json addresses = Json::array(), notReady = Json::array();
        const Json *firstPod = nullptr;
        for (const auto &p : pods) {
            if (!selects(*sel, labelsOf(*p)) || isTerminating(p->obj) || stringAt(p->obj, "status.podIP").empty())
                continue;
            Json addr = {{"ip", stringAt(p->obj, "status.podIP")}, {"nodeName", stringAt(p->obj, "spec.nodeName")},
                         {"targetRef", {{"kind", "Pod"}, {"namespace", ns}, {"name", p->name}, {"uid", p->uid}}}};
            // A StatefulSet's pods are addressable by name through their governing Service.
            if (std::string host = stringAt(p->obj, "spec.hostname"); !host.empty() && stringAt(p->obj, "spec.subdomain") == svc->name)
                addr["hostname"] = host;
            (isPodReady(p->obj) ? addresses : notReady).push_back(addr);
            if (!firstPod)
                firstPod = &p->obj;
        }
        Json ports = Json::array();
        if (const Json *sp = findPath(svc->obj, "spec.ports"); sp && sp->is_array())
            for (const auto &port : *sp) {
                Json target = port.value("targetPort", port.value("port", Json(0)));
                long long number = target.is_number_integer() ? target.get<long long>() : 0;
                if (target.is_string() && firstPod)
                    for (const auto &c : (*firstPod)["spec"]["containers"])
                        for (const auto &cp : c.value("ports", Json::array()))
                            if (cp.value("name", "") == target.get<std::string>())
                                number = cp.value("containerPort", 0);
                Json ep = {{"port", number}, {"protocol", port.value("protocol", "TCP")}};
                if (port.contains("name"))
                    ep["name"] = port["name"];
                ports.push_back(ep);
            }
        Json subsets = Json::array();
        if (!addresses.empty() || !notReady.empty()) {
            Json subset = {{"ports", ports}};
            if (!addresses.empty())
                subset["addresses"] = addresses;
            if (!notReady.empty())
                subset["notReadyAddresses"] = notReady;
            subsets.push_back(subset);
        }
        ObjPtr existing = store.get(epType, ns, svc->name);
        auto fill = [&](Json &o) {
            Json before = o.value("subsets", Json::array());
            if (before == subsets && o.contains("metadata") && o["metadata"].contains("annotations"))
                return false;
            if (subsets.empty())
                o.erase("subsets");
            else
                o["subsets"] = subsets;
            o["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] = rfc3339Now();
            if (const Json *l = findPath(svc->obj, "metadata.labels"))
                o["metadata"]["labels"] = *l;
            return true;
        };
        if (!existing) {
            Json ep = {{"metadata", {{"name", svc->name}, {"namespace", ns}}}};
            fill(ep);
            m_cluster.create(epType, ns, ep, {"", "kube-controller-manager", false});
        } else {
            store.modify(epType, ns, svc->name, fill);
        }
    }
}

}  // namespace pilothouse::sim
