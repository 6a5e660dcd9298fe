// RolloutWatch::Deriver: the Rollouts view's snapshot derived on the worker. Only the object in
// focus gets its children; an object is derived again only when its version (or, in focus, its
// children's) changed.
#include "kube/cache/kubeobject.h"
#include "rollouts/rolloutwatch.h"
#include "rolloutfixture.h"

#include <QJsonArray>
#include <QTest>

using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;
using pilothouse::backends::rollouts::RolloutWatch;
using pilothouse::backends::rollouts::RolloutsSnapshot;

namespace {

// The informers' stores, as a projection hands them to the deriver.
struct World {
    QHash<QString, KubeObjectPtr> rollouts, deployments, replicaSets, pods, runs;

    static KubeObjectPtr objectOf(QJsonObject o, const QString &resourceVersion)
    {
        QJsonObject meta = o.value(QStringLiteral("metadata")).toObject();
        meta.insert(QStringLiteral("resourceVersion"), resourceVersion);
        o.insert(QStringLiteral("metadata"), meta);
        const QJsonObject list{{QStringLiteral("kind"), QStringLiteral("List")},
                               {QStringLiteral("metadata"), QJsonObject{{QStringLiteral("resourceVersion"), QStringLiteral("1")}}},
                               {QStringLiteral("items"), QJsonArray{o}}};
        ObjectParser parser(SummaryKind::None);
        auto parsed = parser.parseList(QJsonDocument(list).toJson(QJsonDocument::Compact));
        if (!parsed || parsed.value().items.size() != 1)
            qFatal("the object parser refused a fixture object");
        return parsed.value().items.front();
    }
    static void put(QHash<QString, KubeObjectPtr> &into, const QJsonObject &o, const QString &resourceVersion = QStringLiteral("1"))
    {
        const KubeObjectPtr p = objectOf(o, resourceVersion);
        into.insert(p->key(), p);
    }

    ProjectionInputs inputs(bool focus, const QString &ns = {}, const QString &selector = {}) const
    {
        auto input = [](const QHash<QString, KubeObjectPtr> &objects, const QString &inNs, const QString &inSelector) {
            ProjectionInput in;
            in.spec.ns = inNs;
            in.spec.labelSelector = inSelector;
            in.objects = &objects;
            in.synced = true;
            in.state = Informer::State::Watching;
            return in;
        };
        ProjectionInputs out{input(rollouts, {}, {}), input(deployments, {}, {})};
        if (focus)
            out << input(replicaSets, ns, selector) << input(pods, ns, selector) << input(runs, ns, {});
        return out;
    }
};

QJsonObject renamed(QJsonObject o, const QString &name, const QString &uid, const QString &app)
{
    QJsonObject meta = o.value(QStringLiteral("metadata")).toObject();
    meta.insert(QStringLiteral("name"), name);
    meta.insert(QStringLiteral("uid"), uid);
    o.insert(QStringLiteral("metadata"), meta);
    QJsonObject spec = o.value(QStringLiteral("spec")).toObject();
    spec.insert(QStringLiteral("selector"), QJsonObject{{QStringLiteral("matchLabels"), QJsonObject{{QStringLiteral("app"), app}}}});
    o.insert(QStringLiteral("spec"), spec);
    return o;
}

}  // namespace

class TestRolloutWatch : public QObject {
    Q_OBJECT

    RolloutFixture m_fixture;
    World m_world;

private Q_SLOTS:
    void init()
    {
        m_fixture = loadRolloutFixture(QStringLiteral("bluegreen-paused.yaml"));
        QVERIFY2(m_fixture.error.isEmpty(), qPrintable(m_fixture.error));
        QVERIFY(!m_fixture.replicaSets.isEmpty() && !m_fixture.pods.isEmpty());
        m_world = World();
        World::put(m_world.rollouts, m_fixture.rollout);
        // A second Rollout of the same namespace with another selector: never in focus here.
        World::put(m_world.rollouts, renamed(m_fixture.rollout, QStringLiteral("basket"), QStringLiteral("uid-basket"), QStringLiteral("basket")));
        for (const QJsonObject &rs : std::as_const(m_fixture.replicaSets))
            World::put(m_world.replicaSets, rs);
        for (const QJsonObject &pod : std::as_const(m_fixture.pods))
            World::put(m_world.pods, pod);
    }

    void aSelectorBecomesALabelQuery()
    {
        QCOMPARE(RolloutWatch::Deriver::selectorOf(m_fixture.rollout), QStringLiteral("app=storefront"));
        const QJsonObject withExpressions{
            {QStringLiteral("spec"),
             QJsonObject{{QStringLiteral("selector"),
                          QJsonObject{{QStringLiteral("matchLabels"), QJsonObject{{QStringLiteral("app"), QStringLiteral("web")}}},
                                      {QStringLiteral("matchExpressions"),
                                       QJsonArray{QJsonObject{{QStringLiteral("key"), QStringLiteral("tier")},
                                                              {QStringLiteral("operator"), QStringLiteral("In")},
                                                              {QStringLiteral("values"), QJsonArray{QStringLiteral("a"), QStringLiteral("b")}}},
                                                  QJsonObject{{QStringLiteral("key"), QStringLiteral("canary")},
                                                              {QStringLiteral("operator"), QStringLiteral("DoesNotExist")}}}}}}}}};
        QCOMPARE(RolloutWatch::Deriver::selectorOf(withExpressions), QStringLiteral("app=web,tier in (a,b),!canary"));
        QCOMPARE(RolloutWatch::Deriver::selectorOf(QJsonObject{{QStringLiteral("spec"), QJsonObject{}}}), QString());
    }

    void onlyTheObjectInFocusGetsItsChildren()
    {
        RolloutWatch::Deriver deriver;
        const RolloutsSnapshot s = deriver.derive(m_world.inputs(true, QStringLiteral("shop"), QStringLiteral("app=storefront")));
        QVERIFY(s.synced);
        QCOMPARE(s.focusId(), QStringLiteral("shop|app=storefront"));
        QCOMPARE(s.rolloutKeys, (QStringList{QStringLiteral("shop/basket"), QStringLiteral("shop/storefront")}));

        const auto focused = s.rollouts.value(QStringLiteral("shop/storefront"));
        QVERIFY(!focused.revisions.isEmpty());
        int podsAttached = 0;
        for (const auto &r : focused.revisions)
            podsAttached += int(r.pods.size());
        QCOMPARE(podsAttached, int(m_fixture.pods.size()));
        QCOMPARE(s.focusPodTiles.size(), m_fixture.pods.size());
        QVERIFY(s.versions.value(QStringLiteral("Rollout:shop/storefront")).startsWith(QStringLiteral("1+")));

        // Same namespace, another selector: no children, and the version says so.
        QVERIFY(s.rollouts.value(QStringLiteral("shop/basket")).revisions.isEmpty());
        QCOMPARE(s.versions.value(QStringLiteral("Rollout:shop/basket")), QStringLiteral("1-"));
        // The list's rows carry the selector the view focuses with.
        for (const auto &row : s.summaries)
            QCOMPARE(row.selector, row.name == QLatin1String("basket") ? QStringLiteral("app=basket") : QStringLiteral("app=storefront"));
    }

    void unchangedObjectsAreNotDerivedAgain()
    {
        RolloutWatch::Deriver deriver;
        const auto inputs = [&] { return m_world.inputs(true, QStringLiteral("shop"), QStringLiteral("app=storefront")); };
        // Two plain infos, and the focused one with its children.
        QCOMPARE(deriver.derive(inputs()).derivations, 3);
        QCOMPARE(deriver.derive(inputs()).derivations, 0);

        // The unfocused Rollout changes: it alone.
        World::put(m_world.rollouts, renamed(m_fixture.rollout, QStringLiteral("basket"), QStringLiteral("uid-basket"), QStringLiteral("basket")),
                   QStringLiteral("2"));
        QCOMPARE(deriver.derive(inputs()).derivations, 1);

        // A pod of the focused Rollout changes: its info with children again, and it shows the pod.
        QJsonObject pod = m_fixture.pods.first();
        const QString podName = pod.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("name")).toString();
        QJsonObject meta = pod.value(QStringLiteral("metadata")).toObject();
        meta.insert(QStringLiteral("deletionTimestamp"), QStringLiteral("2026-12-06T10:00:00Z"));
        pod.insert(QStringLiteral("metadata"), meta);
        World::put(m_world.pods, pod, QStringLiteral("7"));
        const RolloutsSnapshot s = deriver.derive(inputs());
        QCOMPARE(s.derivations, 1);
        bool terminating = false;
        for (const auto &r : s.rollouts.value(QStringLiteral("shop/storefront")).revisions)
            for (const auto &p : r.pods)
                if (p.name == podName)
                    terminating = p.status == QLatin1String("Terminating");
        QVERIFY2(terminating, qPrintable(podName));
    }

    void leavingTheFocusDropsTheChildren()
    {
        RolloutWatch::Deriver deriver;
        QVERIFY(!deriver.derive(m_world.inputs(true, QStringLiteral("shop"), QStringLiteral("app=storefront")))
                     .rollouts.value(QStringLiteral("shop/storefront")).revisions.isEmpty());
        const RolloutsSnapshot s = deriver.derive(m_world.inputs(false));
        QVERIFY(!s.hasFocus);
        QVERIFY(s.focusId().isEmpty());
        QVERIFY(s.rollouts.value(QStringLiteral("shop/storefront")).revisions.isEmpty());
        QVERIFY(s.focusPods.isEmpty() && s.focusPodTiles.isEmpty());
        QCOMPARE(s.versions.value(QStringLiteral("Rollout:shop/storefront")), QStringLiteral("1-"));
        // The plain info was kept from before: nothing derived again.
        QCOMPARE(s.derivations, 0);

        // Focus on the other Rollout: it derives with its (no) children, storefront stays plain.
        const RolloutsSnapshot other = deriver.derive(m_world.inputs(true, QStringLiteral("shop"), QStringLiteral("app=basket")));
        QVERIFY(other.rollouts.value(QStringLiteral("shop/storefront")).revisions.isEmpty());
        QVERIFY(other.versions.value(QStringLiteral("Rollout:shop/basket")).startsWith(QStringLiteral("1+")));
        QCOMPARE(other.derivations, 1);
    }
};

QTEST_GUILESS_MAIN(TestRolloutWatch)
#include "tst_rolloutwatch.moc"
