// A list+watch informer for one resource in one namespace scope, with client-go Reflector
// semantics: paged list, watch from the list's resourceVersion with bookmarks, relist on 410
// (also for an expired continue token), jittered backoff 0.8 s -> 30 s without a relist on
// connection errors, resourceVersion compared for equality only, ERROR events handled,
// malformed lines skipped and counted. It hands out batched change sets as value snapshots.
// Under faults:
// - Watching means answered: the state becomes Watching when the watch's 2xx response headers
//   arrive, not when it is sent (KubeSession's "Live" is all informers Watching). A re-watch
//   after a clean end (the server's timeoutSeconds) keeps Watching: nothing was missed.
// - Idle timeout: a watch (asked with timeoutSeconds 300-600 and bookmarks, which kube-apiserver
//   sends about every minute) that brings no byte for the idle limit (default 120 s) is dropped,
//   state Backoff, and watched again from the last resourceVersion without a relist: a half-open
//   connection cannot leave a view frozen while the status says Live.
// - Every retry path backs off: a non-410 ERROR event (500, 429, ...) re-watches from the last
//   resourceVersion after the backoff, never at once; relists for an unavailable resourceVersion
//   (410 Gone/Expired on the watch, an expired continue token) are immediate the first time, as
//   client-go's, and back off when they repeat without a watch that stayed up in between. A watch
//   ending within a second (with or without events) is a failure. The backoff starts afresh
//   after a watch that was answered and stayed up for a second.
// - Retry-After: on 429 (or any error carrying it), the header or Status
//   details.retryAfterSeconds is the least wait before the next list or watch.
// - "Too large resource version" (504/Timeout whose Status cause is ResourceVersionTooLarge or
//   whose message says so, on the watch or the list) -> relist from scratch, as client-go does.
#pragma once

#include "core/result.h"
#include "kube/api/kubeclient.h"
#include "kube/cache/kubeobject.h"
#include "kube/api/resourceref.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMetaType>
#include <QObject>
#include <QTimer>

#include <atomic>
#include <memory>
#include <random>
#include <vector>

namespace pilothouse::backends::kube {

struct ObjectChange {
    enum class Type { Added, Modified, Deleted };
    Type type;
    KubeObjectPtr object;
};
using ChangeBatch = std::vector<ObjectChange>;
using ObjectList = std::vector<KubeObjectPtr>;

class Informer : public QObject {
    Q_OBJECT

public:
    enum class State { Idle, Listing, Watching, Backoff, Failed };
    Q_ENUM(State)

    struct Stats {
        int lists = 0;            // complete (re)lists
        int relistsOnGone = 0;    // relists caused by 410 Gone / Expired
        int watchesStarted = 0;
        int bookmarks = 0;
        int malformedLines = 0;
        int backoffs = 0;
        int relistsOnTooLarge = 0;  // relists because the server had not seen our resourceVersion yet
        int idleTimeouts = 0;       // watches dropped for silence
    };

    // Lives on the thread that calls start() (the client's thread).
    Informer(KubeClient *client, ResourceRef resource, QString ns = {}, QObject *parent = nullptr);
    ~Informer() override;

    void start();
    void stop();
    // Emits the changes batched so far at once (a consumer joining takes store() right after).
    void flush();

    State state() const { return m_state; }
    // Why the informer is in Backoff or Failed (no error in the other states).
    ApiError lastError() const { return m_lastError; }
    Stats stats() const { return m_stats; }
    QString lastResourceVersion() const { return m_lastRv; }
    const ResourceRef &resource() const { return m_resource; }
    ObjectList snapshot() const;  // on the informer's thread
    int size() const { return static_cast<int>(m_store.size()); }
    // The objects as of the last sync and change batch emitted (on the informer's thread), so a
    // consumer that joins a running informer starts from what earlier ones were given.
    const QHash<QString, KubeObjectPtr> &store() const { return m_store; }
    // A list has completed since start(): store() is the server's content, not a partial one.
    bool hasSynced() const { return m_hasSynced; }

    // Tests shorten these.
    void setBackoff(int initialMs, int maxMs) { m_backoffInitialMs = initialMs; m_backoffMaxMs = maxMs; }
    // Silence after which a watch is dropped and resumed (0: never). Must stay well above the
    // server's bookmark interval (about a minute for kube-apiserver).
    void setIdleTimeout(int ms) { m_idleTimeoutMs = ms; }
    int idleTimeout() const { return m_idleTimeoutMs; }
    void setBatchInterval(int ms) { m_batchTimer.setInterval(ms); }
    void setPageSize(int items) { m_pageSize = items; }
    // Rows of the server's Table form (kubectl's columns) instead of typed objects: works for
    // every kind, custom resources included. Call before start().
    void setTableMode(bool on);
    // False: objects carry their summary and identity but not their JSON (the browser's pods, so
    // that 100,000 of them fit in 2 KB each; the detail pane reads the object it shows). Call
    // before start().
    void setKeepJson(bool keep);
    bool keepsJson() const { return m_keepJson; }
    // Lists and watches only objects matching a label selector ("app=web,tier!=cache"), as
    // kubectl's -l; empty watches everything. Call before start().
    void setLabelSelector(const QString &selector) { m_labelSelector = selector; }
    QString labelSelector() const { return m_labelSelector; }
    QList<TableColumn> columns() const { return m_columns; }

Q_SIGNALS:
    // After every complete (re)list: the whole content. Receivers replace what they had.
    void synced(const pilothouse::backends::kube::ObjectList &objects);
    // Table mode: the server's columns, emitted before each synced().
    void columnsChanged(const QList<pilothouse::backends::kube::TableColumn> &columns);
    // While a list is read page by page: the objects received so far and the total the server
    // announced (remainingItemCount; -1 when it did not say). Once per page.
    void listProgress(int received, int total);
    // Incremental changes since the last sync or batch, in order.
    void changed(const pilothouse::backends::kube::ChangeBatch &batch);
    // The store changed with a watch event, before the batch carrying it is delivered: for
    // receivers on the informer's thread that read the store (projections), which need not wait
    // for the batch.
    void storeChanged();
    void stateChanged(pilothouse::backends::kube::Informer::State state, const pilothouse::backends::ApiError &lastError);

private:
    void listPage(const QString &continueToken);
    void onListPage(const KubeReply &reply);
    void finishList(const QString &resourceVersion);
    void startWatch();
    void onWatchAnswered();
    void onWatchLine(const QByteArray &line);
    void onWatchFinished(const ApiError &transportError, bool startFailed, int status);
    void relist(bool becauseGone);
    void relistFromBackoff();
    // A relist because our resourceVersion is unavailable (410, too large, expired continue):
    // at once the first time, after the backoff when it keeps happening.
    void relistUnavailable(const ApiError &why);
    static QString continueTokenFromHead(const QByteArray &body);
    void backoffThen(void (Informer::*next)(), const ApiError &error);
    void setState(State s, const ApiError &error = {});

    KubeClient *m_client;
    ResourceRef m_resource;
    QString m_ns;
    ObjectParser m_parser;
    bool m_tableMode = false;
    bool m_keepJson = true;
    QString m_labelSelector;
    bool m_hasSynced = false;
    QList<TableColumn> m_columns;
    QList<TableColumn> m_listingColumns;
    QHash<QString, KubeObjectPtr> m_store;
    QHash<QString, KubeObjectPtr> m_listing;   // pages of a list in progress
    QString m_lastRv;
    State m_state = State::Idle;
    ApiError m_lastError;
    Stats m_stats;
    ChangeBatch m_pending;
    QTimer m_batchTimer;
    QTimer m_retryTimer;
    http::RequestId m_watchId = 0;
    QElapsedTimer m_watchClock;
    int m_watchEvents = 0;
    bool m_stopped = true;
    bool m_watchAnswered = false;  // the current watch's 2xx headers arrived
    ApiError m_watchError;         // the ERROR event that ended the current watch, if any
    int m_backoffMs = 0;
    int m_backoffInitialMs = 800;
    int m_backoffMaxMs = 30000;
    int m_idleTimeoutMs = 120000;
    int m_relistStreak = 0;        // relists for an unavailable resourceVersion since a watch last stayed up
    int m_pageSize = 500;
    quint64 m_generation = 0;      // drops answers that belong to an abandoned list or watch
    std::mt19937 m_rng{std::random_device{}()};
};

}  // namespace pilothouse::backends::kube

Q_DECLARE_METATYPE(pilothouse::backends::kube::ObjectList)
Q_DECLARE_METATYPE(pilothouse::backends::kube::ChangeBatch)
Q_DECLARE_METATYPE(pilothouse::backends::ApiError)
Q_DECLARE_METATYPE(QList<pilothouse::backends::kube::TableColumn>)
