// Widget test (offscreen): the Pipelines pages' forms without a server. The Build with parameters
// form makes a field per definition type (string, text, choice, boolean, password masked), gives
// back what was entered with a password marked secret and an empty one left out (Jenkins then
// uses the job's default); an input step's parameters become the same fields; a run's
// description yields the image and the GitOps commit it links to.
#include "pipelines/approvalcard.h"
#include "pipelines/parameterform.h"
#include "pipelines/runview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace pilothouse;
using namespace pilothouse::backends::jenkins;
using widgets::ApprovalCard;
using widgets::ParameterForm;
using widgets::RunDelivery;

namespace {

ParameterDefinition def(ParameterDefinition::Type type, const QString &name, const QString &value, const QStringList &choices = {})
{
    ParameterDefinition d;
    d.type = type;
    d.name = name;
    d.defaultValue = value;
    d.choices = choices;
    return d;
}

}  // namespace

class TestPipelineForms : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aFieldPerDefinitionType()
    {
        ParameterForm form({def(ParameterDefinition::Type::String, QStringLiteral("GIT_REF"), QStringLiteral("main")),
                            def(ParameterDefinition::Type::Text, QStringLiteral("NOTES"), QStringLiteral("a\nb")),
                            def(ParameterDefinition::Type::Choice, QStringLiteral("PROFILE"), QStringLiteral("release"),
                                {QStringLiteral("debug"), QStringLiteral("release")}),
                            def(ParameterDefinition::Type::Boolean, QStringLiteral("SKIP_SONAR"), QStringLiteral("true")),
                            def(ParameterDefinition::Type::Password, QStringLiteral("TOKEN"), QString())});
        QVERIFY(qobject_cast<QLineEdit *>(form.field(QStringLiteral("GIT_REF"))));
        QVERIFY(qobject_cast<QPlainTextEdit *>(form.field(QStringLiteral("NOTES"))));
        auto *choice = qobject_cast<QComboBox *>(form.field(QStringLiteral("PROFILE")));
        QVERIFY(choice);
        QCOMPARE(choice->currentText(), QStringLiteral("release"));
        auto *boolean = qobject_cast<QCheckBox *>(form.field(QStringLiteral("SKIP_SONAR")));
        QVERIFY(boolean && boolean->isChecked());
        auto *password = qobject_cast<QLineEdit *>(form.field(QStringLiteral("TOKEN")));
        QVERIFY(password);
        QCOMPARE(password->echoMode(), QLineEdit::Password);

        // Defaults as they are; the empty password is not sent.
        QList<BuildParameter> values = form.values();
        QCOMPARE(values.size(), 4);
        QCOMPARE(values[0].value, QStringLiteral("main"));
        QCOMPARE(values[1].value, QStringLiteral("a\nb"));
        QCOMPARE(values[2].value, QStringLiteral("release"));
        QCOMPARE(values[3].value, QStringLiteral("true"));

        // Typed values, the password marked secret.
        QTest::keyClicks(password, QStringLiteral("hunter2"));
        QVERIFY(form.setValue(QStringLiteral("PROFILE"), QStringLiteral("debug")));
        QVERIFY(!form.setValue(QStringLiteral("PROFILE"), QStringLiteral("nightly")));  // not one of the choices
        QVERIFY(form.setValue(QStringLiteral("SKIP_SONAR"), QStringLiteral("false")));
        QVERIFY(!form.setValue(QStringLiteral("MISSING"), QStringLiteral("x")));
        values = form.values();
        QCOMPARE(values.size(), 5);
        QCOMPARE(values[2].value, QStringLiteral("debug"));
        QCOMPARE(values[3].value, QStringLiteral("false"));
        QCOMPARE(values[4].name, QStringLiteral("TOKEN"));
        QCOMPARE(values[4].value, QStringLiteral("hunter2"));
        QVERIFY(values[4].secret);
        QVERIFY(!values[0].secret);
    }

    void anInputsParametersBecomeFields()
    {
        InputParameter ticket;
        ticket.type = QStringLiteral("StringParameterDefinition");
        ticket.name = QStringLiteral("CHANGE_TICKET");
        InputParameter confirm;
        confirm.type = QStringLiteral("BooleanParameterDefinition");
        confirm.name = QStringLiteral("CONFIRM");
        confirm.defaultValue = QStringLiteral("false");
        InputParameter secret;
        secret.type = QStringLiteral("PasswordParameterDefinition");
        secret.name = QStringLiteral("OTP");
        secret.defaultValue = QStringLiteral("leaked");
        const auto defs = ParameterForm::fromInputs({ticket, confirm, secret});
        QCOMPARE(defs.size(), 3);
        QCOMPARE(defs[0].type, ParameterDefinition::Type::String);
        QCOMPARE(defs[1].type, ParameterDefinition::Type::Boolean);
        QCOMPARE(defs[2].type, ParameterDefinition::Type::Password);
        QVERIFY(defs[2].defaultValue.isEmpty());  // a password's default is never shown or sent back

        PendingInput input;
        input.id = QStringLiteral("Approval");
        input.message = QStringLiteral("Deploy orders to production?");
        input.proceedText = QStringLiteral("Deploy");
        input.inputs = {ticket};
        ApprovalCard card({QStringLiteral("cafe"), QStringLiteral("releases"), QStringLiteral("deploy-orders")}, 7, input);
        QCOMPARE(card.proceedButton()->text(), QStringLiteral("Deploy"));
        QVERIFY(card.form()->setValue(QStringLiteral("CHANGE_TICKET"), QStringLiteral("CHG-1")));
        QCOMPARE(card.values().value(0).value, QStringLiteral("CHG-1"));
        QSignalSpy proceed(&card, &ApprovalCard::proceedRequested);
        QTest::mouseClick(card.proceedButton(), Qt::LeftButton);
        QCOMPARE(proceed.count(), 1);
        // Blocked (read-only): the buttons say why and do nothing.
        card.setBlockedReason(QStringLiteral("prod is read-only"));
        QVERIFY(!card.proceedButton()->isEnabled() && !card.abortButton()->isEnabled());
        QCOMPARE(card.proceedButton()->toolTip(), QStringLiteral("prod is read-only"));
        QTest::mouseClick(card.proceedButton(), Qt::LeftButton);
        QCOMPARE(proceed.count(), 1);
    }

    void aRunsDescriptionNamesItsImageAndCommit()
    {
        const RunDelivery d = RunDelivery::fromDescription(
            QStringLiteral("Image registry.pilothouse.dev/shop/storefront:1.8.3 · GitOps commit 3f2a9c0d1e2b3c4d5e6f708192a3b4c5d6e7f809"));
        QCOMPARE(d.image, QStringLiteral("registry.pilothouse.dev/shop/storefront:1.8.3"));
        QCOMPARE(d.tag, QStringLiteral("1.8.3"));
        QCOMPARE(d.commit, QStringLiteral("3f2a9c0d1e2b3c4d5e6f708192a3b4c5d6e7f809"));
        QVERIFY(RunDelivery::fromDescription(QString()).isEmpty());
        QVERIFY(RunDelivery::fromDescription(QStringLiteral("nightly build")).isEmpty());
        // A registry with a port is not a tag.
        QCOMPARE(RunDelivery::fromDescription(QStringLiteral("Image localhost:5000/app:v2")).tag, QStringLiteral("v2"));
    }
};

QTEST_MAIN(TestPipelineForms)
#include "tst_pipelineforms.moc"
