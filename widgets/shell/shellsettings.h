// What the console remembers between runs: kubeconfig files, theme, read-only contexts,
// per-context endpoints (Argo CD, Jenkins, Prometheus), the audit log's place, and per context the
// window's last page, namespace selection and open pages. Never a password, token or key.
// The demo's servers and repository are held for the run only (not written).
#pragma once

#include "delivery/argocdview.h"
#include "pipelines/jenkinsconnection.h"
#include "gitops/gitopsrepository.h"

#include <QByteArray>
#include <QObject>
#include <QSettings>
#include <QStringList>
#include <QVariantMap>

#include <memory>
#include <optional>

namespace pilothouse::widgets::shell {

struct ContextEndpoints {
    QString argoCdUrl;
    QString argoCdUser;
    QString jenkinsUrl;
    QString jenkinsUser;
    QString prometheusUrl;
    QString jenkinsCaFile;  // the PEM file of a private CA (a path, not a secret)
};

// A page to reopen: its type and arguments.
struct PageRecord {
    QString id;
    QVariantMap args;
};

class ShellSettings : public QObject {
    Q_OBJECT

public:
    // `path` empty: the user's settings; otherwise an INI file (tests, the demo's own folder).
    explicit ShellSettings(const QString &path = {}, QObject *parent = nullptr);

    QString theme() const;  // "system", "light", "dark"
    void setTheme(const QString &theme);

    QStringList kubeconfigFiles() const;  // empty: $KUBECONFIG or ~/.kube/config
    void setKubeconfigFiles(const QStringList &files);
    QStringList recentKubeconfigs() const;
    void addRecentKubeconfig(const QString &path);

    QStringList readOnlyContexts() const;
    void setReadOnlyContexts(const QStringList &contexts);
    bool isReadOnly(const QString &context) const { return readOnlyContexts().contains(context); }

    ContextEndpoints endpoints(const QString &context) const;
    void setEndpoints(const QString &context, const ContextEndpoints &endpoints);
    QStringList contextsWithEndpoints() const;

    QString auditLogPath() const;  // empty: the default place
    void setAuditLogPath(const QString &path);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);
    QString lastPage(const QString &context) const;
    void setLastPage(const QString &context, const QString &key);
    QStringList namespaces(const QString &context) const;
    void setNamespaces(const QString &context, const QStringList &namespaces);
    QList<PageRecord> openPages(const QString &context) const;
    void setOpenPages(const QString &context, const QList<PageRecord> &pages);

    // Argo CD and GitOps as the pages start them. For the run only (the demo's servers, its
    // password) when set with `remember` false.
    ArgoCdViewPreset argoCdPreset(const QString &context) const;
    void setArgoCdPreset(const ArgoCdViewPreset &preset, bool remember);
    void rememberArgoCdLogin(const QString &context, const QString &url, const QString &user);
    // Jenkins as the Pipelines pages start it: the context's URL and user (the secret comes from
    // the keychain or the operator), or the demo's server for the run only.
    JenkinsPreset jenkinsPreset(const QString &context) const;
    void setJenkinsPreset(const JenkinsPreset &preset);
    void rememberJenkinsLogin(const QString &context, const QString &url, const QString &user, const QString &caFile);
    // The Prometheus the Metrics and graph pages ask: the demo's for the run, else the context's.
    QString prometheusUrl(const QString &context) const;
    void setRunPrometheusUrl(const QString &url) { m_runPrometheus = url; }
    backends::gitops::GitOpsSettings gitOps() const;
    void setGitOps(const backends::gitops::GitOpsSettings &settings, bool remember);
    // The demo: nothing about its servers is written.
    void setRemembersServers(bool remember) { m_remembersServers = remember; }

    QSettings &raw() { return *m_settings; }

Q_SIGNALS:
    void themeChanged(const QString &theme);
    void readOnlyContextsChanged(const QStringList &contexts);
    void endpointsChanged(const QString &context);

private:
    static QString contextGroup(const QString &context);

    std::unique_ptr<QSettings> m_settings;
    std::optional<ArgoCdViewPreset> m_runArgoCd;
    std::optional<JenkinsPreset> m_runJenkins;
    QString m_runPrometheus;
    std::optional<backends::gitops::GitOpsSettings> m_runGitOps;
    bool m_remembersServers = true;
};

}  // namespace pilothouse::widgets::shell
