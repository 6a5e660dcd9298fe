// Unit tests of the simulated Jenkins' pure parts: the tree= parser and pruner, and build plans
// (a build's console is the same every time it is planned; stages and outcomes follow the job).
#include "jenkins/jenkinsjobs.h"
#include "jenkins/jenkinstree.h"

#include <QTest>

using namespace pilothouse::sim;

namespace {

const JenkinsJobDef &jobNamed(const std::vector<JenkinsJobDef> &jobs, const std::string &name)
{
    for (const auto &j : jobs)
        if (j.path.back() == name)
            return j;
    qFatal("no job %s", name.c_str());
}

std::string consoleOf(const JenkinsPlan &plan)
{
    std::string text;
    for (const auto &e : plan.events)
        text += e.text;
    return text;
}

JenkinsBuildSeed seedFor(const JenkinsJobDef &job, int number)
{
    JenkinsBuildSeed s;
    s.job = &job;
    s.number = number;
    s.fullName = job.path.front() + "/" + job.path.back();
    s.workspace = "/w";
    s.node = "agent";
    s.causeLine = "Started by user Pilothouse Admin";
    return s;
}

}  // namespace

class TestSimJenkinsPlan : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void treeParsesNestingAndRanges()
    {
        std::string error;
        auto tree = parseJenkinsTree("jobs[name,jobs[name]{0,2}],builds{1},x{2,}", error);
        QVERIFY2(tree, error.c_str());
        QCOMPARE(tree->children.size(), size_t(3));
        const JenkinsTree *jobs = tree->find("jobs");
        QVERIFY(jobs && jobs->find("name") && jobs->find("jobs"));
        QCOMPARE(jobs->find("jobs")->from.value_or(-1), 0LL);
        QCOMPARE(jobs->find("jobs")->to.value_or(-1), 2LL);
        QCOMPARE(tree->find("builds")->from.value_or(-1), 1LL);
        QCOMPARE(tree->find("builds")->to.value_or(-1), 2LL);
        QVERIFY(!tree->find("x")->to);
        for (const char *bad : {"", "jobs[name", "jobs]", "jobs{a}", "a,,b", "jobs[]"})
            QVERIFY2(!parseJenkinsTree(bad, error), bad);
    }

    void treePrunesKeepingClass()
    {
        Json value = {{"_class", "hudson.model.Hudson"},
                      {"mode", "NORMAL"},
                      {"jobs", Json::array({{{"_class", "F"}, {"name", "a"}, {"url", "u"}, {"jobs", Json::array({{{"_class", "J"}, {"name", "x"}}})}},
                                            {{"_class", "J"}, {"name", "b"}, {"url", "v"}},
                                            {{"_class", "J"}, {"name", "c"}, {"url", "w"}}})}};
        std::string error;
        Json pruned = pruneJenkinsTree(value, *parseJenkinsTree("jobs[name,jobs]{0,2}", error));
        const Json expected = {{"_class", "hudson.model.Hudson"},
                               {"jobs", Json::array({{{"_class", "F"}, {"name", "a"}, {"jobs", Json::array({{{"_class", "J"}}})}},
                                                     {{"_class", "J"}, {"name", "b"}}})}};
        QCOMPARE(pruned.dump(), expected.dump());
    }

    void planIsTheSameEveryTime()
    {
        const auto jobs = jenkinsDemoJobs();
        const JenkinsJobDef &frontend = jobNamed(jobs, "frontend-ci");
        const std::string first = consoleOf(planJenkinsBuild(seedFor(frontend, 7)));
        QCOMPARE(consoleOf(planJenkinsBuild(seedFor(frontend, 7))), first);
        QVERIFY(consoleOf(planJenkinsBuild(seedFor(frontend, 8))) != first);
        for (const char *line : {"Cloning repository https://git.pilothouse.local/shop/frontend.git", "INFO: ANALYSIS SUCCESSFUL",
                                 "Quality gate is 'OK'", "> Task :bootJar", "[JaCoCo plugin] Overall coverage", "#7 naming to registry.pilothouse.local/shop/frontend:",
                                 "digest: sha256:", "[Pipeline] slackSend"})
            QVERIFY2(first.find(line) != std::string::npos, line);
    }

    void planEventsAreOrderedAndStagesTimed()
    {
        const auto jobs = jenkinsDemoJobs();
        JenkinsPlan plan = planJenkinsBuild(seedFor(jobNamed(jobs, "checkoutservice-ci"), 3));
        QCOMPARE(plan.result, std::string("SUCCESS"));
        for (size_t i = 1; i < plan.events.size(); ++i)
            QVERIFY(plan.events[i - 1].atMs <= plan.events[i].atMs);
        QCOMPARE(plan.events.back().kind, JenkinsPlanEvent::Kind::Finish);
        int tests = -1;
        for (size_t i = 0; i < plan.stages.size(); ++i)
            if (plan.stages[i].name == "Tests")
                tests = static_cast<int>(i);
        QVERIFY(tests >= 0);
        long long longest = 0;
        int branches = 0;
        for (const auto &s : plan.stages)
            if (s.parent == tests) {
                ++branches;
                QCOMPARE(s.startMs, plan.stages[static_cast<size_t>(tests)].startMs);
                longest = std::max(longest, s.durationMs);
            }
        QCOMPARE(branches, 3);
        QCOMPARE(plan.stages[static_cast<size_t>(tests)].durationMs, longest);
    }

    void outcomesFollowTheJob()
    {
        const auto jobs = jenkinsDemoJobs();
        JenkinsPlan failing = planJenkinsBuild(seedFor(jobNamed(jobs, "paymentservice-ci"), 5));
        QCOMPARE(failing.result, std::string("FAILURE"));
        bool skippedAfter = false;
        for (const auto &s : failing.stages)
            skippedAfter = skippedAfter || (s.name == "Docker build" && s.skipped);
        QVERIFY(skippedAfter);
        JenkinsBuildSeed healthy = seedFor(jobNamed(jobs, "paymentservice-ci"), 5);
        healthy.healthy = true;
        QCOMPARE(planJenkinsBuild(healthy).result, std::string("SUCCESS"));
        QCOMPARE(planJenkinsBuild(seedFor(jobNamed(jobs, "recommendationservice-ci"), 5)).result, std::string("UNSTABLE"));
        JenkinsPlan deploy = planJenkinsBuild(seedFor(jobNamed(jobs, "deploy-orders"), 2));
        QVERIFY(std::any_of(deploy.events.begin(), deploy.events.end(), [](const auto &e) { return e.kind == JenkinsPlanEvent::Kind::InputPause; }));
    }

    void nextTagComesAfterTheDeployedOne()
    {
        QCOMPARE(nextImageTag("169"), std::string("170"));
        QCOMPARE(nextImageTag("1.8.0"), std::string("1.8.1"));
        QCOMPARE(nextImageTag("v2.0.9"), std::string("v2.0.10"));
        QCOMPARE(nextImageTag("7.2.5-alpine"), std::string());
        QCOMPARE(nextImageTag("latest"), std::string());
        QCOMPARE(nextImageTag("1.8"), std::string());
        QVERIFY(imageTagAfter("170", "169"));
        QVERIFY(!imageTagAfter("169", "170"));
        QVERIFY(imageTagAfter("1.10.0", "1.9.7"));
        QVERIFY(!imageTagAfter("1.8.0", "1.8.0"));
        QVERIFY(!imageTagAfter("170", "1.8.0"));  // not comparable
    }

    // The deployed image changes the tag (and the repository) and nothing else in the console: the
    // lines naming the image aside, it reads as before.
    void planTagFollowsTheDeployedImage()
    {
        const auto jobs = jenkinsDemoJobs();
        const JenkinsJobDef &storefront = jobNamed(jobs, "main");
        JenkinsBuildSeed seed = seedFor(storefront, 7);
        const JenkinsPlan before = planJenkinsBuild(seed);
        seed.deployedImage = "registry.pilothouse.dev/shop/storefront:169";
        const JenkinsPlan after = planJenkinsBuild(seed);
        QCOMPARE(after.imageTag, std::string("170"));
        QCOMPARE(after.image, std::string("registry.pilothouse.dev/shop/storefront:170"));
        QCOMPARE(consoleOf(planJenkinsBuild(seed)), consoleOf(after));
        auto withoutImage = [](const JenkinsPlan &plan) {
            std::string text;
            for (const auto &e : plan.events)
                if (e.text.find("shop/storefront") == std::string::npos && e.text.find(plan.imageTag + ": digest") == std::string::npos &&
                    e.text.find("release " + plan.imageTag) == std::string::npos)
                    text += e.text;
            return text;
        };
        QCOMPARE(withoutImage(after), withoutImage(before));
        QVERIFY(withoutImage(after).size() > consoleOf(after).size() / 2);

        seed.deployedImage = "registry.pilothouse.local/shop/frontend:1.8.0";
        QCOMPARE(planJenkinsBuild(seed).imageTag, std::string("1.8.1"));
    }

    // When the commit is made for real, the stage has a hook point and no made-up commit lines.
    void gitopsStageLeavesTheCommitToTheHook()
    {
        const auto jobs = jenkinsDemoJobs();
        JenkinsBuildSeed seed = seedFor(jobNamed(jobs, "frontend-ci"), 4);
        auto hooks = [](const JenkinsPlan &plan) {
            return std::count_if(plan.events.begin(), plan.events.end(), [](const auto &e) { return e.kind == JenkinsPlanEvent::Kind::GitopsHook; });
        };
        const JenkinsPlan simulated = planJenkinsBuild(seed);
        QCOMPARE(hooks(simulated), 1);
        QVERIFY(consoleOf(simulated).find("+ git push origin main") != std::string::npos);
        seed.gitopsCommits = true;
        const JenkinsPlan real = planJenkinsBuild(seed);
        QCOMPARE(hooks(real), 1);
        QVERIFY(consoleOf(real).find("git push") == std::string::npos);
        QVERIFY(consoleOf(real).find("[Pipeline] { (Update GitOps tag)") != std::string::npos);
        QCOMPARE(real.result, simulated.result);
        QVERIFY(std::count_if(jobs.begin(), jobs.end(), [](const auto &j) { return j.path.back() == "main"; }) == 1);
    }
};

QTEST_GUILESS_MAIN(TestSimJenkinsPlan)
#include "tst_simjenkinsplan.moc"
