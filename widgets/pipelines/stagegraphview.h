// A run's stages as a graph, left to right: one node per stage joined by connectors, a parallel
// stage's branches stacked between a fork and a join, each node in its status tone with its name
// and duration, the running one animated, one waiting for input marked, a failed one's error in its
// tooltip. setRun() may come every second while the run is live: only what changed is repainted,
// and the nodes are laid out again only when the stages themselves change.
#pragma once

#include "jenkins/jenkinsinfo.h"

#include <QList>
#include <QRect>
#include <QWidget>

class QScrollArea;
class QTimer;

namespace pilothouse::widgets {

class StageGraphCanvas;

class StageGraphView : public QWidget {
    Q_OBJECT

public:
    struct Node {
        QString name;
        backends::jenkins::StageStatus status = backends::jenkins::StageStatus::Unknown;
        qint64 durationMs = 0;
        QString error;
        QRect rect;           // in the canvas
        int column = 0;       // left to right
        int lane = 0;         // top to bottom within a parallel stage
        bool branch = false;  // a branch of a parallel stage
        bool group = false;   // a parallel stage itself: the frame around its branches
        friend bool operator==(const Node &, const Node &) = default;
    };

    explicit StageGraphView(QWidget *parent = nullptr);
    ~StageGraphView() override;

    void setRun(const backends::jenkins::RunInfo &run);
    const backends::jenkins::RunInfo &run() const { return m_run; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    // For tests: the nodes as laid out, how often they were laid out, the canvas.
    const QList<Node> &nodes() const { return m_nodes; }
    const Node *node(const QString &name) const;
    int layoutCount() const { return m_layouts; }
    QWidget *canvas() const;
    bool animating() const;

Q_SIGNALS:
    void stageActivated(const QString &stageName);

private:
    friend class StageGraphCanvas;
    // The stages to draw: wfapi's flat list with the branches the graph view put under their
    // stage taken out of the top level.
    static QList<backends::jenkins::StageInfo> topLevel(const backends::jenkins::RunInfo &run);
    void relayout(const QList<backends::jenkins::StageInfo> &stages);
    void animate();
    int nodeAt(const QPoint &canvasPos) const;
    QString toolTipOf(const Node &node) const;

    backends::jenkins::RunInfo m_run;
    QList<Node> m_nodes;
    QStringList m_shape;  // what the layout depends on: names and nesting
    QSize m_canvasSize;
    int m_layouts = 0;
    int m_frame = 0;
    QScrollArea *m_scroll;
    StageGraphCanvas *m_canvas;
    QTimer *m_animation;
};

}  // namespace pilothouse::widgets
