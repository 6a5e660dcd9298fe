// Rollouts and Deployments live, blue/green or stable/canary side by side, promote and rollback.
#include "delivery/rolloutsview.h"

#include "common/treeexpander.h"
#include "delivery/analysisrunmodel.h"
#include "delivery/rolloutlistmodel.h"
#include "delivery/rolloutrevisionmodel.h"
#include "resources/podtileswidget.h"
#include "rollouts/rolloutwatch.h"
#include "shell/actionrunner.h"
#include "style/statuspalette.h"
#include "style/theme.h"
#include "actions/sessionactions.h"

#include <QAction>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace pilothouse::widgets {

using namespace backends::rollouts;
using backends::actions::Outcome;
using models::AnalysisRunModel;
using models::RolloutListModel;
using models::RolloutRevisionModel;

namespace {

QString shortImages(const QStringList &images) { return RolloutListModel::shortImages(images); }

QString revisionText(const RevisionInfo &r, const QDateTime &now)
{
    QStringList lines;
    lines << r.label();
    lines << QObject::tr("Images: %1").arg(r.images.join(QStringLiteral(", ")));
    lines << QObject::tr("Pods: %1/%2 ready · ReplicaSet %3 · %4").arg(r.readyPods()).arg(r.pods.isEmpty() ? r.replicas : r.pods.size()).arg(r.name, r.health);
    if (r.scaleDownDeadline.isValid())
        lines << QObject::tr("Scales down: %1").arg(RolloutRevisionModel::scaleDownText(r.scaleDownDeadline, now));
    return lines.join(QLatin1Char('\n'));
}

bool scalesDownLater(const RevisionInfo &r, const QDateTime &now) { return r.scaleDownDeadline.isValid() && r.scaleDownDeadline > now; }

// As tall as its rows shown (expanded children included), between minRows and maxRows: the
// detail pane is not a column of half-empty boxes, and the list above keeps its room.
void fitToRows(QTreeView *view, int minRows, int maxRows)
{
    int rows = 0;
    for (QModelIndex i = view->model()->index(0, 0); i.isValid() && rows < maxRows; i = view->indexBelow(i))
        ++rows;
    const int rowHeight = std::max(view->sizeHintForRow(0), view->fontMetrics().height() + 4);
    int height = view->header()->sizeHint().height() + std::clamp(rows, minRows, maxRows) * rowHeight + 2 * view->frameWidth() + 2;
    if (view->header()->length() > view->viewport()->width())
        height += view->horizontalScrollBar()->sizeHint().height();
    view->setFixedHeight(height);
}

}  // namespace

RolloutsView::RolloutsView(backends::kube::KubeSession *session, QWidget *parent)
    : shell::Page(parent), m_session(session), m_context(session ? session->contextName() : QString())
{
    setObjectName(QStringLiteral("rolloutsView"));
    m_watch = new RolloutWatch(this);
    m_runner = new shell::ActionRunner(this, this);
    m_runner->setSession(session);

    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(6, 6, 6, 6);
    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("rolloutsProblem"));
    m_problem->setWordWrap(true);
    m_problem->setTextFormat(Qt::PlainText);
    Theme::setTextRole(m_problem, Theme::Role::Danger);
    m_problem->hide();
    outer->addWidget(m_problem);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    outer->addWidget(splitter, 1);

    m_listModel = new RolloutListModel(this);
    m_historyModel = new RolloutRevisionModel(this);
    m_analysisModel = new AnalysisRunModel(this);

    m_list = new QTreeView(splitter);
    m_list->setObjectName(QStringLiteral("rolloutList"));
    m_list->setModel(m_listModel);
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // Columns fit the rows on screen only: measuring every row's text on each change was 91 % of
    // the GUI thread with 2,000 rows changing (bench/bench_busy, 1.4 s per update).
    m_list->header()->setResizeContentsPrecision(0);
    m_list->header()->setStretchLastSection(true);
    m_list->setItemDelegateForColumn(RolloutListModel::StatusColumn, new StatusDelegate(m_list));
    connect(m_list->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RolloutsView::onSelectionChanged);

    auto *scroll = new QScrollArea(splitter);
    scroll->setWidgetResizable(true);
    auto *detail = new QWidget;
    detail->setObjectName(QStringLiteral("rolloutDetail"));
    scroll->setWidget(detail);
    auto *dl = new QVBoxLayout(detail);

    // Header and the two big buttons.
    auto *top = new QHBoxLayout;
    auto *headBox = new QVBoxLayout;
    m_header = new QLabel(tr("Select a rollout"), detail);
    m_header->setObjectName(QStringLiteral("rolloutHeader"));
    m_header->setTextFormat(Qt::PlainText);  // names and messages come from the server
    QFont hf = m_header->font();
    hf.setPointSizeF(hf.pointSizeF() * 1.3);
    hf.setBold(true);
    m_header->setFont(hf);
    m_message = new QLabel(detail);
    m_message->setObjectName(QStringLiteral("rolloutMessage"));
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);
    headBox->addWidget(m_header);
    headBox->addWidget(m_message);
    top->addLayout(headBox, 1);
    m_promote = new QPushButton(tr("Promote"), detail);
    m_promote->setObjectName(QStringLiteral("promoteButton"));
    m_rollback = new QPushButton(tr("Rollback"), detail);
    m_rollback->setObjectName(QStringLiteral("rollbackButton"));
    for (QPushButton *b : {m_promote, m_rollback}) {
        b->setMinimumSize(140, 44);
        QFont f = b->font();
        f.setPointSizeF(f.pointSizeF() * 1.2);
        f.setBold(true);
        b->setFont(f);
        b->setEnabled(false);
    }
    connect(m_promote, &QPushButton::clicked, this, &RolloutsView::promote);
    connect(m_rollback, &QPushButton::clicked, this, &RolloutsView::rollback);
    m_moreButton = new QToolButton(detail);
    m_moreButton->setObjectName(QStringLiteral("rolloutMoreButton"));
    m_moreButton->setText(tr("More"));
    m_moreButton->setPopupMode(QToolButton::InstantPopup);
    m_more = new QMenu(m_moreButton);
    m_more->setObjectName(QStringLiteral("rolloutMoreMenu"));
    m_promoteFullAction = m_more->addAction(tr("Promote full (skip steps and analysis)"), this, &RolloutsView::promoteFull);
    m_promoteFullAction->setObjectName(QStringLiteral("promoteFullAction"));
    m_abortAction = m_more->addAction(tr("Abort"), this, &RolloutsView::abortUpdate);
    m_abortAction->setObjectName(QStringLiteral("abortAction"));
    m_retryAction = m_more->addAction(tr("Retry"), this, &RolloutsView::retry);
    m_retryAction->setObjectName(QStringLiteral("retryAction"));
    m_restartAction = m_more->addAction(tr("Restart pods"), this, &RolloutsView::restart);
    m_restartAction->setObjectName(QStringLiteral("restartAction"));
    m_undoMenu = m_more->addMenu(tr("Undo to revision"));
    m_undoMenu->setObjectName(QStringLiteral("undoMenu"));
    m_more->setToolTipsVisible(true);
    m_undoMenu->setToolTipsVisible(true);
    // Offers that changed while the menu was open are put in once it closed.
    connect(m_more, &QMenu::aboutToHide, this, [this] { QTimer::singleShot(0, this, [this] { applyOffers(); }); });
    m_moreButton->setMenu(m_more);
    top->addWidget(m_promote);
    top->addWidget(m_rollback);
    top->addWidget(m_moreButton);
    dl->addLayout(top);

    // Blue and green side by side.
    auto *sides = new QHBoxLayout;
    // Active in the progress colour, preview in the good one, as the Argo Rollouts dashboard draws blue and green.
    auto makePane = [&](const QString &name, QGroupBox *&box, QLabel *&label, PodTilesWidget *&tiles, Theme::Role role) {
        box = new QGroupBox(detail);
        box->setObjectName(name + QStringLiteral("Pane"));
        QGroupBox *b = box;
        Theme::follow(box, [b, role] {
            b->setStyleSheet(QStringLiteral("QGroupBox { border: 2px solid %1; border-radius: 6px; margin-top: 1.4em; padding: 6px; }"
                                            "QGroupBox::title { subcontrol-origin: margin; left: 8px; color: %1; font-weight: bold; }")
                                 .arg(Theme::css(role)));
        });
        auto *l = new QVBoxLayout(box);
        label = new QLabel(box);
        label->setObjectName(name + QStringLiteral("Label"));
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        label->setTextFormat(Qt::PlainText);
        tiles = new PodTilesWidget(box);
        tiles->setObjectName(name + QStringLiteral("Pods"));
        l->addWidget(label);
        l->addWidget(tiles, 1);
        sides->addWidget(box, 1);
    };
    makePane(QStringLiteral("active"), m_bluePane, m_blueLabel, m_blueTiles, Theme::Role::Info);
    makePane(QStringLiteral("preview"), m_greenPane, m_greenLabel, m_greenTiles, Theme::Role::Success);
    dl->addLayout(sides);

    // Canary steps and weights.
    m_stepsBox = new QGroupBox(tr("Canary steps"), detail);
    m_stepsBox->setObjectName(QStringLiteral("canaryStepsBox"));
    auto *sl = new QHBoxLayout(m_stepsBox);
    m_steps = new QListWidget(m_stepsBox);
    m_steps->setObjectName(QStringLiteral("canarySteps"));
    m_steps->setFlow(QListView::LeftToRight);
    m_steps->setMaximumHeight(48);
    m_steps->setSpacing(3);
    m_weights = new QLabel(m_stepsBox);
    m_weights->setObjectName(QStringLiteral("canaryWeights"));
    m_weights->setTextFormat(Qt::PlainText);
    sl->addWidget(m_steps, 1);
    sl->addWidget(m_weights);
    dl->addWidget(m_stepsBox);

    // Analysis runs with the measurements behind each result.
    m_analysisBox = new QGroupBox(tr("Analysis runs"), detail);
    auto *al = new QVBoxLayout(m_analysisBox);
    m_analysis = new QTreeView(m_analysisBox);
    m_analysis->setObjectName(QStringLiteral("analysisRuns"));
    m_analysis->setModel(m_analysisModel);
    m_analysis->setUniformRowHeights(true);
    m_analysis->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    fitToRows(m_analysis, 3, 12);
    m_analysis->setItemDelegateForColumn(AnalysisRunModel::PhaseColumn, new StatusDelegate(m_analysis));
    // Runs, metrics and measurements open as they arrive, except what the operator closed.
    new TreeExpander(m_analysis);
    // Queued: measuring the rows lays the tree out, which inside an expandRecursively() would
    // leave the rows it opens after this one drawn closed.
    connect(m_analysis, &QTreeView::expanded, this, [this] { fitToRows(m_analysis, 3, 12); }, Qt::QueuedConnection);
    connect(m_analysis, &QTreeView::collapsed, this, [this] { fitToRows(m_analysis, 3, 12); }, Qt::QueuedConnection);
    // The canary steps carry colours of their own: drawn again after a theme switch.
    connect(Theme::instance(), &Theme::changed, this, [this] {
        m_stepIndex = -2;
        if (!m_shownKey.isEmpty() && m_shown.isRollout && m_shown.rollout.error.isEmpty())
            showSteps(m_shown.rollout);
    });
    al->addWidget(m_analysis);
    dl->addWidget(m_analysisBox);

    // Revision history: undo to any of them.
    auto *historyBox = new QGroupBox(tr("Revisions"), detail);
    auto *hl = new QVBoxLayout(historyBox);
    m_history = new QTreeView(historyBox);
    m_history->setObjectName(QStringLiteral("revisionHistory"));
    m_history->setModel(m_historyModel);
    m_history->setRootIsDecorated(false);
    m_history->setUniformRowHeights(true);
    m_history->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    fitToRows(m_history, 2, 10);
    m_history->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_history, &QTreeView::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_history->indexAt(pos);
        if (!index.isValid())
            return;
        const int revision = index.data(RolloutRevisionModel::RevisionRole).toInt();
        QMenu menu(this);
        menu.addAction(tr("Undo to revision %1").arg(revision), this, [this, revision] { undoTo(revision); });
        menu.exec(m_history->viewport()->mapToGlobal(pos));
    });
    hl->addWidget(m_history);
    dl->addWidget(historyBox);

    m_status = new QLabel(detail);
    m_status->setObjectName(QStringLiteral("rolloutStatusLine"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);  // carries the server's error messages
    dl->addWidget(m_status);
    dl->addStretch(1);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);

    connect(m_watch, &RolloutWatch::changed, this, &RolloutsView::refresh);
    // Scale-down countdowns tick while one is pending.
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, [this] {
        if (m_deadlinePending)
            showCountdowns();
        // The tiles say how long each pod has been ready, painted from the clock: repainted while
        // on screen, since the detail itself changes only with its object.
        for (PodTilesWidget *tiles : {m_blueTiles, m_greenTiles})
            if (tiles->isVisible())
                tiles->update();
    });
    m_tick.start();
    connect(m_watch, &RolloutWatch::problemChanged, this, [this](const QString &message) {
        m_problem->setText(message);
        m_problem->setVisible(!message.isEmpty());
        Q_EMIT problemChanged(message);
    });
    if (m_session)
        connect(m_session, &backends::kube::KubeSession::connectionStateChanged, this, [this] { attachClient(); });
    attachClient();
    showSelected(true);
}

RolloutsView::~RolloutsView()
{
    m_watch->disconnect(this);
    delete m_watch;
}

void RolloutsView::attachClient()
{
    if (!m_session) {
        m_watch->setSession(nullptr);
        return;
    }
    if (m_session->contextName() != m_context) {
        m_watch->setSession(nullptr);
        m_problem->setText(tr("The session switched to context %1: this view of %2 no longer updates").arg(m_session->contextName(), m_context));
        m_problem->show();
        return;
    }
    if (m_client != m_session->client())
        m_permissions.clear();  // a new connection may carry other credentials
    m_client = m_session->client();
    m_watch->setSession(m_session);
}

bool RolloutsView::confirm(const QString &text)
{
    if (m_confirm)
        return m_confirm(text);
    QMessageBox box(QMessageBox::Question, tr("Confirm"), text, QMessageBox::Yes | QMessageBox::Cancel, this);
    box.setObjectName(QStringLiteral("rolloutConfirmDialog"));
    box.setTextFormat(Qt::PlainText);
    box.setDefaultButton(QMessageBox::Cancel);
    return box.exec() == QMessageBox::Yes;
}

bool RolloutsView::select(const QString &kind, const QString &ns, const QString &name)
{
    const int row = m_listModel->rowOfKey(kind + QLatin1Char(':') + ns + QLatin1Char('/') + name);
    if (row < 0)
        return false;
    m_list->selectionModel()->setCurrentIndex(m_listModel->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

void RolloutsView::onSelectionChanged()
{
    if (m_updatingList)
        return;
    const QModelIndexList sel = m_list->selectionModel()->selectedRows();
    if (sel.isEmpty())
        return;
    const QString key = sel.first().data(RolloutListModel::KeyRole).toString();
    const int colon = key.indexOf(QLatin1Char(':'));
    const int slash = key.indexOf(QLatin1Char('/'), colon);
    m_kind = key.left(colon);
    m_ns = key.mid(colon + 1, slash - colon - 1);
    m_name = key.mid(slash + 1);
    // A running action re-reads its object with the focus's ReplicaSets: the focus follows the
    // selection once it ended.
    if (!m_busy)
        m_watch->setFocus(m_kind, m_ns, m_name);
    showSelected(true);
    checkPermissions();
}

QString RolloutsView::permissionKey(const backends::actions::Action &a)
{
    return QStringList{a.ns, a.resource.plural, a.subresource, a.objectName, a.verb}.join(QLatin1Char('|'));
}

void RolloutsView::checkPermissions()
{
    auto *facade = m_session ? backends::actions::facadeFor(m_session) : nullptr;
    if (!facade || m_name.isEmpty() || facade->isReadOnly())
        return;  // read-only is its own reason; the cluster's answer is asked for when it is lifted
    QList<backends::actions::Action> probes;
    backends::actions::Action probe;
    probe.ns = m_ns;
    probe.objectName = m_name;
    probe.verb = QStringLiteral("patch");
    if (m_kind == QLatin1String("Deployment")) {
        probe.resource = backends::kube::ResourceRef::deployments();
        probes << probe;
    } else {
        probe.resource = rolloutsResource();
        probes << probe;
        probe.subresource = QStringLiteral("status");
        probes << probe;
    }
    QPointer<RolloutsView> self(this);
    for (const backends::actions::Action &a : probes) {
        const QString key = permissionKey(a);
        if (m_permissions.contains(key))
            continue;
        facade->checkPermission(a, this, [self, key](const backends::actions::Permission &p) {
            if (!self)
                return;
            self->m_permissions.insert(key, p);
            self->applyOffers();
        });
    }
}

void RolloutsView::refresh()
{
    refreshList();
    showSelected(false);
}

void RolloutsView::refreshList()
{
    // The rows come derived from the worker; the model applies them as insertions, removals and
    // per-row changes, so the selection, the current row and the scroll position stay.
    m_updatingList = true;
    m_listModel->setSummaries(m_watch->snapshot().summaries);
    m_updatingList = false;
    const int waiting = m_listModel->waitingCount();
    if (waiting != m_waiting) {
        m_waiting = waiting;
        Q_EMIT badgeChanged(waiting);
    }
}

RolloutsView::Snapshot RolloutsView::current() const
{
    Snapshot s;
    s.isRollout = m_kind != QLatin1String("Deployment");
    if (s.isRollout)
        s.rollout = m_watch->rollout(m_ns, m_name);
    else
        s.deployment = m_watch->deployment(m_ns, m_name);
    return s;
}

RolloutInfo RolloutsView::currentRollout() const { return m_watch->rollout(m_ns, m_name); }
DeploymentHistory RolloutsView::currentDeployment() const { return m_watch->deployment(m_ns, m_name); }

void RolloutsView::hideDetail()
{
    m_bluePane->hide();
    m_greenPane->hide();
    m_stepsBox->hide();
    m_analysisBox->hide();
    m_paneRevision[0].reset();
    m_paneRevision[1].reset();
}

void RolloutsView::showSelected(bool force)
{
    if (m_name.isEmpty()) {
        m_shownKey.clear();
        m_deadlinePending = false;
        m_header->setText(tr("Select a rollout or deployment"));
        m_message->clear();
        hideDetail();
        applyOffers();
        return;
    }
    const QString key = m_kind + QLatin1Char(':') + m_ns + QLatin1Char('/') + m_name;
    // The worker's version of the object's inputs; pod tiles are shown only once the snapshot
    // carries the children of the object in focus.
    const RolloutsSnapshot &snapshot = m_watch->snapshot();
    const QString version = snapshot.versions.value(key);
    const QString shownVersion = version.isEmpty() ? QString() : version + (m_watch->focusCurrent() ? QLatin1String("") : QLatin1String("~"));
    // Another object's change: this one's detail stands as derived.
    if (!force && key == m_shownKey && !shownVersion.isEmpty() && shownVersion == m_shownVersion)
        return;
    m_shownKey = key;
    m_shownVersion = shownVersion;
    ++m_derivations;
    m_shown = current();
    m_deadlinePending = false;
    if (m_shown.isRollout)
        showRollout(m_shown.rollout);
    else
        showDeployment(m_shown.deployment);
    deriveOffers();
    applyOffers();
}

void RolloutsView::showRevisionPane(int which, const QString &title, const RevisionInfo *revision, const QString &empty)
{
    QGroupBox *box = which == 0 ? m_bluePane : m_greenPane;
    QLabel *label = which == 0 ? m_blueLabel : m_greenLabel;
    PodTilesWidget *tiles = which == 0 ? m_blueTiles : m_greenTiles;
    box->show();
    box->setTitle(title);
    if (!revision) {
        m_paneRevision[which].reset();
        label->setText(empty);
        tiles->setPods({}, m_name);
        return;
    }
    m_paneRevision[which] = *revision;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    label->setText(revisionText(*revision, now));
    if (scalesDownLater(*revision, now))
        m_deadlinePending = true;
    tiles->setPods(m_watch->podTiles(*revision), m_name);
}

void RolloutsView::showCountdowns()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    bool pending = false;
    for (int which = 0; which < 2; ++which) {
        const std::optional<RevisionInfo> &r = m_paneRevision[which];
        if (!r || !r->scaleDownDeadline.isValid())
            continue;
        (which == 0 ? m_blueLabel : m_greenLabel)->setText(revisionText(*r, now));
        pending = pending || scalesDownLater(*r, now);
    }
    m_historyModel->refreshCountdowns();
    m_deadlinePending = pending || m_historyModel->hasPendingScaleDown(now);
}

void RolloutsView::showSteps(const RolloutInfo &info)
{
    m_stepsBox->setVisible(!info.steps.isEmpty());
    QStringList texts;
    for (const CanaryStep &st : info.steps)
        texts << st.text;
    // Listed again only when the steps or the current one changed: a selected step stays selected.
    if (texts == m_stepTexts && info.currentStepIndex == m_stepIndex)
        return;
    m_stepTexts = texts;
    m_stepIndex = info.currentStepIndex;
    m_steps->clear();
    for (int i = 0; i < texts.size(); ++i) {
        auto *item = new QListWidgetItem(QStringLiteral("%1. %2").arg(i).arg(texts[i]), m_steps);
        if (i == info.currentStepIndex) {
            QFont f = item->font();
            f.setBold(true);
            item->setFont(f);
            item->setBackground(StatusPalette::soft(models::StatusTone::Paused));
            item->setSelected(true);
        } else if (info.currentStepIndex >= 0 && i < info.currentStepIndex) {
            item->setForeground(StatusPalette::color(models::StatusTone::Good));
        }
    }
}

void RolloutsView::showRollout(const RolloutInfo &info)
{
    if (!info.error.isEmpty()) {
        m_header->setText(QStringLiteral("%1/%2").arg(m_ns, m_name));
        m_message->setText(info.error);
        hideDetail();
        m_historyModel->clear();
        m_analysisModel->clear();
        return;
    }
    m_header->setText(QStringLiteral("%1/%2 · %3 · %4").arg(info.ns, info.name, info.strategyName, rolloutStatusName(info.status)));
    QStringList msg;
    if (!info.message.isEmpty())
        msg << info.message;
    msg << info.errorConditions;
    if (!info.gitopsApp.isEmpty())
        msg << tr("Managed by GitOps application %1").arg(info.gitopsApp);
    m_message->setText(msg.join(QLatin1Char('\n')));

    if (info.strategy == Strategy::BlueGreen) {
        showRevisionPane(0, tr("Active (blue) · service %1").arg(info.activeService), info.activeRevision(), tr("No revision is active yet"));
        const RevisionInfo *preview = info.previewRevision();
        showRevisionPane(1, tr("Preview (green) · service %1").arg(info.previewService.isEmpty() ? tr("none") : info.previewService), preview,
                         tr("Nothing waits in preview: the active revision is the desired one"));
        m_stepsBox->hide();
    } else {
        const RevisionInfo *canary = nullptr;
        for (const RevisionInfo &r : info.revisions)
            if (r.canary)
                canary = &r;
        showRevisionPane(0, tr("Stable"), info.stableRevision(), tr("No stable revision yet"));
        showRevisionPane(1, tr("Canary"), canary, tr("No canary: the stable revision is the desired one"));
        showSteps(info);
        m_weights->setText(tr("Step %1 · set weight %2 % · actual weight %3 %")
                               .arg(info.step.isEmpty() ? tr("–") : info.step)
                               .arg(info.setWeight)
                               .arg(info.actualWeight));
    }

    m_analysisBox->setVisible(!info.analysisRuns.isEmpty());
    m_analysisModel->setRuns(info.analysisRuns);
    fitToRows(m_analysis, 3, 12);
    m_historyModel->setRevisions(info.revisions);
    fitToRows(m_history, 2, 10);
    m_deadlinePending = m_deadlinePending || m_historyModel->hasPendingScaleDown(QDateTime::currentDateTimeUtc());
}

void RolloutsView::showDeployment(const DeploymentHistory &h)
{
    if (!h.error.isEmpty()) {
        m_header->setText(QStringLiteral("%1/%2").arg(m_ns, m_name));
        m_message->setText(h.error);
        hideDetail();
        m_historyModel->clear();
        m_analysisModel->clear();
        return;
    }
    m_header->setText(QStringLiteral("%1/%2 · Deployment · %3").arg(h.ns, h.name, h.status));
    m_message->setText(tr("%1/%2 ready · revision %3").arg(h.ready).arg(h.desired).arg(h.currentRevision));
    const RevisionInfo *current = h.revisionByNumber(h.currentRevision);
    const RevisionInfo *previous = RolloutActions::undoTarget(h.revisions, 0);
    showRevisionPane(0, tr("Current revision"), current, tr("No ReplicaSet yet"));
    showRevisionPane(1, tr("Previous revision (rollback target)"), previous, tr("No earlier revision"));
    m_stepsBox->hide();
    m_analysisBox->hide();
    m_analysisModel->clear();
    m_historyModel->setRevisions(h.revisions);
    fitToRows(m_history, 2, 10);
    m_deadlinePending = m_deadlinePending || m_historyModel->hasPendingScaleDown(QDateTime::currentDateTimeUtc());
}

void RolloutsView::deriveOffers()
{
    const Snapshot &s = m_shown;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Offers o;
    if (s.isRollout) {
        o.promote = RolloutActions::promote(s.rollout);
        o.rollback = RolloutActions::undo(s.rollout);
        o.promoteFull = RolloutActions::promoteFull(s.rollout);
        o.abort = RolloutActions::abort(s.rollout);
        o.retry = RolloutActions::retry(s.rollout);
        o.restart = RolloutActions::restart(s.rollout, now);
    } else {
        o.promote.notApplicable = tr("A Deployment has no promotion: it rolls out by itself");
        o.rollback = RolloutActions::undoDeployment(s.deployment);
        o.promoteFull.notApplicable = o.abort.notApplicable = o.retry.notApplicable = tr("Only for Argo Rollouts");
        o.restart = RolloutActions::restartDeployment(s.deployment, now);
    }
    for (const RevisionInfo &r : s.isRollout ? s.rollout.revisions : s.deployment.revisions)
        o.undo << Offers::Undo{r.revision, r.label(),
                               s.isRollout ? RolloutActions::undo(s.rollout, r.revision) : RolloutActions::undoDeployment(s.deployment, r.revision)};
    bool sameEntries = o.undo.size() == m_offers.undo.size();
    for (int i = 0; sameEntries && i < o.undo.size(); ++i)
        sameEntries = o.undo[i].revision == m_offers.undo[i].revision && o.undo[i].label == m_offers.undo[i].label;
    if (!sameEntries)
        m_undoMenuStale = true;
    m_offers = std::move(o);
}

void RolloutsView::applyOffers()
{
    auto apply = [this](QWidget *w, QAction *a, RolloutAction ra) {
        if (m_shownKey.isEmpty()) {
            ra.notApplicable = tr("Select a rollout or deployment first");
        } else if (!m_readOnlyReason.isEmpty()) {
            ra.notApplicable = m_readOnlyReason;
        } else if (ra.applies()) {
            // Every request it sends: a follow-up to the main resource needs that permission too.
            backends::actions::Action probe = ra.action;
            for (const QString &sub : backends::actions::ActionFacade::permissionTargets(ra.action)) {
                probe.subresource = sub;
                const QString key = permissionKey(probe);
                if (m_permissions.contains(key) && !m_permissions.value(key).allowed) {
                    ra.notApplicable = m_permissions.value(key).reason;
                    break;
                }
            }
        }
        const bool on = ra.applies() && !m_busy;
        const QString tip = ra.applies() ? ra.action.change : ra.notApplicable;
        if (w) {
            w->setEnabled(on);
            w->setToolTip(tip);
        }
        if (a) {
            a->setEnabled(on);
            a->setToolTip(tip);
        }
    };
    apply(m_promote, nullptr, m_offers.promote);
    apply(m_rollback, nullptr, m_offers.rollback);
    apply(nullptr, m_promoteFullAction, m_offers.promoteFull);
    apply(nullptr, m_abortAction, m_offers.abort);
    apply(nullptr, m_retryAction, m_offers.retry);
    apply(nullptr, m_restartAction, m_offers.restart);
    // Not rebuilt under the operator's pointer: an open menu keeps its entries until it closes.
    if (m_undoMenu->isVisible() || m_more->isVisible())
        return;
    if (m_undoMenuStale) {
        m_undoMenu->clear();
        m_undoActions.clear();
        for (const Offers::Undo &u : std::as_const(m_offers.undo)) {
            QAction *a = m_undoMenu->addAction(u.label);
            a->setObjectName(QStringLiteral("undoToRevision%1").arg(u.revision));
            const int revision = u.revision;
            connect(a, &QAction::triggered, this, [this, revision] { undoTo(revision); });
            m_undoActions << a;
        }
        m_undoMenuStale = false;
    }
    for (int i = 0; i < m_undoActions.size() && i < m_offers.undo.size(); ++i)
        apply(nullptr, m_undoActions[i], m_offers.undo[i].action);
    m_undoMenu->setEnabled(!m_offers.undo.isEmpty());
}

void RolloutsView::setReadOnlyReason(const QString &reason)
{
    m_readOnlyReason = reason;
    applyOffers();
    checkPermissions();
}

void RolloutsView::promote()
{
    run(tr("Promote"), [](const Snapshot &s) { return RolloutActions::promote(s.rollout); }, current());
}

void RolloutsView::rollback()
{
    const Snapshot s = current();
    if (s.isRollout)
        run(tr("Rollback"), [](const Snapshot &x) { return RolloutActions::undo(x.rollout); }, s);
    else
        run(tr("Rollback"), [](const Snapshot &x) { return RolloutActions::undoDeployment(x.deployment); }, s);
}

void RolloutsView::promoteFull()
{
    run(tr("Promote full"), [](const Snapshot &s) { return RolloutActions::promoteFull(s.rollout); }, current());
}

void RolloutsView::abortUpdate()
{
    run(tr("Abort"), [](const Snapshot &s) { return RolloutActions::abort(s.rollout); }, current());
}

void RolloutsView::retry()
{
    run(tr("Retry"), [](const Snapshot &s) { return RolloutActions::retry(s.rollout); }, current());
}

void RolloutsView::restart()
{
    const Snapshot s = current();
    if (s.isRollout)
        run(tr("Restart"), [](const Snapshot &x) { return RolloutActions::restart(x.rollout, QDateTime::currentDateTimeUtc()); }, s);
    else
        run(tr("Restart"), [](const Snapshot &x) { return RolloutActions::restartDeployment(x.deployment, QDateTime::currentDateTimeUtc()); }, s);
}

void RolloutsView::undoTo(int revision)
{
    const Snapshot s = current();
    if (s.isRollout)
        run(tr("Undo"), [revision](const Snapshot &x) { return RolloutActions::undo(x.rollout, revision); }, s);
    else
        run(tr("Undo"), [revision](const Snapshot &x) { return RolloutActions::undoDeployment(x.deployment, revision); }, s);
}

void RolloutsView::finish(const QString &message, bool ok)
{
    m_busy = false;
    m_list->setEnabled(true);
    m_watch->setFocus(m_kind, m_ns, m_name);
    m_status->setText(message);
    if (ok)
        Theme::clearTextRole(m_status);
    else
        Theme::setTextRole(m_status, Theme::Role::Danger);
    applyOffers();
    Q_EMIT actionFinished(message, ok);
}

void RolloutsView::run(const QString &label, Builder build, const Snapshot &snapshot, const QString &preface)
{
    if (!m_session || !backends::actions::facadeFor(m_session)) {
        finish(tr("%1: not connected").arg(label), false);
        return;
    }
    const RolloutAction ra = build(snapshot);
    if (!ra.applies()) {
        finish(preface.isEmpty() ? tr("%1: %2").arg(label, ra.notApplicable)
                                 : tr("%1: %2 — it no longer applies: %3").arg(label, preface, ra.notApplicable),
               false);
        return;
    }
    m_busy = true;
    // The action is about the object in `snapshot`: no other one is selected meanwhile.
    m_list->setEnabled(false);
    applyOffers();
    QPointer<RolloutsView> self(this);
    const backends::actions::Action action = ra.action;
    // The shell's runner does permission, confirmation (this view's, with the preface) and the
    // request, holding the facade weakly across the modal dialog; this view adds what only it
    // knows: a conflict is read again and shown, and the operator decides again.
    shell::ActionRunner::Request request{label, action, preface, [self](const QString &text) { return self && self->confirm(text); }};
    m_runner->run(request, [self, action, label, build, snapshot](const shell::ActionRunner::RunOutcome &outcome) {
            if (!self)
                return;
            const backends::actions::ActionResult &r = outcome.result;
            if (!outcome.sent) {
                self->finish(outcome.message, false);
                return;
            }
            if (r.outcome == Outcome::Succeeded) {
                self->finish(tr("%1 %2: done (%3)").arg(label, action.objectLabel(), action.change), true);
                return;
            }
            if (!r.partlyApplied.isEmpty()) {
                self->finish(tr("%1 %2 partly applied: %3; the rest failed (%4): %5")
                                 .arg(label, action.objectLabel(), r.partlyApplied, backends::actions::outcomeName(r.outcome), r.error.message),
                             false);
                return;
            }
            // A failed JSON-patch test (undo, set image) answers 422, not 409: it is a conflict when
            // the tested template moved on; the re-read tells.
            const bool jsonPatchRefused = r.error.kind == backends::ErrorKind::Invalid && action.patchKind == backends::kube::PatchKind::Json;
            const bool maybeConflict = r.outcome == Outcome::Conflict || jsonPatchRefused;
            if (!maybeConflict) {
                QString msg = tr("%1 %2 failed (%3): %4").arg(label, action.objectLabel(), backends::actions::outcomeName(r.outcome), r.error.message);
                if (!r.reread.isEmpty())
                    msg += QStringLiteral(" — ") + r.reread;
                self->finish(msg, false);
                return;
            }
            self->reread(snapshot, [self, label, build, snapshot, r, action, jsonPatchRefused](const Snapshot &fresh) {
                if (!self)
                    return;
                const QString error = fresh.isRollout ? fresh.rollout.error : fresh.deployment.error;
                if (!error.isEmpty()) {
                    self->finish(tr("%1: the object changed and could not be read again: %2").arg(label, error), false);
                    return;
                }
                // The precondition of a JSON patch is the template the operator saw (the controllers
                // write status all the time, so the resourceVersion always differs): with that
                // template still in place the test passed, and the 422 is the server's refusal.
                if (jsonPatchRefused) {
                    const QJsonObject &seen = snapshot.isRollout ? snapshot.rollout.podTemplate : snapshot.deployment.podTemplate;
                    const QJsonObject &now = fresh.isRollout ? fresh.rollout.podTemplate : fresh.deployment.podTemplate;
                    if (seen == now) {
                        self->finish(tr("%1 %2 refused: %3").arg(label, action.objectLabel(), r.error.message), false);
                        return;
                    }
                }
                // Never retried blindly: what changed is shown and the operator decides again.
                const QString changed = tr("Someone else changed %1 since you read it (%2). Nothing was sent.")
                                            .arg(action.objectLabel(), describeDifference(snapshot, fresh));
                self->m_status->setText(changed);
                self->run(label, build, fresh, changed);
            });
    });
}

void RolloutsView::reread(const Snapshot &before, std::function<void(const Snapshot &)> done)
{
    backends::kube::KubeClient *client = m_watch->client();
    if (!client) {
        Snapshot s = before;
        (s.isRollout ? s.rollout.error : s.deployment.error) = tr("not connected");
        done(s);
        return;
    }
    const bool isRollout = before.isRollout;
    // The object the action was about, whatever is selected now.
    const QString ns = isRollout ? before.rollout.ns : before.deployment.ns;
    const QString name = isRollout ? before.rollout.name : before.deployment.name;
    QPointer<RolloutsView> self(this);
    client->get(isRollout ? rolloutsResource() : backends::kube::ResourceRef::deployments(), ns, name, this,
                [self, isRollout, ns, name, done](const backends::kube::KubeReply &reply) {
                    if (!self)
                        return;
                    Snapshot s;
                    s.isRollout = isRollout;
                    if (!reply.ok()) {
                        (isRollout ? s.rollout.error : s.deployment.error) = reply.error.message;
                        done(s);
                        return;
                    }
                    const QJsonObject o = QJsonDocument::fromJson(reply.body).object();
                    if (isRollout) {
                        s.rollout = self->m_watch->infoFor(o);
                    } else {
                        // The history comes from the watched ReplicaSets; the Deployment as just read.
                        const DeploymentHistory watched = self->m_watch->deployment(ns, name);
                        s.deployment = deploymentHistory(o, {}, {});
                        s.deployment.revisions = watched.revisions;
                        for (RevisionInfo &r : s.deployment.revisions)
                            r.stable = r.active = r.revision == s.deployment.currentRevision;
                    }
                    done(s);
                });
}

QString RolloutsView::describeDifference(const Snapshot &before, const Snapshot &after)
{
    QStringList out;
    auto diff = [&out](const QString &what, const QString &a, const QString &b) {
        if (a != b)
            out << QStringLiteral("%1 %2 → %3").arg(what, a.isEmpty() ? QStringLiteral("(none)") : a, b.isEmpty() ? QStringLiteral("(none)") : b);
    };
    if (before.isRollout) {
        const RolloutInfo &a = before.rollout, &b = after.rollout;
        diff(tr("status"), rolloutStatusName(a.status), rolloutStatusName(b.status));
        diff(tr("message"), a.message, b.message);
        auto lbl = [](const RevisionInfo *r) { return r ? r->label() : QString(); };
        diff(tr("active"), lbl(a.activeRevision()), lbl(b.activeRevision()));
        diff(tr("preview"), lbl(a.previewRevision()), lbl(b.previewRevision()));
        diff(tr("stable"), lbl(a.stableRevision()), lbl(b.stableRevision()));
        diff(tr("image"), shortImages(a.images()), shortImages(b.images()));
        diff(tr("step"), a.step, b.step);
        diff(tr("paused"), a.specPaused ? tr("yes") : tr("no"), b.specPaused ? tr("yes") : tr("no"));
        diff(tr("resourceVersion"), a.resourceVersion, b.resourceVersion);
    } else {
        const DeploymentHistory &a = before.deployment, &b = after.deployment;
        diff(tr("revision"), QString::number(a.currentRevision), QString::number(b.currentRevision));
        QStringList ia, ib;
        for (const QJsonValue &c : a.podTemplate.value(QStringLiteral("spec")).toObject().value(QStringLiteral("containers")).toArray())
            ia << c.toObject().value(QStringLiteral("image")).toString();
        for (const QJsonValue &c : b.podTemplate.value(QStringLiteral("spec")).toObject().value(QStringLiteral("containers")).toArray())
            ib << c.toObject().value(QStringLiteral("image")).toString();
        diff(tr("image"), shortImages(ia), shortImages(ib));
        diff(tr("resourceVersion"), a.resourceVersion, b.resourceVersion);
    }
    return out.join(QStringLiteral("; "));
}

QString RolloutsView::headerText() const { return m_header->text(); }
QString RolloutsView::activeText() const { return m_blueLabel->text(); }
QString RolloutsView::previewText() const { return m_greenLabel->text(); }
QString RolloutsView::statusText() const { return m_status->text(); }

void RolloutsView::reopen(const QVariantMap &args)
{
    const QString kind = args.value(QStringLiteral("kind"), QStringLiteral("Rollout")).toString();
    const QString ns = args.value(QStringLiteral("namespace")).toString();
    const QString name = args.value(QStringLiteral("name")).toString();
    if (name.isEmpty() || select(kind, ns, name))
        return;
    // The list fills once the watch has listed: select then.
    auto selectWhenListed = std::make_shared<QMetaObject::Connection>();
    *selectWhenListed = connect(watch(), &backends::rollouts::RolloutWatch::changed, this, [this, kind, ns, name, selectWhenListed] {
        if (select(kind, ns, name))
            QObject::disconnect(*selectWhenListed);
    });
}

}  // namespace pilothouse::widgets
