// Tests the credential provider (token, token file, basic, certificate, exec plugins) and the
// exec approval gate, running the plugin scripts in tests/data/exec/.
#include "kube/auth/credentials.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using pilothouse::backends::ErrorKind;
using pilothouse::backends::errorKindName;
using pilothouse::backends::Result;
using pilothouse::backends::kube::AuthMaterial;
using pilothouse::backends::kube::CredentialProvider;
using pilothouse::backends::kube::ExecApprovalStore;
using pilothouse::backends::kube::ExecConfig;
using pilothouse::backends::kube::Kubeconfig;
using pilothouse::backends::kube::ResolvedContext;

namespace {

const QString V1 = QStringLiteral("client.authentication.k8s.io/v1");
const QString V1beta1 = QStringLiteral("client.authentication.k8s.io/v1beta1");

QString execDir()
{
    const QString source = qEnvironmentVariable("PILOTHOUSE_SOURCE_DIR");
    const QString base = source.isEmpty() ? QFileInfo(QStringLiteral(__FILE__)).absolutePath() + QStringLiteral("/../..")
                                          : source;
    return QDir::cleanPath(base + QStringLiteral("/tests/data/exec"));
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeFile(const QString &path, const QByteArray &contents)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(contents);
}

int lineCount(const QString &path)
{
    return int(readFile(path).count('\n'));
}

ResolvedContext contextWithUser(const pilothouse::backends::kube::KubeUser &user)
{
    ResolvedContext context;
    context.contextName = QStringLiteral("test");
    context.server = QStringLiteral("https://127.0.0.1:6443");
    context.ns = QStringLiteral("default");
    context.user = user;
    context.user.name = QStringLiteral("tester");
    return context;
}

QString errorOf(const Result<AuthMaterial> &result)
{
    return result.ok() ? QStringLiteral("<no error>") : result.error().message;
}

} // namespace

class TestCredentials : public QObject
{
    Q_OBJECT

private slots:
    void init();

    void staticToken();
    void tokenWinsOverTokenFile();
    void tokenFileFollowsChanges();
    void tokenFileMissing();
    void basicAuth();
    void clientCertificate();
    void noCredentials();
    void authProviderUnsupported();

    void execToken();
    void execClientCertificate();
    void execFromResolvedKubeconfig();
    void execPosixShellPlugin();
    void execCachesWithoutExpiry();
    void execRefreshesAfterExpiry();
    void execKeepsUnexpiredCredential();
    void invalidateRunsOnceMore();
    void concurrentCallersRunPluginOnce();
    void immediateNeverRunsThePlugin();
    void obtainAnswersOnTheCallersThreadWithoutWaiting();
    void obtainCallersShareOneRun();
    void obtainAfterARefreshUsesItsCredential();
    void obtainForAGoneContextIsDropped();
    void staleRejectionKeepsTheNewerCredential();
    void closingStopsARunningPlugin();
    void tokenFileIsReadOnTheWorker();
    void execV1RequiresInteractiveMode();
    void execV1beta1WithoutInteractiveMode();
    void execAlwaysInteractiveFails();
    void execInfoWithClusterInfo();
    void execInfoWithoutClusterInfo();
    void execEnvironmentInheritedAndExtended();
    void execArgsVerbatimNoShell();
    void execFailureShowsStderrAndHint();
    void unapprovedMessageRecordsNoArguments();
    void execMissingProgramShowsHint_data();
    void execMissingProgramShowsHint();
    void execTimeoutKills();
    void execBadOutput_data();
    void execBadOutput();

    void unapprovedDoesNotRun();
    void approvedRuns();
    void changedCommandNeedsApprovalAgain_data();
    void changedCommandNeedsApprovalAgain();
    void fingerprintIsUnambiguous();
    void approvalsPersistAcrossInstances();
    void approvalStoreCreatesFolders();

private:
    ExecConfig pluginExec(const QList<QPair<QString, QString>> &extraEnv = {}) const;
    std::unique_ptr<CredentialProvider> approvedProvider(const ExecConfig &exec, ResolvedContext context = {});

    std::unique_ptr<QTemporaryDir> m_dir;
    std::shared_ptr<ExecApprovalStore> m_store;
    QString m_counter;
};

void TestCredentials::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = std::make_shared<ExecApprovalStore>(m_dir->filePath(QStringLiteral("approvals.json")));
    m_counter = m_dir->filePath(QStringLiteral("counter"));
}

ExecConfig TestCredentials::pluginExec(const QList<QPair<QString, QString>> &extraEnv) const
{
    ExecConfig exec;
    exec.apiVersion = V1;
    exec.command = execDir() + QStringLiteral("/plugin.py");
    exec.interactiveMode = QStringLiteral("Never");
    exec.installHint = QStringLiteral("Install example-login from https://example.invalid/login");
    exec.env = {{QStringLiteral("PLUGIN_COUNTER"), m_counter}};
    exec.env += extraEnv;
    return exec;
}

std::unique_ptr<CredentialProvider> TestCredentials::approvedProvider(const ExecConfig &exec, ResolvedContext context)
{
    pilothouse::backends::kube::KubeUser user;
    user.exec = exec;
    if (context.contextName.isEmpty())
        context = contextWithUser(user);
    else
        context.user.exec = exec;
    if (!m_store->approve(exec))
        qWarning("could not write the approval store");
    return std::make_unique<CredentialProvider>(context, m_store);
}

void TestCredentials::staticToken()
{
    pilothouse::backends::kube::KubeUser user;
    user.token = QStringLiteral("abc.def");
    CredentialProvider provider(contextWithUser(user), m_store);
    const auto material = provider.credentials();
    QVERIFY2(material.ok(), qPrintable(errorOf(material)));
    QCOMPARE(material.value().authorization, QByteArray("Bearer abc.def"));
    QVERIFY(material.value().clientCertPem.isEmpty());
    QVERIFY(!provider.needsApproval());
    QVERIFY(!provider.execConfig());
}

void TestCredentials::tokenWinsOverTokenFile()
{
    const QString path = m_dir->filePath("token");
    writeFile(path, "from-file\n");
    pilothouse::backends::kube::KubeUser user;
    user.token = QStringLiteral("inline");
    user.tokenFile = path;
    CredentialProvider provider(contextWithUser(user), m_store);
    QCOMPARE(provider.credentials().value().authorization, QByteArray("Bearer inline"));
}

void TestCredentials::tokenFileFollowsChanges()
{
    const QString path = m_dir->filePath("token");
    writeFile(path, "  first-token \n");
    pilothouse::backends::kube::KubeUser user;
    user.tokenFile = path;
    CredentialProvider provider(contextWithUser(user), m_store);
    QCOMPARE(provider.credentials().value().authorization, QByteArray("Bearer first-token"));
    QCOMPARE(provider.credentials().value().authorization, QByteArray("Bearer first-token"));

    // A rotated token of the same length; the modification time is what tells them apart.
    writeFile(path, "second-tok\n");
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.setFileTime(QDateTime::currentDateTimeUtc().addSecs(5), QFileDevice::FileModificationTime));
    file.close();
    QCOMPARE(provider.credentials().value().authorization, QByteArray("Bearer second-tok"));

    writeFile(path, "a-longer-third-token");
    QCOMPARE(provider.credentials().value().authorization, QByteArray("Bearer a-longer-third-token"));
}

void TestCredentials::tokenFileMissing()
{
    pilothouse::backends::kube::KubeUser user;
    user.tokenFile = m_dir->filePath("missing-token");
    CredentialProvider provider(contextWithUser(user), m_store);
    const auto material = provider.credentials();
    QVERIFY(!material.ok());
    QCOMPARE(material.error().kind, ErrorKind::Config);
    QVERIFY2(material.error().message.contains(user.tokenFile) && material.error().message.contains("\"tester\""),
             qPrintable(material.error().message));

    writeFile(user.tokenFile, "\n  \n");
    QVERIFY(provider.credentials().error().message.contains("empty"));
}

void TestCredentials::basicAuth()
{
    pilothouse::backends::kube::KubeUser user;
    user.username = QStringLiteral("alice");
    user.password = QStringLiteral("s3cret:x");
    CredentialProvider provider(contextWithUser(user), m_store);
    // base64("alice:s3cret:x")
    QCOMPARE(provider.credentials().value().authorization, QByteArray("Basic YWxpY2U6czNjcmV0Ong="));
}

void TestCredentials::clientCertificate()
{
    pilothouse::backends::kube::KubeUser user;
    user.clientCertFile = QStringLiteral("/loaded/by/resolve.crt");
    user.clientKeyFile = QStringLiteral("/loaded/by/resolve.key");
    ResolvedContext context = contextWithUser(user);
    context.tls.clientCertPem = "CERT PEM";
    context.tls.clientKeyPem = "KEY PEM";
    CredentialProvider provider(context, m_store);
    const auto material = provider.credentials();
    QVERIFY2(material.ok(), qPrintable(errorOf(material)));
    QCOMPARE(material.value().clientCertPem, QByteArray("CERT PEM"));
    QCOMPARE(material.value().clientKeyPem, QByteArray("KEY PEM"));
    QVERIFY(material.value().authorization.isEmpty());

    // A context built by hand with only the user's data.
    pilothouse::backends::kube::KubeUser dataUser;
    dataUser.clientCertData = "DATA CERT";
    dataUser.clientKeyData = "DATA KEY";
    CredentialProvider fromData(contextWithUser(dataUser), m_store);
    QCOMPARE(fromData.credentials().value().clientCertPem, QByteArray("DATA CERT"));
    QCOMPARE(fromData.credentials().value().clientKeyPem, QByteArray("DATA KEY"));
}

void TestCredentials::noCredentials()
{
    CredentialProvider provider(contextWithUser({}), m_store);
    const auto material = provider.credentials();
    QVERIFY(material.ok());
    QVERIFY(material.value().authorization.isEmpty());
    QVERIFY(material.value().clientCertPem.isEmpty());
}

void TestCredentials::authProviderUnsupported()
{
    pilothouse::backends::kube::KubeUser user;
    user.hasAuthProvider = true;
    user.authProviderName = QStringLiteral("oidc");
    CredentialProvider provider(contextWithUser(user), m_store);
    const auto material = provider.credentials();
    QCOMPARE(material.error().kind, ErrorKind::Config);
    QVERIFY(material.error().message.contains("auth-provider \"oidc\""));
}

void TestCredentials::execToken()
{
    auto provider = approvedProvider(pluginExec());
    QVERIFY(!provider->needsApproval());
    const auto material = provider->credentials();
    QVERIFY2(material.ok(), qPrintable(errorOf(material)));
    QCOMPARE(material.value().authorization, QByteArray("Bearer exec-token-1"));
    QVERIFY(material.value().clientCertPem.isEmpty());
    QCOMPARE(provider->execRuns(), 1);
    QCOMPARE(lineCount(m_counter), 1);
    QCOMPARE(provider->execConfig()->command, pluginExec().command);
}

void TestCredentials::execClientCertificate()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_MODE", "cert"}}));
    const auto material = provider->credentials();
    QVERIFY2(material.ok(), qPrintable(errorOf(material)));
    QVERIFY(material.value().authorization.isEmpty());
    QVERIFY(material.value().clientCertPem.startsWith("-----BEGIN CERTIFICATE-----\nZXhlYyBjZXJ0\n"));
    QVERIFY(material.value().clientKeyPem.startsWith("-----BEGIN PRIVATE KEY-----\nZXhlYyBrZXk=\n"));
}

void TestCredentials::execFromResolvedKubeconfig()
{
    // The kubeconfig names the plugin relative to its own folder.
    const QString kubeconfigPath = m_dir->filePath("kube/config");
    QVERIFY(QDir().mkpath(m_dir->filePath("kube/bin")));
    QVERIFY(QFile::copy(execDir() + "/plugin.py", m_dir->filePath("kube/bin/plugin.py")));
    writeFile(kubeconfigPath, "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
                              "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n"
                              "users:\n- name: u\n  user:\n    exec:\n"
                              "      apiVersion: client.authentication.k8s.io/v1beta1\n"
                              "      command: ./bin/plugin.py\n"
                              "      env:\n      - name: PLUGIN_COUNTER\n        value: "
                                  + m_counter.toUtf8() + "\n"
                              "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n");
    const auto config = Kubeconfig::load({kubeconfigPath});
    QVERIFY2(config.ok(), qPrintable(config.error().message));
    const auto resolved = config.value().resolve();
    QVERIFY2(resolved.ok(), qPrintable(resolved.error().message));
    QCOMPARE(resolved.value().user.exec->command, m_dir->filePath("kube/bin/plugin.py"));

    CredentialProvider provider(resolved.value(), m_store);
    QVERIFY(provider.needsApproval());
    QVERIFY(m_store->approve(*provider.execConfig()));
    QVERIFY(!provider.needsApproval());
    const auto material = provider.credentials();
    QVERIFY2(material.ok(), qPrintable(errorOf(material)));
    QCOMPARE(material.value().authorization, QByteArray("Bearer exec-token-1"));
}

void TestCredentials::execPosixShellPlugin()
{
    ExecConfig exec;
    exec.apiVersion = V1beta1;
    exec.command = execDir() + "/token.sh";
    exec.args = {"one two", "$HOME"};
    exec.env = {{"PLUGIN_ARGS_OUT", m_dir->filePath("sh-args")}};
    auto provider = approvedProvider(exec);
    const auto material = provider->credentials();
    QVERIFY2(material.ok(), qPrintable(errorOf(material)));
    QCOMPARE(material.value().authorization, QByteArray("Bearer sh-token"));
    QCOMPARE(readFile(m_dir->filePath("sh-args")), QByteArray("one two\n$HOME\n"));
}

void TestCredentials::execCachesWithoutExpiry()
{
    auto provider = approvedProvider(pluginExec());
    QCOMPARE(provider->credentials().value().authorization, QByteArray("Bearer exec-token-1"));
    QCOMPARE(provider->credentials().value().authorization, QByteArray("Bearer exec-token-1"));
    QCOMPARE(provider->credentials().value().authorization, QByteArray("Bearer exec-token-1"));
    QCOMPARE(provider->execRuns(), 1);
    QCOMPARE(lineCount(m_counter), 1);
}

void TestCredentials::execRefreshesAfterExpiry()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_EXPIRES_IN", "1"}}));
    QCOMPARE(provider->credentials().value().authorization, QByteArray("Bearer exec-token-1"));
    // The timestamp has whole seconds; 2.1 s is past it whatever the rounding.
    QThread::msleep(2100);
    QCOMPARE(provider->credentials().value().authorization, QByteArray("Bearer exec-token-2"));
    QCOMPARE(provider->execRuns(), 2);
    QCOMPARE(lineCount(m_counter), 2);
}

void TestCredentials::execKeepsUnexpiredCredential()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_EXPIRES_IN", "3600"}}));
    QCOMPARE(provider->credentials().value().authorization, QByteArray("Bearer exec-token-1"));
    QThread::msleep(1100);
    QCOMPARE(provider->credentials().value().authorization, QByteArray("Bearer exec-token-1"));
    QCOMPARE(provider->execRuns(), 1);
    QCOMPARE(lineCount(m_counter), 1);
}

void TestCredentials::invalidateRunsOnceMore()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_EXPIRES_IN", "3600"}}));
    QCOMPARE(provider->credentials().value().authorization, QByteArray("Bearer exec-token-1"));
    provider->invalidate();
    QCOMPARE(provider->credentials().value().authorization, QByteArray("Bearer exec-token-2"));
    QCOMPARE(provider->credentials().value().authorization, QByteArray("Bearer exec-token-2"));
    QCOMPARE(provider->execRuns(), 2);
    QCOMPARE(lineCount(m_counter), 2);
}

void TestCredentials::concurrentCallersRunPluginOnce()
{
    auto provider = approvedProvider(pluginExec());
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            if (provider->credentials().valueOr(AuthMaterial{}).authorization == "Bearer exec-token-1")
                ++good;
        });
    }
    for (auto &thread : threads)
        thread.join();
    QCOMPARE(good.load(), 8);
    QCOMPARE(lineCount(m_counter), 1);
}

namespace {

// Collects what obtain() answers, on the thread it was called from.
struct Answers : QObject {
    QList<Result<AuthMaterial>> results;
    QList<QThread *> threads;
    CredentialProvider::Done callback()
    {
        return [this](const Result<AuthMaterial> &r) {
            results.append(r);
            threads.append(QThread::currentThread());
        };
    }
};

} // namespace

void TestCredentials::immediateNeverRunsThePlugin()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_DELAY", "5"}}));
    QElapsedTimer timer;
    timer.start();
    QVERIFY(!provider->immediate().has_value());
    QVERIFY2(timer.elapsed() < 500, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(provider->execRuns(), 0);
    QVERIFY(!QFile::exists(m_counter));

    pilothouse::backends::kube::KubeUser user;
    user.token = QStringLiteral("abc.def");
    CredentialProvider staticProvider(contextWithUser(user), m_store);
    const auto now = staticProvider.immediate();
    QVERIFY(now.has_value() && now->ok());
    QCOMPARE(now->value().authorization, QByteArray("Bearer abc.def"));
}

void TestCredentials::obtainAnswersOnTheCallersThreadWithoutWaiting()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_DELAY", "1"}}));
    Answers answers;
    QElapsedTimer timer;
    timer.start();
    provider->obtain(&answers, answers.callback());
    // The plugin sleeps a second; the caller is back at once.
    QVERIFY2(timer.elapsed() < 300, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(answers.results.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(answers.results.size(), 1, 10000);
    QVERIFY(timer.elapsed() >= 900);
    QVERIFY2(answers.results.first().ok(), qPrintable(errorOf(answers.results.first())));
    QCOMPARE(answers.results.first().value().authorization, QByteArray("Bearer exec-token-1"));
    QCOMPARE(answers.threads.first(), QThread::currentThread());
    // Cached now: immediate() has it, and the plugin does not run again.
    QCOMPARE(provider->immediate()->value().authorization, QByteArray("Bearer exec-token-1"));
    QCOMPARE(lineCount(m_counter), 1);
}

void TestCredentials::obtainCallersShareOneRun()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_DELAY", "1"}}));
    Answers answers;
    for (int i = 0; i < 5; ++i)
        provider->obtain(&answers, answers.callback());
    // A blocking caller on another thread during the same refresh waits for that run too.
    QByteArray blocking;
    std::thread worker([&] { blocking = provider->credentials().valueOr(AuthMaterial{}).authorization; });
    QTRY_COMPARE_WITH_TIMEOUT(answers.results.size(), 5, 10000);
    worker.join();
    for (const auto &r : answers.results)
        QCOMPARE(r.value().authorization, QByteArray("Bearer exec-token-1"));
    QCOMPARE(blocking, QByteArray("Bearer exec-token-1"));
    QCOMPARE(lineCount(m_counter), 1);
    QCOMPARE(provider->execRuns(), 1);
}

void TestCredentials::obtainAfterARefreshUsesItsCredential()
{
    auto provider = approvedProvider(pluginExec());
    QVERIFY(provider->credentials().ok());
    Answers answers;
    provider->obtain(&answers, answers.callback());
    QVERIFY(answers.results.isEmpty());  // always queued, even when cached
    QTRY_COMPARE_WITH_TIMEOUT(answers.results.size(), 1, 5000);
    QCOMPARE(answers.results.first().value().authorization, QByteArray("Bearer exec-token-1"));
    QCOMPARE(lineCount(m_counter), 1);
}

void TestCredentials::obtainForAGoneContextIsDropped()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_DELAY", "0.5"}}));
    int called = 0;
    auto gone = std::make_unique<QObject>();
    provider->obtain(gone.get(), [&](const Result<AuthMaterial> &) { ++called; });
    Answers later;
    provider->obtain(&later, later.callback());
    gone.reset();
    QTRY_COMPARE_WITH_TIMEOUT(later.results.size(), 1, 10000);
    QTest::qWait(50);
    QCOMPARE(called, 0);
}

void TestCredentials::staleRejectionKeepsTheNewerCredential()
{
    auto provider = approvedProvider(pluginExec());
    const AuthMaterial first = provider->credentials().value();
    QCOMPARE(first.authorization, QByteArray("Bearer exec-token-1"));
    provider->invalidate(first);
    const AuthMaterial second = provider->credentials().value();
    QCOMPARE(second.authorization, QByteArray("Bearer exec-token-2"));
    // A 401 for a request sent with the first token arrives late: the second one stays.
    provider->invalidate(first);
    QVERIFY(provider->immediate().has_value());
    QCOMPARE(provider->immediate()->value().authorization, QByteArray("Bearer exec-token-2"));
    QCOMPARE(lineCount(m_counter), 2);
    provider->invalidate(second);
    QVERIFY(!provider->immediate().has_value());
}

void TestCredentials::closingStopsARunningPlugin()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_MODE", "sleep"}}));  // sleeps a minute
    Answers answers;
    provider->obtain(&answers, answers.callback());
    QTRY_COMPARE_WITH_TIMEOUT(lineCount(m_counter), 1, 10000);  // it runs
    QElapsedTimer timer;
    timer.start();
    provider.reset();
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QTRY_COMPARE_WITH_TIMEOUT(answers.results.size(), 1, 5000);
    QCOMPARE(answers.results.first().error().kind, ErrorKind::Cancelled);
}

void TestCredentials::tokenFileIsReadOnTheWorker()
{
    const QString path = m_dir->filePath("token");
    writeFile(path, "file-token\n");
    pilothouse::backends::kube::KubeUser user;
    user.tokenFile = path;
    CredentialProvider provider(contextWithUser(user), m_store);
    QVERIFY(!provider.immediate().has_value());  // not read yet
    Answers answers;
    provider.obtain(&answers, answers.callback());
    QTRY_COMPARE_WITH_TIMEOUT(answers.results.size(), 1, 5000);
    QCOMPARE(answers.results.first().value().authorization, QByteArray("Bearer file-token"));
    QVERIFY(provider.immediate().has_value());
    QCOMPARE(provider.immediate()->value().authorization, QByteArray("Bearer file-token"));
}

void TestCredentials::unapprovedMessageRecordsNoArguments()
{
    ExecConfig exec = pluginExec();
    exec.args = {"get-token", "--secret", "hunter4-value"};
    pilothouse::backends::kube::KubeUser user;
    user.exec = exec;
    CredentialProvider provider(contextWithUser(user), m_store);
    const auto material = provider.credentials();
    QVERIFY(material.error().message.contains("hunter4-value"));  // shown to the operator, who owns it
    QVERIFY2(!material.error().messageToRecord().contains("hunter4-value"), qPrintable(material.error().messageToRecord()));
    QVERIFY(material.error().messageToRecord().contains("has not been approved"));
}

void TestCredentials::execV1RequiresInteractiveMode()
{
    ExecConfig exec = pluginExec();
    exec.interactiveMode.clear();
    auto provider = approvedProvider(exec);
    const auto material = provider->credentials();
    QCOMPARE(material.error().kind, ErrorKind::Config);
    QVERIFY2(material.error().message.contains("interactiveMode") && material.error().message.contains("\"tester\""),
             qPrintable(material.error().message));
    QVERIFY(!QFile::exists(m_counter));
    QVERIFY(!provider->needsApproval());
}

void TestCredentials::execV1beta1WithoutInteractiveMode()
{
    ExecConfig exec = pluginExec();
    exec.apiVersion = V1beta1;
    exec.interactiveMode.clear();
    auto provider = approvedProvider(exec);
    const auto material = provider->credentials();
    QVERIFY2(material.ok(), qPrintable(errorOf(material)));
    QCOMPARE(material.value().authorization, QByteArray("Bearer exec-token-1"));
}

void TestCredentials::execAlwaysInteractiveFails()
{
    ExecConfig exec = pluginExec();
    exec.interactiveMode = QStringLiteral("Always");
    auto provider = approvedProvider(exec);
    const auto material = provider->credentials();
    QCOMPARE(material.error().kind, ErrorKind::Config);
    QVERIFY2(material.error().message.contains("terminal") && material.error().message.contains("Always"),
             qPrintable(material.error().message));
    QVERIFY(!QFile::exists(m_counter));
}

void TestCredentials::execInfoWithClusterInfo()
{
    const QString infoPath = m_dir->filePath("info.json");
    ExecConfig exec = pluginExec({{"PLUGIN_INFO_OUT", infoPath}});
    exec.provideClusterInfo = true;
    ResolvedContext context = contextWithUser({});
    context.server = QStringLiteral("https://api.example:6443");
    context.tls.caPem = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
    context.tls.serverName = QStringLiteral("api.internal");
    context.tls.proxyUrl = QStringLiteral("http://proxy.example:3128");
    auto provider = approvedProvider(exec, context);
    QVERIFY2(provider->credentials().ok(), qPrintable(errorOf(provider->credentials())));

    const QJsonObject info = QJsonDocument::fromJson(readFile(infoPath)).object();
    QCOMPARE(info.value("apiVersion").toString(), V1);
    QCOMPARE(info.value("kind").toString(), QStringLiteral("ExecCredential"));
    const QJsonObject spec = info.value("spec").toObject();
    QVERIFY(spec.contains("interactive"));
    QCOMPARE(spec.value("interactive").toBool(true), false);
    const QJsonObject cluster = spec.value("cluster").toObject();
    QCOMPARE(cluster.value("server").toString(), QStringLiteral("https://api.example:6443"));
    QCOMPARE(QByteArray::fromBase64(cluster.value("certificate-authority-data").toString().toLatin1()), context.tls.caPem);
    QCOMPARE(cluster.value("tls-server-name").toString(), QStringLiteral("api.internal"));
    QCOMPARE(cluster.value("proxy-url").toString(), QStringLiteral("http://proxy.example:3128"));
    QVERIFY(!cluster.contains("insecure-skip-tls-verify"));
}

void TestCredentials::execInfoWithoutClusterInfo()
{
    const QString infoPath = m_dir->filePath("info.json");
    auto provider = approvedProvider(pluginExec({{"PLUGIN_INFO_OUT", infoPath}}));
    QVERIFY(provider->credentials().ok());
    const QJsonObject info = QJsonDocument::fromJson(readFile(infoPath)).object();
    QCOMPARE(info.value("apiVersion").toString(), V1);
    QVERIFY(info.value("spec").toObject().contains("interactive"));
    QVERIFY(!info.value("spec").toObject().contains("cluster"));
}

void TestCredentials::execEnvironmentInheritedAndExtended()
{
    qputenv("PILOTHOUSE_TEST_INHERITED", "from-parent");
    qputenv("PILOTHOUSE_TEST_OVERRIDDEN", "from-parent");
    const QString envPath = m_dir->filePath("env.json");
    auto provider = approvedProvider(
        pluginExec({{"PLUGIN_ENV_OUT", envPath}, {"PILOTHOUSE_TEST_OVERRIDDEN", "from-kubeconfig"}, {"EXTRA", "a b $c"}}));
    QVERIFY(provider->credentials().ok());
    const QJsonObject env = QJsonDocument::fromJson(readFile(envPath)).object();
    QCOMPARE(env.value("PILOTHOUSE_TEST_INHERITED").toString(), QStringLiteral("from-parent"));
    QCOMPARE(env.value("PILOTHOUSE_TEST_OVERRIDDEN").toString(), QStringLiteral("from-kubeconfig"));
    QCOMPARE(env.value("EXTRA").toString(), QStringLiteral("a b $c"));
    QVERIFY(env.contains("PATH"));
    QVERIFY(env.contains("KUBERNETES_EXEC_INFO"));
    qunsetenv("PILOTHOUSE_TEST_INHERITED");
    qunsetenv("PILOTHOUSE_TEST_OVERRIDDEN");
}

void TestCredentials::execArgsVerbatimNoShell()
{
    const QString argsPath = m_dir->filePath("args.json");
    const QString pwned = m_dir->filePath("pwned");
    const QStringList args = {
        QStringLiteral("--cluster-name=my cluster"),
        QStringLiteral("$(touch %1)").arg(pwned),
        QStringLiteral("; touch %1-semicolon").arg(pwned),
        QStringLiteral("`touch %1-backtick`").arg(pwned),
        QStringLiteral("| touch %1-pipe").arg(pwned),
        QStringLiteral("&& touch %1-and").arg(pwned),
        QStringLiteral("*"),
        QStringLiteral("$HOME"),
        QStringLiteral("it's \"quoted\""),
        QStringLiteral("back\\slash"),
        QString(),
        QStringLiteral("line\nbreak"),
    };
    ExecConfig exec = pluginExec({{"PLUGIN_ARGS_OUT", argsPath}});
    exec.args = args;
    auto provider = approvedProvider(exec);
    const auto material = provider->credentials();
    QVERIFY2(material.ok(), qPrintable(errorOf(material)));

    QStringList received;
    for (const QJsonValue &value : QJsonDocument::fromJson(readFile(argsPath)).array())
        received << value.toString();
    QCOMPARE(received, args);
    for (const char *suffix : {"", "-semicolon", "-backtick", "-pipe", "-and"})
        QVERIFY2(!QFile::exists(pwned + QLatin1String(suffix)), suffix);
}

void TestCredentials::execFailureShowsStderrAndHint()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_MODE", "fail"}}));
    const auto material = provider->credentials();
    QVERIFY(!material.ok());
    const QString message = material.error().message;
    QCOMPARE(material.error().kind, ErrorKind::Config);
    QVERIFY2(message.contains("exit code 3"), qPrintable(message));
    QVERIFY2(message.contains("your SSO session has expired") && message.contains("example-login"), qPrintable(message));
    QVERIFY2(!message.contains("fourth line"), qPrintable(message));
    QVERIFY2(message.contains(pluginExec().installHint), qPrintable(message));
    QVERIFY2(!message.contains("SECRET-STDOUT"), qPrintable(message));
    QVERIFY2(!message.contains('\n'), qPrintable(message));
    QCOMPARE(lineCount(m_counter), 1);
    // What may be kept (the audit line) says what failed, without the plugin's stderr.
    const QString recorded = material.error().messageToRecord();
    QVERIFY2(recorded.contains("exit code 3") && recorded.contains(pluginExec().installHint), qPrintable(recorded));
    QVERIFY2(!recorded.contains("SSO") && !recorded.contains("example-login to log in"), qPrintable(recorded));

    // A failure is not cached: the next call tries again.
    QVERIFY(!provider->credentials().ok());
    QCOMPARE(lineCount(m_counter), 2);
}

void TestCredentials::execMissingProgramShowsHint_data()
{
    QTest::addColumn<QString>("command");
    QTest::newRow("absolute path") << QStringLiteral("/nonexistent/pilothouse/no-such-plugin");
    QTest::newRow("PATH lookup") << QStringLiteral("pilothouse-no-such-plugin-7f3a");
}

void TestCredentials::execMissingProgramShowsHint()
{
    QFETCH(QString, command);
    ExecConfig exec = pluginExec();
    exec.command = command;
    auto provider = approvedProvider(exec);
    const auto material = provider->credentials();
    QVERIFY(!material.ok());
    QCOMPARE(material.error().kind, ErrorKind::Config);
    QVERIFY2(material.error().message.contains(command) && material.error().message.contains(exec.installHint),
             qPrintable(material.error().message));
}

void TestCredentials::execTimeoutKills()
{
    auto provider = approvedProvider(pluginExec({{"PLUGIN_MODE", "sleep"}}));
    provider->setExecTimeoutMs(700);
    QElapsedTimer timer;
    timer.start();
    const auto material = provider->credentials();
    QVERIFY(!material.ok());
    QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY2(material.error().message.contains("did not finish within 0.7 s"), qPrintable(material.error().message));
}

void TestCredentials::execBadOutput_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QString>("apiVersion");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not json") << "badjson" << "" << "did not print an ExecCredential";
    QTest::newRow("apiVersion mismatch") << "token" << V1beta1 << "answered with apiVersion";
    QTest::newRow("old apiVersion") << "wrongversion" << "" << "answered with apiVersion";
    QTest::newRow("no credential") << "nocred" << "" << "neither a token nor a client certificate";
}

void TestCredentials::execBadOutput()
{
    QFETCH(QString, mode);
    QFETCH(QString, apiVersion);
    QFETCH(QString, expected);
    auto provider = approvedProvider(pluginExec({{"PLUGIN_MODE", mode}, {"PLUGIN_API_VERSION", apiVersion}}));
    const auto material = provider->credentials();
    QVERIFY(!material.ok());
    QVERIFY2(material.error().message.contains(expected), qPrintable(material.error().message));
    QVERIFY(!material.error().message.contains("SECRET-STDOUT"));
}

void TestCredentials::unapprovedDoesNotRun()
{
    ExecConfig exec = pluginExec();
    exec.args = {"get-token", "--name", "my cluster"};
    pilothouse::backends::kube::KubeUser user;
    user.exec = exec;
    CredentialProvider provider(contextWithUser(user), m_store);
    QVERIFY(provider.needsApproval());
    const auto material = provider.credentials();
    QVERIFY(!material.ok());
    QCOMPARE(material.error().kind, ErrorKind::Config);
    QCOMPARE(material.error().message,
             QStringLiteral("the exec credential plugin %1 get-token --name 'my cluster' has not been approved").arg(exec.command));
    QVERIFY(provider.needsApproval());
    QVERIFY(!QFile::exists(m_counter));
    QCOMPARE(provider.execRuns(), 0);

    // Without a store nothing is ever approved.
    CredentialProvider noStore(contextWithUser(user), nullptr);
    QVERIFY(noStore.needsApproval());
    QVERIFY(!noStore.credentials().ok());
    QVERIFY(!QFile::exists(m_counter));
}

void TestCredentials::approvedRuns()
{
    ExecConfig exec = pluginExec();
    pilothouse::backends::kube::KubeUser user;
    user.exec = exec;
    CredentialProvider provider(contextWithUser(user), m_store);
    QVERIFY(!provider.credentials().ok());
    QVERIFY(m_store->approve(exec));
    QVERIFY(!provider.needsApproval());
    const auto material = provider.credentials();
    QVERIFY2(material.ok(), qPrintable(errorOf(material)));
    QCOMPARE(lineCount(m_counter), 1);

    QVERIFY(m_store->revoke(exec));
    QVERIFY(provider.needsApproval());
    provider.invalidate();
    QVERIFY(!provider.credentials().ok());
    QCOMPARE(lineCount(m_counter), 1);
}

void TestCredentials::changedCommandNeedsApprovalAgain_data()
{
    QTest::addColumn<int>("change");
    QTest::newRow("one argument") << 0;
    QTest::newRow("an added argument") << 1;
    QTest::newRow("env value") << 2;
    QTest::newRow("env name") << 3;
    QTest::newRow("program") << 4;
    QTest::newRow("apiVersion") << 5;
}

void TestCredentials::changedCommandNeedsApprovalAgain()
{
    QFETCH(int, change);
    ExecConfig exec = pluginExec({{"REGION", "eu-west-1"}});
    exec.args = {"get-token", "--cluster", "prod"};
    QVERIFY(m_store->approve(exec));
    QVERIFY(m_store->isApproved(exec));

    ExecConfig changed = exec;
    switch (change) {
    case 0: changed.args[2] = QStringLiteral("prod2"); break;
    case 1: changed.args << QStringLiteral("--verbose"); break;
    case 2: changed.env.last().second = QStringLiteral("us-east-1"); break;
    case 3: changed.env.last().first = QStringLiteral("AWS_REGION"); break;
    case 4: changed.command = execDir() + QStringLiteral("/token.sh"); break;
    case 5: changed.apiVersion = V1beta1; break;
    }
    QVERIFY(!m_store->isApproved(changed));
    QVERIFY(ExecApprovalStore::fingerprint(changed) != ExecApprovalStore::fingerprint(exec));

    pilothouse::backends::kube::KubeUser user;
    user.exec = changed;
    CredentialProvider provider(contextWithUser(user), m_store);
    QVERIFY(provider.needsApproval());
    QVERIFY(provider.credentials().error().message.contains("has not been approved"));
    QVERIFY(!QFile::exists(m_counter));

    // The install hint and the other display fields do not change what runs.
    ExecConfig hinted = exec;
    hinted.installHint = QStringLiteral("another hint");
    QVERIFY(m_store->isApproved(hinted));
}

void TestCredentials::fingerprintIsUnambiguous()
{
    ExecConfig a;
    a.apiVersion = V1;
    a.command = QStringLiteral("plugin");
    a.args = {QStringLiteral("a b")};
    ExecConfig b = a;
    b.args = {QStringLiteral("a"), QStringLiteral("b")};
    ExecConfig c = a;
    c.args = {QStringLiteral("a b"), QString()};
    ExecConfig d = a;
    d.args.clear();
    d.env = {{QStringLiteral("a b"), QString()}};
    const QSet<QByteArray> prints = {ExecApprovalStore::fingerprint(a), ExecApprovalStore::fingerprint(b),
                                     ExecApprovalStore::fingerprint(c), ExecApprovalStore::fingerprint(d)};
    QCOMPARE(prints.size(), 4);
    QCOMPARE(ExecApprovalStore::fingerprint(a), ExecApprovalStore::fingerprint(ExecConfig(a)));
    QCOMPARE(ExecApprovalStore::fingerprint(a).size(), 64);  // hex SHA-256
}

void TestCredentials::approvalsPersistAcrossInstances()
{
    const QString path = m_dir->filePath("shared-approvals.json");
    ExecConfig exec = pluginExec();
    exec.env << QPair<QString, QString>{"SECRET_ENV", "hunter2-value"};
    exec.args = {"--token-arg", "hunter3-value"};
    {
        ExecApprovalStore first(path);
        QVERIFY(!first.isApproved(exec));
        QVERIFY(first.approve(exec));
    }
    ExecApprovalStore second(path);
    QVERIFY(second.isApproved(exec));
    // Arguments and environment can hold secrets; the store keeps only their hash.
    const QByteArray stored = readFile(path);
    QVERIFY(!stored.contains("hunter2-value"));
    QVERIFY(!stored.contains("hunter3-value"));
    QVERIFY(QFileInfo(path).permissions().testFlag(QFileDevice::ReadOwner));
    QVERIFY(!QFileInfo(path).permissions().testFlag(QFileDevice::ReadOther));

    ExecApprovalStore third(path);
    QVERIFY(third.revoke(exec));
    QVERIFY(!second.isApproved(exec));
}

void TestCredentials::approvalStoreCreatesFolders()
{
    const QString path = m_dir->filePath("config/pilothouse/nested/approvals.json");
    ExecApprovalStore store(path);
    QVERIFY(store.approve(pluginExec()));
    QVERIFY(QFile::exists(path));
    QVERIFY(ExecApprovalStore(path).isApproved(pluginExec()));

    // A damaged file approves nothing and is replaced by the next approval.
    writeFile(path, "{ not json");
    QVERIFY(!store.isApproved(pluginExec()));
    QVERIFY(store.approve(pluginExec()));
    QVERIFY(store.isApproved(pluginExec()));
}

QTEST_GUILESS_MAIN(TestCredentials)
#include "tst_credentials.moc"
