// The one way a page runs a change on a cluster: permission check, the operator's confirmation
// naming the exact change, the request through the action facade, and an outcome message that
// says "done", "terminating (waiting for finalizers: …)", "refused", "changed since you looked",
// "partly applied" or "unknown" with what the re-read found. The facade is held weakly across the check and the modal confirmation: a
// reconnect meanwhile sends nothing and says so.
#pragma once

#include "actions/actionfacade.h"
#include "actions/actionprovider.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

namespace pilothouse::backends::kube {
class KubeSession;
}

namespace pilothouse::widgets::shell {

class ActionRunner : public QObject {
    Q_OBJECT

public:
    explicit ActionRunner(QWidget *dialogParent, QObject *parent = nullptr);

    void setSession(backends::kube::KubeSession *session) { m_session = session; }

    // Dialog hooks (tests replace them). The confirmation sees the text the operator reads; the
    // number prompt the label and the current value (nullopt: cancelled).
    void setConfirmHandler(std::function<bool(const QString &text)> confirm) { m_confirm = std::move(confirm); }
    void setNumberHandler(std::function<std::optional<int>(const QString &label, int current)> ask) { m_askNumber = std::move(ask); }

    // What became of a run: the facade's result when it was sent, and the message shown.
    struct RunOutcome {
        backends::actions::ActionResult result;
        QString message;
        bool sent = false;  // false: refused, cancelled or the connection changed before sending
    };
    using Done = std::function<void(const RunOutcome &outcome)>;

    struct Request {
        QString label;                          // names the action in messages ("Scale")
        backends::actions::Action action;
        QString preface;                        // shown above the confirmation ("Someone else changed…")
        std::function<bool(const QString &)> confirm;  // a page's own confirmation; else the runner's
    };

    // permission → confirm → send → outcome.
    void run(const Request &request, Done done = {});
    void run(const QString &label, const backends::actions::Action &action, Done done = {}) { run(Request{label, action, {}, {}}, std::move(done)); }
    // A change sent to another system than the Kubernetes API (Argo CD, a git push): the page
    // confirms (its own dialog, with its options) and sends; the runner keeps the order, the busy
    // count and the outcome signal the same as for every other change.
    struct Change {
        QString label;                                     // "Sync of storefront"
        std::function<bool()> confirm;                     // false: cancelled, nothing sent
        // Sends and reports back once: whether it was applied and the message to show.
        std::function<void(std::function<void(bool ok, const QString &message)> reply)> send;
    };
    void runChange(const Change &change, Done done = {});

    // An offer of an action provider: asks for the number first when it needs one.
    // `preface` is shown above the confirmation (why it is asked again).
    void runOffer(const backends::actions::ActionOffer &offer, Done done = {}, const QString &preface = {});

    // The message for an outcome (also used by pages that run actions their own way).
    static QString outcomeMessage(const QString &label, const backends::actions::Action &action,
                                  const backends::actions::ActionResult &result);
    QString lastMessage() const { return m_lastMessage; }
    bool isBusy() const { return m_running > 0; }

public:
    // The operator's yes to `text` (the hook when set, else a question box): for a Change's confirm.
    bool confirm(const QString &text);

Q_SIGNALS:
    void finished(const QString &message, bool ok);

private:
    void report(const QString &message, bool ok, bool sent, const backends::actions::ActionResult &result, const Done &done);

    QPointer<QWidget> m_dialogParent;
    backends::kube::KubeSession *m_session = nullptr;
    std::function<bool(const QString &)> m_confirm;
    std::function<std::optional<int>(const QString &, int)> m_askNumber;
    QString m_lastMessage;
    int m_running = 0;
};

}  // namespace pilothouse::widgets::shell
