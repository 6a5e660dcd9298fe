// Error factories: an ApiError of one kind with a message, for code that finds a problem
// itself (a bad kubeconfig, a malformed answer, an invalid edit) rather than from HTTP.
#pragma once

#include "core/result.h"

namespace pilothouse::backends {

inline ApiError makeError(ErrorKind kind, QString message)
{
    ApiError e;
    e.kind = kind;
    e.message = std::move(message);
    return e;
}

inline ApiError configError(QString message) { return makeError(ErrorKind::Config, std::move(message)); }
inline ApiError malformedError(QString message) { return makeError(ErrorKind::Malformed, std::move(message)); }
inline ApiError invalidError(QString message) { return makeError(ErrorKind::Invalid, std::move(message)); }

}  // namespace pilothouse::backends
