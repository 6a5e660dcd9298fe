// The list+watch loop of an informer (client-go's Reflector.ListAndWatch, on Qt's event loop).
#include "kube/cache/informer.h"

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
}

Informer::~Informer() { stop(); }

namespace {
const QByteArray kTableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
}

void Informer::setTableMode(bool on)
{
    m_tableMode = on;
    m_parser.setKind(on ? SummaryKind::Table : summaryKindFor(m_resource.kind));
}

void Informer::start()
{
    if (!m_stopped)
        return;
    m_stopped = false;
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
        if (reply.error.kind == ErrorKind::Gone) {
            // An expired continue token: the list starts again from the first page.
            ++m_stats.relistsOnGone;
            m_listing.clear();
            listPage({});
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
    for (auto &o : page.value().items)
        m_listing.insert(o->key(), std::move(o));
    if (!page.value().continueToken.isEmpty()) {
        if (page.value().continueToken != early)
            listPage(page.value().continueToken);
        return;
    }
    m_store.swap(m_listing);
    m_listing.clear();
    m_listing.squeeze();
    m_parser.releaseMemory();
#ifdef __GLIBC__
    // A list leaves tens of MB of freed page buffers in malloc's arenas; give them back, so the
    // resident size reflects what the informer keeps (one call per list, not per event).
    malloc_trim(0);
#endif
    m_lastRv = page.value().resourceVersion;
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
    m_gone = false;
    m_watchEvents = 0;
    m_watchClock.start();
    ++m_stats.watchesStarted;
    KubeClient::WatchHandlers h;
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
    m_watchId = m_client->stream(m_resource.collectionPath(m_ns) + QLatin1Char('?') + q.toString(QUrl::FullyEncoded), this, h, 0,
                                 m_tableMode ? kTableAccept : QByteArray());
    if (m_watchId)
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
    ++m_watchEvents;
    switch (ev.type) {
    case ParsedEvent::Type::Error:
        if (ev.error.kind == ErrorKind::Gone || ev.error.httpStatus == 410)
            m_gone = true;
        return;  // the server ends the stream after an ERROR event
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
    if (m_gone || status == 410 || error.kind == ErrorKind::Gone) {
        relist(true);
        return;
    }
    if (startFailed && (error.kind == ErrorKind::Forbidden || error.kind == ErrorKind::Config)) {
        setState(State::Failed, error);
        if (error.kind == ErrorKind::Config)
            return;
    }
    // A watch that ends quickly without events counts as a failure, so a server that closes
    // watches at once is not hammered.
    bool quickEmpty = m_watchClock.elapsed() < 1000 && m_watchEvents == 0;
    if (!startFailed && !error.isError() && !quickEmpty) {
        m_backoffMs = 0;
        startWatch();  // a normal timeout: continue from the last resourceVersion
        return;
    }
    ApiError why = error;
    if (!why.isError()) {
        why.kind = ErrorKind::Network;
        why.message = QStringLiteral("the watch of %1 ended at once").arg(m_resource.groupResource());
    }
    backoffThen(&Informer::startWatch, why);
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
