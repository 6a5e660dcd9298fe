// Draws the connection indicator in the status palette's colours (redrawn when the theme changes).
#include "shell/connectionstatuslabel.h"

#include "style/statuspalette.h"
#include "style/theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPixmap>

namespace pilothouse::widgets {

namespace {

constexpr int DotDiameter = 10;
// Wide enough for a context name or a typical TLS error, narrow enough to leave room
// for the messages QStatusBar shows on its left.
constexpr int MaxTextWidth = 480;

QPixmap dotPixmap(const QColor &color, qreal devicePixelRatio)
{
    const int side = qRound(DotDiameter * devicePixelRatio);
    QPixmap pixmap(side, side);
    pixmap.setDevicePixelRatio(devicePixelRatio);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(color.darker(130), 1));
    painter.setBrush(color);
    painter.drawEllipse(QRectF(0.5, 0.5, DotDiameter - 1.0, DotDiameter - 1.0));
    return pixmap;
}

} // namespace

ConnectionStatusLabel::ConnectionStatusLabel(QWidget *parent)
    : QWidget(parent)
    , m_dot(new QLabel(this))
    , m_text(new QLabel(this))
{
    setObjectName(QStringLiteral("connectionStatusLabel"));
    m_dot->setObjectName(QStringLiteral("connectionStatusDot"));
    m_text->setObjectName(QStringLiteral("connectionStatusText"));
    // Reasons come from servers and kubeconfigs; never let them be read as markup.
    m_text->setTextFormat(Qt::PlainText);
    m_dot->setFixedSize(DotDiameter, DotDiameter);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 0, 6, 0);
    layout->setSpacing(6);
    layout->addWidget(m_dot);
    layout->addWidget(m_text);

    Theme::follow(this, [this] { refresh(); });
}

void ConnectionStatusLabel::setState(State state, const QString &detail)
{
    if (state == m_state && detail == m_detail)
        return;
    m_state = state;
    m_detail = detail;
    refresh();
    emit stateChanged(m_state);
}

QColor ConnectionStatusLabel::colorFor(State state)
{
    // From the status palette, so the dot reads in light and dark; every state its own tone.
    using models::StatusTone;
    switch (state) {
    case State::Disconnected: return StatusPalette::color(StatusTone::Neutral);
    case State::Connecting: return StatusPalette::color(StatusTone::Progress);
    case State::Live: return StatusPalette::color(StatusTone::Good);
    case State::Reconnecting: return StatusPalette::color(StatusTone::Warning);
    case State::Error: return StatusPalette::color(StatusTone::Bad);
    }
    return StatusPalette::color(StatusTone::Unknown);
}

QString ConnectionStatusLabel::textFor(State state, const QString &detail)
{
    const QString oneLine = detail.simplified();
    switch (state) {
    case State::Disconnected:
        return oneLine.isEmpty() ? tr("Disconnected") : tr("Disconnected — %1").arg(oneLine);
    case State::Connecting:
        return oneLine.isEmpty() ? tr("Connecting…") : tr("Connecting to %1…").arg(oneLine);
    case State::Live:
        return oneLine.isEmpty() ? tr("Live") : tr("Live — %1").arg(oneLine);
    case State::Reconnecting:
        return oneLine.isEmpty() ? tr("Reconnecting…") : tr("Reconnecting — %1").arg(oneLine);
    case State::Error:
        return oneLine.isEmpty() ? tr("Error") : tr("Error: %1").arg(oneLine);
    }
    return {};
}

void ConnectionStatusLabel::refresh()
{
    m_dotColor = colorFor(m_state);
    m_dot->setPixmap(dotPixmap(m_dotColor, devicePixelRatioF()));
    m_fullText = textFor(m_state, m_detail);
    m_text->setText(m_text->fontMetrics().elidedText(m_fullText, Qt::ElideRight, MaxTextWidth));
    // A long reason is elided on screen; the tooltip keeps all of it.
    setToolTip(m_fullText);
    setAccessibleName(tr("Connection status: %1").arg(m_fullText));
}

} // namespace pilothouse::widgets
