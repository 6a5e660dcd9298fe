// The jobs of the simulated Jenkins (modelled on the demo's shop and cafe) and the plan of one
// build: its stages with their simulated durations and the console lines each writes, generated
// from a seed so that a build's log reads the same every time it is asked for.
#pragma once

#include "common/simjson.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pilothouse::sim {

struct JenkinsParameterDef {
    enum class Type { String, Text, Choice, Boolean, Password };
    Type type = Type::String;
    std::string name, description;
    std::string defaultValue;  // "true"/"false" for booleans; the first choice for choices
    std::vector<std::string> choices;

    const char *className() const;        // hudson.model.StringParameterDefinition...
    const char *valueClassName() const;   // hudson.model.StringParameterValue...
    const char *typeName() const;         // StringParameterDefinition...
    Json definitionJson() const;
    // A value as the API shows it (booleans as JSON booleans, passwords hidden).
    Json valueJson(const std::string &value) const;
};

// What a stage's console lines look like.
enum class JenkinsLog { Checkout, Sonar, QualityGate, UnitTests, IntegrationTests, Gradle, Docker, Push, GitopsTag, Notify,
                        Deploy, Smoke, Input };

struct JenkinsStageDef {
    std::string name;
    double seconds = 5;  // nominal duration at time scale 1 (the plan varies it a little per build)
    JenkinsLog log = JenkinsLog::Checkout;
    std::vector<JenkinsStageDef> parallel;  // branches (each a stage) run side by side
    bool fails = false;     // the stage fails the build (a test stage with failing tests)
    bool unstable = false;  // the stage marks the build UNSTABLE (coverage below the gate)
    // An input step (log Input): the build pauses here until someone proceeds or aborts.
    std::string inputId, inputMessage, inputOk;
    std::vector<JenkinsParameterDef> inputParameters;
};

struct JenkinsJobDef {
    enum class Kind { Folder, Pipeline, MultiBranch, Branch };
    Kind kind = Kind::Pipeline;
    std::vector<std::string> path;  // names from the top: {"shop", "frontend-ci"}
    std::string displayName;        // empty: the name
    std::string description;
    std::string service, ns;        // the service it builds and its namespace (CI jobs)
    std::vector<JenkinsParameterDef> parameters;
    std::vector<JenkinsStageDef> stages;
    int history = 0;                // past builds made at start
    bool startedByHand = false;     // its past builds were started by a user, not by a push
};

// The demo's jobs, folders first (a parent always comes before its children).
std::vector<JenkinsJobDef> jenkinsDemoJobs();

// One stage of a planned build; parallel branches follow their parent with `parent` set.
struct JenkinsPlannedStage {
    std::string name;
    int id = 0;            // the flow node id (wfapi)
    int parent = -1;       // index of the parallel stage it is a branch of
    long long startMs = 0, durationMs = 0;  // plan time (simulated ms from the build's start)
    bool fails = false, unstable = false, input = false, gitopsTag = false;
    bool skipped = false;  // after a failure or by its when condition: never runs (NOT_EXECUTED)
    bool skippedByWhen = false;
    const JenkinsStageDef *def = nullptr;
};

struct JenkinsPlanEvent {
    // GitopsHook: in the "Update GitOps tag" stage, where the real commit and push happen.
    enum class Kind { Line, StageStart, StageEnd, InputPause, GitopsHook, Finish };
    Kind kind = Kind::Line;
    long long atMs = 0;  // plan time
    int stage = -1;
    std::string text;    // a console line (with its newline) for Line
};

struct JenkinsPlan {
    std::vector<JenkinsPlannedStage> stages;
    std::vector<JenkinsPlanEvent> events;  // ordered by atMs
    std::string result;                    // SUCCESS, FAILURE or UNSTABLE if nothing intervenes
    std::string imageTag;                  // what the Docker stage builds
    std::string commit;                    // the revision checked out
    std::string commitMessage;
    std::string image;                     // registry/namespace/service:tag
};

struct JenkinsBuildSeed {
    const JenkinsJobDef *job = nullptr;
    int number = 0;
    std::string fullName, workspace, node, causeLine;
    std::vector<std::pair<std::string, std::string>> parameters;
    bool healthy = false;  // the job's failing or unstable stages pass this time (older history)
    // The image deployed when the build was triggered (repository:tag; empty when unknown): the
    // build makes the same repository with the next tag.
    std::string deployedImage;
    // The GitOps stage's commit is made for real (its lines come from the hook, not the plan).
    bool gitopsCommits = false;
};

JenkinsPlan planJenkinsBuild(const JenkinsBuildSeed &seed);

// The tag a new build gives after `tag`: the next number for a numeric tag ("169" -> "170"), the
// next patch for semver ("1.8.0" -> "1.8.1", "v2.0.3" -> "v2.0.4"); empty for other tags.
std::string nextImageTag(const std::string &tag);
// Whether `a` comes after `b`, both numeric or both semver; false when they cannot be compared.
bool imageTagAfter(const std::string &a, const std::string &b);

// A deterministic 64-bit hash (FNV-1a) for seeds.
std::uint64_t jenkinsSeed(const std::string &text);

}  // namespace pilothouse::sim
