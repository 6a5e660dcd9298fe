// Loads a multi-document YAML fixture from tests/data/rollouts into objects grouped by kind.
#pragma once

#include "workloads/inspect/yamledit.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

struct RolloutFixture {
    QJsonObject rollout;
    QJsonObject deployment;
    QList<QJsonObject> replicaSets;
    QList<QJsonObject> pods;
    QList<QJsonObject> analysisRuns;
    QString error;
};

inline RolloutFixture loadRolloutFixture(const QString &name)
{
    RolloutFixture f;
    QFile file(QStringLiteral(PILOTHOUSE_TEST_DATA "/rollouts/") + name);
    if (!file.open(QIODevice::ReadOnly)) {
        f.error = QStringLiteral("cannot open ") + file.fileName();
        return f;
    }
    const QString text = QString::fromUtf8(file.readAll());
    const QStringList docs = text.split(QRegularExpression(QStringLiteral("^---\\s*$"), QRegularExpression::MultilineOption));
    for (const QString &doc : docs) {
        if (!doc.contains(QLatin1String("kind:")))  // empty or comment only
            continue;
        auto json = pilothouse::backends::workloads::yamlToJson(doc);
        if (!json) {
            f.error = name + QStringLiteral(": ") + json.error().message;
            return f;
        }
        const QJsonObject o = QJsonDocument::fromJson(json.value()).object();
        const QString kind = o.value(QStringLiteral("kind")).toString();
        if (kind == QLatin1String("Rollout"))
            f.rollout = o;
        else if (kind == QLatin1String("Deployment"))
            f.deployment = o;
        else if (kind == QLatin1String("ReplicaSet"))
            f.replicaSets << o;
        else if (kind == QLatin1String("Pod"))
            f.pods << o;
        else if (kind == QLatin1String("AnalysisRun"))
            f.analysisRuns << o;
    }
    return f;
}
