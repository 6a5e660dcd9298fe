// Paints the runs × stages matrix: the run cell (number, result, start, duration, parameters) and
// stage cells coloured by their status tone with the duration, a running one animated, one paused
// for input marked "waiting for approval", a row still being described as placeholders.
#pragma once

#include <QStyledItemDelegate>

namespace pilothouse::widgets {

class RunMatrixDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    explicit RunMatrixDelegate(QObject *parent = nullptr);

    // The animation's phase (the view advances it while a running cell is on screen).
    void setFrame(int frame) { m_frame = frame; }
    int frame() const { return m_frame; }

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    void paintRun(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const;
    void paintStage(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const;

    int m_frame = 0;
};

}  // namespace pilothouse::widgets
