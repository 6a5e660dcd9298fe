// Tests kubeconfig loading, merging and resolving against kubectl's rules, on fixture files.
#include "kube/auth/kubeconfig.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <algorithm>
#include <QTest>

using pilothouse::backends::ErrorKind;
using pilothouse::backends::errorKindName;
using pilothouse::backends::Result;
using pilothouse::backends::kube::ExecConfig;
using pilothouse::backends::kube::FileReference;
using pilothouse::backends::kube::execCommandLine;
using pilothouse::backends::kube::Kubeconfig;
using pilothouse::backends::kube::ResolvedContext;

namespace {

QString dataDir()
{
    const QString source = qEnvironmentVariable("PILOTHOUSE_SOURCE_DIR");
    const QString base = source.isEmpty() ? QFileInfo(QStringLiteral(__FILE__)).absolutePath() + QStringLiteral("/../..")
                                          : source;
    return QDir::cleanPath(base + QStringLiteral("/tests/data/kubeconfig"));
}

QString fixture(const QString &relative)
{
    return dataDir() + QLatin1Char('/') + relative;
}

QByteArray fileContents(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read fixture %s", qPrintable(path));
    return file.readAll();
}

// A cluster, a context and a user; `userBody` and `clusterBody` are indented YAML lines.
QByteArray kubeconfigWith(const QByteArray &userBody, const QByteArray &clusterBody = "    server: https://k.example\n")
{
    return "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n"
           "clusters:\n- name: c\n  cluster:\n" + clusterBody +
           "users:\n- name: u\n  user:\n" + userBody +
           "contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u\n";
}

// Every configuration error is one line fit for the status bar, of kind Config.
template<class T>
QString configErrorMessage(const Result<T> &result)
{
    if (result.ok()) {
        qWarning("expected an error, got success");
        return {};
    }
    const auto error = result.error();
    if (error.kind != ErrorKind::Config)
        qWarning("expected kind Config, got %s", qPrintable(errorKindName(error.kind)));
    if (error.message.contains(QLatin1Char('\n')))
        qWarning("error message spans lines: %s", qPrintable(error.message));
    return error.kind == ErrorKind::Config && !error.message.contains(QLatin1Char('\n')) ? error.message
                                                                                          : QStringLiteral("<bad error>");
}

Result<ResolvedContext> resolveYaml(const QByteArray &yaml, const QString &context = {})
{
    auto config = Kubeconfig::fromYaml(yaml, QStringLiteral("/virtual/inline.yaml"));
    if (!config)
        return Result<ResolvedContext>::failure(config.error());
    return config.value().resolve(context);
}

} // namespace

class TestKubeconfig : public QObject
{
    Q_OBJECT

private slots:
    void filesToLoad_data();
    void filesToLoad();
    void mergeFirstFileWins();
    void mergeOrderReversed();
    void relativePathsResolveAgainstEachFile();
    void resolveReadsCertificateFiles();
    void resolveDefaults();
    void tlsServerNameAndProxyCarried();
    void base64Data();
    void invalidBase64NamesEntry();
    void missingKubeconfigEntrySkipped();
    void explicitMissingFileIsError();
    void yamlSyntaxErrorNamesFileAndLine();
    void wrongTypeNamesFileAndLine();
    void emptyFileIsEmptyConfig();
    void unknownContextListsAvailable();
    void noCurrentContext();
    void missingClusterOrUser_data();
    void missingClusterOrUser();
    void emptyServer();
    void insecureWithCertificateAuthority_data();
    void insecureWithCertificateAuthority();
    void invalidProxyUrl();
    void twoAuthTechniques_data();
    void twoAuthTechniques();
    void tokenAndTokenFileIsOneTechnique();
    void certificateWithoutKey_data();
    void certificateWithoutKey();
    void authProviderUnsupported();
    void impersonationIsRefusedNotIgnored();
    void unreadableFiles_data();
    void unreadableFiles();
    void execValidation_data();
    void execValidation();
    void execFields();
    void laterDuplicateInOneFileReplaces();
    void commandLineQuotesForDisplay();
    void referencesInsideTheFolderAreNotListed();
    void referencesOutsideTheFolderAreListed();
    void symlinkLeavingTheFolderIsOutside();
};

void TestKubeconfig::filesToLoad_data()
{
    QTest::addColumn<QString>("explicitPath");
    QTest::addColumn<QByteArray>("env");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("explicit wins over KUBECONFIG") << "/x/explicit" << QByteArray("/a:/b") << QStringList{"/x/explicit"};
    QTest::newRow("KUBECONFIG split on colon") << "" << QByteArray("/a:/b") << QStringList{"/a", "/b"};
    QTest::newRow("empty entries ignored") << "" << QByteArray(":/a::/b:") << QStringList{"/a", "/b"};
    QTest::newRow("duplicates once") << "" << QByteArray("/a:/b:/a") << QStringList{"/a", "/b"};
    QTest::newRow("unset KUBECONFIG: home") << "" << QByteArray() << QStringList{"/home/op/.kube/config"};
    // client-go uses a set variable even when it names no file.
    QTest::newRow("only separators") << "" << QByteArray("::") << QStringList{};
}

void TestKubeconfig::filesToLoad()
{
    QFETCH(QString, explicitPath);
    QFETCH(QByteArray, env);
    QFETCH(QStringList, expected);
    QCOMPARE(Kubeconfig::filesToLoad(explicitPath, env, QStringLiteral("/home/op")), expected);
}

void TestKubeconfig::mergeFirstFileWins()
{
    const auto loaded = Kubeconfig::load({fixture("a/config"), fixture("b/config")});
    QVERIFY2(loaded.ok(), qPrintable(loaded.error().message));
    const Kubeconfig &config = loaded.value();

    QCOMPARE(config.currentContext(), QStringLiteral("ctx-a"));
    // Same-named entries: the first file's entry, whole.
    QCOMPARE(config.clusters().value("shared").server, QStringLiteral("https://a.example:6443"));
    QCOMPARE(config.clusters().value("shared").caFile, fixture("a/ca.pem"));
    QCOMPARE(config.users().value("shared-user").token, QStringLiteral("token-from-a"));
    QCOMPARE(config.context("shared-ctx")->user, QStringLiteral("shared-user"));
    QCOMPARE(config.context("shared-ctx")->ns, QString());
    // Entries from both files are present.
    QCOMPARE(QStringList(config.clusters().keys()), (QStringList{"only-a", "only-b", "shared"}));
    QCOMPARE(QStringList(config.users().keys()),
             (QStringList{"exec-user", "path-exec-user", "shared-user", "user-a", "user-b"}));
    QCOMPARE(config.contextNames(), (QStringList{"ctx-a", "shared-ctx", "ctx-b", "exec-ctx"}));
    QCOMPARE(config.loadedFiles(), (QStringList{fixture("a/config"), fixture("b/config")}));
}

void TestKubeconfig::mergeOrderReversed()
{
    const auto loaded = Kubeconfig::load({fixture("b/config"), fixture("a/config")});
    QVERIFY2(loaded.ok(), qPrintable(loaded.error().message));
    const Kubeconfig &config = loaded.value();
    QCOMPARE(config.currentContext(), QStringLiteral("ctx-b"));
    QCOMPARE(config.clusters().value("shared").server, QStringLiteral("https://b.example:6443"));
    QVERIFY(config.clusters().value("shared").caFile.isEmpty());
    QCOMPARE(config.users().value("shared-user").token, QStringLiteral("token-from-b"));
    QCOMPARE(config.context("shared-ctx")->ns, QStringLiteral("from-b"));
    QVERIFY(config.clusters().contains("only-a"));
}

void TestKubeconfig::relativePathsResolveAgainstEachFile()
{
    const auto loaded = Kubeconfig::load({fixture("a/config"), fixture("b/config")});
    QVERIFY2(loaded.ok(), qPrintable(loaded.error().message));
    const Kubeconfig &config = loaded.value();

    QCOMPARE(config.clusters().value("shared").caFile, fixture("a/ca.pem"));
    QCOMPARE(config.clusters().value("only-b").caFile, fixture("b/ca.pem"));
    QCOMPARE(config.users().value("user-a").clientCertFile, fixture("a/certs/client.crt"));
    QCOMPARE(config.users().value("user-a").clientKeyFile, fixture("a/certs/client.key"));
    QCOMPARE(config.users().value("user-b").tokenFile, fixture("b/token.txt"));
    QCOMPARE(config.users().value("exec-user").exec->command, fixture("b/bin/plugin"));
    // A bare program name is for PATH lookup and stays as written.
    QCOMPARE(config.users().value("path-exec-user").exec->command, QStringLiteral("aws"));
    QCOMPARE(config.users().value("user-b").sourceFile, fixture("b/config"));
    QCOMPARE(config.clusters().value("only-a").sourceFile, fixture("a/config"));

    // An absolute path stays as written.
    const auto absolute = Kubeconfig::fromYaml(kubeconfigWith("    tokenFile: /etc/token\n"), "/virtual/x.yaml");
    QVERIFY(absolute.ok());
    QCOMPARE(absolute.value().users().value("u").tokenFile, QStringLiteral("/etc/token"));
}

void TestKubeconfig::resolveReadsCertificateFiles()
{
    const auto loaded = Kubeconfig::load({fixture("a/config"), fixture("b/config")});
    QVERIFY2(loaded.ok(), qPrintable(loaded.error().message));
    const auto resolved = loaded.value().resolve();
    QVERIFY2(resolved.ok(), qPrintable(resolved.error().message));
    const ResolvedContext &ctx = resolved.value();
    QCOMPARE(ctx.contextName, QStringLiteral("ctx-a"));
    QCOMPARE(ctx.server, QStringLiteral("https://a.example:6443"));
    QCOMPARE(ctx.ns, QStringLiteral("team-a"));
    QCOMPARE(ctx.tls.caPem, fileContents(fixture("a/ca.pem")));
    QCOMPARE(ctx.tls.clientCertPem, fileContents(fixture("a/certs/client.crt")));
    QCOMPARE(ctx.tls.clientKeyPem, fileContents(fixture("a/certs/client.key")));
    QVERIFY(!ctx.tls.insecureSkipVerify);
    QCOMPARE(ctx.user.name, QStringLiteral("user-a"));
    QCOMPARE(ctx.cluster.name, QStringLiteral("shared"));

    const auto b = loaded.value().resolve(QStringLiteral("ctx-b"));
    QVERIFY2(b.ok(), qPrintable(b.error().message));
    QCOMPARE(b.value().tls.caPem, fileContents(fixture("b/ca.pem")));
    QVERIFY(b.value().tls.clientCertPem.isEmpty());
}

void TestKubeconfig::resolveDefaults()
{
    const auto resolved = resolveYaml(kubeconfigWith("    token: abc\n"));
    QVERIFY2(resolved.ok(), qPrintable(resolved.error().message));
    QCOMPARE(resolved.value().contextName, QStringLiteral("ctx"));
    QCOMPARE(resolved.value().ns, QStringLiteral("default"));
    QVERIFY(resolved.value().tls.caPem.isEmpty());
    QVERIFY(resolved.value().tls.serverName.isEmpty());
    QVERIFY(resolved.value().tls.proxyUrl.isEmpty());
    QVERIFY(!resolved.value().tls.insecureSkipVerify);
    QCOMPARE(resolved.value().user.token, QStringLiteral("abc"));
}

void TestKubeconfig::tlsServerNameAndProxyCarried()
{
    const auto resolved = resolveYaml(kubeconfigWith("    token: abc\n",
                                                     "    server: https://k.example\n"
                                                     "    insecure-skip-tls-verify: true\n"
                                                     "    tls-server-name: api.only-a.internal\n"
                                                     "    proxy-url: socks5://proxy.example:1080\n"));
    QVERIFY2(resolved.ok(), qPrintable(resolved.error().message));
    QCOMPARE(resolved.value().tls.serverName, QStringLiteral("api.only-a.internal"));
    QCOMPARE(resolved.value().tls.proxyUrl, QStringLiteral("socks5://proxy.example:1080"));
    QVERIFY(resolved.value().tls.insecureSkipVerify);
    // And from a file.
    const auto loaded = Kubeconfig::load({fixture("a/config")});
    QVERIFY2(loaded.ok(), qPrintable(loaded.error().message));
    const Kubeconfig &config = loaded.value();
    QCOMPARE(config.clusters().value("only-a").tlsServerName, QStringLiteral("api.only-a.internal"));
    QCOMPARE(config.clusters().value("only-a").proxyUrl, QStringLiteral("socks5://proxy.example:1080"));
    QVERIFY(config.clusters().value("only-a").insecureSkipTlsVerify);
}

void TestKubeconfig::base64Data()
{
    const QByteArray ca = "-----BEGIN CERTIFICATE-----\nca data\n-----END CERTIFICATE-----\n";
    const QByteArray cert = "-----BEGIN CERTIFICATE-----\ncert data\n-----END CERTIFICATE-----\n";
    const QByteArray key = "-----BEGIN PRIVATE KEY-----\nkey data\n-----END PRIVATE KEY-----\n";
    const QByteArray caB64 = ca.toBase64();
    // A long value folded over two lines, as some generators write it.
    const QByteArray clusterBody = "    server: https://k.example\n    certificate-authority-data: >-\n      "
        + caB64.left(20) + "\n      " + caB64.mid(20) + "\n";
    const QByteArray userBody = "    client-certificate-data: " + cert.toBase64() + "\n    client-key-data: "
        + key.toBase64() + "\n";
    const auto resolved = resolveYaml(kubeconfigWith(userBody, clusterBody));
    QVERIFY2(resolved.ok(), qPrintable(resolved.error().message));
    QCOMPARE(resolved.value().tls.caPem, ca);
    QCOMPARE(resolved.value().tls.clientCertPem, cert);
    QCOMPARE(resolved.value().tls.clientKeyPem, key);
    QCOMPARE(resolved.value().cluster.caData, ca);
    QCOMPARE(resolved.value().user.clientKeyData, key);
}

void TestKubeconfig::invalidBase64NamesEntry()
{
    const auto badCa = Kubeconfig::fromYaml(
        kubeconfigWith("    token: t\n", "    server: https://k.example\n    certificate-authority-data: not*base64!\n"),
        "/virtual/bad.yaml");
    const QString caMessage = configErrorMessage(badCa);
    QVERIFY2(caMessage.contains("certificate-authority-data") && caMessage.contains("cluster \"c\"")
                 && caMessage.contains("/virtual/bad.yaml:"),
             qPrintable(caMessage));

    const auto badKey = Kubeconfig::fromYaml(
        kubeconfigWith("    client-certificate-data: Y2VydA==\n    client-key-data: '%%%'\n"), "/virtual/bad.yaml");
    const QString keyMessage = configErrorMessage(badKey);
    QVERIFY2(keyMessage.contains("client-key-data") && keyMessage.contains("user \"u\""), qPrintable(keyMessage));
}

void TestKubeconfig::missingKubeconfigEntrySkipped()
{
    const QString missing = fixture("does-not-exist/config");
    const auto loaded = Kubeconfig::load({missing, fixture("b/config")});
    QVERIFY2(loaded.ok(), qPrintable(loaded.error().message));
    QCOMPARE(loaded.value().currentContext(), QStringLiteral("ctx-b"));
    QCOMPARE(loaded.value().loadedFiles(), QStringList{fixture("b/config")});

    const auto viaEnv = Kubeconfig::loadDefault({}, (missing + ":" + fixture("a/config")).toLocal8Bit(), "/nonexistent-home");
    QVERIFY2(viaEnv.ok(), qPrintable(viaEnv.error().message));
    QCOMPARE(viaEnv.value().currentContext(), QStringLiteral("ctx-a"));

    // No file at all is an empty config; resolving it says so.
    const auto nothing = Kubeconfig::loadDefault({}, {}, "/nonexistent-home");
    QVERIFY(nothing.ok());
    QVERIFY(nothing.value().contextNames().isEmpty());
    QVERIFY(configErrorMessage(nothing.value().resolve()).contains("no contexts"));
}

void TestKubeconfig::explicitMissingFileIsError()
{
    const QString missing = fixture("does-not-exist/config");
    const auto loaded = Kubeconfig::loadDefault(missing, fixture("a/config").toLocal8Bit(), "/nonexistent-home");
    const QString message = configErrorMessage(loaded);
    QVERIFY2(message.contains(missing) && message.contains("does not exist"), qPrintable(message));

    QVERIFY(!Kubeconfig::load({missing}, Kubeconfig::MissingFile::Fail).ok());
}

void TestKubeconfig::yamlSyntaxErrorNamesFileAndLine()
{
    const auto loaded = Kubeconfig::load({fixture("a/config"), fixture("broken.yaml")});
    const QString message = configErrorMessage(loaded);
    QVERIFY2(message.startsWith(fixture("broken.yaml") + ":8:"), qPrintable(message));
    QVERIFY2(message.contains("invalid YAML"), qPrintable(message));
}

void TestKubeconfig::wrongTypeNamesFileAndLine()
{
    const auto clustersNotAList = Kubeconfig::fromYaml("apiVersion: v1\nclusters:\n  name: c\n", "/virtual/t.yaml");
    QString message = configErrorMessage(clustersNotAList);
    QVERIFY2(message.startsWith("/virtual/t.yaml:3:") && message.contains("clusters must be a list"), qPrintable(message));

    const auto serverNotAString = Kubeconfig::fromYaml(kubeconfigWith("    token: t\n", "    server: [a, b]\n"),
                                                       "/virtual/t.yaml");
    message = configErrorMessage(serverNotAString);
    QVERIFY2(message.startsWith("/virtual/t.yaml:7:") && message.contains("server of cluster \"c\""), qPrintable(message));

    const auto notAMapping = Kubeconfig::fromYaml("- just\n- a list\n", "/virtual/t.yaml");
    QVERIFY(configErrorMessage(notAMapping).startsWith("/virtual/t.yaml:1:"));

    const auto badBool = Kubeconfig::fromYaml(kubeconfigWith("    token: t\n",
                                                             "    server: https://k\n    insecure-skip-tls-verify: maybe\n"),
                                              "/virtual/t.yaml");
    QVERIFY(configErrorMessage(badBool).contains("insecure-skip-tls-verify of cluster \"c\" must be true or false"));
}

void TestKubeconfig::emptyFileIsEmptyConfig()
{
    const auto loaded = Kubeconfig::load({fixture("empty.yaml"), fixture("b/config")});
    QVERIFY2(loaded.ok(), qPrintable(loaded.error().message));
    QCOMPARE(loaded.value().currentContext(), QStringLiteral("ctx-b"));

    const auto only = Kubeconfig::load({fixture("empty.yaml")});
    QVERIFY(only.ok());
    QVERIFY(only.value().contextNames().isEmpty());
    QVERIFY(only.value().currentContext().isEmpty());
    QVERIFY(Kubeconfig::fromYaml("# only a comment\n", "/virtual/c.yaml").ok());
}

void TestKubeconfig::unknownContextListsAvailable()
{
    const auto loaded = Kubeconfig::load({fixture("a/config"), fixture("b/config")});
    QVERIFY(loaded.ok());
    const QString message = configErrorMessage(loaded.value().resolve("nope"));
    QVERIFY2(message.contains("\"nope\"") && message.contains("\"ctx-a\", \"shared-ctx\", \"ctx-b\", \"exec-ctx\""),
             qPrintable(message));
}

void TestKubeconfig::noCurrentContext()
{
    QByteArray yaml = kubeconfigWith("    token: t\n");
    yaml.replace("current-context: ctx\n", "");
    const auto config = Kubeconfig::fromYaml(yaml, "/virtual/n.yaml");
    QVERIFY(config.ok());
    const QString message = configErrorMessage(config.value().resolve());
    QVERIFY2(message.contains("current-context") && message.contains("\"ctx\""), qPrintable(message));
    QVERIFY(config.value().resolve("ctx").ok());
}

void TestKubeconfig::missingClusterOrUser_data()
{
    QTest::addColumn<QByteArray>("contextBody");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown cluster") << QByteArray("    cluster: gone\n    user: u\n")
                                     << "cluster \"gone\" of context \"ctx2\" is not defined";
    QTest::newRow("unknown user") << QByteArray("    cluster: c\n    user: ghost\n")
                                  << "user \"ghost\" of context \"ctx2\" is not defined";
    QTest::newRow("no cluster") << QByteArray("    user: u\n") << "context \"ctx2\" names no cluster";
    QTest::newRow("no user") << QByteArray("    cluster: c\n") << "context \"ctx2\" names no user";
}

void TestKubeconfig::missingClusterOrUser()
{
    QFETCH(QByteArray, contextBody);
    QFETCH(QString, expected);
    const QByteArray yaml = kubeconfigWith("    token: t\n") + "- name: ctx2\n  context:\n" + contextBody;
    const QString message = configErrorMessage(resolveYaml(yaml, "ctx2"));
    QVERIFY2(message.contains(expected), qPrintable(message));
}

void TestKubeconfig::emptyServer()
{
    const QString message = configErrorMessage(resolveYaml(kubeconfigWith("    token: t\n", "    server: \"\"\n")));
    QVERIFY2(message.contains("cluster \"c\"") && message.contains("no server"), qPrintable(message));
}

void TestKubeconfig::insecureWithCertificateAuthority_data()
{
    QTest::addColumn<QByteArray>("caLine");
    QTest::newRow("ca data") << QByteArray("    certificate-authority-data: " + QByteArray("CA").toBase64() + "\n");
    QTest::newRow("ca file") << QByteArray("    certificate-authority: ca.pem\n");
}

void TestKubeconfig::insecureWithCertificateAuthority()
{
    QFETCH(QByteArray, caLine);
    const QByteArray cluster = "    server: https://k.example\n    insecure-skip-tls-verify: true\n" + caLine;
    const QString message = configErrorMessage(resolveYaml(kubeconfigWith("    token: t\n", cluster)));
    QVERIFY2(message.contains("cluster \"c\"") && message.contains("insecure-skip-tls-verify"), qPrintable(message));
}

void TestKubeconfig::invalidProxyUrl()
{
    const QString message = configErrorMessage(
        resolveYaml(kubeconfigWith("    token: t\n", "    server: https://k.example\n    proxy-url: ftp://proxy\n")));
    QVERIFY2(message.contains("proxy-url") && message.contains("cluster \"c\""), qPrintable(message));
}

void TestKubeconfig::twoAuthTechniques_data()
{
    const QByteArray exec = "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: plugin\n";
    const QByteArray cert = "    client-certificate-data: Y2VydA==\n    client-key-data: a2V5\n";
    QTest::addColumn<QByteArray>("userBody");
    QTest::newRow("token + exec") << QByteArray("    token: t\n" + exec);
    QTest::newRow("tokenFile + exec") << QByteArray("    tokenFile: /t\n" + exec);
    QTest::newRow("basic + token") << QByteArray("    username: a\n    password: b\n    token: t\n");
    QTest::newRow("cert + exec") << QByteArray(cert + exec);
    QTest::newRow("cert + basic") << QByteArray(cert + "    username: a\n    password: b\n");
    QTest::newRow("auth-provider + exec") << QByteArray("    auth-provider:\n      name: gcp\n" + exec);
}

void TestKubeconfig::twoAuthTechniques()
{
    QFETCH(QByteArray, userBody);
    const QString message = configErrorMessage(resolveYaml(kubeconfigWith(userBody)));
    QVERIFY2(message.contains("user \"u\"") && message.contains("more than one authentication method"),
             qPrintable(message));
}

void TestKubeconfig::tokenAndTokenFileIsOneTechnique()
{
    const auto resolved = resolveYaml(kubeconfigWith("    token: t\n    tokenFile: token.txt\n"));
    QVERIFY2(resolved.ok(), qPrintable(resolved.error().message));
    QCOMPARE(resolved.value().user.token, QStringLiteral("t"));
    QCOMPARE(resolved.value().user.tokenFile, QStringLiteral("/virtual/token.txt"));
}

void TestKubeconfig::certificateWithoutKey_data()
{
    QTest::addColumn<QByteArray>("userBody");
    QTest::addColumn<QString>("expected");
    QTest::newRow("cert data, no key") << QByteArray("    client-certificate-data: Y2VydA==\n") << "no client-key";
    QTest::newRow("cert file, no key") << QByteArray("    client-certificate: c.crt\n") << "no client-key";
    QTest::newRow("key, no cert") << QByteArray("    client-key: c.key\n") << "no client-certificate";
    QTest::newRow("cert file and data")
        << QByteArray("    client-certificate: c.crt\n    client-certificate-data: Y2VydA==\n    client-key: k\n")
        << "both client-certificate and client-certificate-data";
}

void TestKubeconfig::certificateWithoutKey()
{
    QFETCH(QByteArray, userBody);
    QFETCH(QString, expected);
    const QString message = configErrorMessage(resolveYaml(kubeconfigWith(userBody)));
    QVERIFY2(message.contains("user \"u\"") && message.contains(expected), qPrintable(message));
}

void TestKubeconfig::impersonationIsRefusedNotIgnored()
{
    const QString message = configErrorMessage(resolveYaml(kubeconfigWith("    token: t\n    as: admin\n    as-groups: [system:masters]\n")));
    QVERIFY2(message.contains("user \"u\"") && message.contains("impersonation") && message.contains("as, as-groups"), qPrintable(message));
}

void TestKubeconfig::authProviderUnsupported()
{
    const auto config = Kubeconfig::fromYaml(kubeconfigWith("    auth-provider:\n      name: gcp\n      config: {}\n"),
                                             "/virtual/ap.yaml");
    QVERIFY2(config.ok(), qPrintable(config.error().message));
    QVERIFY(config.value().users().value("u").hasAuthProvider);
    QCOMPARE(config.value().users().value("u").authProviderName, QStringLiteral("gcp"));
    const QString message = configErrorMessage(config.value().resolve());
    QVERIFY2(message.contains("user \"u\"") && message.contains("auth-provider \"gcp\"")
                 && message.contains("not support") && message.contains("exec"),
             qPrintable(message));
}

void TestKubeconfig::unreadableFiles_data()
{
    QTest::addColumn<QByteArray>("userBody");
    QTest::addColumn<QByteArray>("clusterBody");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("entry");
    const QByteArray server = "    server: https://k.example\n";
    QTest::newRow("ca") << QByteArray("    token: t\n") << QByteArray(server + "    certificate-authority: missing-ca.pem\n")
                        << "missing-ca.pem" << "cluster \"c\"";
    QTest::newRow("client cert") << QByteArray("    client-certificate: missing.crt\n    client-key: key.pem\n") << server
                                 << "missing.crt" << "user \"u\"";
    QTest::newRow("client key") << QByteArray("    client-certificate: cert.pem\n    client-key: missing.key\n") << server
                                << "missing.key" << "user \"u\"";
}

void TestKubeconfig::unreadableFiles()
{
    QFETCH(QByteArray, userBody);
    QFETCH(QByteArray, clusterBody);
    QFETCH(QString, path);
    QFETCH(QString, entry);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (const char *name : {"cert.pem", "key.pem"}) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("pem");
    }
    const QString kubeconfigPath = dir.filePath("config");
    QFile file(kubeconfigPath);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(kubeconfigWith(userBody, clusterBody));
    file.close();

    const auto config = Kubeconfig::load({kubeconfigPath});
    QVERIFY2(config.ok(), qPrintable(config.error().message));
    const QString message = configErrorMessage(config.value().resolve());
    QVERIFY2(message.contains(dir.filePath(path)) && message.contains(entry), qPrintable(message));
}

void TestKubeconfig::execValidation_data()
{
    QTest::addColumn<QByteArray>("execBody");
    QTest::addColumn<QString>("expected");
    QTest::newRow("v1 without interactiveMode")
        << QByteArray("      apiVersion: client.authentication.k8s.io/v1\n      command: plugin\n") << "interactiveMode must be set";
    QTest::newRow("no command") << QByteArray("      apiVersion: client.authentication.k8s.io/v1beta1\n") << "command must be set";
    QTest::newRow("no apiVersion") << QByteArray("      command: plugin\n") << "apiVersion must be set";
    QTest::newRow("v1alpha1") << QByteArray("      apiVersion: client.authentication.k8s.io/v1alpha1\n      command: p\n")
                              << "not supported";
    QTest::newRow("bad interactiveMode")
        << QByteArray("      apiVersion: client.authentication.k8s.io/v1\n      command: p\n      interactiveMode: Sometimes\n")
        << "invalid interactiveMode";
    QTest::newRow("env without name")
        << QByteArray("      apiVersion: client.authentication.k8s.io/v1beta1\n      command: p\n      env:\n      - value: x\n")
        << "env entry needs a name";
}

void TestKubeconfig::execValidation()
{
    QFETCH(QByteArray, execBody);
    QFETCH(QString, expected);
    const QString message = configErrorMessage(resolveYaml(kubeconfigWith("    exec:\n" + execBody)));
    QVERIFY2(message.contains("user \"u\"") && message.contains(expected), qPrintable(message));
}

void TestKubeconfig::execFields()
{
    const auto loaded = Kubeconfig::load({fixture("b/config")});
    QVERIFY(loaded.ok());
    const auto resolved = loaded.value().resolve("exec-ctx");
    QVERIFY2(resolved.ok(), qPrintable(resolved.error().message));
    const ExecConfig exec = *resolved.value().user.exec;
    QCOMPARE(exec.apiVersion, QStringLiteral("client.authentication.k8s.io/v1"));
    QCOMPARE(exec.args, (QStringList{"get-token", "--cluster", "only b"}));
    QCOMPARE(exec.env.size(), 1);
    QCOMPARE(exec.env.first().first, QStringLiteral("PLUGIN_MODE"));
    QCOMPARE(exec.env.first().second, QStringLiteral("token"));
    QCOMPARE(exec.installHint, QStringLiteral("install the plugin from the b folder"));
    QVERIFY(exec.provideClusterInfo);
    QCOMPARE(exec.interactiveMode, QStringLiteral("Never"));

    // v1beta1 needs no interactiveMode.
    QVERIFY(loaded.value().users().value("path-exec-user").exec->interactiveMode.isEmpty());
    const QByteArray yaml = kubeconfigWith("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                                           "      command: aws\n");
    QVERIFY(resolveYaml(yaml).ok());
}

void TestKubeconfig::laterDuplicateInOneFileReplaces()
{
    // client-go's conversion from the list form keeps the last entry of a repeated name.
    const QByteArray twice = "clusters:\n- name: c\n  cluster:\n    server: https://one\n"
                             "- name: c\n  cluster:\n    server: https://two\n";
    const auto config = Kubeconfig::fromYaml(twice, "/virtual/d.yaml");
    QVERIFY(config.ok());
    QCOMPARE(config.value().clusters().value("c").server, QStringLiteral("https://two"));
}

void TestKubeconfig::commandLineQuotesForDisplay()
{
    ExecConfig exec;
    exec.command = "/usr/bin/aws";
    exec.args = {"eks", "get-token", "--cluster-name", "my cluster", "$(touch x)", "it's"};
    QCOMPARE(execCommandLine(exec), QStringLiteral("/usr/bin/aws eks get-token --cluster-name 'my cluster' '$(touch x)' 'it'\\''s'"));
}

namespace {

void writeText(const QString &path, const QByteArray &text)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(text);
}

QStringList pathsOf(const QList<FileReference> &refs)
{
    QStringList out;
    for (const FileReference &ref : refs)
        out << ref.path;
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

void TestKubeconfig::referencesInsideTheFolderAreNotListed()
{
    QTemporaryDir dir;
    const QString kube = dir.filePath("kube/config");
    writeText(kube, "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
                    "clusters:\n- name: c\n  cluster:\n    server: https://k.example\n    certificate-authority: ca.pem\n"
                    "users:\n- name: u\n  user:\n    client-certificate: certs/u.pem\n    client-key: ./certs/../certs/u-key.pem\n"
                    "- name: t\n  user:\n    tokenFile: token\n"
                    "- name: e\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: bin/plugin\n"
                    "- name: p\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n"
                    "contexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n");
    auto config = Kubeconfig::load({kube});
    QVERIFY2(config.ok(), qPrintable(config.error().message));
    // Files beside it or below it, missing ones included, and a program looked up on PATH.
    QVERIFY2(config.value().referencesOutsideFolder().isEmpty(), qPrintable(pathsOf(config.value().referencesOutsideFolder()).join(", ")));
}

void TestKubeconfig::referencesOutsideTheFolderAreListed()
{
    QTemporaryDir dir;
    const QString kube = dir.filePath("imported/config");
    writeText(kube, "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
                    "clusters:\n- name: c\n  cluster:\n    server: https://k.example\n    certificate-authority: ../elsewhere/ca.pem\n"
                    "- name: inside\n  cluster:\n    server: https://k.example\n    certificate-authority: ca.pem\n"
                    "users:\n- name: u\n  user:\n    client-certificate: /etc/ssl/private/u.pem\n    client-key: ../../u-key.pem\n"
                    "- name: t\n  user:\n    tokenFile: /var/run/secrets/token\n"
                    "- name: e\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /usr/local/bin/plugin\n"
                    "- name: r\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ../bin/plugin\n"
                    "contexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n");
    auto config = Kubeconfig::load({kube});
    QVERIFY2(config.ok(), qPrintable(config.error().message));
    const QList<FileReference> outside = config.value().referencesOutsideFolder();
    QStringList expected{QDir::cleanPath(dir.filePath("elsewhere/ca.pem")), QStringLiteral("/etc/ssl/private/u.pem"),
                         QDir::cleanPath(dir.filePath("../u-key.pem")), QStringLiteral("/var/run/secrets/token"),
                         QStringLiteral("/usr/local/bin/plugin"), QDir::cleanPath(dir.filePath("bin/plugin"))};
    std::sort(expected.begin(), expected.end());
    QCOMPARE(pathsOf(outside), expected);
    // Each names what uses the path and where it was found.
    const auto token = std::find_if(outside.cbegin(), outside.cend(), [](const FileReference &r) { return r.field == "tokenFile"; });
    QVERIFY(token != outside.cend());
    QCOMPARE(token->entry, QStringLiteral("user \"t\""));
    QCOMPARE(token->sourceFile, QFileInfo(kube).absoluteFilePath());
    const auto ca = std::find_if(outside.cbegin(), outside.cend(), [](const FileReference &r) { return r.field == "certificate-authority"; });
    QVERIFY(ca != outside.cend());
    QCOMPARE(ca->entry, QStringLiteral("cluster \"c\""));
    QCOMPARE(std::count_if(outside.cbegin(), outside.cend(), [](const FileReference &r) { return r.field == "exec command"; }), 2);
}

void TestKubeconfig::symlinkLeavingTheFolderIsOutside()
{
    QTemporaryDir dir;
    writeText(dir.filePath("secret/key.pem"), "KEY");
    const QString kube = dir.filePath("kube/config");
    writeText(kube, kubeconfigWith("    client-certificate: cert.pem\n    client-key: key.pem\n"));
    writeText(dir.filePath("kube/cert.pem"), "CERT");
    QVERIFY(QFile::link(dir.filePath("secret/key.pem"), dir.filePath("kube/key.pem")));
    auto config = Kubeconfig::load({kube});
    QVERIFY2(config.ok(), qPrintable(config.error().message));
    const QList<FileReference> outside = config.value().referencesOutsideFolder();
    QCOMPARE(outside.size(), 1);
    QCOMPARE(outside.first().field, QStringLiteral("client-key"));
    QCOMPARE(outside.first().path, dir.filePath("kube/key.pem"));
}

QTEST_GUILESS_MAIN(TestKubeconfig)
#include "tst_kubeconfig.moc"
