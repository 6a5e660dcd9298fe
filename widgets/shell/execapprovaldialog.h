// Asks the operator whether an exec credential plugin named in a kubeconfig may run, showing
// exactly what the approval fingerprint pins: apiVersion, the program, each argument on a line
// of its own and every environment entry the kubeconfig adds.
#pragma once

#include "kube/auth/kubeconfig.h"

#include <QDialog>
#include <QList>
#include <QPair>

class QLineEdit;
class QListWidget;
class QPushButton;
class QTableWidget;

namespace pilothouse::widgets::shell {

class ExecApprovalDialog : public QDialog {
    Q_OBJECT

public:
    ExecApprovalDialog(const QString &context, const backends::kube::ExecConfig &exec, QWidget *parent = nullptr);

    // What the dialog shows, read back from its widgets.
    QString shownApiVersion() const;
    QString shownProgram() const;
    QStringList shownArguments() const;
    QList<QPair<QString, QString>> shownEnvironment() const;

    QPushButton *allowButton() const { return m_allow; }
    const backends::kube::ExecConfig &execConfig() const { return m_exec; }

private:
    backends::kube::ExecConfig m_exec;
    QLineEdit *m_apiVersion = nullptr;
    QLineEdit *m_program = nullptr;
    QListWidget *m_arguments = nullptr;
    QTableWidget *m_environment = nullptr;
    QPushButton *m_allow = nullptr;
};

}  // namespace pilothouse::widgets::shell
