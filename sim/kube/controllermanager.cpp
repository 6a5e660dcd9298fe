// The controller manager's loop: events in, passes out.
#include "kube/controllermanager.h"

#include <pthread.h>

#include <algorithm>

#include <iostream>

namespace pilothouse::sim {

void Controller::reportOnce(const std::string &what)
{
    if (m_reported.insert(what).second)
        std::cerr << "pilothouse-sim: " << name() << " controller: " << what << std::endl;
}

ControllerManager::ControllerManager(Cluster &cluster, std::chrono::milliseconds tick) : m_cluster(cluster), m_tick(tick) {}

ControllerManager::~ControllerManager() { stop(); }

void ControllerManager::start()
{
    if (m_running.exchange(true))
        return;
    m_thread = std::thread([this] {
        // Named, so that a profile or a benchmark can tell the controllers' CPU from the API's.
        pthread_setname_np(pthread_self(), "sim-controllers");
        loop();
    });
}

void ControllerManager::stop()
{
    if (!m_running.exchange(false))
        return;
    m_cluster.store().wakeAll();
    if (m_thread.joinable())
        m_thread.join();
}

void ControllerManager::loop()
{
    while (m_running) {
        reconcile();
        m_cluster.store().waitForChange(m_cursor, m_tick);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // batch bursts of changes
    }
}

void ControllerManager::reconcile()
{
    auto &store = m_cluster.store();
    const auto now = Clock::now();
    auto resyncAll = [&] {
        for (auto &c : m_controllers)
            c->resync();
    };
    auto periodicResyncAll = [&] {
        for (auto &c : m_controllers)
            c->periodicResync();
    };
    // A periodic resync on top of the event stream, never instead of it: skipping events here
    // once lost deletions, and with them the garbage collection of their dependents. Every 5 s,
    // or less often when a resync pass is expensive (100,000 pods: seconds of CPU), so that it
    // takes at most a twentieth of this thread: idle, the controllers kept a CPU busy at that size.
    // And only when the store changed since the last one (a write of that resync's own passes
    // included): the controllers' work is a function of the objects, so a resync of a cluster at
    // rest would find what the last one found, at the cost of walking every object again.
    const auto resyncEvery = std::max<Clock::duration>(std::chrono::seconds(5), 20 * m_resyncCost);
    bool resynced = false;
    if (m_lastResync == Clock::time_point{}) {
        m_cursor = store.currentRv();
        m_resyncRv = m_cursor;
        resyncAll();
        m_lastResync = now;
        resynced = true;
    } else if (now - m_lastResync > resyncEvery && store.currentRv() != m_resyncRv) {
        m_resyncRv = store.currentRv();
        periodicResyncAll();
        m_lastResync = now;
        resynced = true;
    }
    std::vector<WatchEvent> events;
    if (!store.eventsSince(m_cursor, events, 100000)) {
        m_cursor = store.currentRv();
        resyncAll();
    } else {
        for (const auto &e : events) {
            m_cursor = e.rv;
            for (auto &c : m_controllers)
                c->observe(e);
        }
    }
    for (auto &c : m_controllers) {
        try {
            c->reconcile();
        } catch (const ApiException &) {
            // A conflict or a vanished object: the next pass sees the new state and tries again.
        } catch (const std::exception &e) {
            // An object of a shape a controller did not expect: said once, and the others go on.
            if (m_reported.insert(std::string(c->name()) + "/" + e.what()).second)
                std::cerr << "pilothouse-sim: " << c->name() << " controller: " << e.what() << std::endl;
        }
    }
    if (resynced)
        m_resyncCost = Clock::now() - now;  // the whole pass: resync marks, the passes do the work
}

}  // namespace pilothouse::sim
