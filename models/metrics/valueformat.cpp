// Grafana's units as text.
#include "metrics/valueformat.h"

#include <QCoreApplication>

#include <cmath>

namespace pilothouse::models {

namespace {

int autoDecimals(double v)
{
    const double a = std::fabs(v);
    if (a == 0 || a >= 100)
        return 0;
    if (a >= 10)
        return 1;
    if (a >= 1)
        return 2;
    return 3;
}

QString number(double v, std::optional<int> decimals)
{
    const int d = decimals ? *decimals : autoDecimals(v);
    QString s = QString::number(v, 'f', d);
    if (!decimals && s.contains(QLatin1Char('.'))) {
        // Trailing zeros of automatic digits say nothing ("2.50" → "2.5"; "3.000" → "3").
        while (s.endsWith(QLatin1Char('0')))
            s.chop(1);
        if (s.endsWith(QLatin1Char('.')))
            s.chop(1);
    }
    return s;
}

// Steps of 1000 (SI) or 1024 (IEC) with their prefixes.
QString scaled(double v, double base, const char *const *prefixes, int count, const QString &suffix, std::optional<int> decimals)
{
    int i = 0;
    double x = v;
    while (std::fabs(x) >= base && i < count - 1) {
        x /= base;
        ++i;
    }
    return number(x, decimals) + QLatin1Char(' ') + QLatin1String(prefixes[i]) + suffix;
}

// A duration from a number of milliseconds, in the largest unit that keeps the value ≥ 1.
QString duration(double ms, std::optional<int> decimals)
{
    const double a = std::fabs(ms);
    if (a < 1 && a > 0)
        return number(ms * 1000, decimals) + QStringLiteral(" µs");
    if (a < 1000)
        return number(ms, decimals) + QStringLiteral(" ms");
    if (a < 60'000)
        return number(ms / 1000, decimals) + QStringLiteral(" s");
    if (a < 3'600'000)
        return number(ms / 60'000, decimals) + QStringLiteral(" min");
    if (a < 86'400'000)
        return number(ms / 3'600'000, decimals) + QStringLiteral(" hour");
    return number(ms / 86'400'000, decimals) + QStringLiteral(" day");
}

}  // namespace

QString formatValue(double value, const QString &unit, std::optional<int> decimals)
{
    if (std::isnan(value))
        return QStringLiteral("NaN");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("+Inf") : QStringLiteral("-Inf");
    static const char *const si[] = {"", "k", "M", "G", "T", "P"};
    static const char *const iec[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};
    static const char *const shortSuffix[] = {"", "K", "Mil", "Bil", "Tri"};
    if (unit == QLatin1String("reqps"))
        return number(value, decimals) + QStringLiteral(" req/s");
    if (unit == QLatin1String("ops"))
        return number(value, decimals) + QStringLiteral(" ops/s");
    if (unit == QLatin1String("rps"))
        return number(value, decimals) + QStringLiteral(" rd/s");
    if (unit == QLatin1String("percentunit"))
        return number(value * 100, decimals) + QLatin1Char('%');
    if (unit == QLatin1String("percent"))
        return number(value, decimals) + QLatin1Char('%');
    if (unit == QLatin1String("ms"))
        return duration(value, decimals);
    if (unit == QLatin1String("s"))
        return duration(value * 1000, decimals);
    if (unit == QLatin1String("µs") || unit == QLatin1String("us"))
        return duration(value / 1000, decimals);
    if (unit == QLatin1String("bytes"))
        return scaled(value, 1024, iec, 6, QStringLiteral("B"), decimals);
    if (unit == QLatin1String("decbytes"))
        return scaled(value, 1000, si, 6, QStringLiteral("B"), decimals);
    if (unit == QLatin1String("Bps"))
        return scaled(value, 1000, si, 6, QStringLiteral("B/s"), decimals);
    if (unit == QLatin1String("binBps"))
        return scaled(value, 1024, iec, 6, QStringLiteral("B/s"), decimals);
    if (unit == QLatin1String("bps"))
        return scaled(value, 1000, si, 6, QStringLiteral("b/s"), decimals);
    if (unit == QLatin1String("none"))
        return number(value, decimals);
    if (unit.isEmpty() || unit == QLatin1String("short")) {
        int i = 0;
        double x = value;
        while (std::fabs(x) >= 1000 && i < 4) {
            x /= 1000;
            ++i;
        }
        return number(x, decimals) + QLatin1String(shortSuffix[i]);
    }
    return number(value, decimals) + QLatin1Char(' ') + unit;
}

QString unitName(const QString &unit)
{
    const auto tr = [](const char *s) { return QCoreApplication::translate("Units", s); };
    if (unit == QLatin1String("reqps"))
        return tr("requests per second");
    if (unit == QLatin1String("ops"))
        return tr("operations per second");
    if (unit == QLatin1String("percentunit") || unit == QLatin1String("percent"))
        return tr("percent");
    if (unit == QLatin1String("ms") || unit == QLatin1String("s") || unit == QLatin1String("µs"))
        return tr("time");
    if (unit == QLatin1String("bytes") || unit == QLatin1String("decbytes"))
        return tr("bytes");
    if (unit == QLatin1String("Bps") || unit == QLatin1String("binBps") || unit == QLatin1String("bps"))
        return tr("throughput");
    return {};
}

}  // namespace pilothouse::models
