// YAML to JSON with the scalar rules of sigs.k8s.io/yaml.
#include "common/yamljson.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace pilothouse::sim {

namespace {

Json scalarToJson(const YAML::Node &node)
{
    const std::string &s = node.Scalar();
    // Quoted scalars ("!" tag) stay strings; plain ones are resolved like the YAML 1.1 core schema
    // used by sigs.k8s.io/yaml (yes/no are not booleans there since go-yaml v2's JSON path).
    if (node.Tag() == "!")
        return s;
    if (s == "true" || s == "True" || s == "TRUE")
        return true;
    if (s == "false" || s == "False" || s == "FALSE")
        return false;
    if (s.empty() || s == "null" || s == "Null" || s == "NULL" || s == "~")
        return nullptr;
    char *end = nullptr;
    errno = 0;
    long long i = std::strtoll(s.c_str(), &end, 10);
    if (end && *end == '\0' && errno == 0 && (std::isdigit(static_cast<unsigned char>(s[0])) || ((s[0] == '-' || s[0] == '+') && s.size() > 1)))
        return i;
    double d = std::strtod(s.c_str(), &end);
    if (end && *end == '\0' && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '.') &&
        s.find_first_of("0123456789") != std::string::npos)
        return d;
    return s;
}

}  // namespace

Json yamlToJson(const YAML::Node &node)
{
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        return nullptr;
    case YAML::NodeType::Scalar:
        return scalarToJson(node);
    case YAML::NodeType::Sequence: {
        Json arr = Json::array();
        for (const auto &child : node)
            arr.push_back(yamlToJson(child));
        return arr;
    }
    case YAML::NodeType::Map: {
        Json obj = Json::object();
        for (const auto &kv : node)
            obj[kv.first.as<std::string>()] = yamlToJson(kv.second);
        return obj;
    }
    }
    return nullptr;
}

}  // namespace pilothouse::sim
