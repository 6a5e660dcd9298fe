// The list+watch loop of an informer (client-go's Reflector.ListAndWatch, on Qt's event loop).
#include "kube/cache/informer.h"

#include "kube/api/status.h"

#include <QUrl>

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <QUrlQuery>

namespace pilothouse::backends::kube {

Informer::Informer(KubeClient *client, ResourceRef resource, QString ns, QObject *parent)
    : QObject(parent), m_client(client), m_resource(std::move(resource)), m_ns(std::move(ns)),
      m_parser(summaryKindFor(m_resource.kind))
{
    qRegisterMetaType<ObjectList>();
    qRegisterMetaType<ChangeBatch>();
    qRegisterMetaType<ApiError>();
    qRegisterMetaType<Informer::State>();
    qRegisterMetaType<QList<TableColumn>>();
    // Bursts of events become one batch, so views repaint once per burst, not per event.
    m_batchTimer.setInterval(30);
    m_batchTimer.setSingleShot(true);
    connect(&m_batchTimer, &QTimer::timeout, this, &Informer::flush);
    m_retryTimer.setSingleShot(true);
    // A coarse timer may fire 5 % early: a Retry-After is a lower bound.
    m_retryTimer.setTimerType(Qt::PreciseTimer);
}

Informer::~Informer() { stop(); }

namespace {
const QByteArray kTableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
// A watch shorter than this proved nothing about the server: its end counts as a failure.
constexpr int kHealthyWatchMs = 1000;
// A Retry-After beyond this is not waited for in full: the operator would see a dead view.
constexpr int kMaxRetryAfterMs = 10 * 60 * 1000;

bool isUnavailableVersion(const ApiError &e)
{
    return e.kind == ErrorKind::Gone || e.httpStatus == 410 || kube::isResourceVersionTooLarge(e);
}
}

void Informer::setTableMode(bool on)
{
    m_tableMode = on;
    m_parser.setKind(on ? SummaryKind::Table : summaryKindFor(m_resource.kind));
}

void Informer::setKeepJson(bool keep)
{
    m_keepJson = keep;
    m_parser.setKeepJson(keep);
}

void Informer::start()
{
    if (!m_stopped)
        return;
    m_stopped = false;
    m_backoffMs = 0;
    m_relistStreak = 0;
    relist(false);
}

void Informer::stop()
{
    m_stopped = true;
    ++m_generation;
    m_retryTimer.stop();
    m_batchTimer.stop();
    if (m_watchId) {
        m_client->cancel(m_watchId);
        m_watchId = 0;
    }
    setState(State::Idle);
}

ObjectList Informer::snapshot() const
{
    ObjectList out;
    out.reserve(m_store.size());
    for (const auto &o : m_store)
        out.push_back(o);
    return out;
}

void Informer::setState(State s, const ApiError &error)
{
    if (s == m_state && !error.isError())
        return;
    m_state = s;
    // Kept for consumers that join later: a Backoff or Failed state says why.
    m_lastError = (s == State::Backoff || s == State::Failed) ? error : ApiError{};
    Q_EMIT stateChanged(s, error);
}

void Informer::relist(bool becauseGone)
{
    if (m_stopped)
        return;
    if (becauseGone)
        ++m_stats.relistsOnGone;
    ++m_generation;
    if (m_watchId) {
        m_client->cancel(m_watchId);
        m_watchId = 0;
    }
    m_listing.clear();
    setState(State::Listing);
    listPage({});
}

void Informer::listPage(const QString &continueToken)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QString::number(m_pageSize));
    if (!continueToken.isEmpty())
        q.addQueryItem(QStringLiteral("continue"), QString::fromLatin1(QUrl::toPercentEncoding(continueToken)));
    if (m_tableMode)
        q.addQueryItem(QStringLiteral("includeObject"), QStringLiteral("Object"));
    if (!m_labelSelector.isEmpty())
        q.addQueryItem(QStringLiteral("labelSelector"), QString::fromLatin1(QUrl::toPercentEncoding(m_labelSelector)));
    const quint64 gen = m_generation;
    m_client->request("GET", m_resource.collectionPath(m_ns) + QLatin1Char('?') + q.toString(QUrl::FullyEncoded), {}, {}, this,
                      [this, gen](const KubeReply &reply) {
                          if (gen == m_generation && !m_stopped)
                              onListPage(reply);
                      },
                      60000, m_tableMode ? kTableAccept : QByteArray());
}

void Informer::onListPage(const KubeReply &reply)
{
    if (!reply.ok()) {
        if (isUnavailableVersion(reply.error)) {
            // An expired continue token: the list starts again from the first page.
            relistUnavailable(reply.error);
            return;
        }
        if (reply.error.kind == ErrorKind::Forbidden || reply.error.kind == ErrorKind::Config) {
            setState(State::Failed, reply.error);
            if (reply.error.kind == ErrorKind::Config)
                return;  // e.g. an exec plugin awaiting approval: the session restarts us
        }
        backoffThen(&Informer::relistFromBackoff, reply.error);
        return;
    }
    // The next page is requested before this one is parsed, so fetching and parsing overlap.
    // The API server writes "metadata" (with "continue") before "items"; a token found in the
    // head of the body is confirmed by the full parse below.
    const QString early = continueTokenFromHead(reply.body);
    if (!early.isEmpty())
        listPage(early);
    Result<ParsedList> page = m_parser.parseList(reply.body);
    if (!page.ok()) {
        backoffThen(&Informer::relistFromBackoff, page.error());
        return;
    }
    if (!page.value().columns.isEmpty())
        m_listingColumns = page.value().columns;
    // The whole list's table at once, when the server says how many objects are left (100,000
    // pods rehashed a dozen times otherwise); a count beyond reason grows as the pages come.
    if (const qint64 total = static_cast<qint64>(m_listing.size() + page.value().items.size()) + page.value().remainingItemCount;
        page.value().remainingItemCount > 0 && total <= 10'000'000 && total > m_listing.capacity())
        m_listing.reserve(total);
    for (auto &o : page.value().items)
        m_listing.insert(o->key(), std::move(o));
    if (!page.value().continueToken.isEmpty()) {
        if (page.value().continueToken != early)
            listPage(page.value().continueToken);
        const qint64 remaining = page.value().remainingItemCount;
        const int received = static_cast<int>(m_listing.size());
        Q_EMIT listProgress(received, remaining >= 0 ? received + static_cast<int>(remaining) : -1);
        return;
    }
    // The list ends once this page's reply is gone (the engine's delivery and the client's reply
    // still hold its body here), so that its buffer goes back to the system with the others
    // before synced: one event later.
    const quint64 gen = m_generation;
    QMetaObject::invokeMethod(this, [this, gen, rv = page.value().resourceVersion] {
        if (gen == m_generation && !m_stopped)
            finishList(rv);
    }, Qt::QueuedConnection);
}

void Informer::finishList(const QString &resourceVersion)
{
    m_store.swap(m_listing);
    m_listing.clear();
    m_listing.squeeze();
    m_parser.releaseMemory();
    // The pages' buffers, mapped by the engine for the list and reused page after page.
    m_client->engine()->releaseBodyBuffers();
#ifdef __GLIBC__
    // A list leaves MBs of freed parser buffers and pages' items in malloc's arenas; give them
    // back, so the resident size reflects what the informer keeps (one call per list, not per event).
    malloc_trim(0);
#endif
    m_lastRv = resourceVersion;
    m_pending.clear();
    ++m_stats.lists;
    if (m_tableMode) {
        m_columns = m_listingColumns;
        Q_EMIT columnsChanged(m_columns);
    }
    m_hasSynced = true;
    Q_EMIT synced(snapshot());
    startWatch();
}

void Informer::relistFromBackoff() { relist(false); }

QString Informer::continueTokenFromHead(const QByteArray &body)
{
    const QByteArray head = body.left(4096);
    const int items = head.indexOf("\"items\"");
    const int at = head.indexOf("\"continue\":\"");
    if (at < 0 || (items >= 0 && items < at))
        return {};
    const int start = at + 12;
    const int end = head.indexOf('"', start);
    if (end < 0)
        return {};
    const QByteArray token = head.mid(start, end - start);
    // Tokens are base64: anything escaped is left to the full parse.
    if (token.contains('\\'))
        return {};
    return QString::fromLatin1(token);
}

void Informer::startWatch()
{
    if (m_stopped)
        return;
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("watch"), QStringLiteral("1"));
    q.addQueryItem(QStringLiteral("allowWatchBookmarks"), QStringLiteral("true"));
    q.addQueryItem(QStringLiteral("resourceVersion"), m_lastRv);
    if (!m_labelSelector.isEmpty())
        q.addQueryItem(QStringLiteral("labelSelector"), QString::fromLatin1(QUrl::toPercentEncoding(m_labelSelector)));
    // A random 5-10 minute server-side timeout spreads re-watches, as client-go does.
    q.addQueryItem(QStringLiteral("timeoutSeconds"), QString::number(std::uniform_int_distribution<int>(300, 600)(m_rng)));
    if (m_tableMode)
        q.addQueryItem(QStringLiteral("includeObject"), QStringLiteral("Object"));
    const quint64 gen = ++m_generation;
    m_watchError = {};
    m_watchAnswered = false;
    m_watchEvents = 0;
    m_watchClock.start();
    ++m_stats.watchesStarted;
    KubeClient::WatchHandlers h;
    h.answered = [this, gen] {
        if (gen == m_generation && !m_stopped)
            onWatchAnswered();
    };
    h.failedToStart = [this, gen](const KubeReply &reply) {
        if (gen != m_generation || m_stopped)
            return;
        m_watchId = 0;
        onWatchFinished(reply.error, true, reply.status);
    };
    h.line = [this, gen](const QByteArray &line) {
        if (gen == m_generation && !m_stopped)
            onWatchLine(line);
    };
    h.finished = [this, gen](const http::Response &resp) {
        if (gen != m_generation || m_stopped)
            return;
        m_watchId = 0;
        onWatchFinished(resp.error, false, resp.status);
    };
    // Not Watching yet: that waits for the answer (a request can hang before its headers).
    m_watchId = m_client->stream(m_resource.collectionPath(m_ns) + QLatin1Char('?') + q.toString(QUrl::FullyEncoded), this, h,
                                 m_idleTimeoutMs, m_tableMode ? kTableAccept : QByteArray());
}

void Informer::onWatchAnswered()
{
    m_watchAnswered = true;
    setState(State::Watching);
}

void Informer::onWatchLine(const QByteArray &line)
{
    if (line.trimmed().isEmpty())
        return;
    Result<ParsedEvent> parsed = m_parser.parseEvent(line);
    if (!parsed.ok()) {
        ++m_stats.malformedLines;
        return;
    }
    ParsedEvent &ev = parsed.value();
    if (ev.type == ParsedEvent::Type::Error) {
        // The server ends the stream after an ERROR event; its end is judged by this error. Not
        // counted as an event: a watch that brings only errors has not worked.
        m_watchError = ev.error;
        if (m_watchError.message.isEmpty())
            m_watchError.message = QStringLiteral("the watch of %1 reported an error").arg(m_resource.groupResource());
        return;
    }
    ++m_watchEvents;
    switch (ev.type) {
    case ParsedEvent::Type::Error:
        return;
    case ParsedEvent::Type::Bookmark:
        ++m_stats.bookmarks;
        if (!ev.resourceVersion.isEmpty())
            m_lastRv = ev.resourceVersion;
        return;
    case ParsedEvent::Type::Added:
    case ParsedEvent::Type::Modified: {
        const QString key = ev.object->key();
        bool existed = m_store.contains(key);
        m_store.insert(key, ev.object);
        m_pending.push_back({existed ? ObjectChange::Type::Modified : ObjectChange::Type::Added, ev.object});
        break;
    }
    case ParsedEvent::Type::Deleted:
        if (m_store.remove(ev.object->key()))
            m_pending.push_back({ObjectChange::Type::Deleted, ev.object});
        break;
    }
    m_lastRv = ev.resourceVersion;
    Q_EMIT storeChanged();
    if (!m_batchTimer.isActive())
        m_batchTimer.start();
}

void Informer::flush()
{
    if (m_pending.empty())
        return;
    ChangeBatch batch;
    batch.swap(m_pending);
    Q_EMIT changed(batch);
}

void Informer::onWatchFinished(const ApiError &error, bool startFailed, int status)
{
    flush();
    const qint64 lived = m_watchClock.elapsed();
    // A watch that was answered and stayed up proves the server works: what follows starts afresh.
    if (m_watchAnswered && lived >= kHealthyWatchMs) {
        m_backoffMs = 0;
        m_relistStreak = 0;
    }
    // What ended the watch: an ERROR event in the stream, a non-2xx answer, or the transport.
    ApiError why = m_watchError.isError() ? m_watchError : error;
    if (!why.isError() && status == 410) {
        why.kind = ErrorKind::Gone;
        why.httpStatus = 410;
    }
    if (isUnavailableVersion(why)) {
        relistUnavailable(why);
        return;
    }
    if (startFailed && (why.kind == ErrorKind::Forbidden || why.kind == ErrorKind::Config)) {
        setState(State::Failed, why);
        if (why.kind == ErrorKind::Config)
            return;
    }
    if (!startFailed && error.kind == ErrorKind::Timeout && error.httpStatus == 0)
        ++m_stats.idleTimeouts;
    // A watch that ends quickly counts as a failure, so a server that closes watches at once (or
    // after one event) is not hammered.
    const bool quick = lived < kHealthyWatchMs;
    if (!startFailed && !why.isError() && !quick) {
        startWatch();  // a normal timeout: continue from the last resourceVersion
        return;
    }
    if (!why.isError()) {
        why.kind = ErrorKind::Network;
        why.message = m_watchEvents == 0 ? QStringLiteral("the watch of %1 ended at once").arg(m_resource.groupResource())
                                         : QStringLiteral("the watch of %1 ended within a second").arg(m_resource.groupResource());
    }
    backoffThen(&Informer::startWatch, why);
}

void Informer::relistUnavailable(const ApiError &why)
{
    if (isResourceVersionTooLarge(why))
        ++m_stats.relistsOnTooLarge;
    else
        ++m_stats.relistsOnGone;
    // client-go relists at once after 410; a server that answers 410 to every watch or page must
    // not turn that into a loop.
    if (m_relistStreak++ == 0) {
        relist(false);
        return;
    }
    backoffThen(&Informer::relistFromBackoff, why);
}

void Informer::backoffThen(void (Informer::*next)(), const ApiError &error)
{
    if (m_stopped)
        return;
    ++m_stats.backoffs;
    m_backoffMs = m_backoffMs == 0 ? m_backoffInitialMs : std::min(m_backoffMs * 2, m_backoffMaxMs);
    // Jitter up to +100 %, as client-go's backoff manager with jitter 1.0.
    int delay = m_backoffMs + std::uniform_int_distribution<int>(0, m_backoffMs)(m_rng);
    delay = std::min(delay, m_backoffMaxMs);
    // The server said when to come back (429, or a 503 with Retry-After): never sooner.
    if (error.retryAfterSeconds && *error.retryAfterSeconds > 0)
        delay = std::max(delay, static_cast<int>(std::min<qint64>(qint64(*error.retryAfterSeconds) * 1000, kMaxRetryAfterMs)));
    if (m_state != State::Failed)
        setState(State::Backoff, error);
    const quint64 gen = ++m_generation;
    m_retryTimer.disconnect();
    connect(&m_retryTimer, &QTimer::timeout, this, [this, next, gen] {
        if (gen == m_generation && !m_stopped)
            (this->*next)();
    });
    m_retryTimer.start(delay);
}

}  // namespace pilothouse::backends::kube
