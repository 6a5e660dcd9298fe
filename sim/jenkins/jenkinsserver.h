// The simulated Jenkins' HTTPS front: Jenkins' remote API (api/json with tree= and depth=), the
// crumb issuer and its session cookie, Basic authentication with a password or an API token,
// triggers and the queue, stop, progressive console text, Stage View (wfapi) and input steps.
#pragma once

#include "common/certs.h"
#include "common/tlsserver.h"
#include "jenkins/jenkinsworld.h"

#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace pilothouse::sim {

class ApiServer;

struct JenkinsServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string password = "pilothouse";  // of the user admin; its API token is generated
    std::string version = "2.426.3";      // the X-Jenkins header
};

class JenkinsServer {
public:
    JenkinsServer(JenkinsWorld &world, Pki pki, JenkinsServerOptions options);
    ~JenkinsServer();

    // Binds and serves; returns the port or -1 with `error` set.
    int start(std::string &error);
    void stop();
    std::string url() const;  // with a trailing slash, as Jenkins' root URL
    const std::string &adminUser() const { return m_admin.id; }
    const std::string &adminPassword() const { return m_options.password; }
    const std::string &adminToken() const { return m_adminToken; }
    const std::string &viewerToken() const { return m_viewerToken; }

    // The fault for tests: the next `count` triggers that queue a new item get no answer (the
    // connection closes after the item was queued), as when a proxy or the network drops it.
    void dropNextTriggers(int count) { m_dropTriggers = count; }
    int triggersToDrop() const { return m_dropTriggers; }

private:
    struct Caller {
        const JenkinsUser *user = nullptr;
        bool apiToken = false;  // Basic user:token, exempt from crumbs
    };

    void handle(const httplib::Request &req, httplib::Response &res);
    // The caller, or answers 401 (bad credentials) and returns false.
    bool authenticate(const httplib::Request &req, httplib::Response &res, Caller &caller);
    std::string sessionOf(const httplib::Request &req) const;
    std::string crumbFor(const std::string &session, const std::string &user) const;
    bool crumbValid(const httplib::Request &req, const std::map<std::string, std::string> &form, const Caller &caller) const;
    // Everything under /job/...: jobs, triggers, builds, their console, wfapi and inputs.
    void serveJob(const httplib::Request &req, httplib::Response &res, const Caller &caller, const std::vector<std::string> &parts,
                  const std::map<std::string, std::string> &form, const std::optional<JenkinsTree> &tree, const JenkinsShape &shape,
                  std::vector<JenkinsGitopsUpdate> &updates);

    JenkinsWorld &m_world;
    JenkinsServerOptions m_options;
    JenkinsUser m_admin{"admin", "Pilothouse Admin", true};
    JenkinsUser m_viewer{"viewer", "Pilothouse Viewer", false};
    std::string m_adminToken, m_viewerToken, m_viewerPassword = "viewer";
    std::string m_cookieName;  // JSESSIONID.<8 hex>
    std::string m_crumbSalt;
    mutable std::mutex m_sessionsMutex;
    std::map<std::string, std::string> m_sessions;  // session id -> user id
    std::atomic<int> m_dropTriggers{0};
    TlsServer m_tls;
};

// POST /sim/v1/jenkins-drop-trigger[?count=N] on the Kubernetes API port (as sim-admin): the
// Jenkins fault above, configured like the simulator's other faults.
void installJenkinsControls(ApiServer &api, JenkinsServer &jenkins);

}  // namespace pilothouse::sim
