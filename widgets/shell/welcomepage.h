// What the window shows before a cluster is connected: what Pilothouse needs, why the last
// attempt failed, and the next step — open a kubeconfig, a recent one, or start the demo world.
#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QVBoxLayout;

namespace pilothouse::widgets::shell {

class WelcomePage : public QWidget {
    Q_OBJECT

public:
    WelcomePage(const QString &kubeconfigPath, const QString &context, QWidget *parent = nullptr);

    void setRecentFiles(const QStringList &files);
    // Why the last kubeconfig could not be used; empty hides it.
    void setError(const QString &message);
    void setDemoAvailable(bool available);
    QString error() const;

Q_SIGNALS:
    void openFileRequested();                 // "Open a kubeconfig…"
    void recentFileRequested(const QString &path);
    void demoRequested();

private:
    QLabel *m_error;
    QPushButton *m_demo;
    QWidget *m_recentBox;
    QVBoxLayout *m_recentLayout;
};

}  // namespace pilothouse::widgets::shell
