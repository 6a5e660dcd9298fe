// Unit tests of the simulator's patch semantics: strategic merge by merge key and its directives.
#include "kube/objectstore.h"
#include "common/patch.h"

#include <QTest>

using pilothouse::sim::ApiException;
using pilothouse::sim::Json;
using namespace pilothouse::sim;

#define JCOMPARE(actual, expected) QCOMPARE(Json(actual).dump(), Json(expected).dump())

class TestSimPatch : public QObject {
    Q_OBJECT

    static Json deployment()
    {
        return Json::parse(R"({"metadata":{"name":"web","labels":{"app":"web"},"finalizers":["a"]},
          "spec":{"replicas":2,"template":{"spec":{
            "containers":[{"name":"web","image":"web:1","ports":[{"containerPort":8080,"name":"http"}],
                           "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
                          {"name":"sidecar","image":"proxy:1"}],
            "volumes":[{"name":"cfg","configMap":{"name":"cfg"}}],
            "tolerations":[{"key":"x","operator":"Exists"}]}}}})");
    }

private Q_SLOTS:
    void contentTypes()
    {
        QCOMPARE(patchTypeFromContentType("application/merge-patch+json"), PatchType::Merge);
        QCOMPARE(patchTypeFromContentType("application/json-patch+json"), PatchType::Json);
        QCOMPARE(patchTypeFromContentType("application/strategic-merge-patch+json; charset=utf-8"), PatchType::Strategic);
        QCOMPARE(patchTypeFromContentType("application/apply-patch+yaml"), PatchType::Apply);
        QCOMPARE(patchTypeFromContentType("text/plain"), PatchType::Unsupported);
    }

    void strategicMergesContainersByName()
    {
        Json out = applyStrategicMergePatch(deployment(), Json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"web:2"}]}}}})"));
        const Json &cs = out["spec"]["template"]["spec"]["containers"];
        QCOMPARE(cs.size(), size_t(2));
        JCOMPARE(cs[0]["image"], "web:2");
        JCOMPARE(cs[0]["env"][1]["value"], "2");  // untouched fields of the merged element stay
        JCOMPARE(cs[1]["name"], "sidecar");
    }

    void strategicAppendsNewKeysAndMergesNestedLists()
    {
        Json out = applyStrategicMergePatch(deployment(), Json::parse(
            R"({"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"20"},{"name":"C","value":"3"}]}]}}}})"));
        const Json &env = out["spec"]["template"]["spec"]["containers"][0]["env"];
        QCOMPARE(env.size(), size_t(3));
        JCOMPARE(env[1]["value"], "20");
        JCOMPARE(env[2]["name"], "C");
    }

    void strategicDeleteAndReplaceDirectives()
    {
        Json out = applyStrategicMergePatch(deployment(), Json::parse(
            R"({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}],
                                            "volumes":[{"$patch":"replace"},{"name":"other","emptyDir":{}}]}}}})"));
        QCOMPARE(out["spec"]["template"]["spec"]["containers"].size(), size_t(1));
        QCOMPARE(out["spec"]["template"]["spec"]["volumes"].size(), size_t(1));
        JCOMPARE(out["spec"]["template"]["spec"]["volumes"][0]["name"], "other");

        Json replacedMap = applyStrategicMergePatch(deployment(), Json::parse(R"({"metadata":{"labels":{"$patch":"replace","tier":"x"}}})"));
        JCOMPARE(replacedMap["metadata"]["labels"], Json::parse(R"({"tier":"x"})"));
    }

    void listsWithoutMergeKeyAreReplaced()
    {
        Json out = applyStrategicMergePatch(deployment(), Json::parse(R"({"spec":{"template":{"spec":{"tolerations":[{"key":"y","operator":"Exists"}]}}}})"));
        QCOMPARE(out["spec"]["template"]["spec"]["tolerations"].size(), size_t(1));
        JCOMPARE(out["spec"]["template"]["spec"]["tolerations"][0]["key"], "y");
    }

    void nullDeletesAndPrimitiveListDirectives()
    {
        Json out = applyStrategicMergePatch(deployment(), Json::parse(R"({"metadata":{"labels":{"app":null},"finalizers":["b"]}})"));
        QVERIFY(!out["metadata"]["labels"].contains("app"));
        JCOMPARE(out["metadata"]["finalizers"], Json::parse(R"(["a","b"])"));  // finalizers merge as a set
        Json removed = applyStrategicMergePatch(out, Json::parse(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}})"));
        JCOMPARE(removed["metadata"]["finalizers"], Json::parse(R"(["b"])"));
        // kubectl apply sends ordering hints; they change nothing here.
        Json ordered = applyStrategicMergePatch(deployment(), Json::parse(
            R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}]}}}})"));
        JCOMPARE(ordered, deployment());
    }

    void servicePortsMergeByPort()
    {
        Json svc = Json::parse(R"({"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443,"targetPort":8443}]}})");
        Json out = applyStrategicMergePatch(svc, Json::parse(R"({"spec":{"ports":[{"port":443,"targetPort":9443}]}})"));
        QCOMPARE(out["spec"]["ports"].size(), size_t(2));
        JCOMPARE(out["spec"]["ports"][1]["targetPort"], 9443);
    }

    void mergePatchReplacesLists()
    {
        Json out = applyMergePatch(deployment(), Json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"only","image":"x"}]}}}})"));
        QCOMPARE(out["spec"]["template"]["spec"]["containers"].size(), size_t(1));
    }

    void jsonPatchTestFailureIs422()
    {
        Json doc = Json::parse(R"({"metadata":{"resourceVersion":"7"}})");
        Json ok = applyJsonPatch(doc, Json::parse(R"([{"op":"test","path":"/metadata/resourceVersion","value":"7"},{"op":"add","path":"/x","value":1}])"));
        JCOMPARE(ok["x"], 1);
        try {
            applyJsonPatch(doc, Json::parse(R"([{"op":"test","path":"/metadata/resourceVersion","value":"6"}])"));
            QFAIL("a failing test op must throw");
        } catch (const ApiException &e) {
            QCOMPARE(e.code(), 422);
        }
        try {
            applyJsonPatch(doc, Json::parse(R"({"op":"add"})"));
            QFAIL("a JSON patch must be an array");
        } catch (const ApiException &e) {
            QCOMPARE(e.code(), 400);
        }
    }
};

QTEST_GUILESS_MAIN(TestSimPatch)
#include "tst_simpatch.moc"
