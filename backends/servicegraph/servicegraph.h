// The service graph as a value: nodes and edges built from Istio telemetry, and the plain inputs
// (Prometheus vector samples, the cluster's workloads and services) it is built from.
#pragma once

#include <QHash>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <array>
#include <cmath>
#include <limits>

namespace pilothouse::backends::servicegraph {

// Kiali's graph types: what one node stands for.
enum class GraphType { Workload, App, VersionedApp, Service };

enum class NodeKind { Workload, App, VersionedApp, Service, Unknown };

enum class Protocol { Http, Grpc, Tcp };

// NoTraffic is grey, not healthy: an empty answer never reads as "fine".
enum class Health { NoTraffic, Healthy, Degraded, Failure };

enum class ResponseTimeStat { Avg = 0, P50 = 1, P95 = 2, P99 = 3 };
constexpr int ResponseTimeStatCount = 4;

QString graphTypeName(GraphType type);      // "workload", "app", "versionedApp", "service"
QString protocolName(Protocol protocol);    // "http", "grpc", "tcp"
QString healthName(Health health);
QString responseTimeStatName(ResponseTimeStat stat); // "avg", "0.5", "0.95", "0.99"

// One sample of an instant vector: its labels and its value (NaN and Inf kept as such).
struct Sample
{
    QHash<QString, QString> labels;
    double value = 0;
};
using Vector = QList<Sample>;

// A workload as the cluster lists it, for dead and idle nodes.
struct ClusterWorkload
{
    QString namespaceName;
    QString name;
    QString app;       // the app (or canonical service) label, may be empty
    QString version;   // the version (or canonical revision) label, may be empty
    int pods = 0;      // ready pods; 0 makes a node with traffic "dead"
};

struct ClusterService
{
    QString namespaceName;
    QString name;
};

struct ClusterInventory
{
    QList<ClusterWorkload> workloads;
    QList<ClusterService> services;
};

// Kiali's request health thresholds (config.go defaults), as % of requests.
// "Degraded above 0" means any error at all is degraded.
struct HealthThresholds
{
    double errorDegradedAbove = 0;      // 5xx, gRPC errors and failures without a code ("-" flags)
    double errorFailureAtLeast = 10;
    double clientErrorDegradedAtLeast = 10; // 4xx
    double clientErrorFailureAtLeast = 20;
};

struct GraphOptions
{
    GraphType type = GraphType::VersionedApp;
    QStringList namespaces;
    int durationSeconds = 60;
    ResponseTimeStat responseTime = ResponseTimeStat::P95;
    bool idleNodes = true;   // Kiali hides them by default; the console shows what is deployed
    // A service node between caller and workload (Kiali's UI default), in the workload, app and
    // versioned app graphs. Off here: the edge then reads caller -> callee directly.
    bool injectServiceNodes = false;
    HealthThresholds thresholds;
};

struct Node
{
    QString id;          // stable across refreshes: kind, namespace and what the kind is keyed by
    NodeKind kind = NodeKind::Workload;
    QString namespaceName;
    QString name;        // workload or service name; empty for app nodes
    QString app;
    QString version;
    bool isRoot = false;            // a traffic generator: no inbound traffic
    bool isOutsideMesh = false;     // "unknown" source: traffic from outside the mesh
    bool isIngressGateway = false;
    bool isDead = false;            // backing workload has no pods
    bool isIdle = false;            // in the cluster, no traffic in the window
    Health health = Health::NoTraffic;
    double inboundRps = 0;
    double outboundRps = 0;
    double inboundErrorPercent = 0;

    QString label() const;
};

struct Edge
{
    QString source;  // node ids
    QString target;
    Protocol protocol = Protocol::Http;
    // Filled by the traffic appender.
    double rps = 0;                 // requests/s (http, grpc); 0 for tcp
    double errorRps = 0;            // 5xx, gRPC status != 0, no code with failure flags
    double clientErrorRps = 0;      // 4xx
    double tcpBytesPerSecond = 0;   // tcp only
    // Filled by the error rate appender.
    double errorPercent = 0;
    double clientErrorPercent = 0;
    // Filled by the response time appender: only the selected statistic; NaN when unknown.
    std::array<double, ResponseTimeStatCount> responseTimeMs{
        std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN(),
        std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    Health health = Health::NoTraffic;

    QString key() const; // source>target|protocol
    bool hasTraffic() const { return rps > 0 || tcpBytesPerSecond > 0; }
    double responseTime(ResponseTimeStat stat) const { return responseTimeMs[int(stat)]; }
};

struct Graph
{
    GraphType type = GraphType::VersionedApp;
    QStringList namespaces;
    QMap<QString, Node> nodes;   // by id, ordered: every walk over the graph is deterministic
    QMap<QString, Edge> edges;   // by key
    QStringList appendersRun;    // in the order they ran, for tests and diagnostics

    Node *node(const QString &id);
    const Node *node(const QString &id) const;
    void removeNode(const QString &id); // and its edges
};

} // namespace pilothouse::backends::servicegraph

Q_DECLARE_METATYPE(pilothouse::backends::servicegraph::Graph)
