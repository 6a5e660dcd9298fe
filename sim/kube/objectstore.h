// The simulator's etcd: objects per resource type, one resourceVersion counter, and a bounded
// event history that watches read from (older resourceVersions answer 410 Gone).
#pragma once

#include "common/apierror.h"
#include "common/simjson.h"
#include "kube/resourcetypes.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pilothouse::sim {

// The errors of the object store's kinds, as the API server words them.
ApiException notFoundError(const ResourceType &t, const std::string &name);
ApiException alreadyExistsError(const ResourceType &t, const std::string &name);
ApiException conflictError(const ResourceType &t, const std::string &name, const std::string &why);
ApiException invalidError(const ResourceType &t, const std::string &name, const Json &causes);

// Immutable once stored: readers share it without copying, lists are vectors of pointers.
struct StoredObject {
    Json obj;
    std::string json;  // compact serialized form, written once
    size_t metadataBegin = 0, metadataSize = 0;  // where the metadata object is in `json`
    std::string ns;
    std::string name;
    std::string uid;
    std::uint64_t rv = 0;
    int type = -1;

    // The serialized metadata, for PartialObjectMetadata and Table rows without re-encoding it.
    std::string_view metadataJson() const { return std::string_view(json).substr(metadataBegin, metadataSize); }
};
using ObjPtr = std::shared_ptr<const StoredObject>;

enum class EventKind { Added, Modified, Deleted };
const char *eventKindName(EventKind k);

struct WatchEvent {
    std::uint64_t rv;
    int type;
    EventKind kind;
    ObjPtr obj;
    ObjPtr prev;  // for MODIFIED: the object before, so selector transitions can be computed
};

class ObjectStore {
public:
    explicit ObjectStore(size_t historyLimit = 20000);

    ObjPtr get(const ResourceType &t, const std::string &ns, const std::string &name) const;
    struct Snapshot {
        std::vector<ObjPtr> items;  // sorted by namespace/name
        std::uint64_t rv = 0;
    };
    Snapshot list(const ResourceType &t, const std::string &ns = {}) const;
    std::vector<ObjPtr> dependentsOf(const std::string &ownerUid) const;

    // Stores a new object: sets uid, creationTimestamp and resourceVersion.
    ObjPtr insert(const ResourceType &t, Json obj);
    // Read-modify-write under the store lock. fn returns false to leave the object untouched.
    ObjPtr modify(const ResourceType &t, const std::string &ns, const std::string &name,
                  const std::function<bool(Json &)> &fn);
    // Removes the object for good (after finalizers and grace periods).
    ObjPtr erase(const ResourceType &t, const std::string &ns, const std::string &name);

    std::uint64_t currentRv() const;
    std::string currentRvString() const { return std::to_string(currentRv()); }

    // Watch support. Copies events with rv > since into out (at most max); returns false when
    // `since` is older than the retained history (the caller answers 410 Gone).
    bool eventsSince(std::uint64_t since, std::vector<WatchEvent> &out, size_t max) const;
    // Blocks until an event newer than `since` exists or the timeout passes.
    void waitForChange(std::uint64_t since, std::chrono::milliseconds timeout) const;
    void wakeAll() const { m_changed.notify_all(); }
    // Drops the whole history, as an etcd compaction would.
    void compact();
    std::uint64_t compactedRv() const;

private:
    static std::string keyOf(const std::string &ns, const std::string &name) { return ns.empty() ? name : ns + "/" + name; }
    ObjPtr freeze(const ResourceType &t, Json obj, std::uint64_t rv) const;
    void record(EventKind kind, const ResourceType &t, ObjPtr obj, ObjPtr prev);
    void indexOwners(const ObjPtr &obj, bool add);

    mutable std::mutex m_mutex;
    mutable std::condition_variable m_changed;
    std::uint64_t m_rv = 1;
    std::uint64_t m_compactedRv = 1;
    size_t m_historyLimit;
    std::vector<std::map<std::string, ObjPtr>> m_objects;  // per ResourceType::index
    std::deque<WatchEvent> m_history;
    std::unordered_map<std::string, std::set<std::pair<int, std::string>>> m_dependents;
};

}  // namespace pilothouse::sim
