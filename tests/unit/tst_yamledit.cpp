// Unit tests of the YAML editor's backend: YAML -> JSON types, parse errors with positions,
// masked Secret values, changed fields (with Secret values kept out), and the line diff.
#include "core/textdiff.h"
#include "workloads/inspect/yamledit.h"
#include "workloads/inspect/yamlview.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace pilothouse::backends;
using namespace pilothouse::backends::workloads;
using pilothouse::backends::ErrorKind;

class TestYamlEdit : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void plainScalarsAreTypedQuotedOnesStayStrings()
    {
        auto json = yamlToJson(QStringLiteral("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  resourceVersion: \"12\"\n"
                                              "spec:\n  replicas: 3\n  ratio: 0.5\n  on: true\n  off: ~\n  port: \"8080\"\n  word: yes\n"
                                              "  list:\n    - a\n    - 2\n  text: |\n    line one\n    line two\n"));
        QVERIFY2(json.ok(), qPrintable(json.error().message));
        const QJsonObject o = QJsonDocument::fromJson(json.value()).object();
        const QJsonObject spec = o.value(QStringLiteral("spec")).toObject();
        QCOMPARE(o.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("resourceVersion")), QJsonValue(QStringLiteral("12")));
        QCOMPARE(spec.value(QStringLiteral("replicas")), QJsonValue(3));
        QCOMPARE(spec.value(QStringLiteral("ratio")), QJsonValue(0.5));
        QCOMPARE(spec.value(QStringLiteral("on")), QJsonValue(true));
        QVERIFY(spec.value(QStringLiteral("off")).isNull());
        QCOMPARE(spec.value(QStringLiteral("port")), QJsonValue(QStringLiteral("8080")));
        // YAML 1.2: "yes" is a string, not a boolean (as the API server reads it).
        QCOMPARE(spec.value(QStringLiteral("word")), QJsonValue(QStringLiteral("yes")));
        QCOMPARE(spec.value(QStringLiteral("list")).toArray().at(1), QJsonValue(2));
        QCOMPARE(spec.value(QStringLiteral("text")), QJsonValue(QStringLiteral("line one\nline two\n")));
    }

    void roundTripsWhatTheDetailPaneShows()
    {
        const QByteArray original = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"version":"1.10","on":"true"}},"spec":{"replicas":2,"paused":false,"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.25","args":["--port","8080"]}]}}}})";
        auto yaml = objectToYaml(original);
        QVERIFY(yaml.ok());
        auto back = yamlToJson(yaml.value());
        QVERIFY2(back.ok(), qPrintable(back.error().message));
        QCOMPARE(QJsonDocument::fromJson(back.value()), QJsonDocument::fromJson(original));
    }

    void parseErrorNamesTheLine()
    {
        auto json = yamlToJson(QStringLiteral("kind: Pod\nmetadata:\n  name: [unclosed\nspec: {}\n"));
        QVERIFY(!json.ok());
        QCOMPARE(json.error().kind, ErrorKind::Invalid);
        QVERIFY2(json.error().message.contains(QStringLiteral("line ")), qPrintable(json.error().message));
    }

    void duplicateKeysAreRefusedWithTheirLine()
    {
        auto json = yamlToJson(QStringLiteral("kind: ConfigMap\nmetadata:\n  labels:\n    a: b\n  name: x\n  labels:\n    c: d\n"));
        QVERIFY(!json.ok());
        QVERIFY2(json.error().message.contains(QStringLiteral("line 6")) && json.error().message.contains(QStringLiteral("\"labels\" appears twice")),
                 qPrintable(json.error().message));
    }

    void rejectsNonObjectsAndSeveralDocuments()
    {
        QVERIFY(!yamlToJson(QStringLiteral("- a\n- b\n")).ok());
        QVERIFY(!yamlToJson(QString()).ok());
        auto two = yamlToJson(QStringLiteral("kind: A\n---\nkind: B\n"));
        QVERIFY(!two.ok());
        QVERIFY(two.error().message.contains(QStringLiteral("2 documents")));
    }

    void maskedSecretValuesComeBackFromTheLiveObject()
    {
        const QByteArray live = R"({"kind":"Secret","data":{"token":"c2VjcmV0","user":"YWRtaW4="}})";
        const QByteArray edited = R"({"kind":"Secret","data":{"token":"********","user":"cm9vdA==","new":"eA=="}})";
        auto restored = restoreMaskedSecretValues(edited, live);
        QVERIFY(restored.ok());
        const QJsonObject data = QJsonDocument::fromJson(restored.value()).object().value(QStringLiteral("data")).toObject();
        QCOMPARE(data.value(QStringLiteral("token")), QJsonValue(QStringLiteral("c2VjcmV0")));
        QCOMPARE(data.value(QStringLiteral("user")), QJsonValue(QStringLiteral("cm9vdA==")));
        QCOMPARE(data.value(QStringLiteral("new")), QJsonValue(QStringLiteral("eA==")));
        // A masked value with nothing to restore from would send asterisks: refused.
        QVERIFY(!restoreMaskedSecretValues(R"({"kind":"Secret","data":{"gone":"********"}})", live).ok());
        // Other kinds are not touched.
        const QByteArray cm = R"({"kind":"ConfigMap","data":{"a":"********"}})";
        QCOMPARE(restoreMaskedSecretValues(cm, live).value(), cm);
    }

    void changedFieldsNameLeavesAndSkipServerFields()
    {
        const QByteArray before = R"({"metadata":{"name":"web","resourceVersion":"5","labels":{"a":"1"}},"spec":{"replicas":2,"template":{"spec":{"containers":[{"image":"nginx:1.25"}]}}},"status":{"replicas":2}})";
        const QByteArray after = R"({"metadata":{"name":"web","resourceVersion":"6","labels":{"a":"1","tier":"web"}},"spec":{"replicas":3,"template":{"spec":{"containers":[{"image":"nginx:1.26"}]}}},"status":{"replicas":3}})";
        const QList<FieldChange> changes = changedFields(before, after);
        QCOMPARE(changes.size(), 3);
        QCOMPARE(changes[0].path, QStringLiteral("metadata.labels.tier"));
        QVERIFY(changes[0].before.isEmpty());
        QCOMPARE(changes[1].path, QStringLiteral("spec.replicas"));
        QCOMPARE(changes[1].before, QStringLiteral("2"));
        QCOMPARE(changes[1].after, QStringLiteral("3"));
        QCOMPARE(changes[2].path, QStringLiteral("spec.template.spec.containers[0].image"));
        QCOMPARE(describeChanges(changes), QStringLiteral("metadata.labels.tier: added \"web\"; spec.replicas: 2 → 3; "
                                                          "spec.template.spec.containers[0].image: \"nginx:1.25\" → \"nginx:1.26\""));
        QCOMPARE(describeChanges({}), QStringLiteral("no changes"));
    }

    void diffLeavesOutWhatAnUpdateCannotChange()
    {
        const QByteArray live = R"({"kind":"ConfigMap","metadata":{"name":"c","resourceVersion":"9","generation":3,"uid":"u"},"data":{"a":"1"},"status":{"x":2}})";
        const QByteArray edited = R"({"kind":"ConfigMap","metadata":{"name":"c","resourceVersion":"5"},"data":{"a":"2"},"status":{"x":1}})";
        const QByteArray shown = withServerFieldsOf(edited, live);
        const QString diff = unifiedDiff(objectToYaml(live).value(), objectToYaml(shown).value());
        QVERIFY2(diff.contains(QStringLiteral("-  a: \"1\"\n+  a: \"2\"")), qPrintable(diff));
        for (const QString &line : diff.split(QLatin1Char('\n')))
            if ((line.startsWith(QLatin1Char('+')) || line.startsWith(QLatin1Char('-'))) && !line.startsWith(QStringLiteral("+++")) && !line.startsWith(QStringLiteral("---")))
                QVERIFY2(line.contains(QStringLiteral("a: ")), qPrintable(diff));
    }

    void secretValuesNeverAppearInChanges()
    {
        const QList<FieldChange> changes = changedFields(R"({"kind":"Secret","data":{"token":"c2VjcmV0"}})", R"({"kind":"Secret","data":{"token":"b3RoZXI="}})");
        QCOMPARE(changes.size(), 1);
        const QString text = describeChanges(changes);
        QVERIFY2(!text.contains(QStringLiteral("c2VjcmV0")) && !text.contains(QStringLiteral("b3RoZXI=")), qPrintable(text));
        QVERIFY(text.startsWith(QStringLiteral("data.token:")));
    }

    void diffShowsOnlyChangedHunks()
    {
        QStringList a;
        for (int i = 1; i <= 30; ++i)
            a << QStringLiteral("line %1").arg(i);
        QStringList b = a;
        b[4] = QStringLiteral("line five");
        b.insert(20, QStringLiteral("inserted"));
        b.removeAt(28);  // "line 28"
        const QString diff = unifiedDiff(a.join(QLatin1Char('\n')), b.join(QLatin1Char('\n')));
        QCOMPARE(diff.count(QStringLiteral("@@ -")), 3);  // seven equal lines between the last two changes: apart
        QVERIFY2(diff.contains(QStringLiteral("@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n")), qPrintable(diff));
        QVERIFY2(diff.contains(QStringLiteral("+inserted\n")), qPrintable(diff));
        QVERIFY2(diff.contains(QStringLiteral("-line 28\n")), qPrintable(diff));
        QVERIFY(!diff.contains(QStringLiteral(" line 12\n")));  // far from every change
        QVERIFY(unifiedDiff(QStringLiteral("same\n"), QStringLiteral("same\n")).isEmpty());
    }

    void diffLineNumbersPointIntoBothSides()
    {
        const QList<DiffLine> lines = diffLines({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")},
                                                {QStringLiteral("a"), QStringLiteral("B"), QStringLiteral("c"), QStringLiteral("d")});
        QList<DiffLine::Kind> kinds;
        for (const auto &l : lines)
            kinds << l.kind;
        using K = DiffLine::Kind;
        QCOMPARE(kinds, (QList<K>{K::HunkHeader, K::Context, K::Removed, K::Added, K::Context, K::Added}));
        QCOMPARE(lines[2].oldLine, 2);
        QCOMPARE(lines[3].newLine, 2);
        QCOMPARE(lines[5].newLine, 4);
        QCOMPARE(lines[0].text, QStringLiteral("@@ -1,3 +1,4 @@"));
    }
};

QTEST_GUILESS_MAIN(TestYamlEdit)
#include "tst_yamledit.moc"
