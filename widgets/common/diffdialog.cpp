// Renders a unified diff with line backgrounds and asks to apply it.
#include "common/diffdialog.h"

#include "style/theme.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTextBlock>
#include <QTextCursor>
#include <QVBoxLayout>

namespace pilothouse::widgets {

void renderDiff(QPlainTextEdit *view, const QString &unifiedDiff)
{
    // The colours are baked into the document, so a theme switch renders the same diff again.
    view->setProperty("unifiedDiff", unifiedDiff);
    if (!view->property("diffFollowsTheme").toBool()) {
        view->setProperty("diffFollowsTheme", true);
        QObject::connect(Theme::instance(), &Theme::changed, view, [view] { renderDiff(view, view->property("unifiedDiff").toString()); });
    }
    view->clear();
    QTextCursor cursor(view->document());
    const QStringList lines = unifiedDiff.split(QLatin1Char('\n'));
    bool first = true;
    for (const QString &line : lines) {
        if (line.isEmpty() && &line == &lines.last())
            break;
        QTextBlockFormat block;
        QTextCharFormat chars;
        if (line.startsWith(QLatin1String("+++")) || line.startsWith(QLatin1String("---"))) {
            chars.setFontWeight(QFont::Bold);
        } else if (line.startsWith(QLatin1String("@@"))) {
            block.setBackground(Theme::color(Theme::Role::DiffHunkBackground));
            chars.setForeground(Theme::color(Theme::Role::DiffHunkText));
        } else if (line.startsWith(QLatin1Char('+'))) {
            block.setBackground(Theme::color(Theme::Role::DiffAddedBackground));
            chars.setForeground(Theme::color(Theme::Role::DiffAddedText));
        } else if (line.startsWith(QLatin1Char('-'))) {
            block.setBackground(Theme::color(Theme::Role::DiffRemovedBackground));
            chars.setForeground(Theme::color(Theme::Role::DiffRemovedText));
        }
        if (!first)
            cursor.insertBlock(block, chars);
        else
            cursor.setBlockFormat(block);
        first = false;
        cursor.insertText(line, chars);
    }
    view->moveCursor(QTextCursor::Start);
}

DiffDialog::DiffDialog(const QString &summary, const QString &unifiedDiff, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("diffDialog"));
    setWindowTitle(tr("Apply this edit?"));
    resize(820, 560);
    auto *label = new QLabel(summary, this);
    label->setObjectName(QStringLiteral("diffSummary"));
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    m_diff = new QPlainTextEdit(this);
    m_diff->setObjectName(QStringLiteral("diffView"));
    m_diff->setReadOnly(true);
    m_diff->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_diff->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    renderDiff(m_diff, unifiedDiff);
    auto *buttons = new QDialogButtonBox(this);
    QPushButton *apply = buttons->addButton(tr("Apply to the cluster"), QDialogButtonBox::AcceptRole);
    apply->setObjectName(QStringLiteral("applyButton"));
    buttons->addButton(QDialogButtonBox::Cancel)->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(label);
    layout->addWidget(m_diff, 1);
    layout->addWidget(buttons);
}

}  // namespace pilothouse::widgets
