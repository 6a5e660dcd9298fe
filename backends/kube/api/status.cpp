// Maps Kubernetes Status responses onto ApiError kinds the way client-go's errors package does.
#include "kube/api/status.h"

#include <nlohmann/json.hpp>

#include <QDateTime>

#include <algorithm>
#include <optional>

namespace pilothouse::backends::kube {

namespace {

using nlohmann::json;

// Proxies and load balancers in front of an API server answer with HTML or plain text;
// this much of it is enough to recognise the culprit without flooding a status line.
constexpr int BodySnippetLength = 200;

QString stringField(const json &object, const char *key)
{
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

std::optional<int> intField(const json &object, const char *key)
{
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer())
        return std::nullopt;
    return it->get<int>();
}

QString httpReasonPhrase(int status)
{
    switch (status) {
    case 400: return QStringLiteral("Bad Request");
    case 401: return QStringLiteral("Unauthorized");
    case 403: return QStringLiteral("Forbidden");
    case 404: return QStringLiteral("Not Found");
    case 405: return QStringLiteral("Method Not Allowed");
    case 406: return QStringLiteral("Not Acceptable");
    case 408: return QStringLiteral("Request Timeout");
    case 409: return QStringLiteral("Conflict");
    case 410: return QStringLiteral("Gone");
    case 413: return QStringLiteral("Payload Too Large");
    case 415: return QStringLiteral("Unsupported Media Type");
    case 422: return QStringLiteral("Unprocessable Entity");
    case 429: return QStringLiteral("Too Many Requests");
    case 500: return QStringLiteral("Internal Server Error");
    case 501: return QStringLiteral("Not Implemented");
    case 502: return QStringLiteral("Bad Gateway");
    case 503: return QStringLiteral("Service Unavailable");
    case 504: return QStringLiteral("Gateway Timeout");
    default: return {};
    }
}

QString httpStatusText(int status)
{
    const QString phrase = httpReasonPhrase(status);
    return phrase.isEmpty() ? QStringLiteral("HTTP %1").arg(status)
                            : QStringLiteral("HTTP %1 %2").arg(status).arg(phrase);
}

ErrorKind kindFromStatusCode(int status)
{
    switch (status) {
    case 401: return ErrorKind::Unauthorized;
    case 403: return ErrorKind::Forbidden;
    case 404: return ErrorKind::NotFound;
    case 408: return ErrorKind::Timeout;
    case 409: return ErrorKind::Conflict;
    case 410: return ErrorKind::Gone;
    case 422: return ErrorKind::Invalid;
    case 429: return ErrorKind::TooManyRequests;
    case 504: return ErrorKind::Timeout;
    default: break;
    }
    if (status >= 500 && status <= 599)
        return ErrorKind::ServerError;
    // 400, 405, 406, 413, 415 and the rest: the request itself is wrong and will stay wrong.
    if (status >= 400 && status <= 499)
        return ErrorKind::Invalid;
    // A non-error code with no recognisable Status gives nothing to go on.
    return ErrorKind::Malformed;
}

// The Status.reason vocabulary of k8s.io/apimachinery/pkg/apis/meta/v1/types.go. The
// reason wins over the code because it is more specific: 409 is AlreadyExists or
// Conflict, 410 is Gone or Expired, and ServerTimeout arrives as a 500.
std::optional<ErrorKind> kindFromReason(const QString &reason)
{
    if (reason == u"Unauthorized") return ErrorKind::Unauthorized;
    if (reason == u"Forbidden") return ErrorKind::Forbidden;
    if (reason == u"NotFound") return ErrorKind::NotFound;
    if (reason == u"AlreadyExists") return ErrorKind::AlreadyExists;
    if (reason == u"Conflict") return ErrorKind::Conflict;
    if (reason == u"Gone" || reason == u"Expired") return ErrorKind::Gone;
    if (reason == u"Invalid" || reason == u"BadRequest" || reason == u"MethodNotAllowed"
        || reason == u"NotAcceptable" || reason == u"RequestEntityTooLarge"
        || reason == u"UnsupportedMediaType")
        return ErrorKind::Invalid;
    if (reason == u"TooManyRequests") return ErrorKind::TooManyRequests;
    if (reason == u"ServerTimeout" || reason == u"Timeout") return ErrorKind::Timeout;
    if (reason == u"InternalError" || reason == u"ServiceUnavailable") return ErrorKind::ServerError;
    return std::nullopt;
}

QString bodySnippet(const QByteArray &body)
{
    QString text = QString::fromUtf8(body).simplified();
    if (text.size() > BodySnippetLength)
        text = text.left(BodySnippetLength) + QChar(0x2026);
    return text;
}

ApiError fromUnstructuredBody(int httpStatus, const QByteArray &body)
{
    ApiError error;
    error.httpStatus = httpStatus;
    error.kind = kindFromStatusCode(httpStatus);
    const QString snippet = bodySnippet(body);
    error.message = snippet.isEmpty()
        ? QStringLiteral("%1 (empty response body)").arg(httpStatusText(httpStatus))
        : QStringLiteral("%1: %2").arg(httpStatusText(httpStatus), snippet);
    return error;
}

} // namespace

ApiError parseStatus(int httpStatus, const QByteArray &body)
{
    const json doc = json::parse(body.constBegin(), body.constEnd(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object() || stringField(doc, "kind") != u"Status")
        return fromUnstructuredBody(httpStatus, body);

    ApiError error;
    const std::optional<int> bodyCode = intField(doc, "code");
    // Inside a watch stream the transport says 200 and only the Status knows the real code.
    error.httpStatus = (httpStatus >= 300 || !bodyCode) ? httpStatus : *bodyCode;
    error.reason = stringField(doc, "reason");
    error.kind = kindFromReason(error.reason).value_or(kindFromStatusCode(error.httpStatus));

    if (const auto details = doc.find("details"); details != doc.end() && details->is_object()) {
        error.detailsName = stringField(*details, "name");
        error.detailsKind = stringField(*details, "kind");
        error.retryAfterSeconds = intField(*details, "retryAfterSeconds");
        if (const auto causes = details->find("causes"); causes != details->end() && causes->is_array()) {
            for (const json &c : *causes) {
                if (!c.is_object())
                    continue;
                error.causes.append({stringField(c, "field"), stringField(c, "reason"), stringField(c, "message")});
            }
        }
    }

    error.message = stringField(doc, "message").simplified();
    if (error.message.isEmpty()) {
        error.message = error.reason.isEmpty()
            ? httpStatusText(error.httpStatus)
            : QStringLiteral("%1 (%2)").arg(httpStatusText(error.httpStatus), error.reason);
    }
    return error;
}

bool isRetriable(const ApiError &error)
{
    switch (error.kind) {
    case ErrorKind::Network:
    case ErrorKind::TooManyRequests:
    case ErrorKind::Timeout:
        return true;
    case ErrorKind::ServerError:
        // 501 Not Implemented and friends will answer the same way next time.
        return error.httpStatus == 0 || error.httpStatus == 500 || error.httpStatus == 502
            || error.httpStatus == 503;
    default:
        return false;
    }
}

std::optional<int> parseRetryAfter(const QByteArray &value)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qlonglong seconds = v.toLongLong(&ok);
    if (ok)
        return seconds < 0 ? std::nullopt : std::optional<int>(static_cast<int>(std::min<qlonglong>(seconds, 24 * 3600)));
    const QDateTime at = QDateTime::fromString(QString::fromLatin1(v), Qt::RFC2822Date);
    if (!at.isValid())
        return std::nullopt;
    const qint64 left = QDateTime::currentDateTimeUtc().secsTo(at);
    return static_cast<int>(std::clamp<qint64>(left, 0, 24 * 3600));
}

bool isResourceVersionTooLarge(const ApiError &error)
{
    static const QString tooLarge = QStringLiteral("Too large resource version");
    for (const ApiError::Cause &c : error.causes)
        if (c.reason == u"ResourceVersionTooLarge")
            return true;
    if (error.kind != ErrorKind::Timeout)
        return false;
    for (const ApiError::Cause &c : error.causes)
        if (c.message == tooLarge)
            return true;
    return error.message.contains(tooLarge);
}

} // namespace pilothouse::backends::kube
