// cpp-httplib's SSLServer with the simulator's certificate, CA and settings.
#include "common/tlsserver.h"

#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace pilothouse::sim {

namespace {

bool setUpContext(SSL_CTX &ctx, const Pki &pki, bool clientCertificates)
{
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    BIO *certBio = BIO_new_mem_buf(pki.server.certPem.data(), static_cast<int>(pki.server.certPem.size()));
    X509 *cert = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
    BIO_free(certBio);
    BIO *keyBio = BIO_new_mem_buf(pki.server.keyPem.data(), static_cast<int>(pki.server.keyPem.size()));
    EVP_PKEY *key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
    BIO_free(keyBio);
    bool ok = cert && key && SSL_CTX_use_certificate(&ctx, cert) == 1 && SSL_CTX_use_PrivateKey(&ctx, key) == 1;
    X509_free(cert);
    // Session resumption (a session ID from the cache, or a ticket): OpenSSL refuses to resume a
    // session on a context that verifies peers and has no session ID context, and ends the
    // handshake with an internal_error alert (SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED). A client
    // that resumes, such as nghttpx in front of the simulator, then failed every second
    // connection. Sessions are only ever resumed on the context that made them (the session
    // cache and the ticket keys are per context), so one fixed ID is enough.
    static constexpr unsigned char kSessionIdContext[] = "pilothouse-sim";
    ok = ok && SSL_CTX_set_session_id_context(&ctx, kSessionIdContext, sizeof kSessionIdContext - 1) == 1;
    EVP_PKEY_free(key);
    if (ok && clientCertificates) {
        BIO *caBio = BIO_new_mem_buf(pki.ca.certPem.data(), static_cast<int>(pki.ca.certPem.size()));
        X509 *ca = PEM_read_bio_X509(caBio, nullptr, nullptr, nullptr);
        BIO_free(caBio);
        ok = ca != nullptr;
        if (ok) {
            // Client certificates are optional (token users have none) but must chain to our CA.
            X509_STORE_add_cert(SSL_CTX_get_cert_store(&ctx), ca);
            SSL_CTX_add_client_CA(&ctx, ca);
            SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
        }
        X509_free(ca);
    }
    return ok;
}

}  // namespace

TlsServer::TlsServer(Pki pki, TlsServerOptions options, Handler handler, ExceptionHandler onException)
    : m_pki(std::move(pki)), m_options(std::move(options)), m_handler(std::move(handler)), m_onException(std::move(onException))
{
    m_port = m_options.port;
}

TlsServer::~TlsServer() { stop(); }

std::string TlsServer::url() const { return "https://" + m_options.host + ":" + std::to_string(m_port); }

bool TlsServer::running() const
{
    std::lock_guard lock(m_mutex);
    return m_server != nullptr;
}

int TlsServer::start(std::string &error)
{
    std::lock_guard lock(m_mutex);
    if (m_server)
        return m_port;
    const Pki &pki = m_pki;
    const bool clientCertificates = m_options.clientCertificates;
    auto server = std::make_unique<httplib::SSLServer>(
        [&pki, clientCertificates](SSL_CTX &ctx) { return setUpContext(ctx, pki, clientCertificates); });
    if (!server->is_valid()) {
        error = m_options.name + ": TLS setup failed";
        return -1;
    }
    const size_t threads = m_options.threads;
    server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server->set_keep_alive_max_count(m_options.keepAliveMaxCount);
    server->set_keep_alive_timeout(m_options.keepAliveSeconds);
    if (m_options.payloadMaxLength > 0)
        server->set_payload_max_length(m_options.payloadMaxLength);
    server->set_read_timeout(m_options.readTimeoutSeconds);
    server->set_write_timeout(m_options.writeTimeoutSeconds);
    server->set_tcp_nodelay(m_options.tcpNoDelay);
    Handler handler = m_handler;
    server->Get(".*", handler);
    server->Post(".*", handler);
    server->Put(".*", handler);
    server->Patch(".*", handler);
    server->Delete(".*", handler);
    ExceptionHandler onException = m_onException;
    server->set_exception_handler([onException](const httplib::Request &, httplib::Response &res, std::exception_ptr ep) {
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception &e) {
            onException(res, e);
        }
    });
    if (m_port == 0) {
        m_port = server->bind_to_any_port(m_options.host);
        if (m_port <= 0) {
            m_port = 0;
            error = m_options.name + ": cannot bind to " + m_options.host;
            return -1;
        }
    } else if (!server->bind_to_port(m_options.host, m_port)) {
        error = m_options.name + ": cannot bind to " + m_options.host + ":" + std::to_string(m_port);
        return -1;
    }
    m_server = std::move(server);
    httplib::SSLServer *raw = m_server.get();
    m_thread = std::thread([raw] { raw->listen_after_bind(); });
    return m_port;
}

void TlsServer::stop()
{
    std::lock_guard lock(m_mutex);
    if (!m_server)
        return;
    m_server->stop();
    if (m_thread.joinable())
        m_thread.join();
    m_server.reset();
}

}  // namespace pilothouse::sim
