// Confirmation texts, execution and audit of Jenkins triggers, stops and input answers; a trigger
// followed to its build number, and found by reading when its answer was lost.
#include "jenkins/jenkinsactions.h"

#include "core/errors.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <memory>

namespace pilothouse::backends::jenkins {

namespace {

QString shown(const QList<BuildParameter> &parameters)
{
    QStringList out;
    for (const BuildParameter &p : parameters)
        out << p.name + QLatin1Char('=') + (p.secret ? QStringLiteral("••••••") : p.value);
    return out.join(QStringLiteral(", "));
}

QByteArray urlEncoded(const QList<BuildParameter> &parameters)
{
    QByteArray out;
    for (const BuildParameter &p : parameters) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(p.name) + '=' + QUrl::toPercentEncoding(p.value);
    }
    return out;
}

// A lost answer: the request may have reached Jenkins and queued a build.
bool answerLost(const PostReply &r)
{
    if (r.error.kind == ErrorKind::Tls || r.error.kind == ErrorKind::Config || r.error.kind == ErrorKind::Cancelled)
        return false;  // never sent
    if (!r.answered && r.error.isError())
        return true;
    return r.status == 502 || r.status == 503 || r.status == 504;
}

}  // namespace

QString triggerStateName(TriggerOutcome::State state)
{
    switch (state) {
    case TriggerOutcome::State::Started: return QStringLiteral("started");
    case TriggerOutcome::State::Queued: return QStringLiteral("queued");
    case TriggerOutcome::State::Unknown: return QStringLiteral("unknown");
    case TriggerOutcome::State::Refused: return QStringLiteral("refused");
    case TriggerOutcome::State::Failed: return QStringLiteral("failed");
    }
    return {};
}

QString JenkinsAction::name() const
{
    switch (kind) {
    case Kind::Trigger: return QStringLiteral("jenkins-trigger");
    case Kind::Stop: return QStringLiteral("jenkins-stop");
    case Kind::Proceed: return QStringLiteral("jenkins-input-proceed");
    case Kind::Abort: return QStringLiteral("jenkins-input-abort");
    }
    return {};
}

QString JenkinsAction::objectLabel() const
{
    QStringList names;
    for (const QString &n : job)
        names << QUrl::fromPercentEncoding(n.toUtf8());
    const QString label = QStringLiteral("Jenkins job ") + names.join(QLatin1Char('/'));
    return kind == Kind::Trigger ? label : label + QStringLiteral(" #") + QString::number(build);
}

QString JenkinsAction::change() const
{
    switch (kind) {
    case Kind::Trigger:
        return parameters.isEmpty() ? QStringLiteral("build") : QStringLiteral("build with ") + shown(parameters);
    case Kind::Stop:
        return QStringLiteral("stop the running build (it ends as ABORTED)");
    case Kind::Proceed:
        return QStringLiteral("approve input %1 (\"%2\")%3")
            .arg(inputId, inputMessage, parameters.isEmpty() ? QString() : QStringLiteral(" with ") + shown(parameters));
    case Kind::Abort:
        return QStringLiteral("abort input %1 (\"%2\"): the build ends as ABORTED").arg(inputId, inputMessage);
    }
    return {};
}

QString JenkinsAction::confirmationText() const
{
    return QStringLiteral("%1 on Jenkins %2 as %3: %4").arg(objectLabel(), server, user, change());
}

QString JenkinsAction::path() const
{
    const QString base = jobPath(job);
    const QString input = QString::fromLatin1(QUrl::toPercentEncoding(inputId));
    switch (kind) {
    case Kind::Trigger: return base + (parameterized ? QStringLiteral("buildWithParameters") : QStringLiteral("build"));
    case Kind::Stop: return base + QString::number(build) + QStringLiteral("/stop");
    case Kind::Proceed:
        return base + QString::number(build) + QStringLiteral("/input/") + input + (parameters.isEmpty() ? QStringLiteral("/proceedEmpty") : QStringLiteral("/proceed"));
    case Kind::Abort: return base + QString::number(build) + QStringLiteral("/input/") + input + QStringLiteral("/abort");
    }
    return {};
}

QByteArray JenkinsAction::form() const
{
    if (kind == Kind::Trigger)
        return parameterized ? urlEncoded(parameters) : QByteArray();
    if (kind == Kind::Proceed && !parameters.isEmpty()) {
        QJsonArray list;
        for (const BuildParameter &p : parameters)
            list.append(QJsonObject{{QStringLiteral("name"), p.name}, {QStringLiteral("value"), p.value}});
        return "json=" + QUrl::toPercentEncoding(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("parameter"), list}}).toJson(QJsonDocument::Compact)));
    }
    return {};
}

JenkinsAction JenkinsAction::trigger(const QString &server, const QString &user, const QStringList &job, bool parameterized,
                                     const QList<BuildParameter> &parameters)
{
    JenkinsAction a;
    a.kind = Kind::Trigger;
    a.server = server;
    a.user = user;
    a.job = job;
    a.parameterized = parameterized;
    a.parameters = parameters;
    return a;
}

JenkinsAction JenkinsAction::stop(const QString &server, const QString &user, const QStringList &job, int build)
{
    JenkinsAction a;
    a.kind = Kind::Stop;
    a.server = server;
    a.user = user;
    a.job = job;
    a.build = build;
    return a;
}

JenkinsAction JenkinsAction::proceed(const QString &server, const QString &user, const QStringList &job, int build, const PendingInput &input,
                                     const QList<BuildParameter> &values)
{
    JenkinsAction a = stop(server, user, job, build);
    a.kind = Kind::Proceed;
    a.inputId = input.id;
    a.inputMessage = input.message;
    a.parameters = values;
    return a;
}

JenkinsAction JenkinsAction::abort(const QString &server, const QString &user, const QStringList &job, int build, const PendingInput &input)
{
    JenkinsAction a = stop(server, user, job, build);
    a.kind = Kind::Abort;
    a.inputId = input.id;
    a.inputMessage = input.message;
    return a;
}

// --- JenkinsActions ---

struct JenkinsActions::Trigger {
    JenkinsAction action;
    QPointer<QObject> receiver;
    std::function<void(const TriggerOutcome &)> done;
    int lastBuildBefore = -1;    // the job's newest build number before the trigger; -1: unknown
    qint64 sentAtMs = 0;
    TriggerOutcome outcome;
    QElapsedTimer following;
};

JenkinsActions::JenkinsActions(JenkinsClient *client, actions::AuditLog *audit, QObject *parent)
    : QObject(parent), m_client(client), m_audit(audit)
{
}

void JenkinsActions::trigger(const JenkinsAction &action, QObject *receiver, std::function<void(const TriggerOutcome &)> done)
{
    auto t = std::make_shared<Trigger>();
    t->action = action;
    t->receiver = receiver;
    t->done = std::move(done);
    // The newest build before the click: a build of ours, found after a lost answer, is newer.
    m_client->recentBuilds(action.job, 1, this, [this, t](const Result<QList<BuildInfo>> &builds) {
        if (builds.ok())
            t->lastBuildBefore = builds.value().isEmpty() ? 0 : builds.value().first().number;
        t->sentAtMs = QDateTime::currentMSecsSinceEpoch();
        m_client->post(t->action.path(), t->action.form(), this, [this, t](const PostReply &r) {
            if (answerLost(r)) {
                t->outcome.answerLost = true;
                t->outcome.message = r.error.isError() ? r.error.message : QStringLiteral("Jenkins answered %1").arg(r.status);
                return resolveLost(t);
            }
            if (r.error.isError()) {
                TriggerOutcome o;
                o.state = r.answered ? TriggerOutcome::State::Refused : TriggerOutcome::State::Failed;
                o.message = r.error.message;
                return finish(t, o);
            }
            t->outcome.queueItem = queueItemFromLocation(r.location);
            t->outcome.alreadyQueued = r.status == 303;
            if (t->outcome.queueItem == 0) {
                // Accepted without saying where it went: look for it as after a lost answer.
                t->outcome.message = QStringLiteral("Jenkins answered %1 without a queue item").arg(r.status);
                return resolveLost(t);
            }
            t->following.start();
            follow(t);
        });
    });
}

void JenkinsActions::follow(std::shared_ptr<Trigger> t)
{
    m_client->queueItem(t->outcome.queueItem, this, [this, t](const Result<QueueItem> &item) {
        TriggerOutcome o = t->outcome;
        if (!item.ok()) {
            if (item.error().kind == ErrorKind::NotFound)
                return resolveLost(t);  // left the queue long ago: its build is among the newest
            o.state = TriggerOutcome::State::Queued;
            o.message = QStringLiteral("queued as item %1; reading it failed: %2").arg(o.queueItem).arg(item.error().message);
            return finish(t, o);
        }
        if (item.value().buildNumber > 0) {
            o.state = TriggerOutcome::State::Started;
            o.buildNumber = item.value().buildNumber;
            return finish(t, o);
        }
        if (item.value().cancelled) {
            o.state = TriggerOutcome::State::Refused;
            o.message = QStringLiteral("queue item %1 was cancelled before it started").arg(o.queueItem);
            return finish(t, o);
        }
        if (t->following.elapsed() >= m_followTimeoutMs) {
            o.state = TriggerOutcome::State::Queued;
            o.message = item.value().why;
            return finish(t, o);
        }
        QTimer::singleShot(m_followIntervalMs, this, [this, t] { follow(t); });
    });
}

void JenkinsActions::resolveLost(std::shared_ptr<Trigger> t)
{
    // Nothing is sent again: the queue, then the job's newest builds, for one of ours.
    m_client->queue(this, [this, t](const Result<QList<QueueItem>> &queue) {
        if (queue.ok())
            for (const QueueItem &q : queue.value())
                if (q.taskUrl.endsWith(QLatin1Char('/') + jobPath(t->action.job)) && carriesParameters(q.parameters, t->action.parameters)) {
                    t->outcome.queueItem = q.id;
                    t->following.start();
                    return follow(t);
                }
        m_client->recentBuilds(t->action.job, 10, this, [this, t](const Result<QList<BuildInfo>> &builds) {
            TriggerOutcome o = t->outcome;
            if (builds.ok()) {
                // Oldest first: the first build of ours after the click.
                for (auto it = builds.value().crbegin(); it != builds.value().crend(); ++it) {
                    const bool newer = t->lastBuildBefore >= 0 ? it->number > t->lastBuildBefore : it->timestampMs >= t->sentAtMs - 60000;
                    if (newer && carriesParameters(it->parameters, t->action.parameters)) {
                        o.state = TriggerOutcome::State::Started;
                        o.buildNumber = it->number;
                        return finish(t, o);
                    }
                }
            }
            o.state = TriggerOutcome::State::Unknown;
            o.message = QStringLiteral("the answer was lost (%1) and no queued item or new build of these parameters was found%2; "
                                       "nothing was sent again")
                            .arg(o.message, builds.ok() ? QString() : QStringLiteral(" (reading the builds failed: %1)").arg(builds.error().message));
            finish(t, o);
        });
    });
}

void JenkinsActions::finish(std::shared_ptr<Trigger> t, TriggerOutcome o)
{
    QString result;
    switch (o.state) {
    case TriggerOutcome::State::Started:
    case TriggerOutcome::State::Queued: result = QStringLiteral("succeeded"); break;
    case TriggerOutcome::State::Unknown: result = QStringLiteral("unknown"); break;
    case TriggerOutcome::State::Refused: result = QStringLiteral("refused"); break;
    case TriggerOutcome::State::Failed: result = QStringLiteral("failed"); break;
    }
    QStringList where;
    if (o.queueItem > 0)
        where << QStringLiteral("queue item %1").arg(o.queueItem);
    if (o.buildNumber > 0)
        where << QStringLiteral("build #%1").arg(o.buildNumber);
    if (o.alreadyQueued)
        where << QStringLiteral("an identical item was already queued");
    if (o.answerLost)
        where << QStringLiteral("found by reading after the answer was lost");
    audit(t->action, result, o.message, where.join(QStringLiteral("; ")));
    if (t->receiver)
        t->done(o);
}

void JenkinsActions::execute(const JenkinsAction &action, QObject *receiver, std::function<void(const Result<void> &)> done)
{
    QPointer<QObject> target(receiver);
    m_client->post(action.path(), action.form(), this, [this, target, action, done](const PostReply &r) {
        Result<void> result = Result<void>::success();
        QString word = QStringLiteral("succeeded");
        if (answerLost(r)) {
            ApiError e = r.error.isError() ? r.error : makeError(ErrorKind::ServerError, QStringLiteral("Jenkins answered %1").arg(r.status));
            e.message = QStringLiteral("the answer was lost (%1): read the build again to see whether it took effect").arg(e.message);
            result = Result<void>::failure(e);
            word = QStringLiteral("unknown");
        } else if (r.error.isError()) {
            result = Result<void>::failure(r.error);
            word = r.answered ? (r.error.kind == ErrorKind::Forbidden ? QStringLiteral("forbidden") : QStringLiteral("refused")) : QStringLiteral("failed");
        }
        audit(action, word, result.error().message);
        if (target)
            done(result);
    });
}

void JenkinsActions::audit(const JenkinsAction &a, const QString &result, const QString &detail, const QString &extra)
{
    if (!m_audit)
        return;
    actions::AuditEntry e;
    e.time = QDateTime::currentDateTimeUtc();
    e.context = QStringLiteral("jenkins ") + a.server;
    e.user = a.user;
    e.action = a.name();
    e.object = a.objectLabel();
    e.change = a.change();  // secrets masked
    e.result = result;
    e.detail = extra.isEmpty() ? detail : detail.isEmpty() ? extra : extra + QStringLiteral("; ") + detail;
    QString error;
    if (!m_audit->append(e, &error))
        Q_EMIT auditFailed(error);
}

}  // namespace pilothouse::backends::jenkins
