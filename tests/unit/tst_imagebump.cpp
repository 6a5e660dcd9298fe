// Image tag bumps as pure text edits: only the image scalar changes, everything else byte for byte.
#include "gitops/imagebump.h"

#include <QTest>

using namespace pilothouse::backends;
using namespace pilothouse::backends::gitops;

class TestImageBump : public QObject {
    Q_OBJECT
private slots:
    void imageRefParse_data();
    void imageRefParse();
    void keepsCommentsAndLayout();
    void keepsQuoting_data();
    void keepsQuoting();
    void flowStyle();
    void multipleContainersByName();
    void byRepository();
    void multiDocument();
    void dropsDigest();
    void imageNotFound();
    void notYaml();
    void invalidTag();
    void escapedScalarRefused();
    void listsImages();
    void crlfAndBom();
    void nonAsciiBeforeTheImage();
};

static const char *kRollout = R"(# Storefront: blue-green, promoted by hand.
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: storefront   # the shop's front end
  namespace: shop
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: storefront
          image: registry.pilothouse.dev/shop/storefront:169   # bumped by the pipeline
          ports:
            - containerPort: 8080
        - name: sidecar
          image: registry.pilothouse.dev/mesh/proxy:1.19
  strategy:
    blueGreen: {activeService: storefront, previewService: storefront-preview}
)";

void TestImageBump::imageRefParse_data()
{
    QTest::addColumn<QString>("image");
    QTest::addColumn<QString>("repository");
    QTest::addColumn<QString>("tag");
    QTest::addColumn<QString>("digest");
    QTest::newRow("plain") << "nginx" << "nginx" << "" << "";
    QTest::newRow("tag") << "nginx:1.25" << "nginx" << "1.25" << "";
    QTest::newRow("registry port, no tag") << "localhost:5000/app" << "localhost:5000/app" << "" << "";
    QTest::newRow("registry port and tag") << "localhost:5000/team/app:7" << "localhost:5000/team/app" << "7" << "";
    QTest::newRow("digest") << "r.io/a/b:1@sha256:abc" << "r.io/a/b" << "1" << "sha256:abc";
}

void TestImageBump::imageRefParse()
{
    QFETCH(QString, image);
    QFETCH(QString, repository);
    QFETCH(QString, tag);
    QFETCH(QString, digest);
    const ImageRef ref = ImageRef::parse(image);
    QCOMPARE(ref.repository, repository);
    QCOMPARE(ref.tag, tag);
    QCOMPARE(ref.digest, digest);
    QCOMPARE(ref.toString(), image);
}

void TestImageBump::keepsCommentsAndLayout()
{
    const QString before = QString::fromUtf8(kRollout);
    const auto bump = bumpImageTag(before, {QStringLiteral("storefront"), {}}, QStringLiteral("170"), QStringLiteral("apps/storefront/rollout.yaml"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    QString expected = before;
    expected.replace(QStringLiteral("storefront:169   #"), QStringLiteral("storefront:170   #"));
    QCOMPARE(bump.value().text, expected);
    QCOMPARE(bump.value().changes.size(), 1);
    const ImageChange &c = bump.value().changes.first();
    QCOMPARE(c.before, QStringLiteral("registry.pilothouse.dev/shop/storefront:169"));
    QCOMPARE(c.after, QStringLiteral("registry.pilothouse.dev/shop/storefront:170"));
    QCOMPARE(c.where.line, 13);
    QCOMPARE(c.where.kind, QStringLiteral("Rollout"));
    QCOMPARE(c.where.workload, QStringLiteral("storefront"));
}

void TestImageBump::keepsQuoting_data()
{
    QTest::addColumn<QString>("before");
    QTest::addColumn<QString>("after");
    QTest::newRow("double") << "spec:\n  containers:\n  - name: web\n    image: \"r.io/web:1\" # quoted\n"
                            << "spec:\n  containers:\n  - name: web\n    image: \"r.io/web:2\" # quoted\n";
    QTest::newRow("single") << "spec:\n  containers:\n  - image: 'r.io/web:1'\n    name: web\n"
                            << "spec:\n  containers:\n  - image: 'r.io/web:2'\n    name: web\n";
    QTest::newRow("plain, trailing spaces") << "spec:\n    containers:\n      -   name: web\n          image:    r.io/web:1   \n"
                                            << "spec:\n    containers:\n      -   name: web\n          image:    r.io/web:2   \n";
    QTest::newRow("no trailing newline") << "containers:\n- name: web\n  image: r.io/web:1"
                                         << "containers:\n- name: web\n  image: r.io/web:2";
    QTest::newRow("untagged gets a tag") << "containers:\n- name: web\n  image: r.io/web\n"
                                         << "containers:\n- name: web\n  image: r.io/web:2\n";
}

void TestImageBump::keepsQuoting()
{
    QFETCH(QString, before);
    QFETCH(QString, after);
    const auto bump = bumpImageTag(before, {QStringLiteral("web"), {}}, QStringLiteral("2"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    QCOMPARE(bump.value().text, after);
}

void TestImageBump::flowStyle()
{
    const QString before = QStringLiteral("spec: {template: {spec: {containers: [{name: web, image: r.io/web:1, ports: [80]}, {name: db, image: \"r.io/db:5\"}]}}}\n");
    auto bump = bumpImageTag(before, {QStringLiteral("web"), {}}, QStringLiteral("1.1"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    QCOMPARE(bump.value().text, QStringLiteral("spec: {template: {spec: {containers: [{name: web, image: r.io/web:1.1, ports: [80]}, {name: db, image: \"r.io/db:5\"}]}}}\n"));
    bump = bumpImageTag(before, {QStringLiteral("db"), {}}, QStringLiteral("6"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    QCOMPARE(bump.value().text, QStringLiteral("spec: {template: {spec: {containers: [{name: web, image: r.io/web:1, ports: [80]}, {name: db, image: \"r.io/db:6\"}]}}}\n"));
}

void TestImageBump::multipleContainersByName()
{
    const auto bump = bumpImageTag(QString::fromUtf8(kRollout), {QStringLiteral("sidecar"), {}}, QStringLiteral("1.20"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    QVERIFY(bump.value().text.contains(QStringLiteral("image: registry.pilothouse.dev/shop/storefront:169   # bumped")));
    QVERIFY(bump.value().text.contains(QStringLiteral("image: registry.pilothouse.dev/mesh/proxy:1.20\n")));
    QCOMPARE(bump.value().changes.size(), 1);
    QCOMPARE(bump.value().changes.first().where.container, QStringLiteral("sidecar"));
}

void TestImageBump::byRepository()
{
    const QString before = QStringLiteral(
        "kind: Deployment\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: migrate\n        image: r.io/shop/api:3\n"
        "      containers:\n      - name: api\n        image: r.io/shop/api:3\n      - name: cache\n        image: r.io/shop/apicache:3\n");
    const auto bump = bumpImageTag(before, {{}, QStringLiteral("r.io/shop/api")}, QStringLiteral("4"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    // Both the init container and the container run that image; the similar-named one stays.
    QCOMPARE(bump.value().changes.size(), 2);
    QString expected = before;
    expected.replace(QStringLiteral("r.io/shop/api:3"), QStringLiteral("r.io/shop/api:4"));
    QCOMPARE(bump.value().text, expected);
    QVERIFY(bump.value().text.contains(QStringLiteral("r.io/shop/apicache:3")));

    // Container and repository together must both match.
    const auto none = bumpImageTag(before, {QStringLiteral("cache"), QStringLiteral("r.io/shop/api")}, QStringLiteral("4"));
    QVERIFY(!none.ok());
    QCOMPARE(none.error().kind, ErrorKind::NotFound);
}

void TestImageBump::multiDocument()
{
    const QString before = QStringLiteral(
        "# services first\napiVersion: v1\nkind: Service\nmetadata: {name: menu}\nspec: {selector: {app: menu}}\n---\n"
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: menu\nspec:\n  template:\n    spec:\n      containers:\n"
        "      - name: menu\n        image: registry.pilothouse.dev/cafe/menu:42\n---\n"
        "kind: CronJob\nmetadata:\n  name: menu-report\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n"
        "          - name: report\n            image: registry.pilothouse.dev/cafe/menu:42\n");
    auto bump = bumpImageTag(before, {QStringLiteral("menu"), {}}, QStringLiteral("43"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    QCOMPARE(bump.value().changes.size(), 1);
    QCOMPARE(bump.value().changes.first().where.document, 1);
    QCOMPARE(bump.value().changes.first().where.kind, QStringLiteral("Rollout"));
    QCOMPARE(bump.value().changes.first().where.line, 16);
    QCOMPARE(bump.value().text.count(QStringLiteral("menu:43")), 1);
    QCOMPARE(bump.value().text.count(QStringLiteral("menu:42")), 1);
    QVERIFY(bump.value().text.startsWith(QStringLiteral("# services first\n")));

    bump = bumpImageTag(before, {{}, QStringLiteral("registry.pilothouse.dev/cafe/menu")}, QStringLiteral("43"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    QCOMPARE(bump.value().changes.size(), 2);
    QCOMPARE(bump.value().changes.at(1).where.document, 2);
    QCOMPARE(bump.value().changes.at(1).where.workload, QStringLiteral("menu-report"));
    QString expected = before;
    expected.replace(QStringLiteral("menu:42"), QStringLiteral("menu:43"));
    QCOMPARE(bump.value().text, expected);
}

void TestImageBump::dropsDigest()
{
    const auto bump = bumpImageTag(QStringLiteral("containers:\n- name: a\n  image: r.io/a:1@sha256:0123abcd\n"), {QStringLiteral("a"), {}},
                                   QStringLiteral("2"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    QCOMPARE(bump.value().text, QStringLiteral("containers:\n- name: a\n  image: r.io/a:2\n"));
}

void TestImageBump::imageNotFound()
{
    const auto bump = bumpImageTag(QString::fromUtf8(kRollout), {QStringLiteral("checkout"), {}}, QStringLiteral("2"), QStringLiteral("apps/x.yaml"));
    QVERIFY(!bump.ok());
    QCOMPARE(bump.error().kind, ErrorKind::NotFound);
    // The message names what was looked for, the file, and what is there instead.
    QVERIFY2(bump.error().message.contains(QStringLiteral("container 'checkout'")), qPrintable(bump.error().message));
    QVERIFY(bump.error().message.contains(QStringLiteral("apps/x.yaml")));
    QVERIFY(bump.error().message.contains(QStringLiteral("storefront (registry.pilothouse.dev/shop/storefront:169)")));

    const auto empty = bumpImageTag(QStringLiteral("kind: ConfigMap\ndata: {image: r.io/a:1}\n"), {{}, QStringLiteral("r.io/a")}, QStringLiteral("2"));
    QVERIFY(!empty.ok());
    QCOMPARE(empty.error().kind, ErrorKind::NotFound);
    QVERIFY2(empty.error().message.contains(QStringLiteral("no containers")), qPrintable(empty.error().message));
}

void TestImageBump::notYaml()
{
    const auto bump = bumpImageTag(QStringLiteral("kind: Rollout\nspec:\n  containers: [\n  - name: a\n"), {QStringLiteral("a"), {}}, QStringLiteral("2"),
                                   QStringLiteral("apps/bad.yaml"));
    QVERIFY(!bump.ok());
    QCOMPARE(bump.error().kind, ErrorKind::Malformed);
    QVERIFY2(bump.error().message.startsWith(QStringLiteral("apps/bad.yaml is not valid YAML: line ")), qPrintable(bump.error().message));
}

void TestImageBump::invalidTag()
{
    for (const QString &tag : {QStringLiteral(""), QStringLiteral("1 0"), QStringLiteral(".hidden"), QStringLiteral("a:b"), QString(129, QLatin1Char('a'))}) {
        const auto bump = bumpImageTag(QString::fromUtf8(kRollout), {QStringLiteral("storefront"), {}}, tag);
        QVERIFY2(!bump.ok(), qPrintable(tag));
        QCOMPARE(bump.error().kind, ErrorKind::Invalid);
    }
    QVERIFY(isValidTag(QStringLiteral("v1.2.3-rc_1")));
}

void TestImageBump::escapedScalarRefused()
{
    const QString before = QStringLiteral("containers:\n- name: a\n  image: \"r.io/\\x61:1\"\n");
    const auto bump = bumpImageTag(before, {QStringLiteral("a"), {}}, QStringLiteral("2"));
    QVERIFY(!bump.ok());
    QCOMPARE(bump.error().kind, ErrorKind::Invalid);
    QVERIFY2(bump.error().message.contains(QStringLiteral("by hand")), qPrintable(bump.error().message));
}

void TestImageBump::listsImages()
{
    const auto images = findContainerImages(QString::fromUtf8(kRollout));
    QVERIFY(images.ok());
    QCOMPARE(images.value().size(), 2);
    QCOMPARE(images.value().at(0).container, QStringLiteral("storefront"));
    QCOMPARE(images.value().at(1).image, QStringLiteral("registry.pilothouse.dev/mesh/proxy:1.19"));
    QCOMPARE(images.value().at(1).line, 17);
}

void TestImageBump::crlfAndBom()
{
    const QString before = QString(QChar(0xFEFF)) + QStringLiteral("# c\r\ncontainers:\r\n- name: a # x\r\n  image: r.io/a:1\r\n");
    const auto bump = bumpImageTag(before, {QStringLiteral("a"), {}}, QStringLiteral("2"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    QCOMPARE(bump.value().text, QString(QChar(0xFEFF)) + QStringLiteral("# c\r\ncontainers:\r\n- name: a # x\r\n  image: r.io/a:2\r\n"));
}

void TestImageBump::nonAsciiBeforeTheImage()
{
    // yaml-cpp's columns count bytes; text before the image on its line is not ASCII here.
    const QString before = QStringLiteral("# Café menu ☕\ncontainers:\n- {name: \"café\", image: r.io/café:1} # größer\n");
    const auto bump = bumpImageTag(before, {QStringLiteral("café"), {}}, QStringLiteral("2"));
    QVERIFY2(bump.ok(), qPrintable(bump.error().message));
    QCOMPARE(bump.value().text, QStringLiteral("# Café menu ☕\ncontainers:\n- {name: \"café\", image: r.io/café:2} # größer\n"));
}

QTEST_GUILESS_MAIN(TestImageBump)
#include "tst_imagebump.moc"
