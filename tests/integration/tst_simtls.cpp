// pilothouse-sim's TLS as clients other than libcurl meet it: a second connection that resumes
// the first one's session (as nghttpx in front of the sim does) handshakes and is answered, on
// the Kubernetes API port (which asks for client certificates) and on the Argo CD API port.
#include "rawhttps.h"
#include "simprocess.h"

#include <QTest>

#include <memory>
#include <string>

using namespace pilothouse::testsupport;

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
        std::shared_ptr<SSL_CTX> ctx = RawHttps::context(*m_sim, clientCertificate, tlsVersion);
        QVERIFY2(ctx, RawHttps::opensslErrors().c_str());

        const int port = kubernetesApi ? m_sim->port() : m_sim->argocdPort();
        // Secrets only sim-admin may read: a 200 on the resumed connection shows that the session
        // kept the client certificate's identity. The viewer reads a namespace; Argo CD's version is public.
        const std::string path = !kubernetesApi ? "/api/version"
                                 : clientCertificate ? "/api/v1/namespaces/default/secrets"
                                                     : "/api/v1/namespaces/default";
        const std::string auth = kubernetesApi && !clientCertificate ? "Authorization: Bearer " + m_sim->viewerToken().toStdString() + "\r\n"
                                                                     : std::string();

        std::unique_ptr<SSL_SESSION, void (*)(SSL_SESSION *)> session(nullptr, SSL_SESSION_free);
        {
            RawHttps first(ctx, port);
            QVERIFY(first.connected());
            std::string error;
            QVERIFY2(first.handshake(error), error.c_str());
            QVERIFY(!SSL_session_reused(first.ssl()));
            // Reading the answer also reads the TLS 1.3 tickets the server sends after the handshake.
            QVERIFY(first.get(path, auth));
            RawResponse answer = first.read(10000);
            QVERIFY2(answer.status == 200, answer.body.substr(0, 300).c_str());
            session.reset(SSL_get1_session(first.ssl()));
            QVERIFY(session);
            QVERIFY2(SSL_SESSION_is_resumable(session.get()), "the server gave no resumable session or ticket");
        }

        RawHttps second(ctx, port);
        QVERIFY(second.connected());
        QVERIFY(SSL_set_session(second.ssl(), session.get()) == 1);
        std::string error;
        QVERIFY2(second.handshake(error), ("the resumed handshake failed: " + error).c_str());
        QVERIFY2(SSL_session_reused(second.ssl()), "the server did a full handshake instead of resuming");
        QVERIFY(second.get(path, auth));
        RawResponse answer = second.read(10000);
        QVERIFY2(answer.status == 200, answer.body.substr(0, 300).c_str());
    }
};

QTEST_GUILESS_MAIN(TestSimTls)
#include "tst_simtls.moc"
