// The tree= parser and pruner.
#include "jenkins/jenkinstree.h"

#include <cctype>

namespace pilothouse::sim {

const JenkinsTree *JenkinsTree::find(const std::string &field) const
{
    for (const auto &c : children)
        if (c.name == field)
            return &c;
    return nullptr;
}

namespace {

struct Parser {
    const std::string &s;
    size_t pos = 0;
    std::string error;

    bool fail(const std::string &why)
    {
        if (error.empty())
            error = why + " at position " + std::to_string(pos);
        return false;
    }
    std::optional<long long> number()
    {
        size_t start = pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])))
            ++pos;
        if (start == pos)
            return std::nullopt;
        return std::stoll(s.substr(start, pos - start));
    }
    bool list(std::vector<JenkinsTree> &out)
    {
        while (true) {
            JenkinsTree n;
            size_t start = pos;
            while (pos < s.size() && (std::isalnum(static_cast<unsigned char>(s[pos])) || s[pos] == '_' || s[pos] == '$' || s[pos] == '-'))
                ++pos;
            if (start == pos)
                return fail("a field name expected");
            n.name = s.substr(start, pos - start);
            if (pos < s.size() && s[pos] == '[') {
                ++pos;
                if (!list(n.children))
                    return false;
                if (pos >= s.size() || s[pos] != ']')
                    return fail("']' expected");
                ++pos;
            }
            if (pos < s.size() && s[pos] == '{') {
                ++pos;
                auto a = number();
                if (pos < s.size() && s[pos] == ',') {
                    ++pos;
                    n.from = a.value_or(0);
                    n.to = number();
                } else if (a) {
                    n.from = *a;  // {n}: the one element n
                    n.to = *a + 1;
                } else {
                    return fail("a range expected");
                }
                if (pos >= s.size() || s[pos] != '}')
                    return fail("'}' expected");
                ++pos;
            }
            out.push_back(std::move(n));
            if (pos < s.size() && s[pos] == ',') {
                ++pos;
                continue;
            }
            return true;
        }
    }
};

Json pruneValue(const Json &v, const JenkinsTree &node);

Json pruneObject(const Json &obj, const JenkinsTree &node)
{
    Json out = Json::object();
    if (auto c = obj.find("_class"); c != obj.end())
        out["_class"] = *c;
    for (const auto &child : node.children) {
        auto it = obj.find(child.name);
        if (it != obj.end())
            out[child.name] = pruneValue(*it, child);
    }
    return out;
}

Json pruneValue(const Json &v, const JenkinsTree &node)
{
    if (v.is_array()) {
        const long long size = static_cast<long long>(v.size());
        long long from = std::min(std::max(node.from.value_or(0), 0LL), size);
        long long to = std::min(node.to.value_or(size), size);
        Json out = Json::array();
        for (long long i = from; i < to; ++i)
            out.push_back(v[static_cast<size_t>(i)].is_object() ? pruneObject(v[static_cast<size_t>(i)], node) : v[static_cast<size_t>(i)]);
        return out;
    }
    if (v.is_object())
        return pruneObject(v, node);
    return v;
}

}  // namespace

std::optional<JenkinsTree> parseJenkinsTree(const std::string &spec, std::string &error)
{
    Parser p{spec, 0, {}};
    JenkinsTree root;
    if (!p.list(root.children) || p.pos != spec.size()) {
        error = p.error.empty() ? "unexpected '" + spec.substr(p.pos, 1) + "' at position " + std::to_string(p.pos) : p.error;
        return std::nullopt;
    }
    return root;
}

Json pruneJenkinsTree(const Json &value, const JenkinsTree &tree) { return pruneValue(value, tree); }

}  // namespace pilothouse::sim
