// The palette's fuzzy matcher: what matches, where, and which of two texts ranks first.
#include "fuzzymatch.h"

#include <QElapsedTimer>
#include <QTest>

using pilothouse::models::FuzzyMatch;
using pilothouse::models::FuzzyPattern;
using pilothouse::models::fuzzyMatch;

class TestFuzzyMatch : public QObject {
    Q_OBJECT

private slots:
    void subsequence_data();
    void subsequence();
    void positions_data();
    void positions();
    void ranking_data();
    void ranking();
    void multipleWordsMustAllMatch();
    void secondaryTextMatchesAtHalfWeight();
    void emptyPattern();
    void tenThousandItemsPerKeystroke();
};

void TestFuzzyMatch::subsequence_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("matched");
    QTest::newRow("in order") << "rlt" << "rollouts" << true;
    QTest::newRow("case-insensitive") << "STS" << "statefulsets" << true;
    QTest::newRow("upper in text") << "sts" << "StatefulSets" << true;
    QTest::newRow("out of order") << "tr" << "rt" << false;
    QTest::newRow("missing character") << "podx" << "pods" << false;
    QTest::newRow("longer than text") << "deployments" << "deploy" << false;
    QTest::newRow("repeated character needs two") << "ll" << "rolouts" << false;
    QTest::newRow("punctuation") << "s/w" << "shop/web-1" << true;
    QTest::newRow("non-ascii") << "Ü" << "Übersicht" << true;
}

void TestFuzzyMatch::subsequence()
{
    QFETCH(QString, pattern);
    QFETCH(QString, text);
    QFETCH(bool, matched);
    const FuzzyMatch m = fuzzyMatch(pattern, text);
    QCOMPARE(m.matched, matched);
    if (!matched)
        QVERIFY(m.positions.isEmpty());
}

void TestFuzzyMatch::positions_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("positions");
    // Word starts win over earlier letters: S-t-atefulS-ets, not the s at the end.
    QTest::newRow("camel word starts") << "sts" << "StatefulSets" << QList<int>{0, 1, 8};
    QTest::newRow("dash word start") << "wa" << "web-api" << QList<int>{0, 4};
    QTest::newRow("consecutive run") << "roll" << "controllers rollouts" << QList<int>{12, 13, 14, 15};
    QTest::newRow("after a dot") << "ap" << "statefulsets.apps" << QList<int>{13, 14};
    QTest::newRow("slash") << "sw" << "shop/web-1" << QList<int>{0, 5};
    QTest::newRow("two words, merged and sorted") << "web shop" << "shop/web-1" << QList<int>{0, 1, 2, 3, 5, 6, 7};
}

void TestFuzzyMatch::positions()
{
    QFETCH(QString, pattern);
    QFETCH(QString, text);
    QFETCH(QList<int>, positions);
    const FuzzyMatch m = fuzzyMatch(pattern, text);
    QVERIFY(m.matched);
    QCOMPARE(m.positions, positions);
}

void TestFuzzyMatch::ranking_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("better");
    QTest::addColumn<QString>("worse");
    // A match at the start beats a consecutive pair in the middle.
    QTest::newRow("fe: start") << "fe" << "frontend" << "safe-exit";
    QTest::newRow("sts: word starts") << "sts" << "StatefulSets" << "Secrets";
    QTest::newRow("sts: ReplicaSets loses") << "sts" << "StatefulSets" << "ReplicaSets";
    QTest::newRow("ro: word start") << "ro" << "Rollouts" << "Controllers";
    QTest::newRow("exact prefix") << "deploy" << "Deployments" << "ReplicaSet deploy";
    QTest::newRow("shorter of two prefixes") << "pod" << "Pods" << "PodDisruptionBudgets";
    QTest::newRow("exact text") << "jobs" << "Jobs" << "Jobs (batch)";
    QTest::newRow("consecutive beats scattered") << "web" << "web-1" << "w-e-b";
    QTest::newRow("word start beats middle") << "api" << "web-api" << "rapid";
}

void TestFuzzyMatch::ranking()
{
    QFETCH(QString, pattern);
    QFETCH(QString, better);
    QFETCH(QString, worse);
    const FuzzyMatch b = fuzzyMatch(pattern, better);
    const FuzzyMatch w = fuzzyMatch(pattern, worse);
    QVERIFY(b.matched);
    QVERIFY(w.matched);
    QVERIFY2(b.score > w.score, qPrintable(QStringLiteral("%1: %2 vs %3").arg(better).arg(b.score).arg(w.score)));
}

void TestFuzzyMatch::multipleWordsMustAllMatch()
{
    QVERIFY(fuzzyMatch(QStringLiteral("shop web"), QStringLiteral("pods/shop/web-1")).matched);
    QVERIFY(fuzzyMatch(QStringLiteral("web shop"), QStringLiteral("pods/shop/web-1")).matched);
    QVERIFY(!fuzzyMatch(QStringLiteral("shop api"), QStringLiteral("pods/shop/web-1")).matched);
    // Spaces around and between words do not matter.
    QCOMPARE(fuzzyMatch(QStringLiteral("  shop   web "), QStringLiteral("pods/shop/web-1")).score,
             fuzzyMatch(QStringLiteral("shop web"), QStringLiteral("pods/shop/web-1")).score);
    // Both words add up: two words matched score more than one of them alone.
    QVERIFY(fuzzyMatch(QStringLiteral("shop web"), QStringLiteral("pods/shop/web-1")).score
            > fuzzyMatch(QStringLiteral("web"), QStringLiteral("pods/shop/web-1")).score);
}

void TestFuzzyMatch::secondaryTextMatchesAtHalfWeight()
{
    const FuzzyPattern pattern(QStringLiteral("shop web"));
    const FuzzyMatch m = pattern.match(QStringLiteral("web-1"), QStringLiteral("shop · Pod"));
    QVERIFY(m.matched);
    QCOMPARE(m.positions, (QList<int>{0, 1, 2}));  // positions index the title only
    QVERIFY(!pattern.match(QStringLiteral("web-1"), QStringLiteral("default · Pod")).matched);
    QVERIFY(!pattern.match(QStringLiteral("web-1")).matched);
    // Found in the title, the same word is worth more than in the subtitle.
    const FuzzyPattern shop(QStringLiteral("shop"));
    QVERIFY(shop.match(QStringLiteral("shop"), QString()).score
            > shop.match(QStringLiteral("xxxx"), QStringLiteral("shop")).score);
}

void TestFuzzyMatch::emptyPattern()
{
    for (const QString &pattern : {QString(), QStringLiteral("   ")}) {
        const FuzzyMatch m = fuzzyMatch(pattern, QStringLiteral("anything"));
        QVERIFY(m.matched);
        QCOMPARE(m.score, 0);
        QVERIFY(m.positions.isEmpty());
    }
    QVERIFY(FuzzyPattern(QStringLiteral(" ")).isEmpty());
    QVERIFY(!fuzzyMatch(QStringLiteral("a"), QString()).matched);
}

// The palette re-ranks everything per keystroke; 10,000 cached objects must stay well inside a
// frame. Generous bound (shared CI machines), and only in release-like builds is it tight.
void TestFuzzyMatch::tenThousandItemsPerKeystroke()
{
    QStringList texts;
    texts.reserve(10000);
    for (int i = 0; i < 10000; ++i)
        texts.append(QStringLiteral("storefront-%1-7f9c8d%2b-x%3z").arg(i % 37).arg(i).arg(i % 11));
    for (const QString &pattern : {QStringLiteral("s"), QStringLiteral("sfx"), QStringLiteral("store 7f 12")}) {
        const FuzzyPattern compiled(pattern);
        QElapsedTimer timer;
        timer.start();
        int matched = 0;
        for (const QString &text : texts)
            matched += compiled.match(text).matched ? 1 : 0;
        const qint64 ms = timer.elapsed();
        qInfo("%s: %d of 10000 matched in %lld ms", qPrintable(pattern), matched, ms);
        QVERIFY(matched > 0);
        QVERIFY2(ms < 100, qPrintable(QStringLiteral("%1 ms").arg(ms)));
    }
}

QTEST_APPLESS_MAIN(TestFuzzyMatch)
#include "tst_fuzzymatch.moc"
