// The Pipelines page.
#include "pipelines/pipelinesview.h"

#include "pipelines/approvalcard.h"
#include "pipelines/parameterform.h"
#include "pipelines/runmatrixview.h"
#include "pipelines/jobtreemodel.h"
#include "shell/actionrunner.h"
#include "style/statuspalette.h"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTreeView>
#include <QPainter>
#include <QTime>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using namespace backends::jenkins;
using backends::Result;

namespace {

// Folders, multibranch projects and their branches are a few levels deep at most in practice
// (folder / multibranch / branch); a tree deeper than this shows its top levels.
constexpr int kTreeDepth = 4;
constexpr int kPollMs = 3000;

void collectBuilding(const QList<JobNode> &jobs, QList<const JobNode *> &out)
{
    for (const JobNode &j : jobs) {
        if (!j.isContainer() && j.building && j.lastBuild)
            out << &j;
        collectBuilding(j.children, out);
    }
}

void markWaiting(QList<JobNode> &jobs, const QHash<QString, int> &builds, const QHash<QString, QString> &messages)
{
    for (JobNode &j : jobs) {
        auto it = builds.constFind(j.fullName);
        if (it != builds.constEnd()) {
            j.waitingBuild = *it;
            j.waitingInput = messages.value(j.fullName);
        }
        markWaiting(j.children, builds, messages);
    }
}

const JobNode *findJob(const QList<JobNode> &jobs, const QStringList &path)
{
    for (const JobNode &j : jobs) {
        if (j.path == path)
            return &j;
        if (path.size() > j.path.size() && path.mid(0, j.path.size()) == j.path)
            if (const JobNode *found = findJob(j.children, path))
                return found;
    }
    return nullptr;
}

// The status column: the tone's icon and word, and for a building job a band that sweeps across
// the cell (the phase from the clock, so every building row moves together).
class BuildingStatusDelegate : public StatusDelegate {
public:
    using StatusDelegate::StatusDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        if (index.data(models::JobTreeModel::BuildingRole).toBool()) {
            const QColor tone = StatusPalette::color(models::StatusTone::Progress);
            const QRect r = option.rect.adjusted(1, option.rect.height() - 4, -1, -1);
            QColor track = tone;
            track.setAlpha(50);
            painter->fillRect(r, track);
            const int band = std::max(12, r.width() / 4);
            const int span = r.width() + band;
            const int x = r.left() - band + static_cast<int>(QTime::currentTime().msecsSinceStartOfDay() / 4 % std::max(1, span));
            painter->fillRect(QRect(x, r.top(), band, r.height()).intersected(r), tone);
        }
        StatusDelegate::paint(painter, option, index);
    }
};

}  // namespace

PipelinesView::PipelinesView(JenkinsConnection *connection, const JenkinsPreset &preset, QWidget *parent)
    : shell::Page(parent), m_connection(connection), m_runner(new shell::ActionRunner(this, this)), m_model(new models::JobTreeModel(this)),
      m_proxy(new QSortFilterProxyModel(this))
{
    setWindowTitle(tr("Pipelines"));
    m_proxy->setSourceModel(m_model);
    m_proxy->setRecursiveFilteringEnabled(true);  // a match keeps its folders
    m_proxy->setAutoAcceptChildRows(true);         // a matching folder shows its jobs
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(models::JobTreeModel::NameColumn);
    buildUi();
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &PipelinesView::refresh);
    connect(m_connection, &JenkinsConnection::stateChanged, this, &PipelinesView::onStateChanged);
    onStateChanged(m_connection->state(), m_connection->statusText());
    if (!m_connection->isConnected())
        applyPreset(preset);
    else
        refresh();
}

PipelinesView::~PipelinesView() = default;

void PipelinesView::buildUi()
{
    auto *layout = new QVBoxLayout(this);

    // The server: a form until connected, then one line with "Change…".
    m_serverForm = new QWidget(this);
    auto *form = new QHBoxLayout(m_serverForm);
    form->setContentsMargins(0, 0, 0, 0);
    m_url = new QLineEdit(m_serverForm);
    m_url->setObjectName(QStringLiteral("jenkinsUrl"));
    m_url->setPlaceholderText(QStringLiteral("https://jenkins.example.com"));
    m_user = new QLineEdit(m_serverForm);
    m_user->setObjectName(QStringLiteral("jenkinsUser"));
    m_user->setPlaceholderText(tr("user"));
    m_token = new QLineEdit(m_serverForm);
    m_token->setObjectName(QStringLiteral("jenkinsToken"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("API token"));
    m_token->setToolTip(tr("An API token (Jenkins: your name › Security › API Token). A password works too, with a crumb per change."));
    m_caFile = new QLineEdit(m_serverForm);
    m_caFile->setObjectName(QStringLiteral("jenkinsCaFile"));
    m_caFile->setPlaceholderText(tr("CA file (PEM), empty: system"));
    m_insecure = new QCheckBox(tr("Skip TLS verification"), m_serverForm);
    m_remember = new QCheckBox(tr("Remember in keychain"), m_serverForm);
    m_connect = new QPushButton(tr("Connect"), m_serverForm);
    m_connect->setObjectName(QStringLiteral("jenkinsConnect"));
    form->addWidget(new QLabel(tr("Jenkins"), m_serverForm));
    form->addWidget(m_url, 3);
    form->addWidget(m_user, 1);
    form->addWidget(m_token, 2);
    form->addWidget(m_caFile, 2);
    form->addWidget(m_insecure);
    form->addWidget(m_remember);
    form->addWidget(m_connect);
    layout->addWidget(m_serverForm);

    auto *statusRow = new QHBoxLayout;
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("jenkinsStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_editServer = new QPushButton(tr("Change server…"), this);
    m_disconnect = new QPushButton(tr("Disconnect"), this);
    m_disconnect->setToolTip(tr("Disconnect from this Jenkins and remove its token from the keychain"));
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_editServer);
    statusRow->addWidget(m_disconnect);
    layout->addLayout(statusRow);

    auto *split = new QSplitter(Qt::Horizontal, this);
    auto *left = new QWidget(split);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    m_filter = new QLineEdit(left);
    m_filter->setObjectName(QStringLiteral("jobFilter"));
    m_filter->setPlaceholderText(tr("Filter jobs…"));
    m_filter->setClearButtonEnabled(true);
    leftLayout->addWidget(m_filter);
    m_cardsBox = new QWidget(left);
    m_cards = new QVBoxLayout(m_cardsBox);
    m_cards->setContentsMargins(0, 0, 0, 0);
    auto *cardsTitle = new QLabel(tr("Waiting for you"), m_cardsBox);
    QFont bold = cardsTitle->font();
    bold.setBold(true);
    cardsTitle->setFont(bold);
    m_cards->addWidget(cardsTitle);
    m_cardsBox->hide();
    leftLayout->addWidget(m_cardsBox);
    m_tree = new QTreeView(left);
    m_tree->setObjectName(QStringLiteral("jobTree"));
    m_tree->setModel(m_proxy);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setItemDelegateForColumn(models::JobTreeModel::StatusColumn, new BuildingStatusDelegate(m_tree));
    // A building job's status cell moves (as Jenkins' blinking ball does), a frame every 80 ms,
    // only while something builds and only that column.
    m_animation.setInterval(80);
    connect(&m_animation, &QTimer::timeout, this, [this] {
        const int x = m_tree->header()->sectionViewportPosition(models::JobTreeModel::StatusColumn);
        m_tree->viewport()->update(QRect(x, 0, m_tree->header()->sectionSize(models::JobTreeModel::StatusColumn), m_tree->viewport()->height()));
    });
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(models::JobTreeModel::NameColumn, QHeaderView::Stretch);
    for (int c = models::JobTreeModel::StatusColumn; c < models::JobTreeModel::ColumnCount; ++c)
        m_tree->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    leftLayout->addWidget(m_tree, 1);

    auto *right = new QWidget(split);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto *header = new QHBoxLayout;
    auto *titles = new QVBoxLayout;
    m_jobTitle = new QLabel(tr("Choose a job"), right);
    m_jobTitle->setTextFormat(Qt::PlainText);
    QFont big = m_jobTitle->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    big.setBold(true);
    m_jobTitle->setFont(big);
    m_jobFacts = new QLabel(right);
    m_jobFacts->setTextFormat(Qt::PlainText);
    m_jobFacts->setWordWrap(true);
    titles->addWidget(m_jobTitle);
    titles->addWidget(m_jobFacts);
    header->addLayout(titles, 1);
    m_build = new QPushButton(tr("Build"), right);
    m_build->setObjectName(QStringLiteral("jobBuild"));
    m_openLast = new QPushButton(tr("Open last run"), right);
    header->addWidget(m_build);
    header->addWidget(m_openLast);
    rightLayout->addLayout(header);
    m_matrix = new RunMatrixView(m_connection->client(), right);
    rightLayout->addWidget(m_matrix, 1);
    m_message = new QLabel(right);
    m_message->setObjectName(QStringLiteral("pipelinesMessage"));
    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    rightLayout->addWidget(m_message);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({560, 840});  // the job names readable beside status, last build and health
    layout->addWidget(split, 1);

    connect(m_connect, &QPushButton::clicked, this, &PipelinesView::connectToServer);
    connect(m_token, &QLineEdit::returnPressed, this, &PipelinesView::connectToServer);
    connect(m_disconnect, &QPushButton::clicked, this, [this] { m_connection->disconnect(true); });
    connect(m_editServer, &QPushButton::clicked, this, [this] { m_serverForm->setVisible(!m_serverForm->isVisible()); });
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setFilterFixedString(text.trimmed());
        if (!text.trimmed().isEmpty())
            m_tree->expandAll();
    });
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &PipelinesView::onSelectionChanged);
    connect(m_tree, &QTreeView::activated, this, [this](const QModelIndex &index) {
        const QStringList path = index.data(models::JobTreeModel::PathRole).toStringList();
        if (const JobNode *job = findJob(m_jobs, path); job && job->lastBuild)
            Q_EMIT openRunRequested(path, job->lastBuild->number);
    });
    connect(m_build, &QPushButton::clicked, this, &PipelinesView::buildSelectedJob);
    connect(m_openLast, &QPushButton::clicked, this, [this] {
        if (const JobNode *job = findJob(m_jobs, m_selectedJob); job && job->lastBuild)
            Q_EMIT openRunRequested(m_selectedJob, job->lastBuild->number);
    });
    connect(m_matrix, &RunMatrixView::runActivated, this, &PipelinesView::openRunRequested);
    updateButtons();
}

void PipelinesView::applyPreset(const JenkinsPreset &preset)
{
    m_url->setText(preset.url);
    m_user->setText(preset.user);
    m_token->setText(QString::fromUtf8(preset.apiToken.isEmpty() ? preset.password : preset.apiToken));
    m_caFile->setText(preset.caFile);
    m_insecure->setChecked(preset.insecureSkipVerify);
    if (preset.url.isEmpty() || preset.user.isEmpty())
        return;
    JenkinsServer server;
    server.url = preset.url;
    server.user = preset.user;
    server.apiToken = preset.apiToken;
    server.password = preset.password;
    server.caFile = preset.caFile;
    server.caPem = preset.caPem;
    server.insecureSkipVerify = preset.insecureSkipVerify;
    if (!preset.apiToken.isEmpty() || !preset.password.isEmpty()) {
        if (preset.connectNow)
            m_connection->connectTo(server, false);
        return;
    }
    m_connection->connectWithKeychain(server);
}

void PipelinesView::connectToServer()
{
    JenkinsServer server;
    server.url = m_url->text().trimmed();
    server.user = m_user->text().trimmed();
    server.apiToken = m_token->text().toUtf8();
    server.caFile = m_caFile->text().trimmed();
    server.insecureSkipVerify = m_insecure->isChecked();
    m_connection->connectTo(server, m_remember->isChecked());
}

void PipelinesView::onStateChanged(JenkinsConnection::State state, const QString &status)
{
    m_status->setText(status);
    const bool connected = state == JenkinsConnection::State::Connected;
    m_connect->setEnabled(state != JenkinsConnection::State::Connecting);
    m_disconnect->setVisible(connected);
    m_editServer->setVisible(connected);
    m_serverForm->setVisible(!connected);
    if (connected) {
        m_token->clear();  // the secret stays with the client only
        if (m_connection->tokenFromKeychain())
            m_remember->setChecked(true);
        if (isVisible())
            m_poll.start();
        refresh();
    } else {
        // Connecting elsewhere, failed or gone: nothing of the server before stays on screen,
        // and no card can answer an input there.
        m_poll.stop();
        m_reading = false;
        m_pendingReads = 0;
        m_jobs.clear();
        m_waiting.clear();
        applyJobs();
        if (!m_selectedJob.isEmpty()) {
            m_selectedJob.clear();
            m_matrix->setJob({});
        }
        onSelectionChanged();
    }
    updateButtons();
}

void PipelinesView::showEvent(QShowEvent *event)
{
    shell::Page::showEvent(event);
    if (m_connection->isConnected()) {
        m_poll.start();
        refresh();
    }
}

void PipelinesView::hideEvent(QHideEvent *event)
{
    shell::Page::hideEvent(event);
    m_poll.stop();  // Jenkins has no watch: nobody looking, nothing read
}

void PipelinesView::refresh()
{
    if (!m_connection->isConnected() || m_reading)
        return;
    m_reading = true;
    const int generation = m_connection->generation();
    m_connection->client()->jobs({}, kTreeDepth, this, [this, generation](const Result<QList<JobNode>> &jobs) {
        if (generation != m_connection->generation() || !m_connection->isConnected())
            return;  // read from the server before (onStateChanged reset m_reading)
        m_reading = false;
        if (!jobs.ok()) {
            m_status->setText(tr("%1 — reading the jobs failed: %2").arg(m_connection->statusText(), jobs.error().message));
            return;
        }
        m_status->setText(m_connection->statusText());
        onJobs(jobs.value());
    });
    if (!m_selectedJob.isEmpty())
        m_matrix->refresh();
}

void PipelinesView::onJobs(const QList<JobNode> &jobs)
{
    m_jobs = jobs;
    // A build that no longer runs waits for nothing.
    QList<const JobNode *> building;
    collectBuilding(m_jobs, building);
    QHash<QString, Waiting> still;
    for (const JobNode *j : building)
        if (auto it = m_waiting.constFind(j->fullName); it != m_waiting.constEnd() && it->build == j->lastBuild->number)
            still.insert(j->fullName, *it);
    m_waiting.swap(still);
    applyJobs();
    readPendingInputs(m_jobs);
    onSelectionChanged();
}

void PipelinesView::readPendingInputs(const QList<JobNode> &jobs)
{
    if (m_pendingReads > 0)
        return;  // the last round is still out
    QList<const JobNode *> building;
    collectBuilding(jobs, building);
    for (const JobNode *j : building) {
        ++m_pendingReads;
        const QString name = j->fullName;
        const int build = j->lastBuild->number;
        const int generation = m_connection->generation();
        m_connection->client()->pendingInputs(j->path, build, this, [this, name, build, generation](const Result<QList<PendingInput>> &inputs) {
            if (generation != m_connection->generation() || !m_connection->isConnected())
                return;
            --m_pendingReads;
            if (m_answering.contains(name))
                return;  // an answer is on its way: what was read before it must not bring the card back
            if (!inputs.ok())
                return;  // a job without the Stage View plugin, or gone: nothing waits that we can see
            const bool had = m_waiting.contains(name);
            if (inputs.value().isEmpty()) {
                if (had) {
                    m_waiting.remove(name);
                    applyJobs();
                }
                return;
            }
            const Waiting w{build, inputs.value().first()};
            if (had && m_waiting.value(name).build == build && m_waiting.value(name).input == w.input)
                return;
            m_waiting.insert(name, w);
            applyJobs();
        });
    }
}

void PipelinesView::applyJobs()
{
    QList<JobNode> shown = m_jobs;
    QHash<QString, int> builds;
    QHash<QString, QString> messages;
    for (auto it = m_waiting.cbegin(); it != m_waiting.cend(); ++it) {
        builds.insert(it.key(), it->build);
        messages.insert(it.key(), it->input.message.isEmpty() ? it->input.id : it->input.message);
    }
    markWaiting(shown, builds, messages);
    const bool first = m_model->rowCount() == 0;
    m_model->setJobs(shown);
    bool anyBuilding = false;
    std::function<void(const QList<JobNode> &)> walk = [&](const QList<JobNode> &jobs) {
        for (const JobNode &j : jobs) {
            anyBuilding = anyBuilding || j.building;
            walk(j.children);
        }
    };
    walk(shown);
    if (anyBuilding && !m_animation.isActive())
        m_animation.start();
    else if (!anyBuilding)
        m_animation.stop();
    if (first && m_model->rowCount() > 0)
        m_tree->expandToDepth(1);  // folders and their multibranch projects open; branches one click away
    updateApprovalCards();
    int waiting = static_cast<int>(m_waiting.size());
    Q_EMIT badgeChanged(waiting > 0 ? waiting : -1);
}

QList<ApprovalCard *> PipelinesView::approvalCards() const
{
    return m_cardsBox->findChildren<ApprovalCard *>(QString(), Qt::FindDirectChildrenOnly);
}

void PipelinesView::updateApprovalCards()
{
    // Cards stay while their input waits (a half-filled form is not lost on a refresh).
    QHash<QString, ApprovalCard *> existing;
    for (ApprovalCard *card : approvalCards())
        existing.insert(card->job().join(QLatin1Char('/')) + QLatin1Char('#') + QString::number(card->build()) + QLatin1Char(':') + card->input().id, card);
    QStringList names = m_waiting.keys();
    names.sort();
    for (const QString &name : names) {
        const Waiting &w = m_waiting[name];
        const QStringList path = [&] {
            const JobNode *found = nullptr;
            std::function<void(const QList<JobNode> &)> walk = [&](const QList<JobNode> &jobs) {
                for (const JobNode &j : jobs) {
                    if (j.fullName == name)
                        found = &j;
                    walk(j.children);
                }
            };
            walk(m_jobs);
            return found ? found->path : name.split(QLatin1Char('/'));
        }();
        const QString key = name + QLatin1Char('#') + QString::number(w.build) + QLatin1Char(':') + w.input.id;
        if (existing.take(key))
            continue;
        auto *card = new ApprovalCard(path, w.build, w.input, m_cardsBox);
        card->setOpenable(true);
        card->setBlockedReason(m_readOnlyReason);
        connect(card, &ApprovalCard::proceedRequested, this, [this, card] { answerInput(card, true); });
        connect(card, &ApprovalCard::abortRequested, this, [this, card] { answerInput(card, false); });
        connect(card, &ApprovalCard::openRequested, this, [this, card] { Q_EMIT openRunRequested(card->job(), card->build()); });
        m_cards->addWidget(card);
    }
    for (ApprovalCard *gone : std::as_const(existing))
        gone->deleteLater();
    m_cardsBox->setVisible(!m_waiting.isEmpty());
}

bool PipelinesView::selectJob(const QStringList &path)
{
    const QModelIndex source = m_model->indexOfJob(path);
    if (!source.isValid())
        return false;
    const QModelIndex index = m_proxy->mapFromSource(source);
    if (!index.isValid())
        return false;
    m_tree->scrollTo(index);
    m_tree->setCurrentIndex(index);
    return true;
}

void PipelinesView::onSelectionChanged()
{
    const QModelIndex current = m_tree->currentIndex();
    const QStringList path = current.isValid() ? current.data(models::JobTreeModel::PathRole).toStringList() : QStringList();
    const JobNode *job = findJob(m_jobs, path);
    if (!job || job->isContainer()) {
        if (!m_selectedJob.isEmpty() && (!job || job->path != m_selectedJob)) {
            m_selectedJob.clear();
            m_matrix->setJob({});
        }
        m_jobTitle->setText(job ? job->displayName : tr("Choose a job"));
        m_jobFacts->setText(job ? tr("A folder: choose one of its jobs")
                                : tr("Its runs × stages appear here, as many as you scroll through; Build asks for its parameters."));
        updateButtons();
        return;
    }
    if (path != m_selectedJob) {
        m_selectedJob = path;
        m_matrix->setJob(path);
    }
    m_jobTitle->setText(job->fullName);
    QStringList facts;
    const QString status = models::JobTreeModel::statusText(*job);
    if (!job->waitingInput.isEmpty())
        facts << tr("#%1 waits for approval").arg(job->waitingBuild);
    else if (job->building)
        facts << tr("building");
    else if (!status.isEmpty())
        facts << tr("last build: %1").arg(status);
    if (job->healthScore >= 0)
        facts << tr("health %1 %").arg(job->healthScore);
    if (!job->buildable)
        facts << tr("disabled");
    m_jobFacts->setText(facts.join(QStringLiteral(" · ")));
    updateButtons();
}

void PipelinesView::updateButtons()
{
    const JobNode *job = findJob(m_jobs, m_selectedJob);
    const bool canBuild = m_connection->isConnected() && job && !job->isContainer() && job->buildable;
    // Busy for the job whose trigger is being followed to its build number, not for the others.
    const bool triggering = m_triggering.contains(m_selectedJob.join(QLatin1Char('/')));
    m_build->setEnabled(canBuild && m_readOnlyReason.isEmpty() && !triggering);
    m_build->setToolTip(!m_readOnlyReason.isEmpty() ? m_readOnlyReason
                        : job && !job->buildable ? tr("the job is disabled")
                                                 : QString());
    m_openLast->setEnabled(job && job->lastBuild.has_value());
}

void PipelinesView::onReadOnlyChanged(const QString &reason)
{
    m_readOnlyReason = reason;
    for (ApprovalCard *card : approvalCards())
        card->setBlockedReason(reason);
    updateButtons();
}

QString PipelinesView::statusText() const
{
    return m_status->text();
}

QString PipelinesView::messageText() const
{
    return m_message->text();
}

void PipelinesView::setMessage(const QString &text, bool ok)
{
    m_message->setText(text);
    m_message->setForegroundRole(ok ? QPalette::WindowText : QPalette::BrightText);
    QPalette p = m_message->palette();
    p.setColor(QPalette::WindowText, ok ? palette().color(QPalette::WindowText) : StatusPalette::color(models::StatusTone::Bad));
    m_message->setPalette(p);
    m_message->setForegroundRole(QPalette::WindowText);
}

std::optional<QList<BuildParameter>> PipelinesView::askParameters(const QList<ParameterDefinition> &definitions)
{
    if (m_askParameters)
        return m_askParameters(definitions);
    return ParameterForm::ask(this, tr("Build %1 with parameters").arg(m_selectedJob.join(QLatin1Char('/'))), definitions, {});
}

void PipelinesView::buildSelectedJob()
{
    if (!m_readOnlyReason.isEmpty()) {
        setMessage(tr("Build not sent: %1").arg(m_readOnlyReason), false);
        return;
    }
    const QStringList job = m_selectedJob;
    if (job.isEmpty() || !m_connection->isConnected())
        return;
    m_build->setEnabled(false);
    // The form comes from the job's definitions as they are now (Jenkins may have changed them).
    m_connection->client()->parameterDefinitions(job, this, [this, job](const Result<QList<ParameterDefinition>> &defs) {
        updateButtons();
        if (!defs.ok()) {
            setMessage(tr("Cannot read the parameters of %1: %2").arg(job.join(QLatin1Char('/')), defs.error().message), false);
            return;
        }
        if (defs.value().isEmpty()) {
            trigger(job, false, {});
            return;
        }
        const auto values = askParameters(defs.value());
        if (!values) {
            setMessage(tr("Build of %1 cancelled; nothing was sent").arg(job.join(QLatin1Char('/'))));
            return;
        }
        trigger(job, true, *values);
    });
}

void PipelinesView::trigger(const QStringList &job, bool parameterized, const QList<BuildParameter> &parameters)
{
    // Asked again: the context may have turned read-only while the parameters were read or typed.
    if (!m_readOnlyReason.isEmpty()) {
        setMessage(tr("Build not sent: %1").arg(m_readOnlyReason), false);
        return;
    }
    const JenkinsAction action = JenkinsAction::trigger(m_connection->serverUrl(), m_connection->userName(), job, parameterized, parameters);
    const QString name = job.join(QLatin1Char('/'));
    m_triggering.insert(name);
    updateButtons();
    setMessage(tr("Building %1…").arg(job.join(QLatin1Char('/'))));
    m_connection->trigger(m_runner, action, this, [this, job, name](const JenkinsConnection::Report &report) {
        m_triggering.remove(name);
        setMessage(report.message, report.ok || !report.sent);
        updateButtons();
        if (!report.sent)
            return;
        Q_EMIT actionFinished(QStringLiteral("jenkins-trigger"), report.ok, report.message);
        refresh();
        if (report.ok && report.outcome.buildNumber > 0 && m_selectedJob == job)
            m_matrix->refresh();
    });
}

void PipelinesView::answerInput(ApprovalCard *card, bool proceed)
{
    if (!m_readOnlyReason.isEmpty()) {
        setMessage(tr("Not sent: %1").arg(m_readOnlyReason), false);
        return;
    }
    const QString server = m_connection->serverUrl();
    const QString user = m_connection->userName();
    const JenkinsAction action = proceed ? JenkinsAction::proceed(server, user, card->job(), card->build(), card->input(), card->values())
                                         : JenkinsAction::abort(server, user, card->job(), card->build(), card->input());
    const QString name = action.job.join(QLatin1Char('/'));
    // One answer per card: its buttons wait until this one is through.
    m_answering.insert(name);
    card->setBlockedReason(tr("sending…"));
    QPointer<ApprovalCard> guard(card);
    m_connection->execute(m_runner, action, this, [this, action, name, guard](const JenkinsConnection::Report &report) {
        m_answering.remove(name);
        if (guard)
            guard->setBlockedReason(m_readOnlyReason);
        setMessage(report.message, report.ok || !report.sent);
        if (!report.sent)
            return;
        Q_EMIT actionFinished(action.name(), report.ok, report.message);
        if (report.ok)
            m_waiting.remove(name);
        applyJobs();
        refresh();
    });
}

}  // namespace pilothouse::widgets
