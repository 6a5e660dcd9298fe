// Request and answer helpers for the simulator's HTTP handlers (cpp-httplib).
#pragma once

#include "common/apierror.h"

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// An answer assembled from bytes that already exist (objects serialized once, when stored) and a
// few pieces made for it, sent with a Content-Length straight from those bytes: a list of 100,000
// objects is never copied into one string.
class PiecedBody {
public:
    void append(std::string piece);
    // A view into bytes `owner` keeps alive until the answer is sent.
    void appendShared(std::string_view piece, std::shared_ptr<const void> owner);
    size_t size() const { return m_size; }
    std::string toString() const;
    // Sends it as the answer's body (not compressed: the HTTP layer would need it whole first).
    static void send(std::shared_ptr<PiecedBody> body, httplib::Response &res, const char *contentType);

private:
    std::deque<std::string> m_owned;  // a deque: appending never moves the pieces already viewed
    std::vector<std::shared_ptr<const void>> m_owners;
    std::vector<std::string_view> m_pieces;
    size_t m_size = 0;
};

}  // namespace pilothouse::sim
