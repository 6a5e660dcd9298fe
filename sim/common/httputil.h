// Request and answer helpers for the simulator's HTTP handlers (cpp-httplib).
#pragma once

#include "common/apierror.h"

#include <string>

namespace httplib {
struct Request;
struct Response;
}

namespace pilothouse::sim {

inline constexpr const char *kJson = "application/json";
// Streams must not be gzip-compressed by the HTTP layer (it would hold events back), and
// cpp-httplib compresses only the exact type "application/json".
inline constexpr const char *kJsonStream = "application/json;stream=watch";

// A query parameter, empty when absent.
std::string param(const httplib::Request &req, const char *key);
// A boolean query parameter in strconv.ParseBool's spellings (Python clients send "True").
bool flag(const httplib::Request &req, const char *key);

void sendJson(httplib::Response &res, int status, const std::string &body, const char *type = kJson);
// The Status body of an API error, with Retry-After from details.retryAfterSeconds (1 s for a 429 without).
void sendStatus(httplib::Response &res, const ApiException &e);

}  // namespace pilothouse::sim
