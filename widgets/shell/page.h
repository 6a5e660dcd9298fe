// A page of the shell: what every view shows to the navigator (its key, read-only state, messages)
// so that the window needs no knowledge of any domain.
#pragma once

#include <QVariantMap>
#include <QWidget>

namespace pilothouse::widgets::shell {

class Page : public QWidget {
    Q_OBJECT

public:
    explicit Page(QWidget *parent = nullptr);

    // Set by the navigator when it opens the page: the page type's id and the key computed from
    // the arguments ("logs:pod:shop/web-1"); a page with the same key is raised, not rebuilt.
    QString pageTypeId() const { return m_typeId; }
    QString pageKey() const { return m_key; }
    void setPageIdentity(const QString &typeId, const QString &key);

    // The context's read-only state, pushed by the shell to every page ("" when changes are allowed).
    void applyReadOnlyReason(const QString &reason);
    QString readOnlyReason() const { return m_readOnlyReason; }

    // The namespaces the operator chose in the shell (none: all), pushed to every page.
    void applyNamespaces(const QStringList &namespaces);
    QStringList namespaces() const { return m_namespaces; }

    // Opened again through the navigator with (possibly new) arguments: select what they name.
    virtual void reopen(const QVariantMap &args);
    // The object this page has selected, for the palette's "actions on the selection"
    // (keys: group, plural, namespace, name); empty when none.
    virtual QVariantMap selection() const { return {}; }

Q_SIGNALS:
    // A one-line message for the status bar.
    void statusMessage(const QString &text);
    // The outcome of an action the operator started on this page.
    void actionOutcome(const QString &message, bool ok);
    // What needs the operator's attention here (paused rollouts, failing pods, …); -1 for none.
    void badgeChanged(int count);
    void titleChanged(const QString &title);

protected:
    virtual void onReadOnlyChanged(const QString &reason) { Q_UNUSED(reason) }
    virtual void onNamespacesChanged(const QStringList &namespaces) { Q_UNUSED(namespaces) }

private:
    QString m_typeId;
    QString m_key;
    QString m_readOnlyReason;
    QStringList m_namespaces;
};

}  // namespace pilothouse::widgets::shell
