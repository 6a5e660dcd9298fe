// pilothouse-sim's TLS as clients other than libcurl meet it: a second connection that resumes
// the first one's session (as nghttpx in front of the sim does) handshakes and is answered, on
// the Kubernetes API port (which asks for client certificates) and on the Argo CD API port.
#include "simprocess.h"

#include <QTest>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <memory>
#include <string>

using namespace pilothouse::testsupport;

namespace {

struct SslCtxFree {
    void operator()(SSL_CTX *c) const { SSL_CTX_free(c); }
};
struct SslFree {
    void operator()(SSL *s) const { SSL_free(s); }
};
struct SessionFree {
    void operator()(SSL_SESSION *s) const { SSL_SESSION_free(s); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionFree>;

std::string opensslErrors()
{
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += std::string(out.empty() ? "" : "; ") + buf;
    }
    return out.empty() ? "no OpenSSL error queued" : out;
}

// One TLS connection on a blocking socket with a receive timeout, so that a silent server fails
// the test instead of hanging it.
class TlsConnection {
public:
    TlsConnection(SSL_CTX *ctx, int port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{10, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
        m_ssl.reset(SSL_new(ctx));
        SSL_set_fd(m_ssl.get(), m_fd);
        SSL_set_tlsext_host_name(m_ssl.get(), "127.0.0.1");
        SSL_set1_host(m_ssl.get(), "127.0.0.1");
    }
    ~TlsConnection()
    {
        if (m_ssl)
            SSL_shutdown(m_ssl.get());
        m_ssl.reset();
        if (m_fd >= 0)
            ::close(m_fd);
    }

    SSL *ssl() const { return m_ssl.get(); }
    bool connected() const { return m_connected; }

    // The handshake; false with `error` set when it fails (an alert from the server included).
    bool handshake(std::string &error)
    {
        if (SSL_connect(m_ssl.get()) == 1)
            return true;
        error = opensslErrors();
        return false;
    }

    // Sends one request with Connection: close and reads the answer to the end.
    std::string request(const std::string &path, const std::string &extraHeaders = {})
    {
        const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n" + extraHeaders +
                                "Connection: close\r\n\r\n";
        if (SSL_write(m_ssl.get(), req.data(), static_cast<int>(req.size())) != static_cast<int>(req.size()))
            return {};
        std::string answer;
        char buf[16384];
        for (;;) {
            int n = SSL_read(m_ssl.get(), buf, sizeof buf);
            if (n <= 0)
                break;
            answer.append(buf, static_cast<size_t>(n));
        }
        return answer;
    }

private:
    int m_fd = -1;
    bool m_connected = false;
    SslPtr m_ssl;
};

}  // namespace

class TestSimTls : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimProcess> m_sim;

private Q_SLOTS:
    void initTestCase()
    {
        m_sim = std::make_unique<SimProcess>();
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        QVERIFY(!m_sim->argocdUrl().isEmpty());
    }
    void cleanupTestCase() { m_sim.reset(); }

    void resumedSessionIsAnswered_data()
    {
        QTest::addColumn<bool>("kubernetesApi");
        QTest::addColumn<int>("tlsVersion");
        QTest::addColumn<bool>("clientCertificate");
        QTest::newRow("Kubernetes API, TLS 1.3, client certificate") << true << TLS1_3_VERSION << true;
        QTest::newRow("Kubernetes API, TLS 1.2, client certificate") << true << TLS1_2_VERSION << true;
        QTest::newRow("Kubernetes API, TLS 1.3, bearer token") << true << TLS1_3_VERSION << false;
        QTest::newRow("Argo CD API, TLS 1.3") << false << TLS1_3_VERSION << false;
        QTest::newRow("Argo CD API, TLS 1.2") << false << TLS1_2_VERSION << false;
    }

    void resumedSessionIsAnswered()
    {
        QFETCH(bool, kubernetesApi);
        QFETCH(int, tlsVersion);
        QFETCH(bool, clientCertificate);
        CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
        QVERIFY(ctx);
        SSL_CTX_set_min_proto_version(ctx.get(), tlsVersion);
        SSL_CTX_set_max_proto_version(ctx.get(), tlsVersion);
        QVERIFY2(SSL_CTX_load_verify_locations(ctx.get(), m_sim->caFile().toLocal8Bit().constData(), nullptr) == 1, opensslErrors().c_str());
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
        if (clientCertificate) {
            QVERIFY(SSL_CTX_use_certificate_file(ctx.get(), m_sim->certFile().toLocal8Bit().constData(), SSL_FILETYPE_PEM) == 1);
            QVERIFY(SSL_CTX_use_PrivateKey_file(ctx.get(), m_sim->keyFile().toLocal8Bit().constData(), SSL_FILETYPE_PEM) == 1);
        }
        // A client-side cache: the session (or TLS 1.3 ticket) is kept when the server sends it.
        SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_CLIENT);

        const int port = kubernetesApi ? m_sim->port() : m_sim->argocdPort();
        // Secrets only sim-admin may read: a 200 on the resumed connection shows that the session
        // kept the client certificate's identity. The viewer reads a namespace; Argo CD's version is public.
        const std::string path = !kubernetesApi ? "/api/version"
                                 : clientCertificate ? "/api/v1/namespaces/default/secrets"
                                                     : "/api/v1/namespaces/default";
        const std::string auth = kubernetesApi && !clientCertificate ? "Authorization: Bearer " + m_sim->viewerToken().toStdString() + "\r\n"
                                                                     : std::string();

        SessionPtr session;
        {
            TlsConnection first(ctx.get(), port);
            QVERIFY(first.connected());
            std::string error;
            QVERIFY2(first.handshake(error), error.c_str());
            QVERIFY(!SSL_session_reused(first.ssl()));
            // Reading the answer also reads the TLS 1.3 tickets the server sends after the handshake.
            const std::string answer = first.request(path, auth);
            QVERIFY2(answer.rfind("HTTP/1.1 200", 0) == 0, answer.substr(0, 300).c_str());
            session.reset(SSL_get1_session(first.ssl()));
            QVERIFY(session);
            QVERIFY2(SSL_SESSION_is_resumable(session.get()), "the server gave no resumable session or ticket");
        }

        TlsConnection second(ctx.get(), port);
        QVERIFY(second.connected());
        QVERIFY(SSL_set_session(second.ssl(), session.get()) == 1);
        std::string error;
        QVERIFY2(second.handshake(error), ("the resumed handshake failed: " + error).c_str());
        QVERIFY2(SSL_session_reused(second.ssl()), "the server did a full handshake instead of resuming");
        const std::string answer = second.request(path, auth);
        QVERIFY2(answer.rfind("HTTP/1.1 200", 0) == 0, answer.substr(0, 300).c_str());
    }
};

QTEST_GUILESS_MAIN(TestSimTls)
#include "tst_simtls.moc"
