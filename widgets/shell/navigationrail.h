// The navigation rail: the registry's one-instance pages grouped by domain (Cluster, Delivery,
// Pipelines, Observe, Cockpit) with icons, names and attention badges. Groups without a page
// are not shown.
#pragma once

#include <QListView>

class QStandardItemModel;

namespace pilothouse::widgets::shell {

class PageRegistry;

class NavigationRail : public QListView {
    Q_OBJECT

public:
    enum Role { PageIdRole = Qt::UserRole, BadgeRole, IsGroupRole, IconNameRole };

    explicit NavigationRail(QWidget *parent = nullptr);

    void setPages(const PageRegistry &registry);
    // Marks the page shown (no signal).
    void setCurrentPage(const QString &id);
    // -1 or 0 hides the badge.
    void setBadge(const QString &id, int count);
    int badge(const QString &id) const;
    QStringList pageIds() const;

Q_SIGNALS:
    void pageActivated(const QString &id);

private:
    QStandardItemModel *m_model;
};

}  // namespace pilothouse::widgets::shell
