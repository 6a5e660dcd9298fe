// JSON and time helpers shared by the simulator.
#include "common/simjson.h"

#include <cstdio>
#include <ctime>
#include <random>

namespace pilothouse::sim {

const Json *findPath(const Json &obj, std::string_view dottedPath)
{
    const Json *cur = &obj;
    size_t start = 0;
    while (start <= dottedPath.size()) {
        size_t dot = dottedPath.find('.', start);
        std::string_view part = dottedPath.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (!cur->is_object())
            return nullptr;
        auto it = cur->find(std::string(part));
        if (it == cur->end())
            return nullptr;
        cur = &*it;
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    return cur;
}

std::string stringAt(const Json &obj, std::string_view dottedPath, std::string fallback)
{
    const Json *v = findPath(obj, dottedPath);
    if (!v)
        return fallback;
    if (v->is_string())
        return v->get<std::string>();
    if (v->is_number_integer())
        return std::to_string(v->get<long long>());
    if (v->is_boolean())
        return v->get<bool>() ? "true" : "false";
    return fallback;
}

long long intAt(const Json &obj, std::string_view dottedPath, long long fallback)
{
    const Json *v = findPath(obj, dottedPath);
    if (v && v->is_number_integer())
        return v->get<long long>();
    if (v && v->is_number_float())
        return static_cast<long long>(v->get<double>());
    return fallback;
}

bool boolAt(const Json &obj, std::string_view dottedPath, bool fallback)
{
    const Json *v = findPath(obj, dottedPath);
    return v && v->is_boolean() ? v->get<bool>() : fallback;
}

std::string rfc3339(std::chrono::system_clock::time_point tp)
{
    std::time_t t = std::chrono::system_clock::to_time_t(tp);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string rfc3339Now() { return rfc3339(std::chrono::system_clock::now()); }

std::chrono::system_clock::time_point parseRfc3339(const std::string &text)
{
    std::tm tm{};
    int y, mo, d, h, mi, s;
    if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
        return {};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string humanDuration(std::chrono::seconds d)
{
    long long seconds = d.count();
    if (seconds < -1)
        return "<invalid>";
    if (seconds < 0)
        return "0s";
    if (seconds < 60 * 2)
        return std::to_string(seconds) + "s";
    long long minutes = seconds / 60;
    if (minutes < 10) {
        long long s = seconds % 60;
        return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
    }
    if (minutes < 60 * 3)
        return std::to_string(minutes) + "m";
    long long hours = seconds / 3600;
    if (hours < 8) {
        long long m = minutes % 60;
        return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
    }
    if (hours < 48)
        return std::to_string(hours) + "h";
    if (hours < 24 * 8) {
        long long h = hours % 24;
        return h == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
    }
    if (hours < 24 * 365 * 2)
        return std::to_string(hours / 24) + "d";
    if (hours < 24 * 365 * 8) {
        long long dy = (hours / 24) % 365;
        return dy == 0 ? std::to_string(hours / 24 / 365) + "y" : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
    }
    return std::to_string(hours / 24 / 365) + "y";
}

std::string ageOf(const Json &obj)
{
    std::string ts = stringAt(obj, "metadata.creationTimestamp");
    if (ts.empty())
        return "<unknown>";
    auto age = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - parseRfc3339(ts));
    return humanDuration(age);
}

std::string base64Encode(const std::string &in)
{
    static const char *tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0, bits = -6;
    for (unsigned char c : in) {
        val = (val << 8) + c;
        bits += 8;
        while (bits >= 0) {
            out.push_back(tbl[(val >> bits) & 0x3F]);
            bits -= 6;
        }
    }
    if (bits > -6)
        out.push_back(tbl[((val << 8) >> (bits + 8)) & 0x3F]);
    while (out.size() % 4)
        out.push_back('=');
    return out;
}

namespace {
std::mt19937_64 &rng()
{
    thread_local std::mt19937_64 gen{std::random_device{}()};
    return gen;
}
}  // namespace

std::vector<std::string> splitPath(const std::string &path)
{
    std::vector<std::string> parts;
    std::string cur;
    for (char c : path) {
        if (c == '/') {
            if (!cur.empty())
                parts.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty())
        parts.push_back(cur);
    return parts;
}

std::string base64UrlEncode(const std::string &in)
{
    std::string out = base64Encode(in);
    while (!out.empty() && out.back() == '=')
        out.pop_back();
    for (char &c : out)
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

std::optional<std::string> base64UrlDecode(const std::string &in)
{
    std::string out;
    int val = 0, bits = -8;
    for (char ch : in) {
        int d;
        if (ch >= 'A' && ch <= 'Z') d = ch - 'A';
        else if (ch >= 'a' && ch <= 'z') d = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9') d = ch - '0' + 52;
        else if (ch == '-' || ch == '+') d = 62;
        else if (ch == '_' || ch == '/') d = 63;
        else if (ch == '=') break;
        else return std::nullopt;
        val = (val << 6) + d;
        bits += 6;
        if (bits >= 0) {
            out.push_back(static_cast<char>((val >> bits) & 0xFF));
            bits -= 8;
        }
    }
    return out;
}

std::string randomSuffix(size_t length)
{
    static constexpr char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    std::uniform_int_distribution<size_t> pick(0, sizeof(alphabet) - 2);
    std::string out;
    out.reserve(length);
    for (size_t i = 0; i < length; ++i)
        out.push_back(alphabet[pick(rng())]);
    return out;
}

std::string newUid()
{
    std::uniform_int_distribution<unsigned> hex(0, 15);
    std::string out = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
    for (char &c : out) {
        if (c == 'x')
            c = "0123456789abcdef"[hex(rng())];
        else if (c == 'y')
            c = "89ab"[hex(rng()) & 3];
    }
    return out;
}

}  // namespace pilothouse::sim
