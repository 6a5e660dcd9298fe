// A Jenkins job's runs × stages.
#include "pipelines/runmatrixview.h"

#include "jenkins/jobrunsloader.h"
#include "pipelines/runmatrixdelegate.h"
#include "pipelines/runmatrixmodel.h"

#include <QHeaderView>
#include <QIdentityProxyModel>
#include <QLabel>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using backends::jenkins::JobRunsLoader;
using models::RunMatrixModel;

namespace {

// Stage View's "Average stage times" as a second line of each stage's header.
class AverageHeaderProxy : public QIdentityProxyModel {
public:
    using QIdentityProxyModel::QIdentityProxyModel;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section > RunMatrixModel::RunColumn) {
            const QString name = sourceModel()->headerData(section, orientation, Qt::DisplayRole).toString();
            const qint64 avg = sourceModel()->headerData(section, orientation, RunMatrixModel::AverageDurationRole).toLongLong();
            return name + QLatin1Char('\n') + (avg >= 0 ? RunMatrixView::tr("avg %1").arg(RunMatrixModel::durationText(avg)) : QString());
        }
        if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section == RunMatrixModel::RunColumn)
            return RunMatrixView::tr("Run\naverage stage times");
        return QIdentityProxyModel::headerData(section, orientation, role);
    }
};

}  // namespace

RunMatrixView::RunMatrixView(backends::jenkins::JenkinsClient *client, QWidget *parent)
    : QWidget(parent),
      m_loader(new JobRunsLoader(client, this)),
      m_model(new RunMatrixModel(this)),
      m_table(new QTableView(this)),
      m_delegate(new RunMatrixDelegate(this)),
      m_message(new QLabel(this)),
      m_visibleTimer(new QTimer(this)),
      m_animation(new QTimer(this))
{
    setObjectName(QStringLiteral("runMatrixView"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_message->setObjectName(QStringLiteral("runMatrixMessage"));
    m_message->setWordWrap(true);
    m_message->hide();
    layout->addWidget(m_message);
    layout->addWidget(m_table);

    auto *proxy = new AverageHeaderProxy(this);
    proxy->setSourceModel(m_model);
    m_table->setObjectName(QStringLiteral("runMatrix"));
    m_table->setModel(proxy);
    m_table->setItemDelegate(m_delegate);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->verticalHeader()->hide();
    const int line = fontMetrics().height();
    // Fixed row heights: the view never measures a row, whatever the number of runs.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(2 * line + 10);
    m_table->horizontalHeader()->setDefaultSectionSize(8 * line);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->horizontalHeader()->setStretchLastSection(false);
    connect(m_model, &QAbstractItemModel::modelReset, this, [this, line] { m_table->setColumnWidth(RunMatrixModel::RunColumn, 17 * line); });
    m_table->setColumnWidth(RunMatrixModel::RunColumn, 17 * line);

    connect(m_loader, &JobRunsLoader::buildsChanged, this, [this](const QList<backends::jenkins::BuildInfo> &builds) {
        m_model->setBuilds(builds);
        // Before the loader picks what to describe: the rows now on screen go first.
        updateVisibleRows();
    });
    connect(m_loader, &JobRunsLoader::runDescribed, this, [this](const backends::jenkins::RunInfo &run) {
        m_model->setRun(run);
        if (!m_animation->isActive() && run.currentStage() >= 0)
            m_animation->start();
    });
    connect(m_loader, &JobRunsLoader::loadFailed, this, [this](const QString &message) {
        m_message->setText(message);
        m_message->show();
    });

    m_visibleTimer->setSingleShot(true);
    m_visibleTimer->setInterval(30);
    connect(m_visibleTimer, &QTimer::timeout, this, &RunMatrixView::updateVisibleRows);
    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, m_visibleTimer, qOverload<>(&QTimer::start));
    m_animation->setInterval(80);
    connect(m_animation, &QTimer::timeout, this, &RunMatrixView::animate);

    auto numberAt = [this](const QModelIndex &index) { return index.isValid() ? index.data(RunMatrixModel::NumberRole).toInt() : 0; };
    connect(m_table, &QAbstractItemView::activated, this, [this, numberAt](const QModelIndex &index) {
        if (const int n = numberAt(index))
            Q_EMIT runActivated(m_job, n);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this, numberAt](const QModelIndex &current) { Q_EMIT runSelected(m_job, numberAt(current)); });
}

RunMatrixView::~RunMatrixView() = default;

void RunMatrixView::setJob(const QStringList &job)
{
    m_job = job;
    m_message->hide();
    m_animation->stop();
    m_model->clearAll();
    m_table->setColumnWidth(RunMatrixModel::RunColumn, 17 * fontMetrics().height());
    m_loader->setJob(job);
}

void RunMatrixView::refresh()
{
    m_message->hide();
    m_loader->refresh();
}

std::pair<int, int> RunMatrixView::visibleRows() const
{
    const int rows = m_model->rowCount();
    if (rows == 0)
        return {-1, -1};
    const int first = std::max(0, m_table->rowAt(0));
    int last = m_table->rowAt(m_table->viewport()->height() - 1);
    if (last < 0)
        last = rows - 1;
    return {first, last};
}

bool RunMatrixView::animating() const { return m_animation->isActive(); }

QString RunMatrixView::message() const { return m_message->isVisible() ? m_message->text() : QString(); }

void RunMatrixView::updateVisibleRows()
{
    const auto [first, last] = visibleRows();
    if (first < 0)
        return;
    m_loader->setVisibleRows(first, last);
    // Near the end of what is loaded: the next page, so scrolling goes on into older runs.
    const int page = last - first + 1;
    if (last + page >= m_model->rowCount() && m_loader->canFetchMore())
        m_loader->fetchMore();
}

void RunMatrixView::animate()
{
    m_delegate->setFrame(m_delegate->frame() + 1);
    const auto [first, last] = visibleRows();
    bool running = false;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (!m_model->data(m_model->index(row, 0), RunMatrixModel::RunningRole).toBool())
            continue;
        running = true;
        if (row < first || row > last)
            continue;
        // Only the running cells of the rows on screen are repainted.
        for (int column = RunMatrixModel::ColumnCount; column < m_model->columnCount(); ++column)
            if (m_model->data(m_model->index(row, column), RunMatrixModel::RunningRole).toBool())
                m_table->viewport()->update(m_table->visualRect(m_table->model()->index(row, column)));
    }
    if (!running)
        m_animation->stop();
}

}  // namespace pilothouse::widgets
