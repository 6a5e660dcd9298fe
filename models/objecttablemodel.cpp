// Incremental resource tables (qBittorrent TransferListModel style: key -> row, per-row updates).
#include "objecttablemodel.h"

#include "humanduration.h"
#include "statustone.h"

#include <QDateTime>
#include <QElapsedTimer>

#include <algorithm>

namespace pilothouse::models {

ObjectTableModel::ObjectTableModel(QObject *parent) : QAbstractTableModel(parent)
{
    // Zero-time single shots: each chunk of a load waits for the events already queued (input,
    // paints, change batches) before it runs.
    m_loadTimer.setSingleShot(true);
    m_loadTimer.setInterval(0);
    connect(&m_loadTimer, &QTimer::timeout, this, &ObjectTableModel::loadNextChunk);
}

int ObjectTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

QHash<int, QByteArray> ObjectTableModel::roleNames() const
{
    QHash<int, QByteArray> roles = QAbstractTableModel::roleNames();
    roles[KeyRole] = "key";
    roles[SortRole] = "sort";
    roles[StatusToneRole] = "statusTone";
    return roles;
}

qint64 ObjectTableModel::now() const { return m_now ? m_now : QDateTime::currentSecsSinceEpoch(); }

QModelIndex ObjectTableModel::index(int row, int column, const QModelIndex &parent) const
{
    if (parent.isValid() || row < 0 || column < 0 || row >= static_cast<int>(m_rows.size()) || column >= columnCount())
        return {};
    return createIndex(row, column);
}

ObjectTableModel::SortKey ObjectTableModel::sortKey(int row, int column) const
{
    // Generic kinds: SortRole numbers as numbers, anything else as case-folded text.
    const QVariant v = data(index(row, column), SortRole);
    SortKey key;
    if (v.typeId() == QMetaType::QString)
        key.text = identityKey(rowObject(row), v.toString().toCaseFolded());
    else {
        key.number = v.toDouble();
        key.text = identityKey(rowObject(row));
    }
    return key;
}

QString ObjectTableModel::identityKey(const backends::kube::KubeObject &o, const QString &first)
{
    QString key;
    key.reserve(first.size() + o.name.size() + o.ns.size() + 2);
    if (!first.isNull())
        key.append(first).append(QChar(1));
    key.append(o.name).append(QChar(1)).append(o.ns);
    return key;
}

bool ObjectTableModel::containsFolded(QStringView haystack, QStringView needle)
{
    // Names, namespaces, statuses, nodes and addresses are ASCII: fold those by arithmetic, the
    // rest through Qt's table (simple case folding, one code unit for one, as toCaseFolded does).
    auto fold = [](char16_t c) -> char16_t {
        if (c < 0x80)
            return c >= u'A' && c <= u'Z' ? char16_t(c | 0x20) : c;
        return char16_t(QChar::toCaseFolded(char32_t(c)));
    };
    const qsizetype n = needle.size();
    const qsizetype last = haystack.size() - n;
    if (n == 0)
        return true;
    const char16_t *h = haystack.utf16();
    const char16_t *w = needle.utf16();
    const char16_t first = w[0];
    // The first unit: an ASCII letter matches either case with one OR; anything else is folded.
    const char16_t anyCase = first >= u'a' && first <= u'z' ? 0x20 : 0;
    for (qsizetype i = 0; i <= last; ++i) {
        const char16_t c = h[i];
        if (c < 0x80 ? char16_t(c | anyCase) != first : fold(c) != first)
            continue;
        qsizetype j = 1;
        while (j < n && fold(h[i + j]) == w[j])
            ++j;
        if (j == n)
            return true;
    }
    return false;
}

bool ObjectTableModel::matches(int row, QStringView needle) const
{
    const auto &o = rowObject(row);
    if (containsFolded(o.name, needle) || containsFolded(o.ns, needle))
        return true;
    for (int c = 0; c < columnCount(); ++c)
        if (containsFolded(data(index(row, c), Qt::DisplayRole).toString(), needle))
            return true;
    return false;
}

void ObjectTableModel::rebuildIndex(int fromRow)
{
    for (int i = fromRow; i < static_cast<int>(m_rows.size()); ++i)
        m_rowOf.insert(m_rows[i]->key(), i);
}

void ObjectTableModel::resetObjects(const ObjectList &objects)
{
    // A newer list replaces one still loading.
    m_loadTimer.stop();
    m_load.reset();
    const size_t first = static_cast<size_t>(m_fixedChunkRows > 0 ? m_fixedChunkRows : FirstChunkRows);
    beginResetModel();
    m_rows.clear();
    m_rowOf.clear();
    if (!m_chunked || objects.size() <= first) {
        m_rows = objects;
        m_rowOf.reserve(static_cast<qsizetype>(m_rows.size()));
        rebuildIndex(0);
        endResetModel();
        return;
    }
    m_load = std::make_unique<PendingLoad>();
    m_load->objects = objects;
    m_rows.reserve(objects.size());
    m_rowOf.reserve(static_cast<qsizetype>(objects.size()));
    std::vector<KubeObjectPtr> rows;
    QStringList keys;
    takeFromLoad(first, rows, keys);
    for (qsizetype i = 0; i < keys.size(); ++i) {
        m_rowOf.insert(keys.at(i), static_cast<int>(m_rows.size()));
        m_rows.push_back(std::move(rows[static_cast<size_t>(i)]));
    }
    endResetModel();
    Q_EMIT loadProgress(static_cast<int>(m_load->next), static_cast<int>(m_load->objects.size()));
    m_loadTimer.start();
}

void ObjectTableModel::takeFromLoad(size_t count, std::vector<KubeObjectPtr> &rows, QStringList &keys)
{
    PendingLoad &load = *m_load;
    const size_t end = std::min(load.objects.size(), load.next + count);
    rows.reserve(end - load.next);
    keys.reserve(static_cast<qsizetype>(end - load.next));
    for (; load.next < end; ++load.next) {
        KubeObjectPtr &o = load.objects[load.next];
        QString key = o->key();
        // A change since the list, or a row already there, knows better than the list.
        if ((!load.superseded.isEmpty() && load.superseded.contains(key)) || m_rowOf.contains(key)) {
            o.reset();
            continue;
        }
        rows.push_back(std::move(o));
        keys.append(std::move(key));
    }
}

void ObjectTableModel::appendRows(std::vector<KubeObjectPtr> &rows, const QStringList &keys)
{
    if (rows.empty())
        return;
    const int first = static_cast<int>(m_rows.size());
    beginInsertRows({}, first, first + static_cast<int>(rows.size()) - 1);
    for (size_t i = 0; i < rows.size(); ++i) {
        m_rowOf.insert(keys.at(static_cast<qsizetype>(i)), static_cast<int>(m_rows.size()));
        m_rows.push_back(std::move(rows[i]));
    }
    endInsertRows();
}

void ObjectTableModel::loadNextChunk()
{
    if (!m_load)
        return;
    QElapsedTimer took;
    took.start();
    const int size = m_fixedChunkRows > 0 ? m_fixedChunkRows : m_chunkRows;
    std::vector<KubeObjectPtr> rows;
    QStringList keys;
    takeFromLoad(static_cast<size_t>(size), rows, keys);
    appendRows(rows, keys);  // the proxy places them, the view lays out: all within this slice
    const int loaded = static_cast<int>(m_load->next);
    const int total = static_cast<int>(m_load->objects.size());
    if (m_fixedChunkRows <= 0) {
        // About 10 ms a chunk: the proxy's share grows with the rows already there, so the size
        // follows the time taken rather than a fixed count (halved or doubled at most per step).
        constexpr double targetNs = 10e6;
        const double ns = std::max<double>(1, double(took.nsecsElapsed()));
        m_chunkRows = std::clamp(int(size * targetNs / ns), std::max(256, size / 2), std::min(65536, size * 2));
    }
    if (loaded >= total)
        m_load.reset();
    else
        m_loadTimer.start();
    Q_EMIT loadProgress(loaded, total);
}

void ObjectTableModel::applyChanges(const ChangeBatch &batch)
{
    // Net effect per key first: a burst that adds and deletes the same object leaves nothing.
    QHash<QString, KubeObjectPtr> upserts;
    QList<QString> order;
    QSet<QString> deletes;
    for (const auto &c : batch) {
        const QString key = c.object->key();
        if (m_load)
            m_load->superseded.insert(key);
        if (c.type == backends::kube::ObjectChange::Type::Deleted) {
            upserts.remove(key);
            deletes.insert(key);
        } else {
            if (!upserts.contains(key))
                order.append(key);
            upserts.insert(key, c.object);
            deletes.remove(key);
        }
    }
    // Removals: descending rows, contiguous runs as one range.
    std::vector<int> gone;
    for (const QString &key : deletes)
        if (int row = m_rowOf.value(key, -1); row >= 0)
            gone.push_back(row);
    std::sort(gone.begin(), gone.end(), std::greater<>());
    for (size_t i = 0; i < gone.size();) {
        size_t j = i;
        while (j + 1 < gone.size() && gone[j + 1] == gone[j] - 1)
            ++j;
        int first = gone[j], last = gone[i];
        beginRemoveRows({}, first, last);
        for (int r = first; r <= last; ++r)
            m_rowOf.remove(m_rows[r]->key());
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        endRemoveRows();
        i = j + 1;
    }
    if (!gone.empty())
        rebuildIndex(gone.back());
    // Updates in place; new rows appended in one range (the proxy model sorts them).
    std::vector<KubeObjectPtr> added;
    int minChanged = INT_MAX, maxChanged = -1, changedCount = 0;
    for (const QString &key : order) {
        if (!upserts.contains(key))
            continue;
        int row = m_rowOf.value(key, -1);
        if (row < 0) {
            added.push_back(upserts.value(key));
            continue;
        }
        m_rows[row] = upserts.value(key);
        minChanged = std::min(minChanged, row);
        maxChanged = std::max(maxChanged, row);
        ++changedCount;
    }
    if (changedCount > 0) {
        // One range when most rows changed, else one signal per row.
        if (changedCount > static_cast<int>(m_rows.size()) / 2) {
            Q_EMIT dataChanged(index(minChanged, 0), index(maxChanged, columnCount() - 1));
        } else {
            for (const QString &key : order)
                if (int row = m_rowOf.value(key, -1); row >= 0 && upserts.contains(key))
                    Q_EMIT dataChanged(index(row, 0), index(row, columnCount() - 1));
        }
    }
    if (!added.empty()) {
        int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
        for (auto &o : added) {
            m_rowOf.insert(o->key(), static_cast<int>(m_rows.size()));
            m_rows.push_back(std::move(o));
        }
        endInsertRows();
    }
}

void ObjectTableModel::refreshColumn(int column)
{
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, column), index(static_cast<int>(m_rows.size()) - 1, column), {Qt::DisplayRole});
}

void ObjectTableModel::refreshCells(int column, QList<int> rows)
{
    std::sort(rows.begin(), rows.end());
    const int count = static_cast<int>(m_rows.size());
    for (int i = 0; i < rows.size();) {
        int first = rows[i];
        int last = first;
        while (i + 1 < rows.size() && rows[i + 1] <= last + 1)
            last = rows[++i];
        ++i;
        if (first >= 0 && last < count)
            Q_EMIT dataChanged(index(first, column), index(last, column), {Qt::DisplayRole});
    }
}

QVariant ObjectTableModel::commonData(const KubeObjectPtr &obj, int role) const
{
    if (role == KeyRole)
        return obj->key();
    if (role == ObjectRole)
        return QVariant::fromValue(obj);
    return {};
}

namespace {
QString age(qint64 created, qint64 now) { return created ? humanDuration(now - created) : QStringLiteral("<unknown>"); }
}

int PodTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant PodTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    // Numeric columns: header aligned with the right-aligned numbers below it.
    if (orientation == Qt::Horizontal && role == Qt::TextAlignmentRole && (section == ReadyColumn || section == RestartsColumn))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Name", "Namespace", "Status", "Ready", "Restarts", "Age", "Node"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QVariant PodTableModel::data(const QModelIndex &index, int role) const
{
    KubeObjectPtr obj = objectAt(index.row());
    if (!obj || !index.isValid())
        return {};
    if (role == KeyRole || role == ObjectRole)
        return commonData(obj, role);
    const backends::kube::PodSummary empty;
    const backends::kube::PodSummary &p = obj->pod() ? *obj->pod() : empty;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn: return obj->name;
        case NamespaceColumn: return obj->ns;
        case StatusColumn: return p.status;
        case ReadyColumn: return QStringLiteral("%1/%2").arg(p.readyContainers).arg(p.totalContainers);
        case RestartsColumn: return p.restarts;
        case AgeColumn: return age(obj->createdAt, now());
        case NodeColumn: return p.node.isEmpty() ? QStringLiteral("<none>") : p.node;
        }
    } else if (role == SortRole) {
        switch (index.column()) {
        case ReadyColumn: return p.totalContainers ? double(p.readyContainers) / p.totalContainers : 0.0;
        case RestartsColumn: return p.restarts;
        case AgeColumn: return -obj->createdAt;  // ascending sort = youngest first, as kubectl's AGE reads
        default: return data(index, Qt::DisplayRole);
        }
    } else if (role == StatusToneRole && index.column() == StatusColumn) {
        // A Running pod whose containers are not all ready is not there yet; the rest is the word's.
        if (p.status == QLatin1String("Running") && p.readyContainers < p.totalContainers)
            return int(StatusTone::Progress);
        return int(statusTone(p.status));
    } else if (role == Qt::TextAlignmentRole && (index.column() == RestartsColumn || index.column() == ReadyColumn)) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

ObjectTableModel::SortKey PodTableModel::sortKey(int row, int column) const
{
    const auto &o = rowObject(row);
    const backends::kube::PodSummary *p = o.pod();
    if (!p)
        return ObjectTableModel::sortKey(row, column);
    switch (column) {
    case NameColumn: return {0, identityKey(o)};
    case NamespaceColumn: return {0, identityKey(o, o.ns)};
    case StatusColumn: return {0, identityKey(o, p->status)};
    case ReadyColumn: return {p->totalContainers ? double(p->readyContainers) / p->totalContainers : 0.0, identityKey(o)};
    case RestartsColumn: return {double(p->restarts), identityKey(o)};
    case AgeColumn: return {double(-o.createdAt), identityKey(o)};
    case NodeColumn: return {0, identityKey(o, p->node)};
    default: return ObjectTableModel::sortKey(row, column);
    }
}

bool PodTableModel::matches(int row, QStringView needle) const
{
    // What the filter box promises: name, namespace, status, node (and the pod's address).
    const auto &o = rowObject(row);
    if (containsFolded(o.name, needle) || containsFolded(o.ns, needle))
        return true;
    const backends::kube::PodSummary *p = o.pod();
    return p && (containsFolded(p->status, needle) || containsFolded(p->node, needle) || containsFolded(p->podIp, needle));
}

bool DeploymentTableModel::matches(int row, QStringView needle) const
{
    const auto &o = rowObject(row);
    return containsFolded(o.name, needle) || containsFolded(o.ns, needle);
}

ObjectTableModel::SortKey DeploymentTableModel::sortKey(int row, int column) const
{
    const auto &o = rowObject(row);
    const backends::kube::DeploymentSummary *d = o.deployment();
    if (!d)
        return ObjectTableModel::sortKey(row, column);
    switch (column) {
    case NameColumn: return {0, identityKey(o)};
    case NamespaceColumn: return {0, identityKey(o, o.ns)};
    case ReadyColumn: return {d->desired ? double(d->ready) / d->desired : 1.0, identityKey(o)};
    case UpToDateColumn: return {double(d->updated), identityKey(o)};
    case AvailableColumn: return {double(d->available), identityKey(o)};
    case AgeColumn: return {double(-o.createdAt), identityKey(o)};
    default: return ObjectTableModel::sortKey(row, column);
    }
}

int DeploymentTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant DeploymentTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::TextAlignmentRole && section >= ReadyColumn && section <= AvailableColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Name", "Namespace", "Ready", "Up-to-date", "Available", "Age"};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

QVariant DeploymentTableModel::data(const QModelIndex &index, int role) const
{
    KubeObjectPtr obj = objectAt(index.row());
    if (!obj || !index.isValid())
        return {};
    if (role == KeyRole || role == ObjectRole)
        return commonData(obj, role);
    const backends::kube::DeploymentSummary empty;
    const backends::kube::DeploymentSummary &d = obj->deployment() ? *obj->deployment() : empty;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn: return obj->name;
        case NamespaceColumn: return obj->ns;
        case ReadyColumn: return QStringLiteral("%1/%2").arg(d.ready).arg(d.desired);
        case UpToDateColumn: return d.updated;
        case AvailableColumn: return d.available;
        case AgeColumn: return age(obj->createdAt, now());
        }
    } else if (role == SortRole) {
        switch (index.column()) {
        case ReadyColumn: return d.desired ? double(d.ready) / d.desired : 1.0;
        case AgeColumn: return -obj->createdAt;
        default: return data(index, Qt::DisplayRole);
        }
    } else if (role == StatusToneRole && index.column() == ReadyColumn) {
        return int(d.ready >= d.desired ? StatusTone::Good : StatusTone::Progress);
    } else if (role == Qt::TextAlignmentRole && index.column() >= ReadyColumn && index.column() <= AvailableColumn) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

void TableRowModel::setColumns(const QList<backends::kube::TableColumn> &columns, bool namespaced)
{
    beginResetModel();
    m_columns.clear();
    m_ageColumn = -1;
    for (int i = 0; i < columns.size(); ++i) {
        const auto &c = columns.at(i);
        if (c.priority != 0)
            continue;
        Shown s;
        s.title = c.name;
        s.cell = i;
        s.numeric = c.type == QLatin1String("integer") || c.type == QLatin1String("number");
        s.age = c.name == QLatin1String("Age") || c.type == QLatin1String("date");
        m_columns.append(s);
        if (s.age)
            m_ageColumn = static_cast<int>(m_columns.size()) - 1;
        // Namespace right after the name, as `kubectl get -A` shows it.
        if (i == 0 && namespaced)
            m_columns.append({tr("Namespace"), -1, false, false});
    }
    endResetModel();
}

QStringList TableRowModel::columnNames() const
{
    QStringList out;
    for (const auto &c : m_columns)
        out << c.title;
    return out;
}

int TableRowModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : static_cast<int>(m_columns.size()); }

QVariant TableRowModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= m_columns.size())
        return {};
    if (role == Qt::DisplayRole)
        return m_columns.at(section).title;
    if (role == Qt::TextAlignmentRole && m_columns.at(section).numeric)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant TableRowModel::data(const QModelIndex &index, int role) const
{
    KubeObjectPtr obj = objectAt(index.row());
    if (!obj || !index.isValid() || index.column() >= m_columns.size())
        return {};
    if (role == KeyRole || role == ObjectRole)
        return commonData(obj, role);
    const Shown &col = m_columns.at(index.column());
    const backends::kube::TableSummary *row = obj->tableRow();
    auto text = [&]() -> QString {
        if (col.cell < 0)
            return obj->ns;
        if (col.age && obj->createdAt)
            return humanDuration(now() - obj->createdAt);
        return row && col.cell < row->cells.size() ? row->cells.at(col.cell) : QString();
    };
    if (role == Qt::DisplayRole)
        return text();
    if (role == SortRole) {
        if (col.age)
            return -obj->createdAt;
        if (col.numeric)
            return text().toLongLong();
        return text();
    }
    if (role == Qt::TextAlignmentRole && col.numeric)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

bool TableRowModel::matches(int row, QStringView needle) const
{
    // The cells shown, as the server printed them; ages change with time and are left out.
    const auto &o = rowObject(row);
    if (containsFolded(o.name, needle) || containsFolded(o.ns, needle))
        return true;
    const backends::kube::TableSummary *cells = o.tableRow();
    if (!cells)
        return false;
    for (const Shown &col : m_columns)
        if (col.cell >= 0 && !col.age && col.cell < cells->cells.size() && containsFolded(cells->cells.at(col.cell), needle))
            return true;
    return false;
}

}  // namespace pilothouse::models
