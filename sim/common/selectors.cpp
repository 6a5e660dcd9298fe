// Label and field selector parsing and matching.
#include "common/selectors.h"

#include "kube/objectstore.h"

#include <algorithm>
#include <cctype>

namespace pilothouse::sim {

namespace {

std::string trim(const std::string &s)
{
    size_t b = s.find_first_not_of(" \t");
    size_t e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Splits on commas that are not inside parentheses.
std::vector<std::string> splitTopLevel(const std::string &text)
{
    std::vector<std::string> parts;
    int depth = 0;
    std::string cur;
    for (char c : text) {
        if (c == '(')
            ++depth;
        else if (c == ')')
            --depth;
        if (c == ',' && depth == 0) {
            parts.push_back(trim(cur));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!trim(cur).empty() || !parts.empty())
        parts.push_back(trim(cur));
    return parts;
}

bool validKey(const std::string &k)
{
    if (k.empty())
        return false;
    return std::all_of(k.begin(), k.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/';
    });
}

}  // namespace

LabelSelector LabelSelector::parse(const std::string &text)
{
    LabelSelector sel;
    for (const std::string &part : splitTopLevel(text)) {
        if (part.empty())
            throw ApiException::badRequest("unable to parse requirement: found '', expected: identifier");
        Requirement r;
        size_t sp = part.find(' ');
        if (part[0] == '!') {
            r.key = trim(part.substr(1));
            r.op = Op::DoesNotExist;
        } else if (sp != std::string::npos && (part.find(" in ") != std::string::npos || part.find(" notin ") != std::string::npos)) {
            r.key = trim(part.substr(0, sp));
            std::string rest = trim(part.substr(sp));
            r.op = rest.rfind("notin", 0) == 0 ? Op::NotIn : Op::In;
            size_t open = rest.find('(');
            size_t close = rest.rfind(')');
            if (open == std::string::npos || close == std::string::npos || close < open)
                throw ApiException::badRequest("unable to parse requirement: found '" + rest + "', expected: '('");
            std::string inner = rest.substr(open + 1, close - open - 1);
            size_t start = 0;
            while (start <= inner.size()) {
                size_t comma = inner.find(',', start);
                std::string v = trim(inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
                if (!v.empty())
                    r.values.push_back(v);
                if (comma == std::string::npos)
                    break;
                start = comma + 1;
            }
        } else if (size_t ne = part.find("!="); ne != std::string::npos) {
            r.key = trim(part.substr(0, ne));
            r.op = Op::NotEquals;
            r.values.push_back(trim(part.substr(ne + 2)));
        } else if (size_t eq = part.find('='); eq != std::string::npos) {
            r.key = trim(part.substr(0, eq));
            r.op = Op::Equals;
            size_t vstart = part.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
            r.values.push_back(trim(part.substr(vstart)));
        } else {
            r.key = part;
            r.op = Op::Exists;
        }
        if (!validKey(r.key))
            throw ApiException::badRequest("unable to parse requirement: invalid label key \"" + r.key + "\"");
        sel.m_requirements.push_back(std::move(r));
    }
    return sel;
}

LabelSelector LabelSelector::fromObject(const Json &selector)
{
    LabelSelector sel;
    if (!selector.is_object())
        return sel;
    if (auto it = selector.find("matchLabels"); it != selector.end() && it->is_object())
        for (const auto &[k, v] : it->items())
            sel.m_requirements.push_back({k, Op::Equals, {v.is_string() ? v.get<std::string>() : v.dump()}});
    if (auto it = selector.find("matchExpressions"); it != selector.end() && it->is_array()) {
        for (const auto &e : *it) {
            Requirement r{e.value("key", ""), Op::In, {}};
            std::string op = e.value("operator", "In");
            r.op = op == "NotIn" ? Op::NotIn : op == "Exists" ? Op::Exists : op == "DoesNotExist" ? Op::DoesNotExist : Op::In;
            if (auto vals = e.find("values"); vals != e.end() && vals->is_array())
                for (const auto &v : *vals)
                    r.values.push_back(v.get<std::string>());
            sel.m_requirements.push_back(std::move(r));
        }
    }
    return sel;
}

bool LabelSelector::matches(const Json *labels) const
{
    for (const auto &r : m_requirements) {
        const Json *v = nullptr;
        if (labels && labels->is_object()) {
            auto it = labels->find(r.key);
            if (it != labels->end())
                v = &*it;
        }
        std::string value = v && v->is_string() ? v->get<std::string>() : std::string();
        bool has = v != nullptr;
        bool inValues = has && std::find(r.values.begin(), r.values.end(), value) != r.values.end();
        switch (r.op) {
        case Op::Equals:
        case Op::In:
            if (!inValues)
                return false;
            break;
        case Op::NotEquals:
        case Op::NotIn:
            if (inValues)
                return false;
            break;
        case Op::Exists:
            if (!has)
                return false;
            break;
        case Op::DoesNotExist:
            if (has)
                return false;
            break;
        }
    }
    return true;
}

std::string LabelSelector::toString() const
{
    std::string out;
    for (const auto &r : m_requirements) {
        if (!out.empty())
            out += ",";
        switch (r.op) {
        case Op::Equals: out += r.key + "=" + r.values.front(); break;
        case Op::NotEquals: out += r.key + "!=" + r.values.front(); break;
        case Op::Exists: out += r.key; break;
        case Op::DoesNotExist: out += "!" + r.key; break;
        case Op::In:
        case Op::NotIn: {
            out += r.key + (r.op == Op::In ? " in (" : " notin (");
            for (size_t i = 0; i < r.values.size(); ++i)
                out += (i ? "," : "") + r.values[i];
            out += ")";
            break;
        }
        }
    }
    return out;
}

FieldSelector FieldSelector::parse(const std::string &text)
{
    FieldSelector sel;
    for (const std::string &part : splitTopLevel(text)) {
        if (part.empty())
            continue;
        Term t{};
        if (size_t ne = part.find("!="); ne != std::string::npos) {
            t = {trim(part.substr(0, ne)), true, trim(part.substr(ne + 2))};
        } else if (size_t eq = part.find("=="); eq != std::string::npos) {
            t = {trim(part.substr(0, eq)), false, trim(part.substr(eq + 2))};
        } else if (size_t e1 = part.find('='); e1 != std::string::npos) {
            t = {trim(part.substr(0, e1)), false, trim(part.substr(e1 + 1))};
        } else {
            throw ApiException::badRequest("invalid selector: '" + text + "'; can't understand '" + part + "'");
        }
        sel.m_terms.push_back(std::move(t));
    }
    return sel;
}

bool FieldSelector::matches(const Json &obj) const
{
    for (const auto &t : m_terms) {
        std::string actual = stringAt(obj, t.path);
        // Pods report an empty spec.nodeName before scheduling; the API server matches "" then.
        if ((actual == t.value) == t.negate)
            return false;
    }
    return true;
}

std::string FieldSelector::pinnedName() const
{
    for (const auto &t : m_terms)
        if (t.path == "metadata.name" && !t.negate)
            return t.value;
    return {};
}

}  // namespace pilothouse::sim
