// The palette's fuzzy matcher: fzf's "v2" scoring (a Smith-Waterman-like pass over pattern × text
// with a bonus per text position), restricted to the window where a match can lie.
#include "fuzzymatch.h"

#include <algorithm>
#include <climits>
#include <vector>

namespace pilothouse::models {

namespace {

// The weights are fzf's (src/algo/algo.go), which were tuned on file paths and read well on
// "kind-name-suffix" object names too: a matched character is worth 16, a word start half of
// that, and a gap costs 3 to open and 1 per further character, so a word start is worth jumping
// a few characters for but a long jump is not.
constexpr int kScoreMatch = 16;
constexpr int kGapStart = -3;
constexpr int kGapExtension = -1;
constexpr int kBonusBoundary = kScoreMatch / 2;             // after a separator
constexpr int kBonusCamel = kBonusBoundary + kGapExtension;  // fooBar, foo2
constexpr int kBonusStart = kBonusBoundary + 2;              // the first character of the text
constexpr int kBonusConsecutive = -(kGapStart + kGapExtension);
constexpr int kFirstCharMultiplier = 2;                      // where the match begins counts most
// VS Code's quick open puts a prefix match first whatever the other bonuses say.
constexpr int kBonusPrefix = 12;
constexpr int kBonusExact = 12;
// Texts beyond this are matched on their first kMaxText characters: palette titles are short,
// and the DP's cost and memory grow with pattern × text.
constexpr int kMaxText = 512;
constexpr int kUnreachable = INT_MIN / 4;

char16_t fold(char16_t c)
{
    if (c < 128)
        return (c >= u'A' && c <= u'Z') ? char16_t(c + (u'a' - u'A')) : c;
    return QChar(c).toLower().unicode();
}

// One text, lowered and with the bonus of each position, computed once for all pattern words.
struct Prepared {
    std::vector<char16_t> lower;
    std::vector<int> bonus;
    int size = 0;

    void prepare(const QString &text)
    {
        size = std::min<int>(static_cast<int>(text.size()), kMaxText);
        lower.resize(static_cast<size_t>(size));
        bonus.resize(static_cast<size_t>(size));
        QChar prev;
        for (int j = 0; j < size; ++j) {
            const QChar c = text.at(j);
            lower[static_cast<size_t>(j)] = fold(c.unicode());
            int b = 0;
            if (!c.isLetterOrNumber())
                b = c.isSpace() ? 0 : kBonusBoundary;  // typing the '-' or '/' itself
            else if (j == 0)
                b = kBonusStart;
            else if (!prev.isLetterOrNumber())
                b = kBonusBoundary;
            else if ((prev.isLower() && c.isUpper()) || (!prev.isDigit() && c.isDigit()))
                b = kBonusCamel;
            bonus[static_cast<size_t>(j)] = b;
            prev = c;
        }
    }
};

// The DP matrices, reused between calls: no allocation per item once they have grown.
struct Scratch {
    std::vector<int> score;        // best score with word[0..i] matched within text[..j]
    std::vector<int> consecutive;  // >0: that best ends with word[i] matched at j, in a run this long
};

FuzzyMatch matchPrepared(const QString &word, const Prepared &text, Scratch &scratch)
{
    const int m = static_cast<int>(word.size());
    const int n = text.size;
    if (m == 0)
        return {true, 0, {}};
    if (m > n)
        return {};
    const char16_t *w = reinterpret_cast<const char16_t *>(word.utf16());
    const char16_t *t = text.lower.data();

    // Subsequence check, and the window the match can lie in: from the first occurrence of
    // word[0] to the last occurrence of word[m-1]. Most items fail here, before any DP.
    int first = -1;
    int i = 0;
    for (int j = 0; j < n && i < m; ++j) {
        if (t[j] == w[i]) {
            if (i == 0)
                first = j;
            ++i;
        }
    }
    if (i < m)
        return {};
    int last = n - 1;
    while (t[last] != w[m - 1])
        --last;

    const int width = last - first + 1;
    const size_t cells = static_cast<size_t>(m) * static_cast<size_t>(width);
    if (scratch.score.size() < cells) {
        scratch.score.resize(cells);
        scratch.consecutive.resize(cells);
    }
    int *H = scratch.score.data();
    int *C = scratch.consecutive.data();
    const int *bonus = text.bonus.data() + first;
    t += first;

    for (int row = 0; row < m; ++row) {
        int *h = H + static_cast<size_t>(row) * width;
        int *c = C + static_cast<size_t>(row) * width;
        const int *hUp = row > 0 ? h - width : nullptr;
        const int *cUp = row > 0 ? c - width : nullptr;
        const char16_t pc = w[row];
        for (int j = 0; j < width; ++j) {
            int gap = kUnreachable;
            if (j > 0 && h[j - 1] != kUnreachable)
                gap = h[j - 1] + (c[j - 1] > 0 ? kGapStart : kGapExtension);
            int best = gap;
            int run = 0;
            if (t[j] == pc) {
                if (row == 0) {
                    const int s = kScoreMatch + bonus[j] * kFirstCharMultiplier;
                    if (s >= gap) {
                        best = s;
                        run = 1;
                    }
                } else if (j > 0 && hUp[j - 1] != kUnreachable) {
                    int length = cUp[j - 1] + 1;
                    int b = bonus[j];
                    if (length > 1) {
                        // A run keeps the bonus of the word start it began at, unless this
                        // character starts a better word itself: then a new run begins here.
                        const int runBonus = bonus[j - length + 1];
                        if (b >= kBonusBoundary && b > runBonus)
                            length = 1;
                        else
                            b = std::max({b, runBonus, kBonusConsecutive});
                    }
                    const int s = hUp[j - 1] + kScoreMatch + b;
                    if (s >= gap) {
                        best = s;
                        run = length;
                    }
                }
            }
            h[j] = best;
            c[j] = run;
        }
    }

    // The best end of the last row is a cell where word[m-1] matched (gaps only lower a score).
    const int *lastRow = H + static_cast<size_t>(m - 1) * width;
    int bestJ = -1;
    int bestScore = kUnreachable;
    for (int j = 0; j < width; ++j) {
        if (lastRow[j] > bestScore) {
            bestScore = lastRow[j];
            bestJ = j;
        }
    }
    if (bestJ < 0)
        return {};

    FuzzyMatch result;
    result.matched = true;
    result.score = bestScore;
    result.positions.resize(m);
    for (int row = m - 1, j = bestJ; row >= 0 && j >= 0; --j) {
        if (C[static_cast<size_t>(row) * width + j] > 0) {
            result.positions[row] = first + j;
            --row;
        }
    }
    if (first == 0 && std::equal(w, w + m, text.lower.data())) {
        result.score += kBonusPrefix;
        if (m == n)
            result.score += kBonusExact;
    }
    return result;
}

// Long texts lose a little, so that of two equal matches the shorter (more specific) text wins:
// "Pods" before "PodDisruptionBudgets" for "pod".
int lengthPenalty(int length)
{
    return std::min(length, 64) / 4;
}

thread_local Prepared t_primary;
thread_local Prepared t_secondary;
thread_local Scratch t_scratch;

QString foldWord(QStringView word)
{
    QString folded(word.size(), Qt::Uninitialized);
    char16_t *out = reinterpret_cast<char16_t *>(folded.data());
    for (qsizetype k = 0; k < word.size(); ++k)
        out[k] = fold(word.at(k).unicode());
    return folded;
}

}  // namespace

FuzzyPattern::FuzzyPattern(const QString &pattern)
{
    const auto parts = QStringView(pattern).split(u' ', Qt::SkipEmptyParts);
    for (QStringView part : parts)
        m_words.append(foldWord(part));
}

FuzzyMatch FuzzyPattern::match(const QString &text) const
{
    return match(text, QString());
}

FuzzyMatch FuzzyPattern::match(const QString &text, const QString &secondary) const
{
    if (m_words.isEmpty())
        return {true, 0, {}};
    t_primary.prepare(text);
    bool secondaryPrepared = false;
    FuzzyMatch result;
    result.matched = true;
    for (const QString &word : m_words) {
        FuzzyMatch one = matchPrepared(word, t_primary, t_scratch);
        if (one.matched) {
            result.score += one.score;
            result.positions.append(one.positions);
            continue;
        }
        if (secondary.isEmpty())
            return {};
        if (!secondaryPrepared) {
            t_secondary.prepare(secondary);
            secondaryPrepared = true;
        }
        one = matchPrepared(word, t_secondary, t_scratch);
        if (!one.matched)
            return {};
        result.score += one.score / 2;
    }
    result.score -= lengthPenalty(static_cast<int>(text.size()));
    if (m_words.size() > 1) {
        std::sort(result.positions.begin(), result.positions.end());
        result.positions.erase(std::unique(result.positions.begin(), result.positions.end()),
                               result.positions.end());
    }
    return result;
}

FuzzyMatch fuzzyMatch(const QString &pattern, const QString &text)
{
    return FuzzyPattern(pattern).match(text);
}

}  // namespace pilothouse::models
