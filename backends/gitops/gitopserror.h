// The gitops layer's errors: no HTTP status, a kind and a message fit for the status line.
#pragma once

#include "core/errors.h"

namespace pilothouse::backends::gitops {

inline ApiError gitopsError(ErrorKind kind, QString message) { return makeError(kind, std::move(message)); }

}  // namespace pilothouse::backends::gitops
