// Tests that Kubernetes Status responses, and bodies that are not Status, map to the right ApiError.
#include "kube/api/status.h"

#include <QTest>

using pilothouse::backends::ApiError;
using pilothouse::backends::ErrorKind;
using pilothouse::backends::errorKindName;
using pilothouse::backends::Result;
using pilothouse::backends::kube::isRetriable;
using pilothouse::backends::kube::parseStatus;

Q_DECLARE_METATYPE(ErrorKind)

namespace {

QByteArray statusBody(int code, const char *reason, const char *message, const char *details = nullptr)
{
    QByteArray body = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)";
    body += "\"message\":\"" + QByteArray(message) + "\",";
    body += "\"reason\":\"" + QByteArray(reason) + "\",";
    if (details)
        body += "\"details\":" + QByteArray(details) + ",";
    body += "\"code\":" + QByteArray::number(code) + "}";
    return body;
}

} // namespace

class TestStatus : public QObject
{
    Q_OBJECT

private slots:
    void mapsReasonAndCode_data();
    void mapsReasonAndCode();
    void codeDecidesWhenReasonIsUnknown_data();
    void codeDecidesWhenReasonIsUnknown();
    void readsDetailsAndCauses();
    void readsRetryAfterSeconds();
    void watchErrorInsideHttp200UsesStatusCode();
    void nonJsonBodyNamesStatusAndBody();
    void longBodyIsCutTo200Characters();
    void emptyBodyNamesStatus();
    void jsonThatIsNotStatus();
    void statusWithoutMessageStillSaysSomething();
    void wrongFieldTypesAreIgnored();
    void retriable_data();
    void retriable();
    void resultHoldsValueOrError();
};

void TestStatus::mapsReasonAndCode_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<ErrorKind>("kind");

    QTest::newRow("401 Unauthorized") << 401 << "Unauthorized" << ErrorKind::Unauthorized;
    QTest::newRow("403 Forbidden") << 403 << "Forbidden" << ErrorKind::Forbidden;
    QTest::newRow("404 NotFound") << 404 << "NotFound" << ErrorKind::NotFound;
    QTest::newRow("409 AlreadyExists") << 409 << "AlreadyExists" << ErrorKind::AlreadyExists;
    QTest::newRow("409 Conflict") << 409 << "Conflict" << ErrorKind::Conflict;
    QTest::newRow("410 Gone") << 410 << "Gone" << ErrorKind::Gone;
    QTest::newRow("410 Expired") << 410 << "Expired" << ErrorKind::Gone;
    QTest::newRow("422 Invalid") << 422 << "Invalid" << ErrorKind::Invalid;
    QTest::newRow("400 BadRequest") << 400 << "BadRequest" << ErrorKind::Invalid;
    QTest::newRow("405 MethodNotAllowed") << 405 << "MethodNotAllowed" << ErrorKind::Invalid;
    QTest::newRow("429 TooManyRequests") << 429 << "TooManyRequests" << ErrorKind::TooManyRequests;
    QTest::newRow("500 InternalError") << 500 << "InternalError" << ErrorKind::ServerError;
    QTest::newRow("503 ServiceUnavailable") << 503 << "ServiceUnavailable" << ErrorKind::ServerError;
    QTest::newRow("504 Timeout") << 504 << "Timeout" << ErrorKind::Timeout;
    // The API server reports a request it gave up on as 500 ServerTimeout.
    QTest::newRow("500 ServerTimeout") << 500 << "ServerTimeout" << ErrorKind::Timeout;
}

void TestStatus::mapsReasonAndCode()
{
    QFETCH(int, code);
    QFETCH(QString, reason);
    QFETCH(ErrorKind, kind);

    const ApiError error = parseStatus(code, statusBody(code, reason.toUtf8().constData(), "the message"));
    QCOMPARE(errorKindName(error.kind), errorKindName(kind));
    QCOMPARE(error.httpStatus, code);
    QCOMPARE(error.reason, reason);
    QCOMPARE(error.message, QStringLiteral("the message"));
}

void TestStatus::codeDecidesWhenReasonIsUnknown_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<ErrorKind>("kind");

    QTest::newRow("401") << 401 << ErrorKind::Unauthorized;
    QTest::newRow("403") << 403 << ErrorKind::Forbidden;
    QTest::newRow("404") << 404 << ErrorKind::NotFound;
    QTest::newRow("409") << 409 << ErrorKind::Conflict;
    QTest::newRow("410") << 410 << ErrorKind::Gone;
    QTest::newRow("422") << 422 << ErrorKind::Invalid;
    QTest::newRow("429") << 429 << ErrorKind::TooManyRequests;
    QTest::newRow("500") << 500 << ErrorKind::ServerError;
    QTest::newRow("502") << 502 << ErrorKind::ServerError;
    QTest::newRow("503") << 503 << ErrorKind::ServerError;
    QTest::newRow("504") << 504 << ErrorKind::Timeout;
    QTest::newRow("400") << 400 << ErrorKind::Invalid;
}

void TestStatus::codeDecidesWhenReasonIsUnknown()
{
    QFETCH(int, code);
    QFETCH(ErrorKind, kind);

    const ApiError withOddReason = parseStatus(code, statusBody(code, "SomethingNew", "m"));
    QCOMPARE(errorKindName(withOddReason.kind), errorKindName(kind));
    QCOMPARE(withOddReason.reason, QStringLiteral("SomethingNew"));

    const ApiError withoutReason = parseStatus(code, statusBody(code, "", "m"));
    QCOMPARE(errorKindName(withoutReason.kind), errorKindName(kind));
}

void TestStatus::readsDetailsAndCauses()
{
    const QByteArray body = statusBody(
        422, "Invalid",
        R"(Deployment.apps \"web\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, metadata.name: Required value])",
        R"({"name":"web","group":"apps","kind":"Deployment","causes":[)"
        R"({"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"},)"
        R"({"reason":"FieldValueRequired","message":"Required value","field":"metadata.name"}]})");

    const ApiError error = parseStatus(422, body);
    QCOMPARE(errorKindName(error.kind), QStringLiteral("Invalid"));
    QCOMPARE(error.detailsName, QStringLiteral("web"));
    QCOMPARE(error.detailsKind, QStringLiteral("Deployment"));
    QVERIFY(error.message.startsWith(QStringLiteral("Deployment.apps \"web\" is invalid")));
    QCOMPARE(error.causes.size(), 2);
    QCOMPARE(error.causes.at(0).field, QStringLiteral("spec.replicas"));
    QCOMPARE(error.causes.at(0).reason, QStringLiteral("FieldValueInvalid"));
    QCOMPARE(error.causes.at(0).message, QStringLiteral("Invalid value: -1: must be greater than or equal to 0"));
    QCOMPARE(error.causes.at(1).field, QStringLiteral("metadata.name"));
    QCOMPARE(error.causes.at(1).reason, QStringLiteral("FieldValueRequired"));
    QCOMPARE(error.causes.at(1).message, QStringLiteral("Required value"));
    QVERIFY(!error.retryAfterSeconds.has_value());
}

void TestStatus::readsRetryAfterSeconds()
{
    const ApiError throttled = parseStatus(
        429, statusBody(429, "TooManyRequests", "Too many requests, please try again later.",
                        R"({"retryAfterSeconds":7})"));
    QCOMPARE(errorKindName(throttled.kind), QStringLiteral("TooManyRequests"));
    QVERIFY(throttled.retryAfterSeconds.has_value());
    QCOMPARE(*throttled.retryAfterSeconds, 7);

    const ApiError serverTimeout = parseStatus(
        500, statusBody(500, "ServerTimeout", "The list operation could not be completed at this time",
                        R"({"name":"pods","kind":"list","retryAfterSeconds":2})"));
    QCOMPARE(errorKindName(serverTimeout.kind), QStringLiteral("Timeout"));
    QCOMPARE(serverTimeout.retryAfterSeconds.value_or(-1), 2);
    QCOMPARE(serverTimeout.detailsName, QStringLiteral("pods"));
}

void TestStatus::watchErrorInsideHttp200UsesStatusCode()
{
    const QByteArray body = statusBody(410, "Expired", "too old resource version: 100 (2000)");
    const ApiError fromStream = parseStatus(200, body);
    QCOMPARE(errorKindName(fromStream.kind), QStringLiteral("Gone"));
    QCOMPARE(fromStream.httpStatus, 410);

    const ApiError withoutTransport = parseStatus(0, body);
    QCOMPARE(errorKindName(withoutTransport.kind), QStringLiteral("Gone"));
    QCOMPARE(withoutTransport.httpStatus, 410);

    // A real HTTP error status is what the server said; the body's code does not override it.
    const ApiError mismatched = parseStatus(503, statusBody(404, "", "m"));
    QCOMPARE(mismatched.httpStatus, 503);
    QCOMPARE(errorKindName(mismatched.kind), QStringLiteral("ServerError"));
}

void TestStatus::nonJsonBodyNamesStatusAndBody()
{
    const ApiError error = parseStatus(
        502, "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>");
    QCOMPARE(errorKindName(error.kind), QStringLiteral("ServerError"));
    QCOMPARE(error.httpStatus, 502);
    QVERIFY(error.reason.isEmpty());
    QVERIFY2(error.message.contains(QStringLiteral("502")), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("<title>502 Bad Gateway</title>")), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("nginx")), qPrintable(error.message));
    // A status line has one line.
    QVERIFY(!error.message.contains(QLatin1Char('\n')));

    const ApiError forbidden = parseStatus(403, "forbidden: User \"system:anonymous\" cannot list pods");
    QCOMPARE(errorKindName(forbidden.kind), QStringLiteral("Forbidden"));
    QVERIFY(forbidden.message.contains(QStringLiteral("403")));
    QVERIFY(forbidden.message.contains(QStringLiteral("system:anonymous")));
}

void TestStatus::longBodyIsCutTo200Characters()
{
    const QByteArray first200 = QByteArray(199, 'a') + 'Z';
    const QByteArray body = first200 + QByteArray("TAIL-THAT-MUST-NOT-APPEAR") + QByteArray(500, 'b');
    const ApiError error = parseStatus(500, body);
    QVERIFY2(error.message.contains(QString::fromLatin1(first200)), qPrintable(error.message));
    QVERIFY2(!error.message.contains(QStringLiteral("TAIL")), qPrintable(error.message));
    QVERIFY(error.message.size() < 260);
}

void TestStatus::emptyBodyNamesStatus()
{
    const ApiError error = parseStatus(503, QByteArray());
    QCOMPARE(errorKindName(error.kind), QStringLiteral("ServerError"));
    QCOMPARE(error.httpStatus, 503);
    QVERIFY2(error.message.contains(QStringLiteral("503")), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("empty"), Qt::CaseInsensitive), qPrintable(error.message));

    const ApiError unauthorized = parseStatus(401, QByteArray());
    QCOMPARE(errorKindName(unauthorized.kind), QStringLiteral("Unauthorized"));
    QVERIFY(unauthorized.message.contains(QStringLiteral("401")));
}

void TestStatus::jsonThatIsNotStatus()
{
    const ApiError error = parseStatus(404, R"({"error":"no such route"})");
    QCOMPARE(errorKindName(error.kind), QStringLiteral("NotFound"));
    QVERIFY(error.reason.isEmpty());
    QVERIFY2(error.message.contains(QStringLiteral("404")), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("no such route")), qPrintable(error.message));

    const ApiError array = parseStatus(500, "[1,2,3]");
    QCOMPARE(errorKindName(array.kind), QStringLiteral("ServerError"));
    QVERIFY(array.message.contains(QStringLiteral("[1,2,3]")));
}

void TestStatus::statusWithoutMessageStillSaysSomething()
{
    const ApiError error = parseStatus(409, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","code":409})");
    QCOMPARE(errorKindName(error.kind), QStringLiteral("Conflict"));
    QVERIFY2(error.message.contains(QStringLiteral("409")), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("Conflict")), qPrintable(error.message));
}

void TestStatus::wrongFieldTypesAreIgnored()
{
    // Hostile or buggy servers must not crash the parser (nlohmann would throw on a bad get<>).
    const ApiError error = parseStatus(
        422, R"({"kind":"Status","message":42,"reason":["Invalid"],"code":"422",)"
             R"("details":{"name":7,"retryAfterSeconds":"soon","causes":[1,{"field":3,"message":"m"}]}})");
    QCOMPARE(errorKindName(error.kind), QStringLiteral("Invalid"));
    QCOMPARE(error.httpStatus, 422);
    QVERIFY(error.reason.isEmpty());
    QVERIFY(error.detailsName.isEmpty());
    QVERIFY(!error.retryAfterSeconds.has_value());
    QCOMPARE(error.causes.size(), 1);
    QCOMPARE(error.causes.at(0).message, QStringLiteral("m"));
    QVERIFY(error.causes.at(0).field.isEmpty());
    QVERIFY(error.message.contains(QStringLiteral("422")));
}

void TestStatus::retriable_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<bool>("retriable");

    QTest::newRow("429") << 429 << "TooManyRequests" << true;
    QTest::newRow("500") << 500 << "InternalError" << true;
    QTest::newRow("500 ServerTimeout") << 500 << "ServerTimeout" << true;
    QTest::newRow("502 from a proxy") << 502 << "" << true;
    QTest::newRow("503") << 503 << "ServiceUnavailable" << true;
    QTest::newRow("504") << 504 << "Timeout" << true;
    QTest::newRow("400") << 400 << "BadRequest" << false;
    QTest::newRow("401") << 401 << "Unauthorized" << false;
    QTest::newRow("403") << 403 << "Forbidden" << false;
    QTest::newRow("404") << 404 << "NotFound" << false;
    QTest::newRow("409") << 409 << "Conflict" << false;
    QTest::newRow("410") << 410 << "Expired" << false;
    QTest::newRow("422") << 422 << "Invalid" << false;
    QTest::newRow("501") << 501 << "" << false;
}

void TestStatus::retriable()
{
    QFETCH(int, code);
    QFETCH(QString, reason);
    QFETCH(bool, retriable);
    QCOMPARE(isRetriable(parseStatus(code, statusBody(code, reason.toUtf8().constData(), "m"))), retriable);
}

void TestStatus::resultHoldsValueOrError()
{
    Result<int> good(42);
    QVERIFY(good.ok());
    QCOMPARE(good.value(), 42);
    QCOMPARE(errorKindName(good.error().kind), QStringLiteral("None"));

    ApiError notFound;
    notFound.kind = ErrorKind::NotFound;
    notFound.httpStatus = 404;
    notFound.message = QStringLiteral("pods \"x\" not found");
    const Result<int> bad = Result<int>::failure(notFound);
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error(), notFound);
    QCOMPARE(bad.valueOr(7), 7);

    // Copies are independent values.
    Result<QString> text(QStringLiteral("a"));
    Result<QString> copy = text;
    copy.value() += QLatin1Char('b');
    QCOMPARE(text.value(), QStringLiteral("a"));
    QCOMPARE(copy.value(), QStringLiteral("ab"));

    // A failure built without a kind must still read as a failure.
    QVERIFY(Result<int>::failure(ApiError{}).error().isError());

    QVERIFY(Result<void>::success().ok());
    const Result<void> failed = Result<void>::failure(notFound);
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().httpStatus, 404);
}

QTEST_GUILESS_MAIN(TestStatus)
#include "tst_status.moc"
