// Widget test (offscreen) against pilothouse-sim: after sessions with every credential type
// (token, token file, basic auth, client certificate, exec plugins that answer with a token, a
// certificate or a failure on stderr), an action in each and a Secret reveal, none of the tokens,
// the password, the private key, the plugin's stderr or the Secret's value is in audit.jsonl, the
// settings file, the exec approvals or the log output. A reveal whose audit line cannot be written
// is refused and the value stays masked.
#include "actions/actionfacade.h"
#include "actions/auditlog.h"
#include "actions/sessionactions.h"
#include "connectedwindow.h"
#include "kube/auth/kubeconfig.h"
#include "kube/session/kubesession.h"
#include "resources/detailpane.h"
#include "resources/resourcespage.h"
#include "shell/execapprovaldialog.h"
#include "shell/mainwindow.h"
#include "simprocess.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QMutex>
#include <QPlainTextEdit>
#include <QRandomGenerator>
#include <QTest>

#include <curl/curl.h>

using namespace pilothouse;
using namespace pilothouse::testsupport;
using backends::kube::KubeSession;
using backends::kube::ResourceRef;

namespace {

QMutex g_logMutex;
QByteArray g_log;
QtMessageHandler g_previousHandler = nullptr;

// Everything logged through Qt while the test runs, whatever the level or category.
void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log += message.toUtf8() + '\n';
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString randomWord(const char *prefix)
{
    return QString::fromLatin1(prefix) + QString::number(QRandomGenerator::global()->generate64(), 36);
}

const ResourceRef secrets{QString(), QStringLiteral("v1"), QStringLiteral("secrets"), QStringLiteral("Secret"), true};
// The sim's demo/api-token Secret: "not-a-real-token", base64-encoded in the object.
const QByteArray secretValue = "bm90LWEtcmVhbC10b2tlbg";
const QByteArray secretDecoded = "not-a-real-token";

}  // namespace

class TestSecrecy : public QObject {
    Q_OBJECT

    std::unique_ptr<SimProcess> m_sim;
    ConnectedWindow m_console;
    QTemporaryDir m_files;
    QString m_kubeconfig;
    QString m_password;
    QString m_stderrMarker;
    QByteArray m_keyPem;

    widgets::DetailPane *pane() const { return m_console.window->resourcesPage()->detailPane(); }
    KubeSession *session() const { return m_console.session.get(); }

    QByteArray kubeconfigYaml()
    {
        const QString plugin = sourceDir() + QStringLiteral("/tests/data/exec/plugin.py");
        const QByteArray certData = readAll(m_sim->certFile()).toBase64();
        const QByteArray keyData = m_keyPem.toBase64();
        const QString tokenFile = m_files.filePath(QStringLiteral("token"));
        QFile token(tokenFile);
        if (!token.open(QIODevice::WriteOnly))
            qFatal("cannot write the token file");
        token.write(m_sim->viewerToken().toUtf8() + '\n');
        token.close();
        auto exec = [&](const QByteArray &env) {
            return "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      interactiveMode: Never\n      command: " +
                   plugin.toUtf8() + "\n      env:\n" + env;
        };
        auto envEntry = [](const QByteArray &name, const QByteArray &value) {
            return "      - name: " + name + "\n        value: \"" + value + "\"\n";
        };
        QByteArray yaml = "apiVersion: v1\nkind: Config\ncurrent-context: token\nclusters:\n- name: sim\n  cluster:\n    server: " +
                          m_sim->url().toUtf8() + "\n    certificate-authority: " + m_sim->caFile().toUtf8() + "\nusers:\n";
        yaml += "- name: token\n  user:\n    token: " + m_sim->viewerToken().toUtf8() + "\n";
        yaml += "- name: token-file\n  user:\n    tokenFile: " + tokenFile.toUtf8() + "\n";
        yaml += "- name: basic\n  user:\n    username: alice\n    password: " + m_password.toUtf8() + "\n";
        yaml += "- name: certificate\n  user:\n    client-certificate-data: " + certData + "\n    client-key-data: " + keyData + "\n";
        yaml += "- name: exec-token\n  user:\n" + exec(envEntry("PLUGIN_TOKENS", m_sim->viewerToken().toUtf8()));
        yaml += "- name: exec-certificate\n  user:\n" +
                exec(envEntry("PLUGIN_MODE", "certfiles") + envEntry("PLUGIN_CERT_FILE", m_sim->certFile().toUtf8()) +
                     envEntry("PLUGIN_KEY_FILE", m_sim->keyFile().toUtf8()));
        yaml += "- name: exec-failing\n  user:\n" +
                exec(envEntry("PLUGIN_MODE", "fail") + envEntry("PLUGIN_STDERR", "login expired; debug " + m_stderrMarker.toUtf8() +
                                                                                   " token=" + m_sim->viewerToken().toUtf8()));
        yaml += "contexts:\n";
        for (const char *name : {"token", "token-file", "basic", "certificate", "exec-token", "exec-certificate", "exec-failing"})
            yaml += QByteArray("- name: ") + name + "\n  context:\n    cluster: sim\n    user: " + name + "\n    namespace: demo\n";
        return yaml;
    }

    // Connects the window to `context` and waits until it is live or has failed.
    bool connectTo(const QString &context)
    {
        auto config = backends::kube::Kubeconfig::load({m_kubeconfig});
        if (!config.ok())
            return false;
        m_console.window->showKubeconfig(config.value(), context);
        return QTest::qWaitFor([&] {
            return session()->contextName() == context && (session()->state() == KubeSession::ConnectionState::Live ||
                                                           session()->state() == KubeSession::ConnectionState::Error);
        }, 20000);
    }

    // One change through the context's action facade, audited whatever its outcome.
    backends::actions::ActionResult label(const QString &value)
    {
        backends::actions::ActionResult result;
        bool done = false;
        const auto action = backends::actions::Action::mergePatch(
            QStringLiteral("label"), ResourceRef::configMaps(), QStringLiteral("demo"), QStringLiteral("web-config"),
            QJsonObject{{QStringLiteral("metadata"), QJsonObject{{QStringLiteral("labels"), QJsonObject{{QStringLiteral("by"), value}}}}}},
            QString(), QStringLiteral("label by=%1").arg(value));
        backends::actions::facadeFor(session())->execute(action, this, [&](const backends::actions::ActionResult &r) { result = r; done = true; });
        if (!QTest::qWaitFor([&] { return done; }, 20000))
            qFatal("no outcome within 20 s");
        return result;
    }

    bool openSecret()
    {
        pane()->showObject(secrets, QStringLiteral("demo"), QStringLiteral("api-token"));
        return QTest::qWaitFor([&] { return pane()->yamlEdit()->toPlainText().contains(QStringLiteral("name: api-token")); }, 10000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        g_previousHandler = qInstallMessageHandler(captureMessage);
        m_sim = std::make_unique<SimProcess>();
        QString error;
        QVERIFY2(m_sim->start(&error), qPrintable(error));
        m_password = randomWord("pw-");
        m_stderrMarker = randomWord("stderr-");
        m_keyPem = readAll(m_sim->keyFile());
        QVERIFY(m_keyPem.contains("PRIVATE KEY"));
        m_kubeconfig = m_files.filePath(QStringLiteral("kubeconfig"));
        QFile file(m_kubeconfig);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(kubeconfigYaml());
        file.close();
        QVERIFY2(m_console.open(m_kubeconfig, &error), qPrintable(error));
        m_console.window->setExecApprovalHandler([](widgets::shell::ExecApprovalDialog *) { return true; });
    }

    void cleanupTestCase()
    {
        m_console.close();
        m_sim.reset();
        qInstallMessageHandler(g_previousHandler);
    }

    void revealIsRefusedWhenItCannotBeAudited()
    {
        QVERIFY(connectTo(QStringLiteral("certificate")));
        QVERIFY(openSecret());
        QVERIFY(pane()->yamlEdit()->toPlainText().contains(QStringLiteral("********")));
        // The audit log's path is a folder now: no line can be appended (whoever runs the test).
        QFile::remove(m_console.auditPath());
        QVERIFY(QDir().mkpath(m_console.auditPath()));
        bool asked = false;
        pane()->setRevealConfirmHandler([&](const QString &) { asked = true; return true; });
        pane()->revealSecret();
        QVERIFY(asked);
        QVERIFY(pane()->yamlEdit()->toPlainText().contains(QStringLiteral("********")));
        QVERIFY(!pane()->yamlEdit()->toPlainText().contains(QString::fromLatin1(secretValue)));
        QVERIFY2(pane()->statusMessage().contains(QStringLiteral("not shown")) &&
                     pane()->statusMessage().contains(QStringLiteral("audit log")),
                 qPrintable(pane()->statusMessage()));

        // Writable again: the reveal goes ahead.
        QVERIFY(QDir(m_console.auditPath()).removeRecursively());
        pane()->revealSecret();
        QVERIFY(pane()->yamlEdit()->toPlainText().contains(QString::fromLatin1(secretValue)));
        QVERIFY(readAll(m_console.auditPath()).contains("reveal-secret"));
    }

    void noCredentialIsKeptAnywhere()
    {
        struct Case {
            const char *context;
            backends::actions::Outcome outcome;
        };
        using backends::actions::Outcome;
        const Case cases[] = {{"token", Outcome::Forbidden},          {"token-file", Outcome::Forbidden},
                              {"basic", Outcome::Failed},             {"certificate", Outcome::Succeeded},
                              {"exec-token", Outcome::Forbidden},     {"exec-certificate", Outcome::Succeeded},
                              {"exec-failing", Outcome::Failed}};
        for (const Case &c : cases) {
            const QString context = QString::fromLatin1(c.context);
            QVERIFY2(connectTo(context), qPrintable(context + QStringLiteral(": ") + session()->stateDetail()));
            const auto result = label(context);
            QVERIFY2(result.outcome == c.outcome, qPrintable(context + QStringLiteral(": ") + backends::actions::outcomeName(result.outcome) +
                                                             QStringLiteral(" ") + result.error.message));
            if (context == QLatin1String("exec-failing"))  // the operator is shown why
                QVERIFY2(result.error.message.contains(m_stderrMarker), qPrintable(result.error.message));
        }

        // A reveal as the administrator.
        QVERIFY(connectTo(QStringLiteral("certificate")));
        QVERIFY(openSecret());
        pane()->setRevealConfirmHandler([](const QString &) { return true; });
        pane()->revealSecret();
        QVERIFY(pane()->yamlEdit()->toPlainText().contains(QString::fromLatin1(secretValue)));
        m_console.window->close();
        m_console.shell.settings->raw().sync();

        const QByteArray audit = readAll(m_console.auditPath());
        for (const Case &c : cases)
            QVERIFY2(audit.contains("\"context\":\"" + QByteArray(c.context) + "\""), c.context);
        QVERIFY2(audit.contains("reveal-secret"), audit.constData());
        QVERIFY2(audit.contains("exit code 3"), audit.constData());  // the failing plugin's line is there, without its stderr

        const QByteArray settings = readAll(m_console.shell.settingsDir.filePath(QStringLiteral("settings.ini")));
        QVERIFY(!settings.isEmpty());
        const QByteArray approvals = readAll(m_console.dir.filePath(QStringLiteral("approvals.json")));
        QVERIFY(!approvals.isEmpty());
        QByteArray log;
        {
            QMutexLocker lock(&g_logMutex);
            log = g_log;
        }

        // The private key by its longest base64 line, and as the kubeconfig carries it.
        QByteArray keyLine;
        for (const QByteArray &line : m_keyPem.split('\n'))
            if (line.size() > keyLine.size())
                keyLine = line;
        const QList<QPair<const char *, QByteArray>> secretsToFind = {
            {"the bearer token", m_sim->viewerToken().toUtf8()},
            {"the password", m_password.toUtf8()},
            {"the basic auth header", ("alice:" + m_password).toUtf8().toBase64()},
            {"the private key", keyLine},
            {"the private key data", m_keyPem.toBase64().left(60)},
            {"the plugin's stderr", m_stderrMarker.toUtf8()},
            {"the Secret's value", secretValue},
            {"the Secret's decoded value", secretDecoded},
        };
        const QList<QPair<const char *, QByteArray>> places = {
            {"audit.jsonl", audit}, {"the settings", settings}, {"the exec approvals", approvals}, {"the log", log}};
        for (const auto &[place, text] : places)
            for (const auto &[what, value] : secretsToFind)
                QVERIFY2(!text.contains(value), qPrintable(QStringLiteral("%1 found in %2").arg(QLatin1String(what), QLatin1String(place))));
    }
};

QTEST_MAIN(TestSecrecy)
#include "tst_secrecy.moc"
