// Jenkins REST calls over the shared HTTP engine; answers parsed on the client's parser thread.
#include "jenkins/jenkinsclient.h"

#include "core/errors.h"
#include "http/serverconfig.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRegularExpression>
#include <QUrl>

#include <memory>
#include <optional>

namespace pilothouse::backends::jenkins {

namespace {


QByteArray headerOf(const http::Headers &headers, const QByteArray &lowercaseName)
{
    for (const auto &h : headers)
        if (h.first == lowercaseName)
            return h.second;
    return {};
}

// Jenkins' error pages are HTML: the first line of text worth showing, no markup.
QString textOf(const QByteArray &body)
{
    QString text = QString::fromUtf8(body.left(4096));
    static const QRegularExpression tags(QStringLiteral("<[^>]*>"));
    if (const qsizetype at = text.indexOf(QLatin1String("<h2>"), 0, Qt::CaseInsensitive); at >= 0)
        text = text.mid(at);  // Jenkins puts the message of its error pages under an <h2>
    text.replace(tags, QStringLiteral(" "));
    return text.simplified().left(300);
}

}  // namespace

JenkinsClient::JenkinsClient(http::HttpEngine *engine, QObject *parent) : QObject(parent), m_engine(engine)
{
    m_parserThread.setObjectName(QStringLiteral("jenkins-parser"));
    m_parser = new QObject;
    m_parser->moveToThread(&m_parserThread);
    connect(&m_parserThread, &QThread::finished, m_parser, &QObject::deleteLater);
    m_parserThread.start();
}

JenkinsClient::~JenkinsClient()
{
    // The parser thread posts its results to this object: it stops before this object goes.
    m_parserThread.quit();
    m_parserThread.wait();
}

Result<void> JenkinsClient::setServer(const JenkinsServer &server)
{
    const QUrl url(server.url.trimmed());
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
        return Result<void>::failure(configError(QStringLiteral("\"%1\" is not a Jenkins URL (https://host[:port][/path])").arg(server.url)));
    if (url.scheme() == QLatin1String("http") && !http::isLoopbackHost(url.host()))
        return Result<void>::failure(configError(
            QStringLiteral("\"%1\" uses plain http: the API token or password would cross the network unencrypted; use https:// "
                           "(plain http is allowed only for 127.0.0.1, ::1 and localhost)")
                .arg(server.url)));
    if (server.user.isEmpty())
        return Result<void>::failure(configError(QStringLiteral("no Jenkins user is given for %1").arg(server.url)));
    const auto ca = http::caPemFrom(server.caPem, server.caFile);
    if (!ca)
        return Result<void>::failure(ca.error());
    http::TlsConfig tls;
    tls.caPem = ca.value();
    tls.insecureSkipVerify = server.insecureSkipVerify;
    QString base = url.toString(QUrl::StripTrailingSlash);
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    if (base != m_server.url || server.user != m_server.user) {
        m_crumb.clear();
        m_crumbField.clear();
        m_cookie.clear();
    }
    m_server = server;
    m_server.url = base;
    m_tls = tls;
    return Result<void>::success();
}

QString JenkinsClient::jobUrlPath(const QStringList &job) const { return QLatin1Char('/') + jobPath(job); }

ApiError JenkinsClient::explain(int status, const QByteArray &body, ApiError transport) const
{
    if (transport.isError()) {
        if (transport.kind == ErrorKind::Tls)
            transport.message += QStringLiteral(" (checked %1 against %2)")
                                     .arg(QUrl(m_server.url).host(), !m_server.caPem.isEmpty() ? QStringLiteral("the given CA")
                                                                     : !m_server.caFile.isEmpty() ? QStringLiteral("the CA file %1").arg(m_server.caFile)
                                                                                                  : QStringLiteral("the system's trusted CAs"));
        else
            transport.message = QStringLiteral("Jenkins at %1: %2").arg(m_server.url, transport.message);
        return transport;
    }
    ApiError e;
    e.httpStatus = status;
    const QString text = textOf(body);
    switch (status) {
    case 401:
        e.kind = ErrorKind::Unauthorized;
        e.message = QStringLiteral("Jenkins at %1 refused the credentials of %2 (401): check the user and its API token").arg(m_server.url, m_server.user);
        break;
    case 403:
        e.kind = ErrorKind::Forbidden;
        e.message = QStringLiteral("Jenkins at %1 forbids this to %2 (403)%3").arg(m_server.url, m_server.user, text.isEmpty() ? QString() : QStringLiteral(": ") + text);
        break;
    case 404:
        e.kind = ErrorKind::NotFound;
        e.message = QStringLiteral("not found on Jenkins at %1 (404)").arg(m_server.url);
        break;
    default:
        e.kind = status >= 500 ? ErrorKind::ServerError : status == 400 ? ErrorKind::Invalid : ErrorKind::ServerError;
        e.message = QStringLiteral("Jenkins at %1 answered %2%3").arg(m_server.url).arg(status).arg(text.isEmpty() ? QString() : QStringLiteral(": ") + text);
    }
    return e;
}

void JenkinsClient::send(const QByteArray &method, const QString &path, const QByteArray &body, QObject *receiver,
                         std::function<void(const QByteArray &)> parse, std::function<void(const Reply &)> done)
{
    if (m_server.url.isEmpty()) {
        Reply r;
        r.error = configError(QStringLiteral("no Jenkins server is set"));
        QMetaObject::invokeMethod(receiver, [done, r] { done(r); }, Qt::QueuedConnection);
        return;
    }
    http::Request req;
    req.method = method;
    req.url = m_server.url + path;
    req.tls = m_tls;
    req.timeoutMs = 30000;
    const QByteArray secret = m_server.apiToken.isEmpty() ? m_server.password : m_server.apiToken;
    req.headers.append({QByteArray("Authorization"), QByteArray("Basic ") + (m_server.user.toUtf8() + ':' + secret).toBase64()});
    req.headers.append({QByteArray("Accept"), QByteArray("application/json")});
    req.headers.append({QByteArray("User-Agent"), QByteArray("pilothouse/0.1")});
    if (!m_cookie.isEmpty())
        req.headers.append({QByteArray("Cookie"), m_cookie});
    if (method == "POST") {
        req.body = body;
        req.headers.append({QByteArray("Content-Type"), QByteArray("application/x-www-form-urlencoded")});
        if (!m_crumb.isEmpty())
            req.headers.append({m_crumbField, m_crumb});
    }
    JenkinsClient *client = this;  // outlives the parser thread (the destructor stops it first)
    QPointer<QObject> guard(receiver);
    m_engine->send(std::move(req), m_parser, [client, guard, parse, done](const http::Response &resp) {
        // On the parser thread.
        Reply r;
        r.status = resp.status;
        r.body = resp.body;
        r.headers = resp.headers;
        r.answered = resp.headersReceived;
        const bool failed = resp.error.isError() || resp.status < 200 || resp.status >= 400;
        if (!failed && parse)
            parse(r.body);
        // The error is worded on the client's thread, where the server's settings live.
        QMetaObject::invokeMethod(client, [client, guard, done, failed, transport = resp.error, r = std::move(r)]() mutable {
            if (failed)
                r.error = client->explain(r.status, r.body, transport);
            if (guard)
                done(r);
        }, Qt::QueuedConnection);
    });
}

template <class T>
void JenkinsClient::getParsed(const QString &path, const char *what, Result<T> (*parse)(const QByteArray &), QObject *receiver, Done<T> done)
{
    auto parsed = std::make_shared<std::optional<Result<T>>>();  // written on the parser thread, read after the queued delivery
    auto observer = m_parseObserver;
    send("GET", path, {}, receiver,
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

void JenkinsClient::whoAmI(QObject *receiver, Done<QString> done)
{
    getParsed<QString>(QStringLiteral("/me/api/json?tree=id,fullName"), "user", &parseWhoAmI, receiver, std::move(done));
}

void JenkinsClient::jobs(const QStringList &folder, int depth, QObject *receiver, Done<QList<JobNode>> done)
{
    const QString query = QStringLiteral("api/json?tree=fullName,") + QString::fromLatin1(QUrl::toPercentEncoding(jobTreeQuery(std::max(1, depth)), ",[]"));
    getParsed<QList<JobNode>>((folder.isEmpty() ? QStringLiteral("/") : jobUrlPath(folder)) + query, "jobs", &parseJobTree, receiver, std::move(done));
}

void JenkinsClient::build(const QStringList &job, int number, QObject *receiver, Done<BuildInfo> done)
{
    getParsed<BuildInfo>(jobUrlPath(job) + QString::number(number) + QStringLiteral("/api/json"), "build", &parseBuild, receiver, std::move(done));
}

void JenkinsClient::runs(const QStringList &job, QObject *receiver, Done<QList<RunInfo>> done)
{
    getParsed<QList<RunInfo>>(jobUrlPath(job) + QStringLiteral("wfapi/runs"), "runs", &parseRuns, receiver, std::move(done));
}

void JenkinsClient::describeRun(const QStringList &job, int number, QObject *receiver, Done<RunInfo> done)
{
    getParsed<RunInfo>(jobUrlPath(job) + QString::number(number) + QStringLiteral("/wfapi/describe"), "run", &parseRunDescribe, receiver, std::move(done));
}

void JenkinsClient::stageTree(const QStringList &job, int number, QObject *receiver, Done<QList<StageInfo>> done)
{
    getParsed<QList<StageInfo>>(jobUrlPath(job) + QString::number(number) + QStringLiteral("/stages/tree"), "stage tree", &parseStageTree, receiver,
                                std::move(done));
}

void JenkinsClient::pendingInputs(const QStringList &job, int number, QObject *receiver, Done<QList<PendingInput>> done)
{
    getParsed<QList<PendingInput>>(jobUrlPath(job) + QString::number(number) + QStringLiteral("/wfapi/pendingInputActions"), "pending inputs",
                                   &parsePendingInputs, receiver, std::move(done));
}

void JenkinsClient::parameterDefinitions(const QStringList &job, QObject *receiver, Done<QList<ParameterDefinition>> done)
{
    const QString tree = QStringLiteral("property[parameterDefinitions[_class,name,type,description,choices,defaultParameterValue[value]]],"
                                        "actions[parameterDefinitions[_class,name,type,description,choices,defaultParameterValue[value]]]");
    getParsed<QList<ParameterDefinition>>(jobUrlPath(job) + QStringLiteral("api/json?tree=") + QString::fromLatin1(QUrl::toPercentEncoding(tree, ",[]")),
                                          "parameter definitions", &parseParameterDefinitions, receiver, std::move(done));
}

void JenkinsClient::queueItem(qint64 id, QObject *receiver, Done<QueueItem> done)
{
    getParsed<QueueItem>(QStringLiteral("/queue/item/%1/api/json").arg(id), "queue item", &parseQueueItem, receiver, std::move(done));
}

void JenkinsClient::queue(QObject *receiver, Done<QList<QueueItem>> done)
{
    getParsed<QList<QueueItem>>(QStringLiteral("/queue/api/json"), "queue", &parseQueue, receiver, std::move(done));
}

void JenkinsClient::recentBuilds(const QStringList &job, int count, QObject *receiver, Done<QList<BuildInfo>> done)
{
    const QString tree = QStringLiteral("builds[number,url,displayName,building,result,timestamp,duration,"
                                        "actions[parameters[_class,name,value],causes[shortDescription,userId]]]{0,%1}")
                             .arg(std::max(1, count));
    getParsed<QList<BuildInfo>>(jobUrlPath(job) + QStringLiteral("api/json?tree=") + QString::fromLatin1(QUrl::toPercentEncoding(tree, ",[]{}")),
                                "builds", &parseBuildList, receiver, std::move(done));
}

void JenkinsClient::buildPage(const QStringList &job, int from, int count, QObject *receiver, Done<QList<BuildInfo>> done)
{
    from = std::max(0, from);
    const QString tree = QStringLiteral("allBuilds[number,url,building,result,timestamp,duration,actions[parameters[_class,name,value]]]{%1,%2}")
                             .arg(from)
                             .arg(from + std::max(1, count));
    getParsed<QList<BuildInfo>>(jobUrlPath(job) + QStringLiteral("api/json?tree=") + QString::fromLatin1(QUrl::toPercentEncoding(tree, ",[]{}")),
                                "build page", &parseBuildList, receiver, std::move(done));
}

void JenkinsClient::console(const QStringList &job, int number, qint64 start, QObject *receiver, Done<ConsoleChunk> done)
{
    const QString path = jobUrlPath(job) + QString::number(number) + QStringLiteral("/logText/progressiveText?start=") + QString::number(start);
    send("GET", path, {}, receiver, {}, [done, start](const Reply &r) {
        if (r.error.isError())
            return done(Result<ConsoleChunk>::failure(r.error));
        ConsoleChunk c;
        c.text = r.body;
        bool ok = false;
        const qint64 size = headerOf(r.headers, "x-text-size").toLongLong(&ok);
        // Without X-Text-Size the offset moves by what came (an old server, a proxy that drops it).
        c.nextOffset = ok ? size : start + r.body.size();
        c.more = headerOf(r.headers, "x-more-data").compare("true", Qt::CaseInsensitive) == 0;
        done(c);
    });
}

void JenkinsClient::withCrumb(QObject *receiver, std::function<void(const ApiError &)> then)
{
    // An API token needs no crumb (ApiCrumbExclusion); a password session needs one, bound to the
    // session cookie the crumb issuer sets.
    if (!m_server.apiToken.isEmpty() || !m_crumb.isEmpty()) {
        QMetaObject::invokeMethod(receiver, [then] { then(ApiError{}); }, Qt::QueuedConnection);
        return;
    }
    ++m_crumbFetches;
    QPointer<JenkinsClient> self(this);
    m_cookie.clear();
    send("GET", QStringLiteral("/crumbIssuer/api/json"), {}, receiver, {}, [self, then](const Reply &r) {
        if (!self)
            return;
        if (r.status == 404) {
            // CSRF protection off (older Jenkins, or turned off): no crumb is needed.
            return then(ApiError{});
        }
        if (r.error.isError())
            return then(r.error);
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        self->m_crumb = o.value(QLatin1String("crumb")).toString().toUtf8();
        self->m_crumbField = o.value(QLatin1String("crumbRequestField")).toString().toUtf8();
        if (self->m_crumb.isEmpty() || self->m_crumbField.isEmpty())
            return then(malformedError(QStringLiteral("Jenkins at %1 sent a crumb answer without crumb and crumbRequestField").arg(self->m_server.url)));
        for (const auto &h : r.headers)
            if (h.first == "set-cookie" && h.second.startsWith("JSESSIONID")) {
                const QByteArray pair = h.second.left(h.second.indexOf(';'));
                self->m_cookie = self->m_cookie.isEmpty() ? pair : self->m_cookie + "; " + pair;
            }
        then(ApiError{});
    });
}

void JenkinsClient::post(const QString &path, const QByteArray &form, QObject *receiver, std::function<void(const PostReply &)> done)
{
    postOnce(path.startsWith(QLatin1Char('/')) ? path : QLatin1Char('/') + path, form, receiver, true, std::move(done));
}

void JenkinsClient::postOnce(const QString &path, const QByteArray &form, QObject *receiver, bool mayRetry, std::function<void(const PostReply &)> done)
{
    QPointer<JenkinsClient> self(this);
    QPointer<QObject> guard(receiver);
    withCrumb(receiver, [self, guard, path, form, mayRetry, done](const ApiError &crumbError) {
        if (!self || !guard)
            return;
        if (crumbError.isError()) {
            PostReply p;
            p.error = crumbError;
            return done(p);
        }
        self->send("POST", path, form, guard, {}, [self, guard, path, form, mayRetry, done](const Reply &r) {
            if (!self)
                return;
            // Refused for its crumb (an expired session): Jenkins did nothing; a new crumb, once.
            if (r.status == 403 && mayRetry && self->m_server.apiToken.isEmpty() && r.body.contains("No valid crumb")) {
                self->m_crumb.clear();
                return self->postOnce(path, form, guard, false, done);
            }
            PostReply p;
            p.status = r.status;
            p.answered = r.answered;
            p.location = QString::fromUtf8(headerOf(r.headers, "location"));
            p.error = r.error;
            done(p);
        });
    });
}

}  // namespace pilothouse::backends::jenkins
