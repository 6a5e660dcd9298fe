// Filtering and ranking of the palette's commands.
#include "palettemodel.h"

#include "fuzzymatch.h"

#include <algorithm>
#include <climits>
#include <tuple>

namespace pilothouse::models {

namespace {

// A command used a moment ago gains about one matched character's worth; the bonus fades over
// the recent list, so recency reorders close matches but never lifts a poor match above a good
// one.
constexpr int kRecencyBonus = 16;

}  // namespace

PaletteModel::PaletteModel(QObject *parent) : QAbstractListModel(parent) {}

PaletteModel::~PaletteModel() = default;

int PaletteModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

QVariant PaletteModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const PaletteCommand &command = m_commands.at(row.command);
    switch (role) {
    case Qt::DisplayRole:
        return command.title;
    case Qt::ToolTipRole:
        return command.disabledReason.isEmpty() ? QVariant() : QVariant(command.disabledReason);
    case SubtitleRole:
        return command.subtitle;
    case CategoryRole:
        return command.category;
    case IconNameRole:
        return command.icon;
    case ShortcutRole:
        return command.shortcut;
    case MatchPositionsRole:
        return QVariant::fromValue(row.positions);
    case DisabledReasonRole:
        return command.disabledReason;
    case IdRole:
        return command.id;
    case ScoreRole:
        return row.score;
    default:
        return {};
    }
}

Qt::ItemFlags PaletteModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    // Disabled commands stay enabled items: they must be selectable so that the palette can say
    // why they cannot run.
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
}

QHash<int, QByteArray> PaletteModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(SubtitleRole, "subtitle");
    names.insert(CategoryRole, "category");
    names.insert(IconNameRole, "iconName");
    names.insert(ShortcutRole, "shortcut");
    names.insert(MatchPositionsRole, "matchPositions");
    names.insert(DisabledReasonRole, "disabledReason");
    names.insert(IdRole, "id");
    names.insert(ScoreRole, "score");
    return names;
}

void PaletteModel::setCommands(QList<PaletteCommand> commands)
{
    m_commands = std::move(commands);
    rebuild();
}

PaletteModel::Scope PaletteModel::scopeOf(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return Scope::All;
    switch (trimmed.at(0).unicode()) {
    case u':':
        return Scope::Kinds;
    case u'>':
        return Scope::Actions;
    case u'@':
        return Scope::Objects;
    case u'/':
        return Scope::PageFilter;
    default:
        return Scope::All;
    }
}

void PaletteModel::setFilter(const QString &text)
{
    m_filter = text;
    m_scope = scopeOf(text);
    const QString trimmed = text.trimmed();
    m_query = m_scope == Scope::All ? trimmed : trimmed.mid(1).trimmed();
    rebuild();
}

void PaletteModel::setRecent(const QStringList &ids)
{
    m_recent.clear();
    for (const QString &id : ids) {
        if (!id.isEmpty() && !m_recent.contains(id))
            m_recent.append(id);
        if (m_recent.size() == kMaxRecent)
            break;
    }
    rebuild();
}

void PaletteModel::noteUsed(const QString &id)
{
    if (id.isEmpty())
        return;
    m_recent.removeAll(id);
    m_recent.prepend(id);
    while (m_recent.size() > kMaxRecent)
        m_recent.removeLast();
    m_recentRank.clear();
    for (int i = 0; i < m_recent.size(); ++i)
        m_recentRank.insert(m_recent.at(i), i);
    emit recentChanged(m_recent);
}

const PaletteCommand *PaletteModel::commandAt(int row) const
{
    if (row < 0 || row >= m_rows.size())
        return nullptr;
    return &m_commands.at(m_rows.at(row).command);
}

bool PaletteModel::inScope(const PaletteCommand &command) const
{
    switch (m_scope) {
    case Scope::All:
        return true;
    case Scope::Kinds:
        return command.category == categoryKinds;
    case Scope::Actions:
        return command.category == categoryActions || command.category == categoryCommands;
    case Scope::Objects:
        return command.category == categoryObjects;
    case Scope::PageFilter:
        return false;
    }
    return false;
}

int PaletteModel::categoryRank(const QString &category) const
{
    if (category == categoryPages)
        return 0;
    if (category == categoryActions)
        return 1;
    if (category == categoryCommands)
        return 2;
    if (category == categoryKinds)
        return 3;
    if (category == categoryObjects)
        return 4;
    return 5;
}

int PaletteModel::recentRank(const QString &id) const
{
    return m_recentRank.value(id, INT_MAX);
}

// The order:
// - with a query: fuzzy score (title, or subtitle at half weight) plus a recency bonus; then the
//   more recent, the enabled, the category order (Pages, Actions, Commands, Kinds, Objects) and
//   the order the shell gave.
// - without one: recent commands first, most recent first; then the rest by category in that
//   order and as given (a disabled command keeps its place: the list is a map of what exists). In the unscoped list Objects appear only when recent (the caches hold
//   thousands; "@" or a few letters list them).
// At most kMaxRows rows are shown; matchCount() says how many matched.
void PaletteModel::rebuild()
{
    m_recentRank.clear();
    for (int i = 0; i < m_recent.size(); ++i)
        m_recentRank.insert(m_recent.at(i), i);

    struct Candidate {
        Row row;
        int recent;
        int disabled;
        int category;
    };
    std::vector<Candidate> candidates;
    candidates.reserve(static_cast<size_t>(m_commands.size()));

    const FuzzyPattern pattern(m_query);
    const bool searching = !pattern.isEmpty();
    for (int i = 0; i < m_commands.size(); ++i) {
        const PaletteCommand &command = m_commands.at(i);
        if (!inScope(command))
            continue;
        const int recent = recentRank(command.id);
        Candidate candidate{{i, 0, {}}, recent, command.disabledReason.isEmpty() ? 0 : 1,
                            categoryRank(command.category)};
        if (searching) {
            FuzzyMatch match = pattern.match(command.title, command.subtitle);
            if (!match.matched)
                continue;
            candidate.row.score = match.score;
            if (recent != INT_MAX)
                candidate.row.score += kRecencyBonus * (kMaxRecent - recent) / kMaxRecent;
            candidate.row.positions = std::move(match.positions);
        } else if (m_scope == Scope::All && recent == INT_MAX && command.category == categoryObjects) {
            continue;
        }
        candidates.push_back(std::move(candidate));
    }

    auto before = [searching](const Candidate &a, const Candidate &b) {
        if (!searching)
            return std::tie(a.recent, a.category, a.row.command) < std::tie(b.recent, b.category, b.row.command);
        if (a.row.score != b.row.score)
            return a.row.score > b.row.score;
        return std::tie(a.recent, a.disabled, a.category, a.row.command)
               < std::tie(b.recent, b.disabled, b.category, b.row.command);
    };
    m_matchCount = static_cast<int>(candidates.size());
    const auto shown = std::min<size_t>(candidates.size(), kMaxRows);
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(shown),
                      candidates.end(), before);

    beginResetModel();
    m_rows.clear();
    m_rows.reserve(static_cast<qsizetype>(shown));
    for (size_t i = 0; i < shown; ++i)
        m_rows.append(std::move(candidates[i].row));
    endResetModel();
}

}  // namespace pilothouse::models
