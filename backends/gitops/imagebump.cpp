// Image scalars located with yaml-cpp's marks, then replaced in the raw text by byte offsets.
#include "gitops/imagebump.h"
#include "gitops/gitopserror.h"

#include <yaml-cpp/yaml.h>

#include <QRegularExpression>

#include <algorithm>
#include <string>
#include <vector>

namespace pilothouse::backends::gitops {

namespace {

// A located image scalar: where it is, and whether it sits in flow style ({...} or [...]), where
// ',' ']' and '}' end a plain scalar.
struct Located {
    ContainerImage info;
    YAML::Mark mark;
    bool flow = false;
};

QString str(const std::string &s) { return QString::fromStdString(s); }

QString scalarAt(const YAML::Node &node, const char *key)
{
    const YAML::Node v = node[key];
    return v && v.IsScalar() ? str(v.Scalar()) : QString();
}

void walk(const YAML::Node &node, Located base, std::vector<Located> &out)
{
    if (node.IsMap()) {
        for (auto it = node.begin(); it != node.end(); ++it) {
            const YAML::Node key = it->first;
            const YAML::Node value = it->second;
            const std::string k = key.IsScalar() ? key.Scalar() : std::string();
            if ((k == "containers" || k == "initContainers" || k == "ephemeralContainers") && value.IsSequence()) {
                for (const YAML::Node &c : value) {
                    if (!c.IsMap())
                        continue;
                    const YAML::Node image = c["image"];
                    if (!image || !image.IsScalar())
                        continue;
                    Located l = base;
                    l.info.container = scalarAt(c, "name");
                    l.info.image = str(image.Scalar());
                    l.mark = image.Mark();
                    l.info.line = l.mark.line + 1;
                    l.flow = c.Style() == YAML::EmitterStyle::Flow;
                    out.push_back(l);
                }
            } else {
                walk(value, base, out);
            }
        }
    } else if (node.IsSequence()) {
        for (const YAML::Node &item : node)
            walk(item, base, out);
    }
}

Result<std::vector<Located>> locate(const std::string &text, const QString &fileName)
{
    std::vector<Located> out;
    try {
        const std::vector<YAML::Node> docs = YAML::LoadAll(text);
        for (size_t i = 0; i < docs.size(); ++i) {
            Located base;
            base.info.document = static_cast<int>(i);
            if (docs[i].IsMap()) {
                base.info.kind = scalarAt(docs[i], "kind");
                const YAML::Node meta = docs[i]["metadata"];
                if (meta && meta.IsMap())
                    base.info.workload = scalarAt(meta, "name");
            }
            walk(docs[i], base, out);
        }
    } catch (const YAML::Exception &e) {
        const QString where = fileName.isEmpty() ? QStringLiteral("the manifest") : fileName;
        return Result<std::vector<Located>>::failure(
            gitopsError(ErrorKind::Malformed, QStringLiteral("%1 is not valid YAML: line %2, column %3: %4")
                 .arg(where).arg(e.mark.line + 1).arg(e.mark.column + 1).arg(str(e.msg))));
    }
    return out;
}

std::vector<size_t> lineStarts(const std::string &text)
{
    std::vector<size_t> starts{0};
    for (size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n')
            starts.push_back(i + 1);
    return starts;
}

// The byte range [begin, end) of the scalar that starts at `begin` as written, and its value as
// YAML reads it when that is simple to read back (no escapes, one line); nullopt otherwise.
struct Span {
    size_t begin = 0;
    size_t end = 0;
    char quote = 0;  // '"', '\'' or 0 for plain
    bool readable = false;
    std::string value;
};

Span scalarSpan(const std::string &text, size_t begin, bool flow)
{
    Span s;
    s.begin = begin;
    if (begin >= text.size())
        return s;
    const char c = text[begin];
    if (c == '"' || c == '\'') {
        s.quote = c;
        size_t i = begin + 1;
        bool escapes = false;
        std::string value;
        while (i < text.size()) {
            const char ch = text[i];
            if (ch == '\n' || ch == '\r') {
                escapes = true;  // folded over lines: not edited in place
            }
            if (c == '"' && ch == '\\') {
                escapes = true;
                i += 2;
                continue;
            }
            if (ch == c) {
                if (c == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
                    value += '\'';
                    i += 2;
                    continue;
                }
                break;
            }
            value += ch;
            ++i;
        }
        if (i >= text.size())
            return s;
        s.end = i + 1;
        s.readable = !escapes;
        s.value = value;
        return s;
    }
    size_t i = begin;
    while (i < text.size()) {
        const char ch = text[i];
        if (ch == '\n' || ch == '\r')
            break;
        if (ch == '#' && i > begin && (text[i - 1] == ' ' || text[i - 1] == '\t'))
            break;
        if (flow && (ch == ',' || ch == ']' || ch == '}'))
            break;
        ++i;
    }
    while (i > begin && (text[i - 1] == ' ' || text[i - 1] == '\t'))
        --i;
    s.end = i;
    s.value = text.substr(begin, i - begin);
    // A plain scalar that continues on the next line would be read differently; the caller
    // compares the value with yaml-cpp's.
    s.readable = true;
    return s;
}

bool matches(const ContainerImage &c, const ImageSelector &selector)
{
    if (!selector.container.isEmpty() && c.container != selector.container)
        return false;
    if (!selector.repository.isEmpty() && ImageRef::parse(c.image).repository != selector.repository)
        return false;
    return true;
}

}  // namespace

ImageRef ImageRef::parse(const QString &image)
{
    ImageRef ref;
    QString rest = image.trimmed();
    const qsizetype at = rest.indexOf(QLatin1Char('@'));
    if (at >= 0) {
        ref.digest = rest.mid(at + 1);
        rest = rest.left(at);
    }
    // A ':' after the last '/' separates the tag; one before it is a registry port.
    const qsizetype slash = rest.lastIndexOf(QLatin1Char('/'));
    const qsizetype colon = rest.lastIndexOf(QLatin1Char(':'));
    if (colon > slash) {
        ref.tag = rest.mid(colon + 1);
        rest = rest.left(colon);
    }
    ref.repository = rest;
    return ref;
}

QString ImageRef::toString() const
{
    QString s = repository;
    if (!tag.isEmpty())
        s += QLatin1Char(':') + tag;
    if (!digest.isEmpty())
        s += QLatin1Char('@') + digest;
    return s;
}

QString ImageSelector::describe() const
{
    if (!container.isEmpty() && !repository.isEmpty())
        return QStringLiteral("container '%1' with image %2").arg(container, repository);
    if (!container.isEmpty())
        return QStringLiteral("container '%1'").arg(container);
    return QStringLiteral("image %1").arg(repository);
}

bool isValidTag(const QString &tag)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"));
    return re.match(tag).hasMatch();
}

Result<QList<ContainerImage>> findContainerImages(const QString &text)
{
    const auto located = locate(text.toStdString(), QString());
    if (!located)
        return Result<QList<ContainerImage>>::failure(located.error());
    QList<ContainerImage> out;
    for (const Located &l : located.value())
        out << l.info;
    return out;
}

Result<ImageBump> bumpImageTag(const QString &text, const ImageSelector &selector, const QString &newTag,
                               const QString &fileName)
{
    using R = Result<ImageBump>;
    const QString where = fileName.isEmpty() ? QStringLiteral("the manifest") : fileName;
    if (selector.isEmpty())
        return R::failure(gitopsError(ErrorKind::Invalid, QStringLiteral("no container or image chosen to bump")));
    if (!isValidTag(newTag))
        return R::failure(gitopsError(ErrorKind::Invalid, QStringLiteral("'%1' is not a valid image tag (letters, digits, '_', '.', '-'; at most 128)").arg(newTag)));

    // A byte-order mark is kept as it was but not shown to the parser, whose columns then match the bytes.
    const bool bom = text.startsWith(QChar(0xFEFF));
    std::string bytes = (bom ? text.mid(1) : text).toStdString();
    const auto located = locate(bytes, fileName);
    if (!located)
        return R::failure(located.error());

    std::vector<const Located *> hits;
    for (const Located &l : located.value())
        if (matches(l.info, selector))
            hits.push_back(&l);
    if (hits.empty()) {
        QStringList present;
        for (const Located &l : located.value())
            present << QStringLiteral("%1 (%2)").arg(l.info.container.isEmpty() ? QStringLiteral("unnamed") : l.info.container, l.info.image);
        const QString listed = present.isEmpty() ? QStringLiteral("it has no containers")
                                                 : QStringLiteral("it has: ") + present.join(QStringLiteral(", "));
        return R::failure(gitopsError(ErrorKind::NotFound, QStringLiteral("no %1 in %2; %3").arg(selector.describe(), where, listed)));
    }

    const std::vector<size_t> starts = lineStarts(bytes);
    struct Edit {
        size_t begin, end;
        std::string replacement;
        ImageChange change;
    };
    std::vector<Edit> edits;
    for (const Located *l : hits) {
        if (l->mark.line < 0 || static_cast<size_t>(l->mark.line) >= starts.size())
            return R::failure(gitopsError(ErrorKind::Invalid, QStringLiteral("cannot locate the image on line %1 of %2").arg(l->info.line).arg(where)));
        const size_t begin = starts[static_cast<size_t>(l->mark.line)] + static_cast<size_t>(std::max(0, l->mark.column));
        const Span span = scalarSpan(bytes, begin, l->flow);
        if (!span.readable || span.end <= span.begin || QString::fromStdString(span.value) != l->info.image)
            return R::failure(gitopsError(ErrorKind::Invalid, QStringLiteral("the image of %1 on line %2 of %3 is written in a form that cannot be edited in place "
                                              "(escapes, tags or several lines); change it by hand")
                                   .arg(l->info.container).arg(l->info.line).arg(where)));
        ImageRef ref = ImageRef::parse(l->info.image);
        ref.tag = newTag;
        ref.digest.clear();
        const QString after = ref.toString();
        std::string replacement = after.toStdString();
        if (span.quote != 0)
            replacement = std::string(1, span.quote) + replacement + std::string(1, span.quote);
        edits.push_back({span.begin, span.end, replacement, {l->info, l->info.image, after}});
    }
    ImageBump bump;
    for (const Edit &e : edits)
        bump.changes << e.change;
    std::sort(edits.begin(), edits.end(), [](const Edit &a, const Edit &b) { return a.begin > b.begin; });
    for (const Edit &e : edits)
        bytes.replace(e.begin, e.end - e.begin, e.replacement);
    bump.text = QString::fromStdString(bytes);
    if (bom)
        bump.text.prepend(QChar(0xFEFF));
    return bump;
}

}  // namespace pilothouse::backends::gitops
