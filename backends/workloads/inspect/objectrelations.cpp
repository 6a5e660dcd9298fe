// Events, owned ReplicaSets and selected pods from list answers (QJsonDocument: small lists, on a worker).
#include "workloads/inspect/objectrelations.h"

#include "core/errors.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace pilothouse::backends::workloads {

namespace {

Result<QJsonArray> items(const QByteArray &json, const char *what)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return Result<QJsonArray>::failure(malformedError(
            QStringLiteral("%1 JSON: %2").arg(QLatin1String(what), error.error != QJsonParseError::NoError ? error.errorString() : QStringLiteral("not an object"))));
    return doc.object().value(QLatin1String("items")).toArray();
}

QDateTime timestamp(const QJsonValue &v)
{
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC() : QDateTime();
}

}  // namespace

Result<QList<ObjectEvent>> parseEventList(const QByteArray &json)
{
    const Result<QJsonArray> list = items(json, "event list");
    if (!list.ok())
        return Result<QList<ObjectEvent>>::failure(list.error());
    QList<ObjectEvent> out;
    out.reserve(list.value().size());
    for (const QJsonValue &v : list.value()) {
        const QJsonObject e = v.toObject();
        const QJsonObject meta = e.value(QLatin1String("metadata")).toObject();
        ObjectEvent ev;
        ev.key = meta.value(QLatin1String("uid")).toString();
        if (ev.key.isEmpty())
            ev.key = meta.value(QLatin1String("namespace")).toString() + QLatin1Char('/') + meta.value(QLatin1String("name")).toString();
        ev.type = e.value(QLatin1String("type")).toString();
        ev.reason = e.value(QLatin1String("reason")).toString();
        ev.message = e.value(QLatin1String("message")).toString();
        ev.source = e.value(QLatin1String("source")).toObject().value(QLatin1String("component")).toString();
        if (ev.source.isEmpty())
            ev.source = e.value(QLatin1String("reportingComponent")).toString();
        for (const QJsonValue &t : {e.value(QLatin1String("lastTimestamp")), e.value(QLatin1String("eventTime")), meta.value(QLatin1String("creationTimestamp"))}) {
            ev.lastSeen = timestamp(t);
            if (ev.lastSeen.isValid())
                break;
        }
        ev.count = std::max(1, e.value(QLatin1String("count")).toInt(1));
        out.append(ev);
    }
    std::stable_sort(out.begin(), out.end(), [](const ObjectEvent &a, const ObjectEvent &b) { return a.lastSeen > b.lastSeen; });
    return out;
}

Result<QList<RelatedObject>> parseOwnedReplicaSets(const QByteArray &json, const QString &ownerUid)
{
    const Result<QJsonArray> list = items(json, "ReplicaSet list");
    if (!list.ok())
        return Result<QList<RelatedObject>>::failure(list.error());
    struct Owned {
        RelatedObject object;
        qint64 revision = 0;
    };
    QList<Owned> owned;
    const kube::ResourceRef ref{QStringLiteral("apps"), QStringLiteral("v1"), QStringLiteral("replicasets"), QStringLiteral("ReplicaSet"), true};
    for (const QJsonValue &v : list.value()) {
        const QJsonObject rs = v.toObject();
        const QJsonObject meta = rs.value(QLatin1String("metadata")).toObject();
        bool mine = false;
        for (const QJsonValue &o : meta.value(QLatin1String("ownerReferences")).toArray())
            mine = mine || o.toObject().value(QLatin1String("uid")).toString() == ownerUid;
        if (!mine)
            continue;
        const QJsonObject annotations = meta.value(QLatin1String("annotations")).toObject();
        const QString revision = annotations.value(QLatin1String("deployment.kubernetes.io/revision"))
                                     .toString(annotations.value(QLatin1String("rollout.argoproj.io/revision")).toString());
        const int ready = rs.value(QLatin1String("status")).toObject().value(QLatin1String("readyReplicas")).toInt();
        const int desired = rs.value(QLatin1String("spec")).toObject().value(QLatin1String("replicas")).toInt();
        Owned o;
        o.object.ref = ref;
        o.object.ns = meta.value(QLatin1String("namespace")).toString();
        o.object.name = meta.value(QLatin1String("name")).toString();
        o.object.summary = QStringLiteral("revision %1 · %2/%3 ready").arg(revision).arg(ready).arg(desired);
        o.object.ready = ready >= desired;
        o.revision = revision.toLongLong();
        owned.append(o);
    }
    std::stable_sort(owned.begin(), owned.end(), [](const Owned &a, const Owned &b) { return a.revision > b.revision; });
    QList<RelatedObject> out;
    for (const Owned &o : owned)
        out.append(o.object);
    return out;
}

Result<QList<RelatedObject>> parsePodList(const QByteArray &json)
{
    const Result<QJsonArray> list = items(json, "pod list");
    if (!list.ok())
        return Result<QList<RelatedObject>>::failure(list.error());
    QList<RelatedObject> out;
    for (const QJsonValue &v : list.value()) {
        const QJsonObject pod = v.toObject();
        const QJsonObject meta = pod.value(QLatin1String("metadata")).toObject();
        const QJsonObject st = pod.value(QLatin1String("status")).toObject();
        const QJsonArray statuses = st.value(QLatin1String("containerStatuses")).toArray();
        int ready = 0;
        for (const QJsonValue &c : statuses)
            ready += c.toObject().value(QLatin1String("ready")).toBool() ? 1 : 0;
        RelatedObject o;
        o.ref = kube::ResourceRef::pods();
        o.ns = meta.value(QLatin1String("namespace")).toString();
        o.name = meta.value(QLatin1String("name")).toString();
        o.phase = st.value(QLatin1String("phase")).toString();
        o.summary = QStringLiteral("%1 · %2/%3 ready").arg(o.phase).arg(ready).arg(statuses.size());
        o.ready = !statuses.isEmpty() && ready == statuses.size();
        out.append(o);
    }
    return out;
}

}  // namespace pilothouse::backends::workloads
