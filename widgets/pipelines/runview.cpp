// A run's page.
#include "pipelines/runview.h"

#include "humanduration.h"
#include "kube/session/kubesession.h"
#include "pipelines/approvalcard.h"
#include "pipelines/consoleview.h"
#include "pipelines/parameterform.h"
#include "pipelines/stagegraphview.h"
#include "rollouts/rolloutactions.h"
#include "rollouts/rolloutinfo.h"
#include "shell/actionrunner.h"
#include "style/statuspalette.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using namespace backends::jenkins;
using backends::Result;

namespace {

constexpr int kPollMs = 1000;

QString stateWord(StageStatus s)
{
    switch (s) {
    case StageStatus::Success: return QObject::tr("Succeeded");
    case StageStatus::Failed: return QObject::tr("Failed");
    case StageStatus::Unstable: return QObject::tr("Unstable");
    case StageStatus::Aborted: return QObject::tr("Aborted");
    case StageStatus::InProgress: return QObject::tr("Running");
    case StageStatus::PausedPendingInput: return QObject::tr("Waiting for approval");
    case StageStatus::Queued: return QObject::tr("Queued");
    case StageStatus::NotExecuted:
    case StageStatus::Skipped: return QObject::tr("Not built");
    case StageStatus::Unknown: break;
    }
    return QObject::tr("Unknown");
}

models::StatusTone stateTone(StageStatus s)
{
    switch (s) {
    case StageStatus::Success: return models::StatusTone::Good;
    case StageStatus::Failed: return models::StatusTone::Bad;
    case StageStatus::Unstable: return models::StatusTone::Warning;
    case StageStatus::InProgress:
    case StageStatus::Queued: return models::StatusTone::Progress;
    case StageStatus::PausedPendingInput: return models::StatusTone::Paused;
    case StageStatus::Aborted:
    case StageStatus::NotExecuted:
    case StageStatus::Skipped: return models::StatusTone::Neutral;
    case StageStatus::Unknown: break;
    }
    return models::StatusTone::Unknown;
}

// A build without stages (not a Pipeline) as a run: its state and times from the build itself.
RunInfo runOfBuild(const BuildInfo &b)
{
    RunInfo r;
    r.number = b.number;
    r.id = QString::number(b.number);
    r.name = b.displayName;
    r.startMs = b.timestampMs;
    r.durationMs = b.building ? std::max<qint64>(0, QDateTime::currentMSecsSinceEpoch() - b.timestampMs) : b.durationMs;
    switch (b.result) {
    case BuildResult::Running: r.status = StageStatus::InProgress; break;
    case BuildResult::Success: r.status = StageStatus::Success; break;
    case BuildResult::Failure: r.status = StageStatus::Failed; break;
    case BuildResult::Unstable: r.status = StageStatus::Unstable; break;
    case BuildResult::Aborted: r.status = StageStatus::Aborted; break;
    case BuildResult::NotBuilt: r.status = StageStatus::NotExecuted; break;
    case BuildResult::Unknown: r.status = b.building ? StageStatus::InProgress : StageStatus::Unknown; break;
    }
    if (b.building)
        r.status = StageStatus::InProgress;
    return r;
}

struct RolloutMatch {
    QString ns, name, state;
    QString error;  // the Rollouts could not be listed (no access, no Argo Rollouts)
    friend bool operator==(const RolloutMatch &, const RolloutMatch &) = default;
};

}  // namespace

RunDelivery RunDelivery::fromDescription(const QString &description)
{
    RunDelivery d;
    static const QRegularExpression image(QStringLiteral("\\bImage\\s+(\\S+:([\\w][\\w.-]{0,127}))"));
    static const QRegularExpression commit(QStringLiteral("\\bcommit\\s+([0-9a-f]{7,64})\\b"));
    if (const auto m = image.match(description); m.hasMatch()) {
        d.image = m.captured(1);
        d.tag = m.captured(2);
    }
    if (const auto m = commit.match(description); m.hasMatch())
        d.commit = m.captured(1);
    return d;
}

RunView::RunView(JenkinsConnection *connection, const QStringList &job, int build, backends::kube::KubeSession *session, QWidget *parent)
    : shell::Page(parent), m_connection(connection), m_job(job), m_build(build), m_session(session),
      m_runner(new shell::ActionRunner(this, this))
{
    setWindowTitle(tr("%1 #%2").arg(job.value(job.size() - 1)).arg(build));
    buildUi();
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &RunView::refresh);
    connect(m_connection, &JenkinsConnection::connected, this, [this] {
        m_finishedRead = false;
        refresh();
        m_console->follow(m_job, m_build);
    });
    if (m_connection->isConnected()) {
        refresh();
        m_console->follow(m_job, m_build);
    } else {
        setMessage(tr("Not connected to Jenkins: connect on the Pipelines page"), false);
    }
}

void RunView::showEvent(QShowEvent *event)
{
    shell::Page::showEvent(event);
    if (!m_finishedRead) {
        m_poll.start();
        refresh();
    }
}

void RunView::hideEvent(QHideEvent *event)
{
    shell::Page::hideEvent(event);
    m_poll.stop();  // a run page behind another tab reads nothing (its console keeps following)
}

RunView::~RunView() = default;

void RunView::buildUi()
{
    auto *layout = new QVBoxLayout(this);
    auto *header = new QHBoxLayout;
    auto *titles = new QVBoxLayout;
    m_title = new QLabel(tr("%1 #%2").arg(m_job.join(QLatin1Char('/'))).arg(m_build), this);
    m_title->setTextFormat(Qt::PlainText);
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    big.setBold(true);
    m_title->setFont(big);
    auto *titleRow = new QHBoxLayout;
    titleRow->addWidget(m_title);
    m_state = new QLabel(this);
    m_state->setObjectName(QStringLiteral("runState"));
    titleRow->addWidget(m_state);
    titleRow->addStretch(1);
    titles->addLayout(titleRow);
    m_facts = new QLabel(this);
    m_facts->setTextFormat(Qt::PlainText);
    m_facts->setWordWrap(true);
    titles->addWidget(m_facts);
    m_parameters = new QLabel(this);
    m_parameters->setObjectName(QStringLiteral("runParameters"));
    m_parameters->setTextFormat(Qt::PlainText);
    m_parameters->setWordWrap(true);
    titles->addWidget(m_parameters);
    m_delivery = new QLabel(this);
    m_delivery->setObjectName(QStringLiteral("runDelivery"));
    m_delivery->setTextFormat(Qt::RichText);
    m_delivery->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    m_delivery->hide();
    titles->addWidget(m_delivery);
    header->addLayout(titles, 1);
    m_rebuild = new QPushButton(tr("Rebuild"), this);
    m_rebuild->setObjectName(QStringLiteral("runRebuild"));
    m_rebuild->setToolTip(tr("Build again with the same parameters (a password is asked again)"));
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setObjectName(QStringLiteral("runStop"));
    header->addWidget(m_rebuild, 0, Qt::AlignTop);
    header->addWidget(m_stop, 0, Qt::AlignTop);
    layout->addLayout(header);

    m_cardSlot = new QVBoxLayout;
    layout->addLayout(m_cardSlot);

    m_split = new QSplitter(Qt::Vertical, this);
    m_graph = new StageGraphView(m_split);  // scrolls by itself when the stages do not fit
    m_console = new ConsoleView(m_connection->client(), m_split);
    m_split->addWidget(m_graph);
    m_split->addWidget(m_console);
    m_split->setStretchFactor(0, 0);
    m_split->setStretchFactor(1, 1);
    m_split->setChildrenCollapsible(false);
    connect(m_split, &QSplitter::splitterMoved, this, [this] { m_splitMoved = true; });
    layout->addWidget(m_split, 1);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("runMessage"));
    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    layout->addWidget(m_message);

    connect(m_stop, &QPushButton::clicked, this, &RunView::stopRun);
    connect(m_rebuild, &QPushButton::clicked, this, &RunView::rebuild);
    connect(m_graph, &StageGraphView::stageActivated, this, [this](const QString &stage) {
        if (!m_console->jumpToStage(stage))
            setMessage(tr("The console has no lines of stage %1 yet").arg(stage));
    });
    connect(m_delivery, &QLabel::linkActivated, this, [this](const QString &link) {
        if (link == QLatin1String("gitops"))
            Q_EMIT openPageRequested(QStringLiteral("gitops"), {{QStringLiteral("commit"), m_deliveryInfo.commit}});
        else if (link == QLatin1String("rollout"))
            Q_EMIT openPageRequested(QStringLiteral("rollouts"), {{QStringLiteral("kind"), QStringLiteral("Rollout")},
                                                                  {QStringLiteral("namespace"), m_rolloutNamespace},
                                                                  {QStringLiteral("name"), m_rolloutName}});
    });
    updateButtons();
}

void RunView::refresh()
{
    if (!m_connection->isConnected() || m_reading || m_finishedRead)
        return;
    m_reading = true;
    QPointer<RunView> self(this);
    // The build (causes, parameters, description), its stages, the graph view's parallel branches,
    // and what it waits for: read together, shown together.
    auto left = std::make_shared<int>(3);
    auto run = std::make_shared<std::optional<RunInfo>>();
    auto tree = std::make_shared<QList<StageInfo>>();
    auto error = std::make_shared<QString>();
    auto done = [self, left, run, tree, error] {
        if (!self || --*left > 0)
            return;
        self->m_reading = false;
        if (!error->isEmpty()) {
            self->setMessage(*error, false);
            return;
        }
        if (!tree->isEmpty())
            self->m_tree = *tree;
        if (*run) {
            RunInfo r = **run;
            if (r.number == 0 && self->m_info)
                r = runOfBuild(*self->m_info);
            if (!self->m_tree.isEmpty())
                mergeStageTree(r, self->m_tree);
            self->onDescribed(r);
        }
    };
    m_connection->client()->build(m_job, m_build, this, [this, done, error](const Result<BuildInfo> &info) {
        if (info.ok()) {
            m_info = info.value();
        } else {
            *error = tr("Cannot read %1 #%2: %3").arg(m_job.join(QLatin1Char('/'))).arg(m_build).arg(info.error().message);
            if (info.error().kind == backends::ErrorKind::NotFound) {
                m_finishedRead = true;  // gone (deleted, rotated away): nothing more to read
                m_poll.stop();
            }
        }
        done();
    });
    m_connection->client()->describeRun(m_job, m_build, this, [done, run, error, this](const Result<RunInfo> &r) {
        if (r.ok())
            *run = r.value();
        else if (r.error().kind == backends::ErrorKind::NotFound)
            *run = RunInfo{};  // not a Pipeline (a freestyle job): the build's own state, without stages
        else if (error->isEmpty())
            *error = tr("Cannot read the stages of %1 #%2: %3").arg(m_job.join(QLatin1Char('/'))).arg(m_build).arg(r.error().message);
        done();
    });
    m_connection->client()->stageTree(m_job, m_build, this, [done, tree](const Result<QList<StageInfo>> &t) {
        if (t.ok())  // a Jenkins without the Pipeline Graph View: wfapi's stages only
            *tree = t.value();
        done();
    });
}

void RunView::onDescribed(const RunInfo &run)
{
    const bool ended = isFinished(run.status) && m_info && !m_info->building;
    m_run = run;
    m_graph->setRun(run);
    // The graph as tall as its stages need (parallel branches stack), up to half the page.
    if (!m_splitMoved) {
        QList<int> sizes = m_split->sizes();
        const int total = sizes.value(0) + sizes.value(1);
        const int want = std::min(m_graph->sizeHint().height(), total / 2);
        if (sizes.size() == 2 && total > 0 && sizes[0] != want)
            m_split->setSizes({want, total - want});
    }
    showHeader();
    showDelivery();
    if (run.waitingForInput()) {
        m_connection->client()->pendingInputs(m_job, m_build, this, [this](const Result<QList<PendingInput>> &inputs) {
            showApproval(inputs.ok() && !inputs.value().isEmpty() ? std::optional<PendingInput>(inputs.value().first()) : std::nullopt);
        });
    } else {
        showApproval(std::nullopt);
    }
    if (ended) {
        m_finishedRead = true;  // a finished run does not change: no more reads
        m_poll.stop();
    }
    updateButtons();
}

void RunView::showHeader()
{
    if (!m_run)
        return;
    const RunInfo &run = *m_run;
    const QString word = stateWord(run.status);
    m_state->setText(word);
    QPalette p = m_state->palette();
    p.setColor(QPalette::WindowText, StatusPalette::color(stateTone(run.status)));
    m_state->setPalette(p);
    QStringList facts;
    if (run.startMs > 0)
        facts << tr("started %1").arg(QDateTime::fromMSecsSinceEpoch(run.startMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    if (run.durationMs > 0)
        facts << (isFinished(run.status) ? tr("took %1") : tr("running for %1")).arg(models::humanDuration(run.durationMs / 1000));
    if (m_info && m_info->estimatedDurationMs > 0 && !isFinished(run.status))
        facts << tr("usually %1").arg(models::humanDuration(m_info->estimatedDurationMs / 1000));
    if (const int current = run.currentStage(); current >= 0)
        facts << tr("now: %1").arg(run.stages[current].name);
    if (const StageInfo *failed = run.failedStage())
        facts << (failed->error.isEmpty() ? tr("failed in %1").arg(failed->name) : tr("failed in %1: %2").arg(failed->name, failed->error));
    if (m_info && !m_info->causes.isEmpty())
        facts << m_info->causes.join(QStringLiteral("; "));
    m_facts->setText(facts.join(QStringLiteral(" · ")));
    QStringList params;
    if (m_info)
        for (const BuildParameter &bp : m_info->parameters)
            params << QStringLiteral("%1=%2").arg(bp.name, bp.secret ? QStringLiteral("••••••") : bp.value);
    m_parameters->setText(params.isEmpty() ? QString() : tr("Parameters: %1").arg(params.join(QStringLiteral(", "))));
    m_parameters->setVisible(!params.isEmpty());
}

void RunView::showApproval(const std::optional<PendingInput> &input)
{
    if (m_card && (!input || !(m_card->input() == *input))) {
        m_card->deleteLater();
        m_card = nullptr;
    }
    if (!input || m_card)
        return;
    m_card = new ApprovalCard(m_job, m_build, *input, this);
    m_card->setBlockedReason(m_readOnlyReason);
    connect(m_card, &ApprovalCard::proceedRequested, this, [this] { answerInput(true); });
    connect(m_card, &ApprovalCard::abortRequested, this, [this] { answerInput(false); });
    m_cardSlot->addWidget(m_card);
}

void RunView::showDelivery()
{
    if (!m_info)
        return;
    const RunDelivery d = RunDelivery::fromDescription(m_info->description);
    if (d.image == m_deliveryInfo.image && d.commit == m_deliveryInfo.commit && !d.isEmpty() == m_delivery->isVisible())
        return;
    m_deliveryInfo = d;
    if (d.isEmpty()) {
        m_delivery->hide();
        return;
    }
    findRollout();
    QStringList parts;
    if (!d.image.isEmpty())
        parts << tr("Image <b>%1</b>").arg(d.image.toHtmlEscaped());
    if (!d.commit.isEmpty())
        parts << tr("<a href=\"gitops\">GitOps commit %1</a>").arg(d.commit.left(7).toHtmlEscaped());
    if (!m_rolloutName.isEmpty())
        parts << tr("<a href=\"rollout\">Rollout %1/%2</a>: %3").arg(m_rolloutNamespace.toHtmlEscaped(), m_rolloutName.toHtmlEscaped(),
                                                                   m_rolloutState.toHtmlEscaped());
    else if (m_session && !m_rolloutError.isEmpty())
        parts << tr("the rollouts cannot be read: %1").arg(m_rolloutError.toHtmlEscaped());
    else if (m_session && !d.image.isEmpty())
        parts << tr("no rollout runs this image yet");
    m_delivery->setText(parts.join(QStringLiteral(" → ")));
    m_delivery->show();
}

QString RunView::deliveryText() const
{
    return m_delivery->isVisible() ? m_delivery->text() : QString();
}

void RunView::findRollout()
{
    if (!m_session || m_deliveryInfo.image.isEmpty() || m_rolloutWatch)
        return;
    // The Rollouts whose pod template runs the image, on the session's worker from the shared
    // informer: a cheap byte search first, a parse only of the few that hold the image.
    m_rolloutWatch = new QObject(this);
    const QByteArray image = m_deliveryInfo.image.toUtf8();
    using namespace backends;
    m_session->project<RolloutMatch>(
        {kube::WatchSpec{rollouts::rolloutsResource(), m_session->namespaceScope(), {}, false}},
        [image](const kube::ProjectionInputs &in) {
            if (!in.first().synced && !in.first().error.message.isEmpty())
                return RolloutMatch{{}, {}, {}, in.first().error.message};
            for (const kube::KubeObjectPtr &o : *in.first().objects) {
                const QByteArray json = o->json();
                if (!json.contains(image))
                    continue;
                const QJsonObject obj = QJsonDocument::fromJson(json).object();
                const QJsonArray containers = obj.value(QLatin1String("spec")).toObject().value(QLatin1String("template")).toObject()
                                                  .value(QLatin1String("spec")).toObject().value(QLatin1String("containers")).toArray();
                for (const QJsonValue &c : containers)
                    if (c.toObject().value(QLatin1String("image")).toString().toUtf8() == image) {
                        const auto info = rollouts::rolloutInfo(obj, {}, {}, {});
                        QString state = rollouts::rolloutStatusName(info.status);
                        if (!info.message.isEmpty())
                            state += QStringLiteral(" (%1)").arg(info.message);
                        return RolloutMatch{o->ns, o->name, state, {}};
                    }
            }
            return RolloutMatch{};
        },
        m_rolloutWatch, [this](const RolloutMatch &m) {
            if (m.name == m_rolloutName && m.ns == m_rolloutNamespace && m.state == m_rolloutState && m.error == m_rolloutError)
                return;
            m_rolloutNamespace = m.ns;
            m_rolloutName = m.name;
            m_rolloutState = m.state;
            m_rolloutError = m.error;
            m_deliveryInfo = {};  // shown again with the rollout
            showDelivery();
        });
}

void RunView::updateButtons()
{
    const bool running = m_info ? m_info->building : (m_run && !isFinished(m_run->status));
    const bool connected = m_connection->isConnected();
    m_stop->setEnabled(connected && running && m_readOnlyReason.isEmpty() && !m_busy);
    m_rebuild->setEnabled(connected && m_info.has_value() && m_readOnlyReason.isEmpty() && !m_busy);
    m_stop->setToolTip(m_readOnlyReason.isEmpty() ? tr("Stop the run (Jenkins ends it as ABORTED)") : m_readOnlyReason);
    m_rebuild->setToolTip(m_readOnlyReason.isEmpty() ? tr("Build again with the same parameters (a password is asked again)") : m_readOnlyReason);
    if (m_card)
        m_card->setBlockedReason(m_answering ? tr("sending…") : m_readOnlyReason);
}

void RunView::onReadOnlyChanged(const QString &reason)
{
    m_readOnlyReason = reason;
    updateButtons();
}

QString RunView::messageText() const
{
    return m_message->text();
}

void RunView::setMessage(const QString &text, bool ok)
{
    m_message->setText(text);
    QPalette p = m_message->palette();
    p.setColor(QPalette::WindowText, ok ? palette().color(QPalette::WindowText) : StatusPalette::color(models::StatusTone::Bad));
    m_message->setPalette(p);
}

void RunView::stopRun()
{
    if (!m_readOnlyReason.isEmpty()) {
        setMessage(tr("Stop not sent: %1").arg(m_readOnlyReason), false);
        return;
    }
    const JenkinsAction action = JenkinsAction::stop(m_connection->serverUrl(), m_connection->userName(), m_job, m_build);
    m_busy = true;
    updateButtons();
    m_connection->execute(m_runner, action, this, [this, action](const JenkinsConnection::Report &report) {
        m_busy = false;
        setMessage(report.message, report.ok || !report.sent);
        updateButtons();
        if (!report.sent)
            return;
        Q_EMIT actionFinished(action.name(), report.ok, report.message);
        refresh();
    });
}

void RunView::answerInput(bool proceed)
{
    if (!m_card)
        return;
    if (!m_readOnlyReason.isEmpty()) {
        setMessage(tr("Not sent: %1").arg(m_readOnlyReason), false);
        return;
    }
    const QString server = m_connection->serverUrl();
    const QString user = m_connection->userName();
    const JenkinsAction action = proceed ? JenkinsAction::proceed(server, user, m_job, m_build, m_card->input(), m_card->values())
                                         : JenkinsAction::abort(server, user, m_job, m_build, m_card->input());
    m_answering = true;
    updateButtons();
    m_connection->execute(m_runner, action, this, [this, action](const JenkinsConnection::Report &report) {
        m_answering = false;
        setMessage(report.message, report.ok || !report.sent);
        updateButtons();
        if (!report.sent)
            return;
        Q_EMIT actionFinished(action.name(), report.ok, report.message);
        if (report.ok)
            showApproval(std::nullopt);
        refresh();
    });
}

void RunView::rebuild()
{
    if (!m_readOnlyReason.isEmpty()) {
        setMessage(tr("Rebuild not sent: %1").arg(m_readOnlyReason), false);
        return;
    }
    if (!m_info)
        return;
    const QList<BuildParameter> previous = m_info->parameters;
    m_connection->client()->parameterDefinitions(m_job, this, [this, previous](const Result<QList<ParameterDefinition>> &defs) {
        if (!defs.ok()) {
            setMessage(tr("Cannot read the parameters of %1: %2").arg(m_job.join(QLatin1Char('/')), defs.error().message), false);
            return;
        }
        std::optional<QList<BuildParameter>> values = QList<BuildParameter>();
        if (!defs.value().isEmpty()) {
            // The same values, shown for a look (and a password typed again: Jenkins never returns one).
            values = m_askParameters ? m_askParameters(defs.value(), previous)
                                     : ParameterForm::ask(this, tr("Rebuild %1 #%2").arg(m_job.join(QLatin1Char('/'))).arg(m_build),
                                                          defs.value(), previous);
            if (!values) {
                setMessage(tr("Rebuild cancelled; nothing was sent"));
                return;
            }
        }
        if (!m_readOnlyReason.isEmpty()) {  // turned read-only while the form was open
            setMessage(tr("Rebuild not sent: %1").arg(m_readOnlyReason), false);
            return;
        }
        const JenkinsAction action = JenkinsAction::trigger(m_connection->serverUrl(), m_connection->userName(), m_job,
                                                            !defs.value().isEmpty(), *values);
        m_busy = true;
        updateButtons();
        m_connection->trigger(m_runner, action, this, [this](const JenkinsConnection::Report &report) {
            m_busy = false;
            setMessage(report.message, report.ok || !report.sent);
            updateButtons();
            if (!report.sent)
                return;
            Q_EMIT actionFinished(QStringLiteral("jenkins-trigger"), report.ok, report.message);
            if (report.ok && report.outcome.buildNumber > 0)
                Q_EMIT openRunRequested(m_job, report.outcome.buildNumber);
        });
    });
}

}  // namespace pilothouse::widgets
