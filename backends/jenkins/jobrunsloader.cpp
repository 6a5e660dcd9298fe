// A job's runs: pages of builds, then each run's stages, the rows on screen first.
#include "jenkins/jobrunsloader.h"

#include <algorithm>

namespace pilothouse::backends::jenkins {

JobRunsLoader::JobRunsLoader(JenkinsClient *client, QObject *parent) : QObject(parent), m_client(client) {}

void JobRunsLoader::setJob(const QStringList &job)
{
    ++m_generation;
    m_job = job;
    m_builds.clear();
    m_runs.clear();
    m_final.clear();
    m_stale.clear();
    m_failed.clear();
    m_inFlight.clear();
    m_describesOf.clear();
    m_more = false;
    m_pageLoading = false;
    Q_EMIT buildsChanged(m_builds);
    if (!m_job.isEmpty())
        loadPage(0, m_pageSize);
}

void JobRunsLoader::refresh()
{
    if (m_job.isEmpty())
        return;
    for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it)
        if (!m_final.contains(it.key()))
            m_stale.insert(it.key());
    m_failed.clear();
    // The newest page again: at least as many builds as the first, so new ones and the running
    // ones (always the newest) are seen.
    loadPage(0, m_pageSize);
    schedule();
}

void JobRunsLoader::fetchMore()
{
    if (!canFetchMore())
        return;
    loadPage(static_cast<int>(m_builds.size()), m_pageSize);
}

void JobRunsLoader::setVisibleRows(int first, int last)
{
    if (first == m_visibleFirst && last == m_visibleLast)
        return;
    m_visibleFirst = first;
    m_visibleLast = last;
    schedule();
}

const RunInfo *JobRunsLoader::run(int number) const
{
    const auto it = m_runs.constFind(number);
    return it == m_runs.cend() ? nullptr : &it.value();
}

void JobRunsLoader::loadPage(int from, int count)
{
    m_pageLoading = true;
    ++m_pageRequests;
    const quint64 generation = m_generation;
    m_client->buildPage(m_job, from, count, this, [this, generation, from, count](const Result<QList<BuildInfo>> &r) {
        if (generation != m_generation)
            return;
        m_pageLoading = false;
        if (!r) {
            Q_EMIT loadFailed(r.error().message);
            return;
        }
        // A short page is the last one; a refresh of the head says nothing about older pages.
        if (from > 0 || m_builds.isEmpty())
            m_more = r.value().size() >= count;
        mergePage(from, r.value());
        Q_EMIT buildsChanged(m_builds);
        schedule();
    });
}

void JobRunsLoader::mergePage(int from, const QList<BuildInfo> &page)
{
    Q_UNUSED(from);
    // By number: a page overlaps what is loaded when builds started since the last one.
    QHash<int, qsizetype> at;
    at.reserve(m_builds.size());
    for (qsizetype i = 0; i < m_builds.size(); ++i)
        at.insert(m_builds.at(i).number, i);
    bool added = false;
    for (const BuildInfo &b : page) {
        if (const auto it = at.constFind(b.number); it != at.cend()) {
            const BuildInfo &old = m_builds.at(*it);
            // Running when described, or it was running and is not now: its stages moved on.
            if ((b.building || old.building) && !m_final.contains(b.number) && m_runs.contains(b.number))
                m_stale.insert(b.number);
            m_builds[*it] = b;
        } else {
            m_builds.append(b);
            added = true;
        }
    }
    if (added)
        std::sort(m_builds.begin(), m_builds.end(), [](const BuildInfo &a, const BuildInfo &b) { return a.number > b.number; });
}

bool JobRunsLoader::wanted(int number) const
{
    if (m_inFlight.contains(number) || m_failed.contains(number) || m_final.contains(number))
        return false;
    return !m_runs.contains(number) || m_stale.contains(number);
}

void JobRunsLoader::schedule()
{
    if (m_job.isEmpty() || m_inFlight.size() >= m_maxInFlight)
        return;
    const int count = static_cast<int>(m_builds.size());
    const int first = std::clamp(m_visibleFirst, 0, count);
    const int last = std::clamp(m_visibleLast, first - 1, count - 1);
    // The rows on screen top to bottom, then the rest of the loaded rows from the newest: the
    // matrix's average stage times want every run, the operator the ones in view.
    auto take = [this](int row) {
        const int number = m_builds.at(row).number;
        if (wanted(number))
            describe(number);
        return m_inFlight.size() < m_maxInFlight;
    };
    for (int row = first; row <= last; ++row)
        if (!take(row))
            return;
    for (int row = 0; row < count; ++row)
        if ((row < first || row > last) && !take(row))
            return;
}

void JobRunsLoader::describe(int number)
{
    m_inFlight.insert(number);
    m_mostInFlight = std::max(m_mostInFlight, static_cast<int>(m_inFlight.size()));
    ++m_describeRequests;
    ++m_describesOf[number];
    const quint64 generation = m_generation;
    m_client->describeRun(m_job, number, this, [this, generation, number](const Result<RunInfo> &r) {
        if (generation != m_generation)
            return;
        m_inFlight.remove(number);
        if (!r) {
            m_failed.insert(number);
            Q_EMIT describeFailed(number, r.error().message);
            schedule();
            return;
        }
        RunInfo run = r.value();
        if (run.number == 0)
            run.number = number;
        m_stale.remove(number);
        if (isFinished(run.status))
            m_final.insert(number);
        m_runs.insert(number, run);
        Q_EMIT runDescribed(run);
        schedule();
    });
}

}  // namespace pilothouse::backends::jenkins
