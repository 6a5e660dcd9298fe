// Test support: the console's settings for pilothouse-sim's Jenkins, read from the jenkins.json the
// simulator writes beside its kubeconfig (header-only: its users link pilothouse_backends).
#pragma once

#include "jenkins/jenkinsclient.h"
#include "simprocess.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace pilothouse::testsupport {

// The user admin with its API token and password and the simulator's CA; an empty url when
// jenkins.json cannot be read.
inline backends::jenkins::JenkinsServer jenkinsServerOf(const SimProcess &sim)
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
    return server;
}

}  // namespace pilothouse::testsupport
