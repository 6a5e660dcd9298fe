// JSON -> YAML for the detail pane (nlohmann keeps insertion order with ordered_json; yaml-cpp emits).
#include "workloads/inspect/yamlview.h"
#include "core/errors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <yaml-cpp/yaml.h>

namespace pilothouse::backends::workloads {

namespace {

using Ordered = nlohmann::ordered_json;

void emitYaml(YAML::Emitter &out, const Ordered &v)
{
    switch (v.type()) {
    case Ordered::value_t::object:
        out << YAML::BeginMap;
        for (const auto &[k, child] : v.items()) {
            out << YAML::Key << k << YAML::Value;
            emitYaml(out, child);
        }
        out << YAML::EndMap;
        break;
    case Ordered::value_t::array:
        out << YAML::BeginSeq;
        for (const auto &child : v)
            emitYaml(out, child);
        out << YAML::EndSeq;
        break;
    case Ordered::value_t::string: {
        const std::string s = v.get<std::string>();
        // Strings that would read back as another type stay quoted, as kubectl prints them.
        static const char *special[] = {"true", "false", "null", "yes", "no", "on", "off", "~", ""};
        bool quote = s.find('\n') == std::string::npos &&
                     (std::find(std::begin(special), std::end(special), s) != std::end(special) ||
                      s.find_first_not_of("0123456789.-+eE") == std::string::npos);
        if (quote)
            out << YAML::DoubleQuoted << s;
        else if (s.find('\n') != std::string::npos)
            out << YAML::Literal << s;
        else
            out << s;
        break;
    }
    case Ordered::value_t::boolean: out << (v.get<bool>() ? "true" : "false"); break;
    case Ordered::value_t::number_integer: out << v.get<long long>(); break;
    case Ordered::value_t::number_unsigned: out << v.get<unsigned long long>(); break;
    case Ordered::value_t::number_float: out << v.get<double>(); break;
    default: out << YAML::Null; break;
    }
}

}  // namespace

namespace {
bool isSecret(const Ordered &doc) { return doc.value("kind", "") == "Secret"; }
}  // namespace

bool hasMaskedValues(const QByteArray &json)
{
    const Ordered doc = Ordered::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    return doc.is_object() && isSecret(doc);
}

Result<QString> objectToYaml(const QByteArray &json, const YamlOptions &options)
{
    Ordered doc = Ordered::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        return Result<QString>::failure(malformedError(QStringLiteral("the object is not valid JSON")));
    }
    if (options.dropManagedFields && doc.contains("metadata") && doc["metadata"].is_object())
        doc["metadata"].erase("managedFields");
    if (options.maskSecretData && isSecret(doc))
        for (const char *field : {"data", "stringData"})
            if (doc.contains(field) && doc[field].is_object())
                for (auto &[k, v] : doc[field].items())
                    v = "********";
    YAML::Emitter out;
    out.SetIndent(2);
    out.SetSeqFormat(YAML::Block);
    out.SetMapFormat(YAML::Block);
    emitYaml(out, doc);
    return QString::fromUtf8(out.c_str()) + QLatin1Char('\n');
}

}  // namespace pilothouse::backends::workloads
