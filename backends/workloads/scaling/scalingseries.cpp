// Readers for the scaling view's objects and its bounded history (not a hot path: nlohmann::json).
#include "workloads/scaling/scalingseries.h"

#include <QDateTime>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace pilothouse::backends::workloads {

namespace {

using Json = nlohmann::json;

Json parse(const QByteArray &json)
{
    Json doc = Json::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    return doc.is_object() ? doc : Json();
}

const Json *child(const Json &o, const char *key)
{
    if (!o.is_object())
        return nullptr;
    auto it = o.find(key);
    return it == o.end() || it->is_null() ? nullptr : &*it;
}

const Json *path(const Json &o, std::initializer_list<const char *> keys)
{
    const Json *cur = &o;
    for (const char *k : keys) {
        cur = child(*cur, k);
        if (!cur)
            return nullptr;
    }
    return cur;
}

QString str(const Json &o, std::initializer_list<const char *> keys)
{
    const Json *v = path(o, keys);
    return v && v->is_string() ? QString::fromStdString(v->get<std::string>()) : QString();
}

std::optional<int> integer(const Json &o, std::initializer_list<const char *> keys)
{
    const Json *v = path(o, keys);
    if (!v || !v->is_number())
        return std::nullopt;
    return static_cast<int>(v->get<double>());
}

QMap<QString, QString> stringMap(const Json *o)
{
    QMap<QString, QString> out;
    if (o && o->is_object())
        for (auto it = o->begin(); it != o->end(); ++it)
            if (it->is_string())
                out.insert(QString::fromStdString(it.key()), QString::fromStdString(it->get<std::string>()));
    return out;
}

// The CPU utilization of one metric entry (spec.metrics[] or status.currentMetrics[]):
// `Resource` and `ContainerResource` entries for cpu with a Utilization figure.
std::optional<int> cpuUtilization(const Json &metric, const char *field)
{
    const std::string type = metric.is_object() ? metric.value("type", "") : std::string();
    const char *holder = type == "Resource" ? "resource" : type == "ContainerResource" ? "containerResource" : nullptr;
    if (!holder || str(metric, {holder, "name"}) != QLatin1String("cpu"))
        return std::nullopt;
    if (std::string(field) == "target" && str(metric, {holder, "target", "type"}) != QLatin1String("Utilization"))
        return std::nullopt;
    return integer(metric, {holder, field, "averageUtilization"});
}

std::optional<int> firstCpu(const Json *metrics, const char *field)
{
    if (!metrics || !metrics->is_array())
        return std::nullopt;
    for (const auto &m : *metrics)
        if (auto v = cpuUtilization(m, field))
            return v;
    return std::nullopt;
}

// A waiting reason that means the pod will not come up without someone's help.
bool isFailingReason(const QString &reason)
{
    static const QStringList failing = {
        QStringLiteral("CrashLoopBackOff"),   QStringLiteral("ImagePullBackOff"),  QStringLiteral("ErrImagePull"),
        QStringLiteral("InvalidImageName"),   QStringLiteral("CreateContainerConfigError"),
        QStringLiteral("CreateContainerError"), QStringLiteral("RunContainerError")};
    return failing.contains(reason);
}

// An Event object is one occurrence per count: a repeat (same uid, count + 1) is a new decision.
QString eventKey(const ScalingEvent &e)
{
    return e.uid.isEmpty() ? QStringLiteral("%1|%2|%3").arg(e.msecs).arg(e.reason, e.message)
                           : e.uid + QLatin1Char('#') + QString::number(e.count);
}

}  // namespace

QString LabelSelector::toQuery() const
{
    QStringList parts;
    for (auto it = matchLabels.cbegin(); it != matchLabels.cend(); ++it)
        parts << it.key() + QLatin1Char('=') + it.value();
    for (const Requirement &r : expressions) {
        if (r.op == QLatin1String("In"))
            parts << r.key + QStringLiteral(" in (") + r.values.join(QLatin1Char(',')) + QLatin1Char(')');
        else if (r.op == QLatin1String("NotIn"))
            parts << r.key + QStringLiteral(" notin (") + r.values.join(QLatin1Char(',')) + QLatin1Char(')');
        else if (r.op == QLatin1String("Exists"))
            parts << r.key;
        else if (r.op == QLatin1String("DoesNotExist"))
            parts << QLatin1Char('!') + r.key;
    }
    return parts.join(QLatin1Char(','));
}

bool LabelSelector::matches(const QMap<QString, QString> &labels) const
{
    if (!valid)
        return false;
    for (auto it = matchLabels.begin(); it != matchLabels.end(); ++it) {
        auto found = labels.find(it.key());
        if (found == labels.end() || *found != it.value())
            return false;
    }
    for (const auto &r : expressions) {
        const bool has = labels.contains(r.key);
        if (r.op == QLatin1String("In") && !(has && r.values.contains(labels.value(r.key))))
            return false;
        if (r.op == QLatin1String("NotIn") && has && r.values.contains(labels.value(r.key)))
            return false;
        if (r.op == QLatin1String("Exists") && !has)
            return false;
        if (r.op == QLatin1String("DoesNotExist") && has)
            return false;
    }
    return true;
}

QString podTilePhaseName(PodTilePhase phase)
{
    switch (phase) {
    case PodTilePhase::Pending: return QStringLiteral("Pending");
    case PodTilePhase::Running: return QStringLiteral("Running, not ready");
    case PodTilePhase::Ready: return QStringLiteral("Ready");
    case PodTilePhase::Terminating: return QStringLiteral("Terminating");
    case PodTilePhase::Failed: return QStringLiteral("Failed");
    }
    return {};
}

qint64 parseKubeTime(const QString &text)
{
    if (text.isEmpty())
        return 0;
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : 0;
}

DeploymentInfo parseDeployment(const QByteArray &json)
{
    DeploymentInfo d;
    const Json o = parse(json);
    if (!o.is_object() || str(o, {"metadata", "name"}).isEmpty())
        return d;
    d.found = true;
    d.ns = str(o, {"metadata", "namespace"});
    d.name = str(o, {"metadata", "name"});
    d.uid = str(o, {"metadata", "uid"});
    d.desired = integer(o, {"spec", "replicas"}).value_or(1);
    d.current = integer(o, {"status", "replicas"}).value_or(0);
    d.ready = integer(o, {"status", "readyReplicas"}).value_or(0);
    d.updated = integer(o, {"status", "updatedReplicas"}).value_or(0);
    d.available = integer(o, {"status", "availableReplicas"}).value_or(0);
    if (const Json *sel = path(o, {"spec", "selector"}); sel && sel->is_object()) {
        d.selector.valid = true;
        d.selector.matchLabels = stringMap(child(*sel, "matchLabels"));
        if (const Json *exprs = child(*sel, "matchExpressions"); exprs && exprs->is_array()) {
            for (const auto &e : *exprs) {
                LabelSelector::Requirement r;
                r.key = str(e, {"key"});
                r.op = str(e, {"operator"});
                if (const Json *vals = child(e, "values"); vals && vals->is_array())
                    for (const auto &v : *vals)
                        if (v.is_string())
                            r.values << QString::fromStdString(v.get<std::string>());
                d.selector.expressions << r;
            }
        }
    }
    return d;
}

HpaInfo parseHpa(const QByteArray &json)
{
    HpaInfo h;
    const Json o = parse(json);
    if (!o.is_object() || str(o, {"metadata", "name"}).isEmpty())
        return h;
    h.present = true;
    h.name = str(o, {"metadata", "name"});
    h.targetKind = str(o, {"spec", "scaleTargetRef", "kind"});
    h.targetName = str(o, {"spec", "scaleTargetRef", "name"});
    h.minReplicas = integer(o, {"spec", "minReplicas"}).value_or(1);
    h.maxReplicas = integer(o, {"spec", "maxReplicas"}).value_or(0);
    h.targetPercent = firstCpu(path(o, {"spec", "metrics"}), "target");
    h.currentPercent = firstCpu(path(o, {"status", "currentMetrics"}), "current");
    // autoscaling/v1 objects carry the same figures in flat fields.
    if (!h.targetPercent)
        h.targetPercent = integer(o, {"spec", "targetCPUUtilizationPercentage"});
    if (!h.currentPercent)
        h.currentPercent = integer(o, {"status", "currentCPUUtilizationPercentage"});
    h.desiredReplicas = integer(o, {"status", "desiredReplicas"});
    return h;
}

std::optional<PodTile> parsePodTile(const QByteArray &json)
{
    const Json o = parse(json);
    if (!o.is_object() || str(o, {"metadata", "name"}).isEmpty())
        return std::nullopt;
    PodTile p;
    p.name = str(o, {"metadata", "name"});
    p.uid = str(o, {"metadata", "uid"});
    p.labels = stringMap(path(o, {"metadata", "labels"}));
    p.createdMsecs = parseKubeTime(str(o, {"metadata", "creationTimestamp"}));
    p.node = str(o, {"spec", "nodeName"});
    const QString phase = str(o, {"status", "phase"});
    bool ready = false;
    if (const Json *conds = path(o, {"status", "conditions"}); conds && conds->is_array())
        for (const auto &c : *conds)
            if (str(c, {"type"}) == QLatin1String("Ready"))
                ready = str(c, {"status"}) == QLatin1String("True");
    QString waiting, terminated;
    if (const Json *cs = path(o, {"status", "containerStatuses"}); cs && cs->is_array()) {
        for (const auto &c : *cs) {
            p.restarts += integer(c, {"restartCount"}).value_or(0);
            if (waiting.isEmpty())
                waiting = str(c, {"state", "waiting", "reason"});
            if (terminated.isEmpty())
                terminated = str(c, {"state", "terminated", "reason"});
        }
    }
    const bool deleting = path(o, {"metadata", "deletionTimestamp"}) != nullptr;
    if (deleting)
        p.detail = QStringLiteral("Terminating");
    else if (!waiting.isEmpty())
        p.detail = waiting;
    else if (!terminated.isEmpty())
        p.detail = terminated;
    else
        p.detail = phase.isEmpty() ? QStringLiteral("Pending") : phase;

    if (deleting || phase == QLatin1String("Succeeded"))
        p.phase = PodTilePhase::Terminating;
    else if (phase == QLatin1String("Failed") || isFailingReason(waiting))
        p.phase = PodTilePhase::Failed;
    else if (phase == QLatin1String("Running"))
        p.phase = ready ? PodTilePhase::Ready : PodTilePhase::Running;
    else
        p.phase = PodTilePhase::Pending;
    return p;
}

bool isScalingReason(const QString &reason)
{
    return reason == QLatin1String("SuccessfulRescale") || reason == QLatin1String("ScalingReplicaSet");
}

std::optional<ScalingEvent> parseScalingEvent(const QByteArray &json)
{
    const Json o = parse(json);
    if (!o.is_object())
        return std::nullopt;
    ScalingEvent e;
    e.reason = str(o, {"reason"});
    e.message = str(o, {"message"});
    e.uid = str(o, {"metadata", "uid"});
    e.count = std::max(1, integer(o, {"count"}).value_or(1));
    e.objectKind = str(o, {"involvedObject", "kind"});
    e.objectName = str(o, {"involvedObject", "name"});
    // A repeat updates lastTimestamp; events.k8s.io-style writers set eventTime (and series) instead.
    for (auto keys : {std::initializer_list<const char *>{"lastTimestamp"}, {"series", "lastObservedTime"}, {"eventTime"},
                      {"firstTimestamp"}, {"metadata", "creationTimestamp"}}) {
        e.msecs = parseKubeTime(str(o, keys));
        if (e.msecs)
            break;
    }
    if (e.reason.isEmpty() || e.msecs == 0)
        return std::nullopt;
    return e;
}

ScalingSeries::ScalingSeries(int maxSamples, int maxEvents)
    : m_maxSamples(std::max(4, maxSamples)), m_maxEvents(std::max(1, maxEvents))
{
}

ScalingSeries::Change ScalingSeries::record(ScalingSample sample)
{
    if (m_samples.empty()) {
        m_samples.push_back(sample);
        m_lastIsStep = true;
        return Change::Appended;
    }
    ScalingSample &last = m_samples.back();
    sample.msecs = std::max(sample.msecs, last.msecs);
    const bool recent = sample.msecs - last.msecs < 1000;
    if (sample.sameValues(last)) {
        if (!m_lastIsStep) {
            // A run of equal values needs two points (its start and its end) to be drawn; the end moves.
            last.msecs = sample.msecs;
            return Change::ReplacedLast;
        }
        if (recent)
            return Change::Unchanged;
        m_samples.push_back(sample);
        m_lastIsStep = false;
    } else if (m_lastIsStep && recent) {
        // A burst of changes (the deployment, then its status, then the HPA) becomes one step at
        // the time it began, showing where it settled: at most one step a second.
        const qint64 t = last.msecs;
        last = sample;
        last.msecs = t;
        return Change::ReplacedLast;
    } else {
        m_samples.push_back(sample);
        m_lastIsStep = true;
    }
    while (static_cast<int>(m_samples.size()) > m_maxSamples)
        m_samples.pop_front();
    return Change::Appended;
}

bool ScalingSeries::addEvent(const ScalingEvent &event)
{
    const QString key = eventKey(event);
    if (m_eventKeys.count(key))
        return false;
    if (static_cast<int>(m_events.size()) >= m_maxEvents && event.msecs < m_events.front().msecs)
        return false;
    m_eventKeys.insert(key);
    // Ordered by time: a relist delivers old events in any order.
    auto pos = std::upper_bound(m_events.begin(), m_events.end(), event.msecs,
                                [](qint64 t, const ScalingEvent &e) { return t < e.msecs; });
    m_events.insert(pos, event);
    while (static_cast<int>(m_events.size()) > m_maxEvents) {
        m_eventKeys.erase(eventKey(m_events.front()));
        m_events.pop_front();
    }
    return true;
}

std::optional<ScalingSample> ScalingSeries::last() const
{
    if (m_samples.empty())
        return std::nullopt;
    return m_samples.back();
}

std::optional<ScalingSample> ScalingSeries::at(qint64 msecs) const
{
    auto it = std::upper_bound(m_samples.begin(), m_samples.end(), msecs,
                               [](qint64 t, const ScalingSample &s) { return t < s.msecs; });
    if (it == m_samples.begin())
        return std::nullopt;
    return *std::prev(it);
}

void ScalingSeries::clear()
{
    m_lastIsStep = false;
    m_samples.clear();
    m_events.clear();
    m_eventKeys.clear();
}

}  // namespace pilothouse::backends::workloads
