// Test support: the simulator as a child process, HTTPS requests and watch streams against it.
#include "simprocess.h"

#include <curl/curl.h>
#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QThread>

#include <csignal>

namespace pilothouse::testsupport {

QString simBinary()
{
    QString fromEnv = qEnvironmentVariable("PILOTHOUSE_SIM");
    return fromEnv.isEmpty() ? QStringLiteral("pilothouse-sim") : fromEnv;
}

QString sourceDir()
{
    QString fromEnv = qEnvironmentVariable("PILOTHOUSE_SOURCE_DIR");
    return fromEnv.isEmpty() ? QDir::currentPath() : fromEnv;
}

QString smallScenario() { return sourceDir() + QStringLiteral("/tests/data/scenarios/small.yaml"); }

std::string HttpReply::header(const std::string &name) const
{
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

QStringList podTimings(int startMs, int readyMs, int stopMs)
{
    return {QStringLiteral("--pod-start-ms"), QString::number(startMs), QStringLiteral("--pod-ready-ms"), QString::number(readyMs),
            QStringLiteral("--pod-stop-ms"), QString::number(stopMs)};
}

Json HttpReply::json() const
{
    Json j = Json::parse(body, nullptr, false);
    return j.is_discarded() ? Json() : j;
}

SimProcess::SimProcess(QStringList extraArgs, QString scenario) : m_args(std::move(extraArgs)), m_scenario(std::move(scenario))
{
    // Tests write to a simulator that drops connections on purpose; a write to a closed TLS
    // socket must be an error, not the end of the test process.
    std::signal(SIGPIPE, SIG_IGN);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

SimProcess::~SimProcess() { terminate(); }

void SimProcess::terminate()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(10000)) {
        m_process.kill();
        m_process.waitForFinished(3000);
    }
}

QString SimProcess::output() const
{
    m_printed += const_cast<QProcess &>(m_process).readAll();
    return QString::fromUtf8(m_printed);
}

QString SimProcess::argocdUrl() const
{
    static const QString marker = QStringLiteral("serving the Argo CD API at ");
    QDeadlineTimer deadline(10000);
    while (true) {
        QString out = output();
        qsizetype at = out.indexOf(marker);
        if (at >= 0) {
            qsizetype end = out.indexOf(QLatin1Char(' '), at + marker.size());
            qsizetype eol = out.indexOf(QLatin1Char('\n'), at + marker.size());
            if (eol >= 0 || end >= 0) {
                qsizetype stop = end >= 0 && (eol < 0 || end < eol) ? end : eol;
                return out.mid(at + marker.size(), stop - at - marker.size()).trimmed();
            }
        }
        if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning)
            return {};
        const_cast<QProcess &>(m_process).waitForReadyRead(50);
    }
}

int SimProcess::argocdPort() const { return argocdUrl().section(QLatin1Char(':'), -1).toInt(); }

static bool writeFile(const QString &path, const std::string &data)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    f.write(data.data(), static_cast<qint64>(data.size()));
    return true;
}

static std::string decodeBase64(const std::string &s)
{
    QByteArray raw = QByteArray::fromBase64(QByteArray::fromStdString(s));
    return raw.toStdString();
}

bool SimProcess::start(QString *error)
{
    if (!m_dir.isValid()) {
        *error = QStringLiteral("cannot create a temporary folder");
        return false;
    }
    QStringList args{QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--kubeconfig-out"), kubeconfigPath()};
    if (!m_scenario.isEmpty())
        args << QStringLiteral("--scenario") << m_scenario;
    args << m_args;
    m_process.start(simBinary(), args);
    if (!m_process.waitForStarted(10000)) {
        *error = QStringLiteral("cannot start %1: %2").arg(simBinary(), m_process.errorString());
        return false;
    }
    QDeadlineTimer deadline(60000);
    while (!QFileInfo::exists(kubeconfigPath())) {
        if (m_process.state() == QProcess::NotRunning || deadline.hasExpired()) {
            *error = QStringLiteral("pilothouse-sim did not come up: ") + QString::fromUtf8(m_process.readAll());
            return false;
        }
        m_process.waitForReadyRead(50);
    }
    try {
        YAML::Node kc = YAML::LoadFile(kubeconfigPath().toStdString());
        m_url = QString::fromStdString(kc["clusters"][0]["cluster"]["server"].as<std::string>());
        writeFile(caFile(), decodeBase64(kc["clusters"][0]["cluster"]["certificate-authority-data"].as<std::string>()));
        for (const auto &u : kc["users"]) {
            if (u["name"].as<std::string>() == "sim-admin") {
                writeFile(certFile(), decodeBase64(u["user"]["client-certificate-data"].as<std::string>()));
                writeFile(keyFile(), decodeBase64(u["user"]["client-key-data"].as<std::string>()));
            } else if (u["name"].as<std::string>() == "sim-viewer") {
                m_viewerToken = QString::fromStdString(u["user"]["token"].as<std::string>());
            }
        }
    } catch (const std::exception &e) {
        *error = QStringLiteral("unreadable kubeconfig: ") + QString::fromUtf8(e.what());
        return false;
    }
    m_port = m_url.section(QLatin1Char(':'), -1).toInt();
    return true;
}

std::unique_ptr<httplib::SSLClient> SimProcess::client(Identity who) const
{
    std::unique_ptr<httplib::SSLClient> c;
    if (who == Identity::Admin)
        c = std::make_unique<httplib::SSLClient>("127.0.0.1", m_port, certFile().toStdString(), keyFile().toStdString());
    else
        c = std::make_unique<httplib::SSLClient>("127.0.0.1", m_port);
    c->set_ca_cert_path(caFile().toStdString().c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(5);
    c->set_read_timeout(60);
    if (who == Identity::Viewer)
        c->set_bearer_token_auth(m_viewerToken.toStdString().c_str());
    return c;
}

HttpReply SimProcess::request(const std::string &method, const std::string &path, const std::string &body,
                              const std::string &contentType, Identity who, const std::map<std::string, std::string> &headers) const
{
    auto c = client(who);
    httplib::Headers h;
    for (const auto &[k, v] : headers)
        h.emplace(k, v);
    httplib::Result r{nullptr, httplib::Error::Unknown};
    if (method == "GET")
        r = c->Get(path.c_str(), h);
    else if (method == "POST")
        r = c->Post(path.c_str(), h, body, contentType.c_str());
    else if (method == "PUT")
        r = c->Put(path.c_str(), h, body, contentType.c_str());
    else if (method == "PATCH")
        r = c->Patch(path.c_str(), h, body, contentType.c_str());
    else if (method == "DELETE")
        r = c->Delete(path.c_str(), h, body, contentType.c_str());
    HttpReply reply;
    if (!r)
        return reply;
    reply.status = r->status;
    reply.body = r->body;
    for (const auto &[k, v] : r->headers)
        reply.headers.emplace(k, v);
    return reply;
}

bool SimProcess::control(const std::string &action, const std::string &query) const
{
    std::string path = "/sim/v1/" + action + (query.empty() ? "" : "?" + query);
    return request("POST", path, "{}").status == 200;
}

bool SimProcess::addFaults(const Json &rules) const { return request("POST", "/sim/v1/faults", rules.dump()).status == 200; }

bool SimProcess::clearFaults() const { return request("DELETE", "/sim/v1/faults").status == 200; }

long long SimProcess::requestCount(const std::string &path, const std::string &verb) const
{
    std::string query = "/sim/v1/requests?path=" + httplib::detail::encode_query_param(path);
    if (!verb.empty())
        query += "&verb=" + verb;
    HttpReply r = get(query);
    Json j = r.json();
    return r.status == 200 && j.contains("total") ? j["total"].get<long long>() : -1;
}

bool SimProcess::clearRequestLog() const { return request("DELETE", "/sim/v1/requests").status == 200; }

WatchStream::WatchStream(const SimProcess &sim, std::string path, Identity who, std::map<std::string, std::string> headers)
{
    std::string url = sim.url().toStdString() + path;
    std::string ca = sim.caFile().toStdString(), cert = sim.certFile().toStdString(), key = sim.keyFile().toStdString();
    std::string token = sim.viewerToken().toStdString();
    m_thread = std::thread([=, this] {
        CURL *curl = curl_easy_init();
        curl_slist *hdrs = nullptr;
        for (const auto &[k, v] : headers)
            hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
        if (who == Identity::Viewer)
            hdrs = curl_slist_append(hdrs, ("Authorization: Bearer " + token).c_str());
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
        if (who == Identity::Admin) {
            curl_easy_setopt(curl, CURLOPT_SSLCERT, cert.c_str());
            curl_easy_setopt(curl, CURLOPT_SSLKEY, key.c_str());
        }
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WatchStream::onData);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &WatchStream::onHeader);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &WatchStream::onProgress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
        curl_easy_perform(curl);
        long code = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        if (m_status == 0)
            m_status = static_cast<int>(code);
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(curl);
        m_ended = true;
        m_cv.notify_all();
    });
}

size_t WatchStream::onData(char *data, size_t size, size_t count, void *self)
{
    auto *w = static_cast<WatchStream *>(self);
    std::lock_guard lock(w->m_mutex);
    w->m_partial.append(data, size * count);
    size_t nl;
    while ((nl = w->m_partial.find('\n')) != std::string::npos) {
        std::string line = w->m_partial.substr(0, nl);
        w->m_partial.erase(0, nl + 1);
        Json j = Json::parse(line, nullptr, false);
        if (!line.empty() && !j.is_discarded())
            w->m_events.push_back(std::move(j));
    }
    w->m_cv.notify_all();
    return w->m_stop ? 0 : size * count;
}

size_t WatchStream::onHeader(char *data, size_t size, size_t count, void *self)
{
    std::string line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0 && line.size() > 12)
        static_cast<WatchStream *>(self)->m_status = std::atoi(line.c_str() + line.find(' ') + 1);
    return size * count;
}

int WatchStream::onProgress(void *self, long long, long long, long long, long long)
{
    return static_cast<WatchStream *>(self)->m_stop ? 1 : 0;
}

WatchStream::~WatchStream() { stop(); }

void WatchStream::stop()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
}

std::optional<Json> WatchStream::next(int timeoutMs)
{
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] { return !m_events.empty() || m_ended; });
    if (m_events.empty())
        return std::nullopt;
    Json e = std::move(m_events.front());
    m_events.pop_front();
    return e;
}

std::optional<Json> WatchStream::waitFor(const std::string &type, const std::string &name, int timeoutMs)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
        int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
        auto e = next(std::max(left, 1));
        if (!e) {
            if (m_ended)
                return std::nullopt;
            continue;
        }
        if ((*e).value("type", "") == type && (name.empty() || (*e)["object"]["metadata"].value("name", "") == name))
            return e;
    }
    return std::nullopt;
}

bool WatchStream::waitEnded(int timeoutMs)
{
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] { return m_ended.load(); });
}

QString kubectlPath() { return QStandardPaths::findExecutable(QStringLiteral("kubectl")); }

ProcessResult runProcess(const QString &program, const QStringList &args, int timeoutMs, const QByteArray &input,
                         const QStringList &extraEnv)
{
    ProcessResult result;
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &kv : extraEnv)
        env.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
    p.setProcessEnvironment(env);
    p.start(program, args);
    if (!p.waitForStarted(10000)) {
        result.err = p.errorString();
        return result;
    }
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        result.timedOut = true;
        p.kill();
        p.waitForFinished(3000);
    }
    result.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    result.out = QString::fromUtf8(p.readAllStandardOutput());
    result.err = QString::fromUtf8(p.readAllStandardError());
    return result;
}

ProcessResult runKubectl(const SimProcess &sim, const QStringList &args, int timeoutMs, const QByteArray &input)
{
    QStringList all{QStringLiteral("--kubeconfig"), sim.kubeconfigPath(), QStringLiteral("--cache-dir"),
                    sim.workDir() + QStringLiteral("/kubectl-cache")};
    all << args;
    // HOME is redirected so that no user configuration (or cache) influences the result.
    return runProcess(kubectlPath(), all, timeoutMs, input, {QStringLiteral("HOME=") + sim.workDir()});
}

}  // namespace pilothouse::testsupport
