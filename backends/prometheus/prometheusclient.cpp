// Prometheus API calls over the shared HTTP engine; answers parsed on the client's parser thread,
// superseded requests cancelled and never delivered.
#include "prometheus/prometheusclient.h"

#include "core/errors.h"
#include "http/serverconfig.h"

#include <QPointer>
#include <QUrl>

#include <optional>

namespace pilothouse::backends::prometheus {

namespace {

QString seconds(qint64 ms) { return QString::number(static_cast<double>(ms) / 1000.0, 'f', 3); }

void addRange(PrometheusClient::Form &q, qint64 startMs, qint64 endMs)
{
    if (startMs > 0)
        q.append(qMakePair(QStringLiteral("start"), seconds(startMs)));
    if (endMs > 0)
        q.append(qMakePair(QStringLiteral("end"), seconds(endMs)));
}

void addMatchers(PrometheusClient::Form &q, const QStringList &matchers)
{
    for (const QString &m : matchers)
        q.append(qMakePair(QStringLiteral("match[]"), m));
}

// application/x-www-form-urlencoded, every reserved character escaped ('+' too: a PromQL
// "a + b" must not arrive as "a   b").
QByteArray encodeForm(const PrometheusClient::Form &form)
{
    QByteArray out;
    for (const auto &[name, value] : form) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    return out;
}

}  // namespace

PrometheusClient::PrometheusClient(http::HttpEngine *engine, QObject *parent) : QObject(parent), m_engine(engine)
{
    m_parserThread.setObjectName(QStringLiteral("prometheus-parser"));
    m_parser = new QObject;
    m_parser->moveToThread(&m_parserThread);
    // Deleted on its own thread as the thread ends; the engine drops what was still on its way.
    connect(&m_parserThread, &QThread::finished, m_parser, &QObject::deleteLater);
    m_parserThread.start();
}

PrometheusClient::~PrometheusClient()
{
    cancelAll();
    // The parser thread posts its results to this object: it stops before this object goes.
    m_parserThread.quit();
    m_parserThread.wait();
}

Result<void> PrometheusClient::setServer(const PrometheusServer &server)
{
    const QUrl url(server.url.trimmed());
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
        return Result<void>::failure(configError(QStringLiteral("\"%1\" is not a Prometheus URL (https://host[:port][/path])").arg(url.toString(QUrl::RemoveUserInfo))));
    // A password in the URL would end up in every message that names the server.
    if (!url.userInfo().isEmpty())
        return Result<void>::failure(configError(
            QStringLiteral("the Prometheus URL %1 carries credentials: give the user and password (or the bearer token) in their own fields")
                .arg(url.toString(QUrl::RemoveUserInfo))));
    const bool hasSecret = !server.bearerToken.isEmpty() || !server.password.isEmpty();
    const bool plainRemote = url.scheme() == QLatin1String("http") && !http::isLoopbackHost(url.host());
    if (plainRemote && hasSecret)
        return Result<void>::failure(configError(
            QStringLiteral("\"%1\" uses plain http: the %2 would cross the network unencrypted; use https:// "
                           "(plain http with credentials is allowed only for 127.0.0.1, ::1 and localhost)")
                .arg(server.url, server.bearerToken.isEmpty() ? QStringLiteral("password") : QStringLiteral("bearer token"))));
    if (!server.password.isEmpty() && server.user.isEmpty())
        return Result<void>::failure(configError(QStringLiteral("a password is given for %1 without a user").arg(server.url)));
    const auto ca = http::caPemFrom(server.caPem, server.caFile);
    if (!ca)
        return Result<void>::failure(ca.error());
    cancelAll();
    http::TlsConfig tls;
    tls.caPem = ca.value();
    tls.insecureSkipVerify = server.insecureSkipVerify;
    QString base = url.toString(QUrl::StripTrailingSlash);
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    m_server = server;
    m_server.url = base;
    m_tls = tls;
    m_securityNote.clear();
    if (plainRemote)
        m_securityNote = QStringLiteral("plain http to %1: queries and answers cross the network unencrypted and the server is not authenticated").arg(url.host());
    else if (url.scheme() == QLatin1String("https") && server.insecureSkipVerify)
        m_securityNote = QStringLiteral("TLS not verified for %1 (as configured): the server is not authenticated").arg(url.host());
    return Result<void>::success();
}

ApiError PrometheusClient::explain(ApiError e) const
{
    if (e.kind == ErrorKind::Tls) {
        e.message += QStringLiteral(" (checked %1 against %2)")
                         .arg(QUrl(m_server.url).host(), !m_server.caPem.isEmpty() ? QStringLiteral("the given CA")
                                                          : !m_server.caFile.isEmpty() ? QStringLiteral("the CA file %1").arg(m_server.caFile)
                                                                                       : QStringLiteral("the system's trusted CAs"));
    } else if (e.kind == ErrorKind::Unauthorized) {
        e.message = QStringLiteral("Prometheus at %1 refused the %2 (HTTP 401)")
                        .arg(m_server.url, !m_server.bearerToken.isEmpty() ? QStringLiteral("bearer token")
                                           : !m_server.user.isEmpty()      ? QStringLiteral("credentials of %1").arg(m_server.user)
                                                                           : QStringLiteral("request without credentials: it asks for some"));
    } else if (e.kind == ErrorKind::Forbidden) {
        e.message = QStringLiteral("Prometheus at %1 forbids this (%2)").arg(m_server.url, e.message);
    } else {
        e.message = QStringLiteral("Prometheus at %1: %2").arg(m_server.url, e.message);
    }
    // A front that echoes the request (headers included) must not carry the secret into a message.
    for (const QByteArray &secret : {m_server.bearerToken, m_server.password})
        if (!secret.isEmpty())
            e.message.replace(QString::fromUtf8(secret), QStringLiteral("[secret]"));
    return e;
}

void PrometheusClient::drop(const QString &key)
{
    const auto it = m_pending.find(key);
    if (it == m_pending.end())
        return;
    it->dropped->store(true);
    m_engine->cancel(it->id);
    m_pending.erase(it);
}

void PrometheusClient::cancel(const QString &key) { drop(key); }

void PrometheusClient::cancelAll()
{
    const QStringList keys = m_pending.keys();
    for (const QString &key : keys)
        drop(key);
}

template <class T>
void PrometheusClient::request(const QString &path, const Form &form, bool mayPost, const char *what, Result<T> (*parse)(int, const QByteArray &),
                               const QString &key, QObject *receiver, Done<T> done)
{
    if (!key.isEmpty())
        drop(key);
    QPointer<QObject> guard(receiver);
    if (m_server.url.isEmpty()) {
        QMetaObject::invokeMethod(receiver, [guard, done] {
            if (guard)
                done(Result<T>::failure(configError(QStringLiteral("no Prometheus server is set"))));
        }, Qt::QueuedConnection);
        return;
    }
    http::Request req;
    const QByteArray encoded = encodeForm(form);
    req.url = m_server.url + path;
    if (mayPost && encoded.size() > kMaxGetQueryLength) {
        req.method = "POST";
        req.body = encoded;
        req.headers.append({QByteArray("Content-Type"), QByteArray("application/x-www-form-urlencoded")});
    } else if (!encoded.isEmpty()) {
        req.url += QLatin1Char('?') + QString::fromLatin1(encoded);
    }
    req.tls = m_tls;
    req.timeoutMs = 60000;
    req.headers.append({QByteArray("Accept"), QByteArray("application/json")});
    req.headers.append({QByteArray("User-Agent"), QByteArray("pilothouse/0.1")});
    if (!m_server.bearerToken.isEmpty())
        req.headers.append({QByteArray("Authorization"), QByteArray("Bearer ") + m_server.bearerToken});
    else if (!m_server.user.isEmpty())
        req.headers.append({QByteArray("Authorization"), QByteArray("Basic ") + (m_server.user.toUtf8() + ':' + m_server.password).toBase64()});

    const quint64 generation = ++m_generation;
    auto dropped = std::make_shared<std::atomic<bool>>(false);
    auto observer = m_parseObserver;
    PrometheusClient *client = this;  // outlives the parser thread (the destructor stops it first)
    const http::RequestId id = m_engine->send(std::move(req), m_parser,
        [client, guard, done, dropped, observer, parse, what, key, generation](const http::Response &resp) {
            // On the parser thread. A superseded answer is not even parsed.
            if (dropped->load())
                return;
            std::optional<Result<T>> result;
            if (resp.error.isError()) {
                result.emplace(Result<T>::failure(resp.error));
            } else {
                if (observer)
                    observer(what);
                result.emplace(parse(resp.status, resp.body));
            }
            QMetaObject::invokeMethod(client, [client, guard, done, dropped, key, generation, result = std::move(*result)]() mutable {
                if (dropped->load())
                    return;
                if (!key.isEmpty()) {
                    const auto it = client->m_pending.constFind(key);
                    if (it != client->m_pending.constEnd() && it->generation == generation)
                        client->m_pending.erase(it);
                }
                if (!guard)
                    return;
                if (!result.ok())
                    return done(Result<T>::failure(client->explain(result.error())));
                done(result);
            }, Qt::QueuedConnection);
        });
    if (!key.isEmpty())
        m_pending.insert(key, Pending{id, generation, dropped});
}

void PrometheusClient::instantQuery(const QString &expr, qint64 timeMs, QObject *receiver, Done<QueryResult> done, const QString &key)
{
    Form q;
    q.append(qMakePair(QStringLiteral("query"), expr));
    if (timeMs > 0)
        q.append(qMakePair(QStringLiteral("time"), seconds(timeMs)));
    request<QueryResult>(QStringLiteral("/api/v1/query"), q, true, "query", &parseQueryResponse, key, receiver, std::move(done));
}

void PrometheusClient::rangeQuery(const QString &expr, const QueryRange &range, QObject *receiver, Done<QueryResult> done, const QString &key)
{
    if (range.stepMs <= 0 || range.endMs < range.startMs || range.points() > kMaxPointsPerSeries) {
        // Prometheus would refuse it with bad_data; say so here, with the numbers.
        if (!key.isEmpty())
            drop(key);
        QPointer<QObject> guard(receiver);
        const ApiError e = invalidError(QStringLiteral("a range query needs start <= end and a step giving at most %1 points (asked: %2 s to %3 s by %4 s)")
                                            .arg(kMaxPointsPerSeries)
                                            .arg(seconds(range.startMs), seconds(range.endMs), seconds(range.stepMs)));
        QMetaObject::invokeMethod(receiver, [guard, done, e] {
            if (guard)
                done(Result<QueryResult>::failure(e));
        }, Qt::QueuedConnection);
        return;
    }
    Form q;
    q.append(qMakePair(QStringLiteral("query"), expr));
    q.append(qMakePair(QStringLiteral("start"), seconds(range.startMs)));
    q.append(qMakePair(QStringLiteral("end"), seconds(range.endMs)));
    q.append(qMakePair(QStringLiteral("step"), seconds(range.stepMs)));
    request<QueryResult>(QStringLiteral("/api/v1/query_range"), q, true, "range query", &parseQueryResponse, key, receiver, std::move(done));
}

void PrometheusClient::series(const QStringList &matchers, qint64 startMs, qint64 endMs, QObject *receiver, Done<SeriesList> done, const QString &key)
{
    Form q;
    addMatchers(q, matchers);
    addRange(q, startMs, endMs);
    request<SeriesList>(QStringLiteral("/api/v1/series"), q, true, "series", &parseSeriesResponse, key, receiver, std::move(done));
}

void PrometheusClient::labels(const QStringList &matchers, qint64 startMs, qint64 endMs, QObject *receiver, Done<NameList> done, const QString &key)
{
    Form q;
    addMatchers(q, matchers);
    addRange(q, startMs, endMs);
    request<NameList>(QStringLiteral("/api/v1/labels"), q, true, "labels", &parseNamesResponse, key, receiver, std::move(done));
}

void PrometheusClient::labelValues(const QString &name, const QStringList &matchers, qint64 startMs, qint64 endMs, QObject *receiver, Done<NameList> done,
                                   const QString &key)
{
    Form q;
    addMatchers(q, matchers);
    addRange(q, startMs, endMs);
    // Label values are GET only.
    request<NameList>(QStringLiteral("/api/v1/label/%1/values").arg(QString::fromLatin1(QUrl::toPercentEncoding(name))), q, false, "label values",
                      &parseNamesResponse, key, receiver, std::move(done));
}

}  // namespace pilothouse::backends::prometheus
