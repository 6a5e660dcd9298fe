// Turns a Kubernetes API error response (a v1 Status, or whatever a proxy sent) into an ApiError.
#pragma once

#include "core/result.h"

#include <QByteArray>

namespace pilothouse::backends::kube {

// httpStatus is the response's status code. A watch stream reports errors as a Status
// object inside an HTTP 200 stream; pass 0 (or the 200) then and the Status's own
// "code" decides. ApiError::httpStatus holds the code the kind was derived from.
ApiError parseStatus(int httpStatus, const QByteArray &body);

// Whether repeating the same request, after a backoff, may succeed.
bool isRetriable(const ApiError &error);

} // namespace pilothouse::backends::kube
