// The simulated Argo CD application controller: Applications (argoproj.io/v1alpha1, namespace
// argocd) whose manifests come from git (libgit2), compared with the live objects, synced through
// the Cluster (so watches fire), with health, operation state and history written as Argo CD does.
#pragma once

#include "argo/argocdgit.h"
#include "kube/cluster.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace pilothouse::sim {

struct ArgoCdOptions {
    std::string gitopsRepo;                   // one automated Application per apps/<name> folder of this repo
    std::chrono::seconds pollInterval{5};     // how often each Application's repository is fetched
    std::chrono::milliseconds operationTime{300};  // how long a sync operation runs before its changes apply
    std::string cacheDir;                     // where the git mirrors live (a temporary folder by default)
    // --gitops-seed-history (the demo): an Application created from --gitops-repo starts with the
    // history of the commits its live objects were deployed from, as in a cluster that ran before.
    bool seedHistory = false;
};

// An error of the Argo CD API: the HTTP status and the gRPC code grpc-gateway puts in the body.
class ArgoCdError : public std::runtime_error {
public:
    ArgoCdError(int httpStatus, int grpcCode, const std::string &message)
        : std::runtime_error(message), m_http(httpStatus), m_grpc(grpcCode) {}
    int httpStatus() const { return m_http; }
    int grpcCode() const { return m_grpc; }
    static ArgoCdError invalidArgument(const std::string &m) { return {400, 3, m}; }
    static ArgoCdError notFound(const std::string &m) { return {404, 5, m}; }
    static ArgoCdError failedPrecondition(const std::string &m) { return {400, 9, m}; }
    static ArgoCdError unauthenticated(const std::string &m) { return {401, 16, m}; }

private:
    int m_http;
    int m_grpc;
};

class ArgoCdController {
public:
    static constexpr const char *kNamespace = "argocd";
    static constexpr const char *kTrackingAnnotation = "argocd.argoproj.io/tracking-id";
    static constexpr const char *kInstanceLabel = "app.kubernetes.io/instance";

    ArgoCdController(Cluster &cluster, ArgoCdOptions options);
    ~ArgoCdController();

    // Creates the argocd namespace and the AppProject "default".
    void ensureSetup();
    // Creates the Applications of --gitops-repo now (the loop also does, every poll), so that they
    // exist as soon as the simulator says it is serving.
    void discoverNow();
    void start();
    void stop();
    // One pass over every Application; the loop calls it every tick.
    void reconcile();

    // The API's operations; they throw ArgoCdError.
    Json application(const std::string &name) const;
    std::vector<Json> applications() const;
    // Sets the Application's sync operation (the controller runs it) and answers the Application.
    Json sync(const std::string &name, const Json &request, const std::string &user);
    Json rollback(const std::string &name, const Json &request, const std::string &user);
    void terminateOperation(const std::string &name);
    // Asks for a fetch and comparison now; waits for it (up to a few seconds) and answers the Application.
    Json refresh(const std::string &name);
    Json resourceTree(const std::string &name) const;
    Json managedResources(const std::string &name) const;
    Json revisionMetadata(const std::string &name, const std::string &revision);

private:
    using Clock = std::chrono::steady_clock;
    struct AppState {
        std::string targetSha;
        std::string fetchError;
        Clock::time_point lastFetch{};
        Clock::time_point operationDue{};
        std::string runningOperation;  // the operation (serialized) whose timer runs
    };
    struct ManagedObject {
        Json target;                  // the manifest with tracking added (null for an object to prune)
        const ResourceType *type = nullptr;
        std::string ns, name;
        ObjPtr live;
    };

    void loop();
    void discoverApps();
    void seedHistory(const std::string &name, GitMirror &mirror, const std::string &headSha);
    void reconcileApp(const std::string &name, std::set<std::string> &fetchedUrls);
    std::shared_ptr<GitMirror> mirrorFor(const std::string &url) const;
    bool ensureFetched(GitMirror &mirror, std::string &error) const;
    bool manifestsAt(const std::string &url, const std::string &sha, const std::string &path, std::vector<Json> &out,
                     std::string &error) const;
    std::vector<ManagedObject> managedObjects(const Json &app, const std::vector<Json> &manifests) const;
    void runOperation(const Json &app, AppState &state);
    Json compare(const Json &app, const AppState &state) const;
    ObjPtr requireApp(const std::string &name) const;

    Cluster &m_cluster;
    ArgoCdOptions m_options;
    std::atomic<bool> m_running{false};
    std::thread m_thread;

    std::map<std::string, AppState> m_apps;  // by Application name; controller thread only
    Clock::time_point m_nextDiscovery{};
    Clock::time_point m_startedAt{};
    bool m_settled = false;  // the scenario's Rollouts have rolled out: automated syncs may start

    mutable std::mutex m_mirrorsMutex;
    mutable std::map<std::string, std::shared_ptr<GitMirror>> m_mirrors;
    mutable std::mutex m_cacheMutex;
    mutable std::map<std::string, std::vector<Json>> m_manifestCache;  // by url + sha + path

    std::mutex m_refreshMutex;
    std::set<std::string> m_refreshRequests;
};

}  // namespace pilothouse::sim
