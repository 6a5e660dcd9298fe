// Feeds the rollouts view live from the session's shared informers: Rollouts and Deployments in
// every namespace, and for the selected object (the focus) its ReplicaSets and pods, watched by its
// selector, and the AnalysisRuns of its namespace. RolloutInfo / DeploymentHistory are derived on
// the session's worker, each object only when its version or its children's changed, and arrive
// here as one snapshot per burst of changes. The focus is watched by selector rather than by
// namespace: a busy namespace's 10,000 pods are not parsed to show the five of one rollout
// (bench/bench_busy, docs/benchmarks.md).
#pragma once

#include "kube/api/kubeclient.h"
#include "kube/session/kubesession.h"
#include "rollouts/rolloutinfo.h"
#include "workloads/scaling/scalingseries.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <optional>

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
    QString selector;        // spec.selector as a label query ("app=web"); empty when it has none
    bool waiting = false;    // paused for promotion, degraded or aborted: it needs the operator
    QString rowKey;          // key(), made once on the worker (the list asks for it per row per update)
    // "Rollout:ns/name", "Deployment:ns/name": the list's row key.
    QString key() const { return rowKey.isEmpty() ? kind + QLatin1Char(':') + ns + QLatin1Char('/') + name : rowKey; }
    friend bool operator==(const RolloutSummary &, const RolloutSummary &) = default;
};

// What the view shows, as of one computation on the worker.
struct RolloutsSnapshot {
    QStringList rolloutKeys;                        // "ns/name", sorted
    QStringList deploymentKeys;
    QList<RolloutSummary> summaries;                // Rollouts, then Deployments, each by key
    // By RolloutSummary::key(): the resourceVersions an object's RolloutInfo / DeploymentHistory was
    // derived from (its own, and when focused its ReplicaSets', pods' and runs'). Equal versions,
    // equal derived values: the detail pane derives its view of one object once per change.
    QHash<QString, QString> versions;
    QHash<QString, RolloutInfo> rollouts;           // revisions only for focused objects
    QHash<QString, DeploymentHistory> deployments;  // likewise
    QHash<QString, kube::KubeObjectPtr> rolloutObjects;
    // The focus the children were watched for: objects of this namespace with this selector get
    // their revisions, pods and runs. focusId() is empty when nothing is in focus.
    bool hasFocus = false;
    QString focusNamespace, focusSelector;
    QString focusId() const { return hasFocus ? focusNamespace + QLatin1Char('|') + focusSelector : QString(); }
    // The focus's children, parsed, for deriving a freshly read Rollout's info.
    QList<QJsonObject> focusReplicaSets, focusPods, focusAnalysisRuns;
    QHash<QString, workloads::PodTile> focusPodTiles;  // by pod name
    int derivations = 0;             // RolloutInfo / DeploymentHistory derived for this snapshot (the rest reused)
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
    // The selected object ("Rollout" or "Deployment"): its ReplicaSets and pods are watched by its
    // selector (known once a snapshot carries the object), its namespace's AnalysisRuns. An empty
    // name: no focus.
    void setFocus(const QString &kind, const QString &ns, const QString &name);
    // The snapshot's children are the current focus's (pod tiles and revisions are complete).
    bool focusCurrent() const { return m_wantedFocus && m_snapshot.focusId() == *m_wantedFocus; }

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

    // Rollouts and Deployments have listed once, and the focus's children too.
    bool isSynced() const { return m_session && m_snapshot.synced && (!m_wantedFocus || focusCurrent()); }
    bool rolloutsAvailable() const { return m_snapshot.rolloutsAvailable; }
    QString problem() const { return m_problem; }

    // The least time between two derivations (30 ms, the informers' batching: a derivation only
    // redoes what changed).
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
    // Resolves the focus object's selector from the snapshot and watches its children.
    void updateFocusInputs();

    QPointer<kube::KubeSession> m_session;
    QPointer<kube::Projection> m_projection;
    QString m_focusKey;                  // "Kind:ns/name" of the selected object
    QString m_focusNs, m_focusSelector;  // what the children inputs watch
    bool m_focusWatched = false;         // the inputs include the children
    std::optional<QString> m_wantedFocus;  // focusId() of the focus once its selector is known
    RolloutsSnapshot m_snapshot;
    QString m_problem;
    int m_coalesceMs = 30;
};

// Derives the snapshot, reusing what it derived before: a Rollout's or Deployment's info while its
// resourceVersion (and, when focused, its children's) is unchanged, each child parsed once per
// resourceVersion. Inputs: Rollouts, Deployments[, ReplicaSets, Pods, AnalysisRuns of the focus].
class RolloutWatch::Deriver {
public:
    RolloutsSnapshot derive(const kube::ProjectionInputs &inputs);

    // The label query of an object's spec.selector ("" when it has none).
    static QString selectorOf(const QJsonObject &object);

private:
    struct Parsed {
        QString resourceVersion;
        QJsonObject object;
        QString ownerUid;        // the first owner reference's
        QString ownerKindName;   // "Kind/name" of it
    };
    template <class Info>
    struct Derived {
        QString versionKey;      // "Rollout:ns/name": the key of versions and of the list's row
        QString resourceVersion;
        QString plainVersion;    // resourceVersion + "-": the version of the info without children
        QString selector;
        QJsonObject object;      // kept while the object is focused (its children change on their own)
        Info plain;              // without children
        RolloutSummary summary;
        QString focusVersion;    // the version its focused info was derived at
        Info focused;
    };
    const Parsed &parsed(int input, const kube::KubeObjectPtr &object);
    // Drops what is no longer in `objects`; true when something went.
    template <class Info>
    bool prune(QHash<QString, Info> &cache, const QHash<QString, kube::KubeObjectPtr> &objects);

    QHash<QString, Parsed> m_children[3];  // ReplicaSets, Pods, AnalysisRuns
    QHash<QString, Derived<RolloutInfo>> m_rollouts;
    QHash<QString, Derived<DeploymentHistory>> m_deployments;
    QStringList m_rolloutKeys, m_deploymentKeys;  // sorted; again only when objects come or go
    QHash<QString, std::pair<QString, workloads::PodTile>> m_tiles;  // pod key -> (resourceVersion, tile)
};

}  // namespace pilothouse::backends::rollouts

Q_DECLARE_METATYPE(pilothouse::backends::rollouts::RolloutsSnapshot)
