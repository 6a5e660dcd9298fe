// The console model under QAbstractItemModelTester: one insert per batch, the line and byte bounds
// with the "earlier lines not kept" row and line numbers that keep counting, a batch larger than
// the bound, lines dropped upstream, memory that stays bounded over a long log, search (count, next/previous with wrap,
// ordinal, matches leaving with their lines), and the rows of stages.
#include "pipelines/consolemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace pilothouse::models;

namespace {

ConsoleLines numbered(int from, int count, const QString &pattern = QStringLiteral("line %1"))
{
    ConsoleLines out;
    for (int i = from; i < from + count; ++i)
        out.append(ConsoleLine{pattern.arg(i), {}});
    return out;
}

ConsoleLine line(const QString &text) { return ConsoleLine{text, {}}; }

}  // namespace

class TestConsoleModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aBatchIsOneInsert()
    {
        ConsoleModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
        m.appendLines(numbered(1, 500));
        m.appendLines(numbered(501, 300));
        QCOMPARE(inserted.size(), 2);
        QCOMPARE(m.rowCount(), 800);
        QCOMPARE(m.data(m.index(0), ConsoleModel::LineNumberRole).toLongLong(), 1);
        QCOMPARE(m.data(m.index(799)).toString(), QStringLiteral("line 800"));
        QVERIFY(!m.hasNotice());
    }

    void theLineBoundDropsTheOldestWithANotice()
    {
        ConsoleModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setLimits(100, 1LL << 30);
        for (int i = 0; i < 250; i += 25)
            m.appendLines(numbered(i + 1, 25));
        QCOMPARE(m.keptLines(), 100);
        QCOMPARE(m.droppedLines(), 150);
        QCOMPARE(m.totalLines(), 250);
        QCOMPARE(m.rowCount(), 101);
        QVERIFY(m.data(m.index(0), ConsoleModel::NoticeRole).toBool());
        QCOMPARE(m.data(m.index(0)).toString(), QStringLiteral("… 150 earlier lines not kept"));
        QCOMPARE(m.data(m.index(1)).toString(), QStringLiteral("line 151"));
        QCOMPARE(m.data(m.index(1), ConsoleModel::LineNumberRole).toLongLong(), 151);
        QCOMPARE(m.data(m.index(100), ConsoleModel::LineNumberRole).toLongLong(), 250);
        // Shrinking drops at once.
        m.setLimits(10, 1LL << 30);
        QCOMPARE(m.rowCount(), 11);
        QCOMPARE(m.data(m.index(1)).toString(), QStringLiteral("line 241"));
    }

    void aBatchLargerThanTheBoundKeepsItsNewestLines()
    {
        ConsoleModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setLimits(10, 1LL << 30);
        m.appendLines(numbered(1, 3));
        m.appendLines(numbered(4, 40));
        QCOMPARE(m.keptLines(), 10);
        QCOMPARE(m.droppedLines(), 33);
        QCOMPARE(m.data(m.index(1)).toString(), QStringLiteral("line 34"));
        QCOMPARE(m.data(m.index(0)).toString(), QStringLiteral("… 33 earlier lines not kept"));
    }

    void linesSkippedUpstreamCountAsDropped()
    {
        ConsoleModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.appendLines(numbered(1, 5));
        // The follower kept the newest 10 of 1,010 lines that came after these 5.
        m.appendLines(numbered(1006, 10), 1000);
        QCOMPARE(m.droppedLines(), 1005);
        QCOMPARE(m.keptLines(), 10);
        QCOMPARE(m.data(m.index(0)).toString(), QStringLiteral("… 1,005 earlier lines not kept"));
        QCOMPARE(m.data(m.index(1), ConsoleModel::LineNumberRole).toLongLong(), 1006);
        QCOMPARE(m.data(m.index(1)).toString(), QStringLiteral("line 1006"));
    }

    void memoryStaysBoundedOverALongLog()
    {
        ConsoleModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Warning);
        const qint64 maxBytes = 2 << 20;
        m.setLimits(1000000, maxBytes);
        const QString wide = QStringLiteral("%1 ") + QString(120, QLatin1Char('x'));
        for (int i = 0; i < 200000; i += 5000) {
            m.appendLines(numbered(i, 5000, wide));
            QVERIFY(m.keptBytes() <= maxBytes);
        }
        QVERIFY(m.keptLines() < 20000);
        QCOMPARE(m.totalLines(), 200000);
        QCOMPARE(m.lineAt(m.rowCount() - 1)->text.left(7), QStringLiteral("199999 "));
    }

    void searchCountsAndWalksMatches()
    {
        ConsoleModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.appendLines({line(QStringLiteral("BUILD started")), line(QStringLiteral("compile")), line(QStringLiteral("build ok")),
                       line(QStringLiteral("test")), line(QStringLiteral("Rebuild"))});
        QSignalSpy counted(&m, &ConsoleModel::matchCountChanged);
        m.setSearchText(QStringLiteral("build"));
        QCOMPARE(m.matchCount(), 3);
        QCOMPARE(counted.size(), 1);
        QVERIFY(m.data(m.index(2), ConsoleModel::MatchRole).toBool());
        QVERIFY(!m.data(m.index(1), ConsoleModel::MatchRole).toBool());
        QCOMPARE(m.findNext(-1), 0);
        QCOMPARE(m.findNext(0), 2);
        QCOMPARE(m.findNext(2), 4);
        QCOMPARE(m.findNext(4), 0);            // wraps
        QCOMPARE(m.findNext(4, false), -1);
        QCOMPARE(m.findPrevious(-1), 4);
        QCOMPARE(m.findPrevious(2), 0);
        QCOMPARE(m.findPrevious(0), 4);        // wraps
        QCOMPARE(m.findPrevious(0, false), -1);
        QCOMPARE(m.matchOrdinal(2), 2);
        QCOMPARE(m.matchOrdinal(1), 0);
        // New lines are counted as they come; dropped ones leave the count.
        m.appendLines({line(QStringLiteral("build again"))});
        QCOMPARE(m.matchCount(), 4);
        m.setLimits(3, 1LL << 30);
        QCOMPARE(m.matchCount(), 2);
        QCOMPARE(m.findNext(-1), 2);           // after the notice row
        QCOMPARE(m.findPrevious(1), 3);
        m.setSearchText(QString());
        QCOMPARE(m.matchCount(), 0);
        QCOMPARE(m.findNext(-1), -1);
    }

    void stagesAreFoundByName()
    {
        ConsoleModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.appendLines({line(QStringLiteral("[Pipeline] stage")), line(QStringLiteral("[Pipeline] { (Checkout)")), line(QStringLiteral("git fetch")),
                       line(QStringLiteral("[Pipeline] }")), line(QStringLiteral("[Pipeline] stage")), line(QStringLiteral("[Pipeline] { (Tests)")),
                       line(QStringLiteral("[Pipeline] parallel")), line(QStringLiteral("[Pipeline] { (Branch: unit)"))});
        QCOMPARE(m.rowOfStage(QStringLiteral("Checkout")), 1);
        QCOMPARE(m.rowOfStage(QStringLiteral("Tests")), 5);
        QCOMPARE(m.rowOfStage(QStringLiteral("unit")), 7);
        QCOMPARE(m.rowOfStage(QStringLiteral("Deploy")), -1);
        QCOMPARE(m.data(m.index(5), ConsoleModel::StageRole).toString(), QStringLiteral("Tests"));
        QCOMPARE(m.data(m.index(2), ConsoleModel::StageRole).toString(), QString());
        m.appendLines({line(QStringLiteral("[Pipeline] { (Deploy)"))});
        QCOMPARE(m.rowOfStage(QStringLiteral("Deploy")), 8);
        // Once the bound drops a stage's line it has no row; the others move with the notice row.
        m.setLimits(4, 1LL << 30);
        QCOMPARE(m.rowOfStage(QStringLiteral("Checkout")), -1);
        QCOMPARE(m.rowOfStage(QStringLiteral("Tests")), 1);
        QCOMPARE(m.rowOfStage(QStringLiteral("Deploy")), 4);
        m.clear();
        QCOMPARE(m.rowOfStage(QStringLiteral("Deploy")), -1);
        QCOMPARE(m.rowCount(), 0);
        QCOMPARE(m.droppedLines(), 0);
    }
};

QTEST_GUILESS_MAIN(TestConsoleModel)
#include "tst_consolemodel.moc"
