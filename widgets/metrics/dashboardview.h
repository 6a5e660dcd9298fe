// The Metrics page: a Grafana dashboard drawn from Prometheus — the project's own dashboards and
// the ones the operator imported (kept in the user's data folder), template variables, a time
// range picker with Back (and zoom by dragging on a chart), a refresh picker, panels on the
// 24-column grid with a crosshair shared across charts, collapsed rows opened on a click, and
// Prometheus' problems said above the panels while the last values stay, dimmed.
#pragma once

#include "metrics/dashboardrunner.h"
#include "shell/page.h"

#include <QHash>
#include <QPointer>

class QComboBox;
class QLabel;
class QPushButton;
class QScrollArea;

namespace pilothouse::widgets {

class PanelWidget;

class DashboardView : public shell::Page {
    Q_OBJECT

public:
    DashboardView(backends::prometheus::PrometheusClient *client, QWidget *parent = nullptr);

    // Shows `dashboard` and asks for its data.
    void showDashboard(const backends::dashboards::Dashboard &dashboard);
    // No Prometheus to ask (none set for the context, or its URL refused): the panels are drawn
    // empty under `reason` and nothing is queried.
    void setUnconfigured(const QString &reason);
    // Reads a Grafana dashboard file; false with the reason shown when it is not one.
    bool openFile(const QString &path, QString *error = nullptr);

    // Opened again with {"file": path}: that dashboard file.
    void reopen(const QVariantMap &args) override;

    models::DashboardRunner *runner() const { return m_runner; }
    QList<PanelWidget *> panels() const;
    PanelWidget *panel(int id) const { return m_panels.value(id); }
    QString problemText() const;
    QComboBox *timeRangePicker() const { return m_range; }
    QComboBox *refreshPicker() const { return m_refresh; }
    QComboBox *variablePicker(const QString &name) const { return m_variables.value(name); }

protected:
    void resizeEvent(QResizeEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void buildPanels();
    void layoutPanels();
    void fillVariables();
    void fillTimeRange();

    models::DashboardRunner *m_runner;
    QLabel *m_title = nullptr;
    QWidget *m_variableBar = nullptr;
    QHash<QString, QComboBox *> m_variables;
    QComboBox *m_range = nullptr;
    QPushButton *m_back = nullptr;
    QComboBox *m_refresh = nullptr;
    QPushButton *m_reload = nullptr;
    QLabel *m_problem = nullptr;
    QScrollArea *m_scroll = nullptr;
    QWidget *m_canvas = nullptr;
    QHash<int, PanelWidget *> m_panels;
    QHash<int, QPushButton *> m_rows;
    QSet<int> m_openRows;
    QString m_unconfigured;
};

}  // namespace pilothouse::widgets
