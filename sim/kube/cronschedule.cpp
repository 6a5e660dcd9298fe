// Cron schedules: parsing with robfig/cron's standard rules and messages, and the search for the
// next and previous scheduled minute, day by day rather than minute by minute.
#include "kube/cronschedule.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <vector>

namespace pilothouse::sim {

namespace {

struct Bounds {
    int min, max;
    const std::map<std::string, int> *names;
};

const std::map<std::string, int> kMonthNames{{"jan", 1}, {"feb", 2}, {"mar", 3}, {"apr", 4}, {"may", 5},  {"jun", 6},
                                             {"jul", 7}, {"aug", 8}, {"sep", 9}, {"oct", 10}, {"nov", 11}, {"dec", 12}};
const std::map<std::string, int> kDayNames{{"sun", 0}, {"mon", 1}, {"tue", 2}, {"wed", 3}, {"thu", 4}, {"fri", 5}, {"sat", 6}};

std::vector<std::string> split(const std::string &s, char sep)
{
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    out.push_back(cur);
    return out;
}

bool parseNumber(const std::string &s, int &out)
{
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }))
        return false;
    out = std::stoi(s);
    return true;
}

bool parseValue(const std::string &s, const Bounds &b, int &out, std::string &error)
{
    if (b.names) {
        std::string lower;
        for (char c : s)
            lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        if (auto it = b.names->find(lower); it != b.names->end()) {
            out = it->second;
            return true;
        }
    }
    if (!parseNumber(s, out)) {
        error = "failed to parse int from " + s + ": strconv.Atoi: parsing \"" + s + "\": invalid syntax";
        return false;
    }
    return true;
}

// One comma-separated part of a field: "*", "?", "N", "A-B", with an optional "/STEP".
bool parseRange(const std::string &expr, const Bounds &b, std::uint64_t &bits, bool &star, std::string &error)
{
    auto rangeAndStep = split(expr, '/');
    auto lowAndHigh = split(rangeAndStep[0], '-');
    int start = 0, end = 0, step = 1;
    bool isStar = false;
    if (lowAndHigh[0] == "*" || lowAndHigh[0] == "?") {
        start = b.min;
        end = b.max;
        isStar = true;
    } else {
        if (!parseValue(lowAndHigh[0], b, start, error))
            return false;
        if (lowAndHigh.size() == 1) {
            end = start;
        } else if (lowAndHigh.size() == 2) {
            if (!parseValue(lowAndHigh[1], b, end, error))
                return false;
        } else {
            error = "too many hyphens: " + expr;
            return false;
        }
    }
    if (rangeAndStep.size() == 2) {
        if (!parseNumber(rangeAndStep[1], step)) {
            error = "failed to parse int from " + rangeAndStep[1] + ": strconv.Atoi: parsing \"" + rangeAndStep[1] + "\": invalid syntax";
            return false;
        }
        if (lowAndHigh.size() == 1 && !isStar)
            end = b.max;  // "N/STEP" means N through the maximum
        if (step > 1)
            isStar = false;
    } else if (rangeAndStep.size() > 2) {
        error = "too many slashes: " + expr;
        return false;
    }
    if (start < b.min) {
        error = "beginning of range (" + std::to_string(start) + ") below minimum (" + std::to_string(b.min) + "): " + expr;
        return false;
    }
    if (end > b.max) {
        error = "end of range (" + std::to_string(end) + ") above maximum (" + std::to_string(b.max) + "): " + expr;
        return false;
    }
    if (start > end) {
        error = "beginning of range (" + std::to_string(start) + ") beyond end of range (" + std::to_string(end) + "): " + expr;
        return false;
    }
    if (step == 0) {
        error = "step of range should be a positive number: " + expr;
        return false;
    }
    for (int v = start; v <= end; v += step)
        bits |= std::uint64_t{1} << v;
    star = star || isStar;
    return true;
}

bool parseField(const std::string &field, const Bounds &b, std::uint64_t &bits, bool &star, std::string &error)
{
    for (const auto &part : split(field, ','))
        if (!parseRange(part, b, bits, star, error))
            return false;
    return true;
}

// Howard Hinnant's civil calendar algorithms: days since 1970-01-01 <-> year, month, day.
void civilFromDays(long long z, int &y, int &m, int &d)
{
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const long long doe = z - era * 146097;
    const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long long mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

int weekdayOf(long long days) { return static_cast<int>(((days + 4) % 7 + 7) % 7); }  // 1970-01-01 was a Thursday

constexpr long long kSearchDays = 5 * 366;

long long floorDiv(long long a, long long b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

}  // namespace

std::optional<CronSchedule> CronSchedule::parse(const std::string &text, std::string &error)
{
    std::string spec = text;
    while (!spec.empty() && std::isspace(static_cast<unsigned char>(spec.back())))
        spec.pop_back();
    while (!spec.empty() && std::isspace(static_cast<unsigned char>(spec.front())))
        spec.erase(spec.begin());
    if (spec.empty()) {
        error = "empty spec string";
        return std::nullopt;
    }
    if (spec[0] == '@') {
        static const std::map<std::string, std::string> descriptors{
            {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
            {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"}};
        auto it = descriptors.find(spec);
        if (it == descriptors.end()) {
            error = "unrecognized descriptor: " + spec;
            return std::nullopt;
        }
        spec = it->second;
    }
    std::istringstream in(spec);
    std::vector<std::string> fields;
    for (std::string f; in >> f;)
        fields.push_back(f);
    if (fields.size() != 5) {
        std::string joined;
        for (size_t i = 0; i < fields.size(); ++i)
            joined += (i ? " " : "") + fields[i];
        error = "expected exactly 5 fields, found " + std::to_string(fields.size()) + ": [" + joined + "]";
        return std::nullopt;
    }
    CronSchedule s;
    std::uint64_t minutes = 0, hours = 0, doms = 0, months = 0, dows = 0;
    bool ignored = false, domStar = false, dowStar = false;
    if (!parseField(fields[0], {0, 59, nullptr}, minutes, ignored, error) || !parseField(fields[1], {0, 23, nullptr}, hours, ignored, error) ||
        !parseField(fields[2], {1, 31, nullptr}, doms, domStar, error) || !parseField(fields[3], {1, 12, &kMonthNames}, months, ignored, error) ||
        !parseField(fields[4], {0, 6, &kDayNames}, dows, dowStar, error))
        return std::nullopt;
    s.m_minutes = minutes;
    s.m_hours = static_cast<std::uint32_t>(hours);
    s.m_daysOfMonth = static_cast<std::uint32_t>(doms);
    s.m_months = static_cast<std::uint32_t>(months);
    s.m_weekdays = static_cast<std::uint32_t>(dows);
    s.m_dayStar = domStar || dowStar;
    return s;
}

bool CronSchedule::dayMatches(int dayOfMonth, int month, int weekday) const
{
    if (!(m_months & (1u << month)))
        return false;
    const bool dom = m_daysOfMonth & (1u << dayOfMonth);
    const bool dow = m_weekdays & (1u << weekday);
    return m_dayStar ? dom && dow : dom || dow;
}

std::optional<CronSchedule::TimePoint> CronSchedule::next(TimePoint t) const
{
    using namespace std::chrono;
    const long long startMinute = floorDiv(duration_cast<seconds>(t.time_since_epoch()).count(), 60) + 1;
    const long long startDay = floorDiv(startMinute, 1440);
    for (long long day = startDay; day < startDay + kSearchDays; ++day) {
        int y, m, d;
        civilFromDays(day, y, m, d);
        if (!dayMatches(d, m, weekdayOf(day)))
            continue;
        const int firstMinuteOfDay = day == startDay ? static_cast<int>(startMinute - startDay * 1440) : 0;
        for (int h = firstMinuteOfDay / 60; h < 24; ++h) {
            if (!(m_hours & (1u << h)))
                continue;
            for (int mi = h == firstMinuteOfDay / 60 ? firstMinuteOfDay % 60 : 0; mi < 60; ++mi)
                if (m_minutes & (std::uint64_t{1} << mi))
                    return TimePoint(seconds((day * 1440 + h * 60 + mi) * 60));
        }
    }
    return std::nullopt;
}

std::optional<CronSchedule::TimePoint> CronSchedule::previous(TimePoint t) const
{
    using namespace std::chrono;
    const long long endMinute = floorDiv(duration_cast<seconds>(t.time_since_epoch()).count(), 60);
    const long long endDay = floorDiv(endMinute, 1440);
    for (long long day = endDay; day > endDay - kSearchDays; --day) {
        int y, m, d;
        civilFromDays(day, y, m, d);
        if (!dayMatches(d, m, weekdayOf(day)))
            continue;
        const int lastMinuteOfDay = day == endDay ? static_cast<int>(endMinute - endDay * 1440) : 1439;
        for (int h = lastMinuteOfDay / 60; h >= 0; --h) {
            if (!(m_hours & (1u << h)))
                continue;
            for (int mi = h == lastMinuteOfDay / 60 ? lastMinuteOfDay % 60 : 59; mi >= 0; --mi)
                if (m_minutes & (std::uint64_t{1} << mi))
                    return TimePoint(seconds((day * 1440 + h * 60 + mi) * 60));
        }
    }
    return std::nullopt;
}

}  // namespace pilothouse::sim
