// The simulated kube-controller-manager: one thread that feeds the store's events to every
// registered control loop and runs their passes in the order they were added.
#pragma once

#include "kube/cluster.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace pilothouse::sim {

// One control loop. A pass is: observe() for each event since the previous pass (resync()
// instead, when the loop starts and after the event history was lost; periodicResync() on top of
// the events every resync period), then reconcile().
class Controller {
public:
    virtual ~Controller() = default;
    virtual const char *name() const = 0;
    // Look at everything again: the events alone may not tell the whole state.
    virtual void resync() {}
    // The periodic safety pass, while the events are complete: by default a whole resync. A loop
    // whose resync walks every pod does only what can be due without an event of its own (pods
    // waiting for a node, owners that went before their dependents came), so that it costs what
    // is unsettled, not the size of the cluster.
    virtual void periodicResync() { resync(); }
    virtual void observe(const WatchEvent &) {}
    // A conflict or a vanished object (ApiException) ends the pass quietly: the next one sees
    // the new state and tries again.
    virtual void reconcile() = 0;

protected:
    // Runs one object's sync. A conflict or a vanished object (ApiException) is left to the next
    // pass; an object of a shape the controller did not expect (a JSON type error) is said once,
    // and the other objects go on.
    template <class F>
    void guarded(F &&fn)
    {
        try {
            fn();
        } catch (const ApiException &) {
        } catch (const Json::exception &e) {
            reportOnce(e.what());
        }
    }
    void reportOnce(const std::string &what);

private:
    std::set<std::string> m_reported;
};

class ControllerManager {
public:
    explicit ControllerManager(Cluster &cluster, std::chrono::milliseconds tick = std::chrono::milliseconds(100));
    ~ControllerManager();

    // Adds a loop (before start()); passes run the loops in the order they were added.
    template <class T, class... Args>
    T &emplace(Args &&...args)
    {
        auto c = std::make_unique<T>(std::forward<Args>(args)...);
        T &ref = *c;
        m_controllers.push_back(std::move(c));
        return ref;
    }

    void start();
    void stop();
    // One pass; the thread runs one every tick or sooner after a change. Exposed for tests.
    void reconcile();

private:
    using Clock = std::chrono::steady_clock;
    void loop();

    Cluster &m_cluster;
    std::chrono::milliseconds m_tick;
    std::vector<std::unique_ptr<Controller>> m_controllers;
    std::atomic<bool> m_running{false};
    std::thread m_thread;
    std::uint64_t m_cursor = 0;
    Clock::time_point m_lastResync{};
    Clock::duration m_resyncCost{};  // how long the last pass with a resync took
    std::uint64_t m_resyncRv = 0;  // the store's resourceVersion when the last resync began
    std::set<std::string> m_reported;  // unexpected errors, said once each
};

}  // namespace pilothouse::sim
