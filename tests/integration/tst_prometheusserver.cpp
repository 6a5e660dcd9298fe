// PrometheusClient against Debian's real Prometheus (2.42), started from a temporary folder and
// scraping itself every second: the answers of the real server parse to the values it means
// (vector, matrix, scalar +Inf and NaN, string, no data), its error envelopes keep errorType and
// status (bad_data 400, execution 422), long queries go as POST, and series, label names and
// label values come back; behind TLS and basic auth (web.config.file) the certificate is verified
// with the given CA, refused without it, and a wrong password is named without the secret.
// Skipped when no prometheus binary is installed.
#include "http/httpengine.h"
#include "prometheus/prometheusclient.h"

#include <curl/curl.h>

#include <QDateTime>
#include <QProcess>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <optional>

using namespace pilothouse::backends;
using namespace pilothouse::backends::prometheus;

namespace {

// A port nobody listens on now (the kernel's choice for an ephemeral bind).
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        qFatal("no free port");
    const int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

}  // namespace

class TestPrometheusServer : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QProcess m_prometheus;
    int m_port = 0;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<PrometheusClient> m_client;

    Result<QueryResult> query(const QString &expr)
    {
        std::optional<Result<QueryResult>> out;
        m_client->instantQuery(expr, 0, this, [&](const Result<QueryResult> &r) { out.emplace(r); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 15000))
            qFatal("no answer from Prometheus");
        return *out;
    }
    template <class T>
    Result<T> wait(std::function<void(QObject *, PrometheusClient::Done<T>)> call)
    {
        std::optional<Result<T>> out;
        call(this, [&](const Result<T> &r) { out.emplace(r); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 15000))
            qFatal("no answer from Prometheus");
        return *out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString binary = QStandardPaths::findExecutable(QStringLiteral("prometheus"));
        if (binary.isEmpty())
            QSKIP("no prometheus binary (Debian's prometheus package; .ci/deps installs it)");
        curl_global_init(CURL_GLOBAL_DEFAULT);
        QVERIFY(m_dir.isValid());
        m_port = freePort();
        QFile config(m_dir.filePath(QStringLiteral("prometheus.yml")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(QStringLiteral("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                                    "scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:%1']\n")
                         .arg(m_port)
                         .toUtf8());
        config.close();
        m_prometheus.setWorkingDirectory(m_dir.path());
        m_prometheus.setProcessChannelMode(QProcess::MergedChannels);
        m_prometheus.setStandardOutputFile(m_dir.filePath(QStringLiteral("prometheus.log")));
        m_prometheus.start(binary, {QStringLiteral("--config.file=") + config.fileName(), QStringLiteral("--storage.tsdb.path=") + m_dir.filePath(QStringLiteral("data")),
                                    QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_port)});
        QVERIFY(m_prometheus.waitForStarted());

        m_engine = std::make_unique<http::HttpEngine>();
        m_client = std::make_unique<PrometheusClient>(m_engine.get());
        PrometheusServer s;
        s.url = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
        QVERIFY(m_client->setServer(s).ok());
        // Ready answers before the first scrape: wait until `up` has its sample.
        const QDateTime until = QDateTime::currentDateTimeUtc().addSecs(30);
        while (QDateTime::currentDateTimeUtc() < until) {
            const auto up = query(QStringLiteral("up"));
            if (up.ok() && !up.value().isEmpty())
                return;
            QTest::qWait(250);
        }
        QFile log(m_dir.filePath(QStringLiteral("prometheus.log")));
        (void)log.open(QIODevice::ReadOnly);
        QFAIL(qPrintable(QStringLiteral("Prometheus did not scrape itself within 30 s:\n") + QString::fromUtf8(log.readAll().right(2000))));
    }

    void cleanupTestCase()
    {
        m_client.reset();
        m_engine.reset();
        if (m_prometheus.state() != QProcess::NotRunning) {
            m_prometheus.terminate();
            if (!m_prometheus.waitForFinished(10000))
                m_prometheus.kill();
            m_prometheus.waitForFinished();
        }
    }

    void anInstantVector()
    {
        const auto r = query(QStringLiteral("up"));
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QCOMPARE(r.value().type, ResultType::Vector);
        QCOMPARE(r.value().series.size(), 1);
        const Series &up = r.value().series[0];
        QCOMPARE(up.metricName(), QStringLiteral("up"));
        QCOMPARE(up.labels.value(QStringLiteral("job")), QStringLiteral("prometheus"));
        QCOMPARE(up.labels.value(QStringLiteral("instance")), QStringLiteral("127.0.0.1:%1").arg(m_port));
        QCOMPARE(up.samples[0].value, 1.0);
        QVERIFY(std::abs(up.samples[0].timeMs - QDateTime::currentMSecsSinceEpoch()) < 60000);
        QCOMPARE(r.value().state(), DataState::Complete);
    }

    void noMatchIsNoData()
    {
        const auto r = query(QStringLiteral("up{job=\"nobody-scrapes-this\"}"));
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QCOMPARE(r.value().state(), DataState::NoData);
    }

    void scalarsWithInfinityAndNaNAndAString()
    {
        const auto inf = query(QStringLiteral("1/0"));
        QCOMPARE(inf.value().type, ResultType::Scalar);
        QVERIFY(std::isinf(inf.value().scalar.value) && inf.value().scalar.value > 0);
        QVERIFY(std::isnan(query(QStringLiteral("0/0")).value().scalar.value));
        QCOMPARE(query(QStringLiteral("-1/0")).value().scalar.value, -qInf());
        const auto str = query(QStringLiteral("\"canary\""));
        QCOMPARE(str.value().type, ResultType::String);
        QCOMPARE(str.value().stringValue, QStringLiteral("canary"));
    }

    void aRangeQueryWithAPlannedStep()
    {
        QTest::qWait(2500);  // a few scrapes to draw
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QueryRange range = planRange(now - 60000, now, 200, 1000);
        QCOMPARE(range.stepMs, qint64(1000));
        const auto r = wait<QueryResult>([&](QObject *rcv, PrometheusClient::Done<QueryResult> d) { m_client->rangeQuery(QStringLiteral("up"), range, rcv, d); });
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QCOMPARE(r.value().type, ResultType::Matrix);
        QCOMPARE(r.value().series.size(), 1);
        const QList<Sample> &samples = r.value().series[0].samples;
        QVERIFY2(samples.size() >= 2, qPrintable(QString::number(samples.size())));
        for (qsizetype i = 0; i < samples.size(); ++i) {
            QCOMPARE(samples[i].value, 1.0);
            QCOMPARE(samples[i].timeMs % range.stepMs, qint64(0));  // on the aligned grid
            if (i > 0)
                QCOMPARE(samples[i].timeMs - samples[i - 1].timeMs, range.stepMs);
        }
    }

    void errorEnvelopesOfTheRealServer()
    {
        const auto bad = query(QStringLiteral("sum("));
        QCOMPARE(bad.error().kind, ErrorKind::Invalid);
        QCOMPARE(bad.error().reason, QStringLiteral("bad_data"));
        QCOMPARE(bad.error().httpStatus, 400);
        QVERIFY2(bad.error().message.contains(QStringLiteral("parse error")), qPrintable(bad.error().message));

        const auto exec = query(QStringLiteral("label_replace(up, \"a\", \"$1\", \"job\", \"(\")"));
        QCOMPARE(exec.error().kind, ErrorKind::Invalid);
        QCOMPARE(exec.error().reason, QStringLiteral("execution"));
        QCOMPARE(exec.error().httpStatus, 422);
        QVERIFY2(exec.error().message.contains(QStringLiteral("invalid regular expression")), qPrintable(exec.error().message));
    }

    void aLongQueryAsPost()
    {
        QString expr = QStringLiteral("up");
        while (expr.size() <= PrometheusClient::kMaxGetQueryLength)
            expr += QStringLiteral(" + 0 * up{job=\"prometheus\", instance=~\".+\"}");
        const auto r = query(expr);
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QCOMPARE(r.value().series.size(), 1);
        QCOMPARE(r.value().series[0].samples[0].value, 1.0);
    }

    void tlsAndBasicAuth()
    {
        const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
        if (openssl.isEmpty())
            QSKIP("no openssl binary to make the server's certificate");
        QTemporaryDir dir;
        const QString cert = dir.filePath(QStringLiteral("cert.pem")), key = dir.filePath(QStringLiteral("key.pem"));
        QProcess make;
        make.setProcessChannelMode(QProcess::MergedChannels);  // its progress dots stay out of the test's output
        make.start(openssl, {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                                             QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                                             QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert, QStringLiteral("-days"), QStringLiteral("1"),
                                             QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                                             QStringLiteral("subjectAltName=IP:127.0.0.1")});
        QVERIFY(make.waitForFinished(30000));
        QVERIFY2(make.exitCode() == 0, make.readAll().constData());
        // bcrypt (cost 4) of "correct horse battery".
        QFile web(dir.filePath(QStringLiteral("web.yml")));
        QVERIFY(web.open(QIODevice::WriteOnly));
        web.write(QStringLiteral("tls_server_config:\n  cert_file: %1\n  key_file: %2\nbasic_auth_users:\n"
                                 "  ada: $2b$04$bj7tnfTpWSn511WWD/umSuGIcek6DD..0rfgFNs4N14nh5it.KD1y\n")
                      .arg(cert, key)
                      .toUtf8());
        web.close();
        QFile config(dir.filePath(QStringLiteral("prometheus.yml")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("global:\n  scrape_interval: 1m\n");
        config.close();
        const int port = freePort();
        QProcess server;
        server.setWorkingDirectory(dir.path());
        server.setProcessChannelMode(QProcess::MergedChannels);
        server.setStandardOutputFile(dir.filePath(QStringLiteral("prometheus.log")));
        server.start(QStandardPaths::findExecutable(QStringLiteral("prometheus")),
                     {QStringLiteral("--config.file=") + config.fileName(), QStringLiteral("--storage.tsdb.path=") + dir.filePath(QStringLiteral("data")),
                      QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port), QStringLiteral("--web.config.file=") + web.fileName()});
        QVERIFY(server.waitForStarted());
        auto stop = qScopeGuard([&] {
            server.terminate();
            if (!server.waitForFinished(10000))
                server.kill();
            server.waitForFinished();
        });

        PrometheusClient client(m_engine.get());
        auto ask = [&](const PrometheusServer &s) {
            const auto set = client.setServer(s);
            if (!set.ok())
                return Result<QueryResult>::failure(set.error());
            std::optional<Result<QueryResult>> out;
            client.instantQuery(QStringLiteral("vector(7)"), 0, this, [&](const Result<QueryResult> &r) { out.emplace(r); });
            if (!QTest::qWaitFor([&] { return out.has_value(); }, 15000))
                qFatal("no answer from Prometheus");
            return *out;
        };
        PrometheusServer s;
        s.url = QStringLiteral("https://127.0.0.1:%1").arg(port);
        s.user = QStringLiteral("ada");
        s.password = "correct horse battery";
        s.caFile = cert;
        // Until it listens.
        std::optional<Result<QueryResult>> ok;
        const QDateTime until = QDateTime::currentDateTimeUtc().addSecs(30);
        while (QDateTime::currentDateTimeUtc() < until) {
            ok.emplace(ask(s));
            if (ok->ok() || ok->error().kind != ErrorKind::Network)
                break;
            QTest::qWait(200);
        }
        QVERIFY2(ok->ok(), qPrintable(ok->error().message));
        QCOMPARE(ok->value().series[0].samples[0].value, 7.0);
        QVERIFY(client.securityNote().isEmpty());

        // Not signed by a CA the system trusts: refused, and the check is named.
        s.caFile.clear();
        const auto untrusted = ask(s);
        QCOMPARE(untrusted.error().kind, ErrorKind::Tls);
        QVERIFY2(untrusted.error().message.contains(QStringLiteral("the system's trusted CAs")), qPrintable(untrusted.error().message));
        // Unless told not to verify: then said.
        s.insecureSkipVerify = true;
        QVERIFY(ask(s).ok());
        QVERIFY(client.securityNote().contains(QStringLiteral("TLS not verified")));

        // A wrong password: named with the user, never with either password.
        s.insecureSkipVerify = false;
        s.caFile = cert;
        s.password = "wrong horse battery";
        const auto refused = ask(s);
        QCOMPARE(refused.error().kind, ErrorKind::Unauthorized);
        QCOMPARE(refused.error().httpStatus, 401);
        QVERIFY2(refused.error().message.contains(QStringLiteral("credentials of ada")), qPrintable(refused.error().message));
        QVERIFY(!refused.error().message.contains(QStringLiteral("horse")));
    }

    void seriesLabelsAndValues()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto series = wait<SeriesList>([&](QObject *rcv, PrometheusClient::Done<SeriesList> d) {
            m_client->series({QStringLiteral("up"), QStringLiteral("prometheus_build_info")}, now - 300000, now, rcv, d);
        });
        QVERIFY2(series.ok(), qPrintable(series.error().message));
        QCOMPARE(series.value().series.size(), 2);
        const auto labels = wait<NameList>([&](QObject *rcv, PrometheusClient::Done<NameList> d) { m_client->labels({}, 0, 0, rcv, d); });
        QVERIFY2(labels.ok(), qPrintable(labels.error().message));
        QVERIFY(labels.value().names.contains(QStringLiteral("job")));
        QVERIFY(labels.value().names.contains(QStringLiteral("__name__")));
        const auto jobs = wait<NameList>([&](QObject *rcv, PrometheusClient::Done<NameList> d) {
            m_client->labelValues(QStringLiteral("job"), {QStringLiteral("up")}, 0, 0, rcv, d);
        });
        QCOMPARE(jobs.value().names, QStringList{QStringLiteral("prometheus")});
        const auto none = wait<NameList>([&](QObject *rcv, PrometheusClient::Done<NameList> d) {
            m_client->labelValues(QStringLiteral("no_such_label"), {}, 0, 0, rcv, d);
        });
        QVERIFY2(none.ok(), qPrintable(none.error().message));
        QCOMPARE(none.value().state(), DataState::NoData);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusServer)
#include "tst_prometheusserver.moc"
