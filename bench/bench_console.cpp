// bench_console: a 100 MB Jenkins console (Gradle, Docker and SonarQube lines with ANSI colours and
// Jenkins' console notes) served as Jenkins serves logText/progressiveText (X-Text-Size,
// X-More-Data, 1 MiB per answer) by a local httplib server, streamed through the HTTP engine, the
// JenkinsClient, the console follower (parsing on its worker), the bounded ConsoleModel and a
// visible ConsoleView. Prints lines/s and MB/s, the GUI thread's longest stall and p99, its CPU,
// RSS along the way and at its peak. Peers in the same run: the parser alone on one thread, the
// same parsed batches appended to a visible QPlainTextEdit (appendPlainText, as bounded), and
// curl fetching the whole consoleText to /dev/null (the I/O floor).
// Environment: PILOTHOUSE_BENCH_CONSOLE_MB (default 100), PILOTHOUSE_BENCH_PEER_SECONDS (default 60).
#include "benchmachine.h"
#include "benchprobes.h"
#include "http/httpengine.h"
#include "jenkins/jenkinsclient.h"
#include "pipelines/consolefollower.h"
#include "pipelines/consolemodel.h"
#include "pipelines/consoleparser.h"
#include "pipelines/consoleview.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFontDatabase>
#include <QListView>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProcess>
#include <QTest>

#include <httplib.h>

#include <cmath>
#include <ctime>
#include <thread>

#include <sys/resource.h>

using namespace pilothouse;
using namespace pilothouse::bench;

namespace {

constexpr size_t kBlockBytes = 1 << 20;

void out(const QString &line)
{
    std::fputs(line.toLocal8Bit().constData(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

QString mib(long long kb) { return QStringLiteral("%1 MiB").arg(double(kb) / 1024.0, 0, 'f', 1); }

// One block of about 1 MiB of console, different per block: what CI builds print.
std::string block(int k)
{
    static const char *const kNote = "\x1b[8mha:////4GxXk8Vq0Fz0AAAAlh+LCAAAAAAAAP9b85aBtbiIQTGjNKU4P08vOT+vOD8nVc83PyU1x6OyILUoJzMv2y=\x1b[0m";
    std::string s;
    s.reserve(kBlockBytes + 512);
    int i = 0;
    while (s.size() < kBlockBytes) {
        const std::string n = std::to_string(k * 100000 + i);
        switch (i % 16) {
        case 0: s += std::string(kNote) + "[Pipeline] stage\n"; break;
        case 1: s += std::string(kNote) + "[Pipeline] { (Build " + n + ")\n"; break;
        case 2: s += "\x1b[1m> Task :service-" + n + ":compileJava\x1b[m\n"; break;
        case 3: s += "> Task :service-" + n + ":processResources \x1b[33mUP-TO-DATE\x1b[0m\n"; break;
        case 4: s += "#12 [builder 3/7] RUN ./gradlew bootJar --no-daemon --build-cache -Pversion=1.4." + n + "\n"; break;
        case 5: s += "#12 0.523 Downloading https://repo.maven.apache.org/maven2/org/springframework/spring-core/6.1.3/spring-core-6.1.3.jar\n"; break;
        case 6: s += "#12 12.40 Download progress  10%\r#12 12.41 Download progress  60%\r#12 12.42 Download progress 100%\n"; break;
        case 7: s += "INFO: Sensor JavaSensor [java] (done) | time=" + n + "ms\n"; break;
        case 8: s += "\x1b[32mBUILD SUCCESSFUL\x1b[0m in 42s\r\n"; break;
        case 9: s += "+ docker push registry.pilothouse.local/shop/storefront:1.4." + n + "\n"; break;
        case 10: s += "\x1b[38;5;244m" + n + ": Pushed\x1b[39m layer sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a0\n"; break;
        case 11: s += "\x1b[1;31mFAILED\x1b[0m com.pilothouse.shop.CartServiceTest > addsItem() retried\n"; break;
        case 12: s += "WARN: Parameter 'sonar.host.url' was deprecated in favour of 'sonar.server'\n"; break;
        case 13: s += std::string(kNote) + "[Pipeline] sh\n"; break;
        case 14: s += "    at com.pilothouse.shop.CartService.add(CartService.java:" + n + ")\n"; break;
        default: s += "[Pipeline] }\n"; break;
        }
        ++i;
    }
    return s;
}

// The console as Jenkins keeps it: blocks generated on request, offsets from their sizes.
struct ScriptedConsole {
    std::vector<size_t> starts;  // byte offset of each block, plus the end
    size_t lines = 0;
    explicit ScriptedConsole(int mb)
    {
        size_t at = 0;
        for (int k = 0; k < mb; ++k) {
            starts.push_back(at);
            const std::string b = block(k);
            at += b.size();
            lines += size_t(std::count(b.begin(), b.end(), '\n'));
        }
        starts.push_back(at);
    }
    size_t size() const { return starts.back(); }
    // From `start` to the end of its block.
    std::string from(size_t start) const
    {
        if (start >= size())
            return {};
        const size_t k = size_t(std::upper_bound(starts.begin(), starts.end(), start) - starts.begin()) - 1;
        return block(int(k)).substr(start - starts[k]);
    }
};

qint64 threadCpuNs()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return qint64(t.tv_sec) * 1000000000 + t.tv_nsec;
}
qint64 processCpuNs()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return (qint64(u.ru_utime.tv_sec) + u.ru_stime.tv_sec) * 1000000000 + (qint64(u.ru_utime.tv_usec) + u.ru_stime.tv_usec) * 1000;
}

struct Run {
    double seconds = 0;
    qint64 lines = 0;
    double guiCpuS = 0, processCpuS = 0;
    std::vector<double> stalls;
    long long rssStartKb = 0, rssEndKb = 0;
    std::vector<std::pair<double, long long>> rssAlong;  // (fraction of the log read, VmRSS KiB)
    bool complete = false;
};

void report(const QString &what, const Run &r, qint64 bytes)
{
    const QLocale c(QLocale::English);
    out(QStringLiteral("%1: %2 lines, %3 MB in %4 s%5: %6 lines/s, %7 MB/s")
            .arg(what, c.toString(r.lines), QString::number(double(bytes) / 1e6, 'f', 1), QString::number(r.seconds, 'f', 2),
                 r.complete ? QString() : QStringLiteral(" (stopped before the end)"), c.toString(qint64(double(r.lines) / r.seconds)),
                 QString::number(double(bytes) / 1e6 / r.seconds, 'f', 1)));
    out(QStringLiteral("   GUI stalls: longest %1 ms, p99 %2 ms, p50 %3 ms, %4 ticks over 50 ms of %5")
            .arg(r.stalls.empty() ? 0.0 : r.stalls.back(), 0, 'f', 1)
            .arg(pct(r.stalls, 99), 0, 'f', 1)
            .arg(pct(r.stalls, 50), 0, 'f', 1)
            .arg(std::count_if(r.stalls.begin(), r.stalls.end(), [](double v) { return v > 50; }))
            .arg(r.stalls.size()));
    out(QStringLiteral("   CPU: GUI thread %1 s, process %2 s; RSS %3 at the start, %4 at the end")
            .arg(r.guiCpuS, 0, 'f', 2)
            .arg(r.processCpuS, 0, 'f', 2)
            .arg(mib(r.rssStartKb), mib(r.rssEndKb)));
    QStringList along;
    for (const auto &[f, kb] : r.rssAlong)
        along << QStringLiteral("%1 %: %2").arg(int(f * 100)).arg(mib(kb));
    out(QStringLiteral("   RSS along the log: ") + along.join(QStringLiteral(", ")));
}

}  // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    const int mb = qEnvironmentVariableIntValue("PILOTHOUSE_BENCH_CONSOLE_MB") > 0 ? qEnvironmentVariableIntValue("PILOTHOUSE_BENCH_CONSOLE_MB") : 100;
    const int peerSeconds = qEnvironmentVariableIsSet("PILOTHOUSE_BENCH_PEER_SECONDS") ? qEnvironmentVariableIntValue("PILOTHOUSE_BENCH_PEER_SECONDS") : 60;
    const Machine m = machine();
    out(QStringLiteral("bench_console: %1 CPUs (%2), %3 MB RAM, %4").arg(m.cpus).arg(m.model).arg(m.ramMb).arg(m.os));
    out(QStringLiteral("load average at the start: %1").arg(QString::fromStdString(readSmall("/proc/loadavg")).trimmed()));

    const ScriptedConsole console(mb);
    out(QStringLiteral("console: %1 bytes, %2 lines, served 1 MiB per progressiveText answer")
            .arg(QLocale(QLocale::English).toString(qint64(console.size())), QLocale(QLocale::English).toString(qint64(console.lines))));

    httplib::Server server;
    server.Get("/job/bench/1/logText/progressiveText", [&](const httplib::Request &req, httplib::Response &res) {
        const size_t start = std::stoull(req.get_param_value("start"));
        const std::string piece = console.from(start);
        res.set_content(piece, "text/plain;charset=UTF-8");
        res.set_header("X-Text-Size", std::to_string(std::min(start, console.size()) + piece.size()));
        if (start + piece.size() < console.size())
            res.set_header("X-More-Data", "true");
    });
    server.Get("/job/bench/1/consoleText", [&](const httplib::Request &, httplib::Response &res) {
        res.set_chunked_content_provider("text/plain", [&](size_t offset, httplib::DataSink &sink) {
            const std::string piece = console.from(offset);
            if (piece.empty())
                sink.done();
            else
                sink.write(piece.data(), piece.size());
            return true;
        });
    });
    // A finished build: Jenkins answers everything from the offset on, streamed here from the blocks.
    server.Get("/job/bench/2/logText/progressiveText", [&](const httplib::Request &req, httplib::Response &res) {
        const size_t start = std::min<size_t>(std::stoull(req.get_param_value("start")), console.size());
        res.set_header("X-Text-Size", std::to_string(console.size()));
        res.set_content_provider(console.size() - start, "text/plain;charset=UTF-8", [&, start](size_t offset, size_t, httplib::DataSink &sink) {
            const std::string piece = console.from(start + offset);
            sink.write(piece.data(), piece.size());
            return true;
        });
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { server.listen_after_bind(); });
    const QString url = QStringLiteral("http://127.0.0.1:%1").arg(port);

    // The I/O floor: curl reading the whole console once.
    {
        QProcess curl;
        curl.start(QStringLiteral("curl"), {QStringLiteral("-s"), QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"),
                                             QStringLiteral("%{time_total} %{size_download}"), url + QStringLiteral("/job/bench/1/consoleText")});
        curl.waitForFinished(300000);
        const QStringList f = QString::fromLatin1(curl.readAllStandardOutput()).split(QLatin1Char(' '));
        const double s = f.value(0).toDouble();
        out(QStringLiteral("curl consoleText > /dev/null: %1 bytes in %2 s: %3 MB/s, %4 lines/s equivalent")
                .arg(f.value(1), QString::number(s, 'f', 2), QString::number(f.value(1).toDouble() / 1e6 / s, 'f', 1))
                .arg(qint64(double(console.lines) / s)));
    }
    // The parser alone, one thread, the same bytes.
    {
        models::ConsoleParser parser;
        const qint64 t0 = nowNs();
        qint64 lines = 0;
        for (int k = 0; k < mb; ++k)
            lines += parser.feed(QByteArray::fromStdString(block(k))).size();
        const double s = msBetween(t0, nowNs()) / 1000.0;
        out(QStringLiteral("parser alone (block generation included): %1 lines in %2 s: %3 lines/s").arg(lines).arg(s, 0, 'f', 2).arg(qint64(double(lines) / s)));
    }

    backends::http::HttpEngine engine;
    backends::jenkins::JenkinsClient client(&engine);
    backends::jenkins::JenkinsServer js;
    js.url = url;
    js.user = QStringLiteral("bench");
    js.apiToken = "bench";
    if (!client.setServer(js).ok())
        qFatal("setServer failed");

    auto sampleRss = [&](Run &r, qint64 offset) { r.rssAlong.emplace_back(double(offset) / double(console.size()), statusKb("self", "VmRSS:")); };
    StallProbe probe;

    // Pilothouse: the console view, visible, following the end, with RSS sampled every 50 ms.
    auto runView = [&](int build, const QString &title) {
        Run r;
        widgets::ConsoleView v(&client);
        v.resize(1200, 800);
        v.show();
        if (!QTest::qWaitForWindowExposed(&v))
            out(QStringLiteral("the view was not exposed"));
        QTest::qWait(200);
        r.rssStartKb = statusKb("self", "VmRSS:");
        long long rssMaxKb = r.rssStartKb;
        QTimer sampler;
        double nextMark = 0.1;
        QObject::connect(&sampler, &QTimer::timeout, [&] {
            rssMaxKb = std::max(rssMaxKb, statusKb("self", "VmRSS:"));
            const double f = double(v.follower()->offset()) / double(console.size());
            if (f >= nextMark) {
                sampleRss(r, v.follower()->offset());
                nextMark = std::floor(f * 10 + 1) / 10;
            }
        });
        bool done = false;
        QObject::connect(&v, &widgets::ConsoleView::finished, [&] { done = true; });
        const qint64 gui0 = threadCpuNs(), proc0 = processCpuNs(), t0 = nowNs();
        probe.start();
        sampler.start(50);
        v.follow({QStringLiteral("bench")}, build);
        while (!done && msBetween(t0, nowNs()) < 600000)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        // The last rows painted.
        QCoreApplication::processEvents();
        v.listView()->viewport()->repaint();
        r.seconds = msBetween(t0, nowNs()) / 1000.0;
        r.stalls = probe.stop();
        sampler.stop();
        r.guiCpuS = double(threadCpuNs() - gui0) / 1e9;
        r.processCpuS = double(processCpuNs() - proc0) / 1e9;
        r.complete = done;
        r.lines = v.model()->totalLines();
        r.rssEndKb = statusKb("self", "VmRSS:");
        report(title, r, v.follower()->offset());
        out(QStringLiteral("   model: %1 lines kept (bound %2 lines / %3 MB), %4 dropped; status \"%5\"; RSS max %6 (sampled every 50 ms), VmHWM %7")
                .arg(v.model()->keptLines())
                .arg(v.model()->maxLines())
                .arg(v.model()->maxBytes() >> 20)
                .arg(v.model()->droppedLines())
                .arg(v.statusText(), mib(rssMaxKb), mib(statusKb("self", "VmHWM:"))));
        if (v.model()->totalLines() != qint64(console.lines))
            out(QStringLiteral("   MISMATCH: %1 lines expected").arg(console.lines));
        return r;
    };
    out(QStringLiteral("VmHWM before the views: %1").arg(mib(statusKb("self", "VmHWM:"))));
    const Run view = runView(1, QStringLiteral("ConsoleView, a running build's console in 1 MiB answers (engine → client → follower's parser thread → ConsoleModel, visible, following)"));
    runView(2, QStringLiteral("ConsoleView, a finished build's console in one answer (as Jenkins answers start=0)"));

    // The obvious Qt approach: the same parsed batches into a visible QPlainTextEdit.
    {
        Run peer;
        QPlainTextEdit edit;
        edit.setReadOnly(true);
        edit.setMaximumBlockCount(models::ConsoleModel::kDefaultMaxLines);  // the same bound on lines
        edit.setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        edit.resize(1200, 800);
        edit.show();
        if (!QTest::qWaitForWindowExposed(&edit))
            out(QStringLiteral("the editor was not exposed"));
        models::ConsoleFollower follower(&client);
        qint64 lines = 0;
        QObject::connect(&follower, &models::ConsoleFollower::linesReceived, [&](const models::ConsoleLines &batch) {
            QStringList texts;
            texts.reserve(batch.size());
            for (const auto &l : batch)
                texts << l.text;
            edit.appendPlainText(texts.join(QLatin1Char('\n')));
            lines += batch.size();
        });
        bool done = false;
        QObject::connect(&follower, &models::ConsoleFollower::finished, [&] { done = true; });
        peer.rssStartKb = statusKb("self", "VmRSS:");
        QTimer sampler;
        QObject::connect(&sampler, &QTimer::timeout, [&] { sampleRss(peer, follower.offset()); });
        const qint64 gui0 = threadCpuNs(), proc0 = processCpuNs(), t0 = nowNs();
        probe.start();
        sampler.start(5000);
        follower.follow({QStringLiteral("bench")}, 1);
        while (!done && msBetween(t0, nowNs()) < peerSeconds * 1000.0)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        follower.stop();
        edit.viewport()->repaint();
        peer.seconds = msBetween(t0, nowNs()) / 1000.0;
        peer.stalls = probe.stop();
        peer.guiCpuS = double(threadCpuNs() - gui0) / 1e9;
        peer.processCpuS = double(processCpuNs() - proc0) / 1e9;
        peer.complete = done;
        peer.lines = lines;
        peer.rssEndKb = statusKb("self", "VmRSS:");
        report(QStringLiteral("QPlainTextEdit::appendPlainText per batch (same follower and parser, maximumBlockCount %1)").arg(models::ConsoleModel::kDefaultMaxLines),
               peer, follower.offset());
        if (view.seconds > 0 && peer.lines > 0)
            out(QStringLiteral("ratio: ConsoleView %1x the lines/s of QPlainTextEdit; longest stall %2 vs %3 ms")
                    .arg((double(view.lines) / view.seconds) / (double(peer.lines) / peer.seconds), 0, 'f', 1)
                    .arg(view.stalls.empty() ? 0 : view.stalls.back(), 0, 'f', 0)
                    .arg(peer.stalls.empty() ? 0 : peer.stalls.back(), 0, 'f', 0));
    }
    out(QStringLiteral("load average at the end: %1").arg(QString::fromStdString(readSmall("/proc/loadavg")).trimmed()));
    server.stop();
    serving.join();
    return 0;
}
