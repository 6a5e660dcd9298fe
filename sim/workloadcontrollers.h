// The workload controllers beside the Deployment's: StatefulSet (ordinal pods, ordered rolling
// updates), DaemonSet (a pod per fitting node), Job (pods run to completion), CronJob (Jobs on a
// cron schedule), with their ControllerRevisions, and the node lifecycle controller's cordon taint.
#pragma once

#include "cluster.h"

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace pilothouse::sim {

class WorkloadController {
public:
    explicit WorkloadController(Cluster &cluster);

    // One pass over every node, StatefulSet, DaemonSet, Job and CronJob; the controllers' loop calls
    // it each tick. These objects are few, so each pass looks at all of them.
    void reconcile();

private:
    void syncNodeTaints(const std::vector<ObjPtr> &nodes);
    void syncStatefulSet(const ObjPtr &sts);
    void syncDaemonSet(const ObjPtr &ds, const std::vector<ObjPtr> &nodes);
    void syncJob(const ObjPtr &job);
    void syncCronJob(const ObjPtr &cronJob, std::chrono::system_clock::time_point now);
    // The ControllerRevision `name` of an owner's template, created when missing and made the
    // newest revision when an older one comes back (a rollback).
    void ensureRevision(const ResourceType &ownerType, const ObjPtr &owner, const Json &podTemplate, const std::string &name,
                        const std::string &hash);
    void pruneRevisions(const ObjPtr &owner, const std::set<std::string> &inUse);

    Cluster &m_cluster;
    std::set<std::string> m_reported;  // warnings recorded once: an unexpected Job, a run skipped by Forbid
};

}  // namespace pilothouse::sim
