// Errors as values: ApiError and Result<T>, returned across every thread and layer boundary.
#pragma once

#include <QList>
#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace pilothouse::backends {

enum class ErrorKind {
    None,
    Network,
    Tls,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    AlreadyExists,
    Invalid,
    Gone,
    TooManyRequests,
    ServerError,
    Timeout,
    Malformed,
    Config,
    Cancelled,
};

struct ApiError
{
    // One entry of a Kubernetes Status.details.causes list; a 422 carries one per bad field.
    struct Cause
    {
        QString field;
        QString reason;
        QString message;

        friend bool operator==(const Cause &, const Cause &) = default;
    };

    ErrorKind kind = ErrorKind::None;
    int httpStatus = 0;        // 0 when no HTTP exchange took place (network, TLS, config)
    QString reason;            // Kubernetes Status.reason, verbatim, e.g. "AlreadyExists"
    QString message;           // one line fit for a status bar
    QList<Cause> causes;
    QString detailsName;       // Status.details.name: the object the error is about
    QString detailsKind;       // Status.details.kind
    std::optional<int> retryAfterSeconds;
    // The message as it may be kept (audit log, logs) when `message` carries what may only be
    // shown, never kept: an exec credential plugin's stderr. Empty: `message` may be kept as is.
    QString recordableMessage;

    bool isError() const { return kind != ErrorKind::None; }
    QString messageToRecord() const { return recordableMessage.isEmpty() ? message : recordableMessage; }

    friend bool operator==(const ApiError &, const ApiError &) = default;
};

// A stable English name per kind, for logs and test output.
inline QString errorKindName(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::None: return QStringLiteral("None");
    case ErrorKind::Network: return QStringLiteral("Network");
    case ErrorKind::Tls: return QStringLiteral("Tls");
    case ErrorKind::Unauthorized: return QStringLiteral("Unauthorized");
    case ErrorKind::Forbidden: return QStringLiteral("Forbidden");
    case ErrorKind::NotFound: return QStringLiteral("NotFound");
    case ErrorKind::Conflict: return QStringLiteral("Conflict");
    case ErrorKind::AlreadyExists: return QStringLiteral("AlreadyExists");
    case ErrorKind::Invalid: return QStringLiteral("Invalid");
    case ErrorKind::Gone: return QStringLiteral("Gone");
    case ErrorKind::TooManyRequests: return QStringLiteral("TooManyRequests");
    case ErrorKind::ServerError: return QStringLiteral("ServerError");
    case ErrorKind::Timeout: return QStringLiteral("Timeout");
    case ErrorKind::Malformed: return QStringLiteral("Malformed");
    case ErrorKind::Config: return QStringLiteral("Config");
    case ErrorKind::Cancelled: return QStringLiteral("Cancelled");
    }
    return QStringLiteral("Unknown");
}

// Either a T or the ApiError that prevented it. A value type with no exceptions, so it
// can cross a queued connection or a future without losing the error.
template<class T>
class Result
{
public:
    Result(const T &value) : m_state(std::in_place_index<0>, value) {}
    Result(T &&value) : m_state(std::in_place_index<0>, std::move(value)) {}

    static Result failure(ApiError error)
    {
        // A failure without a kind would read as success to anyone checking error().kind.
        if (error.kind == ErrorKind::None)
            error.kind = ErrorKind::Malformed;
        return Result(std::move(error), FailureTag{});
    }

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    // Calling value() on a failure is a programming error; the variant access asserts it.
    const T &value() const & { return std::get<0>(m_state); }
    T &value() & { return std::get<0>(m_state); }
    T &&value() && { return std::get<0>(std::move(m_state)); }

    template<class U>
    T valueOr(U &&fallback) const
    {
        return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

    // An ApiError with kind None when ok(), so callers can log error() unconditionally.
    ApiError error() const { return ok() ? ApiError{} : std::get<1>(m_state); }

private:
    struct FailureTag {};
    Result(ApiError &&error, FailureTag) : m_state(std::in_place_index<1>, std::move(error)) {}

    std::variant<T, ApiError> m_state;
};

// For actions that yield nothing but success or an error (delete, scale, promote).
template<>
class Result<void>
{
public:
    Result() = default;

    static Result success() { return Result(); }
    static Result failure(ApiError error)
    {
        if (error.kind == ErrorKind::None)
            error.kind = ErrorKind::Malformed;
        Result r;
        r.m_error = std::move(error);
        return r;
    }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    ApiError error() const { return m_error.value_or(ApiError{}); }

private:
    std::optional<ApiError> m_error;
};

} // namespace pilothouse::backends
