// Test support: the console's settings for pilothouse-sim's Jenkins, read from the jenkins.json the
// simulator writes beside its kubeconfig, and a client connected with them (header-only: its users
// link pilothouse_backends).
#pragma once

#include "http/httpengine.h"
#include "jenkins/jenkinsclient.h"
#include "simprocess.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <memory>

namespace pilothouse::testsupport {

// The user admin with its API token and password and the simulator's CA; an empty url when
// jenkins.json cannot be read.
// `viewer`: the read-only user's credentials instead of the administrator's.
inline backends::jenkins::JenkinsServer jenkinsServerOf(const SimProcess &sim, bool viewer = false)
{
    backends::jenkins::JenkinsServer server;
    QFile f(sim.workDir() + QStringLiteral("/jenkins.json"));
    if (!f.open(QIODevice::ReadOnly))
        return server;
    const QJsonObject j = QJsonDocument::fromJson(f.readAll()).object();
    server.url = j.value(QStringLiteral("url")).toString();
    server.user = j.value(QStringLiteral("user")).toString();
    server.apiToken = j.value(QStringLiteral("apiToken")).toString().toUtf8();
    server.password = j.value(QStringLiteral("password")).toString().toUtf8();
    server.caPem = QByteArray::fromBase64(j.value(QStringLiteral("certificateAuthorityData")).toString().toLatin1());
    if (viewer) {
        const QJsonObject v = j.value(QStringLiteral("viewer")).toObject();
        server.user = v.value(QStringLiteral("user")).toString();
        server.apiToken = v.value(QStringLiteral("apiToken")).toString().toUtf8();
        server.password = v.value(QStringLiteral("password")).toString().toUtf8();
    }
    return server;
}

// pilothouse-sim with its Jenkins, and the console's client connected to it as admin (API token).
struct JenkinsSimClient {
    std::unique_ptr<SimProcess> sim;
    std::unique_ptr<backends::http::HttpEngine> engine;
    std::unique_ptr<backends::jenkins::JenkinsClient> client;

    // Starts the simulator with `args` and connects; what went wrong, empty when all is well.
    QString start(const QStringList &args)
    {
        sim = std::make_unique<SimProcess>(args);
        QString error;
        if (!sim->start(&error))
            return error;
        const backends::jenkins::JenkinsServer server = jenkinsServerOf(*sim);
        if (server.url.isEmpty())
            return QStringLiteral("no jenkins.json beside the kubeconfig");
        engine = std::make_unique<backends::http::HttpEngine>();
        client = std::make_unique<backends::jenkins::JenkinsClient>(engine.get());
        const auto set = client->setServer(server);
        return set.ok() ? QString() : set.error().message;
    }
    // The client before the engine it sends through, the simulator last.
    ~JenkinsSimClient()
    {
        client.reset();
        engine.reset();
    }
};

}  // namespace pilothouse::testsupport
