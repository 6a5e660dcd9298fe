// Jenkins REST answers as plain values: the job tree (folders, multibranch projects, pipelines),
// a build, a queue item, a run's stages (the Stage View plugin's wfapi, the Pipeline Graph View's
// stages/tree with parallel branches), pending inputs and a job's parameter definitions. Pure
// functions, no I/O; the client parses on its own thread and hands these over.
// Shapes: ../shared/API-NOTES.md (Jenkins), the Stage View plugin's rest-api and python-jenkins.
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pilothouse::backends::jenkins {

enum class JobKind { Pipeline, Freestyle, Folder, Multibranch, OrganizationFolder, Other };

// What a job's `color` says of its last build.
enum class JobStatus { None, Success, Failure, Unstable, Aborted, NotBuilt, Disabled };

// A build's `result` (null while it runs).
enum class BuildResult { Running, Success, Failure, Unstable, Aborted, NotBuilt, Unknown };

struct BuildRef {
    int number = 0;
    QString url;
    BuildResult result = BuildResult::Unknown;
    bool building = false;
    qint64 timestampMs = 0;  // start, ms since the epoch
    qint64 durationMs = 0;   // 0 while building
    friend bool operator==(const BuildRef &, const BuildRef &) = default;
};

struct JobNode {
    JobKind kind = JobKind::Other;
    QString className;       // _class
    QString name;            // the item's name as Jenkins keeps it (a branch: "feature%2Fcheckout")
    QString displayName;     // as shown ("feature/checkout")
    QString fullName;        // "shop/storefront": the names of the path joined by '/'
    QStringList path;        // the names from the top, as `name`
    QString url;
    QString color;           // as sent ("blue_anime"); empty for folders
    JobStatus status = JobStatus::None;
    bool building = false;   // color ends in _anime
    bool buildable = true;
    bool inQueue = false;
    int healthScore = -1;    // 0..100; -1 when not reported
    QString healthDescription;
    std::optional<BuildRef> lastBuild;
    // Not in api/json: the message of the input its running build waits for ("Deploy orders to
    // production?"), filled in from wfapi/pendingInputActions by whoever reads those.
    QString waitingInput;
    int waitingBuild = 0;
    QList<JobNode> children;  // folders and multibranch projects
    bool isContainer() const { return kind == JobKind::Folder || kind == JobKind::Multibranch || kind == JobKind::OrganizationFolder; }
    friend bool operator==(const JobNode &, const JobNode &) = default;
};

// GET /api/json?tree=jobs[...,jobs[...]] (or a folder's): the jobs, children nested.
Result<QList<JobNode>> parseJobTree(const QByteArray &json);
// The URL path of a job below the server: "job/shop/job/storefront/", each name encoded as Jenkins
// encodes it (Util.rawEncode: a branch "feature%2Fcheckout" becomes "feature%252Fcheckout").
QString jobPath(const QStringList &names);
// The tree= query that asks for what parseJobTree reads, `depth` levels of folders deep.
QString jobTreeQuery(int depth);

struct BuildParameter {
    QString name;
    QString value;           // as sent; a password parameter's value is never kept
    bool secret = false;
    friend bool operator==(const BuildParameter &, const BuildParameter &) = default;
};

struct BuildInfo {
    int number = 0;
    QString url;
    QString displayName;     // "#12"
    BuildResult result = BuildResult::Unknown;
    bool building = false;
    qint64 timestampMs = 0;
    qint64 durationMs = 0;
    qint64 estimatedDurationMs = -1;
    QStringList causes;      // shortDescription of each cause ("Started by user admin")
    QList<BuildParameter> parameters;
    QStringList changes;     // commit messages of the change sets, newest last
    QString description;
    friend bool operator==(const BuildInfo &, const BuildInfo &) = default;
};

// GET /job/X/N/api/json
Result<BuildInfo> parseBuild(const QByteArray &json);

struct QueueItem {
    qint64 id = 0;
    QString why;             // "Waiting for next available executor", ...
    bool blocked = false;
    bool buildable = false;
    bool cancelled = false;
    int buildNumber = 0;     // executable.number once the build started; 0 before
    QString buildUrl;
    QString taskUrl;         // the job's URL
    QList<BuildParameter> parameters;
    friend bool operator==(const QueueItem &, const QueueItem &) = default;
};

// GET /queue/item/N/api/json
Result<QueueItem> parseQueueItem(const QByteArray &json);
// GET /queue/api/json: the items waiting (their task URL says whose they are).
Result<QList<QueueItem>> parseQueue(const QByteArray &json);
// GET /job/X/api/json?tree=builds[...] or allBuilds[...]{m,n}: a job's builds, newest first.
Result<QList<BuildInfo>> parseBuildList(const QByteArray &json);
// Whether a build (or queue item) carries the parameters a trigger sent: each by name, with the
// same value where neither side keeps it secret (a password's is never read back). Jenkins adds
// the defaults of parameters not sent, so the build may carry more. What tells a build of ours.
bool carriesParameters(const QList<BuildParameter> &seen, const QList<BuildParameter> &sent);
// The queue item number from a trigger's Location ("https://ci/queue/item/42/" → 42); 0 when none.
qint64 queueItemFromLocation(const QString &location);

// A stage's (or a run's) state, from wfapi's status or the graph view's state.
enum class StageStatus { NotExecuted, Queued, InProgress, PausedPendingInput, Success, Unstable, Failed, Aborted, Skipped, Unknown };
QString stageStatusName(StageStatus status);
bool isFinished(StageStatus status);

struct StageInfo {
    QString id;
    QString name;
    StageStatus status = StageStatus::Unknown;
    bool parallel = false;   // a branch of a parallel block (a child of its stage)
    qint64 startMs = 0;
    qint64 durationMs = 0;
    qint64 pauseMs = 0;
    QString error;           // the failed step's message
    QString errorType;
    QList<StageInfo> children;  // parallel branches (from stages/tree)
    // Written out: a defaulted one is deleted, as QList<StageInfo>'s == needs StageInfo's while the
    // class is incomplete (and RunInfo's with it).
    friend bool operator==(const StageInfo &a, const StageInfo &b);
};

struct RunInfo {
    QString id;              // "12"
    int number = 0;
    QString name;            // "#12"
    StageStatus status = StageStatus::Unknown;
    qint64 startMs = 0;
    qint64 endMs = 0;
    qint64 durationMs = 0;
    qint64 pauseMs = 0;
    qint64 queueMs = 0;
    QList<StageInfo> stages;
    // The stage running now (or waiting for input); -1 when none.
    int currentStage() const;
    bool waitingForInput() const;
    // The first stage that failed (or, if none did, the run's own failure): null when none.
    const StageInfo *failedStage() const;
    friend bool operator==(const RunInfo &, const RunInfo &) = default;
};

// GET /job/X/N/wfapi/describe
Result<RunInfo> parseRunDescribe(const QByteArray &json);
// GET /job/X/wfapi/runs: newest first, as Jenkins sends them.
Result<QList<RunInfo>> parseRuns(const QByteArray &json);
// GET /job/X/N/stages/tree (Pipeline Graph View): stages with their parallel branches as children.
Result<QList<StageInfo>> parseStageTree(const QByteArray &json);
// The run's stages with the graph view's parallel branches put under their stage (matched by id,
// then by name); stages the tree does not know keep what wfapi said.
void mergeStageTree(RunInfo &run, const QList<StageInfo> &tree);

struct InputParameter {
    QString type;            // StringParameterDefinition, BooleanParameterDefinition, ChoiceParameterDefinition, ...
    QString name;
    QString description;
    QString defaultValue;
    QStringList choices;
    friend bool operator==(const InputParameter &, const InputParameter &) = default;
};

struct PendingInput {
    QString id;              // "Deploy" (a declarative input's id defaults to its stage name)
    QString message;         // "Deploy orders to production?"
    QString proceedText;     // "Proceed"
    QString proceedUrl;      // "/job/X/N/wfapi/inputSubmit?inputId=Deploy"
    QString abortUrl;
    QList<InputParameter> inputs;
    friend bool operator==(const PendingInput &, const PendingInput &) = default;
};

// GET /me/api/json: who the credentials are ("Jenkins Admin" or, without a full name, the id).
Result<QString> parseWhoAmI(const QByteArray &json);

// GET /job/X/N/wfapi/pendingInputActions
Result<QList<PendingInput>> parsePendingInputs(const QByteArray &json);

// A job's build parameters: GET /job/X/api/json?tree=property[parameterDefinitions[...]] (also read
// from actions[], where older jobs keep them).
struct ParameterDefinition {
    enum class Type { String, Text, Choice, Boolean, Password, Other };
    Type type = Type::Other;
    QString className;       // hudson.model.StringParameterDefinition, ...
    QString name;
    QString description;
    QString defaultValue;    // a password's default is never kept
    QStringList choices;
    friend bool operator==(const ParameterDefinition &, const ParameterDefinition &) = default;
};
Result<QList<ParameterDefinition>> parseParameterDefinitions(const QByteArray &json);

}  // namespace pilothouse::backends::jenkins
