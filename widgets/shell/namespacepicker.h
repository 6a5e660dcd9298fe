// The namespaces shown, as in Lens: a drop-down of ticks that stays open while several are
// ticked. None ticked means all. The list follows the cluster's namespaces live.
#pragma once

#include <QToolButton>

class QListView;
class QStandardItemModel;

namespace pilothouse::widgets::shell {

class NamespacePicker : public QToolButton {
    Q_OBJECT

public:
    explicit NamespacePicker(QWidget *parent = nullptr);

    // The cluster's namespaces (the ticks of those that went away are dropped).
    void setNamespaces(const QStringList &namespaces);
    QStringList namespaces() const { return m_namespaces; }
    void select(const QStringList &selected);
    QStringList selected() const { return m_selected; }
    QStandardItemModel *model() const { return m_model; }
    QListView *list() const { return m_list; }

Q_SIGNALS:
    void selectionChanged(const QStringList &selected);

private:
    void rebuild();
    void onItemChanged();
    void updateText();

    QStandardItemModel *m_model;
    QListView *m_list;
    QStringList m_namespaces;
    QStringList m_selected;
    bool m_updating = false;
};

}  // namespace pilothouse::widgets::shell
