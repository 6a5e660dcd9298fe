// The runs × stages matrix's painter; colours come from the status palette of the current theme.
#include "pipelines/runmatrixdelegate.h"

#include "pipelines/runmatrixmodel.h"
#include "style/statuspalette.h"

#include <QApplication>
#include <QDateTime>
#include <QPainter>

namespace pilothouse::widgets {

using models::RunMatrixModel;
using backends::jenkins::StageStatus;

RunMatrixDelegate::RunMatrixDelegate(QObject *parent) : QStyledItemDelegate(parent) {}

QSize RunMatrixDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const int line = option.fontMetrics.height();
    return {index.column() == RunMatrixModel::RunColumn ? 16 * line : 7 * line, 2 * line + 10};
}

void RunMatrixDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    // The item background (selection, hover) as the style draws it, then our cell on top.
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    opt.icon = QIcon();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    if (index.column() == RunMatrixModel::RunColumn)
        paintRun(painter, option, index);
    else
        paintStage(painter, option, index);
    painter->restore();
}

void RunMatrixDelegate::paintRun(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const auto tone = static_cast<StatusTone>(index.data(models::StatusToneRole).toInt());
    const QRect r = option.rect.adjusted(2, 2, -2, -2);
    painter->fillRect(QRect(r.left(), r.top(), 4, r.height()), StatusPalette::fill(tone));
    const bool selected = option.state & QStyle::State_Selected;
    const QPalette &pal = option.palette;
    const QColor text = pal.color(selected ? QPalette::HighlightedText : QPalette::Text);
    const QRect textRect = r.adjusted(10, 1, -4, -1);
    const int line = option.fontMetrics.height();
    QFont bold = option.font;
    bold.setBold(true);
    painter->setFont(bold);
    painter->setPen(text);
    const QString number = index.data(Qt::DisplayRole).toString();
    painter->drawText(QRect(textRect.left(), textRect.top(), textRect.width(), line), Qt::AlignLeft | Qt::AlignVCenter, number);
    const int numberWidth = QFontMetrics(bold).horizontalAdvance(number) + 8;
    painter->setFont(option.font);
    const auto status = static_cast<StageStatus>(index.data(RunMatrixModel::StageStatusRole).toInt());
    QString word = index.data(RunMatrixModel::WaitingForInputRole).toBool() ? tr("waiting for approval") : backends::jenkins::stageStatusName(status);
    const qint64 duration = index.data(RunMatrixModel::DurationMsRole).toLongLong();
    if (duration > 0)
        word += QStringLiteral(" · ") + RunMatrixModel::durationText(duration);
    painter->setPen(selected ? text : StatusPalette::color(tone));
    painter->drawText(QRect(textRect.left() + numberWidth, textRect.top(), textRect.width() - numberWidth, line), Qt::AlignLeft | Qt::AlignVCenter,
                      option.fontMetrics.elidedText(word, Qt::ElideRight, textRect.width() - numberWidth));
    QStringList second;
    if (const qint64 start = index.data(RunMatrixModel::StartMsRole).toLongLong(); start > 0)
        second << QDateTime::fromMSecsSinceEpoch(start).toString(QStringLiteral("MMM d HH:mm"));
    if (const QString params = index.data(RunMatrixModel::ParametersRole).toString(); !params.isEmpty())
        second << params;
    QColor dim = text;
    dim.setAlphaF(0.7f);
    painter->setPen(dim);
    painter->drawText(QRect(textRect.left(), textRect.top() + line, textRect.width(), line), Qt::AlignLeft | Qt::AlignVCenter,
                      option.fontMetrics.elidedText(second.join(QStringLiteral("  ")), Qt::ElideRight, textRect.width()));
}

void RunMatrixDelegate::paintStage(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QRectF r = QRectF(option.rect).adjusted(2, 2, -2, -2);
    const QPalette &pal = option.palette;
    if (!index.data(RunMatrixModel::DescribedRole).toBool()) {
        // Placeholder while the row's stages are on their way: the shape of a cell, no colour.
        QColor c = pal.color(QPalette::Mid);
        c.setAlphaF(0.25f);
        painter->setPen(Qt::NoPen);
        painter->setBrush(c);
        painter->drawRoundedRect(r.adjusted(6, r.height() / 2 - 4, -6, -(r.height() / 2 - 4)), 4, 4);
        return;
    }
    const QVariant statusValue = index.data(RunMatrixModel::StageStatusRole);
    if (!statusValue.isValid())
        return;  // this run has no such stage
    const auto status = static_cast<StageStatus>(statusValue.toInt());
    const auto tone = static_cast<StatusTone>(index.data(models::StatusToneRole).toInt());
    const bool notRun = status == StageStatus::NotExecuted || status == StageStatus::Skipped;
    painter->setPen(Qt::NoPen);
    QColor soft = StatusPalette::soft(tone);
    if (notRun)
        soft.setAlphaF(soft.alphaF() * 0.5f);
    painter->setBrush(soft);
    painter->drawRoundedRect(r, 3, 3);
    // The tone's solid colour as a bar on the left, readable without relying on the soft fill alone.
    painter->setBrush(StatusPalette::fill(tone));
    painter->drawRoundedRect(QRectF(r.left(), r.top(), 4, r.height()), 2, 2);
    if (index.data(RunMatrixModel::RunningRole).toBool()) {
        // Running: a segment sweeping along the bottom edge, moved by the view's frame.
        const qreal w = r.width() * 0.3;
        const qreal x = r.left() + std::fmod(m_frame * r.width() / 24.0, r.width() + w) - w;
        painter->save();
        painter->setClipRect(r);
        painter->setBrush(StatusPalette::fill(tone));
        painter->drawRect(QRectF(x, r.bottom() - 3, w, 3));
        painter->restore();
    }
    const QRectF textRect = r.adjusted(8, 0, -3, 0);
    painter->setPen(status == StageStatus::Failed || status == StageStatus::PausedPendingInput ? StatusPalette::color(tone) : pal.color(QPalette::Text));
    QString text = index.data(Qt::DisplayRole).toString();
    if (status == StageStatus::PausedPendingInput) {
        const QIcon icon = StatusPalette::icon(QStringLiteral("PAUSED_PENDING_INPUT"));
        const int s = option.fontMetrics.height();
        icon.paint(painter, QRect(int(textRect.left()), int(textRect.center().y() - s / 2.0), s, s));
        const QRectF rest = textRect.adjusted(s + 3, 0, 0, 0);
        painter->drawText(rest, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap, text);
        return;
    }
    painter->drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter, option.fontMetrics.elidedText(text, Qt::ElideRight, int(textRect.width())));
}

}  // namespace pilothouse::widgets
