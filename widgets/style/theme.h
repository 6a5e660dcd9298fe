// Light and dark themes: the Fusion style, a full palette per theme, semantic colours for views and
// one small application style sheet (typography, navigation rail, badges, status chips).
#pragma once

#include <QColor>
#include <QObject>
#include <QString>

class QWidget;

namespace pilothouse::widgets {

enum class ThemeMode {
    System,  // follow the desktop (see Theme::apply)
    Light,
    Dark,
};

class Theme : public QObject {
    Q_OBJECT

public:
    // Semantic colours. Views ask for a role, never for a literal colour.
    enum class Role {
        Accent,          // selection, the active rail item, focus, a fresh pod's outline
        AccentText,      // text on an Accent fill
        Success,         // the status tones (StatusPalette maps a status word to one of these)
        Warning,
        Danger,
        Info,            // progress
        Paused,
        Muted,           // neutral status, secondary marks
        Unknown,
        Surface,         // the base of views (QPalette::Base)
        SurfaceAlt,      // panels, badges, chips (a step away from Surface)
        Border,          // frames and separators
        RailBackground,  // the navigation rail
        RailSelected,    // the selected rail item's background
        Hover,           // hovered rows and rail items
        TextPrimary,
        TextSecondary,   // labels, keys, captions, timestamps
        Icon,            // monochrome icons
        Link,
        MatchBackground,   // a log line that matches the search
        MatchRun,          // the matching characters
        MatchRunText,      // text on MatchRun
        DiffAddedBackground,
        DiffAddedText,
        DiffRemovedBackground,
        DiffRemovedText,
        DiffHunkBackground,
        DiffHunkText,
        ErrorBackground,  // an inline error box (with Danger for its text)
        ErrorBorder,
        EditingBackground,  // a text area that is being edited (the YAML editor)
        ChartOverlay,       // a label drawn over a chart's plot, translucent Surface
        RoleCount
    };
    Q_ENUM(Role)

    // The object that emits changed(); widgets that paint with theme colours or built a style
    // sheet from them connect to it (palette-based painting updates by itself).
    static Theme *instance();

    // Sets the Fusion style, the palette and the application style sheet for `mode`, and emits
    // changed() when anything differs. System mode on Qt 6.4 (no QStyleHints::colorScheme): the
    // environment variable PILOTHOUSE_THEME=light|dark decides if set (for scripts and
    // screenshots); otherwise the platform palette's window colour, read before the first apply
    // replaces it: a dark window means a dark desktop. A desktop switched while Pilothouse runs
    // is followed after a restart. Needs a QApplication.
    static void apply(ThemeMode mode);
    static ThemeMode mode();
    static bool isDark();
    static QColor color(Role role);
    // The same colour as "#rrggbb" (or "rgba(r,g,b,a)" when translucent), for rich text and style sheets.
    static QString css(Role role);
    // A categorical colour for series that have no meaning beyond "different" (log pod prefixes,
    // chart lines): ten colours distinct from each other and readable on Surface in this theme.
    static QColor seriesColor(int index);
    static int seriesCount();
    // The application style sheet for the current theme (already applied by apply()).
    static QString styleSheet();

    // Draws a widget's text (a label's, an edit's) in `role`, and keeps doing so across theme
    // switches; clearTextRole gives it back the palette's text colours.
    static void setTextRole(QWidget *widget, Role role);
    static void clearTextRole(QWidget *widget);
    // Runs `restyle` now and after every theme switch while `context` lives: for widgets that
    // build a style sheet or a document from theme colours.
    template<class F>
    static void follow(QObject *context, F restyle)
    {
        restyle();
        QObject::connect(instance(), &Theme::changed, context, restyle);
    }

    // Settings: the key under which the shell keeps the choice, and its spelling there.
    static constexpr const char *SettingsKey = "appearance/theme";
    static QString modeName(ThemeMode mode);                 // "system", "light", "dark"
    static ThemeMode modeFromName(const QString &name);      // anything else: System
    // "Follow the desktop", "Light", "Dark", for a settings combo box.
    static QString modeTitle(ThemeMode mode);

    // WCAG 2 contrast ratio of two opaque colours (1 to 21).
    static double contrast(const QColor &a, const QColor &b);

signals:
    void changed();

private:
    Theme() = default;
};

}  // namespace pilothouse::widgets
