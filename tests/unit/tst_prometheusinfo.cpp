// Prometheus API answers as values on fixtures (tests/data/prometheus): vector, matrix, scalar,
// string, NaN and infinities, empty results as "no data", warnings and partial data, error
// envelopes with their errorType and HTTP status; and the choice of a range query's step.
#include "prometheus/prometheusinfo.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTest>

#include <cmath>

using namespace pilothouse::backends;
using namespace pilothouse::backends::prometheus;

namespace {

QByteArray fixture(const char *name)
{
    QFile f(QStringLiteral(PILOTHOUSE_TEST_DATA "/prometheus/") + QLatin1String(name));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open fixture %s", name);
    return f.readAll();
}

constexpr qint64 kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;

}  // namespace

class TestPrometheusInfo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void vectorHasEverySeriesWithItsLabelsAndSample()
    {
        const auto r = parseQueryResponse(200, fixture("vector.json"));
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        const QueryResult &q = r.value();
        QCOMPARE(q.type, ResultType::Vector);
        QCOMPARE(q.series.size(), 2);
        QCOMPARE(q.series[0].metricName(), QStringLiteral("istio_requests_total"));
        QCOMPARE(q.series[0].labels.value(QStringLiteral("destination_workload")), QStringLiteral("cartservice"));
        QCOMPARE(q.series[0].labels.value(QStringLiteral("response_code")), QStringLiteral("200"));
        QCOMPARE(q.series[0].labels.size(), 4);
        QCOMPARE(q.series[0].samples.size(), 1);
        QCOMPARE(q.series[0].samples[0].timeMs, qint64(1733536800123));
        QCOMPARE(q.series[0].samples[0].value, 42.5);
        QCOMPARE(q.series[1].metricName(), QString());  // an expression's result has no __name__
        QCOMPARE(q.series[1].samples[0].value, 0.25);
        QCOMPARE(q.sampleCount(), qsizetype(2));
        QCOMPARE(q.state(), DataState::Complete);
        QVERIFY(q.notes.warnings.isEmpty());
        QVERIFY(!q.notes.partial);
    }

    void matrixKeepsSamplesInOrderWithNanAndInfinities()
    {
        const auto r = parseQueryResponse(200, fixture("matrix.json"));
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        const QueryResult &q = r.value();
        QCOMPARE(q.type, ResultType::Matrix);
        QCOMPARE(q.series.size(), 2);
        const Series &cart = q.series[0];
        QCOMPARE(cart.labels.value(QStringLiteral("destination_canonical_revision")), QStringLiteral("v2"));
        QCOMPARE(cart.samples.size(), 3);
        QCOMPARE(cart.samples[0].timeMs, qint64(1733536800000));
        QCOMPARE(cart.samples[0].value, 12.0);
        QCOMPARE(cart.samples[1].timeMs, qint64(1733536815000));
        QCOMPARE(cart.samples[1].value, 12.5);
        QCOMPARE(cart.samples[2].timeMs, qint64(1733536830000));
        QCOMPARE(cart.samples[2].value, 13.75);
        const Series &redis = q.series[1];
        QCOMPARE(redis.samples.size(), 4);
        QVERIFY(std::isnan(redis.samples[0].value));
        QVERIFY(std::isinf(redis.samples[1].value) && redis.samples[1].value > 0);
        QVERIFY(std::isinf(redis.samples[2].value) && redis.samples[2].value < 0);
        QCOMPARE(redis.samples[3].value, 1e6);
        QCOMPARE(q.sampleCount(), qsizetype(7));
        QCOMPARE(q.state(), DataState::Complete);
    }

    void scalarAndString()
    {
        const auto s = parseQueryResponse(200, fixture("scalar.json"));
        QVERIFY2(s.ok(), qPrintable(s.error().message));
        QCOMPARE(s.value().type, ResultType::Scalar);
        QCOMPARE(s.value().scalar.timeMs, qint64(1733536800500));
        QCOMPARE(s.value().scalar.value, 3.14);
        QVERIFY(s.value().series.isEmpty());
        QCOMPARE(s.value().state(), DataState::Complete);

        const auto t = parseQueryResponse(200, fixture("string.json"));
        QVERIFY2(t.ok(), qPrintable(t.error().message));
        QCOMPARE(t.value().type, ResultType::String);
        QCOMPARE(t.value().stringValue, QStringLiteral("hello mesh"));
        QCOMPARE(t.value().scalar.timeMs, qint64(1733536800000));
    }

    void anEmptyResultIsNoDataNeverHealthy()
    {
        for (const char *name : {"empty-vector.json", "empty-matrix.json"}) {
            const auto r = parseQueryResponse(200, fixture(name));
            QVERIFY2(r.ok(), qPrintable(r.error().message));
            QVERIFY(r.value().isEmpty());
            QCOMPARE(r.value().state(), DataState::NoData);
            QCOMPARE(r.value().sampleCount(), qsizetype(0));
        }
        QCOMPARE(parseQueryResponse(200, fixture("empty-matrix.json")).value().type, ResultType::Matrix);
    }

    void aStorageWarningMarksTheDataPartial()
    {
        const auto r = parseQueryResponse(200, fixture("warnings-partial.json"));
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QCOMPARE(r.value().notes.warnings,
                 QStringList{QStringLiteral("remote_read: error reading from remote storage \"long-term\": context deadline exceeded")});
        QVERIFY(r.value().notes.partial);
        QCOMPARE(r.value().state(), DataState::Partial);
        QCOMPARE(r.value().series[0].samples[0].value, 7.0);
    }

    void aPromQLAnnotationIsKeptButDoesNotMakeItPartial()
    {
        const auto r = parseQueryResponse(200, fixture("warnings-annotation.json"));
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QCOMPARE(r.value().notes.warnings.size(), 1);
        QVERIFY(r.value().notes.warnings[0].startsWith(QStringLiteral("PromQL warning: metric might not be a counter")));
        QCOMPARE(r.value().notes.infos, QStringList{QStringLiteral("PromQL info: ignored a label")});
        QVERIFY(!r.value().notes.partial);
        QCOMPARE(r.value().state(), DataState::Complete);
    }

    void errorEnvelopesCarryTypeStatusAndMessage_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("status");
        QTest::addColumn<ErrorKind>("kind");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("message");
        QTest::newRow("bad_data") << "error-bad-data.json" << 400 << ErrorKind::Invalid << "bad_data"
                                  << "bad_data: invalid parameter \"query\": 1:8: parse error: unexpected right parenthesis ')' (HTTP 400)";
        QTest::newRow("execution") << "error-execution.json" << 422 << ErrorKind::Invalid << "execution"
                                   << "execution: found duplicate series for the match group {destination_workload=\"cartservice\"} on the right "
                                      "hand-side of the operation: many-to-many matching not allowed: matching labels must be unique on one side (HTTP 422)";
        QTest::newRow("timeout") << "error-timeout.json" << 503 << ErrorKind::Timeout << "timeout"
                                 << "timeout: query timed out in expression evaluation (HTTP 503)";
        QTest::newRow("too many points") << "error-too-many-points.json" << 400 << ErrorKind::Invalid << "bad_data"
                                         << "bad_data: exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                                            "resolution (?step=XX) (HTTP 400)";
    }
    void errorEnvelopesCarryTypeStatusAndMessage()
    {
        QFETCH(QString, file);
        QFETCH(int, status);
        QFETCH(ErrorKind, kind);
        QFETCH(QString, type);
        QFETCH(QString, message);
        const QByteArray body = fixture(file.toLatin1().constData());
        const auto r = parseQueryResponse(status, body);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, kind);
        QCOMPARE(r.error().reason, type);
        QCOMPARE(r.error().httpStatus, status);
        QCOMPARE(r.error().message, message);
        // The same envelope on the other endpoints.
        QCOMPARE(parseSeriesResponse(status, body).error().reason, type);
        QCOMPARE(parseNamesResponse(status, body).error().kind, kind);
    }

    void anErrorWithoutEnvelopeIsNamedByItsStatus()
    {
        const auto proxy = parseQueryResponse(502, "<html><body><h1>502 Bad Gateway</h1></body></html>");
        QCOMPARE(proxy.error().kind, ErrorKind::ServerError);
        QCOMPARE(proxy.error().httpStatus, 502);
        QCOMPARE(proxy.error().message, QStringLiteral("HTTP 502: 502 Bad Gateway"));
        const auto auth = parseQueryResponse(401, "Unauthorized\n");
        QCOMPARE(auth.error().kind, ErrorKind::Unauthorized);
        QCOMPARE(auth.error().message, QStringLiteral("HTTP 401: Unauthorized"));
        QCOMPARE(parseNamesResponse(404, "404 page not found\n").error().kind, ErrorKind::NotFound);
        QCOMPARE(parseQueryResponse(429, {}).error().message, QStringLiteral("HTTP 429"));
    }

    void aMalformedAnswerIsMalformed()
    {
        QCOMPARE(parseQueryResponse(200, "not json").error().kind, ErrorKind::Malformed);
        QCOMPARE(parseQueryResponse(200, "{\"status\":\"success\"}").error().kind, ErrorKind::Malformed);
        const auto unknown = parseQueryResponse(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"table\",\"result\":[]}}");
        QCOMPARE(unknown.error().kind, ErrorKind::Malformed);
        QVERIFY2(unknown.error().message.contains(QStringLiteral("unknown resultType \"table\"")), qPrintable(unknown.error().message));
        const auto badValue = parseQueryResponse(
            200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"twelve\"]}]}}");
        QCOMPARE(badValue.error().kind, ErrorKind::Malformed);
    }

    void aPaddedBodyParsesInPlace()
    {
        QByteArray body = fixture("matrix.json");
        body.reserve(body.size() + 64);
        const auto r = parseQueryResponse(200, body);
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QCOMPARE(r.value().sampleCount(), qsizetype(7));
    }

    void aFullRangeAnswerParsesEverySample()
    {
        // 20 series at the 11,000-point limit, as Prometheus writes them (about 6 MB).
        QByteArray body = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[";
        for (int s = 0; s < 20; ++s) {
            if (s)
                body += ',';
            body += "{\"metric\":{\"__name__\":\"istio_requests_total\",\"destination_workload\":\"svc-" + QByteArray::number(s)
                + "\",\"reporter\":\"destination\"},\"values\":[";
            for (int i = 0; i < 11000; ++i) {
                if (i)
                    body += ',';
                body += '[' + QByteArray::number(1733536800 + i * 15) + ".5,\"" + QByteArray::number(s * 100000 + i) + ".25\"]";
            }
            body += "]}";
        }
        body += "]}}";
        QElapsedTimer timer;
        timer.start();
        const auto first = parseQueryResponse(200, body);
        const qint64 firstMs = timer.restart();
        const auto r = parseQueryResponse(200, body);  // as the parser thread does at each refresh
        const qint64 ms = timer.elapsed();
        QCOMPARE(first.value().sampleCount(), qsizetype(220000));
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QCOMPARE(r.value().series.size(), 20);
        QCOMPARE(r.value().sampleCount(), qsizetype(220000));
        const Series &last = r.value().series.last();
        QCOMPARE(last.labels.value(QStringLiteral("destination_workload")), QStringLiteral("svc-19"));
        QCOMPARE(last.samples.last().timeMs, qint64(1733536800500) + 10999 * 15000);
        QCOMPARE(last.samples.last().value, 1910999.25);
        qInfo("%lld bytes, 220,000 samples parsed in %lld ms (the thread's first parse: %lld ms)", qint64(body.size()), ms, firstMs);
    }

    void seriesLabelsAndValues()
    {
        const auto s = parseSeriesResponse(200, fixture("series.json"));
        QVERIFY2(s.ok(), qPrintable(s.error().message));
        QCOMPARE(s.value().series.size(), 2);
        QCOMPARE(s.value().series[1].value(QStringLiteral("reporter")), QStringLiteral("source"));
        QCOMPARE(s.value().series[1].value(QStringLiteral("__name__")), QStringLiteral("istio_requests_total"));
        QCOMPARE(s.value().state(), DataState::Complete);

        const auto l = parseNamesResponse(200, fixture("labels.json"));
        QVERIFY2(l.ok(), qPrintable(l.error().message));
        QCOMPARE(l.value().names, (QStringList{QStringLiteral("__name__"), QStringLiteral("destination_workload"), QStringLiteral("reporter"),
                                               QStringLiteral("response_code")}));

        const auto v = parseNamesResponse(200, fixture("label-values.json"));
        QCOMPARE(v.value().names, (QStringList{QStringLiteral("cartservice"), QStringLiteral("checkoutservice"), QStringLiteral("frontend")}));

        const auto none = parseNamesResponse(200, fixture("label-values-null.json"));
        QVERIFY2(none.ok(), qPrintable(none.error().message));
        QCOMPARE(none.value().state(), DataState::NoData);
        QCOMPARE(parseSeriesResponse(200, "{\"status\":\"success\",\"data\":[]}").value().state(), DataState::NoData);
    }

    void sampleValuesAsGoWritesThem()
    {
        double d = 0;
        QVERIFY(parseSampleValue("0.001", 5, &d));
        QCOMPARE(d, 0.001);
        QVERIFY(parseSampleValue("-3", 2, &d));
        QCOMPARE(d, -3.0);
        QVERIFY(parseSampleValue("+Inf", 4, &d));
        QVERIFY(std::isinf(d) && d > 0);
        QVERIFY(parseSampleValue("NaN", 3, &d));
        QVERIFY(std::isnan(d));
        QVERIFY(!parseSampleValue("", 0, &d));
        QVERIFY(!parseSampleValue("1,5", 3, &d));
        QVERIFY(!parseSampleValue("12abc", 5, &d));
    }

    // ---- step ------------------------------------------------------------------------------

    void stepFollowsTheWidth_data()
    {
        QTest::addColumn<qint64>("range");
        QTest::addColumn<int>("width");
        QTest::addColumn<qint64>("minStep");
        QTest::addColumn<qint64>("step");
        // One point every 3 px, rounded up to a nice step.
        QTest::newRow("5m at 1000 px") << 5 * kMinute << 1000 << qint64(0) << 1 * kSecond;
        QTest::newRow("1h at 1000 px") << 1 * kHour << 1000 << qint64(0) << 15 * kSecond;    // 10.8 s
        QTest::newRow("1h at 400 px") << 1 * kHour << 400 << qint64(0) << 30 * kSecond;      // 27 s
        QTest::newRow("6h at 1200 px") << 6 * kHour << 1200 << qint64(0) << 1 * kMinute;    // 54 s
        QTest::newRow("24h at 1000 px") << 24 * kHour << 1000 << qint64(0) << 5 * kMinute;  // 259.2 s
        QTest::newRow("7d at 1000 px") << 7 * kDay << 1000 << qint64(0) << 1 * kHour;       // 30.24 min
        QTest::newRow("10 years at 100 px") << 3650 * kDay << 100 << qint64(0) << 110 * kDay;  // 109.5 d: whole days
        // The scrape interval is the floor: a finer step only repeats samples.
        QTest::newRow("5m, scraped every 15s") << 5 * kMinute << 1000 << 15 * kSecond << 15 * kSecond;
        QTest::newRow("5m, scraped every 7s") << 5 * kMinute << 1000 << 7 * kSecond << 10 * kSecond;
        QTest::newRow("no width") << 1 * kHour << 0 << qint64(0) << 3 * kHour;  // one pixel: 3 points per range
        QTest::newRow("empty range") << qint64(0) << 1000 << qint64(0) << 1 * kSecond;
    }
    void stepFollowsTheWidth()
    {
        QFETCH(qint64, range);
        QFETCH(int, width);
        QFETCH(qint64, minStep);
        QFETCH(qint64, step);
        const qint64 start = 1733536800000;
        QCOMPARE(chooseStepMs(start, start + range, width, minStep), step);
    }

    void stepKeepsUnderElevenThousandPoints()
    {
        const qint64 start = 1733536800000;
        // 10,999 s at 1 s is 11,000 points: allowed. 11,000 s would be 11,001: the next nice step.
        QCOMPARE(chooseStepMs(start, start + 10999 * kSecond, 1000000, 0, 1), 1 * kSecond);
        QCOMPARE(chooseStepMs(start, start + 11000 * kSecond, 1000000, 0, 1), 2 * kSecond);
        // 30 days on a wall of pixels: 30 s for the width, 5 m for the limit.
        const qint64 month = chooseStepMs(start, start + 30 * kDay, 100000, 0, 1);
        QCOMPARE(month, 5 * kMinute);
        QCOMPARE((30 * kDay) / month + 1, qint64(8641));
        for (qint64 range : {kHour, kDay, 7 * kDay, 90 * kDay, 400 * kDay})
            for (int width : {1, 300, 1920, 8000, 1000000}) {
                const QueryRange r = planRange(start + 7 * kSecond, start + 7 * kSecond + range, width, 0, 1);
                QVERIFY2(r.points() <= kMaxPointsPerSeries, qPrintable(QStringLiteral("%1 ms at %2 px: %3 points").arg(range).arg(width).arg(r.points())));
                QVERIFY(niceStepsMs().contains(r.stepMs) || r.stepMs % kDay == 0);
            }
    }

    void planAlignsTheRangeToTheStep()
    {
        const qint64 start = 1733536807000;  // 7 s past a multiple of 15 s
        const QueryRange r = planRange(start, start + kHour, 1000);
        QCOMPARE(r.stepMs, 15 * kSecond);
        QCOMPARE(r.startMs, qint64(1733536800000));
        QCOMPARE(r.endMs, qint64(1733540400000));
        QCOMPARE(r.points(), qint64(241));
        // A refresh three seconds later asks for the same points.
        const QueryRange later = planRange(start + 3 * kSecond, start + 3 * kSecond + kHour, 1000);
        QCOMPARE(later.startMs, r.startMs);
        QCOMPARE(later.endMs, r.endMs);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusInfo)
#include "tst_prometheusinfo.moc"
