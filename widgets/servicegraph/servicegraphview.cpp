// The Service graph page: queries, build, layout and drawing (see servicegraphview.h).
#include "servicegraph/servicegraphview.h"

#include "metrics/valueformat.h"
#include "prometheus/prometheusclient.h"
#include "style/statuspalette.h"

#include <QAction>
#include <QComboBox>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QThreadPool>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <cmath>

namespace pilothouse::widgets {

namespace sg = backends::servicegraph;
using models::StatusTone;

namespace {

StatusTone toneOf(sg::Health health)
{
    switch (health) {
    case sg::Health::Healthy: return StatusTone::Good;
    case sg::Health::Degraded: return StatusTone::Warning;
    case sg::Health::Failure: return StatusTone::Bad;
    case sg::Health::NoTraffic: return StatusTone::Neutral;
    }
    return StatusTone::Unknown;
}

QString kindMarker(sg::NodeKind kind)
{
    switch (kind) {
    case sg::NodeKind::Workload: return QStringLiteral("W");
    case sg::NodeKind::App: return QStringLiteral("A");
    case sg::NodeKind::VersionedApp: return QStringLiteral("V");
    case sg::NodeKind::Service: return QStringLiteral("S");
    case sg::NodeKind::Unknown: return QStringLiteral("?");
    }
    return {};
}

// An empty item the drawing hangs from, so one opacity dims all of it.
class RootItem : public QGraphicsItem {
public:
    QRectF boundingRect() const override { return {}; }
    void paint(QPainter *, const QStyleOptionGraphicsItem *, QWidget *) override {}
};

QStringList words(const QString &text)
{
    QStringList out;
    for (const QString &w : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!w.trimmed().isEmpty())
            out << w.trimmed();
    return out;
}

bool matches(const sg::Node &node, const QStringList &needles)
{
    for (const QString &n : needles)
        if (node.label().contains(n, Qt::CaseInsensitive) || node.name.contains(n, Qt::CaseInsensitive)
            || node.namespaceName.compare(n, Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

const QStringList kDefaultNamespaces{QStringLiteral("shop"), QStringLiteral("cafe")};

}  // namespace

// ---- canvas ------------------------------------------------------------------------------

GraphCanvas::GraphCanvas(QGraphicsScene *scene, QWidget *parent) : QGraphicsView(scene, parent)
{
    setRenderHint(QPainter::Antialiasing);
    setRenderHint(QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setFrameShape(QFrame::NoFrame);
}

void GraphCanvas::fit()
{
    if (!scene() || scene()->itemsBoundingRect().isEmpty())
        return;
    fitInView(scene()->itemsBoundingRect().adjusted(-20, -20, 20, 20), Qt::KeepAspectRatio);
    // Never larger than life: a small graph stays readable, not blown up.
    if (zoom() > 1.5)
        setTransform(QTransform::fromScale(1.5, 1.5));
}

void GraphCanvas::wheelEvent(QWheelEvent *event)
{
    const double factor = std::pow(1.0015, event->angleDelta().y());
    const double next = zoom() * factor;
    if (next < 0.05 || next > 8)
        return;
    scale(factor, factor);
    event->accept();
}

void GraphCanvas::mousePressEvent(QMouseEvent *event)
{
    m_pressPos = event->position().toPoint();
    QGraphicsView::mousePressEvent(event);
}

// A click, not the end of a drag that scrolled the canvas.
void GraphCanvas::mouseReleaseEvent(QMouseEvent *event)
{
    const bool click = event->button() == Qt::LeftButton
                       && (event->position().toPoint() - m_pressPos).manhattanLength() < 4;
    QGraphicsView::mouseReleaseEvent(event);
    if (!click)
        return;
    for (QGraphicsItem *item = itemAt(event->position().toPoint()); item; item = item->parentItem()) {
        if (item->data(ServiceGraphView::RoleData).toString() == QLatin1String("node")) {
            Q_EMIT nodeClicked(item->data(ServiceGraphView::IdData).toString());
            return;
        }
    }
}

// ---- page --------------------------------------------------------------------------------

ServiceGraphView::ServiceGraphView(backends::prometheus::PrometheusClient *client, QWidget *parent)
    : shell::Page(parent), m_client(client), m_worker(new sg::GraphLayoutWorker(this)), m_selected(kDefaultNamespaces)
{
    m_offered = kDefaultNamespaces;
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_namespaces = new QToolButton(this);
    m_namespaces->setObjectName(QStringLiteral("graphNamespaces"));
    m_namespaces->setPopupMode(QToolButton::InstantPopup);
    m_namespaces->setMenu(new QMenu(m_namespaces));
    m_namespaces->setToolTip(tr("Namespaces drawn (several at once)"));
    m_type = new QComboBox(this);
    m_type->setObjectName(QStringLiteral("graphType"));
    m_type->addItem(tr("Workload graph"), int(sg::GraphType::Workload));
    m_type->addItem(tr("App graph"), int(sg::GraphType::App));
    m_type->addItem(tr("Versioned app graph"), int(sg::GraphType::VersionedApp));
    m_type->addItem(tr("Service graph"), int(sg::GraphType::Service));
    m_type->setCurrentIndex(0);
    m_stat = new QComboBox(this);
    m_stat->setObjectName(QStringLiteral("responseTimeStat"));
    m_stat->addItem(tr("p95 response time"), int(sg::ResponseTimeStat::P95));
    m_stat->addItem(tr("Average response time"), int(sg::ResponseTimeStat::Avg));
    m_stat->addItem(tr("p50 response time"), int(sg::ResponseTimeStat::P50));
    m_stat->addItem(tr("p99 response time"), int(sg::ResponseTimeStat::P99));
    m_refresh = new QComboBox(this);
    m_refresh->setObjectName(QStringLiteral("graphRefresh"));
    m_refresh->addItem(tr("Refresh: off"), 0);
    m_refresh->addItem(tr("Every 10s"), 10);
    m_refresh->addItem(tr("Every 30s"), 30);
    m_reload = new QPushButton(tr("Refresh"), this);
    m_reload->setObjectName(QStringLiteral("graphReload"));
    m_fit = new QPushButton(tr("Fit"), this);
    m_fit->setObjectName(QStringLiteral("graphFit"));
    m_find = new QLineEdit(this);
    m_find->setObjectName(QStringLiteral("graphFind"));
    m_find->setPlaceholderText(tr("Find nodes…"));
    m_find->setClearButtonEnabled(true);
    m_hide = new QLineEdit(this);
    m_hide->setObjectName(QStringLiteral("graphHide"));
    m_hide->setPlaceholderText(tr("Hide nodes…"));
    m_hide->setToolTip(tr("Comma-separated names; matching nodes are left out of the graph"));
    m_hide->setClearButtonEnabled(true);
    bar->addWidget(m_namespaces);
    bar->addWidget(m_type);
    bar->addWidget(m_stat);
    bar->addWidget(m_find, 1);
    bar->addWidget(m_hide, 1);
    bar->addWidget(m_refresh);
    bar->addWidget(m_reload);
    bar->addWidget(m_fit);
    layout->addLayout(bar);

    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("graphProblem"));
    m_problem->setTextFormat(Qt::PlainText);
    m_problem->setWordWrap(true);
    m_problem->hide();
    layout->addWidget(m_problem);

    m_scene = new QGraphicsScene(this);
    m_canvas = new GraphCanvas(m_scene, this);
    m_canvas->setObjectName(QStringLiteral("graphCanvas"));
    layout->addWidget(m_canvas, 1);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("graphSummary"));
    m_summary->setTextFormat(Qt::PlainText);
    layout->addWidget(m_summary);

    m_pool = new QThreadPool(this);
    m_pool->setMaxThreadCount(1);
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &ServiceGraphView::refresh);
    connect(m_refresh, &QComboBox::activated, this, [this](int i) {
        const int seconds = m_refresh->itemData(i).toInt();
        if (seconds > 0)
            m_timer->start(seconds * 1000);
        else
            m_timer->stop();
    });
    connect(m_reload, &QPushButton::clicked, this, &ServiceGraphView::refresh);
    connect(m_fit, &QPushButton::clicked, m_canvas, &GraphCanvas::fit);
    connect(m_type, &QComboBox::activated, this, [this] {
        m_fitPending = true;
        refresh();
    });
    connect(m_stat, &QComboBox::activated, this, &ServiceGraphView::refresh);
    connect(m_find, &QLineEdit::textChanged, this, &ServiceGraphView::applyHighlight);
    connect(m_hide, &QLineEdit::editingFinished, this, [this] {
        if (!m_lastAnswers.isEmpty())
            build();
    });
    connect(m_canvas, &GraphCanvas::nodeClicked, this, [this](const QString &id) {
        const sg::Node *n = m_graph.node(id);
        if (n && !n->name.isEmpty() && n->kind != sg::NodeKind::Service && n->kind != sg::NodeKind::Unknown)
            Q_EMIT workloadActivated(n->namespaceName, n->name);
    });
    connect(m_worker, &sg::GraphLayoutWorker::layoutFinished, this, [this](quint64 id, const sg::GraphLayout &l) {
        if (id != m_layoutRequest)
            return;
        if (!l.error.isEmpty()) {
            setProblem(tr("Layout: %1 — the graph shows the last layout").arg(l.error));
            return;
        }
        m_graph = m_pending;
        m_layout = l;
        // dot ran: nodes came or went, and the old view may show little of the new graph.
        if (l.method == sg::GraphLayout::Method::Dot)
            m_fitPending = true;
        m_laidOutType = m_graph.type;
        m_hasLaidOut = true;
        draw();
    });

    fillNamespaceMenu();
    QTimer::singleShot(0, this, [this] {
        askNamespaces();
        refresh();
    });
}

ServiceGraphView::~ServiceGraphView()
{
    if (m_client)
        for (const sg::Query &q : sg::graphQueries(m_asked))
            m_client->cancel(QStringLiteral("graph:") + q.key);
}

void ServiceGraphView::setInventory(const sg::ClusterInventory &inventory)
{
    m_inventory = inventory;
    m_inventoryArrived = true;
    for (const sg::ClusterWorkload &w : inventory.workloads)
        if (!m_offered.contains(w.namespaceName))
            m_offered << w.namespaceName;
    m_offered.sort();
    fillNamespaceMenu();
    if (!m_lastAnswers.isEmpty())
        build();
}

sg::ClusterInventory ServiceGraphView::inventoryFromLists(const QByteArray &deployments, const QByteArray &services)
{
    sg::ClusterInventory inv;
    auto items = [](const QByteArray &body) { return QJsonDocument::fromJson(body).object().value(QLatin1String("items")).toArray(); };
    for (const QJsonValue &v : items(deployments)) {
        const QJsonObject o = v.toObject();
        const QJsonObject meta = o.value(QLatin1String("metadata")).toObject();
        const QJsonObject labels = o.value(QLatin1String("spec")).toObject().value(QLatin1String("template")).toObject()
                                       .value(QLatin1String("metadata")).toObject().value(QLatin1String("labels")).toObject();
        auto first = [&](std::initializer_list<const char *> keys) {
            for (const char *k : keys)
                if (const QString x = labels.value(QLatin1String(k)).toString(); !x.isEmpty())
                    return x;
            return QString();
        };
        sg::ClusterWorkload w;
        w.namespaceName = meta.value(QLatin1String("namespace")).toString();
        w.name = meta.value(QLatin1String("name")).toString();
        w.app = first({"service.istio.io/canonical-name", "app.kubernetes.io/name", "app"});
        w.version = first({"service.istio.io/canonical-revision", "app.kubernetes.io/version", "version"});
        w.pods = o.value(QLatin1String("status")).toObject().value(QLatin1String("readyReplicas")).toInt();
        inv.workloads.append(w);
    }
    for (const QJsonValue &v : items(services)) {
        const QJsonObject meta = v.toObject().value(QLatin1String("metadata")).toObject();
        inv.services.append({meta.value(QLatin1String("namespace")).toString(), meta.value(QLatin1String("name")).toString()});
    }
    return inv;
}

void ServiceGraphView::setUnconfigured(const QString &reason)
{
    m_unconfigured = reason;
    setProblem(reason);
}

void ServiceGraphView::setSelectedNamespaces(const QStringList &namespaces)
{
    m_selected = namespaces;
    for (const QString &ns : namespaces)
        if (!m_offered.contains(ns))
            m_offered << ns;
    m_offered.sort();
    fillNamespaceMenu();
}

void ServiceGraphView::onNamespacesChanged(const QStringList &namespaces)
{
    if (namespaces.isEmpty() || namespaces == m_selected)
        return;
    setSelectedNamespaces(namespaces);
    m_fitPending = true;
    refresh();
}

QStringList ServiceGraphView::selectedNamespaces() const { return m_selected; }
QStringList ServiceGraphView::offeredNamespaces() const { return m_offered; }

void ServiceGraphView::fillNamespaceMenu()
{
    QMenu *menu = m_namespaces->menu();
    menu->clear();
    for (const QString &ns : std::as_const(m_offered)) {
        QAction *a = menu->addAction(ns);
        a->setCheckable(true);
        a->setChecked(m_selected.contains(ns));
        connect(a, &QAction::toggled, this, [this, ns](bool on) {
            if (on && !m_selected.contains(ns))
                m_selected << ns;
            else if (!on)
                m_selected.removeAll(ns);
            m_selected.sort();
            m_namespaces->setText(m_selected.isEmpty() ? tr("No namespace") : m_selected.join(QStringLiteral(", ")));
            m_fitPending = true;
            refresh();
        });
    }
    m_selected.sort();
    m_namespaces->setText(m_selected.isEmpty() ? tr("No namespace") : m_selected.join(QStringLiteral(", ")));
}

// The namespaces with Istio traffic, as Prometheus knows them, join those the cluster lists.
void ServiceGraphView::askNamespaces()
{
    if (!m_client || !m_unconfigured.isEmpty())
        return;
    m_client->labelValues(QStringLiteral("destination_workload_namespace"), {QStringLiteral("istio_requests_total")}, 0, 0, this,
                          [this](const backends::Result<backends::prometheus::NameList> &r) {
                              if (!r.ok())
                                  return;
                              for (const QString &ns : r.value().names)
                                  if (!m_offered.contains(ns) && ns != QLatin1String("unknown"))
                                      m_offered << ns;
                              m_offered.sort();
                              fillNamespaceMenu();
                          },
                          QStringLiteral("graph:namespaces"));
}

sg::GraphOptions ServiceGraphView::options() const
{
    sg::GraphOptions o;
    o.type = sg::GraphType(m_type->currentData().toInt());
    o.namespaces = m_selected;
    o.responseTime = sg::ResponseTimeStat(m_stat->currentData().toInt());
    return o;
}

void ServiceGraphView::refresh()
{
    if (!m_client || !m_unconfigured.isEmpty())
        return;
    m_asked = options();
    ++m_generation;
    m_answers.clear();
    m_failure.clear();
    m_answered = 0;
    if (m_asked.namespaces.isEmpty()) {
        setProblem(tr("Choose at least one namespace"));
        return;
    }
    const QList<sg::Query> queries = sg::graphQueries(m_asked);
    m_expected = int(queries.size());
    const quint64 generation = m_generation;
    for (const sg::Query &q : queries) {
        // Keyed: a refresh sent before these answered is cancelled, not drawn.
        m_client->instantQuery(q.promql, 0, this,
                               [this, generation, key = q.key](const backends::Result<backends::prometheus::QueryResult> &r) {
                                   if (!r.ok()) {
                                       answered(generation, key, r.error().message, {});
                                       return;
                                   }
                                   sg::Vector v;
                                   v.reserve(r.value().series.size());
                                   for (const auto &series : r.value().series) {
                                       if (series.samples.isEmpty())
                                           continue;
                                       sg::Sample s;
                                       for (auto it = series.labels.begin(); it != series.labels.end(); ++it)
                                           s.labels.insert(it.key(), it.value());
                                       s.value = series.samples.last().value;
                                       v.append(std::move(s));
                                   }
                                   answered(generation, key, {}, v);
                               },
                               QStringLiteral("graph:") + q.key);
    }
}

void ServiceGraphView::answered(quint64 generation, const QString &key, const QString &error, const sg::Vector &vector)
{
    if (generation != m_generation)
        return;
    ++m_answered;
    if (!error.isEmpty() && m_failure.isEmpty())
        m_failure = error;
    else if (error.isEmpty())
        m_answers.insert(key, vector);
    if (m_answered < m_expected)
        return;
    if (!m_failure.isEmpty()) {
        // A graph from some of the answers would lie (missing edges read as no traffic).
        setProblem(tr("Prometheus: %1 — the graph shows the last answers").arg(m_failure));
        Q_EMIT statusMessage(tr("Service graph: %1").arg(m_failure));
        return;
    }
    m_lastAnswers = m_answers;
    m_lastOptions = m_asked;
    setProblem({});
    build();
}

// buildGraph takes 14 ms for 200 services / 600 edges (tst_graphlayout, -O2), most of a frame,
// so it runs on the page's pool; the answer of a build overtaken by a newer one is dropped.
void ServiceGraphView::build()
{
    const quint64 generation = ++m_buildGeneration;
    sg::AppenderInputs inputs;
    inputs.results = m_lastAnswers;
    inputs.inventory = m_inventory;
    QPointer<ServiceGraphView> guard(this);
    m_pool->start([guard, generation, options = m_lastOptions, inputs, hidden = words(m_hide->text())] {
        QElapsedTimer timer;
        timer.start();
        sg::Graph graph = sg::buildGraph(options, inputs);
        if (!hidden.isEmpty()) {
            QStringList gone;
            for (const sg::Node &n : std::as_const(graph.nodes))
                if (matches(n, hidden))
                    gone << n.id;
            for (const QString &id : std::as_const(gone))
                graph.removeNode(id);
        }
        const qint64 ms = timer.elapsed();
        // Posted to the application object, which outlives the page; the guard is read there.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(), [guard, generation, graph, ms] {
                if (guard && generation == guard->m_buildGeneration)
                    guard->built(graph, ms);
            },
            Qt::QueuedConnection);
    });
}

void ServiceGraphView::built(const sg::Graph &graph, qint64 elapsedMs)
{
    m_lastBuildMs = elapsedMs;
    // Another graph type is another set of nodes: positions of the old one mean nothing.
    if (m_hasLaidOut && graph.type != m_laidOutType)
        m_worker->resetPositions();
    m_pending = graph;
    m_layoutRequest = m_worker->requestLayout(m_pending);
}

void ServiceGraphView::setInventoryLists(const QByteArray &deployments, const QByteArray &services, const QString &problem)
{
    m_inventoryProblem = problem;
    QPointer<ServiceGraphView> guard(this);
    m_pool->start([guard, deployments, services] {
        const sg::ClusterInventory inventory = inventoryFromLists(deployments, services);
        QMetaObject::invokeMethod(
            QCoreApplication::instance(), [guard, inventory] {
                if (guard)
                    guard->setInventory(inventory);
            },
            Qt::QueuedConnection);
    });
}

void ServiceGraphView::setProblem(const QString &problem)
{
    const QString shown = problem.isEmpty() ? m_unconfigured : problem;
    m_problemText = shown;
    m_problem->setText(shown);
    m_problem->setVisible(!shown.isEmpty());
    QPalette p = m_problem->palette();
    p.setColor(QPalette::WindowText, StatusPalette::color(StatusTone::Bad));
    m_problem->setPalette(p);
    if (m_root)
        m_root->setOpacity(shown.isEmpty() ? 1.0 : 0.35);
}

QString ServiceGraphView::problemText() const { return m_problem->isVisible() ? m_problemText : QString(); }

bool ServiceGraphView::isDimmed() const { return m_root && m_root->opacity() < 1.0; }

QString ServiceGraphView::edgeLabel(const QString &key) const
{
    const QGraphicsSimpleTextItem *t = m_edgeLabels.value(key);
    return t ? t->text() : QString();
}

void ServiceGraphView::changeEvent(QEvent *event)
{
    shell::Page::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) {
        if (m_hasLaidOut)
            draw();
        setProblem(m_problem->isVisible() ? m_problemText : QString());
    }
}

void ServiceGraphView::draw()
{
    ++m_drawCount;
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::Text);
    const QColor muted = pal.color(QPalette::PlaceholderText);
    const QColor base = pal.color(QPalette::Base);
    const sg::ResponseTimeStat stat = m_lastOptions.responseTime;

    m_scene->clear();
    m_nodeItems.clear();
    m_edgeItems.clear();
    m_edgeLabels.clear();
    m_root = new RootItem;
    m_scene->addItem(m_root);
    m_scene->setBackgroundBrush(base);

    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.8);
    QFont bold = font();
    bold.setBold(true);

    for (auto it = m_graph.edges.cbegin(); it != m_graph.edges.cend(); ++it) {
        const sg::Edge &e = *it;
        const auto geometry = m_layout.edges.constFind(e.key());
        if (geometry == m_layout.edges.cend() || geometry->path.size() < 2)
            continue;
        const QList<QPointF> &pts = geometry->path;
        QPainterPath path(pts.first());
        int i = 1;
        for (; i + 2 < pts.size(); i += 3)
            path.cubicTo(pts[i], pts[i + 1], pts[i + 2]);
        for (; i < pts.size(); ++i)
            path.lineTo(pts[i]);
        const StatusTone tone = toneOf(e.health);
        const QColor colour = StatusPalette::color(tone);
        auto *item = new QGraphicsPathItem(path, m_root);
        QPen pen(colour, e.protocol == sg::Protocol::Tcp ? 1.5 : 2.0);
        if (e.protocol == sg::Protocol::Tcp)
            pen.setStyle(Qt::DashLine);
        item->setPen(pen);
        item->setData(IdData, e.key());
        item->setData(RoleData, QStringLiteral("edge"));
        item->setData(ToneData, int(tone));
        item->setZValue(1);
        m_edgeItems.insert(e.key(), item);

        // The arrowhead: from the path's end to graphviz's tip, or along the last segment.
        QPointF from = path.pointAtPercent(0.97);
        QPointF tip = geometry->hasArrow ? geometry->arrowTip : pts.last();
        if (geometry->hasArrow)
            from = pts.last();
        QLineF dir(tip, from);
        if (dir.length() > 0.1) {
            dir.setLength(9);
            QLineF left = dir, right = dir;
            left.setAngle(dir.angle() + 25);
            right.setAngle(dir.angle() - 25);
            QPainterPath head(tip);
            head.lineTo(left.p2());
            head.lineTo(right.p2());
            head.closeSubpath();
            if (geometry->hasArrow) {
                QPainterPath shaft(from);
                shaft.lineTo(tip);
                auto *s = new QGraphicsPathItem(shaft, item);
                s->setPen(pen);
            }
            auto *h = new QGraphicsPathItem(head, item);
            h->setPen(QPen(colour, 1));
            h->setBrush(colour);
        }

        QStringList parts;
        if (e.protocol == sg::Protocol::Tcp) {
            parts << models::formatValue(e.tcpBytesPerSecond, QStringLiteral("Bps"));
        } else {
            parts << models::formatValue(e.rps, QStringLiteral("reqps"));
            if (e.errorPercent > 0 || e.clientErrorPercent > 0)
                parts << tr("%1 err").arg(models::formatValue((e.errorPercent + e.clientErrorPercent) / 100.0, QStringLiteral("percentunit")));
            const double rt = e.responseTime(stat);
            if (std::isfinite(rt))
                parts << models::formatValue(rt, QStringLiteral("ms"));
        }
        // Above the nodes (z 3): ranks sit closer than a label is wide, and a hidden label says nothing.
        auto *label = new QGraphicsSimpleTextItem(parts.join(QLatin1Char('\n')), m_root);
        label->setFont(small);
        label->setBrush(tone == StatusTone::Good || tone == StatusTone::Neutral ? text : colour);
        const QRectF lr = label->boundingRect();
        const QPointF mid = path.pointAtPercent(0.5);
        label->setPos(mid - QPointF(lr.width() / 2, lr.height() / 2));
        auto *backing = new QGraphicsRectItem(lr.adjusted(-2, 0, 2, 0), m_root);
        QColor back = base;
        back.setAlphaF(0.85);
        backing->setBrush(back);
        backing->setPen(Qt::NoPen);
        backing->setPos(label->pos());
        backing->setZValue(2.5);
        label->setZValue(3);
        m_edgeLabels.insert(e.key(), label);
    }

    for (const sg::Node &n : std::as_const(m_graph.nodes)) {
        const auto rect = m_layout.nodes.constFind(n.id);
        if (rect == m_layout.nodes.cend())
            continue;
        const StatusTone tone = toneOf(n.health);
        QPainterPath box;
        box.addRoundedRect(QRectF(QPointF(0, 0), rect->size()), 6, 6);
        auto *item = new QGraphicsPathItem(box, m_root);
        item->setPos(rect->topLeft());
        QPen pen(StatusPalette::color(tone), 2);
        if (n.isDead || n.isIdle)
            pen.setStyle(Qt::DashLine);
        item->setPen(pen);
        item->setBrush(n.health == sg::Health::NoTraffic ? base : StatusPalette::soft(tone));
        item->setData(IdData, n.id);
        item->setData(RoleData, QStringLiteral("node"));
        item->setData(ToneData, int(tone));
        item->setZValue(2);
        item->setCursor(Qt::PointingHandCursor);
        QStringList tip{n.label(), n.namespaceName, sg::healthName(n.health)};
        if (n.inboundRps > 0)
            tip << tr("in %1").arg(models::formatValue(n.inboundRps, QStringLiteral("reqps")));
        if (n.outboundRps > 0)
            tip << tr("out %1").arg(models::formatValue(n.outboundRps, QStringLiteral("reqps")));
        item->setToolTip(tip.join(QLatin1Char('\n')));

        // The kind marker: a letter in a small tile of the tone's fill.
        const double h = rect->height();
        auto *marker = new QGraphicsPathItem(item);
        QPainterPath m;
        m.addEllipse(QRectF(5, h / 2 - 8, 16, 16));
        marker->setPath(m);
        marker->setPen(Qt::NoPen);
        marker->setBrush(StatusPalette::fill(tone));
        auto *letter = new QGraphicsSimpleTextItem(kindMarker(n.kind), marker);
        letter->setFont(small);
        letter->setBrush(StatusPalette::onFill(tone));
        const QRectF lb = letter->boundingRect();
        letter->setPos(13 - lb.width() / 2, h / 2 - lb.height() / 2);

        auto *name = new QGraphicsSimpleTextItem(n.label(), item);
        name->setFont(bold);
        name->setBrush(text);
        name->setPos(24, 3);
        QStringList second;
        if (!n.namespaceName.isEmpty())
            second << n.namespaceName;
        if (n.isRoot)
            second << tr("root");
        if (n.isDead)
            second << tr("dead");
        else if (n.isIdle)
            second << tr("idle");
        if (n.isOutsideMesh)
            second << tr("outside mesh");
        auto *ns = new QGraphicsSimpleTextItem(second.join(QStringLiteral(" · ")), item);
        ns->setFont(small);
        ns->setBrush(n.isDead || n.isIdle ? muted : text);
        ns->setPos(24, h / 2 + 1);
        // Text wider than graphviz's estimate widens the box rather than spilling out of it.
        const double need = 30 + std::max(name->boundingRect().width(), ns->boundingRect().width());
        if (need > rect->width()) {
            QPainterPath wide;
            wide.addRoundedRect(QRectF(-(need - rect->width()) / 2, 0, need, h), 6, 6);
            item->setPath(wide);
            const double shift = -(need - rect->width()) / 2;
            marker->setPos(shift, 0);
            name->setPos(24 + shift, 3);
            ns->setPos(24 + shift, h / 2 + 1);
        }
        if (n.isRoot) {
            // A traffic generator: a bar on its left edge, as Kiali marks roots.
            auto *bar = new QGraphicsPathItem(item);
            QPainterPath b;
            b.moveTo(item->path().boundingRect().left() - 4, 4);
            b.lineTo(item->path().boundingRect().left() - 4, h - 4);
            bar->setPath(b);
            bar->setPen(QPen(StatusPalette::color(tone), 3));
        }
        m_nodeItems.insert(n.id, item);
    }

    m_scene->setSceneRect(m_scene->itemsBoundingRect().adjusted(-40, -40, 40, 40));
    setProblem(m_problem->isVisible() ? m_problemText : QString());
    applyHighlight();
    if (m_fitPending) {
        m_fitPending = false;
        m_canvas->fit();
    }
    int healthy = 0, degraded = 0, failing = 0;
    for (const sg::Edge &e : std::as_const(m_graph.edges)) {
        healthy += e.health == sg::Health::Healthy;
        degraded += e.health == sg::Health::Degraded;
        failing += e.health == sg::Health::Failure;
    }
    QString cluster = tr("%1 workloads listed").arg(m_inventory.workloads.size());
    if (!m_inventoryProblem.isEmpty())
        cluster = tr("cluster lists: %1 — dead and idle nodes not judged").arg(m_inventoryProblem);
    else if (!m_inventoryArrived)
        cluster = tr("cluster lists not read yet");
    m_summary->setText(tr("%1 nodes, %2 edges (%3 healthy, %4 degraded, %5 failing) · %8 · built in %6 ms, laid out in %7 ms")
                           .arg(m_graph.nodes.size())
                           .arg(m_graph.edges.size())
                           .arg(healthy)
                           .arg(degraded)
                           .arg(failing)
                           .arg(m_lastBuildMs)
                           .arg(m_layout.elapsedMs)
                           .arg(cluster));
    Q_EMIT graphDrawn();
}

void ServiceGraphView::applyHighlight()
{
    const QStringList needles = words(m_find->text());
    const QColor highlight = palette().color(QPalette::Highlight);
    for (auto it = m_nodeItems.cbegin(); it != m_nodeItems.cend(); ++it) {
        const sg::Node *n = m_graph.node(it.key());
        const bool on = n && !needles.isEmpty() && matches(*n, needles);
        QGraphicsPathItem *item = it.value();
        const StatusTone tone = StatusTone(item->data(ToneData).toInt());
        QPen pen = item->pen();
        pen.setColor(on ? highlight : StatusPalette::color(tone));
        pen.setWidthF(on ? 4 : 2);
        item->setPen(pen);
        item->setData(HighlightData, on);
    }
}

}  // namespace pilothouse::widgets
