// The rollouts view: every Argo Rollout and Deployment with its status, live; for the selected
// one the active (blue) and preview (green) revisions side by side with images and pod tiles (or
// stable and canary), canary steps and weights, analysis runs with the values behind each result,
// and the revision history. Promote and Rollback are the two big buttons; abort, retry, promote
// full, restart and undo to a revision are in a menu. Each is disabled with the reason when it
// does not apply, permission-checked, confirmed with what will change, sent through the action
// facade; a conflict re-reads the object, shows what changed and asks again.
#pragma once

#include "shell/page.h"
#include "kube/session/kubesession.h"
#include "rollouts/rolloutactions.h"
#include "rollouts/rolloutinfo.h"

#include <QHash>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <optional>

class QAction;
class QGroupBox;
class QLabel;
class QListWidget;
class QMenu;
class QPushButton;
class QToolButton;
class QTreeView;

namespace pilothouse::models {
class AnalysisRunModel;
class RolloutListModel;
class RolloutRevisionModel;
}

namespace pilothouse::backends::rollouts {
class RolloutWatch;
}

namespace pilothouse::widgets::shell {
class ActionRunner;
}

namespace pilothouse::widgets {

class PodTilesWidget;

class RolloutsView : public shell::Page {
    Q_OBJECT

public:
    explicit RolloutsView(backends::kube::KubeSession *session, QWidget *parent = nullptr);
    ~RolloutsView() override;

    // Dialog hook (tests replace it): the confirmation text must be accepted to send.
    void setConfirmHandler(std::function<bool(const QString &)> confirm) { m_confirm = std::move(confirm); }

    // Non-empty: the context sends no change, and every action is disabled with this reason.
    void setReadOnlyReason(const QString &reason);

protected:
    void onReadOnlyChanged(const QString &reason) override { setReadOnlyReason(reason); }

public:
    // args: kind ("Rollout" or "Deployment"), namespace, name — selected once listed.
    void reopen(const QVariantMap &args) override;

    // kind "Rollout" or "Deployment"; false when it is not (yet) in the list.
    bool select(const QString &kind, const QString &ns, const QString &name);
    QString selectedKind() const { return m_kind; }
    QString selectedKey() const { return m_ns.isEmpty() ? QString() : m_ns + QLatin1Char('/') + m_name; }

    // The one-click actions (what the buttons and menu entries do).
    void promote();
    void rollback();
    void promoteFull();
    void abortUpdate();
    void retry();
    void restart();
    void undoTo(int revision);

    // For tests and the main window.
    backends::rollouts::RolloutWatch *watch() const { return m_watch; }
    backends::rollouts::RolloutInfo currentRollout() const;
    backends::rollouts::DeploymentHistory currentDeployment() const;
    // The list (a view over RolloutListModel: rows keyed "Kind:ns/name", RolloutListModel::KeyRole).
    QTreeView *list() const { return m_list; }
    models::RolloutListModel *listModel() const { return m_listModel; }
    QPushButton *promoteButton() const { return m_promote; }
    QPushButton *rollbackButton() const { return m_rollback; }
    QMenu *moreMenu() const { return m_more; }
    PodTilesWidget *activeTiles() const { return m_blueTiles; }
    PodTilesWidget *previewTiles() const { return m_greenTiles; }
    QString headerText() const;
    QString activeText() const;
    QString previewText() const;
    QString statusText() const;
    QTreeView *analysisTree() const { return m_analysis; }
    models::AnalysisRunModel *analysisModel() const { return m_analysisModel; }
    QListWidget *stepList() const { return m_steps; }
    QTreeView *historyTree() const { return m_history; }
    models::RolloutRevisionModel *historyModel() const { return m_historyModel; }
    // How many times the selected object's detail was derived (panes, models, actions): once per
    // selection and once per change of the object's inputs, not per snapshot, permission answer or tick.
    int detailDerivations() const { return m_derivations; }
    bool isBusy() const { return m_busy; }

Q_SIGNALS:
    // After an action ended (done, refused, failed or cancelled), with the line the status shows.
    void actionFinished(const QString &message, bool succeeded);
    void problemChanged(const QString &message);

private:
    struct Snapshot {
        bool isRollout = true;
        backends::rollouts::RolloutInfo rollout;
        backends::rollouts::DeploymentHistory deployment;
    };
    using Builder = std::function<backends::rollouts::RolloutAction(const Snapshot &)>;
    // The actions for the object shown, built once per change of it; permissions, read-only and a
    // running action only decide whether each is enabled.
    struct Offers {
        backends::rollouts::RolloutAction promote, rollback, promoteFull, abort, retry, restart;
        struct Undo {
            int revision = 0;
            QString label;
            backends::rollouts::RolloutAction action;
        };
        QList<Undo> undo;  // one per revision, newest first
    };

    void attachClient();
    void refresh();
    void refreshList();
    // Derives the selected object's detail again when its inputs changed since it was shown (or
    // always with `force`): the panes, the models and the offers.
    void showSelected(bool force);
    void showRollout(const backends::rollouts::RolloutInfo &info);
    void showDeployment(const backends::rollouts::DeploymentHistory &history);
    void showRevisionPane(int which, const QString &title, const backends::rollouts::RevisionInfo *revision, const QString &empty);
    void showSteps(const backends::rollouts::RolloutInfo &info);
    void hideDetail();
    // The scale-down countdowns, each second while one is pending: texts only.
    void showCountdowns();
    void deriveOffers();
    void applyOffers();
    void onSelectionChanged();
    // Asks the cluster once per object whether this user may patch it (and its status): a refused
    // action is disabled with the reviewer's reason before anyone clicks.
    void checkPermissions();
    static QString permissionKey(const backends::actions::Action &a);
    Snapshot current() const;
    void run(const QString &label, Builder build, const Snapshot &snapshot, const QString &preface = {});
    void reread(const Snapshot &before, std::function<void(const Snapshot &)> done);
    static QString describeDifference(const Snapshot &before, const Snapshot &after);
    void finish(const QString &message, bool ok);
    bool confirm(const QString &text);

    QPointer<backends::kube::KubeSession> m_session;
    QString m_context;
    backends::rollouts::RolloutWatch *m_watch = nullptr;
    QPointer<backends::kube::KubeClient> m_client;  // the connection the cached permissions belong to
    std::function<bool(const QString &)> m_confirm;
    shell::ActionRunner *m_runner = nullptr;
    QString m_kind;
    QString m_ns;
    QString m_name;
    bool m_busy = false;
    QString m_readOnlyReason;
    bool m_deadlinePending = false;   // a revision shown scales down soon: the countdown ticks
    QTimer m_tick;
    QHash<QString, backends::actions::Permission> m_permissions;  // by permissionKey()
    bool m_updatingList = false;
    int m_waiting = -1;  // the rail's badge: rollouts waiting for the operator
    // What the detail shows: the selection's key and the snapshot's version of it when derived.
    QString m_shownKey;
    QString m_shownVersion;
    Snapshot m_shown;
    Offers m_offers;
    bool m_undoMenuStale = true;    // the undo menu's entries are not those of m_offers yet
    QList<QAction *> m_undoActions; // the undo menu's entries, as m_offers.undo
    std::optional<backends::rollouts::RevisionInfo> m_paneRevision[2];
    QStringList m_stepTexts;        // the canary steps listed, and the current one
    int m_stepIndex = -2;
    int m_derivations = 0;

    models::RolloutListModel *m_listModel = nullptr;
    models::RolloutRevisionModel *m_historyModel = nullptr;
    models::AnalysisRunModel *m_analysisModel = nullptr;
    QTreeView *m_list = nullptr;
    QLabel *m_header = nullptr;
    QLabel *m_message = nullptr;
    QPushButton *m_promote = nullptr;
    QPushButton *m_rollback = nullptr;
    QToolButton *m_moreButton = nullptr;
    QMenu *m_more = nullptr;
    QAction *m_promoteFullAction = nullptr;
    QAction *m_abortAction = nullptr;
    QAction *m_retryAction = nullptr;
    QAction *m_restartAction = nullptr;
    QMenu *m_undoMenu = nullptr;
    QGroupBox *m_bluePane = nullptr;
    QGroupBox *m_greenPane = nullptr;
    QLabel *m_blueLabel = nullptr;
    QLabel *m_greenLabel = nullptr;
    PodTilesWidget *m_blueTiles = nullptr;
    PodTilesWidget *m_greenTiles = nullptr;
    QGroupBox *m_stepsBox = nullptr;
    QListWidget *m_steps = nullptr;
    QLabel *m_weights = nullptr;
    QGroupBox *m_analysisBox = nullptr;
    QTreeView *m_analysis = nullptr;
    QTreeView *m_history = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_problem = nullptr;
};

}  // namespace pilothouse::widgets
