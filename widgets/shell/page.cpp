// The shell's page base: identity and read-only state.
#include "shell/page.h"

namespace pilothouse::widgets::shell {

Page::Page(QWidget *parent) : QWidget(parent) {}

void Page::setPageIdentity(const QString &typeId, const QString &key)
{
    m_typeId = typeId;
    m_key = key;
}

void Page::applyReadOnlyReason(const QString &reason)
{
    m_readOnlyReason = reason;
    onReadOnlyChanged(reason);
}

void Page::applyNamespaces(const QStringList &namespaces)
{
    if (namespaces == m_namespaces)
        return;
    m_namespaces = namespaces;
    onNamespacesChanged(namespaces);
}

void Page::reopen(const QVariantMap &args) { Q_UNUSED(args) }

}  // namespace pilothouse::widgets::shell
