// Starting and stopping the simulator for --demo.
#include "demolauncher.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace pilothouse::app {

DemoLauncher::DemoLauncher(QObject *parent) : QObject(parent)
{
    m_process.setProcessChannelMode(QProcess::ForwardedChannels);
    m_poll.setInterval(50);
    connect(&m_poll, &QTimer::timeout, this, [this] {
        m_waitedMs += m_poll.interval();
        if (QFileInfo::exists(kubeconfigPath())) {
            m_poll.stop();
            Q_EMIT ready(kubeconfigPath());
        } else if (m_process.state() == QProcess::NotRunning || m_waitedMs > 30000) {
            m_poll.stop();
            Q_EMIT failed(tr("pilothouse-sim did not start (%1).").arg(m_process.errorString()));
        }
    });
}

DemoLauncher::~DemoLauncher()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        if (!m_process.waitForFinished(5000))
            m_process.kill();
    }
}

QString DemoLauncher::kubeconfigPath() const { return m_dir.filePath(QStringLiteral("kubeconfig")); }

QString DemoLauncher::findSimulator()
{
    const QString here = QCoreApplication::applicationDirPath();
    for (const QString &candidate : {here + QStringLiteral("/pilothouse-sim"), here + QStringLiteral("/../sim/pilothouse-sim")})
        if (QFileInfo(candidate).isExecutable())
            return QDir::cleanPath(candidate);
    return {};
}

QString DemoLauncher::findScenario()
{
    const QString here = QCoreApplication::applicationDirPath();
    const QStringList candidates{
        QStringLiteral(PILOTHOUSE_SOURCE_DIR "/resources/scenarios/default.yaml"),
        here + QStringLiteral("/../share/pilothouse/scenarios/default.yaml"),
    };
    for (const QString &c : candidates)
        if (QFileInfo::exists(c))
            return QDir::cleanPath(c);
    return {};
}

void DemoLauncher::start()
{
    const QString sim = findSimulator();
    const QString scenario = findScenario();
    if (sim.isEmpty() || scenario.isEmpty()) {
        Q_EMIT failed(sim.isEmpty() ? tr("pilothouse-sim was not found next to pilothouse.") : tr("The default scenario was not found."));
        return;
    }
    m_process.start(sim, {QStringLiteral("--scenario"), scenario, QStringLiteral("--port"), QStringLiteral("0"),
                          QStringLiteral("--kubeconfig-out"), kubeconfigPath(),
                          // A load wave like a siege/k6 run, so a scale-up and a scale-down happen
                          // within the first minutes of the demo.
                          QStringLiteral("--demo-load-wave")});
    m_poll.start();
}

}  // namespace pilothouse::app
