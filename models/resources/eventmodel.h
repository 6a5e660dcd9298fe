// The events of the object in the detail pane, newest first, kept by event uid: a reload that
// brings one new event inserts one row. Warning rows answer StatusToneRole in every column.
#pragma once

#include "common/keyedlistmodel.h"
#include "statustone.h"
#include "workloads/inspect/objectrelations.h"

namespace pilothouse::models {

class EventModel : public KeyedListModel<backends::workloads::ObjectEvent> {
    Q_OBJECT

public:
    enum Column { TypeColumn, ReasonColumn, AgeColumn, SourceColumn, MessageColumn, ColumnCount };
    enum Role {
        KeyRole = Qt::UserRole,  // metadata.uid
        LastSeenRole,            // QDateTime (UTC)
        CountRole,
    };

    using KeyedListModel::KeyedListModel;

    void refreshAges() { refreshColumn(AgeColumn, {Qt::DisplayRole, Qt::ToolTipRole}); }
    // "now" for the Age column; tests pin it. Invalid: the clock.
    void setNow(const QDateTime &now) { m_now = now; }

    int columnCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : ColumnCount; }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    static StatusTone typeTone(const QString &type);

protected:
    QString keyOf(const backends::workloads::ObjectEvent &event) const override { return event.key; }

private:
    QDateTime m_now;
};

}  // namespace pilothouse::models
