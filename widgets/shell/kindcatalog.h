// The kinds of the connected cluster for every page: the built-in table at once, then what
// discovery found (CRDs included). Pages and the palette read it; it changes on (re)connect.
#pragma once

#include "kube/kinds/kindregistry.h"

#include <QObject>

namespace pilothouse::widgets::shell {

class KindCatalog : public QObject {
    Q_OBJECT

public:
    explicit KindCatalog(QObject *parent = nullptr);

    const backends::kube::KindRegistry &registry() const { return m_registry; }
    void setRegistry(const backends::kube::KindRegistry &registry);
    // Back to the built-in table (a new context, before its discovery answers).
    void reset();

    const backends::kube::KindInfo *find(const backends::kube::ResourceRef &ref) const { return m_registry.find(ref.group, ref.plural); }

Q_SIGNALS:
    void changed();

private:
    backends::kube::KindRegistry m_registry;
};

}  // namespace pilothouse::widgets::shell
