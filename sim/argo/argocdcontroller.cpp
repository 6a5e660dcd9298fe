// The simulated Argo CD application controller: git fetch, comparison, sync, prune, health, history.
#include "argo/argocdcontroller.h"

#include <pthread.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace pilothouse::sim {

namespace {

const ResourceType &appType() { return ResourceRegistry::instance().require("argoproj.io", "applications"); }

constexpr int kHistoryLimit = 10;  // spec.revisionHistoryLimit's default

std::string lowerCase(std::string s)
{
    for (auto &c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trackingId(const std::string &app, const ResourceType &t, const std::string &ns, const std::string &name)
{
    return app + ":" + t.group + "/" + t.kind + ":" + ns + "/" + name;
}

// The annotation must name the object itself: controllers copy annotations to what they create
// (a Deployment's to its ReplicaSets), and those copies do not make the copy part of the app.
bool isTrackedBy(const Json &obj, const std::string &app, const ResourceType &t, const std::string &ns, const std::string &name)
{
    const Json *ann = findPath(obj, "metadata.annotations");
    if (!ann || !ann->is_object())
        return false;
    auto it = ann->find(ArgoCdController::kTrackingAnnotation);
    return it != ann->end() && it->is_string() && it->get<std::string>() == trackingId(app, t, ns, name);
}

// Every field the manifest sets is in the live object with the same value (the server's
// defaults and controllers' additions, such as a Service selector's pod-template hash, are not drift).
bool containedIn(const Json &want, const Json &have)
{
    if (want.is_object()) {
        if (!have.is_object())
            return false;
        for (const auto &[k, v] : want.items()) {
            if (v.is_null())
                continue;
            auto it = have.find(k);
            if (it == have.end()) {
                if ((v.is_object() || v.is_array()) && v.empty())
                    continue;
                return false;
            }
            if (!containedIn(v, *it))
                return false;
        }
        return true;
    }
    if (want.is_array()) {
        if (!have.is_array() || have.size() != want.size())
            return false;
        for (size_t i = 0; i < want.size(); ++i)
            if (!containedIn(want[i], have[i]))
                return false;
        return true;
    }
    if (want.is_number() && have.is_number())
        return want.get<double>() == have.get<double>();
    return want == have;
}

// The part of a manifest the comparison looks at: no status, metadata reduced to labels and annotations.
Json comparable(const Json &manifest)
{
    Json out = manifest;
    out.erase("status");
    out.erase("apiVersion");
    out.erase("kind");
    Json meta = Json::object();
    for (const char *k : {"labels", "annotations"})
        if (const Json *v = findPath(manifest, std::string("metadata.") + k); v && v->is_object())
            meta[k] = *v;
    out["metadata"] = meta;
    return out;
}

Json healthOf(const std::string &status, const std::string &message = {})
{
    Json h = {{"status", status}};
    if (!message.empty())
        h["message"] = message;
    return h;
}

long long observedGeneration(const Json &obj)
{
    const Json *og = findPath(obj, "status.observedGeneration");
    if (!og)
        return -1;
    if (og->is_number())
        return og->get<long long>();
    if (og->is_string())
        return std::atoll(og->get<std::string>().c_str());
    return -1;
}

// Argo CD's health assessment (gitops-engine's health_*.go and the Rollout's health.lua);
// null for kinds without health.
Json resourceHealth(const std::string &kind, const Json &obj)
{
    long long generation = intAt(obj, "metadata.generation", 0);
    if (kind == "Deployment" || kind == "StatefulSet" || kind == "ReplicaSet") {
        if (kind == "Deployment" && boolAt(obj, "spec.paused"))
            return healthOf("Suspended", "Deployment is paused");
        if (generation > 0 && observedGeneration(obj) >= 0 && observedGeneration(obj) < generation)
            return healthOf("Progressing", "Waiting for rollout to finish: observed deployment generation less than desired generation");
        if (const Json *conds = findPath(obj, "status.conditions"); conds && conds->is_array())
            for (const auto &c : *conds)
                if (c.value("type", "") == "Progressing" && c.value("reason", "") == "ProgressDeadlineExceeded")
                    return healthOf("Degraded", "Deployment \"" + stringAt(obj, "metadata.name") + "\" exceeded its progress deadline");
        long long want = intAt(obj, "spec.replicas", 1);
        long long updated = kind == "ReplicaSet" ? intAt(obj, "status.replicas") : intAt(obj, "status.updatedReplicas");
        long long replicas = intAt(obj, "status.replicas");
        long long available = kind == "StatefulSet" ? intAt(obj, "status.readyReplicas") : intAt(obj, "status.availableReplicas");
        if (updated < want)
            return healthOf("Progressing", "Waiting for rollout to finish: " + std::to_string(updated) + " out of " + std::to_string(want) +
                                               " new replicas have been updated...");
        if (replicas > updated)
            return healthOf("Progressing", "Waiting for rollout to finish: " + std::to_string(replicas - updated) +
                                               " old replicas are pending termination...");
        if (available < updated)
            return healthOf("Progressing", "Waiting for rollout to finish: " + std::to_string(available) + " of " + std::to_string(updated) +
                                               " updated replicas are available...");
        return healthOf("Healthy");
    }
    if (kind == "DaemonSet") {
        long long desired = intAt(obj, "status.desiredNumberScheduled");
        if (intAt(obj, "status.updatedNumberScheduled") < desired || intAt(obj, "status.numberAvailable") < desired)
            return healthOf("Progressing", "Waiting for daemon set rollout to finish");
        return healthOf("Healthy");
    }
    if (kind == "Rollout") {
        const Json *status = findPath(obj, "status");
        if (!status || !status->is_object() || status->empty())
            return healthOf("Progressing", "Waiting for rollout to finish: status has not been updated");
        if (generation > 0 && observedGeneration(obj) >= 0 && observedGeneration(obj) < generation)
            return healthOf("Progressing", "Waiting for rollout spec update to be observed");
        std::string message = stringAt(obj, "status.message");
        if (boolAt(obj, "status.abort"))
            return healthOf("Degraded", message.empty() ? "Rollout is aborted" : message);
        std::string phase = stringAt(obj, "status.phase");
        if (phase == "Paused")
            return healthOf("Suspended", message.empty() ? "Rollout is paused" : message);
        if (phase == "Healthy" || phase == "Degraded" || phase == "Progressing")
            return healthOf(phase, message);
        const Json *pauses = findPath(obj, "status.pauseConditions");
        if (boolAt(obj, "spec.paused") || (pauses && pauses->is_array() && !pauses->empty()))
            return healthOf("Suspended", "Rollout is paused");
        return healthOf("Progressing", message);
    }
    if (kind == "Pod") {
        if (const Json *dt = findPath(obj, "metadata.deletionTimestamp"); dt && !dt->is_null())
            return healthOf("Progressing", "Pending deletion");
        std::string phase = stringAt(obj, "status.phase", "Pending");
        if (phase == "Succeeded")
            return healthOf("Healthy", stringAt(obj, "status.message"));
        if (phase == "Failed")
            return healthOf("Degraded", stringAt(obj, "status.message", "pod failed"));
        if (phase == "Running") {
            if (const Json *cs = findPath(obj, "status.containerStatuses"); cs && cs->is_array())
                for (const auto &c : *cs) {
                    if (std::string w = stringAt(c, "state.waiting.reason"); w == "CrashLoopBackOff" || w == "ImagePullBackOff" || w == "ErrImagePull")
                        return healthOf("Degraded", stringAt(c, "state.waiting.message", w));
                    if (!c.value("ready", false))
                        return healthOf("Progressing");
                }
            return healthOf("Healthy");
        }
        return healthOf("Progressing", stringAt(obj, "status.message"));
    }
    if (kind == "Service") {
        if (stringAt(obj, "spec.type") == "LoadBalancer") {
            const Json *ing = findPath(obj, "status.loadBalancer.ingress");
            if (!ing || !ing->is_array() || ing->empty())
                return healthOf("Progressing");
        }
        return healthOf("Healthy");
    }
    if (kind == "Ingress" || kind == "HorizontalPodAutoscaler")
        return healthOf("Healthy");
    if (kind == "Job") {
        if (intAt(obj, "status.succeeded") >= intAt(obj, "spec.completions", 1))
            return healthOf("Healthy", "Job completed");
        if (intAt(obj, "status.failed") > intAt(obj, "spec.backoffLimit", 6))
            return healthOf("Degraded", "Job failed");
        return healthOf("Progressing");
    }
    if (kind == "AnalysisRun") {
        std::string phase = stringAt(obj, "status.phase");
        std::string message = stringAt(obj, "status.message");
        if (phase == "Successful")
            return healthOf("Healthy", message);
        if (phase == "Failed" || phase == "Error")
            return healthOf("Degraded", message);
        if (phase == "Inconclusive")
            return healthOf("Unknown", message);
        return healthOf("Progressing", message);
    }
    return nullptr;
}

int healthRank(const std::string &s)
{
    static const std::vector<std::string> order{"Healthy", "Suspended", "Progressing", "Missing", "Degraded", "Unknown"};
    auto it = std::find(order.begin(), order.end(), s);
    return it == order.end() ? 5 : static_cast<int>(it - order.begin());
}

std::vector<std::string> imagesOf(const Json &obj)
{
    std::vector<std::string> out;
    for (const char *path : {"spec.template.spec.containers", "spec.template.spec.initContainers", "spec.containers", "spec.initContainers"})
        if (const Json *cs = findPath(obj, path); cs && cs->is_array())
            for (const auto &c : *cs)
                if (c.contains("image") && c["image"].is_string())
                    out.push_back(c["image"].get<std::string>());
    return out;
}

Json resourceRef(const ResourceType &t, const std::string &ns, const std::string &name)
{
    Json r = {{"group", t.group}, {"version", t.version}, {"kind", t.kind}, {"name", name}};
    if (!ns.empty())
        r["namespace"] = ns;
    return r;
}

std::string qualifiedKind(const ResourceType &t) { return lowerCase(t.kind) + (t.group.empty() ? "" : "." + t.group); }

}  // namespace

ArgoCdController::ArgoCdController(Cluster &cluster, ArgoCdOptions options) : m_cluster(cluster), m_options(std::move(options))
{
    if (m_options.cacheDir.empty()) {
        const char *tmp = std::getenv("TMPDIR");
        m_options.cacheDir = std::string(tmp && *tmp ? tmp : "/tmp") + "/pilothouse-sim-git-" + std::to_string(::getpid());
    }
}

ArgoCdController::~ArgoCdController()
{
    stop();
    {
        std::lock_guard lock(m_mirrorsMutex);
        m_mirrors.clear();
    }
    std::error_code ec;
    if (m_options.cacheDir.find("/pilothouse-sim-git-") != std::string::npos)
        std::filesystem::remove_all(m_options.cacheDir, ec);
}

void ArgoCdController::ensureSetup()
{
    const auto &reg = ResourceRegistry::instance();
    if (!m_cluster.store().get(reg.require("", "namespaces"), "", kNamespace))
        m_cluster.create(reg.require("", "namespaces"), "", {{"metadata", {{"name", kNamespace}}}});
    const auto &projects = reg.require("argoproj.io", "appprojects");
    if (!m_cluster.store().get(projects, kNamespace, "default"))
        m_cluster.create(projects, kNamespace,
                         {{"apiVersion", "argoproj.io/v1alpha1"},
                          {"kind", "AppProject"},
                          {"metadata", {{"name", "default"}}},
                          {"spec", {{"sourceRepos", {"*"}},
                                    {"destinations", {{{"namespace", "*"}, {"server", "*"}}}},
                                    {"clusterResourceWhitelist", {{{"group", "*"}, {"kind", "*"}}}}}}});
}

void ArgoCdController::discoverNow()
{
    if (m_options.gitopsRepo.empty())
        return;
    discoverApps();
    m_nextDiscovery = Clock::now() + m_options.pollInterval;
}

void ArgoCdController::start()
{
    if (m_running.exchange(true))
        return;
    m_thread = std::thread([this] {
        pthread_setname_np(pthread_self(), "sim-argocd");
        loop();
    });
}

void ArgoCdController::stop()
{
    if (!m_running.exchange(false))
        return;
    if (m_thread.joinable())
        m_thread.join();
}

void ArgoCdController::loop()
{
    while (m_running) {
        try {
            reconcile();
        } catch (const std::exception &e) {
            std::cerr << "pilothouse-sim: argo cd controller: " << e.what() << std::endl;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
}

std::shared_ptr<GitMirror> ArgoCdController::mirrorFor(const std::string &url) const
{
    std::lock_guard lock(m_mirrorsMutex);
    auto it = m_mirrors.find(url);
    if (it != m_mirrors.end())
        return it->second;
    auto mirror = std::make_shared<GitMirror>(url, m_options.cacheDir + "/" + std::to_string(m_mirrors.size()));
    m_mirrors[url] = mirror;
    return mirror;
}

bool ArgoCdController::ensureFetched(GitMirror &mirror, std::string &error) const
{
    return mirror.fetched() || mirror.fetch(error);
}

bool ArgoCdController::manifestsAt(const std::string &url, const std::string &sha, const std::string &path, std::vector<Json> &out,
                                   std::string &error) const
{
    std::string key = url + "\n" + sha + "\n" + path;
    {
        std::lock_guard lock(m_cacheMutex);
        if (auto it = m_manifestCache.find(key); it != m_manifestCache.end()) {
            out = it->second;
            return true;
        }
    }
    auto mirror = mirrorFor(url);
    if (!ensureFetched(*mirror, error))
        return false;
    std::vector<Json> manifests;
    if (!mirror->readManifests(sha, path, manifests, error))
        return false;
    std::lock_guard lock(m_cacheMutex);
    if (m_manifestCache.size() > 200)
        m_manifestCache.clear();
    m_manifestCache[key] = manifests;
    out = std::move(manifests);
    return true;
}

void ArgoCdController::discoverApps()
{
    auto mirror = mirrorFor(m_options.gitopsRepo);
    std::string error;
    std::vector<std::string> dirs;
    auto sha = mirror->fetch(error) ? mirror->resolve("HEAD", error) : std::nullopt;
    if (!sha || !mirror->listDirectories(*sha, "apps", dirs, error)) {
        std::cerr << "pilothouse-sim: --gitops-repo " << m_options.gitopsRepo << ": " << error << std::endl;
        return;
    }
    for (const auto &dir : dirs) {
        if (m_cluster.store().get(appType(), kNamespace, dir))
            continue;
        std::vector<Json> manifests;
        std::string destNs = "default";
        if (mirror->readManifests(*sha, "apps/" + dir, manifests, error))
            for (const auto &m : manifests)
                if (std::string ns = stringAt(m, "metadata.namespace"); !ns.empty()) {
                    destNs = ns;
                    break;
                }
        Json app = {{"apiVersion", "argoproj.io/v1alpha1"},
                    {"kind", "Application"},
                    {"metadata", {{"name", dir}}},
                    {"spec", {{"project", "default"},
                              {"source", {{"repoURL", m_options.gitopsRepo}, {"path", "apps/" + dir}, {"targetRevision", "HEAD"}}},
                              {"destination", {{"server", "https://kubernetes.default.svc"}, {"namespace", destNs}}},
                              {"syncPolicy", {{"automated", {{"prune", true}, {"selfHeal", false}}}, {"syncOptions", {"CreateNamespace=true"}}}}}}};
        try {
            WriteOptions wo;
            wo.fieldManager = "argocd-server";
            m_cluster.create(appType(), kNamespace, app, wo);
            if (m_options.seedHistory)
                seedHistory(dir, *mirror, *sha);
        } catch (const ApiException &e) {
            std::cerr << "pilothouse-sim: cannot create the Application " << dir << ": " << e.what() << std::endl;
        }
    }
}

void ArgoCdController::seedHistory(const std::string &name, GitMirror &mirror, const std::string &headSha)
{
    ObjPtr app = m_cluster.store().get(appType(), kNamespace, name);
    if (!app)
        return;
    const std::string path = stringAt(app->obj, "spec.source.path");
    std::string error;
    auto commits = mirror.commitsTouching(headSha, path, kHistoryLimit, error);  // newest first
    // The newest commit the live objects match is the one the cluster runs; it and the ones
    // before it were deployed in turn.
    size_t deployed = commits.size();
    for (size_t i = 0; i < commits.size() && deployed == commits.size(); ++i) {
        std::vector<Json> manifests;
        if (!manifestsAt(stringAt(app->obj, "spec.source.repoURL"), commits[i].first, path, manifests, error))
            continue;
        bool matches = !manifests.empty();
        for (const auto &mo : managedObjects(app->obj, manifests)) {
            if (mo.target.is_null())
                continue;
            Json want = comparable(mo.target);
            want["metadata"]["annotations"].erase(kTrackingAnnotation);
            want["metadata"]["labels"].erase(kInstanceLabel);
            matches = matches && mo.live && containedIn(want, mo.live->obj);
        }
        if (matches)
            deployed = i;
    }
    if (deployed == commits.size())
        return;
    Json history = Json::array();
    Json source = app->obj["spec"]["source"];
    long long id = 0;
    for (size_t i = commits.size(); i-- > deployed;) {
        auto at = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(commits[i].second));
        history.push_back({{"id", id++}, {"revision", commits[i].first}, {"deployStartedAt", rfc3339(at + std::chrono::seconds(55))},
                           {"deployedAt", rfc3339(at + std::chrono::seconds(60))}, {"source", source}, {"initiatedBy", {{"automated", true}}}});
    }
    m_cluster.mutate(appType(), kNamespace, name, [&](Json &o) {
        o["status"]["history"] = history;
        return true;
    });
}

void ArgoCdController::reconcile()
{
    auto now = Clock::now();
    if (!m_settled) {
        // The scenario's Rollouts roll out their first revision before automated syncs apply anything
        // newer, as in a cluster that ran before its GitOps repository moved on (a new template
        // arriving during the first rollout would be promoted at once). At most 15 s.
        if (m_startedAt == Clock::time_point{})
            m_startedAt = now;
        bool settled = true;
        for (const auto &ro : m_cluster.store().list(ResourceRegistry::instance().require("argoproj.io", "rollouts")).items)
            settled = settled && stringAt(ro->obj, "status.phase") == "Healthy" && !stringAt(ro->obj, "status.stableRS").empty();
        m_settled = settled || now - m_startedAt > std::chrono::seconds(15);
    }
    if (!m_options.gitopsRepo.empty() && now >= m_nextDiscovery) {
        discoverApps();
        m_nextDiscovery = now + m_options.pollInterval;
    }
    std::set<std::string> fetchedUrls;
    auto apps = m_cluster.store().list(appType(), kNamespace).items;
    std::set<std::string> names;
    for (const auto &a : apps) {
        names.insert(a->name);
        reconcileApp(a->name, fetchedUrls);
    }
    for (auto it = m_apps.begin(); it != m_apps.end();)
        it = names.count(it->first) ? std::next(it) : m_apps.erase(it);
}

void ArgoCdController::reconcileApp(const std::string &name, std::set<std::string> &fetchedUrls)
{
    ObjPtr obj = m_cluster.store().get(appType(), kNamespace, name);
    if (!obj)
        return;
    AppState &state = m_apps[name];
    auto now = Clock::now();
    const Json &app = obj->obj;
    std::string url = stringAt(app, "spec.source.repoURL");
    bool refreshRequested = false;
    {
        std::lock_guard lock(m_refreshMutex);
        refreshRequested = m_refreshRequests.erase(name) > 0;
    }
    bool fetchedNow = false;
    if (refreshRequested || state.targetSha.empty() || now - state.lastFetch >= m_options.pollInterval) {
        state.lastFetch = now;
        fetchedNow = true;
        std::string error;
        if (url.empty()) {
            state.fetchError = "spec.source.repoURL is empty";
        } else {
            auto mirror = mirrorFor(url);
            bool ok = fetchedUrls.count(url) || mirror->fetch(error);
            if (ok) {
                fetchedUrls.insert(url);
                auto sha = mirror->resolve(stringAt(app, "spec.source.targetRevision", "HEAD"), error);
                if (sha) {
                    state.targetSha = *sha;
                    state.fetchError.clear();
                } else {
                    state.fetchError = error;
                }
            } else {
                state.fetchError = error;
            }
        }
    }

    // A requested operation: start it, run it when its time comes, or end it when terminated.
    if (app.contains("operation") && app["operation"].is_object()) {
        const Json *opState = findPath(app, "status.operationState");
        std::string phase = opState ? stringAt(*opState, "phase") : "";
        std::string opText = app["operation"].dump();
        bool sameOp = opState && opState->contains("operation") && (*opState)["operation"].dump() == opText;
        if (!sameOp || (phase != "Running" && phase != "Terminating")) {
            state.runningOperation = opText;
            state.operationDue = now + m_options.operationTime;
            std::string startedAt = rfc3339Now();
            m_cluster.mutate(appType(), kNamespace, name, [&](Json &o) {
                o["status"]["operationState"] = {{"operation", o["operation"]}, {"phase", "Running"}, {"message", ""}, {"startedAt", startedAt}};
                return true;
            });
        } else if (phase == "Terminating") {
            std::string finishedAt = rfc3339Now();
            m_cluster.mutate(appType(), kNamespace, name, [&](Json &o) {
                auto &os = o["status"]["operationState"];
                os["phase"] = "Failed";
                os["message"] = "Operation terminated";
                os["finishedAt"] = finishedAt;
                o.erase("operation");
                return true;
            });
            state.runningOperation.clear();
        } else if (phase == "Running") {
            if (state.runningOperation != opText) {  // a restart or a missed start: run it after the usual time
                state.runningOperation = opText;
                state.operationDue = now + m_options.operationTime;
            } else if (now >= state.operationDue) {
                runOperation(app, state);
                state.runningOperation.clear();
            }
        }
    }

    ObjPtr current = m_cluster.store().get(appType(), kNamespace, name);
    if (!current)
        return;
    Json status = compare(current->obj, state);
    std::string reconciledAt = rfc3339Now();
    m_cluster.mutate(appType(), kNamespace, name, [&](Json &o) {
        Json &s = o["status"];
        Json before = s;
        for (const auto &[k, v] : status.items())
            s[k] = v;
        if (status.contains("conditions") == false)
            s.erase("conditions");
        if (fetchedNow || !s.contains("reconciledAt"))
            s["reconciledAt"] = reconciledAt;
        return s != before;
    });

    // Automated sync: when out of sync with a revision not yet synced automatically (or always, with self-heal).
    current = m_cluster.store().get(appType(), kNamespace, name);
    if (!current)
        return;
    const Json &a = current->obj;
    const Json *automated = findPath(a, "spec.syncPolicy.automated");
    if (m_settled && automated && automated->is_object() && !state.targetSha.empty() && stringAt(a, "status.sync.status") == "OutOfSync" &&
        !(a.contains("operation") && a["operation"].is_object())) {
        std::string lastAuto = stringAt(a, "status.operationState.syncResult.revision");
        bool lastWasThisRevision = lastAuto == state.targetSha;
        if (!lastWasThisRevision || automated->value("selfHeal", false)) {
            Json op = {{"sync", {{"revision", state.targetSha}, {"prune", automated->value("prune", false)}}},
                       {"initiatedBy", {{"automated", true}}},
                       {"retry", Json::object()}};
            m_cluster.mutate(appType(), kNamespace, name, [&](Json &o) {
                if (o.contains("operation") && o["operation"].is_object())
                    return false;
                o["operation"] = op;
                return true;
            });
        }
    }
}

std::vector<ArgoCdController::ManagedObject> ArgoCdController::managedObjects(const Json &app, const std::vector<Json> &manifests) const
{
    const auto &reg = ResourceRegistry::instance();
    std::string appName = stringAt(app, "metadata.name");
    std::string destNs = stringAt(app, "spec.destination.namespace", "default");
    std::vector<ManagedObject> out;
    std::set<std::string> keys;
    for (const auto &m : manifests) {
        ManagedObject mo;
        mo.type = reg.byKind(m.value("apiVersion", ""), m.value("kind", ""));
        mo.name = stringAt(m, "metadata.name");
        mo.target = m;
        if (mo.type) {
            mo.ns = mo.type->namespaced ? stringAt(m, "metadata.namespace", destNs) : "";
            mo.target["metadata"]["annotations"][kTrackingAnnotation] = trackingId(appName, *mo.type, mo.ns, mo.name);
            mo.target["metadata"]["labels"][kInstanceLabel] = appName;
            if (mo.type->namespaced)
                mo.target["metadata"]["namespace"] = mo.ns;
            mo.live = m_cluster.store().get(*mo.type, mo.ns, mo.name);
            keys.insert(std::to_string(mo.type->index) + "/" + mo.ns + "/" + mo.name);
        }
        out.push_back(std::move(mo));
    }
    // Live objects carrying this app's tracking annotation that git no longer has.
    for (const auto &t : reg.all()) {
        if (t.kind == "Event" || t.kind == "Pod" || t.group == "metrics.k8s.io" || t.group == "authorization.k8s.io" ||
            t.group == "authentication.k8s.io")
            continue;
        for (const auto &o : m_cluster.store().list(t).items) {
            if (!isTrackedBy(o->obj, appName, t, o->ns, o->name) || keys.count(std::to_string(t.index) + "/" + o->ns + "/" + o->name))
                continue;
            ManagedObject mo;
            mo.type = &t;
            mo.ns = o->ns;
            mo.name = o->name;
            mo.live = o;
            out.push_back(std::move(mo));
        }
    }
    return out;
}

Json ArgoCdController::compare(const Json &app, const AppState &state) const
{
    Json status = Json::object();
    Json comparedTo = {{"source", app.value("spec", Json::object()).value("source", Json::object())},
                       {"destination", app.value("spec", Json::object()).value("destination", Json::object())}};
    status["sourceType"] = "Directory";
    std::vector<Json> manifests;
    std::string error = state.fetchError;
    if (state.targetSha.empty() && error.empty())
        error = "the repository has not been fetched yet";
    if (error.empty())
        manifestsAt(stringAt(app, "spec.source.repoURL"), state.targetSha, stringAt(app, "spec.source.path"), manifests, error);
    if (!error.empty()) {
        status["sync"] = {{"status", "Unknown"}, {"comparedTo", comparedTo}};
        if (!state.targetSha.empty())
            status["sync"]["revision"] = state.targetSha;
        status["conditions"] = {{{"type", "ComparisonError"}, {"message", "Failed to load target state: " + error},
                                 {"lastTransitionTime", rfc3339Now()}}};
        if (const Json *prev = findPath(app, "status.conditions"); prev && prev->is_array() && !prev->empty() &&
            stringAt((*prev)[0], "message") == stringAt(status["conditions"][0], "message"))
            status["conditions"] = *prev;
        status["health"] = {{"status", "Unknown"}};
        return status;
    }
    bool allSynced = true;
    std::string worst = "Healthy";
    std::string worstMessage;
    Json resources = Json::array();
    std::set<std::string> images;
    for (const auto &mo : managedObjects(app, manifests)) {
        if (!mo.type) {
            allSynced = false;
            Json r = {{"kind", mo.target.value("kind", "")}, {"name", mo.name}, {"status", "Unknown"},
                      {"version", mo.target.value("apiVersion", "")}};
            resources.push_back(r);
            continue;
        }
        Json r = resourceRef(*mo.type, mo.ns, mo.name);
        Json health;
        if (mo.target.is_null()) {
            r["status"] = "OutOfSync";
            r["requiresPruning"] = true;
            allSynced = false;
        } else if (!mo.live) {
            r["status"] = "OutOfSync";
            health = healthOf("Missing");
            allSynced = false;
        } else {
            bool synced = containedIn(comparable(mo.target), mo.live->obj);
            r["status"] = synced ? "Synced" : "OutOfSync";
            allSynced = allSynced && synced;
            health = resourceHealth(mo.type->kind, mo.live->obj);
        }
        if (mo.live) {
            // Like Argo CD's summary: the images of the pods in the app's tree (both revisions while
            // a blue-green preview runs next to the active one).
            std::vector<ObjPtr> queue{mo.live};
            for (size_t i = 0; i < queue.size() && i < 1000; ++i) {
                if (queue[i]->type >= 0 && ResourceRegistry::instance().all()[static_cast<size_t>(queue[i]->type)].kind == "Pod")
                    for (const auto &img : imagesOf(queue[i]->obj))
                        images.insert(img);
                for (const auto &child : m_cluster.store().dependentsOf(queue[i]->uid))
                    queue.push_back(child);
            }
        }
        if (!health.is_null()) {
            r["health"] = health;
            if (!mo.target.is_null() && healthRank(health.value("status", "")) > healthRank(worst)) {
                worst = health.value("status", "");
                worstMessage = health.value("message", "");
            }
        }
        resources.push_back(r);
    }
    std::sort(resources.begin(), resources.end(), [](const Json &a, const Json &b) {
        auto key = [](const Json &j) { return j.value("group", "") + "/" + j.value("kind", "") + "/" + j.value("namespace", "") + "/" + j.value("name", ""); };
        return key(a) < key(b);
    });
    status["sync"] = {{"status", allSynced ? "Synced" : "OutOfSync"}, {"revision", state.targetSha}, {"comparedTo", comparedTo}};
    status["health"] = {{"status", worst}};
    if (!worstMessage.empty())
        status["health"]["message"] = worstMessage;
    status["resources"] = resources;
    status["summary"] = {{"images", Json(std::vector<std::string>(images.begin(), images.end()))}};
    return status;
}

void ArgoCdController::runOperation(const Json &app, AppState &state)
{
    const auto &reg = ResourceRegistry::instance();
    std::string name = stringAt(app, "metadata.name");
    const Json &op = app["operation"];
    Json syncOp = op.value("sync", Json::object());
    Json source = syncOp.contains("source") && syncOp["source"].is_object() ? syncOp["source"] : app["spec"].value("source", Json::object());
    std::string revision = syncOp.value("revision", "");
    if (revision.empty())
        revision = source.value("targetRevision", "HEAD");
    bool dryRun = syncOp.value("dryRun", false);
    bool prune = syncOp.value("prune", false);
    const Json selected = syncOp.value("resources", Json::array());
    std::string startedAt = stringAt(app, "status.operationState.startedAt", rfc3339Now());
    std::string destNs = stringAt(app, "spec.destination.namespace", "default");
    bool createNamespace = false;
    if (const Json *opts = findPath(app, "spec.syncPolicy.syncOptions"); opts && opts->is_array())
        for (const auto &o : *opts)
            createNamespace = createNamespace || (o.is_string() && o.get<std::string>() == "CreateNamespace=true");

    std::string error;
    std::string url = source.value("repoURL", "");
    auto mirror = mirrorFor(url);
    std::optional<std::string> sha;
    if (ensureFetched(*mirror, error))
        sha = mirror->resolve(revision, error);
    if (sha && sha->rfind(revision, 0) != 0 && revision != "HEAD") {
        // A branch or tag may have moved since the last fetch.
        if (mirror->fetch(error))
            sha = mirror->resolve(revision, error);
    }
    std::vector<Json> manifests;
    Json results = Json::array();
    std::string failure;
    if (!sha) {
        failure = "ComparisonError: " + error;
    } else if (!manifestsAt(url, *sha, source.value("path", ""), manifests, error)) {
        failure = "ComparisonError: Failed to load target state: " + error;
    } else {
        auto isSelected = [&](const ResourceType &t, const std::string &ns, const std::string &n) {
            if (!selected.is_array() || selected.empty())
                return true;
            for (const auto &s : selected)
                if (s.value("kind", "") == t.kind && s.value("group", "") == t.group && s.value("name", "") == n &&
                    (s.value("namespace", "").empty() || s.value("namespace", "") == ns))
                    return true;
            return false;
        };
        WriteOptions wo;
        wo.fieldManager = "argocd-controller";
        wo.dryRun = dryRun;
        for (auto &mo : managedObjects(app, manifests)) {
            if (!mo.type) {
                results.push_back({{"kind", mo.target.value("kind", "")}, {"name", mo.name}, {"status", "SyncFailed"},
                                   {"message", "the server could not find the requested resource (" + mo.target.value("apiVersion", "") + ")"},
                                   {"syncPhase", "Sync"}});
                failure = "one or more objects failed to apply";
                continue;
            }
            if (!isSelected(*mo.type, mo.ns, mo.name))
                continue;
            Json r = resourceRef(*mo.type, mo.ns, mo.name);
            r["syncPhase"] = "Sync";
            std::string what = qualifiedKind(*mo.type) + "/" + mo.name;
            try {
                if (mo.target.is_null()) {
                    if (prune) {
                        if (!dryRun)
                            m_cluster.remove(*mo.type, mo.ns, mo.name, {{"propagationPolicy", "Background"}});
                        r["status"] = "Pruned";
                        r["message"] = dryRun ? "pruned (dry run)" : "pruned";
                    } else {
                        r["status"] = "PruneSkipped";
                        r["message"] = "ignored (requires pruning)";
                    }
                } else {
                    if (mo.type->namespaced && !m_cluster.store().get(reg.require("", "namespaces"), "", mo.ns)) {
                        if (!createNamespace)
                            throw notFoundError(reg.require("", "namespaces"), mo.ns);
                        if (!dryRun)
                            m_cluster.create(reg.require("", "namespaces"), "", {{"metadata", {{"name", mo.ns}}}}, wo);
                    }
                    if (!mo.live) {
                        Json obj = mo.target;
                        obj.erase("status");
                        m_cluster.create(*mo.type, mo.ns, obj, wo);
                        r["message"] = what + " created";
                    } else {
                        Json patch = mo.target;
                        patch.erase("status");
                        ObjPtr after = m_cluster.patch(*mo.type, mo.ns, mo.name, PatchType::Merge, patch.dump(), wo);
                        bool changed = after && after->obj != mo.live->obj;
                        r["message"] = what + (changed ? " configured" : " unchanged");
                    }
                    if (dryRun)
                        r["message"] = r["message"].get<std::string>() + " (dry run)";
                    r["status"] = "Synced";
                    r["hookPhase"] = "Running";
                }
            } catch (const ApiException &e) {
                r["status"] = "SyncFailed";
                r["message"] = e.what();
                failure = std::string("one or more objects failed to apply, reason: ") + e.what();
            }
            results.push_back(r);
        }
    }
    std::string finishedAt = rfc3339Now();
    std::string sourceText = source.dump();
    m_cluster.mutate(appType(), kNamespace, name, [&](Json &o) {
        if (!o.contains("operation") || o["operation"] != op)
            return false;  // replaced or terminated meanwhile
        Json &os = o["status"]["operationState"];
        os["phase"] = failure.empty() ? "Succeeded" : "Failed";
        os["message"] = failure.empty() ? (dryRun ? "successfully synced (dry run)" : "successfully synced (all tasks run)") : failure;
        os["finishedAt"] = finishedAt;
        if (sha)
            os["syncResult"] = {{"resources", results}, {"revision", *sha}, {"source", source}};
        if (failure.empty() && !dryRun && sha) {
            Json &history = o["status"]["history"];
            if (!history.is_array())
                history = Json::array();
            long long id = history.empty() ? 0 : history.back().value("id", 0LL) + 1;
            Json entry = {{"id", id}, {"revision", *sha}, {"deployedAt", finishedAt}, {"deployStartedAt", startedAt}, {"source", source}};
            if (op.contains("initiatedBy"))
                entry["initiatedBy"] = op["initiatedBy"];
            history.push_back(entry);
            while (history.size() > static_cast<size_t>(kHistoryLimit))
                history.erase(history.begin());
        }
        o.erase("operation");
        return true;
    });
    (void)state;
    (void)sourceText;
}

ObjPtr ArgoCdController::requireApp(const std::string &name) const
{
    ObjPtr obj = m_cluster.store().get(appType(), kNamespace, name);
    if (!obj)
        throw ArgoCdError::notFound("applications.argoproj.io \"" + name + "\" not found");
    return obj;
}

Json ArgoCdController::application(const std::string &name) const { return requireApp(name)->obj; }

std::vector<Json> ArgoCdController::applications() const
{
    std::vector<Json> out;
    for (const auto &o : m_cluster.store().list(appType(), kNamespace).items)
        out.push_back(o->obj);
    return out;
}

namespace {

// Sets `operation` on the Application unless one is already running (Argo CD's SetAppOperation).
ObjPtr setOperation(Cluster &cluster, const std::string &name, const Json &op)
{
    try {
        return cluster.mutate(appType(), ArgoCdController::kNamespace, name, [&](Json &o) {
            if (o.contains("operation") && o["operation"].is_object())
                throw ArgoCdError::failedPrecondition("another operation is already in progress");
            o["operation"] = op;
            return true;
        });
    } catch (const ApiException &) {
        throw ArgoCdError::notFound("applications.argoproj.io \"" + name + "\" not found");
    }
}

}  // namespace

Json ArgoCdController::sync(const std::string &name, const Json &request, const std::string &user)
{
    ObjPtr obj = requireApp(name);
    const Json &app = obj->obj;
    if (!request.is_object())
        throw ArgoCdError::invalidArgument("the sync request must be a JSON object");
    std::string revision = request.value("revision", "");
    std::string target = stringAt(app, "spec.source.targetRevision", "HEAD");
    const Json *automated = findPath(app, "spec.syncPolicy.automated");
    if (automated && automated->is_object() && !revision.empty() && revision != target &&
        revision != stringAt(app, "status.sync.revision"))
        throw ArgoCdError::failedPrecondition("Cannot sync to " + revision + ": auto-sync currently set to " + target);
    Json syncOp = {{"revision", revision.empty() ? target : revision}, {"prune", request.value("prune", false)},
                   {"dryRun", request.value("dryRun", false)}};
    if (request.contains("strategy") && request["strategy"].is_object())
        syncOp["syncStrategy"] = request["strategy"];
    else
        syncOp["syncStrategy"] = {{"hook", Json::object()}};
    if (request.contains("resources") && request["resources"].is_array() && !request["resources"].empty())
        syncOp["resources"] = request["resources"];
    if (request.contains("syncOptions") && request["syncOptions"].is_object())
        syncOp["syncOptions"] = request["syncOptions"].value("items", Json::array());
    Json op = {{"sync", syncOp}, {"initiatedBy", {{"username", user}}}, {"retry", Json::object()}};
    return setOperation(m_cluster, name, op)->obj;
}

Json ArgoCdController::rollback(const std::string &name, const Json &request, const std::string &user)
{
    ObjPtr obj = requireApp(name);
    const Json &app = obj->obj;
    if (!request.is_object())
        throw ArgoCdError::invalidArgument("the rollback request must be a JSON object");
    if (const Json *dt = findPath(app, "metadata.deletionTimestamp"); dt && !dt->is_null())
        throw ArgoCdError::failedPrecondition("application is deleting");
    const Json *automated = findPath(app, "spec.syncPolicy.automated");
    if (automated && automated->is_object())
        throw ArgoCdError::failedPrecondition("rollback cannot be initiated when auto-sync is enabled");
    long long id = -1;
    const Json &idValue = request.contains("id") ? request["id"] : Json(0);
    if (idValue.is_number_integer())
        id = idValue.get<long long>();
    else if (idValue.is_string())  // int64 travels as a string in grpc-gateway's JSON
        id = std::atoll(idValue.get<std::string>().c_str());
    const Json *history = findPath(app, "status.history");
    const Json *entry = nullptr;
    if (history && history->is_array())
        for (const auto &h : *history)
            if (h.value("id", -2LL) == id)
                entry = &h;
    if (!entry)
        throw ArgoCdError::invalidArgument("application " + name + " does not have deployment with id " + std::to_string(id));
    Json syncOp = {{"revision", entry->value("revision", "")}, {"dryRun", request.value("dryRun", false)},
                   {"prune", request.value("prune", false)}, {"syncStrategy", {{"apply", Json::object()}}},
                   {"source", entry->value("source", Json::object())}};
    Json op = {{"sync", syncOp}, {"initiatedBy", {{"username", user}}}};
    return setOperation(m_cluster, name, op)->obj;
}

void ArgoCdController::terminateOperation(const std::string &name)
{
    requireApp(name);
    m_cluster.mutate(appType(), kNamespace, name, [&](Json &o) {
        const Json *os = findPath(o, "status.operationState");
        if (!o.contains("operation") || !o["operation"].is_object() || !os || !os->is_object())
            throw ArgoCdError::invalidArgument("Unable to terminate operation. No operation is in progress");
        o["status"]["operationState"]["phase"] = "Terminating";
        return true;
    });
}

Json ArgoCdController::refresh(const std::string &name)
{
    std::string before = stringAt(requireApp(name)->obj, "status.reconciledAt");
    {
        std::lock_guard lock(m_refreshMutex);
        m_refreshRequests.insert(name);
    }
    for (int i = 0; i < 60; ++i) {
        {
            std::lock_guard lock(m_refreshMutex);
            if (!m_refreshRequests.count(name))
                break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the status write follows the fetch
    return requireApp(name)->obj;
}

Json ArgoCdController::resourceTree(const std::string &name) const
{
    const auto &reg = ResourceRegistry::instance();
    Json app = requireApp(name)->obj;
    Json nodes = Json::array();
    std::set<std::string> seen;
    auto nodeOf = [&](const ResourceType &t, const StoredObject &o, const Json &parentRefs) {
        Json n = resourceRef(t, o.ns, o.name);
        n["uid"] = o.uid;
        n["resourceVersion"] = stringAt(o.obj, "metadata.resourceVersion");
        n["createdAt"] = stringAt(o.obj, "metadata.creationTimestamp");
        if (!parentRefs.empty())
            n["parentRefs"] = parentRefs;
        Json health = resourceHealth(t.kind, o.obj);
        if (!health.is_null())
            n["health"] = health;
        auto imgs = imagesOf(o.obj);
        if (!imgs.empty())
            n["images"] = imgs;
        Json info = Json::array();
        if (t.kind == "Pod") {
            info.push_back({{"name", "Status Reason"}, {"value", stringAt(o.obj, "status.phase", "Pending")}});
            long long ready = 0, total = 0;
            if (const Json *cs = findPath(o.obj, "status.containerStatuses"); cs && cs->is_array())
                for (const auto &c : *cs) {
                    ++total;
                    ready += c.value("ready", false) ? 1 : 0;
                }
            info.push_back({{"name", "Containers"}, {"value", std::to_string(ready) + "/" + std::to_string(total)}});
        } else if (t.kind == "ReplicaSet") {
            std::string rev;
            if (const Json *ann = findPath(o.obj, "metadata.annotations"); ann && ann->is_object()) {
                for (const char *k : {"deployment.kubernetes.io/revision", "rollout.argoproj.io/revision"})
                    if (ann->contains(k) && (*ann)[k].is_string())
                        rev = (*ann)[k].get<std::string>();
            }
            if (!rev.empty())
                info.push_back({{"name", "Revision"}, {"value", "Rev:" + rev}});
        }
        if (!info.empty())
            n["info"] = info;
        return n;
    };
    std::vector<std::pair<const ResourceType *, ObjPtr>> queue;
    for (const auto &r : app.value("status", Json::object()).value("resources", Json::array())) {
        const ResourceType *t = reg.byKind(r.value("group", "").empty() ? r.value("version", "") : r.value("group", "") + "/" + r.value("version", ""),
                                           r.value("kind", ""));
        if (!t)
            continue;
        ObjPtr live = m_cluster.store().get(*t, r.value("namespace", ""), r.value("name", ""));
        if (!live || !seen.insert(live->uid).second)
            continue;
        nodes.push_back(nodeOf(*t, *live, Json::array()));
        queue.emplace_back(t, live);
    }
    for (size_t i = 0; i < queue.size(); ++i) {
        auto [pt, parent] = queue[i];
        for (const auto &child : m_cluster.store().dependentsOf(parent->uid)) {
            if (child->type < 0 || !seen.insert(child->uid).second)
                continue;
            const ResourceType &ct = reg.all()[static_cast<size_t>(child->type)];
            if (ct.kind == "Event")
                continue;
            Json ref = {{"group", pt->group}, {"kind", pt->kind}, {"namespace", parent->ns}, {"name", parent->name}, {"uid", parent->uid}};
            nodes.push_back(nodeOf(ct, *child, Json::array({ref})));
            queue.emplace_back(&ct, child);
        }
    }
    return {{"nodes", nodes}, {"orphanedNodes", Json::array()}, {"hosts", Json::array()}};
}

Json ArgoCdController::managedResources(const std::string &name) const
{
    Json app = requireApp(name)->obj;
    std::string sha = stringAt(app, "status.sync.revision");
    std::vector<Json> manifests;
    std::string error;
    if (!sha.empty())
        manifestsAt(stringAt(app, "spec.source.repoURL"), sha, stringAt(app, "spec.source.path"), manifests, error);
    Json items = Json::array();
    for (const auto &mo : managedObjects(app, manifests)) {
        if (!mo.type)
            continue;
        Json item = {{"group", mo.type->group}, {"kind", mo.type->kind}, {"name", mo.name}, {"hook", false}};
        if (!mo.ns.empty())
            item["namespace"] = mo.ns;
        std::string live = mo.live ? mo.live->json : "null";
        std::string target = mo.target.is_null() ? "null" : mo.target.dump();
        item["liveState"] = live;
        item["normalizedLiveState"] = live;
        item["targetState"] = target;
        item["predictedLiveState"] = target;
        if (mo.live)
            item["resourceVersion"] = stringAt(mo.live->obj, "metadata.resourceVersion");
        items.push_back(item);
    }
    return {{"items", items}};
}

Json ArgoCdController::revisionMetadata(const std::string &name, const std::string &revision)
{
    Json app = requireApp(name)->obj;
    auto mirror = mirrorFor(stringAt(app, "spec.source.repoURL"));
    std::string error;
    if (!ensureFetched(*mirror, error))
        throw ArgoCdError(500, 2, error);
    auto info = mirror->commitInfo(revision, error);
    if (!info && mirror->fetch(error))
        info = mirror->commitInfo(revision, error);
    if (!info)
        throw ArgoCdError::notFound("revision " + revision + ": " + error);
    return {{"author", info->author}, {"date", info->date}, {"tags", info->tags}, {"message", info->message}};
}

}  // namespace pilothouse::sim
