// Ages and durations in the exact short form kubectl prints in its AGE columns.
#pragma once

#include <QString>

namespace pilothouse::models {

// Same output as k8s.io/apimachinery/pkg/util/duration.HumanDuration for a whole number
// of seconds, so an AGE column reads the same here as in `kubectl get`.
QString humanDuration(qint64 seconds);

} // namespace pilothouse::models
