// Parses pilothouse's command line and resolves which kubeconfig file applies.
#pragma once

#include <QString>
#include <QStringList>

namespace pilothouse::app {

struct CommandLineOptions
{
    QString kubeconfigPath;    // resolved and absolute; see resolveKubeconfigPath()
    QString kubeconfigFlag;    // --kubeconfig as given (empty: $KUBECONFIG or ~/.kube/config decide)
    QString context;           // empty: the kubeconfig's current-context
    QString page;              // --page: the page shown once connected (checked against the registry by main)
    QString dashboard;         // --dashboard: a Grafana dashboard file shown on the Metrics page (absolute)
    bool demo = false;
    bool showHelp = false;
    bool showVersion = false;
    QString helpText;          // filled in when showHelp is set
    QString errorText;         // non-empty when the arguments could not be parsed

    bool ok() const { return errorText.isEmpty(); }
};

// arguments as from QCoreApplication::arguments(): the program name comes first. Qt's
// own options (-platform, -style, ...) are unknown here; pass the list QApplication
// leaves after removing them. Reads $KUBECONFIG when --kubeconfig is absent.
CommandLineOptions parseCommandLine(const QStringList &arguments);

// kubectl's order: the flag, else the first entry of $KUBECONFIG, else ~/.kube/config.
// kubectl merges every $KUBECONFIG entry; until the console merges too it shows the
// first, which is also the file kubectl writes changes to.
QString resolveKubeconfigPath(const QString &flagValue, const QString &kubeconfigEnv,
                              const QString &homeDir);

} // namespace pilothouse::app
