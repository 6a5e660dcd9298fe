// Parsing Argo CD REST answers into values; every failure says which field was wrong.
#include "argocd/argocdinfo.h"
#include "core/errors.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

#include <algorithm>
#include <functional>

namespace pilothouse::backends::argocd {

namespace {

QDateTime timeOf(const QJsonValue &v)
{
    if (!v.isString())
        return {};
    QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(v.toString(), Qt::ISODate);
    return t.isValid() ? t.toUTC() : QDateTime();
}

// Go's encoding/json writes int64 as a number, proto3 JSON as a string; accept both.
bool int64Of(const QJsonValue &v, qint64 *out)
{
    if (v.isDouble()) {
        *out = static_cast<qint64>(v.toDouble());
        return true;
    }
    if (v.isString()) {
        bool ok = false;
        *out = v.toString().toLongLong(&ok);
        return ok;
    }
    return false;
}

// An optional object field: absent is fine, present with another type is malformed.
bool objectField(const QJsonObject &o, const char *key, QJsonObject *out, QString *error, const QString &where)
{
    QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull()) {
        *out = {};
        return true;
    }
    if (!v.isObject()) {
        *error = QStringLiteral("%1.%2 is not an object").arg(where, QLatin1String(key));
        return false;
    }
    *out = v.toObject();
    return true;
}

bool arrayField(const QJsonObject &o, const char *key, QJsonArray *out, QString *error, const QString &where)
{
    QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull()) {
        *out = {};
        return true;
    }
    if (!v.isArray()) {
        *error = QStringLiteral("%1.%2 is not a list").arg(where, QLatin1String(key));
        return false;
    }
    *out = v.toArray();
    return true;
}

QString initiatedByOf(const QJsonObject &o)
{
    if (o.value(QLatin1String("automated")).toBool())
        return QStringLiteral("automated");
    return o.value(QLatin1String("username")).toString();
}

QStringList stringsOf(const QJsonArray &a)
{
    QStringList out;
    for (const QJsonValue &v : a)
        if (v.isString())
            out << v.toString();
    return out;
}

Result<QJsonDocument> document(const QByteArray &json, const QString &what)
{
    QJsonParseError pe;
    QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError)
        return Result<QJsonDocument>::failure(
            malformedError(QStringLiteral("%1 is not valid JSON (%2 at offset %3)").arg(what, pe.errorString()).arg(pe.offset)));
    if (!doc.isObject())
        return Result<QJsonDocument>::failure(malformedError(QStringLiteral("%1 is not a JSON object").arg(what)));
    return doc;
}

}  // namespace

QString ApplicationInfo::currentRevision() const
{
    if (!history.isEmpty())
        return history.last().revision;
    return syncRevision;
}

const HistoryEntry *ApplicationInfo::historyEntry(qint64 id) const
{
    for (const HistoryEntry &h : history)
        if (h.id == id)
            return &h;
    return nullptr;
}

Result<ApplicationInfo> applicationFromJson(const QJsonObject &o)
{
    auto fail = [](const QString &why) { return Result<ApplicationInfo>::failure(malformedError(QStringLiteral("application JSON: ") + why)); };
    QString err;
    QJsonObject metadata, spec, status;
    if (!objectField(o, "metadata", &metadata, &err, QStringLiteral("the application")) || !objectField(o, "spec", &spec, &err, QStringLiteral("the application"))
        || !objectField(o, "status", &status, &err, QStringLiteral("the application")))
        return fail(err);
    ApplicationInfo a;
    a.name = metadata.value(QLatin1String("name")).toString();
    if (a.name.isEmpty())
        return fail(QStringLiteral("metadata.name is missing"));
    a.ns = metadata.value(QLatin1String("namespace")).toString();
    a.resourceVersion = metadata.value(QLatin1String("resourceVersion")).toString();
    a.project = spec.value(QLatin1String("project")).toString();

    QJsonObject source, destination, syncPolicy;
    if (!objectField(spec, "source", &source, &err, QStringLiteral("spec")) || !objectField(spec, "destination", &destination, &err, QStringLiteral("spec"))
        || !objectField(spec, "syncPolicy", &syncPolicy, &err, QStringLiteral("spec")))
        return fail(err);
    a.repoUrl = source.value(QLatin1String("repoURL")).toString();
    a.path = source.value(QLatin1String("path")).toString();
    a.targetRevision = source.value(QLatin1String("targetRevision")).toString();
    a.destServer = destination.value(QLatin1String("server")).toString();
    if (a.destServer.isEmpty())
        a.destServer = destination.value(QLatin1String("name")).toString();
    a.destNamespace = destination.value(QLatin1String("namespace")).toString();
    QJsonValue automated = syncPolicy.value(QLatin1String("automated"));
    // Argo CD 2.x: automated present means on; 3.x adds "enabled", which may say false.
    a.automated = automated.isObject() && automated.toObject().value(QLatin1String("enabled")).toBool(true);
    a.autoPrune = a.automated && automated.toObject().value(QLatin1String("prune")).toBool();
    a.selfHeal = a.automated && automated.toObject().value(QLatin1String("selfHeal")).toBool();

    QJsonObject sync, health, opState, summary;
    if (!objectField(status, "sync", &sync, &err, QStringLiteral("status")) || !objectField(status, "health", &health, &err, QStringLiteral("status"))
        || !objectField(status, "operationState", &opState, &err, QStringLiteral("status"))
        || !objectField(status, "summary", &summary, &err, QStringLiteral("status")))
        return fail(err);
    a.syncStatus = sync.value(QLatin1String("status")).toString();
    a.syncRevision = sync.value(QLatin1String("revision")).toString();
    a.health = health.value(QLatin1String("status")).toString();
    a.healthMessage = health.value(QLatin1String("message")).toString();
    a.reconciledAt = timeOf(status.value(QLatin1String("reconciledAt")));
    QJsonArray images;
    if (!arrayField(summary, "images", &images, &err, QStringLiteral("status.summary")))
        return fail(err);
    a.images = stringsOf(images);

    if (!opState.isEmpty()) {
        OperationState &op = a.operation;
        op.phase = opState.value(QLatin1String("phase")).toString();
        op.message = opState.value(QLatin1String("message")).toString();
        op.startedAt = timeOf(opState.value(QLatin1String("startedAt")));
        op.finishedAt = timeOf(opState.value(QLatin1String("finishedAt")));
        QJsonObject operation = opState.value(QLatin1String("operation")).toObject();
        QJsonObject opSync = operation.value(QLatin1String("sync")).toObject();
        op.revision = opSync.value(QLatin1String("revision")).toString();
        op.dryRun = opSync.value(QLatin1String("dryRun")).toBool();
        op.prune = opSync.value(QLatin1String("prune")).toBool();
        op.initiatedBy = initiatedByOf(operation.value(QLatin1String("initiatedBy")).toObject());
        if (op.revision.isEmpty())
            op.revision = opState.value(QLatin1String("syncResult")).toObject().value(QLatin1String("revision")).toString();
    }
    a.operationRequested = o.value(QLatin1String("operation")).isObject();

    QJsonArray history;
    if (!arrayField(status, "history", &history, &err, QStringLiteral("status")))
        return fail(err);
    for (int i = 0; i < history.size(); ++i) {
        if (!history.at(i).isObject())
            return fail(QStringLiteral("status.history[%1] is not an object").arg(i));
        QJsonObject h = history.at(i).toObject();
        HistoryEntry e;
        if (!int64Of(h.value(QLatin1String("id")), &e.id)) {
            // Go omits a zero int64 with omitempty: the first entry may have no id at all.
            if (!h.value(QLatin1String("id")).isUndefined())
                return fail(QStringLiteral("status.history[%1].id is not a number").arg(i));
            e.id = 0;
        }
        e.revision = h.value(QLatin1String("revision")).toString();
        e.deployedAt = timeOf(h.value(QLatin1String("deployedAt")));
        e.deployStartedAt = timeOf(h.value(QLatin1String("deployStartedAt")));
        QJsonObject src = h.value(QLatin1String("source")).toObject();
        e.repoUrl = src.value(QLatin1String("repoURL")).toString();
        e.path = src.value(QLatin1String("path")).toString();
        e.targetRevision = src.value(QLatin1String("targetRevision")).toString();
        e.initiatedBy = initiatedByOf(h.value(QLatin1String("initiatedBy")).toObject());
        a.history << e;
    }

    QJsonArray conditions;
    if (!arrayField(status, "conditions", &conditions, &err, QStringLiteral("status")))
        return fail(err);
    for (const QJsonValue &c : conditions) {
        QJsonObject co = c.toObject();
        a.conditions << ApplicationCondition{co.value(QLatin1String("type")).toString(), co.value(QLatin1String("message")).toString()};
    }
    return a;
}

Result<ApplicationInfo> parseApplication(const QByteArray &json)
{
    Result<QJsonDocument> doc = document(json, QStringLiteral("the application"));
    if (!doc.ok())
        return Result<ApplicationInfo>::failure(doc.error());
    return applicationFromJson(doc.value().object());
}

Result<QList<ApplicationInfo>> parseApplicationList(const QByteArray &json)
{
    using R = Result<QList<ApplicationInfo>>;
    Result<QJsonDocument> doc = document(json, QStringLiteral("the application list"));
    if (!doc.ok())
        return R::failure(doc.error());
    QJsonValue items = doc.value().object().value(QLatin1String("items"));
    QList<ApplicationInfo> out;
    // An empty list comes back as "items": null from Go.
    if (items.isUndefined() || items.isNull())
        return out;
    if (!items.isArray())
        return R::failure(malformedError(QStringLiteral("the application list: items is not a list")));
    const QJsonArray arr = items.toArray();
    for (int i = 0; i < arr.size(); ++i) {
        Result<ApplicationInfo> a = applicationFromJson(arr.at(i).toObject());
        if (!a.ok()) {
            ApiError e = a.error();
            e.message = QStringLiteral("the application list, item %1: %2").arg(i).arg(e.message);
            return R::failure(e);
        }
        out << a.value();
    }
    return out;
}

Result<RevisionMetadata> parseRevisionMetadata(const QByteArray &json)
{
    Result<QJsonDocument> doc = document(json, QStringLiteral("the revision metadata"));
    if (!doc.ok())
        return Result<RevisionMetadata>::failure(doc.error());
    QJsonObject o = doc.value().object();
    RevisionMetadata m;
    m.author = o.value(QLatin1String("author")).toString();
    m.date = timeOf(o.value(QLatin1String("date")));
    m.message = o.value(QLatin1String("message")).toString();
    m.tags = stringsOf(o.value(QLatin1String("tags")).toArray());
    if (m.author.isEmpty() && m.message.isEmpty() && !m.date.isValid())
        return Result<RevisionMetadata>::failure(malformedError(QStringLiteral("the revision metadata has no author, date or message")));
    return m;
}

Result<ResourceTree> parseResourceTree(const QByteArray &json)
{
    using R = Result<ResourceTree>;
    Result<QJsonDocument> doc = document(json, QStringLiteral("the resource tree"));
    if (!doc.ok())
        return R::failure(doc.error());
    QJsonValue nodes = doc.value().object().value(QLatin1String("nodes"));
    ResourceTree tree;
    if (nodes.isUndefined() || nodes.isNull())
        return tree;
    if (!nodes.isArray())
        return R::failure(malformedError(QStringLiteral("the resource tree: nodes is not a list")));
    const QJsonArray arr = nodes.toArray();
    for (int i = 0; i < arr.size(); ++i) {
        QJsonObject n = arr.at(i).toObject();
        ResourceNode r;
        r.group = n.value(QLatin1String("group")).toString();
        r.version = n.value(QLatin1String("version")).toString();
        r.kind = n.value(QLatin1String("kind")).toString();
        r.ns = n.value(QLatin1String("namespace")).toString();
        r.name = n.value(QLatin1String("name")).toString();
        r.uid = n.value(QLatin1String("uid")).toString();
        if (r.kind.isEmpty() || r.name.isEmpty())
            return R::failure(malformedError(QStringLiteral("the resource tree: node %1 has no kind or name").arg(i)));
        QJsonObject health = n.value(QLatin1String("health")).toObject();
        r.health = health.value(QLatin1String("status")).toString();
        r.healthMessage = health.value(QLatin1String("message")).toString();
        r.images = stringsOf(n.value(QLatin1String("images")).toArray());
        for (const QJsonValue &p : n.value(QLatin1String("parentRefs")).toArray()) {
            QJsonObject po = p.toObject();
            r.parentRefs << ResourceRefInfo{po.value(QLatin1String("group")).toString(), po.value(QLatin1String("kind")).toString(),
                                            po.value(QLatin1String("namespace")).toString(), po.value(QLatin1String("name")).toString(),
                                            po.value(QLatin1String("uid")).toString()};
        }
        tree.nodes << r;
    }
    return tree;
}

QList<TreeRow> treeRows(const ApplicationInfo &app, const ResourceTree &tree)
{
    QList<TreeRow> rows;
    ResourceNode root;
    root.group = QStringLiteral("argoproj.io");
    root.kind = QStringLiteral("Application");
    root.ns = app.ns;
    root.name = app.name;
    root.health = app.health;
    root.healthMessage = app.healthMessage;
    rows << TreeRow{0, root};

    // A parent is known by uid when both sides have one, else by kind/namespace/name.
    auto isChildOf = [](const ResourceNode &child, const ResourceNode &parent) {
        for (const ResourceRefInfo &p : child.parentRefs) {
            if (!p.uid.isEmpty() && !parent.uid.isEmpty()) {
                if (p.uid == parent.uid)
                    return true;
            } else if (p.kind == parent.kind && p.name == parent.name && p.ns == parent.ns) {
                return true;
            }
        }
        return false;
    };
    auto byKindName = [](const ResourceNode *a, const ResourceNode *b) {
        return std::tie(a->kind, a->ns, a->name) < std::tie(b->kind, b->ns, b->name);
    };
    QList<const ResourceNode *> top;
    for (const ResourceNode &n : tree.nodes)
        if (n.parentRefs.isEmpty())
            top << &n;
    std::sort(top.begin(), top.end(), byKindName);
    QList<const ResourceNode *> placed;
    std::function<void(const ResourceNode *, int)> add = [&](const ResourceNode *n, int depth) {
        if (placed.contains(n) || depth > 16)
            return;  // a cycle in parentRefs must not loop forever
        placed << n;
        rows << TreeRow{depth, *n};
        QList<const ResourceNode *> children;
        for (const ResourceNode &c : tree.nodes)
            if (&c != n && isChildOf(c, *n))
                children << &c;
        std::sort(children.begin(), children.end(), byKindName);
        for (const ResourceNode *c : children)
            add(c, depth + 1);
    };
    for (const ResourceNode *n : top)
        add(n, 1);
    // Nodes whose parent is not in the tree still show, under the application.
    for (const ResourceNode &n : tree.nodes)
        if (!placed.contains(&n))
            add(&n, 1);
    return rows;
}

Result<WatchEvent> parseWatchLine(const QByteArray &rawLine)
{
    using R = Result<WatchEvent>;
    QByteArray line = rawLine.trimmed();
    if (line.isEmpty() || line.startsWith(':') || line.startsWith("event:") || line.startsWith("id:") || line.startsWith("retry:"))
        return WatchEvent{};
    if (line.startsWith("data:"))
        line = line.mid(5).trimmed();
    Result<QJsonDocument> doc = document(line, QStringLiteral("the application stream event"));
    if (!doc.ok())
        return R::failure(doc.error());
    QJsonObject o = doc.value().object();
    if (o.value(QLatin1String("error")).isObject()) {
        QJsonObject eo = o.value(QLatin1String("error")).toObject();
        QByteArray inner = QJsonDocument(eo).toJson(QJsonDocument::Compact);
        return R::failure(parseError(eo.value(QLatin1String("http_code")).toInt(), inner));
    }
    QJsonObject result = o.value(QLatin1String("result")).toObject();
    WatchEvent ev;
    ev.type = result.value(QLatin1String("type")).toString();
    if (ev.type.isEmpty())
        return R::failure(malformedError(QStringLiteral("the application stream event has no result.type")));
    Result<ApplicationInfo> app = applicationFromJson(result.value(QLatin1String("application")).toObject());
    if (!app.ok())
        return R::failure(app.error());
    ev.application = app.value();
    return ev;
}

ApiError parseError(int httpStatus, const QByteArray &body)
{
    ApiError e;
    e.httpStatus = httpStatus;
    QJsonParseError pe;
    QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    int grpcCode = -1;
    if (pe.error == QJsonParseError::NoError && doc.isObject()) {
        QJsonObject o = doc.object();
        e.message = o.value(QLatin1String("message")).toString();
        if (e.message.isEmpty())
            e.message = o.value(QLatin1String("error")).toString();
        if (o.value(QLatin1String("code")).isDouble())
            grpcCode = o.value(QLatin1String("code")).toInt();
        else if (o.value(QLatin1String("grpc_code")).isDouble())  // an error inside a stream
            grpcCode = o.value(QLatin1String("grpc_code")).toInt();
    }
    if (e.message.isEmpty()) {
        QString text = QString::fromUtf8(body).simplified();
        if (text.size() > 200)
            text = text.left(200) + QStringLiteral("…");
        e.message = text.isEmpty() ? QStringLiteral("HTTP %1 with an empty body").arg(httpStatus)
                                   : QStringLiteral("HTTP %1: %2").arg(httpStatus).arg(text);
    }
    switch (grpcCode) {
    case 3: case 9: case 11: e.kind = ErrorKind::Invalid; break;
    case 4: e.kind = ErrorKind::Timeout; break;
    case 5: e.kind = ErrorKind::NotFound; break;
    case 6: e.kind = ErrorKind::AlreadyExists; break;
    case 7: e.kind = ErrorKind::Forbidden; break;
    case 8: e.kind = ErrorKind::TooManyRequests; break;
    case 10: e.kind = ErrorKind::Conflict; break;
    case 16: e.kind = ErrorKind::Unauthorized; break;
    case 13: case 14: case 15: e.kind = ErrorKind::ServerError; break;
    default: break;
    }
    if (e.kind == ErrorKind::None) {
        if (httpStatus == 401) e.kind = ErrorKind::Unauthorized;
        else if (httpStatus == 403) e.kind = ErrorKind::Forbidden;
        else if (httpStatus == 404) e.kind = ErrorKind::NotFound;
        else if (httpStatus == 409) e.kind = ErrorKind::Conflict;
        else if (httpStatus == 429) e.kind = ErrorKind::TooManyRequests;
        else if (httpStatus == 504) e.kind = ErrorKind::Timeout;
        else if (httpStatus >= 500) e.kind = ErrorKind::ServerError;
        else if (httpStatus >= 400) e.kind = ErrorKind::Invalid;
        else e.kind = ErrorKind::Malformed;
    }
    return e;
}

QString rollbackRefusal(const ApplicationInfo &app)
{
    if (app.automated)
        return QStringLiteral("automated sync is enabled for %1: Argo CD refuses a rollback until it is turned off").arg(app.name);
    if (app.operationRunning())
        return QStringLiteral("an operation is running on %1; terminate it or wait").arg(app.name);
    if (app.history.size() < 2)
        return QStringLiteral("%1 has no earlier deployment to roll back to").arg(app.name);
    return {};
}

}  // namespace pilothouse::backends::argocd
