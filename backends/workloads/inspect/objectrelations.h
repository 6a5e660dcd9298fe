// What surrounds an object in the detail pane, as values parsed from list answers: its events
// (newest first), the ReplicaSets it owns and the pods its selector finds. Pure functions; the
// pane runs them off the GUI thread.
#pragma once

#include "core/result.h"
#include "kube/api/resourceref.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

namespace pilothouse::backends::workloads {

struct ObjectEvent {
    QString key;          // metadata.uid, or namespace/name when the server gave none
    QString type;         // Normal, Warning
    QString reason;
    QString message;
    QString source;       // source.component, else reportingComponent
    QDateTime lastSeen;   // lastTimestamp, else eventTime, else creationTimestamp (UTC)
    int count = 1;
    friend bool operator==(const ObjectEvent &, const ObjectEvent &) = default;
};

// An object found next to the one shown (a ReplicaSet it owns, a pod it selects).
struct RelatedObject {
    kube::ResourceRef ref;
    QString ns;
    QString name;
    QString summary;      // "revision 3 · 2/2 ready", "Running · 1/1 ready"
    QString phase;        // a pod's phase; empty for other kinds
    bool ready = false;   // all replicas or containers ready
};

// An EventList answer, newest first.
Result<QList<ObjectEvent>> parseEventList(const QByteArray &json);
// A ReplicaSetList answer: the sets whose ownerReferences name `ownerUid`, newest revision first.
Result<QList<RelatedObject>> parseOwnedReplicaSets(const QByteArray &json, const QString &ownerUid);
// A PodList answer, in the server's order.
Result<QList<RelatedObject>> parsePodList(const QByteArray &json);

}  // namespace pilothouse::backends::workloads
