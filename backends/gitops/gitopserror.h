// The gitops layer's errors: no HTTP status, a kind and a message fit for the status line.
#pragma once

#include "core/result.h"

namespace pilothouse::backends::gitops {

inline ApiError gitopsError(ErrorKind kind, QString message)
{
    ApiError e;
    e.kind = kind;
    e.message = std::move(message);
    return e;
}

}  // namespace pilothouse::backends::gitops
