// Informers against pilothouse-sim: convergence under churn and through every fault a real API
// server produces (restart, 410, dropped watches, refused connections), with no object lost,
// stale or doubled; and the errors an operator sees for a refused write and a wrong CA.
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/cache/informer.h"
#include "kube/api/kubeclient.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "objecttablemodel.h"
#include "simprocess.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

#include <atomic>
#include <map>
#include <thread>

using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;
using namespace pilothouse::testsupport;

namespace {

const char *kCm = "/api/v1/namespaces/demo/configmaps";

std::string configMap(const std::string &name, int value)
{
    return Json({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"v", std::to_string(value)}}}}).dump();
}

}  // namespace

class TestInformerSim : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<http::HttpEngine> m_engine;
    QTemporaryDir m_dir;

    ResolvedContext resolve(const SimProcess &sim, const QString &context)
    {
        auto config = Kubeconfig::load({sim.kubeconfigPath()});
        if (!config.ok())
            qFatal("%s", qPrintable(config.error().message));
        auto resolved = config.value().resolve(context);
        if (!resolved.ok())
            qFatal("%s", qPrintable(resolved.error().message));
        return resolved.value();
    }

    std::unique_ptr<KubeClient> client(const QString &context)
    {
        ResolvedContext ctx = resolve(*m_sim, context);
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json")));
        return std::make_unique<KubeClient>(m_engine.get(), ctx, std::make_shared<CredentialProvider>(ctx, approvals));
    }

    // name -> resourceVersion as the server has it now.
    std::map<std::string, std::string> serverState()
    {
        std::map<std::string, std::string> out;
        Json list = m_sim->get(kCm).json();
        for (const auto &item : list["items"])
            out[item["metadata"]["name"]] = item["metadata"]["resourceVersion"];
        return out;
    }

    static std::map<std::string, std::string> informerState(const Informer &inf)
    {
        std::map<std::string, std::string> out;
        for (const auto &o : inf.snapshot())
            out[o->name.toStdString()] = o->resourceVersion.toStdString();
        return out;
    }

    // The informer and a model fed only by its signals both equal the server: nothing lost,
    // nothing stale (same resourceVersion), nothing doubled (one row per key).
    bool converged(const Informer &inf, const pilothouse::models::ObjectTableModel &model)
    {
        auto server = serverState();
        if (informerState(inf) != server || model.rowCount() != static_cast<int>(server.size()))
            return false;
        for (int row = 0; row < model.rowCount(); ++row) {
            auto obj = model.objectAt(row);
            auto it = server.find(obj->name.toStdString());
            if (it == server.end() || it->second != obj->resourceVersion.toStdString() || model.rowOf(obj->key()) != row)
                return false;
        }
        return true;
    }

    struct Churn {
        SimProcess *sim;
        std::atomic<bool> stop{false};
        std::atomic<int> ops{0};
        std::thread thread;
        explicit Churn(SimProcess *s) : sim(s)
        {
            thread = std::thread([this] {
                int i = 0;
                while (!stop) {
                    std::string name = "churn-" + std::to_string(i % 40);
                    switch (i % 3) {
                    case 0: sim->request("POST", kCm, configMap(name, i)); break;
                    case 1: sim->request("PATCH", std::string(kCm) + "/" + name, Json({{"data", {{"v", std::to_string(i)}}}}).dump(), "application/merge-patch+json"); break;
                    case 2: if (i % 5 == 2) sim->request("DELETE", std::string(kCm) + "/" + name); break;
                    }
                    ++i;
                    ++ops;
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                }
            });
        }
        ~Churn()
        {
            stop = true;
            thread.join();
        }
    };

    struct Harness {
        std::unique_ptr<Informer> informer;
        pilothouse::models::PodTableModel model;  // any ObjectTableModel will do
        std::unique_ptr<QAbstractItemModelTester> tester;
    };

    std::unique_ptr<Harness> startInformer(KubeClient *c)
    {
        auto h = std::make_unique<Harness>();
        h->tester = std::make_unique<QAbstractItemModelTester>(&h->model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        h->informer = std::make_unique<Informer>(c, ResourceRef::configMaps(), QStringLiteral("demo"));
        h->informer->setBackoff(300, 3000);
        h->informer->setPageSize(7);  // several pages even for small lists
        connect(h->informer.get(), &Informer::synced, &h->model, &pilothouse::models::ObjectTableModel::resetObjects);
        connect(h->informer.get(), &Informer::changed, &h->model, &pilothouse::models::ObjectTableModel::applyChanges);
        h->informer->start();
        return h;
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--pod-start-ms"), QStringLiteral("100"), QStringLiteral("--pod-ready-ms"),
                                                         QStringLiteral("100"), QStringLiteral("--bookmark-interval"), QStringLiteral("1"),
                                                         QStringLiteral("--pods"), QStringLiteral("20")});
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        m_engine = std::make_unique<http::HttpEngine>();
    }

    void cleanupTestCase()
    {
        m_engine.reset();
        m_sim.reset();
    }

    void convergesUnderChurn()
    {
        auto c = client(QStringLiteral("sim-admin"));
        auto h = startInformer(c.get());
        QTRY_VERIFY_WITH_TIMEOUT(h->informer->state() == Informer::State::Watching, 10000);
        {
            Churn churn(m_sim.get());
            QTRY_VERIFY_WITH_TIMEOUT(churn.ops > 300, 20000);
        }
        QTRY_VERIFY_WITH_TIMEOUT(converged(*h->informer, h->model), 10000);
        QVERIFY(h->informer->stats().bookmarks > 0 || h->informer->stats().watchesStarted >= 1);
    }

    void reportsListProgressPageByPage()
    {
        auto c = client(QStringLiteral("sim-admin"));
        Informer informer(c.get(), ResourceRef::pods(), QString());
        informer.setPageSize(2);
        informer.setKeepJson(false);
        QSignalSpy progress(&informer, &Informer::listProgress);
        QSignalSpy synced(&informer, &Informer::synced);
        informer.start();
        QTRY_COMPARE_WITH_TIMEOUT(synced.count(), 1, 10000);
        const auto all = synced.first().first().value<ObjectList>();
        const int total = static_cast<int>(all.size());
        QVERIFY2(total >= 20, qPrintable(QStringLiteral("the sim's 20 extra pods and the scenario's; %1 listed").arg(total)));
        // One report per page but the last (which is the sync), counting up to the server's total.
        QCOMPARE(progress.count(), (total + 1) / 2 - 1);
        int previous = 0;
        for (const auto &args : progress) {
            const int received = args.at(0).toInt();
            QVERIFY(received > previous);
            QCOMPARE(args.at(1).toInt(), total);  // remainingItemCount + what came
            previous = received;
        }
        QCOMPARE(progress.first().at(0).toInt(), 2);
        // Summary-only: the pods carry no JSON but their summary.
        for (const auto &o : all) {
            QVERIFY(!o->hasJson());
            QVERIFY(o->pod());
        }
    }

    void survivesDroppedWatchesWithoutRelist()
    {
        auto c = client(QStringLiteral("sim-admin"));
        auto h = startInformer(c.get());
        QTRY_VERIFY_WITH_TIMEOUT(h->informer->state() == Informer::State::Watching, 10000);
        {
            Churn churn(m_sim.get());
            for (int i = 0; i < 3; ++i) {
                QTest::qWait(400);
                QVERIFY(m_sim->control("drop-watches"));
            }
            QTest::qWait(400);
        }
        QTRY_VERIFY_WITH_TIMEOUT(converged(*h->informer, h->model), 15000);
        QCOMPARE(h->informer->stats().lists, 1);  // resumed from the last resourceVersion each time
        QVERIFY(h->informer->stats().watchesStarted >= 2);
    }

    void relistsOn410()
    {
        auto c = client(QStringLiteral("sim-admin"));
        auto h = startInformer(c.get());
        QTRY_VERIFY_WITH_TIMEOUT(h->informer->state() == Informer::State::Watching, 10000);
        {
            Churn churn(m_sim.get());
            QTest::qWait(300);
            // The watch is dropped and its resumption answered "410 Gone".
            QVERIFY(m_sim->control("gone-next-watch"));
            QVERIFY(m_sim->control("drop-watches"));
            QTest::qWait(500);
            // And a compaction: the resume point itself becomes too old.
            QVERIFY(m_sim->control("compact"));
            QVERIFY(m_sim->control("drop-watches"));
            QTest::qWait(500);
        }
        QTRY_VERIFY_WITH_TIMEOUT(converged(*h->informer, h->model), 15000);
        QVERIFY(h->informer->stats().relistsOnGone >= 1);
        QVERIFY(h->informer->stats().lists >= 2);
    }

    void survivesRestartAndRefusedConnections()
    {
        auto c = client(QStringLiteral("sim-admin"));
        auto h = startInformer(c.get());
        QTRY_VERIFY_WITH_TIMEOUT(h->informer->state() == Informer::State::Watching, 10000);
        QSignalSpy states(h->informer.get(), &Informer::stateChanged);
        {
            Churn churn(m_sim.get());
            QTest::qWait(300);
            QVERIFY(m_sim->control("restart"));
            QTest::qWait(800);
        }
        QTRY_VERIFY_WITH_TIMEOUT(converged(*h->informer, h->model), 15000);
        // Five seconds of refused connections; writes resume afterwards.
        QVERIFY(m_sim->control("refuse", "seconds=5"));
        QTest::qWait(5500);
        QTRY_VERIFY_WITH_TIMEOUT(m_sim->get("/version").status == 200, 5000);
        {
            Churn churn(m_sim.get());
            QTest::qWait(800);
        }
        QTRY_VERIFY_WITH_TIMEOUT(converged(*h->informer, h->model), 20000);
        bool backedOff = false;
        for (const auto &args : states)
            backedOff = backedOff || args.at(0).value<Informer::State>() == Informer::State::Backoff;
        QVERIFY(backedOff);
        QTRY_VERIFY_WITH_TIMEOUT(h->informer->state() == Informer::State::Watching, 15000);
    }

    void viewerWriteIsForbiddenWithTheServersMessage()
    {
        auto viewer = client(QStringLiteral("sim-viewer"));
        KubeReply reply;
        bool done = false;
        viewer->request("POST", QString::fromLatin1(kCm), QByteArray::fromStdString(configMap("from-viewer", 1)), "application/json", this,
                        [&](const KubeReply &r) { reply = r; done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QCOMPARE(reply.status, 403);
        QCOMPARE(reply.error.kind, ErrorKind::Forbidden);
        QVERIFY2(reply.error.message.contains(QStringLiteral("User \"sim-viewer\" cannot create resource \"configmaps\"")), qPrintable(reply.error.message));
        QCOMPARE(m_sim->get(std::string(kCm) + "/from-viewer").status, 404);
        // Reads work for the viewer.
        bool readDone = false;
        viewer->request("GET", QString::fromLatin1(kCm), {}, {}, this, [&](const KubeReply &r) { reply = r; readDone = true; });
        QTRY_VERIFY_WITH_TIMEOUT(readDone, 10000);
        QVERIFY(reply.ok());
    }

    void wrongCaFailsWithATlsErrorAndNoFallback()
    {
        SimProcess other;
        QString error;
        QVERIFY2(other.start(&error), qPrintable(error));
        ResolvedContext ctx = resolve(*m_sim, QStringLiteral("sim-admin"));
        ResolvedContext otherCtx = resolve(other, QStringLiteral("sim-admin"));
        ctx.tls.caPem = otherCtx.tls.caPem;  // a CA that did not sign this server's certificate
        QVERIFY(!ctx.tls.insecureSkipVerify);
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json")));
        KubeClient c(m_engine.get(), ctx, std::make_shared<CredentialProvider>(ctx, approvals));
        KubeReply reply;
        bool done = false;
        c.request("GET", QStringLiteral("/api/v1/namespaces"), {}, {}, this, [&](const KubeReply &r) { reply = r; done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QCOMPARE(reply.error.kind, ErrorKind::Tls);
        QCOMPARE(reply.status, 0);
        QVERIFY(reply.body.isEmpty());
        QVERIFY2(reply.error.message.contains(QStringLiteral("certificate"), Qt::CaseInsensitive), qPrintable(reply.error.message));
        QVERIFY2(reply.error.message.contains(QStringLiteral("127.0.0.1")), qPrintable(reply.error.message));
        // Which name was checked against which CA, so the operator knows what to fix.
        QVERIFY2(reply.error.message.contains(QStringLiteral("certificate-authority-data of cluster \"pilothouse-sim\"")), qPrintable(reply.error.message));
    }

    void sessionReportsConnectionStates()
    {
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json")));
        KubeSession session(m_engine.get(), approvals);
        QSignalSpy states(&session, &KubeSession::connectionStateChanged);
        QSignalSpy pods(&session, &KubeSession::podsSynced);
        auto config = Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY(config.ok());
        session.connectTo(config.value(), QStringLiteral("sim-admin"));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), KubeSession::ConnectionState::Live, 10000);
        QVERIFY(pods.count() >= 1);
        QVERIFY(m_sim->control("refuse", "seconds=3"));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), KubeSession::ConnectionState::Reconnecting, 10000);
        QVERIFY(!session.stateDetail().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), KubeSession::ConnectionState::Live, 20000);
        // An unknown context is an error naming it, not a crash.
        session.connectTo(config.value(), QStringLiteral("no-such-context"));
        QCOMPARE(session.state(), KubeSession::ConnectionState::Error);
        QVERIFY2(session.stateDetail().contains(QStringLiteral("no-such-context")), qPrintable(session.stateDetail()));
    }
};

QTEST_MAIN(TestInformerSim)
#include "tst_informersim.moc"
