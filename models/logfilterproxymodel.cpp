// Filter mode of the log search.
#include "logfilterproxymodel.h"

namespace pilothouse::models {

LogFilterProxyModel::LogFilterProxyModel(QObject *parent) : QSortFilterProxyModel(parent) {}

void LogFilterProxyModel::setLogModel(LogModel *model)
{
    if (m_log)
        disconnect(m_log, nullptr, this, nullptr);
    m_log = model;
    setSourceModel(model);
    if (m_log)
        connect(m_log, &LogModel::searchChanged, this, [this] {
            if (m_onlyMatching)
                invalidateFilter();
        });
}

void LogFilterProxyModel::setOnlyMatching(bool on)
{
    if (on == m_onlyMatching)
        return;
    m_onlyMatching = on;
    invalidateFilter();
}

bool LogFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!m_onlyMatching || !m_log || sourceParent.isValid() || m_log->searchText().isEmpty())
        return true;
    return m_log->matches(sourceRow);
}

}  // namespace pilothouse::models
