// ANSI colours per theme, computed once per theme switch.
#include "style/ansipalette.h"

#include "style/theme.h"

#include <array>

namespace pilothouse::widgets {

namespace {

constexpr std::array<QRgb, 16> kLight = {0x24292f, 0xcf222e, 0x116329, 0x7d4e00, 0x0969da, 0x8250df, 0x1b7c83, 0x6e7781,
                                         0x57606a, 0xa40e26, 0x1a7f37, 0x633c01, 0x218bff, 0x8a63d2, 0x3192aa, 0x8c959f};
constexpr std::array<QRgb, 16> kDark = {0x6e7681, 0xff7b72, 0x3fb950, 0xd29922, 0x58a6ff, 0xbc8cff, 0x39c5cf, 0xb1bac4,
                                        0x8b949e, 0xffa198, 0x56d364, 0xe3b341, 0x79c0ff, 0xd2a8ff, 0x56d4dd, 0xf0f6fc};

struct Table {
    bool valid = false;
    QRgb surface = 0;
    std::array<QColor, 256> fg;
};

QColor readable(QColor c, const QColor &surface, bool dark)
{
    // Towards white on a dark surface, towards black on a light one (lighter() cannot lift black).
    const int target = dark ? 255 : 0;
    for (int i = 0; i < 20 && Theme::contrast(c, surface) < AnsiPalette::kMinContrast; ++i)
        c = QColor((c.red() * 85 + target * 15) / 100, (c.green() * 85 + target * 15) / 100, (c.blue() * 85 + target * 15) / 100);
    return c;
}

}  // namespace

QColor AnsiPalette::base(int index, bool dark)
{
    if (index < 16)
        return QColor::fromRgb((dark ? kDark : kLight)[size_t(std::max(0, index))]);
    if (index < 232) {
        const int i = index - 16;
        auto level = [](int v) { return v == 0 ? 0 : 55 + v * 40; };
        return QColor(level(i / 36), level(i / 6 % 6), level(i % 6));
    }
    const int grey = 8 + (std::min(index, 255) - 232) * 10;
    return QColor(grey, grey, grey);
}

QColor AnsiPalette::foreground(int index)
{
    if (index < 0 || index > 255)
        return Theme::color(Theme::Role::TextPrimary);
    static Table table;
    const QColor surface = Theme::color(Theme::Role::Surface);
    if (!table.valid || table.surface != surface.rgb()) {
        const bool dark = Theme::isDark();
        for (int i = 0; i < 256; ++i)
            table.fg[size_t(i)] = readable(base(i, dark), surface, dark);
        table.surface = surface.rgb();
        table.valid = true;
    }
    return table.fg[size_t(index)];
}

QColor AnsiPalette::background(int index)
{
    if (index < 0 || index > 255)
        return Qt::transparent;
    QColor c = base(index, Theme::isDark());
    c.setAlphaF(0.35f);
    return c;
}

}  // namespace pilothouse::widgets
