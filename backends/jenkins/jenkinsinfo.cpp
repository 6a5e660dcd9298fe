// Jenkins REST answers as plain values.
#include "jenkins/jenkinsinfo.h"

#include "core/errors.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrl>

#include <algorithm>

namespace pilothouse::backends::jenkins {

namespace {

QString str(const QJsonObject &o, const char *key) { return o.value(QLatin1String(key)).toString(); }
qint64 number(const QJsonObject &o, const char *key, qint64 fallback = 0)
{
    const QJsonValue v = o.value(QLatin1String(key));
    return v.isDouble() ? static_cast<qint64>(v.toDouble()) : fallback;
}

// The answer as a JSON value of the wanted shape, or what is wrong with it.
Result<QJsonDocument> document(const QByteArray &json, const QString &what, bool array = false)
{
    QJsonParseError pe;
    QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError)
        return Result<QJsonDocument>::failure(
            malformedError(QStringLiteral("%1 is not valid JSON (%2 at offset %3)").arg(what, pe.errorString()).arg(pe.offset)));
    if (array ? !doc.isArray() : !doc.isObject())
        return Result<QJsonDocument>::failure(malformedError(QStringLiteral("%1 is not a JSON %2").arg(what, array ? QStringLiteral("array") : QStringLiteral("object"))));
    return doc;
}

JobKind kindOf(const QString &className)
{
    if (className == QLatin1String("org.jenkinsci.plugins.workflow.job.WorkflowJob"))
        return JobKind::Pipeline;
    if (className == QLatin1String("hudson.model.FreeStyleProject"))
        return JobKind::Freestyle;
    if (className == QLatin1String("com.cloudbees.hudson.plugins.folder.Folder"))
        return JobKind::Folder;
    if (className == QLatin1String("org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"))
        return JobKind::Multibranch;
    if (className == QLatin1String("jenkins.branch.OrganizationFolder"))
        return JobKind::OrganizationFolder;
    return JobKind::Other;
}

BuildResult resultOf(const QJsonValue &v, bool building)
{
    if (v.isNull() || v.isUndefined())
        return building ? BuildResult::Running : BuildResult::Unknown;
    const QString r = v.toString();
    if (r == QLatin1String("SUCCESS"))
        return BuildResult::Success;
    if (r == QLatin1String("FAILURE"))
        return BuildResult::Failure;
    if (r == QLatin1String("UNSTABLE"))
        return BuildResult::Unstable;
    if (r == QLatin1String("ABORTED"))
        return BuildResult::Aborted;
    if (r == QLatin1String("NOT_BUILT"))
        return BuildResult::NotBuilt;
    return BuildResult::Unknown;
}

BuildRef buildRefOf(const QJsonObject &o)
{
    BuildRef b;
    b.number = static_cast<int>(number(o, "number"));
    b.url = str(o, "url");
    b.building = o.value(QLatin1String("building")).toBool();
    b.result = resultOf(o.value(QLatin1String("result")), b.building);
    b.timestampMs = number(o, "timestamp");
    b.durationMs = number(o, "duration");
    return b;
}

void statusFromColor(JobNode &job)
{
    QString c = job.color;
    if (c.endsWith(QLatin1String("_anime"))) {
        job.building = true;
        c.chop(6);
    }
    if (c == QLatin1String("blue"))
        job.status = JobStatus::Success;
    else if (c == QLatin1String("red"))
        job.status = JobStatus::Failure;
    else if (c == QLatin1String("yellow"))
        job.status = JobStatus::Unstable;
    else if (c == QLatin1String("aborted"))
        job.status = JobStatus::Aborted;
    else if (c == QLatin1String("notbuilt") || c == QLatin1String("grey"))
        job.status = JobStatus::NotBuilt;
    else if (c == QLatin1String("disabled"))
        job.status = JobStatus::Disabled;
    else
        job.status = JobStatus::None;
}

Result<JobNode> jobOf(const QJsonObject &o, const QStringList &parentPath, int depth)
{
    JobNode job;
    job.className = str(o, "_class");
    job.kind = kindOf(job.className);
    job.name = str(o, "name");
    if (job.name.isEmpty())
        return Result<JobNode>::failure(malformedError(QStringLiteral("a job without a name under \"%1\"").arg(parentPath.join(QLatin1Char('/')))));
    job.path = parentPath;
    job.path << job.name;
    job.fullName = str(o, "fullName");
    if (job.fullName.isEmpty())
        job.fullName = job.path.join(QLatin1Char('/'));
    // A multibranch project names its branch jobs by the encoded branch ("feature%2Fx").
    job.displayName = str(o, "displayName");
    if (job.displayName.isEmpty())
        job.displayName = QUrl::fromPercentEncoding(job.name.toUtf8());
    job.url = str(o, "url");
    job.color = str(o, "color");
    statusFromColor(job);
    if (o.contains(QLatin1String("buildable")))
        job.buildable = o.value(QLatin1String("buildable")).toBool();
    job.inQueue = o.value(QLatin1String("inQueue")).toBool();
    const QJsonArray health = o.value(QLatin1String("healthReport")).toArray();
    if (!health.isEmpty()) {
        const QJsonObject h = health.first().toObject();
        job.healthScore = static_cast<int>(number(h, "score", -1));
        job.healthDescription = str(h, "description");
    }
    if (const QJsonValue last = o.value(QLatin1String("lastBuild")); last.isObject())
        job.lastBuild = buildRefOf(last.toObject());
    if (depth > 64)
        return Result<JobNode>::failure(malformedError(QStringLiteral("folders nested deeper than 64 levels at \"%1\"").arg(job.fullName)));
    for (const QJsonValue &child : o.value(QLatin1String("jobs")).toArray()) {
        if (!child.isObject())
            return Result<JobNode>::failure(malformedError(QStringLiteral("a job of \"%1\" is not an object").arg(job.fullName)));
        auto c = jobOf(child.toObject(), job.path, depth + 1);
        if (!c)
            return Result<JobNode>::failure(c.error());
        job.children << c.value();
    }
    return job;
}

QList<BuildParameter> parametersOf(const QJsonArray &actions)
{
    QList<BuildParameter> out;
    for (const QJsonValue &a : actions) {
        const QJsonArray params = a.toObject().value(QLatin1String("parameters")).toArray();
        for (const QJsonValue &p : params) {
            const QJsonObject o = p.toObject();
            BuildParameter bp;
            bp.name = str(o, "name");
            bp.secret = str(o, "_class").contains(QLatin1String("Password"));
            const QJsonValue v = o.value(QLatin1String("value"));
            if (!bp.secret)
                bp.value = v.isBool() ? (v.toBool() ? QStringLiteral("true") : QStringLiteral("false"))
                           : v.isDouble() ? QString::number(v.toDouble())
                                          : v.toString();
            out << bp;
        }
    }
    return out;
}

StageStatus statusOf(const QString &s)
{
    // wfapi (StatusExt) and the graph view (lower case) name them differently.
    const QString u = s.toUpper();
    if (u == QLatin1String("SUCCESS"))
        return StageStatus::Success;
    if (u == QLatin1String("FAILED") || u == QLatin1String("FAILURE"))
        return StageStatus::Failed;
    if (u == QLatin1String("ABORTED"))
        return StageStatus::Aborted;
    if (u == QLatin1String("UNSTABLE"))
        return StageStatus::Unstable;
    if (u == QLatin1String("IN_PROGRESS") || u == QLatin1String("RUNNING"))
        return StageStatus::InProgress;
    if (u == QLatin1String("PAUSED_PENDING_INPUT") || u == QLatin1String("PAUSED"))
        return StageStatus::PausedPendingInput;
    if (u == QLatin1String("NOT_EXECUTED") || u == QLatin1String("NOT_BUILT"))
        return StageStatus::NotExecuted;
    if (u == QLatin1String("QUEUED"))
        return StageStatus::Queued;
    if (u == QLatin1String("SKIPPED"))
        return StageStatus::Skipped;
    return StageStatus::Unknown;
}

StageInfo stageOf(const QJsonObject &o)
{
    StageInfo s;
    s.id = o.value(QLatin1String("id")).isDouble() ? QString::number(number(o, "id")) : str(o, "id");
    s.name = str(o, "name");
    s.status = statusOf(o.contains(QLatin1String("status")) ? str(o, "status") : str(o, "state"));
    s.startMs = number(o, "startTimeMillis");
    s.durationMs = o.contains(QLatin1String("durationMillis")) ? number(o, "durationMillis") : number(o, "totalDurationMillis");
    s.pauseMs = number(o, "pauseDurationMillis");
    const QJsonObject error = o.value(QLatin1String("error")).toObject();
    s.error = str(error, "message");
    s.errorType = str(error, "type");
    s.parallel = str(o, "type") == QLatin1String("PARALLEL");
    for (const QJsonValue &c : o.value(QLatin1String("children")).toArray())
        s.children << stageOf(c.toObject());
    return s;
}

RunInfo runOf(const QJsonObject &o)
{
    RunInfo r;
    r.id = str(o, "id");
    r.number = r.id.toInt();
    r.name = str(o, "name");
    r.status = statusOf(str(o, "status"));
    r.startMs = number(o, "startTimeMillis");
    r.endMs = number(o, "endTimeMillis");
    r.durationMs = number(o, "durationMillis");
    r.pauseMs = number(o, "pauseDurationMillis");
    r.queueMs = number(o, "queueDurationMillis");
    for (const QJsonValue &s : o.value(QLatin1String("stages")).toArray())
        r.stages << stageOf(s.toObject());
    return r;
}

}  // namespace

QString jobPath(const QStringList &names)
{
    QString out;
    for (const QString &name : names)
        out += QStringLiteral("job/") + QString::fromLatin1(QUrl::toPercentEncoding(name)) + QLatin1Char('/');
    return out;
}

QString jobTreeQuery(int depth)
{
    const QString fields = QStringLiteral("_class,name,fullName,displayName,url,color,buildable,inQueue,"
                                          "healthReport[score,description],lastBuild[number,url,result,building,timestamp,duration]");
    QString tree = QStringLiteral("jobs[") + fields + QLatin1Char(']');
    for (int i = 1; i < depth; ++i)
        tree = QStringLiteral("jobs[") + fields + QLatin1Char(',') + tree + QLatin1Char(']');
    return tree;
}

Result<QList<JobNode>> parseJobTree(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the job list"));
    if (!doc)
        return Result<QList<JobNode>>::failure(doc.error());
    const QJsonObject root = doc.value().object();
    // The server's top level, or a folder's: its own name is not part of its children's path
    // when it is the server; a folder asked for directly passes its path in fullName.
    QStringList base;
    if (const QString full = str(root, "fullName"); !full.isEmpty())
        base = full.split(QLatin1Char('/'));
    QList<JobNode> out;
    for (const QJsonValue &v : root.value(QLatin1String("jobs")).toArray()) {
        if (!v.isObject())
            return Result<QList<JobNode>>::failure(malformedError(QStringLiteral("the job list holds a job that is not an object")));
        auto job = jobOf(v.toObject(), base, 0);
        if (!job)
            return Result<QList<JobNode>>::failure(job.error());
        out << job.value();
    }
    return out;
}

namespace {

Result<BuildInfo> buildOf(const QJsonObject &o)
{
    if (!o.value(QLatin1String("number")).isDouble())
        return Result<BuildInfo>::failure(malformedError(QStringLiteral("the build has no number")));
    BuildInfo b;
    b.number = static_cast<int>(number(o, "number"));
    b.url = str(o, "url");
    b.displayName = str(o, "displayName");
    b.building = o.value(QLatin1String("building")).toBool();
    b.result = resultOf(o.value(QLatin1String("result")), b.building);
    b.timestampMs = number(o, "timestamp");
    b.durationMs = number(o, "duration");
    b.estimatedDurationMs = number(o, "estimatedDuration", -1);
    b.description = str(o, "description");
    const QJsonArray actions = o.value(QLatin1String("actions")).toArray();
    for (const QJsonValue &a : actions)
        for (const QJsonValue &c : a.toObject().value(QLatin1String("causes")).toArray())
            b.causes << str(c.toObject(), "shortDescription");
    b.parameters = parametersOf(actions);
    // changeSets (pipelines, one per checkout) or changeSet (freestyle).
    QJsonArray sets = o.value(QLatin1String("changeSets")).toArray();
    if (o.value(QLatin1String("changeSet")).isObject())
        sets.append(o.value(QLatin1String("changeSet")));
    for (const QJsonValue &set : std::as_const(sets))
        for (const QJsonValue &item : set.toObject().value(QLatin1String("items")).toArray())
            b.changes << str(item.toObject(), "msg");
    return b;
}

}  // namespace

Result<BuildInfo> parseBuild(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the build"));
    if (!doc)
        return Result<BuildInfo>::failure(doc.error());
    return buildOf(doc.value().object());
}

Result<QList<BuildInfo>> parseBuildList(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the job's builds"));
    if (!doc)
        return Result<QList<BuildInfo>>::failure(doc.error());
    QList<BuildInfo> out;
    const QJsonObject job = doc.value().object();
    // builds (Jenkins stops it at 100) or allBuilds (every build, cut by a {from,to} range).
    const QJsonValue builds = job.contains(QLatin1String("allBuilds")) ? job.value(QLatin1String("allBuilds")) : job.value(QLatin1String("builds"));
    for (const QJsonValue &v : builds.toArray()) {
        auto b = buildOf(v.toObject());
        if (!b)
            return Result<QList<BuildInfo>>::failure(b.error());
        out << b.value();
    }
    return out;
}

bool carriesParameters(const QList<BuildParameter> &seen, const QList<BuildParameter> &sent)
{
    for (const BuildParameter &p : sent) {
        const auto other = std::find_if(seen.cbegin(), seen.cend(), [&p](const BuildParameter &q) { return q.name == p.name; });
        if (other == seen.cend())
            return false;
        if (!p.secret && !other->secret && p.value != other->value)
            return false;
    }
    return true;
}

namespace {

Result<QueueItem> queueItemOf(const QJsonObject &o)
{
    if (!o.value(QLatin1String("id")).isDouble())
        return Result<QueueItem>::failure(malformedError(QStringLiteral("the queue item has no id")));
    QueueItem q;
    q.id = number(o, "id");
    q.why = str(o, "why");
    q.blocked = o.value(QLatin1String("blocked")).toBool();
    q.buildable = o.value(QLatin1String("buildable")).toBool();
    q.cancelled = o.value(QLatin1String("cancelled")).toBool();
    const QJsonObject exe = o.value(QLatin1String("executable")).toObject();
    q.buildNumber = static_cast<int>(number(exe, "number"));
    q.buildUrl = str(exe, "url");
    q.taskUrl = str(o.value(QLatin1String("task")).toObject(), "url");
    q.parameters = parametersOf(o.value(QLatin1String("actions")).toArray());
    return q;
}

}  // namespace

Result<QueueItem> parseQueueItem(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the queue item"));
    if (!doc)
        return Result<QueueItem>::failure(doc.error());
    return queueItemOf(doc.value().object());
}

Result<QList<QueueItem>> parseQueue(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the queue"));
    if (!doc)
        return Result<QList<QueueItem>>::failure(doc.error());
    QList<QueueItem> out;
    for (const QJsonValue &v : doc.value().object().value(QLatin1String("items")).toArray()) {
        auto q = queueItemOf(v.toObject());
        if (!q)
            return Result<QList<QueueItem>>::failure(q.error());
        out << q.value();
    }
    return out;
}

qint64 queueItemFromLocation(const QString &location)
{
    static const QRegularExpression re(QStringLiteral("/queue/item/(\\d+)/?$"));
    const QRegularExpressionMatch m = re.match(location);
    return m.hasMatch() ? m.captured(1).toLongLong() : 0;
}

bool operator==(const StageInfo &a, const StageInfo &b)
{
    if (a.id != b.id || a.name != b.name || a.status != b.status || a.parallel != b.parallel || a.startMs != b.startMs ||
        a.durationMs != b.durationMs || a.pauseMs != b.pauseMs || a.error != b.error || a.errorType != b.errorType ||
        a.children.size() != b.children.size())
        return false;
    for (qsizetype i = 0; i < a.children.size(); ++i)
        if (!(a.children.at(i) == b.children.at(i)))
            return false;
    return true;
}

QString stageStatusName(StageStatus status)
{
    switch (status) {
    case StageStatus::NotExecuted: return QStringLiteral("Not run");
    case StageStatus::Queued: return QStringLiteral("Queued");
    case StageStatus::InProgress: return QStringLiteral("Running");
    case StageStatus::PausedPendingInput: return QStringLiteral("Waiting for input");
    case StageStatus::Success: return QStringLiteral("Success");
    case StageStatus::Unstable: return QStringLiteral("Unstable");
    case StageStatus::Failed: return QStringLiteral("Failed");
    case StageStatus::Aborted: return QStringLiteral("Aborted");
    case StageStatus::Skipped: return QStringLiteral("Skipped");
    case StageStatus::Unknown: break;
    }
    return QStringLiteral("Unknown");
}

bool isFinished(StageStatus status)
{
    return status == StageStatus::Success || status == StageStatus::Unstable || status == StageStatus::Failed ||
           status == StageStatus::Aborted || status == StageStatus::Skipped || status == StageStatus::NotExecuted;
}

int RunInfo::currentStage() const
{
    // The last stage that runs or waits: with parallel branches wfapi reports the enclosing stage.
    for (int i = static_cast<int>(stages.size()) - 1; i >= 0; --i)
        if (stages[i].status == StageStatus::InProgress || stages[i].status == StageStatus::PausedPendingInput)
            return i;
    return -1;
}

bool RunInfo::waitingForInput() const
{
    if (status == StageStatus::PausedPendingInput)
        return true;
    const int current = currentStage();
    return current >= 0 && stages[current].status == StageStatus::PausedPendingInput;
}

const StageInfo *RunInfo::failedStage() const
{
    for (const StageInfo &s : stages) {
        if (s.status == StageStatus::Failed)
            return &s;
        for (const StageInfo &c : s.children)
            if (c.status == StageStatus::Failed)
                return &c;
    }
    return nullptr;
}

Result<RunInfo> parseRunDescribe(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the run"));
    if (!doc)
        return Result<RunInfo>::failure(doc.error());
    const QJsonObject o = doc.value().object();
    if (str(o, "id").isEmpty())
        return Result<RunInfo>::failure(malformedError(QStringLiteral("the run has no id")));
    return runOf(o);
}

Result<QList<RunInfo>> parseRuns(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the runs"), true);
    if (!doc)
        return Result<QList<RunInfo>>::failure(doc.error());
    QList<RunInfo> out;
    for (const QJsonValue &v : doc.value().array()) {
        if (!v.isObject() || str(v.toObject(), "id").isEmpty())
            return Result<QList<RunInfo>>::failure(malformedError(QStringLiteral("the runs hold one without an id")));
        out << runOf(v.toObject());
    }
    return out;
}

Result<QList<StageInfo>> parseStageTree(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the stage tree"));
    if (!doc)
        return Result<QList<StageInfo>>::failure(doc.error());
    QList<StageInfo> out;
    for (const QJsonValue &v : doc.value().object().value(QLatin1String("stages")).toArray())
        out << stageOf(v.toObject());
    return out;
}

void mergeStageTree(RunInfo &run, const QList<StageInfo> &tree)
{
    for (StageInfo &stage : run.stages) {
        const StageInfo *match = nullptr;
        for (const StageInfo &t : tree)
            if (!t.id.isEmpty() && t.id == stage.id) {
                match = &t;
                break;
            }
        if (!match)
            for (const StageInfo &t : tree)
                if (t.name == stage.name) {
                    match = &t;
                    break;
                }
        if (!match)
            continue;
        stage.children.clear();
        for (StageInfo branch : match->children) {
            branch.parallel = true;
            stage.children << branch;
        }
    }
}

Result<QString> parseWhoAmI(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the user"));
    if (!doc)
        return Result<QString>::failure(doc.error());
    const QJsonObject o = doc.value().object();
    const QString id = str(o, "id");
    if (id.isEmpty())
        return Result<QString>::failure(malformedError(QStringLiteral("the user has no id")));
    // Anonymous is a user too: credentials Jenkins did not take end up as it.
    const QString full = str(o, "fullName");
    return full.isEmpty() ? id : full;
}

Result<QList<PendingInput>> parsePendingInputs(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the pending inputs"), true);
    if (!doc)
        return Result<QList<PendingInput>>::failure(doc.error());
    QList<PendingInput> out;
    for (const QJsonValue &v : doc.value().array()) {
        const QJsonObject o = v.toObject();
        PendingInput in;
        in.id = str(o, "id");
        if (in.id.isEmpty())
            return Result<QList<PendingInput>>::failure(malformedError(QStringLiteral("a pending input has no id")));
        in.message = str(o, "message");
        in.proceedText = str(o, "proceedText");
        in.proceedUrl = str(o, "proceedUrl");
        in.abortUrl = str(o, "abortUrl");
        for (const QJsonValue &p : o.value(QLatin1String("inputs")).toArray()) {
            const QJsonObject po = p.toObject();
            InputParameter ip;
            ip.type = str(po, "type");
            ip.name = str(po, "name");
            ip.description = str(po, "description");
            const QJsonObject def = po.value(QLatin1String("definition")).toObject();
            const QJsonValue dv = def.value(QLatin1String("defaultParameterValue")).toObject().value(QLatin1String("value"));
            ip.defaultValue = dv.isBool() ? (dv.toBool() ? QStringLiteral("true") : QStringLiteral("false")) : dv.toString();
            for (const QJsonValue &c : def.value(QLatin1String("choices")).toArray())
                ip.choices << c.toString();
            in.inputs << ip;
        }
        out << in;
    }
    return out;
}

Result<QList<ParameterDefinition>> parseParameterDefinitions(const QByteArray &json)
{
    auto doc = document(json, QStringLiteral("the job"));
    if (!doc)
        return Result<QList<ParameterDefinition>>::failure(doc.error());
    const QJsonObject o = doc.value().object();
    QList<ParameterDefinition> out;
    QStringList seen;
    auto read = [&](const QJsonArray &holders) {
        for (const QJsonValue &h : holders)
            for (const QJsonValue &d : h.toObject().value(QLatin1String("parameterDefinitions")).toArray()) {
                const QJsonObject po = d.toObject();
                ParameterDefinition p;
                p.className = str(po, "_class");
                p.name = str(po, "name");
                if (p.name.isEmpty() || seen.contains(p.name))
                    continue;
                seen << p.name;
                p.description = str(po, "description");
                const QString type = str(po, "type");
                p.type = type == QLatin1String("StringParameterDefinition")    ? ParameterDefinition::Type::String
                         : type == QLatin1String("TextParameterDefinition")    ? ParameterDefinition::Type::Text
                         : type == QLatin1String("ChoiceParameterDefinition")  ? ParameterDefinition::Type::Choice
                         : type == QLatin1String("BooleanParameterDefinition") ? ParameterDefinition::Type::Boolean
                         : type == QLatin1String("PasswordParameterDefinition") ? ParameterDefinition::Type::Password
                                                                                 : ParameterDefinition::Type::Other;
                const QJsonValue dv = po.value(QLatin1String("defaultParameterValue")).toObject().value(QLatin1String("value"));
                if (p.type != ParameterDefinition::Type::Password)
                    p.defaultValue = dv.isBool() ? (dv.toBool() ? QStringLiteral("true") : QStringLiteral("false")) : dv.toString();
                for (const QJsonValue &c : po.value(QLatin1String("choices")).toArray())
                    p.choices << c.toString();
                out << p;
            }
    };
    read(o.value(QLatin1String("property")).toArray());
    read(o.value(QLatin1String("actions")).toArray());
    return out;
}

}  // namespace pilothouse::backends::jenkins
