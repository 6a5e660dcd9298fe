// What the command palette offers, gathered when it opens: the registry's pages, the cluster's
// kinds, objects in the session's caches (the browser's tables), the actions the selected
// object offers, and the shell's own commands.
#pragma once

#include "palettemodel.h"

namespace pilothouse::widgets {
class MainWindow;
}

namespace pilothouse::widgets::shell {

QList<models::PaletteCommand> paletteCommands(MainWindow *window);

}  // namespace pilothouse::widgets::shell
