// Objects as the YAML an operator reads: managedFields dropped, Secret values masked unless
// revealed on purpose.
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

namespace pilothouse::backends::workloads {

struct YamlOptions {
    bool dropManagedFields = true;
    bool maskSecretData = true;  // a Secret's data/stringData values become "********"
};

// Whether objectToYaml masks values of this object (a Secret's data), so a view can offer to
// reveal them without knowing which kinds hold secrets.
bool hasMaskedValues(const QByteArray &json);

// Converts an object's JSON to block-style YAML with the keys in the server's order.
Result<QString> objectToYaml(const QByteArray &json, const YamlOptions &options = {});

}  // namespace pilothouse::backends::workloads
