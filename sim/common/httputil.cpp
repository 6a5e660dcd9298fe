// Request and answer helpers.
#include "common/httputil.h"

#include <httplib.h>

namespace pilothouse::sim {

std::string param(const httplib::Request &req, const char *key)
{
    return req.has_param(key) ? req.get_param_value(key) : std::string();
}

bool flag(const httplib::Request &req, const char *key)
{
    std::string v = param(req, key);
    return v == "true" || v == "1" || v == "True" || v == "TRUE" || v == "t" || v == "T";
}

void sendJson(httplib::Response &res, int status, const std::string &body, const char *type)
{
    res.status = status;
    res.set_content(body, type);
}

void sendStatus(httplib::Response &res, const ApiException &e)
{
    sendJson(res, e.code(), e.status().dump());
    // As kube-apiserver's ErrorNegotiated: the Status's retryAfterSeconds goes into Retry-After.
    const Json *retry = findPath(e.details(), "retryAfterSeconds");
    if (retry && retry->is_number_integer() && retry->get<long long>() > 0)
        res.set_header("Retry-After", std::to_string(retry->get<long long>()));
    else if (e.code() == 429)
        res.set_header("Retry-After", "1");
}

}  // namespace pilothouse::sim
