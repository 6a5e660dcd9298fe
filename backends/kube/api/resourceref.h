// Which API resource a request or an informer is about: group, version, plural, scope.
#pragma once

#include <QString>

namespace pilothouse::backends::kube {

struct ResourceRef {
    QString group;     // "" for the core group
    QString version;   // "v1"
    QString plural;    // "pods"
    QString kind;      // "Pod"
    bool namespaced = true;

    // /api/v1/namespaces/NS/pods, /apis/apps/v1/deployments, ... (ns empty: all namespaces)
    QString collectionPath(const QString &ns = {}) const
    {
        QString base = group.isEmpty() ? QStringLiteral("/api/") + version : QStringLiteral("/apis/") + group + QLatin1Char('/') + version;
        if (namespaced && !ns.isEmpty())
            base += QStringLiteral("/namespaces/") + ns;
        return base + QLatin1Char('/') + plural;
    }
    QString objectPath(const QString &ns, const QString &name) const { return collectionPath(ns) + QLatin1Char('/') + name; }
    QString groupResource() const { return group.isEmpty() ? plural : plural + QLatin1Char('.') + group; }

    static ResourceRef pods() { return {QString(), QStringLiteral("v1"), QStringLiteral("pods"), QStringLiteral("Pod"), true}; }
    static ResourceRef deployments() { return {QStringLiteral("apps"), QStringLiteral("v1"), QStringLiteral("deployments"), QStringLiteral("Deployment"), true}; }
    static ResourceRef namespaces() { return {QString(), QStringLiteral("v1"), QStringLiteral("namespaces"), QStringLiteral("Namespace"), false}; }
    static ResourceRef configMaps() { return {QString(), QStringLiteral("v1"), QStringLiteral("configmaps"), QStringLiteral("ConfigMap"), true}; }
};

}  // namespace pilothouse::backends::kube
