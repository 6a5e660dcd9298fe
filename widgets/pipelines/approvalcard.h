// A run waiting for a person: the input's message ("Deploy orders to production?"), its
// parameters as a form, and Proceed / Abort. Shown on the run page and in the jobs list.
#pragma once

#include "jenkins/jenkinsinfo.h"

#include <QFrame>

class QLabel;
class QPushButton;

namespace pilothouse::widgets {

class ParameterForm;

class ApprovalCard : public QFrame {
    Q_OBJECT

public:
    ApprovalCard(const QStringList &job, int build, const backends::jenkins::PendingInput &input, QWidget *parent = nullptr);

    QStringList job() const { return m_job; }
    int build() const { return m_build; }
    backends::jenkins::PendingInput input() const { return m_input; }
    // The values the operator filled in for the input's parameters.
    QList<backends::jenkins::BuildParameter> values() const;
    ParameterForm *form() const { return m_form; }
    QPushButton *proceedButton() const { return m_proceed; }
    QPushButton *abortButton() const { return m_abort; }
    QPushButton *openButton() const { return m_open; }

    // Disabled with the reason (read-only context, an action running); empty: enabled.
    void setBlockedReason(const QString &reason);
    // Shows "Open run" (the jobs list's cards).
    void setOpenable(bool openable);

Q_SIGNALS:
    void proceedRequested();
    void abortRequested();
    void openRequested();

private:
    QStringList m_job;
    int m_build;
    backends::jenkins::PendingInput m_input;
    ParameterForm *m_form = nullptr;
    QPushButton *m_proceed = nullptr;
    QPushButton *m_abort = nullptr;
    QPushButton *m_open = nullptr;
    QLabel *m_blocked = nullptr;
};

}  // namespace pilothouse::widgets
