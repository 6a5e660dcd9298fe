// The detail pane's overview of an object, derived purely from its JSON: the facts an operator
// looks for first (per kind, as `kubectl describe` leads with them), conditions, owners, and
// the selector that finds its pods. Secret values never appear here, only their keys.
#pragma once

#include "kube/api/resourceref.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace pilothouse::backends::workloads {

using kube::ResourceRef;

struct ObjectCondition {
    QString type;
    QString status;   // "True", "False", "Unknown"
    QString reason;
    QString message;
    QString lastTransition;
};

struct OwnerReference {
    QString apiVersion;
    QString kind;
    QString name;
    QString uid;
    bool controller = false;
};

struct ObjectDetails {
    QString apiVersion;
    QString kind;
    QString name;
    QString ns;
    QString uid;
    QString created;   // metadata.creationTimestamp as the server wrote it
    QList<QPair<QString, QString>> facts;        // ("Replicas", "3 desired · 3 ready …"), in display order
    QList<QPair<QString, QString>> labels;
    QList<QPair<QString, QString>> annotations;  // values cut to one line of at most 120 characters
    QList<ObjectCondition> conditions;
    QList<OwnerReference> owners;
    QList<QPair<QString, QString>> podSelector;  // matchLabels (workloads) or spec.selector (Services)
    QString error;     // set when the JSON could not be read
};

ObjectDetails objectDetails(const QByteArray &json);

// The resource of an owner or related object, for the kinds the console knows (workloads, core
// kinds, Argo Rollouts). An unknown kind gives a ref with an empty plural.
ResourceRef resourceForKind(const QString &apiVersion, const QString &kind);
// "app=web,tier=front" for a labelSelector query parameter (values are percent-encoded by the caller's URL handling).
QString selectorString(const QList<QPair<QString, QString>> &labels);

}  // namespace pilothouse::backends::workloads
