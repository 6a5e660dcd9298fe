// The merged log of a workload: watches the pods of a namespace that match a label selector (a
// Deployment's spec.selector.matchLabels) and follows every started container of each with its
// own LogStream as pods come and go, forwarding lines in arrival order (each names its pod).
#pragma once

#include "kube/session/kubesession.h"
#include "kube/api/kubeclient.h"
#include "workloads/logs/logline.h"
#include "workloads/logs/logstream.h"

#include <QHash>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>

#include <memory>

namespace pilothouse::backends::workloads {

using kube::Informer;
using kube::KubeClient;
using kube::KubeObjectPtr;

class WorkloadLogs : public QObject {
    Q_OBJECT

public:
    using Labels = QMap<QString, QString>;

    struct StreamInfo {
        QString pod;
        QString container;
        LogStream::State state = LogStream::State::Idle;
        QString detail;
        qint64 retryAtMsecs = 0;
    };

    // The pods come from the session's shared informers (only those the selector matches, filtered
    // by the server, parsed on the session's worker); the streams use the session's client.
    WorkloadLogs(kube::KubeSession *session, QString ns, Labels matchLabels, QObject *parent = nullptr);
    ~WorkloadLogs() override;

    // Per container, for the first request of each stream (default 200).
    void setTailLines(int lines) { m_tailLines = lines; }
    // Passed to every stream; tests shorten it.
    void setBackoff(int initialMs, int maxMs);

    void start();
    void stop();

    QString ns() const { return m_ns; }
    Labels matchLabels() const { return m_selector; }
    // Pods that match now (sorted), whether or not their containers have started.
    QStringList pods() const;
    // One entry per stream, sorted by pod and container.
    QList<StreamInfo> streams() const;
    Informer::State podWatchState() const { return m_podWatchState; }
    QString podWatchDetail() const { return m_podWatchDetail; }
    // True once the pod list arrived (an empty workload is then really empty).
    bool podsSynced() const { return m_synced; }

    // Equality-based selector semantics: every key present with the same value; an empty
    // selector matches nothing (as the API server treats a Deployment's).
    static bool selectorMatches(const Labels &selector, const Labels &labels);
    // spec.selector.matchLabels of a Deployment, ReplicaSet, StatefulSet or DaemonSet (its
    // JSON, e.g. KubeObject::json()); empty when it has none (matchExpressions are not followed).
    static Labels matchLabelsOf(const QByteArray &workloadJson);
    // spec.containers[].name of a pod, in spec order.
    static QStringList containersOf(const QByteArray &podJson);

Q_SIGNALS:
    void linesReceived(const pilothouse::backends::workloads::LogLines &lines);
    void podsChanged(const QStringList &pods);
    // A stream started, changed state or went away, or the pod watch changed state.
    void streamsChanged();

private:
public:
    struct PodState {
        QStringList startedContainers;  // running or terminated: the log endpoint can serve them
        bool deleting = false;
        bool operator==(const PodState &) const = default;
    };
    struct PodsSnapshot {
        bool synced = false;
        Informer::State state = Informer::State::Idle;
        QString error;
        QMap<QString, PodState> pods;  // the matching pods by name
    };

private:
    void onPods(const PodsSnapshot &snapshot);
    void upsertPod(const QString &name, const PodState &state);
    void podGone(const QString &pod);
    void ensureStream(const QString &pod, const QString &container);
    void removeStream(const QString &key);
    void onStreamState(const QString &key);
    void dropProjection();
    void emitPodsIfChanged();

    QPointer<kube::KubeSession> m_session;
    QPointer<KubeClient> m_client;
    QString m_ns;
    Labels m_selector;
    int m_tailLines = 200;
    int m_backoffInitialMs = 800;
    int m_backoffMaxMs = 30000;
    QPointer<kube::Projection> m_projection;
    QMap<QString, PodState> m_pods;            // matching pods by name
    QMap<QString, LogStream *> m_streams;      // "pod/container" -> stream (children of this)
    QStringList m_lastPods;
    Informer::State m_podWatchState = Informer::State::Idle;
    QString m_podWatchDetail;
    bool m_synced = false;
    bool m_running = false;
};

}  // namespace pilothouse::backends::workloads
