// Test support: one HTTPS connection driven by hand with OpenSSL, for what ordinary clients hide
// from a test: TLS session resumption, a body cut short, a stream that stalls.
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <string>

namespace pilothouse::testsupport {

class SimProcess;

// A loopback TCP port nothing listens on now: bound once by the kernel's choice, then released
// (for a server a test starts, or a refused connection).
int unusedLoopbackPort();

// An HTTP/1.1 answer as it came off the wire.
struct RawResponse {
    bool headersComplete = false;
    int status = 0;
    std::multimap<std::string, std::string> headers;  // names in lower case
    std::string body;        // de-chunked when the answer is chunked
    bool bodyComplete = false;  // Content-Length reached, or the last chunk came
    bool closed = false;        // the server closed the connection (or reset it)
    std::string header(const std::string &lowerCaseName) const;
};

class RawHttps {
public:
    // A client context trusting the simulator's CA; with the sim-admin certificate unless
    // `clientCertificate` is false; `tlsVersion` (TLS1_2_VERSION, TLS1_3_VERSION) pins the version.
    static std::shared_ptr<SSL_CTX> context(const SimProcess &sim, bool clientCertificate = true, int tlsVersion = 0);
    static std::string opensslErrors();

    RawHttps(std::shared_ptr<SSL_CTX> ctx, int port);
    ~RawHttps();
    RawHttps(const RawHttps &) = delete;
    RawHttps &operator=(const RawHttps &) = delete;

    SSL *ssl() const { return m_ssl; }
    bool connected() const { return m_connected; }
    // The handshake; false with `error` set when it fails (an alert from the server included).
    bool handshake(std::string &error);
    // Sends a GET (keep-alive unless `close`) with extra header lines ("Name: value\r\n").
    bool get(const std::string &path, const std::string &extraHeaders = {}, bool close = true);
    // Reads until the answer is complete, the connection closes, or `idleMs` pass without a byte.
    RawResponse read(int idleMs);
    // Keeps reading the same answer (a stream): returns once `until` is in the body, the body
    // completes, the connection closes, or `idleMs` pass without a byte.
    const RawResponse &readMore(int idleMs, const std::string &until = {});
    const RawResponse &response() const { return m_response; }

private:
    bool fill(int idleMs);  // false: nothing came within idleMs, or the connection ended
    void parse();

    std::shared_ptr<SSL_CTX> m_ctx;
    int m_fd = -1;
    bool m_connected = false;
    SSL *m_ssl = nullptr;
    std::string m_raw;      // bytes not parsed yet
    size_t m_contentLength = std::string::npos;
    bool m_chunked = false;
    RawResponse m_response;
};

}  // namespace pilothouse::testsupport
