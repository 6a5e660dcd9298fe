// One libcurl multi engine on its own thread for every backend: TLS per request from memory,
// HTTP/2 multiplexing when offered, streaming bodies delivered line by line, cancellation.
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>

#include <functional>
#include <memory>

namespace pilothouse::backends::http {

using Headers = QList<QPair<QByteArray, QByteArray>>;

// TLS settings of one cluster or service. PEM data is held in memory; nothing is written to disk.
struct TlsConfig {
    QByteArray caPem;            // trusted CAs; empty: the system store
    QByteArray clientCertPem;    // client certificate (PEM), with clientKeyPem
    QByteArray clientKeyPem;
    QString serverName;          // kubeconfig tls-server-name: the name to verify instead of the URL's host
    bool insecureSkipVerify = false;  // only when the configuration says so, never as a fallback
    QString proxyUrl;            // kubeconfig proxy-url; empty: no proxy (environment proxies are ignored)
};

struct Request {
    QByteArray method = "GET";
    QString url;
    Headers headers;
    QByteArray body;
    TlsConfig tls;
    int connectTimeoutMs = 10000;
    int timeoutMs = 60000;   // whole exchange; 0 for none (long-lived streams)
    int idleTimeoutMs = 0;   // streams: give up when no byte arrived for this long; 0 for none
};

struct Response {
    int status = 0;          // HTTP status; 0 when no answer arrived
    Headers headers;         // header names lowercased
    QByteArray body;         // the whole body (send) or what was left unread (stream: empty)
    ApiError error;          // transport error (Network, Tls, Timeout, Cancelled); kind None when an answer arrived
    QByteArray header(const QByteArray &lowercaseName) const;
};

using RequestId = quint64;

// Callbacks run on the thread of `context` (queued), and not at all once `context` is gone:
// destroying `context` cancels its requests silently. A null `context` means the engine itself.
//
// libcurl must be initialised before the first engine is built: curl_global_init is not
// thread-safe, so main() (and each test's initTestCase) calls it once; the engine never does.
class HttpEngine : public QObject {
    Q_OBJECT

public:
    explicit HttpEngine(QObject *parent = nullptr);
    ~HttpEngine() override;

    // A request whose whole body is delivered at the end.
    RequestId send(Request request, QObject *context, std::function<void(const Response &)> done);

    // A long-lived request whose body is delivered line by line (without the newline) as it
    // arrives; `headersReceived` runs once with the status and headers before any line;
    // `finished` runs last, with the transport error if the stream broke.
    struct StreamHandlers {
        std::function<void(int status, const Headers &headers)> headersReceived;
        std::function<void(const QByteArray &line)> line;
        std::function<void(const Response &)> finished;
    };
    RequestId stream(Request request, QObject *context, StreamHandlers handlers);

    // Aborts a request; its done/finished callback runs with ErrorKind::Cancelled. Lines queued
    // for the context but not yet delivered are dropped. Safe from any thread; a request that has
    // already finished (its final callback queued) is left alone.
    void cancel(RequestId id);

    // Requests running now (for tests and the status line).
    int activeRequests() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace pilothouse::backends::http
