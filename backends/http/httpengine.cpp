// The HTTP engine: one libcurl multi handle driven by its own thread, results posted to the callers' threads.
#include "http/httpengine.h"

#include "http/bodybufferpool.h"

#include <curl/curl.h>

#include <QMetaObject>
#include <QSet>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace pilothouse::backends::http {

using Clock = std::chrono::steady_clock;

// How long a body buffer nobody claimed stays mapped: longer than the gap between two pages of a list.
constexpr std::chrono::milliseconds kBodyBufferIdle{2000};

QByteArray Response::header(const QByteArray &lowercaseName) const
{
    for (const auto &h : headers)
        if (h.first == lowercaseName)
            return h.second;
    return {};
}

namespace {

// What a caller's thread needs to run the callbacks. Shared with the events posted to that thread,
// so it outlives both the transfer and, if need be, the engine.
struct Delivery {
    RequestId id = 0;
    QObject *context = nullptr;
    bool isStream = false;
    std::function<void(const Response &)> done;
    HttpEngine::StreamHandlers handlers;
    std::shared_ptr<std::atomic<bool>> engineAlive;
    // cancel() was called: lines already queued are dropped, the final callback says Cancelled.
    std::atomic<bool> cancelled{false};
    // The context is gone (or going): nothing at all may be posted to it or run for it.
    std::atomic<bool> silent{false};

    bool live() const { return engineAlive->load() && !silent.load(); }
};

struct PendingStart {
    Request request;
    std::shared_ptr<Delivery> delivery;
};

// One running transfer; touched only by the loop thread (curl's callbacks run inside curl_multi_perform).
struct Transfer {
    std::shared_ptr<Delivery> delivery;
    Request request;
    CURL *easy = nullptr;
    curl_slist *headerList = nullptr;
    curl_slist *connectTo = nullptr;
    std::string url;
    std::string proxy;
    QString hostPort;  // for messages: the host the request really goes to, never userinfo
    char errorBuffer[CURL_ERROR_SIZE] = {};

    int status = 0;
    Headers headers;
    bool headersComplete = false;
    bool headersPosted = false;
    QByteArray body;         // send(): the whole body, when not in a pooled buffer
    // send(): a body announced at BodyBufferPool::kMinBody or more goes into a pooled buffer.
    std::shared_ptr<BodyBufferPool> pool;
    BodyBufferPool::Buffer *pooled = nullptr;
    qsizetype pooledSize = 0;
    QByteArray partialLine;  // stream(): bytes after the last '\n'
    QList<QByteArray> lines; // stream(): complete lines not yet posted
    Clock::time_point lastByte = Clock::now();
    bool retried = false;    // one retry on a fresh connection after a stale reused one
    qsizetype uploaded = 0;  // how much of request.body the read callback has handed to curl

    bool hasBody() const { return pooledSize > 0 || !body.isEmpty(); }

    ~Transfer()
    {
        if (pooled)
            pool->giveBack(pooled);
        if (easy)
            curl_easy_cleanup(easy);
        curl_slist_free_all(headerList);
        curl_slist_free_all(connectTo);
    }
};

// A request body handed to curl piece by piece. There is no seek callback on purpose: curl cannot
// rewind such a body, so it never sends it twice by itself. (curl resends a request when a reused
// connection dies before any byte of the answer: harmless for a GET, but a POST or PATCH the server
// may have acted on would be applied twice: a second Jenkins build for one click. It fails with
// CURLE_SEND_FAIL_REWIND instead, an answer lost, and the caller decides.)
size_t onUpload(char *buffer, size_t size, size_t count, void *userdata)
{
    auto *t = static_cast<Transfer *>(userdata);
    const qsizetype left = t->request.body.size() - t->uploaded;
    const qsizetype n = std::min<qsizetype>(left, static_cast<qsizetype>(size * count));
    if (n > 0)
        std::memcpy(buffer, t->request.body.constData() + t->uploaded, static_cast<size_t>(n));
    t->uploaded += n;
    return static_cast<size_t>(n);
}

size_t onBody(char *data, size_t size, size_t count, void *userdata)
{
    auto *t = static_cast<Transfer *>(userdata);
    const size_t len = size * count;
    t->lastByte = Clock::now();
    if (!t->delivery->isStream) {
        if (t->pooled) {
            const qsizetype room = BodyBufferPool::capacity(t->pooled) - kBodyPadding - t->pooledSize;
            if (static_cast<qsizetype>(len) <= room) {
                std::memcpy(BodyBufferPool::data(t->pooled) + t->pooledSize, data, len);
                t->pooledSize += static_cast<qsizetype>(len);
                return len;
            }
            // More than the server announced: the body grows on the heap from here.
            t->body.reserve(t->pooledSize + static_cast<qsizetype>(len) + kBodyPadding);
            t->body.append(BodyBufferPool::data(t->pooled), t->pooledSize);
            t->pool->giveBack(t->pooled);
            t->pooled = nullptr;
            t->pooledSize = 0;
        }
        t->body.append(data, static_cast<qsizetype>(len));
        return len;
    }
    const char *start = data;
    const char *end = data + len;
    while (start < end) {
        const auto *nl = static_cast<const char *>(std::memchr(start, '\n', static_cast<size_t>(end - start)));
        if (!nl)
            break;
        if (t->partialLine.isEmpty()) {
            t->lines.append(QByteArray(start, nl - start));
        } else {
            t->partialLine.append(start, nl - start);
            t->lines.append(t->partialLine);
            t->partialLine.clear();
        }
        start = nl + 1;
    }
    if (start < end)
        t->partialLine.append(start, end - start);
    return len;
}

// A body whose length the server announced gets its whole buffer at once (a 4 MB list page grew
// through a dozen reallocations and copies on the loop thread), with kBodyPadding bytes to spare.
void reserveBody(Transfer &t)
{
    if (t.delivery->isStream || t.request.method == "HEAD")
        return;
    for (const auto &h : t.headers) {
        if (h.first != "content-length")
            continue;
        bool ok = false;
        const qint64 length = h.second.toLongLong(&ok);
        // A length beyond this is not trusted with an allocation up front: such a body grows as it comes.
        constexpr qint64 kMaxReserve = 512LL * 1024 * 1024;
        if (!ok || length <= 0 || length > kMaxReserve)
            return;
        const qsizetype need = static_cast<qsizetype>(length) + kBodyPadding;
        if (t.pooled) {
            t.pool->giveBack(t.pooled);
            t.pooled = nullptr;
            t.pooledSize = 0;
        }
        if (length >= BodyBufferPool::kMinBody)
            t.pooled = t.pool->claim(need);
        if (!t.pooled)
            t.body.reserve(need);
        return;
    }
}

size_t onHeader(char *data, size_t size, size_t count, void *userdata)
{
    auto *t = static_cast<Transfer *>(userdata);
    const size_t len = size * count;
    t->lastByte = Clock::now();
    const QByteArray line = QByteArray(data, static_cast<qsizetype>(len)).trimmed();
    if (line.startsWith("HTTP/")) {
        // A new header block: after a 1xx the real answer follows with its own headers.
        t->headers.clear();
        t->headersComplete = false;
        const QList<QByteArray> parts = line.split(' ');
        t->status = parts.size() > 1 ? parts.at(1).toInt() : 0;
    } else if (line.isEmpty()) {
        if (t->status >= 200) {
            t->headersComplete = true;
            reserveBody(*t);
        }
    } else if (!t->headersComplete) {  // after the header block: chunked trailers, ignored
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            t->headers.append({line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed()});
    }
    return len;
}

// Runs for each socket curl opens for a new connection, never for a reused one.
int onSocketOpened(void *counter, curl_socket_t, curlsocktype purpose)
{
    if (purpose == CURLSOCKTYPE_IPCXN)
        static_cast<std::atomic<int> *>(counter)->fetch_add(1, std::memory_order_relaxed);
    return CURL_SOCKOPT_OK;
}

QByteArray httpVersionName(long version)
{
    switch (version) {
    case CURL_HTTP_VERSION_1_0: return QByteArrayLiteral("HTTP/1.0");
    case CURL_HTTP_VERSION_1_1: return QByteArrayLiteral("HTTP/1.1");
    case CURL_HTTP_VERSION_2_0: return QByteArrayLiteral("HTTP/2");
    case CURL_HTTP_VERSION_3: return QByteArrayLiteral("HTTP/3");
    default: return {};
    }
}

// Host and port of a URL for messages, and the pieces needed to verify another name.
struct UrlParts {
    bool ok = false;
    std::string host;       // IPv6 in brackets
    std::string port;       // explicit or the scheme's default
    std::string authority;  // host[:port] as written, for the Host header
    std::string rewritten;  // the URL with its host replaced by serverName (empty when not asked)
};

UrlParts parseUrl(const QString &url, const QString &serverName)
{
    UrlParts parts;
    CURLU *u = curl_url();
    if (!u)
        return parts;
    const QByteArray raw = url.toUtf8();
    char *value = nullptr;
    if (curl_url_set(u, CURLUPART_URL, raw.constData(), 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &value, 0) == CURLUE_OK) {
        parts.host = value;
        curl_free(value);
        value = nullptr;
        parts.authority = parts.host;
        if (curl_url_get(u, CURLUPART_PORT, &value, 0) == CURLUE_OK) {
            parts.authority += ":" + std::string(value);
            curl_free(value);
            value = nullptr;
        }
        if (curl_url_get(u, CURLUPART_PORT, &value, CURLU_DEFAULT_PORT) == CURLUE_OK) {
            parts.port = value;
            curl_free(value);
            value = nullptr;
        }
        parts.ok = true;
        if (!serverName.isEmpty()) {
            const QByteArray name = serverName.toUtf8();
            if (curl_url_set(u, CURLUPART_HOST, name.constData(), 0) == CURLUE_OK && curl_url_get(u, CURLUPART_URL, &value, 0) == CURLUE_OK) {
                parts.rewritten = value;
                curl_free(value);
            } else {
                parts.ok = false;
            }
        }
    }
    curl_url_cleanup(u);
    return parts;
}

bool isTlsCode(CURLcode code)
{
    switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
        return true;
    default:
        return false;
    }
}

ApiError transportError(CURLcode code, Transfer &t)
{
    ApiError e;
    const QString where = t.hostPort;
    QString detail = QString::fromUtf8(t.errorBuffer).trimmed();
    if (detail.isEmpty())
        detail = QString::fromUtf8(curl_easy_strerror(code));
    long osErrno = 0;
    curl_easy_getinfo(t.easy, CURLINFO_OS_ERRNO, &osErrno);

    // A handshake the peer cut off (reset, EOF) is a network failure, not a certificate problem:
    // it deserves a retry, a bad certificate does not.
    const bool handshakeCut = code == CURLE_SSL_CONNECT_ERROR
        && (osErrno != 0 || detail.contains(QLatin1String("SSL_ERROR_SYSCALL")) || detail.contains(QLatin1String("unexpected eof")));

    if (code == CURLE_OPERATION_TIMEDOUT) {
        e.kind = ErrorKind::Timeout;
        // curl words a connect-phase timeout as "Connection timed out"/"Resolving timed out".
        if (detail.startsWith(QLatin1String("Connection timed out")) || detail.startsWith(QLatin1String("Resolving timed out"))
            || detail.startsWith(QLatin1String("Failed to connect")))
            e.message = QStringLiteral("could not connect to %1 within %2 ms").arg(where).arg(t.request.connectTimeoutMs);
        else
            e.message = QStringLiteral("no complete answer from %1 within %2 ms").arg(where).arg(t.request.timeoutMs);
    } else if (isTlsCode(code) && !handshakeCut) {
        e.kind = ErrorKind::Tls;
        e.message = QStringLiteral("TLS with %1 failed: %2").arg(where, detail);
        if (!t.request.tls.serverName.isEmpty())
            e.message += QStringLiteral(" (verifying the name %1)").arg(t.request.tls.serverName);
    } else if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_BAD_FUNCTION_ARGUMENT
               || code == CURLE_NOT_BUILT_IN) {
        e.kind = ErrorKind::Config;
        e.message = QStringLiteral("cannot send a request to %1: %2").arg(where, detail);
    } else {
        e.kind = ErrorKind::Network;
        switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
            e.message = QStringLiteral("cannot find the address of %1: %2").arg(where, detail);
            break;
        case CURLE_COULDNT_RESOLVE_PROXY:
            e.message = QStringLiteral("cannot find the address of the proxy for %1: %2").arg(where, detail);
            break;
        case CURLE_COULDNT_CONNECT:
            // Through a proxy the refusal may be the proxy's; curl's text names the address it tried.
            if (!t.request.tls.proxyUrl.isEmpty())
                e.message = QStringLiteral("cannot connect to %1 through the proxy: %2").arg(where, detail);
            else
                e.message = osErrno != 0 ? QStringLiteral("cannot connect to %1: %2").arg(where, QString::fromLocal8Bit(std::strerror(static_cast<int>(osErrno))))
                                     : QStringLiteral("cannot connect to %1: %2").arg(where, detail);
            break;
        case CURLE_PARTIAL_FILE:
            e.message = QStringLiteral("the connection to %1 closed before the response was complete").arg(where);
            break;
        case CURLE_GOT_NOTHING:
            e.message = QStringLiteral("%1 closed the connection without answering").arg(where);
            break;
        case CURLE_SEND_FAIL_REWIND:
            // A reused connection died after the request went out; curl would have sent it again.
            e.message = QStringLiteral("%1 closed the connection without answering (the request may have arrived; not sent again)").arg(where);
            break;
        default:
            e.message = QStringLiteral("the connection to %1 failed: %2").arg(where, detail);
            break;
        }
    }
    return e;
}

}  // namespace

struct HttpEngine::Private {
    // State reached from callers' threads and from the destroyed() handlers of contexts. Held by
    // shared_ptr so that a handler running while the engine is destroyed still finds a valid mutex.
    struct Shared {
        std::mutex mutex;
        CURLM *multi = nullptr;
        bool stopping = false;
        std::deque<PendingStart> starts;
        std::vector<RequestId> cancels;
        // Every request not yet finished: queued or running. Its final callback is posted when it leaves.
        std::unordered_map<RequestId, std::shared_ptr<Delivery>> deliveries;
        // One destroyed() connection per context, kept while the context lives.
        struct Guard {
            QMetaObject::Connection connection;
            QSet<RequestId> ids;
        };
        std::unordered_map<QObject *, Guard> guards;

        void wakeLocked()
        {
            if (!stopping)
                curl_multi_wakeup(multi);
        }
    };

    HttpEngine *q = nullptr;
    std::shared_ptr<Shared> shared = std::make_shared<Shared>();
    std::shared_ptr<std::atomic<bool>> alive = std::make_shared<std::atomic<bool>>(true);
    std::atomic<RequestId> nextId{1};
    std::atomic<int> connections{0};
    std::shared_ptr<BodyBufferPool> bodies = std::make_shared<BodyBufferPool>();
    std::thread thread;

    // Loop thread only.
    std::unordered_map<RequestId, std::unique_ptr<Transfer>> transfers;

    RequestId enqueue(Request request, QObject *context, std::shared_ptr<Delivery> delivery);
    void contextDestroyed(QObject *context);

    void run();
    void start(PendingStart pending);
    bool configure(Transfer &t, const UrlParts &parts);
    void flush(Transfer &t);
    void finish(std::unique_ptr<Transfer> t, Response response);
    void finishRunning(RequestId id, ApiError error, bool keepStatus);
    Response responseOf(Transfer &t) const;
};

RequestId HttpEngine::Private::enqueue(Request request, QObject *context, std::shared_ptr<Delivery> delivery)
{
    if (!context)
        context = q;
    const RequestId id = nextId.fetch_add(1);
    delivery->id = id;
    delivery->context = context;
    delivery->engineAlive = alive;

    std::lock_guard lock(shared->mutex);
    if (shared->stopping)
        return id;
    auto guard = shared->guards.find(context);
    if (guard == shared->guards.end()) {
        std::weak_ptr<Shared> weak = shared;
        // Direct: runs in ~QObject on the context's thread, before its memory goes, so that nothing
        // is posted to it afterwards.
        QMetaObject::Connection c = QObject::connect(context, &QObject::destroyed, [weak, context] {
            if (auto s = weak.lock()) {
                std::lock_guard lock(s->mutex);
                auto it = s->guards.find(context);
                if (it == s->guards.end())
                    return;
                for (RequestId rid : std::as_const(it->second.ids)) {
                    auto d = s->deliveries.find(rid);
                    if (d != s->deliveries.end()) {
                        d->second->silent = true;
                        s->cancels.push_back(rid);
                    }
                }
                s->guards.erase(it);
                s->wakeLocked();
            }
        });
        guard = shared->guards.emplace(context, Shared::Guard{c, {}}).first;
    }
    guard->second.ids.insert(id);
    shared->deliveries.emplace(id, delivery);
    shared->starts.push_back(PendingStart{std::move(request), std::move(delivery)});
    shared->wakeLocked();
    return id;
}

bool HttpEngine::Private::configure(Transfer &t, const UrlParts &parts)
{
    CURL *h = t.easy;
    const Request &r = t.request;
    const TlsConfig &tls = r.tls;

    curl_easy_setopt(h, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t.errorBuffer);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    // Wait for a connection in progress to learn whether it multiplexes, instead of opening more.
    curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
    // No Accept-Encoding until measurements say compression pays for itself.
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, static_cast<char *>(nullptr));
    // Watches sit idle for minutes; keepalive notices a peer that vanished without a FIN.
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 15L);
    curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, &onSocketOpened);
    curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, &connections);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connectTimeoutMs));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeoutMs));

    if (!parts.rewritten.empty()) {
        // tls-server-name: curl verifies (and sends as SNI) the URL's host, so the URL names the
        // server name while CONNECT_TO sends the connection to the real host. The Host header
        // keeps the real authority, as client-go does.
        t.url = parts.rewritten;
        const std::string name = tls.serverName.toStdString();
        t.connectTo = curl_slist_append(nullptr, (name + ":" + parts.port + ":" + parts.host + ":" + parts.port).c_str());
        curl_easy_setopt(h, CURLOPT_CONNECT_TO, t.connectTo);
        bool hasHost = false;
        for (const auto &hd : r.headers)
            hasHost = hasHost || hd.first.compare("host", Qt::CaseInsensitive) == 0;
        if (!hasHost)
            t.headerList = curl_slist_append(t.headerList, ("Host: " + parts.authority).c_str());
    } else {
        t.url = r.url.toStdString();
    }
    curl_easy_setopt(h, CURLOPT_URL, t.url.c_str());

    // Proxies come from the configuration only; "" also turns off http_proxy & co. from the environment.
    t.proxy = tls.proxyUrl.toStdString();
    curl_easy_setopt(h, CURLOPT_PROXY, t.proxy.c_str());
    curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);

    if (!tls.caPem.isEmpty()) {
        curl_blob ca{const_cast<char *>(tls.caPem.constData()), static_cast<size_t>(tls.caPem.size()), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
        // A cluster's CA is exclusive: Debian's libcurl also trusts the CApath /etc/ssl/certs next
        // to a CA blob, which would let any public CA vouch for the API server.
        curl_easy_setopt(h, CURLOPT_CAINFO, static_cast<char *>(nullptr));
        curl_easy_setopt(h, CURLOPT_CAPATH, static_cast<char *>(nullptr));
    }
    if (!tls.clientCertPem.isEmpty()) {
        curl_blob cert{const_cast<char *>(tls.clientCertPem.constData()), static_cast<size_t>(tls.clientCertPem.size()), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (!tls.clientKeyPem.isEmpty()) {
        curl_blob key{const_cast<char *>(tls.clientKeyPem.constData()), static_cast<size_t>(tls.clientKeyPem.size()), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, tls.insecureSkipVerify ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, tls.insecureSkipVerify ? 0L : 2L);

    for (const auto &hd : r.headers) {
        // "Name;" is curl's way to send a header with an empty value.
        const QByteArray line = hd.second.isEmpty() ? hd.first + ';' : hd.first + ": " + hd.second;
        t.headerList = curl_slist_append(t.headerList, line.constData());
    }
    // Without this curl waits up to a second for "100 Continue" before sending a large body.
    t.headerList = curl_slist_append(t.headerList, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, t.headerList);

    const QByteArray &method = r.method;
    if (method == "GET") {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        if (!r.body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH") {
            // Read from the Transfer (which lives as long as the handle), never rewound (onUpload).
            t.uploaded = 0;
            curl_easy_setopt(h, CURLOPT_POST, 1L);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
            curl_easy_setopt(h, CURLOPT_READFUNCTION, &onUpload);
            curl_easy_setopt(h, CURLOPT_READDATA, &t);
        }
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.constData());
    }

    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &onBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &onHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    return true;
}

void HttpEngine::Private::start(PendingStart pending)
{
    auto t = std::make_unique<Transfer>();
    t->pool = bodies;
    t->delivery = std::move(pending.delivery);
    t->request = std::move(pending.request);
    t->request.method = t->request.method.toUpper();

    const UrlParts parts = parseUrl(t->request.url, t->request.tls.serverName);
    t->hostPort = parts.ok ? QString::fromStdString(parts.host + ":" + parts.port) : QStringLiteral("(invalid URL)");
    if (!parts.ok) {
        Response r;
        r.error.kind = ErrorKind::Config;
        r.error.message = t->request.tls.serverName.isEmpty()
            ? QStringLiteral("not a valid URL: %1").arg(t->request.url.section(QLatin1Char('?'), 0, 0))
            : QStringLiteral("not a valid URL or TLS server name: %1").arg(t->request.tls.serverName);
        finish(std::move(t), std::move(r));
        return;
    }
    t->easy = curl_easy_init();
    if (!t->easy) {
        Response r;
        r.error.kind = ErrorKind::Network;
        r.error.message = QStringLiteral("cannot start a request to %1: out of resources").arg(t->hostPort);
        finish(std::move(t), std::move(r));
        return;
    }
    configure(*t, parts);
    t->lastByte = Clock::now();
    if (CURLMcode mc = curl_multi_add_handle(shared->multi, t->easy); mc != CURLM_OK) {
        Response r;
        r.error.kind = ErrorKind::Network;
        r.error.message = QStringLiteral("cannot start a request to %1: %2").arg(t->hostPort, QString::fromUtf8(curl_multi_strerror(mc)));
        finish(std::move(t), std::move(r));
        return;
    }
    const RequestId id = t->delivery->id;
    transfers.emplace(id, std::move(t));
}

Response HttpEngine::Private::responseOf(Transfer &t) const
{
    Response r;
    r.status = t.status;
    if (t.easy) {
        long code = 0;
        curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &code);
        if (code > 0)
            r.status = static_cast<int>(code);
        long version = 0;
        if (r.status > 0 && curl_easy_getinfo(t.easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK)
            r.httpVersion = httpVersionName(version);
    }
    r.headers = t.headers;
    r.headersReceived = t.headersComplete;
    if (!t.delivery->isStream) {
        if (t.pooled) {
            r.body = t.pool->deliver(t.pooled, t.pooledSize);
            t.pooled = nullptr;
            t.pooledSize = 0;
        } else {
            r.body = std::move(t.body);
        }
    }
    return r;
}

// Posts headers and the lines gathered since the last flush as one event: a watch delivering
// thousands of lines a second costs one queued event per loop iteration, not one per line.
void HttpEngine::Private::flush(Transfer &t)
{
    Delivery &dl = *t.delivery;
    if (!dl.isStream)
        return;
    const bool postHeaders = t.headersComplete && !t.headersPosted;
    if (!postHeaders && t.lines.isEmpty())
        return;
    t.headersPosted = t.headersPosted || postHeaders;
    QList<QByteArray> lines = std::move(t.lines);
    t.lines.clear();

    std::lock_guard lock(shared->mutex);
    if (dl.silent || shared->stopping)
        return;
    QMetaObject::invokeMethod(
        dl.context,
        [d = t.delivery, postHeaders, status = t.status, headers = postHeaders ? t.headers : Headers(), lines = std::move(lines)] {
            if (!d->live() || d->cancelled)
                return;
            if (postHeaders && d->handlers.headersReceived)
                d->handlers.headersReceived(status, headers);
            for (const QByteArray &line : lines) {
                // A callback may cancel the request or delete the context mid-batch.
                if (!d->live() || d->cancelled)
                    return;
                if (d->handlers.line)
                    d->handlers.line(line);
            }
        },
        Qt::QueuedConnection);
}

void HttpEngine::Private::finish(std::unique_ptr<Transfer> t, Response response)
{
    flush(*t);
    std::shared_ptr<Delivery> d = t->delivery;
    if (t->easy) {
        curl_multi_remove_handle(shared->multi, t->easy);
        curl_easy_cleanup(t->easy);
        t->easy = nullptr;
    }

    std::lock_guard lock(shared->mutex);
    shared->deliveries.erase(d->id);
    if (auto g = shared->guards.find(d->context); g != shared->guards.end())
        g->second.ids.remove(d->id);
    if (d->silent || shared->stopping)
        return;
    if (d->cancelled && response.error.kind != ErrorKind::Cancelled) {
        // cancel() came while the transfer was completing: the caller was promised Cancelled.
        response.body.clear();
        response.error = ApiError{};
        response.error.kind = ErrorKind::Cancelled;
        response.error.message = QStringLiteral("request to %1 cancelled").arg(t->hostPort);
    }
    QMetaObject::invokeMethod(
        d->context,
        [d, response = std::move(response)] {
            if (!d->live())
                return;
            if (d->isStream) {
                if (d->handlers.finished)
                    d->handlers.finished(response);
            } else if (d->done) {
                d->done(response);
            }
        },
        Qt::QueuedConnection);
}

void HttpEngine::Private::finishRunning(RequestId id, ApiError error, bool keepStatus)
{
    auto it = transfers.find(id);
    if (it == transfers.end())
        return;
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers.erase(it);
    Response r = responseOf(*t);
    if (!keepStatus)
        r.status = 0;
    r.body.clear();
    r.error = std::move(error);
    finish(std::move(t), std::move(r));
}

void HttpEngine::Private::run()
{
    Clock::time_point nextBodyCheck = Clock::now();
    bool holdsBodies = false;
    for (;;) {
        std::deque<PendingStart> starts;
        std::vector<RequestId> cancels;
        {
            std::lock_guard lock(shared->mutex);
            if (shared->stopping)
                break;
            starts.swap(shared->starts);
            cancels.swap(shared->cancels);
        }
        for (auto &s : starts)
            start(std::move(s));
        for (RequestId id : cancels) {
            auto it = transfers.find(id);
            if (it == transfers.end())
                continue;
            ApiError e;
            e.kind = ErrorKind::Cancelled;
            e.message = QStringLiteral("request to %1 cancelled").arg(it->second->hostPort);
            finishRunning(id, std::move(e), true);
        }

        int running = 0;
        curl_multi_perform(shared->multi, &running);

        int queued = 0;
        while (CURLMsg *msg = curl_multi_info_read(shared->multi, &queued)) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            Transfer *raw = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char **>(&raw));
            const CURLcode code = msg->data.result;
            auto it = raw ? transfers.find(raw->delivery->id) : transfers.end();
            if (it == transfers.end())
                continue;
            // A kept-alive connection the server closed while idle fails on first use. As Go's
            // transport does, send once more on a fresh connection when nothing came back: any
            // method after a failed send (the server never read it), only GET/HEAD after an
            // empty answer (the server may have acted on it).
            if (!raw->retried && raw->status == 0 && !raw->hasBody() && raw->lines.isEmpty() && raw->partialLine.isEmpty() &&
                (code == CURLE_SEND_ERROR ||
                 ((code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR) && (raw->request.method == "GET" || raw->request.method == "HEAD")))) {
                long connects = -1;
                curl_easy_getinfo(raw->easy, CURLINFO_NUM_CONNECTS, &connects);
                if (connects == 0) {
                    raw->retried = true;
                    raw->uploaded = 0;  // our own resend, after a send that failed: the body from its start
                    curl_multi_remove_handle(shared->multi, raw->easy);
                    curl_easy_setopt(raw->easy, CURLOPT_FRESH_CONNECT, 1L);
                    if (curl_multi_add_handle(shared->multi, raw->easy) == CURLM_OK)
                        continue;
                }
            }
            std::unique_ptr<Transfer> t = std::move(it->second);
            transfers.erase(it);
            Response r = responseOf(*t);
            if (code == CURLE_OK) {
                // A last line without its newline still counts once the stream ended cleanly;
                // after a broken stream it is a fragment and is dropped.
                if (t->delivery->isStream && !t->partialLine.isEmpty()) {
                    t->lines.append(t->partialLine);
                    t->partialLine.clear();
                }
                // A response with no header block's end seen (HTTP/0.9-ish) still gets its headers.
                t->headersComplete = true;
                r.headersReceived = r.status > 0;
            } else {
                r.error = transportError(code, *t);
            }
            finish(std::move(t), std::move(r));
        }

        // Idle timeouts are ours: curl's low-speed limit counts averages, not silence.
        const auto now = Clock::now();
        long waitMs = 5000;
        std::vector<RequestId> idle;
        for (auto &[id, t] : transfers) {
            flush(*t);
            if (t->request.idleTimeoutMs <= 0)
                continue;
            const auto deadline = t->lastByte + std::chrono::milliseconds(t->request.idleTimeoutMs);
            if (deadline <= now) {
                idle.push_back(id);
            } else {
                const long left = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
                waitMs = std::min(waitMs, left);
            }
        }
        for (RequestId id : idle) {
            ApiError e;
            e.kind = ErrorKind::Timeout;
            const auto &t = transfers.at(id);
            e.message = QStringLiteral("no data from %1 for %2 ms").arg(t->hostPort).arg(t->request.idleTimeoutMs);
            finishRunning(id, std::move(e), true);
        }

        // A body buffer no response has held for a while goes back to the system (the informer
        // gives its buffers back at once when a list is done); looked at twice a second, not at
        // every turn of a loop that turns for every read during a list.
        if (now >= nextBodyCheck) {
            bodies->release(kBodyBufferIdle);
            holdsBodies = bodies->buffers() > 0;
            nextBodyCheck = now + kBodyBufferIdle / 4;
        }
        if (holdsBodies)
            waitMs = std::min(waitMs, static_cast<long>((kBodyBufferIdle / 4).count()));

        // curl shortens the wait to its own timers; curl_multi_wakeup cuts it short for new work.
        curl_multi_poll(shared->multi, nullptr, 0, static_cast<int>(waitMs), nullptr);
    }

    // Shutting down: no callbacks, just release everything.
    for (auto &[id, t] : transfers) {
        curl_multi_remove_handle(shared->multi, t->easy);
    }
    transfers.clear();
}

HttpEngine::HttpEngine(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->q = this;
    d->shared->multi = curl_multi_init();
    curl_multi_setopt(d->shared->multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
    d->thread = std::thread([p = d.get()] { p->run(); });
}

HttpEngine::~HttpEngine()
{
    {
        std::lock_guard lock(d->shared->mutex);
        d->shared->stopping = true;
        *d->alive = false;
        for (auto &[context, guard] : d->shared->guards)
            QObject::disconnect(guard.connection);
        d->shared->guards.clear();
        for (auto &[id, delivery] : d->shared->deliveries)
            delivery->silent = true;
        d->shared->deliveries.clear();
        d->shared->starts.clear();
        curl_multi_wakeup(d->shared->multi);
    }
    d->thread.join();
    curl_multi_cleanup(d->shared->multi);
    d->shared->multi = nullptr;
}

RequestId HttpEngine::send(Request request, QObject *context, std::function<void(const Response &)> done)
{
    auto delivery = std::make_shared<Delivery>();
    delivery->done = std::move(done);
    return d->enqueue(std::move(request), context, std::move(delivery));
}

RequestId HttpEngine::stream(Request request, QObject *context, StreamHandlers handlers)
{
    auto delivery = std::make_shared<Delivery>();
    delivery->isStream = true;
    delivery->handlers = std::move(handlers);
    return d->enqueue(std::move(request), context, std::move(delivery));
}

void HttpEngine::cancel(RequestId id)
{
    std::lock_guard lock(d->shared->mutex);
    auto it = d->shared->deliveries.find(id);
    if (it == d->shared->deliveries.end())
        return;
    it->second->cancelled = true;
    d->shared->cancels.push_back(id);
    d->shared->wakeLocked();
}

int HttpEngine::activeRequests() const
{
    std::lock_guard lock(d->shared->mutex);
    return static_cast<int>(d->shared->deliveries.size());
}

int HttpEngine::connectionsOpened() const { return d->connections.load(std::memory_order_relaxed); }

void HttpEngine::releaseBodyBuffers() { d->bodies->release(); }

qint64 HttpEngine::bodyBufferBytes() const { return d->bodies->mappedBytes(); }

}  // namespace pilothouse::backends::http
