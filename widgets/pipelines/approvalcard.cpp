// The approval card.
#include "pipelines/approvalcard.h"

#include "pipelines/parameterform.h"
#include "style/statuspalette.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using namespace backends::jenkins;

ApprovalCard::ApprovalCard(const QStringList &job, int build, const PendingInput &input, QWidget *parent)
    : QFrame(parent), m_job(job), m_build(build), m_input(input)
{
    setObjectName(QStringLiteral("approvalCard"));
    setFrameShape(QFrame::StyledPanel);
    // The card's edge in the tone of "waiting for a person", from the one status palette.
    const QColor edge = StatusPalette::color(models::StatusTone::Paused);
    setStyleSheet(QStringLiteral("QFrame#approvalCard { border: 2px solid %1; border-radius: 6px; }").arg(edge.name()));
    auto *layout = new QVBoxLayout(this);
    auto *title = new QLabel(this);
    title->setTextFormat(Qt::PlainText);  // the message comes from the pipeline
    title->setWordWrap(true);
    title->setText(input.message.isEmpty() ? tr("Waiting for input %1").arg(input.id) : input.message);
    QFont f = title->font();
    f.setBold(true);
    title->setFont(f);
    title->setObjectName(QStringLiteral("approvalMessage"));
    layout->addWidget(title);
    auto *where = new QLabel(tr("%1 #%2 waits for approval").arg(job.join(QLatin1Char('/'))).arg(build), this);
    where->setTextFormat(Qt::PlainText);
    where->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(where);
    if (!input.inputs.isEmpty()) {
        m_form = new ParameterForm(ParameterForm::fromInputs(input.inputs), this);
        layout->addWidget(m_form);
    }
    auto *buttons = new QHBoxLayout;
    m_proceed = new QPushButton(input.proceedText.isEmpty() ? tr("Proceed") : input.proceedText, this);
    m_proceed->setObjectName(QStringLiteral("approvalProceed"));
    m_abort = new QPushButton(tr("Abort"), this);
    m_abort->setObjectName(QStringLiteral("approvalAbort"));
    m_open = new QPushButton(tr("Open run"), this);
    m_open->setObjectName(QStringLiteral("approvalOpen"));
    m_open->hide();
    buttons->addWidget(m_proceed);
    buttons->addWidget(m_abort);
    buttons->addStretch(1);
    buttons->addWidget(m_open);
    layout->addLayout(buttons);
    m_blocked = new QLabel(this);
    m_blocked->setWordWrap(true);
    m_blocked->setForegroundRole(QPalette::PlaceholderText);
    m_blocked->hide();
    layout->addWidget(m_blocked);
    connect(m_proceed, &QPushButton::clicked, this, &ApprovalCard::proceedRequested);
    connect(m_abort, &QPushButton::clicked, this, &ApprovalCard::abortRequested);
    connect(m_open, &QPushButton::clicked, this, &ApprovalCard::openRequested);
}

QList<BuildParameter> ApprovalCard::values() const
{
    return m_form ? m_form->values() : QList<BuildParameter>();
}

void ApprovalCard::setBlockedReason(const QString &reason)
{
    m_proceed->setEnabled(reason.isEmpty());
    m_abort->setEnabled(reason.isEmpty());
    m_proceed->setToolTip(reason);
    m_abort->setToolTip(reason);
    m_blocked->setText(reason);
    m_blocked->setVisible(!reason.isEmpty());
}

void ApprovalCard::setOpenable(bool openable)
{
    m_open->setVisible(openable);
}

}  // namespace pilothouse::widgets
