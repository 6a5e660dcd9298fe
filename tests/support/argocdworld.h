// Test support: the real git daemon serving a manifests repository written by the simulator from
// tests/data/scenarios/gitops.yaml, and a simulator whose Argo CD API syncs from it. Header-only.
#pragma once

#include "gitdaemon.h"
#include "simprocess.h"

#include <QDir>

#include <memory>

namespace pilothouse::testsupport {

class ArgoCdWorld {
public:
    static QString scenario() { return sourceDir() + QStringLiteral("/tests/data/scenarios/gitops.yaml"); }
    static QString password() { return QStringLiteral("argocd-test-secret"); }

    GitDaemon git;
    std::unique_ptr<SimProcess> sim;

    QString repoUrl() const { return git.url(QStringLiteral("deploy.git")); }
    QString repoPath() const { return git.repoPath(QStringLiteral("deploy.git")); }
    QString argocdUrl() const { return m_argocdUrl; }

    bool start(QString *error)
    {
        if (!git.start(error))
            return false;
        ProcessResult written = runProcess(simBinary(), {QStringLiteral("--scenario"), scenario(), QStringLiteral("--write-gitops-repo"), repoPath()}, 60000);
        if (written.exitCode != 0) {
            *error = QStringLiteral("pilothouse-sim --write-gitops-repo failed: %1 %2").arg(written.out, written.err);
            return false;
        }
        sim = std::make_unique<SimProcess>(QStringList{QStringLiteral("--argocd-port"), QStringLiteral("0"), QStringLiteral("--argocd-password"),
                                                       password(), QStringLiteral("--gitops-repo"), repoUrl(),
                                                       QStringLiteral("--gitops-poll-seconds"), QStringLiteral("1"),
                                                       // long enough to see an operation Running (and terminate it)
                                                       QStringLiteral("--argocd-operation-ms"), QStringLiteral("1500")},
                                           scenario());
        if (!sim->start(error))
            return false;
        m_argocdUrl = sim->argocdUrl();
        bool found = !m_argocdUrl.isEmpty();
        if (!found)
            *error = QStringLiteral("the simulator did not print its Argo CD URL: %1").arg(sim->output());
        return found;
    }

    // Pushes a commit that replaces `from` with `to` in the files of apps/<app>, as a pipeline would.
    bool bumpImage(const QString &app, const QString &from, const QString &to, QString *error)
    {
        GitResult files = runGit(repoPath(), {QStringLiteral("ls-tree"), QStringLiteral("-r"), QStringLiteral("--name-only"), QStringLiteral("HEAD"),
                                              QStringLiteral("apps/") + app});
        if (!files.ok()) {
            *error = files.err;
            return false;
        }
        QMap<QString, QByteArray> changed;
        for (const QString &path : files.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            GitResult content = runGit(repoPath(), {QStringLiteral("show"), QStringLiteral("HEAD:") + path});
            if (content.ok() && content.out.contains(from))
                changed.insert(path, QString(content.out).replace(from, to).toUtf8());
        }
        if (changed.isEmpty()) {
            *error = QStringLiteral("no file of apps/%1 holds %2").arg(app, from);
            return false;
        }
        m_clones.push_back(std::make_unique<QTemporaryDir>());
        return commitAndPush(repoUrl(), m_clones.back()->filePath(QStringLiteral("clone")), changed,
                             QStringLiteral("%1: bump image to %2").arg(app, to), error);
    }

    // Turns automated sync off for an application, as `kubectl patch app` would.
    bool disableAutomatedSync(const QString &app) const
    {
        HttpReply r = sim->request("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/" + app.toStdString(),
                                   R"({"spec":{"syncPolicy":{"automated":null}}})", "application/merge-patch+json");
        return r.status == 200;
    }

    // The image of a Deployment's first container, as the cluster has it now.
    std::string deploymentImage(const std::string &ns, const std::string &name) const
    {
        Json d = sim->get("/apis/apps/v1/namespaces/" + ns + "/deployments/" + name).json();
        if (!d.is_object())
            return {};
        return d["spec"]["template"]["spec"]["containers"][0].value("image", "");
    }

private:
    QString m_argocdUrl;
    std::vector<std::unique_ptr<QTemporaryDir>> m_clones;
};

}  // namespace pilothouse::testsupport
