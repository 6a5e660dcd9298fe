// The Jenkins server of a cluster context, shared by every Pipelines page of that context: the
// client, the confirmed and audited actions, the credentials (the secret in memory and, when the
// operator asks, in the keychain; never in settings) and whether the credentials were taken.
#pragma once

#include "jenkins/jenkinsactions.h"
#include "jenkins/jenkinsclient.h"
#include "jenkins/jenkinskeychain.h"

#include <QObject>

namespace pilothouse::backends::kube {
class KubeSession;
}

namespace pilothouse::widgets::shell {
class ActionRunner;
}

namespace pilothouse::widgets {

// What the connection form starts with (settings, the demo launcher, tests).
struct JenkinsPreset {
    QString url;
    QString user;
    QByteArray apiToken;        // for the run only (the demo's); never written to settings
    QByteArray password;
    QString caFile;             // PEM file of the server's CA
    QByteArray caPem;
    bool insecureSkipVerify = false;
    bool connectNow = false;    // connect at once when url, user and a secret are given
};

class JenkinsConnection : public QObject {
    Q_OBJECT

public:
    enum class State { NotConnected, Connecting, Connected, Failed };

    JenkinsConnection(backends::http::HttpEngine *engine, backends::actions::AuditLog *audit, const QString &context,
                      QObject *parent = nullptr);
    // The connection of the session's current context (made on first use, a child of the session).
    static JenkinsConnection *of(backends::kube::KubeSession *session);

    QString context() const { return m_context; }
    backends::jenkins::JenkinsClient *client() const { return m_client; }
    backends::jenkins::JenkinsActions *actions() const { return m_actions; }
    backends::jenkins::JenkinsKeychain *keychain() const { return m_keychain; }

    State state() const { return m_state; }
    bool isConnected() const { return m_state == State::Connected; }
    // "connected to https://ci.example as Jenkins Admin", "connecting…", why it failed.
    QString statusText() const { return m_status; }
    QString serverUrl() const { return m_client->serverUrl(); }
    QString userName() const { return m_client->userName(); }
    QString displayName() const { return m_displayName; }
    QString caFile() const { return m_caFile; }
    // The secret came from the keychain (the page shows Remember ticked).
    bool tokenFromKeychain() const { return m_fromKeychain; }
    // Bumped on every connect and disconnect: an answer read for an older one is dropped.
    int generation() const { return m_generation; }

    // Sets the server and checks the credentials with /me/api/json; `remember` keeps the secret in
    // the keychain once Jenkins took it.
    void connectTo(const backends::jenkins::JenkinsServer &server, bool remember);
    // A remembered server: its secret from the keychain, then connectTo(). Says so when none is kept.
    void connectWithKeychain(backends::jenkins::JenkinsServer server);
    // Forgets the secret (and, with `forget`, the keychain's copy).
    void disconnect(bool forget);

    // What became of a page's change.
    struct Report {
        bool sent = false;          // false: cancelled, or refused before sending (connection changed)
        bool ok = false;
        QString message;            // what the operator reads
        backends::jenkins::TriggerOutcome outcome;  // a trigger's
    };
    // The pages' changes, each through `runner` (the operator confirms action.confirmationText(),
    // the runner keeps the order and reports the outcome): a trigger followed to its build number,
    // or a stop / proceed / abort. `done` runs once on `receiver`, also when nothing was sent. A
    // change confirmed for one server is not sent when the connection changed meanwhile; a trigger
    // is followed to its build number (and audited) even when the page closes.
    void trigger(shell::ActionRunner *runner, const backends::jenkins::JenkinsAction &action, QObject *receiver,
                 std::function<void(const Report &report)> done);
    void execute(shell::ActionRunner *runner, const backends::jenkins::JenkinsAction &action, QObject *receiver,
                 std::function<void(const Report &report)> done);
    // What the operator reads of a trigger's outcome; `ok` when a build runs or waits in the queue.
    static QString triggerMessage(const QString &job, const backends::jenkins::TriggerOutcome &outcome, bool *ok);
    // "Build of shop/frontend-ci", "Stop of shop/frontend-ci #12", "Proceed of …", "Abort of …".
    static QString actionLabel(const backends::jenkins::JenkinsAction &action);

Q_SIGNALS:
    void stateChanged(pilothouse::widgets::JenkinsConnection::State state, const QString &status);
    // The credentials were taken: the pages start reading.
    void connected(const QString &url, const QString &user);

private:
    void setState(State state, const QString &status);

    QString m_context;
    backends::jenkins::JenkinsClient *m_client;
    backends::jenkins::JenkinsActions *m_actions;
    backends::jenkins::JenkinsKeychain *m_keychain;
    State m_state = State::NotConnected;
    QString m_status;
    QString m_displayName;
    int m_generation = 0;  // an answer to an older connectTo() is dropped
    QString m_caFile;
    bool m_fromKeychain = false;
    bool m_keychainLoad = false;  // the connect in flight has the keychain's secret
};

}  // namespace pilothouse::widgets
