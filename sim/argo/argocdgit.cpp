// libgit2 mirror, manifest reading and the demo manifests repository for the simulated Argo CD.
#include "argo/argocdgit.h"

#include "common/yamljson.h"

#include <git2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

namespace pilothouse::sim {

namespace {

template <class T, void (*Free)(T *)>
struct GitPtr {
    T *p = nullptr;
    GitPtr() = default;
    GitPtr(const GitPtr &) = delete;
    GitPtr &operator=(const GitPtr &) = delete;
    ~GitPtr() { if (p) Free(p); }
    T **out() { return &p; }
    T *get() const { return p; }
};
using Remote = GitPtr<git_remote, git_remote_free>;
using Commit = GitPtr<git_commit, git_commit_free>;
using Tree = GitPtr<git_tree, git_tree_free>;
using TreeEntry = GitPtr<git_tree_entry, git_tree_entry_free>;
using Blob = GitPtr<git_blob, git_blob_free>;
using Object = GitPtr<git_object, git_object_free>;
using Index = GitPtr<git_index, git_index_free>;
using Signature = GitPtr<git_signature, git_signature_free>;
using Reference = GitPtr<git_reference, git_reference_free>;

std::string oidString(const git_oid *oid)
{
    char buf[GIT_OID_HEXSZ + 1];
    git_oid_tostr(buf, sizeof buf, oid);
    return buf;
}

bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The tree at `dir` of commit `sha` (the root for "" or ".").
bool treeAt(git_repository *repo, const std::string &sha, const std::string &dir, Tree &out, std::string &error)
{
    git_oid oid;
    if (git_oid_fromstr(&oid, sha.c_str()) != 0) {
        error = "\"" + sha + "\" is not a commit sha";
        return false;
    }
    Commit commit;
    Tree root;
    int rc = git_commit_lookup(commit.out(), repo, &oid);
    if (rc == 0)
        rc = git_commit_tree(root.out(), commit.get());
    if (rc != 0) {
        error = "commit " + sha + ": " + lastGitError(rc);
        return false;
    }
    std::string path = dir;
    while (!path.empty() && path.back() == '/')
        path.pop_back();
    if (path.empty() || path == ".") {
        std::swap(out.p, root.p);
        return true;
    }
    TreeEntry entry;
    if (git_tree_entry_bypath(entry.out(), root.get(), path.c_str()) != 0 || git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE) {
        error = "app path does not exist: " + path + " (at " + sha.substr(0, 7) + ")";
        return false;
    }
    rc = git_tree_lookup(out.out(), repo, git_tree_entry_id(entry.get()));
    if (rc != 0) {
        error = path + ": " + lastGitError(rc);
        return false;
    }
    return true;
}

}  // namespace

std::string lastGitError(int code)
{
    const git_error *e = git_error_last();
    if (e && e->message)
        return e->message;
    return "libgit2 error " + std::to_string(code);
}

GitLibrary::GitLibrary() { git_libgit2_init(); }
GitLibrary::~GitLibrary() { git_libgit2_shutdown(); }

GitMirror::GitMirror(std::string url, std::string cacheDir) : m_url(std::move(url)), m_dir(std::move(cacheDir)) {}

GitMirror::~GitMirror()
{
    if (m_repo)
        git_repository_free(m_repo);
}

bool GitMirror::openLocked(std::string &error)
{
    if (m_repo)
        return true;
    std::error_code ec;
    std::filesystem::create_directories(m_dir, ec);
    int rc = git_repository_open_bare(&m_repo, m_dir.c_str());
    if (rc == 0)
        return true;
    rc = git_repository_init(&m_repo, m_dir.c_str(), 1);
    if (rc != 0) {
        error = "cannot create a git mirror in " + m_dir + ": " + lastGitError(rc);
        return false;
    }
    // Branches land on local branches of the same name (a mirror), tags as tags.
    Remote remote;
    rc = git_remote_create_with_fetchspec(remote.out(), m_repo, "origin", m_url.c_str(), "+refs/heads/*:refs/heads/*");
    if (rc == 0)
        rc = git_remote_add_fetch(m_repo, "origin", "+refs/tags/*:refs/tags/*");
    if (rc != 0) {
        error = "cannot use " + m_url + ": " + lastGitError(rc);
        git_repository_free(m_repo);
        m_repo = nullptr;
        return false;
    }
    return true;
}

bool GitMirror::fetch(std::string &error)
{
    std::lock_guard lock(m_mutex);
    return fetchLocked(error);
}

bool GitMirror::fetchLocked(std::string &error)
{
    if (!openLocked(error))
        return false;
    Remote remote;
    int rc = git_remote_lookup(remote.out(), m_repo, "origin");
    if (rc != 0) {
        error = lastGitError(rc);
        return false;
    }
    git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
    opts.prune = GIT_FETCH_PRUNE;
    opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
    rc = git_remote_fetch(remote.get(), nullptr, &opts, "fetch");
    if (rc != 0) {
        error = "failed to fetch " + m_url + ": " + lastGitError(rc);
        return false;
    }
    // The remote's HEAD (its default branch) as advertised during the fetch.
    const git_remote_head **heads = nullptr;
    size_t count = 0;
    if (git_remote_ls(&heads, &count, remote.get()) == 0) {
        for (size_t i = 0; i < count; ++i) {
            if (std::string(heads[i]->name) == "HEAD") {
                Reference ref;
                git_reference_create(ref.out(), m_repo, "refs/remotes/origin/HEAD", &heads[i]->oid, 1, "remote HEAD");
            }
        }
    }
    m_fetched = true;
    return true;
}

bool GitMirror::fetched() const
{
    std::lock_guard lock(m_mutex);
    return m_fetched;
}

std::optional<std::string> GitMirror::resolveLocked(const std::string &revision, std::string &error)
{
    if (!m_repo) {
        error = "repository " + m_url + " has not been fetched";
        return std::nullopt;
    }
    std::vector<std::string> candidates;
    if (revision.empty() || revision == "HEAD")
        candidates = {"refs/remotes/origin/HEAD", "refs/heads/main", "refs/heads/master"};
    else
        candidates = {revision, "refs/heads/" + revision, "refs/tags/" + revision};
    for (const auto &c : candidates) {
        Object obj;
        Object peeled;
        if (git_revparse_single(obj.out(), m_repo, c.c_str()) == 0 && git_object_peel(peeled.out(), obj.get(), GIT_OBJECT_COMMIT) == 0)
            return oidString(git_object_id(peeled.get()));
    }
    error = "unable to resolve '" + (revision.empty() ? std::string("HEAD") : revision) + "' to a commit SHA";
    return std::nullopt;
}

std::optional<std::string> GitMirror::resolve(const std::string &revision, std::string &error)
{
    std::lock_guard lock(m_mutex);
    return resolveLocked(revision, error);
}

bool GitMirror::readManifests(const std::string &sha, const std::string &dir, std::vector<Json> &out, std::string &error)
{
    std::lock_guard lock(m_mutex);
    if (!m_repo) {
        error = "repository " + m_url + " has not been fetched";
        return false;
    }
    Tree tree;
    if (!treeAt(m_repo, sha, dir, tree, error))
        return false;
    size_t n = git_tree_entrycount(tree.get());
    for (size_t i = 0; i < n; ++i) {
        const git_tree_entry *e = git_tree_entry_byindex(tree.get(), i);
        std::string name = git_tree_entry_name(e);
        if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || !(endsWith(name, ".yaml") || endsWith(name, ".yml") || endsWith(name, ".json")))
            continue;
        Blob blob;
        if (int rc = git_blob_lookup(blob.out(), m_repo, git_tree_entry_id(e)); rc != 0) {
            error = name + ": " + lastGitError(rc);
            return false;
        }
        std::string text(static_cast<const char *>(git_blob_rawcontent(blob.get())), static_cast<size_t>(git_blob_rawsize(blob.get())));
        std::string file = dir.empty() ? name : dir + "/" + name;
        try {
            std::vector<Json> docs;
            if (endsWith(name, ".json")) {
                docs.push_back(Json::parse(text));
            } else {
                for (const auto &doc : YAML::LoadAll(text))
                    if (!doc.IsNull())
                        docs.push_back(yamlToJson(doc));
            }
            for (auto &doc : docs) {
                if (doc.is_object() && doc.value("kind", "") == "List" && doc.contains("items")) {
                    for (auto &item : doc["items"])
                        out.push_back(item);
                    continue;
                }
                if (!doc.is_object() || !doc.contains("apiVersion") || !doc.contains("kind"))
                    throw std::runtime_error("a manifest needs apiVersion and kind");
                out.push_back(std::move(doc));
            }
        } catch (const YAML::Exception &ex) {
            error = file + ":" + std::to_string(ex.mark.line + 1) + ": " + ex.msg;
            return false;
        } catch (const std::exception &ex) {
            error = file + ": " + ex.what();
            return false;
        }
    }
    return true;
}

bool GitMirror::listDirectories(const std::string &sha, const std::string &dir, std::vector<std::string> &out, std::string &error)
{
    std::lock_guard lock(m_mutex);
    if (!m_repo) {
        error = "repository " + m_url + " has not been fetched";
        return false;
    }
    Tree tree;
    if (!treeAt(m_repo, sha, dir, tree, error))
        return false;
    size_t n = git_tree_entrycount(tree.get());
    for (size_t i = 0; i < n; ++i) {
        const git_tree_entry *e = git_tree_entry_byindex(tree.get(), i);
        if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
            out.push_back(git_tree_entry_name(e));
    }
    return true;
}

std::optional<GitCommitInfo> GitMirror::commitInfo(const std::string &revision, std::string &error)
{
    std::lock_guard lock(m_mutex);
    auto sha = resolveLocked(revision, error);
    if (!sha)
        return std::nullopt;
    git_oid oid;
    git_oid_fromstr(&oid, sha->c_str());
    Commit commit;
    if (int rc = git_commit_lookup(commit.out(), m_repo, &oid); rc != 0) {
        error = lastGitError(rc);
        return std::nullopt;
    }
    GitCommitInfo info;
    info.sha = *sha;
    const git_signature *author = git_commit_author(commit.get());
    info.author = std::string(author->name ? author->name : "") + " <" + (author->email ? author->email : "") + ">";
    info.date = rfc3339(std::chrono::system_clock::from_time_t(static_cast<std::time_t>(author->when.time)));
    info.message = git_commit_message(commit.get()) ? git_commit_message(commit.get()) : "";
    struct TagScan {
        git_repository *repo;
        git_oid target;
        std::vector<std::string> *tags;
    } scan{m_repo, oid, &info.tags};
    git_tag_foreach(
        m_repo,
        [](const char *name, git_oid *tagOid, void *payload) -> int {
            auto *s = static_cast<TagScan *>(payload);
            Object obj;
            Object peeled;
            if (git_object_lookup(obj.out(), s->repo, tagOid, GIT_OBJECT_ANY) == 0 &&
                git_object_peel(peeled.out(), obj.get(), GIT_OBJECT_COMMIT) == 0 && git_oid_equal(git_object_id(peeled.get()), &s->target)) {
                std::string n = name;
                const std::string prefix = "refs/tags/";
                s->tags->push_back(n.rfind(prefix, 0) == 0 ? n.substr(prefix.size()) : n);
            }
            return 0;
        },
        &scan);
    return info;
}

std::vector<std::pair<std::string, long long>> GitMirror::commitsTouching(const std::string &sha, const std::string &dir, size_t max,
                                                                          std::string &error)
{
    std::lock_guard lock(m_mutex);
    std::vector<std::pair<std::string, long long>> out;
    if (!m_repo) {
        error = "repository " + m_url + " has not been fetched";
        return out;
    }
    auto treeIdAt = [&](const git_commit *c, git_oid &id) {
        Tree root;
        TreeEntry entry;
        if (git_commit_tree(root.out(), c) != 0 || git_tree_entry_bypath(entry.out(), root.get(), dir.c_str()) != 0)
            return false;
        git_oid_cpy(&id, git_tree_entry_id(entry.get()));
        return true;
    };
    git_oid oid;
    if (git_oid_fromstr(&oid, sha.c_str()) != 0) {
        error = "\"" + sha + "\" is not a commit sha";
        return out;
    }
    Commit commit;
    if (int rc = git_commit_lookup(commit.out(), m_repo, &oid); rc != 0) {
        error = lastGitError(rc);
        return out;
    }
    while (commit.get() && out.size() < max) {
        git_oid mine{};
        bool has = treeIdAt(commit.get(), mine);
        Commit parent;
        bool hasParent = git_commit_parentcount(commit.get()) > 0 && git_commit_parent(parent.out(), commit.get(), 0) == 0;
        git_oid theirs{};
        bool parentHas = hasParent && treeIdAt(parent.get(), theirs);
        if (has && (!parentHas || !git_oid_equal(&mine, &theirs)))
            out.emplace_back(oidString(git_commit_id(commit.get())), static_cast<long long>(git_commit_time(commit.get())));
        if (!has || !hasParent)
            break;
        std::swap(commit.p, parent.p);
    }
    return out;
}

// ---- YAML output ----

namespace {

bool needsQuotes(const std::string &s)
{
    if (s.empty())
        return true;
    static const std::set<std::string> keywords{"true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL",
                                                "~", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "n"};
    if (keywords.count(s))
        return true;
    char *end = nullptr;
    std::strtod(s.c_str(), &end);
    if (end && *end == '\0')
        return true;
    return false;  // anything else the emitter quotes when YAML's syntax needs it
}

void emit(YAML::Emitter &out, const Json &v)
{
    switch (v.type()) {
    case Json::value_t::object:
        if (v.empty()) {
            out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
            break;
        }
        out << YAML::BeginMap;
        for (const auto &[k, child] : v.items()) {
            out << YAML::Key << k << YAML::Value;
            emit(out, child);
        }
        out << YAML::EndMap;
        break;
    case Json::value_t::array:
        if (v.empty()) {
            out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
            break;
        }
        out << YAML::BeginSeq;
        for (const auto &child : v)
            emit(out, child);
        out << YAML::EndSeq;
        break;
    case Json::value_t::string: {
        const auto &s = v.get_ref<const std::string &>();
        if (s.find('\n') != std::string::npos)
            out << YAML::Literal << s;
        else if (needsQuotes(s))
            out << YAML::DoubleQuoted << s;
        else
            out << s;
        break;
    }
    case Json::value_t::boolean: out << (v.get<bool>() ? "true" : "false"); break;
    case Json::value_t::number_integer: out << v.get<long long>(); break;
    case Json::value_t::number_unsigned: out << v.get<unsigned long long>(); break;
    case Json::value_t::number_float: out << v.get<double>(); break;
    default: out << YAML::Null; break;
    }
}

}  // namespace

std::string jsonToYaml(const Json &value)
{
    YAML::Emitter out;
    out.SetIndent(2);
    out.SetSeqFormat(YAML::Block);
    emit(out, value);
    return std::string(out.c_str()) + "\n";
}

// ---- the demo repository ----

namespace {

constexpr const char *kGitopsAppAnnotation = "pilothouse.dev/gitops-app";

// What a manifest in git holds: no status, no server-owned metadata.
Json cleanManifest(const Json &obj)
{
    Json m = Json::object();
    for (const auto &[k, v] : obj.items())
        if (k != "status" && k != "metadata")
            m[k] = v;
    Json meta = Json::object();
    for (const char *k : {"name", "namespace", "labels", "annotations"})
        if (const Json *v = findPath(obj, std::string("metadata.") + k); v && !v->is_null())
            meta[k] = *v;
    m["metadata"] = meta;
    return m;
}

Json *containersOf(Json &obj)
{
    for (const char *path : {"spec.template.spec.containers", "spec.containers"}) {
        Json *cur = &obj;
        std::string p = path;
        size_t start = 0;
        bool ok = true;
        while (ok && start <= p.size()) {
            size_t dot = p.find('.', start);
            std::string key = p.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
            if (!cur->is_object() || !cur->contains(key))
                ok = false;
            else
                cur = &(*cur)[key];
            if (dot == std::string::npos)
                break;
            start = dot + 1;
        }
        if (ok && cur->is_array())
            return cur;
    }
    return nullptr;
}

// Shifts every numeric image tag of the object's containers by `delta`; true when one changed.
bool shiftTags(Json &obj, long long delta)
{
    Json *cs = containersOf(obj);
    if (!cs)
        return false;
    bool changed = false;
    for (auto &c : *cs) {
        std::string image = c.value("image", "");
        size_t colon = image.rfind(':');
        if (colon == std::string::npos || image.find('/', colon) != std::string::npos)
            continue;
        std::string tag = image.substr(colon + 1);
        if (tag.empty() || tag.find_first_not_of("0123456789") != std::string::npos || tag.size() > 9)
            continue;
        long long next = std::max(1LL, std::atoll(tag.c_str()) + delta);
        c["image"] = image.substr(0, colon + 1) + std::to_string(next);
        changed = true;
    }
    return changed;
}

std::string lower(std::string s)
{
    for (auto &c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string firstImageTag(const Json &obj)
{
    Json copy = obj;
    Json *cs = containersOf(copy);
    if (!cs || cs->empty())
        return {};
    std::string image = (*cs)[0].value("image", "");
    size_t colon = image.rfind(':');
    return colon == std::string::npos ? std::string() : image.substr(colon + 1);
}

struct DemoApp {
    std::string name;
    std::vector<Json> objects;  // cleaned manifests
};

class RepoWriter {
public:
    explicit RepoWriter(git_repository *repo) : m_repo(repo) {}

    bool commit(const std::vector<DemoApp> &apps, const std::string &message, const char *authorName, const char *authorEmail,
                std::time_t when, std::string &error)
    {
        Index index;
        int rc = git_index_new(index.out());
        for (const auto &app : apps) {
            for (const auto &obj : app.objects) {
                if (rc != 0)
                    break;
                std::string text = jsonToYaml(obj);
                git_oid blob;
                rc = git_blob_create_from_buffer(&blob, m_repo, text.data(), text.size());
                if (rc != 0)
                    break;
                std::string path = "apps/" + app.name + "/" + lower(obj.value("kind", "")) + "-" + stringAt(obj, "metadata.name") + ".yaml";
                git_index_entry entry{};
                entry.mode = GIT_FILEMODE_BLOB;
                entry.id = blob;
                entry.path = path.c_str();
                rc = git_index_add(index.get(), &entry);
            }
        }
        std::string readme = "# Deployment manifests\n\nOne folder per application under apps/; Argo CD syncs each folder.\n";
        git_oid readmeBlob;
        if (rc == 0)
            rc = git_blob_create_from_buffer(&readmeBlob, m_repo, readme.data(), readme.size());
        if (rc == 0) {
            git_index_entry entry{};
            entry.mode = GIT_FILEMODE_BLOB;
            entry.id = readmeBlob;
            entry.path = "README.md";
            rc = git_index_add(index.get(), &entry);
        }
        git_oid treeOid;
        Tree tree;
        Signature sig;
        if (rc == 0)
            rc = git_index_write_tree_to(&treeOid, index.get(), m_repo);
        if (rc == 0)
            rc = git_tree_lookup(tree.out(), m_repo, &treeOid);
        if (rc == 0)
            rc = git_signature_new(sig.out(), authorName, authorEmail, static_cast<git_time_t>(when), 0);
        Commit parent;
        const git_commit *parents[1] = {nullptr};
        size_t parentCount = 0;
        if (rc == 0 && m_hasHead) {
            rc = git_commit_lookup(parent.out(), m_repo, &m_head);
            parents[0] = parent.get();
            parentCount = 1;
        }
        if (rc == 0)
            rc = git_commit_create(&m_head, m_repo, "refs/heads/main", sig.get(), sig.get(), nullptr, message.c_str(), tree.get(),
                                   parentCount, parents);
        if (rc != 0) {
            error = "cannot write the commit \"" + message.substr(0, message.find('\n')) + "\": " + lastGitError(rc);
            return false;
        }
        m_hasHead = true;
        return true;
    }

private:
    git_repository *m_repo;
    git_oid m_head{};
    bool m_hasHead = false;
};

}  // namespace

bool writeDemoRepository(const std::string &dir, const std::vector<Json> &scenario, bool pendingRelease, std::string &error)
{
    std::vector<DemoApp> apps;
    for (const auto &obj : scenario) {
        std::string app;
        if (const Json *ann = findPath(obj, "metadata.annotations"); ann && ann->is_object() && ann->contains(kGitopsAppAnnotation))
            app = (*ann)[kGitopsAppAnnotation].is_string() ? (*ann)[kGitopsAppAnnotation].get<std::string>() : "";
        if (app.empty())
            continue;
        auto it = std::find_if(apps.begin(), apps.end(), [&](const DemoApp &a) { return a.name == app; });
        if (it == apps.end()) {
            apps.push_back({app, {}});
            it = apps.end() - 1;
        }
        it->objects.push_back(cleanManifest(obj));
    }
    if (apps.empty()) {
        error = "the scenario has no objects annotated " + std::string(kGitopsAppAnnotation) + ": NAME";
        return false;
    }
    std::error_code ec;
    if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
        error = dir + " already exists and is not empty";
        return false;
    }
    git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
    opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
    opts.initial_head = "main";
    opts.description = "Pilothouse demo deployment manifests";
    git_repository *repo = nullptr;
    if (int rc = git_repository_init_ext(&repo, dir.c_str(), &opts); rc != 0) {
        error = "cannot create a repository at " + dir + ": " + lastGitError(rc);
        return false;
    }
    std::unique_ptr<git_repository, void (*)(git_repository *)> guard(repo, git_repository_free);
    { std::ofstream(dir + "/git-daemon-export-ok"); }

    // Which apps get release commits: those with numeric image tags.
    std::vector<size_t> released;
    std::vector<DemoApp> state = apps;
    for (size_t i = 0; i < state.size(); ++i) {
        bool any = false;
        for (auto &obj : state[i].objects)
            any = shiftTags(obj, -1) || any;
        if (any)
            released.push_back(i);
    }
    size_t commits = 1 + released.size() + (pendingRelease ? 1 : 0);
    std::time_t now = std::time(nullptr);
    std::time_t t = now - static_cast<std::time_t>(commits) * 3600;
    RepoWriter writer(repo);
    std::string names;
    for (const auto &a : apps)
        names += (names.empty() ? "" : ", ") + a.name;
    if (!writer.commit(state, "Add deployment manifests for " + names + "\n", "Pilothouse Platform", "platform@pilothouse.dev", t, error))
        return false;
    for (size_t i : released) {
        t += 3600;
        state[i] = apps[i];
        std::string tag;
        for (const auto &obj : state[i].objects)
            if (tag.empty())
                tag = firstImageTag(obj);
        std::string msg = state[i].name + ": release " + tag + "\n\nImage tag bumped by the build pipeline.\n";
        if (!writer.commit(state, msg, "Jenkins", "jenkins@pilothouse.dev", t, error))
            return false;
    }
    if (pendingRelease) {
        size_t target = released.empty() ? apps.size() : released.front();
        for (size_t i : released)
            if (apps[i].name == "storefront")
                target = i;
        if (target == apps.size()) {
            error = "--demo-pending-release: no gitops app has a numeric image tag to bump";
            return false;
        }
        std::string tag;
        for (auto &obj : state[target].objects) {
            shiftTags(obj, 1);
            if (tag.empty())
                tag = firstImageTag(obj);
        }
        std::string msg = state[target].name + ": release " + tag + "\n\nImage tag bumped by the build pipeline.\n";
        if (!writer.commit(state, msg, "Jenkins", "jenkins@pilothouse.dev", now - 120, error))
            return false;
    }
    return true;
}

// ---- image tags written by CI ----

namespace {

// "registry/ns/name:tag" -> "name"; empty for an image without a tag.
std::string imageName(const std::string &image)
{
    const size_t colon = image.rfind(':');
    if (colon == std::string::npos || image.find('/', colon) != std::string::npos)
        return {};
    const std::string repo = image.substr(0, colon);
    const size_t slash = repo.rfind('/');
    return slash == std::string::npos ? repo : repo.substr(slash + 1);
}

bool isManifestFile(const std::string &name) { return endsWith(name, ".yaml") || endsWith(name, ".yml"); }

// Every occurrence of `from` that is a whole image reference (not the prefix of a longer tag).
std::string replaceImage(const std::string &text, const std::string &from, const std::string &to, int &count)
{
    std::string out;
    count = 0;
    size_t pos = 0;
    for (size_t hit; (hit = text.find(from, pos)) != std::string::npos;) {
        const size_t end = hit + from.size();
        const bool whole = end == text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '.' ||
                                                   text[end] == '-' || text[end] == '_');
        out.append(text, pos, hit - pos);
        out.append(whole ? to : from);
        count += whole ? 1 : 0;
        pos = end;
    }
    out.append(text, pos, std::string::npos);
    return out;
}

}  // namespace

std::optional<GitImageRef> GitMirror::findImageLocked(const std::string &service, const std::string &ns, const std::string &sha,
                                                      std::string &error)
{
    Tree apps;
    if (!treeAt(m_repo, sha, "apps", apps, error))
        return std::nullopt;
    struct Walk {
        git_repository *repo;
        const std::string &service, &ns;
        std::optional<GitImageRef> found;
    } walk{m_repo, service, ns, std::nullopt};
    git_tree_walk(
        apps.get(), GIT_TREEWALK_PRE,
        [](const char *root, const git_tree_entry *e, void *payload) -> int {
            auto *w = static_cast<Walk *>(payload);
            const std::string name = git_tree_entry_name(e);
            if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || !isManifestFile(name))
                return 0;
            Blob blob;
            if (git_blob_lookup(blob.out(), w->repo, git_tree_entry_id(e)) != 0)
                return 0;
            const std::string text(static_cast<const char *>(git_blob_rawcontent(blob.get())), static_cast<size_t>(git_blob_rawsize(blob.get())));
            try {
                for (const auto &doc : YAML::LoadAll(text)) {
                    if (doc.IsNull())
                        continue;
                    Json obj = yamlToJson(doc);
                    if (!obj.is_object() || (!w->ns.empty() && stringAt(obj, "metadata.namespace") != w->ns))
                        continue;
                    const Json *cs = containersOf(obj);
                    if (!cs)
                        continue;
                    for (const auto &c : *cs) {
                        const std::string image = c.is_object() ? c.value("image", "") : "";
                        if (imageName(image) == w->service) {
                            w->found = GitImageRef{std::string("apps/") + root + name, image};
                            return -1;  // stops the walk
                        }
                    }
                }
            } catch (const std::exception &) {
                // A file Argo CD would report; not one CI can edit.
            }
            return 0;
        },
        &walk);
    return walk.found;
}

std::optional<GitImageRef> GitMirror::findImage(const std::string &service, const std::string &ns, const std::string &branch,
                                                std::string &error)
{
    std::lock_guard lock(m_mutex);
    auto sha = resolveLocked(branch, error);
    if (!sha)
        return std::nullopt;
    return findImageLocked(service, ns, *sha, error);
}

bool GitMirror::commitImageTag(const GitImageCommit &change, GitImageCommitResult &result, std::string &error)
{
    std::lock_guard lock(m_mutex);
    const std::string ref = "refs/heads/" + change.branch;
    // A push refused because someone pushed in between: fetch their head and apply the change on it.
    for (int attempt = 0; attempt < 3; ++attempt) {
        result = {};
        if (!fetchLocked(error))
            return false;
        auto head = resolveLocked(ref, error);
        if (!head)
            return false;
        result.parentSha = *head;
        std::string findError;
        auto found = findImageLocked(change.service, change.ns, *head, findError);
        if (!found)
            return true;  // no manifest of the service: nothing to commit
        result.found = true;
        result.path = found->path;
        result.oldImage = found->image;
        result.newImage = found->image.substr(0, found->image.rfind(':') + 1) + change.tag;
        if (result.oldImage == result.newImage)
            return true;

        git_oid headOid;
        git_oid_fromstr(&headOid, head->c_str());
        Commit parent;
        Tree parentTree;
        TreeEntry entry;
        Blob blob;
        int rc = git_commit_lookup(parent.out(), m_repo, &headOid);
        if (rc == 0)
            rc = git_commit_tree(parentTree.out(), parent.get());
        if (rc == 0)
            rc = git_tree_entry_bypath(entry.out(), parentTree.get(), result.path.c_str());
        if (rc == 0)
            rc = git_blob_lookup(blob.out(), m_repo, git_tree_entry_id(entry.get()));
        if (rc != 0) {
            error = result.path + ": " + lastGitError(rc);
            return false;
        }
        const std::string text(static_cast<const char *>(git_blob_rawcontent(blob.get())), static_cast<size_t>(git_blob_rawsize(blob.get())));
        int replaced = 0;
        const std::string updated = replaceImage(text, result.oldImage, result.newImage, replaced);
        if (replaced == 0) {
            error = result.path + ": the image " + result.oldImage + " is not written out in the file";
            return false;
        }
        Index index;
        Tree tree;
        Signature sig;
        git_oid blobOid, treeOid, commitOid;
        rc = git_index_new(index.out());
        if (rc == 0)
            rc = git_index_read_tree(index.get(), parentTree.get());
        if (rc == 0)
            rc = git_blob_create_from_buffer(&blobOid, m_repo, updated.data(), updated.size());
        if (rc == 0) {
            git_index_entry e{};
            e.mode = git_tree_entry_filemode(entry.get());
            e.id = blobOid;
            e.path = result.path.c_str();
            rc = git_index_add(index.get(), &e);
        }
        if (rc == 0)
            rc = git_index_write_tree_to(&treeOid, index.get(), m_repo);
        if (rc == 0)
            rc = git_tree_lookup(tree.out(), m_repo, &treeOid);
        if (rc == 0)
            rc = git_signature_now(sig.out(), change.authorName.c_str(), change.authorEmail.c_str());
        const git_commit *parents[1] = {parent.get()};
        if (rc == 0)
            rc = git_commit_create(&commitOid, m_repo, ref.c_str(), sig.get(), sig.get(), nullptr, change.message.c_str(), tree.get(), 1, parents);
        if (rc != 0) {
            error = "cannot commit to " + m_url + ": " + lastGitError(rc);
            return false;
        }
        result.sha = oidString(&commitOid);

        Remote remote;
        rc = git_remote_lookup(remote.out(), m_repo, "origin");
        struct Status {
            std::string refused;
        } status;
        git_push_options opts = GIT_PUSH_OPTIONS_INIT;
        opts.callbacks.push_update_reference = [](const char *, const char *message, void *payload) -> int {
            if (message)
                static_cast<Status *>(payload)->refused = message;
            return 0;
        };
        opts.callbacks.payload = &status;
        std::string spec = ref + ":" + ref;
        char *specs[] = {spec.data()};
        const git_strarray refspecs{specs, 1};
        if (rc == 0)
            rc = git_remote_push(remote.get(), &refspecs, &opts);
        if (rc == 0 && status.refused.empty()) {
            result.committed = true;
            return true;
        }
        error = "failed to push to " + m_url + ": " + (rc != 0 ? lastGitError(rc) : status.refused);
        // The next attempt fetches, which puts the branch back on the remote's head.
    }
    return false;
}

}  // namespace pilothouse::sim
