// The simulator's object storage and event history.
#include "kube/objectstore.h"

#include <algorithm>
#include <string_view>
#include <tuple>

namespace pilothouse::sim {

ApiException notFoundError(const ResourceType &t, const std::string &name)
{
    return {404, "NotFound", t.qualifiedName() + " \"" + name + "\" not found",
            {{"name", name}, {"group", t.group}, {"kind", t.plural}}};
}

ApiException alreadyExistsError(const ResourceType &t, const std::string &name)
{
    return {409, "AlreadyExists", t.qualifiedName() + " \"" + name + "\" already exists",
            {{"name", name}, {"group", t.group}, {"kind", t.plural}}};
}

ApiException conflictError(const ResourceType &t, const std::string &name, const std::string &why)
{
    return {409, "Conflict", "Operation cannot be fulfilled on " + t.qualifiedName() + " \"" + name + "\": " + why,
            {{"name", name}, {"group", t.group}, {"kind", t.plural}}};
}

ApiException invalidError(const ResourceType &t, const std::string &name, const Json &causes)
{
    std::string msg = t.kind + "." + (t.group.empty() ? "" : t.group) + " \"" + name + "\" is invalid: ";
    if (t.group.empty())
        msg = t.kind + " \"" + name + "\" is invalid: ";
    bool first = true;
    for (const auto &c : causes) {
        if (!first)
            msg += ", ";
        first = false;
        msg += c.value("field", "") + ": " + c.value("message", "");
    }
    if (causes.size() > 1)
        msg = msg.substr(0, msg.find(": ") + 2) + "[" + msg.substr(msg.find(": ") + 2) + "]";
    return {422, "Invalid", msg, {{"name", name}, {"group", t.group}, {"kind", t.kind}, {"causes", causes}}};
}

const char *eventKindName(EventKind k)
{
    switch (k) {
    case EventKind::Added: return "ADDED";
    case EventKind::Modified: return "MODIFIED";
    case EventKind::Deleted: return "DELETED";
    }
    return "ERROR";
}

namespace {

// The end of the JSON value that starts at `pos` in compact JSON (as nlohmann writes it).
size_t skipValue(const std::string &j, size_t pos)
{
    if (pos >= j.size())
        return j.size();
    const char c = j[pos];
    if (c == '"') {
        for (size_t i = pos + 1; i < j.size(); ++i) {
            if (j[i] == '\\')
                ++i;
            else if (j[i] == '"')
                return i + 1;
        }
        return j.size();
    }
    if (c == '{' || c == '[') {
        int depth = 0;
        for (size_t i = pos; i < j.size(); ++i) {
            if (j[i] == '"') {
                i = skipValue(j, i) - 1;
            } else if (j[i] == '{' || j[i] == '[') {
                ++depth;
            } else if (j[i] == '}' || j[i] == ']') {
                if (--depth == 0)
                    return i + 1;
            }
        }
        return j.size();
    }
    size_t i = pos;
    while (i < j.size() && j[i] != ',' && j[i] != '}' && j[i] != ']')
        ++i;
    return i;
}

// Offset and length of a top-level member's value in a compact JSON object; (0, 0) when absent.
std::pair<size_t, size_t> topLevelMember(const std::string &j, std::string_view key)
{
    size_t i = 1;  // after '{'
    while (i < j.size() && j[i] == '"') {
        const size_t keyEnd = skipValue(j, i);
        const std::string_view k(j.data() + i + 1, keyEnd - i - 2);
        const size_t valueBegin = keyEnd + 1;  // after ':'
        const size_t valueEnd = skipValue(j, valueBegin);
        if (k == key)
            return {valueBegin, valueEnd - valueBegin};
        i = valueEnd + 1;  // after ','
    }
    return {0, 0};
}

}  // namespace

ObjectStore::ObjectStore(size_t historyLimit)
    : m_historyLimit(historyLimit), m_objects(ResourceRegistry::instance().all().size())
{
}

ObjPtr ObjectStore::freeze(const ResourceType &t, Json obj, std::uint64_t rv) const
{
    auto s = std::make_shared<StoredObject>();
    obj["metadata"]["resourceVersion"] = std::to_string(rv);
    s->ns = stringAt(obj, "metadata.namespace");
    s->name = stringAt(obj, "metadata.name");
    s->uid = stringAt(obj, "metadata.uid");
    s->rv = rv;
    s->type = t.index;
    s->json = obj.dump();
    std::tie(s->metadataBegin, s->metadataSize) = topLevelMember(s->json, "metadata");
    s->obj = std::move(obj);
    return s;
}

void ObjectStore::record(EventKind kind, const ResourceType &t, ObjPtr obj, ObjPtr prev)
{
    m_history.push_back({obj->rv, t.index, kind, std::move(obj), std::move(prev)});
    while (m_history.size() > m_historyLimit) {
        m_compactedRv = m_history.front().rv;
        m_history.pop_front();
    }
    m_changed.notify_all();
}

void ObjectStore::indexOwners(const ObjPtr &obj, bool add)
{
    const Json *refs = findPath(obj->obj, "metadata.ownerReferences");
    if (!refs || !refs->is_array())
        return;
    for (const auto &ref : *refs) {
        std::string uid = ref.value("uid", "");
        if (uid.empty())
            continue;
        auto entry = std::make_pair(obj->type, keyOf(obj->ns, obj->name));
        if (add) {
            m_dependents[uid].insert(entry);
        } else if (auto it = m_dependents.find(uid); it != m_dependents.end()) {
            it->second.erase(entry);
            if (it->second.empty())
                m_dependents.erase(it);
        }
    }
}

ObjPtr ObjectStore::get(const ResourceType &t, const std::string &ns, const std::string &name) const
{
    std::lock_guard lock(m_mutex);
    const auto &m = m_objects[t.index];
    auto it = m.find(keyOf(t.namespaced ? ns : std::string(), name));
    return it == m.end() ? nullptr : it->second;
}

ObjectStore::Snapshot ObjectStore::list(const ResourceType &t, const std::string &ns) const
{
    Snapshot snap;
    std::lock_guard lock(m_mutex);
    const auto &m = m_objects[t.index];
    snap.rv = m_rv;
    if (ns.empty() || !t.namespaced) {
        snap.items.reserve(m.size());
        for (const auto &[k, v] : m)
            snap.items.push_back(v);
    } else {
        std::string prefix = ns + "/";
        for (auto it = m.lower_bound(prefix); it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
            snap.items.push_back(it->second);
    }
    return snap;
}

std::vector<ObjPtr> ObjectStore::dependentsOf(const std::string &ownerUid) const
{
    std::vector<ObjPtr> out;
    std::lock_guard lock(m_mutex);
    auto it = m_dependents.find(ownerUid);
    if (it == m_dependents.end())
        return out;
    for (const auto &[type, key] : it->second) {
        auto o = m_objects[type].find(key);
        if (o != m_objects[type].end())
            out.push_back(o->second);
    }
    return out;
}

ObjPtr ObjectStore::insert(const ResourceType &t, Json obj)
{
    std::lock_guard lock(m_mutex);
    auto &meta = obj["metadata"];
    std::string ns = t.namespaced ? meta.value("namespace", "") : std::string();
    std::string name = meta.value("name", "");
    if (!t.namespaced)
        meta.erase("namespace");
    std::string key = keyOf(ns, name);
    auto &m = m_objects[t.index];
    if (m.count(key))
        throw alreadyExistsError(t, name);
    // A uid given by the write path (a Job's selector is made from it) is kept.
    if (!meta.contains("uid") || !meta["uid"].is_string() || meta["uid"].get<std::string>().empty())
        meta["uid"] = newUid();
    if (!meta.contains("creationTimestamp") || meta["creationTimestamp"].is_null())
        meta["creationTimestamp"] = rfc3339Now();
    if (t.hasSpecGeneration)
        meta["generation"] = 1;
    obj["apiVersion"] = t.groupVersion();
    obj["kind"] = t.kind;
    ObjPtr stored = freeze(t, std::move(obj), ++m_rv);
    m[key] = stored;
    indexOwners(stored, true);
    record(EventKind::Added, t, stored, nullptr);
    return stored;
}

ObjPtr ObjectStore::modify(const ResourceType &t, const std::string &ns, const std::string &name,
                           const std::function<bool(Json &)> &fn)
{
    std::lock_guard lock(m_mutex);
    auto &m = m_objects[t.index];
    auto it = m.find(keyOf(t.namespaced ? ns : std::string(), name));
    if (it == m.end())
        throw notFoundError(t, name);
    ObjPtr prev = it->second;
    Json obj = prev->obj;
    if (!fn(obj))
        return prev;
    // Identity fields are the server's; a client may not change them.
    obj["metadata"]["uid"] = prev->uid;
    obj["metadata"]["name"] = prev->name;
    if (t.namespaced)
        obj["metadata"]["namespace"] = prev->ns;
    obj["metadata"]["creationTimestamp"] = prev->obj["metadata"]["creationTimestamp"];
    obj["apiVersion"] = t.groupVersion();
    obj["kind"] = t.kind;
    ObjPtr stored = freeze(t, std::move(obj), ++m_rv);
    indexOwners(prev, false);
    indexOwners(stored, true);
    it->second = stored;
    record(EventKind::Modified, t, stored, prev);
    return stored;
}

ObjPtr ObjectStore::erase(const ResourceType &t, const std::string &ns, const std::string &name)
{
    std::lock_guard lock(m_mutex);
    auto &m = m_objects[t.index];
    auto it = m.find(keyOf(t.namespaced ? ns : std::string(), name));
    if (it == m.end())
        throw notFoundError(t, name);
    ObjPtr prev = it->second;
    m.erase(it);
    indexOwners(prev, false);
    // The DELETED event carries the object as last seen, at the resourceVersion of the deletion.
    ObjPtr gone = freeze(t, prev->obj, ++m_rv);
    record(EventKind::Deleted, t, gone, prev);
    return gone;
}

std::uint64_t ObjectStore::currentRv() const
{
    std::lock_guard lock(m_mutex);
    return m_rv;
}

std::uint64_t ObjectStore::compactedRv() const
{
    std::lock_guard lock(m_mutex);
    return m_compactedRv;
}

bool ObjectStore::eventsSince(std::uint64_t since, std::vector<WatchEvent> &out, size_t max) const
{
    std::lock_guard lock(m_mutex);
    if (since < m_compactedRv)
        return false;
    auto it = std::upper_bound(m_history.begin(), m_history.end(), since,
                               [](std::uint64_t v, const WatchEvent &e) { return v < e.rv; });
    for (; it != m_history.end() && out.size() < max; ++it)
        out.push_back(*it);
    return true;
}

void ObjectStore::waitForChange(std::uint64_t since, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(m_mutex);
    m_changed.wait_for(lock, timeout, [&] { return m_rv > since; });
}

void ObjectStore::compact()
{
    std::lock_guard lock(m_mutex);
    m_history.clear();
    m_compactedRv = m_rv;
}

}  // namespace pilothouse::sim
