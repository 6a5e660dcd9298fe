// Informer semantics against a scripted API server: paging, watch resume from the last
// resourceVersion (opaque strings), bookmarks, malformed lines, 410 relists, backoff without relist.
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

// What the scripted server answers, one entry per request, in order.
struct Script {
    std::mutex mutex;
    std::deque<std::function<void(const httplib::Request &, httplib::Response &)>> lists;
    std::deque<std::function<void(const httplib::Request &, httplib::Response &)>> watches;
    std::vector<std::string> watchResourceVersions;
    std::vector<std::string> listContinues;
    std::atomic<int> listCount{0}, watchCount{0};
};

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
            std::function<void(const httplib::Request &, httplib::Response &)> handler;
            {
                std::lock_guard lock(m_script.mutex);
                auto &queue = req.has_param("watch") ? m_script.watches : m_script.lists;
                if (req.has_param("watch")) {
                    m_script.watchResourceVersions.push_back(req.get_param_value("resourceVersion"));
                    ++m_script.watchCount;
                } else {
                    m_script.listContinues.push_back(req.get_param_value("continue"));
                    ++m_script.listCount;
                }
                if (!queue.empty()) {
                    handler = queue.front();
                    queue.pop_front();
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
        m_script.listCount = 0;
        m_script.watchCount = 0;
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
};

QTEST_GUILESS_MAIN(TestInformer)
#include "tst_informer.moc"
