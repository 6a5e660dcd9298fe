// The session's shared informers against pilothouse-sim: one informer per (resource, namespace,
// selector) however many views watch it, a late subscriber starting from what is there, label
// selectors, projections computed on the worker and delivered once per burst, and subscriptions
// that follow the session through a reconnect.
#include "http/httpengine.h"
#include "kube/auth/credentials.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"

#include "simprocess.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;
using namespace pilothouse::testsupport;

namespace {

WatchSpec podsIn(const QString &ns, const QString &selector = {}) { return WatchSpec{ResourceRef::pods(), ns, selector, false}; }
// The browser's pods: summaries without JSON (KubeSession's pod feed).
WatchSpec podSummariesIn(const QString &ns) { return WatchSpec{ResourceRef::pods(), ns, {}, false, true}; }

QStringList namesOf(const ObjectList &objects)
{
    QStringList out;
    for (const auto &o : objects)
        out << o->name;
    out.sort();
    return out;
}

}  // namespace

class TestSharedInformers : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    std::unique_ptr<http::HttpEngine> m_engine;
    QTemporaryDir m_dir;
    std::unique_ptr<KubeSession> m_session;

    // The informers the session's factory runs now.
    QList<WatchSpec> activeInformers()
    {
        QList<WatchSpec> specs;
        bool done = false;
        m_session->countInformers(this, [&](int, QList<WatchSpec> active) {
            specs = active;
            done = true;
        });
        if (!QTest::qWaitFor([&] { return done; }, 5000))
            qFatal("the session did not answer countInformers");
        return specs;
    }
    int informersFor(const WatchSpec &spec)
    {
        int n = 0;
        for (const WatchSpec &s : activeInformers())
            n += s == spec ? 1 : 0;
        return n;
    }

    bool scaleWeb(int replicas)
    {
        const std::string body = "{\"spec\":{\"replicas\":" + std::to_string(replicas) + "}}";
        return m_sim->request("PATCH", "/apis/apps/v1/namespaces/demo/deployments/web/scale", body,
                              "application/merge-patch+json").status == 200;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_sim = std::make_unique<SimProcess>();
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        m_engine = std::make_unique<http::HttpEngine>();
        m_session = std::make_unique<KubeSession>(m_engine.get(), std::make_shared<ExecApprovalStore>(m_dir.filePath(QStringLiteral("approvals.json"))));
        auto config = Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY(config.ok());
        m_session->connectTo(config.value(), QStringLiteral("sim-admin"));
        QTRY_COMPARE_WITH_TIMEOUT(m_session->state(), KubeSession::ConnectionState::Live, 15000);
        m_session->setNamespace(QStringLiteral("demo"));
    }

    void viewsWatchingTheSameResourceShareOneInformer()
    {
        // The browser already watches pod summaries in "demo" (the session's namespace scope).
        QTRY_COMPARE_WITH_TIMEOUT(informersFor(podSummariesIn(QStringLiteral("demo"))), 1, 10000);
        QObject owner;
        InformerFeed *a = m_session->feed(podSummariesIn(QStringLiteral("demo")), &owner);
        InformerFeed *b = m_session->feed(podSummariesIn(QStringLiteral("demo")), &owner);
        QSignalSpy syncedA(a, &InformerFeed::synced), syncedB(b, &InformerFeed::synced);
        QTRY_VERIFY_WITH_TIMEOUT(syncedA.count() == 1 && syncedB.count() == 1, 10000);
        // A subscriber joining a running informer starts from the same content.
        const ObjectList first = syncedA.first().first().value<ObjectList>();
        QVERIFY(!first.empty());
        QCOMPARE(namesOf(syncedB.first().first().value<ObjectList>()), namesOf(first));
        QCOMPARE(informersFor(podSummariesIn(QStringLiteral("demo"))), 1);
        QCOMPARE(activeInformers().size(), 3);  // namespaces, pods and deployments of the browser
        // Summaries only: no pod of the browser's informer carries its JSON.
        for (const auto &o : first)
            QVERIFY2(!o->hasJson() && o->pod(), qPrintable(o->key()));
    }

    void objectsWithTheirJsonComeFromAnotherInformer()
    {
        QObject owner;
        InformerFeed *full = m_session->feed(podsIn(QStringLiteral("demo")), &owner);
        QSignalSpy synced(full, &InformerFeed::synced);
        QTRY_COMPARE_WITH_TIMEOUT(synced.count(), 1, 10000);
        const ObjectList objects = synced.first().first().value<ObjectList>();
        QVERIFY(!objects.empty());
        for (const auto &o : objects)
            QVERIFY2(o->hasJson() && o->json().contains("\"containers\""), qPrintable(o->key()));
        QCOMPARE(informersFor(podsIn(QStringLiteral("demo"))), 1);
        QCOMPARE(informersFor(podSummariesIn(QStringLiteral("demo"))), 1);
    }

    void aClusterScopedKindIgnoresTheNamespace()
    {
        // Namespaces are cluster-scoped: asked "in demo" or everywhere, they are one informer.
        const WatchSpec inDemo{ResourceRef::namespaces(), QStringLiteral("demo"), {}, false};
        const WatchSpec everywhere{ResourceRef::namespaces(), {}, {}, false};
        QVERIFY(inDemo == everywhere);
        QVERIFY(!(podsIn(QStringLiteral("demo")) == podsIn(QString())));
        QObject owner;
        InformerFeed *f = m_session->feed(inDemo, &owner);
        QTRY_VERIFY_WITH_TIMEOUT(f->isSynced(), 10000);
        QCOMPARE(informersFor(everywhere), 1);
    }

    void theLastReleaseStopsAnInformer()
    {
        const WatchSpec spec = podsIn(QStringLiteral("demo"), QStringLiteral("app=api"));
        auto owner = std::make_unique<QObject>();
        InformerFeed *a = m_session->feed(spec, owner.get());
        InformerFeed *b = m_session->feed(spec, owner.get());
        QTRY_VERIFY_WITH_TIMEOUT(a->isSynced() && b->isSynced(), 10000);
        QCOMPARE(informersFor(spec), 1);
        delete a;
        QCOMPARE(informersFor(spec), 1);  // b still watches
        owner.reset();
        QTRY_COMPARE_WITH_TIMEOUT(informersFor(spec), 0, 5000);
    }

    void aLabelSelectorWatchesOnlyMatchingObjects()
    {
        QObject owner;
        InformerFeed *web = m_session->feed(podsIn(QStringLiteral("demo"), QStringLiteral("app=web")), &owner);
        InformerFeed *all = m_session->feed(podsIn(QStringLiteral("demo")), &owner);
        QSignalSpy webSynced(web, &InformerFeed::synced), allSynced(all, &InformerFeed::synced);
        QTRY_VERIFY_WITH_TIMEOUT(webSynced.count() == 1 && allSynced.count() == 1, 10000);
        const QStringList webPods = namesOf(webSynced.first().first().value<ObjectList>());
        const QStringList allPods = namesOf(allSynced.first().first().value<ObjectList>());
        QVERIFY(!webPods.isEmpty());
        QVERIFY2(webPods.size() < allPods.size(), qPrintable(allPods.join(u' ')));
        for (const QString &name : webPods)
            QVERIFY2(name.startsWith(QLatin1String("web-")), qPrintable(name));
    }

    void aProjectionIsComputedOnTheWorkerAndFollowsChanges()
    {
        QObject owner;
        std::atomic<bool> computedOnGuiThread{false};
        QThread *gui = QThread::currentThread();
        QList<int> delivered;
        int computations = 0;
        Projection *p = m_session->project<int>(
            {podsIn(QStringLiteral("demo"), QStringLiteral("app=web"))},
            [&](const ProjectionInputs &in) {
                if (QThread::currentThread() == gui)
                    computedOnGuiThread = true;
                ++computations;
                return in.first().synced ? static_cast<int>(in.first().objects->size()) : -1;
            },
            &owner, [&](const int &count) { delivered << count; });
        QVERIFY(p);
        QTRY_VERIFY_WITH_TIMEOUT(!delivered.isEmpty() && delivered.last() > 0, 10000);
        const int before = delivered.last();
        QVERIFY(scaleWeb(before + 2));
        QTRY_COMPARE_WITH_TIMEOUT(delivered.last(), before + 2, 15000);
        QVERIFY(!computedOnGuiThread);
        // Changes are coalesced: far fewer computations than pod events (each new pod changes
        // several times while it is scheduled and started).
        QVERIFY2(computations < 20, qPrintable(QString::number(computations)));
        QVERIFY(scaleWeb(before));
        QTRY_COMPARE_WITH_TIMEOUT(delivered.last(), before, 15000);
    }

    void aProjectionsInputsCanChange()
    {
        QObject owner;
        QList<QStringList> delivered;
        Projection *p = m_session->project<QStringList>(
            {podsIn(QStringLiteral("demo"), QStringLiteral("app=web"))},
            [](const ProjectionInputs &in) {
                QStringList names;
                for (const auto &o : *in.first().objects)
                    names << o->name;
                names.sort();
                return in.first().synced ? names : QStringList();
            },
            &owner, [&](const QStringList &names) { delivered << names; });
        QTRY_VERIFY_WITH_TIMEOUT(!delivered.isEmpty() && !delivered.last().isEmpty(), 10000);
        QVERIFY(delivered.last().first().startsWith(QLatin1String("web-")));
        p->setInputs({podsIn(QStringLiteral("demo"), QStringLiteral("app=api"))});
        QTRY_VERIFY_WITH_TIMEOUT(!delivered.last().isEmpty() && delivered.last().first().startsWith(QLatin1String("api-")), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(informersFor(podsIn(QStringLiteral("demo"), QStringLiteral("app=web"))), 0, 5000);
    }

    // Last: it reconnects the session.
    void subscriptionsFollowTheSessionThroughAReconnect()
    {
        QObject owner;
        InformerFeed *feed = m_session->feed(podsIn(QStringLiteral("demo"), QStringLiteral("app=web")), &owner);
        QSignalSpy synced(feed, &InformerFeed::synced);
        QTRY_COMPARE_WITH_TIMEOUT(synced.count(), 1, 10000);
        auto config = Kubeconfig::load({m_sim->kubeconfigPath()});
        QVERIFY(config.ok());
        m_session->connectTo(config.value(), QStringLiteral("sim-admin"));
        QVERIFY(!feed->isSynced());
        QTRY_COMPARE_WITH_TIMEOUT(synced.count(), 2, 15000);
        QVERIFY(!synced.last().first().value<ObjectList>().empty());
        QCOMPARE(informersFor(podsIn(QStringLiteral("demo"), QStringLiteral("app=web"))), 1);
    }

    // The coalescing interval throttles, it does not delay: a change after a quiet stretch is
    // computed at once; changes that follow it within the interval wait for its end.
    void aProjectionComputesAQuietChangeAtOnceAndABusyOneOncePerInterval()
    {
        const int intervalMs = 1500;
        QObject owner;
        QList<std::pair<qint64, int>> delivered;  // (ms on the test's clock, ConfigMaps seen)
        QElapsedTimer clock;
        clock.start();
        Projection *p = m_session->project<int>(
            {WatchSpec{ResourceRef::configMaps(), QStringLiteral("demo"), {}, false}},
            [](const ProjectionInputs &in) { return static_cast<int>(in.first().objects->size()); }, &owner,
            [&](const int &count) { delivered << std::pair{clock.elapsed(), count}; });
        p->setCoalesceInterval(intervalMs);
        QTRY_VERIFY_WITH_TIMEOUT(!delivered.isEmpty(), 10000);
        const int before = delivered.last().second;
        // A quiet stretch longer than the interval (what is tested is the passing of time).
        QTRY_VERIFY_WITH_TIMEOUT(clock.elapsed() - delivered.last().first > intervalMs + 200, intervalMs * 3);
        auto createConfigMap = [this](const char *name) {
            const std::string body = std::string("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"") + name + "\"}}";
            return m_sim->request("POST", "/api/v1/namespaces/demo/configmaps", body).status == 201;
        };
        const qint64 sent = clock.elapsed();
        QVERIFY(createConfigMap("throttle-1"));
        QTRY_VERIFY_WITH_TIMEOUT(delivered.last().second == before + 1, 10000);
        const qint64 first = delivered.last().first;
        // At once: the watch event and the informer's 30 ms batch, not the 1.5 s interval.
        QVERIFY2(first - sent < intervalMs / 2, qPrintable(QStringLiteral("%1 ms").arg(first - sent)));
        // Right after it, another change: computed once the interval since the last value passed.
        QVERIFY(createConfigMap("throttle-2"));
        QTRY_VERIFY_WITH_TIMEOUT(delivered.last().second == before + 2, 10000);
        QVERIFY2(delivered.last().first - first >= intervalMs - 300, qPrintable(QStringLiteral("%1 ms").arg(delivered.last().first - first)));
        for (const char *name : {"throttle-1", "throttle-2"})
            QCOMPARE(m_sim->request("DELETE", std::string("/api/v1/namespaces/demo/configmaps/") + name).status, 200);
    }

    // A receiver slower than the worker gets the newest value, not every value computed while it
    // was busy.
    void aSlowReceiverGetsTheNewestValueOnly()
    {
        QObject receiver;
        std::atomic<int> computed{0};
        QList<int> delivered;
        Projection *p = nullptr;
        // Namespaces: an input that does not change meanwhile, so every value comes from recompute().
        p = m_session->project<int>(
            {WatchSpec{ResourceRef::namespaces(), {}, {}, false}}, [&computed](const ProjectionInputs &) { return ++computed; }, &receiver,
            [&](const int &value) {
                delivered << value;
                if (delivered.size() != 1)
                    return;
                // Busy on the GUI thread while the worker computes three more values.
                for (int i = 0; i < 3; ++i) {
                    const int before = computed;
                    p->recompute();
                    QDeadlineTimer deadline(5000);
                    while (computed == before && !deadline.hasExpired())
                        QThread::yieldCurrentThread();
                }
            });
        p->setCoalesceInterval(0);
        QTRY_VERIFY_WITH_TIMEOUT(delivered.size() >= 2, 10000);
        QCoreApplication::processEvents();
        QCoreApplication::processEvents();
        QVERIFY2(delivered.size() == 2, qPrintable(QStringLiteral("%1 values delivered").arg(delivered.size())));
        QCOMPARE(delivered.last(), computed.load());
    }

    void cleanupTestCase()
    {
        m_session.reset();
        m_engine.reset();
        m_sim.reset();
    }
};

QTEST_MAIN(TestSharedInformers)
#include "tst_sharedinformers.moc"
