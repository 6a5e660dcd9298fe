// kubeconfig files: loading and merging by kubectl's rules, contexts, and resolving one context
// into what a connection needs (server, TLS, credentials), with errors an operator can act on.
#pragma once

#include "core/result.h"
#include "http/httpengine.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

namespace pilothouse::backends::kube {

struct ExecConfig {
    QString apiVersion;       // client.authentication.k8s.io/v1 or v1beta1
    QString command;          // program; relative paths with a slash resolve against the kubeconfig's folder
    QStringList args;
    QList<QPair<QString, QString>> env;
    QString installHint;
    bool provideClusterInfo = false;
    QString interactiveMode;  // Never, IfAvailable, Always (required in v1)
};

struct KubeCluster {
    QString name;
    QString server;
    QByteArray caData;        // decoded certificate-authority-data
    QString caFile;           // absolute
    bool insecureSkipTlsVerify = false;
    QString tlsServerName;
    QString proxyUrl;
    QString sourceFile;       // the file that defined it, for messages
};

struct KubeUser {
    QString name;
    QString token;
    QString tokenFile;        // absolute
    QByteArray clientCertData, clientKeyData;
    QString clientCertFile, clientKeyFile;  // absolute
    QString username, password;
    std::optional<ExecConfig> exec;
    bool hasAuthProvider = false;  // legacy auth-provider: reported as unsupported
    QString authProviderName;      // its name (gcp, azure, oidc), for the message
    QStringList impersonation;     // as / as-uid / as-groups / as-user-extra keys present: refused at resolve()
    QString sourceFile;
};

struct KubeContext {
    QString name;
    QString cluster;
    QString user;
    QString ns;               // empty: "default"
};

// The connection a context resolves to: the server, its TLS settings and how to authenticate.
struct ResolvedContext {
    QString contextName;
    QString server;
    QString ns;
    http::TlsConfig tls;      // CA and (static) client certificate loaded from data or files
    KubeCluster cluster;
    KubeUser user;            // token file, exec plugin etc. are read by the credential provider
};

// A file a kubeconfig entry points to (a certificate, a key, a token file, an exec program).
struct FileReference {
    QString entry;       // cluster "prod", user "alice"
    QString field;       // certificate-authority, client-certificate, client-key, tokenFile, exec command
    QString path;        // absolute, as the connection would open it
    QString sourceFile;  // the kubeconfig file that names it
};

// Checks an exec stanza the way client-go's validation does (command, apiVersion, env names,
// interactiveMode required in v1); `userName` is named in the message.
Result<void> validateExecConfig(const ExecConfig &exec, const QString &userName);

// The command as an operator would type it, arguments with spaces or shell characters quoted;
// for approval prompts and messages only, never to be run.
QString execCommandLine(const ExecConfig &exec);

class Kubeconfig {
public:
    enum class MissingFile { Skip, Fail };

    // The files kubectl would read: --kubeconfig (that file only), else $KUBECONFIG split on ':'
    // (empty entries ignored), else ~/.kube/config.
    static QStringList filesToLoad(const QString &explicitPath, const QByteArray &kubeconfigEnv, const QString &homeDir);

    // Loads and merges: the first file to set a value or map key wins; a missing file in
    // $KUBECONFIG is skipped, an unparsable one is an error naming file and line.
    // With MissingFile::Fail a missing file is an error (for an explicit --kubeconfig).
    static Result<Kubeconfig> load(const QStringList &files, MissingFile missing = MissingFile::Skip);
    // filesToLoad() + load() with kubectl's rule that only an explicit file must exist.
    static Result<Kubeconfig> loadDefault(const QString &explicitPath, const QByteArray &kubeconfigEnv,
                                          const QString &homeDir);
    static Result<Kubeconfig> fromYaml(const QByteArray &yaml, const QString &fileName);

    QString currentContext() const { return m_currentContext; }
    QStringList contextNames() const;
    std::optional<KubeContext> context(const QString &name) const;
    const QMap<QString, KubeCluster> &clusters() const { return m_clusters; }
    const QMap<QString, KubeUser> &users() const { return m_users; }
    QStringList loadedFiles() const { return m_files; }  // absolute, in precedence order

    // Resolves a context (empty: current-context). Errors (kind Config) name the entry: unknown
    // context, missing cluster or user, two auth methods on one user, a CA together with
    // insecure-skip-tls-verify, unreadable certificate files.
    Result<ResolvedContext> resolve(const QString &contextName = {}) const;

    // The file references (certificate-authority, client-certificate, client-key, tokenFile, an
    // exec command given as a path) of every cluster and user that lead outside the folder of the
    // kubeconfig file naming them, symbolic links followed. A kubeconfig someone handed over can
    // read any file of the operator's this way, or run any program: ask before connecting.
    QList<FileReference> referencesOutsideFolder() const;

private:
    QString m_currentContext;
    QMap<QString, KubeContext> m_contexts;
    QMap<QString, KubeCluster> m_clusters;
    QMap<QString, KubeUser> m_users;
    QStringList m_contextOrder;
    QStringList m_files;
};

}  // namespace pilothouse::backends::kube
