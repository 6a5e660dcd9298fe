// The selected object's detail pane: overview (facts, labels, conditions), its events, related
// objects (owner chain, a workload's ReplicaSets and pods) and its YAML, which can be edited and
// applied after a diff against the live object. Secret values stay masked until revealed on
// purpose, and a reveal is audited.
#pragma once

#include "kube/session/kubesession.h"
#include "kube/api/resourceref.h"
#include "resources/relatedobjectmodel.h"
#include "workloads/inspect/objectdetails.h"

#include <QWidget>

#include <functional>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTextBrowser;
class QTreeView;

namespace pilothouse::models {
class EventModel;
}

namespace pilothouse::widgets {

class DetailPane : public QWidget
{
    Q_OBJECT

public:
    explicit DetailPane(QWidget *parent = nullptr);

    void setSession(backends::kube::KubeSession *session) { m_session = session; }
    // Shows an object; an edit in progress is kept unless the operator discards it (tests and
    // the window ask first through hasUnsavedEdit()).
    void showObject(const backends::kube::ResourceRef &resource, const QString &ns, const QString &name);
    void clear();
    bool hasUnsavedEdit() const { return m_editing; }

    // Dialog hooks (tests replace them). `confirmApply` sees the summary (context, object, changed
    // fields) and the unified diff; `confirmReveal` the object label.
    void setApplyConfirmHandler(std::function<bool(const QString &summary, const QString &diff)> h) { m_confirmApply = std::move(h); }
    void setRevealConfirmHandler(std::function<bool(const QString &object)> h) { m_confirmReveal = std::move(h); }

    QPlainTextEdit *yamlEdit() const { return m_yaml; }
    QTabWidget *tabs() const { return m_tabs; }
    QTreeView *eventsTree() const { return m_events; }
    QTreeView *relatedTree() const { return m_related; }
    models::EventModel *eventModel() const { return m_eventModel; }
    models::RelatedObjectModel *relatedModel() const { return m_relatedModel; }
    QTextBrowser *overview() const { return m_overview; }
    QLabel *editError() const { return m_editError; }
    QString lastDiff() const { return m_lastDiff; }
    QString statusMessage() const { return m_status; }

    void startEdit();
    // Starts editing as soon as the object shown has been read (the "Edit YAML" menu item).
    void startEditWhenLoaded();
    void reviewAndApply();
    void cancelEdit();
    void revealSecret();
    void reload();

Q_SIGNALS:
    // An entry of the Related tab was activated.
    void openRequested(const pilothouse::backends::kube::ResourceRef &resource, const QString &ns, const QString &name);
    // A one-line outcome for the window's status bar.
    void messageReported(const QString &message);

private:
    void load(bool keepEdit);
    void showYaml(const QByteArray &json, bool revealed);
    void fillOverview(const QByteArray &json);
    void loadEvents(const QString &uid);
    void loadRelated(const QByteArray &json);
    // Adds `owners` under the Related row at `path` (keys from the top) and reads each of them
    // for its own owners, up the chain.
    void followOwners(const QStringList &path, const QList<backends::workloads::OwnerReference> &owners, const QString &ns);
    // The three sections of the Related tab, joined into the model.
    void showRelated();
    void setEditing(bool on);
    void showEditError(const QString &headline, const backends::ApiError &error);
    void report(const QString &message);
    void updateButtons();
    void applyEditingBackground();
    // Overview, events and the editor carry theme colours of their own: drawn again.
    void onThemeChanged();

    backends::kube::KubeSession *m_session = nullptr;
    backends::kube::ResourceRef m_resource;
    QString m_ns;
    QString m_name;
    quint64 m_generation = 0;   // answers for an object no longer shown are dropped
    bool m_editWhenLoaded = false;
    bool m_masked = false;  // the object has values shown masked (a Secret's data)
    QByteArray m_liveJson;
    QString m_baseResourceVersion;  // the version an edit started from
    QByteArray m_baseJson;          // the object as it was then, to tell others' changes from the edit
    bool m_editing = false;
    bool m_revealed = false;
    QString m_lastDiff;
    QString m_status;
    std::function<bool(const QString &, const QString &)> m_confirmApply;
    std::function<bool(const QString &)> m_confirmReveal;

    QLabel *m_title = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTextBrowser *m_overview = nullptr;
    models::EventModel *m_eventModel = nullptr;
    models::RelatedObjectModel *m_relatedModel = nullptr;
    QTreeView *m_events = nullptr;
    QTreeView *m_related = nullptr;
    // The Related tab in pre-order rows, one list per section, each filled as its answer arrives.
    QList<models::RelatedObjectModel::Row> m_ownerRows;
    QList<models::RelatedObjectModel::Row> m_setRows;
    QList<models::RelatedObjectModel::Row> m_podRows;
    QPlainTextEdit *m_yaml = nullptr;
    QLabel *m_editError = nullptr;
    QPushButton *m_editButton = nullptr;
    QPushButton *m_applyButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QPushButton *m_revealButton = nullptr;
};

}  // namespace pilothouse::widgets
