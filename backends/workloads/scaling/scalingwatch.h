// Feeds the scaling view live: informers for deployments, HPAs (autoscaling/v2), pods and
// events in one namespace, filtered here to one Deployment, recorded into a ScalingSeries
// on every change and once a second. Lives on the thread of its KubeClient (the GUI thread
// for KubeSession::client()); emits value snapshots.
#pragma once

#include "kube/cache/informer.h"
#include "kube/api/kubeclient.h"
#include "workloads/scaling/scalingseries.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <array>

namespace pilothouse::backends::workloads {

using kube::ChangeBatch;
using kube::Informer;
using kube::KubeClient;
using kube::KubeObjectPtr;
using kube::ObjectList;
using kube::ResourceRef;

class ScalingWatch : public QObject {
    Q_OBJECT

public:
    ScalingWatch(QString ns, QString deployment, QObject *parent = nullptr);
    ~ScalingWatch() override;

    static ResourceRef horizontalPodAutoscalers();
    static ResourceRef events();

    // Watches through `client` (null: stops). A new client (a reconnect) relists; the recorded
    // history stays. When the client is destroyed the informers stop with it.
    void setClient(KubeClient *client);
    KubeClient *client() const { return m_client; }

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
    enum Which { Deployments, Hpas, Pods, Events, WhichCount };

    void stopInformers();
    void onSynced(int which, const ObjectList &objects);
    void onChanged(int which, const ChangeBatch &batch);
    void onState(int which, Informer::State state, const ApiError &error);
    void applyDeployment(const KubeObjectPtr &object, bool deleted);
    void applyHpa(const KubeObjectPtr &object, bool deleted);
    void applyPod(const KubeObjectPtr &object, bool deleted);
    void applyEvent(const KubeObjectPtr &object, bool live, QList<ScalingEvent> &added);
    void selectHpa();
    void rematchPods();
    void recordSample();
    void setProblem(const QString &message);

    QString m_ns;
    QString m_deployment;
    QPointer<KubeClient> m_client;
    QMetaObject::Connection m_clientGone;
    std::array<Informer *, WhichCount> m_informers{};
    std::array<bool, WhichCount> m_synced{};
    quint64 m_generation = 0;
    QTimer m_tick;

    ScalingSeries m_series;
    DeploymentInfo m_deploymentInfo;
    HpaInfo m_hpa;
    QString m_hpaVersion;                     // resourceVersion of the selected HPA
    QHash<QString, HpaInfo> m_allHpas;        // by name: the target of any HPA may change
    QHash<QString, QString> m_hpaVersions;
    QHash<QString, PodTile> m_allPods;        // every pod of the namespace, by name
    QHash<QString, PodTile> m_pods;           // the deployment's
    QList<ScalingEvent> m_hpaEvents;          // scaling events of any HPA, until it is known which one is ours
    bool m_eventsReadable = true;
    QString m_problem;
};

}  // namespace pilothouse::backends::workloads
