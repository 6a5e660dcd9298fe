// Loads, merges and resolves kubeconfig files by kubectl's rules (client-go tools/clientcmd).
#include "kube/auth/kubeconfig.h"
#include "core/errors.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>

#include <yaml-cpp/yaml.h>

#include <string>

namespace pilothouse::backends::kube {

namespace {

const QString ExecV1 = QStringLiteral("client.authentication.k8s.io/v1");
const QString ExecV1beta1 = QStringLiteral("client.authentication.k8s.io/v1beta1");

QString quoted(const QString &name)
{
    return QLatin1Char('"') + name + QLatin1Char('"');
}

QString nameList(const QStringList &names)
{
    QStringList out;
    out.reserve(names.size());
    for (const QString &name : names)
        out << quoted(name);
    return out.join(QStringLiteral(", "));
}

// yaml-cpp reports problems by throwing; this carries one out of the tree walk of a single
// file and never leaves this file.
struct ParseError
{
    QString message;
};

// Walks one parsed kubeconfig document; every problem names the file, the line and the entry.
class DocumentReader
{
public:
    explicit DocumentReader(const QString &fileName)
        : m_file(fileName.isEmpty() ? QStringLiteral("<kubeconfig>") : fileName)
        , m_baseDir(fileName.isEmpty() ? QDir::current() : QFileInfo(fileName).absoluteDir())
    {
    }

    QString where(const YAML::Mark &mark) const
    {
        if (mark.is_null())
            return m_file;
        return QStringLiteral("%1:%2:%3").arg(m_file).arg(mark.line + 1).arg(mark.column + 1);
    }

    [[noreturn]] void fail(const YAML::Node &at, const QString &what) const
    {
        throw ParseError{QStringLiteral("%1: %2").arg(where(at.Mark()), what)};
    }

    // A missing or null key reads as empty, like an omitted field in client-go.
    QString string(const YAML::Node &map, const char *key, const QString &entry) const
    {
        const YAML::Node node = map[key];
        if (!node || node.IsNull())
            return {};
        if (!node.IsScalar())
            fail(node, QStringLiteral("%1 of %2 must be a string").arg(QLatin1String(key), entry));
        return QString::fromStdString(node.Scalar());
    }

    bool boolean(const YAML::Node &map, const char *key, const QString &entry) const
    {
        const YAML::Node node = map[key];
        if (!node || node.IsNull())
            return false;
        bool value = false;
        if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value))
            fail(node, QStringLiteral("%1 of %2 must be true or false").arg(QLatin1String(key), entry));
        return value;
    }

    QStringList stringList(const YAML::Node &map, const char *key, const QString &entry) const
    {
        const YAML::Node node = map[key];
        QStringList out;
        if (!node || node.IsNull())
            return out;
        if (!node.IsSequence())
            fail(node, QStringLiteral("%1 of %2 must be a list").arg(QLatin1String(key), entry));
        for (const YAML::Node &item : node) {
            if (item.IsNull()) {
                out << QString();
                continue;
            }
            if (!item.IsScalar())
                fail(item, QStringLiteral("every item of %1 of %2 must be a string").arg(QLatin1String(key), entry));
            out << QString::fromStdString(item.Scalar());
        }
        return out;
    }

    YAML::Node mapping(const YAML::Node &map, const char *key, const QString &entry) const
    {
        const YAML::Node node = map[key];
        if (!node || node.IsNull())
            return YAML::Node(YAML::NodeType::Map);
        if (!node.IsMap())
            fail(node, QStringLiteral("%1 of %2 must be a mapping").arg(QLatin1String(key), entry));
        return node;
    }

    // certificate-authority-data and client-*-data are []byte in client-go's types, so they
    // arrive base64-encoded; line breaks from folded YAML strings are not part of the data.
    QByteArray base64(const YAML::Node &map, const char *key, const QString &entry) const
    {
        const QString text = string(map, key, entry);
        if (text.isEmpty())
            return {};
        QByteArray compact = text.toLatin1();
        compact.removeIf([](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
        const auto decoded = QByteArray::fromBase64Encoding(
            compact, QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            fail(map[key], QStringLiteral("%1 of %2 is not valid base64").arg(QLatin1String(key), entry));
        return decoded.decoded;
    }

    // Relative paths are relative to the file that defined the entry, as in client-go's
    // ResolveLocalPaths; absolute ones are only cleaned.
    QString path(const QString &value) const
    {
        if (value.isEmpty())
            return {};
        if (QFileInfo(value).isAbsolute())
            return QDir::cleanPath(value);
        return QDir::cleanPath(m_baseDir.absoluteFilePath(value));
    }

    const QString &file() const { return m_file; }

private:
    QString m_file;
    QDir m_baseDir;
};

// The named entries of one list (clusters, users, contexts): [{name, <inner>: {...}}].
template<class Handler>
void forEachNamed(const DocumentReader &reader, const YAML::Node &root, const char *listKey,
                  const char *innerKey, Handler handle)
{
    const YAML::Node list = root[listKey];
    if (!list || list.IsNull())
        return;
    if (!list.IsSequence())
        reader.fail(list, QStringLiteral("%1 must be a list").arg(QLatin1String(listKey)));
    for (const YAML::Node &item : list) {
        if (!item.IsMap())
            reader.fail(item, QStringLiteral("every item of %1 must be a mapping").arg(QLatin1String(listKey)));
        const QString name = reader.string(item, "name", QStringLiteral("an item of %1").arg(QLatin1String(listKey)));
        // client-go keys its maps by name; an unnamed entry can never be referenced.
        if (name.isEmpty())
            continue;
        const QString entry = QStringLiteral("%1 %2").arg(QLatin1String(innerKey), quoted(name));
        handle(name, reader.mapping(item, innerKey, entry), entry);
    }
}

KubeCluster readCluster(const DocumentReader &reader, const QString &name, const YAML::Node &node,
                        const QString &entry)
{
    KubeCluster cluster;
    cluster.name = name;
    cluster.server = reader.string(node, "server", entry);
    cluster.caData = reader.base64(node, "certificate-authority-data", entry);
    cluster.caFile = reader.path(reader.string(node, "certificate-authority", entry));
    cluster.insecureSkipTlsVerify = reader.boolean(node, "insecure-skip-tls-verify", entry);
    cluster.tlsServerName = reader.string(node, "tls-server-name", entry);
    cluster.proxyUrl = reader.string(node, "proxy-url", entry);
    cluster.sourceFile = reader.file();
    return cluster;
}

ExecConfig readExec(const DocumentReader &reader, const YAML::Node &node, const QString &entry)
{
    const QString execEntry = QStringLiteral("exec of %1").arg(entry);
    ExecConfig exec;
    exec.apiVersion = reader.string(node, "apiVersion", execEntry);
    exec.command = reader.string(node, "command", execEntry);
    // A bare name is looked up on PATH; only a path with a slash is relative to the file.
    if (exec.command.contains(QLatin1Char('/')))
        exec.command = reader.path(exec.command);
    exec.args = reader.stringList(node, "args", execEntry);
    const YAML::Node env = node["env"];
    if (env && !env.IsNull()) {
        if (!env.IsSequence())
            reader.fail(env, QStringLiteral("env of %1 must be a list").arg(execEntry));
        for (const YAML::Node &item : env) {
            if (!item.IsMap())
                reader.fail(item, QStringLiteral("every env item of %1 must have name and value").arg(execEntry));
            exec.env.append({reader.string(item, "name", execEntry), reader.string(item, "value", execEntry)});
        }
    }
    exec.installHint = reader.string(node, "installHint", execEntry);
    exec.provideClusterInfo = reader.boolean(node, "provideClusterInfo", execEntry);
    exec.interactiveMode = reader.string(node, "interactiveMode", execEntry);
    return exec;
}

KubeUser readUser(const DocumentReader &reader, const QString &name, const YAML::Node &node, const QString &entry)
{
    KubeUser user;
    user.name = name;
    user.token = reader.string(node, "token", entry);
    user.tokenFile = reader.path(reader.string(node, "tokenFile", entry));
    user.clientCertData = reader.base64(node, "client-certificate-data", entry);
    user.clientKeyData = reader.base64(node, "client-key-data", entry);
    user.clientCertFile = reader.path(reader.string(node, "client-certificate", entry));
    user.clientKeyFile = reader.path(reader.string(node, "client-key", entry));
    user.username = reader.string(node, "username", entry);
    user.password = reader.string(node, "password", entry);
    const YAML::Node exec = node["exec"];
    if (exec && !exec.IsNull()) {
        if (!exec.IsMap())
            reader.fail(exec, QStringLiteral("exec of %1 must be a mapping").arg(entry));
        user.exec = readExec(reader, exec, entry);
    }
    const YAML::Node provider = node["auth-provider"];
    if (provider && !provider.IsNull()) {
        if (!provider.IsMap())
            reader.fail(provider, QStringLiteral("auth-provider of %1 must be a mapping").arg(entry));
        user.hasAuthProvider = true;
        user.authProviderName = reader.string(provider, "name", entry);
    }
    for (const char *key : {"as", "as-uid", "as-groups", "as-user-extra"})
        if (node[key] && !node[key].IsNull())
            user.impersonation << QString::fromLatin1(key);
    user.sourceFile = reader.file();
    return user;
}

Result<QByteArray> readPemFile(const QString &path, const char *field, const QString &entry)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Result<QByteArray>::failure(configError(
            QStringLiteral("cannot read %1 %2 of %3: %4").arg(QLatin1String(field), path, entry, file.errorString())));
    return file.readAll();
}

Result<void> validateCluster(const KubeCluster &cluster)
{
    const QString entry = QStringLiteral("cluster %1 (%2)").arg(quoted(cluster.name), cluster.sourceFile);
    if (cluster.server.isEmpty())
        return Result<void>::failure(configError(QStringLiteral("%1 has no server").arg(entry)));
    if (!cluster.caData.isEmpty() && !cluster.caFile.isEmpty())
        return Result<void>::failure(configError(
            QStringLiteral("%1 sets both certificate-authority and certificate-authority-data; keep one").arg(entry)));
    if (cluster.insecureSkipTlsVerify && (!cluster.caData.isEmpty() || !cluster.caFile.isEmpty()))
        return Result<void>::failure(configError(
            QStringLiteral("%1 sets insecure-skip-tls-verify together with a certificate authority; remove one of them")
                .arg(entry)));
    if (!cluster.proxyUrl.isEmpty()) {
        const QUrl proxy(cluster.proxyUrl, QUrl::StrictMode);
        static const QSet<QString> schemes = {QStringLiteral("http"), QStringLiteral("https"),
                                              QStringLiteral("socks5")};
        if (!proxy.isValid() || proxy.host().isEmpty() || !schemes.contains(proxy.scheme()))
            return Result<void>::failure(configError(
                QStringLiteral("%1 has an invalid proxy-url %2; use http://, https:// or socks5:// with a host")
                    .arg(entry, quoted(cluster.proxyUrl))));
    }
    return Result<void>::success();
}

Result<void> validateUser(const KubeUser &user)
{
    const QString entry = QStringLiteral("user %1 (%2)").arg(quoted(user.name), user.sourceFile);
    const auto fail = [](const QString &message) { return Result<void>::failure(configError(message)); };

    const bool hasCert = !user.clientCertData.isEmpty() || !user.clientCertFile.isEmpty();
    const bool hasKey = !user.clientKeyData.isEmpty() || !user.clientKeyFile.isEmpty();
    QStringList techniques;
    if (!user.token.isEmpty() || !user.tokenFile.isEmpty())
        techniques << QStringLiteral("token");
    if (!user.username.isEmpty() || !user.password.isEmpty())
        techniques << QStringLiteral("username/password");
    if (hasCert || hasKey)
        techniques << QStringLiteral("client certificate");
    if (user.exec)
        techniques << QStringLiteral("exec plugin");
    if (user.hasAuthProvider)
        techniques << QStringLiteral("auth-provider");
    if (techniques.size() > 1)
        return fail(QStringLiteral("%1 sets more than one authentication method (%2); keep only one")
                        .arg(entry, techniques.join(QStringLiteral(", "))));

    // Requests would otherwise go out as the base identity while the operator expects another.
    if (!user.impersonation.isEmpty())
        return fail(QStringLiteral("%1 asks for impersonation (%2), which Pilothouse does not support yet; "
                                   "remove it or use a context without it")
                        .arg(entry, user.impersonation.join(QStringLiteral(", "))));
    if (user.hasAuthProvider)
        return fail(QStringLiteral("%1 uses the legacy auth-provider %2, which Pilothouse does not support; "
                                   "switch to an exec credential plugin (e.g. kubelogin, gke-gcloud-auth-plugin)")
                        .arg(entry, quoted(user.authProviderName)));
    if (!user.clientCertData.isEmpty() && !user.clientCertFile.isEmpty())
        return fail(QStringLiteral("%1 sets both client-certificate and client-certificate-data; keep one").arg(entry));
    if (!user.clientKeyData.isEmpty() && !user.clientKeyFile.isEmpty())
        return fail(QStringLiteral("%1 sets both client-key and client-key-data; keep one").arg(entry));
    if (hasCert && !hasKey)
        return fail(QStringLiteral("%1 has a client certificate but no client-key or client-key-data").arg(entry));
    if (hasKey && !hasCert)
        return fail(QStringLiteral("%1 has a client key but no client-certificate or client-certificate-data").arg(entry));
    if (user.exec) {
        auto exec = validateExecConfig(*user.exec, user.name);
        if (!exec)
            return exec;
    }
    return Result<void>::success();
}

} // namespace

Result<void> validateExecConfig(const ExecConfig &exec, const QString &userName)
{
    const auto fail = [&](const QString &what) {
        return Result<void>::failure(configError(QStringLiteral("exec plugin of user %1: %2").arg(quoted(userName), what)));
    };
    if (exec.command.isEmpty())
        return fail(QStringLiteral("command must be set"));
    if (exec.apiVersion.isEmpty())
        return fail(QStringLiteral("apiVersion must be set (%1)").arg(ExecV1));
    // v1alpha1 was removed from client-go in Kubernetes 1.24; nothing else was ever published.
    if (exec.apiVersion != ExecV1 && exec.apiVersion != ExecV1beta1)
        return fail(QStringLiteral("apiVersion %1 is not supported; use %2 or %3")
                        .arg(quoted(exec.apiVersion), ExecV1, ExecV1beta1));
    for (const auto &[name, value] : exec.env) {
        Q_UNUSED(value)
        if (name.isEmpty())
            return fail(QStringLiteral("every env entry needs a name"));
    }
    if (exec.interactiveMode.isEmpty()) {
        if (exec.apiVersion == ExecV1)
            return fail(QStringLiteral("interactiveMode must be set with %1 (Never or IfAvailable)").arg(ExecV1));
    } else if (exec.interactiveMode != QLatin1String("Never") && exec.interactiveMode != QLatin1String("IfAvailable")
               && exec.interactiveMode != QLatin1String("Always")) {
        return fail(QStringLiteral("invalid interactiveMode %1; use Never, IfAvailable or Always")
                        .arg(quoted(exec.interactiveMode)));
    }
    return Result<void>::success();
}

QString execCommandLine(const ExecConfig &exec)
{
    // Single quotes keep every character literal in POSIX shells, so the text reads exactly
    // as the argv the plugin receives.
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    const auto quote = [](const QString &word) {
        if (plain.match(word).hasMatch())
            return word;
        QString escaped = word;
        escaped.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
        return QLatin1Char('\'') + escaped + QLatin1Char('\'');
    };
    QStringList words{quote(exec.command)};
    for (const QString &arg : exec.args)
        words << quote(arg);
    return words.join(QLatin1Char(' '));
}

QStringList Kubeconfig::filesToLoad(const QString &explicitPath, const QByteArray &kubeconfigEnv, const QString &homeDir)
{
    if (!explicitPath.isEmpty())
        return {explicitPath};
    // As in client-go, a set KUBECONFIG is used even when all its entries are empty: the
    // home file is only the fallback for an unset or empty variable.
    if (!kubeconfigEnv.isEmpty()) {
        QStringList files;
        for (const QByteArray &entry : kubeconfigEnv.split(':')) {
            const QString file = QString::fromLocal8Bit(entry);
            if (!file.isEmpty() && !files.contains(file))
                files << file;
        }
        return files;
    }
    return {QDir(homeDir).filePath(QStringLiteral(".kube/config"))};
}

Result<Kubeconfig> Kubeconfig::loadDefault(const QString &explicitPath, const QByteArray &kubeconfigEnv,
                                           const QString &homeDir)
{
    return load(filesToLoad(explicitPath, kubeconfigEnv, homeDir),
                explicitPath.isEmpty() ? MissingFile::Skip : MissingFile::Fail);
}

Result<Kubeconfig> Kubeconfig::load(const QStringList &files, MissingFile missing)
{
    Kubeconfig merged;
    for (const QString &name : files) {
        const QString path = QFileInfo(name).absoluteFilePath();
        QFile file(path);
        if (!file.exists()) {
            if (missing == MissingFile::Fail)
                return Result<Kubeconfig>::failure(
                    configError(QStringLiteral("kubeconfig file %1 does not exist").arg(path)));
            continue;
        }
        if (!file.open(QIODevice::ReadOnly))
            return Result<Kubeconfig>::failure(
                configError(QStringLiteral("cannot read kubeconfig file %1: %2").arg(path, file.errorString())));
        auto one = fromYaml(file.readAll(), path);
        if (!one)
            return one;
        const Kubeconfig &config = one.value();
        merged.m_files << path;
        // The first file to set a value or a map key wins, and a map entry is taken whole.
        if (merged.m_currentContext.isEmpty())
            merged.m_currentContext = config.m_currentContext;
        for (const QString &contextName : config.m_contextOrder) {
            if (merged.m_contexts.contains(contextName))
                continue;
            merged.m_contexts.insert(contextName, config.m_contexts.value(contextName));
            merged.m_contextOrder << contextName;
        }
        for (auto it = config.m_clusters.cbegin(); it != config.m_clusters.cend(); ++it) {
            if (!merged.m_clusters.contains(it.key()))
                merged.m_clusters.insert(it.key(), it.value());
        }
        for (auto it = config.m_users.cbegin(); it != config.m_users.cend(); ++it) {
            if (!merged.m_users.contains(it.key()))
                merged.m_users.insert(it.key(), it.value());
        }
    }
    return merged;
}

Result<Kubeconfig> Kubeconfig::fromYaml(const QByteArray &yaml, const QString &fileName)
{
    const DocumentReader reader(fileName);
    Kubeconfig config;
    if (!fileName.isEmpty())
        config.m_files << fileName;
    try {
        const YAML::Node root = YAML::Load(yaml.toStdString());
        // An empty file is an empty config, as in client-go.
        if (!root || root.IsNull())
            return config;
        if (!root.IsMap())
            reader.fail(root, QStringLiteral("a kubeconfig must be a mapping (apiVersion, clusters, contexts, users)"));

        config.m_currentContext = reader.string(root, "current-context", QStringLiteral("the kubeconfig"));
        // Within one file a repeated name replaces the earlier entry, as client-go's conversion does.
        forEachNamed(reader, root, "clusters", "cluster", [&](const QString &name, const YAML::Node &node, const QString &entry) {
            config.m_clusters.insert(name, readCluster(reader, name, node, entry));
        });
        forEachNamed(reader, root, "users", "user", [&](const QString &name, const YAML::Node &node, const QString &entry) {
            config.m_users.insert(name, readUser(reader, name, node, entry));
        });
        forEachNamed(reader, root, "contexts", "context", [&](const QString &name, const YAML::Node &node, const QString &entry) {
            KubeContext context;
            context.name = name;
            context.cluster = reader.string(node, "cluster", entry);
            context.user = reader.string(node, "user", entry);
            context.ns = reader.string(node, "namespace", entry);
            if (!config.m_contexts.contains(name))
                config.m_contextOrder << name;
            config.m_contexts.insert(name, context);
        });
    } catch (const ParseError &error) {
        return Result<Kubeconfig>::failure(configError(error.message));
    } catch (const YAML::Exception &error) {
        return Result<Kubeconfig>::failure(configError(QStringLiteral("%1: invalid YAML: %2")
                                                           .arg(reader.where(error.mark), QString::fromStdString(error.msg))));
    }
    return config;
}

QStringList Kubeconfig::contextNames() const
{
    return m_contextOrder;
}

std::optional<KubeContext> Kubeconfig::context(const QString &name) const
{
    const auto it = m_contexts.constFind(name);
    if (it == m_contexts.cend())
        return std::nullopt;
    return it.value();
}

Result<ResolvedContext> Kubeconfig::resolve(const QString &contextName) const
{
    const auto fail = [](const QString &message) { return Result<ResolvedContext>::failure(configError(message)); };
    const QString files = m_files.isEmpty() ? QStringLiteral("no kubeconfig file was found")
                                            : QStringLiteral("read %1").arg(m_files.join(QStringLiteral(", ")));

    const QString name = contextName.isEmpty() ? m_currentContext : contextName;
    if (m_contextOrder.isEmpty())
        return fail(QStringLiteral("the kubeconfig has no contexts (%1)").arg(files));
    if (name.isEmpty())
        return fail(QStringLiteral("the kubeconfig sets no current-context; choose one of: %1").arg(nameList(m_contextOrder)));
    const auto context = m_contexts.constFind(name);
    if (context == m_contexts.cend())
        return fail(QStringLiteral("context %1 is not in the kubeconfig; available contexts: %2")
                        .arg(quoted(name), nameList(m_contextOrder)));

    if (context->cluster.isEmpty())
        return fail(QStringLiteral("context %1 names no cluster").arg(quoted(name)));
    if (context->user.isEmpty())
        return fail(QStringLiteral("context %1 names no user").arg(quoted(name)));
    const auto cluster = m_clusters.constFind(context->cluster);
    if (cluster == m_clusters.cend())
        return fail(QStringLiteral("cluster %1 of context %2 is not defined in the kubeconfig")
                        .arg(quoted(context->cluster), quoted(name)));
    const auto user = m_users.constFind(context->user);
    if (user == m_users.cend())
        return fail(QStringLiteral("user %1 of context %2 is not defined in the kubeconfig")
                        .arg(quoted(context->user), quoted(name)));

    if (auto valid = validateCluster(*cluster); !valid)
        return Result<ResolvedContext>::failure(valid.error());
    if (auto valid = validateUser(*user); !valid)
        return Result<ResolvedContext>::failure(valid.error());

    ResolvedContext resolved;
    resolved.contextName = name;
    resolved.server = cluster->server;
    resolved.ns = context->ns.isEmpty() ? QStringLiteral("default") : context->ns;
    resolved.cluster = *cluster;
    resolved.user = *user;

    const QString clusterEntry = QStringLiteral("cluster %1").arg(quoted(cluster->name));
    const QString userEntry = QStringLiteral("user %1").arg(quoted(user->name));
    http::TlsConfig &tls = resolved.tls;
    tls.caPem = cluster->caData;
    if (!cluster->caFile.isEmpty()) {
        auto pem = readPemFile(cluster->caFile, "certificate-authority", clusterEntry);
        if (!pem)
            return Result<ResolvedContext>::failure(pem.error());
        tls.caPem = pem.value();
    }
    tls.clientCertPem = user->clientCertData;
    if (!user->clientCertFile.isEmpty()) {
        auto pem = readPemFile(user->clientCertFile, "client-certificate", userEntry);
        if (!pem)
            return Result<ResolvedContext>::failure(pem.error());
        tls.clientCertPem = pem.value();
    }
    tls.clientKeyPem = user->clientKeyData;
    if (!user->clientKeyFile.isEmpty()) {
        auto pem = readPemFile(user->clientKeyFile, "client-key", userEntry);
        if (!pem)
            return Result<ResolvedContext>::failure(pem.error());
        tls.clientKeyPem = pem.value();
    }
    tls.serverName = cluster->tlsServerName;
    tls.insecureSkipVerify = cluster->insecureSkipTlsVerify;
    tls.proxyUrl = cluster->proxyUrl;
    return resolved;
}

namespace {

// Symbolic links resolved, so a link inside the folder to a file outside counts as outside; for
// a file that does not exist (yet), those of the folders above it that do.
QString realPath(const QString &path)
{
    const QString clean = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    QString existing = clean;
    QString rest;
    while (!existing.isEmpty()) {
        const QString canonical = QFileInfo(existing).canonicalFilePath();
        if (!canonical.isEmpty())
            return rest.isEmpty() ? canonical : QDir::cleanPath(canonical + QLatin1Char('/') + rest);
        const QFileInfo info(existing);
        if (info.path() == existing)
            break;
        rest = rest.isEmpty() ? info.fileName() : info.fileName() + QLatin1Char('/') + rest;
        existing = info.path();
    }
    return clean;
}

bool isInside(const QString &path, const QString &folder)
{
    const QString base = folder.endsWith(QLatin1Char('/')) ? folder : folder + QLatin1Char('/');
    return realPath(path).startsWith(base);
}

} // namespace

QList<FileReference> Kubeconfig::referencesOutsideFolder() const
{
    QList<FileReference> outside;
    const auto check = [&](const QString &entry, const char *field, const QString &path, const QString &sourceFile) {
        if (path.isEmpty())
            return;
        if (!isInside(path, realPath(QFileInfo(sourceFile).absolutePath())))
            outside.append({entry, QLatin1String(field), path, sourceFile});
    };
    for (const KubeCluster &cluster : m_clusters)
        check(QStringLiteral("cluster %1").arg(quoted(cluster.name)), "certificate-authority", cluster.caFile, cluster.sourceFile);
    for (const KubeUser &user : m_users) {
        const QString entry = QStringLiteral("user %1").arg(quoted(user.name));
        check(entry, "client-certificate", user.clientCertFile, user.sourceFile);
        check(entry, "client-key", user.clientKeyFile, user.sourceFile);
        check(entry, "tokenFile", user.tokenFile, user.sourceFile);
        // A bare command name is looked up on PATH like any command the operator types; only a
        // path names a particular file.
        if (user.exec && user.exec->command.contains(QLatin1Char('/')))
            check(entry, "exec command", user.exec->command, user.sourceFile);
    }
    return outside;
}

} // namespace pilothouse::backends::kube
