// The pages of each domain: ids, titles, icons, groups, shortcuts and factories.
#include "registerpages.h"

#include "delivery/argocdview.h"
#include "delivery/gitopsview.h"
#include "delivery/rolloutsview.h"
#include "argocd/argocdclient.h"
#include "kube/api/kubeclient.h"
#include "kube/session/kubesession.h"
#include "metrics/dashboardview.h"
#include "pipelines/jenkinsconnection.h"
#include "prometheus/prometheusclient.h"
#include "servicegraph/servicegraphview.h"
#include "pipelines/pipelinesview.h"
#include "pipelines/runview.h"
#include "shell/navigator.h"
#include "resources/logview.h"
#include "resources/resourcespage.h"
#include "resources/scalingview.h"
#include "shell/shellsettings.h"
#include "actions/sessionactions.h"
#include "rollouts/rolloutactions.h"
#include "rollouts/rolloutinfo.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QPointer>

#include <memory>

namespace pilothouse::app {

using widgets::shell::Page;
using widgets::shell::PageContext;
using widgets::shell::PageType;

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Pages", text); }

bool connected(const PageContext &c, QString *error)
{
    if (c.session && c.session->client())
        return true;
    *error = tr("Not connected to a cluster yet");
    return false;
}

QString objectKey(const QVariantMap &args)
{
    const QString name = args.value(QStringLiteral("name")).toString();
    if (name.isEmpty())
        return {};
    const QString ns = args.value(QStringLiteral("namespace")).toString();
    return ns.isEmpty() ? name : ns + QLatin1Char('/') + name;
}

void registerCluster(widgets::shell::PageRegistry &registry)
{
    PageType resources;
    resources.id = QStringLiteral("resources");
    resources.title = tr("Resources");
    resources.icon = QStringLiteral("page-resources");
    resources.group = QStringLiteral("Cluster");
    resources.description = tr("Every kind of the cluster, live: pods, workloads, services, config, storage, custom resources");
    resources.shortcut = QKeySequence(Qt::CTRL | Qt::Key_1);
    resources.permanent = true;
    resources.create = [](const PageContext &c, const QVariantMap &, QString *) -> Page * { return new widgets::ResourcesPage(c); };
    registry.add(resources);

    PageType logs;
    logs.id = QStringLiteral("logs");
    logs.title = tr("Logs");
    logs.icon = QStringLiteral("page-logs");
    logs.group = QStringLiteral("Cluster");
    logs.description = tr("A pod's logs, or every pod of a workload merged, live");
    logs.singleton = false;
    logs.key = [](const QVariantMap &args) {
        const QString key = objectKey(args);
        if (key.isEmpty())
            return QString();
        return (args.value(QStringLiteral("workload")).toBool() ? QStringLiteral("workload:") : QStringLiteral("pod:")) + key;
    };
    logs.create = [](const PageContext &c, const QVariantMap &args, QString *error) -> Page * {
        if (!connected(c, error))
            return nullptr;
        const auto object = args.value(QStringLiteral("object")).value<backends::kube::KubeObjectPtr>();
        if (!object) {
            *error = tr("Logs open from a pod or a workload: choose one first");
            return nullptr;
        }
        const bool workload = args.value(QStringLiteral("workload")).toBool();
        widgets::LogView *view = workload ? widgets::LogView::forWorkloadObject(c.session, object)
                                          : widgets::LogView::forPodObject(c.session, object);
        if (!view) {
            *error = tr("Logs of %1 cannot be shown: it selects no pods").arg(object->key());
            return nullptr;
        }
        return view;
    };
    registry.add(logs);

    PageType scaling;
    scaling.id = QStringLiteral("scaling");
    scaling.title = tr("Scaling");
    scaling.icon = QStringLiteral("page-scaling");
    scaling.group = QStringLiteral("Cluster");
    scaling.description = tr("A workload's replicas, CPU and HPA decisions over time, with its pods");
    scaling.singleton = false;
    scaling.key = objectKey;
    scaling.create = [](const PageContext &c, const QVariantMap &args, QString *error) -> Page * {
        if (!connected(c, error))
            return nullptr;
        auto *view = new widgets::ScalingView(c.session, args.value(QStringLiteral("namespace")).toString(),
                                              args.value(QStringLiteral("name")).toString());
        view->setWindowTitle(tr("Scaling: %1").arg(args.value(QStringLiteral("name")).toString()));
        // Empty when the problem is over: the shell takes the message back.
        QObject::connect(view, &widgets::ScalingView::problemChanged, view, &Page::statusMessage);
        return view;
    };
    registry.add(scaling);
}

void registerDelivery(widgets::shell::PageRegistry &registry)
{
    PageType rollouts;
    rollouts.id = QStringLiteral("rollouts");
    rollouts.title = tr("Rollouts");
    rollouts.icon = QStringLiteral("page-rollouts");
    rollouts.group = QStringLiteral("Delivery");
    rollouts.description = tr("Argo Rollouts and Deployments: blue-green and canary state, promote, rollback");
    rollouts.shortcut = QKeySequence(Qt::CTRL | Qt::Key_2);
    rollouts.create = [](const PageContext &c, const QVariantMap &, QString *error) -> Page * {
        if (!connected(c, error))
            return nullptr;
        auto *view = new widgets::RolloutsView(c.session);
        QObject::connect(view, &widgets::RolloutsView::problemChanged, view, &Page::statusMessage);
        QObject::connect(view, &widgets::RolloutsView::actionFinished, view, &Page::actionOutcome);
        return view;
    };
    // Rollouts waiting for the operator (paused for promotion, degraded, aborted), counted on the
    // session's worker from the shared Rollouts informer (the page's own, when it is open).
    rollouts.badge = [](const PageContext &c, std::function<void(int)> setBadge) -> QObject * {
        auto *watcher = new QObject;
        using namespace pilothouse::backends;
        auto waiting = std::make_shared<QHash<QString, std::pair<QString, bool>>>();  // key -> (resourceVersion, waits)
        c.session->project<int>(
            {kube::WatchSpec{rollouts::rolloutsResource(), {}, {}, false}},
            [waiting](const kube::ProjectionInputs &in) {
                QHash<QString, std::pair<QString, bool>> next;
                int count = 0;
                for (const kube::KubeObjectPtr &o : *in.first().objects) {
                    auto it = waiting->constFind(o->key());
                    bool waits;
                    if (it != waiting->constEnd() && it->first == o->resourceVersion) {
                        waits = it->second;
                    } else {
                        const auto status = rollouts::rolloutInfo(QJsonDocument::fromJson(o->json()).object(), {}, {}, {}).status;
                        waits = status == rollouts::RolloutStatus::Paused || status == rollouts::RolloutStatus::Degraded
                                || status == rollouts::RolloutStatus::Aborted;
                    }
                    next.insert(o->key(), {o->resourceVersion, waits});
                    count += waits ? 1 : 0;
                }
                waiting->swap(next);
                return in.first().synced ? count : 0;
            },
            watcher, [setBadge](const int &count) { setBadge(count); });
        return watcher;
    };
    registry.add(rollouts);

    PageType argocd;
    argocd.id = QStringLiteral("argocd");
    argocd.title = tr("Argo CD");
    argocd.icon = QStringLiteral("page-argocd");
    argocd.group = QStringLiteral("Delivery");
    argocd.description = tr("Argo CD applications: sync status, health, history, sync, rollback");
    argocd.shortcut = QKeySequence(Qt::CTRL | Qt::Key_3);
    argocd.create = [](const PageContext &c, const QVariantMap &, QString *error) -> Page * {
        if (!connected(c, error))
            return nullptr;
        const QString context = c.session->contextName();
        auto *view = new widgets::ArgoCdView(c.session->engine(), backends::actions::auditLogFor(c.session), c.settings->argoCdPreset(context));
        QObject::connect(view, &widgets::ArgoCdView::actionFinished, view,
                         [view](const QString &, bool ok, const QString &message) { Q_EMIT view->actionOutcome(message, ok); });
        widgets::shell::ShellSettings *settings = c.settings;
        QObject::connect(view->client(), &backends::argocd::ArgoCdClient::loggedIn, view, [view, settings, context](const QString &user) {
            settings->rememberArgoCdLogin(context, view->client()->serverUrl(), user);
        });
        return view;
    };
    registry.add(argocd);

    PageType gitops;
    gitops.id = QStringLiteral("gitops");
    gitops.title = tr("GitOps");
    gitops.icon = QStringLiteral("page-gitops");
    gitops.group = QStringLiteral("Delivery");
    gitops.description = tr("The deployment repository: recent commits, bump an image tag, revert a commit");
    gitops.shortcut = QKeySequence(Qt::CTRL | Qt::Key_4);
    gitops.create = [](const PageContext &c, const QVariantMap &, QString *error) -> Page * {
        if (!connected(c, error))
            return nullptr;
        auto *view = new widgets::GitOpsView(c.settings->gitOps(), backends::actions::auditLogFor(c.session));
        widgets::shell::ShellSettings *settings = c.settings;
        QObject::connect(view, &widgets::GitOpsView::settingsChanged, view,
                         [settings](const backends::gitops::GitOpsSettings &s) { settings->setGitOps(s, true); });
        QObject::connect(view, &widgets::GitOpsView::actionFinished, view,
                         [view](const QString &, bool ok, const QString &message) { Q_EMIT view->actionOutcome(message, ok); });
        return view;
    };
    registry.add(gitops);
}

// A run's page is opened by job and build number: {"job": ["cafe", "releases", "deploy-orders"], "build": 12}.
QVariantMap runArgs(const QStringList &job, int build)
{
    return {{QStringLiteral("job"), job}, {QStringLiteral("build"), build}};
}

void registerPipelines(widgets::shell::PageRegistry &registry)
{
    PageType pipelines;
    pipelines.id = QStringLiteral("pipelines");
    pipelines.title = tr("Pipelines");
    pipelines.icon = QStringLiteral("page-pipelines");
    pipelines.group = QStringLiteral("Pipelines");
    pipelines.description = tr("Jenkins jobs, their runs × stages, Build with parameters, approvals waiting for you");
    pipelines.shortcut = QKeySequence(Qt::CTRL | Qt::Key_5);
    pipelines.create = [](const PageContext &c, const QVariantMap &, QString *error) -> Page * {
        if (!connected(c, error))
            return nullptr;
        const QString context = c.session->contextName();
        auto *connection = widgets::JenkinsConnection::of(c.session);
        auto *view = new widgets::PipelinesView(connection, c.settings->jenkinsPreset(context));
        widgets::shell::ShellSettings *settings = c.settings;
        QObject::connect(connection, &widgets::JenkinsConnection::connected, view, [settings, context, connection](const QString &url, const QString &user) {
            settings->rememberJenkinsLogin(context, url, user, connection->caFile());
        });
        QObject::connect(view, &widgets::PipelinesView::actionFinished, view,
                         [view](const QString &, bool ok, const QString &message) { Q_EMIT view->actionOutcome(message, ok); });
        widgets::shell::Navigator *navigator = c.navigator;
        QObject::connect(view, &widgets::PipelinesView::openRunRequested, view, [navigator](const QStringList &job, int build) {
            navigator->open(QStringLiteral("pipeline-run"), runArgs(job, build));
        });
        return view;
    };
    registry.add(pipelines);

    PageType run;
    run.id = QStringLiteral("pipeline-run");
    run.title = tr("Pipeline run");
    run.icon = QStringLiteral("page-pipelines");
    run.group = QStringLiteral("Pipelines");
    run.description = tr("A Jenkins run: its stages with parallel branches, the live console, approval, Stop");
    run.singleton = false;
    run.key = [](const QVariantMap &args) {
        const QStringList job = args.value(QStringLiteral("job")).toStringList();
        const int build = args.value(QStringLiteral("build")).toInt();
        return job.isEmpty() || build <= 0 ? QString() : QStringLiteral("run:%1#%2").arg(job.join(QLatin1Char('/'))).arg(build);
    };
    run.create = [](const PageContext &c, const QVariantMap &args, QString *error) -> Page * {
        if (!connected(c, error))
            return nullptr;
        const QStringList job = args.value(QStringLiteral("job")).toStringList();
        const int build = args.value(QStringLiteral("build")).toInt();
        if (job.isEmpty() || build <= 0) {
            *error = tr("A run opens from a job's runs: choose one on the Pipelines page");
            return nullptr;
        }
        auto *view = new widgets::RunView(widgets::JenkinsConnection::of(c.session), job, build, c.session);
        QObject::connect(view, &widgets::RunView::actionFinished, view,
                         [view](const QString &, bool ok, const QString &message) { Q_EMIT view->actionOutcome(message, ok); });
        widgets::shell::Navigator *navigator = c.navigator;
        QObject::connect(view, &widgets::RunView::openRunRequested, view, [navigator](const QStringList &j, int b) {
            navigator->open(QStringLiteral("pipeline-run"), runArgs(j, b));
        });
        QObject::connect(view, &widgets::RunView::openPageRequested, view, [navigator](const QString &id, const QVariantMap &a) {
            navigator->open(id, a);
        });
        return view;
    };
    registry.add(run);
}

// An Observe page with its own client of the context's Prometheus (the demo's for the run); without
// one, or with a URL that is refused, the page says why and asks nothing.
template <class View>
View *withPrometheus(const PageContext &c)
{
    auto *client = new backends::prometheus::PrometheusClient(c.session->engine());
    auto *view = new View(client);
    client->setParent(view);
    backends::prometheus::PrometheusServer server;
    server.url = c.settings->prometheusUrl(c.session->contextName());
    if (server.url.isEmpty())
        view->setUnconfigured(tr("No Prometheus is set for context %1: set its URL in Preferences").arg(c.session->contextName()));
    else if (const auto set = client->setServer(server); !set.ok())
        view->setUnconfigured(set.error().message);
    return view;
}

void registerObserve(widgets::shell::PageRegistry &registry)
{
    PageType metrics;
    metrics.id = QStringLiteral("metrics");
    metrics.title = tr("Metrics");
    metrics.icon = QStringLiteral("page-metrics");
    metrics.group = QStringLiteral("Observe");
    metrics.description = tr("Grafana dashboards from the context's Prometheus: golden signals, time range, variables");
    metrics.shortcut = QKeySequence(Qt::CTRL | Qt::Key_6);
    metrics.create = [](const PageContext &c, const QVariantMap &args, QString *error) -> Page * {
        if (!connected(c, error))
            return nullptr;
        auto *view = withPrometheus<widgets::DashboardView>(c);
        const QString file = args.value(QStringLiteral("file")).toString();
        view->openFile(file.isEmpty() ? QStringLiteral(":/dashboards/workload-golden-signals.json") : file);
        return view;
    };
    registry.add(metrics);

    PageType graph;
    graph.id = QStringLiteral("graph");
    graph.title = tr("Service graph");
    graph.icon = QStringLiteral("page-graph");
    graph.group = QStringLiteral("Observe");
    graph.description = tr("The mesh's traffic from the context's Prometheus: health, request rates, errors and response times");
    graph.shortcut = QKeySequence(Qt::CTRL | Qt::Key_7);
    graph.create = [](const PageContext &c, const QVariantMap &, QString *error) -> Page * {
        if (!connected(c, error))
            return nullptr;
        auto *view = withPrometheus<widgets::ServiceGraphView>(c);
        // Dead and idle nodes need what the cluster lists: Deployments and Services of every namespace.
        auto lists = std::make_shared<QPair<QByteArray, QByteArray>>();
        auto arrived = std::make_shared<int>(0);
        auto problem = std::make_shared<QString>();
        QPointer<widgets::ServiceGraphView> guard(view);
        auto take = [guard, lists, arrived, problem](bool deployments, const backends::kube::KubeReply &reply) {
            (deployments ? lists->first : lists->second) = reply.ok() ? reply.body : QByteArray();
            if (!reply.ok() && problem->isEmpty())
                *problem = reply.error.message;
            if (++*arrived == 2 && guard)
                guard->setInventoryLists(lists->first, lists->second, *problem);
        };
        c.session->client()->list(backends::kube::ResourceRef::deployments(), QString(), QString(), view,
                                  [take](const backends::kube::KubeReply &r) { take(true, r); });
        c.session->client()->list(backends::kube::ResourceRef{QString(), QStringLiteral("v1"), QStringLiteral("services"), QStringLiteral("Service"), true},
                                  QString(), QString(), view, [take](const backends::kube::KubeReply &r) { take(false, r); });
        widgets::shell::Navigator *navigator = c.navigator;
        QObject::connect(view, &widgets::ServiceGraphView::workloadActivated, view, [navigator](const QString &ns, const QString &name) {
            navigator->open(QStringLiteral("resources"), {{QStringLiteral("group"), QStringLiteral("apps")},
                                                          {QStringLiteral("plural"), QStringLiteral("deployments")},
                                                          {QStringLiteral("namespace"), ns},
                                                          {QStringLiteral("name"), name}});
        });
        return view;
    };
    registry.add(graph);
}

}  // namespace

void registerPages(widgets::shell::PageRegistry &registry)
{
    registerCluster(registry);
    registerDelivery(registry);
    registerPipelines(registry);
    registerObserve(registry);
}

}  // namespace pilothouse::app
