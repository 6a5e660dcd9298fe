// The five-field cron schedules of CronJobs (robfig/cron's standard parser, as the API server and
// the CronJob controller use it), evaluated in UTC.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace pilothouse::sim {

class CronSchedule {
public:
    using TimePoint = std::chrono::system_clock::time_point;

    // "*/15 * * * *", "0 2 * * 1-5", "@daily"...; nullopt with `error` set when it does not parse.
    static std::optional<CronSchedule> parse(const std::string &text, std::string &error);

    // The first scheduled minute strictly after `t`, or nullopt when none comes within five years
    // (such as "0 0 30 2 *").
    std::optional<TimePoint> next(TimePoint t) const;
    // The last scheduled minute at or before `t`, or nullopt when none was within five years.
    std::optional<TimePoint> previous(TimePoint t) const;

private:
    bool dayMatches(int dayOfMonth, int month, int weekday) const;

    std::uint64_t m_minutes = 0;  // bit per value
    std::uint32_t m_hours = 0;
    std::uint32_t m_daysOfMonth = 0;
    std::uint32_t m_months = 0;
    std::uint32_t m_weekdays = 0;
    // robfig/cron: when either day field is "*" (or "?"), both must match; otherwise either may.
    bool m_dayStar = false;
};

}  // namespace pilothouse::sim
