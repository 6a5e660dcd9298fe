// One informer per (resource, namespace, label selector, form) for a whole session, shared by
// every view that watches it and reference counted, like client-go's SharedInformerFactory:
// pods watched by the browser, the Rollouts page and a scaling view are listed and watched once.
// Lives on the session's worker thread, as do the informers it makes.
#pragma once

#include "kube/api/kubeclient.h"
#include "kube/api/resourceref.h"
#include "kube/cache/informer.h"

#include <QHash>
#include <QObject>

namespace pilothouse::backends::kube {

struct WatchSpec {
    ResourceRef resource;
    QString ns;              // "" for all namespaces (and for cluster-scoped kinds)
    QString labelSelector;   // "" for every object
    bool table = false;      // the server's Table form (kubectl's columns), for the generic browser
    // Objects without their JSON (KubeObject::hasJson() false): summaries and identity only, for
    // lists that can be huge (the browser's pods). Consumers that parse objects leave it false.
    bool summaryOnly = false;

    // Identity of the informer: two specs with the same key share one. A cluster-scoped kind's
    // namespace is ignored (the informer lists them all anyway).
    QString key() const;
    friend bool operator==(const WatchSpec &a, const WatchSpec &b) { return a.key() == b.key(); }
};

class SharedInformerFactory : public QObject {
    Q_OBJECT

public:
    explicit SharedInformerFactory(KubeClient *client, QObject *parent = nullptr);
    ~SharedInformerFactory() override;

    // The informer for `spec`, started on first use; every acquire() is paired with a release().
    Informer *acquire(const WatchSpec &spec);
    // The last release stops and deletes the informer.
    void release(const WatchSpec &spec);

    int informerCount() const { return static_cast<int>(m_entries.size()); }
    int refCount(const WatchSpec &spec) const;
    QList<WatchSpec> active() const;

    // Applied to informers made from now on (tests shorten them).
    void setBackoff(int initialMs, int maxMs) { m_backoffInitialMs = initialMs; m_backoffMaxMs = maxMs; }
    void setBatchInterval(int ms) { m_batchMs = ms; }

Q_SIGNALS:
    // For diagnostics (the engine room's counts) and tests.
    void informerStarted(const pilothouse::backends::kube::WatchSpec &spec);
    void informerStopped(const pilothouse::backends::kube::WatchSpec &spec);

private:
    struct Entry {
        WatchSpec spec;
        Informer *informer = nullptr;
        int refs = 0;
    };
    KubeClient *m_client;
    QHash<QString, Entry> m_entries;
    int m_backoffInitialMs = -1;
    int m_backoffMaxMs = -1;
    int m_batchMs = -1;
};

}  // namespace pilothouse::backends::kube

Q_DECLARE_METATYPE(pilothouse::backends::kube::WatchSpec)
