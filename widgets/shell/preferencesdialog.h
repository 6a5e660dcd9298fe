// Preferences: kubeconfig files, theme, read-only contexts, per-context endpoints (Argo CD,
// Jenkins, Prometheus) and where the audit log goes. Passwords and tokens are never asked for
// here: they are entered where they are used and kept in memory or the keychain.
#pragma once

#include <QDialog>
#include <QHash>

class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QListView;
class QStandardItemModel;

namespace pilothouse::widgets::shell {

class ShellSettings;
struct ContextEndpoints;

class PreferencesDialog : public QDialog {
    Q_OBJECT

public:
    // `contexts`: the contexts of the loaded kubeconfig; `current` is selected for endpoints.
    PreferencesDialog(ShellSettings *settings, const QStringList &contexts, const QString &current, QWidget *parent = nullptr);

    // Writes every field to the settings (OK does this).
    void save();

    QComboBox *themeBox() const { return m_theme; }
    QComboBox *endpointContextBox() const { return m_endpointContext; }
    QLineEdit *argoCdUrlEdit() const { return m_argoCdUrl; }
    QLineEdit *prometheusUrlEdit() const { return m_prometheusUrl; }
    QLineEdit *auditLogEdit() const { return m_auditLog; }
    QStandardItemModel *readOnlyModel() const { return m_readOnly; }

private:
    void storeEndpoints(const QString &context);
    void showEndpoints(const QString &context);

    ShellSettings *m_settings;
    QPlainTextEdit *m_kubeconfigs = nullptr;
    QComboBox *m_theme = nullptr;
    QStandardItemModel *m_readOnly = nullptr;
    QComboBox *m_endpointContext = nullptr;
    QLineEdit *m_argoCdUrl = nullptr;
    QLineEdit *m_argoCdUser = nullptr;
    QLineEdit *m_jenkinsUrl = nullptr;
    QLineEdit *m_jenkinsUser = nullptr;
    QLineEdit *m_prometheusUrl = nullptr;
    QLineEdit *m_auditLog = nullptr;
    QString m_shownContext;
    QHash<QString, QStringList> m_edited;  // context → endpoint fields edited in this dialog
};

}  // namespace pilothouse::widgets::shell
