// The simulated Argo CD API server: the REST endpoints of server/application/application.proto and
// the session service, over HTTPS with the simulator's CA, answered from the application controller.
#pragma once

#include "argo/argocdcontroller.h"
#include "common/certs.h"
#include "common/tlsserver.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace pilothouse::sim {

struct ArgoCdServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string password = "pilothouse";  // for the user admin
};

class ArgoCdServer {
public:
    ArgoCdServer(Cluster &cluster, ArgoCdController &controller, Pki pki, ArgoCdServerOptions options);
    ~ArgoCdServer();

    // Binds and serves; returns the port or -1 with `error` set.
    int start(std::string &error);
    void stop();
    std::string url() const;

private:
    void handle(const httplib::Request &req, httplib::Response &res);
    // The user a request's session token (Bearer or the argocd.token cookie) belongs to; empty when none is valid.
    std::string authenticate(const httplib::Request &req, std::string &why) const;
    std::string issueToken(const std::string &user);
    void serveStream(const httplib::Request &req, httplib::Response &res);

    Cluster &m_cluster;
    ArgoCdController &m_controller;
    ArgoCdServerOptions m_options;
    std::string m_signingKey;
    mutable std::mutex m_tokensMutex;
    std::set<std::string> m_revoked;  // token ids logged out
    std::atomic<bool> m_stopping{false};
    TlsServer m_tls;
};

}  // namespace pilothouse::sim
