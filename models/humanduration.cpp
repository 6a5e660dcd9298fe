// kubectl's HumanDuration: about two to three significant figures, coarser as durations grow.
#include "humanduration.h"

namespace pilothouse::models {

namespace {

QString withRemainder(qint64 major, char majorUnit, qint64 minor, char minorUnit)
{
    if (minor == 0)
        return QStringLiteral("%1%2").arg(major).arg(QLatin1Char(majorUnit));
    return QStringLiteral("%1%2%3%4").arg(major).arg(QLatin1Char(majorUnit)).arg(minor).arg(QLatin1Char(minorUnit));
}

QString single(qint64 value, char unit)
{
    return QStringLiteral("%1%2").arg(value).arg(QLatin1Char(unit));
}

} // namespace

QString humanDuration(qint64 seconds)
{
    // kubectl tolerates one second of clock skew between client and server as "now";
    // anything further in the future means the clocks disagree.
    if (seconds < -1)
        return QStringLiteral("<invalid>");
    if (seconds < 0)
        return QStringLiteral("0s");
    if (seconds < 60 * 2)
        return single(seconds, 's');

    const qint64 minutes = seconds / 60;
    if (minutes < 10)
        return withRemainder(minutes, 'm', seconds % 60, 's');
    if (minutes < 60 * 3)
        return single(minutes, 'm');

    const qint64 hours = seconds / 3600;
    if (hours < 8)
        return withRemainder(hours, 'h', minutes % 60, 'm');
    if (hours < 48)
        return single(hours, 'h');
    if (hours < 24 * 8)
        return withRemainder(hours / 24, 'd', hours % 24, 'h');
    if (hours < 24 * 365 * 2)
        return single(hours / 24, 'd');
    if (hours < 24 * 365 * 8)
        return withRemainder(hours / 24 / 365, 'y', (hours / 24) % 365, 'd');
    return single(hours / 24 / 365, 'y');
}

} // namespace pilothouse::models
