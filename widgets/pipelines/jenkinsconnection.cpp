// The Jenkins server of a context: credentials checked once, then shared by the pages.
#include "pipelines/jenkinsconnection.h"

#include "actions/sessionactions.h"
#include "kube/session/kubesession.h"
#include "shell/actionrunner.h"

#include <QPointer>

namespace pilothouse::widgets {

using namespace backends::jenkins;
using backends::Result;

JenkinsConnection::JenkinsConnection(backends::http::HttpEngine *engine, backends::actions::AuditLog *audit, const QString &context,
                                     QObject *parent)
    : QObject(parent), m_context(context), m_client(new JenkinsClient(engine, this)), m_actions(new JenkinsActions(m_client, audit, this)),
      m_keychain(new JenkinsKeychain(this))
{
    m_status = tr("not connected to Jenkins");
}

JenkinsConnection *JenkinsConnection::of(backends::kube::KubeSession *session)
{
    const QString context = session->contextName();
    for (JenkinsConnection *c : session->findChildren<JenkinsConnection *>(QString(), Qt::FindDirectChildrenOnly))
        if (c->context() == context)
            return c;
    return new JenkinsConnection(session->engine(), backends::actions::auditLogFor(session), context, session);
}

void JenkinsConnection::setState(State state, const QString &status)
{
    m_state = state;
    m_status = status;
    Q_EMIT stateChanged(state, status);
}

void JenkinsConnection::connectTo(const JenkinsServer &server, bool remember)
{
    const int generation = ++m_generation;
    if (server.apiToken.isEmpty() && server.password.isEmpty()) {
        setState(State::Failed, tr("enter the API token (or the password) of %1").arg(server.user.isEmpty() ? tr("the user") : server.user));
        return;
    }
    if (server.user.trimmed().isEmpty()) {
        setState(State::Failed, tr("enter the Jenkins user the API token belongs to"));
        return;
    }
    const Result<void> set = m_client->setServer(server);
    if (!set.ok()) {
        setState(State::Failed, set.error().message);
        return;
    }
    m_caFile = server.caFile;
    m_fromKeychain = m_keychainLoad;
    m_keychainLoad = false;
    setState(State::Connecting, tr("connecting to %1…").arg(m_client->serverUrl()));
    const QByteArray secret = server.apiToken.isEmpty() ? server.password : server.apiToken;
    const QString unverified = server.insecureSkipVerify ? tr(" (TLS not verified)") : QString();
    m_client->whoAmI(this, [this, generation, remember, secret, unverified](const Result<QString> &me) {
        if (generation != m_generation)
            return;
        if (!me.ok()) {
            setState(State::Failed, tr("Jenkins at %1 did not take the credentials: %2").arg(m_client->serverUrl(), me.error().message));
            return;
        }
        m_displayName = me.value();
        const QString url = m_client->serverUrl();
        const QString user = m_client->userName();
        setState(State::Connected, tr("connected to %1 as %2%3%4")
                                       .arg(url, m_displayName, unverified, m_fromKeychain ? tr(" (token from the keychain)") : QString()));
        Q_EMIT connected(url, user);
        if (m_fromKeychain)
            return;
        if (!remember) {
            // Not to be remembered: a copy kept from before goes too.
            m_keychain->remove(url, user, this, [](const Result<void> &) {});
            return;
        }
        m_keychain->store(url, user, secret, this, [this, generation, url, unverified](const Result<void> &stored) {
            if (generation != m_generation || m_state != State::Connected)
                return;
            setState(State::Connected, stored.ok() ? tr("connected to %1 as %2%3 (token kept in the keychain)").arg(url, m_displayName, unverified)
                                                   : tr("connected to %1 as %2%3; %4").arg(url, m_displayName, unverified, stored.error().message));
        });
    });
}

void JenkinsConnection::connectWithKeychain(JenkinsServer server)
{
    const int generation = ++m_generation;
    setState(State::Connecting, tr("reading the API token of %1 from the keychain…").arg(server.user));
    m_keychain->load(server.url, server.user, this, [this, generation, server](const Result<QByteArray> &secret) mutable {
        if (generation != m_generation)
            return;
        if (!secret.ok()) {
            setState(State::NotConnected, tr("%1: enter the API token of %2").arg(secret.error().message, server.user));
            return;
        }
        server.apiToken = secret.value();
        server.password.clear();
        m_keychainLoad = true;
        connectTo(server, false);
    });
}

void JenkinsConnection::disconnect(bool forget)
{
    ++m_generation;
    const QString url = m_client->serverUrl();
    const QString user = m_client->userName();
    // The secret goes with the server: an empty one cannot be sent.
    JenkinsServer none;
    none.url = url;
    none.user = user;
    m_client->setServer(none);
    if (forget && !url.isEmpty() && !user.isEmpty())
        m_keychain->remove(url, user, this, [](const Result<void> &) {});
    m_displayName.clear();
    m_fromKeychain = false;
    setState(State::NotConnected, forget ? tr("disconnected from Jenkins; the token was removed from the keychain") : tr("disconnected from Jenkins"));
}

QString JenkinsConnection::actionLabel(const JenkinsAction &action)
{
    const QString job = action.job.join(QLatin1Char('/'));
    switch (action.kind) {
    case JenkinsAction::Kind::Trigger: return tr("Build of %1").arg(job);
    case JenkinsAction::Kind::Stop: return tr("Stop of %1 #%2").arg(job).arg(action.build);
    case JenkinsAction::Kind::Proceed: return tr("Proceed of %1 #%2").arg(job).arg(action.build);
    case JenkinsAction::Kind::Abort: return tr("Abort of %1 #%2").arg(job).arg(action.build);
    }
    return job;
}

QString JenkinsConnection::triggerMessage(const QString &job, const TriggerOutcome &outcome, bool *ok)
{
    *ok = outcome.state == TriggerOutcome::State::Started || outcome.state == TriggerOutcome::State::Queued;
    switch (outcome.state) {
    case TriggerOutcome::State::Started: {
        QString message = outcome.answerLost
                              ? tr("%1 #%2 started (the trigger's answer was lost; the build was found in the queue and the job's builds)")
                                    .arg(job)
                                    .arg(outcome.buildNumber)
                              : tr("%1 #%2 started").arg(job).arg(outcome.buildNumber);
        if (outcome.alreadyQueued)
            message += tr("; an identical build was already queued, no second one was made");
        return message;
    }
    case TriggerOutcome::State::Queued:
        return tr("%1 queued as item %2: %3").arg(job).arg(outcome.queueItem).arg(outcome.message);
    case TriggerOutcome::State::Unknown:
        return tr("Outcome of the build of %1 unknown: %2. Nothing was sent again; look at the job's runs.").arg(job, outcome.message);
    case TriggerOutcome::State::Refused:
        return tr("Jenkins refused the build of %1: %2").arg(job, outcome.message);
    case TriggerOutcome::State::Failed:
        break;
    }
    return tr("The build of %1 was not sent: %2").arg(job, outcome.message);
}

namespace {

// The change was confirmed for `action.server` as `action.user`: anything else now is another
// server or another identity, and nothing is sent.
bool stillTheSame(const JenkinsConnection *c, const JenkinsAction &action)
{
    return c->isConnected() && c->serverUrl() == action.server && c->userName() == action.user;
}

}  // namespace

void JenkinsConnection::trigger(shell::ActionRunner *runner, const JenkinsAction &action, QObject *receiver,
                                std::function<void(const Report &)> done)
{
    QPointer<JenkinsConnection> self(this);
    QPointer<QObject> target(receiver);
    shell::ActionRunner::Change change;
    change.label = actionLabel(action);
    change.confirm = [runner, action] { return runner->confirm(action.confirmationText()); };
    change.send = [self, target, action, done](std::function<void(bool, const QString &)> reply) {
        if (!self || !stillTheSame(self, action)) {
            const QString message = tr("The Jenkins connection changed while you were confirming; the build of %1 was not sent")
                                        .arg(action.job.join(QLatin1Char('/')));
            reply(false, message);
            if (target)
                done(Report{false, false, message, {}});
            return;
        }
        // Followed by the connection, not the page: a page closed meanwhile still gets its audit line.
        self->m_actions->trigger(action, self, [target, action, done, reply](const TriggerOutcome &outcome) {
            Report r;
            r.sent = true;
            r.outcome = outcome;
            r.message = triggerMessage(action.job.join(QLatin1Char('/')), outcome, &r.ok);
            reply(r.ok, r.message);
            if (target)
                done(r);
        });
    };
    runner->runChange(change, [target, done](const shell::ActionRunner::RunOutcome &o) {
        if (!o.sent && target)
            done(Report{false, false, o.message, {}});
    });
}

void JenkinsConnection::execute(shell::ActionRunner *runner, const JenkinsAction &action, QObject *receiver,
                                std::function<void(const Report &)> done)
{
    QPointer<JenkinsConnection> self(this);
    QPointer<QObject> target(receiver);
    shell::ActionRunner::Change change;
    change.label = actionLabel(action);
    change.confirm = [runner, action] { return runner->confirm(action.confirmationText()); };
    const QString label = change.label;
    change.send = [self, target, action, label, done](std::function<void(bool, const QString &)> reply) {
        if (!self || !stillTheSame(self, action)) {
            const QString message = tr("The Jenkins connection changed while you were confirming; %1 was not sent").arg(label);
            reply(false, message);
            if (target)
                done(Report{false, false, message, {}});
            return;
        }
        self->m_actions->execute(action, self, [target, label, done, reply](const Result<void> &r) {
            const QString message = r.ok() ? tr("%1 sent").arg(label) : tr("%1 failed: %2").arg(label, r.error().message);
            reply(r.ok(), message);
            if (target)
                done(Report{true, r.ok(), message, {}});
        });
    };
    runner->runChange(change, [target, done](const shell::ActionRunner::RunOutcome &o) {
        if (!o.sent && target)
            done(Report{false, false, o.message, {}});
    });
}

}  // namespace pilothouse::widgets
