// The welcome page's text and its three ways in.
#include "shell/welcomepage.h"

#include "style/icons.h"

#include <QFileInfo>
#include <QFontDatabase>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace pilothouse::widgets::shell {

namespace {

// Long lines are hard to read; the panel keeps to a comfortable measure and centres.
constexpr int PanelWidth = 620;

QLabel *makeLabel(const QString &objectName, const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setObjectName(objectName);
    // Paths and context names are user data; "<" or "&" in them must show as typed.
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    return label;
}

}  // namespace

WelcomePage::WelcomePage(const QString &kubeconfigPath, const QString &context, QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("welcomePage"));
    auto *panel = new QFrame(this);
    panel->setObjectName(QStringLiteral("welcomePanel"));
    panel->setFrameShape(QFrame::StyledPanel);
    panel->setFixedWidth(PanelWidth);

    auto *headline = makeLabel(QStringLiteral("welcomeHeadline"), tr("No cluster connected"), panel);
    QFont headlineFont = headline->font();
    headlineFont.setPointSizeF(headlineFont.pointSizeF() * 1.8);
    headlineFont.setWeight(QFont::DemiBold);
    headline->setFont(headlineFont);
    auto *body = makeLabel(QStringLiteral("welcomeBody"),
                           tr("Pilothouse connects to a Kubernetes cluster through a context in a kubeconfig file, the same "
                              "file kubectl uses. It signs in with that context's credentials and then watches the cluster live."),
                           panel);

    QFont captionFont = body->font();
    captionFont.setWeight(QFont::DemiBold);
    auto *pathCaption = makeLabel(QStringLiteral("kubeconfigCaption"), tr("Kubeconfig"), panel);
    pathCaption->setFont(captionFont);
    auto *path = makeLabel(QStringLiteral("kubeconfigPathLabel"), kubeconfigPath, panel);
    path->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    path->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *pathNote = makeLabel(QStringLiteral("kubeconfigPathNote"),
                               QFileInfo(kubeconfigPath).isFile()
                                   ? tr("The file exists.")
                                   : tr("This file does not exist yet. Open another kubeconfig, pass --kubeconfig, or set KUBECONFIG."),
                               panel);
    pathNote->setForegroundRole(QPalette::PlaceholderText);
    auto *contextCaption = makeLabel(QStringLiteral("contextCaption"), tr("Context"), panel);
    contextCaption->setFont(captionFont);
    auto *contextLabel = makeLabel(QStringLiteral("contextLabel"), context.isEmpty() ? tr("the kubeconfig's current-context") : context, panel);

    m_error = makeLabel(QStringLiteral("kubeconfigError"), QString(), panel);
    m_error->setProperty("inlineError", true);
    m_error->setVisible(false);

    auto *open = new QPushButton(Icons::get(QStringLiteral("kubeconfig")), tr("Open a kubeconfig…"), panel);
    open->setObjectName(QStringLiteral("openKubeconfigButton"));
    open->setDefault(true);
    connect(open, &QPushButton::clicked, this, &WelcomePage::openFileRequested);
    m_demo = new QPushButton(Icons::get(QStringLiteral("demo")), tr("Start the demo world"), panel);
    m_demo->setObjectName(QStringLiteral("startDemoButton"));
    m_demo->setToolTip(tr("Starts pilothouse-sim (an online shop and an unmanned cafe on a simulated cluster) and connects to it"));
    connect(m_demo, &QPushButton::clicked, this, &WelcomePage::demoRequested);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(open);
    buttons->addWidget(m_demo);
    buttons->addStretch(1);

    m_recentBox = new QWidget(panel);
    m_recentLayout = new QVBoxLayout(m_recentBox);
    m_recentLayout->setContentsMargins(0, 0, 0, 0);
    m_recentLayout->setSpacing(2);

    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(32, 28, 32, 28);
    layout->setSpacing(10);
    layout->addWidget(headline);
    layout->addWidget(body);
    layout->addSpacing(8);
    layout->addWidget(pathCaption);
    layout->addWidget(path);
    layout->addWidget(pathNote);
    layout->addSpacing(4);
    layout->addWidget(contextCaption);
    layout->addWidget(contextLabel);
    layout->addWidget(m_error);
    layout->addSpacing(8);
    layout->addLayout(buttons);
    layout->addSpacing(8);
    layout->addWidget(m_recentBox);

    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(panel);
    row->addStretch(1);
    auto *pageLayout = new QVBoxLayout(this);
    pageLayout->addStretch(1);
    pageLayout->addLayout(row);
    pageLayout->addStretch(2);
    setRecentFiles({});
}

void WelcomePage::setRecentFiles(const QStringList &files)
{
    while (QLayoutItem *item = m_recentLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_recentBox->setVisible(!files.isEmpty());
    if (files.isEmpty())
        return;
    auto *caption = makeLabel(QStringLiteral("recentCaption"), tr("Recent kubeconfigs"), m_recentBox);
    QFont f = caption->font();
    f.setWeight(QFont::DemiBold);
    caption->setFont(f);
    m_recentLayout->addWidget(caption);
    for (const QString &file : files) {
        auto *button = new QPushButton(Icons::get(QStringLiteral("kubeconfig")), file, m_recentBox);
        button->setObjectName(QStringLiteral("recentKubeconfig"));
        button->setFlat(true);
        button->setStyleSheet(QStringLiteral("text-align: left"));
        connect(button, &QPushButton::clicked, this, [this, file] { Q_EMIT recentFileRequested(file); });
        m_recentLayout->addWidget(button);
    }
}

void WelcomePage::setError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QString WelcomePage::error() const { return m_error->text(); }

void WelcomePage::setDemoAvailable(bool available) { m_demo->setVisible(available); }

}  // namespace pilothouse::widgets::shell
