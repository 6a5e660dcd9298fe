// Argo CD REST answers as plain values: an Application (sync, health, operation, history), revision
// metadata, the resource tree, watch events and error bodies. Pure functions, no I/O.
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace pilothouse::backends::argocd {

// One entry of status.history: what a sync or rollback deployed.
struct HistoryEntry {
    qint64 id = 0;
    QString revision;           // the git commit SHA that was deployed
    QDateTime deployedAt;
    QDateTime deployStartedAt;
    QString repoUrl;            // source.repoURL
    QString path;               // source.path
    QString targetRevision;     // source.targetRevision
    QString initiatedBy;        // username, "automated" or empty
    friend bool operator==(const HistoryEntry &, const HistoryEntry &) = default;
};

// status.operationState: the last (or running) sync/rollback.
struct OperationState {
    QString phase;              // Running, Terminating, Succeeded, Failed, Error; empty: none yet
    QString message;
    QDateTime startedAt;
    QDateTime finishedAt;
    QString revision;           // operation.sync.revision or syncResult.revision
    bool dryRun = false;
    bool prune = false;
    QString initiatedBy;
    bool running() const { return phase == QLatin1String("Running") || phase == QLatin1String("Terminating"); }
    friend bool operator==(const OperationState &, const OperationState &) = default;
};

struct ApplicationCondition {
    QString type;               // ComparisonError, SyncError, ...
    QString message;
    friend bool operator==(const ApplicationCondition &, const ApplicationCondition &) = default;
};

struct ApplicationInfo {
    QString name;
    QString ns;                 // the Application's own namespace (argocd)
    QString project;
    QString resourceVersion;
    QString repoUrl;
    QString path;
    QString targetRevision;
    QString destServer;
    QString destNamespace;
    bool automated = false;     // spec.syncPolicy.automated present: Argo CD syncs by itself and refuses rollback
    bool autoPrune = false;
    bool selfHeal = false;
    QString syncStatus;         // Synced, OutOfSync, Unknown
    QString syncRevision;       // status.sync.revision: the commit compared against
    QString health;             // Healthy, Progressing, Degraded, Suspended, Missing, Unknown
    QString healthMessage;
    OperationState operation;
    bool operationRequested = false;  // top-level "operation" set: a sync is queued or running
    QList<HistoryEntry> history;      // oldest first, as Argo CD keeps it
    QStringList images;               // status.summary.images
    QList<ApplicationCondition> conditions;
    QDateTime reconciledAt;

    bool operationRunning() const { return operationRequested || operation.running(); }
    // The revision deployed now: the newest history entry, else what the sync compared against.
    QString currentRevision() const;
    const HistoryEntry *historyEntry(qint64 id) const;
    friend bool operator==(const ApplicationInfo &, const ApplicationInfo &) = default;
};

// GET …/revisions/{rev}/metadata
struct RevisionMetadata {
    QString author;
    QDateTime date;
    QString message;
    QStringList tags;
    friend bool operator==(const RevisionMetadata &, const RevisionMetadata &) = default;
};

struct ResourceRefInfo {
    QString group;
    QString kind;
    QString ns;
    QString name;
    QString uid;
    friend bool operator==(const ResourceRefInfo &, const ResourceRefInfo &) = default;
};

// One node of GET …/resource-tree.
struct ResourceNode {
    QString group;
    QString version;
    QString kind;
    QString ns;
    QString name;
    QString uid;
    QList<ResourceRefInfo> parentRefs;
    QString health;             // empty when Argo CD has no health for the kind
    QString healthMessage;
    QStringList images;
    friend bool operator==(const ResourceNode &, const ResourceNode &) = default;
};

struct ResourceTree {
    QList<ResourceNode> nodes;
};

// A resource tree laid out for display: depth 0 is the Application itself, then the resources
// it manages (no parentRefs), each followed by its children (ReplicaSets, then Pods), sorted by
// kind and name within a level.
struct TreeRow {
    int depth = 0;
    ResourceNode node;
    friend bool operator==(const TreeRow &, const TreeRow &) = default;
};
QList<TreeRow> treeRows(const ApplicationInfo &app, const ResourceTree &tree);

// An event of GET /api/v1/stream/applications: {"result":{"type":"MODIFIED","application":{…}}}.
struct WatchEvent {
    QString type;               // ADDED, MODIFIED, DELETED
    ApplicationInfo application;
};

// Parsers: a failure names what is wrong ("application JSON: metadata.name is missing").
Result<ApplicationInfo> applicationFromJson(const QJsonObject &object);
Result<ApplicationInfo> parseApplication(const QByteArray &json);
Result<QList<ApplicationInfo>> parseApplicationList(const QByteArray &json);
Result<RevisionMetadata> parseRevisionMetadata(const QByteArray &json);
Result<ResourceTree> parseResourceTree(const QByteArray &json);
// One line of the stream, with or without the server-sent-events "data:" prefix. An empty
// result (ok, type empty) for lines that carry no event: blank lines, comments, "event:" fields.
Result<WatchEvent> parseWatchLine(const QByteArray &line);

// An Argo CD error body {"error","code","message"} (code is a gRPC status code) or anything else
// a proxy sent, as an ApiError whose message is the server's own words.
ApiError parseError(int httpStatus, const QByteArray &body);

// Why Argo CD would refuse a rollback of this application, or empty when it would not.
QString rollbackRefusal(const ApplicationInfo &app);

}  // namespace pilothouse::backends::argocd
