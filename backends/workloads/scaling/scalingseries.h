// The live scaling view's data, pure: readers for Deployment, HPA (autoscaling/v2), Pod and
// Event JSON, and the bounded history of replica counts, CPU and scaling events it plots.
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <deque>
#include <optional>
#include <set>

namespace pilothouse::backends::workloads {

// One point of the timeline. Replica counts come from the Deployment (spec.replicas,
// status.replicas, status.readyReplicas); CPU and target from its HPA, when there is one.
struct ScalingSample {
    qint64 msecs = 0;  // local clock, milliseconds since the epoch
    int desired = 0;
    int current = 0;
    int ready = 0;
    std::optional<int> cpuPercent;
    std::optional<int> targetPercent;

    // Same values, whatever the time.
    bool sameValues(const ScalingSample &o) const
    {
        return desired == o.desired && current == o.current && ready == o.ready && cpuPercent == o.cpuPercent &&
               targetPercent == o.targetPercent;
    }
};

// A scaling decision reported by the cluster (HPA SuccessfulRescale, deployment
// ScalingReplicaSet) or, where Events cannot be read, a change of desired replicas.
struct ScalingEvent {
    qint64 msecs = 0;
    QString reason;
    QString message;
    QString uid;         // of the Event object; empty for synthesized events
    int count = 1;       // the Event's aggregation count: a repeat is a new occurrence
    QString objectKind;  // involvedObject.kind
    QString objectName;  // involvedObject.name
};

// metadata.labels matching in the form of a Deployment's spec.selector.
struct LabelSelector {
    struct Requirement {
        QString key;
        QString op;  // In, NotIn, Exists, DoesNotExist
        QStringList values;
        bool operator==(const Requirement &) const = default;
    };
    QMap<QString, QString> matchLabels;
    QList<Requirement> expressions;
    bool valid = false;  // false: the selector is missing (it then matches nothing, as the API server requires one)

    bool matches(const QMap<QString, QString> &labels) const;
    // The same selector in the API's labelSelector query syntax ("app=web,tier in (a,b),!canary"),
    // so the server filters and only the workload's objects are watched.
    QString toQuery() const;
    bool operator==(const LabelSelector &) const = default;
};

struct DeploymentInfo {
    bool found = false;
    QString ns;
    QString name;
    QString uid;
    int desired = 1;  // spec.replicas (the API server defaults it to 1)
    int current = 0;  // status.replicas
    int ready = 0;    // status.readyReplicas
    int updated = 0;
    int available = 0;
    LabelSelector selector;
};

struct HpaInfo {
    bool present = false;
    QString name;
    QString targetKind;  // spec.scaleTargetRef
    QString targetName;
    int minReplicas = 1;
    int maxReplicas = 0;
    std::optional<int> targetPercent;   // spec.metrics[] cpu target.averageUtilization
    std::optional<int> currentPercent;  // status.currentMetrics[] cpu current.averageUtilization
    std::optional<int> desiredReplicas; // status.desiredReplicas

    bool targets(const QString &kind, const QString &name) const { return present && targetKind == kind && targetName == name; }
};

// How a pod tile is coloured: the operator's question is "is it serving yet, or leaving?".
enum class PodTilePhase { Pending, Running, Ready, Terminating, Failed };
constexpr int PodTilePhaseCount = 5;

struct PodTile {
    QString name;
    QString uid;
    PodTilePhase phase = PodTilePhase::Pending;
    QString detail;        // kubectl-like status: ContainerCreating, Running, CrashLoopBackOff, ...
    QString node;
    qint64 createdMsecs = 0;
    int restarts = 0;
    QMap<QString, QString> labels;
};

QString podTilePhaseName(PodTilePhase phase);

// Readers; each returns a "not found/absent" value for JSON that is not the expected object.
DeploymentInfo parseDeployment(const QByteArray &json);
HpaInfo parseHpa(const QByteArray &json);
std::optional<PodTile> parsePodTile(const QByteArray &json);
std::optional<ScalingEvent> parseScalingEvent(const QByteArray &json);
// The reasons that mark a scaling decision on the timeline.
bool isScalingReason(const QString &reason);
// RFC 3339 (with or without fractional seconds) to milliseconds since the epoch; 0 when unparsable.
qint64 parseKubeTime(const QString &text);

// The recorded history. Memory stays bounded whatever the view's lifetime: an unchanged
// state extends the last point instead of adding one, changes within a second of a change
// merge into it (at most one step a second, each followed by at most one point ending its
// run), and beyond maxSamples the oldest points go.
class ScalingSeries {
public:
    // Unchanged: nothing to redraw. ReplacedLast: the last point moved or took new values.
    enum class Change { Unchanged, Appended, ReplacedLast };

    explicit ScalingSeries(int maxSamples = 20000, int maxEvents = 1000);

    // Records the state at sample.msecs (earlier than the last point counts as the last
    // point's time: the local clock may step back). Tells how the last point changed.
    Change record(ScalingSample sample);
    // False when the event (uid and count) is known already.
    bool addEvent(const ScalingEvent &event);

    const std::deque<ScalingSample> &samples() const { return m_samples; }
    const std::deque<ScalingEvent> &events() const { return m_events; }
    std::optional<ScalingSample> last() const;
    // The sample in force at `msecs` (the last one at or before it).
    std::optional<ScalingSample> at(qint64 msecs) const;
    int maxSamples() const { return m_maxSamples; }
    void clear();

private:
    std::deque<ScalingSample> m_samples;
    std::deque<ScalingEvent> m_events;
    std::set<QString> m_eventKeys;
    bool m_lastIsStep = false;  // the last point starts new values (rather than ending a run)
    int m_maxSamples;
    int m_maxEvents;
};

}  // namespace pilothouse::backends::workloads

Q_DECLARE_METATYPE(pilothouse::backends::workloads::ScalingSample)
Q_DECLARE_METATYPE(pilothouse::backends::workloads::ScalingEvent)
Q_DECLARE_METATYPE(pilothouse::backends::workloads::DeploymentInfo)
Q_DECLARE_METATYPE(pilothouse::backends::workloads::HpaInfo)
Q_DECLARE_METATYPE(pilothouse::backends::workloads::PodTile)
