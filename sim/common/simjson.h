// JSON helpers shared by the simulator: typed access to nested fields without exceptions.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pilothouse::sim {

using Json = nlohmann::json;

// Returns the value at a dotted path ("metadata.labels"), or nullptr when any step is missing.
const Json *findPath(const Json &obj, std::string_view dottedPath);
std::string stringAt(const Json &obj, std::string_view dottedPath, std::string fallback = {});
long long intAt(const Json &obj, std::string_view dottedPath, long long fallback = 0);
bool boolAt(const Json &obj, std::string_view dottedPath, bool fallback = false);

// RFC 3339 timestamps in UTC with second precision, as the API server writes them.
std::string rfc3339(std::chrono::system_clock::time_point tp);
std::string rfc3339Now();
// Parses the RFC 3339 form written above (and fractional seconds); epoch on failure.
std::chrono::system_clock::time_point parseRfc3339(const std::string &text);

// kubectl's HumanDuration, used in the Age columns of Table answers.
std::string humanDuration(std::chrono::seconds d);
std::string ageOf(const Json &obj);

// "/api/v1//pods/" → {"api", "v1", "pods"}: a request path's segments, empty ones dropped.
std::vector<std::string> splitPath(const std::string &path);

std::string base64Encode(const std::string &in);  // standard alphabet, padded
// The URL-safe alphabet without padding (continue tokens, JWT parts); decoding accepts either
// alphabet and stops at padding; nullopt on any other character.
std::string base64UrlEncode(const std::string &in);
std::optional<std::string> base64UrlDecode(const std::string &in);
std::string randomSuffix(size_t length);  // lowercase consonants + digits, like generateName
std::string newUid();

}  // namespace pilothouse::sim
