// Ticks of namespaces in a drop-down.
#include "shell/namespacepicker.h"

#include "style/icons.h"

#include <QListView>
#include <QMenu>
#include <QStandardItemModel>
#include <QWidgetAction>

namespace pilothouse::widgets::shell {

NamespacePicker::NamespacePicker(QWidget *parent) : QToolButton(parent), m_model(new QStandardItemModel(this))
{
    setObjectName(QStringLiteral("namespaceButton"));
    setPopupMode(QToolButton::InstantPopup);
    setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    setIcon(Icons::get(QStringLiteral("namespace")));
    setMinimumWidth(170);
    // The drop-down arrow beside the text, not under it (layout only; colours stay the theme's).
    setStyleSheet(QStringLiteral("QToolButton#namespaceButton { padding-right: 16px; }"
                                 "QToolButton#namespaceButton::menu-indicator { subcontrol-origin: padding; subcontrol-position: center right; }"));
    auto *menu = new QMenu(this);
    m_list = new QListView(menu);
    m_list->setObjectName(QStringLiteral("namespaceList"));
    m_list->setModel(m_model);
    m_list->setMinimumSize(240, 260);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto *action = new QWidgetAction(menu);
    action->setDefaultWidget(m_list);
    menu->addAction(action);
    setMenu(menu);
    connect(m_model, &QStandardItemModel::itemChanged, this, [this](QStandardItem *item) {
        if (m_updating)
            return;
        QStringList chosen;
        if (item->data().toString().isEmpty()) {
            // "All namespaces" ticked clears the others.
            chosen = item->checkState() == Qt::Checked ? QStringList() : m_selected;
        } else {
            for (int row = 1; row < m_model->rowCount(); ++row)
                if (m_model->item(row)->checkState() == Qt::Checked)
                    chosen << m_model->item(row)->data().toString();
        }
        select(chosen);
        Q_EMIT selectionChanged(m_selected);
    });
    rebuild();
}

void NamespacePicker::setNamespaces(const QStringList &namespaces)
{
    QStringList sorted = namespaces;
    sorted.sort();
    sorted.removeDuplicates();
    if (sorted == m_namespaces)
        return;
    m_namespaces = sorted;
    // Namespaces that went away leave the selection too (once the list is known).
    if (!m_namespaces.isEmpty()) {
        QStringList kept;
        for (const QString &ns : std::as_const(m_selected))
            if (m_namespaces.contains(ns))
                kept << ns;
        if (kept != m_selected) {
            m_selected = kept;
            Q_EMIT selectionChanged(m_selected);
        }
    }
    rebuild();
}

void NamespacePicker::select(const QStringList &selected)
{
    QStringList sorted = selected;
    sorted.sort();
    sorted.removeDuplicates();
    m_selected = sorted;
    m_updating = true;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        QStandardItem *item = m_model->item(row);
        const QString ns = item->data().toString();
        item->setCheckState((ns.isEmpty() ? sorted.isEmpty() : sorted.contains(ns)) ? Qt::Checked : Qt::Unchecked);
    }
    m_updating = false;
    updateText();
}

void NamespacePicker::rebuild()
{
    m_updating = true;
    m_model->clear();
    auto *all = new QStandardItem(tr("All namespaces"));
    all->setData(QString());
    all->setCheckable(true);
    m_model->appendRow(all);
    for (const QString &ns : std::as_const(m_namespaces)) {
        auto *item = new QStandardItem(ns);
        item->setData(ns);
        item->setCheckable(true);
        m_model->appendRow(item);
    }
    m_updating = false;
    select(m_selected);
}

void NamespacePicker::updateText()
{
    const QStringList &s = m_selected;
    setText(s.isEmpty() ? tr("All namespaces") : s.size() <= 2 ? s.join(QStringLiteral(", ")) : tr("%1 namespaces").arg(s.size()));
    setToolTip(s.isEmpty() ? tr("Every namespace") : s.join(QLatin1Char('\n')));
}

}  // namespace pilothouse::widgets::shell
