// Detail pane: overview, events, related objects and the YAML editor of one object.
#include "resources/detailpane.h"

#include "common/diffdialog.h"
#include "humanduration.h"
#include "workloads/inspect/objectdetails.h"
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
#include <QTreeWidget>
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

constexpr int RefRole = Qt::UserRole;
constexpr int NsRole = Qt::UserRole + 1;
constexpr int NameRole = Qt::UserRole + 2;

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

    m_events = new QTreeWidget(this);
    m_events->setObjectName(QStringLiteral("eventsTree"));
    m_events->setRootIsDecorated(false);
    m_events->setHeaderLabels({tr("Type"), tr("Reason"), tr("Age"), tr("From"), tr("Message")});
    m_events->setAlternatingRowColors(true);
    m_events->header()->setStretchLastSection(true);
    m_events->setColumnWidth(0, 70);
    m_events->setColumnWidth(1, 150);
    m_events->setColumnWidth(2, 60);
    m_events->setColumnWidth(3, 170);
    m_tabs->addTab(m_events, tr("Events"));

    m_related = new QTreeWidget(this);
    m_related->setObjectName(QStringLiteral("relatedTree"));
    m_related->setHeaderLabels({tr("Object"), tr("Status")});
    m_related->setColumnWidth(0, 360);
    connect(m_related, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        const auto ref = item->data(0, RefRole).value<ResourceRef>();
        if (!ref.plural.isEmpty())
            Q_EMIT openRequested(ref, item->data(0, NsRole).toString(), item->data(0, NameRole).toString());
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
    m_events->clear();
    m_related->clear();
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
    m_events->clear();
    m_related->clear();
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
    m_events->clear();
    if (uid.isEmpty() || !m_session || !m_session->client())
        return;
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("fieldSelector"), QStringLiteral("involvedObject.uid=") + uid);
    const quint64 gen = m_generation;
    QPointer<DetailPane> self(this);
    m_session->client()->list(eventsRef(), m_resource.namespaced ? m_ns : QString(), query.toString(QUrl::FullyEncoded), this,
                              [self, gen](const KubeReply &reply) {
        if (!self || gen != self->m_generation)
            return;
        if (!reply.ok()) {
            auto *item = new QTreeWidgetItem(self->m_events, {QString(), QString(), QString(), QString(), tr("Events could not be read: %1").arg(reply.error.message)});
            item->setFirstColumnSpanned(true);
            return;
        }
        struct Ev { QString when; QStringList cols; bool warning; };
        QList<Ev> events;
        for (const QJsonValue &v : QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("items")).toArray()) {
            const QJsonObject e = v.toObject();
            QString when = e.value(QStringLiteral("lastTimestamp")).toString();
            if (when.isEmpty()) when = e.value(QStringLiteral("eventTime")).toString();
            if (when.isEmpty()) when = e.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("creationTimestamp")).toString();
            QString from = e.value(QStringLiteral("source")).toObject().value(QStringLiteral("component")).toString();
            if (from.isEmpty()) from = e.value(QStringLiteral("reportingComponent")).toString();
            const int count = e.value(QStringLiteral("count")).toInt(1);
            QString age = ageOf(when);
            if (count > 1)
                age += QStringLiteral(" (x%1)").arg(count);
            events.append({when, {e.value(QStringLiteral("type")).toString(), e.value(QStringLiteral("reason")).toString(), age, from,
                                  e.value(QStringLiteral("message")).toString()},
                           e.value(QStringLiteral("type")).toString() == QLatin1String("Warning")});
        }
        std::sort(events.begin(), events.end(), [](const Ev &a, const Ev &b) { return a.when > b.when; });
        for (const Ev &e : events) {
            auto *item = new QTreeWidgetItem(self->m_events, e.cols);
            item->setToolTip(4, e.cols.value(4));
            if (e.warning)
                for (int c = 0; c < 5; ++c)
                    item->setForeground(c, StatusPalette::color(StatusTone::Warning));
        }
        self->m_tabs->setTabText(1, events.isEmpty() ? tr("Events") : tr("Events (%1)").arg(events.size()));
    });
}

void DetailPane::addRelatedItem(QTreeWidgetItem *parent, const ResourceRef &ref, const QString &ns, const QString &name, const QString &info)
{
    auto *item = new QTreeWidgetItem(parent, {ref.kind + QLatin1Char('/') + name, info});
    item->setData(0, RefRole, QVariant::fromValue(ref));
    item->setData(0, NsRole, ns);
    item->setData(0, NameRole, name);
    item->setToolTip(0, tr("Double-click to show it here"));
}

void DetailPane::loadRelated(const QByteArray &json)
{
    m_related->clear();
    if (!m_session || !m_session->client())
        return;
    const auto d = backends::workloads::objectDetails(json);
    const quint64 gen = m_generation;
    QPointer<DetailPane> self(this);
    auto *client = m_session->client();

    // The owner chain, followed upward through controller references (pod → ReplicaSet → Deployment).
    if (!d.owners.isEmpty()) {
        auto *owners = new QTreeWidgetItem(m_related, {tr("Owned by")});
        owners->setExpanded(true);
        auto follow = std::make_shared<std::function<void(QTreeWidgetItem *, QList<backends::workloads::OwnerReference>, int)>>();
        // The function refers to itself only weakly (no cycle); pending reads keep it alive.
        *follow = [self, gen, client, weakFollow = std::weak_ptr(follow), ns = d.ns](QTreeWidgetItem *parent,
                                                                                   const QList<backends::workloads::OwnerReference> &refs, int depth) {
            auto follow = weakFollow.lock();
            if (!follow)
                return;
            for (const auto &o : refs) {
                const ResourceRef ref = backends::workloads::resourceForKind(o.apiVersion, o.kind);
                if (ref.plural.isEmpty()) {
                    new QTreeWidgetItem(parent, {o.kind + QLatin1Char('/') + o.name, tr("kind not known to Pilothouse")});
                    continue;
                }
                self->addRelatedItem(parent, ref, ns, o.name, QString());
                QTreeWidgetItem *item = parent->child(parent->childCount() - 1);
                item->setExpanded(true);
                if (depth >= 4)
                    continue;
                client->get(ref, ref.namespaced ? ns : QString(), o.name, self, [self, gen, follow, item, depth](const KubeReply &reply) {
                    if (!self || gen != self->m_generation)
                        return;
                    if (!reply.ok()) {
                        item->setText(1, reply.error.message);
                        return;
                    }
                    const auto owner = backends::workloads::objectDetails(reply.body);
                    item->setText(1, owner.facts.isEmpty() ? QString() : owner.facts.first().second);
                    (*follow)(item, owner.owners, depth + 1);
                });
            }
        };
        (*follow)(owners, d.owners, 0);
    }

    if (d.podSelector.isEmpty() || d.ns.isEmpty())
        return;
    const QString selector = backends::workloads::selectorString(d.podSelector);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("labelSelector"), selector);
    const QString q = query.toString(QUrl::FullyEncoded);
    {
        // The ReplicaSets this object owns (a Deployment's, a Rollout's); the entry goes when it owns none.
        auto *sets = new QTreeWidgetItem(m_related, {tr("ReplicaSets")});
        sets->setExpanded(true);
        client->list(replicaSetsRef(), d.ns, q, this, [self, gen, sets, uid = d.uid, ns = d.ns](const KubeReply &reply) {
            if (!self || gen != self->m_generation)
                return;
            if (!reply.ok()) {
                sets->setText(1, reply.error.message);
                return;
            }
            int count = 0;
            for (const QJsonValue &v : QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("items")).toArray()) {
                const QJsonObject rs = v.toObject();
                const QJsonObject meta = rs.value(QStringLiteral("metadata")).toObject();
                bool owned = false;
                for (const QJsonValue &o : meta.value(QStringLiteral("ownerReferences")).toArray())
                    owned = owned || o.toObject().value(QStringLiteral("uid")).toString() == uid;
                if (!owned)
                    continue;
                ++count;
                const QJsonObject annotations = meta.value(QStringLiteral("annotations")).toObject();
                const QString revision = annotations.value(QStringLiteral("deployment.kubernetes.io/revision"))
                                             .toString(annotations.value(QStringLiteral("rollout.argoproj.io/revision")).toString());
                const QJsonObject st = rs.value(QStringLiteral("status")).toObject();
                self->addRelatedItem(sets, replicaSetsRef(), ns, meta.value(QStringLiteral("name")).toString(),
                                     tr("revision %1 · %2/%3 ready").arg(revision).arg(st.value(QStringLiteral("readyReplicas")).toInt()).arg(
                                         rs.value(QStringLiteral("spec")).toObject().value(QStringLiteral("replicas")).toInt()));
            }
            if (count == 0)
                delete sets;
            else
                sets->setText(0, tr("ReplicaSets (%1)").arg(count));
        });
    }
    auto *pods = new QTreeWidgetItem(m_related, {tr("Pods")});
    pods->setExpanded(true);
    client->list(ResourceRef::pods(), d.ns, q, this, [self, gen, pods, ns = d.ns, selector](const KubeReply &reply) {
        if (!self || gen != self->m_generation)
            return;
        if (!reply.ok()) {
            pods->setText(1, reply.error.message);
            return;
        }
        const QJsonArray items = QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("items")).toArray();
        for (const QJsonValue &v : items) {
            const QJsonObject pod = v.toObject();
            const QJsonObject st = pod.value(QStringLiteral("status")).toObject();
            int ready = 0;
            const QJsonArray statuses = st.value(QStringLiteral("containerStatuses")).toArray();
            for (const QJsonValue &c : statuses)
                ready += c.toObject().value(QStringLiteral("ready")).toBool() ? 1 : 0;
            self->addRelatedItem(pods, ResourceRef::pods(), ns, pod.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("name")).toString(),
                                 tr("%1 · %2/%3 ready").arg(st.value(QStringLiteral("phase")).toString()).arg(ready).arg(statuses.size()));
        }
        pods->setText(0, tr("Pods (%1)").arg(items.size()));
        pods->setText(1, tr("selected by %1").arg(selector));
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
    for (int i = 0; i < m_events->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = m_events->topLevelItem(i);
        if (item->text(0) == QLatin1String("Warning"))
            for (int c = 0; c < m_events->columnCount(); ++c)
                item->setForeground(c, StatusPalette::color(StatusTone::Warning));
    }
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
