// One libcurl multi engine on its own thread for every backend: TLS per request from memory,
// HTTP/2 multiplexing when offered, streaming bodies delivered line by line, cancellation.
// Under faults:
// - an idle timeout per request (Request::idleTimeoutMs) counts silence, not age: a stream whose
//   server holds the socket and sends nothing (a half-open connection, a proxy that stopped
//   forwarding) ends with ErrorKind::Timeout once no byte arrived for that long, whether or not
//   its response headers had come;
// - every Response says whether its response headers arrived before an error
//   (Response::headersReceived): a mutating request whose answer broke off after them may have
//   been applied, one that never got them may not have been;
// - a kept-alive connection the server closed while idle is retried once on a fresh connection
//   when nothing came back (any method after a failed send, GET/HEAD only after an empty answer).
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
    int idleTimeoutMs = 0;   // give up when no byte (header or body) arrived for this long; 0 for none
};

// Spare bytes allocated behind the body of a send() whose length the server announced, so that a
// parser reading in blocks past the end (simdjson needs 64) can parse the body where it is.
inline constexpr qsizetype kBodyPadding = 64;

struct Response {
    int status = 0;          // HTTP status; 0 when no answer arrived
    Headers headers;         // header names lowercased
    QByteArray body;         // the whole body (send; with kBodyPadding to spare when its length was announced, in a buffer of the engine's when big) or what was left unread (stream: empty)
    ApiError error;          // transport error (Network, Tls, Timeout, Cancelled); kind None when an answer arrived
    // The final response headers (status 2xx..5xx) had arrived when the request ended, even if
    // the body then broke off: the server received the request and decided on it.
    bool headersReceived = false;
    // The protocol the answer came in ("HTTP/1.1", "HTTP/2"): through an HTTP/2 front the
    // requests to one server share a connection. Empty when no answer arrived.
    QByteArray httpVersion;
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
    // Connections opened since the engine started (a refused attempt counts too); requests
    // multiplexed over HTTP/2 share one (for tests and diagnostics).
    int connectionsOpened() const;

    // Big bodies (list pages) arrive in buffers the engine maps and reuses from one response to
    // the next, and unmaps once no response has held them for a while (see bodybufferpool.h).
    // This unmaps the ones no response holds now: for a receiver that is done with a series of
    // big responses, e.g. an informer at the end of its list. Safe from any thread.
    void releaseBodyBuffers();
    // Bytes of body buffers mapped now, held or free (for tests and diagnostics).
    qint64 bodyBufferBytes() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace pilothouse::backends::http
