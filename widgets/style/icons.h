// The icon set: Lucide SVGs compiled into the binary (resources/icons), recoloured for the theme
// and rendered by Qt SVG at the size and device pixel ratio asked, so they are crisp at 2x.
#pragma once

#include "statustone.h"

#include <QIcon>
#include <QString>
#include <QStringList>

namespace pilothouse::widgets {

class Icons {
public:
    // The icon for a name the application uses: pages ("page-resources", "preferences",
    // "palette"), kinds ("kind-pod", "kind-custom"), actions ("scale", "promote", "delete"…) and
    // statuses ("status-ok", "status-failed", "status-outofsync"…). Monochrome icons take the
    // theme's icon colour, "status-*" icons their tone's colour; both follow a theme switch
    // without being fetched again (the colour is looked up when the icon is drawn). Disabled
    // icons use the palette's disabled text colour. An unknown name gives a neutral glyph, never
    // a null icon.
    static QIcon get(const QString &name);
    // The icon of a tone (a check, a spinner, a pause sign, a warning triangle, a cross…) in its
    // colour.
    static QIcon forStatus(models::StatusTone tone);
    // Whether `name` is one of ours (otherwise get() falls back).
    static bool has(const QString &name);
    // Every name get() knows, for tests and an icon gallery.
    static QStringList names();
    // The SVG resource behind a name (":/icons/lucide/box.svg"); the fallback's for unknown names.
    static QString resourcePath(const QString &name);
};

}  // namespace pilothouse::widgets
