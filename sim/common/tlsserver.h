// The one HTTPS server setup of the simulator: every port (the Kubernetes API, the Argo CD API)
// serves through it with the simulator's certificate, so TLS behaves the same on all of them.
#pragma once

#include "common/certs.h"

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace httplib {
class SSLServer;
struct Request;
struct Response;
}

namespace pilothouse::sim {

struct TlsServerOptions {
    std::string name = "HTTPS server";  // starts the error messages of start()
    std::string host = "127.0.0.1";
    int port = 0;  // 0: any free port
    size_t threads = 32;  // each open stream (a watch, a log follow) holds one
    // Ask for a client certificate (optional: token users have none) that must chain to the CA.
    bool clientCertificates = false;
    // Short: an idle keep-alive connection holds a worker until it times out, and stop() waits
    // for every worker.
    int keepAliveSeconds = 2;
    size_t keepAliveMaxCount = 5;
    size_t payloadMaxLength = 0;  // 0: unlimited
    int readTimeoutSeconds = 30;
    int writeTimeoutSeconds = 30;
    // TCP_NODELAY on accepted connections: without it an answer written in two pieces (headers,
    // then body) waits for the client's delayed ACK, about 40 ms per request on a kept-alive
    // connection. Off by default so that the recorded figures of the other fronts stay comparable.
    bool tcpNoDelay = false;
};

class TlsServer {
public:
    using Handler = std::function<void(const httplib::Request &, httplib::Response &)>;
    // Turns an exception a handler let out into an answer.
    using ExceptionHandler = std::function<void(httplib::Response &, const std::exception &)>;

    TlsServer(Pki pki, TlsServerOptions options, Handler handler, ExceptionHandler onException);
    ~TlsServer();
    TlsServer(const TlsServer &) = delete;
    TlsServer &operator=(const TlsServer &) = delete;

    // Binds and serves on a thread of its own; returns the port or -1 with `error` set. After
    // stop(), start() binds the same port again.
    int start(std::string &error);
    // Closes the listener and every connection, and waits for the workers.
    void stop();
    bool running() const;
    int port() const { return m_port; }
    std::string url() const;

private:
    Pki m_pki;
    TlsServerOptions m_options;
    Handler m_handler;
    ExceptionHandler m_onException;
    mutable std::mutex m_mutex;
    std::unique_ptr<httplib::SSLServer> m_server;
    std::thread m_thread;
    int m_port = 0;
};

}  // namespace pilothouse::sim
