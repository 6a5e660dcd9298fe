// Values as Grafana shows them for its units: reqps → "12.3 req/s", percentunit → "99.5%",
// ms → "250 ms" / "1.50 s", s → "2.5 min", bytes → "3.20 MiB", Bps → "12.0 kB/s", short → "1.2K".
// One place for every chart, stat, gauge, table and graph edge label.
#pragma once

#include <QString>

#include <optional>

namespace pilothouse::models {

// `unit` is Grafana's unit id; an unknown one is shown as a plain number followed by it.
// `decimals` fixes the digits after the point; without it they follow the value's size.
QString formatValue(double value, const QString &unit, std::optional<int> decimals = std::nullopt);

// The unit's name for an axis title or a legend ("requests per second"); empty for none.
QString unitName(const QString &unit);

}  // namespace pilothouse::models
