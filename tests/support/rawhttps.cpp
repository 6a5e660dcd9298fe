// Test support: a hand-driven HTTPS connection.
#include "rawhttps.h"

#include "simprocess.h"

#include <openssl/err.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace pilothouse::testsupport {

int unusedLoopbackPort()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::string RawResponse::header(const std::string &lowerCaseName) const
{
    auto it = headers.find(lowerCaseName);
    return it == headers.end() ? std::string() : it->second;
}

std::shared_ptr<SSL_CTX> RawHttps::context(const SimProcess &sim, bool clientCertificate, int tlsVersion)
{
    std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    if (!ctx)
        return nullptr;
    if (tlsVersion) {
        SSL_CTX_set_min_proto_version(ctx.get(), tlsVersion);
        SSL_CTX_set_max_proto_version(ctx.get(), tlsVersion);
    }
    if (SSL_CTX_load_verify_locations(ctx.get(), sim.caFile().toLocal8Bit().constData(), nullptr) != 1)
        return nullptr;
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (clientCertificate &&
        (SSL_CTX_use_certificate_file(ctx.get(), sim.certFile().toLocal8Bit().constData(), SSL_FILETYPE_PEM) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx.get(), sim.keyFile().toLocal8Bit().constData(), SSL_FILETYPE_PEM) != 1))
        return nullptr;
    // A client-side cache: the session (or TLS 1.3 ticket) is kept when the server sends it.
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_CLIENT);
    return ctx;
}

std::string RawHttps::opensslErrors()
{
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += std::string(out.empty() ? "" : "; ") + buf;
    }
    return out.empty() ? "no OpenSSL error queued" : out;
}

RawHttps::RawHttps(std::shared_ptr<SSL_CTX> ctx, int port) : m_ctx(std::move(ctx))
{
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    // Bounds the blocking handshake and writes: a silent server fails a test instead of hanging it.
    timeval tv{10, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m_connected = m_fd >= 0 && ::connect(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    m_ssl = SSL_new(m_ctx.get());
    SSL_set_fd(m_ssl, m_fd);
    SSL_set_tlsext_host_name(m_ssl, "localhost");
    SSL_set1_host(m_ssl, "127.0.0.1");
}

RawHttps::~RawHttps()
{
    if (m_ssl) {
        if (!m_response.closed)
            SSL_shutdown(m_ssl);
        SSL_free(m_ssl);
    }
    if (m_fd >= 0)
        ::close(m_fd);
}

bool RawHttps::handshake(std::string &error)
{
    if (SSL_connect(m_ssl) == 1)
        return true;
    error = opensslErrors();
    return false;
}

bool RawHttps::get(const std::string &path, const std::string &extraHeaders, bool close)
{
    m_response = {};
    m_raw.clear();
    m_contentLength = std::string::npos;
    m_chunked = false;
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n" + extraHeaders +
                            (close ? "Connection: close\r\n" : "") + "\r\n";
    return SSL_write(m_ssl, req.data(), static_cast<int>(req.size())) == static_cast<int>(req.size());
}

bool RawHttps::fill(int idleMs)
{
    if (m_response.closed)
        return false;
    if (SSL_pending(m_ssl) == 0) {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, idleMs) <= 0)
            return false;
    }
    char buf[16384];
    int n = SSL_read(m_ssl, buf, sizeof buf);
    if (n <= 0) {
        const int err = SSL_get_error(m_ssl, n);
        if (err == SSL_ERROR_WANT_READ)
            return true;  // a TLS record without application data (a session ticket)
        m_response.closed = true;
        ERR_clear_error();
        return false;
    }
    m_raw.append(buf, static_cast<size_t>(n));
    parse();
    return true;
}

void RawHttps::parse()
{
    if (!m_response.headersComplete) {
        const size_t end = m_raw.find("\r\n\r\n");
        if (end == std::string::npos)
            return;
        const std::string head = m_raw.substr(0, end);
        m_raw.erase(0, end + 4);
        size_t pos = head.find("\r\n");
        const std::string statusLine = head.substr(0, pos);
        if (statusLine.size() >= 12)
            m_response.status = std::atoi(statusLine.c_str() + 9);
        while (pos != std::string::npos) {
            const size_t next = head.find("\r\n", pos + 2);
            const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
            pos = next;
            const size_t colon = line.find(':');
            if (colon == std::string::npos)
                continue;
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            m_response.headers.emplace(name, value);
        }
        m_response.headersComplete = true;
        m_chunked = m_response.header("transfer-encoding") == "chunked";
        if (!m_chunked && !m_response.header("content-length").empty())
            m_contentLength = std::stoull(m_response.header("content-length"));
    }
    if (m_chunked) {
        while (!m_response.bodyComplete) {
            const size_t lineEnd = m_raw.find("\r\n");
            if (lineEnd == std::string::npos)
                return;
            const size_t size = std::stoull(m_raw.substr(0, lineEnd), nullptr, 16);
            if (m_raw.size() < lineEnd + 2 + size + 2)
                return;
            m_response.body.append(m_raw, lineEnd + 2, size);
            m_raw.erase(0, lineEnd + 2 + size + 2);
            if (size == 0)
                m_response.bodyComplete = true;
        }
        return;
    }
    m_response.body += m_raw;
    m_raw.clear();
    if (m_contentLength != std::string::npos && m_response.body.size() >= m_contentLength)
        m_response.bodyComplete = true;
}

RawResponse RawHttps::read(int idleMs)
{
    readMore(idleMs);
    return m_response;
}

const RawResponse &RawHttps::readMore(int idleMs, const std::string &until)
{
    while (!m_response.bodyComplete && !m_response.closed) {
        if (!until.empty() && m_response.body.find(until) != std::string::npos)
            break;
        if (!fill(idleMs))
            break;
    }
    return m_response;
}

}  // namespace pilothouse::testsupport
