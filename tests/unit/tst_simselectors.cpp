// Unit tests of label and field selectors as the simulator parses and matches them.
#include "kube/objectstore.h"
#include "common/selectors.h"

#include <QTest>

using namespace pilothouse::sim;

class TestSimSelectors : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void labelSelector_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<bool>("matches");
        // labels: app=web, tier=front
        QTest::newRow("empty") << "" << true;
        QTest::newRow("equals") << "app=web" << true;
        QTest::newRow("double equals") << "app==web" << true;
        QTest::newRow("equals other") << "app=api" << false;
        QTest::newRow("not equals") << "app!=api" << true;
        QTest::newRow("not equals missing key") << "zone!=a" << true;
        QTest::newRow("in") << "tier in (front,back)" << true;
        QTest::newRow("in miss") << "tier in (back)" << false;
        QTest::newRow("notin") << "tier notin (back)" << true;
        QTest::newRow("notin hit") << "tier notin (front)" << false;
        QTest::newRow("exists") << "tier" << true;
        QTest::newRow("exists miss") << "zone" << false;
        QTest::newRow("not exists") << "!zone" << true;
        QTest::newRow("not exists hit") << "!app" << false;
        QTest::newRow("conjunction") << "app=web,tier in (front),!zone" << true;
        QTest::newRow("conjunction miss") << "app=web,tier=back" << false;
    }
    void labelSelector()
    {
        QFETCH(QString, selector);
        QFETCH(bool, matches);
        Json labels = {{"app", "web"}, {"tier", "front"}};
        QCOMPARE(LabelSelector::parse(selector.toStdString()).matches(&labels), matches);
    }

    void labelSelectorFromObject()
    {
        Json sel = Json::parse(R"({"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["front"]}]})");
        Json yes = {{"app", "web"}, {"tier", "front"}};
        Json no = {{"app", "web"}, {"tier", "back"}};
        LabelSelector s = LabelSelector::fromObject(sel);
        QVERIFY(s.matches(&yes));
        QVERIFY(!s.matches(&no));
        QCOMPARE(QString::fromStdString(s.toString()), QStringLiteral("app=web,tier in (front)"));
    }

    void badSyntaxIsBadRequest()
    {
        for (const char *bad : {"app=web,,", "tier in front", "a b c=d"}) {
            try {
                LabelSelector::parse(bad);
                QFAIL(bad);
            } catch (const ApiException &e) {
                QCOMPARE(e.code(), 400);
            }
        }
    }

    void fieldSelector()
    {
        Json ev = Json::parse(R"({"metadata":{"name":"e1","namespace":"demo"},"involvedObject":{"name":"web","kind":"Pod"},"spec":{}})");
        QVERIFY(FieldSelector::parse("involvedObject.name=web,involvedObject.kind=Pod").matches(ev));
        QVERIFY(!FieldSelector::parse("involvedObject.name=api").matches(ev));
        QVERIFY(FieldSelector::parse("metadata.namespace!=kube-system").matches(ev));
        // An unset field matches the empty value, as spec.nodeName= selects unscheduled pods.
        QVERIFY(FieldSelector::parse("spec.nodeName=").matches(ev));
        QCOMPARE(QString::fromStdString(FieldSelector::parse("metadata.name=e1").pinnedName()), QStringLiteral("e1"));
    }
};

QTEST_GUILESS_MAIN(TestSimSelectors)
#include "tst_simselectors.moc"
