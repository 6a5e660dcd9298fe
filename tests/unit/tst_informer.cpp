// Informer semantics against a scripted API server: paging, watch resume from the last
// resourceVersion (opaque strings), bookmarks, malformed lines, 410 relists, backoff without relist;
// and under faults: Watching only once answered, a silent watch dropped and resumed, the request
// rate bounded under a server that always misbehaves, Retry-After, "too large resource version".
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/cache/informer.h"
#include "kube/api/kubeclient.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <curl/curl.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;

namespace {

std::string podJson(const std::string &name, const std::string &rv, const std::string &phase = "Running")
{
    nlohmann::json pod = {{"kind", "Pod"}, {"apiVersion", "v1"},
                          {"metadata", {{"name", name}, {"namespace", "demo"}, {"resourceVersion", rv}}},
                          {"spec", {{"containers", {{{"name", "c"}}}}}},
                          {"status", {{"phase", phase}}}};
    return pod.dump();
}

std::string watchLine(const std::string &type, const std::string &obj) { return "{\"type\":\"" + type + "\",\"object\":" + obj + "}\n"; }

using Handler = std::function<void(const httplib::Request &, httplib::Response &)>;
using SteadyClock = std::chrono::steady_clock;

// What the scripted server answers, one entry per request, in order; then `always*` if set.
struct Script {
    std::mutex mutex;
    std::deque<Handler> lists;
    std::deque<Handler> watches;
    Handler alwaysList, alwaysWatch;
    std::vector<std::string> watchResourceVersions;
    std::vector<std::string> listContinues;
    std::vector<SteadyClock::time_point> listTimes, watchTimes;  // when each request arrived
    std::atomic<int> listCount{0}, watchCount{0};
};

std::string statusJson(int code, const std::string &reason, const std::string &message, const std::string &details = {})
{
    std::string s = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"" + message +
                    "\",\"reason\":\"" + reason + "\",\"code\":" + std::to_string(code);
    if (!details.empty())
        s += ",\"details\":" + details;
    return s + "}";
}

// Holds a request on the server: until `release` is set or `limit` has passed (so that a
// test that fails does not keep the server's threads forever).
void holdUntil(const std::shared_ptr<std::atomic<bool>> &release, std::chrono::milliseconds limit)
{
    const auto until = SteadyClock::now() + limit;
    while (!release->load() && SteadyClock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

qint64 msBetween(SteadyClock::time_point a, SteadyClock::time_point b)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

}  // namespace

class TestInformer : public QObject {
    Q_OBJECT

    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    Script m_script;
    std::unique_ptr<http::HttpEngine> m_engine;
    std::unique_ptr<KubeClient> m_client;
    QTemporaryDir m_dir;

    static void respondList(httplib::Response &res, const std::vector<std::string> &items, const std::string &rv, const std::string &cont = {})
    {
        std::string body = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"" + rv + "\"";
        if (!cont.empty())
            body += ",\"continue\":\"" + cont + "\"";
        body += "},\"items\":[";
        for (size_t i = 0; i < items.size(); ++i)
            body += (i ? "," : "") + items[i];
        body += "]}";
        res.set_content(body, "application/json");
    }

    static void respondStream(httplib::Response &res, std::string body, bool abruptEnd = false)
    {
        auto payload = std::make_shared<std::string>(std::move(body));
        res.set_chunked_content_provider("application/json;stream=watch", [payload, abruptEnd](size_t, httplib::DataSink &sink) {
            sink.write(payload->data(), payload->size());
            if (abruptEnd)
                return false;
            sink.done();
            return true;
        });
    }

    std::unique_ptr<Informer> makeInformer()
    {
        auto inf = std::make_unique<Informer>(m_client.get(), ResourceRef::pods(), QStringLiteral("demo"));
        inf->setBackoff(50, 200);
        inf->setBatchInterval(5);
        inf->setPageSize(2);
        return inf;
    }

    static QStringList names(const ObjectList &objs)
    {
        QStringList out;
        for (const auto &o : objs)
            out << o->name;
        out.sort();
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        m_server.Get("/api/v1/namespaces/demo/pods", [this](const httplib::Request &req, httplib::Response &res) {
            Handler handler;
            {
                std::lock_guard lock(m_script.mutex);
                auto &queue = req.has_param("watch") ? m_script.watches : m_script.lists;
                if (req.has_param("watch")) {
                    m_script.watchResourceVersions.push_back(req.get_param_value("resourceVersion"));
                    m_script.watchTimes.push_back(SteadyClock::now());
                    ++m_script.watchCount;
                } else {
                    m_script.listContinues.push_back(req.get_param_value("continue"));
                    m_script.listTimes.push_back(SteadyClock::now());
                    ++m_script.listCount;
                }
                if (!queue.empty()) {
                    handler = queue.front();
                    queue.pop_front();
                } else {
                    handler = req.has_param("watch") ? m_script.alwaysWatch : m_script.alwaysList;
                }
            }
            if (handler) {
                handler(req, res);
            } else {
                // Out of script: an idle watch that ends after a while, or an empty list.
                if (req.has_param("watch"))
                    res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink &sink) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(300));
                        sink.done();
                        return true;
                    });
                else
                    respondList(res, {}, "idle");
            }
        });
        // Accepts only the second credential an exec plugin hands out: the first one is "expired".
        m_server.Get("/api/v1/namespaces", [](const httplib::Request &req, httplib::Response &res) {
            if (req.get_header_value("Authorization") == "Bearer exec-token-2") {
                respondList(res, {}, "ns-1");
            } else {
                res.status = 401;
                res.set_content("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Unauthorized\",\"code\":401,\"message\":\"Unauthorized\"}", "application/json");
            }
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        m_engine = std::make_unique<http::HttpEngine>();
        ResolvedContext ctx;
        ctx.contextName = QStringLiteral("scripted");
        ctx.server = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
        ctx.user.name = QStringLiteral("tester");
        ctx.user.token = QStringLiteral("scripted-token");
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json")));
        m_client = std::make_unique<KubeClient>(m_engine.get(), ctx, std::make_shared<CredentialProvider>(ctx, approvals));
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
        std::lock_guard lock(m_script.mutex);
        m_script.lists.clear();
        m_script.watches.clear();
        m_script.watchResourceVersions.clear();
        m_script.listContinues.clear();
        m_script.listTimes.clear();
        m_script.watchTimes.clear();
        m_script.alwaysList = {};
        m_script.alwaysWatch = {};
        m_script.listCount = 0;
        m_script.watchCount = 0;
    }

    static bool sawState(const QSignalSpy &states, Informer::State s, ErrorKind kind = ErrorKind::None)
    {
        for (const auto &args : states)
            if (args.at(0).value<Informer::State>() == s && (kind == ErrorKind::None || args.at(1).value<ApiError>().kind == kind))
                return true;
        return false;
    }

    void pagedListThenWatchFromListVersion()
    {
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("a", "rv-a"), podJson("b", "rv-b")}, "rv-list", "page2"); });
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("c", "rv-c")}, "rv-list"); });
            m_script.watches.push_back([](auto &, auto &res) {
                respondStream(res, watchLine("ADDED", podJson("d", "rv-d")) + watchLine("MODIFIED", podJson("a", "rv-a2", "Failed")) +
                                       watchLine("BOOKMARK", "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"rv-bm\"}}") +
                                       "this is not json\n" + watchLine("DELETED", podJson("b", "rv-b2")));
            });
        }
        auto inf = makeInformer();
        QSignalSpy synced(inf.get(), &Informer::synced);
        QSignalSpy changed(inf.get(), &Informer::changed);
        inf->start();
        QTRY_COMPARE_WITH_TIMEOUT(synced.count(), 1, 5000);
        QCOMPARE(names(synced.at(0).at(0).value<ObjectList>()), (QStringList{"a", "b", "c"}));
        QCOMPARE(m_script.listContinues.at(1), std::string("page2"));
        QTRY_VERIFY_WITH_TIMEOUT(m_script.watchCount >= 2, 5000);
        // The first watch starts from the list's version; the next from the last event seen
        // (the bookmark's version was superseded by the DELETED event after it).
        QCOMPARE(m_script.watchResourceVersions.at(0), std::string("rv-list"));
        QCOMPARE(m_script.watchResourceVersions.at(1), std::string("rv-b2"));
        QCOMPARE(names(inf->snapshot()), (QStringList{"a", "c", "d"}));
        QCOMPARE(inf->stats().malformedLines, 1);
        QCOMPARE(inf->stats().bookmarks, 1);
        QCOMPARE(inf->stats().lists, 1);
        // Changes arrive in batches: added d, modified a, deleted b.
        ChangeBatch all;
        for (const auto &args : changed)
            for (const auto &c : args.at(0).value<ChangeBatch>())
                all.push_back(c);
        QCOMPARE(all.size(), size_t(3));
        QCOMPARE(all[0].type, ObjectChange::Type::Added);
        QCOMPARE(all[1].type, ObjectChange::Type::Modified);
        QCOMPARE(all[1].object->pod()->status, QStringLiteral("Failed"));
        QCOMPARE(all[2].type, ObjectChange::Type::Deleted);
        inf->stop();
    }

    // Pages of MBs come in buffers the engine reuses page after page (the page being parsed and
    // the next one: two, however many pages), not in new memory per page whose freed remains
    // stayed resident in malloc's arenas; the informer gives the buffers back before it says
    // synced, so that what is resident then is what it keeps.
    void bigPagesReuseBuffersGivenBackAtSync()
    {
        constexpr int kPages = 8;
        const std::string padding(700 * 1024, 'x');  // two pods a page: pages of 1.4 MB
        {
            std::lock_guard lock(m_script.mutex);
            for (int p = 0; p < kPages; ++p)
                m_script.lists.push_back([p, padding](auto &, auto &res) {
                    std::vector<std::string> pods;
                    for (int i = 0; i < 2; ++i) {
                        nlohmann::json pod = nlohmann::json::parse(podJson("p" + std::to_string(p * 2 + i), "1"));
                        pod["metadata"]["annotations"] = {{"padding", padding}};
                        pods.push_back(pod.dump());
                    }
                    respondList(res, pods, "rv-big", p + 1 < kPages ? "page" + std::to_string(p + 1) : std::string());
                });
        }
        m_engine->releaseBodyBuffers();
        auto inf = makeInformer();
        qint64 most = 0;
        qint64 atSync = -1;
        connect(inf.get(), &Informer::listProgress, this, [&] { most = std::max(most, m_engine->bodyBufferBytes()); });
        connect(inf.get(), &Informer::synced, this, [&] { atSync = m_engine->bodyBufferBytes(); });
        QSignalSpy synced(inf.get(), &Informer::synced);
        inf->start();
        QTRY_COMPARE_WITH_TIMEOUT(synced.count(), 1, 10000);
        QCOMPARE(synced.at(0).at(0).value<ObjectList>().size(), size_t(2 * kPages));
        constexpr qint64 kBuffer = 2 * 1024 * 1024;  // a page of 1.4 MB in whole huge pages
        QVERIFY2(most > 0 && most <= 2 * kBuffer, qPrintable(QStringLiteral("%1 bytes of buffers for %2 pages").arg(most).arg(kPages)));
        QCOMPARE(atSync, 0);
        inf->stop();
    }

    // Readers of the store (projections on the informer's thread) hear of a change at once; the
    // batch for the other receivers comes after the batching interval.
    void theStoreChangesBeforeTheBatchIsDelivered()
    {
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("a", "1")}, "L1"); });
            m_script.watches.push_back([](auto &, auto &res) { respondStream(res, watchLine("ADDED", podJson("b", "2"))); });
        }
        auto inf = makeInformer();
        inf->setBatchInterval(60000);
        QSignalSpy changed(inf.get(), &Informer::changed);
        QStringList seenAtStoreChange;
        int batchesBefore = -1;
        connect(inf.get(), &Informer::storeChanged, this, [&] {
            seenAtStoreChange = names(inf->snapshot());
            batchesBefore = static_cast<int>(changed.count());
        });
        inf->start();
        QTRY_COMPARE_WITH_TIMEOUT(seenAtStoreChange, (QStringList{"a", "b"}), 5000);
        // Its batch waits for the interval (here: until the watch ends and flushes it).
        QCOMPARE(batchesBefore, 0);
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 5000);
        inf->stop();
    }

    void bookmarkAdvancesResumeVersion()
    {
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("a", "1")}, "L1"); });
            m_script.watches.push_back([](auto &, auto &res) {
                respondStream(res, watchLine("BOOKMARK", "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"B7\"}}"));
            });
        }
        auto inf = makeInformer();
        inf->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_script.watchCount >= 2, 5000);
        QCOMPARE(m_script.watchResourceVersions.at(1), std::string("B7"));
        inf->stop();
    }

    void goneErrorEventRelists()
    {
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("old", "1")}, "L1"); });
            m_script.watches.push_back([](auto &, auto &res) {
                respondStream(res, watchLine("ERROR", "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"too old resource version\",\"reason\":\"Expired\",\"code\":410}"));
            });
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("new", "5")}, "L2"); });
        }
        auto inf = makeInformer();
        QSignalSpy synced(inf.get(), &Informer::synced);
        inf->start();
        QTRY_COMPARE_WITH_TIMEOUT(synced.count(), 2, 5000);
        // A relist replaces the content: the object that vanished meanwhile is gone.
        QCOMPARE(names(synced.at(1).at(0).value<ObjectList>()), QStringList{"new"});
        QCOMPARE(inf->stats().relistsOnGone, 1);
        QTRY_VERIFY_WITH_TIMEOUT(m_script.watchResourceVersions.size() >= 2, 5000);
        QCOMPARE(m_script.watchResourceVersions.at(1), std::string("L2"));
        inf->stop();
    }

    void httpGoneOnWatchRelists()
    {
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("a", "1")}, "L1"); });
            m_script.watches.push_back([](auto &, auto &res) {
                res.status = 410;
                res.set_content("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Gone\",\"code\":410,\"message\":\"gone\"}", "application/json");
            });
        }
        auto inf = makeInformer();
        inf->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_script.listCount >= 2, 5000);
        QCOMPARE(inf->stats().relistsOnGone, 1);
        inf->stop();
    }

    void expiredContinueTokenRestartsTheList()
    {
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("a", "1"), podJson("b", "2")}, "L1", "tok"); });
            m_script.lists.push_back([](auto &, auto &res) {
                res.status = 410;
                res.set_content("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Expired\",\"code\":410,\"message\":\"The provided continue parameter is too old\"}", "application/json");
            });
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("a", "3")}, "L2"); });
        }
        auto inf = makeInformer();
        QSignalSpy synced(inf.get(), &Informer::synced);
        inf->start();
        QTRY_COMPARE_WITH_TIMEOUT(synced.count(), 1, 5000);
        QCOMPARE(m_script.listCount.load() >= 3, true);
        QCOMPARE(m_script.listContinues.at(2), std::string());  // restarted without the token
        QCOMPARE(names(synced.at(0).at(0).value<ObjectList>()), QStringList{"a"});
        QCOMPARE(inf->snapshot().front()->resourceVersion, QStringLiteral("3"));
        inf->stop();
    }

    void serverErrorsBackOffAndResumeWithoutRelist()
    {
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("a", "1")}, "L1"); });
            for (int i = 0; i < 3; ++i)
                m_script.watches.push_back([](auto &, auto &res) {
                    res.status = 500;
                    res.set_content("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"InternalError\",\"code\":500,\"message\":\"etcd is sad\"}", "application/json");
                });
            m_script.watches.push_back([](auto &, auto &res) { respondStream(res, watchLine("ADDED", podJson("b", "2"))); });
        }
        auto inf = makeInformer();
        QSignalSpy states(inf.get(), &Informer::stateChanged);
        inf->start();
        QTRY_VERIFY_WITH_TIMEOUT(names(inf->snapshot()).contains(QStringLiteral("b")), 5000);
        QCOMPARE(m_script.listCount.load(), 1);  // no relist on a server error
        QVERIFY(inf->stats().backoffs >= 3);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(m_script.watchResourceVersions.at(i), std::string("L1"));
        bool sawBackoff = false;
        for (const auto &args : states)
            sawBackoff = sawBackoff || args.at(0).value<Informer::State>() == Informer::State::Backoff;
        QVERIFY(sawBackoff);
        inf->stop();
    }

    void unauthorizedRerunsTheExecPluginOnce()
    {
        ResolvedContext ctx;
        ctx.contextName = QStringLiteral("exec");
        ctx.server = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
        ctx.user.name = QStringLiteral("exec-user");
        ExecConfig exec;
        exec.apiVersion = QStringLiteral("client.authentication.k8s.io/v1");
        exec.command = QStringLiteral(PILOTHOUSE_TEST_DATA "/exec/plugin.py");
        exec.interactiveMode = QStringLiteral("Never");
        const QString counter = m_dir.filePath(QStringLiteral("runs.txt"));
        exec.env = {{QStringLiteral("PLUGIN_COUNTER"), counter}};
        ctx.user.exec = exec;
        auto approvals = std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("exec-approvals.json")));
        QVERIFY(approvals->approve(exec));
        auto creds = std::make_shared<CredentialProvider>(ctx, approvals);
        KubeClient client(m_engine.get(), ctx, creds);
        KubeReply reply;
        bool done = false;
        client.request("GET", QStringLiteral("/api/v1/namespaces"), {}, {}, this, [&](const KubeReply &r) { reply = r; done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QVERIFY2(reply.ok(), qPrintable(reply.error.message));
        QCOMPARE(creds->execRuns(), 2);  // once, then once more after the 401 — not a loop
        // A server that keeps refusing gets exactly one retry per request.
        done = false;
        KubeClient other(m_engine.get(), ctx, creds);
        creds->invalidate();  // the next run hands out exec-token-3, which the server refuses
        other.request("GET", QStringLiteral("/api/v1/namespaces"), {}, {}, this, [&](const KubeReply &r) { reply = r; done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QCOMPARE(reply.error.kind, ErrorKind::Unauthorized);
        QCOMPARE(creds->execRuns(), 4);
    }

    void forbiddenListFails()
    {
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) {
                res.status = 403;
                res.set_content("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\",\"code\":403,\"message\":\"pods is forbidden: User \\\"x\\\" cannot list resource \\\"pods\\\"\"}", "application/json");
            });
        }
        auto inf = makeInformer();
        QSignalSpy states(inf.get(), &Informer::stateChanged);
        inf->start();
        QTRY_VERIFY_WITH_TIMEOUT(inf->state() == Informer::State::Failed || inf->stats().backoffs > 0, 5000);
        bool reported = false;
        for (const auto &args : states) {
            ApiError e = args.at(1).value<ApiError>();
            reported = reported || (e.kind == ErrorKind::Forbidden && e.message.contains(QStringLiteral("cannot list")));
        }
        QVERIFY(reported);
        inf->stop();
    }

    // "Live" is derived from Watching: a watch whose answer has not come (a proxy holding it, a
    // server that accepted the connection and hangs) is not watching yet.
    void watchingOnlyOnceTheWatchIsAnswered()
    {
        auto release = std::make_shared<std::atomic<bool>>(false);
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("a", "1")}, "L1"); });
            m_script.watches.push_back([release](auto &, auto &res) {
                holdUntil(release, std::chrono::seconds(5));  // no status line, no headers meanwhile
                respondStream(res, watchLine("ADDED", podJson("b", "2")));
            });
        }
        auto inf = makeInformer();
        QSignalSpy states(inf.get(), &Informer::stateChanged);
        inf->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_script.watchCount >= 1, 5000);
        QCoreApplication::processEvents();
        QVERIFY2(inf->state() != Informer::State::Watching, "Watching before the watch was answered");
        QVERIFY(!sawState(states, Informer::State::Watching));
        release->store(true);
        QTRY_COMPARE_WITH_TIMEOUT(inf->state(), Informer::State::Watching, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(names(inf->snapshot()).contains(QStringLiteral("b")), 5000);
        inf->stop();
    }

    // A half-open watch: answered, one event, then silence while the server holds the socket.
    // Dropped after the idle limit (state leaves Watching, so "Live" goes), watched again from
    // the last resourceVersion, no relist.
    void silentWatchIsDroppedAndResumedWithoutRelist()
    {
        auto release = std::make_shared<std::atomic<bool>>(false);
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("a", "1")}, "L1"); });
            m_script.watches.push_back([release](auto &, auto &res) {
                auto first = std::make_shared<std::string>(watchLine("ADDED", podJson("b", "e1")));
                res.set_chunked_content_provider("application/json;stream=watch", [first, release](size_t, httplib::DataSink &sink) {
                    if (!first->empty()) {
                        sink.write(first->data(), first->size());
                        first->clear();
                        return true;
                    }
                    holdUntil(release, std::chrono::seconds(4));
                    sink.done();
                    return true;
                });
            });
            m_script.watches.push_back([](auto &, auto &res) { respondStream(res, watchLine("ADDED", podJson("c", "e2"))); });
        }
        auto inf = makeInformer();
        inf->setIdleTimeout(400);
        QSignalSpy states(inf.get(), &Informer::stateChanged);
        inf->start();
        QTRY_VERIFY_WITH_TIMEOUT(names(inf->snapshot()).contains(QStringLiteral("b")), 5000);
        QCOMPARE(inf->state(), Informer::State::Watching);
        QTRY_VERIFY_WITH_TIMEOUT(names(inf->snapshot()).contains(QStringLiteral("c")), 3000);
        release->store(true);
        QVERIFY(sawState(states, Informer::State::Backoff, ErrorKind::Timeout));
        QCOMPARE(m_script.listCount.load(), 1);
        QCOMPARE(m_script.watchResourceVersions.at(1), std::string("e1"));
        QVERIFY(inf->stats().idleTimeouts >= 1);
        QCOMPARE(inf->stats().lists, 1);
        inf->stop();
    }

    void requestRateIsBoundedUnderAMisbehavingServer_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::newRow("watch ERROR 500") << "error500";
        QTest::newRow("watch ERROR 504 server timeout") << "error504";
        QTest::newRow("watch ERROR 410 Expired") << "error410";
        QTest::newRow("watch HTTP 410") << "http410";
        QTest::newRow("watch closes after one event") << "oneEvent";
        QTest::newRow("continue token always expired") << "continue410";
    }

    // A server that misbehaves the same way on every request, for two seconds. Without back-off
    // each of these loops at full speed (hundreds of requests a second).
    void requestRateIsBoundedUnderAMisbehavingServer()
    {
        QFETCH(QString, fault);
        const std::string f = fault.toStdString();
        {
            std::lock_guard lock(m_script.mutex);
            if (f == "continue410") {
                m_script.alwaysList = [](const httplib::Request &req, httplib::Response &res) {
                    if (req.get_param_value("continue").empty()) {
                        respondList(res, {podJson("a", "1"), podJson("b", "2")}, "L1", "tok");
                    } else {
                        res.status = 410;
                        res.set_content(statusJson(410, "Expired", "The provided continue parameter is too old"), "application/json");
                    }
                };
            } else {
                m_script.alwaysList = [](auto &, auto &res) { respondList(res, {podJson("a", "1")}, "L1"); };
            }
            m_script.alwaysWatch = [f](auto &, httplib::Response &res) {
                if (f == "error500")
                    respondStream(res, watchLine("ERROR", statusJson(500, "InternalError", "etcd is sad")));
                else if (f == "error504")
                    respondStream(res, watchLine("ERROR", statusJson(504, "Timeout", "Timeout: request did not complete")));
                else if (f == "error410")
                    respondStream(res, watchLine("ERROR", statusJson(410, "Expired", "too old resource version")));
                else if (f == "oneEvent")
                    respondStream(res, watchLine("MODIFIED", podJson("a", "2")));
                else {
                    res.status = 410;
                    res.set_content(statusJson(410, "Gone", "gone"), "application/json");
                }
            };
        }
        auto inf = makeInformer();
        inf->setBackoff(100, 400);
        inf->start();
        QTest::qWait(2000);  // the window the requests are counted in
        const int requests = m_script.listCount + m_script.watchCount;
        inf->stop();
        qInfo("%d requests in 2 s (%d lists, %d watches)", requests, m_script.listCount.load(), m_script.watchCount.load());
        // Back-off 100 ms doubling to 400 ms (plus jitter, capped): about 8 retries in 2 s, each
        // a list and a watch at most; the first relist after a 410 may be immediate.
        QVERIFY2(requests <= 24, qPrintable(QStringLiteral("%1 requests in 2 s (%2 lists, %3 watches)").arg(requests).arg(m_script.listCount.load()).arg(m_script.watchCount.load())));
        QVERIFY2(requests >= 4, qPrintable(QStringLiteral("gave up: %1 requests").arg(requests)));  // it does keep trying
        QVERIFY(inf->stats().backoffs >= 2);
        if (f == "error500" || f == "error504" || f == "oneEvent")
            QCOMPARE(m_script.listCount.load(), 1);  // re-watched from the last resourceVersion, never relisted
    }

    void retryAfterIsHonoured_data()
    {
        QTest::addColumn<QString>("where");
        QTest::newRow("watch 429, Retry-After header") << "watchHeader";
        QTest::newRow("watch 429, Status details.retryAfterSeconds") << "watchDetails";
        QTest::newRow("watch ERROR event 429 with retryAfterSeconds") << "watchEvent";
        QTest::newRow("list 429, Retry-After header") << "listHeader";
    }

    // The server says "come back in 1 s"; the informer's own backoff here is 50-100 ms.
    void retryAfterIsHonoured()
    {
        QFETCH(QString, where);
        const std::string w = where.toStdString();
        const std::string tooMany = statusJson(429, "TooManyRequests", "too many requests, please try again later",
                                               w == "watchHeader" || w == "listHeader" ? std::string() : std::string("{\"retryAfterSeconds\":1}"));
        {
            std::lock_guard lock(m_script.mutex);
            if (w == "listHeader") {
                m_script.lists.push_back([tooMany](auto &, auto &res) {
                    res.status = 429;
                    res.set_header("Retry-After", "1");
                    res.set_content(tooMany, "application/json");
                });
            }
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("a", "1")}, "L1"); });
            if (w != "listHeader") {
                m_script.watches.push_back([w, tooMany](auto &, auto &res) {
                    if (w == "watchEvent") {
                        respondStream(res, watchLine("ERROR", tooMany));
                        return;
                    }
                    res.status = 429;
                    if (w == "watchHeader")
                        res.set_header("Retry-After", "1");
                    res.set_content(tooMany, "application/json");
                });
            }
            m_script.watches.push_back([](auto &, auto &res) { respondStream(res, watchLine("ADDED", podJson("b", "2"))); });
        }
        auto inf = makeInformer();
        inf->start();
        QTRY_VERIFY_WITH_TIMEOUT(names(inf->snapshot()).contains(QStringLiteral("b")), 10000);
        std::lock_guard lock(m_script.mutex);
        const auto &times = w == "listHeader" ? m_script.listTimes : m_script.watchTimes;
        QVERIFY(times.size() >= 2);
        const qint64 waited = msBetween(times[0], times[1]);
        QVERIFY2(waited >= 1000, qPrintable(QStringLiteral("asked again after %1 ms").arg(waited)));
        inf->stop();
    }

    void tooLargeResourceVersionRelists_data()
    {
        QTest::addColumn<bool>("inStream");
        QTest::addColumn<QString>("details");
        const QString cause = QStringLiteral(R"({"causes":[{"reason":"ResourceVersionTooLarge","message":"Too large resource version"}],"retryAfterSeconds":1})");
        QTest::newRow("ERROR event, cause ResourceVersionTooLarge") << true << cause;
        QTest::newRow("HTTP 504, cause ResourceVersionTooLarge") << false << cause;
        QTest::newRow("ERROR event, message only (before 1.17)") << true << QString();
    }

    // The API server has not seen our resourceVersion yet (its watch cache is behind, or another
    // API server answered): client-go relists from scratch rather than re-watching the same
    // version forever.
    void tooLargeResourceVersionRelists()
    {
        QFETCH(bool, inStream);
        QFETCH(QString, details);
        const std::string status = statusJson(504, "Timeout", "Timeout: Too large resource version: 900, current: 10", details.toStdString());
        {
            std::lock_guard lock(m_script.mutex);
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("old", "1")}, "900"); });
            m_script.watches.push_back([inStream, status](auto &, auto &res) {
                if (inStream) {
                    respondStream(res, watchLine("ERROR", status));
                } else {
                    res.status = 504;
                    res.set_content(status, "application/json");
                }
            });
            m_script.lists.push_back([](auto &, auto &res) { respondList(res, {podJson("new", "11")}, "11"); });
        }
        auto inf = makeInformer();
        QSignalSpy synced(inf.get(), &Informer::synced);
        inf->start();
        QTRY_COMPARE_WITH_TIMEOUT(synced.count(), 2, 5000);
        QCOMPARE(names(synced.at(1).at(0).value<ObjectList>()), QStringList{"new"});
        QCOMPARE(inf->stats().relistsOnTooLarge, 1);
        QTRY_VERIFY_WITH_TIMEOUT(m_script.watchResourceVersions.size() >= 2, 5000);
        QCOMPARE(m_script.watchResourceVersions.at(1), std::string("11"));
        inf->stop();
    }
};

QTEST_GUILESS_MAIN(TestInformer)
#include "tst_informer.moc"
