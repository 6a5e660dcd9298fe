// Faults on demand for the Kubernetes API port, and the log of the requests it got, so that a
// test can make the simulator misbehave the way real servers and proxies do and then check how
// often a client came back.
//
// POST /sim/v1/faults (as sim-admin) with one rule or {"rules": [...]}:
//   {"fault": KIND,              what happens to a matching request (below)
//    "path": "/api/v1/pods",     the exact request path (no query); or
//    "pathPrefix": "/apis/apps", a prefix of it; neither: every path
//    "verb": "list",             get, list, watch, create, update, patch, delete, deletecollection
//                                (paths outside /api and /apis: the method, "get", "post"...)
//    "watch": true,              only watch requests (false: only the others)
//    "count": 1,                 how many matching requests get it; -1 until cleared
//    ...the fault's own fields}
// Kinds:
//   "drop-body"          the answer's headers and "bytes" bytes of its body (default: half of a
//                        plain body; for a stream, what its first write sends), then the
//                        connection closes: a truncated list, a watch cut without its last chunk
//   "too-many-requests"  429 with Retry-After: "retryAfterSeconds" (default 1) and a Status with
//                        reason TooManyRequests and details.retryAfterSeconds, as API priority
//                        and fairness answers
//   "watch-error"        (watches only) 200, then one ERROR event and the end of the stream:
//                        "code" 500 (InternalError, the default) or 504 (Timeout: "Too large
//                        resource version", details.causes [{reason: ResourceVersionTooLarge}]
//                        and details.retryAfterSeconds, as the watch cache sends it)
//   "stall"              200 and the headers, then nothing: the connection stays open for
//                        "seconds" (default 300), until the faults are cleared or the server stops
//   "gateway-error"      "code" 502 (default), 503 or 504 from a proxy in front: "body" "html"
//                        (nginx's page, the default) or "text" (envoy's one line)
// The answer: {"rules": [the rules as stored, with their "id"]}. GET /sim/v1/faults lists the
// rules with what is left of their count and how often each was "applied"; DELETE clears them
// all (and ends every stall).
//
// GET /sim/v1/requests[?path=P | ?pathPrefix=P][&verb=V]: how many requests the port got since
// the start or the last DELETE /sim/v1/requests, per method, path and verb:
//   {"total": N, "requests": [{"method": "GET", "path": "/api/v1/pods", "verb": "watch", "count": 3}]}
// The control endpoints themselves (/sim/...) are neither counted nor faulted.
#pragma once

#include "common/simjson.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace pilothouse::sim {

enum class FaultKind { DropBody, TooManyRequests, WatchError, Stall, GatewayError };

struct FaultRule {
    std::uint64_t id = 0;
    FaultKind kind = FaultKind::DropBody;
    std::string path, pathPrefix, verb;
    std::optional<bool> watch;
    long long remaining = 1;  // -1: until cleared
    long long applied = 0;
    int code = 0;
    int retryAfterSeconds = 1;
    std::string body = "html";
    long long bytes = -1;
    int stallSeconds = 300;

    // Throws ApiException(400) naming what is wrong.
    static FaultRule fromJson(const Json &rule);
    Json toJson() const;
    bool matches(const std::string &path, const std::string &verb) const;
};

class FaultRules {
public:
    // One rule or {"rules": [...]}; returns what was stored.
    std::vector<FaultRule> add(const Json &body);
    Json list() const;
    // Removes every rule and ends every stall.
    void clear();
    // The first rule that matches and has count left, counted as applied.
    std::optional<FaultRule> take(const std::string &path, const std::string &verb);
    // Holds a stalled answer: returns after `seconds`, after clear(), or once `stopping` is set
    // and wake() was called.
    void stall(int seconds, const std::atomic<bool> &stopping);
    void wake();

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<FaultRule> m_rules;
    std::uint64_t m_nextId = 1;
    std::uint64_t m_clears = 0;
};

class RequestLog {
public:
    void record(const std::string &method, const std::string &path, const std::string &verb);
    // Counts filtered by exact path, path prefix and verb (empty: any).
    Json query(const std::string &path, const std::string &pathPrefix, const std::string &verb) const;
    void clear();

private:
    mutable std::mutex m_mutex;
    std::map<std::tuple<std::string, std::string, std::string>, long long> m_counts;  // path, verb, method
};

}  // namespace pilothouse::sim
