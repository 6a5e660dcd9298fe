// The command palette (Ctrl+K, Ctrl+Shift+P): a search field over a ranked list of the commands the
// shell gathers, drawn over the top of the window and driven entirely from the keyboard.
#pragma once

#include "palettemodel.h"

#include <QFrame>
#include <QKeySequence>
#include <QList>
#include <QPointer>

class QLabel;
class QLineEdit;
class QListView;

namespace pilothouse::widgets::shell {

class CommandPalette : public QFrame {
    Q_OBJECT

public:
    // A child of `window`, hidden until open(); it follows the window's size.
    explicit CommandPalette(QWidget *window);
    ~CommandPalette() override;

    // The shortcuts the shell binds to open(): Ctrl+K, and Ctrl+Shift+P as in VS Code.
    static QList<QKeySequence> defaultShortcuts();

    // Shows the palette over the window with these commands and the text already typed (">"
    // for Ctrl+Shift+P), the best row selected and the focus in the input. Calling it while
    // open replaces the commands and the text.
    void open(const QList<models::PaletteCommand> &commands, const QString &initialText = {});

    void setRecent(const QStringList &ids);
    QStringList recent() const;

    models::PaletteModel *model() const { return m_model; }
    QLineEdit *input() const { return m_input; }
    QListView *list() const { return m_list; }
    QLabel *footer() const { return m_footer; }

    // Runs the selected command: notes it as used, closes the palette, then runs it (so a dialog
    // it opens is not under the palette). For "/text" emits filterRequested instead. A disabled
    // command is not run: its reason appears in the footer. Returns whether something ran.
    bool runCurrent();

signals:
    void recentChanged(const QStringList &ids);
    // "/text" and Enter: the shell filters the current page with `text`.
    void filterRequested(const QString &text);
    void closed();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    void applyFilter(const QString &text);
    void moveSelection(int key);
    void selectRow(int row);
    void updateFooter();
    void updateGeometryInWindow();
    void closeIfFocusLeft(QWidget *now);

    QPointer<QWidget> m_window;
    QPointer<QWidget> m_previousFocus;
    models::PaletteModel *m_model = nullptr;
    QLineEdit *m_input = nullptr;
    QListView *m_list = nullptr;
    QLabel *m_footer = nullptr;
    bool m_open = false;
    bool m_watchingApp = false;
};

}  // namespace pilothouse::widgets::shell
