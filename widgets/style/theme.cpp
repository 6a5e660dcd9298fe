// Light and dark palettes, semantic roles, the application style sheet and the desktop's preference.
#include "style/theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>
#include <QWidget>

#include <algorithm>
#include <array>
#include <cmath>

namespace pilothouse::widgets {

namespace {

using R = Theme::Role;
constexpr int kRoles = static_cast<int>(R::RoleCount);

// One theme: its palette colours and its semantic roles. Text colours were chosen for a contrast
// of at least 4.5:1 on Base and Window (tests/widgets/tst_style checks it); GitHub's Primer
// colours were the starting point, being tuned for exactly that on both backgrounds.
struct Colours {
    QColor window, windowText, base, alternateBase, text, button, buttonText, brightText;
    QColor light, midlight, mid, dark, shadow;
    QColor highlight, highlightedText, link, linkVisited, placeholder, toolTipBase, toolTipText;
    QColor disabledText, disabledButton, disabledBase, disabledHighlight;
    std::array<QColor, kRoles> roles;
    std::array<QColor, 10> series;
};

void set(Colours &c, R role, const char *hex) { c.roles[static_cast<size_t>(role)] = QColor(QLatin1String(hex)); }

Colours lightColours()
{
    Colours c;
    c.window = QColor(0xf3, 0xf4, 0xf6);
    c.windowText = QColor(0x1f, 0x23, 0x28);
    c.base = QColor(0xff, 0xff, 0xff);
    c.alternateBase = QColor(0xf6, 0xf8, 0xfa);
    c.text = c.windowText;
    c.button = QColor(0xf6, 0xf7, 0xf9);
    c.buttonText = c.windowText;
    c.brightText = QColor(0xff, 0xff, 0xff);
    c.light = QColor(0xff, 0xff, 0xff);
    c.midlight = QColor(0xe6, 0xe9, 0xed);
    c.mid = QColor(0xc4, 0xcb, 0xd3);
    c.dark = QColor(0x9a, 0xa3, 0xad);
    c.shadow = QColor(0x57, 0x60, 0x6a);
    c.highlight = QColor(0x09, 0x69, 0xda);
    c.highlightedText = QColor(0xff, 0xff, 0xff);
    c.link = QColor(0x09, 0x69, 0xda);
    c.linkVisited = QColor(0x82, 0x50, 0xdf);
    c.placeholder = QColor(0x65, 0x6d, 0x76);
    c.toolTipBase = QColor(0x24, 0x29, 0x2f);
    c.toolTipText = QColor(0xf6, 0xf8, 0xfa);
    c.disabledText = QColor(0x8c, 0x95, 0x9f);
    c.disabledButton = QColor(0xee, 0xf0, 0xf3);
    c.disabledBase = QColor(0xf6, 0xf8, 0xfa);
    c.disabledHighlight = QColor(0xaf, 0xb8, 0xc1);
    set(c, R::Accent, "#0969da");
    set(c, R::AccentText, "#ffffff");
    set(c, R::Success, "#1a7f37");
    set(c, R::Warning, "#8a5c00");
    set(c, R::Danger, "#cf222e");
    set(c, R::Info, "#0969da");
    set(c, R::Paused, "#8250df");
    set(c, R::Muted, "#59636e");
    set(c, R::Unknown, "#656d76");
    set(c, R::Surface, "#ffffff");
    set(c, R::SurfaceAlt, "#eef1f4");
    set(c, R::Border, "#d0d7de");
    set(c, R::RailBackground, "#e9ecf0");
    set(c, R::RailSelected, "#dbe7fc");
    set(c, R::Hover, "#e1e5ea");
    set(c, R::TextPrimary, "#1f2328");
    set(c, R::TextSecondary, "#59636e");
    set(c, R::Icon, "#3d444d");
    set(c, R::Link, "#0969da");
    set(c, R::MatchBackground, "#fff8c5");
    set(c, R::MatchRun, "#ffd33d");
    set(c, R::MatchRunText, "#1f2328");
    set(c, R::DiffAddedBackground, "#dafbe1");
    set(c, R::DiffAddedText, "#116329");
    set(c, R::DiffRemovedBackground, "#ffebe9");
    set(c, R::DiffRemovedText, "#82071e");
    set(c, R::DiffHunkBackground, "#ddf4ff");
    set(c, R::DiffHunkText, "#0550ae");
    set(c, R::ErrorBackground, "#ffebe9");
    set(c, R::ErrorBorder, "#ff8182");
    set(c, R::EditingBackground, "#fffdf0");
    c.roles[static_cast<size_t>(R::ChartOverlay)] = QColor(0xff, 0xff, 0xff, 215);
    c.series = {QColor(0x1f, 0x77, 0xb4), QColor(0xc3, 0x54, 0x00), QColor(0x22, 0x88, 0x2c), QColor(0xc2, 0x18, 0x5b),
                QColor(0x7b, 0x52, 0xab), QColor(0x00, 0x83, 0x8f), QColor(0x8c, 0x6d, 0x1f), QColor(0xd0, 0x1c, 0x7c),
                QColor(0x5c, 0x6b, 0xc0), QColor(0x4f, 0x8a, 0x10)};
    return c;
}

Colours darkColours()
{
    Colours c;
    c.window = QColor(0x1e, 0x22, 0x27);
    c.windowText = QColor(0xe6, 0xed, 0xf3);
    c.base = QColor(0x16, 0x19, 0x1d);
    c.alternateBase = QColor(0x1b, 0x1f, 0x24);
    c.text = c.windowText;
    c.button = QColor(0x2a, 0x2f, 0x36);
    c.buttonText = c.windowText;
    c.brightText = QColor(0xff, 0xff, 0xff);
    c.light = QColor(0x3d, 0x44, 0x4d);
    c.midlight = QColor(0x32, 0x38, 0x3f);
    c.mid = QColor(0x45, 0x4c, 0x55);
    c.dark = QColor(0x10, 0x12, 0x15);
    c.shadow = QColor(0x05, 0x06, 0x07);
    c.highlight = QColor(0x21, 0x60, 0xc4);
    c.highlightedText = QColor(0xff, 0xff, 0xff);
    c.link = QColor(0x58, 0xa6, 0xff);
    c.linkVisited = QColor(0xbc, 0x8c, 0xff);
    c.placeholder = QColor(0x8b, 0x94, 0x9e);
    c.toolTipBase = QColor(0x2d, 0x33, 0x3b);
    c.toolTipText = QColor(0xe6, 0xed, 0xf3);
    c.disabledText = QColor(0x6e, 0x76, 0x81);
    c.disabledButton = QColor(0x23, 0x27, 0x2d);
    c.disabledBase = QColor(0x1b, 0x1f, 0x24);
    c.disabledHighlight = QColor(0x3a, 0x42, 0x4c);
    set(c, R::Accent, "#4493f8");
    set(c, R::AccentText, "#ffffff");
    set(c, R::Success, "#3fb950");
    set(c, R::Warning, "#d29922");
    set(c, R::Danger, "#f85149");
    set(c, R::Info, "#58a6ff");
    set(c, R::Paused, "#bc8cff");
    set(c, R::Muted, "#9ba6b2");
    set(c, R::Unknown, "#8b949e");
    set(c, R::Surface, "#16191d");
    set(c, R::SurfaceAlt, "#262b31");
    set(c, R::Border, "#373e47");
    set(c, R::RailBackground, "#1a1d21");
    set(c, R::RailSelected, "#1c3350");
    set(c, R::Hover, "#2b3138");
    set(c, R::TextPrimary, "#e6edf3");
    set(c, R::TextSecondary, "#9ba6b2");
    set(c, R::Icon, "#c9d1d9");
    set(c, R::Link, "#58a6ff");
    set(c, R::MatchBackground, "#3b3113");
    set(c, R::MatchRun, "#d29922");
    set(c, R::MatchRunText, "#0d1117");
    set(c, R::DiffAddedBackground, "#1b3524");
    set(c, R::DiffAddedText, "#7ee787");
    set(c, R::DiffRemovedBackground, "#3d1d20");
    set(c, R::DiffRemovedText, "#ffa198");
    set(c, R::DiffHunkBackground, "#132339");
    set(c, R::DiffHunkText, "#79c0ff");
    set(c, R::ErrorBackground, "#2d1517");
    set(c, R::ErrorBorder, "#8e1519");
    set(c, R::EditingBackground, "#1f1d14");
    c.roles[static_cast<size_t>(R::ChartOverlay)] = QColor(0x16, 0x19, 0x1d, 215);
    c.series = {QColor(0x4e, 0x9d, 0xe0), QColor(0xf2, 0x8e, 0x2b), QColor(0x59, 0xc1, 0x59), QColor(0xf0, 0x62, 0x92),
                QColor(0xb3, 0x92, 0xf0), QColor(0x26, 0xc6, 0xda), QColor(0xd4, 0xb0, 0x5a), QColor(0xff, 0x7a, 0xb8),
                QColor(0x8c, 0x9e, 0xff), QColor(0x9c, 0xcc, 0x65)};
    return c;
}

QPalette paletteFrom(const Colours &c)
{
    QPalette p;
    auto all = [&p](QPalette::ColorRole role, const QColor &colour) { p.setColor(role, colour); };
    all(QPalette::Window, c.window);
    all(QPalette::WindowText, c.windowText);
    all(QPalette::Base, c.base);
    all(QPalette::AlternateBase, c.alternateBase);
    all(QPalette::Text, c.text);
    all(QPalette::Button, c.button);
    all(QPalette::ButtonText, c.buttonText);
    all(QPalette::BrightText, c.brightText);
    all(QPalette::Light, c.light);
    all(QPalette::Midlight, c.midlight);
    all(QPalette::Mid, c.mid);
    all(QPalette::Dark, c.dark);
    all(QPalette::Shadow, c.shadow);
    all(QPalette::Highlight, c.highlight);
    all(QPalette::HighlightedText, c.highlightedText);
    all(QPalette::Link, c.link);
    all(QPalette::LinkVisited, c.linkVisited);
    all(QPalette::PlaceholderText, c.placeholder);
    all(QPalette::ToolTipBase, c.toolTipBase);
    all(QPalette::ToolTipText, c.toolTipText);
    // An inactive window keeps its selection visible; only disabled widgets change.
    p.setColor(QPalette::Disabled, QPalette::WindowText, c.disabledText);
    p.setColor(QPalette::Disabled, QPalette::Text, c.disabledText);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, c.disabledText);
    p.setColor(QPalette::Disabled, QPalette::Button, c.disabledButton);
    p.setColor(QPalette::Disabled, QPalette::Base, c.disabledBase);
    p.setColor(QPalette::Disabled, QPalette::Highlight, c.disabledHighlight);
    p.setColor(QPalette::Disabled, QPalette::HighlightedText, c.disabledText);
    p.setColor(QPalette::Disabled, QPalette::Link, c.disabledText);
    p.setColor(QPalette::Disabled, QPalette::PlaceholderText, c.disabledText);
    return p;
}

struct State {
    ThemeMode mode = ThemeMode::System;
    bool dark = false;
    bool applied = false;
    bool styleSet = false;
    bool platformKnown = false;
    bool platformDark = false;  // the desktop's palette, read before ours replaced it
    Colours colours = lightColours();
    QString styleSheet;
};

State &state()
{
    static State s;
    return s;
}

bool systemPrefersDark()
{
    State &s = state();
    const QByteArray env = qgetenv("PILOTHOUSE_THEME").trimmed().toLower();
    if (env == "dark")
        return true;
    if (env == "light")
        return false;
    if (!s.platformKnown) {
        // Before our palette is set, the application palette is the platform theme's (on GNOME,
        // KDE or a Qt platform theme plugin it follows the desktop's light or dark choice).
        s.platformDark = QGuiApplication::palette().color(QPalette::Window).lightnessF() < 0.5;
        s.platformKnown = true;
    }
    return s.platformDark;
}

QString hex(const QColor &c)
{
    if (c.alpha() == 255)
        return c.name(QColor::HexRgb);
    return QStringLiteral("rgba(%1,%2,%3,%4)").arg(c.red()).arg(c.green()).arg(c.blue()).arg(c.alpha());
}

QString buildStyleSheet(const Colours &c)
{
    // Sizes follow the application font, so a desktop with larger text keeps the hierarchy.
    const qreal base = QApplication::font().pointSizeF() > 0 ? QApplication::font().pointSizeF() : 10.0;
    auto pt = [base](qreal factor) { return QString::number(std::round(base * factor * 10) / 10, 'f', 1) + QStringLiteral("pt"); };
    auto role = [&c](R r) { return hex(c.roles[static_cast<size_t>(r)]); };
    QString qss = QStringLiteral(
        // Typography: page title > section title > body > caption.
        "QLabel#pageTitle { font-size: %1; font-weight: 600; }\n"
        "QLabel#sectionTitle { font-size: %2; font-weight: 600; }\n"
        "QLabel#emptyStateTitle { font-size: %3; font-weight: 600; color: %4; }\n"
        "QLabel#emptyStateBody { color: %5; }\n"
        "QLabel#caption { color: %5; font-size: %6; }\n"
        // A rounded pill for counts and tags.
        "QLabel#badge { background: %7; color: %5; border: 1px solid %8; border-radius: 8px; padding: 0px 7px; font-size: %6; }\n")
        .arg(pt(1.6), pt(1.2), pt(1.3), role(R::TextPrimary), role(R::TextSecondary), pt(0.9), role(R::SurfaceAlt), role(R::Border));
    // A status chip takes its tone from a dynamic property (StatusPalette::styleChip sets it).
    qss += QStringLiteral("QLabel#statusChip { border-radius: 8px; padding: 1px 8px; font-weight: 600; background: %1; color: %2; }\n")
               .arg(role(R::SurfaceAlt), role(R::TextSecondary));
    const std::pair<const char *, R> tones[] = {{"good", R::Success},   {"progress", R::Info}, {"paused", R::Paused}, {"warning", R::Warning},
                                                {"bad", R::Danger},     {"neutral", R::Muted}, {"unknown", R::Unknown}};
    for (const auto &[name, r] : tones)
        qss += QStringLiteral("QLabel#statusChip[tone=\"%1\"] { color: %2; border: 1px solid %2; background: %3; }\n")
                   .arg(QLatin1String(name), role(r), role(R::Surface));
    // The navigation rail: its own background, icon + label items, the selected one in the accent.
    qss += QStringLiteral(
               "#navigationRail { background: %1; border: none; border-right: 1px solid %2; }\n"
               "#navigationRail QToolButton { background: transparent; border: none; border-radius: 6px; padding: 6px 8px; color: %3; text-align: left; }\n"
               "#navigationRail QToolButton:hover { background: %4; }\n"
               "#navigationRail QToolButton:checked { background: %5; color: %6; font-weight: 600; }\n"
               "QListView#navigationRail, QTreeView#navigationRail { background: %1; outline: 0; }\n"
               "QListView#navigationRail::item, QTreeView#navigationRail::item { padding: 5px 8px; border-radius: 6px; color: %3; }\n"
               "QListView#navigationRail::item:hover, QTreeView#navigationRail::item:hover { background: %4; }\n"
               "QListView#navigationRail::item:selected, QTreeView#navigationRail::item:selected { background: %5; color: %6; border-left: 3px solid %7; }\n")
               .arg(role(R::RailBackground), role(R::Border), role(R::TextSecondary), role(R::Hover), role(R::RailSelected), role(R::TextPrimary),
                    role(R::Accent));
    // Inline error boxes: a label with the property inlineError=true (DetailPane's edit error).
    qss += QStringLiteral("QLabel[inlineError=\"true\"] { color: %1; background: %2; border: 1px solid %3; border-radius: 4px; padding: 6px; }\n")
               .arg(role(R::Danger), role(R::ErrorBackground), role(R::ErrorBorder));
    return qss;
}

}  // namespace

Theme *Theme::instance()
{
    static Theme *theme = new Theme;  // lives as long as the process; widgets connect to it freely
    return theme;
}

void Theme::apply(ThemeMode mode)
{
    State &s = state();
    const bool dark = mode == ThemeMode::Dark || (mode == ThemeMode::System && systemPrefersDark());
    s.platformKnown = true;  // from here on the application palette is ours
    const bool changedLook = !s.applied || dark != s.dark;
    s.mode = mode;
    s.dark = dark;
    s.colours = dark ? darkColours() : lightColours();
    if (auto *app = qobject_cast<QApplication *>(QCoreApplication::instance())) {
        // Fusion draws every control from the palette, so both themes look the same on every desktop.
        if (!s.styleSet) {
            QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
            s.styleSet = true;
        }
        QApplication::setPalette(paletteFrom(s.colours));
        s.styleSheet = buildStyleSheet(s.colours);
        app->setStyleSheet(s.styleSheet);
    }
    s.applied = true;
    if (changedLook)
        emit instance()->changed();
}

ThemeMode Theme::mode() { return state().mode; }

bool Theme::isDark() { return state().dark; }

QColor Theme::color(Role role)
{
    const auto i = static_cast<size_t>(role);
    return i < state().colours.roles.size() ? state().colours.roles[i] : QColor();
}

QString Theme::css(Role role) { return hex(color(role)); }

QColor Theme::seriesColor(int index)
{
    const auto &series = state().colours.series;
    const auto n = static_cast<int>(series.size());
    return series[static_cast<size_t>(((index % n) + n) % n)];
}

int Theme::seriesCount() { return static_cast<int>(state().colours.series.size()); }

QString Theme::styleSheet() { return state().styleSheet; }

void Theme::setTextRole(QWidget *widget, Role role)
{
    if (!widget)
        return;
    const bool connected = widget->property("themeTextRole").isValid();
    widget->setProperty("themeTextRole", static_cast<int>(role));
    auto paint = [widget] {
        const int r = widget->property("themeTextRole").toInt();
        if (r < 0) {
            widget->setPalette(QPalette());  // nothing of its own: the application palette again
            return;
        }
        QPalette pal;
        pal.setColor(QPalette::WindowText, color(static_cast<Role>(r)));
        pal.setColor(QPalette::Text, color(static_cast<Role>(r)));
        widget->setPalette(pal);  // only these two roles are the widget's; the rest follows the application
    };
    paint();
    if (!connected)
        connect(instance(), &Theme::changed, widget, paint);
}

void Theme::clearTextRole(QWidget *widget)
{
    if (!widget || !widget->property("themeTextRole").isValid())
        return;
    widget->setProperty("themeTextRole", -1);
    widget->setPalette(QPalette());
}

QString Theme::modeName(ThemeMode mode)
{
    switch (mode) {
    case ThemeMode::Light: return QStringLiteral("light");
    case ThemeMode::Dark: return QStringLiteral("dark");
    case ThemeMode::System: break;
    }
    return QStringLiteral("system");
}

ThemeMode Theme::modeFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("light"))
        return ThemeMode::Light;
    if (n == QLatin1String("dark"))
        return ThemeMode::Dark;
    return ThemeMode::System;
}

QString Theme::modeTitle(ThemeMode mode)
{
    switch (mode) {
    case ThemeMode::Light: return tr("Light");
    case ThemeMode::Dark: return tr("Dark");
    case ThemeMode::System: break;
    }
    return tr("Follow the desktop");
}

double Theme::contrast(const QColor &a, const QColor &b)
{
    auto luminance = [](const QColor &c) {
        auto channel = [](float v) { return v <= 0.03928f ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

}  // namespace pilothouse::widgets
