// API discovery: which resources the server offers (core, groups, and CRDs such as
// argoproj.io), read from /api/v1, /apis and each group's preferred version.
#pragma once

#include "core/result.h"
#include "kube/api/kubeclient.h"
#include "kube/api/resourceref.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <optional>
#include <vector>

namespace pilothouse::backends::kube {

struct DiscoveredResource {
    ResourceRef ref;
    QStringList verbs;
    QStringList shortNames;
    QStringList subresources;  // "status", "scale", "log"
};

struct DiscoveryResult {
    std::vector<DiscoveredResource> resources;
    QStringList failedGroups;  // groups whose resource list could not be read (partial discovery)

    std::optional<DiscoveredResource> find(const QString &group, const QString &plural) const;
    bool hasGroup(const QString &group) const;
};

// Parses an APIResourceList into resources (subresources folded into their parent).
Result<std::vector<DiscoveredResource>> parseResourceList(const QByteArray &json);
// Parses an APIGroupList into "group/version" of each group's preferred version.
Result<QStringList> parsePreferredVersions(const QByteArray &json);

// Runs discovery on `client`'s thread and calls `done` there.
void discover(KubeClient *client, QObject *receiver, std::function<void(const Result<DiscoveryResult> &)> done);

}  // namespace pilothouse::backends::kube
