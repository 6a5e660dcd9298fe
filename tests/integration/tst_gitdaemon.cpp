// The test git server: clone and push over git:// against a real `git daemon`, and its shutdown.
#include "gitdaemon.h"

#include <QTemporaryDir>
#include <QTest>

using namespace pilothouse::testsupport;

class TestGitDaemon : public QObject {
    Q_OBJECT
private slots:
    void cloneAndPush();
    void stopsListening();
};

void TestGitDaemon::cloneAndPush()
{
    GitDaemon daemon;
    QString error;
    QVERIFY2(daemon.start(&error), qPrintable(error));
    QVERIFY(daemon.url(QStringLiteral("deploy.git")).startsWith(QStringLiteral("git://127.0.0.1:")));
    QVERIFY2(daemon.createRepository(QStringLiteral("deploy.git"), {{QStringLiteral("apps/a/app.yaml"), "image: a:1\n"}}, &error),
             qPrintable(error));

    QTemporaryDir work;
    const QString one = work.filePath(QStringLiteral("one"));
    QVERIFY2(commitAndPush(daemon.url(QStringLiteral("deploy.git")), one, {{QStringLiteral("apps/a/app.yaml"), "image: a:2\n"}},
                           QStringLiteral("Bump a to 2"), &error),
             qPrintable(error + daemon.output()));

    // The push reached the bare repository behind the daemon.
    const GitResult log = runGit(daemon.repoPath(QStringLiteral("deploy.git")), {QStringLiteral("log"), QStringLiteral("--format=%s"), QStringLiteral("main")});
    QVERIFY2(log.ok(), qPrintable(log.err));
    QCOMPARE(log.out, QStringLiteral("Bump a to 2\nInitial manifests\n"));
    const GitResult show = runGit(daemon.repoPath(QStringLiteral("deploy.git")), {QStringLiteral("show"), QStringLiteral("main:apps/a/app.yaml")});
    QCOMPARE(show.out, QStringLiteral("image: a:2\n"));

    // A second clone over git:// sees it.
    const GitResult clone = runGit({}, {QStringLiteral("clone"), QStringLiteral("-q"), daemon.url(QStringLiteral("deploy.git")), work.filePath(QStringLiteral("two"))});
    QVERIFY2(clone.ok(), qPrintable(clone.err));
    const GitResult head = runGit(work.filePath(QStringLiteral("two")), {QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%s")});
    QCOMPARE(head.out.trimmed(), QStringLiteral("Bump a to 2"));
}

void TestGitDaemon::stopsListening()
{
    QTemporaryDir work;
    QString url;
    {
        GitDaemon daemon;
        QString error;
        QVERIFY2(daemon.start(&error), qPrintable(error));
        QVERIFY2(daemon.createRepository(QStringLiteral("r.git"), {{QStringLiteral("f"), "x"}}, &error), qPrintable(error));
        url = daemon.url(QStringLiteral("r.git"));
        QVERIFY(runGit({}, {QStringLiteral("ls-remote"), url}).ok());
    }
    QVERIFY(!runGit({}, {QStringLiteral("ls-remote"), url}, 20000).ok());
}

QTEST_GUILESS_MAIN(TestGitDaemon)
#include "tst_gitdaemon.moc"
