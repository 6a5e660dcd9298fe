// Asks before connecting with a kubeconfig the operator opened whose file references lead
// outside its folder: it lists each such path and what it is used as.
#pragma once

#include "kube/auth/kubeconfig.h"

#include <QDialog>

class QPushButton;
class QTreeWidget;

namespace pilothouse::widgets::shell {

class KubeconfigImportDialog : public QDialog {
    Q_OBJECT

public:
    KubeconfigImportDialog(const QString &file, const QList<backends::kube::FileReference> &outside, QWidget *parent = nullptr);

    // The paths the dialog lists, read back from its list.
    QStringList shownPaths() const;
    QPushButton *connectButton() const { return m_connect; }

private:
    QTreeWidget *m_list = nullptr;
    QPushButton *m_connect = nullptr;
};

}  // namespace pilothouse::widgets::shell
