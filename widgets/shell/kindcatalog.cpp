// The connected cluster's kinds.
#include "shell/kindcatalog.h"

namespace pilothouse::widgets::shell {

KindCatalog::KindCatalog(QObject *parent) : QObject(parent), m_registry(backends::kube::KindRegistry::builtin()) {}

void KindCatalog::setRegistry(const backends::kube::KindRegistry &registry)
{
    m_registry = registry;
    Q_EMIT changed();
}

void KindCatalog::reset() { setRegistry(backends::kube::KindRegistry::builtin()); }

}  // namespace pilothouse::widgets::shell
