// The live scaling view of one Deployment: a timeline of desired/current/ready replicas and CPU
// against the HPA target with scaling events marked, the pods as tiles, and a header line.
#pragma once

#include "shell/page.h"
#include "kube/session/kubesession.h"
#include "workloads/scaling/scalingseries.h"
#include "workloads/scaling/scalingwatch.h"

#include <QList>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <optional>
#include <vector>

class QChart;
class QChartView;
class QComboBox;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QValueAxis;

namespace pilothouse::widgets {

class PodTilesWidget;
class EventMarkerItem;

class ScalingView : public shell::Page {
    Q_OBJECT

public:
    // Watches `deployment` in `ns` through the session's client for as long as the view exists;
    // history is kept across reconnects of the same context (a switch to another context
    // detaches the view: it keeps what it recorded and says so).
    ScalingView(backends::kube::KubeSession *session, const QString &ns, const QString &deployment, QWidget *parent = nullptr);
    ~ScalingView() override;

    QString namespaceName() const { return m_ns; }
    QString deploymentName() const { return m_deployment; }
    QString contextName() const { return m_context; }

    // The shown time window (history is kept beyond it). The picker offers 2, 5, 15 and 60 minutes.
    int timeWindowSeconds() const { return m_windowSeconds; }
    void setTimeWindowSeconds(int seconds);

    // For tests and the main window.
    const backends::workloads::ScalingSeries &series() const { return m_watch->series(); }
    backends::workloads::ScalingWatch *watch() const { return m_watch; }
    int tileCount() const;
    int tileCount(backends::workloads::PodTilePhase phase) const;
    // Scaling events marked inside the shown window (events close together share a marker).
    int eventMarkerCount() const;
    QStringList eventMarkerLabels() const;
    QString headerText() const;
    QString problem() const { return m_watch->problem(); }
    QChartView *chartView() const { return m_chartView; }
    PodTilesWidget *tiles() const { return m_tiles; }
    QComboBox *windowPicker() const { return m_windowPicker; }

Q_SIGNALS:
    // What is wrong in one line ("" when nothing is): for the window's status line and operations log.
    void problemChanged(const QString &message);

private:
    struct Track {
        QLineSeries *series = nullptr;
        std::function<std::optional<double>(const backends::workloads::ScalingSample &)> value;
        std::optional<double> lastValue;    // of the last sample fed
        std::optional<double> beforeLast;   // of the sample before it
        int lastPoints = 0;                 // points the last sample added (a step adds two)
    };

    void buildChart();
    // Chart, series, legend swatches and header in the current theme's colours (and after a switch).
    void applyTheme();
    QWidget *buildPodPane();
    void attachClient();
    void onSample(const backends::workloads::ScalingSample &sample, bool replacedLast);
    void feed(Track &track, const backends::workloads::ScalingSample &sample, bool replacedLast);
    void rebuildSeries();
    void refreshAxes();
    void refreshTimeTicks();
    void refreshMarkers();
    void refreshHeader();
    void refreshPods();
    void setProblemText(const QString &message);

    QPointer<backends::kube::KubeSession> m_session;
    QString m_ns;
    QString m_deployment;
    QString m_context;
    backends::workloads::ScalingWatch *m_watch = nullptr;
    int m_windowSeconds = 300;
    QTimer m_axisTick;

    QLabel *m_header = nullptr;
    QLabel *m_problem = nullptr;
    QComboBox *m_windowPicker = nullptr;
    QChart *m_chart = nullptr;
    QChartView *m_chartView = nullptr;
    QDateTimeAxis *m_axisX = nullptr;
    QValueAxis *m_axisReplicas = nullptr;
    QValueAxis *m_axisCpu = nullptr;
    std::vector<Track> m_tracks;
    QLineSeries *m_eventLegend = nullptr;
    QList<EventMarkerItem *> m_markerItems;
    PodTilesWidget *m_tiles = nullptr;
    QList<QPair<QLabel *, backends::workloads::PodTilePhase>> m_swatches;  // the pod legend's colour samples
    QLabel *m_podTitle = nullptr;
    QList<QLabel *> m_legendCounts;
};

}  // namespace pilothouse::widgets
