// JobRunsLoader against pilothouse-sim's Jenkins with a job of 120 past builds: the rows come
// before any stage is asked for, the rows on screen are described first, never more than the
// bound in flight, a finished run is described once and never again (refresh included), pages
// go on to the last build, and a running build is read again on refresh until it finishes.
#include "http/httpengine.h"
#include "jenkins/jenkinsclient.h"
#include "jenkins/jobrunsloader.h"
#include "jenkinssim.h"

#include <QSignalSpy>
#include <QTest>

using namespace pilothouse::backends;
using namespace pilothouse::backends::jenkins;
using namespace pilothouse::testsupport;

namespace {
const QStringList kJob{QStringLiteral("shop"), QStringLiteral("checkoutservice-ci")};
constexpr int kHistory = 120;

// Refreshes `loader` whenever it is idle until `condition` holds, as a page refreshed by a timer would.
template <class F>
bool refreshUntil(JobRunsLoader &loader, F condition, int timeoutMs, int pauseMs)
{
    return QTest::qWaitFor([&] {
        if (condition())
            return true;
        if (!loader.loadingPage() && loader.inFlight() == 0)
            loader.refresh();
        QTest::qWait(pauseMs);
        return false;
    }, timeoutMs);
}

}  // namespace

class TestJobRunsLoader : public QObject {
    Q_OBJECT

    JenkinsSimClient m_jenkins;

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_jenkins.start(
            QStringList{QStringLiteral("--time-scale"), QStringLiteral("20"), QStringLiteral("--jenkins-history"), QString::number(kHistory)});
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void rowsFirstThenStagesOnScreenFirst()
    {
        JobRunsLoader loader(m_jenkins.client.get());
        loader.setPageSize(50);
        loader.setMaxInFlight(3);
        loader.setVisibleRows(20, 29);
        int describedWhenRowsCame = -1, requestsWhenRowsCame = -1;
        QList<int> described;
        connect(&loader, &JobRunsLoader::buildsChanged, this, [&](const QList<BuildInfo> &builds) {
            if (!builds.isEmpty() && describedWhenRowsCame < 0) {
                describedWhenRowsCame = static_cast<int>(described.size());
                requestsWhenRowsCame = loader.describeRequests();
            }
        });
        connect(&loader, &JobRunsLoader::runDescribed, this, [&](const RunInfo &run) {
            described << run.number;
            QVERIFY(loader.inFlight() <= 3);
        });
        loader.setJob(kJob);
        QVERIFY(QTest::qWaitFor([&] { return described.size() == 50; }, 60000));
        QCOMPARE(describedWhenRowsCame, 0);
        QCOMPARE(requestsWhenRowsCame, 0);
        QCOMPARE(loader.builds().size(), 50);
        QCOMPARE(loader.builds().first().number, kHistory);
        QVERIFY(loader.mostInFlight() <= 3);
        QVERIFY(loader.mostInFlight() >= 2);  // the bound is used, not one at a time
        // The rows on screen (20..29: builds 100..91) came before any other.
        for (int i = 0; i < 8; ++i)
            QVERIFY2(described.at(i) <= kHistory - 20 && described.at(i) >= kHistory - 29, qPrintable(QString::number(described.at(i))));
        // Stages as wfapi gives them, the parallel branches among them.
        const RunInfo *run = loader.run(kHistory);
        QVERIFY(run);
        QStringList names;
        for (const StageInfo &s : run->stages)
            names << s.name;
        QVERIFY2(names.contains(QStringLiteral("Integration tests")) && names.contains(QStringLiteral("Checkout")), qPrintable(names.join(',')));
        QCOMPARE(loader.describeRequests(), 50);

        // A finished run is never asked for again, not even on refresh.
        const int pages = loader.pageRequests();
        loader.refresh();
        QVERIFY(QTest::qWaitFor([&] { return loader.pageRequests() == pages + 1 && !loader.loadingPage(); }, 30000));
        QTest::qWait(300);
        QCOMPARE(loader.describeRequests(), 50);
        for (const BuildInfo &b : loader.builds())
            QCOMPARE(loader.describeRequestsOf(b.number), 1);

        // Older pages to the first build; the last is short and ends it.
        QVERIFY(loader.canFetchMore());
        loader.fetchMore();
        QVERIFY(QTest::qWaitFor([&] { return loader.builds().size() == 100 && !loader.loadingPage(); }, 30000));
        QVERIFY(loader.canFetchMore());
        loader.fetchMore();
        QVERIFY(QTest::qWaitFor([&] { return loader.builds().size() == kHistory && !loader.loadingPage(); }, 30000));
        QVERIFY(!loader.canFetchMore());
        QCOMPARE(loader.builds().last().number, 1);
        QVERIFY(QTest::qWaitFor([&] { return described.size() == kHistory; }, 60000));
        QVERIFY(loader.mostInFlight() <= 3);
    }

    void anotherJobDropsTheFirstsAnswers()
    {
        JobRunsLoader loader(m_jenkins.client.get());
        QList<int> described;
        connect(&loader, &JobRunsLoader::runDescribed, this, [&](const RunInfo &run) { described << run.number; });
        loader.setJob(kJob);
        loader.setJob({QStringLiteral("shop"), QStringLiteral("frontend-ci")});
        QVERIFY(QTest::qWaitFor([&] { return !loader.builds().isEmpty() && loader.inFlight() == 0 && !described.isEmpty(); }, 30000));
        QTest::qWait(200);
        for (int n : described)
            QVERIFY2(n <= 8, "a run of the first job came through");  // frontend-ci has 8 builds
        QVERIFY(loader.builds().size() == 8);
    }

    void runningRunsAreReadAgain()
    {
        JobRunsLoader loader(m_jenkins.client.get());
        loader.setJob(kJob);
        QVERIFY(QTest::qWaitFor([&] { return loader.builds().size() == 50 && loader.inFlight() == 0 && loader.describeRequests() == 50; }, 60000));
        std::optional<PostReply> posted;
        m_jenkins.client->post(jobPath(kJob) + QStringLiteral("buildWithParameters"), QByteArray(), this, [&](const PostReply &r) { posted = r; });
        QVERIFY(QTest::qWaitFor([&] { return posted.has_value(); }, 30000));
        QCOMPARE(posted->status, 201);
        const int number = kHistory + 1;
        // Refreshed until the new build is seen and described while it runs.
        QVERIFY(refreshUntil(loader, [&] { return loader.run(number) && loader.run(number)->status == StageStatus::InProgress; }, 60000, 100));
        QCOMPARE(loader.builds().first().number, number);
        const int whileRunning = loader.describeRequestsOf(number);
        // Every refresh reads it again until it has finished; then never again.
        QVERIFY(refreshUntil(loader, [&] { return loader.run(number) && isFinished(loader.run(number)->status); }, 90000, 200));
        QVERIFY(loader.describeRequestsOf(number) > whileRunning);
        QCOMPARE(loader.run(number)->status, StageStatus::Success);
        const int finished = loader.describeRequestsOf(number);
        const int all = loader.describeRequests();
        loader.refresh();
        QVERIFY(QTest::qWaitFor([&] { return !loader.loadingPage(); }, 30000));
        QTest::qWait(300);
        QCOMPARE(loader.describeRequestsOf(number), finished);
        QCOMPARE(loader.describeRequests(), all);
        QCOMPARE(loader.describeRequestsOf(kHistory), 1);
    }
};

QTEST_GUILESS_MAIN(TestJobRunsLoader)
#include "tst_jobrunsloader.moc"
