// The tables' sort and filter proxy: the text filter of QSortFilterProxyModel (any column, as you
// type) plus a set of namespaces, so several namespaces show at once while the informers watch
// all of them (one watch instead of one per namespace, as k9s and Lens do).
#pragma once

#include <QSet>
#include <QSortFilterProxyModel>

namespace pilothouse::models {

class ObjectFilterProxyModel : public QSortFilterProxyModel {
    Q_OBJECT

public:
    explicit ObjectFilterProxyModel(QObject *parent = nullptr);

    // Empty: every namespace. Cluster-scoped objects (no namespace) always pass.
    void setNamespaces(const QSet<QString> &namespaces);
    QSet<QString> namespaces() const { return m_namespaces; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QSet<QString> m_namespaces;
};

}  // namespace pilothouse::models
