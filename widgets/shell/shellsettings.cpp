// QSettings keys of the console, in one place.
#include "shell/shellsettings.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pilothouse::widgets::shell {

namespace {
const int RecentLimit = 8;
}

ShellSettings::ShellSettings(const QString &path, QObject *parent)
    : QObject(parent), m_settings(path.isEmpty() ? std::make_unique<QSettings>() : std::make_unique<QSettings>(path, QSettings::IniFormat))
{
}

QString ShellSettings::contextGroup(const QString &context)
{
    // Context names may hold "/" or ":" (EKS ARNs): they must not become nested groups.
    return QStringLiteral("contexts/") + QString::fromLatin1(context.toUtf8().toPercentEncoding());
}

QString ShellSettings::theme() const { return m_settings->value(QStringLiteral("appearance/theme"), QStringLiteral("system")).toString(); }

void ShellSettings::setTheme(const QString &theme)
{
    if (theme == this->theme())
        return;
    m_settings->setValue(QStringLiteral("appearance/theme"), theme);
    Q_EMIT themeChanged(theme);
}

QStringList ShellSettings::kubeconfigFiles() const { return m_settings->value(QStringLiteral("kubeconfigFiles")).toStringList(); }
void ShellSettings::setKubeconfigFiles(const QStringList &files) { m_settings->setValue(QStringLiteral("kubeconfigFiles"), files); }

QStringList ShellSettings::recentKubeconfigs() const { return m_settings->value(QStringLiteral("recentKubeconfigs")).toStringList(); }

void ShellSettings::addRecentKubeconfig(const QString &path)
{
    QStringList recent = recentKubeconfigs();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > RecentLimit)
        recent.removeLast();
    m_settings->setValue(QStringLiteral("recentKubeconfigs"), recent);
}

QStringList ShellSettings::readOnlyContexts() const { return m_settings->value(QStringLiteral("readOnlyContexts")).toStringList(); }

void ShellSettings::setReadOnlyContexts(const QStringList &contexts)
{
    if (contexts == readOnlyContexts())
        return;
    m_settings->setValue(QStringLiteral("readOnlyContexts"), contexts);
    Q_EMIT readOnlyContextsChanged(contexts);
}

ContextEndpoints ShellSettings::endpoints(const QString &context) const
{
    const QString g = contextGroup(context) + QLatin1Char('/');
    ContextEndpoints e;
    e.argoCdUrl = m_settings->value(g + QStringLiteral("argocdUrl")).toString();
    e.argoCdUser = m_settings->value(g + QStringLiteral("argocdUser")).toString();
    e.jenkinsUrl = m_settings->value(g + QStringLiteral("jenkinsUrl")).toString();
    e.jenkinsUser = m_settings->value(g + QStringLiteral("jenkinsUser")).toString();
    e.prometheusUrl = m_settings->value(g + QStringLiteral("prometheusUrl")).toString();
    e.jenkinsCaFile = m_settings->value(g + QStringLiteral("jenkinsCaFile")).toString();
    return e;
}

void ShellSettings::setEndpoints(const QString &context, const ContextEndpoints &e)
{
    const QString g = contextGroup(context) + QLatin1Char('/');
    auto put = [this, &g](const char *key, const QString &value) {
        if (value.isEmpty())
            m_settings->remove(g + QLatin1String(key));
        else
            m_settings->setValue(g + QLatin1String(key), value);
    };
    put("argocdUrl", e.argoCdUrl);
    put("argocdUser", e.argoCdUser);
    put("jenkinsUrl", e.jenkinsUrl);
    put("jenkinsUser", e.jenkinsUser);
    put("prometheusUrl", e.prometheusUrl);
    put("jenkinsCaFile", e.jenkinsCaFile);
    Q_EMIT endpointsChanged(context);
}

QStringList ShellSettings::contextsWithEndpoints() const
{
    m_settings->beginGroup(QStringLiteral("contexts"));
    const QStringList groups = m_settings->childGroups();
    m_settings->endGroup();
    QStringList out;
    for (const QString &g : groups)
        out << QString::fromUtf8(QByteArray::fromPercentEncoding(g.toLatin1()));
    return out;
}

QString ShellSettings::auditLogPath() const { return m_settings->value(QStringLiteral("auditLogPath")).toString(); }
void ShellSettings::setAuditLogPath(const QString &path) { m_settings->setValue(QStringLiteral("auditLogPath"), path); }

QByteArray ShellSettings::windowGeometry() const { return m_settings->value(QStringLiteral("window/geometry")).toByteArray(); }
void ShellSettings::setWindowGeometry(const QByteArray &geometry) { m_settings->setValue(QStringLiteral("window/geometry"), geometry); }

QString ShellSettings::lastPage(const QString &context) const
{
    return m_settings->value(contextGroup(context) + QStringLiteral("/lastPage")).toString();
}
void ShellSettings::setLastPage(const QString &context, const QString &key)
{
    m_settings->setValue(contextGroup(context) + QStringLiteral("/lastPage"), key);
}

QStringList ShellSettings::namespaces(const QString &context) const
{
    return m_settings->value(contextGroup(context) + QStringLiteral("/namespaces")).toStringList();
}
void ShellSettings::setNamespaces(const QString &context, const QStringList &namespaces)
{
    m_settings->setValue(contextGroup(context) + QStringLiteral("/namespaces"), namespaces);
}

QList<PageRecord> ShellSettings::openPages(const QString &context) const
{
    const QByteArray json = m_settings->value(contextGroup(context) + QStringLiteral("/openPages")).toByteArray();
    QList<PageRecord> out;
    for (const QJsonValue &v : QJsonDocument::fromJson(json).array()) {
        const QJsonObject o = v.toObject();
        if (o.value(QStringLiteral("id")).isString())
            out.append({o.value(QStringLiteral("id")).toString(), o.value(QStringLiteral("args")).toObject().toVariantMap()});
    }
    return out;
}

void ShellSettings::setOpenPages(const QString &context, const QList<PageRecord> &pages)
{
    QJsonArray array;
    for (const PageRecord &p : pages)
        array.append(QJsonObject{{QStringLiteral("id"), p.id}, {QStringLiteral("args"), QJsonObject::fromVariantMap(p.args)}});
    m_settings->setValue(contextGroup(context) + QStringLiteral("/openPages"), QJsonDocument(array).toJson(QJsonDocument::Compact));
}

ArgoCdViewPreset ShellSettings::argoCdPreset(const QString &context) const
{
    if (m_runArgoCd)
        return *m_runArgoCd;
    ArgoCdViewPreset preset;
    const ContextEndpoints e = endpoints(context);
    preset.url = e.argoCdUrl.isEmpty() ? m_settings->value(QStringLiteral("argocd/url")).toString() : e.argoCdUrl;
    const QString user = e.argoCdUser.isEmpty() ? m_settings->value(QStringLiteral("argocd/username")).toString() : e.argoCdUser;
    if (!user.isEmpty())
        preset.username = user;
    return preset;
}

void ShellSettings::setArgoCdPreset(const ArgoCdViewPreset &preset, bool remember)
{
    if (!remember) {
        m_runArgoCd = preset;
        return;
    }
    m_settings->setValue(QStringLiteral("argocd/url"), preset.url);
    m_settings->setValue(QStringLiteral("argocd/username"), preset.username);
}

void ShellSettings::rememberArgoCdLogin(const QString &context, const QString &url, const QString &user)
{
    if (!m_remembersServers || m_runArgoCd)
        return;
    ContextEndpoints e = endpoints(context);
    e.argoCdUrl = url;
    e.argoCdUser = user;
    setEndpoints(context, e);
}

JenkinsPreset ShellSettings::jenkinsPreset(const QString &context) const
{
    if (m_runJenkins)
        return *m_runJenkins;
    JenkinsPreset preset;
    const ContextEndpoints e = endpoints(context);
    preset.url = e.jenkinsUrl;
    preset.user = e.jenkinsUser;
    preset.caFile = e.jenkinsCaFile;
    return preset;
}

void ShellSettings::setJenkinsPreset(const JenkinsPreset &preset)
{
    m_runJenkins = preset;
}

void ShellSettings::rememberJenkinsLogin(const QString &context, const QString &url, const QString &user, const QString &caFile)
{
    if (!m_remembersServers || m_runJenkins)
        return;
    ContextEndpoints e = endpoints(context);
    e.jenkinsUrl = url;
    e.jenkinsUser = user;
    e.jenkinsCaFile = caFile;
    setEndpoints(context, e);
}

QString ShellSettings::prometheusUrl(const QString &context) const
{
    return m_runPrometheus.isEmpty() ? endpoints(context).prometheusUrl : m_runPrometheus;
}

backends::gitops::GitOpsSettings ShellSettings::gitOps() const
{
    if (m_runGitOps)
        return *m_runGitOps;
    return backends::gitops::GitOpsSettings::load(*m_settings);
}

void ShellSettings::setGitOps(const backends::gitops::GitOpsSettings &settings, bool remember)
{
    if (!remember || !m_remembersServers || m_runGitOps) {
        m_runGitOps = settings;
        return;
    }
    settings.save(*m_settings);
}

}  // namespace pilothouse::widgets::shell
