// Feeds the scaling view live from the session's shared informers: deployments, HPAs
// (autoscaling/v2) and events of one namespace, and the pods of one Deployment (by its selector,
// filtered by the server). Objects are parsed on the session's worker, once per version; here the
// values are recorded into a ScalingSeries on every change and once a second. Lives on the GUI
// thread; emits value snapshots.
#pragma once

#include "kube/session/kubesession.h"
#include "workloads/scaling/scalingseries.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>


namespace pilothouse::backends::workloads {

using kube::ResourceRef;

class ScalingWatch : public QObject {
    Q_OBJECT

public:
    ScalingWatch(QString ns, QString deployment, QObject *parent = nullptr);
    ~ScalingWatch() override;

    static ResourceRef horizontalPodAutoscalers();
    static ResourceRef events();

    // Watches through the session's shared informers (null: stops). A reconnect relists; the
    // recorded history stays.
    void setSession(kube::KubeSession *session);
    kube::KubeSession *session() const { return m_session; }

    // What the worker derives from the informers (internal; public for the projection).
    struct Derived;

    QString namespaceName() const { return m_ns; }
    QString deploymentName() const { return m_deployment; }
    const ScalingSeries &series() const { return m_series; }
    const DeploymentInfo &deployment() const { return m_deploymentInfo; }
    const HpaInfo &hpa() const { return m_hpa; }
    // The deployment's pods, oldest first.
    QList<PodTile> pods() const;
    // Every informer of the current client has listed once.
    bool isSynced() const;
    // False when Events cannot be watched (RBAC): markers then come from changes of desired replicas.
    bool eventsReadable() const { return m_eventsReadable; }
    QString problem() const { return m_problem; }

    // Tests shorten it; the view's time axis moves with it.
    void setTickInterval(int ms) { m_tick.setInterval(ms); }

Q_SIGNALS:
    void deploymentChanged(const pilothouse::backends::workloads::DeploymentInfo &deployment);
    void hpaChanged(const pilothouse::backends::workloads::HpaInfo &hpa);
    void podsChanged(const QList<pilothouse::backends::workloads::PodTile> &pods);
    // After every record(); `replacedLast`: the series' last point changed instead of a new one.
    void sampleRecorded(const pilothouse::backends::workloads::ScalingSample &sample, bool replacedLast);
    void eventsAdded(const QList<pilothouse::backends::workloads::ScalingEvent> &events);
    void syncedChanged(bool synced);
    // A one-line description of what is wrong ("" when nothing is), for the view's status line.
    void problemChanged(const QString &message);

private:
    void onDerived(const Derived &d);
    void applyDeployment(const DeploymentInfo &info, bool present);
    void selectHpa();
    void rematchPods(const QList<PodTile> &pods);
    std::optional<ScalingEvent> applyEvent(ScalingEvent e, bool live);
    void recordSample();
    void setProblem(const QString &message);
    QList<kube::WatchSpec> inputs() const;
    void updateProblem();

    QString m_ns;
    QString m_deployment;
    QPointer<kube::KubeSession> m_session;
    QPointer<kube::Projection> m_projection;
    bool m_synced = false;
    bool m_deploymentsSynced = false;
    bool m_eventsPrimed = false;   // the first listed events were taken (later ones are live)
    QString m_watchProblem;
    QTimer m_tick;

    ScalingSeries m_series;
    DeploymentInfo m_deploymentInfo;
    HpaInfo m_hpa;
    QString m_hpaVersion;                     // resourceVersion of the selected HPA
    QHash<QString, HpaInfo> m_allHpas;        // by name: the target of any HPA may change
    QHash<QString, QString> m_hpaVersions;
    QString m_deploymentVersion;
    QHash<QString, PodTile> m_pods;           // the deployment's
    QSet<QString> m_seenEvents;               // Event uid + count of the events the server has now, each taken once
    QList<ScalingEvent> m_hpaEvents;          // scaling events of any HPA, until it is known which one is ours
    bool m_eventsReadable = true;
    QString m_problem;
};

}  // namespace pilothouse::backends::workloads
