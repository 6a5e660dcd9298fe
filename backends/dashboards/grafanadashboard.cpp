// Grafana dashboard JSON → values.
#include "dashboards/grafanadashboard.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>

namespace pilothouse::backends::dashboards {

namespace {

ApiError malformed(const QString &message)
{
    ApiError e;
    e.kind = ErrorKind::Malformed;
    e.message = message;
    return e;
}

QString str(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble());
    return {};
}

std::optional<double> number(const QJsonValue &v)
{
    if (v.isDouble())
        return v.toDouble();
    if (v.isString()) {
        bool ok = false;
        const double d = v.toString().trimmed().toDouble(&ok);
        if (ok)
            return d;
    }
    return std::nullopt;
}

Thresholds thresholdsOf(const QJsonObject &o)
{
    Thresholds t;
    t.percentage = str(o, "mode") == QLatin1String("percentage");
    for (const QJsonValue &s : o.value(QLatin1String("steps")).toArray()) {
        const QJsonObject so = s.toObject();
        t.steps << ThresholdStep{str(so, "color"), number(so.value(QLatin1String("value")))};
    }
    return t;
}

// singlestat: thresholds "95, 99" with colors [ok, warn, bad].
Thresholds legacyThresholds(const QJsonObject &p)
{
    Thresholds t;
    QStringList colors;
    for (const QJsonValue &c : p.value(QLatin1String("colors")).toArray())
        colors << c.toString();
    if (colors.size() < 3)
        colors = {QStringLiteral("green"), QStringLiteral("orange"), QStringLiteral("red")};
    const QStringList values = str(p, "thresholds").split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (values.isEmpty())
        return t;
    t.steps << ThresholdStep{colors.value(0), std::nullopt};
    for (int i = 0; i < values.size(); ++i) {
        bool ok = false;
        const double v = values[i].trimmed().toDouble(&ok);
        if (ok)
            t.steps << ThresholdStep{colors.value(std::min<int>(i + 1, colors.size() - 1)), v};
    }
    return t;
}

// Legacy singlestat valueName → the modern reducer.
QString reducerOf(const QString &valueName)
{
    static const QHash<QString, QString> names{{QStringLiteral("current"), QStringLiteral("lastNotNull")},
                                               {QStringLiteral("avg"), QStringLiteral("mean")},
                                               {QStringLiteral("min"), QStringLiteral("min")},
                                               {QStringLiteral("max"), QStringLiteral("max")},
                                               {QStringLiteral("total"), QStringLiteral("sum")},
                                               {QStringLiteral("first"), QStringLiteral("firstNotNull")},
                                               {QStringLiteral("delta"), QStringLiteral("delta")},
                                               {QStringLiteral("range"), QStringLiteral("range")}};
    return names.value(valueName, QStringLiteral("lastNotNull"));
}

Panel panelOf(const QJsonObject &p, QStringList &notes)
{
    Panel panel;
    panel.type = str(p, "type");
    panel.id = p.value(QLatin1String("id")).toInt();
    panel.title = str(p, "title");
    panel.description = str(p, "description");
    const QJsonObject g = p.value(QLatin1String("gridPos")).toObject();
    panel.grid = GridPos{g.value(QLatin1String("x")).toInt(0), g.value(QLatin1String("y")).toInt(0), g.value(QLatin1String("w")).toInt(12),
                         g.value(QLatin1String("h")).toInt(8)};
    for (const QJsonValue &t : p.value(QLatin1String("targets")).toArray()) {
        const QJsonObject to = t.toObject();
        Target target;
        target.refId = str(to, "refId");
        target.expr = str(to, "expr");
        target.legendFormat = str(to, "legendFormat");
        target.instant = to.value(QLatin1String("instant")).toBool();
        target.format = str(to, "format");
        target.interval = str(to, "interval");
        target.hide = to.value(QLatin1String("hide")).toBool();
        panel.targets << target;
    }
    const QJsonObject defaults = p.value(QLatin1String("fieldConfig")).toObject().value(QLatin1String("defaults")).toObject();
    const QString type = panel.type;
    if (type == QLatin1String("row")) {
        panel.kind = Panel::Kind::Row;
        panel.collapsed = p.value(QLatin1String("collapsed")).toBool();
        for (const QJsonValue &child : p.value(QLatin1String("panels")).toArray())
            panel.panels << panelOf(child.toObject(), notes);
        return panel;
    }
    if (type == QLatin1String("timeseries") || type == QLatin1String("stat") || type == QLatin1String("gauge") ||
        type == QLatin1String("table") || type == QLatin1String("bargauge")) {
        panel.kind = type == QLatin1String("timeseries") ? Panel::Kind::TimeSeries
                     : type == QLatin1String("table")    ? Panel::Kind::Table
                     : type == QLatin1String("stat")     ? Panel::Kind::Stat
                                                         : Panel::Kind::Gauge;
        panel.unit = str(defaults, "unit");
        if (defaults.value(QLatin1String("decimals")).isDouble())
            panel.decimals = defaults.value(QLatin1String("decimals")).toInt();
        panel.min = number(defaults.value(QLatin1String("min")));
        panel.max = number(defaults.value(QLatin1String("max")));
        panel.thresholds = thresholdsOf(defaults.value(QLatin1String("thresholds")).toObject());
        const QJsonArray calcs = p.value(QLatin1String("options")).toObject().value(QLatin1String("reduceOptions")).toObject()
                                     .value(QLatin1String("calcs")).toArray();
        panel.reduce = calcs.isEmpty() ? QStringLiteral("lastNotNull") : calcs.first().toString();
        panel.stacked = defaults.value(QLatin1String("custom")).toObject().value(QLatin1String("stacking")).toObject()
                            .value(QLatin1String("mode")).toString(QStringLiteral("none")) != QLatin1String("none");
        if (!p.value(QLatin1String("transformations")).toArray().isEmpty())
            notes << QStringLiteral("panel %1 \"%2\": its transformations are not applied").arg(panel.id).arg(panel.title);
        return panel;
    }
    if (type == QLatin1String("graph")) {
        panel.kind = Panel::Kind::TimeSeries;
        const QJsonArray axes = p.value(QLatin1String("yaxes")).toArray();
        panel.unit = axes.isEmpty() ? QString() : str(axes.first().toObject(), "format");
        if (!axes.isEmpty()) {
            panel.min = number(axes.first().toObject().value(QLatin1String("min")));
            panel.max = number(axes.first().toObject().value(QLatin1String("max")));
        }
        if (p.value(QLatin1String("decimals")).isDouble())
            panel.decimals = p.value(QLatin1String("decimals")).toInt();
        panel.stacked = p.value(QLatin1String("stack")).toBool();
        return panel;
    }
    if (type == QLatin1String("singlestat")) {
        panel.kind = p.value(QLatin1String("gauge")).toObject().value(QLatin1String("show")).toBool() ? Panel::Kind::Gauge : Panel::Kind::Stat;
        panel.unit = str(p, "format");
        if (p.value(QLatin1String("decimals")).isDouble())
            panel.decimals = p.value(QLatin1String("decimals")).toInt();
        panel.thresholds = legacyThresholds(p);
        panel.reduce = reducerOf(str(p, "valueName"));
        const QJsonObject gauge = p.value(QLatin1String("gauge")).toObject();
        if (panel.kind == Panel::Kind::Gauge) {
            panel.min = number(gauge.value(QLatin1String("minValue")));
            panel.max = number(gauge.value(QLatin1String("maxValue")));
        }
        return panel;
    }
    if (type == QLatin1String("text")) {
        panel.kind = Panel::Kind::Text;
        panel.text = p.value(QLatin1String("options")).toObject().value(QLatin1String("content")).toString(str(p, "content"));
        return panel;
    }
    panel.kind = Panel::Kind::Unsupported;
    panel.unsupported = QStringLiteral("panel type \"%1\" is not supported").arg(type.isEmpty() ? QStringLiteral("(none)") : type);
    return panel;
}

Variable variableOf(const QJsonObject &v)
{
    Variable var;
    const QString type = str(v, "type");
    var.kind = type == QLatin1String("query")        ? Variable::Kind::Query
               : type == QLatin1String("custom")     ? Variable::Kind::Custom
               : type == QLatin1String("interval")   ? Variable::Kind::Interval
               : type == QLatin1String("datasource") ? Variable::Kind::Datasource
               : type == QLatin1String("constant")   ? Variable::Kind::Constant
               : type == QLatin1String("textbox")    ? Variable::Kind::Textbox
                                                     : Variable::Kind::Other;
    var.name = str(v, "name");
    var.label = str(v, "label");
    var.regex = str(v, "regex");
    var.multi = v.value(QLatin1String("multi")).toBool();
    var.includeAll = v.value(QLatin1String("includeAll")).toBool();
    var.allValue = str(v, "allValue");
    var.hidden = v.value(QLatin1String("hide")).toInt() == 2;
    // The query is a string in older files and {query, refId} in newer ones.
    const QJsonValue q = v.value(QLatin1String("query"));
    const QString queryText = q.isObject() ? q.toObject().value(QLatin1String("query")).toString() : q.toString();
    if (var.kind == Variable::Kind::Query)
        var.query = parseVariableQuery(queryText);
    else if (var.kind == Variable::Kind::Custom || var.kind == Variable::Kind::Interval) {
        for (const QString &o : queryText.split(QLatin1Char(','), Qt::SkipEmptyParts))
            var.options << o.trimmed();
    } else if (var.kind == Variable::Kind::Constant || var.kind == Variable::Kind::Textbox) {
        var.options << queryText;
    }
    const QJsonValue cur = v.value(QLatin1String("current")).toObject().value(QLatin1String("value"));
    if (cur.isArray()) {
        for (const QJsonValue &c : cur.toArray())
            var.current << c.toString();
    } else if (cur.isString()) {
        var.current << cur.toString();
    }
    return var;
}

}  // namespace

const ThresholdStep *Thresholds::stepFor(double v) const
{
    const ThresholdStep *found = steps.isEmpty() ? nullptr : &steps.first();
    for (const ThresholdStep &s : steps)
        if (!s.value || *s.value <= v)
            found = &s;
    return found;
}

Result<Dashboard> parseDashboard(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (doc.isNull())
        return Result<Dashboard>::failure(malformed(QStringLiteral("not a dashboard file: %1 at byte %2").arg(error.errorString()).arg(error.offset)));
    if (!doc.isObject())
        return Result<Dashboard>::failure(malformed(QStringLiteral("not a dashboard file: the top level is not an object")));
    QJsonObject root = doc.object();
    if (root.value(QLatin1String("dashboard")).isObject())  // an export or an API answer
        root = root.value(QLatin1String("dashboard")).toObject();
    if (!root.contains(QLatin1String("panels")) && !root.contains(QLatin1String("rows")))
        return Result<Dashboard>::failure(malformed(QStringLiteral("not a dashboard file: it has neither \"panels\" nor \"rows\"")));
    Dashboard d;
    d.title = str(root, "title");
    d.uid = str(root, "uid");
    const QJsonObject time = root.value(QLatin1String("time")).toObject();
    if (!str(time, "from").isEmpty())
        d.timeFrom = str(time, "from");
    if (!str(time, "to").isEmpty())
        d.timeTo = str(time, "to");
    const QJsonValue refresh = root.value(QLatin1String("refresh"));
    d.refresh = refresh.isString() ? refresh.toString() : QString();
    for (const QJsonValue &v : root.value(QLatin1String("templating")).toObject().value(QLatin1String("list")).toArray())
        d.variables << variableOf(v.toObject());
    if (root.contains(QLatin1String("panels"))) {
        for (const QJsonValue &p : root.value(QLatin1String("panels")).toArray())
            d.panels << panelOf(p.toObject(), d.notes);
    } else {
        // Grafana before 5: "rows" with their panels and a span of 12; laid out into the grid.
        int y = 0;
        for (const QJsonValue &r : root.value(QLatin1String("rows")).toArray()) {
            const QJsonObject ro = r.toObject();
            Panel row;
            row.kind = Panel::Kind::Row;
            row.type = QStringLiteral("row");
            row.title = str(ro, "title");
            row.collapsed = ro.value(QLatin1String("collapse")).toBool();
            row.grid = GridPos{0, y++, 24, 1};
            const int h = std::max(4, ro.value(QLatin1String("height")).toString().remove(QStringLiteral("px")).toInt() / 30);
            int x = 0;
            QList<Panel> inside;
            for (const QJsonValue &p : ro.value(QLatin1String("panels")).toArray()) {
                Panel panel = panelOf(p.toObject(), d.notes);
                const int w = std::clamp(p.toObject().value(QLatin1String("span")).toInt(12) * 2, 1, 24);
                if (x + w > 24) {
                    x = 0;
                    y += h;
                }
                panel.grid = GridPos{x, y, w, h};
                x += w;
                inside << panel;
            }
            y += h;
            if (row.collapsed) {
                row.panels = inside;
                d.panels << row;
            } else {
                d.panels << row;
                d.panels << inside;
            }
        }
        d.notes << QStringLiteral("a dashboard from before Grafana 5 (rows with spans): laid out on the 24-column grid");
    }
    return d;
}

VariableQuery parseVariableQuery(const QString &text)
{
    VariableQuery q;
    const QString t = text.trimmed();
    static const QRegularExpression labelValues(QStringLiteral("^label_values\\(\\s*(?:(.*)\\s*,\\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)$"),
                                                QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression queryResult(QStringLiteral("^query_result\\((.*)\\)$"), QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression labelNames(QStringLiteral("^label_names\\(\\s*\\)$"));
    static const QRegularExpression metrics(QStringLiteral("^metrics\\((.*)\\)$"));
    if (const auto m = labelValues.match(t); m.hasMatch()) {
        q.kind = VariableQuery::Kind::LabelValues;
        q.metric = m.captured(1).trimmed();
        q.label = m.captured(2);
    } else if (const auto m2 = queryResult.match(t); m2.hasMatch()) {
        q.kind = VariableQuery::Kind::QueryResult;
        q.query = m2.captured(1).trimmed();
    } else if (labelNames.match(t).hasMatch()) {
        q.kind = VariableQuery::Kind::LabelNames;
    } else if (const auto m3 = metrics.match(t); m3.hasMatch()) {
        q.kind = VariableQuery::Kind::Metrics;
        q.query = m3.captured(1).trimmed();
    } else {
        q.query = t;
    }
    return q;
}

QStringList applyVariableRegex(const QStringList &values, const QString &regex)
{
    QStringList out;
    QRegularExpression re;
    if (!regex.isEmpty()) {
        // Grafana writes /pattern/flags; a bare pattern is taken as it is.
        QString pattern = regex;
        QRegularExpression::PatternOptions options;
        static const QRegularExpression slashed(QStringLiteral("^/(.*)/([gimsuy]*)$"), QRegularExpression::DotMatchesEverythingOption);
        if (const auto m = slashed.match(regex); m.hasMatch()) {
            pattern = m.captured(1);
            if (m.captured(2).contains(QLatin1Char('i')))
                options |= QRegularExpression::CaseInsensitiveOption;
        }
        re = QRegularExpression(pattern, options);
        if (!re.isValid())
            return values;
    }
    for (const QString &v : values) {
        QString value = v;
        if (!regex.isEmpty()) {
            const auto m = re.match(v);
            if (!m.hasMatch())
                continue;
            value = m.lastCapturedIndex() >= 1 ? m.captured(1) : v;
        }
        if (!out.contains(value))
            out << value;
    }
    return out;
}

QString interpolate(const QString &expr, const QHash<QString, QStringList> &values, const Builtins &builtins)
{
    QHash<QString, QStringList> all = values;
    if (!builtins.interval.isEmpty())
        all.insert(QStringLiteral("__interval"), {builtins.interval});
    if (!builtins.rateInterval.isEmpty())
        all.insert(QStringLiteral("__rate_interval"), {builtins.rateInterval});
    if (!builtins.range.isEmpty())
        all.insert(QStringLiteral("__range"), {builtins.range});
    const auto format = [](const QStringList &v, const QString &how) {
        if (how == QLatin1String("pipe"))
            return v.join(QLatin1Char('|'));
        if (how == QLatin1String("csv"))
            return v.join(QLatin1Char(','));
        const bool asRegex = how == QLatin1String("regex") || v.size() > 1;
        if (!asRegex)
            return v.value(0);
        // As Grafana's Prometheus data source escapes: the regex escape itself escaped once more,
        // since the value lands inside a PromQL double-quoted string ("cart\\.v1" is the regex cart\.v1).
        QStringList escaped;
        for (const QString &s : v) {
            QString e;
            for (const QChar c : s) {
                if (c == QLatin1Char('\\'))
                    e += QStringLiteral("\\\\\\\\");
                else if (QStringLiteral("$^*{}[]'+?.()|").contains(c))
                    e += QStringLiteral("\\\\") + c;
                else
                    e += c;
            }
            escaped << e;
        }
        return escaped.size() == 1 ? escaped.first() : QStringLiteral("(%1)").arg(escaped.join(QLatin1Char('|')));
    };
    // ${name:format}, ${name}, [[name]], $name — the longest name wins ($namespace before $name).
    static const QRegularExpression ref(QStringLiteral("\\$\\{([A-Za-z0-9_]+)(?::([a-z]+))?\\}|\\[\\[([A-Za-z0-9_]+)\\]\\]|\\$([A-Za-z0-9_]+)"));
    QString out;
    qsizetype last = 0;
    auto it = ref.globalMatch(expr);
    while (it.hasNext()) {
        const auto m = it.next();
        const QString name = !m.captured(1).isEmpty() ? m.captured(1) : !m.captured(3).isEmpty() ? m.captured(3) : m.captured(4);
        out += expr.mid(last, m.capturedStart() - last);
        last = m.capturedEnd();
        auto found = all.constFind(name);
        if (found == all.constEnd()) {
            out += m.captured(0);  // not ours (PromQL has no $, but a label value might)
            continue;
        }
        out += format(*found, m.captured(2));
    }
    out += expr.mid(last);
    return out;
}

QString legendOf(const QString &legendFormat, const QHash<QString, QString> &labels, const QString &metricName)
{
    if (legendFormat.trimmed().isEmpty() || legendFormat == QLatin1String("__auto")) {
        QStringList keys = labels.keys();
        keys.removeAll(QStringLiteral("__name__"));
        keys.sort();
        QStringList parts;
        for (const QString &k : keys)
            parts << QStringLiteral("%1=\"%2\"").arg(k, labels.value(k));
        const QString name = metricName.isEmpty() ? labels.value(QStringLiteral("__name__")) : metricName;
        return name + QLatin1Char('{') + parts.join(QStringLiteral(", ")) + QLatin1Char('}');
    }
    static const QRegularExpression field(QStringLiteral("\\{\\{\\s*([A-Za-z0-9_]+)\\s*\\}\\}"));
    QString out;
    qsizetype last = 0;
    auto it = field.globalMatch(legendFormat);
    while (it.hasNext()) {
        const auto m = it.next();
        out += legendFormat.mid(last, m.capturedStart() - last);
        out += labels.value(m.captured(1));
        last = m.capturedEnd();
    }
    out += legendFormat.mid(last);
    return out;
}

std::optional<qint64> durationMs(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^(\\d+)(ms|s|m|h|d|w|y)$"));
    const auto m = re.match(text.trimmed());
    if (!m.hasMatch())
        return std::nullopt;
    const qint64 n = m.captured(1).toLongLong();
    const QString unit = m.captured(2);
    const qint64 factor = unit == QLatin1String("ms") ? 1
                          : unit == QLatin1String("s") ? 1000
                          : unit == QLatin1String("m") ? 60'000
                          : unit == QLatin1String("h") ? 3'600'000
                          : unit == QLatin1String("d") ? 86'400'000
                          : unit == QLatin1String("w") ? 604'800'000
                                                       : 31'536'000'000;
    return n * factor;
}

std::optional<qint64> relativeMs(const QString &grafanaTime)
{
    const QString t = grafanaTime.trimmed();
    if (t == QLatin1String("now"))
        return 0;
    if (!t.startsWith(QLatin1String("now-")))
        return std::nullopt;
    // "now-1d/d" (rounded to the day) is read as now-1d: the rounding is not kept.
    const auto d = durationMs(t.mid(4).section(QLatin1Char('/'), 0, 0));
    if (!d)
        return std::nullopt;
    return -*d;
}

// A Prometheus duration for a number of milliseconds ("15s", "2m"), the largest whole unit.
QString prometheusDuration(qint64 ms)
{
    if (ms <= 0)
        return QStringLiteral("0s");
    if (ms % 1000)
        return QStringLiteral("%1ms").arg(ms);
    const qint64 s = ms / 1000;
    if (s % 86400 == 0)
        return QStringLiteral("%1d").arg(s / 86400);
    if (s % 3600 == 0)
        return QStringLiteral("%1h").arg(s / 3600);
    if (s % 60 == 0)
        return QStringLiteral("%1m").arg(s / 60);
    return QStringLiteral("%1s").arg(s);
}

QString panelKindName(Panel::Kind kind)
{
    switch (kind) {
    case Panel::Kind::TimeSeries: return QStringLiteral("time series");
    case Panel::Kind::Stat: return QStringLiteral("stat");
    case Panel::Kind::Gauge: return QStringLiteral("gauge");
    case Panel::Kind::Table: return QStringLiteral("table");
    case Panel::Kind::Row: return QStringLiteral("row");
    case Panel::Kind::Text: return QStringLiteral("text");
    case Panel::Kind::Unsupported: break;
    }
    return QStringLiteral("unsupported");
}

}  // namespace pilothouse::backends::dashboards
