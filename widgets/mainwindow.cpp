// Lays out the main window: the welcome panel shown until a cluster is connected.
#include "mainwindow.h"

#include "connectionstatuslabel.h"

#include <QFileInfo>
#include <QFontDatabase>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QStatusBar>
#include <QVBoxLayout>

namespace pilothouse::widgets {

namespace {

// Long lines are hard to read; the panel keeps to a comfortable measure and centres.
constexpr int WelcomePanelWidth = 620;

QLabel *makeLabel(const QString &objectName, const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setObjectName(objectName);
    // Paths and context names are user data; "<" or "&" in them must show as typed.
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    return label;
}

} // namespace

MainWindow::MainWindow(const QString &kubeconfigPath, const QString &context, QWidget *parent)
    : QMainWindow(parent)
    , m_kubeconfigPath(kubeconfigPath)
    , m_context(context)
    , m_connectionStatus(new ConnectionStatusLabel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Pilothouse"));
    setMinimumSize(1100, 700);

    setCentralWidget(createWelcomePanel());

    statusBar()->setObjectName(QStringLiteral("mainStatusBar"));
    statusBar()->addPermanentWidget(m_connectionStatus);
    m_connectionStatus->setState(ConnectionStatusLabel::State::Disconnected);
}

QWidget *MainWindow::createWelcomePanel()
{
    auto *page = new QWidget(this);
    page->setObjectName(QStringLiteral("welcomePage"));

    auto *panel = new QFrame(page);
    panel->setObjectName(QStringLiteral("welcomePanel"));
    panel->setFrameShape(QFrame::StyledPanel);
    panel->setFixedWidth(WelcomePanelWidth);

    auto *headline = makeLabel(QStringLiteral("welcomeHeadline"), tr("No cluster connected"), panel);
    QFont headlineFont = headline->font();
    headlineFont.setPointSizeF(headlineFont.pointSizeF() * 1.8);
    headlineFont.setBold(true);
    headline->setFont(headlineFont);

    auto *body = makeLabel(QStringLiteral("welcomeBody"),
                           tr("Pilothouse connects to a Kubernetes cluster through a context in a "
                              "kubeconfig file, the same file kubectl uses. It signs in with that "
                              "context's credentials and then watches the cluster live."),
                           panel);

    auto *pathCaption = makeLabel(QStringLiteral("kubeconfigCaption"), tr("Kubeconfig"), panel);
    QFont captionFont = pathCaption->font();
    captionFont.setBold(true);
    pathCaption->setFont(captionFont);

    auto *path = makeLabel(QStringLiteral("kubeconfigPathLabel"), m_kubeconfigPath, panel);
    path->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    path->setTextInteractionFlags(Qt::TextSelectableByMouse);

    const QFileInfo info(m_kubeconfigPath);
    auto *pathNote = makeLabel(QStringLiteral("kubeconfigPathNote"),
                               info.isFile() ? tr("The file exists.")
                                             : tr("This file does not exist yet. Pass --kubeconfig "
                                                  "or set KUBECONFIG to use another one."),
                               panel);
    pathNote->setForegroundRole(QPalette::PlaceholderText);

    auto *contextCaption = makeLabel(QStringLiteral("contextCaption"), tr("Context"), panel);
    contextCaption->setFont(captionFont);
    auto *contextLabel = makeLabel(QStringLiteral("contextLabel"),
                                   m_context.isEmpty() ? tr("the kubeconfig's current-context")
                                                       : m_context,
                                   panel);

    auto *panelLayout = new QVBoxLayout(panel);
    panelLayout->setContentsMargins(32, 28, 32, 28);
    panelLayout->setSpacing(10);
    panelLayout->addWidget(headline);
    panelLayout->addWidget(body);
    panelLayout->addSpacing(12);
    panelLayout->addWidget(pathCaption);
    panelLayout->addWidget(path);
    panelLayout->addWidget(pathNote);
    panelLayout->addSpacing(8);
    panelLayout->addWidget(contextCaption);
    panelLayout->addWidget(contextLabel);

    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(panel);
    row->addStretch(1);

    auto *pageLayout = new QVBoxLayout(page);
    pageLayout->addStretch(1);
    pageLayout->addLayout(row);
    pageLayout->addStretch(2);
    return page;
}

} // namespace pilothouse::widgets
