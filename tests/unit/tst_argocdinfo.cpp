// Tests the Argo CD answer parsers on fixture files modelled on real Argo CD responses.
#include "argocd/argocdactions.h"
#include "argocd/argocdinfo.h"

#include <QFile>
#include <QTest>

using namespace pilothouse::backends;
using namespace pilothouse::backends::argocd;

namespace {

QByteArray fixture(const QString &name)
{
    QFile f(QStringLiteral(PILOTHOUSE_TEST_DATA "/argocd/") + name);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", qPrintable(name));
    return f.readAll();
}

QDateTime utc(const char *iso)
{
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate).toUTC();
}

}  // namespace

class TestArgoCdInfo : public QObject {
    Q_OBJECT

private slots:
    void automatedApplication();
    void runningOperationOnManualApplication();
    void list();
    void emptyListIsNull();
    void truncatedJsonNamesTheProblem();
    void historyThatIsNotAListIsMalformed();
    void missingNameIsMalformed();
    void revisionMetadata();
    void revisionMetadataEmptyIsMalformed();
    void resourceTreeIndentsRolloutReplicaSetPod();
    void resourceTreeCycleStops();
    void argoErrorBodies();
    void nonJsonErrorBody();
    void streamLines();
    void rollbackRefusal();
    void confirmationsNameServerApplicationAndChange();
    void auditResults();
};

void TestArgoCdInfo::automatedApplication()
{
    Result<ApplicationInfo> r = parseApplication(fixture(QStringLiteral("application-storefront.json")));
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    const ApplicationInfo &a = r.value();
    QCOMPARE(a.name, QStringLiteral("storefront"));
    QCOMPARE(a.ns, QStringLiteral("argocd"));
    QCOMPARE(a.project, QStringLiteral("default"));
    QCOMPARE(a.resourceVersion, QStringLiteral("48213"));
    QCOMPARE(a.repoUrl, QStringLiteral("git://127.0.0.1:9418/deploy.git"));
    QCOMPARE(a.path, QStringLiteral("apps/storefront"));
    QCOMPARE(a.targetRevision, QStringLiteral("HEAD"));
    QCOMPARE(a.destNamespace, QStringLiteral("shop"));
    QVERIFY(a.automated);
    QVERIFY(a.autoPrune);
    QVERIFY(a.selfHeal);
    QCOMPARE(a.syncStatus, QStringLiteral("Synced"));
    QCOMPARE(a.health, QStringLiteral("Suspended"));
    QCOMPARE(a.healthMessage, QStringLiteral("BlueGreenPause"));
    QCOMPARE(a.operation.phase, QStringLiteral("Succeeded"));
    QCOMPARE(a.operation.message, QStringLiteral("successfully synced (all tasks run)"));
    QCOMPARE(a.operation.initiatedBy, QStringLiteral("automated"));
    QVERIFY(a.operation.prune);
    QVERIFY(!a.operationRunning());
    QCOMPARE(a.images, (QStringList{QStringLiteral("registry.pilothouse.dev/shop/storefront:169"),
                                    QStringLiteral("registry.pilothouse.dev/shop/storefront:170")}));
    QCOMPARE(a.history.size(), 3);
    // Go leaves out a zero id: the first entry is id 0.
    QCOMPARE(a.history[0].id, 0);
    QCOMPARE(a.history[0].initiatedBy, QStringLiteral("automated"));
    QCOMPARE(a.history[1].id, 1);
    QCOMPARE(a.history[1].initiatedBy, QStringLiteral("admin"));
    QCOMPARE(a.history[1].deployedAt, utc("2026-12-01T14:02:37Z"));
    QCOMPARE(a.history[2].revision, QStringLiteral("c4e1a9f27d3b8e6f0a5d2c9b7e4f1a3d6c8b0e2f"));
    QCOMPARE(a.currentRevision(), QStringLiteral("c4e1a9f27d3b8e6f0a5d2c9b7e4f1a3d6c8b0e2f"));
    QVERIFY(a.historyEntry(1));
    QCOMPARE(a.historyEntry(1)->revision, QStringLiteral("8b3f6c1e9d4a7b2e5f0c8d3a6b9e1f4c7d0a2b5e"));
    QVERIFY(!a.historyEntry(7));
    QCOMPARE(a.reconciledAt, utc("2026-12-01T21:44:10Z"));
}

void TestArgoCdInfo::runningOperationOnManualApplication()
{
    Result<ApplicationInfo> r = parseApplication(fixture(QStringLiteral("application-menu-syncing.json")));
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    const ApplicationInfo &a = r.value();
    QVERIFY(!a.automated);
    QCOMPARE(a.syncStatus, QStringLiteral("OutOfSync"));
    QCOMPARE(a.health, QStringLiteral("Progressing"));
    QCOMPARE(a.operation.phase, QStringLiteral("Running"));
    QCOMPARE(a.operation.message, QStringLiteral("waiting for healthy state of argoproj.io/Rollout/menu"));
    QCOMPARE(a.operation.revision, QStringLiteral("f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1"));
    QCOMPARE(a.operation.initiatedBy, QStringLiteral("admin"));
    QVERIFY(a.operationRequested);
    QVERIFY(a.operationRunning());
    // An id written as a string (proto3 JSON) reads the same as a number.
    QCOMPARE(a.history.size(), 2);
    QCOMPARE(a.history[0].id, 4);
    QCOMPARE(a.history[1].id, 5);
    QCOMPARE(a.conditions.size(), 1);
    QCOMPARE(a.conditions[0].type, QStringLiteral("SyncError"));
}

void TestArgoCdInfo::list()
{
    Result<QList<ApplicationInfo>> r = parseApplicationList(fixture(QStringLiteral("applications.json")));
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    QCOMPARE(r.value().size(), 2);
    QCOMPARE(r.value()[0].name, QStringLiteral("storefront"));
    QCOMPARE(r.value()[1].name, QStringLiteral("menu"));
    QCOMPARE(r.value()[1].project, QStringLiteral("cafe"));
}

void TestArgoCdInfo::emptyListIsNull()
{
    Result<QList<ApplicationInfo>> r = parseApplicationList(fixture(QStringLiteral("applications-empty.json")));
    QVERIFY(r.ok());
    QVERIFY(r.value().isEmpty());
}

void TestArgoCdInfo::truncatedJsonNamesTheProblem()
{
    Result<ApplicationInfo> r = parseApplication(fixture(QStringLiteral("application-truncated.json")));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::Malformed);
    QVERIFY2(r.error().message.startsWith(QStringLiteral("the application is not valid JSON")), qPrintable(r.error().message));
    QVERIFY(r.error().message.contains(QStringLiteral("offset")));

    Result<QList<ApplicationInfo>> list = parseApplicationList("<html>502 Bad Gateway</html>");
    QVERIFY(!list.ok());
    QVERIFY2(list.error().message.contains(QStringLiteral("the application list is not valid JSON")), qPrintable(list.error().message));
}

void TestArgoCdInfo::historyThatIsNotAListIsMalformed()
{
    Result<ApplicationInfo> r = parseApplication(fixture(QStringLiteral("application-bad-history.json")));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::Malformed);
    QCOMPARE(r.error().message, QStringLiteral("application JSON: status.history is not a list"));

    Result<ApplicationInfo> badId = parseApplication(
        R"({"metadata":{"name":"x"},"status":{"history":[{"id":true,"revision":"a"}]}})");
    QVERIFY(!badId.ok());
    QCOMPARE(badId.error().message, QStringLiteral("application JSON: status.history[0].id is not a number"));

    Result<ApplicationInfo> badSpec = parseApplication(R"({"metadata":{"name":"x"},"spec":"nope"})");
    QVERIFY(!badSpec.ok());
    QCOMPARE(badSpec.error().message, QStringLiteral("application JSON: the application.spec is not an object"));
}

void TestArgoCdInfo::missingNameIsMalformed()
{
    Result<ApplicationInfo> r = parseApplication(R"({"metadata":{},"spec":{},"status":{}})");
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message, QStringLiteral("application JSON: metadata.name is missing"));
    Result<QList<ApplicationInfo>> list = parseApplicationList(R"({"items":[{"metadata":{"name":"a"}},{"metadata":{}}]})");
    QVERIFY(!list.ok());
    QCOMPARE(list.error().message, QStringLiteral("the application list, item 1: application JSON: metadata.name is missing"));
}

void TestArgoCdInfo::revisionMetadata()
{
    Result<RevisionMetadata> r = parseRevisionMetadata(fixture(QStringLiteral("revision-metadata.json")));
    QVERIFY(r.ok());
    QCOMPARE(r.value().author, QStringLiteral("Pilothouse CI <ci@pilothouse.dev>"));
    QCOMPARE(r.value().date, utc("2026-12-01T21:39:41Z"));
    QVERIFY(r.value().message.startsWith(QStringLiteral("storefront: bump image to registry.pilothouse.dev/shop/storefront:170\n")));
    QCOMPARE(r.value().tags, QStringList{QStringLiteral("release-170")});
}

void TestArgoCdInfo::revisionMetadataEmptyIsMalformed()
{
    QVERIFY(!parseRevisionMetadata("{}").ok());
    QVERIFY(!parseRevisionMetadata("[1,2]").ok());
}

void TestArgoCdInfo::resourceTreeIndentsRolloutReplicaSetPod()
{
    Result<ResourceTree> tree = parseResourceTree(fixture(QStringLiteral("resource-tree.json")));
    QVERIFY2(tree.ok(), qPrintable(tree.error().message));
    QCOMPARE(tree.value().nodes.size(), 7);
    ApplicationInfo app = parseApplication(fixture(QStringLiteral("application-storefront.json"))).value();
    QList<TreeRow> rows = treeRows(app, tree.value());
    QStringList lines;
    for (const TreeRow &r : rows)
        lines << QString(r.depth * 2, QLatin1Char(' ')) + r.node.kind + QLatin1Char(' ') + r.node.name + QLatin1Char(' ') + r.node.health;
    const QStringList expected{
        QStringLiteral("Application storefront Suspended"),
        QStringLiteral("  Rollout storefront Suspended"),
        QStringLiteral("    ReplicaSet storefront-5f8b7c6d9 Progressing"),
        QStringLiteral("      Pod storefront-5f8b7c6d9-qq4lm Progressing"),
        QStringLiteral("    ReplicaSet storefront-7d9c6b5f4 Healthy"),
        QStringLiteral("      Pod storefront-7d9c6b5f4-x2k9p Healthy"),
        QStringLiteral("  Service storefront Healthy"),
        QStringLiteral("    EndpointSlice storefront-abcde "),
    };
    QCOMPARE(lines, expected);
    QCOMPARE(rows[3].node.images, QStringList{QStringLiteral("registry.pilothouse.dev/shop/storefront:170")});
    QCOMPARE(rows[2].node.healthMessage, QStringLiteral("Waiting for rollout to finish: 1 of 3 updated replicas are available..."));
}

void TestArgoCdInfo::resourceTreeCycleStops()
{
    Result<ResourceTree> tree = parseResourceTree(
        "{\"nodes\":[{\"kind\":\"A\",\"name\":\"a\",\"uid\":\"1\",\"parentRefs\":[{\"kind\":\"B\",\"name\":\"b\",\"uid\":\"2\"}]},"
        "{\"kind\":\"B\",\"name\":\"b\",\"uid\":\"2\",\"parentRefs\":[{\"kind\":\"A\",\"name\":\"a\",\"uid\":\"1\"}]}]}");
    QVERIFY(tree.ok());
    QList<TreeRow> rows = treeRows(ApplicationInfo{}, tree.value());
    QCOMPARE(rows.size(), 3);  // the application and each node once

    QVERIFY(!parseResourceTree(R"({"nodes":[{"kind":"Pod"}]})").ok());
    QVERIFY(!parseResourceTree(R"({"nodes":{}})").ok());
}

void TestArgoCdInfo::argoErrorBodies()
{
    ApiError denied = parseError(403, fixture(QStringLiteral("error-permission-denied.json")));
    QCOMPARE(denied.kind, ErrorKind::Forbidden);
    QCOMPARE(denied.httpStatus, 403);
    QVERIFY(denied.message.startsWith(QStringLiteral("permission denied: applications, sync, default/storefront")));

    ApiError refused = parseError(400, fixture(QStringLiteral("error-rollback-autosync.json")));
    QCOMPARE(refused.kind, ErrorKind::Invalid);
    QCOMPARE(refused.message, QStringLiteral("rollback cannot be initiated when auto-sync is enabled"));

    ApiError login = parseError(401, fixture(QStringLiteral("error-invalid-login.json")));
    QCOMPARE(login.kind, ErrorKind::Unauthorized);
    QCOMPARE(login.message, QStringLiteral("Invalid username or password"));

    // The gRPC code decides over a proxy's HTTP status.
    const QByteArray notFound = "{\"error\":\"x\",\"code\":5,\"message\":\"applications.argoproj.io 'nope' not found\"}";
    QCOMPARE(parseError(500, notFound).kind, ErrorKind::NotFound);
}

void TestArgoCdInfo::nonJsonErrorBody()
{
    ApiError e = parseError(502, "<html><body>Bad Gateway</body></html>");
    QCOMPARE(e.kind, ErrorKind::ServerError);
    QCOMPARE(e.message, QStringLiteral("HTTP 502: <html><body>Bad Gateway</body></html>"));
    QCOMPARE(parseError(404, {}).message, QStringLiteral("HTTP 404 with an empty body"));
    QCOMPARE(parseError(404, {}).kind, ErrorKind::NotFound);
}

void TestArgoCdInfo::streamLines()
{
    QList<QByteArray> lines = fixture(QStringLiteral("stream-events.txt")).split('\n');
    QList<WatchEvent> events;
    QList<ApiError> errors;
    for (const QByteArray &l : lines) {
        Result<WatchEvent> ev = parseWatchLine(l);
        if (!ev.ok())
            errors << ev.error();
        else if (!ev.value().type.isEmpty())
            events << ev.value();
    }
    QCOMPARE(events.size(), 2);
    QCOMPARE(events[0].type, QStringLiteral("ADDED"));
    QCOMPARE(events[0].application.name, QStringLiteral("menu"));
    QCOMPARE(events[0].application.syncStatus, QStringLiteral("Synced"));
    QCOMPARE(events[1].type, QStringLiteral("DELETED"));
    QCOMPARE(events[1].application.name, QStringLiteral("orders"));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors[0].kind, ErrorKind::Unauthorized);
    QCOMPARE(errors[0].message, QStringLiteral("invalid session: token has invalid claims: token is expired"));

    QVERIFY(!parseWatchLine("data: {\"result\":{}}").ok());
    QVERIFY(!parseWatchLine("data: {not json").ok());
}

void TestArgoCdInfo::rollbackRefusal()
{
    ApplicationInfo automated = parseApplication(fixture(QStringLiteral("application-storefront.json"))).value();
    QVERIFY(argocd::rollbackRefusal(automated).contains(QStringLiteral("automated sync is enabled")));
    ApplicationInfo running = parseApplication(fixture(QStringLiteral("application-menu-syncing.json"))).value();
    QVERIFY(argocd::rollbackRefusal(running).contains(QStringLiteral("an operation is running")));
    running.operationRequested = false;
    running.operation.phase = QStringLiteral("Succeeded");
    QCOMPARE(argocd::rollbackRefusal(running), QString());
    running.history.removeLast();
    QVERIFY(argocd::rollbackRefusal(running).contains(QStringLiteral("no earlier deployment")));
}

void TestArgoCdInfo::confirmationsNameServerApplicationAndChange()
{
    const QString server = QStringLiteral("https://127.0.0.1:8443");
    ApplicationInfo app = parseApplication(fixture(QStringLiteral("application-storefront.json"))).value();
    ArgoCdAction sync = ArgoCdAction::sync(server, QStringLiteral("admin"), app, SyncOptions{});
    QCOMPARE(sync.name(), QStringLiteral("argocd-sync"));
    QCOMPARE(sync.confirmationText(),
             QStringLiteral("Sync application storefront on Argo CD https://127.0.0.1:8443 as admin: sync to revision HEAD (the target revision) "
                            "(deployed now: c4e1a9f); no prune, not a dry run"));

    ArgoCdAction rollback = ArgoCdAction::rollback(server, QStringLiteral("admin"), app, app.history[1], true, true);
    QCOMPARE(rollback.name(), QStringLiteral("argocd-rollback"));
    QCOMPARE(rollback.historyId, 1);
    QCOMPARE(rollback.confirmationText(),
             QStringLiteral("Roll back application storefront on Argo CD https://127.0.0.1:8443 as admin: roll back to history id 1, "
                            "revision 8b3f6c1 (deployed now: c4e1a9f); prune resources no longer in git, dry run (nothing is changed)"));

    ApplicationInfo menu = parseApplication(fixture(QStringLiteral("application-menu-syncing.json"))).value();
    ArgoCdAction terminate = ArgoCdAction::terminate(server, QStringLiteral("admin"), menu);
    QCOMPARE(terminate.name(), QStringLiteral("argocd-terminate"));
    QCOMPARE(terminate.confirmationText(),
             QStringLiteral("Terminate the operation of application menu on Argo CD https://127.0.0.1:8443 as admin: "
                            "terminate the running operation (Running)"));
}

void TestArgoCdInfo::auditResults()
{
    auto failure = [](ErrorKind kind) {
        ApiError e;
        e.kind = kind;
        return Result<void>::failure(e);
    };
    QCOMPARE(auditResult(Result<void>::success()), QStringLiteral("succeeded"));
    QCOMPARE(auditResult(failure(ErrorKind::Invalid)), QStringLiteral("refused"));
    QCOMPARE(auditResult(failure(ErrorKind::Unauthorized)), QStringLiteral("refused"));
    QCOMPARE(auditResult(failure(ErrorKind::Forbidden)), QStringLiteral("forbidden"));
    QCOMPARE(auditResult(failure(ErrorKind::Network)), QStringLiteral("unknown"));
    QCOMPARE(auditResult(failure(ErrorKind::Tls)), QStringLiteral("failed"));
}

QTEST_GUILESS_MAIN(TestArgoCdInfo)
#include "tst_argocdinfo.moc"
