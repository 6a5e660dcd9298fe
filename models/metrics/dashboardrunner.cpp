// A dashboard's queries against Prometheus.
#include "metrics/dashboardrunner.h"

#include <QDateTime>
#include <QSet>

#include <cmath>

namespace pilothouse::models {

using namespace backends::dashboards;
using namespace backends::prometheus;
using backends::Result;

namespace {

constexpr qint64 kScrapeMs = 15'000;  // the usual scrape interval: $__rate_interval covers four

bool drawsData(Panel::Kind k)
{
    return k == Panel::Kind::TimeSeries || k == Panel::Kind::Stat || k == Panel::Kind::Gauge || k == Panel::Kind::Table;
}

// Grafana's text for a query_result series: `name{a="1", b="2"} value timestamp`.
QString seriesLine(const Series &s)
{
    QStringList labels;
    for (auto it = s.labels.cbegin(); it != s.labels.cend(); ++it)
        if (it.key() != QLatin1String("__name__"))
            labels << QStringLiteral("%1=\"%2\"").arg(it.key(), it.value());
    const Sample last = s.samples.isEmpty() ? Sample{} : s.samples.last();
    return QStringLiteral("%1{%2} %3 %4").arg(s.metricName(), labels.join(QStringLiteral(", "))).arg(last.value).arg(last.timeMs);
}

}  // namespace

DashboardRunner::DashboardRunner(PrometheusClient *client, QObject *parent) : QObject(parent), m_client(client)
{
    connect(&m_timer, &QTimer::timeout, this, &DashboardRunner::refresh);
}

qint64 DashboardRunner::now() const
{
    return m_now ? m_now() : QDateTime::currentMSecsSinceEpoch();
}

void DashboardRunner::setDashboard(const Dashboard &dashboard)
{
    m_client->cancelAll();
    ++m_generation;
    m_dashboard = dashboard;
    m_ranges = TimeRangeHistory(TimeRange::fromGrafana(dashboard.timeFrom, dashboard.timeTo));
    m_data.clear();
    m_answers.clear();
    m_options.clear();
    m_values.clear();
    m_openRows.clear();
    for (const Panel &p : dashboard.panels)
        if (p.kind == Panel::Kind::Row && !p.collapsed)
            m_openRows.insert(p.id);
    for (const Variable &v : dashboard.variables) {
        m_options.insert(v.name, v.options);
        m_values.insert(v.name, v.current.isEmpty() ? QStringList(v.options.value(0)) : v.current);
    }
    setRefreshInterval(dashboard.refresh);
    Q_EMIT variablesChanged();
    Q_EMIT timeRangeChanged(m_ranges.current());
}

void DashboardRunner::setTimeRange(const TimeRange &range)
{
    m_ranges.set(range);
    Q_EMIT timeRangeChanged(m_ranges.current());
    refresh();
}

bool DashboardRunner::zoom(qint64 fromMs, qint64 toMs)
{
    if (!m_ranges.zoom(fromMs, toMs))
        return false;
    Q_EMIT timeRangeChanged(m_ranges.current());
    refresh();
    return true;
}

bool DashboardRunner::back()
{
    if (!m_ranges.back())
        return false;
    Q_EMIT timeRangeChanged(m_ranges.current());
    refresh();
    return true;
}

void DashboardRunner::setRefreshInterval(const QString &interval)
{
    m_refresh = interval == QLatin1String("off") ? QString() : interval;
    const auto ms = durationMs(m_refresh);
    if (ms && *ms >= 1000)
        m_timer.start(static_cast<int>(*ms));
    else
        m_timer.stop();
}

void DashboardRunner::setVariableValue(const QString &name, const QStringList &values)
{
    if (m_values.value(name) == values)
        return;
    m_values.insert(name, values);
    refresh();  // later variables may depend on this one: resolved again first
}

void DashboardRunner::setRowOpen(int rowId, bool open)
{
    if (open == m_openRows.contains(rowId))
        return;
    if (open) {
        m_openRows.insert(rowId);
        for (const Panel &p : m_dashboard.panels)
            if (p.id == rowId)
                for (const Panel &child : p.panels)
                    if (drawsData(child.kind))
                        queryPanel(child);
    } else {
        m_openRows.remove(rowId);
    }
}

QList<const Panel *> DashboardRunner::visiblePanels() const
{
    QList<const Panel *> out;
    for (const Panel &p : m_dashboard.panels) {
        if (p.kind == Panel::Kind::Row) {
            if (m_openRows.contains(p.id))
                for (const Panel &child : p.panels)
                    if (drawsData(child.kind))
                        out << &child;
            continue;
        }
        if (drawsData(p.kind))
            out << &p;
    }
    return out;
}

QString DashboardRunner::expressionOf(const Target &target, qint64 stepMs) const
{
    QHash<QString, QStringList> values;
    for (const Variable &v : m_dashboard.variables) {
        QStringList chosen = m_values.value(v.name);
        if (chosen == QStringList{QStringLiteral("$__all")} || chosen == QStringList{QStringLiteral("All")})
            chosen = v.allValue.isEmpty() ? m_options.value(v.name) : QStringList{v.allValue};
        values.insert(v.name, chosen);
    }
    const auto [start, end] = m_ranges.current().resolve(now());
    Builtins b;
    b.interval = prometheusDuration(stepMs);
    b.rateInterval = prometheusDuration(std::max(4 * kScrapeMs, stepMs + kScrapeMs));
    b.range = QStringLiteral("%1s").arg(std::max<qint64>(1, (end - start) / 1000));
    return interpolate(target.expr, values, b);
}

void DashboardRunner::refresh()
{
    const int generation = ++m_generation;
    resolveVariables([this, generation] {
        if (generation == m_generation)
            queryPanels();
    });
}

void DashboardRunner::resolveVariables(std::function<void()> then)
{
    // In order: a variable may use the ones before it ($namespace in $workload's query).
    auto pending = std::make_shared<QList<Variable>>();
    for (const Variable &v : m_dashboard.variables)
        if (v.kind == Variable::Kind::Query)
            *pending << v;
    auto step = std::make_shared<std::function<void()>>();
    const int generation = m_generation;
    *step = [this, pending, step, then, generation] {
        if (generation != m_generation)
            return;
        if (pending->isEmpty()) {
            Q_EMIT variablesChanged();
            then();
            return;
        }
        const Variable v = pending->takeFirst();
        const auto [start, end] = m_ranges.current().resolve(now());
        auto settleOptions = [this, v, step](const QStringList &found) {
            QStringList options = applyVariableRegex(found, v.regex);
            m_options.insert(v.name, options);
            QStringList chosen = m_values.value(v.name);
            const bool all = chosen == QStringList{QStringLiteral("$__all")} || chosen == QStringList{QStringLiteral("All")};
            QStringList kept;
            for (const QString &c : chosen)
                if (options.contains(c))
                    kept << c;
            if (!all && kept.isEmpty() && !options.isEmpty())
                kept = v.includeAll && v.multi ? QStringList{QStringLiteral("$__all")} : QStringList{options.first()};
            if (!all)
                m_values.insert(v.name, kept);
            (*step)();
        };
        Target t;
        const auto failed = [settleOptions](const QString &) { settleOptions({}); };
        switch (v.query.kind) {
        case VariableQuery::Kind::LabelValues: {
            t.expr = v.query.metric;
            const QString metric = expressionOf(t, 60'000);
            ++m_sent;
            m_client->labelValues(v.query.label, metric.isEmpty() ? QStringList() : QStringList{metric}, start, end, this,
                                  [settleOptions, failed](const Result<NameList> &r) {
                                      if (r.ok())
                                          settleOptions(r.value().names);
                                      else
                                          failed(r.error().message);
                                  },
                                  QStringLiteral("var:") + v.name);
            return;
        }
        case VariableQuery::Kind::QueryResult:
        case VariableQuery::Kind::Other: {
            t.expr = v.query.query;
            ++m_sent;
            m_client->instantQuery(expressionOf(t, 60'000), end, this,
                                   [settleOptions, failed, v](const Result<QueryResult> &r) {
                                       if (!r.ok())
                                           return failed(r.error().message);
                                       QStringList lines;
                                       for (const Series &s : r.value().series)
                                           lines << (v.query.kind == VariableQuery::Kind::QueryResult ? seriesLine(s) : s.labels.values().join(QLatin1Char(' ')));
                                       settleOptions(lines);
                                   },
                                   QStringLiteral("var:") + v.name);
            return;
        }
        case VariableQuery::Kind::LabelNames:
            ++m_sent;
            m_client->labels({}, start, end, this, [settleOptions, failed](const Result<NameList> &r) {
                if (r.ok())
                    settleOptions(r.value().names);
                else
                    failed(r.error().message);
            }, QStringLiteral("var:") + v.name);
            return;
        case VariableQuery::Kind::Metrics:
            ++m_sent;
            m_client->labelValues(QStringLiteral("__name__"), {}, start, end, this, [settleOptions, failed](const Result<NameList> &r) {
                if (r.ok())
                    settleOptions(r.value().names);
                else
                    failed(r.error().message);
            }, QStringLiteral("var:") + v.name);
            return;
        }
    };
    (*step)();
}

void DashboardRunner::queryPanels()
{
    for (const Panel *p : visiblePanels())
        queryPanel(*p);
}

void DashboardRunner::queryPanel(const Panel &panel)
{
    const auto [start, end] = m_ranges.current().resolve(now());
    QList<Target> targets;
    for (const Target &t : panel.targets)
        if (!t.hide && !t.expr.trimmed().isEmpty())
            targets << t;
    PanelData &data = m_data[panel.id];
    if (targets.isEmpty()) {
        data.state = PanelData::State::NoData;
        data.series.clear();
        Q_EMIT panelChanged(panel.id);
        return;
    }
    auto &answers = m_answers[panel.id];
    answers = QList<std::optional<Result<QueryResult>>>(targets.size());
    const int width = std::max(100, panel.grid.w * m_columnWidth);
    const int panelId = panel.id;
    for (int i = 0; i < targets.size(); ++i) {
        const Target &t = targets[i];
        const auto minStep = durationMs(t.interval).value_or(0);
        const QueryRange range = planRange(start, end, width, minStep);
        const QString expr = expressionOf(t, range.stepMs);
        const QString key = QStringLiteral("panel:%1:%2").arg(panelId).arg(t.refId.isEmpty() ? QString::number(i) : t.refId);
        auto done = [this, panelId, i](const Result<QueryResult> &r) {
            auto it = m_answers.find(panelId);
            if (it == m_answers.end() || i >= it->size())
                return;
            (*it)[i] = r;
            settle(panelId);
        };
        ++m_sent;
        const bool instant = t.instant || (panel.kind == Panel::Kind::Table && t.format == QLatin1String("table"));
        if (instant)
            m_client->instantQuery(expr, end, this, done, key);
        else
            m_client->rangeQuery(expr, range, this, done, key);
    }
    data.startMs = start;
    data.endMs = end;
}

void DashboardRunner::settle(int panelId)
{
    const auto &answers = m_answers.value(panelId);
    for (const auto &a : answers)
        if (!a)
            return;  // the others are on their way
    const Panel *panel = nullptr;
    for (const Panel *p : visiblePanels())
        if (p->id == panelId)
            panel = p;
    if (!panel)
        return;
    QList<Target> targets;
    for (const Target &t : panel->targets)
        if (!t.hide && !t.expr.trimmed().isEmpty())
            targets << t;
    PanelData &data = m_data[panelId];
    QList<PanelSeries> series;
    QStringList errors, warnings;
    bool partial = false;
    for (int i = 0; i < answers.size(); ++i) {
        const Result<QueryResult> &r = *answers[i];
        if (!r.ok()) {
            errors << r.error().message;
            continue;
        }
        warnings << r.value().notes.warnings;
        partial = partial || r.value().state() == DataState::Partial;
        for (const Series &s : r.value().series) {
            PanelSeries ps;
            QHash<QString, QString> labels;
            for (auto it = s.labels.cbegin(); it != s.labels.cend(); ++it)
                labels.insert(it.key(), it.value());
            ps.labels = labels;
            ps.legend = legendOf(targets.value(i).legendFormat, labels, s.metricName());
            ps.points.reserve(s.samples.size());
            for (const Sample &sample : s.samples)
                ps.points << QPointF(static_cast<qreal>(sample.timeMs), sample.value);
            ps.last = s.samples.isEmpty() ? std::nan("") : s.samples.last().value;
            if (!s.samples.isEmpty())
                series << ps;
        }
    }
    data.warnings = warnings;
    if (!errors.isEmpty() && series.isEmpty()) {
        // Prometheus down or refusing: the last values stay, dimmed, with the reason.
        data.state = PanelData::State::Failed;
        data.error = errors.first();
        data.stale = !data.series.isEmpty();
    } else {
        data.series = series;
        data.error = errors.isEmpty() ? QString() : errors.join(QStringLiteral("; "));
        data.stale = false;
        data.state = series.isEmpty() ? PanelData::State::NoData : (partial || !errors.isEmpty()) ? PanelData::State::Partial : PanelData::State::Ok;
    }
    Q_EMIT panelChanged(panelId);
    // Every panel failed: the dashboard's problem, said once.
    bool allFailed = true, anyAnswered = false;
    for (const Panel *p : visiblePanels()) {
        const PanelData d = m_data.value(p->id);
        if (d.state == PanelData::State::Loading)
            continue;
        anyAnswered = true;
        allFailed = allFailed && d.state == PanelData::State::Failed;
    }
    const QString problem = anyAnswered && allFailed ? data.error : QString();
    if (problem != m_problem) {
        m_problem = problem;
        Q_EMIT problemChanged(problem);
    }
}

}  // namespace pilothouse::models
