// Unit tests of the log ring buffer model (bound, batching, search, merged prefixes), under
// QAbstractItemModelTester, and of the log line decoder (RFC3339Nano, resume without repeats).
#include "workloads/logs/logline.h"
#include "workloads/logs/logstream.h"
#include "logfilterproxymodel.h"
#include "logmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;
using namespace pilothouse::backends::workloads;
using pilothouse::models::LogFilterProxyModel;
using pilothouse::models::LogModel;

namespace {

const qint64 kBase = 1725264000000;  // 2024-09-02T08:00:00Z

LogLine line(int i, const QString &pod = QStringLiteral("web-1"), const QString &text = {})
{
    return {kBase + i, pod, QStringLiteral("web"), text.isEmpty() ? QStringLiteral("line %1").arg(i) : text};
}

LogLines lines(int from, int to, const QString &pod = QStringLiteral("web-1"))
{
    LogLines out;
    for (int i = from; i < to; ++i)
        out.append(line(i, pod));
    return out;
}

// Every delivered text, in order.
QStringList decodeAll(LogLineDecoder &d, const QList<QByteArray> &raw)
{
    QStringList out;
    for (const QByteArray &r : raw)
        if (auto l = d.decode(r))
            out << l->text;
    return out;
}

}  // namespace

class TestLogModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void ringBufferKeepsTheNewestLines()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCapacity(100);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        for (int batch = 0; batch < 25; ++batch) {
            model.appendLines(lines(batch * 10, batch * 10 + 10));
            model.flush();
            QVERIFY(model.rowCount() <= 100);
        }
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.droppedLines(), 150);
        QCOMPARE(model.data(model.index(0)).toString(), QStringLiteral("line 150"));
        QCOMPARE(model.data(model.index(99)).toString(), QStringLiteral("line 249"));
        // Every row in order after wrapping around the buffer several times.
        for (int r = 0; r < 100; ++r)
            QCOMPARE(model.lineAt(r).text, QStringLiteral("line %1").arg(150 + r));
        // Evictions are row removals at the top, never a reset.
        QCOMPARE(removed.size(), 15);
        QCOMPARE(removed.first().at(1).toInt(), 0);
        QCOMPARE(removed.first().at(2).toInt(), 9);
        QCOMPARE(reset.size(), 0);
    }

    void aBatchLargerThanTheBoundKeepsItsTail()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCapacity(10);
        model.appendLines(lines(0, 7));
        model.flush();
        model.appendLines(lines(7, 30));
        QCOMPARE(model.pendingLines(), 10);  // the queue is bounded too
        model.flush();
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(model.lineAt(0).text, QStringLiteral("line 20"));
        QCOMPARE(model.lineAt(9).text, QStringLiteral("line 29"));
        QCOMPARE(model.droppedLines(), 20);
    }

    void appendsAreBatchedOnATimer()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setBatchInterval(20);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        for (int i = 0; i < 50; ++i)
            model.appendLines({line(i)});
        QCOMPARE(model.rowCount(), 0);
        QTRY_COMPARE(model.rowCount(), 50);
        QCOMPARE(inserted.size(), 1);
    }

    void shrinkingAndGrowingTheBound()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCapacity(8);
        model.appendLines(lines(0, 20));
        model.flush();
        QCOMPARE(model.lineAt(0).text, QStringLiteral("line 12"));
        model.setCapacity(3);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.lineAt(0).text, QStringLiteral("line 17"));
        model.setCapacity(5);
        model.appendLines(lines(20, 24));
        model.flush();
        QCOMPARE(model.rowCount(), 5);
        QStringList texts;
        for (int r = 0; r < model.rowCount(); ++r)
            texts << model.lineAt(r).text;
        QCOMPARE(texts, (QStringList{QStringLiteral("line 19"), QStringLiteral("line 20"), QStringLiteral("line 21"), QStringLiteral("line 22"),
                                     QStringLiteral("line 23")}));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.droppedLines(), 0);
    }

    void searchFindsNextAndPrevious()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        LogLines in;
        for (int i = 0; i < 10; ++i)
            in.append(line(i, QStringLiteral("web-1"), i % 3 == 0 ? QStringLiteral("GET /checkout failed: Timeout %1").arg(i) : QStringLiteral("ok %1").arg(i)));
        model.appendLines(in);
        model.flush();
        QSignalSpy count(&model, &LogModel::matchCountChanged);
        model.setSearchText(QStringLiteral("timeout"));  // case-insensitive
        QCOMPARE(model.matchCount(), 4);                 // rows 0, 3, 6, 9
        QCOMPARE(count.size(), 1);
        QVERIFY(model.data(model.index(3), LogModel::MatchRole).toBool());
        QVERIFY(!model.data(model.index(4), LogModel::MatchRole).toBool());
        QCOMPARE(model.findNext(-1), 0);
        QCOMPARE(model.findNext(0), 3);
        QCOMPARE(model.findNext(3), 6);
        QCOMPARE(model.findNext(9), 0);           // wraps
        QCOMPARE(model.findNext(9, false), -1);
        QCOMPARE(model.findPrevious(-1), 9);      // from the end
        QCOMPARE(model.findPrevious(6), 3);
        QCOMPARE(model.findPrevious(0), 9);       // wraps
        QCOMPARE(model.findPrevious(0, false), -1);
        QCOMPARE(model.matchOrdinal(6), 3);
        QCOMPARE(model.matchOrdinal(5), 0);

        // The count follows appends and evictions.
        model.setCapacity(10);
        model.appendLines({line(10, QStringLiteral("web-1"), QStringLiteral("another TIMEOUT"))});
        model.flush();  // evicts row 0, a match; adds one
        QCOMPARE(model.matchCount(), 4);
        QCOMPARE(model.findNext(-1), 2);
        model.setSearchText(QStringLiteral("no such thing"));
        QCOMPARE(model.matchCount(), 0);
        QCOMPARE(model.findNext(-1), -1);
        model.setSearchText({});
        QCOMPARE(model.findPrevious(-1), -1);
    }

    void onlyMatchingLinesThroughTheProxy()
    {
        LogModel model;
        LogFilterProxyModel proxy;
        proxy.setLogModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCapacity(20);
        LogLines in;
        for (int i = 0; i < 15; ++i)
            in.append(line(i, QStringLiteral("web-1"), i % 2 ? QStringLiteral("level=error n=%1").arg(i) : QStringLiteral("level=info n=%1").arg(i)));
        model.appendLines(in);
        model.flush();
        model.setSearchText(QStringLiteral("ERROR"));
        QCOMPARE(proxy.rowCount(), 15);  // filter mode off: everything
        proxy.setOnlyMatching(true);
        QCOMPARE(proxy.rowCount(), 7);
        QCOMPARE(proxy.data(proxy.index(0, 0), LogModel::TextRole).toString(), QStringLiteral("level=error n=1"));
        // New and evicted lines pass through the filter.
        LogLines more;
        for (int i = 15; i < 25; ++i)
            more.append(line(i, QStringLiteral("web-1"), i % 2 ? QStringLiteral("level=error n=%1").arg(i) : QStringLiteral("level=info n=%1").arg(i)));
        model.appendLines(more);
        model.flush();
        QCOMPARE(model.rowCount(), 20);
        QCOMPARE(proxy.rowCount(), 10);
        QCOMPARE(proxy.data(proxy.index(0, 0), LogModel::TextRole).toString(), QStringLiteral("level=error n=5"));
        model.setSearchText(QStringLiteral("n=2"));
        QCOMPARE(proxy.rowCount(), 5);  // n=20..24 (n=2 itself was evicted)
        proxy.setOnlyMatching(false);
        QCOMPARE(proxy.rowCount(), 20);
    }

    void mergedLinesCarryThePodPrefix()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.appendLines({line(0, QStringLiteral("web-7d4b9-abcde"), QStringLiteral("listening on :8080")),
                           line(1, QStringLiteral("web-7d4b9-fghij"), QStringLiteral("GET /healthz 200"))});
        model.flush();
        QCOMPARE(model.data(model.index(0)).toString(), QStringLiteral("listening on :8080"));
        QCOMPARE(model.data(model.index(0), LogModel::PrefixRole).toString(), QString());
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setMerged(true);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.data(model.index(0)).toString(), QStringLiteral("web-7d4b9-abcde/web | listening on :8080"));
        QCOMPARE(model.data(model.index(1)).toString(), QStringLiteral("web-7d4b9-fghij/web | GET /healthz 200"));
        QCOMPARE(model.data(model.index(1), LogModel::PodRole).toString(), QStringLiteral("web-7d4b9-fghij"));
        QCOMPARE(model.data(model.index(1), LogModel::ContainerRole).toString(), QStringLiteral("web"));
        QCOMPARE(model.data(model.index(1), LogModel::TextRole).toString(), QStringLiteral("GET /healthz 200"));
        // Two pods, two colours.
        QCOMPARE(model.data(model.index(0), LogModel::PodColorIndexRole).toInt(), 0);
        QCOMPARE(model.data(model.index(1), LogModel::PodColorIndexRole).toInt(), 1);
        // Timestamps in front, in UTC with milliseconds.
        model.setShowTimestamps(true);
        QCOMPARE(model.data(model.index(1)).toString(), QStringLiteral("2024-09-02T08:00:00.001Z web-7d4b9-fghij/web | GET /healthz 200"));
        QCOMPARE(model.data(model.index(1), LogModel::TimestampRole).toLongLong(), kBase + 1);
        // A search for a pod name finds its lines only in the merged view.
        model.setSearchText(QStringLiteral("fghij"));
        QCOMPARE(model.matchCount(), 1);
        model.setMerged(false);
        QCOMPARE(model.matchCount(), 0);
    }

    void parsesRfc3339Nano()
    {
        const qint64 s = 1725264000LL * 1000000000LL;
        QCOMPARE(parseRfc3339Nano("2024-09-02T08:00:00Z"), std::optional<qint64>(s));
        QCOMPARE(parseRfc3339Nano("2024-09-02T08:00:00.123456789Z"), std::optional<qint64>(s + 123456789));
        QCOMPARE(parseRfc3339Nano("2024-09-02T08:00:00.5Z"), std::optional<qint64>(s + 500000000));       // Go trims zeros
        QCOMPARE(parseRfc3339Nano("2024-09-02T08:00:00.000001Z"), std::optional<qint64>(s + 1000));
        QCOMPARE(parseRfc3339Nano("2024-09-02T10:30:00.25+02:30"), std::optional<qint64>(s + 250000000));  // offsets
        QCOMPARE(parseRfc3339Nano("2024-09-02T07:00:00-01:00"), std::optional<qint64>(s));
        QCOMPARE(parseRfc3339Nano("1970-01-01T00:00:00Z"), std::optional<qint64>(0));
        QCOMPARE(parseRfc3339Nano("2000-02-29T00:00:00Z"), std::optional<qint64>(951782400LL * 1000000000LL));  // leap day
        QCOMPARE(parseRfc3339Nano("2024-09-02T08:00:00.1234567891Z"), std::optional<qint64>(s + 123456789));  // beyond ns: cut
        for (const char *bad : {"", "hello world", "2024-09-02", "2024-09-02T08:00:00", "2024-09-02 08:00:00Z", "2024-13-02T08:00:00Z",
                                "2024-09-02T08:00:00.Z", "2024-09-02T08:00:00ZZ", "2024-09-02T08:00:00+0200", "2024-09-02T25:00:00Z"})
            QVERIFY2(!parseRfc3339Nano(bad), bad);
    }

    void decodesTimestampedLines()
    {
        LogLineDecoder d(QStringLiteral("web-1"), QStringLiteral("web"));
        auto l = d.decode("2024-09-02T08:00:00.123456789Z GET /checkout 200 12ms\r");
        QVERIFY(l);
        QCOMPARE(l->msecs, kBase + 123);
        QCOMPARE(l->text, QStringLiteral("GET /checkout 200 12ms"));
        QCOMPARE(l->pod, QStringLiteral("web-1"));
        QCOMPARE(l->container, QStringLiteral("web"));
        QCOMPARE(d.sinceTime(), QStringLiteral("2024-09-02T08:00:00.123456789Z"));
        // An empty line is the timestamp alone; a line without one keeps all its text.
        l = d.decode("2024-09-02T08:00:01Z");
        QVERIFY(l);
        QCOMPARE(l->text, QString());
        l = d.decode("no timestamp here");
        QCOMPARE(l->msecs, 0);
        QCOMPARE(l->text, QStringLiteral("no timestamp here"));
        l = d.decode(QByteArray("2024-09-02T08:00:02Z ") + QByteArray(LogLineDecoder::kMaxLineBytes + 10, 'x'));
        QVERIFY(l->text.endsWith(QStringLiteral("[10 more bytes]")));
        l = d.decode("2024-09-02T08:00:03Z ünïcødé ✓");
        QCOMPARE(l->text, QStringLiteral("ünïcødé ✓"));
    }

    void resumeAfterAReconnectDropsRepeats()
    {
        LogLineDecoder d(QStringLiteral("web-1"), QStringLiteral("web"));
        // First connection: two lines share a timestamp (the server's clock resolution).
        const QList<QByteArray> first = {
            "2024-09-02T08:00:00.100Z a",
            "2024-09-02T08:00:00.200Z b",
            "2024-09-02T08:00:00.300Z c1",
            "2024-09-02T08:00:00.300Z c2",
        };
        QCOMPARE(decodeAll(d, first), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c1"), QStringLiteral("c2")}));
        QCOMPARE(d.sinceTime(), QStringLiteral("2024-09-02T08:00:00.300Z"));

        // The stream drops. The server honours sinceTime only to the second, so it repeats
        // everything from 08:00:00, then goes on with a line at the same timestamp that is new.
        d.beginResume();
        const QList<QByteArray> second = {
            "2024-09-02T08:00:00.100Z a",
            "2024-09-02T08:00:00.200Z b",
            "2024-09-02T08:00:00.300Z c1",
            "2024-09-02T08:00:00.300Z c2",
            "2024-09-02T08:00:00.300Z c3",
            "2024-09-02T08:00:00.400Z d",
            "2024-09-02T08:00:00.400Z d",  // a real repeat in the log after the resume point stays
        };
        QCOMPARE(decodeAll(d, second), (QStringList{QStringLiteral("c3"), QStringLiteral("d"), QStringLiteral("d")}));
        QCOMPARE(d.duplicatesDropped(), 4);
        QVERIFY(!d.resuming());

        // A second drop: the exact server repeats from the last timestamp only.
        d.beginResume();
        QCOMPARE(decodeAll(d, {"2024-09-02T08:00:00.400Z d", "2024-09-02T08:00:00.400Z d", "2024-09-02T08:00:00.500Z e"}),
                 QStringList{QStringLiteral("e")});
        QCOMPARE(d.duplicatesDropped(), 6);

        // Nothing lost when the server sends nothing old at all.
        d.beginResume();
        QCOMPARE(decodeAll(d, {"2024-09-02T08:00:01Z f"}), QStringList{QStringLiteral("f")});
        QCOMPARE(d.delivered(), 9);
    }

    void logErrorsNamePodAndContainer()
    {
        auto err = [](ErrorKind kind, int status, const QString &message) {
            ApiError e;
            e.kind = kind;
            e.httpStatus = status;
            e.message = message;
            return describeLogError(e, QStringLiteral("demo"), QStringLiteral("web-1"), QStringLiteral("web"));
        };
        QCOMPARE(err(ErrorKind::Forbidden, 403, QStringLiteral("pods \"web-1\" is forbidden: User \"dev\" cannot get resource \"pods/log\"")),
                 QStringLiteral("Forbidden (403): not allowed to read the logs of container web of pod demo/web-1: pods \"web-1\" is forbidden: "
                                "User \"dev\" cannot get resource \"pods/log\""));
        QCOMPARE(err(ErrorKind::NotFound, 404, QStringLiteral("pods \"web-1\" not found")), QStringLiteral("pod demo/web-1 not found (404)"));
        QCOMPARE(err(ErrorKind::Invalid, 400, QStringLiteral("container \"web\" in pod \"web-1\" is waiting to start: ContainerCreating")),
                 QStringLiteral("container web of pod demo/web-1 is waiting to start (ContainerCreating)"));
        QCOMPARE(err(ErrorKind::Invalid, 400, QStringLiteral("container \"web\" in pod \"web-1\" is waiting to start: trying and failing to pull image")),
                 QStringLiteral("container web of pod demo/web-1 is waiting to start (trying and failing to pull image)"));
        QCOMPARE(err(ErrorKind::Invalid, 400, QStringLiteral("previous terminated container \"web\" in pod \"web-1\" not found")),
                 QStringLiteral("container web of pod demo/web-1 has no previous instance: it has not restarted"));
        QCOMPARE(err(ErrorKind::Invalid, 400, QStringLiteral("a container name must be specified")),
                 QStringLiteral("the server refused the log request for container web of pod demo/web-1 (400): a container name must be specified"));
    }

    void resumeFeedsTheModelWithoutDuplicates()
    {
        // The two halves together: lines fed twice across a simulated reconnect reach the model once.
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        LogLineDecoder d(QStringLiteral("web-1"), QStringLiteral("web"));
        QList<QByteArray> log;
        for (int i = 0; i < 30; ++i)
            log << QStringLiteral("2024-09-02T08:00:%1.000000000Z request %2").arg(i / 3, 2, 10, QLatin1Char('0')).arg(i).toLatin1();
        auto feed = [&](const QList<QByteArray> &raw) {
            LogLines out;
            for (const QByteArray &r : raw)
                if (auto l = d.decode(r))
                    out.append(*l);
            model.appendLines(out);
            model.flush();
        };
        feed(log.mid(0, 20));
        d.beginResume();
        feed(log.mid(18));  // since the timestamp of line 18 (lines 18..20 share it)
        QCOMPARE(model.rowCount(), 30);
        for (int r = 0; r < 30; ++r)
            QCOMPARE(model.lineAt(r).text, QStringLiteral("request %1").arg(r));
    }
};

QTEST_MAIN(TestLogModel)
#include "tst_logmodel.moc"
