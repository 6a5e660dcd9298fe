// Command-line parsing with QCommandLineParser, without its process() so nothing exits behind our back.
#include "commandline.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>

namespace pilothouse::app {

namespace {

// QCommandLineParser names the program from QCoreApplication, which does not exist yet
// when main() parses before opening a display; name it from argv[0] instead.
QString helpTextFor(const QCommandLineParser &parser, const QStringList &arguments)
{
    QString text = parser.helpText();
    const QString program = QFileInfo(arguments.value(0, QStringLiteral("pilothouse"))).fileName();
    const qsizetype firstLineEnd = text.indexOf(QLatin1Char('\n'));
    if (text.startsWith(QStringLiteral("Usage: ")) && firstLineEnd > 0)
        text.replace(0, firstLineEnd, QStringLiteral("Usage: %1 [options]").arg(program));
    return text;
}

} // namespace

QString resolveKubeconfigPath(const QString &flagValue, const QString &kubeconfigEnv,
                              const QString &homeDir)
{
    if (!flagValue.isEmpty())
        return QFileInfo(flagValue).absoluteFilePath();
    // Empty entries ("::" or a trailing ":") are skipped, as kubectl does.
    const QStringList entries = kubeconfigEnv.split(QDir::listSeparator(), Qt::SkipEmptyParts);
    if (!entries.isEmpty())
        return QFileInfo(entries.constFirst()).absoluteFilePath();
    return QDir(homeDir).filePath(QStringLiteral(".kube/config"));
}

CommandLineOptions parseCommandLine(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Pilothouse: a desktop operations console for Kubernetes."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption kubeconfigOption(
        QStringLiteral("kubeconfig"),
        QStringLiteral("Kubeconfig file to use (default: first entry of $KUBECONFIG, else ~/.kube/config)."),
        QStringLiteral("FILE"));
    const QCommandLineOption contextOption(
        QStringLiteral("context"),
        QStringLiteral("Kubeconfig context to connect with (default: its current-context)."),
        QStringLiteral("NAME"));
    const QCommandLineOption demoOption(
        QStringLiteral("demo"),
        QStringLiteral("Run against the bundled pilothouse-sim world."));
    const QCommandLineOption pageOption(
        QStringLiteral("page"),
        QStringLiteral("Page to show once connected: resources, rollouts, argocd, gitops, pipelines (default: the last one)."),
        QStringLiteral("ID"));
    const QCommandLineOption dashboardOption(
        QStringLiteral("dashboard"),
        QStringLiteral("A Grafana dashboard file (JSON) to show on the Metrics page once connected."),
        QStringLiteral("FILE"));
    parser.addOption(dashboardOption);
    parser.addOption(kubeconfigOption);
    parser.addOption(contextOption);
    parser.addOption(demoOption);
    parser.addOption(pageOption);

    CommandLineOptions options;
    if (!parser.parse(arguments)) {
        options.errorText = parser.errorText();
        return options;
    }
    if (!parser.positionalArguments().isEmpty()) {
        options.errorText = QStringLiteral("Unexpected argument '%1'.")
                                .arg(parser.positionalArguments().constFirst());
        return options;
    }
    // An empty value would silently fall back to ~/.kube/config, the opposite of what was asked.
    if (parser.isSet(kubeconfigOption) && parser.value(kubeconfigOption).isEmpty()) {
        options.errorText = QStringLiteral("--kubeconfig needs a file name.");
        return options;
    }
    if (parser.isSet(contextOption) && parser.value(contextOption).isEmpty()) {
        options.errorText = QStringLiteral("--context needs a context name.");
        return options;
    }

    if (parser.isSet(dashboardOption)) {
        const QFileInfo file(parser.value(dashboardOption));
        if (parser.value(dashboardOption).isEmpty() || !file.isFile()) {
            options.errorText = QStringLiteral("--dashboard needs a dashboard file; '%1' is not one.").arg(parser.value(dashboardOption));
            return options;
        }
        options.dashboard = file.absoluteFilePath();
    }
    if (parser.isSet(pageOption) && parser.value(pageOption).isEmpty()) {
        options.errorText = QStringLiteral("--page needs a page id.");
        return options;
    }

    // --help-all is registered by addHelpOption(); Qt's own options are QApplication's
    // business, so both print the same text.
    options.showHelp = parser.isSet(helpOption) || parser.isSet(QStringLiteral("help-all"));
    options.showVersion = parser.isSet(versionOption);
    if (options.showHelp)
        options.helpText = helpTextFor(parser, arguments);
    options.demo = parser.isSet(demoOption);
    options.context = parser.value(contextOption);
    options.page = parser.value(pageOption);
    options.kubeconfigFlag = parser.value(kubeconfigOption);
    options.kubeconfigPath = resolveKubeconfigPath(parser.value(kubeconfigOption),
                                                   qEnvironmentVariable("KUBECONFIG"),
                                                   QDir::homePath());
    return options;
}

} // namespace pilothouse::app
