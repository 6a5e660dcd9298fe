// pilothouse --demo's launcher end to end: the demo manifests repository served by a real git
// daemon, the simulator's Argo CD syncing it (storefront's pending release waits as preview), the
// sign-in it hands to the window, and everything stopped when the demo ends.
#include "demolauncher.h"
#include "gitdaemon.h"
#include "simprocess.h"

#include <QDir>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTest>

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

}  // namespace

class TestDemoLauncher : public QObject {
    Q_OBJECT
private slots:
    void demoServesArgoCdFromGit();
};

void TestDemoLauncher::demoServesArgoCdFromGit()
{
    auto launcher = std::make_unique<DemoLauncher>();
    launcher->setSimulator(simBinary());
    QSignalSpy ready(launcher.get(), &DemoLauncher::ready);
    QSignalSpy argoReady(launcher.get(), &DemoLauncher::argoCdReady);
    QSignalSpy failed(launcher.get(), &DemoLauncher::failed);
    launcher->start();
    QVERIFY(eventually([&] { return argoReady.count() == 1 || failed.count() > 0; }, 60000));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(ready.count(), 1);
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

QTEST_GUILESS_MAIN(TestDemoLauncher)
#include "tst_demolauncher.moc"
