// Unit test: values in Grafana's units as the charts, stats and graph edges show them, and the
// Metrics page's time ranges (presets, Grafana's relative forms, absolute ranges, zoom and back).
#include "metrics/timerange.h"
#include "metrics/valueformat.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace pilothouse::models;

class TestMetricsFormat : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void units_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("unit");
        QTest::addColumn<int>("decimals");  // -1: automatic
        QTest::addColumn<QString>("text");
        QTest::newRow("reqps") << 12.34 << "reqps" << -1 << "12.3 req/s";
        QTest::newRow("reqps fixed") << 12.0 << "reqps" << 2 << "12.00 req/s";
        QTest::newRow("percentunit") << 0.995 << "percentunit" << -1 << "99.5%";
        QTest::newRow("percentunit zero") << 0.0 << "percentunit" << -1 << "0%";
        QTest::newRow("percent") << 42.0 << "percent" << -1 << "42%";
        QTest::newRow("ms") << 250.0 << "ms" << -1 << "250 ms";
        QTest::newRow("ms as s") << 1500.0 << "ms" << -1 << "1.5 s";
        QTest::newRow("ms sub") << 0.25 << "ms" << -1 << "250 µs";
        QTest::newRow("s as min") << 150.0 << "s" << -1 << "2.5 min";
        QTest::newRow("s") << 0.042 << "s" << -1 << "42 ms";
        QTest::newRow("bytes") << 3.2 * 1024 * 1024 << "bytes" << -1 << "3.2 MiB";
        QTest::newRow("bytes small") << 512.0 << "bytes" << -1 << "512 B";
        QTest::newRow("Bps") << 12000.0 << "Bps" << -1 << "12 kB/s";
        QTest::newRow("short") << 1234.0 << "short" << -1 << "1.23K";
        QTest::newRow("short none") << 7.0 << "" << -1 << "7";
        QTest::newRow("short million") << 2500000.0 << "short" << -1 << "2.5Mil";
        QTest::newRow("unknown") << 3.0 << "widgets" << -1 << "3 widgets";
    }
    void units()
    {
        QFETCH(double, value);
        QFETCH(QString, unit);
        QFETCH(int, decimals);
        QFETCH(QString, text);
        QCOMPARE(formatValue(value, unit, decimals < 0 ? std::nullopt : std::optional<int>(decimals)), text);
    }

    void notANumberIsSaidSo()
    {
        QCOMPARE(formatValue(std::nan(""), QStringLiteral("reqps")), QStringLiteral("NaN"));
        QCOMPARE(formatValue(std::numeric_limits<double>::infinity(), QStringLiteral("ms")), QStringLiteral("+Inf"));
    }

    void presetsAndLabels()
    {
        const QList<TimeRange> presets = timeRangePresets();
        QCOMPARE(presets.size(), 6);
        QCOMPARE(presets[0].label(), QStringLiteral("Last 5 minutes"));
        QCOMPARE(presets[2].label(), QStringLiteral("Last 1 hour"));
        QCOMPARE(presets[4].label(), QStringLiteral("Last 24 hours"));
        QCOMPARE(presets[5].label(), QStringLiteral("Last 7 days"));
        const qint64 now = 1'765'000'000'000;
        QCOMPARE(presets[1].resolve(now), (std::pair<qint64, qint64>{now - 15 * 60'000, now}));
        QCOMPARE(presets[5].lengthMs(now), qint64(7) * 86'400'000);
    }

    void dashboardTimesAreRead()
    {
        const TimeRange relative = TimeRange::fromGrafana(QStringLiteral("now-6h"), QStringLiteral("now"));
        QVERIFY(!relative.absolute);
        QCOMPARE(relative.label(), QStringLiteral("Last 6 hours"));
        const TimeRange fixed = TimeRange::fromGrafana(QStringLiteral("2026-12-07T10:00:00.000Z"), QStringLiteral("2026-12-07T11:30:00.000Z"));
        QVERIFY(fixed.absolute);
        QCOMPARE(fixed.toMs - fixed.fromMs, qint64(90) * 60'000);
        // Something else: the last hour rather than nothing.
        const TimeRange odd = TimeRange::fromGrafana(QStringLiteral("yesterday"), QStringLiteral("now"));
        QCOMPARE(odd.lengthMs(1'765'000'000'000), qint64(3'600'000));
    }

    void zoomAndBack()
    {
        TimeRangeHistory history(TimeRange::last(QStringLiteral("1h")));
        QVERIFY(!history.canGoBack());
        history.set(TimeRange::last(QStringLiteral("6h")));
        QVERIFY(history.zoom(2'000'000, 1'000'000));  // a drag right to left is the same range
        QVERIFY(history.current().absolute);
        QCOMPARE(history.current().fromMs, qint64(1'000'000));
        QCOMPARE(history.current().toMs, qint64(2'000'000));
        QVERIFY(!history.zoom(1'000'000, 1'000'500));  // a click, not a drag
        QVERIFY(history.back());
        QCOMPARE(history.current(), TimeRange::last(QStringLiteral("6h")));
        QVERIFY(history.back());
        QCOMPARE(history.current(), TimeRange::last(QStringLiteral("1h")));
        QVERIFY(!history.back());
        history.set(TimeRange::last(QStringLiteral("1h")));  // the same range adds nothing to go back to
        QVERIFY(!history.canGoBack());
    }
};

QTEST_GUILESS_MAIN(TestMetricsFormat)
#include "tst_metricsformat.moc"
