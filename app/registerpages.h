// Every page the console has, registered with the shell explicitly (the layers are static
// libraries: nothing registers itself).
#pragma once

#include "shell/pageregistry.h"

namespace pilothouse::app {

void registerPages(widgets::shell::PageRegistry &registry);

}  // namespace pilothouse::app
