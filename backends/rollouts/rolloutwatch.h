// Feeds the rollouts view live from the session's shared informers: Rollouts and Deployments in
// every namespace, and the ReplicaSets, Pods and AnalysisRuns of one focus namespace (the selected
// object's). RolloutInfo / DeploymentHistory for every object are derived on the session's worker,
// each object parsed once per version, and arrive here as one snapshot per burst of changes.
#pragma once

#include "kube/api/kubeclient.h"
#include "kube/session/kubesession.h"
#include "rollouts/rolloutinfo.h"
#include "workloads/scaling/scalingseries.h"

#include <QHash>
#include <QObject>
#include <QPointer>

namespace pilothouse::backends::rollouts {

// One line of the Rollouts list, derived on the worker with the rest of the snapshot so that the
// list never walks an object's JSON on the GUI thread.
struct RolloutSummary {
    QString kind;            // "Rollout" or "Deployment"
    QString ns;
    QString name;
    QString strategy;        // "BlueGreen", "Canary"; "RollingUpdate" for a Deployment
    QString status;          // rolloutStatusName(), or the Deployment's status
    QString step;            // canary: "2/6"
    int setWeight = -1;      // canary only
    int actualWeight = -1;
    int ready = 0;
    int desired = 0;
    QStringList images;      // the template's, whole references
    QString message;         // a Rollout's status message
    int revision = 0;        // a Deployment's current revision
    bool waiting = false;    // paused for promotion, degraded or aborted: it needs the operator
    // "Rollout:ns/name", "Deployment:ns/name": the list's row key.
    QString key() const { return kind + QLatin1Char(':') + ns + QLatin1Char('/') + name; }
    friend bool operator==(const RolloutSummary &, const RolloutSummary &) = default;
};

// What the view shows, as of one computation on the worker.
struct RolloutsSnapshot {
    QStringList rolloutKeys;                        // "ns/name", sorted
    QStringList deploymentKeys;
    QList<RolloutSummary> summaries;                // Rollouts, then Deployments, each by key
    // By RolloutSummary::key(): the resourceVersions an object's RolloutInfo / DeploymentHistory was
    // derived from (its own, and in the focus namespace its ReplicaSets', pods' and runs'). Equal
    // versions, equal derived values: the detail pane derives its view of one object once per change.
    QHash<QString, QString> versions;
    QHash<QString, RolloutInfo> rollouts;           // revisions only for the focus namespace
    QHash<QString, DeploymentHistory> deployments;  // likewise
    QHash<QString, kube::KubeObjectPtr> rolloutObjects;
    // The focus namespace's objects, parsed, for deriving a freshly read Rollout's info.
    QString focus;
    QList<QJsonObject> focusReplicaSets, focusPods, focusAnalysisRuns;
    QHash<QString, workloads::PodTile> focusPodTiles;  // by pod name
    bool synced = false;             // every input listed (or is known to be absent)
    bool rolloutsAvailable = true;   // the cluster serves rollouts.argoproj.io
    QString problem;                 // what stops the view from being complete, for the operator
};

class RolloutWatch : public QObject {
    Q_OBJECT

public:
    explicit RolloutWatch(QObject *parent = nullptr);
    ~RolloutWatch() override;

    // Watches through the session's shared informers (null: stops).
    void setSession(kube::KubeSession *session);
    // The session's client, for reads (the re-read after an action).
    kube::KubeClient *client() const { return m_session ? m_session->client() : nullptr; }
    // ReplicaSets, Pods and AnalysisRuns are watched in this namespace only.
    void setFocusNamespace(const QString &ns);
    QString focusNamespace() const { return m_focus; }

    QStringList rolloutKeys() const { return m_snapshot.rolloutKeys; }
    QStringList deploymentKeys() const { return m_snapshot.deploymentKeys; }
    RolloutInfo rollout(const QString &ns, const QString &name) const;
    DeploymentHistory deployment(const QString &ns, const QString &name) const;
    // The raw Rollout as last seen (for a re-read comparison).
    QByteArray rolloutJson(const QString &ns, const QString &name) const;
    // A Rollout just read, with the focus namespace's objects.
    RolloutInfo infoFor(const QJsonObject &rollout) const;
    // Pod tiles of one revision (by its ReplicaSet), oldest first.
    QList<workloads::PodTile> podTiles(const RevisionInfo &revision) const;
    const RolloutsSnapshot &snapshot() const { return m_snapshot; }

    // Rollouts and Deployments have listed once, and the focus namespace's objects too.
    bool isSynced() const { return m_session && m_snapshot.synced && m_snapshot.focus == m_focus; }
    bool rolloutsAvailable() const { return m_snapshot.rolloutsAvailable; }
    QString problem() const { return m_problem; }

    // How long changes are gathered before the snapshot is derived again.
    void setCoalesceInterval(int ms);

    // The derivation itself (pure but for its parse cache), for tests and benchmarks.
    class Deriver;

Q_SIGNALS:
    void changed();
    void problemChanged(const QString &message);

private:
    QList<kube::WatchSpec> inputs() const;
    void onSnapshot(const RolloutsSnapshot &snapshot);
    void setProblem(const QString &message);

    QPointer<kube::KubeSession> m_session;
    QPointer<kube::Projection> m_projection;
    QString m_focus;
    RolloutsSnapshot m_snapshot;
    QString m_problem;
    int m_coalesceMs = 100;
};

// Keeps each input object parsed once per resourceVersion and derives the snapshot.
class RolloutWatch::Deriver {
public:
    RolloutsSnapshot derive(const kube::ProjectionInputs &inputs, const QString &focus);

private:
    struct Parsed {
        QString resourceVersion;
        QJsonObject object;
        QString ownerUid;        // the first owner reference's
        QString ownerKindName;   // "Kind/name" of it
    };
    QHash<QString, Parsed> &cacheFor(int input) { return m_cache[input]; }
    const Parsed &parsed(int input, const kube::KubeObjectPtr &object);
    void prune(int input, const QHash<QString, kube::KubeObjectPtr> &objects);

    QHash<QString, Parsed> m_cache[5];
    QHash<QString, std::pair<QString, workloads::PodTile>> m_tiles;  // pod key -> (resourceVersion, tile)
};

}  // namespace pilothouse::backends::rollouts

Q_DECLARE_METATYPE(pilothouse::backends::rollouts::RolloutsSnapshot)
