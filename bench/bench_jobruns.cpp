// Benchmark: a Jenkins job with 1,000 runs (pilothouse-sim --jenkins-history 1000) opened in a visible
// RunMatrixView: setJob → first frame with rows, → first frame with the rows on screen and all their
// stage cells filled (aim ≤ 200 ms), repeated; the longest GUI stall while it loads; the first page
// described; all 1,000 runs described by scrolling to the end. Peers in the same run: Jenkins' Stage
// View way (wfapi/runs: ten runs with stages, one request) and Debian's python3-jenkins (the build
// list of get_job_info(fetch_all_builds=True), and that list plus wfapi/describe of the runs that fit
// on the screen, one after another). It prints figures; it asserts nothing (docs/benchmarks.md).
// BENCH_JOBRUNS_IN_FLIGHT=N sets the loader's describe requests in flight (default 4).
#include "benchmachine.h"
#include "http/httpengine.h"
#include "jenkins/jenkinsclient.h"
#include "jenkins/jobrunsloader.h"
#include "pipelines/runmatrixmodel.h"
#include "pipelines/runmatrixview.h"
#include "jenkinssim.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScrollBar>
#include <QTableView>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

using namespace pilothouse;
using namespace pilothouse::backends;
using namespace pilothouse::backends::jenkins;
namespace ts = pilothouse::testsupport;
using models::RunMatrixModel;
using widgets::RunMatrixView;

namespace {

const QStringList kJob{QStringLiteral("shop"), QStringLiteral("checkoutservice-ci")};
constexpr int kRuns = 1000;
constexpr int kRepeats = 7;

void out(const QString &line)
{
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}

QString ms(double v) { return QString::number(v, 'f', v < 10 ? 1 : 0) + QStringLiteral(" ms"); }

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double maximum(const std::vector<double> &v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

QString list(const std::vector<double> &v)
{
    QStringList s;
    for (double x : v)
        s << QString::number(x, 'f', 0);
    return s.join(QStringLiteral(" / "));
}

QString firstLine(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readLine()).trimmed() : QString();
}

// Runs a real event loop until `condition` holds: QTest::qWaitFor sleeps 10 ms between its event
// processing slices, which would add up to 10 ms to every answer's delivery and to every paint.
template <class F>
bool waitUntil(F condition, int timeoutMs)
{
    if (condition())
        return true;
    QEventLoop loop;
    QTimer check;
    check.setInterval(1);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (condition())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check.start();
    loop.exec();
    return condition();
}

QString loadAverage() { return firstLine(QStringLiteral("/proc/loadavg")).section(QLatin1Char(' '), 0, 2); }

// The GUI thread's lateness: a 5 ms timer's longest gap beyond its interval.
class StallProbe : public QObject {
public:
    StallProbe()
    {
        m_timer.setInterval(5);
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            const double now = m_clock.nsecsElapsed() / 1e6;
            m_longest = std::max(m_longest, now - m_last - 5);
            m_last = now;
        });
    }
    void start()
    {
        m_longest = 0;
        m_clock.start();
        m_last = 0;
        m_timer.start();
    }
    double stop()
    {
        m_timer.stop();
        return std::max(0.0, m_longest);
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    double m_last = 0, m_longest = 0;
};

// Times the end of the viewport's paints: the first with rows, the first with every row on screen
// described (its stage cells filled). The paint is delivered from inside the filter so that the
// time taken is after the frame was drawn.
class PaintProbe : public QObject {
public:
    PaintProbe(RunMatrixView *view, const QElapsedTimer *clock) : m_view(view), m_clock(clock) {}
    std::optional<double> rowsAt, fullAt;
    int visibleAtFull = 0;
    std::vector<double> paints;  // each viewport paint until the full frame, ms

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() != QEvent::Paint || m_inside || fullAt)
            return false;
        RunMatrixModel *model = m_view->model();
        const bool rows = model->rowCount() > 0;
        bool full = false;
        const auto [first, last] = m_view->visibleRows();
        if (rows && first >= 0) {
            full = true;
            for (int row = first; row <= last && full; ++row)
                full = model->data(model->index(row, 0), RunMatrixModel::DescribedRole).toBool();
        }
        m_inside = true;
        const double before = m_clock->nsecsElapsed() / 1e6;
        QCoreApplication::sendEvent(watched, event);
        m_inside = false;
        const double now = m_clock->nsecsElapsed() / 1e6;
        paints.push_back(now - before);
        if (rows && !rowsAt)
            rowsAt = now;
        if (full) {
            fullAt = now;
            visibleAtFull = last - first + 1;
        }
        return true;
    }

private:
    RunMatrixView *m_view;
    const QElapsedTimer *m_clock;
    bool m_inside = false;
};

}  // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    const bench::Machine m = bench::machine();
    out(QStringLiteral("bench_jobruns: a Jenkins job with %1 runs in a visible RunMatrixView").arg(kRuns));
    out(QStringLiteral("machine : %1 CPUs, %2, %3 MB RAM, %4").arg(m.cpus).arg(m.model).arg(m.ramMb).arg(m.os));
    out(QStringLiteral("load    : %1 (1, 5, 15 min) at the start").arg(loadAverage()));
    {
        QProcess git;
        git.setWorkingDirectory(ts::sourceDir());
        git.start(QStringLiteral("git"), {QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%h %cs")});
        git.waitForFinished(10000);
        out(QStringLiteral("commit  : %1").arg(QString::fromUtf8(git.readAllStandardOutput()).trimmed()));
    }

    QElapsedTimer simClock;
    simClock.start();
    ts::JenkinsSimClient jenkins;
    if (const QString error = jenkins.start({QStringLiteral("--jenkins-history"), QString::number(kRuns)}); !error.isEmpty()) {
        out(QStringLiteral("the simulator did not start: ") + error);
        return 1;
    }
    const ts::SimProcess &sim = *jenkins.sim;
    JenkinsClient &client = *jenkins.client;
    out(QStringLiteral("sim     : pilothouse-sim --jenkins-history %1 ready in %2 (%3 past builds made at start)")
            .arg(kRuns)
            .arg(ms(simClock.nsecsElapsed() / 1e6))
            .arg(kRuns));
    const JenkinsServer server = ts::jenkinsServerOf(sim);

    // ---- the matrix, opened kRepeats times (a new view each time: nothing cached) ----------------
    std::vector<double> rowsFrame, fullFrame, stallToFull, pageDescribed, stallToPage, paintTimes;
    int visible = 0, describesAtFull = 0;
    for (int i = 0; i < kRepeats; ++i) {
        auto view = std::make_unique<RunMatrixView>(&client);
        if (const int n = qEnvironmentVariableIntValue("BENCH_JOBRUNS_IN_FLIGHT"); n > 0)
            view->loader()->setMaxInFlight(n);
        view->resize(1400, 900);
        view->show();
        if (!QTest::qWaitForWindowExposed(view.get()))
            return 1;
        QTest::qWait(50);
        QElapsedTimer clock;
        PaintProbe probe(view.get(), &clock);
        view->table()->viewport()->installEventFilter(&probe);
        StallProbe stalls;
        stalls.start();
        clock.start();
        view->setJob(kJob);
        if (!waitUntil([&] { return probe.fullAt.has_value(); }, 60000)) {
            out(QStringLiteral("run %1: no full frame within 60 s").arg(i + 1));
            return 1;
        }
        stallToFull.push_back(stalls.stop());
        stalls.start();
        rowsFrame.push_back(*probe.rowsAt);
        fullFrame.push_back(*probe.fullAt);
        visible = probe.visibleAtFull;
        paintTimes.insert(paintTimes.end(), probe.paints.begin(), probe.paints.end());
        describesAtFull = view->loader()->describeRequests();
        JobRunsLoader *loader = view->loader();
        if (!waitUntil([&] { return loader->inFlight() == 0 && loader->describeRequests() >= loader->builds().size(); }, 60000))
            out(QStringLiteral("run %1: the first page was not described within 60 s").arg(i + 1));
        pageDescribed.push_back(clock.nsecsElapsed() / 1e6);
        stallToPage.push_back(stalls.stop());
        view->table()->viewport()->removeEventFilter(&probe);
    }
    out(QString());
    out(QStringLiteral("| %1 runs, RunMatrixView %2 x %3 (%4 rows on screen) | median | max | runs (ms) |").arg(kRuns).arg(1400).arg(900).arg(visible));
    out(QStringLiteral("|---|---|---|---|"));
    out(QStringLiteral("| setJob → first frame with rows (placeholders) | %1 | %2 | %3 |").arg(ms(median(rowsFrame)), ms(maximum(rowsFrame)), list(rowsFrame)));
    out(QStringLiteral("| setJob → first frame with the rows on screen and their stage cells filled | %1 | %2 | %3 |")
            .arg(ms(median(fullFrame)), ms(maximum(fullFrame)), list(fullFrame)));
    out(QStringLiteral("| longest GUI stall until then (5 ms timer's lateness) | %1 | %2 | %3 |").arg(ms(median(stallToFull)), ms(maximum(stallToFull)), list(stallToFull)));
    out(QStringLiteral("| setJob → the first page (50 runs) described | %1 | %2 | %3 |").arg(ms(median(pageDescribed)), ms(maximum(pageDescribed)), list(pageDescribed)));
    out(QStringLiteral("| longest GUI stall after the full frame, to the page described | %1 | %2 | %3 |").arg(ms(median(stallToPage)), ms(maximum(stallToPage)), list(stallToPage)));
    out(QStringLiteral("viewport paints until the full frame: %1, median %2, max %3").arg(paintTimes.size()).arg(ms(median(paintTimes)), ms(maximum(paintTimes))));
    out(QStringLiteral("describe requests sent by the full frame: %1 (of %2 rows on screen; 4 in flight at most)").arg(describesAtFull).arg(visible));

    // ---- scrolling to the end: every run loaded and described ----------------------------------
    {
        auto view = std::make_unique<RunMatrixView>(&client);
        view->resize(1400, 900);
        view->show();
        if (!QTest::qWaitForWindowExposed(view.get()))
            return 1;
        QElapsedTimer clock;
        StallProbe stalls;
        stalls.start();
        clock.start();
        view->setJob(kJob);
        RunMatrixModel *model = view->model();
        QTableView *table = view->table();
        double allRowsAt = -1;
        const bool done = waitUntil([&] {
            table->verticalScrollBar()->setValue(table->verticalScrollBar()->maximum());
            if (allRowsAt < 0 && model->rowCount() == kRuns)
                allRowsAt = clock.nsecsElapsed() / 1e6;
            return model->rowCount() == kRuns && view->loader()->inFlight() == 0 && view->loader()->describeRequests() >= kRuns;
        }, 300000);
        const double all = clock.nsecsElapsed() / 1e6;
        out(QString());
        out(QStringLiteral("scrolled to the end: %1 rows after %2 (%3 pages), all %4 runs described after %5%6; %7 describe requests, %8 in flight at most; "
                           "longest GUI stall %9")
                .arg(model->rowCount())
                .arg(ms(allRowsAt))
                .arg(view->loader()->pageRequests())
                .arg(kRuns)
                .arg(ms(all))
                .arg(done ? QString() : QStringLiteral(" (not all: timed out)"))
                .arg(view->loader()->describeRequests())
                .arg(view->loader()->mostInFlight())
                .arg(ms(stalls.stop())));
        out(QStringLiteral("stage columns: %1").arg(model->stageNames().join(QStringLiteral(", "))));
    }

    // ---- peers ------------------------------------------------------------------------------------
    std::vector<double> wfapi;
    int wfapiRuns = 0;
    for (int i = 0; i < kRepeats; ++i) {
        QElapsedTimer clock;
        clock.start();
        std::optional<Result<QList<RunInfo>>> r;
        client.runs(kJob, &app, [&](const Result<QList<RunInfo>> &runs) { r = runs; });
        if (!waitUntil([&] { return r.has_value(); }, 60000))
            return 1;
        wfapi.push_back(clock.nsecsElapsed() / 1e6);
        wfapiRuns = r && r->ok() ? static_cast<int>(r->value().size()) : -1;
    }
    // The client alone, no view: the visible rows' describes one after another.
    std::vector<double> oneByOne;
    for (int i = 0; i < kRepeats; ++i) {
        QElapsedTimer clock;
        clock.start();
        for (int n = kRuns; n > kRuns - visible; --n) {
            bool done = false;
            client.describeRun(kJob, n, &app, [&](const Result<RunInfo> &) { done = true; });
            if (!waitUntil([&] { return done; }, 60000))
                return 1;
        }
        oneByOne.push_back(clock.nsecsElapsed() / 1e6);
    }
    out(QString());
    out(QStringLiteral("| peer | median | max | runs (ms) |"));
    out(QStringLiteral("|---|---|---|---|"));
    out(QStringLiteral("| Stage View's way: wfapi/runs through the same client (%1 runs with stages, parsed) | %2 | %3 | %4 |")
            .arg(wfapiRuns)
            .arg(ms(median(wfapi)), ms(maximum(wfapi)), list(wfapi)));
    out(QStringLiteral("| the same client without a view: wfapi/describe of the %1 newest runs one after another | %2 | %3 | %4 |")
            .arg(visible)
            .arg(ms(median(oneByOne)), ms(maximum(oneByOne)), list(oneByOne)));
    {
        QProcess py;
        const QString script = ts::sourceDir() + QStringLiteral("/bench/jobruns_peer.py");
        py.start(QStringLiteral("/usr/bin/python3"), {script, server.url, server.user, QString::fromUtf8(server.apiToken), sim.caFile(),
                                                      kJob.join(QLatin1Char('/')), QString::number(visible), QString::number(kRepeats)});
        py.waitForFinished(600000);
        const QJsonObject r = QJsonDocument::fromJson(py.readAllStandardOutput()).object();
        if (r.isEmpty()) {
            out(QStringLiteral("| python3-jenkins | (did not run: %1) | | |").arg(QString::fromUtf8(py.readAllStandardError()).trimmed().right(200)));
        } else {
            auto times = [&r](const char *key) {
                std::vector<double> v;
                for (const QJsonValue &x : r.value(QLatin1String(key)).toArray())
                    v.push_back(x.toDouble() * 1000);
                return v;
            };
            const auto listTimes = times("list_s"), visibleTimes = times("list_and_visible_s");
            out(QStringLiteral("| python3-jenkins get_job_info + allBuilds[number,url]: %1 builds, no stages | %2 | %3 | %4 |")
                    .arg(r.value(QStringLiteral("builds")).toInt())
                    .arg(ms(median(listTimes)), ms(maximum(listTimes)), list(listTimes)));
            out(QStringLiteral("| python3-jenkins: that list + wfapi/describe of the %1 newest runs one after another | %2 | %3 | %4 |")
                    .arg(r.value(QStringLiteral("described")).toInt())
                    .arg(ms(median(visibleTimes)), ms(maximum(visibleTimes)), list(visibleTimes)));
            out(QStringLiteral("ratios: full frame vs python3-jenkins list+visible %1x faster; vs wfapi/runs (10 runs) %2x the time")
                    .arg(median(visibleTimes) / std::max(0.001, median(fullFrame)), 0, 'f', 1)
                    .arg(median(fullFrame) / std::max(0.001, median(wfapi)), 0, 'f', 1));
        }
    }
    out(QStringLiteral("load    : %1 (1, 5, 15 min) at the end").arg(loadAverage()));
    return 0;
}
