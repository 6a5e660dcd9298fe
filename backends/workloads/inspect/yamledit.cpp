// YAML -> JSON for edited objects, masked-value restore, and the changed-field list.
#include "workloads/inspect/yamledit.h"
#include "core/errors.h"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <QRegularExpression>

namespace pilothouse::backends::workloads {

namespace {

using Ordered = nlohmann::ordered_json;

// YAML 1.2 core schema for plain scalars.
Ordered plainScalar(const std::string &s)
{
    static const QRegularExpression intRe(QStringLiteral("^[-+]?(0|[1-9][0-9]*)$"));
    static const QRegularExpression floatRe(QStringLiteral("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$"));
    if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty())
        return nullptr;
    if (s == "true" || s == "True" || s == "TRUE")
        return true;
    if (s == "false" || s == "False" || s == "FALSE")
        return false;
    const QString q = QString::fromStdString(s);
    if (intRe.match(q).hasMatch()) {
        bool ok = false;
        const qlonglong n = q.toLongLong(&ok);
        if (ok)
            return static_cast<long long>(n);
    }
    if (floatRe.match(q).hasMatch())
        return q.toDouble();
    return s;
}

struct DuplicateKey {
    std::string key;
    int line;
};

Ordered toJson(const YAML::Node &node)
{
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        Ordered o = Ordered::object();
        for (const auto &kv : node) {
            const std::string key = kv.first.as<std::string>();
            // yaml-cpp keeps the last of two equal keys; the API server refuses them, and so do we
            // rather than silently dropping half of an edit.
            if (o.contains(key))
                throw DuplicateKey{key, kv.first.Mark().line + 1};
            o[key] = toJson(kv.second);
        }
        return o;
    }
    case YAML::NodeType::Sequence: {
        Ordered a = Ordered::array();
        for (const auto &child : node)
            a.push_back(toJson(child));
        return a;
    }
    case YAML::NodeType::Scalar:
        // yaml-cpp tags quoted (and block) scalars "!" and plain ones "?": only plain ones are typed.
        if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str")
            return node.Scalar();
        return plainScalar(node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        return nullptr;
    }
    return nullptr;
}

bool serverOwned(const std::string &path)
{
    static const char *owned[] = {"metadata.resourceVersion", "metadata.managedFields", "metadata.generation", "metadata.uid",
                                  "metadata.creationTimestamp", "metadata.selfLink"};
    for (const char *o : owned)
        if (path == o || path.rfind(std::string(o) + ".", 0) == 0 || path.rfind(std::string(o) + "[", 0) == 0)
            return true;
    return path == "status" || path.rfind("status.", 0) == 0;
}

void collect(const Ordered &a, const Ordered *b, const std::string &path, QList<FieldChange> &out)
{
    if (serverOwned(path))
        return;
    if (b && a.is_object() && b->is_object()) {
        for (const auto &[k, v] : a.items()) {
            const std::string p = path.empty() ? k : path + "." + k;
            collect(v, b->contains(k) ? &(*b)[k] : nullptr, p, out);
        }
        for (const auto &[k, v] : b->items())
            if (!a.contains(k)) {
                const std::string p = path.empty() ? k : path + "." + k;
                if (!serverOwned(p))
                    out.append({QString::fromStdString(p), QString(), QString::fromStdString(v.dump())});
            }
        return;
    }
    if (b && a.is_array() && b->is_array()) {
        const size_t common = std::min(a.size(), b->size());
        for (size_t i = 0; i < common; ++i)
            collect(a[i], &(*b)[i], path + "[" + std::to_string(i) + "]", out);
        for (size_t i = common; i < a.size(); ++i)
            out.append({QString::fromStdString(path + "[" + std::to_string(i) + "]"), QString::fromStdString(a[i].dump()), QString()});
        for (size_t i = common; i < b->size(); ++i)
            out.append({QString::fromStdString(path + "[" + std::to_string(i) + "]"), QString(), QString::fromStdString((*b)[i].dump())});
        return;
    }
    if (!b) {
        out.append({QString::fromStdString(path), QString::fromStdString(a.dump()), QString()});
        return;
    }
    if (a != *b)
        out.append({QString::fromStdString(path), QString::fromStdString(a.dump()), QString::fromStdString(b->dump())});
}

}  // namespace

Result<QByteArray> yamlToJson(const QString &yaml)
{
    YAML::Node root;
    try {
        std::vector<YAML::Node> docs = YAML::LoadAll(yaml.toStdString());
        if (docs.empty() || docs.front().IsNull())
            return Result<QByteArray>::failure(invalidError(QStringLiteral("the YAML is empty")));
        if (docs.size() > 1)
            return Result<QByteArray>::failure(invalidError(QStringLiteral("the YAML holds %1 documents; edit one object at a time").arg(docs.size())));
        root = docs.front();
    } catch (const YAML::Exception &e) {
        return Result<QByteArray>::failure(
            invalidError(QStringLiteral("YAML error at line %1, column %2: %3").arg(e.mark.line + 1).arg(e.mark.column + 1).arg(QString::fromStdString(e.msg))));
    }
    if (!root.IsMap())
        return Result<QByteArray>::failure(invalidError(QStringLiteral("the YAML is not an object (a mapping with apiVersion, kind and metadata)")));
    try {
        const Ordered json = toJson(root);
        return QByteArray::fromStdString(json.dump());
    } catch (const DuplicateKey &d) {
        return Result<QByteArray>::failure(invalidError(QStringLiteral("YAML error at line %1: the key \"%2\" appears twice in the same mapping")
                                                       .arg(d.line).arg(QString::fromStdString(d.key))));
    } catch (const std::exception &e) {
        return Result<QByteArray>::failure(invalidError(QStringLiteral("the YAML cannot be read as an object: %1").arg(QString::fromUtf8(e.what()))));
    }
}

Result<QByteArray> restoreMaskedSecretValues(const QByteArray &editedJson, const QByteArray &liveJson)
{
    Ordered edited = Ordered::parse(editedJson.constData(), editedJson.constData() + editedJson.size(), nullptr, false);
    const Ordered live = Ordered::parse(liveJson.constData(), liveJson.constData() + liveJson.size(), nullptr, false);
    if (edited.is_discarded() || !edited.is_object())
        return Result<QByteArray>::failure(invalidError(QStringLiteral("the edited object is not valid JSON")));
    if (edited.value("kind", "") != "Secret")
        return editedJson;
    for (const char *field : {"data", "stringData"}) {
        if (!edited.contains(field) || !edited[field].is_object())
            continue;
        for (auto &[k, v] : edited[field].items()) {
            if (!v.is_string() || v.get<std::string>() != "********")
                continue;
            const bool known = !live.is_discarded() && live.contains(field) && live[field].is_object() && live[field].contains(k);
            if (!known)
                return Result<QByteArray>::failure(invalidError(QStringLiteral("%1.%2 is still masked (********) but the live Secret has no such key; "
                                                                          "type its value or remove the key")
                                                               .arg(QString::fromLatin1(field), QString::fromStdString(k))));
            v = live[field][k];
        }
    }
    return QByteArray::fromStdString(edited.dump());
}

QByteArray withServerFieldsOf(const QByteArray &editedJson, const QByteArray &liveJson)
{
    Ordered edited = Ordered::parse(editedJson.constData(), editedJson.constData() + editedJson.size(), nullptr, false);
    const Ordered live = Ordered::parse(liveJson.constData(), liveJson.constData() + liveJson.size(), nullptr, false);
    if (edited.is_discarded() || !edited.is_object() || live.is_discarded() || !live.is_object())
        return editedJson;
    if (live.contains("status"))
        edited["status"] = live["status"];
    else
        edited.erase("status");
    if (live.contains("metadata") && live["metadata"].is_object()) {
        if (!edited.contains("metadata") || !edited["metadata"].is_object())
            edited["metadata"] = Ordered::object();
        for (const char *field : {"resourceVersion", "generation", "uid", "creationTimestamp", "managedFields", "selfLink"}) {
            if (live["metadata"].contains(field))
                edited["metadata"][field] = live["metadata"][field];
            else
                edited["metadata"].erase(field);
        }
    }
    return QByteArray::fromStdString(edited.dump());
}

QList<FieldChange> changedFields(const QByteArray &beforeJson, const QByteArray &afterJson)
{
    const Ordered a = Ordered::parse(beforeJson.constData(), beforeJson.constData() + beforeJson.size(), nullptr, false);
    const Ordered b = Ordered::parse(afterJson.constData(), afterJson.constData() + afterJson.size(), nullptr, false);
    QList<FieldChange> out;
    if (a.is_discarded() || b.is_discarded())
        return out;
    collect(a, &b, std::string(), out);
    // Secret values never reach a confirmation text or the audit log.
    if (a.value("kind", "") == "Secret" || b.value("kind", "") == "Secret")
        for (FieldChange &c : out)
            if (c.path.startsWith(QLatin1String("data.")) || c.path.startsWith(QLatin1String("stringData."))) {
                if (!c.before.isEmpty()) c.before = QStringLiteral("\"********\"");
                if (!c.after.isEmpty()) c.after = QStringLiteral("\"********\"");
            }
    return out;
}

QString describeChanges(const QList<FieldChange> &changes, int limit)
{
    if (changes.isEmpty())
        return QStringLiteral("no changes");
    QStringList parts;
    for (int i = 0; i < changes.size() && i < limit; ++i) {
        const FieldChange &c = changes[i];
        if (c.before.isEmpty())
            parts << QStringLiteral("%1: added %2").arg(c.path, c.after);
        else if (c.after.isEmpty())
            parts << QStringLiteral("%1: removed (was %2)").arg(c.path, c.before);
        else
            parts << QStringLiteral("%1: %2 → %3").arg(c.path, c.before, c.after);
    }
    QString text = parts.join(QStringLiteral("; "));
    if (changes.size() > limit)
        text += QStringLiteral("; and %1 more").arg(changes.size() - limit);
    return text;
}

}  // namespace pilothouse::backends::workloads
