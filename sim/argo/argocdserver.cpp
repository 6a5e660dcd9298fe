// The Argo CD REST API of the simulator (cpp-httplib over OpenSSL): sessions, applications, sync,
// rollback, operations, resource tree, managed resources, revision metadata and the event stream.
#include "argo/argocdserver.h"

#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <chrono>
#include <iostream>

namespace pilothouse::sim {

namespace {

constexpr const char *kJson = "application/json";
constexpr const char *kAdmin = "admin";
constexpr auto kTokenLifetime = std::chrono::hours(24);

void sendJson(httplib::Response &res, int status, const Json &body)
{
    res.status = status;
    res.set_content(body.dump(), kJson);
}

// grpc-gateway's error body, as Argo CD answers every failed call.
void sendError(httplib::Response &res, const ArgoCdError &e)
{
    sendJson(res, e.httpStatus(), {{"error", e.what()}, {"code", e.grpcCode()}, {"message", e.what()}, {"details", Json::array()}});
}

std::string hmacSha256(const std::string &key, const std::string &data)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(data.data()), data.size(), mac, &len);
    return std::string(reinterpret_cast<const char *>(mac), len);
}

std::string randomBytes(size_t n)
{
    std::string s(n, '\0');
    RAND_bytes(reinterpret_cast<unsigned char *>(s.data()), static_cast<int>(n));
    return s;
}

Json parseBody(const httplib::Request &req)
{
    if (req.body.empty())
        return Json::object();
    Json body = Json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
        throw ArgoCdError::invalidArgument("the request body is not a JSON object");
    return body;
}

}  // namespace

namespace {

TlsServerOptions tlsOptions(const ArgoCdServerOptions &o)
{
    TlsServerOptions t;
    t.name = "Argo CD API";
    t.host = o.host;
    t.port = o.port;
    t.threads = 32;
    return t;
}

}  // namespace

ArgoCdServer::ArgoCdServer(Cluster &cluster, ArgoCdController &controller, Pki pki, ArgoCdServerOptions options)
    : m_cluster(cluster), m_controller(controller), m_options(std::move(options)), m_signingKey(randomBytes(32)),
      m_tls(std::move(pki), tlsOptions(m_options), [this](const httplib::Request &req, httplib::Response &res) { handle(req, res); },
            [](httplib::Response &res, const std::exception &e) { sendError(res, ArgoCdError(500, 13, e.what())); })
{
}

ArgoCdServer::~ArgoCdServer() { stop(); }

std::string ArgoCdServer::url() const { return m_tls.url(); }

int ArgoCdServer::start(std::string &error)
{
    m_stopping = false;
    return m_tls.start(error);
}

void ArgoCdServer::stop()
{
    if (!m_tls.running())
        return;
    m_stopping = true;
    m_cluster.store().wakeAll();
    m_tls.stop();
}

std::string ArgoCdServer::issueToken(const std::string &user)
{
    auto now = std::chrono::system_clock::now();
    long long iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    std::string jti = newUid();
    Json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    Json claims = {{"iss", "argocd"}, {"sub", user + ":login"}, {"aud", "argocd"}, {"iat", iat}, {"nbf", iat},
                   {"exp", iat + std::chrono::duration_cast<std::chrono::seconds>(kTokenLifetime).count()}, {"jti", jti}};
    std::string signingInput = base64UrlEncode(header.dump()) + "." + base64UrlEncode(claims.dump());
    return signingInput + "." + base64UrlEncode(hmacSha256(m_signingKey, signingInput));
}

std::string ArgoCdServer::authenticate(const httplib::Request &req, std::string &why) const
{
    std::string token;
    std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) == 0)
        token = auth.substr(7);
    if (token.empty()) {
        std::string cookies = req.get_header_value("Cookie");
        size_t at = cookies.find("argocd.token=");
        if (at != std::string::npos) {
            size_t start = at + 13;
            token = cookies.substr(start, cookies.find(';', start) - start);
        }
    }
    if (token.empty()) {
        why = "no session information";
        return {};
    }
    size_t dot1 = token.find('.');
    size_t dot2 = dot1 == std::string::npos ? std::string::npos : token.find('.', dot1 + 1);
    if (dot2 == std::string::npos) {
        why = "invalid session: token contains an invalid number of segments";
        return {};
    }
    std::string expected = base64UrlEncode(hmacSha256(m_signingKey, token.substr(0, dot2)));
    std::string given = token.substr(dot2 + 1);
    if (expected.size() != given.size() || CRYPTO_memcmp(expected.data(), given.data(), expected.size()) != 0) {
        why = "invalid session: signature is invalid";
        return {};
    }
    Json claims = Json::parse(base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1)).value_or(std::string()), nullptr, false);
    if (!claims.is_object()) {
        why = "invalid session: malformed claims";
        return {};
    }
    long long now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (claims.value("exp", 0LL) < now) {
        why = "invalid session: token has invalid claims: token is expired";
        return {};
    }
    {
        std::lock_guard lock(m_tokensMutex);
        if (m_revoked.count(claims.value("jti", ""))) {
            why = "invalid session: token is revoked, please re-login";
            return {};
        }
    }
    std::string sub = claims.value("sub", "");
    return sub.substr(0, sub.find(':'));
}

void ArgoCdServer::handle(const httplib::Request &req, httplib::Response &res)
{
    try {
        auto parts = splitPath(req.path);
        if (parts.size() < 2 || parts[0] != "api")
            throw ArgoCdError(404, 5, "Not Found");
        // Unauthenticated endpoints: version, settings, login.
        if (parts.size() == 2 && parts[1] == "version" && req.method == "GET") {
            sendJson(res, 200, {{"Version", "v2.13.0+pilothouse-sim"}, {"BuildDate", "2026-01-01T00:00:00Z"}, {"Platform", "linux/amd64"}});
            return;
        }
        if (parts.size() == 3 && parts[1] == "v1" && parts[2] == "settings" && req.method == "GET") {
            sendJson(res, 200, {{"url", url()}, {"userLoginsDisabled", false}, {"statusBadgeEnabled", false}});
            return;
        }
        if (parts.size() == 3 && parts[1] == "v1" && parts[2] == "session" && req.method == "POST") {
            Json body = parseBody(req);
            std::string user = body.value("username", "");
            std::string password = body.value("password", "");
            bool ok = user == kAdmin && password.size() == m_options.password.size() &&
                      CRYPTO_memcmp(password.data(), m_options.password.data(), password.size()) == 0;
            if (!ok)
                throw ArgoCdError::unauthenticated("Invalid username or password");
            sendJson(res, 200, {{"token", issueToken(user)}});
            return;
        }
        std::string why;
        std::string user = authenticate(req, why);
        if (user.empty())
            throw ArgoCdError::unauthenticated(why);
        if (parts.size() < 3 || parts[1] != "v1")
            throw ArgoCdError(404, 5, "Not Found");
        const std::string &service = parts[2];
        if (service == "session") {
            if (parts.size() == 4 && parts[3] == "userinfo" && req.method == "GET") {
                sendJson(res, 200, {{"loggedIn", true}, {"username", user}, {"iss", "argocd"}, {"groups", Json::array()}});
                return;
            }
            if (parts.size() == 3 && req.method == "DELETE") {
                std::string token = req.get_header_value("Authorization").substr(7);
                size_t d1 = token.find('.');
                size_t d2 = token.find('.', d1 + 1);
                Json claims = Json::parse(base64UrlDecode(token.substr(d1 + 1, d2 - d1 - 1)).value_or(std::string()), nullptr, false);
                if (claims.is_object()) {
                    std::lock_guard lock(m_tokensMutex);
                    m_revoked.insert(claims.value("jti", ""));
                }
                sendJson(res, 200, Json::object());
                return;
            }
        }
        if (service == "stream" && parts.size() == 4 && parts[3] == "applications" && req.method == "GET") {
            serveStream(req, res);
            return;
        }
        if (service == "applications") {
            if (parts.size() == 3 && req.method == "GET") {
                std::string nameFilter = req.has_param("name") ? req.get_param_value("name") : "";
                std::string project = req.has_param("projects") ? req.get_param_value("projects") : "";
                Json items = Json::array();
                for (auto &a : m_controller.applications()) {
                    if (!nameFilter.empty() && stringAt(a, "metadata.name") != nameFilter)
                        continue;
                    if (!project.empty() && stringAt(a, "spec.project") != project)
                        continue;
                    items.push_back(a);
                }
                sendJson(res, 200, {{"metadata", {{"resourceVersion", m_cluster.store().currentRvString()}}}, {"items", items}});
                return;
            }
            if (parts.size() < 4)
                throw ArgoCdError(404, 5, "Not Found");
            const std::string &name = parts[3];
            if (parts.size() == 4 && req.method == "GET") {
                std::string refresh = req.has_param("refresh") ? req.get_param_value("refresh") : "";
                sendJson(res, 200, refresh.empty() ? m_controller.application(name) : m_controller.refresh(name));
                return;
            }
            const std::string sub = parts.size() > 4 ? parts[4] : "";
            if (parts.size() == 5 && sub == "sync" && req.method == "POST") {
                sendJson(res, 200, m_controller.sync(name, parseBody(req), user));
                return;
            }
            if (parts.size() == 5 && sub == "rollback" && req.method == "POST") {
                sendJson(res, 200, m_controller.rollback(name, parseBody(req), user));
                return;
            }
            if (parts.size() == 5 && sub == "operation" && req.method == "DELETE") {
                m_controller.terminateOperation(name);
                sendJson(res, 200, Json::object());
                return;
            }
            if (parts.size() == 5 && sub == "resource-tree" && req.method == "GET") {
                sendJson(res, 200, m_controller.resourceTree(name));
                return;
            }
            if (parts.size() == 5 && sub == "managed-resources" && req.method == "GET") {
                sendJson(res, 200, m_controller.managedResources(name));
                return;
            }
            if (parts.size() == 7 && sub == "revisions" && parts[6] == "metadata" && req.method == "GET") {
                sendJson(res, 200, m_controller.revisionMetadata(name, parts[5]));
                return;
            }
        }
        throw ArgoCdError(404, 5, "Not Found");
    } catch (const ArgoCdError &e) {
        sendError(res, e);
    }
}

void ArgoCdServer::serveStream(const httplib::Request &req, httplib::Response &res)
{
    struct StreamState {
        std::string name;
        std::uint64_t pos = 0;
        std::string pending;
    };
    auto st = std::make_shared<StreamState>();
    st->name = req.has_param("name") ? req.get_param_value("name") : "";
    const auto &appType = ResourceRegistry::instance().require("argoproj.io", "applications");
    auto encode = [](const char *type, const Json &app) {
        return "data: " + Json({{"result", {{"type", type}, {"application", app}}}}).dump() + "\n\n";
    };
    // Like the real Watch: the current applications first, as ADDED.
    auto snap = m_cluster.store().list(appType, ArgoCdController::kNamespace);
    for (const auto &o : snap.items)
        if (st->name.empty() || o->name == st->name)
            st->pending += encode("ADDED", o->obj);
    st->pos = snap.rv;
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider("text/event-stream", [this, st, encode, &appType](size_t, httplib::DataSink &sink) {
        if (m_stopping)
            return false;
        if (!st->pending.empty()) {
            std::string chunk = std::move(st->pending);
            st->pending.clear();
            return sink.write(chunk.data(), chunk.size());
        }
        m_cluster.store().waitForChange(st->pos, std::chrono::milliseconds(250));
        if (m_stopping)
            return false;
        std::vector<WatchEvent> events;
        if (!m_cluster.store().eventsSince(st->pos, events, 2000)) {
            st->pos = m_cluster.store().currentRv();  // history compacted: continue from now
            return sink.is_writable();
        }
        std::string chunk;
        for (const auto &e : events) {
            st->pos = e.rv;
            if (e.type != appType.index || e.obj->ns != ArgoCdController::kNamespace || (!st->name.empty() && e.obj->name != st->name))
                continue;
            chunk += encode(e.kind == EventKind::Added ? "ADDED" : e.kind == EventKind::Deleted ? "DELETED" : "MODIFIED", e.obj->obj);
        }
        if (!chunk.empty())
            return sink.write(chunk.data(), chunk.size());
        return sink.is_writable();
    });
}

}  // namespace pilothouse::sim
