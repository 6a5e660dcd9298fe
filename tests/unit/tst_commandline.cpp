// Tests the command line: each option, kubeconfig resolution order, and rejected input.
#include "commandline.h"

#include <QDir>
#include <QTemporaryDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>

using pilothouse::app::CommandLineOptions;
using pilothouse::app::parseCommandLine;
using pilothouse::app::resolveKubeconfigPath;

namespace {

CommandLineOptions parse(QStringList arguments)
{
    arguments.prepend(QStringLiteral("pilothouse"));
    return parseCommandLine(arguments);
}

// Sets or unsets KUBECONFIG for one test and restores it afterwards.
class ScopedKubeconfigEnv
{
public:
    explicit ScopedKubeconfigEnv(const QByteArray *value)
        : m_hadValue(qEnvironmentVariableIsSet("KUBECONFIG"))
        , m_saved(qgetenv("KUBECONFIG"))
    {
        if (value)
            qputenv("KUBECONFIG", *value);
        else
            qunsetenv("KUBECONFIG");
    }
    ~ScopedKubeconfigEnv()
    {
        if (m_hadValue)
            qputenv("KUBECONFIG", m_saved);
        else
            qunsetenv("KUBECONFIG");
    }
    ScopedKubeconfigEnv(const ScopedKubeconfigEnv &) = delete;
    ScopedKubeconfigEnv &operator=(const ScopedKubeconfigEnv &) = delete;

private:
    bool m_hadValue;
    QByteArray m_saved;
};

} // namespace

class TestCommandLine : public QObject
{
    Q_OBJECT

private slots:
    void defaults();
    void kubeconfigFlag();
    void kubeconfigFlagBeatsEnvironment();
    void kubeconfigFromEnvironmentTakesFirstEntry();
    void emptyEnvironmentEntriesAreSkipped();
    void relativePathsBecomeAbsolute();
    void context();
    void demo();
    void page();
    void dashboard();
    void versionAndHelp();
    void unknownOptionIsAnError();
    void missingValueIsAnError();
    void emptyValuesAreErrors();
    void positionalArgumentIsAnError();
};

void TestCommandLine::defaults()
{
    const ScopedKubeconfigEnv env(nullptr);
    const CommandLineOptions options = parse({});
    QVERIFY2(options.ok(), qPrintable(options.errorText));
    QCOMPARE(options.kubeconfigPath, QDir::home().filePath(QStringLiteral(".kube/config")));
    QVERIFY(options.context.isEmpty());
    QVERIFY(!options.demo);
    QVERIFY(!options.showHelp);
    QVERIFY(!options.showVersion);
}

void TestCommandLine::kubeconfigFlag()
{
    const ScopedKubeconfigEnv env(nullptr);
    QCOMPARE(parse({"--kubeconfig", "/etc/pilothouse/admin.conf"}).kubeconfigPath,
             QStringLiteral("/etc/pilothouse/admin.conf"));
    QCOMPARE(parse({"--kubeconfig=/srv/k.yaml"}).kubeconfigPath, QStringLiteral("/srv/k.yaml"));
}

void TestCommandLine::kubeconfigFlagBeatsEnvironment()
{
    const QByteArray value = "/from/env/config";
    const ScopedKubeconfigEnv env(&value);
    QCOMPARE(parse({"--kubeconfig", "/from/flag/config"}).kubeconfigPath,
             QStringLiteral("/from/flag/config"));
}

void TestCommandLine::kubeconfigFromEnvironmentTakesFirstEntry()
{
    const QByteArray value = "/first/config:/second/config:/third/config";
    const ScopedKubeconfigEnv env(&value);
    QCOMPARE(parse({}).kubeconfigPath, QStringLiteral("/first/config"));

    const QByteArray single = "/only/config";
    const ScopedKubeconfigEnv env2(&single);
    QCOMPARE(parse({}).kubeconfigPath, QStringLiteral("/only/config"));
}

void TestCommandLine::emptyEnvironmentEntriesAreSkipped()
{
    const QByteArray value = "::/real/config:";
    const ScopedKubeconfigEnv env(&value);
    QCOMPARE(parse({}).kubeconfigPath, QStringLiteral("/real/config"));

    const QByteArray empty = "";
    const ScopedKubeconfigEnv env2(&empty);
    QCOMPARE(parse({}).kubeconfigPath, QDir::home().filePath(QStringLiteral(".kube/config")));

    QCOMPARE(resolveKubeconfigPath({}, QStringLiteral(":"), QStringLiteral("/home/op")),
             QStringLiteral("/home/op/.kube/config"));
}

void TestCommandLine::relativePathsBecomeAbsolute()
{
    const QString expected = QDir::current().absoluteFilePath(QStringLiteral("build/demo/kubeconfig"));
    QCOMPARE(resolveKubeconfigPath(QStringLiteral("build/demo/kubeconfig"), {}, QStringLiteral("/home/op")),
             expected);
    QCOMPARE(resolveKubeconfigPath({}, QStringLiteral("build/demo/kubeconfig:/x"), QStringLiteral("/home/op")),
             expected);
}

void TestCommandLine::context()
{
    const CommandLineOptions options = parse({"--context", "sim-viewer"});
    QVERIFY2(options.ok(), qPrintable(options.errorText));
    QCOMPARE(options.context, QStringLiteral("sim-viewer"));
}

void TestCommandLine::demo()
{
    const CommandLineOptions options = parse({"--demo"});
    QVERIFY2(options.ok(), qPrintable(options.errorText));
    QVERIFY(options.demo);
}

void TestCommandLine::page()
{
    QVERIFY(parse({}).page.isEmpty());
    const CommandLineOptions options = parse({"--demo", "--page", "rollouts"});
    QVERIFY2(options.ok(), qPrintable(options.errorText));
    QVERIFY(options.demo);
    QCOMPARE(options.page, QStringLiteral("rollouts"));
    QCOMPARE(parse({"--page=argocd", "--context", "sim-viewer"}).page, QStringLiteral("argocd"));
}

void TestCommandLine::dashboard()
{
    QVERIFY(parse({}).dashboard.isEmpty());
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile file(dir.filePath(QStringLiteral("mesh.json")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{}");
    file.close();
    QDir::setCurrent(dir.path());
    const CommandLineOptions options = parse({"--dashboard", "mesh.json"});
    QVERIFY2(options.ok(), qPrintable(options.errorText));
    QCOMPARE(options.dashboard, QFileInfo(file).absoluteFilePath());  // relative to where it was started
    const CommandLineOptions missing = parse({"--dashboard", "no-such.json"});
    QVERIFY(!missing.ok());
    QVERIFY2(missing.errorText.contains(QLatin1String("'no-such.json' is not one")), qPrintable(missing.errorText));
    QVERIFY(!parse({"--dashboard", ""}).ok());
}

void TestCommandLine::versionAndHelp()
{
    QVERIFY(parse({"--version"}).showVersion);
    QVERIFY(!parse({"--version"}).showHelp);
    QVERIFY(!parse({}).showVersion);
    QVERIFY(parse({"--help-all"}).showHelp);

    const CommandLineOptions help = parse({"--help"});
    QVERIFY(help.ok());
    QVERIFY(help.showHelp);
    // Named from argv[0], not from QCoreApplication, which main() has not created yet.
    QVERIFY2(help.helpText.startsWith(QStringLiteral("Usage: pilothouse [options]")), qPrintable(help.helpText));
    for (const char *option : {"--kubeconfig", "--context", "--demo", "--page", "--version"})
        QVERIFY2(help.helpText.contains(QLatin1String(option)), option);
}

void TestCommandLine::unknownOptionIsAnError()
{
    const CommandLineOptions options = parse({"--kubeconfg", "/x"});
    QVERIFY(!options.ok());
    QVERIFY2(options.errorText.contains(QStringLiteral("kubeconfg")), qPrintable(options.errorText));
}

void TestCommandLine::missingValueIsAnError()
{
    const CommandLineOptions options = parse({"--context"});
    QVERIFY(!options.ok());
    QVERIFY2(options.errorText.contains(QStringLiteral("context")), qPrintable(options.errorText));
}

void TestCommandLine::emptyValuesAreErrors()
{
    QVERIFY(!parse({"--kubeconfig="}).ok());
    QVERIFY(!parse({"--context="}).ok());
    QVERIFY(!parse({"--page="}).ok());
}

void TestCommandLine::positionalArgumentIsAnError()
{
    const CommandLineOptions options = parse({"get", "pods"});
    QVERIFY(!options.ok());
    QVERIFY2(options.errorText.contains(QStringLiteral("get")), qPrintable(options.errorText));
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
