// Exec credentials against pilothouse-sim without blocking the thread that sends: the GUI thread
// keeps turning (an event-loop latency probe) while a plugin takes 5 s during an action, callers
// during a refresh share one plugin run, a 401 runs it once more and retries once, a failing
// plugin fails the request with its message (and only the shown message carries its stderr), and
// watch streams open once the credential is there or are cancelled before.
#include "actions/actionfacade.h"
#include "actions/auditlog.h"
#include "http/httpengine.h"
#include "kube/api/kubeclient.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "simprocess.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <curl/curl.h>

#include <algorithm>

using namespace pilothouse::backends;
using namespace pilothouse::backends::actions;
using namespace pilothouse::backends::kube;
using namespace pilothouse::testsupport;

namespace {

// How late a 10 ms timer fires on this thread: a thread that waits for a plugin shows it here.
class LatencyProbe : public QObject {
public:
    LatencyProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(Interval);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.elapsed();
            m_worst = std::max(m_worst, now - m_last - Interval);
            m_last = now;
            ++m_ticks;
        });
    }
    void start()
    {
        m_clock.start();
        m_last = 0;
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    qint64 worstLatenessMs() const { return m_worst; }
    int ticks() const { return m_ticks; }

private:
    static constexpr int Interval = 10;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_worst = 0;
    int m_ticks = 0;
};

int lineCount(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? int(file.readAll().count('\n')) : 0;
}

}  // namespace

class TestCredentialRefresh : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::shared_ptr<ExecApprovalStore> m_approvals;
    QString m_counter;

    // The sim's cluster with a user whose credential comes from tests/data/exec/plugin.py.
    ResolvedContext execContext(const QList<QPair<QString, QString>> &env)
    {
        auto config = Kubeconfig::load({m_sim->kubeconfigPath()});
        ResolvedContext ctx = config.value().resolve(QStringLiteral("sim-admin")).value();
        ExecConfig exec;
        exec.apiVersion = QStringLiteral("client.authentication.k8s.io/v1");
        exec.command = sourceDir() + QStringLiteral("/tests/data/exec/plugin.py");
        exec.interactiveMode = QStringLiteral("Never");
        exec.env = {{QStringLiteral("PLUGIN_COUNTER"), m_counter}};
        exec.env += env;
        KubeUser user;
        user.name = QStringLiteral("slow-sso");
        user.exec = exec;
        ctx.user = user;
        ctx.tls.clientCertPem.clear();
        ctx.tls.clientKeyPem.clear();
        if (!m_approvals->approve(exec))
            qFatal("cannot write the approvals");
        return ctx;
    }

    std::unique_ptr<KubeClient> client(const ResolvedContext &ctx)
    {
        return std::make_unique<KubeClient>(m_engine.get(), ctx, std::make_shared<CredentialProvider>(ctx, m_approvals));
    }

    QPair<QString, QString> viewerToken() const { return {QStringLiteral("PLUGIN_TOKENS"), m_sim->viewerToken()}; }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_sim = std::make_unique<SimProcess>();
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        m_engine = std::make_unique<http::HttpEngine>();
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_approvals = std::make_shared<ExecApprovalStore>(m_dir->filePath(QStringLiteral("approvals.json")));
        m_counter = m_dir->filePath(QStringLiteral("runs"));
    }

    void cleanupTestCase()
    {
        m_engine.reset();
        m_sim.reset();
    }

    void guiThreadKeepsTurningWhileThePluginRuns()
    {
        // The plugin answers after 5 s with the admin's certificate, so the action can patch.
        const ResolvedContext ctx = execContext({{QStringLiteral("PLUGIN_DELAY"), QStringLiteral("5")},
                                                 {QStringLiteral("PLUGIN_MODE"), QStringLiteral("certfiles")},
                                                 {QStringLiteral("PLUGIN_CERT_FILE"), m_sim->certFile()},
                                                 {QStringLiteral("PLUGIN_KEY_FILE"), m_sim->keyFile()}});
        auto kube = client(ctx);
        AuditLog audit(m_dir->filePath(QStringLiteral("audit.jsonl")));
        ActionFacade facade(kube.get(), &audit, QStringLiteral("sim"), QStringLiteral("slow-sso"));
        const Action label = Action::mergePatch(QStringLiteral("label"), ResourceRef::configMaps(), QStringLiteral("demo"),
                                                QStringLiteral("web-config"),
                                                QJsonObject{{QStringLiteral("metadata"),
                                                             QJsonObject{{QStringLiteral("labels"), QJsonObject{{QStringLiteral("probe"), QStringLiteral("slow-sso")}}}}}},
                                                QString(), QStringLiteral("label probe=slow-sso"));

        LatencyProbe probe;
        probe.start();
        QElapsedTimer clock;
        clock.start();
        ActionResult result;
        bool done = false;
        facade.execute(label, this, [&](const ActionResult &r) { result = r; done = true; });
        QVERIFY2(clock.elapsed() < 100, qPrintable(QString::number(clock.elapsed())));
        QTRY_VERIFY_WITH_TIMEOUT(done, 30000);
        probe.stop();
        qInfo("the GUI thread was at most %lld ms late over %d ticks while the plugin ran", probe.worstLatenessMs(), probe.ticks());

        QVERIFY2(result.outcome == Outcome::Succeeded, qPrintable(result.error.message));
        QVERIFY2(clock.elapsed() >= 4900, qPrintable(QString::number(clock.elapsed())));  // the plugin did take its 5 s
        QVERIFY2(probe.worstLatenessMs() < 100, qPrintable(QStringLiteral("the GUI thread stood still for %1 ms").arg(probe.worstLatenessMs())));
        QVERIFY2(probe.ticks() > 100, qPrintable(QString::number(probe.ticks())));
        QCOMPARE(lineCount(m_counter), 1);
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo/configmaps/web-config").json()["metadata"]["labels"]["probe"].get<std::string>(),
                 std::string("slow-sso"));
    }

    void requestsDuringARefreshShareOneRun()
    {
        auto kube = client(execContext({{QStringLiteral("PLUGIN_DELAY"), QStringLiteral("1")}, viewerToken()}));
        int answered = 0;
        QStringList failures;
        for (int i = 0; i < 5; ++i)
            kube->get(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config"), this, [&](const KubeReply &r) {
                ++answered;
                if (!r.ok())
                    failures << r.error.message;
            });
        QTRY_COMPARE_WITH_TIMEOUT(answered, 5, 20000);
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QStringLiteral("; "))));
        QCOMPARE(lineCount(m_counter), 1);
        // Cached afterwards: another request runs nothing.
        bool again = false;
        kube->get(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config"), this, [&](const KubeReply &r) { again = r.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(again, 10000);
        QCOMPARE(lineCount(m_counter), 1);
    }

    void rejectedCredentialRunsThePluginOnceMoreAndRetries()
    {
        // The first run hands out a token the server refuses, the second the viewer's.
        auto kube = client(execContext({{QStringLiteral("PLUGIN_TOKENS"), QStringLiteral("refused-token,") + m_sim->viewerToken()}}));
        int answered = 0;
        QStringList failures;
        for (int i = 0; i < 3; ++i)
            kube->get(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config"), this, [&](const KubeReply &r) {
                ++answered;
                if (!r.ok())
                    failures << r.error.message;
            });
        QTRY_COMPARE_WITH_TIMEOUT(answered, 3, 20000);
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QStringLiteral("; "))));
        // Three refusals of the same token: one more run, not three.
        QCOMPARE(lineCount(m_counter), 2);
    }

    void stillRefusedAfterTheRetryIsAnError()
    {
        auto kube = client(execContext({{QStringLiteral("PLUGIN_TOKENS"), QStringLiteral("refused-token")}}));
        KubeReply reply;
        bool done = false;
        kube->get(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config"), this, [&](const KubeReply &r) { reply = r; done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
        QCOMPARE(reply.error.kind, ErrorKind::Unauthorized);
        QCOMPARE(lineCount(m_counter), 2);  // one retry, no loop
    }

    void failingPluginFailsTheRequestWithItsMessage()
    {
        auto kube = client(execContext({{QStringLiteral("PLUGIN_MODE"), QStringLiteral("fail")},
                                        {QStringLiteral("PLUGIN_STDERR"), QStringLiteral("error: SSO session expired (ref STDERR-7731)\n")}}));
        KubeReply reply;
        bool done = false;
        kube->get(ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config"), this, [&](const KubeReply &r) { reply = r; done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
        QCOMPARE(reply.error.kind, ErrorKind::Config);
        QVERIFY2(reply.error.message.contains(QStringLiteral("SSO session expired")), qPrintable(reply.error.message));

        // The action's audit line says the plugin failed, and nothing of what it wrote to stderr.
        AuditLog audit(m_dir->filePath(QStringLiteral("audit.jsonl")));
        ActionFacade facade(kube.get(), &audit, QStringLiteral("sim"), QStringLiteral("slow-sso"));
        ActionResult result;
        done = false;
        facade.execute(Action::mergePatch(QStringLiteral("label"), ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config"),
                                          QJsonObject{{QStringLiteral("metadata"), QJsonObject{{QStringLiteral("labels"), QJsonObject{{QStringLiteral("x"), QStringLiteral("y")}}}}}},
                                          QString(), QStringLiteral("label x=y")),
                       this, [&](const ActionResult &r) { result = r; done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
        QVERIFY(result.error.message.contains(QStringLiteral("STDERR-7731")));  // shown to the operator
        QFile file(audit.path());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray lines = file.readAll();
        QVERIFY2(lines.contains("exit code 3"), lines.constData());
        QVERIFY2(!lines.contains("STDERR-7731") && !lines.contains("SSO"), lines.constData());
    }

    void streamOpensOnceTheCredentialArrives()
    {
        auto kube = client(execContext({{QStringLiteral("PLUGIN_DELAY"), QStringLiteral("1")}, viewerToken()}));
        QByteArrayList lines;
        bool failed = false;
        KubeClient::WatchHandlers handlers;
        handlers.failedToStart = [&](const KubeReply &) { failed = true; };
        handlers.line = [&](const QByteArray &line) { lines << line; };
        handlers.finished = [](const pilothouse::backends::http::Response &) {};
        QElapsedTimer clock;
        clock.start();
        const auto id = kube->stream(QStringLiteral("/api/v1/namespaces/demo/configmaps?watch=true"), this, handlers);
        QVERIFY(id != 0);
        QVERIFY2(clock.elapsed() < 100, qPrintable(QString::number(clock.elapsed())));
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(lines.cbegin(), lines.cend(), [](const QByteArray &l) { return l.contains("\"web-config\""); }), 20000);
        QVERIFY(!failed);
        kube->cancel(id);
    }

    void streamCancelledBeforeTheCredentialNeverOpens()
    {
        auto kube = client(execContext({{QStringLiteral("PLUGIN_DELAY"), QStringLiteral("1")}, viewerToken()}));
        int lines = 0;
        bool failed = false;
        ApiError finished;
        bool ended = false;
        KubeClient::WatchHandlers handlers;
        handlers.failedToStart = [&](const KubeReply &) { failed = true; };
        handlers.line = [&](const QByteArray &) { ++lines; };
        handlers.finished = [&](const pilothouse::backends::http::Response &r) { finished = r.error; ended = true; };
        const auto id = kube->stream(QStringLiteral("/api/v1/namespaces/demo/configmaps?watch=true"), this, handlers);
        QVERIFY(id != 0);
        kube->cancel(id);
        QTRY_VERIFY_WITH_TIMEOUT(ended, 20000);
        QCOMPARE(finished.kind, ErrorKind::Cancelled);
        QTest::qWait(300);
        QCOMPARE(lines, 0);
        QVERIFY(!failed);
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->activeRequests(), 0, 5000);
    }
};

QTEST_MAIN(TestCredentialRefresh)
#include "tst_credentialrefresh.moc"
