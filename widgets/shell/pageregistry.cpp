// Page types by id, and the keys that tell open pages apart.
#include "shell/pageregistry.h"

namespace pilothouse::widgets::shell {

QStringList PageRegistry::groups()
{
    return {QStringLiteral("Cluster"), QStringLiteral("Delivery"), QStringLiteral("Pipelines"), QStringLiteral("Observe"),
            QStringLiteral("Cockpit")};
}

void PageRegistry::add(PageType type)
{
    for (PageType &existing : m_types)
        if (existing.id == type.id) {
            existing = std::move(type);
            return;
        }
    m_types.append(std::move(type));
}

const PageType *PageRegistry::find(const QString &id) const
{
    for (const PageType &t : m_types)
        if (t.id == id)
            return &t;
    return nullptr;
}

QString PageRegistry::keyFor(const QString &id, const QVariantMap &args) const
{
    const PageType *type = find(id);
    if (!type)
        return {};
    if (type->singleton)
        return type->id;
    const QString objectKey = type->key ? type->key(args) : QString();
    return objectKey.isEmpty() ? QString() : type->id + QLatin1Char(':') + objectKey;
}

}  // namespace pilothouse::widgets::shell
