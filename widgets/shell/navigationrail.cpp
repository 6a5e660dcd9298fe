// Rail entries from the page registry, painted with icon, name and badge.
#include "shell/navigationrail.h"

#include "shell/pageregistry.h"
#include "style/icons.h"

#include <QPainter>
#include <QStandardItemModel>
#include <QStyledItemDelegate>

namespace pilothouse::widgets::shell {

namespace {

class RailDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        const int line = option.fontMetrics.height();
        return {option.rect.width(), index.data(NavigationRail::IsGroupRole).toBool() ? line + 14 : line + 16};
    }

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        painter->save();
        const QPalette &pal = option.palette;
        const QRect r = option.rect.adjusted(6, 1, -6, -1);
        if (index.data(NavigationRail::IsGroupRole).toBool()) {
            QFont f = option.font;
            f.setPointSizeF(f.pointSizeF() * 0.85);
            f.setBold(true);
            f.setCapitalization(QFont::AllUppercase);
            painter->setFont(f);
            painter->setPen(pal.color(QPalette::PlaceholderText));
            painter->drawText(r.adjusted(8, 6, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, index.data().toString());
            painter->restore();
            return;
        }
        const bool selected = option.state & QStyle::State_Selected;
        const bool hovered = option.state & QStyle::State_MouseOver;
        painter->setRenderHint(QPainter::Antialiasing);
        if (selected || hovered) {
            QColor fill = pal.color(QPalette::Highlight);
            fill.setAlphaF(selected ? 0.18 : 0.08);
            painter->setPen(Qt::NoPen);
            painter->setBrush(fill);
            painter->drawRoundedRect(r, 6, 6);
        }
        const int iconSize = 18;
        const QRect iconRect(r.left() + 10, r.center().y() - iconSize / 2, iconSize, iconSize);
        Icons::get(index.data(NavigationRail::IconNameRole).toString())
            .paint(painter, iconRect, Qt::AlignCenter, selected ? QIcon::Active : QIcon::Normal);
        QFont f = option.font;
        f.setBold(selected);
        painter->setFont(f);
        painter->setPen(pal.color(selected ? QPalette::Highlight : QPalette::WindowText));
        const int badge = index.data(NavigationRail::BadgeRole).toInt();
        QRect textRect = r.adjusted(iconSize + 20, 0, -6, 0);
        if (badge > 0) {
            const QString text = badge > 99 ? QStringLiteral("99+") : QString::number(badge);
            QFont bf = option.font;
            bf.setPointSizeF(bf.pointSizeF() * 0.85);
            bf.setBold(true);
            const QFontMetrics bm(bf);
            const int w = qMax(bm.horizontalAdvance(text) + 10, bm.height() + 2);
            const QRect pill(r.right() - w - 6, r.center().y() - bm.height() / 2 - 1, w, bm.height() + 2);
            painter->setPen(Qt::NoPen);
            painter->setBrush(pal.color(QPalette::Highlight));
            painter->drawRoundedRect(pill, pill.height() / 2.0, pill.height() / 2.0);
            painter->setPen(pal.color(QPalette::HighlightedText));
            painter->setFont(bf);
            painter->drawText(pill, Qt::AlignCenter, text);
            painter->setFont(f);
            painter->setPen(pal.color(selected ? QPalette::Highlight : QPalette::WindowText));
            textRect.setRight(pill.left() - 4);
        }
        painter->drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter, option.fontMetrics.elidedText(index.data().toString(), Qt::ElideRight, textRect.width()));
        painter->restore();
    }
};

}  // namespace

NavigationRail::NavigationRail(QWidget *parent) : QListView(parent), m_model(new QStandardItemModel(this))
{
    setObjectName(QStringLiteral("navigationRail"));
    setModel(m_model);
    setItemDelegate(new RailDelegate(this));
    setFrameShape(QFrame::NoFrame);
    setMouseTracking(true);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFixedWidth(184);
    setBackgroundRole(QPalette::AlternateBase);
    setAutoFillBackground(true);
    connect(this, &QListView::clicked, this, [this](const QModelIndex &index) {
        const QString id = index.data(PageIdRole).toString();
        if (!id.isEmpty())
            Q_EMIT pageActivated(id);
    });
    connect(this, &QListView::activated, this, [this](const QModelIndex &index) {
        const QString id = index.data(PageIdRole).toString();
        if (!id.isEmpty())
            Q_EMIT pageActivated(id);
    });
}

void NavigationRail::setPages(const PageRegistry &registry)
{
    m_model->clear();
    for (const QString &group : PageRegistry::groups()) {
        bool headed = false;
        for (const PageType &type : registry.types()) {
            if (type.group != group || !type.singleton)
                continue;
            if (!headed) {
                auto *heading = new QStandardItem(group);
                heading->setData(true, IsGroupRole);
                heading->setFlags(Qt::ItemIsEnabled);
                m_model->appendRow(heading);
                headed = true;
            }
            auto *item = new QStandardItem(type.title);
            item->setData(type.id, PageIdRole);
            item->setData(type.icon, IconNameRole);
            item->setData(false, IsGroupRole);
            item->setToolTip(type.shortcut.isEmpty() ? type.description
                                                     : QStringLiteral("%1 (%2)").arg(type.description, type.shortcut.toString(QKeySequence::NativeText)));
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            item->setAccessibleText(type.title);
            m_model->appendRow(item);
        }
    }
}

void NavigationRail::setCurrentPage(const QString &id)
{
    const QSignalBlocker block(this);
    for (int row = 0; row < m_model->rowCount(); ++row)
        if (m_model->item(row)->data(PageIdRole).toString() == id) {
            setCurrentIndex(m_model->index(row, 0));
            return;
        }
    clearSelection();
}

void NavigationRail::setBadge(const QString &id, int count)
{
    for (int row = 0; row < m_model->rowCount(); ++row)
        if (m_model->item(row)->data(PageIdRole).toString() == id)
            m_model->item(row)->setData(count, BadgeRole);
}

int NavigationRail::badge(const QString &id) const
{
    for (int row = 0; row < m_model->rowCount(); ++row)
        if (m_model->item(row)->data(PageIdRole).toString() == id)
            return m_model->item(row)->data(BadgeRole).toInt();
    return 0;
}

QStringList NavigationRail::pageIds() const
{
    QStringList ids;
    for (int row = 0; row < m_model->rowCount(); ++row)
        if (const QString id = m_model->item(row)->data(PageIdRole).toString(); !id.isEmpty())
            ids << id;
    return ids;
}

}  // namespace pilothouse::widgets::shell
