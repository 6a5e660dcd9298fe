// PrometheusClient against a scripted Prometheus on loopback: answers parsed on the client's
// parser thread, long queries sent as a POST form, range parameters, a query superseded under
// the same key cancelled and never delivered, errors named with their errorType and status, and
// the bearer token never in a message.
#include "http/httpengine.h"
#include "prometheus/prometheusclient.h"

#include <curl/curl.h>
#include <httplib.h>

#include <QFile>
#include <QTest>
#include <QThread>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

using namespace pilothouse::backends;
using namespace pilothouse::backends::prometheus;

namespace {

std::string fixture(const char *name)
{
    QFile f(QStringLiteral(PILOTHOUSE_TEST_DATA "/prometheus/") + QLatin1String(name));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open fixture %s", name);
    return f.readAll().toStdString();
}

const char *kToken = "prom-token-5f4dcc3b5aa765d61d8327deb882cf99";

struct Seen {
    std::string method;
    std::string path;
    std::string authorization;
    std::multimap<std::string, std::string> params;
};

}  // namespace

class TestPrometheusClient : public QObject {
    Q_OBJECT

    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<PrometheusClient> m_client;

    std::mutex m_mutex;
    std::vector<Seen> m_seen;
    std::atomic<bool> m_echoAuthorization{false};

    // False when the request was answered (refused) here.
    bool record(const httplib::Request &req, httplib::Response &res)
    {
        {
            std::lock_guard lock(m_mutex);
            m_seen.push_back({req.method, req.path, req.get_header_value("Authorization"), {req.params.begin(), req.params.end()}});
        }
        if (m_echoAuthorization) {
            // A misbehaving front that tells what it received.
            res.status = 502;
            res.set_content("bad gateway; request had Authorization: " + req.get_header_value("Authorization"), "text/plain");
            return false;
        }
        if (req.get_header_value("Authorization") != std::string("Bearer ") + kToken) {
            res.status = 401;
            res.set_content("Unauthorized\n", "text/plain");
            return false;
        }
        return true;
    }

    void useServer(const QByteArray &token = kToken)
    {
        PrometheusServer s;
        s.url = QStringLiteral("http://127.0.0.1:%1/").arg(m_port);
        s.bearerToken = token;
        m_client = std::make_unique<PrometheusClient>(m_engine.get());
        const auto set = m_client->setServer(s);
        QVERIFY2(set.ok(), qPrintable(set.error().message));
    }

    template <class T>
    Result<T> wait(std::function<void(QObject *, PrometheusClient::Done<T>)> call)
    {
        std::optional<Result<T>> out;
        call(this, [&](const Result<T> &r) { out.emplace(r); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 10000))
            qFatal("no answer from the client");
        return *out;
    }

    std::vector<Seen> seen()
    {
        std::lock_guard lock(m_mutex);
        return m_seen;
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        auto query = [this](const httplib::Request &req, httplib::Response &res) {
            if (!record(req, res))
                return;
            const std::string expr = req.get_param_value("query");
            if (expr.rfind("slow", 0) == 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(700));
            if (expr == "bad(") {
                res.status = 400;
                res.set_content(fixture("error-bad-data.json"), "application/json");
                return;
            }
            res.set_content(fixture(expr.rfind("slow", 0) == 0 ? "scalar.json" : "vector.json"), "application/json");
        };
        m_server.Get("/api/v1/query", query);
        m_server.Post("/api/v1/query", query);
        m_server.Get("/api/v1/query_range", [this](const httplib::Request &req, httplib::Response &res) {
            if (record(req, res))
                res.set_content(fixture("matrix.json"), "application/json");
        });
        m_server.Get("/api/v1/series", [this](const httplib::Request &req, httplib::Response &res) {
            if (record(req, res))
                res.set_content(fixture("series.json"), "application/json");
        });
        m_server.Get("/api/v1/labels", [this](const httplib::Request &req, httplib::Response &res) {
            if (record(req, res))
                res.set_content(fixture("labels.json"), "application/json");
        });
        m_server.Get("/api/v1/label/destination_workload/values", [this](const httplib::Request &req, httplib::Response &res) {
            if (record(req, res))
                res.set_content(fixture("label-values.json"), "application/json");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        m_engine = std::make_unique<http::HttpEngine>();
    }

    void cleanupTestCase()
    {
        m_client.reset();
        m_engine.reset();
        m_server.stop();
        m_thread.join();
    }

    void init()
    {
        std::lock_guard lock(m_mutex);
        m_seen.clear();
        m_echoAuthorization = false;
    }

    void setServerRefusesWhatCannotWork()
    {
        PrometheusClient client(m_engine.get());
        PrometheusServer s;
        s.url = QStringLiteral("prometheus.example.test");
        QVERIFY(client.setServer(s).error().message.contains(QStringLiteral("is not a Prometheus URL")));

        // Plain http to another host with a secret: refused, and the secret is not in the message.
        s.url = QStringLiteral("http://prometheus.example.test:9090");
        s.bearerToken = kToken;
        const auto plain = client.setServer(s);
        QCOMPARE(plain.error().kind, ErrorKind::Config);
        QVERIFY2(plain.error().message.contains(QStringLiteral("plain http")), qPrintable(plain.error().message));
        QVERIFY(!plain.error().message.contains(QLatin1String(kToken)));

        // Credentials in the URL: refused without repeating them.
        s.bearerToken.clear();
        s.url = QStringLiteral("https://ada:hunter2@prometheus.example.test");
        const auto inUrl = client.setServer(s);
        QVERIFY2(inUrl.error().message.contains(QStringLiteral("carries credentials")), qPrintable(inUrl.error().message));
        QVERIFY(!inUrl.error().message.contains(QStringLiteral("hunter2")));

        // Plain http without credentials: accepted, and said.
        s.url = QStringLiteral("http://prometheus.example.test:9090/");
        QVERIFY(client.setServer(s).ok());
        QCOMPARE(client.serverUrl(), QStringLiteral("http://prometheus.example.test:9090"));
        QVERIFY2(client.securityNote().contains(QStringLiteral("plain http")), qPrintable(client.securityNote()));

        // TLS verified unless told otherwise; when told, said.
        s.url = QStringLiteral("https://prometheus.example.test/prometheus/");
        s.bearerToken = kToken;
        QVERIFY(client.setServer(s).ok());
        QVERIFY(client.securityNote().isEmpty());
        s.insecureSkipVerify = true;
        QVERIFY(client.setServer(s).ok());
        QVERIFY(client.securityNote().contains(QStringLiteral("TLS not verified")));
        QCOMPARE(client.serverUrl(), QStringLiteral("https://prometheus.example.test/prometheus"));
    }

    void anInstantQueryIsParsedOnTheParserThread()
    {
        useServer();
        std::atomic<int> onParser{0}, elsewhere{0};
        const QThread *parser = m_client->parserThread();
        m_client->setParseObserver([&](const char *) { (QThread::currentThread() == parser ? onParser : elsewhere)++; });
        const auto r = wait<QueryResult>([this](QObject *rcv, PrometheusClient::Done<QueryResult> d) {
            m_client->instantQuery(QStringLiteral("sum(rate(istio_requests_total[5m])) by (destination_workload)"), 1733536800123, rcv, d);
        });
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QCOMPARE(r.value().series.size(), 2);
        QCOMPARE(r.value().series[0].samples[0].value, 42.5);
        QCOMPARE(onParser.load(), 1);
        QCOMPARE(elsewhere.load(), 0);
        const auto s = seen();
        QCOMPARE(s.size(), size_t(1));
        QCOMPARE(s[0].method, std::string("GET"));
        QCOMPARE(s[0].authorization, std::string("Bearer ") + kToken);
        QCOMPARE(s[0].params.find("query")->second, std::string("sum(rate(istio_requests_total[5m])) by (destination_workload)"));
        QCOMPARE(s[0].params.find("time")->second, std::string("1733536800.123"));
    }

    void aRangeQuerySendsStartEndAndStep()
    {
        useServer();
        const QueryRange range = planRange(1733536807000, 1733536807000 + 3600000, 1000);
        const auto r = wait<QueryResult>([&](QObject *rcv, PrometheusClient::Done<QueryResult> d) {
            m_client->rangeQuery(QStringLiteral("up"), range, rcv, d);
        });
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        QCOMPARE(r.value().type, ResultType::Matrix);
        QCOMPARE(r.value().sampleCount(), qsizetype(7));
        const auto s = seen();
        QCOMPARE(s.size(), size_t(1));
        QCOMPARE(s[0].params.find("start")->second, std::string("1733536800.000"));
        QCOMPARE(s[0].params.find("end")->second, std::string("1733540400.000"));
        QCOMPARE(s[0].params.find("step")->second, std::string("15.000"));

        // A range Prometheus would refuse is refused here, without a request.
        QueryRange tooFine{0, 86400000, 1};
        const auto refused = wait<QueryResult>([&](QObject *rcv, PrometheusClient::Done<QueryResult> d) {
            m_client->rangeQuery(QStringLiteral("up"), tooFine, rcv, d);
        });
        QCOMPARE(refused.error().kind, ErrorKind::Invalid);
        QCOMPARE(seen().size(), size_t(1));
    }

    void aLongQueryGoesAsAPostForm()
    {
        useServer();
        QString expr;
        while (expr.size() <= PrometheusClient::kMaxGetQueryLength)
            expr += QStringLiteral("sum(rate(istio_requests_total{destination_workload=~\"cart|checkout\",response_code=~\"5..\"}[5m])) + ");
        expr += QStringLiteral("0");
        const auto r = wait<QueryResult>([&](QObject *rcv, PrometheusClient::Done<QueryResult> d) { m_client->instantQuery(expr, 0, rcv, d); });
        QVERIFY2(r.ok(), qPrintable(r.error().message));
        const auto s = seen();
        QCOMPARE(s.size(), size_t(1));
        QCOMPARE(s[0].method, std::string("POST"));
        // Every character arrives as written ('+' is not a space, '&' and '=' split nothing).
        QCOMPARE(QString::fromStdString(s[0].params.find("query")->second), expr);
        QVERIFY(s[0].params.find("time") == s[0].params.end());  // 0: the server's now
    }

    void aSupersededQueryIsCancelledAndNeverDelivered()
    {
        useServer();
        std::atomic<int> parses{0};
        m_client->setParseObserver([&](const char *) { ++parses; });
        int firstDelivered = 0, secondDelivered = 0, otherDelivered = 0;
        std::optional<Result<QueryResult>> second;
        m_client->instantQuery(QStringLiteral("slow_one"), 0, this, [&](const Result<QueryResult> &) { ++firstDelivered; }, QStringLiteral("panel-1"));
        m_client->instantQuery(QStringLiteral("slow_other"), 0, this, [&](const Result<QueryResult> &) { ++otherDelivered; }, QStringLiteral("panel-2"));
        QCOMPARE(m_client->pendingKeys(), 2);
        // Let the first reach the server, then replace it.
        QTRY_COMPARE_WITH_TIMEOUT(seen().size(), size_t(2), 5000);
        m_client->instantQuery(QStringLiteral("up"), 0, this, [&](const Result<QueryResult> &r) { ++secondDelivered; second.emplace(r); },
                               QStringLiteral("panel-1"));
        QTRY_COMPARE_WITH_TIMEOUT(secondDelivered, 1, 5000);
        QVERIFY2(second->ok(), qPrintable(second->error().message));
        QCOMPARE(second->value().type, ResultType::Vector);
        // The other key is not touched; the superseded answer would have come with it.
        QTRY_COMPARE_WITH_TIMEOUT(otherDelivered, 1, 5000);
        QTest::qWait(300);
        QCOMPARE(firstDelivered, 0);
        QCOMPARE(parses.load(), 2);  // the superseded answer is not even parsed
        QCOMPARE(m_client->pendingKeys(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->activeRequests(), 0, 5000);
    }

    void aCancelledKeyDeliversNothing()
    {
        useServer();
        int delivered = 0;
        m_client->labels({}, 0, 0, this, [&](const Result<NameList> &) { ++delivered; }, QStringLiteral("variables"));
        m_client->cancel(QStringLiteral("variables"));
        QCOMPARE(m_client->pendingKeys(), 0);
        QTest::qWait(300);
        QCOMPARE(delivered, 0);
    }

    void aGoneReceiverGetsNothing()
    {
        useServer();
        int delivered = 0;
        auto *receiver = new QObject;
        m_client->instantQuery(QStringLiteral("up"), 0, receiver, [&](const Result<QueryResult> &) { ++delivered; });
        delete receiver;
        QTest::qWait(300);
        QCOMPARE(delivered, 0);
    }

    void errorsAreNamedWithTypeAndStatus()
    {
        useServer();
        const auto r = wait<QueryResult>([&](QObject *rcv, PrometheusClient::Done<QueryResult> d) { m_client->instantQuery(QStringLiteral("bad("), 0, rcv, d); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, ErrorKind::Invalid);
        QCOMPARE(r.error().reason, QStringLiteral("bad_data"));
        QCOMPARE(r.error().httpStatus, 400);
        QCOMPARE(r.error().message, QStringLiteral("Prometheus at http://127.0.0.1:%1: bad_data: invalid parameter \"query\": 1:8: parse error: "
                                                   "unexpected right parenthesis ')' (HTTP 400)")
                                        .arg(m_port));

        // Nobody listening: a network error naming the server.
        PrometheusClient down(m_engine.get());
        PrometheusServer s;
        s.url = QStringLiteral("http://127.0.0.1:1");
        QVERIFY(down.setServer(s).ok());
        std::optional<Result<NameList>> refused;
        down.labels({}, 0, 0, this, [&](const Result<NameList> &res) { refused.emplace(res); });
        QTRY_VERIFY_WITH_TIMEOUT(refused.has_value(), 10000);
        QCOMPARE(refused->error().kind, ErrorKind::Network);
        QVERIFY2(refused->error().message.startsWith(QStringLiteral("Prometheus at http://127.0.0.1:1: ")), qPrintable(refused->error().message));
    }

    void theTokenIsNeverInAMessage()
    {
        useServer("not-the-" + QByteArray(kToken));
        const auto refused = wait<QueryResult>([&](QObject *rcv, PrometheusClient::Done<QueryResult> d) { m_client->instantQuery(QStringLiteral("up"), 0, rcv, d); });
        QCOMPARE(refused.error().kind, ErrorKind::Unauthorized);
        QCOMPARE(refused.error().httpStatus, 401);
        QCOMPARE(refused.error().message, QStringLiteral("Prometheus at http://127.0.0.1:%1 refused the bearer token (HTTP 401)").arg(m_port));

        // A front that echoes the request back: the token is blanked out of the message.
        useServer();
        m_echoAuthorization = true;
        const auto echoed = wait<QueryResult>([&](QObject *rcv, PrometheusClient::Done<QueryResult> d) { m_client->instantQuery(QStringLiteral("up"), 0, rcv, d); });
        QCOMPARE(echoed.error().kind, ErrorKind::ServerError);
        QCOMPARE(echoed.error().httpStatus, 502);
        QVERIFY2(!echoed.error().message.contains(QLatin1String(kToken)), qPrintable(echoed.error().message));
        QVERIFY2(echoed.error().message.contains(QStringLiteral("Bearer [secret]")), qPrintable(echoed.error().message));
    }

    void seriesLabelsAndLabelValues()
    {
        useServer();
        const QStringList match{QStringLiteral("istio_requests_total{reporter=\"destination\"}"), QStringLiteral("up")};
        const auto series = wait<SeriesList>([&](QObject *rcv, PrometheusClient::Done<SeriesList> d) {
            m_client->series(match, 1733536800000, 1733540400000, rcv, d);
        });
        QVERIFY2(series.ok(), qPrintable(series.error().message));
        QCOMPARE(series.value().series.size(), 2);
        const auto labels = wait<NameList>([&](QObject *rcv, PrometheusClient::Done<NameList> d) { m_client->labels({}, 0, 0, rcv, d); });
        QCOMPARE(labels.value().names.size(), 4);
        const auto values = wait<NameList>([&](QObject *rcv, PrometheusClient::Done<NameList> d) {
            m_client->labelValues(QStringLiteral("destination_workload"), {}, 0, 0, rcv, d);
        });
        QVERIFY2(values.ok(), qPrintable(values.error().message));
        QCOMPARE(values.value().names.first(), QStringLiteral("cartservice"));

        const auto s = seen();
        QCOMPARE(s.size(), size_t(3));
        const auto matchers = s[0].params.equal_range("match[]");
        QStringList sent;
        for (auto it = matchers.first; it != matchers.second; ++it)
            sent.append(QString::fromStdString(it->second));
        QCOMPARE(sent, match);
        QCOMPARE(s[0].params.find("start")->second, std::string("1733536800.000"));
        QCOMPARE(s[2].path, std::string("/api/v1/label/destination_workload/values"));
    }
};

QTEST_GUILESS_MAIN(TestPrometheusClient)
#include "tst_prometheusclient.moc"
