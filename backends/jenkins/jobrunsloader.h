// A job's runs for the runs × stages matrix: the builds list first (one request per page, so rows
// appear at once), then each run's stages (wfapi/describe) with the rows on screen first, a few
// requests in flight at a time. A finished run never changes: it is described once and kept by
// build number; running ones are read again on refresh().
// Stages come from wfapi/describe alone: like Stage View, the matrix shows a parallel stage's branches
// as columns of their own (wfapi lists them), so stages/tree, a second request per run, is left to the
// run's page, where StageGraphView draws the branches under their stage (mergeStageTree).
#pragma once

#include "jenkins/jenkinsclient.h"
#include "jenkins/jenkinsinfo.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QStringList>

namespace pilothouse::backends::jenkins {

class JobRunsLoader : public QObject {
    Q_OBJECT

public:
    explicit JobRunsLoader(JenkinsClient *client, QObject *parent = nullptr);

    // Forgets the previous job (answers still on their way for it are dropped) and reads the
    // newest page of `job`'s builds.
    void setJob(const QStringList &job);
    QStringList job() const { return m_job; }
    // Reads the newest page again (new builds, running ones finishing) and describes again the
    // runs that were not finished, and those whose description failed.
    void refresh();
    // The next page of older builds; nothing when the last page was short or one is on its way.
    void fetchMore();
    bool canFetchMore() const { return !m_job.isEmpty() && m_more && !m_pageLoading; }
    bool loadingPage() const { return m_pageLoading; }
    // The rows on screen (indexes into builds()): described before any other.
    void setVisibleRows(int first, int last);

    // Builds per page (default 50) and describe requests in flight at most (default 4).
    void setPageSize(int builds) { m_pageSize = std::max(1, builds); }
    int pageSize() const { return m_pageSize; }
    void setMaxInFlight(int requests) { m_maxInFlight = std::max(1, requests); }
    int maxInFlight() const { return m_maxInFlight; }

    // Newest first.
    const QList<BuildInfo> &builds() const { return m_builds; }
    // The stages of build `number` as last described; null before.
    const RunInfo *run(int number) const;
    bool isDescribed(int number) const { return m_runs.contains(number); }

    // For tests and the benchmark: describe requests sent (in all, and per build), in flight now,
    // the most ever in flight at once, pages asked for.
    int describeRequests() const { return m_describeRequests; }
    int describeRequestsOf(int number) const { return m_describesOf.value(number); }
    int inFlight() const { return static_cast<int>(m_inFlight.size()); }
    int mostInFlight() const { return m_mostInFlight; }
    int pageRequests() const { return m_pageRequests; }

Q_SIGNALS:
    // The builds known now, newest first (after each page and refresh).
    void buildsChanged(const QList<BuildInfo> &builds);
    void runDescribed(const RunInfo &run);
    // The builds list could not be read (a describe that fails only leaves its row undescribed).
    void loadFailed(const QString &message);
    void describeFailed(int number, const QString &message);

private:
    void loadPage(int from, int count);
    void mergePage(int from, const QList<BuildInfo> &page);
    void schedule();
    void describe(int number);
    bool wanted(int number) const;

    JenkinsClient *m_client;
    QStringList m_job;
    quint64 m_generation = 0;
    int m_pageSize = 50;
    int m_maxInFlight = 4;
    QList<BuildInfo> m_builds;
    QHash<int, RunInfo> m_runs;
    QSet<int> m_final;     // described with a finished status: never asked again
    QSet<int> m_stale;     // described while running, or its build moved on: ask again
    QSet<int> m_failed;    // its describe failed: asked again on refresh()
    QSet<int> m_inFlight;
    bool m_more = false;
    bool m_pageLoading = false;
    int m_visibleFirst = 0, m_visibleLast = -1;
    int m_describeRequests = 0, m_mostInFlight = 0, m_pageRequests = 0;
    QHash<int, int> m_describesOf;
};

}  // namespace pilothouse::backends::jenkins
