// The Preferences dialog's pages and how they map to the settings.
#include "shell/preferencesdialog.h"

#include "shell/shellsettings.h"
#include "style/theme.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QVBoxLayout>

namespace pilothouse::widgets::shell {

namespace {

QLabel *note(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

}  // namespace

PreferencesDialog::PreferencesDialog(ShellSettings *settings, const QStringList &contexts, const QString &current, QWidget *parent)
    : QDialog(parent), m_settings(settings)
{
    setObjectName(QStringLiteral("preferencesDialog"));
    setWindowTitle(tr("Preferences"));
    resize(640, 480);
    auto *tabs = new QTabWidget(this);

    // General: theme, kubeconfig files, audit log.
    auto *general = new QWidget(tabs);
    auto *generalLayout = new QVBoxLayout(general);
    auto *form = new QFormLayout;
    generalLayout->addLayout(form);
    generalLayout->addStretch(1);
    m_theme = new QComboBox(general);
    m_theme->setObjectName(QStringLiteral("themeBox"));
    for (ThemeMode mode : {ThemeMode::System, ThemeMode::Light, ThemeMode::Dark})
        m_theme->addItem(Theme::modeTitle(mode), Theme::modeName(mode));
    m_theme->setCurrentIndex(qMax(0, m_theme->findData(settings->theme())));
    form->addRow(tr("Theme"), m_theme);
    m_kubeconfigs = new QPlainTextEdit(general);
    m_kubeconfigs->setObjectName(QStringLiteral("kubeconfigFiles"));
    m_kubeconfigs->setPlaceholderText(tr("One file per line; empty: $KUBECONFIG or ~/.kube/config, as kubectl"));
    m_kubeconfigs->setPlainText(settings->kubeconfigFiles().join(QLatin1Char('\n')));
    m_kubeconfigs->setMaximumHeight(90);
    form->addRow(tr("Kubeconfig files"), m_kubeconfigs);
    auto *auditRow = new QHBoxLayout;
    m_auditLog = new QLineEdit(settings->auditLogPath(), general);
    m_auditLog->setObjectName(QStringLiteral("auditLogPath"));
    m_auditLog->setPlaceholderText(tr("Default: the application's data folder (audit.jsonl)"));
    auto *browse = new QPushButton(tr("Choose…"), general);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Audit log"), m_auditLog->text(), tr("JSON lines (*.jsonl)"));
        if (!path.isEmpty())
            m_auditLog->setText(path);
    });
    auditRow->addWidget(m_auditLog, 1);
    auditRow->addWidget(browse);
    form->addRow(tr("Audit log"), auditRow);
    form->addRow(QString(), note(tr("Every change Pilothouse sends is written there, one JSON line each. A new place applies at the next start."),
                                 general));
    tabs->addTab(general, tr("General"));

    // Read-only contexts.
    auto *readOnly = new QWidget(tabs);
    auto *readOnlyLayout = new QVBoxLayout(readOnly);
    readOnlyLayout->addWidget(note(tr("Pilothouse sends no change to a ticked context: every action is disabled there."), readOnly));
    m_readOnly = new QStandardItemModel(this);
    QStringList all = contexts;
    for (const QString &c : settings->readOnlyContexts())
        if (!all.contains(c))
            all << c;
    for (const QString &c : all) {
        auto *item = new QStandardItem(c);
        item->setCheckable(true);
        item->setCheckState(settings->isReadOnly(c) ? Qt::Checked : Qt::Unchecked);
        item->setEditable(false);
        m_readOnly->appendRow(item);
    }
    auto *list = new QListView(readOnly);
    list->setObjectName(QStringLiteral("readOnlyContexts"));
    list->setModel(m_readOnly);
    readOnlyLayout->addWidget(list);
    tabs->addTab(readOnly, tr("Read-only"));

    // Endpoints per context.
    auto *endpoints = new QWidget(tabs);
    auto *endpointsLayout = new QVBoxLayout(endpoints);
    auto *endpointForm = new QFormLayout;
    endpointsLayout->addLayout(endpointForm);
    endpointsLayout->addStretch(1);
    m_endpointContext = new QComboBox(endpoints);
    m_endpointContext->setObjectName(QStringLiteral("endpointContext"));
    QStringList withEndpoints = all;
    for (const QString &c : settings->contextsWithEndpoints())
        if (!withEndpoints.contains(c))
            withEndpoints << c;
    m_endpointContext->addItems(withEndpoints);
    endpointForm->addRow(tr("Context"), m_endpointContext);
    auto field = [endpoints](const QString &name, const QString &placeholder) {
        auto *edit = new QLineEdit(endpoints);
        edit->setObjectName(name);
        edit->setPlaceholderText(placeholder);
        return edit;
    };
    m_argoCdUrl = field(QStringLiteral("argoCdUrl"), QStringLiteral("https://argocd.example.com"));
    m_argoCdUser = field(QStringLiteral("argoCdUser"), QStringLiteral("admin"));
    m_jenkinsUrl = field(QStringLiteral("jenkinsUrl"), QStringLiteral("https://jenkins.example.com"));
    m_jenkinsUser = field(QStringLiteral("jenkinsUser"), tr("user (its API token is asked for when used)"));
    m_prometheusUrl = field(QStringLiteral("prometheusUrl"), QStringLiteral("https://prometheus.example.com"));
    endpointForm->addRow(tr("Argo CD URL"), m_argoCdUrl);
    endpointForm->addRow(tr("Argo CD user"), m_argoCdUser);
    endpointForm->addRow(tr("Jenkins URL"), m_jenkinsUrl);
    endpointForm->addRow(tr("Jenkins user"), m_jenkinsUser);
    endpointForm->addRow(tr("Prometheus URL"), m_prometheusUrl);
    endpointForm->addRow(QString(), note(tr("Passwords and tokens are not stored here: they are asked for when a page signs in, "
                                            "and kept in memory or the desktop's keychain."),
                                         endpoints));
    connect(m_endpointContext, &QComboBox::currentTextChanged, this, [this](const QString &context) {
        storeEndpoints(m_shownContext);
        showEndpoints(context);
    });
    tabs->addTab(endpoints, tr("Endpoints"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        save();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(buttons);

    if (!current.isEmpty())
        m_endpointContext->setCurrentText(current);
    showEndpoints(m_endpointContext->currentText());
}

void PreferencesDialog::showEndpoints(const QString &context)
{
    m_shownContext = context;
    const bool has = !context.isEmpty();
    for (QLineEdit *edit : {m_argoCdUrl, m_argoCdUser, m_jenkinsUrl, m_jenkinsUser, m_prometheusUrl})
        edit->setEnabled(has);
    if (m_edited.contains(context)) {
        const QStringList v = m_edited.value(context);
        m_argoCdUrl->setText(v.value(0));
        m_argoCdUser->setText(v.value(1));
        m_jenkinsUrl->setText(v.value(2));
        m_jenkinsUser->setText(v.value(3));
        m_prometheusUrl->setText(v.value(4));
        return;
    }
    const ContextEndpoints e = has ? m_settings->endpoints(context) : ContextEndpoints();
    m_argoCdUrl->setText(e.argoCdUrl);
    m_argoCdUser->setText(e.argoCdUser);
    m_jenkinsUrl->setText(e.jenkinsUrl);
    m_jenkinsUser->setText(e.jenkinsUser);
    m_prometheusUrl->setText(e.prometheusUrl);
}

void PreferencesDialog::storeEndpoints(const QString &context)
{
    if (context.isEmpty())
        return;
    m_edited.insert(context, {m_argoCdUrl->text().trimmed(), m_argoCdUser->text().trimmed(), m_jenkinsUrl->text().trimmed(),
                              m_jenkinsUser->text().trimmed(), m_prometheusUrl->text().trimmed()});
}

void PreferencesDialog::save()
{
    m_settings->setTheme(m_theme->currentData().toString());
    QStringList files;
    for (const QString &line : m_kubeconfigs->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty())
            files << line.trimmed();
    m_settings->setKubeconfigFiles(files);
    m_settings->setAuditLogPath(m_auditLog->text().trimmed());
    QStringList readOnly;
    for (int row = 0; row < m_readOnly->rowCount(); ++row)
        if (m_readOnly->item(row)->checkState() == Qt::Checked)
            readOnly << m_readOnly->item(row)->text();
    m_settings->setReadOnlyContexts(readOnly);
    storeEndpoints(m_shownContext);
    for (auto it = m_edited.cbegin(); it != m_edited.cend(); ++it) {
        const QStringList &v = it.value();
        ContextEndpoints e = m_settings->endpoints(it.key());  // what the dialog does not show (the CA file) stays
        e.argoCdUrl = v.value(0);
        e.argoCdUser = v.value(1);
        e.jenkinsUrl = v.value(2);
        e.jenkinsUser = v.value(3);
        e.prometheusUrl = v.value(4);
        m_settings->setEndpoints(it.key(), e);
    }
}

}  // namespace pilothouse::widgets::shell
