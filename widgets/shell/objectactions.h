// What can be done to one object, from the action providers: the context menu (shown at once,
// changes enabled as their permission answers arrive) and running one offer (open a page, or a
// change through the action runner). Used by the resource browser and the command palette.
#pragma once

#include "actions/actionprovider.h"
#include "kube/kinds/kindregistry.h"
#include "kube/cache/kubeobject.h"
#include "shell/pageregistry.h"

class QMenu;
class QWidget;

namespace pilothouse::widgets::shell {

QList<backends::actions::ActionOffer> objectOffers(const backends::kube::KindInfo &kind, const backends::kube::KubeObjectPtr &object);

// Opens the offer's page or runs its change; `object` is passed to the page it opens. A change
// refused because the object changed since it was read (a controller's status write, another
// client) is not retried blindly: the object is read again, the offer rebuilt from it, and the
// operator asked again with what changed.
void triggerOffer(const PageContext &context, const backends::kube::KindInfo &kind, const backends::actions::ActionOffer &offer,
                  const backends::kube::KubeObjectPtr &object, const QString &preface = {});

// The menu of `object`; the caller pops it up. Items that change something read "checking…" and
// stay disabled until the cluster says whether this user may (a refusal's reason is the tooltip).
QMenu *objectMenu(const PageContext &context, const backends::kube::KindInfo &kind, const backends::kube::KubeObjectPtr &object,
                  QWidget *parent);

}  // namespace pilothouse::widgets::shell
