// The command palette on the offscreen platform: typing, the keys, running, closing, "/" filters.
#include "shell/commandpalette.h"

#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QVBoxLayout>

using pilothouse::models::PaletteCommand;
using pilothouse::models::PaletteModel;
using pilothouse::widgets::shell::CommandPalette;

class TestCommandPalette : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void objectNamesAndPlacement();
    void typingFiltersAndEnterRunsTheSelectedCommand();
    void escapeClosesWithoutRunning();
    void slashRequestsAPageFilter();
    void disabledCommandShowsItsReasonInsteadOfRunning();
    void clickRuns();
    void navigationKeysKeepFocusInTheInput();
    void atMostTenRowsVisible();
    void recentAndInitialText();
    void clickOutsideCloses();
    void paintsEveryKindOfRow();

private:
    QList<PaletteCommand> commands();
    QList<PaletteCommand> many(int count);
    QString currentTitle() const;

    QWidget *m_window = nullptr;
    QPushButton *m_button = nullptr;
    CommandPalette *m_palette = nullptr;
    QStringList m_ran;
    bool m_ranWhileVisible = false;
};

QList<PaletteCommand> TestCommandPalette::commands()
{
    QList<PaletteCommand> result;
    auto add = [&](const QString &id, const QString &title, const QString &subtitle, const QString &category,
                   const QString &shortcut = {}, const QString &disabled = {}) {
        result.append({id, title, subtitle, category, QStringLiteral("page-resources"), shortcut, disabled, [this, id] {
                           m_ran.append(id);
                           m_ranWhileVisible = m_palette->isVisible();
                       }});
    };
    add(QStringLiteral("page:resources"), QStringLiteral("Resources"), QStringLiteral("Page"),
        PaletteModel::categoryPages, QStringLiteral("Ctrl+1"));
    add(QStringLiteral("page:rollouts"), QStringLiteral("Rollouts"), QStringLiteral("Page"),
        PaletteModel::categoryPages, QStringLiteral("Ctrl+2"));
    add(QStringLiteral("kind:statefulsets.apps"), QStringLiteral("StatefulSets"), QStringLiteral("apps/v1"),
        PaletteModel::categoryKinds);
    add(QStringLiteral("object:pods/shop/frontend-7f9c"), QStringLiteral("frontend-7f9c"), QStringLiteral("shop · Pod"),
        PaletteModel::categoryObjects);
    add(QStringLiteral("action:promote:rollouts.argoproj.io/shop/storefront"), QStringLiteral("Promote storefront"),
        QStringLiteral("Rollout"), PaletteModel::categoryActions);
    add(QStringLiteral("action:restart:rollouts.argoproj.io/shop/storefront"), QStringLiteral("Restart storefront"),
        QStringLiteral("Rollout"), PaletteModel::categoryActions, QString(),
        QStringLiteral("Needs patch permission on rollouts in shop"));
    add(QStringLiteral("command:palette"), QStringLiteral("Command palette"), QString(), PaletteModel::categoryCommands,
        QStringLiteral("Ctrl+K"));
    return result;
}

QList<PaletteCommand> TestCommandPalette::many(int count)
{
    QList<PaletteCommand> result;
    for (int i = 0; i < count; ++i) {
        const QString id = QStringLiteral("object:pods/shop/web-%1").arg(i);
        result.append({id, QStringLiteral("web-%1").arg(i), QStringLiteral("shop · Pod"),
                       PaletteModel::categoryObjects, {}, {}, {}, [this, id] { m_ran.append(id); }});
    }
    return result;
}

QString TestCommandPalette::currentTitle() const
{
    return m_palette->list()->currentIndex().data().toString();
}

void TestCommandPalette::init()
{
    m_ran.clear();
    m_ranWhileVisible = false;
    m_window = new QWidget;
    m_window->resize(1000, 700);
    auto *layout = new QVBoxLayout(m_window);
    m_button = new QPushButton(QStringLiteral("Elsewhere"), m_window);
    layout->addWidget(m_button);
    layout->addStretch();
    m_palette = new CommandPalette(m_window);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window));
    m_button->setFocus();
}

void TestCommandPalette::cleanup()
{
    delete m_window;
    m_window = nullptr;
    m_palette = nullptr;
}

void TestCommandPalette::objectNamesAndPlacement()
{
    QVERIFY(!m_palette->isVisible());
    m_palette->open(commands());
    QVERIFY(m_palette->isVisible());
    QCOMPARE(m_palette->objectName(), QStringLiteral("commandPalette"));
    QCOMPARE(m_palette->input()->objectName(), QStringLiteral("paletteInput"));
    QCOMPARE(m_palette->list()->objectName(), QStringLiteral("paletteList"));
    QVERIFY(m_palette->input()->placeholderText().contains(QStringLiteral("> actions")));
    QCOMPARE(m_window->findChild<QLineEdit *>(QStringLiteral("paletteInput")), m_palette->input());
    QVERIFY(m_palette->input()->hasFocus());

    // Centred, at most 640 wide, its top in the window's top third.
    const QRect g = m_palette->geometry();
    QCOMPARE(g.left() + g.width() / 2, m_window->width() / 2);
    QVERIFY(g.width() <= 640);
    QVERIFY(g.width() >= 420);
    QVERIFY(g.top() > 0);
    QVERIFY(g.top() < m_window->height() / 3);

    m_window->resize(700, 600);
    QTRY_COMPARE(m_palette->geometry().left() + m_palette->width() / 2, 350);
    QVERIFY(m_palette->width() < 640);
}

void TestCommandPalette::typingFiltersAndEnterRunsTheSelectedCommand()
{
    QSignalSpy recent(m_palette, &CommandPalette::recentChanged);
    QSignalSpy closed(m_palette, &CommandPalette::closed);
    m_palette->open(commands());
    QTest::keyClicks(m_palette->input(), QStringLiteral("front"));
    QCOMPARE(m_palette->model()->filter(), QStringLiteral("front"));
    // The object whose name starts with "front" first, then the storefront actions.
    QCOMPARE(currentTitle(), QStringLiteral("frontend-7f9c"));
    QCOMPARE(m_palette->model()->index(1).data().toString(), QStringLiteral("Promote storefront"));

    QTest::keyClick(m_palette->input(), Qt::Key_Down);
    QCOMPARE(currentTitle(), QStringLiteral("Promote storefront"));
    QTest::keyClick(m_palette->input(), Qt::Key_Return);

    QCOMPARE(m_ran, QStringList{QStringLiteral("action:promote:rollouts.argoproj.io/shop/storefront")});
    QVERIFY2(!m_ranWhileVisible, "the palette closes before the command runs");
    QVERIFY(!m_palette->isVisible());
    QCOMPARE(closed.count(), 1);
    QCOMPARE(recent.count(), 1);
    QCOMPARE(recent.at(0).at(0).toStringList().value(0),
             QStringLiteral("action:promote:rollouts.argoproj.io/shop/storefront"));
    QCOMPARE(m_palette->recent().value(0), QStringLiteral("action:promote:rollouts.argoproj.io/shop/storefront"));
    // The focus goes back where it was.
    QTRY_VERIFY(m_button->hasFocus());
}

void TestCommandPalette::escapeClosesWithoutRunning()
{
    QSignalSpy closed(m_palette, &CommandPalette::closed);
    QSignalSpy recent(m_palette, &CommandPalette::recentChanged);
    m_palette->open(commands());
    QTest::keyClicks(m_palette->input(), QStringLiteral("front"));
    QTest::keyClick(m_palette->input(), Qt::Key_Escape);
    QVERIFY(!m_palette->isVisible());
    QVERIFY(m_ran.isEmpty());
    QCOMPARE(closed.count(), 1);
    QCOMPARE(recent.count(), 0);

    // Opening again starts over with the text given.
    m_palette->open(commands());
    QVERIFY(m_palette->input()->text().isEmpty());
    QCOMPARE(currentTitle(), QStringLiteral("Resources"));
}

void TestCommandPalette::slashRequestsAPageFilter()
{
    QSignalSpy filter(m_palette, &CommandPalette::filterRequested);
    m_palette->open(commands());
    QTest::keyClicks(m_palette->input(), QStringLiteral("/web-1"));
    QCOMPARE(m_palette->model()->rowCount(), 0);
    QVERIFY(m_palette->footer()->text().contains(QStringLiteral("web-1")));
    QCOMPARE(filter.count(), 0);
    QTest::keyClick(m_palette->input(), Qt::Key_Enter);
    QCOMPARE(filter.count(), 1);
    QCOMPARE(filter.at(0).at(0).toString(), QStringLiteral("web-1"));
    QVERIFY(!m_palette->isVisible());
    QVERIFY(m_ran.isEmpty());
}

void TestCommandPalette::disabledCommandShowsItsReasonInsteadOfRunning()
{
    QSignalSpy recent(m_palette, &CommandPalette::recentChanged);
    m_palette->open(commands(), QStringLiteral(">restart"));
    QCOMPARE(m_palette->input()->text(), QStringLiteral(">restart"));
    QCOMPARE(currentTitle(), QStringLiteral("Restart storefront"));
    const QString reason = QStringLiteral("Needs patch permission on rollouts in shop");
    QCOMPARE(m_palette->list()->currentIndex().data(Qt::ToolTipRole).toString(), reason);
    QVERIFY(!m_palette->footer()->text().contains(reason));

    QTest::keyClick(m_palette->input(), Qt::Key_Return);
    QVERIFY(m_ran.isEmpty());
    QVERIFY(m_palette->isVisible());
    QCOMPARE(m_palette->footer()->text(), reason);
    QCOMPARE(recent.count(), 0);
    QVERIFY(!m_palette->runCurrent());
}

void TestCommandPalette::clickRuns()
{
    m_palette->open(commands());
    QTest::keyClicks(m_palette->input(), QStringLiteral("roll"));
    QCOMPARE(m_palette->model()->index(0).data().toString(), QStringLiteral("Rollouts"));
    const QRect rect = m_palette->list()->visualRect(m_palette->model()->index(0));
    QVERIFY(rect.isValid());
    QTest::mouseClick(m_palette->list()->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(m_ran, QStringList{QStringLiteral("page:rollouts")});
    QVERIFY(!m_palette->isVisible());
}

void TestCommandPalette::navigationKeysKeepFocusInTheInput()
{
    m_palette->open(many(30), QStringLiteral("@"));
    QLineEdit *input = m_palette->input();
    QCOMPARE(currentTitle(), QStringLiteral("web-0"));
    QTest::keyClick(input, Qt::Key_Down);
    QCOMPARE(currentTitle(), QStringLiteral("web-1"));
    QTest::keyClick(input, Qt::Key_PageDown);
    QCOMPARE(currentTitle(), QStringLiteral("web-10"));
    QTest::keyClick(input, Qt::Key_End);
    QCOMPARE(currentTitle(), QStringLiteral("web-29"));
    QTest::keyClick(input, Qt::Key_Down);  // wraps
    QCOMPARE(currentTitle(), QStringLiteral("web-0"));
    QTest::keyClick(input, Qt::Key_Up);  // wraps back
    QCOMPARE(currentTitle(), QStringLiteral("web-29"));
    QTest::keyClick(input, Qt::Key_PageUp);
    QCOMPARE(currentTitle(), QStringLiteral("web-20"));
    QTest::keyClick(input, Qt::Key_Home);
    QCOMPARE(currentTitle(), QStringLiteral("web-0"));
    QVERIFY(input->hasFocus());
    QCOMPARE(input->text(), QStringLiteral("@"));
    QTest::keyClick(input, Qt::Key_Return);
    QCOMPARE(m_ran, QStringList{QStringLiteral("object:pods/shop/web-0")});
}

void TestCommandPalette::atMostTenRowsVisible()
{
    m_palette->open(many(30), QStringLiteral("@"));
    QListView *list = m_palette->list();
    const int row = list->sizeHintForRow(0);
    QVERIFY(row > 0);
    QCOMPARE(list->height(), 10 * row + 2 * list->frameWidth());
    QTest::keyClicks(m_palette->input(), QStringLiteral("web-2"));  // web-2, web-12, web-20…web-29
    QCOMPARE(m_palette->model()->rowCount(), 12);
    QCOMPARE(list->height(), 10 * row + 2 * list->frameWidth());
    QTest::keyClick(m_palette->input(), Qt::Key_9);  // web-29 only
    QCOMPARE(m_palette->model()->rowCount(), 1);
    QCOMPARE(list->height(), row + 2 * list->frameWidth());
    QTest::keyClick(m_palette->input(), Qt::Key_Z);
    QVERIFY(list->isHidden());
    QVERIFY(m_palette->footer()->text().contains(QStringLiteral("No matching")));
}

void TestCommandPalette::recentAndInitialText()
{
    m_palette->setRecent({QStringLiteral("kind:statefulsets.apps")});
    QCOMPARE(m_palette->recent(), QStringList{QStringLiteral("kind:statefulsets.apps")});
    m_palette->open(commands());
    QCOMPARE(currentTitle(), QStringLiteral("StatefulSets"));
    QTest::keyClick(m_palette->input(), Qt::Key_Escape);

    m_palette->open(commands(), QStringLiteral(">"));
    QCOMPARE(m_palette->model()->scope(), PaletteModel::Scope::Actions);
    QCOMPARE(m_palette->input()->cursorPosition(), 1);
    QVERIFY(!m_palette->input()->hasSelectedText());
    QCOMPARE(m_palette->model()->rowCount(), 3);
}

void TestCommandPalette::clickOutsideCloses()
{
    QSignalSpy closed(m_palette, &CommandPalette::closed);
    m_palette->open(commands());
    QTest::mouseClick(m_button, Qt::LeftButton);
    QVERIFY(!m_palette->isVisible());
    QCOMPARE(closed.count(), 1);
    QVERIFY(m_ran.isEmpty());
}

void TestCommandPalette::paintsEveryKindOfRow()
{
    // Selected, disabled, with and without shortcut, subtitle and match positions, and a title
    // too long for the row: all painted without tripping anything.
    QList<PaletteCommand> list = commands();
    list.append({QStringLiteral("object:long"), QString(200, QLatin1Char('f')) + QStringLiteral("-front"),
                 QStringLiteral("a very long subtitle that will not fit either"), PaletteModel::categoryObjects, {},
                 {}, {}, {}});
    m_palette->open(list, QStringLiteral("f"));
    QVERIFY(m_palette->model()->rowCount() >= 4);
    const QImage image = m_palette->grab().toImage();
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), m_palette->size() * m_palette->devicePixelRatio());
}

QTEST_MAIN(TestCommandPalette)
#include "tst_commandpalette.moc"
