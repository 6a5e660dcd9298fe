// libgit2 calls for the deployment repository. Every libgit2 error is read with git_error_last()
// right after the failing call, on the thread that made it (libgit2 keeps it per thread).
#include "gitops/gitopsrepository.h"
#include "gitops/gitopserror.h"
#include "core/textdiff.h"

#include <git2.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QUrl>

#include <atomic>
#include <memory>

namespace pilothouse::backends::gitops {

namespace {

template<class T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *p) const
    {
        if (p)
            Free(p);
    }
};
template<class T, void (*Free)(T *)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

using Repo = Owned<git_repository, git_repository_free>;
using Remote = Owned<git_remote, git_remote_free>;
using Commit = Owned<git_commit, git_commit_free>;
using Tree = Owned<git_tree, git_tree_free>;
using TreeEntry = Owned<git_tree_entry, git_tree_entry_free>;
using Blob = Owned<git_blob, git_blob_free>;
using Diff = Owned<git_diff, git_diff_free>;
using Index = Owned<git_index, git_index_free>;
using Revwalk = Owned<git_revwalk, git_revwalk_free>;
using Signature = Owned<git_signature, git_signature_free>;
using Reference = Owned<git_reference, git_reference_free>;

struct Buf {
    git_buf buf = GIT_BUF_INIT;
    ~Buf() { git_buf_dispose(&buf); }
    QString text() const { return QString::fromUtf8(buf.ptr, static_cast<qsizetype>(buf.size)); }
};

QString oidString(const git_oid *oid)
{
    char s[GIT_OID_HEXSZ + 1] = {};
    git_oid_tostr(s, sizeof s, oid);
    return QString::fromLatin1(s);
}

// Anything that looks like credentials in a URL inside a message goes before it is shown or logged.
QString scrub(QString text)
{
    static const QRegularExpression userInfo(QStringLiteral("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s]+@"));
    return text.replace(userInfo, QStringLiteral("\\1"));
}

// Reads libgit2's last error for this thread and turns it into an ApiError. `what` says what was
// being done ("fetch from git://host/repo.git").
ApiError gitFailure(int rc, const QString &what)
{
    const git_error *e = git_error_last();
    const QString detail = e && e->message ? QString::fromUtf8(e->message).trimmed() : QStringLiteral("error %1").arg(rc);
    const int klass = e ? e->klass : GIT_ERROR_NONE;
    ErrorKind kind = ErrorKind::ServerError;
    QString message;
    const QString lower = detail.toLower();
    if (rc == GIT_EUSER) {
        kind = ErrorKind::Cancelled;
        message = QStringLiteral("%1: cancelled").arg(what);
    } else if (rc == GIT_EAUTH || lower.contains(QStringLiteral("authentication")) || lower.contains(QStringLiteral("401"))
               || lower.contains(QStringLiteral("unauthorized"))) {
        kind = ErrorKind::Unauthorized;
        message = QStringLiteral("%1: authentication failed (%2)").arg(what, detail);
    } else if (lower.contains(QStringLiteral("no such repository")) || lower.contains(QStringLiteral("repository not found"))
               || lower.contains(QStringLiteral("unexpected http status code: 404"))) {
        kind = ErrorKind::NotFound;
        message = QStringLiteral("%1: the remote has no such repository (%2)").arg(what, detail);
    } else if (rc == GIT_ECERTIFICATE || klass == GIT_ERROR_SSL) {
        kind = ErrorKind::Tls;
        message = QStringLiteral("%1: the server's certificate was not accepted (%2)").arg(what, detail);
    } else if (klass == GIT_ERROR_NET || klass == GIT_ERROR_OS || klass == GIT_ERROR_SSH || klass == GIT_ERROR_HTTP) {
        kind = ErrorKind::Network;
        message = QStringLiteral("%1: cannot reach the remote (%2)").arg(what, detail);
    } else if (rc == GIT_ENOTFOUND) {
        kind = ErrorKind::NotFound;
        message = QStringLiteral("%1: %2").arg(what, detail);
    } else {
        message = QStringLiteral("%1: %2").arg(what, detail);
    }
    return gitopsError(kind, scrub(message));
}

template<class T>
Result<T> fail(int rc, const QString &what)
{
    return Result<T>::failure(gitFailure(rc, what));
}

template<class T>
Result<T> fail(ErrorKind kind, const QString &message)
{
    return Result<T>::failure(gitopsError(kind, scrub(message)));
}

QString messageSummary(const QString &message) { return message.section(QLatin1Char('\n'), 0, 0).trimmed(); }

}  // namespace

LibGit2Scope::LibGit2Scope()
    : m_ok(git_libgit2_init() > 0)
{
}

LibGit2Scope::~LibGit2Scope()
{
    if (m_ok)
        git_libgit2_shutdown();
}

QString GitOpsSettings::defaultCachePath(const QString &url)
{
    const QUrl parsed(url);
    QString name = parsed.host() + parsed.path();
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
    name = name.remove(QRegularExpression(QStringLiteral("^[._]+"))).left(60);
    const QString hash = QString::fromLatin1(QCryptographicHash::hash(redactUrl(url).toUtf8(), QCryptographicHash::Sha1).toHex().left(10));
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/gitops/")
           + (name.isEmpty() ? QStringLiteral("repo") : name) + QLatin1Char('-') + hash;
}

GitOpsSettings GitOpsSettings::load(QSettings &settings)
{
    GitOpsSettings s;
    settings.beginGroup(QStringLiteral("gitops"));
    s.url = settings.value(QStringLiteral("url")).toString();
    s.branch = settings.value(QStringLiteral("branch"), QStringLiteral("main")).toString();
    s.localPath = settings.value(QStringLiteral("localPath")).toString();
    s.authorName = settings.value(QStringLiteral("authorName")).toString();
    s.authorEmail = settings.value(QStringLiteral("authorEmail")).toString();
    settings.endGroup();
    return s;
}

void GitOpsSettings::save(QSettings &settings) const
{
    settings.beginGroup(QStringLiteral("gitops"));
    // Never a password in settings: a URL with credentials is stored without them.
    settings.setValue(QStringLiteral("url"), redactUrl(url));
    settings.setValue(QStringLiteral("branch"), branch);
    settings.setValue(QStringLiteral("localPath"), localPath);
    settings.setValue(QStringLiteral("authorName"), authorName);
    settings.setValue(QStringLiteral("authorEmail"), authorEmail);
    settings.endGroup();
}

QString redactUrl(const QString &url) { return scrub(url); }

struct GitOpsRepository::Impl {
    GitOpsSettings settings;
    CredentialProvider credentials;
    Repo repo;
    std::atomic<bool> cancelled{false};
    int credentialAttempts = 0;
    QString pushStatus;  // the remote's refusal of our ref, if any

    QString trackingRef() const { return QStringLiteral("refs/remotes/origin/") + settings.branch; }
    QString where() const { return QStringLiteral("%1 (%2)").arg(redactUrl(settings.url), settings.branch); }

    git_remote_callbacks callbacks()
    {
        git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
        cb.payload = this;
        cb.credentials = &Impl::acquireCredentials;
        cb.transfer_progress = [](const git_indexer_progress *, void *self) -> int {
            return static_cast<Impl *>(self)->cancelled ? -1 : 0;
        };
        cb.sideband_progress = [](const char *, int, void *self) -> int { return static_cast<Impl *>(self)->cancelled ? -1 : 0; };
        cb.push_transfer_progress = [](unsigned int, unsigned int, size_t, void *self) -> int {
            return static_cast<Impl *>(self)->cancelled ? -1 : 0;
        };
        cb.push_update_reference = [](const char *, const char *status, void *self) -> int {
            if (status)
                static_cast<Impl *>(self)->pushStatus = QString::fromUtf8(status);
            return 0;
        };
        return cb;
    }

    static int acquireCredentials(git_credential **out, const char *url, const char *usernameFromUrl, unsigned int allowed, void *payload)
    {
        auto *self = static_cast<Impl *>(payload);
        // One attempt per operation: a second call means the first was refused.
        if (self->credentialAttempts++ > 0) {
            git_error_set_str(GIT_ERROR_NET, "authentication failed: the credentials were refused");
            return GIT_EAUTH;
        }
        if (allowed & GIT_CREDENTIAL_SSH_KEY)
            return git_credential_ssh_key_from_agent(out, usernameFromUrl ? usernameFromUrl : "git");
        if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && self->credentials) {
            if (const auto c = self->credentials(redactUrl(QString::fromUtf8(url)))) {
                return git_credential_userpass_plaintext_new(out, c->username.toUtf8().constData(), c->password.toUtf8().constData());
            }
        }
        git_error_set_str(GIT_ERROR_NET, "authentication required and no credentials are configured for this remote");
        return GIT_EAUTH;
    }

    Result<void> open()
    {
        if (settings.url.isEmpty())
            return fail<void>(ErrorKind::Config, QStringLiteral("no GitOps repository URL is set"));
        if (settings.branch.isEmpty())
            return fail<void>(ErrorKind::Config, QStringLiteral("no GitOps branch is set"));
        const QString path = settings.cachePath();
        const QByteArray native = QFile::encodeName(path);
        if (!repo) {
            git_repository *r = nullptr;
            if (QFileInfo::exists(path + QStringLiteral("/HEAD"))) {
                if (const int rc = git_repository_open_bare(&r, native.constData()); rc < 0)
                    return fail<void>(rc, QStringLiteral("open the local copy %1").arg(path));
            } else {
                if (QDir(path).exists() && !QDir(path).isEmpty())
                    return fail<void>(ErrorKind::Config,
                                      QStringLiteral("the local path %1 exists and is not a git repository; choose an empty or new folder").arg(path));
                if (!QDir().mkpath(path))
                    return fail<void>(ErrorKind::Config, QStringLiteral("cannot create the local path %1").arg(path));
                if (const int rc = git_repository_init(&r, native.constData(), 1); rc < 0)
                    return fail<void>(rc, QStringLiteral("create the local copy %1").arg(path));
            }
            repo.reset(r);
        }
        // The cache follows the configured URL: a changed URL is set on the existing remote. Only
        // the URL without credentials is saved in the cache's config; fetch and push go through an
        // in-memory remote with the full URL (remote()).
        git_remote *rm = nullptr;
        const QByteArray savedUrl = redactUrl(settings.url).toUtf8();
        int rc = git_remote_lookup(&rm, repo.get(), "origin");
        Remote remote(rm);
        if (rc == GIT_ENOTFOUND) {
            rc = git_remote_create_with_fetchspec(&rm, repo.get(), "origin", savedUrl.constData(), "+refs/heads/*:refs/remotes/origin/*");
            remote.reset(rm);
            if (rc < 0)
                return fail<void>(rc, QStringLiteral("set up the remote %1").arg(redactUrl(settings.url)));
        } else if (rc < 0) {
            return fail<void>(rc, QStringLiteral("read the local copy's remote"));
        } else if (QByteArray(git_remote_url(remote.get())) != savedUrl) {
            if ((rc = git_remote_set_url(repo.get(), "origin", savedUrl.constData())) < 0)
                return fail<void>(rc, QStringLiteral("set the remote URL"));
        }
        return Result<void>::success();
    }

    // An anonymous remote: the full URL (credentials included) stays in memory, never on disk.
    // Fetch and push pass their refspecs explicitly, so it needs none of its own.
    Result<Remote> remote()
    {
        git_remote *rm = nullptr;
        if (const int rc = git_remote_create_anonymous(&rm, repo.get(), settings.url.toUtf8().constData()); rc < 0)
            return fail<Remote>(rc, QStringLiteral("set up the remote %1").arg(redactUrl(settings.url)));
        return Result<Remote>(Remote(rm));
    }

    Result<void> fetch()
    {
        auto r = remote();
        if (!r)
            return Result<void>::failure(r.error());
        git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
        opts.callbacks = callbacks();
        credentialAttempts = 0;
        const QByteArray spec = QStringLiteral("+refs/heads/%1:%2").arg(settings.branch, trackingRef()).toUtf8();
        char *specs[] = {const_cast<char *>(spec.constData())};
        const git_strarray refspecs{specs, 1};
        if (const int rc = git_remote_fetch(r.value().get(), &refspecs, &opts, "pilothouse: fetch"); rc < 0) {
            ApiError e = gitFailure(rc, QStringLiteral("fetch %1").arg(where()));
            if (e.kind == ErrorKind::ServerError && e.message.contains(QStringLiteral("find remote ref"))) {
                e.kind = ErrorKind::NotFound;
                e.message = scrub(QStringLiteral("the branch '%1' does not exist in %2").arg(settings.branch, redactUrl(settings.url)));
            }
            return Result<void>::failure(e);
        }
        git_oid oid;
        if (git_reference_name_to_id(&oid, repo.get(), trackingRef().toUtf8().constData()) < 0)
            return fail<void>(ErrorKind::NotFound,
                              QStringLiteral("the branch '%1' does not exist in %2").arg(settings.branch, redactUrl(settings.url)));
        return Result<void>::success();
    }

    Result<QString> head()
    {
        git_oid oid;
        if (git_reference_name_to_id(&oid, repo.get(), trackingRef().toUtf8().constData()) < 0)
            return fail<QString>(ErrorKind::NotFound, QStringLiteral("%1 has not been fetched yet").arg(where()));
        return oidString(&oid);
    }

    Result<Commit> commit(const QString &sha)
    {
        git_oid oid;
        if (git_oid_fromstrp(&oid, sha.toLatin1().constData()) < 0)
            return fail<Commit>(ErrorKind::Invalid, QStringLiteral("'%1' is not a commit id").arg(sha));
        git_commit *c = nullptr;
        int rc = sha.size() < GIT_OID_HEXSZ ? git_commit_lookup_prefix(&c, repo.get(), &oid, static_cast<size_t>(sha.size()))
                                            : git_commit_lookup(&c, repo.get(), &oid);
        if (rc < 0)
            return fail<Commit>(ErrorKind::NotFound, QStringLiteral("commit %1 is not in the local copy of %2").arg(sha.left(12), where()));
        return Result<Commit>(Commit(c));
    }

    Result<Tree> treeOf(git_commit *c)
    {
        git_tree *t = nullptr;
        if (const int rc = git_commit_tree(&t, c); rc < 0)
            return fail<Tree>(rc, QStringLiteral("read the tree of %1").arg(oidString(git_commit_id(c)).left(7)));
        return Result<Tree>(Tree(t));
    }

    // Patch text between two trees (either may be null: everything added / removed).
    Result<QString> patch(git_tree *before, git_tree *after)
    {
        git_diff *d = nullptr;
        git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
        if (const int rc = git_diff_tree_to_tree(&d, repo.get(), before, after, &opts); rc < 0)
            return fail<QString>(rc, QStringLiteral("compute a diff"));
        Diff diff(d);
        Buf buf;
        if (const int rc = git_diff_to_buf(&buf.buf, diff.get(), GIT_DIFF_FORMAT_PATCH); rc < 0)
            return fail<QString>(rc, QStringLiteral("format a diff"));
        return buf.text();
    }

    Result<QStringList> changedFiles(git_commit *c)
    {
        auto tree = treeOf(c);
        if (!tree)
            return Result<QStringList>::failure(tree.error());
        Tree parentTree;
        if (git_commit_parentcount(c) > 0) {
            git_commit *p = nullptr;
            if (const int rc = git_commit_parent(&p, c, 0); rc < 0)
                return fail<QStringList>(rc, QStringLiteral("read a parent commit"));
            Commit parent(p);
            auto pt = treeOf(parent.get());
            if (!pt)
                return Result<QStringList>::failure(pt.error());
            parentTree = std::move(pt.value());
        }
        git_diff *d = nullptr;
        if (const int rc = git_diff_tree_to_tree(&d, repo.get(), parentTree.get(), tree.value().get(), nullptr); rc < 0)
            return fail<QStringList>(rc, QStringLiteral("compute a diff"));
        Diff diff(d);
        QStringList files;
        for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
            const git_diff_delta *delta = git_diff_get_delta(diff.get(), i);
            files << QString::fromUtf8(delta->new_file.path ? delta->new_file.path : delta->old_file.path);
        }
        return files;
    }

    Result<QString> readAt(const QString &sha, const QString &path, git_filemode_t *mode = nullptr)
    {
        auto c = commit(sha);
        if (!c)
            return Result<QString>::failure(c.error());
        auto tree = treeOf(c.value().get());
        if (!tree)
            return Result<QString>::failure(tree.error());
        git_tree_entry *e = nullptr;
        if (git_tree_entry_bypath(&e, tree.value().get(), path.toUtf8().constData()) < 0)
            return fail<QString>(ErrorKind::NotFound, QStringLiteral("%1 does not exist in %2 at %3").arg(path, where(), sha.left(7)));
        TreeEntry entry(e);
        if (git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB)
            return fail<QString>(ErrorKind::Invalid, QStringLiteral("%1 is a folder, not a manifest file").arg(path));
        git_blob *b = nullptr;
        if (const int rc = git_blob_lookup(&b, repo.get(), git_tree_entry_id(entry.get())); rc < 0)
            return fail<QString>(rc, QStringLiteral("read %1").arg(path));
        Blob blob(b);
        if (mode)
            *mode = git_tree_entry_filemode(entry.get());
        return QString::fromUtf8(static_cast<const char *>(git_blob_rawcontent(blob.get())), static_cast<qsizetype>(git_blob_rawsize(blob.get())));
    }

    Result<PendingChange> prepareBump(const QString &path, const ImageSelector &selector, const QString &newTag)
    {
        using R = Result<PendingChange>;
        auto base = head();
        if (!base)
            return R::failure(base.error());
        git_filemode_t mode = GIT_FILEMODE_BLOB;
        auto text = readAt(base.value(), path, &mode);
        if (!text)
            return R::failure(text.error());
        auto bump = bumpImageTag(text.value(), selector, newTag, path);
        if (!bump)
            return R::failure(bump.error());
        if (bump.value().text == text.value())
            return fail<PendingChange>(ErrorKind::Invalid, QStringLiteral("%1 in %2 already runs tag %3").arg(selector.describe(), path, newTag));

        git_oid blobId;
        const QByteArray bytes = bump.value().text.toUtf8();
        if (const int rc = git_blob_create_from_buffer(&blobId, repo.get(), bytes.constData(), static_cast<size_t>(bytes.size())); rc < 0)
            return fail<PendingChange>(rc, QStringLiteral("write the new %1").arg(path));
        auto c = commit(base.value());
        if (!c)
            return R::failure(c.error());
        auto tree = treeOf(c.value().get());
        if (!tree)
            return R::failure(tree.error());
        const QByteArray pathBytes = path.toUtf8();
        git_tree_update update{};
        update.action = GIT_TREE_UPDATE_UPSERT;
        update.id = blobId;
        update.filemode = mode;
        update.path = pathBytes.constData();
        git_oid treeId;
        if (const int rc = git_tree_create_updated(&treeId, repo.get(), tree.value().get(), 1, &update); rc < 0)
            return fail<PendingChange>(rc, QStringLiteral("build the new tree"));

        PendingChange change;
        change.kind = PendingChange::Kind::ImageBump;
        change.path = path;
        change.selector = selector;
        change.newTag = newTag;
        change.base = base.value();
        change.tree = oidString(&treeId);
        change.changes = bump.value().changes;
        change.diff = backends::unifiedDiff(text.value(), bump.value().text, QStringLiteral("a/") + path, QStringLiteral("b/") + path);
        QStringList names;
        QStringList lines;
        for (const ImageChange &ic : change.changes) {
            const QString name = ic.where.container.isEmpty() ? ImageRef::parse(ic.before).repository.section(QLatin1Char('/'), -1) : ic.where.container;
            if (!names.contains(name))
                names << name;
            lines << QStringLiteral("%1: %2 -> %3").arg(path, ic.before, ic.after);
        }
        change.message = QStringLiteral("Bump %1 to %2\n\n%3\n").arg(names.join(QStringLiteral(", ")), newTag, lines.join(QLatin1Char('\n')));
        const ImageChange &first = change.changes.first();
        change.summary = QStringLiteral("%1 in %2: %3 → %4%5")
                             .arg(names.join(QStringLiteral(", ")), path, first.before, first.after,
                                  change.changes.size() > 1 ? QStringLiteral(" (%1 images)").arg(change.changes.size()) : QString());
        return change;
    }

    Result<PendingChange> prepareRevert(const QString &sha)
    {
        using R = Result<PendingChange>;
        auto base = head();
        if (!base)
            return R::failure(base.error());
        auto target = commit(sha);
        if (!target)
            return R::failure(target.error());
        auto ours = commit(base.value());
        if (!ours)
            return R::failure(ours.error());
        const git_oid *targetId = git_commit_id(target.value().get());
        const git_oid *oursId = git_commit_id(ours.value().get());
        const QString fullSha = oidString(targetId);
        if (!git_oid_equal(targetId, oursId) && git_graph_descendant_of(repo.get(), oursId, targetId) != 1)
            return fail<PendingChange>(ErrorKind::Invalid, QStringLiteral("commit %1 is not on %2").arg(fullSha.left(7), where()));
        if (git_commit_parentcount(target.value().get()) == 0)
            return fail<PendingChange>(ErrorKind::Invalid, QStringLiteral("commit %1 is the first commit of the branch; it cannot be reverted").arg(fullSha.left(7)));

        git_index *ix = nullptr;
        const unsigned int mainline = git_commit_parentcount(target.value().get()) > 1 ? 1 : 0;
        if (const int rc = git_revert_commit(&ix, repo.get(), target.value().get(), ours.value().get(), mainline, nullptr); rc < 0)
            return fail<PendingChange>(rc, QStringLiteral("revert %1").arg(fullSha.left(7)));
        Index index(ix);
        if (git_index_has_conflicts(index.get())) {
            QStringList paths;
            git_index_conflict_iterator *it = nullptr;
            if (git_index_conflict_iterator_new(&it, index.get()) == 0) {
                const git_index_entry *a = nullptr, *o = nullptr, *t = nullptr;
                while (git_index_conflict_next(&a, &o, &t, it) == 0) {
                    const git_index_entry *e = o ? o : (t ? t : a);
                    if (e && !paths.contains(QString::fromUtf8(e->path)))
                        paths << QString::fromUtf8(e->path);
                }
                git_index_conflict_iterator_free(it);
            }
            return fail<PendingChange>(ErrorKind::Conflict,
                                       QStringLiteral("reverting %1 conflicts with later changes to %2; revert it by hand")
                                           .arg(fullSha.left(7), paths.join(QStringLiteral(", "))));
        }
        git_oid treeId;
        if (const int rc = git_index_write_tree_to(&treeId, index.get(), repo.get()); rc < 0)
            return fail<PendingChange>(rc, QStringLiteral("write the reverted tree"));
        auto ourTree = treeOf(ours.value().get());
        if (!ourTree)
            return R::failure(ourTree.error());
        if (git_oid_equal(&treeId, git_tree_id(ourTree.value().get())))
            return fail<PendingChange>(ErrorKind::Invalid, QStringLiteral("reverting %1 changes nothing on %2 (already reverted?)").arg(fullSha.left(7), where()));
        git_tree *nt = nullptr;
        if (const int rc = git_tree_lookup(&nt, repo.get(), &treeId); rc < 0)
            return fail<PendingChange>(rc, QStringLiteral("read the reverted tree"));
        Tree newTree(nt);
        auto diff = patch(ourTree.value().get(), newTree.get());
        if (!diff)
            return R::failure(diff.error());

        const QString summary = messageSummary(QString::fromUtf8(git_commit_message(target.value().get())));
        PendingChange change;
        change.kind = PendingChange::Kind::Revert;
        change.revertSha = fullSha;
        change.base = base.value();
        change.tree = oidString(&treeId);
        change.diff = diff.value();
        change.message = QStringLiteral("Revert \"%1\"\n\nThis reverts commit %2.\n").arg(summary, fullSha);
        change.summary = QStringLiteral("revert %1 \"%2\"").arg(fullSha.left(7), summary);
        return change;
    }

    Result<PendingChange> reapply(const PendingChange &c)
    {
        return c.kind == PendingChange::Kind::ImageBump ? prepareBump(c.path, c.selector, c.newTag) : prepareRevert(c.revertSha);
    }
};

GitOpsRepository::GitOpsRepository(GitOpsSettings settings, CredentialProvider credentials)
    : d(std::make_unique<Impl>())
{
    d->settings = std::move(settings);
    d->credentials = std::move(credentials);
}

GitOpsRepository::~GitOpsRepository() = default;

const GitOpsSettings &GitOpsRepository::settings() const { return d->settings; }

void GitOpsRepository::cancel() { d->cancelled = true; }

Result<RepositoryState> GitOpsRepository::sync(int maxCommits)
{
    using R = Result<RepositoryState>;
    if (auto opened = d->open(); !opened)
        return R::failure(opened.error());
    if (auto fetched = d->fetch(); !fetched)
        return R::failure(fetched.error());
    RepositoryState state;
    auto head = d->head();
    if (!head)
        return R::failure(head.error());
    state.head = head.value();

    git_revwalk *w = nullptr;
    if (const int rc = git_revwalk_new(&w, d->repo.get()); rc < 0)
        return fail<RepositoryState>(rc, QStringLiteral("walk the history"));
    Revwalk walk(w);
    git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
    git_oid oid;
    git_oid_fromstr(&oid, state.head.toLatin1().constData());
    git_revwalk_push(walk.get(), &oid);
    while (state.commits.size() < maxCommits && git_revwalk_next(&oid, walk.get()) == 0) {
        git_commit *c = nullptr;
        if (const int rc = git_commit_lookup(&c, d->repo.get(), &oid); rc < 0)
            return fail<RepositoryState>(rc, QStringLiteral("read a commit"));
        Commit commit(c);
        CommitInfo info;
        info.sha = oidString(&oid);
        const git_signature *author = git_commit_author(commit.get());
        info.authorName = QString::fromUtf8(author->name);
        info.authorEmail = QString::fromUtf8(author->email);
        info.time = QDateTime::fromSecsSinceEpoch(author->when.time, Qt::UTC);
        info.message = QString::fromUtf8(git_commit_message(commit.get()));
        info.summary = messageSummary(info.message);
        info.parentCount = static_cast<int>(git_commit_parentcount(commit.get()));
        auto files = d->changedFiles(commit.get());
        if (!files)
            return R::failure(files.error());
        info.files = files.value();
        state.commits << info;
    }

    auto c = d->commit(state.head);
    if (!c)
        return R::failure(c.error());
    auto tree = d->treeOf(c.value().get());
    if (!tree)
        return R::failure(tree.error());
    git_tree_walk(
        tree.value().get(), GIT_TREEWALK_PRE,
        [](const char *root, const git_tree_entry *entry, void *payload) -> int {
            if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
                return 0;
            const QString name = QString::fromUtf8(git_tree_entry_name(entry));
            if (name.endsWith(QStringLiteral(".yaml")) || name.endsWith(QStringLiteral(".yml")))
                *static_cast<QStringList *>(payload) << QString::fromUtf8(root) + name;
            return 0;
        },
        &state.manifests);
    state.manifests.sort();
    return state;
}

Result<QString> GitOpsRepository::commitDiff(const QString &sha)
{
    if (auto opened = d->open(); !opened)
        return Result<QString>::failure(opened.error());
    auto c = d->commit(sha);
    if (!c)
        return Result<QString>::failure(c.error());
    auto tree = d->treeOf(c.value().get());
    if (!tree)
        return Result<QString>::failure(tree.error());
    Tree parentTree;
    if (git_commit_parentcount(c.value().get()) > 0) {
        git_commit *p = nullptr;
        if (const int rc = git_commit_parent(&p, c.value().get(), 0); rc < 0)
            return fail<QString>(rc, QStringLiteral("read a parent commit"));
        Commit parent(p);
        auto pt = d->treeOf(parent.get());
        if (!pt)
            return Result<QString>::failure(pt.error());
        parentTree = std::move(pt.value());
    }
    return d->patch(parentTree.get(), tree.value().get());
}

Result<QString> GitOpsRepository::readFile(const QString &path)
{
    if (auto opened = d->open(); !opened)
        return Result<QString>::failure(opened.error());
    auto head = d->head();
    if (!head)
        return Result<QString>::failure(head.error());
    return d->readAt(head.value(), path);
}

Result<QList<ContainerImage>> GitOpsRepository::images(const QString &path)
{
    auto text = readFile(path);
    if (!text)
        return Result<QList<ContainerImage>>::failure(text.error());
    auto images = findContainerImages(text.value());
    if (!images) {
        ApiError e = images.error();
        e.message.replace(QStringLiteral("the manifest"), path);
        return Result<QList<ContainerImage>>::failure(e);
    }
    return images;
}

Result<PendingChange> GitOpsRepository::prepareBump(const QString &path, const ImageSelector &selector, const QString &newTag)
{
    if (auto opened = d->open(); !opened)
        return Result<PendingChange>::failure(opened.error());
    return d->prepareBump(path, selector, newTag);
}

Result<PendingChange> GitOpsRepository::prepareRevert(const QString &sha)
{
    if (auto opened = d->open(); !opened)
        return Result<PendingChange>::failure(opened.error());
    return d->prepareRevert(sha);
}

Result<PushOutcome> GitOpsRepository::push(const PendingChange &change)
{
    using R = Result<PushOutcome>;
    if (auto opened = d->open(); !opened)
        return R::failure(opened.error());
    const GitOpsSettings &s = d->settings;
    if (s.authorName.trimmed().isEmpty() || s.authorEmail.trimmed().isEmpty())
        return fail<PushOutcome>(ErrorKind::Config, QStringLiteral("set the author name and email for GitOps commits first"));

    auto parent = d->commit(change.base);
    if (!parent)
        return R::failure(parent.error());
    git_oid treeId;
    if (git_oid_fromstr(&treeId, change.tree.toLatin1().constData()) < 0)
        return fail<PushOutcome>(ErrorKind::Invalid, QStringLiteral("the prepared change has no tree"));
    git_tree *t = nullptr;
    if (const int rc = git_tree_lookup(&t, d->repo.get(), &treeId); rc < 0)
        return fail<PushOutcome>(rc, QStringLiteral("read the prepared tree"));
    Tree tree(t);
    git_signature *sig = nullptr;
    if (const int rc = git_signature_now(&sig, s.authorName.toUtf8().constData(), s.authorEmail.toUtf8().constData()); rc < 0)
        return fail<PushOutcome>(rc, QStringLiteral("the author name or email"));
    Signature signature(sig);
    git_oid commitId;
    const git_commit *parents[] = {parent.value().get()};
    if (const int rc = git_commit_create(&commitId, d->repo.get(), nullptr, signature.get(), signature.get(), nullptr,
                                         change.message.toUtf8().constData(), tree.get(), 1, parents);
        rc < 0)
        return fail<PushOutcome>(rc, QStringLiteral("create the commit"));

    // The local branch of the cache is only the push's source; the remote decides what is accepted.
    const QByteArray localRef = (QStringLiteral("refs/heads/") + s.branch).toUtf8();
    git_reference *ref = nullptr;
    if (const int rc = git_reference_create(&ref, d->repo.get(), localRef.constData(), &commitId, 1, "pilothouse: outgoing"); rc < 0)
        return fail<PushOutcome>(rc, QStringLiteral("record the commit locally"));
    git_reference_free(ref);

    auto remote = d->remote();
    if (!remote)
        return R::failure(remote.error());
    git_push_options opts = GIT_PUSH_OPTIONS_INIT;
    opts.callbacks = d->callbacks();
    d->credentialAttempts = 0;
    d->pushStatus.clear();
    // No '+': libgit2 refuses a push that is not a fast-forward of what the remote advertised.
    const QByteArray spec = localRef + ':' + localRef;
    char *specs[] = {const_cast<char *>(spec.constData())};
    const git_strarray refspecs{specs, 1};
    const int rc = git_remote_push(remote.value().get(), &refspecs, &opts);
    const QString status = d->pushStatus;
    // Read now: the fetch below replaces libgit2's last error.
    std::optional<ApiError> pushError = rc < 0 ? std::optional<ApiError>(gitFailure(rc, QStringLiteral("push to %1").arg(d->where())))
                                               : std::nullopt;
    if (pushError && d->cancelled) {
        // A callback stopped it (libgit2 does not always pass GIT_EUSER on): the remote may or
        // may not have taken what was sent.
        pushError->kind = ErrorKind::Cancelled;
        pushError->message = scrub(QStringLiteral("push to %1: cancelled; the remote may or may not have taken it").arg(d->where()));
    }
    const auto saysRefMoved = [](const QString &text) {
        const QString t = text.toLower();
        return t.contains(QStringLiteral("fast-forward")) || t.contains(QStringLiteral("fetch first")) || t.contains(QStringLiteral("cannot lock ref"))
               || t.contains(QStringLiteral("failed to lock")) || t.contains(QStringLiteral("stale info"));
    };
    bool refMoved = rc == GIT_ENONFASTFORWARD || saysRefMoved(status) || (pushError && saysRefMoved(pushError->message));
    bool fetchedAlready = false;
    // Any other refusal of the ref ("failed to update ref" when it moved under the remote's lock
    // during the push): if the branch is no longer where the change was based, it is the same race.
    if (!refMoved && (!status.isEmpty() || (pushError && pushError->kind != ErrorKind::Cancelled && pushError->kind != ErrorKind::Unauthorized))) {
        if (d->fetch().ok()) {
            fetchedAlready = true;
            const auto now = d->head();
            refMoved = now.ok() && now.value() != change.base;
        }
    }
    if (refMoved) {
        // Someone pushed in between: fetch, apply the same change to their head, and let the
        // caller show the new diff and ask again.
        if (!fetchedAlready) {
            if (auto fetched = d->fetch(); !fetched)
                return R::failure(fetched.error());
        }
        auto again = d->reapply(change);
        if (!again) {
            ApiError e = again.error();
            e.kind = ErrorKind::Conflict;
            e.message = scrub(QStringLiteral("%1 changed since the change was prepared, and it no longer applies: %2").arg(d->where(), e.message));
            return R::failure(e);
        }
        PushOutcome outcome;
        outcome.retry = again.value();
        outcome.retry->rebased = true;
        return outcome;
    }
    if (pushError)
        return R::failure(*pushError);
    if (!status.isEmpty())
        return fail<PushOutcome>(ErrorKind::Forbidden, QStringLiteral("%1 refused the push: %2").arg(d->where(), status));

    git_reference *tracking = nullptr;
    if (git_reference_create(&tracking, d->repo.get(), d->trackingRef().toUtf8().constData(), &commitId, 1, "pilothouse: pushed") == 0)
        git_reference_free(tracking);
    PushOutcome outcome;
    outcome.pushed = true;
    outcome.commit = oidString(&commitId);
    return outcome;
}

}  // namespace pilothouse::backends::gitops
