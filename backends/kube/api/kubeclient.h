// REST access to one cluster: builds requests with the context's TLS and credentials, turns
// non-2xx answers into typed errors, and re-runs a request once after a 401 with fresh
// credentials. Used from one thread, the GUI thread included: a request that needs a credential
// refresh (an exec plugin run) is sent when the provider's worker has it, never waited for.
#pragma once

#include "core/result.h"
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/api/resourceref.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

namespace pilothouse::backends::kube {

struct KubeReply {
    int status = 0;
    QByteArray body;
    ApiError error;  // kind None for 2xx answers; a 429/503's Retry-After header lands in error.retryAfterSeconds
    // The response headers had arrived when the exchange ended: with a transport error this means
    // the server got the request and the answer broke off (a change may have been applied).
    bool headersReceived = false;
    bool ok() const { return !error.isError(); }
};

enum class PatchKind { Merge, Json, Strategic, Apply };
QByteArray patchContentType(PatchKind kind);

class KubeClient : public QObject {
    Q_OBJECT

public:
    KubeClient(http::HttpEngine *engine, ResolvedContext context, std::shared_ptr<CredentialProvider> credentials,
               QObject *parent = nullptr);
    ~KubeClient() override;

    const ResolvedContext &context() const { return m_context; }
    CredentialProvider &credentials() { return *m_credentials; }
    http::HttpEngine *engine() const { return m_engine; }

    // `done` runs on `receiver`'s thread.
    void request(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body, const QByteArray &contentType,
                 QObject *receiver, std::function<void(const KubeReply &)> done, int timeoutMs = 60000,
                 const QByteArray &accept = {});

    using Done = std::function<void(const KubeReply &)>;
    // Typed verbs over request(). `subresource` is "" or "status", "scale", "log", ...
    void get(const ResourceRef &r, const QString &ns, const QString &name, QObject *receiver, Done done,
             const QString &subresource = {}, const QString &query = {});
    void list(const ResourceRef &r, const QString &ns, const QString &query, QObject *receiver, Done done);
    void create(const ResourceRef &r, const QString &ns, const QByteArray &json, QObject *receiver, Done done);
    // Apply needs a field manager; `force` takes fields other managers own.
    void patch(const ResourceRef &r, const QString &ns, const QString &name, PatchKind kind, const QByteArray &body,
               QObject *receiver, Done done, const QString &subresource = {}, const QString &fieldManager = {}, bool force = false);
    // `options` is a DeleteOptions body (propagationPolicy, preconditions, gracePeriodSeconds).
    void remove(const ResourceRef &r, const QString &ns, const QString &name, const QByteArray &options, QObject *receiver, Done done);

    struct WatchHandlers {
        std::function<void(const KubeReply &)> failedToStart;  // non-2xx answer or no credentials
        std::function<void(const QByteArray &)> line;
        std::function<void(const http::Response &)> finished;
        // Optional: the server answered 2xx (its response headers arrived), before any line.
        std::function<void()> answered;
    };
    // A watch (or log) stream; returns 0 when it could not start (failedToStart has run). While
    // the credentials are being refreshed the id stands for the stream still to be opened.
    http::RequestId stream(const QString &pathAndQuery, QObject *receiver, WatchHandlers handlers, int idleTimeoutMs = 0,
                           const QByteArray &accept = {});
    void cancel(http::RequestId id);

Q_SIGNALS:
    // First thing in the destructor, while the client is still whole: views and watches that
    // hold it (logs, the scaling view) cancel their streams here. QObject::destroyed comes
    // too late for that, after ~KubeClient has run.
    void aboutToBeDestroyed();

private:
    static http::Request buildRequest(const ResolvedContext &context, const AuthMaterial &auth, const QByteArray &method,
                                      const QString &pathAndQuery, const QByteArray &body, const QByteArray &contentType,
                                      const QByteArray &accept = {});
    struct Call {
        QByteArray method;
        QString path;
        QByteArray body;
        QByteArray contentType;
        int timeoutMs;
        QByteArray accept;
    };
    struct StreamCall {
        QString path;
        int idleTimeoutMs;
        QByteArray accept;
    };
    struct DeferredStreams;
    void send(Call call, QObject *receiver, std::function<void(const KubeReply &)> done, bool retried);
    // Both run on the receiver's thread when the credentials came late, so neither uses the client.
    static void dispatch(QPointer<KubeClient> self, http::HttpEngine *engine, const ResolvedContext &context, Call call,
                         QObject *receiver, std::function<void(const KubeReply &)> done, bool retried,
                         const Result<AuthMaterial> &auth, bool deferred);
    static http::RequestId openStream(http::HttpEngine *engine, const ResolvedContext &context,
                                      const std::shared_ptr<CredentialProvider> &credentials, const StreamCall &call,
                                      QObject *receiver, WatchHandlers handlers, const Result<AuthMaterial> &auth, bool deferred);

    http::HttpEngine *m_engine;
    ResolvedContext m_context;
    std::shared_ptr<CredentialProvider> m_credentials;
    std::shared_ptr<DeferredStreams> m_deferred;
};

KubeReply replyFrom(const http::Response &response);

}  // namespace pilothouse::backends::kube
