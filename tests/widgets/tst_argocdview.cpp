// Widget test (offscreen): the Argo CD view against the simulator's Argo CD API syncing from a
// real git daemon: login refused and accepted, the keychain's absence said, the applications table
// live, history with commit metadata, a refused sync showing Argo CD's message, the resource tree,
// Sync… with dry run and its confirmation, a cancelled confirmation that sends nothing, Rollback…
// to a history id (disabled under automated sync), Terminate only while an operation runs, and a
// revoked session that asks to log in again.
#include "actions/auditlog.h"
#include "delivery/argocdappmodel.h"
#include "delivery/argocdhistorymodel.h"
#include "delivery/argocdresourcemodel.h"
#include "delivery/argocdview.h"
#include "argocdworld.h"
#include "http/httpengine.h"
#include "simprocess.h"

#include <QCheckBox>
#include <QDialog>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QAbstractItemModelTester>
#include <QPushButton>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <curl/curl.h>

using namespace pilothouse;
using namespace pilothouse::testsupport;
using widgets::ArgoCdView;
using widgets::ArgoCdViewPreset;

class TestArgoCdView : public QObject {
    Q_OBJECT

    std::unique_ptr<backends::http::HttpEngine> m_engine;
    std::unique_ptr<ArgoCdWorld> m_world;
    QTemporaryDir m_dir;
    std::unique_ptr<backends::actions::AuditLog> m_audit;
    std::unique_ptr<ArgoCdView> m_view;

    ArgoCdViewPreset preset(const QString &password) const
    {
        ArgoCdViewPreset p;
        p.url = m_world->argocdUrl();
        p.username = QStringLiteral("admin");
        p.password = password;
        p.caFile = m_world->sim->caFile();
        return p;
    }

    // What the applications table shows in `column` for `app`, read through its model.
    QString cell(const QString &app, int column) const
    {
        const QAbstractItemModel *m = m_view->applicationsTable()->model();
        for (int r = 0; r < m->rowCount(); ++r)
            if (m->index(r, 0).data().toString() == app)
                return m->index(r, column).data().toString();
        return {};
    }

    // The history as shown, newest first: row `row`, column `column`.
    QString history(int row, int column) const { return m_view->historyView()->model()->index(row, column).data().toString(); }
    int historyRows() const { return m_view->historyView()->model()->rowCount(); }

    QPushButton *button(const char *name) const { return m_view->findChild<QPushButton *>(QLatin1String(name)); }

    QList<QJsonObject> auditLines() const
    {
        QList<QJsonObject> out;
        QFile f(m_audit->path());
        if (!f.open(QIODevice::ReadOnly))
            return out;
        for (const QByteArray &l : f.readAll().split('\n'))
            if (!l.trimmed().isEmpty())
                out << QJsonDocument::fromJson(l).object();
        return out;
    }

    static QString treeText(const QModelIndex &index, int depth = 0)
    {
        const QAbstractItemModel *m = index.model();
        QString s = QString(depth * 2, QLatin1Char(' ')) + index.data().toString().section(QStringLiteral("  ("), 0, 0) + QLatin1Char(' ')
                    + index.siblingAtColumn(1).data().toString() + QLatin1Char('\n');
        for (int i = 0; i < m->rowCount(index); ++i)
            s += treeText(m->index(i, 0, index), depth + 1);
        return s;
    }

private slots:
    void initTestCase()
    {
        // No keychain service in tests: the view must say the token stays in memory.
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_engine = std::make_unique<backends::http::HttpEngine>();
        m_world = std::make_unique<ArgoCdWorld>();
        QString error;
        QVERIFY2(m_world->start(&error), qPrintable(error));
        m_audit = std::make_unique<backends::actions::AuditLog>(m_dir.filePath(QStringLiteral("audit.jsonl")));
    }
    void cleanupTestCase()
    {
        m_view.reset();
        m_world.reset();
        m_engine.reset();
    }

    void wrongPasswordShowsServerMessage()
    {
        ArgoCdView view(m_engine.get(), m_audit.get(), preset(QStringLiteral("wrong")));
        view.show();
        QVERIFY(!view.findChild<QPushButton *>(QStringLiteral("argocdSync"))->isEnabled());
        view.findChild<QPushButton *>(QStringLiteral("argocdLogin"))->click();
        QVERIFY(eventually([&] { return view.statusText().startsWith(QStringLiteral("login refused")); }));
        QCOMPARE(view.statusText(), QStringLiteral("login refused: Invalid username or password"));
        // Labels showing what the server (or a proxy in front of it) sends are never rendered as HTML.
        for (const char *name : {"argocdStatus", "argocdMessage", "argocdDetail", "argocdActionHint", "argocdLiveMode"}) {
            auto *label = view.findChild<QLabel *>(QLatin1String(name));
            QVERIFY2(label && label->textFormat() == Qt::PlainText, name);
        }
        QCOMPARE(view.applicationsTable()->model()->rowCount(), 0);
    }

    void loginShowsApplicationsLive()
    {
        m_view = std::make_unique<ArgoCdView>(m_engine.get(), m_audit.get(), preset(ArgoCdWorld::password()));
        // The view's models under the tester for every change the live world brings.
        for (QAbstractItemModel *model : std::initializer_list<QAbstractItemModel *>{m_view->applicationModel(), m_view->historyModel(), m_view->resourceModel()})
            new QAbstractItemModelTester(model, QAbstractItemModelTester::FailureReportingMode::QtTest, model);
        m_view->resize(1200, 800);
        m_view->show();
        m_view->findChild<QCheckBox *>(QStringLiteral("argocdRemember"))->setChecked(true);
        button("argocdLogin")->click();
        QVERIFY(eventually([&] { return m_view->statusText().contains(QStringLiteral("logged in as admin")); }));
        // The password field is emptied once it served.
        QVERIFY(m_view->findChild<QLineEdit *>(QStringLiteral("argocdPassword"))->text().isEmpty());
        QVERIFY2(eventually([&] { return m_view->statusText().contains(QStringLiteral("keychain")); }), qPrintable(m_view->statusText()));
        QVERIFY2(m_view->statusText().contains(QStringLiteral("no keychain service is available")) &&
                     m_view->statusText().contains(QStringLiteral("kept in memory only")),
                 qPrintable(m_view->statusText()));
        QVERIFY(eventually([&] { return cell(QStringLiteral("web"), 2) == QLatin1String("Synced") && cell(QStringLiteral("api"), 2) == QLatin1String("Synced"); }, 60000));
        QCOMPARE(m_view->applicationsTable()->model()->index(0, 0).data().toString(), QStringLiteral("api"));
        // Tones come from the model (the status delegate colours them).
        const QModelIndex sync = m_view->applicationsTable()->model()->index(0, models::ArgoCdAppModel::SyncColumn);
        QCOMPARE(sync.data().toString(), QStringLiteral("Synced"));
        QCOMPARE(cell(QStringLiteral("web"), 1), QStringLiteral("default"));
        QVERIFY(eventually([&] { return cell(QStringLiteral("web"), 3) == QLatin1String("Healthy"); }, 60000));
        QVERIFY(cell(QStringLiteral("api"), 6).contains(QStringLiteral("registry.pilothouse.dev/demo/api:3")));
        auto head = runGit(m_world->repoPath(), {QStringLiteral("rev-parse"), QStringLiteral("HEAD")});
        QCOMPARE(cell(QStringLiteral("web"), 5), head.out.trimmed().left(7));
        QCOMPARE(m_view->findChild<QLabel *>(QStringLiteral("argocdLiveMode"))->text(), QStringLiteral("live (stream)"));

        // A pipeline bumps api's image: automated sync deploys it and the row follows by itself.
        QString error;
        QVERIFY2(m_world->bumpImage(QStringLiteral("api"), QStringLiteral("demo/api:3"), QStringLiteral("demo/api:4"), &error), qPrintable(error));
        // The selection stays on its row while the stream changes it.
        QVERIFY(m_view->selectApplication(QStringLiteral("web")));
        const int appRowsBefore = m_view->applicationModel()->rowCount();
        QVERIFY(eventually([&] { return cell(QStringLiteral("api"), 6).contains(QStringLiteral("registry.pilothouse.dev/demo/api:4")); }, 60000));
        QCOMPARE(m_view->applicationModel()->rowCount(), appRowsBefore);
        QCOMPARE(m_view->selectedApplication(), QStringLiteral("web"));
        QCOMPARE(m_view->applicationsTable()->selectionModel()->selectedRows().value(0).data().toString(), QStringLiteral("web"));
        auto newHead = runGit(m_world->repoPath(), {QStringLiteral("rev-parse"), QStringLiteral("HEAD")});
        QVERIFY(eventually([&] { return cell(QStringLiteral("api"), 5) == newHead.out.trimmed().left(7); }, 30000));
    }

    void historyWithCommitMetadata()
    {
        QVERIFY(m_view);
        QVERIFY(m_view->selectApplication(QStringLiteral("api")));
        using H = models::ArgoCdHistoryModel;
        auto log = runGit(m_world->repoPath(), {QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%an <%ae>|%s")});
        QStringList commit = log.out.trimmed().split(QLatin1Char('|'));
        QVERIFY(eventually([&] { return historyRows() >= 2 && history(0, H::MessageColumn) == commit[1]; }, 30000));
        QVERIFY(history(0, H::IdColumn).endsWith(QStringLiteral("(current)")));
        QCOMPARE(history(0, H::AuthorColumn), commit[0]);
        QCOMPARE(history(0, H::MessageColumn), QStringLiteral("api: bump image to demo/api:4"));
        QVERIFY(!history(0, H::DeployedColumn).isEmpty());
        QVERIFY(eventually([&] { return !history(1, H::AuthorColumn).isEmpty(); }));

        // Automated sync is on: Argo CD would refuse a rollback, so the button says why.
        QVERIFY(m_view->selectHistoryId(history(1, H::IdColumn).toLongLong()));
        QPushButton *rollback = button("argocdRollback");
        QVERIFY(!rollback->isEnabled());
        QVERIFY2(rollback->toolTip().contains(QStringLiteral("automated sync is enabled")), qPrintable(rollback->toolTip()));
        QVERIFY(!button("argocdTerminate")->isEnabled());
        QCOMPARE(button("argocdTerminate")->toolTip(), QStringLiteral("no operation is running"));
        QVERIFY(button("argocdSync")->isEnabled());

        // Read-only mode disables every action and says why.
        m_view->setReadOnlyReason(QStringLiteral("Argo CD is read-only in Pilothouse"));
        QVERIFY(!button("argocdSync")->isEnabled());
        QCOMPARE(button("argocdSync")->toolTip(), QStringLiteral("Argo CD is read-only in Pilothouse"));
        m_view->setReadOnlyReason({});
        QVERIFY(button("argocdSync")->isEnabled());
    }

    void refusedSyncShowsArgoCdMessage()
    {
        QVERIFY(m_view);
        QVERIFY(m_view->selectApplication(QStringLiteral("api")));
        auto api = m_view->application(QStringLiteral("api"));
        QVERIFY(api && api->automated && api->history.size() >= 2);
        const QString old = api->history.first().revision;
        const int auditBefore = auditLines().size();
        // Under automated sync Argo CD refuses a sync to another revision than the target.
        QString shown;
        m_view->setConfirmHandler([&](QDialog *d) {
            d->findChild<QLineEdit *>(QStringLiteral("argocdConfirmRevision"))->setText(old);
            shown = d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->text();
            if (d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->textFormat() != Qt::PlainText)
                shown = QStringLiteral("confirmation text may render as HTML");
            return true;
        });
        QVERIFY(button("argocdSync")->isEnabled());
        button("argocdSync")->click();
        QVERIFY2(shown.contains(QStringLiteral("sync to revision %1").arg(old)), qPrintable(shown));
        const QString expected = QStringLiteral("Sync of api refused by Argo CD: Cannot sync to %1: auto-sync currently set to HEAD").arg(old);
        QVERIFY2(eventually([&] { return m_view->messageText() == expected; }), qPrintable(m_view->messageText()));
        QList<QJsonObject> audit = auditLines();
        QCOMPARE(audit.size(), auditBefore + 1);
        QCOMPARE(audit.last().value(QStringLiteral("result")).toString(), QStringLiteral("refused"));
        QCOMPARE(audit.last().value(QStringLiteral("detail")).toString(), QStringLiteral("Cannot sync to %1: auto-sync currently set to HEAD").arg(old));
        QVERIFY(button("argocdSync")->isEnabled());
    }

    void resourceTreeIndented()
    {
        QVERIFY(m_view);
        QVERIFY(m_view->selectApplication(QStringLiteral("web")));
        QTreeView *tree = m_view->resourceView();
        QString text;
        QVERIFY(eventually([&] {
            text = tree->model()->rowCount() ? treeText(tree->model()->index(0, 0)) : QString();
            return text.count(QStringLiteral("Pod web-")) == 2 && !text.contains(QStringLiteral("Progressing"));
        }, 30000));
        // Shown expanded down to the pods.
        const QModelIndex app = tree->model()->index(0, 0);
        QModelIndex deployment;
        for (int r = 0; r < tree->model()->rowCount(app); ++r)
            if (tree->model()->index(r, 0, app).data().toString().startsWith(QStringLiteral("Deployment web")))
                deployment = tree->model()->index(r, 0, app);
        QVERIFY(deployment.isValid());
        QVERIFY(tree->isExpanded(app));
        QVERIFY(tree->isExpanded(deployment));
        QVERIFY(tree->isExpanded(tree->model()->index(0, 0, deployment)));
        QVERIFY2(text.startsWith(QStringLiteral("Application web Healthy\n")), qPrintable(text));
        QRegularExpression chain(QStringLiteral("\n  Deployment web Healthy\n    ReplicaSet web-\\w+ Healthy\n      Pod web-\\S+ Healthy\n      Pod web-\\S+ Healthy\n"));
        QVERIFY2(chain.match(text).hasMatch(), qPrintable(text));
    }

    void syncDryRunCancelAndSync()
    {
        QVERIFY(m_view);
        QVERIFY(m_world->disableAutomatedSync(QStringLiteral("web")));
        QString error;
        QVERIFY2(m_world->bumpImage(QStringLiteral("web"), QStringLiteral("demo/web:7"), QStringLiteral("demo/web:8"), &error), qPrintable(error));
        QVERIFY(eventually([&] { return cell(QStringLiteral("web"), 2) == QLatin1String("OutOfSync"); }, 30000));
        QVERIFY(m_view->selectApplication(QStringLiteral("web")));
        const int historyBefore = m_view->application(QStringLiteral("web"))->history.size();
        const int auditBefore = auditLines().size();

        // Cancelled: nothing is sent, nothing is audited.
        QString shown;
        m_view->setConfirmHandler([&](QDialog *d) {
            shown = d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->text();
            if (d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->textFormat() != Qt::PlainText)
                shown = QStringLiteral("confirmation text may render as HTML");
            return false;
        });
        QVERIFY(button("argocdSync")->isEnabled());
        button("argocdSync")->click();
        QVERIFY(shown.startsWith(QStringLiteral("Sync application web on Argo CD %1 as admin: sync to revision HEAD").arg(m_world->argocdUrl())));
        QTest::qWait(500);
        QCOMPARE(auditLines().size(), auditBefore);
        QCOMPARE(m_view->application(QStringLiteral("web"))->operation.dryRun, false);

        // Dry run, ticked in the confirmation: the text says so before the operator agrees.
        m_view->setConfirmHandler([&](QDialog *d) {
            d->findChild<QCheckBox *>(QStringLiteral("argocdConfirmDryRun"))->setChecked(true);
            shown = d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->text();
            if (d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->textFormat() != Qt::PlainText)
                shown = QStringLiteral("confirmation text may render as HTML");
            return true;
        });
        button("argocdSync")->click();
        QVERIFY2(shown.endsWith(QStringLiteral("no prune, dry run (nothing is changed)")), qPrintable(shown));
        QVERIFY(eventually([&] { return m_view->messageText() == QLatin1String("Sync of web (dry run) started"); }));
        QVERIFY(eventually([&] {
            auto web = m_view->application(QStringLiteral("web"));
            return web->operation.dryRun && web->operation.phase == QLatin1String("Succeeded");
        }, 30000));
        QCOMPARE(m_view->application(QStringLiteral("web"))->history.size(), historyBefore);
        QCOMPARE(m_world->deploymentImage("gitops-demo", "web"), std::string("registry.pilothouse.dev/demo/web:7"));

        // The real sync.
        m_view->setConfirmHandler([&](QDialog *d) {
            shown = d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->text();
            if (d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->textFormat() != Qt::PlainText)
                shown = QStringLiteral("confirmation text may render as HTML");
            return true;
        });
        button("argocdSync")->click();
        QVERIFY(shown.endsWith(QStringLiteral("no prune, not a dry run")));
        QVERIFY(eventually([&] { return m_world->deploymentImage("gitops-demo", "web") == "registry.pilothouse.dev/demo/web:8"; }, 30000));
        QVERIFY(eventually([&] { return historyRows() == historyBefore + 1; }, 30000));
        QVERIFY(eventually([&] { return cell(QStringLiteral("web"), 2) == QLatin1String("Synced"); }, 30000));

        QList<QJsonObject> audit = auditLines();
        QCOMPARE(audit.size(), auditBefore + 2);
        QCOMPARE(audit[auditBefore].value(QStringLiteral("action")).toString(), QStringLiteral("argocd-sync"));
        QVERIFY(audit[auditBefore].value(QStringLiteral("change")).toString().contains(QStringLiteral("dry run (nothing is changed)")));
        QCOMPARE(audit[auditBefore + 1].value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
        QCOMPARE(audit[auditBefore + 1].value(QStringLiteral("object")).toString(), QStringLiteral("Argo CD application web"));
    }

    void rollbackToHistoryId()
    {
        QVERIFY(m_view);
        QVERIFY(m_view->selectApplication(QStringLiteral("web")));
        auto web = m_view->application(QStringLiteral("web"));
        QVERIFY(web && !web->automated && web->history.size() >= 2);
        const auto first = web->history.first();
        QPushButton *rollback = button("argocdRollback");
        // Nothing selected yet, then the current entry: both say why not.
        m_view->historyView()->clearSelection();
        QVERIFY(!rollback->isEnabled());
        QVERIFY(m_view->selectHistoryId(web->history.last().id));
        QVERIFY(!rollback->isEnabled());
        QVERIFY2(rollback->toolTip().contains(QStringLiteral("deployed now")), qPrintable(rollback->toolTip()));
        QVERIFY(m_view->selectHistoryId(first.id));
        QVERIFY2(rollback->isEnabled(), qPrintable(rollback->toolTip()));
        QString shown;
        m_view->setConfirmHandler([&](QDialog *d) {
            shown = d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->text();
            if (d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->textFormat() != Qt::PlainText)
                shown = QStringLiteral("confirmation text may render as HTML");
            return true;
        });
        rollback->click();
        QVERIFY2(shown.contains(QStringLiteral("roll back to history id %1, revision %2").arg(first.id).arg(first.revision.left(7))), qPrintable(shown));
        QVERIFY(shown.contains(m_world->argocdUrl()));
        QVERIFY(eventually([&] { return m_world->deploymentImage("gitops-demo", "web") == "registry.pilothouse.dev/demo/web:7"; }, 30000));
        QList<QJsonObject> audit = auditLines();
        QCOMPARE(audit.last().value(QStringLiteral("action")).toString(), QStringLiteral("argocd-rollback"));
        QCOMPARE(audit.last().value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));
    }

    void terminateOnlyWhileRunning()
    {
        QVERIFY(m_view);
        QVERIFY(m_view->selectApplication(QStringLiteral("web")));
        QPushButton *terminate = button("argocdTerminate");
        QVERIFY(eventually([&] { return !m_view->application(QStringLiteral("web"))->operationRunning(); }, 30000));
        QVERIFY(!terminate->isEnabled());
        m_view->setConfirmHandler([](QDialog *) { return true; });
        button("argocdSync")->click();
        // The world's operations run for 1.5 s; the stream shows it Running and Terminate wakes up.
        QVERIFY(eventually([&] { return terminate->isEnabled(); }, 10000));
        QVERIFY(eventually([&] { return m_view->application(QStringLiteral("web"))->operation.phase == QLatin1String("Running"); }, 10000));
        QVERIFY(terminate->isEnabled());
        QVERIFY(!button("argocdSync")->isEnabled());
        QString shown;
        m_view->setConfirmHandler([&](QDialog *d) {
            shown = d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->text();
            if (d->findChild<QLabel *>(QStringLiteral("argocdConfirmText"))->textFormat() != Qt::PlainText)
                shown = QStringLiteral("confirmation text may render as HTML");
            return true;
        });
        terminate->click();
        QVERIFY2(shown.startsWith(QStringLiteral("Terminate the operation of application web on Argo CD")), qPrintable(shown));
        QVERIFY2(eventually([&] { return cell(QStringLiteral("web"), 4) == QLatin1String("Failed: Operation terminated"); }, 30000),
                 qPrintable(cell(QStringLiteral("web"), 4) + QStringLiteral(" / ") + m_view->messageText()));
        QVERIFY(eventually([&] { return !terminate->isEnabled(); }));
        QCOMPARE(auditLines().last().value(QStringLiteral("action")).toString(), QStringLiteral("argocd-terminate"));
    }

    void revokedSessionAsksToLogInAgain()
    {
        QVERIFY(m_view);
        // Another client logs this session out on the server.
        {
            backends::argocd::ArgoCdClient other(m_engine.get());
            QVERIFY(other.setServer(backends::argocd::ArgoCdServer{m_world->argocdUrl(), m_world->sim->caFile(), {}, false}).ok());
            other.setSession(QStringLiteral("admin"), m_view->client()->sessionToken());
            other.logout();
            QTest::qWait(500);
        }
        // The next request (the resource tree of the newly selected application) meets the 401.
        QVERIFY(m_view->selectApplication(QStringLiteral("api")));
        QVERIFY(eventually([&] { return m_view->statusText() == QLatin1String("session expired, log in again"); }));
        QVERIFY(!button("argocdSync")->isEnabled());
        QCOMPARE(button("argocdSync")->toolTip(), QStringLiteral("log in to Argo CD first"));
        // Logging in again brings everything back.
        m_view->findChild<QLineEdit *>(QStringLiteral("argocdPassword"))->setText(ArgoCdWorld::password());
        m_view->findChild<QCheckBox *>(QStringLiteral("argocdRemember"))->setChecked(false);
        button("argocdLogin")->click();
        QVERIFY(eventually([&] { return m_view->statusText().startsWith(QStringLiteral("logged in as admin")); }));
        QVERIFY(eventually([&] { return button("argocdSync")->isEnabled(); }));
    }
};

QTEST_MAIN(TestArgoCdView)
#include "tst_argocdview.moc"
