// What an operator needs to see of an Argo Rollout, derived purely from the Rollout, its
// ReplicaSets, Pods and AnalysisRuns with the rules of the kubectl-argo-rollouts plugin
// (info/rollout_info.go, replicaset_info.go, analysisrun_info.go, utils/rollout/rolloututil.go).
// The same revision view serves a plain Deployment's history (deployment.kubernetes.io/revision).
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pilothouse::backends::rollouts {

// Label and annotations the Rollouts controller writes.
inline constexpr const char *kPodTemplateHashLabel = "rollouts-pod-template-hash";
inline constexpr const char *kRevisionAnnotation = "rollout.argoproj.io/revision";
inline constexpr const char *kScaleDownDeadlineAnnotation = "scale-down-deadline";
inline constexpr const char *kDeploymentRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char *kDeploymentHashLabel = "pod-template-hash";

// Healthy, Progressing, Paused and Degraded are the plugin's phases; Aborted is a Degraded
// rollout whose status.abort is set (the plugin prints it as Degraded with a RolloutAborted
// message), shown apart because retry applies to it and to nothing else.
enum class RolloutStatus { Healthy, Progressing, Paused, Degraded, Aborted, Unknown };
QString rolloutStatusName(RolloutStatus s);

enum class Strategy { Unknown, BlueGreen, Canary };

struct PodInfo {
    QString name;
    QString status;        // kubectl's STATUS: phase, a waiting/terminated reason, Terminating
    int ready = 0;         // containers ready
    int total = 0;
    int restarts = 0;
    bool isReady() const { return total > 0 && ready == total && status == QLatin1String("Running"); }
};

// One ReplicaSet of a Rollout (or Deployment): a revision.
struct RevisionInfo {
    QString name;
    QString uid;
    QString podTemplateHash;
    int revision = 0;
    QStringList images;
    QStringList initImages;
    int desired = 0;       // spec.replicas
    int replicas = 0;      // status.replicas
    int ready = 0;
    int available = 0;
    QString health;        // Healthy, Progressing, ScaledDown, ReplicaFailure
    bool active = false;   // blue-green: the active service selects it
    bool preview = false;  // blue-green: the preview service selects it (and not the active one)
    bool stable = false;
    bool canary = false;
    QDateTime scaleDownDeadline;  // invalid when none
    QDateTime created;
    QList<PodInfo> pods;
    QJsonObject podTemplate;      // spec.template as the ReplicaSet holds it (for undo)
    QJsonObject annotations;      // the ReplicaSet's (a Deployment's undo copies them back)

    int readyPods() const;
    QStringList roles() const;    // "stable", "active", "preview", "canary"
    // "revision 4 (storefront:170)": the image tags only, since repositories rarely differ.
    QString label() const;
};

struct Measurement {
    QString value;
    QString phase;         // Successful, Failed, Inconclusive, Error, Running
    QString message;
    QDateTime startedAt;
    QDateTime finishedAt;
};

struct MetricResult {
    QString name;
    QString phase;
    QString message;
    QString successCondition;
    QString failureCondition;
    QString provider;      // "prometheus", "job", "web", ...
    int count = 0;         // measurements wanted (0: until stopped)
    int successful = 0;
    int failed = 0;
    int inconclusive = 0;
    int error = 0;
    QList<Measurement> measurements;
};

struct AnalysisRunInfo {
    QString name;
    int revision = 0;
    QString phase;         // Pending, Running, Successful, Failed, Error, Inconclusive
    QString message;
    QDateTime created;
    QList<MetricResult> metrics;
    int successful = 0, failed = 0, inconclusive = 0, error = 0;
};

struct CanaryStep {
    QString text;          // "setWeight: 25", "pause", "pause: 20s", "analysis"
    std::optional<int> setWeight;
    bool pause = false;
    QString pauseDuration; // as written; empty: indefinite
};

struct RolloutInfo {
    QString ns;
    QString name;
    QString uid;
    QString resourceVersion;
    QDateTime created;

    RolloutStatus status = RolloutStatus::Unknown;
    QString phase;         // the plugin's status string
    QString message;       // the plugin's message ("BlueGreenPause", "RolloutAborted: ...")
    QStringList errorConditions;
    bool invalidSpec = false;

    Strategy strategy = Strategy::Unknown;
    QString strategyName;  // "BlueGreen", "Canary"
    // Canary: "2/6" when status.currentStepIndex is set; current index -1 when not.
    QString step;
    int currentStepIndex = -1;
    QList<CanaryStep> steps;
    int setWeight = -1;    // canary only: desired weight of the current step
    int actualWeight = -1; // canary only: share of available pods in the canary

    int desired = 1, current = 0, updated = 0, ready = 0, available = 0;

    bool specPaused = false;
    bool controllerPause = false;
    bool aborted = false;
    bool promoteFull = false;
    QStringList pauseReasons;   // BlueGreenPause, CanaryPauseStep, InconclusiveAnalysisRun, ...
    QString currentPodHash;
    QString stableRS;
    QString activeSelector;
    QString previewSelector;
    QString activeService;
    QString previewService;
    bool autoPromotionEnabled = true;
    int autoPromotionSeconds = 0;
    int scaleDownDelaySeconds = 30;
    QString gitopsApp;          // annotation pilothouse.dev/gitops-app

    QJsonObject podTemplate;    // spec.template
    QList<RevisionInfo> revisions;   // newest revision first
    QList<AnalysisRunInfo> analysisRuns;  // newest revision first
    QString error;              // the input could not be read; everything else is empty

    const RevisionInfo *revisionByHash(const QString &hash) const;
    const RevisionInfo *revisionByNumber(int revision) const;
    const RevisionInfo *activeRevision() const;
    const RevisionInfo *previewRevision() const;
    const RevisionInfo *stableRevision() const;
    const RevisionInfo *currentRevision() const;   // the one the template names (currentPodHash)
    QStringList images() const;                     // of spec.template's containers
};

// Malformed input (no metadata.name, not a Rollout) gives an info whose `error` says what is wrong.
RolloutInfo rolloutInfo(const QJsonObject &rollout, const QList<QJsonObject> &replicaSets, const QList<QJsonObject> &pods,
                        const QList<QJsonObject> &analysisRuns);

// The plugin's RolloutStatusString rules (GetRolloutPhase / CalculateRolloutPhase): {phase, message}.
std::pair<QString, QString> rolloutPhase(const QJsonObject &rollout);

// A Deployment's history: its ReplicaSets by deployment.kubernetes.io/revision, newest first; the
// one matching the Deployment's template (highest revision) is marked stable/active.
struct DeploymentHistory {
    QString ns;
    QString name;
    QString resourceVersion;
    bool paused = false;
    int currentRevision = 0;
    int desired = 1, updated = 0, ready = 0, available = 0;
    QString status;             // Healthy, Progressing, Paused (as `kubectl rollout status` would wait)
    QJsonObject podTemplate;
    QJsonObject annotations;
    QList<RevisionInfo> revisions;
    QString error;
    const RevisionInfo *revisionByNumber(int revision) const;
};
DeploymentHistory deploymentHistory(const QJsonObject &deployment, const QList<QJsonObject> &replicaSets, const QList<QJsonObject> &pods);

// Pod STATUS as kubectl prints it, for pod tiles.
PodInfo podInfo(const QJsonObject &pod);

// "storefront:170" from "registry.pilothouse.dev/shop/storefront:170".
QString shortImage(const QString &image);

}  // namespace pilothouse::backends::rollouts
