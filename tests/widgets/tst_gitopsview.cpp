// The GitOps view against a real `git daemon`: history with the selected commit's diff, "Bump
// image…" confirmed with its diff, committed and pushed, asked again when another client pushed in
// between (never forced), "Revert commit…", a declined confirmation, errors in the message line,
// the image bump dialog, and an audit line for every push.
#include "gitdaemon.h"
#include "delivery/gitopscommitmodel.h"
#include "delivery/gitopsview.h"
#include "delivery/imagebumpdialog.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <optional>

using namespace pilothouse;
using namespace pilothouse::backends::gitops;
using namespace pilothouse::testsupport;
using pilothouse::widgets::BumpRequest;
using pilothouse::widgets::GitOpsView;

namespace {

const QByteArray kStorefront = "# Storefront\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: storefront\n  namespace: shop\n"
                               "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: storefront\n"
                               "        image: registry.pilothouse.dev/shop/storefront:169  # pipeline\n        ports:\n        - containerPort: 8080\n";
const QByteArray kMenu = "kind: Rollout\nmetadata: {name: menu}\nspec:\n  template:\n    spec:\n      containers:\n"
                         "      - {name: menu, image: registry.pilothouse.dev/cafe/menu:42}\n";
const QString kStorefrontPath = QStringLiteral("apps/storefront/rollout.yaml");
const QString kMenuPath = QStringLiteral("apps/menu/rollout.yaml");

struct Confirmation {
    QString summary;
    QString diff;
};

}  // namespace

class TestGitOpsView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void historyWithDiff();
    void bumpConfirmedAndPushed();
    void declinedPushesNothing();
    void branchMovedAsksAgain();
    void revertPushed();
    void errorsInMessageLine();
    void bumpDialog();
    void readOnlyContextPushesNothing();

private:
    std::unique_ptr<GitOpsView> makeView(bool waitForFetch = true);
    QString remoteHead() const;
    QString remoteFile(const QString &path) const;
    QList<QJsonObject> auditLines() const;
    bool runAction(GitOpsView *view, QPushButton *button, bool *ok = nullptr);

    std::optional<LibGit2Scope> m_libgit2;
    std::unique_ptr<GitDaemon> m_daemon;
    std::unique_ptr<QTemporaryDir> m_work;
    std::unique_ptr<backends::actions::AuditLog> m_audit;
};

void TestGitOpsView::initTestCase()
{
    m_libgit2.emplace();
    QVERIFY(m_libgit2->ok());
}

void TestGitOpsView::init()
{
    m_daemon = std::make_unique<GitDaemon>();
    m_work = std::make_unique<QTemporaryDir>();
    m_audit = std::make_unique<backends::actions::AuditLog>(m_work->filePath(QStringLiteral("audit.jsonl")));
    QString error;
    QVERIFY2(m_daemon->start(&error), qPrintable(error));
    QVERIFY2(m_daemon->createRepository(QStringLiteral("deploy.git"), {{kStorefrontPath, kStorefront}, {kMenuPath, kMenu}}, &error), qPrintable(error));
    QByteArray menu = kMenu;
    menu.replace("menu:42", "menu:43");
    QVERIFY2(commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_work->filePath(QStringLiteral("other")), {{kMenuPath, menu}},
                           QStringLiteral("Bump menu to 43"), &error),
             qPrintable(error));
}

void TestGitOpsView::cleanup()
{
    m_daemon.reset();
    m_audit.reset();
    m_work.reset();
}

std::unique_ptr<GitOpsView> TestGitOpsView::makeView(bool waitForFetch)
{
    GitOpsSettings s;
    s.url = m_daemon->url(QStringLiteral("deploy.git"));
    s.branch = QStringLiteral("main");
    s.localPath = m_work->filePath(QStringLiteral("cache"));
    s.authorName = QStringLiteral("Ops Person");
    s.authorEmail = QStringLiteral("ops@pilothouse.test");
    auto view = std::make_unique<GitOpsView>(s, m_audit.get());
    new QAbstractItemModelTester(view->commitModel(), QAbstractItemModelTester::FailureReportingMode::QtTest, view->commitModel());
    view->resize(1000, 600);
    view->show();
    if (waitForFetch) {
        QSignalSpy refreshed(view.get(), &GitOpsView::refreshed);
        if (!refreshed.wait(30000) || !refreshed.first().first().toBool())
            qWarning() << "fetch failed:" << view->statusText();
    }
    return view;
}

QString TestGitOpsView::remoteHead() const
{
    return runGit(m_daemon->repoPath(QStringLiteral("deploy.git")), {QStringLiteral("rev-parse"), QStringLiteral("main")}).out.trimmed();
}

QString TestGitOpsView::remoteFile(const QString &path) const
{
    return runGit(m_daemon->repoPath(QStringLiteral("deploy.git")), {QStringLiteral("show"), QStringLiteral("main:") + path}).out;
}

QList<QJsonObject> TestGitOpsView::auditLines() const
{
    QList<QJsonObject> lines;
    QFile f(m_audit->path());
    if (!f.open(QIODevice::ReadOnly))
        return lines;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (!line.trimmed().isEmpty())
            lines << QJsonDocument::fromJson(line).object();
    return lines;
}

// Clicks the button and waits for the action to finish; false on timeout.
bool TestGitOpsView::runAction(GitOpsView *view, QPushButton *button, bool *ok)
{
    QSignalSpy finished(view, &GitOpsView::actionFinished);
    if (!button->isEnabled()) {
        qWarning() << "disabled:" << button->toolTip();
        return false;
    }
    button->click();
    if (finished.isEmpty() && !finished.wait(30000))
        return false;
    if (ok)
        *ok = finished.first().at(1).toBool();
    return true;
}

void TestGitOpsView::historyWithDiff()
{
    auto view = makeView();
    using C = models::GitOpsCommitModel;
    const QAbstractItemModel *commits = view->commitsView()->model();
    auto text = [commits](int row, int column) { return commits->index(row, column).data().toString(); };
    QCOMPARE(commits->rowCount(), 2);
    QCOMPARE(text(0, C::ShaColumn), remoteHead().left(7));
    QCOMPARE(text(0, C::AuthorColumn), QStringLiteral("Test Fixture"));
    QVERIFY2(text(0, C::AgeColumn).endsWith(QLatin1Char('s')) || text(0, C::AgeColumn).endsWith(QLatin1Char('m')), qPrintable(text(0, C::AgeColumn)));
    QCOMPARE(text(0, C::MessageColumn), QStringLiteral("Bump menu to 43"));
    QCOMPARE(text(1, C::MessageColumn), QStringLiteral("Initial manifests"));
    QVERIFY2(view->statusText().startsWith(QStringLiteral("main at ") + remoteHead().left(7)), qPrintable(view->statusText()));

    // The newest commit is selected and its diff shown.
    QCOMPARE(view->selectedCommit(), remoteHead());
    QTRY_VERIFY_WITH_TIMEOUT(view->diffView()->toPlainText().contains(QStringLiteral("+      - {name: menu, image: registry.pilothouse.dev/cafe/menu:43}")), 10000);
    QVERIFY(view->diffView()->toPlainText().contains(QStringLiteral("-      - {name: menu, image: registry.pilothouse.dev/cafe/menu:42}")));

    // Selecting the first commit shows its files as added.
    QVERIFY(view->selectCommit(commits->index(1, 0).data(C::ShaRole).toString()));
    QTRY_VERIFY_WITH_TIMEOUT(view->diffView()->toPlainText().contains(QStringLiteral("+++ b/apps/storefront/rollout.yaml")), 10000);
    // The first commit cannot be reverted; the button says why.
    auto *revert = view->findChild<QPushButton *>(QStringLiteral("gitopsRevert"));
    QVERIFY(!revert->isEnabled());
    QCOMPARE(revert->toolTip(), QStringLiteral("The first commit cannot be reverted"));
}

void TestGitOpsView::bumpConfirmedAndPushed()
{
    auto view = makeView();
    QList<Confirmation> asked;
    QStringList offered;
    view->setBumpRequestHandler([&](const QStringList &manifests) {
        offered = manifests;
        return std::optional<BumpRequest>({kStorefrontPath, {QStringLiteral("storefront"), {}}, QStringLiteral("170")});
    });
    // While the change waits for its confirmation and push, nothing may fetch or change the
    // settings (either would cancel the push).
    QStringList enabledWhileChanging;
    const QStringList guarded{QStringLiteral("gitopsFetch"), QStringLiteral("gitopsUrl"), QStringLiteral("gitopsBranch"), QStringLiteral("gitopsLocalPath"),
                              QStringLiteral("gitopsAuthorName"), QStringLiteral("gitopsAuthorEmail")};
    const auto enabledOnes = [&] {
        QStringList enabled;
        for (const QString &name : guarded)
            if (view->findChild<QWidget *>(name)->isEnabled())
                enabled << name;
        return enabled;
    };
    view->setConfirmHandler([&](const QString &summary, const QString &diff) {
        asked << Confirmation{summary, diff};
        enabledWhileChanging = enabledOnes();
        view->refresh();  // e.g. Return in the URL field: ignored until the change is done
        return true;
    });
    const QString before = remoteHead();
    bool ok = false;
    QVERIFY(runAction(view.get(), view->findChild<QPushButton *>(QStringLiteral("gitopsBump")), &ok));
    QVERIFY2(ok, qPrintable(view->messageText()));
    QCOMPARE(enabledWhileChanging, QStringList());
    QTRY_COMPARE_WITH_TIMEOUT(enabledOnes(), guarded, 10000);
    QCOMPARE(offered, (QStringList{kMenuPath, kStorefrontPath}));
    QCOMPARE(asked.size(), 1);
    QVERIFY2(asked[0].summary.contains(QStringLiteral("Push to %1 (main)").arg(m_daemon->url(QStringLiteral("deploy.git")))), qPrintable(asked[0].summary));
    QVERIFY(asked[0].summary.contains(QStringLiteral("registry.pilothouse.dev/shop/storefront:169 → registry.pilothouse.dev/shop/storefront:170")));
    QVERIFY(asked[0].summary.contains(QStringLiteral("as Ops Person <ops@pilothouse.test>")));
    QVERIFY(!asked[0].summary.contains(QStringLiteral("moved")));
    QVERIFY(asked[0].diff.contains(QStringLiteral("-        image: registry.pilothouse.dev/shop/storefront:169  # pipeline\n")));
    QVERIFY(asked[0].diff.contains(QStringLiteral("+        image: registry.pilothouse.dev/shop/storefront:170  # pipeline\n")));

    // On the remote: one new commit on top, by the configured author, only the tag changed.
    const QString pushed = remoteHead();
    QVERIFY(pushed != before);
    QCOMPARE(view->messageText(), QStringLiteral("Pushed %1 to main").arg(pushed.left(7)));
    QByteArray expected = kStorefront;
    expected.replace("storefront:169", "storefront:170");
    QCOMPARE(remoteFile(kStorefrontPath).toUtf8(), expected);
    QCOMPARE(runGit(m_daemon->repoPath(QStringLiteral("deploy.git")), {QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%an <%ae> %P")}).out.trimmed(),
             QStringLiteral("Ops Person <ops@pilothouse.test> ") + before);

    // The list refreshes with the new commit on top: one row inserted, the others kept.
    const QAbstractItemModel *commits = view->commitsView()->model();
    QTRY_COMPARE_WITH_TIMEOUT(commits->index(0, models::GitOpsCommitModel::ShaColumn).data().toString(), pushed.left(7), 10000);
    QCOMPARE(commits->index(0, models::GitOpsCommitModel::AuthorColumn).data().toString(), QStringLiteral("Ops Person"));
    QCOMPARE(commits->rowCount(), 3);
    // The commit that was selected stays selected, one row down.
    QCOMPARE(view->selectedCommit(), before);
    QCOMPARE(view->commitsView()->selectionModel()->selectedRows().value(0).row(), 1);

    // One audit line.
    const QList<QJsonObject> audit = auditLines();
    QCOMPARE(audit.size(), 1);
    QCOMPARE(audit[0].value(QStringLiteral("action")).toString(), QStringLiteral("gitops-bump"));
    QCOMPARE(audit[0].value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
    QCOMPARE(audit[0].value(QStringLiteral("object")).toString(), QStringLiteral("main ") + kStorefrontPath);
    QCOMPARE(audit[0].value(QStringLiteral("context")).toString(), QStringLiteral("gitops ") + m_daemon->url(QStringLiteral("deploy.git")));
    QCOMPARE(audit[0].value(QStringLiteral("user")).toString(), QStringLiteral("Ops Person <ops@pilothouse.test>"));
    QCOMPARE(audit[0].value(QStringLiteral("detail")).toString(), QStringLiteral("pushed ") + pushed);
    QVERIFY(audit[0].value(QStringLiteral("change")).toString().contains(QStringLiteral("storefront:170")));
}

void TestGitOpsView::declinedPushesNothing()
{
    auto view = makeView();
    int asked = 0;
    view->setBumpRequestHandler([](const QStringList &) {
        return std::optional<BumpRequest>({kMenuPath, {{}, QStringLiteral("registry.pilothouse.dev/cafe/menu")}, QStringLiteral("44")});
    });
    view->setConfirmHandler([&](const QString &, const QString &diff) {
        ++asked;
        return !diff.contains(QStringLiteral("menu:44"));  // declines this change
    });
    const QString before = remoteHead();
    bool ok = true;
    QVERIFY(runAction(view.get(), view->findChild<QPushButton *>(QStringLiteral("gitopsBump")), &ok));
    QVERIFY(!ok);
    QCOMPARE(asked, 1);
    QCOMPARE(view->messageText(), QStringLiteral("Not pushed: cancelled"));
    QCOMPARE(remoteHead(), before);
    QVERIFY(auditLines().isEmpty());
    QVERIFY(view->findChild<QPushButton *>(QStringLiteral("gitopsBump"))->isEnabled());
}

void TestGitOpsView::branchMovedAsksAgain()
{
    auto view = makeView();
    QList<Confirmation> asked;
    QString otherCommit;
    view->setBumpRequestHandler([](const QStringList &) {
        return std::optional<BumpRequest>({kStorefrontPath, {QStringLiteral("storefront"), {}}, QStringLiteral("170")});
    });
    view->setConfirmHandler([&](const QString &summary, const QString &diff) {
        asked << Confirmation{summary, diff};
        if (asked.size() == 1) {
            // While the operator reads the diff, the pipeline pushes a change to the same file.
            QByteArray theirs = kStorefront;
            theirs.replace("containerPort: 8080", "containerPort: 9090");
            QString error;
            if (!commitAndPush(m_daemon->url(QStringLiteral("deploy.git")), m_work->filePath(QStringLiteral("other")), {{kStorefrontPath, theirs}},
                               QStringLiteral("Storefront listens on 9090"), &error))
                qWarning() << error;
            otherCommit = remoteHead();
        }
        return true;
    });
    bool ok = false;
    QVERIFY(runAction(view.get(), view->findChild<QPushButton *>(QStringLiteral("gitopsBump")), &ok));
    QVERIFY2(ok, qPrintable(view->messageText()));

    // Asked twice: the second time says the branch moved and shows the diff against their commit.
    QCOMPARE(asked.size(), 2);
    QVERIFY(!asked[0].diff.contains(QStringLiteral("9090")));
    QVERIFY2(asked[1].summary.startsWith(QStringLiteral("The branch moved since the change was shown: someone pushed %1.").arg(otherCommit.left(7))),
             qPrintable(asked[1].summary));
    QVERIFY2(asked[1].diff.contains(QStringLiteral(" - containerPort: 9090")), qPrintable(asked[1].diff));
    QVERIFY(asked[1].diff.contains(QStringLiteral("+        image: registry.pilothouse.dev/shop/storefront:170  # pipeline")));

    // Never forced: their commit stays in the history, right under ours.
    const QString bare = m_daemon->repoPath(QStringLiteral("deploy.git"));
    QVERIFY(runGit(bare, {QStringLiteral("merge-base"), QStringLiteral("--is-ancestor"), otherCommit, QStringLiteral("main")}).ok());
    QCOMPARE(runGit(bare, {QStringLiteral("rev-parse"), QStringLiteral("main^")}).out.trimmed(), otherCommit);
    QByteArray expected = kStorefront;
    expected.replace("containerPort: 8080", "containerPort: 9090").replace("storefront:169", "storefront:170");
    QCOMPARE(remoteFile(kStorefrontPath).toUtf8(), expected);

    // Audited: the refused first attempt, then the push.
    const QList<QJsonObject> audit = auditLines();
    QCOMPARE(audit.size(), 2);
    QCOMPARE(audit[0].value(QStringLiteral("result")).toString(), QStringLiteral("conflict"));
    QCOMPARE(audit[1].value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
    QVERIFY(audit[1].value(QStringLiteral("change")).toString().contains(QStringLiteral("re-applied on %1").arg(otherCommit.left(7))));
}

void TestGitOpsView::revertPushed()
{
    auto view = makeView();
    view->setConfirmHandler([](const QString &, const QString &) { return true; });
    const QString menuBump = remoteHead();  // "Bump menu to 43"
    QVERIFY(view->selectCommit(menuBump));
    QString confirmedDiff;
    view->setConfirmHandler([&](const QString &summary, const QString &diff) {
        confirmedDiff = diff;
        return summary.contains(QStringLiteral("revert ") + menuBump.left(7));
    });
    bool ok = false;
    QVERIFY(runAction(view.get(), view->findChild<QPushButton *>(QStringLiteral("gitopsRevert")), &ok));
    QVERIFY2(ok, qPrintable(view->messageText()));
    QVERIFY(confirmedDiff.contains(QStringLiteral("-      - {name: menu, image: registry.pilothouse.dev/cafe/menu:43}")));
    QVERIFY(confirmedDiff.contains(QStringLiteral("+      - {name: menu, image: registry.pilothouse.dev/cafe/menu:42}")));
    QCOMPARE(remoteFile(kMenuPath).toUtf8(), kMenu);
    QCOMPARE(runGit(m_daemon->repoPath(QStringLiteral("deploy.git")), {QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%s")}).out.trimmed(),
             QStringLiteral("Revert \"Bump menu to 43\""));
    const QList<QJsonObject> audit = auditLines();
    QCOMPARE(audit.size(), 1);
    QCOMPARE(audit[0].value(QStringLiteral("action")).toString(), QStringLiteral("gitops-revert"));
    QCOMPARE(audit[0].value(QStringLiteral("object")).toString(), QStringLiteral("main commit ") + menuBump.left(12));
    QCOMPARE(audit[0].value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
}

void TestGitOpsView::errorsInMessageLine()
{
    auto view = makeView();
    int asked = 0;
    view->setConfirmHandler([&](const QString &, const QString &) { return ++asked > 0; });
    view->setBumpRequestHandler([](const QStringList &) {
        return std::optional<BumpRequest>({kMenuPath, {QStringLiteral("kiosk"), {}}, QStringLiteral("2")});
    });
    bool ok = true;
    QVERIFY(runAction(view.get(), view->findChild<QPushButton *>(QStringLiteral("gitopsBump")), &ok));
    QVERIFY(!ok);
    QCOMPARE(asked, 0);
    QVERIFY2(view->messageText().startsWith(QStringLiteral("Not pushed: no container 'kiosk' in apps/menu/rollout.yaml")), qPrintable(view->messageText()));

    // An unreachable remote shows in the status line; the actions wait for a fetch.
    m_daemon->stop();
    auto offline = makeView(false);
    QSignalSpy refreshed(offline.get(), &GitOpsView::refreshed);
    offline->findChild<QLineEdit *>(QStringLiteral("gitopsLocalPath"))->setText(m_work->filePath(QStringLiteral("cache-offline")));
    offline->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(offline->statusText().startsWith(QStringLiteral("Fetch failed: ")), 30000);
    QVERIFY2(offline->statusText().contains(QStringLiteral("cannot reach the remote")), qPrintable(offline->statusText()));
    QVERIFY(!offline->findChild<QPushButton *>(QStringLiteral("gitopsBump"))->isEnabled());
    QVERIFY(auditLines().isEmpty());
}

void TestGitOpsView::bumpDialog()
{
    auto view = makeView();
    widgets::ImageBumpDialog dialog(view->client(), view->manifests());
    QCOMPARE(dialog.manifestBox()->count(), 2);
    dialog.manifestBox()->setCurrentIndex(dialog.manifestBox()->findText(kStorefrontPath));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.containerBox()->count(), 1, 10000);
    QCOMPARE(dialog.containerBox()->itemText(0), QStringLiteral("Rollout storefront · storefront — registry.pilothouse.dev/shop/storefront:169"));
    QCOMPARE(dialog.tagEdit()->text(), QStringLiteral("169"));  // the current tag, to edit
    auto *ok = dialog.findChild<QPushButton *>();
    const auto buttons = dialog.findChildren<QPushButton *>();
    for (QPushButton *b : buttons)
        if (b->text() == QStringLiteral("Show the change…"))
            ok = b;
    QVERIFY(!ok->isEnabled());  // same tag
    dialog.tagEdit()->setText(QStringLiteral("not a tag!"));
    QVERIFY(!ok->isEnabled());
    QVERIFY(!dialog.request());
    dialog.tagEdit()->setText(QStringLiteral("170"));
    QVERIFY(ok->isEnabled());
    const auto request = dialog.request();
    QVERIFY(request);
    QCOMPARE(request->path, kStorefrontPath);
    QCOMPARE(request->selector.container, QStringLiteral("storefront"));
    QCOMPARE(request->selector.repository, QStringLiteral("registry.pilothouse.dev/shop/storefront"));
    QCOMPARE(request->tag, QStringLiteral("170"));
}

// The shell's read-only toggle reaches the page: Argo CD deploys what is pushed here, so bump and
// revert are held back with the reason, and a bump asked for anyway pushes nothing.
void TestGitOpsView::readOnlyContextPushesNothing()
{
    auto view = makeView();
    auto *bump = view->findChild<QPushButton *>(QStringLiteral("gitopsBump"));
    auto *revert = view->findChild<QPushButton *>(QStringLiteral("gitopsRevert"));
    QVERIFY(bump->isEnabled());
    const QString reason = QStringLiteral("Context sim-admin is read-only: Pilothouse sends no change (toolbar: Read-only)");
    view->applyReadOnlyReason(reason);
    QVERIFY(!bump->isEnabled() && !revert->isEnabled());
    QCOMPARE(bump->toolTip(), reason);
    const QString before = remoteHead();
    QSignalSpy finished(view.get(), &GitOpsView::actionFinished);
    view->setConfirmHandler([](const QString &, const QString &) { return true; });
    view->bumpImage({kStorefrontPath, {QStringLiteral("storefront"), {}}, QStringLiteral("170")});
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.first().at(1).toBool(), false);
    QVERIFY(finished.first().at(2).toString().contains(reason));
    QCOMPARE(remoteHead(), before);
    view->applyReadOnlyReason({});
    QVERIFY(bump->isEnabled());
}

QTEST_MAIN(TestGitOpsView)
#include "tst_gitopsview.moc"
