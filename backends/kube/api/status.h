// Turns a Kubernetes API error response (a v1 Status, or whatever a proxy sent) into an ApiError.
#pragma once

#include "core/result.h"

#include <QByteArray>

#include <optional>

namespace pilothouse::backends::kube {

// httpStatus is the response's status code. A watch stream reports errors as a Status
// object inside an HTTP 200 stream; pass 0 (or the 200) then and the Status's own
// "code" decides. ApiError::httpStatus holds the code the kind was derived from.
ApiError parseStatus(int httpStatus, const QByteArray &body);

// Whether repeating the same request, after a backoff, may succeed.
bool isRetriable(const ApiError &error);

// A Retry-After header value: delay-seconds or an HTTP-date (RFC 9110); nullopt when absent or
// unreadable. A date in the past is 0.
std::optional<int> parseRetryAfter(const QByteArray &value);

// The server cannot serve the resourceVersion asked for because it has not seen it yet (a watch
// cache behind etcd, another API server of an HA pair): client-go's isTooLargeResourceVersionError.
// The cause "ResourceVersionTooLarge" (1.18.6+), or a Timeout whose cause or message says
// "Too large resource version" (older servers). The cure is a fresh list, as for 410 Expired.
bool isResourceVersionTooLarge(const ApiError &error);

} // namespace pilothouse::backends::kube
