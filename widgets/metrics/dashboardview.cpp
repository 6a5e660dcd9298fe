// The Metrics page.
#include "metrics/dashboardview.h"

#include "metrics/panelwidget.h"
#include "style/statuspalette.h"

#include <QComboBox>
#include <QEvent>
#include <QFile>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using namespace backends::dashboards;
using models::TimeRange;

namespace {

constexpr int kRowUnitPx = 30;  // Grafana's grid: a height unit is 30 px
constexpr int kGap = 6;

}  // namespace

DashboardView::DashboardView(backends::prometheus::PrometheusClient *client, QWidget *parent)
    : shell::Page(parent), m_runner(new models::DashboardRunner(client, this))
{
    setWindowTitle(tr("Metrics"));
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::PlainText);
    QFont f = m_title->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.2);
    m_title->setFont(f);
    bar->addWidget(m_title);
    m_variableBar = new QWidget(this);
    new QHBoxLayout(m_variableBar);
    m_variableBar->layout()->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_variableBar, 1);
    m_back = new QPushButton(tr("Back"), this);
    m_back->setToolTip(tr("The time range before the last zoom or pick"));
    m_range = new QComboBox(this);
    m_range->setObjectName(QStringLiteral("timeRange"));
    m_range->setMinimumContentsLength(18);
    for (const TimeRange &r : models::timeRangePresets())
        m_range->addItem(r.label(), QVariant::fromValue(r.from));
    m_refresh = new QComboBox(this);
    m_refresh->setObjectName(QStringLiteral("refreshInterval"));
    for (const char *r : {"off", "5s", "10s", "30s", "1m"})
        m_refresh->addItem(QLatin1String(r) == QLatin1String("off") ? tr("Refresh: off") : tr("Every %1").arg(QLatin1String(r)), QLatin1String(r));
    m_reload = new QPushButton(tr("Refresh"), this);
    bar->addWidget(m_back);
    bar->addWidget(m_range);
    bar->addWidget(m_refresh);
    bar->addWidget(m_reload);
    layout->addLayout(bar);
    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("metricsProblem"));
    m_problem->setTextFormat(Qt::PlainText);
    m_problem->setWordWrap(true);
    QPalette p = m_problem->palette();
    p.setColor(QPalette::WindowText, StatusPalette::color(models::StatusTone::Bad));
    m_problem->setPalette(p);
    m_problem->hide();
    layout->addWidget(m_problem);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(false);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_canvas = new QWidget;
    m_scroll->setWidget(m_canvas);
    // The grid follows the viewport's width (known only after the page is laid out).
    m_scroll->viewport()->installEventFilter(this);
    layout->addWidget(m_scroll, 1);

    connect(m_range, &QComboBox::activated, this, [this](int i) {
        if (i < models::timeRangePresets().size())
            m_runner->setTimeRange(models::timeRangePresets().at(i));
    });
    connect(m_back, &QPushButton::clicked, m_runner, &models::DashboardRunner::back);
    connect(m_refresh, &QComboBox::activated, this, [this](int i) { m_runner->setRefreshInterval(m_refresh->itemData(i).toString()); });
    connect(m_reload, &QPushButton::clicked, m_runner, &models::DashboardRunner::refresh);
    connect(m_runner, &models::DashboardRunner::timeRangeChanged, this, &DashboardView::fillTimeRange);
    connect(m_runner, &models::DashboardRunner::variablesChanged, this, &DashboardView::fillVariables);
    connect(m_runner, &models::DashboardRunner::panelChanged, this, [this](int id) {
        if (PanelWidget *w = m_panels.value(id))
            w->setData(m_runner->panelData(id));
    });
    connect(m_runner, &models::DashboardRunner::problemChanged, this, [this](const QString &problem) {
        m_problem->setText(problem.isEmpty() ? QString() : tr("Prometheus: %1 — the panels show the last values they had").arg(problem));
        m_problem->setVisible(!problem.isEmpty());
        Q_EMIT statusMessage(problem.isEmpty() ? QString() : tr("Metrics: %1").arg(problem));
    });
}

void DashboardView::showDashboard(const Dashboard &dashboard)
{
    m_runner->setDashboard(dashboard);
    m_title->setText(dashboard.title);
    setWindowTitle(dashboard.title.isEmpty() ? tr("Metrics") : dashboard.title);
    m_openRows.clear();
    for (const Panel &p : dashboard.panels)
        if (p.kind == Panel::Kind::Row && !p.collapsed)
            m_openRows.insert(p.id);
    buildPanels();
    const int refresh = m_refresh->findData(dashboard.refresh.isEmpty() ? QStringLiteral("off") : dashboard.refresh);
    m_refresh->setCurrentIndex(std::max(0, refresh));
    if (!m_unconfigured.isEmpty()) {
        m_runner->setRefreshInterval(QStringLiteral("off"));
        return;
    }
    m_runner->refresh();
}

void DashboardView::setUnconfigured(const QString &reason)
{
    m_unconfigured = reason;
    m_problem->setText(reason);
    m_problem->setVisible(!reason.isEmpty());
    for (QWidget *w : {static_cast<QWidget *>(m_range), static_cast<QWidget *>(m_refresh), static_cast<QWidget *>(m_reload)})
        w->setEnabled(reason.isEmpty());
}

bool DashboardView::openFile(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        const QString why = tr("cannot read %1: %2").arg(path, f.errorString());
        if (error)
            *error = why;
        m_problem->setText(why);
        m_problem->show();
        return false;
    }
    const auto d = parseDashboard(f.readAll());
    if (!d.ok()) {
        const QString why = tr("%1: %2").arg(path, d.error().message);
        if (error)
            *error = why;
        m_problem->setText(why);
        m_problem->show();
        return false;
    }
    showDashboard(d.value());
    return true;
}

void DashboardView::reopen(const QVariantMap &args)
{
    const QString file = args.value(QStringLiteral("file")).toString();
    if (!file.isEmpty())
        openFile(file);
}

QList<PanelWidget *> DashboardView::panels() const
{
    return m_panels.values();
}

QString DashboardView::problemText() const
{
    return m_problem->isVisible() ? m_problem->text() : QString();
}

void DashboardView::buildPanels()
{
    qDeleteAll(m_panels);
    m_panels.clear();
    qDeleteAll(m_rows);
    m_rows.clear();
    const auto add = [this](const Panel &p) {
        PanelWidget *w = PanelWidget::create(p, m_canvas);
        connect(w, &PanelWidget::crosshairMoved, this, [this](qint64 ms) {
            for (PanelWidget *other : std::as_const(m_panels))
                other->setCrosshair(ms);
        });
        connect(w, &PanelWidget::zoomRequested, m_runner, &models::DashboardRunner::zoom);
        m_panels.insert(p.id, w);
    };
    for (const Panel &p : m_runner->dashboard().panels) {
        if (p.kind != Panel::Kind::Row) {
            add(p);
            continue;
        }
        auto *row = new QPushButton(m_canvas);
        row->setFlat(true);
        row->setStyleSheet(QStringLiteral("text-align: left; font-weight: bold;"));
        m_rows.insert(p.id, row);
        const int id = p.id;
        const QString title = p.title;
        const auto label = [this, id, title, row] {
            row->setText((m_openRows.contains(id) ? QStringLiteral("▾ ") : QStringLiteral("▸ ")) + title);
        };
        label();
        connect(row, &QPushButton::clicked, this, [this, id, label] {
            const bool open = !m_openRows.contains(id);
            if (open)
                m_openRows.insert(id);
            else
                m_openRows.remove(id);
            label();
            m_runner->setRowOpen(id, open);
            layoutPanels();
        });
        for (const Panel &child : p.panels)
            add(child);
    }
    layoutPanels();
}

void DashboardView::layoutPanels()
{
    const int width = std::max(600, m_scroll->viewport()->width() - 2);
    const double column = width / 24.0;
    m_runner->setColumnWidth(static_cast<int>(column));
    // Rows: a collapsed row's panels are hidden and what follows moves up by their height.
    int shift = 0, bottom = 0;
    for (const Panel &p : m_runner->dashboard().panels) {
        const QRect cell(static_cast<int>(p.grid.x * column), (p.grid.y - shift) * kRowUnitPx, static_cast<int>(p.grid.w * column) - kGap,
                         p.grid.h * kRowUnitPx - kGap);
        if (p.kind == Panel::Kind::Row) {
            QPushButton *row = m_rows.value(p.id);
            row->setGeometry(0, (p.grid.y - shift) * kRowUnitPx, width, kRowUnitPx - 4);
            row->show();
            bottom = std::max(bottom, row->geometry().bottom());
            const bool open = m_openRows.contains(p.id);
            int height = 0;
            for (const Panel &child : p.panels) {
                PanelWidget *w = m_panels.value(child.id);
                if (!open) {
                    w->hide();
                    continue;
                }
                // An opened collapsed row pushes the panels below it down by its panels' height.
                const QRect c(static_cast<int>(child.grid.x * column), (p.grid.y + 1 - shift) * kRowUnitPx + (child.grid.y - p.grid.y - 1) * kRowUnitPx,
                              static_cast<int>(child.grid.w * column) - kGap, child.grid.h * kRowUnitPx - kGap);
                w->setGeometry(c);
                w->show();
                height = std::max(height, child.grid.y - p.grid.y - 1 + child.grid.h);
                bottom = std::max(bottom, c.bottom());
            }
            if (open && p.collapsed)
                shift -= height;
            continue;
        }
        if (PanelWidget *w = m_panels.value(p.id)) {
            w->setGeometry(cell);
            w->show();
            bottom = std::max(bottom, cell.bottom());
        }
    }
    m_canvas->resize(width, bottom + kGap);
}

void DashboardView::resizeEvent(QResizeEvent *event)
{
    shell::Page::resizeEvent(event);
    layoutPanels();
}

bool DashboardView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_scroll->viewport() && event->type() == QEvent::Resize && m_canvas->width() != std::max(600, m_scroll->viewport()->width() - 2))
        layoutPanels();
    return shell::Page::eventFilter(watched, event);
}

void DashboardView::fillVariables()
{
    QLayout *l = m_variableBar->layout();
    for (const Variable &v : m_runner->dashboard().variables) {
        if (v.hidden || v.kind == Variable::Kind::Datasource || v.kind == Variable::Kind::Constant)
            continue;
        QComboBox *combo = m_variables.value(v.name);
        if (!combo) {
            auto *label = new QLabel(v.label.isEmpty() ? v.name : v.label, m_variableBar);
            combo = new QComboBox(m_variableBar);
            combo->setObjectName(QStringLiteral("var:") + v.name);
            combo->setMinimumContentsLength(12);
            l->addWidget(label);
            l->addWidget(combo);
            m_variables.insert(v.name, combo);
            const QString name = v.name;
            connect(combo, &QComboBox::activated, this, [this, name, combo](int i) {
                m_runner->setVariableValue(name, {combo->itemData(i).toString()});
            });
        }
        QSignalBlocker block(combo);
        combo->clear();
        if (v.includeAll)
            combo->addItem(tr("All"), QStringLiteral("$__all"));
        for (const QString &o : m_runner->variableOptions(v.name))
            combo->addItem(o, o);
        const QStringList chosen = m_runner->variableValue(v.name);
        const int at = combo->findData(chosen.value(0));
        combo->setCurrentIndex(std::max(0, at));
    }
    static_cast<QHBoxLayout *>(l)->addStretch(0);
}

void DashboardView::fillTimeRange()
{
    const TimeRange &r = m_runner->timeRanges().current();
    int at = -1;
    const auto presets = models::timeRangePresets();
    for (int i = 0; i < presets.size(); ++i)
        if (presets[i] == r)
            at = i;
    // An absolute or unusual range is shown as an extra entry.
    while (m_range->count() > presets.size())
        m_range->removeItem(m_range->count() - 1);
    if (at < 0) {
        m_range->addItem(r.label());
        at = m_range->count() - 1;
    }
    m_range->setCurrentIndex(at);
    m_back->setEnabled(m_runner->timeRanges().canGoBack());
}

}  // namespace pilothouse::widgets
