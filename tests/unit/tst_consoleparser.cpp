// The Jenkins console parser on a fixture shaped as the AnsiColor plugin and Jenkins write their
// logs (console notes, CRLF, Gradle colours, a progress line rewritten with "\r", other escapes):
// the lines and their colour spans, the same result however the bytes are split into chunks,
// colours carried over a newline, the last line without its newline, a line cut at the bound.
#include "fixture.h"
#include "pipelines/consoleparser.h"

#include <QFile>
#include <QTest>

using namespace pilothouse::models;

namespace {

QByteArray fixture(const char *name) { return pilothouse::testsupport::readFixture(QStringLiteral(PILOTHOUSE_TEST_DATA "/jenkins/") + QLatin1String(name)); }

ConsoleLines parseInChunks(const QByteArray &bytes, int chunk)
{
    ConsoleParser p;
    ConsoleLines out;
    for (qsizetype at = 0; at < bytes.size(); at += chunk)
        out += p.feed(bytes.mid(at, chunk));
    out += p.finish();
    return out;
}

QStringList texts(const ConsoleLines &lines)
{
    QStringList out;
    for (const ConsoleLine &l : lines)
        out << l.text;
    return out;
}

ConsoleSpan span(int start, int length, int fg, bool bold = false, int bg = -1)
{
    return ConsoleSpan{start, length, qint16(fg), qint16(bg), bold};
}

}  // namespace

class TestConsoleParser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void theFixtureAsTheViewShowsIt()
    {
        ConsoleParser p;
        const ConsoleLines lines = p.feed(fixture("console-gradle.log")) + p.finish();
        const QStringList expected{
            QStringLiteral("Started by user Ada Operator"),  // the note hidden, the CR of CRLF gone
            QStringLiteral("[Pipeline] Start of Pipeline"),
            QStringLiteral("[Pipeline] stage"),
            QStringLiteral("[Pipeline] { (Build)"),
            QStringLiteral("> Task :compileJava UP-TO-DATE"),
            QStringLiteral("BUILD SUCCESSFUL in 12s"),
            QStringLiteral("Downloading layer 100%"),  // the last of the progress rewrites
            QStringLiteral("orange plain bright blue"),
            QStringLiteral("cleared and quiet"),  // erase, cursor, title and charset escapes removed
            QStringLiteral("FAILED"),
            QStringLiteral("[Pipeline] }"),
            QStringLiteral("[Pipeline] { (Branch: unit tests)"),
            QStringLiteral("Finished: SUCCESS"),
        };
        QCOMPARE(texts(lines), expected);
        for (const ConsoleLine &l : lines)
            QVERIFY2(!l.text.contains(QChar(0x1b)) && !l.text.contains(QLatin1Char('\r')), qPrintable(l.text));
        QVERIFY(lines[0].spans.isEmpty());
        QCOMPARE(lines[4].spans, (QList<ConsoleSpan>{span(20, 10, 2)}));
        QCOMPARE(lines[5].spans, (QList<ConsoleSpan>{span(0, 16, 2, true)}));
        QCOMPARE(lines[7].spans, (QList<ConsoleSpan>{span(0, 6, 208), span(13, 11, 12)}));
        QCOMPARE(lines[9].spans, (QList<ConsoleSpan>{span(0, 6, 1, true)}));
        QVERIFY(lines[12].spans.isEmpty());
    }

    void anySplitIntoChunksGivesTheSameLines()
    {
        // Lines, escape sequences, notes and UTF-8 characters cut at every place.
        const QByteArray bytes = fixture("console-gradle.log") + QByteArray("caf\xc3\xa9 \xe2\x9c\x93 \x1b[33mdone\x1b[0m\n");
        const ConsoleLines whole = parseInChunks(bytes, int(bytes.size()));
        QCOMPARE(whole.last().text, QString::fromUtf8("caf\xc3\xa9 \xe2\x9c\x93 done"));
        QCOMPARE(whole.last().spans, (QList<ConsoleSpan>{span(7, 4, 3)}));
        for (int chunk : {1, 2, 3, 5, 7, 13, 64, 1000}) {
            const ConsoleLines split = parseInChunks(bytes, chunk);
            QCOMPARE(texts(split), texts(whole));
            for (qsizetype i = 0; i < split.size(); ++i)
                QCOMPARE(split[i].spans, whole[i].spans);
        }
    }

    void theLastLineWaitsForItsNewline()
    {
        ConsoleParser p;
        QCOMPARE(texts(p.feed("one\ntw")), QStringList{QStringLiteral("one")});
        QCOMPARE(p.pendingBytes(), 2);
        QCOMPARE(texts(p.feed("o\nthr")), QStringList{QStringLiteral("two")});
        QCOMPARE(texts(p.finish()), QStringList{QStringLiteral("thr")});
        QCOMPARE(p.pendingBytes(), 0);
        QVERIFY(p.finish().isEmpty());
    }

    void coloursCarryOverANewlineUntilReset()
    {
        ConsoleParser p;
        const ConsoleLines lines = p.feed("\x1b[31mred\nstill red\x1b[m plain\nplain\n");
        QCOMPARE(lines[0].spans, (QList<ConsoleSpan>{span(0, 3, 1)}));
        QCOMPARE(lines[1].spans, (QList<ConsoleSpan>{span(0, 9, 1)}));
        QVERIFY(lines[2].spans.isEmpty());
    }

    void sgrCodes_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QList<ConsoleSpan>>("spans");
        QTest::newRow("normal 30-37") << QByteArray("\x1b[36mx") << QList<ConsoleSpan>{span(0, 1, 6)};
        QTest::newRow("bright 90-97") << QByteArray("\x1b[97mx") << QList<ConsoleSpan>{span(0, 1, 15)};
        QTest::newRow("39 default foreground") << QByteArray("\x1b[1;35mx\x1b[39my") << QList<ConsoleSpan>{span(0, 1, 5, true), span(1, 1, -1, true)};
        QTest::newRow("22 not bold") << QByteArray("\x1b[1;32mx\x1b[22my") << QList<ConsoleSpan>{span(0, 1, 2, true), span(1, 1, 2)};
        QTest::newRow("256 colours") << QByteArray("\x1b[38;5;196;48;5;17mx") << QList<ConsoleSpan>{span(0, 1, 196, false, 17)};
        QTest::newRow("backgrounds 40-47, 100-107, 49") << QByteArray("\x1b[41mx\x1b[103my\x1b[49mz")
                                                      << QList<ConsoleSpan>{span(0, 1, -1, false, 1), span(1, 1, -1, false, 11)};
        QTest::newRow("true colour ignored") << QByteArray("\x1b[38;2;1;2;3mx") << QList<ConsoleSpan>{};
        QTest::newRow("reset by 0") << QByteArray("\x1b[31mx\x1b[0my") << QList<ConsoleSpan>{span(0, 1, 1)};
        QTest::newRow("same style merged") << QByteArray("\x1b[31mx\x1b[31my") << QList<ConsoleSpan>{span(0, 2, 1)};
    }
    void sgrCodes()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QList<ConsoleSpan>, spans);
        ConsoleParser p;
        const ConsoleLines lines = p.feed(bytes + "\n");
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines[0].spans, spans);
    }

    void aNoteWithoutItsEndHidesTheRestOfTheLine()
    {
        ConsoleParser p;
        const ConsoleLines lines = p.feed("shown\x1b[8mha:////AAAA\nnext\n");
        QCOMPARE(texts(lines), (QStringList{QStringLiteral("shown"), QStringLiteral("next")}));
    }

    void tabsAndControlCharacters()
    {
        ConsoleParser p;
        const ConsoleLines lines = p.feed("a\tb\x07\x08" "c\n");
        QCOMPARE(lines[0].text, QStringLiteral("a       bc"));
    }

    void aLineWithoutEndIsCutAtTheBound()
    {
        ConsoleParser p;
        const QByteArray big(ConsoleParser::kMaxLineBytes + 10, 'x');
        const ConsoleLines lines = p.feed(big);
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines[0].text.size(), big.size());
        QCOMPARE(p.pendingBytes(), 0);
    }
};

QTEST_GUILESS_MAIN(TestConsoleParser)
#include "tst_consoleparser.moc"
