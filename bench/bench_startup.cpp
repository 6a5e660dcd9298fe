// bench_startup: the console's cold start against pilothouse-sim with 1,000 pods — the real
// `pilothouse` executable started fresh (no settings) until its window is shown and until the
// first pod rows are painted (median of 5) — and its idle CPU with every page open, each against
// kubectl on the same server in the same run (`kubectl get pods -A` to completion; `kubectl get
// pods -A -w` idle). The console reports its two moments on stderr (PILOTHOUSE_STARTUP_TRACE);
// the times are taken here, from the moment the process is started. Figures: docs/benchmarks.md.
#include "shell/shellsettings.h"
#include "simprocess.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace ts = pilothouse::testsupport;

namespace {

void out(const QString &line)
{
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// utime + stime of a process, in seconds.
double cpuSeconds(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    return (fields.value(11).toLongLong() + fields.value(12).toLongLong()) / ticks;
}

QString consoleBinary()
{
    const QString fromEnv = qEnvironmentVariable("PILOTHOUSE_APP");
    return fromEnv.isEmpty() ? QStringLiteral(PILOTHOUSE_APP_PATH) : fromEnv;
}

struct Start {
    double shownMs = -1;
    double paintedMs = -1;
    QStringList pagesOpened;
    QString error;
};

// Starts the console on `kubeconfig` with its settings in `config` and waits for its two
// moments; the process is left running when `keep` is given.
Start startConsole(const QString &kubeconfig, const QString &config, QProcess *keep = nullptr, int timeoutMs = 60000)
{
    Start s;
    QProcess local;
    QProcess &p = keep ? *keep : local;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PILOTHOUSE_STARTUP_TRACE"), QStringLiteral("1"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config);
    env.insert(QStringLiteral("XDG_DATA_HOME"), config + QStringLiteral("/data"));
    if (!env.contains(QStringLiteral("QT_QPA_PLATFORM")))
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    QByteArray err;
    QElapsedTimer clock;
    QObject::connect(&p, &QProcess::readyReadStandardError, [&] {
        err += p.readAllStandardError();
        if (s.shownMs < 0 && err.contains("pilothouse: window shown"))
            s.shownMs = clock.nsecsElapsed() / 1e6;
        if (s.paintedMs < 0 && err.contains("pilothouse: first rows painted"))
            s.paintedMs = clock.nsecsElapsed() / 1e6;
        s.pagesOpened.clear();
        for (const QByteArray &line : err.split('\n'))
            if (line.startsWith("pilothouse: page ") && line.endsWith(" opened"))
                s.pagesOpened << QString::fromUtf8(line.mid(17, line.size() - 17 - 7));
    });
    clock.start();
    p.start(consoleBinary(), {QStringLiteral("--kubeconfig"), kubeconfig});
    if (!QTest::qWaitFor([&] { return s.paintedMs >= 0 || p.state() == QProcess::NotRunning; }, timeoutMs))
        s.error = QStringLiteral("no rows painted within %1 s").arg(timeoutMs / 1000);
    else if (s.paintedMs < 0)
        s.error = QStringLiteral("the console exited: %1").arg(QString::fromLocal8Bit(err.right(400)));
    QObject::disconnect(&p, nullptr, nullptr, nullptr);
    if (!keep) {
        p.terminate();
        if (!p.waitForFinished(10000))
            p.kill();
        p.waitForFinished(5000);
    }
    return s;
}

double kubectlListMs(const QString &kubeconfig, const QString &cache)
{
    QProcess p;
    p.setStandardOutputFile(QProcess::nullDevice());
    QElapsedTimer clock;
    clock.start();
    p.start(ts::kubectlPath(), {QStringLiteral("--kubeconfig"), kubeconfig, QStringLiteral("--cache-dir"), cache, QStringLiteral("get"),
                                QStringLiteral("pods"), QStringLiteral("-A")});
    if (!p.waitForFinished(120000) || p.exitCode() != 0)
        return -1;
    return clock.nsecsElapsed() / 1e6;
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int pods = 1000;
    const int runs = 5;
    const int idleSeconds = qEnvironmentVariableIntValue("BENCH_IDLE_SECONDS") > 0 ? qEnvironmentVariableIntValue("BENCH_IDLE_SECONDS") : 30;
    out(QStringLiteral("== bench_startup: cold start to first rows painted, idle CPU with every page open =="));
    ts::SimProcess sim({QStringLiteral("--pods"), QString::number(pods), QStringLiteral("--pod-start-ms"), QStringLiteral("200"),
                        QStringLiteral("--pod-ready-ms"), QStringLiteral("200")});
    QString error;
    if (!sim.start(&error)) {
        out(QStringLiteral("bench_startup: the simulator did not start: %1").arg(error));
        return 1;
    }
    // Every pod exists before the first start.
    if (!QTest::qWaitFor([&] { return sim.get("/api/v1/pods").json()["items"].size() >= size_t(pods); }, 60000)) {
        out(QStringLiteral("bench_startup: the simulator has fewer than %1 pods").arg(pods));
        return 1;
    }
    out(QStringLiteral("server: pilothouse-sim, %1 pods; console: %2 (QT_QPA_PLATFORM=%3)")
            .arg(sim.get("/api/v1/pods").json()["items"].size())
            .arg(consoleBinary(), qEnvironmentVariable("QT_QPA_PLATFORM", QStringLiteral("offscreen"))));

    std::vector<double> shown, painted, kubectl;
    for (int i = 0; i < runs; ++i) {
        QTemporaryDir config;  // no settings: a first start each time
        const Start s = startConsole(sim.kubeconfigPath(), config.path());
        if (!s.error.isEmpty()) {
            out(QStringLiteral("bench_startup: run %1: %2").arg(i + 1).arg(s.error));
            return 1;
        }
        shown.push_back(s.shownMs);
        painted.push_back(s.paintedMs);
        QTemporaryDir cache;  // kubectl's discovery cache empty too: its cold start
        kubectl.push_back(kubectlListMs(sim.kubeconfigPath(), cache.path()));
        out(QStringLiteral("run %1: window shown %2 ms, first rows painted %3 ms; kubectl get pods -A %4 ms")
                .arg(i + 1)
                .arg(s.shownMs, 0, 'f', 0)
                .arg(s.paintedMs, 0, 'f', 0)
                .arg(kubectl.back(), 0, 'f', 0));
    }
    const double kubectlMedian = median(kubectl);
    out(QStringLiteral("cold start, median of %1: window shown %2 ms; first rows painted %3 ms; kubectl get pods -A %4 ms (ratio %5)")
            .arg(runs)
            .arg(median(shown), 0, 'f', 0)
            .arg(median(painted), 0, 'f', 0)
            .arg(kubectlMedian, 0, 'f', 0)
            .arg(kubectlMedian > 0 ? median(painted) / kubectlMedian : 0, 0, 'f', 2));

    // Idle: every one-instance page open (the settings name them, as after a previous run).
    QTemporaryDir config;
    {
        QDir().mkpath(config.filePath(QStringLiteral("Pilothouse")));
        pilothouse::widgets::shell::ShellSettings settings(config.filePath(QStringLiteral("Pilothouse/Pilothouse.conf")));
        settings.setOpenPages(QStringLiteral("sim-admin"), {{QStringLiteral("resources"), {}},
                                                            {QStringLiteral("rollouts"), {}},
                                                            {QStringLiteral("argocd"), {}},
                                                            {QStringLiteral("gitops"), {}}});
        settings.setLastPage(QStringLiteral("sim-admin"), QStringLiteral("resources"));
    }
    QProcess console;
    const Start s = startConsole(sim.kubeconfigPath(), config.path(), &console);
    if (!s.error.isEmpty()) {
        out(QStringLiteral("bench_startup: idle run: %1").arg(s.error));
        return 1;
    }
    // Every page of the settings is open (they open with the window, before the first rows).
    for (const QString &page : {QStringLiteral("resources"), QStringLiteral("rollouts"), QStringLiteral("argocd"), QStringLiteral("gitops")})
        if (!s.pagesOpened.contains(page)) {
            out(QStringLiteral("bench_startup: idle run: page %1 did not open (opened: %2)").arg(page, s.pagesOpened.join(QStringLiteral(", "))));
            return 1;
        }
    QProcess watch;
    watch.setStandardOutputFile(QProcess::nullDevice());
    watch.start(ts::kubectlPath(), {QStringLiteral("--kubeconfig"), sim.kubeconfigPath(), QStringLiteral("get"), QStringLiteral("pods"),
                                    QStringLiteral("-A"), QStringLiteral("-w")});
    QTest::qWait(10000);  // both settled: lists done, pages built
    const double c0 = cpuSeconds(console.processId()), k0 = cpuSeconds(watch.processId());
    QElapsedTimer clock;
    clock.start();
    QTest::qWait(idleSeconds * 1000);
    const double wall = clock.nsecsElapsed() / 1e9;
    const double c1 = cpuSeconds(console.processId()), k1 = cpuSeconds(watch.processId());
    const double consolePct = 100.0 * (c1 - c0) / wall, kubectlPct = 100.0 * (k1 - k0) / wall;
    out(QStringLiteral("idle over %1 s, every page open (resources, rollouts, argocd, gitops): console %2 % of a core; "
                       "kubectl get pods -A -w %3 % of a core")
            .arg(wall, 0, 'f', 0)
            .arg(consolePct, 0, 'f', 2)
            .arg(kubectlPct, 0, 'f', 2));
    watch.kill();
    watch.waitForFinished(5000);
    console.terminate();
    if (!console.waitForFinished(10000))
        console.kill();
    return 0;
}
