// The log viewer widget: toolbar, terminal-like list, status line; streams owned here.
#include "resources/logview.h"

#include "actions/actionfacade.h"
#include "common/lineviewparts.h"
#include "common/tailfollower.h"
#include "kube/session/kubesession.h"
#include "resources/loglinedelegate.h"

#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace pilothouse::widgets {

using backends::kube::KubeClient;
using backends::kube::KubeSession;
using backends::workloads::LogStream;
using backends::workloads::WorkloadLogs;
using models::LogModel;

namespace {

QString seconds(qint64 retryAtMsecs)
{
    const qint64 left = std::max<qint64>(0, retryAtMsecs - QDateTime::currentMSecsSinceEpoch());
    return QStringLiteral("%1 s").arg((left + 999) / 1000);
}

QString selectorText(const QMap<QString, QString> &labels)
{
    QStringList parts;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it)
        parts << it.key() + QLatin1Char('=') + it.value();
    return parts.join(QLatin1Char(','));
}

QToolButton *toolButton(const QString &text, const QString &objectName, const QString &tip, bool checkable, QWidget *parent)
{
    auto *b = new QToolButton(parent);
    b->setText(text);
    b->setObjectName(objectName);
    b->setToolTip(tip);
    b->setCheckable(checkable);
    b->setAutoRaise(true);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return b;
}

}  // namespace

LogView::LogView(Mode mode, KubeClient *client, const QString &ns, const QString &target, QWidget *parent)
    : shell::Page(parent), m_mode(mode), m_client(client), m_ns(ns), m_target(target)
{
    setObjectName(QStringLiteral("logView"));
    m_tailLines = mode == Mode::Pod ? 1000 : 200;
    m_model = new LogModel(this);
    m_model->setMerged(mode == Mode::Workload);
    m_proxy = new models::LogFilterProxyModel(this);
    m_proxy->setLogModel(m_model);
    m_statusTimer.setInterval(1000);
    connect(&m_statusTimer, &QTimer::timeout, this, [this] {
        updateStatus();
        updateMatchLabel();
    });
    m_refreshSoon.setSingleShot(true);
    m_refreshSoon.setInterval(200);
    connect(&m_refreshSoon, &QTimer::timeout, this, [this] {
        updateStatus();
        updateMatchLabel();
    });
    m_searchTimer.setSingleShot(true);
    m_searchTimer.setInterval(150);
    connect(&m_searchTimer, &QTimer::timeout, this, [this] {
        m_model->setSearchText(m_searchEdit->text());
        updateMatchLabel();
    });
}

LogView::~LogView()
{
    // Streams before the model they feed.
    stopStreams();
}

LogView *LogView::forPod(KubeSession *session, const QString &ns, const QString &pod, const QStringList &containers, QWidget *parent)
{
    if (!session || !session->client())
        return nullptr;
    auto *v = new LogView(Mode::Pod, session->client(), ns, pod, parent);
    v->m_containers = containers;
    v->followSession(session);
    v->buildUi();
    v->setWindowTitle(tr("Logs: %1/%2").arg(ns, pod));
    v->startStreams();
    return v;
}

LogView *LogView::forWorkload(KubeSession *session, const QString &ns, const QString &workload, const Labels &matchLabels, QWidget *parent)
{
    if (!session || !session->client())
        return nullptr;
    auto *v = new LogView(Mode::Workload, session->client(), ns, workload, parent);
    v->m_selector = matchLabels;
    v->followSession(session);
    v->buildUi();
    v->setWindowTitle(tr("Logs: %1/%2 (all pods)").arg(ns, workload));
    v->startStreams();
    return v;
}

LogView *LogView::forPodObject(KubeSession *session, const backends::kube::KubeObjectPtr &pod, QWidget *parent)
{
    if (!pod)
        return nullptr;
    // The browser's pods are summaries: their containers are in the summary.
    const QStringList containers = pod->hasJson() ? WorkloadLogs::containersOf(pod->json())
                                   : pod->pod()  ? pod->pod()->containers
                                                 : QStringList();
    return forPod(session, pod->ns, pod->name, containers, parent);
}

LogView *LogView::forWorkloadObject(KubeSession *session, const backends::kube::KubeObjectPtr &workload, QWidget *parent)
{
    if (!workload)
        return nullptr;
    return forWorkload(session, workload->ns, workload->name, WorkloadLogs::matchLabelsOf(workload->json()), parent);
}

void LogView::followSession(KubeSession *session)
{
    m_session = session;
    // The session replaces its client on a context switch, a reconnect and on disconnect; the
    // streams cancel through it while it is still whole.
    if (auto *client = session->client())
        connect(client, &KubeClient::aboutToBeDestroyed, this, [this] {
            stop(tr("disconnected: the console switched context, reconnected or disconnected"));
        });
}

void LogView::buildUi()
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);

    auto *bar = new QHBoxLayout;
    bar->setSpacing(2);
    m_containerPicker = new QComboBox(this);
    m_containerPicker->setObjectName(QStringLiteral("logContainerPicker"));
    m_containerPicker->setToolTip(tr("Container"));
    m_containerPicker->addItems(m_containers);
    m_containerPicker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    bar->addWidget(m_containerPicker);
    m_containerPicker->setVisible(m_mode == Mode::Pod);
    m_containerPicker->setEnabled(m_containers.size() > 1);

    m_followButton = toolButton(tr("Follow"), QStringLiteral("logFollow"), tr("Keep the newest line in view (scrolling up pauses it; End resumes)"),
                                true, this);
    m_followButton->setChecked(true);
    m_timestampsButton = toolButton(tr("Timestamps"), QStringLiteral("logTimestamps"), tr("Show the kubelet's timestamp of each line (UTC)"), true, this);
    m_previousButton = toolButton(tr("Previous"), QStringLiteral("logPrevious"),
                                  tr("The log of the previous instance of the container (before its last restart)"), true, this);
    m_previousButton->setVisible(m_mode == Mode::Pod);
    bar->addWidget(m_followButton);
    bar->addWidget(m_timestampsButton);
    bar->addWidget(m_previousButton);
    bar->addStretch(1);

    const FindBar find = addFindBar(bar, this, QStringLiteral("log"), tr("Search (Ctrl+F)"));
    m_searchEdit = find.edit;
    m_prevButton = find.previous;
    m_nextButton = find.next;
    m_matchLabel = find.count;
    m_onlyMatchingButton = toolButton(tr("Only matching"), QStringLiteral("logOnlyMatching"), tr("Show only the lines that match the search"), true, this);
    m_clearButton = toolButton(tr("Clear"), QStringLiteral("logClear"), tr("Forget the lines shown so far (the stream goes on)"), false, this);
    bar->addWidget(m_onlyMatchingButton);
    bar->addSpacing(8);
    bar->addWidget(m_clearButton);
    layout->addLayout(bar);

    m_list = newLineList(this, QStringLiteral("logList"));
    m_list->setModel(m_proxy);
    m_delegate = new LogLineDelegate(m_model, m_list);
    m_list->setItemDelegate(m_delegate);
    m_tail = new TailFollower(m_list, m_followButton);
    layout->addWidget(m_list, 1);

    m_statusLabel = newStatusLine(this, QStringLiteral("logStatus"));
    layout->addWidget(m_statusLabel);

    // The ring buffer dropped lines above the ones being read.
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, [this](const QModelIndex &, int first, int last) {
        if (first == 0)
            m_tail->shiftRows(-(last + 1));
    });
    // Line counts and the match count follow the model, at most a few times a second (a busy
    // log changes them on every batch).
    auto soon = [this] {
        if (!m_refreshSoon.isActive())
            m_refreshSoon.start();
    };
    connect(m_model, &LogModel::matchCountChanged, this, soon);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, soon);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, soon);
    connect(m_model, &QAbstractItemModel::modelReset, this, soon);

    connect(m_containerPicker, &QComboBox::currentIndexChanged, this, [this] { restart(); });
    connect(m_timestampsButton, &QToolButton::toggled, this, [this](bool on) {
        m_model->setShowTimestamps(on);
        // The row width includes the timestamp column: lay the rows out again.
        m_list->doItemsLayout();
    });
    connect(m_previousButton, &QToolButton::toggled, this, [this] { restart(); });
    connect(m_onlyMatchingButton, &QToolButton::toggled, this, [this](bool on) {
        m_proxy->setOnlyMatching(on);
        if (m_tail->isFollowing())
            m_list->scrollToBottom();
    });
    connect(m_clearButton, &QToolButton::clicked, this, [this] {
        m_model->clear();
        updateStatus();
        updateMatchLabel();
    });

    connectFindBar(this, find, &m_searchTimer, [this] { findNext(); }, [this] { findPrevious(); }, [this] { copySelection(); });

    m_statusTimer.start();
}

void LogView::setCapacity(int lines)
{
    m_model->setCapacity(lines);
    updateStatus();
}

int LogView::capacity() const { return m_model->capacity(); }

void LogView::setBackoff(int initialMs, int maxMs)
{
    m_backoffInitialMs = initialMs;
    m_backoffMaxMs = maxMs;
    if (m_stream)
        m_stream->setBackoff(initialMs, maxMs);
    if (m_workload)
        m_workload->setBackoff(initialMs, maxMs);
}

void LogView::startStreams()
{
    stopStreams();
    m_stoppedReason.clear();
    if (!m_client) {
        m_stoppedReason = tr("not connected to a cluster");
        updateStatus();
        return;
    }
    if (m_mode == Mode::Pod) {
        const QString container = m_containerPicker->currentText();
        m_stream = new LogStream(m_client.data(), m_ns, m_target, container, this);
        m_stream->setTailLines(m_tailLines);
        m_stream->setBackoff(m_backoffInitialMs, m_backoffMaxMs);
        m_stream->setPrevious(m_previousButton->isChecked());
        connect(m_stream, &LogStream::linesReceived, m_model, &LogModel::appendLines);
        connect(m_stream, &LogStream::stateChanged, this, &LogView::updateStatus);
        m_stream->start();
    } else {
        m_workload = new WorkloadLogs(m_session.data(), m_ns, m_selector, this);
        m_workload->setTailLines(m_tailLines);
        m_workload->setBackoff(m_backoffInitialMs, m_backoffMaxMs);
        connect(m_workload, &WorkloadLogs::linesReceived, m_model, &LogModel::appendLines);
        connect(m_workload, &WorkloadLogs::streamsChanged, this, &LogView::updateStatus);
        connect(m_workload, &WorkloadLogs::podsChanged, this, &LogView::updateStatus);
        m_workload->start();
    }
    updateStatus();
}

void LogView::stopStreams()
{
    // stop() first: its last lines still reach the model; then nothing more can arrive.
    if (m_stream) {
        LogStream *s = std::exchange(m_stream, nullptr);
        s->stop();
        s->disconnect(this);
        s->disconnect(m_model);
        s->deleteLater();
    }
    if (m_workload) {
        WorkloadLogs *w = std::exchange(m_workload, nullptr);
        w->stop();
        w->disconnect(this);
        w->disconnect(m_model);
        w->deleteLater();
    }
}

void LogView::stop(const QString &reason)
{
    stopStreams();
    m_model->flush();
    m_stoppedReason = reason.isEmpty() ? tr("stopped") : reason;
    updateStatus();
}

void LogView::restart()
{
    stopStreams();
    // Another container or instance: the lines shown so far belong to something else.
    m_model->clear();
    startStreams();
}

bool LogView::isFollowing() const { return m_tail && m_tail->isFollowing(); }

void LogView::setFollow(bool follow)
{
    if (m_tail)
        m_tail->setFollow(follow);
}

void LogView::findNext()
{
    if (m_searchTimer.isActive()) {
        m_searchTimer.stop();
        m_model->setSearchText(m_searchEdit->text());
    }
    const QModelIndex current = m_proxy->mapToSource(m_list->currentIndex());
    jumpTo(m_model->findNext(current.isValid() ? current.row() : -1));
}

void LogView::findPrevious()
{
    if (m_searchTimer.isActive()) {
        m_searchTimer.stop();
        m_model->setSearchText(m_searchEdit->text());
    }
    const QModelIndex current = m_proxy->mapToSource(m_list->currentIndex());
    jumpTo(m_model->findPrevious(current.isValid() ? current.row() : -1));
}

void LogView::jumpTo(int sourceRow)
{
    if (sourceRow < 0) {
        updateMatchLabel();
        return;
    }
    // Reading a match: the end must not pull the view away.
    setFollow(false);
    const QModelIndex idx = m_proxy->mapFromSource(m_model->index(sourceRow));
    m_list->setCurrentIndex(idx);
    m_list->scrollTo(idx, QAbstractItemView::PositionAtCenter);
    updateMatchLabel();
}

void LogView::updateMatchLabel()
{
    if (!m_matchLabel)
        return;
    const QModelIndex current = m_proxy->mapToSource(m_list->currentIndex());
    m_matchLabel->setText(matchCountText(!m_model->searchText().isEmpty(), current.isValid() ? m_model->matchOrdinal(current.row()) : 0,
                                         m_model->matchCount()));
}

QString LogView::podStatus() const
{
    if (!m_stream)
        return m_stoppedReason.isEmpty() ? tr("idle") : m_stoppedReason;
    const QString what = m_stream->container().isEmpty() ? m_target : tr("%1 (%2)").arg(m_target, m_stream->container());
    const QString detail = m_stream->detail();
    switch (m_stream->state()) {
    case LogStream::State::Idle:
        return m_stoppedReason.isEmpty() ? tr("idle") : tr("stopped: %1").arg(m_stoppedReason);
    case LogStream::State::Connecting:
        return tr("connecting to %1…").arg(what);
    case LogStream::State::Streaming:
        return m_stream->previous() ? tr("reading the previous instance of %1").arg(what) : tr("streaming %1").arg(what);
    case LogStream::State::Waiting:
        return tr("waiting: %1; retrying in %2").arg(detail, seconds(m_stream->retryAtMsecs()));
    case LogStream::State::Reconnecting:
        return m_stream->retryAtMsecs() ? tr("reconnecting in %1: %2").arg(seconds(m_stream->retryAtMsecs()), detail)
                                        : tr("reconnecting: %1").arg(detail);
    case LogStream::State::Ended:
        return tr("ended: %1").arg(detail);
    }
    return {};
}

QString LogView::workloadStatus() const
{
    if (!m_workload)
        return m_stoppedReason.isEmpty() ? tr("idle") : m_stoppedReason;
    using IS = backends::kube::Informer::State;
    const IS watch = m_workload->podWatchState();
    if (watch == IS::Failed)
        return tr("ended: %1").arg(m_workload->podWatchDetail());
    if (!m_workload->podsSynced())
        return watch == IS::Backoff ? tr("listing pods of %1, retrying: %2").arg(m_target, m_workload->podWatchDetail())
                                    : tr("listing pods of %1…").arg(m_target);
    const QStringList pods = m_workload->pods();
    const QList<WorkloadLogs::StreamInfo> streams = m_workload->streams();
    if (pods.isEmpty())
        return tr("no pods match %1 yet; watching").arg(selectorText(m_selector));
    int streaming = 0;
    QStringList issues;
    for (const auto &s : streams) {
        const QString who = s.pod + QLatin1Char('/') + s.container;
        switch (s.state) {
        case LogStream::State::Streaming:
        case LogStream::State::Connecting:
        case LogStream::State::Idle:
            ++streaming;
            break;
        case LogStream::State::Waiting:
            issues << tr("%1 waiting, retry in %2").arg(who, seconds(s.retryAtMsecs));
            break;
        case LogStream::State::Reconnecting:
            issues << (s.retryAtMsecs ? tr("%1 reconnecting in %2 (%3)").arg(who, seconds(s.retryAtMsecs), s.detail)
                                      : tr("%1 reconnecting (%2)").arg(who, s.detail));
            break;
        case LogStream::State::Ended:
            issues << tr("%1 ended: %2").arg(who, s.detail);
            break;
        }
    }
    const int started = static_cast<int>(streams.size());
    // English plurals by hand: no translator is installed to resolve %n forms.
    const QString podsText = pods.size() == 1 ? tr("1 pod") : tr("%1 pods").arg(pods.size());
    QString text = streaming == started ? tr("streaming %1").arg(podsText)
                                        : tr("streaming %1 of %2 containers in %3").arg(streaming).arg(started).arg(podsText);
    if (started < pods.size())
        text += tr(", %1 not started yet").arg(pods.size() - started);
    if (watch == IS::Backoff)
        issues.prepend(tr("pod watch reconnecting: %1").arg(m_workload->podWatchDetail()));
    if (!issues.isEmpty())
        text += QStringLiteral(" · ") + issues.mid(0, 2).join(QStringLiteral(" · "))
                + (issues.size() > 2 ? tr(" · %1 more").arg(issues.size() - 2) : QString());
    return text;
}

QString LogView::statusText() const
{
    QString text = m_mode == Mode::Pod ? podStatus() : workloadStatus();
    const QLocale locale;
    text += QStringLiteral(" · ") + tr("%1 lines").arg(locale.toString(m_model->rowCount()));
    if (m_model->droppedLines() > 0)
        text += tr(" (%1 older dropped, keeping %2)").arg(locale.toString(m_model->droppedLines()), locale.toString(m_model->capacity()));
    return text;
}

void LogView::updateStatus()
{
    if (!m_statusLabel)
        return;
    const QString text = statusText();
    if (text == m_lastStatus)
        return;
    m_lastStatus = text;
    m_statusLabel->setText(text);
    m_statusLabel->setToolTip(text);
    Q_EMIT statusChanged(text);
}

void LogView::copySelection() { copyLines(m_list, Qt::DisplayRole); }

void LogView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Escape && m_searchEdit->hasFocus() && !m_searchEdit->text().isEmpty()) {
        m_searchEdit->clear();
        return;
    }
    QWidget::keyPressEvent(event);
}

}  // namespace pilothouse::widgets
