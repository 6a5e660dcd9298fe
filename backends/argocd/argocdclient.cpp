// Argo CD REST calls over the shared HTTP engine, the session token and the live update loop;
// answers parsed on the client's parser thread.
#include "argocd/argocdclient.h"
#include "core/errors.h"
#include "http/serverconfig.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <memory>
#include <optional>

namespace pilothouse::backends::argocd {

const QString ArgoCdClient::sessionExpiredMessage = QStringLiteral("session expired, log in again");

namespace {

// After this many polls the stream is tried again (3 s polls: about half a minute).
constexpr int kPollsBeforeStreamRetry = 10;


}  // namespace

ArgoCdClient::ArgoCdClient(http::HttpEngine *engine, QObject *parent) : QObject(parent), m_engine(engine)
{
    m_pollTimer.setSingleShot(false);
    connect(&m_pollTimer, &QTimer::timeout, this, &ArgoCdClient::poll);
    m_parserThread.setObjectName(QStringLiteral("argocd-parser"));
    m_parser = new QObject;
    m_parser->moveToThread(&m_parserThread);
    // Deleted on its own thread as the thread ends; the engine drops what was still on its way.
    connect(&m_parserThread, &QThread::finished, m_parser, &QObject::deleteLater);
    m_parserThread.start();
}

ArgoCdClient::~ArgoCdClient()
{
    if (m_streamId)
        m_engine->cancel(m_streamId);
    // The parser thread posts its results to this object: it stops before this object goes
    // (what it posted meanwhile is discarded with the object).
    m_parserThread.quit();
    m_parserThread.wait();
}

Result<void> ArgoCdClient::setServer(const ArgoCdServer &server)
{
    QUrl url(server.url.trimmed());
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
        return Result<void>::failure(configError(QStringLiteral("\"%1\" is not an Argo CD server URL (https://host[:port])").arg(server.url)));
    // Plain http would carry the password and the session token in clear: only for a server on
    // this machine (a port-forward, a local test server).
    if (url.scheme() == QLatin1String("http") && !http::isLoopbackHost(url.host()))
        return Result<void>::failure(configError(
            QStringLiteral("\"%1\" uses plain http: the password and session token would cross the network unencrypted; "
                           "use https:// (plain http is allowed only for 127.0.0.1, ::1 and localhost)")
                .arg(server.url)));
    const auto ca = http::caPemFrom(server.caPem, server.caFile);
    if (!ca)
        return Result<void>::failure(ca.error());
    http::TlsConfig tls;
    tls.caPem = ca.value();
    tls.insecureSkipVerify = server.insecureSkipVerify;
    QString base = url.toString(QUrl::StripTrailingSlash);
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    if (base != m_server.url) {
        stopWatching();
        m_token.clear();
        m_user.clear();
    }
    m_server = server;
    m_server.url = base;
    m_tls = tls;
    return Result<void>::success();
}

void ArgoCdClient::setSession(const QString &user, const QByteArray &token)
{
    m_user = user;
    m_token = token;
}

void ArgoCdClient::logout()
{
    stopWatching();
    if (!m_token.isEmpty())
        // DELETE /api/v1/session revokes the token on the server too; nobody waits for the answer.
        call("DELETE", QStringLiteral("/api/v1/session"), {}, this, {}, [](const Reply &) {});
    m_token.clear();
}

QString ArgoCdClient::encode(const QString &segment)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(segment));
}

ApiError ArgoCdClient::explain(ApiError e) const
{
    if (e.kind == ErrorKind::Tls) {
        QString ca = !m_server.caPem.isEmpty() ? QStringLiteral("the given CA")
                     : !m_server.caFile.isEmpty() ? QStringLiteral("the CA file %1").arg(m_server.caFile)
                                                  : QStringLiteral("the system's trusted CAs");
        e.message += QStringLiteral(" (checked %1 against %2)").arg(QUrl(m_server.url).host(), ca);
    } else if (e.kind == ErrorKind::Network || e.kind == ErrorKind::Timeout) {
        e.message = QStringLiteral("Argo CD at %1: %2").arg(m_server.url, e.message);
    }
    return e;
}

void ArgoCdClient::call(const QByteArray &method, const QString &path, const QByteArray &body, QObject *receiver,
                        std::function<void(const QByteArray &)> parse, std::function<void(const Reply &)> done, bool authenticated)
{
    auto failLater = [receiver, done](ApiError e) {
        Reply r;
        r.error = std::move(e);
        QMetaObject::invokeMethod(receiver, [done, r] { done(r); }, Qt::QueuedConnection);
    };
    if (m_server.url.isEmpty())
        return failLater(configError(QStringLiteral("no Argo CD server is set")));
    if (authenticated && m_token.isEmpty()) {
        ApiError e;
        e.kind = ErrorKind::Unauthorized;
        e.message = QStringLiteral("not logged in to Argo CD at %1").arg(m_server.url);
        return failLater(e);
    }
    http::Request req;
    req.method = method;
    req.url = m_server.url + path;
    req.tls = m_tls;
    req.timeoutMs = 30000;
    req.headers.append(qMakePair(QByteArray("Accept"), QByteArray("application/json")));
    req.headers.append(qMakePair(QByteArray("User-Agent"), QByteArray("pilothouse/0.1")));
    if (authenticated)
        req.headers.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer ") + m_token));
    if (method == "POST" || method == "PUT" || method == "PATCH" || !body.isEmpty()) {
        req.body = body;
        req.headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    }
    ArgoCdClient *client = this;  // outlives the parser thread (the destructor stops it first)
    QPointer<QObject> guard(receiver);
    m_engine->send(std::move(req), m_parser, [client, guard, parse, done, authenticated](const http::Response &resp) {
        // On the parser thread: the error body or the answer is read here, never on the caller's.
        Reply r;
        r.status = resp.status;
        r.body = resp.body;
        if (resp.error.isError())
            r.error = resp.error;
        else if (resp.status < 200 || resp.status >= 300)
            r.error = parseError(resp.status, resp.body);
        else if (parse)
            parse(r.body);
        QMetaObject::invokeMethod(
            client,
            [client, guard, done, authenticated, r = std::move(r)]() mutable {
                r.error = client->explain(r.error);
                if (authenticated && r.error.kind == ErrorKind::Unauthorized) {
                    client->expire(r.error);
                    r.error.message = sessionExpiredMessage + QStringLiteral(" (Argo CD said: %1)").arg(r.error.message);
                }
                if (guard)
                    done(r);
            },
            Qt::QueuedConnection);
    });
}

template <class T>
void ArgoCdClient::getParsed(const QString &path, const char *what, Result<T> (*parse)(const QByteArray &), QObject *receiver, Done<T> done)
{
    // Written on the parser thread, read here after the queued delivery.
    auto parsed = std::make_shared<std::optional<Result<T>>>();
    auto observer = m_parseObserver;
    call("GET", path, {}, receiver,
         [parsed, parse, observer, what](const QByteArray &body) {
             if (observer)
                 observer(what);
             parsed->emplace(parse(body));
         },
         [parsed, done](const Reply &r) {
             if (r.error.isError())
                 return done(Result<T>::failure(r.error));
             done(std::move(**parsed));
         });
}

void ArgoCdClient::expire(const ApiError &cause)
{
    Q_UNUSED(cause);
    bool had = !m_token.isEmpty();
    m_token.clear();
    stopWatching();
    if (had)
        Q_EMIT sessionExpired(sessionExpiredMessage);
}

void ArgoCdClient::login(const QString &user, const QString &password, QObject *receiver, Done<void> done)
{
    QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("username"), user}, {QStringLiteral("password"), password}})
                          .toJson(QJsonDocument::Compact);
    QPointer<ArgoCdClient> self(this);
    call("POST", QStringLiteral("/api/v1/session"), body, receiver, {}, [self, user, done](const Reply &r) {
        if (r.error.isError())
            return done(Result<void>::failure(r.error));
        QByteArray token = QJsonDocument::fromJson(r.body).object().value(QLatin1String("token")).toString().toUtf8();
        if (token.isEmpty()) {
            ApiError e;
            e.kind = ErrorKind::Malformed;
            e.httpStatus = r.status;
            e.message = QStringLiteral("the Argo CD login answer has no token");
            return done(Result<void>::failure(e));
        }
        if (self) {
            self->m_user = user;
            self->m_token = token;
            Q_EMIT self->loggedIn(user);
        }
        done(Result<void>::success());
    }, false);
}

void ArgoCdClient::listApplications(QObject *receiver, Done<QList<ApplicationInfo>> done)
{
    getParsed<QList<ApplicationInfo>>(QStringLiteral("/api/v1/applications"), "applications", &parseApplicationList, receiver, std::move(done));
}

void ArgoCdClient::getApplication(const QString &name, QObject *receiver, Done<ApplicationInfo> done)
{
    getParsed<ApplicationInfo>(QStringLiteral("/api/v1/applications/") + encode(name), "application", &parseApplication, receiver, std::move(done));
}

void ArgoCdClient::revisionMetadata(const QString &app, const QString &revision, QObject *receiver, Done<RevisionMetadata> done)
{
    getParsed<RevisionMetadata>(QStringLiteral("/api/v1/applications/%1/revisions/%2/metadata").arg(encode(app), encode(revision)), "revision metadata",
                                &parseRevisionMetadata, receiver, std::move(done));
}

void ArgoCdClient::resourceTree(const QString &app, QObject *receiver, Done<ResourceTree> done)
{
    getParsed<ResourceTree>(QStringLiteral("/api/v1/applications/%1/resource-tree").arg(encode(app)), "resource tree", &parseResourceTree, receiver,
                            std::move(done));
}

void ArgoCdClient::sync(const QString &app, const SyncOptions &options, QObject *receiver, Done<void> done)
{
    QJsonObject o{{QStringLiteral("name"), app}, {QStringLiteral("prune"), options.prune}, {QStringLiteral("dryRun"), options.dryRun}};
    if (!options.revision.isEmpty())
        o.insert(QStringLiteral("revision"), options.revision);
    call("POST", QStringLiteral("/api/v1/applications/%1/sync").arg(encode(app)), QJsonDocument(o).toJson(QJsonDocument::Compact), receiver, {},
         [done](const Reply &r) { done(r.error.isError() ? Result<void>::failure(r.error) : Result<void>::success()); });
}

void ArgoCdClient::rollback(const QString &app, qint64 historyId, bool dryRun, bool prune, QObject *receiver, Done<void> done)
{
    QJsonObject o{{QStringLiteral("name"), app},
                  {QStringLiteral("id"), historyId},
                  {QStringLiteral("dryRun"), dryRun},
                  {QStringLiteral("prune"), prune}};
    call("POST", QStringLiteral("/api/v1/applications/%1/rollback").arg(encode(app)), QJsonDocument(o).toJson(QJsonDocument::Compact), receiver, {},
         [done](const Reply &r) { done(r.error.isError() ? Result<void>::failure(r.error) : Result<void>::success()); });
}

void ArgoCdClient::terminateOperation(const QString &app, QObject *receiver, Done<void> done)
{
    call("DELETE", QStringLiteral("/api/v1/applications/%1/operation").arg(encode(app)), {}, receiver, {},
         [done](const Reply &r) { done(r.error.isError() ? Result<void>::failure(r.error) : Result<void>::success()); });
}

void ArgoCdClient::startWatching(int pollIntervalMs)
{
    stopWatching();
    m_watching = true;
    m_pollTimer.setInterval(pollIntervalMs);
    quint64 generation = m_streamGeneration;
    listApplications(this, [this, generation](const Result<QList<ApplicationInfo>> &r) {
        if (!m_watching || generation != m_streamGeneration)
            return;
        if (!r.ok()) {
            Q_EMIT watchFailed(r.error().message);
            if (m_watching)
                streamEnded(r.error().message);
            return;
        }
        Q_EMIT applicationsListed(r.value());
        openStream();
    });
}

void ArgoCdClient::stopWatching()
{
    bool was = m_watching;
    m_watching = false;
    m_streaming = false;
    ++m_streamGeneration;
    m_pollTimer.stop();
    if (m_streamId) {
        m_engine->cancel(m_streamId);
        m_streamId = 0;
    }
    Q_UNUSED(was);
}

void ArgoCdClient::openStream()
{
    if (!m_watching || m_token.isEmpty())
        return;
    http::Request req;
    req.url = m_server.url + QStringLiteral("/api/v1/stream/applications");
    req.tls = m_tls;
    req.timeoutMs = 0;
    req.headers.append(qMakePair(QByteArray("Accept"), QByteArray("text/event-stream")));
    req.headers.append(qMakePair(QByteArray("User-Agent"), QByteArray("pilothouse/0.1")));
    req.headers.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer ") + m_token));
    const quint64 generation = ++m_streamGeneration;
    // The handlers run on the parser thread: the status and an error body are kept there, each
    // line is parsed there, and what it means is posted here, where the generation is checked.
    struct StreamState {
        int status = 0;
        QByteArray errorBody;
    };
    auto state = std::make_shared<StreamState>();
    ArgoCdClient *client = this;
    auto observer = m_parseObserver;
    http::HttpEngine::StreamHandlers h;
    h.headersReceived = [client, state, generation](int code, const http::Headers &) {
        state->status = code;
        QMetaObject::invokeMethod(client, [client, code, generation] { client->onStreamHeaders(code, generation); }, Qt::QueuedConnection);
    };
    h.line = [client, state, generation, observer](const QByteArray &line) {
        if (state->status < 200 || state->status >= 300) {
            state->errorBody.append(line);
            return;
        }
        if (observer)
            observer("stream event");
        Result<WatchEvent> ev = parseWatchLine(line);
        if (ev.ok() && ev.value().type.isEmpty())
            return;  // a blank line, a comment, an "event:" field
        QMetaObject::invokeMethod(client, [client, ev = std::move(ev), generation] { client->onStreamEvent(ev, generation); }, Qt::QueuedConnection);
    };
    h.finished = [client, state, generation](const http::Response &resp) {
        ApiError e;
        const bool transport = resp.error.isError();
        if (transport)
            e = resp.error;
        else if (state->status < 200 || state->status >= 300)
            e = parseError(state->status, state->errorBody);
        QMetaObject::invokeMethod(client, [client, e, transport, generation] { client->onStreamFinished(e, transport, generation); }, Qt::QueuedConnection);
    };
    m_streamId = m_engine->stream(std::move(req), m_parser, std::move(h));
}

void ArgoCdClient::onStreamHeaders(int status, quint64 generation)
{
    if (generation != m_streamGeneration || status < 200 || status >= 300)
        return;
    m_pollTimer.stop();
    m_streaming = true;
    Q_EMIT watchModeChanged(true, {});
}

void ArgoCdClient::onStreamEvent(const Result<WatchEvent> &ev, quint64 generation)
{
    if (generation != m_streamGeneration)
        return;
    if (!ev.ok()) {
        if (ev.error().kind == ErrorKind::Unauthorized) {
            expire(ev.error());
            return;
        }
        Q_EMIT watchFailed(ev.error().message);
        return;
    }
    if (ev.value().type == QLatin1String("DELETED"))
        Q_EMIT applicationDeleted(ev.value().application.name);
    else
        Q_EMIT applicationChanged(ev.value().application);
}

void ArgoCdClient::onStreamFinished(const ApiError &error, bool transport, quint64 generation)
{
    if (generation != m_streamGeneration)
        return;
    m_streamId = 0;
    m_streaming = false;
    if (error.kind == ErrorKind::Cancelled)
        return;
    const ApiError e = transport ? explain(error) : error;
    if (e.kind == ErrorKind::Unauthorized) {
        expire(e);
        return;
    }
    streamEnded(e.isError() ? QStringLiteral("the application stream failed: %1").arg(e.message)
                            : QStringLiteral("the application stream ended"));
}

void ArgoCdClient::streamEnded(const QString &reason)
{
    if (!m_watching)
        return;
    m_streaming = false;
    m_pollsSinceStreamTry = 0;
    Q_EMIT watchModeChanged(false, reason + QStringLiteral("; polling every %1 s").arg(m_pollTimer.interval() / 1000.0));
    // One list at once so nothing is missed between the stream's end and the first tick.
    poll();
    m_pollTimer.start();
}

void ArgoCdClient::poll()
{
    if (!m_watching)
        return;
    quint64 generation = m_streamGeneration;
    listApplications(this, [this, generation](const Result<QList<ApplicationInfo>> &r) {
        if (!m_watching || generation != m_streamGeneration)
            return;
        if (!r.ok()) {
            Q_EMIT watchFailed(r.error().message);
            return;
        }
        Q_EMIT applicationsListed(r.value());
    });
    if (++m_pollsSinceStreamTry >= kPollsBeforeStreamRetry && !m_streamId) {
        m_pollsSinceStreamTry = 0;
        openStream();
    }
}

}  // namespace pilothouse::backends::argocd
