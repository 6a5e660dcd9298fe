// The Prometheus HTTP API client over the shared HTTP engine: instant and range queries, series,
// label names and values, parsed on the client's own parser thread and delivered as values. A
// request made under a key (a panel's id) supersedes the one still running under that key: the
// older is cancelled in the engine and its answer is never delivered. Credentials (a bearer token
// or basic auth) are held in memory only and never put in a message.
#pragma once

#include "core/result.h"
#include "http/httpengine.h"
#include "prometheus/prometheusinfo.h"

#include <QHash>
#include <QObject>
#include <QThread>
#include <QPair>

#include <atomic>
#include <functional>
#include <memory>

namespace pilothouse::backends::prometheus {

struct PrometheusServer {
    QString url;                 // https://prometheus.example:9090 (one under a path: https://host/prometheus)
    QByteArray bearerToken;      // Authorization: Bearer; wins over basic auth
    QString user;                // basic auth, with password
    QByteArray password;
    QString caFile;              // PEM of the CA that signed the server's certificate; empty: system store
    QByteArray caPem;            // or the PEM itself (wins over caFile)
    bool insecureSkipVerify = false;  // only when the operator asked for it
};

class PrometheusClient : public QObject {
    Q_OBJECT

public:
    // Runs on the client's thread after the answer was parsed on the parser thread, and not at all
    // once `receiver` is gone or the request was superseded or cancelled.
    template <class T>
    using Done = std::function<void(const Result<T> &)>;

    // Queries whose form is longer than this go as a POST form (Prometheus takes both): proxies
    // refuse long URLs, and a dashboard's expressions can be long.
    static constexpr int kMaxGetQueryLength = 2048;

    // Query parameters in order, names repeated for match[]; unencoded.
    using Form = QList<QPair<QString, QString>>;

    explicit PrometheusClient(http::HttpEngine *engine, QObject *parent = nullptr);
    ~PrometheusClient() override;

    // Validates the URL and reads the CA file. Plain http is refused for a remote host when there
    // are credentials (they would cross the network in clear); without credentials it is accepted
    // and `securityNote()` says what it means. Credentials in the URL are refused. What still runs
    // under a key for the previous server is cancelled and not delivered.
    Result<void> setServer(const PrometheusServer &server);
    QString serverUrl() const { return m_server.url; }
    // Empty, or why this connection is not protected (plain http to a remote host, TLS not verified).
    QString securityNote() const { return m_securityNote; }

    // GET/POST /api/v1/query at `timeMs` (ms since the epoch; 0: the server's now).
    void instantQuery(const QString &expr, qint64 timeMs, QObject *receiver, Done<QueryResult> done, const QString &key = {});
    // GET/POST /api/v1/query_range over `range` (see planRange for a step that keeps under 11,000 points).
    void rangeQuery(const QString &expr, const QueryRange &range, QObject *receiver, Done<QueryResult> done, const QString &key = {});
    // /api/v1/series for the `match[]` selectors, optionally within [startMs, endMs] (0: not sent).
    void series(const QStringList &matchers, qint64 startMs, qint64 endMs, QObject *receiver, Done<SeriesList> done, const QString &key = {});
    // /api/v1/labels, optionally restricted to `matchers` and a time range.
    void labels(const QStringList &matchers, qint64 startMs, qint64 endMs, QObject *receiver, Done<NameList> done, const QString &key = {});
    // /api/v1/label/<name>/values.
    void labelValues(const QString &name, const QStringList &matchers, qint64 startMs, qint64 endMs, QObject *receiver, Done<NameList> done,
                     const QString &key = {});

    // Cancels what runs under `key`, or everything; nothing of it is delivered.
    void cancel(const QString &key);
    void cancelAll();
    // Keyed requests still on their way (for tests and the status line).
    int pendingKeys() const { return static_cast<int>(m_pending.size()); }

    // For tests: the parser thread, and a hook called there before each parse with what is parsed.
    // Set it before the requests it should see; it must be thread-safe.
    const QThread *parserThread() const { return &m_parserThread; }
    void setParseObserver(std::function<void(const char *what)> observer) { m_parseObserver = std::move(observer); }

private:
    struct Pending {
        http::RequestId id = 0;
        quint64 generation = 0;
        std::shared_ptr<std::atomic<bool>> dropped;
    };
    template <class T>
    void request(const QString &path, const Form &form, bool mayPost, const char *what, Result<T> (*parse)(int, const QByteArray &),
                 const QString &key, QObject *receiver, Done<T> done);
    ApiError explain(ApiError e) const;
    void drop(const QString &key);

    http::HttpEngine *m_engine;
    PrometheusServer m_server;
    http::TlsConfig m_tls;
    QString m_securityNote;
    QHash<QString, Pending> m_pending;
    quint64 m_generation = 0;
    QThread m_parserThread;
    QObject *m_parser = nullptr;
    std::function<void(const char *)> m_parseObserver;
};

}  // namespace pilothouse::backends::prometheus
