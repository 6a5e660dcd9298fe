// The informer's compact form of an API object: what the views need, plus (unless the informer
// keeps summaries only) the object's JSON without managedFields, LZ4-compressed, for menus and
// derivations. LZ4 rather than zlib: at 10,000 pods zlib level 1 took half of the sync time
// (bench/bench_informer, docs/benchmarks.md). Immutable once built; shared as a value snapshot
// between threads. Strings that repeat across objects (namespaces, node names, statuses,
// container names) are shared between them, not copied per object.
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QMetaType>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <variant>
#include <vector>

namespace pilothouse::backends::kube {

struct PodSummary {
    QString status;      // kubectl's STATUS column: phase, a container's waiting/terminated reason, Terminating
    int readyContainers = 0;
    int totalContainers = 0;
    int restarts = 0;
    QString node;
    QString podIp;
    QStringList containers;  // spec.containers[].name, in spec order (for logs without the JSON)
};

struct DeploymentSummary {
    int desired = 0;
    int ready = 0;
    int updated = 0;
    int available = 0;
};

// A row of the server's Table form (the columns `kubectl get` prints), for kinds without a
// typed summary, CRDs included.
struct TableSummary {
    QStringList cells;  // one per TableColumn, as the server printed them
};

struct TableColumn {
    QString name;
    QString type;       // "string", "integer", "date", ...
    int priority = 0;   // 0: shown by kubectl get; 1: only with -o wide
};

struct KubeObject {
    QString ns;
    QString name;
    QString uid;
    QString resourceVersion;   // opaque: compared for equality only
    qint64 createdAt = 0;      // seconds since the epoch (0: unknown)
    bool deleting = false;     // metadata.deletionTimestamp is set
    std::variant<std::monostate, PodSummary, DeploymentSummary, TableSummary> summary;
    QByteArray compressedJson; // LZ4 block of the JSON without metadata.managedFields
    int jsonSize = 0;          // uncompressed size, needed to decompress

    QString key() const { return ns.isEmpty() ? name : ns + QLatin1Char('/') + name; }
    // False for objects of a summary-only informer (WatchSpec::summaryOnly): read the object from
    // the server (KubeSession::fetchObject) when more than the summary is needed.
    bool hasJson() const { return jsonSize > 0; }
    QByteArray json() const;   // decompressed; empty without hasJson()
    // {"metadata": {name, namespace, uid, resourceVersion, deletionTimestamp when deleting}}: what
    // an object without its JSON can still say (action offers that only need its identity).
    QByteArray identityJson() const;
    const PodSummary *pod() const { return std::get_if<PodSummary>(&summary); }
    const DeploymentSummary *deployment() const { return std::get_if<DeploymentSummary>(&summary); }
    const TableSummary *tableRow() const { return std::get_if<TableSummary>(&summary); }
    size_t memoryFootprint() const;  // approximate bytes held, for the benchmark
};
using KubeObjectPtr = std::shared_ptr<const KubeObject>;

enum class SummaryKind { None, Pod, Deployment, Table };
SummaryKind summaryKindFor(const QString &kind);

// One page of a list answer.
struct ParsedList {
    QString resourceVersion;
    QString continueToken;
    std::vector<KubeObjectPtr> items;
    QList<TableColumn> columns;  // Table answers only
    qint64 remainingItemCount = -1;  // metadata.remainingItemCount of a paged list; -1 when not sent
};

// One line of a watch stream.
struct ParsedEvent {
    enum class Type { Added, Modified, Deleted, Bookmark, Error };
    Type type = Type::Added;
    KubeObjectPtr object;      // Added/Modified/Deleted
    QString resourceVersion;   // of the object, or of a bookmark
    ApiError error;            // Error: the Status it carried
};

// simdjson-based; chosen over nlohmann::json and QJsonDocument by bench/bench_informer
// (see docs/benchmarks.md). Malformed input gives ErrorKind::Malformed, never a crash.
class ObjectParser {
public:
    explicit ObjectParser(SummaryKind kind);
    ~ObjectParser();
    void setKind(SummaryKind kind);
    // False: objects keep their summary and identity only, not their JSON (less than a third of
    // the memory per pod; bench/bench_informer at 100,000 pods).
    void setKeepJson(bool keep);
    Result<ParsedList> parseList(const QByteArray &body);
    Result<ParsedEvent> parseEvent(const QByteArray &line);
    // Drops the parser's buffers (sized for the largest list page) once a list is done.
    void releaseMemory();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace pilothouse::backends::kube

Q_DECLARE_METATYPE(pilothouse::backends::kube::KubeObjectPtr)
