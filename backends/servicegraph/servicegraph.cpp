// Names and small helpers of the service graph value.
#include "servicegraph/servicegraph.h"

namespace pilothouse::backends::servicegraph {

QString graphTypeName(GraphType type)
{
    switch (type) {
    case GraphType::Workload: return QStringLiteral("workload");
    case GraphType::App: return QStringLiteral("app");
    case GraphType::VersionedApp: return QStringLiteral("versionedApp");
    case GraphType::Service: return QStringLiteral("service");
    }
    return {};
}

QString protocolName(Protocol protocol)
{
    switch (protocol) {
    case Protocol::Http: return QStringLiteral("http");
    case Protocol::Grpc: return QStringLiteral("grpc");
    case Protocol::Tcp: return QStringLiteral("tcp");
    }
    return {};
}

QString healthName(Health health)
{
    switch (health) {
    case Health::NoTraffic: return QStringLiteral("No traffic");
    case Health::Healthy: return QStringLiteral("Healthy");
    case Health::Degraded: return QStringLiteral("Degraded");
    case Health::Failure: return QStringLiteral("Failure");
    }
    return {};
}

QString responseTimeStatName(ResponseTimeStat stat)
{
    switch (stat) {
    case ResponseTimeStat::Avg: return QStringLiteral("avg");
    case ResponseTimeStat::P50: return QStringLiteral("0.5");
    case ResponseTimeStat::P95: return QStringLiteral("0.95");
    case ResponseTimeStat::P99: return QStringLiteral("0.99");
    }
    return {};
}

QString Node::label() const
{
    switch (kind) {
    case NodeKind::Workload: return name;
    case NodeKind::App: return app;
    case NodeKind::VersionedApp: return app + QLatin1Char(' ') + version;
    case NodeKind::Service: return name;
    case NodeKind::Unknown: return QStringLiteral("unknown");
    }
    return name;
}

QString Edge::key() const
{
    return source + QLatin1Char('>') + target + QLatin1Char('|') + protocolName(protocol);
}

Node *Graph::node(const QString &id)
{
    auto it = nodes.find(id);
    return it == nodes.end() ? nullptr : &it.value();
}

const Node *Graph::node(const QString &id) const
{
    auto it = nodes.constFind(id);
    return it == nodes.cend() ? nullptr : &it.value();
}

void Graph::removeNode(const QString &id)
{
    nodes.remove(id);
    for (auto it = edges.begin(); it != edges.end();) {
        if (it->source == id || it->target == id)
            it = edges.erase(it);
        else
            ++it;
    }
}

} // namespace pilothouse::backends::servicegraph
