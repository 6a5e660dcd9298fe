// Feeds the rollouts view live: informers for Rollouts and Deployments in every namespace, and
// for the ReplicaSets, Pods and AnalysisRuns of one focus namespace (the selected object's), from
// which RolloutInfo / DeploymentHistory are derived on demand. Lives on the thread of its
// KubeClient (the GUI thread for KubeSession::client()); changes are coalesced into one signal.
#pragma once

#include "kube/cache/informer.h"
#include "kube/api/kubeclient.h"
#include "workloads/scaling/scalingseries.h"
#include "rollouts/rolloutinfo.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <array>

namespace pilothouse::backends::rollouts {

class RolloutWatch : public QObject {
    Q_OBJECT

public:
    explicit RolloutWatch(QObject *parent = nullptr);
    ~RolloutWatch() override;

    // Watches through `client` (null: stops). The informers stop when the client goes away.
    void setClient(kube::KubeClient *client);
    kube::KubeClient *client() const { return m_client; }
    // ReplicaSets, Pods and AnalysisRuns are watched in this namespace only.
    void setFocusNamespace(const QString &ns);
    QString focusNamespace() const { return m_focus; }

    // Every Rollout ("ns/name" keys, sorted); revisions only for the focus namespace.
    QStringList rolloutKeys() const;
    QStringList deploymentKeys() const;
    RolloutInfo rollout(const QString &ns, const QString &name) const;
    DeploymentHistory deployment(const QString &ns, const QString &name) const;
    // The raw Rollout as last seen (for a re-read comparison).
    QByteArray rolloutJson(const QString &ns, const QString &name) const;
    RolloutInfo infoFor(const QJsonObject &rollout) const;   // with the focus namespace's objects
    // Pod tiles of one revision (by its ReplicaSet), oldest first.
    QList<workloads::PodTile> podTiles(const RevisionInfo &revision) const;

    // Rollouts and Deployments have listed once, and the focus namespace's objects too.
    bool isSynced() const;
    bool rolloutsAvailable() const { return m_rolloutsAvailable; }
    QString problem() const { return m_problem; }

    void setCoalesceInterval(int ms) { m_coalesce.setInterval(ms); }

Q_SIGNALS:
    void changed();
    void problemChanged(const QString &message);

private:
    enum Which { Rollouts, Deployments, ReplicaSets, Pods, AnalysisRuns, WhichCount };
    void startInformer(int which);
    void stopInformer(int which);
    void onState(int which, kube::Informer::State state, const ApiError &error);
    QList<QJsonObject> objectsIn(int which, const QString &ns) const;
    void setProblem(const QString &message);

    QPointer<kube::KubeClient> m_client;
    QMetaObject::Connection m_clientGone;
    QString m_focus;
    std::array<kube::Informer *, WhichCount> m_informers{};
    std::array<bool, WhichCount> m_synced{};
    std::array<quint64, WhichCount> m_generation{};
    std::array<QHash<QString, kube::KubeObjectPtr>, WhichCount> m_objects;
    bool m_rolloutsAvailable = true;
    QString m_problem;
    QTimer m_coalesce;
};

}  // namespace pilothouse::backends::rollouts
