// The palette's commands, from the registries and the caches.
#include "shell/palettecommands.h"

#include "objecttablemodel.h"
#include "resources/resourcespage.h"
#include "shell/actionrunner.h"
#include "shell/kindcatalog.h"
#include "shell/mainwindow.h"
#include "shell/navigator.h"
#include "shell/objectactions.h"
#include "shell/page.h"

#include <QAction>
#include <QComboBox>

namespace pilothouse::widgets::shell {

using models::PaletteCommand;

namespace {

// Objects of one table, newest caches first; capped so a palette over 100,000 pods stays quick
// to open (the palette ranks what it is given).
void addObjects(QList<PaletteCommand> &out, MainWindow *window, const backends::kube::KindInfo &kind, models::ObjectTableModel *model,
                int limit)
{
    const int rows = std::min(model->rowCount(), limit);
    for (int row = 0; row < rows; ++row) {
        const auto object = model->objectAt(row);
        if (!object)
            continue;
        PaletteCommand c;
        c.id = QStringLiteral("object:%1/%2").arg(kind.ref.groupResource(), object->key());
        c.title = object->name;
        c.subtitle = object->ns.isEmpty() ? kind.singular : QStringLiteral("%1 · %2").arg(kind.singular, object->ns);
        c.category = QStringLiteral("Objects");
        c.icon = kind.icon;
        const backends::kube::ResourceRef ref = kind.ref;
        QPointer<MainWindow> guard(window);
        c.run = [guard, ref, ns = object->ns, name = object->name] {
            if (guard)
                guard->openPage(QStringLiteral("resources"), {{QStringLiteral("group"), ref.group},
                                                              {QStringLiteral("plural"), ref.plural},
                                                              {QStringLiteral("namespace"), ns},
                                                              {QStringLiteral("name"), name}});
        };
        out.append(std::move(c));
    }
}

}  // namespace

QList<PaletteCommand> paletteCommands(MainWindow *window)
{
    QList<PaletteCommand> out;
    QPointer<MainWindow> guard(window);
    const PageRegistry *registry = window->navigator()->registry();
    for (const PageType &type : registry->types()) {
        if (!type.singleton)
            continue;
        PaletteCommand c;
        c.id = QStringLiteral("page:") + type.id;
        c.title = type.title;
        c.subtitle = type.description;
        c.category = QStringLiteral("Pages");
        c.icon = type.icon;
        c.shortcut = type.shortcut.toString(QKeySequence::NativeText);
        c.run = [guard, id = type.id] {
            if (guard)
                guard->openPage(id);
        };
        out.append(std::move(c));
    }
    const backends::kube::KindRegistry &kinds = window->kinds()->registry();
    for (const backends::kube::KindInfo &kind : kinds.kinds()) {
        if (!kind.listable())
            continue;
        PaletteCommand c;
        c.id = QStringLiteral("kind:") + kind.ref.groupResource();
        c.title = kind.title;
        c.subtitle = kind.shortNames.isEmpty() ? kind.ref.groupResource()
                                               : QStringLiteral("%1 · :%2").arg(kind.ref.groupResource(), kind.shortNames.join(QStringLiteral(" :")));
        c.category = QStringLiteral("Kinds");
        c.icon = kind.icon;
        c.run = [guard, ref = kind.ref] {
            if (guard)
                guard->openPage(QStringLiteral("resources"), {{QStringLiteral("group"), ref.group}, {QStringLiteral("plural"), ref.plural}});
        };
        out.append(std::move(c));
    }
    // Objects the browser holds: pods, deployments and the kind shown.
    if (ResourcesPage *resources = window->resourcesPage()) {
        constexpr int Limit = 5000;
        if (const auto *pods = kinds.find(backends::kube::ResourceRef::pods()))
            addObjects(out, window, *pods, resources->podModel(), Limit);
        if (const auto *deployments = kinds.find(backends::kube::ResourceRef::deployments()))
            addObjects(out, window, *deployments, resources->deploymentModel(), Limit);
        const backends::kube::ResourceRef shown = resources->currentKind();
        if (const auto *kind = window->kinds()->find(shown); kind && resources->currentModel() == resources->kindModel())
            addObjects(out, window, *kind, resources->kindModel(), Limit);
    }
    // The actions of the object selected on the current page.
    if (Page *page = window->navigator()->currentPage()) {
        const QVariantMap selection = page->selection();
        const auto *kind = kinds.find(selection.value(QStringLiteral("group")).toString(), selection.value(QStringLiteral("plural")).toString());
        const auto object = selection.value(QStringLiteral("object")).value<backends::kube::KubeObjectPtr>();
        if (kind && object) {
            const PageContext context = window->navigator()->context();
            for (const backends::actions::ActionOffer &offer : objectOffers(*kind, object)) {
                PaletteCommand c;
                c.id = QStringLiteral("action:%1:%2/%3").arg(offer.id, kind->ref.groupResource(), object->key());
                c.title = QStringLiteral("%1 %2").arg(offer.title, object->name);
                c.subtitle = QStringLiteral("%1 · %2").arg(kind->singular, object->key());
                c.category = QStringLiteral("Actions");
                c.icon = offer.icon;
                c.disabledReason = offer.notApplicable;
                c.run = [context, kindInfo = *kind, offer, object] { triggerOffer(context, kindInfo, offer, object); };
                out.append(std::move(c));
            }
        }
    }
    // The shell's own commands.
    auto command = [&out](const QString &id, const QString &title, const QString &icon, const QString &shortcut, std::function<void()> run) {
        PaletteCommand c;
        c.id = QStringLiteral("command:") + id;
        c.title = title;
        c.category = QStringLiteral("Commands");
        c.icon = icon;
        c.shortcut = shortcut;
        c.run = std::move(run);
        out.append(std::move(c));
    };
    command(QStringLiteral("readonly"), window->readOnlyAction()->isChecked() ? QObject::tr("Allow changes to this context") : QObject::tr("Make this context read-only"),
            QStringLiteral("lock"), QString(), [guard] {
                if (guard)
                    guard->readOnlyAction()->toggle();
            });
    command(QStringLiteral("preferences"), QObject::tr("Preferences…"), QStringLiteral("preferences"),
            QKeySequence(QKeySequence::Preferences).toString(QKeySequence::NativeText), [guard] {
                if (guard)
                    Q_EMIT guard->preferencesRequested();
            });
    for (int i = 0; i < window->contextPicker()->count(); ++i) {
        const QString ctx = window->contextPicker()->itemText(i);
        if (ctx == window->contextPicker()->currentText())
            continue;
        command(QStringLiteral("context:") + ctx, QObject::tr("Switch to context %1").arg(ctx), QStringLiteral("context"), QString(), [guard, i] {
            if (guard) {
                guard->contextPicker()->setCurrentIndex(i);
                Q_EMIT guard->contextPicker()->activated(i);
            }
        });
    }
    return out;
}

}  // namespace pilothouse::widgets::shell
