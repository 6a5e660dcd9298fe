// An API error that ends a request with a Kubernetes Status body (metav1.Status).
#pragma once

#include "common/simjson.h"

#include <stdexcept>
#include <string>

namespace pilothouse::sim {

class ApiException : public std::runtime_error {
public:
    ApiException(int code, std::string reason, std::string message, Json details = nullptr)
        : std::runtime_error(message), m_code(code), m_reason(std::move(reason)), m_details(std::move(details)) {}
    int code() const { return m_code; }
    const std::string &reason() const { return m_reason; }
    const Json &details() const { return m_details; }
    Json status() const;

    static ApiException badRequest(const std::string &message);

private:
    int m_code;
    std::string m_reason;
    Json m_details;
};

}  // namespace pilothouse::sim
