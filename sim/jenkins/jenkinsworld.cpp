// The simulated Jenkins' jobs, builds, queue and executors, and their JSON.
#include "jenkins/jenkinsworld.h"

#include <algorithm>
#include <chrono>

namespace pilothouse::sim {

namespace {

long long nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Jenkins' Util.rawEncode: a name as one path segment.
std::string encodeSegment(const std::string &name)
{
    static const char *hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : name) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            out.push_back(static_cast<char>(c));
        else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

const char *kRunClass = "org.jenkinsci.plugins.workflow.job.WorkflowRun";

const char *itemClass(JenkinsJobDef::Kind kind)
{
    switch (kind) {
    case JenkinsJobDef::Kind::Folder: return "com.cloudbees.hudson.plugins.folder.Folder";
    case JenkinsJobDef::Kind::MultiBranch: return "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject";
    case JenkinsJobDef::Kind::Pipeline:
    case JenkinsJobDef::Kind::Branch: return "org.jenkinsci.plugins.workflow.job.WorkflowJob";
    }
    return "";
}

Json userCause(const JenkinsUser &user)
{
    return {{"_class", "hudson.model.Cause$UserIdCause"}, {"shortDescription", "Started by user " + user.fullName},
            {"userId", user.id}, {"userName", user.fullName}};
}

int severity(const std::string &status)
{
    if (status == "FAILED")
        return 3;
    if (status == "ABORTED")
        return 2;
    if (status == "UNSTABLE")
        return 1;
    return 0;
}

}  // namespace

struct JenkinsWorld::Job {
    JenkinsJobDef def;
    Job *parent = nullptr;
    std::vector<Job *> children;
    std::map<int, std::unique_ptr<Build>> builds;
    int nextBuildNumber = 1;
    std::string relUrl;  // "job/shop/job/frontend-ci/"

    const std::string &name() const { return def.path.back(); }
    bool container() const { return def.kind == JenkinsJobDef::Kind::Folder || def.kind == JenkinsJobDef::Kind::MultiBranch; }
};

struct StageRun {
    bool started = false, ended = false;
    std::string status;
    long long startMs = 0, endMs = 0, pauseMs = 0;
    std::string log;
};

struct JenkinsWorld::Build {
    Job *job = nullptr;
    int number = 0;
    long long queueId = 0, queuedMs = 0, startMs = 0, endMs = 0;
    double scale = 1.0;
    JenkinsPlan plan;
    size_t cursor = 0;
    std::string console;
    std::vector<StageRun> stages;
    bool building = true;
    std::string result;
    bool paused = false;
    int pausedStage = -1;
    long long pauseStartMs = 0, pausedTotalMs = 0;
    std::vector<std::pair<std::string, std::string>> params;
    Json causes;
    std::string node;
    std::vector<std::pair<std::string, std::string>> inputValues;
    std::string inputAnsweredBy;
    // The GitOps stage's commit is being made: the build waits for the hook's answer.
    std::string description;
    bool hookPending = false, hookFailed = false;
    int hookStage = -1;
    long long hookStartMs = 0, hookWaitMs = 0;  // not pause time (that is the input's): the plan runs later by it
};

struct JenkinsWorld::QueueItem {
    long long id = 0;
    Job *job = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    Json causes;
    std::string deployedImage;  // when triggered
    long long inQueueSinceMs = 0, buildableAtMs = 0, leftMs = 0;
    bool cancelled = false;
    Build *build = nullptr;
    bool waiting() const { return !cancelled && !build; }
};

JenkinsWorld::JenkinsWorld(std::vector<JenkinsJobDef> jobs, double timeScale) : m_scale(timeScale > 0 ? timeScale : 1.0)
{
    m_nodes = {{"built-in", "built-in", 2}, {"linux-agent-1", "linux docker", 4}};
    for (auto &def : jobs)
        addJob(std::move(def));
    for (auto &job : m_jobs)
        addHistory(*job);
}

JenkinsWorld::~JenkinsWorld() { stopTicker(); }

void JenkinsWorld::setGitopsHook(JenkinsGitopsHook hook)
{
    std::lock_guard l(m_mutex);
    m_hook = std::move(hook);
}

void JenkinsWorld::setDeployedImageLookup(JenkinsDeployedImageLookup lookup)
{
    std::lock_guard l(m_mutex);
    m_deployedImage = std::move(lookup);
}

void JenkinsWorld::setBaseUrl(const std::string &url)
{
    std::lock_guard l(m_mutex);
    m_base = url.empty() || url.back() == '/' ? url : url + "/";
}

void JenkinsWorld::startTicker()
{
    if (m_ticker.joinable())
        return;
    m_tickerStop = false;
    m_ticker = std::thread([this] {
        std::unique_lock tl(m_tickerMutex);
        while (!m_tickerCv.wait_for(tl, std::chrono::milliseconds(100), [this] { return m_tickerStop; })) {
            tl.unlock();
            std::vector<JenkinsGitopsUpdate> updates;
            {
                auto l = lock();
                updates = advance();
            }
            runHooks(updates);
            tl.lock();
        }
    });
}

void JenkinsWorld::stopTicker()
{
    {
        std::lock_guard tl(m_tickerMutex);
        m_tickerStop = true;
    }
    m_tickerCv.notify_all();
    if (m_ticker.joinable())
        m_ticker.join();
}

JenkinsWorld::Job &JenkinsWorld::addJob(JenkinsJobDef def)
{
    auto job = std::make_unique<Job>();
    std::vector<std::string> parentPath(def.path.begin(), def.path.end() - 1);
    job->parent = parentPath.empty() ? nullptr : findJob(parentPath);
    job->def = std::move(def);
    job->relUrl = (job->parent ? job->parent->relUrl : std::string()) + "job/" + encodeSegment(job->name()) + "/";
    (job->parent ? job->parent->children : m_top).push_back(job.get());
    m_jobs.push_back(std::move(job));
    return *m_jobs.back();
}

void JenkinsWorld::addHistory(Job &job)
{
    if (!isBuildable(job) || job.def.history <= 0)
        return;
    const long long now = nowMs();
    const int count = job.def.history;
    const std::uint64_t seed = jenkinsSeed(jobFullName(job));
    bool failing = false, unstable = false;
    for (const auto &s : job.def.stages) {
        failing = failing || s.fails;
        unstable = unstable || s.unstable;
        for (const auto &b : s.parallel) {
            failing = failing || b.fails;
            unstable = unstable || b.unstable;
        }
    }
    for (int i = 1; i <= count; ++i) {
        // Builds a few hours apart, the newest about an hour ago.
        const long long start = now - (count - i + 1) * 9000000LL - static_cast<long long>((seed >> (i % 32)) % 1800000);
        Json causes = Json::array();
        if (job.def.kind == JenkinsJobDef::Kind::Branch)
            causes.push_back({{"_class", "jenkins.branch.BranchIndexingCause"}, {"shortDescription", "Branch indexing"}});
        else if (job.def.startedByHand)
            causes.push_back(userCause({"release.manager", "Release Manager"}));
        else
            causes.push_back({{"_class", "hudson.triggers.SCMTrigger$SCMTriggerCause"}, {"shortDescription", "Started by an SCM change"}});
        // A failing job went red two builds ago, an unstable one three.
        const bool healthy = (failing && i <= count - 2) || (unstable && i <= count - 3);
        Build &b = startBuild(job, m_nextQueueId++, withDefaults(job, {}), causes, start, start - 4000, 1.0,
                              m_nodes[static_cast<size_t>(i) % m_nodes.size()].name, healthy);
        const long long end = start + 86400000LL;
        for (int guard = 0; guard < 8 && b.building; ++guard) {
            advanceBuild(b, end, nullptr);
            if (b.paused)
                resumeInput(b, b.pauseStartMs + 120000 + static_cast<long long>(seed % 240000),
                            {{"CHANGE_TICKET", "CHG-" + std::to_string(1000 + (seed % 900) + static_cast<std::uint64_t>(i))}}, "Release Manager");
        }
    }
}

JenkinsWorld::Build &JenkinsWorld::startBuild(Job &job, long long queueId, std::vector<std::pair<std::string, std::string>> params,
                                              Json causes, long long startMs, long long queuedMs, double scale, const std::string &node,
                                              bool healthy, const std::string &deployedImage)
{
    auto b = std::make_unique<Build>();
    b->job = &job;
    b->number = job.nextBuildNumber++;
    b->queueId = queueId;
    b->queuedMs = queuedMs;
    b->startMs = startMs;
    b->scale = scale;
    b->params = std::move(params);
    b->causes = std::move(causes);
    b->node = node;
    JenkinsBuildSeed seed;
    seed.job = &job.def;
    seed.number = b->number;
    seed.fullName = jobFullName(job);
    std::string ws = seed.fullName;
    std::replace(ws.begin(), ws.end(), '%', '_');
    seed.workspace = (node == "built-in" ? "/var/jenkins_home/workspace/" : "/home/jenkins/agent/workspace/") + ws;
    seed.node = node == "built-in" ? "Jenkins" : node;
    seed.causeLine = b->causes.empty() ? "Started" : b->causes[0].value("shortDescription", "Started");
    seed.parameters = b->params;
    seed.healthy = healthy;
    seed.gitopsCommits = static_cast<bool>(m_hook);
    // After the deployed tag, and after the tag of a build of the same service planned before it
    // whose commit may not have reached the repository yet.
    const std::string key = job.def.ns + "/" + job.def.service;
    seed.deployedImage = deployedImage;
    if (auto planned = m_plannedImages.find(key); !deployedImage.empty() && planned != m_plannedImages.end()) {
        const std::string &p = planned->second;
        const size_t pc = p.rfind(':'), dc = deployedImage.rfind(':');
        if (p.compare(0, pc, deployedImage, 0, dc) == 0 && imageTagAfter(p.substr(pc + 1), deployedImage.substr(dc + 1)))
            seed.deployedImage = p;
    }
    b->plan = planJenkinsBuild(seed);
    if (!deployedImage.empty())
        m_plannedImages[key] = b->plan.image;
    b->stages.resize(b->plan.stages.size());
    Build &ref = *b;
    job.builds[ref.number] = std::move(b);
    return ref;
}

std::vector<JenkinsGitopsUpdate> JenkinsWorld::advance()
{
    const long long now = nowMs();
    std::vector<JenkinsGitopsUpdate> updates;
    for (auto &[id, item] : m_queue) {
        if (!item->waiting() || now < item->buildableAtMs)
            continue;
        std::string node = freeNode();
        if (node.empty())
            break;
        item->build = &startBuild(*item->job, id, item->params, item->causes, now, item->inQueueSinceMs, m_scale, node, false,
                                  item->deployedImage);
        item->leftMs = now;
    }
    for (auto &job : m_jobs)
        for (auto it = job->builds.rbegin(); it != job->builds.rend(); ++it)
            if (it->second->building)
                advanceBuild(*it->second, now, &updates);
    return updates;
}

void JenkinsWorld::runHooks(const std::vector<JenkinsGitopsUpdate> &updates)
{
    JenkinsGitopsHook hook;
    {
        std::lock_guard l(m_mutex);
        hook = m_hook;
    }
    for (const auto &u : updates) {
        JenkinsGitopsResult result;
        if (hook)
            result = hook(u);
        if (!result.log.empty() && result.log.back() != '\n')
            result.log.push_back('\n');
        std::lock_guard l(m_mutex);
        std::vector<std::string> names;
        size_t start = 0;
        for (size_t slash; (slash = u.jobFullName.find('/', start)) != std::string::npos; start = slash + 1)
            names.push_back(u.jobFullName.substr(start, slash - start));
        names.push_back(u.jobFullName.substr(start));
        Job *job = findJob(names);
        if (!job || !job->builds.count(u.build))
            continue;
        Build &b = *job->builds[u.build];
        if (!b.hookPending)
            continue;  // stopped meanwhile
        b.hookPending = false;
        b.hookFailed = result.failed;
        if (!result.description.empty())
            b.description = result.description;
        b.hookWaitMs += std::max(0LL, nowMs() - b.hookStartMs);  // the stage lasted as long as the push
        b.console += result.log;
        b.stages[static_cast<size_t>(b.hookStage)].log += result.log;
    }
}

std::string JenkinsWorld::freeNode() const
{
    std::map<std::string, int> busy;
    for (const auto &job : m_jobs)
        for (const auto &[n, b] : job->builds)
            if (b->building)
                ++busy[b->node];
    for (const auto &n : m_nodes)
        if (busy[n.name] < n.executors)
            return n.name;
    return {};
}

void JenkinsWorld::advanceBuild(Build &b, long long now, std::vector<JenkinsGitopsUpdate> *updates)
{
    while (b.building && !b.paused && !b.hookPending && b.cursor < b.plan.events.size()) {
        const JenkinsPlanEvent &e = b.plan.events[b.cursor];
        const double planNow = static_cast<double>(now - b.startMs - b.pausedTotalMs - b.hookWaitMs) * b.scale;
        if (static_cast<double>(e.atMs) > planNow)
            break;
        const long long at = b.startMs + b.pausedTotalMs + b.hookWaitMs + static_cast<long long>(static_cast<double>(e.atMs) / b.scale);
        ++b.cursor;
        switch (e.kind) {
        case JenkinsPlanEvent::Kind::Line:
            b.console += e.text;
            if (e.stage >= 0) {
                b.stages[static_cast<size_t>(e.stage)].log += e.text;
                const int parent = b.plan.stages[static_cast<size_t>(e.stage)].parent;
                if (parent >= 0)
                    b.stages[static_cast<size_t>(parent)].log += e.text;
            }
            break;
        case JenkinsPlanEvent::Kind::StageStart: {
            StageRun &st = b.stages[static_cast<size_t>(e.stage)];
            st.started = true;
            st.startMs = at;
            st.status = "IN_PROGRESS";
            break;
        }
        case JenkinsPlanEvent::Kind::GitopsHook:
            if (updates && m_hook) {
                updates->push_back({jobFullName(*b.job), b.number, b.job->def.service, b.job->def.ns, b.plan.image, b.plan.imageTag, b.plan.commit});
                b.hookPending = true;
                b.hookStage = e.stage;
                b.hookStartMs = now;
            }
            break;
        case JenkinsPlanEvent::Kind::StageEnd: {
            StageRun &st = b.stages[static_cast<size_t>(e.stage)];
            const JenkinsPlannedStage &ps = b.plan.stages[static_cast<size_t>(e.stage)];
            st.ended = true;
            st.endMs = at;
            st.status = ps.fails || (ps.gitopsTag && b.hookFailed) ? "FAILED" : ps.unstable ? "UNSTABLE" : "SUCCESS";
            for (size_t i = 0; i < b.plan.stages.size(); ++i)
                if (b.plan.stages[i].parent == e.stage && severity(b.stages[i].status) > severity(st.status))
                    st.status = b.stages[i].status;
            break;
        }
        case JenkinsPlanEvent::Kind::InputPause:
            b.paused = true;
            b.pausedStage = e.stage;
            b.pauseStartMs = at;
            b.stages[static_cast<size_t>(e.stage)].status = "PAUSED_PENDING_INPUT";
            break;
        case JenkinsPlanEvent::Kind::Finish:
            finishBuild(b, b.hookFailed ? "FAILURE" : b.plan.result, at);
            break;
        }
    }
}

void JenkinsWorld::resumeInput(Build &b, long long atMs, const std::vector<std::pair<std::string, std::string>> &values, const std::string &by)
{
    StageRun &st = b.stages[static_cast<size_t>(b.pausedStage)];
    const long long paused = std::max(0LL, atMs - b.pauseStartMs);
    b.pausedTotalMs += paused;
    st.pauseMs += paused;
    st.status = "IN_PROGRESS";
    b.paused = false;
    b.inputValues = values;
    b.inputAnsweredBy = by;
    std::string text = "Approved by " + by + "\n";
    for (const auto &[k, v] : values)
        text += "[Pipeline] echo\n" + k + ": " + v + "\n";
    b.console += text;
    st.log += text;
}

void JenkinsWorld::finishBuild(Build &b, const std::string &result, long long atMs)
{
    b.building = false;
    b.paused = false;
    b.result = result;
    b.endMs = std::max(atMs, b.startMs);
    for (size_t i = 0; i < b.stages.size(); ++i)
        if (b.plan.stages[i].skipped && result != "ABORTED")
            b.stages[i].status = "NOT_EXECUTED";
    b.console += "Finished: " + result + "\n";
}

void JenkinsWorld::abortBuild(Build &b, long long atMs, const std::string &line)
{
    b.hookPending = false;
    if (b.paused) {
        const long long paused = std::max(0LL, atMs - b.pauseStartMs);
        b.pausedTotalMs += paused;
        b.stages[static_cast<size_t>(b.pausedStage)].pauseMs += paused;
    }
    b.console += line;
    for (auto &st : b.stages) {
        if (st.started && !st.ended) {
            st.ended = true;
            st.endMs = atMs;
            st.status = "ABORTED";
            b.console += "[Pipeline] }\n[Pipeline] // stage\n";
        }
    }
    b.console += "[Pipeline] }\n[Pipeline] // node\n[Pipeline] End of Pipeline\n";
    finishBuild(b, "ABORTED", atMs);
}

JenkinsWorld::Job *JenkinsWorld::findJob(const std::vector<std::string> &names) const
{
    const std::vector<Job *> *level = &m_top;
    Job *found = nullptr;
    for (const auto &n : names) {
        auto it = std::find_if(level->begin(), level->end(), [&](const Job *j) { return j->name() == n; });
        if (it == level->end())
            return nullptr;
        found = *it;
        level = &found->children;
    }
    return found;
}

JenkinsWorld::Build *JenkinsWorld::findBuild(Job &job, const std::string &id) const
{
    if (!id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        auto it = job.builds.find(std::atoi(id.c_str()));
        return it == job.builds.end() ? nullptr : it->second.get();
    }
    auto match = [&](const Build &b) {
        if (id == "lastBuild")
            return true;
        if (b.building)
            return false;
        if (id == "lastCompletedBuild")
            return true;
        if (id == "lastSuccessfulBuild")
            return b.result == "SUCCESS" || b.result == "UNSTABLE";
        if (id == "lastStableBuild")
            return b.result == "SUCCESS";
        if (id == "lastFailedBuild")
            return b.result == "FAILURE";
        if (id == "lastUnstableBuild")
            return b.result == "UNSTABLE";
        if (id == "lastUnsuccessfulBuild")
            return b.result != "SUCCESS";
        return false;
    };
    for (auto it = job.builds.rbegin(); it != job.builds.rend(); ++it)
        if (match(*it->second))
            return it->second.get();
    return nullptr;
}

bool JenkinsWorld::isBuildable(const Job &job) const { return !job.container(); }
bool JenkinsWorld::isParameterized(const Job &job) const { return !job.def.parameters.empty(); }

std::string JenkinsWorld::jobUrl(const Job &job) const { return m_base + job.relUrl; }
std::string JenkinsWorld::buildUrl(const Build &b) const { return jobUrl(*b.job) + std::to_string(b.number) + "/"; }

std::string JenkinsWorld::jobFullName(const Job &job) const
{
    std::string out;
    for (const auto &n : job.def.path)
        out += (out.empty() ? "" : "/") + n;
    return out;
}

namespace {

std::string displayNameOf(const JenkinsJobDef &def) { return def.displayName.empty() ? def.path.back() : def.displayName; }

}  // namespace

std::string JenkinsWorld::color(const Job &job) const
{
    const Build *last = findBuild(const_cast<Job &>(job), "lastCompletedBuild");
    bool building = std::any_of(job.builds.begin(), job.builds.end(), [](const auto &e) { return e.second->building; });
    std::string c = "notbuilt";
    if (last)
        c = last->result == "SUCCESS" ? "blue" : last->result == "FAILURE" ? "red" : last->result == "UNSTABLE" ? "yellow" : "aborted";
    return building ? c + "_anime" : c;
}

Json JenkinsWorld::jobRef(const Job &job) const
{
    Json j = {{"_class", itemClass(job.def.kind)}, {"name", job.name()}, {"url", jobUrl(job)}};
    if (!job.container())
        j["color"] = color(job);
    return j;
}

Json JenkinsWorld::buildRef(const Build *b) const
{
    if (!b)
        return nullptr;
    return {{"_class", kRunClass}, {"number", b->number}, {"url", buildUrl(*b)}};
}

std::vector<std::pair<std::string, std::string>> JenkinsWorld::withDefaults(const Job &job,
                                                                             const std::vector<std::pair<std::string, std::string>> &given) const
{
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto &p : job.def.parameters) {
        auto it = std::find_if(given.begin(), given.end(), [&](const auto &g) { return g.first == p.name; });
        std::string v = it == given.end() ? p.defaultValue : it->second;
        if (p.type == JenkinsParameterDef::Type::Boolean)
            v = (v == "true" || v == "True" || v == "on" || v == "1") ? "true" : "false";
        if (p.type == JenkinsParameterDef::Type::Choice && std::find(p.choices.begin(), p.choices.end(), v) == p.choices.end())
            throw JenkinsError(400, "Illegal choice for parameter " + p.name + ": " + v);
        out.emplace_back(p.name, v);
    }
    return out;
}

Json JenkinsWorld::parametersAction(const Job &job, const std::vector<std::pair<std::string, std::string>> &values) const
{
    Json params = Json::array();
    for (const auto &[k, v] : values) {
        auto def = std::find_if(job.def.parameters.begin(), job.def.parameters.end(), [&](const auto &p) { return p.name == k; });
        if (def != job.def.parameters.end())
            params.push_back(def->valueJson(v));
    }
    return {{"_class", "hudson.model.ParametersAction"}, {"parameters", params}};
}

Json JenkinsWorld::rootJson(const JenkinsShape &shape) const
{
    Json allView = {{"_class", "hudson.model.AllView"}, {"name", "all"}, {"url", m_base}};
    Json j = {{"_class", "hudson.model.Hudson"},
              {"assignedLabels", Json::array({{{"name", "built-in"}}})},
              {"mode", "NORMAL"},
              {"nodeDescription", "the Jenkins controller's built-in node"},
              {"nodeName", ""},
              {"numExecutors", m_nodes[0].executors},
              {"description", "Pilothouse demo CI (simulated)"},
              {"overallLoad", Json::object()},
              {"primaryView", allView},
              {"quietDownReason", nullptr},
              {"quietingDown", false},
              {"slaveAgentPort", -1},
              {"unlabeledLoad", {{"_class", "jenkins.model.UnlabeledLoadStatistics"}}},
              {"url", m_base},
              {"useCrumbs", true},
              {"useSecurity", true},
              {"views", Json::array({allView})}};
    if (shape.want("jobs")) {
        Json jobs = Json::array();
        JenkinsShape c = shape.child("jobs");
        for (const Job *job : m_top)
            jobs.push_back(c.expand() ? itemJson(*job, c) : jobRef(*job));
        j["jobs"] = jobs;
    }
    return j;
}

Json JenkinsWorld::itemJson(const Job &job, const JenkinsShape &shape) const
{
    const std::string fullName = jobFullName(job);
    std::string fullDisplay;
    for (const Job *p = &job; p; p = p->parent)
        fullDisplay = displayNameOf(p->def) + (fullDisplay.empty() ? "" : " » " + fullDisplay);
    Json j = {{"_class", itemClass(job.def.kind)},
              {"description", job.def.description.empty() ? Json(nullptr) : Json(job.def.description)},
              {"displayName", displayNameOf(job.def)},
              {"displayNameOrNull", job.def.displayName.empty() ? Json(nullptr) : Json(job.def.displayName)},
              {"fullDisplayName", fullDisplay},
              {"fullName", fullName},
              {"name", job.name()},
              {"url", jobUrl(job)}};
    if (job.container()) {
        j["actions"] = Json::array({Json::object()});
        j["healthReport"] = Json::array();
        Json view = {{"_class", "hudson.model.AllView"}, {"name", "All"}, {"url", jobUrl(job)}};
        j["primaryView"] = view;
        j["views"] = Json::array({view});
        if (shape.want("jobs")) {
            Json jobs = Json::array();
            JenkinsShape c = shape.child("jobs");
            for (const Job *child : job.children)
                jobs.push_back(c.expand() ? itemJson(*child, c) : jobRef(*child));
            j["jobs"] = jobs;
        }
        if (job.def.kind == JenkinsJobDef::Kind::MultiBranch)
            j["sources"] = Json::array({Json::object()});
        return j;
    }
    Json paramsProperty = nullptr;
    if (!job.def.parameters.empty()) {
        Json defs = Json::array();
        for (const auto &p : job.def.parameters)
            defs.push_back(p.definitionJson());
        paramsProperty = {{"_class", "hudson.model.ParametersDefinitionProperty"}, {"parameterDefinitions", defs}};
    }
    Json actions = Json::array();
    if (!paramsProperty.is_null())
        actions.push_back(paramsProperty);
    actions.push_back(Json::object());
    j["actions"] = actions;
    j["buildable"] = true;
    auto builds = [&](const char *field, size_t limit) {
        Json arr = Json::array();
        JenkinsShape c = shape.child(field);
        // A {from,to} range is cut by the pruner; builds outside it are not made at all (a job with
        // a long history asked page by page, as Jenkins loads only the builds a range reaches).
        const size_t from = c.tree && c.tree->from ? static_cast<size_t>(std::max(0LL, *c.tree->from)) : 0;
        if (c.tree && c.tree->to)
            limit = std::min(limit, static_cast<size_t>(std::max(0LL, *c.tree->to)));
        size_t n = 0;
        for (auto it = job.builds.rbegin(); it != job.builds.rend() && n < limit; ++it, ++n)
            arr.push_back(n < from ? Json() : c.expand() ? buildJson(*it->second, c) : buildRef(it->second.get()));
        return arr;
    };
    if (shape.want("builds"))
        j["builds"] = builds("builds", 100);
    if (shape.tree && shape.want("allBuilds"))
        j["allBuilds"] = builds("allBuilds", job.builds.size());
    j["color"] = color(job);
    auto permalink = [&](const char *field, const char *id) {
        if (!shape.want(field))
            return;
        const Build *b = id ? findBuild(const_cast<Job &>(job), id) : (job.builds.empty() ? nullptr : job.builds.begin()->second.get());
        JenkinsShape c = shape.child(field);
        j[field] = b && c.expand() && c.depth >= 0 && (shape.tree || shape.depth > 0) ? buildJson(*b, c) : buildRef(b);
    };
    permalink("firstBuild", nullptr);
    permalink("lastBuild", "lastBuild");
    permalink("lastCompletedBuild", "lastCompletedBuild");
    permalink("lastFailedBuild", "lastFailedBuild");
    permalink("lastStableBuild", "lastStableBuild");
    permalink("lastSuccessfulBuild", "lastSuccessfulBuild");
    permalink("lastUnstableBuild", "lastUnstableBuild");
    permalink("lastUnsuccessfulBuild", "lastUnsuccessfulBuild");
    // Build stability over the last five completed builds, as Jenkins' health report says it.
    int considered = 0, failed = 0;
    for (auto it = job.builds.rbegin(); it != job.builds.rend() && considered < 5; ++it) {
        if (it->second->building)
            continue;
        ++considered;
        if (it->second->result == "FAILURE")
            ++failed;
    }
    Json health = Json::array();
    if (considered > 0) {
        const int score = 100 * (considered - failed) / considered;
        const char *icon = score > 79 ? "health-80plus" : score > 59 ? "health-60to79" : score > 39 ? "health-40to59" : score > 19 ? "health-20to39" : "health-00to19";
        health.push_back({{"description", "Build stability: " + (failed == 0 ? std::string("No recent builds failed.")
                                                                             : std::to_string(failed) + " out of the last " + std::to_string(considered) + " builds failed.")},
                          {"iconClassName", std::string("icon-") + icon},
                          {"iconUrl", std::string(icon) + ".png"},
                          {"score", score}});
    }
    j["healthReport"] = health;
    const QueueItem *queued = nullptr;
    for (const auto &[id, item] : m_queue)
        if (item->job == &job && item->waiting())
            queued = item.get();
    j["inQueue"] = queued != nullptr;
    j["keepDependencies"] = false;
    j["nextBuildNumber"] = job.nextBuildNumber;
    Json property = Json::array();
    if (job.def.kind == JenkinsJobDef::Kind::Branch)
        property.push_back({{"_class", "org.jenkinsci.plugins.workflow.multibranch.BranchJobProperty"}, {"branch", Json::object()}});
    if (!paramsProperty.is_null())
        property.push_back(paramsProperty);
    j["property"] = property;
    j["queueItem"] = queued && shape.want("queueItem") ? queueItemJson(queued->id, shape.child("queueItem")) : Json(nullptr);
    j["concurrentBuild"] = true;
    j["resumeBlocked"] = false;
    return j;
}

Json JenkinsWorld::buildJson(const Build &b, const JenkinsShape &shape) const
{
    const Job &job = *b.job;
    Json actions = Json::array();
    if (!job.def.parameters.empty())
        actions.push_back(parametersAction(job, b.params));
    actions.push_back({{"_class", "hudson.model.CauseAction"}, {"causes", b.causes}});
    actions.push_back({{"_class", "hudson.plugins.git.util.BuildData"},
                       {"lastBuiltRevision", {{"SHA1", b.plan.commit}, {"branch", Json::array({{{"SHA1", b.plan.commit}, {"name", "refs/remotes/origin/main"}}})}}},
                       {"remoteUrls", Json::array({"https://git.pilothouse.local/" + (job.def.ns.empty() ? std::string("demo") : job.def.ns) + "/" +
                                                   (job.def.service.empty() ? job.name() : job.def.service) + ".git"})},
                       {"scmName", ""}});
    bool hasInput = false;
    for (const auto &s : b.plan.stages)
        hasInput = hasInput || s.input;
    if (hasInput)
        actions.push_back({{"_class", "org.jenkinsci.plugins.workflow.support.steps.input.InputAction"}});
    actions.push_back({{"_class", "org.jenkinsci.plugins.workflow.job.views.FlowGraphAction"}});
    long long estimated = -1, sum = 0, n = 0;
    for (auto it = job.builds.rbegin(); it != job.builds.rend() && n < 3; ++it)
        if (!it->second->building && (it->second->result == "SUCCESS" || it->second->result == "UNSTABLE")) {
            sum += it->second->endMs - it->second->startMs;
            ++n;
        }
    if (n > 0)
        estimated = sum / n;
    std::string fullDisplay;
    for (const Job *p = &job; p; p = p->parent)
        fullDisplay = displayNameOf(p->def) + (fullDisplay.empty() ? "" : " » " + fullDisplay);
    auto prev = job.builds.find(b.number - 1), next = job.builds.find(b.number + 1);
    Json j = {{"_class", kRunClass},
              {"actions", actions},
              {"artifacts", Json::array()},
              {"building", b.building},
              {"description", b.description.empty() ? Json(nullptr) : Json(b.description)},
              {"displayName", "#" + std::to_string(b.number)},
              {"duration", b.building ? 0 : b.endMs - b.startMs},
              {"estimatedDuration", estimated},
              {"executor", b.building ? Json({{"_class", "hudson.model.OneOffExecutor"}}) : Json(nullptr)},
              {"fullDisplayName", fullDisplay + " #" + std::to_string(b.number)},
              {"id", std::to_string(b.number)},
              {"keepLog", false},
              {"number", b.number},
              {"queueId", b.queueId},
              {"result", b.building ? Json(nullptr) : Json(b.result)},
              {"timestamp", b.startMs},
              {"url", buildUrl(b)},
              {"builtOn", b.node == "built-in" ? std::string() : b.node},
              {"culprits", Json::array()},
              {"inProgress", b.building},
              {"nextBuild", next == job.builds.end() ? Json(nullptr) : buildRef(next->second.get())},
              {"previousBuild", prev == job.builds.end() ? Json(nullptr) : buildRef(prev->second.get())}};
    if (shape.want("changeSets")) {
        static const char *authors[] = {"Ana Kovač", "Jonas Berg", "Mei Tanaka", "Samir Haddad", "Lucía Romero"};
        const std::string author = authors[jenkinsSeed(b.plan.commit) % 5];
        Json item = {{"_class", "hudson.plugins.git.GitChangeSet"},
                     {"affectedPaths", Json::array({"src/main/java/dev/pilothouse/Application.java"})},
                     {"commitId", b.plan.commit},
                     {"timestamp", b.startMs - 600000},
                     {"author", {{"absoluteUrl", m_base + "user/" + encodeSegment(author)}, {"fullName", author}}},
                     {"authorEmail", "dev@pilothouse.local"},
                     {"comment", b.plan.commitMessage + "\n"},
                     {"id", b.plan.commit},
                     {"msg", b.plan.commitMessage},
                     {"paths", Json::array({{{"editType", "edit"}, {"file", "src/main/java/dev/pilothouse/Application.java"}}})}};
        j["changeSets"] = Json::array({{{"_class", "hudson.plugins.git.GitChangeSetList"}, {"items", Json::array({item})}, {"kind", "git"}}});
    }
    return j;
}

Json JenkinsWorld::queueItemJson(long long id, const JenkinsShape &shape) const
{
    (void)shape;
    auto it = m_queue.find(id);
    if (it == m_queue.end())
        throw JenkinsError(404, "no such queue item " + std::to_string(id));
    const QueueItem &q = *it->second;
    const long long now = nowMs();
    Json actions = Json::array();
    if (!q.job->def.parameters.empty())
        actions.push_back(parametersAction(*q.job, q.params));
    actions.push_back({{"_class", "hudson.model.CauseAction"}, {"causes", q.causes}});
    std::string paramsText;
    for (const auto &[k, v] : q.params) {
        auto def = std::find_if(q.job->def.parameters.begin(), q.job->def.parameters.end(), [&](const auto &p) { return p.name == k; });
        const bool secret = def != q.job->def.parameters.end() && def->type == JenkinsParameterDef::Type::Password;
        paramsText += "\n" + k + "=" + (secret ? std::string("****") : v);
    }
    Json j = {{"actions", actions},
              {"blocked", false},
              {"id", q.id},
              {"inQueueSince", q.inQueueSinceMs},
              {"params", paramsText},
              {"stuck", false},
              {"task", jobRef(*q.job)},
              {"url", "queue/item/" + std::to_string(q.id) + "/"}};
    if (q.cancelled || q.build) {
        j["_class"] = "hudson.model.Queue$LeftItem";
        j["buildable"] = false;
        j["why"] = nullptr;
        j["cancelled"] = q.cancelled;
        j["executable"] = q.build ? buildRef(q.build) : Json(nullptr);
        j["timestamp"] = q.buildableAtMs;
    } else if (now < q.buildableAtMs) {
        char why[96];
        std::snprintf(why, sizeof why, "In the quiet period. Expires in %.1f sec", static_cast<double>(q.buildableAtMs - now) / 1000.0);
        j["_class"] = "hudson.model.Queue$WaitingItem";
        j["buildable"] = false;
        j["why"] = why;
        j["timestamp"] = q.buildableAtMs;
    } else {
        j["_class"] = "hudson.model.Queue$BuildableItem";
        j["buildable"] = true;
        j["buildableStartMilliseconds"] = q.buildableAtMs;
        j["pending"] = false;
        j["why"] = "Waiting for next available executor";
    }
    return j;
}

Json JenkinsWorld::queueJson(const JenkinsShape &shape) const
{
    Json items = Json::array();
    for (auto it = m_queue.rbegin(); it != m_queue.rend(); ++it)
        if (it->second->waiting())
            items.push_back(queueItemJson(it->first, shape.child("items")));
    return {{"_class", "hudson.model.Queue"}, {"discoverableItems", Json::array()}, {"items", items}};
}

Json JenkinsWorld::computersJson(const JenkinsShape &shape) const
{
    (void)shape;
    Json computers = Json::array();
    int busyTotal = 0, total = 0;
    for (const auto &n : m_nodes) {
        std::vector<const Build *> running;
        for (const auto &job : m_jobs)
            for (const auto &[num, b] : job->builds)
                if (b->building && b->node == n.name)
                    running.push_back(b.get());
        Json executors = Json::array();
        for (int i = 0; i < n.executors; ++i) {
            const Build *b = i < static_cast<int>(running.size()) ? running[static_cast<size_t>(i)] : nullptr;
            executors.push_back({{"_class", "hudson.model.Executor"}, {"currentExecutable", buildRef(b)}, {"idle", b == nullptr},
                                 {"likelyStuck", false}, {"number", i}, {"progress", b ? 50 : -1}});
        }
        busyTotal += static_cast<int>(running.size());
        total += n.executors;
        Json labels = Json::array();
        size_t start = 0;
        std::string all = n.label + " " + n.name;
        for (size_t sp; start <= all.size(); start = sp + 1) {
            sp = all.find(' ', start);
            if (sp == std::string::npos)
                sp = all.size();
            if (sp > start)
                labels.push_back({{"name", all.substr(start, sp - start)}});
        }
        const bool builtIn = n.name == "built-in";
        computers.push_back({{"_class", builtIn ? "hudson.model.Hudson$MasterComputer" : "hudson.slaves.SlaveComputer"},
                             {"actions", Json::array()},
                             {"assignedLabels", labels},
                             {"description", builtIn ? "the Jenkins controller's built-in node" : "Linux agent with Docker"},
                             {"displayName", builtIn ? "Built-In Node" : n.name},
                             {"executors", executors},
                             {"icon", "symbol-computer"},
                             {"iconClassName", "symbol-computer"},
                             {"idle", running.empty()},
                             {"jnlpAgent", !builtIn},
                             {"launchSupported", true},
                             {"manualLaunchAllowed", true},
                             {"monitorData", Json::object()},
                             {"numExecutors", n.executors},
                             {"offline", false},
                             {"offlineCause", nullptr},
                             {"offlineCauseReason", ""},
                             {"oneOffExecutors", Json::array()},
                             {"temporarilyOffline", false}});
    }
    return {{"_class", "hudson.model.ComputerSet"}, {"busyExecutors", busyTotal}, {"computer", computers}, {"displayName", "Nodes"},
            {"totalExecutors", total}};
}

Json JenkinsWorld::userJson(const JenkinsUser &user) const
{
    return {{"_class", "hudson.model.User"},
            {"absoluteUrl", m_base + "user/" + encodeSegment(user.id)},
            {"description", nullptr},
            {"fullName", user.fullName},
            {"id", user.id},
            {"property", Json::array({{{"_class", "jenkins.security.ApiTokenProperty"}},
                                      {{"_class", "hudson.tasks.Mailer$UserProperty"}, {"address", user.id + "@pilothouse.local"}}})}};
}

Json JenkinsWorld::stageJson(const Build &b, size_t i) const
{
    const JenkinsPlannedStage &ps = b.plan.stages[i];
    const StageRun &st = b.stages[i];
    const long long now = nowMs();
    const std::string base = "/" + b.job->relUrl + std::to_string(b.number) + "/execution/node/" + std::to_string(ps.id) + "/wfapi/";
    long long duration = st.ended ? st.endMs - st.startMs : st.started ? (b.building ? now : b.endMs) - st.startMs : 0;
    if (b.paused && static_cast<int>(i) == b.pausedStage)
        duration = now - st.startMs;
    Json j = {{"_links", {{"self", {{"href", base + "describe"}}}}},
              {"id", std::to_string(ps.id)},
              {"name", ps.name},
              {"execNode", ""},
              {"status", st.status},
              {"startTimeMillis", st.started ? st.startMs : (b.building ? 0 : b.endMs)},
              {"durationMillis", std::max(0LL, duration)},
              {"pauseDurationMillis", st.pauseMs + (b.paused && static_cast<int>(i) == b.pausedStage ? now - b.pauseStartMs : 0)}};
    if (st.status == "FAILED")
        j["error"] = {{"message", "script returned exit code 1"}, {"type", "hudson.AbortException"}};
    return j;
}

Json JenkinsWorld::wfapiDescribe(const Build &b) const
{
    const long long now = nowMs();
    std::string status;
    if (b.building)
        status = b.paused ? "PAUSED_PENDING_INPUT" : "IN_PROGRESS";
    else
        status = b.result == "FAILURE" ? "FAILED" : b.result;
    const std::string base = "/" + b.job->relUrl + std::to_string(b.number) + "/wfapi/";
    Json links = {{"self", {{"href", base + "describe"}}}, {"changesets", {{"href", base + "changesets"}}},
                  {"artifacts", {{"href", base + "artifacts"}}}};
    if (b.paused)
        links["pendingInputActions"] = {{"href", base + "pendingInputActions"}};
    Json stages = Json::array();
    for (size_t i = 0; i < b.stages.size(); ++i)
        if (b.stages[i].started || (!b.building && b.stages[i].status == "NOT_EXECUTED"))
            stages.push_back(stageJson(b, i));
    long long pause = b.pausedTotalMs + (b.paused ? now - b.pauseStartMs : 0);
    const long long end = b.building ? now : b.endMs;
    return {{"_links", links},
            {"id", std::to_string(b.number)},
            {"name", "#" + std::to_string(b.number)},
            {"status", status},
            {"startTimeMillis", b.startMs},
            {"endTimeMillis", end},
            {"durationMillis", end - b.startMs},
            {"queueDurationMillis", std::max(0LL, b.startMs - b.queuedMs)},
            {"pauseDurationMillis", pause},
            {"stages", stages}};
}

Json JenkinsWorld::wfapiRuns(const Job &job) const
{
    Json runs = Json::array();
    int n = 0;
    for (auto it = job.builds.rbegin(); it != job.builds.rend() && n < 10; ++it, ++n)
        runs.push_back(wfapiDescribe(*it->second));
    return runs;
}

Json JenkinsWorld::wfapiJobDescribe(const Job &job) const
{
    return {{"_links", {{"self", {{"href", "/" + job.relUrl + "wfapi/describe"}}}, {"runs", {{"href", "/" + job.relUrl + "wfapi/runs"}}}}},
            {"name", job.name()},
            {"runCount", job.builds.size()}};
}

namespace {

// A stage's node id, or its one step's (id + 1).
int stageIndexOf(const JenkinsPlan &plan, const std::string &nodeId, bool &step)
{
    const int id = std::atoi(nodeId.c_str());
    for (size_t i = 0; i < plan.stages.size(); ++i) {
        if (plan.stages[i].id == id || plan.stages[i].id + 1 == id) {
            step = plan.stages[i].id + 1 == id;
            return static_cast<int>(i);
        }
    }
    return -1;
}

}  // namespace

Json JenkinsWorld::wfapiNodeDescribe(const Build &b, const std::string &nodeId) const
{
    bool step = false;
    const int i = stageIndexOf(b.plan, nodeId, step);
    if (i < 0 || !b.stages[static_cast<size_t>(i)].started)
        throw JenkinsError(404, "no flow node " + nodeId);
    Json j = stageJson(b, static_cast<size_t>(i));
    const JenkinsPlannedStage &ps = b.plan.stages[static_cast<size_t>(i)];
    const std::string base = "/" + b.job->relUrl + std::to_string(b.number) + "/execution/node/" + std::to_string(ps.id + 1) + "/wfapi/";
    Json stepNode = j;
    stepNode["_links"] = {{"self", {{"href", base + "describe"}}}, {"log", {{"href", base + "log"}}}};
    stepNode["id"] = std::to_string(ps.id + 1);
    stepNode["name"] = ps.input ? "Wait for interactive input" : "Shell Script";
    stepNode["parameterDescription"] = ps.def ? ps.def->name : ps.name;
    stepNode["parentNodes"] = Json::array({std::to_string(ps.id)});
    j["stageFlowNodes"] = Json::array({stepNode});
    return step ? stepNode : j;
}

Json JenkinsWorld::wfapiNodeLog(const Build &b, const std::string &nodeId) const
{
    bool step = false;
    const int i = stageIndexOf(b.plan, nodeId, step);
    if (i < 0)
        throw JenkinsError(404, "no flow node " + nodeId);
    const StageRun &st = b.stages[static_cast<size_t>(i)];
    return {{"nodeId", nodeId},
            {"nodeStatus", st.status},
            {"length", st.log.size()},
            {"hasMore", b.building && st.started && !st.ended},
            {"text", st.log},
            {"consoleUrl", "/" + b.job->relUrl + std::to_string(b.number) + "/execution/node/" + nodeId + "/log"}};
}

Json JenkinsWorld::pendingInputActions(const Build &b) const
{
    Json out = Json::array();
    if (!b.building || !b.paused)
        return out;
    const JenkinsStageDef &def = *b.plan.stages[static_cast<size_t>(b.pausedStage)].def;
    const std::string base = "/" + b.job->relUrl + std::to_string(b.number) + "/";
    Json inputs = Json::array();
    for (const auto &p : def.inputParameters)
        inputs.push_back({{"type", p.typeName()}, {"name", p.name}, {"description", p.description}, {"definition", p.definitionJson()}});
    out.push_back({{"id", def.inputId},
                   {"proceedText", def.inputOk},
                   {"message", def.inputMessage},
                   {"inputs", inputs},
                   {"proceedUrl", base + "wfapi/inputSubmit?inputId=" + def.inputId},
                   {"abortUrl", base + "input/" + def.inputId + "/abort"},
                   {"redirectApprovalUrl", base + "input/"}});
    return out;
}

Json JenkinsWorld::stagesTree(const Build &b) const
{
    const long long now = nowMs();
    auto node = [&](size_t i, const char *type) {
        const JenkinsPlannedStage &ps = b.plan.stages[i];
        const StageRun &st = b.stages[i];
        std::string state = st.status == "SUCCESS" ? "success" : st.status == "FAILED" ? "failure" : st.status == "UNSTABLE" ? "unstable"
                          : st.status == "ABORTED" ? "aborted" : st.status == "IN_PROGRESS" ? "running"
                          : st.status == "PAUSED_PENDING_INPUT" ? "paused" : ps.skippedByWhen ? "skipped" : "not_built";
        const long long duration = st.ended ? st.endMs - st.startMs : st.started ? now - st.startMs : 0;
        const long long planned = std::max(1LL, static_cast<long long>(static_cast<double>(ps.durationMs) / b.scale));
        const int percent = st.ended ? 100 : st.started ? static_cast<int>(std::min(99LL, 100 * duration / planned)) : 0;
        return Json{{"name", ps.name},
                    {"title", ps.name},
                    {"state", state},
                    {"completePercent", percent},
                    {"id", std::to_string(ps.id)},
                    {"type", type},
                    {"children", Json::array()},
                    {"pauseDurationMillis", st.pauseMs + (b.paused && static_cast<int>(i) == b.pausedStage ? now - b.pauseStartMs : 0)},
                    {"startTimeMillis", st.started ? st.startMs : 0},
                    {"totalDurationMillis", std::max(0LL, duration)}};
    };
    auto shown = [&](size_t i) { return b.stages[i].started || (!b.building && b.stages[i].status == "NOT_EXECUTED"); };
    Json stages = Json::array();
    for (size_t i = 0; i < b.plan.stages.size(); ++i) {
        if (b.plan.stages[i].parent >= 0 || !shown(i))
            continue;
        Json stage = node(i, "STAGE");
        for (size_t k = 0; k < b.plan.stages.size(); ++k)
            if (b.plan.stages[k].parent == static_cast<int>(i) && shown(k))
                stage["children"].push_back(node(k, "PARALLEL"));
        stages.push_back(stage);
    }
    return {{"complete", !b.building}, {"stages", stages}};
}

const std::string &JenkinsWorld::console(const Build &b) const { return b.console; }
bool JenkinsWorld::building(const Build &b) const { return b.building; }
int JenkinsWorld::number(const Build &b) const { return b.number; }

JenkinsWorld::TriggerResult JenkinsWorld::trigger(Job &job, const std::vector<std::pair<std::string, std::string>> &parameters,
                                                  double delaySeconds, const JenkinsUser &user)
{
    if (!isBuildable(job))
        throw JenkinsError(404, jobFullName(job) + " cannot be built");
    auto params = withDefaults(job, parameters);
    for (const auto &[id, item] : m_queue)
        if (item->job == &job && item->waiting() && item->params == params)
            return {id, true};  // Jenkins keeps one queue item per job and parameters
    const long long now = nowMs();
    auto item = std::make_unique<QueueItem>();
    item->id = m_nextQueueId++;
    item->job = &job;
    item->params = std::move(params);
    item->causes = Json::array({userCause(user)});
    if (m_deployedImage && !job.def.service.empty())
        item->deployedImage = m_deployedImage(job.def.service, job.def.ns);
    item->inQueueSinceMs = now;
    const double quiet = delaySeconds >= 0 ? delaySeconds : 5.0 / m_scale;
    item->buildableAtMs = now + static_cast<long long>(quiet * 1000.0);
    const long long id = item->id;
    m_queue[id] = std::move(item);
    return {id, false};
}

bool JenkinsWorld::cancelQueueItem(long long id)
{
    auto it = m_queue.find(id);
    if (it == m_queue.end() || !it->second->waiting())
        return false;
    it->second->cancelled = true;
    it->second->leftMs = nowMs();
    return true;
}

void JenkinsWorld::stop(Build &b, const JenkinsUser &user)
{
    if (!b.building)
        return;
    abortBuild(b, nowMs(), "Aborted by " + user.fullName + "\n");
}

void JenkinsWorld::proceedInput(Build &b, const std::string &inputId, const std::vector<std::pair<std::string, std::string>> &values,
                                const JenkinsUser &user)
{
    if (!b.building || !b.paused || b.plan.stages[static_cast<size_t>(b.pausedStage)].def->inputId != inputId)
        throw JenkinsError(404, "no input " + inputId + " is waiting in " + jobFullName(*b.job) + " #" + std::to_string(b.number));
    const JenkinsStageDef &def = *b.plan.stages[static_cast<size_t>(b.pausedStage)].def;
    std::vector<std::pair<std::string, std::string>> accepted;
    for (const auto &p : def.inputParameters) {
        auto it = std::find_if(values.begin(), values.end(), [&](const auto &v) { return v.first == p.name; });
        accepted.emplace_back(p.name, it == values.end() ? p.defaultValue : it->second);
    }
    resumeInput(b, nowMs(), accepted, user.fullName);
}

void JenkinsWorld::abortInput(Build &b, const std::string &inputId, const JenkinsUser &user)
{
    if (!b.building || !b.paused || b.plan.stages[static_cast<size_t>(b.pausedStage)].def->inputId != inputId)
        throw JenkinsError(404, "no input " + inputId + " is waiting in " + jobFullName(*b.job) + " #" + std::to_string(b.number));
    b.inputAnsweredBy = user.fullName;
    abortBuild(b, nowMs(), "Rejected by " + user.fullName + "\n");
}

}  // namespace pilothouse::sim
