// Log streams against pilothouse-sim: a container's tail, following new lines, resuming after a
// dropped stream with no gap and no repeat, a Deployment's pods merged with prefixes as pods come
// and go, and the end reasons an operator reads (pod deleted, waiting container, 401, no previous
// instance, the client gone).
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/api/kubeclient.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "workloads/logs/logline.h"
#include "workloads/logs/logstream.h"
#include "workloads/logs/workloadlogs.h"
#include "logmodel.h"
#include "simprocess.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;
using namespace pilothouse::backends::workloads;
using namespace pilothouse::testsupport;

namespace {

// Collects what a stream delivers, and every state it went through.
struct Recorder {
    LogLines lines;
    QList<LogStream::State> states;
    void attach(LogStream *s)
    {
        QObject::connect(s, &LogStream::linesReceived, s, [this](const LogLines &l) { lines.append(l); });
        QObject::connect(s, &LogStream::stateChanged, s, [this](LogStream::State st, const QString &) { states.append(st); });
    }
};

QString key(const LogLine &l) { return QString::number(l.msecs) + QLatin1Char(' ') + l.text; }

}  // namespace

class TestLogStream : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<http::HttpEngine> m_engine;
    QTemporaryDir m_dir;

    // A session connected to the sim: a workload's pods come from its shared informers.
    std::unique_ptr<KubeSession> session(const SimProcess &sim)
    {
        auto config = Kubeconfig::load({sim.kubeconfigPath()});
        if (!config.ok())
            qFatal("%s", qPrintable(config.error().message));
        auto s = std::make_unique<KubeSession>(m_engine.get(), std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json"))));
        s->connectTo(config.value(), QStringLiteral("sim-admin"));
        return s;
    }

    // "anonymous": the viewer's context without its token (the API server's system:anonymous).
    std::unique_ptr<KubeClient> client(const SimProcess &sim, const QString &context)
    {
        auto config = Kubeconfig::load({sim.kubeconfigPath()});
        if (!config.ok())
            qFatal("%s", qPrintable(config.error().message));
        const bool anonymous = context == QLatin1String("anonymous");
        auto resolved = config.value().resolve(anonymous ? QStringLiteral("sim-viewer") : context);
        if (!resolved.ok())
            qFatal("%s", qPrintable(resolved.error().message));
        if (anonymous)
            resolved.value().user.token.clear();
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json")));
        return std::make_unique<KubeClient>(m_engine.get(), resolved.value(), std::make_shared<CredentialProvider>(resolved.value(), approvals));
    }

    QStringList runningPods(const std::string &app, const SimProcess *sim = nullptr)
    {
        sim = sim ? sim : m_sim.get();
        QStringList out;
        Json list = sim->get("/api/v1/namespaces/demo/pods?labelSelector=app%3D" + app).json();
        for (const auto &p : list["items"])
            if (p["status"].value("phase", "") == "Running" && !p["metadata"].contains("deletionTimestamp"))
                out << QString::fromStdString(p["metadata"]["name"].get<std::string>());
        out.sort();
        return out;
    }

    // The container's log as the server has it now (timestamps on), decoded like the stream does.
    LogLines serverLog(const QString &pod, const QString &container)
    {
        HttpReply r = m_sim->get("/api/v1/namespaces/demo/pods/" + pod.toStdString() + "/log?container=" + container.toStdString()
                                 + "&timestamps=true");
        LogLines out;
        LogLineDecoder d(pod, container);
        for (const QByteArray &raw : QByteArray::fromStdString(r.body).split('\n'))
            if (!raw.isEmpty())
                if (auto l = d.decode(raw))
                    out.append(*l);
        return out;
    }

    // `got` is one stretch of `server`: it starts somewhere in it and then follows it line by
    // line, nothing skipped, nothing twice.
    static bool isContiguousStretch(const LogLines &got, const LogLines &server, QString *why)
    {
        if (got.isEmpty()) {
            *why = QStringLiteral("nothing delivered");
            return false;
        }
        qsizetype start = -1;
        for (qsizetype i = 0; i < server.size(); ++i)
            if (server[i].msecs == got[0].msecs && server[i].text == got[0].text) {
                start = i;
                break;
            }
        if (start < 0) {
            *why = QStringLiteral("first delivered line not in the server's log: ") + key(got[0]);
            return false;
        }
        for (qsizetype i = 0; i < got.size(); ++i) {
            if (start + i >= server.size()) {
                *why = QStringLiteral("delivered more than the server has, from %1").arg(key(got[i]));
                return false;
            }
            if (server[start + i].msecs != got[i].msecs || server[start + i].text != got[i].text) {
                *why = QStringLiteral("line %1: delivered %2, server has %3").arg(i).arg(key(got[i]), key(server[start + i]));
                return false;
            }
        }
        return true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--pod-start-ms"), QStringLiteral("100"), QStringLiteral("--pod-ready-ms"),
                                                         QStringLiteral("100"), QStringLiteral("--pod-stop-ms"), QStringLiteral("300")});
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        m_engine = std::make_unique<http::HttpEngine>();
        QVERIFY(eventually([&] { return runningPods("web").size() == 2 && runningPods("api").size() == 1; }, 20000));
        // Traffic on api for the whole test: its container writes a request line every few tens of ms.
        QVERIFY(m_sim->control("load", "namespace=demo&deployment=api&rps=20"));
        // Streams open once the traffic shows in the log (past the startup lines).
        const QString api = runningPods("api").value(0);
        QVERIFY(eventually([&] { return serverLog(api, QStringLiteral("api")).size() >= 20; }, 20000));
    }

    void cleanupTestCase()
    {
        m_engine.reset();
        m_sim.reset();
    }

    void readsAContainersTail()
    {
        auto c = client(*m_sim, QStringLiteral("sim-admin"));
        const QString pod = runningPods("api").value(0);
        LogStream s(c.get(), QStringLiteral("demo"), pod, QStringLiteral("api"));
        s.setTailLines(3);
        s.setFollow(false);  // read once, like `kubectl logs --tail 3`
        Recorder rec;
        rec.attach(&s);
        s.start();
        QTRY_COMPARE_WITH_TIMEOUT(s.state(), LogStream::State::Ended, 10000);
        QCOMPARE(s.detail(), QStringLiteral("end of log"));
        QVERIFY2(!s.lastRequestPath().contains(QLatin1String("follow")) && s.lastRequestPath().contains(QLatin1String("timestamps=true"))
                     && s.lastRequestPath().contains(QLatin1String("tailLines=3")) && s.lastRequestPath().contains(QLatin1String("container=api")),
                 qPrintable(s.lastRequestPath()));
        QCOMPARE(rec.lines.size(), 3);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const LogLine &l : std::as_const(rec.lines)) {
            QCOMPARE(l.pod, pod);
            QCOMPARE(l.container, QStringLiteral("api"));
            QVERIFY(!l.text.isEmpty());
            // The kubelet's timestamp, parsed: recent, not in the future.
            QVERIFY2(l.msecs > now - 3600 * 1000 && l.msecs <= now + 1000, qPrintable(key(l)));
        }
        // The same lines the server has in its log.
        QString why;
        QVERIFY2(isContiguousStretch(rec.lines, serverLog(pod, QStringLiteral("api")), &why), qPrintable(why));
        QCOMPARE(s.stats().connects, 1);
    }

    void followReceivesNewLines()
    {
        auto c = client(*m_sim, QStringLiteral("sim-admin"));
        const QString pod = runningPods("api").value(0);
        LogStream s(c.get(), QStringLiteral("demo"), pod, QStringLiteral("api"));
        s.setTailLines(1);
        Recorder rec;
        rec.attach(&s);
        s.start();
        QTRY_VERIFY_WITH_TIMEOUT(rec.lines.size() >= 1, 10000);
        const qint64 lastTail = rec.lines.last().msecs;
        // The request lines the traffic makes arrive on the open stream.
        QTRY_VERIFY_WITH_TIMEOUT(rec.lines.size() >= 20, 10000);
        QVERIFY(rec.lines.last().msecs > lastTail);
        for (qsizetype i = 1; i < rec.lines.size(); ++i)
            QVERIFY(rec.lines[i].msecs >= rec.lines[i - 1].msecs);
        QCOMPARE(s.stats().connects, 1);  // one request, kept open
        QCOMPARE(s.state(), LogStream::State::Streaming);
    }

    void resumesAfterADroppedStreamWithoutRepeats()
    {
        auto c = client(*m_sim, QStringLiteral("sim-admin"));
        const QString pod = runningPods("api").value(0);
        LogStream s(c.get(), QStringLiteral("demo"), pod, QStringLiteral("api"));
        s.setTailLines(20);
        s.setBackoff(100, 1000);
        Recorder rec;
        rec.attach(&s);
        s.start();
        QTRY_VERIFY_WITH_TIMEOUT(rec.lines.size() >= 30, 15000);
        // Three drops: the API server restarts under the open stream (POST /sim/v1/drop-watches
        // ends watches only, not log streams).
        for (int drop = 1; drop <= 3; ++drop) {
            QVERIFY(m_sim->control("restart"));
            QTRY_VERIFY_WITH_TIMEOUT(s.stats().reconnects >= drop, 15000);
            const qsizetype before = rec.lines.size();
            QTRY_VERIFY_WITH_TIMEOUT(rec.lines.size() > before + 5 && s.state() == LogStream::State::Streaming, 15000);
        }
        s.stop();
        // Every line once, none missing: the delivered lines are one stretch of the server's log.
        QVERIFY(s.stats().duplicatesDropped > 0);  // the server repeated what it had at sinceTime
        QString why;
        QVERIFY2(isContiguousStretch(rec.lines, serverLog(pod, QStringLiteral("api")), &why), qPrintable(why));
        QVERIFY(s.lastRequestPath().contains(QLatin1String("sinceTime=")));
        QVERIFY(!s.lastRequestPath().contains(QLatin1String("tailLines")));
    }

    void mergesTheDeploymentsPodsWithPrefixes()
    {
        auto s = session(*m_sim);
        WorkloadLogs logs(s.get(), QStringLiteral("demo"), {{QStringLiteral("app"), QStringLiteral("web")}});
        logs.setTailLines(5);
        logs.setBackoff(100, 1000);
        pilothouse::models::LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMerged(true);
        model.setBatchInterval(10);
        connect(&logs, &WorkloadLogs::linesReceived, &model, &pilothouse::models::LogModel::appendLines);
        logs.start();

        const QStringList pods = runningPods("web");
        QCOMPARE(pods.size(), 2);
        auto podsInModel = [&] {
            QSet<QString> seen;
            for (int r = 0; r < model.rowCount(); ++r)
                seen.insert(model.lineAt(r).pod);
            return seen;
        };
        QTRY_VERIFY_WITH_TIMEOUT(podsInModel().size() == 2, 15000);
        QCOMPARE(logs.pods(), pods);
        QCOMPARE(podsInModel(), QSet<QString>(pods.begin(), pods.end()));
        for (int r = 0; r < model.rowCount(); ++r) {
            const LogLine &l = model.lineAt(r);
            QCOMPARE(model.data(model.index(r)).toString(), l.pod + QStringLiteral("/web | ") + l.text);
        }
        // Not the api pod's lines: the selector is applied.
        QVERIFY(!podsInModel().contains(runningPods("api").value(0)));

        // A third replica: its lines join in.
        QCOMPARE(m_sim->request("PATCH", "/apis/apps/v1/namespaces/demo/deployments/web/scale", R"({"spec":{"replicas":3}})",
                                "application/merge-patch+json").status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(runningPods("web").size() == 3, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(podsInModel().size() == 3, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(logs.streams().size(), 3, 5000);

        // One is deleted: its stream goes, the replacement's comes.
        const QString victim = runningPods("web").value(0);
        QCOMPARE(m_sim->request("DELETE", "/api/v1/namespaces/demo/pods/" + victim.toStdString(), R"({"gracePeriodSeconds":0})").status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(!logs.pods().contains(victim), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(runningPods("web").size() == 3 && !runningPods("web").contains(victim), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(podsInModel().size() == 4, 15000);
        auto streamsOf = [&](const QString &pod) {
            const QList<WorkloadLogs::StreamInfo> streams = logs.streams();
            return std::count_if(streams.cbegin(), streams.cend(), [&](const WorkloadLogs::StreamInfo &s) { return s.pod == pod; });
        };
        QTRY_COMPARE_WITH_TIMEOUT(streamsOf(victim), 0, 15000);
        QCOMPARE(logs.streams().size(), 3);

        QCOMPARE(m_sim->request("PATCH", "/apis/apps/v1/namespaces/demo/deployments/web/scale", R"({"spec":{"replicas":2}})",
                                "application/merge-patch+json").status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(runningPods("web").size() == 2, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(logs.streams().size(), 2, 15000);
    }

    void endsWithAReasonWhenThePodIsDeleted()
    {
        auto c = client(*m_sim, QStringLiteral("sim-admin"));
        Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "solo"}, {"labels", {{"app", "solo"}}}}},
                    {"spec", {{"containers", {{{"name", "main"}, {"image", "registry.pilothouse.local/demo/tool:1"}}}}}}};
        QCOMPARE(m_sim->request("POST", "/api/v1/namespaces/demo/pods", pod.dump()).status, 201);
        QVERIFY(eventually([&] { return runningPods("solo").size() == 1; }, 10000));
        LogStream s(c.get(), QStringLiteral("demo"), QStringLiteral("solo"), QStringLiteral("main"));
        s.setBackoff(100, 1000);
        Recorder rec;
        rec.attach(&s);
        s.start();
        QTRY_VERIFY_WITH_TIMEOUT(!rec.lines.isEmpty(), 10000);
        QCOMPARE(m_sim->request("DELETE", "/api/v1/namespaces/demo/pods/solo", R"({"gracePeriodSeconds":0})").status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(s.state(), LogStream::State::Ended, 15000);
        QCOMPARE(s.detail(), QStringLiteral("pod demo/solo was deleted"));
        QCOMPARE(s.lastError().kind, ErrorKind::NotFound);
        // And it stays ended: no reconnect attempts after the 404.
        const int connects = s.stats().connects;
        QTest::qWait(500);
        QCOMPARE(s.stats().connects, connects);

        // A pod that never existed says so.
        LogStream ghost(c.get(), QStringLiteral("demo"), QStringLiteral("no-such-pod"), QStringLiteral("main"));
        ghost.start();
        QTRY_COMPARE_WITH_TIMEOUT(ghost.state(), LogStream::State::Ended, 5000);
        QCOMPARE(ghost.detail(), QStringLiteral("pod demo/no-such-pod not found (404)"));
    }

    void aWaitingContainerGetsAClearMessageAndStreamsOnceStarted()
    {
        // A sim of its own whose containers take seconds to start.
        SimProcess slow(QStringList{QStringLiteral("--pod-start-ms"), QStringLiteral("4000"), QStringLiteral("--pod-ready-ms"), QStringLiteral("100")});
        QString error;
        QVERIFY2(slow.start(&error), qPrintable(error));
        auto c = client(slow, QStringLiteral("sim-admin"));
        Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "late"}}},
                    {"spec", {{"containers", {{{"name", "main"}, {"image", "registry.pilothouse.local/demo/tool:1"}}}}}}};
        QCOMPARE(slow.request("POST", "/api/v1/namespaces/demo/pods", pod.dump()).status, 201);
        LogStream s(c.get(), QStringLiteral("demo"), QStringLiteral("late"), QStringLiteral("main"));
        s.setBackoff(200, 1000);
        Recorder rec;
        rec.attach(&s);
        s.start();
        QTRY_COMPARE_WITH_TIMEOUT(s.state(), LogStream::State::Waiting, 5000);
        QVERIFY2(s.detail().startsWith(QLatin1String("container main of pod demo/late is waiting to start")), qPrintable(s.detail()));
        QCOMPARE(s.lastError().httpStatus, 400);
        QVERIFY(s.retryAtMsecs() > 0);
        // It keeps asking, and streams once the container runs.
        QTRY_VERIFY_WITH_TIMEOUT(!rec.lines.isEmpty(), 20000);
        QCOMPARE(s.state(), LogStream::State::Streaming);
        QVERIFY(rec.states.contains(LogStream::State::Waiting));
    }

    void refusedCredentialsAndNoPreviousInstanceAreEndReasons()
    {
        const QString pod = runningPods("api").value(0);
        // Without credentials. (The sim answers 401; its sim-viewer has the "view" role, which
        // may read pod logs as in a real cluster, so a 403 is covered by the unit test.)
        auto anonymous = client(*m_sim, QStringLiteral("anonymous"));
        LogStream denied(anonymous.get(), QStringLiteral("demo"), pod, QStringLiteral("api"));
        denied.setBackoff(100, 1000);
        denied.start();
        QTRY_COMPARE_WITH_TIMEOUT(denied.state(), LogStream::State::Ended, 5000);
        QCOMPARE(denied.lastError().kind, ErrorKind::Unauthorized);
        QCOMPARE(denied.detail(), QStringLiteral("Unauthorized (401): the cluster did not accept the credentials for the logs of container api of pod demo/") + pod);
        QCOMPARE(denied.stats().connects, 1);  // not retried: the same credentials stay refused

        auto admin = client(*m_sim, QStringLiteral("sim-admin"));
        LogStream previous(admin.get(), QStringLiteral("demo"), pod, QStringLiteral("api"));
        previous.setPrevious(true);
        previous.start();
        QTRY_COMPARE_WITH_TIMEOUT(previous.state(), LogStream::State::Ended, 5000);
        QVERIFY(previous.lastRequestPath().contains(QLatin1String("previous=true")));
        QVERIFY(!previous.lastRequestPath().contains(QLatin1String("follow=true")));
        QCOMPARE(previous.detail(), QStringLiteral("container api of pod demo/%1 has no previous instance: it has not restarted").arg(pod));
    }

    void endsWhenTheClientGoes()
    {
        auto c = client(*m_sim, QStringLiteral("sim-admin"));
        const QString pod = runningPods("api").value(0);
        LogStream s(c.get(), QStringLiteral("demo"), pod, QStringLiteral("api"));
        s.start();
        QTRY_COMPARE_WITH_TIMEOUT(s.state(), LogStream::State::Streaming, 5000);
        c.reset();  // a context switch replaces the session's client
        QCOMPARE(s.state(), LogStream::State::Ended);
        QVERIFY(s.detail().startsWith(QLatin1String("disconnected")));
        QTest::qWait(300);  // nothing of the old request runs any more
        QCOMPARE(s.state(), LogStream::State::Ended);
    }
};

QTEST_MAIN(TestLogStream)
#include "tst_logstream.moc"
