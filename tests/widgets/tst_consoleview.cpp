// Widget test (offscreen): the Jenkins console view against a scripted progressiveText server
// (httplib, answering X-Text-Size and X-More-Data as Jenkins does): lines shown as the build
// writes them (a line split across reads joined), the view kept at the bottom while following,
// scrolling up pausing it and End resuming it, finished() and "complete" when Jenkins says no
// more, a full chunk read again at once, a finished log in one answer cut to the bound, search
// as you type with "N of M" and next/previous, a stage's line jumped to, copy of the selected
// lines, errors in the status line (a missing build ends, a server error retries and recovers),
// ANSI colours readable in the light and the dark theme, and a stalled server freezing nothing.
#include "http/httpengine.h"
#include "jenkins/jenkinsclient.h"
#include "pipelines/consoleview.h"
#include "style/ansipalette.h"
#include "style/theme.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace pilothouse;
using backends::jenkins::JenkinsClient;
using backends::jenkins::JenkinsServer;
using widgets::ConsoleView;

class TestConsoleView : public QObject {
    Q_OBJECT

    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    std::unique_ptr<backends::http::HttpEngine> m_engine;
    std::unique_ptr<JenkinsClient> m_client;

    // The build's console as the scripted Jenkins has it.
    std::mutex m_mutex;
    std::string m_log;
    bool m_building = true;
    size_t m_cap = 1 << 20;  // bytes per answer at most
    int m_status = 200;
    std::atomic<int> m_stallMs{0};
    std::atomic<int> m_reads{0};

    void write(const std::string &bytes)
    {
        const std::lock_guard lock(m_mutex);
        m_log += bytes;
    }
    void reset(const std::string &log, bool building)
    {
        const std::lock_guard lock(m_mutex);
        m_log = log;
        m_building = building;
        m_cap = 1 << 20;
        m_status = 200;
        m_stallMs = 0;
        m_reads = 0;
    }
    void setBuilding(bool building)
    {
        const std::lock_guard lock(m_mutex);
        m_building = building;
    }
    std::unique_ptr<ConsoleView> newView()
    {
        auto v = std::make_unique<ConsoleView>(m_client.get());
        v->follower()->setPollInterval(50);
        v->follower()->setRetryInterval(100);
        v->resize(700, 300);
        v->show();
        return v;
    }
    static QString textOf(ConsoleView &v, int row) { return v.model()->index(row).data().toString(); }

private Q_SLOTS:
    void initTestCase()
    {
        m_server.Get("/job/app/7/logText/progressiveText", [this](const httplib::Request &req, httplib::Response &res) {
            ++m_reads;
            if (const int stall = m_stallMs.load())
                std::this_thread::sleep_for(std::chrono::milliseconds(stall));
            const std::lock_guard lock(m_mutex);
            if (m_status != 200) {
                res.status = m_status;
                res.set_content("<html><body><h2>Server busy</h2></body></html>", "text/html");
                return;
            }
            const size_t start = std::min<size_t>(std::stoul(req.get_param_value("start")), m_log.size());
            const std::string piece = m_log.substr(start, m_cap);
            res.set_content(piece, "text/plain;charset=UTF-8");
            res.set_header("X-Text-Size", std::to_string(start + piece.size()));
            if (m_building || start + piece.size() < m_log.size())
                res.set_header("X-More-Data", "true");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        QVERIFY(m_port > 0);
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        m_engine = std::make_unique<backends::http::HttpEngine>();
        m_client = std::make_unique<JenkinsClient>(m_engine.get());
        JenkinsServer s;
        s.url = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
        s.user = QStringLiteral("ada");
        s.apiToken = "11aa22bb33cc44dd55ee66ff77889900";
        QVERIFY(m_client->setServer(s).ok());
    }

    void cleanupTestCase()
    {
        m_server.stop();
        m_thread.join();
        m_client.reset();
        m_engine.reset();
    }

    void linesArriveAsTheBuildWritesThemAndTheViewFollows()
    {
        reset("Started by user Ada Operator\n[Pipeline] { (Build)\n", true);
        auto v = newView();
        QAbstractItemModelTester tester(v->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy finished(v.get(), &ConsoleView::finished);
        v->follow({QStringLiteral("app")}, 7);
        QTRY_COMPARE(v->model()->rowCount(), 2);
        QTRY_VERIFY2(v->statusText().startsWith(QStringLiteral("streaming")), qPrintable(v->statusText()));
        std::string more;
        for (int i = 0; i < 400; ++i)
            more += "\x1b[32mstep " + std::to_string(i) + "\x1b[0m\n";
        write(more + "half");
        QTRY_COMPARE(v->model()->rowCount(), 402);
        QCOMPARE(textOf(*v, 401), QStringLiteral("step 399"));
        QScrollBar *vsb = v->listView()->verticalScrollBar();
        QVERIFY(vsb->maximum() > 0);
        QTRY_COMPARE(vsb->value(), vsb->maximum());
        QVERIFY(v->isFollowing());
        write(" done\n");
        QTRY_COMPARE(v->model()->rowCount(), 403);
        QCOMPARE(textOf(*v, 402), QStringLiteral("half done"));
        QTRY_VERIFY(v->statusLabel()->text().contains(QStringLiteral("403 lines")));

        // Scrolling up pauses following: new lines do not move the view.
        vsb->setValue(0);
        QVERIFY(!v->isFollowing());
        QVERIFY(!v->followButton()->isChecked());
        write("late 1\nlate 2\n");
        QTRY_COMPARE(v->model()->rowCount(), 405);
        QCoreApplication::processEvents();
        QCOMPARE(vsb->value(), 0);
        // End resumes it.
        v->listView()->setFocus();
        QTest::keyClick(v->listView(), Qt::Key_End);
        QVERIFY(v->isFollowing());
        QTRY_COMPARE(vsb->value(), vsb->maximum());
        v->grab();  // paints the coloured lines

        setBuilding(false);
        QTRY_COMPARE(finished.size(), 1);
        QVERIFY2(v->statusText().startsWith(QStringLiteral("complete")), qPrintable(v->statusText()));
        QVERIFY(v->isComplete());
        const int reads = m_reads;
        QTest::qWait(300);
        QCOMPARE(m_reads.load(), reads);  // nothing read after the end
    }

    void aFullChunkIsReadAgainAtOnce()
    {
        std::string log;
        for (int i = 0; log.size() < 200000; ++i)
            log += "> Task :module" + std::to_string(i) + ":compileJava\n";
        reset(log, false);
        {
            const std::lock_guard lock(m_mutex);
            m_cap = 4096;
        }
        auto v = newView();
        v->follower()->setPollInterval(10000);  // a pause after every chunk would take minutes
        v->follower()->setFullChunkBytes(4096);
        QSignalSpy finished(v.get(), &ConsoleView::finished);
        v->follow({QStringLiteral("app")}, 7);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QVERIFY(m_reads > 40);
        QCOMPARE(v->model()->totalLines(), qint64(std::count(log.begin(), log.end(), '\n')));
        QCOMPARE(v->follower()->offset(), qint64(log.size()));
    }

    void aFinishedLogInOneAnswerKeepsOnlyTheBound()
    {
        // Jenkins answers a finished build's whole console at once: only what the model keeps
        // becomes lines for the GUI thread.
        std::string log;
        for (int i = 1; i <= 5000; ++i)
            log += "line " + std::to_string(i) + "\n";
        reset(log, false);
        auto v = newView();
        QAbstractItemModelTester tester(v->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        v->model()->setLimits(100, 1LL << 30);
        QSignalSpy inserted(v->model(), &QAbstractItemModel::rowsInserted);
        QSignalSpy finished(v.get(), &ConsoleView::finished);
        QSignalSpy batches(v->follower(), &pilothouse::models::ConsoleFollower::linesReceived);
        v->follow({QStringLiteral("app")}, 7);
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(m_reads.load(), 1);
        QCOMPARE(batches.size(), 1);
        QCOMPARE(batches[0][0].value<pilothouse::models::ConsoleLines>().size(), 100);
        QCOMPARE(batches[0][1].toLongLong(), 4900);
        QCOMPARE(v->model()->rowCount(), 101);
        QCOMPARE(textOf(*v, 0), QStringLiteral("… 4,900 earlier lines not kept"));
        QCOMPARE(textOf(*v, 1), QStringLiteral("line 4901"));
        QCOMPARE(v->model()->data(v->model()->index(100), pilothouse::models::ConsoleModel::LineNumberRole).toLongLong(), 5000);
        QCOMPARE(inserted.size(), 2);  // the notice row, then the batch
        QVERIFY2(v->statusText().contains(QStringLiteral("the first 4,900 not kept")), qPrintable(v->statusText()));
    }

    void searchAsYouTypeAndStepThroughMatches()
    {
        std::string log;
        for (int i = 0; i < 300; ++i)
            log += (i == 40 || i == 150 || i == 260) ? "ERROR: test " + std::to_string(i) + " failed\n" : "ok " + std::to_string(i) + "\n";
        reset(log, false);
        auto v = newView();
        QSignalSpy finished(v.get(), &ConsoleView::finished);
        v->follow({QStringLiteral("app")}, 7);
        QTRY_COMPARE(finished.size(), 1);
        QTest::keyClicks(v->searchEdit(), QStringLiteral("error"));
        QTRY_COMPARE(v->matchLabel()->text(), QStringLiteral("1 of 3"));
        QCOMPARE(v->listView()->currentIndex().row(), 40);
        QVERIFY(!v->isFollowing());
        QTest::mouseClick(v->searchNextButton(), Qt::LeftButton);
        QCOMPARE(v->listView()->currentIndex().row(), 150);
        QCOMPARE(v->matchLabel()->text(), QStringLiteral("2 of 3"));
        QTest::keyClick(v->searchEdit(), Qt::Key_Return);
        QCOMPARE(v->listView()->currentIndex().row(), 260);
        QTest::mouseClick(v->searchNextButton(), Qt::LeftButton);
        QCOMPARE(v->listView()->currentIndex().row(), 40);  // wraps
        QTest::mouseClick(v->searchPreviousButton(), Qt::LeftButton);
        QCOMPARE(v->listView()->currentIndex().row(), 260);
        QCOMPARE(v->matchLabel()->text(), QStringLiteral("3 of 3"));
        // The match is in view.
        const QRect shown = v->listView()->visualRect(v->listView()->currentIndex());
        QVERIFY(v->listView()->viewport()->rect().intersects(shown));
        v->grab();  // paints the marked runs
        QTest::keyClicks(v->searchEdit(), QStringLiteral("xyz"));
        QTRY_COMPARE(v->matchLabel()->text(), QStringLiteral("no matches"));
    }

    void aStageIsJumpedToAndLinesAreCopied()
    {
        reset("Started\n[Pipeline] stage\n[Pipeline] { (Checkout)\ngit fetch\n[Pipeline] }\n[Pipeline] stage\n[Pipeline] { (Unit tests)\n"
              "\x1b[1;32mBUILD SUCCESSFUL\x1b[0m\n[Pipeline] }\nFinished: SUCCESS\n",
              false);
        auto v = newView();
        QSignalSpy finished(v.get(), &ConsoleView::finished);
        v->follow({QStringLiteral("app")}, 7);
        QTRY_COMPARE(finished.size(), 1);
        QVERIFY(v->jumpToStage(QStringLiteral("Unit tests")));
        QCOMPARE(v->listView()->currentIndex().row(), 6);
        QVERIFY(!v->isFollowing());
        QVERIFY(!v->jumpToStage(QStringLiteral("Deploy")));
        v->listView()->selectionModel()->select(QItemSelection(v->model()->index(6), v->model()->index(7)), QItemSelectionModel::ClearAndSelect);
        v->copySelection();
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("[Pipeline] { (Unit tests)\nBUILD SUCCESSFUL\n"));
    }

    void errorsAreShownAndServerErrorsRetried()
    {
        reset("one\ntwo\n", false);
        auto v = newView();
        v->follow({QStringLiteral("nope")}, 1);
        QTRY_VERIFY2(v->statusText().startsWith(QStringLiteral("error:")), qPrintable(v->statusText()));
        QVERIFY2(v->statusText().contains(QStringLiteral("404")), qPrintable(v->statusText()));
        {
            const std::lock_guard lock(m_mutex);
            m_status = 503;
        }
        QSignalSpy finished(v.get(), &ConsoleView::finished);
        v->follow({QStringLiteral("app")}, 7);
        QTRY_VERIFY2(v->statusText().startsWith(QStringLiteral("retrying in")), qPrintable(v->statusText()));
        QVERIFY2(v->statusText().contains(QStringLiteral("503")), qPrintable(v->statusText()));
        {
            const std::lock_guard lock(m_mutex);
            m_status = 200;
        }
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(v->model()->rowCount(), 2);
    }

    void ansiColoursReadInBothThemes()
    {
        using pilothouse::widgets::AnsiPalette;
        using pilothouse::widgets::Theme;
        using pilothouse::widgets::ThemeMode;
        for (const ThemeMode mode : {ThemeMode::Light, ThemeMode::Dark}) {
            Theme::apply(mode);
            const QColor surface = Theme::color(Theme::Role::Surface);
            for (int i = 0; i < 256; ++i)
                QVERIFY2(Theme::contrast(AnsiPalette::foreground(i), surface) >= AnsiPalette::kMinContrast,
                         qPrintable(QStringLiteral("colour %1 in %2").arg(i).arg(Theme::modeName(mode))));
            QCOMPARE(AnsiPalette::foreground(-1), Theme::color(Theme::Role::TextPrimary));
        }
        // The themes differ: a light theme's yellow is darker than a dark theme's.
        QVERIFY(AnsiPalette::base(3, false).lightness() < AnsiPalette::base(3, true).lightness());
        Theme::apply(ThemeMode::Light);
    }

    void aStalledServerFreezesNothing()
    {
        reset("one\n", true);
        m_stallMs = 2000;
        auto v = newView();
        v->follow({QStringLiteral("app")}, 7);
        // The GUI thread keeps turning while the read hangs.
        int ticks = 0;
        QTimer tick;
        connect(&tick, &QTimer::timeout, this, [&] { ++ticks; });
        tick.start(20);
        QTest::qWait(600);
        QVERIFY2(ticks >= 20, qPrintable(QString::number(ticks)));
        QVERIFY(v->statusText().startsWith(QStringLiteral("streaming")));
        QCOMPARE(v->model()->rowCount(), 0);
        // Stopped while the answer is on its way: the answer is ignored; the view can go.
        v->stopFollowing();
        QVERIFY2(v->statusText().startsWith(QStringLiteral("stopped")), qPrintable(v->statusText()));
        v->follow({QStringLiteral("app")}, 7);
        v.reset();
        QTest::qWait(2500);
        m_stallMs = 0;
    }
};

QTEST_MAIN(TestConsoleView)
#include "tst_consoleview.moc"
