// Unit tests of the detail pane's lists: events, owned ReplicaSets and selected pods parsed from
// list answers, and the event and related-object models over them under QAbstractItemModelTester.
#include "resources/eventmodel.h"
#include "resources/relatedobjectmodel.h"
#include "workloads/inspect/objectrelations.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTest>

using namespace pilothouse::backends::workloads;
using pilothouse::backends::kube::ResourceRef;
using namespace pilothouse::models;

namespace {

QByteArray eventJson(const char *uid, const char *type, const char *reason, const char *last, int count, const char *message)
{
    return QStringLiteral(R"({"metadata":{"name":"web.%1","namespace":"demo","uid":"%1"},"type":"%2","reason":"%3","lastTimestamp":"%4",)"
                          R"("count":%5,"message":"%6","source":{"component":"deployment-controller"}})")
        .arg(QLatin1String(uid), QLatin1String(type), QLatin1String(reason), QLatin1String(last))
        .arg(count)
        .arg(QLatin1String(message))
        .toUtf8();
}

QByteArray list(const QList<QByteArray> &items) { return "{\"kind\":\"List\",\"items\":[" + items.join(',') + "]}"; }

const QByteArray kScaled = eventJson("e1", "Normal", "ScalingReplicaSet", "2024-06-01T11:58:00Z", 1, "Scaled up replica set web-5d4f to 2");
const QByteArray kBackOff = eventJson("e2", "Warning", "BackOff", "2024-06-01T11:59:30Z", 4, "Back-off pulling image");

QByteArray replicaSet(const char *name, const char *ownerUid, const char *revision, int ready, int desired)
{
    return QStringLiteral(R"({"metadata":{"name":"%1","namespace":"demo","annotations":{"deployment.kubernetes.io/revision":"%3"},)"
                          R"("ownerReferences":[{"kind":"Deployment","name":"web","uid":"%2"}]},"spec":{"replicas":%5},"status":{"readyReplicas":%4}})")
        .arg(QLatin1String(name), QLatin1String(ownerUid), QLatin1String(revision))
        .arg(ready)
        .arg(desired)
        .toUtf8();
}

QByteArray pod(const char *name, const char *phase, bool ready)
{
    return QStringLiteral(R"({"metadata":{"name":"%1","namespace":"demo"},"status":{"phase":"%2","containerStatuses":[{"name":"app","ready":%3}]}})")
        .arg(QLatin1String(name), QLatin1String(phase), ready ? QStringLiteral("true") : QStringLiteral("false"))
        .toUtf8();
}

using TreeRow = RelatedObjectModel::Row;

}  // namespace

class TestResourceModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void eventsParsedNewestFirst()
    {
        const auto events = parseEventList(list({kScaled, kBackOff}));
        QVERIFY2(events.ok(), qPrintable(events.error().message));
        QCOMPARE(events.value().size(), 2);
        QCOMPARE(events.value()[0].reason, QStringLiteral("BackOff"));
        QCOMPARE(events.value()[0].count, 4);
        QCOMPARE(events.value()[0].key, QStringLiteral("e2"));
        QCOMPARE(events.value()[1].source, QStringLiteral("deployment-controller"));
        QCOMPARE(events.value()[1].lastSeen, QDateTime(QDate(2024, 6, 1), QTime(11, 58), Qt::UTC));
        // eventTime when there is no lastTimestamp (events.k8s.io writers), reportingComponent as the source.
        const auto modern = parseEventList(
            R"({"items":[{"metadata":{"name":"x","uid":"u"},"type":"Normal","reason":"Pulled","eventTime":"2024-06-01T10:00:00.123456Z","reportingComponent":"kubelet"}]})");
        QVERIFY(modern.ok());
        QCOMPARE(modern.value()[0].source, QStringLiteral("kubelet"));
        QVERIFY(modern.value()[0].lastSeen.isValid());
        QVERIFY(!parseEventList("not json").ok());
    }

    void eventModelColumnsTonesAndUpdates()
    {
        EventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setNow(QDateTime(QDate(2024, 6, 1), QTime(12, 0), Qt::UTC));
        model.setItems(parseEventList(list({kScaled, kBackOff})).value());
        QCOMPARE(model.rowCount(), 2);
        auto cell = [&](int row, int col, int role = Qt::DisplayRole) { return model.index(row, col).data(role); };
        QCOMPARE(cell(0, EventModel::TypeColumn).toString(), QStringLiteral("Warning"));
        QCOMPARE(cell(0, EventModel::AgeColumn).toString(), QStringLiteral("30s (x4)"));
        QCOMPARE(cell(1, EventModel::AgeColumn).toString(), QStringLiteral("2m"));
        QCOMPARE(cell(1, EventModel::SourceColumn).toString(), QStringLiteral("deployment-controller"));
        QCOMPARE(cell(1, EventModel::MessageColumn, Qt::ToolTipRole).toString(), QStringLiteral("Scaled up replica set web-5d4f to 2"));
        // A warning stands out in every column; a normal event only says its type's tone.
        for (int c = 0; c < EventModel::ColumnCount; ++c)
            QCOMPARE(cell(0, c, StatusToneRole).toInt(), int(StatusTone::Warning));
        QCOMPARE(cell(1, EventModel::TypeColumn, StatusToneRole).toInt(), int(StatusTone::Neutral));
        QVERIFY(!cell(1, EventModel::ReasonColumn, StatusToneRole).isValid());

        // A reload with one new event and the warning counted again: one insertion on top, one change.
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        const QByteArray again = eventJson("e2", "Warning", "BackOff", "2024-06-01T11:59:50Z", 5, "Back-off pulling image");
        const QByteArray killed = eventJson("e3", "Normal", "Killing", "2024-06-01T11:59:55Z", 1, "Stopping container app");
        model.setItems(parseEventList(list({kScaled, again, killed})).value());
        QCOMPARE(reset.count(), 0);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).toModelIndex().row(), 1);
        QCOMPARE(cell(1, EventModel::AgeColumn).toString(), QStringLiteral("10s (x5)"));
        QCOMPARE(cell(0, EventModel::ReasonColumn).toString(), QStringLiteral("Killing"));
    }

    void ownedReplicaSetsAndPods()
    {
        const auto sets = parseOwnedReplicaSets(
            list({replicaSet("web-old", "uid-web", "1", 0, 0), replicaSet("other-1", "uid-other", "4", 1, 1), replicaSet("web-new", "uid-web", "2", 1, 2)}),
            QStringLiteral("uid-web"));
        QVERIFY(sets.ok());
        QCOMPARE(sets.value().size(), 2);
        QCOMPARE(sets.value()[0].name, QStringLiteral("web-new"));  // the newest revision first
        QCOMPARE(sets.value()[0].summary, QStringLiteral("revision 2 · 1/2 ready"));
        QVERIFY(!sets.value()[0].ready);
        QVERIFY(sets.value()[1].ready);  // 0 of 0: scaled down, nothing missing
        QCOMPARE(sets.value()[0].ref.plural, QStringLiteral("replicasets"));

        const auto pods = parsePodList(list({pod("web-1", "Running", true), pod("web-2", "Running", false)}));
        QVERIFY(pods.ok());
        QCOMPARE(pods.value().size(), 2);
        QCOMPARE(pods.value()[1].summary, QStringLiteral("Running · 0/1 ready"));
        QCOMPARE(pods.value()[1].phase, QStringLiteral("Running"));
        QVERIFY(pods.value()[0].ready && !pods.value()[1].ready);
        QCOMPARE(pods.value()[0].ref.kind, QStringLiteral("Pod"));
        QCOMPARE(pods.value()[0].ns, QStringLiteral("demo"));
    }

    void relatedGroupsAndObjects()
    {
        RelatedObjectModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const ResourceRef rs{QStringLiteral("apps"), QStringLiteral("v1"), QStringLiteral("replicasets"), QStringLiteral("ReplicaSet"), true};
        // While the answers are on their way: the groups alone.
        model.setRows({TreeRow{0, RelatedRow::group(QStringLiteral("owners"), QStringLiteral("Owned by"))},
                       TreeRow{1, RelatedRow::object(rs, QStringLiteral("demo"), QStringLiteral("web-5d4f"))},
                       TreeRow{0, RelatedRow::group(QStringLiteral("pods"), QStringLiteral("Pods"))}});
        QCOMPARE(model.rowCount(), 2);
        const QPersistentModelIndex owner = model.index(0, 0, model.index(0, 0));
        QCOMPARE(owner.data().toString(), QStringLiteral("ReplicaSet/web-5d4f"));
        QVERIFY(owner.data(RelatedObjectModel::OpenableRole).toBool());
        QCOMPARE(owner.data(RelatedObjectModel::RefRole).value<ResourceRef>().plural, QStringLiteral("replicasets"));
        QCOMPARE(owner.data(RelatedObjectModel::NamespaceRole).toString(), QStringLiteral("demo"));
        QVERIFY(!model.index(1, 0).data(RelatedObjectModel::OpenableRole).toBool());

        // The pods and the owner's own owner arrive: insertions under their parents, the heading
        // renamed in place.
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QList<TreeRow> rows{TreeRow{0, RelatedRow::group(QStringLiteral("owners"), QStringLiteral("Owned by"))},
                            TreeRow{1, RelatedRow::object(rs, QStringLiteral("demo"), QStringLiteral("web-5d4f"), QStringLiteral("2/2 ready"))},
                            TreeRow{2, RelatedRow::object(ResourceRef::deployments(), QStringLiteral("demo"), QStringLiteral("web"))},
                            TreeRow{0, RelatedRow::group(QStringLiteral("pods"), QStringLiteral("Pods (2)"), QStringLiteral("selected by app=web"))}};
        const auto parsed = parsePodList(list({pod("web-1", "Running", true), pod("web-2", "Pending", false)}));
        for (const auto &p : parsed.value())
            rows.append(TreeRow{1, RelatedRow::object(p.ref, p.ns, p.name, p.summary, p.ready ? StatusTone::Good : statusTone(p.phase))});
        model.setRows(rows);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(inserted.count(), 2);
        QVERIFY(owner.isValid());
        QCOMPARE(model.index(0, 0, owner).data().toString(), QStringLiteral("Deployment/web"));
        QCOMPARE(model.index(0, RelatedObjectModel::StatusColumn, owner.parent()).data().toString(), QStringLiteral("2/2 ready"));
        const QModelIndex pods = model.index(1, 0);
        QCOMPARE(pods.data().toString(), QStringLiteral("Pods (2)"));
        QCOMPARE(model.index(1, RelatedObjectModel::StatusColumn).data().toString(), QStringLiteral("selected by app=web"));
        QCOMPARE(model.rowCount(pods), 2);
        QCOMPARE(model.index(0, RelatedObjectModel::StatusColumn, pods).data(StatusToneRole).toInt(), int(StatusTone::Good));
        QCOMPARE(model.index(1, RelatedObjectModel::StatusColumn, pods).data(StatusToneRole).toInt(), int(StatusTone::Progress));
        QVERIFY(!model.index(1, RelatedObjectModel::StatusColumn).data(StatusToneRole).isValid());
        QCOMPARE(model.index(0, 0, pods).data(Qt::ToolTipRole).toString(), QStringLiteral("Double-click to show it here"));
    }
};

QTEST_MAIN(TestResourceModels)
#include "tst_resourcemodels.moc"
