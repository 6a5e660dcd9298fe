// The question before an opened kubeconfig reads files (or runs a program) outside its folder.
#include "shell/kubeconfigimportdialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace pilothouse::widgets::shell {

KubeconfigImportDialog::KubeconfigImportDialog(const QString &file, const QList<backends::kube::FileReference> &outside,
                                               QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("kubeconfigImportDialog"));
    setWindowTitle(tr("Use files outside the kubeconfig's folder?"));
    setModal(true);

    // A kubeconfig from someone else can name any file of the operator's as its certificate,
    // key or token, or any program as its credential plugin; connecting would read or run it.
    auto *intro = new QLabel(tr("The kubeconfig %1 refers to files outside its folder. Connecting reads them (and runs the "
                                "programs among them) with your permissions. Connect only if you expected these files:")
                                 .arg(file),
                             this);
    intro->setObjectName(QStringLiteral("kubeconfigImportIntro"));
    intro->setTextFormat(Qt::PlainText);
    intro->setWordWrap(true);

    m_list = new QTreeWidget(this);
    m_list->setObjectName(QStringLiteral("outsideReferences"));
    m_list->setColumnCount(2);
    m_list->setHeaderLabels({tr("Path"), tr("Used as")});
    m_list->setRootIsDecorated(false);
    m_list->setSelectionMode(QAbstractItemView::NoSelection);
    for (const backends::kube::FileReference &ref : outside)
        new QTreeWidgetItem(m_list, {ref.path, tr("%1 of %2").arg(ref.field, ref.entry)});
    m_list->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

    auto *buttons = new QDialogButtonBox(this);
    m_connect = buttons->addButton(tr("Connect"), QDialogButtonBox::AcceptRole);
    m_connect->setObjectName(QStringLiteral("importConnectButton"));
    QPushButton *cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_connect->setAutoDefault(false);
    cancel->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_list, 1);
    layout->addWidget(buttons);
    resize(680, 360);
}

QStringList KubeconfigImportDialog::shownPaths() const
{
    QStringList out;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        out << m_list->topLevelItem(i)->text(0);
    return out;
}

}  // namespace pilothouse::widgets::shell
