// Unit tests of the informer's parser: compact objects, kubectl's pod STATUS rules, watch events.
#include "kube/cache/kubeobject.h"

#include <QFile>
#include <QTest>

using namespace pilothouse::backends;
using namespace pilothouse::backends::kube;

class TestObjectParser : public QObject {
    Q_OBJECT

    static QByteArray fixture(const char *name)
    {
        QFile f(QStringLiteral(PILOTHOUSE_TEST_DATA "/kube/") + QLatin1String(name));
        if (!f.open(QIODevice::ReadOnly))
            qFatal("missing fixture %s", name);
        return f.readAll();
    }

    static KubeObjectPtr find(const ParsedList &list, const QString &name)
    {
        for (const auto &o : list.items)
            if (o->name == name)
                return o;
        return nullptr;
    }

private Q_SLOTS:
    void listMetadataAndItems()
    {
        ObjectParser parser(SummaryKind::Pod);
        auto list = parser.parseList(fixture("pods-list.json"));
        QVERIFY(list.ok());
        QCOMPARE(list.value().resourceVersion, QStringLiteral("812"));
        QCOMPARE(list.value().continueToken, QStringLiteral("eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"));
        QCOMPARE(list.value().items.size(), size_t(7));
        KubeObjectPtr web = find(list.value(), QStringLiteral("web-1"));
        QVERIFY(web);
        QCOMPARE(web->ns, QStringLiteral("demo"));
        QCOMPARE(web->key(), QStringLiteral("demo/web-1"));
        QCOMPARE(web->uid, QStringLiteral("u1"));
        QCOMPARE(web->resourceVersion, QStringLiteral("800"));
        QCOMPARE(web->createdAt, QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC).toSecsSinceEpoch());
    }

    void compactJsonDropsManagedFieldsOnly()
    {
        ObjectParser parser(SummaryKind::Pod);
        auto list = parser.parseList(fixture("pods-list.json"));
        KubeObjectPtr web = find(list.value(), QStringLiteral("web-1"));
        const QByteArray json = web->json();
        QVERIFY(!json.contains("managedFields"));
        QVERIFY(json.contains("\"podIP\":\"10.244.0.5\""));
        QVERIFY(json.contains("\"resourceVersion\":\"800\""));
        QVERIFY(web->compressedJson.size() < json.size());
    }

    void summaryOnlyObjectsKeepNoJson()
    {
        ObjectParser parser(SummaryKind::Pod);
        parser.setKeepJson(false);
        auto list = parser.parseList(fixture("pods-list.json"));
        QVERIFY(list.ok());
        KubeObjectPtr web = find(list.value(), QStringLiteral("web-1"));
        QVERIFY(web);
        QVERIFY(!web->hasJson());
        QVERIFY(web->compressedJson.isEmpty());
        QVERIFY(web->json().isEmpty());
        // The summary still says what the table and the menus need.
        QVERIFY(web->pod());
        QCOMPARE(web->pod()->node, QStringLiteral("node-1"));
        QCOMPARE(web->pod()->containers, (QStringList{QStringLiteral("web"), QStringLiteral("proxy")}));
        QCOMPARE(web->pod()->totalContainers, 2);
        // Its identity, as JSON, for offers that need only that.
        const QByteArray identity = web->identityJson();
        QVERIFY(identity.contains("\"name\":\"web-1\""));
        QVERIFY(identity.contains("\"namespace\":\"demo\""));
        QVERIFY(identity.contains("\"resourceVersion\":\"800\""));
        QVERIFY(!identity.contains("deletionTimestamp"));
        QVERIFY(find(list.value(), QStringLiteral("leaving"))->identityJson().contains("deletionTimestamp"));
        // The same pod with its JSON weighs at least its compressed JSON more.
        ObjectParser full(SummaryKind::Pod);
        auto withJson = full.parseList(fixture("pods-list.json"));
        const KubeObjectPtr fullWeb = find(withJson.value(), QStringLiteral("web-1"));
        QVERIFY(fullWeb->hasJson());
        QVERIFY(fullWeb->memoryFootprint() >= web->memoryFootprint() + static_cast<size_t>(fullWeb->compressedJson.size()));
    }

    void repeatedStringsAreShared()
    {
        ObjectParser parser(SummaryKind::Pod);
        auto list = parser.parseList(fixture("pods-list.json"));
        KubeObjectPtr a = find(list.value(), QStringLiteral("web-1"));
        KubeObjectPtr b = find(list.value(), QStringLiteral("web-2"));
        KubeObjectPtr c = find(list.value(), QStringLiteral("leaving"));
        // One string per distinct namespace, node, status and container name, not one per pod.
        QCOMPARE(a->ns.constData(), b->ns.constData());
        QCOMPARE(a->pod()->containers.first().constData(), b->pod()->containers.first().constData());
        QCOMPARE(a->pod()->node.constData(), c->pod()->node.constData());
        QVERIFY(a->ns.constData() != c->ns.constData());
        // Watch events of the same parser reuse them too.
        auto ev = parser.parseEvent(R"({"type":"MODIFIED","object":{"metadata":{"name":"web-9","namespace":"demo","resourceVersion":"900"},)"
                                    R"("spec":{"nodeName":"node-1","containers":[{"name":"web"}]},"status":{"phase":"Running"}}})");
        QVERIFY(ev.ok());
        QCOMPARE(ev.value().object->ns.constData(), a->ns.constData());
        QCOMPARE(ev.value().object->pod()->node.constData(), a->pod()->node.constData());
    }

    void remainingItemCount()
    {
        ObjectParser parser(SummaryKind::Pod);
        auto paged = parser.parseList(R"({"metadata":{"resourceVersion":"5","continue":"abc","remainingItemCount":1200},"items":[]})");
        QVERIFY(paged.ok());
        QCOMPARE(paged.value().remainingItemCount, qint64(1200));
        auto last = parser.parseList(R"({"metadata":{"resourceVersion":"5"},"items":[]})");
        QCOMPARE(last.value().remainingItemCount, qint64(-1));
    }

    void creationTimestamps_data()
    {
        QTest::addColumn<QString>("timestamp");
        QTest::addColumn<qint64>("expected");  // seconds since the epoch; 0 for unknown
        auto utc = [](int y, int m, int d, int h, int mi, int s) { return QDateTime(QDate(y, m, d), QTime(h, mi, s), Qt::UTC).toSecsSinceEpoch(); };
        QTest::newRow("epoch") << QStringLiteral("1970-01-01T00:00:00Z") << qint64(0);
        QTest::newRow("afternoon") << QStringLiteral("2026-12-06T21:49:28Z") << utc(2026, 12, 6, 21, 49, 28);
        QTest::newRow("leap day") << QStringLiteral("2024-02-29T23:59:59Z") << utc(2024, 2, 29, 23, 59, 59);
        QTest::newRow("2000 is a leap year") << QStringLiteral("2000-02-29T12:00:00Z") << utc(2000, 2, 29, 12, 0, 0);
        QTest::newRow("before the epoch") << QStringLiteral("1969-07-20T20:17:40Z") << utc(1969, 7, 20, 20, 17, 40);
        QTest::newRow("fraction ignored") << QStringLiteral("2026-01-01T00:00:00.123456Z") << utc(2026, 1, 1, 0, 0, 0);
        QTest::newRow("1900 is not a leap year") << QStringLiteral("1900-02-29T00:00:00Z") << qint64(0);
        QTest::newRow("month 13") << QStringLiteral("2026-13-01T00:00:00Z") << qint64(0);
        QTest::newRow("April 31") << QStringLiteral("2026-04-31T00:00:00Z") << qint64(0);
        QTest::newRow("hour 24") << QStringLiteral("2026-01-01T24:00:00Z") << qint64(0);
        QTest::newRow("not a date") << QStringLiteral("yesterday, about noon") << qint64(0);
        QTest::newRow("too short") << QStringLiteral("2026-01-01") << qint64(0);
    }

    // The creation time as the age column reads it: UTC, whatever the machine's time zone.
    void creationTimestamps()
    {
        QFETCH(QString, timestamp);
        QFETCH(qint64, expected);
        ObjectParser parser(SummaryKind::Pod);
        const QByteArray list = QByteArrayLiteral("{\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"creationTimestamp\":\"")
                                + timestamp.toUtf8() + QByteArrayLiteral("\"}}]}");
        auto parsed = parser.parseList(list);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed.value().items.size(), size_t(1));
        QCOMPARE(parsed.value().items.front()->createdAt, expected);
    }

    void podStatusColumn_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("status");
        QTest::addColumn<QString>("ready");
        QTest::addColumn<int>("restarts");
        QTest::newRow("running") << "web-1" << "Running" << "2/2" << 3;
        QTest::newRow("creating") << "web-2" << "ContainerCreating" << "0/1" << 0;
        QTest::newRow("crashloop") << "crash" << "CrashLoopBackOff" << "0/1" << 7;
        QTest::newRow("init") << "init" << "Init:0/1" << "0/1" << 0;
        QTest::newRow("terminating") << "leaving" << "Terminating" << "1/1" << 0;
        QTest::newRow("completed") << "done" << "Completed" << "0/1" << 0;
        QTest::newRow("evicted") << "evicted" << "Evicted" << "0/1" << 0;
    }
    void podStatusColumn()
    {
        QFETCH(QString, name);
        QFETCH(QString, status);
        QFETCH(QString, ready);
        QFETCH(int, restarts);
        ObjectParser parser(SummaryKind::Pod);
        auto list = parser.parseList(fixture("pods-list.json"));
        KubeObjectPtr pod = find(list.value(), name);
        QVERIFY(pod && pod->pod());
        QCOMPARE(pod->pod()->status, status);
        QCOMPARE(QStringLiteral("%1/%2").arg(pod->pod()->readyContainers).arg(pod->pod()->totalContainers), ready);
        QCOMPARE(pod->pod()->restarts, restarts);
    }

    void deploymentSummary()
    {
        ObjectParser parser(SummaryKind::Deployment);
        auto list = parser.parseList(R"({"metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"web","namespace":"demo"},
            "spec":{"replicas":3},"status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}]})");
        QVERIFY(list.ok());
        const DeploymentSummary *d = list.value().items[0]->deployment();
        QVERIFY(d);
        QCOMPARE(d->desired, 3);
        QCOMPARE(d->ready, 2);
        QCOMPARE(d->updated, 3);
        QCOMPARE(d->available, 2);
    }

    void watchEvents()
    {
        ObjectParser parser(SummaryKind::Pod);
        auto added = parser.parseEvent(R"({"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"p","namespace":"n","resourceVersion":"10"}}})");
        QVERIFY(added.ok());
        QCOMPARE(added.value().type, ParsedEvent::Type::Added);
        QCOMPARE(added.value().resourceVersion, QStringLiteral("10"));
        auto bookmark = parser.parseEvent(R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"12"}}})");
        QVERIFY(bookmark.ok());
        QCOMPARE(bookmark.value().type, ParsedEvent::Type::Bookmark);
        QCOMPARE(bookmark.value().resourceVersion, QStringLiteral("12"));
        auto gone = parser.parseEvent(R"J({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 5 (9)","reason":"Expired","code":410}})J");
        QVERIFY(gone.ok());
        QCOMPARE(gone.value().type, ParsedEvent::Type::Error);
        QCOMPARE(gone.value().error.kind, ErrorKind::Gone);
        QVERIFY(gone.value().error.message.contains(QStringLiteral("too old")));
    }

    void malformedInputIsAnErrorNotACrash_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::newRow("not json") << QByteArray("{\"type\":\"ADDED\",\"obj");
        QTest::newRow("no object") << QByteArray(R"({"type":"ADDED"})");
        QTest::newRow("unknown type") << QByteArray(R"({"type":"RENAMED","object":{"metadata":{"name":"x"}}})");
        QTest::newRow("no name") << QByteArray(R"({"type":"ADDED","object":{"metadata":{}}})");
        QTest::newRow("array") << QByteArray("[1,2]");
        QTest::newRow("empty") << QByteArray("");
    }
    void malformedInputIsAnErrorNotACrash()
    {
        QFETCH(QByteArray, line);
        ObjectParser parser(SummaryKind::Pod);
        auto ev = parser.parseEvent(line);
        QVERIFY(!ev.ok());
        QCOMPARE(ev.error().kind, ErrorKind::Malformed);
    }

    void tableForm()
    {
        ObjectParser parser(SummaryKind::Table);
        const QByteArray table = "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{\"resourceVersion\":\"77\"},"
                                 "\"columnDefinitions\":[{\"name\":\"Name\",\"type\":\"string\",\"priority\":0},"
                                 "{\"name\":\"Replicas\",\"type\":\"integer\",\"priority\":0},{\"name\":\"Selector\",\"type\":\"string\",\"priority\":1}],"
                                 "\"rows\":[{\"cells\":[\"web\",3,\"app=web\"],\"object\":{\"kind\":\"PartialObjectMetadata\","
                                 "\"metadata\":{\"name\":\"web\",\"namespace\":\"demo\",\"resourceVersion\":\"70\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"}}}]}";
        auto list = parser.parseList(table);
        QVERIFY2(list.ok(), qPrintable(list.error().message));
        QCOMPARE(list.value().resourceVersion, QStringLiteral("77"));
        QCOMPARE(list.value().columns.size(), 3);
        QCOMPARE(list.value().columns.at(1).type, QStringLiteral("integer"));
        QCOMPARE(list.value().columns.at(2).priority, 1);
        const TableSummary *row = list.value().items.at(0)->tableRow();
        QVERIFY(row);
        QCOMPARE(row->cells, (QStringList{QStringLiteral("web"), QStringLiteral("3"), QStringLiteral("app=web")}));
        QCOMPARE(list.value().items.at(0)->key(), QStringLiteral("demo/web"));
        auto ev = parser.parseEvent("{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Table\",\"rows\":[{\"cells\":[\"web\",4,\"app=web\"],"
                                    "\"object\":{\"metadata\":{\"name\":\"web\",\"namespace\":\"demo\",\"resourceVersion\":\"71\"}}}]}}");
        QVERIFY(ev.ok());
        QCOMPARE(ev.value().object->tableRow()->cells.at(1), QStringLiteral("4"));
        // A plain list where a Table was asked for is a clear error.
        QVERIFY(!parser.parseList("{\"kind\":\"PodList\",\"items\":[]}").ok());
    }

    void malformedListsAreErrors()
    {
        ObjectParser parser(SummaryKind::Pod);
        QVERIFY(!parser.parseList("<html>proxy error</html>").ok());
        QVERIFY(!parser.parseList(R"({"items":{}})").ok());
        auto nullItems = parser.parseList(R"({"metadata":{"resourceVersion":"3"},"items":null})");
        QVERIFY(nullItems.ok());
        QCOMPARE(nullItems.value().items.size(), size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestObjectParser)
#include "tst_objectparser.moc"
