// The demo's Jenkins jobs and the build planner with its console line generators.
#include "jenkins/jenkinsjobs.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace pilothouse::sim {

namespace {

using P = JenkinsParameterDef;
using S = JenkinsStageDef;

P stringParam(std::string name, std::string def, std::string description)
{
    P p;
    p.type = P::Type::String;
    p.name = std::move(name);
    p.defaultValue = std::move(def);
    p.description = std::move(description);
    return p;
}

P param(P::Type type, std::string name, std::string def, std::string description, std::vector<std::string> choices = {})
{
    P p = stringParam(std::move(name), std::move(def), std::move(description));
    p.type = type;
    p.choices = std::move(choices);
    if (type == P::Type::Choice && !p.choices.empty())
        p.defaultValue = p.choices.front();
    return p;
}

S stage(std::string name, double seconds, JenkinsLog log)
{
    S s;
    s.name = std::move(name);
    s.seconds = seconds;
    s.log = log;
    return s;
}

const char *kUnitTests = "Unit tests + JaCoCo";

std::vector<S> ciStages(bool parallelTests, bool fails, bool unstable, bool release = true)
{
    std::vector<S> st;
    st.push_back(stage("Checkout", 4, JenkinsLog::Checkout));
    st.push_back(stage("SonarQube analysis", 18, JenkinsLog::Sonar));
    st.push_back(stage("Quality gate", 6, JenkinsLog::QualityGate));
    S unit = stage(kUnitTests, 25, JenkinsLog::UnitTests);
    unit.fails = fails;
    unit.unstable = unstable;
    if (parallelTests) {
        S tests = stage("Tests", 0, JenkinsLog::UnitTests);
        tests.parallel.push_back(unit);
        tests.parallel.push_back(stage("Integration tests", 30, JenkinsLog::IntegrationTests));
        tests.parallel.push_back(stage("Contract tests", 16, JenkinsLog::IntegrationTests));
        st.push_back(tests);
    } else {
        st.push_back(unit);
    }
    st.push_back(stage("Gradle build", 20, JenkinsLog::Gradle));
    st.push_back(stage("Docker build", 15, JenkinsLog::Docker));
    if (release) {
        st.push_back(stage("Push", 6, JenkinsLog::Push));
        st.push_back(stage("Update GitOps tag", 3, JenkinsLog::GitopsTag));
    }
    st.push_back(stage("Notify", 2, JenkinsLog::Notify));
    return st;
}

std::vector<P> ciParameters()
{
    return {stringParam("GIT_REF", "main", "Branch, tag or commit to build"),
            param(P::Type::Boolean, "SKIP_SONAR", "false", "Skip the SonarQube analysis and its quality gate"),
            param(P::Type::Choice, "BUILD_PROFILE", "", "Gradle build profile", {"release", "debug"})};
}

JenkinsJobDef folder(std::vector<std::string> path, std::string description)
{
    JenkinsJobDef j;
    j.kind = JenkinsJobDef::Kind::Folder;
    j.path = std::move(path);
    j.description = std::move(description);
    return j;
}

JenkinsJobDef ciJob(const std::string &folderName, const std::string &service, bool parallelTests = false, bool fails = false,
                    bool unstable = false, int history = 8)
{
    JenkinsJobDef j;
    j.path = {folderName, service + "-ci"};
    j.description = "CI pipeline of " + folderName + "/" + service + ": analysis, tests, image, GitOps tag";
    j.service = service;
    j.ns = folderName;
    j.parameters = ciParameters();
    j.stages = ciStages(parallelTests, fails, unstable);
    j.history = history;
    return j;
}

}  // namespace

const char *JenkinsParameterDef::className() const
{
    switch (type) {
    case Type::String: return "hudson.model.StringParameterDefinition";
    case Type::Text: return "hudson.model.TextParameterDefinition";
    case Type::Choice: return "hudson.model.ChoiceParameterDefinition";
    case Type::Boolean: return "hudson.model.BooleanParameterDefinition";
    case Type::Password: return "hudson.model.PasswordParameterDefinition";
    }
    return "";
}

const char *JenkinsParameterDef::valueClassName() const
{
    switch (type) {
    case Type::String: return "hudson.model.StringParameterValue";
    case Type::Text: return "hudson.model.TextParameterValue";
    case Type::Choice: return "hudson.model.StringParameterValue";
    case Type::Boolean: return "hudson.model.BooleanParameterValue";
    case Type::Password: return "hudson.model.PasswordParameterValue";
    }
    return "";
}

const char *JenkinsParameterDef::typeName() const
{
    std::string_view c = className();
    return c.data() + c.rfind('.') + 1;
}

Json JenkinsParameterDef::valueJson(const std::string &value) const
{
    Json v = {{"_class", valueClassName()}, {"name", name}};
    if (type == Type::Boolean)
        v["value"] = value == "true";
    else if (type != Type::Password)
        v["value"] = value;
    return v;
}

Json JenkinsParameterDef::definitionJson() const
{
    Json d = {{"_class", className()}, {"defaultParameterValue", valueJson(defaultValue)}, {"description", description},
              {"name", name}, {"type", typeName()}};
    if (type == Type::Choice)
        d["choices"] = choices;
    return d;
}

std::vector<JenkinsJobDef> jenkinsDemoJobs()
{
    std::vector<JenkinsJobDef> jobs;
    jobs.push_back(folder({"shop"}, "The online shop's services"));
    for (const char *s : {"frontend", "cartservice", "productcatalogservice", "currencyservice", "shippingservice", "emailservice", "adservice"})
        jobs.push_back(ciJob("shop", s));
    jobs.push_back(ciJob("shop", "checkoutservice", /*parallelTests*/ true));
    jobs.push_back(ciJob("shop", "paymentservice", false, /*fails*/ true));
    jobs.push_back(ciJob("shop", "recommendationservice", false, false, /*unstable*/ true));

    JenkinsJobDef storefront;
    storefront.kind = JenkinsJobDef::Kind::MultiBranch;
    storefront.path = {"shop", "storefront"};
    storefront.description = "storefront, one pipeline per branch of its repository";
    jobs.push_back(storefront);
    JenkinsJobDef mainBranch;
    mainBranch.kind = JenkinsJobDef::Kind::Branch;
    mainBranch.path = {"shop", "storefront", "main"};
    mainBranch.service = "storefront";
    mainBranch.ns = "shop";
    mainBranch.stages = ciStages(false, false, false);
    mainBranch.history = 6;
    jobs.push_back(mainBranch);
    JenkinsJobDef feature = mainBranch;
    // A branch job's name is the branch name URL-encoded (jenkins.branch.NameEncoder), so that a
    // slash stays inside one path segment: /job/feature%252Fcheckout/ on the wire.
    feature.path = {"shop", "storefront", "feature%2Fcheckout"};
    feature.displayName = "feature/checkout";
    feature.stages = ciStages(false, false, false, /*release*/ false);
    feature.history = 3;
    jobs.push_back(feature);

    jobs.push_back(folder({"cafe"}, "The unmanned cafe's services"));
    for (const char *s : {"gateway", "order", "inventory", "beverage", "notification", "kiosk"})
        jobs.push_back(ciJob("cafe", s, false, false, false, 6));
    jobs.push_back(folder({"cafe", "releases"}, "Deployments to production, with an approval"));

    JenkinsJobDef deploy;
    deploy.path = {"cafe", "releases", "deploy-orders"};
    deploy.description = "Deploys the order service to staging, then to production after an approval";
    deploy.service = "order";
    deploy.ns = "cafe";
    deploy.parameters = {stringParam("VERSION", "1.4.2", "The image tag of cafe/order to deploy"),
                         param(P::Type::Boolean, "DRY_RUN", "false", "Render the manifests without applying them"),
                         param(P::Type::Text, "RELEASE_NOTES", "", "Shown in the approval and the notification"),
                         param(P::Type::Password, "REGISTRY_TOKEN", "", "Overrides the registry credential")};
    deploy.stages.push_back(stage("Checkout", 3, JenkinsLog::Checkout));
    deploy.stages.push_back(stage("Deploy to staging", 12, JenkinsLog::Deploy));
    deploy.stages.push_back(stage("Smoke tests", 10, JenkinsLog::Smoke));
    S approval = stage("Approval", 1, JenkinsLog::Input);
    approval.inputId = "Approval";
    approval.inputMessage = "Deploy orders to production?";
    approval.inputOk = "Deploy";
    approval.inputParameters = {stringParam("CHANGE_TICKET", "", "The change ticket that allows this deployment")};
    deploy.stages.push_back(approval);
    deploy.stages.push_back(stage("Deploy to production", 12, JenkinsLog::Deploy));
    deploy.stages.push_back(stage("Notify", 2, JenkinsLog::Notify));
    deploy.history = 5;
    deploy.startedByHand = true;
    jobs.push_back(deploy);
    return jobs;
}

namespace {

// "1.8.0" -> {1, 8, 0}, "v1.8.0" with prefix "v"; false for anything else.
bool parseSemver(const std::string &tag, std::string &prefix, long long (&parts)[3])
{
    prefix = !tag.empty() && tag[0] == 'v' ? "v" : "";
    size_t pos = prefix.size();
    for (int i = 0; i < 3; ++i) {
        const size_t end = i < 2 ? tag.find('.', pos) : tag.size();
        if (end == std::string::npos || end == pos || end - pos > 9 || tag.find_first_not_of("0123456789", pos) < end)
            return false;
        parts[i] = std::atoll(tag.substr(pos, end - pos).c_str());
        pos = end + 1;
    }
    return true;
}

bool isNumber(const std::string &tag)
{
    return !tag.empty() && tag.size() <= 12 && tag.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::string nextImageTag(const std::string &tag)
{
    if (isNumber(tag))
        return std::to_string(std::atoll(tag.c_str()) + 1);
    std::string prefix;
    long long v[3];
    if (parseSemver(tag, prefix, v))
        return prefix + std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2] + 1);
    return {};
}

bool imageTagAfter(const std::string &a, const std::string &b)
{
    if (isNumber(a) && isNumber(b))
        return std::atoll(a.c_str()) > std::atoll(b.c_str());
    std::string pa, pb;
    long long va[3], vb[3];
    if (parseSemver(a, pa, va) && parseSemver(b, pb, vb))
        return std::lexicographical_compare(vb, vb + 3, va, va + 3);
    return false;
}

std::uint64_t jenkinsSeed(const std::string &text)
{
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

namespace {

// Gradle's rich console colours, as the AnsiColor plugin passes them through to the log.
std::string green(const std::string &text) { return "\x1b[1;32m" + text + "\x1b[0m"; }
std::string red(const std::string &text) { return "\x1b[1;31m" + text + "\x1b[0m"; }

class Planner {
public:
    explicit Planner(const JenkinsBuildSeed &seed)
        : m_seed(seed), m_rng(jenkinsSeed(seed.fullName + "#" + std::to_string(seed.number)))
    {
        const JenkinsJobDef &job = *seed.job;
        m_service = job.service.empty() ? job.path.back() : job.service;
        m_repo = "https://git.pilothouse.local/" + (job.ns.empty() ? std::string("demo") : job.ns) + "/" + m_service + ".git";
        m_plan.commit = hex(40);
        const std::uint64_t jobSeed = jenkinsSeed(seed.fullName);
        m_plan.imageTag = "1." + std::to_string(jobSeed % 9 + 1) + "." + std::to_string(seed.number);
        m_image = "registry.pilothouse.local/" + (job.ns.empty() ? std::string("demo") : job.ns) + "/" + m_service + ":" + m_plan.imageTag;
        if (const size_t colon = seed.deployedImage.rfind(':'); colon != std::string::npos) {
            if (std::string tag = nextImageTag(seed.deployedImage.substr(colon + 1)); !tag.empty()) {
                m_plan.imageTag = tag;
                m_image = seed.deployedImage.substr(0, colon + 1) + tag;
            }
        }
        for (const auto &[k, v] : seed.parameters)
            if (k == "VERSION" && !v.empty()) {
                m_plan.imageTag = v;
                m_image = "registry.pilothouse.local/" + job.ns + "/" + m_service + ":" + v;
            }
    }

    JenkinsPlan plan()
    {
        const JenkinsJobDef &job = *m_seed.job;
        line(m_seed.causeLine);
        line("[Pipeline] Start of Pipeline");
        line("[Pipeline] node");
        line("Running on " + m_seed.node + " in " + m_seed.workspace);
        line("[Pipeline] {");
        bool skipSonar = false;
        for (const auto &[k, v] : m_seed.parameters)
            if (k == "SKIP_SONAR" && v == "true")
                skipSonar = true;
        bool failed = false;
        for (const auto &def : job.stages) {
            if (failed || (skipSonar && (def.log == JenkinsLog::Sonar || def.log == JenkinsLog::QualityGate))) {
                skipStage(def, failed ? "skipped due to earlier failure(s)" : "skipped due to when conditional");
                continue;
            }
            if (!def.parallel.empty())
                failed = runParallel(def);
            else
                failed = runStage(def, -1, "");
        }
        line("[Pipeline] }");
        line("[Pipeline] // node");
        line("[Pipeline] End of Pipeline");
        if (failed)
            line(m_failure);
        m_plan.image = m_image;
        m_plan.result = failed ? "FAILURE" : m_unstable ? "UNSTABLE" : "SUCCESS";
        event(JenkinsPlanEvent::Kind::Finish, -1);
        std::stable_sort(m_plan.events.begin(), m_plan.events.end(), [](const auto &a, const auto &b) { return a.atMs < b.atMs; });
        return std::move(m_plan);
    }

private:
    std::uint64_t next() { return m_rng(); }
    int between(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }
    std::string hex(size_t n)
    {
        static const char *digits = "0123456789abcdef";
        std::string s;
        for (size_t i = 0; i < n; ++i)
            s.push_back(digits[next() % 16]);
        return s;
    }
    template <class T>
    const T &pick(const std::vector<T> &v) { return v[next() % v.size()]; }

    void event(JenkinsPlanEvent::Kind kind, int stage, std::string text = {})
    {
        JenkinsPlanEvent e;
        e.kind = kind;
        e.atMs = m_now;
        e.stage = stage;
        e.text = std::move(text);
        m_plan.events.push_back(std::move(e));
    }
    void line(const std::string &text) { event(JenkinsPlanEvent::Kind::Line, m_currentStage, text + "\n"); }

    int addStage(const S &def, int parent)
    {
        JenkinsPlannedStage s;
        s.name = def.name;
        s.id = 6 + 4 * static_cast<int>(m_plan.stages.size());
        s.parent = parent;
        s.startMs = m_now;
        s.fails = fails(def);
        s.unstable = unstable(def);
        s.input = def.log == JenkinsLog::Input;
        s.gitopsTag = def.log == JenkinsLog::GitopsTag;
        s.def = &def;
        m_plan.stages.push_back(s);
        return static_cast<int>(m_plan.stages.size()) - 1;
    }

    void skipStage(const S &def, const std::string &why)
    {
        int index = addStage(def, -1);
        m_plan.stages[index].skipped = true;
        m_plan.stages[index].skippedByWhen = why.find("when") != std::string::npos;
        line("[Pipeline] stage");
        line("[Pipeline] { (" + def.name + ")");
        line("Stage \"" + def.name + "\" " + why);
        line("[Pipeline] }");
        line("[Pipeline] // stage");
        for (const auto &b : def.parallel) {
            int bi = addStage(b, index);
            m_plan.stages[bi].skipped = true;
            m_plan.stages[bi].skippedByWhen = m_plan.stages[index].skippedByWhen;
        }
    }

    // Spreads a stage's lines over its duration; returns true when the stage fails the build.
    bool runStage(const S &def, int parent, const std::string &prefix)
    {
        const long long start = m_now;
        int index = addStage(def, parent);
        const int outer = m_currentStage;
        m_currentStage = index;
        event(JenkinsPlanEvent::Kind::StageStart, index);
        if (prefix.empty()) {
            line("[Pipeline] stage");
            line("[Pipeline] { (" + def.name + ")");
        }
        std::vector<std::string> lines = stageLines(def);
        if (def.log == JenkinsLog::GitopsTag) {
            event(JenkinsPlanEvent::Kind::GitopsHook, index);
            if (m_seed.gitopsCommits)
                lines.clear();  // the hook writes what it committed
        }
        const long long duration = static_cast<long long>(def.seconds * 1000.0 * (0.8 + 0.4 * static_cast<double>(next() % 1000) / 1000.0));
        if (def.log == JenkinsLog::Input) {
            for (const auto &l : lines)
                line(prefix + l);
            m_now = start + 300;
            event(JenkinsPlanEvent::Kind::InputPause, index);
            m_now = start + 800;
        } else {
            for (size_t i = 0; i < lines.size(); ++i) {
                m_now = start + duration * static_cast<long long>(i + 1) / static_cast<long long>(lines.size() + 1);
                line(prefix + lines[i]);
            }
            m_now = start + duration;
        }
        if (prefix.empty()) {
            line("[Pipeline] }");
            line("[Pipeline] // stage");
        }
        event(JenkinsPlanEvent::Kind::StageEnd, index);
        m_plan.stages[index].durationMs = m_now - start;
        m_currentStage = outer;
        if (unstable(def))
            m_unstable = true;
        return fails(def);
    }

    bool runParallel(const S &def)
    {
        const long long start = m_now;
        int index = addStage(def, -1);
        m_currentStage = index;
        event(JenkinsPlanEvent::Kind::StageStart, index);
        line("[Pipeline] stage");
        line("[Pipeline] { (" + def.name + ")");
        line("[Pipeline] parallel");
        for (const auto &b : def.parallel)
            line("[Pipeline] { (Branch: " + b.name + ")");
        long long end = start;
        bool failed = false;
        for (const auto &b : def.parallel) {
            m_now = start;
            failed = runStage(b, index, "[" + b.name + "] ") || failed;
            end = std::max(end, m_now);
        }
        m_now = end;
        m_currentStage = index;
        line("[Pipeline] // parallel");
        line("[Pipeline] }");
        line("[Pipeline] // stage");
        event(JenkinsPlanEvent::Kind::StageEnd, index);
        m_plan.stages[index].durationMs = end - start;
        m_currentStage = -1;
        return failed;
    }

    bool fails(const S &def) const { return def.fails && !m_seed.healthy; }
    bool unstable(const S &def) const { return def.unstable && !m_seed.healthy; }

    std::string elapsed(int seconds) { return seconds >= 60 ? std::to_string(seconds / 60) + "m " + std::to_string(seconds % 60) + "s" : std::to_string(seconds) + "s"; }

    std::string className()
    {
        std::string base = m_service;
        if (!base.empty())
            base[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(base[0])));
        if (base.size() > 7 && base.compare(base.size() - 7, 7, "service") == 0)
            base = base.substr(0, base.size() - 7) + "Service";
        else
            base += "Service";
        return base;
    }

    std::vector<std::string> stageLines(const S &def)
    {
        std::vector<std::string> out;
        const std::string key = m_seed.job->ns + "-" + m_service;
        switch (def.log) {
        case JenkinsLog::Checkout: {
            static const std::vector<std::string> messages = {"Bump Spring Boot to 3.2.5", "Retry the payment provider on 503",
                                                              "Cache the catalogue for 30 s", "Fix the currency rounding of refunds",
                                                              "Log the order id with every request", "Add a readiness probe",
                                                              "Update the base image", "Tidy the Gradle build"};
            out.push_back("The recommended git tool is: NONE");
            out.push_back("using credential git-deploy-key");
            out.push_back("Cloning the remote Git repository");
            out.push_back("Cloning repository " + m_repo);
            out.push_back(" > git init " + m_seed.workspace + " # timeout=10");
            out.push_back("Fetching upstream changes from " + m_repo);
            out.push_back(" > git --version # timeout=10");
            out.push_back(" > git fetch --tags --force --progress -- " + m_repo + " +refs/heads/*:refs/remotes/origin/* # timeout=10");
            out.push_back("Checking out Revision " + m_plan.commit + " (refs/remotes/origin/main)");
            out.push_back(" > git config core.sparsecheckout # timeout=10");
            out.push_back(" > git checkout -f " + m_plan.commit + " # timeout=10");
            m_plan.commitMessage = pick(messages);
            out.push_back("Commit message: \"" + m_plan.commitMessage + "\"");
            break;
        }
        case JenkinsLog::Sonar: {
            int files = between(40, 260);
            std::string task = "AY" + hex(18);
            m_sonarTask = task;
            out.push_back("+ ./gradlew sonar -Dsonar.projectKey=" + key + " -Dsonar.host.url=https://sonarqube.pilothouse.local");
            out.push_back("> Task :compileJava");
            out.push_back("> Task :compileTestJava");
            out.push_back("> Task :sonar");
            out.push_back("INFO: Project root configuration file: NONE");
            out.push_back("INFO: SonarScanner for Gradle 4.4.1.3373");
            out.push_back("INFO: Load global settings (done) | time=" + std::to_string(between(60, 240)) + "ms");
            out.push_back("INFO: Sensor JavaSensor [java]");
            out.push_back("INFO: " + std::to_string(files) + " source files to be analyzed");
            out.push_back("INFO: " + std::to_string(files) + "/" + std::to_string(files) + " source files have been analyzed");
            out.push_back("INFO: Sensor JavaSensor [java] (done) | time=" + std::to_string(between(2000, 9000)) + "ms");
            out.push_back("INFO: Sensor JaCoCo XML Report Importer [jacoco]");
            out.push_back("INFO: Importing 1 report(s). Turn your logs in debug mode in order to see the exhaustive list.");
            out.push_back("INFO: Analysis report generated in " + std::to_string(between(90, 400)) + "ms, dir size=" + std::to_string(between(120, 900)) + " KB");
            out.push_back("INFO: Analysis report uploaded in " + std::to_string(between(20, 200)) + "ms");
            out.push_back("INFO: ANALYSIS SUCCESSFUL, you can find the results at: https://sonarqube.pilothouse.local/dashboard?id=" + key);
            out.push_back("INFO: More about the report processing at https://sonarqube.pilothouse.local/api/ce/task?id=" + task);
            out.push_back(green("BUILD SUCCESSFUL") + " in " + elapsed(between(25, 70)));
            break;
        }
        case JenkinsLog::QualityGate: {
            std::string task = m_sonarTask.empty() ? "AY" + hex(18) : m_sonarTask;
            out.push_back("[Pipeline] timeout");
            out.push_back("Timeout set to expire in 5 min 0 sec");
            out.push_back("[Pipeline] waitForQualityGate");
            out.push_back("Checking status of SonarQube task '" + task + "' on server 'sonarqube'");
            out.push_back("SonarQube task '" + task + "' status is 'IN_PROGRESS'");
            out.push_back("SonarQube task '" + task + "' status is 'SUCCESS'");
            out.push_back("SonarQube task '" + task + "' completed. Quality gate is 'OK'");
            break;
        }
        case JenkinsLog::UnitTests:
        case JenkinsLog::IntegrationTests: {
            const bool unit = def.log == JenkinsLog::UnitTests;
            static const std::vector<std::string> verbs = {"creates", "rejects", "updates", "lists", "retries", "caches", "validates", "cancels"};
            static const std::vector<std::string> things = {"Order", "EmptyCart", "Refund", "Price", "StockLevel", "Receipt", "Session", "Coupon"};
            const std::string suite = className() + (unit ? "Test" : "IT");
            out.push_back(unit ? "+ ./gradlew test jacocoTestReport" : "+ ./gradlew integrationTest");
            out.push_back("> Task :compileJava UP-TO-DATE");
            out.push_back("> Task :compileTestJava");
            out.push_back(unit ? "> Task :test" : "> Task :integrationTest");
            const int shown = between(8, 14);
            for (int i = 0; i < shown; ++i)
                out.push_back(suite + " > " + pick(verbs) + pick(things) + "() PASSED");
            const int total = between(120, 480);
            if (fails(def)) {
                out.push_back(suite + " > refundsPartially() " + red("FAILED"));
                out.push_back("    org.opentest4j.AssertionFailedError: expected: <40.00> but was: <0.00>");
                out.push_back("        at app//org.junit.jupiter.api.AssertionFailureBuilder.build(AssertionFailureBuilder.java:151)");
                out.push_back("        at app//dev.pilothouse." + m_service + "." + suite + ".refundsPartially(" + suite + ".java:" + std::to_string(between(40, 300)) + ")");
                out.push_back(std::to_string(total) + " tests completed, 1 failed");
                out.push_back("> Task :test FAILED");
                out.push_back("FAILURE: Build failed with an exception.");
                out.push_back("* What went wrong:");
                out.push_back("Execution failed for task ':test'.");
                out.push_back("> There were failing tests. See the report at: file://" + m_seed.workspace + "/build/reports/tests/test/index.html");
                out.push_back(red("BUILD FAILED") + " in " + elapsed(between(30, 80)));
                m_failure = "ERROR: script returned exit code 1";
            } else if (unstable(def)) {
                out.push_back(suite + " > reconnectsAfterTimeout() " + red("FAILED"));
                out.push_back("    java.util.concurrent.TimeoutException: no answer from redis-cart:6379 in 2000 ms");
                out.push_back(suite + " > ranksByRecentViews() " + red("FAILED"));
                out.push_back("    org.opentest4j.AssertionFailedError: expected: <[p-12, p-7]> but was: <[p-7, p-12]>");
                out.push_back(std::to_string(total) + " tests completed, 2 failed (ignoreFailures = true)");
                out.push_back(green("BUILD SUCCESSFUL") + " in " + elapsed(between(30, 80)));
                out.push_back("[Pipeline] junit");
                out.push_back("Recording test results");
                out.push_back("[Checks API] No suitable checks publisher found.");
                out.push_back("Unstable: 2 tests failed");
            } else {
                out.push_back(green("BUILD SUCCESSFUL") + " in " + elapsed(between(30, 80)));
                out.push_back("[Pipeline] junit");
                out.push_back("Recording test results");
                out.push_back("[Checks API] No suitable checks publisher found.");
            }
            if (unit && !fails(def)) {
                char coverage[160];
                std::snprintf(coverage, sizeof coverage, "[JaCoCo plugin] Overall coverage: class: %d, method: %d, line: %d, branch: %d, instruction: %d",
                              between(85, 99), between(75, 95), between(70, 92), between(55, 85), between(70, 92));
                out.push_back("[Pipeline] jacoco");
                out.push_back("[JaCoCo plugin] Collecting JaCoCo coverage data...");
                out.push_back("[JaCoCo plugin] **/build/jacoco/test.exec;**/build/classes/java/main;**/src/main/java; locations are configured");
                out.push_back("[JaCoCo plugin] Number of found exec files for pattern **/build/jacoco/test.exec: 1");
                out.push_back("[JaCoCo plugin] Loading inclusions files..");
                out.push_back(coverage);
            }
            break;
        }
        case JenkinsLog::Gradle:
            out.push_back("+ ./gradlew build -x test");
            for (const char *t : {"> Task :compileJava", "> Task :processResources", "> Task :classes", "> Task :resolveMainClassName",
                                  "> Task :bootJar", "> Task :jar", "> Task :assemble", "> Task :check", "> Task :build"})
                out.push_back(t);
            out.push_back(green("BUILD SUCCESSFUL") + " in " + elapsed(between(20, 60)));
            out.push_back(std::to_string(between(6, 11)) + " actionable tasks: " + std::to_string(between(4, 6)) + " executed, 3 up-to-date");
            break;
        case JenkinsLog::Docker: {
            out.push_back("+ docker build -t " + m_image + " .");
            out.push_back("#0 building with \"default\" instance using docker driver");
            out.push_back("#1 [internal] load build definition from Dockerfile");
            out.push_back("#1 transferring dockerfile: " + std::to_string(between(300, 900)) + "B done");
            out.push_back("#2 [internal] load metadata for docker.io/library/eclipse-temurin:17-jre");
            out.push_back("#2 DONE " + std::to_string(between(1, 3)) + "." + std::to_string(between(0, 9)) + "s");
            out.push_back("#3 [internal] load .dockerignore");
            out.push_back("#4 [1/3] FROM docker.io/library/eclipse-temurin:17-jre@sha256:" + hex(64));
            out.push_back("#4 CACHED");
            out.push_back("#5 [2/3] WORKDIR /app");
            out.push_back("#6 [3/3] COPY build/libs/" + m_service + "-*.jar /app/app.jar");
            out.push_back("#6 DONE 0." + std::to_string(between(1, 9)) + "s");
            out.push_back("#7 exporting to image");
            out.push_back("#7 exporting layers 0." + std::to_string(between(1, 9)) + "s done");
            out.push_back("#7 writing image sha256:" + hex(64) + " done");
            out.push_back("#7 naming to " + m_image + " done");
            break;
        }
        case JenkinsLog::Push: {
            std::string repo = m_image.substr(0, m_image.rfind(':'));
            out.push_back("+ docker push " + m_image);
            out.push_back("The push refers to repository [" + repo + "]");
            for (int i = 0; i < 4; ++i)
                out.push_back(hex(12) + (i < 2 ? ": Pushed" : ": Layer already exists"));
            out.push_back(m_image.substr(m_image.rfind(':') + 1) + ": digest: sha256:" + hex(64) + " size: " + std::to_string(between(1200, 2400)));
            break;
        }
        case JenkinsLog::GitopsTag: {
            std::string tag = m_image.substr(m_image.rfind(':') + 1);
            out.push_back("+ git clone --depth 1 git://git.pilothouse.local/gitops.git gitops");
            out.push_back("Cloning into 'gitops'...");
            out.push_back("+ yq -i '.spec.template.spec.containers[0].image = \"" + m_image + "\"' apps/" + m_service + "/deployment.yaml");
            out.push_back("+ git commit -am '" + m_service + ": release " + tag + "'");
            out.push_back("[main " + hex(7) + "] " + m_service + ": release " + tag);
            out.push_back(" 1 file changed, 1 insertion(+), 1 deletion(-)");
            out.push_back("+ git push origin main");
            break;
        }
        case JenkinsLog::Notify:
            out.push_back("[Pipeline] slackSend");
            out.push_back("Slack Send Pipeline step running, values are - baseUrl: <empty>, teamDomain: pilothouse, channel: #" +
                          (m_seed.job->ns.empty() ? std::string("deploys") : m_seed.job->ns + "-deploys") +
                          ", color: good, botUser: false, tokenCredentialId: slack-token, notifyCommitters: false, iconEmoji: <empty>, "
                          "username: <empty>, timestamp: <empty>");
            break;
        case JenkinsLog::Deploy: {
            const std::string ctx = def.name.find("production") != std::string::npos ? "production" : "staging";
            out.push_back("+ kubectl --context " + ctx + " -n " + m_seed.job->ns + " set image deployment/" + m_service + " " + m_service + "=" + m_image);
            out.push_back("deployment.apps/" + m_service + " image updated");
            out.push_back("+ kubectl --context " + ctx + " -n " + m_seed.job->ns + " rollout status deployment/" + m_service + " --timeout=5m");
            for (int i = 1; i <= 3; ++i)
                out.push_back("Waiting for deployment \"" + m_service + "\" rollout to finish: " + std::to_string(i) + " of 3 updated replicas are available...");
            out.push_back("deployment \"" + m_service + "\" successfully rolled out");
            break;
        }
        case JenkinsLog::Smoke:
            out.push_back("+ ./scripts/smoke.sh https://" + m_service + ".staging." + m_seed.job->ns + ".pilothouse.local");
            for (const char *p : {"/healthz", "/readyz", "/api/v1/orders?limit=1", "/api/v1/menu", "/metrics"})
                out.push_back(std::string("GET ") + p + " 200 " + std::to_string(between(4, 90)) + "ms");
            out.push_back("Smoke tests passed (5/5)");
            break;
        case JenkinsLog::Input:
            out.push_back("[Pipeline] input");
            out.push_back(def.inputMessage);
            out.push_back(def.inputOk + " or Abort");
            break;
        }
        return out;
    }

    const JenkinsBuildSeed &m_seed;
    std::mt19937_64 m_rng;
    JenkinsPlan m_plan;
    long long m_now = 0;
    int m_currentStage = -1;
    bool m_unstable = false;
    std::string m_failure = "ERROR: script returned exit code 1";
    std::string m_service, m_repo, m_image, m_sonarTask;
};

}  // namespace

JenkinsPlan planJenkinsBuild(const JenkinsBuildSeed &seed) { return Planner(seed).plan(); }

}  // namespace pilothouse::sim
