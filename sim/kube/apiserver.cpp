// HTTPS front of the simulator (cpp-httplib over OpenSSL).
#include "kube/apiserver.h"

#include "common/httputil.h"
#include "common/selectors.h"
#include "kube/tables.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace pilothouse::sim {

namespace {

std::uint64_t parseRv(const std::string &s)
{
    if (s.empty() || !std::all_of(s.begin(), s.end(), ::isdigit))
        throw ApiException::badRequest("invalid resource version \"" + s + "\"");
    return std::stoull(s);
}

std::string managerFromUserAgent(const httplib::Request &req)
{
    std::string ua = req.get_header_value("User-Agent");
    std::string m = ua.substr(0, ua.find('/'));
    return m.empty() ? "unknown" : m;
}

Json apiResource(const ResourceType &t)
{
    Json r = {{"name", t.plural}, {"singularName", t.singular}, {"namespaced", t.namespaced}, {"kind", t.kind}, {"verbs", t.verbs}};
    if (!t.shortNames.empty())
        r["shortNames"] = t.shortNames;
    if (!t.categories.empty())
        r["categories"] = t.categories;
    r["storageVersionHash"] = base64UrlEncode(t.qualifiedName()).substr(0, 11);
    return r;
}

Json subresourceEntries(const ResourceType &t)
{
    Json out = Json::array();
    for (const auto &sub : t.subresources) {
        Json r = {{"name", t.plural + "/" + sub}, {"singularName", ""}, {"namespaced", t.namespaced}};
        if (sub == "scale") {
            r["group"] = "autoscaling";
            r["version"] = "v1";
            r["kind"] = "Scale";
            r["verbs"] = {"get", "patch", "update"};
        } else if (sub == "log") {
            r["kind"] = "Pod";
            r["verbs"] = {"get"};
        } else {
            r["kind"] = t.kind;
            r["verbs"] = {"get", "patch", "update"};
        }
        out.push_back(r);
    }
    return out;
}

bool acceptsAggregated(const httplib::Request &req, std::string &version)
{
    std::string accept = req.get_header_value("Accept");
    if (accept.find("as=APIGroupDiscoveryList") == std::string::npos)
        return false;
    version = accept.find("v=v2;") != std::string::npos || accept.find("v=v2,") != std::string::npos ? "v2" : "v2beta1";
    return true;
}

Json aggregatedGroups(bool core, const std::string &version)
{
    const auto &reg = ResourceRegistry::instance();
    Json items = Json::array();
    for (const auto &group : reg.groups()) {
        if (core != group.empty())
            continue;
        Json resources = Json::array();
        std::string gv;
        for (const auto &t : reg.all()) {
            if (t.group != group)
                continue;
            gv = t.version;
            Json r = {{"resource", t.plural}, {"responseKind", {{"group", t.group}, {"version", t.version}, {"kind", t.kind}}},
                      {"scope", t.namespaced ? "Namespaced" : "Cluster"}, {"singularResource", t.singular}, {"verbs", t.verbs}};
            if (!t.shortNames.empty())
                r["shortNames"] = t.shortNames;
            if (!t.categories.empty())
                r["categories"] = t.categories;
            Json subs = Json::array();
            for (const auto &sub : t.subresources) {
                Json s = {{"subresource", sub}};
                if (sub == "scale") {
                    s["responseKind"] = {{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}};
                    s["verbs"] = {"get", "patch", "update"};
                } else if (sub == "log") {
                    s["responseKind"] = {{"group", ""}, {"version", ""}, {"kind", "Pod"}};
                    s["verbs"] = {"get"};
                } else {
                    s["responseKind"] = {{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
                    s["verbs"] = {"get", "patch", "update"};
                }
                subs.push_back(s);
            }
            if (!subs.empty())
                r["subresources"] = subs;
            resources.push_back(r);
        }
        Json meta = {{"creationTimestamp", nullptr}};
        if (!group.empty())
            meta["name"] = group;
        items.push_back({{"metadata", meta}, {"versions", {{{"version", gv}, {"resources", resources}, {"freshness", "Current"}}}}});
    }
    return {{"kind", "APIGroupDiscoveryList"}, {"apiVersion", "apidiscovery.k8s.io/" + version}, {"metadata", Json::object()}, {"items", items}};
}

// storage.NewTooLargeResourceVersionError: the Status for a resourceVersion the server has not
// seen yet, as the watch cache sends it.
Json tooLargeResourceVersion(const std::string &wanted, const std::string &current)
{
    return ApiException(504, "Timeout", "Timeout: Too large resource version: " + wanted + ", current: " + current,
                        {{"causes", {{{"reason", "ResourceVersionTooLarge"}, {"message", "Too large resource version"}}}}, {"retryAfterSeconds", 1}})
        .status();
}

// ListOptions validation (apimachinery's internalversion/validation.go) for the watch-list
// options of KEP-3157: sendInitialEvents goes with resourceVersionMatch=NotOlderThan on a watch,
// and only there.
void validateListOptions(const httplib::Request &req, bool watch)
{
    const bool initialEvents = req.has_param("sendInitialEvents");
    const std::string match = param(req, "resourceVersionMatch");
    Json causes = Json::array();
    auto add = [&](const char *reason, const std::string &field, const std::string &message) {
        causes.push_back({{"reason", reason}, {"message", message}, {"field", field}});
    };
    if (watch) {
        if (initialEvents && match != "NotOlderThan")
            add("FieldValueForbidden", "resourceVersionMatch", "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
        if (!match.empty()) {
            if (!initialEvents)
                add("FieldValueForbidden", "resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
            if (match != "NotOlderThan")
                add("FieldValueNotSupported", "resourceVersionMatch", "Unsupported value: \"" + match + "\": supported values: \"NotOlderThan\"");
        }
    } else if (initialEvents) {
        add("FieldValueForbidden", "sendInitialEvents", "Forbidden: sendInitialEvents is forbidden for list");
    }
    if (causes.empty())
        return;
    std::string what;
    for (const auto &c : causes)
        what += (what.empty() ? "" : ", ") + c.value("field", "") + ": " + c.value("message", "");
    throw ApiException(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: " + (causes.size() > 1 ? "[" + what + "]" : what),
                       {{"group", "meta.k8s.io"}, {"kind", "ListOptions"}, {"causes", causes}});
}

// The verb of a request as kube-apiserver's RequestInfo names it (list and watch for a collection,
// get for an object...); outside /api and /apis, the method in lower case.
std::string requestVerb(const httplib::Request &req, const std::vector<std::string> &parts)
{
    std::string method = req.method;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (parts.empty() || (parts[0] != "api" && parts[0] != "apis"))
        return method;
    const bool core = parts[0] == "api";
    const size_t gvLen = core ? 2 : 3;
    if (parts.size() <= gvLen)
        return method;  // discovery
    std::vector<std::string> rest(parts.begin() + static_cast<long>(gvLen), parts.end());
    // As handle() routes: /api/v1/namespaces/{name}[/status|/finalize] is the Namespace itself.
    const bool namespaceObject = core && rest.size() >= 2 && rest[0] == "namespaces" && (rest.size() == 2 || rest[2] == "status" || rest[2] == "finalize");
    if (!namespaceObject && rest.size() >= 3 && rest[0] == "namespaces")
        rest.erase(rest.begin(), rest.begin() + 2);
    const bool collection = rest.size() == 1;
    if (req.method == "GET")
        return collection ? (flag(req, "watch") ? "watch" : "list") : "get";
    if (req.method == "POST")
        return "create";
    if (req.method == "PUT")
        return "update";
    if (req.method == "PATCH")
        return "patch";
    if (req.method == "DELETE")
        return collection ? "deletecollection" : "delete";
    return method;
}

std::string identityOf(X509 *cert, std::vector<std::string> &orgs)
{
    X509_NAME *subject = X509_get_subject_name(cert);
    std::string cn;
    for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
        X509_NAME_ENTRY *e = X509_NAME_get_entry(subject, i);
        int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
        ASN1_STRING *data = X509_NAME_ENTRY_get_data(e);
        std::string value(reinterpret_cast<const char *>(ASN1_STRING_get0_data(data)), static_cast<size_t>(ASN1_STRING_length(data)));
        if (nid == NID_commonName)
            cn = value;
        else if (nid == NID_organizationName)
            orgs.push_back(value);
    }
    return cn;
}

}  // namespace

namespace {

TlsServerOptions tlsOptions(const ServerOptions &o)
{
    TlsServerOptions t;
    t.name = "Kubernetes API";
    t.host = o.host;
    t.port = o.port;
    t.threads = 256;
    t.clientCertificates = true;
    t.keepAliveMaxCount = 100000;
    t.payloadMaxLength = 64 * 1024 * 1024;
    return t;
}

}  // namespace

ApiServer::ApiServer(Cluster &cluster, Pki pki, ServerOptions options)
    : m_cluster(cluster), m_options(std::move(options)),
      m_tls(std::move(pki), tlsOptions(m_options), [this](const httplib::Request &req, httplib::Response &res) { handle(req, res); },
            [](httplib::Response &res, const std::exception &e) {
                sendStatus(res, ApiException(500, "InternalError", std::string("Internal error occurred: ") + e.what()));
            })
{
}

ApiServer::~ApiServer()
{
    if (m_restartThread.joinable())
        m_restartThread.join();
    stop();
}

std::string ApiServer::url() const { return m_tls.url(); }

void ApiServer::addSubresourceHandler(const ResourceType &t, const std::string &subresource, ResourceHandler handler)
{
    m_subresourceHandlers[{t.index, subresource}] = std::move(handler);
}

void ApiServer::addGroupHandler(const std::string &group, ResourceHandler handler) { m_groupHandlers[group] = std::move(handler); }

void ApiServer::addControl(const std::string &action, ControlHandler handler, bool readable)
{
    m_controls[action] = std::move(handler);
    if (readable)
        m_readableControls.insert(action);
}
void ApiServer::addPathHandler(const std::string &path, PathHandler handler) { m_pathHandlers[path] = std::move(handler); }

int ApiServer::start(std::string &error)
{
    std::lock_guard lock(m_lifecycleMutex);
    m_stopping = false;
    return m_tls.start(error);
}

void ApiServer::stop()
{
    std::lock_guard lock(m_lifecycleMutex);
    if (!m_tls.running())
        return;
    m_stopping = true;
    m_cluster.store().wakeAll();
    m_faultRules.wake();  // stalled answers end
    m_tls.stop();
}

void ApiServer::restartAsync(std::chrono::milliseconds downFor)
{
    if (m_restartThread.joinable())
        m_restartThread.join();
    m_restartThread = std::thread([this, downFor] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the control answer leave first
        stop();
        std::this_thread::sleep_for(downFor);
        std::string error;
        for (int attempt = 0; attempt < 50; ++attempt) {
            if (start(error) > 0)
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::cerr << "pilothouse-sim: could not serve again: " << error << std::endl;
    });
}

void ApiServer::expireContinueTokens()
{
    std::lock_guard lock(m_continueMutex);
    m_continues.clear();
}

ApiServer::User ApiServer::authenticate(const httplib::Request &req) const
{
    User u;
    if (req.ssl) {
        X509 *cert = SSL_get0_peer_certificate(req.ssl);
        if (cert && SSL_get_verify_result(req.ssl) == X509_V_OK) {
            u.name = identityOf(cert, u.groups);
            u.groups.push_back("system:authenticated");
            u.admin = std::find(u.groups.begin(), u.groups.end(), "system:masters") != u.groups.end();
            u.authenticated = !u.name.empty();
            return u;
        }
    }
    std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) == 0) {
        std::string token = auth.substr(7);
        if (!m_options.viewerToken.empty() && token == m_options.viewerToken) {
            u.name = "sim-viewer";
            u.groups = {"pilothouse:viewers", "system:authenticated"};
            u.authenticated = true;
        }
    }
    return u;
}

bool ApiServer::allowed(const User &u, const std::string &verb, const ResourceType *t, const std::string &subresource) const
{
    if (u.admin)
        return true;
    if (!u.authenticated)
        return false;
    if (t && (t->kind == "SelfSubjectAccessReview" || t->kind == "SelfSubjectReview"))
        return verb == "create";
    // sim-viewer has the built-in "view" role: reads, but not Secrets, and no pod logs or writes.
    if (t && t->plural == "secrets")
        return false;
    if (subresource == "log")
        return verb == "get";
    return verb == "get" || verb == "list" || verb == "watch";
}

void ApiServer::handle(const httplib::Request &req, httplib::Response &res)
{
    const std::vector<std::string> parts = splitPath(req.path);
    const bool control = !parts.empty() && parts[0] == "sim";
    if (int delay = m_faults.delayMs.load(); delay > 0 && !control) {
        int remaining = m_faults.delayCount.load();
        if (remaining != 0) {
            if (remaining > 0)
                m_faults.delayCount.fetch_sub(1);
            std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        }
    }
    if (control) {
        serveRequest(req, res, parts);
        return;
    }
    // Every request counts, and faults come first, as a proxy or the API server's flow control
    // in front of the handlers would answer.
    const std::string verb = requestVerb(req, parts);
    m_requests.record(req.method, req.path, verb);
    std::optional<FaultRule> fault = m_faultRules.take(req.path, verb);
    if (fault && serveFault(*fault, req, res))
        return;
    serveRequest(req, res, parts);
    if (fault && fault->kind == FaultKind::DropBody)
        dropAfterHeaders(*fault, res);
}

void ApiServer::serveRequest(const httplib::Request &req, httplib::Response &res, const std::vector<std::string> &parts)
{
    try {
        if (req.path == "/version") {
            sendJson(res, 200, Json({{"major", "1"}, {"minor", "30"}, {"gitVersion", "v1.30.4-pilothouse-sim"},
                                     {"gitCommit", "0000000000000000000000000000000000000000"}, {"gitTreeState", "clean"},
                                     {"buildDate", "2026-01-01T00:00:00Z"}, {"goVersion", "go1.22.5"}, {"compiler", "gc"},
                                     {"platform", "linux/amd64"}}).dump());
            return;
        }
        if (req.path == "/healthz" || req.path == "/livez" || req.path == "/readyz") {
            res.set_content("ok", "text/plain");
            return;
        }
        User user = authenticate(req);
        if (!user.authenticated) {
            sendStatus(res, ApiException(401, "Unauthorized", "Unauthorized"));
            return;
        }
        if (m_options.verbose)
            std::cerr << req.method << " " << req.path << (req.params.empty() ? "" : "?…") << " (" << user.name << ")\n";
        if (!parts.empty() && parts[0] == "sim") {
            if (!user.admin)
                throw ApiException(403, "Forbidden", "the simulator's control endpoints need the sim-admin identity");
            serveControl(req, res, parts);
            return;
        }
        if (!parts.empty() && parts[0] == "openapi") {
            serveOpenApi(req, res, parts);
            return;
        }
        if (auto it = m_pathHandlers.find(req.path); it != m_pathHandlers.end()) {
            if (req.method != "GET")
                throw ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
            it->second(req, res);
            return;
        }
        if (parts.empty() || (parts[0] != "api" && parts[0] != "apis"))
            throw ApiException(404, "NotFound", "the server could not find the requested resource");
        bool core = parts[0] == "api";
        size_t gvLen = core ? 2 : 3;
        if (parts.size() < gvLen || (req.method == "GET" && parts.size() == gvLen)) {
            serveDiscovery(req, res, parts);
            return;
        }
        std::string group = core ? "" : parts[1];
        std::string version = core ? parts[1] : parts[2];
        std::vector<std::string> rest(parts.begin() + static_cast<long>(gvLen), parts.end());
        std::string ns;
        if (core && rest.size() >= 2 && rest[0] == "namespaces" && (rest.size() == 2 || rest[2] == "status" || rest[2] == "finalize")) {
            // The Namespace object itself: /api/v1/namespaces/{name}[/status]
        } else if (rest.size() >= 3 && rest[0] == "namespaces") {
            ns = rest[1];
            rest.erase(rest.begin(), rest.begin() + 2);
        }
        const ResourceType *t = ResourceRegistry::instance().find(group, version, rest[0]);
        if (!t || rest.size() > 3)
            throw ApiException(404, "NotFound", "the server could not find the requested resource");
        std::string name = rest.size() > 1 ? rest[1] : std::string();
        std::string sub = rest.size() > 2 ? rest[2] : std::string();
        if (!sub.empty() && !t->hasSubresource(sub))
            throw ApiException(404, "NotFound", "the server could not find the requested resource");
        if (!ns.empty() && !t->namespaced)
            throw ApiException(404, "NotFound", "the server could not find the requested resource");

        std::string verb;
        if (req.method == "GET")
            verb = name.empty() ? (flag(req, "watch") ? "watch" : "list") : "get";
        else if (req.method == "POST")
            verb = "create";
        else if (req.method == "PUT")
            verb = "update";
        else if (req.method == "PATCH")
            verb = "patch";
        else if (req.method == "DELETE")
            verb = name.empty() ? "deletecollection" : "delete";
        if (!allowed(user, verb, t, sub)) {
            std::string resource = t->plural + (sub.empty() ? "" : "/" + sub);
            std::string subject = name.empty() ? t->qualifiedName() : t->qualifiedName() + " \"" + name + "\"";
            std::string scope = ns.empty() ? "at the cluster scope" : "in the namespace \"" + ns + "\"";
            throw ApiException(403, "Forbidden",
                               subject + " is forbidden: User \"" + user.name + "\" cannot " + verb + " resource \"" + resource +
                                   "\" in API group \"" + t->group + "\" " + scope,
                               {{"name", name}, {"group", t->group}, {"kind", t->plural}});
        }
        serveResource(req, res, user, *t, ns, name, sub);
    } catch (const ApiException &e) {
        sendStatus(res, e);
    } catch (const Json::exception &e) {
        sendStatus(res, ApiException::badRequest(std::string("malformed request body: ") + e.what()));
    }
}

void ApiServer::serveDiscovery(const httplib::Request &req, httplib::Response &res, const std::vector<std::string> &parts)
{
    const auto &reg = ResourceRegistry::instance();
    std::string aggVersion;
    if (parts.size() == 1) {
        bool core = parts[0] == "api";
        if (m_options.aggregatedDiscovery && acceptsAggregated(req, aggVersion)) {
            sendJson(res, 200, aggregatedGroups(core, aggVersion).dump(),
                     ("application/json;g=apidiscovery.k8s.io;v=" + aggVersion + ";as=APIGroupDiscoveryList").c_str());
            res.set_header("Vary", "Accept");
            return;
        }
        if (core) {
            sendJson(res, 200, Json({{"kind", "APIVersions"}, {"versions", {"v1"}},
                                     {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", m_options.host + ":" + std::to_string(port())}}}}}).dump());
            return;
        }
        Json groups = Json::array();
        for (const auto &g : reg.groups()) {
            if (g.empty())
                continue;
            std::string v;
            for (const auto &t : reg.all())
                if (t.group == g)
                    v = t.version;
            Json gv = {{"groupVersion", g + "/" + v}, {"version", v}};
            groups.push_back({{"name", g}, {"versions", {gv}}, {"preferredVersion", gv}});
        }
        sendJson(res, 200, Json({{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}}).dump());
        return;
    }
    if (parts[0] == "apis" && parts.size() == 2) {
        for (const auto &t : reg.all())
            if (t.group == parts[1]) {
                Json gv = {{"groupVersion", t.groupVersion()}, {"version", t.version}};
                sendJson(res, 200, Json({{"kind", "APIGroup"}, {"apiVersion", "v1"}, {"name", t.group}, {"versions", {gv}}, {"preferredVersion", gv}}).dump());
                return;
            }
        throw ApiException(404, "NotFound", "the server could not find the requested resource");
    }
    std::string group = parts[0] == "api" ? "" : parts[1];
    std::string version = parts[0] == "api" ? parts[1] : parts[2];
    Json resources = Json::array();
    for (const auto &t : reg.all()) {
        if (t.group != group || t.version != version)
            continue;
        resources.push_back(apiResource(t));
        for (const auto &sub : subresourceEntries(t))
            resources.push_back(sub);
    }
    if (resources.empty())
        throw ApiException(404, "NotFound", "the server could not find the requested resource");
    sendJson(res, 200, Json({{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", group.empty() ? version : group + "/" + version},
                             {"resources", resources}}).dump());
}

void ApiServer::serveOpenApi(const httplib::Request &, httplib::Response &res, const std::vector<std::string> &parts)
{
    // Only OpenAPI v3 path documents that declare which PATCH operations exist and that the
    // fieldValidation parameter is supported: that is what kubectl checks before applying.
    const auto &reg = ResourceRegistry::instance();
    if (parts.size() == 2 && parts[1] == "v3") {
        Json paths = Json::object();
        for (const auto &g : reg.groups()) {
            for (const auto &t : reg.all())
                if (t.group == g) {
                    std::string key = g.empty() ? "api/v1" : "apis/" + t.groupVersion();
                    paths[key] = {{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + base64UrlEncode(key)}};
                    break;
                }
        }
        sendJson(res, 200, Json({{"paths", paths}}).dump());
        return;
    }
    if (parts.size() >= 4 && parts[1] == "v3") {
        std::string gv = parts[2] == "api" ? parts[3] : (parts.size() >= 5 ? parts[3] + "/" + parts[4] : "");
        Json paths = Json::object();
        for (const auto &t : reg.all()) {
            if (t.groupVersion() != gv || std::find(t.verbs.begin(), t.verbs.end(), "patch") == t.verbs.end())
                continue;
            std::string prefix = t.group.empty() ? "/api/v1" : "/apis/" + gv;
            std::string path = prefix + (t.namespaced ? "/namespaces/{namespace}/" : "/") + t.plural + "/{name}";
            Json gvk = {{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
            Json params = Json::array({{{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}, {"uniqueItems", true}}}},
                                       {{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}, {"uniqueItems", true}}}}});
            paths[path] = {{"patch", {{"operationId", "patch" + t.kind}, {"x-kubernetes-group-version-kind", gvk},
                                      {"x-kubernetes-action", "patch"}, {"parameters", params},
                                      {"responses", {{"200", {{"description", "OK"}}}}}}}};
        }
        if (paths.empty())
            throw ApiException(404, "NotFound", "the server could not find the requested resource");
        sendJson(res, 200, Json({{"openapi", "3.0.0"}, {"info", {{"title", "Kubernetes"}, {"version", "v1.30.4"}}}, {"paths", paths},
                                 {"components", {{"schemas", Json::object()}}}}).dump());
        return;
    }
    throw ApiException(404, "NotFound", "the server could not find the requested resource");
}

void ApiServer::serveControl(const httplib::Request &req, httplib::Response &res, const std::vector<std::string> &parts)
{
    // /sim/v1/<action>
    if (parts.size() == 3 && parts[1] == "v1" && parts[2] == "faults") {
        if (req.method == "POST") {
            Json stored = Json::array();
            for (const auto &r : m_faultRules.add(Json::parse(req.body)))
                stored.push_back(r.toJson());
            sendJson(res, 200, Json({{"rules", stored}}).dump());
        } else if (req.method == "GET") {
            sendJson(res, 200, m_faultRules.list().dump());
        } else if (req.method == "DELETE") {
            m_faultRules.clear();
            sendJson(res, 200, Json({{"rules", Json::array()}}).dump());
        } else {
            throw ApiException(405, "MethodNotAllowed", "/sim/v1/faults takes GET, POST and DELETE");
        }
        return;
    }
    if (parts.size() == 3 && parts[1] == "v1" && parts[2] == "requests") {
        if (req.method == "GET") {
            sendJson(res, 200, m_requests.query(param(req, "path"), param(req, "pathPrefix"), param(req, "verb")).dump());
        } else if (req.method == "DELETE") {
            m_requests.clear();
            sendJson(res, 200, Json({{"total", 0}, {"requests", Json::array()}}).dump());
        } else {
            throw ApiException(405, "MethodNotAllowed", "/sim/v1/requests takes GET and DELETE");
        }
        return;
    }
    // Controls that only report may also be read with GET; the others act on POST only.
    const bool readable = req.method == "GET" && parts.size() == 3 && m_readableControls.count(parts[2]);
    if (parts.size() != 3 || parts[1] != "v1" || (req.method != "POST" && !readable))
        throw ApiException(404, "NotFound", "unknown control endpoint; POST /sim/v1/{drop-watches,gone-next-watch,delay,refuse,restart,"
                                            "expire-continue,compact,load,error-rate,faults}, GET /sim/v1/{faults,requests}");
    const std::string &action = parts[2];
    auto number = [&](const char *key, long long fallback) {
        std::string v = param(req, key);
        return v.empty() ? fallback : std::stoll(v);
    };
    Json answer = {{"action", action}};
    if (action == "drop-watches") {
        m_faults.watchEpoch.fetch_add(1);
        m_cluster.store().wakeAll();
    } else if (action == "gone-next-watch") {
        m_faults.goneWatches.fetch_add(static_cast<int>(number("count", 1)));
    } else if (action == "delay") {
        m_faults.delayMs = static_cast<int>(number("ms", 0));
        m_faults.delayCount = static_cast<int>(number("count", -1));
    } else if (action == "refuse") {
        restartAsync(std::chrono::milliseconds(number("ms", number("seconds", 5) * 1000)));
    } else if (action == "restart") {
        restartAsync(std::chrono::milliseconds(0));
    } else if (action == "expire-continue") {
        expireContinueTokens();
    } else if (action == "compact") {
        m_cluster.store().compact();
        m_cluster.store().wakeAll();
    } else if (auto it = m_controls.find(action); it != m_controls.end()) {
        answer.update(it->second(req));
    } else {
        throw ApiException(404, "NotFound", "unknown control action \"" + action + "\"");
    }
    answer["resourceVersion"] = m_cluster.store().currentRvString();
    sendJson(res, 200, answer.dump());
}

namespace {

// What proxies in front of an API server answer when it is away: nginx's error page, or envoy's line.
void sendGatewayError(httplib::Response &res, int code, bool html)
{
    const char *title = code == 502 ? "502 Bad Gateway" : code == 503 ? "503 Service Temporarily Unavailable" : "504 Gateway Time-out";
    res.status = code;
    if (html) {
        res.set_header("Server", "nginx");
        res.set_content(std::string("<html>\r\n<head><title>") + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
                            "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
                        "text/html");
    } else {
        res.set_header("Server", "envoy");
        res.set_content(code == 502   ? "upstream connect error or disconnect/reset before headers. reset reason: connection failure"
                        : code == 503 ? "no healthy upstream"
                                      : "upstream request timeout",
                        "text/plain");
    }
}

}  // namespace

bool ApiServer::serveFault(const FaultRule &fault, const httplib::Request &req, httplib::Response &res)
{
    switch (fault.kind) {
    case FaultKind::DropBody:
        return false;
    case FaultKind::TooManyRequests:
        // What API priority and fairness answers when a request finds its queue full.
        sendStatus(res, ApiException(429, "TooManyRequests", "Too many requests, please try again later.",
                                     {{"retryAfterSeconds", fault.retryAfterSeconds}}));
        return true;
    case FaultKind::GatewayError:
        sendGatewayError(res, fault.code, fault.body == "html");
        return true;
    case FaultKind::Stall: {
        // The headers go out, then nothing until the stall ends; the connection is then dropped.
        const int seconds = fault.stallSeconds;
        res.status = 200;
        res.set_header("Cache-Control", "no-cache, private");
        res.set_chunked_content_provider(flag(req, "watch") ? kJsonStream : "application/json; charset=utf-8",
                                         [this, seconds](size_t, httplib::DataSink &) {
                                             m_faultRules.stall(seconds, m_stopping);
                                             return false;
                                         });
        return true;
    }
    case FaultKind::WatchError: {
        Json status;
        if (fault.code == 504) {
            const std::string current = m_cluster.store().currentRvString();
            status = tooLargeResourceVersion(param(req, "resourceVersion").empty() ? current : param(req, "resourceVersion"), current);
        } else {
            status = ApiException(500, "InternalError", "Internal error occurred: the simulator was told to fail this watch",
                                  {{"causes", {{{"message", "the simulator was told to fail this watch"}}}}})
                         .status();
        }
        const std::string line = "{\"type\":\"ERROR\",\"object\":" + status.dump() + "}\n";
        res.status = 200;
        res.set_header("Cache-Control", "no-cache, private");
        res.set_chunked_content_provider(kJsonStream, [line](size_t, httplib::DataSink &sink) {
            sink.write(line.data(), line.size());
            sink.done();
            return true;
        });
        return true;
    }
    }
    return false;
}

void ApiServer::dropAfterHeaders(const FaultRule &fault, httplib::Response &res)
{
    if (res.content_provider_) {
        // A stream: what its first write sends (or `bytes` of it), then the connection goes
        // without the last chunk.
        auto inner = std::move(res.content_provider_);
        auto sent = std::make_shared<long long>(0);
        const long long limit = fault.bytes;
        res.content_provider_ = [inner, sent, limit](size_t offset, size_t length, httplib::DataSink &sink) {
            if (limit >= 0 && *sent >= limit)
                return false;
            bool cut = false;
            httplib::DataSink proxy;
            proxy.write = [&](const char *data, size_t size) {
                if (cut)
                    return false;
                const size_t allowed = limit < 0 ? size : std::min<size_t>(size, static_cast<size_t>(limit - *sent));
                if (allowed > 0 && !sink.write(data, allowed))
                    return false;
                *sent += static_cast<long long>(allowed);
                cut = limit < 0 || *sent >= limit;
                return true;
            };
            proxy.done = [&] { cut = true; };
            proxy.is_writable = sink.is_writable;
            return inner(offset, length, proxy) && !cut;
        };
        return;
    }
    // A plain answer: its Content-Length promises the whole body, half of it (or `bytes`) comes.
    auto body = std::make_shared<std::string>(std::move(res.body));
    res.body.clear();
    const size_t keep = fault.bytes < 0 ? body->size() / 2
                                        : std::min(static_cast<size_t>(fault.bytes), body->empty() ? 0 : body->size() - 1);
    std::string type = res.get_header_value("Content-Type");
    res.headers.erase("Content-Type");
    res.set_content_provider(body->size(), type, [body, keep](size_t offset, size_t, httplib::DataSink &sink) {
        if (offset >= keep)
            return false;
        return sink.write(body->data() + offset, keep - offset);
    });
}

void ApiServer::serveAccessReview(const httplib::Request &req, httplib::Response &res, const User &user, const ResourceType &t)
{
    Json review = Json::parse(req.body);
    review["apiVersion"] = t.groupVersion();
    review["kind"] = t.kind;
    if (!review.contains("metadata"))
        review["metadata"] = {{"creationTimestamp", nullptr}};
    if (t.kind == "SelfSubjectReview") {
        review["status"] = {{"userInfo", {{"username", user.name}, {"groups", user.groups}}}};
        sendJson(res, 201, review.dump());
        return;
    }
    const Json attrs = review.value("spec", Json::object()).value("resourceAttributes", Json::object());
    bool ok;
    if (review.value("spec", Json::object()).contains("nonResourceAttributes")) {
        std::string verb = review["spec"]["nonResourceAttributes"].value("verb", "get");
        ok = user.admin || verb == "get";
    } else {
        std::string verb = attrs.value("verb", "");
        std::string group = attrs.value("group", "");
        std::string resource = attrs.value("resource", "");
        const ResourceType *target = nullptr;
        for (const auto &rt : ResourceRegistry::instance().all())
            if (rt.plural == resource && (rt.group == group || group == "*"))
                target = &rt;
        ok = resource == "*" ? user.admin : allowed(user, verb, target, attrs.value("subresource", ""));
        if (resource == "*" && !user.admin && (verb == "get" || verb == "list" || verb == "watch"))
            ok = false;
    }
    review["status"] = {{"allowed", ok}};
    if (ok)
        review["status"]["reason"] = user.admin ? "user is in group system:masters" : "allowed by the view role";
    sendJson(res, 201, review.dump());
}

void ApiServer::serveResource(const httplib::Request &req, httplib::Response &res, const User &user, const ResourceType &t,
                              const std::string &ns, const std::string &name, const std::string &sub)
{
    if (t.kind == "SelfSubjectAccessReview" || t.kind == "SelfSubjectReview") {
        if (req.method != "POST")
            throw ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        serveAccessReview(req, res, user, t);
        return;
    }
    if (auto it = m_groupHandlers.find(t.group); it != m_groupHandlers.end()) {
        it->second(req, res, t, ns, name);
        return;
    }
    std::string accept = req.get_header_value("Accept");
    bool table = accept.find("as=Table") != std::string::npos;
    bool dryRun = param(req, "dryRun") == "All";
    WriteOptions opts{sub, param(req, "fieldManager"), dryRun};
    if (opts.fieldManager.empty())
        opts.fieldManager = managerFromUserAgent(req);

    if (sub == "scale") {
        serveScale(req, res, t, ns, name);
        return;
    }
    if (auto it = m_subresourceHandlers.find({t.index, sub}); it != m_subresourceHandlers.end()) {
        it->second(req, res, t, ns, name);
        return;
    }
    if (sub == "log")
        throw ApiException(404, "NotFound", "the server could not find the requested resource");
    if (req.method == "GET" && name.empty()) {
        if (flag(req, "watch"))
            serveWatch(req, res, t, ns);
        else
            serveList(req, res, t, ns);
        return;
    }
    if (req.method == "GET") {
        ObjPtr obj = m_cluster.store().get(t, ns, name);
        if (!obj)
            throw notFoundError(t, name);
        if (table) {
            Json tbl = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", {{"resourceVersion", std::to_string(obj->rv)}}},
                        {"columnDefinitions", tableColumns(t)},
                        {"rows", {tableRow(t, obj->obj, includeObjectFromQuery(param(req, "includeObject")))}}};
            sendJson(res, 200, tbl.dump());
        } else {
            sendJson(res, 200, obj->json);
        }
        return;
    }
    if (req.method == "POST") {
        if (!name.empty())
            throw ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        ObjPtr created = m_cluster.create(t, ns, Json::parse(req.body), opts);
        sendJson(res, 201, created->json);
        return;
    }
    if (req.method == "PUT") {
        ObjPtr updated = m_cluster.update(t, ns, name, Json::parse(req.body), opts);
        sendJson(res, 200, updated->json);
        return;
    }
    if (req.method == "PATCH") {
        PatchType type = patchTypeFromContentType(req.get_header_value("Content-Type"));
        if (type == PatchType::Unsupported)
            throw ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
                                                            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        bool existed = m_cluster.store().get(t, ns, name) != nullptr;
        ObjPtr patched = m_cluster.patch(t, ns, name, type, req.body, opts, flag(req, "force"));
        sendJson(res, existed ? 200 : 201, patched->json);
        return;
    }
    if (req.method == "DELETE") {
        Json options = req.body.empty() ? Json::object() : Json::parse(req.body);
        if (std::string grace = param(req, "gracePeriodSeconds"); !grace.empty())
            options["gracePeriodSeconds"] = std::stoll(grace);
        if (std::string policy = param(req, "propagationPolicy"); !policy.empty())
            options["propagationPolicy"] = policy;
        if (name.empty()) {
            LabelSelector ls = LabelSelector::parse(param(req, "labelSelector"));
            FieldSelector fs = FieldSelector::parse(param(req, "fieldSelector"));
            Json items = Json::array();
            for (const auto &o : m_cluster.store().list(t, ns).items)
                if (ls.matches(findPath(o->obj, "metadata.labels")) && fs.matches(o->obj)) {
                    m_cluster.remove(t, o->ns, o->name, options, dryRun);
                    items.push_back(o->obj);
                }
            sendJson(res, 200, Json({{"kind", t.listKind()}, {"apiVersion", t.groupVersion()}, {"metadata", Json::object()}, {"items", items}}).dump());
            return;
        }
        Cluster::DeleteResult result = m_cluster.remove(t, ns, name, options, dryRun);
        if (result.gone && t.kind != "Pod") {
            sendJson(res, 200, Json({{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Success"},
                                     {"details", {{"name", name}, {"group", t.group}, {"kind", t.plural}, {"uid", result.object->uid}}}}).dump());
        } else {
            sendJson(res, 200, result.object->json);
        }
        return;
    }
    throw ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

void ApiServer::serveScale(const httplib::Request &req, httplib::Response &res, const ResourceType &t, const std::string &ns,
                           const std::string &name)
{
    auto toScale = [&](const StoredObject &o) {
        std::string selector;
        if (const Json *ml = findPath(o.obj, "spec.selector.matchLabels"); ml && ml->is_object())
            for (const auto &[k, v] : ml->items())
                selector += (selector.empty() ? "" : ",") + k + "=" + v.get<std::string>();
        return Json{{"kind", "Scale"}, {"apiVersion", "autoscaling/v1"},
                    {"metadata", {{"name", o.name}, {"namespace", o.ns}, {"uid", o.uid}, {"resourceVersion", std::to_string(o.rv)},
                                  {"creationTimestamp", o.obj["metadata"]["creationTimestamp"]}}},
                    {"spec", {{"replicas", intAt(o.obj, "spec.replicas", 1)}}},
                    {"status", {{"replicas", intAt(o.obj, "status.replicas", 0)}, {"selector", selector}}}};
    };
    ObjPtr current = m_cluster.store().get(t, ns, name);
    if (!current)
        throw notFoundError(t, name);
    if (req.method == "GET") {
        sendJson(res, 200, toScale(*current).dump());
        return;
    }
    Json scale = toScale(*current);
    Json wanted;
    if (req.method == "PUT") {
        wanted = Json::parse(req.body);
    } else {
        PatchType type = patchTypeFromContentType(req.get_header_value("Content-Type"));
        Json patchDoc = Json::parse(req.body);
        wanted = type == PatchType::Json ? applyJsonPatch(scale, patchDoc) : applyMergePatch(scale, patchDoc);
        if (!findPath(patchDoc, "metadata.resourceVersion"))
            wanted["metadata"].erase("resourceVersion");
    }
    const Json *replicas = findPath(wanted, "spec.replicas");
    if (!replicas || !replicas->is_number_integer())
        throw ApiException(422, "Invalid", "Scale.autoscaling \"" + name + "\" is invalid: spec.replicas: Required value",
                           {{"name", name}, {"group", "autoscaling"}, {"kind", "Scale"},
                            {"causes", {{{"reason", "FieldValueRequired"}, {"message", "Required value"}, {"field", "spec.replicas"}}}}});
    if (replicas->get<long long>() < 0)
        throw ApiException(422, "Invalid", "Scale.autoscaling \"" + name + "\" is invalid: spec.replicas: Invalid value: " +
                                               std::to_string(replicas->get<long long>()) + ": must be greater than or equal to 0",
                           {{"name", name}, {"group", "autoscaling"}, {"kind", "Scale"},
                            {"causes", {{{"reason", "FieldValueInvalid"}, {"message", "must be greater than or equal to 0"}, {"field", "spec.replicas"}}}}});
    Json patch = {{"spec", {{"replicas", *replicas}}}};
    if (std::string rv = stringAt(wanted, "metadata.resourceVersion"); !rv.empty())
        patch["metadata"]["resourceVersion"] = rv;
    WriteOptions opts{"", param(req, "fieldManager").empty() ? managerFromUserAgent(req) : param(req, "fieldManager"),
                      param(req, "dryRun") == "All"};
    ObjPtr updated = m_cluster.patch(t, ns, name, PatchType::Merge, patch.dump(), opts);
    sendJson(res, 200, toScale(*updated).dump());
}

void ApiServer::serveList(const httplib::Request &req, httplib::Response &res, const ResourceType &t, const std::string &ns)
{
    const std::string accept = req.get_header_value("Accept");
    const bool table = accept.find("as=Table") != std::string::npos;
    const bool partial = accept.find("as=PartialObjectMetadata") != std::string::npos;
    const LabelSelector ls = LabelSelector::parse(param(req, "labelSelector"));
    const FieldSelector fs = FieldSelector::parse(param(req, "fieldSelector"));
    long long limit = 0;
    if (std::string l = param(req, "limit"); !l.empty())
        limit = std::max(0LL, std::atoll(l.c_str()));
    validateListOptions(req, false);
    std::string cont = param(req, "continue");

    std::shared_ptr<const ListSnapshot> snapshot;
    std::uint64_t snapshotId = 0;
    size_t offset = 0;
    if (!cont.empty()) {
        Json token;
        try {
            auto decoded = base64UrlDecode(cont);
            if (!decoded)
                throw ApiException::badRequest("continue key is not valid: illegal base64 data");
            token = Json::parse(*decoded);
            snapshotId = token.value("id", 0ULL);
            offset = token.value("offset", size_t(0));
        } catch (const Json::exception &) {
            throw ApiException::badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
        std::lock_guard lock(m_continueMutex);
        auto it = m_continues.find(snapshotId);
        if (it == m_continues.end() || token.value("rv", 0ULL) < m_cluster.store().compactedRv() ||
            std::chrono::steady_clock::now() - it->second->created > std::chrono::minutes(5)) {
            if (it != m_continues.end())
                m_continues.erase(it);
            throw ApiException(410, "Expired",
                               "The provided continue parameter is too old to display a consistent list result. You can start a new "
                               "list without the continue parameter, or use the continue token in this response to retrieve the "
                               "remainder of the results. Continuing with the provided token results in an inconsistent list - "
                               "objects that were created, modified, or deleted between the time the first chunk was returned "
                               "and now may show up in the list.");
        }
        snapshot = it->second;
        if (offset == 0 || offset > snapshot->items.size())
            throw ApiException::badRequest("continue key is not valid: the offset does not belong to this list");
    } else {
        std::string rvParam = param(req, "resourceVersion");
        std::string match = param(req, "resourceVersionMatch");
        ObjectStore::Snapshot snap = m_cluster.store().list(t, ns);
        if (!rvParam.empty() && rvParam != "0") {
            std::uint64_t want = parseRv(rvParam);
            if (match == "Exact" && want != snap.rv)
                throw ApiException(410, "Expired", "too old resource version: " + rvParam + " (" + std::to_string(snap.rv) + ")");
        }
        auto fresh = std::make_shared<ListSnapshot>();
        fresh->rv = snap.rv;
        fresh->created = std::chrono::steady_clock::now();
        if (!ls.empty() || !fs.empty()) {
            for (auto &o : snap.items)
                if (ls.matches(findPath(o->obj, "metadata.labels")) && fs.matches(o->obj))
                    fresh->items.push_back(std::move(o));
        } else {
            fresh->items = std::move(snap.items);
        }
        snapshot = std::move(fresh);
    }
    const std::vector<ObjPtr> &items = snapshot->items;
    const std::uint64_t rv = snapshot->rv;
    const size_t end = limit > 0 ? std::min(items.size(), offset + static_cast<size_t>(limit)) : items.size();
    std::string nextToken;
    {
        std::lock_guard lock(m_continueMutex);
        if (end < items.size()) {
            if (!snapshotId) {
                // Kept until it expires (5 minutes) or 64 newer lists came: a token may be used
                // again, as a client retrying a page does.
                const auto now = std::chrono::steady_clock::now();
                std::erase_if(m_continues, [&](const auto &e) { return now - e.second->created > std::chrono::minutes(5); });
                snapshotId = m_nextContinueId++;
                m_continues[snapshotId] = snapshot;
                while (m_continues.size() > 64)
                    m_continues.erase(m_continues.begin());  // the oldest list
            }
            const StoredObject &last = *items[end - 1];
            nextToken = base64UrlEncode(Json({{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", last.ns.empty() ? last.name : last.ns + "/" + last.name},
                                              {"id", snapshotId}, {"offset", end}}).dump());
        }
    }
    Json meta = {{"resourceVersion", std::to_string(rv)}};
    if (!nextToken.empty()) {
        meta["continue"] = nextToken;
        meta["remainingItemCount"] = items.size() - end;
    }

    // Objects are kept serialized: a page is their bytes with a few made around them, never a
    // re-encoding (a Table row's cells are the only part computed per request).
    auto body = std::make_shared<PiecedBody>();
    if (table) {
        const IncludeObject inc = includeObjectFromQuery(param(req, "includeObject"));
        body->append(R"({"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":)" + meta.dump() + R"(,"columnDefinitions":)" +
                     tableColumns(t).dump() + R"(,"rows":[)");
        for (size_t i = offset; i < end; ++i) {
            const ObjPtr &o = items[i];
            std::string row = (i > offset ? R"(,{"cells":)" : R"({"cells":)") + tableCells(t, o->obj).dump();
            if (inc == IncludeObject::Object) {
                body->append(row + R"(,"object":)");
                body->appendShared(o->json, o);
                body->append("}");
            } else if (inc == IncludeObject::Metadata) {
                body->append(row + R"(,"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":)");
                body->appendShared(o->metadataJson(), o);
                body->append("}}");
            } else {
                body->append(row + "}");
            }
        }
    } else if (partial) {
        body->append(R"({"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":)" + meta.dump() + R"(,"items":[)");
        for (size_t i = offset; i < end; ++i) {
            body->append(i > offset ? R"(,{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":)"
                                    : R"({"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":)");
            body->appendShared(items[i]->metadataJson(), items[i]);
            body->append("}");
        }
    } else {
        body->append("{\"kind\":\"" + t.listKind() + "\",\"apiVersion\":\"" + t.groupVersion() + "\",\"metadata\":" + meta.dump() + ",\"items\":[");
        for (size_t i = offset; i < end; ++i) {
            if (i > offset)
                body->append(",");
            body->appendShared(items[i]->json, items[i]);
        }
    }
    body->append("]}");
    // Small answers may be gzip-compressed by the HTTP layer; large ones go out as they are, from
    // the objects' own bytes: the simulator must not be the slow part of a benchmark.
    if (end - offset > 200)
        PiecedBody::send(std::move(body), res, "application/json; charset=utf-8");
    else
        sendJson(res, 200, body->toString(), kJson);
}

void ApiServer::serveWatch(const httplib::Request &req, httplib::Response &res, const ResourceType &t, const std::string &ns)
{
    struct WatchState {
        const ResourceType *type;
        std::string ns;
        LabelSelector ls;
        FieldSelector fs;
        bool table = false;
        bool partial = false;
        IncludeObject include = IncludeObject::Metadata;
        bool bookmarks = false;
        bool initialEventsEnd = false;
        std::uint64_t pos = 0;
        std::uint64_t epoch = 0;
        std::vector<ObjPtr> initial;  // the initial events' objects, written first, a batch per write
        size_t initialSent = 0;
        std::string columns;  // the Table form's columnDefinitions, encoded once
        bool gone = false;
        Json error;  // an ERROR event's Status to end the stream with (gone has its own)
        std::chrono::steady_clock::time_point deadline;
        std::chrono::steady_clock::time_point nextBookmark;
    };
    auto st = std::make_shared<WatchState>();
    st->type = &t;
    st->ns = ns;
    st->ls = LabelSelector::parse(param(req, "labelSelector"));
    st->fs = FieldSelector::parse(param(req, "fieldSelector"));
    const std::string accept = req.get_header_value("Accept");
    st->table = accept.find("as=Table") != std::string::npos;
    st->partial = !st->table && accept.find("as=PartialObjectMetadata") != std::string::npos;
    st->include = includeObjectFromQuery(param(req, "includeObject"));
    st->bookmarks = flag(req, "allowWatchBookmarks");
    st->epoch = m_faults.watchEpoch.load();
    long long timeout = 1800;
    if (std::string ts = param(req, "timeoutSeconds"); !ts.empty())
        timeout = std::max(1LL, std::atoll(ts.c_str()));
    auto now = std::chrono::steady_clock::now();
    st->deadline = now + std::chrono::seconds(timeout);
    st->nextBookmark = now + m_options.bookmarkInterval;

    if (st->table)
        st->columns = tableColumns(t).dump();
    // An event from the object's stored bytes: only a Table row's cells are computed.
    auto encode = [st](std::string &out, const char *type, const StoredObject &o) {
        out += "{\"type\":\"";
        out += type;
        out += "\",\"object\":";
        if (st->table) {
            out += R"({"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":")";
            out += std::to_string(o.rv);
            out += R"("},"columnDefinitions":)";
            out += st->columns;
            out += R"(,"rows":[)";
            appendTableRow(out, *st->type, o, st->include);
            out += "]}";
        } else if (st->partial) {
            out += R"({"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":)";
            out += o.metadataJson();
            out += "}";
        } else {
            out += o.json;
        }
        out += "}\n";
    };
    auto matches = [st](const StoredObject &o) {
        if (!st->ns.empty() && st->type->namespaced && o.ns != st->ns)
            return false;
        return st->ls.matches(findPath(o.obj, "metadata.labels")) && st->fs.matches(o.obj);
    };

    validateListOptions(req, true);
    const std::string rvParam = param(req, "resourceVersion");
    const bool fromNow = rvParam.empty() || rvParam == "0";
    // Without sendInitialEvents, the legacy rule: an unset or "0" resourceVersion starts with the
    // current state. With it (KEP-3157, a streaming list), it says, and NotOlderThan means a state
    // at least as new as resourceVersion; the initial events end with a bookmark annotated
    // k8s.io/initial-events-end when bookmarks are allowed.
    const bool initialEvents = req.has_param("sendInitialEvents");
    const bool sendInitial = initialEvents ? flag(req, "sendInitialEvents") : fromNow;
    const std::uint64_t current = m_cluster.store().currentRv();
    if (m_faults.goneWatches.load() > 0 && m_faults.goneWatches.fetch_sub(1) > 0) {
        st->gone = true;
    } else if (initialEvents && !fromNow && parseRv(rvParam) > current) {
        st->error = tooLargeResourceVersion(rvParam, std::to_string(current));
    } else if (sendInitial) {
        // Synthetic ADDED events for the current state, then changes.
        ObjectStore::Snapshot snap = m_cluster.store().list(t, ns);
        for (auto &o : snap.items)
            if (matches(*o))
                st->initial.push_back(std::move(o));
        st->pos = snap.rv;
        st->initialEventsEnd = initialEvents && st->bookmarks;
    } else if (fromNow) {
        st->pos = current;  // sendInitialEvents=false: changes from now on, without the current state
    } else {
        st->pos = parseRv(rvParam);
        if (st->pos < m_cluster.store().compactedRv())
            st->gone = true;
    }

    res.set_header("Cache-Control", "no-cache, private");
    res.set_chunked_content_provider(kJsonStream, [this, st, encode, matches](size_t, httplib::DataSink &sink) {
        auto kindForBookmark = [&] {
            return Json({{"kind", st->type->kind}, {"apiVersion", st->type->groupVersion()},
                         {"metadata", {{"resourceVersion", std::to_string(st->pos)}, {"creationTimestamp", nullptr}}}});
        };
        if (m_stopping || m_faults.watchEpoch.load() != st->epoch)
            return false;  // drop the connection without a terminating chunk, as a failing server does
        if (!st->error.is_null()) {
            const std::string line = "{\"type\":\"ERROR\",\"object\":" + st->error.dump() + "}\n";
            sink.write(line.data(), line.size());
            sink.done();
            return true;
        }
        if (st->gone) {
            std::string rv = std::to_string(st->pos);
            Json status = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Failure"},
                           {"message", "too old resource version: " + rv + " (" + std::to_string(m_cluster.store().compactedRv() + 1) + ")"},
                           {"reason", "Expired"}, {"code", 410}};
            std::string line = "{\"type\":\"ERROR\",\"object\":" + status.dump() + "}\n";
            sink.write(line.data(), line.size());
            sink.done();
            return true;
        }
        if (st->initialSent < st->initial.size() || st->initialEventsEnd) {
            // The initial events a batch per write, not all of them in memory at once.
            std::string chunk;
            while (st->initialSent < st->initial.size() && chunk.size() < 256 * 1024)
                encode(chunk, "ADDED", *st->initial[st->initialSent++]);
            if (st->initialSent == st->initial.size()) {
                st->initial.clear();
                st->initial.shrink_to_fit();
            }
            if (st->initial.empty() && st->initialEventsEnd) {
                Json bm = kindForBookmark();
                bm["metadata"]["annotations"] = {{"k8s.io/initial-events-end", "true"}};
                chunk += "{\"type\":\"BOOKMARK\",\"object\":" + bm.dump() + "}\n";
                st->initialEventsEnd = false;
            }
            return sink.write(chunk.data(), chunk.size());
        }
        auto now = std::chrono::steady_clock::now();
        if (now >= st->deadline) {
            sink.done();
            return true;
        }
        m_cluster.store().waitForChange(st->pos, std::chrono::milliseconds(250));
        if (m_stopping || m_faults.watchEpoch.load() != st->epoch)
            return false;
        std::vector<WatchEvent> events;
        if (!m_cluster.store().eventsSince(st->pos, events, 2000)) {
            st->gone = true;
            return true;
        }
        std::string chunk;
        for (const auto &e : events) {
            st->pos = e.rv;
            if (e.type != st->type->index)
                continue;
            bool now_ = matches(*e.obj);
            bool before = e.prev && matches(*e.prev);
            const char *type = nullptr;
            if (e.kind == EventKind::Added && now_)
                type = "ADDED";
            else if (e.kind == EventKind::Deleted && now_)
                type = "DELETED";
            else if (e.kind == EventKind::Modified)
                type = now_ && before ? "MODIFIED" : now_ ? "ADDED" : before ? "DELETED" : nullptr;
            if (type)
                encode(chunk, type, *e.obj);
        }
        if (st->bookmarks && now >= st->nextBookmark) {
            chunk += "{\"type\":\"BOOKMARK\",\"object\":" + kindForBookmark().dump() + "}\n";
            st->nextBookmark = now + m_options.bookmarkInterval;
        }
        if (!chunk.empty())
            return sink.write(chunk.data(), chunk.size());
        return sink.is_writable();
    });
}

}  // namespace pilothouse::sim
