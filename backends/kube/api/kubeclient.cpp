// REST access to one cluster over the shared HTTP engine.
#include "kube/api/kubeclient.h"

#include "kube/api/status.h"

#include <QPointer>
#include <QUrl>

namespace pilothouse::backends::kube {

QByteArray patchContentType(PatchKind kind)
{
    switch (kind) {
    case PatchKind::Merge: return "application/merge-patch+json";
    case PatchKind::Json: return "application/json-patch+json";
    case PatchKind::Strategic: return "application/strategic-merge-patch+json";
    case PatchKind::Apply: return "application/apply-patch+yaml";
    }
    return "application/merge-patch+json";
}

KubeReply replyFrom(const http::Response &response)
{
    KubeReply r;
    r.status = response.status;
    r.body = response.body;
    r.headersReceived = response.headersReceived;
    if (response.error.isError()) {
        r.error = response.error;
    } else if (response.status < 200 || response.status >= 300) {
        r.error = parseStatus(response.status, response.body);
        if (!r.error.retryAfterSeconds)
            r.error.retryAfterSeconds = parseRetryAfter(response.header("retry-after"));
    }
    return r;
}

// A TLS failure names what was checked against what, so the operator knows which kubeconfig
// entry to fix.
static ApiError explainTls(ApiError e, const ResolvedContext &ctx)
{
    if (e.kind != ErrorKind::Tls)
        return e;
    QString ca = !ctx.cluster.caFile.isEmpty() ? QStringLiteral("the CA file %1").arg(ctx.cluster.caFile)
                 : !ctx.cluster.caData.isEmpty() ? QStringLiteral("the certificate-authority-data of cluster \"%1\"").arg(ctx.cluster.name)
                                                 : QStringLiteral("the system's trusted CAs");
    QString name = !ctx.tls.serverName.isEmpty() ? ctx.tls.serverName : QUrl(ctx.server).host();
    e.message += QStringLiteral(" (checked the name \"%1\" against %2)").arg(name, ca);
    return e;
}

KubeClient::KubeClient(http::HttpEngine *engine, ResolvedContext context, std::shared_ptr<CredentialProvider> credentials,
                       QObject *parent)
    : QObject(parent), m_engine(engine), m_context(std::move(context)), m_credentials(std::move(credentials))
{
}

KubeClient::~KubeClient()
{
    Q_EMIT aboutToBeDestroyed();
}

Result<http::Request> KubeClient::buildRequest(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body,
                                               const QByteArray &contentType, const QByteArray &accept)
{
    Result<AuthMaterial> auth = m_credentials->credentials();
    if (!auth.ok())
        return Result<http::Request>::failure(auth.error());
    http::Request req;
    req.method = method;
    QString server = m_context.server;
    while (server.endsWith(QLatin1Char('/')))
        server.chop(1);
    req.url = server + pathAndQuery;
    req.tls = m_context.tls;
    if (!auth.value().clientCertPem.isEmpty()) {
        req.tls.clientCertPem = auth.value().clientCertPem;
        req.tls.clientKeyPem = auth.value().clientKeyPem;
    }
    req.headers.append(qMakePair(QByteArray("Accept"), accept.isEmpty() ? QByteArray("application/json") : accept));
    req.headers.append(qMakePair(QByteArray("User-Agent"), QByteArray("pilothouse/0.1")));
    if (!auth.value().authorization.isEmpty())
        req.headers.append(qMakePair(QByteArray("Authorization"), auth.value().authorization));
    if (!body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH") {
        req.body = body;
        req.headers.append(qMakePair(QByteArray("Content-Type"), contentType.isEmpty() ? QByteArray("application/json") : contentType));
    }
    return req;
}

void KubeClient::request(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body,
                         const QByteArray &contentType, QObject *receiver, std::function<void(const KubeReply &)> done,
                         int timeoutMs, const QByteArray &accept)
{
    Call call{method, pathAndQuery, body, contentType, timeoutMs, accept};
    send(std::move(call), receiver, std::move(done), false);
}

void KubeClient::send(Call call, QObject *receiver, std::function<void(const KubeReply &)> done, bool retried)
{
    Result<http::Request> req = buildRequest(call.method, call.path, call.body, call.contentType, call.accept);
    if (!req.ok()) {
        KubeReply r;
        r.error = req.error();
        QMetaObject::invokeMethod(receiver, [done, r] { done(r); }, Qt::QueuedConnection);
        return;
    }
    http::Request request = std::move(req).value();
    request.timeoutMs = call.timeoutMs;
    // The answer may come after this client is gone (a session reconnects while an action's
    // request is in flight): the receiver still gets it, without a retry through the dead client.
    QPointer<KubeClient> self(this);
    m_engine->send(std::move(request), receiver, [self, context = m_context, call, receiver, done, retried](const http::Response &resp) {
        if (self && resp.status == 401 && !retried && self->m_credentials->execConfig()) {
            // An exec credential the server no longer accepts: run the plugin once more and repeat.
            self->m_credentials->invalidate();
            self->send(call, receiver, done, true);
            return;
        }
        KubeReply reply = replyFrom(resp);
        reply.error = explainTls(reply.error, context);
        done(reply);
    });
}

http::RequestId KubeClient::stream(const QString &pathAndQuery, QObject *receiver, WatchHandlers handlers, int idleTimeoutMs,
                                   const QByteArray &accept)
{
    Result<http::Request> req = buildRequest("GET", pathAndQuery, {}, {}, accept);
    if (!req.ok()) {
        KubeReply r;
        r.error = req.error();
        auto failed = handlers.failedToStart;
        QMetaObject::invokeMethod(receiver, [failed, r] { failed(r); }, Qt::QueuedConnection);
        return 0;
    }
    http::Request request = std::move(req).value();
    request.timeoutMs = 0;
    request.idleTimeoutMs = idleTimeoutMs;
    auto status = std::make_shared<int>(0);
    auto errorBody = std::make_shared<QByteArray>();
    auto retryAfter = std::make_shared<QByteArray>();
    http::HttpEngine::StreamHandlers h;
    h.headersReceived = [status, retryAfter, answered = handlers.answered](int code, const http::Headers &headers) {
        *status = code;
        for (const auto &hd : headers)
            if (hd.first == "retry-after")
                *retryAfter = hd.second;
        if (code >= 200 && code < 300 && answered)
            answered();
    };
    h.line = [status, errorBody, line = handlers.line](const QByteArray &l) {
        if (*status >= 200 && *status < 300)
            line(l);
        else
            errorBody->append(l);
    };
    // No pointer to the client: a stream may end after the client that opened it is gone.
    h.finished = [context = m_context, credentials = m_credentials, status, errorBody, retryAfter, handlers](const http::Response &original) {
        http::Response resp = original;
        resp.error = explainTls(resp.error, context);
        if (*status != 0 && (*status < 200 || *status >= 300)) {
            if (*status == 401 && credentials->execConfig())
                credentials->invalidate();
            KubeReply r;
            r.status = *status;
            r.body = *errorBody;
            r.error = parseStatus(*status, *errorBody);
            r.headersReceived = true;
            if (!r.error.retryAfterSeconds)
                r.error.retryAfterSeconds = parseRetryAfter(*retryAfter);
            handlers.failedToStart(r);
            return;
        }
        handlers.finished(resp);
    };
    return m_engine->stream(std::move(request), receiver, std::move(h));
}

void KubeClient::get(const ResourceRef &r, const QString &ns, const QString &name, QObject *receiver, Done done,
                     const QString &subresource, const QString &query)
{
    QString path = r.objectPath(ns, name) + (subresource.isEmpty() ? QString() : QLatin1Char('/') + subresource);
    request("GET", query.isEmpty() ? path : path + QLatin1Char('?') + query, {}, {}, receiver, std::move(done));
}

void KubeClient::list(const ResourceRef &r, const QString &ns, const QString &query, QObject *receiver, Done done)
{
    QString path = r.collectionPath(ns);
    request("GET", query.isEmpty() ? path : path + QLatin1Char('?') + query, {}, {}, receiver, std::move(done));
}

void KubeClient::create(const ResourceRef &r, const QString &ns, const QByteArray &json, QObject *receiver, Done done)
{
    request("POST", r.collectionPath(ns), json, "application/json", receiver, std::move(done));
}

void KubeClient::patch(const ResourceRef &r, const QString &ns, const QString &name, PatchKind kind, const QByteArray &body,
                       QObject *receiver, Done done, const QString &subresource, const QString &fieldManager, bool force)
{
    QString path = r.objectPath(ns, name) + (subresource.isEmpty() ? QString() : QLatin1Char('/') + subresource);
    QStringList query;
    if (!fieldManager.isEmpty())
        query << QStringLiteral("fieldManager=") + QString::fromLatin1(QUrl::toPercentEncoding(fieldManager));
    if (force)
        query << QStringLiteral("force=true");
    if (!query.isEmpty())
        path += QLatin1Char('?') + query.join(QLatin1Char('&'));
    request("PATCH", path, body, patchContentType(kind), receiver, std::move(done));
}

void KubeClient::remove(const ResourceRef &r, const QString &ns, const QString &name, const QByteArray &options, QObject *receiver, Done done)
{
    request("DELETE", r.objectPath(ns, name), options, options.isEmpty() ? QByteArray() : QByteArray("application/json"), receiver, std::move(done));
}

}  // namespace pilothouse::backends::kube
