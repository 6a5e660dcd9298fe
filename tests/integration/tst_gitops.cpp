// The GitOps backend against a real `git daemon`: clone/fetch, history with metadata, image bump
// committed and pushed, a push racing another client (fetch, re-apply, new diff, second push,
// never forced), revert, and the error messages for each way it can fail.
#include "gitdaemon.h"
#include "gitops/gitopsclient.h"
#include "gitops/gitopsrepository.h"

#include <httplib.h>

#include <QFile>
#include <QSignalSpy>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <optional>
#include <thread>

using namespace pilothouse::backends;
using namespace pilothouse::backends::gitops;
using namespace pilothouse::testsupport;

namespace {

const QByteArray kStorefront = R"(# Storefront: blue-green, promoted by hand.
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: storefront   # the shop's front end
  namespace: shop
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: storefront
          image: "registry.pilothouse.dev/shop/storefront:169"   # bumped by the pipeline
          ports:
            - containerPort: 8080
  strategy:
    blueGreen: {activeService: storefront, previewService: storefront-preview}
)";

const QByteArray kMenu = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: menu, namespace: cafe}\n"
                         "spec:\n  template:\n    spec:\n      containers:\n      - {name: menu, image: registry.pilothouse.dev/cafe/menu:42}\n";

const QString kStorefrontPath = QStringLiteral("apps/storefront/rollout.yaml");
const QString kMenuPath = QStringLiteral("apps/menu/rollout.yaml");

}  // namespace

class TestGitOps : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void cloneListsCommits();
    void bumpCommitPush();
    void nonFastForwardReappliesAndAsksAgain();
    void refMovedDuringPushReappliesAndAsksAgain();
    void raceThatNoLongerApplies();
    void revertPushed();
    void revertConflict();
    void errors();
    void unreachableRemote();
    void authenticationFailure();
    void credentialsStayOutOfTheCache();
    void cancelledPushIsAuditedAsUnknown();

private:
    GitOpsSettings settings(const QString &cacheName = QStringLiteral("cache")) const;
    QString remoteHead() const;
    QString remoteFile(const QString &path) const;

    std::optional<LibGit2Scope> m_libgit2;
    std::unique_ptr<GitDaemon> m_daemon;
    std::unique_ptr<QTemporaryDir> m_work;
};

void TestGitOps::initTestCase()
{
    m_libgit2.emplace();
    QVERIFY(m_libgit2->ok());
}

void TestGitOps::init()
{
    m_daemon = std::make_unique<GitDaemon>();
    m_work = std::make_unique<QTemporaryDir>();
    QString error;
    QVERIFY2(m_daemon->start(&error), qPrintable(error));
    QVERIFY2(m_daemon->createRepository(QStringLiteral("deploy.git"), {{kStorefrontPath, kStorefront}, {kMenuPath, kMenu}}, &error),
             qPrintable(error));
}

void TestGitOps::cleanup()
{
    m_daemon.reset();
    m_work.reset();
}

GitOpsSettings TestGitOps::settings(const QString &cacheName) const
{
    GitOpsSettings s;
    s.url = m_daemon->url(QStringLiteral("deploy.git"));
    s.branch = QStringLiteral("main");
    s.localPath = m_work->filePath(cacheName);
    s.authorName = QStringLiteral("Ops Person");
    s.authorEmail = QStringLiteral("ops@pilothouse.test");
    return s;
}

QString TestGitOps::remoteHead() const
{
    return runGit(m_daemon->repoPath(QStringLiteral("deploy.git")), {QStringLiteral("rev-parse"), QStringLiteral("main")}).out.trimmed();
}

QString TestGitOps::remoteFile(const QString &path) const
{
    return runGit(m_daemon->repoPath(QStringLiteral("deploy.git")), {QStringLiteral("show"), QStringLiteral("main:") + path}).out;
}

void TestGitOps::cloneListsCommits()
{
    QString error;
    QByteArray menu = kMenu;
    menu.replace("menu:42", "menu:43");
    QVERIFY2(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_work->filePath(QStringLiteral("other")), {{kMenuPath, menu}},
                           QStringLiteral("Bump menu to 43\n\nBuilt by the pipeline."), &error),
             qPrintable(error));

    GitOpsRepository repo(settings());
    const auto state = repo.sync();
    QVERIFY2(state.ok(), qPrintable(state.error().message));
    QCOMPARE(state.value().head, remoteHead());
    QCOMPARE(state.value().commits.size(), 2);
    const CommitInfo &latest = state.value().commits.at(0);
    QCOMPARE(latest.sha, remoteHead());
    QCOMPARE(latest.shortSha(), remoteHead().left(7));
    QCOMPARE(latest.summary, QStringLiteral("Bump menu to 43"));
    QCOMPARE(latest.message, QStringLiteral("Bump menu to 43\n\nBuilt by the pipeline.\n"));
    QCOMPARE(latest.authorName, QStringLiteral("Test Fixture"));
    QCOMPARE(latest.authorEmail, QStringLiteral("fixture@pilothouse.test"));
    QVERIFY(qAbs(latest.time.secsTo(QDateTime::currentDateTimeUtc())) < 300);
    QCOMPARE(latest.files, QStringList{kMenuPath});
    QCOMPARE(latest.parentCount, 1);
    const CommitInfo &first = state.value().commits.at(1);
    QCOMPARE(first.summary, QStringLiteral("Initial manifests"));
    QCOMPARE(first.files, (QStringList{kMenuPath, kStorefrontPath}));
    QCOMPARE(first.parentCount, 0);
    QCOMPARE(state.value().manifests, (QStringList{kMenuPath, kStorefrontPath}));

    // The cache is a bare clone at the configured path; the selected commit's patch.
    QVERIFY(QFile::exists(m_work->filePath(QStringLiteral("cache/HEAD"))));
    const auto diff = repo.commitDiff(latest.sha);
    QVERIFY2(diff.ok(), qPrintable(diff.error().message));
    QVERIFY2(diff.value().contains(QStringLiteral("--- a/apps/menu/rollout.yaml\n+++ b/apps/menu/rollout.yaml\n")), qPrintable(diff.value()));
    QVERIFY(diff.value().contains(QStringLiteral("-      - {name: menu, image: registry.pilothouse.dev/cafe/menu:42}\n")));
    QVERIFY(diff.value().contains(QStringLiteral("+      - {name: menu, image: registry.pilothouse.dev/cafe/menu:43}\n")));

    // A later sync fetches what others pushed since, into the same cache.
    QVERIFY2(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_work->filePath(QStringLiteral("other")), {{QStringLiteral("README.md"), "hi\n"}},
                           QStringLiteral("Add a readme"), &error),
             qPrintable(error));
    GitOpsRepository reopened(settings());
    const auto again = reopened.sync();
    QVERIFY2(again.ok(), qPrintable(again.error().message));
    QCOMPARE(again.value().commits.size(), 3);
    QCOMPARE(again.value().commits.at(0).summary, QStringLiteral("Add a readme"));
    QCOMPARE(again.value().head, remoteHead());
    QCOMPARE(again.value().manifests.size(), 2);  // README.md is not a manifest

    const auto images = reopened.images(kMenuPath);
    QVERIFY2(images.ok(), qPrintable(images.error().message));
    QCOMPARE(images.value().size(), 1);
    QCOMPARE(images.value().at(0).image, QStringLiteral("registry.pilothouse.dev/cafe/menu:43"));
}

void TestGitOps::bumpCommitPush()
{
    GitOpsRepository repo(settings());
    QVERIFY(repo.sync().ok());
    const QString before = remoteHead();
    const auto change = repo.prepareBump(kStorefrontPath, {QStringLiteral("storefront"), {}}, QStringLiteral("170"));
    QVERIFY2(change.ok(), qPrintable(change.error().message));
    QCOMPARE(change.value().base, before);
    QVERIFY(!change.value().rebased);
    QVERIFY2(change.value().diff.contains(QStringLiteral("--- a/apps/storefront/rollout.yaml\n+++ b/apps/storefront/rollout.yaml\n")),
             qPrintable(change.value().diff));
    QVERIFY(change.value().diff.contains(QStringLiteral("\n-          image: \"registry.pilothouse.dev/shop/storefront:169\"   # bumped by the pipeline\n")));
    QVERIFY(change.value().diff.contains(QStringLiteral("\n+          image: \"registry.pilothouse.dev/shop/storefront:170\"   # bumped by the pipeline\n")));
    QCOMPARE(change.value().summary,
             QStringLiteral("storefront in apps/storefront/rollout.yaml: registry.pilothouse.dev/shop/storefront:169 → registry.pilothouse.dev/shop/storefront:170"));
    // Nothing reaches the remote before push().
    QCOMPARE(remoteHead(), before);

    const auto pushed = repo.push(change.value());
    QVERIFY2(pushed.ok(), qPrintable(pushed.error().message));
    QVERIFY(pushed.value().pushed);
    QVERIFY(!pushed.value().retry);
    QCOMPARE(pushed.value().commit, remoteHead());

    // A second clone sees the commit: only the tag changed, the author is the one from the settings.
    const QString clone = m_work->filePath(QStringLiteral("second"));
    QVERIFY(runGit({}, {QStringLiteral("clone"), QStringLiteral("-q"), m_daemon->url(QStringLiteral("deploy.git")), clone}).ok());
    QFile f(clone + QLatin1Char('/') + kStorefrontPath);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QByteArray expected = kStorefront;
    expected.replace("storefront:169", "storefront:170");
    QCOMPARE(f.readAll(), expected);
    const GitResult log = runGit(clone, {QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%an <%ae>|%cn|%s|%P")});
    QCOMPARE(log.out.trimmed(), QStringLiteral("Ops Person <ops@pilothouse.test>|Ops Person|Bump storefront to 170|") + before);

    // The history shown afterwards has it on top.
    const auto state = repo.sync();
    QVERIFY(state.ok());
    QCOMPARE(state.value().commits.at(0).sha, pushed.value().commit);
    QCOMPARE(state.value().commits.at(0).files, QStringList{kStorefrontPath});

    // Bumping to the tag it already runs is refused with the reason.
    const auto same = repo.prepareBump(kStorefrontPath, {QStringLiteral("storefront"), {}}, QStringLiteral("170"));
    QVERIFY(!same.ok());
    QVERIFY2(same.error().message.contains(QStringLiteral("already runs tag 170")), qPrintable(same.error().message));
}

void TestGitOps::nonFastForwardReappliesAndAsksAgain()
{
    GitOpsRepository repo(settings());
    QVERIFY(repo.sync().ok());
    const auto change = repo.prepareBump(kStorefrontPath, {{}, QStringLiteral("registry.pilothouse.dev/shop/storefront")}, QStringLiteral("170"));
    QVERIFY2(change.ok(), qPrintable(change.error().message));
    QVERIFY(change.value().diff.contains(QStringLiteral(" - containerPort: 8080\n")));

    // Another client pushes a change to the same file (a line inside the diff's context) in between.
    QByteArray theirs = kStorefront;
    theirs.replace("containerPort: 8080", "containerPort: 8081");
    QString error;
    QVERIFY2(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_work->filePath(QStringLiteral("other")), {{kStorefrontPath, theirs}},
                           QStringLiteral("Move the storefront to port 8081"), &error),
             qPrintable(error));
    const QString otherCommit = remoteHead();

    const auto first = repo.push(change.value());
    QVERIFY2(first.ok(), qPrintable(first.error().message));
    QVERIFY(!first.value().pushed);
    QVERIFY(first.value().retry.has_value());
    QCOMPARE(remoteHead(), otherCommit);  // nothing was pushed over their commit
    const PendingChange &retry = *first.value().retry;
    QVERIFY(retry.rebased);
    QCOMPARE(retry.base, otherCommit);
    // The new diff is against their version of the file.
    QVERIFY2(retry.diff.contains(QStringLiteral(" - containerPort: 8081\n")), qPrintable(retry.diff));
    QVERIFY(!retry.diff.contains(QStringLiteral("8080")));
    QVERIFY(retry.diff.contains(QStringLiteral("+          image: \"registry.pilothouse.dev/shop/storefront:170\"")));

    // Confirmed again: pushed on top of theirs.
    const auto second = repo.push(retry);
    QVERIFY2(second.ok(), qPrintable(second.error().message));
    QVERIFY(second.value().pushed);
    QCOMPARE(remoteHead(), second.value().commit);
    const QString bare = m_daemon->repoPath(QStringLiteral("deploy.git"));
    QVERIFY(runGit(bare, {QStringLiteral("merge-base"), QStringLiteral("--is-ancestor"), otherCommit, QStringLiteral("main")}).ok());
    QCOMPARE(runGit(bare, {QStringLiteral("rev-parse"), QStringLiteral("main^")}).out.trimmed(), otherCommit);
    QByteArray expected = theirs;
    expected.replace("storefront:169", "storefront:170");
    QCOMPARE(remoteFile(kStorefrontPath).toUtf8(), expected);
}

void TestGitOps::refMovedDuringPushReappliesAndAsksAgain()
{
    // The remote advertised the old head, then the branch moved before receive-pack locked it (a
    // pre-receive hook moves it, once): the remote refuses with "failed to update ref" ("cannot
    // lock ref ... is at X but expected Y"). That is the race of a non-fast-forward, not a refusal.
    const QString bare = m_daemon->repoPath(QStringLiteral("deploy.git"));
    const QString base = remoteHead();
    QVERIFY(runGit(bare, {QStringLiteral("branch"), QStringLiteral("theirs"), QStringLiteral("main")}).ok());
    QString error;
    QVERIFY2(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_work->filePath(QStringLiteral("other")),
                           {{QStringLiteral("README.md"), "Deployment manifests\n"}}, QStringLiteral("Add a README"), &error,
                           QStringLiteral("theirs")),
             qPrintable(error));
    const QString theirs = runGit(bare, {QStringLiteral("rev-parse"), QStringLiteral("theirs")}).out.trimmed();
    QVERIFY(!theirs.isEmpty() && theirs != base);
    QFile hook(bare + QStringLiteral("/hooks/pre-receive"));
    QVERIFY(hook.open(QIODevice::WriteOnly));
    hook.write("#!/bin/sh\n"
               "cat >/dev/null\n"
               "unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES\n"
               "if [ ! -f moved-once ]; then touch moved-once; git update-ref refs/heads/main refs/heads/theirs; fi\n"
               "exit 0\n");
    hook.close();
    QVERIFY(hook.setPermissions(hook.permissions() | QFileDevice::ExeOwner | QFileDevice::ExeUser));

    GitOpsRepository repo(settings());
    QVERIFY(repo.sync().ok());
    const auto change = repo.prepareBump(kStorefrontPath, {{}, QStringLiteral("registry.pilothouse.dev/shop/storefront")}, QStringLiteral("170"));
    QVERIFY2(change.ok(), qPrintable(change.error().message));
    QCOMPARE(change.value().base, base);

    const auto first = repo.push(change.value());
    QVERIFY2(first.ok(), qPrintable(first.error().message));
    QVERIFY(QFileInfo::exists(bare + QStringLiteral("/moved-once")));
    QVERIFY(!first.value().pushed);
    QVERIFY(first.value().retry.has_value());
    QCOMPARE(remoteHead(), theirs);
    QVERIFY(first.value().retry->rebased);
    QCOMPARE(first.value().retry->base, theirs);

    const auto second = repo.push(*first.value().retry);
    QVERIFY2(second.ok(), qPrintable(second.error().message));
    QVERIFY(second.value().pushed);
    QCOMPARE(remoteHead(), second.value().commit);
    QCOMPARE(runGit(bare, {QStringLiteral("rev-parse"), QStringLiteral("main^")}).out.trimmed(), theirs);
}

void TestGitOps::raceThatNoLongerApplies()
{
    GitOpsRepository repo(settings());
    QVERIFY(repo.sync().ok());
    const auto change = repo.prepareBump(kStorefrontPath, {QStringLiteral("storefront"), {}}, QStringLiteral("170"));
    QVERIFY(change.ok());
    // Someone else made the same bump first.
    QByteArray theirs = kStorefront;
    theirs.replace("storefront:169", "storefront:170");
    QString error;
    QVERIFY2(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_work->filePath(QStringLiteral("other")), {{kStorefrontPath, theirs}},
                           QStringLiteral("Bump storefront to 170 (pipeline)"), &error),
             qPrintable(error));
    const QString otherCommit = remoteHead();
    const auto pushed = repo.push(change.value());
    QVERIFY(!pushed.ok());
    QCOMPARE(pushed.error().kind, ErrorKind::Conflict);
    QVERIFY2(pushed.error().message.contains(QStringLiteral("no longer applies")) && pushed.error().message.contains(QStringLiteral("already runs tag 170")),
             qPrintable(pushed.error().message));
    QCOMPARE(remoteHead(), otherCommit);
}

void TestGitOps::revertPushed()
{
    GitOpsRepository repo(settings());
    QVERIFY(repo.sync().ok());
    const auto bump = repo.prepareBump(kStorefrontPath, {QStringLiteral("storefront"), {}}, QStringLiteral("170"));
    QVERIFY(bump.ok());
    const auto bumped = repo.push(bump.value());
    QVERIFY(bumped.ok() && bumped.value().pushed);

    // An unrelated change lands after it; the revert still applies.
    QString error;
    QByteArray menu = kMenu;
    menu.replace("menu:42", "menu:44");
    QVERIFY2(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_work->filePath(QStringLiteral("other")), {{kMenuPath, menu}},
                           QStringLiteral("Bump menu to 44"), &error),
             qPrintable(error));
    QVERIFY(repo.sync().ok());

    const auto revert = repo.prepareRevert(bumped.value().commit);
    QVERIFY2(revert.ok(), qPrintable(revert.error().message));
    QCOMPARE(revert.value().kind, PendingChange::Kind::Revert);
    QVERIFY2(revert.value().diff.contains(QStringLiteral("-          image: \"registry.pilothouse.dev/shop/storefront:170\"")), qPrintable(revert.value().diff));
    QVERIFY(revert.value().diff.contains(QStringLiteral("+          image: \"registry.pilothouse.dev/shop/storefront:169\"")));
    QVERIFY(!revert.value().diff.contains(QStringLiteral("menu")));
    QVERIFY(revert.value().summary.startsWith(QStringLiteral("revert ") + bumped.value().commit.left(7)));

    const auto pushed = repo.push(revert.value());
    QVERIFY2(pushed.ok(), qPrintable(pushed.error().message));
    QVERIFY(pushed.value().pushed);
    QCOMPARE(remoteHead(), pushed.value().commit);
    QCOMPARE(remoteFile(kStorefrontPath).toUtf8(), kStorefront);
    QCOMPARE(remoteFile(kMenuPath).toUtf8(), menu);
    const GitResult log = runGit(m_daemon->repoPath(QStringLiteral("deploy.git")), {QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%B")});
    QCOMPARE(log.out.trimmed(), QStringLiteral("Revert \"Bump storefront to 170\"\n\nThis reverts commit %1.").arg(bumped.value().commit));

    // Reverting it again changes nothing; the first commit has nothing to revert to.
    QVERIFY(repo.sync().ok());
    const auto twice = repo.prepareRevert(bumped.value().commit);
    QVERIFY(!twice.ok());
    QVERIFY2(twice.error().message.contains(QStringLiteral("changes nothing")), qPrintable(twice.error().message));
}

void TestGitOps::revertConflict()
{
    GitOpsRepository repo(settings());
    QVERIFY(repo.sync().ok());
    const auto bump = repo.prepareBump(kStorefrontPath, {QStringLiteral("storefront"), {}}, QStringLiteral("170"));
    const auto bumped = repo.push(bump.value());
    QVERIFY(bumped.ok() && bumped.value().pushed);
    QVERIFY(repo.sync().ok());
    const auto later = repo.prepareBump(kStorefrontPath, {QStringLiteral("storefront"), {}}, QStringLiteral("171"));
    QVERIFY(repo.push(later.value()).ok());
    QVERIFY(repo.sync().ok());
    // The same line changed again since: reverting the first bump conflicts and is refused.
    const auto revert = repo.prepareRevert(bumped.value().commit);
    QVERIFY(!revert.ok());
    QCOMPARE(revert.error().kind, ErrorKind::Conflict);
    QVERIFY2(revert.error().message.contains(kStorefrontPath), qPrintable(revert.error().message));
}

void TestGitOps::errors()
{
    GitOpsRepository repo(settings());
    QVERIFY(repo.sync().ok());

    auto missing = repo.prepareBump(QStringLiteral("apps/checkout/rollout.yaml"), {QStringLiteral("checkout"), {}}, QStringLiteral("2"));
    QCOMPARE(missing.error().kind, ErrorKind::NotFound);
    QVERIFY2(missing.error().message.contains(QStringLiteral("apps/checkout/rollout.yaml does not exist")), qPrintable(missing.error().message));

    auto noImage = repo.prepareBump(kMenuPath, {QStringLiteral("kiosk"), {}}, QStringLiteral("2"));
    QCOMPARE(noImage.error().kind, ErrorKind::NotFound);
    QVERIFY2(noImage.error().message.contains(QStringLiteral("no container 'kiosk' in apps/menu/rollout.yaml")), qPrintable(noImage.error().message));

    QString error;
    QVERIFY(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_work->filePath(QStringLiteral("other")),
                          {{QStringLiteral("apps/broken.yaml"), "kind: Rollout\nspec: {containers: [\n"}}, QStringLiteral("Broken"), &error));
    QVERIFY(repo.sync().ok());
    auto broken = repo.prepareBump(QStringLiteral("apps/broken.yaml"), {QStringLiteral("x"), {}}, QStringLiteral("2"));
    QCOMPARE(broken.error().kind, ErrorKind::Malformed);
    QVERIFY2(broken.error().message.startsWith(QStringLiteral("apps/broken.yaml is not valid YAML: line")), qPrintable(broken.error().message));
    auto brokenImages = repo.images(QStringLiteral("apps/broken.yaml"));
    QVERIFY(brokenImages.error().message.startsWith(QStringLiteral("apps/broken.yaml is not valid YAML")));

    // No author configured: nothing is committed or pushed.
    GitOpsSettings anonymous = settings();
    anonymous.authorName.clear();
    GitOpsRepository anon(anonymous);
    QVERIFY(anon.sync().ok());
    const QString head = remoteHead();
    auto change = anon.prepareBump(kMenuPath, {QStringLiteral("menu"), {}}, QStringLiteral("50"));
    QVERIFY(change.ok());
    auto pushed = anon.push(change.value());
    QCOMPARE(pushed.error().kind, ErrorKind::Config);
    QVERIFY(pushed.error().message.contains(QStringLiteral("author")));
    QCOMPARE(remoteHead(), head);

    // A branch that does not exist.
    GitOpsSettings wrongBranch = settings(QStringLiteral("cache2"));
    wrongBranch.branch = QStringLiteral("production");
    auto noBranch = GitOpsRepository(wrongBranch).sync();
    QCOMPARE(noBranch.error().kind, ErrorKind::NotFound);
    QVERIFY2(noBranch.error().message.contains(QStringLiteral("the branch 'production' does not exist")), qPrintable(noBranch.error().message));

    // A local path that holds something else.
    GitOpsSettings occupied = settings(QStringLiteral("occupied"));
    QDir().mkpath(occupied.localPath);
    QFile junk(occupied.localPath + QStringLiteral("/notes.txt"));
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("mine");
    junk.close();
    auto notRepo = GitOpsRepository(occupied).sync();
    QCOMPARE(notRepo.error().kind, ErrorKind::Config);
    QVERIFY2(notRepo.error().message.contains(QStringLiteral("is not a git repository")), qPrintable(notRepo.error().message));

    // A repository that does not exist on the server.
    GitOpsSettings noRepo = settings(QStringLiteral("cache3"));
    noRepo.url = m_daemon->url(QStringLiteral("nothing.git"));
    auto absent = GitOpsRepository(noRepo).sync();
    QCOMPARE(absent.error().kind, ErrorKind::NotFound);
    QVERIFY2(absent.error().message.contains(m_daemon->url(QStringLiteral("nothing.git"))) && absent.error().message.contains(QStringLiteral("no such repository")),
             qPrintable(absent.error().message));
}

void TestGitOps::unreachableRemote()
{
    GitOpsSettings s = settings();
    const QString url = s.url;
    m_daemon->stop();
    GitOpsRepository repo(s);
    const auto state = repo.sync();
    QVERIFY(!state.ok());
    QCOMPARE(state.error().kind, ErrorKind::Network);
    QVERIFY2(state.error().message.contains(QStringLiteral("cannot reach the remote")) && state.error().message.contains(url),
             qPrintable(state.error().message));
}

void TestGitOps::authenticationFailure()
{
    // A smart-HTTP server that wants credentials and refuses every one.
    httplib::Server server;
    std::atomic<int> withCredentials{0};
    server.Get(R"(.*)", [&](const httplib::Request &req, httplib::Response &res) {
        if (req.has_header("Authorization"))
            ++withCredentials;
        res.status = 401;
        res.set_header("WWW-Authenticate", "Basic realm=\"deploy\"");
        res.set_content("denied", "text/plain");
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    std::thread thread([&] { server.listen_after_bind(); });
    while (!server.is_running())
        QThread::msleep(10);

    GitOpsSettings s = settings(QStringLiteral("https-cache"));
    s.url = QStringLiteral("http://127.0.0.1:%1/deploy.git").arg(port);
    // Without credentials.
    auto none = GitOpsRepository(s).sync();
    QCOMPARE(none.error().kind, ErrorKind::Unauthorized);
    QVERIFY2(none.error().message.contains(QStringLiteral("authentication failed")), qPrintable(none.error().message));
    QCOMPARE(withCredentials.load(), 0);

    // With credentials that are refused: tried once, and the password is in no message.
    s.localPath = m_work->filePath(QStringLiteral("https-cache2"));
    GitOpsRepository withPassword(s, [](const QString &) { return std::optional<GitCredentials>({QStringLiteral("ops"), QStringLiteral("s3cret-token")}); });
    auto refused = withPassword.sync();
    QCOMPARE(refused.error().kind, ErrorKind::Unauthorized);
    QVERIFY(!refused.error().message.contains(QStringLiteral("s3cret-token")));
    QCOMPARE(withCredentials.load(), 1);

    // Credentials written into the URL never show in a message.
    s.localPath = m_work->filePath(QStringLiteral("https-cache3"));
    s.url = QStringLiteral("http://ops:s3cret-token@127.0.0.1:%1/deploy.git").arg(port);
    auto inUrl = GitOpsRepository(s).sync();
    QVERIFY(!inUrl.ok());
    QVERIFY2(!inUrl.error().message.contains(QStringLiteral("s3cret-token")), qPrintable(inUrl.error().message));
    QVERIFY(!redactUrl(s.url).contains(QStringLiteral("s3cret")));
    // ... they were sent (the remote used in memory has them) but are not in the cache's config.
    QCOMPARE(withCredentials.load(), 2);
    QFile config(s.localPath + QStringLiteral("/config"));
    QVERIFY(config.open(QIODevice::ReadOnly));
    const QByteArray configText = config.readAll();
    QVERIFY2(!configText.contains("s3cret-token") && configText.contains("http://127.0.0.1:"), configText.constData());

    server.stop();
    thread.join();
}

void TestGitOps::credentialsStayOutOfTheCache()
{
    // git:// ignores the user part, so the whole round trip works with one in the URL; the
    // cache's config must never hold it, also when an older cache had it saved.
    GitOpsSettings s = settings();
    s.url = QStringLiteral("git://ops:s3cret-token@127.0.0.1:%1/deploy.git").arg(m_daemon->port());
    const auto configText = [&] {
        QFile config(s.localPath + QStringLiteral("/config"));
        return config.open(QIODevice::ReadOnly) ? config.readAll() : QByteArray("unreadable");
    };
    {
        GitOpsRepository repo(s);
        const auto state = repo.sync();
        QVERIFY2(state.ok(), qPrintable(state.error().message));
        QCOMPARE(state.value().head, remoteHead());
        QVERIFY2(!configText().contains("s3cret-token"), configText().constData());
        QVERIFY2(configText().contains(QStringLiteral("git://127.0.0.1:%1/deploy.git").arg(m_daemon->port()).toUtf8()), configText().constData());

        const auto change = repo.prepareBump(kMenuPath, ImageSelector{QStringLiteral("menu"), {}}, QStringLiteral("43"));
        QVERIFY2(change.ok(), qPrintable(change.error().message));
        const auto pushed = repo.push(change.value());
        QVERIFY2(pushed.ok(), qPrintable(pushed.error().message));
        QVERIFY(pushed.value().pushed);
        QCOMPARE(remoteHead(), pushed.value().commit);
        QVERIFY2(!configText().contains("s3cret-token"), configText().constData());
    }
    // A cache whose config has the credentials (saved by an older version) loses them on open.
    QVERIFY(runGit(s.localPath, {QStringLiteral("remote"), QStringLiteral("set-url"), QStringLiteral("origin"), s.url}).ok());
    QVERIFY(configText().contains("s3cret-token"));
    GitOpsRepository again(s);
    const auto state = again.sync();
    QVERIFY2(state.ok(), qPrintable(state.error().message));
    QCOMPARE(state.value().head, remoteHead());
    QVERIFY2(!configText().contains("s3cret-token"), configText().constData());
}

void TestGitOps::cancelledPushIsAuditedAsUnknown()
{
    // The remote is still working on the push (its hook talks, slowly) when the client is pointed
    // elsewhere, which cancels it: whether the remote took it is unknown, and the audit says so.
    const QString bare = m_daemon->repoPath(QStringLiteral("deploy.git"));
    QFile hook(bare + QStringLiteral("/hooks/pre-receive"));
    QVERIFY(hook.open(QIODevice::WriteOnly));
    hook.write("#!/bin/sh\ncat >/dev/null\nfor i in $(seq 100); do echo checking; sleep 0.1; done\nexit 0\n");
    hook.close();
    QVERIFY(hook.setPermissions(hook.permissions() | QFileDevice::ExeOwner | QFileDevice::ExeUser));

    actions::AuditLog audit(m_work->filePath(QStringLiteral("audit.jsonl")));
    GitOpsClient client(settings());
    client.setAuditLog(&audit);
    QSignalSpy synced(&client, &GitOpsClient::synced);
    client.sync();
    QVERIFY(synced.wait(30000));
    std::optional<Result<PendingChange>> change;
    connect(&client, &GitOpsClient::changePrepared, this, [&](const Result<PendingChange> &c) { change = c; });
    client.prepareBump(kMenuPath, ImageSelector{QStringLiteral("menu"), {}}, QStringLiteral("43"));
    QTRY_VERIFY_WITH_TIMEOUT(change.has_value(), 30000);
    QVERIFY2(change->ok(), qPrintable(change->error().message));

    std::optional<Result<PushOutcome>> outcome;
    connect(&client, &GitOpsClient::pushFinished, this, [&](const Result<PushOutcome> &o) { outcome = o; });
    client.push(change->value());
    QTest::qWait(1500);  // the pack is sent; the hook runs
    client.setSettings(settings(QStringLiteral("elsewhere")));
    QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 30000);
    QVERIFY(!outcome->ok());
    QCOMPARE(outcome->error().kind, ErrorKind::Cancelled);
    QFile log(audit.path());
    QVERIFY(log.open(QIODevice::ReadOnly));
    const QByteArray lines = log.readAll().trimmed();
    QCOMPARE(lines.count('\n'), 0);
    QVERIFY2(lines.contains("\"result\":\"unknown\""), lines.constData());
}

QTEST_GUILESS_MAIN(TestGitOps)
#include "tst_gitops.moc"
