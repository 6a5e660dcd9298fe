// pilothouse-sim's faults on demand (POST /sim/v1/faults) and request log (GET /sim/v1/requests),
// each checked on the wire with a hand-driven HTTPS connection: what a client meets when an API
// server or a proxy in front of it misbehaves.
#include "rawhttps.h"
#include "simprocess.h"

#include <QElapsedTimer>
#include <QTest>

using namespace pilothouse::testsupport;

namespace {

const std::string kConfigMaps = "/api/v1/namespaces/demo/configmaps";

}  // namespace

class TestSimFaults : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;
    std::shared_ptr<SSL_CTX> m_ctx;

    // A GET on a fresh connection, read until it completes, closes, or `idleMs` pass silent.
    std::unique_ptr<RawHttps> open(const std::string &path, int idleMs = 10000)
    {
        auto c = std::make_unique<RawHttps>(m_ctx, m_sim->port());
        std::string error;
        if (!c->connected() || !c->handshake(error) || !c->get(path))
            qFatal("cannot reach the simulator: %s", error.c_str());
        c->readMore(idleMs);
        return c;
    }

    long long appliedOf(size_t rule) const
    {
        Json rules = m_sim->get("/sim/v1/faults").json()["rules"];
        return rule < rules.size() ? rules[rule]["applied"].get<long long>() : -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_sim = std::make_unique<SimProcess>();
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        m_ctx = RawHttps::context(*m_sim);
        QVERIFY2(m_ctx, RawHttps::opensslErrors().c_str());
    }
    void cleanupTestCase() { m_sim.reset(); }
    void cleanup() { QVERIFY(m_sim->clearFaults()); }

    void rulesAreValidated()
    {
        for (const Json &bad : {Json{{"fault", "explode"}}, Json{{"fault", "stall"}, {"pth", "/api"}},
                                Json{{"fault", "watch-error"}, {"verb", "list"}}, Json{{"fault", "watch-error"}, {"code", 503}},
                                Json{{"fault", "gateway-error"}, {"code", 500}}, Json{{"fault", "stall"}, {"count", 0}},
                                Json{{"fault", "gateway-error"}, {"body", "json"}}, Json::array()}) {
            HttpReply r = m_sim->request("POST", "/sim/v1/faults", bad.dump());
            QVERIFY2(r.status == 400, bad.dump().c_str());
            QCOMPARE(r.json().value("reason", ""), std::string("BadRequest"));
        }
        QVERIFY(m_sim->get("/sim/v1/faults").json()["rules"].empty());
        // The viewer may not make the server misbehave.
        QCOMPARE(m_sim->request("POST", "/sim/v1/faults", Json{{"fault", "stall"}}.dump(), "application/json", Identity::Viewer).status, 403);
    }

    void dropBodyCutsAListAfterTheHeaders()
    {
        QVERIFY(m_sim->addFaults({{"fault", "drop-body"}, {"path", kConfigMaps}, {"verb", "list"}}));
        auto cut = open(kConfigMaps);
        const RawResponse &r = cut->response();
        QCOMPARE(r.status, 200);
        const size_t promised = std::stoull(r.header("content-length"));
        QVERIFY(r.closed);
        QVERIFY(!r.bodyComplete);
        QVERIFY2(!r.body.empty() && r.body.size() < promised, std::to_string(r.body.size()).c_str());
        QVERIFY(Json::parse(r.body, nullptr, false).is_discarded());
        // The count is spent: the next list is whole.
        auto whole = open(kConfigMaps);
        QVERIFY(whole->response().bodyComplete);
        QCOMPARE(Json::parse(whole->response().body).value("kind", ""), std::string("ConfigMapList"));
        QCOMPARE(appliedOf(0), 1LL);
    }

    void dropBodyCutsAWatchWithoutItsLastChunk()
    {
        QVERIFY(m_sim->addFaults({{"fault", "drop-body"}, {"path", kConfigMaps}, {"watch", true}}));
        auto cut = open(kConfigMaps + "?watch=true&timeoutSeconds=30");
        const RawResponse &r = cut->response();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("transfer-encoding"), std::string("chunked"));
        // The initial ADDED events came, then the connection went without the terminating chunk.
        QVERIFY2(r.body.find("\"type\":\"ADDED\"") != std::string::npos, r.body.c_str());
        QVERIFY(r.closed);
        QVERIFY(!r.bodyComplete);
        // A list on the same path is not a watch: it is whole.
        auto list = open(kConfigMaps);
        QVERIFY(list->response().bodyComplete);
    }

    void tooManyRequestsSaysWhenToComeBack()
    {
        QVERIFY(m_sim->addFaults({{"fault", "too-many-requests"}, {"path", "/api/v1/pods"}, {"retryAfterSeconds", 7}, {"count", 2}}));
        for (int i = 0; i < 2; ++i) {
            HttpReply r = m_sim->get("/api/v1/pods");
            QCOMPARE(r.status, 429);
            QCOMPARE(r.header("Retry-After"), std::string("7"));
            Json status = r.json();
            QCOMPARE(status.value("kind", ""), std::string("Status"));
            QCOMPARE(status.value("reason", ""), std::string("TooManyRequests"));
            QCOMPARE(status.value("code", 0), 429);
            QCOMPARE(status["details"].value("retryAfterSeconds", 0), 7);
        }
        QCOMPARE(m_sim->get("/api/v1/pods").status, 200);
    }

    void watchErrorEventsEndTheStream_data()
    {
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("reason");
        QTest::newRow("internal error") << 500 << QStringLiteral("InternalError");
        QTest::newRow("too large resource version") << 504 << QStringLiteral("Timeout");
    }

    void watchErrorEventsEndTheStream()
    {
        QFETCH(int, code);
        QFETCH(QString, reason);
        QVERIFY(m_sim->addFaults({{"fault", "watch-error"}, {"path", kConfigMaps}, {"code", code}}));
        // A list first: watch-error leaves everything but watches alone.
        Json list = m_sim->get(kConfigMaps).json();
        QCOMPARE(list.value("kind", ""), std::string("ConfigMapList"));
        const std::string rv = list["metadata"]["resourceVersion"];
        auto w = open(kConfigMaps + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + rv);
        const RawResponse &r = w->response();
        QCOMPARE(r.status, 200);
        QVERIFY2(r.bodyComplete, "the stream did not end with its last chunk");
        Json event = Json::parse(r.body.substr(0, r.body.find('\n')));
        QCOMPARE(event.value("type", ""), std::string("ERROR"));
        QCOMPARE(r.body.find('\n'), r.body.size() - 1);  // one event, nothing after it
        const Json &status = event["object"];
        QCOMPARE(status.value("kind", ""), std::string("Status"));
        QCOMPARE(status.value("code", 0), code);
        QCOMPARE(status.value("reason", ""), reason.toStdString());
        if (code == 504) {
            QVERIFY2(status.value("message", "").rfind("Timeout: Too large resource version: " + rv + ", current: ", 0) == 0,
                     status.dump().c_str());
            QCOMPARE(status["details"]["causes"][0].value("reason", ""), std::string("ResourceVersionTooLarge"));
            QCOMPARE(status["details"]["causes"][0].value("message", ""), std::string("Too large resource version"));
            QVERIFY(status["details"].value("retryAfterSeconds", 0) > 0);
        }
    }

    void stalledAnswerHoldsTheConnectionUntilCleared()
    {
        QVERIFY(m_sim->addFaults({{"fault", "stall"}, {"path", "/api/v1/namespaces"}}));
        RawHttps c(m_ctx, m_sim->port());
        std::string error;
        QVERIFY2(c.connected() && c.handshake(error), error.c_str());
        QVERIFY(c.get("/api/v1/namespaces"));
        // The headers come, then nothing: no byte of body for 1.5 s, and the connection stays open.
        const RawResponse &r = c.readMore(1500);
        QVERIFY(r.headersComplete);
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.empty());
        QVERIFY(!r.closed);
        QVERIFY(!r.bodyComplete);
        // Other paths are served meanwhile.
        QCOMPARE(m_sim->get("/api/v1/namespaces/demo").status, 200);
        // Clearing the faults ends the stall: the connection closes without a body.
        QElapsedTimer t;
        t.start();
        QVERIFY(m_sim->clearFaults());
        c.readMore(10000);
        QVERIFY(c.response().closed);
        QVERIFY(!c.response().bodyComplete);
        QVERIFY2(t.elapsed() < 5000, std::to_string(t.elapsed()).c_str());
    }

    void gatewayErrorsLookLikeProxies_data()
    {
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("text");
        QTest::newRow("502 nginx") << 502 << QStringLiteral("html") << QStringLiteral("text/html") << QStringLiteral("<center><h1>502 Bad Gateway</h1></center>");
        QTest::newRow("503 envoy") << 503 << QStringLiteral("text") << QStringLiteral("text/plain") << QStringLiteral("no healthy upstream");
        QTest::newRow("504 nginx") << 504 << QStringLiteral("html") << QStringLiteral("text/html") << QStringLiteral("<title>504 Gateway Time-out</title>");
    }

    void gatewayErrorsLookLikeProxies()
    {
        QFETCH(int, code);
        QFETCH(QString, body);
        QFETCH(QString, type);
        QFETCH(QString, text);
        QVERIFY(m_sim->addFaults({{"fault", "gateway-error"}, {"pathPrefix", "/apis/apps/"}, {"code", code}, {"body", body.toStdString()}}));
        auto c = open("/apis/apps/v1/deployments");
        const RawResponse &r = c->response();
        QCOMPARE(r.status, code);
        QCOMPARE(r.header("content-type"), type.toStdString());
        QVERIFY2(r.body.find(text.toStdString()) != std::string::npos, r.body.c_str());
        QVERIFY(Json::parse(r.body, nullptr, false).is_discarded());  // not a Status: a proxy said it
        QCOMPARE(m_sim->get("/apis/apps/v1/deployments").status, 200);
    }

    void countMinusOneLastsUntilCleared()
    {
        QVERIFY(m_sim->addFaults({{"rules", {{{"fault", "gateway-error"}, {"path", "/api/v1/services"}, {"count", -1}},
                                             {{"fault", "too-many-requests"}, {"path", "/api/v1/endpoints"}}}}}));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_sim->get("/api/v1/services").status, 502);
        Json rules = m_sim->get("/sim/v1/faults").json()["rules"];
        QCOMPARE(rules.size(), size_t(2));
        QCOMPARE(rules[0].value("applied", 0), 3);
        QCOMPARE(rules[0].value("count", 0), -1);
        QCOMPARE(rules[1].value("applied", 0), 0);
        QVERIFY(m_sim->clearFaults());
        QCOMPARE(m_sim->get("/api/v1/services").status, 200);
        QCOMPARE(m_sim->get("/api/v1/endpoints").status, 200);
    }

    void requestLogCountsPerPathAndVerb()
    {
        QVERIFY(m_sim->clearRequestLog());
        QCOMPARE(m_sim->requestCount(kConfigMaps), 0LL);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_sim->get(kConfigMaps).status, 200);
        QCOMPARE(m_sim->get(kConfigMaps + "/web-config").status, 200);
        // A faulted request counts too: that is how often the client came back.
        QVERIFY(m_sim->addFaults({{"fault", "too-many-requests"}, {"path", kConfigMaps}, {"verb", "watch"}}));
        QCOMPARE(m_sim->get(kConfigMaps + "?watch=true").status, 429);
        QCOMPARE(m_sim->get(kConfigMaps + "?watch=true&timeoutSeconds=1").status, 200);

        QCOMPARE(m_sim->requestCount(kConfigMaps, "list"), 3LL);
        QCOMPARE(m_sim->requestCount(kConfigMaps, "watch"), 2LL);
        QCOMPARE(m_sim->requestCount(kConfigMaps), 5LL);
        QCOMPARE(m_sim->requestCount(kConfigMaps + "/web-config", "get"), 1LL);
        Json byPrefix = m_sim->get("/sim/v1/requests?pathPrefix=" + kConfigMaps).json();
        QCOMPARE(byPrefix.value("total", 0), 6);
        bool sawGet = false;
        for (const auto &e : byPrefix["requests"])
            if (e.value("path", "") == kConfigMaps + "/web-config") {
                QCOMPARE(e.value("method", ""), std::string("GET"));
                QCOMPARE(e.value("verb", ""), std::string("get"));
                QCOMPARE(e.value("count", 0), 1);
                sawGet = true;
            }
        QVERIFY(sawGet);
        // The control endpoints are not counted.
        QCOMPARE(m_sim->get("/sim/v1/requests?pathPrefix=/sim/").json().value("total", -1), 0);
        QVERIFY(m_sim->clearRequestLog());
        QCOMPARE(m_sim->requestCount(kConfigMaps), 0LL);
    }
};

QTEST_GUILESS_MAIN(TestSimFaults)
#include "tst_simfaults.moc"
