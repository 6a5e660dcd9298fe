// The exec credential plugin approval: program, arguments and environment, each field apart.
#include "shell/execapprovaldialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace pilothouse::widgets::shell {

ExecApprovalDialog::ExecApprovalDialog(const QString &context, const backends::kube::ExecConfig &exec, QWidget *parent)
    : QDialog(parent), m_exec(exec)
{
    setObjectName(QStringLiteral("execApprovalDialog"));
    setWindowTitle(tr("Run credential plugin?"));
    setModal(true);

    // Running a program named in a kubeconfig is running arbitrary code: the operator decides,
    // and sees every part that decides what runs. Arguments are not joined into one line (where
    // "a b" and "a" "b" look the same), and the environment is shown because LD_PRELOAD or PATH
    // change what the program does as much as its name.
    auto *intro = new QLabel(tr("Context \"%1\" gets its credentials by running this program. Only allow it if you trust "
                                "the kubeconfig it comes from. Your answer is remembered for exactly this program, these "
                                "arguments and this environment; a change asks again.")
                                 .arg(context),
                             this);
    intro->setObjectName(QStringLiteral("execApprovalIntro"));
    intro->setTextFormat(Qt::PlainText);
    intro->setWordWrap(true);

    m_program = new QLineEdit(exec.command, this);
    m_program->setObjectName(QStringLiteral("execProgram"));
    m_program->setReadOnly(true);
    m_apiVersion = new QLineEdit(exec.apiVersion, this);
    m_apiVersion->setObjectName(QStringLiteral("execApiVersion"));
    m_apiVersion->setReadOnly(true);

    m_arguments = new QListWidget(this);
    m_arguments->setObjectName(QStringLiteral("execArguments"));
    m_arguments->setSelectionMode(QAbstractItemView::NoSelection);
    for (const QString &arg : exec.args)
        m_arguments->addItem(arg);
    auto *noArguments = new QLabel(tr("(none)"), this);
    noArguments->setVisible(exec.args.isEmpty());
    m_arguments->setVisible(!exec.args.isEmpty());

    m_environment = new QTableWidget(int(exec.env.size()), 2, this);
    m_environment->setObjectName(QStringLiteral("execEnvironment"));
    m_environment->setHorizontalHeaderLabels({tr("Name"), tr("Value")});
    m_environment->horizontalHeader()->setStretchLastSection(true);
    m_environment->verticalHeader()->setVisible(false);
    m_environment->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_environment->setSelectionMode(QAbstractItemView::NoSelection);
    for (int row = 0; row < exec.env.size(); ++row) {
        m_environment->setItem(row, 0, new QTableWidgetItem(exec.env.at(row).first));
        m_environment->setItem(row, 1, new QTableWidgetItem(exec.env.at(row).second));
    }
    auto *noEnvironment = new QLabel(tr("(nothing added to your environment)"), this);
    noEnvironment->setVisible(exec.env.isEmpty());
    m_environment->setVisible(!exec.env.isEmpty());

    auto *form = new QFormLayout;
    form->addRow(tr("Program"), m_program);
    auto *arguments = new QVBoxLayout;
    arguments->addWidget(m_arguments);
    arguments->addWidget(noArguments);
    form->addRow(tr("Arguments, one per line"), arguments);
    auto *environment = new QVBoxLayout;
    environment->addWidget(m_environment);
    environment->addWidget(noEnvironment);
    form->addRow(tr("Environment added"), environment);
    form->addRow(tr("apiVersion"), m_apiVersion);

    auto *buttons = new QDialogButtonBox(this);
    m_allow = buttons->addButton(tr("Allow and connect"), QDialogButtonBox::AcceptRole);
    m_allow->setObjectName(QStringLiteral("execAllowButton"));
    QPushButton *refuse = buttons->addButton(tr("Don't run"), QDialogButtonBox::RejectRole);
    refuse->setObjectName(QStringLiteral("execRefuseButton"));
    // Enter must not approve a program by accident.
    m_allow->setAutoDefault(false);
    refuse->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(buttons);
    resize(640, 420);
}

QString ExecApprovalDialog::shownApiVersion() const { return m_apiVersion->text(); }

QString ExecApprovalDialog::shownProgram() const { return m_program->text(); }

QStringList ExecApprovalDialog::shownArguments() const
{
    QStringList out;
    for (int i = 0; i < m_arguments->count(); ++i)
        out << m_arguments->item(i)->text();
    return out;
}

QList<QPair<QString, QString>> ExecApprovalDialog::shownEnvironment() const
{
    QList<QPair<QString, QString>> out;
    for (int row = 0; row < m_environment->rowCount(); ++row)
        out.append({m_environment->item(row, 0)->text(), m_environment->item(row, 1)->text()});
    return out;
}

}  // namespace pilothouse::widgets::shell
