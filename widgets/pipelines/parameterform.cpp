// Jenkins parameter fields.
#include "pipelines/parameterform.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace pilothouse::widgets {

using backends::jenkins::BuildParameter;
using backends::jenkins::InputParameter;
using backends::jenkins::ParameterDefinition;

ParameterForm::ParameterForm(const QList<ParameterDefinition> &definitions, QWidget *parent) : QWidget(parent), m_definitions(definitions)
{
    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    for (const ParameterDefinition &d : m_definitions) {
        QWidget *field = nullptr;
        switch (d.type) {
        case ParameterDefinition::Type::Boolean: {
            auto *box = new QCheckBox(this);
            box->setChecked(d.defaultValue == QLatin1String("true"));
            field = box;
            break;
        }
        case ParameterDefinition::Type::Choice: {
            auto *combo = new QComboBox(this);
            combo->addItems(d.choices);
            if (!d.defaultValue.isEmpty())
                combo->setCurrentText(d.defaultValue);
            field = combo;
            break;
        }
        case ParameterDefinition::Type::Text: {
            auto *text = new QPlainTextEdit(d.defaultValue, this);
            text->setTabChangesFocus(true);
            text->setFixedHeight(text->fontMetrics().lineSpacing() * 4 + 12);
            field = text;
            break;
        }
        case ParameterDefinition::Type::Password: {
            auto *edit = new QLineEdit(this);
            edit->setEchoMode(QLineEdit::Password);
            // Jenkins never sends a password parameter's default back; empty keeps the job's.
            edit->setPlaceholderText(tr("leave empty for the job's default"));
            field = edit;
            break;
        }
        case ParameterDefinition::Type::String:
        case ParameterDefinition::Type::Other: {
            auto *edit = new QLineEdit(d.defaultValue, this);
            field = edit;
            break;
        }
        }
        field->setObjectName(QStringLiteral("param:") + d.name);
        field->setToolTip(d.description);
        auto *label = new QLabel(d.name, this);
        label->setToolTip(d.description);
        form->addRow(label, field);
        if (!d.description.isEmpty()) {
            auto *hint = new QLabel(d.description, this);
            hint->setWordWrap(true);
            hint->setForegroundRole(QPalette::PlaceholderText);
            form->addRow(QString(), hint);
        }
        m_fields << field;
    }
}

QList<ParameterDefinition> ParameterForm::fromInputs(const QList<InputParameter> &inputs)
{
    QList<ParameterDefinition> out;
    for (const InputParameter &in : inputs) {
        ParameterDefinition d;
        d.name = in.name;
        d.description = in.description;
        d.defaultValue = in.defaultValue;
        d.choices = in.choices;
        d.className = in.type;
        const QString t = in.type;
        d.type = t.startsWith(QLatin1String("Boolean"))  ? ParameterDefinition::Type::Boolean
                 : t.startsWith(QLatin1String("Choice")) ? ParameterDefinition::Type::Choice
                 : t.startsWith(QLatin1String("Text"))   ? ParameterDefinition::Type::Text
                 : t.startsWith(QLatin1String("Password")) ? ParameterDefinition::Type::Password
                                                           : ParameterDefinition::Type::String;
        if (d.type == ParameterDefinition::Type::Password)
            d.defaultValue.clear();
        out << d;
    }
    return out;
}

std::optional<QList<BuildParameter>> ParameterForm::ask(QWidget *parent, const QString &title, const QList<ParameterDefinition> &definitions,
                                                         const QList<BuildParameter> &values)
{
    QDialog dialog(parent);
    dialog.setObjectName(QStringLiteral("buildParametersDialog"));
    dialog.setWindowTitle(title);
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(tr("This build requires parameters:"), &dialog));
    auto *form = new ParameterForm(definitions, &dialog);
    for (const BuildParameter &v : values)
        if (!v.secret)  // a password is never read back: typed again or the job's default
            form->setValue(v.name, v.value);
    layout->addWidget(form);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, &dialog);
    buttons->addButton(tr("Build"), QDialogButtonBox::AcceptRole);
    layout->addWidget(buttons);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    dialog.setMinimumWidth(520);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return form->values();
}

QList<BuildParameter> ParameterForm::values() const
{
    QList<BuildParameter> out;
    for (int i = 0; i < m_definitions.size(); ++i) {
        const ParameterDefinition &d = m_definitions[i];
        BuildParameter p;
        p.name = d.name;
        QWidget *f = m_fields[i];
        if (auto *box = qobject_cast<QCheckBox *>(f))
            p.value = box->isChecked() ? QStringLiteral("true") : QStringLiteral("false");
        else if (auto *combo = qobject_cast<QComboBox *>(f))
            p.value = combo->currentText();
        else if (auto *text = qobject_cast<QPlainTextEdit *>(f))
            p.value = text->toPlainText();
        else if (auto *edit = qobject_cast<QLineEdit *>(f))
            p.value = edit->text();
        p.secret = d.type == ParameterDefinition::Type::Password;
        // An empty password is not sent: Jenkins then uses the job's default.
        if (p.secret && p.value.isEmpty())
            continue;
        out << p;
    }
    return out;
}

bool ParameterForm::setValue(const QString &name, const QString &value)
{
    QWidget *f = field(name);
    if (!f)
        return false;
    if (auto *box = qobject_cast<QCheckBox *>(f))
        box->setChecked(value == QLatin1String("true"));
    else if (auto *combo = qobject_cast<QComboBox *>(f)) {
        const int i = combo->findText(value);
        if (i < 0)
            return false;
        combo->setCurrentIndex(i);
    } else if (auto *text = qobject_cast<QPlainTextEdit *>(f))
        text->setPlainText(value);
    else if (auto *edit = qobject_cast<QLineEdit *>(f))
        edit->setText(value);
    return true;
}

QWidget *ParameterForm::field(const QString &name) const
{
    for (int i = 0; i < m_definitions.size(); ++i)
        if (m_definitions[i].name == name)
            return m_fields[i];
    return nullptr;
}

}  // namespace pilothouse::widgets
