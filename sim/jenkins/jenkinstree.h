// The `tree=` query of Jenkins' remote API (hudson.model.Api, TreePruner): which fields of an
// answer a client wants, nested with brackets, arrays cut with {m,n} ranges.
#pragma once

#include "common/simjson.h"

#include <optional>
#include <string>
#include <vector>

namespace pilothouse::sim {

struct JenkinsTree {
    std::string name;
    std::vector<JenkinsTree> children;  // empty: the field as a value, objects reduced to their _class
    std::optional<long long> from, to;  // {from,to}: elements [from, to) of an array

    const JenkinsTree *find(const std::string &field) const;
};

// Parses "jobs[name,url,jobs[name]{0,2}],color"; nullopt with `error` set when malformed.
std::optional<JenkinsTree> parseJenkinsTree(const std::string &spec, std::string &error);

// Keeps of `value` what `tree` names (and `_class` everywhere, as Jenkins does).
Json pruneJenkinsTree(const Json &value, const JenkinsTree &tree);

}  // namespace pilothouse::sim
