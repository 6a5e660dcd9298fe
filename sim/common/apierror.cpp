// The Status body of an API error.
#include "common/apierror.h"

namespace pilothouse::sim {

Json ApiException::status() const
{
    Json s = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Failure"},
              {"message", what()}, {"reason", m_reason}, {"code", m_code}};
    if (!m_details.is_null())
        s["details"] = m_details;
    return s;
}

ApiException ApiException::badRequest(const std::string &message) { return {400, "BadRequest", message}; }

}  // namespace pilothouse::sim
