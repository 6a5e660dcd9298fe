// Test support: runs pilothouse-sim as a child process and talks to it as sim-admin or sim-viewer.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QProcess>
#include <QTest>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

// QCOMPARE for JSON values: nlohmann::json converts to anything, which confuses QCOMPARE's overloads.
#define JCOMPARE(actual, expected) QCOMPARE(::pilothouse::testsupport::Json(actual).dump(), ::pilothouse::testsupport::Json(expected).dump())

namespace pilothouse::testsupport {

using Json = nlohmann::json;

// The pilothouse-sim binary (from $PILOTHOUSE_SIM, set by ctest) and the source tree.
QString simBinary();
QString sourceDir();
QString smallScenario();  // tests/data/scenarios/small.yaml

// --pod-start-ms, --pod-ready-ms and --pod-stop-ms: how fast the simulated kubelet moves pods
// along (the simulator's own defaults, 800, 700 and 600 ms, are for the demo).
QStringList podTimings(int startMs = 100, int readyMs = 100, int stopMs = 100);

enum class Identity { Admin, Viewer, Anonymous };

// Polls `condition` (spinning the event loop) until it holds or the deadline passes: the
// simulated cluster converges in steps of a few hundred milliseconds.
template <class F>
bool eventually(F condition, int timeoutMs = 30000)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        if (condition())
            return true;
        QTest::qWait(50);
    }
    return condition();
}

struct HttpReply {
    int status = 0;  // 0: no answer (connection refused, reset, timeout)
    std::string body;
    std::multimap<std::string, std::string> headers;
    std::string header(const std::string &name) const;
    Json json() const;  // null when the body is not JSON
};

class SimProcess {
public:
    explicit SimProcess(QStringList extraArgs = {}, QString scenario = smallScenario());
    ~SimProcess();
    SimProcess(const SimProcess &) = delete;
    SimProcess &operator=(const SimProcess &) = delete;

    // Starts the simulator and waits until its kubeconfig is written. False with `error` set on failure.
    bool start(QString *error);
    void terminate();

    QString kubeconfigPath() const { return m_dir.filePath(QStringLiteral("kubeconfig")); }
    QString url() const { return m_url; }
    int port() const { return m_port; }
    QString caFile() const { return m_dir.filePath(QStringLiteral("ca.pem")); }
    QString certFile() const { return m_dir.filePath(QStringLiteral("admin.pem")); }
    QString keyFile() const { return m_dir.filePath(QStringLiteral("admin-key.pem")); }
    QString viewerToken() const { return m_viewerToken; }
    QString workDir() const { return m_dir.path(); }
    QString output() const;  // what the simulator printed so far
    // The Argo CD API's URL from the simulator's "serving the Argo CD API at" line (waits up to
    // 10 s for it); empty when it never came.
    QString argocdUrl() const;
    int argocdPort() const;

    HttpReply request(const std::string &method, const std::string &path, const std::string &body = {},
                      const std::string &contentType = "application/json", Identity who = Identity::Admin,
                      const std::map<std::string, std::string> &headers = {}) const;
    HttpReply get(const std::string &path, Identity who = Identity::Admin) const { return request("GET", path, {}, {}, who); }
    // POST /sim/v1/<action>?<query> as sim-admin; true on 200.
    bool control(const std::string &action, const std::string &query = {}) const;
    // Faults on the Kubernetes API port (sim/kube/faults.h): POST /sim/v1/faults with one rule or
    // {"rules": [...]}, e.g. {"fault": "too-many-requests", "path": "/api/v1/pods", "count": 2};
    // true on 200. clearFaults() removes every rule and ends every stall.
    bool addFaults(const Json &rules) const;
    bool clearFaults() const;
    // GET /sim/v1/requests: how many requests the API port got for `path` (all verbs, or one:
    // list, watch, get...) since the start or the last clearRequestLog(); -1 when it cannot tell.
    long long requestCount(const std::string &path, const std::string &verb = {}) const;
    bool clearRequestLog() const;

    std::unique_ptr<httplib::SSLClient> client(Identity who) const;

private:
    QStringList m_args;
    QString m_scenario;
    QTemporaryDir m_dir;
    QProcess m_process;
    mutable QByteArray m_printed;  // everything read from the simulator's output so far
    QString m_url;
    int m_port = 0;
    QString m_viewerToken;
};

// A watch request read line by line on its own thread (libcurl, so that stop() interrupts an
// idle stream at once).
class WatchStream {
public:
    WatchStream(const SimProcess &sim, std::string path, Identity who = Identity::Admin,
                std::map<std::string, std::string> headers = {});
    ~WatchStream();
    // The next event, or nullopt if none arrived within the timeout or the stream ended.
    std::optional<Json> next(int timeoutMs);
    // Waits for an event whose type and object name match; skips others.
    std::optional<Json> waitFor(const std::string &type, const std::string &name, int timeoutMs);
    bool ended() const { return m_ended; }
    // True when the stream ended within the timeout.
    bool waitEnded(int timeoutMs);
    int status() const { return m_status; }
    void stop();

private:
    static size_t onData(char *data, size_t size, size_t count, void *self);
    static int onProgress(void *self, long long, long long, long long, long long);
    static size_t onHeader(char *data, size_t size, size_t count, void *self);

    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Json> m_events;
    std::string m_partial;
    std::atomic<bool> m_ended{false};
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_status{0};
};

struct ProcessResult {
    int exitCode = -1;
    QString out;
    QString err;
    bool timedOut = false;
};

// The kubectl on PATH, or empty when it is not installed.
QString kubectlPath();
// Runs kubectl against the simulator with its kubeconfig and a private discovery cache.
ProcessResult runKubectl(const SimProcess &sim, const QStringList &args, int timeoutMs = 60000, const QByteArray &input = {});
ProcessResult runProcess(const QString &program, const QStringList &args, int timeoutMs, const QByteArray &input = {},
                         const QStringList &extraEnv = {});

}  // namespace pilothouse::testsupport
