// Turns SIGTERM, SIGINT and SIGHUP into a Qt signal on the GUI thread (a self-pipe read by a
// QSocketNotifier), so that a logout, `kill` or Ctrl+C ends the console through its normal
// shutdown — destructors run and the demo's child processes are stopped — instead of killing it
// where it stands.
#pragma once

#include <QList>
#include <QObject>

class QSocketNotifier;

namespace pilothouse::app {

class UnixSignalWatcher : public QObject {
    Q_OBJECT

public:
    // One watcher at a time (the handler writes to one pipe); a second one is not valid.
    explicit UnixSignalWatcher(const QList<int> &signalNumbers, QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

    bool isValid() const { return m_notifier != nullptr; }

Q_SIGNALS:
    void signalReceived(int signalNumber);

private:
    void readPipe();

    QList<int> m_signals;
    QSocketNotifier *m_notifier = nullptr;
};

}  // namespace pilothouse::app
