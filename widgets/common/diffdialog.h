// The confirmation before an edited object is sent: context, object and changed fields in words,
// and the line diff against the live object, coloured as `git diff` colours it.
#pragma once

#include <QDialog>

class QPlainTextEdit;

namespace pilothouse::widgets {

class DiffDialog : public QDialog
{
    Q_OBJECT

public:
    DiffDialog(const QString &summary, const QString &unifiedDiff, QWidget *parent = nullptr);
    QPlainTextEdit *diffView() const { return m_diff; }

private:
    QPlainTextEdit *m_diff = nullptr;
};

// Fills a read-only text edit with a unified diff, one background colour per line kind.
void renderDiff(QPlainTextEdit *view, const QString &unifiedDiff);

}  // namespace pilothouse::widgets
