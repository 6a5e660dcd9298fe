// The service graph appenders, their queries and the pipeline order.
#include "servicegraph/appenders.h"

#include <QSet>

#include <algorithm>
#include <numeric>

namespace pilothouse::backends::servicegraph {

namespace {

const QString kUnknown = QStringLiteral("unknown");

// Answer keys: metric family and reporter.
const QString kRequestsSource = QStringLiteral("traffic.requests.source");
const QString kRequestsDestination = QStringLiteral("traffic.requests.destination");
const QString kTcpSource = QStringLiteral("traffic.tcp.source");
const QString kTcpDestination = QStringLiteral("traffic.tcp.destination");
const QString kResponseTimeSource = QStringLiteral("responseTime.source");
const QString kResponseTimeDestination = QStringLiteral("responseTime.destination");

const char *const kEdgeLabels =
    "source_workload_namespace,source_workload,source_canonical_service,source_canonical_revision,"
    "destination_service_namespace,destination_service_name,destination_workload_namespace,"
    "destination_workload,destination_canonical_service,destination_canonical_revision,request_protocol";

QString label(const Sample &sample, const char *name)
{
    return sample.labels.value(QLatin1String(name));
}

bool known(const QString &value)
{
    return !value.isEmpty() && value != kUnknown;
}

// The label of the canonical name, falling back to the plain app/version labels.
QString sideLabel(const Sample &sample, const char *canonical, const char *plain)
{
    const QString value = label(sample, canonical);
    return known(value) ? value : label(sample, plain);
}

bool isIngressGatewayName(const QString &workload, const QString &app)
{
    return workload.startsWith(QLatin1String("istio-ingressgateway"))
           || app == QLatin1String("istio-ingressgateway");
}

Node makeNode(NodeKind kind, const QString &ns, const QString &name, const QString &app,
              const QString &version)
{
    Node n;
    n.kind = kind;
    n.namespaceName = ns;
    n.name = name;
    n.app = app;
    n.version = version;
    // A versioned app or app node stands for every workload of that app: the name is not
    // part of its identity (Kiali keeps it as metadata only).
    const bool byName = kind == NodeKind::Workload || kind == NodeKind::Service || kind == NodeKind::Unknown;
    n.id = nodeId(kind, ns, byName ? name : QString(), byName ? QString() : app,
                  kind == NodeKind::VersionedApp ? version : QString());
    return n;
}

Node unknownNode()
{
    Node n = makeNode(NodeKind::Unknown, QString(), kUnknown, QString(), QString());
    n.isOutsideMesh = true;
    return n;
}

Node workloadSideNode(GraphType type, const QString &ns, const QString &workload, const QString &app,
                      const QString &version)
{
    const QString a = known(app) ? app : QString();
    const QString v = known(version) ? version : QString();
    Node n;
    if (type == GraphType::VersionedApp && !a.isEmpty() && !v.isEmpty())
        n = makeNode(NodeKind::VersionedApp, ns, workload, a, v);
    else if ((type == GraphType::VersionedApp || type == GraphType::App) && !a.isEmpty())
        n = makeNode(NodeKind::App, ns, workload, a, v);
    else
        n = makeNode(NodeKind::Workload, ns, workload, a, v);
    if (type == GraphType::App)
        n.version.clear();
    n.isIngressGateway = isIngressGatewayName(workload, a);
    return n;
}

Node serviceNode(const Sample &sample)
{
    QString ns = label(sample, "destination_service_namespace");
    QString name = label(sample, "destination_service_name");
    if (!known(name)) {
        // destination_service is the FQDN: name.namespace.svc.cluster.local
        const QStringList parts = label(sample, "destination_service").split(QLatin1Char('.'));
        name = parts.value(0);
        if (!known(ns))
            ns = parts.value(1);
    }
    if (!known(name))
        return unknownNode();
    return makeNode(NodeKind::Service, ns, name, QString(), QString());
}

QString sourceWorkloadKey(const Sample &s)
{
    return label(s, "source_workload_namespace") + QLatin1Char('/') + label(s, "source_workload");
}

QString destinationWorkloadKey(const Sample &s)
{
    return label(s, "destination_workload_namespace") + QLatin1Char('/') + label(s, "destination_workload");
}

// One source/destination pair, whatever the codes: the unit on which reporters are chosen.
QString pairKey(const Sample &s)
{
    return sourceWorkloadKey(s) + QLatin1Char('>') + label(s, "destination_service_namespace")
           + QLatin1Char('/') + label(s, "destination_service_name") + QLatin1Char('>')
           + destinationWorkloadKey(s);
}

// The samples to count: all of the source reporter's, and the destination reporter's for
// pairs the source reporter did not see.
QList<const Sample *> preferSourceReporter(const Vector *source, const Vector *destination)
{
    QList<const Sample *> chosen;
    QSet<QString> seen;
    if (source) {
        for (const Sample &s : *source) {
            seen.insert(pairKey(s));
            chosen.append(&s);
        }
    }
    if (destination) {
        for (const Sample &s : *destination) {
            if (!seen.contains(pairKey(s)))
                chosen.append(&s);
        }
    }
    return chosen;
}

// In the service graph a caller is the service(s) in front of its workload, as seen in the
// answers; a workload no service fronts (a gateway, a job, "unknown") stays a workload node.
using WorkloadServices = QHash<QString, QList<Node>>;

WorkloadServices workloadServices(const AppenderInputs &inputs)
{
    WorkloadServices map;
    for (const QString &key : {kRequestsSource, kRequestsDestination, kTcpSource, kTcpDestination}) {
        const Vector *v = inputs.result(key);
        if (!v)
            continue;
        for (const Sample &s : *v) {
            if (!known(label(s, "destination_workload")))
                continue;
            const Node svc = serviceNode(s);
            if (svc.kind != NodeKind::Service)
                continue;
            QList<Node> &list = map[destinationWorkloadKey(s)];
            if (std::none_of(list.cbegin(), list.cend(), [&](const Node &n) { return n.id == svc.id; }))
                list.append(svc);
        }
    }
    for (QList<Node> &list : map)
        std::sort(list.begin(), list.end(), [](const Node &a, const Node &b) { return a.id < b.id; });
    return map;
}

QList<Node> sourceNodes(const Sample &s, GraphType type, const WorkloadServices &services)
{
    if (type == GraphType::Service) {
        const auto it = services.constFind(sourceWorkloadKey(s));
        if (it != services.cend())
            return *it;
    }
    return {sourceNode(s, type)};
}

// The edges one sample counts on: caller -> callee, or caller -> service -> callee when service
// nodes are injected (Kiali's default view), which shows a rollout's split behind its service.
QList<QPair<Node, Node>> hops(const Sample &s, const GraphOptions &o, const WorkloadServices &services)
{
    const Node target = destinationNode(s, o.type);
    const bool inject = o.injectServiceNodes && o.type != GraphType::Service && target.kind != NodeKind::Service
                        && target.kind != NodeKind::Unknown;
    const Node via = inject ? serviceNode(s) : Node();
    const bool viaService = inject && via.kind == NodeKind::Service;
    QList<QPair<Node, Node>> list;
    for (const Node &source : sourceNodes(s, o.type, services))
        list.append({source, viaService ? via : target});
    if (viaService)
        list.append({via, target});
    return list;
}

void mergeNode(Graph &graph, const Node &n)
{
    if (!graph.nodes.contains(n.id))
        graph.nodes.insert(n.id, n);
}

bool isError(const Sample &s, Protocol protocol)
{
    const QString code = label(s, "response_code");
    const QString flags = label(s, "response_flags");
    if (code.startsWith(QLatin1Char('5')))
        return true;
    if (protocol == Protocol::Grpc) {
        const QString status = label(s, "grpc_response_status");
        if (!status.isEmpty() && status != QLatin1String("0"))
            return true;
    }
    // No response at all (code 0) with a failure flag: reset, timeout, no healthy upstream.
    return (code.isEmpty() || code == QLatin1String("0")) && !flags.isEmpty() && flags != QLatin1String("-");
}

Health ratioHealth(double rps, double errorRps, double clientErrorRps, const HealthThresholds &t)
{
    if (rps <= 0)
        return Health::NoTraffic;
    const double errors = errorRps / rps * 100.0;
    const double clientErrors = clientErrorRps / rps * 100.0;
    if (errors >= t.errorFailureAtLeast || clientErrors >= t.clientErrorFailureAtLeast)
        return Health::Failure;
    if (errors > t.errorDegradedAbove || clientErrors >= t.clientErrorDegradedAtLeast)
        return Health::Degraded;
    return Health::Healthy;
}

QString requestSelector(const QString &metric, const QString &reporter, const GraphOptions &o)
{
    const QString nsLabel = reporter == QLatin1String("source") ? QStringLiteral("source_workload_namespace")
                                                                : QStringLiteral("destination_workload_namespace");
    return QStringLiteral("%1{reporter=\"%2\",%3}%4")
        .arg(metric, reporter, namespaceMatcher(nsLabel, o.namespaces), rangeSelector(o.durationSeconds));
}

bool nodeHasTraffic(const Graph &graph, const QString &id)
{
    for (const Edge &e : graph.edges) {
        if ((e.source == id || e.target == id) && e.hasTraffic())
            return true;
    }
    return false;
}

} // namespace

const Vector *AppenderInputs::result(const QString &key) const
{
    const auto it = results.constFind(key);
    return it == results.cend() ? nullptr : &it.value();
}

QString nodeId(NodeKind kind, const QString &ns, const QString &name, const QString &app, const QString &version)
{
    static const char *const kinds[] = {"workload", "app", "versionedApp", "service", "unknown"};
    return QLatin1String(kinds[int(kind)]) + QLatin1Char('|') + ns + QLatin1Char('|') + name + QLatin1Char('|')
           + app + QLatin1Char('|') + version;
}

QString namespaceMatcher(const QString &label, const QStringList &namespaces)
{
    // Inside a PromQL string a backslash is doubled; regex metacharacters (never in a DNS label,
    // but a namespace list may come from a user) are escaped for RE2.
    auto quoted = [](QString v) { return v.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('"'), QLatin1String("\\\"")); };
    if (namespaces.size() == 1)
        return QStringLiteral("%1=\"%2\"").arg(label, quoted(namespaces.first()));
    QStringList escaped;
    for (const QString &ns : namespaces) {
        QString e;
        for (QChar c : ns) {
            if (QStringLiteral(".+*?()|[]{}^$\\").contains(c))
                e += QLatin1Char('\\');
            e += c;
        }
        escaped << quoted(e);
    }
    return QStringLiteral("%1=~\"%2\"").arg(label, escaped.join(QLatin1Char('|')));
}

QString rangeSelector(int durationSeconds)
{
    return QStringLiteral("[%1s]").arg(qMax(1, durationSeconds));
}

Node sourceNode(const Sample &s, GraphType type)
{
    const QString workload = label(s, "source_workload");
    if (!known(workload))
        return unknownNode();
    return workloadSideNode(type == GraphType::Service ? GraphType::Workload : type,
                            label(s, "source_workload_namespace"), workload,
                            sideLabel(s, "source_canonical_service", "source_app"),
                            sideLabel(s, "source_canonical_revision", "source_version"));
}

Node destinationNode(const Sample &s, GraphType type)
{
    const QString workload = label(s, "destination_workload");
    // No workload behind it (egress, a service without pods answering): the service is the node.
    if (type == GraphType::Service || !known(workload))
        return serviceNode(s);
    return workloadSideNode(type, label(s, "destination_workload_namespace"), workload,
                            sideLabel(s, "destination_canonical_service", "destination_app"),
                            sideLabel(s, "destination_canonical_revision", "destination_version"));
}

// ---- traffic ---------------------------------------------------------------------------

QList<Query> TrafficAppender::queries(const GraphOptions &o) const
{
    const QString by = QLatin1String(kEdgeLabels)
                       + QLatin1String(",response_code,grpc_response_status,response_flags");
    const QString tcpBy = QLatin1String(kEdgeLabels);
    auto q = [&](const QString &metric, const QString &reporter, const QString &labels) {
        return QStringLiteral("sum(rate(%1)) by (%2) > 0").arg(requestSelector(metric, reporter, o), labels);
    };
    return {
        {kRequestsSource, q(QStringLiteral("istio_requests_total"), QStringLiteral("source"), by)},
        {kRequestsDestination, q(QStringLiteral("istio_requests_total"), QStringLiteral("destination"), by)},
        {kTcpSource, q(QStringLiteral("istio_tcp_sent_bytes_total"), QStringLiteral("source"), tcpBy)},
        {kTcpDestination, q(QStringLiteral("istio_tcp_sent_bytes_total"), QStringLiteral("destination"), tcpBy)},
    };
}

void TrafficAppender::apply(Graph &graph, const GraphOptions &o, const AppenderInputs &inputs) const
{
    const WorkloadServices services = workloadServices(inputs);
    auto add = [&](const Sample &s, bool tcp) {
        if (!std::isfinite(s.value))
            return;
        Protocol protocol = Protocol::Tcp;
        if (!tcp)
            protocol = label(s, "request_protocol") == QLatin1String("grpc") ? Protocol::Grpc : Protocol::Http;
        for (const auto &[source, target] : hops(s, o, services)) {
            mergeNode(graph, source);
            mergeNode(graph, target);
            Edge e;
            e.source = source.id;
            e.target = target.id;
            e.protocol = protocol;
            auto it = graph.edges.find(e.key());
            if (it == graph.edges.end())
                it = graph.edges.insert(e.key(), e);
            const double v = qMax(0.0, s.value);
            if (tcp) {
                it->tcpBytesPerSecond += v;
                continue;
            }
            it->rps += v;
            if (isError(s, protocol))
                it->errorRps += v;
            else if (label(s, "response_code").startsWith(QLatin1Char('4')))
                it->clientErrorRps += v;
        }
    };
    for (const Sample *s : preferSourceReporter(inputs.result(kRequestsSource), inputs.result(kRequestsDestination)))
        add(*s, false);
    for (const Sample *s : preferSourceReporter(inputs.result(kTcpSource), inputs.result(kTcpDestination)))
        add(*s, true);
}

// ---- dead nodes ------------------------------------------------------------------------

void DeadNodeAppender::apply(Graph &graph, const GraphOptions &o, const AppenderInputs &inputs) const
{
    const ClusterInventory &inv = inputs.inventory;
    // Only nodes in the namespaces the inventory covers can be judged; an empty inventory
    // (not listed, not allowed) judges nothing.
    if (inv.workloads.isEmpty() && inv.services.isEmpty())
        return;
    auto backing = [&](const Node &n) {
        QList<const ClusterWorkload *> found;
        for (const ClusterWorkload &w : inv.workloads) {
            if (w.namespaceName != n.namespaceName)
                continue;
            const bool match = (n.kind == NodeKind::Workload && w.name == n.name)
                               || (n.kind == NodeKind::App && w.app == n.app)
                               || (n.kind == NodeKind::VersionedApp && w.app == n.app && w.version == n.version);
            if (match)
                found.append(&w);
        }
        return found;
    };
    QStringList remove;
    for (Node &n : graph.nodes) {
        if (n.kind == NodeKind::Unknown || !o.namespaces.contains(n.namespaceName))
            continue;
        const bool traffic = nodeHasTraffic(graph, n.id);
        if (n.kind == NodeKind::Service) {
            const bool listed = std::any_of(inv.services.cbegin(), inv.services.cend(), [&](const ClusterService &s) {
                return s.namespaceName == n.namespaceName && s.name == n.name;
            });
            if (!traffic && !listed)
                remove << n.id;
            continue;
        }
        const QList<const ClusterWorkload *> workloads = backing(n);
        if (workloads.isEmpty()) {
            if (!traffic)
                remove << n.id;
            continue;
        }
        const int pods = std::accumulate(workloads.cbegin(), workloads.cend(), 0,
                                         [](int sum, const ClusterWorkload *w) { return sum + w->pods; });
        n.isDead = pods == 0;
    }
    for (const QString &id : remove)
        graph.removeNode(id);
}

// ---- response time ---------------------------------------------------------------------

QList<Query> ResponseTimeAppender::queries(const GraphOptions &o) const
{
    const QString by = QLatin1String(kEdgeLabels);
    auto q = [&](const QString &reporter) {
        const QString bucket =
            requestSelector(QStringLiteral("istio_request_duration_milliseconds_bucket"), reporter, o);
        if (o.responseTime == ResponseTimeStat::Avg) {
            const QString sum = requestSelector(QStringLiteral("istio_request_duration_milliseconds_sum"), reporter, o);
            const QString count =
                requestSelector(QStringLiteral("istio_request_duration_milliseconds_count"), reporter, o);
            return QStringLiteral("sum(rate(%1)) by (%3) / sum(rate(%2)) by (%3)").arg(sum, count, by);
        }
        return QStringLiteral("histogram_quantile(%1, sum(rate(%2)) by (le,%3))")
            .arg(responseTimeStatName(o.responseTime), bucket, by);
    };
    return {{kResponseTimeSource, q(QStringLiteral("source"))},
            {kResponseTimeDestination, q(QStringLiteral("destination"))}};
}

void ResponseTimeAppender::apply(Graph &graph, const GraphOptions &o, const AppenderInputs &inputs) const
{
    const WorkloadServices services = workloadServices(inputs);
    const int stat = int(o.responseTime);
    for (const Sample *s : preferSourceReporter(inputs.result(kResponseTimeSource), inputs.result(kResponseTimeDestination))) {
        // histogram_quantile answers NaN for a window without requests: unknown, not 0 ms.
        if (!std::isfinite(s->value))
            continue;
        const Protocol protocol =
            label(*s, "request_protocol") == QLatin1String("grpc") ? Protocol::Grpc : Protocol::Http;
        for (const auto &[source, target] : hops(*s, o, services)) {
            Edge probe;
            probe.source = source.id;
            probe.target = target.id;
            probe.protocol = protocol;
            auto it = graph.edges.find(probe.key());
            if (it == graph.edges.end())
                continue; // dead node removed, or no requests counted
            // Several workloads folded into one app node: the slowest speaks for the edge.
            double &slot = it->responseTimeMs[stat];
            slot = std::isnan(slot) ? s->value : qMax(slot, s->value);
        }
    }
}

// ---- error rate ------------------------------------------------------------------------

void ErrorRateAppender::apply(Graph &graph, const GraphOptions &, const AppenderInputs &) const
{
    struct Totals { double in = 0, inErrors = 0, out = 0; };
    QHash<QString, Totals> totals;
    for (Edge &e : graph.edges) {
        e.errorPercent = e.rps > 0 ? e.errorRps / e.rps * 100.0 : 0;
        e.clientErrorPercent = e.rps > 0 ? e.clientErrorRps / e.rps * 100.0 : 0;
        totals[e.target].in += e.rps;
        totals[e.target].inErrors += e.errorRps;
        totals[e.source].out += e.rps;
    }
    for (Node &n : graph.nodes) {
        const Totals t = totals.value(n.id);
        n.inboundRps = t.in;
        n.outboundRps = t.out;
        n.inboundErrorPercent = t.in > 0 ? t.inErrors / t.in * 100.0 : 0;
    }
}

// ---- idle nodes ------------------------------------------------------------------------

void IdleNodeAppender::apply(Graph &graph, const GraphOptions &o, const AppenderInputs &inputs) const
{
    if (!o.idleNodes)
        return;
    auto addIdle = [&](Node n) {
        if (Node *existing = graph.node(n.id)) {
            if (!nodeHasTraffic(graph, n.id))
                existing->isIdle = true;
            return;
        }
        n.isIdle = true;
        graph.nodes.insert(n.id, n);
    };
    if (o.type == GraphType::Service) {
        for (const ClusterService &s : inputs.inventory.services) {
            if (o.namespaces.contains(s.namespaceName))
                addIdle(makeNode(NodeKind::Service, s.namespaceName, s.name, QString(), QString()));
        }
        return;
    }
    for (const ClusterWorkload &w : inputs.inventory.workloads) {
        if (!o.namespaces.contains(w.namespaceName))
            continue;
        Node n = workloadSideNode(o.type, w.namespaceName, w.name, w.app, w.version);
        n.isDead = w.pods == 0;
        addIdle(n);
    }
}

// ---- health ----------------------------------------------------------------------------

void HealthAppender::apply(Graph &graph, const GraphOptions &o, const AppenderInputs &) const
{
    struct Sum { double rps = 0, err = 0, client = 0, tcp = 0; };
    QHash<QString, Sum> in, out;
    for (Edge &e : graph.edges) {
        e.health = e.protocol == Protocol::Tcp ? (e.tcpBytesPerSecond > 0 ? Health::Healthy : Health::NoTraffic)
                                               : ratioHealth(e.rps, e.errorRps, e.clientErrorRps, o.thresholds);
        for (auto *side : {&in[e.target], &out[e.source]}) {
            side->rps += e.rps;
            side->err += e.errorRps;
            side->client += e.clientErrorRps;
            side->tcp += e.tcpBytesPerSecond;
        }
    }
    for (Node &n : graph.nodes) {
        // A node is judged on what it serves; a root (nothing inbound) on what it sends.
        const Sum s = in.value(n.id).rps > 0 || in.value(n.id).tcp > 0 ? in.value(n.id) : out.value(n.id);
        if (s.rps > 0)
            n.health = ratioHealth(s.rps, s.err, s.client, o.thresholds);
        else
            n.health = s.tcp > 0 ? Health::Healthy : Health::NoTraffic;
        // Traffic sent to a workload without pods fails, whatever was counted.
        if (n.isDead && in.value(n.id).rps > 0)
            n.health = Health::Failure;
    }
}

// ---- traffic generators ----------------------------------------------------------------

void TrafficGeneratorAppender::apply(Graph &graph, const GraphOptions &, const AppenderInputs &) const
{
    QSet<QString> inbound, outbound;
    for (const Edge &e : graph.edges) {
        if (!e.hasTraffic())
            continue;
        inbound.insert(e.target);
        outbound.insert(e.source);
    }
    for (Node &n : graph.nodes)
        n.isRoot = outbound.contains(n.id) && !inbound.contains(n.id);
}

// ---- the pipeline ----------------------------------------------------------------------

AppenderList appenderPipeline()
{
    AppenderList list;
    list.push_back(std::make_unique<TrafficAppender>());
    list.push_back(std::make_unique<DeadNodeAppender>());
    list.push_back(std::make_unique<ResponseTimeAppender>());
    list.push_back(std::make_unique<ErrorRateAppender>());
    list.push_back(std::make_unique<IdleNodeAppender>());
    list.push_back(std::make_unique<HealthAppender>());
    list.push_back(std::make_unique<TrafficGeneratorAppender>());
    return list;
}

QList<Query> graphQueries(const GraphOptions &options)
{
    QList<Query> all;
    QSet<QString> keys;
    for (const auto &appender : appenderPipeline()) {
        for (const Query &q : appender->queries(options)) {
            if (!keys.contains(q.key)) {
                keys.insert(q.key);
                all.append(q);
            }
        }
    }
    return all;
}

Graph buildGraph(const GraphOptions &options, const AppenderInputs &inputs)
{
    Graph graph;
    graph.type = options.type;
    graph.namespaces = options.namespaces;
    for (const auto &appender : appenderPipeline()) {
        appender->apply(graph, options, inputs);
        graph.appendersRun << appender->name();
    }
    return graph;
}

} // namespace pilothouse::backends::servicegraph
