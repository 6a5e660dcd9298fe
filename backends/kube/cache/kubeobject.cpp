// Building compact KubeObjects from API JSON with simdjson's DOM parser.
#include "kube/cache/kubeobject.h"
#include "core/errors.h"

#include "http/httpengine.h"
#include "kube/api/status.h"

#include <lz4.h>
#include <simdjson.h>

#include <QJsonDocument>
#include <QJsonObject>

#include <string>
#include <unordered_map>

namespace pilothouse::backends::kube {

namespace dom = simdjson::dom;

static_assert(http::kBodyPadding >= static_cast<qsizetype>(simdjson::SIMDJSON_PADDING), "list pages are parsed in place");

namespace {

QString str(dom::element e)
{
    std::string_view v;
    return e.get_string().get(v) ? QString() : QString::fromUtf8(v.data(), static_cast<qsizetype>(v.size()));
}

QString field(dom::object o, const char *key)
{
    dom::element e;
    return o.at_key(key).get(e) ? QString() : str(e);
}

qint64 intField(dom::object o, const char *key, qint64 fallback = 0)
{
    int64_t v;
    return o.at_key(key).get_int64().get(v) ? fallback : v;
}

// One QString per distinct value of the fields that repeat across objects (namespaces, node names,
// statuses, container names): 100,000 pods in 50 namespaces hold 50 namespace strings, not
// 100,000. Used on the parser's thread only; the strings handed out are shared by reference count.
class StringPool {
public:
    QString get(std::string_view v)
    {
        if (v.empty())
            return {};
        if (auto it = m_strings.find(v); it != m_strings.end())
            return it->second;
        if (m_strings.size() >= kMaxEntries)
            m_strings.clear();  // an unusual spread of values: start again rather than grow
        QString s = QString::fromUtf8(v.data(), static_cast<qsizetype>(v.size()));
        m_strings.emplace(std::string(v), s);
        return s;
    }
    QString field(dom::object o, const char *key)
    {
        std::string_view v;
        return o.at_key(key).get_string().get(v) ? QString() : get(v);
    }
    void clear() { m_strings.clear(); }

private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
    };
    static constexpr size_t kMaxEntries = 20000;
    std::unordered_map<std::string, QString, Hash, std::equal_to<>> m_strings;
};

// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
qint64 daysFromCivil(qint64 y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<qint64>(doe) - 719468;
}

qint64 parseTimestamp(std::string_view ts)
{
    // RFC 3339 as the API server writes it, read as UTC: 2024-05-01T12:00:00Z. By hand: QDateTime
    // went through mktime, which stats /etc/localtime on every call (a tenth of a list's parse).
    if (ts.size() < 19 || ts[4] != '-' || ts[7] != '-' || (ts[10] != 'T' && ts[10] != 't' && ts[10] != ' ') || ts[13] != ':' || ts[16] != ':')
        return 0;
    auto number = [&](size_t at, size_t digits, int &out) {
        out = 0;
        for (size_t i = at; i < at + digits; ++i) {
            if (ts[i] < '0' || ts[i] > '9')
                return false;
            out = out * 10 + (ts[i] - '0');
        }
        return true;
    };
    int year, month, day, hour, minute, second;
    if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day) || !number(11, 2, hour) || !number(14, 2, minute) || !number(17, 2, second))
        return 0;
    static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] || (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 59)
        return 0;
    return daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600 + minute * 60 + second;
}

// The pod STATUS column, following kubectl's printPod.
PodSummary podSummary(dom::object pod, bool deleting, StringPool &pool)
{
    PodSummary s;
    dom::object spec, status;
    dom::array containers;
    if (!pod.at_key("spec").get_object().get(spec)) {
        if (!spec.at_key("containers").get_array().get(containers)) {
            s.totalContainers = static_cast<int>(containers.size());
            for (dom::element c : containers)
                if (dom::object co; !c.get_object().get(co))
                    s.containers << pool.field(co, "name");
        }
        s.node = pool.field(spec, "nodeName");
    }
    if (pod.at_key("status").get_object().get(status)) {
        s.status = QStringLiteral("Pending");
        return s;
    }
    s.status = pool.field(status, "phase");
    if (QString reason = pool.field(status, "reason"); !reason.isEmpty())
        s.status = reason;
    s.podIp = field(status, "podIP");
    bool initializing = false;
    dom::array inits;
    if (!status.at_key("initContainerStatuses").get_array().get(inits)) {
        int i = 0;
        for (dom::element c : inits) {
            dom::object co;
            if (c.get_object().get(co))
                continue;
            dom::object term, wait;
            if (!co.at_pointer("/state/terminated").get_object().get(term) && intField(term, "exitCode", -1) == 0) {
                ++i;
                continue;
            }
            if (!co.at_pointer("/state/waiting").get_object().get(wait) && !field(wait, "reason").isEmpty() &&
                field(wait, "reason") != QLatin1String("PodInitializing"))
                s.status = QStringLiteral("Init:") + field(wait, "reason");
            else
                s.status = QStringLiteral("Init:%1/%2").arg(i).arg(inits.size());
            initializing = true;
            break;
        }
    }
    dom::array statuses;
    if (!status.at_key("containerStatuses").get_array().get(statuses)) {
        bool hasRunning = false;
        std::vector<dom::object> list;
        for (dom::element c : statuses)
            if (dom::object co; !c.get_object().get(co))
                list.push_back(co);
        for (auto it = list.rbegin(); it != list.rend(); ++it) {
            dom::object co = *it;
            s.restarts += static_cast<int>(intField(co, "restartCount"));
            bool ready = false;
            if (co.at_key("ready").get_bool().get(ready))
                ready = false;
            dom::object st;
            bool running = !co.at_pointer("/state/running").get_object().get(st);
            if (ready && running)
                ++s.readyContainers;
            if (initializing)
                continue;
            dom::object wait, term;
            if (!co.at_pointer("/state/waiting").get_object().get(wait) && !field(wait, "reason").isEmpty())
                s.status = pool.field(wait, "reason");
            else if (!co.at_pointer("/state/terminated").get_object().get(term) && !field(term, "reason").isEmpty())
                s.status = pool.field(term, "reason");
            else if (running && ready)
                hasRunning = true;
        }
        if (s.status == QLatin1String("Completed") && hasRunning)
            s.status = QStringLiteral("Running");
    }
    if (deleting)
        s.status = QStringLiteral("Terminating");
    return s;
}

DeploymentSummary deploymentSummary(dom::object d)
{
    DeploymentSummary s;
    dom::object spec, status;
    if (!d.at_key("spec").get_object().get(spec))
        s.desired = static_cast<int>(intField(spec, "replicas", 1));
    if (!d.at_key("status").get_object().get(status)) {
        s.ready = static_cast<int>(intField(status, "readyReplicas"));
        s.updated = static_cast<int>(intField(status, "updatedReplicas"));
        s.available = static_cast<int>(intField(status, "availableReplicas"));
    }
    return s;
}

// Re-serializes the object without metadata.managedFields (often a third of a pod's bytes).
std::string compactJson(dom::object obj)
{
    std::string out;
    out.reserve(4096);
    out.push_back('{');
    bool first = true;
    for (dom::key_value_pair kv : obj) {
        if (!first)
            out.push_back(',');
        first = false;
        out.push_back('"');
        out.append(kv.key);
        out.append("\":");
        dom::object metaObj;
        if (kv.key == "metadata" && !kv.value.get_object().get(metaObj)) {
            out.push_back('{');
            bool firstMeta = true;
            for (dom::key_value_pair m : metaObj) {
                if (m.key == "managedFields")
                    continue;
                if (!firstMeta)
                    out.push_back(',');
                firstMeta = false;
                out.push_back('"');
                out.append(m.key);
                out.append("\":");
                out.append(simdjson::minify(m.value));
            }
            out.push_back('}');
        } else {
            out.append(simdjson::minify(kv.value));
        }
    }
    out.push_back('}');
    return out;
}

// Identity fields every object has; false when it has no name.
bool readIdentity(KubeObject &o, dom::object meta, StringPool &pool)
{
    o.ns = pool.field(meta, "namespace");
    o.name = field(meta, "name");
    o.uid = field(meta, "uid");
    o.resourceVersion = field(meta, "resourceVersion");
    std::string_view created;
    if (!meta.at_key("creationTimestamp").get_string().get(created))
        o.createdAt = parseTimestamp(created);
    dom::element del;
    o.deleting = !meta.at_key("deletionTimestamp").get(del) && !del.is_null();
    return !o.name.isEmpty();
}

// Keeps the object's JSON (without managedFields) LZ4-compressed, for YAML and object menus.
void keepJson(KubeObject &o, dom::object obj)
{
    std::string compact = compactJson(obj);
    const int bound = LZ4_compressBound(static_cast<int>(compact.size()));
    QByteArray buffer(bound, Qt::Uninitialized);
    const int written = LZ4_compress_default(compact.data(), buffer.data(), static_cast<int>(compact.size()), bound);
    // Exactly the compressed size: a worst-case buffer would hold three times the bytes.
    o.compressedJson = QByteArray(buffer.constData(), written > 0 ? written : 0);
    o.jsonSize = written > 0 ? static_cast<int>(compact.size()) : 0;
}

KubeObjectPtr buildObject(dom::object obj, SummaryKind kind, bool withJson, StringPool &pool)
{
    auto o = std::make_shared<KubeObject>();
    dom::object meta;
    if (obj.at_key("metadata").get_object().get(meta))
        return nullptr;
    if (!readIdentity(*o, meta, pool))
        return nullptr;
    switch (kind) {
    case SummaryKind::Pod: o->summary = podSummary(obj, o->deleting, pool); break;
    case SummaryKind::Deployment: o->summary = deploymentSummary(obj); break;
    case SummaryKind::None:
    case SummaryKind::Table: break;
    }
    if (withJson)
        keepJson(*o, obj);
    return o;
}

QString cellText(dom::element cell)
{
    std::string_view sv;
    if (!cell.get_string().get(sv))
        return QString::fromUtf8(sv.data(), static_cast<qsizetype>(sv.size()));
    if (cell.is_null())
        return QString();
    return QString::fromStdString(simdjson::minify(cell));
}

// One row of a Table: cells, identity, and the row's object (the informer asks for the whole
// object, so that menus can read what each kind's actions need without a request).
KubeObjectPtr buildTableRow(dom::object row, bool withJson, StringPool &pool)
{
    dom::object object, meta;
    if (row.at_key("object").get_object().get(object) || object.at_key("metadata").get_object().get(meta))
        return nullptr;
    auto o = std::make_shared<KubeObject>();
    if (!readIdentity(*o, meta, pool))
        return nullptr;
    TableSummary t;
    dom::array cells;
    if (!row.at_key("cells").get_array().get(cells))
        for (dom::element c : cells)
            t.cells << cellText(c);
    o->summary = std::move(t);
    // A server that sent only PartialObjectMetadata gives just that.
    if (withJson)
        keepJson(*o, object);
    return o;
}

}  // namespace

QByteArray KubeObject::json() const
{
    if (jsonSize <= 0)
        return {};
    QByteArray out(jsonSize, Qt::Uninitialized);
    const int n = LZ4_decompress_safe(compressedJson.constData(), out.data(), static_cast<int>(compressedJson.size()), jsonSize);
    return n == jsonSize ? out : QByteArray();
}

QByteArray KubeObject::identityJson() const
{
    QJsonObject meta{{QStringLiteral("name"), name}, {QStringLiteral("uid"), uid}, {QStringLiteral("resourceVersion"), resourceVersion}};
    if (!ns.isEmpty())
        meta.insert(QStringLiteral("namespace"), ns);
    if (deleting)
        meta.insert(QStringLiteral("deletionTimestamp"), QStringLiteral("(set)"));
    return QJsonDocument(QJsonObject{{QStringLiteral("metadata"), meta}}).toJson(QJsonDocument::Compact);
}

namespace {
// A string's own bytes, or nothing when it is shared with other objects (the parser's pool).
size_t ownBytes(const QString &s)
{
    return s.isDetached() && s.capacity() > 0 ? static_cast<size_t>(s.capacity()) * 2 + 32 : 0;
}
}  // namespace

size_t KubeObject::memoryFootprint() const
{
    size_t bytes = sizeof(KubeObject) + 64;  // control block and allocator overhead
    for (const QString *s : {&ns, &name, &uid, &resourceVersion})
        bytes += ownBytes(*s);
    if (compressedJson.capacity() > 0)
        bytes += static_cast<size_t>(compressedJson.capacity()) + 32;
    if (const PodSummary *p = pod()) {
        bytes += ownBytes(p->status) + ownBytes(p->node) + ownBytes(p->podIp);
        if (!p->containers.isEmpty())
            bytes += 32 + static_cast<size_t>(p->containers.capacity()) * sizeof(QString);
        for (const QString &c : p->containers)
            bytes += ownBytes(c);
    }
    return bytes;
}

SummaryKind summaryKindFor(const QString &kind)
{
    if (kind == QLatin1String("Pod"))
        return SummaryKind::Pod;
    if (kind == QLatin1String("Deployment"))
        return SummaryKind::Deployment;
    return SummaryKind::None;
}

struct ObjectParser::Private {
    SummaryKind kind;
    bool keepJson = true;
    dom::parser parser;
    dom::document listDoc;  // the tape and strings of list pages
    StringPool pool;
};

ObjectParser::ObjectParser(SummaryKind kind) : d(std::make_unique<Private>())
{
    d->kind = kind;
}

ObjectParser::~ObjectParser() = default;

void ObjectParser::setKind(SummaryKind kind) { d->kind = kind; }

void ObjectParser::setKeepJson(bool keep) { d->keepJson = keep; }

void ObjectParser::releaseMemory()
{
    d->parser = dom::parser();
    d->listDoc = dom::document();
}

Result<ParsedList> ObjectParser::parseList(const QByteArray &body)
{
    dom::element doc;
    // A body with simdjson's padding behind it (the HTTP engine reserves it when the server says
    // the length) is parsed where it is, instead of being copied into the parser's buffer first.
    const bool padded = body.capacity() - body.size() >= static_cast<qsizetype>(simdjson::SIMDJSON_PADDING);
    // Room for pages a quarter longer than this one, taken at the first page: simdjson would
    // otherwise reallocate its buffers (several times the page) at every page longer than all
    // before it, and each new set lands on top of the objects parsed so far, where the end of
    // the list frees it into the top of this thread's malloc arena, which stays resident.
    const auto length = static_cast<size_t>(body.size());
    if (d->parser.capacity() < length || d->listDoc.capacity() < length) {
        const size_t room = length + length / 4;
        // Should either fail, the parse below tries again with the length.
        if (d->parser.allocate(room) == simdjson::SUCCESS && d->listDoc.allocate(room) != simdjson::SUCCESS)
            d->listDoc = dom::document();
    }
    if (auto err = d->parser.parse_into_document(d->listDoc, body.constData(), length, !padded).get(doc))
        return Result<ParsedList>::failure(malformedError(QStringLiteral("the list answer is not valid JSON (%1)").arg(QString::fromUtf8(simdjson::error_message(err)))));
    dom::object root;
    if (doc.get_object().get(root))
        return Result<ParsedList>::failure(malformedError(QStringLiteral("the list answer is not a JSON object")));
    ParsedList out;
    dom::object meta;
    if (!root.at_key("metadata").get_object().get(meta)) {
        out.resourceVersion = field(meta, "resourceVersion");
        out.continueToken = field(meta, "continue");
        int64_t remaining;
        if (!meta.at_key("remainingItemCount").get_int64().get(remaining) && remaining >= 0)
            out.remainingItemCount = remaining;
    }
    if (d->kind == SummaryKind::Table) {
        dom::array cols, rows;
        if (root.at_key("columnDefinitions").get_array().get(cols) || root.at_key("rows").get_array().get(rows)) {
            dom::element rowsEl;
            if (!root.at_key("rows").get(rowsEl) && rowsEl.is_null())
                return out;
            return Result<ParsedList>::failure(malformedError(QStringLiteral("the answer is not a Table (the server may not support the Table form)")));
        }
        for (dom::element c : cols) {
            dom::object co;
            if (c.get_object().get(co))
                continue;
            out.columns.append({field(co, "name"), field(co, "type"), static_cast<int>(intField(co, "priority"))});
        }
        for (dom::element r : rows) {
            dom::object ro;
            if (!r.get_object().get(ro))
                if (KubeObjectPtr o = buildTableRow(ro, d->keepJson, d->pool))
                    out.items.push_back(std::move(o));
        }
        return out;
    }
    dom::array items;
    if (root.at_key("items").get_array().get(items)) {
        dom::element itemsEl;
        if (!root.at_key("items").get(itemsEl) && itemsEl.is_null())
            return out;  // "items": null is an empty list
        return Result<ParsedList>::failure(malformedError(QStringLiteral("the list answer has no items array")));
    }
    out.items.reserve(items.size());
    for (dom::element item : items) {
        dom::object obj;
        if (item.get_object().get(obj))
            continue;
        if (KubeObjectPtr o = buildObject(obj, d->kind, d->keepJson, d->pool))
            out.items.push_back(std::move(o));
    }
    return out;
}

Result<ParsedEvent> ObjectParser::parseEvent(const QByteArray &line)
{
    dom::element doc;
    if (d->parser.parse(line.constData(), static_cast<size_t>(line.size())).get(doc))
        return Result<ParsedEvent>::failure(malformedError(QStringLiteral("a watch event is not valid JSON")));
    dom::object root, obj;
    dom::element objEl;
    if (doc.get_object().get(root) || root.at_key("object").get(objEl) || objEl.get_object().get(obj))
        return Result<ParsedEvent>::failure(malformedError(QStringLiteral("a watch event has no object")));
    QString type = field(root, "type");
    ParsedEvent ev;
    if (type == QLatin1String("ERROR")) {
        ev.type = ParsedEvent::Type::Error;
        std::string raw = simdjson::minify(objEl);
        ev.error = parseStatus(0, QByteArray::fromStdString(raw));
        return ev;
    }
    if (type == QLatin1String("BOOKMARK")) {
        ev.type = ParsedEvent::Type::Bookmark;
        dom::object meta;
        if (!obj.at_key("metadata").get_object().get(meta))
            ev.resourceVersion = field(meta, "resourceVersion");
        return ev;
    }
    if (type == QLatin1String("ADDED"))
        ev.type = ParsedEvent::Type::Added;
    else if (type == QLatin1String("MODIFIED"))
        ev.type = ParsedEvent::Type::Modified;
    else if (type == QLatin1String("DELETED"))
        ev.type = ParsedEvent::Type::Deleted;
    else
        return Result<ParsedEvent>::failure(malformedError(QStringLiteral("unknown watch event type \"%1\"").arg(type)));
    if (d->kind == SummaryKind::Table) {
        // A Table watch event carries a Table with one row.
        dom::array rows;
        dom::object row;
        if (obj.at_key("rows").get_array().get(rows) || rows.size() == 0 || rows.at(0).get_object().get(row))
            return Result<ParsedEvent>::failure(malformedError(QStringLiteral("a Table watch event has no row")));
        ev.object = buildTableRow(row, d->keepJson, d->pool);
    } else {
        ev.object = buildObject(obj, d->kind, d->keepJson, d->pool);
    }
    if (!ev.object)
        return Result<ParsedEvent>::failure(malformedError(QStringLiteral("a watch event's object has no metadata.name")));
    ev.resourceVersion = ev.object->resourceVersion;
    return ev;
}

}  // namespace pilothouse::backends::kube
