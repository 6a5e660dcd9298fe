// Widget test (offscreen): the Pipelines pages against the simulator's Jenkins. Connecting with an
// API token (and a wrong one refused with Jenkins' reason), the jobs tree with folders and a
// multibranch project filtered as you type, Build with parameters → the confirmation naming server,
// job and parameters → the run on its page with stages advancing → the approval card (in the job
// list and on the run page) → Proceed with the input's parameter → the run finishes; Abort from
// the job list; Stop; a cancelled confirmation, a read-only context and a viewer who may not
// build each sending nothing and saying why; one audit line per action with its build number.
#include "actions/auditlog.h"
#include "http/httpengine.h"
#include "pipelines/approvalcard.h"
#include "pipelines/jenkinsconnection.h"
#include "pipelines/jobtreemodel.h"
#include "pipelines/parameterform.h"
#include "pipelines/pipelinesview.h"
#include "pipelines/runview.h"
#include "shell/actionrunner.h"
#include "connectedwindow.h"
#include "jenkinssim.h"
#include "simprocess.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>
#include <QTreeView>
#include <QUrl>

using namespace pilothouse;
using namespace pilothouse::testsupport;
using namespace pilothouse::backends::jenkins;
using widgets::ApprovalCard;
using widgets::JenkinsConnection;
using widgets::JenkinsPreset;
using widgets::PipelinesView;
using widgets::RunView;

class TestPipelinesView : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<backends::http::HttpEngine> m_engine;
    QTemporaryDir m_dir;
    std::unique_ptr<backends::actions::AuditLog> m_audit;
    JenkinsPreset m_admin;
    JenkinsPreset m_viewer;
    std::unique_ptr<JenkinsConnection> m_connection;
    std::unique_ptr<PipelinesView> m_view;
    QStringList m_confirmTexts;

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

    // The audit lines of one action name ("jenkins-trigger"...).
    QList<QJsonObject> audited(const QString &action) const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &o : auditLines())
            if (o.value(QStringLiteral("action")).toString() == action)
                out << o;
        return out;
    }

    // Builds `job` through the page with `values` and returns the build number it became (0: none).
    int buildThroughPage(const QStringList &job, const QHash<QString, QString> &values)
    {
        if (!m_view->selectJob(job))
            return 0;
        m_view->setParametersHandler([values](const QList<ParameterDefinition> &defs) {
            QList<BuildParameter> out;
            for (const ParameterDefinition &d : defs) {
                BuildParameter p;
                p.name = d.name;
                p.value = values.value(d.name, d.defaultValue);
                p.secret = d.type == ParameterDefinition::Type::Password;
                if (!(p.secret && p.value.isEmpty()))
                    out << p;
            }
            return std::optional<QList<BuildParameter>>(out);
        });
        QSignalSpy finished(m_view.get(), &PipelinesView::actionFinished);
        m_view->buildSelectedJob();
        if (!eventually([&] { return finished.count() > 0; }))
            return 0;
        static const QRegularExpression number(QStringLiteral("#(\\d+) started"));
        const auto m = number.match(finished.first().at(2).toString());
        return m.hasMatch() ? m.captured(1).toInt() : 0;
    }

    std::unique_ptr<RunView> openRun(const QStringList &job, int build)
    {
        auto run = std::make_unique<RunView>(m_connection.get(), job, build);
        run->actionRunner()->setConfirmHandler([this](const QString &text) {
            m_confirmTexts << text;
            return true;
        });
        run->resize(1200, 800);
        run->show();
        return run;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--time-scale"), QStringLiteral("20")});
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        const auto preset = [](const JenkinsServer &server) {
            JenkinsPreset p;
            p.url = server.url;
            p.user = server.user;
            p.apiToken = server.apiToken;
            p.caPem = server.caPem;
            p.connectNow = true;
            return p;
        };
        m_admin = preset(jenkinsServerOf(*m_sim));
        m_viewer = preset(jenkinsServerOf(*m_sim, true));
        QVERIFY(!m_admin.url.isEmpty() && !m_admin.apiToken.isEmpty() && !m_viewer.apiToken.isEmpty());
        QVERIFY(m_dir.isValid());
        m_audit = std::make_unique<backends::actions::AuditLog>(m_dir.filePath(QStringLiteral("audit.jsonl")));
        m_engine = std::make_unique<backends::http::HttpEngine>();
        m_connection = std::make_unique<JenkinsConnection>(m_engine.get(), m_audit.get(), QStringLiteral("sim-admin"));
        m_connection->actions()->setQueueFollow(30000, 100);
        m_view = std::make_unique<PipelinesView>(m_connection.get(), m_admin);
        m_view->actionRunner()->setConfirmHandler([this](const QString &text) {
            m_confirmTexts << text;
            return true;
        });
        m_view->resize(1400, 900);
        m_view->show();
    }

    void cleanupTestCase()
    {
        m_view.reset();
        m_connection.reset();
        m_engine.reset();
        m_sim.reset();
    }

    void connectsWithTheTokenAndShowsTheJobTree()
    {
        QVERIFY2(eventually([&] { return m_connection->isConnected(); }), qPrintable(m_view->statusText()));
        QVERIFY2(m_view->statusText().contains(QUrl(m_admin.url).host()), qPrintable(m_view->statusText()));
        QAbstractItemModelTester tester(m_view->jobModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        models::JobTreeModel *model = m_view->jobModel();
        QVERIFY2(eventually([&] { return model->indexOfJob({QStringLiteral("cafe"), QStringLiteral("releases"), QStringLiteral("deploy-orders")}).isValid(); }),
                 qPrintable(m_view->statusText()));
        // The multibranch project's branch is shown decoded and kept by its encoded name.
        const QModelIndex branch = model->indexOfJob({QStringLiteral("shop"), QStringLiteral("storefront"), QStringLiteral("feature%2Fcheckout")});
        QVERIFY(branch.isValid());
        QCOMPARE(branch.data().toString(), QStringLiteral("feature/checkout"));
        // The token is not kept in the form once Jenkins took it.
        QVERIFY(m_view->findChild<QLineEdit *>(QStringLiteral("jenkinsToken"))->text().isEmpty());
    }

    void aRememberedTokenWithoutAKeychainIsKeptInMemoryOnly()
    {
        // No keychain service in tests (no D-Bus session): the operator is told where the token is.
        JenkinsConnection other(m_engine.get(), m_audit.get(), QStringLiteral("remembering"));
        JenkinsServer server;
        server.url = m_admin.url;
        server.user = m_admin.user;
        server.apiToken = m_admin.apiToken;
        server.caPem = m_admin.caPem;
        other.connectTo(server, true);
        QVERIFY(eventually([&] { return other.statusText().contains(QStringLiteral("keychain")); }));
        QVERIFY(other.isConnected());
        QVERIFY2(other.statusText().contains(QStringLiteral("kept in memory only")) ||
                     other.statusText().contains(QStringLiteral("token kept in the keychain")),
                 qPrintable(other.statusText()));
        QVERIFY(!other.statusText().contains(QString::fromUtf8(m_admin.apiToken)));
    }

    void anotherServerLeavesNothingOfTheOneBefore()
    {
        JenkinsConnection other(m_engine.get(), m_audit.get(), QStringLiteral("switching"));
        PipelinesView view(&other, m_admin);
        view.show();
        QVERIFY(eventually([&] { return view.jobModel()->rowCount() > 0; }));
        QVERIFY(view.selectJob({QStringLiteral("shop"), QStringLiteral("adservice-ci")}));
        other.disconnect(false);
        QCOMPARE(view.jobModel()->rowCount(), 0);
        QVERIFY(view.approvalCards().isEmpty());
        QVERIFY(view.selectedJob().isEmpty());
        QVERIFY(!view.buildButton()->isEnabled());
    }

    void filtersAsYouType()
    {
        QTreeView *tree = m_view->jobTree();
        QTest::keyClicks(m_view->filterField(), QStringLiteral("deploy-or"));
        // Only the match and its folders stay.
        QCOMPARE(tree->model()->rowCount(), 1);
        const QModelIndex cafe = tree->model()->index(0, 0);
        QCOMPARE(cafe.data().toString(), QStringLiteral("cafe"));
        QCOMPARE(tree->model()->rowCount(cafe), 1);
        const QModelIndex releases = tree->model()->index(0, 0, cafe);
        QCOMPARE(tree->model()->rowCount(releases), 1);
        QCOMPARE(tree->model()->index(0, 0, releases).data().toString(), QStringLiteral("deploy-orders"));
        m_view->filterField()->clear();
        QVERIFY(tree->model()->rowCount() >= 2);
    }

    void aWrongTokenIsRefusedWithJenkinsReason()
    {
        JenkinsConnection other(m_engine.get(), m_audit.get(), QStringLiteral("other"));
        JenkinsPreset wrong = m_admin;
        wrong.apiToken = "11deadbeefdeadbeefdeadbeefdeadbeef";
        PipelinesView view(&other, wrong);
        QVERIFY(eventually([&] { return other.state() == JenkinsConnection::State::Failed; }));
        QVERIFY2(view.statusText().contains(QStringLiteral("did not take the credentials")), qPrintable(view.statusText()));
        // The secret is never part of what is shown.
        QVERIFY(!view.statusText().contains(QString::fromUtf8(wrong.apiToken)));
    }

    void buildWithParametersRunsAndItsStagesAdvance()
    {
        const QStringList job{QStringLiteral("shop"), QStringLiteral("frontend-ci")};
        m_confirmTexts.clear();
        const int build = buildThroughPage(job, {{QStringLiteral("GIT_REF"), QStringLiteral("release/widget-test")}});
        QVERIFY2(build > 0, qPrintable(m_view->messageText()));
        // The confirmation named the server, the job and the parameter.
        QCOMPARE(m_confirmTexts.size(), 1);
        QVERIFY2(m_confirmTexts.first().contains(QUrl(m_admin.url).authority()) && m_confirmTexts.first().contains(QStringLiteral("shop/frontend-ci")) &&
                     m_confirmTexts.first().contains(QStringLiteral("GIT_REF=release/widget-test")),
                 qPrintable(m_confirmTexts.first()));
        // Audited once with the build number.
        const auto lines = audited(QStringLiteral("jenkins-trigger"));
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines.first().value(QStringLiteral("detail")).toString().contains(QStringLiteral("build #%1").arg(build)),
                 QJsonDocument(lines.first()).toJson().constData());
        QCOMPARE(lines.first().value(QStringLiteral("result")).toString(), QStringLiteral("succeeded"));

        auto run = openRun(job, build);
        // The stages advance: a stage running now, later another, then the run ends.
        QVERIFY(eventually([&] { return run->run() && run->run()->currentStage() >= 0; }));
        const QString first = run->run()->stages[run->run()->currentStage()].name;
        QVERIFY(eventually([&] {
            const auto r = run->run();
            return r && (isFinished(r->status) || (r->currentStage() >= 0 && r->stages[r->currentStage()].name != first));
        }));
        QVERIFY(eventually([&] { return run->run() && isFinished(run->run()->status); }, 60000));
        QCOMPARE(stageStatusName(run->run()->status), stageStatusName(StageStatus::Success));
        QVERIFY(run->buildInfo());
        bool carried = false;
        const BuildInfo info = *run->buildInfo();
        for (const BuildParameter &p : info.parameters)
            carried = carried || (p.name == QLatin1String("GIT_REF") && p.value == QLatin1String("release/widget-test"));
        QVERIFY(carried);
        QVERIFY(!run->stopButton()->isEnabled());

        // Rebuild: the same parameters offered again, a new build that carries them, opened.
        QList<BuildParameter> offered;
        run->setParametersHandler([&offered](const QList<ParameterDefinition> &, const QList<BuildParameter> &previous) {
            offered = previous;
            return std::optional<QList<BuildParameter>>(previous);
        });
        QSignalSpy opened(run.get(), &RunView::openRunRequested);
        QVERIFY(run->rebuildButton()->isEnabled());
        QTest::mouseClick(run->rebuildButton(), Qt::LeftButton);
        QVERIFY2(eventually([&] { return opened.count() == 1; }), qPrintable(run->messageText()));
        const int again = opened.first().at(1).toInt();
        QVERIFY(again > build);
        bool same = false;
        for (const BuildParameter &p : offered)
            same = same || (p.name == QLatin1String("GIT_REF") && p.value == QLatin1String("release/widget-test"));
        QVERIFY(same);
        auto rebuilt = openRun(job, again);
        QVERIFY(eventually([&] { return rebuilt->buildInfo().has_value(); }));
        const BuildInfo rebuiltInfo = *rebuilt->buildInfo();
        bool carriedAgain = false;
        for (const BuildParameter &p : rebuiltInfo.parameters)
            carriedAgain = carriedAgain || (p.name == QLatin1String("GIT_REF") && p.value == QLatin1String("release/widget-test"));
        QVERIFY(carriedAgain);
        QCOMPARE(audited(QStringLiteral("jenkins-trigger")).size(), 2);
    }

    void approvalCardProceedsWithItsParameter()
    {
        const QStringList job{QStringLiteral("cafe"), QStringLiteral("releases"), QStringLiteral("deploy-orders")};
        const int build = buildThroughPage(job, {{QStringLiteral("VERSION"), QStringLiteral("1.4.9")},
                                                 {QStringLiteral("REGISTRY_TOKEN"), QStringLiteral("s3cr3t-registry")}});
        QVERIFY2(build > 0, qPrintable(m_view->messageText()));
        // The password parameter is masked in the confirmation and never written to the audit log.
        QVERIFY(!m_confirmTexts.last().contains(QStringLiteral("s3cr3t-registry")));
        QVERIFY(!QFile::exists(m_audit->path()) || [&] {
            QFile f(m_audit->path());
            return f.open(QIODevice::ReadOnly) && !f.readAll().contains("s3cr3t-registry");
        }());

        // The job list shows the card while the run waits.
        QVERIFY(eventually([&] {
            for (ApprovalCard *c : m_view->approvalCards())
                if (c->job() == job && c->build() == build)
                    return true;
            return false;
        }));
        const QModelIndex row = m_view->jobModel()->indexOfJob(job);
        QCOMPARE(m_view->jobModel()->index(row.row(), models::JobTreeModel::StatusColumn, row.parent()).data().toString(),
                 QStringLiteral("Waiting for approval"));

        // And the run's page, with the input's parameter.
        auto run = openRun(job, build);
        QVERIFY(eventually([&] { return run->approvalCard() != nullptr; }));
        ApprovalCard *card = run->approvalCard();
        QCOMPARE(card->input().message, QStringLiteral("Deploy orders to production?"));
        QVERIFY(card->form() && card->form()->setValue(QStringLiteral("CHANGE_TICKET"), QStringLiteral("CHG-4711")));
        m_confirmTexts.clear();
        QTest::mouseClick(card->proceedButton(), Qt::LeftButton);
        QVERIFY2(eventually([&] { return run->messageText().contains(QStringLiteral("sent")); }), qPrintable(run->messageText()));
        QVERIFY2(m_confirmTexts.size() == 1 && m_confirmTexts.first().contains(QStringLiteral("CHANGE_TICKET=CHG-4711")),
                 qPrintable(m_confirmTexts.value(0)));
        QVERIFY(eventually([&] { return run->run() && isFinished(run->run()->status); }, 60000));
        QCOMPARE(stageStatusName(run->run()->status), stageStatusName(StageStatus::Success));
        QVERIFY(run->approvalCard() == nullptr);
        QCOMPARE(audited(QStringLiteral("jenkins-input-proceed")).size(), 1);
        // The card leaves the job list.
        QVERIFY(eventually([&] { return m_view->approvalCards().isEmpty(); }));
    }

    void abortFromTheJobListEndsTheRunAborted()
    {
        const QStringList job{QStringLiteral("cafe"), QStringLiteral("releases"), QStringLiteral("deploy-orders")};
        const int build = buildThroughPage(job, {});
        QVERIFY(build > 0);
        ApprovalCard *card = nullptr;
        QVERIFY(eventually([&] {
            for (ApprovalCard *c : m_view->approvalCards())
                if (c->build() == build)
                    card = c;
            return card != nullptr;
        }));
        QTest::mouseClick(card->abortButton(), Qt::LeftButton);
        QVERIFY2(eventually([&] { return m_view->messageText().contains(QStringLiteral("Abort of")); }), qPrintable(m_view->messageText()));
        auto run = openRun(job, build);
        QVERIFY(eventually([&] { return run->buildInfo() && !run->buildInfo()->building; }));
        QVERIFY(run->buildInfo()->result == BuildResult::Aborted);
        QVERIFY(eventually([&] { return m_view->approvalCards().isEmpty(); }));
        QCOMPARE(audited(QStringLiteral("jenkins-input-abort")).size(), 1);
    }

    void stopEndsARunningBuildAborted()
    {
        const QStringList job{QStringLiteral("shop"), QStringLiteral("cartservice-ci")};
        const int build = buildThroughPage(job, {});
        QVERIFY(build > 0);
        auto run = openRun(job, build);
        QVERIFY(eventually([&] { return run->stopButton()->isEnabled(); }));
        QTest::mouseClick(run->stopButton(), Qt::LeftButton);
        QVERIFY(eventually([&] { return run->run() && isFinished(run->run()->status); }));
        QCOMPARE(stageStatusName(run->run()->status), stageStatusName(StageStatus::Aborted));
        QCOMPARE(audited(QStringLiteral("jenkins-stop")).size(), 1);
    }

    void aCancelledConfirmationSendsNothing()
    {
        const int before = audited(QStringLiteral("jenkins-trigger")).size();
        m_view->actionRunner()->setConfirmHandler([](const QString &) { return false; });
        QVERIFY(m_view->selectJob({QStringLiteral("shop"), QStringLiteral("adservice-ci")}));
        m_view->setParametersHandler([](const QList<ParameterDefinition> &) { return std::optional<QList<BuildParameter>>(QList<BuildParameter>()); });
        m_view->buildSelectedJob();
        QVERIFY2(eventually([&] { return m_view->messageText().contains(QStringLiteral("cancelled")); }), qPrintable(m_view->messageText()));
        QCOMPARE(audited(QStringLiteral("jenkins-trigger")).size(), before);
        QVERIFY(!m_view->actionRunner()->isBusy());
        QVERIFY(m_view->buildButton()->isEnabled());  // not left busy
        m_view->actionRunner()->setConfirmHandler([this](const QString &text) {
            m_confirmTexts << text;
            return true;
        });
    }

    void readOnlySaysWhyAndSendsNothing()
    {
        const int before = audited(QStringLiteral("jenkins-trigger")).size();
        QVERIFY(m_view->selectJob({QStringLiteral("shop"), QStringLiteral("adservice-ci")}));
        QVERIFY(m_view->buildButton()->isEnabled());
        m_view->applyReadOnlyReason(QStringLiteral("sim-admin is read-only"));
        QVERIFY(!m_view->buildButton()->isEnabled());
        QCOMPARE(m_view->buildButton()->toolTip(), QStringLiteral("sim-admin is read-only"));
        m_view->buildSelectedJob();
        // Refused before anything is read or sent: nothing is in flight to arrive later.
        QVERIFY(m_view->messageText().contains(QStringLiteral("sim-admin is read-only")));
        QVERIFY(!m_view->actionRunner()->isBusy());
        QCOMPARE(audited(QStringLiteral("jenkins-trigger")).size(), before);
        m_view->applyReadOnlyReason(QString());
        QVERIFY(m_view->buildButton()->isEnabled());
    }

    void aViewerIsToldJenkinsRefused()
    {
        JenkinsConnection viewer(m_engine.get(), m_audit.get(), QStringLiteral("viewer"));
        PipelinesView view(&viewer, m_viewer);
        view.actionRunner()->setConfirmHandler([](const QString &) { return true; });
        view.setParametersHandler([](const QList<ParameterDefinition> &) { return std::optional<QList<BuildParameter>>(QList<BuildParameter>()); });
        QVERIFY(eventually([&] { return viewer.isConnected(); }));
        QVERIFY(eventually([&] { return view.selectJob({QStringLiteral("shop"), QStringLiteral("adservice-ci")}); }));
        QSignalSpy finished(&view, &PipelinesView::actionFinished);
        view.buildSelectedJob();
        QVERIFY(eventually([&] { return finished.count() > 0; }));
        QCOMPARE(finished.first().at(1).toBool(), false);
        QVERIFY2(view.messageText().contains(QStringLiteral("missing the Job/Build permission")), qPrintable(view.messageText()));
    }

    // The page as the shell opens it: the operator types the server in, and the context remembers
    // its URL and user (never the token) for the next start, when the page asks for the token.
    void theContextRemembersTheServerNotTheToken()
    {
        ConnectedWindow console;
        QString error;
        QVERIFY2(console.open(m_sim->kubeconfigPath(), &error), qPrintable(error));
        QVERIFY(eventually([&] { return console.session->client() != nullptr; }));
        const QString context = console.session->contextName();
        QTemporaryFile ca;
        QVERIFY(ca.open());
        ca.write(m_admin.caPem);
        ca.flush();
        auto *page = qobject_cast<PipelinesView *>(console.window->openPage(QStringLiteral("pipelines")));
        QVERIFY(page);
        page->findChild<QLineEdit *>(QStringLiteral("jenkinsUrl"))->setText(m_admin.url);
        page->findChild<QLineEdit *>(QStringLiteral("jenkinsUser"))->setText(m_admin.user);
        page->findChild<QLineEdit *>(QStringLiteral("jenkinsToken"))->setText(QString::fromUtf8(m_admin.apiToken));
        page->findChild<QLineEdit *>(QStringLiteral("jenkinsCaFile"))->setText(ca.fileName());
        QTest::mouseClick(page->findChild<QPushButton *>(QStringLiteral("jenkinsConnect")), Qt::LeftButton);
        QVERIFY2(eventually([&] { return page->connection()->isConnected(); }), qPrintable(page->statusText()));
        QVERIFY(eventually([&] { return page->jobModel()->rowCount() > 0; }));
        const auto endpoints = console.shell.settings->endpoints(context);
        QCOMPARE(QUrl(endpoints.jenkinsUrl).authority(), QUrl(m_admin.url).authority());
        QCOMPARE(endpoints.jenkinsUser, m_admin.user);
        console.shell.settings->raw().sync();
        QFile settings(console.shell.settingsDir.filePath(QStringLiteral("settings.ini")));
        QVERIFY(settings.open(QIODevice::ReadOnly));
        QVERIFY(!settings.readAll().contains(m_admin.apiToken));
        // The next start fills the form from the context and asks for the token.
        const widgets::JenkinsPreset next = console.shell.settings->jenkinsPreset(context);
        QCOMPARE(next.user, m_admin.user);
        QVERIFY(next.apiToken.isEmpty() && next.password.isEmpty());
        QCOMPARE(next.caFile, ca.fileName());  // a private CA is a path, kept with the server
        console.close();
    }
};

QTEST_MAIN(TestPipelinesView)
#include "tst_pipelinesview.moc"
