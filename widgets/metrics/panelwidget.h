// One dashboard panel as a widget: a time series chart (Qt Charts, whole series replaced per
// refresh, a crosshair shared across panels, zoom by dragging), a stat, a gauge, a table, a text,
// or the reason a panel is not drawn. Its title bar says "no data", "partial data" or why the
// query failed (the last values stay, dimmed).
#pragma once

#include "dashboards/grafanadashboard.h"
#include "metrics/dashboardrunner.h"

#include <QFrame>

class QLabel;

namespace pilothouse::widgets {

class PanelWidget : public QFrame {
    Q_OBJECT

public:
    static PanelWidget *create(const backends::dashboards::Panel &panel, QWidget *parent = nullptr);

    const backends::dashboards::Panel &panel() const { return m_panel; }
    void setData(const models::PanelData &data);
    const models::PanelData &data() const { return m_data; }
    // What the title bar says besides the title ("no data", "partial data", the error); for tests.
    QString statusText() const;
    bool isDimmed() const { return m_dimmed; }
    // A time shared by every chart's crosshair (ms since the epoch; 0: none).
    virtual void setCrosshair(qint64 timeMs) { Q_UNUSED(timeMs) }

Q_SIGNALS:
    void crosshairMoved(qint64 timeMs);
    void zoomRequested(qint64 fromMs, qint64 toMs);

protected:
    PanelWidget(const backends::dashboards::Panel &panel, QWidget *parent);
    virtual void showData(const models::PanelData &data) = 0;
    QWidget *body() const { return m_body; }

    backends::dashboards::Panel m_panel;
    models::PanelData m_data;

private:
    QLabel *m_title;
    QLabel *m_status;
    QWidget *m_body;
    bool m_dimmed = false;
};

}  // namespace pilothouse::widgets
