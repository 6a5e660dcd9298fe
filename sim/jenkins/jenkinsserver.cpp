// The Jenkins HTTPS front of the simulator (cpp-httplib over OpenSSL).
#include "jenkins/jenkinsserver.h"

#include "kube/apiserver.h"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <sys/socket.h>

#include <cstdlib>

namespace pilothouse::sim {

namespace {

constexpr const char *kJsonType = "application/json;charset=utf-8";
constexpr const char *kTextType = "text/plain;charset=utf-8";
constexpr const char *kHtmlType = "text/html;charset=utf-8";

std::string randomHex(size_t bytes)
{
    std::string raw(bytes, '\0');
    RAND_bytes(reinterpret_cast<unsigned char *>(raw.data()), static_cast<int>(bytes));
    static const char *hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
    return out;
}

bool equalSecret(const std::string &a, const std::string &b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string html(const std::string &title, const std::string &body)
{
    return "<!DOCTYPE html><html><head><title>" + title + " [Jenkins]</title></head><body><h1>" + title + "</h1>" + body + "</body></html>\n";
}

void sendHtml(httplib::Response &res, int status, const std::string &title, const std::string &body = {})
{
    res.status = status;
    res.set_content(html(title, body), kHtmlType);
}

void sendJenkinsJson(httplib::Response &res, const Json &value, const std::optional<JenkinsTree> &tree)
{
    res.status = 200;
    res.set_content((tree ? pruneJenkinsTree(value, *tree) : value).dump(), kJsonType);
}

bool isNumber(const std::string &s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// build's `json` form field: {"parameter": [{"name", "value"}]} or one object.
std::vector<std::pair<std::string, std::string>> parametersFromJson(const std::string &text)
{
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw JenkinsError(400, "the json form field is not a JSON object");
    std::vector<std::pair<std::string, std::string>> out;
    auto add = [&](const Json &p) {
        if (!p.is_object() || !p.contains("name") || !p["name"].is_string())
            return;
        const Json &v = p.contains("value") ? p["value"] : Json("");
        out.emplace_back(p["name"].get<std::string>(), v.is_string() ? v.get<std::string>() : v.is_boolean() ? (v.get<bool>() ? "true" : "false") : v.dump());
    };
    const Json &ps = j.contains("parameter") ? j["parameter"] : Json();
    if (ps.is_array())
        for (const auto &p : ps)
            add(p);
    else
        add(ps);
    return out;
}

// "10", "10sec", "10 sec": Jenkins' delay parameter.
double delayOf(const std::string &text)
{
    if (text.empty())
        return -1;
    char *end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    return end == text.c_str() || v < 0 ? -1 : v;
}

}  // namespace

namespace {

TlsServerOptions tlsOptions(const JenkinsServerOptions &o)
{
    TlsServerOptions t;
    t.name = "Jenkins API";
    t.host = o.host;
    t.port = o.port;
    t.threads = 16;
    // As Jetty: no 40 ms Nagle wait per answer, and a kept-alive connection serves more than five
    // requests (a page of runs asks for one describe per run).
    t.tcpNoDelay = true;
    t.keepAliveMaxCount = 100;
    return t;
}

}  // namespace

JenkinsServer::JenkinsServer(JenkinsWorld &world, Pki pki, JenkinsServerOptions options)
    : m_world(world), m_options(std::move(options)),
      // Jenkins' API tokens: "11" and 32 hex digits.
      m_adminToken("11" + randomHex(16)), m_viewerToken("11" + randomHex(16)), m_cookieName("JSESSIONID." + randomHex(4)),
      m_crumbSalt(randomHex(32)),
      m_tls(std::move(pki), tlsOptions(m_options), [this](const httplib::Request &req, httplib::Response &res) { handle(req, res); },
            [](httplib::Response &res, const std::exception &e) { sendHtml(res, 500, "Oops!", std::string("<pre>") + e.what() + "</pre>"); })
{
}

JenkinsServer::~JenkinsServer() { stop(); }

std::string JenkinsServer::url() const { return m_tls.url() + "/"; }

int JenkinsServer::start(std::string &error)
{
    int port = m_tls.start(error);
    if (port > 0) {
        m_world.setBaseUrl(url());
        m_world.startTicker();
    }
    return port;
}

void JenkinsServer::stop()
{
    m_world.stopTicker();
    if (m_tls.running())
        m_tls.stop();
}

std::string JenkinsServer::sessionOf(const httplib::Request &req) const
{
    const std::string cookies = req.get_header_value("Cookie");
    const std::string key = m_cookieName + "=";
    size_t at = cookies.find(key);
    if (at == std::string::npos)
        return {};
    size_t start = at + key.size();
    size_t end = cookies.find(';', start);
    return cookies.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string JenkinsServer::crumbFor(const std::string &session, const std::string &user) const
{
    // DefaultCrumbIssuer: a hash of the user, the session and a secret salt (since 2.176.2 the
    // crumb is valid only with the session it was issued for).
    const std::string data = user + ";" + session;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), m_crumbSalt.data(), static_cast<int>(m_crumbSalt.size()), reinterpret_cast<const unsigned char *>(data.data()),
         data.size(), mac, &len);
    static const char *hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(hex[mac[i] >> 4]);
        out.push_back(hex[mac[i] & 15]);
    }
    return out;
}

bool JenkinsServer::crumbValid(const httplib::Request &req, const std::map<std::string, std::string> &form, const Caller &caller) const
{
    std::string crumb = req.get_header_value("Jenkins-Crumb");
    if (crumb.empty()) {
        auto it = form.find("Jenkins-Crumb");
        if (it != form.end())
            crumb = it->second;
    }
    const std::string session = sessionOf(req);
    if (crumb.empty() || session.empty())
        return false;
    {
        std::lock_guard l(m_sessionsMutex);
        auto it = m_sessions.find(session);
        if (it == m_sessions.end() || it->second != caller.user->id)
            return false;
    }
    return equalSecret(crumb, crumbFor(session, caller.user->id));
}

bool JenkinsServer::authenticate(const httplib::Request &req, httplib::Response &res, Caller &caller)
{
    const std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Basic ", 0) == 0) {
        std::string decoded = base64UrlDecode(auth.substr(6)).value_or(std::string());
        size_t colon = decoded.find(':');
        std::string user = colon == std::string::npos ? decoded : decoded.substr(0, colon);
        std::string secret = colon == std::string::npos ? std::string() : decoded.substr(colon + 1);
        for (auto [u, token, password] : {std::tuple{&m_admin, &m_adminToken, &m_options.password},
                                          std::tuple{&m_viewer, &m_viewerToken, &m_viewerPassword}}) {
            if (user != u->id)
                continue;
            if (equalSecret(secret, *token)) {
                caller = {u, true};
                return true;
            }
            if (equalSecret(secret, *password)) {
                caller = {u, false};
                return true;
            }
        }
        res.status = 401;
        res.set_header("WWW-Authenticate", "Basic realm=\"Jenkins\"");
        res.set_content(html("Unauthorized", "<p>Invalid password/token for user: " + user + "</p>"), kHtmlType);
        return false;
    }
    // A browser-like session (cookie only) belongs to whoever logged in with a password.
    const std::string session = sessionOf(req);
    if (!session.empty()) {
        std::lock_guard l(m_sessionsMutex);
        auto it = m_sessions.find(session);
        if (it != m_sessions.end())
            caller = {it->second == m_admin.id ? &m_admin : &m_viewer, false};
    }
    return true;
}

void JenkinsServer::handle(const httplib::Request &req, httplib::Response &res)
{
    res.set_header("X-Jenkins", m_options.version);
    res.set_header("X-Hudson", "1.395");
    res.set_header("X-Jenkins-Session", m_cookieName.substr(11));
    Caller caller;
    if (!authenticate(req, res, caller))
        return;
    if (!caller.user) {
        // Anonymous has no Overall/Read permission.
        res.set_header("X-You-Are-Authenticated-As", "anonymous");
        res.set_header("X-Required-Permission", "hudson.model.Hudson.Read");
        sendHtml(res, 403, "Authentication required",
                 "<!-- You are authenticated as: anonymous\nGroups that you are in:\n\nPermission you need to have (but didn't): hudson.model.Hudson.Read\n -->");
        return;
    }
    // Form fields of a POST (urlencoded body) and the query, the body's first.
    std::map<std::string, std::string> form;
    if (req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0) {
        httplib::Params body;
        httplib::detail::parse_query_text(req.body, body);
        for (const auto &[k, v] : body)
            form.emplace(k, v);
    }
    for (const auto &[k, v] : req.params)
        form.emplace(k, v);
    if (req.method == "POST" && !caller.apiToken && !crumbValid(req, form, caller)) {
        sendHtml(res, 403, "Error 403 No valid crumb was included in the request",
                 "<p>HTTP ERROR 403 No valid crumb was included in the request</p>");
        return;
    }
    std::optional<JenkinsTree> tree;
    if (req.has_param("tree")) {
        std::string error;
        tree = parseJenkinsTree(req.get_param_value("tree"), error);
        if (!tree) {
            sendHtml(res, 400, "Bad Request", "<p>Malformed tree expression: " + error + "</p>");
            return;
        }
    }
    JenkinsShape shape{tree ? &*tree : nullptr, req.has_param("depth") ? std::atoi(req.get_param_value("depth").c_str()) : 0};
    const auto parts = splitPath(req.path);
    auto is = [&](std::initializer_list<const char *> want) {
        if (parts.size() != want.size())
            return false;
        size_t i = 0;
        for (const char *w : want)
            if (parts[i++] != w)
                return false;
        return true;
    };
    std::vector<JenkinsGitopsUpdate> updates;
    try {
        auto lock = m_world.lock();
        updates = m_world.advance();
        if (parts.empty()) {
            sendHtml(res, 200, "Dashboard", "<p>Pilothouse demo CI (simulated)</p>");
        } else if (is({"api", "json"})) {
            sendJenkinsJson(res, m_world.rootJson(shape), tree);
        } else if (is({"crumbIssuer", "api", "json"})) {
            std::string session = sessionOf(req);
            {
                std::lock_guard l(m_sessionsMutex);
                auto it = m_sessions.find(session);
                if (session.empty() || it == m_sessions.end() || it->second != caller.user->id) {
                    session = randomHex(16);
                    m_sessions[session] = caller.user->id;
                    res.set_header("Set-Cookie", m_cookieName + "=" + session + "; Path=/; Secure; HttpOnly");
                }
            }
            sendJenkinsJson(res, {{"_class", "hudson.security.csrf.DefaultCrumbIssuer"}, {"crumb", crumbFor(session, caller.user->id)},
                                  {"crumbRequestField", "Jenkins-Crumb"}}, tree);
        } else if (is({"me", "api", "json"}) || (parts.size() == 4 && parts[0] == "user" && parts[1] == caller.user->id && parts[2] == "api" && parts[3] == "json")) {
            sendJenkinsJson(res, m_world.userJson(*caller.user), tree);
        } else if (is({"whoAmI", "api", "json"})) {
            sendJenkinsJson(res, {{"_class", "hudson.security.WhoAmI"}, {"anonymous", false}, {"authenticated", true},
                                  {"authorities", Json::array({"authenticated"})}, {"name", caller.user->id}}, tree);
        } else if (is({"computer", "api", "json"})) {
            sendJenkinsJson(res, m_world.computersJson(shape), tree);
        } else if (is({"queue", "api", "json"})) {
            sendJenkinsJson(res, m_world.queueJson(shape), tree);
        } else if (parts.size() >= 3 && parts[0] == "queue" && parts[1] == "item" && isNumber(parts[2])) {
            const long long id = std::atoll(parts[2].c_str());
            Json item = m_world.queueItemJson(id, shape);
            if (parts.size() == 5 && parts[3] == "api" && parts[4] == "json")
                sendJenkinsJson(res, item, tree);
            else if (parts.size() == 3)
                sendHtml(res, 200, "Queue item " + parts[2], "<p>" + item.value("why", std::string()) + "</p>");
            else
                throw JenkinsError(404, "Not Found");
        } else if (is({"queue", "cancelItem"}) && req.method == "POST") {
            if (!caller.user->canBuild)
                throw JenkinsError(403, caller.user->id + " is missing the Job/Cancel permission");
            auto it = form.find("id");
            if (it == form.end() || !m_world.cancelQueueItem(std::atoll(it->second.c_str())))
                throw JenkinsError(404, "no such queue item");
            res.status = 204;
            res.set_header("Content-Length", "0");
        } else if (!parts.empty() && parts[0] == "job") {
            serveJob(req, res, caller, parts, form, tree, shape, updates);
        } else {
            throw JenkinsError(404, "Not Found");
        }
    } catch (const JenkinsError &e) {
        if (e.status() == 0)
            return;  // the dropped-trigger fault: the connection is already shut down
        sendHtml(res, e.status(), e.status() == 404 ? "Not Found" : e.status() == 403 ? "Access Denied" : "Error",
                 "<p>" + std::string(e.what()) + "</p>");
    }
    m_world.runHooks(updates);
}

void JenkinsServer::serveJob(const httplib::Request &req, httplib::Response &res, const Caller &caller,
                             const std::vector<std::string> &parts, const std::map<std::string, std::string> &form,
                             const std::optional<JenkinsTree> &tree, const JenkinsShape &shape, std::vector<JenkinsGitopsUpdate> &updates)
{
    std::vector<std::string> names;
    size_t i = 0;
    while (i + 1 < parts.size() && parts[i] == "job") {
        names.push_back(parts[i + 1]);
        i += 2;
    }
    JenkinsWorld::Job *job = m_world.findJob(names);
    if (!job)
        throw JenkinsError(404, "Not Found");
    std::vector<std::string> rest(parts.begin() + static_cast<long>(i), parts.end());
    auto needPost = [&] {
        if (req.method != "POST")
            throw JenkinsError(405, "This URL requires POST");
    };
    auto needBuild = [&] {
        if (!caller.user->canBuild)
            throw JenkinsError(403, caller.user->id + " is missing the Job/Build permission");
    };
    auto field = [&](const char *name) {
        auto it = form.find(name);
        return it == form.end() ? std::string() : it->second;
    };
    if (rest.empty()) {
        sendHtml(res, 200, m_world.jobFullName(*job));
        return;
    }
    if (rest.size() == 2 && rest[0] == "api" && rest[1] == "json") {
        sendJenkinsJson(res, m_world.itemJson(*job, shape), tree);
        return;
    }
    if (rest.size() == 1 && (rest[0] == "build" || rest[0] == "buildWithParameters")) {
        needPost();
        needBuild();
        if (!m_world.isBuildable(*job))
            throw JenkinsError(404, "Not Found");
        std::vector<std::pair<std::string, std::string>> params;
        const bool hasDefinitions = m_world.isParameterized(*job);
        if (rest[0] == "build") {
            if (hasDefinitions) {
                if (field("json").empty())
                    throw JenkinsError(400, "This page expects a form submission but had only {}");
                params = parametersFromJson(field("json"));
            }
        } else {
            if (!hasDefinitions)
                throw JenkinsError(400, m_world.jobFullName(*job) + " is not parameterized");
            for (const auto &[k, v] : form)
                if (k != "delay" && k != "token" && k != "Jenkins-Crumb" && k != "json")
                    params.emplace_back(k, v);
        }
        auto result = m_world.trigger(*job, params, delayOf(field("delay")), *caller.user);
        res.set_header("Location", m_world.baseUrl() + "queue/item/" + std::to_string(result.queueId) + "/");
        res.status = result.existing ? 303 : 201;
        res.set_header("Content-Length", "0");
        if (!result.existing && m_dropTriggers.load() > 0) {
            --m_dropTriggers;
            // The item is queued; its answer never arrives: the connection goes now.
            if (req.ssl)
                ::shutdown(SSL_get_fd(req.ssl), SHUT_RDWR);
            throw JenkinsError(0, "dropped");
        }
        return;
    }
    if (rest.size() == 2 && rest[0] == "wfapi" && rest[1] == "runs") {
        sendJenkinsJson(res, m_world.wfapiRuns(*job), std::nullopt);
        return;
    }
    if (rest.size() == 2 && rest[0] == "wfapi" && rest[1] == "describe") {
        sendJenkinsJson(res, m_world.wfapiJobDescribe(*job), std::nullopt);
        return;
    }
    if (rest.empty() || !m_world.isBuildable(*job))
        throw JenkinsError(404, "Not Found");
    JenkinsWorld::Build *build = m_world.findBuild(*job, rest[0]);
    if (!build)
        throw JenkinsError(404, "Not Found");
    std::vector<std::string> sub(rest.begin() + 1, rest.end());
    auto subIs = [&](std::initializer_list<const char *> want) {
        if (sub.size() != want.size())
            return false;
        size_t k = 0;
        for (const char *w : want)
            if (sub[k++] != w)
                return false;
        return true;
    };
    if (sub.empty()) {
        sendHtml(res, 200, m_world.jobFullName(*job) + " #" + std::to_string(m_world.number(*build)));
    } else if (subIs({"api", "json"})) {
        sendJenkinsJson(res, m_world.buildJson(*build, shape), tree);
    } else if (subIs({"stop"}) || subIs({"term"}) || subIs({"kill"})) {
        needPost();
        needBuild();
        m_world.stop(*build, *caller.user);
        const std::string referer = req.get_header_value("Referer");
        res.status = 302;
        res.set_header("Location", referer.empty() ? m_world.buildUrl(*build) : referer);
        res.set_header("Content-Length", "0");
    } else if (subIs({"consoleText"})) {
        res.status = 200;
        res.set_content(m_world.console(*build), kTextType);
    } else if (subIs({"logText", "progressiveText"})) {
        const std::string &text = m_world.console(*build);
        long long start = std::atoll(field("start").c_str());
        start = std::clamp<long long>(start, 0, static_cast<long long>(text.size()));
        res.status = 200;
        res.set_header("X-Text-Size", std::to_string(text.size()));
        if (m_world.building(*build))
            res.set_header("X-More-Data", "true");
        res.set_content(text.substr(static_cast<size_t>(start)), kTextType);
    } else if (subIs({"wfapi", "describe"})) {
        sendJenkinsJson(res, m_world.wfapiDescribe(*build), std::nullopt);
    } else if (subIs({"stages", "tree"})) {
        sendJenkinsJson(res, m_world.stagesTree(*build), std::nullopt);
    } else if (subIs({"wfapi", "changesets"}) || subIs({"wfapi", "artifacts"})) {
        sendJenkinsJson(res, Json::array(), std::nullopt);  // linked from describe; nothing to list
    } else if (subIs({"wfapi", "pendingInputActions"})) {
        sendJenkinsJson(res, m_world.pendingInputActions(*build), std::nullopt);
    } else if (sub.size() == 5 && sub[0] == "execution" && sub[1] == "node" && sub[3] == "wfapi" && (sub[4] == "describe" || sub[4] == "log")) {
        sendJenkinsJson(res, sub[4] == "describe" ? m_world.wfapiNodeDescribe(*build, sub[2]) : m_world.wfapiNodeLog(*build, sub[2]), std::nullopt);
    } else if ((sub.size() == 3 && sub[0] == "input") || subIs({"wfapi", "inputSubmit"})) {
        needPost();
        needBuild();
        const bool wfapi = sub[0] == "wfapi";
        const std::string inputId = wfapi ? field("inputId") : sub[1];
        const std::string action = wfapi ? "submit" : sub[2];
        std::vector<std::pair<std::string, std::string>> values;
        if (!field("json").empty())
            values = parametersFromJson(field("json"));
        if (action == "abort" || (action == "submit" && !field("abort").empty())) {
            m_world.abortInput(*build, inputId, *caller.user);
        } else if (action == "proceedEmpty") {
            m_world.proceedInput(*build, inputId, {}, *caller.user);
        } else if (action == "proceed" || action == "submit") {
            m_world.proceedInput(*build, inputId, values, *caller.user);
        } else {
            throw JenkinsError(404, "Not Found");
        }
        for (auto &u : m_world.advance())
            updates.push_back(std::move(u));
        if (action == "submit" || action == "proceed") {
            res.status = 302;
            res.set_header("Location", m_world.buildUrl(*build));
            res.set_header("Content-Length", "0");
        } else {
            res.status = 200;
            res.set_content("", kTextType);
        }
    } else {
        throw JenkinsError(404, "Not Found");
    }
}

void installJenkinsControls(ApiServer &api, JenkinsServer &jenkins)
{
    api.addControl("jenkins-drop-trigger", [&jenkins](const httplib::Request &req) {
        int count = 1;
        if (req.has_param("count")) {
            count = std::atoi(req.get_param_value("count").c_str());
            if (count < 0 || count > 1000)
                throw ApiException::badRequest("count must be between 0 and 1000");
        }
        jenkins.dropNextTriggers(count);
        return Json{{"triggersToDrop", count}};
    });
}

}  // namespace pilothouse::sim
