// Per-kind overview facts, conditions and owner references from an object's JSON.
#include "workloads/inspect/objectdetails.h"

#include <nlohmann/json.hpp>

namespace pilothouse::backends::workloads {

using kube::ResourceRef;

namespace {

using Json = nlohmann::json;

const Json &at(const Json &j, std::initializer_list<const char *> path)
{
    static const Json null;
    const Json *cur = &j;
    for (const char *p : path) {
        if (!cur->is_object() || !cur->contains(p))
            return null;
        cur = &(*cur)[p];
    }
    return *cur;
}

QString str(const Json &j)
{
    if (j.is_string())
        return QString::fromStdString(j.get<std::string>());
    if (j.is_null())
        return {};
    return QString::fromStdString(j.dump());
}

int num(const Json &j) { return j.is_number_integer() ? j.get<int>() : 0; }

QList<QPair<QString, QString>> pairs(const Json &j)
{
    QList<QPair<QString, QString>> out;
    if (j.is_object())
        for (const auto &[k, v] : j.items())
            out.append({QString::fromStdString(k), str(v)});
    return out;
}

QString images(const Json &podSpec)
{
    QStringList out;
    for (const auto &c : at(podSpec, {"containers"}))
        out << str(at(c, {"image"}));
    return out.join(QStringLiteral(", "));
}

QString ports(const Json &ports)
{
    QStringList out;
    for (const auto &p : ports) {
        QString s = QString::number(num(at(p, {"port"})));
        const Json &target = at(p, {"targetPort"});
        if (!target.is_null())
            s += QStringLiteral("→") + str(target);
        s += QLatin1Char('/') + (at(p, {"protocol"}).is_string() ? str(at(p, {"protocol"})) : QStringLiteral("TCP"));
        if (at(p, {"name"}).is_string())
            s = str(at(p, {"name"})) + QLatin1Char(' ') + s;
        out << s;
    }
    return out.join(QStringLiteral(", "));
}

void workloadFacts(const Json &o, ObjectDetails &d, const QString &kind)
{
    const Json &spec = at(o, {"spec"});
    const Json &st = at(o, {"status"});
    if (kind == QLatin1String("DaemonSet")) {
        d.facts.append({QStringLiteral("Pods"), QStringLiteral("%1 desired · %2 current · %3 ready · %4 up to date")
                                                    .arg(num(at(st, {"desiredNumberScheduled"})))
                                                    .arg(num(at(st, {"currentNumberScheduled"})))
                                                    .arg(num(at(st, {"numberReady"})))
                                                    .arg(num(at(st, {"updatedNumberScheduled"})))});
    } else {
        const int desired = spec.contains("replicas") ? num(spec["replicas"]) : 1;
        QString line = QStringLiteral("%1 desired · %2 current · %3 ready").arg(desired).arg(num(at(st, {"replicas"}))).arg(num(at(st, {"readyReplicas"})));
        if (kind == QLatin1String("Deployment"))
            line += QStringLiteral(" · %1 updated · %2 available").arg(num(at(st, {"updatedReplicas"}))).arg(num(at(st, {"availableReplicas"})));
        d.facts.append({QStringLiteral("Replicas"), line});
    }
    if (kind == QLatin1String("Deployment")) {
        const Json &strategy = at(spec, {"strategy"});
        QString s = str(at(strategy, {"type"}));
        if (s.isEmpty()) s = QStringLiteral("RollingUpdate");
        if (s == QLatin1String("RollingUpdate")) {
            const Json &ru = at(strategy, {"rollingUpdate"});
            s += QStringLiteral(" (max surge %1, max unavailable %2)")
                     .arg(ru.contains("maxSurge") ? str(ru["maxSurge"]) : QStringLiteral("25%"),
                          ru.contains("maxUnavailable") ? str(ru["maxUnavailable"]) : QStringLiteral("25%"));
        }
        d.facts.append({QStringLiteral("Strategy"), s});
    }
    if (kind == QLatin1String("ReplicaSet")) {
        const QString rev = str(at(o, {"metadata", "annotations", "deployment.kubernetes.io/revision"}));
        if (!rev.isEmpty())
            d.facts.append({QStringLiteral("Revision"), rev});
    }
    d.facts.append({QStringLiteral("Images"), images(at(spec, {"template", "spec"}))});
    d.podSelector = pairs(at(spec, {"selector", "matchLabels"}));
}

}  // namespace

ObjectDetails objectDetails(const QByteArray &json)
{
    ObjectDetails d;
    const Json o = Json::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    if (o.is_discarded() || !o.is_object()) {
        d.error = QStringLiteral("the object is not valid JSON");
        return d;
    }
    const Json &meta = at(o, {"metadata"});
    d.apiVersion = str(at(o, {"apiVersion"}));
    d.kind = str(at(o, {"kind"}));
    d.name = str(at(meta, {"name"}));
    d.ns = str(at(meta, {"namespace"}));
    d.uid = str(at(meta, {"uid"}));
    d.created = str(at(meta, {"creationTimestamp"}));
    d.labels = pairs(at(meta, {"labels"}));
    for (auto [k, v] : pairs(at(meta, {"annotations"}))) {
        v = v.section(QLatin1Char('\n'), 0, 0);
        if (v.size() > 120)
            v = v.left(119) + QChar(0x2026);
        d.annotations.append({k, v});
    }
    for (const auto &ref : at(meta, {"ownerReferences"}))
        d.owners.append({str(at(ref, {"apiVersion"})), str(at(ref, {"kind"})), str(at(ref, {"name"})), str(at(ref, {"uid"})),
                         at(ref, {"controller"}).is_boolean() && ref["controller"].get<bool>()});
    for (const auto &c : at(o, {"status", "conditions"}))
        d.conditions.append({str(at(c, {"type"})), str(at(c, {"status"})), str(at(c, {"reason"})), str(at(c, {"message"})),
                             str(at(c, {"lastTransitionTime"}))});

    const Json &spec = at(o, {"spec"});
    const Json &st = at(o, {"status"});
    if (d.kind == QLatin1String("Pod")) {
        d.facts.append({QStringLiteral("Phase"), str(at(st, {"phase"}))});
        d.facts.append({QStringLiteral("Node"), str(at(spec, {"nodeName"}))});
        d.facts.append({QStringLiteral("Pod IP"), str(at(st, {"podIP"}))});
        if (at(st, {"qosClass"}).is_string())
            d.facts.append({QStringLiteral("QoS class"), str(at(st, {"qosClass"}))});
        for (const auto &c : at(st, {"containerStatuses"})) {
            QString state;
            const Json &s = at(c, {"state"});
            if (s.contains("running")) state = QStringLiteral("running");
            else if (s.contains("waiting")) state = QStringLiteral("waiting: ") + str(at(s, {"waiting", "reason"}));
            else if (s.contains("terminated")) state = QStringLiteral("terminated: ") + str(at(s, {"terminated", "reason"}));
            d.facts.append({QStringLiteral("Container %1").arg(str(at(c, {"name"}))),
                            QStringLiteral("%1 · %2 · %3 · %4 restarts")
                                .arg(str(at(c, {"image"})), state,
                                     at(c, {"ready"}).is_boolean() && c["ready"].get<bool>() ? QStringLiteral("ready") : QStringLiteral("not ready"))
                                .arg(num(at(c, {"restartCount"})))});
        }
        if (at(st, {"containerStatuses"}).is_null())
            d.facts.append({QStringLiteral("Images"), images(spec)});
    } else if (d.kind == QLatin1String("Deployment") || d.kind == QLatin1String("ReplicaSet") || d.kind == QLatin1String("StatefulSet") ||
               d.kind == QLatin1String("DaemonSet")) {
        workloadFacts(o, d, d.kind);
    } else if (d.kind == QLatin1String("Service")) {
        d.facts.append({QStringLiteral("Type"), at(spec, {"type"}).is_string() ? str(spec["type"]) : QStringLiteral("ClusterIP")});
        d.facts.append({QStringLiteral("Cluster IP"), str(at(spec, {"clusterIP"}))});
        d.facts.append({QStringLiteral("Ports"), ports(at(spec, {"ports"}))});
        d.podSelector = pairs(at(spec, {"selector"}));
    } else if (d.kind == QLatin1String("HorizontalPodAutoscaler")) {
        d.facts.append({QStringLiteral("Scales"), str(at(spec, {"scaleTargetRef", "kind"})) + QLatin1Char('/') + str(at(spec, {"scaleTargetRef", "name"}))});
        d.facts.append({QStringLiteral("Replicas"), QStringLiteral("min %1 · max %2 · current %3 · desired %4")
                                                        .arg(spec.contains("minReplicas") ? num(spec["minReplicas"]) : 1)
                                                        .arg(num(at(spec, {"maxReplicas"})))
                                                        .arg(num(at(st, {"currentReplicas"})))
                                                        .arg(num(at(st, {"desiredReplicas"})))});
        for (const auto &m : at(spec, {"metrics"})) {
            if (str(at(m, {"type"})) != QLatin1String("Resource"))
                continue;
            const QString res = str(at(m, {"resource", "name"}));
            QString current = QStringLiteral("<unknown>");
            for (const auto &cm : at(st, {"currentMetrics"}))
                if (str(at(cm, {"resource", "name"})) == res && at(cm, {"resource", "current", "averageUtilization"}).is_number())
                    current = QString::number(num(cm["resource"]["current"]["averageUtilization"])) + QLatin1Char('%');
            d.facts.append({QStringLiteral("Target %1").arg(res),
                            QStringLiteral("%1 now, target %2%").arg(current).arg(num(at(m, {"resource", "target", "averageUtilization"})))});
        }
    } else if (d.kind == QLatin1String("Node")) {
        d.facts.append({QStringLiteral("Kubelet"), str(at(st, {"nodeInfo", "kubeletVersion"}))});
        d.facts.append({QStringLiteral("Capacity"), QStringLiteral("cpu %1 · memory %2 · pods %3")
                                                        .arg(str(at(st, {"capacity", "cpu"})), str(at(st, {"capacity", "memory"})), str(at(st, {"capacity", "pods"})))});
    } else if (d.kind == QLatin1String("ConfigMap") || d.kind == QLatin1String("Secret")) {
        if (d.kind == QLatin1String("Secret"))
            d.facts.append({QStringLiteral("Type"), str(at(o, {"type"}))});
        QStringList keys;
        for (const char *field : {"data", "stringData", "binaryData"})
            for (const auto &[k, v] : at(o, {field}).items())
                keys << QString::fromStdString(k);
        d.facts.append({QStringLiteral("Keys"), keys.isEmpty() ? QStringLiteral("none") : keys.join(QStringLiteral(", "))});
    } else if (d.kind == QLatin1String("Job")) {
        d.facts.append({QStringLiteral("Completions"), QStringLiteral("%1 succeeded of %2 · %3 active · %4 failed")
                                                           .arg(num(at(st, {"succeeded"})))
                                                           .arg(spec.contains("completions") ? num(spec["completions"]) : 1)
                                                           .arg(num(at(st, {"active"})))
                                                           .arg(num(at(st, {"failed"})))});
        d.podSelector = pairs(at(spec, {"selector", "matchLabels"}));
    }
    return d;
}

ResourceRef resourceForKind(const QString &apiVersion, const QString &kind)
{
    const QString group = apiVersion.contains(QLatin1Char('/')) ? apiVersion.section(QLatin1Char('/'), 0, 0) : QString();
    const QString version = apiVersion.section(QLatin1Char('/'), -1);
    struct Known { const char *group; const char *kind; const char *plural; bool namespaced; };
    static const Known known[] = {
        {"", "Pod", "pods", true}, {"", "Service", "services", true}, {"", "ConfigMap", "configmaps", true}, {"", "Secret", "secrets", true},
        {"", "Node", "nodes", false}, {"", "Namespace", "namespaces", false}, {"", "Event", "events", true},
        {"apps", "Deployment", "deployments", true}, {"apps", "ReplicaSet", "replicasets", true}, {"apps", "StatefulSet", "statefulsets", true},
        {"apps", "DaemonSet", "daemonsets", true}, {"batch", "Job", "jobs", true}, {"batch", "CronJob", "cronjobs", true},
        {"autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true}, {"networking.k8s.io", "Ingress", "ingresses", true},
        {"argoproj.io", "Rollout", "rollouts", true}, {"argoproj.io", "AnalysisRun", "analysisruns", true},
    };
    for (const Known &k : known)
        if (group == QLatin1String(k.group) && kind == QLatin1String(k.kind))
            return {group, version, QString::fromLatin1(k.plural), kind, k.namespaced};
    return {group, version, QString(), kind, true};
}

QString selectorString(const QList<QPair<QString, QString>> &labels)
{
    QStringList parts;
    for (const auto &[k, v] : labels)
        parts << k + QLatin1Char('=') + v;
    return parts.join(QLatin1Char(','));
}

}  // namespace pilothouse::backends::workloads
