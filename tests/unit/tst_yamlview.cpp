// Unit tests of the detail pane's YAML: managedFields dropped, Secret values masked, quoting.
#include "workloads/inspect/yamlview.h"

#include <QTest>

using namespace pilothouse::backends;
using namespace pilothouse::backends::workloads;

class TestYamlView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void dropsManagedFieldsAndKeepsTheRest()
    {
        auto yaml = objectToYaml(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","resourceVersion":"12","managedFields":[{"manager":"kubectl"}]},"data":{"port":"8080","enabled":"true","text":"a\nb"}})");
        QVERIFY(yaml.ok());
        const QString y = yaml.value();
        QVERIFY(!y.contains(QStringLiteral("managedFields")));
        QVERIFY(y.contains(QStringLiteral("kind: ConfigMap")));
        // Strings that would read back as numbers or booleans stay quoted.
        QVERIFY2(y.contains(QStringLiteral("resourceVersion: \"12\"")), qPrintable(y));
        QVERIFY2(y.contains(QStringLiteral("port: \"8080\"")), qPrintable(y));
        QVERIFY2(y.contains(QStringLiteral("enabled: \"true\"")), qPrintable(y));
        QVERIFY2(y.contains(QStringLiteral("text: |")), qPrintable(y));
    }

    void secretValuesAreMasked()
    {
        const QByteArray secret = R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"Opaque","data":{"token":"c2VjcmV0"}})";
        auto masked = objectToYaml(secret);
        QVERIFY(masked.ok());
        QVERIFY(!masked.value().contains(QStringLiteral("c2VjcmV0")));
        QVERIFY(masked.value().contains(QStringLiteral("token: \"********\"")) || masked.value().contains(QStringLiteral("token: '********'")) ||
                masked.value().contains(QStringLiteral("token: ********")));
        YamlOptions reveal;
        reveal.maskSecretData = false;
        QVERIFY(objectToYaml(secret, reveal).value().contains(QStringLiteral("c2VjcmV0")));
    }

    void malformedJsonIsAnError()
    {
        QVERIFY(!objectToYaml("not json").ok());
    }
};

QTEST_GUILESS_MAIN(TestYamlView)
#include "tst_yamlview.moc"
