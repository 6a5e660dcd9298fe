// Unit tests of the simulator's cron schedules: robfig/cron's standard syntax and errors, and the
// next and previous scheduled minute the CronJob controller runs Jobs at.
#include "kube/cronschedule.h"
#include "common/simjson.h"

#include <QTest>

using namespace pilothouse::sim;

namespace {

CronSchedule::TimePoint at(const char *rfc3339) { return parseRfc3339(rfc3339); }

QString text(std::optional<CronSchedule::TimePoint> t) { return t ? QString::fromStdString(rfc3339(*t)) : QStringLiteral("none"); }

}  // namespace

class TestCronSchedule : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void next_data()
    {
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<QString>("after");
        QTest::addColumn<QString>("expected");
        QTest::newRow("every minute") << "* * * * *" << "2024-09-02T08:00:30Z" << "2024-09-02T08:01:00Z";
        QTest::newRow("strictly after") << "* * * * *" << "2024-09-02T08:01:00Z" << "2024-09-02T08:02:00Z";
        QTest::newRow("nightly at two") << "0 2 * * *" << "2024-09-02T08:00:00Z" << "2024-09-03T02:00:00Z";
        QTest::newRow("step") << "*/15 * * * *" << "2024-09-02T08:16:00Z" << "2024-09-02T08:30:00Z";
        QTest::newRow("step wraps the hour") << "*/15 * * * *" << "2024-09-02T08:45:00Z" << "2024-09-02T09:00:00Z";
        QTest::newRow("range with step") << "10-40/10 * * * *" << "2024-09-02T08:41:00Z" << "2024-09-02T09:10:00Z";
        QTest::newRow("start with step") << "50/5 * * * *" << "2024-09-02T08:51:00Z" << "2024-09-02T08:55:00Z";
        QTest::newRow("list") << "5,20,35 * * * *" << "2024-09-02T08:21:00Z" << "2024-09-02T08:35:00Z";
        QTest::newRow("weekdays by name") << "30 9 * * MON-FRI" << "2024-09-06T10:00:00Z" << "2024-09-09T09:30:00Z";  // Fri -> Mon
        QTest::newRow("sunday is 0") << "0 0 * * 0" << "2024-09-02T00:00:00Z" << "2024-09-08T00:00:00Z";
        QTest::newRow("month by name") << "0 0 1 jan *" << "2024-09-02T00:00:00Z" << "2025-01-01T00:00:00Z";
        QTest::newRow("leap day") << "0 12 29 2 *" << "2024-03-01T00:00:00Z" << "2028-02-29T12:00:00Z";
        // Both day fields restricted: either matches (the 1st, or any Monday).
        QTest::newRow("day of month or weekday") << "0 0 1 * 1" << "2024-09-02T00:00:00Z" << "2024-09-09T00:00:00Z";
        // One of them "*": both must match (every Monday).
        QTest::newRow("day star means and") << "0 0 * * 1" << "2024-08-31T00:00:00Z" << "2024-09-02T00:00:00Z";
        QTest::newRow("@hourly") << "@hourly" << "2024-09-02T08:00:00Z" << "2024-09-02T09:00:00Z";
        QTest::newRow("@daily") << "@daily" << "2024-09-02T08:00:00Z" << "2024-09-03T00:00:00Z";
        QTest::newRow("@midnight") << "@midnight" << "2024-09-02T08:00:00Z" << "2024-09-03T00:00:00Z";
        QTest::newRow("@weekly") << "@weekly" << "2024-09-02T08:00:00Z" << "2024-09-08T00:00:00Z";
        QTest::newRow("@monthly") << "@monthly" << "2024-09-02T08:00:00Z" << "2024-10-01T00:00:00Z";
        QTest::newRow("@yearly") << "@yearly" << "2024-09-02T08:00:00Z" << "2025-01-01T00:00:00Z";
        QTest::newRow("@annually") << "@annually" << "2024-09-02T08:00:00Z" << "2025-01-01T00:00:00Z";
        QTest::newRow("never") << "0 0 30 2 *" << "2024-09-02T08:00:00Z" << "none";
    }
    void next()
    {
        QFETCH(QString, schedule);
        QFETCH(QString, after);
        QFETCH(QString, expected);
        std::string error;
        auto s = CronSchedule::parse(schedule.toStdString(), error);
        QVERIFY2(s, error.c_str());
        QCOMPARE(text(s->next(at(after.toLatin1().constData()))), expected);
    }

    void previous_data()
    {
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<QString>("before");
        QTest::addColumn<QString>("expected");
        QTest::newRow("at or before") << "*/15 * * * *" << "2024-09-02T08:30:00Z" << "2024-09-02T08:30:00Z";
        QTest::newRow("within the minute") << "*/15 * * * *" << "2024-09-02T08:30:59Z" << "2024-09-02T08:30:00Z";
        QTest::newRow("earlier") << "*/15 * * * *" << "2024-09-02T08:29:59Z" << "2024-09-02T08:15:00Z";
        QTest::newRow("yesterday") << "0 2 * * *" << "2024-09-02T01:59:00Z" << "2024-09-01T02:00:00Z";
        QTest::newRow("across a year") << "0 0 1 1 *" << "2024-09-02T00:00:00Z" << "2024-01-01T00:00:00Z";
        QTest::newRow("before the epoch") << "0 0 * * 4" << "1970-01-01T00:00:00Z" << "1970-01-01T00:00:00Z";
    }
    void previous()
    {
        QFETCH(QString, schedule);
        QFETCH(QString, before);
        QFETCH(QString, expected);
        std::string error;
        auto s = CronSchedule::parse(schedule.toStdString(), error);
        QVERIFY2(s, error.c_str());
        QCOMPARE(text(s->previous(at(before.toLatin1().constData()))), expected);
    }

    void errors_data()
    {
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << "" << "empty spec string";
        QTest::newRow("too few") << "* * *" << "expected exactly 5 fields, found 3: [* * *]";
        QTest::newRow("seconds field") << "0 * * * * *" << "expected exactly 5 fields, found 6: [0 * * * * *]";
        QTest::newRow("minute too big") << "60 * * * *" << "end of range (60) above maximum (59): 60";
        QTest::newRow("day zero") << "0 0 0 * *" << "beginning of range (0) below minimum (1): 0";
        QTest::newRow("weekday seven") << "0 0 * * 7" << "end of range (7) above maximum (6): 7";
        QTest::newRow("backwards") << "30-10 * * * *" << "beginning of range (30) beyond end of range (10): 30-10";
        QTest::newRow("zero step") << "*/0 * * * *" << "step of range should be a positive number: */0";
        QTest::newRow("word") << "often * * * *" << "failed to parse int from often: strconv.Atoi: parsing \"often\": invalid syntax";
        // Kubernetes' parser knows the robfig descriptors only: no @nightly, @reboot or @every.
        QTest::newRow("@nightly") << "@nightly" << "unrecognized descriptor: @nightly";
        QTest::newRow("@reboot") << "@reboot" << "unrecognized descriptor: @reboot";
    }
    void errors()
    {
        QFETCH(QString, schedule);
        QFETCH(QString, message);
        std::string error;
        QVERIFY(!CronSchedule::parse(schedule.toStdString(), error));
        QCOMPARE(QString::fromStdString(error), message);
    }
};

QTEST_GUILESS_MAIN(TestCronSchedule)
#include "tst_cronschedule.moc"
