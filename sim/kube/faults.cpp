// Fault rules and the request log of the Kubernetes API port.
#include "kube/faults.h"

#include "common/apierror.h"

#include <algorithm>

namespace pilothouse::sim {

namespace {

const std::pair<const char *, FaultKind> kKinds[] = {{"drop-body", FaultKind::DropBody},
                                                     {"too-many-requests", FaultKind::TooManyRequests},
                                                     {"watch-error", FaultKind::WatchError},
                                                     {"stall", FaultKind::Stall},
                                                     {"gateway-error", FaultKind::GatewayError}};

const char *kindName(FaultKind k)
{
    for (const auto &[name, kind] : kKinds)
        if (kind == k)
            return name;
    return "";
}

ApiException invalidRule(const std::string &why) { return ApiException::badRequest("invalid fault rule: " + why); }

long long integerField(const Json &rule, const char *key, long long fallback, long long min, long long max)
{
    auto it = rule.find(key);
    if (it == rule.end() || it->is_null())
        return fallback;
    if (!it->is_number_integer())
        throw invalidRule(std::string(key) + " must be an integer");
    const long long v = it->get<long long>();
    if (v < min || v > max)
        throw invalidRule(std::string(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
}

std::string stringField(const Json &rule, const char *key, std::string fallback = {})
{
    auto it = rule.find(key);
    if (it == rule.end() || it->is_null())
        return fallback;
    if (!it->is_string())
        throw invalidRule(std::string(key) + " must be a string");
    return it->get<std::string>();
}

}  // namespace

FaultRule FaultRule::fromJson(const Json &rule)
{
    if (!rule.is_object())
        throw invalidRule("a rule is a JSON object");
    static const char *known[] = {"fault", "path", "pathPrefix", "verb", "watch", "count", "code", "retryAfterSeconds", "body", "bytes", "seconds"};
    for (const auto &[key, value] : rule.items())
        if (std::none_of(std::begin(known), std::end(known), [&](const char *k) { return key == k; }))
            throw invalidRule("unknown field \"" + key + "\"");
    FaultRule r;
    const std::string kind = stringField(rule, "fault");
    auto k = std::find_if(std::begin(kKinds), std::end(kKinds), [&](const auto &e) { return kind == e.first; });
    if (k == std::end(kKinds))
        throw invalidRule("fault must be one of drop-body, too-many-requests, watch-error, stall, gateway-error");
    r.kind = k->second;
    r.path = stringField(rule, "path");
    r.pathPrefix = stringField(rule, "pathPrefix");
    r.verb = stringField(rule, "verb");
    if (auto w = rule.find("watch"); w != rule.end() && !w->is_null()) {
        if (!w->is_boolean())
            throw invalidRule("watch must be true or false");
        r.watch = w->get<bool>();
    }
    r.remaining = integerField(rule, "count", 1, -1, 1000000);
    if (r.remaining == 0)
        throw invalidRule("count must be -1 (until cleared) or at least 1");
    r.retryAfterSeconds = static_cast<int>(integerField(rule, "retryAfterSeconds", 1, 0, 3600));
    r.bytes = integerField(rule, "bytes", -1, -1, 1LL << 40);
    r.stallSeconds = static_cast<int>(integerField(rule, "seconds", 300, 1, 3600));
    r.body = stringField(rule, "body", "html");
    if (r.body != "html" && r.body != "text")
        throw invalidRule("body must be \"html\" or \"text\"");
    switch (r.kind) {
    case FaultKind::WatchError:
        r.code = static_cast<int>(integerField(rule, "code", 500, 500, 504));
        if (r.code != 500 && r.code != 504)
            throw invalidRule("a watch-error's code is 500 or 504");
        if (r.watch == false || (!r.verb.empty() && r.verb != "watch"))
            throw invalidRule("a watch-error applies to watches only");
        r.watch = true;
        break;
    case FaultKind::GatewayError:
        r.code = static_cast<int>(integerField(rule, "code", 502, 502, 504));
        break;
    case FaultKind::TooManyRequests:
        r.code = 429;
        break;
    default:
        if (rule.contains("code"))
            throw invalidRule(std::string("a ") + kindName(r.kind) + " has no code");
        break;
    }
    return r;
}

Json FaultRule::toJson() const
{
    Json j = {{"id", id}, {"fault", kindName(kind)}, {"count", remaining}, {"applied", applied}};
    if (!path.empty())
        j["path"] = path;
    if (!pathPrefix.empty())
        j["pathPrefix"] = pathPrefix;
    if (!verb.empty())
        j["verb"] = verb;
    if (watch)
        j["watch"] = *watch;
    switch (kind) {
    case FaultKind::DropBody:
        j["bytes"] = bytes;
        break;
    case FaultKind::TooManyRequests:
        j["retryAfterSeconds"] = retryAfterSeconds;
        break;
    case FaultKind::WatchError:
        j["code"] = code;
        break;
    case FaultKind::Stall:
        j["seconds"] = stallSeconds;
        break;
    case FaultKind::GatewayError:
        j["code"] = code;
        j["body"] = body;
        break;
    }
    return j;
}

bool FaultRule::matches(const std::string &requestPath, const std::string &requestVerb) const
{
    if (!path.empty() && requestPath != path)
        return false;
    if (!pathPrefix.empty() && requestPath.compare(0, pathPrefix.size(), pathPrefix) != 0)
        return false;
    if (!verb.empty() && requestVerb != verb)
        return false;
    if (watch && *watch != (requestVerb == "watch"))
        return false;
    return true;
}

std::vector<FaultRule> FaultRules::add(const Json &body)
{
    std::vector<FaultRule> parsed;
    if (body.is_object() && body.contains("rules")) {
        if (!body["rules"].is_array() || body.size() != 1)
            throw invalidRule("{\"rules\": [...]} holds an array of rules and nothing else");
        for (const auto &r : body["rules"])
            parsed.push_back(FaultRule::fromJson(r));
    } else {
        parsed.push_back(FaultRule::fromJson(body));
    }
    std::lock_guard lock(m_mutex);
    for (auto &r : parsed) {
        r.id = m_nextId++;
        m_rules.push_back(r);
    }
    return parsed;
}

Json FaultRules::list() const
{
    std::lock_guard lock(m_mutex);
    Json rules = Json::array();
    for (const auto &r : m_rules)
        rules.push_back(r.toJson());
    return {{"rules", rules}};
}

void FaultRules::clear()
{
    {
        std::lock_guard lock(m_mutex);
        m_rules.clear();
        ++m_clears;
    }
    m_cv.notify_all();
}

std::optional<FaultRule> FaultRules::take(const std::string &path, const std::string &verb)
{
    std::lock_guard lock(m_mutex);
    for (auto &r : m_rules) {
        if (r.remaining == 0 || !r.matches(path, verb))
            continue;
        if (r.remaining > 0)
            --r.remaining;
        ++r.applied;
        return r;
    }
    return std::nullopt;
}

void FaultRules::stall(int seconds, const std::atomic<bool> &stopping)
{
    std::unique_lock lock(m_mutex);
    const std::uint64_t clears = m_clears;
    m_cv.wait_for(lock, std::chrono::seconds(seconds), [&] { return stopping.load() || m_clears != clears; });
}

void FaultRules::wake()
{
    // Taking the lock orders this after a stall's check of `stopping`: it cannot miss the wake-up.
    { std::lock_guard lock(m_mutex); }
    m_cv.notify_all();
}

void RequestLog::record(const std::string &method, const std::string &path, const std::string &verb)
{
    std::lock_guard lock(m_mutex);
    ++m_counts[{path, verb, method}];
}

Json RequestLog::query(const std::string &path, const std::string &pathPrefix, const std::string &verb) const
{
    std::lock_guard lock(m_mutex);
    Json requests = Json::array();
    long long total = 0;
    for (const auto &[key, count] : m_counts) {
        const auto &[p, v, method] = key;
        if ((!path.empty() && p != path) || (!pathPrefix.empty() && p.compare(0, pathPrefix.size(), pathPrefix) != 0) ||
            (!verb.empty() && v != verb))
            continue;
        requests.push_back({{"method", method}, {"path", p}, {"verb", v}, {"count", count}});
        total += count;
    }
    return {{"total", total}, {"requests", requests}};
}

void RequestLog::clear()
{
    std::lock_guard lock(m_mutex);
    m_counts.clear();
}

}  // namespace pilothouse::sim
