// The Service graph page: Istio traffic between workloads (or apps, versioned apps, services) of
// several namespaces, queried from Prometheus, built by the appender pipeline, laid out by
// graphviz on its worker and drawn with health colours; find, hide, zoom, and a click that asks
// for the workload's detail. A failed query keeps the last graph, dimmed, under the reason.
#pragma once

#include "shell/page.h"
#include "servicegraph/appenders.h"
#include "servicegraph/graphlayout.h"

#include <QGraphicsView>
#include <QHash>
#include <QPointer>

class QComboBox;
class QGraphicsItem;
class QGraphicsPathItem;
class QGraphicsScene;
class QGraphicsSimpleTextItem;
class QLabel;
class QLineEdit;
class QPushButton;
class QThreadPool;
class QTimer;
class QToolButton;

namespace pilothouse::backends::prometheus {
class PrometheusClient;
}

namespace pilothouse::widgets {

// The canvas: wheel zooms around the cursor, a click on a node reports its id.
class GraphCanvas : public QGraphicsView {
    Q_OBJECT

public:
    explicit GraphCanvas(QGraphicsScene *scene, QWidget *parent = nullptr);
    void fit();
    double zoom() const { return transform().m11(); }

Q_SIGNALS:
    void nodeClicked(const QString &id);

protected:
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    QPoint m_pressPos;
};

class ServiceGraphView : public shell::Page {
    Q_OBJECT

public:
    // Item data keys on the scene's items, for tests and the click.
    enum ItemData { IdData = 0, RoleData = 1, HighlightData = 2, ToneData = 3 };

    explicit ServiceGraphView(backends::prometheus::PrometheusClient *client, QWidget *parent = nullptr);
    ~ServiceGraphView() override;

    // What the cluster lists (dead and idle nodes); also offers its namespaces in the picker.
    void setInventory(const backends::servicegraph::ClusterInventory &inventory);
    // The inventory from a Deployment list and a Service list as the API server answers them
    // (pod template labels app/version or Istio's canonical ones, ready replicas).
    static backends::servicegraph::ClusterInventory inventoryFromLists(const QByteArray &deployments, const QByteArray &services);
    // The same, parsed on the pool (the GUI thread never parses a list), then setInventory.
    // `problem`: why a list did not come (shown in the summary: dead and idle nodes not judged).
    void setInventoryLists(const QByteArray &deployments, const QByteArray &services, const QString &problem = {});
    // No Prometheus to ask: the reason is shown and nothing is queried.
    void setUnconfigured(const QString &reason);

    void setSelectedNamespaces(const QStringList &namespaces);
    QStringList selectedNamespaces() const;
    QStringList offeredNamespaces() const;
    backends::servicegraph::GraphOptions options() const;

    // Sends every query of the graph; the answers of an older refresh are dropped.
    void refresh();

    const backends::servicegraph::Graph &graph() const { return m_graph; }
    const backends::servicegraph::ClusterInventory &inventory() const { return m_inventory; }
    const backends::servicegraph::GraphLayout &layout() const { return m_layout; }
    QGraphicsPathItem *nodeItem(const QString &id) const { return m_nodeItems.value(id); }
    QGraphicsPathItem *edgeItem(const QString &key) const { return m_edgeItems.value(key); }
    QString edgeLabel(const QString &key) const;
    QString problemText() const;
    bool isDimmed() const;
    int drawCount() const { return m_drawCount; }
    qint64 lastBuildMs() const { return m_lastBuildMs; }

    QComboBox *graphTypePicker() const { return m_type; }
    QComboBox *responseTimePicker() const { return m_stat; }
    QComboBox *refreshPicker() const { return m_refresh; }
    QLineEdit *findField() const { return m_find; }
    QLineEdit *hideField() const { return m_hide; }
    GraphCanvas *canvas() const { return m_canvas; }

Q_SIGNALS:
    // A workload node was clicked: its detail (or metrics) is asked for.
    void workloadActivated(const QString &namespaceName, const QString &name);
    // A layout arrived and was drawn.
    void graphDrawn();

protected:
    void changeEvent(QEvent *event) override;
    // The shell's namespaces, when the operator chose some, are the graph's.
    void onNamespacesChanged(const QStringList &namespaces) override;

private:
    void answered(quint64 generation, const QString &key, const QString &error,
                  const backends::servicegraph::Vector &vector);
    void build();
    void built(const backends::servicegraph::Graph &graph, qint64 elapsedMs);
    void draw();
    void applyHighlight();
    void setProblem(const QString &problem);
    void fillNamespaceMenu();
    void askNamespaces();

    backends::prometheus::PrometheusClient *m_client;
    backends::servicegraph::GraphLayoutWorker *m_worker;
    backends::servicegraph::ClusterInventory m_inventory;
    QString m_inventoryProblem;
    bool m_inventoryArrived = false;
    QStringList m_offered;
    QStringList m_selected;

    QToolButton *m_namespaces = nullptr;
    QComboBox *m_type = nullptr;
    QComboBox *m_stat = nullptr;
    QComboBox *m_refresh = nullptr;
    QPushButton *m_reload = nullptr;
    QPushButton *m_fit = nullptr;
    QLineEdit *m_find = nullptr;
    QLineEdit *m_hide = nullptr;
    QLabel *m_problem = nullptr;
    QLabel *m_summary = nullptr;
    QGraphicsScene *m_scene = nullptr;
    GraphCanvas *m_canvas = nullptr;
    QGraphicsItem *m_root = nullptr;
    QTimer *m_timer = nullptr;
    // Builds and list parsing, one at a time and in order; the application's global pool can be
    // taken by long tasks, and a graph must not wait behind them.
    QThreadPool *m_pool = nullptr;

    // One refresh: its options, the answers so far and the first failure.
    quint64 m_generation = 0;
    backends::servicegraph::GraphOptions m_asked;
    int m_expected = 0;
    QHash<QString, backends::servicegraph::Vector> m_answers;
    QHash<QString, backends::servicegraph::Vector> m_lastAnswers; // of the last complete refresh
    backends::servicegraph::GraphOptions m_lastOptions;
    QString m_failure;
    int m_answered = 0;

    quint64 m_buildGeneration = 0;
    quint64 m_layoutRequest = 0;
    backends::servicegraph::Graph m_pending;   // waiting for its layout
    backends::servicegraph::Graph m_graph;     // drawn
    backends::servicegraph::GraphLayout m_layout;
    backends::servicegraph::GraphType m_laidOutType = backends::servicegraph::GraphType::VersionedApp;
    bool m_hasLaidOut = false;
    bool m_fitPending = true;
    QString m_unconfigured;
    QString m_problemText;
    QHash<QString, QGraphicsPathItem *> m_nodeItems;
    QHash<QString, QGraphicsPathItem *> m_edgeItems;
    QHash<QString, QGraphicsSimpleTextItem *> m_edgeLabels;
    int m_drawCount = 0;
    qint64 m_lastBuildMs = 0;
};

}  // namespace pilothouse::widgets
