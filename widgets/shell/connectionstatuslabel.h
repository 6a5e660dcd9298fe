// The status-bar indicator of the cluster connection: a coloured dot and a short text.
#pragma once

#include <QColor>
#include <QWidget>

class QLabel;

namespace pilothouse::widgets {

class ConnectionStatusLabel : public QWidget
{
    Q_OBJECT

public:
    enum class State {
        Disconnected,
        Connecting,
        Live,
        Reconnecting,
        Error,
    };
    Q_ENUM(State)

    explicit ConnectionStatusLabel(QWidget *parent = nullptr);

    // detail is the context name while connecting or live, and the reason for Error.
    void setState(State state, const QString &detail = {});

    State state() const { return m_state; }
    QString detail() const { return m_detail; }
    // The full text; the label on screen may be elided to keep the status bar calm.
    QString text() const { return m_fullText; }
    QColor dotColor() const { return m_dotColor; }

    static QColor colorFor(State state);
    static QString textFor(State state, const QString &detail);

signals:
    void stateChanged(pilothouse::widgets::ConnectionStatusLabel::State state);

private:
    void refresh();

    State m_state = State::Disconnected;
    QString m_detail;
    QColor m_dotColor;
    QString m_fullText;
    QLabel *m_dot = nullptr;
    QLabel *m_text = nullptr;
};

} // namespace pilothouse::widgets
