// The resource browser page: kinds grouped in a sidebar with live counts, the chosen kind's
// table (pods and deployments typed, every other kind in the server's Table form), the detail
// pane, and each object's menu from the action providers. k9s habits: ":" jumps to a kind, "/"
// filters.
#pragma once

#include "kube/cache/kubeobject.h"
#include "kube/api/resourceref.h"
#include "shell/page.h"
#include "shell/pageregistry.h"

#include <QAbstractProxyModel>
#include <QHash>

class QAbstractItemDelegate;
class QLabel;
class QLineEdit;
class QMenu;
class QPlainTextEdit;
class QStackedWidget;
class QTableView;
class QTimer;
class QTreeView;

namespace pilothouse::models {
class DeploymentTableModel;
class KindTreeModel;
class ObjectFilterProxyModel;
class ObjectTableModel;
class PodTableModel;
class TableRowModel;
}

namespace pilothouse::widgets {

class DetailPane;

class ResourcesPage : public shell::Page {
    Q_OBJECT

public:
    explicit ResourcesPage(const shell::PageContext &context, QWidget *parent = nullptr);

    // args: group, plural (the kind to show), namespace, name (the object to select), edit (start
    // editing its YAML).
    void reopen(const QVariantMap &args) override;
    QVariantMap selection() const override;

    // ":" — select a kind by name, plural or short name ("svc", "hpa", "sts").
    bool jumpToKind(const QString &text);
    bool selectKind(const backends::kube::ResourceRef &ref);
    backends::kube::ResourceRef currentKind() const { return m_current; }
    // Selects the object when its row is there (after the kind's list arrived).
    bool selectObject(const QString &ns, const QString &name);
    // The menu of the object at `row` of the table shown (tests pop it themselves).
    QMenu *menuForRow(int proxyRow);

    models::PodTableModel *podModel() const { return m_podModel; }
    models::DeploymentTableModel *deploymentModel() const { return m_deploymentModel; }
    models::TableRowModel *kindModel() const { return m_kindModel; }
    // The model and proxy of the table shown.
    models::ObjectTableModel *currentModel() const;
    QAbstractProxyModel *currentProxy() const;
    QAbstractProxyModel *podProxy() const;
    QTableView *podView() const { return m_podView; }
    QTableView *kindView() const { return m_kindView; }
    QTableView *currentView() const;
    QTreeView *kindTree() const { return m_kindTree; }
    models::KindTreeModel *kindTreeModel() const { return m_kindTreeModel; }
    QLineEdit *filterEdit() const { return m_filter; }
    DetailPane *detailPane() const { return m_detail; }
    QPlainTextEdit *yamlView() const;

Q_SIGNALS:
    // Once per page: the pod table painted its first rows (the start-up benchmark's end point).
    void firstRowsPainted();

protected:
    void onNamespacesChanged(const QStringList &namespaces) override;
    bool eventFilter(QObject *watched, QEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    QTableView *createTable(QAbstractItemModel *proxy, const QString &objectName);
    models::ObjectFilterProxyModel *currentObjectProxy() const;
    void attachSession();
    void onKindsChanged();
    void showKind(const backends::kube::ResourceRef &ref);
    void openMenuAt(QTableView *view, const QPoint &pos);
    void updateCounts();
    void refreshAges();
    void refreshUnwatchedCounts();
    void selectPending();

    shell::PageContext m_context;
    backends::kube::ResourceRef m_current;
    models::PodTableModel *m_podModel = nullptr;
    models::DeploymentTableModel *m_deploymentModel = nullptr;
    models::TableRowModel *m_kindModel = nullptr;
    models::ObjectFilterProxyModel *m_podProxy = nullptr;
    models::ObjectFilterProxyModel *m_deploymentProxy = nullptr;
    models::ObjectFilterProxyModel *m_kindProxy = nullptr;
    models::KindTreeModel *m_kindTreeModel = nullptr;
    QTreeView *m_kindTree = nullptr;
    QTableView *m_podView = nullptr;
    QTableView *m_deploymentView = nullptr;
    QTableView *m_kindView = nullptr;
    QAbstractItemDelegate *m_statusDelegate = nullptr;
    QStackedWidget *m_views = nullptr;
    QHash<QString, QTableView *> m_typedViews;  // groupResource → the typed table that shows it
    QLineEdit *m_filter = nullptr;
    QLineEdit *m_jump = nullptr;
    QLabel *m_title = nullptr;
    QLabel *m_counts = nullptr;
    DetailPane *m_detail = nullptr;
    // An object asked for before its row arrived (reopen with a name): selected when listed.
    QString m_pendingNs;
    QString m_pendingName;
    bool m_pendingEdit = false;
    bool m_firstRowsPainted = false;
    QTimer *m_countTimer = nullptr;
    bool m_countedOnce = false;  // the unwatched kinds were counted on this connection
};

}  // namespace pilothouse::widgets
