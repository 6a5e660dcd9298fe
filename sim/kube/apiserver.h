// The HTTPS front of the simulator: authentication, authorization, discovery, the REST verbs,
// list paging, watches, Table printing and the control endpoints for fault injection.
#pragma once

#include "common/certs.h"
#include "common/tlsserver.h"
#include "kube/cluster.h"
#include "kube/faults.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace pilothouse::sim {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string viewerToken;
    std::chrono::seconds bookmarkInterval{60};
    bool aggregatedDiscovery = true;
    bool verbose = false;
};

// Fault injection knobs of the older /sim/v1 control endpoints (drop-watches, gone-next-watch,
// delay); the rules of /sim/v1/faults are in faults.h.
struct Faults {
    std::atomic<int> goneWatches{0};         // answer the next N watches with 410 Gone
    std::atomic<int> delayMs{0};             // delay every answer by this much
    std::atomic<int> delayCount{-1};         // ... for the next N requests (-1: until cleared)
    std::atomic<std::uint64_t> watchEpoch{0};  // bumped to drop every open watch
};

class ApiServer {
public:
    ApiServer(Cluster &cluster, Pki pki, ServerOptions options);
    ~ApiServer();

    // Binds and starts serving; returns the port (useful with port 0) or -1 with `error` set.
    int start(std::string &error);
    void stop();
    int port() const { return m_tls.port(); }
    std::string url() const;
    Faults &faults() { return m_faults; }
    // True while the server stops or restarts: long-running streams end.
    bool stopping() const { return m_stopping; }

    // Parts of the API served from outside the kube core (the simulated kubelet's pod logs,
    // metrics-server's metrics.k8s.io). Register before start().
    using ResourceHandler = std::function<void(const httplib::Request &, httplib::Response &, const ResourceType &,
                                               const std::string &ns, const std::string &name)>;
    // A subresource of a type, such as pods/log.
    void addSubresourceHandler(const ResourceType &t, const std::string &subresource, ResourceHandler handler);
    // Every resource of an API group, such as metrics.k8s.io (as an aggregated API server).
    void addGroupHandler(const std::string &group, ResourceHandler handler);
    // POST /sim/v1/<action> (as sim-admin): the handler's fields are added to the answer. A
    // `readable` control only reports (GET or POST), such as /sim/v1/mesh.
    using ControlHandler = std::function<Json(const httplib::Request &)>;
    void addControl(const std::string &action, ControlHandler handler, bool readable = false);
    // A path outside /api and /apis (such as /metrics) for any authenticated client, GET only.
    using PathHandler = std::function<void(const httplib::Request &, httplib::Response &)>;
    void addPathHandler(const std::string &path, PathHandler handler);

    // Closes the listener and every connection, refuses for `downFor`, then serves again on the
    // same port with the same state. Runs on its own thread; returns at once.
    void restartAsync(std::chrono::milliseconds downFor);
    void expireContinueTokens();

    struct User {
        std::string name;
        std::vector<std::string> groups;
        bool admin = false;
        bool authenticated = false;
    };

private:
    void handle(const httplib::Request &req, httplib::Response &res);
    User authenticate(const httplib::Request &req) const;
    bool allowed(const User &u, const std::string &verb, const ResourceType *t, const std::string &subresource) const;

    void serveDiscovery(const httplib::Request &req, httplib::Response &res, const std::vector<std::string> &parts);
    void serveOpenApi(const httplib::Request &req, httplib::Response &res, const std::vector<std::string> &parts);
    void serveControl(const httplib::Request &req, httplib::Response &res, const std::vector<std::string> &parts);
    // Answers a request the way the fault says (true), or leaves it to the server (drop-body).
    bool serveFault(const FaultRule &fault, const httplib::Request &req, httplib::Response &res);
    void dropAfterHeaders(const FaultRule &fault, httplib::Response &res);
    void serveRequest(const httplib::Request &req, httplib::Response &res, const std::vector<std::string> &parts);
    void serveResource(const httplib::Request &req, httplib::Response &res, const User &user,
                       const ResourceType &t, const std::string &ns, const std::string &name, const std::string &sub);
    void serveList(const httplib::Request &req, httplib::Response &res, const ResourceType &t, const std::string &ns);
    void serveWatch(const httplib::Request &req, httplib::Response &res, const ResourceType &t, const std::string &ns);
    void serveScale(const httplib::Request &req, httplib::Response &res, const ResourceType &t, const std::string &ns,
                    const std::string &name);
    void serveAccessReview(const httplib::Request &req, httplib::Response &res, const User &user, const ResourceType &t);

    Cluster &m_cluster;
    ServerOptions m_options;
    Faults m_faults;
    FaultRules m_faultRules;
    RequestLog m_requests;
    TlsServer m_tls;
    std::map<std::pair<int, std::string>, ResourceHandler> m_subresourceHandlers;
    std::map<std::string, ResourceHandler> m_groupHandlers;
    std::map<std::string, ControlHandler> m_controls;
    std::set<std::string> m_readableControls;
    std::map<std::string, PathHandler> m_pathHandlers;
    std::thread m_restartThread;
    std::mutex m_lifecycleMutex;
    std::atomic<bool> m_stopping{false};

    // The items of a paged list, taken once at its first page: a continue token names the
    // snapshot and an offset into it, so each page is found in O(1) and costs O(its size).
    struct ListSnapshot {
        std::vector<ObjPtr> items;
        std::uint64_t rv;
        std::chrono::steady_clock::time_point created;
    };
    std::mutex m_continueMutex;
    std::map<std::uint64_t, std::shared_ptr<const ListSnapshot>> m_continues;
    std::uint64_t m_nextContinueId = 1;
};

}  // namespace pilothouse::sim
