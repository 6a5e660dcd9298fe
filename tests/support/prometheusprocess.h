// Test support: runs Debian's prometheus from a temporary folder, scraping a pilothouse-sim's /metrics.
#pragma once

#include "simprocess.h"

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace pilothouse::testsupport {

// The prometheus on PATH, or empty when it is not installed.
QString prometheusPath();
// The promtool on PATH, or empty.
QString promtoolPath();

class PrometheusProcess {
public:
    // Scrapes `sim`'s /metrics over HTTPS every `scrapeSeconds`, verified with the sim's CA, as sim-admin
    // (its client certificate). `sim` must be started and outlive this.
    explicit PrometheusProcess(const SimProcess &sim, int scrapeSeconds = 1);
    ~PrometheusProcess();
    PrometheusProcess(const PrometheusProcess &) = delete;
    PrometheusProcess &operator=(const PrometheusProcess &) = delete;

    // Writes the configuration, starts prometheus on a free loopback port and waits until the sim's
    // target is up (/api/v1/targets, as /-/ready answers before any scrape). False with `error` set.
    bool start(QString *error, int timeoutMs = 60000);
    // SIGTERM, then SIGKILL after 10 s.
    void stop();

    QString url() const { return m_url; }
    int port() const { return m_port; }
    QString configPath() const { return m_dir.filePath(QStringLiteral("prometheus.yml")); }
    QString output() const;

    // GET /api/v1/query?query=Q: the envelope ({status, data, errorType, error}); null when there was no answer.
    Json query(const std::string &promql) const;
    // The first sample's value of an instant query's vector, or NaN (no data, an error).
    double scalar(const std::string &promql) const;

private:
    const SimProcess &m_sim;
    int m_scrapeSeconds;
    QTemporaryDir m_dir;
    QProcess m_process;
    QString m_url;
    int m_port = 0;
};

}  // namespace pilothouse::testsupport
