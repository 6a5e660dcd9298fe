// The state of the simulated Jenkins: the job tree, builds that run through their planned stages
// as time passes (compressed by the time scale), the queue, executors, inputs waiting for an
// answer, and the JSON the remote API, Stage View (wfapi) and the input step show of them.
// Time advances lazily: advance() moves everything to "now"; the server calls it on every request
// and a ticker calls it a few times a second, so builds also progress when nobody looks.
#pragma once

#include "jenkins/jenkinsjobs.h"
#include "jenkins/jenkinstree.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace pilothouse::sim {

// An answer other than 200 that Jenkins gives (404 for an unknown job, 400 for a bad trigger).
class JenkinsError : public std::runtime_error {
public:
    JenkinsError(int status, const std::string &message) : std::runtime_error(message), m_status(status) {}
    int status() const { return m_status; }

private:
    int m_status;
};

// What the "Update GitOps tag" stage of a build asks for when it starts.
struct JenkinsGitopsUpdate {
    std::string jobFullName;
    int build = 0;
    std::string service, ns, image, tag, commit;
};
// What came of it: the stage's console lines, and whether the stage failed (the build then ends FAILURE).
struct JenkinsGitopsResult {
    std::string log;
    bool failed = false;
    // The build's description from then on (a pipeline's `currentBuild.description`): the image and
    // the commit, which is how a console links a run to its GitOps change.
    std::string description;
};
// Commits the tag to the manifests repository. Runs on the thread that advanced the build, without
// the world's lock held; the build waits in the stage until it returns, as a `git push` step would.
using JenkinsGitopsHook = std::function<JenkinsGitopsResult(const JenkinsGitopsUpdate &)>;
// The image (repository:tag) of a service as deployed now, "" when unknown; asked when a build of
// the service is triggered, so that its tag comes after it. Called with the world's lock held.
using JenkinsDeployedImageLookup = std::function<std::string(const std::string &service, const std::string &ns)>;

// Which fields of an answer to fill: by `tree=` when given (then pruned exactly by it), else by
// `depth=` (0: nested objects as references, as Jenkins does).
struct JenkinsShape {
    const JenkinsTree *tree = nullptr;
    int depth = 0;
    bool want(const char *field) const { return !tree || tree->find(field); }
    JenkinsShape child(const char *field) const
    {
        return tree ? JenkinsShape{tree->find(field), 0} : JenkinsShape{nullptr, depth - 1};
    }
    bool expand() const { return tree != nullptr || depth >= 0; }
};

struct JenkinsUser {
    std::string id, fullName;
    bool canBuild = true;
};

class JenkinsWorld {
public:
    struct Job;
    struct Build;
    struct QueueItem;

    JenkinsWorld(std::vector<JenkinsJobDef> jobs, double timeScale);
    ~JenkinsWorld();

    void setGitopsHook(JenkinsGitopsHook hook);
    void setDeployedImageLookup(JenkinsDeployedImageLookup lookup);
    void setBaseUrl(const std::string &url);  // "https://127.0.0.1:8443/"
    const std::string &baseUrl() const { return m_base; }
    // Runs advance() every 100 ms until stop().
    void startTicker();
    void stopTicker();

    // Everything below is called with lock() held. advance() returns the GitOps updates that came
    // due; hand them to runHooks() once the lock is released.
    std::unique_lock<std::mutex> lock() { return std::unique_lock(m_mutex); }
    std::vector<JenkinsGitopsUpdate> advance();
    void runHooks(const std::vector<JenkinsGitopsUpdate> &updates);

    Job *findJob(const std::vector<std::string> &names) const;  // nullptr when there is none
    // A build by number or permalink (lastBuild, lastSuccessfulBuild...); nullptr when none.
    Build *findBuild(Job &job, const std::string &id) const;
    bool isBuildable(const Job &job) const;
    bool isParameterized(const Job &job) const;
    std::string jobUrl(const Job &job) const;  // absolute, ends with '/'
    std::string buildUrl(const Build &b) const;
    std::string jobFullName(const Job &job) const;

    Json rootJson(const JenkinsShape &shape) const;
    Json itemJson(const Job &job, const JenkinsShape &shape) const;
    Json buildJson(const Build &b, const JenkinsShape &shape) const;
    Json queueJson(const JenkinsShape &shape) const;
    Json queueItemJson(long long id, const JenkinsShape &shape) const;  // throws 404
    Json computersJson(const JenkinsShape &shape) const;
    Json userJson(const JenkinsUser &user) const;
    Json wfapiRuns(const Job &job) const;
    Json wfapiJobDescribe(const Job &job) const;
    Json wfapiDescribe(const Build &b) const;
    Json wfapiNodeDescribe(const Build &b, const std::string &nodeId) const;  // throws 404
    Json wfapiNodeLog(const Build &b, const std::string &nodeId) const;
    Json pendingInputActions(const Build &b) const;
    // The Pipeline Graph View's stages/tree: top-level stages, parallel branches as their children.
    Json stagesTree(const Build &b) const;

    const std::string &console(const Build &b) const;
    bool building(const Build &b) const;
    int number(const Build &b) const;

    struct TriggerResult {
        long long queueId = 0;
        bool existing = false;  // an identical item was already waiting
    };
    // `parameters` as given (build's json form or buildWithParameters' fields); missing ones take
    // their defaults. `delaySeconds` < 0: the job's quiet period.
    TriggerResult trigger(Job &job, const std::vector<std::pair<std::string, std::string>> &parameters, double delaySeconds,
                          const JenkinsUser &user);
    bool cancelQueueItem(long long id);
    void stop(Build &b, const JenkinsUser &user);
    // Answers a pending input; throws 404 when there is no such input waiting.
    void proceedInput(Build &b, const std::string &inputId, const std::vector<std::pair<std::string, std::string>> &values,
                      const JenkinsUser &user);
    void abortInput(Build &b, const std::string &inputId, const JenkinsUser &user);

private:
    struct Node {
        std::string name, label;
        int executors = 0;
    };

    Job &addJob(JenkinsJobDef def);
    void addHistory(Job &job);
    Build &startBuild(Job &job, long long queueId, std::vector<std::pair<std::string, std::string>> params, Json causes,
                      long long startMs, long long queuedMs, double scale, const std::string &node, bool healthy = false,
                      const std::string &deployedImage = {});
    // Processes a build's plan up to `nowMs`; GitOps updates that came due are appended.
    void advanceBuild(Build &b, long long nowMs, std::vector<JenkinsGitopsUpdate> *updates);
    void resumeInput(Build &b, long long atMs, const std::vector<std::pair<std::string, std::string>> &values, const std::string &by);
    void finishBuild(Build &b, const std::string &result, long long atMs);
    void abortBuild(Build &b, long long atMs, const std::string &line);
    std::string freeNode() const;
    Json jobRef(const Job &job) const;
    Json buildRef(const Build *b) const;
    Json stageJson(const Build &b, size_t index) const;
    std::string color(const Job &job) const;
    std::vector<std::pair<std::string, std::string>> withDefaults(const Job &job, const std::vector<std::pair<std::string, std::string>> &given) const;
    Json parametersAction(const Job &job, const std::vector<std::pair<std::string, std::string>> &values) const;

    mutable std::mutex m_mutex;
    std::vector<std::unique_ptr<Job>> m_jobs;
    std::vector<Job *> m_top;
    std::map<long long, std::unique_ptr<QueueItem>> m_queue;
    long long m_nextQueueId = 1;
    std::vector<Node> m_nodes;
    double m_scale = 1.0;
    std::string m_base = "http://127.0.0.1/";
    JenkinsGitopsHook m_hook;
    JenkinsDeployedImageLookup m_deployedImage;
    std::map<std::string, std::string> m_plannedImages;  // "ns/service" -> the image its last live build makes

    std::thread m_ticker;
    std::mutex m_tickerMutex;
    std::condition_variable m_tickerCv;
    bool m_tickerStop = false;
};

}  // namespace pilothouse::sim
