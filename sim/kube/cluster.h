// The API server's write path over the object store: defaulting, validation, status/spec
// separation, generations, preconditions, graceful and cascading deletion, and the event recorder.
#pragma once

#include "kube/objectstore.h"
#include "common/patch.h"

#include <deque>
#include <unordered_map>
#include <mutex>
#include <string>

namespace pilothouse::sim {

struct WriteOptions {
    std::string subresource;   // "" or "status"
    std::string fieldManager;  // who made the change, for managedFields
    bool dryRun = false;
    std::string operation = "Update";  // managedFields operation: "Update" or "Apply"
};

// Fills in a pod template's defaults as the API server does for a Deployment's or ReplicaSet's
// (a CRD's template, such as a Rollout's, is stored as sent).
void defaultPodTemplate(Json &podTemplate);

class Cluster {
public:
    explicit Cluster(size_t historyLimit = 20000);

    ObjectStore &store() { return m_store; }
    const ObjectStore &store() const { return m_store; }

    ObjPtr create(const ResourceType &t, const std::string &ns, Json obj, const WriteOptions &opts = {});
    // PUT: replaces the object; a resourceVersion in the body is a precondition.
    ObjPtr update(const ResourceType &t, const std::string &ns, const std::string &name, Json obj,
                  const WriteOptions &opts = {});
    ObjPtr patch(const ResourceType &t, const std::string &ns, const std::string &name, PatchType type,
                 const std::string &body, const WriteOptions &opts = {}, bool force = false);
    // Read-modify-write for controllers; fn returns false for "no change".
    ObjPtr mutate(const ResourceType &t, const std::string &ns, const std::string &name,
                  const std::function<bool(Json &)> &fn, const std::string &subresource = {});
    struct DeleteResult {
        ObjPtr object;
        bool gone = false;  // removed now (false: deletion pending on grace or finalizers)
    };
    DeleteResult remove(const ResourceType &t, const std::string &ns, const std::string &name,
                        const Json &deleteOptions = Json::object(), bool dryRun = false);
    // Completes a pending deletion once no finalizers remain.
    void finalizeIfReady(const ResourceType &t, const std::string &ns, const std::string &name);

    // Records (or aggregates into) a core/v1 Event about `involved`, as controllers do.
    void recordEvent(const Json &involved, const std::string &type, const std::string &reason,
                     const std::string &message, const std::string &component, const std::string &host = {});

    std::string allocateClusterIp();
    int allocateNodePort();

private:
    void applyDefaults(const ResourceType &t, Json &obj, const Json *old) const;
    void validate(const ResourceType &t, const Json &obj, const Json *old) const;
    void touchManagedFields(Json &obj, const std::string &manager, const std::string &operation, const std::string &apiVersion) const;
    ObjPtr writeUpdate(const ResourceType &t, const std::string &ns, const std::string &name,
                       const std::function<Json(const Json &current)> &produce, const WriteOptions &opts,
                       const std::string &operation);

    ObjectStore m_store;
    std::mutex m_allocMutex;
    unsigned m_nextClusterIp = 10;
    int m_nextNodePort = 30080;
    std::mutex m_eventMutex;
    struct RecordedEvent {
        std::string ns, name, key;  // key: what repeats aggregate on (see recordEvent)
    };
    std::deque<RecordedEvent> m_eventOrder;  // oldest first
    // Aggregation key -> the newest recorded Event with it: a repeat finds its Event without
    // scanning the namespace's Events (a scan per event made pod start-up O(events) each).
    std::unordered_map<std::string, std::string> m_eventByKey;
    size_t m_eventLimit = 4000;
};

}  // namespace pilothouse::sim
