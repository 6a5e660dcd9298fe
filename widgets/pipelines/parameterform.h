// A form from Jenkins parameter definitions (Build with parameters, an input's parameters): string,
// text, choice, boolean, and password fields masked; the values as the trigger sends them.
#pragma once

#include "jenkins/jenkinsinfo.h"

#include <QWidget>

#include <optional>

namespace pilothouse::widgets {

class ParameterForm : public QWidget {
    Q_OBJECT

public:
    explicit ParameterForm(const QList<backends::jenkins::ParameterDefinition> &definitions, QWidget *parent = nullptr);

    // An input step's parameters as definitions (its `type` is the definition's class without package).
    static QList<backends::jenkins::ParameterDefinition> fromInputs(const QList<backends::jenkins::InputParameter> &inputs);

    // The Build with parameters dialog (objectName "buildParametersDialog"), fields filled from
    // `values` where given (a rebuild); nullopt when cancelled.
    static std::optional<QList<backends::jenkins::BuildParameter>> ask(QWidget *parent, const QString &title,
                                                                       const QList<backends::jenkins::ParameterDefinition> &definitions,
                                                                       const QList<backends::jenkins::BuildParameter> &values);

    QList<backends::jenkins::ParameterDefinition> definitions() const { return m_definitions; }
    // The values now, in definition order; a password's marked secret.
    QList<backends::jenkins::BuildParameter> values() const;
    // Sets a field by parameter name (tests; a rebuild with the same parameters). False: no such field.
    bool setValue(const QString &name, const QString &value);
    // The field of a parameter (objectName "param:NAME").
    QWidget *field(const QString &name) const;

private:
    QList<backends::jenkins::ParameterDefinition> m_definitions;
    QList<QWidget *> m_fields;
};

}  // namespace pilothouse::widgets
