// What editing an object's YAML needs besides the YAML itself: YAML back to JSON with the types a
// reader of the YAML sees, masked Secret values restored from the live object, and the list of
// fields an edit changes (the confirmation names them).
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace pilothouse::backends::workloads {

// Block or flow YAML (one document) to compact JSON. Quoted scalars stay strings; plain scalars
// become null, booleans, integers or floats as YAML 1.2's core schema reads them. A parse error
// names the line and column (1-based) in its message.
Result<QByteArray> yamlToJson(const QString &yaml);

// The detail pane masks a Secret's values as "********"; an edit that leaves one as it was means
// "unchanged", so the live value goes back in before the object is sent. Other kinds pass as they are.
Result<QByteArray> restoreMaskedSecretValues(const QByteArray &editedJson, const QByteArray &liveJson);

// The edit with status and server-owned metadata (resourceVersion, generation, uid,
// creationTimestamp, managedFields) taken from the live object: an update never changes those,
// so the diff shown before sending leaves them out instead of listing controller churn.
QByteArray withServerFieldsOf(const QByteArray &editedJson, const QByteArray &liveJson);

struct FieldChange {
    QString path;    // "spec.replicas", "metadata.labels.tier", "spec.template.spec.containers[0].image"
    QString before;  // compact JSON of the old value; empty when the field is new
    QString after;   // empty when the field was removed
};

// The leaf fields that differ between two objects, in document order; status and server-owned
// metadata (resourceVersion, managedFields, generation, uid, creationTimestamp) are left out
// because an update never changes them on purpose.
QList<FieldChange> changedFields(const QByteArray &beforeJson, const QByteArray &afterJson);
// "spec.replicas: 2 → 3; metadata.labels.tier: added \"web\"" (at most `limit` entries, then "and N more").
QString describeChanges(const QList<FieldChange> &changes, int limit = 6);

}  // namespace pilothouse::backends::workloads
