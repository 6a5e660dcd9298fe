// Tests humanDuration against kubectl's HumanDuration, branch by branch and at every boundary.
#include "humanduration.h"

#include <QTest>

using pilothouse::models::humanDuration;

namespace {

constexpr qint64 Minute = 60;
constexpr qint64 Hour = 60 * Minute;
constexpr qint64 Day = 24 * Hour;
constexpr qint64 Year = 365 * Day;

} // namespace

class TestHumanDuration : public QObject
{
    Q_OBJECT

private slots:
    void matchesKubectl_data();
    void matchesKubectl();
};

void TestHumanDuration::matchesKubectl_data()
{
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<QString>("expected");

    // Clock skew: one second into the future is "now", more is a broken clock.
    QTest::newRow("-10s invalid") << qint64(-10) << "<invalid>";
    QTest::newRow("-2s invalid") << qint64(-2) << "<invalid>";
    QTest::newRow("-1s is now") << qint64(-1) << "0s";
    QTest::newRow("0s") << qint64(0) << "0s";

    // Seconds up to two minutes.
    QTest::newRow("1s") << qint64(1) << "1s";
    QTest::newRow("59s") << qint64(59) << "59s";
    QTest::newRow("70s") << qint64(70) << "70s";
    QTest::newRow("119s") << qint64(2 * Minute - 1) << "119s";

    // Minutes and seconds below ten minutes; the seconds vanish when zero.
    QTest::newRow("2m") << qint64(2 * Minute) << "2m";
    QTest::newRow("2m1s") << qint64(2 * Minute + 1) << "2m1s";
    QTest::newRow("3m10s") << qint64(190) << "3m10s";
    QTest::newRow("9m59s") << qint64(10 * Minute - 1) << "9m59s";

    // Whole minutes below three hours.
    QTest::newRow("10m") << qint64(10 * Minute) << "10m";
    QTest::newRow("10m1s drops seconds") << qint64(10 * Minute + 1) << "10m";
    QTest::newRow("70m") << qint64(70 * Minute) << "70m";
    QTest::newRow("179m") << qint64(3 * Hour - 1) << "179m";

    // Hours and minutes below eight hours.
    QTest::newRow("3h") << qint64(3 * Hour) << "3h";
    QTest::newRow("3h1m") << qint64(3 * Hour + Minute) << "3h1m";
    QTest::newRow("3h1m seconds dropped") << qint64(3 * Hour + Minute + 59) << "3h1m";
    QTest::newRow("7h59m") << qint64(8 * Hour - 1) << "7h59m";

    // Whole hours below two days.
    QTest::newRow("8h") << qint64(8 * Hour) << "8h";
    QTest::newRow("8h59m drops minutes") << qint64(8 * Hour + 59 * Minute) << "8h";
    QTest::newRow("47h") << qint64(47 * Hour) << "47h";
    QTest::newRow("47h59m59s") << qint64(2 * Day - 1) << "47h";

    // Days and hours below eight days.
    QTest::newRow("2d") << qint64(2 * Day) << "2d";
    QTest::newRow("2d1h") << qint64(2 * Day + Hour) << "2d1h";
    QTest::newRow("49h") << qint64(49 * Hour) << "2d1h";
    QTest::newRow("7d23h") << qint64(8 * Day - 1) << "7d23h";

    // Whole days below two years.
    QTest::newRow("8d") << qint64(8 * Day) << "8d";
    QTest::newRow("8d2h drops hours") << qint64(8 * Day + 2 * Hour) << "8d";
    QTest::newRow("8d23h") << qint64(8 * Day + 23 * Hour) << "8d";
    QTest::newRow("367d") << qint64(367 * Day) << "367d";
    QTest::newRow("729d") << qint64(2 * Year - 1) << "729d";

    // Years and days below eight years.
    QTest::newRow("2y") << qint64(2 * Year) << "2y";
    QTest::newRow("2y23h59m") << qint64(2 * Year + 23 * Hour + 59 * Minute) << "2y";
    QTest::newRow("2y1d") << qint64(2 * Year + Day) << "2y1d";
    QTest::newRow("2y1d1h") << qint64(2 * Year + 25 * Hour) << "2y1d";
    QTest::newRow("3y") << qint64(3 * Year) << "3y";
    QTest::newRow("7y") << qint64(7 * Year) << "7y";
    QTest::newRow("7y364d") << qint64(8 * Year - 1) << "7y364d";

    // Whole years from eight years on.
    QTest::newRow("8y") << qint64(8 * Year) << "8y";
    QTest::newRow("8y364d drops days") << qint64(8 * Year + 364 * Day) << "8y";
    QTest::newRow("9y") << qint64(9 * Year) << "9y";
    QTest::newRow("120y") << qint64(120 * Year + 5 * Day) << "120y";
}

void TestHumanDuration::matchesKubectl()
{
    QFETCH(qint64, seconds);
    QFETCH(QString, expected);
    QCOMPARE(humanDuration(seconds), expected);
}

QTEST_GUILESS_MAIN(TestHumanDuration)
#include "tst_humanduration.moc"
