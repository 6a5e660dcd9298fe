// Fuzzy matching for the command palette: a case-insensitive subsequence match scored like fzf's
// (and VS Code's quick open), so that "sts" finds StatefulSets and "fe" puts frontend first.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace pilothouse::models {

struct FuzzyMatch {
    bool matched = false;
    // Higher is better; only comparable between matches of the same pattern.
    int score = 0;
    // Indexes into the text of the matched characters, ascending, without duplicates.
    QList<int> positions;
};

// A pattern split into its words once, for matching many texts per keystroke. Every word must
// match (AND); the scores add up and the positions are merged. An empty pattern (or one made of
// spaces) matches everything with score 0 and no positions.
class FuzzyPattern {
public:
    FuzzyPattern() = default;
    explicit FuzzyPattern(const QString &pattern);

    FuzzyMatch match(const QString &text) const;
    // Each word may match `text` or, failing that, `secondary` (a palette entry's subtitle, so that
    // "shop web" finds web-1 in namespace shop). A word found only in `secondary` adds half its
    // score and no positions: positions always index `text`.
    FuzzyMatch match(const QString &text, const QString &secondary) const;
    bool isEmpty() const { return m_words.isEmpty(); }
    // The words, case-folded as they are compared.
    const QList<QString> &words() const { return m_words; }

private:
    QList<QString> m_words;
};

// Case-insensitive subsequence match. The score rewards consecutive characters, characters at
// word starts (after a space, '-', '/', '.', ':', '_' or any other non-alphanumeric, at a
// lower→upper change and where digits begin), a match at the start of the text and a pattern that
// is a prefix of the text (more when it is the whole text); it penalises gaps between matched
// characters and, a little, long texts. Space-separated words in the pattern must all match.
FuzzyMatch fuzzyMatch(const QString &pattern, const QString &text);

}  // namespace pilothouse::models
