// The Endpoints controller (kube-controller-manager's pkg/controller/endpoint).
#include "kube/endpointscontroller.h"

#include "kube/objectutil.h"

#include <algorithm>

namespace pilothouse::sim {

EndpointsController::EndpointsController(Cluster &cluster) : m_cluster(cluster) {}

void EndpointsController::resync()
{
    for (const auto &o : m_cluster.store().list(rtype("", "namespaces")).items)
        m_dirtyNamespaces.insert(o->name);
}

void EndpointsController::observe(const WatchEvent &e)
{
    static const int podIdx = rtype("", "pods").index;
    static const int svcIdx = rtype("", "services").index;
    if (e.type == podIdx || e.type == svcIdx)
        m_dirtyNamespaces.insert(e.obj->ns);
}

void EndpointsController::reconcile()
{
    auto namespaces = std::move(m_dirtyNamespaces);
    m_dirtyNamespaces.clear();
    for (const auto &ns : namespaces)
        guarded([&] { syncEndpoints(ns); });
}

void EndpointsController::syncEndpoints(const std::string &ns)
{
    const auto &svcType = rtype("", "services");
    const auto &epType = rtype("", "endpoints");
    const auto &podType = rtype("", "pods");
    auto &store = m_cluster.store();
    auto services = store.list(svcType, ns).items;
    auto pods = store.list(podType, ns).items;
    for (const auto &svc : services) {
        const Json *sel = findPath(svc->obj, "spec.selector");
        if (!sel || !sel->is_object() || sel->empty())
            continue;
        Json addresses = Json::array(), notReady = Json::array();
        const Json *firstPod = nullptr;
        for (const auto &p : pods) {
            const Json *labels = findPath(p->obj, "metadata.labels");
            bool match = labels && labels->is_object();
            for (const auto &[k, v] : sel->items())
                if (!match || !labels->contains(k) || (*labels)[k] != v) {
                    match = false;
                    break;
                }
            if (!match || isTerminating(p->obj) || stringAt(p->obj, "status.podIP").empty())
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
    // Endpoints the controller made for a Service that no longer exists.
    for (const auto &ep : store.list(epType, ns).items) {
        if (!findPath(ep->obj, "metadata.annotations"))
            continue;
        bool hasService = std::any_of(services.begin(), services.end(), [&](const ObjPtr &s) { return s->name == ep->name; });
        if (!hasService && findPath(ep->obj, "metadata.annotations")->contains("endpoints.kubernetes.io/last-change-trigger-time"))
            store.erase(epType, ns, ep->name);
    }
}

}  // namespace pilothouse::sim
