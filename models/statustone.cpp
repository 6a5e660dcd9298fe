// Status word → tone: one table for Kubernetes, Argo, Jenkins, the connection and log levels.
#include "statustone.h"

#include <QHash>

namespace pilothouse::models {

namespace {

using T = StatusTone;

// Spelled exactly as the tools spell them. Where two tools share a word they agree on its tone,
// except the Jenkins spellings, which are upper case or colour names and kept apart.
const QHash<QString, StatusTone> &exactTable()
{
    static const QHash<QString, StatusTone> table = [] {
        QHash<QString, StatusTone> t;
        auto add = [&t](T tone, std::initializer_list<const char *> words) {
            for (const char *w : words)
                t.insert(QString::fromLatin1(w), tone);
        };
        // Pods (kubectl's STATUS column), nodes, jobs, volumes.
        add(T::Good, {"Running", "Completed", "Succeeded", "Ready", "Complete", "Bound", "Active", "Available"});
        add(T::Progress, {"Pending", "ContainerCreating", "PodInitializing"});
        add(T::Bad, {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName",
                     "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "Error", "Failed",
                     "OOMKilled", "Evicted", "NotReady", "DeadlineExceeded", "BackoffLimitExceeded", "Lost"});
        add(T::Neutral, {"Terminating", "Released"});
        add(T::Unknown, {"Unknown", "ContainerStatusUnknown"});
        add(T::Warning, {"SchedulingDisabled", "Ready,SchedulingDisabled", "NotReady,SchedulingDisabled"});
        // Argo Rollouts (kubectl-argo-rollouts' status words) and its analysis runs.
        add(T::Progress, {"Progressing"});
        add(T::Good, {"Healthy", "Successful"});
        add(T::Paused, {"Paused", "Suspended", "Waiting for promotion", "Waiting for approval", "Waiting for input", "Waiting"});
        add(T::Bad, {"Degraded", "Aborted"});
        add(T::Warning, {"Inconclusive"});
        // Argo CD: sync status, health, operation phase.
        add(T::Good, {"Synced"});
        add(T::Warning, {"OutOfSync", "Missing"});
        add(T::Progress, {"Requested", "Syncing"});
        // Jenkins: run status (wfapi) and job colours.
        add(T::Good, {"SUCCESS", "blue"});
        add(T::Bad, {"FAILURE", "FAILED", "red"});
        add(T::Warning, {"UNSTABLE", "yellow"});
        add(T::Neutral, {"ABORTED", "aborted", "NOT_EXECUTED", "NOT_BUILT", "notbuilt", "disabled", "grey", "SKIPPED"});
        add(T::Progress, {"IN_PROGRESS", "QUEUED"});
        add(T::Paused, {"PAUSED_PENDING_INPUT", "PAUSED"});
        // The connection indicator.
        add(T::Good, {"Live", "Connected"});
        add(T::Progress, {"Connecting", "Reconnecting"});
        add(T::Neutral, {"Disconnected"});
        // Log levels.
        add(T::Bad, {"ERROR", "FATAL", "CRITICAL"});
        add(T::Warning, {"WARN", "WARNING"});
        add(T::Neutral, {"INFO", "DEBUG", "TRACE"});
        return t;
    }();
    return table;
}

// Lower-case forms seen in logs and hand-written labels ("error", "warning", "healthy").
const QHash<QString, StatusTone> &foldedTable()
{
    static const QHash<QString, StatusTone> table = [] {
        QHash<QString, StatusTone> t;
        for (const char *w : {"ok", "success", "healthy", "running", "synced", "ready", "live"})
            t.insert(QString::fromLatin1(w), T::Good);
        for (const char *w : {"error", "failed", "failure", "fatal", "degraded", "crashloopbackoff"})
            t.insert(QString::fromLatin1(w), T::Bad);
        for (const char *w : {"warn", "warning", "outofsync", "unstable"})
            t.insert(QString::fromLatin1(w), T::Warning);
        for (const char *w : {"pending", "progressing", "in_progress", "connecting", "reconnecting"})
            t.insert(QString::fromLatin1(w), T::Progress);
        for (const char *w : {"paused", "suspended"})
            t.insert(QString::fromLatin1(w), T::Paused);
        for (const char *w : {"info", "debug", "trace", "terminating", "disconnected"})
            t.insert(QString::fromLatin1(w), T::Neutral);
        return t;
    }();
    return table;
}

}  // namespace

StatusTone statusTone(QStringView word)
{
    const QString w = word.trimmed().toString();
    if (w.isEmpty())
        return T::Unknown;
    if (auto it = exactTable().constFind(w); it != exactTable().cend())
        return it.value();
    // Init containers: "Init:0/2" is on its way, "Init:CrashLoopBackOff" is the inner reason's tone.
    if (w.startsWith(QLatin1String("Init:"))) {
        const QStringView inner = QStringView(w).mid(5);
        const StatusTone t = statusTone(inner);
        return t == T::Unknown ? T::Progress : t;
    }
    // Jenkins colours of a running build: "blue_anime", "red_anime"…
    if (w.endsWith(QLatin1String("_anime")))
        return T::Progress;
    // kubectl joins a pod reason with "Signal:9" or "ExitCode:1" for terminated containers.
    if (w.startsWith(QLatin1String("Signal:")) || w.startsWith(QLatin1String("ExitCode:")))
        return T::Bad;
    if (w.startsWith(QLatin1String("Waiting for ")))
        return T::Paused;
    if (auto it = foldedTable().constFind(w.toLower()); it != foldedTable().cend())
        return it.value();
    return T::Unknown;
}

QString statusToneName(StatusTone tone)
{
    switch (tone) {
    case T::Good: return QStringLiteral("good");
    case T::Progress: return QStringLiteral("progress");
    case T::Paused: return QStringLiteral("paused");
    case T::Warning: return QStringLiteral("warning");
    case T::Bad: return QStringLiteral("bad");
    case T::Neutral: return QStringLiteral("neutral");
    case T::Unknown: break;
    }
    return QStringLiteral("unknown");
}

}  // namespace pilothouse::models
