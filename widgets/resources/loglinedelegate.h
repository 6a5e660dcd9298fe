// Paints one log line like a terminal row: dim timestamp, the pod prefix in its pod's colour,
// the text, and search matches highlighted. One height for every row (uniform item sizes) and
// one width, the longest line's, so the view scrolls sideways instead of cutting lines off.
#pragma once

#include "logmodel.h"

#include <QPointer>
#include <QStyledItemDelegate>

namespace pilothouse::widgets {

class LogLineDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    explicit LogLineDelegate(models::LogModel *model, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    static constexpr int kMargin = 4;

private:
    QPointer<models::LogModel> m_model;
};

}  // namespace pilothouse::widgets
