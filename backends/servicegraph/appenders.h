// The ordered appenders that build a service graph from Istio telemetry (after Kiali's
// graph/telemetry/istio/appender): each says which PromQL queries it needs and, given their
// answers, adds to or changes the graph. The order is written once, in appenderPipeline().
#pragma once

#include "servicegraph/servicegraph.h"

#include <memory>
#include <vector>

namespace pilothouse::backends::servicegraph {

// A query an appender needs, to be sent as an instant query; `key` names its answer.
struct Query
{
    QString key;
    QString promql;
};

// The answers, by query key, and what the cluster lists. A missing key is "no answer":
// the appender leaves the graph as it is.
struct AppenderInputs
{
    QHash<QString, Vector> results;
    ClusterInventory inventory;

    const Vector *result(const QString &key) const;
};

class Appender
{
public:
    virtual ~Appender() = default;
    virtual QString name() const = 0;
    virtual QList<Query> queries(const GraphOptions &) const { return {}; }
    virtual void apply(Graph &graph, const GraphOptions &options, const AppenderInputs &inputs) const = 0;
};

// Edges and their nodes from istio_requests_total and istio_tcp_sent_bytes_total, both
// reporters. Per source/destination pair the source reporter's samples are used when there are
// any (they see failures that never reached the destination, as Kiali prefers); otherwise the
// destination reporter's (traffic from outside the mesh, or from a namespace not asked for).
// With GraphOptions::injectServiceNodes each call counts on caller -> service -> callee.
class TrafficAppender : public Appender
{
public:
    QString name() const override { return QStringLiteral("traffic"); }
    QList<Query> queries(const GraphOptions &options) const override;
    void apply(Graph &graph, const GraphOptions &options, const AppenderInputs &inputs) const override;
};

// Removes nodes without traffic whose workload (or service) the cluster no longer lists, and
// marks nodes whose workloads have no pods as dead.
class DeadNodeAppender : public Appender
{
public:
    QString name() const override { return QStringLiteral("deadNode"); }
    void apply(Graph &graph, const GraphOptions &options, const AppenderInputs &inputs) const override;
};

// The selected response time statistic per edge: histogram_quantile over
// istio_request_duration_milliseconds_bucket (p50/p95/p99), or _sum/_count for avg.
class ResponseTimeAppender : public Appender
{
public:
    QString name() const override { return QStringLiteral("responseTime"); }
    QList<Query> queries(const GraphOptions &options) const override;
    void apply(Graph &graph, const GraphOptions &options, const AppenderInputs &inputs) const override;
};

// Error percentages per edge and inbound/outbound totals per node, from the traffic's codes.
class ErrorRateAppender : public Appender
{
public:
    QString name() const override { return QStringLiteral("errorRate"); }
    void apply(Graph &graph, const GraphOptions &options, const AppenderInputs &inputs) const override;
};

// Workloads and services the cluster lists in the asked namespaces that had no traffic.
class IdleNodeAppender : public Appender
{
public:
    QString name() const override { return QStringLiteral("idleNode"); }
    void apply(Graph &graph, const GraphOptions &options, const AppenderInputs &inputs) const override;
};

// Edge and node health by the thresholds (Kiali's defaults).
class HealthAppender : public Appender
{
public:
    QString name() const override { return QStringLiteral("health"); }
    void apply(Graph &graph, const GraphOptions &options, const AppenderInputs &inputs) const override;
};

// Roots: nodes with outbound and no inbound traffic (unknown sources, ingress gateways, jobs).
class TrafficGeneratorAppender : public Appender
{
public:
    QString name() const override { return QStringLiteral("trafficGenerator"); }
    void apply(Graph &graph, const GraphOptions &options, const AppenderInputs &inputs) const override;
};

using AppenderList = std::vector<std::unique_ptr<Appender>>;

// THE order: traffic first (everything else reads edges), dead nodes before anything is
// measured on them, idle nodes after errors (they have none) and before health (they are
// "no traffic"), roots last because idle nodes are never roots.
AppenderList appenderPipeline();

// Every query of the pipeline, deduplicated by key, for one refresh.
QList<Query> graphQueries(const GraphOptions &options);

// Runs the pipeline over the answers.
Graph buildGraph(const GraphOptions &options, const AppenderInputs &inputs);

// PromQL building blocks, public for tests and for the page that sends them.
QString namespaceMatcher(const QString &label, const QStringList &namespaces);
QString rangeSelector(int durationSeconds); // "[60s]"

// The node a sample's source or destination stands for in a graph type (exposed for tests).
Node sourceNode(const Sample &sample, GraphType type);
Node destinationNode(const Sample &sample, GraphType type);
QString nodeId(NodeKind kind, const QString &ns, const QString &name, const QString &app,
               const QString &version);

} // namespace pilothouse::backends::servicegraph
