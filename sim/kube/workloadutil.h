// What the StatefulSet, DaemonSet and Job controllers share: pods from templates, status writes,
// and the ControllerRevisions that record a StatefulSet's or DaemonSet's templates.
#pragma once

#include "kube/cluster.h"

#include <initializer_list>
#include <set>
#include <string>

namespace pilothouse::sim {

// Ready and not being deleted.
bool isPodReadyNotTerminating(const Json &pod);
std::string phaseOf(const Json &pod);  // "Pending" when not set
bool podFinished(const Json &pod);     // Succeeded or Failed
// A pod from a template's metadata and spec.
Json podFromTemplate(const Json &podTemplate);
// Writes `status` when it differs from the stored one.
void writeStatus(Cluster &cluster, const ResourceType &t, const StoredObject &o, const Json &status);
// Status fields the API omits when zero (omitempty).
void eraseZero(Json &status, std::initializer_list<const char *> fields);

// The ControllerRevision `name` of an owner's template, created when missing and made the
// newest revision when an older one comes back (a rollback).
void ensureRevision(Cluster &cluster, const ResourceType &ownerType, const ObjPtr &owner, const Json &podTemplate,
                    const std::string &name, const std::string &hash);
// Removes the owner's unused revisions beyond spec.revisionHistoryLimit (default 10), oldest first.
void pruneRevisions(Cluster &cluster, const ObjPtr &owner, const std::set<std::string> &inUse);

}  // namespace pilothouse::sim
