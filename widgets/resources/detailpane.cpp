// Detail pane: overview, events, related objects and the YAML editor of one object.
#include "resources/detailpane.h"

#include "common/diffdialog.h"
#include "common/treeexpander.h"
#include "humanduration.h"
#include "resources/eventmodel.h"
#include "workloads/inspect/objectdetails.h"
#include "workloads/inspect/objectrelations.h"
#include "core/textdiff.h"
#include "workloads/inspect/yamledit.h"
#include "workloads/inspect/yamlview.h"
#include "style/statuspalette.h"
#include "style/theme.h"
#include "actions/sessionactions.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QTabWidget>
#include <QTextBlock>
#include <QTextBrowser>
#include <QCoreApplication>
#include <QThreadPool>
#include <QTreeView>
#include <QUrlQuery>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using backends::ApiError;
using backends::ErrorKind;
using backends::actions::Action;
using backends::actions::ActionResult;
using backends::actions::Outcome;
using backends::kube::KubeReply;
using backends::kube::ResourceRef;

namespace {

using models::EventModel;
using models::RelatedObjectModel;
using models::RelatedRow;
using RelatedTreeRow = RelatedObjectModel::Row;

QString esc(const QString &s) { return s.toHtmlEscaped(); }

QString ageOf(const QString &timestamp)
{
    const QDateTime t = QDateTime::fromString(timestamp, Qt::ISODate);
    if (!t.isValid())
        return QStringLiteral("—");
    return models::humanDuration(std::max<qint64>(0, t.secsTo(QDateTime::currentDateTimeUtc())));
}

QString resourceVersionOf(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object().value(QStringLiteral("metadata")).toObject().value(QStringLiteral("resourceVersion")).toString();
}

ResourceRef eventsRef() { return {QString(), QStringLiteral("v1"), QStringLiteral("events"), QStringLiteral("Event"), true}; }
ResourceRef replicaSetsRef() { return {QStringLiteral("apps"), QStringLiteral("v1"), QStringLiteral("replicasets"), QStringLiteral("ReplicaSet"), true}; }

// Parses a list answer on a pool thread (the GUI thread never parses a list) and hands the
// value to `then` on the GUI thread, unless the pane is gone by then.
template <class R>
void parseOffGuiThread(DetailPane *pane, QByteArray body, std::function<R(const QByteArray &)> parse, std::function<void(DetailPane *, const R &)> then)
{
    QPointer<DetailPane> guard(pane);
    QThreadPool::globalInstance()->start([guard, body = std::move(body), parse = std::move(parse), then = std::move(then)] {
        R result = parse(body);
        // Posted to the application object, which outlives every pane; the guard is read there.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(), [guard, then, result = std::move(result)] {
                if (guard)
                    then(guard.data(), result);
            },
            Qt::QueuedConnection);
    });
}

// The tone of a related object's status: ready is good, else what its phase says (a running
// pod whose containers are not ready yet is still on its way).
models::StatusTone relatedTone(const backends::workloads::RelatedObject &o)
{
    if (o.ready)
        return models::StatusTone::Good;
    if (o.phase.isEmpty() || o.phase == QLatin1String("Running"))
        return models::StatusTone::Progress;
    return models::statusTone(o.phase);
}

// The index in pre-order `rows` of the row reached by `path` (keys from the top), or -1.
int rowAtPath(const QList<RelatedTreeRow> &rows, const QStringList &path)
{
    QStringList at;
    for (int i = 0; i < rows.size(); ++i) {
        at.resize(rows[i].depth);
        at.append(rows[i].value.key);
        if (at == path)
            return i;
    }
    return -1;
}

// Colours a cell's text by the model's StatusToneRole, with no icon (the rest of a warning
// event's row); cells without a tone are drawn as usual.
class ToneTextDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        const QVariant tone = index.data(models::StatusToneRole);
        if (!tone.isValid())
            return;
        const QColor c = StatusPalette::color(static_cast<StatusTone>(tone.toInt()));
        option->palette.setColor(QPalette::Text, c);
        option->palette.setColor(QPalette::WindowText, c);
    }
};

// The status delegate where the model gives a tone, a plain cell elsewhere (a group's selector).
class OptionalStatusDelegate : public StatusDelegate {
public:
    using StatusDelegate::StatusDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        if (index.data(models::StatusToneRole).isValid())
            StatusDelegate::initStyleOption(option, index);
        else
            QStyledItemDelegate::initStyleOption(option, index);
    }
};

}  // namespace

DetailPane::DetailPane(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("detailPane"));
    connect(Theme::instance(), &Theme::changed, this, &DetailPane::onThemeChanged);
    m_title = new QLabel(tr("Select a row to see its details."), this);
    m_title->setObjectName(QStringLiteral("detailTitle"));
    m_title->setTextFormat(Qt::PlainText);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("detailTabs"));
    m_tabs->setDocumentMode(true);

    m_overview = new QTextBrowser(this);
    m_overview->setObjectName(QStringLiteral("overview"));
    m_overview->setOpenLinks(false);
    m_overview->setFrameShape(QFrame::NoFrame);
    m_tabs->addTab(m_overview, tr("Overview"));

    m_eventModel = new EventModel(this);
    m_events = new QTreeView(this);
    m_events->setObjectName(QStringLiteral("eventsTree"));
    m_events->setModel(m_eventModel);
    m_events->setRootIsDecorated(false);
    m_events->setUniformRowHeights(true);
    m_events->setAlternatingRowColors(true);
    m_events->setItemDelegate(new ToneTextDelegate(m_events));
    m_events->setItemDelegateForColumn(EventModel::TypeColumn, new StatusDelegate(m_events));
    m_events->header()->setStretchLastSection(true);
    m_events->setColumnWidth(EventModel::TypeColumn, 90);
    m_events->setColumnWidth(EventModel::ReasonColumn, 150);
    m_events->setColumnWidth(EventModel::AgeColumn, 80);
    m_events->setColumnWidth(EventModel::SourceColumn, 170);
    m_tabs->addTab(m_events, tr("Events"));

    m_relatedModel = new RelatedObjectModel(this);
    m_related = new QTreeView(this);
    m_related->setObjectName(QStringLiteral("relatedTree"));
    m_related->setModel(m_relatedModel);
    m_related->setUniformRowHeights(true);
    m_related->setAllColumnsShowFocus(true);
    m_related->setColumnWidth(RelatedObjectModel::ObjectColumn, 360);
    m_related->setItemDelegateForColumn(RelatedObjectModel::StatusColumn, new OptionalStatusDelegate(m_related));
    // Groups and the owner chain open as they arrive; what the operator collapsed stays so.
    new TreeExpander(m_related);
    connect(m_related, &QTreeView::activated, this, [this](const QModelIndex &index) {
        const QModelIndex at = index.siblingAtColumn(RelatedObjectModel::ObjectColumn);
        if (at.data(RelatedObjectModel::OpenableRole).toBool())
            Q_EMIT openRequested(at.data(RelatedObjectModel::RefRole).value<ResourceRef>(), at.data(RelatedObjectModel::NamespaceRole).toString(),
                                 at.data(RelatedObjectModel::NameRole).toString());
    });
    m_tabs->addTab(m_related, tr("Related"));

    auto *yamlPage = new QWidget(this);
    m_yaml = new QPlainTextEdit(yamlPage);
    m_yaml->setObjectName(QStringLiteral("yamlView"));
    m_yaml->setReadOnly(true);
    m_yaml->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_yaml->setPlaceholderText(tr("Select a row to see its YAML."));
    m_yaml->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editError = new QLabel(yamlPage);
    m_editError->setObjectName(QStringLiteral("editError"));
    m_editError->setTextFormat(Qt::PlainText);
    m_editError->setWordWrap(true);
    m_editError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_editError->setProperty("inlineError", true);  // the theme's style sheet draws it as an error box
    m_editError->setVisible(false);
    m_editButton = new QPushButton(tr("Edit"), yamlPage);
    m_editButton->setObjectName(QStringLiteral("editButton"));
    m_applyButton = new QPushButton(tr("Review and apply…"), yamlPage);
    m_applyButton->setObjectName(QStringLiteral("applyButton"));
    m_cancelButton = new QPushButton(tr("Discard edit"), yamlPage);
    m_cancelButton->setObjectName(QStringLiteral("cancelEditButton"));
    m_revealButton = new QPushButton(tr("Reveal values"), yamlPage);
    m_revealButton->setObjectName(QStringLiteral("revealButton"));
    m_revealButton->setToolTip(tr("Shows this Secret's values; every reveal is written to the audit log."));
    connect(m_editButton, &QPushButton::clicked, this, &DetailPane::startEdit);
    connect(m_applyButton, &QPushButton::clicked, this, &DetailPane::reviewAndApply);
    connect(m_cancelButton, &QPushButton::clicked, this, &DetailPane::cancelEdit);
    connect(m_revealButton, &QPushButton::clicked, this, &DetailPane::revealSecret);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_editButton);
    buttons->addWidget(m_applyButton);
    buttons->addWidget(m_cancelButton);
    buttons->addStretch(1);
    buttons->addWidget(m_revealButton);
    auto *yamlLayout = new QVBoxLayout(yamlPage);
    yamlLayout->setContentsMargins(0, 4, 0, 0);
    yamlLayout->addLayout(buttons);
    yamlLayout->addWidget(m_editError);
    yamlLayout->addWidget(m_yaml, 1);
    m_tabs->addTab(yamlPage, tr("YAML"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_tabs, 1);
    updateButtons();
}

void DetailPane::clear()
{
    ++m_generation;
    m_resource = {};
    m_liveJson.clear();
    setEditing(false);
    m_title->setText(tr("Select a row to see its details."));
    m_overview->clear();
    m_eventModel->clear();
    m_tabs->setTabText(1, tr("Events"));
    m_ownerRows.clear();
    m_setRows.clear();
    m_podRows.clear();
    m_relatedModel->clear();
    m_yaml->clear();
    updateButtons();
}

void DetailPane::showObject(const ResourceRef &resource, const QString &ns, const QString &name)
{
    if (m_editing && resource.groupResource() == m_resource.groupResource() && ns == m_ns && name == m_name)
        return;  // the same object re-selected: keep the edit
    setEditing(false);
    m_resource = resource;
    m_ns = ns;
    m_name = name;
    m_revealed = false;
    m_editWhenLoaded = false;
    m_liveJson.clear();  // until this object's answer: nothing to edit
    m_title->setText(QStringLiteral("%1  %2").arg(resource.kind, ns.isEmpty() ? name : ns + QLatin1Char('/') + name));
    m_yaml->setPlainText(tr("Loading %1…").arg(name));
    m_overview->clear();
    m_eventModel->clear();
    m_tabs->setTabText(1, tr("Events"));
    m_ownerRows.clear();
    m_setRows.clear();
    m_podRows.clear();
    m_relatedModel->clear();
    load(false);
}

void DetailPane::reload()
{
    if (!m_resource.plural.isEmpty())
        load(m_editing);
}

void DetailPane::load(bool keepEdit)
{
    if (!m_session)
        return;
    const quint64 gen = ++m_generation;
    QPointer<DetailPane> self(this);
    m_session->fetchObject(m_resource, m_ns, m_name, this, [self, gen, keepEdit](const KubeReply &reply) {
        if (!self || gen != self->m_generation)
            return;  // the operator moved on
        if (!reply.ok()) {
            if (!keepEdit)
                self->m_yaml->setPlainText(tr("Could not read the object: %1").arg(reply.error.message));
            self->m_overview->setPlainText(tr("Could not read the object: %1").arg(reply.error.message));
            self->m_liveJson.clear();
            self->updateButtons();
            return;
        }
        self->m_liveJson = reply.body;
        self->m_masked = backends::workloads::hasMaskedValues(reply.body);
        if (!keepEdit)
            self->showYaml(reply.body, self->m_revealed);
        self->fillOverview(reply.body);
        self->loadEvents(QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("metadata")).toObject().value(QStringLiteral("uid")).toString());
        self->loadRelated(reply.body);
        self->updateButtons();
        if (std::exchange(self->m_editWhenLoaded, false))
            self->startEdit();
    });
    // Whether the operator may edit: asked once per object, shown on the Edit button.
    m_editButton->setProperty("allowed", QVariant());
    if (auto *facade = backends::actions::facadeFor(m_session)) {
        const Action probe = Action::replace(m_resource, m_ns, m_name, "{}", QString(), QString());
        facade->checkPermission(probe, this, [self, gen](const backends::actions::Permission &p) {
            if (!self || gen != self->m_generation)
                return;
            self->m_editButton->setProperty("allowed", p.allowed);
            self->m_editButton->setToolTip(p.allowed ? tr("Edit this object's YAML; a diff is shown before anything is sent.") : p.reason);
            self->updateButtons();
        });
    }
}

void DetailPane::showYaml(const QByteArray &json, bool revealed)
{
    backends::workloads::YamlOptions options;
    options.maskSecretData = !revealed;
    auto yaml = backends::workloads::objectToYaml(json, options);
    m_yaml->setPlainText(yaml.ok() ? yaml.value() : yaml.error().message);
}

void DetailPane::fillOverview(const QByteArray &json)
{
    const auto d = backends::workloads::objectDetails(json);
    if (!d.error.isEmpty()) {
        m_overview->setPlainText(d.error);
        return;
    }
    QString html = QStringLiteral("<style>td { padding: 2px 10px 2px 0; vertical-align: top; } th { text-align: left; padding: 2px 10px 2px 0; color: %1; }"
                                  " .k { color: %1; white-space: nowrap; } .chip { background: %2; } h4 { margin: 10px 0 4px 0; }</style>")
                       .arg(Theme::css(Theme::Role::TextSecondary), Theme::css(Theme::Role::SurfaceAlt));
    html += QStringLiteral("<table>");
    auto row = [&html](const QString &k, const QString &v) {
        html += QStringLiteral("<tr><td class='k'>%1</td><td>%2</td></tr>").arg(esc(k), esc(v));
    };
    row(tr("Kind"), d.kind + QStringLiteral("  (") + d.apiVersion + QLatin1Char(')'));
    if (!d.ns.isEmpty())
        row(tr("Namespace"), d.ns);
    row(tr("Created"), d.created.isEmpty() ? QStringLiteral("—") : QStringLiteral("%1 ago (%2)").arg(ageOf(d.created), d.created));
    for (const auto &[k, v] : d.facts)
        row(k, v);
    if (!d.owners.isEmpty()) {
        QStringList owners;
        for (const auto &o : d.owners)
            owners << o.kind + QLatin1Char('/') + o.name + (o.controller ? tr(" (controller)") : QString());
        row(tr("Owned by"), owners.join(QStringLiteral(", ")));
    }
    html += QStringLiteral("</table>");
    if (!d.conditions.isEmpty()) {
        html += QStringLiteral("<h4>%1</h4><table><tr><th>%2</th><th>%3</th><th>%4</th><th>%5</th><th>%6</th></tr>")
                    .arg(tr("Conditions"), tr("Type"), tr("Status"), tr("Reason"), tr("Since"), tr("Message"));
        for (const auto &c : d.conditions) {
            const QString colour = Theme::css(c.status == QLatin1String("True")    ? Theme::Role::Success
                                              : c.status == QLatin1String("False") ? Theme::Role::Danger
                                                                                   : Theme::Role::Warning);
            html += QStringLiteral("<tr><td>%1</td><td style='color:%2'>%3</td><td>%4</td><td>%5</td><td>%6</td></tr>")
                        .arg(esc(c.type), colour, esc(c.status), esc(c.reason), esc(ageOf(c.lastTransition)), esc(c.message));
        }
        html += QStringLiteral("</table>");
    }
    auto pairsTable = [&html](const QString &title, const QList<QPair<QString, QString>> &pairs) {
        if (pairs.isEmpty())
            return;
        html += QStringLiteral("<h4>%1</h4><table>").arg(esc(title));
        for (const auto &[k, v] : pairs)
            html += QStringLiteral("<tr><td class='k'>%1</td><td>%2</td></tr>").arg(esc(k), esc(v));
        html += QStringLiteral("</table>");
    };
    pairsTable(tr("Labels"), d.labels);
    pairsTable(tr("Annotations"), d.annotations);
    m_overview->setHtml(html);
}

void DetailPane::loadEvents(const QString &uid)
{
    if (uid.isEmpty() || !m_session || !m_session->client()) {
        m_eventModel->clear();
        return;
    }
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("fieldSelector"), QStringLiteral("involvedObject.uid=") + uid);
    const quint64 gen = m_generation;
    QPointer<DetailPane> self(this);
    m_session->client()->list(eventsRef(), m_resource.namespaced ? m_ns : QString(), query.toString(QUrl::FullyEncoded), this,
                              [self, gen](const KubeReply &reply) {
        if (!self || gen != self->m_generation)
            return;
        using Events = backends::Result<QList<backends::workloads::ObjectEvent>>;
        auto show = [gen](DetailPane *pane, const Events &events) {
            if (gen != pane->m_generation)
                return;
            if (!events.ok()) {
                backends::workloads::ObjectEvent failed;
                failed.key = QStringLiteral("error");
                failed.message = tr("Events could not be read: %1").arg(events.error().message);
                pane->m_eventModel->setItems({failed});
                pane->m_tabs->setTabText(1, tr("Events"));
                return;
            }
            // Kept by uid: a reload adds the new events at the top, the selection stays.
            pane->m_eventModel->setItems(events.value());
            pane->m_tabs->setTabText(1, events.value().isEmpty() ? tr("Events") : tr("Events (%1)").arg(events.value().size()));
        };
        if (!reply.ok()) {
            show(self, Events::failure(reply.error));
            return;
        }
        parseOffGuiThread<Events>(self, reply.body, &backends::workloads::parseEventList, show);
    });
}

void DetailPane::showRelated()
{
    m_relatedModel->setRows(m_ownerRows + m_setRows + m_podRows);
}

void DetailPane::followOwners(const QStringList &path, const QList<backends::workloads::OwnerReference> &owners, const QString &ns)
{
    const int at = rowAtPath(m_ownerRows, path);
    if (at < 0)
        return;
    const int depth = m_ownerRows[at].depth + 1;
    int insertAt = at + 1;
    auto *client = m_session ? m_session->client() : nullptr;
    const quint64 gen = m_generation;
    QPointer<DetailPane> self(this);
    for (const auto &o : owners) {
        const ResourceRef ref = backends::workloads::resourceForKind(o.apiVersion, o.kind);
        RelatedRow row;
        if (ref.plural.isEmpty()) {
            row.key = o.kind + QLatin1Char('/') + ns + QLatin1Char('/') + o.name;
            row.label = o.kind + QLatin1Char('/') + o.name;
            row.status = tr("kind not known to Pilothouse");
        } else {
            row = RelatedRow::object(ref, ref.namespaced ? ns : QString(), o.name);
        }
        m_ownerRows.insert(insertAt++, RelatedTreeRow{depth, row});
        // The chain is followed a few steps up (pod → ReplicaSet → Deployment → …), not forever.
        if (ref.plural.isEmpty() || depth > 5 || !client)
            continue;
        const QStringList ownerPath = path + QStringList{row.key};
        client->get(ref, ref.namespaced ? ns : QString(), o.name, this, [self, gen, ownerPath, ns](const KubeReply &reply) {
            if (!self || gen != self->m_generation)
                return;
            const int index = rowAtPath(self->m_ownerRows, ownerPath);
            if (index < 0)
                return;
            if (!reply.ok()) {
                self->m_ownerRows[index].value.status = reply.error.message;
                self->showRelated();
                return;
            }
            const auto owner = backends::workloads::objectDetails(reply.body);
            self->m_ownerRows[index].value.status = owner.facts.isEmpty() ? QString() : owner.facts.first().second;
            self->followOwners(ownerPath, owner.owners, ns);
            self->showRelated();
        });
    }
}

void DetailPane::loadRelated(const QByteArray &json)
{
    m_ownerRows.clear();
    if (!m_session || !m_session->client()) {
        m_setRows.clear();
        m_podRows.clear();
        showRelated();
        return;
    }
    const auto d = backends::workloads::objectDetails(json);
    const quint64 gen = m_generation;
    QPointer<DetailPane> self(this);
    auto *client = m_session->client();

    // The owner chain, followed upward through owner references (pod → ReplicaSet → Deployment).
    if (!d.owners.isEmpty()) {
        m_ownerRows.append(RelatedTreeRow{0, RelatedRow::group(QStringLiteral("owners"), tr("Owned by"))});
        followOwners({QStringLiteral("owners")}, d.owners, d.ns);
    }
    if (d.podSelector.isEmpty() || d.ns.isEmpty()) {
        m_setRows.clear();
        m_podRows.clear();
        showRelated();
        return;
    }
    // Until their answers: the headings (a reload keeps what it showed).
    if (m_setRows.isEmpty())
        m_setRows.append(RelatedTreeRow{0, RelatedRow::group(QStringLiteral("replicasets"), tr("ReplicaSets"))});
    if (m_podRows.isEmpty())
        m_podRows.append(RelatedTreeRow{0, RelatedRow::group(QStringLiteral("pods"), tr("Pods"))});
    showRelated();

    const QString selector = backends::workloads::selectorString(d.podSelector);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("labelSelector"), selector);
    const QString q = query.toString(QUrl::FullyEncoded);
    using Related = backends::Result<QList<backends::workloads::RelatedObject>>;
    // The ReplicaSets this object owns (a Deployment's, a Rollout's); the heading goes when it owns none.
    client->list(replicaSetsRef(), d.ns, q, this, [self, gen, uid = d.uid](const KubeReply &reply) {
        if (!self || gen != self->m_generation)
            return;
        auto show = [gen](DetailPane *pane, const Related &sets) {
            if (gen != pane->m_generation)
                return;
            pane->m_setRows.clear();
            if (!sets.ok()) {
                pane->m_setRows.append(RelatedTreeRow{0, RelatedRow::group(QStringLiteral("replicasets"), tr("ReplicaSets"), sets.error().message)});
            } else if (!sets.value().isEmpty()) {
                pane->m_setRows.append(RelatedTreeRow{0, RelatedRow::group(QStringLiteral("replicasets"), tr("ReplicaSets (%1)").arg(sets.value().size()))});
                for (const auto &rs : sets.value())
                    pane->m_setRows.append(RelatedTreeRow{1, RelatedRow::object(rs.ref, rs.ns, rs.name, rs.summary, relatedTone(rs))});
            }
            pane->showRelated();
        };
        if (!reply.ok())
            return show(self, Related::failure(reply.error));
        parseOffGuiThread<Related>(self, reply.body, [uid](const QByteArray &body) { return backends::workloads::parseOwnedReplicaSets(body, uid); }, show);
    });
    client->list(ResourceRef::pods(), d.ns, q, this, [self, gen, selector](const KubeReply &reply) {
        if (!self || gen != self->m_generation)
            return;
        auto show = [gen, selector](DetailPane *pane, const Related &pods) {
            if (gen != pane->m_generation)
                return;
            pane->m_podRows.clear();
            if (!pods.ok()) {
                pane->m_podRows.append(RelatedTreeRow{0, RelatedRow::group(QStringLiteral("pods"), tr("Pods"), pods.error().message)});
            } else {
                pane->m_podRows.append(RelatedTreeRow{0, RelatedRow::group(QStringLiteral("pods"), tr("Pods (%1)").arg(pods.value().size()),
                                                                            tr("selected by %1").arg(selector))});
                for (const auto &p : pods.value())
                    pane->m_podRows.append(RelatedTreeRow{1, RelatedRow::object(p.ref, p.ns, p.name, p.summary, relatedTone(p))});
            }
            pane->showRelated();
        };
        if (!reply.ok())
            return show(self, Related::failure(reply.error));
        parseOffGuiThread<Related>(self, reply.body, &backends::workloads::parsePodList, show);
    });
}

void DetailPane::setEditing(bool on)
{
    m_editing = on;
    m_yaml->setReadOnly(!on);
    m_yaml->setExtraSelections({});
    applyEditingBackground();
    if (!on)
        m_editError->setVisible(false);
    updateButtons();
}

void DetailPane::applyEditingBackground()
{
    // The editor's own palette holds only the editing background; otherwise it follows the application.
    QPalette pal;
    if (m_editing)
        pal.setColor(QPalette::Base, Theme::color(Theme::Role::EditingBackground));
    m_yaml->setPalette(pal);
}

void DetailPane::onThemeChanged()
{
    applyEditingBackground();
    if (!m_liveJson.isEmpty())
        fillOverview(m_liveJson);
    // The delegates take tone colours from the theme as they paint.
    m_events->viewport()->update();
    m_related->viewport()->update();
}

void DetailPane::updateButtons()
{
    const bool loaded = !m_liveJson.isEmpty();
    const bool allowed = m_editButton->property("allowed").toBool();
    m_editButton->setVisible(!m_editing);
    m_editButton->setEnabled(loaded && allowed);
    m_applyButton->setVisible(m_editing);
    m_cancelButton->setVisible(m_editing);
    // Masked values are the backend's decision (a Secret's data): the view offers to reveal them.
    m_revealButton->setVisible(loaded && m_masked && !m_editing);
    m_revealButton->setEnabled(loaded && !m_revealed);
}

void DetailPane::startEdit()
{
    if (m_liveJson.isEmpty() || m_editing)
        return;
    m_baseResourceVersion = resourceVersionOf(m_liveJson);
    m_baseJson = m_liveJson;
    // The edit starts from what the operator reads: masked values stay masked and mean "unchanged".
    showYaml(m_liveJson, false);
    m_revealed = false;
    setEditing(true);
    m_tabs->setCurrentIndex(3);
    m_yaml->setFocus();
}

void DetailPane::startEditWhenLoaded()
{
    if (!m_liveJson.isEmpty() && !m_editing) {
        startEdit();
        return;
    }
    m_editWhenLoaded = true;
}

void DetailPane::cancelEdit()
{
    setEditing(false);
    showYaml(m_liveJson, m_revealed);
}

void DetailPane::report(const QString &message)
{
    m_status = message;
    Q_EMIT messageReported(message);
}

void DetailPane::showEditError(const QString &headline, const ApiError &error)
{
    QString text = headline;
    if (!error.message.isEmpty())
        text += QStringLiteral(":\n") + error.message;
    QList<QTextEdit::ExtraSelection> marks;
    for (const auto &cause : error.causes) {
        text += QStringLiteral("\n  • %1: %2").arg(cause.field.isEmpty() ? tr("(object)") : cause.field, cause.message);
        // Mark the line of the field the server names (its last key), so the fix is one glance away.
        QString key = cause.field.section(QLatin1Char('.'), -1);
        key = key.section(QLatin1Char('['), 0, 0);
        if (key.isEmpty())
            continue;
        for (QTextBlock b = m_yaml->document()->begin(); b.isValid(); b = b.next()) {
            const QString line = b.text().trimmed();
            if (line.startsWith(key + QLatin1Char(':')) || line.startsWith(QStringLiteral("- ") + key + QLatin1Char(':'))) {
                QTextEdit::ExtraSelection sel;
                sel.cursor = QTextCursor(b);
                sel.format.setBackground(Theme::color(Theme::Role::ErrorBackground));
                sel.format.setProperty(QTextFormat::FullWidthSelection, true);
                marks.append(sel);
            }
        }
    }
    m_yaml->setExtraSelections(marks);
    m_editError->setText(text);
    m_editError->setVisible(true);
}

void DetailPane::reviewAndApply()
{
    if (!m_editing || !m_session || !backends::actions::facadeFor(m_session))
        return;
    auto edited = backends::workloads::yamlToJson(m_yaml->toPlainText());
    if (!edited.ok()) {
        showEditError(tr("The YAML cannot be read; nothing was sent"), edited.error());
        return;
    }
    m_editError->setVisible(false);
    m_yaml->setExtraSelections({});
    const QByteArray editedJson = edited.value();
    const quint64 gen = m_generation;
    QPointer<DetailPane> self(this);
    // Always against the object as it is now, not as it was when the edit started.
    m_session->fetchObject(m_resource, m_ns, m_name, this, [self, gen, editedJson](const KubeReply &reply) {
        if (!self || gen != self->m_generation || !self->m_editing)
            return;
        if (!reply.ok()) {
            self->showEditError(tr("The live object could not be read; nothing was sent"), reply.error);
            return;
        }
        auto restored = backends::workloads::restoreMaskedSecretValues(editedJson, reply.body);
        if (!restored.ok()) {
            self->showEditError(tr("Nothing was sent"), restored.error());
            return;
        }
        const QString liveRv = resourceVersionOf(reply.body);
        auto liveYaml = backends::workloads::objectToYaml(reply.body);
        auto editedYaml = backends::workloads::objectToYaml(backends::workloads::withServerFieldsOf(editedJson, reply.body));
        const QString diff = backends::unifiedDiff(liveYaml.valueOr(QString()), editedYaml.valueOr(QString()),
                                                         tr("live (resourceVersion %1)").arg(liveRv), tr("your edit"));
        const auto changes = backends::workloads::changedFields(reply.body, restored.value());
        if (changes.isEmpty()) {
            self->report(tr("No changes to apply to %1").arg(self->m_name));
            return;
        }
        self->m_lastDiff = diff;
        const Action action = Action::replace(self->m_resource, self->m_ns, self->m_name, restored.value(), liveRv,
                                              backends::workloads::describeChanges(changes));
        auto *facade = backends::actions::facadeFor(self->m_session);
        QString summary = facade->confirmationText(action);
        // Someone else's change since the edit started would be undone by this one: say which.
        const auto theirs = backends::workloads::changedFields(self->m_baseJson, reply.body);
        if (!theirs.isEmpty())
            summary += QLatin1Char('\n') + tr("Changed by someone else since you started editing, and undone by this edit unless you keep it: %1")
                                               .arg(backends::workloads::describeChanges(theirs, 3));
        const bool confirmed = self->m_confirmApply ? self->m_confirmApply(summary, diff) : DiffDialog(summary, diff, self).exec() == QDialog::Accepted;
        if (!confirmed || !self)
            return;
        facade->execute(action, self, [self, gen, action](const ActionResult &r) {
            if (!self || gen != self->m_generation)
                return;
            switch (r.outcome) {
            case Outcome::Succeeded:
                self->setEditing(false);
                self->m_liveJson = r.body;
                self->showYaml(r.body, false);
                self->fillOverview(r.body);
                self->report(tr("Applied to %1: %2").arg(action.objectLabel(), action.change));
                break;
            case Outcome::Conflict:
                self->showEditError(tr("Not applied: the object changed after your review. Your edit is kept; "
                                       "Review and apply again to see the diff against the new version"), r.error);
                self->report(tr("Edit of %1 not applied: conflict").arg(action.objectLabel()));
                break;
            case Outcome::Unknown:
                self->showEditError(tr("The answer was lost after sending (%1). Your edit is kept").arg(r.reread), r.error);
                self->report(tr("Edit of %1: outcome unknown; %2").arg(action.objectLabel(), r.reread));
                break;
            case Outcome::Refused:
            case Outcome::Forbidden:
            case Outcome::Failed:
                self->showEditError(r.error.kind == ErrorKind::Invalid ? tr("The server refused the edit; nothing changed. Your edit is kept")
                                                                       : tr("Not applied; your edit is kept"),
                                    r.error);
                self->report(tr("Edit of %1 failed: %2").arg(action.objectLabel(), r.error.message));
                break;
            }
        });
    });
}

void DetailPane::revealSecret()
{
    if (m_resource.kind != QLatin1String("Secret") || m_liveJson.isEmpty() || !m_session || !backends::actions::facadeFor(m_session) || m_editing)
        return;
    const QString label = m_resource.groupResource() + QLatin1Char(' ') + (m_ns.isEmpty() ? m_name : m_ns + QLatin1Char('/') + m_name);
    const bool confirmed = m_confirmReveal ? m_confirmReveal(label)
                                           : QMessageBox::question(this, tr("Reveal Secret values?"),
                                                                   tr("Show the values of %1 in context %2?\nThe reveal is written to the audit log.")
                                                                       .arg(label, m_session->contextName()),
                                                                   QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) == QMessageBox::Yes;
    if (!confirmed)
        return;
    // No record, no reveal: a reveal that leaves no trace is what the audit log exists to prevent.
    const backends::Result<void> audited =
        backends::actions::facadeFor(m_session)->auditAccess(QStringLiteral("reveal-secret"), label, QStringLiteral("values shown in the detail pane"));
    if (!audited) {
        report(tr("Values of %1 not shown: the reveal could not be written to the audit log (%2)").arg(label, audited.error().message));
        return;
    }
    m_revealed = true;
    showYaml(m_liveJson, true);
    updateButtons();
    report(tr("Values of %1 shown (audited)").arg(label));
}

}  // namespace pilothouse::widgets
