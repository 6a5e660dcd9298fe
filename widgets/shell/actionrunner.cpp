// Permission, confirmation, request and outcome of one change, for every page.
#include "shell/actionrunner.h"

#include "kube/session/kubesession.h"
#include "actions/sessionactions.h"

#include <QInputDialog>
#include <QMessageBox>

namespace pilothouse::widgets::shell {

using backends::actions::Action;
using backends::actions::ActionFacade;
using backends::actions::ActionResult;
using backends::actions::Outcome;

ActionRunner::ActionRunner(QWidget *dialogParent, QObject *parent) : QObject(parent), m_dialogParent(dialogParent) {}

bool ActionRunner::confirm(const QString &text)
{
    if (m_confirm)
        return m_confirm(text);
    QMessageBox box(QMessageBox::Question, tr("Confirm"), text, QMessageBox::Yes | QMessageBox::Cancel, m_dialogParent);
    box.setObjectName(QStringLiteral("confirmActionDialog"));
    box.setTextFormat(Qt::PlainText);  // object names and server text are shown as typed
    box.setDefaultButton(QMessageBox::Cancel);
    return box.exec() == QMessageBox::Yes;
}

void ActionRunner::report(const QString &message, bool ok, bool sent, const ActionResult &result, const Done &done)
{
    m_lastMessage = message;
    Q_EMIT finished(message, ok);
    if (done)
        done(RunOutcome{result, message, sent});
}

void ActionRunner::runOffer(const backends::actions::ActionOffer &offer, Done done, const QString &preface)
{
    if (!offer.notApplicable.isEmpty()) {
        ActionResult none;
        none.outcome = Outcome::Refused;
        report(tr("%1: %2").arg(offer.title, offer.notApplicable), false, false, none, done);
        return;
    }
    QString label = offer.title;
    label.remove(QChar(0x2026));  // "Scale…" → "Scale"
    if (offer.action) {
        run(Request{label, *offer.action, preface, {}}, std::move(done));
        return;
    }
    if (!offer.actionForNumber)
        return;
    std::optional<int> to;
    if (m_askNumber) {
        to = m_askNumber(offer.numberLabel, offer.numberNow);
    } else {
        bool ok = false;
        const int value = QInputDialog::getInt(m_dialogParent, label, offer.numberLabel, offer.numberNow, 0, 10000, 1, &ok);
        if (ok)
            to = value;
    }
    if (!to || *to == offer.numberNow) {
        ActionResult none;
        none.outcome = Outcome::Refused;
        report(tr("%1 cancelled; nothing was sent").arg(label), false, false, none, done);
        return;
    }
    run(label, offer.actionForNumber(*to), std::move(done));
}

void ActionRunner::run(const Request &request, Done done)
{
    const QString label = request.label;
    const Action action = request.action;
    ActionResult none;
    none.outcome = Outcome::Refused;
    QPointer<ActionFacade> facade = m_session ? backends::actions::facadeFor(m_session) : nullptr;
    if (!facade) {
        report(tr("%1: not connected; nothing was sent").arg(label), false, false, none, done);
        return;
    }
    QPointer<ActionRunner> self(this);
    QPointer<backends::kube::KubeSession> session = m_session;
    // The facade the operator confirmed against, or null when it is gone or was replaced.
    auto sameFacade = [session, facade]() -> ActionFacade * {
        if (!facade || !session || backends::actions::facadeFor(session) != facade.data())
            return nullptr;
        return facade.data();
    };
    ++m_running;
    auto finish = [self, done](const QString &message, bool ok, bool sent, const ActionResult &r) {
        if (!self)
            return;
        --self->m_running;
        self->report(message, ok, sent, r, done);
    };
    facade->checkPermission(action, this, [self, sameFacade, request, finish, none](const backends::actions::Permission &p) {
        if (!self)
            return;
        const QString &label = request.label;
        if (!sameFacade()) {
            finish(tr("%1: the connection changed during the permission check; nothing was sent").arg(label), false, false, none);
            return;
        }
        if (!p.allowed) {
            finish(tr("%1 not allowed: %2").arg(label, p.reason), false, false, none);
            return;
        }
        QString text = sameFacade()->confirmationText(request.action);
        if (!request.preface.isEmpty())
            text = request.preface + QStringLiteral("\n\n") + text;
        const bool confirmed = request.confirm ? request.confirm(text) : self->confirm(text);
        if (!self)
            return;
        if (!confirmed) {
            finish(tr("%1 cancelled; nothing was sent").arg(label), false, false, none);
            return;
        }
        // The dialog was modal: the session may have reconnected (and deleted the facade) meanwhile.
        ActionFacade *now = sameFacade();
        if (!now) {
            finish(tr("%1: the connection changed while you were confirming; nothing was sent").arg(label), false, false, none);
            return;
        }
        now->execute(request.action, self, [label, action = request.action, finish](const ActionResult &r) {
            finish(outcomeMessage(label, action, r), r.outcome == Outcome::Succeeded, true, r);
        });
    });
}

void ActionRunner::runChange(const Change &change, Done done)
{
    ActionResult none;
    none.outcome = Outcome::Refused;
    if (change.confirm && !change.confirm()) {
        report(tr("%1 cancelled; nothing was sent").arg(change.label), false, false, none, done);
        return;
    }
    ++m_running;
    QPointer<ActionRunner> self(this);
    change.send([self, done](bool ok, const QString &message) {
        if (!self)
            return;
        --self->m_running;
        ActionResult r;
        r.outcome = ok ? Outcome::Succeeded : Outcome::Failed;
        r.error.message = ok ? QString() : message;
        self->report(message, ok, true, r, done);
    });
}

QString ActionRunner::outcomeMessage(const QString &label, const Action &action, const ActionResult &r)
{
    const QString object = action.objectLabel();
    if (r.outcome == Outcome::Succeeded && !r.terminating.isEmpty())
        return tr("%1 %2: terminating (%3)").arg(label, object, r.terminating);
    if (r.outcome == Outcome::Succeeded)
        return tr("%1 %2: done (%3)").arg(label, object, action.change);
    if (!r.partlyApplied.isEmpty())
        return tr("%1 %2 partly applied: %3; the rest %4: %5")
            .arg(label, object, r.partlyApplied, backends::actions::outcomeName(r.outcome), r.error.message);
    switch (r.outcome) {
    case Outcome::Conflict:
        return tr("%1 %2: the object changed since you looked at it; nothing was changed. Look again and retry.").arg(label, object);
    case Outcome::Unknown:
        return tr("%1 %2: the answer was lost after sending, so it may or may not have been applied — %3")
            .arg(label, object, r.reread.isEmpty() ? tr("look at the object before retrying") : r.reread);
    case Outcome::Forbidden:
        return tr("%1 %2 refused by the cluster: %3").arg(label, object, r.error.message);
    case Outcome::Refused:
        return tr("%1 %2 not sent: %3").arg(label, object, r.error.message);
    default:
        break;
    }
    return tr("%1 %2 failed: %3").arg(label, object, r.error.message);
}

}  // namespace pilothouse::widgets::shell
