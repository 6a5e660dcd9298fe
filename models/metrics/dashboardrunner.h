// A dashboard running against Prometheus: its variables resolved (label_values, query_result,
// custom …) and substituted, each visible panel's targets asked as range or instant queries for
// the time range (a step per panel width), refreshed on the chosen interval, a superseded query
// cancelled. Each panel's answer is handed over as chart-ready values; a failure keeps the last
// values, marked stale, with the reason. No widgets: the Metrics page draws what this says.
#pragma once

#include "dashboards/grafanadashboard.h"
#include "metrics/timerange.h"
#include "prometheus/prometheusclient.h"

#include <QHash>
#include <QObject>
#include <QPointF>
#include <QSet>
#include <QTimer>

namespace pilothouse::models {

struct PanelSeries {
    QString legend;
    QList<QPointF> points;        // x: ms since the epoch, y: value (NaN kept as a gap)
    double last = 0;              // the newest value (instant answers: the value)
    QHash<QString, QString> labels;
    friend bool operator==(const PanelSeries &, const PanelSeries &) = default;
};

struct PanelData {
    enum class State { Loading, Ok, NoData, Partial, Failed };
    State state = State::Loading;
    QList<PanelSeries> series;
    QString error;                // Failed: why (the last series are kept, stale)
    QStringList warnings;
    bool stale = false;           // the series are from an earlier refresh
    qint64 startMs = 0, endMs = 0;
};

class DashboardRunner : public QObject {
    Q_OBJECT

public:
    DashboardRunner(backends::prometheus::PrometheusClient *client, QObject *parent = nullptr);

    void setDashboard(const backends::dashboards::Dashboard &dashboard);
    const backends::dashboards::Dashboard &dashboard() const { return m_dashboard; }

    // Time range (with Back), refresh interval ("" / "off", "5s", "10s", "30s", "1m").
    TimeRangeHistory &timeRanges() { return m_ranges; }
    void setTimeRange(const TimeRange &range);
    bool zoom(qint64 fromMs, qint64 toMs);
    bool back();
    void setRefreshInterval(const QString &interval);
    QString refreshInterval() const { return m_refresh; }

    // Variables: the values offered and chosen (a multi-value variable may hold several; "$__all").
    QStringList variableOptions(const QString &name) const { return m_options.value(name); }
    QStringList variableValue(const QString &name) const { return m_values.value(name); }
    void setVariableValue(const QString &name, const QStringList &values);

    // The width a panel of `gridWidth` columns is drawn at (for its step); default 1200 px / 24.
    void setColumnWidth(int px) { m_columnWidth = std::max(10, px); }
    // Panels in collapsed rows are not asked for until their row opens.
    void setRowOpen(int rowId, bool open);

    // Asks every visible panel now (variables first when they depend on nothing yet asked).
    void refresh();
    PanelData panelData(int panelId) const { return m_data.value(panelId); }
    // The expression a target is sent as after substitution (for tests and the panel's inspector).
    QString expressionOf(const backends::dashboards::Target &target, qint64 stepMs) const;
    // Requests sent so far (tests).
    int queriesSent() const { return m_sent; }
    void setNowForTests(std::function<qint64()> now) { m_now = std::move(now); }

Q_SIGNALS:
    void panelChanged(int panelId);
    void variablesChanged();
    void timeRangeChanged(const pilothouse::models::TimeRange &range);
    // The refresh failed for every panel (Prometheus down or refusing): the reason; empty when well again.
    void problemChanged(const QString &problem);

private:
    void resolveVariables(std::function<void()> then);
    void queryPanels();
    void queryPanel(const backends::dashboards::Panel &panel);
    QList<const backends::dashboards::Panel *> visiblePanels() const;
    void settle(int panelId);
    qint64 now() const;

    backends::prometheus::PrometheusClient *m_client;
    backends::dashboards::Dashboard m_dashboard;
    TimeRangeHistory m_ranges;
    QString m_refresh;
    QTimer m_timer;
    QHash<QString, QStringList> m_options;
    QHash<QString, QStringList> m_values;
    QHash<int, PanelData> m_data;
    QHash<int, QList<std::optional<backends::Result<backends::prometheus::QueryResult>>>> m_answers;  // per panel, per target
    QSet<int> m_openRows;
    int m_columnWidth = 50;
    int m_sent = 0;
    int m_generation = 0;
    QString m_problem;
    std::function<qint64()> m_now;
};

}  // namespace pilothouse::models
