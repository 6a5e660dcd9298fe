// pilothouse-sim: a local Kubernetes API server with a simulated world, for the demo and the tests.
#include "argo/argocdcontroller.h"
#include "argo/argocdgit.h"
#include "argo/argocdserver.h"
#include "argo/rollouts.h"
#include "common/certs.h"
#include "jenkins/jenkinsserver.h"
#include "kube/apiserver.h"
#include "kube/cluster.h"
#include "kube/controllermanager.h"
#include "kube/garbagecollector.h"
#include "kube/kubecontrollers.h"
#include "scenario/scenario.h"
#include "telemetry/loadmodel.h"
#include "telemetry/loadwave.h"
#include "telemetry/metricsendpoint.h"
#include "telemetry/telemetryapi.h"

#include <openssl/rand.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

using namespace pilothouse::sim;

namespace {

struct Options {
    std::string scenario;
    int port = 0;
    std::string kubeconfigOut;
    size_t pods = 0;
    ServerOptions server;
    ControllerOptions controllers;
    size_t watchHistory = 20000;
    bool timeScaleGiven = false;
    bool loadWave = false;
    LoadWaveOptions wave;
    ArgoCdOptions argocd;
    ArgoCdServerOptions argocdServer;
    std::string writeGitopsRepo;
    bool demoPendingRelease = false;
    JenkinsServerOptions jenkins;
    int jenkinsHistory = -1;  // past builds of jenkinsHistoryJob; -1: the demo's own
    std::string jenkinsHistoryJob = "shop/checkoutservice-ci";
    SyntheticMeshOptions mesh;
};

void usage(std::ostream &out)
{
    out << "usage: pilothouse-sim [--scenario FILE] [--port N] [--kubeconfig-out PATH] [--pods N]\n"
           "                      [--bookmark-interval SECONDS] [--watch-history EVENTS]\n"
           "                      [--pod-start-ms MS] [--pod-ready-ms MS] [--pod-stop-ms MS]\n"
           "                      [--time-scale N] [--demo-load-wave] [--demo-load-wave-period SECONDS]\n"
           "                      [--demo-load-wave-target NS/DEPLOYMENT] [--demo-load-wave-peak RPS]\n"
           "                      [--argocd-port N] [--argocd-password P] [--gitops-repo URL]\n"
           "                      [--gitops-poll-seconds N] [--argocd-operation-ms MS]\n"
           "                      [--gitops-seed-history] [--write-gitops-repo DIR [--demo-pending-release]]\n"
           "                      [--jenkins-port N] [--jenkins-password P]\n"
           "                      [--jenkins-history N [--jenkins-history-job FOLDER/JOB]]\n"
           "                      [--mesh-services N [--mesh-edges M] [--mesh-namespaces K]]\n"
           "                      [--no-aggregated-discovery] [--verbose]\n\n"
           "Serves the Kubernetes API over HTTPS on 127.0.0.1 with a generated CA, and writes a\n"
           "kubeconfig with the contexts sim-admin (client certificate, full access) and\n"
           "sim-viewer (bearer token, read-only). Runs until SIGINT or SIGTERM.\n\n"
           "Fault injection (POST as sim-admin): /sim/v1/drop-watches, /sim/v1/gone-next-watch[?count=N],\n"
           "/sim/v1/delay?ms=N[&count=M], /sim/v1/refuse?seconds=N, /sim/v1/restart,\n"
           "/sim/v1/expire-continue, /sim/v1/compact\n"
           "Faults on demand (as sim-admin): POST /sim/v1/faults with rules matched by path, verb and watch\n"
           "  (drop-body, too-many-requests, watch-error, stall, gateway-error; GET lists them, DELETE clears\n"
           "  them); GET /sim/v1/requests?path=P counts the requests per path and verb (sim/README.md)\n"
           "Load (POST as sim-admin): /sim/v1/load?namespace=NS&deployment=NAME&rps=N\n"
           "Error rate (POST as sim-admin): /sim/v1/error-rate?namespace=NS&image=IMAGE&percent=P sets the\n"
           "  simulated HTTP error percentage of the pods running IMAGE in NS; the AnalysisRuns of Argo\n"
           "  Rollouts measure a new revision's success rate as 1 - P/100 (0 clears it)\n"
           "--time-scale N runs the HPA controller's sync period and windows N times faster, and the\n"
           "  run time of Jobs' pods (3 s, or the pod's or Job's pilothouse.dev/run-seconds annotation;\n"
           "  pilothouse.dev/exit-code other than 0 makes the pod fail).\n"
           "--demo-load-wave drives a repeating traffic wave, like a load test, through the load model:\n"
           "  quiet (1 rps), a ramp to the peak, a plateau, a ramp down and quiet again, every\n"
           "  --demo-load-wave-period seconds (default 300: quiet 20 s, ramp 20 s, plateau 90 s,\n"
           "  ramp down 10 s, quiet 160 s; shorter periods keep the proportions), on\n"
           "  --demo-load-wave-target (default shop/frontend) at --demo-load-wave-peak rps (default 80,\n"
           "  four replicas of the default scenario's frontend). Without --time-scale it implies\n"
           "  --time-scale 5, so the HPA scales down a minute or two after each wave, not five.\n\n"
           "Telemetry: GET /metrics (any authenticated client; kubectl get --raw /metrics) serves, in Prometheus'\n"
           "  text format, Istio's standard metrics (istio_requests_total, istio_request_duration_milliseconds,\n"
           "  istio_request_bytes, istio_response_bytes, istio_tcp_sent/received_bytes_total) reported by both\n"
           "  sides of every edge of the scenario's call graph (the workloads' pilothouse.dev/mesh-calls\n"
           "  annotations), with rates from the load model, 5xx from the error rate, latency growing with CPU\n"
           "  saturation; cAdvisor (container_cpu_usage_seconds_total, container_memory_working_set_bytes),\n"
           "  kube-state-metrics (deployments, HPAs, pods) and Argo Rollouts (rollout_info*) series.\n"
           "  GET /sim/v1/mesh (as sim-admin) lists the graph's edges with their rps, error % and latency now.\n"
           "--mesh-services N --mesh-edges M [--mesh-namespaces K] adds a generated mesh for benchmarks to\n"
           "  /metrics: N services svc-I over K namespaces mesh-J (default 10), M edges, one pod each, no\n"
           "  Kubernetes objects behind them; the first K services take 20 rps each from outside.\n\n"
           "Argo CD: Applications (argoproj.io/v1alpha1, namespace argocd) are synced from git by a simulated\n"
           "application controller (libgit2), and the Argo CD REST API is served over HTTPS with the same CA\n"
           "on --argocd-port (default 0: any free port); log in as admin with --argocd-password (default\n"
           "pilothouse), or set PILOTHOUSE_ARGOCD_PASSWORD in the environment to keep the password off the\n"
           "command line, which other local users can read (--argocd-password wins when both are given).\n"
           "--gitops-repo URL (git://..., a path) creates one Application per apps/<name> folder\n"
           "of that repository, with automated sync; every repository is fetched every --gitops-poll-seconds\n"
           "(default 5). A sync operation stays Running for --argocd-operation-ms (default 300) before it applies.\n"
           "--write-gitops-repo DIR (with --scenario) writes a bare repository with the scenario's objects\n"
           "annotated pilothouse.dev/gitops-app: NAME under apps/NAME/ and a short history, then exits;\n"
           "--demo-pending-release adds a last commit releasing storefront's next image tag.\n"
           "--gitops-seed-history starts each --gitops-repo Application with the history of the commits\n"
           "its live objects were deployed from (the demo: a cluster that ran before).\n\n"
           "Jenkins: the demo's jobs (CI pipelines of the shop and the cafe in folders, a multibranch project,\n"
           "a deploy pipeline waiting for an approval) with a history of builds, served as Jenkins' REST API\n"
           "over HTTPS with the same CA on --jenkins-port (default 0: any free port). User admin logs in with\n"
           "--jenkins-password (default pilothouse; or PILOTHOUSE_JENKINS_PASSWORD) plus a crumb, or with the API\n"
           "token printed at start; user viewer (password viewer) may only read. The URL, users and tokens are\n"
           "written to jenkins.json beside the kubeconfig. Stages last tens of seconds, --time-scale N times less.\n"
           "With --gitops-repo, a CI build's image tag comes after the deployed one, and its \"Update GitOps tag\" stage\n"
           "  commits that tag to the service's manifest in the repository as Jenkins and pushes it.\n"
           "--jenkins-history N gives --jenkins-history-job (default shop/checkoutservice-ci, the one with parallel\n"
           "  test stages) N past builds instead of its few (a long history for the runs x stages matrix).\n"
           "Fault (POST as sim-admin): /sim/v1/jenkins-drop-trigger[?count=N] queues the next N triggered builds\n"
           "  but closes their connections without an answer.\n";
}

bool parseArgs(int argc, char **argv, Options &o)
{
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::invalid_argument(a + " needs a value");
            return argv[++i];
        };
        auto number = [&](long long min) {
            std::string v = next();
            char *end = nullptr;
            long long n = std::strtoll(v.c_str(), &end, 10);
            if (!end || *end || n < min)
                throw std::invalid_argument(a + ": \"" + v + "\" is not a valid number");
            return n;
        };
        if (a == "--scenario") o.scenario = next();
        else if (a == "--port") o.port = static_cast<int>(number(0));
        else if (a == "--kubeconfig-out") o.kubeconfigOut = next();
        else if (a == "--pods") o.pods = static_cast<size_t>(number(0));
        else if (a == "--bookmark-interval") o.server.bookmarkInterval = std::chrono::seconds(number(1));
        else if (a == "--watch-history") o.watchHistory = static_cast<size_t>(number(10));
        else if (a == "--pod-start-ms") o.controllers.podStartDelay = std::chrono::milliseconds(number(0));
        else if (a == "--pod-ready-ms") o.controllers.podReadyDelay = std::chrono::milliseconds(number(0));
        else if (a == "--pod-stop-ms") o.controllers.podStopDelay = std::chrono::milliseconds(number(0));
        else if (a == "--time-scale") {
            o.controllers.timeScale = static_cast<double>(number(1));
            o.timeScaleGiven = true;
        } else if (a == "--demo-load-wave") o.loadWave = true;
        else if (a == "--demo-load-wave-period") o.wave.period = std::chrono::seconds(number(1));
        else if (a == "--demo-load-wave-peak") o.wave.peakRps = static_cast<double>(number(1));
        else if (a == "--demo-load-wave-target") {
            std::string v = next();
            auto slash = v.find('/');
            if (slash == std::string::npos || slash == 0 || slash + 1 == v.size() || v.find('/', slash + 1) != std::string::npos)
                throw std::invalid_argument(a + ": \"" + v + "\" is not NAMESPACE/DEPLOYMENT");
            o.wave.ns = v.substr(0, slash);
            o.wave.deployment = v.substr(slash + 1);
        }
        else if (a == "--argocd-port") o.argocdServer.port = static_cast<int>(number(0));
        else if (a == "--argocd-password") {
            o.argocdServer.password = next();
            if (o.argocdServer.password.empty())
                throw std::invalid_argument(a + " needs a non-empty password");
        }
        else if (a == "--jenkins-port") o.jenkins.port = static_cast<int>(number(0));
        else if (a == "--jenkins-password") {
            o.jenkins.password = next();
            if (o.jenkins.password.empty())
                throw std::invalid_argument(a + " needs a non-empty password");
        }
        else if (a == "--jenkins-history") o.jenkinsHistory = static_cast<int>(number(0));
        else if (a == "--jenkins-history-job") o.jenkinsHistoryJob = next();
        else if (a == "--gitops-repo") o.argocd.gitopsRepo = next();
        else if (a == "--gitops-poll-seconds") o.argocd.pollInterval = std::chrono::seconds(number(1));
        else if (a == "--argocd-operation-ms") o.argocd.operationTime = std::chrono::milliseconds(number(0));
        else if (a == "--write-gitops-repo") o.writeGitopsRepo = next();
        else if (a == "--gitops-seed-history") o.argocd.seedHistory = true;
        else if (a == "--demo-pending-release") o.demoPendingRelease = true;
        else if (a == "--mesh-services") o.mesh.services = static_cast<int>(number(0));
        else if (a == "--mesh-edges") o.mesh.edges = static_cast<int>(number(0));
        else if (a == "--mesh-namespaces") o.mesh.namespaces = static_cast<int>(number(1));
        else if (a == "--no-aggregated-discovery") o.server.aggregatedDiscovery = false;
        else if (a == "--verbose") o.server.verbose = true;
        else if (a == "--help" || a == "-h") {
            usage(std::cout);
            std::exit(0);
        } else {
            throw std::invalid_argument("unknown option " + a);
        }
    }
    return true;
}

std::string randomToken()
{
    unsigned char bytes[24];
    RAND_bytes(bytes, sizeof bytes);
    static const char *hex = "0123456789abcdef";
    std::string t;
    for (unsigned char b : bytes) {
        t.push_back(hex[b >> 4]);
        t.push_back(hex[b & 15]);
    }
    return "sim-viewer." + t;
}

void writeKubeconfig(const std::string &path, const std::string &url, const Pki &pki, const std::string &viewerToken)
{
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out)
            throw std::runtime_error("cannot write kubeconfig to " + path);
        ::chmod(tmp.c_str(), 0600);  // it holds a private key and a token
        out << "# Written by pilothouse-sim; valid while this simulator runs.\n"
            << "apiVersion: v1\nkind: Config\npreferences: {}\n"
            << "clusters:\n- name: pilothouse-sim\n  cluster:\n    server: " << url << "\n"
            << "    certificate-authority-data: " << base64Encode(pki.ca.certPem) << "\n"
            << "contexts:\n"
            << "- name: sim-admin\n  context:\n    cluster: pilothouse-sim\n    user: sim-admin\n"
            << "- name: sim-viewer\n  context:\n    cluster: pilothouse-sim\n    user: sim-viewer\n    namespace: default\n"
            << "current-context: sim-admin\n"
            << "users:\n"
            << "- name: sim-admin\n  user:\n    client-certificate-data: " << base64Encode(pki.admin.certPem) << "\n"
            << "    client-key-data: " << base64Encode(pki.admin.keyPem) << "\n"
            << "- name: sim-viewer\n  user:\n    token: " << viewerToken << "\n";
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw std::runtime_error("cannot write kubeconfig to " + path);
}

// jenkins.json beside the kubeconfig; beside a defaulted one (in a shared folder) named after it.
std::string jenkinsConnectionPath(const std::string &kubeconfig, bool defaulted, int port)
{
    if (defaulted) {
        const size_t slash = kubeconfig.rfind('/');
        return kubeconfig.substr(0, slash + 1) + "pilothouse-sim-" + std::to_string(port) + ".jenkins.json";
    }
    const size_t slash = kubeconfig.rfind('/');
    return (slash == std::string::npos ? std::string() : kubeconfig.substr(0, slash + 1)) + "jenkins.json";
}

void writeJenkinsConnection(const std::string &path, const JenkinsServer &jenkins, const Pki &pki)
{
    Json j = {{"url", jenkins.url()},
              {"user", jenkins.adminUser()},
              {"apiToken", jenkins.adminToken()},
              {"password", jenkins.adminPassword()},
              {"viewer", {{"user", "viewer"}, {"apiToken", jenkins.viewerToken()}, {"password", "viewer"}}},
              {"certificateAuthorityData", base64Encode(pki.ca.certPem)}};
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out)
            throw std::runtime_error("cannot write " + path);
        ::chmod(tmp.c_str(), 0600);  // it holds the API tokens
        out << j.dump(2) << "\n";
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw std::runtime_error("cannot write " + path);
}

// The image of a service's workload in the cluster (Deployments, Rollouts, StatefulSets of the
// namespace): where the manifests repository has none.
std::string deployedImageInCluster(const Cluster &cluster, const std::string &service, const std::string &ns)
{
    auto &registry = ResourceRegistry::instance();
    for (const auto &[group, resource] : {std::pair{"argoproj.io", "rollouts"}, std::pair{"apps", "deployments"}, std::pair{"apps", "statefulsets"}}) {
        for (const auto &obj : cluster.store().list(registry.require(group, resource), ns).items) {
            const Json *cs = findPath(obj->obj, "spec.template.spec.containers");
            if (!cs || !cs->is_array())
                continue;
            for (const auto &c : *cs) {
                const std::string image = c.is_object() ? c.value("image", "") : "";
                const size_t colon = image.rfind(':');
                if (colon == std::string::npos || image.find('/', colon) != std::string::npos)
                    continue;
                const size_t slash = image.rfind('/', colon);
                if (image.substr(slash == std::string::npos ? 0 : slash + 1, colon - (slash == std::string::npos ? 0 : slash + 1)) == service)
                    return image;
            }
        }
    }
    return {};
}

// The CI side of the demo chain: the "Update GitOps tag" stage commits the new tag to the
// manifests repository from Jenkins' own clone of it (not Argo CD's, which must find the commit by
// fetching like the real one), and a build's tag follows the one deployed when it is triggered.
void connectJenkinsToGitops(JenkinsWorld &world, const Cluster &cluster, std::shared_ptr<GitMirror> repo)
{
    world.setDeployedImageLookup([&cluster, repo](const std::string &service, const std::string &ns) {
        if (repo) {
            std::string error;
            // A failed fetch leaves what was fetched before, still a better guess than nothing.
            repo->fetch(error);
            if (auto found = repo->findImage(service, ns, "main", error))
                return found->image;
        }
        return deployedImageInCluster(cluster, service, ns);
    });
    if (!repo)
        return;
    world.setGitopsHook([repo](const JenkinsGitopsUpdate &u) {
        JenkinsGitopsResult out;
        GitImageCommit change;
        change.service = u.service;
        change.ns = u.ns;
        change.tag = u.tag;
        change.message = "ci: " + u.service + " " + u.tag + " (build #" + std::to_string(u.build) + ")\n\n" + u.jobFullName + " #" +
                         std::to_string(u.build) + " built " + u.image + " from " + u.commit.substr(0, 12) + ".\n";
        change.authorName = "Jenkins";
        change.authorEmail = "jenkins@pilothouse.dev";
        GitImageCommitResult result;
        std::string error;
        const std::string who = u.ns + "/" + u.service;
        if (!repo->commitImageTag(change, result, error)) {
            out.failed = true;
            out.log = "ERROR: cannot update the image of " + who + " in " + repo->url() + ": " + error;
        } else if (!result.found) {
            out.log = "No manifest of " + who + " in " + repo->url() + " (apps/); nothing to commit";
        } else if (!result.committed) {
            out.log = result.path + " already has " + result.newImage + "; nothing to commit";
        } else {
            const std::string sha = result.sha.substr(0, 7);
            out.log = "Updating " + result.path + ": " + result.oldImage + " -> " + result.newImage + "\n" +
                      "[" + change.branch + " " + sha + "] " + change.message.substr(0, change.message.find('\n')) + "\n" +
                      " Author: Jenkins <jenkins@pilothouse.dev>\n" +
                      "To " + repo->url() + "\n" +
                      "   " + result.parentSha.substr(0, 7) + ".." + sha + "  " + change.branch + " -> " + change.branch + "\n" +
                      "Committed " + u.tag + " of " + who + " as " + sha + " (" + result.sha + ")";
            out.description = "Image " + result.newImage + " · GitOps commit " + result.sha;
        }
        return out;
    });
}

}  // namespace

int main(int argc, char **argv)
{
    Options options;
    try {
        // Taken first so that --argocd-password, parsed next, overrides it.
        if (const char *password = std::getenv("PILOTHOUSE_ARGOCD_PASSWORD"); password && *password)
            options.argocdServer.password = password;
        if (const char *password = std::getenv("PILOTHOUSE_JENKINS_PASSWORD"); password && *password)
            options.jenkins.password = password;
        parseArgs(argc, argv, options);
    } catch (const std::exception &e) {
        std::cerr << "pilothouse-sim: " << e.what() << "\n\n";
        usage(std::cerr);
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);  // every thread inherits this; main waits below

    GitLibrary git;  // libgit2's global state, before any thread uses it
    std::vector<Json> scenario;
    if (!options.scenario.empty()) {
        try {
            scenario = loadScenarioFile(options.scenario);
        } catch (const std::exception &e) {
            std::cerr << "pilothouse-sim: " << e.what() << "\n";
            return 1;
        }
    }
    if (!options.writeGitopsRepo.empty()) {
        if (options.scenario.empty()) {
            std::cerr << "pilothouse-sim: --write-gitops-repo needs --scenario\n";
            return 2;
        }
        std::string error;
        if (!writeDemoRepository(options.writeGitopsRepo, scenario, options.demoPendingRelease, error)) {
            std::cerr << "pilothouse-sim: --write-gitops-repo: " << error << "\n";
            return 1;
        }
        std::cout << "pilothouse-sim: wrote the GitOps repository " << options.writeGitopsRepo << std::endl;
        return 0;
    }
    if (options.demoPendingRelease) {
        std::cerr << "pilothouse-sim: --demo-pending-release goes with --write-gitops-repo\n";
        return 2;
    }
    Pki pki;
    try {
        pki = generatePki();
    } catch (const std::exception &e) {
        std::cerr << "pilothouse-sim: " << e.what() << "\n";
        return 1;
    }
    if (options.loadWave && !options.timeScaleGiven)
        options.controllers.timeScale = LoadWave::kDefaultTimeScale;
    options.server.port = options.port;
    options.server.viewerToken = randomToken();

    Cluster cluster(options.watchHistory);
    LoadModel load;
    ApiServer server(cluster, pki, options.server);
    ControllerManager controllers(cluster, options.controllers.tick);
    KubeControllers kube = addKubeControllers(controllers, cluster, options.controllers, &load);
    controllers.emplace<RolloutController>(cluster, load);
    kube.garbageCollector.addOwnerType(ResourceRegistry::instance().require("argoproj.io", "rollouts"));
    installTelemetry(server, controllers, cluster, load);
    MetricsEndpoint metrics(cluster, load, options.mesh);
    installMetricsEndpoint(server, metrics);
    std::vector<JenkinsJobDef> jenkinsJobs = jenkinsDemoJobs();
    if (options.jenkinsHistory >= 0) {
        bool found = false;
        for (auto &job : jenkinsJobs) {
            std::string fullName;
            for (const auto &name : job.path)
                fullName += (fullName.empty() ? "" : "/") + name;
            if (fullName == options.jenkinsHistoryJob && job.kind != JenkinsJobDef::Kind::Folder && job.kind != JenkinsJobDef::Kind::MultiBranch) {
                job.history = options.jenkinsHistory;
                found = true;
            }
        }
        if (!found) {
            std::cerr << "pilothouse-sim: --jenkins-history-job: no pipeline \"" << options.jenkinsHistoryJob << "\" among the demo's jobs\n";
            return 1;
        }
    }
    JenkinsWorld jenkinsWorld(std::move(jenkinsJobs), options.controllers.timeScale);
    JenkinsServer jenkinsServer(jenkinsWorld, pki, options.jenkins);
    std::string jenkinsGitDir;
    std::shared_ptr<GitMirror> jenkinsGit;
    if (!options.argocd.gitopsRepo.empty()) {
        const char *tmp = std::getenv("TMPDIR");
        jenkinsGitDir = std::string(tmp && *tmp ? tmp : "/tmp") + "/pilothouse-sim-jenkins-git-" + std::to_string(::getpid());
        jenkinsGit = std::make_shared<GitMirror>(options.argocd.gitopsRepo, jenkinsGitDir);
    }
    connectJenkinsToGitops(jenkinsWorld, cluster, jenkinsGit);
    installJenkinsControls(server, jenkinsServer);
    std::string error;
    int port = server.start(error);
    if (port < 0) {
        std::cerr << "pilothouse-sim: " << error << "\n";
        return 1;
    }
    createSystemObjects(cluster, port);
    std::string warnings;
    size_t created = applyScenario(cluster, scenario, warnings);
    if (!warnings.empty())
        std::cerr << "pilothouse-sim: scenario " << options.scenario << ":\n" << warnings;
    addBenchmarkPods(cluster, options.pods);
    ensureDefaultObjects(cluster);

    controllers.start();
    ArgoCdController argocd(cluster, options.argocd);
    argocd.ensureSetup();
    ArgoCdServer argocdServer(cluster, argocd, pki, options.argocdServer);
    if (argocdServer.start(error) < 0) {
        std::cerr << "pilothouse-sim: " << error << "\n";
        controllers.stop();
        server.stop();
        return 1;
    }
    argocd.discoverNow();
    argocd.start();
    if (jenkinsServer.start(error) < 0) {
        std::cerr << "pilothouse-sim: " << error << "\n";
        argocd.stop();
        argocdServer.stop();
        controllers.stop();
        server.stop();
        return 1;
    }
    LoadWave wave(load, options.wave);
    if (options.loadWave) {
        if (!cluster.store().get(ResourceRegistry::instance().require("apps", "deployments"), options.wave.ns, options.wave.deployment))
            std::cerr << "pilothouse-sim: --demo-load-wave: there is no Deployment " << options.wave.ns << "/" << options.wave.deployment
                      << " (yet); the wave starts anyway\n";
        wave.start();
    }

    const bool kubeconfigDefaulted = options.kubeconfigOut.empty();
    if (options.kubeconfigOut.empty()) {
        const char *runtimeDir = std::getenv("XDG_RUNTIME_DIR");
        options.kubeconfigOut = std::string(runtimeDir && *runtimeDir ? runtimeDir : "/tmp") + "/pilothouse-sim-" + std::to_string(port) + ".kubeconfig";
    }
    std::string jenkinsJson = jenkinsConnectionPath(options.kubeconfigOut, kubeconfigDefaulted, port);
    try {
        // The Jenkins connection first: a client that waits for the kubeconfig finds it there.
        writeJenkinsConnection(jenkinsJson, jenkinsServer, pki);
        writeKubeconfig(options.kubeconfigOut, server.url(), pki, options.server.viewerToken);
    } catch (const std::exception &e) {
        std::cerr << "pilothouse-sim: " << e.what() << "\n";
        return 1;
    }
    std::cout << "pilothouse-sim: serving the Kubernetes API at " << server.url() << "\n"
              << "pilothouse-sim: " << created << " scenario objects";
    if (options.pods)
        std::cout << ", " << options.pods << " benchmark pods";
    std::cout << "; kubeconfig " << options.kubeconfigOut << " (contexts sim-admin, sim-viewer)\n"
              << "  kubectl --kubeconfig " << options.kubeconfigOut << " get pods -A\n"
              << "  kubectl --kubeconfig " << options.kubeconfigOut << " --context sim-viewer get deploy -A\n"
              << "pilothouse-sim: serving the Argo CD API at " << argocdServer.url() << " (user admin)"
              << (options.argocd.gitopsRepo.empty() ? std::string() : "; applications from " + options.argocd.gitopsRepo) << "\n"
              << (options.loadWave ? "pilothouse-sim: demo load wave on " + options.wave.ns + "/" + options.wave.deployment + ", up to " +
                                         std::to_string(std::lround(options.wave.peakRps)) + " rps every " +
                                         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options.wave.period).count()) +
                                         " s; HPA time scale " + std::to_string(std::lround(options.controllers.timeScale)) + "\n"
                                   : std::string())
              << "pilothouse-sim: serving the Jenkins API at " << jenkinsServer.url() << " (user " << jenkinsServer.adminUser()
              << ", API token " << jenkinsServer.adminToken() << "); jenkins.json " << jenkinsJson << "\n"
              << "Press Ctrl+C to stop." << std::endl;

    int sig = 0;
    sigwait(&stopSignals, &sig);
    std::cout << "pilothouse-sim: stopping" << std::endl;
    wave.stop();
    jenkinsServer.stop();
    argocd.stop();
    argocdServer.stop();
    controllers.stop();
    server.stop();
    std::remove(options.kubeconfigOut.c_str());
    std::remove(jenkinsJson.c_str());
    jenkinsGit.reset();
    if (!jenkinsGitDir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(jenkinsGitDir, ec);
    }
    return 0;
}
