// The Argo CD view: log in to a server, its applications live (sync, health, operation, revision,
// images), and for one application its history with commit metadata, its resource tree, and the
// confirmed and audited Sync…, Rollback… and Terminate actions.
#pragma once

#include "shell/page.h"
#include "actions/auditlog.h"
#include "argocd/argocdactions.h"
#include "argocd/argocdclient.h"
#include "argocd/argocdinfo.h"
#include "argocd/argocdkeychain.h"
#include "http/httpengine.h"

#include <QHash>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <optional>

class QCheckBox;
class QDialog;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTabWidget;
class QTreeView;

namespace pilothouse::models {
class ArgoCdAppModel;
class ArgoCdHistoryModel;
class ArgoCdResourceModel;
}

namespace pilothouse::widgets::shell {
class ActionRunner;
}

namespace pilothouse::widgets {

// What the login form starts with (the demo launcher and the tests fill it in).
struct ArgoCdViewPreset {
    QString url;
    QString username = QStringLiteral("admin");
    QString password;
    QString caFile;             // PEM file of the server's CA (the sim's ca.pem)
    bool insecureSkipVerify = false;
    bool logInNow = false;      // log in at once when url, username and password are given
};

class ArgoCdView : public shell::Page {
    Q_OBJECT

public:
    ArgoCdView(backends::http::HttpEngine *engine, backends::actions::AuditLog *audit, const ArgoCdViewPreset &preset = {},
               QWidget *parent = nullptr);
    ~ArgoCdView() override;

    backends::argocd::ArgoCdClient *client() const { return m_client; }

    // Logs in with what the form holds.
    void logIn();
    void logOut();

    // For tests and the main window.
    QString statusText() const;   // the login line: "logged in as admin to …", "session expired, log in again", …
    QString messageText() const;  // the outcome of the last action or load
    QString selectedApplication() const { return m_selected; }
    bool selectApplication(const QString &name);
    std::optional<backends::argocd::ApplicationInfo> application(const QString &name) const;
    QTableView *applicationsTable() const { return m_apps; }
    QTreeView *historyView() const { return m_history; }
    QTreeView *resourceView() const { return m_resources; }
    models::ArgoCdAppModel *applicationModel() const { return m_appModel; }
    models::ArgoCdHistoryModel *historyModel() const { return m_historyModel; }
    models::ArgoCdResourceModel *resourceModel() const { return m_resourceModel; }
    bool selectHistoryId(qint64 id);

    // Read-only mode (the main window's toggle): every action disabled with `reason`; empty: allowed.
    void setReadOnlyReason(const QString &reason);

protected:
    void onReadOnlyChanged(const QString &reason) override { setReadOnlyReason(reason); }

public:

    // Replaces the modal confirmation (tests): gets the dialog, with its options (objectNames
    // argocdConfirmPrune, argocdConfirmDryRun, argocdConfirmRevision) and text
    // (argocdConfirmText), and answers whether the operator confirmed.
    void setConfirmHandler(std::function<bool(QDialog *)> handler) { m_confirm = std::move(handler); }

Q_SIGNALS:
    void actionFinished(const QString &action, bool ok, const QString &message);

private:
    void buildUi();
    void applyPreset(const ArgoCdViewPreset &preset);
    void setLoggedIn(bool loggedIn);
    void setStatus(const QString &text);
    void setMessage(const QString &text);
    // Applications in name order; says so when the selected one is gone.
    void setApplications(const QList<backends::argocd::ApplicationInfo> &apps);
    void onListed(const QList<backends::argocd::ApplicationInfo> &apps);
    void onChanged(const backends::argocd::ApplicationInfo &app);
    void onDeleted(const QString &name);
    void onSelectionChanged();
    // The selected history entry's id, or -1.
    qint64 selectedHistoryId() const;
    void showDetails(bool reloadTree);
    void fillHistory();
    void fetchMetadata(const QString &revision);
    void loadTree();
    void updateButtons();
    void startSync();
    void startRollback();
    void startTerminate();
    bool confirm(backends::argocd::ArgoCdAction &action);
    void confirmAndRun(const backends::argocd::ArgoCdAction &proposed);
    void run(const backends::argocd::ArgoCdAction &action, std::function<void(bool ok, const QString &message)> reply = {});

    backends::http::HttpEngine *m_engine;
    backends::actions::AuditLog *m_audit;
    backends::argocd::ArgoCdClient *m_client;
    backends::argocd::ArgoCdActions *m_actions;
    shell::ActionRunner *m_runner = nullptr;  // the sequence every page's changes follow
    backends::argocd::ArgoCdKeychain *m_keychain;

    QLineEdit *m_url = nullptr;
    QLineEdit *m_user = nullptr;
    QLineEdit *m_password = nullptr;
    QLineEdit *m_caFile = nullptr;
    QCheckBox *m_insecure = nullptr;
    QCheckBox *m_remember = nullptr;
    QPushButton *m_loginButton = nullptr;
    QPushButton *m_logoutButton = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_liveMode = nullptr;
    models::ArgoCdAppModel *m_appModel = nullptr;
    models::ArgoCdHistoryModel *m_historyModel = nullptr;
    models::ArgoCdResourceModel *m_resourceModel = nullptr;
    QTableView *m_apps = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTreeView *m_history = nullptr;
    QTreeView *m_resources = nullptr;
    QLabel *m_detail = nullptr;
    QPushButton *m_sync = nullptr;
    QPushButton *m_rollback = nullptr;
    QPushButton *m_terminate = nullptr;
    QLabel *m_hint = nullptr;
    QLabel *m_message = nullptr;

    QHash<QString, backends::argocd::RevisionMetadata> m_metadata;  // commits never change
    QHash<QString, QString> m_metadataErrors;
    QString m_selected;
    QTimer m_treeTimer;
    bool m_busy = false;
    QString m_readOnlyReason;
    std::function<bool(QDialog *)> m_confirm;
};

}  // namespace pilothouse::widgets
