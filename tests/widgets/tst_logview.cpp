// Widget test (offscreen): the log view against pilothouse-sim: a Deployment's two pods merged
// with prefixes, search (count, next/previous, only matching), the ring buffer bound with a small
// capacity, Follow that pauses when scrolled up, one pod's view, and a clean stop when the session
// replaces its client.
#include "actions/sessionactions.h"
#include "actions/auditlog.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "logfilterproxymodel.h"
#include "logmodel.h"
#include "resources/logview.h"
#include "simprocess.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <curl/curl.h>

using namespace pilothouse;
using namespace pilothouse::testsupport;
using widgets::LogView;

class TestLogView : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<backends::http::HttpEngine> m_engine;
    std::unique_ptr<backends::kube::KubeSession> m_session;
    QTemporaryDir m_dir;

    static const QMap<QString, QString> &webSelector()
    {
        static const QMap<QString, QString> s{{QStringLiteral("app"), QStringLiteral("web")}};
        return s;
    }

    QStringList runningPods(const std::string &app)
    {
        QStringList out;
        Json list = m_sim->get("/api/v1/namespaces/demo/pods?labelSelector=app%3D" + app).json();
        for (const auto &p : list["items"])
            if (p["status"].value("phase", "") == "Running" && !p["metadata"].contains("deletionTimestamp"))
                out << QString::fromStdString(p["metadata"]["name"].get<std::string>());
        out.sort();
        return out;
    }

    static QSet<QString> podsIn(const models::LogModel *model)
    {
        QSet<QString> pods;
        for (int r = 0; r < model->rowCount(); ++r)
            pods.insert(model->lineAt(r).pod);
        return pods;
    }

    std::unique_ptr<LogView> mergedWebView()
    {
        std::unique_ptr<LogView> v(LogView::forWorkload(m_session.get(), QStringLiteral("demo"), QStringLiteral("web"), webSelector()));
        if (v) {
            v->resize(1000, 500);
            v->show();
        }
        return v;
    }

    void reconnectSession()
    {
        auto config = backends::kube::Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY(config.ok());
        m_session->connectTo(config.value(), QStringLiteral("sim-admin"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--pod-start-ms"), QStringLiteral("100"), QStringLiteral("--pod-ready-ms"), QStringLiteral("100")});
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        QVERIFY(eventually([&] { return runningPods("web").size() == 2 && runningPods("api").size() == 1; }, 20000));
        // Some traffic, so that the containers write request lines (low enough for web's HPA to stay put).
        QVERIFY(m_sim->control("load", "namespace=demo&deployment=web&rps=8"));
        QVERIFY(m_sim->control("load", "namespace=demo&deployment=api&rps=8"));
        // Views open once the traffic shows in the pods' logs.
        QVERIFY(eventually([&] {
            for (const QString &pod : runningPods("web")) {
                const std::string log = m_sim->get("/api/v1/namespaces/demo/pods/" + pod.toStdString() + "/log").body;
                if (std::count(log.cbegin(), log.cend(), '\n') < 10)
                    return false;
            }
            return true;
        }, 20000));
        m_engine = std::make_unique<backends::http::HttpEngine>();
        auto approvals = std::make_shared<backends::kube::ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json")));
        m_session = std::make_unique<backends::kube::KubeSession>(m_engine.get(), approvals);
        backends::actions::SessionActions::of(m_session.get())->setAuditLog(std::make_shared<backends::actions::AuditLog>(m_dir.filePath(QStringLiteral("audit.jsonl"))));
        auto config = backends::kube::Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY(config.ok());
        m_session->connectTo(config.value(), QStringLiteral("sim-admin"));
        m_session->setNamespace(QStringLiteral("demo"));
        QVERIFY(m_session->client());
    }

    void cleanupTestCase()
    {
        m_session.reset();
        m_engine.reset();
        m_sim.reset();
    }

    void mergedViewShowsBothPodsWithPrefixes()
    {
        auto view = mergedWebView();
        QVERIFY(view);
        QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(view->mode(), LogView::Mode::Workload);
        QCOMPARE(view->windowTitle(), QStringLiteral("Logs: demo/web (all pods)"));
        const QStringList pods = runningPods("web");
        QTRY_COMPARE_WITH_TIMEOUT(podsIn(view->model()), QSet<QString>(pods.begin(), pods.end()), 15000);
        auto *model = view->model();
        for (int r = 0; r < model->rowCount(); ++r)
            QVERIFY(model->data(model->index(r)).toString().startsWith(model->lineAt(r).pod + QStringLiteral("/web | ")));
        // Per-pod colours for the prefixes.
        QVERIFY(model->podColorIndex(pods[0]) != model->podColorIndex(pods[1]));
        QTRY_VERIFY2_WITH_TIMEOUT(view->statusLabel()->text().startsWith(QStringLiteral("streaming 2 pods · ")), qPrintable(view->statusLabel()->text()), 5000);
        QVERIFY(view->statusLabel()->text().contains(QLatin1String(" lines")));
        // The parts a workload view has no use for.
        QVERIFY(!view->containerPicker()->isVisible());
        QVERIFY(!view->previousButton()->isVisible());
        // Timestamps in front of every line.
        view->timestampsButton()->click();
        QVERIFY(model->data(model->index(0)).toString().contains(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z "))));
    }

    void searchCountsAndJumps()
    {
        auto view = mergedWebView();
        QVERIFY(view);
        auto *model = view->model();
        QTRY_VERIFY_WITH_TIMEOUT(podsIn(model).size() == 2, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 20, 15000);
        // Case-insensitive: "get " matches the access lines' "GET ".
        QTest::keyClicks(view->searchEdit(), QStringLiteral("get "));
        QTRY_VERIFY_WITH_TIMEOUT(model->matchCount() > 0, 5000);
        QCOMPARE(model->searchText(), QStringLiteral("get "));
        QTRY_VERIFY(view->matchLabel()->text().endsWith(QLatin1String("matches")));
        QVERIFY(model->matchCount() < model->rowCount());  // not every line: startup and warnings differ

        view->searchNextButton()->click();
        QModelIndex current = view->proxy()->mapToSource(view->listView()->currentIndex());
        QVERIFY(current.isValid());
        QVERIFY(model->matches(current.row()));
        QCOMPARE(current.row(), model->findNext(-1));
        QVERIFY(!view->isFollowing());  // reading a match: the end does not pull the view away
        QVERIFY(!view->followButton()->isChecked());
        QVERIFY2(view->matchLabel()->text().startsWith(QLatin1String("1 of ")), qPrintable(view->matchLabel()->text()));
        view->searchNextButton()->click();
        const int second = view->proxy()->mapToSource(view->listView()->currentIndex()).row();
        QVERIFY(second > current.row() && model->matches(second));
        QVERIFY2(view->matchLabel()->text().startsWith(QLatin1String("2 of ")), qPrintable(view->matchLabel()->text()));
        view->searchPreviousButton()->click();
        QCOMPARE(view->proxy()->mapToSource(view->listView()->currentIndex()).row(), current.row());
        // Enter in the field goes to the next match too.
        QTest::keyClick(view->searchEdit(), Qt::Key_Return);
        QCOMPARE(view->proxy()->mapToSource(view->listView()->currentIndex()).row(), second);

        // Only matching lines.
        view->onlyMatchingButton()->click();
        QTRY_COMPARE(view->proxy()->rowCount(), model->matchCount());
        for (int r = 0; r < view->proxy()->rowCount(); ++r)
            QVERIFY(view->proxy()->index(r, 0).data(models::LogModel::TextRole).toString().contains(QLatin1String("GET "), Qt::CaseInsensitive)
                    || view->proxy()->index(r, 0).data(models::LogModel::PodRole).toString().contains(QLatin1String("get "), Qt::CaseInsensitive));
        view->onlyMatchingButton()->click();
        QTRY_COMPARE(view->proxy()->rowCount(), model->rowCount());
        view->searchEdit()->clear();
        QTRY_COMPARE(model->matchCount(), 0);
        QTRY_COMPARE(view->matchLabel()->text(), QString());
    }

    void ringBufferBoundIsHonoured()
    {
        auto view = mergedWebView();
        QVERIFY(view);
        view->setCapacity(40);
        auto *model = view->model();
        QTRY_VERIFY_WITH_TIMEOUT(model->droppedLines() > 0 && model->rowCount() == 40, 20000);
        // Lines keep coming; the view keeps the newest 40.
        const qint64 dropped = model->droppedLines();
        QTRY_VERIFY_WITH_TIMEOUT(model->droppedLines() > dropped + 20, 20000);
        QCOMPARE(model->rowCount(), 40);
        QCOMPARE(view->proxy()->rowCount(), 40);
        QVERIFY(model->pendingLines() <= 40);
        QTRY_VERIFY_WITH_TIMEOUT(view->statusLabel()->text().contains(QLatin1String("older dropped, keeping 40")), 3000);
        // Oldest first, newest last: timestamps never go back within one pod.
        QHash<QString, qint64> last;
        for (int r = 0; r < model->rowCount(); ++r) {
            const auto &l = model->lineAt(r);
            QVERIFY(l.msecs >= last.value(l.pod, 0));
            last[l.pod] = l.msecs;
        }
        view->clearButton()->click();
        QCOMPARE(model->rowCount(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0, 10000);  // the stream goes on
    }

    void followPausesWhenScrolledUp()
    {
        auto view = mergedWebView();
        QVERIFY(view);
        QVERIFY(QTest::qWaitForWindowExposed(view.get()));
        QScrollBar *bar = view->listView()->verticalScrollBar();
        QTRY_VERIFY_WITH_TIMEOUT(bar->maximum() > 0, 15000);
        QVERIFY(view->isFollowing());
        QTRY_COMPARE(bar->value(), bar->maximum());
        // New lines keep the end in view.
        const int rows = view->model()->rowCount();
        QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > rows, 10000);
        QTRY_COMPARE(bar->value(), bar->maximum());
        // The reader scrolls up: following stops, and new lines do not move the view.
        bar->setValue(0);
        QVERIFY(!view->isFollowing());
        QVERIFY(!view->followButton()->isChecked());
        const int rowsNow = view->model()->rowCount();
        QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > rowsNow, 10000);
        QTest::qWait(100);
        QCOMPARE(bar->value(), 0);
        // Back at the end: following again.
        bar->setValue(bar->maximum());
        QVERIFY(view->isFollowing());
        QVERIFY(view->followButton()->isChecked());
        // And the button does the same.
        view->followButton()->click();
        QVERIFY(!view->isFollowing());
        view->followButton()->click();
        QVERIFY(view->isFollowing());
        QCOMPARE(bar->value(), bar->maximum());
    }

    void onePodsView()
    {
        const QString pod = runningPods("api").value(0);
        std::unique_ptr<LogView> view(LogView::forPod(m_session.get(), QStringLiteral("demo"), pod, {QStringLiteral("api")}));
        QVERIFY(view);
        view->show();
        QCOMPARE(view->mode(), LogView::Mode::Pod);
        QCOMPARE(view->containerPicker()->currentText(), QStringLiteral("api"));
        QVERIFY(view->previousButton()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > 3, 10000);
        // No prefix for a single container's lines.
        QCOMPARE(view->model()->data(view->model()->index(0)).toString(), view->model()->lineAt(0).text);
        QTRY_COMPARE_WITH_TIMEOUT(view->statusLabel()->text().section(QStringLiteral(" · "), 0, 0), QStringLiteral("streaming %1 (api)").arg(pod), 5000);
        // The previous instance: there is none, and the status line says so.
        view->previousButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(view->statusLabel()->text().section(QStringLiteral(" · "), 0, 0),
                                  QStringLiteral("ended: container api of pod demo/%1 has no previous instance: it has not restarted").arg(pod), 5000);
        QCOMPARE(view->model()->rowCount(), 0);
    }

    // Last: it replaces the session's client.
    void stopsWhenTheSessionReplacesItsClient()
    {
        auto view = mergedWebView();
        QVERIFY(view);
        QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > 0, 15000);
        reconnectSession();  // a new client, the old one deleted
        QVERIFY2(view->statusLabel()->text().startsWith(QLatin1String("disconnected: the console switched context")),
                 qPrintable(view->statusLabel()->text()));
        const int rows = view->model()->rowCount();
        QTest::qWait(1500);
        QCOMPARE(view->model()->rowCount(), rows);  // nothing arrives any more
        QVERIFY(view->workloadLogs() == nullptr);
    }
};

QTEST_MAIN(TestLogView)
#include "tst_logview.moc"
