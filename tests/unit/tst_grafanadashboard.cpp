// Unit test: Grafana dashboard files read into values, on dashboards written from the documented
// model in its three shapes — legacy panels (graph, singlestat with string thresholds and a gauge,
// a collapsed row holding its panels, query_result variables with a regex), modern panels
// (timeseries, stat, gauge, table with fieldConfig units and thresholds, an export wrapped in
// "dashboard", multi-value label_values, custom, constant, textbox) and pre-5 rows with spans —
// and the substitution of variables and built-ins into PromQL, legends, regex on values, times.
#include "dashboards/grafanadashboard.h"
#include "fixture.h"

#include <QTest>

using namespace pilothouse::backends::dashboards;
using pilothouse::testsupport::readFixture;

namespace {

Dashboard load(const char *name)
{
    const auto d = parseDashboard(readFixture(QStringLiteral(PILOTHOUSE_TEST_DATA "/grafana/") + QLatin1String(name)));
    if (!d.ok())
        qFatal("%s: %s", name, qPrintable(d.error().message));
    return d.value();
}

const Panel *panel(const QList<Panel> &panels, int id)
{
    for (const Panel &p : panels) {
        if (p.id == id)
            return &p;
        if (const Panel *inside = panel(p.panels, id))
            return inside;
    }
    return nullptr;
}

}  // namespace

class TestGrafanaDashboard : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void legacyPanelsAndCollapsedRows()
    {
        const Dashboard d = load("legacy-workload.json");
        QCOMPARE(d.title, QStringLiteral("Istio Workload Dashboard (legacy panels)"));
        QCOMPARE(d.timeFrom, QStringLiteral("now-5m"));
        QCOMPARE(d.refresh, QStringLiteral("10s"));
        QCOMPARE(d.panels.size(), 5);  // row, 3 panels, the collapsed row

        const Panel *volume = panel(d.panels, 89);
        QVERIFY(volume);
        QCOMPARE(volume->kind, Panel::Kind::Stat);
        QCOMPARE(volume->unit, QStringLiteral("ops"));
        QCOMPARE(volume->reduce, QStringLiteral("mean"));  // valueName avg
        QCOMPARE(volume->decimals, std::optional<int>(2));
        QCOMPARE(volume->grid, (GridPos{0, 1, 8, 4}));

        // singlestat with a gauge: thresholds "0.95, 0.99" with its three colours.
        const Panel *success = panel(d.panels, 12);
        QCOMPARE(success->kind, Panel::Kind::Gauge);
        QCOMPARE(success->unit, QStringLiteral("percentunit"));
        QCOMPARE(success->min, std::optional<double>(0));
        QCOMPARE(success->max, std::optional<double>(1));
        QCOMPARE(success->thresholds.steps.size(), 3);
        QVERIFY(!success->thresholds.steps[0].value);
        QCOMPARE(success->thresholds.steps[1].value, std::optional<double>(0.95));
        QCOMPARE(success->thresholds.steps[2].color, QStringLiteral("rgba(50, 172, 45, 0.97)"));
        QCOMPARE(success->thresholds.stepFor(0.5)->color, QStringLiteral("rgba(245, 54, 54, 0.9)"));
        QCOMPARE(success->thresholds.stepFor(0.97)->color, QStringLiteral("rgba(237, 129, 40, 0.89)"));
        QCOMPARE(success->thresholds.stepFor(0.995)->color, QStringLiteral("rgba(50, 172, 45, 0.97)"));

        // graph: the left axis' format is the unit; two targets with legends.
        const Panel *duration = panel(d.panels, 87);
        QCOMPARE(duration->kind, Panel::Kind::TimeSeries);
        QCOMPARE(duration->unit, QStringLiteral("s"));
        QCOMPARE(duration->min, std::optional<double>(0));
        QCOMPARE(duration->targets.size(), 2);
        QCOMPARE(duration->targets[1].legendFormat, QStringLiteral("P95"));

        // The collapsed row keeps its panels; one of them is not drawable and says why.
        const Panel &inbound = d.panels.last();
        QCOMPARE(inbound.kind, Panel::Kind::Row);
        QVERIFY(inbound.collapsed);
        QCOMPARE(inbound.panels.size(), 2);
        QCOMPARE(inbound.panels[0].kind, Panel::Kind::TimeSeries);
        QCOMPARE(inbound.panels[0].unit, QStringLiteral("ops"));
        QCOMPARE(inbound.panels[1].kind, Panel::Kind::Unsupported);
        QCOMPARE(inbound.panels[1].unsupported, QStringLiteral("panel type \"heatmap\" is not supported"));
    }

    void legacyVariables()
    {
        const Dashboard d = load("legacy-workload.json");
        QCOMPARE(d.variables.size(), 5);
        QCOMPARE(d.variables[0].kind, Variable::Kind::Datasource);
        const Variable &ns = d.variables[1];
        QCOMPARE(ns.kind, Variable::Kind::Query);
        QCOMPARE(ns.query.kind, VariableQuery::Kind::QueryResult);
        QVERIFY(ns.query.query.startsWith(QLatin1String("sum(istio_requests_total) by (destination_workload_namespace)")));
        QCOMPARE(ns.current, QStringList{QStringLiteral("shop")});
        // query_result gives series lines; the regex takes the value out of each, once.
        const QStringList lines{QStringLiteral("{destination_workload_namespace=\"shop\"} 42 1700000000000"),
                                QStringLiteral("{destination_workload_namespace=\"cafe\"} 7 1700000000000"),
                                QStringLiteral("{destination_workload_namespace=\"shop\"} 1 1700000000000")};
        QCOMPARE(applyVariableRegex(lines, ns.regex), (QStringList{QStringLiteral("shop"), QStringLiteral("cafe")}));
        const Variable &codes = d.variables[3];
        QCOMPARE(codes.query.kind, VariableQuery::Kind::LabelValues);
        QCOMPARE(codes.query.metric, QStringLiteral("istio_requests_total"));
        QCOMPARE(codes.query.label, QStringLiteral("response_code"));
        QVERIFY(codes.multi && codes.includeAll && codes.hidden);
        QCOMPARE(codes.allValue, QStringLiteral(".*"));
        const Variable &step = d.variables[4];
        QCOMPARE(step.kind, Variable::Kind::Interval);
        QCOMPARE(step.options, (QStringList{QStringLiteral("1m"), QStringLiteral("5m"), QStringLiteral("10m")}));
    }

    void modernPanelsFromAnExport()
    {
        const Dashboard d = load("modern-mesh.json");
        QCOMPARE(d.title, QStringLiteral("Mesh (modern panels)"));
        QCOMPARE(d.timeFrom, QStringLiteral("now-6h"));
        QVERIFY(d.refresh.isEmpty());
        const Panel *volume = panel(d.panels, 1);
        QCOMPARE(volume->kind, Panel::Kind::Stat);
        QCOMPARE(volume->unit, QStringLiteral("reqps"));
        QCOMPARE(volume->reduce, QStringLiteral("mean"));
        QCOMPARE(volume->thresholds.steps.size(), 2);
        QCOMPARE(volume->thresholds.stepFor(81)->color, QStringLiteral("red"));
        QCOMPARE(volume->thresholds.stepFor(10)->color, QStringLiteral("green"));
        QVERIFY(volume->targets[0].instant);
        const Panel *success = panel(d.panels, 2);
        QCOMPARE(success->kind, Panel::Kind::Gauge);
        QVERIFY(success->thresholds.percentage);
        QCOMPARE(success->max, std::optional<double>(1));
        const Panel *requests = panel(d.panels, 3);
        QCOMPARE(requests->kind, Panel::Kind::TimeSeries);
        QVERIFY(requests->stacked);
        QCOMPARE(requests->targets[0].interval, QStringLiteral("30s"));
        const Panel *table = panel(d.panels, 4);
        QCOMPARE(table->kind, Panel::Kind::Table);
        QCOMPARE(table->unit, QStringLiteral("ms"));
        QCOMPARE(table->targets[0].format, QStringLiteral("table"));
        QCOMPARE(panel(d.panels, 5)->kind, Panel::Kind::Text);
        QCOMPARE(panel(d.panels, 5)->text, QStringLiteral("Mesh overview"));
        QCOMPARE(panel(d.panels, 6)->kind, Panel::Kind::Unsupported);
        // What was read with a loss is said.
        QCOMPARE(d.notes.size(), 1);
        QVERIFY(d.notes.first().contains(QLatin1String("transformations")));

        QCOMPARE(d.variables.size(), 4);
        QCOMPARE(d.variables[0].query.kind, VariableQuery::Kind::LabelValues);  // the newer {query, refId} form
        QCOMPARE(d.variables[0].query.metric, QStringLiteral("kube_pod_info"));
        QCOMPARE(d.variables[0].current, (QStringList{QStringLiteral("shop"), QStringLiteral("cafe")}));
        QCOMPARE(d.variables[1].options, (QStringList{QStringLiteral("0.5"), QStringLiteral("0.95"), QStringLiteral("0.99")}));
        QCOMPARE(d.variables[2].kind, Variable::Kind::Constant);
        QCOMPARE(d.variables[2].options, QStringList{QStringLiteral("demo")});
        QCOMPARE(d.variables[3].kind, Variable::Kind::Textbox);
    }

    void rowsBeforeGrafana5AreLaidOutOnTheGrid()
    {
        const Dashboard d = load("pre5-rows.json");
        QCOMPARE(d.panels.size(), 5);  // row, its 3 panels, the collapsed row
        QCOMPARE(d.panels[0].kind, Panel::Kind::Row);
        QCOMPARE(d.panels[1].grid, (GridPos{0, 1, 12, 8}));   // span 6 of 12 → 12 of 24, 250px → 8 units
        QCOMPARE(d.panels[2].grid, (GridPos{12, 1, 12, 8}));
        QCOMPARE(d.panels[3].grid, (GridPos{0, 9, 24, 8}));   // wrapped to the next line
        QCOMPARE(d.panels[2].unit, QStringLiteral("percent"));
        QVERIFY(d.panels[4].collapsed);
        QCOMPARE(d.panels[4].panels.size(), 1);
        QCOMPARE(d.panels[4].panels[0].unit, QStringLiteral("ms"));
    }

    void notADashboardSaysWhy()
    {
        auto broken = parseDashboard("{\"title\": \"x\"");
        QVERIFY(!broken.ok());
        QVERIFY(broken.error().message.startsWith(QLatin1String("not a dashboard file:")));
        auto other = parseDashboard("{\"kind\": \"Deployment\"}");
        QVERIFY(!other.ok());
        QVERIFY(other.error().message.contains(QLatin1String("neither \"panels\" nor \"rows\"")));
        QVERIFY(!parseDashboard("[1, 2]").ok());
    }

    void variablesAndBuiltinsAreSubstituted()
    {
        const QHash<QString, QStringList> values{{QStringLiteral("namespace"), {QStringLiteral("shop")}},
                                                 {QStringLiteral("name"), {QStringLiteral("x")}},
                                                 {QStringLiteral("workload"), {QStringLiteral("cart.v1"), QStringLiteral("checkout")}}};
        const Builtins b{QStringLiteral("15s"), QStringLiteral("1m"), QStringLiteral("3600s")};
        // $namespace is not $name followed by "space".
        QCOMPARE(interpolate(QStringLiteral("up{ns=\"$namespace\",n=\"$name\"}"), values, b), QStringLiteral("up{ns=\"shop\",n=\"x\"}"));
        // A multi-value is a regex alternation, escaped.
        QCOMPARE(interpolate(QStringLiteral("x{w=~\"$workload\"}"), values, b), QStringLiteral("x{w=~\"(cart\\\\.v1|checkout)\"}"));
        QCOMPARE(interpolate(QStringLiteral("x{w=~\"${workload:pipe}\"}"), values, b), QStringLiteral("x{w=~\"cart.v1|checkout\"}"));
        QCOMPARE(interpolate(QStringLiteral("x{n=~\"${namespace:regex}\"}"), values, b), QStringLiteral("x{n=~\"shop\"}"));
        QCOMPARE(interpolate(QStringLiteral("x{n=\"[[namespace]]\"}"), values, b), QStringLiteral("x{n=\"shop\"}"));
        QCOMPARE(interpolate(QStringLiteral("rate(a[$__rate_interval]) + rate(b[$__interval]) / $__range"), values, b),
                 QStringLiteral("rate(a[1m]) + rate(b[15s]) / 3600s"));
        // Unknown variables stay as written.
        QCOMPARE(interpolate(QStringLiteral("x{a=\"$missing\"}"), values, b), QStringLiteral("x{a=\"$missing\"}"));
    }

    void legendsAndTimes()
    {
        const QHash<QString, QString> labels{{QStringLiteral("source_workload"), QStringLiteral("frontend")},
                                             {QStringLiteral("source_workload_namespace"), QStringLiteral("shop")},
                                             {QStringLiteral("response_code"), QStringLiteral("200")}};
        QCOMPARE(legendOf(QStringLiteral("{{ source_workload }}.{{source_workload_namespace}} : {{ response_code }}"), labels),
                 QStringLiteral("frontend.shop : 200"));
        QCOMPARE(legendOf(QString(), labels, QStringLiteral("istio_requests_total")),
                 QStringLiteral("istio_requests_total{response_code=\"200\", source_workload=\"frontend\", source_workload_namespace=\"shop\"}"));
        QCOMPARE(relativeMs(QStringLiteral("now-6h")), std::optional<qint64>(-21'600'000));
        QCOMPARE(relativeMs(QStringLiteral("now")), std::optional<qint64>(0));
        QCOMPARE(relativeMs(QStringLiteral("now-1d/d")), std::optional<qint64>(-86'400'000));
        QVERIFY(!relativeMs(QStringLiteral("2026-12-01T00:00:00Z")));
        QCOMPARE(durationMs(QStringLiteral("30s")), std::optional<qint64>(30'000));
        QVERIFY(!durationMs(QStringLiteral("soon")));
        QCOMPARE(prometheusDuration(15'000), QStringLiteral("15s"));
        QCOMPARE(prometheusDuration(120'000), QStringLiteral("2m"));
        QCOMPARE(prometheusDuration(3'600'000), QStringLiteral("1h"));
        QCOMPARE(prometheusDuration(1'500), QStringLiteral("1500ms"));
    }
};

QTEST_GUILESS_MAIN(TestGrafanaDashboard)
#include "tst_grafanadashboard.moc"
