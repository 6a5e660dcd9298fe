// Test support: Debian's prometheus scraping a pilothouse-sim, from a temporary folder.
#include "prometheusprocess.h"

#include <httplib.h>

#include <QFile>
#include <QStandardPaths>

#include <arpa/inet.h>
#include <cmath>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pilothouse::testsupport {

namespace {

// A loopback port free now (bound to 0, read back, released): prometheus binds it just after.
int freePort()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

}  // namespace

QString prometheusPath() { return QStandardPaths::findExecutable(QStringLiteral("prometheus")); }
QString promtoolPath() { return QStandardPaths::findExecutable(QStringLiteral("promtool")); }

PrometheusProcess::PrometheusProcess(const SimProcess &sim, int scrapeSeconds) : m_sim(sim), m_scrapeSeconds(scrapeSeconds)
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

PrometheusProcess::~PrometheusProcess() { stop(); }

QString PrometheusProcess::output() const { return QString::fromUtf8(const_cast<QProcess &>(m_process).readAll()); }

bool PrometheusProcess::start(QString *error, int timeoutMs)
{
    auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        stop();
        return false;
    };
    const QString binary = prometheusPath();
    if (binary.isEmpty())
        return fail(QStringLiteral("prometheus is not installed"));
    if (!m_dir.isValid())
        return fail(QStringLiteral("no temporary folder"));
    m_port = freePort();
    if (m_port <= 0)
        return fail(QStringLiteral("no free port"));
    // Debian's defaults point at /etc and /var: every path is given. The sim's certificate has
    // IP:127.0.0.1 among its names, which Go's verification needs.
    const QString interval = QString::number(m_scrapeSeconds) + QStringLiteral("s");
    const QString config = QStringLiteral(
                               "global:\n"
                               "  scrape_interval: %1\n"
                               "  scrape_timeout: %1\n"
                               "  evaluation_interval: %1\n"
                               "scrape_configs:\n"
                               "  - job_name: pilothouse-sim\n"
                               "    scheme: https\n"
                               "    metrics_path: /metrics\n"
                               "    honor_labels: true\n"
                               "    tls_config:\n"
                               "      ca_file: '%2'\n"
                               "      cert_file: '%3'\n"
                               "      key_file: '%4'\n"
                               "    static_configs:\n"
                               "      - targets: ['127.0.0.1:%5']\n")
                               .arg(interval, m_sim.caFile(), m_sim.certFile(), m_sim.keyFile(), QString::number(m_sim.port()));
    QFile f(configPath());
    if (!f.open(QIODevice::WriteOnly) || f.write(config.toUtf8()) < 0)
        return fail(QStringLiteral("cannot write ") + configPath());
    f.close();
    m_process.setWorkingDirectory(m_dir.path());
    m_process.start(binary, {QStringLiteral("--config.file=") + configPath(), QStringLiteral("--storage.tsdb.path=") + m_dir.filePath(QStringLiteral("data")),
                             QStringLiteral("--web.listen-address=127.0.0.1:") + QString::number(m_port), QStringLiteral("--log.level=warn")});
    if (!m_process.waitForStarted(10000))
        return fail(QStringLiteral("prometheus did not start: ") + m_process.errorString());
    m_url = QStringLiteral("http://127.0.0.1:") + QString::number(m_port);

    httplib::Client c("127.0.0.1", m_port);
    c.set_connection_timeout(2);
    c.set_read_timeout(5);
    QString last = QStringLiteral("no answer");
    const bool up = eventually(
        [&] {
            if (m_process.state() != QProcess::Running)
                return true;
            auto res = c.Get("/api/v1/targets");
            if (!res || res->status != 200)
                return false;
            Json j = Json::parse(res->body, nullptr, false);
            const Json *targets = j.is_object() && j.contains("data") ? &j["data"]["activeTargets"] : nullptr;
            if (!targets || !targets->is_array() || targets->empty())
                return false;
            const Json &t = (*targets)[0];
            last = QString::fromStdString(t.value("health", "") + " " + t.value("lastError", ""));
            return t.value("health", "") == "up";
        },
        timeoutMs);
    if (m_process.state() != QProcess::Running)
        return fail(QStringLiteral("prometheus exited: ") + output());
    if (!up)
        return fail(QStringLiteral("the sim's target is not up: ") + last);
    return true;
}

void PrometheusProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(10000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

Json PrometheusProcess::query(const std::string &promql) const
{
    httplib::Client c("127.0.0.1", m_port);
    c.set_connection_timeout(2);
    c.set_read_timeout(10);
    auto res = c.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!res)
        return nullptr;
    return Json::parse(res->body, nullptr, false);
}

double PrometheusProcess::scalar(const std::string &promql) const
{
    Json j = query(promql);
    if (!j.is_object() || j.value("status", "") != "success")
        return std::nan("");
    const Json &result = j["data"]["result"];
    if (!result.is_array() || result.empty())
        return std::nan("");
    return std::strtod(result[0]["value"][1].get<std::string>().c_str(), nullptr);
}

}  // namespace pilothouse::testsupport
