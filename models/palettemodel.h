// The command palette's list: every command the shell offers (pages, kinds, cached objects, the
// selected object's actions), filtered and ranked by fuzzy score and recent use.
#pragma once

#include <QAbstractListModel>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace pilothouse::models {

struct PaletteCommand {
    // Unique; also the recency key: "page:rollouts", "kind:statefulsets.apps",
    // "object:pods/shop/web-1", "action:promote:rollouts.argoproj.io/shop/storefront".
    QString id;
    QString title;
    QString subtitle;        // the namespace, "Page", a kind…; matched too, at half weight
    QString category;        // one of the PaletteModel::category* names
    QString icon;            // an icon name for widgets/style's Icons::get()
    QString shortcut;        // shown right-aligned, portable text ("Ctrl+K")
    QString disabledReason;  // non-empty: shown with this reason, not runnable
    std::function<void()> run;
};

class PaletteModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Column { TitleColumn, ColumnCount };
    enum Role {
        SubtitleRole = Qt::UserRole,
        CategoryRole,
        IconNameRole,
        ShortcutRole,
        MatchPositionsRole,  // QList<int>: indexes into the title of the matched characters
        DisabledReasonRole,
        IdRole,
        ScoreRole,           // int: fuzzy score + recency bonus (0 for an empty filter)
    };

    // What the filter text's first character asks for.
    enum class Scope {
        All,
        Kinds,       // ":sts"
        Actions,     // ">promote": Commands and Actions, as in VS Code
        Objects,     // "@web"
        PageFilter,  // "/text": not a search here; the shell filters the current page with it
    };
    Q_ENUM(Scope)

    static inline const QString categoryPages = QStringLiteral("Pages");
    static inline const QString categoryActions = QStringLiteral("Actions");
    static inline const QString categoryCommands = QStringLiteral("Commands");
    static inline const QString categoryKinds = QStringLiteral("Kinds");
    static inline const QString categoryObjects = QStringLiteral("Objects");

    static constexpr int kMaxRows = 200;
    static constexpr int kMaxRecent = 50;

    explicit PaletteModel(QObject *parent = nullptr);
    ~PaletteModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Replaces every command and re-applies the current filter.
    void setCommands(QList<PaletteCommand> commands);
    const QList<PaletteCommand> &commands() const { return m_commands; }

    // Filters and ranks; see the .cpp for the order. The model is reset: the list is at most
    // kMaxRows rows, rebuilt per keystroke from a re-ranking of every command, so there is no
    // selection or scroll position worth keeping that an incremental update would preserve (the
    // palette selects the best row after each keystroke anyway).
    void setFilter(const QString &text);
    QString filter() const { return m_filter; }
    Scope scope() const { return m_scope; }
    // The filter without its scope prefix and surrounding spaces ("sts" for ":sts ").
    QString query() const { return m_query; }
    static Scope scopeOf(const QString &text);

    // Most recent first; ids of commands not offered now are kept (the object may come back).
    void setRecent(const QStringList &ids);
    QStringList recent() const { return m_recent; }
    // Moves `id` to the front of the recent list, which keeps kMaxRecent ids, and emits
    // recentChanged (setRecent does not: it is how saved ids come back). The shown rows are not
    // re-ranked (the palette closes when a command runs).
    void noteUsed(const QString &id);

    // The command shown at `row`, or nullptr.
    const PaletteCommand *commandAt(int row) const;
    // How many commands matched before the kMaxRows cap.
    int matchCount() const { return m_matchCount; }

signals:
    void recentChanged(const QStringList &ids);

private:
    struct Row {
        int command = 0;  // index into m_commands
        int score = 0;
        QList<int> positions;
    };

    void rebuild();
    bool inScope(const PaletteCommand &command) const;
    int categoryRank(const QString &category) const;
    int recentRank(const QString &id) const;

    QList<PaletteCommand> m_commands;
    QList<Row> m_rows;
    QString m_filter;
    QString m_query;
    Scope m_scope = Scope::All;
    QStringList m_recent;
    QHash<QString, int> m_recentRank;
    int m_matchCount = 0;
};

}  // namespace pilothouse::models
