// Entry point: global library initialisation, command line, and the main window.
#include "commandline.h"
#include "mainwindow.h"

#include <QApplication>

#include <curl/curl.h>
#include <git2.h>

#include <cstdio>

namespace {

// curl_global_init and git_libgit2_init are not thread-safe and must run once before
// any worker thread exists; their cleanups must run after every thread has stopped,
// which is after QApplication is gone, so this guard is declared before it.
class GlobalLibraries
{
public:
    GlobalLibraries()
        : m_curlOk(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
        , m_gitOk(git_libgit2_init() > 0)
    {
    }
    ~GlobalLibraries()
    {
        if (m_gitOk)
            git_libgit2_shutdown();
        if (m_curlOk)
            curl_global_cleanup();
    }
    GlobalLibraries(const GlobalLibraries &) = delete;
    GlobalLibraries &operator=(const GlobalLibraries &) = delete;

    bool ok() const { return m_curlOk && m_gitOk; }

private:
    bool m_curlOk;
    bool m_gitOk;
};

void printTo(std::FILE *stream, const QString &text)
{
    std::fputs(text.toLocal8Bit().constData(), stream);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral("Pilothouse"));
    QCoreApplication::setOrganizationName(QStringLiteral("Pilothouse"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PILOTHOUSE_VERSION));

    // Parsed once before QApplication exists, so --help and --version work without a
    // display. If that parse fails, the arguments may hold Qt's own options (-platform
    // offscreen, -style fusion); QApplication removes those, and a second parse decides.
    QStringList rawArguments;
    rawArguments.reserve(argc);
    for (int i = 0; i < argc; ++i)
        rawArguments << QString::fromLocal8Bit(argv[i]);
    pilothouse::app::CommandLineOptions options = pilothouse::app::parseCommandLine(rawArguments);
    const bool needsQtOptionsRemoved = !options.ok();

    if (options.ok() && options.showHelp) {
        printTo(stdout, options.helpText);
        return 0;
    }
    if (options.ok() && options.showVersion) {
        printTo(stdout, QStringLiteral("pilothouse %1\n").arg(QCoreApplication::applicationVersion()));
        return 0;
    }

    const GlobalLibraries libraries;
    if (!libraries.ok()) {
        printTo(stderr, QStringLiteral("pilothouse: could not initialise libcurl or libgit2\n"));
        return 1;
    }

    QApplication application(argc, argv);

    if (needsQtOptionsRemoved) {
        options = pilothouse::app::parseCommandLine(QCoreApplication::arguments());
        if (!options.ok()) {
            printTo(stderr, QStringLiteral("pilothouse: %1\nTry 'pilothouse --help'.\n").arg(options.errorText));
            return 2;
        }
        if (options.showHelp || options.showVersion) {
            printTo(stdout, options.showHelp ? options.helpText
                                             : QStringLiteral("pilothouse %1\n").arg(QCoreApplication::applicationVersion()));
            return 0;
        }
    }

    if (options.demo) {
        printTo(stderr,
                QStringLiteral("pilothouse: --demo cannot connect to the simulator yet.\n"
                               "Start it yourself with:\n"
                               "  build/sim/pilothouse-sim --scenario resources/scenarios/default.yaml\n"));
    }

    pilothouse::widgets::MainWindow window(options.kubeconfigPath, options.context);
    window.show();
    return application.exec();
}
