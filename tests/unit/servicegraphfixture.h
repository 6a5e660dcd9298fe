// Loads service graph fixtures: query answers in Prometheus's vector shape, and the inventory.
#pragma once

#include "servicegraph/appenders.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <limits>

namespace servicegraphfixture {

using namespace pilothouse::backends::servicegraph;

// Prometheus sends sample values as strings, "NaN" and "+Inf" included.
inline double sampleValue(const QString &text)
{
    if (text == QLatin1String("NaN"))
        return std::numeric_limits<double>::quiet_NaN();
    if (text == QLatin1String("+Inf"))
        return std::numeric_limits<double>::infinity();
    if (text == QLatin1String("-Inf"))
        return -std::numeric_limits<double>::infinity();
    return text.toDouble();
}

inline Vector parseVector(const QJsonArray &array)
{
    Vector v;
    for (const QJsonValue &item : array) {
        const QJsonObject o = item.toObject();
        Sample s;
        const QJsonObject metric = o.value(QLatin1String("metric")).toObject();
        for (auto it = metric.begin(); it != metric.end(); ++it)
            s.labels.insert(it.key(), it.value().toString());
        s.value = sampleValue(o.value(QLatin1String("value")).toArray().at(1).toString());
        v.append(s);
    }
    return v;
}

inline AppenderInputs loadInputs(const QString &name)
{
    QFile file(QStringLiteral(PILOTHOUSE_TEST_DATA "/servicegraph/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("fixture %s missing", qPrintable(name));
    const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    AppenderInputs in;
    const QJsonObject results = root.value(QLatin1String("results")).toObject();
    for (auto it = results.begin(); it != results.end(); ++it)
        in.results.insert(it.key(), parseVector(it.value().toArray()));
    const QJsonObject inv = root.value(QLatin1String("inventory")).toObject();
    for (const QJsonValue &w : inv.value(QLatin1String("workloads")).toArray()) {
        const QJsonObject o = w.toObject();
        in.inventory.workloads.append({o.value(QLatin1String("namespace")).toString(),
                                       o.value(QLatin1String("name")).toString(),
                                       o.value(QLatin1String("app")).toString(),
                                       o.value(QLatin1String("version")).toString(),
                                       o.value(QLatin1String("pods")).toInt()});
    }
    for (const QJsonValue &s : inv.value(QLatin1String("services")).toArray()) {
        const QJsonObject o = s.toObject();
        in.inventory.services.append(
            {o.value(QLatin1String("namespace")).toString(), o.value(QLatin1String("name")).toString()});
    }
    return in;
}

} // namespace servicegraphfixture
