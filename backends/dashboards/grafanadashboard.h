// A Grafana dashboard file as values: panels on the 24-column grid (modern timeseries, stat, gauge,
// table; legacy graph and singlestat read into the same shapes; rows, collapsed ones with their
// panels), template variables (query with label_values / query_result, custom, interval,
// constant, textbox, datasource) and their substitution into PromQL, legend formats and the
// dashboard's time range. Pure functions, no I/O: the Metrics page and its tests use them.
// The model: ../shared/API-NOTES.md (Grafana dashboard JSON) and Grafana's dashboard JSON model.
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pilothouse::backends::dashboards {

struct GridPos {
    int x = 0, y = 0, w = 12, h = 8;  // 24 columns; h in units of 30 px
    friend bool operator==(const GridPos &, const GridPos &) = default;
};

struct ThresholdStep {
    QString color;                  // "green", "#EAB839", "semi-dark-red"
    std::optional<double> value;    // the base step has none
    friend bool operator==(const ThresholdStep &, const ThresholdStep &) = default;
};

struct Thresholds {
    bool percentage = false;        // mode "percentage" (else absolute)
    QList<ThresholdStep> steps;     // ascending
    // The step a value falls in (the last whose value ≤ v; the base step otherwise); null when none.
    const ThresholdStep *stepFor(double v) const;
    friend bool operator==(const Thresholds &, const Thresholds &) = default;
};

struct Target {
    QString refId;
    QString expr;
    QString legendFormat;           // "{{ destination_service }}"
    bool instant = false;
    QString format;                 // "time_series", "table", "heatmap"
    QString interval;               // a minimum step ("30s")
    bool hide = false;
    friend bool operator==(const Target &, const Target &) = default;
};

struct Panel {
    enum class Kind { TimeSeries, Stat, Gauge, Table, Row, Text, Unsupported };
    Kind kind = Kind::Unsupported;
    QString type;                   // as in the file ("graph", "singlestat", "timeseries" ...)
    int id = 0;
    QString title;
    QString description;
    GridPos grid;
    QString unit;                   // Grafana's unit id: reqps, percentunit, ms, s, bytes, Bps, short ...
    std::optional<int> decimals;
    std::optional<double> min, max;
    Thresholds thresholds;
    QString reduce;                 // a stat's value: "lastNotNull", "mean", "max" ...
    bool stacked = false;
    QList<Target> targets;
    QString text;                   // a text panel's content
    // Rows: collapsed rows keep their panels here (an open row's panels follow it in the list).
    bool collapsed = false;
    QList<Panel> panels;
    QString unsupported;            // why it is not drawn ("panel type \"heatmap\" is not supported")
    friend bool operator==(const Panel &, const Panel &) = default;
};

// What a query variable asks Prometheus.
struct VariableQuery {
    enum class Kind { LabelValues, QueryResult, LabelNames, Metrics, Other };
    Kind kind = Kind::Other;
    QString metric;                 // label_values(metric, label): may be a series selector
    QString label;
    QString query;                  // query_result(query); the raw text for Other
    friend bool operator==(const VariableQuery &, const VariableQuery &) = default;
};

struct Variable {
    enum class Kind { Query, Custom, Interval, Datasource, Constant, Textbox, Other };
    Kind kind = Kind::Other;
    QString name;
    QString label;
    VariableQuery query;            // Query
    QString regex;                  // applied to the query's values ("/.*destination_service=\"([^.]*).*/")
    QStringList options;            // Custom, Interval, Constant: the values offered
    bool multi = false;
    bool includeAll = false;
    QString allValue;               // what "All" stands for (empty: every value)
    QStringList current;            // the values selected in the file
    bool hidden = false;            // hide == 2
    friend bool operator==(const Variable &, const Variable &) = default;
};

struct Dashboard {
    QString title;
    QString uid;
    QString timeFrom = QStringLiteral("now-1h");
    QString timeTo = QStringLiteral("now");
    QString refresh;                // "30s"; empty: off
    QList<Variable> variables;
    QList<Panel> panels;            // in grid order; rows in place, a collapsed row's panels inside it
    QStringList notes;              // what was read with a loss ("panel 7: transformations are ignored")
    friend bool operator==(const Dashboard &, const Dashboard &) = default;
};

// Reads a dashboard file (the dashboard itself, or an export wrapped as {"dashboard": {...}}).
Result<Dashboard> parseDashboard(const QByteArray &json);

// label_values(up, job) / label_values(job) / query_result(expr) / label_names() / metrics(re).
VariableQuery parseVariableQuery(const QString &text);

// The values a variable takes from a query's answer: `regex` (Grafana's /re/flags, the first
// capture group when there is one) applied, duplicates dropped, order kept.
QStringList applyVariableRegex(const QStringList &values, const QString &regex);

// Built-in variables of a query: $__interval, $__rate_interval, $__range (as Prometheus durations).
struct Builtins {
    QString interval;               // the step ("15s")
    QString rateInterval;           // max(4 × scrape interval, step + scrape interval)
    QString range;                  // the time range ("3600s")
};

// Substitutes $var, ${var}, ${var:regex}, ${var:pipe}, [[var]] and the built-ins into a PromQL
// expression. A multi-value becomes (a|b) (regex-escaped: PromQL's =~ takes it as a regex); the
// values of a single one are inserted as they are. Unknown variables are left as written.
QString interpolate(const QString &expr, const QHash<QString, QStringList> &values, const Builtins &builtins = {});

// A series' legend from a legendFormat ("{{ destination_service }} {{code}}") and its labels; an
// empty format gives the series' selector ({label="value", ...}).
QString legendOf(const QString &legendFormat, const QHash<QString, QString> &labels, const QString &metricName = {});

// "now-6h" → -21600000 (ms relative to now), "now" → 0; nullopt for absolute times and other forms.
std::optional<qint64> relativeMs(const QString &grafanaTime);
// "30s" → 30000, "1m" → 60000, "1h", "1d", "1w"; nullopt when not a duration.
std::optional<qint64> durationMs(const QString &text);

// 15000 → "15s", 120000 → "2m", 3600000 → "1h": the largest whole unit, as PromQL writes durations.
QString prometheusDuration(qint64 ms);

QString panelKindName(Panel::Kind kind);

}  // namespace pilothouse::backends::dashboards
