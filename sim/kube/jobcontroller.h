// The Job and CronJob controllers: a Job's pods run to completion (parallelism, completions,
// backoffLimit, activeDeadlineSeconds, TTL after finishing), and a CronJob starts Jobs on its
// schedule with its concurrency policy and history limits.
#pragma once

#include "kube/controllermanager.h"

#include <chrono>
#include <set>
#include <string>

namespace pilothouse::sim {

class JobController : public Controller {
public:
    explicit JobController(Cluster &cluster);
    const char *name() const override { return "job"; }
    void reconcile() override;

private:
    void syncJob(const ObjPtr &job);
    void syncCronJob(const ObjPtr &cronJob, std::chrono::system_clock::time_point now);

    Cluster &m_cluster;
    std::set<std::string> m_reported;  // warnings recorded once: an unexpected Job, a run skipped by Forbid
};

}  // namespace pilothouse::sim
