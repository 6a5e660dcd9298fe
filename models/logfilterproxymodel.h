// "Only matching lines" over a LogModel: keeps the rows that match the model's search text,
// refiltering when the search changes (new and evicted rows follow the source on their own).
#pragma once

#include "logmodel.h"

#include <QSortFilterProxyModel>

namespace pilothouse::models {

class LogFilterProxyModel : public QSortFilterProxyModel {
    Q_OBJECT

public:
    explicit LogFilterProxyModel(QObject *parent = nullptr);

    void setLogModel(LogModel *model);
    LogModel *logModel() const { return m_log; }
    // Off: every row passes (the view shows the whole log). On with an empty search: every row.
    void setOnlyMatching(bool on);
    bool onlyMatching() const { return m_onlyMatching; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    LogModel *m_log = nullptr;
    bool m_onlyMatching = false;
};

}  // namespace pilothouse::models
