// Jenkins mutations as the operator confirms them (trigger, stop, approve or abort an input): a
// text naming the server, the job and the parameters (secrets masked), then the call and one audit
// line with the queue item and the build number.
//
// Never two builds for one click: a trigger is sent once. When its answer is lost (the connection
// dropped after sending, a gateway's 502/503/504) the outcome is "unknown" until the queue and the
// job's newest builds are read for one of ours (same parameters, started after the click); found,
// it is followed; not found, it stays unknown and nothing is sent again. A 303 to an identical
// item already queued is that item, not a new build.
#pragma once

#include "actions/auditlog.h"
#include "jenkins/jenkinsclient.h"
#include "jenkins/jenkinsinfo.h"

#include <QDateTime>
#include <QObject>

namespace pilothouse::backends::jenkins {

struct JenkinsAction {
    enum class Kind { Trigger, Stop, Proceed, Abort };
    Kind kind = Kind::Trigger;
    QString server;
    QString user;
    QStringList job;                    // the path of names (JobNode::path)
    int build = 0;                      // stop, proceed, abort
    bool parameterized = false;         // the job defines parameters: buildWithParameters
    QList<BuildParameter> parameters;   // trigger; proceed (the input's)
    QString inputId;                    // proceed, abort
    QString inputMessage;               // "Deploy orders to production?"

    QString name() const;               // "jenkins-trigger", "jenkins-stop", "jenkins-input-proceed", "jenkins-input-abort"
    QString objectLabel() const;        // "Jenkins job shop/storefront" (with " #12" for a build)
    QString change() const;             // "build with IMAGE_TAG=171, REGISTRY_TOKEN=••••••"
    QString confirmationText() const;   // names server, user, job and change
    // The request: path below the server and its form body.
    QString path() const;
    QByteArray form() const;

    static JenkinsAction trigger(const QString &server, const QString &user, const QStringList &job, bool parameterized,
                                 const QList<BuildParameter> &parameters);
    static JenkinsAction stop(const QString &server, const QString &user, const QStringList &job, int build);
    static JenkinsAction proceed(const QString &server, const QString &user, const QStringList &job, int build, const PendingInput &input,
                                 const QList<BuildParameter> &values);
    static JenkinsAction abort(const QString &server, const QString &user, const QStringList &job, int build, const PendingInput &input);
};

// How a trigger ended.
struct TriggerOutcome {
    enum class State {
        Started,    // the build runs: buildNumber
        Queued,     // still in the queue when we stopped waiting: queueItem
        Unknown,    // the answer was lost and no build or queue item of ours was found
        Refused,    // Jenkins said no (403, 404, 400 ...): nothing was queued
        Failed      // never reached Jenkins (TLS, no server set ...)
    };
    State state = State::Failed;
    qint64 queueItem = 0;
    int buildNumber = 0;
    bool answerLost = false;    // the trigger's answer was lost and the build was found by reading
    bool alreadyQueued = false; // Jenkins answered 303: an identical item was waiting
    QString message;
};
QString triggerStateName(TriggerOutcome::State state);

class JenkinsActions : public QObject {
    Q_OBJECT

public:
    JenkinsActions(JenkinsClient *client, actions::AuditLog *audit, QObject *parent = nullptr);

    // How long a queued trigger is followed for its build number, and how often it is read.
    void setQueueFollow(int timeoutMs, int intervalMs)
    {
        m_followTimeoutMs = timeoutMs;
        m_followIntervalMs = intervalMs;
    }

    // Sends a trigger the operator confirmed, follows it to its build number, writes the audit line.
    void trigger(const JenkinsAction &action, QObject *receiver, std::function<void(const TriggerOutcome &)> done);
    // Stop, proceed, abort: sent once, audited. A lost answer is "unknown" (the caller reads the run again).
    void execute(const JenkinsAction &action, QObject *receiver, std::function<void(const Result<void> &)> done);

Q_SIGNALS:
    // The audit log could not be written (the action itself went through).
    void auditFailed(const QString &message);

private:
    struct Trigger;
    void follow(std::shared_ptr<Trigger> t);
    void resolveLost(std::shared_ptr<Trigger> t);
    void finish(std::shared_ptr<Trigger> t, TriggerOutcome outcome);
    void audit(const JenkinsAction &action, const QString &result, const QString &detail, const QString &extra = {});

    JenkinsClient *m_client;
    actions::AuditLog *m_audit;
    int m_followTimeoutMs = 60000;
    int m_followIntervalMs = 500;
};

}  // namespace pilothouse::backends::jenkins
