// The 256 ANSI terminal colours as the current theme shows them: the 16 base colours from a light
// and a dark set (like the GitHub and VS Code terminal themes), the xterm cube and greys computed,
// and every foreground nudged until it reads on the theme's Surface (3:1 at least).
#pragma once

#include <QColor>

namespace pilothouse::widgets {

class AnsiPalette {
public:
    // Text in colour `index` (0-255); an index out of range: the theme's text colour.
    static QColor foreground(int index);
    // A cell background in colour `index`, translucent so that text on it stays readable.
    static QColor background(int index);
    // The colour before any nudging (for tests): the theme's base set and the xterm formula.
    static QColor base(int index, bool dark);

    static constexpr double kMinContrast = 3.0;
};

}  // namespace pilothouse::widgets
