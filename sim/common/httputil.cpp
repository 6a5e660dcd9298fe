// Request and answer helpers.
#include "common/httputil.h"

#include <httplib.h>

#include <utility>

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

void PiecedBody::append(std::string piece)
{
    if (piece.empty())
        return;
    m_size += piece.size();
    m_owned.push_back(std::move(piece));
    m_pieces.emplace_back(m_owned.back());
}

void PiecedBody::appendShared(std::string_view piece, std::shared_ptr<const void> owner)
{
    if (piece.empty())
        return;
    m_size += piece.size();
    m_pieces.push_back(piece);
    if (owner && (m_owners.empty() || m_owners.back() != owner))
        m_owners.push_back(std::move(owner));
}

std::string PiecedBody::toString() const
{
    std::string out;
    out.reserve(m_size);
    for (const auto &p : m_pieces)
        out += p;
    return out;
}

void PiecedBody::send(std::shared_ptr<PiecedBody> body, httplib::Response &res, const char *contentType)
{
    // httplib asks for the bytes from `offset` on, in order; the cursor remembers where that is.
    struct Cursor {
        size_t piece = 0, offset = 0;
        std::string staging;
    };
    auto cursor = std::make_shared<Cursor>();
    const size_t total = body->size();
    res.set_content_provider(total, contentType, [body, cursor](size_t offset, size_t, httplib::DataSink &sink) {
        constexpr size_t kChunk = 256 * 1024;
        Cursor &c = *cursor;
        if (offset != c.offset)
            return false;  // httplib never rewinds; if it did, the answer would be wrong: drop it
        c.staging.clear();
        c.staging.reserve(kChunk + 64 * 1024);
        size_t sent = 0;
        auto flush = [&] {
            if (c.staging.empty())
                return true;
            const bool ok = sink.write(c.staging.data(), c.staging.size());
            sent += c.staging.size();
            c.staging.clear();
            return ok;
        };
        while (c.piece < body->m_pieces.size() && sent + c.staging.size() < kChunk) {
            // One copy into a reused buffer: big writes make full TLS records and few system
            // calls (a write per 8 KB object costs more than the copy).
            c.staging += body->m_pieces[c.piece];
            ++c.piece;
        }
        if (!flush())
            return false;
        c.offset += sent;
        return true;
    });
}

}  // namespace pilothouse::sim
