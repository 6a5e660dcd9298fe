// Label and field selectors as the API server parses them (equality and set-based forms).
#pragma once

#include "common/simjson.h"

#include <string>
#include <vector>

namespace pilothouse::sim {

class LabelSelector {
public:
    // Parses "a=b,c!=d,e in (x,y),f notin (z),g,!h". Throws ApiException(400) on bad syntax.
    static LabelSelector parse(const std::string &text);
    // From a metav1.LabelSelector object (matchLabels + matchExpressions).
    static LabelSelector fromObject(const Json &selector);

    bool empty() const { return m_requirements.empty(); }
    bool matches(const Json *labels) const;
    std::string toString() const;

private:
    enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist };
    struct Requirement {
        std::string key;
        Op op;
        std::vector<std::string> values;
    };
    std::vector<Requirement> m_requirements;
};

class FieldSelector {
public:
    static FieldSelector parse(const std::string &text);
    bool empty() const { return m_terms.empty(); }
    bool matches(const Json &obj) const;
    // The value a term requires for metadata.name, if the selector pins one.
    std::string pinnedName() const;

private:
    struct Term {
        std::string path;
        bool negate;
        std::string value;
    };
    std::vector<Term> m_terms;
};

}  // namespace pilothouse::sim
