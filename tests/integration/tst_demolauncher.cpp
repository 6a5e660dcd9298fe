// pilothouse --demo's launcher end to end: the demo manifests repository served by a real git
// daemon, the simulator's Argo CD syncing it (storefront's pending release waits as preview), the
// sign-in it hands to the window, and everything stopped when the demo ends — also when the
// console is ended by SIGTERM or SIGINT, and, through the kernel, when it is killed outright.
#include "demolauncher.h"
#include "gitdaemon.h"
#include "simprocess.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/types.h>

using namespace pilothouse::testsupport;
using pilothouse::app::DemoArgoCd;
using pilothouse::app::DemoLauncher;

namespace {

int portOf(const QString &url) { return url.section(QLatin1Char(':'), -1).section(QLatin1Char('/'), 0, 0).toInt(); }

std::string at(const Json &j, const std::string &pointer)
{
    Json::json_pointer p(pointer);
    return j.contains(p) && j[p].is_string() ? j[p].get<std::string>() : std::string();
}

// The children of `parent` whose process name starts with `name`, from /proc.
QList<qint64> childrenNamed(qint64 parent, const QString &name)
{
    QList<qint64> out;
    for (const QFileInfo &proc : QDir(QStringLiteral("/proc")).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool isPid = false;
        const qint64 pid = proc.fileName().toLongLong(&isPid);
        if (!isPid)
            continue;
        QFile stat(proc.filePath() + QStringLiteral("/stat"));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
        const QString text = QString::fromUtf8(stat.readAll());
        const int open = text.indexOf(QLatin1Char('('));
        const int close = text.lastIndexOf(QLatin1Char(')'));
        if (open < 0 || close < open)
            continue;
        const QStringList rest = text.mid(close + 2).split(QLatin1Char(' '));
        if (rest.size() > 1 && rest.at(1).toLongLong() == parent && text.mid(open + 1, close - open - 1).startsWith(name))
            out << pid;
    }
    return out;
}

// Gone, or a zombie nobody has reaped yet (it runs nothing any more).
bool isGone(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray text = stat.readAll();
    const int close = text.lastIndexOf(')');
    return close > 0 && text.mid(close + 2, 1) == "Z";
}

// `pilothouse --demo` offscreen, with a home of its own (its settings and audit log go there).
struct Console {
    QTemporaryDir home;
    QProcess process;
    QByteArray output;
    qint64 sim = 0;
    qint64 daemon = 0;

    bool start(QString *error)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("HOME"), home.path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), home.filePath(QStringLiteral("cache")));
        env.remove(QStringLiteral("KUBECONFIG"));
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::MergedChannels);
        QObject::connect(&process, &QProcess::readyRead, [this] { output += process.readAll(); });
        process.start(QStringLiteral(PILOTHOUSE_BINARY), {QStringLiteral("--demo")});
        if (!process.waitForStarted(10000)) {
            *error = process.errorString();
            return false;
        }
        // The console says when the demo's cluster answers; by then the simulator and the git
        // daemon both run as its children.
        if (!eventually([&] { return output.contains("demo cluster ready") || process.state() == QProcess::NotRunning; }, 90000)
            || process.state() == QProcess::NotRunning) {
            *error = QStringLiteral("no demo: ") + QString::fromUtf8(output.right(2000));
            return false;
        }
        const QList<qint64> sims = childrenNamed(process.processId(), QStringLiteral("pilothouse-sim"));
        const QList<qint64> daemons = childrenNamed(process.processId(), QStringLiteral("git"));
        if (sims.size() != 1 || daemons.size() != 1) {
            *error = QStringLiteral("expected one simulator and one git daemon, found %1 and %2").arg(sims.size()).arg(daemons.size());
            return false;
        }
        sim = sims.first();
        daemon = daemons.first();
        return true;
    }

    ~Console()
    {
        // Whatever a failed check left behind.
        for (qint64 pid : {sim, daemon})
            if (pid > 0 && !isGone(pid))
                ::kill(pid_t(pid), SIGKILL);
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished(5000);
        }
    }
};

}  // namespace

class TestDemoLauncher : public QObject {
    Q_OBJECT
private slots:
    void demoServesArgoCdFromGit();
    void terminationSignalStopsTheDemo_data();
    void terminationSignalStopsTheDemo();
    void killedConsoleTakesItsDemoAlong();
};

void TestDemoLauncher::demoServesArgoCdFromGit()
{
    auto launcher = std::make_unique<DemoLauncher>();
    launcher->setSimulator(simBinary());
    QSignalSpy ready(launcher.get(), &DemoLauncher::ready);
    QSignalSpy argoReady(launcher.get(), &DemoLauncher::argoCdReady);
    QSignalSpy jenkinsReady(launcher.get(), &DemoLauncher::jenkinsReady);
    QSignalSpy prometheusReady(launcher.get(), &DemoLauncher::prometheusReady);
    QSignalSpy failed(launcher.get(), &DemoLauncher::failed);
    launcher->start();
    QVERIFY(eventually([&] { return argoReady.count() == 1 || failed.count() > 0; }, 60000));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(ready.count(), 1);

    // The demo's Jenkins, announced before the window connects: its token is taken over TLS
    // verified with the CA it came with.
    QCOMPARE(jenkinsReady.count(), 1);
    const pilothouse::app::DemoJenkins jenkins = launcher->jenkins();
    QVERIFY2(jenkins.url.startsWith(QStringLiteral("https://127.0.0.1:")), qPrintable(jenkins.url));
    QCOMPARE(jenkins.user, QStringLiteral("admin"));
    QVERIFY(!jenkins.apiToken.isEmpty() && jenkins.caPem.contains("BEGIN CERTIFICATE"));
    {
        QTemporaryFile ca;
        QVERIFY(ca.open());
        ca.write(jenkins.caPem);
        ca.flush();
        httplib::SSLClient ci("127.0.0.1", portOf(jenkins.url));
        ci.set_ca_cert_path(ca.fileName().toStdString().c_str());
        ci.enable_server_certificate_verification(true);
        ci.set_connection_timeout(5);
        ci.set_basic_auth(jenkins.user.toStdString(), jenkins.apiToken.toStdString());
        auto me = ci.Get("/me/api/json");
        QVERIFY(me && me->status == 200);
        QCOMPARE(Json::parse(me->body).value("id", ""), std::string("admin"));
    }

    // The demo's Prometheus scrapes the simulator (with the viewer's token, TLS verified): its
    // target comes up and the mesh's requests are there.
    if (QStandardPaths::findExecutable(QStringLiteral("prometheus")).isEmpty()) {
        QCOMPARE(prometheusReady.count(), 0);
    } else {
        QCOMPARE(prometheusReady.count(), 1);
        httplib::Client prom("127.0.0.1", portOf(launcher->prometheusUrl()));
        prom.set_connection_timeout(2);
        QVERIFY2(eventually([&] {
            auto r = prom.Get("/api/v1/query?query=sum(up%7Bjob%3D%22pilothouse-sim%22%7D)");
            if (!r || r->status != 200)
                return false;
            const Json j = Json::parse(r->body, nullptr, false);
            return j.is_object() && !j["data"]["result"].empty() && j["data"]["result"][0]["value"][1] == "1";
        }, 30000), qPrintable(launcher->prometheusUrl()));
        QVERIFY(eventually([&] {
            auto r = prom.Get("/api/v1/query?query=count(istio_requests_total)");
            return r && r->status == 200 && Json::parse(r->body, nullptr, false)["data"]["result"].size() == 1;
        }, 30000));
    }
    QVERIFY(QFileInfo::exists(ready.at(0).at(0).toString()));

    const DemoArgoCd argo = launcher->argoCd();
    QVERIFY2(argo.url.startsWith(QStringLiteral("https://127.0.0.1:")), qPrintable(argo.url));
    QVERIFY(QFileInfo::exists(argo.caFile));
    QCOMPARE(argo.username, QStringLiteral("admin"));
    QVERIFY(argo.password.size() >= 16);
    // The password reaches the simulator through its environment: no command line shows it.
    for (const QFileInfo &proc : QDir(QStringLiteral("/proc")).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile cmdline(proc.filePath() + QStringLiteral("/cmdline"));
        if (cmdline.open(QIODevice::ReadOnly))
            QVERIFY2(!cmdline.readAll().contains(argo.password.toUtf8()), qPrintable(proc.fileName()));
    }
    QVERIFY2(argo.gitRepoUrl.startsWith(QStringLiteral("git://127.0.0.1:")), qPrintable(argo.gitRepoUrl));
    GitResult remote = runGit({}, {QStringLiteral("ls-remote"), argo.gitRepoUrl});
    QVERIFY2(remote.ok() && remote.out.contains(QStringLiteral("refs/heads/main")), qPrintable(remote.err));

    // The window's sign-in works against the CA it was given.
    httplib::SSLClient client("127.0.0.1", portOf(argo.url));
    client.set_ca_cert_path(argo.caFile.toStdString().c_str());
    client.enable_server_certificate_verification(true);
    client.set_connection_timeout(5);
    auto login = client.Post("/api/v1/session", Json({{"username", argo.username.toStdString()}, {"password", argo.password.toStdString()}}).dump(),
                             "application/json");
    QVERIFY(login && login->status == 200);
    const std::string token = Json::parse(login->body).value("token", "");
    httplib::Headers auth{{"Authorization", "Bearer " + token}};
    auto app = [&](const std::string &name) {
        auto r = client.Get(("/api/v1/applications/" + name).c_str(), auth);
        return r && r->status == 200 ? Json::parse(r->body) : Json();
    };
    // storefront's pending release (170) is synced and waits as the preview: Suspended.
    QVERIFY(eventually([&] {
        Json s = app("storefront");
        return at(s, "/status/sync/status") == "Synced" && at(s, "/status/health/status") == "Suspended";
    }, 60000));
    // Both revisions run: 169 active, 170 as the preview.
    QVERIFY(eventually([&] {
        return app("storefront")["status"]["summary"]["images"] ==
               Json::array({"registry.pilothouse.dev/shop/storefront:169", "registry.pilothouse.dev/shop/storefront:170"});
    }, 30000));
    QVERIFY(eventually([&] { return at(app("menu"), "/status/sync/status") == "Synced"; }, 30000));
    // The history holds the releases deployed before (seeded from git) and the pending one synced now.
    GitResult log = runGit({}, {QStringLiteral("ls-remote"), argo.gitRepoUrl, QStringLiteral("refs/heads/main")});
    const std::string head = log.out.section(QLatin1Char('\t'), 0, 0).toStdString();
    Json history = app("storefront")["status"]["history"];
    QCOMPARE(history.size(), size_t(3));  // the first manifests (168), release 169, release 170
    QCOMPARE(history[2].value("revision", ""), head);
    QCOMPARE(history[2].value("id", -1), 2);
    QVERIFY(history[0].value("deployedAt", "") < history[1].value("deployedAt", ""));

    const int argoPort = portOf(argo.url);
    const int gitPort = portOf(argo.gitRepoUrl);
    launcher.reset();
    httplib::SSLClient after("127.0.0.1", argoPort);
    after.enable_server_certificate_verification(false);
    after.set_connection_timeout(2);
    QVERIFY(!after.Get("/api/version"));
    GitResult gone = runGit({}, {QStringLiteral("ls-remote"), QStringLiteral("git://127.0.0.1:%1/deploy.git").arg(gitPort)}, 10000);
    QVERIFY(!gone.ok());
}

void TestDemoLauncher::terminationSignalStopsTheDemo_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void TestDemoLauncher::terminationSignalStopsTheDemo()
{
    QFETCH(int, signalNumber);
    Console console;
    QString error;
    QVERIFY2(console.start(&error), qPrintable(error));
    QVERIFY(!isGone(console.sim) && !isGone(console.daemon));

    QElapsedTimer clock;
    clock.start();
    QCOMPARE(::kill(pid_t(console.process.processId()), signalNumber), 0);
    QVERIFY2(console.process.waitForFinished(10000), "the console did not exit within 10 s");
    QVERIFY2(clock.elapsed() < 8000, qPrintable(QString::number(clock.elapsed())));
    // A clean exit, not death by the signal.
    QCOMPARE(console.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(console.process.exitCode(), 0);
    // The console stopped (and reaped) its demo before it went.
    QVERIFY2(isGone(console.sim), "pilothouse-sim outlived the console");
    QVERIFY2(isGone(console.daemon), "git daemon outlived the console");
}

void TestDemoLauncher::killedConsoleTakesItsDemoAlong()
{
    Console console;
    QString error;
    QVERIFY2(console.start(&error), qPrintable(error));
    // SIGKILL: no handler and no destructor runs; the kernel's parent-death signal is all there is.
    QCOMPARE(::kill(pid_t(console.process.processId()), SIGKILL), 0);
    QVERIFY(console.process.waitForFinished(10000));
    QVERIFY2(eventually([&] { return isGone(console.sim); }, 10000), "pilothouse-sim was orphaned");
    QVERIFY2(eventually([&] { return isGone(console.daemon); }, 10000), "git daemon was orphaned");
}

QTEST_GUILESS_MAIN(TestDemoLauncher)
#include "tst_demolauncher.moc"
