// One object's offers as a menu and as commands.
#include "shell/objectactions.h"

#include "kube/session/kubesession.h"
#include "shell/actionrunner.h"
#include "shell/navigator.h"
#include "style/icons.h"
#include "actions/sessionactions.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMenu>
#include <QPointer>

namespace pilothouse::widgets::shell {

using backends::actions::ActionOffer;

QList<ActionOffer> objectOffers(const backends::kube::KindInfo &kind, const backends::kube::KubeObjectPtr &object)
{
    if (!object)
        return {};
    // Parsed once per menu: the offers read what they need from this one object. A summary-only
    // object (the browser's pods) offers what its identity allows: logs, delete, links; every kind
    // whose offers read its spec is watched with its JSON.
    const QJsonObject json = QJsonDocument::fromJson(object->hasJson() ? object->json() : object->identityJson()).object();
    return backends::actions::ActionProviders::standard().offersFor(kind, json);
}

void triggerOffer(const PageContext &context, const backends::kube::KindInfo &kind, const ActionOffer &offer,
                  const backends::kube::KubeObjectPtr &object, const QString &preface)
{
    if (offer.link) {
        if (!context.navigator)
            return;
        QVariantMap args = offer.link->args;
        if (object)
            args.insert(QStringLiteral("object"), QVariant::fromValue(object));
        context.navigator->open(offer.link->pageId, args);
        return;
    }
    if (!context.actions)
        return;
    // Asked again once at most; a number (scale) is not asked for twice.
    const bool mayAskAgain = preface.isEmpty() && offer.action.has_value() && object;
    context.actions->runOffer(offer, [context, kind, offer, object, mayAskAgain](const ActionRunner::RunOutcome &outcome) {
        if (!mayAskAgain || !outcome.sent || outcome.result.outcome != backends::actions::Outcome::Conflict || !context.session)
            return;
        context.session->fetchObject(kind.ref, object->ns, object->name, context.actions, [context, kind, offer, object](const backends::kube::KubeReply &reply) {
            if (!reply.ok())
                return;
            const QJsonObject fresh = QJsonDocument::fromJson(reply.body).object();
            const QString rv = fresh.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("resourceVersion")).toString();
            for (const ActionOffer &again : backends::actions::ActionProviders::standard().offersFor(kind, fresh))
                if (again.id == offer.id) {
                    triggerOffer(context, kind, again, object,
                                 QObject::tr("%1 changed since you looked at it (resourceVersion %2 → %3); nothing was sent. Asked again on the object as it is now.")
                                     .arg(object->key(), object->resourceVersion, rv));
                    return;
                }
        });
    }, preface);
}

QMenu *objectMenu(const PageContext &context, const backends::kube::KindInfo &kind, const backends::kube::KubeObjectPtr &object,
                  QWidget *parent)
{
    auto *menu = new QMenu(parent);
    menu->setObjectName(QStringLiteral("actionMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->setToolTipsVisible(true);
    menu->addSection(kind.singular + QLatin1Char(' ') + object->key());
    auto *facade = context.session ? backends::actions::facadeFor(context.session) : nullptr;
    int section = -1;
    for (const ActionOffer &offer : objectOffers(kind, object)) {
        if (section >= 0 && offer.section != section)
            menu->addSeparator();
        section = offer.section;
        QAction *item = menu->addAction(Icons::get(offer.icon), offer.title);
        item->setObjectName(offer.id);
        item->setProperty("offerTitle", offer.title);
        QObject::connect(item, &QAction::triggered, menu, [context, kind, offer, object] { triggerOffer(context, kind, offer, object); });
        if (!offer.notApplicable.isEmpty()) {
            item->setEnabled(false);
            item->setToolTip(offer.notApplicable);
            continue;
        }
        const auto probe = offer.permissionProbe();
        if (!probe)
            continue;  // opening a page changes nothing: no question to ask
        if (!facade) {
            item->setEnabled(false);
            item->setToolTip(QObject::tr("Not connected"));
            continue;
        }
        auto apply = [](QAction *a, const backends::actions::Permission &p) {
            a->setText(a->property("offerTitle").toString());
            a->setEnabled(p.allowed);
            a->setToolTip(p.allowed ? QString() : p.reason);
        };
        if (const auto known = facade->cachedPermission(*probe)) {
            apply(item, *known);
            continue;
        }
        item->setEnabled(false);
        item->setText(QObject::tr("%1 (checking…)").arg(offer.title));
        QPointer<QAction> guard(item);
        facade->checkPermission(*probe, menu, [guard, apply](const backends::actions::Permission &p) {
            if (guard)
                apply(guard, p);
        });
    }
    return menu;
}

}  // namespace pilothouse::widgets::shell
