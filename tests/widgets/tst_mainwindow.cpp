// Tests the main window's welcome page and the connection indicator in its status bar.
#include "connectedwindow.h"
#include "shell/connectionstatuslabel.h"
#include "shell/mainwindow.h"
#include "shell/welcomepage.h"

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

using pilothouse::widgets::ConnectionStatusLabel;
using pilothouse::widgets::MainWindow;
using State = ConnectionStatusLabel::State;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void titleAndMinimumSize();
    void welcomePanelShowsKubeconfigPath();
    void pathIsShownLiterally();
    void notesWhetherTheFileExists();
    void showsContextOverride();
    void welcomeOffersNextSteps();
    void loadErrorIsShownOnTheWelcomePage();
    void statusLabelIsPermanentInStatusBar();
    void statusLabelStateTransitions_data();
    void statusLabelStateTransitions();
    void statusLabelSignalsOnlyOnChange();
};

namespace {

QLabel *label(const QWidget &root, const char *objectName)
{
    return root.findChild<QLabel *>(QLatin1String(objectName));
}

} // namespace

void TestMainWindow::titleAndMinimumSize()
{
    pilothouse::testsupport::ShellParts windowParts;
    auto windowPtr = windowParts.makeWindow(QStringLiteral("/tmp/none"));
    MainWindow &window = *windowPtr;
    QCOMPARE(window.windowTitle(), QStringLiteral("Pilothouse"));
    QVERIFY(window.minimumWidth() >= 1100);
    QVERIFY(window.minimumHeight() >= 700);
    QVERIFY(label(window, "welcomeHeadline"));
    QCOMPARE(label(window, "welcomeHeadline")->text(), QStringLiteral("No cluster connected"));
    QVERIFY(label(window, "welcomeBody")->text().contains(QStringLiteral("kubeconfig")));
}

void TestMainWindow::welcomePanelShowsKubeconfigPath()
{
    const QString path = QStringLiteral("/home/operator/.kube/prod-eu-west.yaml");
    pilothouse::testsupport::ShellParts windowParts;
    auto windowPtr = windowParts.makeWindow(path);
    MainWindow &window = *windowPtr;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QLabel *pathLabel = label(window, "kubeconfigPathLabel");
    QVERIFY(pathLabel);
    QCOMPARE(pathLabel->text(), path);
    QVERIFY(pathLabel->isVisible());
}

void TestMainWindow::pathIsShownLiterally()
{
    // Would render as markup, and lose "<b>", if the label guessed rich text.
    const QString path = QStringLiteral("/tmp/<b>odd</b> & dir/config");
    pilothouse::testsupport::ShellParts windowParts;
    auto windowPtr = windowParts.makeWindow(path);
    MainWindow &window = *windowPtr;
    QLabel *pathLabel = label(window, "kubeconfigPathLabel");
    QVERIFY(pathLabel);
    QCOMPARE(pathLabel->text(), path);
    QCOMPARE(pathLabel->textFormat(), Qt::PlainText);
}

void TestMainWindow::notesWhetherTheFileExists()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString missing = dir.filePath(QStringLiteral("missing"));
    pilothouse::testsupport::ShellParts missingWindowParts;
    auto missingWindowPtr = missingWindowParts.makeWindow(missing);
    MainWindow &missingWindow = *missingWindowPtr;
    QVERIFY(label(missingWindow, "kubeconfigPathNote")->text().contains(QStringLiteral("does not exist")));

    const QString present = dir.filePath(QStringLiteral("config"));
    QFile file(present);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("apiVersion: v1\nkind: Config\n");
    file.close();
    pilothouse::testsupport::ShellParts presentWindowParts;
    auto presentWindowPtr = presentWindowParts.makeWindow(present);
    MainWindow &presentWindow = *presentWindowPtr;
    QVERIFY(!label(presentWindow, "kubeconfigPathNote")->text().contains(QStringLiteral("does not exist")));
}

void TestMainWindow::showsContextOverride()
{
    pilothouse::testsupport::ShellParts withContextParts;
    auto withContextPtr = withContextParts.makeWindow(QStringLiteral("/tmp/k"), QStringLiteral("sim-viewer"));
    MainWindow &withContext = *withContextPtr;
    QCOMPARE(label(withContext, "contextLabel")->text(), QStringLiteral("sim-viewer"));

    pilothouse::testsupport::ShellParts withoutContextParts;
    auto withoutContextPtr = withoutContextParts.makeWindow(QStringLiteral("/tmp/k"));
    MainWindow &withoutContext = *withoutContextPtr;
    QVERIFY(label(withoutContext, "contextLabel")->text().contains(QStringLiteral("current-context")));
}

void TestMainWindow::welcomeOffersNextSteps()
{
    pilothouse::testsupport::ShellParts parts;
    parts.settings->addRecentKubeconfig(QStringLiteral("/home/op/.kube/staging"));
    parts.settings->addRecentKubeconfig(QStringLiteral("/home/op/.kube/prod"));
    auto window = parts.makeWindow(QStringLiteral("/tmp/none"));
    window->setDemoAvailable(true);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));

    auto *open = window->findChild<QPushButton *>(QStringLiteral("openKubeconfigButton"));
    QVERIFY(open && open->isVisible());
    QSignalSpy openSpy(window->welcomePage(), &pilothouse::widgets::shell::WelcomePage::openFileRequested);
    open->click();
    QCOMPARE(openSpy.count(), 1);

    // Recent files, newest first; a click asks the application to load that one.
    const auto recent = window->findChildren<QPushButton *>(QStringLiteral("recentKubeconfig"));
    QCOMPARE(recent.size(), 2);
    QCOMPARE(recent.at(0)->text(), QStringLiteral("/home/op/.kube/prod"));
    QSignalSpy chosen(window.get(), &MainWindow::kubeconfigChosen);
    recent.at(1)->click();
    QCOMPARE(chosen.count(), 1);
    QCOMPARE(chosen.at(0).at(0).toString(), QStringLiteral("/home/op/.kube/staging"));

    auto *demo = window->findChild<QPushButton *>(QStringLiteral("startDemoButton"));
    QVERIFY(demo && demo->isVisible());
    QSignalSpy demoSpy(window.get(), &MainWindow::demoRequested);
    demo->click();
    QCOMPARE(demoSpy.count(), 1);
    // Running the demo already: the button is not offered.
    window->setDemoAvailable(false);
    QVERIFY(!demo->isVisible());
}

void TestMainWindow::loadErrorIsShownOnTheWelcomePage()
{
    pilothouse::testsupport::ShellParts parts;
    auto window = parts.makeWindow(QStringLiteral("/tmp/none"));
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QLabel *error = label(*window, "kubeconfigError");
    QVERIFY(error && !error->isVisible());
    window->showLoadError(QStringLiteral("kubeconfig /tmp/none line 3: mapping values are not allowed"));
    QVERIFY(error->isVisible());
    QCOMPARE(error->text(), QStringLiteral("kubeconfig /tmp/none line 3: mapping values are not allowed"));
    QCOMPARE(window->connectionStatus()->state(), State::Error);
}

void TestMainWindow::statusLabelIsPermanentInStatusBar()
{
    pilothouse::testsupport::ShellParts windowParts;
    auto windowPtr = windowParts.makeWindow(QStringLiteral("/tmp/k"));
    MainWindow &window = *windowPtr;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto *status = window.findChild<ConnectionStatusLabel *>(QStringLiteral("connectionStatusLabel"));
    QVERIFY(status);
    QCOMPARE(status, window.connectionStatus());
    QVERIFY(window.statusBar()->isAncestorOf(status));
    QVERIFY(status->isVisible());
    QCOMPARE(status->state(), State::Disconnected);
    QCOMPARE(status->text(), QStringLiteral("Disconnected"));

    // A permanent widget stays visible while a temporary message is shown.
    window.statusBar()->showMessage(QStringLiteral("Listing pods…"));
    QVERIFY(status->isVisible());
}

void TestMainWindow::statusLabelStateTransitions_data()
{
    QTest::addColumn<State>("state");
    QTest::addColumn<QString>("detail");
    QTest::addColumn<QString>("expectedText");

    QTest::newRow("connecting") << State::Connecting << "sim-admin" << "Connecting to sim-admin…";
    QTest::newRow("live") << State::Live << "sim-admin" << "Live — sim-admin";
    QTest::newRow("live, no detail") << State::Live << "" << "Live";
    QTest::newRow("reconnecting") << State::Reconnecting << "" << "Reconnecting…";
    QTest::newRow("error")
        << State::Error << "x509: certificate signed by unknown authority"
        << "Error: x509: certificate signed by unknown authority";
    QTest::newRow("error, multi-line reason")
        << State::Error << "connection refused\n  (retrying)" << "Error: connection refused (retrying)";
    QTest::newRow("disconnected") << State::Disconnected << "" << "Disconnected";
}

void TestMainWindow::statusLabelStateTransitions()
{
    QFETCH(State, state);
    QFETCH(QString, detail);
    QFETCH(QString, expectedText);

    pilothouse::testsupport::ShellParts windowParts;
    auto windowPtr = windowParts.makeWindow(QStringLiteral("/tmp/k"));
    MainWindow &window = *windowPtr;
    ConnectionStatusLabel *status = window.connectionStatus();
    QLabel *shownText = status->findChild<QLabel *>(QStringLiteral("connectionStatusText"));
    QVERIFY(shownText);

    // Start from a different state so every row is a real transition.
    status->setState(state == State::Live ? State::Connecting : State::Live, QStringLiteral("previous"));
    const QString before = shownText->text();
    const QColor colorBefore = status->dotColor();

    status->setState(state, detail);
    QCOMPARE(status->state(), state);
    QCOMPARE(status->text(), expectedText);
    QCOMPARE(shownText->text(), expectedText);
    QVERIFY(shownText->text() != before);
    QCOMPARE(status->dotColor(), ConnectionStatusLabel::colorFor(state));
    QVERIFY(status->dotColor() != colorBefore);
    QVERIFY(status->toolTip().contains(expectedText));
}

void TestMainWindow::statusLabelSignalsOnlyOnChange()
{
    ConnectionStatusLabel status;
    QSignalSpy spy(&status, &ConnectionStatusLabel::stateChanged);
    status.setState(State::Connecting, QStringLiteral("sim-admin"));
    status.setState(State::Connecting, QStringLiteral("sim-admin"));
    QCOMPARE(spy.count(), 1);
    status.setState(State::Live, QStringLiteral("sim-admin"));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).value<State>(), State::Live);

    // Every state has its own colour, so the dot alone tells them apart.
    QSet<QRgb> colors;
    for (State s : {State::Disconnected, State::Connecting, State::Live, State::Reconnecting, State::Error})
        colors.insert(ConnectionStatusLabel::colorFor(s).rgb());
    QCOMPARE(colors.size(), 5);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
