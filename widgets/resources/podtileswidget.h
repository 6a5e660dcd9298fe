// A deployment's pods as small rounded tiles that appear, turn ready and leave, coloured by phase.
#pragma once

#include "workloads/scaling/scalingseries.h"

#include <QColor>
#include <QHash>
#include <QList>
#include <QWidget>

namespace pilothouse::widgets {

class PodTilesWidget : public QWidget {
    Q_OBJECT

public:
    explicit PodTilesWidget(QWidget *parent = nullptr);

    // `deployment` is the prefix dropped from pod names ("web-6d4cf56db6-x2x4z" shows as "6d4cf56db6-x2x4z").
    void setPods(const QList<backends::workloads::PodTile> &pods, const QString &deployment);
    const QList<backends::workloads::PodTile> &pods() const { return m_pods; }

    int tileCount() const { return static_cast<int>(m_pods.size()); }
    int tileCount(backends::workloads::PodTilePhase phase) const;
    // The tile under `pos` (-1: none), for tooltips and tests.
    int tileAt(const QPoint &pos) const;
    QRect tileRect(int index) const;
    static QString shortName(const QString &pod, const QString &deployment);

    // From the status palette of the current theme (a theme switch repaints).
    static QColor fillColor(backends::workloads::PodTilePhase phase);
    static QColor borderColor(backends::workloads::PodTilePhase phase);
    static QColor textColor(backends::workloads::PodTilePhase phase);

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;

private:
    QSize tileSize() const;
    int columnsFor(int width) const;

    QList<backends::workloads::PodTile> m_pods;
    QString m_deployment;
    QHash<QString, qint64> m_firstSeen;  // pod uid -> when its tile appeared (a fresh tile is outlined)
};

}  // namespace pilothouse::widgets
